/* Notifications of committed care-team changes. A trigger in the database
 * sends one on channel careteam_care_team for every change, whatever wrote
 * it, with the organization and patient ids as payload. */
#ifndef CARETEAM_CHANGES_H
#define CARETEAM_CHANGES_H

#include <stddef.h>
#include <stdint.h>

#include "careteam/session.h"

struct ct_change {
	int64_t patient_id;
	char mrn[33];
	/* The team's version after the change, who made the latest change,
	 * when (YYYY-MM-DD HH:MM), and its audit action, such as assign or
	 * reassign_primary ("" when the audit log has none). */
	int64_t care_team_version;
	char changed_by[256];
	char changed_at[32];
	char action[32];
};

/* Most changes one ct_changes_read call returns. */
#define CT_CHANGES_MAX 64

/* Subscribes the session to change notifications. The session listens
 * again by itself after a reconnect, but changes made while it was
 * disconnected are not delivered, so a caller should assume it missed
 * some. */
enum ct_outcome ct_changes_listen(struct ct_session *session,
				  struct ct_error *err);

/* Reads the notifications that have arrived, without waiting, and keeps
 * those of the session's organization, one entry per patient. When any
 * arrived, one round trip looks up their MRNs. *count is set to the number
 * of entries filled. Must not be called while a search is in flight. */
enum ct_outcome ct_changes_read(struct ct_session *session,
				struct ct_change changes[CT_CHANGES_MAX],
				size_t *count, struct ct_error *err);

#endif
