/* The race harness. For each isolation level, K worker processes, each
 * with a session of its own, do N random writes on a fresh organization of
 * 5 patients and 6 providers, and record every outcome. A sampler thread
 * checks the invariants while they run. Afterwards the records are checked
 * against the database (see check.c). The run fails on any anomaly.
 *
 * Sizes: 8 workers x 200 writes by default, 32 x 2,000 with CT_STRESS=1.
 * CT_RACE_WORKERS, CT_RACE_WRITES and CT_RACE_SEED override them, for
 * example to repeat a failing run with the seed it printed. */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "careteam/log.h"
#include "race.h"

#define DEFAULT_WORKERS 8
#define DEFAULT_WRITES 200
#define STRESS_WORKERS 32
#define STRESS_WRITES 2000
#define MAX_WORKERS 100
#define MAX_WRITES 100000
/* Seconds both isolation levels together may take, before
 * CT_TEST_TIMEOUT_SCALE. A level may use what the one before left over.
 * run-tests.sh allows 300 s per binary and 600 s under stress, which also
 * covers the setup and the checks. */
#define DEFAULT_TIME_LIMIT_S 200.0
#define STRESS_TIME_LIMIT_S 540.0
/* Seconds past the limit before the parent kills a worker that has not
 * stopped by itself. */
#define KILL_GRACE_S 30.0
#define MAX_RETRIES 10

static struct race_settings settings;
/* When the time limit of the whole run ends, on race_now()'s clock. */
static double run_deadline_s;

/* Reads a whole number from the environment, or returns fallback. */
static long env_number(const char *name, long fallback, long min, long max)
{
	const char *text = getenv(name);
	char *end;
	long value;

	if (text == NULL || text[0] == '\0')
		return fallback;
	errno = 0;
	value = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || value < min || value > max) {
		fprintf(stderr, "race: %s must be a whole number from %ld to "
				"%ld, got '%s'\n",
			name, min, max, text);
		exit(1);
	}
	return value;
}

static void read_settings(void)
{
	bool stress = getenv("CT_STRESS") != NULL &&
		      strcmp(getenv("CT_STRESS"), "1") == 0;

	settings.workers = (int)env_number(
		"CT_RACE_WORKERS", stress ? STRESS_WORKERS : DEFAULT_WORKERS,
		1, MAX_WORKERS);
	settings.writes = (int)env_number(
		"CT_RACE_WRITES", stress ? STRESS_WRITES : DEFAULT_WRITES, 1,
		MAX_WRITES);
	settings.seed = (uint64_t)env_number("CT_RACE_SEED", (long)time(NULL),
					     0, 0x7fffffffL);
	settings.max_retries = MAX_RETRIES;
	settings.time_limit_s =
		(stress ? STRESS_TIME_LIMIT_S : DEFAULT_TIME_LIMIT_S) *
		ct_test_timeout_scale();
	run_deadline_s = race_now() + settings.time_limit_s;
	settings.tmpdir = getenv("CT_TEST_TMPDIR");
	if (settings.tmpdir == NULL || settings.tmpdir[0] == '\0') {
		fprintf(stderr, "race: CT_TEST_TMPDIR is not set; run it with "
				"make check or make stress\n");
		exit(1);
	}
}

/* Creates the organization: providers 2000000001 to 2000000006, the last
 * inactive, patients RACE-1 to RACE-5 and the clinician roles. */
