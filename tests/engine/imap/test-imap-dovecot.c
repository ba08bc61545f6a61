/* test-imap-dovecot.c — HyImapClient against the fixture's Dovecot, over
 * implicit TLS and STARTTLS: folders (Chinese names), append, fetch, search,
 * flags, move, expunge, IDLE seeing mail delivered by SMTP
 *
 * Skips when HY_TEST_HOST is unset, unless HY_REQUIRE_MAILSTACK=1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <string.h>

#include "imap/hy-imap-client.h"
#include "imap/hy-imap-error.h"
#include "net/hy-net-error.h"
#include "smtp/hy-smtp-client.h"
#include "hy-test-util.h"

typedef struct {
  HyNetSecurity  security;
  const char    *suffix;
} Mode;

static const Mode tls_mode = { HY_NET_SECURITY_TLS, "tls" };
static const Mode starttls_mode = { HY_NET_SECURITY_STARTTLS, "starttls" };

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
wait_result (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
}

#define CALL(call_expr, result) G_STMT_START { \
  g_clear_object (&result); \
  call_expr; \
  wait_result (&result); \
} G_STMT_END

static HyImapClient *
open_client (const Mode *mode)
{
  g_autoptr(HyConnection) conn = NULL;
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *port = mode->security == HY_NET_SECURITY_TLS ? "HY_TEST_IMAPS_PORT" : "HY_TEST_IMAP_PORT";

  conn = hy_connection_new (g_getenv ("HY_TEST_HOST"), hy_test_env_port (port), mode->security);
  hy_connection_set_ca_file (conn, g_getenv ("HY_TEST_CA_FILE"));
  hy_connection_set_timeout (conn, 20);
  client = hy_imap_client_new (conn);

  CALL (hy_imap_client_connect_async (client, NULL, store_result, &result), result);
  g_assert_true (hy_imap_client_connect_finish (client, result, &error));
  g_assert_no_error (error);
  g_assert_true (hy_connection_is_encrypted (conn));

  CALL (hy_imap_client_login_async (client, g_getenv ("HY_TEST_ALICE_USER"),
                                    g_getenv ("HY_TEST_ALICE_PASSWORD"), FALSE, NULL,
                                    store_result, &result), result);
  g_assert_true (hy_imap_client_login_finish (client, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (hy_imap_client_get_state (client), ==, HY_IMAP_STATE_AUTHENTICATED);
  return g_steal_pointer (&client);
}

static void
close_client (HyImapClient *client)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  CALL (hy_imap_client_logout_async (client, NULL, store_result, &result), result);
  g_assert_true (hy_imap_client_logout_finish (client, result, &error));
  g_assert_no_error (error);
}

static GBytes *
make_message (const char *subject,
              const char *body)
{
  g_autofree char *text = g_strdup_printf ("From: Bob Chen <bob@example.org>\r\n"
                                           "To: Alice Wang <alice@example.org>\r\n"
                                           "Subject: %s\r\n"
                                           "Date: Fri, 27 Nov 2026 10:00:00 +0800\r\n"
                                           "Message-ID: <%s@hongyan.test>\r\n"
                                           "MIME-Version: 1.0\r\n"
                                           "Content-Type: text/plain; charset=utf-8\r\n"
                                           "Content-Transfer-Encoding: 8bit\r\n"
                                           "\r\n%s\r\n",
                                           subject, g_uuid_string_random (), body);

  return g_bytes_new_take (g_steal_pointer (&text), strlen (text));
}

static HyImapMailbox *
find_mailbox (GPtrArray  *mailboxes,
              const char *name)
{
  for (guint i = 0; i < mailboxes->len; i++)
    {
      HyImapMailbox *m = g_ptr_array_index (mailboxes, i);

      if (strcmp (m->name, name) == 0)
        return m;
    }
  return NULL;
}

static void
test_mailboxes_and_messages (gconstpointer data)
{
  const Mode *mode = data;
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) mailboxes = NULL;
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(GPtrArray) fetches = NULL;
  g_autoptr(HyImapSearch) search = NULL;
  g_autoptr(HyImapStoreResult) stored = NULL;
  g_autoptr(HyImapCopyResult) moved = NULL;
  g_autoptr(HyImapStatus) status = NULL;
  g_autoptr(GBytes) message = NULL;
  g_auto(GStrv) enabled = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *other = NULL;
  g_autofree char *uid_text = NULL;
  static const char * const seen[] = { "\\Seen", NULL };
  static const char * const flagged[] = { "\\Flagged", "$Project", NULL };
  static const char * const not_atom[] = { "$项目", NULL };
  static const char * const sections[] = { "", "HEADER.FIELDS (SUBJECT)", NULL };
  static const char * const want[] = { "CONDSTORE", "QRESYNC", NULL };
  guint32 uidvalidity = 0, uid = 0;
  HyImapMailbox *m;
  HyImapFetch *f;
  const HyImapFetchSection *s;
  gsize size;

  if (hy_test_skip_without_mailstack ())
    return;

  client = open_client (mode);
  g_assert_true (hy_imap_client_has_capability (client, "IMAP4rev1"));

  CALL (hy_imap_client_enable_async (client, want, NULL, store_result, &result), result);
  enabled = hy_imap_client_enable_finish (client, result, &error);
  g_assert_no_error (error);

  /* LIST with SPECIAL-USE and STATUS */
  CALL (hy_imap_client_list_async (client, "", "*", HY_IMAP_LIST_STATUS, NULL, store_result, &result), result);
  mailboxes = hy_imap_client_list_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (find_mailbox (mailboxes, "INBOX"));
  m = find_mailbox (mailboxes, "Sent");
  g_assert_nonnull (m);
  g_assert_true (hy_imap_mailbox_has_attribute (m, "\\Sent"));
  g_assert_nonnull (find_mailbox (mailboxes, "INBOX")->status);
  g_clear_pointer (&mailboxes, g_ptr_array_unref);

  /* a Chinese-named folder, created and listed back by its name */
  folder = g_strdup_printf ("项目/二〇二六年报告-%s", mode->suffix);
  other = g_strdup_printf ("归档-%s", mode->suffix);
  CALL (hy_imap_client_create_async (client, folder, NULL, store_result, &result), result);
  g_assert_true (hy_imap_client_mailbox_op_finish (client, result, &error));
  g_assert_no_error (error);
  CALL (hy_imap_client_create_async (client, other, NULL, store_result, &result), result);
  g_assert_true (hy_imap_client_mailbox_op_finish (client, result, &error));
  CALL (hy_imap_client_list_async (client, "", "*", 0, NULL, store_result, &result), result);
  mailboxes = hy_imap_client_list_finish (client, result, &error);
  g_assert_no_error (error);
  m = find_mailbox (mailboxes, folder);
  g_assert_nonnull (m);
  g_assert_true (g_str_has_prefix (m->raw_name, "&mHl27g-/"));
  g_clear_pointer (&mailboxes, g_ptr_array_unref);

  /* creating it again is refused, with the server's words */
  CALL (hy_imap_client_create_async (client, folder, NULL, store_result, &result), result);
  g_assert_false (hy_imap_client_mailbox_op_finish (client, result, &error));
  g_assert_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_REFUSED);
  g_clear_error (&error);

  /* APPEND with UIDPLUS */
  message = make_message ("=?UTF-8?B?5bm05bqm5oql5ZGK?=", "正文：第一季度");
  CALL (hy_imap_client_append_async (client, folder, message, seen, NULL, NULL, store_result, &result), result);
  g_assert_true (hy_imap_client_append_finish (client, result, &uidvalidity, &uid, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (uid, >, 0);
  g_assert_cmpuint (uidvalidity, >, 0);

  /* SELECT and FETCH everything */
  CALL (hy_imap_client_select_async (client, folder, FALSE, 0, 0, NULL, NULL, store_result, &result), result);
  selected = hy_imap_client_select_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (selected->exists, ==, 1);
  g_assert_cmpuint (selected->uidvalidity, ==, uidvalidity);
  g_assert_cmpuint (selected->highestmodseq, >, 0);

  uid_text = g_strdup_printf ("%u", uid);
  CALL (hy_imap_client_fetch_async (client, "1:*",
                                    HY_IMAP_FETCH_FLAGS | HY_IMAP_FETCH_INTERNALDATE | HY_IMAP_FETCH_SIZE |
                                    HY_IMAP_FETCH_ENVELOPE | HY_IMAP_FETCH_BODYSTRUCTURE | HY_IMAP_FETCH_MODSEQ,
                                    sections, 0, NULL, NULL, NULL, store_result, &result), result);
  fetches = hy_imap_client_fetch_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fetches->len, ==, 1);
  f = fetches->pdata[0];
  g_assert_cmpuint (f->uid, ==, uid);
  g_assert_true (hy_imap_fetch_has_flag (f, "\\Seen"));
  g_assert_cmpuint (f->size, ==, g_bytes_get_size (message));
  g_assert_cmpstr (f->envelope->subject, ==, "=?UTF-8?B?5bm05bqm5oql5ZGK?=");
  g_assert_cmpstr (((HyImapAddress *) f->envelope->from->pdata[0])->mailbox, ==, "bob");
  g_assert_cmpstr (f->body->type, ==, "text");
  g_assert_cmpstr (hy_imap_body_part_get_param (f->body, "charset"), ==, "utf-8");
  g_assert_cmpuint (f->modseq, >, 0);
  s = hy_imap_fetch_get_section (f, "");
  g_assert_nonnull (s);
  g_assert_true (g_bytes_equal (s->data, message));
  s = hy_imap_fetch_get_section (f, "HEADER.FIELDS (SUBJECT)");
  g_assert_nonnull (s);
  g_assert_true (g_str_has_prefix (g_bytes_get_data (s->data, &size), "Subject: "));
  g_clear_pointer (&fetches, g_ptr_array_unref);

  /* SEARCH, in Chinese (the body is 8-bit UTF-8) */
  CALL (hy_imap_client_search_async (client, "BODY 第一季度", NULL, store_result, &result), result);
  search = hy_imap_client_search_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (search->numbers->len, ==, 1);
  g_assert_cmpuint (g_array_index (search->numbers, guint32, 0), ==, uid);
  g_clear_pointer (&search, hy_imap_search_free);
  CALL (hy_imap_client_search_async (client, "UNSEEN", NULL, store_result, &result), result);
  search = hy_imap_client_search_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (search->numbers->len, ==, 0);

  /* keywords are atoms: one that is not is refused before it is sent */
  CALL (hy_imap_client_store_async (client, uid_text, HY_IMAP_STORE_ADD, not_atom, 0, NULL,
                                    store_result, &result), result);
  g_assert_null (hy_imap_client_store_finish (client, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* STORE with UNCHANGEDSINCE: a stale MODSEQ leaves the message alone */
  CALL (hy_imap_client_store_async (client, uid_text, HY_IMAP_STORE_ADD, flagged, 1, NULL,
                                    store_result, &result), result);
  stored = hy_imap_client_store_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (stored->modified);
  g_assert_true (hy_imap_seqset_contains ((HyImapRange *) stored->modified->data, stored->modified->len, uid));
  g_clear_pointer (&stored, hy_imap_store_result_free);
  CALL (hy_imap_client_store_async (client, uid_text, HY_IMAP_STORE_ADD, flagged, 0, NULL,
                                    store_result, &result), result);
  stored = hy_imap_client_store_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_null (stored->modified);
  g_assert_cmpuint (stored->fetches->len, ==, 1);
  g_assert_true (hy_imap_fetch_has_flag (stored->fetches->pdata[0], "\\Flagged"));
  g_assert_true (hy_imap_fetch_has_flag (stored->fetches->pdata[0], "$Project"));

  /* MOVE to another Chinese-named folder */
  CALL (hy_imap_client_move_async (client, uid_text, other, NULL, store_result, &result), result);
  moved = hy_imap_client_copy_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (moved->dest);
  g_assert_cmpuint (moved->uidvalidity, >, 0);
  CALL (hy_imap_client_status_async (client, other, HY_IMAP_STATUS_MESSAGES, NULL, store_result, &result), result);
  status = hy_imap_client_status_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status->messages, ==, 1);
  g_assert_cmpstr (status->name, ==, other);
  g_clear_pointer (&status, hy_imap_status_free);

  /* EXPUNGE: two messages, one marked \Deleted */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GBytes) extra = make_message ("extra", "x");

      CALL (hy_imap_client_append_async (client, folder, extra, NULL, NULL, NULL, store_result, &result), result);
      g_assert_true (hy_imap_client_append_finish (client, result, NULL, &uid, &error));
    }
  {
    static const char * const deleted[] = { "\\Deleted", NULL };
    g_autofree char *last = g_strdup_printf ("%u", uid);

    CALL (hy_imap_client_store_async (client, last, HY_IMAP_STORE_ADD, deleted, 0, NULL,
                                      store_result, &result), result);
    g_clear_pointer (&stored, hy_imap_store_result_free);
    stored = hy_imap_client_store_finish (client, result, &error);
    g_assert_no_error (error);
  }
  CALL (hy_imap_client_expunge_async (client, NULL, NULL, store_result, &result), result);
  g_assert_true (hy_imap_client_expunge_finish (client, result, &error));
  g_assert_no_error (error);
  CALL (hy_imap_client_status_async (client, folder, HY_IMAP_STATUS_MESSAGES, NULL, store_result, &result), result);
  status = hy_imap_client_status_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status->messages, ==, 1);

  /* RENAME and DELETE */
  {
    g_autofree char *renamed = g_strdup_printf ("%s-旧", other);

    CALL (hy_imap_client_rename_async (client, other, renamed, NULL, store_result, &result), result);
    g_assert_true (hy_imap_client_mailbox_op_finish (client, result, &error));
    g_assert_no_error (error);
    CALL (hy_imap_client_delete_async (client, renamed, NULL, store_result, &result), result);
    g_assert_true (hy_imap_client_mailbox_op_finish (client, result, &error));
    g_assert_no_error (error);
  }

  close_client (client);
  g_assert_cmpint (hy_imap_client_get_state (client), ==, HY_IMAP_STATE_LOGOUT);
}

