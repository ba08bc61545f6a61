/* hy-tls-backend.h — check that GIO can speak TLS before any mail is touched
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean hy_tls_backend_check (GError **error);

G_END_DECLS
