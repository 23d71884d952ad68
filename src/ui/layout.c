/* Screen regions and table columns. */
#include "layout.h"

#include <curses.h>

/* Rows taken by the title bar (top) and the message line and key bar
 * (bottom). */
#define TOP_ROWS    1
#define BOTTOM_ROWS 2

struct ui_rect ui_layout_body(void)
{
	struct ui_rect body = {TOP_ROWS, 0, LINES - TOP_ROWS - BOTTOM_ROWS,
	                       COLS};

	return body;
}

int ui_layout_message_row(void)
{
	return LINES - 2;
}

int ui_layout_key_bar_row(void)
{
	return LINES - 1;
}

struct ui_rect ui_layout_dialog(int height, int width)
{
	struct ui_rect body = ui_layout_body();
	struct ui_rect dialog;

	dialog.height = height < body.height ? height : body.height;
	dialog.width = width < COLS - 4 ? width : COLS - 4;
	dialog.y = body.y + (body.height - dialog.height) / 2;
	dialog.x = (COLS - dialog.width) / 2;
	return dialog;
}

struct ui_rect ui_layout_inside(struct ui_rect dialog)
{
	struct ui_rect inside = {dialog.y + 1, dialog.x + 2, dialog.height - 2,
	                         dialog.width - 4};

	return inside;
}

void ui_layout_columns(int total, int gap, const struct ui_column *columns,
                       size_t count, int *offsets, int *widths)
{
	int fixed = gap * (int)(count > 0 ? count - 1 : 0);
	int weights = 0;
	int spare;
	int given = 0;
	int last_flexible = -1;
	int offset = 0;
	size_t i;

	for (i = 0; i < count; i++) {
		fixed += columns[i].width;
		weights += columns[i].weight;
		if (columns[i].weight > 0)
			last_flexible = (int)i;
	}
	spare = total > fixed ? total - fixed : 0;

	for (i = 0; i < count; i++) {
		int extra = 0;

		if (columns[i].weight > 0) {
			extra = (int)i == last_flexible
			            ? spare - given
			            : spare * columns[i].weight / weights;
			given += extra;
		}
		widths[i] = columns[i].width + extra;
		offsets[i] = offset;
		offset += widths[i] + gap;
	}
}
