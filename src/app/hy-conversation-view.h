/* hy-conversation-view.h — the reader for a thread: every message, older ones collapsed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "api/hy-engine.h"

G_BEGIN_DECLS

#define HY_TYPE_CONVERSATION_VIEW (hy_conversation_view_get_type ())

G_DECLARE_FINAL_TYPE (HyConversationView, hy_conversation_view, HY, CONVERSATION_VIEW, AdwBin)

/* Shows the messages of @thread (a list from hy_engine_list_thread(),
 * oldest first) and follows its changes.  Each message is a one-line
 * header (sender, date, preview) that expands into a HyReader on a
 * click; the first unread message (or else the newest) starts expanded.
 *
 * Signals: "message-expanded" (gint64 id) — the user opened a collapsed
 * message (the window marks it read); "loaded" () — the thread's
 * messages are shown, the first ones opened. */
void        hy_conversation_view_show             (HyConversationView *self,
                                                   HyEngine           *engine,
                                                   HyAccount          *account,
                                                   HyMessageList      *thread);
void        hy_conversation_view_clear            (HyConversationView *self);
/* The ids of the messages expanded now and unread (gint64 array). */
GArray     *hy_conversation_view_get_unread_shown (HyConversationView *self);
/* The number of messages of the thread shown, expanded or not. */
guint       hy_conversation_view_get_n_messages   (HyConversationView *self);
/* Prints the newest expanded message. */
void        hy_conversation_view_print            (HyConversationView *self);

G_END_DECLS
