/* Organization scoping, staff identity, MFA and audit, enforced by the
 * database: checked through the data layer, the CLI and raw SQL as staff
 * roles that the test creates. */
#include <liboath/oath.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "careteam/admin.h"
#include "careteam/care_team.h"
#include "careteam/db.h"
#include "careteam/patients.h"
#include "careteam/providers.h"
#include "support/fixture.h"

/* The RFC 6238 test secret, so codes can be checked by hand. */
static const char totp_secret[] = "12345678901234567890";

struct security_fixture {
	PGconn *admin;
	struct ct_test_org north;   /* no MFA */
	struct ct_test_org south;   /* other organization */
	struct ct_test_org guarded; /* requires MFA */
	char nurse[32], clerk[32], chief[32], doctor[32];
};

static int setup(void **state)
{
	struct security_fixture *fixture = calloc(1, sizeof(*fixture));
	PGconn *admin = ct_test_admin_connect();
	int pid = (int)getpid();

	fixture->admin = admin;
	snprintf(fixture->nurse, sizeof(fixture->nurse), "nurse_%d", pid);
	snprintf(fixture->clerk, sizeof(fixture->clerk), "clerk_%d", pid);
	snprintf(fixture->chief, sizeof(fixture->chief), "chief_%d", pid);
	snprintf(fixture->doctor, sizeof(fixture->doctor), "doctor_%d", pid);

	ct_test_make_org(admin, "north", &fixture->north);
	ct_test_make_org(admin, "south", &fixture->south);
	ct_test_make_org(admin, "guarded", &fixture->guarded);
	ct_test_sql(admin,
		    "UPDATE careteam.organizations SET require_mfa = true"
		    " WHERE id = %lld",
		    (long long)fixture->guarded.id);

	ct_test_add_staff(admin, &fixture->north, fixture->nurse,
			  "Nurse Imani Achterberg", "clinician");
	ct_test_add_staff(admin, &fixture->north, fixture->clerk,
			  "Clerk Tomasz Ferreira", "read-only");
	ct_test_add_staff(admin, &fixture->north, fixture->chief,
			  "Chief Ines Halvorsen", "admin");
	ct_test_add_staff(admin, &fixture->guarded, fixture->doctor,
			  "Dr. Keiko Abernathy", "clinician");

	ct_test_add_provider(admin, &fixture->north, "1000000001",
			     "Dr. Ada Okafor", true);
	ct_test_add_provider(admin, &fixture->north, "1000000002",
			     "Dr. Bruno Lindqvist", true);
	ct_test_add_provider(admin, &fixture->south, "1000000001",
			     "Dr. South Only", true);
	ct_test_add_provider(admin, &fixture->guarded, "1000000001",
			     "Dr. Guarded", true);
	ct_test_add_patient(admin, &fixture->north, "N1", "Achebe", "Ngozi",
			    "1961-02-03");
	ct_test_add_patient(admin, &fixture->south, "S1", "Sørensen", "Ole",
			    "1962-02-03");
	ct_test_add_patient(admin, &fixture->guarded, "G1", "Gallagher",
			    "Siobhán", "1963-02-03");
	ct_test_sql(admin,
		    "INSERT INTO careteam.mfa_secrets (staff_id, secret)"
		    " SELECT id, convert_to('%s', 'UTF8') FROM careteam.staff"
		    " WHERE role_name = '%s'",
		    totp_secret, fixture->doctor);
	assert_int_equal(oath_init(), OATH_OK);
	*state = fixture;
	return 0;
}

static int teardown(void **state)
{
	struct security_fixture *fixture = *state;

	PQfinish(fixture->admin);
	oath_done();
	free(fixture);
	return 0;
}

/* Connects with libpq as a staff role, the way psql would. */
static PGconn *connect_as(const char *role)
{
	char conninfo[1200];
	PGconn *conn;

	snprintf(conninfo, sizeof(conninfo), "%s user=%s",
		 ct_test_env("CT_TEST_CONNINFO"), role);
	conn = PQconnectdb(conninfo);
	assert_int_equal(PQstatus(conn), CONNECTION_OK);
	return conn;
}

