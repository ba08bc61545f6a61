/* hy-message-list.h — a GListModel of a folder's messages or of a search, paged from the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "api/hy-message-summary.h"
#include "store/hy-store.h"

G_BEGIN_DECLS

#define HY_TYPE_MESSAGE_LIST (hy_message_list_get_type ())

G_DECLARE_FINAL_TYPE (HyMessageList, hy_message_list, HY, MESSAGE_LIST, GObject)

/* The list holds only the ids of its messages, newest first, read in a
 * thread; HyMessageSummary items are made a page at a time when asked
 * for, so a folder of 100,000 messages opens with a few dozen objects.
 * The list starts empty; a folder's newest rows come first, then all of
 * them ("loaded" becomes TRUE); then it follows the store's changes by
 * itself. */
HyMessageList *hy_message_list_new_for_folder (HyStore        *store,
                                               gint64          folder_id);
HyMessageList *hy_message_list_new_for_search (HyStore        *store,
                                               const char     *query);
/* Conversations: one row per thread of the folder (its newest message
 * there, with the thread_* fields of HyMessageSummary), newest first. */
HyMessageList *hy_message_list_new_for_threads (HyStore       *store,
                                                gint64         folder_id);
/* The messages of thread @thread_id, oldest first: those in @folder_id,
 * or, when @folder_id is 0, those of every folder but Trash and Junk. */
HyMessageList *hy_message_list_new_for_thread (HyStore        *store,
                                               gint64          thread_id,
                                               gint64          folder_id);

gboolean       hy_message_list_get_loaded     (HyMessageList  *self);
/* Why the last load failed (for example a search that cannot be
 * understood), or NULL. */
const GError  *hy_message_list_get_error      (HyMessageList  *self);
/* Reads the ids again (after the store changed outside this process). */
void           hy_message_list_reload         (HyMessageList  *self);
/* The position of message @id, or -1. */
int            hy_message_list_find           (HyMessageList  *self,
                                               gint64          id);

G_END_DECLS
