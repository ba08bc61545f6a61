/* hy-pop3-client.c — POP3 client: CAPA, STLS, login, listing, streamed retrieval
 *
 * RFC 1939 (POP3), 2449 (CAPA, PIPELINING, response codes), 2595 (STLS),
 * 5034 (SASL).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-pop3"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "net/hy-net-error.h"
#include "net/hy-sasl.h"
#include "pop3/hy-pop3-client.h"
#include "pop3/hy-pop3-error.h"

#define MAX_LINE (1024 * 1024)
#define MAX_LIST_LINES 10000000
#define FLUSH_SIZE (64 * 1024)

struct _HyPop3Client
{
  GObject       parent_instance;

  HyConnection *conn;
  GHashTable   *caps;
  char         *apop_stamp;
  gboolean      busy;
};

G_DEFINE_FINAL_TYPE (HyPop3Client, hy_pop3_client, G_TYPE_OBJECT)

static void
hy_pop3_client_dispose (GObject *object)
{
  HyPop3Client *self = HY_POP3_CLIENT (object);

  g_clear_object (&self->conn);
  G_OBJECT_CLASS (hy_pop3_client_parent_class)->dispose (object);
}

static void
hy_pop3_client_finalize (GObject *object)
{
  HyPop3Client *self = HY_POP3_CLIENT (object);

  g_clear_pointer (&self->caps, g_hash_table_unref);
  g_free (self->apop_stamp);
  G_OBJECT_CLASS (hy_pop3_client_parent_class)->finalize (object);
}

static void
hy_pop3_client_class_init (HyPop3ClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hy_pop3_client_dispose;
  object_class->finalize = hy_pop3_client_finalize;
}

static void
hy_pop3_client_init (HyPop3Client *self)
{
  self->caps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * hy_pop3_client_new:
 * @connection: a connection that is not connected yet
 *
 * Returns: (transfer full): a client
 */
HyPop3Client *
hy_pop3_client_new (HyConnection *connection)
{
  HyPop3Client *self;

  g_return_val_if_fail (HY_IS_CONNECTION (connection), NULL);

  self = g_object_new (HY_TYPE_POP3_CLIENT, NULL);
  self->conn = g_object_ref (connection);
  hy_connection_set_max_line_length (connection, MAX_LINE);
  return self;
}

HyConnection *
hy_pop3_client_get_connection (HyPop3Client *self)
{
  g_return_val_if_fail (HY_IS_POP3_CLIENT (self), NULL);
  return self->conn;
}

/**
 * hy_pop3_client_get_capabilities:
 * @self: a client
 *
 * Returns: (transfer none) (element-type utf8 utf8): CAPA name (upper case) ->
 *   arguments; empty if the server does not support CAPA
 */
GHashTable *
hy_pop3_client_get_capabilities (HyPop3Client *self)
{
  g_return_val_if_fail (HY_IS_POP3_CLIENT (self), NULL);
  return self->caps;
}

gboolean
hy_pop3_client_has_capability (HyPop3Client *self,
                               const char   *name)
{
  g_autofree char *upper = NULL;

  g_return_val_if_fail (HY_IS_POP3_CLIENT (self), FALSE);
  upper = g_ascii_strup (name, -1);
  return g_hash_table_contains (self->caps, upper);
}

/* ---- operations: a command, its status, maybe a multi-line block ---------- */

typedef struct _Op Op;
typedef void (*OpStep) (GTask        *task,
                        HyPop3Status *status,
                        GPtrArray    *lines);

struct _Op
{
  OpStep          next;
  gboolean        multiline;
  gboolean        allow_continuation;
  gboolean        continuation;

  /* per operation */
  char           *user;
  char           *secret;
  gboolean        oauth;
  HySasl         *sasl;
  gboolean        auth_automatic;  /* no mechanism required by the account */
  gboolean        auth_fell_back;
  gboolean        apop_sent;
  guint          *numbers;
  guint           n_numbers;
  guint           done;
  GOutputStream  *output;
  GByteArray     *buffer;
  guint64         size;
  gboolean        end;
  guint           count;
};

static void
op_free (gpointer data)
{
  Op *op = data;

  g_free (op->user);
  hy_sasl_free_secret (op->secret);
  g_clear_object (&op->sasl);
  g_free (op->numbers);
  g_clear_object (&op->output);
  g_clear_pointer (&op->buffer, g_byte_array_unref);
  g_free (op);
}

static GTask *
op_begin (HyPop3Client        *self,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data,
          gpointer             source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, g_new0 (Op, 1), op_free);
  if (self->busy)
    {
      g_critical ("HyPop3Client: one operation at a time");
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _ ("Another POP3 operation is in progress."));
      g_object_unref (task);
      return NULL;
    }
  self->busy = TRUE;
  return task;
}