/* Runs a statement and returns its SQLSTATE, "" on success. */
static const char *sqlstate_of(PGconn *conn, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

static const char *sqlstate_of(PGconn *conn, const char *format, ...)
{
	static char state[6];
	char sql[2048];
	PGresult *result;
	va_list args;

	va_start(args, format);
	vsnprintf(sql, sizeof(sql), format, args);
	va_end(args);
	result = PQexec(conn, sql);
	snprintf(state, sizeof(state), "%s",
		 PQresultErrorField(result, PG_DIAG_SQLSTATE)
			 ? PQresultErrorField(result, PG_DIAG_SQLSTATE)
			 : "");
	PQclear(result);
	return state;
}

static void current_code(char code[8], long offset_steps)
{
	assert_int_equal(oath_totp_generate(totp_secret, strlen(totp_secret),
					    time(NULL) + offset_steps * 30,
					    OATH_TOTP_DEFAULT_TIME_STEP_SIZE,
					    OATH_TOTP_DEFAULT_START_TIME, 6,
					    code),
			 OATH_OK);
}

static void reset_mfa(struct security_fixture *fixture)
{
	ct_test_sql(fixture->admin,
		    "UPDATE careteam.mfa_secrets SET locked_until = NULL,"
		    " last_step = 0 WHERE staff_id = (SELECT id FROM"
		    " careteam.staff WHERE role_name = '%s')",
		    fixture->doctor);
	ct_test_sql(fixture->admin,
		    "SELECT setval(careteam.mfa_failure_counter(id), 0, true)"
		    " FROM careteam.staff WHERE role_name = '%s'",
		    fixture->doctor);
}

static void test_roles_own_nothing(void **state)
{
	struct security_fixture *fixture = *state;

	assert_string_equal(
		ct_test_sql_value(fixture->admin,
				  "SELECT count(*) FROM pg_class c JOIN"
				  " pg_namespace n ON n.oid = c.relnamespace"
				  " WHERE n.nspname = 'careteam' AND"
				  " pg_get_userbyid(c.relowner) NOT IN"
				  " ('careteam_owner', 'careteam_auth')"),
		"0");
	/* careteam_reader owns the search and nothing else. */
	assert_string_equal(
		ct_test_sql_value(fixture->admin,
				  "SELECT string_agg(p.proname, ',' ORDER BY"
				  " p.proname) FROM pg_proc p JOIN"
				  " pg_namespace n ON n.oid = p.pronamespace"
				  " WHERE n.nspname = 'careteam' AND"
				  " pg_get_userbyid(p.proowner) NOT IN"
				  " ('careteam_owner', 'careteam_auth')"),
		"search_by_word,search_by_words,search_patients,"
		"slip_words");
	assert_string_equal(ct_test_sql_value(fixture->admin,
					      "SELECT rolsuper OR rolcanlogin"
					      " FROM pg_roles WHERE rolname ="
					      " 'careteam_owner'"),
			    "f");
	assert_string_equal(
		ct_test_sql_value(fixture->admin,
				  "SELECT count(*) FROM pg_class c JOIN"
				  " pg_namespace n ON n.oid = c.relnamespace"
				  " WHERE n.nspname = 'careteam' AND"
				  " c.relkind = 'r' AND c.relname IN"
				  " ('organizations', 'staff', 'memberships',"
				  " 'providers', 'patients',"
				  " 'care_team_assignments', 'write_receipts',"
				  " 'audit_log', 'patient_words', 'name_lexicon',"
				  " 'name_variants') AND c.relrowsecurity AND"
				  " c.relforcerowsecurity"),
		"11");
}

static void test_cross_org_raw_sql(void **state)
{
	struct security_fixture *fixture = *state;
	PGconn *nurse = connect_as(fixture->nurse);

	assert_string_equal(ct_test_sql_value(nurse, "SELECT count(*) FROM"
						     " careteam.patients"),
			    "1");
	assert_string_equal(
		ct_test_sql_value(nurse,
				  "SELECT count(*) FROM careteam.patients"
				  " WHERE organization_id = %lld",
				  (long long)fixture->south.id),
		"0");
	assert_string_equal(
		ct_test_sql_value(nurse,
				  "SELECT count(*) FROM careteam.providers"
				  " WHERE organization_id = %lld",
				  (long long)fixture->south.id),
		"0");
	assert_string_equal(
		sqlstate_of(nurse,
			    "SELECT * FROM careteam.write('assign', %lld,"
			    " 'S1', '1000000001', 'PRIMARY', NULL, NULL)",
			    (long long)fixture->south.id),
		"42501");
	/* Direct table writes are not granted at all, in any organization. */
	assert_string_equal(
		sqlstate_of(nurse,
			    "UPDATE careteam.patients SET family_name = 'x'"),
		"42501");
	assert_string_equal(
		sqlstate_of(nurse,
			    "INSERT INTO careteam.care_team_assignments"
			    " (organization_id, patient_id, provider_id,"
			    " role, assigned_by) VALUES (%lld, 1, 1,"
			    " 'PRIMARY', 1)",
			    (long long)fixture->north.id),
		"42501");
	/* A setting the client controls widens nothing. */
	assert_string_equal(sqlstate_of(nurse, "SET ROLE careteam_owner"),
			    "42501");
	assert_string_equal(sqlstate_of(nurse, "SET row_security = off"), "");
	assert_string_equal(sqlstate_of(nurse,
					"SELECT count(*) FROM careteam.patients"
					" WHERE organization_id <> %lld",
					(long long)fixture->north.id),
			    "42501");
	PQfinish(nurse);
}

static void test_cross_org_data_layer(void **state)
{
	struct security_fixture *fixture = *state;
	struct ct_session session;
	struct ct_care_team team;
	struct ct_patient_list list;
	struct ct_config config;
	struct ct_error err;

	ct_test_open_session(&fixture->north, fixture->nurse,
			     CT_ISOLATION_READ_COMMITTED, 3, &session);
	assert_int_equal(ct_patients_search(&session, "S1", 10, &list, &err),
			 CT_OK);
	assert_int_equal(list.count, 0);
	ct_patient_list_free(&list);
	assert_int_equal(ct_care_team_load(&session, "S1", false, &team, &err),
			 CT_PATIENT_NOT_FOUND);
	/* Pointing the session at another organization's id is refused by
	 * the database, whatever the client sets. */
	session.organization_id = fixture->south.id;
	assert_int_equal(ct_patients_search(&session, "S1", 10, &list, &err),
			 CT_FORBIDDEN);
	ct_session_close(&session);

	ct_test_config(&config, fixture->nurse, CT_ISOLATION_READ_COMMITTED, 0);
	assert_int_equal(
		ct_session_open(&config, fixture->south.code, &session, &err),
		CT_ORGANIZATION_NOT_FOUND);
}

/* Runs the CLI as a staff role with one extra environment setting (or
 * NULL), stores its standard output in output, and returns its exit
 * status. */
static int run_cli_capture(const char *role, const char *org_code,
			   const char *environment,
			   const char *const *arguments, char *output,
			   size_t output_size)
{
	const char *tmpdir = ct_test_env("CT_TEST_TMPDIR");
	char path[512], output_path[512];
	const char *argv[16];
	int argc = 0, status;
	FILE *file;
	pid_t child;

	snprintf(path, sizeof(path), "%s/%s.conf", tmpdir, role);
	snprintf(output_path, sizeof(output_path), "%s/%s.out", tmpdir, role);
	file = fopen(path, "w");
	assert_non_null(file);
	fprintf(file, "database: { conninfo = \"%s user=%s\"; };\n",
		ct_test_env("CT_TEST_CONNINFO"), role);
	fclose(file);

	argv[argc++] = ct_test_env("CT_TEST_PROGRAM");
	argv[argc++] = "--config";
	argv[argc++] = path;
	argv[argc++] = "--org";
	argv[argc++] = org_code;
	while (*arguments != NULL && argc < 15)
		argv[argc++] = *arguments++;
	argv[argc] = NULL;

	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		if (environment != NULL)
			putenv((char *)environment);
		if (freopen(output_path, "w", stdout) == NULL ||
		    freopen("/dev/null", "w", stderr) == NULL ||
		    freopen("/dev/null", "r", stdin) == NULL)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));

	output[0] = '\0';
	file = fopen(output_path, "r");
	if (file != NULL) {
		output[fread(output, 1, output_size - 1, file)] = '\0';
		fclose(file);
	}
	return WEXITSTATUS(status);
}

