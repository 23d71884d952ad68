/* Conflict notice: a write came back as a conflict (PRIMARY taken, the
 * provider already on the team, no PRIMARY left to replace, a
 * serialization failure after retries, or a stale view). The notice states
 * what happened in the words of the outcome table and offers a refresh.
 * It carries the user's change so the care-team screen can keep it. */
#include <stdlib.h>

#include "app.h"
#include "dialogs.h"
#include "draw.h"
#include "labels.h"
#include "layout.h"
#include "text.h"

#define DIALOG_WIDTH 66

struct conflict_dialog {
	struct ui_view base;
	char message[UI_MESSAGE_MAX];
	struct ui_change change;
};

static const enum ui_context help_contexts[] = {
    UI_CTX_CONFLICT,
    UI_CTX_GLOBAL,
    UI_CTX_COUNT,
};

static struct conflict_dialog *as_conflict(const struct ui_view *view)
{
	return (struct conflict_dialog *)view;
}

static enum ui_step conflict_action(struct ui_view *view, struct ui_app *app,
                                    enum ui_action action)
{
	(void)app;
	switch (action) {
	case UI_ACT_REFRESH:
		view->result = UI_RESULT_REFRESH;
		return UI_CLOSE;
	case UI_ACT_CANCEL:
		view->result = UI_RESULT_CANCEL;
		return UI_CLOSE;
	default:
		return UI_STAY;
	}
}

static size_t conflict_contexts(const struct ui_view *view,
                                enum ui_context *out, size_t max)
{
	(void)view;
	if (max < 1)
		return 0;
	out[0] = UI_CTX_CONFLICT;
	return 1;
}

static void count_line(void *context, const char *line, size_t bytes)
{
	(void)context;
	(void)line;
	(void)bytes;
}

static void conflict_draw(struct ui_view *view, struct ui_app *app)
{
	struct conflict_dialog *dialog = as_conflict(view);
	int text_width = DIALOG_WIDTH - 4;
	/* The frame, and blank lines around and between the two texts. */
	int height =
	    2 + 3 +
	    ui_text_wrap(dialog->message, text_width, count_line, NULL) +
	    ui_text_wrap(UI_TEXT_CONFLICT_KEYS, text_width, count_line, NULL);
	struct ui_rect box = ui_layout_dialog(height, DIALOG_WIDTH);
	struct ui_rect in = ui_layout_inside(box);
	int used;

	(void)app;
	ui_draw_box(box.y, box.x, box.height, box.width,
	            UI_TEXT_CONFLICT_TITLE);
	used = ui_draw_wrapped(in.y + 1, in.x, in.width, in.height - 3,
	                       dialog->message, UI_STYLE_NORMAL);
	ui_draw_wrapped(in.y + 2 + used, in.x, in.width, in.height - 2 - used,
	                UI_TEXT_CONFLICT_KEYS, UI_STYLE_HEADER);
}

static void conflict_destroy(struct ui_view *view)
{
	free(as_conflict(view));
}

static const struct ui_view_ops conflict_ops = {
    .name = UI_TEXT_CONFLICT_TITLE,
    .modal = true,
    .contexts = conflict_contexts,
    .help_contexts = help_contexts,
    .draw = conflict_draw,
    .on_action = conflict_action,
    .destroy = conflict_destroy,
};

struct ui_view *ui_conflict_dialog_new(const char *message,
                                       const struct ui_change *change)
{
	struct conflict_dialog *dialog = calloc(1, sizeof(*dialog));

	if (dialog == NULL)
		return NULL;
	dialog->base.ops = &conflict_ops;
	ui_copy(dialog->message, sizeof(dialog->message), message);
	dialog->change = *change;
	return &dialog->base;
}

const struct ui_change *ui_conflict_dialog_change(const struct ui_view *view)
{
	if (view == NULL || view->ops != &conflict_ops)
		return NULL;
	return &as_conflict(view)->change;
}
