/* bench-run: careteam's benchmarks. share/scripts/bench.sh starts a private
 * cluster, loads it and runs this program with the environment below. It
 * runs every section, or those BENCH_SECTIONS names (a comma-separated
 * list of trips, search, contention, keys and bulk), on the schema as
 * migrated. It prints tables as it goes and writes
 * every figure to BENCH_RESULTS as JSON. The exit status is 1 when any
 * anomaly was found, such as two active PRIMARYs or a wrong result. A
 * missed target only shows in the report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "careteam/log.h"
#include "pty/harness.h"

#define PHASE_MIGRATED "migrated"

static const char *required(const char *name)
{
	const char *value = getenv(name);

	if (value == NULL || value[0] == '\0')
		bench_fatal("%s is not set; run the benchmarks with make bench",
			    name);
	return value;
}

static double number(const char *name)
{
	const char *value = getenv(name);

	return value != NULL ? atof(value) : -1;
}

static void read_env(struct bench_env *env)
{
	memset(env, 0, sizeof(*env));
	env->admin_conninfo = required("BENCH_ADMIN_CONNINFO");
	env->login_role = required("BENCH_LOGIN_ROLE");
	env->staff_config = required("BENCH_STAFF_CONFIG");
	env->program = required("BENCH_PROGRAM");
	env->pgbench = required("BENCH_PGBENCH");
	env->pgbench_script = required("BENCH_PGBENCH_SCRIPT");
	env->sections = getenv("BENCH_SECTIONS");
	env->tmpdir = required("BENCH_TMPDIR");
	env->results = required("BENCH_RESULTS");
	env->patients = atol(required("BENCH_PATIENTS"));
	env->seconds = atoi(required("BENCH_SECONDS"));
	env->load_seconds = number("BENCH_LOAD_SECONDS");
	env->generate_seconds = number("BENCH_GENERATE_SECONDS");
	env->vacuum_seconds = number("BENCH_VACUUM_SECONDS");
	/* The proxy reads these too. */
	required("CT_TEST_SOCKET_DIR");
	required("CT_TEST_PORT");
	required("CT_TEST_DBNAME");
	if (env->seconds < 1 || env->patients < 1)
		bench_fatal(
			"BENCH_SECONDS and BENCH_PATIENTS must be positive");
	snprintf(env->staff_conninfo, sizeof(env->staff_conninfo),
		 "%s user=%s options='-c statement_timeout=%d'",
		 env->admin_conninfo, env->login_role,
		 BENCH_STATEMENT_TIMEOUT_MS);
	snprintf(env->explain_conninfo, sizeof(env->explain_conninfo),
		 "%s user=%s_explain", env->admin_conninfo, env->login_role);
}

/* ---- The machine ---- */

struct machine {
	long cpus;
	long memory_kb;
	char cpu_model[160];
	char kernel[200];
	char postgresql[256];
	char load_start[64];
	char load_end[64];
	char started_utc[32];
};

/* Copies the value of the first line of file starting with key. */
static void read_line_value(const char *file, const char *key, char *buffer,
			    size_t size)
{
	char line[512];
	FILE *in = fopen(file, "r");

	buffer[0] = '\0';
	while (in != NULL && fgets(line, sizeof(line), in) != NULL) {
		char *colon;

		if (strncmp(line, key, strlen(key)) != 0 ||
		    (colon = strchr(line, ':')) == NULL)
			continue;
		colon++;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		snprintf(buffer, size, "%s", colon);
		buffer[strcspn(buffer, "\n")] = '\0';
		break;
	}
	if (in != NULL)
		fclose(in);
}

static void read_load(char *buffer, size_t size)
{
	FILE *in = fopen("/proc/loadavg", "r");

	buffer[0] = '\0';
	if (in != NULL && fgets(buffer, (int)size, in) != NULL)
		buffer[strcspn(buffer, "\n")] = '\0';
	if (in != NULL)
		fclose(in);
}

