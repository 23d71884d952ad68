/* The event loop: one poll() over the terminal and the database socket.
 * It uses ppoll, the form of poll that sets the signal mask while it
 * sleeps (see ui_terminal_wait_mask). The build defines _GNU_SOURCE, which
 * ppoll needs. */
#include "app.h"

#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "careteam/changes.h"
#include "careteam/log.h"
#include "careteam/patients.h"
#include "dialogs.h"
#include "frame.h"
#include "input.h"
#include "labels.h"
#include "screens.h"
#include "terminal.h"

/* How often a lost connection is tried again. */
#define RECONNECT_INTERVAL_MS 1500
/* How long a synchronous call waits for a search in flight to finish. */
#define SETTLE_TIMEOUT_MS 10000

static int64_t now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

void ui_app_open(struct ui_app *app, struct ui_view *view)
{
	app->opening = view;
}

void ui_app_message(struct ui_app *app, enum ui_message_kind kind,
                    const char *format, ...)
{
	va_list args;

	va_start(args, format);
	vsnprintf(app->message, sizeof(app->message), format, args);
	va_end(args);
	app->message_kind = kind;
}

/* Returns whether a log line may be written now. Lines sent to stderr
 * would be drawn over the curses screen, so they wait until it is gone. */
static bool log_allowed(const struct ui_app *app)
{
	return app->config == NULL ||
	       app->config->log_destination != CT_LOG_TO_STDERR;
}

bool ui_app_session_open(const struct ui_app *app)
{
	return app->session->db != NULL;
}

bool ui_app_read_only(const struct ui_app *app)
{
	return ui_app_session_open(app) &&
	       app->session->access == CT_ACCESS_READ_ONLY;
}

void ui_app_connection_lost(struct ui_app *app)
{
	/* Without an open session there is nothing to reconnect: opening
	 * it again is the organization list's job. */
	if (app->offline || !ui_app_session_open(app))
		return;
	app->offline = true;
	app->next_reconnect_ms = now_ms() + RECONNECT_INTERVAL_MS;
	if (log_allowed(app))
		ct_log(CT_LOG_WARNING, "ui_connection_lost", "staff_id=%lld",
		       (long long)app->session->staff_id);
}

void ui_app_report(struct ui_app *app, enum ct_outcome outcome,
                   const struct ct_error *err)
{
	if (outcome == CT_OK)
		return;
	if (outcome == CT_DB_UNAVAILABLE)
		ui_app_connection_lost(app);
	if (outcome == CT_INVALID_INPUT && err != NULL &&
	    err->detail[0] != '\0')
		ui_app_message(app, UI_MESSAGE_ERROR, "%s %s",
		               ct_outcome_message(outcome), err->detail);
	else
		ui_app_message(app, UI_MESSAGE_ERROR, "%s",
		               ct_outcome_message(outcome));
	if (outcome != CT_DB_UNAVAILABLE && err != NULL && log_allowed(app))
		ct_log(CT_LOG_INFO, "ui_outcome", "outcome=%s sqlstate=%s",
		       ct_outcome_name(outcome), err->sqlstate);
}

struct ui_view *ui_app_below(struct ui_app *app, const struct ui_view *view)
{
	int i;

	for (i = app->depth - 1; i > 0; i--) {
		if (app->stack[i] == view)
			return app->stack[i - 1];
	}
	return NULL;
}

bool ui_app_is_top(const struct ui_app *app, const struct ui_view *view)
{
	return app->depth > 0 && app->stack[app->depth - 1] == view;
}

void ui_app_listen(struct ui_app *app)
{
	struct ct_error err = {0};
	enum ct_outcome outcome;

	app->listen_requested = true;
	outcome = ct_changes_listen(app->session, &err);
	if (outcome != CT_OK)
		ui_app_report(app, outcome, &err);
}

void ui_app_note_write(struct ui_app *app, const char *mrn, int64_t version)
{
	struct ui_own_write *write = &app->own_writes[app->own_write_next];

	snprintf(write->mrn, sizeof(write->mrn), "%s", mrn);
	write->version = version;
	app->own_write_next = (app->own_write_next + 1) % UI_OWN_WRITES_MAX;
}

/* Returns whether change is the notification of one of this session's
 * own writes: the team is still at the version that write left. */
