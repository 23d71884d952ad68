/* The checks of the race harness. Every write that succeeded carries the
 * version it produced, and every rejected write the version it was
 * rejected at. Replaying them in version order on a model of the rules
 * must therefore predict each outcome and end on the team in the
 * database. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "race.h"

/* Anomalies printed in full; the rest are only counted. */
#define PRINT_LIMIT 20

/* One provider's place on the model team. */
struct member {
	bool active;
	enum ct_role role;
	int64_t assignment_id;
};

struct team_model {
	int64_t version;
	struct member members[RACE_PROVIDERS];
};

/* An assignment row that, by the replay, a successful write inserted. */
struct created {
	int64_t id;
	int patient;
	int provider;
	enum ct_role role;
	bool active;
	bool found;
};

struct created_list {
	struct created *items;
	size_t count;
	size_t capacity;
};

struct receipt {
	char key[33];
	char outcome[32];
	int64_t version;
	int64_t assignment_id;
	bool matched;
};

/* The server's outcome text of each outcome a receipt can hold. */
static const struct {
	enum ct_outcome outcome;
	const char *text;
} receipt_texts[] = {
	{CT_OK, "ok"},
	{CT_PATIENT_NOT_FOUND, "patient_not_found"},
	{CT_PROVIDER_NOT_FOUND, "provider_not_found"},
	{CT_PROVIDER_INACTIVE, "provider_inactive"},
	{CT_NOT_ON_TEAM, "not_on_team"},
	{CT_UNCHANGED, "unchanged"},
	{CT_CONFLICT_PRIMARY, "primary_taken"},
	{CT_CONFLICT_DUPLICATE, "duplicate"},
	{CT_CONFLICT_NO_PRIMARY, "no_primary"},
	{CT_STALE, "stale"},
};

void race_anomaly(struct race_report *report, const char *format, ...)
{
	va_list args;

	if (report->anomalies++ >= PRINT_LIMIT)
		return;
	fprintf(stderr, "race: anomaly: ");
	va_start(args, format);
	vfprintf(stderr, format, args);
	va_end(args);
	fputc('\n', stderr);
}

static const char *receipt_text(enum ct_outcome outcome)
{
	for (size_t i = 0; i < sizeof(receipt_texts) / sizeof(*receipt_texts);
	     i++) {
		if (receipt_texts[i].outcome == outcome)
			return receipt_texts[i].text;
	}
	return NULL;
}

/* Returns whether a write may end with this outcome: the typed rejections
 * of the rules and a serialization conflict whose retries ran out. A lost
 * connection, a constraint error or an unexpected database error is an
 * anomaly, because nothing in the run breaks the connection. */
static bool is_typed(enum ct_outcome outcome)
{
	return outcome == CT_OK || outcome == CT_CONFLICT_SERIALIZATION ||
	       receipt_text(outcome) != NULL;
}

/* Writes a record's description, for anomaly messages. */
static const char *describe(const struct race_org *org,
			    const struct race_record *record, char *buffer,
			    size_t size)
{
	char expected[32] = "any";

	if (record->expected_version != CT_VERSION_ANY)
		snprintf(expected, sizeof(expected), "%" PRId64,
			 record->expected_version);
	snprintf(buffer, size,
		 "worker %d: %s %s %s %s (expected version %s) -> %s at "
		 "version %" PRId64 ", key %s",
		 record->worker, race_action_names[record->action],
		 org->mrns[record->patient], org->npis[record->provider],
		 record->action == RACE_ASSIGN || record->action == RACE_SET_ROLE
			 ? ct_role_name((enum ct_role)record->argument)
			 : race_reasons[record->argument],
		 expected, ct_outcome_name(record->outcome), record->version,
		 record->key);
	return buffer;
}

/* ---- Reading the records ---- */

