/* Search at N patients: the 1,000 queries of bench.search_queries through
 * ct_patients_search, the same SQL through bare PQexecParams, a naive
 * ILIKE '%q%' scan, and the data layer again as the superuser, whom
 * row-level security does not apply to. The data layer and bare SQL run
 * as the ordinary staff role, alternating query by query so that drift in
 * the machine's load falls on both alike. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "careteam/patients.h"

/* The limit the search screen requests. */
#define SEARCH_LIMIT	   200
#define SEARCH_QUERIES_MAX 1000
/* Queries run first and not counted, for at most 2 s. */
#define SEARCH_WARMUP	       10
#define SEARCH_WARMUP_LIMIT_MS 2000.0
/* Each series ends after this long or this many timeouts, whichever
 * comes first, so a plan that scans every row still ends in a minute. */
#define SEARCH_SERIES_LIMIT_MS 30000.0
#define SEARCH_TIMEOUTS_MAX    3
/* The naive scan and the superuser's searches run on every fifth query
 * only, for at most 15 s each: they serve as reference points. */
#define SEARCH_SAMPLE_EVERY    5
#define SEARCH_SAMPLE_LIMIT_MS 15000.0
/* EXPLAIN ANALYZE of one query may wait this long for a slow plan. */
#define SEARCH_EXPLAIN_TIMEOUT_MS 45000

/* The same text ct_patients_search sends (src/domain/patients.c). */
static const char search_sql[] =
	"SELECT mrn, family_name, given_name, birth_date::text,"
	" coalesce(primary_provider, ''), care_team_version"
	" FROM careteam.search_patients($1, $2, $3)";

static const char naive_sql[] =
	"SELECT mrn, family_name, given_name, birth_date::text"
	" FROM careteam.patients"
	" WHERE organization_id = $1"
	" AND (family_name ILIKE $2 OR given_name ILIKE $2 OR mrn ILIKE $2"
	" OR birth_date::text LIKE $2)"
	" ORDER BY family_name, given_name, mrn LIMIT $3";

struct query {
	char kind[24];
	char text[256];
};

struct query_set {
	struct query items[SEARCH_QUERIES_MAX];
	size_t count;
};

#define KIND_COUNT 6
static const char *const kinds[KIND_COUNT] = {"prefix",	       "misspelt",
					      "unaccented",    "mrn",
					      "date_of_birth", "other_script"};

/* One way of searching: its samples, and the rows of each query (-1 when
 * it did not run or timed out). */
struct path {
	const char *name;
	const char *phase; /* the phase that measured it */
	struct bench_samples samples;
	struct bench_samples by_kind[KIND_COUNT];
	int rows[SEARCH_QUERIES_MAX];
	double times[SEARCH_QUERIES_MAX]; /* ms, -1 when not run */
	bool stopped_early;
};

static int kind_index(const char *kind)
{
	for (int i = 0; i < KIND_COUNT; i++) {
		if (strcmp(kinds[i], kind) == 0)
			return i;
	}
	return -1;
}

static void load_queries(PGconn *admin, struct query_set *set)
{
	PGresult *result = bench_sql(admin, "SELECT kind, query FROM"
					    " bench.search_queries ORDER BY id"
					    " LIMIT 1000");

	set->count = (size_t)PQntuples(result);
	for (size_t i = 0; i < set->count; i++) {
		snprintf(set->items[i].kind, sizeof(set->items[i].kind), "%s",
			 PQgetvalue(result, (int)i, 0));
		snprintf(set->items[i].text, sizeof(set->items[i].text), "%s",
			 PQgetvalue(result, (int)i, 1));
	}
	PQclear(result);
	if (set->count == 0)
		bench_fatal("bench.search_queries is empty");
}

/* How one query ended. */
enum run_status { RUN_OK, RUN_TIMEOUT, RUN_FAILED };

static enum run_status run_layer(struct ct_session *session, const char *query,
				 int *rows)
{
	struct ct_patient_list list;
	struct ct_error err = {0};
	enum ct_outcome outcome;

	outcome = ct_patients_search(session, query, SEARCH_LIMIT, &list, &err);
	if (outcome == CT_OK) {
		*rows = (int)list.count;
		ct_patient_list_free(&list);
		return RUN_OK;
	}
	if (strcmp(err.sqlstate, "57014") == 0)
		return RUN_TIMEOUT;
	bench_anomaly("search: ct_patients_search(\"%s\") gave %s: %s", query,
		      ct_outcome_name(outcome), err.detail);
	return RUN_FAILED;
}

