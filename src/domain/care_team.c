/* Loading a care team and the four writes. The care-team rules are checked
 * twice: by the server-side functions in share/migrations, under a lock on
 * the patient's row, and by the unique indexes, which catch a writer that
 * bypassed those functions. */
#include "careteam/care_team.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "careteam/db.h"
#include "careteam/log.h"
#include "rows.h"

static const char *const role_names[] = {
	[CT_ROLE_PRIMARY] = "PRIMARY",
	[CT_ROLE_SPECIALIST] = "SPECIALIST",
	[CT_ROLE_CONSULTANT] = "CONSULTANT",
};

#define ROLE_COUNT (sizeof(role_names) / sizeof(role_names[0]))

bool ct_role_parse(const char *text, enum ct_role *role)
{
	size_t i;

	for (i = 0; text != NULL && i < ROLE_COUNT; i++) {
		if (strcasecmp(text, role_names[i]) == 0) {
			*role = (enum ct_role)i;
			return true;
		}
	}
	return false;
}

const char *ct_role_name(enum ct_role role)
{
	return (unsigned)role < ROLE_COUNT ? role_names[role] : "UNKNOWN";
}

/* ---- Loading ---- */

/* open_care_team also writes the view's audit row, in the same round
 * trip. */

static const char team_sql[] =
	"SELECT mrn, family_name, given_name, birth_date::text,"
	" care_team_version, assignment_id, role, provider_npi, provider_name,"
	" specialty, primary_panel_size,"
	" to_char(assigned_at, 'YYYY-MM-DD HH24:MI'), assigned_by,"
	" to_char(removed_at, 'YYYY-MM-DD HH24:MI'), removed_by, removal_reason"
	" FROM careteam.open_care_team($1, $2, $3)";

enum team_column {
	COLUMN_MRN,
	COLUMN_FAMILY_NAME,
	COLUMN_GIVEN_NAME,
	COLUMN_BIRTH_DATE,
	COLUMN_VERSION,
	COLUMN_ASSIGNMENT_ID,
	COLUMN_ROLE,
	COLUMN_NPI,
	COLUMN_PROVIDER_NAME,
	COLUMN_SPECIALTY,
	COLUMN_PANEL_SIZE,
	COLUMN_ASSIGNED_AT,
	COLUMN_ASSIGNED_BY,
	COLUMN_REMOVED_AT,
	COLUMN_REMOVED_BY,
	COLUMN_REMOVAL_REASON,
};

static bool decode_patient(const PGresult *result, struct ct_patient *patient)
{
	patient->mrn = ct_row_text(result, 0, COLUMN_MRN);
	patient->family_name = ct_row_text(result, 0, COLUMN_FAMILY_NAME);
	patient->given_name = ct_row_text(result, 0, COLUMN_GIVEN_NAME);
	patient->birth_date = ct_row_text(result, 0, COLUMN_BIRTH_DATE);
	patient->primary_provider = strdup("");
	patient->care_team_version = ct_row_int64(result, 0, COLUMN_VERSION, 0);
	return patient->mrn != NULL && patient->family_name != NULL &&
	       patient->given_name != NULL && patient->birth_date != NULL &&
	       patient->primary_provider != NULL;
}

static bool decode_assignment(const PGresult *result, int row,
			      struct ct_assignment *assignment)
{
	assignment->id = ct_row_int64(result, row, COLUMN_ASSIGNMENT_ID, 0);
	if (!ct_role_parse(PQgetvalue(result, row, COLUMN_ROLE),
			   &assignment->role))
		assignment->role = CT_ROLE_CONSULTANT;
	assignment->provider_npi = ct_row_text(result, row, COLUMN_NPI);
	assignment->provider_name =
		ct_row_text(result, row, COLUMN_PROVIDER_NAME);
	assignment->specialty = ct_row_text(result, row, COLUMN_SPECIALTY);
	assignment->primary_panel_size =
		(long)ct_row_int64(result, row, COLUMN_PANEL_SIZE, 0);
	assignment->assigned_at = ct_row_text(result, row, COLUMN_ASSIGNED_AT);
	assignment->assigned_by = ct_row_text(result, row, COLUMN_ASSIGNED_BY);
	assignment->removed = !PQgetisnull(result, row, COLUMN_REMOVED_AT);
	assignment->removed_at = ct_row_text(result, row, COLUMN_REMOVED_AT);
	assignment->removed_by = ct_row_text(result, row, COLUMN_REMOVED_BY);
	assignment->removal_reason =
		ct_row_text(result, row, COLUMN_REMOVAL_REASON);
	return assignment->provider_npi != NULL &&
	       assignment->provider_name != NULL &&
	       assignment->specialty != NULL &&
	       assignment->assigned_at != NULL &&
	       assignment->assigned_by != NULL &&
	       assignment->removed_at != NULL &&
	       assignment->removed_by != NULL &&
	       assignment->removal_reason != NULL;
}

