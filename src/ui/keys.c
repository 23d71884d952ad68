/* The key bindings of every screen and dialog, with their help text. */
#include "keys.h"

#include <curses.h>
#include <string.h>

/* Added to the docs' text of every binding marked writes. */
#define UI_KEYS_WRITES_NOTE " Not offered with read-only access."

/* The table reads best one binding per entry, so the formatter leaves it
 * alone. */
/* clang-format off */
#define MOVE_KEYS(context)                                                     \
	{context, UI_ACT_UP, {UI_FN(KEY_UP), 'k'}, NULL,                       \
	 "Move the selection up."},                                            \
	{context, UI_ACT_DOWN, {UI_FN(KEY_DOWN), 'j'}, NULL,                   \
	 "Move the selection down."},                                          \
	{context, UI_ACT_PAGE_UP, {UI_FN(KEY_PPAGE)}, NULL,                    \
	 "Move the selection up by one page."},                                \
	{context, UI_ACT_PAGE_DOWN, {UI_FN(KEY_NPAGE)}, NULL,                  \
	 "Move the selection down by one page."},                              \
	{context, UI_ACT_FIRST, {UI_FN(KEY_HOME), 'g'}, NULL,                  \
	 "Move to the first row."},                                            \
	{context, UI_ACT_LAST, {UI_FN(KEY_END), 'G'}, NULL,                    \
	 "Move to the last row."}

/* In a dialog with a text field, letters go to the field, so only the
 * arrow and page keys move the list. */
#define FIELD_MOVE_KEYS(context)                                               \
	{context, UI_ACT_UP, {UI_FN(KEY_UP)}, NULL,                            \
	 "Move the selection up."},                                            \
	{context, UI_ACT_DOWN, {UI_FN(KEY_DOWN)}, NULL,                        \
	 "Move the selection down."},                                          \
	{context, UI_ACT_PAGE_UP, {UI_FN(KEY_PPAGE)}, NULL,                    \
	 "Move the selection up by one page."},                                \
	{context, UI_ACT_PAGE_DOWN, {UI_FN(KEY_NPAGE)}, NULL,                  \
	 "Move the selection down by one page."}

#define ENTER_KEYS '\r', '\n', UI_FN(KEY_ENTER)

