/* The frame around every screen: title bar or connection banner on top,
 * message line and key bar at the bottom, and the notice shown instead of
 * everything when the terminal is too small. */
#ifndef CT_UI_FRAME_H
#define CT_UI_FRAME_H

#include "app.h"

/* Draws the whole screen: frame, the topmost full screen and the dialogs
 * over it. */
void ui_frame_draw(struct ui_app *app);

#endif
