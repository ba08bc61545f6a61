/* hy-outbox-view.h — the messages waiting in an account's outbox, with Retry, Edit and Delete
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sync/hy-outbox.h"

G_BEGIN_DECLS

#define HY_TYPE_OUTBOX_VIEW (hy_outbox_view_get_type ())

G_DECLARE_FINAL_TYPE (HyOutboxView, hy_outbox_view, HY, OUTBOX_VIEW, AdwBin)

/* Shows the rows of @outbox that are not done (recipients, subject and
 * state: waiting, sending, or failed with the server's words) and follows
 * its changes.  Retry and Edit activate app.outbox-retry and
 * app.outbox-edit; Delete takes the message out of the outbox. */
GtkWidget *hy_outbox_view_new        (void);
void       hy_outbox_view_set_outbox (HyOutboxView *self,
                                      HyOutbox     *outbox);

G_END_DECLS
