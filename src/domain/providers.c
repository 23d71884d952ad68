/* Listing an organization's providers. */
#include "careteam/providers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "careteam/db.h"
#include "rows.h"

/* Longer filters are not provider names or specialties. */
#define PROVIDER_FILTER_CHARS_MAX 200

static const char list_sql[] =
	"SELECT npi, display_name, specialty, active, primary_panel_size"
	" FROM careteam.list_providers($1, $2, $3)";

enum provider_column {
	COLUMN_NPI,
	COLUMN_DISPLAY_NAME,
	COLUMN_SPECIALTY,
	COLUMN_ACTIVE,
	COLUMN_PANEL_SIZE,
};

static enum ct_outcome decode_providers(const PGresult *result,
					struct ct_provider_list *list,
					struct ct_error *err)
{
	int rows = PQntuples(result);
	int row;

	list->items = calloc(rows > 0 ? (size_t)rows : 1, sizeof(*list->items));
	if (list->items == NULL)
		return ct_error_set(err, CT_SYSTEM_ERROR, "out of memory");
	for (row = 0; row < rows; row++) {
		struct ct_provider *provider = &list->items[row];

		provider->npi = ct_row_text(result, row, COLUMN_NPI);
		provider->display_name =
			ct_row_text(result, row, COLUMN_DISPLAY_NAME);
		provider->specialty =
			ct_row_text(result, row, COLUMN_SPECIALTY);
		provider->active = ct_row_bool(result, row, COLUMN_ACTIVE);
		provider->primary_panel_size =
			(long)ct_row_int64(result, row, COLUMN_PANEL_SIZE, 0);
		list->count++;
		if (provider->npi == NULL || provider->display_name == NULL ||
		    provider->specialty == NULL) {
			ct_provider_list_free(list);
			return ct_error_set(err, CT_SYSTEM_ERROR,
					    "out of memory");
		}
	}
	return CT_OK;
}

enum ct_outcome ct_providers_list(struct ct_session *session, const char *query,
				  bool active_only,
				  struct ct_provider_list *list,
				  struct ct_error *err)
{
	char org[32];
	const char *params[3];
	PGresult *result;
	enum ct_outcome outcome;

	memset(list, 0, sizeof(*list));
	if (query != NULL && (strlen(query) > PROVIDER_FILTER_CHARS_MAX * 4 ||
			      ct_text_chars(query) > PROVIDER_FILTER_CHARS_MAX))
		return ct_error_set(err, CT_INVALID_INPUT,
				    "provider filter is longer than %d "
				    "characters; shorten it",
				    PROVIDER_FILTER_CHARS_MAX);
	snprintf(org, sizeof(org), "%lld", (long long)session->organization_id);
	params[0] = org;
	params[1] = query != NULL ? query : "";
	params[2] = active_only ? "true" : "false";
	outcome = ct_db_query_retry(session->db, list_sql, 3, params, &result,
				    NULL, err);
	if (outcome != CT_OK)
		return outcome;
	outcome = decode_providers(result, list, err);
	PQclear(result);
	return outcome;
}

void ct_provider_list_free(struct ct_provider_list *list)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		free(list->items[i].npi);
		free(list->items[i].display_name);
		free(list->items[i].specialty);
	}
	free(list->items);
	list->items = NULL;
	list->count = 0;
}
