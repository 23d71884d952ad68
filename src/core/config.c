/* Loading careteam.conf with libconfig: where the file is looked up, and the
 * check of every setting against the table of known keys. */
#include "careteam/config.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define SYSTEM_CONFIG_PATH "/etc/careteam/careteam.conf"
#define USER_CONFIG_NAME   "careteam/careteam.conf"

#define MAX_RETRIES_MIN     0
#define MAX_RETRIES_MAX     20
#define DEFAULT_MAX_RETRIES 5

/* Maximum length of an organization code, as the organizations table
 * checks it. */
#define ORGANIZATION_CODE_MAX 32

#define PROBLEM_MAX 256

/* Checks one setting and stores its value in config. On failure, writes
 * what the value must be into problem ("must be a string") and returns
 * false. */
typedef bool apply_setting_fn(const config_setting_t *setting,
			      struct ct_config *config, char *problem);

struct setting_spec {
	const char *group;
	const char *key;
	apply_setting_fn *apply;
};

struct enum_name {
	const char *name;
	int value;
};

static apply_setting_fn apply_conninfo, apply_isolation, apply_max_retries,
	apply_log_destination, apply_log_file, apply_log_level,
	apply_default_organization;

static const struct setting_spec setting_table[] = {
	{"database", "conninfo", apply_conninfo},
	{"database", "isolation", apply_isolation},
	{"database", "max_retries", apply_max_retries},
	{"log", "destination", apply_log_destination},
	{"log", "file", apply_log_file},
	{"log", "level", apply_log_level},
	{"general", "default_organization", apply_default_organization},
};

#define SETTING_COUNT (sizeof(setting_table) / sizeof(setting_table[0]))

static const struct enum_name isolation_names[] = {
	{"read committed", CT_ISOLATION_READ_COMMITTED},
	{"serializable", CT_ISOLATION_SERIALIZABLE},
	{NULL, 0},
};

static const struct enum_name destination_names[] = {
	{"stderr", CT_LOG_TO_STDERR},
	{"syslog", CT_LOG_TO_SYSLOG},
	{"file", CT_LOG_TO_FILE},
	{NULL, 0},
};

static const struct enum_name level_names[] = {
	{"error", CT_LOG_ERROR},
	{"warning", CT_LOG_WARNING},
	{"info", CT_LOG_INFO},
	{"debug", CT_LOG_DEBUG},
	{NULL, 0},
};

void ct_config_defaults(struct ct_config *config)
{
	memset(config, 0, sizeof(*config));
	config->isolation = CT_ISOLATION_READ_COMMITTED;
	config->max_retries = DEFAULT_MAX_RETRIES;
	config->log_destination = CT_LOG_TO_SYSLOG;
	config->log_level = CT_LOG_INFO;
}

