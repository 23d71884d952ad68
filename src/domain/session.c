/* Opening a session: connect, identify the staff member by current_user,
 * and choose the organization. */
#include "careteam/session.h"

#include <stdio.h>
#include <string.h>

#include "careteam/db.h"
#include "careteam/log.h"
#include "rows.h"

static const char context_sql[] =
	"SELECT staff_id, staff_name, organization_id, organization_code,"
	" organization_name, access_level"
	" FROM careteam.session_context(NULL)";

enum context_column {
	COLUMN_STAFF_ID,
	COLUMN_STAFF_NAME,
	COLUMN_ORGANIZATION_ID,
	COLUMN_ORGANIZATION_CODE,
	COLUMN_ORGANIZATION_NAME,
	COLUMN_ACCESS_LEVEL,
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
	ct_log(CT_LOG_INFO, "session_opened", "organization=%lld staff=%lld",
	       (long long)session->organization_id,
	       (long long)session->staff_id);
	return CT_OK;
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
