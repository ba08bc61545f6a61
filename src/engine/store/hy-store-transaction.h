/* hy-store-transaction.h — a batch of writes to the store, committed at once
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "store/hy-store.h"

G_BEGIN_DECLS

/* A transaction holds the store's write lock from hy_store_begin() until
 * it is committed or freed; freeing it uncommitted rolls it back.  Writes
 * use cached prepared statements, so that tens of thousands of messages
 * fit in one transaction of well under a second.  After a commit the
 * store emits HyStore::folder-changed on its main context for every
 * folder that changed. */

/* Adds the folder or updates its role and delimiter; returns its id. */
gint64   hy_store_transaction_add_folder       (HyStoreTransaction    *self,
                                                const char            *name,
                                                HyFolderRole           role,
                                                const char            *delimiter,
                                                GError               **error);
gboolean hy_store_transaction_set_folder_state (HyStoreTransaction    *self,
                                                gint64                 folder_id,
                                                guint32                uidvalidity,
                                                guint32                uidnext,
                                                guint64                highestmodseq,
                                                GError               **error);
gboolean hy_store_transaction_rename_folder    (HyStoreTransaction    *self,
                                                gint64                 folder_id,
                                                const char            *name,
                                                GError               **error);
/* Removes the folder with its messages and bodies. */
gboolean hy_store_transaction_remove_folder    (HyStoreTransaction    *self,
                                                gint64                 folder_id,
                                                GError               **error);
/* Removes every message of the folder (UIDVALIDITY changed). */
gboolean hy_store_transaction_clear_folder     (HyStoreTransaction    *self,
                                                gint64                 folder_id,
                                                GError               **error);

/* Adds @message (by folder and UID), assigning its thread, indexing its
 * subject and addresses and counting its addresses as seen; a message
 * already there only has its flags updated.  Sets @message->id and
 * ->thread_id and returns the id, or 0 on error. */
gint64   hy_store_transaction_add_message      (HyStoreTransaction    *self,
                                                HyStoreMessage        *message,
                                                GError               **error);

/* A message with what adding it derives from its headers (decoded
 * subject, parsed addresses, index words, thread ids) worked out ahead,
 * without the store: a sync prepares messages on its network thread while
 * a writer thread adds the previous ones.  Takes @message. */
typedef struct _HyStorePreparedMessage HyStorePreparedMessage;

HyStorePreparedMessage *hy_store_prepare_message               (HyStoreMessage         *message);

/* An address as an IMAP envelope gives it: @name as in the header (RFC
 * 2047 encoded words undecoded) or NULL; a part without @mailbox or
 * @host (a group marker) is left out. */
typedef struct {
  const char *name;
  const char *mailbox;
  const char *host;
} HyStoreAddressParts;

/* As hy_store_prepare_message(), with From, To and Cc given in parts
 * instead of @message's header values (which are not read): the same
 * result, without writing the addresses out and parsing them again. */
HyStorePreparedMessage *hy_store_prepare_message_with_addresses (HyStoreMessage            *message,
                                                                 const HyStoreAddressParts *from,
                                                                 guint                      n_from,
                                                                 const HyStoreAddressParts *to,
                                                                 guint                      n_to,
                                                                 const HyStoreAddressParts *cc,
                                                                 guint                      n_cc);
HyStoreMessage         *hy_store_prepared_message_get_message  (HyStorePreparedMessage *prepared);
/* The caller knows that no message of the folder has this UID (a sync of
 * the UIDs above every one stored): adding it skips looking for one.
 * Should one be there after all, it is updated as it would have been. */
void                    hy_store_prepared_message_set_new      (HyStorePreparedMessage *prepared);
void                    hy_store_prepared_message_free         (HyStorePreparedMessage *prepared);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyStorePreparedMessage, hy_store_prepared_message_free)

/* Messages added from now on get their row in the search index after the
 * commit, from the store's indexing pass (a thread that starts when the
 * writer is idle), instead of during it: a header sync commits sooner.
 * They are recorded durably in the same commit; a search first indexes
 * whatever is pending (hy_store_index_pending()), and opening the store
 * finishes what a crash left, so search results stay exact. */
void     hy_store_transaction_defer_index      (HyStoreTransaction      *self);

/* As hy_store_transaction_add_message(), for a prepared message; the
 * message's id and thread id are set in it. */
gint64   hy_store_transaction_add_prepared     (HyStoreTransaction      *self,
                                                HyStorePreparedMessage  *prepared,
                                                GError                 **error);
gboolean hy_store_transaction_set_flags        (HyStoreTransaction    *self,
                                                gint64                 message_id,
                                                guint32                flags,
                                                const char            *keywords,
                                                guint64                modseq,
                                                GError               **error);
gboolean hy_store_transaction_remove_message   (HyStoreTransaction    *self,
                                                gint64                 message_id,
                                                GError               **error);
/* Keeps @raw (compressed, or as a file beside the database when large)
 * and indexes @text, the message's readable text, for search. */
gboolean hy_store_transaction_set_body         (HyStoreTransaction    *self,
                                                gint64                 message_id,
                                                GBytes                *raw,
                                                const char            *text,
                                                GError               **error);

/* The costly half of hy_store_transaction_set_body(), which needs no
 * transaction and may run in any thread: compresses @raw, or writes it to
 * a file beside the database when large, and readies @text.  A sync
 * prepares bodies in worker threads while its writer thread stores the
 * previous ones.  Without @durable, a file is not waited for to reach the
 * disk: for copies of a server's messages, which a crash may cost (they
 * read as HY_STORE_ERROR_DAMAGED and are downloaded again); set_body() is
 * durable.  Freeing a prepared body that no transaction took removes its
 * file. */
typedef struct _HyStorePreparedBody HyStorePreparedBody;

HyStorePreparedBody *hy_store_prepare_body             (HyStore              *store,
                                                        gint64                message_id,
                                                        GBytes               *raw,
                                                        const char           *text,
                                                        gboolean              durable,
                                                        GError              **error);
void                 hy_store_prepared_body_free       (HyStorePreparedBody  *body);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyStorePreparedBody, hy_store_prepared_body_free)

/* Stores what @body holds; its file, if any, now goes with this
 * transaction (removed if it rolls back).  A body is stored once; the
 * caller still frees it. */
gboolean hy_store_transaction_set_prepared_body (HyStoreTransaction   *self,
                                                 HyStorePreparedBody  *body,
                                                 GError              **error);

gboolean hy_store_transaction_commit           (HyStoreTransaction    *self,
                                                GError               **error);
void     hy_store_transaction_free             (HyStoreTransaction    *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyStoreTransaction, hy_store_transaction_free)

G_END_DECLS