static bool is_own_write(const struct ui_app *app,
                         const struct ct_change *change)
{
	size_t i;

	for (i = 0; i < UI_OWN_WRITES_MAX; i++) {
		const struct ui_own_write *write = &app->own_writes[i];

		if (write->mrn[0] != '\0' &&
		    write->version == change->care_team_version &&
		    strcmp(write->mrn, change->mrn) == 0)
			return true;
	}
	return false;
}

static void dispatch_change(struct ui_app *app, const struct ct_change *change)
{
	int i;

	if (log_allowed(app))
		ct_log(CT_LOG_DEBUG, "ui_change_received",
		       "patient_id=%lld version=%lld",
		       (long long)change->patient_id,
		       (long long)change->care_team_version);
	for (i = 0; i < app->depth; i++) {
		struct ui_view *view = app->stack[i];

		if (view->ops->on_change != NULL)
			view->ops->on_change(view, app, change);
	}
}

/* Hands the change notifications that have arrived to the views. They
 * wait inside libpq while a search is in flight, because reading them
 * sends a query of its own. */
static void read_changes(struct ui_app *app)
{
	struct ct_change changes[CT_CHANGES_MAX];
	struct ct_error err = {0};
	enum ct_outcome outcome;
	size_t count = 0;
	size_t i;

	if (app->offline || !ui_app_session_open(app) ||
	    !app->session->listening ||
	    ct_patients_search_pending(app->session))
		return;
	outcome = ct_changes_read(app->session, changes, &count, &err);
	if (outcome != CT_OK) {
		ui_app_report(app, outcome, &err);
		return;
	}
	for (i = 0; i < count && !app->quit; i++) {
		if (!is_own_write(app, &changes[i]))
			dispatch_change(app, &changes[i]);
	}
}

static void dispatch_socket(struct ui_app *app)
{
	int i;

	for (i = 0; i < app->depth; i++) {
		struct ui_view *view = app->stack[i];

		if (view->ops->on_socket != NULL)
			view->ops->on_socket(view, app);
	}
}

bool ui_app_settle(struct ui_app *app)
{
	int64_t deadline = now_ms() + SETTLE_TIMEOUT_MS;

	while (ct_patients_search_pending(app->session)) {
		struct pollfd socket_poll = {0};
		int64_t remaining = deadline - now_ms();

		socket_poll.fd = ct_session_socket(app->session);
		if (app->offline || socket_poll.fd < 0 || remaining <= 0)
			return false;
		socket_poll.events = POLLIN;
		if (poll(&socket_poll, 1, (int)remaining) < 0 && errno != EINTR)
			return false;
		dispatch_socket(app);
	}
	return true;
}

static void push_view(struct ui_app *app, struct ui_view *view)
{
	if (view == NULL) {
		ui_app_message(app, UI_MESSAGE_ERROR, "%s",
		               ct_outcome_message(CT_SYSTEM_ERROR));
		return;
	}
	if (app->depth == UI_VIEW_STACK_MAX) {
		view->ops->destroy(view);
		ui_app_message(app, UI_MESSAGE_ERROR, "%s",
		               ct_outcome_message(CT_SYSTEM_ERROR));
		return;
	}
	app->stack[app->depth++] = view;
}

static void close_top(struct ui_app *app, bool notify)
{
	struct ui_view *view = app->stack[--app->depth];

	if (notify && app->depth > 0) {
		struct ui_view *parent = app->stack[app->depth - 1];

		if (parent->ops->on_result != NULL)
			parent->ops->on_result(parent, app, view);
	}
	view->ops->destroy(view);
	if (app->depth == 0)
		app->quit = true;
}

static void apply_step(struct ui_app *app, enum ui_step step)
{
	struct ui_view *opening = app->opening;

	app->opening = NULL;
	switch (step) {
	case UI_STAY:
		break;
	case UI_CLOSE:
		close_top(app, true);
		break;
	case UI_OPEN:
		push_view(app, opening);
		break;
	case UI_REPLACE:
		close_top(app, false);
		app->quit = false;
		push_view(app, opening);
		break;
	case UI_QUIT:
		app->quit = true;
		break;
	}
}

static size_t active_contexts(const struct ui_view *view,
                              enum ui_context *contexts, size_t max)
{
	if (view->ops->contexts == NULL)
		return 0;
	return view->ops->contexts(view, contexts, max);
}

static void handle_resize(struct ui_app *app)
{
	int i;

	for (i = 0; i < app->depth; i++) {
		struct ui_view *view = app->stack[i];

		if (view->ops->on_resize != NULL)
			view->ops->on_resize(view, app);
	}
}

