/* hy-imap-client.c — an IMAP4rev1 client session on one connection: the
 * command queue, the response reader, greeting, STARTTLS, login and the
 * session-level commands
 *
 * Commands are queued and sent in order.  Independent commands are
 * pipelined: one is sent while others are in flight unless it, or one in
 * flight, is exclusive (it changes the session's state or needs "+"
 * continuations), or both collect the same kind of untagged data (two
 * FETCHes would not know whose results are whose).  One reader runs while
 * any command is in flight; it assembles each response from its lines and
 * literals, parses it and hands it to the command that collects that kind of
 * data, or to the "untagged" signal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-imap"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "imap/hy-imap-client-private.h"
#include "imap/hy-imap-error.h"
#include "imap/hy-imap-quote.h"
#include "imap/hy-imap-utf7.h"
#include "net/hy-net-error.h"
#include "net/hy-sasl.h"

/* A literal larger than this from the server is refused as hostile. */
#define MAX_LITERAL (512u * 1024u * 1024u)
/* Literals up to this size are gathered in the connection's buffer. */
#define SMALL_LITERAL (64u * 1024u)
/* Non-synchronising literals with LITERAL- (RFC 7888) */
#define LITERAL_MINUS_MAX 4096
#define DEFAULT_IDLE_TIMEOUT (29 * 60)

typedef struct {
  GBytes   *data;
  gboolean  wait_continuation;
  char     *trace;
} Chunk;

typedef struct {
  char *line;
  char *trace;
} RawLine;

static void
raw_line_free (RawLine *raw)
{
  g_free (raw->line);
  g_free (raw->trace);
  g_free (raw);
}

struct _HyImapClient {
  GObject        parent_instance;

  HyConnection  *connection;
  HyImapState    state;
  char         **capabilities;
  guint          next_tag;
  HyImapParseFlags parse_flags;
  gboolean       utf8_enabled;
  gboolean       qresync_enabled;
  gboolean       condstore_enabled;
  char          *selected;
  guint32        exists;
  guint          idle_timeout;

  GQueue         pending;      /* HyImapCommand, not yet sent */
  GQueue         raw_lines;    /* RawLine: SASL responses, DONE */
  GQueue         inflight;     /* HyImapCommand, sent or being sent */
  HyImapCommand *sending;      /* the command whose chunks are being written */
  gboolean       writing;
  /* A "+" that came while the chunk that asks for it was still being
   * written (the server answered before the write's callback ran). */
  gboolean       early_continuation;
  gboolean       reading;
  GByteArray    *response;     /* response being assembled */
  GCancellable  *cancellable;  /* for the reader; cancelled on dispose */
  GError        *broken;
  char          *bye_text;

  GTask         *greeting_task;
  HyImapCommand *idle_cmd;
  gboolean       idling;
  gboolean       idle_done_sent;
  guint          idle_timer;
};

G_DEFINE_FINAL_TYPE (HyImapClient, hy_imap_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONNECTION,
  PROP_STATE,
  N_PROPS
};

enum {
  SIGNAL_UNTAGGED,
  SIGNAL_ALERT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void pump_writes (HyImapClient *self);
static void pump_reads (HyImapClient *self);
static void fail_all (HyImapClient *self, GError *error);

/* ---- small helpers ------------------------------------------------------ */

static const char *
host (HyImapClient *self)
{
  return hy_connection_get_host (self->connection);
}

static void
set_state (HyImapClient *self,
           HyImapState   state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_capabilities (HyImapClient *self,
                  char        **caps)
{
  g_strfreev (self->capabilities);
  self->capabilities = g_strdupv (caps);
}

gboolean
_hy_imap_client_utf8_enabled (HyImapClient *self)
{
  return self->utf8_enabled;
}

/* Names as on the wire; INBOX is the one name without case. */
gboolean
_hy_imap_mailbox_names_equal (const char *a,
                              const char *b)
{
  if (strcmp (a, b) == 0)
    return TRUE;
  return g_ascii_strcasecmp (a, "INBOX") == 0 && g_ascii_strcasecmp (b, "INBOX") == 0;
}

gboolean
_hy_imap_client_qresync_enabled (HyImapClient *self)
{
  return self->qresync_enabled;
}

/**
 * hy_imap_client_get_exists:
 *
 * Returns: the number of messages in the selected mailbox, kept up to date
 *   with the EXISTS, EXPUNGE and VANISHED the server sends
 */
guint32
hy_imap_client_get_exists (HyImapClient *self)
{
  g_return_val_if_fail (HY_IS_IMAP_CLIENT (self), 0);
  return self->exists;
}

void
_hy_imap_client_set_selected (HyImapClient *self,
                              const char   *mailbox)
{
  g_free (self->selected);
  self->selected = g_strdup (mailbox);
  set_state (self, mailbox != NULL ? HY_IMAP_STATE_SELECTED : HY_IMAP_STATE_AUTHENTICATED);
}

/* The host name for error messages of the split files. */
const char *
_hy_imap_client_host (HyImapClient *self)
{
  return host (self);
}

/* Makes the task of a command, or returns NULL after failing it at once
 * when the session is not in a state that allows the command. */
GTask *
_hy_imap_client_start_task (HyImapClient        *self,
                            gpointer             tag,
                            HyImapState          least,
                            const char          *what,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, tag);
  if (!_hy_imap_client_check_state (self, least, what, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return NULL;
    }
  return task;
}

gboolean
_hy_imap_client_check_state (HyImapClient *self,
                             HyImapState   least,
                             const char   *what,
                             GError      **error)
{
  if (self->broken != NULL)
    {
      /* Translators: the first %s is an action such as “open a mailbox” */
      g_set_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_STATE,
                   _ ("Cannot %s: the connection to the IMAP server %s is closed (%s)."),
                   what, host (self), self->broken->message);
      return FALSE;
    }
  /* A command queued behind a SELECT runs in the mailbox it selects. */
  if (least == HY_IMAP_STATE_SELECTED && self->state == HY_IMAP_STATE_AUTHENTICATED)
    {
      for (GList *l = self->inflight.head; l != NULL; l = l->next)
        if (((HyImapCommand *) l->data)->deselect_on_failure)
          return TRUE;
      for (GList *l = self->pending.head; l != NULL; l = l->next)
        if (((HyImapCommand *) l->data)->deselect_on_failure)
          return TRUE;
    }
  if (self->state < least || self->state == HY_IMAP_STATE_LOGOUT)
    {
      static const char * const needs[] = {
        /* Translators: what must come first, completing “Cannot %s on the IMAP server %s before %s” */
        N_ ("a connection"), N_ ("a connection"), N_ ("a login"), N_ ("a selected mailbox"),
        N_ ("a connection"),
      };

      /* Translators: the first %s is an action such as “open a mailbox” */
      g_set_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_STATE,
                   _ ("Cannot %s on the IMAP server %s before %s."), what, host (self), _ (needs[least]));
      return FALSE;
    }
  return TRUE;
}

/* ---- commands ----------------------------------------------------------- */

static void
chunk_free (Chunk *chunk)
{
  g_bytes_unref (chunk->data);
  g_free (chunk->trace);
  g_free (chunk);
}

HyImapCommand *
_hy_imap_command_new (HyImapClient *self,
                      const char   *name,
                      GTask        *task)
{
  HyImapCommand *cmd = g_new0 (HyImapCommand, 1);

  cmd->ref_count = 1;
  cmd->tag = g_strdup_printf ("H%u", ++self->next_tag);
  cmd->name = g_strdup (name);
  cmd->chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) chunk_free);
  cmd->cur = g_string_new (cmd->tag);
  g_string_append_c (cmd->cur, ' ');
  g_string_append (cmd->cur, name);
  cmd->responses = g_ptr_array_new_with_free_func ((GDestroyNotify) hy_imap_response_unref);
  cmd->task = task != NULL ? g_object_ref (task) : NULL;
  cmd->no_code = HY_IMAP_ERROR_REFUSED;
  return cmd;
}

HyImapCommand *
_hy_imap_command_ref (HyImapCommand *cmd)
{
  cmd->ref_count++;
  return cmd;
}

void
_hy_imap_command_unref (HyImapCommand *cmd)
{
  if (cmd == NULL || --cmd->ref_count > 0)
    return;
  if (cmd->cancellable != NULL)
    {
      g_cancellable_disconnect (cmd->cancellable, cmd->cancelled_id);
      g_object_unref (cmd->cancellable);
    }
  g_free (cmd->tag);
  g_free (cmd->name);
  g_free (cmd->match);
  g_clear_pointer (&cmd->uid_set, g_array_unref);
  g_ptr_array_unref (cmd->chunks);
  if (cmd->cur != NULL)
    g_string_free (cmd->cur, TRUE);
  g_ptr_array_unref (cmd->responses);
  g_clear_pointer (&cmd->tagged, hy_imap_response_unref);
  g_clear_object (&cmd->task);
  if (cmd->op_data_free != NULL)
    cmd->op_data_free (cmd->op_data);
  g_free (cmd);
}

void
_hy_imap_command_add (HyImapCommand *cmd,
                      const char    *text)
{
  g_string_append (cmd->cur, text);
}

void
_hy_imap_command_add_printf (HyImapCommand *cmd,
                             const char    *format,
                             ...)
{
  va_list args;

  va_start (args, format);
  g_string_append_vprintf (cmd->cur, format, args);
  va_end (args);
}

static void
close_chunk (HyImapCommand *cmd,
             gboolean       wait_continuation)
{
  Chunk *chunk = g_new0 (Chunk, 1);
  gsize len = cmd->cur->len;

  chunk->data = g_string_free_to_bytes (cmd->cur);
  chunk->wait_continuation = wait_continuation;
  if (cmd->secret)
    chunk->trace = g_strdup_printf ("%s %s ***", cmd->tag, cmd->name);
  else if (len > 2048)
    chunk->trace = g_strdup_printf ("%s %s … (%" G_GSIZE_FORMAT " bytes)", cmd->tag, cmd->name, len);
  g_ptr_array_add (cmd->chunks, chunk);
  cmd->cur = g_string_new (NULL);
}