/* Both consume the task reference. */
static void
op_fail (GTask  *task,
         GError *error)
{
  HyPop3Client *self = g_task_get_source_object (task);

  self->busy = FALSE;
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
op_succeed (GTask *task)
{
  HyPop3Client *self = g_task_get_source_object (task);

  self->busy = FALSE;
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
op_succeed_pointer (GTask          *task,
                    gpointer        result,
                    GDestroyNotify  destroy)
{
  HyPop3Client *self = g_task_get_source_object (task);

  self->busy = FALSE;
  g_task_return_pointer (task, result, destroy);
  g_object_unref (task);
}

static GError *
status_error (HyPop3Client *self,
              HyPop3Status *status,
              const char   *what)
{
  const char *host = hy_connection_get_host (self->conn);

  if (g_strcmp0 (status->code, "IN-USE") == 0)
    return g_error_new (HY_POP3_ERROR, HY_POP3_ERROR_IN_USE,
                        _ ("The mailbox on %s is in use by another session (“%s”). Close "
                           "other mail programs reading it, then try again."), host, status->text);
  if (g_strcmp0 (status->code, "SYS/TEMP") == 0)
    return g_error_new (HY_POP3_ERROR, HY_POP3_ERROR_TEMPORARY,
                        _ ("The server %s has a temporary problem with %s (“%s”). Try again later."),
                        host, what, status->text);
  return g_error_new (HY_POP3_ERROR, HY_POP3_ERROR_REFUSED,
                      _ ("The server %s refused %s: “%s”."), host, what, status->text);
}

static void
lines_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GPtrArray) raw = hy_connection_read_lines_until_finish (HY_CONNECTION (source),
                                                                    result, &error);
  g_autoptr(GPtrArray) lines = NULL;
  HyPop3Status *status = g_object_steal_data (G_OBJECT (task), "hy-status");

  if (raw == NULL)
    {
      hy_pop3_status_free (status);
      op_fail (task, error);
      return;
    }
  lines = g_ptr_array_new_full (raw->len, g_free);
  for (guint i = 0; i < raw->len; i++)
    g_ptr_array_add (lines, g_strdup (hy_pop3_unstuff (g_ptr_array_index (raw, i))));
  op->next (task, status, lines);
  hy_pop3_status_free (status);
}

static void
status_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  HyPop3Client *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autofree char *line = NULL;
  g_autoptr(HyPop3Status) status = NULL;
  gsize len = 0;

  line = hy_connection_read_line_finish (HY_CONNECTION (source), result, &len, &error);
  if (line == NULL)
    {
      op_fail (task, error);
      return;
    }

  op->continuation = FALSE;
  if (op->allow_continuation && line[0] == '+' && (line[1] == ' ' || line[1] == '\0'))
    {
      /* A SASL challenge: "+ base64" */
      status = g_new0 (HyPop3Status, 1);
      status->ok = TRUE;
      status->text = g_strdup (line[1] == ' ' ? line + 2 : "");
      op->continuation = TRUE;
      op->next (task, status, NULL);
      return;
    }

  status = hy_pop3_parse_status (line, len, &error);
  if (status == NULL)
    {
      GError *wrapped = g_error_new (HY_POP3_ERROR, HY_POP3_ERROR_PROTOCOL,
                                     _ ("The server %s sent a malformed response (%s). It may "
                                        "not be a POP3 server; check the port."),
                                     hy_connection_get_host (self->conn), error->message);
      g_error_free (error);
      op_fail (task, wrapped);
      return;
    }
  if (status->ok && op->multiline)
    {
      g_object_set_data (G_OBJECT (task), "hy-status", g_steal_pointer (&status));
      hy_connection_read_lines_until_async (self->conn, ".", MAX_LIST_LINES,
                                            g_task_get_cancellable (task), lines_cb, task);
      return;
    }
  op->next (task, status, NULL);
}

static void
written_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!hy_connection_write_finish (HY_CONNECTION (source), result, &error))
    {
      op_fail (task, error);
      return;
    }
  hy_connection_read_line_async (HY_CONNECTION (source), g_task_get_cancellable (task),
                                 status_cb, task);
}

/* Sends @command (if not NULL; CRLF added), reads the status line (and the
 * multi-line block after +OK if @multiline) and calls @next.  Consumes @task. */
static void
op_command (GTask      *task,
            const char *command,
            const char *trace_as,
            gboolean    multiline,
            OpStep      next)
{
  HyPop3Client *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  op->next = next;
  op->multiline = multiline;
  if (command == NULL)
    {
      hy_connection_read_line_async (self->conn, g_task_get_cancellable (task), status_cb, task);
      return;
    }
  {
    g_autofree char *line = g_strconcat (command, "\r\n", NULL);

    hy_connection_write_string_async (self->conn, line, trace_as,
                                      g_task_get_cancellable (task), written_cb, task);
  }
}

