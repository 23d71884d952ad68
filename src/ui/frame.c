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
/* Columns between the screen's name and the status in the title bar. */
#define TITLE_GAP 2

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

static const char *mfa_state(const struct ct_session *session)
{
	if (!session->mfa_required)
		return UI_TEXT_STATUS_MFA_NONE;
	return session->mfa_verified ? UI_TEXT_STATUS_MFA_VERIFIED
	                             : UI_TEXT_STATUS_MFA_NEEDED;
}

/* Draws "staff | organization | [read-only |] MFA state " ending at the
 * right edge, in at most cols columns. The organization's name is cut
 * first, so the MFA state stays in view. */
static void draw_status(const struct ui_app *app, int cols)
{
	const struct ct_session *session = app->session;
	const char *pieces[4];
	size_t count = 0;
	int separator = ui_text_width_utf8(UI_TEXT_STATUS_SEPARATOR);
	int fixed = 1;
	int organization;
	int x;
	size_t i;

	pieces[count++] = session->staff_name;
	pieces[count++] = session->organization_name;
	if (session->access == CT_ACCESS_READ_ONLY)
		pieces[count++] = UI_TEXT_STATUS_READ_ONLY;
	pieces[count++] = mfa_state(session);
	for (i = 0; i < count; i++) {
		if (i != 1)
			fixed += ui_text_width_utf8(pieces[i]);
		if (i > 0)
			fixed += separator;
	}
	organization = ui_text_width_utf8(session->organization_name);
	if (organization > cols - fixed)
		organization = cols - fixed;
	if (organization < 1) {
		/* Too narrow for the pieces: the MFA state alone. */
		ui_draw_text_right(0, COLS - cols, cols, mfa_state(session),
		                   UI_STYLE_TITLE);
		return;
	}

	x = COLS - fixed - organization;
	for (i = 0; i < count; i++) {
		int width =
		    i == 1 ? organization : ui_text_width_utf8(pieces[i]);

		if (i > 0) {
			ui_draw_text(0, x, separator, UI_TEXT_STATUS_SEPARATOR,
			             UI_STYLE_TITLE);
			x += separator;
		}
		ui_draw_text(0, x, width, pieces[i], UI_STYLE_TITLE);
		x += width;
	}
}

static void draw_title(const struct ui_app *app)
{
	char left[256];
	int left_width;

	if (app->offline) {
		ui_draw_fill(0, 0, COLS, UI_STYLE_BANNER);
		ui_draw_centred(0, 0, COLS, UI_TEXT_OFFLINE, UI_STYLE_BANNER);
		return;
	}
	snprintf(left, sizeof(left), " %s: %s", UI_TEXT_PROGRAM,
	         top_screen(app)->ops->name);
	ui_draw_fill(0, 0, COLS, UI_STYLE_TITLE);
	left_width = ui_draw_text_short(0, 0, COLS, left, UI_STYLE_TITLE);
	if (ui_app_session_open(app) && app->session->staff_id != 0)
		draw_status(app, COLS - left_width - TITLE_GAP);
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
			    (binding->writes && ui_app_read_only(app)) ||
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
