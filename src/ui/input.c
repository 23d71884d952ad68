/* Reading the terminal's input. curses in keypad mode does not know the
 * bracketed-paste markers, so it hands them over as an Esc followed by
 * their characters. This reader spots the markers in that stream and
 * gives back what came between them as pasted text. */
#include "input.h"

#include <curses.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keys.h"

/* How long the reader waits for the rest of a marker that arrived in
 * part. A lone Esc is not delayed by it: curses has already waited its
 * escape delay, and nothing followed. */
#define MARKER_WAIT_MS 50
/* A paste whose end marker never came ends after this much silence, so a
 * lost marker cannot turn every later key into text. */
#define PASTE_IDLE_MS 1000
/* Keys read ahead while matching a marker, handed out again later. */
#define QUEUE_MAX 8

static const int paste_start[] = {'[', '2', '0', '0', '~'};
static const int paste_end[] = {'[', '2', '0', '1', '~'};
#define MARKER_LENGTH ((int)(sizeof(paste_start) / sizeof(paste_start[0])))

static int queue[QUEUE_MAX];
static int queued;
static bool pasting;
static bool after_cr;
static long long last_paste_ms;

static long long now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Takes one key from curses, or from the keys read ahead. A resize
 * arrives as UI_FN(KEY_RESIZE). Returns false when nothing is there. */
static bool take_key(int *key)
{
	wint_t ch;
	int status;

	if (queued > 0) {
		*key = queue[0];
		memmove(&queue[0], &queue[1], (size_t)--queued * sizeof(int));
		return true;
	}
	status = wget_wch(stdscr, &ch);
	if (status == ERR)
		return false;
	*key = ui_key_from_curses(status, ch);
	return true;
}

/* Puts keys back in front of the ones still queued. */
static void give_back(const int *keys, int count)
{
	if (count <= 0 || queued + count > QUEUE_MAX)
		return;
	memmove(&queue[count], &queue[0], (size_t)queued * sizeof(int));
	memcpy(&queue[0], keys, (size_t)count * sizeof(int));
	queued += count;
}

/* Like take_key, but waits up to MARKER_WAIT_MS when nothing is there. */
static bool take_key_soon(int *key)
{
	struct pollfd terminal = {STDIN_FILENO, POLLIN, 0};

	if (take_key(key))
		return true;
	if (poll(&terminal, 1, MARKER_WAIT_MS) <= 0)
		return false;
	return take_key(key);
}

/* After an Esc, reads on as long as the keys follow marker. Returns
 * whether the whole marker came; when it did not, the keys read are
 * queued again, to be handled as keys. */
static bool match_marker(const int *marker)
{
	int seen[MARKER_LENGTH];
	int count = 0;

	while (count < MARKER_LENGTH) {
		bool got = count == 0 ? take_key(&seen[count])
		                      : take_key_soon(&seen[count]);

		if (!got)
			break;
		if (seen[count] != marker[count]) {
			count++;
			break;
		}
		count++;
	}
	if (count == MARKER_LENGTH && seen[count - 1] == marker[count - 1])
		return true;
	give_back(seen, count);
	return false;
}

/* Turns a key read inside a paste into its text. Returns false for what
 * is not text: function keys and lone control characters. */
static bool paste_char(int key, int *out)
{
	bool was_cr = after_cr;

	after_cr = key == '\r';
	if (key == '\n' && was_cr)
		return false;
	if (key == '\r' || key == '\n' || key == '\t') {
		*out = ' ';
		return true;
	}
	if (!ui_key_is_text(key))
		return false;
	*out = key;
	return true;
}

static bool read_pasted(struct ui_input *input)
{
	int key;

	while (take_key(&key)) {
		last_paste_ms = now_ms();
		if (key == UI_FN(KEY_RESIZE)) {
			input->kind = UI_INPUT_RESIZE;
			input->key = key;
			return true;
		}
		if (key == UI_KEY_ESC && match_marker(paste_end)) {
			pasting = false;
			return ui_input_read(input);
		}
		if (paste_char(key, &input->key)) {
			input->kind = UI_INPUT_PASTE;
			return true;
		}
	}
	if (now_ms() - last_paste_ms > PASTE_IDLE_MS)
		pasting = false;
	return false;
}

bool ui_input_read(struct ui_input *input)
{
	int key;

	if (pasting)
		return read_pasted(input);
	if (!take_key(&key))
		return false;
	if (key == UI_KEY_ESC && match_marker(paste_start)) {
		pasting = true;
		after_cr = false;
		last_paste_ms = now_ms();
		return read_pasted(input);
	}
	input->kind = key == UI_FN(KEY_RESIZE) ? UI_INPUT_RESIZE : UI_INPUT_KEY;
	input->key = key;
	return true;
}

bool ui_input_pending(void)
{
	int key;

	if (queued == 0) {
		if (!take_key(&key))
			return false;
		give_back(&key, 1);
	}
	/* A resize is no typed input, and taking it has already applied the
	 * new size. */
	return queue[0] != UI_FN(KEY_RESIZE);
}