/* ---- connect ------------------------------------------------------------- */

static void capa_step (GTask *task, HyPop3Status *status, GPtrArray *lines);

static void
stls_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  HyPop3Client *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!hy_connection_start_tls_finish (HY_CONNECTION (source), result, &error))
    {
      op_fail (task, error);
      return;
    }
  /* Forget everything from before TLS, the APOP timestamp included. */
  g_hash_table_remove_all (self->caps);
  g_clear_pointer (&self->apop_stamp, g_free);
  op_command (task, "CAPA", NULL, TRUE, capa_step);
}

static void
stls_step (GTask        *task,
           HyPop3Status *status,
           GPtrArray    *lines)
{
  HyPop3Client *self = g_task_get_source_object (task);

  if (!status->ok)
    {
      op_fail (task, g_error_new (HY_NET_ERROR, HY_NET_ERROR_STARTTLS_REFUSED,
                                  _ ("The server %s refused to start encryption (“%s”), so "
                                     "nothing was sent. Try again later."),
                                  hy_connection_get_host (self->conn), status->text));
      return;
    }
  hy_connection_start_tls_async (self->conn, g_task_get_cancellable (task), stls_done_cb, task);
}

static void
capa_step (GTask        *task,
           HyPop3Status *status,
           GPtrArray    *lines)
{
  HyPop3Client *self = g_task_get_source_object (task);

  g_hash_table_remove_all (self->caps);
  if (status->ok)
    {
      g_clear_pointer (&self->caps, g_hash_table_unref);
      self->caps = hy_pop3_parse_capa (lines);
    }

  if (hy_connection_get_security (self->conn) == HY_NET_SECURITY_STARTTLS &&
      !hy_connection_is_encrypted (self->conn))
    {
      if (!g_hash_table_contains (self->caps, "STLS"))
        {
          op_fail (task, g_error_new (HY_NET_ERROR, HY_NET_ERROR_STARTTLS_UNAVAILABLE,
                                      _ ("The server %s:%u does not offer STLS, so the "
                                         "connection cannot be encrypted and nothing was sent. "
                                         "Someone may be removing it on the way; check the "
                                         "security settings (try implicit TLS, port 995)."),
                                      hy_connection_get_host (self->conn),
                                      hy_connection_get_port (self->conn)));
          return;
        }
      op_command (task, "STLS", NULL, FALSE, stls_step);
      return;
    }
  op_succeed (task);
}

static void
greeting_step (GTask        *task,
               HyPop3Status *status,
               GPtrArray    *lines)
{
  HyPop3Client *self = g_task_get_source_object (task);

  if (!status->ok)
    {
      /* Translators: what the server refused, completing “The server %s refused %s” */
      op_fail (task, status_error (self, status, _ ("the connection")));
      return;
    }
  g_free (self->apop_stamp);
  self->apop_stamp = hy_pop3_parse_apop_stamp (status->text);
  op_command (task, "CAPA", NULL, TRUE, capa_step);
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!hy_connection_connect_finish (HY_CONNECTION (source), result, &error))
    {
      op_fail (task, error);
      return;
    }
  op_command (task, NULL, NULL, FALSE, greeting_step);
}

/**
 * hy_pop3_client_connect_async:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the session is ready to log in
 * @user_data: data for @callback
 */
void
hy_pop3_client_connect_async (HyPop3Client        *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (HY_IS_POP3_CLIENT (self));

  task = op_begin (self, cancellable, callback, user_data, hy_pop3_client_connect_async);
  if (task == NULL)
    return;
  hy_connection_connect_async (self->conn, cancellable, connected_cb, task);
}

