/* Terminal setup and restore around the curses session. */
#include "terminal.h"

#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <unistd.h>

#include "draw.h"
#include "labels.h"
#include "text.h"

/* Esc must act within about 50 ms, so curses waits at most this long for
 * the rest of an escape sequence. */
#define ESCAPE_DELAY_MS 25

/* Bracketed paste: the terminal marks pasted text, so a line break in it
 * cannot act as Enter. Terminals without it ignore the request. */
#define PASTE_MARKS_ON  "\033[?2004h"
#define PASTE_MARKS_OFF "\033[?2004l"

static SCREEN *screen;
static bool active;
static bool colour;
static bool atexit_registered;
static volatile sig_atomic_t pending_signal;
static sigset_t wait_mask;
static bool signals_blocked;

/* Writes a control sequence straight to the terminal, past the curses
 * output buffer. */
static void send_control(const char *sequence)
{
	size_t length = strlen(sequence);
	ssize_t written;

	fflush(stdout);
	do
		written = write(STDOUT_FILENO, sequence, length);
	while (written < 0 && errno == EINTR);
}

static void note_signal(int signal_number)
{
	pending_signal = signal_number;
}

/* Installs the handlers for the terminating signals and blocks them and
 * SIGWINCH (whose handler curses installed) outside ppoll. */
static void install_signal_handlers(void)
{
	static const int signals[] = {SIGTERM, SIGHUP, SIGINT};
	struct sigaction action;
	sigset_t blocked;
	size_t i;

	memset(&action, 0, sizeof(action));
	action.sa_handler = note_signal;
	sigemptyset(&action.sa_mask);
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGWINCH);
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		sigaction(signals[i], &action, NULL);
		sigaddset(&blocked, signals[i]);
	}
	signals_blocked = sigprocmask(SIG_BLOCK, &blocked, &wait_mask) == 0;
}

const sigset_t *ui_terminal_wait_mask(void)
{
	return signals_blocked ? &wait_mask : NULL;
}

bool ui_terminal_check(void)
{
	const char *term = getenv("TERM");
	char capability[] = "cup";
	int status = 0;
	const char *move_string;
	bool addressable;

	if (term == NULL || term[0] == '\0' ||
	    setupterm(term, STDOUT_FILENO, &status) != OK) {
		fprintf(stderr, "%s\n", UI_TEXT_TERM_UNKNOWN);
		return false;
	}
	/* A terminal such as "dumb" cannot place text, so the layout cannot
	 * be drawn on it. */
	move_string = tigetstr(capability);
	addressable = move_string != NULL && move_string != (char *)-1;
	del_curterm(cur_term);
	if (!addressable)
		fprintf(stderr, UI_TEXT_TERM_NO_CURSOR "\n", term);
	return addressable;
}

static bool colour_wanted(void)
{
	const char *no_colour = getenv("NO_COLOR");

	return has_colors() && (no_colour == NULL || no_colour[0] == '\0');
}

bool ui_terminal_start(void)
{
	screen = newterm(NULL, stdout, stdin);
	if (screen == NULL)
		return false;
	active = true;
	if (!atexit_registered) {
		atexit(ui_terminal_stop);
		atexit_registered = true;
	}
	install_signal_handlers();

	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(ESCAPE_DELAY_MS);
	curs_set(0);
	send_control(PASTE_MARKS_ON);

	colour = colour_wanted();
	if (colour)
		start_color();
	ui_draw_init_styles(colour);
	return true;
}

void ui_terminal_stop(void)
{
	if (!active)
		return;
	active = false;
	curs_set(1);
	send_control(PASTE_MARKS_OFF);
	endwin();
	delscreen(screen);
	screen = NULL;
	if (signals_blocked)
		sigprocmask(SIG_SETMASK, &wait_mask, NULL);
	signals_blocked = false;
}

void ui_terminal_deliver_signals(void)
{
	sigset_t blocked;

	if (!signals_blocked)
		return;
	sigprocmask(SIG_SETMASK, &wait_mask, &blocked);
	sigprocmask(SIG_SETMASK, &blocked, NULL);
}

int ui_terminal_pending_signal(void)
{
	return pending_signal;
}

bool ui_terminal_has_colour(void)
{
	return colour;
}

bool ui_terminal_big_enough(void)
{
	return COLS >= UI_MIN_COLS && LINES >= UI_MIN_LINES;
}
