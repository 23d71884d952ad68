/* Timing, percentiles, the result record, targets and database helpers
 * that every benchmark section uses. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

double bench_now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec * 1000.0 + (double)now.tv_nsec / 1e6;
}

static void *grow(void *items, size_t *capacity, size_t size)
{
	void *grown;

	*capacity = *capacity ? *capacity * 2 : 256;
	grown = realloc(items, *capacity * size);
	if (grown == NULL)
		bench_fatal("out of memory");
	return grown;
}

void bench_samples_add(struct bench_samples *samples, double value)
{
	if (samples->count == samples->capacity)
		samples->values = grow(samples->values, &samples->capacity,
				       sizeof(*samples->values));
	samples->values[samples->count++] = value;
}

void bench_samples_free(struct bench_samples *samples)
{
	free(samples->values);
	memset(samples, 0, sizeof(*samples));
}

static int compare_doubles(const void *left, const void *right)
{
	double a = *(const double *)left, b = *(const double *)right;

	return (a > b) - (a < b);
}

double bench_percentile(struct bench_samples *samples, double p)
{
	size_t rank;

	if (samples->count == 0)
		return -1;
	qsort(samples->values, samples->count, sizeof(*samples->values),
	      compare_doubles);
	rank = (size_t)ceil(p / 100.0 * (double)samples->count);
	if (rank < 1)
		rank = 1;
	return samples->values[rank - 1];
}

double bench_mean(const struct bench_samples *samples)
{
	double sum = 0;

	if (samples->count == 0)
		return -1;
	for (size_t i = 0; i < samples->count; i++)
		sum += samples->values[i];
	return sum / (double)samples->count;
}

/* ---- JSON records ---- */

static char *records;
static size_t records_length, records_capacity;
static bool record_open, record_has_field;

static void append_text(char **buffer, size_t *length, size_t *capacity,
			const char *text)
{
	size_t add = strlen(text);

	while (*length + add + 1 > *capacity)
		*buffer = grow(*buffer, capacity, 1);
	memcpy(*buffer + *length, text, add + 1);
	*length += add;
}

void bench_json_string(char **buffer, size_t *length, size_t *capacity,
		       const char *text)
{
	char escaped[8];

	append_text(buffer, length, capacity, "\"");
	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		if (*c == '"' || *c == '\\') {
			snprintf(escaped, sizeof(escaped), "\\%c", *c);
		} else if (*c == '\n') {
			snprintf(escaped, sizeof(escaped), "\\n");
		} else if (*c < 0x20) {
			snprintf(escaped, sizeof(escaped), "\\u%04x", *c);
		} else {
			escaped[0] = (char)*c;
			escaped[1] = '\0';
		}
		append_text(buffer, length, capacity, escaped);
	}
	append_text(buffer, length, capacity, "\"");
}

static void begin_field(const char *key)
{
	if (!record_open)
		bench_fatal("a result field %s outside a record", key);
	append_text(&records, &records_length, &records_capacity,
		    record_has_field ? ", " : "");
	bench_json_string(&records, &records_length, &records_capacity, key);
	append_text(&records, &records_length, &records_capacity, ": ");
	record_has_field = true;
}

void bench_record_begin(const char *section, const char *phase)
{
	append_text(&records, &records_length, &records_capacity,
		    records_length == 0 ? "[\n  {" : ",\n  {");
	record_open = true;
	record_has_field = false;
	bench_record_text("section", section);
	bench_record_text("phase", phase);
}

void bench_record_text(const char *key, const char *value)
{
	begin_field(key);
	bench_json_string(&records, &records_length, &records_capacity, value);
}

void bench_record_number(const char *key, double value)
{
	char text[64];

	begin_field(key);
	/* A missing figure (-1), NaN or infinity is written as null. */
	if (isfinite(value) && value >= 0)
		snprintf(text, sizeof(text), "%.3f", value);
	else
		snprintf(text, sizeof(text), "null");
	append_text(&records, &records_length, &records_capacity, text);
}

void bench_record_integer(const char *key, long long value)
{
	char text[32];

	begin_field(key);
	snprintf(text, sizeof(text), "%lld", value);
	append_text(&records, &records_length, &records_capacity, text);
}

void bench_record_flag(const char *key, bool value)
{
	begin_field(key);
	append_text(&records, &records_length, &records_capacity,
		    value ? "true" : "false");
}

void bench_record_samples(const char *prefix, struct bench_samples *samples)
{
	static const struct {
		const char *suffix;
		double p;
	} points[] = {{"p50_ms", 50},
		      {"p95_ms", 95},
		      {"p99_ms", 99},
		      {"max_ms", 100}};
	char key[128];

	for (size_t i = 0; i < sizeof(points) / sizeof(*points); i++) {
		snprintf(key, sizeof(key), "%s_%s", prefix, points[i].suffix);
		bench_record_number(key,
				    bench_percentile(samples, points[i].p));
	}
	snprintf(key, sizeof(key), "%s_mean_ms", prefix);
	bench_record_number(key, bench_mean(samples));
	snprintf(key, sizeof(key), "%s_count", prefix);
	bench_record_integer(key, (long long)samples->count);
	snprintf(key, sizeof(key), "%s_timeouts", prefix);
	bench_record_integer(key, (long long)samples->timeouts);
}

