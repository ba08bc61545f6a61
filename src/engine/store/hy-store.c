/* hy-store.c — one account's offline store: an SQLite database with FTS5
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>
#include <zlib.h>
#include <zstd.h>

#include "store/hy-store-private.h"
#include "store/hy-store-query.h"
#include "store/hy-store-resources.h"
#include "store/hy-store-tokenizer.h"

#define MIGRATIONS_PATH "/io/github/hongyan/Hongyan/engine/store/migrations"

enum {
  SIGNAL_FOLDER_CHANGED,
  SIGNAL_MESSAGES_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HyStore, hy_store, G_TYPE_OBJECT)

void
_hy_store_set_error (GError     **error,
                     sqlite3     *db,
                     int          code,
                     const char  *what)
{
  int rc = db ? sqlite3_extended_errcode (db) : SQLITE_ERROR;

  /* Translators: what failed, the database error, and a hint (or nothing) */
  g_set_error (error, HY_STORE_ERROR, code, _ ("%s: %s%s"), what,
               db ? sqlite3_errmsg (db) : _ ("unknown error"),
               (rc & 0xff) == SQLITE_FULL ? _ (" (free some disk space and try again)") :
               (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB ?
                 _ (" (the mail cache is damaged; remove it to download the mail again)") : "");
}

static void
ensure_resources (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      /* Memory statistics take a global mutex on every allocation; the
       * store does not use them.  This only works before SQLite is
       * initialised, and is harmless (SQLITE_MISUSE) after. */
      sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0);
      hy_store_register_resource ();
      g_once_init_leave (&once, 1);
    }
}

sqlite3 *
_hy_store_open_connection (const char  *path,
                           gboolean     writer,
                           GError     **error)
{
  sqlite3 *db = NULL;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  g_autofree char *what = NULL;

  if (writer)
    flags |= SQLITE_OPEN_CREATE;

  if (sqlite3_open_v2 (path, &db, flags, NULL) != SQLITE_OK)
    {
      what = g_strdup_printf (_ ("Cannot open the mail cache “%s”"), path);
      _hy_store_set_error (error, db, HY_STORE_ERROR_OPEN, what);
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_extended_result_codes (db, 1);
  sqlite3_busy_timeout (db, 10000);

  if (!hy_store_tokenizer_register (db, error))
    {
      sqlite3_close (db);
      return NULL;
    }

  if (sqlite3_exec (db,
                    "PRAGMA foreign_keys = ON;"
                    "PRAGMA synchronous = NORMAL;"
                    "PRAGMA temp_store = MEMORY;"
                    /* Message rows lie between bodies and index pages in
                     * a large file: a big cache and a memory map make the
                     * look-ups of a large result several times faster. */
                    "PRAGMA cache_size = -32768;"
                    "PRAGMA mmap_size = 1073741824;",
                    NULL, NULL, NULL) != SQLITE_OK
      || (writer && sqlite3_exec (db, "PRAGMA journal_mode = WAL;", NULL, NULL, NULL) != SQLITE_OK)
      /* Readers serve the front end, which lives long and is judged by
       * its RSS: the memory map's pages count in it, and each fault maps
       * the pages around it too, so listing the ids of a 100,000-message
       * folder mapped 50 MB of a 90 MB file for 3 MB of index.  Read
       * into a bounded page cache instead: the same speed, 11 MB.  A
       * 2 MiB cache keeps the b-trees' upper pages; a scan of a large
       * folder's index reads the rest from the system's file cache, and
       * 8 MiB caches only kept it in each reader connection's memory. */
      || (!writer && sqlite3_exec (db,
                                   "PRAGMA mmap_size = 0;"
                                   "PRAGMA cache_size = -2048;",
                                   NULL, NULL, NULL) != SQLITE_OK))
    {
      what = g_strdup_printf (_ ("Cannot set up the mail cache “%s”"), path);
      _hy_store_set_error (error, db, HY_STORE_ERROR_OPEN, what);
      sqlite3_close (db);
      return NULL;
    }
  return db;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char **) a, *(char **) b);
}