static int run_cli(const char *role, const char *org_code,
		   const char *const *arguments)
{
	char output[4096];

	return run_cli_capture(role, org_code, NULL, arguments, output,
			       sizeof(output));
}

static void test_cross_org_cli(void **state)
{
	struct security_fixture *fixture = *state;
	const char *search[] = {"search", "Sørensen", NULL};
	const char *show[] = {"show", "S1", NULL};

	assert_int_equal(run_cli(fixture->nurse, fixture->south.code, search),
			 4);
	assert_int_equal(run_cli(fixture->nurse, fixture->north.code, show), 4);
}

static void test_read_only_cannot_write(void **state)
{
	struct security_fixture *fixture = *state;
	struct ct_session session;
	struct ct_write_result result;
	struct ct_write_request request = {
		.mrn = "N1",
		.npi = "1000000001",
		.role = CT_ROLE_SPECIALIST,
		.expected_version = CT_VERSION_ANY,
	};
	const char *assign[] = {"assign", "N1",		"1000000001",
				"--role", "SPECIALIST", NULL};
	PGconn *clerk;

	ct_test_open_session(&fixture->north, fixture->clerk,
			     CT_ISOLATION_READ_COMMITTED, 3, &session);
	assert_int_equal(session.access, CT_ACCESS_READ_ONLY);
	assert_int_equal(ct_care_team_assign(&session, &request, &result),
			 CT_FORBIDDEN);
	ct_session_close(&session);

	assert_int_equal(run_cli(fixture->clerk, fixture->north.code, assign),
			 1);

	clerk = connect_as(fixture->clerk);
	assert_string_equal(
		sqlstate_of(clerk,
			    "SELECT * FROM careteam.write('assign', %lld,"
			    " 'N1', '1000000001', 'SPECIALIST', NULL, NULL)",
			    (long long)fixture->north.id),
		"42501");
	assert_string_equal(
		sqlstate_of(clerk,
			    "SELECT * FROM careteam.assign(%lld, 'N1',"
			    " '1000000001', 'SPECIALIST', NULL)",
			    (long long)fixture->north.id),
		"42501");
	PQfinish(clerk);
	assert_string_equal(
		ct_test_sql_value(fixture->admin,
				  "SELECT count(*) FROM"
				  " careteam.care_team_assignments WHERE"
				  " organization_id = %lld",
				  (long long)fixture->north.id),
		"0");
}

