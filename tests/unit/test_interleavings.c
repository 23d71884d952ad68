/* Deterministic interleavings of two writes to one patient's care team, in
 * the manner of PostgreSQL's isolation tester. The first write runs on a
 * plain libpq connection (the holder) inside BEGIN, so it keeps the
 * patient's row lock. The second runs through a careteam session on a
 * thread, and the test waits until pg_stat_activity shows it waiting for
 * that lock. Then the holder commits or rolls back, and the test checks
 * the second write's outcome, its attempts and the team left behind.
 *
 * The permutation table below is the specification: one row per order of
 * the two writes and per end of the first, each run under READ COMMITTED
 * and under SERIALIZABLE (holder and session alike). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "careteam/care_team.h"
#include "careteam/db.h"
#include "support/fixture.h"

/* No expected version: the write does not check for a stale view. */
#define ANY (-1)

/* One write of a permutation. provider is a letter: A, B or C. */
struct step {
	const char *action; /* careteam.write action */
	char provider;
	const char *argument; /* the role, or the reason */
	int expected_version; /* or ANY */
};

/* Teams are written "A:PRIMARY,B:SPECIALIST": the active assignments by
 * provider letter. The setup assigns the initial team one provider at a
 * time, so the initial care_team_version is the number of providers in
 * it. */
struct permutation {
	const char *name;
	const char *initial_team;
	struct step first; /* the holder's write */
	struct step second; /* the session's write, which waits */
	bool first_commits; /* COMMIT, or ROLLBACK */
	const char *first_outcome; /* careteam.write's outcome text */
	enum ct_outcome second_outcome;
	int attempts_read_committed;
	int attempts_serializable;
	const char *final_team;
	int final_version;
};

#define ASSIGN(p, role) {"assign", p, role, ANY}
#define REMOVE(p) {"remove", p, "Provider left the clinic", ANY}
#define REASSIGN(p) {"reassign_primary", p, "Patient changed clinics", ANY}
#define REMOVE_SEEN(p, v) {"remove", p, "Provider left the clinic", v}
#define REASSIGN_SEEN(p, v) {"reassign_primary", p, "Patient changed clinics", v}

/* Under SERIALIZABLE, a waiting write whose row lock meets a row updated
 * by a concurrent committed write fails with 40001 and is retried once,
 * hence 2 attempts exactly where the first write committed a change. A
 * first write that changed nothing (unchanged) only locked the row, which
 * raises no serialization failure. */