static void set_problem(char *problem, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

static void set_problem(char *problem, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	vsnprintf(problem, PROBLEM_MAX, format, args);
	va_end(args);
}

static bool copy_string(const config_setting_t *setting, char *target,
			size_t size, char *problem)
{
	const char *text;
	size_t length;

	if (config_setting_type(setting) != CONFIG_TYPE_STRING) {
		set_problem(problem, "must be a string in double quotes");
		return false;
	}
	text = config_setting_get_string(setting);
	length = strlen(text);
	if (length >= size) {
		set_problem(problem, "must be at most %zu bytes long, not %zu",
			    size - 1, length);
		return false;
	}
	memcpy(target, text, length + 1);
	return true;
}

/* Writes the names of a table as "a", "b" or "c". */
static void format_choices(const struct enum_name *names, char *buffer,
			   size_t size)
{
	size_t used = 0;

	buffer[0] = '\0';
	for (size_t i = 0; names[i].name != NULL && used < size; i++) {
		const char *separator = "";

		if (i > 0)
			separator = names[i + 1].name == NULL ? " or " : ", ";
		used += (size_t)snprintf(buffer + used, size - used, "%s\"%s\"",
					 separator, names[i].name);
	}
}

/* Matches the string value against a table, ignoring case. */
static bool lookup_enum(const config_setting_t *setting,
			const struct enum_name *names, int *value,
			char *problem)
{
	char choices[PROBLEM_MAX / 2];
	const char *text = NULL;

	if (config_setting_type(setting) == CONFIG_TYPE_STRING)
		text = config_setting_get_string(setting);
	for (size_t i = 0; text != NULL && names[i].name != NULL; i++) {
		if (strcasecmp(text, names[i].name) == 0) {
			*value = names[i].value;
			return true;
		}
	}
	format_choices(names, choices, sizeof(choices));
	set_problem(problem, "must be %s", choices);
	return false;
}

static bool apply_conninfo(const config_setting_t *setting,
			   struct ct_config *config, char *problem)
{
	return copy_string(setting, config->conninfo, sizeof(config->conninfo),
			   problem);
}

static bool apply_isolation(const config_setting_t *setting,
			    struct ct_config *config, char *problem)
{
	int value;

	if (!lookup_enum(setting, isolation_names, &value, problem))
		return false;
	config->isolation = (enum ct_isolation)value;
	return true;
}

static bool apply_max_retries(const config_setting_t *setting,
			      struct ct_config *config, char *problem)
{
	int value = 0;
	bool valid = config_setting_type(setting) == CONFIG_TYPE_INT;

	if (valid) {
		value = config_setting_get_int(setting);
		valid = value >= MAX_RETRIES_MIN && value <= MAX_RETRIES_MAX;
	}
	if (!valid) {
		set_problem(problem, "must be an integer from %d to %d",
			    MAX_RETRIES_MIN, MAX_RETRIES_MAX);
		return false;
	}
	config->max_retries = value;
	return true;
}

static bool apply_log_destination(const config_setting_t *setting,
				  struct ct_config *config, char *problem)
{
	int value;

	if (!lookup_enum(setting, destination_names, &value, problem))
		return false;
	config->log_destination = (enum ct_log_destination)value;
	return true;
}

static bool apply_log_file(const config_setting_t *setting,
			   struct ct_config *config, char *problem)
{
	return copy_string(setting, config->log_file, sizeof(config->log_file),
			   problem);
}

static bool apply_log_level(const config_setting_t *setting,
			    struct ct_config *config, char *problem)
{
	int value;

	if (!lookup_enum(setting, level_names, &value, problem))
		return false;
	config->log_level = (enum ct_log_level)value;
	return true;
}

/* Accepts what the organizations table accepts: a lowercase letter or
 * digit, then up to 31 lowercase letters, digits or hyphens. */
static bool is_organization_code(const char *code)
{
	size_t length = strlen(code);

	if (length == 0 || length > ORGANIZATION_CODE_MAX || code[0] == '-')
		return false;
	return strspn(code, "abcdefghijklmnopqrstuvwxyz0123456789-") == length;
}

static bool apply_default_organization(const config_setting_t *setting,
				       struct ct_config *config, char *problem)
{
	char code[sizeof(config->default_organization)];

	if (!copy_string(setting, code, sizeof(code), problem))
		return false;
	if (code[0] != '\0' && !is_organization_code(code)) {
		set_problem(problem,
			    "must be an organization code: 1 to %d lowercase "
			    "letters, digits or hyphens, not starting with a "
			    "hyphen",
			    ORGANIZATION_CODE_MAX);
		return false;
	}
	memcpy(config->default_organization, code, sizeof(code));
	return true;
}

/* The state of one file's check: where errors point to, and what the
 * cross-setting checks need after the walk. */
struct parse_state {
	const char *path;
	struct ct_config *config;
	struct ct_error *err;
	const config_setting_t *destination;
	const config_setting_t *log_file;
};

/* Returns the file a setting was read from. libconfig 1.5 records an
 * included file by the name written in @include and opens that name from
 * the current directory, so the name is also a path that opens the file. */
static const char *source_path(const struct parse_state *state,
			       const config_setting_t *setting)
{
	const char *file = config_setting_source_file(setting);

	return file != NULL ? file : state->path;
}

/* Finds the text of the value written after "name =" or "name:" on the
 * setting's source line, or returns NULL when it is not on that line. */
static const char *find_literal(const char *line, const char *name)
{
	size_t length = strlen(name);

	for (const char *at = strstr(line, name); at != NULL;
	     at = strstr(at + 1, name)) {
		const char *rest = at + length;
		bool inside_word =
			at > line &&
			(at[-1] == '_' || isalnum((unsigned char)at[-1]));

		if (inside_word)
			continue;
		rest += strspn(rest, " \t");
		if (*rest != '=' && *rest != ':')
			continue;
		rest++;
		return rest + strspn(rest, " \t");
	}
	return NULL;
}

/* Returns whether the integer literal in the file is the value libconfig
 * stored. libconfig 1.5 keeps a literal that does not fit in an int modulo
 * 2^32 without reporting an error, so "4294967301" would otherwise read as
 * 5. The line is read again from the file to catch that.
 * NOTE: a value written on a later line than its name is not re-read, so
 * such a value can still wrap. */
static bool literal_fits_int(const char *file,
			     const config_setting_t *setting)
{
	int value = config_setting_get_int(setting);
	unsigned int target_line = config_setting_source_line(setting);
	char *line = NULL;
	size_t capacity = 0;
	bool fits = true;
	FILE *stream;

	stream = fopen(file, "r");
	if (stream == NULL)
		return true;
	for (unsigned int number = 1; getline(&line, &capacity, stream) > 0;
	     number++) {
		const char *literal;
		char *end;
		long long parsed;
		int base = 10;

		if (number != target_line)
			continue;
		literal = find_literal(line, config_setting_name(setting));
		if (literal == NULL)
			break;
		if (strncasecmp(literal, "0x", 2) == 0 ||
		    strncasecmp(literal, "-0x", 3) == 0)
			base = 16;
		errno = 0;
		parsed = strtoll(literal, &end, base);
		fits = end != literal && errno == 0 && parsed == value;
		break;
	}
	free(line);
	fclose(stream);
	return fits;
}

/* Sets err to CT_CONFIG_INVALID with the detail "FILE:LINE: group.key:
 * problem" and returns CT_CONFIG_INVALID. */
static enum ct_outcome reject_setting(const struct parse_state *state,
				      const config_setting_t *setting,
				      const char *problem)
{
	const config_setting_t *parent = config_setting_parent(setting);
	const char *file = source_path(state, setting);
	const char *group = "";
	const char *dot = "";

	if (parent != NULL && !config_setting_is_root(parent)) {
		group = config_setting_name(parent);
		dot = ".";
	}
	return ct_error_set(state->err, CT_CONFIG_INVALID, "%s:%u: %s%s%s: %s",
			    file, config_setting_source_line(setting), group,
			    dot, config_setting_name(setting), problem);
}

static const struct setting_spec *find_spec(const char *group, const char *key)
{
	for (size_t i = 0; i < SETTING_COUNT; i++) {
		if (strcmp(setting_table[i].group, group) == 0 &&
		    (key == NULL || strcmp(setting_table[i].key, key) == 0))
			return &setting_table[i];
	}
	return NULL;
}

/* Writes the keys a group accepts, or the groups when group is NULL, as
 * "a, b or c". */
static void format_known(const char *group, char *buffer, size_t size)
{
	struct enum_name names[SETTING_COUNT + 1];
	size_t count = 0;

	for (size_t i = 0; i < SETTING_COUNT; i++) {
		const char *name = group == NULL ? setting_table[i].group
						 : setting_table[i].key;

		if (group != NULL && strcmp(setting_table[i].group, group) != 0)
			continue;
		if (count > 0 && strcmp(names[count - 1].name, name) == 0)
			continue;
		names[count++] = (struct enum_name){name, 0};
	}
	names[count] = (struct enum_name){NULL, 0};
	format_choices(names, buffer, size);
}

static enum ct_outcome check_key(struct parse_state *state,
				 const config_setting_t *setting)
{
	const char *group = config_setting_name(config_setting_parent(setting));
	const char *key = config_setting_name(setting);
	const struct setting_spec *spec = find_spec(group, key);
	char problem[PROBLEM_MAX];

	if (spec == NULL) {
		char known[PROBLEM_MAX / 2];

		format_known(group, known, sizeof(known));
		set_problem(problem, "unknown setting; %s accepts %s", group,
			    known);
		return reject_setting(state, setting, problem);
	}
	if (config_setting_type(setting) == CONFIG_TYPE_INT &&
	    !literal_fits_int(source_path(state, setting), setting))
		return reject_setting(state, setting,
				      "is out of range: the value does not fit "
				      "in a 32-bit integer");
	if (!spec->apply(setting, state->config, problem))
		return reject_setting(state, setting, problem);
	if (spec->apply == apply_log_destination)
		state->destination = setting;
	else if (spec->apply == apply_log_file)
		state->log_file = setting;
	return CT_OK;
}

static enum ct_outcome check_group(struct parse_state *state,
				   const config_setting_t *group)
{
	char problem[PROBLEM_MAX];
	int count;

	if (find_spec(config_setting_name(group), NULL) == NULL) {
		char known[PROBLEM_MAX / 2];

		format_known(NULL, known, sizeof(known));
		set_problem(problem, "unknown group; expected %s", known);
		return reject_setting(state, group, problem);
	}
	if (!config_setting_is_group(group)) {
		set_problem(problem, "must be a group: %s = { ... };",
			    config_setting_name(group));
		return reject_setting(state, group, problem);
	}

	count = config_setting_length(group);
	for (int i = 0; i < count; i++) {
		enum ct_outcome outcome =
			check_key(state, config_setting_get_elem(group, i));

		if (outcome != CT_OK)
			return outcome;
	}
	return CT_OK;
}

/* Checks the rules that involve more than one setting. */
static enum ct_outcome check_combination(const struct parse_state *state)
{
	if (state->config->log_destination != CT_LOG_TO_FILE ||
	    state->config->log_file[0] != '\0')
		return CT_OK;
	if (state->log_file != NULL)
		return reject_setting(state, state->log_file,
				      "must not be empty when log.destination "
				      "is \"file\"");
	return reject_setting(state, state->destination,
			      "\"file\" requires log.file, the path of the "
			      "log file");
}

static enum ct_outcome check_tree(struct parse_state *state,
				  const config_t *tree)
{
	const config_setting_t *root = config_root_setting(tree);
	int count = config_setting_length(root);

	for (int i = 0; i < count; i++) {
		enum ct_outcome outcome =
			check_group(state, config_setting_get_elem(root, i));

		if (outcome != CT_OK)
			return outcome;
	}
	return check_combination(state);
}

static enum ct_outcome reject_read(const config_t *tree, const char *path,
				   int saved_errno, struct ct_error *err)
{
	const char *file = config_error_file(tree);

	if (config_error_type(tree) == CONFIG_ERR_FILE_IO) {
		const char *reason = saved_errno != 0 ? strerror(saved_errno)
						      : config_error_text(tree);

		return ct_error_set(err, CT_CONFIG_INVALID,
				    "%s: cannot read the configuration file: "
				    "%s",
				    file != NULL ? file : path, reason);
	}
	return ct_error_set(err, CT_CONFIG_INVALID, "%s:%d: %s",
			    file != NULL ? file : path,
			    config_error_line(tree), config_error_text(tree));
}

static enum ct_outcome read_file(const char *path, struct ct_config *config,
				 struct ct_error *err)
{
	struct parse_state state = {path, config, err, NULL, NULL};
	enum ct_outcome outcome;
	struct stat status;
	config_t tree;

	if (stat(path, &status) != 0)
		return ct_error_set(err, CT_CONFIG_INVALID,
				    "%s: cannot open the configuration file: "
				    "%s",
				    path, strerror(errno));
	if (!S_ISREG(status.st_mode))
		return ct_error_set(err, CT_CONFIG_INVALID,
				    "%s: the configuration file is not a "
				    "regular file",
				    path);

	config_init(&tree);
	errno = 0;
	if (!config_read_file(&tree, path))
		outcome = reject_read(&tree, path, errno, err);
	else
		outcome = check_tree(&state, &tree);
	config_destroy(&tree);
	return outcome;
}

/* Writes the per-user file name: $XDG_CONFIG_HOME/careteam/careteam.conf,
 * or $HOME/.config/careteam/careteam.conf. An empty or relative
 * XDG_CONFIG_HOME is ignored, as the XDG base directory specification
 * requires.
 * Returns false when neither variable gives a usable directory. */
static bool user_config_path(char *path, size_t size, bool *too_long)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int length;

	if (xdg != NULL && xdg[0] == '/')
		length = snprintf(path, size, "%s/%s", xdg, USER_CONFIG_NAME);
	else if (home != NULL && home[0] != '\0')
		length = snprintf(path, size, "%s/.config/%s", home,
				  USER_CONFIG_NAME);
	else
		return false;
	*too_long = length < 0 || (size_t)length >= size;
	return true;
}

