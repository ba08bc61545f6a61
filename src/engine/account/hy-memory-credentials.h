/* hy-memory-credentials.h — HyCredentials kept in memory only (tests, one-shot tools)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "account/hy-credentials.h"

G_BEGIN_DECLS

#define HY_TYPE_MEMORY_CREDENTIALS (hy_memory_credentials_get_type ())

G_DECLARE_FINAL_TYPE (HyMemoryCredentials, hy_memory_credentials, HY, MEMORY_CREDENTIALS, GObject)

HyCredentials *hy_memory_credentials_new       (void);
/* How many secrets are held (for tests). */
guint          hy_memory_credentials_get_count (HyMemoryCredentials *self);

G_END_DECLS
