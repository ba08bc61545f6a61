/* hy-message.h — a received message as the app reads it, over GMime
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <gmime/gmime.h>

#include "hy-address.h"
#include "hy-mime-part.h"

G_BEGIN_DECLS

#define HY_TYPE_MESSAGE (hy_message_get_type ())

G_DECLARE_FINAL_TYPE (HyMessage, hy_message, HY, MESSAGE, GObject)

/* Parsing never fails on malformed mail: the model is best effort and
 * lists what was wrong in hy_message_get_defects(). */
HyMessage    *hy_message_new_from_bytes        (GBytes              *bytes);
HyMessage    *hy_message_new_from_data         (const char          *data,
                                                gsize                len);
HyMessage    *hy_message_new_from_stream       (GInputStream        *stream,
                                                GCancellable        *cancellable,
                                                GError             **error);
HyMessage    *hy_message_new_from_file         (GFile               *file,
                                                GCancellable        *cancellable,
                                                GError             **error);
void          hy_message_new_from_file_async   (GFile               *file,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
HyMessage    *hy_message_new_from_file_finish  (GAsyncResult        *result,
                                                GError             **error);

/* Decoded to UTF-8; NULL when the header is absent. */
const char   *hy_message_get_subject           (HyMessage *self);
/* Arrays of HyAddress, groups flattened; never NULL. */
GPtrArray    *hy_message_get_from              (HyMessage *self);
GPtrArray    *hy_message_get_sender            (HyMessage *self);
GPtrArray    *hy_message_get_reply_to          (HyMessage *self);
GPtrArray    *hy_message_get_to                (HyMessage *self);
GPtrArray    *hy_message_get_cc                (HyMessage *self);
GPtrArray    *hy_message_get_bcc               (HyMessage *self);
/* The Date header (or the newest Received date when Date is missing or
 * unreadable), or NULL. */
GDateTime    *hy_message_get_date              (HyMessage *self);
/* Message identifiers without angle brackets. */
const char   *hy_message_get_message_id        (HyMessage *self);
const char   *hy_message_get_in_reply_to       (HyMessage *self);
const char * const *hy_message_get_references  (HyMessage *self);
const char   *hy_message_get_list_id           (HyMessage *self);
const char   *hy_message_get_list_unsubscribe  (HyMessage *self);
/* Unfolded but otherwise as received. */
const char   *hy_message_get_authentication_results (HyMessage *self);

/* All top-level headers in order (up to a limit on hostile input). */
guint         hy_message_get_header_count      (HyMessage *self);
const char   *hy_message_get_header_name       (HyMessage *self,
                                                guint      index);
const char   *hy_message_get_header_raw_value  (HyMessage *self,
                                                guint      index);
/* Unfolded and RFC 2047 decoded to UTF-8. */
char         *hy_message_dup_header_value      (HyMessage *self,
                                                guint      index);
/* The first header named @name (case-insensitive), raw; or NULL. */
const char   *hy_message_get_header            (HyMessage  *self,
                                                const char *name);

/* The MIME tree and every part in tree order (HyMimePart). */
HyMimePart   *hy_message_get_root_part         (HyMessage *self);
GPtrArray    *hy_message_get_parts             (HyMessage *self);

/* The plain-text body a reader wants, as UTF-8 (from the HTML when
 * there is no text part), or NULL when the message has no text. */
const char   *hy_message_get_text              (HyMessage *self);
/* The HTML alternative, if any, and its decoded UTF-8 text. */
HyMimePart   *hy_message_get_html_part         (HyMessage *self);
char         *hy_message_dup_html              (HyMessage *self);
/* The part a "cid:" URL names (with or without "cid:" and brackets). */
HyMimePart   *hy_message_get_part_by_content_id (HyMessage  *self,
                                                 const char *cid);
/* Every Content-ID of the message (without brackets) to its part: the
 * map an HTML view resolves "cid:" URLs with. Owned by the message. */
GHashTable   *hy_message_get_content_ids       (HyMessage  *self);
/* Parts the user may save (HyMimePart), nested messages included. */
GPtrArray    *hy_message_get_attachments       (HyMessage *self);
/* Parts shown inside the body (related images, inline images). */
GPtrArray    *hy_message_get_inline_parts      (HyMessage *self);

/* What was wrong with the input, one sentence each (strings). */
GPtrArray    *hy_message_get_defects           (HyMessage *self);

/* The parsed GMime message, for code that needs GMime itself. Use it
 * while the HyMessage lives: its parser warnings report into this
 * model's defect list. */
GMimeMessage *hy_message_get_gmime_message     (HyMessage *self);

G_END_DECLS
