/* Administration: second-factor enrolment and the audit trail. */
#ifndef CARETEAM_ADMIN_H
#define CARETEAM_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "careteam/session.h"

/* Base32 of a 20-byte secret is 32 characters. */
#define CT_MFA_SECRET_TEXT_MAX 64

struct ct_enrolment {
	char secret_base32[CT_MFA_SECRET_TEXT_MAX];
	/* otpauth://totp/... URI for an authenticator app. */
	char uri[512];
};

/* Enrols the staff member whose PostgreSQL role is role_name for TOTP in
 * the session's organization, replacing any earlier secret. Requires admin
 * access. The secret is shown to the caller once and then readable only by
 * the database's owner role. */
enum ct_outcome ct_admin_enroll_mfa(struct ct_session *session,
				    const char *role_name,
				    struct ct_enrolment *enrolment,
				    struct ct_error *err);

struct ct_audit_entry {
	int64_t id;
	char *occurred_at; /* YYYY-MM-DD HH:MM:SS */
	char *staff_name;
	char *role_name;
	char *mrn;    /* "" for entries about no patient */
	char *action; /* login, view, assign, remove, ... */
	char *before; /* JSON, or "" */
	char *after;  /* JSON, or "" */
	char *application_name;
};

struct ct_audit_list {
	size_t count;
	struct ct_audit_entry *items;
};

/* Loads the newest entries of the audit trail of one patient, or of the
 * whole organization when mrn is NULL. limit is 1 to 10000. */
enum ct_outcome ct_admin_audit_trail(struct ct_session *session,
				     const char *mrn, int limit,
				     struct ct_audit_list *list,
				     struct ct_error *err);

void ct_audit_list_free(struct ct_audit_list *list);

/* Writes the RFC 4648 base32 form of bytes, without padding. */
void ct_base32_encode(const unsigned char *bytes, size_t length, char *text,
		      size_t size);

#endif
