/* hy-attachment-reminder.h — notices a body that promises an attachment
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when the writer's own text (not lines quoted with ">", not the
 * signature after "-- ", not a forwarded or quoted original below an
 * "Original Message" separator) mentions an attachment, in English
 * ("attach", "attached", "attachment", "enclosed", …) or Chinese ("附件",
 * "见附件", "附上", …). */
gboolean hy_attachment_reminder_mentions (const char *body);

G_END_DECLS
