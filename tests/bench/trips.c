/* Round trips per action, and the wall time of each action on a local
 * socket and through the delaying proxy (25 ms each way). The data layer's
 * count comes from ct_session_round_trips and, independently, from libpq's
 * protocol trace, where every round trip the client starts ends with one
 * Sync (extended protocol) or is one Query (simple protocol) message. The
 * baseline is a check-then-insert design written here with plain libpq:
 * BEGIN, check, change, COMMIT and a re-read of the team. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "careteam/care_team.h"
#include "careteam/db.h"
#include "careteam/patients.h"
#include "support/proxy.h"

/* Added in each direction, so one round trip costs 50 ms more. */
#define TRIPS_DELAY_MS	       25
#define TRIPS_LOCAL_ITERATIONS 10
#define TRIPS_PROXY_ITERATIONS 5
/* A series stops early after this long, whatever its count. */
#define TRIPS_SERIES_LIMIT_MS 90000.0

/* The trips patients share this invented family name. */
#define TRIPS_FAMILY "Trippenbach"
#define TRIPS_QUERY  "trippenbach"

enum trip_action {
	TRIP_SEARCH,
	TRIP_OPEN,
	TRIP_ASSIGN,
	TRIP_SET_ROLE,
	TRIP_REMOVE,
	TRIP_REASSIGN,
	TRIP_ACTION_COUNT,
};

static const char *const action_names[TRIP_ACTION_COUNT] = {
	[TRIP_SEARCH] = "search", [TRIP_OPEN] = "open team",
	[TRIP_ASSIGN] = "assign", [TRIP_SET_ROLE] = "set role",
	[TRIP_REMOVE] = "remove", [TRIP_REASSIGN] = "reassign PRIMARY",
};

/* The providers the cycle uses: two PRIMARYs in turn, and a specialist
 * that is assigned, changed and removed. */
struct trip_providers {
	char primary_a[16];
	char primary_b[16];
	char specialist[16];
};

/* What one series measured for each action. */
struct trip_series {
	struct bench_samples wall[TRIP_ACTION_COUNT];
	long counted[TRIP_ACTION_COUNT]; /* by the data layer's counter */
	long traced[TRIP_ACTION_COUNT];	 /* by the protocol trace */
	/* An action that hit the statement timeout once is not run again in
	 * the series, so a plan that scans every row costs one timeout. */
	bool timed_out[TRIP_ACTION_COUNT];
	bool done;
};

/* ---- Counting with libpq's trace ---- */

struct trace {
	PGconn *conn;
	FILE *file;
	char *text;
	size_t size;
};

static void trace_start(struct trace *trace, PGconn *conn)
{
	memset(trace, 0, sizeof(*trace));
	trace->conn = conn;
	trace->file = open_memstream(&trace->text, &trace->size);
	if (trace->file == NULL)
		bench_fatal("open_memstream failed");
	PQtrace(conn, trace->file);
	PQsetTraceFlags(conn, PQTRACE_SUPPRESS_TIMESTAMPS);
}

/* Stops tracing and returns the round trips the client started: each
 * line "F <length> Sync" or "F <length> Query". */
