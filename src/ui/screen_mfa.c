/* The second-factor prompt: the organization requires a TOTP code and the
 * session has not proved one, so the database shows no patient data yet.
 * The code is checked by the database. It is never logged, and the
 * screen clears it once sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialogs.h"
#include "draw.h"
#include "field.h"
#include "labels.h"
#include "layout.h"
#include "screens.h"
#include "text.h"

#define CODE_DIGITS 6
/* The {time} placeholder of an outcome's detail template. */
#define TIME_PLACEHOLDER "{time}"
/* A lockout's end is written "YYYY-MM-DD HH:MM", so longer text is cut. */
#define TIME_MAX_CHARS 64

struct mfa_screen {
	struct ui_view base;
	struct ui_field code;
	/* Why the last code was refused, shown whole under the field,
	 * because the message line would cut the longer outcome messages. */
	char refusal[UI_MESSAGE_MAX];
	/* Shown over the working screens after a reconnect whose ticket was
	 * rejected, so success closes it instead of opening the search. */
	bool over_work;
};

static const enum ui_context help_contexts[] = {
    UI_CTX_MFA,
    UI_CTX_FIELD,
    UI_CTX_GLOBAL,
    UI_CTX_COUNT,
};

static struct mfa_screen *as_mfa(const struct ui_view *view)
{
	return (struct mfa_screen *)view;
}

/* Writes the outcome's message, then its detail template with {time}
 * replaced by time, such as the end of a lockout. */
static void outcome_text(enum ct_outcome outcome, const char *time,
                         char *buffer, size_t size)
{
	const char *template = ct_outcome_detail_format(outcome);
	const char *placeholder =
	    template != NULL ? strstr(template, TIME_PLACEHOLDER) : NULL;

	if (placeholder == NULL || time[0] == '\0') {
		ui_copy(buffer, size, ct_outcome_message(outcome));
		return;
	}
	snprintf(buffer, size, "%s %.*s%.*s%s", ct_outcome_message(outcome),
	         (int)(placeholder - template), template, TIME_MAX_CHARS, time,
	         placeholder + strlen(TIME_PLACEHOLDER));
}

static void report_failure(struct mfa_screen *screen, struct ui_app *app,
                           enum ct_outcome outcome, const struct ct_error *err)
{
	if (outcome == CT_DB_UNAVAILABLE) {
		ui_app_report(app, outcome, err);
		return;
	}
	outcome_text(outcome, outcome == CT_MFA_LOCKED ? err->detail : "",
	             screen->refusal, sizeof(screen->refusal));
}

static enum ui_step succeed(struct mfa_screen *screen, struct ui_app *app)
{
	struct ui_view *next;

	if (screen->over_work) {
		ui_app_resumed(app);
		return UI_CLOSE;
	}
	next = ui_first_work_view(app);
	if (next == NULL) {
		ui_app_report(app, CT_SYSTEM_ERROR, NULL);
		return UI_STAY;
	}
	ui_app_open(app, next);
	return UI_REPLACE;
}

static enum ui_step verify(struct mfa_screen *screen, struct ui_app *app)
{
	char code[CODE_DIGITS * 4 + 1];
	struct ct_error err = {0};
	enum ct_outcome outcome;

	ui_field_get(&screen->code, code, sizeof(code));
	if (strlen(code) != CODE_DIGITS) {
		ui_app_message(app, UI_MESSAGE_ERROR, "%s", UI_TEXT_MFA_SHORT);
		return UI_STAY;
	}
	screen->refusal[0] = '\0';
	outcome = ct_session_verify_mfa(app->session, code, &err);
	memset(code, 0, sizeof(code));
	ui_field_set(&screen->code, "");
	if (outcome == CT_OK)
		return succeed(screen, app);
	report_failure(screen, app, outcome, &err);
	return UI_STAY;
}

static enum ui_step mfa_action(struct ui_view *view, struct ui_app *app,
                               enum ui_action action)
{
	struct mfa_screen *screen = as_mfa(view);
	bool handled;

	ui_field_edit(&screen->code, action, &handled);
	if (handled)
		return UI_STAY;
	switch (action) {
	case UI_ACT_CONFIRM:
		return verify(screen, app);
	case UI_ACT_CANCEL:
		return UI_QUIT;
	default:
		return UI_STAY;
	}
}

/* Takes digits only, because a code has nothing else. */
static enum ui_step mfa_char(struct ui_view *view, struct ui_app *app,
                             wchar_t ch)
{
	(void)app;
	if (ch >= L'0' && ch <= L'9')
		ui_field_insert(&as_mfa(view)->code, ch);
	return UI_STAY;
}

static size_t mfa_contexts(const struct ui_view *view, enum ui_context *out,
                           size_t max)
{
	(void)view;
	if (max < 2)
		return 0;
	out[0] = UI_CTX_MFA;
	out[1] = UI_CTX_FIELD;
	return 2;
}

static void mfa_draw(struct ui_view *view, struct ui_app *app)
{
	struct mfa_screen *screen = as_mfa(view);
	struct ui_rect body = ui_layout_body();
	int prompt = ui_text_width_utf8(UI_TEXT_MFA_PROMPT);
	char line[UI_LINE_BYTES];
	int used;

	snprintf(line, sizeof(line), UI_TEXT_MFA_ORG,
	         app->session->organization_name,
	         app->session->organization_code);
	ui_draw_text(body.y, 1, body.width - 2, line, UI_STYLE_HEADER);
	used = ui_draw_wrapped(body.y + 2, 1, body.width - 2, 3,
	                       ct_outcome_message(CT_MFA_REQUIRED),
	                       UI_STYLE_NORMAL);
	ui_draw_text(body.y + 3 + used, 1, prompt, UI_TEXT_MFA_PROMPT,
	             UI_STYLE_HEADER);
	ui_field_draw(&screen->code, body.y + 3 + used, 1 + prompt,
	              CODE_DIGITS + 1, true);
	ui_draw_wrapped(body.y + 5 + used, 1, body.width - 2, 3,
	                screen->refusal, UI_STYLE_ERROR);
}

static void mfa_destroy(struct ui_view *view)
{
	struct mfa_screen *screen = as_mfa(view);

	memset(&screen->code, 0, sizeof(screen->code));
	free(screen);
}

static const struct ui_view_ops mfa_ops = {
    .name = UI_TEXT_MFA_TITLE,
    .modal = false,
    .contexts = mfa_contexts,
    .help_contexts = help_contexts,
    .draw = mfa_draw,
    .on_action = mfa_action,
    .on_char = mfa_char,
    .destroy = mfa_destroy,
};

struct ui_view *ui_mfa_screen_new(bool over_work)
{
	struct mfa_screen *screen = calloc(1, sizeof(*screen));

	if (screen == NULL)
		return NULL;
	screen->base.ops = &mfa_ops;
	screen->over_work = over_work;
	ui_field_init(&screen->code, CODE_DIGITS);
	return &screen->base;
}

bool ui_mfa_screen_is(const struct ui_view *view)
{
	return view->ops == &mfa_ops;
}
