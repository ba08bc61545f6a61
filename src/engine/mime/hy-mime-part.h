/* hy-mime-part.h — one node of a message's MIME tree, read-only, over GMime
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <gmime/gmime.h>

#include "hy-gmime-autoptr.h"

G_BEGIN_DECLS

#define HY_TYPE_MIME_PART (hy_mime_part_get_type ())

G_DECLARE_FINAL_TYPE (HyMimePart, hy_mime_part, HY, MIME_PART, GObject)

typedef struct _HyMessage HyMessage;

/* The part's address in the tree, IMAP style ("1", "2.1"); a multipart
 * root is "0" (or "N.0" inside a nested message at N). */
const char   *hy_mime_part_get_path          (HyMimePart *self);
/* "type/subtype" in lower case. */
const char   *hy_mime_part_get_content_type  (HyMimePart *self);
const char   *hy_mime_part_get_media_type    (HyMimePart *self);
const char   *hy_mime_part_get_media_subtype (HyMimePart *self);
/* A Content-Type parameter, RFC 2231 / RFC 2047 decoded, or NULL. */
const char   *hy_mime_part_get_parameter     (HyMimePart *self,
                                              const char *name);
/* The charset parameter as declared (lower case), or NULL. */
const char   *hy_mime_part_get_charset       (HyMimePart *self);
/* "7bit", "8bit", "binary", "quoted-printable", "base64", "x-uuencode" or NULL. */
const char   *hy_mime_part_get_encoding      (HyMimePart *self);
/* "attachment", "inline" (lower case), or NULL when there is none. */
const char   *hy_mime_part_get_disposition   (HyMimePart *self);
/* The file name (Content-Disposition filename or Content-Type name,
 * RFC 2231 or RFC 2047-in-quotes decoded, without directories), or NULL. */
const char   *hy_mime_part_get_filename      (HyMimePart *self);
/* The Content-ID without angle brackets, or NULL. */
const char   *hy_mime_part_get_content_id    (HyMimePart *self);
gboolean      hy_mime_part_is_multipart      (HyMimePart *self);
/* TRUE when the part is a leaf whose content can be read and saved. */
gboolean      hy_mime_part_is_leaf           (HyMimePart *self);
/* The children of a multipart (HyMimePart), empty for other parts. */
GPtrArray    *hy_mime_part_get_children      (HyMimePart *self);
/* The nested message of a message/rfc822 part, or NULL. */
HyMessage    *hy_mime_part_get_message       (HyMimePart *self);
/* The underlying GMime object. */
GMimeObject  *hy_mime_part_get_gmime_object  (HyMimePart *self);

/* The decoded size in bytes (computed once by streaming the content). */
gint64        hy_mime_part_get_size          (HyMimePart *self);
/* A new stream over the decoded content (transfer encoding undone),
 * reading from the parsed message without copying it. For a nested
 * message or an opaque subtree, its RFC 5322 form. */
GMimeStream  *hy_mime_part_open_stream       (HyMimePart *self);
/* The same as a GInputStream, for GIO consumers. */
GInputStream *hy_mime_part_open_input_stream (HyMimePart *self);
/* The whole decoded content in memory; for small parts. */
GBytes       *hy_mime_part_get_content_bytes (HyMimePart *self);
/* Streams the decoded content into @file (replacing it). */
gboolean      hy_mime_part_save_to_file      (HyMimePart    *self,
                                              GFile         *file,
                                              GCancellable  *cancellable,
                                              GError       **error);
/* The content of a text part as UTF-8 (charset fallbacks, newlines as
 * LF, format=flowed decoded for text/plain). NULL for non-text parts. */
char         *hy_mime_part_get_text          (HyMimePart *self);

G_END_DECLS
