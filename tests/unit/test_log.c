/* Log lines while the interactive screen owns the terminal. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "careteam/log.h"

/* Runs ct_log calls with stderr sent to a temporary file and returns what
 * reached it. */
static const char *capture_stderr(void (*body)(void))
{
	static char text[4096];
	char path[] = "/tmp/careteam-log-XXXXXX";
	int saved = dup(STDERR_FILENO);
	int fd = mkstemp(path);
	ssize_t length;

	assert_true(fd >= 0);
	unlink(path);
	dup2(fd, STDERR_FILENO);
	body();
	dup2(saved, STDERR_FILENO);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	length = read(fd, text, sizeof(text) - 1);
	close(fd);
	text[length > 0 ? length : 0] = '\0';
	return text;
}

static void log_while_screen_active(void)
{
	ct_log_set_screen_active(true);
	ct_log(CT_LOG_WARNING, "conflict_primary", "organization=%d", 1);
	ct_log(CT_LOG_ERROR, "db_error", "organization=%d", 1);
}

static void resume_screen(void)
{
	ct_log_set_screen_active(false);
	ct_log(CT_LOG_WARNING, "after", "organization=%d", 2);
}

static void test_screen_holds_stderr(void **state)
{
	const char *text;

	(void)state;
	text = capture_stderr(log_while_screen_active);
	assert_string_equal(text, "");

	text = capture_stderr(resume_screen);
	assert_non_null(strstr(text, "log_lines_dropped count=2"));
	assert_non_null(strstr(text, "after organization=2"));
}

static void log_one_line_with_break(void)
{
	ct_log(CT_LOG_WARNING, "odd", "value=%s", "a\nb");
}

static void test_line_breaks_escaped(void **state)
{
	const char *text;

	(void)state;
	text = capture_stderr(log_one_line_with_break);
	assert_non_null(strstr(text, "odd value=a\\nb"));
	assert_int_equal(strchr(text, '\n') - text, (long)strlen(text) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_screen_holds_stderr),
		cmocka_unit_test(test_line_breaks_escaped),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