static long trace_stop(struct trace *trace)
{
	long trips = 0;
	char *line, *save = NULL;

	PQuntrace(trace->conn);
	fclose(trace->file);
	for (line = strtok_r(trace->text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char direction[4], type[32];
		int length;

		if (sscanf(line, "%3s %d %31s", direction, &length, type) ==
			    3 &&
		    strcmp(direction, "F") == 0 &&
		    (strcmp(type, "Sync") == 0 || strcmp(type, "Query") == 0))
			trips++;
	}
	free(trace->text);
	return trips;
}

/* ---- Setup ---- */

/* Creates the trips patients unless they exist, each with provider A as
 * PRIMARY, and picks the providers. */
static void prepare(PGconn *admin, const struct bench_env *env,
		    struct trip_providers *providers)
{
	static const char *const mrns[] = {"BT-LOCAL", "BT-PROXY", "BN-LOCAL",
					   "BN-PROXY"};
	char sql[2048];
	PGresult *result;

	bench_provider_npi(1, providers->primary_a,
			   sizeof(providers->primary_a));
	bench_provider_npi(2, providers->primary_b,
			   sizeof(providers->primary_b));
	result = bench_sql(admin,
			   "SELECT p.npi FROM careteam.providers p"
			   " JOIN careteam.organizations o"
			   " ON o.id = p.organization_id AND o.code = 'bench'"
			   " WHERE p.active AND p.specialty = 'Cardiology'"
			   " ORDER BY p.id LIMIT 1");
	if (PQntuples(result) != 1)
		bench_fatal(
			"the bench organization has no active cardiologist");
	snprintf(providers->specialist, sizeof(providers->specialist), "%s",
		 PQgetvalue(result, 0, 0));
	PQclear(result);

	for (size_t i = 0; i < sizeof(mrns) / sizeof(*mrns); i++) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO careteam.patients (organization_id, mrn,"
			 " family_name, given_name, birth_date)"
			 " VALUES (%lld, '%s', '" TRIPS_FAMILY "', 'Odalys',"
			 " '1971-0%zu-15') ON CONFLICT DO NOTHING;"
			 " INSERT INTO careteam.care_team_assignments"
			 " (organization_id, patient_id, provider_id, role,"
			 " assigned_by)"
			 " SELECT p.organization_id, p.id, pr.id, 'PRIMARY', "
			 "s.id"
			 " FROM careteam.patients p, careteam.providers pr,"
			 " careteam.staff s"
			 " WHERE p.organization_id = %lld AND p.mrn = '%s'"
			 " AND pr.organization_id = p.organization_id"
			 " AND pr.npi = '%s' AND s.role_name = session_user"
			 " AND NOT EXISTS (SELECT FROM"
			 " careteam.care_team_assignments a"
			 " WHERE a.organization_id = p.organization_id"
			 " AND a.patient_id = p.id AND a.role = 'PRIMARY'"
			 " AND a.removed_at IS NULL)",
			 (long long)env->org_id, mrns[i], i + 1,
			 (long long)env->org_id, mrns[i], providers->primary_a);
		PQclear(bench_sql(admin, sql));
	}
}

/* ---- The data layer ---- */

struct layer_context {
	struct ct_session *session;
	const struct trip_providers *providers;
	const char *mrn;
	char current_primary[16];
};

static enum ct_outcome layer_write(struct layer_context *context,
				   enum trip_action action,
				   struct ct_write_result *result)
{
	const struct trip_providers *p = context->providers;
	struct ct_write_request request = {
		.mrn = context->mrn,
		.npi = p->specialist,
		.expected_version = CT_VERSION_ANY,
	};

	switch (action) {
	case TRIP_ASSIGN:
		request.role = CT_ROLE_SPECIALIST;
		return ct_care_team_assign(context->session, &request, result);
	case TRIP_SET_ROLE:
		request.role = CT_ROLE_CONSULTANT;
		return ct_care_team_set_role(context->session, &request,
					     result);
	case TRIP_REMOVE:
		request.reason = "Benchmark removal";
		return ct_care_team_remove(context->session, &request, result);
	default:
		request.npi =
			strcmp(context->current_primary, p->primary_a) == 0
				? p->primary_b
				: p->primary_a;
		request.reason = "Benchmark reassignment";
		return ct_care_team_reassign_primary(context->session, &request,
						     result);
	}
}

static enum ct_outcome layer_read(struct layer_context *context,
				  enum trip_action action, char *detail,
				  size_t size, char sqlstate[6])
{
	struct ct_error err = {0};
	enum ct_outcome outcome;

	if (action == TRIP_SEARCH) {
		struct ct_patient_list list;

		outcome = ct_patients_search(context->session, TRIPS_QUERY, 200,
					     &list, &err);
		if (outcome == CT_OK && list.count == 0)
			snprintf(detail, size, "the search found no patient");
		if (outcome == CT_OK)
			ct_patient_list_free(&list);
	} else {
		struct ct_care_team team;
		const struct ct_assignment *primary;

		outcome = ct_care_team_load(context->session, context->mrn,
					    false, &team, &err);
		if (outcome != CT_OK) {
			snprintf(detail, size, "%s", err.detail);
			snprintf(sqlstate, 6, "%s", err.sqlstate);
			return outcome;
		}
		primary = ct_care_team_primary(&team);
		snprintf(context->current_primary,
			 sizeof(context->current_primary), "%s",
			 primary != NULL ? primary->provider_npi : "");
		ct_care_team_free(&team);
	}
	if (outcome != CT_OK) {
		snprintf(detail, size, "%s", err.detail);
		snprintf(sqlstate, 6, "%s", err.sqlstate);
	}
	return outcome;
}

/* How one action ended. */
enum action_status { ACTION_OK, ACTION_TIMEOUT, ACTION_FAILED };

