/* Command-line parsing and the help text, both built from the option and
 * command tables so that --help lists exactly what is accepted. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The global options, which come before the command.
 * X(id, long name, short name or 0, argument name or NULL, help) */
#define GLOBAL_OPTIONS(X)                                                      \
	X(GLOBAL_CONFIG, "config", 0, "FILE",                                  \
	  "Read the settings from FILE, which must exist. Without it, "        \
	  "careteam reads $XDG_CONFIG_HOME/careteam/careteam.conf "            \
	  "($HOME/.config/careteam/careteam.conf when XDG_CONFIG_HOME is "     \
	  "unset), else /etc/careteam/careteam.conf, and uses the built-in "   \
	  "defaults when neither exists.")                                     \
	X(GLOBAL_ORG, "org", 0, "ORG",                                         \
	  "Work in the organization with the code ORG. Without it, careteam "  \
	  "uses general.default_organization, else your only membership. "     \
	  "migrate and seed-demo ignore it.")                                  \
	X(GLOBAL_HELP, "help", 'h', NULL, "Print this help and exit.")         \
	X(GLOBAL_VERSION, "version", 0, NULL, "Print the version and exit.")

enum global_option_id {
#define GLOBAL_OPTION_ENUM(id, name, letter, argument, help) id,
	GLOBAL_OPTIONS(GLOBAL_OPTION_ENUM)
#undef GLOBAL_OPTION_ENUM
};

/* getopt_long returns OPTION_BASE + id for a long option, above any
 * character it could return for a short one. */
#define OPTION_BASE 0x100

#define HELP_WIDTH  79
#define HELP_INDENT 6

struct option_help {
	const char *name;
	char letter;
	const char *argument;
	const char *help;
};

static const struct option_help global_help[] = {
#define GLOBAL_OPTION_HELP(id, name, letter, argument, help)                   \
	{name, letter, argument, help},
	GLOBAL_OPTIONS(GLOBAL_OPTION_HELP)
#undef GLOBAL_OPTION_HELP
};

static const struct option global_options[] = {
#define GLOBAL_OPTION_LONG(id, name, letter, argument, help)                   \
	{name, (argument) ? required_argument : no_argument, NULL,             \
	 OPTION_BASE + (id)},
	GLOBAL_OPTIONS(GLOBAL_OPTION_LONG)
#undef GLOBAL_OPTION_LONG
	{NULL, 0, NULL, 0},
};

static const struct option_help command_help[] = {
#define CLI_OPTION_HELP(id, name, argument, help) {name, 0, argument, help},
	CLI_COMMAND_OPTIONS(CLI_OPTION_HELP)
#undef CLI_OPTION_HELP
};

/* Prints text from column indent, breaking lines between words before
 * HELP_WIDTH. */
static void print_wrapped(FILE *stream, const char *text, int indent)
{
	int column = 0;

	text += strspn(text, " ");
	while (*text != '\0') {
		int length = (int)strcspn(text, " ");

		if (column > indent && column + 1 + length > HELP_WIDTH) {
			putc('\n', stream);
			column = 0;
		}
		if (column == 0) {
			column = fprintf(stream, "%*s", indent, "");
		} else {
			putc(' ', stream);
			column++;
		}
		column += fprintf(stream, "%.*s", length, text);
		text += length;
		text += strspn(text, " ");
	}
	if (column > 0)
		putc('\n', stream);
}

static void print_option_help(FILE *stream, const struct option_help *option)
{
	fputs("  ", stream);
	if (option->letter != 0)
		fprintf(stream, "-%c, ", option->letter);
	fprintf(stream, "--%s", option->name);
	if (option->argument != NULL)
		fprintf(stream, " %s", option->argument);
	putc('\n', stream);
	print_wrapped(stream, option->help, HELP_INDENT);
}

/* Prints "name ARGUMENTS --required X [--optional Y]". */
static void print_synopsis(FILE *stream, const struct cli_command *command)
{
	fputs(command->name, stream);
	if (command->arguments[0] != '\0')
		fprintf(stream, " %s", command->arguments);
	for (int id = 0; id < CLI_OPTION_COUNT; id++) {
		const struct option_help *option = &command_help[id];

		if (command->required_options & CLI_FLAG(id))
			fprintf(stream, " --%s %s", option->name,
				option->argument);
		else if (command->accepted_options & CLI_FLAG(id))
			fprintf(stream, " [--%s %s]", option->name,
				option->argument);
	}
}

void cli_print_command_usage(FILE *stream, const struct cli_command *command)
{
	fputs("Usage: " CLI_PROGRAM " ", stream);
	print_synopsis(stream, command);
	putc('\n', stream);
}

