/* The race harness: K worker processes, each with a session of its own, do
 * N random writes on a small organization and record every outcome. The
 * parent then checks the records against the database. This header
 * declares the types that race.c (the driver), worker.c, sampler.c and
 * check.c share. */
#ifndef CARETEAM_TEST_RACE_H
#define CARETEAM_TEST_RACE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "careteam/care_team.h"
#include "careteam/config.h"
#include "support/fixture.h"

#define RACE_PATIENTS 5
/* Providers 0 to 4 are active and provider 5 is inactive. */
#define RACE_PROVIDERS 6
#define RACE_INACTIVE_PROVIDER 5
/* Workers log in as one of these clinician roles, in turn. */
#define RACE_STAFF 4
#define RACE_REASONS 4

/* The parent's application_name for its workers' connections, so it can
 * wait for their backends to exit. */
#define RACE_APPLICATION_NAME "careteam-race"

enum race_action {
	RACE_ASSIGN,
	RACE_REMOVE,
	RACE_SET_ROLE,
	RACE_REASSIGN,
	RACE_ACTION_COUNT,
};

struct race_settings {
	int workers;
	int writes; /* per worker */
	uint64_t seed;
	int max_retries;
	double time_limit_s; /* both isolation levels together */
	const char *tmpdir;
};

/* The organization one isolation mode runs on. */
struct race_org {
	struct ct_test_org org;
	enum ct_isolation isolation;
	const char *mode_name;
	char mrns[RACE_PATIENTS][16];
	int64_t patient_ids[RACE_PATIENTS];
	char npis[RACE_PROVIDERS][16];
	char staff_roles[RACE_STAFF][32];
};

/* One write as a worker saw it. */
struct race_record {
	int worker;
	enum race_action action;
	int patient;
	int provider;
	int argument; /* an enum ct_role, or an index into race_reasons */
	int64_t expected_version; /* or CT_VERSION_ANY */
	enum ct_outcome outcome;
	int64_t version; /* -1 when the result carries none */
	int64_t assignment_id;
	int attempts;
	bool caught_by_constraint;
	bool settled;
	char key[33];
	char sqlstate[6];
	char detail[160];
};

/* What the checks found in one mode; anomalies are printed as found. */
struct race_report {
	long outcome_counts[CT_OUTCOME_COUNT];
	long retries;
	long retried_writes;
	long loads;
	long anomalies;
};

extern const char *const race_action_names[RACE_ACTION_COUNT];
extern const char *const race_reasons[RACE_REASONS];

/* Returns the file a worker records to. */
void race_record_path(const struct race_settings *settings,
		      const struct race_org *org, int worker, char *buffer,
		      size_t size);

/* Runs one worker in a child process: waits until gate_fd closes, writes,
 * records, and returns the exit status (0 when every write was done). */
int race_worker_run(const struct race_settings *settings,
		    const struct race_org *org, int worker, int gate_fd,
		    double deadline_s);

/* Prints one anomaly and counts it. */
void race_anomaly(struct race_report *report, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

/* Reads the records of every worker into *records (malloc'd). Missing or
 * malformed files count as anomalies. */
size_t race_read_records(const struct race_settings *settings,
			 const struct race_org *org,
			 struct race_record **records,
			 struct race_report *report);

/* Checks the records against the database and the model of the rules. */
void race_check(PGconn *admin, const struct race_org *org,
		const struct race_record *records, size_t count,
		struct race_report *report);

struct race_sampler;

/* Starts a thread that, until race_sampler_finish, checks the invariants
 * every few milliseconds on a connection of its own and counts the change
 * notifications of the organization per patient. */
struct race_sampler *race_sampler_start(const struct race_org *org);

/* Stops the sampler once it has received expected[i] notifications for
 * each patient i, or after at most 10 s. Then reports what it found as
 * anomalies and prints its figures. */
void race_sampler_finish(struct race_sampler *sampler,
			 const int64_t expected[RACE_PATIENTS],
			 struct race_report *report);

/* Returns monotonic seconds. */
double race_now(void);

#endif
