/* hy-store-transaction.c — a batch of writes to the store, committed at once
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include <zstd.h>

#include "mime/hy-charset.h"
#include "store/hy-store-private.h"
#include "store/hy-store-transaction.h"

#define PREVIEW_CHARS 200

/* Messages per row of fts_pending: the indexing pass writes a row at a time,
 * about 20 ms of work for this many, so that other writers wait little. */
#define DEFER_CHUNK 1000

typedef struct {
  gint64 total;
  gint64 unread;
} CountDelta;

/* A write to the full-text index, held until the transaction commits. */
typedef struct {
  gint64  id;
  gboolean insert;   /* a new row; else only the body of a committed one */
  char   *subject;
  char   *sender;
  char   *recipients;
  char   *body;
} FtsRow;

typedef struct {
  char   *address;
  char   *name;
  gint64  name_date;
  gint64  seen;
  gint64  last_seen;
} AddressSeen;

struct _HyStoreTransaction {
  HyStore    *store;
  gboolean    done;
  GHashTable *changed;        /* folder id (gint64 *) -> GArray of the ids whose
                               * flags alone changed, or NULL: more changed */
  GHashTable *counts;         /* folder id -> CountDelta, applied at commit */
  GHashTable *addresses;      /* folded address -> AddressSeen, written at commit */
  GPtrArray  *written_files;  /* removed on rollback */
  GPtrArray  *doomed_files;   /* removed after commit */
  GArray     *fts;            /* FtsRow, written at commit (see flush_fts()) */
  GHashTable *fts_rows;       /* message id -> index + 1 in fts */
  gboolean    defer_index;    /* new messages go to fts_pending */
  GPtrArray  *deferred;       /* GByteArray, entries of fts_pending rows */
  guint       deferred_last;  /* entries in the last of them */
  gboolean    wrote_deferred;
};

static void
fts_row_clear (gpointer data)
{
  FtsRow *row = data;

  g_free (row->subject);
  g_free (row->sender);
  g_free (row->recipients);
  g_free (row->body);
}

static void
address_seen_free (gpointer data)
{
  AddressSeen *seen = data;

  g_free (seen->address);
  g_free (seen->name);
  g_free (seen);
}

static gboolean
exec_writer (HyStore     *self,
             const char  *sql,
             GError     **error)
{
  if (sqlite3_exec (self->writer, sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      _hy_store_set_error (error, self->writer, HY_STORE_ERROR_QUERY, _ ("Cannot write to the mail cache"));
      return FALSE;
    }
  return TRUE;
}

static void
free_ids (gpointer ids)
{
  if (ids != NULL)
    g_array_unref (ids);
}

HyStoreTransaction *
hy_store_begin (HyStore  *self,
                GError  **error)
{
  HyStoreTransaction *txn;

  g_return_val_if_fail (HY_IS_STORE (self), NULL);

  g_mutex_lock (&self->writer_lock);
  if (!exec_writer (self, "BEGIN IMMEDIATE", error))
    {
      g_mutex_unlock (&self->writer_lock);
      return NULL;
    }
  _hy_store_note_write (self, TRUE);
  txn = g_new0 (HyStoreTransaction, 1);
  txn->store = g_object_ref (self);
  txn->changed = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, free_ids);
  txn->counts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  txn->addresses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, address_seen_free);
  txn->written_files = g_ptr_array_new_with_free_func (g_free);
  txn->doomed_files = g_ptr_array_new_with_free_func (g_free);
  txn->fts = g_array_new (FALSE, TRUE, sizeof (FtsRow));
  g_array_set_clear_func (txn->fts, fts_row_clear);
  txn->fts_rows = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  return txn;
}

/* Messages of the folder were added, removed or changed beyond flags. */
static void
mark_changed (HyStoreTransaction *self,
              gint64              folder_id)
{
  g_hash_table_insert (self->changed, g_memdup2 (&folder_id, sizeof folder_id), NULL);
}

/* Only the flags of @message_id changed: lists of the folder can update
 * that message rather than read the folder again (HyStore::messages-changed). */
static void
mark_flags_changed (HyStoreTransaction *self,
                    gint64              folder_id,
                    gint64              message_id)
{
  gpointer ids;

  if (!g_hash_table_lookup_extended (self->changed, &folder_id, NULL, &ids))
    {
      ids = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_hash_table_insert (self->changed, g_memdup2 (&folder_id, sizeof folder_id), ids);
    }
  if (ids != NULL)
    g_array_append_val ((GArray *) ids, message_id);
}

static void
finish (HyStoreTransaction *self)
{
  self->done = TRUE;
  g_mutex_unlock (&self->store->writer_lock);
  _hy_store_note_write (self->store, FALSE);
}

static sqlite3_stmt *prepare (HyStoreTransaction *self, const char *sql, GError **error);
static gboolean run (HyStoreTransaction *self, sqlite3_stmt *stmt, GError **error);
static void bind_text (sqlite3_stmt *stmt, int index, const char *text);

static void
count (HyStoreTransaction *self,
       gint64              folder_id,
       gint64              total,
       gint64              unread)
{
  CountDelta *delta = g_hash_table_lookup (self->counts, &folder_id);

  if (delta == NULL)
    {
      delta = g_new0 (CountDelta, 1);
      g_hash_table_insert (self->counts, g_memdup2 (&folder_id, sizeof folder_id), delta);
    }
  delta->total += total;
  delta->unread += unread;
}

static gboolean
flush_counts (HyStoreTransaction  *self,
              GError             **error)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      CountDelta *delta = value;
      sqlite3_stmt *stmt;

      if (delta->total == 0 && delta->unread == 0)
        continue;
      stmt = prepare (self, "UPDATE folders SET total = max (0, total + ?2), unread = max (0, unread + ?3) "
                      "WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, *(gint64 *) key);
      sqlite3_bind_int64 (stmt, 2, delta->total);
      sqlite3_bind_int64 (stmt, 3, delta->unread);
      if (!run (self, stmt, error))
        return FALSE;
    }
  g_hash_table_remove_all (self->counts);
  return TRUE;
}

static gboolean
flush_addresses (HyStoreTransaction  *self,
                 GError             **error)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->addresses);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      AddressSeen *seen = value;
      sqlite3_stmt *stmt;

      stmt = prepare (self, "INSERT INTO addresses (address, name, seen, last_seen) VALUES (?1, ?2, ?3, ?4) "
                      "ON CONFLICT (address) DO UPDATE SET seen = seen + excluded.seen, "
                      "name = CASE WHEN excluded.last_seen >= last_seen AND excluded.name IS NOT NULL "
                      "THEN excluded.name ELSE coalesce (name, excluded.name) END, "
                      "last_seen = max (last_seen, excluded.last_seen)", error);
      if (stmt == NULL)
        return FALSE;
      bind_text (stmt, 1, seen->address);
      bind_text (stmt, 2, seen->name);
      sqlite3_bind_int64 (stmt, 3, seen->seen);
      sqlite3_bind_int64 (stmt, 4, seen->last_seen);
      if (!run (self, stmt, error))
        return FALSE;
    }
  g_hash_table_remove_all (self->addresses);
  return TRUE;
}

static gboolean write_deferred (HyStoreTransaction *self, GError **error);

/* The index is written in one go, after the other writes of the
 * transaction.  FTS5 keeps the terms of consecutive inserts in memory and
 * writes them out once; any other statement that opens a statement
 * savepoint in between (a multi-row write, INSERT OR REPLACE) makes it
 * write them out at once, which made a sync spend most of its time
 * merging tiny index segments.  Readers only see committed data, so
 * search is unchanged: what a transaction added is found once it
 * committed, index included.  (A transaction with
 * hy_store_transaction_defer_index() leaves the rows of its new messages
 * to the indexing pass instead, see _hy_store_index_pending_locked().) */
static int
compare_fts_rows (gconstpointer a,
                  gconstpointer b)
{
  gint64 x = ((const FtsRow *) a)->id, y = ((const FtsRow *) b)->id;

  return x < y ? -1 : x > y;
}

