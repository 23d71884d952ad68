/* Change notifications from the database trigger. */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "careteam/care_team.h"
#include "careteam/changes.h"
#include "support/fixture.h"

struct changes_fixture {
	PGconn *admin;
	struct ct_test_org org;
	struct ct_test_org other;
	struct ct_session listener;
	struct ct_session writer;
};

static int setup(void **state)
{
	struct changes_fixture *fixture = calloc(1, sizeof(*fixture));

	fixture->admin = ct_test_admin_connect();
	ct_test_make_org(fixture->admin, "changes", &fixture->org);
	ct_test_make_org(fixture->admin, "elsewhere", &fixture->other);
	ct_test_add_provider(fixture->admin, &fixture->org, "1000000001",
			     "Dr. Ada Okafor", true);
	ct_test_add_provider(fixture->admin, &fixture->other, "1000000001",
			     "Dr. Elsewhere", true);
	ct_test_add_patient(fixture->admin, &fixture->org, "W1", "Haddad",
			    "Layla", "1977-04-05");
	ct_test_add_patient(fixture->admin, &fixture->other, "W1", "Haddad",
			    "Omar", "1978-04-05");
	ct_test_open_session(&fixture->org, NULL, CT_ISOLATION_READ_COMMITTED,
			     3, &fixture->listener);
	ct_test_open_session(&fixture->org, NULL, CT_ISOLATION_READ_COMMITTED,
			     3, &fixture->writer);
	*state = fixture;
	return 0;
}

static int teardown(void **state)
{
	struct changes_fixture *fixture = *state;

	ct_session_close(&fixture->listener);
	ct_session_close(&fixture->writer);
	PQfinish(fixture->admin);
	free(fixture);
	return 0;
}

/* Waits up to timeout_ms for notifications that concern the session's
 * organization and returns how many patients changed, 0 on timeout.
 * Notifications of other organizations wake the poll but count nothing. */
static size_t wait_for_changes(struct ct_session *session,
			       struct ct_change changes[CT_CHANGES_MAX],
			       int timeout_ms)
{
	struct timespec start, now;
	struct ct_error err;
	size_t count = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd fd = {ct_session_socket(session), POLLIN, 0};
		long elapsed_ms;

		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed_ms = (now.tv_sec - start.tv_sec) * 1000 +
			     (now.tv_nsec - start.tv_nsec) / 1000000;
		if (elapsed_ms >= timeout_ms ||
		    poll(&fd, 1, (int)(timeout_ms - elapsed_ms)) <= 0)
			return 0;
		assert_int_equal(
			ct_changes_read(session, changes, &count, &err), CT_OK);
		if (count > 0)
			return count;
	}
}

static void assign_okafor(struct ct_session *session)
{
	struct ct_write_request request = {
		.mrn = "W1",
		.npi = "1000000001",
		.role = CT_ROLE_SPECIALIST,
		.expected_version = CT_VERSION_ANY,
	};
	struct ct_write_result result;

	assert_int_equal(ct_care_team_assign(session, &request, &result),
			 CT_OK);
}

static void test_change_is_notified(void **state)
{
	struct changes_fixture *fixture = *state;
	struct ct_change changes[CT_CHANGES_MAX];
	struct ct_error err;

	assert_int_equal(ct_changes_listen(&fixture->listener, &err), CT_OK);
	assign_okafor(&fixture->writer);

	assert_int_equal(
		wait_for_changes(&fixture->listener, changes,
				 (int)(5000 * ct_test_timeout_scale())),
		1);
	assert_string_equal(changes[0].mrn, "W1");
	assert_int_equal(changes[0].care_team_version, 1);
	assert_string_equal(changes[0].changed_by, "Test Staff");
	assert_string_equal(changes[0].action, "assign");
	assert_int_equal(strlen(changes[0].changed_at), 16);
}

static void test_other_organization_filtered(void **state)
{
	struct changes_fixture *fixture = *state;
	struct ct_change changes[CT_CHANGES_MAX];
	struct ct_error err;

	assert_int_equal(ct_changes_listen(&fixture->listener, &err), CT_OK);
	/* The other organization's change arrives on the channel, but it is
	 * not for this session. A raw write notifies too. */
	ct_test_sql(fixture->admin,
		    "SELECT careteam.assign(%lld, 'W1', '1000000001',"
		    " 'PRIMARY', NULL)",
		    (long long)fixture->other.id);
	ct_test_sql(fixture->admin,
		    "UPDATE careteam.care_team_assignments SET updated_at ="
		    " now() WHERE organization_id = %lld",
		    (long long)fixture->org.id);
	assert_int_equal(
		wait_for_changes(&fixture->listener, changes,
				 (int)(5000 * ct_test_timeout_scale())),
		1);
	assert_string_equal(changes[0].mrn, "W1");
	assert_int_equal(wait_for_changes(&fixture->listener, changes, 200), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_change_is_notified),
		cmocka_unit_test(test_other_organization_filtered),
	};

	return cmocka_run_group_tests_name("changes", tests, setup, teardown);
}