static void test_mfa_hides_everything(void **state)
{
	struct security_fixture *fixture = *state;
	struct ct_session session;
	struct ct_patient_list list;
	struct ct_error err;
	PGconn *doctor;

	ct_test_open_session(&fixture->guarded, fixture->doctor,
			     CT_ISOLATION_READ_COMMITTED, 3, &session);
	assert_true(session.mfa_required);
	assert_false(session.mfa_verified);
	assert_int_equal(
		ct_patients_search(&session, "Gallagher", 10, &list, &err),
		CT_FORBIDDEN);
	ct_session_close(&session);

	doctor = connect_as(fixture->doctor);
	assert_string_equal(ct_test_sql_value(doctor, "SELECT count(*) FROM"
						      " careteam.patients"),
			    "0");
	assert_string_equal(ct_test_sql_value(doctor, "SELECT count(*) FROM"
						      " careteam.providers"),
			    "0");
	assert_string_equal(sqlstate_of(doctor, "SELECT * FROM"
						" careteam.mfa_secrets"),
			    "42501");
	PQfinish(doctor);
}

static void test_mfa_code_unlocks(void **state)
{
	struct security_fixture *fixture = *state;
	struct ct_session session;
	struct ct_patient_list list;
	struct ct_error err;
	char code[8];

	reset_mfa(fixture);
	ct_test_open_session(&fixture->guarded, fixture->doctor,
			     CT_ISOLATION_READ_COMMITTED, 3, &session);
	current_code(code, 0);
	assert_int_equal(ct_session_verify_mfa(&session, code, &err), CT_OK);
	assert_true(session.mfa_verified);
	assert_int_equal(strlen(session.ticket), 64);
	assert_int_equal(
		ct_patients_search(&session, "Gallagher", 10, &list, &err),
		CT_OK);
	assert_int_equal(list.count, 1);
	ct_patient_list_free(&list);

	/* The same code cannot be used a second time. */
	assert_int_equal(ct_session_verify_mfa(&session, code, &err),
			 CT_MFA_INVALID);
	/* The ticket is stored hashed, never as sent. */
	assert_string_equal(
		ct_test_sql_value(fixture->admin,
				  "SELECT count(*) FROM"
				  " careteam.session_tickets WHERE"
				  " encode(ticket_hash, 'hex') = '%s'",
				  session.ticket),
		"0");
	ct_session_close(&session);
}

static void test_mfa_lockout(void **state)
{
	struct security_fixture *fixture = *state;
	struct ct_session session;
	struct ct_error err;
	char code[8];
	long long audit_before;
	int i;

	reset_mfa(fixture);
	audit_before = atoll(ct_test_sql_value(
		fixture->admin, "SELECT coalesce(max(id), 0) FROM"
				" careteam.audit_log"));
	ct_test_open_session(&fixture->guarded, fixture->doctor,
			     CT_ISOLATION_READ_COMMITTED, 3, &session);
	/* A code three steps ahead is outside the window of one step. */
	current_code(code, 3);
	for (i = 1; i <= 4; i++)
		assert_int_equal(ct_session_verify_mfa(&session, code, &err),
				 CT_MFA_INVALID);
	assert_int_equal(ct_session_verify_mfa(&session, code, &err),
			 CT_MFA_LOCKED);
	assert_true(err.detail[0] != '\0');

	/* Locked: even a valid code is refused now. */
	current_code(code, 0);
	assert_int_equal(ct_session_verify_mfa(&session, code, &err),
			 CT_MFA_LOCKED);
	assert_false(session.mfa_verified);
	assert_string_equal(
		ct_test_sql_value(fixture->admin,
				  "SELECT count(*) FILTER (WHERE action ="
				  " 'mfa_failed') || '|' || count(*) FILTER"
				  " (WHERE action = 'mfa_lockout') FROM"
				  " careteam.audit_log WHERE role_name = '%s'"
				  " AND id > %lld",
				  fixture->doctor, audit_before),
		"5|1");
	ct_session_close(&session);
	reset_mfa(fixture);
}