static gboolean
flush_fts (HyStoreTransaction  *self,
           GError             **error)
{
  /* A body's text goes into the row of its message, which must be there:
   * if it is still pending, the pending rows are written first. */
  for (guint i = 0; i < self->fts->len; i++)
    {
      FtsRow *row = &g_array_index (self->fts, FtsRow, i);
      gboolean more = TRUE;
      sqlite3_stmt *stmt;
      int rc;

      if (row->insert)
        continue;
      if (!write_deferred (self, error))
        return FALSE;
      if ((stmt = prepare (self, "SELECT 1 FROM message_fts_content WHERE id = ?1", error)) == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, row->id);
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      if (rc == SQLITE_ROW)
        continue;
      if (rc != SQLITE_DONE)
        {
          _hy_store_set_error (error, self->store->writer, HY_STORE_ERROR_QUERY, _ ("Cannot write to the mail cache"));
          return FALSE;
        }
      while (more)
        if (!_hy_store_index_pending_locked (self->store, G_MAXUINT, NULL, &more, error))
          return FALSE;
      break;
    }

  /* In rowid order: FTS5 writes its pending terms out as a new segment
   * whenever a row comes with a lower rowid than the one before, and a
   * sync that stores the newest bodies first made a segment of nearly
   * every message, and merges of them without end. */
  g_array_sort (self->fts, compare_fts_rows);
  for (guint i = 0; i < self->fts->len; i++)
    {
      FtsRow *row = &g_array_index (self->fts, FtsRow, i);
      sqlite3_stmt *stmt;

      if (row->insert)
        {
          stmt = prepare (self, "INSERT INTO message_fts (rowid, subject, sender, recipients, body) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)", error);
          if (stmt == NULL)
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, row->id);
          bind_text (stmt, 2, row->subject);
          bind_text (stmt, 3, row->sender);
          bind_text (stmt, 4, row->recipients);
          bind_text (stmt, 5, row->body);
        }
      else
        {
          stmt = prepare (self, "UPDATE message_fts SET body = ?2 WHERE rowid = ?1", error);
          if (stmt == NULL)
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, row->id);
          bind_text (stmt, 2, row->body);
        }
      if (!run (self, stmt, error))
        return FALSE;
    }
  g_array_set_size (self->fts, 0);
  g_hash_table_remove_all (self->fts_rows);
  return TRUE;
}

/* The index write waiting for message @id, or a new one. */
static FtsRow *
pending_fts (HyStoreTransaction *self,
             gint64              id,
             gboolean            insert)
{
  gpointer index = g_hash_table_lookup (self->fts_rows, &id);
  FtsRow row = { id, insert, NULL, NULL, NULL, NULL };

  if (index != NULL)
    return &g_array_index (self->fts, FtsRow, GPOINTER_TO_UINT (index) - 1);
  g_array_append_val (self->fts, row);
  g_hash_table_insert (self->fts_rows, g_memdup2 (&id, sizeof id), GUINT_TO_POINTER (self->fts->len));
  return &g_array_index (self->fts, FtsRow, self->fts->len - 1);
}

gboolean
hy_store_transaction_commit (HyStoreTransaction  *self,
                             GError             **error)
{
  g_autoptr(GArray) folders = NULL;
  g_autoptr(GPtrArray) flag_ids = NULL;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->done, FALSE);

  if (!write_deferred (self, error) || !flush_fts (self, error) || !flush_counts (self, error) ||
      !flush_addresses (self, error))
    return FALSE;
  if (!exec_writer (self->store, "COMMIT", error))
    return FALSE;  /* still open: freeing it rolls back */

  for (guint i = 0; i < self->doomed_files->len; i++)
    g_unlink (g_ptr_array_index (self->doomed_files, i));
  g_ptr_array_set_size (self->written_files, 0);

  folders = g_array_new (FALSE, FALSE, sizeof (gint64));
  flag_ids = g_ptr_array_new_with_free_func (free_ids);
  g_hash_table_iter_init (&iter, self->changed);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_array_append_val (folders, *(gint64 *) key);
      g_ptr_array_add (flag_ids, value != NULL ? g_array_ref (value) : NULL);
    }
  finish (self);
  if (self->wrote_deferred)
    _hy_store_schedule_index (self->store);
  _hy_store_emit_folders_changed (self->store, folders, flag_ids);
  return TRUE;
}

void
hy_store_transaction_defer_index (HyStoreTransaction *self)
{
  g_return_if_fail (self != NULL);

  self->defer_index = TRUE;
}

/* Records a message whose index row is left to the indexing pass. */
static void
defer_fts (HyStoreTransaction *self,
           gint64              id,
           const char         *sender,
           const char         *recipients)
{
  GByteArray *entries;

  if (self->deferred == NULL)
    self->deferred = g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
  if (self->deferred->len == 0 || self->deferred_last >= DEFER_CHUNK)
    {
      g_ptr_array_add (self->deferred, g_byte_array_sized_new (DEFER_CHUNK * 64));
      self->deferred_last = 0;
    }
  entries = g_ptr_array_index (self->deferred, self->deferred->len - 1);
  g_byte_array_append (entries, (const guint8 *) &id, sizeof id);
  g_byte_array_append (entries, (const guint8 *) (sender != NULL ? sender : ""), strlen (sender != NULL ? sender : "") + 1);
  g_byte_array_append (entries, (const guint8 *) (recipients != NULL ? recipients : ""),
                       strlen (recipients != NULL ? recipients : "") + 1);
  self->deferred_last++;
}

/* Writes the deferred entries to fts_pending, in this transaction. */
static gboolean
write_deferred (HyStoreTransaction  *self,
                GError             **error)
{
  if (self->deferred == NULL)
    return TRUE;
  for (guint i = 0; i < self->deferred->len; i++)
    {
      GByteArray *entries = g_ptr_array_index (self->deferred, i);
      sqlite3_stmt *stmt = prepare (self, "INSERT INTO fts_pending (entries) VALUES (?1)", error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_blob64 (stmt, 1, entries->data, entries->len, SQLITE_STATIC);
      if (!run (self, stmt, error))
        return FALSE;
      self->wrote_deferred = TRUE;
    }
  g_ptr_array_set_size (self->deferred, 0);
  return TRUE;
}

typedef struct {
  gint64      id;
  guint       order;       /* place in the row */
  const char *sender;
  const char *recipients;
} PendingEntry;

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const PendingEntry *x = a, *y = b;

  if (x->id != y->id)
    return x->id < y->id ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

static gboolean
index_failed (HyStore       *store,
              sqlite3_stmt  *stmt,
              GError       **error)
{
  _hy_store_set_error (error, store->writer, HY_STORE_ERROR_QUERY, _ ("Cannot write to the mail cache"));
  sqlite3_reset (stmt);
  return FALSE;
}

/* Writes the index rows of one row of fts_pending and removes it. */
static gboolean
index_pending_row (HyStore       *store,
                   gint64         row_id,
                   const guint8  *data,
                   gsize          size,
                   guint         *n_entries,
                   guint         *n_indexed,
                   GError       **error)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (PendingEntry));
  sqlite3_stmt *exists, *source, *insert, *done;
  gsize at = 0;

  while (at + sizeof (gint64) < size)
    {
      PendingEntry entry;
      const guint8 *end;

      memcpy (&entry.id, data + at, sizeof entry.id);
      at += sizeof entry.id;
      entry.sender = (const char *) data + at;
      if ((end = memchr (data + at, '\0', size - at)) == NULL)
        break;
      at = end - data + 1;
      entry.recipients = (const char *) data + at;
      if ((end = memchr (data + at, '\0', size - at)) == NULL)
        break;
      at = end - data + 1;
      entry.order = entries->len;
      g_array_append_val (entries, entry);
    }
  *n_entries = entries->len;
  /* In ascending rowids: FTS5 writes out the terms it holds whenever a
   * rowid is lower than the one before (a small segment each time, merged
   * later), which made the pass several times as costly as the rows. */
  g_array_sort (entries, compare_entries);

  /* Asked of FTS5's own content table: a query of message_fts between the
   * inserts could make FTS5 write out the terms it holds (see flush_fts()). */
  exists = _hy_store_prepare_writer (store, "SELECT 1 FROM message_fts_content WHERE id = ?1", error);
  source = _hy_store_prepare_writer (store, "SELECT subject, preview FROM messages WHERE id = ?1", error);
  insert = _hy_store_prepare_writer (store, "INSERT INTO message_fts (rowid, subject, sender, recipients, body) "
                                     "VALUES (?1, ?2, ?3, ?4, ?5)", error);
  done = _hy_store_prepare_writer (store, "DELETE FROM fts_pending WHERE id = ?1", error);
  if (exists == NULL || source == NULL || insert == NULL || done == NULL)
    return FALSE;

  for (guint i = 0; i < entries->len; i++)
    {
      PendingEntry *entry = &g_array_index (entries, PendingEntry, i);
      int rc;

      /* An id can be listed again after its message was removed and
       * another one took the id: the last entry is the message's. */
      if (i + 1 < entries->len && g_array_index (entries, PendingEntry, i + 1).id == entry->id)
        continue;

      sqlite3_bind_int64 (exists, 1, entry->id);
      rc = sqlite3_step (exists);
      sqlite3_reset (exists);
      if (rc == SQLITE_ROW)
        continue;  /* indexed already (a body came, or a later entry) */
      if (rc != SQLITE_DONE)
        return index_failed (store, exists, error);

      sqlite3_bind_int64 (source, 1, entry->id);
      rc = sqlite3_step (source);
      if (rc == SQLITE_DONE)
        {
          sqlite3_reset (source);
          continue;  /* removed since */
        }
      if (rc != SQLITE_ROW)
        return index_failed (store, source, error);
      sqlite3_bind_int64 (insert, 1, entry->id);
      sqlite3_bind_value (insert, 2, sqlite3_column_value (source, 0));
      bind_text (insert, 3, entry->sender);
      bind_text (insert, 4, entry->recipients);
      sqlite3_bind_value (insert, 5, sqlite3_column_value (source, 1));
      rc = sqlite3_step (insert);
      sqlite3_reset (source);
      sqlite3_reset (insert);
      if (rc != SQLITE_DONE)
        return index_failed (store, insert, error);
      if (n_indexed != NULL)
        (*n_indexed)++;
    }

  sqlite3_bind_int64 (done, 1, row_id);
  if (sqlite3_step (done) != SQLITE_DONE)
    return index_failed (store, done, error);
  sqlite3_reset (done);
  return TRUE;
}

