/* A one-line text input field holding wide characters, with a cursor. */
#ifndef CT_UI_FIELD_H
#define CT_UI_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include "keys.h"

/* The maximum number of characters of any field. A removal reason may
 * have up to 500 characters, so this leaves room for it. */
#define UI_FIELD_CAP 512

struct ui_field {
	wchar_t text[UI_FIELD_CAP + 1];
	size_t length;
	size_t cursor;
	/* Characters this field accepts, at most UI_FIELD_CAP. */
	size_t max_length;
	/* First character shown when the text is wider than the field. */
	size_t scroll;
};

void ui_field_init(struct ui_field *field, size_t max_length);

/* Replaces the text with UTF-8 text and puts the cursor at the end. */
void ui_field_set(struct ui_field *field, const char *utf8);

/* Writes the text as UTF-8 into buffer. */
void ui_field_get(const struct ui_field *field, char *buffer, size_t size);

bool ui_field_is_empty(const struct ui_field *field);

/* Inserts a character at the cursor. Returns false when the field is full
 * or ch is not text. */
bool ui_field_insert(struct ui_field *field, wchar_t ch);

/* Applies an editing action (UI_ACT_FIELD_*). Returns whether the text
 * changed, and sets *handled to whether the action was an editing one. */
bool ui_field_edit(struct ui_field *field, enum ui_action action,
                   bool *handled);

/* Draws the field in cols columns at (y, x), scrolled so the cursor shows.
 * With focus, leaves the terminal cursor at the field's cursor. */
void ui_field_draw(struct ui_field *field, int y, int x, int cols, bool focus);

#endif