static bool parse_write(char *line, int worker, struct race_record *record)
{
	char *fields[16];
	int count = 0;
	char *field;

	while (count < 16 && (field = strsep(&line, "\t\n")) != NULL)
		fields[count++] = field;
	if (count < 15)
		return false;
	memset(record, 0, sizeof(*record));
	record->worker = worker;
	record->action = (enum race_action)atoi(fields[1]);
	record->patient = atoi(fields[2]);
	record->provider = atoi(fields[3]);
	record->argument = atoi(fields[4]);
	record->expected_version = strtoll(fields[5], NULL, 10);
	record->outcome = (enum ct_outcome)atoi(fields[6]);
	record->version = strtoll(fields[7], NULL, 10);
	record->assignment_id = strtoll(fields[8], NULL, 10);
	record->attempts = atoi(fields[9]);
	record->caught_by_constraint = atoi(fields[10]) != 0;
	record->settled = atoi(fields[11]) != 0;
	snprintf(record->key, sizeof(record->key), "%s", fields[12]);
	snprintf(record->sqlstate, sizeof(record->sqlstate), "%s",
		 strcmp(fields[13], "-") == 0 ? "" : fields[13]);
	snprintf(record->detail, sizeof(record->detail), "%s", fields[14]);
	return (unsigned)record->action < RACE_ACTION_COUNT &&
	       (unsigned)record->patient < RACE_PATIENTS &&
	       (unsigned)record->provider < RACE_PROVIDERS &&
	       (unsigned)record->outcome < CT_OUTCOME_COUNT;
}

static void check_load(const struct race_org *org, char *line, int worker,
		       struct race_report *report)
{
	int patient = -1, outcome = -1;

	report->loads++;
	if (sscanf(line, "L\t%d\t%d", &patient, &outcome) != 2 ||
	    outcome != CT_OK)
		race_anomaly(report, "worker %d: loading %s gave %s: %s",
			     worker,
			     patient >= 0 && patient < RACE_PATIENTS
				     ? org->mrns[patient]
				     : "?",
			     outcome >= 0 && outcome < CT_OUTCOME_COUNT
				     ? ct_outcome_name((enum ct_outcome)outcome)
				     : "?",
			     strrchr(line, '\t') + 1);
}

/* Appends one record, growing the array as needed. */
static void append_record(struct race_record **records, size_t *count,
			  size_t *capacity, const struct race_record *record)
{
	if (*count == *capacity) {
		*capacity = *capacity ? *capacity * 2 : 1024;
		*records = realloc(*records, *capacity * sizeof(**records));
		if (*records == NULL) {
			fprintf(stderr, "race: out of memory\n");
			exit(1);
		}
	}
	(*records)[(*count)++] = *record;
}

/* Reads one worker's file. Returns the number of writes its end line
 * reports, or -1 when that line is missing. */
static long read_worker(const struct race_settings *settings,
			const struct race_org *org, int worker,
			struct race_record **records, size_t *count,
			size_t *capacity, struct race_report *report)
{
	char path[512], line[1024];
	struct race_record record;
	long done = -1, written = 0;
	FILE *file;

	race_record_path(settings, org, worker, path, sizeof(path));
	file = fopen(path, "r");
	if (file == NULL) {
		race_anomaly(report, "worker %d left no records in %s", worker,
			     path);
		return -1;
	}
	while (fgets(line, sizeof(line), file) != NULL) {
		if (line[0] == 'L') {
			check_load(org, line, worker, report);
		} else if (line[0] == 'W' && parse_write(line, worker, &record)) {
			append_record(records, count, capacity, &record);
			written++;
		} else if (line[0] == 'E') {
			done = atol(line + 2);
		} else {
			race_anomaly(report, "%s: malformed line: %s", path,
				     line);
		}
	}
	fclose(file);
	if (done != written)
		race_anomaly(report, "worker %d recorded %ld writes but ended "
				     "after %ld", worker, written, done);
	return done;
}

