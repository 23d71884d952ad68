/* The connection to PostgreSQL, statement execution, retries and the
 * round-trip count. */
#include "careteam/db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "careteam/log.h"

struct ct_db {
	PGconn *conn;
	char *conninfo;
	enum ct_isolation isolation;
	int max_retries;
	unsigned long round_trips;
	/* The first result of the asynchronous statement in flight. */
	PGresult *pending;
	bool in_flight;
	ct_db_reconnect_hook reconnect_hook;
	void *reconnect_argument;
	char log_context[256];
};

/* Copies libpq's error text without its trailing newline. */
static void copy_libpq_message(char *buffer, size_t size, const char *message)
{
	size_t length;

	snprintf(buffer, size, "%s", message != NULL ? message : "");
	length = strlen(buffer);
	while (length > 0 &&
	       (buffer[length - 1] == '\n' || buffer[length - 1] == ' '))
		buffer[--length] = '\0';
}

/* libpq prints notices to stderr by default, which would garble the TUI's
 * screen, so they go to the log instead. */
static void log_notice(void *unused, const char *message)
{
	char text[256];

	(void)unused;
	copy_libpq_message(text, sizeof(text), message);
	ct_log(CT_LOG_DEBUG, "db_notice", "text=\"%s\"", text);
}

static enum ct_outcome set_isolation(struct ct_db *db, struct ct_error *err)
{
	const char *sql =
		db->isolation == CT_ISOLATION_SERIALIZABLE
			? "SET default_transaction_isolation = 'serializable'"
			: "SET default_transaction_isolation = 'read "
			  "committed'";
	PGresult *result = PQexec(db->conn, sql);
	enum ct_outcome outcome = CT_OK;

	if (PQresultStatus(result) != PGRES_COMMAND_OK)
		outcome = ct_db_classify(db->conn, result, err);
	PQclear(result);
	return outcome;
}

static enum ct_outcome check_conninfo(const char *conninfo,
				      struct ct_error *err)
{
	char *message = NULL;
	PQconninfoOption *options;

	if (conninfo[0] == '\0')
		return CT_OK;
	options = PQconninfoParse(conninfo, &message);
	if (options == NULL) {
		char text[400];

		copy_libpq_message(text, sizeof(text),
				   message != NULL ? message : "out of memory");
		PQfreemem(message);
		return ct_error_set(err, CT_CONFIG_INVALID,
				    "database.conninfo is invalid: %s", text);
	}
	PQconninfoFree(options);
	return CT_OK;
}

enum ct_outcome ct_db_connect(const struct ct_db_options *options,
			      struct ct_db **db_out, struct ct_error *err)
{
	/* Later entries override earlier ones, so the configured conninfo,
	 * expanded from dbname, wins over these defaults. */
	const char *keywords[] = {"connect_timeout",
				  "fallback_application_name",
				  "client_encoding", "dbname", NULL};
	const char *values[] = {"5", "careteam", "UTF8", NULL, NULL};
	const char *conninfo =
		options->conninfo != NULL ? options->conninfo : "";
	struct ct_db *db;
	enum ct_outcome outcome;

	*db_out = NULL;
	outcome = check_conninfo(conninfo, err);
	if (outcome != CT_OK)
		return outcome;

	db = calloc(1, sizeof(*db));
	if (db == NULL || (db->conninfo = strdup(conninfo)) == NULL) {
		free(db);
		return ct_error_set(err, CT_SYSTEM_ERROR, "out of memory");
	}
	db->isolation = options->isolation;
	db->max_retries = options->max_retries;

	values[3] = conninfo;
	db->conn = PQconnectdbParams(keywords, values, 1);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		outcome = ct_db_classify(db->conn, NULL, err);
		ct_log(CT_LOG_WARNING, "db_connect_failed", "outcome=%s",
		       ct_outcome_name(outcome));
		ct_db_close(db);
		return outcome;
	}

	PQsetNoticeProcessor(db->conn, log_notice, NULL);
	outcome = set_isolation(db, err);
	if (outcome != CT_OK) {
		ct_db_close(db);
		return outcome;
	}
	*db_out = db;
	return CT_OK;
}

void ct_db_close(struct ct_db *db)
{
	if (db == NULL)
		return;
	PQclear(db->pending);
	PQfinish(db->conn);
	free(db->conninfo);
	free(db);
}

bool ct_db_connected(const struct ct_db *db)
{
	return db != NULL && db->conn != NULL &&
	       PQstatus(db->conn) == CONNECTION_OK;
}

enum ct_outcome ct_db_reconnect(struct ct_db *db, struct ct_error *err)
{
	enum ct_outcome outcome;

	PQclear(db->pending);
	db->pending = NULL;
	db->in_flight = false;
	PQreset(db->conn);
	if (PQstatus(db->conn) != CONNECTION_OK)
		return ct_db_classify(db->conn, NULL, err);
	outcome = set_isolation(db, err);
	if (outcome != CT_OK)
		return outcome;
	ct_log(CT_LOG_INFO, "db_reconnected", "backend_pid=%d %s",
	       PQbackendPID(db->conn), db->log_context);
	if (db->reconnect_hook != NULL)
		outcome = db->reconnect_hook(db->reconnect_argument, err);
	return outcome;
}

void ct_db_set_log_context(struct ct_db *db, const char *context)
{
	snprintf(db->log_context, sizeof(db->log_context), "%s",
		 context != NULL ? context : "");
}

void ct_db_set_reconnect_hook(struct ct_db *db, ct_db_reconnect_hook hook,
			      void *argument)
{
	db->reconnect_hook = hook;
	db->reconnect_argument = argument;
}

/* Resets a connection that libpq has already marked broken, so one dropped
 * link does not fail the next action. */
