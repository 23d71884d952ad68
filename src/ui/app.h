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
/* Writes of this session remembered, so that their own notifications are
 * not announced as another user's change. */
#define UI_OWN_WRITES_MAX 8

enum ui_message_kind {
	UI_MESSAGE_INFO,
	UI_MESSAGE_ERROR,
};

/* The care-team version that one of this session's writes produced. */
struct ui_own_write {
	char mrn[64];
	int64_t version;
};

struct ui_app {
	/* Not yet open (db is NULL) while the organization is being chosen. */
	struct ct_session *session;
	const struct ct_config *config;
	/* The organization code given with --org, or NULL. */
	const char *org_code;

	/* Set once the session may read patient data, so the loop subscribes
	 * to change notifications and does again after a reconnect. */
	bool listen_requested;
	struct ui_own_write own_writes[UI_OWN_WRITES_MAX];
	size_t own_write_next;

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

/* Returns whether view is the topmost one, with no dialog over it. */
bool ui_app_is_top(const struct ui_app *app, const struct ui_view *view);

/* Returns whether the session is connected or was, so that it has a staff
 * member and an organization. False while the organization is chosen. */
bool ui_app_session_open(const struct ui_app *app);

/* Returns whether the staff member has read-only access to the
 * organization. */
bool ui_app_read_only(const struct ui_app *app);

/* Subscribes to care-team change notifications, now and after every
 * reconnect. Call once the session may read patient data. */
void ui_app_listen(struct ui_app *app);

/* Tells the views that the session proved its second factor again on a
 * new connection, as after a reconnect, and subscribes to notifications
 * there. */
void ui_app_resumed(struct ui_app *app);

/* Records that a write of this session left the team of mrn at version,
 * so its notification is not shown as another user's change. */
void ui_app_note_write(struct ui_app *app, const char *mrn, int64_t version);

#endif
