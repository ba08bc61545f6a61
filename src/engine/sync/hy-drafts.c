/* hy-drafts.c — one account's drafts: saved locally at once, then kept in step with the server's Drafts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-outbox"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "sync/hy-drafts.h"
#include "sync/hy-outbox-private.h"

struct _HyDrafts {
  GObject        parent_instance;

  HyAccount     *account;
  HyCredentials *credentials;
  HyStore       *store;
  char          *ca_file;
  GMainContext  *context;

  GMutex         db_lock;
  sqlite3       *db;
};

G_DEFINE_FINAL_TYPE (HyDrafts, hy_drafts, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (HyDraftInfo, hy_draft_info, hy_draft_info_copy, hy_draft_info_free)

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

HyDraftInfo *
hy_draft_info_copy (const HyDraftInfo *info)
{
  HyDraftInfo *copy = g_new0 (HyDraftInfo, 1);

  *copy = *info;
  copy->subject = g_strdup (info->subject);
  copy->message_id = g_strdup (info->message_id);
  return copy;
}

void
hy_draft_info_free (HyDraftInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->subject);
  g_free (info->message_id);
  g_free (info);
}

static gboolean
emit_changed_now (gpointer data)
{
  g_signal_emit (data, signals[SIGNAL_CHANGED], 0);
  return G_SOURCE_REMOVE;
}

static void
emit_changed (HyDrafts *self)
{
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_changed_now,
                              g_object_ref (self), g_object_unref);
}

static void
hy_drafts_dispose (GObject *object)
{
  HyDrafts *self = HY_DRAFTS (object);

  g_clear_object (&self->account);
  g_clear_object (&self->credentials);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (hy_drafts_parent_class)->dispose (object);
}

static void
hy_drafts_finalize (GObject *object)
{
  HyDrafts *self = HY_DRAFTS (object);

  g_clear_pointer (&self->db, sqlite3_close);
  g_mutex_clear (&self->db_lock);
  g_free (self->ca_file);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (hy_drafts_parent_class)->finalize (object);
}

static void
hy_drafts_class_init (HyDraftsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hy_drafts_dispose;
  object_class->finalize = hy_drafts_finalize;

  g_mime_init ();

  /**
   * HyDrafts::changed:
   *
   * Drafts were saved, deleted, or reached the server.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hy_drafts_init (HyDrafts *self)
{
  g_mutex_init (&self->db_lock);
  self->context = g_main_context_ref_thread_default ();
}

HyDrafts *
hy_drafts_new (HyAccount     *account,
               HyCredentials *credentials,
               HyStore       *store)
{
  HyDrafts *self;

  g_return_val_if_fail (HY_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (credentials == NULL || HY_IS_CREDENTIALS (credentials), NULL);
  g_return_val_if_fail (HY_IS_STORE (store), NULL);

  self = g_object_new (HY_TYPE_DRAFTS, NULL);
  self->account = g_object_ref (account);
  self->credentials = credentials != NULL ? g_object_ref (credentials) : NULL;
  self->store = g_object_ref (store);
  return self;
}

void
hy_drafts_set_ca_file (HyDrafts   *self,
                       const char *ca_file)
{
  g_return_if_fail (HY_IS_DRAFTS (self));
  g_free (self->ca_file);
  self->ca_file = g_strdup (ca_file);
}

/* ---- local -------------------------------------------------------------- */

static gboolean
ensure_db (HyDrafts  *self,
           GError   **error)
{
  if (self->db == NULL)
    self->db = _hy_outbox_open_db (self->store, error);
  return self->db != NULL;
}

static gboolean
step_done (HyDrafts     *self,
           sqlite3_stmt *stmt,
           GError      **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      _hy_outbox_db_error (error, self->db, _ ("Cannot save the draft"));
      return FALSE;
    }
  return TRUE;
}

static sqlite3_stmt *
prepare (HyDrafts    *self,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      _hy_outbox_db_error (error, self->db, _ ("Cannot save the draft"));
      return NULL;
    }
  return stmt;
}

/* Queues the removal of the server's copy of draft @id (by UID where
 * known, and by Message-ID).  Call inside a transaction. */
