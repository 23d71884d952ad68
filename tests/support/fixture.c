/* Test fixtures declared in fixture.h. */
#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

const char *ct_test_env(const char *name)
{
	const char *value = getenv(name);

	if (value == NULL || value[0] == '\0')
		fail_msg("%s is not set; run the tests with make check", name);
	return value;
}

double ct_test_timeout_scale(void)
{
	const char *text = getenv("CT_TEST_TIMEOUT_SCALE");
	double scale = text != NULL ? atof(text) : 1.0;

	return scale > 0 ? scale : 1.0;
}

PGconn *ct_test_admin_connect(void)
{
	PGconn *conn = PQconnectdb(ct_test_env("CT_TEST_CONNINFO"));

	if (PQstatus(conn) != CONNECTION_OK)
		fail_msg("cannot connect to the test database: %s",
			 PQerrorMessage(conn));
	return conn;
}

static PGresult *run_formatted(PGconn *conn, const char *format, va_list args)
	__attribute__((format(printf, 2, 0)));

static PGresult *run_formatted(PGconn *conn, const char *format, va_list args)
{
	char sql[4096];
	PGresult *result;

	vsnprintf(sql, sizeof(sql), format, args);
	result = PQexec(conn, sql);
	if (PQresultStatus(result) != PGRES_COMMAND_OK &&
	    PQresultStatus(result) != PGRES_TUPLES_OK)
		fail_msg("SQL failed: %s\n  statement: %s",
			 PQresultErrorMessage(result), sql);
	return result;
}

void ct_test_sql(PGconn *conn, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	PQclear(run_formatted(conn, format, args));
	va_end(args);
}

const char *ct_test_sql_value(PGconn *conn, const char *format, ...)
{
	static char value[4096];
	PGresult *result;
	va_list args;

	va_start(args, format);
	result = run_formatted(conn, format, args);
	va_end(args);
	snprintf(value, sizeof(value), "%s",
		 PQntuples(result) > 0 && !PQgetisnull(result, 0, 0)
			 ? PQgetvalue(result, 0, 0)
			 : "");
	PQclear(result);
	return value;
}

void ct_test_make_org(PGconn *admin, const char *prefix,
		      struct ct_test_org *org)
{
	static unsigned counter;

	snprintf(org->code, sizeof(org->code), "%s-%d-%u", prefix,
		 (int)getpid(), ++counter);
	org->id = atoll(ct_test_sql_value(
		admin,
		"INSERT INTO careteam.organizations (code, name)"
		" VALUES ('%s', 'Test clinic %s') RETURNING id",
		org->code, org->code));
	ct_test_sql(admin,
		    "INSERT INTO careteam.staff (role_name, display_name)"
		    " VALUES (current_user, 'Test Staff')"
		    " ON CONFLICT (role_name) DO NOTHING");
	ct_test_sql(admin,
		    "INSERT INTO careteam.memberships"
		    " (organization_id, staff_id, access_level)"
		    " SELECT %lld, id, 'clinician' FROM careteam.staff"
		    " WHERE role_name = current_user",
		    (long long)org->id);
}

void ct_test_add_provider(PGconn *admin, const struct ct_test_org *org,
			  const char *npi, const char *name, bool active)
{
	ct_test_sql(admin,
		    "INSERT INTO careteam.providers"
		    " (organization_id, npi, display_name, specialty, active)"
		    " VALUES (%lld, '%s', '%s', 'Family medicine', %s)",
		    (long long)org->id, npi, name, active ? "true" : "false");
}

void ct_test_add_patient(PGconn *admin, const struct ct_test_org *org,
			 const char *mrn, const char *family, const char *given,
			 const char *birth_date)
{
	ct_test_sql(admin,
		    "INSERT INTO careteam.patients"
		    " (organization_id, mrn, family_name, given_name,"
		    " birth_date) VALUES (%lld, '%s', '%s', '%s', '%s')",
		    (long long)org->id, mrn, family, given, birth_date);
}

void ct_test_add_staff(PGconn *admin, const struct ct_test_org *org,
		       const char *role_name, const char *display_name,
		       const char *access_level)
{
	ct_test_sql(admin,
		    "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles"
		    " WHERE rolname = '%s') THEN CREATE ROLE %s LOGIN;"
		    " END IF; END$$",
		    role_name, role_name);
	/* Staff get nothing but the careteam_staff group role. */
	ct_test_sql(admin, "GRANT careteam_staff TO %s", role_name);
	ct_test_sql(admin,
		    "INSERT INTO careteam.staff (role_name, display_name)"
		    " VALUES ('%s', '%s') ON CONFLICT (role_name) DO NOTHING",
		    role_name, display_name);
	ct_test_sql(admin,
		    "INSERT INTO careteam.memberships"
		    " (organization_id, staff_id, access_level)"
		    " SELECT %lld, id, '%s' FROM careteam.staff"
		    " WHERE role_name = '%s'",
		    (long long)org->id, access_level, role_name);
}

void ct_test_config(struct ct_config *config, const char *user,
		    enum ct_isolation isolation, int max_retries)
{
	ct_config_defaults(config);
	if (user != NULL)
		snprintf(config->conninfo, sizeof(config->conninfo),
			 "%s user=%s", ct_test_env("CT_TEST_CONNINFO"), user);
	else
		snprintf(config->conninfo, sizeof(config->conninfo), "%s",
			 ct_test_env("CT_TEST_CONNINFO"));
	config->isolation = isolation;
	config->max_retries = max_retries;
	config->log_destination = CT_LOG_TO_STDERR;
	config->log_level = CT_LOG_ERROR;
}

void ct_test_open_session(const struct ct_test_org *org, const char *user,
			  enum ct_isolation isolation, int max_retries,
			  struct ct_session *session)
{
	struct ct_config config;
	struct ct_error err;
	enum ct_outcome outcome;

	ct_test_config(&config, user, isolation, max_retries);
	outcome = ct_session_open(&config, org->code, session, &err);
	if (outcome != CT_OK)
		fail_msg("ct_session_open(%s) failed: %s: %s", org->code,
			 ct_outcome_name(outcome), err.detail);
}

void ct_test_wait_for_lock_wait(PGconn *admin, int backend_pid)
{
	double limit_s = 10.0 * ct_test_timeout_scale();
	struct timespec start, now, pause = {0, 5 * 1000000L};

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		const char *wait = ct_test_sql_value(
			admin,
			"SELECT coalesce(wait_event_type, '') FROM"
			" pg_stat_activity WHERE pid = %d",
			backend_pid);

		if (strcmp(wait, "Lock") == 0)
			return;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((double)(now.tv_sec - start.tv_sec) > limit_s)
			fail_msg("backend %d never waited for a lock",
				 backend_pid);
		/* Polls pg_stat_activity; the condition, not the pause,
		 * ends the wait. */
		nanosleep(&pause, NULL);
	}
}