static void test_ticket_resumes(void **state)
{
	struct security_fixture *fixture = *state;
	struct ct_session session, later;
	struct ct_patient_list list;
	struct ct_error err;
	char code[8], ticket[65];

	reset_mfa(fixture);
	ct_test_open_session(&fixture->guarded, fixture->doctor,
			     CT_ISOLATION_READ_COMMITTED, 3, &session);
	current_code(code, 0);
	assert_int_equal(ct_session_verify_mfa(&session, code, &err), CT_OK);
	snprintf(ticket, sizeof(ticket), "%s", session.ticket);

	/* A dropped connection reconnects and resumes with the ticket. */
	ct_test_sql(fixture->admin, "SELECT pg_terminate_backend(%d)",
		    PQbackendPID(ct_db_pgconn(session.db)));
	assert_int_equal(
		ct_patients_search(&session, "Gallagher", 10, &list, &err),
		CT_DB_UNAVAILABLE);
	assert_int_equal(
		ct_patients_search(&session, "Gallagher", 10, &list, &err),
		CT_OK);
	assert_true(session.mfa_verified);
	assert_int_equal(list.count, 1);
	ct_patient_list_free(&list);
	ct_session_close(&session);

	/* A new process resumes with the ticket alone. */
	ct_test_open_session(&fixture->guarded, fixture->doctor,
			     CT_ISOLATION_READ_COMMITTED, 3, &later);
	assert_int_equal(ct_session_resume(&later, ticket, &err), CT_OK);
	assert_int_equal(
		ct_patients_search(&later, "Gallagher", 10, &list, &err),
		CT_OK);
	assert_int_equal(list.count, 1);
	ct_patient_list_free(&list);
	ticket[0] = ticket[0] == 'a' ? 'b' : 'a';
	assert_int_equal(ct_session_resume(&later, ticket, &err),
			 CT_TICKET_INVALID);
	ct_session_close(&later);
}

static void test_enrolment_admin_only(void **state)
{
	struct security_fixture *fixture = *state;
	struct ct_session session;
	struct ct_enrolment enrolment;
	struct ct_error err;

	ct_test_open_session(&fixture->north, fixture->chief,
			     CT_ISOLATION_READ_COMMITTED, 3, &session);
	assert_int_equal(
		ct_admin_enroll_mfa(&session, fixture->nurse, &enrolment, &err),
		CT_OK);
	assert_int_equal(strlen(enrolment.secret_base32), 32);
	assert_non_null(strstr(enrolment.uri, "otpauth://totp/careteam:"));
	assert_non_null(strstr(enrolment.uri, enrolment.secret_base32));
	assert_int_equal(
		ct_admin_enroll_mfa(&session, "nobody_here", &enrolment, &err),
		CT_NOT_STAFF);
	ct_session_close(&session);

	ct_test_open_session(&fixture->north, fixture->nurse,
			     CT_ISOLATION_READ_COMMITTED, 3, &session);
	assert_int_equal(
		ct_admin_enroll_mfa(&session, fixture->clerk, &enrolment, &err),
		CT_FORBIDDEN);
	ct_session_close(&session);
}

