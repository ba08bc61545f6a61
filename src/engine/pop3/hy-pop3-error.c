/* hy-pop3-error.c — error domain of the POP3 client
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-pop3"

#include "config.h"

#include "hy-pop3-error.h"

G_DEFINE_QUARK (hy-pop3-error-quark, hy_pop3_error)
