/* Faults around each kind of write: the backend killed while idle or while
 * the write waits for the patient's lock, the reply lost after COMMIT, the
 * link broken while the write waits, and the server stopped. Each write
 * must end applied exactly once or reported as not applied (or, with the
 * server down, as unknown or unavailable), and the session must work again
 * afterwards. The last tests read careteam's log file for the structured
 * line of each conflict, stale rejection, retry and reconnect. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "careteam/care_team.h"
#include "careteam/db.h"
#include "careteam/log.h"
#include "support/fixture.h"
#include "support/proxy.h"

/* One kind of write with a team on which it succeeds. Teams are written
 * "A:PRIMARY,C:CONSULTANT", active assignments by provider letter. The
 * "held" teams add C as CONSULTANT, the change a concurrent holder
 * commits while the write waits. */
struct write_kind {
	const char *action;
	const char *initial_team;
	char provider;
	const char *argument; /* the role, or the reason */
	const char *applied_team;
	const char *held_team;
	int rows_added; /* assignment rows the write inserts */
};

static const struct write_kind write_kinds[] = {
	{"assign", "", 'A', "PRIMARY", "A:PRIMARY", "C:CONSULTANT", 1},
	{"remove", "A:PRIMARY", 'A', "Provider left the clinic", "",
	 "A:PRIMARY,C:CONSULTANT", 0},
	{"set_role", "A:SPECIALIST", 'A', "CONSULTANT", "A:CONSULTANT",
	 "A:SPECIALIST,C:CONSULTANT", 1},
	{"reassign_primary", "A:PRIMARY", 'B', "Patient changed clinics",
	 "B:PRIMARY", "A:PRIMARY,C:CONSULTANT", 1},
};

#define KIND_COUNT (sizeof(write_kinds) / sizeof(write_kinds[0]))

enum fault {
	FAULT_KILL_IDLE,
	FAULT_KILL_WAITING,
	FAULT_REPLY_LOST,
	FAULT_LINK_BROKEN_WAITING,
	FAULT_SERVER_DOWN,
	FAULT_COUNT,
};

static const char *const fault_names[] = {
	[FAULT_KILL_IDLE] = "backend killed before the write",
	[FAULT_KILL_WAITING] = "backend killed while the write waits",
	[FAULT_REPLY_LOST] = "reply lost after commit",
	[FAULT_LINK_BROKEN_WAITING] = "link broken while the write waits",
	[FAULT_SERVER_DOWN] = "server down",
};

/* One fault, write kind and isolation level: a cmocka test's state. */
struct fault_case {
	enum fault fault;
	const struct write_kind *kind;
	enum ct_isolation isolation;
	char name[160];
};

struct fault_fixture {
	PGconn *admin;	/* fixtures, pg_stat_activity, pg_terminate_backend */
	PGconn *holder; /* keeps a transaction on the patient open */
	struct ct_test_org org;
	char log_path[512];
	unsigned proxies;
};

static struct fault_fixture *fixture;

/* Every session logs in as this clinician, as staff do, so the writes and
 * the settling run with a staff member's privileges. */
#define STAFF_ROLE "ct_fault_clerk"

/* A write through a session, on a thread when it has to wait. */
struct pending_write {
	struct ct_session *session;
	const char *action;
	struct ct_write_request request;
	struct ct_write_result result;
	pthread_t thread;
};

static const char *isolation_name(enum ct_isolation isolation)
{
	return isolation == CT_ISOLATION_SERIALIZABLE ? "serializable"
						      : "read committed";
}

static const char *provider_npi(char provider)
{
	static const char *const npis[] = {"1000000001", "1000000002",
					   "1000000003"};

	assert_in_range(provider, 'A', 'C');
	return npis[provider - 'A'];
}

static void open_log(void)
{
	struct ct_config config;
	struct ct_error err;

	ct_config_defaults(&config);
	config.log_destination = CT_LOG_TO_FILE;
	config.log_level = CT_LOG_INFO;
	snprintf(config.log_file, sizeof(config.log_file), "%s",
		 fixture->log_path);
	if (ct_log_open(&config, &err) != CT_OK)
		fail_msg("ct_log_open(%s) failed: %s", fixture->log_path,
			 err.detail);
}

