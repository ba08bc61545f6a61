/* hy-preferences-window.h — the preferences window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hy-application.h"

G_BEGIN_DECLS

#define HY_TYPE_PREFERENCES_WINDOW (hy_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (HyPreferencesWindow, hy_preferences_window, HY, PREFERENCES_WINDOW, AdwPreferencesWindow)

HyPreferencesWindow *hy_preferences_window_new (HyApplication *application);

G_END_DECLS
