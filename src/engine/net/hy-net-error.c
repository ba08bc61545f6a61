/* hy-net-error.c — error domain of the connection layer
 *
 * The domain is an "extended" GError domain (GLib 2.68): every error of it
 * carries a private part holding the server certificate and its problems, so
 * the certificate survives g_error_copy(), GTask and every g_propagate_error()
 * on its way to the UI, without a side table that could go stale.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-net"

#include "config.h"

#include "hy-net-error.h"

typedef struct {
  GTlsCertificate      *certificate;
  GTlsCertificateFlags  flags;
} HyNetErrorPrivate;

static void
hy_net_error_private_init (HyNetErrorPrivate *priv)
{
  priv->certificate = NULL;
  priv->flags = 0;
}

static void
hy_net_error_private_copy (const HyNetErrorPrivate *src,
                           HyNetErrorPrivate       *dest)
{
  dest->certificate = src->certificate ? g_object_ref (src->certificate) : NULL;
  dest->flags = src->flags;
}

static void
hy_net_error_private_clear (HyNetErrorPrivate *priv)
{
  g_clear_object (&priv->certificate);
}

G_DEFINE_EXTENDED_ERROR (HyNetError, hy_net_error)

/**
 * hy_net_error_get_certificate:
 * @error: a #GError
 * @flags: (out) (optional): where to store what is wrong with the certificate
 *
 * For an error of code %HY_NET_ERROR_CERTIFICATE, returns the certificate the
 * server presented and the reasons it was not trusted, so that the UI can show
 * it and offer to trust it (by pinning its SHA-256 fingerprint, see
 * hy_connection_set_pinned_certificate()).
 *
 * Returns: (transfer none) (nullable): the certificate, or %NULL if @error
 *   carries none
 */
GTlsCertificate *
hy_net_error_get_certificate (const GError         *error,
                              GTlsCertificateFlags *flags)
{
  HyNetErrorPrivate *priv;

  if (flags != NULL)
    *flags = 0;
  if (error == NULL || error->domain != HY_NET_ERROR)
    return NULL;

  priv = hy_net_error_get_private (error);
  if (flags != NULL)
    *flags = priv->flags;
  return priv->certificate;
}

/**
 * hy_net_error_set_certificate:
 * @error: an error of the %HY_NET_ERROR domain
 * @certificate: (nullable): the server's certificate
 * @flags: what is wrong with it
 *
 * Attaches @certificate and @flags to @error.
 */
void
hy_net_error_set_certificate (GError               *error,
                              GTlsCertificate      *certificate,
                              GTlsCertificateFlags  flags)
{
  HyNetErrorPrivate *priv;

  g_return_if_fail (error != NULL);
  g_return_if_fail (error->domain == HY_NET_ERROR);

  priv = hy_net_error_get_private (error);
  g_set_object (&priv->certificate, certificate);
  priv->flags = flags;
}

/**
 * hy_net_describe_certificate_flags:
 * @flags: certificate problems
 *
 * Returns: (transfer full): the problems in words, e.g. "it has expired; it was
 *   issued for another server name"
 */
char *
hy_net_describe_certificate_flags (GTlsCertificateFlags flags)
{
  static const struct {
    GTlsCertificateFlags flag;
    const char *text;
  } reasons[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "it is not signed by a known certificate authority" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "it was issued for another server name" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "it is not valid yet" },
    { G_TLS_CERTIFICATE_EXPIRED, "it has expired" },
    { G_TLS_CERTIFICATE_REVOKED, "it has been revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "it uses insecure cryptography" },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, "it could not be verified" },
  };
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    {
      if ((flags & reasons[i].flag) == 0)
        continue;
      if (out->len > 0)
        g_string_append (out, "; ");
      g_string_append (out, reasons[i].text);
    }
  if (out->len == 0)
    g_string_append (out, "it was rejected");
  return g_string_free (g_steal_pointer (&out), FALSE);
}