static int setup(void **state)
{
	(void)state;
	fixture = calloc(1, sizeof(*fixture));
	assert_non_null(fixture);
	fixture->admin = ct_test_admin_connect();
	fixture->holder = ct_test_admin_connect();
	ct_test_make_org(fixture->admin, "faults", &fixture->org);
	ct_test_add_provider(fixture->admin, &fixture->org, provider_npi('A'),
			     "Dr. Odile Farrant", true);
	ct_test_add_provider(fixture->admin, &fixture->org, provider_npi('B'),
			     "Dr. Pavel Sundqvist", true);
	ct_test_add_provider(fixture->admin, &fixture->org, provider_npi('C'),
			     "Dr. Rosa Ilunga", true);
	ct_test_add_staff(fixture->admin, &fixture->org, STAFF_ROLE,
			  "Noor Achterberg", "clinician");
	snprintf(fixture->log_path, sizeof(fixture->log_path),
		 "%s/faults-%d.log", ct_test_env("CT_TEST_TMPDIR"),
		 (int)getpid());
	open_log();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ct_log_close();
	PQfinish(fixture->holder);
	PQfinish(fixture->admin);
	free(fixture);
	fixture = NULL;
	return 0;
}

/* ---- Helpers ---- */

static const char *new_patient(void)
{
	static char mrn[32];
	static int counter;

	snprintf(mrn, sizeof(mrn), "F%d", ++counter);
	ct_test_add_patient(fixture->admin, &fixture->org, mrn, "Castellanos",
			    "Mireille", "1958-11-30");
	return mrn;
}

static void assign_team(const char *mrn, const char *team)
{
	char copy[128];
	char *entry, *rest = NULL;

	snprintf(copy, sizeof(copy), "%s", team);
	for (entry = strtok_r(copy, ",", &rest); entry != NULL;
	     entry = strtok_r(NULL, ",", &rest))
		assert_string_equal(
			ct_test_sql_value(
				fixture->admin,
				"SELECT outcome FROM careteam.write('assign',"
				" %lld, '%s', '%s', '%s', NULL, NULL)",
				(long long)fixture->org.id, mrn,
				provider_npi(entry[0]), entry + 2),
			"ok");
}

static const char *active_team(const char *mrn)
{
	return ct_test_sql_value(
		fixture->admin,
		"SELECT coalesce(string_agg(chr(64 + right(pr.npi, 1)::int)"
		" || ':' || a.role, ',' ORDER BY pr.npi), '')"
		" FROM careteam.care_team_assignments a"
		" JOIN careteam.patients p ON p.organization_id ="
		" a.organization_id AND p.id = a.patient_id"
		" JOIN careteam.providers pr ON pr.organization_id ="
		" a.organization_id AND pr.id = a.provider_id"
		" WHERE p.organization_id = %lld AND p.mrn = '%s'"
		" AND a.removed_at IS NULL",
		(long long)fixture->org.id, mrn);
}

static long team_version(const char *mrn)
{
	return atol(ct_test_sql_value(
		fixture->admin,
		"SELECT care_team_version FROM careteam.patients"
		" WHERE organization_id = %lld AND mrn = '%s'",
		(long long)fixture->org.id, mrn));
}

/* Returns every assignment row of the patient, removed ones included. */
static long assignment_rows(const char *mrn)
{
	return atol(ct_test_sql_value(
		fixture->admin,
		"SELECT count(*) FROM careteam.care_team_assignments a"
		" JOIN careteam.patients p ON p.organization_id ="
		" a.organization_id AND p.id = a.patient_id"
		" WHERE p.organization_id = %lld AND p.mrn = '%s'",
		(long long)fixture->org.id, mrn));
}

static const char *receipt_outcome(const char *key)
{
	return ct_test_sql_value(
		fixture->admin,
		"SELECT outcome FROM careteam.write_receipts"
		" WHERE organization_id = %lld AND idempotency_key = '%s'",
		(long long)fixture->org.id, key);
}

