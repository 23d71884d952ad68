/* The interactive screen through the pty harness. It measures the time from
 * start to the search screen and the time from each key typed into the
 * search field to the result list for the new text. It also reads the peak
 * resident set size of the careteam process over a scripted session. The
 * texts it waits for are the search screen's, from src/ui/labels.h. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "careteam/patients.h"
#include "pty/harness.h"

#define KEYS_COLS	      80
#define KEYS_ROWS	      24
#define KEYS_STARTS	      3
#define KEYS_START_TIMEOUT_MS 30000
/* A key whose results take longer counts as timed out at this time. */
#define KEYS_KEY_TIMEOUT_MS 10000
/* The typing stops after this many timed-out keys or this long, and the
 * typed texts are timed alone for at most as long. */
#define KEYS_TIMEOUTS_MAX    2
#define KEYS_TYPING_LIMIT_MS 60000.0
#define KEYS_QUERY_CHARS     12
#define KEYS_SEARCH_LIMIT    200

static const char hint_text[] = "Type a name, an MRN or a date of birth";
static const char prompt_text[] = " Find: ";
/* Status lines that mean the list shows the results for the field. */
static const char *const result_texts[] = {
	"patients found.", "1 patient found.", "No patient matches.",
	"matches are shown."};

static bool harness_ready;

struct keys_result {
	struct bench_samples startup;
	struct bench_samples keystroke;
	struct bench_samples query_alone;
	long peak_rss_kb;
	/* The texts typed, one per measured key, for timing them alone. */
	char (*typed)[64];
	size_t typed_count;
};

static struct pty_terminal *start_program(const struct bench_env *env,
					  const char *phase, int number)
{
	char *argv[] = {(char *)env->program, (char *)"--config",
			(char *)env->staff_config, NULL};
	char stderr_path[600], err[256];
	struct pty_spawn spawn = {
		.name = "careteam",
		.program = env->program,
		.argv = argv,
		.stderr_path = stderr_path,
		.cols = KEYS_COLS,
		.rows = KEYS_ROWS,
	};
	struct pty_terminal *terminal;

	snprintf(stderr_path, sizeof(stderr_path), "%s/keys-%s-%d.stderr",
		 env->tmpdir, phase, number);
	terminal = pty_terminal_start(&spawn, err, sizeof(err));
	if (terminal == NULL)
		bench_fatal("cannot start %s in a pty: %s", env->program, err);
	return terminal;
}

/* Copies the text of the search field, right-trimmed, or "" when the
 * screen shows no field. *row is the field's row. */
static bool field_text(const struct pty_terminal *terminal, char *buffer,
		       size_t size, int *row)
{
	for (int r = 0; r < KEYS_ROWS; r++) {
		char *text = pty_terminal_row(terminal, r);
		size_t length;

		if (text == NULL)
			continue;
		if (strncmp(text, prompt_text, strlen(prompt_text)) != 0) {
			free(text);
			continue;
		}
		snprintf(buffer, size, "%s", text + strlen(prompt_text));
		length = strlen(buffer);
		while (length > 0 && buffer[length - 1] == ' ')
			buffer[--length] = '\0';
		free(text);
		*row = r;
		return true;
	}
	return false;
}

static bool shows_results(const struct pty_terminal *terminal, int row)
{
	char *status = pty_terminal_row(terminal, row + 1);
	bool found = false;

	for (size_t i = 0;
	     status != NULL && i < sizeof(result_texts) / sizeof(*result_texts);
	     i++)
		found = found || strstr(status, result_texts[i]) != NULL;
	free(status);
	return found;
}

/* Whether the field contains text and the list shows its results. */
static bool shows_query(const struct pty_terminal *terminal, const char *text)
{
	char field[256];
	int row;

	return field_text(terminal, field, sizeof(field), &row) &&
	       strcmp(field, text) == 0 && shows_results(terminal, row);
}

/* Polls until the screen contains text (or, with text NULL, shows the
 * results for query) or the deadline passes. */
static bool wait_for(struct pty_terminal *terminal, const char *text,
		     const char *query, long long deadline)
{
	for (;;) {
		bool done = text != NULL ? pty_terminal_contains(terminal, text)
					 : shows_query(terminal, query);

		if (done)
			return true;
		if (pty_terminal_exited(terminal, NULL) ||
		    pty_now_ms() >= deadline)
			return false;
		pty_poll(pty_remaining_ms(deadline));
	}
}

static bool send_text(struct pty_terminal *terminal, const char *bytes,
		      size_t length)
{
	char err[256];

	if (pty_terminal_send(terminal, bytes, length, pty_now_ms() + 5000, err,
			      sizeof(err)))
		return true;
	bench_anomaly("keys: sending to careteam failed: %s", err);
	return false;
}

static void measure_startup(const struct bench_env *env, const char *phase,
			    struct keys_result *result)
{
	for (int i = 0; i < KEYS_STARTS; i++) {
		double t0 = bench_now_ms();
		struct pty_terminal *terminal = start_program(env, phase, i);

		if (wait_for(terminal, hint_text, NULL,
			     pty_now_ms() + KEYS_START_TIMEOUT_MS))
			bench_samples_add(&result->startup,
					  bench_now_ms() - t0);
		else
			bench_anomaly("keys: careteam showed no search screen "
				      "within %d ms (see %s)",
				      KEYS_START_TIMEOUT_MS,
				      pty_terminal_stderr_path(terminal));
		pty_terminal_free(terminal);
	}
}

