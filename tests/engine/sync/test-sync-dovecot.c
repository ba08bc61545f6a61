/* test-sync-dovecot.c — HyEngine syncing real accounts on the test mail stack
 *
 * Sync of alice's mailbox, a Chinese-named folder, new mail seen through
 * IDLE after an SMTP delivery, flags changed by a second session, offline
 * changes replayed when the server is back, and a POP3 account.  Each test
 * works in folders and messages of its own, as other tests use the same
 * mailboxes at the same time.
 *
 * Skips when HY_TEST_HOST is unset, unless HY_REQUIRE_MAILSTACK=1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <string.h>
#include <gmime/gmime.h>
#include <glib/gstdio.h>

#include "account/hy-account-manager.h"
#include "account/hy-memory-credentials.h"
#include "api/hy-engine.h"
#include "imap/hy-imap-client.h"
#include "smtp/hy-smtp-client.h"
#include "store/hy-store-op.h"
#include "hy-test-util.h"

typedef struct {
  char             *dir;
  HyCredentials    *credentials;
  HyAccountManager *manager;
  HyEngine         *engine;
  HyAccount        *account;
  guint             new_mail;
  gint64            new_mail_folder;
} Fixture;

static void
on_new_mail (HyEngine  *engine,
             HyAccount *account,
             HyFolder  *folder,
             guint      count,
             gpointer   user_data)
{
  Fixture *f = user_data;

  f->new_mail += count;
  f->new_mail_folder = hy_folder_get_id (folder);
}

static void
fixture_set_up (Fixture    *f,
                const char *protocol,
                const char *user,
                const char *password)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *config_dir = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *address = g_strdup_printf ("%s@example.org", user);
  g_autoptr(HyIdentity) identity = hy_identity_new ("Test", address, NULL);
  g_autoptr(HyServerConfig) in = NULL;
  g_autoptr(HyServerConfig) out = NULL;
  gboolean pop3 = g_strcmp0 (protocol, "pop3") == 0;

  f->dir = g_dir_make_tmp ("hy-sync-XXXXXX", &error);
  g_assert_no_error (error);
  config_dir = g_build_filename (f->dir, "config", NULL);
  data_dir = g_build_filename (f->dir, "data", NULL);
  f->credentials = hy_memory_credentials_new ();
  f->manager = hy_account_manager_new_for_dirs (f->credentials, config_dir, data_dir);
  f->account = hy_account_new (user);
  hy_account_add_identity (f->account, identity);
  if (pop3)
    in = hy_server_config_new (HY_SERVER_PROTOCOL_POP3, g_getenv ("HY_TEST_HOST"),
                               hy_test_env_port ("HY_TEST_POP3S_PORT"), HY_SERVER_SECURITY_TLS, user);
  else
    in = hy_server_config_new (HY_SERVER_PROTOCOL_IMAP, g_getenv ("HY_TEST_HOST"),
                               hy_test_env_port ("HY_TEST_IMAP_PORT"), HY_SERVER_SECURITY_STARTTLS, user);
  out = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, g_getenv ("HY_TEST_HOST"),
                              hy_test_env_port ("HY_TEST_SUBMISSION_PORT"), HY_SERVER_SECURITY_STARTTLS, user);
  hy_account_set_incoming (f->account, in);
  hy_account_set_outgoing (f->account, out);
  /* Bodies of the last week are downloaded for offline reading. */
  hy_account_set_sync_window_days (f->account, 7);
  if (pop3)
    {
      /* Never delete: other tests read the same mailbox. */
      hy_account_set_pop3_leave_on_server (f->account, TRUE);
      hy_account_set_pop3_delete_after_days (f->account, 0);
    }
  HY_TEST_CALL (hy_account_manager_add_async (f->manager, f->account, password, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_account_manager_add_finish (f->manager, result, &error));
  g_assert_no_error (error);

  f->engine = hy_engine_new (f->manager);
  hy_engine_set_ca_file (f->engine, g_getenv ("HY_TEST_CA_FILE"));
  g_signal_connect (f->engine, "new-mail", G_CALLBACK (on_new_mail), f);
  HY_TEST_CALL (hy_engine_load_async (f->engine, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_engine_load_finish (f->engine, result, &error));
  g_assert_no_error (error);
  g_assert_nonnull (hy_engine_get_store (f->engine, f->account));
}

static void
fixture_tear_down (Fixture *f)
{
  if (f->engine != NULL)
    hy_engine_stop (f->engine);
  g_clear_object (&f->engine);
  g_clear_object (&f->account);
  g_clear_object (&f->manager);
  g_clear_object (&f->credentials);
  if (f->dir != NULL)
    {
      g_autofree char *command = g_strdup_printf ("rm -rf '%s'", f->dir);

      g_assert_cmpint (system (command), ==, 0);
    }
  g_free (f->dir);
}

static void
sync_once (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  HY_TEST_CALL (hy_engine_sync_async (f->engine, f->account, NULL, hy_test_store_result, &result), result);
  hy_engine_sync_finish (f->engine, result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (hy_engine_get_sync_status (f->engine, f->account), ==, HY_SYNC_STATUS_IDLE);
}

/* A second IMAP session of alice, as another mail client would be. */
static HyImapClient *
open_other_client (void)
{
  g_autoptr(HyConnection) conn = NULL;
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  conn = hy_connection_new (g_getenv ("HY_TEST_HOST"), hy_test_env_port ("HY_TEST_IMAPS_PORT"), HY_NET_SECURITY_TLS);
  hy_connection_set_ca_file (conn, g_getenv ("HY_TEST_CA_FILE"));
  hy_connection_set_timeout (conn, 30);
  client = hy_imap_client_new (conn);
  HY_TEST_CALL (hy_imap_client_connect_async (client, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_imap_client_connect_finish (client, result, &error));
  g_assert_no_error (error);
  HY_TEST_CALL (hy_imap_client_login_async (client, g_getenv ("HY_TEST_ALICE_USER"), g_getenv ("HY_TEST_ALICE_PASSWORD"),
                                            FALSE, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_imap_client_login_finish (client, result, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&client);
}

static GBytes *
make_message (const char *subject,
              const char *body)
{
  g_autofree char *msgid = g_strdup_printf ("%08x.%u@test.example.org", g_random_int (), (guint) getpid ());
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%a, %d %b %Y %H:%M:%S %z");
  g_autofree char *encoded = g_base64_encode ((const guchar *) subject, strlen (subject));
  char *text = g_strdup_printf ("From: Bob Chen <bob@example.org>\r\n"
                                "To: Alice Wang <alice@example.org>\r\n"
                                "Subject: =?UTF-8?B?%s?=\r\n"
                                "Date: %s\r\n"
                                "Message-ID: <%s>\r\n"
                                "MIME-Version: 1.0\r\n"
                                "Content-Type: text/plain; charset=UTF-8\r\n"
                                "Content-Transfer-Encoding: 8bit\r\n"
                                "\r\n"
                                "%s\r\n", encoded, date, msgid, body);

  return g_bytes_new_take (text, strlen (text));
}

static void
create_and_fill_dated (HyImapClient *client,
                       const char   *mailbox,
                       guint         count,
                       const char   *subject_prefix,
                       GDateTime    *internal_date)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  HY_TEST_CALL (hy_imap_client_create_async (client, mailbox, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_imap_client_mailbox_op_finish (client, result, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < count; i++)
    {
      g_autofree char *subject = g_strdup_printf ("%s %u", subject_prefix, i + 1);
      g_autoptr(GBytes) message = make_message (subject, "会议纪要在附件里。The minutes are attached.");

      HY_TEST_CALL (hy_imap_client_append_async (client, mailbox, message, NULL, internal_date, NULL, hy_test_store_result, &result),
                    result);
      g_assert_true (hy_imap_client_append_finish (client, result, NULL, NULL, &error));
      g_assert_no_error (error);
    }
}

static void
create_and_fill (HyImapClient *client,
                 const char   *mailbox,
                 guint         count,
                 const char   *subject_prefix)
{
  create_and_fill_dated (client, mailbox, count, subject_prefix, NULL);
}

static void
delete_mailbox (HyImapClient *client,
                const char   *mailbox)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  HY_TEST_CALL (hy_imap_client_delete_async (client, mailbox, NULL, hy_test_store_result, &result), result);
  hy_imap_client_mailbox_op_finish (client, result, NULL);
}

static HyFolder *
find_folder (Fixture    *f,
             const char *name)
{
  GListModel *folders = hy_engine_get_folders (f->engine, f->account);
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  /* The model follows the store from the main loop. */
  while (g_get_monotonic_time () < end)
    {
      for (guint i = 0; i < g_list_model_get_n_items (folders); i++)
        {
          g_autoptr(HyFolder) folder = g_list_model_get_item (folders, i);

          if (g_strcmp0 (hy_folder_get_name (folder), name) == 0)
            return folder;
        }
      hy_test_spin ();
    }
  return NULL;
}

/* Waits for the folder model to show @total messages in @folder. */
static guint
wait_total (HyFolder *folder,
            guint     total)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (hy_folder_get_total (folder) != total && g_get_monotonic_time () < end)
    hy_test_spin ();
  return hy_folder_get_total (folder);
}

static GArray *
folder_ids (Fixture  *f,
            HyFolder *folder)
{
  g_autoptr(GError) error = NULL;
  GArray *ids = hy_store_list_message_ids (hy_engine_get_store (f->engine, f->account),
                                           hy_folder_get_id (folder), &error);

  g_assert_no_error (error);
  return ids;
}

/* Flags of the message with @subject in @mailbox as the server has them. */
static GStrv
server_flags (HyImapClient *client,
              const char   *mailbox,
              const char   *subject)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(HyImapSearch) search = NULL;
  g_autoptr(GPtrArray) fetches = NULL;
  g_autofree char *criteria = g_strdup_printf ("SUBJECT \"%s\"", subject);
  g_autofree char *set = NULL;

  HY_TEST_CALL (hy_imap_client_select_async (client, mailbox, TRUE, 0, 0, NULL, NULL, hy_test_store_result, &result), result);
  selected = hy_imap_client_select_finish (client, result, &error);
  g_assert_no_error (error);
  HY_TEST_CALL (hy_imap_client_search_async (client, criteria, NULL, hy_test_store_result, &result), result);
  search = hy_imap_client_search_finish (client, result, &error);
  g_assert_no_error (error);
  if (search->numbers->len != 1)
    return NULL;
  set = g_strdup_printf ("%u", g_array_index (search->numbers, guint32, 0));
  HY_TEST_CALL (hy_imap_client_fetch_async (client, set, HY_IMAP_FETCH_FLAGS, NULL, 0, NULL, NULL, NULL,
                                            hy_test_store_result, &result), result);
  fetches = hy_imap_client_fetch_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fetches->len, ==, 1);
  return g_strdupv (((HyImapFetch *) g_ptr_array_index (fetches, 0))->flags);
}

static guint
count_in (HyImapClient *client,
          const char   *mailbox)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapSelectResult) selected = NULL;

  HY_TEST_CALL (hy_imap_client_select_async (client, mailbox, TRUE, 0, 0, NULL, NULL, hy_test_store_result, &result), result);
  selected = hy_imap_client_select_finish (client, result, &error);
  g_assert_no_error (error);
  return selected->exists;
}

