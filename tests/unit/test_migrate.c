/* Migrations on a database of their own: applied once, recorded with a
 * checksum, and an edited applied file rejected. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "careteam/session.h"
#include "support/fixture.h"

struct migrate_fixture {
	PGconn *admin;
	char database[64];
	struct ct_config config;
};

static int setup(void **state)
{
	struct migrate_fixture *fixture = calloc(1, sizeof(*fixture));

	fixture->admin = ct_test_admin_connect();
	snprintf(fixture->database, sizeof(fixture->database),
		 "careteam_migrate_%d", (int)getpid());
	ct_test_sql(fixture->admin, "DROP DATABASE IF EXISTS %s",
		    fixture->database);
	ct_test_sql(fixture->admin, "CREATE DATABASE %s", fixture->database);
	ct_test_config(&fixture->config, NULL, CT_ISOLATION_READ_COMMITTED, 0);
	/* In a conninfo string the last setting of a keyword wins. */
	snprintf(fixture->config.conninfo, sizeof(fixture->config.conninfo),
		 "%s dbname=%s", ct_test_env("CT_TEST_CONNINFO"),
		 fixture->database);
	*state = fixture;
	return 0;
}

static int teardown(void **state)
{
	struct migrate_fixture *fixture = *state;

	ct_test_sql(fixture->admin, "DROP DATABASE IF EXISTS %s",
		    fixture->database);
	PQfinish(fixture->admin);
	free(fixture);
	return 0;
}

static enum ct_outcome migrate(struct migrate_fixture *fixture, int *applied,
			       struct ct_error *err)
{
	struct ct_session session;
	enum ct_outcome outcome;

	outcome = ct_session_open_maintenance(&fixture->config, &session, err);
	if (outcome != CT_OK)
		fail_msg("connect: %s", err->detail);
	outcome = ct_session_migrate(&session, applied, err);
	ct_session_close(&session);
	return outcome;
}

static PGconn *connect_database(struct migrate_fixture *fixture)
{
	PGconn *conn = PQconnectdb(fixture->config.conninfo);

	assert_int_equal(PQstatus(conn), CONNECTION_OK);
	return conn;
}

static void test_applies_then_nothing_new(void **state)
{
	struct migrate_fixture *fixture = *state;
	struct ct_error err;
	int applied = -1, recorded;
	PGconn *conn;

	assert_int_equal(migrate(fixture, &applied, &err), CT_OK);
	assert_true(applied >= 2);

	conn = connect_database(fixture);
	recorded = atoi(ct_test_sql_value(
		conn, "SELECT count(*) FROM careteam.schema_migrations"));
	assert_int_equal(recorded, applied);
	assert_string_equal(ct_test_sql_value(conn,
					      "SELECT length(checksum) FROM"
					      " careteam.schema_migrations"
					      " ORDER BY version LIMIT 1"),
			    "64");
	PQfinish(conn);

	assert_int_equal(migrate(fixture, &applied, &err), CT_OK);
	assert_int_equal(applied, 0);
}

static void test_changed_file_rejected(void **state)
{
	struct migrate_fixture *fixture = *state;
	struct ct_error err;
	int applied;
	PGconn *conn;

	assert_int_equal(migrate(fixture, &applied, &err), CT_OK);
	/* Changing the recorded checksum is what an edited file looks like
	 * from the database's side. */
	conn = connect_database(fixture);
	ct_test_sql(conn, "UPDATE careteam.schema_migrations"
			  " SET checksum = repeat('0', 64)"
			  " WHERE version = '0001_schema.sql'");
	PQfinish(conn);

	assert_int_equal(migrate(fixture, &applied, &err),
			 CT_MIGRATION_CHANGED);
	assert_int_equal(applied, 0);
	assert_non_null(strstr(err.detail, "0001_schema.sql"));
	assert_non_null(strstr(err.detail, "new migration"));
}

static void *run_migrate(void *argument)
{
	struct migrate_fixture *fixture = argument;
	struct ct_session session;
	struct ct_error err;
	int *applied = calloc(1, sizeof(int));

	if (ct_session_open_maintenance(&fixture->config, &session, &err) !=
	    CT_OK) {
		*applied = -100;
		return applied;
	}
	if (ct_session_migrate(&session, applied, &err) != CT_OK)
		*applied = -200;
	ct_session_close(&session);
	return applied;
}

static void test_concurrent_runs_apply_once(void **state)
{
	struct migrate_fixture *fixture = *state;
	pthread_t first, second;
	int *first_applied, *second_applied;
	PGconn *conn;

	conn = PQconnectdb(ct_test_env("CT_TEST_CONNINFO"));
	ct_test_sql(conn, "DROP DATABASE %s", fixture->database);
	ct_test_sql(conn, "CREATE DATABASE %s", fixture->database);
	PQfinish(conn);

	pthread_create(&first, NULL, run_migrate, fixture);
	pthread_create(&second, NULL, run_migrate, fixture);
	pthread_join(first, (void **)&first_applied);
	pthread_join(second, (void **)&second_applied);

	assert_true(*first_applied >= 0);
	assert_true(*second_applied >= 0);
	assert_true(*first_applied == 0 || *second_applied == 0);
	assert_true(*first_applied + *second_applied >= 2);
	free(first_applied);
	free(second_applied);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_applies_then_nothing_new),
		cmocka_unit_test(test_changed_file_rejected),
		cmocka_unit_test(test_concurrent_runs_apply_once),
	};

	return cmocka_run_group_tests_name("migrate", tests, setup, teardown);
}
