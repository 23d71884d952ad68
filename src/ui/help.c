/* Help screen: every key of the screen or dialog it was opened from,
 * generated from the key table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "dialogs.h"
#include "draw.h"
#include "keys.h"
#include "labels.h"
#include "layout.h"
#include "list.h"
#include "text.h"

#define HELP_WIDTH      78
#define KEYS_COLUMN     16
#define HELP_LINES_MAX  256
#define HELP_LINE_BYTES 256

struct help_line {
	enum ui_style style;
	char keys[64];
	char text[HELP_LINE_BYTES];
};

struct help_view {
	struct ui_view base;
	char title[UI_NAME_BYTES];
	const enum ui_context *contexts;
	/* Rebuilt on every draw, because wrapping depends on the width. */
	struct help_line lines[HELP_LINES_MAX];
	int line_count;
	int top;
	int page;
};

static struct help_view *as_help(const struct ui_view *view)
{
	return (struct help_view *)view;
}

static struct help_line *add_line(struct help_view *help, enum ui_style style)
{
	struct help_line *line;

	if (help->line_count == HELP_LINES_MAX)
		return NULL;
	line = &help->lines[help->line_count++];
	memset(line, 0, sizeof(*line));
	line->style = style;
	return line;
}

struct wrap_state {
	struct help_view *help;
	const char *keys;
};

static void add_wrapped(void *context, const char *text, size_t bytes)
{
	struct wrap_state *state = context;
	struct help_line *line = add_line(state->help, UI_STYLE_NORMAL);

	if (line == NULL)
		return;
	ui_copy(line->keys, sizeof(line->keys), state->keys);
	state->keys = "";
	if (bytes >= sizeof(line->text))
		bytes = sizeof(line->text) - 1;
	memcpy(line->text, text, bytes);
	line->text[bytes] = '\0';
}

/* Leaves out the bindings that read-only access does not offer. */
static void build_lines(struct help_view *help, int text_width, bool read_only)
{
	size_t c;

	help->line_count = 0;
	for (c = 0; help->contexts[c] != UI_CTX_COUNT; c++) {
		const struct ui_binding *binding;
		struct help_line *title;
		size_t index;

		if (c > 0)
			add_line(help, UI_STYLE_NORMAL);
		title = add_line(help, UI_STYLE_HEADER);
		if (title != NULL)
			ui_copy(title->text, sizeof(title->text),
			        ui_context_title(help->contexts[c]));
		for (index = 0; (binding = ui_keys_binding(help->contexts[c],
		                                           index)) != NULL;
		     index++) {
			char keys[64];
			struct wrap_state state = {help, keys};

			if (binding->writes && read_only)
				continue;
			ui_binding_keys_text(binding, keys, sizeof(keys));
			ui_text_wrap(binding->help, text_width, add_wrapped,
			             &state);
		}
	}
}

static enum ui_step help_action(struct ui_view *view, struct ui_app *app,
                                enum ui_action action)
{
	struct help_view *help = as_help(view);
	int last = help->line_count - help->page;

	(void)app;
	switch (action) {
	case UI_ACT_UP:
		help->top--;
		break;
	case UI_ACT_DOWN:
		help->top++;
		break;
	case UI_ACT_PAGE_UP:
		help->top -= help->page - 1;
		break;
	case UI_ACT_PAGE_DOWN:
		help->top += help->page - 1;
		break;
	case UI_ACT_CANCEL:
	case UI_ACT_HELP:
		return UI_CLOSE;
	default:
		break;
	}
	if (help->top > last)
		help->top = last;
	if (help->top < 0)
		help->top = 0;
	return UI_STAY;
}

static size_t help_contexts(const struct ui_view *view, enum ui_context *out,
                            size_t max)
{
	(void)view;
	if (max < 1)
		return 0;
	out[0] = UI_CTX_HELP;
	return 1;
}

static void help_draw(struct ui_view *view, struct ui_app *app)
{
	struct help_view *help = as_help(view);
	struct ui_rect body = ui_layout_body();
	struct ui_rect box = ui_layout_dialog(body.height, HELP_WIDTH);
	struct ui_rect in = ui_layout_inside(box);
	int i;

	build_lines(help, in.width - KEYS_COLUMN, ui_app_read_only(app));
	help->page = in.height;
	if (help->top > help->line_count - help->page)
		help->top = help->line_count - help->page;
	if (help->top < 0)
		help->top = 0;

	ui_draw_box(box.y, box.x, box.height, box.width, help->title);
	for (i = 0; i < in.height && help->top + i < help->line_count; i++) {
		const struct help_line *line = &help->lines[help->top + i];

		if (line->style == UI_STYLE_HEADER) {
			ui_draw_text(in.y + i, in.x, in.width, line->text,
			             UI_STYLE_HEADER);
			continue;
		}
		ui_draw_text(in.y + i, in.x, KEYS_COLUMN - 1, line->keys,
		             UI_STYLE_KEY);
		ui_draw_text(in.y + i, in.x + KEYS_COLUMN,
		             in.width - KEYS_COLUMN, line->text,
		             UI_STYLE_NORMAL);
	}
	if (help->top + in.height < help->line_count)
		ui_draw_text_short(box.y + box.height - 1, box.x + 2,
		                   box.width - 4, UI_TEXT_HELP_MORE,
		                   UI_STYLE_HEADER);
}

static void help_destroy(struct ui_view *view)
{
	free(as_help(view));
}

static const struct ui_view_ops help_ops = {
    .name = UI_TEXT_HELP_NAME,
    .modal = true,
    .contexts = help_contexts,
    .help_contexts = NULL,
    .draw = help_draw,
    .on_action = help_action,
    .destroy = help_destroy,
};

struct ui_view *ui_help_new(const struct ui_view *target)
{
	struct help_view *help = calloc(1, sizeof(*help));

	if (help == NULL)
		return NULL;
	help->base.ops = &help_ops;
	help->contexts = target->ops->help_contexts;
	snprintf(help->title, sizeof(help->title), UI_TEXT_HELP_TITLE,
	         target->ops->name);
	return &help->base;
}