gboolean
hy_pop3_client_connect_finish (HyPop3Client  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- authenticate ----------------------------------------------------------- */

static GError *
auth_error (HyPop3Client *self,
            HyPop3Status *status)
{
  if (g_strcmp0 (status->code, "IN-USE") == 0 || g_strcmp0 (status->code, "SYS/TEMP") == 0)
    /* Translators: what the server refused, completing “The server %s refused %s” */
    return status_error (self, status, _ ("the login"));
  return g_error_new (HY_POP3_ERROR, HY_POP3_ERROR_AUTH_FAILED,
                      _ ("The server %s rejected the login (“%s”). Check the user name and "
                         "password."), hy_connection_get_host (self->conn), status->text);
}

static gboolean auth_fall_back (GTask        *task,
                                HyPop3Status *status);

static void
auth_done_step (GTask        *task,
                HyPop3Status *status,
                GPtrArray    *lines)
{
  HyPop3Client *self = g_task_get_source_object (task);

  if (!status->ok)
    {
      if (!auth_fall_back (task, status))
        op_fail (task, auth_error (self, status));
      return;
    }
  op_succeed (task);
}

static void
pass_step (GTask        *task,
           HyPop3Status *status,
           GPtrArray    *lines)
{
  HyPop3Client *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autofree char *pass = NULL;

  if (!status->ok)
    {
      op_fail (task, auth_error (self, status));
      return;
    }
  pass = g_strdup_printf ("PASS %s", op->secret);
  op_command (task, pass, "PASS ***", FALSE, auth_done_step);
}

static void auth_start (GTask      *task,
                        const char *mech);

/* After the server refused a challenge-response mechanism the client chose
 * itself: tries a password mechanism, or USER/PASS, once (see
 * hy_sasl_choose_fallback_mechanism()).  Returns whether it did. */
static gboolean
auth_fall_back (GTask        *task,
                HyPop3Status *status)
{
  HyPop3Client *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  const char *sasl_caps = g_hash_table_lookup (self->caps, "SASL");
  g_auto(GStrv) offered = sasl_caps != NULL ? g_strsplit (sasl_caps, " ", -1) : NULL;
  const char *failed = op->sasl != NULL ? hy_sasl_get_mechanism (op->sasl) : NULL;
  const char *fallback;

  if (failed == NULL && op->apop_sent)
    failed = "APOP";
  if (!op->auth_automatic || op->oauth || op->auth_fell_back ||
      (!hy_sasl_is_challenge_response (failed) && !op->apop_sent) ||
      g_strcmp0 (status->code, "IN-USE") == 0 || g_strcmp0 (status->code, "SYS/TEMP") == 0)
    return FALSE;
  fallback = hy_sasl_choose_fallback_mechanism ((const char * const *) offered, failed);
  if (fallback == NULL && g_hash_table_size (self->caps) > 0 && !g_hash_table_contains (self->caps, "USER"))
    return FALSE;
  g_debug ("%s refused %s; trying %s once", hy_connection_get_host (self->conn), failed,
           fallback != NULL ? fallback : "USER/PASS");
  op->auth_fell_back = TRUE;
  g_clear_object (&op->sasl);
  auth_start (task, fallback);
  return TRUE;
}

static void
sasl_abort_step (GTask        *task,
                 HyPop3Status *status,
                 GPtrArray    *lines)
{
  GError *error = g_object_steal_data (G_OBJECT (task), "hy-error");

  op_fail (task, error);
}

static void
sasl_step (GTask        *task,
           HyPop3Status *status,
           GPtrArray    *lines)
{
  HyPop3Client *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autofree char *response = NULL;

  if (op->continuation)
    {
      response = hy_sasl_step_base64 (op->sasl, status->text, &error);
      if (response == NULL)
        {
          g_object_set_data (G_OBJECT (task), "hy-error", error);
          op_command (task, "*", NULL, FALSE, sasl_abort_step);
          return;
        }
      op_command (task, response, "***", FALSE, sasl_step);
      return;
    }
  if (!status->ok)
    {
      if (!auth_fall_back (task, status))
        op_fail (task, auth_error (self, status));
      return;
    }
  if (!hy_sasl_check_complete (op->sasl, &error))
    {
      hy_connection_close_async (self->conn, NULL, NULL, NULL);
      op_fail (task, error);
      return;
    }
  op_succeed (task);
}

/**
 * hy_pop3_client_authenticate_async:
 * @self: a connected client
 * @user: the user name
 * @secret: the password, or an OAuth 2.0 access token
 * @secret_is_oauth_token: whether @secret is a token (XOAUTH2)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when logged in
 * @user_data: data for @callback
 */
void
hy_pop3_client_authenticate_async (HyPop3Client        *self,
                                   const char          *user,
                                   const char          *secret,
                                   gboolean             secret_is_oauth_token,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;
  Op *op;
  GError *error = NULL;
  const char *sasl_caps;
  const char *required;
  const char *mech = NULL;

  g_return_if_fail (HY_IS_POP3_CLIENT (self));
  g_return_if_fail (user != NULL && secret != NULL);

  task = op_begin (self, cancellable, callback, user_data, hy_pop3_client_authenticate_async);
  if (task == NULL)
    return;
  op = g_task_get_task_data (task);
  op->user = g_strdup (user);
  op->secret = g_strdup (secret);
  op->oauth = secret_is_oauth_token;

  if (!hy_connection_check_credentials_allowed (self->conn, &error))
    {
      op_fail (task, error);
      return;
    }

  required = hy_connection_get_auth_mechanism (self->conn);
  sasl_caps = g_hash_table_lookup (self->caps, "SASL");
  if (sasl_caps != NULL)
    {
      g_auto(GStrv) offered = g_strsplit (sasl_caps, " ", -1);

      mech = hy_sasl_choose_required_mechanism ((const char * const *) offered, required,
                                                secret_is_oauth_token);
    }
  /* A mechanism chosen in the account's settings is used or nothing is:
   * only "LOGIN" may fall back to USER/PASS, which sends the same. */
  if (required != NULL && mech == NULL &&
      (g_strcmp0 (required, "LOGIN") != 0 ||
       (g_hash_table_size (self->caps) > 0 && !g_hash_table_contains (self->caps, "USER"))))
    {
      op_fail (task, g_error_new (HY_NET_ERROR, HY_NET_ERROR_AUTH_MECHANISM,
                                  _ ("The POP3 server %s does not offer the login method %s that the "
                                     "account is set to use. Choose another method, or “Automatic”, "
                                     "in the account’s settings."),
                                  hy_connection_get_host (self->conn), required));
      return;
    }

  op->auth_automatic = required == NULL;
  auth_start (task, mech);
}

/* Sends AUTH @mech, or with %NULL APOP or USER/PASS, for the login in
 * @task's Op. */
static void
auth_start (GTask      *task,
            const char *mech)
{
  HyPop3Client *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (mech != NULL)
    {
      g_autofree char *command = NULL;
      g_autofree char *trace = NULL;

      op->sasl = hy_sasl_new (mech, op->user, op->secret);
      op->allow_continuation = TRUE;
      if (hy_sasl_has_initial_response (op->sasl))
        {
          g_autofree char *initial = hy_sasl_step_base64 (op->sasl, NULL, &error);

          if (initial == NULL)
            {
              op_fail (task, error);
              return;
            }
          command = g_strdup_printf ("AUTH %s %s", mech, *initial != '\0' ? initial : "=");
          trace = g_strdup_printf ("AUTH %s ***", mech);
        }
      else
        command = g_strdup_printf ("AUTH %s", mech);
      op_command (task, command, trace, FALSE, sasl_step);
      return;
    }

  if (op->oauth)
    {
      op_fail (task, g_error_new (HY_POP3_ERROR, HY_POP3_ERROR_AUTH_UNAVAILABLE,
                                  _ ("The server %s does not accept OAuth 2.0 logins."),
                                  hy_connection_get_host (self->conn)));
      return;
    }

  if (self->apop_stamp != NULL && op->auth_automatic && !op->auth_fell_back &&
      !hy_connection_is_encrypted (self->conn))
    {
      g_autofree char *seed = g_strconcat (self->apop_stamp, op->secret, NULL);
      g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_MD5, seed, -1);
      g_autofree char *command = g_strdup_printf ("APOP %s %s", op->user, digest);
      g_autofree char *trace = g_strdup_printf ("APOP %s ***", op->user);

      op->apop_sent = TRUE;
      op_command (task, command, trace, FALSE, auth_done_step);
      return;
    }

  if (g_hash_table_size (self->caps) > 0 && !g_hash_table_contains (self->caps, "USER"))
    {
      op_fail (task, g_error_new (HY_POP3_ERROR, HY_POP3_ERROR_AUTH_UNAVAILABLE,
                                  _ ("The server %s offers no login method Hongyan supports."),
                                  hy_connection_get_host (self->conn)));
      return;
    }
  {
    g_autofree char *command = g_strdup_printf ("USER %s", op->user);

    op_command (task, command, NULL, FALSE, pass_step);
  }
}

