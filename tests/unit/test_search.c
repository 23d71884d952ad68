/* Patient search: names without case or accents, typos, MRN, date of birth,
 * and the asynchronous form used by the TUI. */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "careteam/patients.h"
#include "support/fixture.h"

struct search_fixture {
	PGconn *admin;
	struct ct_test_org org;
	struct ct_session session;
};

static int setup(void **state)
{
	struct search_fixture *fixture = calloc(1, sizeof(*fixture));
	PGconn *admin = ct_test_admin_connect();

	fixture->admin = admin;
	ct_test_make_org(admin, "search", &fixture->org);
	ct_test_add_patient(admin, &fixture->org, "S-001",
			    "Müller-Lüdenscheidt", "José", "1970-01-02");
	ct_test_add_patient(admin, &fixture->org, "S-002", "O''Brien", "Zoë",
			    "1980-03-04");
	ct_test_add_patient(admin, &fixture->org, "S-003", "Nguyễn", "Thị Lan",
			    "1992-11-30");
	ct_test_add_patient(admin, &fixture->org, "S-004", "王", "芳",
			    "1980-03-04");
	ct_test_add_patient(admin, &fixture->org, "S-005", "Okafor", "Adaeze",
			    "2001-09-10");
	ct_test_add_patient(admin, &fixture->org, "S-006", "100%_Real", "Percy",
			    "1999-12-31");
	ct_test_open_session(&fixture->org, NULL, CT_ISOLATION_READ_COMMITTED,
			     3, &fixture->session);
	*state = fixture;
	return 0;
}

static int teardown(void **state)
{
	struct search_fixture *fixture = *state;

	ct_session_close(&fixture->session);
	PQfinish(fixture->admin);
	free(fixture);
	return 0;
}

/* Searches and returns the MRNs found, comma-separated, in order. */
static const char *search(struct search_fixture *fixture, const char *query)
{
	static char mrns[512];
	struct ct_patient_list list;
	struct ct_error err;
	enum ct_outcome outcome;
	size_t i;

	outcome = ct_patients_search(&fixture->session, query, 20, &list, &err);
	if (outcome != CT_OK)
		fail_msg("search \"%s\": %s: %s", query,
			 ct_outcome_name(outcome), err.detail);
	mrns[0] = '\0';
	for (i = 0; i < list.count; i++) {
		if (i > 0)
			strncat(mrns, ",", sizeof(mrns) - strlen(mrns) - 1);
		strncat(mrns, list.items[i].mrn,
			sizeof(mrns) - strlen(mrns) - 1);
	}
	ct_patient_list_free(&list);
	return mrns;
}

static void test_partial_name(void **state)
{
	assert_string_equal(search(*state, "müller"), "S-001");
	assert_string_equal(search(*state, "LÜDEN"), "S-001");
	assert_string_equal(search(*state, "okaf"), "S-005");
}

static void test_accents_ignored(void **state)
{
	assert_string_equal(search(*state, "muller"), "S-001");
	assert_string_equal(search(*state, "jose muller"), "S-001");
	assert_string_equal(search(*state, "nguyen"), "S-003");
	assert_string_equal(search(*state, "zoe"), "S-002");
}

static void test_apostrophe_ignored(void **state)
{
	assert_string_equal(search(*state, "obrien"), "S-002");
	assert_string_equal(search(*state, "O'Brien"), "S-002");
}

static void test_typo_tolerated(void **state)
{
	assert_string_equal(search(*state, "okafr"), "S-005");
	assert_string_equal(search(*state, "okafoor"), "S-005");
	assert_string_equal(search(*state, "okafpr"), "S-005");
	assert_string_equal(search(*state, "ngyuen"), "S-003");
	assert_string_equal(search(*state, "jose mullr"), "S-001");
	assert_string_equal(search(*state, "mlller jose"), "S-001");
	assert_string_equal(search(*state, "okfaor"), "S-005");
	/* Two slips: the deleted letters of a shared form sit apart. */
	assert_string_equal(search(*state, "oafors"), "");
	assert_string_equal(search(*state, "daezex okafor"), "");
	/* Too short for a slip, and a slip is never looked for in a word
	 * with a digit. */
	assert_string_equal(search(*state, "zoa"), "");
	assert_string_equal(search(*state, "S-0007"), "");
}

static void test_word_order_free(void **state)
{
	assert_string_equal(search(*state, "muller jose"), "S-001");
	assert_string_equal(search(*state, "Müller-Lüdenscheidt, José"),
			    "S-001");
	assert_string_equal(search(*state, "lan nguyen thi"), "S-003");
	assert_string_equal(search(*state, "ada oka"), "S-005");
	assert_string_equal(search(*state, "jose okafor"), "");
}

/* A slip can turn one name into another. The name typed is corrected
 * only when nothing matches the words otherwise. */