static int
get_user_version (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

gboolean
_hy_store_migrate (sqlite3  *db,
                   int       target,
                   GError  **error)
{
  g_auto(GStrv) names = NULL;
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();
  int current;
  int latest = 0;

  ensure_resources ();

  names = g_resources_enumerate_children (MIGRATIONS_PATH, 0, error);
  if (names == NULL)
    return FALSE;
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_has_suffix (names[i], ".sql"))
      g_ptr_array_add (sorted, names[i]);
  g_ptr_array_sort (sorted, compare_names);
  for (guint i = 0; i < sorted->len; i++)
    latest = MAX (latest, atoi (g_ptr_array_index (sorted, i)));

  current = get_user_version (db);
  if (current < 0)
    {
      _hy_store_set_error (error, db, HY_STORE_ERROR_SCHEMA, _ ("Cannot read the version of the mail cache"));
      return FALSE;
    }
  if (current > latest)
    {
      g_set_error (error, HY_STORE_ERROR, HY_STORE_ERROR_SCHEMA,
                   _ ("The mail cache was written by a newer version of Hongyan (schema %d, "
                      "this version knows up to %d); update Hongyan"), current, latest);
      return FALSE;
    }

  for (guint i = 0; i < sorted->len; i++)
    {
      const char *name = g_ptr_array_index (sorted, i);
      int number = atoi (name);
      g_autofree char *path = NULL;
      g_autofree char *sql = NULL;
      g_autoptr(GBytes) bytes = NULL;

      if (number <= current)
        continue;
      if (target >= 0 && number > target)
        break;

      path = g_strconcat (MIGRATIONS_PATH "/", name, NULL);
      bytes = g_resources_lookup_data (path, 0, error);
      if (bytes == NULL)
        return FALSE;
      sql = g_strdup_printf ("BEGIN IMMEDIATE;\n%.*s\n;PRAGMA user_version = %d;\nCOMMIT;",
                             (int) g_bytes_get_size (bytes),
                             (const char *) g_bytes_get_data (bytes, NULL), number);
      g_debug ("applying migration %s", name);
      if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
        {
          g_autofree char *what = g_strdup_printf (_ ("Cannot upgrade the mail cache with %s"), name);

          _hy_store_set_error (error, db, HY_STORE_ERROR_SCHEMA, what);
          sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
      current = number;
    }
  return TRUE;
}

/* ---- the indexing pass ------------------------------------------------------ */

/* How long the writer must have been idle (no transaction open) before the
 * pass writes a batch: a sync commits batch after batch with less in
 * between. */
#define INDEX_IDLE_US (100 * G_TIME_SPAN_MILLISECOND)

/* Writes a batch of pending index rows in a transaction of its own. */
static gboolean
index_batch (HyStore   *self,
             guint      limit,
             guint     *n_indexed,
             gboolean  *more,
             GError   **error)
{
  gboolean ok;

  g_mutex_lock (&self->writer_lock);
  if (sqlite3_exec (self->writer, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    {
      _hy_store_set_error (error, self->writer, HY_STORE_ERROR_QUERY, _ ("Cannot write to the mail cache"));
      g_mutex_unlock (&self->writer_lock);
      return FALSE;
    }
  ok = _hy_store_index_pending_locked (self, limit, n_indexed, more, error);
  if (ok && sqlite3_exec (self->writer, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    {
      _hy_store_set_error (error, self->writer, HY_STORE_ERROR_QUERY, _ ("Cannot write to the mail cache"));
      ok = FALSE;
    }
  if (!ok)
    sqlite3_exec (self->writer, "ROLLBACK", NULL, NULL, NULL);
  g_mutex_unlock (&self->writer_lock);
  return ok;
}

static gpointer
indexer_thread (gpointer user_data)
{
  HyStore *self = user_data;
  guint done_requests = 0;

  g_mutex_lock (&self->index_lock);
  while (!self->indexer_stop && done_requests != self->index_requests)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 due = self->open_transactions > 0 ? now + INDEX_IDLE_US : self->last_write + INDEX_IDLE_US;
      guint requests = self->index_requests;
      g_autoptr(GError) error = NULL;
      gboolean more = FALSE;

      if (now < due)
        {
          g_cond_wait_until (&self->index_cond, &self->index_lock, due);
          continue;
        }
      g_mutex_unlock (&self->index_lock);
      if (!index_batch (self, 1, NULL, &more, &error))
        g_warning ("Cannot index new messages for search: %s", error->message);
      g_mutex_lock (&self->index_lock);
      if (!more)
        done_requests = requests;  /* the rest waits for a search or the next start */
    }
  self->indexer_running = FALSE;
  g_mutex_unlock (&self->index_lock);
  return NULL;
}

void
_hy_store_note_write (HyStore  *self,
                      gboolean  begin)
{
  g_mutex_lock (&self->index_lock);
  if (begin)
    {
      self->open_transactions++;
    }
  else
    {
      self->open_transactions--;
      self->last_write = g_get_monotonic_time ();
    }
  g_mutex_unlock (&self->index_lock);
}

void
_hy_store_schedule_index (HyStore *self)
{
  GThread *finished = NULL;

  g_mutex_lock (&self->index_lock);
  self->index_requests++;
  if (!self->indexer_running && !self->indexer_stop)
    {
      finished = g_steal_pointer (&self->indexer);
      self->indexer_running = TRUE;
      self->indexer = g_thread_new ("hy-store-index", indexer_thread, self);
    }
  g_mutex_unlock (&self->index_lock);
  if (finished != NULL)
    g_thread_join (finished);  /* it has returned already */
}

static gboolean
has_pending (HyStore   *self,
             gboolean  *pending,
             GError   **error);

gboolean
hy_store_index_pending (HyStore   *self,
                        guint     *n_indexed,
                        GError   **error)
{
  gboolean pending = FALSE;
  gboolean more = TRUE;

  g_return_val_if_fail (HY_IS_STORE (self), FALSE);

  if (n_indexed != NULL)
    *n_indexed = 0;
  /* Usually nothing is: a reader tells without waiting for the writer. */
  if (!has_pending (self, &pending, error))
    return FALSE;
  while (pending && more)
    if (!index_batch (self, G_MAXUINT, n_indexed, &more, error))
      return FALSE;
  return TRUE;
}

static void
hy_store_finalize (GObject *object)
{
  HyStore *self = HY_STORE (object);

  g_mutex_lock (&self->index_lock);
  self->indexer_stop = TRUE;
  g_cond_broadcast (&self->index_cond);
  g_mutex_unlock (&self->index_lock);
  /* Whatever it leaves is indexed at the next open. */
  if (self->indexer != NULL)
    g_thread_join (self->indexer);

  if (self->writer_statements != NULL)
    g_hash_table_destroy (self->writer_statements);
  if (self->writer != NULL)
    sqlite3_close (self->writer);
  if (self->readers != NULL)
    {
      for (guint i = 0; i < self->readers->len; i++)
        sqlite3_close (g_ptr_array_index (self->readers, i));
      g_ptr_array_unref (self->readers);
    }
  g_mutex_clear (&self->writer_lock);
  g_mutex_clear (&self->readers_lock);
  g_mutex_clear (&self->index_lock);
  g_cond_clear (&self->index_cond);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->path);
  g_free (self->bodies_dir);

  G_OBJECT_CLASS (hy_store_parent_class)->finalize (object);
}

static void
hy_store_class_init (HyStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hy_store_finalize;

  /**
   * HyStore::folder-changed:
   * @folder_id: the folder whose messages, flags or counts changed
   *
   * Emitted on the main context of the store after a transaction that
   * changed the folder was committed.  Lists showing it reload.
   */
  signals[SIGNAL_FOLDER_CHANGED] =
    g_signal_new ("folder-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  /**
   * HyStore::messages-changed:
   * @folder_id: the folder of the messages
   * @ids: (element-type gint64): the messages whose flags changed
   *
   * Emitted just before HyStore::folder-changed for @folder_id when the
   * transaction changed nothing in that folder but the flags of @ids: no
   * message was added, removed or moved.  A list of the folder then
   * updates those messages instead of reading the folder again.
   */
  signals[SIGNAL_MESSAGES_CHANGED] =
    g_signal_new ("messages-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_ARRAY);
}

static void
finalize_statement (gpointer data)
{
  sqlite3_finalize (data);
}

static void
hy_store_init (HyStore *self)
{
  g_mutex_init (&self->writer_lock);
  g_mutex_init (&self->readers_lock);
  g_mutex_init (&self->index_lock);
  g_cond_init (&self->index_cond);
  self->readers = g_ptr_array_new ();
  self->writer_statements = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, finalize_statement);
  self->context = g_main_context_ref_thread_default ();
}

HyStore *
hy_store_open (const char  *path,
               GError     **error)
{
  g_autoptr(HyStore) self = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  ensure_resources ();

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, HY_STORE_ERROR, HY_STORE_ERROR_OPEN,
                   _ ("Cannot create the folder of the mail cache “%s”: %s"), dir, g_strerror (saved));
      return NULL;
    }

  self = g_object_new (HY_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  base = g_path_get_basename (path);
  self->bodies_dir = g_strdup_printf ("%s/%s.bodies", dir, base);

  self->writer = _hy_store_open_connection (path, TRUE, error);
  if (self->writer == NULL)
    return NULL;
  if (!_hy_store_migrate (self->writer, -1, error))
    return NULL;
  self->schema_version = get_user_version (self->writer);
  /* Index rows a crash left pending. */
  if (!hy_store_index_pending (self, NULL, error))
    return NULL;

  return g_steal_pointer (&self);
}

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  HyStore *store = hy_store_open (task_data, &error);

  if (store == NULL)
    g_task_return_error (task, error);
  else
    {
      g_clear_pointer (&store->context, g_main_context_unref);
      store->context = g_main_context_ref (g_task_get_context (task));
      g_task_return_pointer (task, store, g_object_unref);
    }
}

void
hy_store_open_async (const char          *path,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (path != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_store_open_async);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, open_thread);
}

HyStore *
hy_store_open_finish (GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_store_open_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
hy_store_get_path (HyStore *self)
{
  g_return_val_if_fail (HY_IS_STORE (self), NULL);

  return self->path;
}

int
hy_store_get_schema_version (HyStore *self)
{
  g_return_val_if_fail (HY_IS_STORE (self), -1);

  return self->schema_version;
}

sqlite3_stmt *
_hy_store_prepare_writer (HyStore     *self,
                          const char  *sql,
                          GError     **error)
{
  /* Keyed by the address of the SQL text: callers pass literals. */
  sqlite3_stmt *stmt = g_hash_table_lookup (self->writer_statements, sql);

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }
  if (sqlite3_prepare_v3 (self->writer, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      _hy_store_set_error (error, self->writer, HY_STORE_ERROR_QUERY, _ ("Cannot prepare a query of the mail cache"));
      return NULL;
    }
  g_hash_table_insert (self->writer_statements, (gpointer) sql, stmt);
  return stmt;
}

typedef struct {
  HyStore *store;
  GArray *folder_ids;
  GPtrArray *flag_ids;
} ChangedData;

static gboolean
emit_changed (gpointer user_data)
{
  ChangedData *data = user_data;

  for (guint i = 0; i < data->folder_ids->len; i++)
    {
      gint64 folder_id = g_array_index (data->folder_ids, gint64, i);
      GArray *ids = data->flag_ids->pdata[i];

      if (ids != NULL)
        g_signal_emit (data->store, signals[SIGNAL_MESSAGES_CHANGED], 0, folder_id, ids);
      g_signal_emit (data->store, signals[SIGNAL_FOLDER_CHANGED], 0, folder_id);
    }
  return G_SOURCE_REMOVE;
}

static void
changed_data_free (gpointer user_data)
{
  ChangedData *data = user_data;

  g_object_unref (data->store);
  g_array_unref (data->folder_ids);
  g_ptr_array_unref (data->flag_ids);
  g_free (data);
}

void
_hy_store_emit_folders_changed (HyStore   *self,
                                GArray    *folder_ids,
                                GPtrArray *flag_ids)
{
  ChangedData *data;
  GSource *source;

  g_return_if_fail (flag_ids->len == folder_ids->len);

  if (folder_ids->len == 0)
    return;
  data = g_new0 (ChangedData, 1);
  data->store = g_object_ref (self);
  data->folder_ids = g_array_ref (folder_ids);
  data->flag_ids = g_ptr_array_ref (flag_ids);
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, emit_changed, data, changed_data_free);
  g_source_set_static_name (source, "[hongyan] store changed");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* Readers. */

static sqlite3 *
acquire_reader (HyStore  *self,
                GError  **error)
{
  sqlite3 *db = NULL;

  g_mutex_lock (&self->readers_lock);
  if (self->readers->len > 0)
    db = g_ptr_array_steal_index_fast (self->readers, self->readers->len - 1);
  g_mutex_unlock (&self->readers_lock);

  if (db == NULL)
    db = _hy_store_open_connection (self->path, FALSE, error);
  return db;
}

static void
release_reader (HyStore *self,
                sqlite3 *db)
{
  if (db == NULL)
    return;
  g_mutex_lock (&self->readers_lock);
  g_ptr_array_add (self->readers, db);
  g_mutex_unlock (&self->readers_lock);
}

static sqlite3_stmt *prepare_reader (sqlite3 *db, const char *sql, GError **error);

static gboolean
has_pending (HyStore   *self,
             gboolean  *pending,
             GError   **error)
{
  sqlite3_stmt *stmt;
  sqlite3 *db;
  int rc;

  if ((db = acquire_reader (self, error)) == NULL)
    return FALSE;
  if ((stmt = prepare_reader (db, "SELECT 1 FROM fts_pending LIMIT 1", error)) == NULL)
    {
      release_reader (self, db);
      return FALSE;
    }
  rc = sqlite3_step (stmt);
  *pending = rc == SQLITE_ROW;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    _hy_store_set_error (error, db, HY_STORE_ERROR_QUERY, _ ("Cannot read the mail cache"));
  sqlite3_finalize (stmt);
  release_reader (self, db);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

static sqlite3_stmt *
prepare_reader (sqlite3     *db,
                const char  *sql,
                GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      _hy_store_set_error (error, db, HY_STORE_ERROR_QUERY, _ ("Cannot read the mail cache"));
      return NULL;
    }
  return stmt;
}

#define FOLDER_COLUMNS "id, name, role, delimiter, uidvalidity, uidnext, highestmodseq, total, unread"

static HyStoreFolder *
folder_from_row (sqlite3_stmt *stmt)
{
  HyStoreFolder *folder = g_new0 (HyStoreFolder, 1);

  folder->id = sqlite3_column_int64 (stmt, 0);
  folder->name = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  folder->role = sqlite3_column_int (stmt, 2);
  if (folder->role >= HY_FOLDER_ROLE_LAST)
    folder->role = HY_FOLDER_ROLE_NONE;
  folder->delimiter = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  folder->uidvalidity = sqlite3_column_int64 (stmt, 4);
  folder->uidnext = sqlite3_column_int64 (stmt, 5);
  folder->highestmodseq = sqlite3_column_int64 (stmt, 6);
  folder->total = MAX (0, sqlite3_column_int64 (stmt, 7));
  folder->unread = MAX (0, sqlite3_column_int64 (stmt, 8));
  return folder;
}

static gboolean
step_failed (sqlite3  *db,
             int       rc,
             GError  **error)
{
  if (rc == SQLITE_DONE || rc == SQLITE_ROW)
    return FALSE;
  _hy_store_set_error (error, db, HY_STORE_ERROR_QUERY, _ ("Cannot read the mail cache"));
  return TRUE;
}

GPtrArray *
hy_store_list_folders (HyStore  *self,
                       GError  **error)
{
  g_autoptr(GPtrArray) folders = NULL;
  sqlite3 *db;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (HY_IS_STORE (self), NULL);

  if ((db = acquire_reader (self, error)) == NULL)
    return NULL;
  stmt = prepare_reader (db, "SELECT " FOLDER_COLUMNS " FROM folders "
                         "ORDER BY role = 0, CASE role WHEN 1 THEN 0 ELSE role END, name", error);
  if (stmt == NULL)
    {
      release_reader (self, db);
      return NULL;
    }
  folders = g_ptr_array_new_with_free_func ((GDestroyNotify) hy_store_folder_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (folders, folder_from_row (stmt));
  if (step_failed (db, rc, error))
    g_clear_pointer (&folders, g_ptr_array_unref);
  sqlite3_finalize (stmt);
  release_reader (self, db);
  return g_steal_pointer (&folders);
}

static HyStoreFolder *
get_folder_where (HyStore     *self,
                  const char  *where,
                  gint64       id,
                  const char  *name,
                  GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT " FOLDER_COLUMNS " FROM folders WHERE %s", where);
  HyStoreFolder *folder = NULL;
  sqlite3 *db;
  sqlite3_stmt *stmt;
  int rc;

  if ((db = acquire_reader (self, error)) == NULL)
    return NULL;
  if ((stmt = prepare_reader (db, sql, error)) == NULL)
    {
      release_reader (self, db);
      return NULL;
    }
  if (name != NULL)
    sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
  else
    sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    folder = folder_from_row (stmt);
  else if (!step_failed (db, rc, error))
    g_set_error (error, HY_STORE_ERROR, HY_STORE_ERROR_NOT_FOUND,
                 name ? _ ("There is no folder “%s” in the mail cache")
                      : _ ("There is no such folder in the mail cache"),
                 name);
  sqlite3_finalize (stmt);
  release_reader (self, db);
  return folder;
}

HyStoreFolder *
hy_store_get_folder (HyStore  *self,
                     gint64    folder_id,
                     GError  **error)
{
  g_return_val_if_fail (HY_IS_STORE (self), NULL);

  return get_folder_where (self, "id = ?1", folder_id, NULL, error);
}

HyStoreFolder *
hy_store_find_folder (HyStore     *self,
                      const char  *name,
                      GError     **error)
{
  g_return_val_if_fail (HY_IS_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  /* INBOX is case-insensitive (RFC 3501); other names are exact. */
  if (g_ascii_strcasecmp (name, "INBOX") == 0)
    return get_folder_where (self, "name = ?1 COLLATE NOCASE", 0, name, error);
  return get_folder_where (self, "name = ?1", 0, name, error);
}

#define MESSAGE_COLUMNS "id, folder_id, uid, flags, keywords, modseq, date, received, size, " \
  "message_id, in_reply_to, refs, subject, sender_name, sender_address, recipients, " \
  "has_attachment, preview, thread_id"

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

HyStoreMessage *
hy_store_get_message (HyStore  *self,
                      gint64    message_id,
                      GError  **error)
{
  HyStoreMessage *message = NULL;
  sqlite3 *db;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (HY_IS_STORE (self), NULL);

  if ((db = acquire_reader (self, error)) == NULL)
    return NULL;
  if ((stmt = prepare_reader (db, "SELECT " MESSAGE_COLUMNS " FROM messages WHERE id = ?1", error)) == NULL)
    {
      release_reader (self, db);
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, message_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 13);
      const char *address = (const char *) sqlite3_column_text (stmt, 14);

      message = hy_store_message_new ();
      message->id = sqlite3_column_int64 (stmt, 0);
      message->folder_id = sqlite3_column_int64 (stmt, 1);
      message->uid = sqlite3_column_int64 (stmt, 2);
      message->flags = sqlite3_column_int64 (stmt, 3);
      message->keywords = column_dup (stmt, 4);
      message->modseq = sqlite3_column_int64 (stmt, 5);
      message->date = sqlite3_column_int64 (stmt, 6);
      message->received = sqlite3_column_int64 (stmt, 7);
      message->size = sqlite3_column_int64 (stmt, 8);
      message->message_id = column_dup (stmt, 9);
      message->in_reply_to = column_dup (stmt, 10);
      message->references = column_dup (stmt, 11);
      message->subject = column_dup (stmt, 12);
      if (name != NULL && *name != '\0')
        message->from = g_strdup_printf ("\"%s\" <%s>", name, address ? address : "");
      else
        message->from = g_strdup (address);
      message->to = column_dup (stmt, 15);
      message->has_attachment = sqlite3_column_int (stmt, 16) != 0;
      message->preview = column_dup (stmt, 17);
      message->thread_id = sqlite3_column_int64 (stmt, 18);
    }
  else if (!step_failed (db, rc, error))
    g_set_error (error, HY_STORE_ERROR, HY_STORE_ERROR_NOT_FOUND,
                 /* Translators: %lld is the message's number in the mail cache */
                 _ ("There is no message %lld in the mail cache"), (long long) message_id);
  sqlite3_finalize (stmt);
  release_reader (self, db);
  return message;
}

gint64
hy_store_find_message (HyStore  *self,
                       gint64    folder_id,
                       guint32   uid,
                       GError  **error)
{
  gint64 id = 0;
  sqlite3 *db;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (HY_IS_STORE (self), 0);

  if ((db = acquire_reader (self, error)) == NULL)
    return 0;
  if ((stmt = prepare_reader (db, "SELECT id FROM messages WHERE folder_id = ?1 AND uid = ?2", error)) == NULL)
    {
      release_reader (self, db);
      return 0;
    }
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, uid);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  else
    step_failed (db, rc, error);
  sqlite3_finalize (stmt);
  release_reader (self, db);
  return id;
}

static GArray *
collect_ids (sqlite3       *db,
             sqlite3_stmt  *stmt,
             GError       **error)
{
  g_autoptr(GArray) ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), 1024);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  if (step_failed (db, rc, error))
    return NULL;
  return g_steal_pointer (&ids);
}

