/* hy-mime-input-stream.c — a GInputStream reading from a GMimeStream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-mime"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "hy-mime-error.h"
#include "hy-mime-input-stream.h"

struct _HyMimeInputStream {
  GInputStream  parent_instance;
  GMimeStream  *source;
};

G_DEFINE_FINAL_TYPE (HyMimeInputStream, hy_mime_input_stream, G_TYPE_INPUT_STREAM)

static gssize
hy_mime_input_stream_read (GInputStream  *stream,
                           void          *buffer,
                           gsize          count,
                           GCancellable  *cancellable,
                           GError       **error)
{
  HyMimeInputStream *self = HY_MIME_INPUT_STREAM (stream);
  gssize n;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  if (count > G_MAXSSIZE)
    count = G_MAXSSIZE;

  n = g_mime_stream_read (self->source, buffer, count);
  if (n < 0)
    {
      g_set_error_literal (error, HY_MIME_ERROR, HY_MIME_ERROR_IO,
                           _ ("Could not read the message part's content"));
      return -1;
    }
  return n;
}

static gboolean
hy_mime_input_stream_close (GInputStream  *stream,
                            GCancellable  *cancellable,
                            GError       **error)
{
  return TRUE;
}

static void
hy_mime_input_stream_finalize (GObject *object)
{
  HyMimeInputStream *self = HY_MIME_INPUT_STREAM (object);

  g_clear_object (&self->source);
  G_OBJECT_CLASS (hy_mime_input_stream_parent_class)->finalize (object);
}

static void
hy_mime_input_stream_class_init (HyMimeInputStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = hy_mime_input_stream_finalize;
  stream_class->read_fn = hy_mime_input_stream_read;
  stream_class->close_fn = hy_mime_input_stream_close;
}

static void
hy_mime_input_stream_init (HyMimeInputStream *self)
{
}

GInputStream *
hy_mime_input_stream_new (GMimeStream *source)
{
  HyMimeInputStream *self;

  g_return_val_if_fail (GMIME_IS_STREAM (source), NULL);

  self = g_object_new (HY_TYPE_MIME_INPUT_STREAM, NULL);
  self->source = g_object_ref (source);
  return G_INPUT_STREAM (self);
}
