/* One-line text input. */
#include "field.h"

#include <curses.h>
#include <string.h>

#include "draw.h"
#include "text.h"

void ui_field_init(struct ui_field *field, size_t max_length)
{
	memset(field, 0, sizeof(*field));
	field->max_length =
	    max_length < UI_FIELD_CAP ? max_length : UI_FIELD_CAP;
}

void ui_field_set(struct ui_field *field, const char *utf8)
{
	wchar_t wide[UI_FIELD_CAP + 1];
	size_t count = ui_text_decode(utf8, wide, field->max_length + 1);

	memcpy(field->text, wide, (count + 1) * sizeof(wchar_t));
	field->length = count;
	field->cursor = count;
	field->scroll = 0;
}

void ui_field_get(const struct ui_field *field, char *buffer, size_t size)
{
	ui_text_encode(field->text, field->length, buffer, size);
}

bool ui_field_is_empty(const struct ui_field *field)
{
	return field->length == 0;
}

bool ui_field_insert(struct ui_field *field, wchar_t ch)
{
	if (field->length >= field->max_length || !ui_key_is_text((int)ch))
		return false;
	memmove(&field->text[field->cursor + 1], &field->text[field->cursor],
	        (field->length - field->cursor + 1) * sizeof(wchar_t));
	field->text[field->cursor] = ch;
	field->length++;
	field->cursor++;
	return true;
}

static bool delete_at(struct ui_field *field, size_t position)
{
	if (position >= field->length)
		return false;
	memmove(&field->text[position], &field->text[position + 1],
	        (field->length - position) * sizeof(wchar_t));
	field->length--;
	return true;
}

static bool backspace(struct ui_field *field)
{
	if (field->cursor == 0)
		return false;
	field->cursor--;
	return delete_at(field, field->cursor);
}

static bool clear_text(struct ui_field *field)
{
	bool changed = field->length > 0;

	field->text[0] = L'\0';
	field->length = 0;
	field->cursor = 0;
	field->scroll = 0;
	return changed;
}

bool ui_field_edit(struct ui_field *field, enum ui_action action, bool *handled)
{
	*handled = true;
	switch (action) {
	case UI_ACT_FIELD_LEFT:
		if (field->cursor > 0)
			field->cursor--;
		return false;
	case UI_ACT_FIELD_RIGHT:
		if (field->cursor < field->length)
			field->cursor++;
		return false;
	case UI_ACT_FIELD_HOME:
		field->cursor = 0;
		return false;
	case UI_ACT_FIELD_END:
		field->cursor = field->length;
		return false;
	case UI_ACT_FIELD_BACKSPACE:
		return backspace(field);
	case UI_ACT_FIELD_DELETE:
		return delete_at(field, field->cursor);
	case UI_ACT_FIELD_CLEAR:
		return clear_text(field);
	default:
		*handled = false;
		return false;
	}
}

/* Moves the scroll position so that the text up to the cursor, plus one
 * column for the cursor itself, fits in cols columns. */
static void scroll_to_cursor(struct ui_field *field, int cols)
{
	if (field->scroll > field->cursor)
		field->scroll = field->cursor;
	while (field->scroll < field->cursor &&
	       ui_text_width(&field->text[field->scroll],
	                     field->cursor - field->scroll) +
	               1 >
	           cols)
		field->scroll++;
}

void ui_field_draw(struct ui_field *field, int y, int x, int cols, bool focus)
{
	wchar_t visible[UI_FIELD_CAP + 1];
	int used = 0;
	int cursor_x = x;
	size_t n = 0;
	size_t i;

	if (cols <= 0)
		return;
	scroll_to_cursor(field, cols);
	for (i = field->scroll; i < field->length; i++) {
		int width = ui_char_width(field->text[i]);

		if (used + width > cols)
			break;
		if (i == field->cursor)
			cursor_x = x + used;
		visible[n++] = ui_char_printable(field->text[i]);
		used += width;
	}
	if (field->cursor >= i)
		cursor_x = x + used;
	visible[n] = L'\0';

	ui_draw_fill(y, x, cols, UI_STYLE_FIELD);
	attrset(ui_style_attr(UI_STYLE_FIELD));
	mvaddwstr(y, x, visible);
	attrset(A_NORMAL);
	if (focus)
		ui_draw_cursor_at(y, cursor_x < x + cols ? cursor_x
		                                         : x + cols - 1);
}
