/* hy-connection.c — one client connection to a mail server: TCP, TLS, lines, literals
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-net"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "hy-connection.h"
#include "hy-net-error.h"

#define MIN_BUFFER (64 * 1024)
#define MAX_READ_CHUNK (256 * 1024)
#define TRACE_LINE_MAX 2000

struct _HyConnection
{
  GObject               parent_instance;

  char                 *host;
  guint16               port;
  HyNetSecurity         security;
  char                 *ca_file;
  char                 *pin;
  char                 *local_address;
  gboolean              allow_plaintext_auth;
  char                 *auth_mechanism;
  guint                 timeout;
  gsize                 max_line;
  gboolean              trace;

  GSocketConnection    *socket_conn;
  GTlsConnection       *tls;
  GIOStream            *stream;
  GInputStream         *in;
  GOutputStream        *out;
  gboolean              compressed;
  gboolean              connecting;
  gboolean              closed;
  GError               *broken;
  guint                 tls_epoch;

  /* Bytes received but not consumed: buf[start, end) */
  guint8               *buf;
  gsize                 buf_alloc;
  gsize                 buf_start;
  gsize                 buf_end;

  gboolean              reading;
  gboolean              writing;

  GTlsCertificate      *peer_cert;
  GTlsCertificateFlags  peer_errors;
};

G_DEFINE_FINAL_TYPE (HyConnection, hy_connection, G_TYPE_OBJECT)

