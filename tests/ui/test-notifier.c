/* test-notifier.c — a message delivered to the inbox raises one desktop notification
 *
 * Runs a small notification server (org.freedesktop.Notifications) on the
 * test's session bus that records Notify calls, syncs alice's account on
 * the mail stack with HyEngine, and has HyNotifier announce new mail:
 * a message delivered by SMTP gives exactly one notification with its
 * sender, subject and the "Open" and "Mark as Read" buttons, the latter
 * marking the message read when pressed; showing the account's inbox, or
 * all inboxes, withdraws the notification (CloseNotification); with the
 * "notify-new-mail" setting off, the next message gives none.
 *
 * Needs a display (Xvfb) and a session bus; skips without the mail
 * stack unless HY_REQUIRE_MAILSTACK=1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gtk/gtk.h>
#include <gmime/gmime.h>

#include "account/hy-account-manager.h"
#include "account/hy-memory-credentials.h"
#include "api/hy-engine.h"
#include "hy-notifier.h"
#include "smtp/hy-smtp-client.h"
#include "store/hy-store.h"
#include "store/hy-store-message.h"
#include "hy-test-util.h"

typedef struct {
  guint  id;
  char  *summary;
  char  *body;
  GStrv  actions;
} Notified;

static GPtrArray *notified;  /* Notified */
static GArray    *closed;    /* guint: ids passed to CloseNotification */

static void
notified_free (Notified *n)
{
  g_free (n->summary);
  g_free (n->body);
  g_strfreev (n->actions);
  g_free (n);
}

static const char server_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='as' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "      <arg type='u' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "    <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "    <method name='GetServerInformation'>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "    </method>"
  "    <signal name='NotificationClosed'><arg type='u'/><arg type='u'/></signal>"
  "    <signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>"
  "  </interface>"
  "</node>";

static void
server_method_call (GDBusConnection       *connection,
                    const char            *sender,
                    const char            *object_path,
                    const char            *interface_name,
                    const char            *method_name,
                    GVariant              *parameters,
                    GDBusMethodInvocation *invocation,
                    gpointer               user_data)
{
  if (g_strcmp0 (method_name, "Notify") == 0)
    {
      Notified *n = g_new0 (Notified, 1);

      g_variant_get (parameters, "(&su&sss^as@a{sv}i)", NULL, NULL, NULL, &n->summary, &n->body,
                     &n->actions, NULL, NULL);
      g_ptr_array_add (notified, n);
      n->id = notified->len;
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", n->id));
    }
  else if (g_strcmp0 (method_name, "CloseNotification") == 0)
    {
      guint id;

      g_variant_get (parameters, "(u)", &id);
      g_array_append_val (closed, id);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_strcmp0 (method_name, "GetCapabilities") == 0)
    {
      const char *caps[] = { "actions", "body", NULL };

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", caps));
    }
  else if (g_strcmp0 (method_name, "GetServerInformation") == 0)
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ssss)", "test", "hongyan", "1", "1.2"));
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
spin_for (double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10000);
}

