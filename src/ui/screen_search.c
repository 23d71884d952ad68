/* Patient search: a query field on top and the matching patients below.
 * Each change of the query sends a search without waiting for it, and the
 * result arrives through the event loop. At most one search is in flight,
 * so while one is out the latest text is only stored, and it is sent when
 * the result comes. A result for any text but the latest is discarded, so
 * a stale result never replaces a newer one. */
#include <stdlib.h>
#include <string.h>

#include "careteam/changes.h"
#include "careteam/patients.h"
#include "dialogs.h"
#include "draw.h"
#include "field.h"
#include "labels.h"
#include "layout.h"
#include "list.h"
#include "screens.h"
#include "text.h"

#define QUERY_CHARS  200
#define QUERY_BYTES  (QUERY_CHARS * 4 + 1)
#define SEARCH_LIMIT 200

struct search_screen {
	struct ui_view base;
	struct ui_field query;
	bool list_focus;
	/* The query field changed since the last search was considered. */
	bool dirty;

	/* The latest query text, trimmed: what the results should be for. */
	char wanted[QUERY_BYTES];
	/* The query of the search in flight, when in_flight is set. */
	char sent[QUERY_BYTES];
	bool in_flight;

	struct ct_patient_list results;
	/* The MRN of the patient the user last moved to or opened. Results
	 * that include it select it again, even when a search in between,
	 * for text typed on the way, did not. */
	char chosen[UI_MRN_BYTES];
	/* One flag per result: the patient's care team changed after the
	 * search read it. */
	bool *changed;
	size_t changed_count;
	/* The query the results belong to; "" when there are none. */
	char shown[QUERY_BYTES];
	bool shown_valid;
	/* An error for the wanted query, such as an impossible date, with
	 * the data layer's explanation. */
	enum ct_outcome error;
	char error_detail[sizeof(((struct ct_error *)0)->detail)];
	struct ui_list list;
};

static const enum ui_context help_contexts[] = {
    UI_CTX_SEARCH_FIELD, UI_CTX_SEARCH_LIST, UI_CTX_FIELD,
    UI_CTX_GLOBAL,       UI_CTX_COUNT,
};

static struct search_screen *as_search(const struct ui_view *view)
{
	return (struct search_screen *)view;
}

/* Copies the field's text without leading and trailing spaces. */
static void read_query(const struct search_screen *search, char *buffer,
                       size_t size)
{
	char text[QUERY_BYTES];
	char *start = text;
	size_t length;

	ui_field_get(&search->query, text, sizeof(text));
	while (*start == ' ')
		start++;
	length = strlen(start);
	while (length > 0 && start[length - 1] == ' ')
		start[--length] = '\0';
	ui_copy(buffer, size, start);
}

/* Records the selected row's patient as the one the user chose. */
static void remember_choice(struct search_screen *search)
{
	if (search->list.selected >= 0 &&
	    (size_t)search->list.selected < search->results.count)
		ui_copy(search->chosen, sizeof(search->chosen),
		        search->results.items[search->list.selected].mrn);
}

static void replace_results(struct search_screen *search,
                            struct ct_patient_list *list, const char *query)
{
	size_t i;

	ct_patient_list_free(&search->results);
	search->results = *list;
	memset(list, 0, sizeof(*list));
	free(search->changed);
	search->changed = calloc(search->results.count + 1, sizeof(bool));
	search->changed_count =
	    search->changed != NULL ? search->results.count : 0;
	ui_copy(search->shown, sizeof(search->shown), query);
	search->shown_valid = true;
	search->error = CT_OK;

	search->list.selected = 0;
	for (i = 0; i < search->results.count; i++) {
		if (strcmp(search->results.items[i].mrn, search->chosen) == 0)
			search->list.selected = (int)i;
	}
	ui_list_set_count(&search->list, (int)search->results.count);
}

static void clear_results(struct search_screen *search, const char *query)
{
	struct ct_patient_list empty = {0};

	replace_results(search, &empty, query);
}

/* Shows an error for the wanted query on the status line. An invalid query
 * is explained there; other outcomes also go to the message line. */
