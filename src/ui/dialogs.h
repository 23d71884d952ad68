/* The dialogs of the care-team screen, the conflict notice and the help
 * screen, and the types they share with the screens that open them. */
#ifndef CT_UI_DIALOGS_H
#define CT_UI_DIALOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "careteam/care_team.h"
#include "view.h"

#define UI_NPI_BYTES  16
#define UI_NAME_BYTES 256
#define UI_MRN_BYTES  64
#define UI_TIME_BYTES 64
/* A reason has at most 500 characters, each up to 4 bytes in UTF-8. */
#define UI_REASON_CHARS     500
#define UI_REASON_BYTES     (UI_REASON_CHARS * 4 + 1)
#define UI_TEAM_MEMBERS_MAX 64
/* Size of a drawn sentence that contains a few names. */
#define UI_LINE_BYTES 1200

enum ui_change_kind {
	UI_CHANGE_NONE,
	UI_CHANGE_ASSIGN,
	UI_CHANGE_REMOVE,
	UI_CHANGE_ROLE,
	UI_CHANGE_PRIMARY,
};

/* A change the user chose in a dialog. The care-team screen keeps it when
 * a conflict stopped it, so the same dialog can reopen with the provider,
 * role and reason filled in. */
struct ui_change {
	enum ui_change_kind kind;
	char npi[UI_NPI_BYTES];
	char provider_name[UI_NAME_BYTES];
	char specialty[UI_NAME_BYTES];
	enum ct_role role;
	/* The provider's role on the team when the dialog opened. */
	enum ct_role current_role;
	char reason[UI_REASON_BYTES];
};

/* The patient and team as the care-team screen showed them when a dialog
 * opened. Writes send version as the expected care_team_version. */
struct ui_target {
	char mrn[UI_MRN_BYTES];
	char patient_name[UI_NAME_BYTES];
	int64_t version;
	bool has_primary;
	char primary_npi[UI_NPI_BYTES];
	char primary_name[UI_NAME_BYTES];
	char primary_since[UI_TIME_BYTES];
	char primary_by[UI_NAME_BYTES];
	size_t member_count;
	char members[UI_TEAM_MEMBERS_MAX][UI_NPI_BYTES];
};

/* Writes "Family, Given" (or the family name alone) into buffer. */
void ui_patient_name(const struct ct_patient *patient, char *buffer,
                     size_t size);

void ui_target_from_team(const struct ct_care_team *team,
                         struct ui_target *target);

bool ui_target_has_member(const struct ui_target *target, const char *npi);

/* Fills a change for an assignment on the team. */
void ui_change_from_assignment(const struct ct_assignment *assignment,
                               enum ui_change_kind kind,
                               struct ui_change *change);

/* The constructors return NULL when memory runs out. prefill, when not
 * NULL, is a change kept from an earlier attempt. */
struct ui_view *ui_assign_dialog_new(struct ui_app *app,
                                     const struct ui_target *target,
                                     const struct ui_change *prefill);
struct ui_view *ui_remove_dialog_new(const struct ui_target *target,
                                     const struct ui_change *change);
struct ui_view *ui_role_dialog_new(const struct ui_target *target,
                                   const struct ui_change *change);
struct ui_view *ui_primary_dialog_new(const struct ui_target *target,
                                      const struct ui_change *change);
struct ui_view *ui_conflict_dialog_new(const char *message,
                                       const struct ui_change *change);
struct ui_view *ui_help_new(const struct ui_view *target);

/* Returns the change a conflict notice carries, or NULL when view is not
 * a conflict notice. */
const struct ui_change *ui_conflict_dialog_change(const struct ui_view *view);

/* Ends a dialog's write on target. On success it records the version the
 * write left (see ui_app_note_write), shows done_message and closes with
 * UI_RESULT_DONE. On a conflict it replaces the dialog with the conflict
 * notice. Otherwise it shows the outcome's message and keeps the dialog
 * open, so nothing typed is lost. */
enum ui_step ui_change_finish(struct ui_view *dialog, struct ui_app *app,
                              const struct ui_target *target,
                              const struct ui_change *change,
                              const struct ct_write_result *result,
                              const char *done_message);

/* Fills a write request for change on target. */
void ui_change_request(const struct ui_target *target,
                       const struct ui_change *change,
                       struct ct_write_request *request);

/* Copies at most size - 1 bytes of text into buffer, always ending it. */
void ui_copy(char *buffer, size_t size, const char *text);

#endif
