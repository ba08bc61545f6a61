/* hy-smtp-client.c — SMTP submission client: EHLO, STARTTLS, AUTH, streamed sending
 *
 * RFC 5321 (SMTP), 3207 (STARTTLS), 4954 (AUTH), 1870 (SIZE), 6152 (8BITMIME),
 * 6531 (SMTPUTF8), 2920 (PIPELINING), 3461 (DSN), 3030 (CHUNKING), 2034 and
 * 3463 (enhanced status codes).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-smtp"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "net/hy-net-error.h"
#include "net/hy-sasl.h"
#include "smtp/hy-smtp-client.h"
#include "smtp/hy-smtp-error.h"
#include "smtp/hy-smtp-stuffer.h"

#define BODY_CHUNK (64 * 1024)
#define BDAT_CHUNK (1024 * 1024)
#define MAX_REPLY_LINE 4096
/* RFC 5321 4.5.3.2.6: wait up to 10 minutes for the reply to the end of data. */
#define DATA_END_TIMEOUT 600

struct _HySmtpClient
{
  GObject        parent_instance;

  HyConnection  *conn;
  char          *helo_name;
  char          *greeting;
  GHashTable    *features;
  gboolean       busy;
  guint          n_transactions;
  gboolean       reset_done;     /* an RSET ended the last transaction */
};

G_DEFINE_FINAL_TYPE (HySmtpClient, hy_smtp_client, G_TYPE_OBJECT)

/* ---- envelope and result ------------------------------------------------ */

HySmtpEnvelope *
hy_smtp_envelope_new (const char *from)
{
  HySmtpEnvelope *envelope = g_new0 (HySmtpEnvelope, 1);

  envelope->from = g_strdup (from != NULL ? from : "");
  envelope->recipients = g_ptr_array_new_with_free_func (g_free);
  envelope->size = -1;
  return envelope;
}

void
hy_smtp_envelope_add_recipient (HySmtpEnvelope *envelope,
                                const char     *address)
{
  g_return_if_fail (envelope != NULL);
  g_return_if_fail (address != NULL);
  g_ptr_array_add (envelope->recipients, g_strdup (address));
}

void
hy_smtp_envelope_free (HySmtpEnvelope *envelope)
{
  if (envelope == NULL)
    return;
  g_free (envelope->from);
  g_ptr_array_unref (envelope->recipients);
  g_free (envelope->dsn_notify);
  g_free (envelope->dsn_ret);
  g_free (envelope->dsn_envid);
  g_free (envelope);
}

static void
recipient_result_free (gpointer data)
{
  HySmtpRecipientResult *r = data;

  g_free (r->address);
  g_clear_pointer (&r->reply, hy_smtp_reply_unref);
  g_free (r);
}

void
hy_smtp_send_result_free (HySmtpSendResult *result)
{
  if (result == NULL)
    return;
  g_ptr_array_unref (result->recipients);
  g_clear_pointer (&result->reply, hy_smtp_reply_unref);
  g_free (result);
}

/* ---- object ------------------------------------------------------------- */

static void
hy_smtp_client_dispose (GObject *object)
{
  HySmtpClient *self = HY_SMTP_CLIENT (object);

  g_clear_object (&self->conn);
  G_OBJECT_CLASS (hy_smtp_client_parent_class)->dispose (object);
}

static void
hy_smtp_client_finalize (GObject *object)
{
  HySmtpClient *self = HY_SMTP_CLIENT (object);

  g_free (self->helo_name);
  g_free (self->greeting);
  g_clear_pointer (&self->features, g_hash_table_unref);
  G_OBJECT_CLASS (hy_smtp_client_parent_class)->finalize (object);
}

static void
hy_smtp_client_class_init (HySmtpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hy_smtp_client_dispose;
  object_class->finalize = hy_smtp_client_finalize;
}

static void
hy_smtp_client_init (HySmtpClient *self)
{
  self->features = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * hy_smtp_client_new:
 * @connection: a connection that is not connected yet
 *
 * Returns: (transfer full): a client
 */
HySmtpClient *
hy_smtp_client_new (HyConnection *connection)
{
  HySmtpClient *self;

  g_return_val_if_fail (HY_IS_CONNECTION (connection), NULL);

  self = g_object_new (HY_TYPE_SMTP_CLIENT, NULL);
  self->conn = g_object_ref (connection);
  hy_connection_set_max_line_length (connection, MAX_REPLY_LINE);
  return self;
}

HyConnection *
hy_smtp_client_get_connection (HySmtpClient *self)
{
  g_return_val_if_fail (HY_IS_SMTP_CLIENT (self), NULL);
  return self->conn;
}

/**
 * hy_smtp_client_set_helo_name:
 * @self: a client
 * @name: (nullable): the name to greet with; by default the local address
 *   literal, e.g. "[192.0.2.1]", which reveals nothing the server does not see
 */
void
hy_smtp_client_set_helo_name (HySmtpClient *self,
                              const char   *name)
{
  g_return_if_fail (HY_IS_SMTP_CLIENT (self));
  g_free (self->helo_name);
  self->helo_name = g_strdup (name);
}

/**
 * hy_smtp_client_get_features:
 * @self: a client
 *
 * Returns: (transfer none) (element-type utf8 utf8): EHLO keyword (upper case)
 *   -> parameters; empty before connecting or after a HELO fallback
 */
GHashTable *
hy_smtp_client_get_features (HySmtpClient *self)
{
  g_return_val_if_fail (HY_IS_SMTP_CLIENT (self), NULL);
  return self->features;
}

gboolean
hy_smtp_client_has_feature (HySmtpClient *self,
                            const char   *name)
{
  g_autofree char *upper = NULL;

  g_return_val_if_fail (HY_IS_SMTP_CLIENT (self), FALSE);
  upper = g_ascii_strup (name, -1);
  return g_hash_table_contains (self->features, upper);
}

/**
 * hy_smtp_client_get_max_size:
 * @self: a client
 *
 * Returns: the SIZE limit in bytes, or 0 if the server announced none
 */
guint64
hy_smtp_client_get_max_size (HySmtpClient *self)
{
  const char *value;
  guint64 size = 0;

  g_return_val_if_fail (HY_IS_SMTP_CLIENT (self), 0);
  value = g_hash_table_lookup (self->features, "SIZE");
  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &size, NULL))
    return 0;
  return size;
}

