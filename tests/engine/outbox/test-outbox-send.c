/* test-outbox-send.c — the outbox's background worker against the mail stack: undo send, delay, signals
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <stdlib.h>
#include <glib/gstdio.h>

#include "account/hy-memory-credentials.h"
#include "smtp/hy-smtp-error.h"
#include "sync/hy-outbox.h"
#include "sync/hy-outbox-private.h"

typedef struct {
  guint   n_sent;
  guint   n_failed;
  gint64  last_sent;
} Counts;

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static void
on_sent (HyOutbox      *outbox,
         gint64         id,
         HyOutboxEntry *entry,
         Counts        *counts)
{
  g_assert_cmpint (entry->state, ==, HY_OUTBOX_STATE_SENT);
  counts->n_sent++;
  counts->last_sent = id;
}

static void
on_failed (HyOutbox      *outbox,
           gint64         id,
           HyOutboxEntry *entry,
           GError        *error,
           gboolean       permanent,
           Counts        *counts)
{
  g_printerr ("unexpected failure of %" G_GINT64_FORMAT ": %s\n", id, error->message);
  counts->n_failed++;
}

static GBytes *
message (const char *message_id,
         const char *subject)
{
  char *text = g_strdup_printf ("From: Alice <%s>\r\nTo: Bob <%s>\r\nSubject: %s\r\n"
                                "Message-ID: <%s>\r\n\r\nSee you.\r\n",
                                g_getenv ("HY_TEST_ALICE_ADDRESS"), g_getenv ("HY_TEST_BOB_ADDRESS"),
                                subject, message_id);

  return g_bytes_new_take (text, strlen (text));
}

/* Copies of @message_id in @user's @folder. */
static guint
copies (const char *user,
        const char *password_env,
        const char *folder,
        const char *message_id)
{
  g_autoptr(HyCredentials) credentials = hy_memory_credentials_new ();
  g_autoptr(HyIdentity) identity = hy_identity_new (NULL, "x@example.org", NULL);
  g_autoptr(HyServerConfig) imap = hy_server_config_new (HY_SERVER_PROTOCOL_IMAP, g_getenv ("HY_TEST_HOST"),
                                                          atoi (g_getenv ("HY_TEST_IMAPS_PORT")),
                                                          HY_SERVER_SECURITY_TLS, user);
  g_autoptr(HyAccount) account = hy_account_new ("count");
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(GArray) uids = NULL;
  g_autoptr(GError) error = NULL;

  hy_account_add_identity (account, identity);
  hy_account_set_incoming (account, imap);
  hy_credentials_store_async (credentials, "count", "imap", g_getenv ("HY_TEST_HOST"), user,
                              g_getenv (password_env), NULL, _hy_outbox_store_result, &result);
  g_assert_true (hy_credentials_store_finish (credentials, wait_for (&result), &error));
  g_clear_object (&result);
  client = _hy_outbox_imap_open (account, credentials, g_getenv ("HY_TEST_CA_FILE"), NULL, &error);
  g_assert_no_error (error);
  hy_imap_client_select_async (client, folder, TRUE, 0, 0, NULL, NULL, _hy_outbox_store_result, &result);
  selected = hy_imap_client_select_finish (client, wait_for (&result), &error);
  g_assert_no_error (error);
  uids = _hy_outbox_imap_find_message_id (client, message_id, NULL, &error);
  g_assert_no_error (error);
  _hy_outbox_imap_close (client);
  return uids->len;
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* Undo within the delay sends nothing; a message left alone goes out when
 * its delay is over, raises "sent" once, and is filed once in the Sent
 * folder the account names (created when missing). */
static void
test_undo_and_send (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyCredentials) credentials = hy_memory_credentials_new ();
  g_autoptr(HyIdentity) identity = hy_identity_new ("Alice", g_getenv ("HY_TEST_ALICE_ADDRESS"), NULL);
  g_autoptr(HyServerConfig) imap = NULL;
  g_autoptr(HyServerConfig) smtp = NULL;
  g_autoptr(HyAccount) account = hy_account_new ("worker-test");
  g_autoptr(HyStore) store = NULL;
  g_autoptr(HyOutbox) outbox = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) undone = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GBytes) kept = NULL;
  g_autoptr(HyOutboxEntry) entry = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *undone_id = NULL;
  g_autofree char *kept_id = NULL;
  g_autofree char *sent_folder = NULL;
  const char *host = g_getenv ("HY_TEST_HOST");
  const char *user = g_getenv ("HY_TEST_ALICE_USER");
  Counts counts = { 0, 0, 0 };
  gint64 undo_row, kept_row;
  gint64 deadline;

  if (host == NULL)
    {
      if (g_strcmp0 (g_getenv ("HY_REQUIRE_MAILSTACK"), "1") == 0)
        g_error ("HY_TEST_HOST is not set but HY_REQUIRE_MAILSTACK=1");
      g_test_skip ("no mail stack (run inside tests/fixtures/mailstack run)");
      return;
    }

  dir = g_dir_make_tmp ("hy-outbox-send-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "store.db", NULL);
  imap = hy_server_config_new (HY_SERVER_PROTOCOL_IMAP, host, atoi (g_getenv ("HY_TEST_IMAPS_PORT")),
                               HY_SERVER_SECURITY_TLS, user);
  smtp = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, host, atoi (g_getenv ("HY_TEST_SUBMISSIONS_PORT")),
                               HY_SERVER_SECURITY_TLS, user);
  hy_account_add_identity (account, identity);
  hy_account_set_incoming (account, imap);
  hy_account_set_outgoing (account, smtp);
  /* A Sent folder the account names but the server does not have yet: the
   * outbox creates it. */
  sent_folder = g_strdup_printf ("Sent-%d", getpid ());
  hy_account_set_folder_for_role (account, HY_FOLDER_ROLE_SENT, sent_folder);
  for (guint i = 0; i < 2; i++)
    {
      hy_credentials_store_async (credentials, "worker-test", i == 0 ? "imap" : "smtp", host, user,
                                  g_getenv ("HY_TEST_ALICE_PASSWORD"), NULL, _hy_outbox_store_result, &result);
      g_assert_true (hy_credentials_store_finish (credentials, wait_for (&result), &error));
      g_clear_object (&result);
    }
  store = hy_store_open (path, &error);
  g_assert_no_error (error);
  outbox = hy_outbox_new (account, credentials, store);
  hy_outbox_set_ca_file (outbox, g_getenv ("HY_TEST_CA_FILE"));
  g_signal_connect (outbox, "sent", G_CALLBACK (on_sent), &counts);
  g_signal_connect (outbox, "failed", G_CALLBACK (on_failed), &counts);
  hy_outbox_start (outbox);

  undone_id = g_strdup_printf ("undone.%d.%" G_GINT64_FORMAT "@example.org", getpid (), g_get_real_time ());
  kept_id = g_strdup_printf ("kept.%d.%" G_GINT64_FORMAT "@example.org", getpid (), g_get_real_time ());
  undone = message (undone_id, "Sent by mistake");
  kept = message (kept_id, "Meant to go");

  undo_row = hy_outbox_queue (outbox, undone, 3, &error);
  g_assert_no_error (error);
  kept_row = hy_outbox_queue (outbox, kept, 2, &error);
  g_assert_no_error (error);
  spin (500);
  back = hy_outbox_cancel (outbox, undo_row, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (back, undone));

  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    {
      g_clear_pointer (&entry, hy_outbox_entry_free);
      entry = hy_outbox_get_entry (outbox, kept_row, &error);
      g_assert_no_error (error);
      if (entry->state == HY_OUTBOX_STATE_DONE)
        break;
      spin (200);
    }
  g_assert_cmpint (entry->state, ==, HY_OUTBOX_STATE_DONE);
  g_assert_cmpint (entry->sent, >=, entry->queued + 2);
  g_assert_cmpuint (counts.n_sent, ==, 1);
  g_assert_cmpint (counts.last_sent, ==, kept_row);
  g_assert_cmpuint (counts.n_failed, ==, 0);
  hy_outbox_stop (outbox);

  spin (1500);  /* local delivery */
  g_assert_cmpuint (copies (g_getenv ("HY_TEST_BOB_USER"), "HY_TEST_BOB_PASSWORD", "INBOX", kept_id), ==, 1);
  g_assert_cmpuint (copies (user, "HY_TEST_ALICE_PASSWORD", sent_folder, kept_id), ==, 1);
  g_assert_cmpuint (copies (g_getenv ("HY_TEST_BOB_USER"), "HY_TEST_BOB_PASSWORD", "INBOX", undone_id), ==, 0);
  g_assert_cmpuint (copies (user, "HY_TEST_ALICE_PASSWORD", sent_folder, undone_id), ==, 0);

  g_clear_object (&outbox);
  g_clear_object (&store);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);
    g_autofree char *lock = g_strconcat (path, ".outbox-lock", NULL);

    g_unlink (path);
    g_unlink (wal);
    g_unlink (shm);
    g_unlink (lock);
    g_rmdir (dir);
  }
}

