/* Reading the terminal's input: keys, resizes and bracketed pastes. */
#ifndef CT_UI_INPUT_H
#define CT_UI_INPUT_H

#include <stdbool.h>

enum ui_input_kind {
	UI_INPUT_KEY,    /* a key, as ui_key_from_curses returns it */
	UI_INPUT_RESIZE, /* the terminal changed size */
	UI_INPUT_PASTE,  /* one character of pasted text */
};

struct ui_input {
	enum ui_input_kind kind;
	/* The key, or the pasted character. A line break in pasted text
	 * arrives as a space, and \r\n as one space. */
	int key;
};

/* Reads the next input that is already there, without waiting for the
 * user. Between ESC [ 2 0 0 ~ and ESC [ 2 0 1 ~ (bracketed paste) the
 * characters arrive as UI_INPUT_PASTE, never as keys. Returns false when
 * nothing is buffered. */
bool ui_input_read(struct ui_input *input);

/* Returns whether more typed input is buffered now, without waiting and
 * without taking it. A pending resize does not count. */
bool ui_input_pending(void);

#endif
