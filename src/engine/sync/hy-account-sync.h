/* hy-account-sync.h — keeps one account's store in step with its server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "account/hy-account.h"
#include "account/hy-credentials.h"
#include "store/hy-store.h"

G_BEGIN_DECLS

#define HY_TYPE_ACCOUNT_SYNC (hy_account_sync_get_type ())

G_DECLARE_FINAL_TYPE (HyAccountSync, hy_account_sync, HY, ACCOUNT_SYNC, GObject)

/* States as HyEngine reports them (HySyncStatus has the same values). */
typedef enum {
  HY_ACCOUNT_SYNC_IDLE,
  HY_ACCOUNT_SYNC_SYNCING,
  HY_ACCOUNT_SYNC_OFFLINE,
  HY_ACCOUNT_SYNC_ERROR,
} HyAccountSyncStatus;

/*
 * The network work of an account runs in a thread of its own: replaying
 * queued operations, then the folder list, then each folder (IMAP), or
 * the inbox by UIDL (POP3).  Signals are emitted on the main context of
 * the thread that created the object:
 *  - "status-changed": see hy_account_sync_get_status()
 *  - "new-mail" (gint64 folder_id, guint count): unread messages arrived
 *    (not reported for the first sync of a folder)
 *  - "folders-changed": folders were added, removed or renamed
 */
HyAccountSync       *hy_account_sync_new          (HyAccount            *account,
                                                   HyStore              *store,
                                                   HyCredentials        *credentials);
/* An extra CA certificate (PEM file) to trust. */
void                 hy_account_sync_set_ca_file  (HyAccountSync        *self,
                                                   const char           *ca_file);
/* One pass; finishes when it is done. */
void                 hy_account_sync_run_async    (HyAccountSync        *self,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
gboolean             hy_account_sync_run_finish   (HyAccountSync        *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);
/* Replays queued operations soon (after a local change). */
void                 hy_account_sync_poke         (HyAccountSync        *self);
/* Keeps syncing (IDLE, polling, reconnecting) until stopped. */
void                 hy_account_sync_start        (HyAccountSync        *self);
void                 hy_account_sync_stop         (HyAccountSync        *self);

HyAccountSyncStatus  hy_account_sync_get_status   (HyAccountSync        *self);
const GError        *hy_account_sync_get_error    (HyAccountSync        *self);

/* Fetches the raw message @message_id from the server and keeps it in
 * the store.  Blocking: call it from a thread other than the main one. */
GBytes              *hy_account_sync_fetch_body   (HyAccountSync        *self,
                                                   gint64                message_id,
                                                   GCancellable         *cancellable,
                                                   GError              **error);

G_END_DECLS
