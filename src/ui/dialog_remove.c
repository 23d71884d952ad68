/* Remove dialog: confirm the removal of one provider from the team, with a
 * required reason. Nothing is deleted: the assignment ends and keeps the
 * reason in the history. */
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

#define DIALOG_HEIGHT 10
#define DIALOG_WIDTH  72

struct remove_dialog {
	struct ui_view base;
	struct ui_target target;
	struct ui_change change;
	struct ui_field reason;
};

static const enum ui_context help_contexts[] = {
    UI_CTX_REASON,
    UI_CTX_FIELD,
    UI_CTX_GLOBAL,
    UI_CTX_COUNT,
};

static struct remove_dialog *as_remove(const struct ui_view *view)
{
	return (struct remove_dialog *)view;
}

/* Returns whether the reason has a character other than a space. */
static bool reason_given(const char *reason)
{
	return reason[strspn(reason, " ")] != '\0';
}

static enum ui_step save(struct remove_dialog *dialog, struct ui_app *app)
{
	struct ct_write_request request;
	struct ct_write_result result;
	char done[UI_LINE_BYTES];

	ui_field_get(&dialog->reason, dialog->change.reason,
	             sizeof(dialog->change.reason));
	if (!reason_given(dialog->change.reason)) {
		ui_app_message(app, UI_MESSAGE_ERROR, "%s",
		               ct_outcome_message(CT_INVALID_REASON));
		return UI_STAY;
	}
	if (!ui_app_settle(app)) {
		ui_app_report(app, CT_DB_UNAVAILABLE, NULL);
		return UI_STAY;
	}
	memset(&result, 0, sizeof(result));
	ui_change_request(&dialog->target, &dialog->change, &request);
	ct_care_team_remove(app->session, &request, &result);
	snprintf(done, sizeof(done), UI_TEXT_DONE_REMOVE,
	         dialog->change.provider_name);
	return ui_change_finish(&dialog->base, app, &dialog->target,
	                        &dialog->change, &result, done);
}

static enum ui_step remove_action(struct ui_view *view, struct ui_app *app,
                                  enum ui_action action)
{
	struct remove_dialog *dialog = as_remove(view);
	bool handled;

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

static enum ui_step remove_char(struct ui_view *view, struct ui_app *app,
                                wchar_t ch)
{
	(void)app;
	ui_field_insert(&as_remove(view)->reason, ch);
	return UI_STAY;
}

static size_t remove_contexts(const struct ui_view *view, enum ui_context *out,
                              size_t max)
{
	(void)view;
	if (max < 2)
		return 0;
	out[0] = UI_CTX_REASON;
	out[1] = UI_CTX_FIELD;
	return 2;
}

static void remove_draw(struct ui_view *view, struct ui_app *app)
{
	struct remove_dialog *dialog = as_remove(view);
	struct ui_rect box = ui_layout_dialog(DIALOG_HEIGHT, DIALOG_WIDTH);
	struct ui_rect in = ui_layout_inside(box);
	int prompt = ui_text_width_utf8(UI_TEXT_REASON_PROMPT);
	char line[UI_LINE_BYTES];
	int used;

	(void)app;
	ui_draw_box(box.y, box.x, box.height, box.width, UI_TEXT_REMOVE_TITLE);
	snprintf(line, sizeof(line), UI_TEXT_REMOVE_PROMPT,
	         dialog->change.provider_name,
	         ct_role_name(dialog->change.current_role),
	         dialog->target.patient_name);
	used =
	    ui_draw_wrapped(in.y + 1, in.x, in.width, 3, line, UI_STYLE_NORMAL);
	ui_draw_text(in.y + 2 + used, in.x, prompt, UI_TEXT_REASON_PROMPT,
	             UI_STYLE_HEADER);
	ui_field_draw(&dialog->reason, in.y + 2 + used, in.x + prompt,
	              in.width - prompt, true);
}

static void remove_destroy(struct ui_view *view)
{
	free(as_remove(view));
}

static const struct ui_view_ops remove_ops = {
    .name = UI_TEXT_REMOVE_TITLE,
    .modal = true,
    .contexts = remove_contexts,
    .help_contexts = help_contexts,
    .draw = remove_draw,
    .on_action = remove_action,
    .on_char = remove_char,
    .destroy = remove_destroy,
};

struct ui_view *ui_remove_dialog_new(const struct ui_target *target,
                                     const struct ui_change *change)
{
	struct remove_dialog *dialog = calloc(1, sizeof(*dialog));

	if (dialog == NULL)
		return NULL;
	dialog->base.ops = &remove_ops;
	dialog->target = *target;
	dialog->change = *change;
	dialog->change.kind = UI_CHANGE_REMOVE;
	ui_field_init(&dialog->reason, UI_REASON_CHARS);
	ui_field_set(&dialog->reason, change->reason);
	return &dialog->base;
}