void
_hy_imap_command_add_literal (HyImapClient  *self,
                              HyImapCommand *cmd,
                              GBytes        *data)
{
  gsize size = g_bytes_get_size (data);
  gboolean non_sync = hy_imap_client_has_capability (self, "LITERAL+") ||
                      (hy_imap_client_has_capability (self, "LITERAL-") && size <= LITERAL_MINUS_MAX);
  Chunk *chunk;

  g_string_append_printf (cmd->cur, non_sync ? "{%" G_GSIZE_FORMAT "+}\r\n" : "{%" G_GSIZE_FORMAT "}\r\n", size);
  if (size <= 4096)
    {
      if (!non_sync)
        close_chunk (cmd, TRUE);
      g_string_append_len (cmd->cur, g_bytes_get_data (data, NULL), size);
      return;
    }

  /* A large literal (a message being appended) goes out as its own chunk,
   * sharing the caller's bytes instead of copying them. */
  close_chunk (cmd, !non_sync);
  chunk = g_new0 (Chunk, 1);
  chunk->data = g_bytes_ref (data);
  chunk->trace = g_strdup_printf ("[%" G_GSIZE_FORMAT " bytes of literal data]", size);
  g_ptr_array_add (cmd->chunks, chunk);
}

void
_hy_imap_command_add_string (HyImapClient  *self,
                             HyImapCommand *cmd,
                             const char    *data,
                             gsize          len)
{
  switch (hy_imap_arg_classify (data, len, self->utf8_enabled))
    {
    case HY_IMAP_ARG_ATOM:
      g_string_append_len (cmd->cur, data, len);
      break;
    case HY_IMAP_ARG_QUOTED:
      hy_imap_append_quoted (cmd->cur, data, len);
      break;
    case HY_IMAP_ARG_LITERAL:
    default:
      {
        g_autoptr(GBytes) bytes = g_bytes_new (data, len);

        _hy_imap_command_add_literal (self, cmd, bytes);
      }
      break;
    }
}

gboolean
_hy_imap_command_add_mailbox (HyImapClient  *self,
                              HyImapCommand *cmd,
                              const char    *utf8,
                              GError       **error)
{
  g_autofree char *wire = NULL;

  if (!g_utf8_validate (utf8, -1, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("The mailbox name is not valid UTF-8."));
      return FALSE;
    }
  if (self->utf8_enabled)
    wire = g_strdup (utf8);
  else
    wire = hy_imap_utf7_encode (utf8);
  _hy_imap_command_add_string (self, cmd, wire, strlen (wire));
  return TRUE;
}

void
_hy_imap_command_return_pointer (HyImapCommand  *cmd,
                                 gpointer        result,
                                 GDestroyNotify  result_free)
{
  g_autoptr(GTask) task = g_steal_pointer (&cmd->task);

  if (task != NULL)
    g_task_return_pointer (task, result, result_free);
  else if (result != NULL && result_free != NULL)
    result_free (result);
}

void
_hy_imap_command_return_error (HyImapCommand *cmd,
                               GError        *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&cmd->task);

  if (task != NULL)
    g_task_return_error (task, error);
  else
    {
      g_debug ("%s %s failed after its caller left: %s", cmd->tag, cmd->name, error->message);
      g_error_free (error);
    }
}

static void
command_return (HyImapClient  *self,
                HyImapCommand *cmd,
                GError        *error)
{
  g_autoptr(GTask) task = NULL;

  if (error != NULL)
    {
      _hy_imap_command_return_error (cmd, error);
      return;
    }
  if (cmd->done != NULL)
    cmd->done (self, cmd);
  task = g_steal_pointer (&cmd->task);
  if (task != NULL)
    g_task_return_boolean (task, TRUE);
}

static gboolean
cancel_idle_cb (gpointer data)
{
  HyImapCommand *cmd = data;
  HyImapClient *self;
  GList *link;

  if (cmd->task == NULL)
    return G_SOURCE_REMOVE;
  self = g_task_get_source_object (cmd->task);

  if ((link = g_queue_find (&self->pending, cmd)) != NULL)
    {
      g_queue_delete_link (&self->pending, link);
      if (cmd == self->idle_cmd)
        self->idle_cmd = NULL;
      command_return (self, cmd, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                              _ ("The operation was cancelled.")));
      _hy_imap_command_unref (cmd);
      pump_writes (self);
      return G_SOURCE_REMOVE;
    }
  if (cmd == self->idle_cmd)
    {
      hy_imap_client_idle_stop (self);
      return G_SOURCE_REMOVE;
    }
  /* In flight: the server will still answer, and the session must stay in
   * step with it; only the caller stops waiting. */
  command_return (self, cmd, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                          _ ("The operation was cancelled.")));
  return G_SOURCE_REMOVE;
}

static void
on_cancelled (GCancellable *cancellable,
              gpointer      data)
{
  HyImapCommand *cmd = data;
  GMainContext *context = cmd->task != NULL ? g_task_get_context (cmd->task) : NULL;
  GSource *source = g_idle_source_new ();

  /* Always from an idle: the caller may cancel from inside one of our
   * callbacks, and the queues must not change under the code that runs it. */
  g_source_set_callback (source, cancel_idle_cb, _hy_imap_command_ref (cmd),
                         (GDestroyNotify) _hy_imap_command_unref);
  g_source_set_name (source, "[hongyan] IMAP command cancelled");
  g_source_attach (source, context);
  g_source_unref (source);
}

void
_hy_imap_client_submit (HyImapClient  *self,
                        HyImapCommand *cmd)
{
  GError *error = NULL;

  g_string_append (cmd->cur, "\r\n");
  close_chunk (cmd, FALSE);
  g_string_free (g_steal_pointer (&cmd->cur), TRUE);

  if (self->broken != NULL)
    {
      _hy_imap_client_check_state (self, HY_IMAP_STATE_NOT_AUTHENTICATED, cmd->name, &error);
      command_return (self, cmd, error);
      _hy_imap_command_unref (cmd);
      return;
    }

  if (cmd->task != NULL && g_task_get_cancellable (cmd->task) != NULL)
    {
      if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (cmd->task), &error))
        {
          if (cmd == self->idle_cmd)
            self->idle_cmd = NULL;
          command_return (self, cmd, error);
          _hy_imap_command_unref (cmd);
          return;
        }
      cmd->cancellable = g_object_ref (g_task_get_cancellable (cmd->task));
    }

  g_queue_push_tail (&self->pending, cmd);
  if (cmd->cancellable != NULL)
    cmd->cancelled_id = g_cancellable_connect (cmd->cancellable, G_CALLBACK (on_cancelled), cmd, NULL);
  pump_writes (self);
}

/* ---- writing ------------------------------------------------------------ */

static gboolean
uid_sets_overlap (GArray *a,
                  GArray *b)
{
  for (guint i = 0; i < a->len; i++)
    for (guint j = 0; j < b->len; j++)
      {
        HyImapRange *x = &g_array_index (a, HyImapRange, i);
        HyImapRange *y = &g_array_index (b, HyImapRange, j);

        if (x->first <= y->last && y->first <= x->last)
          return TRUE;
      }
  return FALSE;
}

static gboolean
can_send (HyImapClient  *self,
          HyImapCommand *cmd)
{
  if (self->inflight.length == 0)
    return TRUE;
  if (cmd->exclusive)
    return FALSE;
  for (GList *l = self->inflight.head; l != NULL; l = l->next)
    {
      HyImapCommand *other = l->data;

      if (other->exclusive)
        return FALSE;
      /* Two STATUS commands can share the wire: each response names its
       * mailbox. */
      if ((other->collect & cmd->collect) != 0 &&
          (other->match == NULL || cmd->match == NULL || _hy_imap_mailbox_names_equal (other->match, cmd->match)))
        {
          /* UID FETCHes of disjoint UID sets can share the wire too: each
           * result names its UID. */
          if (other->uid_set != NULL && cmd->uid_set != NULL &&
              (other->collect & ~HY_IMAP_COLLECT (HY_IMAP_DATA_FETCH) & cmd->collect) == 0 &&
              !uid_sets_overlap (other->uid_set, cmd->uid_set))
            continue;
          return FALSE;
        }
    }
  return TRUE;
}

static void
write_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  g_autoptr(HyImapClient) self = data;
  g_autoptr(GError) error = NULL;

  self->writing = FALSE;
  if (!hy_connection_write_finish (HY_CONNECTION (source), result, &error))
    {
      fail_all (self, g_steal_pointer (&error));
      return;
    }

  if (self->sending != NULL)
    {
      HyImapCommand *cmd = self->sending;
      Chunk *sent = g_ptr_array_index (cmd->chunks, cmd->next_chunk - 1);

      if (sent->wait_continuation)
        {
          cmd->waiting_continuation = !self->early_continuation;
          self->early_continuation = FALSE;
        }
      else if (cmd->next_chunk >= cmd->chunks->len)
        self->sending = NULL;
    }
  pump_writes (self);
}

static void
send_chunk (HyImapClient  *self,
            HyImapCommand *cmd)
{
  Chunk *chunk = g_ptr_array_index (cmd->chunks, cmd->next_chunk++);

  self->writing = TRUE;
  hy_connection_write_async (self->connection, chunk->data, chunk->trace, NULL,
                             write_cb, g_object_ref (self));
}

static void raw_write_cb (GObject *source, GAsyncResult *result, gpointer data);

