/* hy-window.h — the main window: folders, message list and reader
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hy-application.h"

G_BEGIN_DECLS

#define HY_TYPE_WINDOW (hy_window_get_type ())

G_DECLARE_FINAL_TYPE (HyWindow, hy_window, HY, WINDOW, AdwApplicationWindow)

HyWindow *hy_window_new (HyApplication *application);

G_END_DECLS
