/* The command table, and the commands that read or maintain the database. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "careteam/admin.h"
#include "careteam/care_team.h"
#include "careteam/patients.h"
#include "careteam/providers.h"
#include "careteam/ui.h"
#include "cli.h"

/* Rows one search prints. The interactive screen pages through more. */
#define SEARCH_LIMIT 50

#define STRINGIFY(x)       #x
#define MACRO_TEXT(name)   STRINGIFY(name)
#define SEARCH_LIMIT_TEXT MACRO_TEXT(SEARCH_LIMIT)

static enum ct_outcome run_migrate(const struct cli_request *request,
				   struct ct_session *session)
{
	struct ct_error err;
	int applied = 0;
	enum ct_outcome outcome = ct_session_migrate(session, &applied, &err);

	(void)request;
	if (outcome != CT_OK)
		return cli_report(outcome, &err);
	if (applied == 0)
		puts("schema is up to date");
	else
		printf("applied %d migration%s\n", applied,
		       applied == 1 ? "" : "s");
	return CT_OK;
}

static enum ct_outcome run_seed_demo(const struct cli_request *request,
				     struct ct_session *session)
{
	struct ct_error err;
	enum ct_outcome outcome = ct_session_seed_demo(session, &err);

	(void)request;
	if (outcome != CT_OK)
		return cli_report(outcome, &err);
	puts("loaded the demo data");
	return CT_OK;
}

static enum ct_outcome run_search(const struct cli_request *request,
				  struct ct_session *session)
{
	struct ct_patient_list list;
	struct ct_error err;
	/* One row more than is printed tells whether there are others. */
	enum ct_outcome outcome = ct_patients_search(
		session, request->arguments[0], SEARCH_LIMIT + 1, &list, &err);

	if (outcome != CT_OK)
		return cli_report(outcome, &err);
	for (size_t i = 0; i < list.count && i < SEARCH_LIMIT; i++) {
		const struct ct_patient *patient = &list.items[i];

		CLI_RECORD(patient->mrn, patient->family_name,
			   patient->given_name, patient->birth_date,
			   patient->primary_provider);
	}
	if (list.count > SEARCH_LIMIT)
		cli_print_error("showing the first " SEARCH_LIMIT_TEXT
				" matches; narrow the query to see the others",
				NULL);
	ct_patient_list_free(&list);
	return CT_OK;
}

static enum ct_outcome run_providers(const struct cli_request *request,
				     struct ct_session *session)
{
	struct ct_provider_list list;
	struct ct_error err;
	enum ct_outcome outcome = ct_providers_list(
		session, request->arguments[0], false, &list, &err);

	if (outcome != CT_OK)
		return cli_report(outcome, &err);
	for (size_t i = 0; i < list.count; i++) {
		const struct ct_provider *provider = &list.items[i];
		char panel[24];

		snprintf(panel, sizeof(panel), "%ld",
			 provider->primary_panel_size);
		CLI_RECORD(provider->npi, provider->display_name,
			   provider->specialty,
			   provider->active ? "active" : "inactive", panel);
	}
	ct_provider_list_free(&list);
	return CT_OK;
}

static void print_assignment(const struct ct_assignment *assignment)
{
	char id[24];

	snprintf(id, sizeof(id), "%" PRId64, assignment->id);
	if (assignment->removed)
		CLI_RECORD(id, ct_role_name(assignment->role),
			   assignment->provider_npi, assignment->provider_name,
			   assignment->specialty, assignment->assigned_at,
			   assignment->assigned_by, "removed",
			   assignment->removed_at, assignment->removed_by,
			   assignment->removal_reason);
	else
		CLI_RECORD(id, ct_role_name(assignment->role),
			   assignment->provider_npi, assignment->provider_name,
			   assignment->specialty, assignment->assigned_at,
			   assignment->assigned_by, "active", "", "", "");
}

static enum ct_outcome run_show(const struct cli_request *request,
				struct ct_session *session)
{
	struct ct_care_team team;
	struct ct_error err;
	char version[32];
	enum ct_outcome outcome = ct_care_team_load(
		session, request->arguments[0], true, &team, &err);