void cli_print_usage(FILE *stream)
{
	char names[512] = "Commands:";
	size_t used = strlen(names);

	for (size_t i = 0; i < cli_command_count && used < sizeof(names); i++)
		used += (size_t)snprintf(names + used, sizeof(names) - used,
					 "%s %s", i > 0 ? "," : "",
					 cli_commands[i].name);
	fputs("Usage: " CLI_PROGRAM " [--config FILE] [--org ORG] "
	      "[COMMAND [ARGUMENT]...]\n",
	      stream);
	print_wrapped(stream, names, 0);
}

void cli_print_help(FILE *stream)
{
	fputs("Usage: " CLI_PROGRAM " [--config FILE] [--org ORG] "
	      "[COMMAND [ARGUMENT]... [OPTION]...]\n\n",
	      stream);
	print_wrapped(stream,
		      "Shows and changes the care teams of a clinic's "
		      "patients. Without a command, careteam opens the "
		      "interactive screen, which needs a terminal on standard "
		      "input and output.",
		      0);

	fputs("\nOptions, before the command:\n", stream);
	for (size_t i = 0; i < sizeof(global_help) / sizeof(global_help[0]);
	     i++)
		print_option_help(stream, &global_help[i]);

	fputs("\nCommands:\n", stream);
	for (size_t i = 0; i < cli_command_count; i++) {
		fputs("  ", stream);
		print_synopsis(stream, &cli_commands[i]);
		putc('\n', stream);
		print_wrapped(stream, cli_commands[i].help, HELP_INDENT);
	}

	fputs("\nCommand options, before or after the command's arguments:\n",
	      stream);
	for (int id = 0; id < CLI_OPTION_COUNT; id++)
		print_option_help(stream, &command_help[id]);

	putc('\n', stream);
	print_wrapped(stream,
		      "Output is tab-separated, one record per line, "
		      "identifier first. Errors go to standard error. Exit "
		      "status: 0 success, 1 other error, 2 usage or "
		      "configuration error, 3 conflict (refresh and try "
		      "again), 4 not found, 5 database unavailable.",
		      0);
}

/* Names the option getopt_long rejected: optopt is the short option or the
 * OPTION_BASE value of a long one, or 0 when the long option is unknown. */
static const char *rejected_option(char **argv, const struct option *options,
				   char *buffer, size_t size)
{
	if (optopt >= OPTION_BASE) {
		for (const struct option *o = options; o->name != NULL; o++) {
			if (o->val == optopt) {
				snprintf(buffer, size, "--%s", o->name);
				return buffer;
			}
		}
	}
	if (optopt > 0 && optopt < OPTION_BASE) {
		snprintf(buffer, size, "-%c", optopt);
		return buffer;
	}
	return argv[optind - 1];
}

/* Returns the OPTION_BASE value of the global option whose short name is
 * choice, or choice itself when it has none. */
static int long_choice(int choice)
{
	for (size_t i = 0; i < sizeof(global_help) / sizeof(global_help[0]);
	     i++) {
		if (global_help[i].letter != 0 && global_help[i].letter == choice)
			return OPTION_BASE + (int)i;
	}
	return choice;
}

/* Writes the getopt optstring of the global options. "+" stops at the
 * command's name, so that the command's own options are left for
 * cli_parse_request, and ":" reports a missing argument as ':'. */
static void build_short_options(char *buffer, size_t size)
{
	size_t used = 0;

	buffer[used++] = '+';
	buffer[used++] = ':';
	for (size_t i = 0; i < sizeof(global_help) / sizeof(global_help[0]) &&
			   used + 3 < size;
	     i++) {
		if (global_help[i].letter == 0)
			continue;
		buffer[used++] = global_help[i].letter;
		if (global_help[i].argument != NULL)
			buffer[used++] = ':';
	}
	buffer[used] = '\0';
}

enum ct_outcome cli_parse_global(int argc, char **argv,
				 struct cli_global *global)
{
	char short_options[32];
	char name[64];
	int choice;

	memset(global, 0, sizeof(*global));
	build_short_options(short_options, sizeof(short_options));
	opterr = 0;
	optind = 0;
	while ((choice = getopt_long(argc, argv, short_options, global_options,
				     NULL)) != -1) {
		switch (long_choice(choice)) {
		case OPTION_BASE + GLOBAL_CONFIG:
			global->config_path = optarg;
			break;
		case OPTION_BASE + GLOBAL_ORG:
			global->org_code = optarg;
			break;
		case OPTION_BASE + GLOBAL_HELP:
			global->help = true;
			break;
		case OPTION_BASE + GLOBAL_VERSION:
			global->version = true;
			break;
		case ':':
			return cli_usage_error(
				NULL, "option '%s' requires an argument",
				rejected_option(argv, global_options, name,
						sizeof(name)));
		default:
			return cli_usage_error(
				NULL, "unrecognized option '%s'",
				rejected_option(argv, global_options, name,
						sizeof(name)));
		}
	}
	global->command_index = optind;
	return CT_OK;
}