/* Order matters twice: the first binding of a key in a context wins, and
 * the key bar shows the bindings with a bar label in this order until the
 * row is full. Only the bindings that change data name .writes, so the
 * others leave it false, which -Wextra would report. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct ui_binding bindings[] = {
	{UI_CTX_GLOBAL, UI_ACT_HELP, {UI_FN(KEY_F(1))}, "Help",
	 "Show the keys of the current screen or dialog."},
	{UI_CTX_GLOBAL, UI_ACT_QUIT, {UI_CTRL('c')}, "Quit",
	 "Quit careteam at once, from any screen or dialog."},

	{UI_CTX_ORGANIZATIONS, UI_ACT_OPEN, {ENTER_KEYS}, "Open",
	 "Work in the selected organization."},
	MOVE_KEYS(UI_CTX_ORGANIZATIONS),
	{UI_CTX_ORGANIZATIONS, UI_ACT_HELP, {'?'}, "Help",
	 "Show the keys of this screen."},
	{UI_CTX_ORGANIZATIONS, UI_ACT_BACK, {'q', UI_KEY_ESC}, "Quit",
	 "Quit careteam without choosing."},

	{UI_CTX_MFA, UI_ACT_CONFIRM, {ENTER_KEYS}, "Verify",
	 "Send the 6-digit code to the database to be checked."},
	{UI_CTX_MFA, UI_ACT_CANCEL, {UI_KEY_ESC, 'q'}, "Quit",
	 "Quit careteam without signing in."},

	{UI_CTX_SEARCH_FIELD, UI_ACT_OPEN, {ENTER_KEYS}, "Open",
	 "Open the care team of the selected patient."},
	FIELD_MOVE_KEYS(UI_CTX_SEARCH_FIELD),
	{UI_CTX_SEARCH_FIELD, UI_ACT_FOCUS_LIST, {UI_KEY_TAB, UI_KEY_ESC},
	 "Results",
	 "Leave the query field and move in the results, where j, k and q "
	 "work."},

	{UI_CTX_SEARCH_LIST, UI_ACT_OPEN, {ENTER_KEYS}, "Open",
	 "Open the care team of the selected patient."},
	{UI_CTX_SEARCH_LIST, UI_ACT_FOCUS_FIELD, {UI_KEY_TAB, '/'}, "Search",
	 "Go back to the query field. Typing a letter that has no binding "
	 "here does the same and types it."},
	MOVE_KEYS(UI_CTX_SEARCH_LIST),
	{UI_CTX_SEARCH_LIST, UI_ACT_HELP, {'?'}, "Help",
	 "Show the keys of this screen."},
	{UI_CTX_SEARCH_LIST, UI_ACT_BACK, {'q'}, "Quit",
	 "Quit careteam (the search is the first screen)."},

	{UI_CTX_TEAM, UI_ACT_ASSIGN, {'a'}, "Assign",
	 "Assign a provider to the patient's care team.", .writes = true},
	{UI_CTX_TEAM, UI_ACT_REMOVE, {'d', UI_FN(KEY_DC)}, "Remove",
	 "Remove the selected provider from the care team, with a reason.",
	 .writes = true},
	{UI_CTX_TEAM, UI_ACT_CHANGE_ROLE, {'r'}, "Role",
	 "Change the role of the selected provider.", .writes = true},
	{UI_CTX_TEAM, UI_ACT_MAKE_PRIMARY, {'p'}, "PRIMARY",
	 "Make the selected provider PRIMARY. When the patient already has "
	 "a PRIMARY, this reassigns PRIMARY, with a reason.", .writes = true},
	{UI_CTX_TEAM, UI_ACT_HISTORY, {'h'}, "History",
	 "Show or hide removed assignments: when, by whom and why."},
	{UI_CTX_TEAM, UI_ACT_HELP, {'?'}, "Help",
	 "Show the keys of this screen."},
	{UI_CTX_TEAM, UI_ACT_BACK, {'q'}, "Back",
	 "Go back to the patient search."},
	{UI_CTX_TEAM, UI_ACT_REFRESH, {'R', UI_FN(KEY_F(5))}, "Refresh",
	 "Load the care team again from the database. This also clears the "
	 "notice that another user changed the team or that the connection "
	 "came back."},
	{UI_CTX_TEAM, UI_ACT_AUDIT, {'A'}, "Audit",
	 "Show the patient's audit trail: every view and change of the care "
	 "team, with who made it and when."},
	{UI_CTX_TEAM, UI_ACT_REOPEN, {'o'}, NULL,
	 "Reopen the change that a conflict stopped, with the provider and "
	 "reason you chose.", .writes = true},
	MOVE_KEYS(UI_CTX_TEAM),

	{UI_CTX_PICK_PROVIDER, UI_ACT_CONFIRM, {ENTER_KEYS}, "Choose",
	 "Choose the selected provider and go on to the role."},
	{UI_CTX_PICK_PROVIDER, UI_ACT_CANCEL, {UI_KEY_ESC}, "Cancel",
	 "Close the dialog without a change."},
	FIELD_MOVE_KEYS(UI_CTX_PICK_PROVIDER),

	{UI_CTX_PICK_ROLE, UI_ACT_CONFIRM, {ENTER_KEYS}, "Choose",
	 "Choose the selected role."},
	{UI_CTX_PICK_ROLE, UI_ACT_CANCEL, {UI_KEY_ESC}, "Cancel",
	 "Close the dialog without a change."},
	{UI_CTX_PICK_ROLE, UI_ACT_ROLE_PRIMARY, {'p'}, NULL,
	 "Choose PRIMARY."},
	{UI_CTX_PICK_ROLE, UI_ACT_ROLE_SPECIALIST, {'s'}, NULL,
	 "Choose SPECIALIST."},
	{UI_CTX_PICK_ROLE, UI_ACT_ROLE_CONSULTANT, {'c'}, NULL,
	 "Choose CONSULTANT."},
	{UI_CTX_PICK_ROLE, UI_ACT_UP, {UI_FN(KEY_UP), 'k'}, NULL,
	 "Move the selection up."},
	{UI_CTX_PICK_ROLE, UI_ACT_DOWN, {UI_FN(KEY_DOWN), 'j'}, NULL,
	 "Move the selection down."},
	{UI_CTX_PICK_ROLE, UI_ACT_HELP, {'?'}, "Help",
	 "Show the keys of this dialog."},

	{UI_CTX_CONFIRM, UI_ACT_CONFIRM, {ENTER_KEYS, 'y'}, "Confirm",
	 "Save the change."},
	{UI_CTX_CONFIRM, UI_ACT_CANCEL, {UI_KEY_ESC, 'n'}, "Cancel",
	 "Close the dialog without a change."},
	{UI_CTX_CONFIRM, UI_ACT_HELP, {'?'}, "Help",
	 "Show the keys of this dialog."},

	{UI_CTX_REASON, UI_ACT_CONFIRM, {ENTER_KEYS}, "Save",
	 "Save the change with the reason typed (a reason is required)."},
	{UI_CTX_REASON, UI_ACT_CANCEL, {UI_KEY_ESC}, "Cancel",
	 "Close the dialog without a change."},

	{UI_CTX_CONFLICT, UI_ACT_REFRESH, {ENTER_KEYS, 'R'}, "Refresh",
	 "Load the current care team. Your choice is kept: press o there to "
	 "reopen it."},
	{UI_CTX_CONFLICT, UI_ACT_CANCEL, {UI_KEY_ESC}, "Close",
	 "Close the notice without refreshing."},
	{UI_CTX_CONFLICT, UI_ACT_HELP, {'?'}, "Help",
	 "Show the keys of this notice."},

	{UI_CTX_AUDIT, UI_ACT_BACK, {'q', UI_KEY_ESC}, "Back",
	 "Go back to the care team."},
	{UI_CTX_AUDIT, UI_ACT_REFRESH, {'R', UI_FN(KEY_F(5))}, "Refresh",
	 "Load the audit trail again."},
	{UI_CTX_AUDIT, UI_ACT_HELP, {'?'}, "Help",
	 "Show the keys of this screen."},
	MOVE_KEYS(UI_CTX_AUDIT),

	{UI_CTX_HELP, UI_ACT_CANCEL, {UI_KEY_ESC, 'q', '?', '\r'}, "Close",
	 "Close the help."},
	{UI_CTX_HELP, UI_ACT_UP, {UI_FN(KEY_UP), 'k'}, NULL,
	 "Scroll up."},
	{UI_CTX_HELP, UI_ACT_DOWN, {UI_FN(KEY_DOWN), 'j'}, NULL,
	 "Scroll down."},
	{UI_CTX_HELP, UI_ACT_PAGE_UP, {UI_FN(KEY_PPAGE)}, NULL,
	 "Scroll up by one page."},
	{UI_CTX_HELP, UI_ACT_PAGE_DOWN, {UI_FN(KEY_NPAGE), ' '}, NULL,
	 "Scroll down by one page."},

	{UI_CTX_FIELD, UI_ACT_FIELD_LEFT, {UI_FN(KEY_LEFT)}, NULL,
	 "Move the cursor one character left."},
	{UI_CTX_FIELD, UI_ACT_FIELD_RIGHT, {UI_FN(KEY_RIGHT)}, NULL,
	 "Move the cursor one character right."},
	{UI_CTX_FIELD, UI_ACT_FIELD_HOME, {UI_FN(KEY_HOME), UI_CTRL('a')}, NULL,
	 "Move the cursor to the start of the field."},
	{UI_CTX_FIELD, UI_ACT_FIELD_END, {UI_FN(KEY_END), UI_CTRL('e')}, NULL,
	 "Move the cursor to the end of the field."},
	{UI_CTX_FIELD, UI_ACT_FIELD_BACKSPACE,
	 {UI_FN(KEY_BACKSPACE), UI_KEY_DEL, UI_CTRL('h')}, NULL,
	 "Delete the character before the cursor."},
	{UI_CTX_FIELD, UI_ACT_FIELD_DELETE, {UI_FN(KEY_DC), UI_CTRL('d')}, NULL,
	 "Delete the character under the cursor."},
	{UI_CTX_FIELD, UI_ACT_FIELD_CLEAR, {UI_CTRL('u')}, NULL,
	 "Clear the field."},
};
#pragma GCC diagnostic pop
/* clang-format on */

