/* The command-line interface, private to src/cli: the command table, the
 * parsed request, and the output and error helpers the commands share. */
#ifndef CARETEAM_CLI_H
#define CARETEAM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "careteam/care_team.h"
#include "careteam/config.h"
#include "careteam/outcome.h"
#include "careteam/session.h"

#define CLI_PROGRAM "careteam"

/* The options a command may take after its name, with the help text that
 * --help prints for each. X(id, long name, argument name, help) */
#define CLI_COMMAND_OPTIONS(X)                                                 \
	X(CLI_OPTION_ROLE, "role", "ROLE",                                     \
	  "The role on the care team: PRIMARY, SPECIALIST or CONSULTANT, in "  \
	  "any case.")                                                         \
	X(CLI_OPTION_REASON, "reason", "TEXT",                                 \
	  "Why the change is made, 1 to 500 characters. It is stored with "    \
	  "the assignment it ends.")                                           \
	X(CLI_OPTION_EXPECT_VERSION, "expect-version", "N",                    \
	  "The care team version you based the change on, as 'show' prints "  \
	  "it. When the team has changed since, nothing is saved and the "     \
	  "exit status is 3. Without it, the version is not checked.")

enum cli_option_id {
#define CLI_OPTION_ENUM(id, name, argument, help) id,
	CLI_COMMAND_OPTIONS(CLI_OPTION_ENUM)
#undef CLI_OPTION_ENUM
		CLI_OPTION_COUNT
};

#define CLI_FLAG(id) (1u << (id))

#define CLI_ARGUMENTS_MAX 2

enum cli_connection {
	CLI_CONNECT_STAFF,       /* ct_session_open, as a staff member */
	CLI_CONNECT_MAINTENANCE, /* ct_session_open_maintenance */
	CLI_CONNECT_NONE,        /* no database; run gets a NULL session */
};

/* One command line, parsed and checked before anything connects. */
struct cli_request {
	const struct cli_command *command;
	const char *arguments[CLI_ARGUMENTS_MAX];
	int argument_count;
	/* Each command option's value, or NULL when it was not given. */
	const char *options[CLI_OPTION_COUNT];
	enum ct_role role;
	int64_t expected_version;
};

typedef enum ct_outcome cli_write_fn(struct ct_session *session,
				     const struct ct_write_request *request,
				     struct ct_write_result *result);

struct cli_command {
	const char *name;
	/* The positional arguments as --help shows them, such as "MRN NPI". */
	const char *arguments;
	int min_arguments;
	int max_arguments;
	unsigned accepted_options; /* CLI_FLAG bits */
	unsigned required_options;
	enum cli_connection connection;
	/* Runs the command on an open session. Prints its own output and its
	 * own error message, and returns the outcome. */
	enum ct_outcome (*run)(const struct cli_request *request,
			       struct ct_session *session);
	/* The domain call and the first field of the success line, for the
	 * four writes; NULL for the other commands. */
	cli_write_fn *write;
	const char *done_label;
	const char *help;
};

extern const struct cli_command cli_commands[];
extern const size_t cli_command_count;

/* connect.c */

/* Opens the session a command needs and, when the organization requires
 * it, prompts for the second-factor code on the terminal. Prints the error
 * and returns its outcome on failure, with the session closed. */
enum ct_outcome cli_open_session(enum cli_connection connection,
				 const struct ct_config *config,
				 const char *org_code,
				 struct ct_session *session);

/* commands.c */
const struct cli_command *cli_find_command(const char *name);

/* writes.c */
enum ct_outcome cli_run_write(const struct cli_request *request,
			      struct ct_session *session);

/* The global options, which come before the command. */
struct cli_global {
	const char *config_path; /* --config, or NULL */
	const char *org_code;    /* --org, or NULL */
	bool help;
	bool version;
	/* The index in argv of the command's name; argc when there is none. */
	int command_index;
};

/* options.c */

/* Parses the options before the command. Returns CT_OK, or
 * CT_INVALID_INPUT after printing the error. */
enum ct_outcome cli_parse_global(int argc, char **argv,
				 struct cli_global *global);
void cli_print_help(FILE *stream);
void cli_print_usage(FILE *stream);
void cli_print_command_usage(FILE *stream, const struct cli_command *command);

/* Parses argv, which starts at the command's name, into request. Returns
 * CT_OK, or CT_INVALID_INPUT or CT_INVALID_ROLE after printing the error. */
enum ct_outcome cli_parse_request(const struct cli_command *command, int argc,
				  char **argv, struct cli_request *request);

/* output.c */

/* Prints one tab-separated record to stdout. Tabs, line breaks and other
 * control characters inside a field become spaces, so a record is always
 * one line; a NULL field prints as empty. */
void cli_print_record(size_t count, const char *const fields[]);

#define CLI_RECORD(...)                                                        \
	cli_print_record(sizeof((const char *[]){__VA_ARGS__}) /               \
				 sizeof(const char *),                         \
			 (const char *[]){__VA_ARGS__})

/* Prints "careteam: message" to stderr, then the detail on a second line
 * when it adds something. */
void cli_print_error(const char *message, const char *detail);

/* Prints the outcome's message and err's detail, and returns the outcome. */
enum ct_outcome cli_report(enum ct_outcome outcome, const struct ct_error *err);

/* Prints "careteam: ..." to stderr, then the command's usage line (or the
 * program's when command is NULL) and a pointer to --help. Returns
 * CT_INVALID_INPUT. */
enum ct_outcome cli_usage_error(const struct cli_command *command,
				const char *format, ...)
	__attribute__((format(printf, 2, 3)));

#endif