/* Returns whether path names an existing file system entry. A path that
 * cannot be checked for a reason other than absence counts as existing, so
 * that reading it reports the reason. */
static bool path_exists(const char *path)
{
	struct stat status;

	if (stat(path, &status) == 0)
		return true;
	return errno != ENOENT && errno != ENOTDIR;
}

/* Finds the first default file that exists, and sets path to "" when none
 * does. */
static enum ct_outcome find_default_file(char *path, size_t size,
					 struct ct_error *err)
{
	bool too_long = false;

	if (user_config_path(path, size, &too_long)) {
		if (too_long)
			return ct_error_set(err, CT_CONFIG_INVALID,
					    "the per-user configuration path "
					    "is longer than %zu bytes; check "
					    "XDG_CONFIG_HOME and HOME",
					    size - 1);
		if (path_exists(path))
			return CT_OK;
	}
	snprintf(path, size, "%s", SYSTEM_CONFIG_PATH);
	if (!path_exists(path))
		path[0] = '\0';
	return CT_OK;
}

enum ct_outcome ct_config_load(const char *explicit_path,
			       struct ct_config *config, struct ct_error *err)
{
	struct ct_config parsed;
	enum ct_outcome outcome;

	ct_config_defaults(config);
	ct_config_defaults(&parsed);
	if (explicit_path != NULL) {
		if (strlen(explicit_path) >= sizeof(parsed.path))
			return ct_error_set(err, CT_CONFIG_INVALID,
					    "the configuration file path is "
					    "longer than %zu bytes",
					    sizeof(parsed.path) - 1);
		if (explicit_path[0] == '\0')
			return ct_error_set(err, CT_CONFIG_INVALID,
					    "the configuration file path is "
					    "empty");
		strcpy(parsed.path, explicit_path);
	} else {
		outcome = find_default_file(parsed.path, sizeof(parsed.path),
					    err);
		if (outcome != CT_OK || parsed.path[0] == '\0')
			return outcome;
	}

	outcome = read_file(parsed.path, &parsed, err);
	if (outcome == CT_OK)
		*config = parsed;
	return outcome;
}
