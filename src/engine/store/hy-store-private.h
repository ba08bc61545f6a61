/* hy-store-private.h — internals shared by the files of HyStore
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sqlite3.h>

#include "store/hy-store.h"

G_BEGIN_DECLS

/* Message ids are the Date: header in seconds (clamped to 0 … 2^42)
 * times HY_STORE_IDS_PER_SECOND plus a sequence number, so that sorting
 * by id sorts by date, newest first being descending ids everywhere. */
#define HY_STORE_IDS_PER_SECOND (G_GINT64_CONSTANT (1) << 20)
#define HY_STORE_ID_FOR_DATE(date) \
  (CLAMP ((gint64) (date), 0, (G_GINT64_CONSTANT (1) << 42) - 1) * HY_STORE_IDS_PER_SECOND)

/* Bodies of at least this many bytes are kept as files beside the database. */
#define HY_STORE_BODY_FILE_THRESHOLD (512 * 1024)

struct _HyStore {
  GObject        parent_instance;

  char          *path;
  char          *bodies_dir;
  GMainContext  *context;
  int            schema_version;

  GMutex         writer_lock;
  sqlite3       *writer;
  GHashTable    *writer_statements;  /* SQL literal (by address) -> sqlite3_stmt */

  GMutex         readers_lock;
  GPtrArray     *readers;            /* idle sqlite3 connections */

  /* The pass that writes the index rows a header sync left to fts_pending
   * (see hy_store_transaction_defer_index()): a thread started after such
   * a commit, which waits until the writer has been idle for a moment. */
  GMutex         index_lock;
  GCond          index_cond;
  GThread       *indexer;
  gboolean       indexer_running;
  gboolean       indexer_stop;
  guint          index_requests;     /* deferred commits so far */
  guint          open_transactions;
  gint64         last_write;         /* monotonic time a transaction ended */
};

void           _hy_store_set_error           (GError       **error,
                                              sqlite3       *db,
                                              int            code,
                                              const char    *what);
sqlite3       *_hy_store_open_connection     (const char    *path,
                                              gboolean       writer,
                                              GError       **error);
/* Applies migrations up to @target (-1: all of them). */
gboolean       _hy_store_migrate             (sqlite3       *db,
                                              int            target,
                                              GError       **error);
/* A cached statement of the writer; @sql must be a string literal. */
sqlite3_stmt  *_hy_store_prepare_writer      (HyStore       *self,
                                              const char    *sql,
                                              GError       **error);
/* @flag_ids: for each of @folder_ids, the GArray of the message ids whose
 * flags alone changed in it, or NULL when more changed. */
void           _hy_store_emit_folders_changed (HyStore      *self,
                                              GArray        *folder_ids,
                                              GPtrArray     *flag_ids);

/* With the writer lock held and a transaction open: writes the index rows
 * of the newest entries of fts_pending, whole rows of it until at least
 * @limit messages were seen; *@more tells whether entries are left. */
gboolean       _hy_store_index_pending_locked (HyStore      *self,
                                              guint          limit,
                                              guint         *n_indexed,
                                              gboolean      *more,
                                              GError       **error);
/* Starts the indexing pass in the background, if not running. */
void           _hy_store_schedule_index      (HyStore       *self);
/* A transaction began or ended: the pass waits until the writer is idle. */
void           _hy_store_note_write          (HyStore       *self,
                                              gboolean       begin);

/* For the files that add kinds of writes to HyStoreTransaction. */
HyStore       *_hy_store_transaction_get_store (HyStoreTransaction *self);
sqlite3_stmt  *_hy_store_transaction_prepare (HyStoreTransaction *self,
                                              const char         *sql,
                                              GError            **error);
/* Steps a write statement to its end and resets it. */
gboolean       _hy_store_transaction_run     (HyStoreTransaction *self,
                                              sqlite3_stmt       *stmt,
                                              GError            **error);
/* Records that @folder_id changed, with deltas to its counts. */
void           _hy_store_transaction_changed (HyStoreTransaction *self,
                                              gint64              folder_id,
                                              gint64              total,
                                              gint64              unread);

G_END_DECLS