gboolean
hy_pop3_client_authenticate_finish (HyPop3Client  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- STAT, LIST, UIDL ------------------------------------------------------- */

static void
stat_step (GTask        *task,
           HyPop3Status *status,
           GPtrArray    *lines)
{
  HyPop3Client *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (!status->ok)
    {
      op_fail (task, status_error (self, status, "STAT"));
      return;
    }
  if (!hy_pop3_parse_stat (status->text, &op->count, &op->size, &error))
    {
      error->domain = HY_POP3_ERROR;
      op_fail (task, error);
      return;
    }
  op_succeed (task);
}

void
hy_pop3_client_stat_async (HyPop3Client        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (HY_IS_POP3_CLIENT (self));
  task = op_begin (self, cancellable, callback, user_data, hy_pop3_client_stat_async);
  if (task != NULL)
    op_command (task, "STAT", NULL, FALSE, stat_step);
}

/**
 * hy_pop3_client_stat_finish:
 * @self: a client
 * @result: the result
 * @count: (out) (optional): number of messages
 * @size: (out) (optional): total size in octets
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
hy_pop3_client_stat_finish (HyPop3Client  *self,
                            GAsyncResult  *result,
                            guint         *count,
                            guint64       *size,
                            GError       **error)
{
  Op *op;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  op = g_task_get_task_data (G_TASK (result));
  if (count != NULL)
    *count = op->count;
  if (size != NULL)
    *size = op->size;
  return TRUE;
}

static void
listing_step (GTask        *task,
              HyPop3Status *status,
              GPtrArray    *lines)
{
  HyPop3Client *self = g_task_get_source_object (task);
  gboolean uidl = g_task_get_source_tag (task) == hy_pop3_client_uidl_async;
  g_autoptr(GPtrArray) listings = NULL;

  if (!status->ok)
    {
      if (uidl)
        op_fail (task, g_error_new (HY_POP3_ERROR, HY_POP3_ERROR_UNSUPPORTED,
                                    _ ("The server %s cannot list unique message ids (UIDL: "
                                       "“%s”)."), hy_connection_get_host (self->conn), status->text));
      else
        op_fail (task, status_error (self, status, "LIST"));
      return;
    }

  listings = g_ptr_array_new_full (lines->len, (GDestroyNotify) hy_pop3_listing_free);
  for (guint i = 0; i < lines->len; i++)
    {
      GError *error = NULL;
      const char *line = g_ptr_array_index (lines, i);
      HyPop3Listing *l = uidl ? hy_pop3_parse_uidl_line (line, &error)
                              : hy_pop3_parse_list_line (line, &error);

      if (l == NULL)
        {
          GError *wrapped = g_error_new (HY_POP3_ERROR, HY_POP3_ERROR_PROTOCOL,
                                         _ ("The server %s sent a malformed listing (%s)."),
                                         hy_connection_get_host (self->conn), error->message);
          g_error_free (error);
          op_fail (task, wrapped);
          return;
        }
      g_ptr_array_add (listings, l);
    }
  op_succeed_pointer (task, g_steal_pointer (&listings), (GDestroyNotify) g_ptr_array_unref);
}

/**
 * hy_pop3_client_list_async:
 * @self: a logged-in client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the listing
 * @user_data: data for @callback
 *
 * LIST: number and size of every message.
 */
void
hy_pop3_client_list_async (HyPop3Client        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (HY_IS_POP3_CLIENT (self));
  task = op_begin (self, cancellable, callback, user_data, hy_pop3_client_list_async);
  if (task != NULL)
    op_command (task, "LIST", NULL, TRUE, listing_step);
}

/**
 * hy_pop3_client_list_finish:
 * @self: a client
 * @result: the result
 * @error: return location for a #GError
 *
 * Returns: (transfer container) (element-type HyPop3Listing): the listing
 */
GPtrArray *
hy_pop3_client_list_finish (HyPop3Client  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * hy_pop3_client_uidl_async:
 * @self: a logged-in client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the listing
 * @user_data: data for @callback
 *
 * UIDL: number and unique id of every message.
 */
void
hy_pop3_client_uidl_async (HyPop3Client        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (HY_IS_POP3_CLIENT (self));
  task = op_begin (self, cancellable, callback, user_data, hy_pop3_client_uidl_async);
  if (task != NULL)
    op_command (task, "UIDL", NULL, TRUE, listing_step);
}

/**
 * hy_pop3_client_uidl_finish:
 * @self: a client
 * @result: the result
 * @error: return location for a #GError
 *
 * Returns: (transfer container) (element-type HyPop3Listing): the listing
 */
GPtrArray *
hy_pop3_client_uidl_finish (HyPop3Client  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- RETR and TOP: streamed, dot-unstuffed --------------------------------- */

static void retr_read_more (GTask *task);

static void
retr_flushed_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      HyPop3Client *self = g_task_get_source_object (task);

      /* The rest of the message is still on the wire: the session is lost. */
      hy_connection_close_async (self->conn, NULL, NULL, NULL);
      op_fail (task, error);
      return;
    }
  g_byte_array_set_size (op->buffer, 0);
  if (op->end)
    {
      op_succeed (task);
      return;
    }
  retr_read_more (task);
}

static void
retr_flush (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  g_output_stream_write_all_async (op->output, op->buffer->data, op->buffer->len,
                                   G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                   retr_flushed_cb, task);
}

/* Adds one line of the message; returns FALSE at the terminating ".". */
static gboolean
retr_take_line (Op         *op,
                const char *line,
                gsize       len)
{
  if (len == 1 && line[0] == '.')
    {
      op->end = TRUE;
      return FALSE;
    }
  if (line[0] == '.')
    line++, len--;
  g_byte_array_append (op->buffer, (const guint8 *) line, len);
  g_byte_array_append (op->buffer, (const guint8 *) "\r\n", 2);
  op->size += len + 2;
  return TRUE;
}

static void
retr_line_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autofree char *line = NULL;
  gsize len = 0;

  line = hy_connection_read_line_finish (HY_CONNECTION (source), result, &len, &error);
  if (line == NULL)
    {
      op_fail (task, error);
      return;
    }
  if (!retr_take_line (op, line, len) || op->buffer->len >= FLUSH_SIZE)
    {
      retr_flush (task);
      return;
    }
  retr_read_more (task);
}

