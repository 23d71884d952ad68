/* Make PRIMARY dialog. When the patient has no PRIMARY, it confirms
 * making a provider on the team PRIMARY. When another provider is PRIMARY,
 * it is the reassignment workflow: it shows the current PRIMARY, prompts
 * for the reason, and one server call ends the old PRIMARY and adds the new
 * one in a single transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "dialogs.h"
#include "draw.h"
#include "field.h"
#include "labels.h"
#include "layout.h"
#include "text.h"

#define DIALOG_HEIGHT 13
#define DIALOG_WIDTH  72
#define DATE_CHARS    10

struct primary_dialog {
	struct ui_view base;
	struct ui_target target;
	struct ui_change change;
	/* Another provider is PRIMARY, so this is a reassignment. */
	bool reassign;
	struct ui_field reason;
};

static const enum ui_context help_contexts[] = {
    UI_CTX_CONFIRM, UI_CTX_REASON, UI_CTX_FIELD, UI_CTX_GLOBAL, UI_CTX_COUNT,
};

static struct primary_dialog *as_primary(const struct ui_view *view)
{
	return (struct primary_dialog *)view;
}

static enum ui_step save_reassign(struct primary_dialog *dialog,
                                  struct ui_app *app,
                                  struct ct_write_result *result, char *done,
                                  size_t done_size)
{
	struct ct_write_request request;

	ui_field_get(&dialog->reason, dialog->change.reason,
	             sizeof(dialog->change.reason));
	if (dialog->change.reason[strspn(dialog->change.reason, " ")] == '\0') {
		ui_app_message(app, UI_MESSAGE_ERROR, "%s",
		               ct_outcome_message(CT_INVALID_REASON));
		return UI_STAY;
	}
	ui_change_request(&dialog->target, &dialog->change, &request);
	ct_care_team_reassign_primary(app->session, &request, result);
	snprintf(done, done_size, UI_TEXT_DONE_REASSIGN,
	         dialog->change.provider_name,
	         result->other_provider[0] != '\0'
	             ? result->other_provider
	             : dialog->target.primary_name);
	return ui_change_finish(&dialog->base, app, &dialog->target,
	                        &dialog->change, result, done);
}

static enum ui_step save(struct primary_dialog *dialog, struct ui_app *app)
{
	struct ct_write_request request;
	struct ct_write_result result;
	char done[UI_LINE_BYTES];

	if (!ui_app_settle(app)) {
		ui_app_report(app, CT_DB_UNAVAILABLE, NULL);
		return UI_STAY;
	}
	memset(&result, 0, sizeof(result));
	dialog->change.role = CT_ROLE_PRIMARY;
	if (dialog->reassign)
		return save_reassign(dialog, app, &result, done, sizeof(done));

	ui_change_request(&dialog->target, &dialog->change, &request);
	ct_care_team_set_role(app->session, &request, &result);
	snprintf(done, sizeof(done), UI_TEXT_DONE_PRIMARY,
	         dialog->change.provider_name);
	return ui_change_finish(&dialog->base, app, &dialog->target,
	                        &dialog->change, &result, done);
}

static enum ui_step primary_action(struct ui_view *view, struct ui_app *app,
                                   enum ui_action action)
{
	struct primary_dialog *dialog = as_primary(view);
	bool handled = false;

	if (dialog->reassign)
		ui_field_edit(&dialog->reason, action, &handled);
	if (handled)
		return UI_STAY;
	switch (action) {
	case UI_ACT_CANCEL:
		dialog->base.result = UI_RESULT_CANCEL;
		return UI_CLOSE;
	case UI_ACT_CONFIRM:
		return save(dialog, app);
	default:
		return UI_STAY;
	}
}

static enum ui_step primary_char(struct ui_view *view, struct ui_app *app,
                                 wchar_t ch)
{
	struct primary_dialog *dialog = as_primary(view);

	(void)app;
	if (dialog->reassign)
		ui_field_insert(&dialog->reason, ch);
	return UI_STAY;
}

