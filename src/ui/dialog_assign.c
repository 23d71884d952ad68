/* Assign dialog: pick one of the organization's active providers (the
 * list filters as you type), choose a role, confirm. Choosing PRIMARY for
 * a patient who has one hands over to the PRIMARY reassignment dialog. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "careteam/providers.h"
#include "dialogs.h"
#include "draw.h"
#include "field.h"
#include "labels.h"
#include "layout.h"
#include "list.h"
#include "text.h"

#define FILTER_CHARS 100
#define DIALOG_WIDTH 76
/* Rows inside the dialog above the provider list. */
#define LIST_TOP 3

enum assign_step {
	STEP_PROVIDER,
	STEP_ROLE,
	STEP_CONFIRM,
};

struct assign_dialog {
	struct ui_view base;
	struct ui_target target;
	enum assign_step step;
	struct ui_field filter;
	bool dirty;
	struct ct_provider_list providers;
	struct ui_list list;
	struct ui_list roles;
	struct ui_change change;
};

/* Rows of the dialog at each step, at most: the provider list takes what
 * the screen has. */
static const int step_heights[] = {
    [STEP_PROVIDER] = 20,
    [STEP_ROLE] = 12,
    [STEP_CONFIRM] = 7,
};

static const enum ct_role role_order[] = {
    CT_ROLE_PRIMARY,
    CT_ROLE_SPECIALIST,
    CT_ROLE_CONSULTANT,
};
#define ROLE_COUNT ((int)(sizeof(role_order) / sizeof(role_order[0])))

static const enum ui_context help_contexts[] = {
    UI_CTX_PICK_PROVIDER, UI_CTX_PICK_ROLE, UI_CTX_CONFIRM,
    UI_CTX_FIELD,         UI_CTX_GLOBAL,    UI_CTX_COUNT,
};

static struct assign_dialog *as_assign(const struct ui_view *view)
{
	return (struct assign_dialog *)view;
}

static int role_index(enum ct_role role)
{
	int i;

	for (i = 0; i < ROLE_COUNT; i++) {
		if (role_order[i] == role)
			return i;
	}
	return 1;
}

/* Loads the providers matching the filter, keeping the selected one
 * selected when it is still listed. */
static bool load_providers(struct assign_dialog *dialog, struct ui_app *app,
                           const char *keep_npi)
{
	struct ct_provider_list list = {0};
	struct ct_error err = {0};
	char filter[FILTER_CHARS * 4 + 1];
	enum ct_outcome outcome;
	size_t i;

	if (!ui_app_settle(app)) {
		ui_app_report(app, CT_DB_UNAVAILABLE, NULL);
		return false;
	}
	ui_field_get(&dialog->filter, filter, sizeof(filter));
	outcome = ct_providers_list(app->session, filter, true, &list, &err);
	if (outcome != CT_OK) {
		ui_app_report(app, outcome, &err);
		return false;
	}
	ct_provider_list_free(&dialog->providers);
	dialog->providers = list;
	dialog->list.selected = 0;
	for (i = 0; keep_npi != NULL && i < list.count; i++) {
		if (strcmp(list.items[i].npi, keep_npi) == 0)
			dialog->list.selected = (int)i;
	}
	ui_list_set_count(&dialog->list, (int)list.count);
	return true;
}

static const struct ct_provider *selected_provider(struct assign_dialog *d)
{
	if (d->providers.count == 0)
		return NULL;
	return &d->providers.items[d->list.selected];
}

static void assign_idle(struct ui_view *view, struct ui_app *app)
{
	struct assign_dialog *dialog = as_assign(view);
	const struct ct_provider *provider = selected_provider(dialog);
	char keep[UI_NPI_BYTES] = "";

	if (!dialog->dirty)
		return;
	dialog->dirty = false;
	if (provider != NULL)
		ui_copy(keep, sizeof(keep), provider->npi);
	load_providers(dialog, app, keep);
}

static enum ui_step choose_provider(struct assign_dialog *dialog,
                                    struct ui_app *app)
{
	const struct ct_provider *provider = selected_provider(dialog);

