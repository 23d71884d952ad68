/* Scenario files (.scn): a parser that reads a whole file into steps and an
 * interpreter that runs them against pty terminals. tests/pty/README.md
 * describes the language. */
#ifndef CARETEAM_TESTS_PTY_SCRIPT_H
#define CARETEAM_TESTS_PTY_SCRIPT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "harness.h"

/* Settings shared by every scenario of one run. */
struct pty_run_settings {
	const char *program;    /* CT_TEST_PROGRAM */
	const char *config;     /* CT_TEST_CONFIG, NULL to pass no --config */
	const char *tmp_dir;    /* where the programs' stderr files go */
	const char *output_dir; /* FILE.actual and snapshots/ go here */
	double timeout_scale;   /* CT_TEST_TIMEOUT_SCALE */
	bool update_screens;    /* CT_PTY_UPDATE=1 */
	PGconn *conn;           /* NULL when CT_TEST_CONNINFO is unset */
};

struct pty_script;

/* Parses a scenario file. On a syntax error returns NULL with
 * "FILE:LINE: message" in err. */
struct pty_script *pty_script_load(const char *path, char *err,
                                   size_t err_size);

void pty_script_free(struct pty_script *script);

/* The scenario's name: its file name without the directory and ".scn". */
const char *pty_script_name(const struct pty_script *script);

/* The scenario name of the file at path. The caller frees it. */
char *pty_script_name_for(const char *path);

/* Runs every step, stopping at the first failure, then stops every
 * program the scenario started. On failure returns false with
 * "FILE:LINE: message" in reason and the current terminal's screen and
 * stderr in details. */
bool pty_script_run(const struct pty_script *script,
                    const struct pty_run_settings *settings,
                    struct pty_buffer *reason, struct pty_buffer *details);

/* Formats a query result as psql -At does: rows joined by '\n', columns
 * by '|', NULL as an empty string. The caller frees it. */
char *pty_format_result(const PGresult *result);

#endif
