/* hy-pop3-sync.h — a POP3 account's pass: new messages by UIDL into the local inbox
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "account/hy-account.h"
#include "account/hy-credentials.h"
#include "store/hy-store.h"
#include "sync/hy-sync-wait.h"

G_BEGIN_DECLS

/* Downloads the messages whose UIDL the store has not seen into the local
 * folder "INBOX", each stored whole (headers, body and its UIDL in one
 * commit, so that nothing is fetched twice nor lost); then, unless the
 * account leaves mail on the server, deletes what was stored — or, when
 * it leaves mail there for N days, what is older.  Blocking, on the
 * context of @wait.  Sets *@inbox_id and *@new_messages (unread ones). */
gboolean hy_pop3_sync_run (HyAccount      *account,
                           HyStore        *store,
                           HyCredentials  *credentials,
                           const char     *ca_file,
                           HySyncWait     *wait,
                           gint64         *inbox_id,
                           guint          *new_messages,
                           GCancellable   *cancellable,
                           GError        **error);

G_END_DECLS
