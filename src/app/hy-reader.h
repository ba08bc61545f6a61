/* hy-reader.h — the reader pane: one message with its header, body and attachments
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "store/hy-store.h"

G_BEGIN_DECLS

#define HY_TYPE_READER (hy_reader_get_type ())

G_DECLARE_FINAL_TYPE (HyReader, hy_reader, HY, READER, AdwBin)

/* Reads message @message_id from @store in a thread and shows it; a
 * message asked for later replaces one still loading. */
void        hy_reader_show_message   (HyReader  *self,
                                      HyStore   *store,
                                      gint64     message_id);
void        hy_reader_clear          (HyReader  *self);
/* The id of the message shown (or being loaded), or 0. */
gint64      hy_reader_get_message_id (HyReader  *self);
/* Prints the message shown: HTML through WebKit's print operation,
 * plain text through GTK's. */
void        hy_reader_print          (HyReader  *self);

G_END_DECLS
