/* hy-folder.h — a folder of an account as front ends see it: name, role and counts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "account/hy-account.h"
#include "store/hy-store-folder.h"

G_BEGIN_DECLS

#define HY_TYPE_FOLDER (hy_folder_get_type ())

G_DECLARE_FINAL_TYPE (HyFolder, hy_folder, HY, FOLDER, GObject)

/* A HyFolder mirrors one row of the account's store.  HyEngine keeps the
 * objects it hands out current: when a sync or a local operation changes
 * the counts, the same object notifies "total" and "unread".
 *
 * Properties (read-only): "account" (HyAccount), "id" (gint64), "name"
 * (the server's full name), "display-name" (the last level of the
 * name), "role" (HyFolderRole as int), "depth" (levels below the top),
 * "total" and "unread" (guint). */
HyFolder     *hy_folder_new_from_store (HyAccount           *account,
                                        const HyStoreFolder *folder);
/* Takes the state of @folder (the same row, read again); notifies the
 * properties that changed. */
void          hy_folder_update         (HyFolder            *self,
                                        const HyStoreFolder *folder);

HyAccount    *hy_folder_get_account      (HyFolder *self);
gint64        hy_folder_get_id           (HyFolder *self);
const char   *hy_folder_get_name         (HyFolder *self);
const char   *hy_folder_get_display_name (HyFolder *self);
/* The hierarchy delimiter, or NULL for a flat namespace. */
const char   *hy_folder_get_delimiter    (HyFolder *self);
guint         hy_folder_get_depth        (HyFolder *self);
HyFolderRole  hy_folder_get_role         (HyFolder *self);
guint         hy_folder_get_total        (HyFolder *self);
guint         hy_folder_get_unread       (HyFolder *self);

G_END_DECLS
