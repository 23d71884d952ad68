/* A patient's care team: the active assignments, PRIMARY first, and on
 * request the removed ones. Every change goes through a dialog. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "careteam/care_team.h"
#include "careteam/changes.h"
#include "dialogs.h"
#include "draw.h"
#include "labels.h"
#include "layout.h"
#include "list.h"
#include "screens.h"
#include "text.h"

/* Rows above the assignment table: patient, summary, blank line, column
 * headings. */
#define HEADER_ROWS 4
/* Lines between the active rows and the removed ones: blank line, title,
 * column headings. */
#define HISTORY_GAP 3
/* Rows under the table that show a selected removed assignment whole. */
#define DETAIL_ROWS 2
/* Rows a notice takes in place of the summary and the blank line under
 * it. */
#define NOTICE_ROWS 2
#define DATE_CHARS  10
#define TIME_CHARS  16

struct team_screen {
	struct ui_view base;
	char mrn[UI_MRN_BYTES];
	struct ct_care_team team;
	size_t active_count;
	bool show_history;
	struct ui_list list;
	/* A change stopped by a conflict, for UI_ACT_REOPEN. */
	struct ui_change pending;
	/* The dialog on top was opened from pending. */
	bool reopened;
	/* The staff member may not change the team. */
	bool read_only;
	/* Why the team on screen may be out of date, until the next load;
	 * "" when it is current. */
	char notice[UI_LINE_BYTES];
};

static const enum ui_context help_contexts[] = {
    UI_CTX_TEAM,
    UI_CTX_GLOBAL,
    UI_CTX_COUNT,
};

static struct team_screen *as_team(const struct ui_view *view)
{
	return (struct team_screen *)view;
}

static size_t visible_rows(const struct team_screen *screen)
{
	return screen->show_history ? screen->team.count : screen->active_count;
}

static size_t count_active(const struct ct_care_team *team)
{
	size_t count = 0;
	size_t i;

	for (i = 0; i < team->count; i++) {
		if (!team->items[i].removed)
			count++;
	}
	return count;
}

static const struct ct_assignment *find_active(const struct team_screen *screen,
                                               const char *npi)
{
	size_t i;

	for (i = 0; i < screen->active_count; i++) {
		if (strcmp(screen->team.items[i].provider_npi, npi) == 0)
			return &screen->team.items[i];
	}
	return NULL;
}

static void select_npi(struct team_screen *screen, const char *npi)
{
	size_t i;

	screen->list.selected = 0;
	for (i = 0; i < screen->active_count; i++) {
		if (strcmp(screen->team.items[i].provider_npi, npi) == 0)
			screen->list.selected = (int)i;
	}
	ui_list_set_count(&screen->list, (int)visible_rows(screen));
}

/* Loads the team again, keeping the selected provider selected. Keeps the
 * old copy when loading fails. */
static bool reload(struct team_screen *screen, struct ui_app *app)
{
	struct ct_care_team team = {0};
	struct ct_error err = {0};
	char selected[UI_NPI_BYTES] = "";
	enum ct_outcome outcome;

	if (!ui_app_settle(app)) {
		ui_app_report(app, CT_DB_UNAVAILABLE, NULL);
		return false;
	}
	outcome =
	    ct_care_team_load(app->session, screen->mrn, true, &team, &err);
	if (outcome != CT_OK) {
		ui_app_report(app, outcome, &err);
		return false;
	}
	if (screen->list.count > 0)
		ui_copy(selected, sizeof(selected),
		        screen->team.items[screen->list.selected].provider_npi);
	ct_care_team_free(&screen->team);
	screen->team = team;
	screen->active_count = count_active(&team);
	select_npi(screen, selected);
	screen->notice[0] = '\0';
	return true;
}

static const struct ct_assignment *
selected_active(const struct team_screen *screen, struct ui_app *app)
{
	const struct ct_assignment *assignment = NULL;

	if (screen->list.count > 0)
		assignment = &screen->team.items[screen->list.selected];
	if (assignment == NULL || assignment->removed) {
		ui_app_message(app, UI_MESSAGE_ERROR, "%s",
		               UI_TEXT_SELECT_ACTIVE);
		return NULL;
	}
	return assignment;
}