static void test_audit_rows_written(void **state)
{
	struct security_fixture *fixture = *state;
	struct ct_session session;
	struct ct_care_team team;
	struct ct_write_result result;
	struct ct_write_request request = {
		.mrn = "N1",
		.npi = "1000000001",
		.role = CT_ROLE_PRIMARY,
		.reason = "Moved away",
		.expected_version = CT_VERSION_ANY,
	};
	struct ct_audit_list trail;
	struct ct_error err;

	ct_test_open_session(&fixture->north, fixture->nurse,
			     CT_ISOLATION_READ_COMMITTED, 3, &session);
	assert_int_equal(ct_care_team_load(&session, "N1", true, &team, &err),
			 CT_OK);
	ct_care_team_free(&team);
	assert_int_equal(ct_care_team_assign(&session, &request, &result),
			 CT_OK);
	request.npi = "1000000002";
	request.role = CT_ROLE_SPECIALIST;
	assert_int_equal(ct_care_team_assign(&session, &request, &result),
			 CT_OK);
	assert_int_equal(
		ct_care_team_reassign_primary(&session, &request, &result),
		CT_OK);
	assert_int_equal(ct_care_team_remove(&session, &request, &result),
			 CT_OK);

	assert_int_equal(
		ct_admin_audit_trail(&session, "N1", 100, &trail, &err), CT_OK);
	/* Newest first: remove; reassign ended Okafor, ended Lindqvist's
	 * SPECIALIST row and added the PRIMARY; two assigns; the view. */
	assert_int_equal(trail.count, 7);
	assert_string_equal(trail.items[0].action, "remove");
	assert_string_equal(trail.items[1].action, "reassign_primary");
	assert_string_equal(trail.items[3].action, "reassign_primary");
	assert_string_equal(trail.items[4].action, "assign");
	assert_string_equal(trail.items[6].action, "view");
	assert_string_equal(trail.items[6].staff_name,
			    "Nurse Imani Achterberg");
	assert_string_equal(trail.items[6].application_name, "careteam");
	assert_non_null(strstr(trail.items[0].before, "\"removed_at\": null"));
	assert_non_null(strstr(trail.items[0].after, "Moved away"));
	ct_audit_list_free(&trail);
	ct_session_close(&session);

	assert_true(atoi(ct_test_sql_value(
			    fixture->admin,
			    "SELECT count(*) FROM careteam.audit_log WHERE"
			    " role_name = '%s' AND action = 'login'",
			    fixture->nurse)) >= 1);
}

static void test_audit_append_only(void **state)
{
	struct security_fixture *fixture = *state;

	assert_string_equal(
		sqlstate_of(fixture->admin,
			    "UPDATE careteam.audit_log SET action = 'x'"),
		"42501");
	assert_string_equal(
		sqlstate_of(fixture->admin, "DELETE FROM careteam.audit_log"),
		"42501");
	assert_string_equal(
		sqlstate_of(fixture->admin, "TRUNCATE careteam.audit_log"),
		"42501");
	/* The owner role is held to the same rule. */
	ct_test_sql(fixture->admin, "SET ROLE careteam_owner");
	assert_string_equal(
		sqlstate_of(fixture->admin, "DELETE FROM careteam.audit_log"),
		"42501");
	ct_test_sql(fixture->admin, "RESET ROLE");
}

static void test_injection_literal(void **state)
{
	struct security_fixture *fixture = *state;
	static const char *const payloads[] = {
		"'; DROP TABLE careteam.patients; --",
		"\\",
		"%' OR '1'='1",
		"/* comment */",
		"a\tb\x01\x1f",
		"Robert'); --",
	};
	struct ct_session session;
	struct ct_patient_list list;
	struct ct_error err;
	size_t i;

	ct_test_open_session(&fixture->north, fixture->nurse,
			     CT_ISOLATION_READ_COMMITTED, 3, &session);
	for (i = 0; i < sizeof(payloads) / sizeof(*payloads); i++) {
		struct ct_provider_list providers;
		struct ct_enrolment enrolment;

		assert_int_equal(ct_patients_search(&session, payloads[i], 10,
						    &list, &err),
				 CT_OK);
		assert_int_equal(list.count, 0);
		ct_patient_list_free(&list);
		/* The provider filter and a staff name are text inputs too. */
		assert_int_equal(ct_providers_list(&session, payloads[i], false,
						   &providers, &err),
				 CT_OK);
		assert_int_equal(providers.count, 0);
		ct_provider_list_free(&providers);
		assert_int_equal(ct_admin_enroll_mfa(&session, payloads[i],
						     &enrolment, &err),
				 CT_FORBIDDEN);
	}
	ct_session_close(&session);
	assert_string_equal(ct_test_sql_value(fixture->admin,
					      "SELECT count(*) > 0 FROM"
					      " careteam.patients"),
			    "t");
}

static void test_memberships_listed(void **state)
{
	struct security_fixture *fixture = *state;
	struct ct_membership memberships[CT_MEMBERSHIPS_MAX];
	struct ct_config config;
	struct ct_error err;
	size_t count;

	ct_test_config(&config, fixture->doctor, CT_ISOLATION_READ_COMMITTED,
		       0);
	assert_int_equal(
		ct_session_list_memberships(&config, memberships, &count, &err),
		CT_OK);
	/* Listed before any code is proved, so a picker can show which
	 * organization will ask for one. */
	assert_int_equal(count, 1);
	assert_string_equal(memberships[0].code, fixture->guarded.code);
	assert_true(memberships[0].mfa_required);
	assert_int_equal(memberships[0].access, CT_ACCESS_CLINICIAN);
}

