/* Display-width aware text handling for the terminal UI. */
#include "text.h"

#include <langinfo.h>
#include <string.h>
#include <strings.h>

#define REPLACEMENT_CHAR 0xFFFD

static bool locale_is_utf8;

void ui_text_init(void)
{
	const char *codeset = nl_langinfo(CODESET);

	locale_is_utf8 =
	    codeset != NULL && (strcasecmp(codeset, "UTF-8") == 0 ||
	                        strcasecmp(codeset, "utf8") == 0);
}

bool ui_text_is_utf8(void)
{
	return locale_is_utf8;
}

/* Decodes one UTF-8 sequence at text and returns its length in bytes (at
 * least 1). Overlong forms, surrogates and truncated sequences give
 * U+FFFD for their first byte. */
static size_t decode_one(const unsigned char *text, wchar_t *ch)
{
	unsigned int lead = text[0];
	unsigned int value;
	size_t length;
	size_t i;

	if (lead < 0x80) {
		*ch = (wchar_t)lead;
		return 1;
	}
	if (lead >= 0xC2 && lead <= 0xDF) {
		length = 2;
		value = lead & 0x1F;
	} else if (lead >= 0xE0 && lead <= 0xEF) {
		length = 3;
		value = lead & 0x0F;
	} else if (lead >= 0xF0 && lead <= 0xF4) {
		length = 4;
		value = lead & 0x07;
	} else {
		*ch = REPLACEMENT_CHAR;
		return 1;
	}

	for (i = 1; i < length; i++) {
		if ((text[i] & 0xC0) != 0x80) {
			*ch = REPLACEMENT_CHAR;
			return 1;
		}
		value = (value << 6) | (text[i] & 0x3F);
	}

	if ((length == 3 && value < 0x800) ||
	    (length == 4 && (value < 0x10000 || value > 0x10FFFF)) ||
	    (value >= 0xD800 && value <= 0xDFFF)) {
		*ch = REPLACEMENT_CHAR;
		return 1;
	}
	*ch = (wchar_t)value;
	return length;
}

size_t ui_text_decode(const char *utf8, wchar_t *out, size_t cap)
{
	const unsigned char *text = (const unsigned char *)utf8;
	size_t count = 0;

	if (cap == 0)
		return 0;
	while (text != NULL && *text != '\0' && count + 1 < cap) {
		text += decode_one(text, &out[count]);
		count++;
	}
	out[count] = L'\0';
	return count;
}

/* Writes one character as UTF-8 into bytes and returns its length. */
static size_t encode_one(wchar_t ch, char bytes[4])
{
	unsigned long value = (unsigned long)ch;

	if (value >= 0xD800 && value <= 0xDFFF)
		value = REPLACEMENT_CHAR;
	if (value < 0x80) {
		bytes[0] = (char)value;
		return 1;
	}
	if (value < 0x800) {
		bytes[0] = (char)(0xC0 | (value >> 6));
		bytes[1] = (char)(0x80 | (value & 0x3F));
		return 2;
	}
	if (value < 0x10000) {
		bytes[0] = (char)(0xE0 | (value >> 12));
		bytes[1] = (char)(0x80 | ((value >> 6) & 0x3F));
		bytes[2] = (char)(0x80 | (value & 0x3F));
		return 3;
	}
	if (value > 0x10FFFF)
		return encode_one(REPLACEMENT_CHAR, bytes);
	bytes[0] = (char)(0xF0 | (value >> 18));
	bytes[1] = (char)(0x80 | ((value >> 12) & 0x3F));
	bytes[2] = (char)(0x80 | ((value >> 6) & 0x3F));
	bytes[3] = (char)(0x80 | (value & 0x3F));
	return 4;
}

size_t ui_text_encode(const wchar_t *text, size_t count, char *buffer,
                      size_t size)
{
	size_t used = 0;
	size_t i;

	if (size == 0)
		return 0;
	for (i = 0; i < count && text[i] != L'\0'; i++) {
		char bytes[4];
		size_t length = encode_one(text[i], bytes);

		if (used + length >= size)
			break;
		memcpy(buffer + used, bytes, length);
		used += length;
	}
	buffer[used] = '\0';
	return used;
}

wchar_t ui_char_printable(wchar_t ch)
{
	if (!locale_is_utf8)
		return (ch >= 0x20 && ch < 0x7F) ? ch : L'?';
	if (wcwidth(ch) < 0)
		return REPLACEMENT_CHAR;
	return ch;
}