/* Returns the kept change when it is of this kind and for this provider. */
static const struct ui_change *kept_for(const struct team_screen *screen,
                                        enum ui_change_kind kind,
                                        const char *npi)
{
	if (screen->pending.kind != kind)
		return NULL;
	if (npi != NULL && strcmp(screen->pending.npi, npi) != 0)
		return NULL;
	return &screen->pending;
}

static enum ui_step open_dialog(struct ui_app *app, struct ui_view *dialog)
{
	if (dialog == NULL) {
		ui_app_report(app, CT_SYSTEM_ERROR, NULL);
		return UI_STAY;
	}
	ui_app_open(app, dialog);
	return UI_OPEN;
}

static enum ui_step open_assign(struct team_screen *screen, struct ui_app *app,
                                const struct ui_change *prefill)
{
	struct ui_target target;
	struct ui_view *dialog;

	ui_target_from_team(&screen->team, &target);
	dialog = ui_assign_dialog_new(app, &target, prefill);
	if (dialog == NULL)
		return UI_STAY;
	return open_dialog(app, dialog);
}

/* Opens the dialog of kind for an assignment on the team, filled in from
 * kept when it is not NULL. */
static enum ui_step open_for(struct team_screen *screen, struct ui_app *app,
                             const struct ct_assignment *assignment,
                             enum ui_change_kind kind,
                             const struct ui_change *kept)
{
	struct ui_target target;
	struct ui_change change;

	ui_target_from_team(&screen->team, &target);
	ui_change_from_assignment(assignment, kind, &change);
	if (kept != NULL) {
		change.role = kept->role;
		ui_copy(change.reason, sizeof(change.reason), kept->reason);
	}
	switch (kind) {
	case UI_CHANGE_REMOVE:
		return open_dialog(app, ui_remove_dialog_new(&target, &change));
	case UI_CHANGE_ROLE:
		return open_dialog(app, ui_role_dialog_new(&target, &change));
	case UI_CHANGE_PRIMARY:
		if (assignment->role == CT_ROLE_PRIMARY) {
			ui_app_message(app, UI_MESSAGE_ERROR,
			               UI_TEXT_ALREADY_PRIMARY,
			               assignment->provider_name);
			return UI_STAY;
		}
		return open_dialog(app,
		                   ui_primary_dialog_new(&target, &change));
	default:
		return UI_STAY;
	}
}

static enum ui_step open_selected(struct team_screen *screen,
                                  struct ui_app *app, enum ui_change_kind kind)
{
	const struct ct_assignment *assignment = selected_active(screen, app);

	if (assignment == NULL)
		return UI_STAY;
	return open_for(screen, app, assignment, kind,
	                kept_for(screen, kind, assignment->provider_npi));
}

/* Reopens the kept change against the team as it is now. */
static enum ui_step reopen(struct team_screen *screen, struct ui_app *app)
{
	struct ui_change *kept = &screen->pending;
	const struct ct_assignment *assignment;
	struct ui_target target;

	if (kept->kind == UI_CHANGE_NONE) {
		ui_app_message(app, UI_MESSAGE_ERROR, "%s",
		               UI_TEXT_NOTHING_KEPT);
		return UI_STAY;
	}
	screen->reopened = true;
	if (kept->kind == UI_CHANGE_ASSIGN)
		return open_assign(screen, app, kept);

	assignment = find_active(screen, kept->npi);
	if (assignment != NULL)
		return open_for(screen, app, assignment, kept->kind, kept);
	ui_target_from_team(&screen->team, &target);
	if (kept->kind == UI_CHANGE_PRIMARY && target.has_primary)
		return open_dialog(app, ui_primary_dialog_new(&target, kept));
	if (kept->kind == UI_CHANGE_PRIMARY) {
		struct ui_change assign = *kept;

		assign.kind = UI_CHANGE_ASSIGN;
		assign.role = CT_ROLE_PRIMARY;
		return open_assign(screen, app, &assign);
	}
	screen->reopened = false;
	ui_app_message(app, UI_MESSAGE_ERROR, "%s",
	               ct_outcome_message(CT_NOT_ON_TEAM));
	return UI_STAY;
}

static enum ui_step open_audit(struct team_screen *screen, struct ui_app *app)
{
	struct ui_view *audit = ui_audit_screen_new(app, &screen->team);

