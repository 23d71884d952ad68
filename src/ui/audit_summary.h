/* One-line summaries of audit entries: what changed between an entry's
 * before and after rows, which are JSON copies of a care-team assignment. */
#ifndef CT_UI_AUDIT_SUMMARY_H
#define CT_UI_AUDIT_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include "careteam/admin.h"
#include "careteam/care_team.h"

/* Copies the value of key in a flat JSON object into buffer: a string
 * unescaped, a number or true/false as written. Returns false when the
 * key is missing, its value is null, an object or an array, or the text
 * is not an object. */
bool ui_json_get(const char *json, const char *key, char *buffer, size_t size);

/* Writes a summary of entry into buffer, such as "Dr. Ada Okafor added as
 * SPECIALIST" or "Dr. Ada Okafor: SPECIALIST to PRIMARY". team names the
 * providers of the assignments it lists. An entry without before and
 * after rows, such as a view, gets "". */
void ui_audit_summary(const struct ct_audit_entry *entry,
                      const struct ct_care_team *team, char *buffer,
                      size_t size);

#endif