/* A temporary table is found before careteam's own when a function names
 * a table without its schema, unless pg_temp is last in its search_path.
 * Staff cannot create one, and every function puts pg_temp last. */
static void test_temp_tables_cannot_shadow(void **state)
{
	struct security_fixture *fixture = *state;
	PGconn *nurse = connect_as(fixture->nurse);

	assert_string_equal(
		sqlstate_of(nurse, "CREATE TEMP TABLE memberships"
				   " (organization_id bigint, staff_id bigint,"
				   " access_level text)"),
		"42501");
	PQfinish(nurse);
	assert_string_equal(
		ct_test_sql_value(fixture->admin,
				  "SELECT count(*) FROM pg_proc p JOIN"
				  " pg_namespace n ON n.oid = p.pronamespace"
				  " WHERE n.nspname = 'careteam' AND NOT EXISTS"
				  " (SELECT FROM unnest(p.proconfig) c WHERE c"
				  " LIKE 'search_path=%%pg_temp')"
				  /* These name no table at all. */
				  " AND p.proname NOT IN ('fold_name',"
				  " 'valid_reason', 'touch_updated_at',"
				  " 'reject_audit_change', 'name_words',"
				  " 'name_keys', 'word_variants', 'prefix_end',"
				  " 'has_slips', 'keys_have_prefixes',"
				  " 'prefix_expansion_max', 'walk_rows_max')"),
		"0");
}

/* Wrong codes count even when the caller rolls them back. */
static void test_mfa_rollback_still_counts(void **state)
{
	struct security_fixture *fixture = *state;
	PGconn *doctor = connect_as(fixture->doctor);
	char code[8], sql[256];
	int i;

	reset_mfa(fixture);
	current_code(code, 3);
	snprintf(sql, sizeof(sql),
		 "SELECT (careteam.verify_mfa(%lld, '%s')).outcome",
		 (long long)fixture->guarded.id, code);
	for (i = 0; i < 5; i++) {
		ct_test_sql(doctor, "BEGIN");
		ct_test_sql_value(doctor, "%s", sql);
		ct_test_sql(doctor, "ROLLBACK");
	}
	/* Locked now, so even the right code is refused, and so is a
	 * ticket. */
	current_code(code, 0);
	assert_string_equal(
		ct_test_sql_value(doctor,
				  "SELECT (careteam.verify_mfa(%lld, '%s'))"
				  ".outcome",
				  (long long)fixture->guarded.id, code),
		"locked");
	assert_string_equal(
		ct_test_sql_value(doctor,
				  "SELECT careteam.resume_session(%lld,"
				  " repeat('a', 64))",
				  (long long)fixture->guarded.id),
		"f");
	PQfinish(doctor);
	reset_mfa(fixture);
}

/* The search reads past row-level security as careteam_reader, so it
 * must check membership and keep to the organization itself. */
static void test_search_stays_in_organization(void **state)
{
	struct security_fixture *fixture = *state;
	const char *const queries[] = {"achebe", "Achebe Ngozi", "achbe",
				       "ngozi achebe", "ach", "a n", "S2",
				       "s2", "1961-02-03"};
	struct ct_session session;
	struct ct_patient_list list;
	struct ct_error err;
	PGconn *nurse;
	size_t i;

	/* The same name and date of birth in the other organization. */
	ct_test_add_patient(fixture->admin, &fixture->south, "S2", "Achebe",
			    "Ngozi", "1961-02-03");
	ct_test_open_session(&fixture->north, fixture->nurse,
			     CT_ISOLATION_READ_COMMITTED, 3, &session);
	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		bool by_mrn = queries[i][0] == 'S' || queries[i][0] == 's';

		assert_int_equal(ct_patients_search(&session, queries[i], 50,
						    &list, &err),
				 CT_OK);
		if (by_mrn) {
			assert_int_equal(list.count, 0);
		} else {
			if (list.count != 1)
				fail_msg("\"%s\" found %zu patients",
					 queries[i], list.count);
			assert_string_equal(list.items[0].mrn, "N1");
		}
		ct_patient_list_free(&list);
	}
	ct_session_close(&session);

	nurse = connect_as(fixture->nurse);
	assert_string_equal(sqlstate_of(nurse, "SELECT * FROM"
					       " careteam.patient_words"),
			    "42501");
	assert_string_equal(sqlstate_of(nurse, "SELECT * FROM"
					       " careteam.name_lexicon"),
			    "42501");
	assert_string_equal(sqlstate_of(nurse, "SELECT * FROM"
					       " careteam.name_variants"),
			    "42501");
	assert_string_equal(
		sqlstate_of(nurse,
			    "SELECT careteam.search_by_word(%lld, 'achebe',"
			    " NULL, 10, '{}')",
			    (long long)fixture->south.id),
		"42501");
	assert_string_equal(
		sqlstate_of(nurse,
			    "SELECT * FROM careteam.search_patients(%lld,"
			    " 'achebe', 10)",
			    (long long)fixture->south.id),
		"42501");
	PQfinish(nurse);

	/* The role behind the search cannot log in or change anything. */
	assert_string_equal(
		ct_test_sql_value(fixture->admin,
				  "SELECT rolsuper OR rolcanlogin OR"
				  " NOT rolbypassrls FROM pg_roles"
				  " WHERE rolname = 'careteam_reader'"),
		"f");
	assert_string_equal(
		ct_test_sql_value(fixture->admin,
				  "SELECT count(*) FROM pg_class c JOIN"
				  " pg_namespace n ON n.oid = c.relnamespace"
				  " WHERE n.nspname = 'careteam' AND"
				  " c.relkind = 'r' AND has_table_privilege("
				  " 'careteam_reader', c.oid, 'INSERT, UPDATE,"
				  " DELETE, TRUNCATE, REFERENCES, TRIGGER')"),
		"0");
	ct_test_sql(fixture->admin,
		    "DELETE FROM careteam.patients WHERE organization_id = %lld"
		    " AND mrn = 'S2'",
		    (long long)fixture->south.id);
}