	if (audit == NULL)
		return UI_STAY;
	ui_app_open(app, audit);
	return UI_OPEN;
}

static enum ui_step team_action(struct ui_view *view, struct ui_app *app,
                                enum ui_action action)
{
	struct team_screen *screen = as_team(view);
	struct ui_rect body = ui_layout_body();

	screen->reopened = false;
	if (ui_list_move(&screen->list, action, body.height - HEADER_ROWS))
		return UI_STAY;

	switch (action) {
	case UI_ACT_ASSIGN:
		return open_assign(screen, app,
		                   kept_for(screen, UI_CHANGE_ASSIGN, NULL));
	case UI_ACT_REMOVE:
		return open_selected(screen, app, UI_CHANGE_REMOVE);
	case UI_ACT_CHANGE_ROLE:
		return open_selected(screen, app, UI_CHANGE_ROLE);
	case UI_ACT_MAKE_PRIMARY:
		return open_selected(screen, app, UI_CHANGE_PRIMARY);
	case UI_ACT_REOPEN:
		return reopen(screen, app);
	case UI_ACT_HISTORY:
		screen->show_history = !screen->show_history;
		ui_list_set_count(&screen->list, (int)visible_rows(screen));
		return UI_STAY;
	case UI_ACT_REFRESH:
		if (reload(screen, app))
			ui_app_message(app, UI_MESSAGE_INFO, "%s",
			               UI_TEXT_REFRESHED);
		return UI_STAY;
	case UI_ACT_AUDIT:
		return open_audit(screen, app);
	case UI_ACT_BACK:
		return UI_CLOSE;
	default:
		return UI_STAY;
	}
}

static void team_result(struct ui_view *view, struct ui_app *app,
                        const struct ui_view *child)
{
	struct team_screen *screen = as_team(view);
	const struct ui_change *change = ui_conflict_dialog_change(child);

	if (change != NULL) {
		screen->pending = *change;
		screen->reopened = false;
		if (child->result != UI_RESULT_REFRESH || reload(screen, app))
			ui_app_message(app, UI_MESSAGE_INFO, "%s",
			               UI_TEXT_CHANGE_KEPT);
		return;
	}
	if (child->result == UI_RESULT_DONE) {
		memset(&screen->pending, 0, sizeof(screen->pending));
		reload(screen, app);
	} else if (child->result == UI_RESULT_CANCEL && screen->reopened) {
		memset(&screen->pending, 0, sizeof(screen->pending));
	}
	screen->reopened = false;
}

/* Reloads the team, as after any reconnect, and still sets a notice that
 * it may have changed. Notifications sent while the connection was down
 * are lost, and a dialog open over the screen works on the team as it was
 * before. */
static void team_reconnect(struct ui_view *view, struct ui_app *app)
{
	struct team_screen *screen = as_team(view);

	reload(screen, app);
	ui_copy(screen->notice, sizeof(screen->notice),
	        UI_TEXT_NOTICE_RECONNECTED);
}

/* Writes the time of a change as HH:MM when it is today, else whole. */
static void format_change_time(const char *changed_at, char *buffer,
                               size_t size)
{
	char today[16];
	time_t now = time(NULL);
	struct tm local;

	if (localtime_r(&now, &local) != NULL &&
	    strftime(today, sizeof(today), "%Y-%m-%d", &local) > 0 &&
	    strlen(changed_at) > 11 &&
	    strncmp(changed_at, today, strlen(today)) == 0) {
		ui_copy(buffer, size, changed_at + 11);
		return;
	}
	ui_copy(buffer, size, changed_at);
}

/* Returns the words for an action code of the audit log, or NULL for a
 * code without words. */
static const char *action_words(const char *action)
{
	static const struct {
		const char *code;
		const char *words;
	} table[] = {
#define UI_NOTICE_ACTION_ROW(code, words) {code, words},
	    UI_NOTICE_ACTIONS(UI_NOTICE_ACTION_ROW)
#undef UI_NOTICE_ACTION_ROW
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp(table[i].code, action) == 0)
			return table[i].words;
	}
	return NULL;
}

