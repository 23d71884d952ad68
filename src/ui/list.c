/* List selection. */
#include "list.h"

void ui_list_set_count(struct ui_list *list, int count)
{
	list->count = count;
	if (list->selected >= count)
		list->selected = count - 1;
	if (list->selected < 0)
		list->selected = 0;
	if (list->top > list->selected)
		list->top = list->selected;
}

bool ui_list_move(struct ui_list *list, enum ui_action action, int page)
{
	int step = page > 1 ? page - 1 : 1;

	switch (action) {
	case UI_ACT_UP:
		list->selected--;
		break;
	case UI_ACT_DOWN:
		list->selected++;
		break;
	case UI_ACT_PAGE_UP:
		list->selected -= step;
		break;
	case UI_ACT_PAGE_DOWN:
		list->selected += step;
		break;
	case UI_ACT_FIRST:
		list->selected = 0;
		break;
	case UI_ACT_LAST:
		list->selected = list->count - 1;
		break;
	default:
		return false;
	}
	ui_list_set_count(list, list->count);
	return true;
}

void ui_list_scroll(struct ui_list *list, int visible)
{
	if (visible < 1)
		visible = 1;
	if (list->selected < list->top)
		list->top = list->selected;
	if (list->selected >= list->top + visible)
		list->top = list->selected - visible + 1;
	if (list->top > list->count - visible)
		list->top = list->count - visible;
	if (list->top < 0)
		list->top = 0;
}