/**
 * hy_smtp_client_get_greeting:
 * @self: a client
 *
 * Returns: (nullable): the server's greeting text; %NULL after a STARTTLS
 *   upgrade, since text received before TLS cannot be trusted
 */
const char *
hy_smtp_client_get_greeting (HySmtpClient *self)
{
  g_return_val_if_fail (HY_IS_SMTP_CLIENT (self), NULL);
  return self->greeting;
}

/* ---- errors --------------------------------------------------------------- */

static GError *
reply_error (HySmtpClient *self,
             HySmtpReply  *reply,
             const char   *what)
{
  g_autofree char *text = hy_smtp_reply_get_text (reply);
  const char *host = hy_connection_get_host (self->conn);

  if (hy_smtp_reply_is_temporary (reply))
    return g_error_new (HY_SMTP_ERROR, HY_SMTP_ERROR_TEMPORARY,
                        _ ("The mail server %s refused %s for now: “%s”. Try again later."),
                        host, what, text);
  return g_error_new (HY_SMTP_ERROR, HY_SMTP_ERROR_REFUSED,
                      _ ("The mail server %s refused %s: “%s”."), host, what, text);
}

static gboolean
begin (HySmtpClient *self,
       GTask        *task)
{
  if (self->busy)
    {
      g_critical ("HySmtpClient: one operation at a time");
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _ ("Another SMTP operation is in progress."));
      return FALSE;
    }
  self->busy = TRUE;
  return TRUE;
}

static void
task_fail (GTask  *task,
           GError *error)
{
  HySmtpClient *self = g_task_get_source_object (task);

  self->busy = FALSE;
  g_task_return_error (task, error);
}

static void
task_succeed (GTask    *task,
              gpointer  result,
              GDestroyNotify destroy)
{
  HySmtpClient *self = g_task_get_source_object (task);

  self->busy = FALSE;
  if (destroy != NULL)
    g_task_return_pointer (task, result, destroy);
  else
    g_task_return_boolean (task, TRUE);
}

/* ---- reading replies and sending commands ------------------------------- */

typedef struct {
  HySmtpReply *reply;
  guint        timeout;
} ReplyOp;

static void
reply_op_free (gpointer data)
{
  ReplyOp *op = data;

  g_clear_pointer (&op->reply, hy_smtp_reply_unref);
  g_free (op);
}

static void
reply_line_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HySmtpClient *self = g_task_get_source_object (task);
  ReplyOp *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  gboolean complete = FALSE;
  gsize len = 0;

  line = hy_connection_read_line_finish (HY_CONNECTION (source), result, &len, &error);
  if (line == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!hy_smtp_reply_add_line (op->reply, line, len, &complete, &error))
    {
      g_task_return_new_error (task, HY_SMTP_ERROR, HY_SMTP_ERROR_PROTOCOL,
                               _ ("The mail server %s sent a malformed reply (%s). It may "
                                  "not be an SMTP server; check the port."),
                               hy_connection_get_host (self->conn), error->message);
      return;
    }
  if (!complete)
    {
      hy_connection_read_line_with_timeout_async (self->conn, op->timeout,
                                                  g_task_get_cancellable (task),
                                                  reply_line_cb, g_object_ref (task));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&op->reply), (GDestroyNotify) hy_smtp_reply_unref);
}

static void
read_reply_async (HySmtpClient        *self,
                  guint                timeout,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  ReplyOp *op = g_new0 (ReplyOp, 1);

  g_task_set_source_tag (task, read_reply_async);
  op->reply = hy_smtp_reply_new ();
  op->timeout = timeout != 0 ? timeout : hy_connection_get_timeout (self->conn);
  g_task_set_task_data (task, op, reply_op_free);
  hy_connection_read_line_with_timeout_async (self->conn, op->timeout, cancellable,
                                              reply_line_cb, task);
}

static HySmtpReply *
read_reply_finish (HySmtpClient  *self,
                   GAsyncResult  *result,
                   GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
command_reply_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  HySmtpReply *reply = read_reply_finish (HY_SMTP_CLIENT (source), result, &error);

  if (reply == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, reply, (GDestroyNotify) hy_smtp_reply_unref);
}

static void
command_written_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HySmtpClient *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!hy_connection_write_finish (HY_CONNECTION (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  read_reply_async (self, GPOINTER_TO_UINT (g_task_get_task_data (task)),
                    g_task_get_cancellable (task), command_reply_cb, g_object_ref (task));
}

/* Sends @command (CRLF added) and reads the reply. */
static void
command_async (HySmtpClient        *self,
               const char          *command,
               const char          *trace_as,
               guint                timeout,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *line = g_strconcat (command, "\r\n", NULL);

  g_task_set_source_tag (task, command_async);
  g_task_set_task_data (task, GUINT_TO_POINTER (timeout), NULL);
  hy_connection_write_string_async (self->conn, line, trace_as, cancellable,
                                    command_written_cb, task);
}

static HySmtpReply *
command_finish (HySmtpClient  *self,
                GAsyncResult  *result,
                GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- connect --------------------------------------------------------------- */

static void do_ehlo (GTask *task);

static char *
default_helo_name (HySmtpClient *self)
{
  GIOStream *stream = hy_connection_get_stream (self->conn);
  GSocketConnection *sc = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autofree char *ip = NULL;
  GInetAddress *inet;

  if (G_IS_TLS_CONNECTION (stream))
    {
      GIOStream *base = NULL;

      g_object_get (stream, "base-io-stream", &base, NULL);
      if (G_IS_SOCKET_CONNECTION (base))
        sc = G_SOCKET_CONNECTION (base);
      g_clear_object (&base);
    }
  else if (G_IS_SOCKET_CONNECTION (stream))
    sc = G_SOCKET_CONNECTION (stream);

  if (sc != NULL)
    local = g_socket_connection_get_local_address (sc, NULL);
  if (!G_IS_INET_SOCKET_ADDRESS (local))
    return g_strdup ("[127.0.0.1]");
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));
  ip = g_inet_address_to_string (inet);
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[IPv6:%s]", ip);
  return g_strdup_printf ("[%s]", ip);
}

