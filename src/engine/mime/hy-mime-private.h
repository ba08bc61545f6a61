/* hy-mime-private.h — internals shared by the message model's files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hy-mime-part.h"
#include "hy-message.h"

G_BEGIN_DECLS

/* Limits that keep hostile input from exhausting stack or memory. */
#define HY_MIME_MAX_DEPTH        48
#define HY_MIME_MAX_HEADERS      1000
#define HY_MIME_MAX_HEADER_TEXT  (64 * 1024)
#define HY_MIME_MAX_DEFECTS      200

/* Defects are shared by a message and every part and nested message in it. */
void        _hy_mime_add_defect   (GPtrArray   *defects,
                                   const char  *format,
                                   ...) G_GNUC_PRINTF (2, 3);

HyMimePart *_hy_mime_part_new     (GMimeObject *object,
                                   const char  *path,
                                   guint        depth,
                                   GPtrArray   *defects,
                                   GPtrArray   *all_parts);
gboolean    _hy_mime_part_is_body (HyMimePart *self);
/* The top part of a message (the whole body of a single-part message). */
gboolean    _hy_mime_part_is_root (HyMimePart *self);
void        _hy_mime_part_set_root (HyMimePart *self);
void        _hy_mime_part_set_body (HyMimePart *self);

HyMessage  *_hy_message_new_nested (GMimeMessage *message,
                                    const char   *path,
                                    guint         depth,
                                    GPtrArray    *defects,
                                    GPtrArray    *all_parts);

G_END_DECLS