/* The store id of the one message with @subject, or 0. */
static gint64
find_by_subject (Fixture    *f,
                 const char *subject)
{
  HyStore *store = hy_engine_get_store (f->engine, f->account);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) folders = hy_store_list_folders (store, &error);
  gint64 found = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < folders->len; i++)
    {
      HyStoreFolder *folder = g_ptr_array_index (folders, i);
      g_autoptr(GArray) ids = hy_store_list_message_ids (store, folder->id, &error);

      g_assert_no_error (error);
      for (guint j = 0; j < ids->len; j++)
        {
          g_autoptr(HyStoreMessage) message = hy_store_get_message (store, g_array_index (ids, gint64, j), &error);

          g_assert_no_error (error);
          if (g_strcmp0 (message->subject, subject) == 0)
            {
              g_assert_cmpint (found, ==, 0);
              found = message->id;
            }
        }
    }
  return found;
}

static void
got_message (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  hy_test_store_result (source, result, user_data);
}

/* ---- tests ------------------------------------------------------------------ */

static void
test_sync_folders_and_messages (void)
{
  Fixture f = { 0, };
  g_autoptr(HyImapClient) other = NULL;
  g_autofree char *plain = g_strdup_printf ("Sync-%u", (guint) getpid ());
  g_autofree char *chinese = g_strdup_printf ("同步测试-%u", (guint) getpid ());
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyMessage) message = NULL;
  g_autoptr(HyStoreMessage) stored = NULL;
  g_autoptr(GBytes) body = NULL;
  HyFolder *folder;
  HyFolder *inbox;

  if (hy_test_skip_without_mailstack ())
    return;

  other = open_other_client ();
  create_and_fill (other, plain, 3, "Quarterly report");
  create_and_fill (other, chinese, 2, "季度报告");

  fixture_set_up (&f, "imap", g_getenv ("HY_TEST_ALICE_USER"), g_getenv ("HY_TEST_ALICE_PASSWORD"));
  sync_once (&f);

  inbox = hy_engine_find_folder_by_role (f.engine, f.account, HY_FOLDER_ROLE_INBOX);
  g_assert_nonnull (inbox);
  g_assert_cmpstr (hy_folder_get_name (inbox), ==, "INBOX");

  folder = find_folder (&f, plain);
  g_assert_nonnull (folder);
  g_assert_cmpuint (wait_total (folder, 3), ==, 3);
  g_assert_cmpuint (hy_folder_get_unread (folder), ==, 3);

  folder = find_folder (&f, chinese);
  g_assert_nonnull (folder);
  g_assert_cmpstr (hy_folder_get_display_name (folder), ==, chinese);
  g_assert_cmpuint (wait_total (folder, 2), ==, 2);
  ids = folder_ids (&f, folder);
  g_assert_cmpuint (ids->len, ==, 2);

  /* Envelope fields arrive decoded; the body of recent mail is kept. */
  stored = hy_store_get_message (hy_engine_get_store (f.engine, f.account), g_array_index (ids, gint64, 0), &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (stored->subject, "季度报告 "));
  g_assert_cmpstr (stored->from, ==, "\"Bob Chen\" <bob@example.org>");
  body = hy_store_get_body (hy_engine_get_store (f.engine, f.account), g_array_index (ids, gint64, 0), &error);
  g_assert_no_error (error);

  /* Full-text search finds the Chinese body text. */
  {
    g_autofree char *query = g_strdup_printf ("会议 in:%s", chinese);
    g_autoptr(GArray) found = hy_store_search (hy_engine_get_store (f.engine, f.account), query, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (found->len, ==, 2);
  }
  /* And the subjects and addresses a header sync indexes after its commit,
   * once each, whether or not the body came since. */
  {
    g_autofree char *query = g_strdup_printf ("报告 from:bob@example.org in:%s", chinese);
    g_autofree char *english = g_strdup_printf ("quarterly from:\"bob chen\" in:%s", plain);
    g_autoptr(GArray) found = hy_store_search (hy_engine_get_store (f.engine, f.account), query, &error);
    g_autoptr(GArray) found_english = NULL;

    g_assert_no_error (error);
    g_assert_cmpuint (found->len, ==, 2);
    found_english = hy_store_search (hy_engine_get_store (f.engine, f.account), english, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (found_english->len, ==, 3);
  }

  /* The whole message, parsed. */
  HY_TEST_CALL (hy_engine_get_message_async (f.engine, f.account, g_array_index (ids, gint64, 1), NULL, got_message, &result),
                result);
  message = hy_engine_get_message_finish (f.engine, result, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (hy_message_get_subject (message), "季度报告 "));
  g_assert_nonnull (strstr (hy_message_get_text (message), "会议纪要"));

  /* A second sync changes nothing. */
  sync_once (&f);
  g_assert_cmpuint (wait_total (find_folder (&f, chinese), 2), ==, 2);
  g_assert_cmpuint (f.new_mail, ==, 0);

  /* Messages removed elsewhere go; UIDVALIDITY changes rebuild. */
  delete_mailbox (other, chinese);
  create_and_fill (other, chinese, 1, "重建");
  sync_once (&f);
  folder = find_folder (&f, chinese);
  g_assert_nonnull (folder);
  g_assert_cmpuint (wait_total (folder, 1), ==, 1);
  g_assert_cmpint (find_by_subject (&f, "重建 1"), !=, 0);
  g_assert_cmpint (find_by_subject (&f, "季度报告 1"), ==, 0);

  delete_mailbox (other, plain);
  delete_mailbox (other, chinese);
  sync_once (&f);
  g_assert_null (find_folder (&f, plain));
  fixture_tear_down (&f);
}

/* What the header sync reads from Dovecot's FETCH ends up in the row:
 * received date, flags, ids, folded References, the sender, and whether a
 * part is an attachment (not when it is inside a forwarded message). */
static void
append_raw (HyImapClient       *client,
            const char         *mailbox,
            const char         *text,
            const char * const *flags,
            GDateTime          *internal_date)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = g_bytes_new (text, strlen (text));

  HY_TEST_CALL (hy_imap_client_append_async (client, mailbox, message, flags, internal_date, NULL,
                                             hy_test_store_result, &result), result);
  g_assert_true (hy_imap_client_append_finish (client, result, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
test_header_facts (void)
{
  static const char * const flagged[] = { "\\Flagged", "$Work", NULL };
  static const char attached[] =
    "From: =?UTF-8?B?546L6Iqz?= <wang.fang@example.org>\r\n"
    "To: Alice Wang <alice@example.org>, team: a@example.org, b@example.org;\r\n"
    "Subject: Facts with attachment\r\n"
    "Date: Thu, 01 Jan 2026 08:00:00 +0800\r\n"
    "Message-ID: <facts-2@example.org>\r\n"
    "In-Reply-To: <facts-1@example.org>\r\n"
    "References: <facts-0@example.org>\r\n"
    "\t<facts-1@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "--outer\r\n"
    "Content-Type: text/plain; charset=UTF-8\r\n"
    "\r\n"
    "See the file.\r\n"
    "--outer\r\n"
    "Content-Type: application/pdf; name=\"minutes.pdf\"\r\n"
    "Content-Disposition: attachment; filename=\"minutes.pdf\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "JVBERi0xLjQK\r\n"
    "--outer--\r\n";
  static const char forwarded[] =
    "From: Bob Chen <bob@example.org>\r\n"
    "To: alice@example.org\r\n"
    "Subject: Facts with a forwarded note\r\n"
    "Date: Thu, 01 Jan 2026 09:00:00 +0800\r\n"
    "Message-ID: <facts-3@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=\"alt\"\r\n"
    "\r\n"
    "--alt\r\n"
    "Content-Type: text/plain; charset=UTF-8\r\n"
    "\r\n"
    "Plain.\r\n"
    "--alt\r\n"
    "Content-Type: text/html; charset=UTF-8\r\n"
    "Content-Disposition: inline\r\n"
    "\r\n"
    "<p>Plain.</p>\r\n"
    "--alt--\r\n";
  Fixture f = { 0, };
  g_autoptr(HyImapClient) other = NULL;
  g_autofree char *mailbox = g_strdup_printf ("Facts-%u", (guint) getpid ());
  g_autoptr(GDateTime) received = g_date_time_new_utc (2026, 1, 2, 3, 4, 5);
  g_autoptr(HyStoreMessage) first = NULL;
  g_autoptr(HyStoreMessage) second = NULL;
  g_autoptr(GError) error = NULL;
  HyStore *store;

  if (hy_test_skip_without_mailstack ())
    return;

  other = open_other_client ();
  create_and_fill (other, mailbox, 0, "unused");
  append_raw (other, mailbox, attached, flagged, received);
  append_raw (other, mailbox, forwarded, NULL, received);

  fixture_set_up (&f, "imap", g_getenv ("HY_TEST_ALICE_USER"), g_getenv ("HY_TEST_ALICE_PASSWORD"));
  sync_once (&f);
  g_assert_cmpuint (wait_total (find_folder (&f, mailbox), 2), ==, 2);
  store = hy_engine_get_store (f.engine, f.account);

  first = hy_store_get_message (store, find_by_subject (&f, "Facts with attachment"), &error);
  g_assert_no_error (error);
  g_assert_true (first->has_attachment);
  g_assert_cmpint (first->received, ==, g_date_time_to_unix (received));
  g_assert_cmpint (first->date, ==, 1767225600);
  g_assert_cmpuint (first->flags & (HY_STORE_FLAG_FLAGGED | HY_STORE_FLAG_SEEN), ==, HY_STORE_FLAG_FLAGGED);
  g_assert_cmpstr (first->keywords, ==, "$Work");
  g_assert_cmpstr (first->message_id, ==, "facts-2@example.org");
  g_assert_cmpstr (first->in_reply_to, ==, "<facts-1@example.org>");
  /* unfolded: the line break and the fold's tab become spaces */
  g_assert_cmpstr (first->references, ==, "<facts-0@example.org>   <facts-1@example.org>");
  g_assert_nonnull (strstr (first->from, "wang.fang@example.org"));
  g_assert_cmpint (first->size, >, 0);

  second = hy_store_get_message (store, find_by_subject (&f, "Facts with a forwarded note"), &error);
  g_assert_no_error (error);
  g_assert_false (second->has_attachment);
  g_assert_null (second->references);
  g_assert_cmpstr (second->message_id, ==, "facts-3@example.org");

  delete_mailbox (other, mailbox);
  fixture_tear_down (&f);
}

static void
test_body_on_demand (void)
{
  Fixture f = { 0, };
  g_autoptr(HyImapClient) other = NULL;
  g_autofree char *name = g_strdup_printf ("Old-%u", (guint) getpid ());
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GBytes) kept = NULL;
  HyFolder *folder;

  if (hy_test_skip_without_mailstack ())
    return;

  other = open_other_client ();
  {
    /* It arrived a month ago: older than the sync window of a week. */
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
    g_autoptr(GDateTime) old = g_date_time_add_days (now, -30);

    create_and_fill_dated (other, name, 1, "Not kept offline", old);
  }

  fixture_set_up (&f, "imap", g_getenv ("HY_TEST_ALICE_USER"), g_getenv ("HY_TEST_ALICE_PASSWORD"));
  sync_once (&f);
  folder = find_folder (&f, name);
  g_assert_nonnull (folder);
  ids = folder_ids (&f, folder);
  g_assert_cmpuint (ids->len, ==, 1);
  kept = hy_store_get_body (hy_engine_get_store (f.engine, f.account), g_array_index (ids, gint64, 0), &error);
  g_assert_error (error, HY_STORE_ERROR, HY_STORE_ERROR_NOT_FOUND);
  g_assert_null (kept);
  g_clear_error (&error);

  /* Opening it fetches the bytes from the server and keeps them. */
  HY_TEST_CALL (hy_engine_get_raw_async (f.engine, f.account, g_array_index (ids, gint64, 0), NULL, got_message, &result),
                result);
  raw = hy_engine_get_raw_finish (f.engine, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (g_bytes_get_data (raw, NULL), "Subject: =?UTF-8?B?"));
  kept = hy_store_get_body (hy_engine_get_store (f.engine, f.account), g_array_index (ids, gint64, 0), &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (raw, kept));

  delete_mailbox (other, name);
  fixture_tear_down (&f);
}

static void
test_flags_from_other_client (void)
{
  Fixture f = { 0, };
  g_autoptr(HyImapClient) other = NULL;
  g_autofree char *name = g_strdup_printf ("Flags-%u", (guint) getpid ());
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(HyImapStoreResult) stored_flags = NULL;
  g_autoptr(HyStoreMessage) first = NULL;
  g_autoptr(HyStoreMessage) second = NULL;
  static const char * const seen_flagged[] = { "\\Seen", "\\Flagged", NULL };
  static const char * const deleted[] = { "\\Deleted", NULL };
  gint64 id1, id2;
  HyFolder *folder;

  if (hy_test_skip_without_mailstack ())
    return;

  other = open_other_client ();
  create_and_fill (other, name, 3, "Flag me");
  fixture_set_up (&f, "imap", g_getenv ("HY_TEST_ALICE_USER"), g_getenv ("HY_TEST_ALICE_PASSWORD"));
  sync_once (&f);
  id1 = find_by_subject (&f, "Flag me 1");
  id2 = find_by_subject (&f, "Flag me 2");
  g_assert_cmpint (id1, !=, 0);
  g_assert_cmpint (id2, !=, 0);

  /* Another client reads and flags message 1 and deletes message 3. */
  HY_TEST_CALL (hy_imap_client_select_async (other, name, FALSE, 0, 0, NULL, NULL, hy_test_store_result, &result), result);
  selected = hy_imap_client_select_finish (other, result, &error);
  g_assert_no_error (error);
  HY_TEST_CALL (hy_imap_client_store_async (other, "1", HY_IMAP_STORE_ADD, seen_flagged, 0, NULL, hy_test_store_result, &result),
                result);
  g_clear_pointer (&stored_flags, hy_imap_store_result_free);
  stored_flags = hy_imap_client_store_finish (other, result, &error);
  g_assert_no_error (error);
  g_clear_pointer (&stored_flags, hy_imap_store_result_free);
  HY_TEST_CALL (hy_imap_client_store_async (other, "3", HY_IMAP_STORE_ADD, deleted, 0, NULL, hy_test_store_result, &result), result);
  stored_flags = hy_imap_client_store_finish (other, result, &error);
  g_assert_no_error (error);
  HY_TEST_CALL (hy_imap_client_expunge_async (other, NULL, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_imap_client_expunge_finish (other, result, &error));
  g_assert_no_error (error);

  sync_once (&f);
  first = hy_store_get_message (hy_engine_get_store (f.engine, f.account), id1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->flags & (HY_STORE_FLAG_SEEN | HY_STORE_FLAG_FLAGGED), ==,
                    HY_STORE_FLAG_SEEN | HY_STORE_FLAG_FLAGGED);
  second = hy_store_get_message (hy_engine_get_store (f.engine, f.account), id2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->flags & HY_STORE_FLAG_SEEN, ==, 0);
  g_assert_cmpint (find_by_subject (&f, "Flag me 3"), ==, 0);
  folder = find_folder (&f, name);
  g_assert_cmpuint (wait_total (folder, 2), ==, 2);
  g_assert_cmpuint (hy_folder_get_unread (folder), ==, 1);

  delete_mailbox (other, name);
  fixture_tear_down (&f);
}

static void
test_offline_changes_replayed (void)
{
  Fixture f = { 0, };
  g_autoptr(HyImapClient) other = NULL;
  g_autofree char *name = g_strdup_printf ("Offline-%u", (guint) getpid ());
  g_autofree char *dest = g_strdup_printf ("Offline-%u-dest", (guint) getpid ());
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyServerConfig) unreachable = NULL;
  g_autoptr(HyServerConfig) reachable = NULL;
  g_autoptr(HyStoreMessage) read = NULL;
  g_autoptr(GArray) moved = NULL;
  g_auto(GStrv) flags = NULL;
  gint64 ids[3];
  HyFolder *folder;
  HyFolder *destination;
  HyFolder *trash;

  if (hy_test_skip_without_mailstack ())
    return;

  other = open_other_client ();
  create_and_fill (other, name, 3, "Offline change");
  create_and_fill (other, dest, 0, "");
  fixture_set_up (&f, "imap", g_getenv ("HY_TEST_ALICE_USER"), g_getenv ("HY_TEST_ALICE_PASSWORD"));
  sync_once (&f);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *subject = g_strdup_printf ("Offline change %u", i + 1);

      ids[i] = find_by_subject (&f, subject);
      g_assert_cmpint (ids[i], !=, 0);
    }
  folder = find_folder (&f, name);
  destination = find_folder (&f, dest);
  g_assert_nonnull (destination);

  /* The server goes away (nothing listens on the port any more). */
  reachable = hy_server_config_copy (hy_account_get_incoming (f.account));
  unreachable = hy_server_config_copy (reachable);
  {
    g_autoptr(GSocketListener) listener = g_socket_listener_new ();
    guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

    g_assert_no_error (error);
    g_socket_listener_close (listener);
    unreachable->port = port;
  }
  hy_account_set_incoming (f.account, unreachable);
  HY_TEST_CALL (hy_engine_sync_async (f.engine, f.account, NULL, hy_test_store_result, &result), result);
  g_assert_false (hy_engine_sync_finish (f.engine, result, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_cmpint (hy_engine_get_sync_status (f.engine, f.account), ==, HY_SYNC_STATUS_OFFLINE);

  /* Changes made offline show at once. */
  HY_TEST_CALL (hy_engine_set_flags_async (f.engine, f.account, &ids[0], 1, HY_STORE_FLAG_SEEN, 0, NULL,
                                           hy_test_store_result, &result), result);
  g_assert_true (hy_engine_operation_finish (f.engine, result, &error));
  g_assert_no_error (error);
  HY_TEST_CALL (hy_engine_move_async (f.engine, f.account, &ids[1], 1, destination, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_engine_operation_finish (f.engine, result, &error));
  g_assert_no_error (error);
  trash = hy_engine_find_folder_by_role (f.engine, f.account, HY_FOLDER_ROLE_TRASH);
  HY_TEST_CALL (hy_engine_delete_async (f.engine, f.account, &ids[2], 1, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_engine_operation_finish (f.engine, result, &error));
  g_assert_no_error (error);

  read = hy_store_get_message (hy_engine_get_store (f.engine, f.account), ids[0], &error);
  g_assert_no_error (error);
  g_assert_cmpuint (read->flags & HY_STORE_FLAG_SEEN, ==, HY_STORE_FLAG_SEEN);
  moved = folder_ids (&f, destination);
  g_assert_cmpuint (moved->len, ==, 1);
  wait_total (folder, 1);
  g_assert_cmpuint (hy_folder_get_unread (folder), ==, 0);

  /* Nothing reached the server yet. */
  flags = server_flags (other, name, "Offline change 1");
  g_assert_nonnull (flags);
  g_assert_false (g_strv_contains ((const char * const *) flags, "\\Seen"));
  g_clear_pointer (&flags, g_strfreev);

  /* The server is back: the queue is replayed. */
  hy_account_set_incoming (f.account, reachable);
  sync_once (&f);
  flags = server_flags (other, name, "Offline change 1");
  g_assert_nonnull (flags);
  g_assert_true (g_strv_contains ((const char * const *) flags, "\\Seen"));
  g_assert_cmpuint (count_in (other, name), ==, 1);
  g_assert_cmpuint (count_in (other, dest), ==, 1);
  if (trash == NULL)
    g_assert_null (server_flags (other, name, "Offline change 3"));

  /* The moved message now has its server UID and is not duplicated. */
  g_clear_pointer (&moved, g_array_unref);
  moved = folder_ids (&f, destination);
  g_assert_cmpuint (moved->len, ==, 1);
  {
    g_autoptr(GArray) uids = hy_store_list_uids (hy_engine_get_store (f.engine, f.account),
                                                 hy_folder_get_id (destination), &error);

    g_assert_no_error (error);
    g_assert_cmpuint (uids->len, ==, 1);
  }

  delete_mailbox (other, name);
  delete_mailbox (other, dest);
  fixture_tear_down (&f);
}

static gboolean
send_to_alice (const char *subject)
{
  g_autoptr(HyConnection) conn = NULL;
  g_autoptr(HySmtpClient) smtp = NULL;
  g_autoptr(HySmtpEnvelope) envelope = NULL;
  g_autoptr(HySmtpSendResult) sent = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = make_message (subject, "New mail arrives within seconds.");
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (message);

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
  return sent->n_accepted == 1;
}

static void
test_idle_new_mail (void)
{
  Fixture f = { 0, };
  g_autofree char *subject = g_strdup_printf ("Arrives through IDLE %u", (guint) getpid ());
  HyFolder *inbox;
  gint64 start, end;
  gint64 found = 0;

  if (hy_test_skip_without_mailstack ())
    return;

  fixture_set_up (&f, "imap", g_getenv ("HY_TEST_ALICE_USER"), g_getenv ("HY_TEST_ALICE_PASSWORD"));
  sync_once (&f);
  inbox = hy_engine_find_folder_by_role (f.engine, f.account, HY_FOLDER_ROLE_INBOX);
  g_assert_nonnull (inbox);
  hy_engine_start (f.engine);

  /* Let the sync thread reach IDLE, then deliver. */
  end = g_get_monotonic_time () + G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (10000);
  f.new_mail = 0;
  g_assert_true (send_to_alice (subject));
  start = g_get_monotonic_time ();
  end = start + 20 * G_USEC_PER_SEC;
  while (found == 0 && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (20000);
      if (f.new_mail > 0)
        found = find_by_subject (&f, subject);
    }
  g_assert_cmpint (found, !=, 0);
  g_assert_cmpint (f.new_mail_folder, ==, hy_folder_get_id (inbox));
  g_test_message ("new mail seen %.2f s after the SMTP delivery", (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  fixture_tear_down (&f);
}

static void
test_pop3_account (void)
{
  Fixture f = { 0, };
  g_autoptr(GError) error = NULL;
  g_autofree char *subject = g_strdup_printf ("POP3 arrival %u", (guint) getpid ());
  g_autoptr(GArray) before = NULL;
  g_autoptr(GArray) after = NULL;
  g_autoptr(GArray) again = NULL;
  g_autoptr(GHashTable) msgids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  HyFolder *inbox;
  HyStore *store;
  gint64 id;

  if (hy_test_skip_without_mailstack ())
    return;

  fixture_set_up (&f, "pop3", g_getenv ("HY_TEST_ALICE_USER"), g_getenv ("HY_TEST_ALICE_PASSWORD"));
  sync_once (&f);
  store = hy_engine_get_store (f.engine, f.account);
  inbox = find_folder (&f, "INBOX");
  g_assert_nonnull (inbox);
  g_assert_cmpint (hy_folder_get_role (inbox), ==, HY_FOLDER_ROLE_INBOX);
  before = folder_ids (&f, inbox);

  g_assert_true (send_to_alice (subject));
  /* Delivery through the relay takes a moment. */
  for (int tries = 0; tries < 50 && (id = find_by_subject (&f, subject)) == 0; tries++)
    {
      g_usleep (200000);
      sync_once (&f);
    }
  g_assert_cmpint (id, !=, 0);
  after = folder_ids (&f, inbox);
  g_assert_cmpuint (after->len, >, before->len);

  /* Another pass downloads nothing twice; every message is whole. */
  sync_once (&f);
  again = folder_ids (&f, inbox);
  for (guint i = 0; i < again->len; i++)
    {
      g_autoptr(HyStoreMessage) message = hy_store_get_message (store, g_array_index (again, gint64, i), &error);
      g_autoptr(GBytes) body = NULL;

      g_assert_no_error (error);
      if (message->message_id != NULL)
        {
          g_assert_false (g_hash_table_contains (msgids, message->message_id));
          g_hash_table_add (msgids, g_strdup (message->message_id));
        }
      body = hy_store_get_body (store, message->id, &error);
      g_assert_no_error (error);
    }
  fixture_tear_down (&f);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/engine/sync/imap/folders-and-messages", test_sync_folders_and_messages);
  g_test_add_func ("/engine/sync/imap/header-facts", test_header_facts);
  g_test_add_func ("/engine/sync/imap/body-on-demand", test_body_on_demand);
  g_test_add_func ("/engine/sync/imap/flags-from-other-client", test_flags_from_other_client);
  g_test_add_func ("/engine/sync/imap/offline-changes-replayed", test_offline_changes_replayed);
  g_test_add_func ("/engine/sync/imap/idle-new-mail", test_idle_new_mail);
  g_test_add_func ("/engine/sync/pop3/new-by-uidl", test_pop3_account);
  return g_test_run ();
}
