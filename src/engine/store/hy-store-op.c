/* hy-store-op.c — changes made offline, queued in the store until the server has them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "store/hy-store-op.h"
#include "store/hy-store-private.h"

G_DEFINE_BOXED_TYPE (HyStoreOp, hy_store_op, hy_store_op_copy, hy_store_op_free)

HyStoreOp *
hy_store_op_copy (const HyStoreOp *op)
{
  HyStoreOp *copy;

  g_return_val_if_fail (op != NULL, NULL);

  copy = g_memdup2 (op, sizeof *op);
  copy->folder = g_strdup (op->folder);
  copy->destination = g_strdup (op->destination);
  return copy;
}

void
hy_store_op_free (HyStoreOp *op)
{
  if (op == NULL)
    return;
  g_free (op->folder);
  g_free (op->destination);
  g_free (op);
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

static gboolean
step_done (HyStoreTransaction  *self,
           sqlite3_stmt        *stmt,
           int                  rc,
           GError             **error)
{
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _hy_store_set_error (error, _hy_store_transaction_get_store (self)->writer,
                           HY_STORE_ERROR_QUERY, _ ("Cannot read the mail cache"));
      return FALSE;
    }
  return TRUE;
}

gboolean
hy_store_transaction_queue_op (HyStoreTransaction  *self,
                               HyStoreOp           *op,
                               GError             **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (op != NULL && op->folder != NULL, FALSE);

  stmt = _hy_store_transaction_prepare (self,
                                        "INSERT INTO offline_ops (kind, folder, uidvalidity, uid, modseq, "
                                        "add_flags, remove_flags, destination, message, created) "
                                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, op->kind);
  bind_text (stmt, 2, op->folder);
  sqlite3_bind_int64 (stmt, 3, op->uidvalidity);
  sqlite3_bind_int64 (stmt, 4, op->uid);
  sqlite3_bind_int64 (stmt, 5, (gint64) op->modseq);
  sqlite3_bind_int64 (stmt, 6, op->add_flags);
  sqlite3_bind_int64 (stmt, 7, op->remove_flags);
  bind_text (stmt, 8, op->destination);
  sqlite3_bind_int64 (stmt, 9, op->message_id);
  sqlite3_bind_int64 (stmt, 10, g_get_real_time () / G_USEC_PER_SEC);
  if (!_hy_store_transaction_run (self, stmt, error))
    return FALSE;
  op->id = sqlite3_last_insert_rowid (_hy_store_transaction_get_store (self)->writer);
  return TRUE;
}

GPtrArray *
hy_store_transaction_list_ops (HyStoreTransaction  *self,
                               GError             **error)
{
  g_autoptr(GPtrArray) ops = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = _hy_store_transaction_prepare (self,
                                        "SELECT id, kind, folder, uidvalidity, uid, modseq, add_flags, "
                                        "remove_flags, destination, message FROM offline_ops ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  ops = g_ptr_array_new_with_free_func ((GDestroyNotify) hy_store_op_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      HyStoreOp *op = g_new0 (HyStoreOp, 1);

      op->id = sqlite3_column_int64 (stmt, 0);
      op->kind = sqlite3_column_int (stmt, 1);
      op->folder = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      op->uidvalidity = sqlite3_column_int64 (stmt, 3);
      op->uid = sqlite3_column_int64 (stmt, 4);
      op->modseq = sqlite3_column_int64 (stmt, 5);
      op->add_flags = sqlite3_column_int64 (stmt, 6);
      op->remove_flags = sqlite3_column_int64 (stmt, 7);
      op->destination = g_strdup ((const char *) sqlite3_column_text (stmt, 8));
      op->message_id = sqlite3_column_int64 (stmt, 9);
      g_ptr_array_add (ops, op);
    }
  if (!step_done (self, stmt, rc, error))
    return NULL;
  return g_steal_pointer (&ops);
}

HyStoreOp *
hy_store_transaction_find_move (HyStoreTransaction  *self,
                                gint64               message_id,
                                GError             **error)
{
  g_autoptr(GPtrArray) ops = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  /* Few operations wait at any time: reading them all is cheap. */
  ops = hy_store_transaction_list_ops (self, error);
  if (ops == NULL)
    return NULL;
  for (guint i = ops->len; i > 0; i--)
    {
      HyStoreOp *op = g_ptr_array_index (ops, i - 1);

      if (op->kind == HY_STORE_OP_MOVE && op->message_id == message_id)
        return g_ptr_array_steal_index (ops, i - 1);
    }
  return NULL;
}

