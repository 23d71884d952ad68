/* careteam's entry point: parse the command line, load the configuration,
 * open the log and a session, then run one command or the interactive
 * screen. */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "careteam/config.h"
#include "careteam/log.h"
#include "careteam/session.h"
#include "cli.h"

#if __has_include("careteam/ui.h")
#include "careteam/ui.h"
#define CLI_HAS_UI 1
#else
#define CLI_HAS_UI 0
#endif

#define LOG_VALUE_MAX 1100

/* Writes text as a log value: unchanged when it is a plain word, else in
 * double quotes with '"' and '\' escaped, so that spaces and '=' inside a
 * path cannot be read as further pairs. */
static void quote_log_value(const char *text, char *buffer, size_t size)
{
	size_t used = 0;

	if (text[0] != '\0' && strpbrk(text, " \"=\\") == NULL) {
		snprintf(buffer, size, "%s", text);
		return;
	}
	buffer[used++] = '"';
	for (; *text != '\0' && used + 3 < size; text++) {
		if (*text == '"' || *text == '\\')
			buffer[used++] = '\\';
		buffer[used++] = *text;
	}
	buffer[used++] = '"';
	buffer[used] = '\0';
}

/* Loads the configuration and opens the log it names. */
static enum ct_outcome load_settings(const struct cli_global *global,
				     struct ct_config *config)
{
	char path[LOG_VALUE_MAX];
	struct ct_error err;
	enum ct_outcome outcome;

	outcome = ct_config_load(global->config_path, config, &err);
	if (outcome == CT_OK)
		outcome = ct_log_open(config, &err);
	if (outcome != CT_OK)
		return cli_report(outcome, &err);

	quote_log_value(config->path, path, sizeof(path));
	ct_log(CT_LOG_DEBUG, "config_loaded", "path=%s", path);
	return CT_OK;
}

/* Flushes stdout and turns a failed write, such as a full disk, into an
 * error rather than a silent success. */
static enum ct_outcome finish_output(enum ct_outcome outcome)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return outcome;
	cli_print_error("writing to standard output failed", strerror(errno));
	return outcome == CT_OK ? CT_SYSTEM_ERROR : outcome;
}

static int run_command(const struct cli_global *global,
		       const struct cli_command *command, int argc,
		       char **argv)
{
	struct cli_request request;
	struct ct_config config;
	struct ct_session session;
	enum ct_outcome outcome;

	outcome = cli_parse_request(command, argc, argv, &request);
	if (outcome == CT_OK)
		outcome = load_settings(global, &config);
	if (outcome != CT_OK)
		return ct_outcome_exit_status(outcome);

	if (command->connection == CLI_CONNECT_NONE) {
		outcome = command->run(&request, NULL);
	} else {
		outcome = cli_open_session(command->connection, &config,
					   global->org_code, &session);
		if (outcome == CT_OK) {
			outcome = command->run(&request, &session);
			ct_session_close(&session);
		}
	}
	outcome = finish_output(outcome);
	ct_log(outcome == CT_OK ? CT_LOG_INFO : CT_LOG_WARNING,
	       "command_finished", "command=%s outcome=%s status=%d",
	       command->name, ct_outcome_name(outcome),
	       ct_outcome_exit_status(outcome));
	ct_log_close();
	return ct_outcome_exit_status(outcome);
}

#if CLI_HAS_UI
/* The UI opens its own session, so that it can list the organizations
 * and ask for a second-factor code on its own screen. */
static int run_interactive(const struct cli_global *global)
{
	struct ct_config config;
	enum ct_outcome outcome;
	int status;

	outcome = load_settings(global, &config);
	if (outcome != CT_OK) {
		ct_log_close();
		return ct_outcome_exit_status(outcome);
	}
	/* ncursesw needs the user's locale to draw UTF-8 names. */
	setlocale(LC_ALL, "");
	status = ct_ui_run(&config, global->org_code);
	ct_log_close();
	return status;
}
#endif

/* Without a command, a terminal on stdin and stdout gets the interactive
 * screen; anything else gets the usage and status 2. */
static int run_without_command(const struct cli_global *global)
{
	if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
#if CLI_HAS_UI
		return run_interactive(global);
#else
		(void)global;
		cli_print_help(stderr);
		cli_print_error("this build has no interactive screen; give a "
				"command",
				NULL);
		return ct_outcome_exit_status(CT_INVALID_INPUT);
#endif
	}
	cli_print_usage(stderr);
	cli_print_error("a command is required when standard input or output "
			"is not a terminal",
			NULL);
	fputs("Try '" CLI_PROGRAM " --help' for more information.\n", stderr);
	return ct_outcome_exit_status(CT_INVALID_INPUT);
}

/* Opens /dev/null on any of descriptors 0 to 2 that the caller closed.
 * Otherwise the next file opened, such as the log or the database socket,
 * would get that number, and output meant for stdout would go there. */
static void guard_standard_descriptors(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			_exit(1);
	}
}

int main(int argc, char **argv)
{
	const struct cli_command *command;
	struct cli_global global;
	const char *name;

	guard_standard_descriptors();
	if (cli_parse_global(argc, argv, &global) != CT_OK)
		return ct_outcome_exit_status(CT_INVALID_INPUT);
	if (global.help) {
		cli_print_help(stdout);
		return ct_outcome_exit_status(finish_output(CT_OK));
	}
	if (global.version) {
		puts(CLI_PROGRAM " " CT_VERSION);
		return ct_outcome_exit_status(finish_output(CT_OK));
	}
	if (global.command_index >= argc)
		return run_without_command(&global);

	name = argv[global.command_index];
	command = cli_find_command(name);
	if (command == NULL) {
		cli_usage_error(NULL, "unknown command '%s'", name);
		return ct_outcome_exit_status(CT_INVALID_INPUT);
	}
	return run_command(&global, command, argc - global.command_index,
			   argv + global.command_index);
}