static void handle_key(struct ui_app *app, int key)
{
	struct ui_view *top = app->stack[app->depth - 1];
	enum ui_context contexts[4];
	size_t count = active_contexts(top, contexts, 4);
	const struct ui_binding *binding = ui_keys_find(contexts, count, key);
	enum ui_action action = binding != NULL ? binding->action : UI_ACT_NONE;
	enum ui_step step = UI_STAY;

	if (action == UI_ACT_QUIT) {
		app->quit = true;
		return;
	}
	/* Keys typed blind could change data, so a terminal that is too
	 * small takes only Ctrl-C. */
	if (!ui_terminal_big_enough())
		return;

	app->message[0] = '\0';
	if (binding != NULL && binding->writes && ui_app_read_only(app)) {
		ui_app_message(app, UI_MESSAGE_ERROR, "%s", UI_TEXT_READ_ONLY);
		return;
	}
	if (action == UI_ACT_HELP && top->ops->help_contexts != NULL) {
		ui_app_open(app, ui_help_new(top));
		step = UI_OPEN;
	} else if (action != UI_ACT_NONE) {
		step = top->ops->on_action(top, app, action);
	} else if (ui_key_is_text(key) && top->ops->on_char != NULL) {
		step = top->ops->on_char(top, app, (wchar_t)key);
	}
	apply_step(app, step);
}

/* Returns whether the top view has a text field with the focus. */
static bool field_has_focus(const struct ui_app *app)
{
	const struct ui_view *top = app->stack[app->depth - 1];
	enum ui_context contexts[4];
	size_t count = active_contexts(top, contexts, 4);
	size_t i;

	for (i = 0; i < count; i++) {
		if (contexts[i] == UI_CTX_FIELD)
			return top->ops->on_char != NULL;
	}
	return false;
}

/* Puts one character of pasted text into the focused field. Pasted text
 * is never read as keys, so outside a field it is dropped. */
static void handle_paste(struct ui_app *app, int ch)
{
	struct ui_view *top = app->stack[app->depth - 1];

	if (!field_has_focus(app) || !ui_terminal_big_enough())
		return;
	app->message[0] = '\0';
	apply_step(app, top->ops->on_char(top, app, (wchar_t)ch));
}

/* Returns whether key is an Enter that came in one burst with more
 * input, as a paste without bracketed-paste markers delivers a line
 * break. In a text field such an Enter is text, not a confirmation. */
static bool is_pasted_enter(const struct ui_app *app, int key)
{
	/* Peeking reads ahead, and reading a pending resize from curses
	 * changes the screen size at once. Checked first, a too-small screen
	 * is never grown by the peek before this Enter is dropped. */
	if (!ui_terminal_big_enough())
		return false;
	return (key == '\r' || key == '\n') && field_has_focus(app) &&
	       ui_input_pending();
}

/* Handles every key curses can hand over now. curses reads the terminal
 * in chunks, so keys may wait in its buffer although poll() would not
 * report the terminal readable. */
static void drain_input(struct ui_app *app)
{
	struct ui_input input;

	while (!app->quit && ui_input_read(&input)) {
		if (input.kind == UI_INPUT_RESIZE)
			handle_resize(app);
		else if (input.kind == UI_INPUT_PASTE)
			handle_paste(app, input.key);
		else if (is_pasted_enter(app, input.key))
			handle_paste(app, ' ');
		else
			handle_key(app, input.key);
	}
}

/* Shows that the connection is back and lets every view load its data
 * again. */
static void announce_reconnect(struct ui_app *app)
{
	int i;

	ui_app_message(app, UI_MESSAGE_INFO, "%s", UI_TEXT_RECONNECTED);
	for (i = 0; i < app->depth; i++) {
		struct ui_view *view = app->stack[i];

		if (view->ops->on_reconnect != NULL)
			view->ops->on_reconnect(view, app);
	}
}

void ui_app_resumed(struct ui_app *app)
{
	if (app->listen_requested)
		ui_app_listen(app);
	announce_reconnect(app);
}

/* The connection is back, but the ticket that proved the second factor
 * was rejected (it expired, for example), so the database shows nothing
 * until a new code is given. The prompt goes over the open screens,
 * which keep what was typed in them. */
