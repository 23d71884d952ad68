/* The two full screens: patient search (the first) and a patient's care
 * team. */
#ifndef CT_UI_SCREENS_H
#define CT_UI_SCREENS_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "careteam/care_team.h"
#include "careteam/session.h"
#include "view.h"

struct ui_view *ui_search_screen_new(void);

/* Loads the care team of the patient with this MRN and returns its
 * screen, or NULL after reporting why it could not be loaded. */
struct ui_view *ui_team_screen_new(struct ui_app *app, const char *mrn);

/* Loads the audit trail of the team's patient and returns its screen, or
 * NULL after reporting why it could not be loaded. The team's assignments
 * name the providers in the entries' summaries. */
struct ui_view *ui_audit_screen_new(struct ui_app *app,
                                    const struct ct_care_team *team);

/* Lists the organizations to choose from, before the session is open. */
struct ui_view *
ui_organizations_screen_new(const struct ct_membership *memberships,
                            size_t count);

/* Asks for the second-factor code of the open session. over_work is true
 * when the prompt goes over the working screens, after a reconnect whose
 * ticket was rejected: a valid code then closes it (see ui_app_resumed).
 * Otherwise it opens the first working screen. */
struct ui_view *ui_mfa_screen_new(bool over_work);

/* Returns whether view is the code prompt. */
bool ui_mfa_screen_is(const struct ui_view *view);

/* Returns the first view once the session is open: the code prompt while
 * the organization's second factor is not proved, else the patient search
 * (subscribing to change notifications first). NULL when memory runs
 * out. */
struct ui_view *ui_first_work_view(struct ui_app *app);

#endif
