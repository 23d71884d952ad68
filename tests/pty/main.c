/* pty-run: runs careteam's pty scenarios and reports one line per
 * scenario. The environment comes from share/scripts/run-tests.sh; see
 * tests/pty/README.md. */
#include "script.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum {
	SEED_TIMEOUT_MS = 120000,
	STATEMENT_TIMEOUT_MS = 60000,
};

static const char scenarios_dir[] = "tests/pty/scenarios";

static void print_usage(FILE *out)
{
	fprintf(out,
	        "usage: pty-run [SCENARIO...]\n"
	        "Runs every %s/*.scn in name order, or only the named\n"
	        "scenarios (a name such as 00_smoke, or the path of a .scn\n"
	        "file).\n"
	        "\n"
	        "environment:\n"
	        "  CT_TEST_PROGRAM        program to start (required)\n"
	        "  CT_TEST_CONFIG         passed as --config; unset: none\n"
	        "  CT_TEST_CONNINFO       libpq conninfo of the test database "
	        "(superuser)\n"
	        "  CT_TEST_TIMEOUT_SCALE  factor for every timeout (default "
	        "1)\n"
	        "  CT_TEST_TMPDIR         folder for the programs' stderr "
	        "files\n"
	        "  CT_PTY_UPDATE=1        write expected screens instead of "
	        "comparing\n",
	        scenarios_dir);
}

static const char *getenv_nonempty(const char *name)
{
	const char *value = getenv(name);

	return value && *value ? value : NULL;
}

static bool read_timeout_scale(double *scale)
{
	const char *text = getenv_nonempty("CT_TEST_TIMEOUT_SCALE");
	char *end;

	*scale = 1.0;
	if (!text)
		return true;
	errno = 0;
	*scale = strtod(text, &end);
	if (errno == 0 && *end == '\0' && isfinite(*scale) && *scale > 0 &&
	    *scale <= 1000)
		return true;
	fprintf(stderr,
	        "pty-run: invalid CT_TEST_TIMEOUT_SCALE \"%s\": expected a "
	        "number above 0 and at most 1000\n",
	        text);
	return false;
}

/* The folder "pty" next to this binary: build/tests/pty for
 * build/tests/pty-run. */
static char *output_dir_for(const char *argv0)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *dir;
	char *slash;

	if (len <= 0) {
		strncpy(exe, argv0, sizeof exe - 1);
		len = (ssize_t)strnlen(exe, sizeof exe - 1);
	}
	exe[len] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(exe, ".");
	dir = malloc(strlen(exe) + sizeof "/pty");
	if (dir)
		sprintf(dir, "%s/pty", exe);
	return dir;
}

/* ---- the scenario list ---- */

struct path_list {
	char **paths;
	size_t count;
};

static void add_path(struct path_list *list, const char *path)
{
	char **grown =
	    reallocarray(list->paths, list->count + 1, sizeof *list->paths);

	if (!grown || !(grown[list->count] = strdup(path))) {
		fprintf(stderr, "pty-run: out of memory\n");
		abort();
	}
	list->paths = grown;
	list->count++;
}

static void free_paths(struct path_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->paths[i]);
	free(list->paths);
}

static int select_scenario(const struct dirent *entry)
{
	size_t len = strlen(entry->d_name);

	return entry->d_name[0] != '.' && len > 4 &&
	       strcmp(entry->d_name + len - 4, ".scn") == 0;
}

static bool list_all_scenarios(struct path_list *list)
{
	struct dirent **entries;
	int count =
	    scandir(scenarios_dir, &entries, select_scenario, alphasort);

	if (count < 0) {
		fprintf(stderr,
		        "pty-run: failed to read %s: %s (run pty-run from the "
		        "repository root)\n",
		        scenarios_dir, strerror(errno));
		return false;
	}
	for (int i = 0; i < count; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof path, "%s/%s", scenarios_dir,
		         entries[i]->d_name);
		add_path(list, path);
		free(entries[i]);
	}
	free(entries);
	return true;
}

/* A name without '/' means tests/pty/scenarios/NAME[.scn]. */
static void add_named_scenario(struct path_list *list, const char *name)
{
	char path[PATH_MAX];
	size_t len = strlen(name);
	bool has_suffix = len > 4 && strcmp(name + len - 4, ".scn") == 0;

	if (strchr(name, '/')) {
		add_path(list, name);
		return;
	}
	snprintf(path, sizeof path, "%s/%s%s", scenarios_dir, name,
	         has_suffix ? "" : ".scn");
	add_path(list, path);
}

/* ---- the folder for stderr files ---- */

struct tmp_dir {
	char *path;
	bool owned; /* created here, so removed at the end */
};