GArray *
hy_store_list_uids (HyStore  *self,
                    gint64    folder_id,
                    GError  **error)
{
  g_autoptr(GArray) uids = NULL;
  sqlite3 *db;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (HY_IS_STORE (self), NULL);

  if ((db = acquire_reader (self, error)) == NULL)
    return NULL;
  stmt = prepare_reader (db, "SELECT uid FROM messages WHERE folder_id = ?1 AND uid > 0 ORDER BY uid", error);
  if (stmt == NULL)
    {
      release_reader (self, db);
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, folder_id);
  uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint32 uid = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (uids, uid);
    }
  if (step_failed (db, rc, error))
    g_clear_pointer (&uids, g_array_unref);
  sqlite3_finalize (stmt);
  release_reader (self, db);
  return g_steal_pointer (&uids);
}

static GArray *
list_ids (HyStore  *self,
          gint64    folder_id,
          gint64    limit,
          GError  **error)
{
  GArray *ids;
  sqlite3 *db;
  sqlite3_stmt *stmt;

  if ((db = acquire_reader (self, error)) == NULL)
    return NULL;
  stmt = prepare_reader (db, "SELECT id FROM messages WHERE folder_id = ?1 ORDER BY id DESC LIMIT ?2", error);
  if (stmt == NULL)
    {
      release_reader (self, db);
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, limit);
  ids = collect_ids (db, stmt, error);
  sqlite3_finalize (stmt);
  release_reader (self, db);
  return ids;
}