static enum ct_outcome decode_team(const PGresult *result,
				   struct ct_care_team *team,
				   struct ct_error *err)
{
	int rows = PQntuples(result);
	int row;

	if (rows == 0)
		return ct_error_set(err, CT_PATIENT_NOT_FOUND, "%s", "");
	team->items = calloc((size_t)rows, sizeof(*team->items));
	if (team->items == NULL || !decode_patient(result, &team->patient))
		goto out_of_memory;

	/* An empty team still returns the patient's row, with NULL
	 * assignment columns. */
	for (row = 0; row < rows; row++) {
		if (PQgetisnull(result, row, COLUMN_ASSIGNMENT_ID))
			continue;
		team->count++;
		if (!decode_assignment(result, row,
				       &team->items[team->count - 1]))
			goto out_of_memory;
	}
	return CT_OK;

out_of_memory:
	ct_care_team_free(team);
	return ct_error_set(err, CT_SYSTEM_ERROR, "out of memory");
}

enum ct_outcome ct_care_team_load(struct ct_session *session, const char *mrn,
				  bool include_removed,
				  struct ct_care_team *team,
				  struct ct_error *err)
{
	char org[32];
	const char *params[3];
	PGresult *result;
	enum ct_outcome outcome;

	memset(team, 0, sizeof(*team));
	if (mrn == NULL || mrn[0] == '\0' || strlen(mrn) > 32)
		return ct_error_set(err, CT_INVALID_INPUT,
				    "an MRN of 1 to 32 characters is required");
	snprintf(org, sizeof(org), "%lld", (long long)session->organization_id);
	params[0] = org;
	params[1] = mrn;
	params[2] = include_removed ? "true" : "false";
	outcome = ct_db_query_retry(session->db, team_sql, 3, params, &result,
				    NULL, err);
	if (outcome != CT_OK)
		return outcome;
	outcome = decode_team(result, team, err);
	PQclear(result);
	return outcome;
}

void ct_care_team_free(struct ct_care_team *team)
{
	size_t i;

	ct_patient_free(&team->patient);
	for (i = 0; i < team->count; i++) {
		struct ct_assignment *assignment = &team->items[i];

		free(assignment->provider_npi);
		free(assignment->provider_name);
		free(assignment->specialty);
		free(assignment->assigned_at);
		free(assignment->assigned_by);
		free(assignment->removed_at);
		free(assignment->removed_by);
		free(assignment->removal_reason);
	}
	free(team->items);
	memset(team, 0, sizeof(*team));
}

const struct ct_assignment *
ct_care_team_primary(const struct ct_care_team *team)
{
	size_t i;

	for (i = 0; i < team->count; i++) {
		if (!team->items[i].removed &&
		    team->items[i].role == CT_ROLE_PRIMARY)
			return &team->items[i];
	}
	return NULL;
}

/* ---- Writes ---- */

enum write_kind {
	WRITE_ASSIGN,
	WRITE_REMOVE,
	WRITE_SET_ROLE,
	WRITE_REASSIGN_PRIMARY,
};

struct write_spec {
	const char *action; /* careteam.write's action, also in log lines */
	bool takes_role;    /* otherwise the argument is the reason */
};

static const struct write_spec write_specs[] = {
	[WRITE_ASSIGN] = {"assign", true},
	[WRITE_REMOVE] = {"remove", false},
	[WRITE_SET_ROLE] = {"set_role", true},
	[WRITE_REASSIGN_PRIMARY] = {"reassign_primary", false},
};

static const char write_sql[] =
	"SELECT outcome, assignment_id, care_team_version, other_provider,"
	" other_staff, to_char(other_at, 'YYYY-MM-DD HH24:MI')"
	" FROM careteam.write($1, $2, $3, $4, $5, $6, $7)";