static void test_slip_into_other_name(void **state)
{
	struct search_fixture *fixture = *state;

	ct_test_add_patient(fixture->admin, &fixture->org, "S-008", "Okafo",
			    "Bola", "1966-04-05");
	assert_string_equal(search(fixture, "okafo"), "S-008,S-005");
	assert_string_equal(search(fixture, "bola okafo"), "S-008");
	assert_string_equal(search(fixture, "adaeze okafo"), "S-005");
	ct_test_sql(fixture->admin,
		    "DELETE FROM careteam.patients WHERE organization_id = %lld"
		    " AND mrn = 'S-008'",
		    (long long)fixture->org.id);
}

/* A no-break space, as in names pasted from documents, separates words
 * like any other space. */
static void test_no_break_space(void **state)
{
	struct search_fixture *fixture = *state;

	ct_test_add_patient(fixture->admin, &fixture->org, "S-007",
			    "Van\xc2\xa0" "Aalst", "Ilse", "1975-06-07");
	assert_string_equal(search(fixture, "aalst"), "S-007");
	assert_string_equal(search(fixture, "ilse van aalst"), "S-007");
	assert_string_equal(search(fixture, "van\xc2\xa0" "aalst"), "S-007");
	ct_test_sql(fixture->admin,
		    "DELETE FROM careteam.patients WHERE organization_id = %lld"
		    " AND mrn = 'S-007'",
		    (long long)fixture->org.id);
}

/* A renamed patient is found by the new name only. */
static void test_rename_reindexes(void **state)
{
	struct search_fixture *fixture = *state;

	ct_test_sql(fixture->admin,
		    "UPDATE careteam.patients SET family_name = 'Eze'"
		    " WHERE organization_id = %lld AND mrn = 'S-005'",
		    (long long)fixture->org.id);
	assert_string_equal(search(fixture, "eze adaeze"), "S-005");
	assert_string_equal(search(fixture, "okafor"), "");
	ct_test_sql(fixture->admin,
		    "UPDATE careteam.patients SET family_name = 'Okafor'"
		    " WHERE organization_id = %lld AND mrn = 'S-005'",
		    (long long)fixture->org.id);
	assert_string_equal(search(fixture, "okafor"), "S-005");
	assert_string_equal(search(fixture, "eze"), "");
}

/* Prefixes that cover more words than the index lookup takes are checked
 * patient by patient instead, alone or beside a longer word. */
static void test_short_prefixes(void **state)
{
	struct search_fixture *fixture = *state;
	char expected[512] = "";
	int i;

	ct_test_sql(fixture->admin,
		    "INSERT INTO careteam.patients (organization_id, mrn,"
		    " family_name, given_name, birth_date)"
		    " SELECT %lld, 'Q-' || lpad(n::text, 3, '0'),"
		    " 'Quill' || lpad(n::text, 3, '0'),"
		    " 'Pax' || lpad(n::text, 3, '0'), '1900-01-01'"
		    " FROM generate_series(1, 80) AS n",
		    (long long)fixture->org.id);
	for (i = 1; i <= 20; i++)
		snprintf(expected + strlen(expected),
			 sizeof(expected) - strlen(expected), "%sQ-%03d",
			 i > 1 ? "," : "", i);
	assert_string_equal(search(fixture, "q"), expected);
	assert_string_equal(search(fixture, "q p"), expected);
	assert_string_equal(search(fixture, "p q"), expected);
	assert_string_equal(search(fixture, "q pax042"), "Q-042");
	assert_string_equal(search(fixture, "quill042 p"), "Q-042");
	assert_string_equal(search(fixture, "q-042"), "Q-042");
	ct_test_sql(fixture->admin,
		    "DELETE FROM careteam.patients WHERE organization_id = %lld"
		    " AND mrn LIKE 'Q-%%'",
		    (long long)fixture->org.id);
	assert_string_equal(search(fixture, "q"), "");
}

static void test_mrn_and_birth_date(void **state)
{
	struct search_fixture *fixture = *state;

	assert_string_equal(search(*state, "S-004"), "S-004");
	assert_string_equal(search(*state, "s-004"), "S-004");
	/* An MRN stored in lower case is found in any case too, and the one
	 * typed exactly comes first. */
	ct_test_add_patient(fixture->admin, &fixture->org, "s-004", "Quorn",
			    "Edda", "1930-01-01");
	assert_string_equal(search(*state, "S-004"), "S-004,s-004");
	assert_string_equal(search(*state, "s-004"), "s-004,S-004");
	ct_test_sql(fixture->admin,
		    "DELETE FROM careteam.patients WHERE organization_id = %lld"
		    " AND mrn = 's-004'",
		    (long long)fixture->org.id);
	/* Same date of birth: sorted by family name, then given name. */
	assert_string_equal(search(*state, "1980-03-04"), "S-002,S-004");
}

