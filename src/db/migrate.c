/* Applies the SQL migrations compiled into the program. Each file runs in
 * its own transaction together with its row in careteam.schema_migrations,
 * so a failed file leaves neither. The recorded SHA-256 checksum catches a
 * file edited after it was applied. */
#include <stdio.h>
#include <string.h>

#include "careteam/db.h"
#include "careteam/log.h"
#include "embedded_sql.h"

/* An arbitrary constant, so that two migrate runs at once take turns. */
#define MIGRATE_LOCK_KEY "7420113"

static const char create_ledger_sql[] =
	"CREATE SCHEMA IF NOT EXISTS careteam;"
	"CREATE TABLE IF NOT EXISTS careteam.schema_migrations ("
	" version text PRIMARY KEY,"
	" checksum text NOT NULL,"
	" applied_at timestamptz NOT NULL DEFAULT now())";

static const char lookup_sql[] =
	"SELECT encode(sha256(convert_to($2, 'UTF8')), 'hex'),"
	" (SELECT checksum FROM careteam.schema_migrations"
	"  WHERE version = $1)";

static const char record_sql[] =
	"INSERT INTO careteam.schema_migrations (version, checksum)"
	" VALUES ($1, $2)";

static enum ct_outcome run_simple(struct ct_db *db, const char *sql,
				  struct ct_error *err)
{
	return ct_db_exec_script(db, sql, err);
}

static void roll_back(struct ct_db *db)
{
	struct ct_error ignored;

	ct_db_exec_script(db, "ROLLBACK", &ignored);
}

static enum ct_outcome apply_one(struct ct_db *db,
				 const struct ct_embedded_sql *file,
				 const char *checksum, struct ct_error *err)
{
	const char *params[] = {file->name, checksum};
	PGresult *result = NULL;
	enum ct_outcome outcome;

	outcome = run_simple(db, "BEGIN", err);
	if (outcome != CT_OK)
		return outcome;
	outcome = ct_db_exec_script(db, file->text, err);
	if (outcome == CT_OK)
		outcome = ct_db_query(db, record_sql, 2, params, &result, err);
	PQclear(result);
	if (outcome == CT_OK)
		outcome = run_simple(db, "COMMIT", err);
	if (outcome != CT_OK) {
		char detail[sizeof(err->detail)];

		roll_back(db);
		snprintf(detail, sizeof(detail), "%s", err->detail);
		snprintf(err->detail, sizeof(err->detail),
			 "migration %s failed: %.400s", file->name, detail);
		return outcome;
	}
	ct_log(CT_LOG_INFO, "migration_applied", "version=%s checksum=%s",
	       file->name, checksum);
	return CT_OK;
}

/* Applies one file unless it is recorded. *applied grows by one when the
 * file ran. */
static enum ct_outcome migrate_one(struct ct_db *db,
				   const struct ct_embedded_sql *file,
				   int *applied, struct ct_error *err)
{
	const char *params[] = {file->name, file->text};
	char checksum[65];
	PGresult *result;
	enum ct_outcome outcome;
	bool recorded;

	outcome = ct_db_query(db, lookup_sql, 2, params, &result, err);
	if (outcome != CT_OK)
		return outcome;
	snprintf(checksum, sizeof(checksum), "%s", PQgetvalue(result, 0, 0));
	recorded = !PQgetisnull(result, 0, 1);
	if (recorded && strcmp(PQgetvalue(result, 0, 1), checksum) != 0) {
		ct_error_set(err, CT_MIGRATION_CHANGED,
			     "migration %s was changed after it was applied "
			     "(recorded checksum %.12s, file %.12s). Restore "
			     "the file and put the change in a new migration.",
			     file->name, PQgetvalue(result, 0, 1), checksum);
		PQclear(result);
		return CT_MIGRATION_CHANGED;
	}
	PQclear(result);
	if (recorded)
		return CT_OK;

	outcome = apply_one(db, file, checksum, err);
	if (outcome == CT_OK)
		(*applied)++;
	return outcome;
}

enum ct_outcome ct_db_migrate(struct ct_db *db, int *applied,
			      struct ct_error *err)
{
	enum ct_outcome outcome;
	size_t i;

	*applied = 0;
	outcome = run_simple(
		db, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", err);
	if (outcome != CT_OK)
		return outcome;

	outcome = run_simple(db, create_ledger_sql, err);
	for (i = 0; outcome == CT_OK && i < ct_migration_count; i++)
		outcome = migrate_one(db, &ct_migrations[i], applied, err);

	if (ct_db_connected(db)) {
		struct ct_error ignored;

		ct_db_exec_script(
			db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")",
			&ignored);
	}
	return outcome;
}

enum ct_outcome ct_db_load_demo(struct ct_db *db, struct ct_error *err)
{
	enum ct_outcome outcome;

	/* One PQexec with several statements and no BEGIN runs as one
	 * transaction, so a failed load leaves nothing behind. The script
	 * raises duplicate_object (42710) when the demo data is there. */
	outcome = ct_db_exec_script(db, ct_demo_seed.text, err);
	if (outcome != CT_OK && strcmp(err->sqlstate, "42710") == 0) {
		char detail[sizeof(err->detail)];

		snprintf(detail, sizeof(detail), "%s", err->detail);
		return ct_error_set(err, CT_DEMO_ALREADY_LOADED, "%s", detail);
	}
	if (outcome == CT_OK)
		ct_log(CT_LOG_INFO, "demo_loaded", "bytes=%zu",
		       ct_demo_seed.length);
	return outcome;
}
