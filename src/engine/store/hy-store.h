/* hy-store.h — one account's offline store: an SQLite database with FTS5
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "store/hy-store-error.h"
#include "store/hy-store-folder.h"
#include "store/hy-store-message.h"

G_BEGIN_DECLS

#define HY_TYPE_STORE (hy_store_get_type ())

G_DECLARE_FINAL_TYPE (HyStore, hy_store, HY, STORE, GObject)

typedef struct _HyStoreTransaction HyStoreTransaction;

/* A row of the message list; strings point into the query's memory and
 * are valid only during the callback. */
typedef struct {
  gint64      id;
  gint64      folder_id;
  guint32     uid;
  guint32     flags;
  gint64      date;
  gint64      thread_id;
  gboolean    has_attachment;
  const char *subject;
  const char *sender_name;
  const char *sender_address;
  const char *recipients;
  const char *preview;
  /* Conversation lists only (hy_store_foreach_thread_summary), else 0
   * and NULL: the thread's messages in the folder, how many of them are
   * unread, their senders (names, comma-separated, first seen first)
   * and their ids (newest first). */
  guint         thread_count;
  guint         thread_unread;
  const char   *participants;
  const gint64 *thread_members;
} HyStoreSummaryRow;

typedef void (*HyStoreSummaryFunc) (const HyStoreSummaryRow *row,
                                    gpointer                 user_data);

/* Opening creates the file (and its directory) and brings the schema up
 * to date.  Blocking; the main thread uses hy_store_open_async(). */
HyStore            *hy_store_open                    (const char           *path,
                                                      GError              **error);
void                hy_store_open_async              (const char           *path,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
HyStore            *hy_store_open_finish             (GAsyncResult         *result,
                                                      GError              **error);

const char         *hy_store_get_path                (HyStore              *self);
/* The schema version (the number of the last migration applied). */
int                 hy_store_get_schema_version      (HyStore              *self);

/* Writing: one transaction at a time (others wait), from any thread but
 * the main one.  Free an uncommitted transaction to roll it back. */
HyStoreTransaction *hy_store_begin                   (HyStore              *self,
                                                      GError              **error);

/* Reading: blocking, from any thread; each thread gets a connection of
 * its own, so readers never wait for a writer. */
GPtrArray          *hy_store_list_folders            (HyStore              *self,
                                                      GError              **error);
HyStoreFolder      *hy_store_get_folder              (HyStore              *self,
                                                      gint64                folder_id,
                                                      GError              **error);
HyStoreFolder      *hy_store_find_folder             (HyStore              *self,
                                                      const char           *name,
                                                      GError              **error);
HyStoreMessage     *hy_store_get_message             (HyStore              *self,
                                                      gint64                message_id,
                                                      GError              **error);
/* The store id of (@folder_id, @uid), or 0 when it is not cached. */
gint64              hy_store_find_message            (HyStore              *self,
                                                      gint64                folder_id,
                                                      guint32               uid,
                                                      GError              **error);
/* The UIDs of a folder's cached messages, ascending (guint32 array), for
 * comparing with the server's after a reconnect.  Messages moved here
 * offline have no UID yet and are not listed. */
GArray             *hy_store_list_uids               (HyStore              *self,
                                                      gint64                folder_id,
                                                      GError              **error);
/* Ids of a folder's messages, newest first (gint64 array). */
GArray             *hy_store_list_message_ids        (HyStore              *self,
                                                      gint64                folder_id,
                                                      GError              **error);
/* The ids of a folder's @limit newest messages. */
GArray             *hy_store_list_recent_message_ids (HyStore              *self,
                                                      gint64                folder_id,
                                                      guint                 limit,
                                                      GError              **error);
/* Writes the search index rows still pending (see
 * hy_store_transaction_defer_index()) now, waiting for the writer; sets
 * @n_indexed to the number written.  Searches call it themselves. */
gboolean            hy_store_index_pending           (HyStore              *self,
                                                      guint                *n_indexed,
                                                      GError              **error);
/* Ids of the messages matching @query (see hy-store-query.h), newest first;
 * the search index rows still pending are written first. */
GArray             *hy_store_search                  (HyStore              *self,
                                                      const char           *query,
                                                      GError              **error);
/* Calls @func for each of @ids that exists, in the order of @ids. */
gboolean            hy_store_foreach_summary         (HyStore              *self,
                                                      const gint64         *ids,
                                                      guint                 n_ids,
                                                      HyStoreSummaryFunc    func,
                                                      gpointer              user_data,
                                                      GError              **error);
/* Conversations.  The newest message of each thread of @folder_id,
 * newest first (at most @limit, or all when @limit is 0); answered from
 * an index, without reading the messages. */
GArray             *hy_store_list_thread_heads       (HyStore              *self,
                                                      gint64                folder_id,
                                                      guint                 limit,
                                                      GError              **error);
/* The messages of thread @thread_id, oldest first: those of @folder_id,
 * or, when @folder_id is 0, those of every folder but Trash and Junk. */
GArray             *hy_store_list_thread_messages    (HyStore              *self,
                                                      gint64                thread_id,
                                                      gint64                folder_id,
                                                      GError              **error);
/* Like hy_store_foreach_summary() for the heads of @folder_id's threads,
 * with the thread_* fields and participants of each row filled in. */
gboolean            hy_store_foreach_thread_summary  (HyStore              *self,
                                                      gint64                folder_id,
                                                      const gint64         *ids,
                                                      guint                 n_ids,
                                                      HyStoreSummaryFunc    func,
                                                      gpointer              user_data,
                                                      GError              **error);
/* How many of a folder's messages (of all folders when @folder_id is 0)
 * have no cached body: a search of the store cannot see their text, so
 * sync asks the server (UID SEARCH) when this is not 0. */
guint               hy_store_count_missing_bodies    (HyStore              *self,
                                                      gint64                folder_id,
                                                      GError              **error);
/* The raw RFC 5322 bytes, or NULL with HY_STORE_ERROR_NOT_FOUND when the
 * body is not cached. */
GBytes             *hy_store_get_body                (HyStore              *self,
                                                      gint64                message_id,
                                                      GError              **error);
/* "Name <address>" of addresses seen that start with @prefix (address or
 * name), most used first. */
GStrv               hy_store_complete_address        (HyStore              *self,
                                                      const char           *prefix,
                                                      guint                 limit,
                                                      GError              **error);

/* The same for the main thread: they run in a thread and call back on the
 * thread-default main context of the caller. */
void                hy_store_list_folders_async      (HyStore              *self,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GPtrArray          *hy_store_list_folders_finish     (HyStore              *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);
void                hy_store_list_message_ids_async  (HyStore              *self,
                                                      gint64                folder_id,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GArray             *hy_store_list_message_ids_finish (HyStore              *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);
void                hy_store_search_async            (HyStore              *self,
                                                      const char           *query,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GArray             *hy_store_search_finish           (HyStore              *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);
void                hy_store_get_body_async          (HyStore              *self,
                                                      gint64                message_id,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GBytes             *hy_store_get_body_finish         (HyStore              *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

G_END_DECLS
