/* Parser and interpreter of pty scenario files. */
#include "script.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <liboath/oath.h>

enum {
	STEP_TIMEOUT_MS = 5000,
	STOP_GRACE_MS = 2000,
	SETTLE_MS = 300,    /* output silence that counts as a settled screen */
	RETRY_MAX_MS = 200, /* maximum pause between two sql-expect queries */
	MAX_TERMINAL_SIDE = 1000,
	PG_CTL_TIMEOUT_MS = 90000, /* the helper waits up to 60 s itself */
	MAX_ROLE_NAME = 63,        /* PostgreSQL's NAMEDATALEN - 1 */
	STDERR_DUMP_BYTES = 4000,
	QUOTE_MAX_BYTES = 1000,
};

struct run_state;
struct step;

/* One scenario command: how its arguments are parsed and how it runs. */
struct command {
	const char *name;
	bool (*parse)(struct step *step, const char *args, char *err,
	              size_t err_size);
	bool (*run)(struct run_state *state, const struct step *step);
};

/* One parsed line. Which fields are set depends on the command. */
struct step {
	const struct command *command;
	int line;
	char *text;     /* TEXT, FILE, STATEMENT or terminal NAME */
	char *expected; /* sql-expect's EXPECTED */
	char **words;   /* key names, or start's VAR=VALUE then ARGS */
	size_t word_count;
	size_t env_count;  /* start: words[0..env_count) are VAR=VALUE */
	char *config_user; /* start --config-user ROLE, or NULL */
	int number;        /* expect-row's N, expect-exit's status */
	int cols;
	int rows;
};

struct pty_script {
	char *path;
	char *name;
	char *screens_dir;
	struct step *steps;
	size_t step_count;
};

struct named_terminal {
	char *name;
	int start_line;
	struct pty_terminal *terminal;
};

struct run_state {
	const struct pty_script *script;
	const struct pty_run_settings *settings;
	int line; /* line of the step that runs, for messages */
	struct named_terminal *terminals;
	size_t terminal_count;
	struct pty_terminal *current;
	unsigned started;
	const char *expected_screen;
	struct pty_buffer *reason;
	struct pty_buffer *details;
};

static char *duplicate(const char *text)
{
	char *copy = strdup(text);

	if (!copy) {
		fprintf(stderr, "pty-run: out of memory\n");
		abort();
	}
	return copy;
}

static void *allocate_array(void *array, size_t count, size_t size)
{
	void *grown = reallocarray(array, count, size);

	if (!grown) {
		fprintf(stderr, "pty-run: out of memory\n");
		abort();
	}
	return grown;
}

/* ---- small text helpers ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *text)
{
	while (is_blank(*text))
		text++;
	return text;
}

/* Appends text in double quotes with C escapes for quotes, backslashes and
 * control characters, cut after QUOTE_MAX_BYTES. */
static void append_quoted(struct pty_buffer *out, const char *text)
{
	size_t len = strlen(text);

	pty_buffer_append(out, "\"", 1);
	for (size_t i = 0; i < len && i < QUOTE_MAX_BYTES; i++) {
		unsigned char c = (unsigned char)text[i];
		char escape[8];

		if (c == '\n')
			pty_buffer_append_str(out, "\\n");
		else if (c == '\t')
			pty_buffer_append_str(out, "\\t");
		else if (c == '"' || c == '\\')
			pty_buffer_append(out, (const char[]){'\\', (char)c},
			                  2);
		else if (c < 0x20 || c == 0x7F) {
			snprintf(escape, sizeof escape, "\\x%02x", c);
			pty_buffer_append_str(out, escape);
		} else
			pty_buffer_append(out, (const char *)&c, 1);
	}
	pty_buffer_append(out, "\"", 1);
	if (len > QUOTE_MAX_BYTES)
		pty_buffer_append_str(out, "...");
}

static char *quote(const char *text)
{
	struct pty_buffer out = {0};

	append_quoted(&out, text);
	return out.data;
}

/* Drops trailing blanks of every line and trailing blank lines, and ends
 * each remaining line with '\n': the form screens are compared in. */
static char *normalize_screen_text(const char *raw)
{
	struct pty_buffer out = {0};
	size_t content_end = 0;

	pty_buffer_append(&out, "", 0);
	while (*raw) {
		size_t len = strcspn(raw, "\n");
		size_t trimmed = len;

		while (trimmed > 0 &&
		       (is_blank(raw[trimmed - 1]) || raw[trimmed - 1] == '\r'))
			trimmed--;
		pty_buffer_append(&out, raw, trimmed);
		pty_buffer_append(&out, "\n", 1);
		if (trimmed > 0)
			content_end = out.len;
		raw += len + (raw[len] == '\n');
	}
	out.len = content_end;
	out.data[content_end] = '\0';
	return out.data;
}

/* The line with 0-based index row of text, without its '\n'. */
static char *line_of(const char *text, int row)
{
	for (int i = 0; i < row && *text; i++) {
		text += strcspn(text, "\n");
		text += *text == '\n';
	}
	return strndup(text, strcspn(text, "\n"));
}

static int first_different_line(const char *expected, const char *actual)
{
	int row = 0;

	for (;;) {
		size_t expected_len = strcspn(expected, "\n");
		size_t actual_len = strcspn(actual, "\n");

		if (expected_len != actual_len ||
		    memcmp(expected, actual, expected_len) != 0 ||
		    (*expected == '\0') != (*actual == '\0'))
			return row;
		if (*expected == '\0')
			return -1;
		expected += expected_len + (expected[expected_len] == '\n');
		actual += actual_len + (actual[actual_len] == '\n');
		row++;
	}
}

/* ---- files ---- */

static bool read_whole_file(const char *path, struct pty_buffer *content)
{
	FILE *file = fopen(path, "rb");
	char chunk[4096];
	size_t n;

	if (!file)
		return false;
	pty_buffer_append(content, "", 0);
	while ((n = fread(chunk, 1, sizeof chunk, file)) > 0)
		pty_buffer_append(content, chunk, n);
	fclose(file);
	return true;
}

/* Creates every missing directory above path. */
static bool make_parent_dirs(const char *path)
{
	char *copy = duplicate(path);
	bool ok = true;

	for (char *slash = strchr(copy + 1, '/'); slash && ok;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		ok = mkdir(copy, 0755) == 0 || errno == EEXIST;
		*slash = '/';
	}
	free(copy);
	return ok;
}

static bool write_whole_file(const char *path, const char *content, char *err,
                             size_t err_size)
{
	FILE *file;
	bool ok;

	if (!make_parent_dirs(path) || !(file = fopen(path, "wb"))) {
		snprintf(err, err_size, "failed to write %s: %s", path,
		         strerror(errno));
		return false;
	}
	ok = fputs(content, file) >= 0;
	ok = fclose(file) == 0 && ok;
	if (!ok)
		snprintf(err, err_size, "failed to write %s: %s", path,
		         strerror(errno));
	return ok;
}

static char *join_path(const char *dir, const char *name)
{
	struct pty_buffer path = {0};

	pty_buffer_append_str(&path, dir);
	pty_buffer_append_str(&path, "/");
	pty_buffer_append_str(&path, name);
	return path.data;
}

/* ---- parsing arguments ---- */

