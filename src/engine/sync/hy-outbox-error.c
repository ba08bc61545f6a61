/* hy-outbox-error.c — error domain of the outbox and drafts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-outbox"

#include "config.h"

#include "sync/hy-outbox-error.h"

G_DEFINE_QUARK (hy-outbox-error-quark, hy_outbox_error)
