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

HyWindow *hy_window_new          (HyApplication *application);
/* Shows @toast over the window's content; takes ownership of it
 * (transfer full), like adw_toast_overlay_add_toast(). */
void      hy_window_add_toast    (HyWindow      *self,
                                  AdwToast      *toast);
/* Shows message @message_id of account @account_id in the reader,
 * selecting its folder; does nothing visible if it is not cached. */
void      hy_window_show_message (HyWindow      *self,
                                  const char    *account_id,
                                  gint64         message_id);

G_END_DECLS