static bool valid_name(const char *name)
{
	if (*name == '\0')
		return false;
	for (; *name; name++) {
		if (!(*name >= 'a' && *name <= 'z') &&
		    !(*name >= 'A' && *name <= 'Z') &&
		    !(*name >= '0' && *name <= '9') && *name != '_' &&
		    *name != '-')
			return false;
	}
	return true;
}

static bool valid_variable(const char *word)
{
	const char *equals = strchr(word, '=');

	if (!equals || equals == word || (word[0] >= '0' && word[0] <= '9'))
		return false;
	for (const char *c = word; c < equals; c++) {
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') &&
		    !(*c >= '0' && *c <= '9') && *c != '_')
			return false;
	}
	return true;
}

/* A path below the screens or snapshots folder: no "..", not absolute. */
static bool valid_relative_path(const char *path)
{
	if (*path == '\0' || *path == '/')
		return false;
	for (const char *c = path; *c; c++) {
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') &&
		    !(*c >= '0' && *c <= '9') && !strchr("._-/", *c))
			return false;
	}
	return strstr(path, "..") == NULL && path[strlen(path) - 1] != '/';
}

static bool parse_int(const char *text, int min, int max, int *value)
{
	char *end;
	long number;

	if (*text == '\0' || is_blank(*text))
		return false;
	errno = 0;
	number = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || number < min || number > max)
		return false;
	*value = (int)number;
	return true;
}

static bool parse_size_word(const char *word, int *cols, int *rows)
{
	const char *x = strchr(word, 'x');
	char *cols_text;
	bool ok;

	if (!x)
		return false;
	cols_text = strndup(word, (size_t)(x - word));
	ok = cols_text && parse_int(cols_text, 1, MAX_TERMINAL_SIDE, cols) &&
	     parse_int(x + 1, 1, MAX_TERMINAL_SIDE, rows);
	free(cols_text);
	return ok;
}

/* Decodes the escapes \" \\ \n and \t at text. Returns the number of bytes
 * consumed, 0 when text does not start an escape. */
static size_t decode_escape(const char *text, char *decoded)
{
	static const char from[] = "\"\\nt";
	static const char to[] = "\"\\\n\t";
	const char *found;

	if (text[0] != '\\' || text[1] == '\0' ||
	    !(found = strchr(from, text[1])))
		return 0;
	*decoded = to[found - from];
	return 2;
}

/* Reads one word at *cursor. Double quotes group blanks into the word and
 * are removed. The escapes of decode_escape() work inside and outside
 * quotes. Sets *found to false at the end of the text. */
static bool next_word(const char **cursor, struct pty_buffer *word, bool *found,
                      char *err, size_t err_size)
{
	const char *c = skip_blanks(*cursor);
	bool quoted = false;

	word->len = 0;
	pty_buffer_append(word, "", 0);
	*found = *c != '\0';
	while (*c && (quoted || !is_blank(*c))) {
		char decoded;
		size_t used = decode_escape(c, &decoded);

		if (used) {
			pty_buffer_append(word, &decoded, 1);
			c += used;
		} else if (*c == '"') {
			quoted = !quoted;
			c++;
		} else
			pty_buffer_append(word, c++, 1);
	}
	*cursor = c;
	if (quoted)
		snprintf(err, err_size, "unterminated double quote");
	return !quoted;
}

static bool split_words(const char *args, struct step *step, char *err,
                        size_t err_size)
{
	struct pty_buffer word = {0};
	bool found = true;
	bool ok = true;

	while (ok && found) {
		ok = next_word(&args, &word, &found, err, err_size);
		if (ok && found) {
			step->words =
			    allocate_array(step->words, step->word_count + 1,
			                   sizeof *step->words);
			step->words[step->word_count++] = duplicate(word.data);
		}
	}
	pty_buffer_free(&word);
	return ok;
}

/* ---- parsers of each command ---- */

static bool parse_text(struct step *step, const char *args, char *err,
                       size_t err_size)
{
	if (*skip_blanks(args) == '\0') {
		snprintf(err, err_size, "%s needs an argument",
		         step->command->name);
		return false;
	}
	step->text = duplicate(args);
	return true;
}

static bool parse_nothing(struct step *step, const char *args, char *err,
                          size_t err_size)
{
	if (*skip_blanks(args) != '\0') {
		snprintf(err, err_size, "%s takes no argument",
		         step->command->name);
		return false;
	}
	return true;
}

static bool parse_one_word(struct step *step, const char *args, char *err,
                           size_t err_size)
{
	if (!split_words(args, step, err, err_size))
		return false;
	if (step->word_count != 1) {
		snprintf(err, err_size, "%s needs exactly one argument",
		         step->command->name);
		return false;
	}
	step->text = duplicate(step->words[0]);
	return true;
}

static bool parse_terminal_name(struct step *step, const char *args, char *err,
                                size_t err_size)
{
	if (!parse_one_word(step, args, err, err_size))
		return false;
	if (!valid_name(step->text)) {
		snprintf(err, err_size,
		         "invalid terminal name \"%s\": use letters, digits, "
		         "_ and -",
		         step->text);
		return false;
	}
	return true;
}

static bool parse_file(struct step *step, const char *args, char *err,
                       size_t err_size)
{
	if (!parse_one_word(step, args, err, err_size))
		return false;
	if (!valid_relative_path(step->text)) {
		snprintf(err, err_size,
		         "invalid file name \"%s\": use a relative path of "
		         "letters, digits, '.', '_', '-' and '/' without '..'",
		         step->text);
		return false;
	}
	return true;
}

static bool parse_size(struct step *step, const char *args, char *err,
                       size_t err_size)
{
	if (!parse_one_word(step, args, err, err_size))
		return false;
	if (!parse_size_word(step->text, &step->cols, &step->rows)) {
		snprintf(err, err_size,
		         "invalid size \"%s\": expected COLSxROWS, each 1 to "
		         "%d",
		         step->text, MAX_TERMINAL_SIDE);
		return false;
	}
	return true;
}

static bool parse_exit_status(struct step *step, const char *args, char *err,
                              size_t err_size)
{
	if (!parse_one_word(step, args, err, err_size))
		return false;
	if (!parse_int(step->text, 0, 255, &step->number)) {
		snprintf(err, err_size,
		         "invalid exit status \"%s\": expected 0 to 255",
		         step->text);
		return false;
	}
	return true;
}

static bool parse_row(struct step *step, const char *args, char *err,
                      size_t err_size)
{
	const char *row = skip_blanks(args);
	size_t len = strcspn(row, " \t");
	char *number = strndup(row, len);
	bool ok = number &&
	          parse_int(number, 0, MAX_TERMINAL_SIDE - 1, &step->number);

	free(number);
	if (!ok || !is_blank(row[len]) || row[len + 1] == '\0') {
		snprintf(err, err_size,
		         "expect-row needs a row number (0-based) and TEXT");
		return false;
	}
	step->text = duplicate(row + len + 1);
	return true;
}

static bool parse_keys(struct step *step, const char *args, char *err,
                       size_t err_size)
{
	if (!split_words(args, step, err, err_size))
		return false;
	if (step->word_count == 0) {
		snprintf(err, err_size, "key needs at least one key");
		return false;
	}
	for (size_t i = 0; i < step->word_count; i++) {
		const char *word = step->words[i];
		size_t len = strlen(word);

		if (len >= 3 && word[0] == '<' && word[len - 1] == '>' &&
		    !pty_key_name_valid(word)) {
			snprintf(err, err_size,
			         "unknown key %s (tests/pty/README.md lists "
			         "the key names)",
			         word);
			return false;
		}
	}
	return true;
}

