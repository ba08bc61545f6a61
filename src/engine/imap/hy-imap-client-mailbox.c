/* hy-imap-client-mailbox.c — HyImapClient: LIST, STATUS, CREATE, DELETE,
 * RENAME, SUBSCRIBE and SELECT/EXAMINE (with CONDSTORE and QRESYNC)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-imap"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "imap/hy-imap-client-private.h"
#include "imap/hy-imap-error.h"
#include "imap/hy-imap-utf7.h"

static char *
wire_name (HyImapClient *self,
           const char   *utf8)
{
  if (_hy_imap_client_utf8_enabled (self))
    return g_strdup (utf8);
  return hy_imap_utf7_encode (utf8);
}

static void
status_items (HyImapClient      *self,
              HyImapCommand     *cmd,
              HyImapStatusItems  items)
{
  static const struct { HyImapStatusItems bit; const char *name; const char *needs; } names[] = {
    { HY_IMAP_STATUS_MESSAGES, "MESSAGES", NULL },
    { HY_IMAP_STATUS_RECENT, "RECENT", NULL },
    { HY_IMAP_STATUS_UIDNEXT, "UIDNEXT", NULL },
    { HY_IMAP_STATUS_UIDVALIDITY, "UIDVALIDITY", NULL },
    { HY_IMAP_STATUS_UNSEEN, "UNSEEN", NULL },
    { HY_IMAP_STATUS_HIGHESTMODSEQ, "HIGHESTMODSEQ", "CONDSTORE" },
    { HY_IMAP_STATUS_SIZE, "SIZE", "STATUS=SIZE" },
  };
  gboolean first = TRUE;

  _hy_imap_command_add (cmd, "(");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      if ((items & names[i].bit) == 0)
        continue;
      if (names[i].needs != NULL && !hy_imap_client_has_capability (self, names[i].needs))
        continue;
      _hy_imap_command_add_printf (cmd, "%s%s", first ? "" : " ", names[i].name);
      first = FALSE;
    }
  if (first)
    _hy_imap_command_add (cmd, "MESSAGES");
  _hy_imap_command_add (cmd, ")");
}

#define LIST_STATUS_ITEMS (HY_IMAP_STATUS_MESSAGES | HY_IMAP_STATUS_UNSEEN | HY_IMAP_STATUS_UIDNEXT | \
                           HY_IMAP_STATUS_UIDVALIDITY | HY_IMAP_STATUS_HIGHESTMODSEQ)

/* ---- STATUS ------------------------------------------------------------- */

static void
status_done (HyImapClient  *self,
             HyImapCommand *cmd)
{
  for (guint i = 0; i < cmd->responses->len; i++)
    {
      HyImapResponse *r = g_ptr_array_index (cmd->responses, i);

      if (r->status != NULL)
        {
          _hy_imap_command_return_pointer (cmd, g_steal_pointer (&r->status),
                                           (GDestroyNotify) hy_imap_status_free);
          return;
        }
    }
  _hy_imap_command_return_error (cmd, g_error_new (HY_IMAP_ERROR, HY_IMAP_ERROR_PROTOCOL,
                                                   _ ("The IMAP server %s answered STATUS without the status."),
                                                   _hy_imap_client_host (self)));
}

void
hy_imap_client_status_async (HyImapClient        *self,
                             const char          *mailbox,
                             HyImapStatusItems    items,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  HyImapCommand *cmd;
  GError *error = NULL;

  g_return_if_fail (HY_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);

  task = _hy_imap_client_start_task (self, hy_imap_client_status_async, HY_IMAP_STATE_AUTHENTICATED,
                     _ ("ask for a mailbox status"), cancellable, callback, user_data);
  if (task == NULL)
    return;

  cmd = _hy_imap_command_new (self, "STATUS", task);
  cmd->collect = HY_IMAP_COLLECT (HY_IMAP_DATA_STATUS);
  cmd->match = wire_name (self, mailbox);
  cmd->done = status_done;
  _hy_imap_command_add (cmd, " ");
  if (!_hy_imap_command_add_mailbox (self, cmd, mailbox, &error))
    {
      _hy_imap_command_return_error (cmd, error);
      _hy_imap_command_unref (cmd);
      return;
    }
  _hy_imap_command_add (cmd, " ");
  status_items (self, cmd, items);
  _hy_imap_client_submit (self, cmd);
}

