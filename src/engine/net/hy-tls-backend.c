/* hy-tls-backend.c — check that GIO can speak TLS before any mail is touched
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-net"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <gio/gio.h>

#include "hy-net-error.h"
#include "hy-tls-backend.h"

/**
 * hy_tls_backend_check:
 * @error: return location for a #GError
 *
 * Mail servers are reached over TLS only through GIO's TLS backend, which is a
 * loadable module (glib-networking).  Without it every secure connection would
 * fail later with an obscure message, so front ends call this at start.
 *
 * Returns: %TRUE if TLS is available
 */
gboolean
hy_tls_backend_check (GError **error)
{
  GTlsBackend *backend = g_tls_backend_get_default ();

  if (backend == NULL || !g_tls_backend_supports_tls (backend))
    {
      g_set_error_literal (error, HY_NET_ERROR, HY_NET_ERROR_NO_TLS_BACKEND,
                           _ ("GIO has no TLS support, so no mail server can be reached "
                              "securely. Install glib-networking (on Debian: "
                              "apt-get install glib-networking) and start again."));
      return FALSE;
    }

  return TRUE;
}
