/* Opening a session: connect, identify the staff member by current_user,
 * and choose the organization. */
#include "careteam/session.h"

#include <stdio.h>
#include <string.h>

#include "careteam/changes.h"
#include "careteam/db.h"
#include "careteam/log.h"
#include "rows.h"

/* Also writes the login's audit row. */
static const char context_sql[] =
	"SELECT staff_id, staff_name, organization_id, organization_code,"
	" organization_name, access_level, require_mfa, mfa_verified"
	" FROM careteam.begin_session()";

static const char verify_sql[] =
	"SELECT outcome, ticket, to_char(locked_until, 'YYYY-MM-DD HH24:MI')"
	" FROM careteam.verify_mfa($1, $2)";

static const char resume_sql[] = "SELECT careteam.resume_session($1, $2)";

enum context_column {
	COLUMN_STAFF_ID,
	COLUMN_STAFF_NAME,
	COLUMN_ORGANIZATION_ID,
	COLUMN_ORGANIZATION_CODE,
	COLUMN_ORGANIZATION_NAME,
	COLUMN_ACCESS_LEVEL,
	COLUMN_REQUIRE_MFA,
	COLUMN_MFA_VERIFIED,
};

static enum ct_access parse_access(const char *level)
{
	if (strcmp(level, "admin") == 0)
		return CT_ACCESS_ADMIN;
	if (strcmp(level, "clinician") == 0)
		return CT_ACCESS_CLINICIAN;
	return CT_ACCESS_READ_ONLY;
}

static enum ct_outcome connect_db(const struct ct_config *config,
				  struct ct_session *session,
				  struct ct_error *err)
{
	struct ct_db_options options = {
		.conninfo = config->conninfo,
		.isolation = config->isolation,
		.max_retries = config->max_retries,
	};

	memset(session, 0, sizeof(*session));
	session->max_retries = config->max_retries;
	return ct_db_connect(&options, &session->db, err);
}

/* Returns the row of the membership to use, or -1 with err set. */
static int choose_membership(const PGresult *result, const char *org_code,
			     struct ct_error *err)
{
	int rows = PQntuples(result);
	int row;

	if (rows == 0) {
		ct_error_set(err, CT_NOT_STAFF,
			     "no careteam.staff row has role_name = the "
			     "database user you connected as");
		return -1;
	}
	if (PQgetisnull(result, 0, COLUMN_ORGANIZATION_ID)) {
		ct_error_set(err, CT_ORGANIZATION_NOT_FOUND,
			     "you are not a member of any organization");
		return -1;
	}
	if (org_code == NULL || org_code[0] == '\0') {
		if (rows == 1)
			return 0;
		ct_error_set(err, CT_ORGANIZATION_REQUIRED, "%d memberships",
			     rows);
		return -1;
	}
	for (row = 0; row < rows; row++) {
		if (strcmp(PQgetvalue(result, row, COLUMN_ORGANIZATION_CODE),
			   org_code) == 0)
			return row;
	}
	ct_error_set(err, CT_ORGANIZATION_NOT_FOUND, "organization \"%s\"",
		     org_code);
	return -1;
}

static void fill_session(struct ct_session *session, const PGresult *result,
			 int row)
{
	session->staff_id = ct_row_int64(result, row, COLUMN_STAFF_ID, 0);
	ct_row_copy(result, row, COLUMN_STAFF_NAME, session->staff_name,
		    sizeof(session->staff_name));
	session->organization_id =
		ct_row_int64(result, row, COLUMN_ORGANIZATION_ID, 0);
	ct_row_copy(result, row, COLUMN_ORGANIZATION_CODE,
		    session->organization_code,
		    sizeof(session->organization_code));
	ct_row_copy(result, row, COLUMN_ORGANIZATION_NAME,
		    session->organization_name,
		    sizeof(session->organization_name));
	session->access =
		parse_access(PQgetvalue(result, row, COLUMN_ACCESS_LEVEL));
	session->mfa_required = ct_row_bool(result, row, COLUMN_REQUIRE_MFA);
	session->mfa_verified = ct_row_bool(result, row, COLUMN_MFA_VERIFIED);
}

