/* Entry points of the terminal UI, and the start-up: open the session,
 * then offer the organization list or the code prompt when needed. */
#include "careteam/ui.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "careteam/log.h"
#include "keys.h"
#include "labels.h"
#include "screens.h"
#include "terminal.h"
#include "text.h"

struct ui_view *ui_first_work_view(struct ui_app *app)
{
	if (app->session->mfa_required && !app->session->mfa_verified)
		return ui_mfa_screen_new(false);
	ui_app_listen(app);
	return ui_search_screen_new();
}

/* Prints "careteam: message" and the detail, as the command line does,
 * for a failure before the screen starts. */
static int report_start_failure(enum ct_outcome outcome,
                                const struct ct_error *err)
{
	fprintf(stderr, "%s: %s\n", UI_TEXT_PROGRAM,
	        ct_outcome_message(outcome));
	if (err->detail[0] != '\0')
		fprintf(stderr, "%s: %s\n", UI_TEXT_PROGRAM, err->detail);
	return ct_outcome_exit_status(outcome);
}

/* Opens the session, or lists the organizations when the choice is open,
 * and returns the first view. Returns NULL with *status set after a
 * failure, which is reported on stderr. */
static struct ui_view *open_start_view(struct ui_app *app, int *status)
{
	struct ct_membership memberships[CT_MEMBERSHIPS_MAX];
	struct ct_error err = {0};
	struct ui_view *first;
	size_t count = 0;
	enum ct_outcome outcome;

	outcome =
	    ct_session_open(app->config, app->org_code, app->session, &err);
	if (outcome == CT_ORGANIZATION_REQUIRED)
		outcome = ct_session_list_memberships(app->config, memberships,
		                                      &count, &err);
	if (outcome != CT_OK) {
		*status = report_start_failure(outcome, &err);
		return NULL;
	}
	if (ui_app_session_open(app))
		first = ui_first_work_view(app);
	else
		first = ui_organizations_screen_new(memberships, count);
	if (first == NULL) {
		ct_error_set(&err, CT_SYSTEM_ERROR, "out of memory");
		*status = report_start_failure(CT_SYSTEM_ERROR, &err);
	}
	return first;
}

int ct_ui_run(const struct ct_config *config, const char *org_code)
{
	struct ct_session session;
	struct ui_app app;
	struct ui_view *first;
	int status = 1;

	setlocale(LC_ALL, "");
	ui_text_init();
	if (!ui_terminal_check())
		return 2;

	memset(&session, 0, sizeof(session));
	memset(&app, 0, sizeof(app));
	app.session = &session;
	app.config = config;
	app.org_code = org_code;
	first = open_start_view(&app, &status);
	if (first == NULL) {
		ct_session_close(&session);
		return status;
	}
	ct_log(CT_LOG_INFO, "ui_start", "staff_id=%lld organization_id=%lld",
	       (long long)session.staff_id, (long long)session.organization_id);
	if (!ui_terminal_start()) {
		fprintf(stderr, "%s\n", UI_TEXT_START_FAILED);
		first->ops->destroy(first);
		ct_session_close(&session);
		return 1;
	}

	status = ui_app_run(&app, first);

	ui_terminal_stop();
	ct_log(CT_LOG_INFO, "ui_stop", "staff_id=%lld status=%d",
	       (long long)session.staff_id, status);
	ct_session_close(&session);
	return status;
}

void ct_ui_print_key_table(FILE *out)
{
	ui_keys_print_markdown(out);
}