/* QRESYNC: after a change, SELECT with the old MODSEQ reports what vanished
 * and what changed. */
static void
test_qresync (void)
{
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapSelectResult) first = NULL;
  g_autoptr(HyImapSelectResult) again = NULL;
  g_autoptr(HyImapStoreResult) stored = NULL;
  g_auto(GStrv) enabled = NULL;
  static const char * const want[] = { "QRESYNC", NULL };
  static const char * const deleted[] = { "\\Deleted", NULL };
  static const char * const answered[] = { "\\Answered", NULL };
  guint32 uids[3];
  g_autofree char *folder = g_strdup ("同步");

  if (hy_test_skip_without_mailstack ())
    return;

  client = open_client (&tls_mode);
  CALL (hy_imap_client_enable_async (client, want, NULL, store_result, &result), result);
  enabled = hy_imap_client_enable_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char * const *) enabled, "QRESYNC"));

  CALL (hy_imap_client_create_async (client, folder, NULL, store_result, &result), result);
  g_assert_true (hy_imap_client_mailbox_op_finish (client, result, &error));
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GBytes) msg = make_message ("sync", "x");

      CALL (hy_imap_client_append_async (client, folder, msg, NULL, NULL, NULL, store_result, &result), result);
      g_assert_true (hy_imap_client_append_finish (client, result, NULL, &uids[i], &error));
    }
  CALL (hy_imap_client_select_async (client, folder, FALSE, 0, 0, NULL, NULL, store_result, &result), result);
  first = hy_imap_client_select_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->exists, ==, 3);

  {
    g_autofree char *u0 = g_strdup_printf ("%u", uids[0]);
    g_autofree char *u1 = g_strdup_printf ("%u", uids[1]);

    CALL (hy_imap_client_store_async (client, u0, HY_IMAP_STORE_ADD, deleted, 0, NULL, store_result, &result), result);
    stored = hy_imap_client_store_finish (client, result, &error);
    g_assert_no_error (error);
    CALL (hy_imap_client_expunge_async (client, u0, NULL, store_result, &result), result);
    g_assert_true (hy_imap_client_expunge_finish (client, result, &error));
    g_assert_no_error (error);
    g_clear_pointer (&stored, hy_imap_store_result_free);
    CALL (hy_imap_client_store_async (client, u1, HY_IMAP_STORE_ADD, answered, 0, NULL, store_result, &result), result);
    stored = hy_imap_client_store_finish (client, result, &error);
    g_assert_no_error (error);
  }

  CALL (hy_imap_client_select_async (client, folder, TRUE, first->uidvalidity, first->highestmodseq,
                                     NULL, NULL, store_result, &result), result);
  again = hy_imap_client_select_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_true (again->read_only);
  g_assert_cmpuint (again->exists, ==, 2);
  g_assert_true (hy_imap_seqset_contains ((HyImapRange *) again->vanished->data, again->vanished->len, uids[0]));
  g_assert_cmpuint (again->changed->len, ==, 1);
  g_assert_cmpuint (((HyImapFetch *) again->changed->pdata[0])->uid, ==, uids[1]);
  g_assert_true (hy_imap_fetch_has_flag (again->changed->pdata[0], "\\Answered"));
  close_client (client);
}