/* Runs one action and returns how it ended. */
static enum action_status layer_action(struct layer_context *context,
				       enum trip_action action)
{
	char detail[512] = "";
	char sqlstate[6] = "";
	enum ct_outcome outcome;

	if (action == TRIP_SEARCH || action == TRIP_OPEN) {
		outcome = layer_read(context, action, detail, sizeof(detail),
				     sqlstate);
	} else {
		struct ct_write_result result;

		outcome = layer_write(context, action, &result);
		snprintf(detail, sizeof(detail), "%s", result.error.detail);
		snprintf(sqlstate, sizeof(sqlstate), "%s",
			 result.error.sqlstate);
	}
	if (outcome == CT_OK && detail[0] == '\0')
		return ACTION_OK;
	if (strcmp(sqlstate, "57014") == 0)
		return ACTION_TIMEOUT;
	bench_anomaly("trips: %s on %s gave %s: %s", action_names[action],
		      context->mrn, ct_outcome_name(outcome), detail);
	return ACTION_FAILED;
}

/* Adds one action's time to the series. Returns false when the series
 * must stop. */
static bool add_time(struct trip_series *series, int action, bool counting,
		     double elapsed, enum action_status status)
{
	if (status == ACTION_FAILED)
		return false;
	if (status == ACTION_TIMEOUT) {
		series->timed_out[action] = true;
		series->wall[action].timeouts++;
		elapsed = BENCH_STATEMENT_TIMEOUT_MS;
	}
	if (!counting || status == ACTION_TIMEOUT)
		bench_samples_add(&series->wall[action], elapsed);
	return true;
}

/* Runs iterations of the cycle; the first only counts round trips (with
 * the trace on) and warms the caches, the others are timed. */
static void run_layer(struct ct_session *session,
		      const struct trip_providers *providers, const char *mrn,
		      int iterations, struct trip_series *series)
{
	struct layer_context context = {session, providers, mrn, ""};
	double started = bench_now_ms();

	for (int i = 0; i <= iterations; i++) {
		for (int a = 0; a < TRIP_ACTION_COUNT; a++) {
			PGconn *conn = ct_db_pgconn(session->db);
			unsigned long before = ct_session_round_trips(session);
			enum action_status status;
			struct trace trace;
			double t0;

			if (series->timed_out[a])
				continue;
			if (i == 0)
				trace_start(&trace, conn);
			t0 = bench_now_ms();
			status = layer_action(&context, (enum trip_action)a);
			if (i == 0) {
				series->traced[a] = trace_stop(&trace);
				series->counted[a] =
					(long)(ct_session_round_trips(session) -
					       before);
			}
			if (!add_time(series, a, i == 0, bench_now_ms() - t0,
				      status))
				return;
		}
		if (bench_now_ms() - started > TRIPS_SERIES_LIMIT_MS)
			break;
	}
	series->done = true;
}

/* ---- The check-then-insert baseline ---- */

static const char naive_team_sql[] =
	"SELECT p.mrn, p.family_name, p.given_name, p.birth_date,"
	" p.care_team_version, a.id, a.role, pr.npi, pr.display_name,"
	" pr.specialty"
	" FROM careteam.patients p"
	" LEFT JOIN careteam.care_team_assignments a"
	" ON a.organization_id = p.organization_id AND a.patient_id = p.id"
	" AND a.removed_at IS NULL"
	" LEFT JOIN careteam.providers pr"
	" ON pr.organization_id = a.organization_id AND pr.id = a.provider_id"
	" WHERE p.organization_id = $1 AND p.mrn = $2";

static const char naive_audit_sql[] =
	"INSERT INTO careteam.audit_log (staff_id, organization_id,"
	" patient_id, action)"
	" SELECT s.id, p.organization_id, p.id, 'view'"
	" FROM careteam.patients p, careteam.staff s"
	" WHERE p.organization_id = $1 AND p.mrn = $2"
	" AND s.role_name = session_user";

/* The provider's active assignment and the patient's active PRIMARY. */
static const char naive_check_sql[] =
	"SELECT (SELECT a.id FROM careteam.care_team_assignments a"
	"  JOIN careteam.providers pr ON pr.organization_id = a.organization_id"
	"  AND pr.id = a.provider_id"
	"  WHERE a.organization_id = p.organization_id AND a.patient_id = p.id"
	"  AND a.removed_at IS NULL AND pr.npi = $3),"
	" (SELECT a.id FROM careteam.care_team_assignments a"
	"  WHERE a.organization_id = p.organization_id AND a.patient_id = p.id"
	"  AND a.removed_at IS NULL AND a.role = 'PRIMARY')"
	" FROM careteam.patients p"
	" WHERE p.organization_id = $1 AND p.mrn = $2";