	if (outcome != CT_OK)
		return cli_report(outcome, &err);
	snprintf(version, sizeof(version), "version=%" PRId64,
		 team.patient.care_team_version);
	CLI_RECORD("patient", team.patient.mrn, team.patient.family_name,
		   team.patient.given_name, team.patient.birth_date, version);
	for (size_t i = 0; i < team.count; i++)
		print_assignment(&team.items[i]);
	ct_care_team_free(&team);
	return CT_OK;
}

/* Rows one audit listing prints at most. */
#define AUDIT_LIMIT 1000

static enum ct_outcome run_audit(const struct cli_request *request,
				 struct ct_session *session)
{
	struct ct_audit_list trail;
	struct ct_error err;
	enum ct_outcome outcome = ct_admin_audit_trail(
		session, request->arguments[0], AUDIT_LIMIT, &trail, &err);

	if (outcome != CT_OK)
		return cli_report(outcome, &err);
	for (size_t i = 0; i < trail.count; i++) {
		const struct ct_audit_entry *entry = &trail.items[i];
		char id[24];

		snprintf(id, sizeof(id), "%" PRId64, entry->id);
		CLI_RECORD(id, entry->occurred_at, entry->staff_name,
			   entry->role_name, entry->mrn, entry->action,
			   entry->application_name, entry->before,
			   entry->after);
	}
	ct_audit_list_free(&trail);
	return CT_OK;
}

static enum ct_outcome run_admin(const struct cli_request *request,
				 struct ct_session *session)
{
	struct ct_enrolment enrolment;
	struct ct_error err;
	enum ct_outcome outcome;

	if (strcmp(request->arguments[0], "enroll-mfa") != 0)
		return cli_usage_error(request->command,
				       "unknown admin command \"%s\"",
				       request->arguments[0]);
	outcome = ct_admin_enroll_mfa(session, request->arguments[1],
				      &enrolment, &err);
	if (outcome != CT_OK)
		return cli_report(outcome, &err);
	CLI_RECORD("secret", enrolment.secret_base32);
	CLI_RECORD("uri", enrolment.uri);
	memset(&enrolment, 0, sizeof(enrolment));
	return CT_OK;
}

static enum ct_outcome run_login(const struct cli_request *request,
				 struct ct_session *session)
{
	(void)request;
	if (!session->mfa_required) {
		cli_print_error("this organization does not require a second "
				"factor, so there is no ticket to print",
				NULL);
		return CT_OK;
	}
	CLI_RECORD("ticket", session->ticket);
	return CT_OK;
}

static enum ct_outcome run_keys_markdown(const struct cli_request *request,
					 struct ct_session *session)
{
	(void)request;
	(void)session;
	ct_ui_print_key_table(stdout);
	return CT_OK;
}

#define WRITE_OPTIONS(required)                                                \
	.accepted_options = CLI_FLAG(required) |                               \
			    CLI_FLAG(CLI_OPTION_EXPECT_VERSION),               \
	.required_options = CLI_FLAG(required)