static enum run_status run_sql(PGconn *conn, const char *sql,
			       const char *const params[3], int *rows)
{
	PGresult *result =
		PQexecParams(conn, sql, 3, NULL, params, NULL, NULL, 0);
	const char *state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
	enum run_status status = RUN_OK;

	if (PQresultStatus(result) == PGRES_TUPLES_OK) {
		*rows = PQntuples(result);
	} else if (state != NULL && strcmp(state, "57014") == 0) {
		status = RUN_TIMEOUT;
	} else {
		bench_anomaly("search: \"%s\" failed: %s", params[1],
			      PQresultErrorMessage(result));
		status = RUN_FAILED;
	}
	PQclear(result);
	return status;
}

/* The way a naive search would match the text anywhere in a field. */
static void like_pattern(const char *text, char *buffer, size_t size)
{
	size_t used = 0;

	buffer[used++] = '%';
	for (; *text != '\0' && used + 4 < size; text++) {
		if (*text == '%' || *text == '_' || *text == '\\')
			buffer[used++] = '\\';
		buffer[used++] = *text;
	}
	buffer[used++] = '%';
	buffer[used] = '\0';
}

/* What a series searches with; exactly one of session and conn is set. */
struct searcher {
	struct ct_session *session;
	PGconn *conn;
	const char *sql;
	bool naive;
	char org[32];
};

static enum run_status search_once(struct searcher *searcher, const char *query,
				   int *rows)
{
	char pattern[600], limit[16];
	const char *params[3] = {searcher->org, query, limit};

	if (searcher->session != NULL)
		return run_layer(searcher->session, query, rows);
	snprintf(limit, sizeof(limit), "%d", SEARCH_LIMIT);
	if (searcher->naive) {
		like_pattern(query, pattern, sizeof(pattern));
		params[1] = pattern;
	}
	return run_sql(searcher->conn, searcher->sql, params, rows);
}

/* Times one query on one path; returns false when the path should stop. */
static bool measure(struct searcher *searcher, struct path *path,
		    const struct query *query, size_t index)
{
	int rows = -1;
	double t0 = bench_now_ms();
	enum run_status status = search_once(searcher, query->text, &rows);
	double elapsed = bench_now_ms() - t0;
	int kind = kind_index(query->kind);

	path->rows[index] = status == RUN_OK ? rows : -1;
	if (status == RUN_FAILED) {
		path->stopped_early = true;
		return false;
	}
	if (status == RUN_TIMEOUT) {
		path->samples.timeouts++;
		elapsed = BENCH_STATEMENT_TIMEOUT_MS;
	}
	bench_samples_add(&path->samples, elapsed);
	path->times[index] = elapsed;
	if (kind >= 0)
		bench_samples_add(&path->by_kind[kind], elapsed);
	if (path->samples.timeouts >= SEARCH_TIMEOUTS_MAX) {
		path->stopped_early = true;
		return false;
	}
	return true;
}

static void warm_up(struct searcher *searcher, const struct query_set *set)
{
	double started = bench_now_ms();
	int rows;

	for (size_t i = 0; i < SEARCH_WARMUP && i < set->count; i++) {
		if (search_once(searcher, set->items[i].text, &rows) !=
			    RUN_OK ||
		    bench_now_ms() - started > SEARCH_WARMUP_LIMIT_MS)
			return;
	}
}

static bool over_time(double started, double limit, struct path *path)
{
	if (bench_now_ms() - started <= limit)
		return false;
	path->stopped_early = true;
	return true;
}

/* Runs paths a and b on each query in turn, a first on even queries. */
static void run_pair(struct searcher *a, struct path *path_a,
		     struct searcher *b, struct path *path_b,
		     const struct query_set *set)
{
	bool a_on = true, b_on = true;
	double started;

	warm_up(a, set);
	warm_up(b, set);
	started = bench_now_ms();
	for (size_t i = 0; i < set->count && (a_on || b_on); i++) {
		if (i % 2 == 0 && a_on)
			a_on = measure(a, path_a, &set->items[i], i);
		if (b_on)
			b_on = measure(b, path_b, &set->items[i], i);
		if (i % 2 == 1 && a_on)
			a_on = measure(a, path_a, &set->items[i], i);
		if (over_time(started, SEARCH_SERIES_LIMIT_MS, path_a)) {
			path_b->stopped_early = true;
			break;
		}
	}
}

