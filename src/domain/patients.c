/* Patient search, synchronous and asynchronous. */
#include "careteam/patients.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "careteam/db.h"
#include "rows.h"

/* Longer queries are not names, MRNs or dates. Counted in characters,
 * which take up to 4 bytes each in UTF-8. */
#define QUERY_CHARS_MAX 200
#define QUERY_BYTES_MAX (QUERY_CHARS_MAX * 4)

static const char search_sql[] =
	"SELECT mrn, family_name, given_name, birth_date::text,"
	" coalesce(primary_provider, ''), care_team_version"
	" FROM careteam.search_patients($1, $2, $3)";

enum search_column {
	COLUMN_MRN,
	COLUMN_FAMILY_NAME,
	COLUMN_GIVEN_NAME,
	COLUMN_BIRTH_DATE,
	COLUMN_PRIMARY_PROVIDER,
	COLUMN_VERSION,
};

static bool is_leap_year(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static bool looks_like_date(const char *text)
{
	static const char shape[] = "dddd-dd-dd";
	size_t i;

	if (strlen(text) != sizeof(shape) - 1)
		return false;
	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'd' ? !isdigit((unsigned char)text[i])
				    : text[i] != shape[i])
			return false;
	}
	return true;
}

bool ct_date_is_valid(const char *text)
{
	static const int days_in_month[] = {31, 28, 31, 30, 31, 30,
					    31, 31, 30, 31, 30, 31};
	int year, month, day, month_days;

	if (!looks_like_date(text) ||
	    sscanf(text, "%4d-%2d-%2d", &year, &month, &day) != 3)
		return false;
	if (year < 1 || month < 1 || month > 12 || day < 1)
		return false;
	month_days = days_in_month[month - 1];
	if (month == 2 && is_leap_year(year))
		month_days = 29;
	return day <= month_days;
}

/* The three parameters of search_sql, rendered. */
struct search_params {
	char org[32];
	char query[QUERY_BYTES_MAX + 1];
	char limit[16];
	const char *values[3];
};

/* Checks the query and limit and renders the parameters. The query is
 * trimmed of surrounding whitespace first, so " 2024-02-30" is checked as
 * the date it is. */
static enum ct_outcome prepare_search(const struct ct_session *session,
				      const char *query, int limit,
				      struct search_params *params,
				      struct ct_error *err)
{
	size_t length;

	if (query == NULL)
		query = "";
	while (isspace((unsigned char)*query))
		query++;
	length = strlen(query);
	while (length > 0 && isspace((unsigned char)query[length - 1]))
		length--;
	if (length > QUERY_BYTES_MAX)
		length = QUERY_BYTES_MAX + 1;
	snprintf(params->query, sizeof(params->query), "%.*s", (int)length,
		 query);
	if (length > QUERY_BYTES_MAX ||
	    ct_text_chars(params->query) > QUERY_CHARS_MAX)
		return ct_error_set(err, CT_INVALID_INPUT,
				    "search text is longer than %d characters; "
				    "shorten it",
				    QUERY_CHARS_MAX);
	if (looks_like_date(params->query) &&
	    !ct_date_is_valid(params->query))
		return ct_error_set(err, CT_INVALID_INPUT,
				    "\"%s\" is not a valid date; use YYYY-MM-DD",
				    params->query);
	if (limit < 1 || limit > CT_SEARCH_LIMIT_MAX)
		return ct_error_set(err, CT_INVALID_INPUT,
				    "search limit %d is outside 1 to %d", limit,
				    CT_SEARCH_LIMIT_MAX);
	snprintf(params->org, sizeof(params->org), "%lld",
		 (long long)session->organization_id);
	snprintf(params->limit, sizeof(params->limit), "%d", limit);
	params->values[0] = params->org;
	params->values[1] = params->query;
	params->values[2] = params->limit;
	return CT_OK;
}

static enum ct_outcome decode_patients(const PGresult *result,
				       struct ct_patient_list *list,
				       struct ct_error *err)
{
	int rows = PQntuples(result);
	int row;

	list->count = 0;
	list->items = calloc(rows > 0 ? (size_t)rows : 1, sizeof(*list->items));
	if (list->items == NULL)
		return ct_error_set(err, CT_SYSTEM_ERROR, "out of memory");
	for (row = 0; row < rows; row++) {
		struct ct_patient *patient = &list->items[row];

		patient->mrn = ct_row_text(result, row, COLUMN_MRN);
		patient->family_name =
			ct_row_text(result, row, COLUMN_FAMILY_NAME);
		patient->given_name =
			ct_row_text(result, row, COLUMN_GIVEN_NAME);
		patient->birth_date =
			ct_row_text(result, row, COLUMN_BIRTH_DATE);
		patient->primary_provider =
			ct_row_text(result, row, COLUMN_PRIMARY_PROVIDER);
		patient->care_team_version =
			ct_row_int64(result, row, COLUMN_VERSION, 0);
		list->count++;
		if (patient->mrn == NULL || patient->family_name == NULL ||
		    patient->given_name == NULL ||
		    patient->birth_date == NULL ||
		    patient->primary_provider == NULL) {
			ct_patient_list_free(list);
			return ct_error_set(err, CT_SYSTEM_ERROR,
					    "out of memory");
		}
	}
	return CT_OK;
}

enum ct_outcome ct_patients_search(struct ct_session *session,
				   const char *query, int limit,
				   struct ct_patient_list *list,
				   struct ct_error *err)
{
	struct search_params params;
	PGresult *result;
	enum ct_outcome outcome;

	memset(list, 0, sizeof(*list));
	outcome = prepare_search(session, query, limit, &params, err);
	if (outcome != CT_OK)
		return outcome;
	outcome = ct_db_query_retry(session->db, search_sql, 3, params.values,
				    &result, NULL, err);
	if (outcome != CT_OK)
		return outcome;
	outcome = decode_patients(result, list, err);
	PQclear(result);
	return outcome;
}

enum ct_outcome ct_patients_search_send(struct ct_session *session,
					const char *query, int limit,
					struct ct_error *err)
{
	struct search_params params;
	enum ct_outcome outcome;

	outcome = prepare_search(session, query, limit, &params, err);
	if (outcome != CT_OK)
		return outcome;
	return ct_db_send(session->db, search_sql, 3, params.values, err);
}

enum ct_outcome ct_patients_search_receive(struct ct_session *session,
					   bool *ready,
					   struct ct_patient_list *list,
					   struct ct_error *err)
{
	PGresult *result;
	enum ct_outcome outcome;

	memset(list, 0, sizeof(*list));
	outcome = ct_db_consume(session->db, ready, &result, err);
	if (outcome != CT_OK || !*ready)
		return outcome;
	outcome = decode_patients(result, list, err);
	PQclear(result);
	return outcome;
}

bool ct_patients_search_pending(const struct ct_session *session)
{
	return ct_db_busy(session->db);
}

void ct_patient_free(struct ct_patient *patient)
{
	free(patient->mrn);
	free(patient->family_name);
	free(patient->given_name);
	free(patient->birth_date);
	free(patient->primary_provider);
	memset(patient, 0, sizeof(*patient));
}

void ct_patient_list_free(struct ct_patient_list *list)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		ct_patient_free(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}