GArray *
hy_store_list_message_ids (HyStore  *self,
                           gint64    folder_id,
                           GError  **error)
{
  g_return_val_if_fail (HY_IS_STORE (self), NULL);

  return list_ids (self, folder_id, -1, error);
}

GArray *
hy_store_list_recent_message_ids (HyStore  *self,
                                  gint64    folder_id,
                                  guint     limit,
                                  GError  **error)
{
  g_return_val_if_fail (HY_IS_STORE (self), NULL);

  return list_ids (self, folder_id, limit, error);
}

GArray *
hy_store_search (HyStore     *self,
                 const char  *query,
                 GError     **error)
{
  g_autoptr(HyStoreQuery) parsed = NULL;
  GArray *ids;
  sqlite3 *db;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (HY_IS_STORE (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  parsed = hy_store_query_parse (query, error);
  if (parsed == NULL)
    return NULL;
  g_debug ("search %s: %s [%s]", query, hy_store_query_get_sql (parsed),
           hy_store_query_get_match (parsed) ? hy_store_query_get_match (parsed) : "");
  /* Exact: messages a sync committed moments ago are indexed first. */
  if (hy_store_query_get_match (parsed) != NULL && !hy_store_index_pending (self, NULL, error))
    return NULL;

  if ((db = acquire_reader (self, error)) == NULL)
    return NULL;
  if ((stmt = prepare_reader (db, hy_store_query_get_sql (parsed), error)) == NULL)
    {
      release_reader (self, db);
      return NULL;
    }
  hy_store_query_bind (parsed, stmt);
  ids = collect_ids (db, stmt, error);
  sqlite3_finalize (stmt);
  release_reader (self, db);
  return ids;
}

static gboolean
foreach_summary_on (sqlite3             *db,
                    const gint64        *ids,
                    guint                n_ids,
                    HyStoreSummaryFunc   func,
                    gpointer             user_data,
                    GError             **error)
{
  sqlite3_stmt *stmt;
  gboolean ok = TRUE;

  stmt = prepare_reader (db, "SELECT id, folder_id, uid, flags, date, thread_id, has_attachment, "
                         "subject, sender_name, sender_address, recipients, preview "
                         "FROM messages WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;

  /* Primary-key lookups in a read transaction: a page of rows costs
   * well under a millisecond and keeps the caller's order. */
  sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
  for (guint i = 0; i < n_ids && ok; i++)
    {
      int rc;

      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, ids[i]);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          HyStoreSummaryRow row = {
            .id = sqlite3_column_int64 (stmt, 0),
            .folder_id = sqlite3_column_int64 (stmt, 1),
            .uid = sqlite3_column_int64 (stmt, 2),
            .flags = sqlite3_column_int64 (stmt, 3),
            .date = sqlite3_column_int64 (stmt, 4),
            .thread_id = sqlite3_column_int64 (stmt, 5),
            .has_attachment = sqlite3_column_int (stmt, 6) != 0,
            .subject = (const char *) sqlite3_column_text (stmt, 7),
            .sender_name = (const char *) sqlite3_column_text (stmt, 8),
            .sender_address = (const char *) sqlite3_column_text (stmt, 9),
            .recipients = (const char *) sqlite3_column_text (stmt, 10),
            .preview = (const char *) sqlite3_column_text (stmt, 11),
          };

          func (&row, user_data);
        }
      else if (step_failed (db, rc, error))
        ok = FALSE;
    }
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  sqlite3_finalize (stmt);
  return ok;
}

gboolean
hy_store_foreach_summary (HyStore             *self,
                          const gint64        *ids,
                          guint                n_ids,
                          HyStoreSummaryFunc   func,
                          gpointer             user_data,
                          GError             **error)
{
  sqlite3 *db;
  gboolean ok;

  g_return_val_if_fail (HY_IS_STORE (self), FALSE);
  g_return_val_if_fail (ids != NULL || n_ids == 0, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  if (n_ids == 0)
    return TRUE;
  if ((db = acquire_reader (self, error)) == NULL)
    return FALSE;
  ok = foreach_summary_on (db, ids, n_ids, func, user_data, error);
  release_reader (self, db);
  return ok;
}

guint
hy_store_count_missing_bodies (HyStore  *self,
                               gint64    folder_id,
                               GError  **error)
{
  guint count = 0;
  sqlite3 *db;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (HY_IS_STORE (self), 0);

  if ((db = acquire_reader (self, error)) == NULL)
    return 0;
  stmt = prepare_reader (db, "SELECT count (*) FROM messages m WHERE (?1 = 0 OR m.folder_id = ?1) "
                         "AND NOT EXISTS (SELECT 1 FROM bodies b WHERE b.message = m.id)", error);
  if (stmt == NULL)
    {
      release_reader (self, db);
      return 0;
    }
  sqlite3_bind_int64 (stmt, 1, folder_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    count = sqlite3_column_int64 (stmt, 0);
  else
    step_failed (db, rc, error);
  sqlite3_finalize (stmt);
  release_reader (self, db);
  return count;
}

/* A body stored as it is (as long as the message), or compressed: with
 * Zstandard (its frames begin with this), or with zlib by earlier versions. */
static const guint8 zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

static GBytes *
inflate_body (const guint8  *data,
              gsize          length,
              gsize          size,
              GError       **error)
{
  guint8 *out;
  uLongf out_len = size;

  if (length == size)
    return g_bytes_new (data, length);

  out = g_malloc (MAX (size, 1));
  if (length >= 4 && memcmp (data, zstd_magic, 4) == 0)
    {
      size_t n = ZSTD_decompress (out, size, data, length);

      out_len = ZSTD_isError (n) ? 0 : n;
    }
  /* Bodies written by earlier versions, with zlib. */
  else if (uncompress (out, &out_len, data, length) != Z_OK)
    {
      out_len = 0;
    }
  if (out_len != size)
    {
      g_free (out);
      g_set_error (error, HY_STORE_ERROR, HY_STORE_ERROR_DAMAGED,
                   _ ("A cached message body is damaged; it will be downloaded again"));
      return NULL;
    }
  return g_bytes_new_take (out, size);
}

GBytes *
hy_store_get_body (HyStore  *self,
                   gint64    message_id,
                   GError  **error)
{
  GBytes *body = NULL;
  g_autofree char *file = NULL;
  gsize file_size = 0;
  sqlite3 *db;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (HY_IS_STORE (self), NULL);

  if ((db = acquire_reader (self, error)) == NULL)
    return NULL;
  if ((stmt = prepare_reader (db, "SELECT size, data, file FROM bodies WHERE message = ?1", error)) == NULL)
    {
      release_reader (self, db);
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, message_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      gsize size = sqlite3_column_int64 (stmt, 0);

      if (sqlite3_column_type (stmt, 2) == SQLITE_TEXT)
        {
          file = column_dup (stmt, 2);
          file_size = size;
        }
      else
        body = inflate_body (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1), size, error);
    }
  else if (!step_failed (db, rc, error))
    g_set_error (error, HY_STORE_ERROR, HY_STORE_ERROR_NOT_FOUND,
                 /* Translators: %lld is the message's number in the mail cache */
                 _ ("The body of message %lld is not in the mail cache"), (long long) message_id);
  sqlite3_finalize (stmt);
  release_reader (self, db);

  if (file != NULL)
    {
      g_autofree char *path = g_build_filename (self->bodies_dir, file, NULL);
      g_autoptr(GMappedFile) mapped = NULL;
      GError *local_error = NULL;

      mapped = g_mapped_file_new (path, FALSE, &local_error);
      /* A body that only copies the server's may be written without
       * waiting for the disk: after a crash its file can be missing or
       * short, and it is downloaded again. */
      if (mapped == NULL && g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_set_error (error, HY_STORE_ERROR, HY_STORE_ERROR_DAMAGED,
                       _ ("The cached message “%s” is missing; it will be downloaded again"), path);
          g_error_free (local_error);
          return NULL;
        }
      if (mapped == NULL)
        {
          g_set_error (error, HY_STORE_ERROR, HY_STORE_ERROR_IO,
                       _ ("Cannot read the cached message “%s”: %s"), path, local_error->message);
          g_error_free (local_error);
          return NULL;
        }
      if (g_mapped_file_get_length (mapped) != file_size)
        {
          g_set_error_literal (error, HY_STORE_ERROR, HY_STORE_ERROR_DAMAGED,
                               _ ("A cached message body is damaged; it will be downloaded again"));
          return NULL;
        }
      body = g_mapped_file_get_bytes (mapped);
    }
  return body;
}

GStrv
hy_store_complete_address (HyStore     *self,
                           const char  *prefix,
                           guint        limit,
                           GError     **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *pattern = NULL;
  GString *escaped;
  sqlite3 *db;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (HY_IS_STORE (self), NULL);
  g_return_val_if_fail (prefix != NULL, NULL);

  escaped = g_string_new (NULL);
  for (const char *p = prefix; *p != '\0'; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (escaped, '\\');
      g_string_append_c (escaped, *p);
    }
  g_string_append_c (escaped, '%');
  pattern = g_string_free (escaped, FALSE);

  if ((db = acquire_reader (self, error)) == NULL)
    return NULL;
  stmt = prepare_reader (db, "SELECT address, name FROM addresses "
                         "WHERE address LIKE ?1 ESCAPE '\\' OR name LIKE ?1 ESCAPE '\\' "
                         "OR name LIKE '% ' || ?1 ESCAPE '\\' "
                         "ORDER BY seen DESC, last_seen DESC LIMIT ?2", error);
  if (stmt == NULL)
    {
      release_reader (self, db);
      return NULL;
    }
  sqlite3_bind_text (stmt, 1, pattern, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *address = (const char *) sqlite3_column_text (stmt, 0);
      const char *name = (const char *) sqlite3_column_text (stmt, 1);

      if (name != NULL && *name != '\0')
        {
          g_autofree char *entry = NULL;

          /* A name with a comma or another special must be quoted, or the
           * composer would read "Brien, Tom <tom@…>" as two recipients. */
          if (strpbrk (name, "()<>[]:;@\\,.\"") != NULL)
            {
              GString *quoted = g_string_new ("\"");

              for (const char *p = name; *p != '\0'; p++)
                {
                  if (*p == '"' || *p == '\\')
                    g_string_append_c (quoted, '\\');
                  g_string_append_c (quoted, *p);
                }
              g_string_append_printf (quoted, "\" <%s>", address);
              entry = g_string_free (quoted, FALSE);
            }
          else
            entry = g_strdup_printf ("%s <%s>", name, address);
          g_strv_builder_add (builder, entry);
        }
      else
        g_strv_builder_add (builder, address);
    }
  if (step_failed (db, rc, error))
    {
      sqlite3_finalize (stmt);
      release_reader (self, db);
      return NULL;
    }
  sqlite3_finalize (stmt);
  release_reader (self, db);
  return g_strv_builder_end (builder);
}

/* Asynchronous wrappers. */

static void
list_folders_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  GError *error = NULL;
  GPtrArray *folders = hy_store_list_folders (source_object, &error);

  if (folders == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, folders, (GDestroyNotify) g_ptr_array_unref);
}

void
hy_store_list_folders_async (HyStore             *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HY_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_store_list_folders_async);
  g_task_run_in_thread (task, list_folders_thread);
}