static const char settle_sql[] =
	"SELECT outcome, assignment_id, care_team_version, other_provider,"
	" other_staff, to_char(other_at, 'YYYY-MM-DD HH24:MI')"
	" FROM careteam.settle_write($1, $2)";

/* The outcome column of careteam.write_result. */
static const struct {
	const char *text;
	enum ct_outcome outcome;
} server_outcomes[] = {
	{"ok", CT_OK},
	{"invalid_role", CT_INVALID_ROLE},
	{"invalid_reason", CT_INVALID_REASON},
	{"patient_not_found", CT_PATIENT_NOT_FOUND},
	{"provider_not_found", CT_PROVIDER_NOT_FOUND},
	{"provider_inactive", CT_PROVIDER_INACTIVE},
	{"not_on_team", CT_NOT_ON_TEAM},
	{"unchanged", CT_UNCHANGED},
	{"primary_taken", CT_CONFLICT_PRIMARY},
	{"duplicate", CT_CONFLICT_DUPLICATE},
	{"no_primary", CT_CONFLICT_NO_PRIMARY},
	{"stale", CT_STALE},
	{"abandoned", CT_NOT_APPLIED},
};

enum write_column {
	WRITE_COLUMN_OUTCOME,
	WRITE_COLUMN_ASSIGNMENT_ID,
	WRITE_COLUMN_VERSION,
	WRITE_COLUMN_OTHER_PROVIDER,
	WRITE_COLUMN_OTHER_STAFF,
	WRITE_COLUMN_OTHER_AT,
};

static enum ct_outcome parse_server_outcome(const char *text)
{
	size_t i;

	for (i = 0; i < sizeof(server_outcomes) / sizeof(*server_outcomes);
	     i++) {
		if (strcmp(text, server_outcomes[i].text) == 0)
			return server_outcomes[i].outcome;
	}
	return CT_DB_ERROR;
}

/* Returns whether text has nothing printable: spaces and control
 * characters only. */
static bool is_blank(const char *text)
{
	for (; text != NULL && *text != '\0'; text++) {
		unsigned char byte = (unsigned char)*text;

		if (byte != ' ' && byte >= 0x20 && byte != 0x7f)
			return false;
	}
	return true;
}

static enum ct_outcome validate_request(enum write_kind kind,
					const struct ct_write_request *request,
					struct ct_error *err)
{
	if (request->mrn == NULL || request->mrn[0] == '\0' ||
	    strlen(request->mrn) > 32)
		return ct_error_set(err, CT_INVALID_INPUT,
				    "an MRN of 1 to 32 characters is required");
	if (request->npi == NULL || request->npi[0] == '\0' ||
	    strlen(request->npi) > 10)
		return ct_error_set(err, CT_INVALID_INPUT,
				    "an NPI of 1 to 10 digits is required");
	if (write_specs[kind].takes_role &&
	    (unsigned)request->role >= ROLE_COUNT)
		return ct_error_set(err, CT_INVALID_ROLE, "role %d",
				    (int)request->role);
	if (!write_specs[kind].takes_role && is_blank(request->reason))
		return ct_error_set(err, CT_INVALID_REASON, "%s",
				    "the reason is empty");
	if (request->expected_version < CT_VERSION_ANY)
		return ct_error_set(err, CT_INVALID_INPUT,
				    "expected version %lld is negative",
				    (long long)request->expected_version);
	return CT_OK;
}

static void decode_write(const PGresult *result, struct ct_write_result *out)
{
	out->outcome = parse_server_outcome(
		PQgetvalue(result, 0, WRITE_COLUMN_OUTCOME));
	out->assignment_id =
		ct_row_int64(result, 0, WRITE_COLUMN_ASSIGNMENT_ID, 0);
	out->care_team_version =
		ct_row_int64(result, 0, WRITE_COLUMN_VERSION, -1);
	ct_row_copy(result, 0, WRITE_COLUMN_OTHER_PROVIDER, out->other_provider,
		    sizeof(out->other_provider));
	ct_row_copy(result, 0, WRITE_COLUMN_OTHER_STAFF, out->other_staff,
		    sizeof(out->other_staff));
	ct_row_copy(result, 0, WRITE_COLUMN_OTHER_AT, out->other_at,
		    sizeof(out->other_at));
	out->error.outcome = out->outcome;
}

