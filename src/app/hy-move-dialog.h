/* hy-move-dialog.h — "Move to…": pick one of an account's folders, by typing part of its name
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "api/hy-folder.h"

G_BEGIN_DECLS

#define HY_TYPE_MOVE_DIALOG (hy_move_dialog_get_type ())

G_DECLARE_FINAL_TYPE (HyMoveDialog, hy_move_dialog, HY, MOVE_DIALOG, AdwWindow)

/* A modal dialog over @parent listing @folders (a GListModel of HyFolder)
 * but @current (the folder the messages are in; 0 for none).  Typing
 * filters the list; Enter or a click picks a folder: the dialog emits
 * "folder-chosen" (HyFolder *) and closes. */
HyMoveDialog *hy_move_dialog_new (GtkWindow  *parent,
                                  GListModel *folders,
                                  gint64      current);

G_END_DECLS