static void set_error(struct search_screen *search, struct ui_app *app,
                      enum ct_outcome outcome, const struct ct_error *err)
{
	clear_results(search, search->wanted);
	search->error = outcome;
	ui_copy(search->error_detail, sizeof(search->error_detail),
	        outcome == CT_INVALID_INPUT ? err->detail : "");
	if (outcome != CT_INVALID_INPUT)
		ui_app_report(app, outcome, err);
}

static void send_search(struct search_screen *search, struct ui_app *app)
{
	struct ct_error err = {0};
	enum ct_outcome outcome;

	outcome = ct_patients_search_send(app->session, search->wanted,
	                                  SEARCH_LIMIT, &err);
	if (outcome == CT_OK) {
		ui_copy(search->sent, sizeof(search->sent), search->wanted);
		search->in_flight = true;
		return;
	}
	set_error(search, app, outcome, &err);
}

/* Sends the latest query unless its results are already shown or a
 * search is still in flight. */
static void search_if_needed(struct search_screen *search, struct ui_app *app)
{
	if (search->in_flight)
		return;
	if (search->wanted[0] == '\0') {
		clear_results(search, "");
		return;
	}
	if (search->shown_valid && strcmp(search->shown, search->wanted) == 0)
		return;
	send_search(search, app);
}

static void search_idle(struct ui_view *view, struct ui_app *app)
{
	struct search_screen *search = as_search(view);

	if (!search->dirty)
		return;
	search->dirty = false;
	read_query(search, search->wanted, sizeof(search->wanted));
	search_if_needed(search, app);
}

static void search_socket(struct ui_view *view, struct ui_app *app)
{
	struct search_screen *search = as_search(view);
	struct ct_patient_list list = {0};
	struct ct_error err = {0};
	enum ct_outcome outcome;
	bool ready = false;

	if (!search->in_flight)
		return;
	outcome = ct_patients_search_receive(app->session, &ready, &list, &err);
	if (outcome != CT_OK) {
		search->in_flight = false;
		ct_patient_list_free(&list);
		if (strcmp(search->sent, search->wanted) == 0)
			set_error(search, app, outcome, &err);
		else
			ui_app_report(app, outcome, &err);
		return;
	}
	if (!ready)
		return;

	search->in_flight = false;
	if (strcmp(search->sent, search->wanted) == 0)
		replace_results(search, &list, search->sent);
	ct_patient_list_free(&list);
	search_if_needed(search, app);
}

/* Marks the row of a patient whose team changed after the search read
 * it. The rows stay as they are until the search runs again. */
static void search_change(struct ui_view *view, struct ui_app *app,
                          const struct ct_change *change)
{
	struct search_screen *search = as_search(view);
	size_t i;

	(void)app;
	for (i = 0; i < search->changed_count; i++) {
		const struct ct_patient *patient = &search->results.items[i];

		if (strcmp(patient->mrn, change->mrn) == 0 &&
		    change->care_team_version > patient->care_team_version)
			search->changed[i] = true;
	}
}

static bool any_changed(const struct search_screen *search)
{
	size_t i;

	for (i = 0; i < search->changed_count; i++) {
		if (search->changed[i])
			return true;
	}
	return false;
}

static void search_reconnect(struct ui_view *view, struct ui_app *app)
{
	struct search_screen *search = as_search(view);

	(void)app;
	search->in_flight = false;
	search->shown_valid = false;
	search->dirty = true;
}

/* Brings the results up to the latest text, waiting for the result, so
 * that Enter typed right after the query opens a patient the query
 * matches. */
static bool catch_up(struct search_screen *search, struct ui_app *app)
{
	search_idle(&search->base, app);
	if (!ui_app_settle(app)) {
		ui_app_report(app, CT_DB_UNAVAILABLE, NULL);
		return false;
	}
	return search->shown_valid &&
	       strcmp(search->shown, search->wanted) == 0;
}

static enum ui_step open_selected(struct search_screen *search,
                                  struct ui_app *app)
{
	struct ui_view *team;
	char mrn[UI_MRN_BYTES];