/* Moves words[from..] down to words[to..] to drop NAME, SIZE and "--". */
static void drop_words(struct step *step, size_t to, size_t from)
{
	for (size_t i = to; i < from; i++)
		free(step->words[i]);
	memmove(step->words + to, step->words + from,
	        (step->word_count - from) * sizeof *step->words);
	step->word_count -= from - to;
}

/* A role name for --config-user: lowercase letters, digits and _, so it
 * needs no quoting inside a conninfo string. */
static bool valid_role(const char *role)
{
	size_t len = strlen(role);

	if (len == 0 || len > MAX_ROLE_NAME ||
	    (role[0] >= '0' && role[0] <= '9'))
		return false;
	return strspn(role, "abcdefghijklmnopqrstuvwxyz0123456789_") == len;
}

/* Takes "--config-user ROLE" out of the words before "--" at index i. */
static bool take_config_user(struct step *step, size_t i, char *err,
                             size_t err_size)
{
	if (i + 1 >= step->word_count || !valid_role(step->words[i + 1])) {
		snprintf(err, err_size,
		         "--config-user needs a ROLE of lowercase letters, "
		         "digits and _");
		return false;
	}
	if (step->config_user) {
		snprintf(err, err_size, "--config-user is given twice");
		return false;
	}
	step->config_user = duplicate(step->words[i + 1]);
	drop_words(step, i, i + 2);
	return true;
}

static bool parse_start(struct step *step, const char *args, char *err,
                        size_t err_size)
{
	size_t i = 2;

	if (!split_words(args, step, err, err_size))
		return false;
	if (step->word_count < 2 || !valid_name(step->words[0]) ||
	    !parse_size_word(step->words[1], &step->cols, &step->rows)) {
		snprintf(err, err_size,
		         "start needs NAME COLSxROWS [VAR=VALUE ...] "
		         "[--config-user ROLE] [-- ARGS...]");
		return false;
	}
	while (i < step->word_count && strcmp(step->words[i], "--") != 0) {
		if (strcmp(step->words[i], "--config-user") == 0) {
			if (!take_config_user(step, i, err, err_size))
				return false;
			continue;
		}
		if (!valid_variable(step->words[i])) {
			snprintf(
			    err, err_size,
			    "expected VAR=VALUE, --config-user ROLE or --, "
			    "got \"%s\"",
			    step->words[i]);
			return false;
		}
		i++;
	}
	step->text = duplicate(step->words[0]);
	step->env_count = i - 2;
	if (i < step->word_count)
		drop_words(step, i, i + 1);
	drop_words(step, 0, 2);
	return true;
}

static bool parse_words(struct step *step, const char *args, char *err,
                        size_t err_size)
{
	if (!split_words(args, step, err, err_size))
		return false;
	if (step->word_count == 0) {
		snprintf(err, err_size, "%s needs an argument",
		         step->command->name);
		return false;
	}
	return true;
}

/* Reads a double-quoted string with the escapes of decode_escape(). */
static const char *parse_quoted(const char *text, struct pty_buffer *out)
{
	if (*text != '"')
		return NULL;
	pty_buffer_append(out, "", 0);
	for (text++; *text && *text != '"';) {
		char decoded;
		size_t used = decode_escape(text, &decoded);

		if (used) {
			pty_buffer_append(out, &decoded, 1);
			text += used;
		} else
			pty_buffer_append(out, text++, 1);
	}
	return *text == '"' ? text + 1 : NULL;
}

static bool parse_sql_expect(struct step *step, const char *args, char *err,
                             size_t err_size)
{
	struct pty_buffer expected = {0};
	const char *rest = parse_quoted(skip_blanks(args), &expected);

	if (!rest || !is_blank(*rest) || *skip_blanks(rest) == '\0') {
		pty_buffer_free(&expected);
		snprintf(err, err_size,
		         "sql-expect needs \"EXPECTED\" and a STATEMENT");
		return false;
	}
	step->expected = expected.data;
	step->text = duplicate(skip_blanks(rest));
	return true;
}

/* ---- running: failures ---- */

/* Records a failure at the line of the running step. The first failure
 * becomes the reason; later ones (from cleanup) go to the details. */
__attribute__((format(printf, 2, 3))) static bool fail(struct run_state *state,
                                                       const char *format, ...)
{
	struct pty_buffer *out =
	    state->reason->len ? state->details : state->reason;
	char line_prefix[64];
	char *message;
	va_list args;
	va_list copy;
	int len;

	va_start(args, format);
	va_copy(copy, args);
	len = vsnprintf(NULL, 0, format, copy);
	va_end(copy);
	message = malloc(len < 0 ? 1 : (size_t)len + 1);
	if (!message) {
		fprintf(stderr, "pty-run: out of memory\n");
		abort();
	}
	if (len < 0)
		message[0] = '\0';
	else
		vsnprintf(message, (size_t)len + 1, format, args);
	va_end(args);
	if (out == state->details)
		pty_buffer_append_str(out, "also ");
	pty_buffer_append_str(out, state->script->path);
	snprintf(line_prefix, sizeof line_prefix, ":%d: ", state->line);
	pty_buffer_append_str(out, line_prefix);
	pty_buffer_append_str(out, message);
	if (out == state->details)
		pty_buffer_append_str(out, "\n");
	free(message);
	return false;
}

static bool fail_no_terminal(struct run_state *state)
{
	return fail(state, "no terminal: start one first");
}

