/* Round trips per action. Each action is counted twice: by the data layer's
 * own counter, and independently from libpq's protocol trace, where every
 * round trip ends with one Sync message from the client. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "careteam/care_team.h"
#include "careteam/db.h"
#include "careteam/patients.h"
#include "careteam/providers.h"
#include "support/fixture.h"

struct trips_fixture {
	PGconn *admin;
	struct ct_test_org org;
	struct ct_session session;
	char *trace_text;
	size_t trace_size;
	FILE *trace;
	unsigned long counter_before;
};

static int setup(void **state)
{
	struct trips_fixture *fixture = calloc(1, sizeof(*fixture));

	fixture->admin = ct_test_admin_connect();
	ct_test_make_org(fixture->admin, "trips", &fixture->org);
	ct_test_add_provider(fixture->admin, &fixture->org, "1000000001",
			     "Dr. Ada Okafor", true);
	ct_test_add_provider(fixture->admin, &fixture->org, "1000000002",
			     "Dr. Bruno Lindqvist", true);
	ct_test_add_patient(fixture->admin, &fixture->org, "T1", "Lindgren",
			    "Märta", "1950-05-06");
	ct_test_open_session(&fixture->org, NULL, CT_ISOLATION_READ_COMMITTED,
			     3, &fixture->session);
	*state = fixture;
	return 0;
}

static int teardown(void **state)
{
	struct trips_fixture *fixture = *state;

	ct_session_close(&fixture->session);
	PQfinish(fixture->admin);
	free(fixture);
	return 0;
}

static void start_counting(struct trips_fixture *fixture)
{
	PGconn *conn = ct_db_pgconn(fixture->session.db);

	fixture->trace =
		open_memstream(&fixture->trace_text, &fixture->trace_size);
	assert_non_null(fixture->trace);
	PQtrace(conn, fixture->trace);
	PQsetTraceFlags(conn, PQTRACE_SUPPRESS_TIMESTAMPS);
	fixture->counter_before = ct_session_round_trips(&fixture->session);
}

/* Stops tracing, checks that both counts agree, and returns the count. */
static unsigned long stop_counting(struct trips_fixture *fixture)
{
	unsigned long counted, synced = 0;
	const char *line;

	PQuntrace(ct_db_pgconn(fixture->session.db));
	fclose(fixture->trace);
	counted = ct_session_round_trips(&fixture->session) -
		  fixture->counter_before;
	for (line = fixture->trace_text; (line = strstr(line, "F\t4\tSync"));
	     line++)
		synced++;
	free(fixture->trace_text);
	fixture->trace_text = NULL;
	assert_int_equal(counted, synced);
	return counted;
}

static struct ct_write_request request(const char *npi, enum ct_role role,
				       const char *reason)
{
	struct ct_write_request result = {
		.mrn = "T1",
		.npi = npi,
		.role = role,
		.reason = reason,
		.expected_version = CT_VERSION_ANY,
	};

	return result;
}

static void test_search_one_trip(void **state)
{
	struct trips_fixture *fixture = *state;
	struct ct_patient_list list;
	struct ct_error err;

	start_counting(fixture);
	assert_int_equal(ct_patients_search(&fixture->session, "lindgren", 10,
					    &list, &err),
			 CT_OK);
	assert_int_equal(stop_counting(fixture), 1);
	assert_int_equal(list.count, 1);
	ct_patient_list_free(&list);
}

static void test_load_and_list_one_trip(void **state)
{
	struct trips_fixture *fixture = *state;
	struct ct_care_team team;
	struct ct_provider_list providers;
	struct ct_error err;

	start_counting(fixture);
	assert_int_equal(
		ct_care_team_load(&fixture->session, "T1", true, &team, &err),
		CT_OK);
	assert_int_equal(stop_counting(fixture), 1);
	ct_care_team_free(&team);

	start_counting(fixture);
	assert_int_equal(ct_providers_list(&fixture->session, NULL, true,
					   &providers, &err),
			 CT_OK);
	assert_int_equal(stop_counting(fixture), 1);
	assert_int_equal(providers.count, 2);
	ct_provider_list_free(&providers);
}

static void test_writes_one_trip_each(void **state)
{
	struct trips_fixture *fixture = *state;
	struct ct_write_result result;
	struct ct_write_request write;

	write = request("1000000001", CT_ROLE_PRIMARY, NULL);
	start_counting(fixture);
	assert_int_equal(
		ct_care_team_assign(&fixture->session, &write, &result), CT_OK);
	assert_int_equal(stop_counting(fixture), 1);

	write = request("1000000002", CT_ROLE_SPECIALIST, NULL);
	assert_int_equal(
		ct_care_team_assign(&fixture->session, &write, &result), CT_OK);
	write = request("1000000002", CT_ROLE_CONSULTANT, NULL);
	start_counting(fixture);
	assert_int_equal(
		ct_care_team_set_role(&fixture->session, &write, &result),
		CT_OK);
	assert_int_equal(stop_counting(fixture), 1);

	write = request("1000000002", CT_ROLE_PRIMARY, "Patient request");
	start_counting(fixture);
	assert_int_equal(ct_care_team_reassign_primary(&fixture->session,
						       &write, &result),
			 CT_OK);
	assert_int_equal(stop_counting(fixture), 1);

	write = request("1000000002", CT_ROLE_PRIMARY, "Left the practice");
	start_counting(fixture);
	assert_int_equal(
		ct_care_team_remove(&fixture->session, &write, &result), CT_OK);
	assert_int_equal(stop_counting(fixture), 1);
}

static void test_rejected_write_one_trip(void **state)
{
	struct trips_fixture *fixture = *state;
	struct ct_write_result result;
	struct ct_write_request write;

	write = request("1000000001", CT_ROLE_PRIMARY, NULL);
	assert_int_equal(
		ct_care_team_assign(&fixture->session, &write, &result), CT_OK);
	write = request("1000000002", CT_ROLE_PRIMARY, NULL);
	start_counting(fixture);
	assert_int_equal(
		ct_care_team_assign(&fixture->session, &write, &result),
		CT_CONFLICT_PRIMARY);
	assert_int_equal(stop_counting(fixture), 1);

	/* A request the data layer can reject by itself costs nothing. */
	write = request("1000000002", CT_ROLE_PRIMARY, "   ");
	start_counting(fixture);
	assert_int_equal(
		ct_care_team_remove(&fixture->session, &write, &result),
		CT_INVALID_REASON);
	assert_int_equal(stop_counting(fixture), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_search_one_trip),
		cmocka_unit_test(test_load_and_list_one_trip),
		cmocka_unit_test(test_writes_one_trip_each),
		cmocka_unit_test(test_rejected_write_one_trip),
	};

	return cmocka_run_group_tests_name("round trips", tests, setup,
					   teardown);
}
