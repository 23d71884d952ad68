/* The care-team rules, through the data layer against a real server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "careteam/care_team.h"
#include "careteam/providers.h"
#include "support/fixture.h"

struct rules_fixture {
	PGconn *admin;
	struct ct_test_org org;
	struct ct_session session;
};

static int setup(void **state)
{
	struct rules_fixture *fixture = calloc(1, sizeof(*fixture));

	fixture->admin = ct_test_admin_connect();
	ct_test_make_org(fixture->admin, "rules", &fixture->org);
	ct_test_add_provider(fixture->admin, &fixture->org, "1000000001",
			     "Dr. Ada Okafor", true);
	ct_test_add_provider(fixture->admin, &fixture->org, "1000000002",
			     "Dr. Bruno Lindqvist", true);
	ct_test_add_provider(fixture->admin, &fixture->org, "1000000003",
			     "Dr. Chidi Mensah", true);
	ct_test_add_provider(fixture->admin, &fixture->org, "1000000004",
			     "Dr. Dana Whitfield", false);
	ct_test_add_patient(fixture->admin, &fixture->org, "P1", "Müller",
			    "José", "1970-01-02");
	ct_test_open_session(&fixture->org, NULL, CT_ISOLATION_READ_COMMITTED,
			     3, &fixture->session);
	*state = fixture;
	return 0;
}

static int teardown(void **state)
{
	struct rules_fixture *fixture = *state;

	ct_session_close(&fixture->session);
	PQfinish(fixture->admin);
	free(fixture);
	return 0;
}

/* Gives each test a patient of its own, so the tests stay independent. */
static const char *new_patient(struct rules_fixture *fixture)
{
	static char mrn[32];
	static int counter;

	snprintf(mrn, sizeof(mrn), "R%d", ++counter);
	ct_test_add_patient(fixture->admin, &fixture->org, mrn, "Okonkwo",
			    "Zoë", "1980-03-04");
	return mrn;
}

static enum ct_outcome assign(struct rules_fixture *fixture, const char *mrn,
			      const char *npi, enum ct_role role,
			      struct ct_write_result *result)
{
	struct ct_write_request request = {
		.mrn = mrn,
		.npi = npi,
		.role = role,
		.expected_version = CT_VERSION_ANY,
	};

	return ct_care_team_assign(&fixture->session, &request, result);
}

static enum ct_outcome remove_with(struct rules_fixture *fixture,
				   const char *mrn, const char *npi,
				   const char *reason)
{
	struct ct_write_request request = {
		.mrn = mrn,
		.npi = npi,
		.reason = reason,
		.expected_version = CT_VERSION_ANY,
	};
	struct ct_write_result result;

	return ct_care_team_remove(&fixture->session, &request, &result);
}