static const char naive_insert_sql[] =
	"INSERT INTO careteam.care_team_assignments (organization_id,"
	" patient_id, provider_id, role, assigned_by)"
	" SELECT p.organization_id, p.id, pr.id, $4, s.id"
	" FROM careteam.patients p, careteam.providers pr, careteam.staff s"
	" WHERE p.organization_id = $1 AND p.mrn = $2"
	" AND pr.organization_id = $1 AND pr.npi = $3"
	" AND s.role_name = session_user";

static const char naive_end_sql[] =
	"UPDATE careteam.care_team_assignments"
	" SET removed_at = now(), removal_reason = $3,"
	" removed_by = (SELECT id FROM careteam.staff"
	"  WHERE role_name = session_user)"
	" WHERE organization_id = $1 AND id = $2";

struct naive_context {
	PGconn *conn;
	const struct trip_providers *providers;
	const char *mrn;
	char org[32];
	char current_primary[16];
};

/* Runs one statement with text parameters; returns the result or NULL
 * after recording the failure. */
static PGresult *naive_exec(struct naive_context *context, const char *sql,
			    int count, const char *const *params)
{
	PGresult *result = PQexecParams(context->conn, sql, count, NULL, params,
					NULL, NULL, 0);

	if (PQresultStatus(result) == PGRES_COMMAND_OK ||
	    PQresultStatus(result) == PGRES_TUPLES_OK)
		return result;
	bench_anomaly("trips: baseline statement failed on %s: %s",
		      context->mrn, PQresultErrorMessage(result));
	PQclear(result);
	return NULL;
}

static bool naive_run(struct naive_context *context, const char *sql, int count,
		      const char *const *params)
{
	PGresult *result = naive_exec(context, sql, count, params);

	PQclear(result);
	return result != NULL;
}

/* Reads the team and remembers the PRIMARY's NPI. */
static bool naive_reread(struct naive_context *context)
{
	const char *params[] = {context->org, context->mrn};
	PGresult *result = naive_exec(context, naive_team_sql, 2, params);

	if (result == NULL)
		return false;
	context->current_primary[0] = '\0';
	for (int row = 0; row < PQntuples(result); row++) {
		if (strcmp(PQgetvalue(result, row, 6), "PRIMARY") == 0)
			snprintf(context->current_primary,
				 sizeof(context->current_primary), "%s",
				 PQgetvalue(result, row, 7));
	}
	PQclear(result);
	return true;
}

/* BEGIN and the check: fills the provider's active assignment id and the
 * PRIMARY's ("" when none). */
static bool naive_begin_check(struct naive_context *context, const char *npi,
			      char *assignment, char *primary, size_t size)
{
	const char *params[] = {context->org, context->mrn, npi};
	PGresult *result;

	if (!naive_run(context, "BEGIN", 0, NULL))
		return false;
	result = naive_exec(context, naive_check_sql, 3, params);
	if (result == NULL || PQntuples(result) != 1) {
		PQclear(result);
		return false;
	}
	snprintf(assignment, size, "%s", PQgetvalue(result, 0, 0));
	snprintf(primary, size, "%s", PQgetvalue(result, 0, 1));
	PQclear(result);
	return true;
}

static bool naive_commit_reread(struct naive_context *context)
{
	return naive_run(context, "COMMIT", 0, NULL) && naive_reread(context);
}

static bool naive_insert(struct naive_context *context, const char *npi,
			 const char *role)
{
	const char *params[] = {context->org, context->mrn, npi, role};

	return naive_run(context, naive_insert_sql, 4, params);
}

static bool naive_end(struct naive_context *context, const char *assignment,
		      const char *reason)
{
	const char *params[] = {context->org, assignment, reason};

	return naive_run(context, naive_end_sql, 3, params);
}

