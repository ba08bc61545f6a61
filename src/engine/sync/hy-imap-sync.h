/* hy-imap-sync.h — the steps of an IMAP sync: replay, folder list, one folder, bodies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "account/hy-account.h"
#include "imap/hy-imap-client.h"
#include "store/hy-store.h"
#include "sync/hy-sync-wait.h"

G_BEGIN_DECLS

/* Each step is blocking and runs on the context of @wait (a sync thread).
 * Network and protocol errors are returned as they are; the store keeps
 * what was committed before, so a step interrupted by a dropped connection
 * starts where it stopped the next time. */

/* Replays the operations queued offline, oldest first per folder: flags
 * (with UNCHANGEDSINCE the folder's last known HIGHESTMODSEQ, so that a
 * change made on the server meanwhile wins), moves (creating a missing
 * destination) and deletions.  Operations the server refuses are dropped
 * with a warning; the next sync shows the server's state. */
gboolean  hy_imap_sync_replay          (HyImapClient  *client,
                                        HySyncWait    *wait,
                                        HyStore       *store,
                                        GCancellable  *cancellable,
                                        GError       **error);
/* Brings the folder list in step (LIST, roles from SPECIAL-USE, then the
 * account's choices, then names); sets *@changed when folders were added
 * or removed. */
gboolean  hy_imap_sync_folder_list     (HyImapClient  *client,
                                        HySyncWait    *wait,
                                        HyStore       *store,
                                        HyAccount     *account,
                                        gboolean      *changed,
                                        GCancellable  *cancellable,
                                        GError       **error);
/* Brings one folder in step: UIDVALIDITY (a change rebuilds it), expunges
 * (QRESYNC VANISHED, else a UID SEARCH diff), flags (QRESYNC, CONDSTORE
 * CHANGEDSINCE, else all flags in batches) and new messages since UIDNEXT.
 * *@new_unread counts unread messages that arrived, except on the first
 * sync of the folder. */
gboolean  hy_imap_sync_folder          (HyImapClient  *client,
                                        HySyncWait    *wait,
                                        HyStore       *store,
                                        gint64         folder_id,
                                        guint         *new_unread,
                                        GCancellable  *cancellable,
                                        GError       **error);
/* Downloads the bodies missing for messages of @folder_id received since
 * @since (Unix time; 0: all), for reading offline and full-text search. */
gboolean  hy_imap_sync_download_bodies (HyImapClient  *client,
                                        HySyncWait    *wait,
                                        HyStore       *store,
                                        gint64         folder_id,
                                        gint64         since,
                                        GCancellable  *cancellable,
                                        GError       **error);
/* Fetches one message's raw bytes and keeps them in the store. */
GBytes   *hy_imap_sync_fetch_body      (HyImapClient  *client,
                                        HySyncWait    *wait,
                                        HyStore       *store,
                                        gint64         message_id,
                                        GCancellable  *cancellable,
                                        GError       **error);

/* Stores @raw as the body of @message_id with its text indexed. */
gboolean  hy_imap_sync_store_body      (HyStore       *store,
                                        gint64         message_id,
                                        GBytes        *raw,
                                        GError       **error);

G_END_DECLS