enum {
  SIGNAL_TRACE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- security names ---------------------------------------------------- */

/**
 * hy_net_security_from_string:
 * @text: "tls", "starttls" or "none"
 * @security: (out): the mode
 *
 * Returns: %TRUE if @text names a mode
 */
gboolean
hy_net_security_from_string (const char    *text,
                             HyNetSecurity *security)
{
  g_return_val_if_fail (security != NULL, FALSE);

  if (text == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (text, "tls") == 0 || g_ascii_strcasecmp (text, "ssl") == 0)
    *security = HY_NET_SECURITY_TLS;
  else if (g_ascii_strcasecmp (text, "starttls") == 0)
    *security = HY_NET_SECURITY_STARTTLS;
  else if (g_ascii_strcasecmp (text, "none") == 0 || g_ascii_strcasecmp (text, "plain") == 0)
    *security = HY_NET_SECURITY_NONE;
  else
    return FALSE;
  return TRUE;
}

const char *
hy_net_security_to_string (HyNetSecurity security)
{
  switch (security)
    {
    case HY_NET_SECURITY_TLS:
      return "tls";
    case HY_NET_SECURITY_STARTTLS:
      return "starttls";
    case HY_NET_SECURITY_NONE:
    default:
      return "none";
    }
}

/* ---- deadlines: a per-operation timeout on top of the caller's cancellable */

typedef struct {
  GCancellable *cancellable;
  GCancellable *parent;
  gulong        parent_handler;
  GSource      *timer;
  guint         seconds;
  gboolean      timed_out;
} Deadline;

static void
deadline_parent_cancelled (GCancellable *parent,
                           gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static gboolean
deadline_expired (gpointer user_data)
{
  Deadline *d = user_data;

  d->timed_out = TRUE;
  g_cancellable_cancel (d->cancellable);
  g_clear_pointer (&d->timer, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
deadline_start (Deadline     *d,
                GCancellable *parent,
                guint         seconds)
{
  memset (d, 0, sizeof *d);
  d->cancellable = g_cancellable_new ();
  d->seconds = seconds;
  if (parent != NULL)
    {
      d->parent = g_object_ref (parent);
      d->parent_handler = g_cancellable_connect (parent,
                                                 G_CALLBACK (deadline_parent_cancelled),
                                                 g_object_ref (d->cancellable),
                                                 g_object_unref);
    }
  if (seconds > 0)
    {
      d->timer = g_timeout_source_new (MIN (seconds, G_MAXUINT / 1000) * 1000);
      g_source_set_callback (d->timer, deadline_expired, d, NULL);
      g_source_set_static_name (d->timer, "[hy-net] deadline");
      g_source_attach (d->timer, g_main_context_get_thread_default ());
    }
}

static void
deadline_stop (Deadline *d)
{
  if (d->timer != NULL)
    {
      g_source_destroy (d->timer);
      g_clear_pointer (&d->timer, g_source_unref);
    }
  if (d->parent != NULL)
    {
      g_cancellable_disconnect (d->parent, d->parent_handler);
      d->parent_handler = 0;
      g_clear_object (&d->parent);
    }
  g_clear_object (&d->cancellable);
}

/* ---- errors ------------------------------------------------------------- */

static void
set_broken (HyConnection *self,
            const GError *error)
{
  if (self->broken == NULL)
    self->broken = g_error_copy (error);
}

/* Turns a GIO error of an established connection into a HyNetError for a person. */
static GError *
map_io_error (HyConnection *self,
              Deadline     *d,
              GError       *error)
{
  GError *mapped;

  if (d != NULL && d->timed_out)
    {
      mapped = g_error_new (HY_NET_ERROR, HY_NET_ERROR_TIMEOUT,
                            _ ("The server %s:%u did not answer within %u seconds. "
                               "It may be overloaded or unreachable; try again later."),
                            self->host, self->port, d->seconds);
      g_error_free (error);
      return mapped;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      error->domain == HY_NET_ERROR)
    return error;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    mapped = g_error_new (HY_NET_ERROR, HY_NET_ERROR_TIMEOUT,
                          _ ("The server %s:%u did not answer in time (%s)."),
                          self->host, self->port, error->message);
  else if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_EOF) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
    mapped = g_error_new (HY_NET_ERROR, HY_NET_ERROR_CLOSED,
                          _ ("The server %s:%u closed the connection unexpectedly (%s). "
                             "Try again; if it keeps happening, the server may be overloaded."),
                          self->host, self->port, error->message);
  else
    mapped = g_error_new (HY_NET_ERROR, HY_NET_ERROR_IO,
                          _ ("The connection to %s:%u failed: %s"),
                          self->host, self->port, error->message);
  g_error_free (error);
  return mapped;
}

static GError *
closed_error (HyConnection *self)
{
  return g_error_new (HY_NET_ERROR, HY_NET_ERROR_CLOSED,
                      _ ("The server %s:%u closed the connection unexpectedly. "
                         "Try again; if it keeps happening, the server may be overloaded."),
                      self->host, self->port);
}

/* Whether an operation may start; sets @error if not. */
static gboolean
check_usable (HyConnection  *self,
              GError       **error)
{
  if (self->broken != NULL)
    {
      g_propagate_error (error, g_error_copy (self->broken));
      return FALSE;
    }
  if (self->stream == NULL || self->closed)
    {
      g_set_error (error, HY_NET_ERROR, HY_NET_ERROR_CLOSED,
                   _ ("There is no open connection to %s:%u."), self->host, self->port);
      return FALSE;
    }
  return TRUE;
}

/* ---- trace --------------------------------------------------------------- */

/**
 * hy_connection_trace:
 * @self: a connection
 * @direction: "C" for what the client sent, "S" for what the server sent, or
 *   any short tag
 * @text: the text, possibly several lines
 * @length: its length, or -1 if NUL-terminated
 *
 * Adds @text to the protocol trace if the trace is on.  Protocol clients use this
 * for events the connection cannot see (e.g. "literal of 5 bytes").
 */
void
hy_connection_trace (HyConnection *self,
                     const char   *direction,
                     const char   *text,
                     gssize        length)
{
  const char *p, *end;

  g_return_if_fail (HY_IS_CONNECTION (self));

  if (!self->trace)
    return;
  if (length < 0)
    length = strlen (text);

  p = text;
  end = text + length;
  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *line_end = nl != NULL ? nl : end;
      gsize line_len = line_end - p;
      g_autofree char *shown = NULL;

      if (line_len > 0 && p[line_len - 1] == '\r')
        line_len--;
      if (line_len > TRACE_LINE_MAX)
        {
          g_autofree char *head = g_utf8_make_valid (p, TRACE_LINE_MAX);
          shown = g_strdup_printf ("%s… [%" G_GSIZE_FORMAT " bytes]", head, line_len);
        }
      else
        shown = g_utf8_make_valid (p, line_len);
      g_printerr ("%s:%u %s: %s\n", self->host, self->port, direction, shown);
      g_signal_emit (self, signals[SIGNAL_TRACE], 0, direction, shown);
      p = nl != NULL ? nl + 1 : end;
    }
}

/* ---- object -------------------------------------------------------------- */

static void
hy_connection_dispose (GObject *object)
{
  HyConnection *self = HY_CONNECTION (object);

  g_clear_object (&self->in);
  g_clear_object (&self->out);
  g_clear_object (&self->stream);
  g_clear_object (&self->tls);
  g_clear_object (&self->socket_conn);
  g_clear_object (&self->peer_cert);

  G_OBJECT_CLASS (hy_connection_parent_class)->dispose (object);
}

static void
hy_connection_finalize (GObject *object)
{
  HyConnection *self = HY_CONNECTION (object);

  g_free (self->host);
  g_free (self->ca_file);
  g_free (self->pin);
  g_free (self->auth_mechanism);
  g_free (self->local_address);
  g_free (self->buf);
  g_clear_error (&self->broken);

  G_OBJECT_CLASS (hy_connection_parent_class)->finalize (object);
}

static void
hy_connection_class_init (HyConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hy_connection_dispose;
  object_class->finalize = hy_connection_finalize;

  /**
   * HyConnection::trace:
   * @self: the connection
   * @direction: "C" (client to server), "S" (server to client) or another tag
   * @line: one line of the trace, secrets already replaced by "***"
   *
   * Emitted for every trace line while the trace is on.
   */
  signals[SIGNAL_TRACE] =
    g_signal_new ("trace", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
hy_connection_init (HyConnection *self)
{
  const char *env = g_getenv ("HONGYAN_TRACE");

  self->timeout = HY_CONNECTION_DEFAULT_TIMEOUT;
  self->max_line = HY_CONNECTION_DEFAULT_MAX_LINE;
  self->trace = env != NULL && *env != '\0' && strcmp (env, "0") != 0;
}

/**
 * hy_connection_new:
 * @host: server name or address
 * @port: TCP port
 * @security: how the connection is protected
 *
 * Returns: (transfer full): a connection, not connected yet
 */
HyConnection *
hy_connection_new (const char    *host,
                   guint16        port,
                   HyNetSecurity  security)
{
  HyConnection *self;

  g_return_val_if_fail (host != NULL, NULL);

  self = g_object_new (HY_TYPE_CONNECTION, NULL);
  self->host = g_strdup (host);
  self->port = port;
  self->security = security;
  return self;
}

const char *
hy_connection_get_host (HyConnection *self)
{
  g_return_val_if_fail (HY_IS_CONNECTION (self), NULL);
  return self->host;
}

guint16
hy_connection_get_port (HyConnection *self)
{
  g_return_val_if_fail (HY_IS_CONNECTION (self), 0);
  return self->port;
}

HyNetSecurity
hy_connection_get_security (HyConnection *self)
{
  g_return_val_if_fail (HY_IS_CONNECTION (self), HY_NET_SECURITY_TLS);
  return self->security;
}

/**
 * hy_connection_set_ca_file:
 * @self: a connection
 * @ca_file: (nullable): PEM file of certificate authorities trusted in addition
 *   to the system ones
 */
void
hy_connection_set_ca_file (HyConnection *self,
                           const char   *ca_file)
{
  g_return_if_fail (HY_IS_CONNECTION (self));
  g_free (self->ca_file);
  self->ca_file = g_strdup (ca_file);
}

/**
 * hy_connection_set_pinned_certificate:
 * @self: a connection
 * @sha256: (nullable): SHA-256 fingerprint of the DER certificate the user
 *   accepted, in hex, with or without colons
 * @error: return location for a #GError
 *
 * A server presenting exactly this certificate is trusted even if it is
 * self-signed, expired or issued for another name.
 *
 * Returns: %FALSE if @sha256 is not a SHA-256 fingerprint
 */
gboolean
hy_connection_set_pinned_certificate (HyConnection  *self,
                                      const char    *sha256,
                                      GError       **error)
{
  g_autoptr(GString) hex = NULL;

  g_return_val_if_fail (HY_IS_CONNECTION (self), FALSE);

  g_clear_pointer (&self->pin, g_free);
  if (sha256 == NULL)
    return TRUE;

  hex = g_string_new (NULL);
  for (const char *p = sha256; *p != '\0'; p++)
    {
      if (*p == ':' || *p == ' ')
        continue;
      if (!g_ascii_isxdigit (*p))
        break;
      g_string_append_c (hex, g_ascii_tolower (*p));
    }
  if (hex->len != 64 || strspn (sha256, "0123456789abcdefABCDEF: ") != strlen (sha256))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("“%s” is not a SHA-256 certificate fingerprint (64 hexadecimal digits)."),
                   sha256);
      return FALSE;
    }
  self->pin = g_string_free (g_steal_pointer (&hex), FALSE);
  return TRUE;
}

/**
 * hy_connection_set_allow_plaintext_auth:
 * @self: a connection
 * @allow: whether passwords may be sent over an unencrypted connection
 *
 * Only for servers on a trusted network (a loopback test server).
 */
void
hy_connection_set_allow_plaintext_auth (HyConnection *self,
                                        gboolean      allow)
{
  g_return_if_fail (HY_IS_CONNECTION (self));
  self->allow_plaintext_auth = !!allow;
}

gboolean
hy_connection_get_allow_plaintext_auth (HyConnection *self)
{
  g_return_val_if_fail (HY_IS_CONNECTION (self), FALSE);
  return self->allow_plaintext_auth;
}

/**
 * hy_connection_set_auth_mechanism:
 * @self: a connection
 * @mechanism: (nullable): the SASL mechanism the account is set to use
 *   ("PLAIN", "SCRAM-SHA-256", …), or %NULL to let the protocol client pick
 *   the best one the server offers
 *
 * With a mechanism set, the protocol clients authenticate with that one only
 * and fail with %HY_NET_ERROR_AUTH_MECHANISM when the server does not offer
 * it, instead of falling back to a weaker one.  "LOGIN" also accepts the
 * protocol's own plain password command (IMAP LOGIN, POP3 USER/PASS), which
 * sends the same thing.
 */
void
hy_connection_set_auth_mechanism (HyConnection *self,
                                  const char   *mechanism)
{
  g_return_if_fail (HY_IS_CONNECTION (self));

  g_free (self->auth_mechanism);
  self->auth_mechanism = mechanism != NULL && *mechanism != '\0' ? g_ascii_strup (mechanism, -1) : NULL;
}

const char *
hy_connection_get_auth_mechanism (HyConnection *self)
{
  g_return_val_if_fail (HY_IS_CONNECTION (self), NULL);
  return self->auth_mechanism;
}

/**
 * hy_connection_set_local_address:
 * @self: a connection
 * @address: (nullable): local IP address to connect from
 */
void
hy_connection_set_local_address (HyConnection *self,
                                 const char   *address)
{
  g_return_if_fail (HY_IS_CONNECTION (self));
  g_free (self->local_address);
  self->local_address = g_strdup (address);
}

/**
 * hy_connection_set_timeout:
 * @self: a connection
 * @seconds: default timeout of connecting, the handshake, every read and every
 *   write; 0 waits forever
 */
void
hy_connection_set_timeout (HyConnection *self,
                           guint         seconds)
{
  g_return_if_fail (HY_IS_CONNECTION (self));
  self->timeout = seconds;
}

guint
hy_connection_get_timeout (HyConnection *self)
{
  g_return_val_if_fail (HY_IS_CONNECTION (self), 0);
  return self->timeout;
}

/**
 * hy_connection_set_max_line_length:
 * @self: a connection
 * @max_length: longest line accepted from the server, terminator excluded
 */
void
hy_connection_set_max_line_length (HyConnection *self,
                                   gsize         max_length)
{
  g_return_if_fail (HY_IS_CONNECTION (self));
  g_return_if_fail (max_length > 0);
  self->max_line = max_length;
}

void
hy_connection_set_trace (HyConnection *self,
                         gboolean      trace)
{
  g_return_if_fail (HY_IS_CONNECTION (self));
  self->trace = !!trace;
}

gboolean
hy_connection_get_trace (HyConnection *self)
{
  g_return_val_if_fail (HY_IS_CONNECTION (self), FALSE);
  return self->trace;
}

gboolean
hy_connection_is_connected (HyConnection *self)
{
  g_return_val_if_fail (HY_IS_CONNECTION (self), FALSE);
  return self->stream != NULL && !self->closed && self->broken == NULL;
}

gboolean
hy_connection_is_encrypted (HyConnection *self)
{
  g_return_val_if_fail (HY_IS_CONNECTION (self), FALSE);
  return self->tls != NULL;
}

/**
 * hy_connection_get_tls_epoch:
 * @self: a connection
 *
 * Returns: 0 before TLS, and a new value after every successful handshake
 */
guint
hy_connection_get_tls_epoch (HyConnection *self)
{
  g_return_val_if_fail (HY_IS_CONNECTION (self), 0);
  return self->tls_epoch;
}

/**
 * hy_connection_get_peer_certificate:
 * @self: a connection
 *
 * Returns: (transfer none) (nullable): the server's certificate once TLS is up
 */
GTlsCertificate *
hy_connection_get_peer_certificate (HyConnection *self)
{
  g_return_val_if_fail (HY_IS_CONNECTION (self), NULL);
  return self->tls != NULL ? self->peer_cert : NULL;
}

/**
 * hy_connection_check_credentials_allowed:
 * @self: a connection
 * @error: return location for a #GError
 *
 * Protocol clients call this before they send any password, token or SASL
 * response.
 *
 * Returns: %TRUE if the connection is encrypted, or plaintext authentication
 *   was allowed for this account
 */
gboolean
hy_connection_check_credentials_allowed (HyConnection  *self,
                                         GError       **error)
{
  g_return_val_if_fail (HY_IS_CONNECTION (self), FALSE);

  if (self->tls != NULL || self->allow_plaintext_auth)
    return TRUE;

  g_set_error (error, HY_NET_ERROR, HY_NET_ERROR_PLAINTEXT_AUTH,
               _ ("Your password was not sent to %s:%u because the connection is not "
                  "encrypted. Use TLS or STARTTLS for this account, or allow unencrypted "
                  "passwords only if the server is on a network you trust."),
               self->host, self->port);
  return FALSE;
}

/**
 * hy_certificate_get_sha256:
 * @certificate: a certificate
 *
 * Returns: (transfer full): the SHA-256 fingerprint of its DER form, as 64
 *   lower-case hexadecimal digits (the form hy_connection_set_pinned_certificate()
 *   takes)
 */
char *
hy_certificate_get_sha256 (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
}

static void
set_streams (HyConnection *self,
             GIOStream    *stream)
{
  g_set_object (&self->stream, stream);
  g_set_object (&self->in, g_io_stream_get_input_stream (stream));
  g_set_object (&self->out, g_io_stream_get_output_stream (stream));
}

/* ---- TLS ----------------------------------------------------------------- */

typedef struct {
  Deadline         deadline;
  GTlsConnection  *tls;
} TlsOp;

static void
tls_op_free (gpointer data)
{
  TlsOp *op = data;

  deadline_stop (&op->deadline);
  g_clear_object (&op->tls);
  g_free (op);
}

static gboolean
on_accept_certificate (GTlsConnection       *tls,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  HyConnection *self = user_data;

  g_set_object (&self->peer_cert, certificate);
  self->peer_errors = errors;

  if (self->pin != NULL)
    {
      g_autofree char *fingerprint = hy_certificate_get_sha256 (certificate);

      if (g_strcmp0 (fingerprint, self->pin) == 0)
        {
          g_debug ("%s:%u: accepting pinned certificate despite flags 0x%x",
                   self->host, self->port, errors);
          self->peer_errors = 0;
          return TRUE;
        }
    }

  if (self->ca_file != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GTlsDatabase) database = g_tls_file_database_new (self->ca_file, &error);
      g_autoptr(GSocketConnectable) identity = g_network_address_new (self->host, self->port);
      GTlsCertificateFlags flags;

      if (database == NULL)
        {
          g_warning ("Cannot read the CA file %s: %s", self->ca_file, error->message);
          return FALSE;
        }
      flags = g_tls_database_verify_chain (database, certificate,
                                           G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                           identity, NULL, G_TLS_DATABASE_VERIFY_NONE,
                                           NULL, &error);
      if (error == NULL && flags == 0)
        {
          self->peer_errors = 0;
          return TRUE;
        }
      /* Report what the extra CA says where it knows the issuer (e.g. an
       * expired certificate from the test CA), else what the system says. */
      if (error == NULL && (flags & G_TLS_CERTIFICATE_UNKNOWN_CA) == 0)
        self->peer_errors = flags;
    }

  return FALSE;
}

static void
tls_handshake_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HyConnection *self = g_task_get_source_object (task);
  TlsOp *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  self->connecting = FALSE;
  /* Only the handshake asks about the certificate.  Left connected, the
   * handler's closure (bound to @self) could be dropped by the finalizing
   * of @self while the TLS connection is finalized in a thread of the TLS
   * backend, which GLib's signal code does not survive. */
  g_signal_handlers_disconnect_by_func (source, on_accept_certificate, self);
  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    {
      GError *mapped;

      if (op->deadline.timed_out)
        mapped = map_io_error (self, &op->deadline, g_steal_pointer (&error));
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        mapped = g_steal_pointer (&error);
      else if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE) ||
               self->peer_errors != 0)
        {
          g_autofree char *why = hy_net_describe_certificate_flags (self->peer_errors);

          mapped = g_error_new (HY_NET_ERROR, HY_NET_ERROR_CERTIFICATE,
                                _ ("The certificate of %s:%u is not trusted: %s. "
                                   "Someone may be intercepting the connection. Check the "
                                   "certificate, and trust it only if you know it is the "
                                   "server's own."),
                                self->host, self->port, why);
          hy_net_error_set_certificate (mapped, self->peer_cert, self->peer_errors);
        }
      else if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_NOT_TLS))
        mapped = g_error_new (HY_NET_ERROR, HY_NET_ERROR_TLS,
                              _ ("%s:%u did not answer with TLS. Check the port and the "
                                 "security setting (implicit TLS or STARTTLS)."),
                              self->host, self->port);
      else
        mapped = g_error_new (HY_NET_ERROR, HY_NET_ERROR_TLS,
                              _ ("The TLS handshake with %s:%u failed: %s"),
                              self->host, self->port, error->message);

      set_broken (self, mapped);
      g_task_return_error (task, mapped);
      return;
    }

  g_set_object (&self->tls, op->tls);
  set_streams (self, G_IO_STREAM (op->tls));
  self->buf_start = self->buf_end = 0;
  self->tls_epoch++;
  g_debug ("%s:%u: TLS established (epoch %u)", self->host, self->port, self->tls_epoch);
  g_task_return_boolean (task, TRUE);
}