size_t race_read_records(const struct race_settings *settings,
			 const struct race_org *org,
			 struct race_record **records,
			 struct race_report *report)
{
	size_t count = 0, capacity = 0;

	*records = NULL;
	for (int worker = 0; worker < settings->workers; worker++)
		read_worker(settings, org, worker, records, &count, &capacity,
			    report);
	return count;
}

/* ---- The model of the rules ---- */

static int primary_of(const struct team_model *team)
{
	for (int p = 0; p < RACE_PROVIDERS; p++) {
		if (team->members[p].active &&
		    team->members[p].role == CT_ROLE_PRIMARY)
			return p;
	}
	return -1;
}

/* Returns the outcome careteam.write must give for the record on the
 * model team, in the order the server-side functions check: stale view,
 * then the provider, then the team. */
static enum ct_outcome decide(const struct team_model *team,
			      const struct race_record *record)
{
	const struct member *member = &team->members[record->provider];
	bool inactive = record->provider == RACE_INACTIVE_PROVIDER;
	enum ct_role role = (enum ct_role)record->argument;

	if (record->expected_version != CT_VERSION_ANY &&
	    record->expected_version != team->version)
		return CT_STALE;
	switch (record->action) {
	case RACE_ASSIGN:
		if (inactive)
			return CT_PROVIDER_INACTIVE;
		if (member->active)
			return CT_CONFLICT_DUPLICATE;
		if (role == CT_ROLE_PRIMARY && primary_of(team) >= 0)
			return CT_CONFLICT_PRIMARY;
		return CT_OK;
	case RACE_REMOVE:
		return member->active ? CT_OK : CT_NOT_ON_TEAM;
	case RACE_SET_ROLE:
		if (!member->active)
			return CT_NOT_ON_TEAM;
		if (member->role == role)
			return CT_UNCHANGED;
		if (role == CT_ROLE_PRIMARY && inactive)
			return CT_PROVIDER_INACTIVE;
		if (role == CT_ROLE_PRIMARY && primary_of(team) >= 0)
			return CT_CONFLICT_PRIMARY;
		return CT_OK;
	case RACE_REASSIGN:
	case RACE_ACTION_COUNT:
		break;
	}
	if (inactive)
		return CT_PROVIDER_INACTIVE;
	if (primary_of(team) < 0)
		return CT_CONFLICT_NO_PRIMARY;
	if (primary_of(team) == record->provider)
		return CT_UNCHANGED;
	return CT_OK;
}

static void add_created(struct created_list *list, const struct created *item)
{
	if (list->count == list->capacity) {
		list->capacity = list->capacity ? list->capacity * 2 : 1024;
		list->items =
			realloc(list->items, list->capacity * sizeof(*item));
		if (list->items == NULL) {
			fprintf(stderr, "race: out of memory\n");
			exit(1);
		}
	}
	list->items[list->count++] = *item;
}

/* Makes the provider a member with a new assignment. */
static void start_member(struct team_model *team, struct created_list *list,
			 int patient, const struct race_record *record,
			 enum ct_role role)
{
	struct created item = {
		.id = record->assignment_id,
		.patient = patient,
		.provider = record->provider,
		.role = role,
	};

	team->members[record->provider] = (struct member){
		.active = true,
		.role = role,
		.assignment_id = record->assignment_id,
	};
	add_created(list, &item);
}

/* Applies a successful write to the model; returns false when the
 * assignment id it reported does not fit. */
static bool apply(struct team_model *team, struct created_list *list,
		  int patient, const struct race_record *record)
{
	struct member *member = &team->members[record->provider];
	int primary = primary_of(team);

	team->version = record->version;
	switch (record->action) {
	case RACE_ASSIGN:
	case RACE_SET_ROLE:
		start_member(team, list, patient, record,
			     (enum ct_role)record->argument);
		return true;
	case RACE_REMOVE:
		member->active = false;
		return record->assignment_id == member->assignment_id;
	case RACE_REASSIGN:
	case RACE_ACTION_COUNT:
		break;
	}
	if (primary >= 0)
		team->members[primary].active = false;
	start_member(team, list, patient, record, CT_ROLE_PRIMARY);
	return true;
}