static void
retr_read_more (GTask *task)
{
  HyPop3Client *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  /* Take what is already buffered without a main loop round trip. */
  for (;;)
    {
      GError *error = NULL;
      gsize len = 0;
      g_autofree char *line = hy_connection_read_line_buffered (self->conn, &len, &error);

      if (error != NULL)
        {
          op_fail (task, error);
          return;
        }
      if (line == NULL)
        break;
      if (!retr_take_line (op, line, len) || op->buffer->len >= FLUSH_SIZE)
        {
          retr_flush (task);
          return;
        }
    }
  hy_connection_read_line_async (self->conn, g_task_get_cancellable (task), retr_line_cb, task);
}

static void
retr_step (GTask        *task,
           HyPop3Status *status,
           GPtrArray    *lines)
{
  HyPop3Client *self = g_task_get_source_object (task);

  if (!status->ok)
    {
      /* Translators: what the server refused, completing “The server %s refused %s” */
      op_fail (task, status_error (self, status, _ ("to send the message")));
      return;
    }
  retr_read_more (task);
}

static void
retrieve (HyPop3Client        *self,
          const char          *command,
          GOutputStream       *output,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data,
          gpointer             tag)
{
  GTask *task = op_begin (self, cancellable, callback, user_data, tag);
  Op *op;

  if (task == NULL)
    return;
  op = g_task_get_task_data (task);
  op->output = g_object_ref (output);
  op->buffer = g_byte_array_sized_new (FLUSH_SIZE + 1024);
  op_command (task, command, NULL, FALSE, retr_step);
}

