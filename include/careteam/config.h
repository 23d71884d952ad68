/* careteam's configuration file, read with libconfig. */
#ifndef CARETEAM_CONFIG_H
#define CARETEAM_CONFIG_H

#include <stddef.h>

#include "careteam/outcome.h"

enum ct_isolation {
	CT_ISOLATION_READ_COMMITTED,
	CT_ISOLATION_SERIALIZABLE,
};

enum ct_log_destination {
	CT_LOG_TO_STDERR,
	CT_LOG_TO_SYSLOG,
	CT_LOG_TO_FILE,
};

enum ct_log_level {
	CT_LOG_ERROR,
	CT_LOG_WARNING,
	CT_LOG_INFO,
	CT_LOG_DEBUG,
};

#define CT_CONFIG_TEXT_MAX 1024

struct ct_config {
	/* The file the settings came from, or "" when none was found and the
	 * defaults apply. */
	char path[CT_CONFIG_TEXT_MAX];

	/* database.conninfo: any libpq conninfo string or URI. Empty means
	 * libpq's PG* environment variables and defaults. */
	char conninfo[CT_CONFIG_TEXT_MAX];
	/* database.isolation: "read committed" (default) or "serializable". */
	enum ct_isolation isolation;
	/* database.max_retries: how many times a write is retried after a
	 * serialization failure or deadlock, 0 to 20, default 5. */
	int max_retries;

	/* log.destination: "stderr", "syslog" (default) or "file". */
	enum ct_log_destination log_destination;
	/* log.file: the log file when log.destination is "file". */
	char log_file[CT_CONFIG_TEXT_MAX];
	/* log.level: "error", "warning", "info" (default) or "debug". */
	enum ct_log_level log_level;

	/* general.default_organization: organization code used when the staff
	 * member belongs to several and no --org is given. Empty for none. */
	char default_organization[64];
};

/* Fills config with the defaults listed above. */
void ct_config_defaults(struct ct_config *config);

/* Loads the configuration. The file is explicit_path when it is not NULL
 * (and must exist), else $XDG_CONFIG_HOME/careteam/careteam.conf (with
 * $HOME/.config when XDG_CONFIG_HOME is unset), else
 * /etc/careteam/careteam.conf. When neither default file exists, the
 * defaults apply and CT_OK is returned. An unreadable or invalid file gives
 * CT_CONFIG_INVALID with the file, line and setting named in err->detail. */
enum ct_outcome ct_config_load(const char *explicit_path,
			       struct ct_config *config, struct ct_error *err);

#endif