/* Returns the assignment id an unchanged outcome must name. */
static int64_t unchanged_id(const struct team_model *team,
			    const struct race_record *record)
{
	int primary = primary_of(team);

	if (record->action == RACE_REASSIGN)
		return primary >= 0 ? team->members[primary].assignment_id : -1;
	return team->members[record->provider].assignment_id;
}

/* ---- Replay ---- */

/* Orders by version, successes before the rejections at that version,
 * because a rejection reports the version it saw and a success the one it
 * made. */
static int compare_events(const void *left, const void *right)
{
	const struct race_record *a = *(const struct race_record *const *)left;
	const struct race_record *b =
		*(const struct race_record *const *)right;

	if (a->version != b->version)
		return a->version < b->version ? -1 : 1;
	return (a->outcome != CT_OK) - (b->outcome != CT_OK);
}

static void replay_event(const struct race_org *org, int patient,
			 struct team_model *team, struct created_list *list,
			 const struct race_record *record,
			 struct race_report *report)
{
	char text[512];
	enum ct_outcome predicted;

	if (record->outcome == CT_OK) {
		if (record->version != team->version + 1)
			race_anomaly(report,
				     "%s: version %" PRId64 " follows %" PRId64
				     " (a gap or a duplicate)",
				     describe(org, record, text, sizeof(text)),
				     record->version, team->version);
		predicted = decide(team, record);
		if (predicted != CT_OK)
			race_anomaly(report, "%s: succeeded where the rules "
					     "say %s",
				     describe(org, record, text, sizeof(text)),
				     ct_outcome_name(predicted));
		if (!apply(team, list, patient, record))
			race_anomaly(report, "%s: ended assignment %" PRId64
					     ", not the provider's",
				     describe(org, record, text, sizeof(text)),
				     record->assignment_id);
		return;
	}

	if (record->version != team->version)
		race_anomaly(report, "%s: rejected at a version the team never "
				     "had after %" PRId64,
			     describe(org, record, text, sizeof(text)),
			     team->version);
	predicted = decide(team, record);
	if (predicted != record->outcome)
		race_anomaly(report, "%s: the rules say %s",
			     describe(org, record, text, sizeof(text)),
			     ct_outcome_name(predicted));
	else if (record->outcome == CT_UNCHANGED &&
		 record->assignment_id != unchanged_id(team, record))
		race_anomaly(report, "%s: names assignment %" PRId64,
			     describe(org, record, text, sizeof(text)),
			     record->assignment_id);
}

/* Returns whether a record carries a version to replay: a success, or a
 * typed rejection made under the patient's lock. */
static bool is_versioned(const struct race_record *record)
{
	return record->outcome == CT_OK ||
	       (receipt_text(record->outcome) != NULL &&
		!record->caught_by_constraint);
}

static void replay_patient(const struct race_org *org, int patient,
			   const struct race_record *records, size_t count,
			   struct team_model *team, struct created_list *list,
			   struct race_report *report)
{
	const struct race_record **events = calloc(count + 1, sizeof(*events));
	size_t used = 0;

	if (events == NULL) {
		fprintf(stderr, "race: out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i < count; i++) {
		if (records[i].patient == patient && is_versioned(&records[i]))
			events[used++] = &records[i];
	}
	qsort(events, used, sizeof(*events), compare_events);
	memset(team, 0, sizeof(*team));
	for (size_t i = 0; i < used; i++)
		replay_event(org, patient, team, list, events[i], report);
	free(events);
}

/* ---- The database ---- */

static int index_of(const char *const *names, int count, const char *name)
{
	for (int i = 0; i < count; i++) {
		if (strcmp(names[i], name) == 0)
			return i;
	}
	return -1;
}

static int compare_created(const void *left, const void *right)
{
	const struct created *a = left, *b = right;

	return (a->id > b->id) - (a->id < b->id);
}

static PGresult *query(PGconn *admin, const char *sql,
		       struct race_report *report)
{
	PGresult *result = PQexec(admin, sql);

