/* Two or more sessions writing one patient's team at once. Each race is
 * made deterministic by holding the first transaction open on a separate
 * connection and waiting until the second session blocks on its lock. */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "careteam/care_team.h"
#include "careteam/db.h"
#include "careteam/patients.h"
#include "support/fixture.h"

struct race_fixture {
	PGconn *admin;	/* polls pg_stat_activity */
	PGconn *holder; /* keeps the first transaction open */
	struct ct_test_org org;
};

/* One write run on a thread, so the test can watch it block. */
struct pending_write {
	struct ct_session *session;
	struct ct_write_request request;
	struct ct_write_result result;
	pthread_t thread;
};

static int setup(void **state)
{
	struct race_fixture *fixture = calloc(1, sizeof(*fixture));

	fixture->admin = ct_test_admin_connect();
	fixture->holder = ct_test_admin_connect();
	ct_test_make_org(fixture->admin, "race", &fixture->org);
	ct_test_add_provider(fixture->admin, &fixture->org, "1000000001",
			     "Dr. Ada Okafor", true);
	ct_test_add_provider(fixture->admin, &fixture->org, "1000000002",
			     "Dr. Bruno Lindqvist", true);
	ct_test_add_provider(fixture->admin, &fixture->org, "1000000003",
			     "Dr. Chidi Mensah", true);
	for (int i = 4; i <= 9; i++) {
		char npi[16], name[64];

		snprintf(npi, sizeof(npi), "100000000%d", i);
		snprintf(name, sizeof(name), "Dr. Provider %d", i);
		ct_test_add_provider(fixture->admin, &fixture->org, npi, name,
				     true);
	}
	*state = fixture;
	return 0;
}

static int teardown(void **state)
{
	struct race_fixture *fixture = *state;

	PQfinish(fixture->holder);
	PQfinish(fixture->admin);
	free(fixture);
	return 0;
}

static const char *new_patient(struct race_fixture *fixture)
{
	static char mrn[32];
	static int counter;

	snprintf(mrn, sizeof(mrn), "C%d", ++counter);
	ct_test_add_patient(fixture->admin, &fixture->org, mrn, "Nakamura",
			    "Aiko", "1965-07-08");
	return mrn;
}

static void *run_assign(void *argument)
{
	struct pending_write *write = argument;

	ct_care_team_assign(write->session, &write->request, &write->result);
	return NULL;
}

static void start_assign(struct pending_write *write,
			 struct ct_session *session, const char *mrn,
			 const char *npi, enum ct_role role)
{
	memset(write, 0, sizeof(*write));
	write->session = session;
	write->request.mrn = mrn;
	write->request.npi = npi;
	write->request.role = role;
	write->request.expected_version = CT_VERSION_ANY;
	assert_int_equal(
		pthread_create(&write->thread, NULL, run_assign, write), 0);
}

static int session_pid(struct ct_session *session)
{
	return PQbackendPID(ct_db_pgconn(session->db));
}

static int count_active(struct race_fixture *fixture, const char *mrn,
			const char *role)
{
	return atoi(ct_test_sql_value(
		fixture->admin,
		"SELECT count(*) FROM careteam.care_team_assignments a"
		" JOIN careteam.patients p ON p.organization_id ="
		" a.organization_id AND p.id = a.patient_id"
		" WHERE p.organization_id = %lld AND p.mrn = '%s'"
		" AND a.role = '%s' AND a.removed_at IS NULL",
		(long long)fixture->org.id, mrn, role));
}

/* Both sessions would pass the application check. The lock on the patient
 * row makes the second wait, so its re-check finds the first PRIMARY and
 * returns the typed conflict. */
static void test_lock_serializes_primary(void **state)
{
	struct race_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_session session;
	struct pending_write write;

	ct_test_open_session(&fixture->org, NULL, CT_ISOLATION_READ_COMMITTED,
			     3, &session);
	ct_test_sql(fixture->holder, "BEGIN");
	ct_test_sql(fixture->holder,
		    "SELECT careteam.assign(%lld, '%s', '1000000001',"
		    " 'PRIMARY', NULL)",
		    (long long)fixture->org.id, mrn);

	start_assign(&write, &session, mrn, "1000000002", CT_ROLE_PRIMARY);
	ct_test_wait_for_lock_wait(fixture->admin, session_pid(&session));
	ct_test_sql(fixture->holder, "COMMIT");
	pthread_join(write.thread, NULL);

	assert_int_equal(write.result.outcome, CT_CONFLICT_PRIMARY);
	assert_false(write.result.caught_by_constraint);
	assert_string_equal(write.result.other_provider, "Dr. Ada Okafor");
	assert_int_equal(write.result.attempts, 1);
	assert_int_equal(count_active(fixture, mrn, "PRIMARY"), 1);
	ct_session_close(&session);
}

