/* The sampler thread of the race harness. While the workers run, it checks
 * every few milliseconds that no patient has two active PRIMARYs, that no
 * provider is on a team twice and that no version goes backwards. It also
 * counts the change notifications that the trigger sends. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "race.h"

/* Pause between samples. */
#define SAMPLE_INTERVAL_MS 10
/* How long to wait for the last notifications after the workers end. */
#define DRAIN_TIMEOUT_S 10.0
/* Anomalies printed per kind; the rest are only counted. */
#define PRINT_LIMIT 5

struct race_sampler {
	const struct race_org *org;
	PGconn *conn;
	pthread_t thread;
	atomic_bool stop;
	long samples;
	long double_primary;
	long duplicate_pair;
	long version_regressions;
	long failed_queries;
	int64_t last_versions[RACE_PATIENTS];
	int64_t notifications[RACE_PATIENTS];
	long foreign_notifications;
	char first_error[256];
};

double race_now(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Returns the index of a patient id of the organization, or -1. */
static int patient_index(const struct race_org *org, int64_t id)
{
	for (int i = 0; i < RACE_PATIENTS; i++) {
		if (org->patient_ids[i] == id)
			return i;
	}
	return -1;
}

/* Counts one payload, {"organization_id" : N, "patient_id" : M}. */
static void count_payload(struct race_sampler *sampler, const char *payload)
{
	const char *org_at = strstr(payload, "\"organization_id\"");
	const char *patient_at = strstr(payload, "\"patient_id\"");
	int index;

	if (org_at == NULL || patient_at == NULL ||
	    strtoll(strchr(org_at, ':') + 1, NULL, 10) !=
		    sampler->org->org.id) {
		sampler->foreign_notifications++;
		return;
	}
	index = patient_index(sampler->org,
			      strtoll(strchr(patient_at, ':') + 1, NULL, 10));
	if (index < 0)
		sampler->foreign_notifications++;
	else
		sampler->notifications[index]++;
}

static void read_notifications(struct race_sampler *sampler)
{
	PGnotify *notify;

	PQconsumeInput(sampler->conn);
	while ((notify = PQnotifies(sampler->conn)) != NULL) {
		count_payload(sampler, notify->extra);
		PQfreemem(notify);
	}
}

static void check_versions(struct race_sampler *sampler, const char *list)
{
	char copy[256];
	char *field, *rest = NULL;
	int i = 0;

	snprintf(copy, sizeof(copy), "%s", list);
	for (field = strtok_r(copy, ",", &rest);
	     field != NULL && i < RACE_PATIENTS;
	     field = strtok_r(NULL, ",", &rest), i++) {
		int64_t version = strtoll(field, NULL, 10);

		if (version < sampler->last_versions[i] &&
		    sampler->version_regressions++ < PRINT_LIMIT)
			fprintf(stderr,
				"race: anomaly: patient %s went from version "
				"%" PRId64 " back to %" PRId64 "\n",
				sampler->org->mrns[i],
				sampler->last_versions[i], version);
		sampler->last_versions[i] = version;
	}
}

static void take_sample(struct race_sampler *sampler)
{
	char sql[1024];
	PGresult *result;
	long long org = (long long)sampler->org->org.id;

	snprintf(sql, sizeof(sql),
		 "SELECT (SELECT count(*) FROM (SELECT patient_id"
		 " FROM careteam.care_team_assignments WHERE organization_id"
		 " = %lld AND role = 'PRIMARY' AND removed_at IS NULL"
		 " GROUP BY patient_id HAVING count(*) > 1) twice),"
		 " (SELECT count(*) FROM (SELECT patient_id"
		 " FROM careteam.care_team_assignments WHERE organization_id"
		 " = %lld AND removed_at IS NULL GROUP BY patient_id,"
		 " provider_id HAVING count(*) > 1) pairs),"
		 " (SELECT string_agg(care_team_version::text, ','"
		 " ORDER BY id) FROM careteam.patients"
		 " WHERE organization_id = %lld)",
		 org, org, org);
	result = PQexec(sampler->conn, sql);
	if (PQresultStatus(result) != PGRES_TUPLES_OK) {
		if (sampler->failed_queries++ == 0)
			snprintf(sampler->first_error,
				 sizeof(sampler->first_error), "%s",
				 PQerrorMessage(sampler->conn));
		PQclear(result);
		return;
	}
	sampler->samples++;
	if (atol(PQgetvalue(result, 0, 0)) > 0 &&
	    sampler->double_primary++ < PRINT_LIMIT)
		fprintf(stderr, "race: anomaly: a patient has two active "
				"PRIMARYs during the run\n");
	if (atol(PQgetvalue(result, 0, 1)) > 0 &&
	    sampler->duplicate_pair++ < PRINT_LIMIT)
		fprintf(stderr, "race: anomaly: a provider is on a team twice "
				"during the run\n");
	check_versions(sampler, PQgetvalue(result, 0, 2));
	PQclear(result);
}

static void *run_sampler(void *argument)
{
	struct race_sampler *sampler = argument;
	struct timespec pause = {0, SAMPLE_INTERVAL_MS * 1000000L};

	while (!atomic_load(&sampler->stop)) {
		take_sample(sampler);
		read_notifications(sampler);
		/* A fixed pause bounds the load the sampler adds; the stop
		 * flag, not the pause, ends the loop. */
		nanosleep(&pause, NULL);
	}
	return NULL;
}

struct race_sampler *race_sampler_start(const struct race_org *org)
{
	struct race_sampler *sampler = calloc(1, sizeof(*sampler));

	if (sampler == NULL) {
		fprintf(stderr, "race: out of memory\n");
		exit(1);
	}
	sampler->org = org;
	sampler->conn = ct_test_admin_connect();
	ct_test_sql(sampler->conn, "LISTEN careteam_care_team");
	if (pthread_create(&sampler->thread, NULL, run_sampler, sampler) !=
	    0) {
		fprintf(stderr, "race: cannot start the sampler thread\n");
		exit(1);
	}
	return sampler;
}

static bool all_notified(const struct race_sampler *sampler,
			 const int64_t expected[RACE_PATIENTS])
{
	for (int i = 0; i < RACE_PATIENTS; i++) {
		if (sampler->notifications[i] < expected[i])
			return false;
	}
	return true;
}

/* Waits on the socket for the notifications still on their way. */
static void drain_notifications(struct race_sampler *sampler,
				const int64_t expected[RACE_PATIENTS])
{
	double deadline = race_now() + DRAIN_TIMEOUT_S;
	struct pollfd socket = {.fd = PQsocket(sampler->conn),
				.events = POLLIN};

	/* A query makes the backend deliver what is queued for it. */
	PQclear(PQexec(sampler->conn, "SELECT 1"));
	read_notifications(sampler);
	while (!all_notified(sampler, expected) && race_now() < deadline) {
		if (poll(&socket, 1, 100) < 0 && errno != EINTR)
			break;
		read_notifications(sampler);
	}
}

static void report_notifications(const struct race_sampler *sampler,
				 const int64_t expected[RACE_PATIENTS],
				 struct race_report *report)
{
	for (int i = 0; i < RACE_PATIENTS; i++) {
		if (sampler->notifications[i] != expected[i])
			race_anomaly(report,
				     "patient %s: %" PRId64 " change "
				     "notifications for %" PRId64
				     " committed changes",
				     sampler->org->mrns[i],
				     sampler->notifications[i], expected[i]);
	}
}

void race_sampler_finish(struct race_sampler *sampler,
			 const int64_t expected[RACE_PATIENTS],
			 struct race_report *report)
{
	int64_t total = 0, received = 0;

	atomic_store(&sampler->stop, true);
	pthread_join(sampler->thread, NULL);
	drain_notifications(sampler, expected);

	report->anomalies += sampler->double_primary +
			     sampler->duplicate_pair +
			     sampler->version_regressions;
	if (sampler->failed_queries > 0)
		race_anomaly(report, "%ld sampler queries failed, the first: %s",
			     sampler->failed_queries, sampler->first_error);
	if (sampler->samples == 0)
		race_anomaly(report, "the sampler took no sample");
	report_notifications(sampler, expected, report);
	for (int i = 0; i < RACE_PATIENTS; i++) {
		total += expected[i];
		received += sampler->notifications[i];
	}
	printf("  sampler: %ld samples; %ld with two PRIMARYs, %ld with a "
	       "provider twice, %ld with a version going back\n",
	       sampler->samples, sampler->double_primary,
	       sampler->duplicate_pair, sampler->version_regressions);
	printf("  notifications: %" PRId64 " received for %" PRId64
	       " committed changes\n",
	       received, total);
	PQfinish(sampler->conn);
	free(sampler);
}