/* Starts a handshake over the plain socket; @task completes with its result. */
static void
begin_handshake (HyConnection *self,
                 GTask        *task)
{
  TlsOp *op = g_task_get_task_data (task);
  g_autoptr(GSocketConnectable) identity = g_network_address_new (self->host, self->port);
  g_autoptr(GError) error = NULL;
  GIOStream *tls;

  tls = g_tls_client_connection_new (G_IO_STREAM (self->socket_conn), identity, &error);
  if (tls == NULL)
    {
      self->connecting = FALSE;
      g_task_return_new_error (task, HY_NET_ERROR, HY_NET_ERROR_NO_TLS_BACKEND,
                               _ ("Cannot start TLS with %s:%u: %s. Install glib-networking."),
                               self->host, self->port, error->message);
      return;
    }
  op->tls = G_TLS_CONNECTION (tls);
  g_clear_object (&self->peer_cert);
  self->peer_errors = 0;
  g_signal_connect_object (tls, "accept-certificate",
                           G_CALLBACK (on_accept_certificate), self, 0);
  g_tls_connection_handshake_async (op->tls, G_PRIORITY_DEFAULT,
                                    op->deadline.cancellable,
                                    tls_handshake_cb, g_object_ref (task));
}

/* ---- connect --------------------------------------------------------------- */