static void format_change_notice(const struct ct_change *change, char *buffer,
                                 size_t size)
{
	const char *words = action_words(change->action);
	bool by = change->changed_by[0] != '\0';
	char time_text[UI_TIME_BYTES];
	size_t used;

	ui_copy(buffer, size, UI_TEXT_NOTICE_CHANGED);
	used = strlen(buffer);
	if (by && words != NULL)
		used += (size_t)snprintf(buffer + used, size - used,
		                         UI_TEXT_NOTICE_WHO_WHAT,
		                         change->changed_by, words);
	else if (by)
		used += (size_t)snprintf(buffer + used, size - used,
		                         UI_TEXT_NOTICE_BY, change->changed_by);
	else if (words != NULL)
		used += (size_t)snprintf(buffer + used, size - used,
		                         UI_TEXT_NOTICE_WHAT, words);
	if (change->changed_at[0] != '\0' && used < size) {
		format_change_time(change->changed_at, time_text,
		                   sizeof(time_text));
		used += (size_t)snprintf(buffer + used, size - used,
		                         UI_TEXT_NOTICE_AT, time_text);
	}
	if (used < size)
		snprintf(buffer + used, size - used, "%s",
		         UI_TEXT_NOTICE_REFRESH);
}

/* Shows a notice for a change to this patient's team that is newer than
 * the copy on screen. The screen stays as it is until the user refreshes,
 * and a dialog over it gets the notice on the message line too. */
static void team_change(struct ui_view *view, struct ui_app *app,
                        const struct ct_change *change)
{
	struct team_screen *screen = as_team(view);

	if (strcmp(change->mrn, screen->mrn) != 0 ||
	    change->care_team_version <= screen->team.patient.care_team_version)
		return;
	format_change_notice(change, screen->notice, sizeof(screen->notice));
	if (!ui_app_is_top(app, view))
		ui_app_message(app, UI_MESSAGE_INFO, "%s", screen->notice);
}

static size_t team_contexts(const struct ui_view *view, enum ui_context *out,
                            size_t max)
{
	(void)view;
	if (max < 1)
		return 0;
	out[0] = UI_CTX_TEAM;
	return 1;
}

static void draw_header(const struct team_screen *screen, struct ui_rect body)
{
	const struct ct_patient *patient = &screen->team.patient;
	char name[UI_NAME_BYTES];
	char line[512];
	int x = 1;
	int width = body.width - 2;

	ui_patient_name(patient, name, sizeof(name));
	x += ui_draw_text_short(body.y, x, width / 2, name, UI_STYLE_HEADER);
	snprintf(line, sizeof(line), "   %s%s   %s%s", UI_TEXT_TEAM_MRN,
	         patient->mrn, UI_TEXT_TEAM_BORN, patient->birth_date);
	ui_draw_text_short(body.y, x, body.width - 1 - x, line,
	                   UI_STYLE_NORMAL);

	if (screen->notice[0] != '\0') {
		ui_draw_wrapped(body.y + 1, 1, width, NOTICE_ROWS,
		                screen->notice, UI_STYLE_NOTICE);
		return;
	}
	snprintf(line, sizeof(line),
	         screen->show_history ? UI_TEXT_TEAM_SUMMARY_HISTORY
	                              : UI_TEXT_TEAM_SUMMARY,
	         screen->active_count,
	         screen->team.count - screen->active_count);
	ui_draw_text(body.y + 1, 1, width, line, UI_STYLE_DIM);
}

enum active_column {
	ACTIVE_ROLE,
	ACTIVE_PROVIDER,
	ACTIVE_SPECIALTY,
	ACTIVE_SINCE,
	ACTIVE_BY,
	ACTIVE_PANEL,
	ACTIVE_COUNT,
};

static const struct ui_column active_columns[ACTIVE_COUNT] = {
    [ACTIVE_ROLE] = {10, 0},      [ACTIVE_PROVIDER] = {16, 3},
    [ACTIVE_SPECIALTY] = {13, 1}, [ACTIVE_SINCE] = {DATE_CHARS, 0},
    [ACTIVE_BY] = {9, 1},         [ACTIVE_PANEL] = {5, 0},
};

enum history_column {
	HISTORY_ROLE,
	HISTORY_PROVIDER,
	HISTORY_REMOVED,
	HISTORY_BY,
	HISTORY_REASON,
	HISTORY_COUNT,
};

