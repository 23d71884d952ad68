/* A patient's audit trail, newest entry first: every view and change of
 * the care team, who made it, when, and a one-line summary of what
 * changed. Read-only, so every access level may open it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_summary.h"
#include "careteam/admin.h"
#include "dialogs.h"
#include "draw.h"
#include "labels.h"
#include "layout.h"
#include "list.h"
#include "screens.h"
#include "text.h"

/* The database function accepts 1 to 10000. */
#define AUDIT_LIMIT 1000
/* Rows above the table: patient, count, blank line, column headings. */
#define HEADER_ROWS 4
/* Rows under the table that show the selected entry whole: who and when,
 * then the summary. */
#define DETAIL_ROWS 3
#define TIME_CHARS  19

struct audit_screen {
	struct ui_view base;
	char mrn[UI_MRN_BYTES];
	char patient_name[UI_NAME_BYTES];
	/* The team of the screen below, which outlives this one; its
	 * assignments name the providers in the summaries. */
	const struct ct_care_team *team;
	struct ct_audit_list trail;
	/* One summary per entry of trail. */
	char **summaries;
	struct ui_list list;
};

static const enum ui_context help_contexts[] = {
    UI_CTX_AUDIT,
    UI_CTX_GLOBAL,
    UI_CTX_COUNT,
};

static struct audit_screen *as_audit(const struct ui_view *view)
{
	return (struct audit_screen *)view;
}

static void free_summaries(char **summaries, size_t count)
{
	size_t i;

	for (i = 0; summaries != NULL && i < count; i++)
		free(summaries[i]);
	free(summaries);
}

static char **summarize(const struct ct_audit_list *trail,
                        const struct ct_care_team *team)
{
	char **summaries = calloc(trail->count + 1, sizeof(*summaries));
	char line[UI_LINE_BYTES];
	size_t i;

	for (i = 0; summaries != NULL && i < trail->count; i++) {
		ui_audit_summary(&trail->items[i], team, line, sizeof(line));
		summaries[i] = strdup(line);
		if (summaries[i] == NULL) {
			free_summaries(summaries, i);
			return NULL;
		}
	}
	return summaries;
}

/* Loads the trail, keeping the old copy when loading fails. */
static bool load(struct audit_screen *screen, struct ui_app *app)
{
	struct ct_audit_list trail = {0};
	struct ct_error err = {0};
	enum ct_outcome outcome;
	char **summaries;

	if (!ui_app_settle(app)) {
		ui_app_report(app, CT_DB_UNAVAILABLE, NULL);
		return false;
	}
	outcome = ct_admin_audit_trail(app->session, screen->mrn, AUDIT_LIMIT,
	                               &trail, &err);
	if (outcome != CT_OK) {
		ui_app_report(app, outcome, &err);
		return false;
	}
	summaries = summarize(&trail, screen->team);
	if (summaries == NULL) {
		ct_audit_list_free(&trail);
		ui_app_report(app, CT_SYSTEM_ERROR, NULL);
		return false;
	}
	free_summaries(screen->summaries, screen->trail.count);
	ct_audit_list_free(&screen->trail);
	screen->trail = trail;
	screen->summaries = summaries;
	ui_list_set_count(&screen->list, (int)trail.count);
	return true;
}

static enum ui_step audit_action(struct ui_view *view, struct ui_app *app,
                                 enum ui_action action)
{
	struct audit_screen *screen = as_audit(view);
	struct ui_rect body = ui_layout_body();
	int page = body.height - HEADER_ROWS - DETAIL_ROWS - 1;

	if (ui_list_move(&screen->list, action, page))
		return UI_STAY;
	switch (action) {
	case UI_ACT_REFRESH:
		load(screen, app);
		return UI_STAY;
	case UI_ACT_BACK:
		return UI_CLOSE;
	default:
		return UI_STAY;
	}
}

static size_t audit_contexts(const struct ui_view *view, enum ui_context *out,
                             size_t max)
{
	(void)view;
	if (max < 1)
		return 0;
	out[0] = UI_CTX_AUDIT;
	return 1;
}

enum audit_column {
	COLUMN_TIME,
	COLUMN_STAFF,
	COLUMN_ACTION,
	COLUMN_CHANGE,
	COLUMN_COUNT,
};

static const struct ui_column columns[COLUMN_COUNT] = {
    [COLUMN_TIME] = {TIME_CHARS, 0},
    [COLUMN_STAFF] = {16, 0},
    [COLUMN_ACTION] = {16, 0},
    [COLUMN_CHANGE] = {10, 1},
};

static void draw_row(int y, int width, const char *const cells[COLUMN_COUNT],
                     enum ui_style style)
{
	int offsets[COLUMN_COUNT];
	int widths[COLUMN_COUNT];
	int i;

