/* Audit entry summaries. The before and after rows are jsonb text of one
 * careteam.care_team_assignments row, as the audit trigger stores them:
 * a flat object such as {"id": 7, "role": "PRIMARY", "removed_at": null}.
 * The small reader here handles any JSON object, but it only looks into
 * the top level. */
#include "audit_summary.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialogs.h"
#include "labels.h"

#define KEY_BYTES   64
#define VALUE_BYTES 512

/* One member of an object: its key, and its value as written. */
struct member {
	char key[KEY_BYTES];
	bool key_cut;
	const char *value;
	size_t value_length;
};

static const char *skip_space(const char *at)
{
	while (*at == ' ' || *at == '\t' || *at == '\n' || *at == '\r')
		at++;
	return at;
}

static void put_byte(char *buffer, size_t size, size_t *used, char byte,
                     bool *cut)
{
	if (*used + 1 < size)
		buffer[(*used)++] = byte;
	else
		*cut = true;
}

/* Appends code point as UTF-8. */
static void put_code_point(char *buffer, size_t size, size_t *used,
                           uint32_t code, bool *cut)
{
	if (code < 0x80) {
		put_byte(buffer, size, used, (char)code, cut);
	} else if (code < 0x800) {
		put_byte(buffer, size, used, (char)(0xC0 | (code >> 6)), cut);
		put_byte(buffer, size, used, (char)(0x80 | (code & 0x3F)), cut);
	} else if (code < 0x10000) {
		put_byte(buffer, size, used, (char)(0xE0 | (code >> 12)), cut);
		put_byte(buffer, size, used,
		         (char)(0x80 | ((code >> 6) & 0x3F)), cut);
		put_byte(buffer, size, used, (char)(0x80 | (code & 0x3F)), cut);
	} else {
		put_byte(buffer, size, used, (char)(0xF0 | (code >> 18)), cut);
		put_byte(buffer, size, used,
		         (char)(0x80 | ((code >> 12) & 0x3F)), cut);
		put_byte(buffer, size, used,
		         (char)(0x80 | ((code >> 6) & 0x3F)), cut);
		put_byte(buffer, size, used, (char)(0x80 | (code & 0x3F)), cut);
	}
}

static bool read_hex4(const char *at, uint32_t *value)
{
	int i;

	*value = 0;
	for (i = 0; i < 4; i++) {
		char digit = at[i];

		if (!isxdigit((unsigned char)digit))
			return false;
		*value =
		    *value * 16 +
		    (uint32_t)(isdigit((unsigned char)digit)
		                   ? digit - '0'
		                   : tolower((unsigned char)digit) - 'a' + 10);
	}
	return true;
}

/* Decodes a \u escape at at (after the backslash and 'u'), joining a
 * surrogate pair. Returns the characters read, or 0 when malformed. */
static size_t read_unicode(const char *at, uint32_t *code)
{
	uint32_t low;

	if (!read_hex4(at, code))
		return 0;
	if (*code < 0xD800 || *code > 0xDBFF)
		return 4;
	if (at[4] == '\\' && at[5] == 'u' && read_hex4(at + 6, &low) &&
	    low >= 0xDC00 && low <= 0xDFFF) {
		*code = 0x10000 + ((*code - 0xD800) << 10) + (low - 0xDC00);
		return 10;
	}
	*code = 0xFFFD;
	return 4;
}

static char simple_escape(char letter)
{
	switch (letter) {
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	default:
		return letter;
	}
}

/* Reads a JSON string at at (its opening quote) into buffer, cut to size,
 * and returns what follows the closing quote, or NULL when malformed. */
static const char *read_string(const char *at, char *buffer, size_t size,
                               bool *cut)
{
	size_t used = 0;

	*cut = false;
	for (at++; *at != '"'; at++) {
		uint32_t code;
		size_t length;

		if (*at == '\0')
			return NULL;
		if (*at != '\\') {
			put_byte(buffer, size, &used, *at, cut);
			continue;
		}
		at++;
		if (*at == '\0')
			return NULL;
		if (*at != 'u') {
			put_byte(buffer, size, &used, simple_escape(*at), cut);
			continue;
		}
		length = read_unicode(at + 1, &code);
		if (length == 0)
			return NULL;
		put_code_point(buffer, size, &used, code, cut);
		at += length;
	}
	if (size > 0)
		buffer[used] = '\0';
	return at + 1;
}

/* Returns what follows the value at at, or NULL when malformed. */
static const char *skip_value(const char *at)
{
	int depth = 0;
	bool cut;

	for (;;) {
		if (*at == '"') {
			at = read_string(at, NULL, 0, &cut);
			if (at == NULL)
				return NULL;
		} else if (*at == '\0') {
			return depth == 0 ? at : NULL;
		} else if (*at == '{' || *at == '[') {
			depth++;
			at++;
		} else if (*at == '}' || *at == ']') {
			if (depth == 0)
				return at;
			depth--;
			at++;
		} else if (depth == 0 && strchr(", \t\r\n", *at) != NULL) {
			return at;
		} else {
			at++;
		}
	}
}

/* Calls visit for each top-level member of the object in json, until it
 * returns true. Returns whether a visit returned true. */
