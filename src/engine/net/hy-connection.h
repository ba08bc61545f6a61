/* hy-connection.h — one client connection to a mail server: TCP, TLS, lines, literals
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * HyNetSecurity:
 * @HY_NET_SECURITY_TLS: implicit TLS from the first byte (IMAPS 993, SMTPS 465, POP3S 995)
 * @HY_NET_SECURITY_STARTTLS: plain connection that the protocol must upgrade with
 *   STARTTLS/STLS before anything else; there is no opportunistic fallback
 * @HY_NET_SECURITY_NONE: no encryption at all; credentials are still refused unless
 *   hy_connection_set_allow_plaintext_auth() allowed them
 */
typedef enum {
  HY_NET_SECURITY_TLS,
  HY_NET_SECURITY_STARTTLS,
  HY_NET_SECURITY_NONE,
} HyNetSecurity;

gboolean    hy_net_security_from_string (const char    *text,
                                         HyNetSecurity *security);
const char *hy_net_security_to_string   (HyNetSecurity  security);

#define HY_CONNECTION_DEFAULT_TIMEOUT 60      /* seconds */
#define HY_CONNECTION_DEFAULT_MAX_LINE (1024 * 1024)

#define HY_TYPE_CONNECTION (hy_connection_get_type ())
G_DECLARE_FINAL_TYPE (HyConnection, hy_connection, HY, CONNECTION, GObject)

/*
 * HyConnection is the transport every protocol client (IMAP, SMTP, POP3) sits on.
 *
 * Life cycle: create it with the account's settings, hand it to a protocol client,
 * which calls hy_connection_connect_async() and, in STARTTLS mode, upgrades with
 * hy_connection_start_tls_async() after the server's "go ahead".
 *
 * Concurrency: at most one read operation and at most one write operation may be
 * in flight at any time (a read and a write may overlap, which is what pipelining
 * needs).  A protocol client queues its own commands.
 *
 * Reading: bytes are buffered by the connection.  Lines end in CRLF (a bare LF is
 * accepted); the terminator is removed.  A line longer than the limit fails with
 * %HY_NET_ERROR_LINE_TOO_LONG.  hy_connection_read_bytes_async() reads exactly N bytes
 * (IMAP literals), hy_connection_read_lines_until_async() collects a multi-line block
 * (POP3 "." terminated lists).  Every read has a timeout: the connection default
 * (hy_connection_set_timeout()) or a per-call one (*_with_timeout_async, for IDLE).
 * A timeout fails with %HY_NET_ERROR_TIMEOUT; an unexpected end of stream with
 * %HY_NET_ERROR_CLOSED.  After any read or write error the connection is broken and
 * every further call fails at once.
 *
 * Writing: hy_connection_write_async() sends bytes as they are.  Its @trace_as
 * argument is what the protocol trace shows in their place: pass the command with
 * the secret replaced by "***" for LOGIN/PASS/AUTH lines, or a summary for bulk data.
 *
 * TLS: the system CA database and host name verification always apply.  An extra CA
 * file is trusted in addition (hy_connection_set_ca_file()), and a certificate whose
 * SHA-256 fingerprint the user accepted is trusted whatever its problems
 * (hy_connection_set_pinned_certificate()).  An untrusted certificate fails with
 * %HY_NET_ERROR_CERTIFICATE and the error carries the certificate
 * (hy_net_error_get_certificate()).
 *
 * STARTTLS: hy_connection_start_tls_async() fails with %HY_NET_ERROR_STARTTLS_INJECTION
 * if any byte from the server is waiting after the "go ahead" (already buffered or
 * readable on the socket).  After a successful upgrade the caller MUST forget all it
 * learned before TLS (capabilities, greeting text, untagged data, alerts) and ask
 * again; hy_connection_get_tls_epoch() changes on every upgrade so that state cached
 * before can be recognised as stale.
 *
 * Credentials: before sending any secret a protocol client calls
 * hy_connection_check_credentials_allowed(), which refuses on an unencrypted
 * connection unless plaintext authentication was explicitly allowed.
 *
 * Trace: off by default; on with hy_connection_set_trace() or when the environment
 * variable HONGYAN_TRACE is set to a non-empty value other than "0".  Trace lines go
 * to stderr as "host:port C: …" / "host:port S: …", and are also emitted as the
 * #HyConnection::trace signal.
 */

HyConnection     *hy_connection_new                (const char           *host,
                                                    guint16               port,
                                                    HyNetSecurity         security);

