/* Drawing primitives on stdscr. */
#include "draw.h"

#include <string.h>

#include "text.h"

enum colour_pair {
	PAIR_TITLE = 1,
	PAIR_SELECTED,
	PAIR_BANNER,
	PAIR_ERROR,
	PAIR_KEY,
	PAIR_NOTICE,
};

static attr_t styles[UI_STYLE_COUNT];
static bool cursor_wanted;
static int cursor_y;
static int cursor_x;

static void init_monochrome(void)
{
	styles[UI_STYLE_NORMAL] = A_NORMAL;
	styles[UI_STYLE_TITLE] = A_REVERSE;
	styles[UI_STYLE_HEADER] = A_BOLD;
	styles[UI_STYLE_SELECTED] = A_REVERSE;
	styles[UI_STYLE_BANNER] = A_REVERSE | A_BOLD;
	styles[UI_STYLE_ERROR] = A_BOLD;
	styles[UI_STYLE_KEY] = A_BOLD;
	styles[UI_STYLE_FIELD] = A_UNDERLINE;
	styles[UI_STYLE_DIM] = A_NORMAL;
	styles[UI_STYLE_NOTICE] = A_BOLD | A_UNDERLINE;
}

static void init_colour(void)
{
	short background = COLOR_BLACK;

	if (use_default_colors() == OK)
		background = -1;
	init_pair(PAIR_TITLE, COLOR_WHITE, COLOR_BLUE);
	init_pair(PAIR_SELECTED, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_BANNER, COLOR_WHITE, COLOR_RED);
	init_pair(PAIR_ERROR, COLOR_RED, background);
	init_pair(PAIR_KEY, COLOR_CYAN, background);
	init_pair(PAIR_NOTICE, COLOR_BLACK, COLOR_YELLOW);

	init_monochrome();
	styles[UI_STYLE_TITLE] = COLOR_PAIR(PAIR_TITLE) | A_BOLD;
	styles[UI_STYLE_SELECTED] = COLOR_PAIR(PAIR_SELECTED);
	styles[UI_STYLE_BANNER] = COLOR_PAIR(PAIR_BANNER) | A_BOLD;
	styles[UI_STYLE_ERROR] = COLOR_PAIR(PAIR_ERROR) | A_BOLD;
	styles[UI_STYLE_KEY] = COLOR_PAIR(PAIR_KEY) | A_BOLD;
	styles[UI_STYLE_DIM] = A_DIM;
	styles[UI_STYLE_NOTICE] = COLOR_PAIR(PAIR_NOTICE);
}

void ui_draw_init_styles(bool colour)
{
	if (colour)
		init_colour();
	else
		init_monochrome();
}

attr_t ui_style_attr(enum ui_style style)
{
	return styles[style];
}

static void put_wide(int y, int x, const wchar_t *text, enum ui_style style)
{
	attrset(styles[style]);
	mvaddwstr(y, x, text);
	attrset(A_NORMAL);
}

void ui_draw_text(int y, int x, int cols, const char *utf8, enum ui_style style)
{
	wchar_t fitted[UI_TEXT_MAX];

	if (cols <= 0)
		return;
	ui_text_fit(utf8, cols, true, fitted, UI_TEXT_MAX);
	put_wide(y, x, fitted, style);
}

void ui_draw_text_right(int y, int x, int cols, const char *utf8,
                        enum ui_style style)
{
	wchar_t fitted[UI_TEXT_MAX];

	if (cols <= 0)
		return;
	ui_text_fit_right(utf8, cols, fitted, UI_TEXT_MAX);
	put_wide(y, x, fitted, style);
}

int ui_draw_text_short(int y, int x, int cols, const char *utf8,
                       enum ui_style style)
{
	wchar_t fitted[UI_TEXT_MAX];
	int used;

	if (cols <= 0)
		return 0;
	used = ui_text_fit(utf8, cols, false, fitted, UI_TEXT_MAX);
	put_wide(y, x, fitted, style);
	return used;
}

void ui_draw_selection_mark(int y, int x, enum ui_style style)
{
	if (style == UI_STYLE_SELECTED)
		mvaddch(y, x, '>' | styles[UI_STYLE_SELECTED]);
}

void ui_draw_fill(int y, int x, int cols, enum ui_style style)
{
	attrset(styles[style]);
	mvhline(y, x, ' ', cols);
	attrset(A_NORMAL);
}

void ui_draw_box(int y, int x, int height, int width, const char *title)
{
	int row;

	for (row = y; row < y + height; row++)
		ui_draw_fill(row, x, width, UI_STYLE_NORMAL);

	mvaddch(y, x, ACS_ULCORNER);
	mvhline(y, x + 1, ACS_HLINE, width - 2);
	mvaddch(y, x + width - 1, ACS_URCORNER);
	mvvline(y + 1, x, ACS_VLINE, height - 2);
	mvvline(y + 1, x + width - 1, ACS_VLINE, height - 2);
	mvaddch(y + height - 1, x, ACS_LLCORNER);
	mvhline(y + height - 1, x + 1, ACS_HLINE, width - 2);
	mvaddch(y + height - 1, x + width - 1, ACS_LRCORNER);

	if (title != NULL && title[0] != '\0') {
		int used;

		mvaddch(y, x + 2, ' ');
		used = ui_draw_text_short(y, x + 3, width - 6, title,
		                          UI_STYLE_HEADER);
		mvaddch(y, x + 3 + used, ' ');
	}
}

void ui_draw_centred(int y, int x, int cols, const char *utf8,
                     enum ui_style style)
{
	int width = ui_text_width_utf8(utf8);
	int offset = width < cols ? (cols - width) / 2 : 0;

	ui_draw_text_short(y, x + offset, cols - offset, utf8, style);
}

struct wrap_target {
	int y;
	int x;
	int cols;
	int max_lines;
	int drawn;
	enum ui_style style;
};

static void draw_wrapped_line(void *context, const char *line, size_t bytes)
{
	struct wrap_target *target = context;
	char piece[UI_TEXT_MAX * 4];

	if (target->drawn >= target->max_lines)
		return;
	if (bytes >= sizeof(piece))
		bytes = sizeof(piece) - 1;
	memcpy(piece, line, bytes);
	piece[bytes] = '\0';
	ui_draw_text_short(target->y + target->drawn, target->x, target->cols,
	                   piece, target->style);
	target->drawn++;
}

int ui_draw_wrapped(int y, int x, int cols, int max_lines, const char *utf8,
                    enum ui_style style)
{
	struct wrap_target target = {y, x, cols, max_lines, 0, style};

	ui_text_wrap(utf8, cols, draw_wrapped_line, &target);
	return target.drawn;
}

void ui_draw_begin(void)
{
	erase();
	cursor_wanted = false;
}

void ui_draw_cursor_at(int y, int x)
{
	cursor_wanted = true;
	cursor_y = y;
	cursor_x = x;
}

void ui_draw_finish(void)
{
	if (cursor_wanted) {
		move(cursor_y, cursor_x);
		curs_set(1);
	} else {
		curs_set(0);
	}
	refresh();
}