static void test_non_latin_names(void **state)
{
	assert_string_equal(search(*state, "王"), "S-004");
}

/* A name word matches by its beginning, so a wildcard taken as one would
 * match every patient. */
static void test_wildcards_literal(void **state)
{
	assert_string_equal(search(*state, "100%_"), "S-006");
	assert_string_equal(search(*state, "100%"), "S-006");
	assert_string_equal(search(*state, "1%"), "");
	assert_string_equal(search(*state, "%"), "");
	assert_string_equal(search(*state, "_"), "");
	assert_string_equal(search(*state, "10_%"), "");
}

static void test_bad_queries(void **state)
{
	struct search_fixture *fixture = *state;
	struct ct_patient_list list;
	struct ct_error err;
	char long_query[300], accented[301];
	size_t i;

	assert_string_equal(search(fixture, ""), "");
	assert_string_equal(search(fixture, "   "), "");
	assert_int_equal(ct_patients_search(&fixture->session, "2023-02-29", 10,
					    &list, &err),
			 CT_INVALID_INPUT);
	assert_non_null(strstr(err.detail, "YYYY-MM-DD"));
	assert_int_equal(
		ct_patients_search(&fixture->session, "x", 0, &list, &err),
		CT_INVALID_INPUT);
	/* Surrounding whitespace is trimmed before the date is checked. */
	assert_int_equal(ct_patients_search(&fixture->session, " 2023-02-29\t",
					    10, &list, &err),
			 CT_INVALID_INPUT);
	assert_non_null(strstr(err.detail, "YYYY-MM-DD"));
	assert_string_equal(search(fixture, "1980-03-04\t"), "S-002,S-004");
	memset(long_query, 'a', sizeof(long_query) - 1);
	long_query[sizeof(long_query) - 1] = '\0';
	assert_int_equal(ct_patients_search(&fixture->session, long_query, 10,
					    &list, &err),
			 CT_INVALID_INPUT);
	assert_non_null(strstr(err.detail, "200 characters"));
	/* The limit counts characters, not bytes: 150 two-byte letters. */
	for (i = 0; i < 150; i++)
		memcpy(accented + 2 * i, "\xc3\xa9", 2);
	accented[300] = '\0';
	assert_string_equal(search(fixture, accented), "");
	/* Invalid UTF-8 is rejected by the server as a data exception. */
	assert_int_equal(ct_patients_search(&fixture->session, "\xff\xfe", 10,
					    &list, &err),
			 CT_INVALID_INPUT);
	assert_true(ct_date_is_valid("2024-02-29"));
	assert_false(ct_date_is_valid("2023-02-29"));
	assert_false(ct_date_is_valid("2023-13-01"));
	assert_false(ct_date_is_valid("2023-1-01"));
}

static void test_async_search(void **state)
{
	struct search_fixture *fixture = *state;
	struct ct_patient_list list;
	struct ct_error err;
	bool ready = false;

	assert_int_equal(
		ct_patients_search_send(&fixture->session, "okafor", 10, &err),
		CT_OK);
	assert_true(ct_patients_search_pending(&fixture->session));
	/* A second statement cannot start while one is in flight. */
	assert_int_equal(
		ct_patients_search(&fixture->session, "x", 5, &list, &err),
		CT_SYSTEM_ERROR);
	while (!ready) {
		struct pollfd fd = {ct_session_socket(&fixture->session),
				    POLLIN, 0};

		assert_true(poll(&fd, 1, 10000) > 0);
		assert_int_equal(ct_patients_search_receive(&fixture->session,
							    &ready, &list,
							    &err),
				 CT_OK);
	}
	assert_false(ct_patients_search_pending(&fixture->session));
	assert_int_equal(list.count, 1);
	assert_string_equal(list.items[0].mrn, "S-005");
	assert_string_equal(list.items[0].given_name, "Adaeze");
	ct_patient_list_free(&list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_partial_name),
		cmocka_unit_test(test_accents_ignored),
		cmocka_unit_test(test_apostrophe_ignored),
		cmocka_unit_test(test_typo_tolerated),
		cmocka_unit_test(test_word_order_free),
		cmocka_unit_test(test_slip_into_other_name),
		cmocka_unit_test(test_no_break_space),
		cmocka_unit_test(test_rename_reindexes),
		cmocka_unit_test(test_short_prefixes),
		cmocka_unit_test(test_mrn_and_birth_date),
		cmocka_unit_test(test_non_latin_names),
		cmocka_unit_test(test_wildcards_literal),
		cmocka_unit_test(test_bad_queries),
		cmocka_unit_test(test_async_search),
	};

	return cmocka_run_group_tests_name("search", tests, setup, teardown);
}
