/* A patient's care team: loading it, and the four writes. Each write is one
 * round trip to a server-side function that locks the patient, re-checks
 * the care-team rules and applies the change in one transaction.
 *
 * When the connection drops while a write is in flight, the write is never
 * sent again blindly. The data layer reconnects and settles it by its
 * idempotency key: the outcome is then the write's own (it was applied),
 * CT_NOT_APPLIED (it was not, and now never will be), or CT_OUTCOME_UNKNOWN
 * when the server cannot be reached to ask. */
#ifndef CARETEAM_CARE_TEAM_H
#define CARETEAM_CARE_TEAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "careteam/patients.h"
#include "careteam/session.h"

enum ct_role {
	CT_ROLE_PRIMARY,
	CT_ROLE_SPECIALIST,
	CT_ROLE_CONSULTANT,
};

/* Parses "PRIMARY", "SPECIALIST" or "CONSULTANT", ignoring case. */
bool ct_role_parse(const char *text, enum ct_role *role);
const char *ct_role_name(enum ct_role role);

struct ct_assignment {
	int64_t id;
	enum ct_role role;
	char *provider_npi;
	char *provider_name;
	char *specialty;
	long primary_panel_size;
	char *assigned_at; /* YYYY-MM-DD HH:MM, the session's time zone */
	char *assigned_by;
	bool removed;
	char *removed_at; /* "" while active */
	char *removed_by;
	char *removal_reason;
};

struct ct_care_team {
	struct ct_patient patient;
	size_t count;
	/* Active assignments first, PRIMARY, then SPECIALIST, then CONSULTANT;
	 * then removed ones, newest removal first. */
	struct ct_assignment *items;
};

/* Loads one patient's team by MRN in one query, provider and staff names
 * joined. With include_removed the history comes too. */
enum ct_outcome ct_care_team_load(struct ct_session *session, const char *mrn,
				  bool include_removed,
				  struct ct_care_team *team,
				  struct ct_error *err);

void ct_care_team_free(struct ct_care_team *team);

/* Returns the active PRIMARY assignment, or NULL. */
const struct ct_assignment *
ct_care_team_primary(const struct ct_care_team *team);

/* No expected version: the write does not check for a stale view. */
#define CT_VERSION_ANY (-1)

struct ct_write_request {
	const char *mrn;
	const char *npi;
	enum ct_role role;  /* assign and set-role */
	const char *reason; /* remove and reassign-primary */
	/* The care_team_version the user saw, or CT_VERSION_ANY. */
	int64_t expected_version;
	/* 32 lowercase hex digits naming this write, or NULL to have one
	 * generated. Sending the same key again returns the first result
	 * instead of writing twice. */
	const char *idempotency_key;
};

struct ct_write_result {
	enum ct_outcome outcome;
	int64_t assignment_id;
	/* The team's version after the write, or the current one when it was
	 * rejected; -1 when unknown. */
	int64_t care_team_version;
	/* The people and time behind a conflict: the provider who is
	 * PRIMARY, the staff member who made the change, and when. For a
	 * successful reassignment, other_provider is the former PRIMARY. */
	char other_provider[256];
	char other_staff[256];
	char other_at[64];
	/* Times the statement was sent; more than 1 after retries. */
	int attempts;
	/* True when the database's unique index, not the re-check, caught
	 * the conflict. */
	bool caught_by_constraint;
	/* True when the reply was lost and the outcome was looked up by the
	 * idempotency key after reconnecting. */
	bool settled;
	char idempotency_key[33];
	struct ct_error error;
};

enum ct_outcome ct_care_team_assign(struct ct_session *session,
				    const struct ct_write_request *request,
				    struct ct_write_result *result);
enum ct_outcome ct_care_team_remove(struct ct_session *session,
				    const struct ct_write_request *request,
				    struct ct_write_result *result);
enum ct_outcome ct_care_team_set_role(struct ct_session *session,
				      const struct ct_write_request *request,
				      struct ct_write_result *result);
enum ct_outcome
ct_care_team_reassign_primary(struct ct_session *session,
			      const struct ct_write_request *request,
			      struct ct_write_result *result);

/* Writes the user-facing message for a write's outcome into buffer: the
 * outcome's sentence, then who did what when the result names it. */
void ct_write_result_message(const struct ct_write_result *result, char *buffer,
			     size_t size);

#endif
