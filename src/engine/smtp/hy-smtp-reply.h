/* hy-smtp-reply.h — SMTP replies: a pure parser and the parsed value
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HY_SMTP_REPLY_MAX_LINES 1000

typedef struct _HySmtpReply HySmtpReply;

#define HY_TYPE_SMTP_REPLY (hy_smtp_reply_get_type ())

GType        hy_smtp_reply_get_type       (void) G_GNUC_CONST;
HySmtpReply *hy_smtp_reply_new            (void);
HySmtpReply *hy_smtp_reply_ref            (HySmtpReply       *reply);
void         hy_smtp_reply_unref          (HySmtpReply       *reply);

gboolean     hy_smtp_reply_add_line       (HySmtpReply       *reply,
                                           const char        *line,
                                           gsize              length,
                                           gboolean          *complete,
                                           GError           **error);
HySmtpReply *hy_smtp_reply_parse          (const char        *data,
                                           gsize              length,
                                           gsize             *consumed,
                                           GError           **error);

guint        hy_smtp_reply_get_code       (const HySmtpReply *reply);
const char  *hy_smtp_reply_get_enhanced   (const HySmtpReply *reply);
guint        hy_smtp_reply_get_n_lines    (const HySmtpReply *reply);
const char  *hy_smtp_reply_get_line       (const HySmtpReply *reply,
                                           guint              index);
char        *hy_smtp_reply_get_text       (const HySmtpReply *reply);
gboolean     hy_smtp_reply_is_positive    (const HySmtpReply *reply);
gboolean     hy_smtp_reply_is_temporary   (const HySmtpReply *reply);
gboolean     hy_smtp_reply_is_permanent   (const HySmtpReply *reply);
GHashTable  *hy_smtp_reply_parse_ehlo     (const HySmtpReply *reply);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HySmtpReply, hy_smtp_reply_unref)

G_END_DECLS