/* Runs one path on every SEARCH_SAMPLE_EVERY-th query. */
static void run_sample(struct searcher *searcher, struct path *path,
		       const struct query_set *set)
{
	double started;

	warm_up(searcher, set);
	started = bench_now_ms();
	for (size_t i = 0; i < set->count; i += SEARCH_SAMPLE_EVERY) {
		if (!measure(searcher, path, &set->items[i], i) ||
		    over_time(started, SEARCH_SAMPLE_LIMIT_MS, path))
			break;
	}
}

/* Reports the queries for which the data layer and bare SQL, which send
 * the same statement as the same role, returned different row counts. It
 * also reports those that returned no rows through the data layer,
 * because every query was made from a patient of the data set. */
static void compare_rows(const struct path *a, const struct path *b,
			 const struct query_set *set)
{
	size_t differ = 0, empty = 0;

	for (size_t i = 0; i < set->count; i++) {
		if (a->rows[i] == 0 && empty++ < 3)
			bench_anomaly("search: %s query \"%s\" returned no rows",
				      set->items[i].kind, set->items[i].text);
		if (a->rows[i] >= 0 && b->rows[i] >= 0 &&
		    a->rows[i] != b->rows[i]) {
			if (differ++ < 3)
				bench_anomaly(
					"search: \"%s\" gave %d rows through "
					"the data layer but %d through "
					"bare SQL",
					set->items[i].text, a->rows[i],
					b->rows[i]);
		}
	}
	if (empty > 3)
		bench_anomaly("search: %zu queries in all returned no rows",
			      empty);
}

/* ---- Plans ---- */

static void collect_notice(void *argument, const char *message)
{
	char **plans = argument;
	size_t old, add;

	/* Only the plan of the search statement inside the function. */
	if (strstr(message, "FROM patients p") == NULL)
		return;
	old = *plans != NULL ? strlen(*plans) : 0;
	add = strlen(message);
	*plans = realloc(*plans, old + add + 1);
	if (*plans == NULL)
		bench_fatal("out of memory");
	memcpy(*plans + old, message, add + 1);
}

/* Runs one query as the staff role with auto_explain and returns the
 * EXPLAIN (ANALYZE, BUFFERS) text, without per-node timing, of the
 * statement inside careteam.search_patients, or NULL when it failed or
 * timed out. The caller frees it. */
static char *explain_query(const struct bench_env *env, const char *query)
{
	char conninfo[1200], limit[16], org[32];
	const char *params[3] = {org, query, limit};
	char *plans = NULL;
	PGconn *conn;
	PGresult *result;

	snprintf(conninfo, sizeof(conninfo),
		 "%s options='-c statement_timeout=%d'", env->explain_conninfo,
		 SEARCH_EXPLAIN_TIMEOUT_MS);
	conn = bench_connect(conninfo);
	PQsetNoticeProcessor(conn, collect_notice, &plans);
	snprintf(org, sizeof(org), "%lld", (long long)env->org_id);
	snprintf(limit, sizeof(limit), "%d", SEARCH_LIMIT);
	result = PQexecParams(conn, search_sql, 3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(result) != PGRES_TUPLES_OK)
		fprintf(stderr, "bench-run: EXPLAIN of \"%s\" failed: %s",
			query, PQresultErrorMessage(result));
	PQclear(result);
	PQfinish(conn);
	return plans;
}

/* Captures the plan of the first prefix, MRN and misspelt query, and
 * stops at the first that fails or times out. */
static void explain_plans(const struct bench_env *env, const char *phase,
			  const struct query_set *set)
{
	static const char *const explained[] = {"prefix", "mrn", "misspelt"};

	for (size_t k = 0; k < sizeof(explained) / sizeof(*explained); k++) {
		const struct query *query = NULL;
		double t0 = bench_now_ms();
		char *plan;

		for (size_t i = 0; i < set->count && query == NULL; i++) {
			if (strcmp(set->items[i].kind, explained[k]) == 0)
				query = &set->items[i];
		}
		if (query == NULL)
			continue;
		plan = explain_query(env, query->text);
		printf("\n-- EXPLAIN (ANALYZE, BUFFERS), %s, %s query \"%s\" "
		       "(%.0f ms with auto_explain):\n%s",
		       phase, query->kind, query->text, bench_now_ms() - t0,
		       plan != NULL ? plan : "(no plan: the query failed)\n");
		bench_record_begin("search_plan", phase);
		bench_record_text("kind", query->kind);
		bench_record_text("query", query->text);
		bench_record_text("plan", plan != NULL ? plan : "");
		bench_record_end();
		if (plan == NULL)
			break;
		free(plan);
	}
}