	if (provider == NULL)
		return UI_STAY;
	if (ui_target_has_member(&dialog->target, provider->npi)) {
		ui_app_message(app, UI_MESSAGE_ERROR, "%s",
		               ct_outcome_message(CT_CONFLICT_DUPLICATE));
		return UI_STAY;
	}
	ui_copy(dialog->change.npi, sizeof(dialog->change.npi), provider->npi);
	ui_copy(dialog->change.provider_name,
	        sizeof(dialog->change.provider_name), provider->display_name);
	ui_copy(dialog->change.specialty, sizeof(dialog->change.specialty),
	        provider->specialty);
	dialog->step = STEP_ROLE;
	return UI_STAY;
}

static enum ui_step choose_role(struct assign_dialog *dialog,
                                struct ui_app *app)
{
	struct ui_view *primary;

	dialog->change.role = role_order[dialog->roles.selected];
	if (dialog->change.role != CT_ROLE_PRIMARY ||
	    !dialog->target.has_primary) {
		dialog->step = STEP_CONFIRM;
		return UI_STAY;
	}

	dialog->change.kind = UI_CHANGE_PRIMARY;
	primary = ui_primary_dialog_new(&dialog->target, &dialog->change);
	if (primary == NULL)
		return UI_STAY;
	ui_app_open(app, primary);
	return UI_REPLACE;
}

static enum ui_step save(struct assign_dialog *dialog, struct ui_app *app)
{
	struct ct_write_request request;
	struct ct_write_result result;
	char done[UI_LINE_BYTES];

	memset(&result, 0, sizeof(result));
	if (!ui_app_settle(app)) {
		ui_app_report(app, CT_DB_UNAVAILABLE, NULL);
		return UI_STAY;
	}
	ui_change_request(&dialog->target, &dialog->change, &request);
	ct_care_team_assign(app->session, &request, &result);
	snprintf(done, sizeof(done), UI_TEXT_DONE_ASSIGN,
	         dialog->change.provider_name,
	         ct_role_name(dialog->change.role));
	return ui_change_finish(&dialog->base, app, &dialog->target,
	                        &dialog->change, &result, done);
}

static enum ui_step provider_action(struct assign_dialog *dialog,
                                    struct ui_app *app, enum ui_action action)
{
	struct ui_rect box =
	    ui_layout_dialog(step_heights[dialog->step], DIALOG_WIDTH);
	bool handled;

	if (ui_field_edit(&dialog->filter, action, &handled)) {
		dialog->dirty = true;
		return UI_STAY;
	}
	if (handled ||
	    ui_list_move(&dialog->list, action, box.height - 2 - LIST_TOP))
		return UI_STAY;
	if (action != UI_ACT_CONFIRM)
		return UI_STAY;
	/* Keys typed just before Enter may not have filtered the list yet. */
	assign_idle(&dialog->base, app);
	return choose_provider(dialog, app);
}

static enum ui_step role_action(struct assign_dialog *dialog,
                                struct ui_app *app, enum ui_action action)
{
	if (ui_list_move(&dialog->roles, action, ROLE_COUNT))
		return UI_STAY;
	switch (action) {
	case UI_ACT_ROLE_PRIMARY:
	case UI_ACT_ROLE_SPECIALIST:
	case UI_ACT_ROLE_CONSULTANT:
		dialog->roles.selected = action - UI_ACT_ROLE_PRIMARY;
		return choose_role(dialog, app);
	case UI_ACT_CONFIRM:
		return choose_role(dialog, app);
	default:
		return UI_STAY;
	}
}

static enum ui_step assign_action(struct ui_view *view, struct ui_app *app,
                                  enum ui_action action)
{
	struct assign_dialog *dialog = as_assign(view);

	if (action == UI_ACT_CANCEL) {
		dialog->base.result = UI_RESULT_CANCEL;
		return UI_CLOSE;
	}
	switch (dialog->step) {
	case STEP_PROVIDER:
		return provider_action(dialog, app, action);
	case STEP_ROLE:
		return role_action(dialog, app, action);
	case STEP_CONFIRM:
		if (action == UI_ACT_CONFIRM)
			return save(dialog, app);
		return UI_STAY;
	}
	return UI_STAY;
}

