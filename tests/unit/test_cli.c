/* Tests of the careteam program as a user runs it: usage errors, help and
 * version, configuration and log errors, the log file, and, against the
 * test cluster, each command's output and exit status.
 *
 * The program is CT_TEST_PROGRAM. The database tests need CT_TEST_CONNINFO
 * (a superuser connection) and create, migrate and drop their own
 * database, so that no other test's data changes what they see. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libpq-fe.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Seconds one run of the program may take before CT_TEST_TIMEOUT_SCALE. */
#define RUN_TIMEOUT 60

static const char *program;
static char base_dir[PATH_MAX];
static char unreachable_config[PATH_MAX];

struct run {
	int status; /* the exit status, or 128 + signal number */
	char *out;
	char *err;
};

static void format_path(char *buffer, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

/* Formats into a PATH_MAX buffer and fails the test if the text is cut. */
static void format_path(char *buffer, const char *format, ...)
{
	va_list args;
	int length;

	va_start(args, format);
	length = vsnprintf(buffer, PATH_MAX, format, args);
	va_end(args);
	assert_true(length >= 0 && length < PATH_MAX);
}

static char *read_whole_file(const char *path)
{
	FILE *stream = fopen(path, "r");
	char *text = NULL;
	size_t size = 0;
	FILE *memory;
	int byte;

	assert_non_null(stream);
	memory = open_memstream(&text, &size);
	assert_non_null(memory);
	while ((byte = getc(stream)) != EOF)
		putc(byte, memory);
	fclose(memory);
	fclose(stream);
	return text;
}

static void write_text(const char *path, const char *text)
{
	FILE *stream = fopen(path, "w");

	assert_non_null(stream);
	assert_true(fputs(text, stream) >= 0);
	assert_int_equal(fclose(stream), 0);
}

/* Writes a libconfig string literal of text, escaping '"' and '\'. */
static void put_config_string(FILE *stream, const char *text)
{
	putc('"', stream);
	for (; *text != '\0'; text++) {
		if (*text == '"' || *text == '\\')
			putc('\\', stream);
		putc(*text, stream);
	}
	putc('"', stream);
}

/* Writes a configuration file with the given conninfo and log settings;
 * log_file may be NULL. */
static void write_config(const char *path, const char *conninfo,
			 const char *destination, const char *log_file,
			 const char *level)
{
	FILE *stream = fopen(path, "w");

	assert_non_null(stream);
	fputs("database = {\n  conninfo = ", stream);
	put_config_string(stream, conninfo);
	fprintf(stream, ";\n};\nlog = {\n  destination = \"%s\";\n",
		destination);
	if (log_file != NULL) {
		fputs("  file = ", stream);
		put_config_string(stream, log_file);
		fputs(";\n", stream);
	}
	fprintf(stream, "  level = \"%s\";\n};\n", level);
	assert_int_equal(fclose(stream), 0);
}

static double timeout_scale(void)
{
	const char *text = getenv("CT_TEST_TIMEOUT_SCALE");
	double scale = text != NULL ? atof(text) : 1.0;

	return scale > 0 ? scale : 1.0;
}

/* Waits for the child, killing it after the timeout. Returns the exit
 * status, or 128 + the signal that ended it. */
static int wait_child(pid_t child)
{
	struct timespec pause = {0, 10 * 1000 * 1000};
	double limit = RUN_TIMEOUT * timeout_scale();
	time_t started = time(NULL);
	int status;

	for (;;) {
		pid_t done = waitpid(child, &status, WNOHANG);

		if (done == child)
			break;
		assert_int_equal(done, 0);
		if (difftime(time(NULL), started) > limit) {
			kill(child, SIGKILL);
			waitpid(child, &status, 0);
			fail_msg("careteam ran longer than %.0f s", limit);
		}
		nanosleep(&pause, NULL);
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Runs careteam with args (NULL-terminated) and stdin from /dev/null, and
 * collects its status and output. */
static void run_careteam(struct run *run, const char *const *args)
{
	const char *argv[32] = {program};
	char out_path[PATH_MAX], err_path[PATH_MAX];
	size_t count = 1;
	pid_t child;

	while (args[count - 1] != NULL && count < 31) {
		argv[count] = args[count - 1];
		count++;
	}
	argv[count] = NULL;
	format_path(out_path, "%s/stdout", base_dir);
	format_path(err_path, "%s/stderr", base_dir);

	fflush(NULL);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int input = open("/dev/null", O_RDONLY);
		int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (input < 0 || out < 0 || err < 0 ||
		    dup2(input, STDIN_FILENO) < 0 ||
		    dup2(out, STDOUT_FILENO) < 0 ||
		    dup2(err, STDERR_FILENO) < 0)
			_exit(126);
		execv(program, (char *const *)argv);
		_exit(127);
	}
	run->status = wait_child(child);
	run->out = read_whole_file(out_path);
	run->err = read_whole_file(err_path);
}

static void free_run(struct run *run)
{
	free(run->out);
	free(run->err);
}

#define RUN(run, ...)                                                          \
	run_careteam(run, (const char *const[]){__VA_ARGS__, NULL})

static void fail_at(const char *file, int line, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* Prints the formatted message and fails the test at file:line. */
static void fail_at(const char *file, int line, const char *format, ...)
{
	char message[8192];
	va_list args;

	va_start(args, format);
	vsnprintf(message, sizeof(message), format, args);
	va_end(args);
	print_error("%s\n", message);
	_fail(file, line);
}

static void assert_contains_at(const char *text, const char *part,
			       const char *what, const char *file, int line)
{
	if (strstr(text, part) == NULL)
		fail_at(file, line, "%s does not contain \"%s\"; it is:\n%s",
			  what, part, text);
}

#define assert_err_contains(run, part)                                         \
	assert_contains_at((run)->err, part, "stderr", __FILE__, __LINE__)
#define assert_out_contains(run, part)                                         \
	assert_contains_at((run)->out, part, "stdout", __FILE__, __LINE__)


/* Expects a usage error: status 2, nothing on stdout, the message part and
 * the pointer to --help on stderr. */
#define assert_usage_error(run, part)                                          \
	do {                                                                   \
		assert_int_equal((run)->status, 2);                            \
		assert_string_equal((run)->out, "");                           \
		assert_err_contains(run, part);                                \
		assert_err_contains(run, "Try 'careteam --help'");             \
	} while (0)

static int remove_entry(const char *path, const struct stat *status,
			int type, struct FTW *walk)
{
	(void)status;
	(void)type;
	(void)walk;
	return remove(path);
}

static int setup_group(void **state)
{
	const char *parent = getenv("CT_TEST_TMPDIR");
	char conninfo[PATH_MAX];

	(void)state;
	program = getenv("CT_TEST_PROGRAM");
	if (program == NULL || program[0] == '\0') {
		fprintf(stderr, "CT_TEST_PROGRAM is not set; run the tests "
				"with make check\n");
		return -1;
	}
	if (parent == NULL || parent[0] == '\0')
		parent = "/tmp";
	snprintf(base_dir, sizeof(base_dir), "%s/test_cli.XXXXXX", parent);
	if (mkdtemp(base_dir) == NULL) {
		fprintf(stderr, "mkdtemp %s: %s\n", base_dir, strerror(errno));
		return -1;
	}

	/* A socket folder with no server in it: connecting fails at once. */
	format_path(conninfo, "host=%s/no-server port=5", base_dir);
	format_path(unreachable_config, "%s/unreachable.conf", base_dir);
	write_config(unreachable_config, conninfo, "stderr", NULL, "error");
	return 0;
}

static int teardown_group(void **state)
{
	(void)state;
	return nftw(base_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void cli_version(void **state)
{
	struct run run;

	(void)state;
	RUN(&run, "--version");
	assert_int_equal(run.status, 0);
	assert_string_equal(run.out, "careteam " CT_VERSION "\n");
	assert_string_equal(run.err, "");
	free_run(&run);
}

/* The user guide's key table is the program's own output, so the guide
 * cannot drift from the bindings. */
static void cli_key_table_in_user_guide(void **state)
{
	struct run run;
	char *guide;

	(void)state;
	RUN(&run, "keys-markdown");
	assert_int_equal(run.status, 0);
	assert_non_null(strstr(run.out, "| Key | Action |"));
	guide = read_whole_file(CT_SOURCE_DIR "/docs/user-guide.md");
	assert_non_null(guide);
	if (strstr(guide, run.out) == NULL)
		fail_msg("docs/user-guide.md does not contain the output of "
			 "careteam keys-markdown; paste it in again");
	free(guide);
	free_run(&run);
}

static void cli_help_lists_everything(void **state)
{
	static const char *const expected[] = {
		"Usage: careteam [--config FILE] [--org ORG]",
		"  --config FILE\n",
		"  --org ORG\n",
		"  -h, --help\n",
		"  --version\n",
		"  migrate\n",
		"  seed-demo\n",
		"  search QUERY\n",
		"  providers [QUERY]\n",
		"  show MRN\n",
		"  assign MRN NPI --role ROLE [--expect-version N]\n",
		"  remove MRN NPI --reason TEXT [--expect-version N]\n",
		"  set-role MRN NPI --role ROLE [--expect-version N]\n",
		("  reassign-primary MRN NPI --reason TEXT [--expect-version "
		 "N]\n"),
		"  --role ROLE\n",
		"  --reason TEXT\n",
		"  --expect-version N\n",
		"Exit status: 0 success",
	};
	struct run run;

	(void)state;
	RUN(&run, "--help");
	assert_int_equal(run.status, 0);
	assert_string_equal(run.err, "");
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
		assert_out_contains(&run, expected[i]);

	for (const char *line = run.out; *line != '\0';) {
		size_t length = strcspn(line, "\n");

		if (length > 79)
			fail_msg("help line longer than 79 columns: %.*s",
				 (int)length, line);
		line += length + (line[length] == '\n');
	}
	free_run(&run);

	RUN(&run, "-h");
	assert_int_equal(run.status, 0);
	assert_out_contains(&run, "  show MRN\n");
	free_run(&run);
}

static void cli_no_command_not_terminal(void **state)
{
	struct run run;

	(void)state;
	RUN(&run, "--config", unreachable_config);
	assert_usage_error(&run, "a command is required");
	assert_err_contains(&run, "Usage: careteam");
	free_run(&run);
}

static void cli_unknown_command(void **state)
{
	struct run run;

	(void)state;
	RUN(&run, "frobnicate", "x");
	assert_usage_error(&run, "careteam: unknown command 'frobnicate'");
	assert_err_contains(&run, "Commands: migrate, seed-demo, search");
	free_run(&run);
}

static void cli_unknown_options(void **state)
{
	struct run run;

	(void)state;
	RUN(&run, "--colour", "search", "x");
	assert_usage_error(&run, "unrecognized option '--colour'");
	free_run(&run);

	RUN(&run, "-q", "search", "x");
	assert_usage_error(&run, "unrecognized option '-q'");
	free_run(&run);

	RUN(&run, "search", "x", "--role", "PRIMARY");
	assert_usage_error(&run, "search does not accept the option '--role'");
	assert_err_contains(&run, "Usage: careteam search QUERY\n");
	free_run(&run);

	RUN(&run, "show", "M1", "--config", unreachable_config);
	assert_usage_error(&run,
			   "option '--config' must come before the command");
	free_run(&run);

	RUN(&run, "--config");
	assert_usage_error(&run, "option '--config' requires an argument");
	free_run(&run);

	RUN(&run, "assign", "M1", "1234567890", "--role");
	assert_usage_error(&run, "option '--role' requires an argument");
	free_run(&run);
}

static void cli_argument_counts(void **state)
{
	struct run run;

	(void)state;
	RUN(&run, "show");
	assert_usage_error(&run, "show requires MRN");
	assert_err_contains(&run, "Usage: careteam show MRN\n");
	free_run(&run);

	RUN(&run, "assign", "M1", "--role", "PRIMARY");
	assert_usage_error(&run, "assign requires MRN NPI");
	free_run(&run);

	RUN(&run, "show", "M1", "M2");
	assert_usage_error(&run, "unexpected argument 'M2'");
	free_run(&run);

	RUN(&run, "migrate", "now");
	assert_usage_error(&run, "unexpected argument 'now'");
	free_run(&run);

	RUN(&run, "providers", "a", "b");
	assert_usage_error(&run, "unexpected argument 'b'");
	free_run(&run);
}

static void cli_required_options(void **state)
{
	struct run run;

	(void)state;
	RUN(&run, "assign", "M1", "1234567890");
	assert_usage_error(&run, "assign requires --role ROLE");
	free_run(&run);

	RUN(&run, "remove", "M1", "1234567890");
	assert_usage_error(&run, "remove requires --reason TEXT");
	free_run(&run);

	RUN(&run, "set-role", "M1", "1234567890", "--role", "CONSULTANT",
	    "--role", "PRIMARY");
	assert_usage_error(&run, "option '--role' is given twice");
	free_run(&run);
}

static void cli_expect_version_numeric(void **state)
{
	static const char *const bad[] = {"12abc", "-1", "", "+3",
					  "99999999999999999999"};
	char expected[128];
	struct run run;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		RUN(&run, "remove", "M1", "1234567890", "--reason", "moved",
		    "--expect-version", bad[i]);
		snprintf(expected, sizeof(expected),
			 "invalid --expect-version '%s'", bad[i]);
		assert_usage_error(&run, expected);
		free_run(&run);
	}
}

/* The role is checked before connecting: with a valid role the same
 * command reaches the (absent) server and fails with status 5. */
static void cli_role_checked_first(void **state)
{
	struct run run;

	(void)state;
	RUN(&run, "--config", unreachable_config, "assign", "M1", "1234567890",
	    "--role", "chief");
	assert_int_equal(run.status, 2);
	assert_err_contains(&run, "careteam: Invalid role. Use PRIMARY, "
				  "SPECIALIST or CONSULTANT.\n");
	assert_err_contains(&run, "careteam: --role 'chief' is not a role\n");
	free_run(&run);

	RUN(&run, "--config", unreachable_config, "assign", "--expect-version",
	    "3", "M1", "1234567890", "--role", "Specialist");
	assert_int_equal(run.status, 5);
	assert_string_equal(run.out, "");
	assert_err_contains(&run, "careteam: The database is unavailable.");
	assert_err_contains(&run, "no-server");
	free_run(&run);
}

static void cli_bad_config_file(void **state)
{
	char path[PATH_MAX];
	char expected[PATH_MAX + 96];
	struct run run;

	(void)state;
	format_path(path, "%s/bad.conf", base_dir);
	write_text(path, "# a comment\n"
			 "database = {\n"
			 "  max_retries = 50;\n"
			 "};\n");
	format_path(expected, "careteam: %s:3: database.max_retries: must be "
			      "an integer from 0 to 20\n",
		    path);

	RUN(&run, "--config", path, "search", "x");
	assert_int_equal(run.status, 2);
	assert_string_equal(run.out, "");
	assert_err_contains(&run, "careteam: Invalid configuration.\n");
	assert_err_contains(&run, expected);
	free_run(&run);

	write_text(path,
		   "log = {\n  level = \"info\"\n  destination = ;\n};\n");
	format_path(expected, "careteam: %s:3: syntax error\n", path);
	RUN(&run, "--config", path, "providers");
	assert_int_equal(run.status, 2);
	assert_err_contains(&run, expected);
	free_run(&run);
}

static void cli_config_missing(void **state)
{
	char path[PATH_MAX];
	char expected[PATH_MAX + 96];
	struct run run;

	(void)state;
	format_path(path, "%s/absent.conf", base_dir);
	format_path(expected,
		    "careteam: %s: cannot open the configuration file: No such "
		    "file or directory\n",
		    path);
	RUN(&run, "--config", path, "search", "x");
	assert_int_equal(run.status, 2);
	assert_err_contains(&run, expected);
	free_run(&run);
}

static void cli_bad_log_file(void **state)
{
	char config[PATH_MAX], log_file[PATH_MAX];
	struct run run;

	(void)state;
	format_path(config, "%s/bad-log.conf", base_dir);
	format_path(log_file, "%s/no-such-folder/careteam.log", base_dir);
	write_config(config, "host=/nonexistent", "file", log_file, "info");

	RUN(&run, "--config", config, "search", "x");
	assert_int_equal(run.status, 2);
	assert_err_contains(&run, "careteam: Invalid configuration.\n");
	assert_err_contains(&run, "log.file: cannot open");
	assert_err_contains(&run, log_file);
	free_run(&run);
}

/* Writes a config that logs to log_file at level and points at no server,
 * runs "search x", and returns the log's text. */
static char *log_of_failed_search(const char *config, const char *log_file,
				  const char *level)
{
	char conninfo[PATH_MAX + 32];
	struct run run;

	format_path(conninfo, "host=%s/no-server port=5", base_dir);
	write_config(config, conninfo, "file", log_file, level);
	RUN(&run, "--config", config, "search", "x");
	assert_int_equal(run.status, 5);
	free_run(&run);
	return read_whole_file(log_file);
}

static void cli_log_file_lines(void **state)
{
	char config[PATH_MAX], log_file[PATH_MAX], expected[PATH_MAX + 64];
	regex_t pattern;
	struct stat status;
	size_t lines = 0;
	char *text;

	(void)state;
	format_path(config, "%s/log.conf", base_dir);
	format_path(log_file, "%s/careteam.log", base_dir);
	text = log_of_failed_search(config, log_file, "debug");

	assert_int_equal(stat(log_file, &status), 0);
	assert_int_equal(status.st_mode & 0777, 0600);
	format_path(expected, " debug config_loaded path=%s\n", config);
	assert_contains_at(text, expected, "the log", __FILE__, __LINE__);
	assert_contains_at(text,
			   " warning command_finished command=search "
			   "outcome=db_unavailable status=5\n",
			   "the log", __FILE__, __LINE__);

	assert_int_equal(regcomp(&pattern,
				 "^[0-9]{4}-[0-9]{2}-[0-9]{2}T"
				 "[0-9]{2}:[0-9]{2}:[0-9]{2}Z "
				 "(error|warning|info|debug) "
				 "[a-z_]+( [a-z_]+=[^ ]*)*$",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	for (char *line = strtok(text, "\n"); line != NULL;
	     line = strtok(NULL, "\n")) {
		if (regexec(&pattern, line, 0, NULL, 0) != 0)
			fail_msg("malformed log line: %s", line);
		lines++;
	}
	regfree(&pattern);
	assert_true(lines >= 3);
	free(text);

	/* The file is opened for appending: a second run adds lines. */
	text = log_of_failed_search(config, log_file, "debug");
	lines *= 2;
	for (char *at = text; (at = strchr(at, '\n')) != NULL; at++)
		lines--;
	assert_int_equal(lines, 0);
	free(text);
}

static void cli_log_level_filters(void **state)
{
	char config[PATH_MAX], log_file[PATH_MAX];
	char *text;

	(void)state;
	format_path(config, "%s/quiet.conf", base_dir);
	format_path(log_file, "%s/quiet.log", base_dir);
	text = log_of_failed_search(config, log_file, "error");
	assert_string_equal(text, "");
	free(text);

	text = log_of_failed_search(config, log_file, "warning");
	assert_contains_at(text, " warning command_finished command=search",
			   "the log", __FILE__, __LINE__);
	if (strstr(text, " debug ") != NULL || strstr(text, " info ") != NULL)
		fail_msg("level warning let a lower line through:\n%s", text);
	free(text);
}

/* A value with a line break stays on one line, escaped, and a value with
 * a space is quoted. */
static void cli_log_escapes_values(void **state)
{
	char config[PATH_MAX], log_file[PATH_MAX], expected[PATH_MAX + 64];
	char *text;

	(void)state;
	format_path(config, "%s/odd name\nwith break.conf", base_dir);
	format_path(log_file, "%s/escaped.log", base_dir);
	text = log_of_failed_search(config, log_file, "debug");
	format_path(expected,
		    " debug config_loaded path=\"%s/odd name\\nwith "
		    "break.conf\"\n",
		    base_dir);
	assert_contains_at(text, expected, "the log", __FILE__, __LINE__);
	free(text);
}

/* ---- Against the test cluster ---- */

static char db_name[64];
static char db_config[PATH_MAX];
static PGconn *db_admin;

static void skip_without_database(void)
{
	if (db_admin == NULL) {
		fprintf(stderr, "CT_TEST_CONNINFO is not set; skipping the "
				"database tests\n");
		skip();
	}
}

static void admin_exec(PGconn *conn, const char *sql)
{
	PGresult *result = PQexec(conn, sql);

	if (PQresultStatus(result) != PGRES_COMMAND_OK &&
	    PQresultStatus(result) != PGRES_TUPLES_OK)
		fail_msg("%s\nfailed: %s", sql, PQerrorMessage(conn));
	PQclear(result);
}

static int setup_database(void **state)
{
	const char *conninfo = getenv("CT_TEST_CONNINFO");
	char sql[128], test_conninfo[2048], log_file[PATH_MAX];

	if (setup_group(state) != 0)
		return -1;
	if (conninfo == NULL || conninfo[0] == '\0')
		return 0;
	db_admin = PQconnectdb(conninfo);
	if (PQstatus(db_admin) != CONNECTION_OK) {
		fprintf(stderr, "cannot connect with CT_TEST_CONNINFO: %s",
			PQerrorMessage(db_admin));
		return -1;
	}
	snprintf(db_name, sizeof(db_name), "careteam_cli_%ld", (long)getpid());
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db_name);
	admin_exec(db_admin, sql);

	/* In a libpq conninfo string a later keyword overrides an earlier. */
	snprintf(test_conninfo, sizeof(test_conninfo), "%s dbname=%s",
		 conninfo, db_name);
	format_path(db_config, "%s/db.conf", base_dir);
	format_path(log_file, "%s/db.log", base_dir);
	write_config(db_config, test_conninfo, "file", log_file, "debug");
	return 0;
}

static int teardown_database(void **state)
{
	char sql[128];

	if (db_admin != NULL) {
		snprintf(sql, sizeof(sql),
			 "DROP DATABASE IF EXISTS %s WITH (FORCE)", db_name);
		admin_exec(db_admin, sql);
		PQfinish(db_admin);
	}
	return teardown_group(state);
}

/* Connects to the test's own database as the superuser. */
static PGconn *connect_test_database(void)
{
	char conninfo[2048];
	PGconn *conn;

	snprintf(conninfo, sizeof(conninfo), "%s dbname=%s",
		 getenv("CT_TEST_CONNINFO"), db_name);
	conn = PQconnectdb(conninfo);
	if (PQstatus(conn) != CONNECTION_OK)
		fail_msg("connect to %s: %s", db_name, PQerrorMessage(conn));
	return conn;
}

static void cli_db_migrate(void **state)
{
	regex_t pattern;
	struct run run;

	(void)state;
	skip_without_database();
	RUN(&run, "--config", db_config, "migrate");
	assert_int_equal(run.status, 0);
	assert_int_equal(regcomp(&pattern,
				 "^applied [1-9][0-9]* migrations?\n$",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	if (regexec(&pattern, run.out, 0, NULL, 0) != 0)
		fail_msg("unexpected migrate output: %s", run.out);
	regfree(&pattern);
	free_run(&run);

	RUN(&run, "--config", db_config, "migrate");
	assert_int_equal(run.status, 0);
	assert_string_equal(run.out, "schema is up to date\n");
	free_run(&run);
}

static void cli_db_not_staff(void **state)
{
	struct run run;

	(void)state;
	skip_without_database();
	RUN(&run, "--config", db_config, "search", "Quill");
	assert_int_equal(run.status, 1);
	assert_string_equal(run.out, "");
	assert_err_contains(&run, "not registered as careteam staff");
	free_run(&run);
}

/* Makes the superuser an admin of one organization with two providers and
 * one patient, all invented. */
static void insert_fixture(void)
{
	PGconn *conn = connect_test_database();

	admin_exec(conn,
		   "INSERT INTO careteam.organizations (code, name)"
		   " VALUES ('cli-test', 'CLI Test Clinic');"
		   "INSERT INTO careteam.staff (role_name, display_name)"
		   " VALUES (current_user, 'Test Admin');"
		   "INSERT INTO careteam.memberships"
		   " (organization_id, staff_id, access_level)"
		   " SELECT o.id, s.id, 'admin' FROM careteam.organizations o,"
		   " careteam.staff s;"
		   "INSERT INTO careteam.providers"
		   " (organization_id, npi, display_name, specialty, active)"
		   " SELECT id, '1000000001', 'Dr. Orla Venn', 'Family "
		   "medicine', true FROM careteam.organizations UNION ALL"
		   " SELECT id, '1000000002', 'Dr. Ilse Marrow', 'Cardiology',"
		   " true FROM careteam.organizations;"
		   "INSERT INTO careteam.patients"
		   " (organization_id, mrn, family_name, given_name,"
		   " birth_date)"
		   " SELECT id, 'CLI-1', 'Quillfeather', 'Ada', '1970-03-04'"
		   " FROM careteam.organizations;");
	PQfinish(conn);
}

static void cli_db_read_commands(void **state)
{
	struct run run;

	(void)state;
	skip_without_database();
	insert_fixture();

	RUN(&run, "--config", db_config, "search", "CLI-1");
	assert_int_equal(run.status, 0);
	assert_string_equal(run.out,
			    "CLI-1\tQuillfeather\tAda\t1970-03-04\t\n");
	free_run(&run);

	RUN(&run, "--config", db_config, "search", "1970-02-30");
	assert_int_equal(run.status, 2);
	assert_err_contains(&run, "1970-02-30");
	free_run(&run);

	RUN(&run, "--config", db_config, "providers");
	assert_int_equal(run.status, 0);
	assert_string_equal(run.out,
			    "1000000002\tDr. Ilse Marrow\tCardiology\t"
			    "active\t0\n"
			    "1000000001\tDr. Orla Venn\tFamily medicine\t"
			    "active\t0\n");
	free_run(&run);

	RUN(&run, "--config", db_config, "show", "CLI-1");
	assert_int_equal(run.status, 0);
	assert_string_equal(run.out, "patient\tCLI-1\tQuillfeather\tAda\t"
				     "1970-03-04\tversion=0\n");
	free_run(&run);
}

static int count_lines(const char *text)
{
	int lines = 0;

	for (; *text != '\0'; text++)
		lines += *text == '\n';
	return lines;
}

/* search prints at most 50 rows and reports on stderr when there are more. */
static void cli_db_search_limit(void **state)
{
	PGconn *conn;
	struct run run;

	(void)state;
	skip_without_database();
	conn = connect_test_database();
	admin_exec(conn, "INSERT INTO careteam.patients"
			 " (organization_id, mrn, family_name, given_name,"
			 " birth_date)"
			 " SELECT o.id, 'LIM-' || n, 'Tallowmere', 'Bo',"
			 " '1980-01-01'"
			 " FROM careteam.organizations o,"
			 " generate_series(1, 50) n");
	RUN(&run, "--config", db_config, "search", "1980-01-01");
	assert_int_equal(run.status, 0);
	assert_int_equal(count_lines(run.out), 50);
	assert_string_equal(run.err, "");
	free_run(&run);

	admin_exec(conn, "INSERT INTO careteam.patients"
			 " (organization_id, mrn, family_name, given_name,"
			 " birth_date)"
			 " SELECT id, 'LIM-51', 'Tallowmere', 'Cy',"
			 " '1980-01-01'"
			 " FROM careteam.organizations");
	PQfinish(conn);
	RUN(&run, "--config", db_config, "search", "1980-01-01");
	assert_int_equal(run.status, 0);
	assert_int_equal(count_lines(run.out), 50);
	assert_err_contains(&run, "showing the first 50 matches");
	free_run(&run);
}

static void cli_db_not_found(void **state)
{
	struct run run;

	(void)state;
	skip_without_database();
	RUN(&run, "--config", db_config, "show", "NOPE-9");
	assert_int_equal(run.status, 4);
	assert_string_equal(run.out, "");
	assert_err_contains(&run, "No patient with that MRN");
	free_run(&run);

	RUN(&run, "--config", db_config, "--org", "elsewhere", "search", "x");
	assert_int_equal(run.status, 4);
	assert_err_contains(&run, "not a member of that organization");
	free_run(&run);

	RUN(&run, "--config", db_config, "assign", "CLI-1", "1999999999",
	    "--role", "SPECIALIST");
	assert_int_equal(run.status, 4);
	assert_err_contains(&run, "No provider with that NPI");
	free_run(&run);
}

/* Returns the number of tab-separated fields on each line of text, or -1
 * when the lines differ. */
static int fields_per_line(const char *text)
{
	int expected = -1;

	for (const char *line = text; *line != '\0';) {
		size_t length = strcspn(line, "\n");
		int fields = 1;

		for (size_t i = 0; i < length; i++)
			fields += line[i] == '\t';
		if (expected >= 0 && fields != expected)
			return -1;
		expected = fields;
		line += length + (line[length] == '\n');
	}
	return expected;
}

static void cli_db_write_cycle(void **state)
{
	static const char team_header[] =
		"patient\tCLI-1\tQuillfeather\tAda\t1970-03-04\tversion=2\n";
	struct run run;
	char *line;

	(void)state;
	skip_without_database();
	RUN(&run, "--config", db_config, "assign", "CLI-1", "1000000002",
	    "--role", "specialist", "--expect-version", "0");
	assert_int_equal(run.status, 0);
	assert_string_equal(run.err, "");
	assert_int_equal(strncmp(run.out, "assigned\t", 9), 0);
	assert_non_null(strstr(run.out, "\tversion=1\n"));
	free_run(&run);

	RUN(&run, "--config", db_config, "assign", "CLI-1", "1000000002",
	    "--role", "CONSULTANT");
	assert_int_equal(run.status, 3);
	assert_err_contains(&run, "already on this patient's care team");
	free_run(&run);

	RUN(&run, "--config", db_config, "remove", "CLI-1", "1000000002",
	    "--reason", "stale view", "--expect-version", "0");
	assert_int_equal(run.status, 3);
	assert_err_contains(&run, "changed after you loaded it");
	free_run(&run);

	RUN(&run, "--config", db_config, "remove", "--expect-version", "1",
	    "CLI-1", "1000000002", "--reason", "moved to\tanother\nclinic");
	assert_int_equal(run.status, 0);
	assert_int_equal(strncmp(run.out, "removed\t", 8), 0);
	assert_non_null(strstr(run.out, "\tversion=2\n"));
	free_run(&run);

	RUN(&run, "--config", db_config, "show", "CLI-1");
	assert_int_equal(run.status, 0);
	line = strchr(run.out, '\n') + 1;
	assert_int_equal(strncmp(run.out, team_header, strlen(team_header)),
			 0);
	assert_int_equal(fields_per_line(line), 11);
	assert_non_null(strstr(line, "\tSPECIALIST\t1000000002\tDr. Ilse "
				     "Marrow\tCardiology\t"));
	assert_non_null(strstr(line, "\tTest Admin\tremoved\t"));
	/* The tab and line break in the reason became spaces. */
	assert_non_null(
		strstr(line, "\tTest Admin\tmoved to another clinic\n"));
	free_run(&run);
}

static void cli_db_primary_changes(void **state)
{
	struct run run;

	(void)state;
	skip_without_database();
	RUN(&run, "--config", db_config, "assign", "CLI-1", "1000000001",
	    "--role", "PRIMARY");
	assert_int_equal(run.status, 0);
	free_run(&run);

	RUN(&run, "--config", db_config, "set-role", "CLI-1", "1000000001",
	    "--role", "PRIMARY");
	assert_int_equal(run.status, 3);
	assert_err_contains(&run, "already has that role");
	free_run(&run);

	RUN(&run, "--config", db_config, "reassign-primary", "CLI-1",
	    "1000000002", "--reason", "patient request");
	assert_int_equal(run.status, 0);
	assert_int_equal(strncmp(run.out, "reassigned\t", 11), 0);
	assert_non_null(strstr(run.out, "\tversion=4"));
	free_run(&run);

	RUN(&run, "--config", db_config, "search", "CLI-1");
	assert_int_equal(run.status, 0);
	assert_string_equal(run.out, "CLI-1\tQuillfeather\tAda\t1970-03-04\t"
				     "Dr. Ilse Marrow\n");
	free_run(&run);

	RUN(&run, "--config", db_config, "providers", "1000000002");
	assert_int_equal(run.status, 0);
	assert_string_equal(run.out,
			    "1000000002\tDr. Ilse Marrow\tCardiology\t"
			    "active\t1\n");
	free_run(&run);
}

/* Without a terminal to ask on, a command of an organization that
 * requires a second factor fails instead of running unverified. */
static void cli_db_code_required(void **state)
{
	PGconn *conn;
	struct run run;

	(void)state;
	skip_without_database();
	conn = connect_test_database();
	admin_exec(conn, "UPDATE careteam.organizations SET require_mfa = true"
			 " WHERE code = 'cli-test'");
	PQfinish(conn);

	RUN(&run, "--config", db_config, "search", "CLI-1");
	assert_int_equal(run.status, 1);
	assert_string_equal(run.out, "");
	assert_err_contains(&run, "requires a second factor");
	assert_err_contains(&run, "standard input is not a terminal");
	free_run(&run);
}

int main(void)
{
	const struct CMUnitTest surface[] = {
		cmocka_unit_test(cli_version),
		cmocka_unit_test(cli_key_table_in_user_guide),
		cmocka_unit_test(cli_help_lists_everything),
		cmocka_unit_test(cli_no_command_not_terminal),
		cmocka_unit_test(cli_unknown_command),
		cmocka_unit_test(cli_unknown_options),
		cmocka_unit_test(cli_argument_counts),
		cmocka_unit_test(cli_required_options),
		cmocka_unit_test(cli_expect_version_numeric),
		cmocka_unit_test(cli_role_checked_first),
		cmocka_unit_test(cli_bad_config_file),
		cmocka_unit_test(cli_config_missing),
		cmocka_unit_test(cli_bad_log_file),
		cmocka_unit_test(cli_log_file_lines),
		cmocka_unit_test(cli_log_level_filters),
		cmocka_unit_test(cli_log_escapes_values),
	};
	/* In order: each test builds on the database state the one before
	 * left. */
	const struct CMUnitTest database[] = {
		cmocka_unit_test(cli_db_migrate),
		cmocka_unit_test(cli_db_not_staff),
		cmocka_unit_test(cli_db_read_commands),
		cmocka_unit_test(cli_db_search_limit),
		cmocka_unit_test(cli_db_not_found),
		cmocka_unit_test(cli_db_write_cycle),
		cmocka_unit_test(cli_db_primary_changes),
		cmocka_unit_test(cli_db_code_required),
	};
	int failures;

	failures = cmocka_run_group_tests_name("cli surface", surface,
					       setup_group, teardown_group);
	failures += cmocka_run_group_tests_name("cli against the database",
						database, setup_database,
						teardown_database);
	return failures != 0;
}
