/* The four care-team writes: assign, remove, set-role, reassign-primary. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "careteam/care_team.h"
#include "cli.h"

/* ct_write_result_message writes the outcome's sentence and the names
 * behind it, which fit in this with room to spare. */
#define WRITE_MESSAGE_MAX 1024

static void print_success(const struct cli_request *request,
			  const struct ct_write_result *result)
{
	char id[24], version[32], former[300];

	snprintf(id, sizeof(id), "%" PRId64, result->assignment_id);
	snprintf(version, sizeof(version), "version=%" PRId64,
		 result->care_team_version);
	if (request->command->write == ct_care_team_reassign_primary &&
	    result->other_provider[0] != '\0') {
		snprintf(former, sizeof(former), "former_primary=%s",
			 result->other_provider);
		CLI_RECORD(request->command->done_label, id, version, former);
	} else {
		CLI_RECORD(request->command->done_label, id, version);
	}
}

enum ct_outcome cli_run_write(const struct cli_request *request,
			      struct ct_session *session)
{
	struct ct_write_request write = {
		.mrn = request->arguments[0],
		.npi = request->arguments[1],
		.role = request->role,
		.reason = request->options[CLI_OPTION_REASON],
		.expected_version = request->expected_version,
	};
	struct ct_write_result result;
	char message[WRITE_MESSAGE_MAX];
	enum ct_outcome outcome;

	outcome = request->command->write(session, &write, &result);
	if (outcome == CT_OK) {
		print_success(request, &result);
		return CT_OK;
	}
	/* The message already carries the detail that adds something. */
	ct_write_result_message(&result, message, sizeof(message));
	cli_print_error(message, NULL);
	return outcome;
}