static void
starttls_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HySmtpClient *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!hy_connection_start_tls_finish (HY_CONNECTION (source), result, &error))
    {
      task_fail (task, error);
      return;
    }
  /* Nothing learned before TLS is trusted: greeting and extensions go, and
   * EHLO is asked again over the encrypted channel. */
  g_clear_pointer (&self->greeting, g_free);
  g_hash_table_remove_all (self->features);
  do_ehlo (g_steal_pointer (&task));
}

static void
starttls_reply_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HySmtpClient *self = HY_SMTP_CLIENT (source);
  GError *error = NULL;
  g_autoptr(HySmtpReply) reply = command_finish (self, result, &error);

  if (reply == NULL)
    {
      task_fail (task, error);
      return;
    }
  if (hy_smtp_reply_get_code (reply) != 220)
    {
      g_autofree char *text = hy_smtp_reply_get_text (reply);

      task_fail (task, g_error_new (HY_NET_ERROR, HY_NET_ERROR_STARTTLS_REFUSED,
                                    _ ("The mail server %s refused to start encryption "
                                       "(“%s”), so nothing was sent. Try again later, or ask "
                                       "the server's administrator."),
                                    hy_connection_get_host (self->conn), text));
      return;
    }
  hy_connection_start_tls_async (self->conn, g_task_get_cancellable (task),
                                 starttls_done_cb, g_object_ref (task));
}

static void
after_ehlo (GTask *task)
{
  HySmtpClient *self = g_task_get_source_object (task);

  if (hy_connection_get_security (self->conn) == HY_NET_SECURITY_STARTTLS &&
      !hy_connection_is_encrypted (self->conn))
    {
      if (!g_hash_table_contains (self->features, "STARTTLS"))
        {
          task_fail (task, g_error_new (HY_NET_ERROR, HY_NET_ERROR_STARTTLS_UNAVAILABLE,
                                        _ ("The mail server %s:%u does not offer STARTTLS, so "
                                           "the connection cannot be encrypted and nothing was "
                                           "sent. Someone may be removing it on the way; check "
                                           "the security settings (try implicit TLS, port 465)."),
                                        hy_connection_get_host (self->conn),
                                        hy_connection_get_port (self->conn)));
          g_object_unref (task);
          return;
        }
      command_async (self, "STARTTLS", NULL, 0, g_task_get_cancellable (task),
                     starttls_reply_cb, task);
      return;
    }
  task_succeed (task, NULL, NULL);
  g_object_unref (task);
}

static void
helo_reply_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  HySmtpClient *self = HY_SMTP_CLIENT (source);
  GError *error = NULL;
  g_autoptr(HySmtpReply) reply = command_finish (self, result, &error);

  if (reply == NULL)
    {
      task_fail (task, error);
      g_object_unref (task);
      return;
    }
  if (!hy_smtp_reply_is_positive (reply))
    {
      /* Translators: what the mail server refused, completing “The mail server %s refused %s” */
      task_fail (task, reply_error (self, reply, _ ("the greeting (HELO)")));
      g_object_unref (task);
      return;
    }
  g_hash_table_remove_all (self->features);
  after_ehlo (task);
}

static void
ehlo_reply_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  HySmtpClient *self = HY_SMTP_CLIENT (source);
  GError *error = NULL;
  g_autoptr(HySmtpReply) reply = command_finish (self, result, &error);
  g_autofree char *helo = NULL;

  if (reply == NULL)
    {
      task_fail (task, error);
      g_object_unref (task);
      return;
    }
  if (hy_smtp_reply_is_positive (reply))
    {
      g_clear_pointer (&self->features, g_hash_table_unref);
      self->features = hy_smtp_reply_parse_ehlo (reply);
      after_ehlo (task);
      return;
    }
  if (hy_smtp_reply_is_temporary (reply))
    {
      /* Translators: what the mail server refused, completing “The mail server %s refused %s” */
      task_fail (task, reply_error (self, reply, _ ("the greeting (EHLO)")));
      g_object_unref (task);
      return;
    }
  /* An old server without ESMTP. */
  helo = g_strdup_printf ("HELO %s", self->helo_name);
  command_async (self, helo, NULL, 0, g_task_get_cancellable (task), helo_reply_cb, task);
}

static void
do_ehlo (GTask *task)
{
  HySmtpClient *self = g_task_get_source_object (task);
  g_autofree char *ehlo = g_strdup_printf ("EHLO %s", self->helo_name);

  command_async (self, ehlo, NULL, 0, g_task_get_cancellable (task), ehlo_reply_cb, task);
}

static void
greeting_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  HySmtpClient *self = HY_SMTP_CLIENT (source);
  GError *error = NULL;
  g_autoptr(HySmtpReply) reply = read_reply_finish (self, result, &error);

  if (reply == NULL)
    {
      task_fail (task, error);
      g_object_unref (task);
      return;
    }
  if (hy_smtp_reply_get_code (reply) != 220)
    {
      /* Translators: what the mail server refused, completing “The mail server %s refused %s” */
      task_fail (task, reply_error (self, reply, _ ("the connection")));
      g_object_unref (task);
      return;
    }
  g_free (self->greeting);
  self->greeting = hy_smtp_reply_get_text (reply);
  do_ehlo (task);
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  HySmtpClient *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!hy_connection_connect_finish (HY_CONNECTION (source), result, &error))
    {
      task_fail (task, error);
      g_object_unref (task);
      return;
    }
  if (self->helo_name == NULL)
    self->helo_name = default_helo_name (self);
  read_reply_async (self, 0, g_task_get_cancellable (task), greeting_cb, task);
}

/**
 * hy_smtp_client_connect_async:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the session is ready for AUTH or MAIL
 * @user_data: data for @callback
 *
 * Connects, reads the greeting, says EHLO (HELO if the server knows no
 * ESMTP) and, on a STARTTLS connection, upgrades and says EHLO again.
 */
void
hy_smtp_client_connect_async (HySmtpClient        *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (HY_IS_SMTP_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_smtp_client_connect_async);
  if (!begin (self, task))
    {
      g_object_unref (task);
      return;
    }
  hy_connection_connect_async (self->conn, cancellable, connected_cb, task);
}