static const struct ui_column history_columns[HISTORY_COUNT] = {
    [HISTORY_ROLE] = {10, 0},
    [HISTORY_PROVIDER] = {16, 2},
    [HISTORY_REMOVED] = {TIME_CHARS, 0},
    [HISTORY_BY] = {10, 0},
    [HISTORY_REASON] = {10, 3},
};

/* Draws one table row. The column numbered right_aligned (or none, for
 * -1) is aligned to the right. */
static void draw_cells(int y, int width, const struct ui_column *columns,
                       size_t count, const char *const *cells,
                       int right_aligned, enum ui_style style)
{
	int offsets[ACTIVE_COUNT];
	int widths[ACTIVE_COUNT];
	size_t i;

	ui_layout_columns(width - 2, 1, columns, count, offsets, widths);
	ui_draw_fill(y, 0, width, style);
	for (i = 0; i < count; i++) {
		if ((int)i == right_aligned)
			ui_draw_text_right(y, 1 + offsets[i], widths[i],
			                   cells[i], style);
		else
			ui_draw_text(y, 1 + offsets[i], widths[i], cells[i],
			             style);
	}
	ui_draw_selection_mark(y, 0, style);
}

static void draw_active_headings(int y, int width)
{
	static const char *const headings[ACTIVE_COUNT] = {
	    UI_TEXT_COLUMN_ROLE,        UI_TEXT_COLUMN_PROVIDER,
	    UI_TEXT_COLUMN_SPECIALTY,   UI_TEXT_COLUMN_SINCE,
	    UI_TEXT_COLUMN_ASSIGNED_BY, UI_TEXT_COLUMN_PANEL};

	draw_cells(y, width, active_columns, ACTIVE_COUNT, headings,
	           ACTIVE_PANEL, UI_STYLE_HEADER);
}

static void draw_history_headings(int y, int width)
{
	static const char *const headings[HISTORY_COUNT] = {
	    UI_TEXT_COLUMN_ROLE, UI_TEXT_COLUMN_PROVIDER,
	    UI_TEXT_COLUMN_REMOVED, UI_TEXT_COLUMN_REMOVED_BY,
	    UI_TEXT_COLUMN_REASON};

	draw_cells(y, width, history_columns, HISTORY_COUNT, headings, -1,
	           UI_STYLE_HEADER);
}

static void draw_assignment(int y, int width, const struct ct_assignment *item,
                            enum ui_style style)
{
	char since[DATE_CHARS + 1];
	char removed[TIME_CHARS + 1];
	char panel[24];
	const char *role = ct_role_name(item->role);

	if (item->removed) {
		const char *cells[HISTORY_COUNT] = {role, item->provider_name,
		                                    removed, item->removed_by,
		                                    item->removal_reason};

		ui_copy(removed, sizeof(removed), item->removed_at);
		draw_cells(y, width, history_columns, HISTORY_COUNT, cells, -1,
		           style);
		return;
	}

	ui_copy(since, sizeof(since), item->assigned_at);
	snprintf(panel, sizeof(panel), "%ld", item->primary_panel_size);
	{
		const char *cells[ACTIVE_COUNT] = {
		    role,  item->provider_name, item->specialty,
		    since, item->assigned_by,   panel};

		draw_cells(y, width, active_columns, ACTIVE_COUNT, cells,
		           ACTIVE_PANEL, style);
	}
}

/* The table scrolls as one list of lines: the active rows (or a line
 * saying the team is empty), then with the history a blank line, its
 * title, its headings and the removed rows. */
static int active_lines(const struct team_screen *screen)
{
	return screen->active_count > 0 ? (int)screen->active_count : 1;
}

static int line_of_row(const struct team_screen *screen, int row)
{
	if (row < (int)screen->active_count)
		return row;
	return active_lines(screen) + HISTORY_GAP +
	       (row - (int)screen->active_count);
}

static int total_lines(const struct team_screen *screen)
{
	int removed = (int)(screen->team.count - screen->active_count);

	if (!screen->show_history)
		return active_lines(screen);
	return active_lines(screen) + HISTORY_GAP + (removed > 0 ? removed : 1);
}

