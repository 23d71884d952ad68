/* Opening the session a command runs on, including the second-factor code
 * an organization may require. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "careteam/session.h"
#include "cli.h"

/* Codes asked for before giving up; the server locks sign-in after its own
 * count of wrong codes, whichever comes first. */
#define CODE_ATTEMPTS 3

/* Reads one line from stdin into code with spaces and the line break
 * dropped, so "123 456" is accepted. Returns false at end of input. */
static bool read_code(char *code, size_t size)
{
	char line[64];
	size_t used = 0;

	if (fgets(line, sizeof(line), stdin) == NULL)
		return false;
	for (const char *at = line; *at != '\0' && used + 1 < size; at++) {
		if (*at != ' ' && *at != '\t' && *at != '\n' && *at != '\r')
			code[used++] = *at;
	}
	code[used] = '\0';
	return true;
}

/* Proves the second factor: with the ticket in CARETEAM_MFA_TICKET, else
 * the code in CARETEAM_MFA_CODE, else a code typed at a prompt on the
 * terminal. The typed code is echoed because it is valid for seconds
 * only, and a prompt without echo would have to restore the terminal on
 * every signal. */
static enum ct_outcome prove_second_factor(struct ct_session *session)
{
	enum ct_outcome outcome = CT_MFA_REQUIRED;
	const char *ticket = getenv("CARETEAM_MFA_TICKET");
	const char *given_code = getenv("CARETEAM_MFA_CODE");
	struct ct_error err;
	char code[16];

	if (ticket != NULL && ticket[0] != '\0') {
		outcome = ct_session_resume(session, ticket, &err);
		if (outcome == CT_OK || given_code == NULL)
			return outcome == CT_OK ? CT_OK
						: cli_report(outcome, &err);
	}
	if (given_code != NULL && given_code[0] != '\0') {
		outcome = ct_session_verify_mfa(session, given_code, &err);
		return outcome == CT_OK ? CT_OK : cli_report(outcome, &err);
	}
	if (!isatty(STDIN_FILENO)) {
		ct_error_set(&err, CT_MFA_REQUIRED,
			     "organization %s requires a code, and standard "
			     "input is not a terminal to ask for it",
			     session->organization_code);
		return cli_report(CT_MFA_REQUIRED, &err);
	}
	cli_print_error(ct_outcome_message(CT_MFA_REQUIRED), NULL);
	for (int attempt = 0; attempt < CODE_ATTEMPTS; attempt++) {
		fprintf(stderr, "Code for %s: ", session->organization_code);
		fflush(stderr);
		if (!read_code(code, sizeof(code))) {
			putc('\n', stderr);
			return CT_MFA_REQUIRED;
		}
		outcome = ct_session_verify_mfa(session, code, &err);
		if (outcome == CT_OK)
			return CT_OK;
		cli_report(outcome, &err);
		if (outcome != CT_MFA_INVALID)
			break;
	}
	return outcome;
}

enum ct_outcome cli_open_session(enum cli_connection connection,
				 const struct ct_config *config,
				 const char *org_code,
				 struct ct_session *session)
{
	struct ct_error err;
	enum ct_outcome outcome;

	if (connection == CLI_CONNECT_MAINTENANCE)
		outcome = ct_session_open_maintenance(config, session, &err);
	else
		outcome = ct_session_open(config, org_code, session, &err);
	if (outcome != CT_OK)
		return cli_report(outcome, &err);

	if (connection == CLI_CONNECT_STAFF && session->mfa_required &&
	    !session->mfa_verified) {
		outcome = prove_second_factor(session);
		if (outcome != CT_OK)
			ct_session_close(session);
	}
	return outcome;
}
