/* Drawing of the title bar, banner, message line and key bar. */
#include "frame.h"

#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "labels.h"
#include "layout.h"
#include "terminal.h"
#include "text.h"

#define KEY_BAR_GAP 2

static void draw_too_small(void)
{
	char line[128];
	int middle = LINES / 2;

	snprintf(line, sizeof(line), UI_TEXT_TOO_SMALL, UI_MIN_COLS,
	         UI_MIN_LINES);
	ui_draw_centred(middle > 0 ? middle - 1 : 0, 0, COLS, line,
	                UI_STYLE_HEADER);
	snprintf(line, sizeof(line), UI_TEXT_TOO_SMALL_NOW, COLS, LINES);
	ui_draw_centred(middle, 0, COLS, line, UI_STYLE_NORMAL);
}

static const struct ui_view *top_screen(const struct ui_app *app)
{
	int i = app->depth - 1;

	while (i > 0 && app->stack[i]->ops->modal)
		i--;
	return app->stack[i];
}

static void draw_title(const struct ui_app *app)
{
	char left[256];
	char right[600];
	int right_width;

	if (app->offline) {
		ui_draw_fill(0, 0, COLS, UI_STYLE_BANNER);
		ui_draw_centred(0, 0, COLS, UI_TEXT_OFFLINE, UI_STYLE_BANNER);
		return;
	}
	snprintf(left, sizeof(left), " %s: %s", UI_TEXT_PROGRAM,
	         top_screen(app)->ops->name);
	snprintf(right, sizeof(right), "%s | %s ", app->session->staff_name,
	         app->session->organization_name);
	ui_draw_fill(0, 0, COLS, UI_STYLE_TITLE);
	right_width = ui_text_width_utf8(right);
	if (right_width > COLS / 2)
		right_width = COLS / 2;
	ui_draw_text(0, 0, COLS - right_width, left, UI_STYLE_TITLE);
	ui_draw_text_right(0, COLS - right_width, right_width, right,
	                   UI_STYLE_TITLE);
}

static void draw_message(const struct ui_app *app)
{
	enum ui_style style = app->message_kind == UI_MESSAGE_ERROR
	                          ? UI_STYLE_ERROR
	                          : UI_STYLE_NORMAL;

	ui_draw_text(ui_layout_message_row(), 1, COLS - 2, app->message, style);
}

/* Returns whether label is among the first count labels drawn. */
static bool already_shown(const char *const *labels, size_t count,
                          const char *label)
{
	size_t i;

	for (i = 0; i < count; i++) {
		if (strcmp(labels[i], label) == 0)
			return true;
	}
	return false;
}

/* Draws one key bar entry and returns its columns, or 0 when it does not
 * fit before the right edge. */
static int draw_bar_entry(int y, int x, const struct ui_binding *binding)
{
	char key[16];
	int key_width;
	int label_width;

	ui_key_name(binding->keys[0], key, sizeof(key));
	key_width = ui_text_width_utf8(key);
	label_width = ui_text_width_utf8(binding->bar);
	if (x + key_width + 1 + label_width > COLS - 1)
		return 0;
	ui_draw_text(y, x, key_width, key, UI_STYLE_KEY);
	ui_draw_text(y, x + key_width + 1, label_width, binding->bar,
	             UI_STYLE_NORMAL);
	return key_width + 1 + label_width;
}

static void draw_key_bar(const struct ui_app *app)
{
	const struct ui_view *top = app->stack[app->depth - 1];
	enum ui_context contexts[5];
	const char *shown[32];
	size_t shown_count = 0;
	size_t count = 0;
	size_t c;
	int y = ui_layout_key_bar_row();
	int x = 1;

	if (top->ops->contexts != NULL)
		count = top->ops->contexts(top, contexts, 4);
	contexts[count++] = UI_CTX_GLOBAL;

	for (c = 0; c < count; c++) {
		const struct ui_binding *binding;
		size_t index;

		for (index = 0;
		     (binding = ui_keys_binding(contexts[c], index)) != NULL;
		     index++) {
			int used;

			if (binding->bar == NULL || shown_count == 32 ||
			    already_shown(shown, shown_count, binding->bar))
				continue;
			used = draw_bar_entry(y, x, binding);
			if (used == 0)
				return;
			shown[shown_count++] = binding->bar;
			x += used + KEY_BAR_GAP;
		}
	}
}

void ui_frame_draw(struct ui_app *app)
{
	const struct ui_view *screen;
	int i;

	ui_draw_begin();
	if (!ui_terminal_big_enough()) {
		draw_too_small();
		ui_draw_finish();
		return;
	}

	draw_title(app);
	screen = top_screen(app);
	for (i = 0; i < app->depth; i++) {
		if (app->stack[i] == screen)
			break;
	}
	for (; i < app->depth; i++)
		app->stack[i]->ops->draw(app->stack[i], app);
	draw_message(app);
	draw_key_bar(app);
	ui_draw_finish();
}