/* Runs on every reconnect: a new backend has proved no second factor and
 * listens to nothing, so the ticket and the subscription are renewed. */
static enum ct_outcome restore_session(void *argument, struct ct_error *err)
{
	struct ct_session *session = argument;
	enum ct_outcome outcome = CT_OK;

	session->mfa_verified = false;
	if (session->mfa_required && session->ticket[0] != '\0')
		outcome = ct_session_resume(session, session->ticket, err);
	if (outcome == CT_OK && session->listening)
		outcome = ct_changes_listen(session, err);
	return outcome;
}

enum ct_outcome ct_session_open(const struct ct_config *config,
				const char *org_code,
				struct ct_session *session,
				struct ct_error *err)
{
	PGresult *result;
	enum ct_outcome outcome;
	int row;

	outcome = connect_db(config, session, err);
	if (outcome != CT_OK)
		return outcome;

	if (org_code == NULL || org_code[0] == '\0')
		org_code = config->default_organization;
	outcome = ct_db_query(session->db, context_sql, 0, NULL, &result, err);
	if (outcome != CT_OK) {
		ct_session_close(session);
		return outcome;
	}
	row = choose_membership(result, org_code, err);
	if (row < 0) {
		PQclear(result);
		ct_session_close(session);
		return err->outcome;
	}
	fill_session(session, result, row);
	PQclear(result);
	ct_db_set_reconnect_hook(session->db, restore_session, session);
	ct_session_set_log_context(session);
	ct_log(CT_LOG_INFO, "session_opened", "organization=%lld staff=%lld",
	       (long long)session->organization_id,
	       (long long)session->staff_id);
	return CT_OK;
}

static bool is_six_digits(const char *code)
{
	size_t i;

	for (i = 0; code != NULL && code[i] != '\0'; i++) {
		if (code[i] < '0' || code[i] > '9')
			return false;
	}
	return code != NULL && i == 6;
}

enum ct_outcome ct_session_verify_mfa(struct ct_session *session,
				      const char *code, struct ct_error *err)
{
	char org[32];
	const char *params[] = {org, code};
	const char *outcome_text;
	PGresult *result;
	enum ct_outcome outcome;

	if (!is_six_digits(code))
		return ct_error_set(err, CT_MFA_INVALID, "a code is 6 digits");
	snprintf(org, sizeof(org), "%lld", (long long)session->organization_id);
	outcome = ct_db_query(session->db, verify_sql, 2, params, &result, err);
	if (outcome != CT_OK)
		return outcome;

	outcome_text = PQgetvalue(result, 0, 0);
	if (strcmp(outcome_text, "ok") == 0) {
		ct_row_copy(result, 0, 1, session->ticket,
			    sizeof(session->ticket));
		session->mfa_verified = true;
		outcome = CT_OK;
	} else if (strcmp(outcome_text, "locked") == 0) {
		outcome = ct_error_set(err, CT_MFA_LOCKED, "%s",
				       PQgetvalue(result, 0, 2));
	} else if (strcmp(outcome_text, "not_enrolled") == 0) {
		outcome = ct_error_set(err, CT_MFA_NOT_ENROLLED, "%s", "");
	} else if (strcmp(outcome_text, "not_member") == 0) {
		outcome =
			ct_error_set(err, CT_ORGANIZATION_NOT_FOUND, "%s", "");
	} else {
		outcome = ct_error_set(err, CT_MFA_INVALID, "%s", "");
	}
	PQclear(result);
	ct_log(outcome == CT_OK ? CT_LOG_INFO : CT_LOG_WARNING,
	       ct_outcome_name(outcome),
	       "action=verify_mfa organization=%lld "
	       "staff=%lld",
	       (long long)session->organization_id,
	       (long long)session->staff_id);
	return outcome;
}