/* A writer that bypasses careteam's functions takes no lock, so the
 * re-check passes. The unique index is then the last guard, and its
 * violation is classified by constraint name as the same typed conflict. */
static void test_index_catches_bypassed_check(void **state)
{
	struct race_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_session session;
	struct pending_write write;
	char message[512];

	ct_test_open_session(&fixture->org, NULL, CT_ISOLATION_READ_COMMITTED,
			     3, &session);
	ct_test_sql(fixture->holder, "BEGIN");
	ct_test_sql(fixture->holder,
		    "INSERT INTO careteam.care_team_assignments"
		    " (organization_id, patient_id, provider_id, role,"
		    " assigned_by)"
		    " SELECT p.organization_id, p.id, pr.id, 'PRIMARY', s.id"
		    " FROM careteam.patients p, careteam.providers pr,"
		    " careteam.staff s WHERE p.organization_id = %lld AND"
		    " p.mrn = '%s' AND pr.organization_id = p.organization_id"
		    " AND pr.npi = '1000000001' AND s.role_name = current_user",
		    (long long)fixture->org.id, mrn);

	start_assign(&write, &session, mrn, "1000000002", CT_ROLE_PRIMARY);
	ct_test_wait_for_lock_wait(fixture->admin, session_pid(&session));
	ct_test_sql(fixture->holder, "COMMIT");
	pthread_join(write.thread, NULL);

	assert_int_equal(write.result.outcome, CT_CONFLICT_PRIMARY);
	assert_true(write.result.caught_by_constraint);
	assert_string_equal(write.result.error.sqlstate, "23505");
	assert_string_equal(write.result.error.constraint,
			    "uq_care_team_primary");
	ct_write_result_message(&write.result, message, sizeof(message));
	assert_non_null(strstr(message, "Refresh and try again"));
	assert_int_equal(count_active(fixture, mrn, "PRIMARY"), 1);
	ct_session_close(&session);
}

static void test_index_catches_duplicate(void **state)
{
	struct race_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_session session;
	struct pending_write write;

	ct_test_open_session(&fixture->org, NULL, CT_ISOLATION_READ_COMMITTED,
			     3, &session);
	ct_test_sql(fixture->holder, "BEGIN");
	ct_test_sql(fixture->holder,
		    "INSERT INTO careteam.care_team_assignments"
		    " (organization_id, patient_id, provider_id, role,"
		    " assigned_by)"
		    " SELECT p.organization_id, p.id, pr.id, 'CONSULTANT',"
		    " s.id FROM careteam.patients p, careteam.providers pr,"
		    " careteam.staff s WHERE p.organization_id = %lld AND"
		    " p.mrn = '%s' AND pr.organization_id = p.organization_id"
		    " AND pr.npi = '1000000003' AND s.role_name = current_user",
		    (long long)fixture->org.id, mrn);

	start_assign(&write, &session, mrn, "1000000003", CT_ROLE_SPECIALIST);
	ct_test_wait_for_lock_wait(fixture->admin, session_pid(&session));
	ct_test_sql(fixture->holder, "COMMIT");
	pthread_join(write.thread, NULL);

	assert_int_equal(write.result.outcome, CT_CONFLICT_DUPLICATE);
	assert_true(write.result.caught_by_constraint);
	assert_string_equal(write.result.error.constraint,
			    "uq_care_team_patient_provider");
	assert_int_equal(count_active(fixture, mrn, "SPECIALIST"), 0);
	ct_session_close(&session);
}

/* Under SERIALIZABLE the second session's lock on a row that the first
 * changed raises 40001; the data layer retries and the retry succeeds. */
static void test_serializable_retry_succeeds(void **state)
{
	struct race_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_session session;
	struct pending_write write;

	ct_test_open_session(&fixture->org, NULL, CT_ISOLATION_SERIALIZABLE, 3,
			     &session);
	ct_test_sql(fixture->holder, "BEGIN");
	ct_test_sql(fixture->holder,
		    "SELECT careteam.assign(%lld, '%s', '1000000001',"
		    " 'SPECIALIST', NULL)",
		    (long long)fixture->org.id, mrn);

	start_assign(&write, &session, mrn, "1000000002", CT_ROLE_SPECIALIST);
	ct_test_wait_for_lock_wait(fixture->admin, session_pid(&session));
	ct_test_sql(fixture->holder, "COMMIT");
	pthread_join(write.thread, NULL);

	assert_int_equal(write.result.outcome, CT_OK);
	assert_int_equal(write.result.attempts, 2);
	assert_int_equal(write.result.care_team_version, 2);
	assert_int_equal(count_active(fixture, mrn, "SPECIALIST"), 2);
	ct_session_close(&session);
}