static void describe_status(int status, char *text, size_t size)
{
	if (WIFEXITED(status))
		snprintf(text, size, "exited with status %d",
		         WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(text, size, "was killed by signal %d (%s)",
		         WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(text, size, "stopped with wait status %d", status);
}

static int scaled_ms(const struct run_state *state, int base_ms)
{
	double ms = base_ms * state->settings->timeout_scale;

	return ms > INT_MAX / 2 ? INT_MAX / 2 : (int)ms;
}

static double step_timeout_s(const struct run_state *state)
{
	return scaled_ms(state, STEP_TIMEOUT_MS) / 1000.0;
}

/* ---- running: waiting ---- */

typedef bool condition_fn(struct run_state *state, const struct step *step);

enum wait_result { WAIT_MET, WAIT_TIMED_OUT, WAIT_EXITED };

/* Re-checks condition after every burst of output until it holds, the
 * step timeout passes or (with stop_on_exit) the current program has
 * exited. Screen conditions change only when output arrives, so waking on
 * output is enough for them. */
static enum wait_result wait_until(struct run_state *state,
                                   const struct step *step,
                                   condition_fn *condition, bool stop_on_exit)
{
	long long deadline = pty_now_ms() + scaled_ms(state, STEP_TIMEOUT_MS);

	pty_drain();
	for (;;) {
		if (condition(state, step))
			return WAIT_MET;
		if (stop_on_exit && pty_terminal_exited(state->current, NULL))
			return WAIT_EXITED;
		if (pty_remaining_ms(deadline) == 0)
			return WAIT_TIMED_OUT;
		pty_poll(pty_remaining_ms(deadline));
	}
}

/* Waits for output or for a pause that doubles up to RETRY_MAX_MS, for
 * conditions that no output announces (database rows, stderr files). */
static void pause_for_retry(int *pause_ms, long long deadline)
{
	int remaining = pty_remaining_ms(deadline);

	pty_poll(*pause_ms < remaining ? *pause_ms : remaining);
	if (*pause_ms < RETRY_MAX_MS)
		*pause_ms *= 2;
}

/* Fails a wait that did not succeed, saying whether it timed out or the
 * program exited first. what names the awaited thing. */
static bool fail_wait(struct run_state *state, enum wait_result result,
                      const char *what)
{
	const char *name = pty_terminal_name(state->current);
	char status_text[128];
	int status;

	if (result == WAIT_EXITED &&
	    pty_terminal_exited(state->current, &status)) {
		describe_status(status, status_text, sizeof status_text);
		return fail(state,
		            "the program in terminal %s %s while waiting for "
		            "%s",
		            name, status_text, what);
	}
	return fail(state,
	            "timed out after %.1f s in terminal %s waiting for %s",
	            step_timeout_s(state), name, what);
}

/* Waits for condition on the screen. A failure names what was awaited as
 * prefix, the quoted step text, then suffix. */
static bool wait_on_screen(struct run_state *state, const struct step *step,
                           condition_fn *condition, const char *prefix,
                           const char *suffix)
{
	enum wait_result result;
	struct pty_buffer what = {0};
	bool ok;

	if (!state->current)
		return fail_no_terminal(state);
	result = wait_until(state, step, condition, true);
	if (result == WAIT_MET)
		return true;
	pty_buffer_append_str(&what, prefix);
	append_quoted(&what, step->text);
	pty_buffer_append_str(&what, suffix);
	ok = fail_wait(state, result, what.data);
	pty_buffer_free(&what);
	return ok;
}

/* ---- running: terminals ---- */

static struct named_terminal *find_terminal(struct run_state *state,
                                            const char *name)
{
	for (size_t i = 0; i < state->terminal_count; i++) {
		if (strcmp(state->terminals[i].name, name) == 0)
			return &state->terminals[i];
	}
	return NULL;
}

/* Stops the program of entry and checks that it restored the terminal. */
static bool retire_terminal(struct run_state *state,
                            struct named_terminal *entry)
{
	enum pty_stop stop =
	    pty_terminal_stop(entry->terminal, scaled_ms(state, STOP_GRACE_MS));
	int status = 0;
	int saved_line = state->line;
	bool ok = true;

	if (stop != PTY_STOP_EXITED)
		fprintf(stderr,
		        "pty-run: %s:%d: NOTE: the program in terminal %s did "
		        "not exit after %s, so it got %s\n",
		        state->script->path, entry->start_line, entry->name,
		        stop == PTY_STOP_KILLED ? "<C-c> and SIGTERM" : "<C-c>",
		        stop == PTY_STOP_KILLED ? "SIGKILL" : "SIGTERM");
	pty_terminal_exited(entry->terminal, &status);
	state->line = entry->start_line;
	if (WIFEXITED(status) && pty_terminal_altscreen(entry->terminal))
		ok = fail(state,
		          "the program in terminal %s exited but left the "
		          "alternate screen active (terminal not restored)",
		          entry->name);
	state->line = saved_line;
	if (state->current == entry->terminal)
		state->current = NULL;
	pty_terminal_free(entry->terminal);
	entry->terminal = NULL;
	return ok;
}

static char **build_argv(const struct run_state *state, const struct step *step,
                         const char *config)
{
	const struct pty_run_settings *settings = state->settings;
	size_t args = step->word_count - step->env_count;
	char **argv = allocate_array(NULL, args + 4, sizeof *argv);
	size_t count = 0;

	argv[count++] = (char *)settings->program;
	if (config) {
		argv[count++] = (char *)"--config";
		argv[count++] = (char *)config;
	}
	for (size_t i = 0; i < args; i++)
		argv[count++] = step->words[step->env_count + i];
	argv[count] = NULL;
	return argv;
}

static char *stderr_path_for(struct run_state *state, const char *name)
{
	struct pty_buffer path = {0};
	char number[32];

	snprintf(number, sizeof number, ".%u.stderr", ++state->started);
	pty_buffer_append_str(&path, state->settings->tmp_dir);
	pty_buffer_append_str(&path, "/");
	pty_buffer_append_str(&path, state->script->name);
	pty_buffer_append_str(&path, ".");
	pty_buffer_append_str(&path, name);
	pty_buffer_append_str(&path, number);
	return path.data;
}

static struct named_terminal *add_terminal(struct run_state *state,
                                           const char *name)
{
	struct named_terminal *entry = find_terminal(state, name);

	if (entry)
		return entry;
	state->terminals =
	    allocate_array(state->terminals, state->terminal_count + 1,
	                   sizeof *state->terminals);
	entry = &state->terminals[state->terminal_count++];
	entry->name = duplicate(name);
	entry->terminal = NULL;
	return entry;
}

/* Finds the conninfo string value in libconfig text: the first
 * "conninfo = \"...\"" (or ':'). Sets *end to its closing quote. */
static const char *find_conninfo(const char *text, const char **end)
{
	const char *at = text;

	while ((at = strstr(at, "conninfo")) != NULL) {
		const char *c = skip_blanks(at + strlen("conninfo"));

		at += strlen("conninfo");
		if (*c != '=' && *c != ':')
			continue;
		c = skip_blanks(c + 1);
		if (*c != '"')
			continue;
		for (*end = c + 1; **end && **end != '"'; (*end)++) {
			if (**end == '\\' && (*end)[1])
				(*end)++;
		}
		return **end == '"' ? c + 1 : NULL;
	}
	return NULL;
}

/* Writes a copy of CT_TEST_CONFIG whose conninfo ends in " user=ROLE",
 * which libpq reads as the last and so winning user keyword, and returns
 * its path. Returns NULL after recording a failure. */
static char *write_user_config(struct run_state *state, const char *role)
{
	const struct pty_run_settings *settings = state->settings;
	struct pty_buffer original = {0};
	struct pty_buffer copy = {0};
	struct pty_buffer path = {0};
	const char *value;
	const char *end = NULL;
	char err[512];

	if (!settings->config) {
		fail(state, "--config-user needs CT_TEST_CONFIG");
		return NULL;
	}
	if (!read_whole_file(settings->config, &original)) {
		fail(state, "failed to read %s: %s", settings->config,
		     strerror(errno));
		return NULL;
	}
	value = find_conninfo(original.data, &end);
	if (!value || strncmp(value, "postgres", 8) == 0) {
		fail(state,
		     "--config-user needs a keyword=value conninfo string in "
		     "%s",
		     settings->config);
		pty_buffer_free(&original);
		return NULL;
	}
	pty_buffer_append(&copy, original.data, (size_t)(end - original.data));
	pty_buffer_append_str(&copy, " user=");
	pty_buffer_append_str(&copy, role);
	pty_buffer_append_str(&copy, end);
	pty_buffer_free(&original);
	pty_buffer_append_str(&path, settings->tmp_dir);
	pty_buffer_append_str(&path, "/");
	pty_buffer_append_str(&path, state->script->name);
	pty_buffer_append_str(&path, ".");
	pty_buffer_append_str(&path, role);
	pty_buffer_append_str(&path, ".conf");
	if (!write_whole_file(path.data, copy.data, err, sizeof err)) {
		fail(state, "%s", err);
		pty_buffer_free(&path);
	}
	pty_buffer_free(&copy);
	return path.data;
}

static bool run_start(struct run_state *state, const struct step *step)
{
	struct named_terminal *entry = find_terminal(state, step->text);
	char *user_config = NULL;
	char err[512];

	if (entry && entry->terminal &&
	    !pty_terminal_exited(entry->terminal, NULL))
		return fail(state, "terminal %s is already running",
		            step->text);
	if (entry && entry->terminal && !retire_terminal(state, entry))
		return false;

	if (step->config_user &&
	    !(user_config = write_user_config(state, step->config_user)))
		return false;

	char **argv = build_argv(
	    state, step, user_config ? user_config : state->settings->config);
	char *stderr_path = stderr_path_for(state, step->text);
	struct pty_spawn spawn = {
	    .name = step->text,
	    .program = state->settings->program,
	    .argv = argv,
	    .env_overrides = step->words,
	    .env_override_count = step->env_count,
	    .stderr_path = stderr_path,
	    .cols = step->cols,
	    .rows = step->rows,
	};
	struct pty_terminal *terminal =
	    pty_terminal_start(&spawn, err, sizeof err);

	free(argv);
	free(stderr_path);
	free(user_config);
	if (!terminal)
		return fail(state, "failed to start terminal %s: %s",
		            step->text, err);
	entry = add_terminal(state, step->text);
	entry->terminal = terminal;
	entry->start_line = step->line;
	state->current = terminal;
	return true;
}

static bool run_use(struct run_state *state, const struct step *step)
{
	struct named_terminal *entry = find_terminal(state, step->text);

	if (!entry || !entry->terminal)
		return fail(state, "no terminal named %s was started",
		            step->text);
	state->current = entry->terminal;
	return true;
}

/* ---- running: input ---- */

static long long step_deadline(const struct run_state *state)
{
	return pty_now_ms() + scaled_ms(state, STEP_TIMEOUT_MS);
}

/* Sends text one UTF-8 character per write(), as typing would. */
static bool send_typed(struct run_state *state, const char *text,
                       long long deadline)
{
	char err[512];

	while (*text) {
		size_t len = 1;

		while ((text[len] & 0xC0) == 0x80)
			len++;
		if (!pty_terminal_send(state->current, text, len, deadline, err,
		                       sizeof err))
			return fail(state, "%s", err);
		text += len;
	}
	return true;
}

static bool run_type(struct run_state *state, const struct step *step)
{
	if (!state->current)
		return fail_no_terminal(state);
	return send_typed(state, step->text, step_deadline(state));
}

static bool run_paste(struct run_state *state, const struct step *step)
{
	char err[512];

	if (!state->current)
		return fail_no_terminal(state);
	if (!pty_terminal_send(state->current, step->text, strlen(step->text),
	                       step_deadline(state), err, sizeof err))
		return fail(state, "%s", err);
	return true;
}

/* Types the current RFC 6238 code (6 digits, 30 s steps) of a secret
 * given as its raw bytes in ASCII, as an authenticator app shows it. */
static bool run_type_totp(struct run_state *state, const struct step *step)
{
	static bool oath_ready;
	char code[16];
	int status;

	if (!state->current)
		return fail_no_terminal(state);
	if (!oath_ready) {
		status = oath_init();
		if (status != OATH_OK)
			return fail(state, "oath_init failed: %s",
			            oath_strerror(status));
		oath_ready = true;
	}
	status = oath_totp_generate(step->text, strlen(step->text), time(NULL),
	                            OATH_TOTP_DEFAULT_TIME_STEP_SIZE,
	                            OATH_TOTP_DEFAULT_START_TIME, 6, code);
	if (status != OATH_OK)
		return fail(state, "oath_totp_generate failed: %s",
		            oath_strerror(status));
	return send_typed(state, code, step_deadline(state));
}

static bool send_key(struct run_state *state, const char *key,
                     long long deadline)
{
	struct pty_buffer bytes = {0};
	char err[512];
	bool ok;

	if (!pty_terminal_key(state->current, key, &bytes, err, sizeof err))
		return fail(state, "%s", err);
	ok = pty_terminal_send(state->current, bytes.data, bytes.len, deadline,
	                       err, sizeof err);
	pty_buffer_free(&bytes);
	return ok || fail(state, "%s", err);
}

/* Sends each named key as one write() and each bare word one character
 * per write(). */
static bool run_key(struct run_state *state, const struct step *step)
{
	long long deadline = step_deadline(state);

	if (!state->current)
		return fail_no_terminal(state);
	for (size_t i = 0; i < step->word_count; i++) {
		const char *word = step->words[i];
		size_t len = strlen(word);
		bool named = len >= 3 && word[0] == '<' && word[len - 1] == '>';

		if (named ? !send_key(state, word, deadline)
		          : !send_typed(state, word, deadline))
			return false;
	}
	return true;
}

static bool run_resize(struct run_state *state, const struct step *step)
{
	char err[512];

	if (!state->current)
		return fail_no_terminal(state);
	if (!pty_terminal_resize(state->current, step->cols, step->rows, err,
	                         sizeof err))
		return fail(state, "%s", err);
	return true;
}

/* ---- running: screen checks ---- */

static bool screen_has_text(struct run_state *state, const struct step *step)
{
	return pty_terminal_contains(state->current, step->text);
}

static bool screen_lacks_text(struct run_state *state, const struct step *step)
{
	return !pty_terminal_contains(state->current, step->text);
}

static bool row_has_text(struct run_state *state, const struct step *step)
{
	char *row = pty_terminal_row(state->current, step->number);
	bool found = row && strstr(row, step->text);

	free(row);
	return found;
}

static bool screen_has_color(struct run_state *state, const struct step *step)
{
	(void)step;
	return pty_terminal_has_color(state->current);
}

static bool screen_lacks_color(struct run_state *state, const struct step *step)
{
	(void)step;
	return !pty_terminal_has_color(state->current);
}

static bool run_wait(struct run_state *state, const struct step *step)
{
	return wait_on_screen(state, step, screen_has_text, "", "");
}

static bool run_wait_gone(struct run_state *state, const struct step *step)
{
	return wait_on_screen(state, step, screen_lacks_text, "",
	                      " to disappear");
}

static bool run_expect_color(struct run_state *state, const struct step *step)
{
	enum wait_result result;

	if (!state->current)
		return fail_no_terminal(state);
	result = wait_until(state, step, screen_has_color, true);
	return result == WAIT_MET ||
	       fail_wait(state, result, "a cell with a non-default colour");
}

static bool run_expect_no_color(struct run_state *state,
                                const struct step *step)
{
	enum wait_result result;

	if (!state->current)
		return fail_no_terminal(state);
	result = wait_until(state, step, screen_lacks_color, true);
	return result == WAIT_MET ||
	       fail_wait(state, result, "a screen without non-default colours");
}

static bool run_expect_row(struct run_state *state, const struct step *step)
{
	int cols, rows;
	char *row;
	char *quoted_row;
	char prefix[64];

	if (!state->current)
		return fail_no_terminal(state);
	pty_terminal_size(state->current, &cols, &rows);
	if (step->number >= rows)
		return fail(state, "row %d is outside the %dx%d screen",
		            step->number, cols, rows);
	snprintf(prefix, sizeof prefix, "row %d to contain ", step->number);
	if (wait_on_screen(state, step, row_has_text, prefix, ""))
		return true;
	row = pty_terminal_row(state->current, step->number);
	quoted_row = quote(row ? row : "");
	pty_buffer_append_str(state->details, "row was ");
	pty_buffer_append_str(state->details, quoted_row);
	pty_buffer_append_str(state->details, "\n");
	free(row);
	free(quoted_row);
	return false;
}

static bool screen_matches(struct run_state *state, const struct step *step)
{
	char *actual = pty_terminal_screen(state->current);
	bool same = strcmp(actual, state->expected_screen) == 0;

	(void)step;
	free(actual);
	return same;
}

/* Waits until no output has arrived for SETTLE_MS, at most one step
 * timeout. Used only where there is no expected screen to wait for. */
static void settle(struct run_state *state)
{
	long long deadline = step_deadline(state);

	while (pty_remaining_ms(deadline) > 0) {
		int quiet = scaled_ms(state, SETTLE_MS);
		int remaining = pty_remaining_ms(deadline);

		if (!pty_poll(quiet < remaining ? quiet : remaining))
			break;
	}
}

static bool update_screen_file(struct run_state *state, const char *path)
{
	struct pty_buffer old = {0};
	char *actual;
	char err[512];
	bool ok = true;

	settle(state);
	actual = pty_terminal_screen(state->current);
	if (!read_whole_file(path, &old) || strcmp(old.data, actual) != 0) {
		ok = write_whole_file(path, actual, err, sizeof err);
		if (ok)
			fprintf(stderr, "pty-run: wrote %s\n", path);
		else
			fail(state, "%s", err);
	}
	pty_buffer_free(&old);
	free(actual);
	return ok;
}

static void describe_difference(struct run_state *state, const char *expected,
                                const char *actual)
{
	int row = first_different_line(expected, actual);

	if (row < 0)
		return;
	char *expected_line = line_of(expected, row);
	char *actual_line = line_of(actual, row);
	char *quoted_expected = quote(expected_line);
	char *quoted_actual = quote(actual_line);
	char header[64];

	snprintf(header, sizeof header, "first difference at row %d:\n", row);
	pty_buffer_append_str(state->details, header);
	pty_buffer_append_str(state->details, "  expected ");
	pty_buffer_append_str(state->details, quoted_expected);
	pty_buffer_append_str(state->details, "\n  actual   ");
	pty_buffer_append_str(state->details, quoted_actual);
	pty_buffer_append_str(state->details, "\n");
	free(expected_line);
	free(actual_line);
	free(quoted_expected);
	free(quoted_actual);
}

/* Writes the actual screen next to the build's other pty output and fails
 * with the paths of both files. */
static bool fail_screen(struct run_state *state, const struct step *step,
                        const char *expected_path, const char *expected,
                        enum wait_result result)
{
	char *actual_path = join_path(state->settings->output_dir, step->text);
	char *actual = pty_terminal_screen(state->current);
	char err[512];
	struct pty_buffer what = {0};
	struct pty_buffer path = {0};

	pty_buffer_append_str(&path, actual_path);
	pty_buffer_append_str(&path, ".actual");
	free(actual_path);
	actual_path = path.data;
	if (!write_whole_file(actual_path, actual, err, sizeof err)) {
		pty_buffer_append_str(state->details, err);
		pty_buffer_append_str(state->details, "\n");
	}
	if (expected)
		describe_difference(state, expected, actual);
	pty_buffer_append_str(&what, "the screen to match ");
	pty_buffer_append_str(&what, expected_path);
	pty_buffer_append_str(&what, " (actual screen written to ");
	pty_buffer_append_str(&what, actual_path);
	pty_buffer_append_str(&what, ")");
	if (expected)
		fail_wait(state, result, what.data);
	else
		fail(state,
		     "expected screen %s does not exist (actual screen "
		     "written to %s; run with CT_PTY_UPDATE=1 to create it)",
		     expected_path, actual_path);
	pty_buffer_free(&what);
	free(actual);
	free(actual_path);
	return false;
}

/* Deletes the FILE.actual an earlier failing run left, so only current
 * failures leave one. */
static void remove_stale_actual(struct run_state *state,
                                const struct step *step)
{
	char *base = join_path(state->settings->output_dir, step->text);
	struct pty_buffer path = {0};

	pty_buffer_append_str(&path, base);
	pty_buffer_append_str(&path, ".actual");
	unlink(path.data);
	pty_buffer_free(&path);
	free(base);
}

static bool run_expect_screen(struct run_state *state, const struct step *step)
{
	char *path;
	struct pty_buffer raw = {0};
	char *expected = NULL;
	enum wait_result result = WAIT_TIMED_OUT;
	bool ok;

	if (!state->current)
		return fail_no_terminal(state);
	path = join_path(state->script->screens_dir, step->text);
	if (state->settings->update_screens) {
		ok = update_screen_file(state, path);
		free(path);
		return ok;
	}
	if (read_whole_file(path, &raw)) {
		expected = normalize_screen_text(raw.data);
		state->expected_screen = expected;
		result = wait_until(state, step, screen_matches, true);
	}
	if (result == WAIT_MET)
		remove_stale_actual(state, step);
	ok = result == WAIT_MET ||
	     fail_screen(state, step, path, expected, result);
	state->expected_screen = NULL;
	pty_buffer_free(&raw);
	free(expected);
	free(path);
	return ok;
}

static bool run_snapshot(struct run_state *state, const struct step *step)
{
	struct pty_buffer name = {0};
	char *path;
	char *screen;
	char err[512];
	bool ok;

	if (!state->current)
		return fail_no_terminal(state);
	pty_drain();
	pty_buffer_append_str(&name, "snapshots/");
	pty_buffer_append_str(&name, step->text);
	path = join_path(state->settings->output_dir, name.data);
	screen = pty_terminal_screen(state->current);
	ok = write_whole_file(path, screen, err, sizeof err) ||
	     fail(state, "%s", err);
	free(screen);
	free(path);
	pty_buffer_free(&name);
	return ok;
}

/* ---- running: program exit and stderr ---- */

static bool program_exited(struct run_state *state, const struct step *step)
{
	(void)step;
	return pty_terminal_exited(state->current, NULL);
}

static bool run_expect_exit(struct run_state *state, const struct step *step)
{
	char status_text[128];
	int status;

	if (!state->current)
		return fail_no_terminal(state);
	if (wait_until(state, step, program_exited, false) != WAIT_MET)
		return fail(state,
		            "timed out after %.1f s waiting for the program "
		            "in terminal %s to exit",
		            step_timeout_s(state),
		            pty_terminal_name(state->current));
	pty_terminal_exited(state->current, &status);
	if (WIFEXITED(status) && WEXITSTATUS(status) == step->number)
		return true;
	describe_status(status, status_text, sizeof status_text);
	return fail(state, "the program in terminal %s %s, expected status %d",
	            pty_terminal_name(state->current), status_text,
	            step->number);
}

static bool stderr_has_text(struct run_state *state, const char *text)
{
	struct pty_buffer content = {0};
	bool found = read_whole_file(pty_terminal_stderr_path(state->current),
	                             &content) &&
	             strstr(content.data, text);

	pty_buffer_free(&content);
	return found;
}

static void append_stderr(struct pty_buffer *out,
                          const struct pty_terminal *terminal)
{
	struct pty_buffer content = {0};
	const char *start;

	if (!read_whole_file(pty_terminal_stderr_path(terminal), &content) ||
	    content.len == 0) {
		pty_buffer_append_str(out, "stderr of terminal ");
		pty_buffer_append_str(out, pty_terminal_name(terminal));
		pty_buffer_append_str(out, " is empty\n");
		pty_buffer_free(&content);
		return;
	}
	start = content.data;
	if (content.len > STDERR_DUMP_BYTES)
		start += content.len - STDERR_DUMP_BYTES;
	pty_buffer_append_str(out, "stderr of terminal ");
	pty_buffer_append_str(out, pty_terminal_name(terminal));
	pty_buffer_append_str(
	    out, content.len > STDERR_DUMP_BYTES ? " (last bytes):\n" : ":\n");
	pty_buffer_append_str(out, start);
	if (content.data[content.len - 1] != '\n')
		pty_buffer_append_str(out, "\n");
	pty_buffer_free(&content);
}

/* Waits until the program's stderr file contains TEXT. The file can grow
 * without any pty output, so this re-reads it after short pauses. */
static bool run_expect_stderr(struct run_state *state, const struct step *step)
{
	long long deadline = step_deadline(state);
	int pause_ms = 10;
	char *quoted;

	if (!state->current)
		return fail_no_terminal(state);
	for (;;) {
		bool exited = pty_terminal_exited(state->current, NULL);

		if (stderr_has_text(state, step->text))
			return true;
		if (exited || pty_remaining_ms(deadline) == 0)
			break;
		pause_for_retry(&pause_ms, deadline);
	}
	quoted = quote(step->text);
	fail(state, "stderr of terminal %s does not contain %s%s",
	     pty_terminal_name(state->current), quoted,
	     pty_terminal_exited(state->current, NULL)
	         ? ""
	         : " (timed out, the program is still running)");
	free(quoted);
	return false;
}

/* ---- running: database ---- */

char *pty_format_result(const PGresult *result)
{
	struct pty_buffer text = {0};

	pty_buffer_append(&text, "", 0);
	for (int row = 0; row < PQntuples(result); row++) {
		if (row > 0)
			pty_buffer_append(&text, "\n", 1);
		for (int col = 0; col < PQnfields(result); col++) {
			if (col > 0)
				pty_buffer_append(&text, "|", 1);
			if (!PQgetisnull(result, row, col))
				pty_buffer_append_str(
				    &text, PQgetvalue(result, row, col));
		}
	}
	return text.data;
}

/* Runs statement and returns its result, or NULL after recording a
 * failure. Reconnects once when the connection has dropped. */
static PGresult *execute(struct run_state *state, const char *statement)
{
	PGconn *conn = state->settings->conn;
	PGresult *result;
	ExecStatusType status;
	char *message;

	if (!conn) {
		fail(state, "sql needs a database, but CT_TEST_CONNINFO is "
		            "not set");
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK)
		PQreset(conn);
	result = PQexec(conn, statement);
	status = PQresultStatus(result);
	if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
		return result;
	message = duplicate(result ? PQresultErrorMessage(result)
	                           : PQerrorMessage(conn));
	message[strcspn(message, "\n")] = '\0';
	fail(state, "sql failed: %s", message);
	free(message);
	PQclear(result);
	return NULL;
}

static bool run_sql(struct run_state *state, const struct step *step)
{
	PGresult *result = execute(state, step->text);

	PQclear(result);
	return result != NULL;
}

/* Repeats the query until its result equals EXPECTED, because the program
 * may commit a moment after the screen shows the change. */
static bool run_sql_expect(struct run_state *state, const struct step *step)
{
	long long deadline = step_deadline(state);
	int pause_ms = 10;

	for (;;) {
		PGresult *result = execute(state, step->text);
		char *actual;

		if (!result)
			return false;
		actual = pty_format_result(result);
		PQclear(result);
		if (strcmp(actual, step->expected) == 0) {
			free(actual);
			return true;
		}
		if (pty_remaining_ms(deadline) == 0) {
			char *quoted_expected = quote(step->expected);
			char *quoted_actual = quote(actual);

			fail(state,
			     "sql-expect timed out after %.1f s: expected %s, "
			     "got %s",
			     step_timeout_s(state), quoted_expected,
			     quoted_actual);
			free(quoted_expected);
			free(quoted_actual);
			free(actual);
			return false;
		}
		free(actual);
		pause_for_retry(&pause_ms, deadline);
	}
}

/* ---- running: the server ---- */

static _Noreturn void exec_pg_ctl(const char *helper, const struct step *step)
{
	char **argv = allocate_array(NULL, step->word_count + 2, sizeof *argv);
	int null_fd = open("/dev/null", O_RDONLY);

	argv[0] = (char *)helper;
	for (size_t i = 0; i < step->word_count; i++)
		argv[i + 1] = step->words[i];
	argv[step->word_count + 1] = NULL;
	if (null_fd >= 0)
		dup2(null_fd, STDIN_FILENO);
	/* The runner's stdout carries only the ok/FAIL lines. */
	dup2(STDERR_FILENO, STDOUT_FILENO);
	execv(helper, argv);
	fprintf(stderr, "pty-run: failed to execute %s: %s\n", helper,
	        strerror(errno));
	_exit(127);
}

/* Runs "$CT_TEST_PG_CTL ARGS" (start, stop [MODE], restart [MODE] or
 * status) and fails on a non-zero exit. The terminals' output is read
 * meanwhile. After a start the sql connection is opened again. */
static bool run_pg_ctl(struct run_state *state, const struct step *step)
{
	const char *helper = getenv("CT_TEST_PG_CTL");
	PGconn *conn = state->settings->conn;
	char status_text[128];
	long long deadline;
	int status = 0;
	pid_t pid;

	if (!helper || !*helper)
		return fail(state, "pg-ctl needs CT_TEST_PG_CTL, which "
		                   "share/scripts/run-tests.sh exports");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return fail(state, "fork failed: %s", strerror(errno));
	if (pid == 0)
		exec_pg_ctl(helper, step);
	deadline = pty_now_ms() + scaled_ms(state, PG_CTL_TIMEOUT_MS);
	if (!pty_wait_child(pid, &status, deadline)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return fail(state, "pg-ctl %s timed out after %.0f s",
		            step->words[0],
		            scaled_ms(state, PG_CTL_TIMEOUT_MS) / 1000.0);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		describe_status(status, status_text, sizeof status_text);
		return fail(state, "pg-ctl %s %s", step->words[0], status_text);
	}
	if (conn && (strcmp(step->words[0], "start") == 0 ||
	             strcmp(step->words[0], "restart") == 0)) {
		PQreset(conn);
		if (PQstatus(conn) != CONNECTION_OK)
			return fail(
			    state,
			    "pg-ctl %s succeeded, but the sql connection "
			    "could not be opened again: %s",
			    step->words[0], PQerrorMessage(conn));
	}
	return true;
}

/* ---- the command table ---- */

static const struct command commands[] = {
    {"start", parse_start, run_start},
    {"use", parse_terminal_name, run_use},
    {"type", parse_text, run_type},
    {"key", parse_keys, run_key},
    {"paste", parse_text, run_paste},
    {"type-totp", parse_text, run_type_totp},
    {"wait", parse_text, run_wait},
    {"wait-gone", parse_text, run_wait_gone},
    {"expect-row", parse_row, run_expect_row},
    {"expect-screen", parse_file, run_expect_screen},
    {"snapshot", parse_file, run_snapshot},
    {"resize", parse_size, run_resize},
    {"sql", parse_text, run_sql},
    {"sql-expect", parse_sql_expect, run_sql_expect},
    {"pg-ctl", parse_words, run_pg_ctl},
    {"expect-exit", parse_exit_status, run_expect_exit},
    {"expect-stderr", parse_text, run_expect_stderr},
    {"expect-color", parse_nothing, run_expect_color},
    {"expect-no-color", parse_nothing, run_expect_no_color},
};

static const struct command *find_command(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strlen(commands[i].name) == len &&
		    strncmp(commands[i].name, name, len) == 0)
			return &commands[i];
	}
	return NULL;
}

