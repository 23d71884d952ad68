/* Display-width aware text: UTF-8 in, wide characters out, cut to a number
 * of terminal columns. Widths come from wcwidth(3), so they follow the
 * locale's character tables. */
#ifndef CT_UI_TEXT_H
#define CT_UI_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

/* The maximum number of characters in one drawn piece of text. Longer
 * input is cut. It is large enough for a full line of a wide terminal with
 * combining marks. */
#define UI_TEXT_MAX 1024

/* Records whether the locale's character set is UTF-8. Call once after
 * setlocale. Without UTF-8, characters outside ASCII are drawn as '?' and
 * the ellipsis is "...". */
void ui_text_init(void);
bool ui_text_is_utf8(void);

/* Decodes UTF-8 into at most cap - 1 wide characters plus a terminating
 * L'\0', and returns their count. Invalid bytes become U+FFFD. Decoding
 * does not depend on the locale, because the database always sends
 * UTF-8. */
size_t ui_text_decode(const char *utf8, wchar_t *out, size_t cap);

/* Encodes wide characters as UTF-8 into buffer (always terminated) and
 * returns the byte length. Stops before a character that does not fit. */
size_t ui_text_encode(const wchar_t *text, size_t count, char *buffer,
                      size_t size);

/* Returns the columns one character takes: 0 for combining marks, 2 for
 * double-width characters, and 1 for anything that cannot be printed,
 * because such a character is drawn as a replacement. */
int ui_char_width(wchar_t ch);

/* Returns the character to draw in place of ch: U+FFFD (or '?') for
 * control and unprintable characters, '?' for non-ASCII outside UTF-8. */
wchar_t ui_char_printable(wchar_t ch);

/* Returns the display width of count characters. */
int ui_text_width(const wchar_t *text, size_t count);

/* Returns the display width of a UTF-8 string. */
int ui_text_width_utf8(const char *utf8);

/* Fits a UTF-8 string into cols columns: characters that do not fit are
 * replaced by an ellipsis, and with pad the rest is filled with spaces so
 * exactly cols columns are used. Writes printable wide characters into
 * out (terminated) and returns the columns used. */
int ui_text_fit(const char *utf8, int cols, bool pad, wchar_t *out, size_t cap);

/* Like ui_text_fit, but right-aligns the text in cols columns. */
int ui_text_fit_right(const char *utf8, int cols, wchar_t *out, size_t cap);

/* Splits UTF-8 text into lines of at most cols columns, breaking at spaces
 * where it can. Calls emit for each line with its byte range. Returns the
 * number of lines. */
int ui_text_wrap(const char *utf8, int cols,
                 void (*emit)(void *context, const char *line, size_t bytes),
                 void *context);

#endif
