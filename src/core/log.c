/* Structured log lines to stderr, syslog or an append-only file. */
#include "careteam/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* Maximum length of an event with its pairs before escaping. A longer line
 * is cut and ends with truncated=true. */
#define LOG_TEXT_MAX 2048

/* Escaping turns one byte into at most four ("\x1b"). */
#define LOG_ESCAPED_MAX (LOG_TEXT_MAX * 4 + 32)

#define TRUNCATED_MARK " truncated=true"

static struct {
	enum ct_log_destination destination;
	enum ct_log_level level;
	int fd;
	/* While the interactive screen owns the terminal, lines bound for
	 * stderr are counted here instead of drawn over it. */
	bool screen_active;
	unsigned long held_lines;
} logger = {CT_LOG_TO_STDERR, CT_LOG_WARNING, -1, false, 0};

static const char *const level_names[] = {
	[CT_LOG_ERROR] = "error",
	[CT_LOG_WARNING] = "warning",
	[CT_LOG_INFO] = "info",
	[CT_LOG_DEBUG] = "debug",
};

static int syslog_priority(enum ct_log_level level)
{
	switch (level) {
	case CT_LOG_ERROR:
		return LOG_ERR;
	case CT_LOG_WARNING:
		return LOG_WARNING;
	case CT_LOG_INFO:
		return LOG_INFO;
	case CT_LOG_DEBUG:
		break;
	}
	return LOG_DEBUG;
}

enum ct_outcome ct_log_open(const struct ct_config *config,
			    struct ct_error *err)
{
	int fd = -1;

	if (config->log_destination == CT_LOG_TO_FILE) {
		fd = open(config->log_file,
			  O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY,
			  0600);
		if (fd < 0)
			return ct_error_set(
				err, CT_CONFIG_INVALID,
				"%s%slog.file: cannot open %s: %s",
				config->path, config->path[0] ? ": " : "",
				config->log_file, strerror(errno));
	}

	ct_log_close();
	logger.destination = config->log_destination;
	logger.level = config->log_level;
	logger.fd = fd;
	if (logger.destination == CT_LOG_TO_SYSLOG)
		openlog("careteam", LOG_PID, LOG_USER);
	return CT_OK;
}

void ct_log_close(void)
{
	if (logger.fd >= 0)
		close(logger.fd);
	if (logger.destination == CT_LOG_TO_SYSLOG)
		closelog();
	logger.destination = CT_LOG_TO_STDERR;
	logger.level = CT_LOG_WARNING;
	logger.fd = -1;
}

/* Copies text into buffer with backslashes and control characters escaped,
 * so that whatever the values contain, one event stays one line. */
static void escape_line(const char *text, char *buffer, size_t size)
{
	size_t used = 0;

	for (const unsigned char *at = (const unsigned char *)text;
	     *at != '\0' && used + 5 < size; at++) {
		switch (*at) {
		case '\\':
			used += (size_t)snprintf(buffer + used, size - used,
						 "\\\\");
			break;
		case '\n':
			used += (size_t)snprintf(buffer + used, size - used,
						 "\\n");
			break;
		case '\r':
			used += (size_t)snprintf(buffer + used, size - used,
						 "\\r");
			break;
		case '\t':
			used += (size_t)snprintf(buffer + used, size - used,
						 "\\t");
			break;
		default:
			if (*at < 0x20 || *at == 0x7f)
				used += (size_t)snprintf(buffer + used,
							 size - used, "\\x%02x",
							 *at);
			else
				buffer[used++] = (char)*at;
		}
	}
	buffer[used] = '\0';
}

/* Writes all of text to fd, resuming after partial writes and signals. */
static void write_all(int fd, const char *text, size_t length)
{
	while (length > 0) {
		ssize_t written = write(fd, text, length);

		if (written < 0 && errno == EINTR)
			continue;
		/* NOTE: a failed write (a full disk, say) drops the line
		 * without a trace, because there is nowhere left to report
		 * it. */
		if (written <= 0)
			return;
		text += written;
		length -= (size_t)written;
	}
}

/* Prefixes the line with the UTC time and level and writes it in one
 * write(2), so that with O_APPEND concurrent processes do not interleave
 * within a line. */
static void write_line(int fd, enum ct_log_level level, const char *line)
{
	char output[LOG_ESCAPED_MAX + 64];
	char stamp[32];
	struct tm utc;
	time_t now = time(NULL);
	int length;

	if (gmtime_r(&now, &utc) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &utc) == 0)
		snprintf(stamp, sizeof(stamp), "-");
	length = snprintf(output, sizeof(output), "%s %s %s\n", stamp,
			  level_names[level], line);
	if (length < 0)
		return;
	if ((size_t)length >= sizeof(output))
		length = (int)sizeof(output) - 1;
	write_all(fd, output, (size_t)length);
}

static void format_text(char *text, const char *event, const char *format,
			va_list args) __attribute__((format(printf, 3, 0)));

/* Formats "EVENT pairs", marking a line that did not fit. */
static void format_text(char *text, const char *event, const char *format,
			va_list args)
{
	size_t room = LOG_TEXT_MAX - sizeof(TRUNCATED_MARK);
	int length = snprintf(text, room, "%s", event);

	if (length >= 0 && (size_t)length + 1 < room && format != NULL &&
	    format[0] != '\0') {
		text[length] = ' ';
		length += 1 + vsnprintf(text + length + 1,
					room - (size_t)length - 1, format,
					args);
	}
	if (length >= 0 && (size_t)length >= room)
		strcat(text, TRUNCATED_MARK);
}

void ct_log(enum ct_log_level level, const char *event, const char *format,
	    ...)
{
	char text[LOG_TEXT_MAX];
	char line[LOG_ESCAPED_MAX];
	int saved_errno = errno;
	va_list args;

	if ((unsigned)level > CT_LOG_DEBUG || level > logger.level)
		return;

	va_start(args, format);
	format_text(text, event, format, args);
	va_end(args);
	escape_line(text, line, sizeof(line));

	if (logger.destination == CT_LOG_TO_SYSLOG)
		syslog(syslog_priority(level), "%s", line);
	else if (logger.destination == CT_LOG_TO_FILE && logger.fd >= 0)
		write_line(logger.fd, level, line);
	else if (logger.screen_active)
		logger.held_lines++;
	else
		write_line(STDERR_FILENO, level, line);
	errno = saved_errno;
}

void ct_log_set_screen_active(bool active)
{
	unsigned long held = logger.held_lines;

	logger.screen_active = active;
	logger.held_lines = 0;
	if (!active && held > 0)
		ct_log(CT_LOG_WARNING, "log_lines_dropped",
		       "count=%lu reason=screen_active", held);
}