static enum ui_step assign_char(struct ui_view *view, struct ui_app *app,
                                wchar_t ch)
{
	struct assign_dialog *dialog = as_assign(view);

	(void)app;
	if (dialog->step == STEP_PROVIDER &&
	    ui_field_insert(&dialog->filter, ch))
		dialog->dirty = true;
	return UI_STAY;
}

static size_t assign_contexts(const struct ui_view *view, enum ui_context *out,
                              size_t max)
{
	const struct assign_dialog *dialog = as_assign(view);

	if (max < 2)
		return 0;
	switch (dialog->step) {
	case STEP_PROVIDER:
		out[0] = UI_CTX_PICK_PROVIDER;
		out[1] = UI_CTX_FIELD;
		return 2;
	case STEP_ROLE:
		out[0] = UI_CTX_PICK_ROLE;
		return 1;
	case STEP_CONFIRM:
		out[0] = UI_CTX_CONFIRM;
		return 1;
	}
	return 0;
}

enum provider_column {
	COLUMN_NAME,
	COLUMN_SPECIALTY,
	COLUMN_PANEL,
	COLUMN_MEMBER,
	COLUMN_COUNT,
};

static const struct ui_column provider_columns[COLUMN_COUNT] = {
    [COLUMN_NAME] = {18, 3},
    [COLUMN_SPECIALTY] = {12, 2},
    [COLUMN_PANEL] = {13, 0},
    [COLUMN_MEMBER] = {7, 0},
};

static void draw_provider_row(int y, int x, int width,
                              const char *const cells[COLUMN_COUNT],
                              enum ui_style style)
{
	int offsets[COLUMN_COUNT];
	int widths[COLUMN_COUNT];
	int i;

	ui_layout_columns(width, 1, provider_columns, COLUMN_COUNT, offsets,
	                  widths);
	ui_draw_fill(y, x, width, style);
	for (i = 0; i < COLUMN_COUNT; i++) {
		if (i == COLUMN_PANEL)
			ui_draw_text_right(y, x + offsets[i], widths[i],
			                   cells[i], style);
		else
			ui_draw_text(y, x + offsets[i], widths[i], cells[i],
			             style);
	}
	ui_draw_selection_mark(y, x - 1, style);
}

static void draw_providers(struct assign_dialog *dialog, struct ui_rect in)
{
	static const char *const headings[COLUMN_COUNT] = {
	    UI_TEXT_COLUMN_PROVIDER, UI_TEXT_COLUMN_SPECIALTY,
	    UI_TEXT_ASSIGN_PANEL, ""};
	int prompt = ui_text_width_utf8(UI_TEXT_ASSIGN_FILTER);
	int rows = in.height - LIST_TOP;
	int i;

	ui_draw_text(in.y + 1, in.x, prompt, UI_TEXT_ASSIGN_FILTER,
	             UI_STYLE_HEADER);
	ui_field_draw(&dialog->filter, in.y + 1, in.x + prompt,
	              in.width - prompt, true);
	draw_provider_row(in.y + 2, in.x, in.width, headings, UI_STYLE_HEADER);
	if (dialog->providers.count == 0) {
		ui_draw_text(in.y + LIST_TOP, in.x, in.width,
		             UI_TEXT_ASSIGN_NONE, UI_STYLE_NORMAL);
		return;
	}
	ui_list_scroll(&dialog->list, rows);
	for (i = 0; i < rows && dialog->list.top + i < dialog->list.count;
	     i++) {
		int index = dialog->list.top + i;
		const struct ct_provider *provider =
		    &dialog->providers.items[index];
		char panel[24];
		const char *cells[COLUMN_COUNT];

		snprintf(panel, sizeof(panel), "%ld",
		         provider->primary_panel_size);
		cells[COLUMN_NAME] = provider->display_name;
		cells[COLUMN_SPECIALTY] = provider->specialty;
		cells[COLUMN_PANEL] = panel;
		cells[COLUMN_MEMBER] =
		    ui_target_has_member(&dialog->target, provider->npi)
		        ? UI_TEXT_ASSIGN_ON_TEAM
		        : "";
		draw_provider_row(in.y + LIST_TOP + i, in.x, in.width, cells,
		                  index == dialog->list.selected
		                      ? UI_STYLE_SELECTED
		                      : UI_STYLE_NORMAL);
	}
}