static void *run_write(void *argument)
{
	struct pending_write *write = argument;
	const char *action = write->action;

	if (strcmp(action, "assign") == 0)
		ct_care_team_assign(write->session, &write->request,
				    &write->result);
	else if (strcmp(action, "remove") == 0)
		ct_care_team_remove(write->session, &write->request,
				    &write->result);
	else if (strcmp(action, "set_role") == 0)
		ct_care_team_set_role(write->session, &write->request,
				      &write->result);
	else
		ct_care_team_reassign_primary(write->session, &write->request,
					      &write->result);
	return NULL;
}

static void prepare_write(struct pending_write *write,
			  struct ct_session *session, const char *mrn,
			  const struct write_kind *kind, int64_t expected)
{
	memset(write, 0, sizeof(*write));
	write->session = session;
	write->action = kind->action;
	write->request.mrn = mrn;
	write->request.npi = provider_npi(kind->provider);
	if (!ct_role_parse(kind->argument, &write->request.role))
		write->request.reason = kind->argument;
	write->request.expected_version = expected;
}

static enum ct_outcome write_now(struct pending_write *write)
{
	run_write(write);
	return write->result.outcome;
}

static void start_write(struct pending_write *write)
{
	assert_int_equal(
		pthread_create(&write->thread, NULL, run_write, write), 0);
}

static int session_pid(struct ct_session *session)
{
	return PQbackendPID(ct_db_pgconn(session->db));
}

/* Terminates the backend and waits until its process has exited. */
static void kill_backend(int pid)
{
	assert_string_equal(ct_test_sql_value(fixture->admin,
					      "SELECT pg_terminate_backend(%d,"
					      " 10000)",
					      pid),
			    "t");
}

static void expect_outcome(const struct ct_write_result *result,
			   enum ct_outcome expected)
{
	if (result->outcome != expected)
		fail_msg("expected %s, got %s (%s %s)",
			 ct_outcome_name(expected),
			 ct_outcome_name(result->outcome),
			 result->error.sqlstate, result->error.detail);
}

/* Opens the holder's transaction on the patient and runs sql in it. */
static void hold_patient(enum ct_isolation isolation, const char *sql)
{
	ct_test_sql(fixture->holder, "BEGIN ISOLATION LEVEL %s",
		    isolation == CT_ISOLATION_SERIALIZABLE ? "SERIALIZABLE"
							   : "READ COMMITTED");
	ct_test_sql(fixture->holder, "%s", sql);
}