static bool open_tmp_dir(struct tmp_dir *dir)
{
	const char *configured = getenv_nonempty("CT_TEST_TMPDIR");
	const char *base = getenv_nonempty("TMPDIR");
	char template[PATH_MAX];

	if (configured) {
		dir->path = strdup(configured);
		dir->owned = false;
		if (mkdir(configured, 0700) != 0 && errno != EEXIST) {
			fprintf(stderr, "pty-run: failed to create %s: %s\n",
			        configured, strerror(errno));
			return false;
		}
		return dir->path != NULL;
	}
	snprintf(template, sizeof template, "%s/careteam-pty-XXXXXX",
	         base ? base : "/tmp");
	if (!mkdtemp(template)) {
		fprintf(stderr, "pty-run: failed to create %s: %s\n", template,
		        strerror(errno));
		return false;
	}
	dir->path = strdup(template);
	dir->owned = true;
	return dir->path != NULL;
}

/* Removes an owned folder with the flat files the runner wrote to it. */
static void close_tmp_dir(struct tmp_dir *dir)
{
	DIR *handle;
	struct dirent *entry;

	if (dir->owned && (handle = opendir(dir->path))) {
		while ((entry = readdir(handle))) {
			char path[PATH_MAX];

			if (strcmp(entry->d_name, ".") == 0 ||
			    strcmp(entry->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof path, "%s/%s", dir->path,
			         entry->d_name);
			unlink(path);
		}
		closedir(handle);
		rmdir(dir->path);
	}
	free(dir->path);
}

/* ---- the database ---- */

static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static PGconn *connect_database(const char *conninfo, double scale)
{
	const char *keywords[] = {"dbname", "application_name", NULL};
	const char *values[] = {conninfo, "careteam-pty-run", NULL};
	PGconn *conn = PQconnectdbParams(keywords, values, 1);
	char statement[64];
	PGresult *result;

	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr,
		        "pty-run: failed to connect with CT_TEST_CONNINFO: %s",
		        PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, ignore_notice, NULL);
	/* A statement blocked by a lock the program holds must not hang the
	 * run. */
	snprintf(statement, sizeof statement, "SET statement_timeout = %.0f",
	         STATEMENT_TIMEOUT_MS * scale);
	result = PQexec(conn, statement);
	PQclear(result);
	return conn;
}

/* Sets *exists to whether organization northside is in the database. */
static bool demo_data_loaded(PGconn *conn, bool *exists)
{
	PGresult *result = PQexec(conn, "SELECT 1 FROM careteam.organizations"
	                                " WHERE code = 'northside'");
	bool ok = PQresultStatus(result) == PGRES_TUPLES_OK;

	if (ok)
		*exists = PQntuples(result) > 0;
	else
		fprintf(stderr,
		        "pty-run: failed to check for the demo data: %s",
		        PQresultErrorMessage(result));
	PQclear(result);
	return ok;
}

static _Noreturn void exec_seed(const struct pty_run_settings *settings,
                                int log_fd)
{
	char *argv[5];
	size_t count = 0;
	int null_fd = open("/dev/null", O_RDONLY);

	argv[count++] = (char *)settings->program;
	if (settings->config) {
		argv[count++] = (char *)"--config";
		argv[count++] = (char *)settings->config;
	}
	argv[count++] = (char *)"seed-demo";
	argv[count] = NULL;
	signal(SIGCHLD, SIG_DFL);
	if (null_fd >= 0)
		dup2(null_fd, STDIN_FILENO);
	dup2(log_fd, STDOUT_FILENO);
	dup2(log_fd, STDERR_FILENO);
	execv(settings->program, argv);
	fprintf(stderr, "failed to execute %s: %s\n", settings->program,
	        strerror(errno));
	_exit(127);
}

static void print_file(const char *path)
{
	FILE *file = fopen(path, "r");
	char chunk[4096];
	size_t n;

	if (!file)
		return;
	while ((n = fread(chunk, 1, sizeof chunk, file)) > 0)
		fwrite(chunk, 1, n, stderr);
	fclose(file);
}

/* Runs "PROGRAM --config CONFIG seed-demo" with its output in a log file
 * that is printed when it fails. */
