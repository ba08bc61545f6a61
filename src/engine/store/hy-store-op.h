/* hy-store-op.h — changes made offline, queued in the store until the server has them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "store/hy-store.h"
#include "store/hy-store-transaction.h"

G_BEGIN_DECLS

#define HY_TYPE_STORE_OP (hy_store_op_get_type ())

/* Values are stored in the database: append only. */
typedef enum {
  HY_STORE_OP_FLAGS = 1,   /* add and remove flags */
  HY_STORE_OP_MOVE,        /* move to @destination */
  HY_STORE_OP_EXPUNGE,     /* delete for good */
} HyStoreOpKind;

/* One operation on one message, as the server will be told. */
typedef struct {
  gint64         id;            /* set by the store */
  HyStoreOpKind  kind;
  char          *folder;        /* the server's name of the message's folder */
  guint32        uidvalidity;
  guint32        uid;
  guint64        modseq;        /* the message's MODSEQ when queued, or 0 */
  guint32        add_flags;     /* FLAGS: HyStoreFlags */
  guint32        remove_flags;
  char          *destination;   /* MOVE: the server's name of the destination */
  gint64         message_id;    /* MOVE: the local row, waiting in the destination */
} HyStoreOp;

/* A message's place and state, for comparing with the server's. */
typedef struct {
  gint64   id;
  guint32  uid;
  guint32  flags;
  guint64  modseq;
} HyStoreMessageState;

GType      hy_store_op_get_type (void) G_GNUC_CONST;
HyStoreOp *hy_store_op_copy     (const HyStoreOp *op);
void       hy_store_op_free     (HyStoreOp       *op);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyStoreOp, hy_store_op_free)

/* Queues @op (sets @op->id). */
gboolean   hy_store_transaction_queue_op       (HyStoreTransaction  *self,
                                                HyStoreOp           *op,
                                                GError             **error);
/* The queued operations, oldest first (HyStoreOp). */
GPtrArray *hy_store_transaction_list_ops       (HyStoreTransaction  *self,
                                                GError             **error);
/* The queued move that brought @message_id where it waits for a UID, or
 * NULL; change it with hy_store_transaction_update_op() when the message
 * is moved again or deleted before the move reached the server. */
HyStoreOp *hy_store_transaction_find_move      (HyStoreTransaction  *self,
                                                gint64               message_id,
                                                GError             **error);
/* Writes @op's kind and destination. */
gboolean   hy_store_transaction_update_op      (HyStoreTransaction  *self,
                                                const HyStoreOp     *op,
                                                GError             **error);
gboolean   hy_store_transaction_remove_op      (HyStoreTransaction  *self,
                                                gint64               op_id,
                                                GError             **error);
/* The UIDs of @folder that have operations queued (a set of guint32
 * stored as keys with GUINT_TO_POINTER), so that a sync does not undo
 * them before they are replayed. */
GHashTable *hy_store_transaction_pending_uids  (HyStoreTransaction  *self,
                                                const char          *folder,
                                                GError             **error);

/* Moves the message to @folder_id locally; it waits there without a UID
 * (uid -id) until hy_store_transaction_set_uid() or the next sync. */
gboolean   hy_store_transaction_move_message   (HyStoreTransaction  *self,
                                                gint64               message_id,
                                                gint64               folder_id,
                                                GError             **error);
gboolean   hy_store_transaction_set_uid        (HyStoreTransaction  *self,
                                                gint64               message_id,
                                                guint32              uid,
                                                GError             **error);
/* Removes the messages of @folder_id that wait for a UID (after a move
 * whose new UIDs the server did not say: the next sync brings them). */
gboolean   hy_store_transaction_remove_pending (HyStoreTransaction  *self,
                                                gint64               folder_id,
                                                GError             **error);
/* The state of every message of @folder_id that has a UID, by ascending
 * UID (HyStoreMessageState). */
GArray    *hy_store_transaction_list_states    (HyStoreTransaction  *self,
                                                gint64               folder_id,
                                                GError             **error);
/* Messages of @folder_id with a UID, received since @since (Unix time),
 * whose body is not kept, newest first, at most @limit
 * (HyStoreMessageState). */
GArray    *hy_store_transaction_list_missing_bodies (HyStoreTransaction  *self,
                                                     gint64               folder_id,
                                                     gint64               since,
                                                     guint                limit,
                                                     GError             **error);
/* The ids of the messages whose Message-ID is @message_id (without angle
 * brackets), in any folder, newest first. */
GArray    *hy_store_transaction_find_message_id (HyStoreTransaction  *self,
                                                 const char          *message_id,
                                                 GError             **error);

/* POP3: the UIDLs already downloaded, mapped to when they were first
 * seen (Unix time, as a gint64 stored in a pointer-sized box: use
 * *(gint64 *) value). */
GHashTable *hy_store_transaction_list_pop3_uidls  (HyStoreTransaction  *self,
                                                   GError             **error);
gboolean    hy_store_transaction_add_pop3_uidl    (HyStoreTransaction  *self,
                                                   const char          *uidl,
                                                   gint64               seen,
                                                   GError             **error);
gboolean    hy_store_transaction_remove_pop3_uidl (HyStoreTransaction  *self,
                                                   const char          *uidl,
                                                   GError             **error);

G_END_DECLS