gboolean
_hy_store_index_pending_locked (HyStore   *store,
                                guint      limit,
                                guint     *n_indexed,
                                gboolean  *more,
                                GError   **error)
{
  sqlite3_stmt *next = _hy_store_prepare_writer (store, "SELECT id, entries FROM fts_pending ORDER BY id DESC LIMIT 1",
                                                 error);
  guint seen = 0;

  *more = FALSE;
  if (next == NULL)
    return FALSE;
  while (TRUE)
    {
      g_autofree guint8 *data = NULL;
      gsize size;
      gint64 row_id;
      guint row_entries = 0;
      int rc = sqlite3_step (next);

      if (rc == SQLITE_DONE)
        {
          sqlite3_reset (next);
          return TRUE;
        }
      if (rc != SQLITE_ROW)
        return index_failed (store, next, error);
      if (seen >= limit)
        {
          sqlite3_reset (next);
          *more = TRUE;
          return TRUE;
        }
      row_id = sqlite3_column_int64 (next, 0);
      size = sqlite3_column_bytes (next, 1);
      data = g_memdup2 (sqlite3_column_blob (next, 1), size);
      sqlite3_reset (next);
      if (!index_pending_row (store, row_id, data, size, &row_entries, n_indexed, error))
        return FALSE;
      seen += row_entries;
    }
}

void
hy_store_transaction_free (HyStoreTransaction *self)
{
  if (self == NULL)
    return;
  if (!self->done)
    {
      sqlite3_exec (self->store->writer, "ROLLBACK", NULL, NULL, NULL);
      for (guint i = 0; i < self->written_files->len; i++)
        g_unlink (g_ptr_array_index (self->written_files, i));
      finish (self);
    }
  g_hash_table_destroy (self->changed);
  g_hash_table_destroy (self->counts);
  g_hash_table_destroy (self->addresses);
  g_ptr_array_unref (self->written_files);
  g_ptr_array_unref (self->doomed_files);
  g_array_unref (self->fts);
  g_hash_table_destroy (self->fts_rows);
  g_clear_pointer (&self->deferred, g_ptr_array_unref);
  g_object_unref (self->store);
  g_free (self);
}

static sqlite3_stmt *
prepare (HyStoreTransaction  *self,
         const char          *sql,
         GError             **error)
{
  g_return_val_if_fail (!self->done, NULL);

  return _hy_store_prepare_writer (self->store, sql, error);
}

/* Steps a write statement to its end. */
static gboolean
run (HyStoreTransaction  *self,
     sqlite3_stmt        *stmt,
     GError             **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      _hy_store_set_error (error, self->store->writer, HY_STORE_ERROR_QUERY, _ ("Cannot write to the mail cache"));
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/* Binds @text, or NULL, copied by SQLite or (@how SQLITE_STATIC) not:
 * then it must outlive the statement's next step, and the caller clears
 * the bindings after that step. */
static void
bind_text_as (sqlite3_stmt         *stmt,
              int                   index,
              const char           *text,
              sqlite3_destructor_type how)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, how);
  else
    sqlite3_bind_null (stmt, index);
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  bind_text_as (stmt, index, text, SQLITE_TRANSIENT);
}

HyStore *
_hy_store_transaction_get_store (HyStoreTransaction *self)
{
  return self->store;
}

sqlite3_stmt *
_hy_store_transaction_prepare (HyStoreTransaction  *self,
                               const char          *sql,
                               GError             **error)
{
  return prepare (self, sql, error);
}

gboolean
_hy_store_transaction_run (HyStoreTransaction  *self,
                           sqlite3_stmt        *stmt,
                           GError             **error)
{
  return run (self, stmt, error);
}

void
_hy_store_transaction_changed (HyStoreTransaction *self,
                               gint64              folder_id,
                               gint64              total,
                               gint64              unread)
{
  if (total != 0 || unread != 0)
    count (self, folder_id, total, unread);
  mark_changed (self, folder_id);
}

/* Folders. */

gint64
hy_store_transaction_add_folder (HyStoreTransaction  *self,
                                 const char          *name,
                                 HyFolderRole         role,
                                 const char          *delimiter,
                                 GError             **error)
{
  sqlite3_stmt *stmt;
  gint64 id = 0;
  int rc;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (name != NULL && g_utf8_validate (name, -1, NULL), 0);
  g_return_val_if_fail (role < HY_FOLDER_ROLE_LAST, 0);

  stmt = prepare (self, "INSERT INTO folders (name, role, delimiter) VALUES (?1, ?2, ?3) "
                  "ON CONFLICT (name) DO UPDATE SET role = excluded.role, delimiter = excluded.delimiter "
                  "RETURNING id", error);
  if (stmt == NULL)
    return 0;
  bind_text (stmt, 1, name);
  sqlite3_bind_int (stmt, 2, role);
  bind_text (stmt, 3, delimiter);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      id = sqlite3_column_int64 (stmt, 0);
      /* Let RETURNING finish so that the statement completes. */
      while (sqlite3_step (stmt) == SQLITE_ROW)
        ;
    }
  else
    _hy_store_set_error (error, self->store->writer, HY_STORE_ERROR_QUERY, _ ("Cannot add a folder to the mail cache"));
  sqlite3_reset (stmt);
  if (id != 0)
    mark_changed (self, id);
  return id;
}

gboolean
hy_store_transaction_set_folder_state (HyStoreTransaction  *self,
                                       gint64               folder_id,
                                       guint32              uidvalidity,
                                       guint32              uidnext,
                                       guint64              highestmodseq,
                                       GError             **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, FALSE);

  stmt = prepare (self, "UPDATE folders SET uidvalidity = ?2, uidnext = ?3, highestmodseq = ?4 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, uidvalidity);
  sqlite3_bind_int64 (stmt, 3, uidnext);
  sqlite3_bind_int64 (stmt, 4, (gint64) highestmodseq);
  return run (self, stmt, error);
}

gboolean
hy_store_transaction_rename_folder (HyStoreTransaction  *self,
                                    gint64               folder_id,
                                    const char          *name,
                                    GError             **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL && g_utf8_validate (name, -1, NULL), FALSE);

  stmt = prepare (self, "UPDATE folders SET name = ?2 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  bind_text (stmt, 2, name);
  mark_changed (self, folder_id);
  return run (self, stmt, error);
}

/* Queues the body files of a message (or of a folder's messages) for
 * removal after the commit. */
static gboolean
doom_body_files (HyStoreTransaction  *self,
                 gboolean             whole_folder,
                 gint64               id,
                 GError             **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (whole_folder)
    stmt = prepare (self, "SELECT b.file FROM bodies b JOIN messages m ON m.id = b.message "
                    "WHERE b.file IS NOT NULL AND m.folder_id = ?1", error);
  else
    stmt = prepare (self, "SELECT file FROM bodies WHERE file IS NOT NULL AND message = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (self->doomed_files,
                     g_build_filename (self->store->bodies_dir,
                                       (const char *) sqlite3_column_text (stmt, 0), NULL));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _hy_store_set_error (error, self->store->writer, HY_STORE_ERROR_QUERY, _ ("Cannot read the mail cache"));
      return FALSE;
    }
  return TRUE;
}