static const struct permutation permutations[] = {
	/* assign PRIMARY A and assign PRIMARY B on an empty team */
	{"primary A then primary B, commit", "", ASSIGN('A', "PRIMARY"),
	 ASSIGN('B', "PRIMARY"), true, "ok", CT_CONFLICT_PRIMARY, 1, 2,
	 "A:PRIMARY", 1},
	{"primary A then primary B, rollback", "", ASSIGN('A', "PRIMARY"),
	 ASSIGN('B', "PRIMARY"), false, "ok", CT_OK, 1, 1, "B:PRIMARY", 1},
	{"primary B then primary A, commit", "", ASSIGN('B', "PRIMARY"),
	 ASSIGN('A', "PRIMARY"), true, "ok", CT_CONFLICT_PRIMARY, 1, 2,
	 "B:PRIMARY", 1},
	{"primary B then primary A, rollback", "", ASSIGN('B', "PRIMARY"),
	 ASSIGN('A', "PRIMARY"), false, "ok", CT_OK, 1, 1, "A:PRIMARY", 1},

	/* one provider assigned twice, PRIMARY and SPECIALIST */
	{"primary A then specialist A, commit", "", ASSIGN('A', "PRIMARY"),
	 ASSIGN('A', "SPECIALIST"), true, "ok", CT_CONFLICT_DUPLICATE, 1, 2,
	 "A:PRIMARY", 1},
	{"primary A then specialist A, rollback", "", ASSIGN('A', "PRIMARY"),
	 ASSIGN('A', "SPECIALIST"), false, "ok", CT_OK, 1, 1, "A:SPECIALIST",
	 1},
	{"specialist A then primary A, commit", "", ASSIGN('A', "SPECIALIST"),
	 ASSIGN('A', "PRIMARY"), true, "ok", CT_CONFLICT_DUPLICATE, 1, 2,
	 "A:SPECIALIST", 1},
	{"specialist A then primary A, rollback", "",
	 ASSIGN('A', "SPECIALIST"), ASSIGN('A', "PRIMARY"), false, "ok", CT_OK,
	 1, 1, "A:PRIMARY", 1},

	/* reassign PRIMARY to B, and remove the PRIMARY A */
	{"reassign then remove, commit", "A:PRIMARY,B:SPECIALIST",
	 REASSIGN('B'), REMOVE('A'), true, "ok", CT_NOT_ON_TEAM, 1, 2,
	 "B:PRIMARY", 3},
	{"reassign then remove, rollback", "A:PRIMARY,B:SPECIALIST",
	 REASSIGN('B'), REMOVE('A'), false, "ok", CT_OK, 1, 1, "B:SPECIALIST",
	 3},
	{"remove then reassign, commit", "A:PRIMARY,B:SPECIALIST", REMOVE('A'),
	 REASSIGN('B'), true, "ok", CT_CONFLICT_NO_PRIMARY, 1, 2,
	 "B:SPECIALIST", 3},
	{"remove then reassign, rollback", "A:PRIMARY,B:SPECIALIST",
	 REMOVE('A'), REASSIGN('B'), false, "ok", CT_OK, 1, 1, "B:PRIMARY", 3},
	/* the same with the version both users saw: stale comes first */
	{"reassign then remove, seen version", "A:PRIMARY,B:SPECIALIST",
	 REASSIGN_SEEN('B', 2), REMOVE_SEEN('A', 2), true, "ok", CT_STALE, 1,
	 2, "B:PRIMARY", 3},
	{"remove then reassign, seen version", "A:PRIMARY,B:SPECIALIST",
	 REMOVE_SEEN('A', 2), REASSIGN_SEEN('B', 2), true, "ok", CT_STALE, 1,
	 2, "B:SPECIALIST", 3},
	{"reassign then remove, seen, rollback", "A:PRIMARY,B:SPECIALIST",
	 REASSIGN_SEEN('B', 2), REMOVE_SEEN('A', 2), false, "ok", CT_OK, 1, 1,
	 "B:SPECIALIST", 3},
	/* removing the provider who is about to become PRIMARY */
	{"reassign then remove target, commit", "A:PRIMARY,B:SPECIALIST",
	 REASSIGN('B'), REMOVE('B'), true, "ok", CT_OK, 1, 2, "", 4},
	{"remove target then reassign, commit", "A:PRIMARY,B:SPECIALIST",
	 REMOVE('B'), REASSIGN('B'), true, "ok", CT_OK, 1, 2, "B:PRIMARY", 4},

	/* two reassignments of one PRIMARY: without versions the later one
	 * wins, with them it is stale */
	{"reassign B then C, commit", "A:PRIMARY", REASSIGN('B'),
	 REASSIGN('C'), true, "ok", CT_OK, 1, 2, "C:PRIMARY", 3},
	{"reassign B then C, rollback", "A:PRIMARY", REASSIGN('B'),
	 REASSIGN('C'), false, "ok", CT_OK, 1, 1, "C:PRIMARY", 2},
	{"reassign C then B, commit", "A:PRIMARY", REASSIGN('C'),
	 REASSIGN('B'), true, "ok", CT_OK, 1, 2, "B:PRIMARY", 3},
	{"reassign C then B, rollback", "A:PRIMARY", REASSIGN('C'),
	 REASSIGN('B'), false, "ok", CT_OK, 1, 1, "B:PRIMARY", 2},
	{"reassign B then C, seen version", "A:PRIMARY", REASSIGN_SEEN('B', 1),
	 REASSIGN_SEEN('C', 1), true, "ok", CT_STALE, 1, 2, "B:PRIMARY", 2},
	{"reassign C then B, seen version", "A:PRIMARY", REASSIGN_SEEN('C', 1),
	 REASSIGN_SEEN('B', 1), true, "ok", CT_STALE, 1, 2, "C:PRIMARY", 2},
	{"reassign B then C, seen, rollback", "A:PRIMARY",
	 REASSIGN_SEEN('B', 1), REASSIGN_SEEN('C', 1), false, "ok", CT_OK, 1,
	 1, "C:PRIMARY", 2},
	{"reassign B twice, commit", "A:PRIMARY", REASSIGN('B'), REASSIGN('B'),
	 true, "ok", CT_UNCHANGED, 1, 2, "B:PRIMARY", 2},

	/* the swap: PRIMARY A to B in one session, back to A in the other */
	{"swap to B then to A, commit", "A:PRIMARY,B:SPECIALIST",
	 REASSIGN('B'), REASSIGN('A'), true, "ok", CT_OK, 1, 2, "A:PRIMARY",
	 4},
	{"swap to B then to A, rollback", "A:PRIMARY,B:SPECIALIST",
	 REASSIGN('B'), REASSIGN('A'), false, "ok", CT_UNCHANGED, 1, 1,
	 "A:PRIMARY,B:SPECIALIST", 2},
	{"swap to A then to B, commit", "A:PRIMARY,B:SPECIALIST",
	 REASSIGN('A'), REASSIGN('B'), true, "unchanged", CT_OK, 1, 1,
	 "B:PRIMARY", 3},
	{"swap to A then to B, rollback", "A:PRIMARY,B:SPECIALIST",
	 REASSIGN('A'), REASSIGN('B'), false, "unchanged", CT_OK, 1, 1,
	 "B:PRIMARY", 3},
	{"swap to B then to A, seen version", "A:PRIMARY,B:SPECIALIST",
	 REASSIGN_SEEN('B', 2), REASSIGN_SEEN('A', 2), true, "ok", CT_STALE,
	 1, 2, "B:PRIMARY", 3},
};