static void log_write(const struct ct_session *session, enum write_kind kind,
		      const struct ct_write_request *request,
		      const struct ct_write_result *result)
{
	enum ct_log_level level = CT_LOG_INFO;

	if (result->outcome != CT_OK &&
	    (ct_outcome_is_conflict(result->outcome) ||
	     result->outcome == CT_CONSTRAINT ||
	     result->outcome == CT_DB_ERROR))
		level = CT_LOG_WARNING;
	ct_log(level, ct_outcome_name(result->outcome),
	       "action=%s organization=%lld staff=%lld mrn=%s npi=%s "
	       "constraint=%s sqlstate=%s attempts=%d",
	       write_specs[kind].action, (long long)session->organization_id,
	       (long long)session->staff_id, request->mrn, request->npi,
	       result->error.constraint[0] ? result->error.constraint : "-",
	       result->error.sqlstate[0] ? result->error.sqlstate : "-",
	       result->attempts);
}

/* Names the write in the connection's retry and reconnect log lines. */
static void set_write_log_context(struct ct_session *session,
				  enum write_kind kind,
				  const struct ct_write_request *request)
{
	char context[256];

	snprintf(context, sizeof(context),
		 "organization=%lld staff=%lld action=%s mrn=%.32s npi=%.10s",
		 (long long)session->organization_id,
		 (long long)session->staff_id, write_specs[kind].action,
		 request->mrn, request->npi);
	ct_db_set_log_context(session->db, context);
}

static bool is_idempotency_key(const char *key)
{
	size_t i;

	for (i = 0; key[i] != '\0'; i++) {
		if (!((key[i] >= '0' && key[i] <= '9') ||
		      (key[i] >= 'a' && key[i] <= 'f')))
			return false;
	}
	return i == 32;
}

static enum ct_outcome choose_key(const struct ct_write_request *request,
				  struct ct_write_result *out)
{
	unsigned char bytes[16];
	size_t i;

	if (request->idempotency_key != NULL) {
		if (!is_idempotency_key(request->idempotency_key))
			return ct_error_set(&out->error, CT_INVALID_INPUT,
					    "an idempotency key is 32 "
					    "lowercase hex digits");
		snprintf(out->idempotency_key, sizeof(out->idempotency_key),
			 "%s", request->idempotency_key);
		return CT_OK;
	}
	if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes))
		return ct_error_set(&out->error, CT_SYSTEM_ERROR,
				    "getrandom failed");
	for (i = 0; i < sizeof(bytes); i++)
		snprintf(out->idempotency_key + 2 * i, 3, "%02x", bytes[i]);
	return CT_OK;
}

/* Looks the write up by its key after its reply was lost. The server
 * waits for the write's transaction if it is still running, and fences
 * the key if the write never got that far, so the outcome is final. */
static void settle(struct ct_session *session, const char *org,
		   struct ct_write_result *out)
{
	const char *params[] = {org, out->idempotency_key};
	struct ct_error err;
	PGresult *result;

	out->settled = true;
	/* Under SERIALIZABLE, waiting for the write's transaction ends in
	 * 40001 when it committed, and the retry then reads its receipt. */
	if (ct_db_reconnect(session->db, &err) != CT_OK ||
	    ct_db_query_retry(session->db, settle_sql, 2, params, &result, NULL,
			      &err) != CT_OK) {
		out->outcome = CT_OUTCOME_UNKNOWN;
		out->error.outcome = CT_OUTCOME_UNKNOWN;
		return;
	}
	decode_write(result, out);
	PQclear(result);
	ct_log(CT_LOG_WARNING, "write_settled", "key=%s outcome=%s",
	       out->idempotency_key, ct_outcome_name(out->outcome));
}

static enum ct_outcome run_write(struct ct_session *session,
				 enum write_kind kind,
				 const struct ct_write_request *request,
				 struct ct_write_result *out)
{
	char org[32], version[32];
	const char *params[7];
	PGresult *result;
	unsigned long trips_before;

	memset(out, 0, sizeof(*out));
	out->care_team_version = -1;
	out->outcome = validate_request(kind, request, &out->error);
	if (out->outcome == CT_OK)
		out->outcome = choose_key(request, out);
	if (out->outcome != CT_OK)
		return out->outcome;