GPtrArray *
hy_store_list_folders_finish (HyStore       *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_store_list_folders_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
list_ids_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GError *error = NULL;
  GArray *ids = hy_store_list_message_ids (source_object, *(gint64 *) task_data, &error);

  if (ids == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, ids, (GDestroyNotify) g_array_unref);
}

void
hy_store_list_message_ids_async (HyStore             *self,
                                 gint64               folder_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HY_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_store_list_message_ids_async);
  g_task_set_task_data (task, g_memdup2 (&folder_id, sizeof folder_id), g_free);
  g_task_run_in_thread (task, list_ids_thread);
}

GArray *
hy_store_list_message_ids_finish (HyStore       *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_store_list_message_ids_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
search_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;
  GArray *ids = hy_store_search (source_object, task_data, &error);

  if (ids == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, ids, (GDestroyNotify) g_array_unref);
}

void
hy_store_search_async (HyStore             *self,
                       const char          *query,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HY_IS_STORE (self));
  g_return_if_fail (query != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_store_search_async);
  g_task_set_task_data (task, g_strdup (query), g_free);
  g_task_run_in_thread (task, search_thread);
}

GArray *
hy_store_search_finish (HyStore       *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_store_search_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
get_body_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GError *error = NULL;
  GBytes *body = hy_store_get_body (source_object, *(gint64 *) task_data, &error);

  if (body == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, body, (GDestroyNotify) g_bytes_unref);
}