static bool find_member(const char *json,
                        bool (*visit)(const struct member *, void *),
                        void *context)
{
	const char *at = skip_space(json);
	struct member member;

	if (*at++ != '{')
		return false;
	for (;;) {
		at = skip_space(at);
		if (*at != '"')
			return false;
		at = read_string(at, member.key, sizeof(member.key),
		                 &member.key_cut);
		if (at == NULL)
			return false;
		at = skip_space(at);
		if (*at++ != ':')
			return false;
		at = skip_space(at);
		member.value = at;
		at = skip_value(at);
		if (at == NULL)
			return false;
		member.value_length = (size_t)(at - member.value);
		if (visit(&member, context))
			return true;
		at = skip_space(at);
		if (*at++ != ',')
			return false;
	}
}

struct lookup {
	const char *key;
	const struct member *found;
	struct member copy;
};

static bool match_key(const struct member *member, void *context)
{
	struct lookup *lookup = context;

	if (member->key_cut || strcmp(member->key, lookup->key) != 0)
		return false;
	lookup->copy = *member;
	lookup->found = &lookup->copy;
	return true;
}

/* Finds key's member, with its value as written. */
static bool get_raw(const char *json, const char *key, struct member *out)
{
	struct lookup lookup = {key, NULL, {{0}, false, NULL, 0}};

	if (json == NULL || !find_member(json, match_key, &lookup))
		return false;
	*out = lookup.copy;
	return true;
}

bool ui_json_get(const char *json, const char *key, char *buffer, size_t size)
{
	struct member member;
	size_t length;
	bool cut;

	if (size == 0 || !get_raw(json, key, &member))
		return false;
	if (member.value[0] == '"')
		return read_string(member.value, buffer, size, &cut) != NULL;
	if (member.value[0] == '{' || member.value[0] == '[' ||
	    strncmp(member.value, "null", 4) == 0)
		return false;
	length =
	    member.value_length < size - 1 ? member.value_length : size - 1;
	memcpy(buffer, member.value, length);
	buffer[length] = '\0';
	return true;
}

static void provider_of(const char *row, const struct ct_care_team *team,
                        char *buffer, size_t size)
{
	char id[32];
	size_t i;

	if (!ui_json_get(row, "id", id, sizeof(id))) {
		ui_copy(buffer, size, UI_TEXT_AUDIT_UNKNOWN);
		return;
	}
	for (i = 0; i < team->count; i++) {
		if (team->items[i].id == strtoll(id, NULL, 10)) {
			ui_copy(buffer, size, team->items[i].provider_name);
			return;
		}
	}
	snprintf(buffer, size, UI_TEXT_AUDIT_ASSIGNMENT, id);
}

struct difference {
	const char *before;
	char names[VALUE_BYTES];
	size_t used;
};

/* Adds the key of a member whose value differs in the before row. The
 * bookkeeping column updated_at changes with every write, so it is left
 * out. */
static bool note_difference(const struct member *member, void *context)
{
	struct difference *difference = context;
	struct member old;
	bool same;

	if (strcmp(member->key, "updated_at") == 0)
		return false;
	same = get_raw(difference->before, member->key, &old) &&
	       old.value_length == member->value_length &&
	       memcmp(old.value, member->value, old.value_length) == 0;
	if (!same && difference->used < sizeof(difference->names))
		difference->used += (size_t)snprintf(
		    difference->names + difference->used,
		    sizeof(difference->names) - difference->used, "%s%s",
		    difference->used > 0 ? ", " : "", member->key);
	return false;
}

static void summarize_update(const struct ct_audit_entry *entry,
                             const char *provider, char *buffer, size_t size)
{
	char role_before[32] = "", role_after[32] = "";
	char removed_before[64], removed_after[64];
	char reason[VALUE_BYTES] = "";
	struct difference difference = {entry->before, "", 0};

	ui_json_get(entry->before, "role", role_before, sizeof(role_before));
	ui_json_get(entry->after, "role", role_after, sizeof(role_after));
	if (strcmp(role_before, role_after) != 0) {
		snprintf(buffer, size, UI_TEXT_AUDIT_ROLE, provider,
		         role_before, role_after);
		return;
	}
	if (!ui_json_get(entry->before, "removed_at", removed_before,
	                 sizeof(removed_before)) &&
	    ui_json_get(entry->after, "removed_at", removed_after,
	                sizeof(removed_after))) {
		ui_json_get(entry->after, "removal_reason", reason,
		            sizeof(reason));
		snprintf(buffer, size, UI_TEXT_AUDIT_REMOVED, provider,
		         role_after, reason);
		return;
	}
	find_member(entry->after, note_difference, &difference);
	snprintf(buffer, size, UI_TEXT_AUDIT_FIELDS, provider,
	         difference.used > 0 ? difference.names
	                             : UI_TEXT_AUDIT_UNKNOWN);
}

void ui_audit_summary(const struct ct_audit_entry *entry,
                      const struct ct_care_team *team, char *buffer,
                      size_t size)
{
	char provider[UI_NAME_BYTES];
	char role[32];
	bool has_before = entry->before[0] != '\0';
	bool has_after = entry->after[0] != '\0';

	ui_copy(buffer, size, "");
	if (!has_before && !has_after)
		return;
	/* Rows that are not assignments, such as a lockout's end time, are
	 * shown as stored. */
	if (!ui_json_get(has_after ? entry->after : entry->before, "role", role,
	                 sizeof(role))) {
		ui_copy(buffer, size, has_after ? entry->after : entry->before);
		return;
	}
	provider_of(has_after ? entry->after : entry->before, team, provider,
	            sizeof(provider));
	if (!has_before)
		snprintf(buffer, size, UI_TEXT_AUDIT_ADDED, provider, role);
	else if (has_after)
		summarize_update(entry, provider, buffer, size);
	else
		ui_copy(buffer, size, provider);
}