static void make_org(PGconn *admin, struct race_org *org)
{
	static const char *const provider_names[RACE_PROVIDERS] = {
		"Dr. Ilse Marchetti", "Dr. Kofi Brandauer",
		"Dr. Lucia Oyelaran", "Dr. Matthias Quaye",
		"Dr. Nadia Sorensen", "Dr. Otto Villanueva"};
	static const char *const staff_names[RACE_STAFF] = {
		"Aurelia Thorsby", "Bastien Okoro", "Calla Juarez",
		"Dmitri Halloran"};

	ct_test_make_org(admin,
			 org->isolation == CT_ISOLATION_SERIALIZABLE ? "race-sr"
								     : "race-rc",
			 &org->org);
	for (int i = 0; i < RACE_PROVIDERS; i++) {
		snprintf(org->npis[i], sizeof(org->npis[i]), "200000000%d",
			 i + 1);
		ct_test_add_provider(admin, &org->org, org->npis[i],
				     provider_names[i],
				     i != RACE_INACTIVE_PROVIDER);
	}
	for (int i = 0; i < RACE_PATIENTS; i++) {
		snprintf(org->mrns[i], sizeof(org->mrns[i]), "RACE-%d", i + 1);
		ct_test_add_patient(admin, &org->org, org->mrns[i], "Lindgren",
				    "Petra", "1969-04-21");
		org->patient_ids[i] = atoll(ct_test_sql_value(
			admin,
			"SELECT id FROM careteam.patients WHERE"
			" organization_id = %lld AND mrn = '%s'",
			(long long)org->org.id, org->mrns[i]));
	}
	for (int i = 0; i < RACE_STAFF; i++) {
		snprintf(org->staff_roles[i], sizeof(org->staff_roles[i]),
			 "ct_race_clerk%d", i + 1);
		ct_test_add_staff(admin, &org->org, org->staff_roles[i],
				  staff_names[i], "clinician");
	}
}

static long server_deadlocks(PGconn *admin)
{
	ct_test_sql(admin, "SELECT pg_stat_clear_snapshot()");
	return atol(ct_test_sql_value(admin,
				      "SELECT deadlocks FROM pg_stat_database"
				      " WHERE datname = current_database()"));
}

static void start_workers(const struct race_org *org, pid_t *pids,
			  int gate[2], double deadline_s)
{
	fflush(NULL);
	for (int i = 0; i < settings.workers; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			fail_msg("fork failed: %s", strerror(errno));
		if (pids[i] == 0) {
			close(gate[1]);
			/* _exit: the child must not run the parent's cmocka
			 * handlers or close the parent's connections. */
			_exit(race_worker_run(&settings, org, i, gate[0],
					      deadline_s));
		}
	}
}

/* Waits for every worker; kills those still running past the grace
 * period. */
static void wait_workers(pid_t *pids, double deadline_s,
			 double limit_s, struct race_report *report)
{
	struct timespec pause = {0, 20 * 1000000L};
	int running = settings.workers;

	while (running > 0) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid > 0) {
			running--;
			for (int i = 0; i < settings.workers; i++) {
				if (pids[i] != pid)
					continue;
				pids[i] = 0;
				if (WIFEXITED(status) &&
				    WEXITSTATUS(status) == 3)
					race_anomaly(report,
						     "worker %d stopped at "
						     "the time limit of %.0f s",
						     i, limit_s);
				else if (!WIFEXITED(status) ||
					 WEXITSTATUS(status) != 0)
					race_anomaly(report,
						     "worker %d failed with "
						     "status %d",
						     i, status);
			}
			continue;
		}
		if (race_now() > deadline_s + KILL_GRACE_S) {
			for (int i = 0; i < settings.workers; i++) {
				if (pids[i] > 0)
					kill(pids[i], SIGKILL);
			}
		}
		nanosleep(&pause, NULL);
	}
}

/* Waits until the workers' backends are gone, so the deadlock count and
 * the final state include everything they did. */
static void wait_backends(PGconn *admin, struct race_report *report)
{
	double deadline = race_now() + 10.0 * ct_test_timeout_scale();
	struct timespec pause = {0, 10 * 1000000L};

	while (atoi(ct_test_sql_value(
		       admin,
		       "SELECT count(*) FROM pg_stat_activity"
		       " WHERE application_name = '" RACE_APPLICATION_NAME
		       "'")) > 0) {
		if (race_now() > deadline) {
			race_anomaly(report, "worker backends still running "
					     "10 s after the workers ended");
			return;
		}
		nanosleep(&pause, NULL);
	}
}

static void final_versions(PGconn *admin, const struct race_org *org,
			   int64_t versions[RACE_PATIENTS])
{
	for (int i = 0; i < RACE_PATIENTS; i++)
		versions[i] = atoll(ct_test_sql_value(
			admin,
			"SELECT care_team_version FROM careteam.patients"
			" WHERE organization_id = %lld AND mrn = '%s'",
			(long long)org->org.id, org->mrns[i]));
}