static enum ct_outcome ensure_connected(struct ct_db *db, struct ct_error *err)
{
	if (db->in_flight)
		return ct_error_set(err, CT_SYSTEM_ERROR,
				    "a query is already in flight on this "
				    "connection");
	if (PQstatus(db->conn) == CONNECTION_OK)
		return CT_OK;
	return ct_db_reconnect(db, err);
}

static bool result_ok(const PGresult *result)
{
	ExecStatusType status = PQresultStatus(result);

	return status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK;
}

enum ct_outcome ct_db_query(struct ct_db *db, const char *sql, int param_count,
			    const char *const *params, PGresult **result_out,
			    struct ct_error *err)
{
	PGresult *result;
	enum ct_outcome outcome;

	*result_out = NULL;
	outcome = ensure_connected(db, err);
	if (outcome != CT_OK)
		return outcome;

	db->round_trips++;
	result = PQexecParams(db->conn, sql, param_count, NULL, params, NULL,
			      NULL, 0);
	if (!result_ok(result)) {
		outcome = ct_db_classify(db->conn, result, err);
		PQclear(result);
		return outcome;
	}
	*result_out = result;
	return CT_OK;
}

static bool is_retryable(const struct ct_error *err)
{
	return strcmp(err->sqlstate, "40001") == 0 ||
	       strcmp(err->sqlstate, "40P01") == 0;
}

/* Sleeps 10 ms doubled per attempt, capped at 320 ms, times a random factor
 * from 0.5 to 1.5 so that sessions that collided do not collide again. */
static void back_off(int attempt)
{
	long base_ms = 10L << (attempt < 5 ? attempt : 5);
	long delay_ms = base_ms / 2 + random() % (base_ms + 1);
	struct timespec delay = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};

	while (nanosleep(&delay, &delay) == -1 && errno == EINTR)
		;
}

enum ct_outcome ct_db_query_retry(struct ct_db *db, const char *sql,
				  int param_count, const char *const *params,
				  PGresult **result, int *attempts,
				  struct ct_error *err)
{
	enum ct_outcome outcome;
	int attempt = 0;

	for (;;) {
		attempt++;
		outcome =
			ct_db_query(db, sql, param_count, params, result, err);
		if (outcome == CT_OK || !is_retryable(err))
			break;
		if (attempt > db->max_retries) {
			ct_log(CT_LOG_WARNING, "retries_exhausted",
			       "sqlstate=%s attempts=%d %s", err->sqlstate,
			       attempt, db->log_context);
			outcome = CT_CONFLICT_SERIALIZATION;
			err->outcome = outcome;
			break;
		}
		ct_log(CT_LOG_INFO, "retry", "sqlstate=%s attempt=%d %s",
		       err->sqlstate, attempt, db->log_context);
		back_off(attempt - 1);
	}
	if (outcome == CT_OK && attempt > 1)
		memset(err, 0, sizeof(*err)); /* no failed attempt's detail */
	if (attempts != NULL)
		*attempts = attempt;
	return outcome;
}

enum ct_outcome ct_db_exec_script(struct ct_db *db, const char *script,
				  struct ct_error *err)
{
	PGresult *result;
	enum ct_outcome outcome;

	outcome = ensure_connected(db, err);
	if (outcome != CT_OK)
		return outcome;

	db->round_trips++;
	/* PQexec returns the last statement's result, and the first failure
	 * stops the script, so that result shows whether all of it ran. */
	result = PQexec(db->conn, script);
	outcome = result_ok(result) ? CT_OK
				    : ct_db_classify(db->conn, result, err);
	PQclear(result);
	return outcome;
}

enum ct_outcome ct_db_send(struct ct_db *db, const char *sql, int param_count,
			   const char *const *params, struct ct_error *err)
{
	enum ct_outcome outcome = ensure_connected(db, err);

	if (outcome != CT_OK)
		return outcome;
	db->round_trips++;
	if (!PQsendQueryParams(db->conn, sql, param_count, NULL, params, NULL,
			       NULL, 0))
		return ct_db_classify(db->conn, NULL, err);
	db->in_flight = true;
	return CT_OK;
}

enum ct_outcome ct_db_consume(struct ct_db *db, bool *ready,
			      PGresult **result_out, struct ct_error *err)
{
	PGresult *result;
	enum ct_outcome outcome = CT_OK;

	*ready = false;
	*result_out = NULL;
	if (!db->in_flight)
		return ct_error_set(err, CT_SYSTEM_ERROR, "no query in flight");

	if (!PQconsumeInput(db->conn)) {
		db->in_flight = false;
		PQclear(db->pending);
		db->pending = NULL;
		*ready = true;
		return ct_db_classify(db->conn, NULL, err);
	}
	while (!PQisBusy(db->conn)) {
		result = PQgetResult(db->conn);
		if (result == NULL) {
			*ready = true;
			break;
		}
		if (db->pending == NULL)
			db->pending = result;
		else
			PQclear(result);
	}
	if (!*ready)
		return CT_OK;

	db->in_flight = false;
	result = db->pending;
	db->pending = NULL;
	if (result == NULL || !result_ok(result)) {
		outcome = ct_db_classify(db->conn, result, err);
		PQclear(result);
		return outcome;
	}
	*result_out = result;
	return CT_OK;
}

bool ct_db_busy(const struct ct_db *db)
{
	return db->in_flight;
}

int ct_db_socket(const struct ct_db *db)
{
	return db != NULL && db->conn != NULL ? PQsocket(db->conn) : -1;
}

unsigned long ct_db_round_trips(const struct ct_db *db)
{
	return db->round_trips;
}

PGconn *ct_db_pgconn(struct ct_db *db)
{
	return db->conn;
}