/* A server that wants a login while the keyring holds no password: the
 * session fails as a refused login (the app then asks for the password and
 * the message waits), instead of trying to send without one. */
static void
test_no_password (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyCredentials) credentials = hy_memory_credentials_new ();
  g_autoptr(HyIdentity) identity = NULL;
  g_autoptr(HyServerConfig) smtp = NULL;
  g_autoptr(HyAccount) account = hy_account_new ("no-password-test");
  g_autoptr(HySmtpClient) client = NULL;
  const char *host = g_getenv ("HY_TEST_HOST");

  if (host == NULL)
    {
      if (g_strcmp0 (g_getenv ("HY_REQUIRE_MAILSTACK"), "1") == 0)
        g_error ("HY_TEST_HOST is not set but HY_REQUIRE_MAILSTACK=1");
      g_test_skip ("no mail stack (run inside tests/fixtures/mailstack run)");
      return;
    }
  identity = hy_identity_new ("Alice", g_getenv ("HY_TEST_ALICE_ADDRESS"), NULL);
  smtp = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, host, atoi (g_getenv ("HY_TEST_SUBMISSIONS_PORT")),
                               HY_SERVER_SECURITY_TLS, g_getenv ("HY_TEST_ALICE_USER"));
  hy_account_add_identity (account, identity);
  hy_account_set_outgoing (account, smtp);

  client = _hy_outbox_smtp_open (account, credentials, g_getenv ("HY_TEST_CA_FILE"), NULL, &error);
  g_assert_null (client);
  g_assert_error (error, HY_SMTP_ERROR, HY_SMTP_ERROR_AUTH_FAILED);
  g_assert_nonnull (strstr (error->message, "No password is stored"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/outbox/worker/undo-and-send", test_undo_and_send);
  g_test_add_func ("/engine/outbox/session/no-password", test_no_password);
  return g_test_run ();
}
