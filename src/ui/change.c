/* Code the care-team dialogs share: the patient and team as shown, the
 * change chosen, and the handling of a write's outcome. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "dialogs.h"
#include "labels.h"

void ui_copy(char *buffer, size_t size, const char *text)
{
	if (size == 0)
		return;
	snprintf(buffer, size, "%s", text != NULL ? text : "");
}

void ui_patient_name(const struct ct_patient *patient, char *buffer,
                     size_t size)
{
	if (patient->given_name != NULL && patient->given_name[0] != '\0')
		snprintf(buffer, size, "%s, %s", patient->family_name,
		         patient->given_name);
	else
		ui_copy(buffer, size, patient->family_name);
}

void ui_target_from_team(const struct ct_care_team *team,
                         struct ui_target *target)
{
	const struct ct_assignment *primary = ct_care_team_primary(team);
	size_t i;

	memset(target, 0, sizeof(*target));
	ui_copy(target->mrn, sizeof(target->mrn), team->patient.mrn);
	ui_patient_name(&team->patient, target->patient_name,
	                sizeof(target->patient_name));
	target->version = team->patient.care_team_version;

	if (primary != NULL) {
		target->has_primary = true;
		ui_copy(target->primary_npi, sizeof(target->primary_npi),
		        primary->provider_npi);
		ui_copy(target->primary_name, sizeof(target->primary_name),
		        primary->provider_name);
		ui_copy(target->primary_since, sizeof(target->primary_since),
		        primary->assigned_at);
		ui_copy(target->primary_by, sizeof(target->primary_by),
		        primary->assigned_by);
	}

	for (i = 0; i < team->count; i++) {
		if (team->items[i].removed ||
		    target->member_count == UI_TEAM_MEMBERS_MAX)
			continue;
		ui_copy(target->members[target->member_count++], UI_NPI_BYTES,
		        team->items[i].provider_npi);
	}
}

bool ui_target_has_member(const struct ui_target *target, const char *npi)
{
	size_t i;

	for (i = 0; i < target->member_count; i++) {
		if (strcmp(target->members[i], npi) == 0)
			return true;
	}
	return false;
}

void ui_change_from_assignment(const struct ct_assignment *assignment,
                               enum ui_change_kind kind,
                               struct ui_change *change)
{
	memset(change, 0, sizeof(*change));
	change->kind = kind;
	ui_copy(change->npi, sizeof(change->npi), assignment->provider_npi);
	ui_copy(change->provider_name, sizeof(change->provider_name),
	        assignment->provider_name);
	ui_copy(change->specialty, sizeof(change->specialty),
	        assignment->specialty);
	change->role = assignment->role;
	change->current_role = assignment->role;
}

void ui_change_request(const struct ui_target *target,
                       const struct ui_change *change,
                       struct ct_write_request *request)
{
	memset(request, 0, sizeof(*request));
	request->mrn = target->mrn;
	request->npi = change->npi;
	request->role = change->role;
	request->reason = change->reason;
	request->expected_version = target->version;
}

enum ui_step ui_change_finish(struct ui_view *dialog, struct ui_app *app,
                              const struct ui_target *target,
                              const struct ui_change *change,
                              const struct ct_write_result *result,
                              const char *done_message)
{
	char message[UI_MESSAGE_MAX];
	struct ui_view *notice;

	if (result->outcome == CT_OK) {
		if (result->care_team_version >= 0)
			ui_app_note_write(app, target->mrn,
			                  result->care_team_version);
		ui_app_message(app, UI_MESSAGE_INFO, "%s", done_message);
		dialog->result = UI_RESULT_DONE;
		return UI_CLOSE;
	}

	ct_write_result_message(result, message, sizeof(message));
	if (ct_outcome_is_conflict(result->outcome)) {
		notice = ui_conflict_dialog_new(message, change);
		if (notice != NULL) {
			ui_app_open(app, notice);
			return UI_REPLACE;
		}
	}
	if (result->outcome == CT_DB_UNAVAILABLE)
		ui_app_connection_lost(app);
	ui_app_message(app, UI_MESSAGE_ERROR, "%s", message);
	return UI_STAY;
}