static gboolean
queue_removal (HyDrafts  *self,
               gint64     id,
               GError   **error)
{
  sqlite3_stmt *stmt = prepare (self,
    "INSERT INTO draft_removals (folder, uidvalidity, uid, message_id) "
    "SELECT coalesce (server_folder, ''), server_uidvalidity, server_uid, message_id "
    "  FROM drafts WHERE id = ? AND (server_uid > 0 OR message_id IS NOT NULL)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  return step_done (self, stmt, error);
}

static gboolean
draft_exists (HyDrafts  *self,
              gint64     id,
              GError   **error)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT 1 FROM drafts WHERE id = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc == SQLITE_ROW)
    return TRUE;
  g_set_error (error, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_NOT_FOUND,
               /* Translators: %lld is the draft's number */
               _ ("There is no draft %lld"), (long long) id);
  return FALSE;
}

gint64
hy_drafts_save (HyDrafts  *self,
                gint64     replaces,
                GBytes    *message,
                GError   **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *message_id = NULL;
  sqlite3_stmt *stmt;
  gint64 id = 0;

  g_return_val_if_fail (HY_IS_DRAFTS (self), 0);
  g_return_val_if_fail (message != NULL, 0);

  if (!_hy_outbox_parse_header (message, &subject, &message_id, NULL, NULL, error))
    return 0;

  locker = g_mutex_locker_new (&self->db_lock);
  if (!ensure_db (self, error) || !_hy_outbox_db_exec (self->db, "BEGIN IMMEDIATE", error))
    return 0;

  if (replaces > 0)
    {
      /* The old version's server copy goes once the new one is there. */
      if (!draft_exists (self, replaces, error) || !queue_removal (self, replaces, error))
        goto fail;
      stmt = prepare (self, "UPDATE drafts SET updated = ?2, subject = ?3, message_id = ?4, raw = ?5, "
                            "pending = 1, server_folder = NULL, server_uidvalidity = 0, server_uid = 0 "
                            "WHERE id = ?1", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, replaces);
      id = replaces;
    }
  else
    {
      stmt = prepare (self, "INSERT INTO drafts (updated, subject, message_id, raw, pending) "
                            "VALUES (?2, ?3, ?4, ?5, 1)", error);
      if (stmt == NULL)
        goto fail;
    }
  sqlite3_bind_int64 (stmt, 2, g_get_real_time () / G_USEC_PER_SEC);
  sqlite3_bind_text (stmt, 3, subject, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, message_id, -1, SQLITE_STATIC);
  sqlite3_bind_blob64 (stmt, 5, g_bytes_get_data (message, NULL), g_bytes_get_size (message), SQLITE_STATIC);
  if (!step_done (self, stmt, error))
    goto fail;
  if (id == 0)
    id = sqlite3_last_insert_rowid (self->db);
  if (!_hy_outbox_db_exec (self->db, "COMMIT", error))
    goto fail;
  g_clear_pointer (&locker, g_mutex_locker_free);
  emit_changed (self);
  return id;

fail:
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  return 0;
}

gint64
hy_drafts_adopt (HyDrafts  *self,
                 GBytes    *message,
                 GError   **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *message_id = NULL;
  sqlite3_stmt *stmt;
  gint64 id;

  g_return_val_if_fail (HY_IS_DRAFTS (self), 0);
  g_return_val_if_fail (message != NULL, 0);

  if (!_hy_outbox_parse_header (message, &subject, &message_id, NULL, NULL, error))
    return 0;
  if (message_id == NULL)
    {
      g_set_error_literal (error, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_INVALID,
                           _ ("The draft has no Message-ID, so its copy on the server cannot be "
                              "replaced"));
      return 0;
    }

  locker = g_mutex_locker_new (&self->db_lock);
  if (!ensure_db (self, error))
    return 0;
  /* Already on the server: nothing to push, and its Message-ID finds the
   * server's copy when a new version or a deletion replaces it. */
  stmt = prepare (self, "INSERT INTO drafts (updated, subject, message_id, raw, pending) "
                        "VALUES (?1, ?2, ?3, ?4, 0)", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time () / G_USEC_PER_SEC);
  sqlite3_bind_text (stmt, 2, subject, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, message_id, -1, SQLITE_STATIC);
  sqlite3_bind_blob64 (stmt, 4, g_bytes_get_data (message, NULL), g_bytes_get_size (message), SQLITE_STATIC);
  if (!step_done (self, stmt, error))
    return 0;
  id = sqlite3_last_insert_rowid (self->db);
  g_clear_pointer (&locker, g_mutex_locker_free);
  emit_changed (self);
  return id;
}

