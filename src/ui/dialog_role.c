/* Change role dialog: choose another role for a provider on the team,
 * then confirm it. Choosing PRIMARY while another provider is PRIMARY
 * hands over to the PRIMARY reassignment dialog. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "dialogs.h"
#include "draw.h"
#include "labels.h"
#include "layout.h"
#include "list.h"

#define DIALOG_HEIGHT 12
#define DIALOG_WIDTH  66

struct role_dialog {
	struct ui_view base;
	struct ui_target target;
	struct ui_change change;
	struct ui_list roles;
	/* The role is chosen and the dialog asks to confirm the change. */
	bool confirming;
};

static const enum ct_role role_order[] = {
    CT_ROLE_PRIMARY,
    CT_ROLE_SPECIALIST,
    CT_ROLE_CONSULTANT,
};
#define ROLE_COUNT ((int)(sizeof(role_order) / sizeof(role_order[0])))

static const enum ui_context help_contexts[] = {
    UI_CTX_PICK_ROLE,
    UI_CTX_CONFIRM,
    UI_CTX_GLOBAL,
    UI_CTX_COUNT,
};

static struct role_dialog *as_role(const struct ui_view *view)
{
	return (struct role_dialog *)view;
}

static enum ui_step hand_over_to_primary(struct role_dialog *dialog,
                                         struct ui_app *app)
{
	struct ui_view *primary;

	dialog->change.kind = UI_CHANGE_PRIMARY;
	primary = ui_primary_dialog_new(&dialog->target, &dialog->change);
	if (primary == NULL)
		return UI_STAY;
	ui_app_open(app, primary);
	return UI_REPLACE;
}

/* Takes the selected role. A change to PRIMARY with a PRIMARY on the
 * team goes on in the reassignment dialog; any other change is shown to
 * be confirmed. */
static enum ui_step choose(struct role_dialog *dialog, struct ui_app *app)
{
	dialog->change.role = role_order[dialog->roles.selected];
	if (dialog->change.role == dialog->change.current_role) {
		ui_app_message(app, UI_MESSAGE_ERROR, "%s",
		               ct_outcome_message(CT_UNCHANGED));
		return UI_STAY;
	}
	if (dialog->change.role == CT_ROLE_PRIMARY &&
	    dialog->target.has_primary)
		return hand_over_to_primary(dialog, app);
	dialog->confirming = true;
	return UI_STAY;
}

static enum ui_step save(struct role_dialog *dialog, struct ui_app *app)
{
	struct ct_write_request request;
	struct ct_write_result result;
	char done[UI_LINE_BYTES];

	if (!ui_app_settle(app)) {
		ui_app_report(app, CT_DB_UNAVAILABLE, NULL);
		return UI_STAY;
	}
	memset(&result, 0, sizeof(result));
	ui_change_request(&dialog->target, &dialog->change, &request);
	ct_care_team_set_role(app->session, &request, &result);
	snprintf(done, sizeof(done), UI_TEXT_DONE_ROLE,
	         dialog->change.provider_name,
	         ct_role_name(dialog->change.role));
	return ui_change_finish(&dialog->base, app, &dialog->target,
	                        &dialog->change, &result, done);
}

static enum ui_step role_action(struct ui_view *view, struct ui_app *app,
                                enum ui_action action)
{
	struct role_dialog *dialog = as_role(view);

	if (action == UI_ACT_CANCEL) {
		dialog->base.result = UI_RESULT_CANCEL;
		return UI_CLOSE;
	}
	if (dialog->confirming)
		return action == UI_ACT_CONFIRM ? save(dialog, app) : UI_STAY;
	if (ui_list_move(&dialog->roles, action, ROLE_COUNT))
		return UI_STAY;
	switch (action) {
	case UI_ACT_ROLE_PRIMARY:
	case UI_ACT_ROLE_SPECIALIST:
	case UI_ACT_ROLE_CONSULTANT:
		dialog->roles.selected = action - UI_ACT_ROLE_PRIMARY;
		return choose(dialog, app);
	case UI_ACT_CONFIRM:
		return choose(dialog, app);
	default:
		return UI_STAY;
	}
}

static size_t role_contexts(const struct ui_view *view, enum ui_context *out,
                            size_t max)
{
	if (max < 1)
		return 0;
	out[0] = as_role(view)->confirming ? UI_CTX_CONFIRM : UI_CTX_PICK_ROLE;
	return 1;
}