static void
pump_writes (HyImapClient *self)
{
  HyImapCommand *cmd;
  RawLine *raw;

  if (self->writing || self->broken != NULL)
    return;

  if ((raw = g_queue_pop_head (&self->raw_lines)) != NULL)
    {
      self->writing = TRUE;
      hy_connection_write_string_async (self->connection, raw->line, raw->trace, NULL,
                                        raw_write_cb, g_object_ref (self));
      raw_line_free (raw);
      return;
    }

  if (self->sending != NULL)
    {
      if (!self->sending->waiting_continuation && self->sending->next_chunk < self->sending->chunks->len)
        send_chunk (self, self->sending);
      return;
    }

  cmd = g_queue_peek_head (&self->pending);
  if (cmd == NULL || !can_send (self, cmd))
    return;

  g_queue_pop_head (&self->pending);
  g_queue_push_tail (&self->inflight, cmd);
  self->sending = cmd;
  send_chunk (self, cmd);
  pump_reads (self);
}

static void
raw_write_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(HyImapClient) self = data;
  g_autoptr(GError) error = NULL;

  self->writing = FALSE;
  if (!hy_connection_write_finish (HY_CONNECTION (source), result, &error))
    {
      fail_all (self, g_steal_pointer (&error));
      return;
    }
  pump_writes (self);
}

/* Sends a line that is not a command: a SASL response, IDLE's DONE.  It
 * goes before any further command chunk. */
void
_hy_imap_client_send_raw (HyImapClient *self,
                          const char   *text,
                          const char   *trace_as)
{
  RawLine *raw;

  if (self->broken != NULL)
    return;
  raw = g_new0 (RawLine, 1);
  raw->line = g_strconcat (text, "\r\n", NULL);
  raw->trace = g_strdup (trace_as);
  g_queue_push_tail (&self->raw_lines, raw);
  pump_writes (self);
}

/* ---- failing ------------------------------------------------------------ */

static void
fail_all (HyImapClient *self,
          GError       *error)
{
  HyImapCommand *cmd;

  if (self->broken == NULL)
    {
      /* A server that said BYE and closed: say that rather than "closed". */
      if (self->bye_text != NULL && g_error_matches (error, HY_NET_ERROR, HY_NET_ERROR_CLOSED))
        {
          g_clear_error (&error);
          error = g_error_new (HY_IMAP_ERROR, HY_IMAP_ERROR_BYE,
                               _ ("The IMAP server %s closed the session: %s"),
                               host (self), self->bye_text);
        }
      self->broken = error;
    }
  else
    g_clear_error (&error);

  if (self->state != HY_IMAP_STATE_LOGOUT)
    set_state (self, HY_IMAP_STATE_DISCONNECTED);
  g_queue_clear_full (&self->raw_lines, (GDestroyNotify) raw_line_free);
  if (hy_connection_is_connected (self->connection))
    hy_connection_close_async (self->connection, NULL, NULL, NULL);
  g_clear_handle_id (&self->idle_timer, g_source_remove);
  self->idle_cmd = NULL;
  self->sending = NULL;

  if (self->greeting_task != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->greeting_task);

      g_task_return_error (task, g_error_copy (self->broken));
    }
  while ((cmd = g_queue_pop_head (&self->inflight)) != NULL)
    {
      command_return (self, cmd, g_error_copy (self->broken));
      _hy_imap_command_unref (cmd);
    }
  while ((cmd = g_queue_pop_head (&self->pending)) != NULL)
    {
      command_return (self, cmd, g_error_copy (self->broken));
      _hy_imap_command_unref (cmd);
    }
}

static void
fail_protocol (HyImapClient *self,
               const char   *what)
{
  fail_all (self, g_error_new (HY_IMAP_ERROR, HY_IMAP_ERROR_PROTOCOL,
                               _ ("The IMAP server %s broke the protocol: %s"), host (self), what));
}

/* ---- dispatching responses --------------------------------------------- */

static void idle_send_done (HyImapClient *self);

static gboolean
alerts_trusted (HyImapClient *self)
{
  return hy_connection_is_encrypted (self->connection) ||
         hy_connection_get_security (self->connection) == HY_NET_SECURITY_NONE;
}

static void
handle_code (HyImapClient   *self,
             HyImapResponse *response)
{
  if (response->code == NULL)
    return;
  if (response->code->kind == HY_IMAP_CODE_CAPABILITY)
    set_capabilities (self, response->code->strv);
  else if (response->code->kind == HY_IMAP_CODE_ALERT)
    {
      if (alerts_trusted (self))
        g_signal_emit (self, signals[SIGNAL_ALERT], 0, response->text);
      else
        g_debug ("ignoring an ALERT from %s received before TLS", host (self));
    }
}

static HyImapCommand *
find_collector (HyImapClient   *self,
                HyImapResponse *response)
{
  for (GList *l = self->inflight.head; l != NULL; l = l->next)
    {
      HyImapCommand *cmd = l->data;

      if ((cmd->collect & HY_IMAP_COLLECT (response->data)) == 0)
        continue;
      /* UID FETCH results carry a UID; an unsolicited FETCH (another
       * client changed flags) may not, and is not theirs. */
      if (cmd->uid_fetch_only && response->data == HY_IMAP_DATA_FETCH &&
          (response->fetch->items & HY_IMAP_FETCH_UID) == 0)
        continue;
      if (cmd->uid_set != NULL && response->data == HY_IMAP_DATA_FETCH &&
          !hy_imap_seqset_contains ((HyImapRange *) cmd->uid_set->data, cmd->uid_set->len,
                                    response->fetch->uid))
        continue;
      if (cmd->match != NULL && response->data == HY_IMAP_DATA_STATUS &&
          !_hy_imap_mailbox_names_equal (cmd->match, response->status->raw_name))
        continue;
      return cmd;
    }
  return NULL;
}

static void
handle_untagged (HyImapClient   *self,
                 HyImapResponse *response)
{
  HyImapCommand *collector;

  for (GList *l = self->inflight.head; l != NULL; l = l->next)
    if (((HyImapCommand *) l->data)->ignore_untagged)
      {
        g_debug ("ignoring untagged data from %s while STARTTLS is in flight", host (self));
        return;
      }

  handle_code (self, response);
  switch (response->data)
    {
    case HY_IMAP_DATA_CAPABILITY:
      set_capabilities (self, response->strv);
      break;
    case HY_IMAP_DATA_EXISTS:
      self->exists = response->number;
      break;
    case HY_IMAP_DATA_EXPUNGE:
      if (self->exists > 0)
        self->exists--;
      break;
    case HY_IMAP_DATA_VANISHED:
      if (!response->earlier)
        {
          guint64 n = hy_imap_seqset_count ((HyImapRange *) response->uids->data, response->uids->len, 0);

          self->exists = n >= self->exists ? 0 : self->exists - (guint32) n;
        }
      break;
    case HY_IMAP_DATA_NONE:
      if (response->result == HY_IMAP_RESULT_BYE)
        {
          g_free (self->bye_text);
          self->bye_text = g_strdup (response->text);
        }
      break;
    default:
      break;
    }

  collector = find_collector (self, response);
  if (collector != NULL)
    {
      if (collector->each != NULL && response->data == HY_IMAP_DATA_FETCH)
        {
          if (collector->task != NULL)
            collector->each (response->fetch, collector->each_data);
        }
      else
        g_ptr_array_add (collector->responses, hy_imap_response_ref (response));

      if (collector == self->idle_cmd && self->idling)
        idle_send_done (self);
      return;
    }

  g_signal_emit (self, signals[SIGNAL_UNTAGGED], 0, response);
}

static void
handle_tagged (HyImapClient   *self,
               HyImapResponse *response)
{
  HyImapCommand *cmd = NULL;
  GError *error = NULL;

  for (GList *l = self->inflight.head; l != NULL; l = l->next)
    if (g_strcmp0 (((HyImapCommand *) l->data)->tag, response->tag) == 0)
      {
        cmd = l->data;
        g_queue_delete_link (&self->inflight, l);
        break;
      }
  if (cmd == NULL)
    {
      g_autofree char *shown = g_utf8_make_valid (response->tag, -1);
      g_autofree char *what = g_strdup_printf ("a reply to the unknown command tag “%s”", shown);

      fail_protocol (self, what);
      return;
    }
  if (cmd == self->sending)
    self->sending = NULL;
  if (cmd == self->idle_cmd)
    {
      self->idle_cmd = NULL;
      self->idling = FALSE;
      g_clear_handle_id (&self->idle_timer, g_source_remove);
    }

  if (!cmd->ignore_untagged)
    handle_code (self, response);
  cmd->tagged = hy_imap_response_ref (response);

  if (response->result != HY_IMAP_RESULT_OK && cmd->deselect_on_failure)
    _hy_imap_client_set_selected (self, NULL);

  if (response->result == HY_IMAP_RESULT_NO)
    error = g_error_new (HY_IMAP_ERROR, cmd->no_code, _ ("The IMAP server %s refused %s: %s"),
                         host (self), cmd->name, response->text);
  else if (response->result == HY_IMAP_RESULT_BAD)
    error = g_error_new (HY_IMAP_ERROR, HY_IMAP_ERROR_BAD,
                         _ ("The IMAP server %s did not accept %s: %s"),
                         host (self), cmd->name, response->text);
  command_return (self, cmd, error);
  _hy_imap_command_unref (cmd);

  /* Commands that waited for this one may go now. */
  pump_writes (self);
}

static void
handle_continuation (HyImapClient   *self,
                     HyImapResponse *response)
{
  if (self->sending != NULL && self->sending->waiting_continuation)
    {
      self->sending->waiting_continuation = FALSE;
      pump_writes (self);
      return;
    }
  if (self->sending != NULL && self->writing && !self->early_continuation &&
      ((Chunk *) g_ptr_array_index (self->sending->chunks, self->sending->next_chunk - 1))->wait_continuation)
    {
      /* The write of the chunk is done as far as the server is concerned:
       * write_cb sends the next one at once. */
      self->early_continuation = TRUE;
      return;
    }
  for (GList *l = self->inflight.head; l != NULL; l = l->next)
    {
      HyImapCommand *cmd = l->data;

      if (cmd->on_continue != NULL)
        {
          cmd->on_continue (self, cmd, response);
          return;
        }
    }
  fail_protocol (self, "a “+” continuation no command asked for");
}

