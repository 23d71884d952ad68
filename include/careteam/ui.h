/* The terminal UI: patient search, care-team view and the dialogs that
 * change a care team. */
#ifndef CARETEAM_UI_H
#define CARETEAM_UI_H

#include <stdio.h>

#include "careteam/config.h"
#include "careteam/session.h"

/* Runs the UI on an open session until the user quits, and returns the
 * process exit status: 0 after q or Ctrl-C, 2 when TERM is unset or names
 * an unknown terminal (a message goes to stderr and the terminal is left
 * untouched), 1 when curses cannot start, and 128 plus the signal number
 * after SIGTERM or SIGHUP. The terminal is restored on every path. Call
 * setlocale(LC_ALL, "") first, or let this function do it. */
int ct_ui_run(struct ct_session *session, const struct ct_config *config);

/* Prints every key binding as markdown tables, one per screen or dialog,
 * for the user guide. */
void ct_ui_print_key_table(FILE *out);

#endif
