/* hy-renderer.c — picks GTK's cairo renderer when OpenGL is only a software rasterizer
 *
 * Without a GPU (virtual machines, Xvfb, most remote desktops) Mesa runs
 * OpenGL on the CPU with llvmpipe (or softpipe, or the old swrast).  GTK
 * 4.8's GL renderer then costs about two seconds of start-up compiling
 * its shaders, ~150 ms of CPU per full frame and ~75 MiB more memory,
 * while its cairo renderer draws the same window in a few milliseconds.
 * So before the first window is realized the app asks the display's
 * OpenGL for its GL_RENDERER string and, when that names a software
 * rasterizer, has GSK use cairo for that display.  A GPU keeps GTK's
 * default renderer, and GSK_RENDERER set by the user always wins.
 *
 * The choice goes through the display's "gsk-renderer" data, which GSK
 * reads before GSK_RENDERER (the GTK Inspector uses it for its own
 * display): unlike setenv() it is safe with other threads running.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <string.h>
#include <epoxy/gl.h>

#include "hy-renderer.h"

gboolean
hy_renderer_is_software_gl (const char *gl_renderer)
{
  static const char *const software[] = { "llvmpipe", "softpipe", "swrast", "software rasterizer" };
  g_autofree char *lower = NULL;

  if (gl_renderer == NULL)
    return FALSE;
  lower = g_ascii_strdown (gl_renderer, -1);
  for (guint i = 0; i < G_N_ELEMENTS (software); i++)
    if (strstr (lower, software[i]) != NULL)
      return TRUE;
  return FALSE;
}

const char *
hy_renderer_choose (GdkDisplay *display)
{
  g_autoptr(GdkGLContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *gl_renderer = NULL;
  gint64 start = g_get_monotonic_time ();

  g_return_val_if_fail (GDK_IS_DISPLAY (display), NULL);

  /* The user's (or the GTK Inspector's) choice wins. */
  if (g_getenv ("GSK_RENDERER") != NULL
      || g_object_get_data (G_OBJECT (display), "gsk-renderer") != NULL)
    return NULL;

  /* Without OpenGL at all GTK falls back to cairo by itself. */
  context = gdk_display_create_gl_context (display, &error);
  if (context == NULL || !gdk_gl_context_realize (context, &error))
    {
      g_debug ("No OpenGL to ask for its renderer: %s", error->message);
      return NULL;
    }
  gdk_gl_context_make_current (context);
  gl_renderer = g_strdup ((const char *) glGetString (GL_RENDERER));
  gdk_gl_context_clear_current ();

  if (!hy_renderer_is_software_gl (gl_renderer))
    {
      g_debug ("OpenGL renderer “%s” (asked in %" G_GINT64_FORMAT " µs): GTK's default renderer",
               gl_renderer != NULL ? gl_renderer : "(none)", g_get_monotonic_time () - start);
      return NULL;
    }
  g_debug ("OpenGL renderer “%s” (asked in %" G_GINT64_FORMAT " µs) is a software rasterizer: "
           "drawing with cairo", gl_renderer, g_get_monotonic_time () - start);
  g_object_set_data_full (G_OBJECT (display), "gsk-renderer", g_strdup ("cairo"), g_free);
  return "cairo";
}