static void draw_line(const struct team_screen *screen, int line, int y,
                      int width)
{
	int removed_start = active_lines(screen) + HISTORY_GAP;
	int row = -1;

	if (line < (int)screen->active_count)
		row = line;
	else if (line >= removed_start &&
	         line - removed_start <
	             (int)(screen->team.count - screen->active_count))
		row = (int)screen->active_count + line - removed_start;

	if (row >= 0) {
		draw_assignment(y, width, &screen->team.items[row],
		                row == screen->list.selected ? UI_STYLE_SELECTED
		                                             : UI_STYLE_NORMAL);
	} else if (line == 0) {
		ui_draw_text(y, 1, width - 2,
		             screen->read_only ? UI_TEXT_TEAM_EMPTY_READ_ONLY
		                               : UI_TEXT_TEAM_EMPTY,
		             UI_STYLE_NORMAL);
	} else if (line == removed_start - 2) {
		ui_draw_text(y, 1, width - 2, UI_TEXT_TEAM_HISTORY,
		             UI_STYLE_HEADER);
	} else if (line == removed_start - 1) {
		draw_history_headings(y, width);
	} else if (line == removed_start) {
		ui_draw_text(y, 1, width - 2, UI_TEXT_TEAM_NO_HISTORY,
		             UI_STYLE_NORMAL);
	}
}

/* Draws the whole of a removed assignment, which the table cuts to its
 * columns, in the last rows of the body. */
static void draw_removed_detail(const struct ct_assignment *item,
                                struct ui_rect body)
{
	char line[UI_LINE_BYTES];

	snprintf(line, sizeof(line), UI_TEXT_TEAM_REMOVED_DETAIL,
	         item->provider_name, ct_role_name(item->role),
	         item->removed_at, item->removed_by, item->removal_reason);
	ui_draw_wrapped(body.y + body.height - DETAIL_ROWS, 1, body.width - 2,
	                DETAIL_ROWS, line, UI_STYLE_DIM);
}

static void team_draw(struct ui_view *view, struct ui_app *app)
{
	struct team_screen *screen = as_team(view);
	struct ui_rect body = ui_layout_body();
	const struct ct_assignment *selected = NULL;
	int table_y = body.y + HEADER_ROWS;
	int visible = body.height - HEADER_ROWS;
	int top;
	int selected_line;
	int i;

	(void)app;
	draw_header(screen, body);
	draw_active_headings(table_y - 1, body.width);
	if (screen->list.count > 0)
		selected = &screen->team.items[screen->list.selected];
	if (selected != NULL && selected->removed) {
		draw_removed_detail(selected, body);
		visible -= DETAIL_ROWS + 1;
	}

	selected_line = screen->list.count > 0
	                    ? line_of_row(screen, screen->list.selected)
	                    : 0;
	top = screen->list.top;
	if (selected_line < top)
		top = selected_line;
	if (selected_line >= top + visible)
		top = selected_line - visible + 1;
	if (top > total_lines(screen) - visible)
		top = total_lines(screen) - visible;
	if (top < 0)
		top = 0;
	screen->list.top = top;
	for (i = 0; i < visible && top + i < total_lines(screen); i++)
		draw_line(screen, top + i, table_y + i, body.width);
}

static void team_destroy(struct ui_view *view)
{
	struct team_screen *screen = as_team(view);

	ct_care_team_free(&screen->team);
	free(screen);
}

static const struct ui_view_ops team_ops = {
    .name = UI_TEXT_TEAM_TITLE,
    .modal = false,
    .contexts = team_contexts,
    .help_contexts = help_contexts,
    .draw = team_draw,
    .on_action = team_action,
    .on_result = team_result,
    .on_reconnect = team_reconnect,
    .on_change = team_change,
    .destroy = team_destroy,
};

struct ui_view *ui_team_screen_new(struct ui_app *app, const char *mrn)
{
	struct team_screen *screen = calloc(1, sizeof(*screen));

	if (screen == NULL) {
		ui_app_report(app, CT_SYSTEM_ERROR, NULL);
		return NULL;
	}
	screen->base.ops = &team_ops;
	screen->read_only = ui_app_read_only(app);
	ui_copy(screen->mrn, sizeof(screen->mrn), mrn);
	if (!reload(screen, app)) {
		free(screen);
		return NULL;
	}
	screen->list.selected = 0;
	return &screen->base;
}
