/* Maps a failed libpq result to an outcome, by PQstatus, SQLSTATE and
 * constraint name. Message text is copied for the log but never matched. */
#include <stdio.h>
#include <string.h>

#include "careteam/db.h"

struct constraint_outcome {
	const char *constraint;
	enum ct_outcome outcome;
};

/* Unique indexes whose violation has a meaning of its own for the user. */
static const struct constraint_outcome unique_constraints[] = {
	{"uq_care_team_primary", CT_CONFLICT_PRIMARY},
	{"uq_care_team_patient_provider", CT_CONFLICT_DUPLICATE},
};

/* Copies the first line of value, so the user sees what failed, not
 * libpq's CONTEXT lines or the SQL it sent. */
static void copy_field(char *buffer, size_t size, const char *value)
{
	snprintf(buffer, size, "%s", value != NULL ? value : "");
	buffer[strcspn(buffer, "\n")] = '\0';
}

static enum ct_outcome classify_unique(const char *constraint)
{
	size_t i;

	for (i = 0;
	     i < sizeof(unique_constraints) / sizeof(*unique_constraints);
	     i++) {
		if (strcmp(constraint, unique_constraints[i].constraint) == 0)
			return unique_constraints[i].outcome;
	}
	return CT_CONSTRAINT;
}

static enum ct_outcome classify_sqlstate(const char *sqlstate,
					 const char *constraint)
{
	if (strcmp(sqlstate, "23505") == 0)
		return classify_unique(constraint);
	if (strncmp(sqlstate, "23", 2) == 0)
		return CT_CONSTRAINT;
	if (strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0)
		return CT_CONFLICT_SERIALIZATION;
	if (strcmp(sqlstate, "42501") == 0)
		return CT_FORBIDDEN;
	if (strncmp(sqlstate, "22", 2) == 0)
		return CT_INVALID_INPUT;
	/* Class 08 is a connection exception. 57P01 to 57P03 mean the server
	 * is shutting down or not accepting connections yet. */
	if (strncmp(sqlstate, "08", 2) == 0 || strcmp(sqlstate, "57P01") == 0 ||
	    strcmp(sqlstate, "57P02") == 0 || strcmp(sqlstate, "57P03") == 0)
		return CT_DB_UNAVAILABLE;
	return CT_DB_ERROR;
}

enum ct_outcome ct_db_classify(PGconn *conn, const PGresult *result,
			       struct ct_error *err)
{
	struct ct_error local;
	const char *sqlstate;

	if (err == NULL)
		err = &local;
	memset(err, 0, sizeof(*err));

	sqlstate = result != NULL ? PQresultErrorField(result, PG_DIAG_SQLSTATE)
				  : NULL;
	if (sqlstate == NULL) {
		/* libpq's own errors carry no SQLSTATE: a broken link shows in
		 * PQstatus, and anything else is out of memory or a bug. */
		copy_field(err->detail, sizeof(err->detail),
			   conn != NULL ? PQerrorMessage(conn)
					: "out of memory");
		if (conn == NULL || PQstatus(conn) == CONNECTION_BAD)
			err->outcome = CT_DB_UNAVAILABLE;
		else
			err->outcome = CT_DB_ERROR;
		return err->outcome;
	}

	copy_field(err->sqlstate, sizeof(err->sqlstate), sqlstate);
	copy_field(err->constraint, sizeof(err->constraint),
		   PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME));
	copy_field(err->detail, sizeof(err->detail),
		   PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY));
	err->outcome = classify_sqlstate(err->sqlstate, err->constraint);
	if (err->outcome != CT_DB_UNAVAILABLE && conn != NULL &&
	    PQstatus(conn) == CONNECTION_BAD)
		err->outcome = CT_DB_UNAVAILABLE;
	return err->outcome;
}
