/* Drawing primitives: styles that work with and without colour, and text
 * cut to a number of columns. Everything is drawn on stdscr, and the event
 * loop redraws the whole screen each turn, so a resize needs no special
 * path. */
#ifndef CT_UI_DRAW_H
#define CT_UI_DRAW_H

#include <curses.h>
#include <stdbool.h>
#include <wchar.h>

enum ui_style {
	UI_STYLE_NORMAL,
	UI_STYLE_TITLE,
	UI_STYLE_HEADER,
	UI_STYLE_SELECTED,
	UI_STYLE_BANNER,
	UI_STYLE_ERROR,
	UI_STYLE_KEY,
	UI_STYLE_FIELD,
	UI_STYLE_DIM,
	/* A notice that the data on screen may be out of date. */
	UI_STYLE_NOTICE,
	UI_STYLE_COUNT,
};

/* Sets up the styles: colour pairs with colour, else reverse video, bold
 * and underline, so that a monochrome terminal still shows selection and
 * headers. */
void ui_draw_init_styles(bool colour);

attr_t ui_style_attr(enum ui_style style);

/* Draws UTF-8 text in exactly cols columns (cut with an ellipsis or padded
 * with spaces). */
void ui_draw_text(int y, int x, int cols, const char *utf8,
                  enum ui_style style);

/* Draws UTF-8 text right-aligned in cols columns. */
void ui_draw_text_right(int y, int x, int cols, const char *utf8,
                        enum ui_style style);

/* Draws text at most cols wide without padding and returns the columns
 * used. */
int ui_draw_text_short(int y, int x, int cols, const char *utf8,
                       enum ui_style style);

/* Draws the selection mark '>' at (y, x) for the selected row of a list,
 * so that the selection shows without colour or reverse video too. */
void ui_draw_selection_mark(int y, int x, enum ui_style style);

/* Fills cols columns with spaces in the style. */
void ui_draw_fill(int y, int x, int cols, enum ui_style style);

/* Draws a framed box with a title in the top border and clears inside. */
void ui_draw_box(int y, int x, int height, int width, const char *title);

/* Draws text centred in the row between x and x + cols. */
void ui_draw_centred(int y, int x, int cols, const char *utf8,
                     enum ui_style style);

/* Draws UTF-8 text wrapped to cols columns from row y, at most max_lines
 * lines, and returns the lines used. */
int ui_draw_wrapped(int y, int x, int cols, int max_lines, const char *utf8,
                    enum ui_style style);

/* Starts a frame: clears the screen and the requested cursor position. */
void ui_draw_begin(void);

/* Asks for the terminal cursor to show at (y, x) once the frame is done;
 * a text field with focus calls this. */
void ui_draw_cursor_at(int y, int x);

/* Ends a frame: places or hides the cursor and sends the changes. */
void ui_draw_finish(void);

#endif