/* Runs one action as a check-then-insert design would. */
static bool naive_action(struct naive_context *context, enum trip_action action)
{
	const struct trip_providers *p = context->providers;
	const char *params[] = {context->org, context->mrn};
	char assignment[32], primary[32];
	const char *npi = p->specialist;

	if (action == TRIP_OPEN)
		return naive_reread(context) &&
		       naive_run(context, naive_audit_sql, 2, params);
	if (action == TRIP_REASSIGN)
		npi = strcmp(context->current_primary, p->primary_a) == 0
			      ? p->primary_b
			      : p->primary_a;
	if (!naive_begin_check(context, npi, assignment, primary,
			       sizeof(assignment)))
		return false;
	switch (action) {
	case TRIP_ASSIGN:
		if (!naive_insert(context, npi, "SPECIALIST"))
			return false;
		break;
	case TRIP_SET_ROLE:
		if (!naive_end(context, assignment,
			       "Role changed to CONSULTANT") ||
		    !naive_insert(context, npi, "CONSULTANT"))
			return false;
		break;
	case TRIP_REMOVE:
		if (!naive_end(context, assignment, "Benchmark removal"))
			return false;
		break;
	default:
		if (!naive_end(context, primary, "Benchmark reassignment") ||
		    !naive_insert(context, npi, "PRIMARY"))
			return false;
		break;
	}
	return naive_commit_reread(context);
}

/* As run_layer, for the baseline; search has no baseline, because a
 * search is one statement in any design. */
static void run_naive(PGconn *conn, const struct bench_env *env,
		      const struct trip_providers *providers, const char *mrn,
		      int iterations, struct trip_series *series)
{
	struct naive_context context = {conn, providers, mrn, "", ""};
	double started = bench_now_ms();

	snprintf(context.org, sizeof(context.org), "%lld",
		 (long long)env->org_id);
	if (!naive_reread(&context))
		return;
	for (int i = 0; i <= iterations; i++) {
		for (int a = TRIP_OPEN; a < TRIP_ACTION_COUNT; a++) {
			struct trace trace;
			double t0;
			bool ok;

			if (i == 0)
				trace_start(&trace, conn);
			t0 = bench_now_ms();
			ok = naive_action(&context, (enum trip_action)a);
			if (i == 0)
				series->traced[a] = trace_stop(&trace);
			if (!add_time(series, a, i == 0, bench_now_ms() - t0,
				      ok ? ACTION_OK : ACTION_FAILED))
				return;
		}
		if (bench_now_ms() - started > TRIPS_SERIES_LIMIT_MS)
			break;
	}
	series->done = true;
}

/* ---- Reporting ---- */

/* The four series of one run. */
struct trip_run {
	struct trip_series layer_local;
	struct trip_series layer_proxy;
	struct trip_series naive_local;
	struct trip_series naive_proxy;
};

/* Prints the p50, or "t/o" when the action timed out. */
static void print_cell(struct bench_samples *samples)
{
	if (samples->timeouts > 0)
		printf(" %9s", "t/o");
	else if (samples->count == 0)
		printf(" %9s", "-");
	else
		printf(" %9.1f", bench_percentile(samples, 50));
}

static void report(const char *phase, struct trip_run *run)
{
	char name[96];

	printf("\n== Round trips per action (%s)\n", phase);
	printf("%-27s %5s %5s %9s %9s | %5s %9s %9s\n", "", "trips", "trace",
	       "local ms", "+50ms rt", "naive", "local ms", "+50ms rt");
	for (int a = 0; a < TRIP_ACTION_COUNT; a++) {
		bool has_naive = a != TRIP_SEARCH;
		double proxy_p50 =
			bench_percentile(&run->layer_proxy.wall[a], 50);

		printf("%-27s %5ld %5ld", action_names[a],
		       run->layer_local.counted[a], run->layer_local.traced[a]);
		print_cell(&run->layer_local.wall[a]);
		print_cell(&run->layer_proxy.wall[a]);
		if (has_naive) {
			printf(" | %5ld", run->naive_local.traced[a]);
			print_cell(&run->naive_local.wall[a]);
			print_cell(&run->naive_proxy.wall[a]);
		} else {
			printf(" | %5s %9s %9s", "-", "-", "-");
		}
		printf("\n");

		bench_record_begin("round_trips", phase);
		bench_record_text("action", action_names[a]);
		bench_record_integer("round_trips_counter",
				     run->layer_local.counted[a]);
		bench_record_integer("round_trips_trace",
				     run->layer_local.traced[a]);
		bench_record_samples("local", &run->layer_local.wall[a]);
		bench_record_samples("delayed", &run->layer_proxy.wall[a]);
		if (has_naive) {
			bench_record_integer("baseline_round_trips",
					     run->naive_local.traced[a]);
			bench_record_samples("baseline_local",
					     &run->naive_local.wall[a]);
			bench_record_samples("baseline_delayed",
					     &run->naive_proxy.wall[a]);
		}
		bench_record_integer("delay_each_way_ms", TRIPS_DELAY_MS);
		bench_record_end();

		if (run->layer_local.counted[a] != run->layer_local.traced[a])
			bench_anomaly(
				"trips: %s counted %ld round trips but the "
				"trace shows %ld",
				action_names[a], run->layer_local.counted[a],
				run->layer_local.traced[a]);
		snprintf(name, sizeof(name), "1 round trip: %s",
			 action_names[a]);
		bench_target(phase, name,
			     run->layer_local.counted[a] == 1 &&
				     run->layer_local.traced[a] == 1,
			     "%ld (trace %ld)", run->layer_local.counted[a],
			     run->layer_local.traced[a]);
		snprintf(name, sizeof(name), "< 75 ms at 25 ms each way: %s",
			 action_names[a]);
		bench_target(phase, name, proxy_p50 >= 0 && proxy_p50 < 75,
			     "p50 %.1f ms", proxy_p50);
	}
	printf("trips: the data layer's counter; trace: Sync and Query "
	       "messages "
	       "in libpq's trace;\nlocal ms: p50 on the Unix socket; +50ms rt: "
	       "p50 through the proxy adding %d ms each way;\nnaive: BEGIN, "
	       "check, change, COMMIT, re-read; t/o: timed out after %d ms\n",
	       TRIPS_DELAY_MS, BENCH_STATEMENT_TIMEOUT_MS);
}