static void test_cli_mfa_audit_enrol(void **state)
{
	struct security_fixture *fixture = *state;
	const char *login[] = {"login", NULL};
	const char *search[] = {"search", "Gallagher", NULL};
	const char *audit[] = {"audit", "N1", NULL};
	const char *enrol[] = {"admin", "enroll-mfa", fixture->clerk, NULL};
	char output[8192], code[8], environment[128], ticket[128] = "";
	const char *line;

	reset_mfa(fixture);
	/* Without a code and without a terminal, nothing is shown. */
	assert_int_equal(
		run_cli(fixture->doctor, fixture->guarded.code, search), 1);

	current_code(code, 0);
	snprintf(environment, sizeof(environment), "CARETEAM_MFA_CODE=%s",
		 code);
	assert_int_equal(run_cli_capture(fixture->doctor, fixture->guarded.code,
					 environment, login, output,
					 sizeof(output)),
			 0);
	assert_true(strncmp(output, "ticket\t", 7) == 0);
	sscanf(output + 7, "%64s", ticket);
	assert_int_equal(strlen(ticket), 64);

	snprintf(environment, sizeof(environment), "CARETEAM_MFA_TICKET=%s",
		 ticket);
	assert_int_equal(run_cli_capture(fixture->doctor, fixture->guarded.code,
					 environment, search, output,
					 sizeof(output)),
			 0);
	assert_non_null(strstr(output, "G1\tGallagher"));

	assert_int_equal(run_cli_capture(fixture->nurse, fixture->north.code,
					 NULL, audit, output, sizeof(output)),
			 0);
	line = strstr(output, "\tview\t");
	assert_non_null(line);

	assert_int_equal(run_cli_capture(fixture->chief, fixture->north.code,
					 NULL, enrol, output, sizeof(output)),
			 0);
	assert_true(strncmp(output, "secret\t", 7) == 0);
	assert_non_null(strstr(output, "\nuri\totpauth://totp/careteam:"));
	/* A clinician may not enrol anyone. */
	assert_int_equal(run_cli(fixture->nurse, fixture->north.code, enrol),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles_own_nothing),
		cmocka_unit_test(test_cross_org_raw_sql),
		cmocka_unit_test(test_cross_org_data_layer),
		cmocka_unit_test(test_cross_org_cli),
		cmocka_unit_test(test_read_only_cannot_write),
		cmocka_unit_test(test_mfa_hides_everything),
		cmocka_unit_test(test_mfa_code_unlocks),
		cmocka_unit_test(test_mfa_lockout),
		cmocka_unit_test(test_ticket_resumes),
		cmocka_unit_test(test_enrolment_admin_only),
		cmocka_unit_test(test_audit_rows_written),
		cmocka_unit_test(test_audit_append_only),
		cmocka_unit_test(test_injection_literal),
		cmocka_unit_test(test_memberships_listed),
		cmocka_unit_test(test_temp_tables_cannot_shadow),
		cmocka_unit_test(test_mfa_rollback_still_counts),
		cmocka_unit_test(test_cli_mfa_audit_enrol),
		cmocka_unit_test(test_search_stays_in_organization),
	};

	return cmocka_run_group_tests_name("security", tests, setup, teardown);
}
