/* Field copies out of libpq results, declared in rows.h. */
#include "rows.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *ct_row_text(const PGresult *result, int row, int column)
{
	if (PQgetisnull(result, row, column))
		return strdup("");
	return strdup(PQgetvalue(result, row, column));
}

int64_t ct_row_int64(const PGresult *result, int row, int column,
		     int64_t fallback)
{
	if (PQgetisnull(result, row, column))
		return fallback;
	return strtoll(PQgetvalue(result, row, column), NULL, 10);
}

bool ct_row_bool(const PGresult *result, int row, int column)
{
	return !PQgetisnull(result, row, column) &&
	       strcmp(PQgetvalue(result, row, column), "t") == 0;
}

void ct_row_copy(const PGresult *result, int row, int column, char *buffer,
		 size_t size)
{
	const char *value = PQgetisnull(result, row, column)
				    ? ""
				    : PQgetvalue(result, row, column);

	snprintf(buffer, size, "%s", value);
}

size_t ct_text_chars(const char *text)
{
	size_t count = 0;

	for (; *text != '\0'; text++) {
		if (((unsigned char)*text & 0xC0) != 0x80)
			count++;
	}
	return count;
}
