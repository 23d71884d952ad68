/* SQL files compiled into the program by share/scripts/embed-sql.sh. */
#ifndef CARETEAM_DB_EMBEDDED_SQL_H
#define CARETEAM_DB_EMBEDDED_SQL_H

#include <stddef.h>

struct ct_embedded_sql {
	const char *name;
	const char *text; /* NUL-terminated */
	size_t length;
};

/* share/migrations/NNNN_*.sql in order. */
extern const struct ct_embedded_sql ct_migrations[];
extern const size_t ct_migration_count;

/* share/demo/seed.sql. */
extern const struct ct_embedded_sql ct_demo_seed;

#endif
