/* Outcome kinds of every careteam action, with their user-facing messages
 * and command-line exit statuses. This table is the only place those
 * messages are written. */
#ifndef CARETEAM_OUTCOME_H
#define CARETEAM_OUTCOME_H

/* X(enum name, log name, exit status, message, detail)
 *
 * detail, when not NULL, is a sentence template that names who caused the
 * outcome. {provider}, {staff} and {time} are replaced by the provider's
 * name, the staff member's name and the time of the change. */
#define CT_OUTCOMES(X)                                                         \
	X(CT_OK, "ok", 0, "Done.", NULL)                                       \
	X(CT_CONFLICT_PRIMARY, "conflict_primary", 3,                          \
	  "The patient already has a PRIMARY provider. Another user may have " \
	  "just assigned one. Refresh and try again.",                         \
	  "{provider} was made PRIMARY by {staff} at {time}.")                 \
	X(CT_CONFLICT_DUPLICATE, "conflict_duplicate", 3,                      \
	  "The provider is already on this patient's care team.",              \
	  "{provider} was added to the team by {staff} at {time}.")            \
	X(CT_CONFLICT_NO_PRIMARY, "conflict_no_primary", 3,                    \
	  "The patient has no PRIMARY provider to replace. Another user may "  \
	  "have just removed it. Refresh and try again.",                      \
	  NULL)                                                                \
	X(CT_CONFLICT_SERIALIZATION, "conflict_serialization", 3,              \
	  "Another user changed this care team at the same moment. Refresh "   \
	  "and "                                                               \
	  "try again.",                                                        \
	  NULL)                                                                \
	X(CT_STALE, "stale", 3,                                                \
	  "The care team changed after you loaded it. Refresh and try again.", \
	  "It was last changed by {staff} at {time}, for {provider}.")         \
	X(CT_UNCHANGED, "unchanged", 3,                                        \
	  "Nothing changed: the provider already has that role.", NULL)        \
	X(CT_PROVIDER_INACTIVE, "provider_inactive", 3,                        \
	  "The provider is inactive and cannot be assigned.", NULL)            \
	X(CT_PATIENT_NOT_FOUND, "patient_not_found", 4,                        \
	  "No patient with that MRN in this organization.", NULL)              \
	X(CT_PROVIDER_NOT_FOUND, "provider_not_found", 4,                      \
	  "No provider with that NPI in this organization.", NULL)             \
	X(CT_NOT_ON_TEAM, "not_on_team", 4,                                    \
	  "The provider is not on this patient's active care team.", NULL)     \
	X(CT_ORGANIZATION_NOT_FOUND, "organization_not_found", 4,              \
	  "You are not a member of that organization, or it does not exist.",  \
	  NULL)                                                                \
	X(CT_INVALID_ROLE, "invalid_role", 2,                                  \
	  "Invalid role. Use PRIMARY, SPECIALIST or CONSULTANT.", NULL)        \
	X(CT_INVALID_REASON, "invalid_reason", 2,                              \
	  "A reason is required: 1 to 500 characters, not only spaces.", NULL) \
	X(CT_INVALID_INPUT, "invalid_input", 2, "Invalid input.", NULL)        \
	X(CT_CONFIG_INVALID, "config_invalid", 2, "Invalid configuration.",    \
	  NULL)                                                                \
	X(CT_ORGANIZATION_REQUIRED, "organization_required", 2,                \
	  "You belong to several organizations. Choose one with --org or "     \
	  "general.default_organization.",                                     \
	  NULL)                                                                \
	X(CT_MFA_REQUIRED, "mfa_required", 1,                                  \
	  "This organization requires a second factor. Enter the 6-digit "     \
	  "code "                                                              \
	  "from your authenticator app.",                                      \
	  NULL)                                                                \
	X(CT_MFA_INVALID, "mfa_invalid", 1,                                    \
	  "The code is not valid. Check the clock of the device that shows "   \
	  "the "                                                               \
	  "code and try again.",                                               \
	  NULL)                                                                \
	X(CT_MFA_LOCKED, "mfa_locked", 1,                                      \
	  "Too many wrong codes: sign-in is locked for 15 minutes.",           \
	  "Try again after {time}.")                                           \
	X(CT_MFA_NOT_ENROLLED, "mfa_not_enrolled", 1,                          \
	  "You are not enrolled for a second factor. Ask an administrator to " \
	  "run "                                                               \
	  "careteam admin enroll-mfa.",                                        \
	  NULL)                                                                \
	X(CT_TICKET_INVALID, "ticket_invalid", 1,                              \
	  "The session ticket is invalid or has expired. Enter a new code.",   \
	  NULL)                                                                \
	X(CT_FORBIDDEN, "forbidden", 1,                                        \
	  "You do not have permission to do that in this organization.", NULL) \
	X(CT_NOT_STAFF, "not_staff", 1,                                        \
	  "Your database role is not registered as careteam staff.", NULL)     \
	X(CT_CONSTRAINT, "constraint", 1,                                      \
	  "The change was rejected by a database constraint. Nothing was "     \
	  "saved.",                                                            \
	  NULL)                                                                \
	X(CT_MIGRATION_CHANGED, "migration_changed", 1,                        \
	  "An applied migration file has changed since it was applied.", NULL) \
	X(CT_DEMO_ALREADY_LOADED, "demo_already_loaded", 1,                    \
	  "The demo data is already loaded.", NULL)                            \
	X(CT_NOT_APPLIED, "not_applied", 5,                                    \
	  "The connection was lost before the change was saved. Nothing was "  \
	  "saved. Refresh and try again.",                                     \
	  NULL)                                                                \
	X(CT_OUTCOME_UNKNOWN, "outcome_unknown", 5,                            \
	  "The connection was lost while saving, and careteam could not "      \
	  "check "                                                             \
	  "whether the change was saved. Refresh to see the care team before " \
	  "trying again.",                                                     \
	  NULL)                                                                \
	X(CT_DB_UNAVAILABLE, "db_unavailable", 5,                              \
	  "The database is unavailable. Check the connection, refresh, and "   \
	  "try "                                                               \
	  "again.",                                                            \
	  NULL)                                                                \
	X(CT_DB_ERROR, "db_error", 1,                                          \
	  "The database reported an unexpected error. Nothing was saved.",     \
	  NULL)                                                                \
	X(CT_SYSTEM_ERROR, "system_error", 1, "A system call failed.", NULL)