static bool run_seed(const struct pty_run_settings *settings)
{
	char log_path[PATH_MAX];
	int log_fd;
	pid_t pid;
	int status = 0;
	long long deadline;

	snprintf(log_path, sizeof log_path, "%s/seed-demo.log",
	         settings->tmp_dir);
	log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (log_fd < 0) {
		fprintf(stderr, "pty-run: failed to create %s: %s\n", log_path,
		        strerror(errno));
		return false;
	}
	pid = fork();
	if (pid == 0)
		exec_seed(settings, log_fd);
	close(log_fd);
	if (pid < 0) {
		fprintf(stderr, "pty-run: fork failed: %s\n", strerror(errno));
		return false;
	}
	deadline = pty_now_ms() +
	           (long long)(SEED_TIMEOUT_MS * settings->timeout_scale);
	if (!pty_wait_child(pid, &status, deadline)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fprintf(stderr, "pty-run: seed-demo timed out after %.0f s\n",
		        SEED_TIMEOUT_MS * settings->timeout_scale / 1000);
		print_file(log_path);
		return false;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	if (WIFEXITED(status))
		fprintf(stderr, "pty-run: seed-demo failed with status %d:\n",
		        WEXITSTATUS(status));
	else
		fprintf(stderr, "pty-run: seed-demo was killed by signal %d:\n",
		        WTERMSIG(status));
	print_file(log_path);
	return false;
}

/* Loads the demo data once, unless organization northside exists. */
static bool ensure_demo_data(const struct pty_run_settings *settings)
{
	bool exists = false;

	if (!settings->conn) {
		fprintf(stderr,
		        "pty-run: NOTE: CT_TEST_CONNINFO is not set, so the "
		        "demo data is not loaded and sql steps fail\n");
		return true;
	}
	if (!demo_data_loaded(settings->conn, &exists))
		return false;
	if (exists)
		return true;
	if (!run_seed(settings) || !demo_data_loaded(settings->conn, &exists))
		return false;
	if (!exists)
		fprintf(stderr, "pty-run: seed-demo succeeded but organization "
		                "northside is still missing\n");
	return exists;
}

/* ---- running ---- */

static bool run_scenario(const char *path,
                         const struct pty_run_settings *settings)
{
	char err[1024];
	struct pty_script *script = pty_script_load(path, err, sizeof err);
	struct pty_buffer reason = {0};
	struct pty_buffer details = {0};
	bool ok;

	if (!script) {
		char *name = pty_script_name_for(path);

		printf("FAIL %s: %s\n", name ? name : path, err);
		fflush(stdout);
		free(name);
		return false;
	}
	ok = pty_script_run(script, settings, &reason, &details);
	if (ok)
		printf("ok %s\n", pty_script_name(script));
	else
		printf("FAIL %s: %s\n", pty_script_name(script), reason.data);
	fflush(stdout);
	if (!ok && details.len)
		fputs(details.data, stderr);
	pty_buffer_free(&reason);
	pty_buffer_free(&details);
	pty_script_free(script);
	return ok;
}

static int run_scenarios(const struct path_list *list,
                         const struct pty_run_settings *settings)
{
	size_t failed = 0;

	for (size_t i = 0; i < list->count; i++)
		failed += !run_scenario(list->paths[i], settings);
	printf("%zu passed, %zu failed\n", list->count - failed, failed);
	return failed ? 1 : 0;
}

static bool collect_scenarios(int argc, char **argv, struct path_list *list)
{
	if (argc < 2)
		return list_all_scenarios(list);
	for (int i = 1; i < argc; i++)
		add_named_scenario(list, argv[i]);
	return true;
}

static bool parse_options(int argc, char **argv, int *exit_status)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			print_usage(stdout);
			*exit_status = 0;
			return false;
		}
		if (argv[i][0] == '-') {
			fprintf(stderr, "pty-run: unknown option %s\n",
			        argv[i]);
			print_usage(stderr);
			*exit_status = 2;
			return false;
		}
	}
	return true;
}

static bool read_settings(struct pty_run_settings *settings)
{
	const char *update = getenv("CT_PTY_UPDATE");

	settings->program = getenv_nonempty("CT_TEST_PROGRAM");
	settings->config = getenv_nonempty("CT_TEST_CONFIG");
	settings->update_screens = update && strcmp(update, "1") == 0;
	if (!settings->program) {
		fprintf(stderr, "pty-run: CT_TEST_PROGRAM is not set: point "
		                "it at the careteam binary\n");
		return false;
	}
	return read_timeout_scale(&settings->timeout_scale);
}

int main(int argc, char **argv)
{
	struct pty_run_settings settings = {0};
	struct path_list list = {0};
	struct tmp_dir tmp = {0};
	char *output_dir = NULL;
	const char *conninfo = getenv_nonempty("CT_TEST_CONNINFO");
	char err[256];
	int status = 2;

	if (!parse_options(argc, argv, &status) || !read_settings(&settings))
		return status;
	if (!collect_scenarios(argc, argv, &list) ||
	    !(output_dir = output_dir_for(argv[0])) || !open_tmp_dir(&tmp))
		goto out;
	if (!pty_harness_init(err, sizeof err)) {
		fprintf(stderr, "pty-run: %s\n", err);
		goto out;
	}
	settings.output_dir = output_dir;
	settings.tmp_dir = tmp.path;
	status = 1;
	if (conninfo && !(settings.conn = connect_database(
	                      conninfo, settings.timeout_scale)))
		goto out;
	if (ensure_demo_data(&settings))
		status = run_scenarios(&list, &settings);
out:
	pty_harness_shutdown();
	PQfinish(settings.conn);
	if (tmp.path)
		close_tmp_dir(&tmp);
	free(output_dir);
	free_paths(&list);
	return status;
}