static void handle_greeting (HyImapClient *self, HyImapResponse *response);

static void
dispatch (HyImapClient   *self,
          HyImapResponse *response)
{
  if (self->greeting_task != NULL)
    {
      handle_greeting (self, response);
      return;
    }
  switch (response->kind)
    {
    case HY_IMAP_RESPONSE_TAGGED:
      handle_tagged (self, response);
      break;
    case HY_IMAP_RESPONSE_CONTINUATION:
      handle_continuation (self, response);
      break;
    case HY_IMAP_RESPONSE_UNTAGGED:
    default:
      handle_untagged (self, response);
      break;
    }
}

/* ---- reading ------------------------------------------------------------ */

static gboolean
need_read (HyImapClient *self)
{
  return self->broken == NULL &&
         (self->greeting_task != NULL || self->inflight.length > 0 || self->response->len > 0);
}

static void read_loop (HyImapClient *self);

static void
bytes_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  g_autoptr(HyImapClient) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = hy_connection_read_bytes_finish (HY_CONNECTION (source), result, &error);

  if (bytes == NULL)
    {
      self->reading = FALSE;
      fail_all (self, g_steal_pointer (&error));
      return;
    }
  g_byte_array_append (self->response, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  read_loop (self);
}

typedef struct {
  HyImapClient *self;
  gboolean      handled;
} ViewDispatch;

/* A FETCH read in place goes to the command that collects it, as
 * find_collector() would choose it, when that command takes views;
 * anything else is parsed again as a HyImapResponse and dispatched. */
static void
dispatch_view (const HyImapFetchView *view,
               gpointer               user_data)
{
  ViewDispatch *d = user_data;

  for (GList *l = d->self->inflight.head; l != NULL; l = l->next)
    {
      HyImapCommand *cmd = l->data;

      if (cmd->ignore_untagged)
        return;
    }
  for (GList *l = d->self->inflight.head; l != NULL; l = l->next)
    {
      HyImapCommand *cmd = l->data;

      if ((cmd->collect & HY_IMAP_COLLECT (HY_IMAP_DATA_FETCH)) == 0)
        continue;
      if (cmd->uid_fetch_only && (view->items & HY_IMAP_FETCH_UID) == 0)
        continue;
      if (cmd->uid_set != NULL &&
          !hy_imap_seqset_contains ((HyImapRange *) cmd->uid_set->data, cmd->uid_set->len, view->uid))
        continue;
      if (cmd->each_view == NULL || cmd == d->self->idle_cmd)
        return;
      if (cmd->task != NULL)
        cmd->each_view (view, cmd->each_data);
      d->handled = TRUE;
      return;
    }
}

static gboolean
takes_views (HyImapClient *self)
{
  for (GList *l = self->inflight.head; l != NULL; l = l->next)
    if (((HyImapCommand *) l->data)->each_view != NULL)
      return TRUE;
  return FALSE;
}

/* Takes one line: appends it to the response being assembled, and either
 * starts reading the literal it announces (returns FALSE) or parses and
 * dispatches the complete response (returns TRUE). */
static gboolean
handle_line (HyImapClient *self,
             char         *line,
             gsize         len)
{
  guint64 literal;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapResponse) response = NULL;
  g_autoptr(GByteArray) bytes = NULL;

  g_byte_array_append (self->response, (const guint8 *) line, len);
  g_byte_array_append (self->response, (const guint8 *) "\r\n", 2);

  if (hy_imap_line_literal ((const guint8 *) line, len, &literal))
    {
      if (literal > MAX_LITERAL)
        {
          self->reading = FALSE;
          fail_protocol (self, "a literal larger than 512 MiB");
          return FALSE;
        }
      if (literal > 0)
        {
          /* A literal already received (most of a big FETCH's) is taken
           * at once; only one still on its way is waited for.  A small
           * one goes through the connection's buffer (a large one is read
           * straight into its own memory). */
          for (;;)
            {
              if (hy_connection_read_bytes_buffered (self->connection, (gsize) literal, self->response, &error))
                return TRUE;
              if (error != NULL || literal > SMALL_LITERAL || !hy_connection_read_available (self->connection))
                break;
            }
          if (error != NULL)
            {
              self->reading = FALSE;
              fail_all (self, g_steal_pointer (&error));
              return FALSE;
            }
          hy_connection_read_bytes_async (self->connection, (gsize) literal, self->cancellable,
                                          bytes_cb, g_object_ref (self));
          return FALSE;
        }
      return TRUE;  /* {0} or a literal taken: the next line continues the response */
    }

  if (takes_views (self))
    {
      ViewDispatch d = { self, FALSE };

      switch (hy_imap_fetch_view_parse (self->response->data, self->response->len, dispatch_view, &d, &error))
        {
        case HY_IMAP_VIEW_DONE:
          if (!d.handled)
            break;
          /* the buffer is used again, unless a large literal grew it */
          if (self->response->len > 1024 * 1024)
            {
              g_byte_array_unref (self->response);
              self->response = g_byte_array_new ();
            }
          else
            g_byte_array_set_size (self->response, 0);
          return TRUE;
        case HY_IMAP_VIEW_MALFORMED:
          self->reading = FALSE;
          fail_all (self, g_error_new (HY_IMAP_ERROR, HY_IMAP_ERROR_PROTOCOL,
                                       _ ("The IMAP server %s sent something that is not IMAP: %s"),
                                       host (self), error->message));
          return FALSE;
        case HY_IMAP_VIEW_NOT_FETCH:
        default:
          break;
        }
    }

  bytes = g_steal_pointer (&self->response);
  self->response = g_byte_array_new ();
  response = hy_imap_response_parse (bytes->data, bytes->len, self->parse_flags, &error);
  if (response == NULL)
    {
      self->reading = FALSE;
      fail_all (self, g_error_new (HY_IMAP_ERROR, HY_IMAP_ERROR_PROTOCOL,
                                   _ ("The IMAP server %s sent something that is not IMAP: %s"),
                                   host (self), error->message));
      return FALSE;
    }
  dispatch (self, response);
  return TRUE;
}

static void
line_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  g_autoptr(HyImapClient) self = data;
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  g_autofree char *line = hy_connection_read_line_finish (HY_CONNECTION (source), result, &len, &error);

  if (line == NULL)
    {
      self->reading = FALSE;
      fail_all (self, g_steal_pointer (&error));
      return;
    }
  if (handle_line (self, line, len))
    read_loop (self);
}

static void
read_loop (HyImapClient *self)
{
  g_object_ref (self);
  while (need_read (self))
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *line = NULL;
      gsize len = 0;

      line = hy_connection_read_line_buffered (self->connection, &len, &error);
      if (line == NULL && error != NULL)
        {
          self->reading = FALSE;
          fail_all (self, g_steal_pointer (&error));
          g_object_unref (self);
          return;
        }
      if (line == NULL && hy_connection_read_available (self->connection))
        continue;
      if (line == NULL)
        {
          if (self->idling)
            hy_connection_read_line_with_timeout_async (self->connection, self->idle_timeout,
                                                        self->cancellable, line_cb,
                                                        g_object_ref (self));
          else
            hy_connection_read_line_async (self->connection, self->cancellable, line_cb,
                                           g_object_ref (self));
          g_object_unref (self);
          return;
        }
      if (!handle_line (self, line, len))
        {
          g_object_unref (self);
          return;
        }
    }
  self->reading = FALSE;
  g_object_unref (self);
}

static void
pump_reads (HyImapClient *self)
{
  if (self->reading || !need_read (self))
    return;
  self->reading = TRUE;
  read_loop (self);
}

/* ---- GObject ------------------------------------------------------------ */

static void
hy_imap_client_dispose (GObject *object)
{
  HyImapClient *self = HY_IMAP_CLIENT (object);

  g_cancellable_cancel (self->cancellable);
  if (self->broken == NULL && (self->pending.length > 0 || self->inflight.length > 0))
    fail_all (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, _ ("The IMAP session was closed.")));
  g_clear_handle_id (&self->idle_timer, g_source_remove);

  G_OBJECT_CLASS (hy_imap_client_parent_class)->dispose (object);
}

static void
hy_imap_client_finalize (GObject *object)
{
  HyImapClient *self = HY_IMAP_CLIENT (object);

  g_clear_object (&self->connection);
  g_clear_object (&self->cancellable);
  g_strfreev (self->capabilities);
  g_free (self->selected);
  g_free (self->bye_text);
  g_clear_error (&self->broken);
  g_byte_array_unref (self->response);
  g_queue_clear_full (&self->raw_lines, (GDestroyNotify) raw_line_free);

  G_OBJECT_CLASS (hy_imap_client_parent_class)->finalize (object);
}

