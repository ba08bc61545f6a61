/* hy-notifier.h — desktop notifications for new mail in inboxes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "api/hy-engine.h"

G_BEGIN_DECLS

#define HY_TYPE_NOTIFIER (hy_notifier_get_type ())

G_DECLARE_FINAL_TYPE (HyNotifier, hy_notifier, HY, NOTIFIER, GObject)

/* Follows @engine's "new-mail" signal and sends a GNotification through
 * @application for new unread mail in an inbox: the sender and subject
 * of one message, or "N new messages" with the newest senders.  None is
 * sent while @settings' "notify-new-mail" is off, nor for the folder
 * shown in the focused main window.  Installs the action
 * "app.mark-messages-read" (sax: account id, message ids) that the
 * notification's "Mark as Read" button activates; "Open" activates
 * "app.show-message". */
HyNotifier *hy_notifier_new          (GtkApplication *application,
                                      HyEngine       *engine,
                                      GSettings      *settings);
/* The user now sees the inbox of @account (NULL: every inbox, as in the
 * unified view): its new-mail notification is stale and is withdrawn.
 * "Mark as Read" on a notification withdraws it too. */
void        hy_notifier_inbox_shown  (HyNotifier     *self,
                                      HyAccount      *account);

G_END_DECLS