gboolean
hy_store_transaction_clear_folder (HyStoreTransaction  *self,
                                   gint64               folder_id,
                                   GError             **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!flush_fts (self, error) || !doom_body_files (self, TRUE, folder_id, error))
    return FALSE;
  stmt = prepare (self, "DELETE FROM message_fts WHERE rowid IN (SELECT id FROM messages WHERE folder_id = ?1)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  if (!run (self, stmt, error))
    return FALSE;
  stmt = prepare (self, "DELETE FROM messages WHERE folder_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  if (!run (self, stmt, error))
    return FALSE;
  stmt = prepare (self, "UPDATE folders SET total = 0, unread = 0 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  if (!run (self, stmt, error))
    return FALSE;
  g_hash_table_remove (self->counts, &folder_id);
  mark_changed (self, folder_id);
  return TRUE;
}

gboolean
hy_store_transaction_remove_folder (HyStoreTransaction  *self,
                                    gint64               folder_id,
                                    GError             **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!hy_store_transaction_clear_folder (self, folder_id, error))
    return FALSE;
  stmt = prepare (self, "DELETE FROM folders WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  return run (self, stmt, error);
}

/* Messages. */

static char *
decode_header (const char *value)
{
  if (value == NULL)
    return NULL;
  if (strstr (value, "=?") != NULL)
    {
      char *fast = hy_charset_decode_utf8_words (value);

      return fast != NULL ? fast : g_mime_utils_header_decode_text (NULL, value);
    }
  if (!g_utf8_validate (value, -1, NULL))
    return g_utf8_make_valid (value, -1);
  return g_strdup (value);
}

/* One address of a From, To or Cc field: a mailbox, or the name of a
 * group (addr NULL) followed by its members (member TRUE). */
typedef struct {
  char     *name;      /* decoded, or NULL */
  char     *addr;      /* NULL for a group */
  gboolean  member;    /* inside a group */
  char     *key;       /* folded address for the addresses table, or NULL (see address_key()) */
} Address;

static void
address_clear (gpointer data)
{
  Address *address = data;

  if (address->key != address->addr)
    g_free (address->key);
  g_free (address->name);
  g_free (address->addr);
}

static void
addresses_from_list (GArray              *out,
                     InternetAddressList *list,
                     gboolean             member)
{
  for (int i = 0; list != NULL && i < internet_address_list_length (list); i++)
    {
      InternetAddress *ia = internet_address_list_get_address (list, i);
      Address address = { g_strdup (internet_address_get_name (ia)), NULL, member, NULL };

      if (INTERNET_ADDRESS_IS_MAILBOX (ia))
        address.addr = g_strdup (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia)));
      else if (!INTERNET_ADDRESS_IS_GROUP (ia))
        {
          g_free (address.name);
          continue;
        }
      g_array_append_val (out, address);
      if (INTERNET_ADDRESS_IS_GROUP (ia))
        addresses_from_list (out, internet_address_group_get_members (INTERNET_ADDRESS_GROUP (ia)), TRUE);
    }
}

/* Bytes of an addr-spec that needs no quoting (controls, space and
 * "()<>[]:;,\\ are not). */
static const gboolean addr_spec_char[256] = {
  [0x21] = TRUE, [0x23 ... 0x27] = TRUE, [0x2a ... 0x2b] = TRUE, [0x2d ... 0x39] = TRUE,
  [0x3d] = TRUE, [0x3f ... 0x5a] = TRUE, [0x5e ... 0x7f] = TRUE, [0x80 ... 0xff] = TRUE,
};

/* Characters that a display name with encoded words cannot hold unquoted. */
static const gboolean phrase_special[256] = {
  ['"'] = TRUE, ['('] = TRUE, [')'] = TRUE, ['<'] = TRUE, ['>'] = TRUE, ['['] = TRUE, [']'] = TRUE,
  [':'] = TRUE, [';'] = TRUE, ['@'] = TRUE, ['\\'] = TRUE, [','] = TRUE, ['\r'] = TRUE, ['\n'] = TRUE,
};

/* An addr-spec as GMime would return it unchanged: no quoting, comments,
 * routes, spaces or IDN to decode. */
static gboolean
plain_addr_spec (const char *start,
                 const char *end)
{
  const char *at = NULL;

  if (end - start < 3 || end - start > 320)
    return FALSE;
  for (const char *p = start; p < end; p++)
    {
      if (*p == '@')
        {
          if (at != NULL)
            return FALSE;
          at = p;
        }
      else if (!addr_spec_char[(guchar) *p])
        return FALSE;
    }
  if (at == NULL || at == start || at == end - 1 || at[1] == '.' || end[-1] == '.')
    return FALSE;
  for (const char *p = at + 1; p + 4 <= end; p++)
    if (p[2] == '-' && p[3] == '-' && (p[0] | 0x20) == 'x' && (p[1] | 0x20) == 'n')
      return FALSE;
  return TRUE;
}

/* The common shapes of an address field, as a sync writes them from an
 * IMAP envelope: addr-spec, "quoted name" <addr-spec> or plain words
 * (perhaps encoded words) <addr-spec>, separated by commas.  FALSE for
 * anything else (groups, comments, quoted encoded words, IDN, bytes that
 * are not UTF-8…), which GMime's parser then reads.  Reading the common
 * shapes directly is several times faster, and a first sync reads three
 * fields of every message. */
static gboolean
parse_simple_addresses (const char *value,
                        GArray     *out)
{
  const char *p = value;

  for (const char *q = value; *q != '\0'; q++)
    if ((guchar) *q >= 0x80)
      {
        if (!g_utf8_validate (value, -1, NULL))
          return FALSE;
        break;
      }
  while (TRUE)
    {
      Address address = { NULL, NULL, FALSE, NULL };
      const char *start, *end;

      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '\0')
        return TRUE;
      if (*p == '"')
        {
          GString *name = g_string_new (NULL);

          for (p++; *p != '"'; p++)
            {
              if (*p == '\\' && p[1] != '\0')
                p++;
              else if (*p == '\0' || *p == '\r' || *p == '\n')
                {
                  g_string_free (name, TRUE);
                  return FALSE;
                }
              g_string_append_c (name, *p);
            }
          p++;
          g_strstrip (name->str);
          if (strstr (name->str, "=?") != NULL || *name->str == '\0')
            {
              g_string_free (name, TRUE);
              return FALSE;
            }
          address.name = g_string_free (name, FALSE);
          while (*p == ' ' || *p == '\t')
            p++;
          if (*p != '<')
            {
              g_free (address.name);
              return FALSE;
            }
        }
      else
        {
          start = p;
          while (*p != '\0' && *p != '<' && *p != ',')
            p++;
          end = p;
          while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
          if (*p != '<')
            {
              /* A bare addr-spec. */
              if (!plain_addr_spec (start, end))
                return FALSE;
              address.name = g_strdup ("");  /* as GMime has it */
              address.addr = g_strndup (start, end - start);
              g_array_append_val (out, address);
              if (*p == ',')
                p++;
              continue;
            }
          for (const char *q = start; q < end; q++)
            if (strchr ("\"()<>[]:;@\\\r\n", *q) != NULL)
              return FALSE;
          if (end > start)
            {
              g_autofree char *phrase = g_strndup (start, end - start);

              if (strstr (phrase, "=?") == NULL)
                address.name = g_steal_pointer (&phrase);
              else if ((address.name = hy_charset_decode_utf8_words (phrase)) == NULL)
                address.name = g_mime_utils_header_decode_phrase (NULL, phrase);
              if (address.name == NULL || *address.name == '\0' || !g_utf8_validate (address.name, -1, NULL))
                {
                  g_free (address.name);
                  return FALSE;
                }
            }
        }
      /* <addr-spec> */
      if (address.name == NULL)
        address.name = g_strdup ("");
      start = ++p;
      while (*p != '\0' && *p != '>')
        p++;
      if (*p != '>' || !plain_addr_spec (start, p))
        {
          g_free (address.name);
          return FALSE;
        }
      address.addr = g_strndup (start, p - start);
      g_array_append_val (out, address);
      p++;
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == ',')
        p++;
      else if (*p != '\0')
        return FALSE;
    }
}

/* The addresses of a field (Address), never NULL. */
static GArray *
parse_addresses (const char *value)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (Address));

  g_array_set_clear_func (out, address_clear);
  if (value == NULL || *value == '\0')
    return out;
  if (!parse_simple_addresses (value, out))
    {
      InternetAddressList *list = internet_address_list_parse (NULL, value);

      g_array_set_size (out, 0);
      addresses_from_list (out, list, FALSE);
      g_clear_object (&list);
    }
  return out;
}

/* Adds the message ids in @value ("<a@b> <c@d>") to @ids. */
static void
collect_msgids (const char *value,
                GPtrArray  *ids)
{
  const char *p = value;

  if (value == NULL)
    return;
  while ((p = strchr (p, '<')) != NULL)
    {
      const char *end = strchr (p + 1, '>');

      if (end == NULL)
        break;
      if (end > p + 1 && end - p < 998)
        g_ptr_array_add (ids, g_strndup (p + 1, end - p - 1));
      p = end + 1;
    }
}

/* The thread @msgid is in: 0 if it is not known, -1 on an error. */
static gint64
thread_of (HyStoreTransaction  *self,
           const char          *msgid,
           GError             **error)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT thread_id FROM thread_ids WHERE msgid = ?1", error);
  gint64 thread = 0;
  int rc;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, msgid, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    thread = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _hy_store_set_error (error, self->store->writer, HY_STORE_ERROR_QUERY, _ ("Cannot read the mail cache"));
      return -1;
    }
  return thread;
}

/* Adds thread @found to the message's: the lower id of the two is kept,
 * and the other goes to @others, to be merged into it. */
