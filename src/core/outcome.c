/* The outcome table declared in careteam/outcome.h. */
#include "careteam/outcome.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct outcome_entry {
	const char *name;
	int exit_status;
	const char *message;
	const char *detail_format;
};

static const struct outcome_entry outcome_table[CT_OUTCOME_COUNT] = {
#define CT_OUTCOME_ENTRY(id, tag, status, message, detail)                     \
	[id] = {tag, status, message, detail},
	CT_OUTCOMES(CT_OUTCOME_ENTRY)
#undef CT_OUTCOME_ENTRY
};

static const struct outcome_entry *lookup(enum ct_outcome outcome)
{
	if ((unsigned)outcome >= CT_OUTCOME_COUNT)
		outcome = CT_SYSTEM_ERROR;
	return &outcome_table[outcome];
}

const char *ct_outcome_message(enum ct_outcome outcome)
{
	return lookup(outcome)->message;
}

const char *ct_outcome_name(enum ct_outcome outcome)
{
	return lookup(outcome)->name;
}

int ct_outcome_exit_status(enum ct_outcome outcome)
{
	return lookup(outcome)->exit_status;
}

const char *ct_outcome_detail_format(enum ct_outcome outcome)
{
	return lookup(outcome)->detail_format;
}

int ct_outcome_is_conflict(enum ct_outcome outcome)
{
	switch (outcome) {
	case CT_CONFLICT_PRIMARY:
	case CT_CONFLICT_DUPLICATE:
	case CT_CONFLICT_NO_PRIMARY:
	case CT_CONFLICT_SERIALIZATION:
	case CT_STALE:
		return 1;
	default:
		return 0;
	}
}

enum ct_outcome ct_error_set(struct ct_error *err, enum ct_outcome outcome,
			     const char *format, ...)
{
	va_list args;

	if (err == NULL)
		return outcome;
	memset(err, 0, sizeof(*err));
	err->outcome = outcome;
	va_start(args, format);
	vsnprintf(err->detail, sizeof(err->detail), format, args);
	va_end(args);
	return outcome;
}
