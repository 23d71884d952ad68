/* Every UI-only string: titles, prompts, column headings and the
 * sentences that describe a finished action. Messages for outcomes come
 * from careteam/outcome.h, and key help from keys.c. */
#ifndef CT_UI_LABELS_H
#define CT_UI_LABELS_H

#define UI_TEXT_TERM_UNKNOWN                                                   \
	"careteam: TERM is not set or names an unknown terminal. Set TERM, "   \
	"for example TERM=xterm-256color."
#define UI_TEXT_TERM_NO_CURSOR                                                 \
	"careteam: the terminal TERM=%s cannot move the cursor. Set TERM, "    \
	"for example TERM=xterm-256color."
#define UI_TEXT_START_FAILED "careteam: the terminal could not be started."

#define UI_TEXT_PROGRAM       "careteam"
#define UI_TEXT_TOO_SMALL     "Terminal too small: need at least %dx%d"
#define UI_TEXT_TOO_SMALL_NOW "(now %dx%d)"
#define UI_TEXT_OFFLINE                                                        \
	"Connection to the database lost \u2014 reconnecting\u2026"
#define UI_TEXT_RECONNECTED "Connection restored."
#define UI_TEXT_READ_ONLY   "Not available with read-only access."

/* The right side of the title bar: staff, organization, then these. */
#define UI_TEXT_STATUS_SEPARATOR    " | "
#define UI_TEXT_STATUS_READ_ONLY    "read-only"
#define UI_TEXT_STATUS_MFA_NONE     "MFA not required"
#define UI_TEXT_STATUS_MFA_VERIFIED "MFA verified"
#define UI_TEXT_STATUS_MFA_NEEDED   "MFA required"

#define UI_TEXT_ORGS_TITLE "Choose an organization"
#define UI_TEXT_ORGS_PROMPT                                                    \
	"You belong to several organizations. Choose the one to work in."
#define UI_TEXT_COLUMN_CODE         "Code"
#define UI_TEXT_COLUMN_ORGANIZATION "Organization"
#define UI_TEXT_COLUMN_ACCESS       "Access"
#define UI_TEXT_COLUMN_MFA          "Second factor"
#define UI_TEXT_ACCESS_READ_ONLY    "read-only"
#define UI_TEXT_ACCESS_CLINICIAN    "clinician"
#define UI_TEXT_ACCESS_ADMIN        "admin"
#define UI_TEXT_ORGS_MFA            "MFA required"

#define UI_TEXT_MFA_TITLE  "Second factor"
#define UI_TEXT_MFA_ORG    "Organization: %s (%s)"
#define UI_TEXT_MFA_PROMPT "Code: "
#define UI_TEXT_MFA_SHORT  "Type all 6 digits of the code."

#define UI_TEXT_SEARCH_TITLE  "Patient search"
#define UI_TEXT_SEARCH_PROMPT "Find: "
#define UI_TEXT_SEARCH_HINT                                                    \
	"Type a name, an MRN or a date of birth (YYYY-MM-DD)."
#define UI_TEXT_SEARCH_BUSY  "Searching\u2026"
#define UI_TEXT_SEARCH_NONE  "No patient matches."
#define UI_TEXT_SEARCH_ONE   "1 patient found."
#define UI_TEXT_SEARCH_COUNT "%zu patients found."
#define UI_TEXT_SEARCH_LIMITED                                                 \
	"The first %zu matches are shown. Type more to narrow the search."
#define UI_TEXT_SEARCH_CHANGED_MARK "*"
#define UI_TEXT_SEARCH_CHANGED      " * marks a care team changed since the search."
#define UI_TEXT_COLUMN_MRN          "MRN"
#define UI_TEXT_COLUMN_NAME         "Name"
#define UI_TEXT_COLUMN_BORN         "Born"
#define UI_TEXT_COLUMN_PRIMARY      "PRIMARY"

#define UI_TEXT_TEAM_TITLE   "Care team"
#define UI_TEXT_TEAM_MRN     "MRN "
#define UI_TEXT_TEAM_BORN    "Born "
#define UI_TEXT_TEAM_SUMMARY "%zu active, %zu removed. h shows the history."
#define UI_TEXT_TEAM_SUMMARY_HISTORY                                           \
	"%zu active, %zu removed. h hides the history."
#define UI_TEXT_TEAM_EMPTY                                                     \
	"No provider is on this care team yet. Press a to assign one."
#define UI_TEXT_TEAM_EMPTY_READ_ONLY "No provider is on this care team yet."
/* A change notice is built from these pieces, each left out when its
 * value is unknown: "Care team changed: NAME WHAT at HH:MM. Press R to
 * refresh.", or "Care team changed by NAME at HH:MM. ..." for an action
 * without words below. */
#define UI_TEXT_NOTICE_CHANGED   "Care team changed"
#define UI_TEXT_NOTICE_WHO_WHAT  ": %s %s"
#define UI_TEXT_NOTICE_BY        " by %s"
#define UI_TEXT_NOTICE_WHAT      " (%s)"
#define UI_TEXT_NOTICE_AT        " at %s"
#define UI_TEXT_NOTICE_REFRESH   ". Press R to refresh."
/* X(action code of the audit log, words for it in a change notice) */
#define UI_NOTICE_ACTIONS(X)                                                   \
	X("assign", "assigned")                                                \
	X("remove", "removed")                                                 \
	X("set_role", "changed a role")                                        \
	X("reassign_primary", "reassigned PRIMARY")
#define UI_TEXT_NOTICE_RECONNECTED                                             \
	"Reconnected: the care team may have changed while the connection "    \
	"was down. Press R to refresh."
