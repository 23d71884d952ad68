/* The organization list, shown at start-up to a staff member with several
 * memberships when neither --org nor general.default_organization chose
 * one. Choosing opens the session in that organization. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialogs.h"
#include "draw.h"
#include "labels.h"
#include "layout.h"
#include "list.h"
#include "screens.h"

/* Rows above the list: prompt, blank line, column headings. */
#define HEADER_ROWS 3

struct organizations_screen {
	struct ui_view base;
	struct ct_membership memberships[CT_MEMBERSHIPS_MAX];
	size_t count;
	struct ui_list list;
};

static const enum ui_context help_contexts[] = {
    UI_CTX_ORGANIZATIONS,
    UI_CTX_GLOBAL,
    UI_CTX_COUNT,
};

static struct organizations_screen *as_organizations(const struct ui_view *view)
{
	return (struct organizations_screen *)view;
}

static const char *access_name(enum ct_access access)
{
	switch (access) {
	case CT_ACCESS_READ_ONLY:
		return UI_TEXT_ACCESS_READ_ONLY;
	case CT_ACCESS_CLINICIAN:
		return UI_TEXT_ACCESS_CLINICIAN;
	case CT_ACCESS_ADMIN:
		return UI_TEXT_ACCESS_ADMIN;
	}
	return "";
}

/* Opens the session in the selected organization and moves on to the
 * code prompt or the patient search. On failure the list stays, with the
 * reason on the message line. */
static enum ui_step choose(struct organizations_screen *screen,
                           struct ui_app *app)
{
	const struct ct_membership *chosen;
	struct ct_error err = {0};
	enum ct_outcome outcome;
	struct ui_view *next;

	if (screen->count == 0)
		return UI_STAY;
	chosen = &screen->memberships[screen->list.selected];
	outcome =
	    ct_session_open(app->config, chosen->code, app->session, &err);
	if (outcome != CT_OK) {
		ui_app_report(app, outcome, &err);
		return UI_STAY;
	}
	next = ui_first_work_view(app);
	if (next == NULL) {
		ui_app_report(app, CT_SYSTEM_ERROR, NULL);
		return UI_STAY;
	}
	ui_app_open(app, next);
	return UI_REPLACE;
}

static enum ui_step organizations_action(struct ui_view *view,
                                         struct ui_app *app,
                                         enum ui_action action)
{
	struct organizations_screen *screen = as_organizations(view);
	struct ui_rect body = ui_layout_body();

	if (ui_list_move(&screen->list, action, body.height - HEADER_ROWS))
		return UI_STAY;
	switch (action) {
	case UI_ACT_OPEN:
		return choose(screen, app);
	case UI_ACT_BACK:
		return UI_QUIT;
	default:
		return UI_STAY;
	}
}

static size_t organizations_contexts(const struct ui_view *view,
                                     enum ui_context *out, size_t max)
{
	(void)view;
	if (max < 1)
		return 0;
	out[0] = UI_CTX_ORGANIZATIONS;
	return 1;
}

enum organization_column {
	COLUMN_CODE,
	COLUMN_NAME,
	COLUMN_ACCESS,
	COLUMN_MFA,
	COLUMN_COUNT,
};

static const struct ui_column columns[COLUMN_COUNT] = {
    [COLUMN_CODE] = {12, 1},
    [COLUMN_NAME] = {20, 3},
    [COLUMN_ACCESS] = {9, 0},
    [COLUMN_MFA] = {13, 0},
};

static void draw_row(int y, int width, const char *const cells[COLUMN_COUNT],
                     enum ui_style style)
{
	int offsets[COLUMN_COUNT];
	int widths[COLUMN_COUNT];
	int i;

	ui_layout_columns(width - 2, 2, columns, COLUMN_COUNT, offsets, widths);
	ui_draw_fill(y, 0, width, style);
	for (i = 0; i < COLUMN_COUNT; i++)
		ui_draw_text(y, 1 + offsets[i], widths[i], cells[i], style);
	ui_draw_selection_mark(y, 0, style);
}

static void organizations_draw(struct ui_view *view, struct ui_app *app)
{
	static const char *const headings[COLUMN_COUNT] = {
	    UI_TEXT_COLUMN_CODE, UI_TEXT_COLUMN_ORGANIZATION,
	    UI_TEXT_COLUMN_ACCESS, UI_TEXT_COLUMN_MFA};
	struct organizations_screen *screen = as_organizations(view);
	struct ui_rect body = ui_layout_body();
	int rows = body.height - HEADER_ROWS;
	int i;

	(void)app;
	ui_draw_text(body.y, 1, body.width - 2, UI_TEXT_ORGS_PROMPT,
	             UI_STYLE_NORMAL);
	draw_row(body.y + HEADER_ROWS - 1, body.width, headings,
	         UI_STYLE_HEADER);
	ui_list_scroll(&screen->list, rows);
	for (i = 0; i < rows && screen->list.top + i < screen->list.count;
	     i++) {
		int index = screen->list.top + i;
		const struct ct_membership *item = &screen->memberships[index];
		const char *cells[COLUMN_COUNT] = {
		    item->code, item->name, access_name(item->access),
		    item->mfa_required ? UI_TEXT_ORGS_MFA : ""};

		draw_row(body.y + HEADER_ROWS + i, body.width, cells,
		         index == screen->list.selected ? UI_STYLE_SELECTED
		                                        : UI_STYLE_NORMAL);
	}
}

static void organizations_destroy(struct ui_view *view)
{
	free(as_organizations(view));
}

static const struct ui_view_ops organizations_ops = {
    .name = UI_TEXT_ORGS_TITLE,
    .modal = false,
    .contexts = organizations_contexts,
    .help_contexts = help_contexts,
    .draw = organizations_draw,
    .on_action = organizations_action,
    .destroy = organizations_destroy,
};

struct ui_view *
ui_organizations_screen_new(const struct ct_membership *memberships,
                            size_t count)
{
	struct organizations_screen *screen = calloc(1, sizeof(*screen));

	if (screen == NULL)
		return NULL;
	screen->base.ops = &organizations_ops;
	if (count > CT_MEMBERSHIPS_MAX)
		count = CT_MEMBERSHIPS_MAX;
	memcpy(screen->memberships, memberships, count * sizeof(*memberships));
	screen->count = count;
	ui_list_set_count(&screen->list, (int)count);
	return &screen->base;
}