gboolean
hy_smtp_client_connect_finish (HySmtpClient  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_smtp_client_connect_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- authenticate ---------------------------------------------------------- */

static void auth_reply_cb (GObject *source, GAsyncResult *result, gpointer user_data);

/* One login: what a second try with another mechanism needs. */
typedef struct {
  HySasl   *sasl;
  char     *user;
  char     *secret;
  gboolean  automatic;  /* no mechanism required by the account */
  gboolean  fell_back;
} AuthData;

static void
auth_data_free (AuthData *data)
{
  g_clear_object (&data->sasl);
  g_free (data->user);
  hy_sasl_free_secret (data->secret);
  g_free (data);
}

/* Sends AUTH @mech for the login in @task (taken). */
static void
auth_send (HySmtpClient *self,
           GTask        *task,
           const char   *mech)
{
  AuthData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *command = NULL;
  g_autofree char *trace = NULL;

  g_clear_object (&data->sasl);
  data->sasl = hy_sasl_new (mech, data->user, data->secret);
  g_debug ("authenticating with %s", mech);

  if (hy_sasl_has_initial_response (data->sasl))
    {
      g_autofree char *initial = hy_sasl_step_base64 (data->sasl, NULL, &error);

      if (initial == NULL)
        {
          task_fail (task, g_steal_pointer (&error));
          g_object_unref (task);
          return;
        }
      command = g_strdup_printf ("AUTH %s %s", mech, *initial != '\0' ? initial : "=");
      trace = g_strdup_printf ("AUTH %s ***", mech);
    }
  else
    command = g_strdup_printf ("AUTH %s", mech);

  command_async (self, command, trace, 0, g_task_get_cancellable (task), auth_reply_cb, task);
}

/* After the server refused a challenge-response mechanism the client chose
 * itself: tries a password mechanism once (see
 * hy_sasl_choose_fallback_mechanism()).  Returns whether it did. */
static gboolean
auth_fall_back (HySmtpClient *self,
                GTask        *task)
{
  AuthData *data = g_task_get_task_data (task);
  const char *mechs = g_hash_table_lookup (self->features, "AUTH");
  g_auto(GStrv) offered = mechs != NULL ? g_strsplit_set (mechs, " ", -1) : NULL;
  const char *failed = hy_sasl_get_mechanism (data->sasl);
  const char *fallback;

  if (!data->automatic || data->fell_back)
    return FALSE;
  fallback = hy_sasl_choose_fallback_mechanism ((const char * const *) offered, failed);
  if (fallback == NULL)
    return FALSE;
  g_debug ("%s refused %s; trying %s once", hy_connection_get_host (self->conn), failed, fallback);
  data->fell_back = TRUE;
  auth_send (self, g_object_ref (task), fallback);
  return TRUE;
}

static void
auth_abort_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *saved = g_object_steal_data (G_OBJECT (task), "hy-error");
  HySmtpReply *reply = command_finish (HY_SMTP_CLIENT (source), result, NULL);

  /* The reply to "*" does not matter: the exchange failed already. */
  g_clear_pointer (&reply, hy_smtp_reply_unref);
  task_fail (task, saved);
}

static void
auth_reply_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HySmtpClient *self = HY_SMTP_CLIENT (source);
  AuthData *data = g_task_get_task_data (task);
  HySasl *sasl = data->sasl;
  GError *error = NULL;
  g_autoptr(HySmtpReply) reply = command_finish (self, result, &error);
  g_autofree char *response = NULL;
  const char *host = hy_connection_get_host (self->conn);

  if (reply == NULL)
    {
      task_fail (task, error);
      return;
    }

  switch (hy_smtp_reply_get_code (reply))
    {
    case 334:
      response = hy_sasl_step_base64 (sasl, hy_smtp_reply_get_line (reply, 0), &error);
      if (response == NULL)
        {
          /* Cancel the exchange (RFC 4954: "*"), then report. */
          g_object_set_data (G_OBJECT (task), "hy-error", error);
          command_async (self, "*", NULL, 0, g_task_get_cancellable (task),
                         auth_abort_cb, g_object_ref (task));
          return;
        }
      command_async (self, response, "***", 0, g_task_get_cancellable (task),
                     auth_reply_cb, g_object_ref (task));
      return;

    case 235:
      if (!hy_sasl_check_complete (sasl, &error))
        {
          /* The server may be an impostor: end the session. */
          hy_connection_close_async (self->conn, NULL, NULL, NULL);
          task_fail (task, error);
          return;
        }
      task_succeed (task, NULL, NULL);
      return;

    default:
      if (hy_smtp_reply_is_temporary (reply))
        {
          /* Translators: what the mail server refused, completing “The mail server %s refused %s” */
          task_fail (task, reply_error (self, reply, _ ("the login")));
          return;
        }
      if (auth_fall_back (self, task))
        return;
      {
        g_autofree char *text = hy_smtp_reply_get_text (reply);

        task_fail (task, g_error_new (HY_SMTP_ERROR, HY_SMTP_ERROR_AUTH_FAILED,
                                      _ ("The mail server %s rejected the login (“%s”). "
                                         "Check the user name and password."), host, text));
      }
      return;
    }
}

/**
 * hy_smtp_client_authenticate_async:
 * @self: a connected client
 * @user: the user name
 * @secret: the password, or an OAuth 2.0 access token
 * @secret_is_oauth_token: whether @secret is a token (XOAUTH2)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when logged in
 * @user_data: data for @callback
 *
 * Logs in with the best SASL mechanism both sides support, or only with the
 * connection's hy_connection_get_auth_mechanism() when one is set.  Refuses
 * on an unencrypted connection unless plaintext authentication was allowed.
 */