static void
hy_imap_client_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  HyImapClient *self = HY_IMAP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hy_imap_client_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  HyImapClient *self = HY_IMAP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      self->connection = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hy_imap_client_class_init (HyImapClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hy_imap_client_dispose;
  object_class->finalize = hy_imap_client_finalize;
  object_class->get_property = hy_imap_client_get_property;
  object_class->set_property = hy_imap_client_set_property;

  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, HY_TYPE_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, HY_IMAP_STATE_DISCONNECTED, HY_IMAP_STATE_LOGOUT,
                      HY_IMAP_STATE_DISCONNECTED,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HyImapClient::untagged:
   * @response: an untagged response no running command collected (EXISTS,
   *   EXPUNGE, a flag change by another client…)
   */
  signals[SIGNAL_UNTAGGED] =
    g_signal_new ("untagged", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, HY_IMAP_TYPE_RESPONSE);
  /**
   * HyImapClient::alert:
   * @text: an [ALERT] the server wants the user to see; only emitted when
   *   it came over an encrypted connection (or an explicitly plain one)
   */
  signals[SIGNAL_ALERT] =
    g_signal_new ("alert", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
hy_imap_client_init (HyImapClient *self)
{
  self->cancellable = g_cancellable_new ();
  self->response = g_byte_array_new ();
  self->idle_timeout = DEFAULT_IDLE_TIMEOUT;
  g_queue_init (&self->pending);
  g_queue_init (&self->inflight);
  g_queue_init (&self->raw_lines);
}

/**
 * hy_imap_client_new:
 * @connection: a connection that is not yet connected
 *
 * Returns: (transfer full): a client for one IMAP session over @connection
 */
HyImapClient *
hy_imap_client_new (HyConnection *connection)
{
  g_return_val_if_fail (HY_IS_CONNECTION (connection), NULL);

  return g_object_new (HY_TYPE_IMAP_CLIENT, "connection", connection, NULL);
}

HyConnection *
hy_imap_client_get_connection (HyImapClient *self)
{
  g_return_val_if_fail (HY_IS_IMAP_CLIENT (self), NULL);
  return self->connection;
}

HyImapState
hy_imap_client_get_state (HyImapClient *self)
{
  g_return_val_if_fail (HY_IS_IMAP_CLIENT (self), HY_IMAP_STATE_DISCONNECTED);
  return self->state;
}

/**
 * hy_imap_client_get_capabilities:
 *
 * Returns: (array zero-terminated=1) (transfer none): the capabilities the
 *   server announced last, as sent; empty before they are known
 */
const char * const *
hy_imap_client_get_capabilities (HyImapClient *self)
{
  static const char * const none[] = { NULL };

  g_return_val_if_fail (HY_IS_IMAP_CLIENT (self), NULL);
  return self->capabilities != NULL ? (const char * const *) self->capabilities : none;
}

gboolean
hy_imap_client_has_capability (HyImapClient *self,
                               const char   *capability)
{
  g_return_val_if_fail (HY_IS_IMAP_CLIENT (self), FALSE);
  g_return_val_if_fail (capability != NULL, FALSE);

  for (guint i = 0; self->capabilities != NULL && self->capabilities[i] != NULL; i++)
    if (g_ascii_strcasecmp (self->capabilities[i], capability) == 0)
      return TRUE;
  return FALSE;
}

/**
 * hy_imap_client_get_selected:
 *
 * Returns: (nullable): the selected mailbox (UTF-8)
 */
const char *
hy_imap_client_get_selected (HyImapClient *self)
{
  g_return_val_if_fail (HY_IS_IMAP_CLIENT (self), NULL);
  return self->selected;
}

/**
 * hy_imap_client_set_idle_timeout:
 * @seconds: how long a read may wait while IDLE runs (default 29 minutes,
 *   the most RFC 2177 lets a server keep an idle client)
 */
void
hy_imap_client_set_idle_timeout (HyImapClient *self,
                                 guint         seconds)
{
  g_return_if_fail (HY_IS_IMAP_CLIENT (self));
  self->idle_timeout = seconds > 0 ? seconds : DEFAULT_IDLE_TIMEOUT;
}

/* ---- simple commands ---------------------------------------------------- */

static gboolean
return_boolean_finish (HyImapClient  *self,
                       GAsyncResult  *result,
                       gpointer       tag,
                       GError       **error)
{
  g_return_val_if_fail (HY_IS_IMAP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
hy_imap_client_capability_async (HyImapClient        *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  HyImapCommand *cmd;

  g_return_if_fail (HY_IS_IMAP_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_imap_client_capability_async);
  if (!_hy_imap_client_check_state (self, HY_IMAP_STATE_NOT_AUTHENTICATED, _ ("ask for capabilities"), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  cmd = _hy_imap_command_new (self, "CAPABILITY", task);
  cmd->collect = HY_IMAP_COLLECT (HY_IMAP_DATA_CAPABILITY);
  _hy_imap_client_submit (self, cmd);
}

/**
 * hy_imap_client_capability_finish:
 *
 * Returns: whether the capabilities were refreshed; read them with
 *   hy_imap_client_get_capabilities()
 */
gboolean
hy_imap_client_capability_finish (HyImapClient  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return return_boolean_finish (self, result, hy_imap_client_capability_async, error);
}

static void
noop_like_async (HyImapClient        *self,
                 const char          *name,
                 gpointer             tag,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, tag);
  if (!_hy_imap_client_check_state (self, HY_IMAP_STATE_NOT_AUTHENTICATED, name, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  _hy_imap_client_submit (self, _hy_imap_command_new (self, name, task));
}

void
hy_imap_client_noop_async (HyImapClient        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (HY_IS_IMAP_CLIENT (self));
  noop_like_async (self, "NOOP", hy_imap_client_noop_async, cancellable, callback, user_data);
}

gboolean
hy_imap_client_noop_finish (HyImapClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return return_boolean_finish (self, result, hy_imap_client_noop_async, error);
}

static void
logout_done (HyImapClient  *self,
             HyImapCommand *cmd)
{
  set_state (self, HY_IMAP_STATE_LOGOUT);
  hy_connection_close_async (self->connection, NULL, NULL, NULL);
}

void
hy_imap_client_logout_async (HyImapClient        *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  HyImapCommand *cmd;
  GError *error = NULL;

  g_return_if_fail (HY_IS_IMAP_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_imap_client_logout_async);
  if (!_hy_imap_client_check_state (self, HY_IMAP_STATE_NOT_AUTHENTICATED, _ ("log out"), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  cmd = _hy_imap_command_new (self, "LOGOUT", task);
  cmd->exclusive = TRUE;
  cmd->done = logout_done;
  _hy_imap_client_submit (self, cmd);
}

gboolean
hy_imap_client_logout_finish (HyImapClient  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return return_boolean_finish (self, result, hy_imap_client_logout_async, error);
}

static void
enable_done (HyImapClient  *self,
             HyImapCommand *cmd)
{
  g_autoptr(GPtrArray) enabled = g_ptr_array_new ();

  for (guint i = 0; i < cmd->responses->len; i++)
    {
      HyImapResponse *r = g_ptr_array_index (cmd->responses, i);

      for (guint j = 0; r->strv != NULL && r->strv[j] != NULL; j++)
        {
          const char *ext = r->strv[j];

          g_ptr_array_add (enabled, g_strdup (ext));
          if (g_ascii_strcasecmp (ext, "UTF8=ACCEPT") == 0 || g_ascii_strcasecmp (ext, "UTF8=ONLY") == 0)
            {
              self->utf8_enabled = TRUE;
              self->parse_flags |= HY_IMAP_PARSE_UTF8;
            }
          else if (g_ascii_strcasecmp (ext, "QRESYNC") == 0)
            self->qresync_enabled = self->condstore_enabled = TRUE;
          else if (g_ascii_strcasecmp (ext, "CONDSTORE") == 0)
            self->condstore_enabled = TRUE;
        }
    }
  g_ptr_array_add (enabled, NULL);
  _hy_imap_command_return_pointer (cmd, g_ptr_array_free (g_steal_pointer (&enabled), FALSE),
                                   (GDestroyNotify) g_strfreev);
}

/**
 * hy_imap_client_enable_async:
 * @extensions: (array zero-terminated=1): e.g. "CONDSTORE", "QRESYNC",
 *   "UTF8=ACCEPT"; those the server does not advertise are left out
 *
 * Sends ENABLE (RFC 5161).  Enabling UTF8=ACCEPT switches mailbox names and
 * quoted strings to UTF-8 for the rest of the session.
 */
void
hy_imap_client_enable_async (HyImapClient        *self,
                             const char * const  *extensions,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  HyImapCommand *cmd;
  GError *error = NULL;
  guint n = 0;

  g_return_if_fail (HY_IS_IMAP_CLIENT (self));
  g_return_if_fail (extensions != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_imap_client_enable_async);
  if (!_hy_imap_client_check_state (self, HY_IMAP_STATE_AUTHENTICATED, _ ("enable extensions"), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!hy_imap_client_has_capability (self, "ENABLE"))
    {
      g_task_return_new_error (task, HY_IMAP_ERROR, HY_IMAP_ERROR_UNSUPPORTED,
                               _ ("The IMAP server %s does not support ENABLE."), host (self));
      return;
    }

  cmd = _hy_imap_command_new (self, "ENABLE", task);
  cmd->exclusive = TRUE;
  cmd->collect = HY_IMAP_COLLECT (HY_IMAP_DATA_ENABLED);
  cmd->done = enable_done;
  for (guint i = 0; extensions[i] != NULL; i++)
    {
      const char *ext = extensions[i];

      if (!hy_imap_client_has_capability (self, ext) &&
          !(g_ascii_strcasecmp (ext, "UTF8=ACCEPT") == 0 && hy_imap_client_has_capability (self, "UTF8=ONLY")))
        continue;
      for (const char *p = ext; *p; p++)
        if (!hy_imap_is_atom_char ((guchar) *p))
          goto skip;
      _hy_imap_command_add_printf (cmd, " %s", ext);
      n++;
    skip:
      ;
    }
  if (n == 0)
    {
      char **none = g_new0 (char *, 1);

      _hy_imap_command_unref (cmd);
      g_task_return_pointer (task, none, (GDestroyNotify) g_strfreev);
      return;
    }
  _hy_imap_client_submit (self, cmd);
}

/**
 * hy_imap_client_enable_finish:
 *
 * Returns: (transfer full) (array zero-terminated=1): what the server enabled
 */
char **
hy_imap_client_enable_finish (HyImapClient  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_imap_client_enable_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
id_done (HyImapClient  *self,
         HyImapCommand *cmd)
{
  char **strv = NULL;

  for (guint i = 0; i < cmd->responses->len && strv == NULL; i++)
    strv = g_strdupv (((HyImapResponse *) g_ptr_array_index (cmd->responses, i))->strv);
  if (strv == NULL)
    strv = g_new0 (char *, 1);
  _hy_imap_command_return_pointer (cmd, strv, (GDestroyNotify) g_strfreev);
}

/**
 * hy_imap_client_id_async:
 * @client_id: (array zero-terminated=1) (nullable): name, value pairs
 *   describing the client (RFC 2971), or %NULL to send NIL
 */
void
hy_imap_client_id_async (HyImapClient        *self,
                         const char * const  *client_id,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  HyImapCommand *cmd;
  GError *error = NULL;

  g_return_if_fail (HY_IS_IMAP_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_imap_client_id_async);
  if (!_hy_imap_client_check_state (self, HY_IMAP_STATE_NOT_AUTHENTICATED, _ ("send ID"), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!hy_imap_client_has_capability (self, "ID"))
    {
      g_task_return_new_error (task, HY_IMAP_ERROR, HY_IMAP_ERROR_UNSUPPORTED,
                               _ ("The IMAP server %s does not support ID."), host (self));
      return;
    }
  cmd = _hy_imap_command_new (self, "ID", task);
  cmd->collect = HY_IMAP_COLLECT (HY_IMAP_DATA_ID);
  cmd->done = id_done;
  if (client_id == NULL || client_id[0] == NULL)
    _hy_imap_command_add (cmd, " NIL");
  else
    {
      _hy_imap_command_add (cmd, " (");
      for (guint i = 0; client_id[i] != NULL && client_id[i + 1] != NULL; i += 2)
        {
          if (i > 0)
            _hy_imap_command_add (cmd, " ");
          hy_imap_append_quoted (cmd->cur, client_id[i], strlen (client_id[i]));
          _hy_imap_command_add (cmd, " ");
          hy_imap_append_quoted (cmd->cur, client_id[i + 1], strlen (client_id[i + 1]));
        }
      _hy_imap_command_add (cmd, ")");
    }
  _hy_imap_client_submit (self, cmd);
}

/**
 * hy_imap_client_id_finish:
 *
 * Returns: (transfer full) (array zero-terminated=1): the server's name,
 *   value pairs (names in lower case)
 */
char **
hy_imap_client_id_finish (HyImapClient  *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_imap_client_id_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
namespace_done (HyImapClient  *self,
                HyImapCommand *cmd)
{
  for (guint i = 0; i < cmd->responses->len; i++)
    {
      HyImapResponse *r = g_ptr_array_index (cmd->responses, i);

      if (r->namespace_ != NULL)
        {
          _hy_imap_command_return_pointer (cmd, g_steal_pointer (&r->namespace_),
                                           (GDestroyNotify) hy_imap_namespace_free);
          return;
        }
    }
  _hy_imap_command_return_error (cmd, g_error_new (HY_IMAP_ERROR, HY_IMAP_ERROR_PROTOCOL,
                                                   _ ("The IMAP server %s answered NAMESPACE without namespaces."),
                                                   host (self)));
}

void
hy_imap_client_namespace_async (HyImapClient        *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  HyImapCommand *cmd;
  GError *error = NULL;

  g_return_if_fail (HY_IS_IMAP_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_imap_client_namespace_async);
  if (!_hy_imap_client_check_state (self, HY_IMAP_STATE_AUTHENTICATED, _ ("ask for namespaces"), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!hy_imap_client_has_capability (self, "NAMESPACE"))
    {
      g_task_return_new_error (task, HY_IMAP_ERROR, HY_IMAP_ERROR_UNSUPPORTED,
                               _ ("The IMAP server %s does not support NAMESPACE."), host (self));
      return;
    }
  cmd = _hy_imap_command_new (self, "NAMESPACE", task);
  cmd->collect = HY_IMAP_COLLECT (HY_IMAP_DATA_NAMESPACE);
  cmd->done = namespace_done;
  _hy_imap_client_submit (self, cmd);
}

/**
 * hy_imap_client_namespace_finish:
 *
 * Returns: (transfer full): the namespaces
 */
HyImapNamespace *
hy_imap_client_namespace_finish (HyImapClient  *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_imap_client_namespace_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
compress_done (HyImapClient  *self,
               HyImapCommand *cmd)
{
  g_autoptr(GConverter) inflater = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW));
  g_autoptr(GConverter) deflater = G_CONVERTER (g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW, -1));
  GError *error = NULL;

  if (!hy_connection_start_compression (self->connection, inflater, deflater, &error))
    {
      _hy_imap_command_return_error (cmd, g_error_copy (error));
      fail_all (self, error);
    }
}

/**
 * hy_imap_client_compress_async:
 *
 * Turns on COMPRESS=DEFLATE (RFC 4978) for the rest of the session.
 */
void
hy_imap_client_compress_async (HyImapClient        *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  HyImapCommand *cmd;
  GError *error = NULL;

  g_return_if_fail (HY_IS_IMAP_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_imap_client_compress_async);
  if (!_hy_imap_client_check_state (self, HY_IMAP_STATE_AUTHENTICATED, _ ("turn on compression"), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!hy_imap_client_has_capability (self, "COMPRESS=DEFLATE"))
    {
      g_task_return_new_error (task, HY_IMAP_ERROR, HY_IMAP_ERROR_UNSUPPORTED,
                               _ ("The IMAP server %s does not support COMPRESS=DEFLATE."), host (self));
      return;
    }
  cmd = _hy_imap_command_new (self, "COMPRESS", task);
  _hy_imap_command_add (cmd, " DEFLATE");
  cmd->exclusive = TRUE;
  cmd->done = compress_done;
  _hy_imap_client_submit (self, cmd);
}

gboolean
hy_imap_client_compress_finish (HyImapClient  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  return return_boolean_finish (self, result, hy_imap_client_compress_async, error);
}

/* ---- connecting: greeting and STARTTLS --------------------------------- */

static void connect_capabilities (GTask *task);

static void
connect_capability_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      data)
{
  g_autoptr(GTask) task = data;
  HyImapClient *self = HY_IMAP_CLIENT (source);
  GError *error = NULL;

  if (!hy_imap_client_capability_finish (self, result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!hy_imap_client_has_capability (self, "IMAP4rev1") && !hy_imap_client_has_capability (self, "IMAP4rev2"))
    g_debug ("%s does not announce IMAP4rev1", host (self));
  g_task_return_boolean (task, TRUE);
}

static void
tls_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      data)
{
  g_autoptr(GTask) task = data;
  HyImapClient *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!hy_connection_start_tls_finish (HY_CONNECTION (source), result, &error))
    {
      g_task_return_error (task, g_error_copy (error));
      fail_all (self, error);
      return;
    }
  /* Forget everything learned before TLS and ask again. */
  g_clear_pointer (&self->capabilities, g_strfreev);
  g_clear_pointer (&self->bye_text, g_free);
  connect_capabilities (g_steal_pointer (&task));
}

static void
starttls_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(GTask) task = data;
  HyImapClient *self = HY_IMAP_CLIENT (source);
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (error->domain == HY_IMAP_ERROR &&
          (error->code == HY_IMAP_ERROR_REFUSED || error->code == HY_IMAP_ERROR_BAD))
        {
          GError *refused = g_error_new (HY_NET_ERROR, HY_NET_ERROR_STARTTLS_REFUSED,
                                         _ ("The IMAP server %s refused to start TLS (%s). "
                                            "Nothing was sent; check the security setting of the account."),
                                         host (self), error->message);

          g_task_return_error (task, g_error_copy (refused));
          fail_all (self, refused);
          return;
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  cancellable = g_task_get_cancellable (task);
  hy_connection_start_tls_async (self->connection, cancellable, tls_cb, g_steal_pointer (&task));
}

static void
connect_starttls (GTask *task)
{
  HyImapClient *self = g_task_get_source_object (task);
  HyImapCommand *cmd;
  GTask *inner;

  if (!hy_imap_client_has_capability (self, "STARTTLS"))
    {
      GError *error = g_error_new (HY_NET_ERROR, HY_NET_ERROR_STARTTLS_UNAVAILABLE,
                                   _ ("The IMAP server %s does not offer STARTTLS, which this account "
                                      "requires. Nothing was sent; use implicit TLS (usually port 993) "
                                      "or ask the provider."), host (self));

      g_task_return_error (task, g_error_copy (error));
      g_object_unref (task);
      fail_all (self, error);
      return;
    }
  inner = g_task_new (self, g_task_get_cancellable (task), starttls_cb, task);
  g_task_set_source_tag (inner, connect_starttls);
  cmd = _hy_imap_command_new (self, "STARTTLS", inner);
  cmd->exclusive = TRUE;
  cmd->ignore_untagged = TRUE;
  _hy_imap_client_submit (self, cmd);
  g_object_unref (inner);
}

static void
pre_tls_capability_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      data)
{
  GTask *task = data;
  GError *error = NULL;

  if (!hy_imap_client_capability_finish (HY_IMAP_CLIENT (source), result, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  connect_starttls (task);
}

/* Takes over @task. */
static void
connect_capabilities (GTask *task)
{
  HyImapClient *self = g_task_get_source_object (task);

  if (self->capabilities != NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  hy_imap_client_capability_async (self, g_task_get_cancellable (task), connect_capability_cb, task);
}

static void
handle_greeting (HyImapClient   *self,
                 HyImapResponse *response)
{
  GTask *task = g_steal_pointer (&self->greeting_task);
  gboolean starttls = hy_connection_get_security (self->connection) == HY_NET_SECURITY_STARTTLS;

  if (response->kind != HY_IMAP_RESPONSE_UNTAGGED || response->result == HY_IMAP_RESULT_NONE ||
      response->result == HY_IMAP_RESULT_NO || response->result == HY_IMAP_RESULT_BAD)
    {
      GError *error = g_error_new (HY_IMAP_ERROR, HY_IMAP_ERROR_PROTOCOL,
                                   _ ("The server %s did not greet like an IMAP server. "
                                      "Check the host name and port."), host (self));

      g_task_return_error (task, g_error_copy (error));
      g_object_unref (task);
      fail_all (self, error);
      return;
    }
  if (response->result == HY_IMAP_RESULT_BYE)
    {
      GError *error = g_error_new (HY_IMAP_ERROR, HY_IMAP_ERROR_BYE,
                                   _ ("The IMAP server %s refused the connection: %s"),
                                   host (self), response->text);

      g_task_return_error (task, g_error_copy (error));
      g_object_unref (task);
      fail_all (self, error);
      return;
    }
  if (response->result == HY_IMAP_RESULT_PREAUTH && starttls)
    {
      /* PREAUTH leaves no way to start TLS: an attacker could use it to
       * keep the session in plain text. */
      GError *error = g_error_new (HY_NET_ERROR, HY_NET_ERROR_STARTTLS_UNAVAILABLE,
                                   _ ("The IMAP server %s logged the session in before TLS "
                                      "(PREAUTH), so STARTTLS is impossible. The connection was "
                                      "closed; use implicit TLS (usually port 993)."), host (self));

      g_task_return_error (task, g_error_copy (error));
      g_object_unref (task);
      fail_all (self, error);
      return;
    }

  set_state (self, response->result == HY_IMAP_RESULT_PREAUTH ? HY_IMAP_STATE_AUTHENTICATED
                                                              : HY_IMAP_STATE_NOT_AUTHENTICATED);
  if (response->code != NULL && response->code->kind == HY_IMAP_CODE_CAPABILITY)
    set_capabilities (self, response->code->strv);
  if (response->code != NULL && response->code->kind == HY_IMAP_CODE_ALERT && alerts_trusted (self))
    g_signal_emit (self, signals[SIGNAL_ALERT], 0, response->text);

  if (starttls)
    {
      if (self->capabilities == NULL)
        hy_imap_client_capability_async (self, g_task_get_cancellable (task), pre_tls_capability_cb, task);
      else
        connect_starttls (task);
      return;
    }
  connect_capabilities (task);
}

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  g_autoptr(GTask) task = data;
  HyImapClient *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!hy_connection_connect_finish (HY_CONNECTION (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  self->greeting_task = g_steal_pointer (&task);
  pump_reads (self);
}

/**
 * hy_imap_client_connect_async:
 *
 * Connects, reads the greeting, upgrades with STARTTLS when the connection
 * requires it (refusing a server that does not offer it, or that sends
 * PREAUTH), and learns the capabilities over the secured connection.
 */
/* Whatever stops the connect sequence half-way (a refused STARTTLS, a
 * cancelled command) leaves a session that must not be used. */
static void
connect_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  HyImapClient *self = HY_IMAP_CLIENT (source);
  g_autoptr(GTask) outer = data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (self->broken == NULL)
        fail_all (self, g_error_copy (error));
      g_task_return_error (outer, error);
      return;
    }
  g_task_return_boolean (outer, TRUE);
}

void
hy_imap_client_connect_async (HyImapClient        *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GTask *inner;

  g_return_if_fail (HY_IS_IMAP_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_imap_client_connect_async);
  if (self->state != HY_IMAP_STATE_DISCONNECTED || self->broken != NULL || self->greeting_task != NULL)
    {
      g_task_return_new_error (task, HY_IMAP_ERROR, HY_IMAP_ERROR_STATE,
                               _ ("The IMAP session with %s was already started."), host (self));
      return;
    }
  inner = g_task_new (self, cancellable, connect_done_cb, g_steal_pointer (&task));
  g_task_set_source_tag (inner, connect_done_cb);
  hy_connection_connect_async (self->connection, cancellable, connect_cb, inner);
}

gboolean
hy_imap_client_connect_finish (HyImapClient  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return return_boolean_finish (self, result, hy_imap_client_connect_async, error);
}

/* ---- login -------------------------------------------------------------- */

typedef struct {
  HySasl   *sasl;
  gboolean  initial_sent;
  GError   *sasl_error;
} LoginData;

static void
login_data_free (LoginData *data)
{
  g_clear_object (&data->sasl);
  g_clear_error (&data->sasl_error);
  g_free (data);
}

static void
login_capability_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;

  if (!hy_imap_client_capability_finish (HY_IMAP_CLIENT (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
login_done (HyImapClient  *self,
            HyImapCommand *cmd)
{
  LoginData *data = cmd->op_data;
  GError *error = NULL;
  GTask *task;

  if (data != NULL && data->sasl != NULL && !hy_sasl_check_complete (data->sasl, &error))
    {
      /* The server could not prove it knows the password: do not use
       * this session. */
      _hy_imap_command_return_error (cmd, g_error_copy (error));
      fail_all (self, error);
      return;
    }
  set_state (self, HY_IMAP_STATE_AUTHENTICATED);

  /* Capabilities change with login; the OK may carry the new ones. */
  if (cmd->tagged->code != NULL && cmd->tagged->code->kind == HY_IMAP_CODE_CAPABILITY)
    return;
  g_clear_pointer (&self->capabilities, g_strfreev);
  task = g_steal_pointer (&cmd->task);
  if (task == NULL)
    return;
  hy_imap_client_capability_async (self, g_task_get_cancellable (task), login_capability_cb, task);
}

static void
authenticate_continue (HyImapClient   *self,
                       HyImapCommand  *cmd,
                       HyImapResponse *response)
{
  LoginData *data = cmd->op_data;
  g_autofree char *reply = NULL;
  GError *error = NULL;

  if (data->sasl_error != NULL)
    {
      _hy_imap_client_send_raw (self, "*", NULL);
      return;
    }
  if (!data->initial_sent && hy_sasl_has_initial_response (data->sasl))
    reply = hy_sasl_step_base64 (data->sasl, NULL, &error);
  else
    reply = hy_sasl_step_base64 (data->sasl, response->text, &error);
  data->initial_sent = TRUE;

  if (reply == NULL)
    {
      /* Cancel the exchange; the server answers with a tagged BAD/NO,
       * which becomes this error. */
      data->sasl_error = error;
      _hy_imap_client_send_raw (self, "*", NULL);
      return;
    }
  _hy_imap_client_send_raw (self, reply, "***");
}

/* What one login needs to try a second mechanism. */
typedef struct {
  char       *user;
  char       *secret;
  gboolean    oauth2;
  gboolean    automatic;  /* no mechanism required by the account */
  const char *mechanism;  /* the one tried, NULL for the LOGIN command */
  gboolean    fell_back;
} LoginRequest;

static void
login_request_free (LoginRequest *request)
{
  g_free (request->user);
  hy_sasl_free_secret (request->secret);
  g_free (request);
}

static void login_send (HyImapClient *self,
                        GTask        *task,
                        const char   *mechanism);

/* After an automatically chosen challenge-response mechanism was refused:
 * the mechanism to try once more ("LOGIN-COMMAND" for the LOGIN command),
 * or NULL. */
static const char *
login_fallback (HyImapClient *self,
                LoginRequest *request)
{
  g_autoptr(GPtrArray) offered = g_ptr_array_new ();
  const char *fallback;

  if (!request->automatic || request->oauth2 || request->fell_back ||
      !hy_sasl_is_challenge_response (request->mechanism) ||
      self->state != HY_IMAP_STATE_NOT_AUTHENTICATED)
    return NULL;
  for (guint i = 0; self->capabilities != NULL && self->capabilities[i] != NULL; i++)
    if (g_ascii_strncasecmp (self->capabilities[i], "AUTH=", 5) == 0)
      g_ptr_array_add (offered, self->capabilities[i] + 5);
  g_ptr_array_add (offered, NULL);
  fallback = hy_sasl_choose_fallback_mechanism ((const char * const *) offered->pdata,
                                                request->mechanism);
  if (fallback == NULL && !hy_imap_client_has_capability (self, "LOGINDISABLED"))
    fallback = "LOGIN-COMMAND";
  return fallback;
}

static void
login_cmd_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GTask) task = data;
  HyImapClient *self = g_task_get_source_object (task);
  LoginRequest *request = g_task_get_task_data (task);
  GTask *inner = G_TASK (result);
  HyImapCommand *cmd = g_task_get_task_data (inner);
  GError *error = NULL;

  if (!g_task_propagate_boolean (inner, &error))
    {
      LoginData *login = cmd != NULL ? cmd->op_data : NULL;
      const char *fallback = NULL;

      if (login != NULL && login->sasl_error != NULL)
        {
          g_clear_error (&error);
          error = g_error_copy (login->sasl_error);
        }
      else if (g_error_matches (error, HY_IMAP_ERROR, HY_IMAP_ERROR_AUTH_FAILED))
        fallback = login_fallback (self, request);

      if (fallback != NULL && !g_task_return_error_if_cancelled (task))
        {
          g_debug ("%s refused %s; trying %s once", host (self), request->mechanism, fallback);
          g_clear_error (&error);
          request->fell_back = TRUE;
          login_send (self, g_steal_pointer (&task),
                      strcmp (fallback, "LOGIN-COMMAND") == 0 ? NULL : fallback);
          return;
        }
      if (fallback == NULL)
        g_task_return_error (task, error);
      else
        g_clear_error (&error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

/* Sends AUTHENTICATE @mechanism, or LOGIN when @mechanism is %NULL; takes
 * @task. */
static void
login_send (HyImapClient *self,
            GTask        *task,
            const char   *mechanism)
{
  LoginRequest *request = g_task_get_task_data (task);
  g_autoptr(GTask) inner = NULL;
  HyImapCommand *cmd;
  GError *error = NULL;

  request->mechanism = mechanism;
  inner = g_task_new (self, g_task_get_cancellable (task), login_cmd_cb, task);
  g_task_set_source_tag (inner, hy_imap_client_login_async);

  if (mechanism != NULL)
    {
      LoginData *data = g_new0 (LoginData, 1);

      data->sasl = hy_sasl_new (mechanism, request->user, request->secret);
      cmd = _hy_imap_command_new (self, "AUTHENTICATE", inner);
      g_free (cmd->name);
      cmd->name = g_strdup_printf ("AUTHENTICATE %s", mechanism);
      cmd->op_data = data;
      cmd->op_data_free = (GDestroyNotify) login_data_free;
      cmd->on_continue = authenticate_continue;
      _hy_imap_command_add_printf (cmd, " %s", mechanism);
      if (hy_sasl_has_initial_response (data->sasl) && hy_imap_client_has_capability (self, "SASL-IR"))
        {
          g_autofree char *ir = hy_sasl_step_base64 (data->sasl, NULL, &error);

          if (ir == NULL)
            {
              _hy_imap_command_unref (cmd);
              g_task_return_error (inner, error);
              return;
            }
          data->initial_sent = TRUE;
          _hy_imap_command_add_printf (cmd, " %s", ir[0] != '\0' ? ir : "=");
          cmd->secret = TRUE;
        }
    }
  else
    {
      cmd = _hy_imap_command_new (self, "LOGIN", inner);
      cmd->secret = TRUE;
      _hy_imap_command_add (cmd, " ");
      _hy_imap_command_add_string (self, cmd, request->user, strlen (request->user));
      _hy_imap_command_add (cmd, " ");
      _hy_imap_command_add_string (self, cmd, request->secret, strlen (request->secret));
    }

  g_task_set_task_data (inner, _hy_imap_command_ref (cmd), (GDestroyNotify) _hy_imap_command_unref);
  cmd->exclusive = TRUE;
  cmd->no_code = HY_IMAP_ERROR_AUTH_FAILED;
  cmd->done = login_done;
  _hy_imap_client_submit (self, cmd);
}

/**
 * hy_imap_client_login_async:
 * @user: the user name
 * @secret: the password, or with @oauth2 an OAuth 2.0 access token
 * @oauth2: whether @secret is a token (XOAUTH2)
 *
 * Authenticates with the best SASL mechanism both sides support (SASL-IR
 * when offered), else with LOGIN.  When a challenge-response mechanism the
 * client chose itself is refused, tries a password mechanism (or LOGIN)
 * once more, as some servers offer mechanisms they cannot complete.
 * Refuses to send credentials over an unencrypted connection unless the
 * connection allows it.  On success the capabilities are refreshed.
 */
void
hy_imap_client_login_async (HyImapClient        *self,
                            const char          *user,
                            const char          *secret,
                            gboolean             oauth2,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) offered = g_ptr_array_new ();
  const char *required;
  const char *mechanism;
  LoginRequest *request;
  GError *error = NULL;

  g_return_if_fail (HY_IS_IMAP_CLIENT (self));
  g_return_if_fail (user != NULL);
  g_return_if_fail (secret != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_imap_client_login_async);

  if (!_hy_imap_client_check_state (self, HY_IMAP_STATE_NOT_AUTHENTICATED, _ ("log in"), &error) ||
      !hy_connection_check_credentials_allowed (self->connection, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (self->state != HY_IMAP_STATE_NOT_AUTHENTICATED)
    {
      g_task_return_new_error (task, HY_IMAP_ERROR, HY_IMAP_ERROR_STATE,
                               _ ("The session with the IMAP server %s is already logged in."), host (self));
      return;
    }

  for (guint i = 0; self->capabilities != NULL && self->capabilities[i] != NULL; i++)
    if (g_ascii_strncasecmp (self->capabilities[i], "AUTH=", 5) == 0)
      g_ptr_array_add (offered, self->capabilities[i] + 5);
  g_ptr_array_add (offered, NULL);
  required = hy_connection_get_auth_mechanism (self->connection);
  mechanism = hy_sasl_choose_required_mechanism ((const char * const *) offered->pdata, required, oauth2);

  /* A mechanism chosen in the account's settings is used or nothing is:
   * only "LOGIN" may fall back to the LOGIN command, which sends the same. */
  if (required != NULL && mechanism == NULL &&
      (g_strcmp0 (required, "LOGIN") != 0 || hy_imap_client_has_capability (self, "LOGINDISABLED")))
    {
      g_task_return_new_error (task, HY_NET_ERROR, HY_NET_ERROR_AUTH_MECHANISM,
                               _ ("The IMAP server %s does not offer the login method %s that the "
                                  "account is set to use. Choose another method, or “Automatic”, "
                                  "in the account’s settings."), host (self), required);
      return;
    }
  if (mechanism == NULL && (oauth2 || hy_imap_client_has_capability (self, "LOGINDISABLED")))
    {
      g_task_return_new_error (task, HY_NET_ERROR, HY_NET_ERROR_AUTH_MECHANISM,
                               _ ("The IMAP server %s offers no login method Hongyan supports%s."),
                               host (self), oauth2 ? " for OAuth 2.0 tokens" : "");
      return;
    }

  request = g_new0 (LoginRequest, 1);
  request->user = g_strdup (user);
  request->secret = g_strdup (secret);
  request->oauth2 = oauth2;
  request->automatic = required == NULL;
  g_task_set_task_data (task, request, (GDestroyNotify) login_request_free);
  login_send (self, g_steal_pointer (&task), mechanism);
}

gboolean
hy_imap_client_login_finish (HyImapClient  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return return_boolean_finish (self, result, hy_imap_client_login_async, error);
}

/* ---- IDLE --------------------------------------------------------------- */

static void
idle_send_done (HyImapClient *self)
{
  if (self->idle_cmd == NULL || !self->idling || self->idle_done_sent)
    return;
  self->idle_done_sent = TRUE;
  g_clear_handle_id (&self->idle_timer, g_source_remove);
  _hy_imap_client_send_raw (self, "DONE", NULL);
}

static gboolean
idle_timeout_cb (gpointer data)
{
  HyImapClient *self = data;

  self->idle_timer = 0;
  idle_send_done (self);
  return G_SOURCE_REMOVE;
}

typedef struct {
  guint timeout;
} IdleData;

static void
idle_continue (HyImapClient   *self,
               HyImapCommand  *cmd,
               HyImapResponse *response)
{
  IdleData *data = cmd->op_data;

  if (self->idling)
    {
      fail_protocol (self, "a second “+” during IDLE");
      return;
    }
  self->idling = TRUE;
  /* Changes may have arrived with the "+" already, or the caller may
   * already have asked to stop. */
  if (cmd->responses->len > 0 || self->idle_done_sent || cmd->task == NULL)
    {
      self->idle_done_sent = FALSE;
      idle_send_done (self);
      return;
    }
  if (data->timeout > 0)
    self->idle_timer = g_timeout_add (data->timeout * 1000, idle_timeout_cb, self);
}

static void
idle_done (HyImapClient  *self,
           HyImapCommand *cmd)
{
  _hy_imap_command_return_pointer (cmd, g_ptr_array_ref (cmd->responses), (GDestroyNotify) g_ptr_array_unref);
}

/**
 * hy_imap_client_idle_async:
 * @timeout_seconds: end IDLE after this long without changes (0: only
 *   when a change arrives or hy_imap_client_idle_stop() is called)
 *
 * Waits in IDLE (RFC 2177) until the selected mailbox changes (EXISTS,
 * EXPUNGE, VANISHED, FETCH), the timeout passes, hy_imap_client_idle_stop()
 * is called or @cancellable is cancelled; then ends IDLE cleanly with DONE
 * and the server's OK.
 */
void
hy_imap_client_idle_async (HyImapClient        *self,
                           guint                timeout_seconds,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  HyImapCommand *cmd;
  IdleData *data;
  GError *error = NULL;

  g_return_if_fail (HY_IS_IMAP_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_imap_client_idle_async);
  if (!_hy_imap_client_check_state (self, HY_IMAP_STATE_AUTHENTICATED, _ ("wait for changes (IDLE)"), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!hy_imap_client_has_capability (self, "IDLE"))
    {
      g_task_return_new_error (task, HY_IMAP_ERROR, HY_IMAP_ERROR_UNSUPPORTED,
                               _ ("The IMAP server %s does not support IDLE."), host (self));
      return;
    }
  if (self->idle_cmd != NULL)
    {
      g_task_return_new_error (task, HY_IMAP_ERROR, HY_IMAP_ERROR_STATE,
                               _ ("IDLE is already running on the session with %s."), host (self));
      return;
    }

  data = g_new0 (IdleData, 1);
  data->timeout = timeout_seconds;
  cmd = _hy_imap_command_new (self, "IDLE", task);
  cmd->op_data = data;
  cmd->op_data_free = g_free;
  cmd->exclusive = TRUE;
  cmd->collect = HY_IMAP_COLLECT (HY_IMAP_DATA_EXISTS) | HY_IMAP_COLLECT (HY_IMAP_DATA_EXPUNGE) |
                 HY_IMAP_COLLECT (HY_IMAP_DATA_FETCH) | HY_IMAP_COLLECT (HY_IMAP_DATA_VANISHED) |
                 HY_IMAP_COLLECT (HY_IMAP_DATA_RECENT);
  cmd->on_continue = idle_continue;
  cmd->done = idle_done;
  self->idle_cmd = cmd;
  self->idling = FALSE;
  self->idle_done_sent = FALSE;
  _hy_imap_client_submit (self, cmd);
}

/**
 * hy_imap_client_idle_finish:
 *
 * Returns: (transfer full) (element-type HyImapResponse): the changes that
 *   arrived during IDLE (possibly none)
 */
GPtrArray *
hy_imap_client_idle_finish (HyImapClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_imap_client_idle_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * hy_imap_client_idle_stop:
 *
 * Ends a running IDLE cleanly (DONE); its callback runs when the server
 * has confirmed.
 */
void
hy_imap_client_idle_stop (HyImapClient *self)
{
  g_return_if_fail (HY_IS_IMAP_CLIENT (self));

  if (self->idle_cmd == NULL)
    return;
  if (self->idling)
    idle_send_done (self);
  else
    self->idle_done_sent = TRUE;  /* send DONE as soon as the "+" comes */
}