/* GSocketClient's messages already say "Could not connect to HOST: …";
 * name the reason in our own words so the user reads it once. */
static const char *
describe_connect_error (const GError *error)
{
  if (error->domain == G_RESOLVER_ERROR)
    return _ ("the server name was not found");
  if (error->domain != G_IO_ERROR)
    return error->message;
  switch (error->code)
    {
    case G_IO_ERROR_CONNECTION_REFUSED:
      return _ ("the server refused the connection");
    case G_IO_ERROR_HOST_NOT_FOUND:
      return _ ("the server name was not found");
    case G_IO_ERROR_HOST_UNREACHABLE:
      return _ ("the server cannot be reached");
    case G_IO_ERROR_NETWORK_UNREACHABLE:
      return _ ("the network is unreachable");
    case G_IO_ERROR_TIMED_OUT:
      return _ ("the connection timed out");
    default:
      return error->message;
    }
}

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HyConnection *self = g_task_get_source_object (task);
  TlsOp *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GSocketConnection *conn;

  conn = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (conn == NULL)
    {
      self->connecting = FALSE;
      if (op->deadline.timed_out)
        g_task_return_new_error (task, HY_NET_ERROR, HY_NET_ERROR_TIMEOUT,
                                 _ ("Could not connect to %s:%u within %u seconds. Check the "
                                    "server name and port, and your network connection."),
                                 self->host, self->port, op->deadline.seconds);
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, HY_NET_ERROR, HY_NET_ERROR_CANNOT_CONNECT,
                                 _ ("Could not connect to %s:%u: %s. Check the server name "
                                    "and port, and your network connection."),
                                 self->host, self->port, describe_connect_error (error));
      return;
    }

  self->socket_conn = conn;
  g_socket_set_keepalive (g_socket_connection_get_socket (conn), TRUE);
  set_streams (self, G_IO_STREAM (conn));
  g_debug ("%s:%u: connected (%s)", self->host, self->port,
           hy_net_security_to_string (self->security));

  if (self->security == HY_NET_SECURITY_TLS)
    {
      begin_handshake (self, task);
      return;
    }

  self->connecting = FALSE;
  g_task_return_boolean (task, TRUE);
}

/**
 * hy_connection_connect_async:
 * @self: a connection that was never connected
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when connected (and, for implicit TLS, after the handshake)
 * @user_data: data for @callback
 *
 * Connects to the server.  In %HY_NET_SECURITY_TLS mode the TLS handshake and
 * the certificate check are part of connecting.
 */