void
hy_store_get_body_async (HyStore             *self,
                         gint64               message_id,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HY_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_store_get_body_async);
  g_task_set_task_data (task, g_memdup2 (&message_id, sizeof message_id), g_free);
  g_task_run_in_thread (task, get_body_thread);
}

GBytes *
hy_store_get_body_finish (HyStore       *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_store_get_body_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Conversations */

GArray *
hy_store_list_thread_heads (HyStore  *self,
                            gint64    folder_id,
                            guint     limit,
                            GError  **error)
{
  GArray *ids;
  sqlite3 *db;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (HY_IS_STORE (self), NULL);

  if ((db = acquire_reader (self, error)) == NULL)
    return NULL;
  if (limit > 0)
    /* The newest few: walk the folder newest first (messages_folder) and
     * keep a message when no newer one of its thread is in the folder (a
     * seek in messages_folder_thread): well under a millisecond. */
    stmt = prepare_reader (db, "SELECT id FROM messages AS m WHERE folder_id = ?1 AND NOT EXISTS "
                           "(SELECT 1 FROM messages AS n WHERE n.folder_id = ?1 "
                           "AND n.thread_id = m.thread_id AND n.id > m.id) "
                           "ORDER BY id DESC LIMIT ?2", error);
  else
    /* All of them: one pass over messages_folder_thread (folder_id,
     * thread_id, id), where each group's max(id) is its last entry, and
     * a sort of the threads (about 0.1 to 0.3 s for 100,000 threads of
     * one message, in the list's loading thread). */
    stmt = prepare_reader (db, "SELECT max(id) AS head FROM messages WHERE folder_id = ?1 "
                           "GROUP BY thread_id ORDER BY head DESC LIMIT ?2", error);
  if (stmt == NULL)
    {
      release_reader (self, db);
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) limit : -1);
  ids = collect_ids (db, stmt, error);
  sqlite3_finalize (stmt);
  release_reader (self, db);
  return ids;
}

