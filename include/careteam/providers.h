/* An organization's providers. */
#ifndef CARETEAM_PROVIDERS_H
#define CARETEAM_PROVIDERS_H

#include <stdbool.h>
#include <stddef.h>

#include "careteam/session.h"

struct ct_provider {
	char *npi;
	char *display_name;
	char *specialty;
	bool active;
	/* Patients for whom this provider is the active PRIMARY. */
	long primary_panel_size;
};

struct ct_provider_list {
	size_t count;
	struct ct_provider *items;
};

/* Lists the organization's providers, sorted by name. query, when not NULL
 * or empty, matches the name or specialty (ignoring case and accents) or the
 * exact NPI. One round trip. */
enum ct_outcome ct_providers_list(struct ct_session *session, const char *query,
				  bool active_only,
				  struct ct_provider_list *list,
				  struct ct_error *err);

void ct_provider_list_free(struct ct_provider_list *list);

#endif