	if (PQresultStatus(result) != PGRES_TUPLES_OK) {
		race_anomaly(report, "query failed: %s",
			     PQerrorMessage(admin));
		PQclear(result);
		return NULL;
	}
	return result;
}

/* Checks that the assignment rows are exactly those the replay created,
 * each active exactly when it is active in the model. */
static void check_rows(PGconn *admin, const struct race_org *org,
		       struct team_model teams[RACE_PATIENTS],
		       struct created_list *list, struct race_report *report)
{
	const char *mrns[RACE_PATIENTS], *npis[RACE_PROVIDERS];
	char sql[512];
	PGresult *result;

	for (int i = 0; i < RACE_PATIENTS; i++)
		mrns[i] = org->mrns[i];
	for (int i = 0; i < RACE_PROVIDERS; i++)
		npis[i] = org->npis[i];
	qsort(list->items, list->count, sizeof(*list->items), compare_created);
	for (size_t i = 1; i < list->count; i++) {
		if (list->items[i].id == list->items[i - 1].id)
			race_anomaly(report, "assignment %" PRId64 " was "
					     "reported as created twice",
				     list->items[i].id);
	}
	for (int p = 0; p < RACE_PATIENTS; p++) {
		for (int q = 0; q < RACE_PROVIDERS; q++) {
			struct member *member = &teams[p].members[q];
			struct created key = {.id = member->assignment_id};
			struct created *item;

			if (!member->active)
				continue;
			item = bsearch(&key, list->items, list->count,
				       sizeof(*list->items), compare_created);
			if (item != NULL)
				item->active = true;
		}
	}

	snprintf(sql, sizeof(sql),
		 "SELECT a.id, p.mrn, pr.npi, a.role, a.removed_at IS NULL"
		 " FROM careteam.care_team_assignments a"
		 " JOIN careteam.patients p ON p.organization_id ="
		 " a.organization_id AND p.id = a.patient_id"
		 " JOIN careteam.providers pr ON pr.organization_id ="
		 " a.organization_id AND pr.id = a.provider_id"
		 " WHERE a.organization_id = %lld",
		 (long long)org->org.id);
	result = query(admin, sql, report);
	if (result == NULL)
		return;
	for (int row = 0; row < PQntuples(result); row++) {
		struct created key = {.id = atoll(PQgetvalue(result, row, 0))};
		struct created *item =
			bsearch(&key, list->items, list->count,
				sizeof(*list->items), compare_created);
		enum ct_role role;
		bool active = strcmp(PQgetvalue(result, row, 4), "t") == 0;

		ct_role_parse(PQgetvalue(result, row, 3), &role);
		if (item == NULL) {
			race_anomaly(report, "assignment %" PRId64 " (%s %s %s)"
					     " is in the database but no "
					     "successful write created it",
				     key.id, PQgetvalue(result, row, 1),
				     PQgetvalue(result, row, 2),
				     PQgetvalue(result, row, 3));
			continue;
		}
		item->found = true;
		if (item->patient !=
			    index_of(mrns, RACE_PATIENTS,
				     PQgetvalue(result, row, 1)) ||
		    item->provider !=
			    index_of(npis, RACE_PROVIDERS,
				     PQgetvalue(result, row, 2)) ||
		    item->role != role || item->active != active)
			race_anomaly(report, "assignment %" PRId64 " is %s %s %s"
					     " %s in the database, not what "
					     "the replay made",
				     key.id, PQgetvalue(result, row, 1),
				     PQgetvalue(result, row, 2),
				     PQgetvalue(result, row, 3),
				     active ? "active" : "removed");
	}
	PQclear(result);
	for (size_t i = 0; i < list->count; i++) {
		if (!list->items[i].found)
			race_anomaly(report, "assignment %" PRId64 " reported "
					     "by a successful write is not in "
					     "the database",
				     list->items[i].id);
	}
}

static void check_versions(PGconn *admin, const struct race_org *org,
			   const struct team_model teams[RACE_PATIENTS],
			   struct race_report *report)
{
	char sql[256];
	PGresult *result;

