/* One worker of the race harness, run in a child process with a session
 * of its own. It must never call the cmocka-based fixture helpers, whose
 * failures would jump back into the parent's test runner. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "race.h"

const char *const race_action_names[RACE_ACTION_COUNT] = {
	[RACE_ASSIGN] = "assign",
	[RACE_REMOVE] = "remove",
	[RACE_SET_ROLE] = "set_role",
	[RACE_REASSIGN] = "reassign_primary",
};

const char *const race_reasons[RACE_REASONS] = {
	"Patient moved away",
	"Provider left the clinic",
	"Care plan changed",
	"Referral ended",
};

/* What the worker last loaded of one patient's team: it steers removals
 * and role changes towards providers on the team, and gives the expected
 * version of a write that checks for a stale view. */
struct seen_team {
	bool loaded;
	int64_t version;
	int on_team[RACE_PROVIDERS];
	size_t count;
};

struct worker {
	const struct race_settings *settings;
	const struct race_org *org;
	int index;
	uint64_t random_state;
	struct ct_session session;
	struct seen_team seen[RACE_PATIENTS];
	FILE *out;
};

/* splitmix64: small, fast and good enough to pick writes. */
static uint64_t next_random(struct worker *worker)
{
	uint64_t z = (worker->random_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Returns a number from 0 to limit - 1. */
static int pick(struct worker *worker, int limit)
{
	return (int)(next_random(worker) % (uint64_t)limit);
}

void race_record_path(const struct race_settings *settings,
		      const struct race_org *org, int worker, char *buffer,
		      size_t size)
{
	snprintf(buffer, size, "%s/race-%s-%d.tsv", settings->tmpdir,
		 org->isolation == CT_ISOLATION_SERIALIZABLE ? "serializable"
							     : "read-committed",
		 worker);
}

/* Copies text into buffer with tabs and line breaks turned into spaces,
 * "-" for an empty text. */
static void copy_field(char *buffer, size_t size, const char *text)
{
	size_t i;

	snprintf(buffer, size, "%s", text[0] != '\0' ? text : "-");
	for (i = 0; buffer[i] != '\0'; i++) {
		if (buffer[i] == '\t' || buffer[i] == '\n' || buffer[i] == '\r')
			buffer[i] = ' ';
	}
}

static void load_team(struct worker *worker, int patient)
{
	struct seen_team *seen = &worker->seen[patient];
	struct ct_care_team team;
	struct ct_error err;
	enum ct_outcome outcome;
	char detail[160];

	outcome = ct_care_team_load(&worker->session,
				    worker->org->mrns[patient], false, &team,
				    &err);
	copy_field(detail, sizeof(detail), outcome == CT_OK ? "" : err.detail);
	fprintf(worker->out, "L\t%d\t%d\t%s\n", patient, (int)outcome, detail);
	if (outcome != CT_OK)
		return;

	seen->loaded = true;
	seen->version = team.patient.care_team_version;
	seen->count = 0;
	for (size_t i = 0; i < team.count; i++) {
		for (int p = 0; p < RACE_PROVIDERS; p++) {
			if (strcmp(team.items[i].provider_npi,
				   worker->org->npis[p]) == 0)
				seen->on_team[seen->count++] = p;
		}
	}
	ct_care_team_free(&team);
}

/* Picks a provider. For a removal or a role change it is most often one
 * the worker saw on the team, so those writes mostly have something to
 * act on. Otherwise it is any of them, the inactive one included. */
static int pick_provider(struct worker *worker, enum race_action action,
			 const struct seen_team *seen)
{
	bool on_team = action == RACE_REMOVE || action == RACE_SET_ROLE;

	if (on_team && seen->count > 0 && pick(worker, 10) < 8)
		return seen->on_team[pick(worker, (int)seen->count)];
	return pick(worker, RACE_PROVIDERS);
}

static enum race_action pick_action(struct worker *worker)
{
	int roll = pick(worker, 100);

	if (roll < 35)
		return RACE_ASSIGN;
	if (roll < 55)
		return RACE_REMOVE;
	if (roll < 80)
		return RACE_SET_ROLE;
	return RACE_REASSIGN;
}

static enum ct_outcome send_write(struct worker *worker,
				  enum race_action action,
				  const struct ct_write_request *request,
				  struct ct_write_result *result)
{
	struct ct_session *session = &worker->session;

	switch (action) {
	case RACE_ASSIGN:
		return ct_care_team_assign(session, request, result);
	case RACE_REMOVE:
		return ct_care_team_remove(session, request, result);
	case RACE_SET_ROLE:
		return ct_care_team_set_role(session, request, result);
	case RACE_REASSIGN:
	case RACE_ACTION_COUNT:
		break;
	}
	return ct_care_team_reassign_primary(session, request, result);
}

static void record_write(struct worker *worker, enum race_action action,
			 int patient, int provider, int argument,
			 const struct ct_write_request *request,
			 const struct ct_write_result *result)
{
	char sqlstate[8], detail[160];

	copy_field(sqlstate, sizeof(sqlstate), result->error.sqlstate);
	copy_field(detail, sizeof(detail),
		   result->outcome == CT_OK ? "" : result->error.detail);
	fprintf(worker->out,
		"W\t%d\t%d\t%d\t%d\t%lld\t%d\t%lld\t%lld\t%d\t%d\t%d\t%s\t%s"
		"\t%s\n",
		(int)action, patient, provider, argument,
		(long long)request->expected_version, (int)result->outcome,
		(long long)result->care_team_version,
		(long long)result->assignment_id, result->attempts,
		result->caught_by_constraint ? 1 : 0, result->settled ? 1 : 0,
		result->idempotency_key[0] ? result->idempotency_key : "-",
		sqlstate, detail);
}

/* Does one random write, loading the team first now and then. */
static void do_write(struct worker *worker)
{
	int patient = pick(worker, RACE_PATIENTS);
	struct seen_team *seen = &worker->seen[patient];
	enum race_action action = pick_action(worker);
	struct ct_write_request request = {
		.mrn = worker->org->mrns[patient],
		.expected_version = CT_VERSION_ANY,
	};
	struct ct_write_result result;
	int provider, argument;

	if (!seen->loaded || pick(worker, 4) == 0)
		load_team(worker, patient);
	provider = pick_provider(worker, action, seen);
	request.npi = worker->org->npis[provider];
	if (action == RACE_ASSIGN || action == RACE_SET_ROLE) {
		argument = pick(worker, 3);
		request.role = (enum ct_role)argument;
	} else {
		argument = pick(worker, RACE_REASONS);
		request.reason = race_reasons[argument];
	}
	/* Half the writes send the version last loaded, which may be
	 * stale by now. */
	if (seen->loaded && pick(worker, 2) == 0)
		request.expected_version = seen->version;

	send_write(worker, action, &request, &result);
	record_write(worker, action, patient, provider, argument, &request,
		     &result);
	if (result.outcome == CT_OK && seen->loaded &&
	    result.care_team_version == seen->version + 1)
		seen->version = result.care_team_version;
}

static int open_worker_session(struct worker *worker)
{
	const struct race_org *org = worker->org;
	struct ct_config config;
	struct ct_error err;
	size_t length;

	ct_test_config(&config, org->staff_roles[worker->index % RACE_STAFF],
		       org->isolation, worker->settings->max_retries);
	length = strlen(config.conninfo);
	snprintf(config.conninfo + length, sizeof(config.conninfo) - length,
		 " application_name=%s", RACE_APPLICATION_NAME);
	if (ct_session_open(&config, org->org.code, &worker->session, &err) !=
	    CT_OK) {
		fprintf(stderr, "race worker %d: cannot open a session: %s\n",
			worker->index, err.detail);
		return -1;
	}
	return 0;
}

int race_worker_run(const struct race_settings *settings,
		    const struct race_org *org, int index, int gate_fd,
		    double deadline_s)
{
	struct worker worker = {
		.settings = settings,
		.org = org,
		.index = index,
		.random_state = settings->seed * 1000003ULL + (uint64_t)index,
	};
	char path[512], byte;
	int done = 0;

	race_record_path(settings, org, index, path, sizeof(path));
	worker.out = fopen(path, "w");
	if (worker.out == NULL) {
		perror(path);
		return 2;
	}
	if (open_worker_session(&worker) != 0) {
		fclose(worker.out);
		return 2;
	}
	/* Every worker blocks here until the parent closes the pipe, so all
	 * of them start together. */
	if (read(gate_fd, &byte, 1) < 0) {
		perror("race worker: read from the start pipe");
		return 2;
	}
	for (; done < settings->writes && race_now() < deadline_s; done++)
		do_write(&worker);
	fprintf(worker.out, "E\t%d\n", done);
	ct_session_close(&worker.session);
	if (fclose(worker.out) != 0) {
		perror(path);
		return 2;
	}
	return done == settings->writes ? 0 : 3;
}
