/* hy-net-error.h — error domain of the connection layer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HY_NET_ERROR (hy_net_error_quark ())

/**
 * HyNetError:
 * @HY_NET_ERROR_NO_TLS_BACKEND: GIO has no TLS module (glib-networking)
 * @HY_NET_ERROR_CANNOT_CONNECT: the server could not be reached (name, route, refused port)
 * @HY_NET_ERROR_TLS: the TLS handshake failed for a reason other than the certificate
 * @HY_NET_ERROR_CERTIFICATE: the server's certificate is not trusted; the error carries the
 *   certificate and its #GTlsCertificateFlags, see hy_net_error_get_certificate()
 * @HY_NET_ERROR_STARTTLS_UNAVAILABLE: STARTTLS is required but the server does not offer it
 * @HY_NET_ERROR_STARTTLS_REFUSED: the server answered the STARTTLS command with an error
 * @HY_NET_ERROR_STARTTLS_INJECTION: the server sent data after its STARTTLS "go ahead" and
 *   before the handshake: someone on the path may be injecting responses
 * @HY_NET_ERROR_PLAINTEXT_AUTH: credentials would travel unencrypted and the account does not
 *   allow that
 * @HY_NET_ERROR_TIMEOUT: the server did not answer in time
 * @HY_NET_ERROR_CLOSED: the server closed the connection unexpectedly
 * @HY_NET_ERROR_LINE_TOO_LONG: a line from the server exceeded the connection's limit
 * @HY_NET_ERROR_PROTOCOL: the server broke the protocol (used by the connection layer itself,
 *   e.g. SASL data that is not base64; protocols have their own codes too)
 * @HY_NET_ERROR_AUTH_MECHANISM: no authentication mechanism that both sides support
 * @HY_NET_ERROR_AUTH_SERVER: the server failed to prove that it knows the password
 *   (SCRAM server signature wrong): it may be an impostor
 * @HY_NET_ERROR_IO: any other input/output failure on an established connection
 *
 * Codes of the %HY_NET_ERROR domain.  Protocol clients pass these errors through
 * unchanged, so a caller can tell a network or TLS problem from a protocol one.
 */
typedef enum {
  HY_NET_ERROR_NO_TLS_BACKEND = 1,
  HY_NET_ERROR_CANNOT_CONNECT = 2,
  HY_NET_ERROR_TLS,
  HY_NET_ERROR_CERTIFICATE,
  HY_NET_ERROR_STARTTLS_UNAVAILABLE,
  HY_NET_ERROR_STARTTLS_REFUSED,
  HY_NET_ERROR_STARTTLS_INJECTION,
  HY_NET_ERROR_PLAINTEXT_AUTH,
  HY_NET_ERROR_TIMEOUT,
  HY_NET_ERROR_CLOSED,
  HY_NET_ERROR_LINE_TOO_LONG,
  HY_NET_ERROR_PROTOCOL,
  HY_NET_ERROR_AUTH_MECHANISM,
  HY_NET_ERROR_AUTH_SERVER,
  HY_NET_ERROR_IO,
} HyNetError;

GQuark           hy_net_error_quark            (void);

GTlsCertificate *hy_net_error_get_certificate  (const GError         *error,
                                                GTlsCertificateFlags *flags);
void             hy_net_error_set_certificate  (GError               *error,
                                                GTlsCertificate      *certificate,
                                                GTlsCertificateFlags  flags);
char            *hy_net_describe_certificate_flags (GTlsCertificateFlags flags);

G_END_DECLS