void
hy_smtp_client_authenticate_async (HySmtpClient        *self,
                                   const char          *user,
                                   const char          *secret,
                                   gboolean             secret_is_oauth_token,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) offered = NULL;
  AuthData *data;
  const char *mechs;
  const char *required;
  const char *mech;

  g_return_if_fail (HY_IS_SMTP_CLIENT (self));
  g_return_if_fail (user != NULL && secret != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_smtp_client_authenticate_async);
  if (!begin (self, task))
    return;

  if (!hy_connection_check_credentials_allowed (self->conn, &error))
    {
      task_fail (task, g_steal_pointer (&error));
      return;
    }
  mechs = g_hash_table_lookup (self->features, "AUTH");
  if (mechs == NULL)
    {
      task_fail (task, g_error_new (HY_SMTP_ERROR, HY_SMTP_ERROR_AUTH_UNAVAILABLE,
                                    _ ("The mail server %s does not offer authentication. "
                                       "Check the port: submission is usually 587 or 465."),
                                    hy_connection_get_host (self->conn)));
      return;
    }
  offered = g_strsplit_set (mechs, " ", -1);
  required = hy_connection_get_auth_mechanism (self->conn);
  mech = hy_sasl_choose_required_mechanism ((const char * const *) offered, required,
                                            secret_is_oauth_token);
  if (mech == NULL && required != NULL)
    {
      task_fail (task, g_error_new (HY_NET_ERROR, HY_NET_ERROR_AUTH_MECHANISM,
                                    _ ("The mail server %s does not offer the login method %s "
                                       "that the account is set to use (it offers: %s). Choose "
                                       "another method, or “Automatic”, in the account’s settings."),
                                    hy_connection_get_host (self->conn), required, mechs));
      return;
    }
  if (mech == NULL)
    {
      task_fail (task, g_error_new (HY_NET_ERROR, HY_NET_ERROR_AUTH_MECHANISM,
                                    _ ("The mail server %s offers no login method Hongyan "
                                       "supports (it offers: %s)."),
                                    hy_connection_get_host (self->conn), mechs));
      return;
    }
  data = g_new0 (AuthData, 1);
  data->user = g_strdup (user);
  data->secret = g_strdup (secret);
  data->automatic = required == NULL && !secret_is_oauth_token;
  g_task_set_task_data (task, data, (GDestroyNotify) auth_data_free);
  auth_send (self, g_steal_pointer (&task), mech);
}

gboolean
hy_smtp_client_authenticate_finish (HySmtpClient  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_smtp_client_authenticate_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- send ------------------------------------------------------------------ */

typedef enum {
  CMD_RSET,
  CMD_MAIL,
  CMD_RCPT,
} CommandKind;

typedef struct {
  CommandKind  kind;
  char        *line;     /* with CRLF */
  char        *address;  /* RCPT only */
} Command;

typedef struct {
  GPtrArray        *commands;
  guint             next;       /* next command whose reply is awaited */
  gboolean          pipelined;
  GError           *deferred;   /* a failure to report once replies are read */
  HySmtpSendResult *result;
  GInputStream     *message;
  HySmtpStuffer    *stuffer;
  guint8           *chunk;
  gsize             chunk_size;
  GByteArray       *out;
  gboolean          chunking;
  gboolean          eof;
  guint64           bytes_sent;
} SendOp;

static void
command_free (gpointer data)
{
  Command *c = data;

  g_free (c->line);
  g_free (c->address);
  g_free (c);
}

static void
send_op_free (gpointer data)
{
  SendOp *op = data;

  g_clear_pointer (&op->commands, g_ptr_array_unref);
  g_clear_error (&op->deferred);
  g_clear_pointer (&op->result, hy_smtp_send_result_free);
  g_clear_object (&op->message);
  g_clear_pointer (&op->stuffer, hy_smtp_stuffer_free);
  g_free (op->chunk);
  g_clear_pointer (&op->out, g_byte_array_unref);
  g_free (op);
}

static gboolean
is_ascii (const char *s)
{
  for (; *s != '\0'; s++)
    if ((guchar) *s >= 0x80)
      return FALSE;
  return TRUE;
}

/* An address must not be able to smuggle a command or a parameter. */
static gboolean
address_is_safe (const char *address)
{
  for (const char *p = address; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f || *p == '<' || *p == '>')
      return FALSE;
  return g_utf8_validate (address, -1, NULL);
}

/* RFC 3461 xtext */
static char *
xtext (const char *value)
{
  GString *out = g_string_new (NULL);

  for (const guchar *p = (const guchar *) value; *p != '\0'; p++)
    {
      if (*p < 33 || *p > 126 || *p == '+' || *p == '=')
        g_string_append_printf (out, "+%02X", *p);
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static gboolean
dsn_value_is_safe (const char *value)
{
  for (const char *p = value; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != ',')
      return FALSE;
  return TRUE;
}

static void send_read_next_reply (GTask *task);
static void send_body_begin (GTask *task);

static void
send_finish_transaction (GTask *task)
{
  SendOp *op = g_task_get_task_data (task);
  HySmtpClient *self = g_task_get_source_object (task);

  self->n_transactions++;
  task_succeed (task, g_steal_pointer (&op->result), (GDestroyNotify) hy_smtp_send_result_free);
  g_object_unref (task);
}

static void
rset_after_failure_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SendOp *op = g_task_get_task_data (task);
  g_autoptr(HySmtpReply) reply = command_finish (HY_SMTP_CLIENT (source), result, NULL);

  if (reply != NULL && hy_smtp_reply_is_positive (reply))
    HY_SMTP_CLIENT (source)->reset_done = TRUE;
  task_fail (task, g_steal_pointer (&op->deferred));
}

/* Ends a failed transaction with RSET so that the session stays usable. */
static void
send_fail_with_rset (GTask  *task,
                     GError *error)
{
  HySmtpClient *self = g_task_get_source_object (task);
  SendOp *op = g_task_get_task_data (task);

  g_clear_error (&op->deferred);
  op->deferred = error;
  self->n_transactions++;
  if (!hy_connection_is_connected (self->conn))
    {
      task_fail (task, g_steal_pointer (&op->deferred));
      g_object_unref (task);
      return;
    }
  command_async (self, "RSET", NULL, 0, g_task_get_cancellable (task),
                 rset_after_failure_cb, task);
}

static void
send_envelope_done (GTask *task)
{
  HySmtpClient *self = g_task_get_source_object (task);
  SendOp *op = g_task_get_task_data (task);

  if (op->deferred != NULL)
    {
      send_fail_with_rset (task, g_steal_pointer (&op->deferred));
      return;
    }
  if (op->result->n_accepted == 0)
    {
      g_autoptr(GString) why = g_string_new (NULL);
      gboolean for_now = FALSE;

      for (guint i = 0; i < op->result->recipients->len; i++)
        {
          HySmtpRecipientResult *r = g_ptr_array_index (op->result->recipients, i);
          g_autofree char *text = hy_smtp_reply_get_text (r->reply);

          if (hy_smtp_reply_is_temporary (r->reply))
            for_now = TRUE;
          g_string_append_printf (why, "%s%s: “%s”", i > 0 ? "; " : "", r->address, text);
        }
      /* One recipient refused only for now (4xx) makes the whole refusal
       * one for now: a later try may reach that recipient, and the ones
       * refused for good are then reported with the accepted ones. */
      if (for_now)
        send_fail_with_rset (task, g_error_new (HY_SMTP_ERROR, HY_SMTP_ERROR_TEMPORARY,
                                                _ ("The mail server %s refused every recipient for "
                                                   "now, so the message was not sent yet (%s)."),
                                                hy_connection_get_host (self->conn), why->str));
      else
        send_fail_with_rset (task, g_error_new (HY_SMTP_ERROR, HY_SMTP_ERROR_ALL_RECIPIENTS_REFUSED,
                                                _ ("The mail server %s refused every recipient, so "
                                                   "the message was not sent (%s)."),
                                                hy_connection_get_host (self->conn), why->str));
      return;
    }
  send_body_begin (task);
}

static void
send_reply_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  HySmtpClient *self = HY_SMTP_CLIENT (source);
  SendOp *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(HySmtpReply) reply = read_reply_finish (self, result, &error);
  Command *cmd;

  if (reply == NULL)
    {
      task_fail (task, error);
      g_object_unref (task);
      return;
    }

  cmd = g_ptr_array_index (op->commands, op->next);
  op->next++;
  switch (cmd->kind)
    {
    case CMD_RSET:
      if (!hy_smtp_reply_is_positive (reply) && op->deferred == NULL)
        /* Translators: what the mail server refused, completing “The mail server %s refused %s” */
        op->deferred = reply_error (self, reply, _ ("to reset the session (RSET)"));
      break;
    case CMD_MAIL:
      if (!hy_smtp_reply_is_positive (reply) && op->deferred == NULL)
        /* Translators: what the mail server refused, completing “The mail server %s refused %s” */
        op->deferred = reply_error (self, reply, _ ("the sender address"));
      break;
    case CMD_RCPT:
      {
        HySmtpRecipientResult *r = g_new0 (HySmtpRecipientResult, 1);

        r->address = g_strdup (cmd->address);
        r->reply = hy_smtp_reply_ref (reply);
        r->accepted = hy_smtp_reply_is_positive (reply);
        if (r->accepted)
          op->result->n_accepted++;
        g_ptr_array_add (op->result->recipients, r);
      }
      break;
    default:
      g_assert_not_reached ();
    }

  /* Without PIPELINING nothing is sent yet for a refused sender. */
  if (op->next < op->commands->len && !(cmd->kind == CMD_MAIL && op->deferred != NULL && !op->pipelined))
    {
      send_read_next_reply (task);
      return;
    }
  send_envelope_done (task);
}

static void
send_command_written_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  GTask *task = user_data;
  HySmtpClient *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!hy_connection_write_finish (HY_CONNECTION (source), result, &error))
    {
      task_fail (task, error);
      g_object_unref (task);
      return;
    }
  read_reply_async (self, 0, g_task_get_cancellable (task), send_reply_cb, task);
}