static void draw_roles(struct assign_dialog *dialog, struct ui_rect in)
{
	char line[UI_LINE_BYTES];
	int i;

	snprintf(line, sizeof(line), UI_TEXT_ASSIGN_ROLE,
	         dialog->change.provider_name);
	ui_draw_text(in.y + 2, in.x, in.width, line, UI_STYLE_NORMAL);
	for (i = 0; i < ROLE_COUNT; i++) {
		snprintf(line, sizeof(line), "(%c) %s",
		         i == dialog->roles.selected ? '*' : ' ',
		         ct_role_name(role_order[i]));
		ui_draw_text(in.y + 4 + i, in.x + 2, in.width - 2, line,
		             i == dialog->roles.selected ? UI_STYLE_SELECTED
		                                         : UI_STYLE_NORMAL);
	}
	if (dialog->target.has_primary) {
		snprintf(line, sizeof(line), UI_TEXT_ROLE_PRIMARY_NOTE,
		         dialog->target.primary_name);
		ui_draw_wrapped(in.y + 5 + ROLE_COUNT, in.x, in.width, 2, line,
		                UI_STYLE_DIM);
	}
}

static void draw_confirm(struct assign_dialog *dialog, struct ui_rect in)
{
	char line[UI_LINE_BYTES];

	snprintf(line, sizeof(line), UI_TEXT_ASSIGN_CONFIRM,
	         dialog->change.provider_name, dialog->target.patient_name,
	         ct_role_name(dialog->change.role));
	ui_draw_wrapped(in.y + 2, in.x, in.width, in.height - 2, line,
	                UI_STYLE_NORMAL);
}

static void assign_draw(struct ui_view *view, struct ui_app *app)
{
	struct assign_dialog *dialog = as_assign(view);
	struct ui_rect box =
	    ui_layout_dialog(step_heights[dialog->step], DIALOG_WIDTH);
	struct ui_rect in = ui_layout_inside(box);
	char line[UI_LINE_BYTES];

	(void)app;
	ui_draw_box(box.y, box.x, box.height, box.width, UI_TEXT_ASSIGN_TITLE);
	snprintf(line, sizeof(line), UI_TEXT_PATIENT_LINE,
	         dialog->target.patient_name, dialog->target.mrn);
	ui_draw_text(in.y, in.x, in.width, line, UI_STYLE_NORMAL);
	switch (dialog->step) {
	case STEP_PROVIDER:
		draw_providers(dialog, in);
		break;
	case STEP_ROLE:
		draw_roles(dialog, in);
		break;
	case STEP_CONFIRM:
		draw_confirm(dialog, in);
		break;
	}
}

static void assign_destroy(struct ui_view *view)
{
	struct assign_dialog *dialog = as_assign(view);

	ct_provider_list_free(&dialog->providers);
	free(dialog);
}

static const struct ui_view_ops assign_ops = {
    .name = UI_TEXT_ASSIGN_TITLE,
    .modal = true,
    .contexts = assign_contexts,
    .help_contexts = help_contexts,
    .draw = assign_draw,
    .on_action = assign_action,
    .on_char = assign_char,
    .on_idle = assign_idle,
    .destroy = assign_destroy,
};

struct ui_view *ui_assign_dialog_new(struct ui_app *app,
                                     const struct ui_target *target,
                                     const struct ui_change *prefill)
{
	struct assign_dialog *dialog = calloc(1, sizeof(*dialog));

	if (dialog == NULL) {
		ui_app_report(app, CT_SYSTEM_ERROR, NULL);
		return NULL;
	}
	dialog->base.ops = &assign_ops;
	dialog->target = *target;
	dialog->change.kind = UI_CHANGE_ASSIGN;
	dialog->change.role = CT_ROLE_SPECIALIST;
	if (prefill != NULL) {
		dialog->change = *prefill;
		dialog->change.kind = UI_CHANGE_ASSIGN;
	}
	ui_field_init(&dialog->filter, FILTER_CHARS);
	ui_list_set_count(&dialog->roles, ROLE_COUNT);
	dialog->roles.selected = role_index(dialog->change.role);

	if (!load_providers(dialog, app,
	                    prefill != NULL ? prefill->npi : NULL)) {
		free(dialog);
		return NULL;
	}
	return &dialog->base;
}