enum ct_outcome ct_session_resume(struct ct_session *session,
				  const char *ticket, struct ct_error *err)
{
	char org[32];
	const char *params[] = {org, ticket};
	PGresult *result;
	enum ct_outcome outcome;
	bool valid;

	if (ticket == NULL || strlen(ticket) != 64)
		return ct_error_set(err, CT_TICKET_INVALID, "%s",
				    "a ticket is 64 hex digits");
	snprintf(org, sizeof(org), "%lld", (long long)session->organization_id);
	outcome = ct_db_query(session->db, resume_sql, 2, params, &result, err);
	if (outcome != CT_OK)
		return outcome;
	valid = ct_row_bool(result, 0, 0);
	PQclear(result);
	if (!valid)
		return ct_error_set(err, CT_TICKET_INVALID, "%s", "");
	if (session->ticket != ticket)
		snprintf(session->ticket, sizeof(session->ticket), "%s",
			 ticket);
	session->mfa_verified = true;
	return CT_OK;
}

enum ct_outcome ct_session_list_memberships(
	const struct ct_config *config,
	struct ct_membership memberships[CT_MEMBERSHIPS_MAX], size_t *count,
	struct ct_error *err)
{
	struct ct_session session;
	PGresult *result;
	enum ct_outcome outcome;
	int rows;

	*count = 0;
	outcome = connect_db(config, &session, err);
	if (outcome != CT_OK)
		return outcome;
	outcome = ct_db_query(session.db, context_sql, 0, NULL, &result, err);
	if (outcome == CT_OK) {
		rows = PQntuples(result);
		if (rows == 0)
			outcome = ct_error_set(err, CT_NOT_STAFF, "%s", "");
		for (int row = 0; row < rows && *count < CT_MEMBERSHIPS_MAX;
		     row++) {
			struct ct_membership *item = &memberships[*count];

			if (PQgetisnull(result, row, COLUMN_ORGANIZATION_ID))
				continue;
			ct_row_copy(result, row, COLUMN_ORGANIZATION_CODE,
				    item->code, sizeof(item->code));
			ct_row_copy(result, row, COLUMN_ORGANIZATION_NAME,
				    item->name, sizeof(item->name));
			item->access = parse_access(
				PQgetvalue(result, row, COLUMN_ACCESS_LEVEL));
			item->mfa_required =
				ct_row_bool(result, row, COLUMN_REQUIRE_MFA);
			(*count)++;
		}
		PQclear(result);
	}
	ct_session_close(&session);
	return outcome;
}

enum ct_outcome ct_session_open_maintenance(const struct ct_config *config,
					    struct ct_session *session,
					    struct ct_error *err)
{
	return connect_db(config, session, err);
}

void ct_session_close(struct ct_session *session)
{
	ct_db_close(session->db);
	session->db = NULL;
}

enum ct_outcome ct_session_migrate(struct ct_session *session, int *applied,
				   struct ct_error *err)
{
	return ct_db_migrate(session->db, applied, err);
}

enum ct_outcome ct_session_seed_demo(struct ct_session *session,
				     struct ct_error *err)
{
	return ct_db_load_demo(session->db, err);
}

void ct_session_set_log_context(struct ct_session *session)
{
	char context[96];

	snprintf(context, sizeof(context), "organization=%lld staff=%lld",
		 (long long)session->organization_id,
		 (long long)session->staff_id);
	ct_db_set_log_context(session->db, context);
}

int ct_session_socket(const struct ct_session *session)
{
	return ct_db_socket(session->db);
}

enum ct_outcome ct_session_reconnect(struct ct_session *session,
				     struct ct_error *err)
{
	return ct_db_reconnect(session->db, err);
}

bool ct_session_connected(const struct ct_session *session)
{
	return ct_db_connected(session->db);
}

unsigned long ct_session_round_trips(const struct ct_session *session)
{
	return ct_db_round_trips(session->db);
}
