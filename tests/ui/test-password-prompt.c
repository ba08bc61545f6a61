/* test-password-prompt.c — a refused or missing password is asked for once, then synced
 *
 * Against the mail stack: alice's account with a wrong stored password
 * fails its sync, HyPasswordPrompter shows one password dialog (not modal),
 * typing the right password stores it and the account syncs, and no
 * second dialog appears.  An account without any stored password is asked
 * without blaming the server; "Cancel" leaves it alone on the next sync
 * until the user picks "Sign In" (app.sign-in).  Only one login fails on
 * the server (Dovecot slows down repeated failures).
 *
 * Needs a display (Xvfb); skips without the mail stack unless
 * HY_REQUIRE_MAILSTACK=1.  Saves password-prompt.png under
 * meson-logs/screenshots.
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
#include "hy-password-prompter.h"
#include "imap/hy-imap-error.h"
#include "hy-test-util.h"

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

/* Spins until @prompter has a dialog open for @account's server. */
static HyPasswordDialog *
wait_for_server_dialog (HyPasswordPrompter *prompter,
                        HyAccount          *account,
                        gboolean            outgoing)
{
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (hy_password_prompter_get_dialog (prompter, account, outgoing) == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (10000);
    }
  return hy_password_prompter_get_dialog (prompter, account, outgoing);
}

static HyPasswordDialog *
wait_for_dialog (HyPasswordPrompter *prompter,
                 HyAccount          *account)
{
  return wait_for_server_dialog (prompter, account, FALSE);
}

static void
on_password_saved (HyPasswordPrompter *prompter,
                   HyAccount          *account,
                   gboolean            outgoing,
                   int                *saved_outgoing)
{
  *saved_outgoing = outgoing ? 1 : 0;
}

static GtkWidget *
find_widget (GtkWidget *widget,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type);

      if (found != NULL)
        return found;
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
  settle (500);
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

static HyAccount *
add_account (HyAccountManager *manager,
             const char       *id,
             const char       *password)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyIdentity) identity = hy_identity_new ("Alice", g_getenv ("HY_TEST_ALICE_ADDRESS"), NULL);
  g_autoptr(HyServerConfig) in = NULL;
  g_autoptr(HyServerConfig) out = NULL;
  HyAccount *account = hy_account_new (id);

  hy_account_add_identity (account, identity);
  hy_account_set_display_name (account, password != NULL ? "Work Mail" : "Home Mail");
  in = hy_server_config_new (HY_SERVER_PROTOCOL_IMAP, g_getenv ("HY_TEST_HOST"),
                             hy_test_env_port ("HY_TEST_IMAPS_PORT"),
                             HY_SERVER_SECURITY_TLS, g_getenv ("HY_TEST_ALICE_USER"));
  hy_account_set_incoming (account, in);
  out = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, g_getenv ("HY_TEST_HOST"),
                              hy_test_env_port ("HY_TEST_SUBMISSIONS_PORT"),
                              HY_SERVER_SECURITY_TLS, g_getenv ("HY_TEST_ALICE_USER"));
  hy_account_set_outgoing (account, out);
  hy_account_set_sync_window_days (account, 1);
  HY_TEST_CALL (hy_account_manager_add_async (manager, account, password, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_account_manager_add_finish (manager, result, &error));
  g_assert_no_error (error);
  return account;
}

static char *
stored_password (HyCredentials *credentials,
                 HyAccount     *account)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const HyServerConfig *in = hy_account_get_incoming (account);
  char *secret;

  HY_TEST_CALL (hy_credentials_lookup_async (credentials, hy_account_get_id (account), "imap", in->host, in->user,
                                             NULL, hy_test_store_result, &result), result);
  secret = hy_credentials_lookup_finish (credentials, result, &error);
  g_assert_no_error (error);
  return secret;
}

