/* The terminal UI: patient search, care-team view and the dialogs that
 * change a care team. */
#ifndef CARETEAM_UI_H
#define CARETEAM_UI_H

#include <stdio.h>

#include "careteam/config.h"
#include "careteam/session.h"

/* Runs the UI on an open session until the user quits, and returns the
 * process exit status. The status is 0 after q or Ctrl-C, and 128 plus the
 * signal number after SIGTERM or SIGHUP. It is 2 when TERM is unset or
 * names an unknown terminal, after a message on stderr and with the
 * terminal untouched, and 1 when curses cannot start. The terminal is
 * restored on every path. The function calls setlocale(LC_ALL, ""). */
int ct_ui_run(struct ct_session *session, const struct ct_config *config);

/* Prints every key binding as markdown tables, one per screen or dialog,
 * for the user guide. */
void ct_ui_print_key_table(FILE *out);

#endif