/* ---- loading a script ---- */

static void free_step(struct step *step)
{
	for (size_t i = 0; i < step->word_count; i++)
		free(step->words[i]);
	free(step->words);
	free(step->text);
	free(step->expected);
	free(step->config_user);
}

void pty_script_free(struct pty_script *script)
{
	if (!script)
		return;
	for (size_t i = 0; i < script->step_count; i++)
		free_step(&script->steps[i]);
	free(script->steps);
	free(script->path);
	free(script->name);
	free(script->screens_dir);
	free(script);
}

/* Expected screens live in the "screens" folder beside the scenario's
 * folder: tests/pty/scenarios/x.scn uses tests/pty/screens. */
static char *screens_dir_for(const char *path)
{
	const char *slash = strrchr(path, '/');
	struct pty_buffer dir = {0};
	const char *parent_end;

	if (!slash) {
		pty_buffer_append_str(&dir, "../screens");
		return dir.data;
	}
	parent_end = slash;
	while (parent_end > path && parent_end[-1] != '/')
		parent_end--;
	if (parent_end == slash || strncmp(parent_end, "..", 2) == 0 ||
	    strncmp(parent_end, "./", 2) == 0) {
		pty_buffer_append(&dir, path, (size_t)(slash - path + 1));
		pty_buffer_append_str(&dir, "../screens");
		return dir.data;
	}
	pty_buffer_append(&dir, path, (size_t)(parent_end - path));
	pty_buffer_append_str(&dir, "screens");
	return dir.data;
}