static int count_active(struct rules_fixture *fixture, const char *mrn,
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

static void test_second_primary_rejected(void **state)
{
	struct rules_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_write_result result;

	assert_int_equal(
		assign(fixture, mrn, "1000000001", CT_ROLE_PRIMARY, &result),
		CT_OK);
	assert_int_equal(
		assign(fixture, mrn, "1000000002", CT_ROLE_PRIMARY, &result),
		CT_CONFLICT_PRIMARY);
	assert_false(result.caught_by_constraint);
	assert_string_equal(result.other_provider, "Dr. Ada Okafor");
	assert_string_equal(result.other_staff, "Test Staff");
	assert_int_equal(count_active(fixture, mrn, "PRIMARY"), 1);
}

static void test_several_specialists_allowed(void **state)
{
	struct rules_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_write_result result;

	assert_int_equal(
		assign(fixture, mrn, "1000000001", CT_ROLE_SPECIALIST, &result),
		CT_OK);
	assert_int_equal(
		assign(fixture, mrn, "1000000002", CT_ROLE_SPECIALIST, &result),
		CT_OK);
	assert_int_equal(
		assign(fixture, mrn, "1000000003", CT_ROLE_SPECIALIST, &result),
		CT_OK);
	assert_int_equal(count_active(fixture, mrn, "SPECIALIST"), 3);
}

static void test_several_consultants_allowed(void **state)
{
	struct rules_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_write_result result;

	assert_int_equal(
		assign(fixture, mrn, "1000000001", CT_ROLE_CONSULTANT, &result),
		CT_OK);
	assert_int_equal(
		assign(fixture, mrn, "1000000002", CT_ROLE_CONSULTANT, &result),
		CT_OK);
	assert_int_equal(count_active(fixture, mrn, "CONSULTANT"), 2);
}

static void test_removed_primary_allows_new(void **state)
{
	struct rules_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_write_result result;

	assert_int_equal(
		assign(fixture, mrn, "1000000001", CT_ROLE_PRIMARY, &result),
		CT_OK);
	assert_int_equal(remove_with(fixture, mrn, "1000000001",
				     "Patient asked for another doctor"),
			 CT_OK);
	assert_int_equal(
		assign(fixture, mrn, "1000000002", CT_ROLE_PRIMARY, &result),
		CT_OK);
	assert_int_equal(count_active(fixture, mrn, "PRIMARY"), 1);
	/* The removal is soft: the old row stays, with who and why. */
	assert_string_equal(
		ct_test_sql_value(
			fixture->admin,
			"SELECT removal_reason || '|' || (removed_by IS NOT"
			" NULL) FROM careteam.care_team_assignments a JOIN"
			" careteam.providers pr ON pr.organization_id ="
			" a.organization_id AND pr.id = a.provider_id"
			" JOIN careteam.patients p ON p.organization_id ="
			" a.organization_id AND p.id = a.patient_id"
			" WHERE p.mrn = '%s' AND pr.npi = '1000000001'"
			" AND a.organization_id = %lld",
			mrn, (long long)fixture->org.id),
		"Patient asked for another doctor|true");
}

static void test_reassign_primary_workflow(void **state)
{
	struct rules_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_write_result result;
	struct ct_write_request request = {
		.mrn = mrn,
		.npi = "1000000002",
		.reason = "Moved closer to the north clinic",
		.expected_version = CT_VERSION_ANY,
	};
	struct ct_care_team team;
	struct ct_error err;
	const struct ct_assignment *primary;

	assert_int_equal(
		assign(fixture, mrn, "1000000001", CT_ROLE_PRIMARY, &result),
		CT_OK);
	assert_int_equal(
		assign(fixture, mrn, "1000000002", CT_ROLE_SPECIALIST, &result),
		CT_OK);
	assert_int_equal(ct_care_team_reassign_primary(&fixture->session,
						       &request, &result),
			 CT_OK);
	assert_string_equal(result.other_provider, "Dr. Ada Okafor");

	assert_int_equal(
		ct_care_team_load(&fixture->session, mrn, true, &team, &err),
		CT_OK);
	primary = ct_care_team_primary(&team);
	assert_non_null(primary);
	assert_string_equal(primary->provider_npi, "1000000002");
	/* The new PRIMARY's SPECIALIST row ended; Okafor's PRIMARY ended
	 * with the user's reason. Nothing else is active. */
	assert_int_equal(count_active(fixture, mrn, "PRIMARY"), 1);
	assert_int_equal(count_active(fixture, mrn, "SPECIALIST"), 0);
	assert_int_equal(team.count, 3);
	assert_true(team.items[1].removed);
	assert_true(team.items[2].removed);
	assert_int_equal(team.patient.care_team_version, 3);
	ct_care_team_free(&team);
	assert_string_equal(
		ct_test_sql_value(fixture->admin,
				  "SELECT removal_reason FROM"
				  " careteam.care_team_assignments a JOIN"
				  " careteam.providers pr ON pr.organization_id"
				  " = a.organization_id AND pr.id ="
				  " a.provider_id WHERE pr.npi = '1000000001'"
				  " AND a.organization_id = %lld AND"
				  " a.role = 'PRIMARY' ORDER BY a.id DESC"
				  " LIMIT 1",
				  (long long)fixture->org.id),
		"Moved closer to the north clinic");
}

static void test_duplicate_provider_rejected(void **state)
{
	struct rules_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_write_result result;

	assert_int_equal(
		assign(fixture, mrn, "1000000003", CT_ROLE_SPECIALIST, &result),
		CT_OK);
	assert_int_equal(
		assign(fixture, mrn, "1000000003", CT_ROLE_CONSULTANT, &result),
		CT_CONFLICT_DUPLICATE);
	assert_string_equal(result.other_provider, "Dr. Chidi Mensah");
	assert_int_equal(count_active(fixture, mrn, "CONSULTANT"), 0);
}

static void test_removed_provider_added_again(void **state)
{
	struct rules_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_write_result result;

	assert_int_equal(
		assign(fixture, mrn, "1000000003", CT_ROLE_SPECIALIST, &result),
		CT_OK);
	assert_int_equal(
		remove_with(fixture, mrn, "1000000003", "Referral completed"),
		CT_OK);
	assert_int_equal(
		assign(fixture, mrn, "1000000003", CT_ROLE_SPECIALIST, &result),
		CT_OK);
	assert_int_equal(count_active(fixture, mrn, "SPECIALIST"), 1);
}

static void test_cross_organization_rejected(void **state)
{
	struct rules_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_test_org other;
	struct ct_write_result result;
	PGresult *raw;

	ct_test_make_org(fixture->admin, "other", &other);
	ct_test_add_provider(fixture->admin, &other, "2000000001",
			     "Dr. Other Clinic", true);

	/* Through the data layer the other organization's NPI is unknown. */
	assert_int_equal(
		assign(fixture, mrn, "2000000001", CT_ROLE_SPECIALIST, &result),
		CT_PROVIDER_NOT_FOUND);

	/* Raw SQL that links across organizations breaks the composite
	 * foreign key. */
	raw = PQexec(fixture->admin,
		     "INSERT INTO careteam.care_team_assignments"
		     " (organization_id, patient_id, provider_id, role,"
		     " assigned_by) SELECT p.organization_id, p.id, pr.id,"
		     " 'SPECIALIST', s.id FROM careteam.patients p,"
		     " careteam.providers pr, careteam.staff s"
		     " WHERE pr.npi = '2000000001' AND s.role_name ="
		     " current_user AND p.mrn = 'P1' AND p.organization_id <>"
		     " pr.organization_id LIMIT 1");
	assert_int_equal(PQresultStatus(raw), PGRES_FATAL_ERROR);
	assert_string_equal(PQresultErrorField(raw, PG_DIAG_SQLSTATE), "23503");
	PQclear(raw);
}

static void test_invalid_role_rejected(void **state)
{
	struct rules_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_write_result result;
	char message[512];
	enum ct_role role;
	PGresult *raw;

	assert_false(ct_role_parse("SURGEON", &role));
	assert_false(ct_role_parse("", &role));
	assert_true(ct_role_parse("specialist", &role));
	assert_int_equal(role, CT_ROLE_SPECIALIST);

	assert_int_equal(
		assign(fixture, mrn, "1000000001", (enum ct_role)7, &result),
		CT_INVALID_ROLE);
	ct_write_result_message(&result, message, sizeof(message));
	assert_non_null(strstr(message, "PRIMARY, SPECIALIST or CONSULTANT"));

	/* The server function and the CHECK constraint reject it too. */
	assert_string_equal(
		ct_test_sql_value(fixture->admin,
				  "SELECT outcome FROM careteam.assign(%lld,"
				  " '%s', '1000000001', 'SURGEON', NULL)",
				  (long long)fixture->org.id, mrn),
		"invalid_role");
	raw = PQexec(fixture->admin,
		     "UPDATE careteam.care_team_assignments SET role ="
		     " 'SURGEON' WHERE id = (SELECT min(id) FROM"
		     " careteam.care_team_assignments)");
	assert_string_equal(PQresultErrorField(raw, PG_DIAG_SQLSTATE), "23514");
	PQclear(raw);
}

static void test_inactive_provider_rejected(void **state)
{
	struct rules_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_write_result result;

	assert_int_equal(
		assign(fixture, mrn, "1000000004", CT_ROLE_SPECIALIST, &result),
		CT_PROVIDER_INACTIVE);
	assert_int_equal(count_active(fixture, mrn, "SPECIALIST"), 0);
}

static void test_reassign_after_primary_removed(void **state)
{
	struct rules_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_write_result result;
	struct ct_write_request request = {
		.mrn = mrn,
		.npi = "1000000002",
		.reason = "Patient request",
		.expected_version = CT_VERSION_ANY,
	};

	assert_int_equal(
		assign(fixture, mrn, "1000000001", CT_ROLE_PRIMARY, &result),
		CT_OK);
	/* Someone else removes the PRIMARY first. */
	ct_test_sql(fixture->admin,
		    "SELECT careteam.remove(%lld, '%s', '1000000001',"
		    " 'Left the practice', NULL)",
		    (long long)fixture->org.id, mrn);

	assert_int_equal(ct_care_team_reassign_primary(&fixture->session,
						       &request, &result),
			 CT_CONFLICT_NO_PRIMARY);
	assert_int_equal(count_active(fixture, mrn, "PRIMARY"), 0);
}

static void test_stale_version_rejected(void **state)
{
	struct rules_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_write_result result;
	struct ct_write_request request = {
		.mrn = mrn,
		.npi = "1000000002",
		.role = CT_ROLE_SPECIALIST,
		.expected_version = 0,
	};
	char message[512];

	assert_int_equal(
		assign(fixture, mrn, "1000000001", CT_ROLE_PRIMARY, &result),
		CT_OK);
	assert_int_equal(result.care_team_version, 1);

	assert_int_equal(
		ct_care_team_assign(&fixture->session, &request, &result),
		CT_STALE);
	assert_int_equal(result.care_team_version, 1);
	ct_write_result_message(&result, message, sizeof(message));
	assert_non_null(strstr(message, "last changed by Test Staff"));
	assert_non_null(strstr(message, "for Dr. Ada Okafor (PRIMARY)."));

	request.expected_version = 1;
	assert_int_equal(
		ct_care_team_assign(&fixture->session, &request, &result),
		CT_OK);
	assert_int_equal(result.care_team_version, 2);
}

static void test_set_role_keeps_history(void **state)
{
	struct rules_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_write_result result;
	struct ct_write_request request = {
		.mrn = mrn,
		.npi = "1000000003",
		.role = CT_ROLE_CONSULTANT,
		.expected_version = CT_VERSION_ANY,
	};

	assert_int_equal(
		assign(fixture, mrn, "1000000003", CT_ROLE_SPECIALIST, &result),
		CT_OK);
	assert_int_equal(
		ct_care_team_set_role(&fixture->session, &request, &result),
		CT_OK);
	assert_int_equal(count_active(fixture, mrn, "CONSULTANT"), 1);
	assert_int_equal(count_active(fixture, mrn, "SPECIALIST"), 0);
	assert_int_equal(
		ct_care_team_set_role(&fixture->session, &request, &result),
		CT_UNCHANGED);

	/* Making a provider PRIMARY by role change obeys the PRIMARY rule. */
	assert_int_equal(
		assign(fixture, mrn, "1000000001", CT_ROLE_PRIMARY, &result),
		CT_OK);
	request.role = CT_ROLE_PRIMARY;
	assert_int_equal(
		ct_care_team_set_role(&fixture->session, &request, &result),
		CT_CONFLICT_PRIMARY);
	assert_int_equal(count_active(fixture, mrn, "PRIMARY"), 1);
}

static void test_missing_reason_rejected(void **state)
{
	struct rules_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_write_result result;

	assert_int_equal(
		assign(fixture, mrn, "1000000001", CT_ROLE_SPECIALIST, &result),
		CT_OK);
	assert_int_equal(remove_with(fixture, mrn, "1000000001", "  "),
			 CT_INVALID_REASON);
	assert_int_equal(remove_with(fixture, mrn, "1000000001", NULL),
			 CT_INVALID_REASON);
	assert_int_equal(count_active(fixture, mrn, "SPECIALIST"), 1);
}

static void test_unknown_patient_and_provider(void **state)
{
	struct rules_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_write_result result;
	struct ct_care_team team;
	struct ct_error err;

	assert_int_equal(assign(fixture, "NOPE", "1000000001",
				CT_ROLE_SPECIALIST, &result),
			 CT_PATIENT_NOT_FOUND);
	assert_int_equal(
		assign(fixture, mrn, "9999999999", CT_ROLE_SPECIALIST, &result),
		CT_PROVIDER_NOT_FOUND);
	assert_int_equal(remove_with(fixture, mrn, "1000000002", "Done"),
			 CT_NOT_ON_TEAM);
	assert_int_equal(
		ct_care_team_load(&fixture->session, "NOPE", true, &team, &err),
		CT_PATIENT_NOT_FOUND);
}

static void test_text_stored_literally(void **state)
{
	struct rules_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	const char *reason = "O'Brien said; DROP TABLE x; -- \\ %_ \"q\"";
	struct ct_write_result result;
	struct ct_care_team team;
	struct ct_error err;

	assert_int_equal(
		assign(fixture, mrn, "1000000001", CT_ROLE_SPECIALIST, &result),
		CT_OK);
	assert_int_equal(remove_with(fixture, mrn, "1000000001", reason),
			 CT_OK);
	assert_int_equal(
		ct_care_team_load(&fixture->session, mrn, true, &team, &err),
		CT_OK);
	assert_int_equal(team.count, 1);
	assert_string_equal(team.items[0].removal_reason, reason);
	ct_care_team_free(&team);
}

static void test_provider_list_panel_size(void **state)
{
	struct rules_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	struct ct_write_result result;
	struct ct_provider_list list;
	struct ct_error err;
	long before;

	assert_int_equal(ct_providers_list(&fixture->session, "chidi", true,
					   &list, &err),
			 CT_OK);
	assert_int_equal(list.count, 1);
	before = list.items[0].primary_panel_size;
	ct_provider_list_free(&list);

	assert_int_equal(
		assign(fixture, mrn, "1000000003", CT_ROLE_PRIMARY, &result),
		CT_OK);
	assert_int_equal(ct_providers_list(&fixture->session, "1000000003",
					   false, &list, &err),
			 CT_OK);
	assert_int_equal(list.count, 1);
	assert_int_equal(list.items[0].primary_panel_size, before + 1);
	ct_provider_list_free(&list);

	assert_int_equal(
		ct_providers_list(&fixture->session, NULL, true, &list, &err),
		CT_OK);
	assert_int_equal(list.count, 3); /* Whitfield is inactive */
	ct_provider_list_free(&list);
}

static void test_idempotency_key_replayed(void **state)
{
	struct rules_fixture *fixture = *state;
	const char *mrn = new_patient(fixture);
	const char *key = "0123456789abcdef0123456789abcdef";
	struct ct_write_request request = {
		.mrn = mrn,
		.npi = "1000000001",
		.role = CT_ROLE_PRIMARY,
		.expected_version = CT_VERSION_ANY,
		.idempotency_key = key,
	};
	struct ct_write_result first, second;

	assert_int_equal(
		ct_care_team_assign(&fixture->session, &request, &first),
		CT_OK);
	/* The same key again returns the stored result and writes nothing,
	 * where a new write would be a PRIMARY conflict. */
	assert_int_equal(
		ct_care_team_assign(&fixture->session, &request, &second),
		CT_OK);
	assert_int_equal(second.assignment_id, first.assignment_id);
	assert_int_equal(second.care_team_version, first.care_team_version);
	assert_int_equal(count_active(fixture, mrn, "PRIMARY"), 1);

	/* The same key with another request is rejected, not replayed. */
	request.npi = "1000000002";
	assert_int_equal(
		ct_care_team_assign(&fixture->session, &request, &second),
		CT_INVALID_INPUT);
	assert_non_null(strstr(second.error.detail, "another write"));
	assert_int_equal(count_active(fixture, mrn, "PRIMARY"), 1);

	request.idempotency_key = "not-a-key";
	assert_int_equal(
		ct_care_team_assign(&fixture->session, &request, &second),
		CT_INVALID_INPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_second_primary_rejected),
		cmocka_unit_test(test_several_specialists_allowed),
		cmocka_unit_test(test_several_consultants_allowed),
		cmocka_unit_test(test_removed_primary_allows_new),
		cmocka_unit_test(test_reassign_primary_workflow),
		cmocka_unit_test(test_duplicate_provider_rejected),
		cmocka_unit_test(test_removed_provider_added_again),
		cmocka_unit_test(test_cross_organization_rejected),
		cmocka_unit_test(test_invalid_role_rejected),
		cmocka_unit_test(test_inactive_provider_rejected),
		cmocka_unit_test(test_reassign_after_primary_removed),
		cmocka_unit_test(test_stale_version_rejected),
		cmocka_unit_test(test_set_role_keeps_history),
		cmocka_unit_test(test_missing_reason_rejected),
		cmocka_unit_test(test_unknown_patient_and_provider),
		cmocka_unit_test(test_text_stored_literally),
		cmocka_unit_test(test_provider_list_panel_size),
		cmocka_unit_test(test_idempotency_key_replayed),
	};

	return cmocka_run_group_tests_name("rules", tests, setup, teardown);
}