int ui_char_width(wchar_t ch)
{
	int width = wcwidth(ui_char_printable(ch));

	return width < 0 ? 1 : width;
}

int ui_text_width(const wchar_t *text, size_t count)
{
	int width = 0;
	size_t i;

	for (i = 0; i < count && text[i] != L'\0'; i++)
		width += ui_char_width(text[i]);
	return width;
}

int ui_text_width_utf8(const char *utf8)
{
	wchar_t wide[UI_TEXT_MAX];
	size_t count = ui_text_decode(utf8, wide, UI_TEXT_MAX);

	return ui_text_width(wide, count);
}

static const wchar_t *ellipsis(void)
{
	return locale_is_utf8 ? L"\u2026" : L"...";
}

/* Copies the characters of text that fit in cols columns into out and
 * returns the columns used, with the count in *written. A combining mark
 * with no base character before it is dropped. */
static int copy_fitting(const wchar_t *text, size_t count, int cols,
                        wchar_t *out, size_t cap, size_t *written)
{
	int used = 0;
	size_t n = 0;
	size_t i;

	for (i = 0; i < count && n + 1 < cap; i++) {
		int width = ui_char_width(text[i]);

		if (used + width > cols)
			break;
		if (width == 0 && n == 0)
			continue;
		out[n++] = ui_char_printable(text[i]);
		used += width;
	}
	*written = n;
	return used;
}

/* Fits wide text into cols columns, with an ellipsis when it is cut. */
static int fit_wide(const wchar_t *text, size_t count, int cols, wchar_t *out,
                    size_t cap, size_t *written)
{
	const wchar_t *mark = ellipsis();
	int mark_width = ui_text_width(mark, wcslen(mark));
	size_t n;
	int used;

	if (cols <= 0 || cap == 0) {
		*written = 0;
		return 0;
	}
	if (ui_text_width(text, count) <= cols)
		return copy_fitting(text, count, cols, out, cap, written);

	if (mark_width > cols) {
		mark = L"~";
		mark_width = 1;
	}
	used = copy_fitting(text, count, cols - mark_width, out, cap, &n);
	while (*mark != L'\0' && n + 1 < cap) {
		out[n++] = *mark++;
		used++;
	}
	*written = n;
	return used;
}

int ui_text_fit(const char *utf8, int cols, bool pad, wchar_t *out, size_t cap)
{
	wchar_t wide[UI_TEXT_MAX];
	size_t count = ui_text_decode(utf8, wide, UI_TEXT_MAX);
	size_t n;
	int used = fit_wide(wide, count, cols, out, cap, &n);

	while (pad && used < cols && n + 1 < cap) {
		out[n++] = L' ';
		used++;
	}
	if (cap > 0)
		out[n] = L'\0';
	return used;
}

int ui_text_fit_right(const char *utf8, int cols, wchar_t *out, size_t cap)
{
	wchar_t fitted[UI_TEXT_MAX];
	int used = ui_text_fit(utf8, cols, false, fitted, UI_TEXT_MAX);
	size_t n = 0;
	size_t i;

	if (cap == 0)
		return 0;
	for (; used < cols && n + 1 < cap; used++)
		out[n++] = L' ';
	for (i = 0; fitted[i] != L'\0' && n + 1 < cap; i++)
		out[n++] = fitted[i];
	out[n] = L'\0';
	return cols > used ? cols : used;
}

int ui_text_wrap(const char *utf8, int cols,
                 void (*emit)(void *context, const char *line, size_t bytes),
                 void *context)
{
	const unsigned char *text = (const unsigned char *)utf8;
	size_t start = 0;
	size_t position = 0;
	size_t last_space = 0;
	bool have_space = false;
	int width = 0;
	int lines = 0;

	if (cols < 1)
		cols = 1;
	while (text[position] != '\0') {
		wchar_t ch;
		size_t length = decode_one(text + position, &ch);
		int char_width = ui_char_width(ch);

		if (ch == L' ') {
			last_space = position;
			have_space = true;
		}
		if (width > 0 && width + char_width > cols && ch != L' ') {
			size_t end = have_space ? last_space : position;

			emit(context, utf8 + start, end - start);
			lines++;
			start = have_space ? last_space + 1 : position;
			position = start;
			width = 0;
			have_space = false;
			continue;
		}
		width += char_width;
		position += length;
	}
	if (position > start || lines == 0) {
		emit(context, utf8 + start, position - start);
		lines++;
	}
	return lines;
}