static void
join_thread (gint64 *thread,
             gint64  found,
             GArray *others)
{
  gint64 other;

  if (*thread == 0 || found == *thread)
    {
      *thread = found;
      return;
    }
  other = MAX (*thread, found);
  g_array_append_val (others, other);
  *thread = MIN (*thread, found);
}

/* The thread of the ids @msgids names from @first on (0: none known),
 * noting which are @known; -1 on an error. */
static gint64
lookup_thread (HyStoreTransaction  *self,
               GPtrArray           *msgids,
               guint                first,
               gboolean            *known,
               GArray              *others,
               GError             **error)
{
  gint64 thread = 0;

  for (guint i = first; i < msgids->len; i++)
    {
      gint64 found = thread_of (self, g_ptr_array_index (msgids, i), error);

      if (found < 0)
        return -1;
      known[i] = found > 0;
      if (found > 0)
        join_thread (&thread, found, others);
    }
  return thread;
}

/* The message ids a message carries and refers to: its own first. */
static GPtrArray *
thread_msgids (const HyStoreMessage *message)
{
  GPtrArray *msgids = g_ptr_array_new_with_free_func (g_free);

  if (message->message_id != NULL && *message->message_id != '\0')
    {
      const char *id = message->message_id;
      gsize len = strlen (id);

      if (id[0] == '<' && len > 2 && id[len - 1] == '>')
        g_ptr_array_add (msgids, g_strndup (id + 1, len - 2));
      else
        g_ptr_array_add (msgids, g_strdup (id));
    }
  collect_msgids (message->references, msgids);
  collect_msgids (message->in_reply_to, msgids);
  return msgids;
}

/* Moves the messages and message ids of thread @from to thread @to, one
 * row at a time: a single UPDATE … WHERE thread_id = @from, which changes
 * the column it searches by, first copies the rows into a temporary table
 * and needs a statement journal, which cost a header sync more than the
 * rows themselves when replies joined threads at every third message. */
static gboolean
merge_thread (HyStoreTransaction  *self,
              gint64               from,
              gint64               to,
              GError             **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) msgids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = prepare (self, "SELECT id FROM messages WHERE thread_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, from);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _hy_store_set_error (error, self->store->writer, HY_STORE_ERROR_QUERY, _ ("Cannot read the mail cache"));
      return FALSE;
    }
  stmt = prepare (self, "SELECT msgid FROM thread_ids WHERE thread_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, from);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (msgids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _hy_store_set_error (error, self->store->writer, HY_STORE_ERROR_QUERY, _ ("Cannot read the mail cache"));
      return FALSE;
    }

  for (guint i = 0; i < ids->len; i++)
    {
      stmt = prepare (self, "UPDATE messages SET thread_id = ?1 WHERE id = ?2", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, to);
      sqlite3_bind_int64 (stmt, 2, g_array_index (ids, gint64, i));
      if (!run (self, stmt, error))
        return FALSE;
    }
  for (guint i = 0; i < msgids->len; i++)
    {
      stmt = prepare (self, "UPDATE thread_ids SET thread_id = ?1 WHERE msgid = ?2", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, to);
      sqlite3_bind_text (stmt, 2, g_ptr_array_index (msgids, i), -1, SQLITE_STATIC);
      if (!run (self, stmt, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
assign_thread (HyStoreTransaction  *self,
               HyStoreMessage      *message,
               GPtrArray           *msgids,
               GError             **error)
{
  g_autoptr(GArray) others = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree gboolean *known = g_new0 (gboolean, msgids->len + 1);
  gboolean own = message->message_id != NULL && *message->message_id != '\0' && msgids->len > 0;
  sqlite3_stmt *stmt;
  gint64 thread;

  /* The ids the message refers to first; then its own, which is nearly
   * always new: inserted at once, and looked up only when it was known
   * (a reply that came first named it). */
  thread = lookup_thread (self, msgids, own ? 1 : 0, known, others, error);
  if (thread < 0)
    return FALSE;
  if (own)
    {
      gint64 mine;

      stmt = prepare (self, "INSERT OR IGNORE INTO thread_ids (msgid, thread_id) VALUES (?1, ?2)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, g_ptr_array_index (msgids, 0), -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, thread != 0 ? thread : message->id);
      if (!run (self, stmt, error))
        return FALSE;
      known[0] = TRUE;
      if (sqlite3_changes (self->store->writer) == 0)
        {
          mine = thread_of (self, g_ptr_array_index (msgids, 0), error);
          if (mine < 0)
            return FALSE;
          if (mine > 0)
            join_thread (&thread, mine, others);
        }
    }
  if (thread == 0)
    thread = message->id;

  /* A message that joins two threads merges them. */
  for (guint i = 0; i < others->len; i++)
    {
      gint64 other = g_array_index (others, gint64, i);

      if (other != thread && !merge_thread (self, other, thread, error))
        return FALSE;
    }

  /* Ids already known are in this thread now (merged above). */
  stmt = prepare (self, "INSERT OR IGNORE INTO thread_ids (msgid, thread_id) VALUES (?1, ?2)", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < msgids->len; i++)
    {
      if (known[i])
        continue;
      sqlite3_bind_text (stmt, 1, g_ptr_array_index (msgids, i), -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, thread);
      if (!run (self, stmt, error))
        return FALSE;
    }

  message->thread_id = thread;
  return TRUE;
}

/* New messages get their ids here, so that a message that starts a
 * thread can be inserted with its thread id in one statement.  Ids
 * follow the Date: header (see HY_STORE_ID_FOR_DATE), so that newest
 * first is simply descending ids, for lists and for the full-text index
 * alike. */
static gint64
allocate_id (HyStoreTransaction  *self,
             gint64               date,
             GError             **error)
{
  gint64 base = HY_STORE_ID_FOR_DATE (date);
  gint64 id;
  sqlite3_stmt *stmt;

  stmt = prepare (self, "SELECT coalesce (max (id) + 1, ?1) FROM messages WHERE id >= ?1 AND id < ?2", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, base);
  sqlite3_bind_int64 (stmt, 2, base + HY_STORE_IDS_PER_SECOND);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      _hy_store_set_error (error, self->store->writer, HY_STORE_ERROR_QUERY, _ ("Cannot read the mail cache"));
      sqlite3_reset (stmt);
      return 0;
    }
  id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (id >= base + HY_STORE_IDS_PER_SECOND)
    {
      /* A million messages of the same second: any free id will do. */
      stmt = prepare (self, "SELECT max (id) + 1 FROM messages", error);
      if (stmt == NULL)
        return 0;
      sqlite3_step (stmt);
      id = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
    }
  return id;
}

/* Sets the key under which the addresses table counts @address (NULL
 * for one it does not count), and drops a name that cannot be kept. */
static void
address_key (Address *address)
{
  const char *addr = address->addr;
  gboolean upper = FALSE, at = FALSE;
  const char *p;

  if (addr == NULL)
    return;
  /* Most addresses are ASCII in lower case already: their key is the
   * address itself. */
  for (p = addr; *p != '\0' && (guchar) *p < 0x80; p++)
    {
      upper |= g_ascii_isupper (*p);
      at |= *p == '@';
    }
  if (*p == '\0')
    {
      if (at)
        address->key = upper ? g_ascii_strdown (addr, -1) : address->addr;
      return;
    }
  if (strchr (addr, '@') == NULL || !g_utf8_validate (addr, -1, NULL))
    return;
  address->key = g_utf8_casefold (addr, -1);
}

static void
count_address (HyStoreTransaction *self,
               const Address      *address,
               gint64              date)
{
  AddressSeen *seen;
  const char *name = address->name;

  if (address->key == NULL)
    return;
  if (name != NULL && (*name == '\0' || !g_utf8_validate (name, -1, NULL)))
    name = NULL;

  seen = g_hash_table_lookup (self->addresses, address->key);
  if (seen == NULL)
    {
      seen = g_new0 (AddressSeen, 1);
      seen->address = g_strdup (address->addr);
      seen->last_seen = G_MININT64;
      seen->name_date = G_MININT64;
      g_hash_table_insert (self->addresses, g_strdup (address->key), seen);
    }
  seen->seen++;
  seen->last_seen = MAX (seen->last_seen, date);
  /* The newest message's spelling of the name wins. */
  if (name != NULL && date >= seen->name_date)
    {
      g_free (seen->name);
      seen->name = g_strdup (name);
      seen->name_date = date;
    }
}

static void
count_addresses (HyStoreTransaction *self,
                 GArray             *list,
                 gint64              date)
{
  for (guint i = 0; i < list->len; i++)
    count_address (self, &g_array_index (list, Address, i), date);
}

/* What a list shows of an address: its name, else the address itself. */
static const char *
shown_address (const Address *address)
{
  if (address->name != NULL && *address->name != '\0')
    return address->name;
  return address->addr;
}

/* The To and Cc lists as a list shows them: "Name, other@example.org". */
static char *
recipients_text (GArray *to,
                 GArray *cc)
{
  GArray *lists[] = { to, cc };
  gsize size = 1;
  char *out, *p;

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      if (!g_array_index (lists[l], Address, i).member)
        {
          const char *shown = shown_address (&g_array_index (lists[l], Address, i));

          size += 2 + (shown != NULL ? strlen (shown) : 0);
        }
  p = out = g_malloc (size);
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      if (!g_array_index (lists[l], Address, i).member)
        {
          const char *shown = shown_address (&g_array_index (lists[l], Address, i));

          if (p > out)
            p = stpcpy (p, ", ");
          if (shown != NULL)
            p = stpcpy (p, shown);
        }
  *p = '\0';
  return out;
}

/* Words for the index: the names and addresses of @a and @b (or NULL),
 * each followed by a space, in one allocation. */
static char *
index_addresses (GArray *a,
                 GArray *b)
{
  GArray *lists[] = { a, b };
  gsize size = 1;
  char *out, *p;

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; lists[l] != NULL && i < lists[l]->len; i++)
      {
        const Address *address = &g_array_index (lists[l], Address, i);

        size += (address->name != NULL ? strlen (address->name) + 1 : 0) +
                (address->addr != NULL ? strlen (address->addr) + 1 : 0);
      }
  p = out = g_malloc (size);
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; lists[l] != NULL && i < lists[l]->len; i++)
      {
        const Address *address = &g_array_index (lists[l], Address, i);

        if (address->name != NULL)
          {
            p = stpcpy (p, address->name);
            *p++ = ' ';
          }
        if (address->addr != NULL)
          {
            p = stpcpy (p, address->addr);
            *p++ = ' ';
          }
      }
  *p = '\0';
  return out;
}

static char *
make_preview (const char *text)
{
  GString *out;
  gboolean space = FALSE;
  guint n = 0;

  if (text == NULL)
    return NULL;
  out = g_string_new (NULL);
  for (const char *p = text; *p != '\0' && n < PREVIEW_CHARS; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c))
        {
          space = out->len > 0;
          continue;
        }
      if (space)
        {
          g_string_append_c (out, ' ');
          n++;
          space = FALSE;
        }
      g_string_append_unichar (out, c);
      n++;
    }
  return g_string_free (out, FALSE);
}