/**
 * hy_imap_client_status_finish:
 *
 * Returns: (transfer full): the items the server reported
 */
HyImapStatus *
hy_imap_client_status_finish (HyImapClient  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_imap_client_status_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- LIST --------------------------------------------------------------- */

typedef struct {
  GPtrArray *mailboxes;
  guint      waiting;
} ListData;

static void
list_data_free (ListData *data)
{
  g_clear_pointer (&data->mailboxes, g_ptr_array_unref);
  g_free (data);
}

static void
list_status_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = NULL;
  GTask *borrowed = user_data;
  ListData *data = g_task_get_task_data (borrowed);
  g_autoptr(GError) error = NULL;
  HyImapStatus *status = hy_imap_client_status_finish (HY_IMAP_CLIENT (source), result, &error);

  if (status != NULL)
    {
      for (guint i = 0; i < data->mailboxes->len; i++)
        {
          HyImapMailbox *mailbox = g_ptr_array_index (data->mailboxes, i);

          if (mailbox->status == NULL && _hy_imap_mailbox_names_equal (mailbox->raw_name, status->raw_name))
            {
              mailbox->status = g_steal_pointer (&status);
              break;
            }
        }
      hy_imap_status_free (status);
    }
  else
    g_debug ("STATUS failed during LIST: %s", error->message);

  task = borrowed;  /* each STATUS held one reference */
  if (--data->waiting == 0)
    g_task_return_pointer (task, g_steal_pointer (&data->mailboxes), (GDestroyNotify) g_ptr_array_unref);
}

static void
list_done (HyImapClient  *self,
           HyImapCommand *cmd)
{
  gboolean want_status = GPOINTER_TO_UINT (cmd->op_data) & HY_IMAP_LIST_STATUS;
  GPtrArray *mailboxes = g_ptr_array_new_with_free_func ((GDestroyNotify) hy_imap_mailbox_free);
  g_autoptr(GTask) task = NULL;
  ListData *data;

  for (guint i = 0; i < cmd->responses->len; i++)
    {
      HyImapResponse *r = g_ptr_array_index (cmd->responses, i);

      if (r->mailbox != NULL)
        g_ptr_array_add (mailboxes, g_steal_pointer (&r->mailbox));
    }
  /* LIST-STATUS: STATUS responses follow the LIST responses */
  for (guint i = 0; i < cmd->responses->len; i++)
    {
      HyImapResponse *r = g_ptr_array_index (cmd->responses, i);

      if (r->status == NULL)
        continue;
      for (guint j = 0; j < mailboxes->len; j++)
        {
          HyImapMailbox *mailbox = g_ptr_array_index (mailboxes, j);

          if (mailbox->status == NULL && _hy_imap_mailbox_names_equal (mailbox->raw_name, r->status->raw_name))
            {
              mailbox->status = g_steal_pointer (&r->status);
              break;
            }
        }
    }

  task = g_steal_pointer (&cmd->task);
  if (task == NULL)
    {
      g_ptr_array_unref (mailboxes);
      return;
    }
  if (!want_status || hy_imap_client_has_capability (self, "LIST-STATUS"))
    {
      g_task_return_pointer (task, mailboxes, (GDestroyNotify) g_ptr_array_unref);
      return;
    }

  /* No LIST-STATUS: one STATUS per selectable mailbox, pipelined. */
  data = g_new0 (ListData, 1);
  data->mailboxes = mailboxes;
  data->waiting = 1;
  g_task_set_task_data (task, data, (GDestroyNotify) list_data_free);
  for (guint i = 0; i < mailboxes->len; i++)
    {
      HyImapMailbox *mailbox = g_ptr_array_index (mailboxes, i);

      if (hy_imap_mailbox_has_attribute (mailbox, "\\Noselect") ||
          hy_imap_mailbox_has_attribute (mailbox, "\\NonExistent"))
        continue;
      data->waiting++;
      hy_imap_client_status_async (self, mailbox->name, LIST_STATUS_ITEMS,
                                   g_task_get_cancellable (task), list_status_cb, g_object_ref (task));
    }
  if (--data->waiting == 0)
    g_task_return_pointer (task, g_steal_pointer (&data->mailboxes), (GDestroyNotify) g_ptr_array_unref);
}