/* ---- Reporting ---- */

static void print_path(struct path *path, const char *phase)
{
	printf("%-34s %6zu %5zu %9.2f %9.2f %9.2f %9.2f", path->name,
	       path->samples.count, path->samples.timeouts,
	       bench_percentile(&path->samples, 50),
	       bench_percentile(&path->samples, 95),
	       bench_percentile(&path->samples, 99),
	       bench_percentile(&path->samples, 100));
	if (path->stopped_early)
		printf("  (stopped early)");
	if (strcmp(path->phase, phase) != 0)
		printf("  (from %s)", path->phase);
	printf("\n");
}

static void record_path(const char *phase, const char *key, struct path *path)
{
	bench_record_begin("search", phase);
	bench_record_text("path", key);
	bench_record_text("description", path->name);
	bench_record_text("measured_in_phase", path->phase);
	bench_record_flag("stopped_early", path->stopped_early);
	bench_record_samples("search", &path->samples);
	for (int k = 0; k < KIND_COUNT; k++) {
		char name[64];

		snprintf(name, sizeof(name), "%s_p50_ms", kinds[k]);
		bench_record_number(name,
				    bench_percentile(&path->by_kind[k], 50));
		snprintf(name, sizeof(name), "%s_p99_ms", kinds[k]);
		bench_record_number(name,
				    bench_percentile(&path->by_kind[k], 99));
	}
	bench_record_end();
}

static double ratio(double a, double b)
{
	return a > 0 && b > 0 ? a / b : -1;
}

/* Returns the p50 of a's times on the queries b ran too. */
static double matched_p50(const struct path *a, const struct path *b)
{
	struct bench_samples matched = {0};
	double p50;

	for (size_t i = 0; i < SEARCH_QUERIES_MAX; i++) {
		if (a->times[i] >= 0 && b->times[i] >= 0)
			bench_samples_add(&matched, a->times[i]);
	}
	p50 = bench_percentile(&matched, 50);
	bench_samples_free(&matched);
	return p50;
}

static void report(const struct bench_env *env, const char *phase,
		   struct path *paths, size_t count)
{
	struct path *layer = &paths[0], *bare = &paths[1], *naive = &paths[2];
	double layer_p50 = bench_percentile(&layer->samples, 50);
	double layer_p99 = bench_percentile(&layer->samples, 99);
	double bare_p50 = bench_percentile(&bare->samples, 50);
	double naive_p50 = bench_percentile(&naive->samples, 50);
	double matched_layer_p50 = matched_p50(layer, naive);
	static const char *const keys[] = {"data_layer", "bare_sql",
					   "naive_ilike",
					   "data_layer_superuser"};
	char name[96];
	bool complete = layer->samples.timeouts == 0;

	printf("\n== Search at %ld patients, %d rows at most (%s)\n",
	       env->patients, SEARCH_LIMIT, phase);
	printf("%-34s %6s %5s %9s %9s %9s %9s\n", "ms per search", "n", "t/o",
	       "p50", "p95", "p99", "max");
	for (size_t i = 0; i < count; i++) {
		print_path(&paths[i], phase);
		record_path(phase, keys[i], &paths[i]);
	}
	printf("data layer / bare SQL: p50 %.2f, p95 %.2f, p99 %.2f; "
	       "naive / data layer on the naive scan's queries: p50 %.2f\n",
	       ratio(layer_p50, bare_p50),
	       ratio(bench_percentile(&layer->samples, 95),
		     bench_percentile(&bare->samples, 95)),
	       ratio(layer_p99, bench_percentile(&bare->samples, 99)),
	       ratio(naive_p50, matched_layer_p50));
	for (size_t i = 0; i < count; i++) {
		printf("p50/p99 by kind, %s:\n  ", paths[i].name);
		for (int k = 0; k < KIND_COUNT; k++)
			printf(" %s %.1f/%.1f", kinds[k],
			       bench_percentile(&paths[i].by_kind[k], 50),
			       bench_percentile(&paths[i].by_kind[k], 99));
		printf("\n");
	}
	printf("t/o: timed out after %d ms, counted at that time\n",
	       BENCH_STATEMENT_TIMEOUT_MS);

