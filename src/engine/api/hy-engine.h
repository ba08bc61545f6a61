/* hy-engine.h — what a front end talks to: accounts, folders, messages, operations, sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "account/hy-account-manager.h"
#include "api/hy-folder.h"
#include "api/hy-message-list.h"
#include "mime/hy-message.h"
#include "store/hy-store.h"

G_BEGIN_DECLS

#define HY_TYPE_ENGINE (hy_engine_get_type ())

G_DECLARE_FINAL_TYPE (HyEngine, hy_engine, HY, ENGINE, GObject)

/**
 * HySyncStatus:
 * @HY_SYNC_STATUS_IDLE: in step with the server (or never synced yet)
 * @HY_SYNC_STATUS_SYNCING: talking to the server
 * @HY_SYNC_STATUS_OFFLINE: the server cannot be reached; changes are
 *   queued and the engine tries again by itself (backoff, network change)
 * @HY_SYNC_STATUS_ERROR: the user must act (password refused, certificate
 *   not trusted, …); hy_engine_get_sync_error() says what happened.  The
 *   engine tries again after hy_engine_sync_async() or a settings change.
 */
typedef enum {
  HY_SYNC_STATUS_IDLE,
  HY_SYNC_STATUS_SYNCING,
  HY_SYNC_STATUS_OFFLINE,
  HY_SYNC_STATUS_ERROR,
} HySyncStatus;

/*
 * One HyEngine per process.  All calls are made from the thread that
 * created it (the main thread in the app); signals are emitted there too.
 * Nothing here blocks: store queries and network work run in other
 * threads and report back through the async callbacks and signals.
 *
 * Every operation on messages (flags, move, delete, archive, empty) is
 * applied to the account's store at once — lists and counts change
 * before the callback runs — and queued durably in the store; the
 * queue is replayed to the server as soon as it can be reached, also
 * after a restart.  On a conflict over flags the server wins.
 *
 * Signals:
 *  - "sync-status-changed" (HyAccount *account): see
 *    hy_engine_get_sync_status() and hy_engine_get_sync_error().
 *  - "new-mail" (HyAccount *account, HyFolder *folder, guint count): a sync
 *    found @count new unread messages in @folder (an inbox, or a folder
 *    without a role), not the ones of the first sync of an account.
 *  - "folders-changed" (HyAccount *account): folders were added, removed
 *    or renamed (the models from hy_engine_get_folders() follow by
 *    themselves; this is for whoever caches folder objects).
 * Changes to messages reach HyMessageList by HyStore::folder-changed.
 */

HyEngine         *hy_engine_new                 (HyAccountManager    *accounts);
HyAccountManager *hy_engine_get_account_manager (HyEngine            *self);

/* An extra CA certificate (PEM file) trusted for every server, besides
 * the system's (test servers, a company CA). */
void              hy_engine_set_ca_file         (HyEngine            *self,
                                                 const char          *ca_file);

/* Loads the accounts (if the manager was not loaded yet) and opens the
 * store of each; accounts added later are opened when added. */
