/* The application state shared by every view, and the event loop. */
#ifndef CT_UI_APP_H
#define CT_UI_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "careteam/config.h"
#include "careteam/outcome.h"
#include "careteam/session.h"
#include "view.h"

#define UI_VIEW_STACK_MAX 8
#define UI_MESSAGE_MAX    512

enum ui_message_kind {
	UI_MESSAGE_INFO,
	UI_MESSAGE_ERROR,
};

struct ui_app {
	struct ct_session *session;
	const struct ct_config *config;

	struct ui_view *stack[UI_VIEW_STACK_MAX];
	int depth;
	/* The view a handler asked for with ui_app_open. */
	struct ui_view *opening;

	char message[UI_MESSAGE_MAX];
	enum ui_message_kind message_kind;

	/* True while the connection is lost; the loop then retries
	 * ct_session_reconnect every UI_RECONNECT_INTERVAL_MS. */
	bool offline;
	int64_t next_reconnect_ms;

	bool quit;
	int exit_status;
};

/* Runs the event loop until the user quits or a signal arrives, and
 * returns the exit status. The terminal must be started. */
int ui_app_run(struct ui_app *app, struct ui_view *first);

/* Makes view the one that UI_OPEN or UI_REPLACE pushes. */
void ui_app_open(struct ui_app *app, struct ui_view *view);

/* Shows a sentence on the message line until the next key. */
void ui_app_message(struct ui_app *app, enum ui_message_kind kind,
                    const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Shows the outcome's message from the outcome table, and for
 * CT_DB_UNAVAILABLE marks the connection lost so the loop reconnects. */
void ui_app_report(struct ui_app *app, enum ct_outcome outcome,
                   const struct ct_error *err);

/* Marks the connection lost: the banner shows and reconnecting starts. */
void ui_app_connection_lost(struct ui_app *app);

/* Waits for a search in flight to finish, handing its result to the views,
 * so that a synchronous call can use the connection. Returns false when it
 * could not (the connection was lost or the wait timed out). */
bool ui_app_settle(struct ui_app *app);

/* Returns the view under the given one on the stack, or NULL. */
struct ui_view *ui_app_below(struct ui_app *app, const struct ui_view *view);

#endif