/* Returns the number of bytes of the UTF-8 character at text. */
static size_t char_length(const char *text)
{
	unsigned char lead = (unsigned char)*text;
	size_t length = 4;

	if (lead < 0x80)
		length = 1;
	else if (lead < 0xe0)
		length = 2;
	else if (lead < 0xf0)
		length = 3;

	for (size_t i = 1; i < length; i++) {
		if (text[i] == '\0')
			return i;
	}
	return length;
}

static void remember_typed(struct keys_result *result, const char *text)
{
	result->typed = realloc(result->typed, (result->typed_count + 1) *
						       sizeof(*result->typed));
	if (result->typed == NULL)
		bench_fatal("out of memory");
	snprintf(result->typed[result->typed_count++], sizeof(*result->typed),
		 "%s", text);
}

/* Types query one character at a time and times each key that changes
 * the trimmed text. Returns false when typing should stop. */
static bool type_query(struct pty_terminal *terminal, const char *query,
		       struct keys_result *result)
{
	char typed[64] = "", trimmed[64] = "", previous[64] = "";
	size_t used = 0, chars = 0;

	for (const char *c = query; *c != '\0' && chars < KEYS_QUERY_CHARS;
	     chars++) {
		size_t length = char_length(c);
		double t0;

		if (used + length >= sizeof(typed))
			break;
		memcpy(typed + used, c, length);
		used += length;
		typed[used] = '\0';
		c += length;
		snprintf(trimmed, sizeof(trimmed), "%s", typed);
		while (strlen(trimmed) > 0 &&
		       trimmed[strlen(trimmed) - 1] == ' ')
			trimmed[strlen(trimmed) - 1] = '\0';

		t0 = bench_now_ms();
		if (!send_text(terminal, typed + used - length, length))
			return false;
		if (strcmp(trimmed, previous) == 0)
			continue;
		snprintf(previous, sizeof(previous), "%s", trimmed);
		if (!wait_for(terminal, NULL, trimmed,
			      pty_now_ms() + KEYS_KEY_TIMEOUT_MS)) {
			result->keystroke.timeouts++;
			bench_samples_add(&result->keystroke,
					  KEYS_KEY_TIMEOUT_MS);
			return false;
		}
		bench_samples_add(&result->keystroke, bench_now_ms() - t0);
		remember_typed(result, trimmed);
	}
	return true;
}

/* Clears the field with Ctrl-U and waits for the empty screen. */
static bool clear_field(struct pty_terminal *terminal)
{
	return send_text(terminal, "\025", 1) &&
	       wait_for(terminal, hint_text, NULL,
			pty_now_ms() + KEYS_KEY_TIMEOUT_MS);
}

/* Finds the pid of this process's child running careteam, or 0. */
static pid_t find_child(void)
{
	DIR *proc = opendir("/proc");
	struct dirent *entry;
	pid_t found = 0;

	while (proc != NULL && found == 0 && (entry = readdir(proc)) != NULL) {
		char path[300], comm[64];
		int pid = atoi(entry->d_name), ppid = 0;
		FILE *stat;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		stat = fopen(path, "r");
		if (stat == NULL)
			continue;
		if (fscanf(stat, "%*d (%63[^)]) %*c %d", comm, &ppid) == 2 &&
		    ppid == getpid() && strcmp(comm, "careteam") == 0)
			found = pid;
		fclose(stat);
	}
	if (proc != NULL)
		closedir(proc);
	return found;
}

/* Returns VmHWM, the peak resident set size, of pid in kB, or -1. */
static long peak_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *status;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	status = fopen(path, "r");
	while (status != NULL && fgets(line, sizeof(line), status) != NULL) {
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	}
	if (status != NULL)
		fclose(status);
	return kb;
}

static void load_typing_queries(PGconn *admin, char queries[][64],
				size_t *count)
{
	PGresult *result = bench_sql(
		admin,
		"(SELECT query FROM bench.search_queries WHERE kind ="
		" 'prefix' ORDER BY id LIMIT 2) UNION ALL (SELECT query FROM"
		" bench.search_queries WHERE kind = 'unaccented' ORDER BY"
		" id LIMIT 2) UNION ALL (SELECT query FROM"
		" bench.search_queries WHERE kind = 'misspelt' ORDER BY id"
		" LIMIT 2)");

	*count = (size_t)PQntuples(result);
	for (size_t i = 0; i < *count; i++)
		snprintf(queries[i], 64, "%s", PQgetvalue(result, (int)i, 0));
	PQclear(result);
}

/* Types the queries, opens the first result and goes back, then reads
 * the process's peak RSS. */
static void scripted_session(const struct bench_env *env, const char *phase,
			     struct keys_result *result)
{
	PGconn *admin = bench_connect(env->admin_conninfo);
	char queries[8][64];
	size_t count;
	double started = bench_now_ms();
	struct pty_terminal *terminal = start_program(env, phase, KEYS_STARTS);
	pid_t pid;