static void
test_idle_sees_smtp (void)
{
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(HyImapClient) check = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) idle_result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(HyConnection) smtp_conn = NULL;
  g_autoptr(HySmtpClient) smtp = NULL;
  g_autoptr(HySmtpEnvelope) envelope = NULL;
  g_autoptr(HySmtpSendResult) sent = NULL;
  g_autoptr(GBytes) message = NULL;
  g_autoptr(GInputStream) stream = NULL;
  gboolean exists = FALSE;

  if (hy_test_skip_without_mailstack ())
    return;

  client = open_client (&starttls_mode);
  CALL (hy_imap_client_select_async (client, "INBOX", TRUE, 0, 0, NULL, NULL, store_result, &result), result);
  selected = hy_imap_client_select_finish (client, result, &error);
  g_assert_no_error (error);

  g_clear_object (&idle_result);
  hy_imap_client_idle_async (client, 30, NULL, store_result, &idle_result);

  /* Bob sends Alice a message over submission */
  smtp_conn = hy_connection_new (g_getenv ("HY_TEST_HOST"), hy_test_env_port ("HY_TEST_SUBMISSIONS_PORT"),
                                 HY_NET_SECURITY_TLS);
  hy_connection_set_ca_file (smtp_conn, g_getenv ("HY_TEST_CA_FILE"));
  smtp = hy_smtp_client_new (smtp_conn);
  CALL (hy_smtp_client_connect_async (smtp, NULL, store_result, &result), result);
  g_assert_true (hy_smtp_client_connect_finish (smtp, result, &error));
  g_assert_no_error (error);
  CALL (hy_smtp_client_authenticate_async (smtp, g_getenv ("HY_TEST_BOB_USER"), g_getenv ("HY_TEST_BOB_PASSWORD"),
                                           FALSE, NULL, store_result, &result), result);
  g_assert_true (hy_smtp_client_authenticate_finish (smtp, result, &error));
  g_assert_no_error (error);
  envelope = hy_smtp_envelope_new (g_getenv ("HY_TEST_BOB_ADDRESS"));
  hy_smtp_envelope_add_recipient (envelope, g_getenv ("HY_TEST_ALICE_ADDRESS"));
  message = make_message ("IDLE test", "hello");
  stream = g_memory_input_stream_new_from_bytes (message);
  CALL (hy_smtp_client_send_async (smtp, envelope, stream, NULL, store_result, &result), result);
  sent = hy_smtp_client_send_finish (smtp, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sent->n_accepted, ==, 1);

  /* IDLE ends on the change, with DONE and the server's OK */
  wait_result (&idle_result);
  changes = hy_imap_client_idle_finish (client, idle_result, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < changes->len; i++)
    {
      HyImapResponse *r = changes->pdata[i];

      if (r->data == HY_IMAP_DATA_EXISTS && r->number == selected->exists + 1)
        exists = TRUE;
    }
  g_assert_true (exists);
  g_assert_cmpint (hy_imap_client_get_state (client), ==, HY_IMAP_STATE_SELECTED);

  /* the session is in step after IDLE */
  CALL (hy_imap_client_noop_async (client, NULL, store_result, &result), result);
  g_assert_true (hy_imap_client_noop_finish (client, result, &error));
  g_assert_no_error (error);
  close_client (client);
}

