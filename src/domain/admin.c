/* Second-factor enrolment and the audit trail. */
#include "careteam/admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "careteam/db.h"
#include "careteam/log.h"
#include "rows.h"

static const char enroll_sql[] =
	"SELECT encode(careteam.enroll_mfa($1, $2), 'hex')";

static const char audit_sql[] =
	"SELECT id, to_char(occurred_at, 'YYYY-MM-DD HH24:MI:SS'), staff_name,"
	" role_name, mrn, action, before::text, after::text, application_name"
	" FROM careteam.audit_trail($1, $2, $3)";

void ct_base32_encode(const unsigned char *bytes, size_t length, char *text,
		      size_t size)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned buffer = 0;
	int bits = 0;
	size_t used = 0, i;

	for (i = 0; i < length && used + 1 < size; i++) {
		buffer = (buffer << 8) | bytes[i];
		bits += 8;
		while (bits >= 5 && used + 1 < size) {
			text[used++] = alphabet[(buffer >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0 && used + 1 < size)
		text[used++] = alphabet[(buffer << (5 - bits)) & 31];
	if (size > 0)
		text[used] = '\0';
}

static size_t decode_hex(const char *hex, unsigned char *bytes, size_t size)
{
	size_t count = 0;
	unsigned value;

	while (count < size && sscanf(hex + 2 * count, "%2x", &value) == 1) {
		bytes[count++] = (unsigned char)value;
		if (hex[2 * count] == '\0')
			break;
	}
	return count;
}

enum ct_outcome ct_admin_enroll_mfa(struct ct_session *session,
				    const char *role_name,
				    struct ct_enrolment *enrolment,
				    struct ct_error *err)
{
	char org[32];
	const char *params[] = {org, role_name};
	unsigned char secret[64];
	size_t length;
	PGresult *result;
	enum ct_outcome outcome;

	memset(enrolment, 0, sizeof(*enrolment));
	if (role_name == NULL || role_name[0] == '\0' || strlen(role_name) > 63)
		return ct_error_set(err, CT_INVALID_INPUT,
				    "a staff role name of 1 to 63 characters "
				    "is required");
	snprintf(org, sizeof(org), "%lld", (long long)session->organization_id);
	outcome = ct_db_query(session->db, enroll_sql, 2, params, &result, err);
	if (outcome == CT_DB_ERROR && strcmp(err->sqlstate, "P0002") == 0)
		return ct_error_set(err, CT_NOT_STAFF,
				    "no staff member \"%s\" in organization %s",
				    role_name, session->organization_code);
	if (outcome != CT_OK)
		return outcome;

	length = decode_hex(PQgetvalue(result, 0, 0), secret, sizeof(secret));
	PQclear(result);
	ct_base32_encode(secret, length, enrolment->secret_base32,
			 sizeof(enrolment->secret_base32));
	memset(secret, 0, sizeof(secret));
	snprintf(enrolment->uri, sizeof(enrolment->uri),
		 "otpauth://totp/careteam:%s?secret=%s&issuer=careteam"
		 "&algorithm=SHA1&digits=6&period=30",
		 role_name, enrolment->secret_base32);
	ct_log(CT_LOG_INFO, "mfa_enrolled", "organization=%lld staff=%lld",
	       (long long)session->organization_id,
	       (long long)session->staff_id);
	return CT_OK;
}

static bool decode_entry(const PGresult *result, int row,
			 struct ct_audit_entry *entry)
{
	entry->id = ct_row_int64(result, row, 0, 0);
	entry->occurred_at = ct_row_text(result, row, 1);
	entry->staff_name = ct_row_text(result, row, 2);
	entry->role_name = ct_row_text(result, row, 3);
	entry->mrn = ct_row_text(result, row, 4);
	entry->action = ct_row_text(result, row, 5);
	entry->before = ct_row_text(result, row, 6);
	entry->after = ct_row_text(result, row, 7);
	entry->application_name = ct_row_text(result, row, 8);
	return entry->occurred_at && entry->staff_name && entry->role_name &&
	       entry->mrn && entry->action && entry->before && entry->after &&
	       entry->application_name;
}

enum ct_outcome ct_admin_audit_trail(struct ct_session *session,
				     const char *mrn, int limit,
				     struct ct_audit_list *list,
				     struct ct_error *err)
{
	char org[32], limit_text[16];
	const char *params[] = {org, mrn, limit_text};
	PGresult *result;
	enum ct_outcome outcome;
	int rows;

	memset(list, 0, sizeof(*list));
	if (limit < 1 || limit > 10000)
		return ct_error_set(err, CT_INVALID_INPUT,
				    "audit limit %d is outside 1 to 10000",
				    limit);
	snprintf(org, sizeof(org), "%lld", (long long)session->organization_id);
	snprintf(limit_text, sizeof(limit_text), "%d", limit);
	outcome = ct_db_query_retry(session->db, audit_sql, 3, params, &result,
				    NULL, err);
	if (outcome != CT_OK)
		return outcome;

	rows = PQntuples(result);
	list->items = calloc(rows > 0 ? (size_t)rows : 1, sizeof(*list->items));
	for (int row = 0; list->items != NULL && row < rows; row++) {
		list->count++;
		if (!decode_entry(result, row, &list->items[row])) {
			outcome = ct_error_set(err, CT_SYSTEM_ERROR,
					       "out of memory");
			break;
		}
	}
	if (list->items == NULL)
		outcome = ct_error_set(err, CT_SYSTEM_ERROR, "out of memory");
	PQclear(result);
	if (outcome != CT_OK)
		ct_audit_list_free(list);
	return outcome;
}

void ct_audit_list_free(struct ct_audit_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		struct ct_audit_entry *entry = &list->items[i];

		free(entry->occurred_at);
		free(entry->staff_name);
		free(entry->role_name);
		free(entry->mrn);
		free(entry->action);
		free(entry->before);
		free(entry->after);
		free(entry->application_name);
	}
	free(list->items);
	list->items = NULL;
	list->count = 0;
}
