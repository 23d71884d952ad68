/* Selection and scrolling of a list of rows. */
#ifndef CT_UI_LIST_H
#define CT_UI_LIST_H

#include <stdbool.h>

#include "keys.h"

struct ui_list {
	int count;
	int selected;
	/* First row shown. */
	int top;
};

/* Sets the number of rows and keeps the selection inside them. */
void ui_list_set_count(struct ui_list *list, int count);

/* Applies a movement action (up, down, page, first, last) for a list that
 * shows page rows. Returns whether action was a movement. */
bool ui_list_move(struct ui_list *list, enum ui_action action, int page);

/* Scrolls so that the selection is among the visible rows. */
void ui_list_scroll(struct ui_list *list, int visible);

#endif
