/* hy-html-view-loader.c — loads the HTML view's module the first time it is used
 *
 * Linking WebKitGTK into the app costs every start about 65 ms of CPU in
 * the dynamic loader and 33 MB of RSS (its own pages and those of the
 * hundred-odd libraries it needs), though many sessions never show an
 * HTML message.  HyHtmlView is therefore built as a module
 * (libhy-html-view.so) and these functions, which the rest of the app
 * calls as declared in hy-html-view.h, load it on first use and forward
 * to it.
 *
 * The module is looked for next to the running program (an uninstalled
 * build), in $HONGYAN_BUILD_ROOT/src/app (the tests), then where it is
 * installed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <gmodule.h>

#include "hy-html-view.h"

#define MODULE_NAME "hy-html-view"

static struct {
  GType       (*get_type)                   (void);
  HyHtmlView *(*new_view)                   (void);
  void        (*set_cid_func)               (HyHtmlView *, HyHtmlViewCidFunc, gpointer, GDestroyNotify);
  void        (*load_html)                  (HyHtmlView *, const char *, gboolean);
  void        (*allow_remote_content)       (HyHtmlView *);
  gboolean    (*get_has_remote_content)     (HyHtmlView *);
  gboolean    (*get_remote_allowed)         (HyHtmlView *);
  gboolean    (*get_loading)                (HyHtmlView *);
  GtkWidget  *(*get_web_view)               (HyHtmlView *);
  void        (*print)                      (HyHtmlView *, GtkWindow *);
  gboolean    (*find_remote_references)     (const char *);
  char       *(*wrap_with_policy)           (const char *, gboolean);
} module;

static GModule *
open_in (const char *dir)
{
  g_autofree char *path = g_module_build_path (dir, MODULE_NAME);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;
  return g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
}

static GModule *
open_module (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  const char *build_root = g_getenv ("HONGYAN_BUILD_ROOT");
  GModule *handle = NULL;

  if (exe != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (exe);

      handle = open_in (dir);
    }
  if (handle == NULL && build_root != NULL && *build_root != '\0')
    {
      g_autofree char *dir = g_build_filename (build_root, "src", "app", NULL);

      handle = open_in (dir);
    }
  if (handle == NULL)
    handle = open_in (HY_MODULE_DIR);
  return handle;
}

static void
load (void)
{
  static gsize loaded = 0;

  if (g_once_init_enter (&loaded))
    {
      static const struct {
        const char *name;
        gpointer   *symbol;
      } symbols[] = {
        { "hy_html_view_get_type", (gpointer *) &module.get_type },
        { "hy_html_view_new", (gpointer *) &module.new_view },
        { "hy_html_view_set_cid_func", (gpointer *) &module.set_cid_func },
        { "hy_html_view_load_html", (gpointer *) &module.load_html },
        { "hy_html_view_allow_remote_content", (gpointer *) &module.allow_remote_content },
        { "hy_html_view_get_has_remote_content", (gpointer *) &module.get_has_remote_content },
        { "hy_html_view_get_remote_allowed", (gpointer *) &module.get_remote_allowed },
        { "hy_html_view_get_loading", (gpointer *) &module.get_loading },
        { "hy_html_view_get_web_view", (gpointer *) &module.get_web_view },
        { "hy_html_view_print", (gpointer *) &module.print },
        { "hy_html_find_remote_references", (gpointer *) &module.find_remote_references },
        { "hy_html_wrap_with_policy", (gpointer *) &module.wrap_with_policy },
      };
      GModule *handle = open_module ();

      /* Without it the app cannot show HTML at all: an installation
       * error, not something to limp on from. */
      if (handle == NULL)
        g_error ("Cannot load the HTML view module (%s) from %s: %s. Reinstall Hongyan.",
                 MODULE_NAME, HY_MODULE_DIR, g_module_error ());
      for (guint i = 0; i < G_N_ELEMENTS (symbols); i++)
        if (!g_module_symbol (handle, symbols[i].name, symbols[i].symbol) || *symbols[i].symbol == NULL)
          g_error ("The HTML view module %s lacks %s: reinstall Hongyan.",
                   g_module_name (handle), symbols[i].name);
      g_module_make_resident (handle);
      g_debug ("loaded %s", g_module_name (handle));
      g_once_init_leave (&loaded, 1);
    }
}

GType
hy_html_view_get_type (void)
{
  load ();
  return module.get_type ();
}

HyHtmlView *
hy_html_view_new (void)
{
  load ();
  return module.new_view ();
}

void
hy_html_view_set_cid_func (HyHtmlView        *self,
                           HyHtmlViewCidFunc  func,
                           gpointer           user_data,
                           GDestroyNotify     destroy)
{
  load ();
  module.set_cid_func (self, func, user_data, destroy);
}

void
hy_html_view_load_html (HyHtmlView *self,
                        const char *html,
                        gboolean    allow_remote)
{
  load ();
  module.load_html (self, html, allow_remote);
}

void
hy_html_view_allow_remote_content (HyHtmlView *self)
{
  load ();
  module.allow_remote_content (self);
}

gboolean
hy_html_view_get_has_remote_content (HyHtmlView *self)
{
  load ();
  return module.get_has_remote_content (self);
}

gboolean
hy_html_view_get_remote_allowed (HyHtmlView *self)
{
  load ();
  return module.get_remote_allowed (self);
}

gboolean
hy_html_view_get_loading (HyHtmlView *self)
{
  load ();
  return module.get_loading (self);
}

GtkWidget *
hy_html_view_get_web_view (HyHtmlView *self)
{
  load ();
  return module.get_web_view (self);
}

void
hy_html_view_print (HyHtmlView *self,
                    GtkWindow  *parent)
{
  load ();
  module.print (self, parent);
}

gboolean
hy_html_find_remote_references (const char *html)
{
  load ();
  return module.find_remote_references (html);
}

char *
hy_html_wrap_with_policy (const char *html,
                          gboolean    allow_remote)
{
  load ();
  return module.wrap_with_policy (html, allow_remote);
}
