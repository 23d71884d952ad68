/* Contention: 1, 8 and 32 sessions reassign the PRIMARY of 1 patient, or
 * of 1,000, for a fixed time, once through careteam's data layer (one
 * process per session) and once through pgbench running the same
 * statement (share/bench/reassign_primary.sql). Both run under READ
 * COMMITTED, careteam's default, and with 8 and 32 sessions on 1 patient
 * under SERIALIZABLE. After every run the
 * database is checked as the race harness checks it: each patient has
 * exactly one active PRIMARY, and its care_team_version and assignment
 * rows grew by exactly the number of successful reassignments, each of
 * which reported its own new version. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "careteam/care_team.h"

#define CONTENTION_PROVIDERS	   8
#define CONTENTION_PATIENTS_MAX	   1000
#define CONTENTION_SESSIONS_MAX	   32
#define CONTENTION_READY_TIMEOUT_S 120

static const int session_counts[] = {1, 8, CONTENTION_SESSIONS_MAX};
static const int patient_counts[] = {1, CONTENTION_PATIENTS_MAX};

struct worker_stats {
	long completed; /* writes that returned an outcome */
	long ok;
	long unchanged;
	long conflicts;
	long errors;
	long retries; /* attempts beyond the first */
	char first_error[200];
};

/* Shared between the parent and its workers (mmap). */
struct shared {
	struct worker_stats workers[CONTENTION_SESSIONS_MAX];
	long ok[CONTENTION_PATIENTS_MAX];
	long long version_sum[CONTENTION_PATIENTS_MAX];
};

/* One patient's state before or after a run. */
struct patient_state {
	long long version;
	long long rows;
	long long primaries;
};

struct snapshot {
	struct patient_state patients[CONTENTION_PATIENTS_MAX];
	long long receipts;
};

struct run_figures {
	double seconds;
	long completed, ok, unchanged, conflicts, errors, retries;
	long long failed; /* pgbench: transactions that failed */
};

static const char *isolation_name(enum ct_isolation isolation)
{
	return isolation == CT_ISOLATION_SERIALIZABLE ? "serializable"
						      : "read committed";
}

/* ---- Workers ---- */

static void count_outcome(struct shared *shared, struct worker_stats *stats,
			  int patient, const struct ct_write_result *result)
{
	stats->retries += result->attempts > 1 ? result->attempts - 1 : 0;
	switch (result->outcome) {
	case CT_OK:
		stats->completed++;
		stats->ok++;
		__atomic_add_fetch(&shared->ok[patient], 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&shared->version_sum[patient],
				   (long long)result->care_team_version,
				   __ATOMIC_RELAXED);
		break;
	case CT_UNCHANGED:
		stats->completed++;
		stats->unchanged++;
		break;
	case CT_CONFLICT_SERIALIZATION:
	case CT_CONFLICT_PRIMARY:
	case CT_STALE:
		stats->conflicts++;
		break;
	default:
		/* No primary, a lost connection or a database error: none
		 * can happen here. */
		if (stats->errors++ == 0)
			snprintf(stats->first_error, sizeof(stats->first_error),
				 "%s: %.150s", ct_outcome_name(result->outcome),
				 result->error.detail);
		break;
	}
}

/* Runs in a child: opens a session, reports ready, waits for the gate to
 * close, then reassigns until the time is up. */
static void run_worker(const struct bench_env *env, enum ct_isolation isolation,
		       int patients, int index, int ready_fd, int gate_fd,
		       struct shared *shared)
{
	struct worker_stats *stats = &shared->workers[index];
	struct ct_session session;
	struct ct_config config;
	struct ct_error err = {0};
	uint64_t state = 0x5eed0000u + (uint64_t)index * 7919u;
	char byte = 1, mrn[16], npi[16];
	double deadline;

