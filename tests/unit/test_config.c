/* Tests of ct_config_load: the lookup order, every setting, and the error
 * message for each kind of invalid file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "careteam/config.h"

#define SYSTEM_CONFIG_PATH "/etc/careteam/careteam.conf"

static char base_dir[PATH_MAX];

static void format_path(char *buffer, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

/* Formats into a PATH_MAX buffer and fails the test if the text is cut. */
static void format_path(char *buffer, const char *format, ...)
{
	va_list args;
	int length;

	va_start(args, format);
	length = vsnprintf(buffer, PATH_MAX, format, args);
	va_end(args);
	assert_true(length >= 0 && length < PATH_MAX);
}

static int make_base_dir(void **state)
{
	const char *parent = getenv("CT_TEST_TMPDIR");

	(void)state;
	if (parent == NULL || parent[0] == '\0')
		parent = "/tmp";
	snprintf(base_dir, sizeof(base_dir), "%s/test_config.XXXXXX", parent);
	if (mkdtemp(base_dir) == NULL) {
		fprintf(stderr, "mkdtemp %s: %s\n", base_dir, strerror(errno));
		return -1;
	}
	return 0;
}

static int remove_entry(const char *path, const struct stat *status,
			int type, struct FTW *walk)
{
	(void)status;
	(void)type;
	(void)walk;
	return remove(path);
}

