/* Fixtures for tests against the throwaway cluster that
 * share/scripts/run-tests.sh starts. Every helper fails the running cmocka
 * test on error, so tests read as a list of steps. */
#ifndef CARETEAM_TEST_FIXTURE_H
#define CARETEAM_TEST_FIXTURE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "careteam/config.h"
#include "careteam/session.h"

struct ct_test_org {
	int64_t id;
	char code[40];
};

/* Connects as the cluster's superuser (CT_TEST_CONNINFO). */
PGconn *ct_test_admin_connect(void);

/* Runs one statement and fails the test unless it succeeds. */
void ct_test_sql(PGconn *conn, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

/* Runs a query and returns its first field in a static buffer ("" for
 * NULL or no rows). */
const char *ct_test_sql_value(PGconn *conn, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

/* Creates an organization with a unique code starting with prefix and
 * makes the superuser a clinician member of it. */
void ct_test_make_org(PGconn *admin, const char *prefix,
		      struct ct_test_org *org);

void ct_test_add_provider(PGconn *admin, const struct ct_test_org *org,
			  const char *npi, const char *name, bool active);
void ct_test_add_patient(PGconn *admin, const struct ct_test_org *org,
			 const char *mrn, const char *family, const char *given,
			 const char *birth_date);

/* Creates a LOGIN role in the careteam_staff group with a staff row, unless
 * they exist, and gives it the access level in org. */
void ct_test_add_staff(PGconn *admin, const struct ct_test_org *org,
		       const char *role_name, const char *display_name,
		       const char *access_level);

/* Fills config for the test database, connecting as user (NULL for the
 * superuser). */
void ct_test_config(struct ct_config *config, const char *user,
		    enum ct_isolation isolation, int max_retries);

/* Opens a session in org as user (NULL for the superuser). */
void ct_test_open_session(const struct ct_test_org *org, const char *user,
			  enum ct_isolation isolation, int max_retries,
			  struct ct_session *session);

/* Waits up to 10 s (times CT_TEST_TIMEOUT_SCALE) until the backend with
 * this pid waits for a lock, and fails the test otherwise. */
void ct_test_wait_for_lock_wait(PGconn *admin, int backend_pid);

/* Returns the scale of every timeout, from CT_TEST_TIMEOUT_SCALE. */
double ct_test_timeout_scale(void);

/* Returns the environment variable, failing the test when it is unset. */
const char *ct_test_env(const char *name);

#endif
