/* hy-mime-input-stream.h — a GInputStream reading from a GMimeStream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <gmime/gmime.h>

G_BEGIN_DECLS

#define HY_TYPE_MIME_INPUT_STREAM (hy_mime_input_stream_get_type ())

G_DECLARE_FINAL_TYPE (HyMimeInputStream, hy_mime_input_stream, HY, MIME_INPUT_STREAM, GInputStream)

/* Reads @source from its current position; takes a reference. */
GInputStream *hy_mime_input_stream_new (GMimeStream *source);

G_END_DECLS