static void test_serializable_retries_exhausted(void **state)
{
	struct race_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_session session;
	struct pending_write write;
	char message[512];

	ct_test_open_session(&fixture->org, NULL, CT_ISOLATION_SERIALIZABLE, 0,
			     &session);
	ct_test_sql(fixture->holder, "BEGIN");
	ct_test_sql(fixture->holder,
		    "SELECT careteam.assign(%lld, '%s', '1000000001',"
		    " 'SPECIALIST', NULL)",
		    (long long)fixture->org.id, mrn);

	start_assign(&write, &session, mrn, "1000000002", CT_ROLE_SPECIALIST);
	ct_test_wait_for_lock_wait(fixture->admin, session_pid(&session));
	ct_test_sql(fixture->holder, "COMMIT");
	pthread_join(write.thread, NULL);

	assert_int_equal(write.result.outcome, CT_CONFLICT_SERIALIZATION);
	assert_int_equal(write.result.attempts, 1);
	assert_string_equal(write.result.error.sqlstate, "40001");
	ct_write_result_message(&write.result, message, sizeof(message));
	assert_non_null(strstr(message, "at the same moment"));
	assert_int_equal(count_active(fixture, mrn, "SPECIALIST"), 1);
	ct_session_close(&session);
}

/* The same interleaving under READ COMMITTED waits and then succeeds
 * without a retry. */
static void test_read_committed_waits(void **state)
{
	struct race_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_session session;
	struct pending_write write;

	ct_test_open_session(&fixture->org, NULL, CT_ISOLATION_READ_COMMITTED,
			     0, &session);
	ct_test_sql(fixture->holder, "BEGIN");
	ct_test_sql(fixture->holder,
		    "SELECT careteam.assign(%lld, '%s', '1000000001',"
		    " 'SPECIALIST', NULL)",
		    (long long)fixture->org.id, mrn);

	start_assign(&write, &session, mrn, "1000000002", CT_ROLE_SPECIALIST);
	ct_test_wait_for_lock_wait(fixture->admin, session_pid(&session));
	ct_test_sql(fixture->holder, "COMMIT");
	pthread_join(write.thread, NULL);

	assert_int_equal(write.result.outcome, CT_OK);
	assert_int_equal(write.result.attempts, 1);
	assert_int_equal(count_active(fixture, mrn, "SPECIALIST"), 2);
	ct_session_close(&session);
}

static void test_other_constraints_classified(void **state)
{
	struct race_fixture *fixture = *state;
	struct ct_session session;
	struct ct_error err;
	PGresult *result = NULL;

	ct_test_open_session(&fixture->org, NULL, CT_ISOLATION_READ_COMMITTED,
			     0, &session);
	assert_int_equal(ct_db_query(session.db,
				     "INSERT INTO careteam.organizations"
				     " (code, name) VALUES ('Not Valid', 'x')",
				     0, NULL, &result, &err),
			 CT_CONSTRAINT);
	assert_null(result);
	assert_string_equal(err.sqlstate, "23514");
	assert_string_equal(err.constraint, "organizations_code_check");

	assert_int_equal(ct_db_query(session.db,
				     "INSERT INTO careteam.organizations"
				     " (code, name) SELECT code, name FROM"
				     " careteam.organizations LIMIT 1",
				     0, NULL, &result, &err),
			 CT_CONSTRAINT);
	assert_string_equal(err.sqlstate, "23505");
	assert_string_equal(err.constraint, "organizations_code_key");
	ct_session_close(&session);
}

static void test_lost_connection_typed(void **state)
{
	struct race_fixture *fixture = *state;
	struct ct_session session;
	struct ct_patient_list list;
	struct ct_write_result result;
	struct ct_write_request request = {
		.mrn = "none",
		.npi = "1000000001",
		.role = CT_ROLE_SPECIALIST,
		.expected_version = CT_VERSION_ANY,
	};
	struct ct_error err;

	ct_test_open_session(&fixture->org, NULL, CT_ISOLATION_READ_COMMITTED,
			     0, &session);
	ct_test_sql(fixture->admin, "SELECT pg_terminate_backend(%d)",
		    session_pid(&session));

	/* The statement was sent on a dead connection, so the data layer
	 * reconnected and settled it by key: it was not applied, and the
	 * fence means it never will be. */
	assert_int_equal(ct_care_team_assign(&session, &request, &result),
			 CT_NOT_APPLIED);
	assert_true(result.settled);
	assert_int_equal(result.attempts, 1);
	assert_string_equal(
		ct_test_sql_value(fixture->admin,
				  "SELECT outcome FROM careteam.write_receipts"
				  " WHERE organization_id = %lld AND"
				  " idempotency_key = '%s'",
				  (long long)fixture->org.id,
				  result.idempotency_key),
		"abandoned");

	ct_test_sql(fixture->admin, "SELECT pg_terminate_backend(%d)",
		    session_pid(&session));
	/* A read is not settled: it reports the lost connection. */
	assert_int_equal(ct_patients_search(&session, "nobody", 5, &list, &err),
			 CT_DB_UNAVAILABLE);
	assert_false(ct_session_connected(&session));

	/* The next action resets the connection and works again. */
	assert_int_equal(ct_patients_search(&session, "nobody", 5, &list, &err),
			 CT_OK);
	assert_true(ct_session_connected(&session));
	ct_patient_list_free(&list);
	ct_session_close(&session);
}

