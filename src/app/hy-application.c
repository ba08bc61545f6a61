/* hy-application.c — the Hongyan application: actions, windows, start-up checks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>
#include <gmime/gmime.h>

#include "hy-account-assistant.h"
#include "hy-application.h"
#include "hy-compose-actions.h"
#include "hy-notifier.h"
#include "hy-password-prompter.h"
#include "hy-preferences-window.h"
#include "hy-renderer.h"
#include "hy-screenshot.h"
#include "hy-secret-credentials.h"
#include "hy-window.h"
#include "hy-secret-credentials.h"
#include "net/hy-tls-backend.h"

struct _HyApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  HyEngine       *engine;
  HyCertificatePins *pins;
  HyNotifier     *notifier;
  HyPasswordPrompter *prompter;
  gboolean        background_hold;
  char           *screenshot_path;
  gboolean        exit_after_screenshot;
  gboolean        compose_on_activate;
};

G_DEFINE_FINAL_TYPE (HyApplication, hy_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and quit"), NULL },
  { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Save a PNG image of the main window once it is drawn"), N_("FILE") },
  { "exit-after-screenshot", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Quit once the screenshot is saved"), NULL },
  { "compose", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Write a new message"), NULL },
  { NULL }
};

HyApplication *
hy_application_new (void)
{
  return g_object_new (HY_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "resource-base-path", "/io/github/hongyan/Hongyan",
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       NULL);
}

GSettings *
hy_application_get_settings (HyApplication *self)
{
  g_return_val_if_fail (HY_IS_APPLICATION (self), NULL);

  return self->settings;
}

HyEngine *
hy_application_get_engine (HyApplication *self)
{
  g_return_val_if_fail (HY_IS_APPLICATION (self), NULL);

  if (self->engine == NULL)
    {
      g_autoptr(HyCredentials) credentials = hy_secret_credentials_new ();
      g_autoptr(HyAccountManager) manager = hy_account_manager_new (credentials);
      const char *ca_file = g_getenv ("HONGYAN_CA_FILE");

      self->engine = hy_engine_new (manager);
      if (ca_file != NULL && *ca_file != '\0')
        hy_engine_set_ca_file (self->engine, ca_file);
    }
  return self->engine;
}

HyAccountManager *
hy_application_get_account_manager (HyApplication *self)
{
  g_return_val_if_fail (HY_IS_APPLICATION (self), NULL);

  /* One manager for the whole process: the engine's, so that an account
   * added in the assistant is opened and synced by the engine. */
  return hy_engine_get_account_manager (hy_application_get_engine (self));
}

HyNotifier *
hy_application_get_notifier (HyApplication *self)
{
  g_return_val_if_fail (HY_IS_APPLICATION (self), NULL);

  return self->notifier;
}

HyPasswordPrompter *
hy_application_get_password_prompter (HyApplication *self)
{
  g_return_val_if_fail (HY_IS_APPLICATION (self), NULL);

  return self->prompter;
}

HyCertificatePins *
hy_application_get_certificate_pins (HyApplication *self)
{
  g_return_val_if_fail (HY_IS_APPLICATION (self), NULL);

  if (self->pins == NULL)
    {
      g_autoptr(GError) error = NULL;

      self->pins = hy_certificate_pins_new_default ();
      if (!hy_certificate_pins_load (self->pins, &error))
        g_warning ("%s", error->message);
    }
  return self->pins;
}

static int
hy_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  HyApplication *self = HY_APPLICATION (app);
  const char *screenshot = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("hongyan %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (g_variant_dict_lookup (options, "screenshot", "^&ay", &screenshot))
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (screenshot);

      g_free (self->screenshot_path);
      self->screenshot_path = g_file_get_path (file);
    }
  self->exit_after_screenshot = g_variant_dict_contains (options, "exit-after-screenshot");

  if (g_variant_dict_contains (options, "compose"))
    {
      g_autoptr(GError) error = NULL;

      /* A running instance opens the composer itself; this one is done. */
      if (!g_application_register (app, NULL, &error))
        {
          g_printerr ("hongyan: %s\n", error->message);
          return 1;
        }
      if (g_application_get_is_remote (app))
        {
          g_action_group_activate_action (G_ACTION_GROUP (app), "compose", NULL);
          return 0;
        }
      self->compose_on_activate = TRUE;
    }

  return -1;
}