static void
test_password_prompt (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GtkApplication) app = NULL;
  g_autoptr(HyCredentials) credentials = NULL;
  g_autoptr(HyAccountManager) manager = NULL;
  g_autoptr(HyAccount) account = NULL;
  g_autoptr(HyAccount) unsaved = NULL;
  g_autoptr(HyEngine) engine = NULL;
  g_autoptr(HyPasswordPrompter) prompter = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *config_dir = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *command = NULL;
  g_autofree char *secret = NULL;
  HyPasswordDialog *dialog;
  GtkWidget *main_window;
  GtkWidget *entry;
  gint64 end;

  if (g_getenv ("HY_TEST_HOST") == NULL)
    {
      if (g_strcmp0 (g_getenv ("HY_REQUIRE_MAILSTACK"), "1") == 0)
        g_error ("HY_REQUIRE_MAILSTACK=1 but HY_TEST_HOST is not set: run under tests/fixtures/mailstack");
      g_test_skip ("no mail stack (run under tests/fixtures/mailstack run --)");
      return;
    }

  app = gtk_application_new ("io.github.hongyan.Hongyan.PasswordTest", G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  main_window = gtk_application_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (main_window), 900, 600);
  gtk_window_present (GTK_WINDOW (main_window));

  dir = g_dir_make_tmp ("hy-password-XXXXXX", &error);
  g_assert_no_error (error);
  config_dir = g_build_filename (dir, "config", NULL);
  data_dir = g_build_filename (dir, "data", NULL);
  credentials = hy_memory_credentials_new ();
  manager = hy_account_manager_new_for_dirs (credentials, config_dir, data_dir);
  account = add_account (manager, "alice-wrong", "not-alice's-password");
  unsaved = add_account (manager, "alice-unsaved", NULL);
  engine = hy_engine_new (manager);
  hy_engine_set_ca_file (engine, g_getenv ("HY_TEST_CA_FILE"));
  prompter = hy_password_prompter_new (app, engine);
  HY_TEST_CALL (hy_engine_load_async (engine, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_engine_load_finish (engine, result, &error));
  g_assert_no_error (error);

  /* The stored password is refused: one dialog, which blames the server. */
  HY_TEST_CALL (hy_engine_sync_async (engine, account, NULL, hy_test_store_result, &result), result);
  g_assert_false (hy_engine_sync_finish (engine, result, &error));
  g_assert_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_AUTH_FAILED);
  g_clear_error (&error);
  dialog = wait_for_dialog (prompter, account);
  g_assert_cmpuint (hy_password_prompter_get_n_prompts (prompter), ==, 1);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "did not accept"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)),
                            g_getenv ("HY_TEST_ALICE_USER")));
  /* The rest of the app stays usable. */
  g_assert_false (gtk_window_get_modal (GTK_WINDOW (dialog)));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (main_window));
  screenshot (GTK_WIDGET (dialog), "password-prompt.png");

  /* The right one: kept, and the account syncs without asking again. */
  entry = find_widget (GTK_WIDGET (dialog), ADW_TYPE_PASSWORD_ENTRY_ROW);
  g_assert_nonnull (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), g_getenv ("HY_TEST_ALICE_PASSWORD"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), HY_PASSWORD_DIALOG_RESPONSE_SIGN_IN);
  end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (hy_engine_get_sync_status (engine, account) != HY_SYNC_STATUS_IDLE ||
         hy_engine_get_sync_error (engine, account) != NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (10000);
    }
  g_assert_null (hy_password_prompter_get_dialog (prompter, account, FALSE));
  secret = stored_password (credentials, account);
  g_assert_cmpstr (secret, ==, g_getenv ("HY_TEST_ALICE_PASSWORD"));
  HY_TEST_CALL (hy_engine_sync_async (engine, account, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_engine_sync_finish (engine, result, &error));
  g_assert_no_error (error);
  settle (500);
  g_assert_cmpuint (hy_password_prompter_get_n_prompts (prompter), ==, 1);
  g_assert_null (hy_password_prompter_get_dialog (prompter, account, FALSE));

  /* No password at all: asked without blaming the server (nothing was
   * sent to it); Cancel, and the next sync asks nothing. */
  HY_TEST_CALL (hy_engine_sync_async (engine, unsaved, NULL, hy_test_store_result, &result), result);
  g_assert_false (hy_engine_sync_finish (engine, result, &error));
  g_assert_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_AUTH_FAILED);
  g_clear_error (&error);
  dialog = wait_for_dialog (prompter, unsaved);
  g_assert_cmpuint (hy_password_prompter_get_n_prompts (prompter), ==, 2);
  g_assert_null (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "did not accept"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), HY_PASSWORD_DIALOG_RESPONSE_CANCEL);
  settle (200);
  g_assert_null (hy_password_prompter_get_dialog (prompter, unsaved, FALSE));
  HY_TEST_CALL (hy_engine_sync_async (engine, unsaved, NULL, hy_test_store_result, &result), result);
  g_assert_false (hy_engine_sync_finish (engine, result, &error));
  g_clear_error (&error);
  settle (1000);
  g_assert_cmpuint (hy_password_prompter_get_n_prompts (prompter), ==, 2);
  g_assert_null (hy_password_prompter_get_dialog (prompter, unsaved, FALSE));
  g_assert_cmpint (hy_engine_get_sync_status (engine, unsaved), ==, HY_SYNC_STATUS_ERROR);

  /* Until the user asks to sign in. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "sign-in", g_variant_new_string ("alice-unsaved"));
  dialog = wait_for_dialog (prompter, unsaved);
  g_assert_cmpuint (hy_password_prompter_get_n_prompts (prompter), ==, 3);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), HY_PASSWORD_DIALOG_RESPONSE_CANCEL);
  settle (200);

  /* Sending reports a refused SMTP password: asked for that server, kept
   * (here without "Remember") and announced so that sending resumes. */
  {
    int saved_outgoing = -1;
    g_autofree char *smtp_secret = NULL;
    GtkWidget *remember;

    g_signal_connect (prompter, "password-saved", G_CALLBACK (on_password_saved), &saved_outgoing);
    hy_password_prompter_outgoing_refused (prompter, account);
    dialog = wait_for_server_dialog (prompter, account, TRUE);
    g_assert_cmpuint (hy_password_prompter_get_n_prompts (prompter), ==, 4);
    hy_password_prompter_outgoing_refused (prompter, account);
    settle (200);
    g_assert_cmpuint (hy_password_prompter_get_n_prompts (prompter), ==, 4);
    entry = find_widget (GTK_WIDGET (dialog), ADW_TYPE_PASSWORD_ENTRY_ROW);
    remember = find_widget (GTK_WIDGET (dialog), GTK_TYPE_CHECK_BUTTON);
    gtk_check_button_set_active (GTK_CHECK_BUTTON (remember), FALSE);
    gtk_editable_set_text (GTK_EDITABLE (entry), "new-smtp-password");
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), HY_PASSWORD_DIALOG_RESPONSE_SIGN_IN);
    end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    while (saved_outgoing < 0)
      {
        g_assert_cmpint (g_get_monotonic_time (), <, end);
        if (!g_main_context_iteration (NULL, FALSE))
          g_usleep (10000);
      }
    g_assert_cmpint (saved_outgoing, ==, 1);
    {
      const HyServerConfig *smtp = hy_account_get_outgoing (account);

      HY_TEST_CALL (hy_credentials_lookup_async (credentials, hy_account_get_id (account), "smtp", smtp->host,
                                                 smtp->user, NULL, hy_test_store_result, &result), result);
      smtp_secret = hy_credentials_lookup_finish (credentials, result, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (smtp_secret, ==, "new-smtp-password");
    }

    /* Refused again: asked again; cancelled: not asked on the next
     * refusal, until a message went through. */
    hy_password_prompter_outgoing_refused (prompter, account);
    dialog = wait_for_server_dialog (prompter, account, TRUE);
    g_assert_cmpuint (hy_password_prompter_get_n_prompts (prompter), ==, 5);
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), HY_PASSWORD_DIALOG_RESPONSE_CANCEL);
    settle (200);
    hy_password_prompter_outgoing_refused (prompter, account);
    settle (500);
    g_assert_null (hy_password_prompter_get_dialog (prompter, account, TRUE));
    g_assert_cmpuint (hy_password_prompter_get_n_prompts (prompter), ==, 5);
    hy_password_prompter_outgoing_accepted (prompter, account);
    hy_password_prompter_outgoing_refused (prompter, account);
    dialog = wait_for_server_dialog (prompter, account, TRUE);
    g_assert_cmpuint (hy_password_prompter_get_n_prompts (prompter), ==, 6);
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), HY_PASSWORD_DIALOG_RESPONSE_CANCEL);
    settle (200);
    /* The incoming password was not touched. */
    g_clear_pointer (&secret, g_free);
    secret = stored_password (credentials, account);
    g_assert_cmpstr (secret, ==, g_getenv ("HY_TEST_ALICE_PASSWORD"));
  }

  hy_engine_stop (engine);
  g_clear_object (&prompter);
  g_clear_object (&engine);
  /* Left to the end of the process: libadwaita 1.2 trips over message
   * dialogs that were transient for a window destroyed later. */
  gtk_widget_set_visible (main_window, FALSE);
  command = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (command), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("LANGUAGE", "C", TRUE);
  /* Mesa's software GL can stall under Xvfb; cairo draws the same. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_mime_init ();
  g_test_add_func ("/ui/password-prompt/refused-then-synced", test_password_prompt);
  return g_test_run ();
}
