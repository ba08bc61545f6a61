/* hy-outbox-private.h — helpers shared by the outbox and the drafts: database, sessions, waiting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sqlite3.h>

#include "account/hy-account.h"
#include "account/hy-credentials.h"
#include "imap/hy-imap-client.h"
#include "smtp/hy-smtp-client.h"
#include "store/hy-store.h"

G_BEGIN_DECLS

/* A connection of its own to the store's database (the outbox tables),
 * with synchronous=FULL: a queued message survives a power cut too. */
sqlite3       *_hy_outbox_open_db          (HyStore               *store,
                                            GError               **error);
void           _hy_outbox_db_error         (GError               **error,
                                            sqlite3               *db,
                                            const char            *what);
/* Runs @sql (no results) on @db. */
gboolean       _hy_outbox_db_exec          (sqlite3               *db,
                                            const char            *sql,
                                            GError               **error);

/* Spins the thread-default main context until *@slot is set by
 * _hy_outbox_store_result(). */
GAsyncResult  *_hy_outbox_wait             (GAsyncResult         **slot);
void           _hy_outbox_store_result     (GObject               *source,
                                            GAsyncResult          *result,
                                            gpointer               slot);

/* Sessions, made and used from a worker thread with its own thread-default
 * main context (the calls below block on it). */
HyConnection  *_hy_outbox_make_connection  (const HyServerConfig  *config,
                                            const char            *ca_file);
HySmtpClient  *_hy_outbox_smtp_open        (HyAccount             *account,
                                            HyCredentials         *credentials,
                                            const char            *ca_file,
                                            GCancellable          *cancellable,
                                            GError               **error);
HyImapClient  *_hy_outbox_imap_open        (HyAccount             *account,
                                            HyCredentials         *credentials,
                                            const char            *ca_file,
                                            GCancellable          *cancellable,
                                            GError               **error);
void           _hy_outbox_imap_close       (HyImapClient          *client);
/* The server's name of the folder for @role (Sent, Drafts): the account's
 * choice, else the store's, else SPECIAL-USE or a common name from LIST;
 * created when there is none. */
char          *_hy_outbox_imap_find_folder (HyImapClient          *client,
                                            HyAccount             *account,
                                            HyStore               *store,
                                            HyFolderRole           role,
                                            GCancellable          *cancellable,
                                            GError               **error);
/* SELECTs @folder, creating it first if the server says it is not there
 * (a folder the account names but someone deleted). */
HyImapSelectResult *_hy_outbox_imap_select (HyImapClient          *client,
                                            const char            *folder,
                                            GCancellable          *cancellable,
                                            GError               **error);
/* UIDs in the selected mailbox of messages whose Message-ID is @message_id
 * (without brackets), ascending (guint32). */
GArray        *_hy_outbox_imap_find_message_id (HyImapClient      *client,
                                            const char            *message_id,
                                            GCancellable          *cancellable,
                                            GError               **error);

/* Subject, Message-ID, sender and recipients from a message's header. */
gboolean       _hy_outbox_parse_header     (GBytes                *message,
                                            char                 **subject,
                                            char                 **message_id,
                                            char                 **sender,
                                            GPtrArray             *recipients,
                                            GError               **error);

G_END_DECLS
