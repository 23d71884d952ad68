/* Tab-separated records on stdout, and error messages on stderr. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

/* Maximum length of a usage error message; longer ones are cut. */
#define USAGE_MESSAGE_MAX 1024

/* Writes length bytes of text with every control character replaced by a
 * space, so that a value can neither break a line nor send a terminal
 * escape sequence. */
static void put_flat(FILE *stream, const char *text, size_t length)
{
	for (size_t i = 0; i < length; i++) {
		unsigned char byte = (unsigned char)text[i];

		putc(byte < 0x20 || byte == 0x7f ? ' ' : byte, stream);
	}
}

void cli_print_record(size_t count, const char *const fields[])
{
	for (size_t i = 0; i < count; i++) {
		if (i > 0)
			putchar('\t');
		if (fields[i] != NULL)
			put_flat(stdout, fields[i], strlen(fields[i]));
	}
	putchar('\n');
}

/* Prints "careteam: text" as one line. libpq's messages end in a newline
 * and may hold several lines, which are joined. */
static void print_error_line(const char *text)
{
	size_t length = strlen(text);

	while (length > 0 && strchr("\n ", text[length - 1]) != NULL)
		length--;
	fputs(CLI_PROGRAM ": ", stderr);
	put_flat(stderr, text, length);
	putc('\n', stderr);
}

/* Returns whether detail only repeats message, ignoring case and a final
 * period. */
static bool repeats_message(const char *detail, const char *message)
{
	size_t detail_length = strcspn(detail, "\n");
	size_t message_length = strlen(message);

	if (detail_length > 0 && detail[detail_length - 1] == '.')
		detail_length--;
	if (message_length > 0 && message[message_length - 1] == '.')
		message_length--;
	return detail_length == message_length &&
	       strncasecmp(detail, message, message_length) == 0;
}

void cli_print_error(const char *message, const char *detail)
{
	print_error_line(message);
	if (detail != NULL && detail[0] != '\0' &&
	    !repeats_message(detail, message))
		print_error_line(detail);
}

enum ct_outcome cli_report(enum ct_outcome outcome, const struct ct_error *err)
{
	cli_print_error(ct_outcome_message(outcome),
			err != NULL ? err->detail : NULL);
	return outcome;
}

enum ct_outcome cli_usage_error(const struct cli_command *command,
				const char *format, ...)
{
	char message[USAGE_MESSAGE_MAX];
	va_list args;

	va_start(args, format);
	vsnprintf(message, sizeof(message), format, args);
	va_end(args);
	print_error_line(message);
	if (command != NULL)
		cli_print_command_usage(stderr, command);
	else
		cli_print_usage(stderr);
	fputs("Try '" CLI_PROGRAM " --help' for more information.\n", stderr);
	return CT_INVALID_INPUT;
}