	snprintf(org, sizeof(org), "%lld", (long long)session->organization_id);
	snprintf(version, sizeof(version), "%lld",
		 (long long)request->expected_version);
	params[0] = write_specs[kind].action;
	params[1] = org;
	params[2] = request->mrn;
	params[3] = request->npi;
	params[4] = write_specs[kind].takes_role ? ct_role_name(request->role)
						 : request->reason;
	params[5] =
		request->expected_version == CT_VERSION_ANY ? NULL : version;
	params[6] = out->idempotency_key;

	set_write_log_context(session, kind, request);
	trips_before = ct_db_round_trips(session->db);
	out->outcome = ct_db_query_retry(session->db, write_sql, 7, params,
					 &result, &out->attempts, &out->error);
	if (out->outcome == CT_OK) {
		decode_write(result, out);
		PQclear(result);
	} else if (out->outcome == CT_CONFLICT_PRIMARY ||
		   out->outcome == CT_CONFLICT_DUPLICATE) {
		out->caught_by_constraint = true;
	} else if (out->outcome == CT_DB_UNAVAILABLE &&
		   ct_db_round_trips(session->db) > trips_before) {
		/* The statement was sent, so it may have committed. */
		settle(session, org, out);
	}
	log_write(session, kind, request, out);
	ct_session_set_log_context(session);
	return out->outcome;
}

enum ct_outcome ct_care_team_assign(struct ct_session *session,
				    const struct ct_write_request *request,
				    struct ct_write_result *result)
{
	return run_write(session, WRITE_ASSIGN, request, result);
}

enum ct_outcome ct_care_team_remove(struct ct_session *session,
				    const struct ct_write_request *request,
				    struct ct_write_result *result)
{
	return run_write(session, WRITE_REMOVE, request, result);
}

enum ct_outcome ct_care_team_set_role(struct ct_session *session,
				      const struct ct_write_request *request,
				      struct ct_write_result *result)
{
	return run_write(session, WRITE_SET_ROLE, request, result);
}

enum ct_outcome
ct_care_team_reassign_primary(struct ct_session *session,
			      const struct ct_write_request *request,
			      struct ct_write_result *result)
{
	return run_write(session, WRITE_REASSIGN_PRIMARY, request, result);
}

/* ---- Messages ---- */

/* Appends text to buffer, which contains *used bytes, keeping it
 * terminated. */
static void append(char *buffer, size_t size, size_t *used, const char *text)
{
	int written;

	if (*used + 1 >= size)
		return;
	written = snprintf(buffer + *used, size - *used, "%s", text);
	if (written > 0)
		*used += (size_t)written < size - *used ? (size_t)written
							: size - *used - 1;
}

/* Fills the outcome's detail template, or returns false when a name it
 * needs is unknown (a conflict caught by the index carries no names). */
static bool fill_detail(const char *template,
			const struct ct_write_result *result, char *buffer,
			size_t size)
{
	static const char *const keys[] = {"{provider}", "{staff}", "{time}"};
	const char *values[] = {result->other_provider, result->other_staff,
				result->other_at};
	size_t used = 0, i;

	buffer[0] = '\0';
	while (*template != '\0') {
		for (i = 0; i < 3; i++) {
			if (strncmp(template, keys[i], strlen(keys[i])) == 0)
				break;
		}
		if (i < 3) {
			if (values[i][0] == '\0')
				return false;
			append(buffer, size, &used, values[i]);
			template += strlen(keys[i]);
		} else {
			char one[2] = {*template ++, '\0'};

			append(buffer, size, &used, one);
		}
	}
	return true;
}

void ct_write_result_message(const struct ct_write_result *result, char *buffer,
			     size_t size)
{
	const char *template = ct_outcome_detail_format(result->outcome);
	char detail[700];
	size_t used = 0;

	if (size == 0)
		return;
	buffer[0] = '\0';
	append(buffer, size, &used, ct_outcome_message(result->outcome));
	if (template != NULL &&
	    fill_detail(template, result, detail, sizeof(detail))) {
		append(buffer, size, &used, " ");
		append(buffer, size, &used, detail);
	}
	if (result->outcome == CT_CONSTRAINT && result->error.constraint[0]) {
		append(buffer, size, &used, " (constraint ");
		append(buffer, size, &used, result->error.constraint);
		append(buffer, size, &used, ")");
	} else if (result->outcome != CT_OK &&
		   !ct_outcome_is_conflict(result->outcome) &&
		   result->error.detail[0] != '\0') {
		append(buffer, size, &used, " (");
		append(buffer, size, &used, result->error.detail);
		append(buffer, size, &used, ")");
	}
}
