/* The one table of key bindings. The key bar, the help screen and the
 * user guide's key table are all generated from it. */
#ifndef CT_UI_KEYS_H
#define CT_UI_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <wchar.h>

/* A key in the UI: a character, or a curses function key code
 * (KEY_UP, KEY_F(1), ...) marked with UI_KEY_FUNCTION so that it cannot be
 * mistaken for a character with the same number. */
#define UI_KEY_FUNCTION 0x40000000
#define UI_FN(code)     (UI_KEY_FUNCTION | (code))
#define UI_CTRL(letter) ((letter)&0x1F)
#define UI_KEY_ESC      27
#define UI_KEY_TAB      9
#define UI_KEY_DEL      127

/* X(context, title shown in help and docs) */
#define UI_CONTEXTS(X)                                                         \
	X(UI_CTX_GLOBAL, "Everywhere")                                         \
	X(UI_CTX_ORGANIZATIONS, "Choosing an organization")                    \
	X(UI_CTX_MFA, "Second factor: typing the code")                        \
	X(UI_CTX_SEARCH_FIELD, "Patient search: typing in the query field")    \
	X(UI_CTX_SEARCH_LIST, "Patient search: moving in the results")         \
	X(UI_CTX_TEAM, "Care team")                                            \
	X(UI_CTX_PICK_PROVIDER, "Assign dialog: choosing a provider")          \
	X(UI_CTX_PICK_ROLE, "Choosing a role (Assign and Change role)")        \
	X(UI_CTX_CONFIRM,                                                      \
	  "Confirming a change (Assign, Change role, Make PRIMARY)")           \
	X(UI_CTX_REASON, "Giving a reason (Remove, PRIMARY reassignment)")     \
	X(UI_CTX_CONFLICT, "Conflict notice")                                  \
	X(UI_CTX_AUDIT, "Audit trail")                                         \
	X(UI_CTX_HELP, "Help")                                                 \
	X(UI_CTX_FIELD, "Editing any text field")

enum ui_context {
#define UI_CONTEXT_ENUM(name, title) name,
	UI_CONTEXTS(UI_CONTEXT_ENUM)
#undef UI_CONTEXT_ENUM
	    UI_CTX_COUNT
};

enum ui_action {
	UI_ACT_NONE,
	UI_ACT_QUIT,
	UI_ACT_HELP,
	UI_ACT_BACK,
	UI_ACT_UP,
	UI_ACT_DOWN,
	UI_ACT_PAGE_UP,
	UI_ACT_PAGE_DOWN,
	UI_ACT_FIRST,
	UI_ACT_LAST,
	UI_ACT_OPEN,
	UI_ACT_FOCUS_LIST,
	UI_ACT_FOCUS_FIELD,
	UI_ACT_ASSIGN,
	UI_ACT_REMOVE,
	UI_ACT_CHANGE_ROLE,
	UI_ACT_MAKE_PRIMARY,
	UI_ACT_HISTORY,
	UI_ACT_REFRESH,
	UI_ACT_REOPEN,
	UI_ACT_AUDIT,
	UI_ACT_CONFIRM,
	UI_ACT_CANCEL,
	UI_ACT_ROLE_PRIMARY,
	UI_ACT_ROLE_SPECIALIST,
	UI_ACT_ROLE_CONSULTANT,
	UI_ACT_FIELD_LEFT,
	UI_ACT_FIELD_RIGHT,
	UI_ACT_FIELD_HOME,
	UI_ACT_FIELD_END,
	UI_ACT_FIELD_BACKSPACE,
	UI_ACT_FIELD_DELETE,
	UI_ACT_FIELD_CLEAR,
};

#define UI_BINDING_KEYS_MAX 4

struct ui_binding {
	enum ui_context context;
	enum ui_action action;
	/* Keys that trigger the action, ended by 0 when fewer than the max. */
	int keys[UI_BINDING_KEYS_MAX];
	/* A word or two for the key bar, or NULL to leave it out of the bar. */
	const char *bar;
	/* One sentence for the help screen and the docs. */
	const char *help;
	/* The action changes a care team, so staff with read-only access are
	 * neither offered it (key bar, help) nor can run it. */
	bool writes;
};

/* Returns the key for a wget_wch result: status is what wget_wch returned
 * (OK or KEY_CODE_YES). */
int ui_key_from_curses(int status, wint_t ch);

/* Returns whether key is a character that a text field accepts. */
bool ui_key_is_text(int key);

/* Looks key up in the given contexts, in order, then in UI_CTX_GLOBAL.
 * Returns the first binding that matches, or NULL. */
const struct ui_binding *ui_keys_find(const enum ui_context *contexts,
                                      size_t count, int key);

/* Writes a key's name, as "Enter", "C-c", "PgDn" or "a", into buffer. */
void ui_key_name(int key, char *buffer, size_t size);

/* Writes the names of a binding's keys, comma separated, into buffer. */
void ui_binding_keys_text(const struct ui_binding *binding, char *buffer,
                          size_t size);

const char *ui_context_title(enum ui_context context);

/* Iterates over the table: returns the index-th binding of context, or
 * NULL past the last one. */
const struct ui_binding *ui_keys_binding(enum ui_context context, size_t index);

/* Prints the whole table as markdown, one table per context. */
void ui_keys_print_markdown(FILE *out);

#endif
