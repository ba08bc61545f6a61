/* hy-store-error.h — error domain of the offline store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HY_STORE_ERROR (hy_store_error_quark ())

typedef enum {
  HY_STORE_ERROR_OPEN = 1,      /* the database file cannot be opened or created */
  HY_STORE_ERROR_SCHEMA,        /* a migration failed or the schema is newer than this build */
  HY_STORE_ERROR_QUERY,         /* a statement failed (disk full, corruption, …) */
  HY_STORE_ERROR_NOT_FOUND,     /* the folder or message does not exist */
  HY_STORE_ERROR_BAD_QUERY,     /* a search query cannot be understood */
  HY_STORE_ERROR_IO,            /* a body file beside the database cannot be read or written */
  HY_STORE_ERROR_DAMAGED,       /* a cached body is damaged or lost: download it again */
} HyStoreError;

GQuark hy_store_error_quark (void);

G_END_DECLS