const char       *hy_connection_get_host           (HyConnection         *self);
guint16           hy_connection_get_port           (HyConnection         *self);
HyNetSecurity     hy_connection_get_security       (HyConnection         *self);

void              hy_connection_set_ca_file        (HyConnection         *self,
                                                    const char           *ca_file);
gboolean          hy_connection_set_pinned_certificate (HyConnection     *self,
                                                    const char           *sha256,
                                                    GError              **error);
void              hy_connection_set_allow_plaintext_auth (HyConnection   *self,
                                                    gboolean              allow);
gboolean          hy_connection_get_allow_plaintext_auth (HyConnection   *self);
/* The only SASL mechanism to authenticate with (NULL: the best offered). */
void              hy_connection_set_auth_mechanism (HyConnection         *self,
                                                    const char           *mechanism);
const char       *hy_connection_get_auth_mechanism (HyConnection         *self);
void              hy_connection_set_local_address  (HyConnection         *self,
                                                    const char           *address);
void              hy_connection_set_timeout        (HyConnection         *self,
                                                    guint                 seconds);
guint             hy_connection_get_timeout        (HyConnection         *self);
void              hy_connection_set_max_line_length (HyConnection        *self,
                                                    gsize                 max_length);
void              hy_connection_set_trace          (HyConnection         *self,
                                                    gboolean              trace);
gboolean          hy_connection_get_trace          (HyConnection         *self);

/* Connecting and TLS */
void              hy_connection_connect_async      (HyConnection         *self,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
gboolean          hy_connection_connect_finish     (HyConnection         *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
void              hy_connection_start_tls_async    (HyConnection         *self,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
gboolean          hy_connection_start_tls_finish   (HyConnection         *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
gboolean          hy_connection_is_connected       (HyConnection         *self);
gboolean          hy_connection_is_encrypted       (HyConnection         *self);
guint             hy_connection_get_tls_epoch      (HyConnection         *self);
GTlsCertificate  *hy_connection_get_peer_certificate (HyConnection       *self);
gboolean          hy_connection_check_credentials_allowed (HyConnection  *self,
                                                    GError              **error);

/* Reading */
void              hy_connection_read_line_async    (HyConnection         *self,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
void              hy_connection_read_line_with_timeout_async (HyConnection *self,
                                                    guint                 timeout_seconds,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
char             *hy_connection_read_line_finish   (HyConnection         *self,
                                                    GAsyncResult         *result,
                                                    gsize                *length,
                                                    GError              **error);
char             *hy_connection_read_line_buffered (HyConnection         *self,
                                                    gsize                *length,
                                                    GError              **error);
gboolean          hy_connection_read_bytes_buffered (HyConnection        *self,
                                                    gsize                 count,
                                                    GByteArray           *out,
                                                    GError              **error);
void              hy_connection_read_bytes_async   (HyConnection         *self,
                                                    gsize                 count,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
GBytes           *hy_connection_read_bytes_finish  (HyConnection         *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
void              hy_connection_read_lines_until_async (HyConnection     *self,
                                                    const char           *terminator,
                                                    gsize                 max_lines,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
GPtrArray        *hy_connection_read_lines_until_finish (HyConnection    *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
gsize             hy_connection_get_buffered_size  (HyConnection         *self);
gboolean          hy_connection_read_available     (HyConnection         *self);

/* Writing */
void              hy_connection_write_async        (HyConnection         *self,
                                                    GBytes               *data,
                                                    const char           *trace_as,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
void              hy_connection_write_string_async (HyConnection         *self,
                                                    const char           *text,
                                                    const char           *trace_as,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
gboolean          hy_connection_write_finish       (HyConnection         *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);

/* Compression (IMAP COMPRESS=DEFLATE) and raw access */
gboolean          hy_connection_start_compression  (HyConnection         *self,
                                                    GConverter           *decompressor,
                                                    GConverter           *compressor,
                                                    GError              **error);
GIOStream        *hy_connection_get_stream         (HyConnection         *self);

/* Closing */
void              hy_connection_close_async        (HyConnection         *self,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
gboolean          hy_connection_close_finish       (HyConnection         *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
void              hy_connection_trace              (HyConnection         *self,
                                                    const char           *direction,
                                                    const char           *text,
                                                    gssize                length);

char             *hy_certificate_get_sha256        (GTlsCertificate      *certificate);

G_END_DECLS