/**
 * hy_imap_client_list_async:
 * @reference: the reference name, usually ""
 * @pattern: the mailbox pattern, e.g. "*"
 * @flags: whether to list only subscribed mailboxes, and whether to fetch
 *   each mailbox's STATUS (with LIST-STATUS in the same command)
 *
 * Lists mailboxes with their attributes, including the SPECIAL-USE ones
 * (\Sent, \Trash…) when the server supports them.
 */
void
hy_imap_client_list_async (HyImapClient        *self,
                           const char          *reference,
                           const char          *pattern,
                           HyImapListFlags      flags,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  HyImapCommand *cmd;
  gboolean extended;
  gboolean lsub;
  gboolean special_use, list_status;
  GError *error = NULL;

  g_return_if_fail (HY_IS_IMAP_CLIENT (self));
  g_return_if_fail (reference != NULL);
  g_return_if_fail (pattern != NULL);

  task = _hy_imap_client_start_task (self, hy_imap_client_list_async, HY_IMAP_STATE_AUTHENTICATED,
                     _ ("list mailboxes"), cancellable, callback, user_data);
  if (task == NULL)
    return;

  extended = hy_imap_client_has_capability (self, "LIST-EXTENDED");
  lsub = (flags & HY_IMAP_LIST_SUBSCRIBED) != 0 && !extended;

  cmd = _hy_imap_command_new (self, lsub ? "LSUB" : "LIST", task);
  cmd->collect = HY_IMAP_COLLECT (HY_IMAP_DATA_LIST) | HY_IMAP_COLLECT (HY_IMAP_DATA_LSUB) |
                 HY_IMAP_COLLECT (HY_IMAP_DATA_STATUS);
  cmd->op_data = GUINT_TO_POINTER (flags);
  cmd->done = list_done;

  if (!lsub && (flags & HY_IMAP_LIST_SUBSCRIBED) != 0)
    _hy_imap_command_add (cmd, " (SUBSCRIBED)");
  _hy_imap_command_add (cmd, " ");
  if (!_hy_imap_command_add_mailbox (self, cmd, reference, &error))
    goto fail;
  _hy_imap_command_add (cmd, " ");
  if (!_hy_imap_command_add_mailbox (self, cmd, pattern, &error))
    goto fail;

  special_use = !lsub && extended && hy_imap_client_has_capability (self, "SPECIAL-USE");
  list_status = !lsub && (flags & HY_IMAP_LIST_STATUS) != 0 &&
                hy_imap_client_has_capability (self, "LIST-STATUS");
  if (special_use || list_status)
    {
      _hy_imap_command_add (cmd, " RETURN (");
      if (special_use)
        _hy_imap_command_add (cmd, list_status ? "SPECIAL-USE " : "SPECIAL-USE");
      if (list_status)
        {
          _hy_imap_command_add (cmd, "STATUS ");
          status_items (self, cmd, LIST_STATUS_ITEMS);
        }
      _hy_imap_command_add (cmd, ")");
    }
  _hy_imap_client_submit (self, cmd);
  return;

fail:
  _hy_imap_command_return_error (cmd, error);
  _hy_imap_command_unref (cmd);
}

/**
 * hy_imap_client_list_finish:
 *
 * Returns: (transfer full) (element-type HyImapMailbox): the mailboxes
 */