const struct cli_command cli_commands[] = {
	{
		.name = "migrate",
		.arguments = "",
		.connection = CLI_CONNECT_MAINTENANCE,
		.run = run_migrate,
		.help = "Apply the schema migrations built into this program "
			"that the database does not have yet, each in its own "
			"transaction. Needs no staff row. Prints \"applied N "
			"migrations\" or \"schema is up to date\".",
	},
	{
		.name = "seed-demo",
		.arguments = "",
		.connection = CLI_CONNECT_MAINTENANCE,
		.run = run_seed_demo,
		.help = "Load the invented demo data set: organizations, "
			"staff, providers, patients and care teams. The "
			"database user running it becomes staff \"Demo User\" "
			"in two of the three demo organizations. Fails when "
			"the demo data is already there.",
	},
	{
		.name = "search",
		.arguments = "QUERY",
		.min_arguments = 1,
		.max_arguments = 1,
		.run = run_search,
		.help = "Search the organization's patients. A YYYY-MM-DD "
			"query matches the date of birth. Any other query "
			"matches the MRN exactly, or the name ignoring case "
			"and accents and tolerating a typo. Prints up to "
			SEARCH_LIMIT_TEXT " lines of: MRN, family name, "
			"given name, date of birth, PRIMARY provider.",
	},
	{
		.name = "providers",
		.arguments = "[QUERY]",
		.max_arguments = 1,
		.run = run_providers,
		.help = "List the organization's providers, active and "
			"inactive, sorted by name. QUERY matches the name or "
			"specialty, or the exact NPI. Prints one line per "
			"provider: NPI, name, specialty, active or inactive, "
			"number of patients with the provider as PRIMARY.",
	},
	{
		.name = "show",
		.arguments = "MRN",
		.min_arguments = 1,
		.max_arguments = 1,
		.run = run_show,
		.help = "Print the patient's care team with its history. The "
			"first line is: patient, MRN, family name, given name, "
			"date of birth, version=N. Then one line per "
			"assignment: assignment id, role, NPI, provider name, "
			"specialty, assigned at, assigned by, active or "
			"removed, removed at, removed by, reason.",
	},
	{
		.name = "assign",
		.arguments = "MRN NPI",
		.min_arguments = 2,
		.max_arguments = 2,
		WRITE_OPTIONS(CLI_OPTION_ROLE),
		.run = cli_run_write,
		.write = ct_care_team_assign,
		.done_label = "assigned",
		.help = "Add the provider to the patient's care team in ROLE. "
			"A patient has at most one active PRIMARY. Prints: "
			"assigned, assignment id, version=N.",
	},
	{
		.name = "remove",
		.arguments = "MRN NPI",
		.min_arguments = 2,
		.max_arguments = 2,
		WRITE_OPTIONS(CLI_OPTION_REASON),
		.run = cli_run_write,
		.write = ct_care_team_remove,
		.done_label = "removed",
		.help = "End the provider's active assignment on the "
			"patient's care team. It stays in the history with "
			"the reason. Prints: removed, assignment id, "
			"version=N.",
	},
	{
		.name = "set-role",
		.arguments = "MRN NPI",
		.min_arguments = 2,
		.max_arguments = 2,
		WRITE_OPTIONS(CLI_OPTION_ROLE),
		.run = cli_run_write,
		.write = ct_care_team_set_role,
		.done_label = "role-changed",
		.help = "Change the role of the provider's active assignment "
			"to ROLE. Prints: role-changed, assignment id, "
			"version=N.",
	},
	{
		.name = "reassign-primary",
		.arguments = "MRN NPI",
		.min_arguments = 2,
		.max_arguments = 2,
		WRITE_OPTIONS(CLI_OPTION_REASON),
		.run = cli_run_write,
		.write = ct_care_team_reassign_primary,
		.done_label = "reassigned",
		.help = "Make the provider the patient's PRIMARY in one "
			"transaction, ending the current PRIMARY assignment "
			"with the reason. Prints: reassigned, assignment id, "
			"version=N, former_primary=NAME.",
	},
	{
		.name = "audit",
		.arguments = "[MRN]",
		.max_arguments = 1,
		.run = run_audit,
		.help = "Print the audit trail of the patient, or of the whole "
			"organization without MRN, newest first, up to 1000 "
			"lines of: id, time, staff name, role name, MRN, "
			"action, application name, row before, row after (JSON).",
	},
	{
		.name = "login",
		.arguments = "",
		.run = run_login,
		.help = "Prove the second factor once and print \"ticket\" "
			"and a session ticket. Later commands given the ticket "
			"in CARETEAM_MFA_TICKET need no code until it expires.",
	},
	{
		.name = "keys-markdown",
		.arguments = "",
		.connection = CLI_CONNECT_NONE,
		.run = run_keys_markdown,
		.help = "Print every key of the interactive screen as a "
			"Markdown table, from the same table the help screen "
			"uses. docs/user-guide.md includes its output.",
	},
	{
		.name = "admin",
		.arguments = "enroll-mfa ROLE",
		.min_arguments = 2,
		.max_arguments = 2,
		.run = run_admin,
		.help = "Enrol the staff member who logs in as ROLE for TOTP "
			"codes, replacing any earlier secret. Needs admin "
			"access. Prints the base32 secret and an otpauth:// URI "
			"once; the database keeps the secret from everyone "
			"else.",
	},
};

const size_t cli_command_count = sizeof(cli_commands) / sizeof(cli_commands[0]);

const struct cli_command *cli_find_command(const char *name)
{
	for (size_t i = 0; i < cli_command_count; i++) {
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	}
	return NULL;
}
