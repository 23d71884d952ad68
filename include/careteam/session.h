/* A staff member's working session: one database connection, the staff row
 * of the PostgreSQL role it logged in as, and the organization in use. The
 * ui and cli layers reach the database only through a session. */
#ifndef CARETEAM_SESSION_H
#define CARETEAM_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "careteam/config.h"
#include "careteam/outcome.h"

enum ct_access {
	CT_ACCESS_READ_ONLY,
	CT_ACCESS_CLINICIAN,
	CT_ACCESS_ADMIN,
};

struct ct_session {
	struct ct_db *db;
	int max_retries;
	int64_t staff_id;
	char staff_name[256];
	int64_t organization_id;
	char organization_code[64];
	char organization_name[256];
	enum ct_access access;
	/* Whether the organization requires a TOTP code, and whether this
	 * connection has proved one. Until it has, the database shows the
	 * session nothing of the organization. */
	bool mfa_required;
	bool mfa_verified;
	/* The ticket from the last verified code, so a reconnect can resume
	 * without a new code; "" when there is none. Never logged. */
	char ticket[65];
	/* Set by ct_changes_listen, so a reconnect listens again. */
	bool listening;
};

/* Connects with the configured conninfo and picks the organization:
 * org_code when not NULL, else config->default_organization when set, else
 * the only membership. Returns CT_ORGANIZATION_REQUIRED when several
 * memberships leave the choice open, CT_ORGANIZATION_NOT_FOUND when the
 * requested code is not one of them, and CT_NOT_STAFF when current_user has
 * no staff row. On failure the session has no connection. The session
 * must stay at the same address while open, because a reconnect restores
 * its state through a pointer to it. */
enum ct_outcome ct_session_open(const struct ct_config *config,
				const char *org_code,
				struct ct_session *session,
				struct ct_error *err);

/* Proves the second factor with a 6-digit TOTP code. On CT_OK the
 * session's ticket is set. CT_MFA_INVALID, CT_MFA_LOCKED (err->detail holds
 * the time the lock ends) or CT_MFA_NOT_ENROLLED otherwise. */
enum ct_outcome ct_session_verify_mfa(struct ct_session *session,
				      const char *code, struct ct_error *err);

/* Proves the second factor with a ticket from an earlier verified code,
 * for example one kept by the CLI between runs. CT_TICKET_INVALID when it
 * is unknown or expired. */
enum ct_outcome ct_session_resume(struct ct_session *session,
				  const char *ticket, struct ct_error *err);

struct ct_membership {
	char code[64];
	char name[256];
	enum ct_access access;
	bool mfa_required;
};

#define CT_MEMBERSHIPS_MAX 32

/* Connects, lists the organizations the staff member belongs to (sorted by
 * code, at most CT_MEMBERSHIPS_MAX), and disconnects, so that a caller can
 * offer a choice before ct_session_open. */
enum ct_outcome ct_session_list_memberships(
	const struct ct_config *config,
	struct ct_membership memberships[CT_MEMBERSHIPS_MAX], size_t *count,
	struct ct_error *err);

/* Connects without a staff identity, for migrate and seed-demo. */
enum ct_outcome ct_session_open_maintenance(const struct ct_config *config,
					    struct ct_session *session,
					    struct ct_error *err);

void ct_session_close(struct ct_session *session);

/* Applies pending schema migrations; *applied is how many. */
enum ct_outcome ct_session_migrate(struct ct_session *session, int *applied,
				   struct ct_error *err);

/* Loads the synthetic demo data set: organizations, staff, providers,
 * patients and care teams, all invented. The role running it becomes staff
 * "Demo User" with clinician access to two of the three demo
 * organizations. Returns CT_DEMO_ALREADY_LOADED when the demo data is
 * already there. */
enum ct_outcome ct_session_seed_demo(struct ct_session *session,
				     struct ct_error *err);

/* Makes the connection's own log lines carry the session's organization
 * and staff ids. ct_session_open does this; writes add their own ids for
 * their duration. */
void ct_session_set_log_context(struct ct_session *session);

/* Returns the socket to poll for asynchronous results, or -1. */
int ct_session_socket(const struct ct_session *session);

/* Reconnects a session whose connection was lost. When the organization
 * requires a second factor, the session's ticket resumes it. */
enum ct_outcome ct_session_reconnect(struct ct_session *session,
				     struct ct_error *err);

bool ct_session_connected(const struct ct_session *session);

/* Returns the round trips sent on this session, for tests and benchmarks. */
unsigned long ct_session_round_trips(const struct ct_session *session);

#endif