static const char *const context_titles[] = {
#define UI_CONTEXT_TITLE(name, title) title,
    UI_CONTEXTS(UI_CONTEXT_TITLE)
#undef UI_CONTEXT_TITLE
};

int ui_key_from_curses(int status, wint_t ch)
{
	if (status == KEY_CODE_YES)
		return UI_FN((int)ch);
	return (int)ch;
}

bool ui_key_is_text(int key)
{
	if ((key & UI_KEY_FUNCTION) != 0)
		return false;
	if (key < 0x20 || key == UI_KEY_DEL)
		return false;
	return key < 0x80 || key >= 0xA0;
}

static bool binding_has_key(const struct ui_binding *binding, int key)
{
	size_t i;

	for (i = 0; i < UI_BINDING_KEYS_MAX && binding->keys[i] != 0; i++) {
		if (binding->keys[i] == key)
			return true;
	}
	return false;
}

static const struct ui_binding *lookup_context(enum ui_context context, int key)
{
	size_t i;

	for (i = 0; i < sizeof(bindings) / sizeof(bindings[0]); i++) {
		if (bindings[i].context == context &&
		    binding_has_key(&bindings[i], key))
			return &bindings[i];
	}
	return NULL;
}

const struct ui_binding *ui_keys_find(const enum ui_context *contexts,
                                      size_t count, int key)
{
	const struct ui_binding *binding;
	size_t i;

	for (i = 0; i < count; i++) {
		binding = lookup_context(contexts[i], key);
		if (binding != NULL)
			return binding;
	}
	return lookup_context(UI_CTX_GLOBAL, key);
}