#define PERMUTATION_COUNT (sizeof(permutations) / sizeof(permutations[0]))

struct interleaving_fixture {
	PGconn *admin;	/* fixtures and pg_stat_activity */
	PGconn *holder; /* runs the first write and keeps it open */
	struct ct_test_org org;
	struct ct_session sessions[2]; /* by enum ct_isolation */
};

/* One permutation under one isolation level: a cmocka test's state. */
struct interleaving_case {
	const struct permutation *permutation;
	enum ct_isolation isolation;
	char name[160];
};

static struct interleaving_fixture *fixture;

/* The sessions log in as this clinician, as staff do; the holder is the
 * test superuser. */
#define STAFF_ROLE "ct_interleave_clerk"

/* The session's write, run on a thread so the test can watch it wait. */
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

/* Returns the NPI of provider letter A, B or C. */
static const char *provider_npi(char provider)
{
	static const char *const npis[] = {"1000000001", "1000000002",
					   "1000000003"};

	assert_in_range(provider, 'A', 'C');
	return npis[provider - 'A'];
}

static int setup(void **state)
{
	(void)state;
	fixture = calloc(1, sizeof(*fixture));
	assert_non_null(fixture);
	fixture->admin = ct_test_admin_connect();
	fixture->holder = ct_test_admin_connect();
	ct_test_make_org(fixture->admin, "interleave", &fixture->org);
	ct_test_add_provider(fixture->admin, &fixture->org, provider_npi('A'),
			     "Dr. Amara Quist", true);
	ct_test_add_provider(fixture->admin, &fixture->org, provider_npi('B'),
			     "Dr. Benedek Ruiz", true);
	ct_test_add_provider(fixture->admin, &fixture->org, provider_npi('C'),
			     "Dr. Chiara Vance", true);
	ct_test_add_staff(fixture->admin, &fixture->org, STAFF_ROLE,
			  "Tomasz Ekwueme", "clinician");
	ct_test_open_session(&fixture->org, STAFF_ROLE, CT_ISOLATION_READ_COMMITTED,
			     5, &fixture->sessions[CT_ISOLATION_READ_COMMITTED]);
	ct_test_open_session(&fixture->org, STAFF_ROLE, CT_ISOLATION_SERIALIZABLE, 5,
			     &fixture->sessions[CT_ISOLATION_SERIALIZABLE]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ct_session_close(&fixture->sessions[0]);
	ct_session_close(&fixture->sessions[1]);
	PQfinish(fixture->holder);
	PQfinish(fixture->admin);
	free(fixture);
	fixture = NULL;
	return 0;
}

static const char *new_patient(void)
{
	static char mrn[32];
	static int counter;

	snprintf(mrn, sizeof(mrn), "I%d", ++counter);
	ct_test_add_patient(fixture->admin, &fixture->org, mrn, "Halvorsen",
			    "Ines", "1971-09-14");
	return mrn;
}

/* Assigns each "X:ROLE" of team in turn, one committed write each. */
static void assign_team(const char *mrn, const char *team)
{
	char copy[128];
	char *entry, *rest = NULL;

	snprintf(copy, sizeof(copy), "%s", team);
	for (entry = strtok_r(copy, ",", &rest); entry != NULL;
	     entry = strtok_r(NULL, ",", &rest)) {
		assert_int_equal(strlen(entry) > 2 && entry[1] == ':', 1);
		assert_string_equal(
			ct_test_sql_value(
				fixture->admin,
				"SELECT outcome FROM careteam.write('assign',"
				" %lld, '%s', '%s', '%s', NULL, NULL)",
				(long long)fixture->org.id, mrn,
				provider_npi(entry[0]), entry + 2),
			"ok");
	}
}

/* Returns the active team as "A:PRIMARY,B:SPECIALIST", by provider. */
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

static int active_primaries(const char *mrn)
{
	return atoi(ct_test_sql_value(
		fixture->admin,
		"SELECT count(*) FROM careteam.care_team_assignments a"
		" JOIN careteam.patients p ON p.organization_id ="
		" a.organization_id AND p.id = a.patient_id"
		" WHERE p.organization_id = %lld AND p.mrn = '%s'"
		" AND a.role = 'PRIMARY' AND a.removed_at IS NULL",
		(long long)fixture->org.id, mrn));
}

/* Runs the holder's write inside an open transaction and returns its
 * outcome text. */
static const char *hold_write(const char *mrn, const struct step *step,
			      enum ct_isolation isolation)
{
	char expected[32] = "NULL";

	if (step->expected_version != ANY)
		snprintf(expected, sizeof(expected), "%d",
			 step->expected_version);
	ct_test_sql(fixture->holder, "BEGIN ISOLATION LEVEL %s",
		    isolation == CT_ISOLATION_SERIALIZABLE ? "SERIALIZABLE"
							   : "READ COMMITTED");
	return ct_test_sql_value(
		fixture->holder,
		"SELECT outcome FROM careteam.write('%s', %lld, '%s', '%s',"
		" '%s', %s, NULL)",
		step->action, (long long)fixture->org.id, mrn,
		provider_npi(step->provider), step->argument, expected);
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
			  const struct step *step)
{
	memset(write, 0, sizeof(*write));
	write->session = session;
	write->action = step->action;
	write->request.mrn = mrn;
	write->request.npi = provider_npi(step->provider);
	if (!ct_role_parse(step->argument, &write->request.role))
		write->request.reason = step->argument;
	write->request.expected_version = step->expected_version;
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

/* Checks that the receipt stored with the session's write agrees with
 * what the session reported. */
static void check_receipt(const struct ct_write_result *result)
{
	const char *receipt = ct_test_sql_value(
		fixture->admin,
		"SELECT outcome || '/' || coalesce(care_team_version::text,"
		" '-') FROM careteam.write_receipts WHERE organization_id ="
		" %lld AND idempotency_key = '%s'",
		(long long)fixture->org.id, result->idempotency_key);
	char ok[64];

	snprintf(ok, sizeof(ok), "ok/%lld",
		 (long long)result->care_team_version);
	if (result->outcome == CT_OK)
		assert_string_equal(receipt, ok);
	else
		assert_true(receipt[0] != '\0' && strncmp(receipt, "ok/", 3));
}

/* Rolls back the holder's transaction when a failed test left it open,
 * which also lets a waiting session thread finish. */
static int end_holder(void **state)
{
	(void)state;
	if (PQtransactionStatus(fixture->holder) != PQTRANS_IDLE)
		PQclear(PQexec(fixture->holder, "ROLLBACK"));
	return 0;
}

static void test_permutation(void **state)
{
	const struct interleaving_case *test = *state;
	const struct permutation *row = test->permutation;
	struct ct_session *session = &fixture->sessions[test->isolation];
	const char *mrn = new_patient();
	/* Static, so a thread still running after a failed assertion never
	 * writes into a dead stack frame. */
	static struct pending_write write;
	int attempts = test->isolation == CT_ISOLATION_SERIALIZABLE
		? row->attempts_serializable
		: row->attempts_read_committed;

	assign_team(mrn, row->initial_team);
	assert_string_equal(hold_write(mrn, &row->first, test->isolation),
			    row->first_outcome);

	prepare_write(&write, session, mrn, &row->second);
	start_write(&write);
	ct_test_wait_for_lock_wait(fixture->admin, session_pid(session));
	ct_test_sql(fixture->holder, row->first_commits ? "COMMIT" : "ROLLBACK");
	assert_int_equal(pthread_join(write.thread, NULL), 0);

	if (write.result.outcome != row->second_outcome)
		fail_msg("second write: expected %s, got %s (%s)",
			 ct_outcome_name(row->second_outcome),
			 ct_outcome_name(write.result.outcome),
			 write.result.error.detail);
	assert_int_equal(write.result.attempts, attempts);
	assert_false(write.result.caught_by_constraint);
	assert_false(write.result.settled);
	assert_string_equal(active_team(mrn), row->final_team);
	assert_int_equal(team_version(mrn), row->final_version);
	assert_in_range(active_primaries(mrn), 0, 1);
	if (write.result.outcome == CT_OK)
		assert_int_equal(write.result.care_team_version,
				 row->final_version);
	check_receipt(&write.result);
}

/* ---- A write that began before the change it undoes ---- */

/* The session's write starts first but is held back before it takes the
 * patient's lock: a third connection holds an uncommitted receipt with the
 * same idempotency key. Meanwhile the holder assigns B and commits, so the
 * session then removes an assignment made after its own transaction
 * began. The removal must still be recorded, and dated at or after the
 * assignment, which a time taken at the start of the transaction would
 * not be. */
static void test_remove_after_later_assign(void **state)
{
	static struct pending_write write;
	static const struct step remove_b = REMOVE('B');
	struct ct_session *session =
		&fixture->sessions[CT_ISOLATION_READ_COMMITTED];
	const char *mrn = new_patient();
	const char key[] = "5eed0000000000000000000000000001";
	PGconn *blocker = ct_test_admin_connect();

	(void)state;
	ct_test_sql(blocker, "BEGIN");
	ct_test_sql(blocker,
		    "INSERT INTO careteam.write_receipts (organization_id,"
		    " idempotency_key, action, outcome)"
		    " VALUES (%lld, '%s', 'remove', 'pending')",
		    (long long)fixture->org.id, key);

	prepare_write(&write, session, mrn, &remove_b);
	write.request.idempotency_key = key;
	start_write(&write);
	ct_test_wait_for_lock_wait(fixture->admin, session_pid(session));

	assign_team(mrn, "B:SPECIALIST");
	ct_test_sql(blocker, "ROLLBACK");
	assert_int_equal(pthread_join(write.thread, NULL), 0);
	PQfinish(blocker);

	if (write.result.outcome != CT_OK)
		fail_msg("removal: expected ok, got %s (%s %s)",
			 ct_outcome_name(write.result.outcome),
			 write.result.error.constraint,
			 write.result.error.detail);
	assert_string_equal(active_team(mrn), "");
	assert_int_equal(team_version(mrn), 2);
	assert_string_equal(
		ct_test_sql_value(fixture->admin,
				  "SELECT bool_and(a.removed_at >= a.assigned_at)"
				  " FROM careteam.care_team_assignments a"
				  " JOIN careteam.patients p ON p.organization_id"
				  " = a.organization_id AND p.id = a.patient_id"
				  " WHERE p.organization_id = %lld AND p.mrn ="
				  " '%s'",
				  (long long)fixture->org.id, mrn),
		"t");
}

/* ---- Two sessions swapping PRIMARY back and forth, unscripted ---- */

#define SWAP_ROUNDS 40

struct swapper {
	struct ct_session session;
	const char *mrn;
	char to;    /* the provider this session makes PRIMARY */
	char other; /* the provider it adds back as SPECIALIST */
	int ok;
	int unexpected;
	enum ct_outcome first_unexpected;
	char first_detail[600];
	int retries;
	pthread_t thread;
};

static void count_swap_result(struct swapper *swapper,
			      const struct ct_write_result *result)
{
	switch (result->outcome) {
	case CT_OK:
		swapper->ok++;
		break;
	case CT_UNCHANGED:
	case CT_CONFLICT_DUPLICATE:
	case CT_CONFLICT_NO_PRIMARY:
		break;
	default:
		if (swapper->unexpected++ == 0) {
			swapper->first_unexpected = result->outcome;
			snprintf(swapper->first_detail,
				 sizeof(swapper->first_detail), "%s %s: %s",
				 result->error.sqlstate,
				 result->error.constraint,
				 result->error.detail);
		}
	}
	swapper->retries += result->attempts - 1;
}

/* Each round makes this session's provider PRIMARY, then adds the other
 * provider back as SPECIALIST, since a reassignment ends the old PRIMARY's
 * assignment. */
static void *run_swapper(void *argument)
{
	struct swapper *swapper = argument;
	struct ct_write_request request = {
		.mrn = swapper->mrn,
		.expected_version = CT_VERSION_ANY,
		.reason = "Swap of PRIMARY",
		.role = CT_ROLE_SPECIALIST,
	};
	struct ct_write_result result;

	for (int round = 0; round < SWAP_ROUNDS; round++) {
		request.npi = provider_npi(swapper->to);
		ct_care_team_reassign_primary(&swapper->session, &request,
					      &result);
		count_swap_result(swapper, &result);
		request.npi = provider_npi(swapper->other);
		ct_care_team_assign(&swapper->session, &request, &result);
		count_swap_result(swapper, &result);
	}
	return NULL;
}

static long server_deadlocks(void)
{
	ct_test_sql(fixture->admin, "SELECT pg_stat_clear_snapshot()");
	return atol(ct_test_sql_value(
		fixture->admin, "SELECT deadlocks FROM pg_stat_database"
				" WHERE datname = current_database()"));
}

static void run_swap_storm(enum ct_isolation isolation)
{
	/* Static, so a failed assertion cannot leave a thread writing into
	 * a dead stack frame. */
	static struct swapper swappers[2];
	const char *mrn = new_patient();
	long deadlocks_before = server_deadlocks();
	int ok = 0;

	memset(swappers, 0, sizeof(swappers));
	assign_team(mrn, "A:PRIMARY,B:SPECIALIST");
	for (int i = 0; i < 2; i++) {
		swappers[i].mrn = mrn;
		swappers[i].to = i == 0 ? 'B' : 'A';
		swappers[i].other = i == 0 ? 'A' : 'B';
		ct_test_open_session(&fixture->org, STAFF_ROLE, isolation, 20,
				     &swappers[i].session);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&swappers[i].thread, NULL,
						run_swapper, &swappers[i]),
				 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(swappers[i].thread, NULL), 0);

	for (int i = 0; i < 2; i++) {
		ct_session_close(&swappers[i].session);
		if (swappers[i].unexpected > 0)
			fail_msg("%d unexpected outcomes, the first %s (%s)",
				 swappers[i].unexpected,
				 ct_outcome_name(swappers[i].first_unexpected),
				 swappers[i].first_detail);
		ok += swappers[i].ok;
	}
	print_message("swap storm (%s): %d changes, %d retries, %ld "
		      "deadlocks reported by the server\n",
		      isolation_name(isolation), ok,
		      swappers[0].retries + swappers[1].retries,
		      server_deadlocks() - deadlocks_before);
	/* Two setup writes plus one version per successful change. */
	assert_int_equal(team_version(mrn), 2 + ok);
	assert_int_equal(active_primaries(mrn), 1);
}

static void test_swap_storm_read_committed(void **state)
{
	(void)state;
	run_swap_storm(CT_ISOLATION_READ_COMMITTED);
}

static void test_swap_storm_serializable(void **state)
{
	(void)state;
	run_swap_storm(CT_ISOLATION_SERIALIZABLE);
}

int main(void)
{
	static struct interleaving_case cases[PERMUTATION_COUNT * 2];
	static struct CMUnitTest tests[PERMUTATION_COUNT * 2 + 3];
	size_t count = 0;

	for (size_t i = 0; i < PERMUTATION_COUNT * 2; i++) {
		struct interleaving_case *test = &cases[i];

		test->permutation = &permutations[i / 2];
		test->isolation = i % 2 == 0 ? CT_ISOLATION_READ_COMMITTED
					     : CT_ISOLATION_SERIALIZABLE;
		snprintf(test->name, sizeof(test->name), "%s (%s)",
			 test->permutation->name,
			 isolation_name(test->isolation));
		tests[count++] = (struct CMUnitTest){
			.name = test->name,
			.test_func = test_permutation,
			.teardown_func = end_holder,
			.initial_state = test,
		};
	}
	tests[count++] = (struct CMUnitTest)cmocka_unit_test(
		test_remove_after_later_assign);
	tests[count++] = (struct CMUnitTest)cmocka_unit_test(
		test_swap_storm_read_committed);
	tests[count++] = (struct CMUnitTest)cmocka_unit_test(
		test_swap_storm_serializable);
	return _cmocka_run_group_tests("interleavings", tests, count, setup,
				       teardown);
}
