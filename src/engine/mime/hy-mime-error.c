/* hy-mime-error.c — error domain of the message model and builder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-mime"

#include "config.h"

#include "hy-mime-error.h"

G_DEFINE_QUARK (hy-mime-error-quark, hy_mime_error)