static gint64
existing_message (HyStoreTransaction  *self,
                  gint64               folder_id,
                  guint32              uid,
                  GError             **error)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT id FROM messages WHERE folder_id = ?1 AND uid = ?2", error);
  gint64 id = 0;
  int rc;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, uid);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _hy_store_set_error (error, self->store->writer, HY_STORE_ERROR_QUERY, _ ("Cannot read the mail cache"));
      return -1;
    }
  return id;
}

/* What adding a message derives from its headers without the database:
 * done before the transaction, perhaps on another thread. */
struct _HyStorePreparedMessage {
  HyStoreMessage *message;
  char           *subject;           /* decoded */
  GArray         *from;              /* Address */
  GArray         *to;
  GArray         *cc;
  char           *recipients;
  char           *preview;
  char           *message_id;        /* without angle brackets */
  GPtrArray      *msgids;            /* for the thread */
  char           *index_sender;      /* words for the index */
  char           *index_recipients;
  gboolean        new_uid;           /* no row of the folder has its UID */
};

static void
keys_of (GArray *list)
{
  for (guint i = 0; i < list->len; i++)
    address_key (&g_array_index (list, Address, i));
}

/* The "Name <mailbox@host>, …" value of @parts, as a sync would have
 * written it into a header: a name in encoded words as it is, any other
 * quoted; parts without a mailbox and host (group markers) left out. */
static char *
parts_to_header (const HyStoreAddressParts *parts,
                 guint                      n)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      const HyStoreAddressParts *part = &parts[i];

      if (part->mailbox == NULL || part->host == NULL)
        continue;
      if (out->len > 0)
        g_string_append (out, ", ");
      if (part->name != NULL && *part->name != '\0')
        {
          if (strstr (part->name, "=?") != NULL)
            g_string_append (out, part->name);
          else
            {
              g_string_append_c (out, '"');
              for (const char *p = part->name; *p != '\0'; p++)
                {
                  if (*p == '"' || *p == '\\')
                    g_string_append_c (out, '\\');
                  if (*p != '\r' && *p != '\n')
                    g_string_append_c (out, *p);
                }
              g_string_append_c (out, '"');
            }
          g_string_append (out, " <");
          g_string_append (out, part->mailbox);
          g_string_append_c (out, '@');
          g_string_append (out, part->host);
          g_string_append_c (out, '>');
        }
      else
        {
          g_string_append (out, part->mailbox);
          g_string_append_c (out, '@');
          g_string_append (out, part->host);
        }
    }
  return out->len > 0 ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

/* Reads @parts straight into @out, with the result parse_addresses() gives
 * for parts_to_header(); FALSE (@out unchanged) for any part of a shape
 * only the full parser reads that way. */
static gboolean
addresses_from_parts (const HyStoreAddressParts *parts,
                      guint                      n,
                      GArray                    *out)
{
  guint before = out->len;

  for (guint i = 0; i < n; i++)
    {
      const HyStoreAddressParts *part = &parts[i];
      Address address = { NULL, NULL, FALSE, NULL };
      const char *name = part->name;

      if (part->mailbox == NULL || part->host == NULL)
        continue;
      address.addr = g_strconcat (part->mailbox, "@", part->host, NULL);
      if (!g_utf8_validate (address.addr, -1, NULL) || !plain_addr_spec (address.addr, address.addr + strlen (address.addr)))
        {
          g_free (address.addr);
          g_array_set_size (out, before);
          return FALSE;
        }
      if (name == NULL || *name == '\0')
        address.name = g_strdup ("");
      else if (!g_utf8_validate (name, -1, NULL))
        {
          g_free (address.addr);
          g_array_set_size (out, before);
          return FALSE;
        }
      else if (strstr (name, "=?") != NULL)
        {
          const char *start = name, *end = name + strlen (name);
          g_autofree char *phrase = NULL;

          while (*start == ' ' || *start == '\t')
            start++;
          while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
          for (const char *q = start; q < end; q++)
            if (phrase_special[(guchar) *q])
              {
                g_free (address.addr);
                g_array_set_size (out, before);
                return FALSE;
              }
          phrase = g_strndup (start, end - start);
          address.name = hy_charset_decode_utf8_words (phrase);
          if (address.name == NULL)
            address.name = g_mime_utils_header_decode_phrase (NULL, phrase);
          if (address.name == NULL || *address.name == '\0' || !g_utf8_validate (address.name, -1, NULL))
            {
              g_free (address.name);
              g_free (address.addr);
              g_array_set_size (out, before);
              return FALSE;
            }
        }
      else
        {
          GString *plain = g_string_sized_new (strlen (name));

          for (const char *p = name; *p != '\0'; p++)
            if (*p != '\r' && *p != '\n')
              g_string_append_c (plain, *p);
          g_strstrip (plain->str);
          if (*plain->str == '\0')
            {
              g_string_free (plain, TRUE);
              g_free (address.addr);
              g_array_set_size (out, before);
              return FALSE;
            }
          address.name = g_string_free (plain, FALSE);
        }
      g_array_append_val (out, address);
    }
  return TRUE;
}

static GArray *
parse_parts (const HyStoreAddressParts *parts,
             guint                      n)
{
  g_autofree char *header = NULL;
  GArray *out = g_array_sized_new (FALSE, FALSE, sizeof (Address), n);

  g_array_set_clear_func (out, address_clear);
  if (addresses_from_parts (parts, n, out))
    return out;
  g_array_unref (out);
  header = parts_to_header (parts, n);
  return parse_addresses (header);
}

static HyStorePreparedMessage *prepare_message (HyStoreMessage *message, GArray *from, GArray *to, GArray *cc);

HyStorePreparedMessage *
hy_store_prepare_message (HyStoreMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);

  return prepare_message (message, parse_addresses (message->from), parse_addresses (message->to),
                          parse_addresses (message->cc));
}

HyStorePreparedMessage *
hy_store_prepare_message_with_addresses (HyStoreMessage            *message,
                                         const HyStoreAddressParts *from,
                                         guint                      n_from,
                                         const HyStoreAddressParts *to,
                                         guint                      n_to,
                                         const HyStoreAddressParts *cc,
                                         guint                      n_cc)
{
  g_return_val_if_fail (message != NULL, NULL);

  return prepare_message (message, parse_parts (from, n_from), parse_parts (to, n_to), parse_parts (cc, n_cc));
}

