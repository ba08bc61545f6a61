/* hy-store-folder.c — a folder as the store keeps it (boxed)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-store"

#include "config.h"

#include "store/hy-store-folder.h"

G_DEFINE_BOXED_TYPE (HyStoreFolder, hy_store_folder, hy_store_folder_copy, hy_store_folder_free)

HyStoreFolder *
hy_store_folder_copy (const HyStoreFolder *folder)
{
  HyStoreFolder *copy;

  g_return_val_if_fail (folder != NULL, NULL);

  copy = g_memdup2 (folder, sizeof *folder);
  copy->name = g_strdup (folder->name);
  copy->delimiter = g_strdup (folder->delimiter);
  return copy;
}

void
hy_store_folder_free (HyStoreFolder *folder)
{
  if (folder == NULL)
    return;
  g_free (folder->name);
  g_free (folder->delimiter);
  g_free (folder);
}