	if (!catch_up(search, app) || search->results.count == 0)
		return UI_STAY;
	remember_choice(search);
	ui_copy(mrn, sizeof(mrn),
	        search->results.items[search->list.selected].mrn);
	team = ui_team_screen_new(app, mrn);
	if (team == NULL)
		return UI_STAY;
	ui_app_open(app, team);
	return UI_OPEN;
}

static enum ui_step search_action(struct ui_view *view, struct ui_app *app,
                                  enum ui_action action)
{
	struct search_screen *search = as_search(view);
	struct ui_rect body = ui_layout_body();
	bool handled;

	if (!search->list_focus &&
	    ui_field_edit(&search->query, action, &handled)) {
		search->dirty = true;
		return UI_STAY;
	}
	if (ui_list_move(&search->list, action, body.height - 4)) {
		remember_choice(search);
		return UI_STAY;
	}

	switch (action) {
	case UI_ACT_OPEN:
		return open_selected(search, app);
	case UI_ACT_FOCUS_LIST:
		search->list_focus = true;
		return UI_STAY;
	case UI_ACT_FOCUS_FIELD:
		search->list_focus = false;
		return UI_STAY;
	case UI_ACT_BACK:
		return UI_QUIT;
	default:
		return UI_STAY;
	}
}

static enum ui_step search_char(struct ui_view *view, struct ui_app *app,
                                wchar_t ch)
{
	struct search_screen *search = as_search(view);

	(void)app;
	search->list_focus = false;
	if (ui_field_insert(&search->query, ch))
		search->dirty = true;
	return UI_STAY;
}

static void search_result(struct ui_view *view, struct ui_app *app,
                          const struct ui_view *child)
{
	struct search_screen *search = as_search(view);

	(void)app;
	(void)child;
	/* The care team may have changed, and with it the PRIMARY column. */
	search->shown_valid = false;
	search->dirty = true;
}

static size_t search_contexts(const struct ui_view *view, enum ui_context *out,
                              size_t max)
{
	const struct search_screen *search = as_search(view);

	if (max < 2)
		return 0;
	if (search->list_focus) {
		out[0] = UI_CTX_SEARCH_LIST;
		return 1;
	}
	out[0] = UI_CTX_SEARCH_FIELD;
	out[1] = UI_CTX_FIELD;
	return 2;
}

static void status_text(const struct search_screen *search, char *buffer,
                        size_t size)
{
	bool current =
	    search->shown_valid && strcmp(search->shown, search->wanted) == 0;

	if (search->wanted[0] == '\0')
		ui_copy(buffer, size, UI_TEXT_SEARCH_HINT);
	else if (search->in_flight || !current)
		ui_copy(buffer, size, UI_TEXT_SEARCH_BUSY);
	else if (search->error != CT_OK)
		snprintf(buffer, size, "%s %s",
		         ct_outcome_message(search->error),
		         search->error_detail);
	else if (search->results.count == 0)
		ui_copy(buffer, size, UI_TEXT_SEARCH_NONE);
	else if (search->results.count >= SEARCH_LIMIT)
		snprintf(buffer, size, UI_TEXT_SEARCH_LIMITED,
		         search->results.count);
	else if (search->results.count == 1)
		ui_copy(buffer, size, UI_TEXT_SEARCH_ONE);
	else
		snprintf(buffer, size, UI_TEXT_SEARCH_COUNT,
		         search->results.count);
	if (current && any_changed(search)) {
		size_t used = strlen(buffer);

		snprintf(buffer + used, size - used, "%s",
		         UI_TEXT_SEARCH_CHANGED);
	}
}

enum search_column {
	COLUMN_MRN,
	COLUMN_NAME,
	COLUMN_BORN,
	COLUMN_PRIMARY,
	COLUMN_COUNT,
};

static const struct ui_column columns[COLUMN_COUNT] = {
    [COLUMN_MRN] = {10, 0},
    [COLUMN_NAME] = {16, 55},
    [COLUMN_BORN] = {10, 0},
    [COLUMN_PRIMARY] = {12, 45},
};

/* Draws one row. A changed row gets its mark in the gap after the MRN,
 * so the columns stay where they are. */