static HyStorePreparedMessage *
prepare_message (HyStoreMessage *message,
                 GArray         *from,
                 GArray         *to,
                 GArray         *cc)
{
  HyStorePreparedMessage *prepared;

  prepared = g_new0 (HyStorePreparedMessage, 1);
  prepared->message = message;
  prepared->subject = decode_header (message->subject);
  prepared->from = from;
  prepared->to = to;
  prepared->cc = cc;
  keys_of (prepared->from);
  keys_of (prepared->to);
  keys_of (prepared->cc);

  prepared->recipients = recipients_text (prepared->to, prepared->cc);
  prepared->preview = make_preview (message->preview);
  if (message->message_id != NULL)
    {
      const char *mid = message->message_id;
      gsize len = strlen (mid);

      prepared->message_id = (mid[0] == '<' && len > 2 && mid[len - 1] == '>') ? g_strndup (mid + 1, len - 2)
                                                                                : g_strdup (mid);
    }
  prepared->msgids = thread_msgids (message);

  prepared->index_sender = index_addresses (prepared->from, NULL);
  prepared->index_recipients = index_addresses (prepared->to, prepared->cc);
  return prepared;
}

void
hy_store_prepared_message_set_new (HyStorePreparedMessage *prepared)
{
  g_return_if_fail (prepared != NULL);

  prepared->new_uid = TRUE;
}

HyStoreMessage *
hy_store_prepared_message_get_message (HyStorePreparedMessage *prepared)
{
  g_return_val_if_fail (prepared != NULL, NULL);

  return prepared->message;
}

void
hy_store_prepared_message_free (HyStorePreparedMessage *prepared)
{
  if (prepared == NULL)
    return;
  g_clear_pointer (&prepared->message, hy_store_message_free);
  g_free (prepared->subject);
  g_array_unref (prepared->from);
  g_array_unref (prepared->to);
  g_array_unref (prepared->cc);
  g_free (prepared->recipients);
  g_free (prepared->preview);
  g_free (prepared->message_id);
  g_ptr_array_unref (prepared->msgids);
  g_free (prepared->index_sender);
  g_free (prepared->index_recipients);
  g_free (prepared);
}

/* A message already in the folder: takes its flags. */
static gint64
update_existing (HyStoreTransaction  *self,
                 HyStoreMessage      *message,
                 gint64               id,
                 GError             **error)
{
  message->id = id;
  if (!hy_store_transaction_set_flags (self, id, message->flags, message->keywords, message->modseq, error))
    return 0;
  return id;
}

gint64
hy_store_transaction_add_prepared (HyStoreTransaction      *self,
                                   HyStorePreparedMessage  *prepared,
                                   GError                 **error)
{
  HyStoreMessage *message;
  const char *sender_name = NULL;
  const char *sender_address = NULL;
  sqlite3_stmt *stmt;
  gboolean ok;
  gint64 id;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (prepared != NULL, 0);
  message = prepared->message;
  g_return_val_if_fail (message->folder_id > 0, 0);

  if (!prepared->new_uid)
    {
      id = existing_message (self, message->folder_id, message->uid, error);
      if (id < 0)
        return 0;
      if (id > 0)
        return update_existing (self, message, id, error);
    }

  if (prepared->from->len > 0)
    {
      const Address *first = &g_array_index (prepared->from, Address, 0);

      sender_name = first->name;
      sender_address = first->addr;
    }

  message->id = allocate_id (self, message->date > 0 ? message->date : message->received, error);
  if (message->id == 0 || !assign_thread (self, message, prepared->msgids, error))
    return 0;

  stmt = prepare (self, "INSERT INTO messages (folder_id, uid, flags, keywords, modseq, date, received, size, "
                  "message_id, in_reply_to, refs, subject, sender_name, sender_address, recipients, "
                  "has_attachment, preview, id, thread_id) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) "
                  "ON CONFLICT (folder_id, uid) DO NOTHING", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, message->folder_id);
  sqlite3_bind_int64 (stmt, 2, message->uid);
  sqlite3_bind_int64 (stmt, 3, message->flags);
  bind_text_as (stmt, 4, message->keywords, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, (gint64) message->modseq);
  sqlite3_bind_int64 (stmt, 6, message->date);
  sqlite3_bind_int64 (stmt, 7, message->received);
  sqlite3_bind_int64 (stmt, 8, message->size);
  bind_text_as (stmt, 9, prepared->message_id, SQLITE_STATIC);
  bind_text_as (stmt, 10, message->in_reply_to, SQLITE_STATIC);
  bind_text_as (stmt, 11, message->references, SQLITE_STATIC);
  bind_text_as (stmt, 12, prepared->subject, SQLITE_STATIC);
  bind_text_as (stmt, 13, sender_name, SQLITE_STATIC);
  bind_text_as (stmt, 14, sender_address, SQLITE_STATIC);
  bind_text_as (stmt, 15, prepared->recipients, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 16, message->has_attachment ? 1 : 0);
  bind_text_as (stmt, 17, prepared->preview, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 18, message->id);
  sqlite3_bind_int64 (stmt, 19, message->thread_id);
  /* The message's strings are bound without copies (the row is about as
   * large as all of them together), and unbound before they can go. */
  ok = run (self, stmt, error);
  sqlite3_clear_bindings (stmt);
  if (!ok)
    return 0;
  if (sqlite3_changes (self->store->writer) == 0)
    {
      /* Said to be new, but there after all (another process synced the
       * folder meanwhile): the ids of the messages it names are known
       * already, and only its flags can have changed. */
      id = existing_message (self, message->folder_id, message->uid, error);
      if (id <= 0)
        {
          if (id == 0)
            _hy_store_set_error (error, self->store->writer, HY_STORE_ERROR_QUERY,
                                 _ ("Cannot write to the mail cache"));
          return 0;
        }
      return update_existing (self, message, id, error);
    }

  if (self->defer_index)
    {
      defer_fts (self, message->id, prepared->index_sender, prepared->index_recipients);
    }
  else
    {
      FtsRow *row = pending_fts (self, message->id, TRUE);

      /* The transaction keeps them until it writes the index. */
      row->subject = g_steal_pointer (&prepared->subject);
      row->sender = g_steal_pointer (&prepared->index_sender);
      row->recipients = g_steal_pointer (&prepared->index_recipients);
      row->body = g_steal_pointer (&prepared->preview);
    }

  count_addresses (self, prepared->from, message->date);
  count_addresses (self, prepared->to, message->date);
  count_addresses (self, prepared->cc, message->date);

  count (self, message->folder_id, 1, (message->flags & HY_STORE_FLAG_SEEN) ? 0 : 1);
  mark_changed (self, message->folder_id);
  return message->id;
}

gint64
hy_store_transaction_add_message (HyStoreTransaction  *self,
                                  HyStoreMessage      *message,
                                  GError             **error)
{
  HyStorePreparedMessage *prepared;
  gint64 id;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (message != NULL, 0);
  g_return_val_if_fail (message->folder_id > 0, 0);

  prepared = hy_store_prepare_message (message);
  id = hy_store_transaction_add_prepared (self, prepared, error);
  prepared->message = NULL;  /* the caller's */
  hy_store_prepared_message_free (prepared);
  return id;
}

/* The folder and flags of a message; folder 0 when there is none. */
static gint64
folder_of (HyStoreTransaction *self,
           gint64              message_id,
           guint32            *flags)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT folder_id, flags FROM messages WHERE id = ?1", NULL);
  gint64 folder = 0;

  *flags = 0;
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, message_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      folder = sqlite3_column_int64 (stmt, 0);
      *flags = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  return folder;
}

