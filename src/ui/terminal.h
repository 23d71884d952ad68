/* Starting and restoring the terminal, and the signals that end the UI. */
#ifndef CT_UI_TERMINAL_H
#define CT_UI_TERMINAL_H

#include <signal.h>
#include <stdbool.h>

/* The smallest terminal the layout fits in. */
#define UI_MIN_COLS  80
#define UI_MIN_LINES 24

/* Returns whether TERM names a terminal that terminfo describes. When it
 * does not, prints why on stderr and leaves the terminal untouched. */
bool ui_terminal_check(void);

/* Starts curses in raw mode (Ctrl-C arrives as a key), installs the signal
 * handlers and an atexit handler that restores the terminal. Returns false
 * when curses could not start. */
bool ui_terminal_start(void);

/* Restores the terminal. Safe to call more than once. */
void ui_terminal_stop(void);

/* Returns the signal mask to wait with. While the UI runs, SIGWINCH and
 * the terminating signals are blocked except while the event loop sleeps
 * in ppoll. A signal that arrives while keys are being handled therefore
 * wakes the next sleep instead of being missed. */
const sigset_t *ui_terminal_wait_mask(void);

/* Lets the blocked signals that are pending run their handlers now. Linux
 * delivers them during ppoll only when ppoll is interrupted, not when it
 * returns because a descriptor was ready, so the loop calls this after
 * every ppoll. */
void ui_terminal_deliver_signals(void);

/* Returns the number of a terminating signal that arrived (SIGTERM, SIGHUP
 * or SIGINT), or 0. */
int ui_terminal_pending_signal(void);

/* Returns whether colour is in use: the terminal has it and NO_COLOR is
 * unset or empty. */
bool ui_terminal_has_colour(void);

/* Returns whether the terminal is at least UI_MIN_COLS x UI_MIN_LINES. */
bool ui_terminal_big_enough(void);

#endif