	bench_staff_config(env, isolation, &config);
	if (ct_session_open(&config, BENCH_ORG_CODE, &session, &err) != CT_OK) {
		snprintf(stats->first_error, sizeof(stats->first_error),
			 "ct_session_open: %.150s", err.detail);
		stats->errors++;
		_exit(1);
	}
	if (write(ready_fd, &byte, 1) != 1 || read(gate_fd, &byte, 1) != 0)
		_exit(1);
	deadline = bench_now_ms() + env->seconds * 1000.0;
	while (bench_now_ms() < deadline) {
		int patient = (int)(bench_random(&state) % (uint64_t)patients);
		int provider =
			1 + (int)(bench_random(&state) % CONTENTION_PROVIDERS);
		struct ct_write_request request = {
			.mrn = mrn,
			.npi = npi,
			.reason = "Benchmark reassignment",
			.expected_version = CT_VERSION_ANY,
		};
		struct ct_write_result result;

		bench_patient_mrn(patient + 1, mrn, sizeof(mrn));
		bench_provider_npi(provider, npi, sizeof(npi));
		ct_care_team_reassign_primary(&session, &request, &result);
		count_outcome(shared, stats, patient, &result);
	}
	ct_session_close(&session);
	_exit(0);
}

/* Waits for count ready bytes, or fails after the timeout. */
static bool wait_ready(int fd, int count)
{
	double deadline = bench_now_ms() + CONTENTION_READY_TIMEOUT_S * 1000.0;
	char byte;

	while (count > 0 && bench_now_ms() < deadline) {
		ssize_t got = read(fd, &byte, 1);

		if (got == 1)
			count--;
		else if (got == 0 || errno != EINTR)
			return false;
	}
	return count == 0;
}

static void run_careteam(const struct bench_env *env,
			 enum ct_isolation isolation, int sessions,
			 int patients, struct shared *shared,
			 struct run_figures *figures)
{
	int ready[2], gate[2];
	pid_t pids[CONTENTION_SESSIONS_MAX];
	double started;

	memset(shared, 0, sizeof(*shared));
	if (pipe(ready) != 0 || pipe(gate) != 0)
		bench_fatal("pipe failed: %s", strerror(errno));
	fflush(NULL);
	for (int i = 0; i < sessions; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			bench_fatal("fork failed: %s", strerror(errno));
		if (pids[i] == 0) {
			close(ready[0]);
			close(gate[1]);
			run_worker(env, isolation, patients, i, ready[1],
				   gate[0], shared);
		}
	}
	close(ready[1]);
	close(gate[0]);
	if (!wait_ready(ready[0], sessions))
		bench_anomaly("contention: not every worker opened a session");
	started = bench_now_ms();
	close(gate[1]);
	for (int i = 0; i < sessions; i++) {
		int status;

		while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bench_anomaly("contention: worker %d ended with status "
				      "%d: %s",
				      i, status,
				      shared->workers[i].first_error);
	}
	memset(figures, 0, sizeof(*figures));
	figures->seconds = (bench_now_ms() - started) / 1000.0;
	close(ready[0]);

	for (int i = 0; i < sessions; i++) {
		const struct worker_stats *w = &shared->workers[i];

		figures->completed += w->completed;
		figures->ok += w->ok;
		figures->unchanged += w->unchanged;
		figures->conflicts += w->conflicts;
		figures->errors += w->errors;
		figures->retries += w->retries;
		if (w->errors > 0)
			bench_anomaly(
				"contention: worker %d had %ld errors, the "
				"first %s",
				i, w->errors, w->first_error);
	}
}

/* ---- pgbench ---- */

/* Returns the number after label on a line of pgbench's report. */
static bool parse_figure(const char *output, const char *label, double *value)
{
	const char *at = strstr(output, label);

	return at != NULL && sscanf(at + strlen(label), "%lf", value) == 1;
}

