/* Copies fields out of a libpq result into owned C values, and measures
 * the text sent as parameters. */
#ifndef CARETEAM_DOMAIN_ROWS_H
#define CARETEAM_DOMAIN_ROWS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* Returns a heap copy of the field, "" for NULL, or NULL when out of
 * memory. */
char *ct_row_text(const PGresult *result, int row, int column);

/* Returns the field as an integer, or fallback when it is NULL. */
int64_t ct_row_int64(const PGresult *result, int row, int column,
		     int64_t fallback);

/* Returns whether the field is the boolean true ("t"). */
bool ct_row_bool(const PGresult *result, int row, int column);

/* Copies the field into a fixed buffer, "" for NULL, cut to fit. */
void ct_row_copy(const PGresult *result, int row, int column, char *buffer,
		 size_t size);

/* Returns the number of characters in UTF-8 text: the bytes that do not
 * continue a character. */
size_t ct_text_chars(const char *text);

#endif
