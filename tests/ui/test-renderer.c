/* test-renderer.c — windows draw with cairo on a software OpenGL, and GSK_RENDERER wins
 *
 * Under Xvfb OpenGL is Mesa's llvmpipe: a window realized after
 * hy_renderer_choose() has GSK's cairo renderer; with GSK_RENDERER set
 * the app leaves GTK's choice alone.  The GL_RENDERER strings of real
 * software and hardware drivers are classified as such.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <string.h>
#include <epoxy/gl.h>
#include <gtk/gtk.h>

#include "hy-renderer.h"

static void
test_names (void)
{
  static const struct {
    const char *name;
    gboolean    software;
  } cases[] = {
    { "llvmpipe (LLVM 15.0.6, 256 bits)", TRUE },
    { "softpipe", TRUE },
    { "Software Rasterizer", TRUE },
    { "Mesa X11 swrast", TRUE },
    { "Mesa Intel(R) UHD Graphics 620 (KBL GT2)", FALSE },
    /* A GPU driver built with LLVM is no software rasterizer. */
    { "AMD Radeon RX 580 Series (polaris10, LLVM 15.0.6, DRM 3.49, 6.1.0-13-amd64)", FALSE },
    { "NVIDIA GeForce GTX 1060 6GB/PCIe/SSE2", FALSE },
    { "virgl (Mesa Intel(R) Xe Graphics)", FALSE },
    { "", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (hy_renderer_is_software_gl (cases[i].name), ==, cases[i].software);
  g_assert_false (hy_renderer_is_software_gl (NULL));
}

/* The renderer a realized window of the default display draws with. */
static GType
realized_renderer_type (void)
{
  GtkWidget *window = gtk_window_new ();
  GType type;

  gtk_widget_realize (window);
  type = G_OBJECT_TYPE (gtk_native_get_renderer (GTK_NATIVE (window)));
  gtk_window_destroy (GTK_WINDOW (window));
  return type;
}

/* The display's GL_RENDERER, asked here independently of the app. */
static char *
display_gl_renderer (GdkDisplay *display)
{
  g_autoptr(GdkGLContext) context = gdk_display_create_gl_context (display, NULL);
  char *name;

  if (context == NULL || !gdk_gl_context_realize (context, NULL))
    return NULL;
  gdk_gl_context_make_current (context);
  name = g_strdup ((const char *) glGetString (GL_RENDERER));
  gdk_gl_context_clear_current ();
  return name;
}

static void
test_software_gl (void)
{
  if (g_test_subprocess ())
    {
      GdkDisplay *display;
      g_autofree char *gl_renderer = NULL;

      g_unsetenv ("GSK_RENDERER");
      gtk_init ();
      display = gdk_display_get_default ();
      gl_renderer = display_gl_renderer (display);
      if (gl_renderer == NULL || strstr (gl_renderer, "pipe") == NULL)
        {
          g_test_skip ("This display's OpenGL is not Mesa's llvmpipe or softpipe");
          return;
        }
      g_assert_cmpstr (hy_renderer_choose (display), ==, "cairo");
      g_assert_cmpstr (g_object_get_data (G_OBJECT (display), "gsk-renderer"), ==, "cairo");
      g_assert_cmpstr (g_type_name (realized_renderer_type ()), ==, "GskCairoRenderer");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static void
test_user_choice (void)
{
  if (g_test_subprocess ())
    {
      GdkDisplay *display;

      g_setenv ("GSK_RENDERER", "gl", TRUE);
      gtk_init ();
      display = gdk_display_get_default ();
      g_assert_null (hy_renderer_choose (display));
      g_assert_null (g_object_get_data (G_OBJECT (display), "gsk-renderer"));
      g_assert_cmpstr (g_type_name (realized_renderer_type ()), ==, "GskGLRenderer");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui/renderer/names", test_names);
  /* Under Xvfb, which has no GPU: Mesa's llvmpipe is its OpenGL.  Each
   * test runs in a fresh process, as GSK reads GSK_RENDERER only once. */
  if (g_test_subprocess () || gtk_init_check ())
    {
      g_test_add_func ("/ui/renderer/software-gl", test_software_gl);
      g_test_add_func ("/ui/renderer/user-choice", test_user_choice);
    }
  else
    g_printerr ("No display: only the names are tested\n");
  return g_test_run ();
}