	ui_layout_columns(width - 2, 1, columns, COLUMN_COUNT, offsets, widths);
	ui_draw_fill(y, 0, width, style);
	for (i = 0; i < COLUMN_COUNT; i++)
		ui_draw_text(y, 1 + offsets[i], widths[i], cells[i], style);
	ui_draw_selection_mark(y, 0, style);
}

static void count_text(const struct audit_screen *screen, char *buffer,
                       size_t size)
{
	size_t count = screen->trail.count;

	if (count == 0)
		ui_copy(buffer, size, UI_TEXT_AUDIT_NONE);
	else if (count >= AUDIT_LIMIT)
		snprintf(buffer, size, UI_TEXT_AUDIT_LIMITED, count);
	else if (count == 1)
		ui_copy(buffer, size, UI_TEXT_AUDIT_ONE);
	else
		snprintf(buffer, size, UI_TEXT_AUDIT_COUNT, count);
}

static void draw_header(const struct audit_screen *screen, struct ui_rect body)
{
	char line[UI_LINE_BYTES];
	int x = 1;

	x += ui_draw_text_short(body.y, x, (body.width - 2) / 2,
	                        screen->patient_name, UI_STYLE_HEADER);
	snprintf(line, sizeof(line), "   %s%s", UI_TEXT_TEAM_MRN, screen->mrn);
	ui_draw_text_short(body.y, x, body.width - 1 - x, line,
	                   UI_STYLE_NORMAL);
	count_text(screen, line, sizeof(line));
	ui_draw_text(body.y + 1, 1, body.width - 2, line, UI_STYLE_DIM);
}

/* Draws the selected entry whole, which the table cuts to its columns. */
static void draw_detail(const struct audit_screen *screen, struct ui_rect body)
{
	const struct ct_audit_entry *entry;
	char line[UI_LINE_BYTES];

	if (screen->trail.count == 0)
		return;
	entry = &screen->trail.items[screen->list.selected];
	snprintf(line, sizeof(line), UI_TEXT_AUDIT_DETAIL, entry->occurred_at,
	         entry->action, entry->staff_name, entry->role_name,
	         entry->application_name);
	ui_draw_text(body.y + body.height - DETAIL_ROWS, 1, body.width - 2,
	             line, UI_STYLE_DIM);
	ui_draw_wrapped(body.y + body.height - DETAIL_ROWS + 1, 1,
	                body.width - 2, DETAIL_ROWS - 1,
	                screen->summaries[screen->list.selected], UI_STYLE_DIM);
}

static void audit_draw(struct ui_view *view, struct ui_app *app)
{
	static const char *const headings[COLUMN_COUNT] = {
	    UI_TEXT_COLUMN_TIME, UI_TEXT_COLUMN_STAFF, UI_TEXT_COLUMN_ACTION,
	    UI_TEXT_COLUMN_CHANGE};
	struct audit_screen *screen = as_audit(view);
	struct ui_rect body = ui_layout_body();
	int table_y = body.y + HEADER_ROWS;
	int visible = body.height - HEADER_ROWS - DETAIL_ROWS - 1;
	int i;

	(void)app;
	draw_header(screen, body);
	draw_row(table_y - 1, body.width, headings, UI_STYLE_HEADER);
	ui_list_scroll(&screen->list, visible);
	for (i = 0; i < visible && screen->list.top + i < screen->list.count;
	     i++) {
		int index = screen->list.top + i;
		const struct ct_audit_entry *entry =
		    &screen->trail.items[index];
		const char *cells[COLUMN_COUNT] = {
		    entry->occurred_at, entry->staff_name, entry->action,
		    screen->summaries[index]};

		draw_row(table_y + i, body.width, cells,
		         index == screen->list.selected ? UI_STYLE_SELECTED
		                                        : UI_STYLE_NORMAL);
	}
	draw_detail(screen, body);
}

static void audit_destroy(struct ui_view *view)
{
	struct audit_screen *screen = as_audit(view);

	free_summaries(screen->summaries, screen->trail.count);
	ct_audit_list_free(&screen->trail);
	free(screen);
}

static const struct ui_view_ops audit_ops = {
    .name = UI_TEXT_AUDIT_TITLE,
    .modal = false,
    .contexts = audit_contexts,
    .help_contexts = help_contexts,
    .draw = audit_draw,
    .on_action = audit_action,
    .destroy = audit_destroy,
};

struct ui_view *ui_audit_screen_new(struct ui_app *app,
                                    const struct ct_care_team *team)
{
	struct audit_screen *screen = calloc(1, sizeof(*screen));

	if (screen == NULL) {
		ui_app_report(app, CT_SYSTEM_ERROR, NULL);
		return NULL;
	}
	screen->base.ops = &audit_ops;
	screen->team = team;
	ui_copy(screen->mrn, sizeof(screen->mrn), team->patient.mrn);
	ui_patient_name(&team->patient, screen->patient_name,
	                sizeof(screen->patient_name));
	if (!load(screen, app)) {
		free(screen);
		return NULL;
	}
	return &screen->base;
}