/* Runs pgbench and returns its report, or NULL. The caller frees it. */
static char *run_pgbench_process(const struct bench_env *env,
				 enum ct_isolation isolation, int sessions,
				 int patients)
{
	char clients[16], threads[16], seconds[16], org[48], count[48];
	char *argv[32];
	int argc = 0, out[2], status;
	char *report = NULL;
	size_t length = 0;
	FILE *stream;
	pid_t pid;

	snprintf(clients, sizeof(clients), "%d", sessions);
	snprintf(threads, sizeof(threads), "%d", sessions < 2 ? 1 : 2);
	snprintf(seconds, sizeof(seconds), "%d", env->seconds);
	snprintf(org, sizeof(org), "org=%lld", (long long)env->org_id);
	snprintf(count, sizeof(count), "patients=%d", patients);
	argv[argc++] = (char *)env->pgbench;
	argv[argc++] = (char *)"--no-vacuum";
	argv[argc++] = (char *)"--protocol=extended";
	argv[argc++] = (char *)"--file";
	argv[argc++] = (char *)env->pgbench_script;
	argv[argc++] = (char *)"--client";
	argv[argc++] = clients;
	argv[argc++] = (char *)"--jobs";
	argv[argc++] = threads;
	argv[argc++] = (char *)"--time";
	argv[argc++] = seconds;
	argv[argc++] = (char *)"--define";
	argv[argc++] = org;
	argv[argc++] = (char *)"--define";
	argv[argc++] = count;
	/* careteam retries a serialization failure up to 5 times. */
	argv[argc++] = (char *)"--max-tries=6";
	argv[argc++] = (char *)"--host";
	argv[argc++] = getenv("CT_TEST_SOCKET_DIR");
	argv[argc++] = (char *)"--port";
	argv[argc++] = getenv("CT_TEST_PORT");
	argv[argc++] = (char *)"--username";
	argv[argc++] = (char *)env->login_role;
	argv[argc++] = getenv("CT_TEST_DBNAME");
	argv[argc] = NULL;

	if (pipe(out) != 0)
		bench_fatal("pipe failed: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		bench_fatal("fork failed: %s", strerror(errno));
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(out[1], STDERR_FILENO);
		close(out[0]);
		close(out[1]);
		/* READ COMMITTED is the server's default. */
		if (isolation == CT_ISOLATION_SERIALIZABLE)
			setenv("PGOPTIONS",
			       "-c default_transaction_isolation=serializable",
			       1);
		else
			unsetenv("PGOPTIONS");
		execv(env->pgbench, argv);
		_exit(127);
	}
	close(out[1]);
	stream = open_memstream(&report, &length);
	if (stream == NULL)
		bench_fatal("open_memstream failed");
	for (;;) {
		char buffer[4096];
		ssize_t got = read(out[0], buffer, sizeof(buffer));

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		fwrite(buffer, 1, (size_t)got, stream);
	}
	fclose(stream);
	close(out[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		bench_anomaly("contention: pgbench failed (status %d):\n%s",
			      status, report);
		free(report);
		return NULL;
	}
	return report;
}

static void run_pgbench(const struct bench_env *env,
			enum ct_isolation isolation, int sessions, int patients,
			struct run_figures *figures)
{
	char *report = run_pgbench_process(env, isolation, sessions, patients);
	double processed = 0, tps = 0, failed = 0, retries = 0;

	memset(figures, 0, sizeof(*figures));
	if (report == NULL)
		return;
	if (!parse_figure(report, "number of transactions actually processed:",
			  &processed) ||
	    !parse_figure(report, "tps = ", &tps)) {
		bench_anomaly("contention: cannot read pgbench's report:\n%s",
			      report);
		free(report);
		return;
	}
	parse_figure(report, "number of failed transactions:", &failed);
	parse_figure(report, "total number of retries:", &retries);
	figures->completed = (long)processed;
	figures->failed = (long long)failed;
	figures->conflicts = (long)failed;
	figures->retries = (long)retries;
	/* Throughput as pgbench computes it, without connection time. */
	figures->seconds = tps > 0 ? processed / tps : 0;
	free(report);
}

/* ---- Checks ---- */

static void take_snapshot(PGconn *admin, const struct bench_env *env,
			  struct snapshot *snapshot)
{
	char sql[1024];
	PGresult *result;

	memset(snapshot, 0, sizeof(*snapshot));
	snprintf(sql, sizeof(sql),
		 "SELECT substr(p.mrn, 2)::integer, p.care_team_version,"
		 " count(a.id),"
		 " count(a.id) FILTER (WHERE a.role = 'PRIMARY'"
		 "  AND a.removed_at IS NULL)"
		 " FROM careteam.patients p"
		 " LEFT JOIN careteam.care_team_assignments a"
		 " ON a.organization_id = p.organization_id"
		 " AND a.patient_id = p.id"
		 " WHERE p.organization_id = %lld"
		 " AND p.mrn BETWEEN 'B0000001' AND 'B%07d'"
		 " AND p.mrn ~ '^B[0-9]{7}$'"
		 " GROUP BY p.organization_id, p.id",
		 (long long)env->org_id, CONTENTION_PATIENTS_MAX);
	result = bench_sql(admin, sql);
	if (PQntuples(result) != CONTENTION_PATIENTS_MAX)
		bench_fatal("expected %d contention patients, found %d",
			    CONTENTION_PATIENTS_MAX, PQntuples(result));
	for (int row = 0; row < PQntuples(result); row++) {
		int n = atoi(PQgetvalue(result, row, 0));
		struct patient_state *state = &snapshot->patients[n - 1];

		state->version = atoll(PQgetvalue(result, row, 1));
		state->rows = atoll(PQgetvalue(result, row, 2));
		state->primaries = atoll(PQgetvalue(result, row, 3));
	}
	PQclear(result);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM careteam.write_receipts"
		 " WHERE organization_id = %lld",
		 (long long)env->org_id);
	snapshot->receipts = bench_sql_integer(admin, sql);
}