/* ID, NAMESPACE, and the rest of a session over COMPRESS=DEFLATE */
static void
test_session_extensions (void)
{
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapNamespace) ns = NULL;
  g_autoptr(GPtrArray) mailboxes = NULL;
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(GPtrArray) fetches = NULL;
  g_auto(GStrv) server_id = NULL;
  static const char * const client_id[] = { "name", "Hongyan", "version", PACKAGE_VERSION, NULL };

  if (hy_test_skip_without_mailstack ())
    return;

  client = open_client (&starttls_mode);
  CALL (hy_imap_client_id_async (client, client_id, NULL, store_result, &result), result);
  server_id = hy_imap_client_id_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char * const *) server_id, "name"));

  CALL (hy_imap_client_namespace_async (client, NULL, store_result, &result), result);
  ns = hy_imap_client_namespace_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ns->personal->len, ==, 1);
  g_assert_cmpint (((HyImapNamespaceEntry *) ns->personal->pdata[0])->delimiter, ==, '/');

  if (!hy_imap_client_has_capability (client, "COMPRESS=DEFLATE"))
    {
      g_test_message ("the server does not offer COMPRESS=DEFLATE");
      close_client (client);
      return;
    }
  CALL (hy_imap_client_compress_async (client, NULL, store_result, &result), result);
  g_assert_true (hy_imap_client_compress_finish (client, result, &error));
  g_assert_no_error (error);

  CALL (hy_imap_client_list_async (client, "", "*", HY_IMAP_LIST_STATUS, NULL, store_result, &result), result);
  mailboxes = hy_imap_client_list_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (find_mailbox (mailboxes, "INBOX"));
  CALL (hy_imap_client_select_async (client, "INBOX", TRUE, 0, 0, NULL, NULL, store_result, &result), result);
  selected = hy_imap_client_select_finish (client, result, &error);
  g_assert_no_error (error);
  CALL (hy_imap_client_fetch_async (client, "1:*", HY_IMAP_FETCH_ENVELOPE, NULL, 0, NULL, NULL, NULL,
                                    store_result, &result), result);
  fetches = hy_imap_client_fetch_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fetches->len, ==, selected->exists);
  close_client (client);
}