#define UI_TEXT_TEAM_HISTORY        "History: removed assignments"
#define UI_TEXT_TEAM_REMOVED_DETAIL "%s (%s) was removed at %s by %s: %s"
#define UI_TEXT_TEAM_NO_HISTORY     "No assignment has been removed."
#define UI_TEXT_COLUMN_ROLE         "Role"
#define UI_TEXT_COLUMN_PROVIDER     "Provider"
#define UI_TEXT_COLUMN_SPECIALTY    "Specialty"
#define UI_TEXT_COLUMN_SINCE        "Since"
#define UI_TEXT_COLUMN_ASSIGNED_BY  "Assigned by"
#define UI_TEXT_COLUMN_PANEL        "Panel"
#define UI_TEXT_COLUMN_REMOVED      "Removed"
#define UI_TEXT_COLUMN_REMOVED_BY   "By"
#define UI_TEXT_COLUMN_REASON       "Reason"
#define UI_TEXT_SELECT_ACTIVE       "Select an active assignment first."
#define UI_TEXT_ALREADY_PRIMARY     "%s is already PRIMARY."
#define UI_TEXT_CHANGE_KEPT                                                    \
	"Your change is kept. Press o to reopen it, or Esc in it to drop it."
#define UI_TEXT_NOTHING_KEPT "No stopped change is waiting to be reopened."
#define UI_TEXT_REFRESHED    "Care team loaded again."

#define UI_TEXT_ASSIGN_TITLE   "Assign a provider"
#define UI_TEXT_ASSIGN_FILTER  "Filter: "
#define UI_TEXT_ASSIGN_PANEL   "PRIMARY panel"
#define UI_TEXT_ASSIGN_ON_TEAM "on team"
#define UI_TEXT_ASSIGN_NONE    "No active provider matches."
#define UI_TEXT_ASSIGN_ROLE    "Role for %s:"
#define UI_TEXT_ASSIGN_CONFIRM "Assign %s to %s as %s?"
#define UI_TEXT_PATIENT_LINE   "Patient: %s (MRN %s)"

#define UI_TEXT_ROLE_TITLE   "Change role"
#define UI_TEXT_ROLE_PROMPT  "New role for %s, now %s:"
#define UI_TEXT_ROLE_CURRENT "(current)"
#define UI_TEXT_ROLE_PRIMARY_NOTE                                              \
	"%s is PRIMARY, so choosing PRIMARY reassigns it."
#define UI_TEXT_ROLE_CONFIRM "Change %s from %s to %s?"
#define UI_TEXT_ROLE_NO_PRIMARY                                                \
	"The patient %s will have no PRIMARY after this change. To hand "      \
	"PRIMARY over instead, press p on the new PRIMARY."
#define UI_TEXT_ROLE_CONFIRM_KEYS "Enter or y saves. n or Esc cancels."

#define UI_TEXT_REMOVE_TITLE  "Remove from the care team"
#define UI_TEXT_REMOVE_PROMPT "Remove %s (%s) from the care team of %s?"
#define UI_TEXT_REASON_PROMPT "Reason: "

#define UI_TEXT_PRIMARY_TITLE   "Make PRIMARY"
#define UI_TEXT_PRIMARY_CONFIRM "Make %s PRIMARY for %s?"
#define UI_TEXT_REASSIGN_TITLE  "Reassign PRIMARY"
#define UI_TEXT_REASSIGN_CURRENT                                               \
	"Current PRIMARY: %s, since %s, assigned by %s."
#define UI_TEXT_REASSIGN_NEW "New PRIMARY: %s (%s)."
#define UI_TEXT_REASSIGN_EXPLAIN                                               \
	"Saving ends the current PRIMARY with this reason and makes the new "  \
	"provider PRIMARY, in one step."

#define UI_TEXT_CONFLICT_TITLE "Not saved"
#define UI_TEXT_CONFLICT_KEYS                                                  \
	"Enter or R loads the current care team. Your choice is kept."

#define UI_TEXT_AUDIT_TITLE   "Audit trail"
#define UI_TEXT_AUDIT_NONE    "No audit entry for this patient."
#define UI_TEXT_AUDIT_ONE     "1 entry."
#define UI_TEXT_AUDIT_COUNT   "%zu entries, newest first."
#define UI_TEXT_AUDIT_LIMITED "The newest %zu entries are shown."
#define UI_TEXT_COLUMN_TIME   "Time"
#define UI_TEXT_COLUMN_STAFF  "Staff"
#define UI_TEXT_COLUMN_ACTION "Action"
#define UI_TEXT_COLUMN_CHANGE "Change"
#define UI_TEXT_AUDIT_DETAIL  "%s %s by %s (role %s) through %s."
/* Summaries of an audit entry's before and after rows. */
#define UI_TEXT_AUDIT_ADDED      "%s added as %s"
#define UI_TEXT_AUDIT_ROLE       "%s: %s to %s"
#define UI_TEXT_AUDIT_REMOVED    "%s (%s) removed: %s"
#define UI_TEXT_AUDIT_FIELDS     "%s: %s changed"
#define UI_TEXT_AUDIT_ASSIGNMENT "assignment %s"
#define UI_TEXT_AUDIT_UNKNOWN    "-"

#define UI_TEXT_HELP_NAME  "Help"
#define UI_TEXT_HELP_MORE  " More below: PgDn or j "
#define UI_TEXT_HELP_TITLE "Keys: %s"

#define UI_TEXT_DONE_ASSIGN   "%s is now on the care team as %s."
#define UI_TEXT_DONE_REMOVE   "%s was removed from the care team."
#define UI_TEXT_DONE_ROLE     "%s is now %s."
#define UI_TEXT_DONE_PRIMARY  "%s is now PRIMARY."
#define UI_TEXT_DONE_REASSIGN "%s is now PRIMARY in place of %s."

#endif