static void test_unreachable_server_typed(void **state)
{
	struct ct_config config;
	struct ct_session session;
	struct ct_error err;

	(void)state;
	ct_config_defaults(&config);
	snprintf(config.conninfo, sizeof(config.conninfo),
		 "host=%s/no-such-dir dbname=x connect_timeout=2",
		 ct_test_env("CT_TEST_TMPDIR"));
	assert_int_equal(ct_session_open(&config, NULL, &session, &err),
			 CT_DB_UNAVAILABLE);
	assert_null(session.db);

	snprintf(config.conninfo, sizeof(config.conninfo), "host='unclosed");
	assert_int_equal(ct_session_open(&config, NULL, &session, &err),
			 CT_CONFIG_INVALID);
}

/* Eight careteam processes started at once, each making a different
 * provider PRIMARY of one patient: exactly one wins and seven get exit
 * status 3 with the refresh message. */
static void test_eight_processes_one_primary(void **state)
{
	struct race_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	const char *program = ct_test_env("CT_TEST_PROGRAM");
	const char *config = ct_test_env("CT_TEST_CONFIG");
	const char *tmpdir = ct_test_env("CT_TEST_TMPDIR");
	pid_t children[8];
	int gate[2], wins = 0, conflicts = 0, refresh_messages = 0;

	assert_int_equal(pipe(gate), 0);
	for (int i = 0; i < 8; i++) {
		children[i] = fork();
		assert_true(children[i] >= 0);
		if (children[i] == 0) {
			char npi[16], path[512], byte;
			int fd;

			snprintf(npi, sizeof(npi), "100000000%d", i + 1);
			snprintf(path, sizeof(path), "%s/race-%d.err", tmpdir,
				 i);
			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			dup2(fd, 2);
			close(gate[1]);
			/* Every child blocks here until the parent closes
			 * the pipe, so all eight start together. */
			if (read(gate[0], &byte, 1) < 0)
				_exit(126);
			execl(program, program, "--config", config, "--org",
			      fixture->org.code, "assign", mrn, npi, "--role",
			      "PRIMARY", (char *)NULL);
			_exit(127);
		}
	}
	close(gate[0]);
	close(gate[1]);

	for (int i = 0; i < 8; i++) {
		char path[512], text[2048] = "";
		int status;
		FILE *file;

		assert_int_equal(waitpid(children[i], &status, 0), children[i]);
		assert_true(WIFEXITED(status));
		if (WEXITSTATUS(status) == 0)
			wins++;
		if (WEXITSTATUS(status) == 3)
			conflicts++;
		snprintf(path, sizeof(path), "%s/race-%d.err", tmpdir, i);
		file = fopen(path, "r");
		assert_non_null(file);
		text[fread(text, 1, sizeof(text) - 1, file)] = '\0';
		fclose(file);
		if (strstr(text, "Refresh and try again") != NULL)
			refresh_messages++;
	}
	assert_int_equal(wins, 1);
	assert_int_equal(conflicts, 7);
	assert_int_equal(refresh_messages, 7);
	assert_int_equal(count_active(fixture, mrn, "PRIMARY"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock_serializes_primary),
		cmocka_unit_test(test_index_catches_bypassed_check),
		cmocka_unit_test(test_index_catches_duplicate),
		cmocka_unit_test(test_serializable_retry_succeeds),
		cmocka_unit_test(test_serializable_retries_exhausted),
		cmocka_unit_test(test_read_committed_waits),
		cmocka_unit_test(test_other_constraints_classified),
		cmocka_unit_test(test_lost_connection_typed),
		cmocka_unit_test(test_unreachable_server_typed),
		cmocka_unit_test(test_eight_processes_one_primary),
	};

	return cmocka_run_group_tests_name("concurrency", tests, setup,
					   teardown);
}