void
hy_connection_connect_async (HyConnection        *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketConnectable) address = NULL;
  TlsOp *op;

  g_return_if_fail (HY_IS_CONNECTION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_connection_connect_async);

  if (self->stream != NULL || self->connecting || self->closed)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _ ("A connection object connects only once."));
      return;
    }

  op = g_new0 (TlsOp, 1);
  deadline_start (&op->deadline, cancellable, self->timeout);
  g_task_set_task_data (task, op, tls_op_free);

  client = g_socket_client_new ();
  if (self->local_address != NULL)
    {
      g_autoptr(GSocketAddress) local = g_inet_socket_address_new_from_string (self->local_address, 0);

      if (local == NULL)
        {
          g_task_return_new_error (task, HY_NET_ERROR, HY_NET_ERROR_CANNOT_CONNECT,
                                   _ ("“%s” is not a local IP address."), self->local_address);
          return;
        }
      g_socket_client_set_local_address (client, local);
    }

  self->connecting = TRUE;
  address = g_network_address_new (self->host, self->port);
  g_socket_client_connect_async (client, address, op->deadline.cancellable,
                                 connect_cb, g_steal_pointer (&task));
}

gboolean
hy_connection_connect_finish (HyConnection  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_connection_connect_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * hy_connection_start_tls_async:
 * @self: a connected, unencrypted connection
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the handshake is over
 * @user_data: data for @callback
 *
 * Upgrades the connection to TLS.  Call it right after the server said "go
 * ahead" to STARTTLS/STLS, with nothing else read.  If the server (or someone on
 * the path) sent anything after the "go ahead", this fails with
 * %HY_NET_ERROR_STARTTLS_INJECTION and the connection is unusable.  On success
 * the caller must forget everything learned before (see the file comment).
 */
void
hy_connection_start_tls_async (HyConnection        *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *socket;
  TlsOp *op;

  g_return_if_fail (HY_IS_CONNECTION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_connection_start_tls_async);

  if (!check_usable (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (self->tls != NULL || self->compressed || self->reading || self->writing)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _ ("Cannot start TLS on %s:%u now."), self->host, self->port);
      return;
    }

  socket = g_socket_connection_get_socket (self->socket_conn);
  if (self->buf_end > self->buf_start ||
      (g_socket_condition_check (socket, G_IO_IN | G_IO_HUP) & (G_IO_IN | G_IO_HUP)) != 0)
    {
      GError *injected = g_error_new (HY_NET_ERROR, HY_NET_ERROR_STARTTLS_INJECTION,
                                      _ ("%s:%u sent data after agreeing to start TLS and before "
                                         "the encryption began. Someone may be tampering with "
                                         "the connection; it was closed and nothing was sent."),
                                      self->host, self->port);
      g_debug ("%s:%u: %" G_GSIZE_FORMAT " bytes buffered before the TLS handshake",
               self->host, self->port, self->buf_end - self->buf_start);
      set_broken (self, injected);
      g_io_stream_close (self->stream, NULL, NULL);
      self->closed = TRUE;
      g_task_return_error (task, injected);
      return;
    }

  op = g_new0 (TlsOp, 1);
  deadline_start (&op->deadline, cancellable, self->timeout);
  g_task_set_task_data (task, op, tls_op_free);
  self->connecting = TRUE;
  begin_handshake (self, task);
}