/* Builds the getopt_long table of the options a command accepts. */
static void build_command_options(const struct cli_command *command,
				  struct option *options)
{
	size_t count = 0;

	for (int id = 0; id < CLI_OPTION_COUNT; id++) {
		if (!(command->accepted_options & CLI_FLAG(id)))
			continue;
		options[count++] = (struct option){
			command_help[id].name, required_argument, NULL,
			OPTION_BASE + id};
	}
	options[count] = (struct option){NULL, 0, NULL, 0};
}

static bool is_global_option(const char *text)
{
	for (const struct option *o = global_options; o->name != NULL; o++) {
		size_t length = strlen(o->name);

		if (strncmp(text, "--", 2) == 0 &&
		    strncmp(text + 2, o->name, length) == 0 &&
		    (text[2 + length] == '\0' || text[2 + length] == '='))
			return true;
	}
	return false;
}

static enum ct_outcome reject_command_option(const struct cli_command *command,
					     int choice, char **argv,
					     const struct option *options)
{
	char name[64];
	const char *option = rejected_option(argv, options, name, sizeof(name));

	if (choice == ':')
		return cli_usage_error(command,
				       "option '%s' requires an argument",
				       option);
	if (is_global_option(option))
		return cli_usage_error(command,
				       "option '%s' must come before the "
				       "command name",
				       option);
	return cli_usage_error(command, "%s does not accept the option '%s'",
			       command->name, option);
}

/* Collects the options into request->options, rejecting repeats. */
static enum ct_outcome collect_options(const struct cli_command *command,
				       int argc, char **argv,
				       struct cli_request *request)
{
	struct option options[CLI_OPTION_COUNT + 1];
	int choice;

	build_command_options(command, options);
	opterr = 0;
	optind = 0;
	while ((choice = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		int id = choice - OPTION_BASE;

		if (choice < OPTION_BASE)
			return reject_command_option(command, choice, argv,
						     options);
		if (request->options[id] != NULL)
			return cli_usage_error(command,
					       "option '--%s' is given twice",
					       command_help[id].name);
		request->options[id] = optarg;
	}
	return CT_OK;
}

static enum ct_outcome collect_arguments(const struct cli_command *command,
					 int argc, char **argv,
					 struct cli_request *request)
{
	int count = argc - optind;

	if (count < command->min_arguments)
		return cli_usage_error(command, "%s requires %s",
				       command->name, command->arguments);
	if (count > command->max_arguments)
		return cli_usage_error(command, "unexpected argument '%s'",
				       argv[optind + command->max_arguments]);
	for (int i = 0; i < count; i++)
		request->arguments[i] = argv[optind + i];
	request->argument_count = count;

	for (int id = 0; id < CLI_OPTION_COUNT; id++) {
		if ((command->required_options & CLI_FLAG(id)) &&
		    request->options[id] == NULL)
			return cli_usage_error(command,
					       "%s requires --%s %s",
					       command->name,
					       command_help[id].name,
					       command_help[id].argument);
	}
	return CT_OK;
}

/* Parses a care team version: decimal digits only, as 'show' prints it. */
static bool parse_version(const char *text, int64_t *version)
{
	char *end;
	long long value;

	if (!isdigit((unsigned char)text[0]))
		return false;
	errno = 0;
	value = strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*version = value;
	return true;
}

/* Converts the option values. A bad role gives CT_INVALID_ROLE, whose
 * message the outcome table defines. */
static enum ct_outcome convert_values(const struct cli_command *command,
				      struct cli_request *request)
{
	const char *version = request->options[CLI_OPTION_EXPECT_VERSION];
	const char *role = request->options[CLI_OPTION_ROLE];
	struct ct_error err;

	if (version != NULL &&
	    !parse_version(version, &request->expected_version))
		return cli_usage_error(
			command,
			"invalid --expect-version '%s': expected a whole "
			"number of 0 or more",
			version);
	if (role != NULL && !ct_role_parse(role, &request->role)) {
		ct_error_set(&err, CT_INVALID_ROLE, "--role '%s' is not a role",
			     role);
		return cli_report(CT_INVALID_ROLE, &err);
	}
	return CT_OK;
}

enum ct_outcome cli_parse_request(const struct cli_command *command, int argc,
				  char **argv, struct cli_request *request)
{
	enum ct_outcome outcome;

	memset(request, 0, sizeof(*request));
	request->command = command;
	request->expected_version = CT_VERSION_ANY;

	outcome = collect_options(command, argc, argv, request);
	if (outcome == CT_OK)
		outcome = collect_arguments(command, argc, argv, request);
	if (outcome == CT_OK)
		outcome = convert_values(command, request);
	return outcome;
}