static void
on_screenshot_taken (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(HyApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!hy_screenshot_save_finish (GTK_WIDGET (object), result, &error))
    g_printerr ("hongyan: %s\n", error->message);

  if (self->exit_after_screenshot)
    g_application_quit (G_APPLICATION (self));
}

static void
hy_application_activate (GApplication *app)
{
  HyApplication *self = HY_APPLICATION (app);
  GtkWindow *window;

  if (self->compose_on_activate)
    {
      self->compose_on_activate = FALSE;
      g_action_group_activate_action (G_ACTION_GROUP (app), "compose", NULL);
      return;
    }

  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window == NULL)
    window = GTK_WINDOW (hy_window_new (self));

  gtk_window_present (window);

  if (self->screenshot_path != NULL)
    {
      g_autofree char *path = g_steal_pointer (&self->screenshot_path);

      hy_screenshot_save_async (GTK_WIDGET (window), path, NULL,
                                on_screenshot_taken, g_object_ref (self));
    }
}

static void
hy_application_open (GApplication  *app,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  HyApplication *self = HY_APPLICATION (app);

  /* "hongyan mailto:…", also what the desktop file runs for mailto: links. */
  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *uri = g_file_get_uri (files[i]);

      if (g_file_has_uri_scheme (files[i], "mailto"))
        hy_compose_actions_open_mailto (self, uri);
      else
        g_printerr (_("hongyan: cannot open “%s”: only mailto: links can be opened\n"), uri);
    }
}

static void
apply_style_variant (HyApplication *self)
{
  g_autofree char *variant = g_settings_get_string (self->settings, "style-variant");
  AdwColorScheme scheme = ADW_COLOR_SCHEME_DEFAULT;

  if (g_strcmp0 (variant, "light") == 0)
    scheme = ADW_COLOR_SCHEME_FORCE_LIGHT;
  else if (g_strcmp0 (variant, "dark") == 0)
    scheme = ADW_COLOR_SCHEME_FORCE_DARK;

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), scheme);
}

/* With "run-in-background" the application holds itself, so that closing
 * its last window leaves it running (and syncing); without it, it quits
 * with its window as GtkApplication does by default. */
static void
apply_background (HyApplication *self)
{
  gboolean background = g_settings_get_boolean (self->settings, "run-in-background");

  if (background == self->background_hold)
    return;
  self->background_hold = background;
  if (background)
    g_application_hold (G_APPLICATION (self));
  else
    g_application_release (G_APPLICATION (self));
}

static gboolean
check_tls_backend (gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!hy_tls_backend_check (&error))
    g_printerr ("hongyan: %s\n", error->message);
  return G_SOURCE_REMOVE;
}

