/* hy-message-row.h — one row of the message list: sender, subject, date, preview, state
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "api/hy-message-summary.h"

G_BEGIN_DECLS

#define HY_TYPE_MESSAGE_ROW (hy_message_row_get_type ())

G_DECLARE_FINAL_TYPE (HyMessageRow, hy_message_row, HY, MESSAGE_ROW, GtkWidget)

GtkWidget        *hy_message_row_new         (void);
/* Shows @summary (or nothing) and follows its changes. */
void              hy_message_row_set_summary (HyMessageRow     *self,
                                              HyMessageSummary *summary);
HyMessageSummary *hy_message_row_get_summary (HyMessageRow     *self);

/* "14:05", "Yesterday", "Tue", "3 Mar", "3 Mar 2021" relative to @now. */
char             *hy_message_row_format_date (gint64            date,
                                              GDateTime        *now);

G_END_DECLS
