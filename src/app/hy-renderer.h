/* hy-renderer.h — picks GTK's cairo renderer when OpenGL is only a software rasterizer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* TRUE if @gl_renderer, an OpenGL GL_RENDERER string, names one of Mesa's
 * software rasterizers (llvmpipe, softpipe, swrast). */
gboolean    hy_renderer_is_software_gl (const char *gl_renderer);

/* Before any window of @display is realized: when the user has not set
 * GSK_RENDERER and the display's OpenGL is a software rasterizer, makes
 * the windows of @display draw with cairo.  Returns the renderer it
 * chose ("cairo"), or NULL when it left GTK's own choice. */
const char *hy_renderer_choose         (GdkDisplay *display);

G_END_DECLS