void              hy_engine_load_async          (HyEngine            *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean          hy_engine_load_finish         (HyEngine            *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

/* The account's store, or NULL before it was opened. */
HyStore          *hy_engine_get_store           (HyEngine            *self,
                                                 HyAccount           *account);
/* A GListModel of HyFolder, in the order of the server's names with the
 * inbox first, kept current. */
GListModel       *hy_engine_get_folders         (HyEngine            *self,
                                                 HyAccount           *account);
/* The account's folder with @role (the one chosen in the settings, else
 * the server's), or NULL. */
HyFolder         *hy_engine_find_folder_by_role (HyEngine            *self,
                                                 HyAccount           *account,
                                                 HyFolderRole         role);
HyFolder         *hy_engine_find_folder         (HyEngine            *self,
                                                 HyAccount           *account,
                                                 gint64               folder_id);

/* A new list of the folder's messages, newest first, paged lazily. */
HyMessageList    *hy_engine_list_folder         (HyEngine            *self,
                                                 HyFolder            *folder);
/* Conversations: a new list with one row per thread of the folder (see
 * hy_message_list_new_for_threads()), newest first, paged lazily. */
HyMessageList    *hy_engine_list_folder_threads (HyEngine            *self,
                                                 HyFolder            *folder);
/* The messages of thread @thread_id, oldest first, as a conversation
 * opened from @folder shows them: every folder's but Trash's and Junk's,
 * or only those of @folder when it is Trash or Junk. */
HyMessageList    *hy_engine_list_thread         (HyEngine            *self,
                                                 HyAccount           *account,
                                                 gint64               thread_id,
                                                 HyFolder            *folder);
/* A new list of the messages of @account matching @query (see
 * store/hy-store-query.h for the language). */
HyMessageList    *hy_engine_search              (HyEngine            *self,
                                                 HyAccount           *account,
                                                 const char          *query);

/* The whole message, parsed: from the store, or fetched from the server
 * (and then kept in the store) when its body is not cached.  Fails with
 * HY_STORE_ERROR_NOT_FOUND when the message is gone, or with the network
 * error when the body is not cached and the server cannot be reached. */
void              hy_engine_get_message_async   (HyEngine            *self,
                                                 HyAccount           *account,
                                                 gint64               message_id,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
HyMessage        *hy_engine_get_message_finish  (HyEngine            *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);
/* The raw RFC 5322 bytes, fetched like hy_engine_get_message_async(). */
void              hy_engine_get_raw_async       (HyEngine            *self,
                                                 HyAccount           *account,
                                                 gint64               message_id,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
GBytes           *hy_engine_get_raw_finish      (HyEngine            *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

/* Adds the HyStoreFlags in @add and removes those in @remove (SEEN,
 * ANSWERED, FLAGGED, DELETED, DRAFT, FORWARDED, JUNK) on the messages
 * @ids of @account. */
void              hy_engine_set_flags_async     (HyEngine            *self,
                                                 HyAccount           *account,
                                                 const gint64        *ids,
                                                 guint                n_ids,
                                                 guint32              add,
                                                 guint32              remove,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
/* Moves the messages @ids (of any folders of the account) to @destination. */
void              hy_engine_move_async          (HyEngine            *self,
                                                 HyAccount           *account,
                                                 const gint64        *ids,
                                                 guint                n_ids,
                                                 HyFolder            *destination,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
/* Moves the messages to Trash; those already in Trash (or all of them,
 * when the account has no Trash) are deleted for good. */
void              hy_engine_delete_async        (HyEngine            *self,
                                                 HyAccount           *account,
                                                 const gint64        *ids,
                                                 guint                n_ids,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
/* Moves the messages to the Archive folder (created when missing). */
void              hy_engine_archive_async       (HyEngine            *self,
                                                 HyAccount           *account,
                                                 const gint64        *ids,
                                                 guint                n_ids,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
/* Deletes every message of @folder for good (Trash, Junk). */
void              hy_engine_empty_folder_async  (HyEngine            *self,
                                                 HyFolder            *folder,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
/* Finishes set_flags, move, delete, archive and empty_folder: TRUE once
 * the change is in the store and queued (not when the server has it). */
gboolean          hy_engine_operation_finish    (HyEngine            *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

/* One full pass over @account (or all accounts when NULL): replays the
 * queued operations, then brings folders, messages and flags in step.
 * Fails with the first account's error; the status says the rest. */
void              hy_engine_sync_async          (HyEngine            *self,
                                                 HyAccount           *account,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean          hy_engine_sync_finish         (HyEngine            *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);
/* Keeps every account in step until hy_engine_stop(): a sync at once,
 * then IDLE on the inbox (new mail within seconds), polling of the other
 * folders, replay of queued operations, and reconnection with backoff
 * after a drop or a network change. */
void              hy_engine_start               (HyEngine            *self);
void              hy_engine_stop                (HyEngine            *self);

HySyncStatus      hy_engine_get_sync_status     (HyEngine            *self,
                                                 HyAccount           *account);
/* Why the last sync of @account failed, or NULL. */
const GError     *hy_engine_get_sync_error      (HyEngine            *self,
                                                 HyAccount           *account);

G_END_DECLS
