/* The PostgreSQL connection: every statement careteam sends goes through
 * here, so results are classified in one place and round trips are counted.
 * Only the domain layer includes this header. */
#ifndef CARETEAM_DB_H
#define CARETEAM_DB_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "careteam/config.h"
#include "careteam/outcome.h"

struct ct_db;

struct ct_db_options {
	const char *conninfo;
	enum ct_isolation isolation;
	/* Retries after 40001 or 40P01 before the write is returned as
	 * CT_CONFLICT_SERIALIZATION. */
	int max_retries;
};

/* Connects and sets the session's isolation level. On failure *db is NULL
 * and err describes the failure (CT_DB_UNAVAILABLE, or CT_CONFIG_INVALID
 * for a conninfo libpq cannot parse). */
enum ct_outcome ct_db_connect(const struct ct_db_options *options,
			      struct ct_db **db, struct ct_error *err);

void ct_db_close(struct ct_db *db);

/* Runs one statement with text parameters as one round trip. On CT_OK,
 * *result contains the tuples (the caller clears it); on any other outcome
 * *result is NULL and err is filled in by ct_db_classify. A connection found
 * broken is reset first, once. */
enum ct_outcome ct_db_query(struct ct_db *db, const char *sql, int param_count,
			    const char *const *params, PGresult **result,
			    struct ct_error *err);

/* Like ct_db_query, but retries a serialization failure (40001) or deadlock
 * (40P01) up to max_retries times with jittered exponential backoff.
 * *attempts is set to the number of times the statement was sent. When the
 * retries run out the outcome is CT_CONFLICT_SERIALIZATION. */
enum ct_outcome ct_db_query_retry(struct ct_db *db, const char *sql,
				  int param_count, const char *const *params,
				  PGresult **result, int *attempts,
				  struct ct_error *err);

/* Runs a script of several statements, without parameters, as one round
 * trip (the simple query protocol). Used for migrations. */
enum ct_outcome ct_db_exec_script(struct ct_db *db, const char *script,
				  struct ct_error *err);

/* Classifies a failed result: SQLSTATE 23505 by PG_DIAG_CONSTRAINT_NAME
 * (uq_care_team_primary, uq_care_team_patient_provider), other class 23
 * errors as CT_CONSTRAINT, 40001 and 40P01 as CT_CONFLICT_SERIALIZATION,
 * 42501 as CT_FORBIDDEN, and a connection whose PQstatus is CONNECTION_BAD
 * as CT_DB_UNAVAILABLE. result may be NULL. Never inspects message text. */
enum ct_outcome ct_db_classify(PGconn *conn, const PGresult *result,
			       struct ct_error *err);

/* Asynchronous queries, for a caller with an event loop. ct_db_send starts
 * a statement; when ct_db_socket is readable, call ct_db_consume, and once
 * it sets *ready, the result is in *result. */
enum ct_outcome ct_db_send(struct ct_db *db, const char *sql, int param_count,
			   const char *const *params, struct ct_error *err);
enum ct_outcome ct_db_consume(struct ct_db *db, bool *ready, PGresult **result,
			      struct ct_error *err);
bool ct_db_busy(const struct ct_db *db);

/* Returns the connection's socket, or -1 when there is none. */
int ct_db_socket(const struct ct_db *db);

/* A function run after every successful reconnect, before the statement
 * that found the connection broken is sent, to restore session state
 * that a new backend lacks. */
typedef enum ct_outcome (*ct_db_reconnect_hook)(void *argument,
						struct ct_error *err);

void ct_db_set_reconnect_hook(struct ct_db *db, ct_db_reconnect_hook hook,
			      void *argument);

/* Tries to reconnect a broken connection. Returns CT_OK once connected. */
enum ct_outcome ct_db_reconnect(struct ct_db *db, struct ct_error *err);

bool ct_db_connected(const struct ct_db *db);

/* Sets the key=value ids, such as "organization=3 staff=7", that the
 * connection's own log lines (retries, reconnects) carry. NULL clears them.
 * Cut at 255 bytes. */
void ct_db_set_log_context(struct ct_db *db, const char *context);

/* Returns the number of round trips to the server since connecting: one
 * per statement sent, including retries, resets excluded. */
unsigned long ct_db_round_trips(const struct ct_db *db);

/* Returns the underlying libpq connection, for tests. */
PGconn *ct_db_pgconn(struct ct_db *db);

/* Applies the migrations built into the program that are not yet recorded
 * in careteam.schema_migrations, each in its own transaction. *applied is
 * set to the number applied now. A recorded migration whose text changed
 * gives CT_MIGRATION_CHANGED with the file named. */
enum ct_outcome ct_db_migrate(struct ct_db *db, int *applied,
			      struct ct_error *err);

/* Loads the synthetic demo data set compiled into the program, in one
 * transaction. Returns CT_DEMO_ALREADY_LOADED when it is there already. */
enum ct_outcome ct_db_load_demo(struct ct_db *db, struct ct_error *err);

#endif
