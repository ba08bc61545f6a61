/* hy-net-error.h — error domain of the connection layer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HY_NET_ERROR (hy_net_error_quark ())

typedef enum {
  HY_NET_ERROR_NO_TLS_BACKEND = 1,
} HyNetError;

GQuark hy_net_error_quark (void);

G_END_DECLS