/* Runs the test cluster's control script: pg_ctl stop fast, or start. */
static void control_server(const char *command)
{
	const char *script = ct_test_env("CT_TEST_PG_CTL");
	int status;
	pid_t child = fork();

	assert_true(child >= 0);
	if (child == 0) {
		if (strcmp(command, "stop") == 0)
			execl(script, script, "stop", "fast", (char *)NULL);
		else
			execl(script, script, command, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s %s failed with status %d", script, command,
			 status);
}

static bool server_running(void)
{
	const char *script = ct_test_env("CT_TEST_PG_CTL");
	int status;
	pid_t child = fork();

	assert_true(child >= 0);
	if (child == 0) {
		execl(script, script, "status", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Ends what a failed test may have left behind: the holder's open
 * transaction, or a stopped server, in which case the fixture's
 * connections get new backends. */
static int clean_up_case(void **state)
{
	const struct fault_case *test = *state;

	if (test != NULL && test->fault == FAULT_SERVER_DOWN) {
		if (!server_running())
			control_server("start");
		PQreset(fixture->admin);
		PQreset(fixture->holder);
	}
	if (PQtransactionStatus(fixture->holder) != PQTRANS_IDLE)
		PQclear(PQexec(fixture->holder, "ROLLBACK"));
	if (PQstatus(fixture->holder) != CONNECTION_OK)
		PQreset(fixture->holder);
	return 0;
}

static struct ct_proxy *start_proxy(void)
{
	char folder[512], error[512];
	struct ct_proxy *proxy;

	snprintf(folder, sizeof(folder), "%s/proxy-%d-%u",
		 ct_test_env("CT_TEST_TMPDIR"), (int)getpid(),
		 ++fixture->proxies);
	if (ct_proxy_start(folder, &proxy, error, sizeof(error)) != 0)
		fail_msg("ct_proxy_start: %s", error);
	return proxy;
}

static void open_proxied_session(struct ct_proxy *proxy,
				 enum ct_isolation isolation,
				 struct ct_session *session)
{
	struct ct_config config;
	struct ct_error err;

	ct_test_config(&config, STAFF_ROLE, isolation, 5);
	ct_proxy_conninfo(proxy, STAFF_ROLE, config.conninfo,
			  sizeof(config.conninfo));
	if (ct_session_open(&config, fixture->org.code, session, &err) !=
	    CT_OK)
		fail_msg("session through the proxy: %s", err.detail);
}

/* Waits until a backend other than the admin's waits for a lock inside
 * careteam.settle_write, and fails the test after 10 s (scaled). */
static void wait_for_settle_wait(void)
{
	double limit_s = 10.0 * ct_test_timeout_scale();
	struct timespec start, now, pause = {0, 5 * 1000000L};

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (atoi(ct_test_sql_value(
			    fixture->admin,
			    "SELECT count(*) FROM pg_stat_activity"
			    " WHERE pid <> pg_backend_pid()"
			    " AND wait_event_type = 'Lock'"
			    " AND query LIKE '%%careteam.settle_write%%'")) > 0)
			return;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((double)(now.tv_sec - start.tv_sec) > limit_s)
			fail_msg("no settle_write ever waited for the write");
		nanosleep(&pause, NULL);
	}
}

/* ---- Faults ---- */

/* The backend is gone before the write is sent: the data layer sends it,
 * loses the connection, reconnects and settles the key, which fences it. */
static void check_kill_idle(const struct fault_case *test, const char *mrn,
			    long version)
{
	struct ct_session session;
	struct pending_write write;

	ct_test_open_session(&fixture->org, STAFF_ROLE, test->isolation, 5, &session);
	kill_backend(session_pid(&session));

	prepare_write(&write, &session, mrn, test->kind, version);
	expect_outcome(&write.result, write_now(&write));
	expect_outcome(&write.result, CT_NOT_APPLIED);
	assert_true(write.result.settled);
	assert_int_equal(write.result.attempts, 1);
	assert_string_equal(receipt_outcome(write.result.idempotency_key),
			    "abandoned");
	assert_string_equal(active_team(mrn), test->kind->initial_team);
	assert_int_equal(team_version(mrn), version);
	assert_true(ct_session_connected(&session));

	/* The next action runs on the new connection. */
	prepare_write(&write, &session, mrn, test->kind, version);
	write_now(&write);
	expect_outcome(&write.result, CT_OK);
	assert_false(write.result.settled);
	assert_string_equal(active_team(mrn), test->kind->applied_team);
	assert_int_equal(team_version(mrn), version + 1);
	ct_session_close(&session);
}

/* The write waits for the lock of a holder that assigns C. Its backend is
 * killed there, so the settle fences the key. After the holder commits,
 * sending the write again with the same key returns the fenced result. */
static void check_kill_waiting(const struct fault_case *test,
			       const char *mrn, long version)
{
	/* Static, so a thread still running after a failed assertion
	 * never writes into a dead stack frame. */
	static struct pending_write write;
	struct ct_session session;
	char key[33] = "";
	char sql[512];

	ct_test_open_session(&fixture->org, STAFF_ROLE, test->isolation, 5, &session);
	snprintf(sql, sizeof(sql),
		 "SELECT careteam.write('assign', %lld, '%s', '%s',"
		 " 'CONSULTANT', NULL, NULL)",
		 (long long)fixture->org.id, mrn, provider_npi('C'));
	hold_patient(test->isolation, sql);

	prepare_write(&write, &session, mrn, test->kind, CT_VERSION_ANY);
	start_write(&write);
	ct_test_wait_for_lock_wait(fixture->admin, session_pid(&session));
	kill_backend(session_pid(&session));
	assert_int_equal(pthread_join(write.thread, NULL), 0);
	expect_outcome(&write.result, CT_NOT_APPLIED);
	assert_true(write.result.settled);
	snprintf(key, sizeof(key), "%s", write.result.idempotency_key);

	ct_test_sql(fixture->holder, "COMMIT");
	assert_string_equal(active_team(mrn), test->kind->held_team);
	assert_int_equal(team_version(mrn), version + 1);
	assert_string_equal(receipt_outcome(key), "abandoned");

	/* A blind resend of the fenced write cannot apply it. */
	prepare_write(&write, &session, mrn, test->kind, CT_VERSION_ANY);
	write.request.idempotency_key = key;
	write_now(&write);
	expect_outcome(&write.result, CT_NOT_APPLIED);
	assert_false(write.result.settled);
	assert_string_equal(active_team(mrn), test->kind->held_team);
	assert_int_equal(team_version(mrn), version + 1);
	ct_session_close(&session);
}

/* The write commits and its reply is dropped on the way back, so the data
 * layer settles the key and reports the committed result. */
static void check_reply_lost(const struct fault_case *test, const char *mrn,
			     long version)
{
	struct ct_proxy *proxy = start_proxy();
	struct ct_session session;
	struct pending_write write;
	struct ct_care_team team;
	struct ct_error err;
	long rows = assignment_rows(mrn);

	open_proxied_session(proxy, test->isolation, &session);
	ct_proxy_drop_next_reply(proxy);
	prepare_write(&write, &session, mrn, test->kind, version);
	write_now(&write);
	expect_outcome(&write.result, CT_OK);
	assert_true(write.result.settled);
	assert_int_equal(write.result.attempts, 1);
	assert_int_equal(write.result.care_team_version, version + 1);
	assert_int_equal(ct_proxy_dropped_replies(proxy), 1);

	assert_string_equal(active_team(mrn), test->kind->applied_team);
	assert_int_equal(team_version(mrn), version + 1);
	assert_int_equal(assignment_rows(mrn), rows + test->kind->rows_added);
	assert_string_equal(receipt_outcome(write.result.idempotency_key),
			    "ok");

	/* The session goes on through the proxy on its new connection. */
	assert_int_equal(ct_care_team_load(&session, mrn, false, &team, &err),
			 CT_OK);
	assert_int_equal(team.patient.care_team_version, version + 1);
	ct_care_team_free(&team);
	assert_int_equal(ct_proxy_accepted(proxy), 2);
	ct_session_close(&session);
	ct_proxy_stop(proxy);
}

/* The link breaks while the write waits for a lock that another
 * transaction holds. The backend does not notice and goes on; the settle
 * waits for the write's transaction and reports what it did once the
 * holder lets go. */
static void check_link_broken_waiting(const struct fault_case *test,
				      const char *mrn, long version)
{
	static struct pending_write write;
	struct ct_proxy *proxy = start_proxy();
	struct ct_session session;
	char sql[256];

	open_proxied_session(proxy, test->isolation, &session);
	snprintf(sql, sizeof(sql), "SELECT careteam.lock_patient(%lld, '%s')",
		 (long long)fixture->org.id, mrn);
	hold_patient(test->isolation, sql);

	prepare_write(&write, &session, mrn, test->kind, version);
	start_write(&write);
	ct_test_wait_for_lock_wait(fixture->admin, session_pid(&session));
	ct_proxy_break_links(proxy);
	wait_for_settle_wait();
	ct_test_sql(fixture->holder, "COMMIT");
	assert_int_equal(pthread_join(write.thread, NULL), 0);

	expect_outcome(&write.result, CT_OK);
	assert_true(write.result.settled);
	assert_int_equal(write.result.care_team_version, version + 1);
	assert_string_equal(active_team(mrn), test->kind->applied_team);
	assert_int_equal(team_version(mrn), version + 1);
	ct_session_close(&session);
	ct_proxy_stop(proxy);
}

static bool down_outcome(enum ct_outcome outcome)
{
	return outcome == CT_OUTCOME_UNKNOWN || outcome == CT_DB_UNAVAILABLE;
}

/* With the server stopped, writes report an unknown outcome or an
 * unavailable database; after the start the same session works again. */
static void check_server_down(const struct fault_case *test,
			      const char *mrn, long version)
{
	struct ct_session session;
	struct pending_write write;

	ct_test_open_session(&fixture->org, STAFF_ROLE, test->isolation, 5, &session);
	control_server("stop");

	for (int attempt = 0; attempt < 2; attempt++) {
		prepare_write(&write, &session, mrn, test->kind, version);
		write_now(&write);
		if (!down_outcome(write.result.outcome))
			fail_msg("write %d with the server down: %s",
				 attempt + 1,
				 ct_outcome_name(write.result.outcome));
		assert_false(ct_session_connected(&session));
	}

	control_server("start");
	PQreset(fixture->admin);
	PQreset(fixture->holder);
	assert_string_equal(active_team(mrn), test->kind->initial_team);
	assert_int_equal(team_version(mrn), version);

	prepare_write(&write, &session, mrn, test->kind, version);
	write_now(&write);
	expect_outcome(&write.result, CT_OK);
	assert_true(ct_session_connected(&session));
	assert_string_equal(active_team(mrn), test->kind->applied_team);
	assert_int_equal(team_version(mrn), version + 1);
	ct_session_close(&session);
}

static void test_fault(void **state)
{
	const struct fault_case *test = *state;
	const char *mrn = new_patient();
	long version;

	assign_team(mrn, test->kind->initial_team);
	version = team_version(mrn);
	switch (test->fault) {
	case FAULT_KILL_IDLE:
		check_kill_idle(test, mrn, version);
		break;
	case FAULT_KILL_WAITING:
		check_kill_waiting(test, mrn, version);
		break;
	case FAULT_REPLY_LOST:
		check_reply_lost(test, mrn, version);
		break;
	case FAULT_LINK_BROKEN_WAITING:
		check_link_broken_waiting(test, mrn, version);
		break;
	case FAULT_SERVER_DOWN:
		check_server_down(test, mrn, version);
		break;
	case FAULT_COUNT:
		fail();
	}
}

/* ---- Log lines ---- */

/* Returns whether the line's event (its third field, after the time and
 * the level) is event and each of pairs is one of its fields. */
static bool line_matches(const char *line, const char *event,
			 const char *const *pairs)
{
	char copy[4096];
	char *fields[64];
	char *field, *rest = NULL;
	size_t count = 0;

	snprintf(copy, sizeof(copy), "%s", line);
	for (field = strtok_r(copy, " \n", &rest); field != NULL && count < 64;
	     field = strtok_r(NULL, " \n", &rest))
		fields[count++] = field;
	if (count < 3 || strcmp(fields[2], event) != 0)
		return false;
	for (; *pairs != NULL; pairs++) {
		size_t i = 3;

		while (i < count && strcmp(fields[i], *pairs) != 0)
			i++;
		if (i == count)
			return false;
	}
	return true;
}

/* Counts the log lines with the event and all the pairs, a NULL-ended
 * list of "key=value" strings. */
static int count_log_lines(const char *event, const char *const *pairs)
{
	FILE *file = fopen(fixture->log_path, "r");
	char line[4096];
	int count = 0;

	if (file == NULL)
		fail_msg("cannot open the log %s", fixture->log_path);
	while (fgets(line, sizeof(line), file) != NULL) {
		if (line_matches(line, event, pairs))
			count++;
	}
	fclose(file);
	return count;
}

/* Fills pairs with the ids of a write: organization, staff, mrn, npi and
 * action. */
struct write_ids {
	char organization[48];
	char staff[48];
	char mrn[48];
	char npi[48];
	char action[48];
	const char *pairs[6];
};

static void fill_ids(struct write_ids *ids, const struct ct_session *session,
		     const char *mrn, const char *npi, const char *action)
{
	snprintf(ids->organization, sizeof(ids->organization),
		 "organization=%lld", (long long)session->organization_id);
	snprintf(ids->staff, sizeof(ids->staff), "staff=%lld",
		 (long long)session->staff_id);
	snprintf(ids->mrn, sizeof(ids->mrn), "mrn=%s", mrn);
	snprintf(ids->npi, sizeof(ids->npi), "npi=%s", npi);
	snprintf(ids->action, sizeof(ids->action), "action=%s", action);
	ids->pairs[0] = ids->organization;
	ids->pairs[1] = ids->staff;
	ids->pairs[2] = ids->mrn;
	ids->pairs[3] = ids->npi;
	ids->pairs[4] = ids->action;
	ids->pairs[5] = NULL;
}

static void test_conflict_logged(void **state)
{
	const char *mrn = new_patient();
	struct ct_session session;
	struct pending_write write;
	struct write_ids ids;
	const struct write_kind primary_b = {"assign", "", 'B', "PRIMARY",
					     "", "", 1};

	(void)state;
	assign_team(mrn, "A:PRIMARY");
	ct_test_open_session(&fixture->org, STAFF_ROLE, CT_ISOLATION_READ_COMMITTED,
			     5, &session);
	prepare_write(&write, &session, mrn, &primary_b, CT_VERSION_ANY);
	write_now(&write);
	expect_outcome(&write.result, CT_CONFLICT_PRIMARY);

	fill_ids(&ids, &session, mrn, provider_npi('B'), "assign");
	assert_int_equal(count_log_lines("conflict_primary", ids.pairs), 1);
	ct_session_close(&session);
}

static void test_stale_logged(void **state)
{
	const char *mrn = new_patient();
	struct ct_session session;
	struct pending_write write;
	struct write_ids ids;

	(void)state;
	assign_team(mrn, "A:PRIMARY");
	ct_test_open_session(&fixture->org, STAFF_ROLE, CT_ISOLATION_READ_COMMITTED,
			     5, &session);
	/* The user saw the empty team, version 0, before A was assigned. */
	prepare_write(&write, &session, mrn, &write_kinds[1], 0);
	write_now(&write);
	expect_outcome(&write.result, CT_STALE);
	assert_int_equal(write.result.care_team_version, 1);

	fill_ids(&ids, &session, mrn, provider_npi('A'), "remove");
	assert_int_equal(count_log_lines("stale", ids.pairs), 1);
	ct_session_close(&session);
}

/* The retry line must name the write it retries, because many sessions
 * share one log. */
static void test_retry_logged(void **state)
{
	static struct pending_write write;
	const char *mrn = new_patient();
	struct ct_session session;
	struct write_ids ids;
	char attempts[32];
	char sql[512];
	const char *retry_pairs[7];
	const char *sqlstate_only[2] = {"sqlstate=40001", NULL};
	const char *outcome_pairs[3];

	(void)state;
	ct_test_open_session(&fixture->org, STAFF_ROLE, CT_ISOLATION_SERIALIZABLE, 5,
			     &session);
	snprintf(sql, sizeof(sql),
		 "SELECT careteam.write('assign', %lld, '%s', '%s',"
		 " 'CONSULTANT', NULL, NULL)",
		 (long long)fixture->org.id, mrn, provider_npi('C'));
	hold_patient(CT_ISOLATION_SERIALIZABLE, sql);
	prepare_write(&write, &session, mrn, &write_kinds[0], CT_VERSION_ANY);
	start_write(&write);
	ct_test_wait_for_lock_wait(fixture->admin, session_pid(&session));
	ct_test_sql(fixture->holder, "COMMIT");
	assert_int_equal(pthread_join(write.thread, NULL), 0);
	expect_outcome(&write.result, CT_OK);
	assert_int_equal(write.result.attempts, 2);

	fill_ids(&ids, &session, mrn, provider_npi('A'), "assign");
	snprintf(attempts, sizeof(attempts), "attempts=2");
	outcome_pairs[0] = ids.mrn;
	outcome_pairs[1] = attempts;
	outcome_pairs[2] = NULL;
	assert_int_equal(count_log_lines("ok", outcome_pairs), 1);

	retry_pairs[0] = "sqlstate=40001";
	for (int i = 0; i < 6; i++)
		retry_pairs[i + 1] = ids.pairs[i];
	if (count_log_lines("retry", retry_pairs) != 1)
		fail_msg("expected one line \"retry sqlstate=40001\" with %s"
			 " %s %s %s %s in %s, found %d (with sqlstate=40001"
			 " alone: %d)",
			 ids.organization, ids.staff, ids.action, ids.mrn,
			 ids.npi, fixture->log_path,
			 count_log_lines("retry", retry_pairs),
			 count_log_lines("retry", sqlstate_only));
	ct_session_close(&session);
}

static void test_reconnect_logged(void **state)
{
	const char *mrn = new_patient();
	struct ct_session session;
	struct pending_write write;
	struct write_ids ids;
	char backend[48], key[64];
	const char *reconnect_pairs[4] = {backend, ids.organization, ids.mrn,
					  NULL};
	const char *settle_pairs[3] = {key, "outcome=not_applied", NULL};

	(void)state;
	ct_test_open_session(&fixture->org, STAFF_ROLE, CT_ISOLATION_READ_COMMITTED,
			     5, &session);
	kill_backend(session_pid(&session));
	prepare_write(&write, &session, mrn, &write_kinds[0], CT_VERSION_ANY);
	write_now(&write);
	expect_outcome(&write.result, CT_NOT_APPLIED);

	fill_ids(&ids, &session, mrn, provider_npi('A'), "assign");
	snprintf(backend, sizeof(backend), "backend_pid=%d",
		 session_pid(&session));
	snprintf(key, sizeof(key), "key=%s", write.result.idempotency_key);
	/* The reconnect happened inside the write, so its line names it. */
	assert_int_equal(count_log_lines("db_reconnected", reconnect_pairs), 1);
	assert_int_equal(count_log_lines("write_settled", settle_pairs), 1);
	assert_int_equal(count_log_lines("not_applied", ids.pairs), 1);
	ct_session_close(&session);
}

/* ---- The proxy's delay ---- */

static double seconds_now(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Returns the seconds one team load takes through the proxy. */
static double timed_load(struct ct_session *session, const char *mrn)
{
	struct ct_care_team team;
	struct ct_error err;
	double started = seconds_now();

	assert_int_equal(ct_care_team_load(session, mrn, false, &team, &err),
			 CT_OK);
	ct_care_team_free(&team);
	return seconds_now() - started;
}

/* A load is one round trip, so a delay each way adds at least both. Only
 * the lower bound is checked, because a loaded machine adds time too. */
static void test_proxy_delay(void **state)
{
	const char *mrn = new_patient();
	struct ct_proxy *proxy = start_proxy();
	struct ct_session session;

	(void)state;
	open_proxied_session(proxy, CT_ISOLATION_READ_COMMITTED, &session);
	ct_proxy_set_delay(proxy, CT_PROXY_TO_SERVER, 40);
	ct_proxy_set_delay(proxy, CT_PROXY_TO_CLIENT, 60);
	assert_true(timed_load(&session, mrn) >= 0.100);
	ct_proxy_set_delay(proxy, CT_PROXY_TO_SERVER, 0);
	assert_true(timed_load(&session, mrn) >= 0.060);
	ct_session_close(&session);
	ct_proxy_stop(proxy);
}

int main(void)
{
	static struct fault_case cases[FAULT_COUNT * KIND_COUNT * 2];
	static struct CMUnitTest tests[FAULT_COUNT * KIND_COUNT * 2 + 5];
	size_t count = 0;

	for (size_t i = 0; i < FAULT_COUNT * KIND_COUNT * 2; i++) {
		struct fault_case *test = &cases[i];

		test->fault = (enum fault)(i / (KIND_COUNT * 2));
		test->kind = &write_kinds[i / 2 % KIND_COUNT];
		test->isolation = i % 2 == 0 ? CT_ISOLATION_READ_COMMITTED
					     : CT_ISOLATION_SERIALIZABLE;
		snprintf(test->name, sizeof(test->name), "%s: %s (%s)",
			 fault_names[test->fault], test->kind->action,
			 isolation_name(test->isolation));
		tests[count++] = (struct CMUnitTest){
			.name = test->name,
			.test_func = test_fault,
			.teardown_func = clean_up_case,
			.initial_state = test,
		};
	}
	tests[count++] =
		(struct CMUnitTest)cmocka_unit_test(test_conflict_logged);
	tests[count++] = (struct CMUnitTest)cmocka_unit_test(test_stale_logged);
	tests[count++] = (struct CMUnitTest)cmocka_unit_test_teardown(
		test_retry_logged, clean_up_case);
	tests[count++] =
		(struct CMUnitTest)cmocka_unit_test(test_reconnect_logged);
	tests[count++] = (struct CMUnitTest)cmocka_unit_test(test_proxy_delay);
	return _cmocka_run_group_tests("faults", tests, count, setup,
				       teardown);
}
