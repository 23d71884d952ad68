/* Patient search. */
#ifndef CARETEAM_PATIENTS_H
#define CARETEAM_PATIENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "careteam/session.h"

struct ct_patient {
	char *mrn;
	char *family_name;
	char *given_name;
	char *birth_date; /* YYYY-MM-DD */
	/* Display name of the active PRIMARY provider, or "" when none. */
	char *primary_provider;
	int64_t care_team_version;
};

struct ct_patient_list {
	size_t count;
	struct ct_patient *items;
};

/* The maximum number of results one search returns. */
#define CT_SEARCH_LIMIT_MAX 500

/* Searches the session's organization. A query YYYY-MM-DD matches the date
 * of birth (an impossible date gives CT_INVALID_INPUT). Any other query
 * matches the MRN exactly, or the name ignoring case and accents and
 * tolerating a typo. An empty query returns no rows. limit is 1 to
 * CT_SEARCH_LIMIT_MAX. One round trip. */
enum ct_outcome ct_patients_search(struct ct_session *session,
				   const char *query, int limit,
				   struct ct_patient_list *list,
				   struct ct_error *err);

/* Starts the same search without waiting, for an event loop. At most one
 * search is in flight per session. */
enum ct_outcome ct_patients_search_send(struct ct_session *session,
					const char *query, int limit,
					struct ct_error *err);

/* Reads what has arrived for the search in flight. *ready becomes true when
 * list contains the whole result. */
enum ct_outcome ct_patients_search_receive(struct ct_session *session,
					   bool *ready,
					   struct ct_patient_list *list,
					   struct ct_error *err);

/* Returns whether a search sent with ct_patients_search_send is still
 * waiting for its result. */
bool ct_patients_search_pending(const struct ct_session *session);

void ct_patient_list_free(struct ct_patient_list *list);

/* Frees the strings of one patient and clears it. */
void ct_patient_free(struct ct_patient *patient);

/* Returns whether text is a valid calendar date written YYYY-MM-DD. */
bool ct_date_is_valid(const char *text);

#endif