	load_typing_queries(admin, queries, &count);
	PQfinish(admin);
	if (!wait_for(terminal, hint_text, NULL,
		      pty_now_ms() + KEYS_START_TIMEOUT_MS)) {
		bench_anomaly("keys: careteam showed no search screen");
		pty_terminal_free(terminal);
		return;
	}
	for (size_t i = 0; i < count; i++) {
		bool typed = type_query(terminal, queries[i], result);

		if (!typed && result->keystroke.timeouts >= KEYS_TIMEOUTS_MAX)
			break;
		if (i + 1 == count && typed) {
			/* Open the first patient found, then back. */
			send_text(terminal, "\r", 1);
			wait_for(terminal, "Care team", NULL,
				 pty_now_ms() + KEYS_KEY_TIMEOUT_MS);
			send_text(terminal, "q", 1);
			wait_for(terminal, prompt_text, NULL,
				 pty_now_ms() + KEYS_KEY_TIMEOUT_MS);
		}
		if (!clear_field(terminal) ||
		    bench_now_ms() - started > KEYS_TYPING_LIMIT_MS)
			break;
	}
	pid = find_child();
	result->peak_rss_kb = pid > 0 ? peak_rss_kb(pid) : -1;
	pty_terminal_free(terminal);
}

/* Times each typed text through the data layer alone, as the search
 * screen sends it. */
static void time_queries_alone(const struct bench_env *env,
			       struct keys_result *result)
{
	struct ct_session session;
	struct ct_config config;
	double started = bench_now_ms();

	bench_staff_config(env, CT_ISOLATION_READ_COMMITTED, &config);
	bench_open_session(&config, &session);
	for (size_t i = 0; i < result->typed_count &&
			   bench_now_ms() - started < KEYS_TYPING_LIMIT_MS;
	     i++) {
		struct ct_patient_list list;
		struct ct_error err = {0};
		double t0 = bench_now_ms();

		if (ct_patients_search(&session, result->typed[i],
				       KEYS_SEARCH_LIMIT, &list,
				       &err) != CT_OK) {
			result->query_alone.timeouts++;
			bench_samples_add(&result->query_alone,
					  BENCH_STATEMENT_TIMEOUT_MS);
			continue;
		}
		bench_samples_add(&result->query_alone, bench_now_ms() - t0);
		ct_patient_list_free(&list);
	}
	ct_session_close(&session);
}

/* Cancels searches that a stopped careteam left running on the server. */
static void cancel_leftovers(const struct bench_env *env)
{
	PGconn *admin = bench_connect(env->admin_conninfo);
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "SELECT pg_cancel_backend(pid) FROM pg_stat_activity"
		 " WHERE usename = '%s' AND state = 'active'",
		 env->login_role);
	PQclear(bench_sql(admin, sql));
	PQfinish(admin);
}

static void report(const char *phase, struct keys_result *result)
{
	double key_p50 = bench_percentile(&result->keystroke, 50);
	double key_p99 = bench_percentile(&result->keystroke, 99);

	printf("\n== Interactive screen, %dx%d (%s)\n", KEYS_COLS, KEYS_ROWS,
	       phase);
	printf("start to search screen: p50 %.0f ms, max %.0f ms over %zu "
	       "starts\n",
	       bench_percentile(&result->startup, 50),
	       bench_percentile(&result->startup, 100), result->startup.count);
	printf("key to result list:     p50 %.1f ms, p99 %.1f ms over %zu keys"
	       " (%zu timed out at %d ms)\n",
	       key_p50, key_p99, result->keystroke.count,
	       result->keystroke.timeouts, KEYS_KEY_TIMEOUT_MS);
	printf("the same queries alone: p50 %.1f ms, p99 %.1f ms\n",
	       bench_percentile(&result->query_alone, 50),
	       bench_percentile(&result->query_alone, 99));
	printf("peak RSS of careteam:   %ld kB (VmHWM)\n", result->peak_rss_kb);

	bench_record_begin("interactive", phase);
	bench_record_samples("startup", &result->startup);
	bench_record_samples("keystroke", &result->keystroke);
	bench_record_samples("query_alone", &result->query_alone);
	bench_record_integer("peak_rss_kb", result->peak_rss_kb);
	bench_record_integer("columns", KEYS_COLS);
	bench_record_integer("rows", KEYS_ROWS);
	bench_record_end();
}

void bench_keys(const struct bench_env *env, const char *phase)
{
	struct keys_result result;
	char err[256];

	memset(&result, 0, sizeof(result));
	if (!harness_ready) {
		if (!pty_harness_init(err, sizeof(err)))
			bench_fatal("pty harness: %s", err);
		harness_ready = true;
	}
	measure_startup(env, phase, &result);
	scripted_session(env, phase, &result);
	cancel_leftovers(env);
	time_queries_alone(env, &result);
	report(phase, &result);
	bench_samples_free(&result.startup);
	bench_samples_free(&result.keystroke);
	bench_samples_free(&result.query_alone);
	free(result.typed);
}