static void
send_read_next_reply (GTask *task)
{
  HySmtpClient *self = g_task_get_source_object (task);
  SendOp *op = g_task_get_task_data (task);

  if (op->pipelined)
    {
      read_reply_async (self, 0, g_task_get_cancellable (task), send_reply_cb, task);
      return;
    }
  /* Without PIPELINING, each command waits for the reply to the one before. */
  hy_connection_write_string_async (self->conn,
                                    ((Command *) g_ptr_array_index (op->commands, op->next))->line,
                                    NULL, g_task_get_cancellable (task),
                                    send_command_written_cb, task);
}

/* -- body -- */

static void send_body_read_chunk (GTask *task);

static void
final_reply_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HySmtpClient *self = HY_SMTP_CLIENT (source);
  SendOp *op = g_task_get_task_data (task);
  GError *error = NULL;
  HySmtpReply *reply = read_reply_finish (self, result, &error);

  if (reply == NULL)
    {
      task_fail (task, error);
      return;
    }
  op->result->reply = reply;
  if (!hy_smtp_reply_is_positive (reply))
    {
      self->n_transactions++;
      /* Translators: what the mail server refused, completing “The mail server %s refused %s” */
      task_fail (task, reply_error (self, reply, _ ("the message")));
      return;
    }
  send_finish_transaction (g_steal_pointer (&task));
}

static void
bdat_reply_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HySmtpClient *self = HY_SMTP_CLIENT (source);
  GError *error = NULL;
  g_autoptr(HySmtpReply) reply = read_reply_finish (self, result, &error);

  if (reply == NULL)
    {
      task_fail (task, error);
      return;
    }
  if (!hy_smtp_reply_is_positive (reply))
    {
      /* The server gave up on the message; it discards the rest. */
      /* Translators: what the mail server refused, completing “The mail server %s refused %s” */
      send_fail_with_rset (g_steal_pointer (&task), reply_error (self, reply, _ ("the message")));
      return;
    }
  send_body_read_chunk (g_steal_pointer (&task));
}

static void
body_written_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HySmtpClient *self = g_task_get_source_object (task);
  SendOp *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (!hy_connection_write_finish (HY_CONNECTION (source), result, &error))
    {
      task_fail (task, error);
      return;
    }
  if (op->chunking)
    {
      read_reply_async (self, op->eof ? DATA_END_TIMEOUT : 0, g_task_get_cancellable (task),
                        op->eof ? final_reply_cb : bdat_reply_cb, g_object_ref (task));
      return;
    }
  if (op->eof)
    {
      read_reply_async (self, DATA_END_TIMEOUT, g_task_get_cancellable (task),
                        final_reply_cb, g_object_ref (task));
      return;
    }
  send_body_read_chunk (g_steal_pointer (&task));
}