static void draw_row(int y, const int *offsets, const int *widths,
                     const char *const cells[COLUMN_COUNT], enum ui_style style,
                     bool changed)
{
	int i;

	ui_draw_fill(y, 0, COLS, style);
	for (i = 0; i < COLUMN_COUNT; i++)
		ui_draw_text(y, 1 + offsets[i], widths[i], cells[i], style);
	if (changed)
		ui_draw_text(y, 1 + offsets[COLUMN_MRN] + widths[COLUMN_MRN], 1,
		             UI_TEXT_SEARCH_CHANGED_MARK, style);
	ui_draw_selection_mark(y, 0, style);
}

static void draw_results(struct search_screen *search, struct ui_rect area)
{
	static const char *const headings[COLUMN_COUNT] = {
	    UI_TEXT_COLUMN_MRN, UI_TEXT_COLUMN_NAME, UI_TEXT_COLUMN_BORN,
	    UI_TEXT_COLUMN_PRIMARY};
	int offsets[COLUMN_COUNT];
	int widths[COLUMN_COUNT];
	int rows = area.height - 1;
	int i;

	ui_layout_columns(area.width - 2, 2, columns, COLUMN_COUNT, offsets,
	                  widths);
	draw_row(area.y, offsets, widths, headings, UI_STYLE_HEADER, false);
	if (!search->shown_valid)
		return;
	ui_list_scroll(&search->list, rows);
	for (i = 0; i < rows && search->list.top + i < search->list.count;
	     i++) {
		int index = search->list.top + i;
		const struct ct_patient *patient =
		    &search->results.items[index];
		char name[UI_NAME_BYTES];
		const char *cells[COLUMN_COUNT];

		ui_patient_name(patient, name, sizeof(name));
		cells[COLUMN_MRN] = patient->mrn;
		cells[COLUMN_NAME] = name;
		cells[COLUMN_BORN] = patient->birth_date;
		cells[COLUMN_PRIMARY] = patient->primary_provider;
		draw_row(area.y + 1 + i, offsets, widths, cells,
		         index == search->list.selected ? UI_STYLE_SELECTED
		                                        : UI_STYLE_NORMAL,
		         (size_t)index < search->changed_count &&
		             search->changed[index]);
	}
}

static void search_draw(struct ui_view *view, struct ui_app *app)
{
	struct search_screen *search = as_search(view);
	struct ui_rect body = ui_layout_body();
	struct ui_rect results = {body.y + 3, 0, body.height - 3, body.width};
	int prompt_width = ui_text_width_utf8(UI_TEXT_SEARCH_PROMPT);
	char status[UI_LINE_BYTES];
	bool field_focus = !search->list_focus;

	(void)app;
	ui_draw_text(body.y, 1, prompt_width, UI_TEXT_SEARCH_PROMPT,
	             field_focus ? UI_STYLE_HEADER : UI_STYLE_NORMAL);
	ui_field_draw(&search->query, body.y, 1 + prompt_width,
	              body.width - prompt_width - 2, field_focus);
	status_text(search, status, sizeof(status));
	ui_draw_text(body.y + 1, 1, body.width - 2, status,
	             search->error != CT_OK ? UI_STYLE_ERROR : UI_STYLE_DIM);
	draw_results(search, results);
}

static void search_destroy(struct ui_view *view)
{
	struct search_screen *search = as_search(view);

	ct_patient_list_free(&search->results);
	free(search->changed);
	free(search);
}

static const struct ui_view_ops search_ops = {
    .name = UI_TEXT_SEARCH_TITLE,
    .modal = false,
    .contexts = search_contexts,
    .help_contexts = help_contexts,
    .draw = search_draw,
    .on_action = search_action,
    .on_char = search_char,
    .on_result = search_result,
    .on_idle = search_idle,
    .on_socket = search_socket,
    .on_reconnect = search_reconnect,
    .on_change = search_change,
    .destroy = search_destroy,
};

struct ui_view *ui_search_screen_new(void)
{
	struct search_screen *search = calloc(1, sizeof(*search));

	if (search == NULL)
		return NULL;
	search->base.ops = &search_ops;
	ui_field_init(&search->query, QUERY_CHARS);
	search->error = CT_OK;
	return &search->base;
}