char *pty_script_name_for(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t len = strlen(base);

	if (len > 4 && strcmp(base + len - 4, ".scn") == 0)
		len -= 4;
	return strndup(base, len);
}

static bool parse_line(struct pty_script *script, const char *line,
                       int line_number, char *err, size_t err_size)
{
	size_t word_len = strcspn(line, " \t");
	const struct command *command = find_command(line, word_len);
	const char *args = line + word_len + (line[word_len] != '\0');
	struct step *step;
	char message[512];

	if (!command) {
		snprintf(err, err_size, "%s:%d: unknown command \"%.*s\"",
		         script->path, line_number, (int)word_len, line);
		return false;
	}
	script->steps = allocate_array(script->steps, script->step_count + 1,
	                               sizeof *script->steps);
	step = &script->steps[script->step_count++];
	memset(step, 0, sizeof *step);
	step->command = command;
	step->line = line_number;
	if (command->parse(step, args, message, sizeof message))
		return true;
	snprintf(err, err_size, "%s:%d: %s", script->path, line_number,
	         message);
	return false;
}

static bool parse_lines(struct pty_script *script, FILE *file, char *err,
                        size_t err_size)
{
	char *line = NULL;
	size_t capacity = 0;
	ssize_t len;
	int line_number = 0;
	bool ok = true;

	while (ok && (len = getline(&line, &capacity, file)) >= 0) {
		const char *start;

		line_number++;
		while (len > 0 &&
		       (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		start = skip_blanks(line);
		if (*start == '\0' || *start == '#')
			continue;
		ok = parse_line(script, start, line_number, err, err_size);
	}
	free(line);
	return ok;
}

struct pty_script *pty_script_load(const char *path, char *err, size_t err_size)
{
	struct pty_script *script = calloc(1, sizeof *script);
	FILE *file;
	bool ok;

	if (!script) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	script->path = duplicate(path);
	script->name = pty_script_name_for(path);
	script->screens_dir = screens_dir_for(path);
	file = fopen(path, "r");
	if (!file) {
		snprintf(err, err_size, "%s: failed to open: %s", path,
		         strerror(errno));
		pty_script_free(script);
		return NULL;
	}
	ok = parse_lines(script, file, err, err_size);
	fclose(file);
	if (!ok) {
		pty_script_free(script);
		return NULL;
	}
	return script;
}

const char *pty_script_name(const struct pty_script *script)
{
	return script->name;
}

/* ---- running a script ---- */

static void dump_terminal(const struct pty_terminal *terminal,
                          struct pty_buffer *out)
{
	int cols, rows, status;
	char header[256];
	char status_text[128] = "running";

	pty_terminal_size(terminal, &cols, &rows);
	if (pty_terminal_exited(terminal, &status))
		describe_status(status, status_text, sizeof status_text);
	snprintf(header, sizeof header,
	         "screen of terminal %s (%dx%d, program %s):\n",
	         pty_terminal_name(terminal), cols, rows, status_text);
	pty_buffer_append_str(out, header);
	for (int row = 0; row < rows; row++) {
		char *line = pty_terminal_row(terminal, row);
		size_t len = strlen(line);
		char number[16];

		while (len > 0 && line[len - 1] == ' ')
			len--;
		snprintf(number, sizeof number, "%3d|", row);
		pty_buffer_append_str(out, number);
		pty_buffer_append(out, line, len);
		pty_buffer_append_str(out, "\n");
		free(line);
	}
	append_stderr(out, terminal);
}

static bool retire_all(struct run_state *state)
{
	bool ok = true;

	for (size_t i = 0; i < state->terminal_count; i++) {
		struct named_terminal *entry = &state->terminals[i];

		if (entry->terminal)
			ok = retire_terminal(state, entry) && ok;
		free(entry->name);
	}
	free(state->terminals);
	state->terminals = NULL;
	state->terminal_count = 0;
	return ok;
}

bool pty_script_run(const struct pty_script *script,
                    const struct pty_run_settings *settings,
                    struct pty_buffer *reason, struct pty_buffer *details)
{
	struct run_state state = {
	    .script = script,
	    .settings = settings,
	    .reason = reason,
	    .details = details,
	};
	bool ok = true;

	pty_buffer_append(reason, "", 0);
	pty_buffer_append(details, "", 0);
	for (size_t i = 0; i < script->step_count && ok; i++) {
		const struct step *step = &script->steps[i];

		state.line = step->line;
		ok = step->command->run(&state, step);
	}
	if (!ok && state.current)
		dump_terminal(state.current, details);
	ok = retire_all(&state) && ok;
	return ok;
}
