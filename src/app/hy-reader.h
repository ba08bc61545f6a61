/* hy-reader.h — the reader pane: one message with its header, body and attachments
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "api/hy-engine.h"

G_BEGIN_DECLS

#define HY_TYPE_READER (hy_reader_get_type ())

G_DECLARE_FINAL_TYPE (HyReader, hy_reader, HY, READER, AdwBin)

/* Gets message @message_id of @account through @engine (from the store,
 * or from the server when its body is not cached) and shows it; a
 * message asked for later replaces one still loading. */
void        hy_reader_show_message   (HyReader  *self,
                                      HyEngine  *engine,
                                      HyAccount *account,
                                      gint64     message_id);
void        hy_reader_clear          (HyReader  *self);
/* The id of the message shown (or being loaded), or 0. */
gint64      hy_reader_get_message_id (HyReader  *self);
/* Prints the message shown: HTML through WebKit's print operation,
 * plain text through GTK's. */
void        hy_reader_print          (HyReader  *self);

G_END_DECLS
