/* hy-message-json.h — the message model as JSON (hongyan-cli parse --json)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hy-message.h"

G_BEGIN_DECLS

/* One JSON object with the fields scripts rely on: subject, from, sender,
 * reply_to, to, cc, bcc, date, message_id, in_reply_to, references, parts,
 * text, has_html, attachments, defects (and a few more). */
char *hy_message_to_json (HyMessage *message,
                          gboolean   pretty);

G_END_DECLS
