/* test-account-editor.c — the Accounts page of the preferences and its account editor
 *
 * Against the mail stack, in an AdwPreferencesWindow: the Accounts page
 * lists alice's account; its editor renames it, changes the days kept
 * offline, adds and removes a second identity, chooses a Sent folder,
 * switches the incoming server to PLAIN only after signing in with it
 * works, refuses a server it cannot reach (nothing saved), keeps a new
 * password in the credentials, asks about an untrusted certificate and
 * pins it, and
 * "Remove Account…" asks first (Cancel by default) and then deletes the
 * account's file, cache and passwords.  Screenshots of the page, the
 * editor and the confirmation go to meson-logs/screenshots.
 *
 * Needs a display (Xvfb); skips without the mail stack unless
 * HY_REQUIRE_MAILSTACK=1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <gtk/gtk.h>
#include <gmime/gmime.h>

#include "account/hy-account-manager.h"
#include "account/hy-memory-credentials.h"
#include "api/hy-engine.h"
#include "hy-account-editor.h"
#include "hy-accounts-page.h"
#include "hy-certificate-dialog.h"
#include "hy-test-util.h"

static char *scratch_dir;

static void
settle (guint milliseconds)
{
  gint64 end = g_get_monotonic_time () + milliseconds * 1000;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (10000);
    }
}

#define WAIT_UNTIL(condition) G_STMT_START { \
  gint64 wait_end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC; \
  while (!(condition)) \
    { \
      g_assert_cmpint (g_get_monotonic_time (), <, wait_end); \
      if (!g_main_context_iteration (NULL, FALSE)) \
        g_usleep (10000); \
    } \
} G_STMT_END

static void
collect (GtkWidget *widget,
         GType      type,
         GPtrArray *found)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) && gtk_widget_is_visible (widget))
    g_ptr_array_add (found, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect (child, type, found);
}

/* The @nth visible widget of @type under @root whose title (preferences
 * rows), label (buttons) or tooltip is @text; NULL @text takes any. */
static GtkWidget *
find (GtkWidget  *root,
      GType       type,
      const char *text,
      guint       nth)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new ();

  collect (root, type, all);
  for (guint i = 0; i < all->len; i++)
    {
      GtkWidget *widget = g_ptr_array_index (all, i);
      const char *title = NULL;

      if (ADW_IS_PREFERENCES_ROW (widget))
        title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget));
      else if (GTK_IS_BUTTON (widget) && gtk_button_get_label (GTK_BUTTON (widget)) != NULL)
        title = gtk_button_get_label (GTK_BUTTON (widget));
      else
        title = gtk_widget_get_tooltip_text (widget);
      if (text == NULL || g_strcmp0 (title, text) == 0)
        {
          if (nth == 0)
            return widget;
          nth--;
        }
    }
  return NULL;
}

/* Saves what the X server shows as a PNG under meson-logs/screenshots. */
static void
screenshot (GtkWidget  *window,
            const char *name)
{
  g_autofree char *dir = g_build_filename (g_getenv ("HONGYAN_BUILD_ROOT"), "meson-logs", "screenshots", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *quoted = g_shell_quote (path);
  g_autofree char *command = NULL;
  g_autoptr(GError) error = NULL;
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (window));
  int status = 0;

  g_assert_true (gtk_widget_get_mapped (window));
  g_mkdir_with_parents (dir, 0755);
  settle (600);
  /* Without a window manager a dialog may sit under its parent. */
  if (parent != NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (parent), FALSE);
      settle (300);
    }
  command = g_strdup_printf ("sh -c 'xwd -root -silent | xwdtopnm 2>/dev/null | pnmtopng > %s'", quoted);
  g_spawn_command_line_sync (command, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  if (parent != NULL)
    gtk_widget_set_visible (GTK_WIDGET (parent), TRUE);
}

static char *
lookup_secret (HyCredentials *credentials,
               const char    *protocol,
               const char    *user)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *secret;

  HY_TEST_CALL (hy_credentials_lookup_async (credentials, "alice", protocol, g_getenv ("HY_TEST_HOST"), user,
                                             NULL, hy_test_store_result, &result), result);
  secret = hy_credentials_lookup_finish (credentials, result, &error);
  g_assert_no_error (error);
  return secret;
}