/**
 * hy_pop3_client_retr_async:
 * @self: a logged-in client
 * @number: message number
 * @output: where the message goes, with CRLF line ends and no byte-stuffing;
 *   it is written as the message arrives, never held whole in memory
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the whole message is written
 * @user_data: data for @callback
 *
 * Finish with hy_pop3_client_retr_finish().
 */
void
hy_pop3_client_retr_async (HyPop3Client        *self,
                           guint                number,
                           GOutputStream       *output,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autofree char *command = NULL;

  g_return_if_fail (HY_IS_POP3_CLIENT (self));
  g_return_if_fail (G_IS_OUTPUT_STREAM (output));
  command = g_strdup_printf ("RETR %u", number);
  retrieve (self, command, output, cancellable, callback, user_data, hy_pop3_client_retr_async);
}

/**
 * hy_pop3_client_top_async:
 * @self: a logged-in client
 * @number: message number
 * @lines: how many body lines after the header
 * @output: where the header and lines go
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Finish with hy_pop3_client_retr_finish().
 */
void
hy_pop3_client_top_async (HyPop3Client        *self,
                          guint                number,
                          guint                lines,
                          GOutputStream       *output,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autofree char *command = NULL;

  g_return_if_fail (HY_IS_POP3_CLIENT (self));
  g_return_if_fail (G_IS_OUTPUT_STREAM (output));
  command = g_strdup_printf ("TOP %u %u", number, lines);
  retrieve (self, command, output, cancellable, callback, user_data, hy_pop3_client_top_async);
}

/**
 * hy_pop3_client_retr_finish:
 * @self: a client
 * @result: the result of RETR or TOP
 * @size: (out) (optional): bytes written to the output
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
hy_pop3_client_retr_finish (HyPop3Client  *self,
                            GAsyncResult  *result,
                            guint64       *size,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  if (size != NULL)
    *size = ((Op *) g_task_get_task_data (G_TASK (result)))->size;
  return TRUE;
}

/* ---- DELE (pipelined), RSET, NOOP, QUIT ------------------------------------ */

static void dele_next (GTask *task);

static void
dele_step (GTask        *task,
           HyPop3Status *status,
           GPtrArray    *lines)
{
  HyPop3Client *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  if (!status->ok && g_object_get_data (G_OBJECT (task), "hy-error") == NULL)
    {
      g_autofree char *what = g_strdup_printf ("to delete message %u", op->numbers[op->done]);

      g_object_set_data_full (G_OBJECT (task), "hy-error", status_error (self, status, what),
                              (GDestroyNotify) g_error_free);
    }
  op->done++;
  if (op->done < op->n_numbers)
    {
      dele_next (task);
      return;
    }
  if (g_object_get_data (G_OBJECT (task), "hy-error") != NULL)
    {
      op_fail (task, g_object_steal_data (G_OBJECT (task), "hy-error"));
      return;
    }
  op_succeed (task);
}