GArray *
hy_store_list_thread_messages (HyStore  *self,
                               gint64    thread_id,
                               gint64    folder_id,
                               GError  **error)
{
  GArray *ids;
  sqlite3 *db;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (HY_IS_STORE (self), NULL);

  if ((db = acquire_reader (self, error)) == NULL)
    return NULL;
  if (folder_id != 0)
    stmt = prepare_reader (db, "SELECT id FROM messages WHERE folder_id = ?2 AND thread_id = ?1 "
                           "ORDER BY id", error);
  else
    stmt = prepare_reader (db, "SELECT m.id FROM messages AS m JOIN folders AS f ON f.id = m.folder_id "
                           "WHERE m.thread_id = ?1 AND f.role NOT IN (?3, ?4) ORDER BY m.id", error);
  if (stmt == NULL)
    {
      release_reader (self, db);
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, thread_id);
  if (folder_id != 0)
    sqlite3_bind_int64 (stmt, 2, folder_id);
  else
    {
      sqlite3_bind_int (stmt, 3, HY_FOLDER_ROLE_TRASH);
      sqlite3_bind_int (stmt, 4, HY_FOLDER_ROLE_JUNK);
    }
  ids = collect_ids (db, stmt, error);
  sqlite3_finalize (stmt);
  release_reader (self, db);
  return ids;
}