gboolean
hy_connection_start_tls_finish (HyConnection  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_connection_start_tls_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- buffer -------------------------------------------------------------- */

gsize
hy_connection_get_buffered_size (HyConnection *self)
{
  g_return_val_if_fail (HY_IS_CONNECTION (self), 0);
  return self->buf_end - self->buf_start;
}

/* Makes room for at least one more read at buf_end. */
static void
buffer_prepare (HyConnection *self)
{
  gsize used = self->buf_end - self->buf_start;

  if (self->buf_start > 0 && (used == 0 || self->buf_start >= self->buf_alloc / 2))
    {
      memmove (self->buf, self->buf + self->buf_start, used);
      self->buf_start = 0;
      self->buf_end = used;
    }
  if (self->buf_alloc - self->buf_end < MIN_BUFFER / 4)
    {
      self->buf_alloc = MAX (MIN_BUFFER, self->buf_alloc * 2);
      self->buf = g_realloc (self->buf, self->buf_alloc);
    }
}

/* Takes one complete line from the buffer, if there is one. */
static char *
buffer_take_line (HyConnection  *self,
                  gsize         *length,
                  GError       **error)
{
  guint8 *start = self->buf + self->buf_start;
  gsize avail = self->buf_end - self->buf_start;
  gsize scan = MIN (avail, self->max_line + 2);
  guint8 *nl = scan > 0 ? memchr (start, '\n', scan) : NULL;
  gsize len;
  char *line;

  if (nl == NULL)
    {
      if (avail > self->max_line + 1)
        {
          GError *too_long = g_error_new (HY_NET_ERROR, HY_NET_ERROR_LINE_TOO_LONG,
                                          _ ("%s:%u sent a line longer than %zu bytes; the server is misbehaving."),
                                          self->host, self->port, self->max_line);
          set_broken (self, too_long);
          g_propagate_error (error, too_long);
        }
      return NULL;
    }

  len = nl - start;
  self->buf_start += len + 1;
  if (len > 0 && start[len - 1] == '\r')
    len--;
  if (len > self->max_line)
    {
      GError *too_long = g_error_new (HY_NET_ERROR, HY_NET_ERROR_LINE_TOO_LONG,
                                      _ ("%s:%u sent a line longer than %zu bytes; the server is misbehaving."),
                                      self->host, self->port, self->max_line);
      set_broken (self, too_long);
      g_propagate_error (error, too_long);
      return NULL;
    }
  line = g_malloc (len + 1);
  memcpy (line, start, len);
  line[len] = '\0';
  if (length != NULL)
    *length = len;
  hy_connection_trace (self, "S", line, len);
  return line;
}

/**
 * hy_connection_read_line_buffered:
 * @self: a connection
 * @length: (out) (optional): length of the line
 * @error: return location for a #GError
 *
 * Returns a line that is already complete in the buffer, without waiting.  A
 * parser that reads many lines (a big FETCH) uses this before falling back to
 * hy_connection_read_line_async().  Must not be called while a read is pending.
 *
 * Returns: (transfer full) (nullable): the line without its terminator, or %NULL
 *   if no complete line is buffered (or on error)
 */
char *
hy_connection_read_line_buffered (HyConnection  *self,
                                  gsize         *length,
                                  GError       **error)
{
  g_return_val_if_fail (HY_IS_CONNECTION (self), NULL);
  g_return_val_if_fail (!self->reading, NULL);

  if (self->broken != NULL)
    {
      g_propagate_error (error, g_error_copy (self->broken));
      return NULL;
    }
  return buffer_take_line (self, length, error);
}

/**
 * hy_connection_read_bytes_buffered:
 * @self: a connection
 * @count: how many bytes
 * @out: where to append them
 * @error: return location for a #GError
 *
 * Takes exactly @count bytes (an IMAP literal) if they are already in the
 * buffer, without waiting, as hy_connection_read_line_buffered() takes a
 * line.  Must not be called while a read is pending.
 *
 * Returns: %TRUE if they were appended to @out; %FALSE if fewer are buffered
 *   (read them with hy_connection_read_bytes_async()) or on error
 */
gboolean
hy_connection_read_bytes_buffered (HyConnection  *self,
                                   gsize          count,
                                   GByteArray    *out,
                                   GError       **error)
{
  g_return_val_if_fail (HY_IS_CONNECTION (self), FALSE);
  g_return_val_if_fail (!self->reading, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (self->broken != NULL)
    {
      g_propagate_error (error, g_error_copy (self->broken));
      return FALSE;
    }
  if (self->buf_end - self->buf_start < count || count > G_MAXUINT)
    return FALSE;
  if (self->trace)
    {
      g_autofree char *note = g_strdup_printf ("[%" G_GSIZE_FORMAT " bytes of data]", count);
      hy_connection_trace (self, "S", note, -1);
    }
  g_byte_array_append (out, self->buf + self->buf_start, (guint) count);
  self->buf_start += count;
  return TRUE;
}

/**
 * hy_connection_read_available:
 * @self: a connection
 *
 * Moves into the buffer what the connection has already received, without
 * waiting: a reader of many responses (a big FETCH) calls this when
 * hy_connection_read_line_buffered() or hy_connection_read_bytes_buffered()
 * find too little, and starts an asynchronous read only when nothing has
 * arrived.  Each asynchronous read costs a main loop turn, a task, a timer
 * and a cancellable, more than the few hundred bytes of a header sync's
 * response take to read.  Errors and the end of the stream are left to that
 * asynchronous read, which reports them.  Must not be called while a read is
 * pending.
 *
 * Returns: %TRUE if bytes were added to the buffer
 */
gboolean
hy_connection_read_available (HyConnection *self)
{
  GPollableInputStream *in;
  gssize n;

  g_return_val_if_fail (HY_IS_CONNECTION (self), FALSE);
  g_return_val_if_fail (!self->reading, FALSE);

  if (self->broken != NULL || self->in == NULL || !G_IS_POLLABLE_INPUT_STREAM (self->in))
    return FALSE;
  in = G_POLLABLE_INPUT_STREAM (self->in);
  if (!g_pollable_input_stream_can_poll (in))
    return FALSE;
  buffer_prepare (self);
  n = g_pollable_input_stream_read_nonblocking (in, self->buf + self->buf_end,
                                                MIN (self->buf_alloc - self->buf_end, MAX_READ_CHUNK),
                                                NULL, NULL);
  if (n <= 0)
    return FALSE;
  self->buf_end += n;
  return TRUE;
}

/* ---- reading -------------------------------------------------------------- */

typedef struct {
  Deadline    deadline;
  GBytes     *result;
  guint8     *target;
  gsize       count;
  gsize       have;
  char       *terminator;
  gsize       max_lines;
  GPtrArray  *lines;
  gsize       line_length;
} ReadOp;

static void
read_op_free (gpointer data)
{
  ReadOp *op = data;

  deadline_stop (&op->deadline);
  g_clear_pointer (&op->result, g_bytes_unref);
  g_free (op->target);
  g_free (op->terminator);
  g_clear_pointer (&op->lines, g_ptr_array_unref);
  g_free (op);
}

static GTask *
read_task_new (HyConnection        *self,
               guint                timeout,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data,
               gpointer             source_tag,
               ReadOp             **op_out)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  ReadOp *op = g_new0 (ReadOp, 1);
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, op, read_op_free);
  *op_out = op;

  if (!check_usable (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return NULL;
    }
  if (self->reading)
    {
      g_critical ("%s:%u: a read is already pending", self->host, self->port);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _ ("Another read is pending on the connection to %s:%u."),
                               self->host, self->port);
      g_object_unref (task);
      return NULL;
    }
  deadline_start (&op->deadline, cancellable, timeout);
  self->reading = TRUE;
  return task;
}

static void
read_task_fail (GTask  *task,
                GError *error)
{
  HyConnection *self = g_task_get_source_object (task);
  ReadOp *op = g_task_get_task_data (task);
  GError *mapped = map_io_error (self, &op->deadline, error);

  self->reading = FALSE;
  if (!g_error_matches (mapped, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      !g_error_matches (mapped, HY_NET_ERROR, HY_NET_ERROR_TIMEOUT))
    set_broken (self, mapped);
  g_task_return_error (task, mapped);
}

typedef void (*FillDone) (GTask *task);

static void
fill_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HyConnection *self = g_task_get_source_object (task);
  GError *error = NULL;
  gssize n;
  FillDone done;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (n < 0)
    {
      read_task_fail (task, error);
      return;
    }
  if (n == 0)
    {
      read_task_fail (task, closed_error (self));
      return;
    }
  self->buf_end += n;
  done = g_object_get_data (G_OBJECT (task), "hy-fill-done");
  done (task);
}

/* Reads more bytes into the buffer, then calls @done again. */
static void
fill (GTask    *task,
      FillDone  done)
{
  HyConnection *self = g_task_get_source_object (task);
  ReadOp *op = g_task_get_task_data (task);

  buffer_prepare (self);
  g_object_set_data (G_OBJECT (task), "hy-fill-done", done);
  g_input_stream_read_async (self->in, self->buf + self->buf_end,
                             MIN (self->buf_alloc - self->buf_end, MAX_READ_CHUNK),
                             G_PRIORITY_DEFAULT, op->deadline.cancellable,
                             fill_cb, g_object_ref (task));
}

static void
read_line_step (GTask *task)
{
  HyConnection *self = g_task_get_source_object (task);
  ReadOp *op = g_task_get_task_data (task);
  GError *error = NULL;
  char *line;

  line = buffer_take_line (self, &op->line_length, &error);
  if (error != NULL)
    {
      read_task_fail (task, error);
      return;
    }
  if (line == NULL)
    {
      fill (task, read_line_step);
      return;
    }
  self->reading = FALSE;
  g_task_return_pointer (task, line, g_free);
}

/**
 * hy_connection_read_line_async:
 * @self: a connection
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the line
 * @user_data: data for @callback
 *
 * Reads one line with the connection's default timeout.
 */
void
hy_connection_read_line_async (HyConnection        *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (HY_IS_CONNECTION (self));
  hy_connection_read_line_with_timeout_async (self, self->timeout, cancellable,
                                              callback, user_data);
}