typedef struct {
  gint64  replaces;
  GBytes *message;
} SaveData;

static void
save_data_free (gpointer data)
{
  SaveData *save = data;

  g_bytes_unref (save->message);
  g_free (save);
}

static void
save_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveData *save = task_data;
  GError *error = NULL;
  gint64 id = hy_drafts_save (source, save->replaces, save->message, &error);

  if (id > 0)
    g_task_return_int (task, id);
  else
    g_task_return_error (task, error);
}

void
hy_drafts_save_async (HyDrafts            *self,
                      gint64               replaces,
                      GBytes              *message,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SaveData *save = g_new0 (SaveData, 1);

  g_return_if_fail (HY_IS_DRAFTS (self));
  g_return_if_fail (message != NULL);

  save->replaces = replaces;
  save->message = g_bytes_ref (message);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_drafts_save_async);
  g_task_set_task_data (task, save, save_data_free);
  g_task_run_in_thread (task, save_thread);
}

gint64
hy_drafts_save_finish (HyDrafts      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  return g_task_propagate_int (G_TASK (result), error);
}

gboolean
hy_drafts_delete (HyDrafts  *self,
                  gint64     id,
                  GError   **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (HY_IS_DRAFTS (self), FALSE);

  locker = g_mutex_locker_new (&self->db_lock);
  if (!ensure_db (self, error) || !_hy_outbox_db_exec (self->db, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!draft_exists (self, id, error) || !queue_removal (self, id, error))
    goto fail;
  stmt = prepare (self, "DELETE FROM drafts WHERE id = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!step_done (self, stmt, error) || !_hy_outbox_db_exec (self->db, "COMMIT", error))
    goto fail;
  g_clear_pointer (&locker, g_mutex_locker_free);
  emit_changed (self);
  return TRUE;

fail:
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

GPtrArray *
hy_drafts_list (HyDrafts  *self,
                GError   **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(GPtrArray) drafts = g_ptr_array_new_with_free_func ((GDestroyNotify) hy_draft_info_free);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (HY_IS_DRAFTS (self), NULL);

  locker = g_mutex_locker_new (&self->db_lock);
  if (!ensure_db (self, error))
    return NULL;
  stmt = prepare (self, "SELECT id, subject, message_id, updated, pending FROM drafts "
                        "ORDER BY updated DESC, id DESC", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      HyDraftInfo *info = g_new0 (HyDraftInfo, 1);

      info->id = sqlite3_column_int64 (stmt, 0);
      info->subject = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      info->message_id = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      info->updated = sqlite3_column_int64 (stmt, 3);
      info->on_server = sqlite3_column_int (stmt, 4) == 0;
      g_ptr_array_add (drafts, info);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      _hy_outbox_db_error (error, self->db, _ ("Cannot read the drafts"));
      return NULL;
    }
  return g_steal_pointer (&drafts);
}

GBytes *
hy_drafts_get_message (HyDrafts  *self,
                       gint64     id,
                       GError   **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  sqlite3_stmt *stmt;
  GBytes *raw = NULL;

  g_return_val_if_fail (HY_IS_DRAFTS (self), NULL);

  locker = g_mutex_locker_new (&self->db_lock);
  if (!ensure_db (self, error))
    return NULL;
  stmt = prepare (self, "SELECT raw FROM drafts WHERE id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    raw = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
  else
    g_set_error (error, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_NOT_FOUND,
                 /* Translators: %lld is the draft's number */
                 _ ("There is no draft %lld"), (long long) id);
  sqlite3_finalize (stmt);
  return raw;
}

/* ---- server ------------------------------------------------------------- */

typedef struct {
  gint64  id;
  char   *message_id;
  GBytes *raw;
} Pending;

static void
pending_free (gpointer data)
{
  Pending *p = data;

  g_free (p->message_id);
  g_clear_pointer (&p->raw, g_bytes_unref);
  g_free (p);
}

typedef struct {
  gint64   id;
  guint32  uidvalidity;
  guint32  uid;
  char    *message_id;
  gboolean live;          /* a draft still carries this Message-ID */
} Removal;

static void
removal_free (gpointer data)
{
  Removal *r = data;

  g_free (r->message_id);
  g_free (r);
}

static char *
format_uids (GArray *uids)
{
  g_autoptr(GString) set = g_string_new (NULL);

  for (guint i = 0; i < uids->len; i++)
    g_string_append_printf (set, "%s%u", i > 0 ? "," : "", g_array_index (uids, guint32, i));
  return g_string_free (g_steal_pointer (&set), FALSE);
}

/* Marks @uids \Deleted and expunges just them (UIDPLUS); without UIDPLUS
 * they stay marked for the next expunge. */
static gboolean
remove_uids (HyImapClient  *client,
             GArray        *uids,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autofree char *set = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(HyImapStoreResult) stored = NULL;
  const char *deleted[] = { "\\Deleted", NULL };

  if (uids->len == 0)
    return TRUE;
  set = format_uids (uids);
  hy_imap_client_store_async (client, set, HY_IMAP_STORE_ADD, deleted, 0, cancellable,
                              _hy_outbox_store_result, &result);
  stored = hy_imap_client_store_finish (client, _hy_outbox_wait (&result), error);
  if (stored == NULL)
    return FALSE;
  g_clear_object (&result);
  if (!hy_imap_client_has_capability (client, "UIDPLUS"))
    return TRUE;
  hy_imap_client_expunge_async (client, set, cancellable, _hy_outbox_store_result, &result);
  return hy_imap_client_expunge_finish (client, _hy_outbox_wait (&result), error);
}

static gboolean
sync_locked (HyDrafts      *self,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GPtrArray) pending = g_ptr_array_new_with_free_func (pending_free);
  g_autoptr(GPtrArray) removals = g_ptr_array_new_with_free_func (removal_free);
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *folder = NULL;
  sqlite3_stmt *stmt;
  gboolean ok = TRUE;

  g_mutex_lock (&self->db_lock);
  if (!ensure_db (self, error))
    {
      g_mutex_unlock (&self->db_lock);
      return FALSE;
    }
  stmt = prepare (self, "SELECT id, message_id, raw FROM drafts WHERE pending = 1 ORDER BY id", error);
  while (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    {
      Pending *p = g_new0 (Pending, 1);

      p->id = sqlite3_column_int64 (stmt, 0);
      p->message_id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      p->raw = g_bytes_new (sqlite3_column_blob (stmt, 2), sqlite3_column_bytes (stmt, 2));
      g_ptr_array_add (pending, p);
    }
  sqlite3_finalize (stmt);
  stmt = prepare (self, "SELECT r.id, r.uidvalidity, r.uid, r.message_id, "
                        "  EXISTS (SELECT 1 FROM drafts d WHERE d.message_id = r.message_id) "
                        "FROM draft_removals r ORDER BY r.id", error);
  while (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    {
      Removal *r = g_new0 (Removal, 1);

      r->id = sqlite3_column_int64 (stmt, 0);
      r->uidvalidity = sqlite3_column_int64 (stmt, 1);
      r->uid = sqlite3_column_int64 (stmt, 2);
      r->message_id = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      r->live = sqlite3_column_int (stmt, 4) != 0;
      g_ptr_array_add (removals, r);
    }
  sqlite3_finalize (stmt);
  g_mutex_unlock (&self->db_lock);

  if (pending->len == 0 && removals->len == 0)
    return TRUE;

  client = _hy_outbox_imap_open (self->account, self->credentials, self->ca_file, cancellable, error);
  if (client == NULL)
    return FALSE;
  folder = _hy_outbox_imap_find_folder (client, self->account, self->store, HY_FOLDER_ROLE_DRAFTS,
                                        cancellable, error);
  if (folder == NULL)
    {
      _hy_outbox_imap_close (client);
      return FALSE;
    }
  selected = _hy_outbox_imap_select (client, folder, cancellable, error);
  if (selected == NULL)
    {
      _hy_outbox_imap_close (client);
      return FALSE;
    }

  /* New versions first: APPEND, then remove every older copy with the same
   * Message-ID (including one a crash left after an APPEND whose UID was
   * never committed). */
  for (guint i = 0; ok && i < pending->len; i++)
    {
      Pending *p = g_ptr_array_index (pending, i);
      g_autoptr(GArray) old = NULL;
      const char *flags[] = { "\\Draft", "\\Seen", NULL };
      guint32 uidvalidity = 0, uid = 0;

      if (p->message_id != NULL
          && (old = _hy_outbox_imap_find_message_id (client, p->message_id, cancellable, error)) == NULL)
        {
          ok = FALSE;
          break;
        }
      hy_imap_client_append_async (client, folder, p->raw, flags, NULL, cancellable,
                                   _hy_outbox_store_result, &result);
      ok = hy_imap_client_append_finish (client, _hy_outbox_wait (&result), &uidvalidity, &uid, error);
      g_clear_object (&result);
      if (ok && old != NULL)
        ok = remove_uids (client, old, cancellable, error);
      if (!ok)
        break;

      g_mutex_lock (&self->db_lock);
      stmt = prepare (self, "UPDATE drafts SET pending = 0, server_folder = ?2, server_uidvalidity = ?3, "
                            "server_uid = ?4 WHERE id = ?1 AND pending = 1 AND raw = ?5", NULL);
      if (stmt != NULL)
        {
          sqlite3_bind_int64 (stmt, 1, p->id);
          sqlite3_bind_text (stmt, 2, folder, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (stmt, 3, uidvalidity);
          sqlite3_bind_int64 (stmt, 4, uid);
          sqlite3_bind_blob64 (stmt, 5, g_bytes_get_data (p->raw, NULL), g_bytes_get_size (p->raw),
                               SQLITE_STATIC);
          step_done (self, stmt, NULL);
        }
      g_mutex_unlock (&self->db_lock);
    }

  /* Then the copies of deleted and replaced drafts. */
  for (guint i = 0; ok && i < removals->len; i++)
    {
      Removal *r = g_ptr_array_index (removals, i);
      g_autoptr(GArray) uids = NULL;

      if (r->message_id != NULL && !r->live)
        {
          uids = _hy_outbox_imap_find_message_id (client, r->message_id, cancellable, error);
          if (uids == NULL)
            {
              ok = FALSE;
              break;
            }
        }
      else
        uids = g_array_new (FALSE, FALSE, sizeof (guint32));
      if (r->uid > 0 && r->uidvalidity == selected->uidvalidity)
        g_array_append_val (uids, r->uid);
      if (!remove_uids (client, uids, cancellable, error))
        {
          ok = FALSE;
          break;
        }
      g_mutex_lock (&self->db_lock);
      stmt = prepare (self, "DELETE FROM draft_removals WHERE id = ?", NULL);
      if (stmt != NULL)
        {
          sqlite3_bind_int64 (stmt, 1, r->id);
          step_done (self, stmt, NULL);
        }
      g_mutex_unlock (&self->db_lock);
    }

  _hy_outbox_imap_close (client);
  emit_changed (self);
  return ok;
}

static void
sync_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  HyDrafts *self = source;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autofree char *lock_path = g_strconcat (hy_store_get_path (self->store), ".drafts-lock", NULL);
  GError *error = NULL;
  gboolean ok = FALSE;
  int fd;

  fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;

      g_task_return_new_error (task, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_STORAGE,
                               _ ("Cannot open %s: %s"), lock_path, g_strerror (saved));
      return;
    }
  /* Another process syncing drafts finishes first; then there is
   * little or nothing left to do here. */
  if (flock (fd, LOCK_EX) == 0)
    {
      g_main_context_push_thread_default (context);
      ok = sync_locked (self, cancellable, &error);
      g_main_context_pop_thread_default (context);
    }
  else
    g_set_error (&error, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_STORAGE, _ ("Cannot lock %s"), lock_path);
  close (fd);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
hy_drafts_sync_async (HyDrafts            *self,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HY_IS_DRAFTS (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_drafts_sync_async);
  g_task_run_in_thread (task, sync_thread);
}

gboolean
hy_drafts_sync_finish (HyDrafts      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
