/* Entry points of the terminal UI. */
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

int ct_ui_run(struct ct_session *session, const struct ct_config *config)
{
	struct ui_app app;
	struct ui_view *first;
	int status;

	setlocale(LC_ALL, "");
	ui_text_init();
	if (!ui_terminal_check())
		return 2;

	memset(&app, 0, sizeof(app));
	app.session = session;
	app.config = config;
	ct_log(CT_LOG_INFO, "ui_start", "staff_id=%lld organization_id=%lld",
	       (long long)session->staff_id,
	       (long long)session->organization_id);
	if (!ui_terminal_start()) {
		fprintf(stderr, "%s\n", UI_TEXT_START_FAILED);
		return 1;
	}

	first = ui_search_screen_new();
	status = ui_app_run(&app, first);

	ui_terminal_stop();
	ct_log(CT_LOG_INFO, "ui_stop", "staff_id=%lld status=%d",
	       (long long)session->staff_id, status);
	return status;
}

void ct_ui_print_key_table(FILE *out)
{
	ui_keys_print_markdown(out);
}