static void
hy_application_startup (GApplication *app)
{
  HyApplication *self = HY_APPLICATION (app);

  G_APPLICATION_CLASS (hy_application_parent_class)->startup (app);

  /* Before any window is realized: cairo rather than GL on a software
   * rasterizer (see hy-renderer.c). */
  if (gdk_display_get_default () != NULL)
    hy_renderer_choose (gdk_display_get_default ());

  g_set_application_name (_("Hongyan"));
  /* Messages are parsed with GMime, in worker threads too. */
  g_mime_init ();
  gtk_window_set_default_icon_name (APP_ID);

  self->settings = g_settings_new ("io.github.hongyan.Hongyan");
  g_signal_connect_object (self->settings, "changed::style-variant",
                           G_CALLBACK (apply_style_variant), self, G_CONNECT_SWAPPED);
  apply_style_variant (self);
  g_signal_connect_object (self->settings, "changed::run-in-background",
                           G_CALLBACK (apply_background), self, G_CONNECT_SWAPPED);
  apply_background (self);
  /* New mail is announced whether a window is open or the app runs in
   * the background. */
  self->notifier = hy_notifier_new (GTK_APPLICATION (self), hy_application_get_engine (self), self->settings);
  self->prompter = hy_password_prompter_new (GTK_APPLICATION (self), hy_application_get_engine (self));

  /* Without a TLS backend no server can be reached; say so plainly at
   * start rather than failing on every connection later.  Loading it
   * takes GnuTLS and its randomness: after the first frame. */
  g_idle_add_full (G_PRIORITY_LOW, check_tls_backend, NULL, NULL);
}

