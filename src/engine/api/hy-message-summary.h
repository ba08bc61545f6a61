/* hy-message-summary.h — one row of a message list: what a list shows, nothing more
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "store/hy-store.h"

G_BEGIN_DECLS

#define HY_TYPE_MESSAGE_SUMMARY (hy_message_summary_get_type ())

G_DECLARE_FINAL_TYPE (HyMessageSummary, hy_message_summary, HY, MESSAGE_SUMMARY, GObject)

HyMessageSummary *hy_message_summary_new_from_row       (const HyStoreSummaryRow *row);
/* Takes the state of @other (the same message, read again); notifies
 * the properties that changed. */
void              hy_message_summary_update             (HyMessageSummary        *self,
                                                         HyMessageSummary        *other);

gint64            hy_message_summary_get_id             (HyMessageSummary        *self);
gint64            hy_message_summary_get_folder_id      (HyMessageSummary        *self);
guint32           hy_message_summary_get_uid            (HyMessageSummary        *self);
gint64            hy_message_summary_get_thread_id      (HyMessageSummary        *self);
guint32           hy_message_summary_get_flags          (HyMessageSummary        *self);
gboolean          hy_message_summary_get_unread         (HyMessageSummary        *self);
gboolean          hy_message_summary_get_flagged        (HyMessageSummary        *self);
gboolean          hy_message_summary_get_has_attachment (HyMessageSummary        *self);
/* Unix time of the Date: header. */
gint64            hy_message_summary_get_date           (HyMessageSummary        *self);
const char       *hy_message_summary_get_subject        (HyMessageSummary        *self);
/* The sender's name, or the address when there is no name. */
const char       *hy_message_summary_get_sender         (HyMessageSummary        *self);
const char       *hy_message_summary_get_sender_address (HyMessageSummary        *self);
const char       *hy_message_summary_get_recipients     (HyMessageSummary        *self);
const char       *hy_message_summary_get_preview        (HyMessageSummary        *self);

/* Rows of a conversation list (hy_message_list_new_for_threads()) stand
 * for a thread: its newest message in the folder, with the number of the
 * thread's messages there (0 for rows of other lists), how many of them
 * are unread, the senders' names ("Ann, Bob") and the ids of all of them,
 * newest first (for other rows: the message's own id). */
guint             hy_message_summary_get_thread_count   (HyMessageSummary        *self);
guint             hy_message_summary_get_thread_unread  (HyMessageSummary        *self);
const char       *hy_message_summary_get_participants   (HyMessageSummary        *self);
const gint64     *hy_message_summary_get_thread_members (HyMessageSummary        *self,
                                                         guint                   *n_members);

G_END_DECLS