static void
send_body_write (GTask *task)
{
  HySmtpClient *self = g_task_get_source_object (task);
  SendOp *op = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *trace = NULL;

  if (op->eof)
    {
      hy_smtp_stuffer_finish (op->stuffer, op->out);
      if (!op->chunking)
        g_byte_array_append (op->out, (const guint8 *) ".\r\n", 3);
    }

  if (op->chunking)
    {
      g_autofree char *head = g_strdup_printf ("BDAT %u%s\r\n", op->out->len,
                                               op->eof ? " LAST" : "");
      g_byte_array_prepend (op->out, (const guint8 *) head, strlen (head));
      trace = g_strdup_printf ("%s[%zu bytes of message]", head,
                               (size_t) (op->out->len - strlen (head)));
    }
  else
    trace = g_strdup_printf ("[%u bytes of message]%s", op->out->len, op->eof ? " ." : "");

  op->bytes_sent += op->out->len;
  bytes = g_bytes_new (op->out->data, op->out->len);
  g_byte_array_set_size (op->out, 0);
  hy_connection_write_async (self->conn, bytes, trace, g_task_get_cancellable (task),
                             body_written_cb, task);
}

static void
body_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  HySmtpClient *self = g_task_get_source_object (task);
  SendOp *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (n < 0)
    {
      /* DATA cannot be taken back: drop the connection so that the server
       * discards the half message. */
      hy_connection_close_async (self->conn, NULL, NULL, NULL);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        task_fail (task, g_steal_pointer (&error));
      else
        task_fail (task, g_error_new (G_IO_ERROR,
                                      error->domain == G_IO_ERROR ? error->code : G_IO_ERROR_FAILED,
                                      _ ("Could not read the message to send: %s"), error->message));
      g_object_unref (task);
      return;
    }
  if (n == 0)
    op->eof = TRUE;
  else
    hy_smtp_stuffer_feed (op->stuffer, op->chunk, n, op->out);

  /* Collect at least a chunk's worth before writing (BDAT wants big ones). */
  if (!op->eof && op->out->len < op->chunk_size / 2)
    {
      send_body_read_chunk (task);
      return;
    }
  send_body_write (task);
}

static void
send_body_read_chunk (GTask *task)
{
  SendOp *op = g_task_get_task_data (task);

  if (op->eof)
    {
      /* Only reached after a positive BDAT reply for the last chunk. */
      send_finish_transaction (task);
      return;
    }
  g_input_stream_read_async (op->message, op->chunk, op->chunk_size, G_PRIORITY_DEFAULT,
                             g_task_get_cancellable (task), body_read_cb, task);
}

static void
data_reply_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  HySmtpClient *self = HY_SMTP_CLIENT (source);
  GError *error = NULL;
  g_autoptr(HySmtpReply) reply = command_finish (self, result, &error);

  if (reply == NULL)
    {
      task_fail (task, error);
      g_object_unref (task);
      return;
    }
  if (hy_smtp_reply_get_code (reply) != 354)
    {
      /* Translators: what the mail server refused, completing “The mail server %s refused %s” */
      send_fail_with_rset (task, reply_error (self, reply, _ ("the message (DATA)")));
      return;
    }
  send_body_read_chunk (task);
}

static void
send_body_begin (GTask *task)
{
  HySmtpClient *self = g_task_get_source_object (task);
  SendOp *op = g_task_get_task_data (task);
  gboolean strip = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "hy-strip-bcc"));

  op->chunking = g_hash_table_contains (self->features, "CHUNKING");
  op->chunk_size = op->chunking ? BDAT_CHUNK : BODY_CHUNK;
  op->chunk = g_malloc (op->chunk_size);
  op->out = g_byte_array_sized_new (op->chunk_size * 2 + 64);
  op->stuffer = hy_smtp_stuffer_new (!op->chunking, strip);

  if (op->chunking)
    {
      send_body_read_chunk (task);
      return;
    }
  command_async (self, "DATA", NULL, 0, g_task_get_cancellable (task), data_reply_cb, task);
}

static void
pipeline_written_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!hy_connection_write_finish (HY_CONNECTION (source), result, &error))
    {
      task_fail (task, error);
      g_object_unref (task);
      return;
    }
  send_read_next_reply (task);
}

/**
 * hy_smtp_client_send_async:
 * @self: a connected (and if needed authenticated) client
 * @envelope: sender, recipients and options
 * @message: the RFC 5322 message; it is streamed, never held in memory
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the per-recipient results
 * @user_data: data for @callback
 *
 * Sends one message.  Before the first byte of the envelope, a message larger
 * than the server's SIZE limit or needing an extension the server lacks fails.
 * If some recipients are refused, the message still goes to the others and the
 * result says which; if all are refused, it fails with
 * %HY_SMTP_ERROR_ALL_RECIPIENTS_REFUSED, or with %HY_SMTP_ERROR_TEMPORARY when
 * any of them was refused only for now (4xx).  Several messages may be sent one after
 * the other over one session.
 */
