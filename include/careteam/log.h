/* Structured log lines: an event name, then key=value pairs of ids. Lines
 * never hold patient names. */
#ifndef CARETEAM_LOG_H
#define CARETEAM_LOG_H

#include <stdbool.h>

#include "careteam/config.h"

/* Opens the destination the configuration names. Returns CT_OK, or
 * CT_CONFIG_INVALID when the log file cannot be opened. Until this is
 * called, lines at warning level and above go to stderr. */
enum ct_outcome ct_log_open(const struct ct_config *config,
			    struct ct_error *err);

void ct_log_close(void);

/* Writes one line "EVENT key=value ...", where the pairs come from the
 * printf-style format. Lines above the configured level are dropped. */
void ct_log(enum ct_log_level level, const char *event, const char *format,
	    ...) __attribute__((format(printf, 3, 4)));

/* Stops (true) or resumes (false) writing lines bound for stderr, while
 * the interactive screen owns the terminal. Lines to syslog or a file are
 * not affected. On resume, one line reports how many were dropped. */
void ct_log_set_screen_active(bool active);

#endif