typedef struct {
  sqlite3            *db;
  sqlite3_stmt       *stats;
  gint64              folder_id;
  HyStoreSummaryFunc  func;
  gpointer            user_data;
  GError             *error;
  gboolean            ok;
} ThreadSummary;

static void
add_thread_stats (const HyStoreSummaryRow *row,
                  gpointer                 user_data)
{
  ThreadSummary *ts = user_data;
  HyStoreSummaryRow full = *row;
  g_autoptr(GArray) members = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *participants = NULL;
  int rc;

  if (!ts->ok)
    return;

  /* Oldest first for the names, newest first for the members. */
  sqlite3_reset (ts->stats);
  sqlite3_bind_int64 (ts->stats, 1, ts->folder_id);
  sqlite3_bind_int64 (ts->stats, 2, row->thread_id);
  while ((rc = sqlite3_step (ts->stats)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (ts->stats, 0);
      guint32 flags = sqlite3_column_int64 (ts->stats, 1);
      const char *name = (const char *) sqlite3_column_text (ts->stats, 2);
      const char *address = (const char *) sqlite3_column_text (ts->stats, 3);
      const char *who = name != NULL && *name != '\0' ? name : address;

      g_array_prepend_val (members, id);
      if ((flags & HY_STORE_FLAG_SEEN) == 0)
        full.thread_unread++;
      if (who != NULL && *who != '\0' && !g_hash_table_contains (seen, who))
        {
          char *copy = g_strdup (who);

          g_ptr_array_add (names, copy);
          g_hash_table_add (seen, copy);
        }
    }
  if (step_failed (ts->db, rc, &ts->error))
    {
      ts->ok = FALSE;
      return;
    }
  g_ptr_array_add (names, NULL);
  participants = g_strjoinv (", ", (char **) names->pdata);
  full.thread_count = members->len;
  full.thread_members = (const gint64 *) (gpointer) members->data;
  full.participants = participants;
  if (members->len == 0)
    {
      /* Moved out of the folder since its id was listed. */
      full.thread_count = 1;
      full.thread_members = &row->id;
      full.thread_unread = (row->flags & HY_STORE_FLAG_SEEN) == 0;
    }
  ts->func (&full, ts->user_data);
}

gboolean
hy_store_foreach_thread_summary (HyStore             *self,
                                 gint64               folder_id,
                                 const gint64        *ids,
                                 guint                n_ids,
                                 HyStoreSummaryFunc   func,
                                 gpointer             user_data,
                                 GError             **error)
{
  ThreadSummary ts = { 0 };
  gboolean ok;

  g_return_val_if_fail (HY_IS_STORE (self), FALSE);
  g_return_val_if_fail (ids != NULL || n_ids == 0, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  if (n_ids == 0)
    return TRUE;
  if ((ts.db = acquire_reader (self, error)) == NULL)
    return FALSE;
  /* messages_folder_thread gives the members in order; names and
   * addresses are read from their rows (a page of threads at a time). */
  ts.stats = prepare_reader (ts.db, "SELECT id, flags, sender_name, sender_address FROM messages "
                             "WHERE folder_id = ?1 AND thread_id = ?2 ORDER BY id", error);
  if (ts.stats == NULL)
    {
      release_reader (self, ts.db);
      return FALSE;
    }
  ts.folder_id = folder_id;
  ts.func = func;
  ts.user_data = user_data;
  ts.ok = TRUE;
  /* Both queries on one connection, in one read transaction. */
  ok = foreach_summary_on (ts.db, ids, n_ids, add_thread_stats, &ts, error);
  sqlite3_finalize (ts.stats);
  release_reader (self, ts.db);
  if (ok && !ts.ok)
    {
      g_propagate_error (error, ts.error);
      return FALSE;
    }
  g_clear_error (&ts.error);
  return ok;
}
