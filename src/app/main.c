/* main.c — entry point of the Hongyan application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>

#include "hy-application.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(HyApplication) app = NULL;
  const char *localedir = g_getenv ("HONGYAN_LOCALEDIR");

  /* HONGYAN_LOCALEDIR lets an uninstalled build find its own catalogues. */
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = hy_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
