/* hy-screenshot.h — save a PNG of a window once it has been drawn
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void     hy_screenshot_save_async  (GtkWidget           *widget,
                                    const char          *path,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
gboolean hy_screenshot_save_finish (GtkWidget           *widget,
                                    GAsyncResult        *result,
                                    GError             **error);

G_END_DECLS