static const char *function_key_name(int code)
{
	static const struct {
		int code;
		const char *name;
	} names[] = {
	    {KEY_UP, "Up"},       {KEY_DOWN, "Down"},
	    {KEY_LEFT, "Left"},   {KEY_RIGHT, "Right"},
	    {KEY_PPAGE, "PgUp"},  {KEY_NPAGE, "PgDn"},
	    {KEY_HOME, "Home"},   {KEY_END, "End"},
	    {KEY_DC, "Delete"},   {KEY_BACKSPACE, "Backspace"},
	    {KEY_ENTER, "Enter"}, {KEY_BTAB, "Shift-Tab"},
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].code == code)
			return names[i].name;
	}
	return NULL;
}

void ui_key_name(int key, char *buffer, size_t size)
{
	const char *name = NULL;

	if ((key & UI_KEY_FUNCTION) != 0) {
		int code = key & ~UI_KEY_FUNCTION;

		if (code >= KEY_F(1) && code <= KEY_F(12)) {
			snprintf(buffer, size, "F%d", code - KEY_F(0));
			return;
		}
		name = function_key_name(code);
		snprintf(buffer, size, "%s", name != NULL ? name : "?");
		return;
	}

	if (key == '\r' || key == '\n')
		name = "Enter";
	else if (key == UI_KEY_ESC)
		name = "Esc";
	else if (key == UI_KEY_TAB)
		name = "Tab";
	else if (key == UI_KEY_DEL)
		name = "Backspace";
	else if (key == ' ')
		name = "Space";
	if (name != NULL) {
		snprintf(buffer, size, "%s", name);
		return;
	}
	if (key > 0 && key < 0x20) {
		snprintf(buffer, size, "C-%c", key + 'a' - 1);
		return;
	}
	snprintf(buffer, size, "%c", key);
}

void ui_binding_keys_text(const struct ui_binding *binding, char *buffer,
                          size_t size)
{
	char seen[UI_BINDING_KEYS_MAX][16];
	size_t used = 0;
	size_t names = 0;
	size_t i;
	size_t j;

	buffer[0] = '\0';
	for (i = 0; i < UI_BINDING_KEYS_MAX && binding->keys[i] != 0; i++) {
		bool duplicate = false;

		ui_key_name(binding->keys[i], seen[names], sizeof(seen[0]));
		for (j = 0; j < names; j++)
			duplicate |= strcmp(seen[j], seen[names]) == 0;
		if (duplicate)
			continue;
		used += (size_t)snprintf(buffer + used,
		                         used < size ? size - used : 0, "%s%s",
		                         names > 0 ? ", " : "", seen[names]);
		names++;
	}
}

const char *ui_context_title(enum ui_context context)
{
	return context_titles[context];
}

const struct ui_binding *ui_keys_binding(enum ui_context context, size_t index)
{
	size_t i;

	for (i = 0; i < sizeof(bindings) / sizeof(bindings[0]); i++) {
		if (bindings[i].context != context)
			continue;
		if (index == 0)
			return &bindings[i];
		index--;
	}
	return NULL;
}

/* Prints a binding's key names as one markdown table cell, each in a
 * code span. */
static void print_markdown_keys(FILE *out, const struct ui_binding *binding)
{
	char names[128];
	char *name;
	char *rest;

	ui_binding_keys_text(binding, names, sizeof(names));
	for (name = strtok_r(names, ",", &rest); name != NULL;
	     name = strtok_r(NULL, ",", &rest)) {
		while (*name == ' ')
			name++;
		fprintf(out, "%s`%s`", name == names ? "" : ", ", name);
	}
}

void ui_keys_print_markdown(FILE *out)
{
	int context;

	for (context = 0; context < UI_CTX_COUNT; context++) {
		const struct ui_binding *binding;
		size_t index;

		fprintf(out, "%s### %s\n\n| Key | Action |\n| --- | --- |\n",
		        context == 0 ? "" : "\n", context_titles[context]);
		for (index = 0; (binding = ui_keys_binding(context, index));
		     index++) {
			fputs("| ", out);
			print_markdown_keys(out, binding);
			fprintf(out, " | %s%s |\n", binding->help,
			        binding->writes ? UI_KEYS_WRITES_NOTE : "");
		}
	}
}