static void print_report(const struct race_org *org,
			 const struct race_report *report, size_t writes,
			 double seconds, long deadlocks)
{
	printf("  %zu writes and %ld loads in %.1f s (%.0f writes/s)\n",
	       writes, report->loads, seconds,
	       seconds > 0 ? (double)writes / seconds : 0.0);
	printf("  outcomes:");
	for (int i = 0; i < CT_OUTCOME_COUNT; i++) {
		if (report->outcome_counts[i] > 0)
			printf(" %s %ld", ct_outcome_name((enum ct_outcome)i),
			       report->outcome_counts[i]);
	}
	printf("\n  retries: %ld, in %ld writes; deadlocks reported by the "
	       "server: %ld\n",
	       report->retries, report->retried_writes, deadlocks);
	printf("race (%s): %ld anomalies\n", org->mode_name,
	       report->anomalies);
	fflush(stdout);
}

/* Runs one isolation level; levels_left counts it and those after it,
 * which share the time that is left. */
static void run_mode(enum ct_isolation isolation, int levels_left)
{
	PGconn *admin = ct_test_admin_connect();
	static struct race_org org;
	struct race_report report = {0};
	struct race_sampler *sampler;
	struct race_record *records;
	int64_t versions[RACE_PATIENTS];
	pid_t pids[MAX_WORKERS];
	int gate[2];
	long deadlocks;
	double started, deadline;
	size_t count;

	memset(&org, 0, sizeof(org));
	org.isolation = isolation;
	org.mode_name = isolation == CT_ISOLATION_SERIALIZABLE
		? "serializable"
		: "read committed";
	make_org(admin, &org);
	printf("race (%s): %d workers x %d writes on organization %s, seed "
	       "%" PRIu64 "\n",
	       org.mode_name, settings.workers, settings.writes, org.org.code,
	       settings.seed);
	deadlocks = server_deadlocks(admin);

	assert_int_equal(pipe(gate), 0);
	started = race_now();
	deadline = started + (run_deadline_s - started) / levels_left;
	start_workers(&org, pids, gate, deadline);
	close(gate[0]);
	sampler = race_sampler_start(&org);
	/* Closing the pipe starts every worker at once. */
	close(gate[1]);
	wait_workers(pids, deadline, deadline - started, &report);
	started = race_now() - started;

	wait_backends(admin, &report);
	final_versions(admin, &org, versions);
	race_sampler_finish(sampler, versions, &report);
	count = race_read_records(&settings, &org, &records, &report);
	race_check(admin, &org, records, count, &report);
	print_report(&org, &report, count, started,
		     server_deadlocks(admin) - deadlocks);
	free(records);
	PQfinish(admin);
	if (report.anomalies > 0)
		fail_msg("race (%s): %ld anomalies; rerun with CT_RACE_SEED="
			 "%" PRIu64 " to repeat the choices of the writes",
			 org.mode_name, report.anomalies, settings.seed);
}

static void test_read_committed(void **state)
{
	(void)state;
	run_mode(CT_ISOLATION_READ_COMMITTED, 2);
}

static void test_serializable(void **state)
{
	(void)state;
	run_mode(CT_ISOLATION_SERIALIZABLE, 1);
}

/* Sends the library's log lines of every process to one file, which
 * run-tests.sh keeps with the scratch folder when CT_TEST_KEEP=1. Each
 * line is one write(2) to an O_APPEND descriptor, so the workers do not
 * interleave within a line. */
static void open_log(void)
{
	struct ct_config config;
	struct ct_error err;

	ct_config_defaults(&config);
	config.log_destination = CT_LOG_TO_FILE;
	config.log_level = CT_LOG_WARNING;
	snprintf(config.log_file, sizeof(config.log_file), "%s/race.log",
		 settings.tmpdir);
	if (ct_log_open(&config, &err) != CT_OK) {
		fprintf(stderr, "race: %s\n", err.detail);
		exit(1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_committed),
		cmocka_unit_test(test_serializable),
	};

	read_settings();
	open_log();
	return cmocka_run_group_tests_name("race", tests, NULL, NULL) == 0 ? 0
									 : 1;
}
