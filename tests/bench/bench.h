/* careteam's benchmark programs, run by share/scripts/bench.sh against a
 * private cluster it loaded with share/bench/generate.sql. This header
 * declares what the sections share: the settings from the environment,
 * timing and percentiles, the result records written as JSON, and the
 * targets. */
#ifndef CARETEAM_TEST_BENCH_H
#define CARETEAM_TEST_BENCH_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "careteam/config.h"
#include "careteam/session.h"

/* The settings share/scripts/bench.sh passes in the environment. */
struct bench_env {
	const char *admin_conninfo; /* the cluster's superuser */
	const char *login_role;	    /* an ordinary staff role */
	const char *staff_config;   /* careteam's config file for login_role */
	const char *program;	    /* the careteam binary */
	const char *pgbench;
	const char *pgbench_script;
	const char *sections; /* BENCH_SECTIONS, or NULL for all */
	const char *tmpdir;
	const char *results; /* the JSON file to write */
	long patients;
	int seconds; /* per contention run */
	double load_seconds;
	double generate_seconds;
	double vacuum_seconds;
	int64_t org_id;
	/* login_role's conninfo, and the same role with auto_explain. */
	char staff_conninfo[1024];
	char explain_conninfo[1024];
};

/* The bench organization's code, from share/bench/generate.sql. */
#define BENCH_ORG_CODE "bench"

/* Every connection the benchmarks open gives up on a statement after this
 * long, so a plan that scans a million rows per call still ends. */
#define BENCH_STATEMENT_TIMEOUT_MS 5000

/* ---- Time and samples ---- */

/* Returns a monotonic time in milliseconds. */
double bench_now_ms(void);

struct bench_samples {
	double *values; /* milliseconds */
	size_t count;
	size_t capacity;
	/* Samples that hit a timeout; their value is the timeout, so the
	 * percentiles are lower bounds when this is not 0. */
	size_t timeouts;
};

void bench_samples_add(struct bench_samples *samples, double value);
void bench_samples_free(struct bench_samples *samples);

/* Returns the nearest-rank percentile (0 < p <= 100) of the samples, or
 * -1 when there are none. Sorts the values. */
double bench_percentile(struct bench_samples *samples, double p);
double bench_mean(const struct bench_samples *samples);

/* ---- Results ---- */

/* Results are kept as a JSON array of flat objects, one per figure, which
 * main.c writes to env->results at the end. */
void bench_record_begin(const char *section, const char *phase);
void bench_record_text(const char *key, const char *value);
void bench_record_number(const char *key, double value);
void bench_record_integer(const char *key, long long value);
void bench_record_flag(const char *key, bool value);
/* Adds p50, p95, p99, mean, max, count and timeouts with prefix_. */
void bench_record_samples(const char *prefix, struct bench_samples *samples);
void bench_record_end(void);

/* Returns the records written so far as a JSON array; owned by the
 * recorder. */
const char *bench_records_json(void);

/* Appends text to a JSON string literal, quotes included. */
void bench_json_string(char **buffer, size_t *length, size_t *capacity,
		       const char *text);

/* ---- Targets ---- */

/* Notes a target as met or missed with the measured figure, for the
 * summary at the end and the JSON file. */
void bench_target(const char *phase, const char *name, bool met,
		  const char *format, ...)
	__attribute__((format(printf, 4, 5)));

/* Prints every target noted so far. */
void bench_print_targets(void);

/* ---- Failures ---- */

/* Counts and prints an anomaly: a broken invariant or a wrong result. Any
 * anomaly makes the run fail. */
void bench_anomaly(const char *format, ...)
	__attribute__((format(printf, 1, 2)));
long bench_anomalies(void);

/* Prints a message and exits with status 1. */
void bench_fatal(const char *format, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* ---- Database helpers ---- */

PGconn *bench_connect(const char *conninfo);

/* Runs a statement and exits on failure. Returns the result. */
PGresult *bench_sql(PGconn *conn, const char *sql);

/* Runs a query and returns its first field as a number (0 for NULL). */
long long bench_sql_integer(PGconn *conn, const char *sql);

/* Fills config for a session as the staff role, with the given isolation,
 * and logging only errors to stderr. */
void bench_staff_config(const struct bench_env *env,
			enum ct_isolation isolation, struct ct_config *config);

/* Opens a session in the bench organization, exiting on failure. */
void bench_open_session(const struct ct_config *config,
			struct ct_session *session);

/* Returns the MRN of contention patient n (1 to 1000), B0000001 onwards. */
void bench_patient_mrn(int n, char *buffer, size_t size);
/* Returns the NPI of reassignment provider n (1 to 8). */
void bench_provider_npi(int n, char *buffer, size_t size);

/* splitmix64, for picking patients and providers. */
uint64_t bench_random(uint64_t *state);

/* ---- Sections ---- */

void bench_trips(const struct bench_env *env, const char *phase);
void bench_search(const struct bench_env *env, const char *phase);
void bench_keys(const struct bench_env *env, const char *phase);
void bench_contention(const struct bench_env *env, const char *phase);

#endif