static int remove_base_dir(void **state)
{
	(void)state;
	return nftw(base_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes text to base_dir/name, creating parent folders, and returns the
 * path in a static buffer. */
static const char *write_file(const char *name, const char *text)
{
	static char path[PATH_MAX];
	FILE *stream;

	format_path(path, "%s/%s", base_dir, name);
	for (char *slash = strchr(path + strlen(base_dir) + 1, '/');
	     slash != NULL; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0700);
		*slash = '/';
	}
	stream = fopen(path, "w");
	assert_non_null(stream);
	assert_int_equal(fputs(text, stream) >= 0, 1);
	assert_int_equal(fclose(stream), 0);
	return path;
}

static const char *make_dir(const char *name)
{
	static char path[PATH_MAX];

	format_path(path, "%s/%s", base_dir, name);
	assert_int_equal(mkdir(path, 0700) == 0 || errno == EEXIST, 1);
	return path;
}

/* Loads text from a file called name and expects it to be rejected with
 * the detail "PATH:suffix". */
static void expect_invalid(const char *name, const char *text,
			   const char *suffix)
{
	struct ct_config config;
	struct ct_error err;
	char expected[1024];
	const char *path = write_file(name, text);

	memset(&err, 0, sizeof(err));
	snprintf(expected, sizeof(expected), "%s:%s", path, suffix);
	assert_int_equal(ct_config_load(path, &config, &err),
			 CT_CONFIG_INVALID);
	assert_int_equal(err.outcome, CT_CONFIG_INVALID);
	assert_string_equal(err.detail, expected);
}

static void assert_defaults(const struct ct_config *config)
{
	assert_string_equal(config->conninfo, "");
	assert_int_equal(config->isolation, CT_ISOLATION_READ_COMMITTED);
	assert_int_equal(config->max_retries, 5);
	assert_int_equal(config->log_destination, CT_LOG_TO_SYSLOG);
	assert_string_equal(config->log_file, "");
	assert_int_equal(config->log_level, CT_LOG_INFO);
	assert_string_equal(config->default_organization, "");
}

static void config_defaults_listed(void **state)
{
	struct ct_config config;

	(void)state;
	memset(&config, 0x5a, sizeof(config));
	ct_config_defaults(&config);
	assert_string_equal(config.path, "");
	assert_defaults(&config);
}

static void config_full_file(void **state)
{
	struct ct_config config;
	struct ct_error err;
	const char *path = write_file(
		"full.conf",
		"# every setting, none at its default\n"
		"database = {\n"
		"  conninfo = \"host=/run/pg dbname=clinic\";\n"
		"  isolation = \"serializable\";\n"
		"  max_retries = 12;\n"
		"};\n"
		"log: {\n"
		"  destination = \"file\";\n"
		"  file = \"/var/log/careteam.log\";\n"
		"  level = \"debug\";\n"
		"};\n"
		"general = {\n"
		"  default_organization = \"north-clinic-2\";\n"
		"};\n");

	(void)state;
	assert_int_equal(ct_config_load(path, &config, &err), CT_OK);
	assert_string_equal(config.path, path);
	assert_string_equal(config.conninfo, "host=/run/pg dbname=clinic");
	assert_int_equal(config.isolation, CT_ISOLATION_SERIALIZABLE);
	assert_int_equal(config.max_retries, 12);
	assert_int_equal(config.log_destination, CT_LOG_TO_FILE);
	assert_string_equal(config.log_file, "/var/log/careteam.log");
	assert_int_equal(config.log_level, CT_LOG_DEBUG);
	assert_string_equal(config.default_organization, "north-clinic-2");
}

static void config_partial_file(void **state)
{
	struct ct_config config;
	struct ct_error err;
	const char *path = write_file("partial.conf",
				      "log = { level = \"error\"; };\n");

	(void)state;
	assert_int_equal(ct_config_load(path, &config, &err), CT_OK);
	assert_int_equal(config.log_level, CT_LOG_ERROR);
	assert_int_equal(config.max_retries, 5);
	assert_int_equal(config.log_destination, CT_LOG_TO_SYSLOG);
}

static void config_empty_file(void **state)
{
	struct ct_config config;
	struct ct_error err;
	const char *path = write_file("empty.conf", "# nothing set\n");

	(void)state;
	assert_int_equal(ct_config_load(path, &config, &err), CT_OK);
	assert_string_equal(config.path, path);
	assert_defaults(&config);
}

static void config_names_ignore_case(void **state)
{
	struct ct_config config;
	struct ct_error err;
	const char *path = write_file(
		"case.conf",
		"database = { isolation = \"Read Committed\"; };\n"
		"log = { destination = \"STDERR\"; level = \"Warning\"; };\n");

	(void)state;
	assert_int_equal(ct_config_load(path, &config, &err), CT_OK);
	assert_int_equal(config.isolation, CT_ISOLATION_READ_COMMITTED);
	assert_int_equal(config.log_destination, CT_LOG_TO_STDERR);
	assert_int_equal(config.log_level, CT_LOG_WARNING);
}

static void config_range_bounds(void **state)
{
	struct ct_config config;
	struct ct_error err;
	const char *path;

	(void)state;
	path = write_file("zero.conf", "database = { max_retries = 0; };\n");
	assert_int_equal(ct_config_load(path, &config, &err), CT_OK);
	assert_int_equal(config.max_retries, 0);

	path = write_file("twenty.conf", "database = { max_retries = 20; };\n");
	assert_int_equal(ct_config_load(path, &config, &err), CT_OK);
	assert_int_equal(config.max_retries, 20);

	path = write_file("hex.conf", "database = { max_retries = 0x0a; };\n");
	assert_int_equal(ct_config_load(path, &config, &err), CT_OK);
	assert_int_equal(config.max_retries, 10);
}

/* Points the per-user lookup at folders of this test and restores the
 * environment afterwards. */
struct saved_env {
	char *xdg;
	char *home;
};

static char *copy_env(const char *name)
{
	const char *value = getenv(name);

	return value != NULL ? strdup(value) : NULL;
}

static void restore_env(const char *name, char *value)
{
	if (value != NULL)
		setenv(name, value, 1);
	else
		unsetenv(name);
	free(value);
}

static int save_env(void **state)
{
	static struct saved_env saved;

	saved.xdg = copy_env("XDG_CONFIG_HOME");
	saved.home = copy_env("HOME");
	*state = &saved;
	return 0;
}

static int restore_saved_env(void **state)
{
	struct saved_env *saved = *state;

	restore_env("XDG_CONFIG_HOME", saved->xdg);
	restore_env("HOME", saved->home);
	return 0;
}

static void skip_if_system_file(void)
{
	if (access(SYSTEM_CONFIG_PATH, F_OK) == 0) {
		fprintf(stderr, "%s exists on this machine, so the lookup "
				"cannot fall through to the defaults\n",
			SYSTEM_CONFIG_PATH);
		skip();
	}
}

static void config_absent_gives_defaults(void **state)
{
	struct ct_config config;
	struct ct_error err;

	(void)state;
	skip_if_system_file();
	setenv("XDG_CONFIG_HOME", make_dir("xdg-empty"), 1);
	setenv("HOME", make_dir("home-empty"), 1);
	memset(&config, 0x5a, sizeof(config));
	assert_int_equal(ct_config_load(NULL, &config, &err), CT_OK);
	assert_string_equal(config.path, "");
	assert_defaults(&config);
}

static void config_xdg_file_first(void **state)
{
	struct ct_config config;
	struct ct_error err;
	char expected[PATH_MAX];
	char xdg[PATH_MAX];

	(void)state;
	format_path(xdg, "%s", make_dir("xdg"));
	write_file("xdg/careteam/careteam.conf",
		   "database = { max_retries = 7; };\n");
	write_file("home-with-file/.config/careteam/careteam.conf",
		   "database = { max_retries = 9; };\n");
	setenv("XDG_CONFIG_HOME", xdg, 1);
	setenv("HOME", make_dir("home-with-file"), 1);
	format_path(expected, "%s/careteam/careteam.conf", xdg);

	assert_int_equal(ct_config_load(NULL, &config, &err), CT_OK);
	assert_string_equal(config.path, expected);
	assert_int_equal(config.max_retries, 7);
}

static void config_home_when_xdg_unset(void **state)
{
	struct ct_config config;
	struct ct_error err;
	char expected[PATH_MAX];
	char home[PATH_MAX];

	(void)state;
	write_file("home/.config/careteam/careteam.conf",
		   "database = { max_retries = 9; };\n");
	format_path(home, "%s", make_dir("home"));
	format_path(expected, "%s/.config/careteam/careteam.conf", home);
	setenv("HOME", home, 1);

	unsetenv("XDG_CONFIG_HOME");
	assert_int_equal(ct_config_load(NULL, &config, &err), CT_OK);
	assert_string_equal(config.path, expected);
	assert_int_equal(config.max_retries, 9);

	/* The XDG specification requires a relative value to be ignored. */
	setenv("XDG_CONFIG_HOME", "relative/dir", 1);
	assert_int_equal(ct_config_load(NULL, &config, &err), CT_OK);
	assert_string_equal(config.path, expected);
}

static void config_default_file_invalid(void **state)
{
	struct ct_config config;
	struct ct_error err;
	char expected[PATH_MAX + 64];
	char xdg[PATH_MAX];

	(void)state;
	format_path(xdg, "%s", make_dir("xdg-bad"));
	write_file("xdg-bad/careteam/careteam.conf",
		   "database = { retries = 7; };\n");
	setenv("XDG_CONFIG_HOME", xdg, 1);
	snprintf(expected, sizeof(expected),
		 "%s/careteam/careteam.conf:1: database.retries: unknown "
		 "setting",
		 xdg);

	assert_int_equal(ct_config_load(NULL, &config, &err),
			 CT_CONFIG_INVALID);
	assert_non_null(strstr(err.detail, expected));
}

static void config_explicit_missing(void **state)
{
	struct ct_config config;
	struct ct_error err;
	char path[PATH_MAX];
	char expected[PATH_MAX + 64];

	(void)state;
	format_path(path, "%s/does-not-exist.conf", base_dir);
	snprintf(expected, sizeof(expected),
		 "%s: cannot open the configuration file: No such file or "
		 "directory",
		 path);
	assert_int_equal(ct_config_load(path, &config, &err),
			 CT_CONFIG_INVALID);
	assert_int_equal(err.outcome, CT_CONFIG_INVALID);
	assert_string_equal(err.detail, expected);
}

static void config_explicit_directory(void **state)
{
	struct ct_config config;
	struct ct_error err;

	(void)state;
	assert_int_equal(ct_config_load(make_dir("a-folder"), &config, &err),
			 CT_CONFIG_INVALID);
	assert_non_null(strstr(err.detail, "not a regular file"));
}

static void config_syntax_error_line(void **state)
{
	(void)state;
	expect_invalid("syntax.conf",
		       "# line 1\n"
		       "database = {\n"
		       "  max_retries = = 3;\n"
		       "};\n",
		       "3: syntax error");
	expect_invalid("unterminated.conf",
		       "database = {\n"
		       "  conninfo = \"dbname=x;\n"
		       "};\n",
		       "4: syntax error");
	expect_invalid("duplicate.conf",
		       "database = {\n"
		       "  max_retries = 1;\n"
		       "  max_retries = 2;\n"
		       "};\n",
		       "3: duplicate setting name");
}

static void config_unknown_key(void **state)
{
	(void)state;
	expect_invalid("unknown-key.conf",
		       "database = {\n"
		       "  conninfo = \"\";\n"
		       "  max_retry = 3;\n"
		       "};\n",
		       "3: database.max_retry: unknown setting; database "
		       "accepts \"conninfo\", \"isolation\" or "
		       "\"max_retries\"");
	expect_invalid("nested-group.conf",
		       "log = {\n"
		       "  level = \"info\";\n"
		       "  extra = { a = 1; };\n"
		       "};\n",
		       "3: log.extra: unknown setting; log accepts "
		       "\"destination\", \"file\" or \"level\"");
}

static void config_unknown_group(void **state)
{
	(void)state;
	expect_invalid("unknown-group.conf",
		       "database = { };\n"
		       "\n"
		       "logging = { level = \"info\"; };\n",
		       "3: logging: unknown group; expected "
		       "\"database\", \"log\" or \"general\"");
	expect_invalid("top-level-key.conf", "max_retries = 3;\n",
		       "1: max_retries: unknown group; expected "
		       "\"database\", \"log\" or \"general\"");
}

static void config_group_not_group(void **state)
{
	(void)state;
	expect_invalid("scalar-group.conf", "log = \"stderr\";\n",
		       "1: log: must be a group: log = { ... };");
	expect_invalid("list-group.conf", "general = ( 1, 2 );\n",
		       "1: general: must be a group: general = { ... };");
}

static void config_wrong_types(void **state)
{
	static const char *const integer_problem =
		"2: database.max_retries: must be an integer from 0 to 20";

	(void)state;
	expect_invalid("string-int.conf",
		       "database = {\n  max_retries = \"3\";\n};\n",
		       integer_problem);
	expect_invalid("int64.conf", "database = {\n  max_retries = 3L;\n};\n",
		       integer_problem);
	expect_invalid("float.conf",
		       "database = {\n  max_retries = 3.0;\n};\n",
		       integer_problem);
	expect_invalid("bool.conf",
		       "database = {\n  max_retries = true;\n};\n",
		       integer_problem);
	expect_invalid("int-string.conf", "database = {\n  conninfo = 5;\n};\n",
		       "2: database.conninfo: must be a string in double "
		       "quotes");
	expect_invalid("array-string.conf",
		       "log = {\n  file = [\"a\", \"b\"];\n};\n",
		       "2: log.file: must be a string in double quotes");
	expect_invalid("int-enum.conf", "log = {\n  level = 3;\n};\n",
		       "2: log.level: must be \"error\", \"warning\", "
		       "\"info\" or \"debug\"");
}

static void config_out_of_range(void **state)
{
	static const char *const integer_problem =
		"1: database.max_retries: must be an integer from 0 to 20";

	(void)state;
	expect_invalid("above.conf", "database = { max_retries = 21; };\n",
		       integer_problem);
	expect_invalid("below.conf", "database = { max_retries = -1; };\n",
		       integer_problem);
	/* libconfig 1.5 stores these modulo 2^32 (4294967301 as 5) without an
	 * error. */
	expect_invalid("huge.conf",
		       "database = { max_retries = 99999999999; };\n",
		       "1: database.max_retries: is out of range: the value "
		       "does not fit in a 32-bit integer");
	expect_invalid("wraps.conf",
		       "database = { max_retries = 4294967301; };\n",
		       "1: database.max_retries: is out of range: the value "
		       "does not fit in a 32-bit integer");
	expect_invalid("hex-wraps.conf",
		       "database = { max_retries = 0x100000005; };\n",
		       "1: database.max_retries: is out of range: the value "
		       "does not fit in a 32-bit integer");
}

static void config_bad_enum_strings(void **state)
{
	(void)state;
	expect_invalid("isolation.conf",
		       "database = {\n  isolation = \"repeatable read\";\n};\n",
		       "2: database.isolation: must be \"read committed\" or "
		       "\"serializable\"");
	expect_invalid("isolation-empty.conf",
		       "database = {\n  isolation = \"\";\n};\n",
		       "2: database.isolation: must be \"read committed\" or "
		       "\"serializable\"");
	expect_invalid("destination.conf",
		       "log = {\n  destination = \"stdout\";\n};\n",
		       "2: log.destination: must be \"stderr\", \"syslog\" or "
		       "\"file\"");
	expect_invalid("level.conf", "log = {\n  level = \"trace\";\n};\n",
		       "2: log.level: must be \"error\", \"warning\", "
		       "\"info\" or \"debug\"");
}

static void config_file_needs_log_file(void **state)
{
	(void)state;
	expect_invalid("no-log-file.conf",
		       "log = {\n"
		       "  level = \"info\";\n"
		       "  destination = \"file\";\n"
		       "};\n",
		       "3: log.destination: \"file\" requires log.file, the "
		       "path of the log file");
	expect_invalid("empty-log-file.conf",
		       "log = {\n"
		       "  destination = \"file\";\n"
		       "  file = \"\";\n"
		       "};\n",
		       "3: log.file: must not be empty when log.destination "
		       "is \"file\"");
}

static void config_log_file_without_file(void **state)
{
	struct ct_config config;
	struct ct_error err;
	const char *path = write_file(
		"file-ignored.conf",
		"log = { destination = \"stderr\"; file = \"/x.log\"; };\n");

	(void)state;
	assert_int_equal(ct_config_load(path, &config, &err), CT_OK);
	assert_int_equal(config.log_destination, CT_LOG_TO_STDERR);
	assert_string_equal(config.log_file, "/x.log");
}

/* Writes "group = { key = \"<length x>\"; };" into buffer. */
static void format_long_string(char *buffer, size_t size, const char *group,
			       const char *key, size_t length)
{
	int used = snprintf(buffer, size, "%s = { %s = \"", group, key);

	assert_true(used > 0 && (size_t)used + length + 8 < size);
	memset(buffer + used, 'x', length);
	snprintf(buffer + used + length, size - (size_t)used - length,
		 "\"; };\n");
}

static void config_string_lengths(void **state)
{
	char text[CT_CONFIG_TEXT_MAX + 64];
	char expected[128];
	struct ct_config config;
	struct ct_error err;
	const char *path;

	(void)state;
	format_long_string(text, sizeof(text), "database", "conninfo",
			   CT_CONFIG_TEXT_MAX - 1);
	path = write_file("longest.conf", text);
	assert_int_equal(ct_config_load(path, &config, &err), CT_OK);
	assert_int_equal(strlen(config.conninfo), CT_CONFIG_TEXT_MAX - 1);

	format_long_string(text, sizeof(text), "database", "conninfo",
			   CT_CONFIG_TEXT_MAX);
	snprintf(expected, sizeof(expected),
		 "1: database.conninfo: must be at most %d bytes long, not %d",
		 CT_CONFIG_TEXT_MAX - 1, CT_CONFIG_TEXT_MAX);
	expect_invalid("too-long.conf", text, expected);

	format_long_string(text, sizeof(text), "log", "file",
			   CT_CONFIG_TEXT_MAX + 10);
	snprintf(expected, sizeof(expected),
		 "1: log.file: must be at most %d bytes long, not %d",
		 CT_CONFIG_TEXT_MAX - 1, CT_CONFIG_TEXT_MAX + 10);
	expect_invalid("too-long-file.conf", text, expected);
}

static void config_organization_code(void **state)
{
	static const char *const problem =
		"1: general.default_organization: must be an organization "
		"code: 1 to 32 lowercase letters, digits or hyphens, not "
		"starting with a hyphen";
	struct ct_config config;
	struct ct_error err;
	const char *path;

	(void)state;
	expect_invalid("org-upper.conf",
		       "general = { default_organization = \"North\"; };\n",
		       problem);
	expect_invalid("org-hyphen.conf",
		       "general = { default_organization = \"-north\"; };\n",
		       problem);
	expect_invalid("org-space.conf",
		       "general = { default_organization = \"north one\"; };\n",
		       problem);
	expect_invalid("org-33.conf",
		       "general = { default_organization = "
		       "\"abcdefghijklmnopqrstuvwxyz0123456\"; };\n",
		       problem);

	path = write_file("org-32.conf",
			  "general = { default_organization = "
			  "\"abcdefghijklmnopqrstuvwxyz-12345\"; };\n");
	assert_int_equal(ct_config_load(path, &config, &err), CT_OK);
	assert_string_equal(config.default_organization,
			    "abcdefghijklmnopqrstuvwxyz-12345");
}

static void config_failure_keeps_defaults(void **state)
{
	struct ct_config config;
	struct ct_error err;
	const char *path = write_file("half-valid.conf",
				      "database = {\n"
				      "  max_retries = 9;\n"
				      "  isolation = \"serializable\";\n"
				      "};\n"
				      "log = { level = \"loud\"; };\n");

	(void)state;
	assert_int_equal(ct_config_load(path, &config, &err),
			 CT_CONFIG_INVALID);
	assert_string_equal(config.path, "");
	assert_defaults(&config);
}

static void config_included_file_named(void **state)
{
	struct ct_config config;
	struct ct_error err;
	char text[PATH_MAX + 32];
	char expected[PATH_MAX + 96];
	const char *path;
	char part[PATH_MAX];

	(void)state;
	snprintf(part, sizeof(part), "%s",
		 write_file("part.conf", "database = {\n"
					 "\n"
					 "  max_retries = 30;\n"
					 "};\n"));
	snprintf(text, sizeof(text), "@include \"%s\"\n", part);
	path = write_file("includes.conf", text);
	snprintf(expected, sizeof(expected),
		 "%s:3: database.max_retries: must be an integer from 0 to 20",
		 part);

	assert_int_equal(ct_config_load(path, &config, &err),
			 CT_CONFIG_INVALID);
	assert_string_equal(err.detail, expected);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_defaults_listed),
		cmocka_unit_test(config_full_file),
		cmocka_unit_test(config_partial_file),
		cmocka_unit_test(config_empty_file),
		cmocka_unit_test(config_names_ignore_case),
		cmocka_unit_test(config_range_bounds),
		cmocka_unit_test_setup_teardown(config_absent_gives_defaults,
						save_env, restore_saved_env),
		cmocka_unit_test_setup_teardown(config_xdg_file_first, save_env,
						restore_saved_env),
		cmocka_unit_test_setup_teardown(config_home_when_xdg_unset,
						save_env, restore_saved_env),
		cmocka_unit_test_setup_teardown(config_default_file_invalid,
						save_env, restore_saved_env),
		cmocka_unit_test(config_explicit_missing),
		cmocka_unit_test(config_explicit_directory),
		cmocka_unit_test(config_syntax_error_line),
		cmocka_unit_test(config_unknown_key),
		cmocka_unit_test(config_unknown_group),
		cmocka_unit_test(config_group_not_group),
		cmocka_unit_test(config_wrong_types),
		cmocka_unit_test(config_out_of_range),
		cmocka_unit_test(config_bad_enum_strings),
		cmocka_unit_test(config_file_needs_log_file),
		cmocka_unit_test(config_log_file_without_file),
		cmocka_unit_test(config_string_lengths),
		cmocka_unit_test(config_organization_code),
		cmocka_unit_test(config_failure_keeps_defaults),
		cmocka_unit_test(config_included_file_named),
	};

	return cmocka_run_group_tests(tests, make_base_dir, remove_base_dir);
}