static void describe_machine(PGconn *admin, struct machine *machine)
{
	struct utsname name;
	char memory[64];
	time_t now = time(NULL);
	PGresult *result;

	memset(machine, 0, sizeof(*machine));
	machine->cpus = sysconf(_SC_NPROCESSORS_ONLN);
	read_line_value("/proc/meminfo", "MemTotal", memory, sizeof(memory));
	machine->memory_kb = atol(memory);
	read_line_value("/proc/cpuinfo", "model name", machine->cpu_model,
			sizeof(machine->cpu_model));
	if (uname(&name) == 0)
		snprintf(machine->kernel, sizeof(machine->kernel), "%s %s %s",
			 name.sysname, name.release, name.machine);
	result = bench_sql(admin, "SELECT version() || ', shared_buffers '"
				  " || current_setting('shared_buffers')");
	snprintf(machine->postgresql, sizeof(machine->postgresql), "%s",
		 PQgetvalue(result, 0, 0));
	PQclear(result);
	read_load(machine->load_start, sizeof(machine->load_start));
	strftime(machine->started_utc, sizeof(machine->started_utc),
		 "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
}

static void print_header(const struct bench_env *env,
			 const struct machine *machine)
{
	printf("== careteam benchmarks, %s\n", machine->started_utc);
	printf("machine: %ld CPUs (%s), %ld MB memory, %s\n", machine->cpus,
	       machine->cpu_model, machine->memory_kb / 1024, machine->kernel);
	printf("server:  %s\n", machine->postgresql);
	printf("load average at start: %s\n", machine->load_start);
	printf("data:    %ld patients, loaded in %.1f s (generate %.1f s, "
	       "VACUUM (ANALYZE) %.1f s)\n",
	       env->patients, env->load_seconds, env->generate_seconds,
	       env->vacuum_seconds);
}

/* ---- The results file ---- */

static void write_text(FILE *out, const char *key, const char *value,
		       const char *end)
{
	char *buffer = NULL;
	size_t length = 0, capacity = 0;

	bench_json_string(&buffer, &length, &capacity, value);
	fprintf(out, "    \"%s\": %s%s\n", key, buffer, end);
	free(buffer);
}

static void write_results(const struct bench_env *env,
			  const struct machine *machine)
{
	FILE *out = fopen(env->results, "w");

	if (out == NULL)
		bench_fatal("cannot write %s", env->results);
	fprintf(out, "{\n  \"run\": {\n");
	write_text(out, "started_utc", machine->started_utc, ",");
	write_text(out, "command", "make bench", ",");
	fprintf(out, "    \"patients\": %ld,\n", env->patients);
	fprintf(out, "    \"contention_seconds\": %d,\n", env->seconds);
	fprintf(out, "    \"load_seconds\": %.1f,\n", env->load_seconds);
	fprintf(out, "    \"generate_seconds\": %.1f,\n",
		env->generate_seconds);
	fprintf(out, "    \"vacuum_seconds\": %.1f,\n", env->vacuum_seconds);
	fprintf(out, "    \"cpus\": %ld,\n", machine->cpus);
	fprintf(out, "    \"memory_kb\": %ld,\n", machine->memory_kb);
	write_text(out, "cpu_model", machine->cpu_model, ",");
	write_text(out, "kernel", machine->kernel, ",");
	write_text(out, "postgresql", machine->postgresql, ",");
	write_text(out, "load_average_start", machine->load_start, ",");
	write_text(out, "load_average_end", machine->load_end, ",");
	write_text(out, "sections",
		   env->sections != NULL ? env->sections : "all", ",");
	write_text(out, "bulk_transfer", "not built", ",");
	fprintf(out, "    \"anomalies\": %ld\n  },\n", bench_anomalies());
	fprintf(out, "  \"results\": %s\n  ]\n}\n", bench_records_json());
	if (fclose(out) != 0)
		bench_fatal("writing %s failed", env->results);
}

/* Sends the data layer's log lines to stderr, errors only: the retries
 * that contention provokes are counted, not logged. */
static void open_log(void)
{
	struct ct_config config;
	struct ct_error err = {0};

	ct_config_defaults(&config);
	config.log_destination = CT_LOG_TO_STDERR;
	config.log_level = CT_LOG_ERROR;
	if (ct_log_open(&config, &err) != CT_OK)
		bench_fatal("cannot open the log: %s", err.detail);
}

/* ---- Phases ---- */

/* Returns whether BENCH_SECTIONS, when set, names the section. */
static bool section_selected(const struct bench_env *env, const char *name)
{
	size_t length = strlen(name);
	const char *at = env->sections;

	if (at == NULL || at[0] == '\0')
		return true;
	while ((at = strstr(at, name)) != NULL) {
		bool starts = at == env->sections || at[-1] == ',';
		bool ends = at[length] == '\0' || at[length] == ',';

		if (starts && ends)
			return true;
		at += length;
	}
	return false;
}

/* Runs one section and prints how long it took. */
static void run_section(void (*section)(const struct bench_env *, const char *),
			const char *name, const struct bench_env *env,
			const char *phase)
{
	if (!section_selected(env, name))
		return;
	double started = bench_now_ms();

	section(env, phase);
	printf("(%.0f s)\n", (bench_now_ms() - started) / 1000.0);
}

static void report_bulk(void)
{
	printf("\n== Bulk transfer of a 2,500-patient PRIMARY panel: not "
	       "built\n");
	bench_record_begin("bulk_transfer", PHASE_MIGRATED);
	bench_record_text("status", "not built");
	bench_record_end();
}

int main(void)
{
	struct bench_env env;
	struct machine machine;
	PGconn *admin;

	setvbuf(stdout, NULL, _IOLBF, 0);
	read_env(&env);
	open_log();
	admin = bench_connect(env.admin_conninfo);
	env.org_id =
		bench_sql_integer(admin, "SELECT id FROM"
					 " careteam.organizations"
					 " WHERE code = '" BENCH_ORG_CODE "'");
	if (env.org_id == 0)
		bench_fatal("organization " BENCH_ORG_CODE " not found; load "
			    "share/bench/generate.sql first");
	describe_machine(admin, &machine);
	PQfinish(admin);
	print_header(&env, &machine);

	/* Contention forks its workers before the pty harness installs its
	 * SIGCHLD handler. */
	run_section(bench_trips, "trips", &env, PHASE_MIGRATED);
	run_section(bench_search, "search", &env, PHASE_MIGRATED);
	run_section(bench_contention, "contention", &env, PHASE_MIGRATED);
	run_section(bench_keys, "keys", &env, PHASE_MIGRATED);
	if (section_selected(&env, "bulk"))
		report_bulk();
	pty_harness_shutdown();

	read_load(machine.load_end, sizeof(machine.load_end));
	printf("\nload average at end: %s\n", machine.load_end);
	bench_print_targets();
	write_results(&env, &machine);
	if (bench_anomalies() > 0) {
		fprintf(stderr,
			"bench-run: %ld anomalies; see the messages "
			"above\n",
			bench_anomalies());
		return 1;
	}
	return 0;
}