/* Checks the database after a run and returns the successful
 * reassignments it shows. With shared set the run was careteam's, so each
 * patient's successes must also match what its workers saw. */
static long check_run(const struct snapshot *before,
		      const struct snapshot *after, const struct shared *shared,
		      long completed, const char *label)
{
	long changed = 0;

	for (int p = 0; p < CONTENTION_PATIENTS_MAX; p++) {
		const struct patient_state *b = &before->patients[p];
		const struct patient_state *a = &after->patients[p];
		long long versions = a->version - b->version;

		changed += (long)versions;
		if (a->primaries != 1)
			bench_anomaly(
				"%s: patient B%07d has %lld active PRIMARY"
				" assignments",
				label, p + 1, a->primaries);
		if (a->rows - b->rows != versions)
			bench_anomaly(
				"%s: patient B%07d gained %lld versions but "
				"%lld assignment rows",
				label, p + 1, versions, a->rows - b->rows);
		if (shared == NULL)
			continue;
		if (versions != shared->ok[p])
			bench_anomaly("%s: patient B%07d gained %lld versions, "
				      "but %ld reassignments succeeded",
				      label, p + 1, versions, shared->ok[p]);
		/* Successes on one patient report b+1, b+2, ..., b+k. */
		if (shared->version_sum[p] !=
		    shared->ok[p] * b->version +
			    shared->ok[p] * (shared->ok[p] + 1) / 2)
			bench_anomaly(
				"%s: patient B%07d: the successful writes "
				"did not report versions %lld to %lld",
				label, p + 1, b->version + 1,
				b->version + shared->ok[p]);
	}
	if (after->receipts - before->receipts != completed)
		bench_anomaly("%s: %lld write receipts were stored for %ld "
			      "completed writes",
			      label, after->receipts - before->receipts,
			      completed);
	return changed;
}

/* ---- One configuration ---- */

static double throughput(const struct run_figures *figures)
{
	return figures->seconds > 0 ? figures->completed / figures->seconds : 0;
}

static void record(const char *phase, enum ct_isolation isolation, int sessions,
		   int patients, const char *client,
		   const struct run_figures *figures, long changed)
{
	bench_record_begin("contention", phase);
	bench_record_text("client", client);
	bench_record_text("isolation", isolation_name(isolation));
	bench_record_integer("sessions", sessions);
	bench_record_integer("patients", patients);
	bench_record_number("seconds", figures->seconds);
	bench_record_integer("completed", figures->completed);
	bench_record_number("per_second", throughput(figures));
	bench_record_integer("reassigned", changed);
	bench_record_integer("unchanged", figures->unchanged);
	bench_record_integer("conflicts", figures->conflicts);
	bench_record_integer("retries", figures->retries);
	bench_record_integer("errors", figures->errors);
	bench_record_end();
}

/* Runs careteam then pgbench on one configuration and returns the ratio
 * of their throughputs. */
static double run_configuration(PGconn *admin, const struct bench_env *env,
				const char *phase, enum ct_isolation isolation,
				int sessions, int patients,
				struct shared *shared)
{
	static struct snapshot before, after;
	struct run_figures careteam, pgbench;
	char label[96];
	long changed, pgbench_changed;
	double ratio;