	snprintf(sql, sizeof(sql),
		 "SELECT mrn, care_team_version FROM careteam.patients"
		 " WHERE organization_id = %lld",
		 (long long)org->org.id);
	result = query(admin, sql, report);
	if (result == NULL)
		return;
	for (int row = 0; row < PQntuples(result); row++) {
		for (int p = 0; p < RACE_PATIENTS; p++) {
			int64_t version = atoll(PQgetvalue(result, row, 1));

			if (strcmp(PQgetvalue(result, row, 0), org->mrns[p]) ||
			    version == teams[p].version)
				continue;
			race_anomaly(report, "patient %s is at version %" PRId64
					     " but its successful writes end "
					     "at %" PRId64,
				     org->mrns[p], version, teams[p].version);
		}
	}
	PQclear(result);
}

static int compare_receipts(const void *left, const void *right)
{
	const struct receipt *a = left, *b = right;

	return strcmp(a->key, b->key);
}

static struct receipt *load_receipts(PGconn *admin, const struct race_org *org,
				     size_t *count, struct race_report *report)
{
	char sql[256];
	PGresult *result;
	struct receipt *receipts;

	snprintf(sql, sizeof(sql),
		 "SELECT idempotency_key, outcome,"
		 " coalesce(care_team_version, -1), coalesce(assignment_id, 0)"
		 " FROM careteam.write_receipts WHERE organization_id = %lld",
		 (long long)org->org.id);
	*count = 0;
	result = query(admin, sql, report);
	if (result == NULL)
		return NULL;
	receipts = calloc((size_t)PQntuples(result) + 1, sizeof(*receipts));
	if (receipts == NULL) {
		fprintf(stderr, "race: out of memory\n");
		exit(1);
	}
	for (int row = 0; row < PQntuples(result); row++) {
		struct receipt *receipt = &receipts[(*count)++];

		snprintf(receipt->key, sizeof(receipt->key), "%s",
			 PQgetvalue(result, row, 0));
		snprintf(receipt->outcome, sizeof(receipt->outcome), "%s",
			 PQgetvalue(result, row, 1));
		receipt->version = atoll(PQgetvalue(result, row, 2));
		receipt->assignment_id = atoll(PQgetvalue(result, row, 3));
	}
	PQclear(result);
	qsort(receipts, *count, sizeof(*receipts), compare_receipts);
	return receipts;
}

/* Checks each write against the receipt stored in its own transaction: a
 * write whose transaction was rolled back (serialization failures, an
 * error) has none, and every other write has one with the outcome, version
 * and assignment the worker received. */
static void check_receipts(PGconn *admin, const struct race_org *org,
			   const struct race_record *records, size_t count,
			   struct race_report *report)
{
	size_t receipt_count;
	struct receipt *receipts =
		load_receipts(admin, org, &receipt_count, report);
	char text[512];