enum ct_outcome {
#define CT_OUTCOME_ENUM(name, tag, status, message, detail) name,
	CT_OUTCOMES(CT_OUTCOME_ENUM)
#undef CT_OUTCOME_ENUM
		CT_OUTCOME_COUNT
};

/* An outcome with what went wrong in detail. detail is a sentence for the
 * user or the log, such as the libpq error text. sqlstate and constraint
 * are empty unless the database reported them. */
struct ct_error {
	enum ct_outcome outcome;
	char sqlstate[6];
	char constraint[64];
	char detail[512];
};

/* Sets err to outcome with a printf-style detail and returns outcome. */
enum ct_outcome ct_error_set(struct ct_error *err, enum ct_outcome outcome,
			     const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* Returns the user-facing sentence for an outcome. */
const char *ct_outcome_message(enum ct_outcome outcome);

/* Returns the short lowercase name used in log lines, such as
 * "conflict_primary". */
const char *ct_outcome_name(enum ct_outcome outcome);

/* Returns the command-line exit status: 0 success, 1 other error, 2 usage
 * or configuration, 3 conflict, 4 not found, 5 database unavailable. */
int ct_outcome_exit_status(enum ct_outcome outcome);

/* Returns the detail template for an outcome, or NULL. */
const char *ct_outcome_detail_format(enum ct_outcome outcome);

/* Returns whether the outcome is a conflict that a refresh may resolve. */
int ct_outcome_is_conflict(enum ct_outcome outcome);

#endif