static void
send_to_alice (const char *subject)
{
  g_autoptr(HyConnection) conn = NULL;
  g_autoptr(HySmtpClient) smtp = NULL;
  g_autoptr(HySmtpEnvelope) envelope = NULL;
  g_autoptr(HySmtpSendResult) sent = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%a, %d %b %Y %H:%M:%S %z");
  g_autofree char *text = g_strdup_printf ("From: Bob Chen <%s>\r\n"
                                           "To: Alice <%s>\r\n"
                                           "Subject: %s\r\n"
                                           "Date: %s\r\n"
                                           "Message-ID: <%08x.%u@test.example.org>\r\n"
                                           "\r\n"
                                           "Are you free on Friday?\r\n",
                                           g_getenv ("HY_TEST_BOB_ADDRESS"), g_getenv ("HY_TEST_ALICE_ADDRESS"),
                                           subject, date, g_random_int (), (guint) getpid ());
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data (g_strdup (text), strlen (text), g_free);

  conn = hy_connection_new (g_getenv ("HY_TEST_HOST"), hy_test_env_port ("HY_TEST_SUBMISSION_PORT"),
                            HY_NET_SECURITY_STARTTLS);
  hy_connection_set_ca_file (conn, g_getenv ("HY_TEST_CA_FILE"));
  smtp = hy_smtp_client_new (conn);
  HY_TEST_CALL (hy_smtp_client_connect_async (smtp, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_smtp_client_connect_finish (smtp, result, &error));
  g_assert_no_error (error);
  HY_TEST_CALL (hy_smtp_client_authenticate_async (smtp, g_getenv ("HY_TEST_BOB_USER"), g_getenv ("HY_TEST_BOB_PASSWORD"),
                                                   FALSE, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_smtp_client_authenticate_finish (smtp, result, &error));
  g_assert_no_error (error);
  envelope = hy_smtp_envelope_new (g_getenv ("HY_TEST_BOB_ADDRESS"));
  hy_smtp_envelope_add_recipient (envelope, g_getenv ("HY_TEST_ALICE_ADDRESS"));
  HY_TEST_CALL (hy_smtp_client_send_async (smtp, envelope, stream, NULL, hy_test_store_result, &result), result);
  sent = hy_smtp_client_send_finish (smtp, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sent->n_accepted, ==, 1);
}

static gboolean
was_closed (guint id)
{
  for (guint i = 0; i < closed->len; i++)
    if (g_array_index (closed, guint, i) == id)
      return TRUE;
  return FALSE;
}

/* Delivers a message and waits for the one notification naming it. */
static guint count_mentioning (const char *subject, Notified **last);

static Notified *
deliver_and_wait (const char *subject)
{
  Notified *n = NULL;
  gint64 end;

  send_to_alice (subject);
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (count_mentioning (subject, &n) == 0 && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10000);
  g_assert_cmpuint (count_mentioning (subject, &n), ==, 1);
  /* Let the application read the server's reply (the notification's
   * id), which it needs to close it. */
  spin_for (1);
  return n;
}

/* The notifications that name @subject (other tests may deliver to the
 * same inbox at the same time). */
static guint
count_mentioning (const char  *subject,
                  Notified   **last)
{
  guint count = 0;

  for (guint i = 0; i < notified->len; i++)
    {
      Notified *n = g_ptr_array_index (notified, i);

      if (strstr (n->summary, subject) != NULL || strstr (n->body, subject) != NULL)
        {
          count++;
          *last = n;
        }
    }
  return count;
}

static void
test_new_mail_notification (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GDBusNodeInfo) info = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GtkApplication) app = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(HyCredentials) credentials = NULL;
  g_autoptr(HyAccountManager) manager = NULL;
  g_autoptr(HyAccount) account = NULL;
  g_autoptr(HyIdentity) identity = NULL;
  g_autoptr(HyServerConfig) in = NULL;
  g_autoptr(HyServerConfig) out = NULL;
  g_autoptr(HyEngine) engine = NULL;
  g_autoptr(HyNotifier) notifier = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *config_dir = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *command = NULL;
  g_autofree char *subject = g_strdup_printf ("Lunch on Friday %08x", g_random_int ());
  g_autofree char *quiet_subject = g_strdup_printf ("Quiet please %08x", g_random_int ());
  Notified *n = NULL;
  guint registration;
  guint32 owner;
  gint64 end;

  if (g_getenv ("HY_TEST_HOST") == NULL)
    {
      if (g_strcmp0 (g_getenv ("HY_REQUIRE_MAILSTACK"), "1") == 0)
        g_error ("HY_REQUIRE_MAILSTACK=1 but HY_TEST_HOST is not set: run under tests/fixtures/mailstack");
      g_test_skip ("no mail stack (run under tests/fixtures/mailstack run --)");
      return;
    }

  /* The notification server. */
  notified = g_ptr_array_new_with_free_func ((GDestroyNotify) notified_free);
  closed = g_array_new (FALSE, FALSE, sizeof (guint));
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  info = g_dbus_node_info_new_for_xml (server_xml, &error);
  g_assert_no_error (error);
  registration = g_dbus_connection_register_object (bus, "/org/freedesktop/Notifications", info->interfaces[0],
                                                    &(GDBusInterfaceVTable) { server_method_call, NULL, NULL },
                                                    NULL, NULL, &error);
  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.Notifications", 4 /* DO_NOT_QUEUE */),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &owner);
  if (owner != 1 /* PRIMARY_OWNER */)
    {
      g_test_skip ("another notification server runs on this session bus");
      return;
    }

  app = gtk_application_new ("io.github.hongyan.Hongyan.NotifierTest", G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  settings = g_settings_new ("io.github.hongyan.Hongyan");
  g_settings_set_boolean (settings, "notify-new-mail", TRUE);

  /* alice's account, synced once: what was there is not new. */
  dir = g_dir_make_tmp ("hy-notifier-XXXXXX", &error);
  g_assert_no_error (error);
  config_dir = g_build_filename (dir, "config", NULL);
  data_dir = g_build_filename (dir, "data", NULL);
  credentials = hy_memory_credentials_new ();
  manager = hy_account_manager_new_for_dirs (credentials, config_dir, data_dir);
  account = hy_account_new ("alice");
  identity = hy_identity_new ("Alice", g_getenv ("HY_TEST_ALICE_ADDRESS"), NULL);
  hy_account_add_identity (account, identity);
  in = hy_server_config_new (HY_SERVER_PROTOCOL_IMAP, g_getenv ("HY_TEST_HOST"),
                             hy_test_env_port ("HY_TEST_IMAP_PORT"),
                             HY_SERVER_SECURITY_STARTTLS, g_getenv ("HY_TEST_ALICE_USER"));
  hy_account_set_incoming (account, in);
  out = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, g_getenv ("HY_TEST_HOST"),
                              hy_test_env_port ("HY_TEST_SUBMISSION_PORT"),
                              HY_SERVER_SECURITY_STARTTLS, g_getenv ("HY_TEST_ALICE_USER"));
  hy_account_set_outgoing (account, out);
  hy_account_set_sync_window_days (account, 1);
  HY_TEST_CALL (hy_account_manager_add_async (manager, account, g_getenv ("HY_TEST_ALICE_PASSWORD"),
                                              NULL, hy_test_store_result, &result), result);
  hy_account_manager_add_finish (manager, result, &error);
  g_assert_no_error (error);
  engine = hy_engine_new (manager);
  hy_engine_set_ca_file (engine, g_getenv ("HY_TEST_CA_FILE"));
  notifier = hy_notifier_new (app, engine, settings);
  HY_TEST_CALL (hy_engine_load_async (engine, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_engine_load_finish (engine, result, &error));
  g_assert_no_error (error);
  HY_TEST_CALL (hy_engine_sync_async (engine, account, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_engine_sync_finish (engine, result, &error));
  g_assert_no_error (error);
  hy_engine_start (engine);
  spin_for (1.5);

  /* One message, one notification. */
  send_to_alice (subject);
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (count_mentioning (subject, &n) == 0 && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10000);
  spin_for (2);
  g_assert_cmpuint (count_mentioning (subject, &n), ==, 1);
  if (strstr (n->summary, "new message") == NULL)
    {
      /* Alone (no other test delivered meanwhile): sender and subject. */
      g_assert_cmpstr (n->summary, ==, "Bob Chen");
      g_assert_cmpstr (n->body, ==, subject);
    }
  g_assert_true (g_strv_contains ((const char * const *) n->actions, "Open"));
  g_assert_true (g_strv_contains ((const char * const *) n->actions, "Mark as Read"));

  /* "Mark as Read", pressed as the notification server reports it: the
   * message is read at once (in the store, and queued for the server). */
  {
    g_autofree char *query = g_strdup (strrchr (subject, ' ') + 1);
    HyStore *store = hy_engine_get_store (engine, account);
    g_autoptr(GArray) found = hy_store_search (store, query, &error);
    const char *key = NULL;
    gint64 message_id;
    gboolean seen = FALSE;

    g_assert_no_error (error);
    g_assert_cmpuint (found->len, ==, 1);
    message_id = g_array_index (found, gint64, 0);
    /* Key and label alternate. */
    for (guint i = 0; n->actions[i] != NULL && n->actions[i + 1] != NULL; i += 2)
      if (g_strcmp0 (n->actions[i + 1], "Mark as Read") == 0)
        key = n->actions[i];
    g_assert_nonnull (key);
    g_dbus_connection_emit_signal (bus, NULL, "/org/freedesktop/Notifications",
                                   "org.freedesktop.Notifications", "ActionInvoked",
                                   g_variant_new ("(us)", n->id, key), &error);
    g_assert_no_error (error);
    end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    while (!seen && g_get_monotonic_time () < end)
      {
        g_autoptr(HyStoreMessage) message = NULL;

        if (!g_main_context_iteration (NULL, FALSE))
          g_usleep (10000);
        message = hy_store_get_message (store, message_id, &error);
        g_assert_no_error (error);
        seen = (message->flags & HY_STORE_FLAG_SEEN) != 0;
      }
    g_assert_true (seen);
  }

  /* Opening the account's inbox withdraws its notification; once. */
  {
    g_autofree char *seen_subject = g_strdup_printf ("Seen in the inbox %08x", g_random_int ());
    g_autofree char *unified_subject = g_strdup_printf ("Seen in all inboxes %08x", g_random_int ());
    guint closed_before;

    n = deliver_and_wait (seen_subject);
    g_assert_false (was_closed (n->id));
    hy_notifier_inbox_shown (notifier, account);
    end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    while (!was_closed (n->id) && g_get_monotonic_time () < end)
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (10000);
    g_assert_true (was_closed (n->id));
    closed_before = closed->len;
    hy_notifier_inbox_shown (notifier, account);
    spin_for (0.5);
    g_assert_cmpuint (closed->len, ==, closed_before);

    /* All Inboxes (no account) covers it as well. */
    n = deliver_and_wait (unified_subject);
    hy_notifier_inbox_shown (notifier, NULL);
    end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    while (!was_closed (n->id) && g_get_monotonic_time () < end)
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (10000);
    g_assert_true (was_closed (n->id));
  }

  /* Turned off in the preferences: nothing. */
  g_settings_set_boolean (settings, "notify-new-mail", FALSE);
  send_to_alice (quiet_subject);
  spin_for (6);
  g_assert_cmpuint (count_mentioning (quiet_subject, &n), ==, 0);

  hy_engine_stop (engine);
  g_clear_object (&notifier);
  g_clear_object (&engine);
  g_dbus_connection_unregister_object (bus, registration);
  g_clear_pointer (&notified, g_ptr_array_unref);
  g_clear_pointer (&closed, g_array_unref);
  command = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (command), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();
  g_test_add_func ("/ui/notifier/new-mail", test_new_mail_notification);
  return g_test_run ();
}