gboolean
hy_store_transaction_set_flags (HyStoreTransaction  *self,
                                gint64               message_id,
                                guint32              flags,
                                const char          *keywords,
                                guint64              modseq,
                                GError             **error)
{
  sqlite3_stmt *stmt;
  guint32 old_flags;
  gint64 folder;

  g_return_val_if_fail (self != NULL, FALSE);

  folder = folder_of (self, message_id, &old_flags);
  stmt = prepare (self, "UPDATE messages SET flags = ?2, keywords = ?3, modseq = max (modseq, ?4) "
                  "WHERE id = ?1 AND (flags <> ?2 OR keywords IS NOT ?3 OR modseq < ?4)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  sqlite3_bind_int64 (stmt, 2, flags);
  bind_text (stmt, 3, keywords);
  sqlite3_bind_int64 (stmt, 4, (gint64) modseq);
  if (!run (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->store->writer) > 0 && folder != 0)
    {
      gboolean was_unread = (old_flags & HY_STORE_FLAG_SEEN) == 0;
      gboolean unread = (flags & HY_STORE_FLAG_SEEN) == 0;

      count (self, folder, 0, (gint64) unread - (gint64) was_unread);
      mark_flags_changed (self, folder, message_id);
    }
  return TRUE;
}

gboolean
hy_store_transaction_remove_message (HyStoreTransaction  *self,
                                     gint64               message_id,
                                     GError             **error)
{
  sqlite3_stmt *stmt;
  guint32 flags;
  gint64 folder;

  g_return_val_if_fail (self != NULL, FALSE);

  folder = folder_of (self, message_id, &flags);
  if (folder == 0)
    return TRUE;
  if (!flush_fts (self, error) || !doom_body_files (self, FALSE, message_id, error))
    return FALSE;
  stmt = prepare (self, "DELETE FROM message_fts WHERE rowid = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  if (!run (self, stmt, error))
    return FALSE;
  stmt = prepare (self, "DELETE FROM messages WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  if (!run (self, stmt, error))
    return FALSE;
  count (self, folder, -1, (flags & HY_STORE_FLAG_SEEN) ? 0 : -1);
  mark_changed (self, folder);
  return TRUE;
}

/* Bodies are compressed with Zstandard at its fastest level (zlib, which
 * earlier versions used, is still read: see inflate_body()).  Text
 * shrinks to a third or so; base64 attachments, which make most of the
 * bytes of mail that has them, shrink by a quarter at best, which is not
 * worth the time.  A bigger body is judged by a sample from its end, where
 * attachments are: it is stored as it is unless the sample shrinks to
 * less than COMPRESS_MIN_GAIN of its size.  The reader tells the two apart
 * by the stored length. */
#define COMPRESS_MIN_SIZE 256
#define COMPRESS_SAMPLE_FROM (24 * 1024)
#define COMPRESS_SAMPLE 4096
#define COMPRESS_MIN_GAIN 0.70
#define COMPRESS_LEVEL 1

static void
free_compress_context (gpointer context)
{
  ZSTD_freeCCtx (context);
}

/* A compression context for this thread, kept for its next body. */
static ZSTD_CCtx *
compress_context (void)
{
  static GPrivate key = G_PRIVATE_INIT (free_compress_context);
  ZSTD_CCtx *context = g_private_get (&key);

  if (context == NULL)
    {
      context = ZSTD_createCCtx ();
      g_private_set (&key, context);
    }
  return context;
}

/* Compresses @size bytes at @data into @out (of @capacity bytes); 0 if
 * that failed or did not fit. */
static gsize
compress_bytes (const guint8 *data,
                gsize         size,
                guint8       *out,
                gsize         capacity)
{
  ZSTD_CCtx *context = compress_context ();
  size_t length;

  if (context == NULL)
    return 0;
  length = ZSTD_compressCCtx (context, out, capacity, data, size, COMPRESS_LEVEL);
  return ZSTD_isError (length) ? 0 : length;
}

static gboolean
worth_compressing (const guint8 *data,
                   gsize         size)
{
  guint8 out[COMPRESS_SAMPLE];
  gsize length;

  if (size < COMPRESS_MIN_SIZE)
    return FALSE;
  if (size < COMPRESS_SAMPLE_FROM)
    return TRUE;
  length = compress_bytes (data + size - COMPRESS_SAMPLE, COMPRESS_SAMPLE, out, sizeof out);
  return length > 0 && length < COMPRESS_SAMPLE * COMPRESS_MIN_GAIN;
}

struct _HyStorePreparedBody {
  gint64  message_id;
  gsize   size;      /* of the raw message */
  GBytes *data;      /* what the row keeps: compressed, as it is, or NULL */
  char   *file;      /* or the name of the file beside the database… */
  char   *path;      /* …written, and removed with this unless a transaction took it */
  char   *text;      /* valid UTF-8, or NULL */
  char   *preview;
};

void
hy_store_prepared_body_free (HyStorePreparedBody *body)
{
  if (body == NULL)
    return;
  if (body->path != NULL)
    g_unlink (body->path);
  g_clear_pointer (&body->data, g_bytes_unref);
  g_free (body->file);
  g_free (body->path);
  g_free (body->text);
  g_free (body->preview);
  g_free (body);
}

HyStorePreparedBody *
hy_store_prepare_body (HyStore     *store,
                       gint64       message_id,
                       GBytes      *raw,
                       const char  *text,
                       gboolean     durable,
                       GError     **error)
{
  g_autoptr(HyStorePreparedBody) body = g_new0 (HyStorePreparedBody, 1);
  const guint8 *data;
  gsize size;

  g_return_val_if_fail (HY_IS_STORE (store), NULL);
  g_return_val_if_fail (raw != NULL, NULL);

  data = g_bytes_get_data (raw, &size);
  body->message_id = message_id;
  body->size = size;

  if (size >= HY_STORE_BODY_FILE_THRESHOLD)
    {
      GError *local_error = NULL;

      if (g_mkdir_with_parents (store->bodies_dir, 0700) != 0)
        {
          int saved = errno;

          g_set_error (error, HY_STORE_ERROR, HY_STORE_ERROR_IO,
                       _ ("Cannot create the folder “%s” for large messages: %s"),
                       store->bodies_dir, g_strerror (saved));
          return NULL;
        }
      /* A new name each time, so that a rollback never loses the old file. */
      body->file = g_strdup_printf ("%" G_GINT64_FORMAT "-%08x.eml", message_id, g_random_int ());
      body->path = g_build_filename (store->bodies_dir, body->file, NULL);
      /* A new file of its own: only its content needs to reach the disk,
       * and only if it is the only copy (see hy_store_get_body()). */
      if (!g_file_set_contents_full (body->path, (const char *) data, size,
                                     durable ? G_FILE_SET_CONTENTS_DURABLE : G_FILE_SET_CONTENTS_NONE,
                                     0600, &local_error))
        {
          g_clear_pointer (&body->path, g_free);
          g_set_error (error, HY_STORE_ERROR, HY_STORE_ERROR_IO,
                       _ ("Cannot keep a large message in the mail cache: %s"), local_error->message);
          g_error_free (local_error);
          return NULL;
        }
    }
  else if (worth_compressing (data, size))
    {
      /* Only worth keeping if smaller: the reader takes a body as long
       * as the message for one stored as it is. */
      guint8 *compressed = g_malloc (size - 1);
      gsize length = compress_bytes (data, size, compressed, size - 1);

      if (length == 0)
        g_free (compressed);
      else
        body->data = g_bytes_new_take (g_realloc (compressed, length), length);
    }
  if (body->file == NULL && body->data == NULL)
    body->data = g_bytes_ref (raw);

  if (text != NULL)
    {
      body->text = g_utf8_validate (text, -1, NULL) ? g_strdup (text) : g_utf8_make_valid (text, -1);
      body->preview = make_preview (body->text);
      if (body->preview != NULL && *body->preview == '\0')
        g_clear_pointer (&body->preview, g_free);
    }
  return g_steal_pointer (&body);
}

gboolean
hy_store_transaction_set_prepared_body (HyStoreTransaction   *self,
                                        HyStorePreparedBody  *body,
                                        GError              **error)
{
  sqlite3_stmt *stmt;
  gint64 message_id;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (body != NULL, FALSE);

  message_id = body->message_id;
  if (!doom_body_files (self, FALSE, message_id, error))
    return FALSE;
  /* The file is this transaction's now: a rollback removes it. */
  if (body->path != NULL)
    g_ptr_array_add (self->written_files, g_steal_pointer (&body->path));

  stmt = prepare (self, "INSERT OR REPLACE INTO bodies (message, size, data, file) VALUES (?1, ?2, ?3, ?4)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  sqlite3_bind_int64 (stmt, 2, body->size);
  if (body->data != NULL)
    {
      gsize length;
      gconstpointer data = g_bytes_get_data (body->data, &length);

      sqlite3_bind_blob64 (stmt, 3, data, length, SQLITE_STATIC);
    }
  else
    {
      sqlite3_bind_null (stmt, 3);
    }
  bind_text (stmt, 4, body->file);
  if (!run (self, stmt, error))
    return FALSE;

  if (body->text != NULL)
    {
      FtsRow *row = pending_fts (self, message_id, FALSE);
      gint64 folder_id = 0;
      int rc;

      g_free (row->body);
      row->body = g_steal_pointer (&body->text);

      /* Headers come first (an IMAP sync lists them without the text):
       * the preview line follows with the body. */
      if (body->preview == NULL)
        return TRUE;
      stmt = prepare (self, "UPDATE messages SET preview = ?2 WHERE id = ?1 "
                      "AND (preview IS NULL OR preview = '') RETURNING folder_id", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, message_id);
      bind_text (stmt, 2, body->preview);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          folder_id = sqlite3_column_int64 (stmt, 0);
          rc = sqlite3_step (stmt);
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        {
          _hy_store_set_error (error, self->store->writer, HY_STORE_ERROR_QUERY,
                               _ ("Cannot write to the mail cache"));
          return FALSE;
        }
      if (folder_id != 0)
        mark_changed (self, folder_id);
    }
  return TRUE;
}

gboolean
hy_store_transaction_set_body (HyStoreTransaction  *self,
                               gint64               message_id,
                               GBytes              *raw,
                               const char          *text,
                               GError             **error)
{
  g_autoptr(HyStorePreparedBody) body = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (raw != NULL, FALSE);

  body = hy_store_prepare_body (self->store, message_id, raw, text, TRUE, error);
  return body != NULL && hy_store_transaction_set_prepared_body (self, body, error);
}