static void free_series(struct trip_series *series)
{
	for (int a = 0; a < TRIP_ACTION_COUNT; a++)
		bench_samples_free(&series->wall[a]);
}

/* Appends the statement timeout to a conninfo. */
static void with_timeout(char *buffer, size_t size, const char *conninfo)
{
	int written =
		snprintf(buffer, size, "%s options='-c statement_timeout=%d'",
			 conninfo, BENCH_STATEMENT_TIMEOUT_MS);

	if (written < 0 || (size_t)written >= size)
		bench_fatal("conninfo too long: %s", conninfo);
}

void bench_trips(const struct bench_env *env, const char *phase)
{
	struct trip_providers providers;
	struct trip_run run;
	struct ct_session session;
	struct ct_config config;
	struct ct_proxy *proxy;
	char folder[512], error[256], conninfo[1024], raw[1024];
	PGconn *admin = bench_connect(env->admin_conninfo);
	PGconn *naive;

	memset(&run, 0, sizeof(run));
	prepare(admin, env, &providers);

	bench_staff_config(env, CT_ISOLATION_READ_COMMITTED, &config);
	bench_open_session(&config, &session);
	run_layer(&session, &providers, "BT-LOCAL", TRIPS_LOCAL_ITERATIONS,
		  &run.layer_local);
	ct_session_close(&session);
	with_timeout(conninfo, sizeof(conninfo), env->admin_conninfo);
	naive = bench_connect(conninfo);
	run_naive(naive, env, &providers, "BN-LOCAL", TRIPS_LOCAL_ITERATIONS,
		  &run.naive_local);
	PQfinish(naive);

	snprintf(folder, sizeof(folder), "%s/proxy-%s", env->tmpdir, phase);
	if (ct_proxy_start(folder, &proxy, error, sizeof(error)) != 0)
		bench_fatal("cannot start the proxy: %s", error);
	ct_proxy_set_delay(proxy, CT_PROXY_TO_SERVER, TRIPS_DELAY_MS);
	ct_proxy_set_delay(proxy, CT_PROXY_TO_CLIENT, TRIPS_DELAY_MS);

	ct_proxy_conninfo(proxy, env->login_role, raw, sizeof(raw));
	with_timeout(config.conninfo, sizeof(config.conninfo), raw);
	bench_open_session(&config, &session);
	run_layer(&session, &providers, "BT-PROXY", TRIPS_PROXY_ITERATIONS,
		  &run.layer_proxy);
	ct_session_close(&session);

	ct_proxy_conninfo(proxy, NULL, raw, sizeof(raw));
	with_timeout(conninfo, sizeof(conninfo), raw);
	naive = bench_connect(conninfo);
	run_naive(naive, env, &providers, "BN-PROXY", TRIPS_PROXY_ITERATIONS,
		  &run.naive_proxy);
	PQfinish(naive);
	ct_proxy_stop(proxy);
	PQfinish(admin);

	report(phase, &run);
	free_series(&run.layer_local);
	free_series(&run.layer_proxy);
	free_series(&run.naive_local);
	free_series(&run.naive_proxy);
}
