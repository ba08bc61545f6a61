/* hy-screenshot.c — save a PNG of a window once it has been drawn
 *
 * Used by the demo and the UI tests to show what a person sees.  The widget
 * is rendered with its own renderer after a few frames, so that layout,
 * fonts and icons have settled.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>

#include "hy-screenshot.h"

/* Frames to wait after the widget is mapped before taking the picture. */
#define SETTLE_FRAMES 6

typedef struct {
  char  *path;
  guint  frames;
  guint  tick_id;
} ScreenshotData;

static void
screenshot_data_free (ScreenshotData *data)
{
  g_free (data->path);
  g_free (data);
}

static gboolean
render_to_png (GtkWidget   *widget,
               const char  *path,
               GError     **error)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "The window had nothing to draw; no screenshot was saved");
      return FALSE;
    }

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Could not write the screenshot to “%s”", path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *frame_clock,
         gpointer       user_data)
{
  GTask *task = user_data;
  ScreenshotData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (g_task_return_error_if_cancelled (task))
    goto done;

  if (!gtk_widget_get_mapped (widget) || ++data->frames < SETTLE_FRAMES)
    {
      gtk_widget_queue_draw (widget);
      return G_SOURCE_CONTINUE;
    }

  if (render_to_png (widget, data->path, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));

done:
  data->tick_id = 0;
  return G_SOURCE_REMOVE;
}

/**
 * hy_screenshot_save_async:
 * @widget: a widget, usually a window
 * @path: where to write the PNG file
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once the file is written
 * @user_data: data for @callback
 *
 * Waits until @widget is mapped and has been drawn a few times, then renders
 * it into a PNG file.
 */
void
hy_screenshot_save_async (GtkWidget           *widget,
                          const char          *path,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;
  ScreenshotData *data;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (path != NULL);

  task = g_task_new (widget, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_screenshot_save_async);

  data = g_new0 (ScreenshotData, 1);
  data->path = g_strdup (path);
  g_task_set_task_data (task, data, (GDestroyNotify) screenshot_data_free);

  data->tick_id = gtk_widget_add_tick_callback (widget, on_tick, task, g_object_unref);
}

gboolean
hy_screenshot_save_finish (GtkWidget     *widget,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, widget), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