static size_t primary_contexts(const struct ui_view *view, enum ui_context *out,
                               size_t max)
{
	const struct primary_dialog *dialog = as_primary(view);

	if (max < 2)
		return 0;
	if (!dialog->reassign) {
		out[0] = UI_CTX_CONFIRM;
		return 1;
	}
	out[0] = UI_CTX_REASON;
	out[1] = UI_CTX_FIELD;
	return 2;
}

static void draw_confirm(struct primary_dialog *dialog, struct ui_rect in)
{
	char line[UI_LINE_BYTES];

	snprintf(line, sizeof(line), UI_TEXT_PRIMARY_CONFIRM,
	         dialog->change.provider_name, dialog->target.patient_name);
	ui_draw_wrapped(in.y + 1, in.x, in.width, in.height - 1, line,
	                UI_STYLE_NORMAL);
}

static void draw_reassign(struct primary_dialog *dialog, struct ui_rect in)
{
	char line[UI_LINE_BYTES];
	char since[DATE_CHARS + 1];
	int prompt = ui_text_width_utf8(UI_TEXT_REASON_PROMPT);
	int y = in.y + 1;

	snprintf(line, sizeof(line), UI_TEXT_PATIENT_LINE,
	         dialog->target.patient_name, dialog->target.mrn);
	y += ui_draw_wrapped(y, in.x, in.width, 2, line, UI_STYLE_NORMAL);
	ui_copy(since, sizeof(since), dialog->target.primary_since);
	snprintf(line, sizeof(line), UI_TEXT_REASSIGN_CURRENT,
	         dialog->target.primary_name, since, dialog->target.primary_by);
	y += ui_draw_wrapped(y, in.x, in.width, 2, line, UI_STYLE_NORMAL);
	snprintf(line, sizeof(line), UI_TEXT_REASSIGN_NEW,
	         dialog->change.provider_name, dialog->change.specialty);
	y += ui_draw_wrapped(y, in.x, in.width, 2, line, UI_STYLE_HEADER);
	y++;
	ui_draw_text(y, in.x, prompt, UI_TEXT_REASON_PROMPT, UI_STYLE_HEADER);
	ui_field_draw(&dialog->reason, y, in.x + prompt, in.width - prompt,
	              true);
	y += 2;
	ui_draw_wrapped(y, in.x, in.width, in.y + in.height - y,
	                UI_TEXT_REASSIGN_EXPLAIN, UI_STYLE_DIM);
}

static void primary_draw(struct ui_view *view, struct ui_app *app)
{
	struct primary_dialog *dialog = as_primary(view);
	struct ui_rect box = ui_layout_dialog(
	    dialog->reassign ? DIALOG_HEIGHT : 6, DIALOG_WIDTH);
	struct ui_rect in = ui_layout_inside(box);

	(void)app;
	ui_draw_box(box.y, box.x, box.height, box.width,
	            dialog->reassign ? UI_TEXT_REASSIGN_TITLE
	                             : UI_TEXT_PRIMARY_TITLE);
	if (dialog->reassign)
		draw_reassign(dialog, in);
	else
		draw_confirm(dialog, in);
}

static void primary_destroy(struct ui_view *view)
{
	free(as_primary(view));
}

static const struct ui_view_ops primary_ops = {
    .name = UI_TEXT_PRIMARY_TITLE,
    .modal = true,
    .contexts = primary_contexts,
    .help_contexts = help_contexts,
    .draw = primary_draw,
    .on_action = primary_action,
    .on_char = primary_char,
    .destroy = primary_destroy,
};

struct ui_view *ui_primary_dialog_new(const struct ui_target *target,
                                      const struct ui_change *change)
{
	struct primary_dialog *dialog = calloc(1, sizeof(*dialog));

	if (dialog == NULL)
		return NULL;
	dialog->base.ops = &primary_ops;
	dialog->target = *target;
	dialog->change = *change;
	dialog->change.kind = UI_CHANGE_PRIMARY;
	dialog->change.role = CT_ROLE_PRIMARY;
	dialog->reassign = target->has_primary &&
	                   strcmp(target->primary_npi, change->npi) != 0;
	ui_field_init(&dialog->reason, UI_REASON_CHARS);
	ui_field_set(&dialog->reason, change->reason);
	return &dialog->base;
}