	snprintf(label, sizeof(label), "contention %s %d/%d",
		 isolation_name(isolation), sessions, patients);
	take_snapshot(admin, env, &before);
	run_careteam(env, isolation, sessions, patients, shared, &careteam);
	take_snapshot(admin, env, &after);
	changed = check_run(&before, &after, shared, careteam.completed, label);

	take_snapshot(admin, env, &before);
	run_pgbench(env, isolation, sessions, patients, &pgbench);
	take_snapshot(admin, env, &after);
	pgbench_changed =
		check_run(&before, &after, NULL, pgbench.completed, label);
	pgbench.unchanged = pgbench.completed - pgbench_changed;

	ratio = throughput(&pgbench) > 0
			? throughput(&careteam) / throughput(&pgbench)
			: -1;
	printf("%-15s %8d %8d %10.0f %10.0f %6.2f %8ld %9ld %8ld/%-8ld\n",
	       isolation_name(isolation), sessions, patients,
	       throughput(&careteam), throughput(&pgbench), ratio, changed,
	       careteam.unchanged, careteam.conflicts, pgbench.conflicts);
	printf("%-15s %8s %8s %10s %10s %6s %8s %9s retries %ld/%ld\n", "", "",
	       "", "", "", "", "", "", careteam.retries, pgbench.retries);
	record(phase, isolation, sessions, patients, "careteam", &careteam,
	       changed);
	record(phase, isolation, sessions, patients, "pgbench", &pgbench,
	       pgbench_changed);
	return ratio;
}

void bench_contention(const struct bench_env *env, const char *phase)
{
	static const enum ct_isolation isolations[] = {
		CT_ISOLATION_READ_COMMITTED, CT_ISOLATION_SERIALIZABLE};
	PGconn *admin = bench_connect(env->admin_conninfo);
	struct shared *shared;

	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		bench_fatal("mmap failed: %s", strerror(errno));

	printf("\n== Contention: reassign PRIMARY for %d s per run (%s)\n",
	       env->seconds, phase);
	printf("%-15s %8s %8s %10s %10s %6s %8s %9s %s\n", "isolation",
	       "sessions", "patients", "careteam/s", "pgbench/s", "ratio",
	       "changed", "unchanged", "conflicts ct/pgb");
	for (size_t i = 0; i < sizeof(isolations) / sizeof(*isolations); i++) {
		double worst = -1, log_sum = 0;
		int worst_sessions = 0, worst_patients = 0, runs = 0;
		bool all_ran = true;
		char name[96];

		for (size_t s = 0; s < sizeof(session_counts) / sizeof(int);
		     s++) {
			for (size_t p = 0;
			     p < sizeof(patient_counts) / sizeof(int); p++) {
				double ratio;

				/* SERIALIZABLE runs only where sessions meet:
				 * several of them on one patient. */
				if (isolations[i] ==
					    CT_ISOLATION_SERIALIZABLE &&
				    (patient_counts[p] > 1 ||
				     session_counts[s] == 1))
					continue;
				ratio = run_configuration(
					admin, env, phase, isolations[i],
					session_counts[s], patient_counts[p],
					shared);

				if (ratio > 0) {
					log_sum += log(ratio);
					runs++;
				} else {
					all_ran = false;
				}
				if (worst < 0 || ratio < worst) {
					worst = ratio;
					worst_sessions = session_counts[s];
					worst_patients = patient_counts[p];
				}
			}
		}
		/* The geometric mean weighs every configuration alike, and
		 * one run disturbed by another process on the machine moves
		 * it less than it moves the lowest ratio. */
		snprintf(name, sizeof(name), "contention (%s): >= 0.8x pgbench",
			 isolation_name(isolations[i]));
		bench_target(phase, name,
			     all_ran && runs > 0 && exp(log_sum / runs) >= 0.8,
			     "geometric mean %.2f, lowest %.2f (%d sessions, "
			     "%d patients)",
			     runs > 0 ? exp(log_sum / runs) : -1, worst,
			     worst_sessions, worst_patients);
	}
	printf("careteam/s counts writes that returned an outcome, pgbench/s "
	       "its committed transactions;\nchanged: reassignments the "
	       "versions show; conflicts: serialization failures left after "
	       "retries\n");
	munmap(shared, sizeof(*shared));
	PQfinish(admin);
}