static void
show_about (GSimpleAction *action,
            GVariant      *parameter,
            gpointer       user_data)
{
  GtkApplication *app = user_data;
  static const char *developers[] = { "The Hongyan developers", NULL };

  adw_show_about_window (gtk_application_get_active_window (app),
                         "application-name", _("Hongyan"),
                         "application-icon", APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Read and write email on GNOME"),
                         "website", "https://github.com/hongyan/hongyan",
                         "issue-url", "https://github.com/hongyan/hongyan/issues",
                         "developers", developers,
                         "copyright", "© 2026 The Hongyan developers",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
show_preferences (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  HyApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  HyPreferencesWindow *prefs;

  prefs = hy_preferences_window_new (self);
  gtk_window_set_transient_for (GTK_WINDOW (prefs), parent);
  /* One of the application's windows: it keeps the application running
   * while it is open and is closed by app.quit. */
  gtk_window_set_application (GTK_WINDOW (prefs), GTK_APPLICATION (self));
  gtk_window_present (GTK_WINDOW (prefs));
}

static void
on_engine_ready (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(HyApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!hy_engine_load_finish (HY_ENGINE (object), result, &error))
    g_warning ("Could not open the new account: %s", error->message);
  hy_engine_start (HY_ENGINE (object));
}

static void
on_account_added (HyAccountAssistant *assistant,
                  HyAccount          *account,
                  HyApplication      *self)
{
  /* The account manager now lists the account and a loaded engine opens
   * it from there.  Loading again is cheap when the main window already
   * did it, and makes sure the engine follows the accounts and syncs
   * (its first sync starts now) even when it was never loaded. */
  g_debug ("Account %s added", hy_account_get_id (account));
  hy_engine_load_async (hy_application_get_engine (self), NULL, on_engine_ready, g_object_ref (self));
}

static void
add_account (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  HyApplication *self = user_data;
  HyAccountAssistant *assistant;

  assistant = hy_account_assistant_new (gtk_application_get_active_window (GTK_APPLICATION (self)),
                                        hy_application_get_account_manager (self),
                                        hy_application_get_certificate_pins (self));
  gtk_window_set_application (GTK_WINDOW (assistant), GTK_APPLICATION (self));
  if (self->settings != NULL)
    hy_account_assistant_set_sync_window_days (assistant,
                                               MAX (0, g_settings_get_int (self->settings, "offline-days")));
  g_signal_connect_object (assistant, "account-added", G_CALLBACK (on_account_added), self, 0);
  gtk_window_present (GTK_WINDOW (assistant));
}

/* The guide as installed by gnome.yelp() (share/help/LANG/hongyan), and
 * where it can be read on the web: a help viewer outside a Flatpak sandbox
 * cannot see the pages inside it, and a system may have no help viewer. */
#define HELP_URI "help:" GETTEXT_PACKAGE
#define HELP_WEB_URI "https://github.com/hongyan/hongyan/tree/main/help/C"

static void
on_web_help_shown (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!gtk_show_uri_full_finish (GTK_WINDOW (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Could not open the user guide: %s", error->message);
}

static void
on_help_shown (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (gtk_show_uri_full_finish (GTK_WINDOW (object), result, &error) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_debug ("No help viewer for %s (%s); opening %s", HELP_URI, error->message, HELP_WEB_URI);
  gtk_show_uri_full (GTK_WINDOW (object), HELP_WEB_URI, GDK_CURRENT_TIME, NULL,
                     on_web_help_shown, NULL);
}

static void
show_help (GSimpleAction *action,
           GVariant      *parameter,
           gpointer       user_data)
{
  GtkApplication *app = user_data;
  gboolean sandboxed = g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);

  gtk_show_uri_full (gtk_application_get_active_window (app),
                     sandboxed ? HELP_WEB_URI : HELP_URI, GDK_CURRENT_TIME, NULL,
                     sandboxed ? on_web_help_shown : on_help_shown, NULL);
}

static void
close_windows_and_quit (gpointer user_data)
{
  GtkApplication *app = user_data;
  GList *windows = gtk_application_get_windows (app);

  /* Close windows so that each saves its state, then quit. */
  for (GList *l = windows; l != NULL;)
    {
      GList *next = l->next;

      gtk_window_close (GTK_WINDOW (l->data));
      l = next;
    }
  g_application_quit (G_APPLICATION (app));
  g_application_release (G_APPLICATION (app));
}

/* "show-message" (sx): brings up message (account id, message id) in the
 * main window, for notifications and for tests driving the app. */
static void
show_message (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  HyApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  const char *account_id;
  gint64 message_id;

  g_variant_get (parameter, "(&sx)", &account_id, &message_id);
  if (window == NULL || !HY_IS_WINDOW (window))
    {
      window = GTK_WINDOW (hy_window_new (self));
      gtk_window_present (window);
    }
  if (message_id > 0)
    hy_window_show_message (HY_WINDOW (window), account_id, message_id);
}

static void
quit_app (GSimpleAction *action,
          GVariant      *parameter,
          gpointer       user_data)
{
  /* Quit from an idle callback, so that a caller activating "quit" over
   * D-Bus gets its reply before the application goes away. */
  g_application_hold (G_APPLICATION (user_data));
  g_idle_add_once (close_windows_and_quit, user_data);
}

static const GActionEntry app_actions[] = {
  { .name = "about", .activate = show_about },
  { .name = "preferences", .activate = show_preferences },
  { .name = "help", .activate = show_help },
  { .name = "show-message", .activate = show_message, .parameter_type = "(sx)" },
  { .name = "add-account", .activate = add_account },
  { .name = "quit", .activate = quit_app },
};

static void
hy_application_init (HyApplication *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  hy_compose_actions_install (self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit",
                                         (const char *[]) { "<Control>q", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         (const char *[]) { "<Control>comma", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.help",
                                         (const char *[]) { "F1", NULL });
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
}

static void
hy_application_shutdown (GApplication *app)
{
  HyApplication *self = HY_APPLICATION (app);

  if (self->engine != NULL)
    hy_engine_stop (self->engine);

  G_APPLICATION_CLASS (hy_application_parent_class)->shutdown (app);
}

static void
hy_application_finalize (GObject *object)
{
  HyApplication *self = HY_APPLICATION (object);

  g_clear_object (&self->notifier);
  g_clear_object (&self->prompter);
  g_clear_object (&self->engine);
  g_clear_object (&self->settings);
  g_clear_object (&self->pins);
  g_clear_pointer (&self->screenshot_path, g_free);

  G_OBJECT_CLASS (hy_application_parent_class)->finalize (object);
}

static void
hy_application_class_init (HyApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = hy_application_finalize;
  app_class->activate = hy_application_activate;
  app_class->startup = hy_application_startup;
  app_class->open = hy_application_open;
  app_class->shutdown = hy_application_shutdown;
  app_class->handle_local_options = hy_application_handle_local_options;
}
