/* hy-net-error.c — error domain of the connection layer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-net"

#include "config.h"

#include "hy-net-error.h"

G_DEFINE_QUARK (hy-net-error-quark, hy_net_error)