gboolean
hy_store_transaction_update_op (HyStoreTransaction  *self,
                                const HyStoreOp     *op,
                                GError             **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (op != NULL, FALSE);

  stmt = _hy_store_transaction_prepare (self, "UPDATE offline_ops SET kind = ?2, destination = ?3 WHERE id = ?1",
                                        error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, op->id);
  sqlite3_bind_int (stmt, 2, op->kind);
  bind_text (stmt, 3, op->destination);
  return _hy_store_transaction_run (self, stmt, error);
}

gboolean
hy_store_transaction_remove_op (HyStoreTransaction  *self,
                                gint64               op_id,
                                GError             **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, FALSE);

  stmt = _hy_store_transaction_prepare (self, "DELETE FROM offline_ops WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, op_id);
  return _hy_store_transaction_run (self, stmt, error);
}

GHashTable *
hy_store_transaction_pending_uids (HyStoreTransaction  *self,
                                   const char          *folder,
                                   GError             **error)
{
  g_autoptr(GHashTable) uids = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = _hy_store_transaction_prepare (self, "SELECT uid FROM offline_ops WHERE folder = ?1", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, folder);
  uids = g_hash_table_new (NULL, NULL);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_add (uids, GUINT_TO_POINTER ((guint32) sqlite3_column_int64 (stmt, 0)));
  if (!step_done (self, stmt, rc, error))
    return NULL;
  return g_steal_pointer (&uids);
}

gboolean
hy_store_transaction_move_message (HyStoreTransaction  *self,
                                   gint64               message_id,
                                   gint64               folder_id,
                                   GError             **error)
{
  sqlite3_stmt *stmt;
  gint64 source = 0;
  gboolean unread = FALSE;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);

  stmt = _hy_store_transaction_prepare (self, "SELECT folder_id, flags FROM messages WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      source = sqlite3_column_int64 (stmt, 0);
      unread = (sqlite3_column_int64 (stmt, 1) & HY_STORE_FLAG_SEEN) == 0;
      rc = SQLITE_DONE;
    }
  if (!step_done (self, stmt, rc, error))
    return FALSE;
  if (source == 0 || source == folder_id)
    return TRUE;

  stmt = _hy_store_transaction_prepare (self, "UPDATE messages SET folder_id = ?2, uid = -id, modseq = 0 "
                                        "WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  sqlite3_bind_int64 (stmt, 2, folder_id);
  if (!_hy_store_transaction_run (self, stmt, error))
    return FALSE;
  _hy_store_transaction_changed (self, source, -1, unread ? -1 : 0);
  _hy_store_transaction_changed (self, folder_id, 1, unread ? 1 : 0);
  return TRUE;
}

