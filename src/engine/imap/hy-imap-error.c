/* hy-imap-error.c — error domain of the IMAP client
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-imap"

#include "config.h"

#include "hy-imap-error.h"

G_DEFINE_QUARK (hy-imap-error-quark, hy_imap_error)