GPtrArray *
hy_imap_client_list_finish (HyImapClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_imap_client_list_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- CREATE, DELETE, RENAME, SUBSCRIBE ---------------------------------- */

static void
mailbox_op (HyImapClient        *self,
            const char          *name,
            const char          *mailbox,
            const char          *new_name,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *what = g_strdup_printf ("run %s", name);
  HyImapCommand *cmd;
  GError *error = NULL;

  task = _hy_imap_client_start_task (self, hy_imap_client_mailbox_op_finish, HY_IMAP_STATE_AUTHENTICATED,
                     what, cancellable, callback, user_data);
  if (task == NULL)
    return;

  cmd = _hy_imap_command_new (self, name, task);
  _hy_imap_command_add (cmd, " ");
  if (!_hy_imap_command_add_mailbox (self, cmd, mailbox, &error))
    goto fail;
  if (new_name != NULL)
    {
      _hy_imap_command_add (cmd, " ");
      if (!_hy_imap_command_add_mailbox (self, cmd, new_name, &error))
        goto fail;
    }
  /* DELETE/RENAME of the selected mailbox changes the session's state. */
  if (g_strcmp0 (hy_imap_client_get_selected (self), mailbox) == 0 && new_name == NULL &&
      strcmp (name, "DELETE") == 0)
    cmd->exclusive = TRUE;
  _hy_imap_client_submit (self, cmd);
  return;

fail:
  _hy_imap_command_return_error (cmd, error);
  _hy_imap_command_unref (cmd);
}

void
hy_imap_client_create_async (HyImapClient        *self,
                             const char          *mailbox,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (HY_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);
  mailbox_op (self, "CREATE", mailbox, NULL, cancellable, callback, user_data);
}

void
hy_imap_client_delete_async (HyImapClient        *self,
                             const char          *mailbox,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (HY_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);
  mailbox_op (self, "DELETE", mailbox, NULL, cancellable, callback, user_data);
}

void
hy_imap_client_rename_async (HyImapClient        *self,
                             const char          *mailbox,
                             const char          *new_name,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (HY_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);
  g_return_if_fail (new_name != NULL);
  mailbox_op (self, "RENAME", mailbox, new_name, cancellable, callback, user_data);
}

void
hy_imap_client_subscribe_async (HyImapClient        *self,
                                const char          *mailbox,
                                gboolean             subscribe,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (HY_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);
  mailbox_op (self, subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE", mailbox, NULL,
              cancellable, callback, user_data);
}

gboolean
hy_imap_client_mailbox_op_finish (HyImapClient  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_imap_client_mailbox_op_finish, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- SELECT / EXAMINE --------------------------------------------------- */

void
hy_imap_select_result_free (HyImapSelectResult *result)
{
  if (result == NULL)
    return;
  g_free (result->name);
  g_strfreev (result->flags);
  g_strfreev (result->permanent_flags);
  g_clear_pointer (&result->vanished, g_array_unref);
  g_clear_pointer (&result->changed, g_ptr_array_unref);
  g_free (result);
}

typedef struct {
  char     *name;
  gboolean  examine;
} SelectData;

static void
select_data_free (SelectData *data)
{
  g_free (data->name);
  g_free (data);
}

static void
select_done (HyImapClient  *self,
             HyImapCommand *cmd)
{
  SelectData *data = cmd->op_data;
  g_autoptr(HyImapSelectResult) result = g_new0 (HyImapSelectResult, 1);

  result->name = g_strdup (data->name);
  result->read_only = data->examine;
  result->vanished = g_array_new (FALSE, FALSE, sizeof (HyImapRange));
  result->changed = g_ptr_array_new_with_free_func ((GDestroyNotify) hy_imap_fetch_free);

  for (guint i = 0; i < cmd->responses->len; i++)
    {
      HyImapResponse *r = g_ptr_array_index (cmd->responses, i);
      HyImapResponseCode *code = r->code;

      switch (r->data)
        {
        case HY_IMAP_DATA_EXISTS:
          result->exists = r->number;
          break;
        case HY_IMAP_DATA_RECENT:
          result->recent = r->number;
          break;
        case HY_IMAP_DATA_FLAGS:
          g_strfreev (result->flags);
          result->flags = g_strdupv (r->strv);
          break;
        case HY_IMAP_DATA_VANISHED:
          g_array_append_vals (result->vanished, r->uids->data, r->uids->len);
          break;
        case HY_IMAP_DATA_FETCH:
          g_ptr_array_add (result->changed, g_steal_pointer (&r->fetch));
          break;
        default:
          break;
        }
      if (code == NULL)
        continue;
      switch (code->kind)
        {
        case HY_IMAP_CODE_UIDVALIDITY:
          result->uidvalidity = (guint32) code->number;
          break;
        case HY_IMAP_CODE_UIDNEXT:
          result->uidnext = (guint32) code->number;
          break;
        case HY_IMAP_CODE_UNSEEN:
          result->unseen = (guint32) code->number;
          break;
        case HY_IMAP_CODE_HIGHESTMODSEQ:
          result->highestmodseq = code->number;
          break;
        case HY_IMAP_CODE_NOMODSEQ:
          result->highestmodseq = 0;
          break;
        case HY_IMAP_CODE_PERMANENTFLAGS:
          g_strfreev (result->permanent_flags);
          result->permanent_flags = g_strdupv (code->strv);
          break;
        default:
          break;
        }
    }
  if (cmd->tagged->code != NULL && cmd->tagged->code->kind == HY_IMAP_CODE_READ_ONLY)
    result->read_only = TRUE;
  if (result->flags == NULL)
    result->flags = g_new0 (char *, 1);
  if (result->permanent_flags == NULL)
    result->permanent_flags = g_new0 (char *, 1);

  _hy_imap_client_set_selected (self, data->name);
  _hy_imap_command_return_pointer (cmd, g_steal_pointer (&result),
                                   (GDestroyNotify) hy_imap_select_result_free);
}

/**
 * hy_imap_client_select_async:
 * @mailbox: the mailbox (UTF-8)
 * @read_only: EXAMINE instead of SELECT
 * @qresync_uidvalidity: with QRESYNC enabled and non-zero: the UIDVALIDITY
 *   the caller knows, so that the server reports what vanished and changed
 * @qresync_modseq: the highest MODSEQ the caller knows
 * @qresync_known_uids: (nullable): UIDs the caller knows, as a set
 *
 * Selects @mailbox.  With CONDSTORE (and no QRESYNC) it asks for
 * HIGHESTMODSEQ.  On failure no mailbox is selected any more.
 */
void
hy_imap_client_select_async (HyImapClient        *self,
                             const char          *mailbox,
                             gboolean             read_only,
                             guint32              qresync_uidvalidity,
                             guint64              qresync_modseq,
                             const char          *qresync_known_uids,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  HyImapCommand *cmd;
  SelectData *data;
  GError *error = NULL;
  gboolean qresync = FALSE;

  g_return_if_fail (HY_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);

  task = _hy_imap_client_start_task (self, hy_imap_client_select_async, HY_IMAP_STATE_AUTHENTICATED,
                     _ ("open a mailbox"), cancellable, callback, user_data);
  if (task == NULL)
    return;

  data = g_new0 (SelectData, 1);
  data->name = g_strdup (mailbox);
  data->examine = read_only;
  cmd = _hy_imap_command_new (self, read_only ? "EXAMINE" : "SELECT", task);
  cmd->op_data = data;
  cmd->op_data_free = (GDestroyNotify) select_data_free;
  cmd->exclusive = TRUE;
  cmd->deselect_on_failure = TRUE;
  cmd->collect = HY_IMAP_COLLECT (HY_IMAP_DATA_NONE) | HY_IMAP_COLLECT (HY_IMAP_DATA_FLAGS) |
                 HY_IMAP_COLLECT (HY_IMAP_DATA_EXISTS) | HY_IMAP_COLLECT (HY_IMAP_DATA_RECENT) |
                 HY_IMAP_COLLECT (HY_IMAP_DATA_VANISHED) | HY_IMAP_COLLECT (HY_IMAP_DATA_FETCH);
  cmd->done = select_done;
  _hy_imap_command_add (cmd, " ");
  if (!_hy_imap_command_add_mailbox (self, cmd, mailbox, &error))
    {
      _hy_imap_command_return_error (cmd, error);
      _hy_imap_command_unref (cmd);
      return;
    }

  /* QRESYNC is usable only once enabled (hy_imap_client_enable_async). */
  if (qresync_uidvalidity != 0 && qresync_modseq != 0 && _hy_imap_client_qresync_enabled (self))
    {
      if (qresync_known_uids != NULL)
        {
          g_autoptr(GArray) check = hy_imap_seqset_parse (qresync_known_uids, -1, &error);

          if (check == NULL)
            {
              _hy_imap_command_return_error (cmd, error);
              _hy_imap_command_unref (cmd);
              return;
            }
        }
      _hy_imap_command_add_printf (cmd, " (QRESYNC (%u %" G_GUINT64_FORMAT "%s%s))",
                                   qresync_uidvalidity, qresync_modseq,
                                   qresync_known_uids != NULL ? " " : "",
                                   qresync_known_uids != NULL ? qresync_known_uids : "");
      qresync = TRUE;
    }
  if (!qresync && hy_imap_client_has_capability (self, "CONDSTORE"))
    _hy_imap_command_add (cmd, " (CONDSTORE)");
  _hy_imap_client_submit (self, cmd);
}

/**
 * hy_imap_client_select_finish:
 *
 * Returns: (transfer full): what the server reported about the mailbox
 */
HyImapSelectResult *
hy_imap_client_select_finish (HyImapClient  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_imap_client_select_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
