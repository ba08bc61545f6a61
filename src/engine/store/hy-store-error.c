/* hy-store-error.c — error domain of the offline store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-store"

#include "config.h"

#include "store/hy-store-error.h"

G_DEFINE_QUARK (hy-store-error-quark, hy_store_error)
