/* The terminal UI: start-up (organization list, second-factor code),
 * patient search, care-team view with live change notices, the dialogs
 * that change a care team, and a patient's audit trail. */
#ifndef CARETEAM_UI_H
#define CARETEAM_UI_H

#include <stdio.h>

#include "careteam/config.h"

/* Opens a session and runs the UI on it until the user quits, and returns
 * the process exit status. org_code (NULL for none) chooses the
 * organization, else config->default_organization, else the only
 * membership. With several memberships and no choice, the UI lists them.
 * When the organization requires a second factor, the UI prompts for the
 * code.
 *
 * The status is 0 after q or Ctrl-C, and 128 plus the signal number after
 * SIGTERM or SIGHUP. It is 2 when TERM is unset or names an unknown
 * terminal, after a message on stderr, with the terminal untouched and no
 * connection made. When the session cannot be opened, the outcome's
 * message goes to stderr before the screen starts, and the status is the
 * outcome's exit status (5 when the database is unavailable, for example).
 * It is 1 when curses cannot start. The terminal is restored on every
 * path. The function calls setlocale(LC_ALL, ""). */
int ct_ui_run(const struct ct_config *config, const char *org_code);

/* Prints every key binding as markdown tables, one per screen or dialog,
 * for the user guide. */
void ct_ui_print_key_table(FILE *out);

#endif