	snprintf(name, sizeof(name), "search at %ld: layer <= 1.2x bare SQL",
		 env->patients);
	bench_target(phase, name,
		     complete && ratio(layer_p50, bare_p50) > 0 &&
			     ratio(layer_p50, bare_p50) <= 1.2,
		     "p50 ratio %.2f", ratio(layer_p50, bare_p50));
	snprintf(name, sizeof(name), "search at %ld: >= 100x faster than ILIKE",
		 env->patients);
	bench_target(phase, name,
		     complete && ratio(naive_p50, matched_layer_p50) >= 100,
		     "p50 ratio %.2f", ratio(naive_p50, matched_layer_p50));
	snprintf(name, sizeof(name), "search at %ld: p99 <= 5 ms",
		 env->patients);
	bench_target(phase, name, complete && layer_p99 >= 0 && layer_p99 <= 5,
		     "p99 %.2f ms%s", layer_p99,
		     complete ? "" : " (a lower bound: timeouts)");
}

static void reset_path(struct path *path, const char *name, const char *phase)
{
	bench_samples_free(&path->samples);
	for (int k = 0; k < KIND_COUNT; k++)
		bench_samples_free(&path->by_kind[k]);
	memset(path, 0, sizeof(*path));
	path->name = name;
	path->phase = phase;
	for (size_t i = 0; i < SEARCH_QUERIES_MAX; i++) {
		path->rows[i] = -1;
		path->times[i] = -1;
	}
}

/* The data layer and bare SQL as the staff role. */
static void run_staff_paths(const struct bench_env *env,
			    const struct query_set *set, struct path *paths)
{
	struct searcher layer = {0}, bare = {0};
	struct ct_session staff;
	struct ct_config config;
	PGconn *bare_conn;

	bench_staff_config(env, CT_ISOLATION_READ_COMMITTED, &config);
	bench_open_session(&config, &staff);
	bare_conn = bench_connect(env->staff_conninfo);
	layer.session = &staff;
	bare.conn = bare_conn;
	bare.sql = search_sql;
	snprintf(bare.org, sizeof(bare.org), "%lld", (long long)env->org_id);
	run_pair(&layer, &paths[0], &bare, &paths[1], set);
	compare_rows(&paths[0], &paths[1], set);
	ct_session_close(&staff);
	PQfinish(bare_conn);
}

/* The naive scan and the data layer as the superuser, whom neither
 * row-level security nor the search's owner affects. */
static void run_reference_paths(const struct bench_env *env,
				const struct query_set *set, struct path *paths)
{
	struct searcher naive = {0}, reference = {0};
	struct ct_session superuser;
	struct ct_config config;
	char conninfo[CT_CONFIG_TEXT_MAX];
	PGconn *naive_conn;

	snprintf(conninfo, sizeof(conninfo),
		 "%s options='-c statement_timeout=%d'", env->admin_conninfo,
		 BENCH_STATEMENT_TIMEOUT_MS);
	naive_conn = bench_connect(conninfo);
	naive.conn = naive_conn;
	naive.sql = naive_sql;
	naive.naive = true;
	snprintf(naive.org, sizeof(naive.org), "%lld", (long long)env->org_id);
	run_sample(&naive, &paths[2], set);
	PQfinish(naive_conn);

	bench_staff_config(env, CT_ISOLATION_READ_COMMITTED, &config);
	snprintf(config.conninfo, sizeof(config.conninfo), "%s", conninfo);
	bench_open_session(&config, &superuser);
	reference.session = &superuser;
	run_sample(&reference, &paths[3], set);
	ct_session_close(&superuser);
}

void bench_search(const struct bench_env *env, const char *phase)
{
	static struct query_set set;
	static struct path paths[4];
	static bool references_done;
	PGconn *admin = bench_connect(env->admin_conninfo);

	load_queries(admin, &set);
	PQfinish(admin);
	reset_path(&paths[0], "data layer, staff role", phase);
	reset_path(&paths[1], "bare PQexecParams, staff role", phase);
	run_staff_paths(env, &set, paths);
	if (!references_done) {
		reset_path(&paths[2], "naive ILIKE scan, superuser", phase);
		reset_path(&paths[3], "data layer, superuser (no RLS)", phase);
		run_reference_paths(env, &set, paths);
		references_done = true;
	}
	report(env, phase, paths, 4);
	explain_plans(env, phase, &set);
}