	for (size_t i = 0; i < count; i++) {
		const struct race_record *record = &records[i];
		struct receipt key, *receipt;
		const char *expected = receipt_text(record->outcome);

		snprintf(key.key, sizeof(key.key), "%s", record->key);
		receipt = bsearch(&key, receipts, receipt_count,
				  sizeof(*receipts), compare_receipts);
		if (receipt != NULL)
			receipt->matched = true;
		if (record->outcome == CT_CONFLICT_SERIALIZATION ||
		    record->caught_by_constraint ||
		    !is_typed(record->outcome)) {
			if (receipt != NULL)
				race_anomaly(report, "%s: a receipt '%s' was "
						     "stored",
					     describe(org, record, text,
						      sizeof(text)),
					     receipt->outcome);
		} else if (expected == NULL || receipt == NULL ||
			   strcmp(receipt->outcome, expected) != 0 ||
			   receipt->version != record->version ||
			   receipt->assignment_id != record->assignment_id) {
			race_anomaly(report, "%s: its receipt says %s at "
					     "version %" PRId64,
				     describe(org, record, text, sizeof(text)),
				     receipt != NULL ? receipt->outcome
						     : "nothing",
				     receipt != NULL ? receipt->version : -1);
		}
	}
	for (size_t i = 0; i < receipt_count; i++) {
		if (!receipts[i].matched)
			race_anomaly(report, "receipt %s (%s) belongs to no "
					     "recorded write",
				     receipts[i].key, receipts[i].outcome);
	}
	free(receipts);
}

static void check_outcomes(const struct race_org *org,
			   const struct race_record *records, size_t count,
			   struct race_report *report)
{
	char text[512];

	for (size_t i = 0; i < count; i++) {
		const struct race_record *record = &records[i];

		report->outcome_counts[record->outcome]++;
		report->retries += record->attempts - 1;
		if (record->attempts > 1)
			report->retried_writes++;
		if (!is_typed(record->outcome))
			race_anomaly(report, "%s: not a typed outcome (%s %s)",
				     describe(org, record, text, sizeof(text)),
				     record->sqlstate, record->detail);
		if (record->caught_by_constraint)
			race_anomaly(report, "%s: the unique index caught what "
					     "the re-check under the lock "
					     "missed",
				     describe(org, record, text, sizeof(text)));
		if (record->settled)
			race_anomaly(report, "%s: settled, though no "
					     "connection was lost",
				     describe(org, record, text, sizeof(text)));
	}
}

/* Checks the final state of the database by itself: never two active
 * PRIMARYs, never one provider twice on a team. */
static void check_invariants(PGconn *admin, const struct race_org *org,
			     struct race_report *report)
{
	char sql[512];
	PGresult *result;

	snprintf(sql, sizeof(sql),
		 "SELECT (SELECT count(*) FROM (SELECT patient_id FROM"
		 " careteam.care_team_assignments WHERE organization_id ="
		 " %lld AND role = 'PRIMARY' AND removed_at IS NULL GROUP BY"
		 " patient_id HAVING count(*) > 1) twice), (SELECT count(*)"
		 " FROM (SELECT patient_id FROM careteam.care_team_assignments"
		 " WHERE organization_id = %lld AND removed_at IS NULL GROUP"
		 " BY patient_id, provider_id HAVING count(*) > 1) pairs)",
		 (long long)org->org.id, (long long)org->org.id);
	result = query(admin, sql, report);
	if (result == NULL)
		return;
	if (atol(PQgetvalue(result, 0, 0)) != 0)
		race_anomaly(report, "%s patients have two active PRIMARYs",
			     PQgetvalue(result, 0, 0));
	if (atol(PQgetvalue(result, 0, 1)) != 0)
		race_anomaly(report, "%s active patient-provider pairs are "
				     "duplicated",
			     PQgetvalue(result, 0, 1));
	PQclear(result);
}

void race_check(PGconn *admin, const struct race_org *org,
		const struct race_record *records, size_t count,
		struct race_report *report)
{
	struct team_model teams[RACE_PATIENTS];
	struct created_list created = {0};

	check_outcomes(org, records, count, report);
	for (int p = 0; p < RACE_PATIENTS; p++)
		replay_patient(org, p, records, count, &teams[p], &created,
			       report);
	check_versions(admin, org, teams, report);
	check_rows(admin, org, teams, &created, report);
	check_receipts(admin, org, records, count, report);
	check_invariants(admin, org, report);
	free(created.items);
}