static HyCertificateDialog *
find_certificate_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* not ours */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (HY_IS_CERTIFICATE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return HY_CERTIFICATE_DIALOG (window);
    }
  return NULL;
}

static void
count_changes (HyAccount *account,
               guint     *changes)
{
  (*changes)++;
}

static void
test_account_editor (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(HyCredentials) credentials = NULL;
  g_autoptr(HyAccountManager) manager = NULL;
  g_autoptr(HyAccount) account = NULL;
  g_autoptr(HyIdentity) identity = NULL;
  g_autoptr(HyServerConfig) in = NULL;
  g_autoptr(HyServerConfig) out = NULL;
  g_autoptr(HyEngine) engine = NULL;
  g_autofree char *config_dir = g_build_filename (scratch_dir, "config", NULL);
  g_autofree char *data_dir = g_build_filename (scratch_dir, "data", NULL);
  g_autofree char *account_file = NULL;
  g_autofree char *cache_dir = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *secret = NULL;
  const char *user = g_getenv ("HY_TEST_ALICE_USER");
  AdwPreferencesWindow *window;
  HyAccountsPage *page;
  HyAccountEditor *editor;
  AdwMessageDialog *dialog;
  GtkWidget *row;
  GtkWidget *widget;
  GtkWidget *status;

  if (g_getenv ("HY_TEST_HOST") == NULL)
    {
      if (g_strcmp0 (g_getenv ("HY_REQUIRE_MAILSTACK"), "1") == 0)
        g_error ("HY_REQUIRE_MAILSTACK=1 but HY_TEST_HOST is not set: run under tests/fixtures/mailstack");
      g_test_skip ("no mail stack (run under tests/fixtures/mailstack run --)");
      return;
    }

  credentials = hy_memory_credentials_new ();
  manager = hy_account_manager_new_for_dirs (credentials, config_dir, data_dir);
  account = hy_account_new ("alice");
  identity = hy_identity_new ("Alice Wang", g_getenv ("HY_TEST_ALICE_ADDRESS"), "-- \nAlice");
  hy_account_add_identity (account, identity);
  hy_account_set_display_name (account, "Alice");
  in = hy_server_config_new (HY_SERVER_PROTOCOL_IMAP, g_getenv ("HY_TEST_HOST"),
                             hy_test_env_port ("HY_TEST_IMAPS_PORT"), HY_SERVER_SECURITY_TLS, user);
  hy_account_set_incoming (account, in);
  out = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, g_getenv ("HY_TEST_HOST"),
                              hy_test_env_port ("HY_TEST_SUBMISSIONS_PORT"), HY_SERVER_SECURITY_TLS, user);
  hy_account_set_outgoing (account, out);
  hy_account_set_sync_window_days (account, 30);
  HY_TEST_CALL (hy_account_manager_add_async (manager, account, g_getenv ("HY_TEST_ALICE_PASSWORD"), NULL,
                                              hy_test_store_result, &result), result);
  g_assert_true (hy_account_manager_add_finish (manager, result, &error));
  g_assert_no_error (error);
  engine = hy_engine_new (manager);
  hy_engine_set_ca_file (engine, g_getenv ("HY_TEST_CA_FILE"));
  HY_TEST_CALL (hy_engine_load_async (engine, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_engine_load_finish (engine, result, &error));
  g_assert_no_error (error);
  HY_TEST_CALL (hy_engine_sync_async (engine, account, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_engine_sync_finish (engine, result, &error));
  g_assert_no_error (error);
  account_file = g_build_filename (config_dir, "alice.conf", NULL);
  cache_dir = g_build_filename (data_dir, "alice", NULL);
  g_assert_true (g_file_test (account_file, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (cache_dir, G_FILE_TEST_IS_DIR));

  /* The Accounts page lists the account. */
  window = ADW_PREFERENCES_WINDOW (adw_preferences_window_new ());
  gtk_window_set_default_size (GTK_WINDOW (window), 720, 780);
  page = hy_accounts_page_new (engine);
  adw_preferences_window_add (window, ADW_PREFERENCES_PAGE (page));
  gtk_window_present (GTK_WINDOW (window));
  settle (300);
  row = find (GTK_WIDGET (page), ADW_TYPE_ACTION_ROW, "Alice", 0);
  g_assert_nonnull (row);
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), g_getenv ("HY_TEST_ALICE_ADDRESS")));
  screenshot (GTK_WIDGET (window), "preferences-accounts.png");

  /* Its editor. */
  g_signal_emit_by_name (row, "activated");
  settle (300);
  editor = HY_ACCOUNT_EDITOR (find (GTK_WIDGET (window), HY_TYPE_ACCOUNT_EDITOR, NULL, 0));
  g_assert_nonnull (editor);
  g_assert_true (hy_account_editor_get_account (editor) == account);
  hy_account_editor_set_ca_file (editor, g_getenv ("HY_TEST_CA_FILE"));
  screenshot (GTK_WIDGET (window), "account-editor.png");
  {
    GtkAdjustment *adjustment =
      gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (find (GTK_WIDGET (editor), GTK_TYPE_SCROLLED_WINDOW,
                                                                      NULL, 0)));

    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_page_size (adjustment) * 0.9);
    screenshot (GTK_WIDGET (window), "account-editor-servers.png");
    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
    screenshot (GTK_WIDGET (window), "account-editor-folders.png");
    gtk_adjustment_set_value (adjustment, 0);
  }

  /* Simple settings are saved as they change. */
  widget = find (GTK_WIDGET (editor), ADW_TYPE_ENTRY_ROW, "Account Name", 0);
  gtk_editable_set_text (GTK_EDITABLE (widget), "Alice at Example");
  g_signal_emit_by_name (widget, "apply");
  g_assert_cmpstr (hy_account_get_display_name (account), ==, "Alice at Example");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Alice at Example");
  widget = find (GTK_WIDGET (editor), GTK_TYPE_SPIN_BUTTON, NULL, 0);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (widget), 90);
  g_assert_cmpuint (hy_account_get_sync_window_days (account), ==, 90);
  g_assert_true (g_file_get_contents (account_file, &contents, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (contents, "Alice at Example"));
  g_clear_pointer (&contents, g_free);

  /* A second identity, saved once its address is applied. */
  widget = find (GTK_WIDGET (editor), GTK_TYPE_BUTTON, "Add Identity", 0);
  g_assert_nonnull (widget);
  g_signal_emit_by_name (widget, "clicked");
  settle (200);
  widget = find (GTK_WIDGET (editor), ADW_TYPE_ENTRY_ROW, "Email Address", 1);
  g_assert_nonnull (widget);
  gtk_editable_set_text (GTK_EDITABLE (widget), "alice.work@example.org");
  g_signal_emit_by_name (widget, "apply");
  settle (100);
  g_assert_cmpuint (hy_account_get_identities (account)->len, ==, 2);
  g_assert_cmpstr (((HyIdentity *) g_ptr_array_index (hy_account_get_identities (account), 1))->address,
                   ==, "alice.work@example.org");
  g_assert_cmpstr (((HyIdentity *) g_ptr_array_index (hy_account_get_identities (account), 1))->name,
                   ==, "Alice Wang");
  /* The default identity keeps its signature. */
  g_assert_cmpstr (((HyIdentity *) g_ptr_array_index (hy_account_get_identities (account), 0))->signature,
                   ==, "-- \nAlice");

  /* Removed again (the default one stays). */
  widget = find (GTK_WIDGET (editor), GTK_TYPE_BUTTON, "_Remove Identity", 1);
  g_assert_nonnull (widget);
  g_assert_true (gtk_widget_get_sensitive (widget));
  g_signal_emit_by_name (widget, "clicked");
  settle (100);
  g_assert_cmpuint (hy_account_get_identities (account)->len, ==, 1);
  g_assert_cmpstr (hy_account_get_address (account), ==, g_getenv ("HY_TEST_ALICE_ADDRESS"));
  widget = find (GTK_WIDGET (editor), GTK_TYPE_BUTTON, "_Remove Identity", 0);
  g_assert_false (gtk_widget_get_sensitive (widget));

  /* A folder chosen for Sent, and back to automatic. */
  {
    AdwComboRow *sent = ADW_COMBO_ROW (find (GTK_WIDGET (editor), ADW_TYPE_COMBO_ROW, "Sent", 0));
    GListModel *names = adw_combo_row_get_model (sent);
    const char *chosen;

    g_assert_cmpuint (g_list_model_get_n_items (names), >, 1);
    g_assert_null (hy_account_get_folder_for_role (account, HY_FOLDER_ROLE_SENT));
    adw_combo_row_set_selected (sent, 1);
    chosen = gtk_string_list_get_string (GTK_STRING_LIST (names), 1);
    g_assert_cmpstr (hy_account_get_folder_for_role (account, HY_FOLDER_ROLE_SENT), ==, chosen);
    adw_combo_row_set_selected (sent, 0);
    g_assert_null (hy_account_get_folder_for_role (account, HY_FOLDER_ROLE_SENT));
  }

  /* A server change is saved only once signing in with it works. */
  status = find (GTK_WIDGET (editor), ADW_TYPE_ACTION_ROW, "Changes are tested before they are saved", 0);
  g_assert_nonnull (status);
  widget = find (GTK_WIDGET (editor), ADW_TYPE_COMBO_ROW, "Authentication", 0);
  adw_combo_row_set_selected (ADW_COMBO_ROW (widget), 2);  /* PLAIN */
  widget = find (GTK_WIDGET (editor), GTK_TYPE_BUTTON, "_Test and Save", 0);
  g_assert_true (gtk_widget_get_sensitive (widget));
  g_assert_null (hy_account_get_incoming (account)->auth_mechanism);
  g_signal_emit_by_name (widget, "clicked");
  WAIT_UNTIL (hy_account_get_incoming (account)->auth_mechanism != NULL);
  g_assert_cmpstr (hy_account_get_incoming (account)->auth_mechanism, ==, "PLAIN");
  settle (100);
  g_assert_false (gtk_widget_get_sensitive (widget));

  /* A port nothing listens on: an error shown, nothing saved. */
  {
    GtkWidget *port = find (GTK_WIDGET (editor), GTK_TYPE_SPIN_BUTTON, NULL, 1);
    guint16 old_port = hy_account_get_incoming (account)->port;

    gtk_spin_button_set_value (GTK_SPIN_BUTTON (port), 9);  /* discard */
    g_signal_emit_by_name (widget, "clicked");
    WAIT_UNTIL (gtk_widget_has_css_class (status, "error"));
    g_assert_cmpuint (hy_account_get_incoming (account)->port, ==, old_port);
    g_assert_nonnull (strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (status)), "9"));
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (port), old_port);
  }

  /* A password typed for the outgoing server goes to the credentials. */
  {
    GtkWidget *password = find (GTK_WIDGET (editor), ADW_TYPE_PASSWORD_ENTRY_ROW, NULL, 1);
    GtkWidget *save = find (GTK_WIDGET (editor), GTK_TYPE_BUTTON, "_Test and Save", 1);
    GtkWidget *auth = find (GTK_WIDGET (editor), ADW_TYPE_COMBO_ROW, "Authentication", 1);

    gtk_editable_set_text (GTK_EDITABLE (password), g_getenv ("HY_TEST_ALICE_PASSWORD"));
    adw_combo_row_set_selected (ADW_COMBO_ROW (auth), 1);  /* SCRAM-SHA-256 */
    g_assert_true (gtk_widget_get_sensitive (save));
    g_signal_emit_by_name (save, "clicked");
    WAIT_UNTIL (hy_account_get_outgoing (account)->auth_mechanism != NULL);
    g_assert_cmpstr (hy_account_get_outgoing (account)->auth_mechanism, ==, "SCRAM-SHA-256");
    secret = lookup_secret (credentials, "smtp", user);
    g_assert_cmpstr (secret, ==, g_getenv ("HY_TEST_ALICE_PASSWORD"));
    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (password)), ==, "");
  }
  /* Only a new incoming password: the account says so, so that the
   * engine drops sessions and secrets read before. */
  {
    GtkWidget *password = find (GTK_WIDGET (editor), ADW_TYPE_PASSWORD_ENTRY_ROW, NULL, 0);
    GtkWidget *save = find (GTK_WIDGET (editor), GTK_TYPE_BUTTON, "_Test and Save", 0);
    guint changes = 0;

    g_signal_connect (account, "changed", G_CALLBACK (count_changes), &changes);
    gtk_editable_set_text (GTK_EDITABLE (password), g_getenv ("HY_TEST_ALICE_PASSWORD"));
    g_assert_true (gtk_widget_get_sensitive (save));
    g_signal_emit_by_name (save, "clicked");
    WAIT_UNTIL (changes > 0);
    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (password)), ==, "");
    g_signal_handlers_disconnect_by_data (account, &changes);
  }

  /* A certificate the system does not trust (no test CA now): the
   * certificate dialog asks; trusted, it is pinned for this account. */
  {
    GtkWidget *auth = find (GTK_WIDGET (editor), ADW_TYPE_COMBO_ROW, "Authentication", 0);
    GtkWidget *save = find (GTK_WIDGET (editor), GTK_TYPE_BUTTON, "_Test and Save", 0);
    g_autofree char *pins_path = g_build_filename (scratch_dir, "hongyan", "pinned-certificates.conf", NULL);
    g_autofree char *pins = NULL;
    HyCertificateDialog *certificate_dialog = NULL;

    hy_account_editor_set_ca_file (editor, NULL);
    adw_combo_row_set_selected (ADW_COMBO_ROW (auth), 0);  /* Automatic */
    g_signal_emit_by_name (save, "clicked");
    WAIT_UNTIL ((certificate_dialog = find_certificate_dialog ()) != NULL);
    g_assert_cmpstr (hy_account_get_incoming (account)->auth_mechanism, ==, "PLAIN");
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (certificate_dialog), HY_CERTIFICATE_DIALOG_RESPONSE_TRUST);
    WAIT_UNTIL (hy_account_get_incoming (account)->auth_mechanism == NULL);
    g_assert_true (g_file_get_contents (pins_path, &pins, NULL, &error));
    g_assert_no_error (error);
    g_assert_nonnull (strstr (pins, "[alice]"));
  }

  /* Never on disk. */
  g_assert_true (g_file_get_contents (account_file, &contents, NULL, &error));
  g_assert_null (strstr (contents, g_getenv ("HY_TEST_ALICE_PASSWORD")));

  /* Removing asks first, with Cancel as the default. */
  widget = find (GTK_WIDGET (editor), GTK_TYPE_BUTTON, "_Remove Account…", 0);
  g_assert_nonnull (widget);
  g_signal_emit_by_name (widget, "clicked");
  dialog = hy_account_editor_get_remove_dialog (editor);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, "cancel");
  g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, "remove"), ==, ADW_RESPONSE_DESTRUCTIVE);
  screenshot (GTK_WIDGET (dialog), "account-remove-confirm.png");
  adw_message_dialog_response (dialog, "cancel");
  settle (200);
  g_assert_cmpuint (g_list_model_get_n_items (hy_account_manager_get_accounts (manager)), ==, 1);

  g_signal_emit_by_name (widget, "clicked");
  dialog = hy_account_editor_get_remove_dialog (editor);
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "remove");
  WAIT_UNTIL (g_list_model_get_n_items (hy_account_manager_get_accounts (manager)) == 0);
  WAIT_UNTIL (!g_file_test (cache_dir, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (account_file, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (hy_memory_credentials_get_count (HY_MEMORY_CREDENTIALS (credentials)), ==, 0);
  /* Back on the list (once the page has slid back), which is empty now. */
  WAIT_UNTIL (find (GTK_WIDGET (window), HY_TYPE_ACCOUNT_EDITOR, NULL, 0) == NULL);
  /* And the certificates trusted for it. */
  {
    g_autofree char *pins_path = g_build_filename (scratch_dir, "hongyan", "pinned-certificates.conf", NULL);
    g_autofree char *pins = NULL;

    g_assert_true (g_file_get_contents (pins_path, &pins, NULL, NULL));
    g_assert_null (strstr (pins, "[alice]"));
  }
  g_assert_nonnull (find (GTK_WIDGET (page), ADW_TYPE_ACTION_ROW, "No accounts yet", 0));

  hy_engine_stop (engine);
  gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *command = NULL;
  int rc;

  /* Our own configuration (trusted certificates) and data. */
  scratch_dir = g_dir_make_tmp ("hongyan-editor-test-XXXXXX", NULL);
  g_setenv ("XDG_CONFIG_HOME", scratch_dir, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("LANGUAGE", "C", TRUE);
  /* Mesa's software GL can stall under Xvfb; cairo draws the same. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_mime_init ();
  g_test_add_func ("/ui/account-editor/edit-and-remove", test_account_editor);
  rc = g_test_run ();
  command = g_strdup_printf ("rm -rf '%s'", scratch_dir);
  if (system (command) != 0)
    g_printerr ("could not remove %s\n", scratch_dir);
  return rc;
}