static void
test_wrong_password (void)
{
  g_autoptr(HyConnection) conn = NULL;
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (hy_test_skip_without_mailstack ())
    return;

  conn = hy_connection_new (g_getenv ("HY_TEST_HOST"), hy_test_env_port ("HY_TEST_IMAPS_PORT"), HY_NET_SECURITY_TLS);
  hy_connection_set_ca_file (conn, g_getenv ("HY_TEST_CA_FILE"));
  client = hy_imap_client_new (conn);
  CALL (hy_imap_client_connect_async (client, NULL, store_result, &result), result);
  g_assert_true (hy_imap_client_connect_finish (client, result, &error));
  CALL (hy_imap_client_login_async (client, g_getenv ("HY_TEST_ALICE_USER"), "wrong password", FALSE, NULL,
                                    store_result, &result), result);
  g_assert_false (hy_imap_client_login_finish (client, result, &error));
  g_assert_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_AUTH_FAILED);
  g_assert_cmpint (hy_imap_client_get_state (client), ==, HY_IMAP_STATE_NOT_AUTHENTICATED);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/engine/imap/dovecot/tls/mailboxes-and-messages", &tls_mode,
                        test_mailboxes_and_messages);
  g_test_add_data_func ("/engine/imap/dovecot/starttls/mailboxes-and-messages", &starttls_mode,
                        test_mailboxes_and_messages);
  g_test_add_func ("/engine/imap/dovecot/qresync", test_qresync);
  g_test_add_func ("/engine/imap/dovecot/idle-sees-smtp", test_idle_sees_smtp);
  g_test_add_func ("/engine/imap/dovecot/session-extensions", test_session_extensions);
  g_test_add_func ("/engine/imap/dovecot/wrong-password", test_wrong_password);

  return g_test_run ();
}