/* Asks to confirm the chosen role, and says so plainly when the change
 * leaves the patient without a PRIMARY. */
static void draw_confirm(struct role_dialog *dialog, struct ui_rect in)
{
	char line[UI_LINE_BYTES];
	int used;

	snprintf(line, sizeof(line), UI_TEXT_ROLE_CONFIRM,
	         dialog->change.provider_name,
	         ct_role_name(dialog->change.current_role),
	         ct_role_name(dialog->change.role));
	used =
	    ui_draw_wrapped(in.y + 1, in.x, in.width, 2, line, UI_STYLE_NORMAL);
	if (dialog->change.current_role == CT_ROLE_PRIMARY) {
		snprintf(line, sizeof(line), UI_TEXT_ROLE_NO_PRIMARY,
		         dialog->target.patient_name);
		ui_draw_wrapped(in.y + 2 + used, in.x, in.width, 3, line,
		                UI_STYLE_NOTICE);
	}
	ui_draw_text(in.y + in.height - 1, in.x, in.width,
	             UI_TEXT_ROLE_CONFIRM_KEYS, UI_STYLE_DIM);
}

static void role_draw(struct ui_view *view, struct ui_app *app)
{
	struct role_dialog *dialog = as_role(view);
	struct ui_rect box = ui_layout_dialog(DIALOG_HEIGHT, DIALOG_WIDTH);
	struct ui_rect in = ui_layout_inside(box);
	char line[UI_LINE_BYTES];
	int i;

	(void)app;
	ui_draw_box(box.y, box.x, box.height, box.width, UI_TEXT_ROLE_TITLE);
	if (dialog->confirming) {
		draw_confirm(dialog, in);
		return;
	}
	snprintf(line, sizeof(line), UI_TEXT_ROLE_PROMPT,
	         dialog->change.provider_name,
	         ct_role_name(dialog->change.current_role));
	ui_draw_text(in.y + 1, in.x, in.width, line, UI_STYLE_NORMAL);
	for (i = 0; i < ROLE_COUNT; i++) {
		snprintf(line, sizeof(line), "(%c) %s %s",
		         i == dialog->roles.selected ? '*' : ' ',
		         ct_role_name(role_order[i]),
		         role_order[i] == dialog->change.current_role
		             ? UI_TEXT_ROLE_CURRENT
		             : "");
		ui_draw_text(in.y + 3 + i, in.x + 2, in.width - 2, line,
		             i == dialog->roles.selected ? UI_STYLE_SELECTED
		                                         : UI_STYLE_NORMAL);
	}
	if (dialog->target.has_primary &&
	    dialog->change.current_role != CT_ROLE_PRIMARY) {
		snprintf(line, sizeof(line), UI_TEXT_ROLE_PRIMARY_NOTE,
		         dialog->target.primary_name);
		ui_draw_wrapped(in.y + 4 + ROLE_COUNT, in.x, in.width, 2, line,
		                UI_STYLE_DIM);
	}
}

static void role_destroy(struct ui_view *view)
{
	free(as_role(view));
}

static const struct ui_view_ops role_ops = {
    .name = UI_TEXT_ROLE_TITLE,
    .modal = true,
    .contexts = role_contexts,
    .help_contexts = help_contexts,
    .draw = role_draw,
    .on_action = role_action,
    .destroy = role_destroy,
};

struct ui_view *ui_role_dialog_new(const struct ui_target *target,
                                   const struct ui_change *change)
{
	struct role_dialog *dialog = calloc(1, sizeof(*dialog));
	int i;

	if (dialog == NULL)
		return NULL;
	dialog->base.ops = &role_ops;
	dialog->target = *target;
	dialog->change = *change;
	dialog->change.kind = UI_CHANGE_ROLE;
	ui_list_set_count(&dialog->roles, ROLE_COUNT);
	/* Start on the kept role, else on SPECIALIST, or CONSULTANT for a
	 * provider who is SPECIALIST already. */
	dialog->roles.selected =
	    change->current_role == CT_ROLE_SPECIALIST ? 2 : 1;
	for (i = 0; i < ROLE_COUNT; i++) {
		if (change->role != change->current_role &&
		    role_order[i] == change->role)
			dialog->roles.selected = i;
	}
	return &dialog->base;
}