/**
 * hy_connection_read_line_with_timeout_async:
 * @self: a connection
 * @timeout_seconds: how long to wait for the line (0: forever)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the line
 * @user_data: data for @callback
 *
 * Reads one line with its own timeout, e.g. while idling.  A timeout or a
 * cancellation leaves the connection usable: no byte is lost.
 */
void
hy_connection_read_line_with_timeout_async (HyConnection        *self,
                                            guint                timeout_seconds,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data)
{
  GTask *task;
  ReadOp *op;

  g_return_if_fail (HY_IS_CONNECTION (self));

  task = read_task_new (self, timeout_seconds, cancellable, callback, user_data,
                        hy_connection_read_line_async, &op);
  if (task == NULL)
    return;
  read_line_step (task);
  g_object_unref (task);
}

/**
 * hy_connection_read_line_finish:
 * @self: a connection
 * @result: the result
 * @length: (out) (optional): length of the line (it may contain NUL bytes)
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the line without CRLF, NUL-terminated
 */
char *
hy_connection_read_line_finish (HyConnection  *self,
                                GAsyncResult  *result,
                                gsize         *length,
                                GError       **error)
{
  char *line;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_connection_read_line_async, NULL);

  line = g_task_propagate_pointer (G_TASK (result), error);
  if (line != NULL && length != NULL)
    *length = ((ReadOp *) g_task_get_task_data (G_TASK (result)))->line_length;
  return line;
}

static void
read_bytes_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HyConnection *self = g_task_get_source_object (task);
  ReadOp *op = g_task_get_task_data (task);
  GError *error = NULL;
  gsize got = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &got, &error))
    {
      read_task_fail (task, error);
      return;
    }
  if (op->have + got < op->count)
    {
      read_task_fail (task, closed_error (self));
      return;
    }
  self->reading = FALSE;
  g_task_return_pointer (task, g_bytes_new_take (g_steal_pointer (&op->target), op->count),
                         (GDestroyNotify) g_bytes_unref);
}

/**
 * hy_connection_read_bytes_async:
 * @self: a connection
 * @count: exactly how many bytes to read
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the bytes
 * @user_data: data for @callback
 *
 * Reads exactly @count bytes, e.g. an IMAP literal.  The trace shows only
 * their number.
 */
void
hy_connection_read_bytes_async (HyConnection        *self,
                                gsize                count,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ReadOp *op;
  gsize avail;

  g_return_if_fail (HY_IS_CONNECTION (self));

  task = read_task_new (self, self->timeout, cancellable, callback, user_data,
                        hy_connection_read_bytes_async, &op);
  if (task == NULL)
    return;

  if (self->trace)
    {
      g_autofree char *note = g_strdup_printf ("[%" G_GSIZE_FORMAT " bytes of data]", count);
      hy_connection_trace (self, "S", note, -1);
    }

  avail = self->buf_end - self->buf_start;
  if (avail >= count)
    {
      GBytes *bytes = g_bytes_new (self->buf + self->buf_start, count);

      self->buf_start += count;
      self->reading = FALSE;
      g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
      return;
    }

  op->count = count;
  op->target = g_try_malloc (count);
  if (op->target == NULL)
    {
      read_task_fail (g_steal_pointer (&task),
                      g_error_new (HY_NET_ERROR, HY_NET_ERROR_PROTOCOL,
                                   _ ("%s:%u announced %zu bytes of data, "
                                      "more than this computer can hold."),
                                   self->host, self->port, count));
      return;
    }
  memcpy (op->target, self->buf + self->buf_start, avail);
  op->have = avail;
  self->buf_start = self->buf_end = 0;
  g_input_stream_read_all_async (self->in, op->target + avail, count - avail,
                                 G_PRIORITY_DEFAULT, op->deadline.cancellable,
                                 read_bytes_done, g_steal_pointer (&task));
}

/**
 * hy_connection_read_bytes_finish:
 * @self: a connection
 * @result: the result
 * @error: return location for a #GError
 *
 * Returns: (transfer full): exactly the number of bytes asked for
 */
GBytes *
hy_connection_read_bytes_finish (HyConnection  *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_connection_read_bytes_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
read_lines_step (GTask *task)
{
  HyConnection *self = g_task_get_source_object (task);
  ReadOp *op = g_task_get_task_data (task);

  for (;;)
    {
      GError *error = NULL;
      char *line = buffer_take_line (self, NULL, &error);

      if (error != NULL)
        {
          read_task_fail (task, error);
          return;
        }
      if (line == NULL)
        {
          fill (task, read_lines_step);
          return;
        }
      if (strcmp (line, op->terminator) == 0)
        {
          g_free (line);
          self->reading = FALSE;
          g_task_return_pointer (task, g_steal_pointer (&op->lines),
                                 (GDestroyNotify) g_ptr_array_unref);
          return;
        }
      if (op->lines->len >= op->max_lines)
        {
          g_free (line);
          read_task_fail (task, g_error_new (HY_NET_ERROR, HY_NET_ERROR_PROTOCOL,
                                             _ ("%s:%u sent more than %zu lines in one answer; the server is "
                                                "misbehaving."),
                                             self->host, self->port, op->max_lines));
          return;
        }
      g_ptr_array_add (op->lines, line);
    }
}

/**
 * hy_connection_read_lines_until_async:
 * @self: a connection
 * @terminator: the line that ends the block, e.g. "."
 * @max_lines: how many lines to accept at most before failing
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the lines
 * @user_data: data for @callback
 *
 * Reads lines up to and excluding @terminator.  Lines are returned as they came,
 * e.g. still dot-stuffed.
 */
void
hy_connection_read_lines_until_async (HyConnection        *self,
                                      const char          *terminator,
                                      gsize                max_lines,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  GTask *task;
  ReadOp *op;

  g_return_if_fail (HY_IS_CONNECTION (self));
  g_return_if_fail (terminator != NULL);

  task = read_task_new (self, self->timeout, cancellable, callback, user_data,
                        hy_connection_read_lines_until_async, &op);
  if (task == NULL)
    return;
  op->terminator = g_strdup (terminator);
  op->max_lines = max_lines;
  op->lines = g_ptr_array_new_with_free_func (g_free);
  read_lines_step (task);
  g_object_unref (task);
}

/**
 * hy_connection_read_lines_until_finish:
 * @self: a connection
 * @result: the result
 * @error: return location for a #GError
 *
 * Returns: (transfer container) (element-type utf8): the lines
 */
GPtrArray *
hy_connection_read_lines_until_finish (HyConnection  *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_connection_read_lines_until_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- writing --------------------------------------------------------------- */

typedef struct {
  Deadline  deadline;
  GBytes   *data;
} WriteOp;

static void
write_op_free (gpointer data)
{
  WriteOp *op = data;

  deadline_stop (&op->deadline);
  g_clear_pointer (&op->data, g_bytes_unref);
  g_free (op);
}

static void
write_task_fail (GTask  *task,
                 GError *error)
{
  HyConnection *self = g_task_get_source_object (task);
  WriteOp *op = g_task_get_task_data (task);
  GError *mapped = map_io_error (self, &op->deadline, error);

  self->writing = FALSE;
  /* A write cut short leaves the peer with half a command: never reuse. */
  set_broken (self, mapped);
  g_task_return_error (task, mapped);
}

static void
flush_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HyConnection *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!g_output_stream_flush_finish (G_OUTPUT_STREAM (source), result, &error))
    {
      write_task_fail (task, error);
      return;
    }
  self->writing = FALSE;
  g_task_return_boolean (task, TRUE);
}