static void ask_code_again(struct ui_app *app)
{
	app->offline = false;
	if (log_allowed(app))
		ct_log(CT_LOG_WARNING, "ui_ticket_rejected", "staff_id=%lld",
		       (long long)app->session->staff_id);
	ui_app_message(app, UI_MESSAGE_ERROR, "%s",
	               ct_outcome_message(CT_TICKET_INVALID));
	if (!ui_mfa_screen_is(app->stack[app->depth - 1]))
		push_view(app, ui_mfa_screen_new(true));
}

static void reconnect(struct ui_app *app)
{
	struct ct_error err = {0};
	enum ct_outcome outcome = ct_session_reconnect(app->session, &err);

	if (outcome == CT_TICKET_INVALID) {
		ask_code_again(app);
		return;
	}
	if (outcome != CT_OK) {
		app->next_reconnect_ms = now_ms() + RECONNECT_INTERVAL_MS;
		return;
	}
	app->offline = false;
	if (log_allowed(app))
		ct_log(CT_LOG_INFO, "ui_reconnected", "staff_id=%lld",
		       (long long)app->session->staff_id);
	/* The session listens again by itself, unless the first LISTEN
	 * never succeeded. */
	if (app->listen_requested && !app->session->listening)
		ui_app_listen(app);
	announce_reconnect(app);
}

static void check_connection(struct ui_app *app)
{
	if (!ui_app_session_open(app))
		return;
	if (!app->offline && !ct_session_connected(app->session))
		ui_app_connection_lost(app);
	if (app->offline && now_ms() >= app->next_reconnect_ms)
		reconnect(app);
}

/* Runs on_idle for the views on screen: the topmost full screen and the
 * dialogs over it. A screen hidden under another waits until it shows. */
static void run_idle(struct ui_app *app)
{
	int i = app->depth - 1;

	while (i > 0 && app->stack[i]->ops->modal)
		i--;
	for (; i < app->depth && !app->offline; i++) {
		struct ui_view *view = app->stack[i];

		if (view->ops->on_idle != NULL)
			view->ops->on_idle(view, app);
	}
}

static int poll_timeout(const struct ui_app *app)
{
	int64_t wait;

	if (!app->offline)
		return -1;
	wait = app->next_reconnect_ms - now_ms();
	return wait > 0 ? (int)wait : 0;
}

static int sleep_in_poll(struct pollfd *fds, nfds_t count, int timeout_ms)
{
	struct timespec timeout = {timeout_ms / 1000,
	                           (long)(timeout_ms % 1000) * 1000000};

	return ppoll(fds, count, timeout_ms < 0 ? NULL : &timeout,
	             ui_terminal_wait_mask());
}

/* Sleeps in poll() until a key, a database result, a signal or the next
 * reconnect attempt. */
static void wait_for_events(struct ui_app *app)
{
	struct pollfd fds[2] = {{0}};
	nfds_t count = 1;
	int sock = ct_session_socket(app->session);
	int ready;

	fds[0].fd = STDIN_FILENO;
	fds[0].events = POLLIN;
	/* The socket is watched whenever something reads it: a search in
	 * flight or the change notifications. Watched otherwise, a closed
	 * connection would keep it readable and the loop would spin. */
	if (!app->offline && sock >= 0 &&
	    (app->session->listening ||
	     ct_patients_search_pending(app->session))) {
		fds[1].fd = sock;
		fds[1].events = POLLIN;
		count = 2;
	}
	ready = sleep_in_poll(fds, count, poll_timeout(app));
	ui_terminal_deliver_signals();
	if (ready <= 0)
		return;
	/* A hung-up terminal stays readable forever, so it ends the loop as
	 * SIGHUP would. */
	if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
		app->quit = true;
		app->exit_status = 128 + SIGHUP;
		return;
	}
	if (count == 2 && (fds[1].revents & (POLLIN | POLLERR | POLLHUP)))
		dispatch_socket(app);
}

static void check_signal(struct ui_app *app)
{
	int signal_number = ui_terminal_pending_signal();

	if (signal_number == 0)
		return;
	app->quit = true;
	app->exit_status = 128 + signal_number;
}

int ui_app_run(struct ui_app *app, struct ui_view *first)
{
	push_view(app, first);
	if (app->depth == 0)
		return 1;

	while (!app->quit) {
		drain_input(app);
		check_signal(app);
		if (app->quit)
			break;
		check_connection(app);
		read_changes(app);
		run_idle(app);
		ui_frame_draw(app);
		wait_for_events(app);
		check_signal(app);
	}

	while (app->depth > 0)
		close_top(app, false);
	return app->exit_status;
}
