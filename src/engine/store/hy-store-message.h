/* hy-store-message.h — a message's headers and state as the store keeps them (boxed)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HY_TYPE_STORE_MESSAGE (hy_store_message_get_type ())

/* IMAP system flags as bits; values are stored in the database. */
typedef enum {
  HY_STORE_FLAG_SEEN      = 1 << 0,
  HY_STORE_FLAG_ANSWERED  = 1 << 1,
  HY_STORE_FLAG_FLAGGED   = 1 << 2,
  HY_STORE_FLAG_DELETED   = 1 << 3,
  HY_STORE_FLAG_DRAFT     = 1 << 4,
  HY_STORE_FLAG_FORWARDED = 1 << 5,  /* $Forwarded */
  HY_STORE_FLAG_JUNK      = 1 << 6,  /* $Junk */
} HyStoreFlags;

/* Header values may be given as on the wire: RFC 2047 encoded words in
 * subject, from, to and cc are decoded by the store. */
typedef struct {
  gint64    id;              /* set by the store */
  gint64    folder_id;
  guint32   uid;
  guint32   flags;           /* HyStoreFlags */
  char     *keywords;        /* other keywords, space-separated, or NULL */
  guint64   modseq;
  gint64    date;            /* Date: header, Unix time */
  gint64    received;        /* INTERNALDATE, Unix time */
  gint64    size;            /* RFC822.SIZE */
  char     *message_id;      /* without angle brackets */
  char     *in_reply_to;     /* header value */
  char     *references;      /* header value */
  char     *subject;
  char     *from;            /* header value */
  char     *to;
  char     *cc;
  gboolean  has_attachment;
  char     *preview;         /* the start of the text, or NULL */
  gint64    thread_id;       /* set by the store */
} HyStoreMessage;

GType           hy_store_message_get_type (void) G_GNUC_CONST;
HyStoreMessage *hy_store_message_new      (void);
HyStoreMessage *hy_store_message_copy     (const HyStoreMessage *message);
void            hy_store_message_free     (HyStoreMessage       *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyStoreMessage, hy_store_message_free)

G_END_DECLS