void
hy_smtp_client_send_async (HySmtpClient         *self,
                           const HySmtpEnvelope *envelope,
                           GInputStream         *message,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  GTask *task;
  SendOp *op;
  g_autoptr(GString) mail = NULL;
  gboolean utf8;
  guint64 max_size;
  const char *host;

  g_return_if_fail (HY_IS_SMTP_CLIENT (self));
  g_return_if_fail (envelope != NULL);
  g_return_if_fail (G_IS_INPUT_STREAM (message));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_smtp_client_send_async);
  if (!begin (self, task))
    {
      g_object_unref (task);
      return;
    }
  host = hy_connection_get_host (self->conn);

  op = g_new0 (SendOp, 1);
  op->commands = g_ptr_array_new_with_free_func (command_free);
  op->result = g_new0 (HySmtpSendResult, 1);
  op->result->recipients = g_ptr_array_new_with_free_func (recipient_result_free);
  op->message = g_object_ref (message);
  g_task_set_task_data (task, op, send_op_free);
  g_object_set_data (G_OBJECT (task), "hy-strip-bcc", GINT_TO_POINTER (envelope->strip_bcc));

  if (envelope->recipients->len == 0)
    {
      task_fail (task, g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                    _ ("The message has no recipients.")));
      g_object_unref (task);
      return;
    }
  utf8 = envelope->smtputf8 || !is_ascii (envelope->from);
  if (!address_is_safe (envelope->from))
    {
      task_fail (task, g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                    _ ("“%s” is not a valid sender address."), envelope->from));
      g_object_unref (task);
      return;
    }
  for (guint i = 0; i < envelope->recipients->len; i++)
    {
      const char *rcpt = g_ptr_array_index (envelope->recipients, i);

      if (!address_is_safe (rcpt) || *rcpt == '\0')
        {
          task_fail (task, g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                        _ ("“%s” is not a valid recipient address."), rcpt));
          g_object_unref (task);
          return;
        }
      utf8 = utf8 || !is_ascii (rcpt);
    }

  max_size = hy_smtp_client_get_max_size (self);
  if (max_size > 0 && envelope->size > 0 && (guint64) envelope->size > max_size)
    {
      task_fail (task, g_error_new (HY_SMTP_ERROR, HY_SMTP_ERROR_MESSAGE_TOO_LARGE,
                                    /* Translators: the numbers are sizes in bytes */
                                    _ ("The message is too large for the mail server %s "
                                       "(%lld bytes; it accepts at most %llu). "
                                       "Remove some attachments."),
                                    host, (long long) envelope->size,
                                    (unsigned long long) max_size));
      g_object_unref (task);
      return;
    }
  if (utf8 && !g_hash_table_contains (self->features, "SMTPUTF8"))
    {
      task_fail (task, g_error_new (HY_SMTP_ERROR, HY_SMTP_ERROR_UNSUPPORTED,
                                    _ ("The mail server %s cannot take internationalised "
                                       "addresses (no SMTPUTF8)."), host));
      g_object_unref (task);
      return;
    }
  if (envelope->eight_bit && !g_hash_table_contains (self->features, "8BITMIME"))
    {
      task_fail (task, g_error_new (HY_SMTP_ERROR, HY_SMTP_ERROR_UNSUPPORTED,
                                    _ ("The mail server %s cannot take 8-bit message content "
                                       "(no 8BITMIME); the message must be re-encoded."), host));
      g_object_unref (task);
      return;
    }

  if (self->n_transactions > 0 && !self->reset_done)
    {
      Command *rset = g_new0 (Command, 1);

      rset->kind = CMD_RSET;
      rset->line = g_strdup ("RSET\r\n");
      g_ptr_array_add (op->commands, rset);
    }

  mail = g_string_new (NULL);
  g_string_append_printf (mail, "MAIL FROM:<%s>", envelope->from);
  if (max_size > 0 || g_hash_table_contains (self->features, "SIZE"))
    if (envelope->size >= 0)
      g_string_append_printf (mail, " SIZE=%" G_GINT64_FORMAT, envelope->size);
  if (envelope->eight_bit)
    g_string_append (mail, " BODY=8BITMIME");
  if (utf8)
    g_string_append (mail, " SMTPUTF8");
  if (g_hash_table_contains (self->features, "DSN"))
    {
      if (envelope->dsn_ret != NULL && dsn_value_is_safe (envelope->dsn_ret))
        g_string_append_printf (mail, " RET=%s", envelope->dsn_ret);
      if (envelope->dsn_envid != NULL)
        {
          g_autofree char *id = xtext (envelope->dsn_envid);
          g_string_append_printf (mail, " ENVID=%s", id);
        }
    }
  g_string_append (mail, "\r\n");
  {
    Command *c = g_new0 (Command, 1);

    c->kind = CMD_MAIL;
    c->line = g_string_free (g_steal_pointer (&mail), FALSE);
    g_ptr_array_add (op->commands, c);
  }

  for (guint i = 0; i < envelope->recipients->len; i++)
    {
      const char *rcpt = g_ptr_array_index (envelope->recipients, i);
      Command *c = g_new0 (Command, 1);
      GString *line = g_string_new (NULL);

      g_string_append_printf (line, "RCPT TO:<%s>", rcpt);
      if (g_hash_table_contains (self->features, "DSN") && envelope->dsn_notify != NULL &&
          dsn_value_is_safe (envelope->dsn_notify))
        g_string_append_printf (line, " NOTIFY=%s", envelope->dsn_notify);
      g_string_append (line, "\r\n");
      c->kind = CMD_RCPT;
      c->address = g_strdup (rcpt);
      c->line = g_string_free (line, FALSE);
      g_ptr_array_add (op->commands, c);
    }

  self->reset_done = FALSE;
  op->pipelined = g_hash_table_contains (self->features, "PIPELINING");
  if (op->pipelined)
    {
      g_autoptr(GString) batch = g_string_new (NULL);

      for (guint i = 0; i < op->commands->len; i++)
        g_string_append (batch, ((Command *) g_ptr_array_index (op->commands, i))->line);
      hy_connection_write_string_async (self->conn, batch->str, NULL, cancellable,
                                        pipeline_written_cb, task);
      return;
    }
  send_read_next_reply (task);
}

/**
 * hy_smtp_client_send_finish:
 * @self: a client
 * @result: the result
 * @error: return location for a #GError
 *
 * Returns: (transfer full): per-recipient results and the final reply
 */
HySmtpSendResult *
hy_smtp_client_send_finish (HySmtpClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_smtp_client_send_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- quit ------------------------------------------------------------------- */

static void
quit_closed_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  hy_connection_close_finish (HY_CONNECTION (source), result, NULL);
  task_succeed (task, NULL, NULL);
}

static void
quit_reply_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  HySmtpClient *self = HY_SMTP_CLIENT (source);
  HySmtpReply *reply = command_finish (self, result, NULL);

  /* Whatever the server answers to QUIT, the session is over. */
  g_clear_pointer (&reply, hy_smtp_reply_unref);
  hy_connection_close_async (self->conn, NULL, quit_closed_cb, task);
}

/**
 * hy_smtp_client_quit_async:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the session is over
 * @user_data: data for @callback
 *
 * Says QUIT and closes the connection.  Never fails for a server that hangs up
 * first.
 */
void
hy_smtp_client_quit_async (HySmtpClient        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (HY_IS_SMTP_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_smtp_client_quit_async);
  if (!begin (self, task))
    {
      g_object_unref (task);
      return;
    }
  if (!hy_connection_is_connected (self->conn))
    {
      hy_connection_close_async (self->conn, NULL, quit_closed_cb, task);
      return;
    }
  command_async (self, "QUIT", NULL, 5, cancellable, quit_reply_cb, task);
}

gboolean
hy_smtp_client_quit_finish (HySmtpClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_smtp_client_quit_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
