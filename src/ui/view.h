/* Screens and dialogs. Each is a struct that starts with a struct ui_view
 * and fills in one struct ui_view_ops. The event loop in app.c sends keys
 * to the topmost view, and each handler returns the step to take next. */
#ifndef CT_UI_VIEW_H
#define CT_UI_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include "keys.h"

struct ct_change;
struct ui_app;
struct ui_view;

/* The step the event loop takes after a handler returns. */
enum ui_step {
	UI_STAY,    /* keep the view; the screen is redrawn anyway */
	UI_CLOSE,   /* pop the view; the one below gets on_result */
	UI_OPEN,    /* push the view passed to ui_app_open */
	UI_REPLACE, /* pop the view without on_result, push the opened one */
	UI_QUIT,    /* leave careteam */
};

/* The way a dialog ended, for the parent's on_result. */
enum ui_result {
	UI_RESULT_CANCEL,  /* closed without a change */
	UI_RESULT_DONE,    /* a write succeeded */
	UI_RESULT_REFRESH, /* the user asked for a fresh copy of the data */
};

struct ui_view_ops {
	const char *name;
	/* Whether the view is drawn over the one below it. */
	bool modal;
	/* Writes the contexts whose bindings apply now, most specific first,
	 * and returns their count. UI_CTX_GLOBAL is always added. */
	size_t (*contexts)(const struct ui_view *view, enum ui_context *out,
	                   size_t max);
	/* The contexts listed on this view's help screen, ended by
	 * UI_CTX_COUNT. */
	const enum ui_context *help_contexts;
	void (*draw)(struct ui_view *view, struct ui_app *app);
	enum ui_step (*on_action)(struct ui_view *view, struct ui_app *app,
	                          enum ui_action action);
	/* Receives a typed character that no binding claimed; NULL when the
	 * view takes no text. */
	enum ui_step (*on_char)(struct ui_view *view, struct ui_app *app,
	                        wchar_t ch);
	/* Receives the dialog that just closed above this view. */
	void (*on_result)(struct ui_view *view, struct ui_app *app,
	                  const struct ui_view *child);
	/* Runs once per loop turn, after all pending keys were handled, so
	 * a burst of typing costs one query. */
	void (*on_idle)(struct ui_view *view, struct ui_app *app);
	/* Runs when the database socket is readable. */
	void (*on_socket)(struct ui_view *view, struct ui_app *app);
	/* Runs after the connection came back, to load the data again. */
	void (*on_reconnect)(struct ui_view *view, struct ui_app *app);
	/* Receives a committed care-team change that another session made,
	 * while the view is on the stack, shown or not. */
	void (*on_change)(struct ui_view *view, struct ui_app *app,
	                  const struct ct_change *change);
	/* Runs after the terminal changed size. */
	void (*on_resize)(struct ui_view *view, struct ui_app *app);
	void (*destroy)(struct ui_view *view);
};

struct ui_view {
	const struct ui_view_ops *ops;
	enum ui_result result;
};

#endif