static void
write_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HyConnection *self = g_task_get_source_object (task);
  WriteOp *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      write_task_fail (task, error);
      return;
    }
  if (self->compressed)
    {
      g_output_stream_flush_async (self->out, G_PRIORITY_DEFAULT, op->deadline.cancellable,
                                   flush_cb, g_steal_pointer (&task));
      return;
    }
  self->writing = FALSE;
  g_task_return_boolean (task, TRUE);
}

/**
 * hy_connection_write_async:
 * @self: a connection
 * @data: bytes to send as they are
 * @trace_as: (nullable): what the trace shows instead of @data; pass it for
 *   every write that holds a secret ("A1 LOGIN alice ***") or bulk data
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when all bytes are written
 * @user_data: data for @callback
 */
void
hy_connection_write_async (HyConnection        *self,
                           GBytes              *data,
                           const char          *trace_as,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  WriteOp *op;
  gconstpointer bytes;
  gsize size;

  g_return_if_fail (HY_IS_CONNECTION (self));
  g_return_if_fail (data != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_connection_write_async);

  if (!check_usable (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (self->writing)
    {
      g_critical ("%s:%u: a write is already pending", self->host, self->port);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _ ("Another write is pending on the connection to %s:%u."),
                               self->host, self->port);
      return;
    }

  op = g_new0 (WriteOp, 1);
  op->data = g_bytes_ref (data);
  deadline_start (&op->deadline, cancellable, self->timeout);
  g_task_set_task_data (task, op, write_op_free);

  bytes = g_bytes_get_data (data, &size);
  if (self->trace)
    {
      if (trace_as != NULL)
        hy_connection_trace (self, "C", trace_as, -1);
      else
        hy_connection_trace (self, "C", bytes, size);
    }

  self->writing = TRUE;
  g_output_stream_write_all_async (self->out, bytes, size, G_PRIORITY_DEFAULT,
                                   op->deadline.cancellable, write_cb,
                                   g_steal_pointer (&task));
}

/**
 * hy_connection_write_string_async:
 * @self: a connection
 * @text: text to send (include the CRLF)
 * @trace_as: (nullable): see hy_connection_write_async()
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when all bytes are written
 * @user_data: data for @callback
 *
 * Like hy_connection_write_async(), for a NUL-terminated string.  Finish with
 * hy_connection_write_finish().
 */
void
hy_connection_write_string_async (HyConnection        *self,
                                  const char          *text,
                                  const char          *trace_as,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_if_fail (text != NULL);
  bytes = g_bytes_new (text, strlen (text));
  hy_connection_write_async (self, bytes, trace_as, cancellable, callback, user_data);
}

gboolean
hy_connection_write_finish (HyConnection  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_connection_write_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- compression and raw access -------------------------------------------- */

/**
 * hy_connection_start_compression:
 * @self: a connection
 * @decompressor: converter for what the server sends (e.g. a raw-deflate
 *   #GZlibDecompressor)
 * @compressor: converter for what the client sends (e.g. a raw-deflate
 *   #GZlibCompressor); every write is flushed through it
 * @error: return location for a #GError
 *
 * Puts a converter pair over the streams, for IMAP COMPRESS=DEFLATE.  Call it
 * right after the server's OK, with no read or write pending.  Fails with
 * %HY_NET_ERROR_PROTOCOL if the server already sent bytes past its OK, since
 * those could not be told apart.
 *
 * Returns: %TRUE if compression is on
 */
gboolean
hy_connection_start_compression (HyConnection  *self,
                                 GConverter    *decompressor,
                                 GConverter    *compressor,
                                 GError       **error)
{
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GOutputStream) out = NULL;

  g_return_val_if_fail (HY_IS_CONNECTION (self), FALSE);
  g_return_val_if_fail (G_IS_CONVERTER (decompressor), FALSE);
  g_return_val_if_fail (G_IS_CONVERTER (compressor), FALSE);

  if (!check_usable (self, error))
    return FALSE;
  if (self->compressed || self->reading || self->writing)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("Cannot start compression on %s:%u now."), self->host, self->port);
      return FALSE;
    }
  if (self->buf_end > self->buf_start)
    {
      GError *early = g_error_new (HY_NET_ERROR, HY_NET_ERROR_PROTOCOL,
                                   _ ("%s:%u sent data right after turning on compression, "
                                      "before it could be read as such."),
                                   self->host, self->port);
      set_broken (self, early);
      g_propagate_error (error, early);
      return FALSE;
    }

  in = g_converter_input_stream_new (self->in, decompressor);
  out = g_converter_output_stream_new (self->out, compressor);
  g_set_object (&self->in, in);
  g_set_object (&self->out, out);
  self->compressed = TRUE;
  hy_connection_trace (self, "*", "[compression on]", -1);
  return TRUE;
}

/**
 * hy_connection_get_stream:
 * @self: a connection
 *
 * Returns: (transfer none) (nullable): the underlying stream: the
 *   #GTlsConnection once TLS is up, else the #GSocketConnection.  Reading or
 *   writing it directly bypasses the buffer, the trace and any compression.
 */
GIOStream *
hy_connection_get_stream (HyConnection *self)
{
  g_return_val_if_fail (HY_IS_CONNECTION (self), NULL);
  return self->stream;
}

/* ---- closing ------------------------------------------------------------- */

static void
close_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* The server may already have gone; a failed close_notify does not matter. */
  if (!g_io_stream_close_finish (G_IO_STREAM (source), result, &error))
    g_debug ("closing: %s", error->message);
  g_task_return_boolean (task, TRUE);
}

/**
 * hy_connection_close_async:
 * @self: a connection
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when closed
 * @user_data: data for @callback
 *
 * Closes the connection (with a TLS close_notify when encrypted).  Closing an
 * unconnected or already closed connection succeeds.
 */
void
hy_connection_close_async (HyConnection        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HY_IS_CONNECTION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_connection_close_async);

  if (self->stream == NULL || self->closed)
    {
      self->closed = TRUE;
      g_task_return_boolean (task, TRUE);
      return;
    }
  self->closed = TRUE;
  g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, cancellable,
                           close_cb, g_steal_pointer (&task));
}

gboolean
hy_connection_close_finish (HyConnection  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_connection_close_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