void bench_record_end(void)
{
	append_text(&records, &records_length, &records_capacity, "}");
	record_open = false;
}

const char *bench_records_json(void)
{
	append_text(&records, &records_length, &records_capacity, "");
	return records_length > 0 ? records : "[";
}

/* ---- Targets ---- */

struct target {
	char phase[32];
	char name[96];
	bool met;
	char figure[160];
};

static struct target *targets;
static size_t target_count, target_capacity;

void bench_target(const char *phase, const char *name, bool met,
		  const char *format, ...)
{
	struct target *target;
	va_list args;

	if (target_count == target_capacity)
		targets = grow(targets, &target_capacity, sizeof(*targets));
	target = &targets[target_count++];
	snprintf(target->phase, sizeof(target->phase), "%s", phase);
	snprintf(target->name, sizeof(target->name), "%s", name);
	target->met = met;
	va_start(args, format);
	vsnprintf(target->figure, sizeof(target->figure), format, args);
	va_end(args);

	bench_record_begin("target", phase);
	bench_record_text("target", name);
	bench_record_flag("met", met);
	bench_record_text("measured", target->figure);
	bench_record_end();
}

void bench_print_targets(void)
{
	printf("\n== Targets\n");
	printf("%-16s %-46s %-7s %s\n", "phase", "target", "verdict",
	       "measured");
	for (size_t i = 0; i < target_count; i++)
		printf("%-16s %-46s %-7s %s\n", targets[i].phase,
		       targets[i].name, targets[i].met ? "met" : "MISSED",
		       targets[i].figure);
}

/* ---- Failures ---- */

static long anomaly_count;

void bench_anomaly(const char *format, ...)
{
	va_list args;

	anomaly_count++;
	fprintf(stderr, "bench-run: anomaly: ");
	va_start(args, format);
	vfprintf(stderr, format, args);
	va_end(args);
	fputc('\n', stderr);
}

long bench_anomalies(void)
{
	return anomaly_count;
}

void bench_fatal(const char *format, ...)
{
	va_list args;

	fflush(stdout);
	fprintf(stderr, "bench-run: ");
	va_start(args, format);
	vfprintf(stderr, format, args);
	va_end(args);
	fputc('\n', stderr);
	exit(1);
}

/* ---- Database helpers ---- */

PGconn *bench_connect(const char *conninfo)
{
	PGconn *conn = PQconnectdb(conninfo);

	if (PQstatus(conn) != CONNECTION_OK)
		bench_fatal("cannot connect (%s): %s", conninfo,
			    PQerrorMessage(conn));
	return conn;
}

PGresult *bench_sql(PGconn *conn, const char *sql)
{
	PGresult *result = PQexec(conn, sql);

	if (PQresultStatus(result) != PGRES_COMMAND_OK &&
	    PQresultStatus(result) != PGRES_TUPLES_OK)
		bench_fatal("SQL failed: %s\n  statement: %.300s",
			    PQresultErrorMessage(result), sql);
	return result;
}

long long bench_sql_integer(PGconn *conn, const char *sql)
{
	PGresult *result = bench_sql(conn, sql);
	long long value = 0;

	if (PQntuples(result) > 0 && !PQgetisnull(result, 0, 0))
		value = atoll(PQgetvalue(result, 0, 0));
	PQclear(result);
	return value;
}

void bench_staff_config(const struct bench_env *env,
			enum ct_isolation isolation, struct ct_config *config)
{
	ct_config_defaults(config);
	snprintf(config->conninfo, sizeof(config->conninfo), "%s",
		 env->staff_conninfo);
	config->isolation = isolation;
	config->max_retries = 5;
	config->log_destination = CT_LOG_TO_STDERR;
	config->log_level = CT_LOG_ERROR;
}

void bench_open_session(const struct ct_config *config,
			struct ct_session *session)
{
	struct ct_error err = {0};
	enum ct_outcome outcome;

	outcome = ct_session_open(config, BENCH_ORG_CODE, session, &err);
	if (outcome != CT_OK)
		bench_fatal("ct_session_open(%s) failed: %s: %s",
			    BENCH_ORG_CODE, ct_outcome_name(outcome),
			    err.detail);
}

void bench_patient_mrn(int n, char *buffer, size_t size)
{
	snprintf(buffer, size, "B%07d", n);
}

void bench_provider_npi(int n, char *buffer, size_t size)
{
	snprintf(buffer, size, "%lld", 2000000000LL + n);
}

uint64_t bench_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
