/* hy-store-folder.h — a folder as the store keeps it (boxed)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "account/hy-folder-role.h"

G_BEGIN_DECLS

#define HY_TYPE_STORE_FOLDER (hy_store_folder_get_type ())

typedef struct {
  gint64        id;
  char         *name;           /* the server's name, UTF-8 */
  HyFolderRole  role;
  char         *delimiter;      /* hierarchy delimiter or NULL */
  guint32       uidvalidity;
  guint32       uidnext;
  guint64       highestmodseq;
  guint         total;
  guint         unread;
} HyStoreFolder;

GType          hy_store_folder_get_type (void) G_GNUC_CONST;
HyStoreFolder *hy_store_folder_copy     (const HyStoreFolder *folder);
void           hy_store_folder_free     (HyStoreFolder       *folder);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyStoreFolder, hy_store_folder_free)

G_END_DECLS
