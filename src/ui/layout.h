/* Screen regions and table columns, computed from the current size each
 * time a frame is drawn. */
#ifndef CT_UI_LAYOUT_H
#define CT_UI_LAYOUT_H

#include <stddef.h>

struct ui_rect {
	int y;
	int x;
	int height;
	int width;
};

/* A table column: width is the fixed width, or the smallest one when
 * weight is not 0; flexible columns share the remaining space by
 * weight. */
struct ui_column {
	int width;
	int weight;
};

/* The rows between the title bar and the message line. */
struct ui_rect ui_layout_body(void);

int ui_layout_message_row(void);
int ui_layout_key_bar_row(void);

/* A dialog centred in the body, at most the given size. */
struct ui_rect ui_layout_dialog(int height, int width);

/* The inside of a dialog: the frame and one column of padding taken
 * off. */
struct ui_rect ui_layout_inside(struct ui_rect dialog);

/* Splits total columns between count columns with gap columns between
 * them, writing each column's start offset and width. */
void ui_layout_columns(int total, int gap, const struct ui_column *columns,
                       size_t count, int *offsets, int *widths);

#endif
