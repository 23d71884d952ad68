/* The two full screens: patient search (the first) and a patient's care
 * team. */
#ifndef CT_UI_SCREENS_H
#define CT_UI_SCREENS_H

#include "app.h"
#include "view.h"

struct ui_view *ui_search_screen_new(void);

/* Loads the care team of the patient with this MRN and returns its
 * screen, or NULL after reporting why it could not be loaded. */
struct ui_view *ui_team_screen_new(struct ui_app *app, const char *mrn);

#endif