static void
dele_next (GTask *task)
{
  HyPop3Client *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  if (g_hash_table_contains (self->caps, "PIPELINING"))
    {
      /* All DELE commands went in one write; read the next status. */
      op_command (task, NULL, NULL, FALSE, dele_step);
      return;
    }
  {
    g_autofree char *command = g_strdup_printf ("DELE %u", op->numbers[op->done]);

    op_command (task, command, NULL, FALSE, dele_step);
  }
}

static void
dele_batch_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!hy_connection_write_finish (HY_CONNECTION (source), result, &error))
    {
      op_fail (task, error);
      return;
    }
  dele_next (task);
}

/**
 * hy_pop3_client_dele_async:
 * @self: a logged-in client
 * @numbers: (array length=n_numbers): messages to mark as deleted
 * @n_numbers: how many
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when all are marked
 * @user_data: data for @callback
 *
 * Marks messages as deleted; QUIT makes it final, RSET undoes it.  With the
 * PIPELINING capability all commands go in one batch.
 */
void
hy_pop3_client_dele_async (HyPop3Client        *self,
                           const guint         *numbers,
                           guint                n_numbers,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;
  Op *op;

  g_return_if_fail (HY_IS_POP3_CLIENT (self));
  g_return_if_fail (numbers != NULL && n_numbers > 0);

  task = op_begin (self, cancellable, callback, user_data, hy_pop3_client_dele_async);
  if (task == NULL)
    return;
  op = g_task_get_task_data (task);
  op->numbers = g_memdup2 (numbers, n_numbers * sizeof (guint));
  op->n_numbers = n_numbers;

  if (g_hash_table_contains (self->caps, "PIPELINING"))
    {
      g_autoptr(GString) batch = g_string_new (NULL);

      for (guint i = 0; i < n_numbers; i++)
        g_string_append_printf (batch, "DELE %u\r\n", numbers[i]);
      hy_connection_write_string_async (self->conn, batch->str, NULL, cancellable,
                                        dele_batch_cb, task);
      return;
    }
  dele_next (task);
}

gboolean
hy_pop3_client_dele_finish (HyPop3Client  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
simple_step (GTask        *task,
             HyPop3Status *status,
             GPtrArray    *lines)
{
  HyPop3Client *self = g_task_get_source_object (task);

  if (!status->ok)
    {
      op_fail (task, status_error (self, status, g_task_get_name (task)));
      return;
    }
  op_succeed (task);
}

static void
simple_command (HyPop3Client        *self,
                const char          *command,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  GTask *task = op_begin (self, cancellable, callback, user_data, hy_pop3_client_simple_finish);

  if (task == NULL)
    return;
  g_task_set_name (task, command);
  op_command (task, command, NULL, FALSE, simple_step);
}

/**
 * hy_pop3_client_rset_async:
 * @self: a logged-in client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done; finish with hy_pop3_client_simple_finish()
 * @user_data: data for @callback
 *
 * Unmarks every message marked as deleted.
 */
void
hy_pop3_client_rset_async (HyPop3Client        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (HY_IS_POP3_CLIENT (self));
  simple_command (self, "RSET", cancellable, callback, user_data);
}

/**
 * hy_pop3_client_noop_async:
 * @self: a logged-in client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done; finish with hy_pop3_client_simple_finish()
 * @user_data: data for @callback
 */
void
hy_pop3_client_noop_async (HyPop3Client        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (HY_IS_POP3_CLIENT (self));
  simple_command (self, "NOOP", cancellable, callback, user_data);
}

gboolean
hy_pop3_client_simple_finish (HyPop3Client  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
quit_closed_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = g_object_steal_data (G_OBJECT (task), "hy-error");

  hy_connection_close_finish (HY_CONNECTION (source), result, NULL);
  if (error != NULL)
    op_fail (task, error);
  else
    op_succeed (task);
}

static void
quit_step (GTask        *task,
           HyPop3Status *status,
           GPtrArray    *lines)
{
  HyPop3Client *self = g_task_get_source_object (task);

  /* -ERR to QUIT means the deletions could not be made (RFC 1939 6). */
  if (!status->ok)
    g_object_set_data (G_OBJECT (task), "hy-error",
                       /* Translators: what the server refused, completing “The server %s refused %s” */
                       status_error (self, status, _ ("to delete the marked messages")));
  hy_connection_close_async (self->conn, NULL, quit_closed_cb, task);
}

/**
 * hy_pop3_client_quit_async:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the session is over
 * @user_data: data for @callback
 *
 * Ends the session; messages marked as deleted are removed now.  Fails if the
 * server could not remove them.
 */
void
hy_pop3_client_quit_async (HyPop3Client        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (HY_IS_POP3_CLIENT (self));
  task = op_begin (self, cancellable, callback, user_data, hy_pop3_client_quit_async);
  if (task != NULL)
    op_command (task, "QUIT", NULL, FALSE, quit_step);
}

gboolean
hy_pop3_client_quit_finish (HyPop3Client  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
