/* hy-smtp-error.c — error domain of the SMTP client
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-smtp"

#include "config.h"

#include "hy-smtp-error.h"

G_DEFINE_QUARK (hy-smtp-error-quark, hy_smtp_error)