gboolean
hy_store_transaction_set_uid (HyStoreTransaction  *self,
                              gint64               message_id,
                              guint32              uid,
                              GError             **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (uid != 0, FALSE);

  /* A row the server already sent under that UID (a sync ran between the
   * move and now) makes the waiting one redundant. */
  stmt = _hy_store_transaction_prepare (self, "UPDATE OR IGNORE messages SET uid = ?2 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  sqlite3_bind_int64 (stmt, 2, uid);
  return _hy_store_transaction_run (self, stmt, error);
}

gboolean
hy_store_transaction_remove_pending (HyStoreTransaction  *self,
                                     gint64               folder_id,
                                     GError             **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);

  stmt = _hy_store_transaction_prepare (self, "SELECT id FROM messages WHERE folder_id = ?1 AND uid <= 0", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  if (!step_done (self, stmt, rc, error))
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    if (!hy_store_transaction_remove_message (self, g_array_index (ids, gint64, i), error))
      return FALSE;
  return TRUE;
}

GArray *
hy_store_transaction_list_states (HyStoreTransaction  *self,
                                  gint64               folder_id,
                                  GError             **error)
{
  g_autoptr(GArray) states = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = _hy_store_transaction_prepare (self, "SELECT id, uid, flags, modseq FROM messages "
                                        "WHERE folder_id = ?1 AND uid > 0 ORDER BY uid", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  states = g_array_new (FALSE, FALSE, sizeof (HyStoreMessageState));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      HyStoreMessageState state = {
        .id = sqlite3_column_int64 (stmt, 0),
        .uid = sqlite3_column_int64 (stmt, 1),
        .flags = sqlite3_column_int64 (stmt, 2),
        .modseq = sqlite3_column_int64 (stmt, 3),
      };

      g_array_append_val (states, state);
    }
  if (!step_done (self, stmt, rc, error))
    return NULL;
  return g_steal_pointer (&states);
}

GArray *
hy_store_transaction_list_missing_bodies (HyStoreTransaction  *self,
                                          gint64               folder_id,
                                          gint64               since,
                                          guint                limit,
                                          GError             **error)
{
  g_autoptr(GArray) states = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = _hy_store_transaction_prepare (self,
                                        "SELECT m.id, m.uid, m.flags, m.modseq FROM messages m "
                                        "WHERE m.folder_id = ?1 AND m.uid > 0 AND m.received >= ?2 "
                                        "AND NOT EXISTS (SELECT 1 FROM bodies b WHERE b.message = m.id) "
                                        "ORDER BY m.received DESC LIMIT ?3", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, since);
  sqlite3_bind_int64 (stmt, 3, limit);
  states = g_array_new (FALSE, FALSE, sizeof (HyStoreMessageState));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      HyStoreMessageState state = {
        .id = sqlite3_column_int64 (stmt, 0),
        .uid = sqlite3_column_int64 (stmt, 1),
        .flags = sqlite3_column_int64 (stmt, 2),
        .modseq = sqlite3_column_int64 (stmt, 3),
      };

      g_array_append_val (states, state);
    }
  if (!step_done (self, stmt, rc, error))
    return NULL;
  return g_steal_pointer (&states);
}

GHashTable *
hy_store_transaction_list_pop3_uidls (HyStoreTransaction  *self,
                                      GError             **error)
{
  g_autoptr(GHashTable) uidls = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = _hy_store_transaction_prepare (self, "SELECT uidl, seen FROM pop3_uidls", error);
  if (stmt == NULL)
    return NULL;
  uidls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 seen = sqlite3_column_int64 (stmt, 1);

      g_hash_table_insert (uidls, g_strdup ((const char *) sqlite3_column_text (stmt, 0)),
                           g_memdup2 (&seen, sizeof seen));
    }
  if (!step_done (self, stmt, rc, error))
    return NULL;
  return g_steal_pointer (&uidls);
}

gboolean
hy_store_transaction_add_pop3_uidl (HyStoreTransaction  *self,
                                    const char          *uidl,
                                    gint64               seen,
                                    GError             **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (uidl != NULL, FALSE);

  stmt = _hy_store_transaction_prepare (self, "INSERT OR IGNORE INTO pop3_uidls (uidl, seen) VALUES (?1, ?2)", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, uidl);
  sqlite3_bind_int64 (stmt, 2, seen);
  return _hy_store_transaction_run (self, stmt, error);
}

gboolean
hy_store_transaction_remove_pop3_uidl (HyStoreTransaction  *self,
                                       const char          *uidl,
                                       GError             **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, FALSE);

  stmt = _hy_store_transaction_prepare (self, "DELETE FROM pop3_uidls WHERE uidl = ?1", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, uidl);
  return _hy_store_transaction_run (self, stmt, error);
}

GArray *
hy_store_transaction_find_message_id (HyStoreTransaction  *self,
                                      const char          *message_id,
                                      GError             **error)
{
  g_autoptr(GArray) ids = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (message_id != NULL, NULL);

  /* A message's own id is in thread_ids, with its thread (see 006-message-id-lookup.sql). */
  stmt = _hy_store_transaction_prepare (self, "SELECT m.id FROM thread_ids AS t JOIN messages AS m "
                                        "ON m.thread_id = t.thread_id WHERE t.msgid = ?1 AND m.message_id = ?1 "
                                        "ORDER BY m.date DESC, m.id", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, message_id);
  ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  if (!step_done (self, stmt, rc, error))
    return NULL;
  return g_steal_pointer (&ids);
}
