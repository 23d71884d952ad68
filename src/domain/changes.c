/* Reading care-team change notifications. */
#include "careteam/changes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "careteam/db.h"
#include "rows.h"

static const char listen_sql[] = "LISTEN careteam_care_team";

static const char lookup_sql[] =
	"SELECT p.id, p.mrn, p.care_team_version, s.display_name,"
	" to_char(p.care_team_changed_at, 'YYYY-MM-DD HH24:MI'),"
	" (SELECT l.action FROM careteam.audit_log l"
	"   WHERE l.organization_id = p.organization_id"
	"     AND l.patient_id = p.id AND l.action <> 'view'"
	"   ORDER BY l.id DESC LIMIT 1)"
	" FROM careteam.patients p"
	" LEFT JOIN careteam.staff s ON s.id = p.care_team_changed_by"
	" WHERE p.organization_id = $1 AND p.id = ANY ($2::bigint[])";

enum ct_outcome ct_changes_listen(struct ct_session *session,
				  struct ct_error *err)
{
	PGresult *result;
	enum ct_outcome outcome;

	outcome = ct_db_query(session->db, listen_sql, 0, NULL, &result, err);
	PQclear(result);
	if (outcome == CT_OK)
		session->listening = true;
	return outcome;
}

/* Parses the payload that careteam.notify_care_team_change writes with
 * json_build_object, such as {"organization_id" : 1, "patient_id" : 7}. */
static bool parse_payload(const char *payload, long long *organization,
			  long long *patient)
{
	return sscanf(payload,
		      " { \"organization_id\" : %lld , \"patient_id\" : %lld }",
		      organization, patient) == 2;
}

static bool contains(const int64_t *ids, size_t count, int64_t id)
{
	for (size_t i = 0; i < count; i++) {
		if (ids[i] == id)
			return true;
	}
	return false;
}

/* Drains the notification queue into ids, keeping one entry per patient
 * of this organization. */
static size_t drain(PGconn *conn, int64_t organization_id, int64_t *ids)
{
	PGnotify *notify;
	size_t count = 0;

	while ((notify = PQnotifies(conn)) != NULL) {
		long long organization, patient;

		if (parse_payload(notify->extra, &organization, &patient) &&
		    organization == organization_id && count < CT_CHANGES_MAX &&
		    !contains(ids, count, patient))
			ids[count++] = patient;
		PQfreemem(notify);
	}
	return count;
}

static void format_id_array(const int64_t *ids, size_t count, char *buffer,
			    size_t size)
{
	size_t used = 0;

	used += (size_t)snprintf(buffer, size, "{");
	for (size_t i = 0; i < count && used < size; i++)
		used += (size_t)snprintf(buffer + used, size - used, "%s%lld",
					 i > 0 ? "," : "", (long long)ids[i]);
	if (used < size)
		snprintf(buffer + used, size - used, "}");
}

enum ct_outcome ct_changes_read(struct ct_session *session,
				struct ct_change changes[CT_CHANGES_MAX],
				size_t *count, struct ct_error *err)
{
	PGconn *conn = ct_db_pgconn(session->db);
	int64_t ids[CT_CHANGES_MAX];
	char org[32], array[CT_CHANGES_MAX * 21 + 3];
	const char *params[2] = {org, array};
	PGresult *result;
	enum ct_outcome outcome;
	size_t found;

	*count = 0;
	if (!PQconsumeInput(conn))
		return ct_db_classify(conn, NULL, err);
	found = drain(conn, session->organization_id, ids);
	if (found == 0)
		return CT_OK;

	snprintf(org, sizeof(org), "%lld", (long long)session->organization_id);
	format_id_array(ids, found, array, sizeof(array));
	outcome = ct_db_query_retry(session->db, lookup_sql, 2, params, &result,
				    NULL, err);
	if (outcome != CT_OK)
		return outcome;
	for (int row = 0; row < PQntuples(result); row++) {
		struct ct_change *change = &changes[*count];

		change->patient_id = ct_row_int64(result, row, 0, 0);
		ct_row_copy(result, row, 1, change->mrn, sizeof(change->mrn));
		change->care_team_version = ct_row_int64(result, row, 2, 0);
		ct_row_copy(result, row, 3, change->changed_by,
			    sizeof(change->changed_by));
		ct_row_copy(result, row, 4, change->changed_at,
			    sizeof(change->changed_at));
		ct_row_copy(result, row, 5, change->action,
			    sizeof(change->action));
		(*count)++;
	}
	PQclear(result);
	return CT_OK;
}
