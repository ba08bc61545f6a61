/* test-imap-client.c — HyImapClient against scripted servers: the session,
 * pipelining, literals, IDLE, broken servers and every STARTTLS rule
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <string.h>

#include "imap/hy-imap-client.h"
#include "imap/hy-imap-error.h"
#include "net/hy-net-error.h"
#include "hy-test-server.h"

#define PASSWORD "s3cr3t-pw"

static HyImapClient *
client_for (HyTestServer  *server,
            HyNetSecurity  security)
{
  g_autoptr(HyConnection) conn = hy_connection_new ("127.0.0.1", hy_test_server_get_port (server), security);
  g_autofree char *ca = hy_test_cert_path ("ca");

  hy_connection_set_ca_file (conn, ca);
  hy_connection_set_timeout (conn, 5);
  hy_connection_set_allow_plaintext_auth (conn, security == HY_NET_SECURITY_NONE);
  return hy_imap_client_new (conn);
}

static gboolean
do_connect (HyImapClient *client,
            GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hy_imap_client_connect_async (client, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  return hy_imap_client_connect_finish (client, result, error);
}

static gboolean
do_login (HyImapClient *client,
          const char   *password,
          GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hy_imap_client_login_async (client, "alice", password, FALSE, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  return hy_imap_client_login_finish (client, result, error);
}

static HyImapSelectResult *
do_select (HyImapClient *client,
           const char   *mailbox,
           GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hy_imap_client_select_async (client, mailbox, FALSE, 0, 0, NULL, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  return hy_imap_client_select_finish (client, result, error);
}

static void
collect_trace (HyConnection *conn,
               const char   *direction,
               const char   *text,
               gpointer      data)
{
  g_string_append_printf (data, "%s: %s\n", direction, text);
}

static void
assert_no_credentials (HyTestServer *server)
{
  const char *received = hy_test_server_get_received (server);

  g_assert_null (strstr (received, PASSWORD));
  g_assert_null (strstr (received, "LOGIN"));
  g_assert_null (strstr (received, "AUTHENTICATE"));
}

/* A whole session over implicit TLS: greeting with capabilities, LOGIN,
 * SELECT, a FETCH with a literal, LOGOUT. */
static void
test_session (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) fetches = NULL;

  hy_test_server_start_tls (server, "server");
  hy_test_server_send (server, "* OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS] ready\r\n");
  hy_test_server_expect (server, "H1 LOGIN alice " PASSWORD);
  hy_test_server_send (server, "H1 OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS MOVE] Logged in\r\n");
  hy_test_server_expect (server, "H2 SELECT INBOX");
  hy_test_server_send (server,
                       "* FLAGS (\\Answered \\Seen)\r\n"
                       "* OK [PERMANENTFLAGS (\\Seen \\*)] Flags permitted.\r\n"
                       "* 2 EXISTS\r\n"
                       "* OK [UIDVALIDITY 1700000000] UIDs valid\r\n"
                       "* OK [UIDNEXT 12] Predicted next UID\r\n"
                       "H2 OK [READ-WRITE] Select completed.\r\n");
  hy_test_server_expect (server, "H3 UID FETCH 10:11 (UID FLAGS BODY.PEEK[HEADER])");
  /* the second response is malformed: a quoted string cannot hold CR LF */
  hy_test_server_send (server,
                       "* 1 FETCH (UID 10 FLAGS (\\Seen) BODY[HEADER] {20}\r\nSubject: a\r\nX: {5}\r\n\r\n)\r\n"
                       "* 2 FETCH (UID 11 FLAGS () BODY[HEADER] \"Subject: b\r\n\")\r\n");
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_TLS);
  do_connect (client, &error);
  g_assert_no_error (error);
  g_assert_cmpint (hy_imap_client_get_state (client), ==, HY_IMAP_STATE_NOT_AUTHENTICATED);
  g_assert_true (hy_imap_client_has_capability (client, "idle"));
  g_assert_true (do_login (client, PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_true (hy_imap_client_has_capability (client, "MOVE"));

  selected = do_select (client, "INBOX", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (selected->exists, ==, 2);
  g_assert_cmpuint (selected->uidvalidity, ==, 1700000000);
  g_assert_cmpuint (selected->uidnext, ==, 12);
  g_assert_false (selected->read_only);
  g_assert_cmpuint (g_strv_length (selected->permanent_flags), ==, 2);
  g_assert_cmpint (hy_imap_client_get_state (client), ==, HY_IMAP_STATE_SELECTED);

  {
    static const char * const sections[] = { "HEADER", NULL };

    hy_imap_client_fetch_async (client, "10:11", HY_IMAP_FETCH_FLAGS, sections, 0, NULL, NULL,
                                NULL, hy_test_store_result, &result);
    hy_test_wait_result (&result);
    fetches = hy_imap_client_fetch_finish (client, result, &error);
  }
  /* The second response is not valid IMAP (CR LF in a quoted string): the
   * client must report a protocol violation, not hang or crash. */
  g_assert_null (fetches);
  g_assert_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_PROTOCOL);
  g_assert_cmpint (hy_imap_client_get_state (client), ==, HY_IMAP_STATE_DISCONNECTED);
  hy_test_server_wait (server, NULL);
}

static void
test_fetch_literals (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) fetches = NULL;
  static const char * const sections[] = { "HEADER", "TEXT<0.4>", NULL };
  HyImapFetch *f;
  const HyImapFetchSection *s;

  hy_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1 CONDSTORE] welcome back\r\n");
  hy_test_server_expect (server, "H1 SELECT INBOX (CONDSTORE)");
  hy_test_server_send (server, "* 2 EXISTS\r\n* OK [HIGHESTMODSEQ 90] x\r\nH1 OK [READ-ONLY] done\r\n");
  hy_test_server_expect (server, "H2 UID FETCH 1:* (UID FLAGS MODSEQ BODY.PEEK[HEADER] BODY.PEEK[TEXT]<0.4>)");
  hy_test_server_send (server,
                       "* 1 FETCH (UID 10 MODSEQ (77) FLAGS (\\Seen) BODY[HEADER] {21}\r\n"
                       "Subject: {5}\r\n a)\r\n\r\n BODY[TEXT]<0> {4}\r\nab\r\n)\r\n"
                       /* an unsolicited FETCH without UID: not ours */
                       "* 2 FETCH (FLAGS (\\Deleted))\r\n"
                       "* 2 FETCH (UID 11 FLAGS () BODY[HEADER] {0}\r\n BODY[TEXT]<0> NIL)\r\n"
                       "H2 OK done\r\n");
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_NONE);
  do_connect (client, &error);
  g_assert_no_error (error);
  g_assert_cmpint (hy_imap_client_get_state (client), ==, HY_IMAP_STATE_AUTHENTICATED);
  selected = do_select (client, "INBOX", &error);
  g_assert_no_error (error);
  g_assert_true (selected->read_only);
  g_assert_cmpuint (selected->highestmodseq, ==, 90);

  hy_imap_client_fetch_async (client, "1:*", HY_IMAP_FETCH_FLAGS | HY_IMAP_FETCH_MODSEQ, sections, 0,
                              NULL, NULL, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  fetches = hy_imap_client_fetch_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fetches->len, ==, 2);
  f = fetches->pdata[0];
  g_assert_cmpuint (f->uid, ==, 10);
  g_assert_cmpuint (f->modseq, ==, 77);
  s = hy_imap_fetch_get_section (f, "HEADER");
  g_assert_nonnull (s);
  g_assert_cmpmem (g_bytes_get_data (s->data, NULL), g_bytes_get_size (s->data),
                   "Subject: {5}\r\n a)\r\n\r\n", 21);
  s = hy_imap_fetch_get_section (f, "TEXT");
  g_assert_cmpint (s->origin, ==, 0);
  g_assert_cmpuint (g_bytes_get_size (s->data), ==, 4);
  f = fetches->pdata[1];
  g_assert_cmpuint (f->uid, ==, 11);
  g_assert_cmpuint (g_bytes_get_size (hy_imap_fetch_get_section (f, "HEADER")->data), ==, 0);
  g_assert_null (hy_imap_fetch_get_section (f, "TEXT")->data);
  g_assert_true (hy_test_server_wait (server, &error));
}

/* Independent commands go out before the first answer comes back. */
static void
test_pipelining (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GAsyncResult) r3 = NULL;
  g_autoptr(HyImapStatus) s1 = NULL;
  g_autoptr(HyImapStatus) s2 = NULL;

  hy_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
  hy_test_server_expect (server, "H1 STATUS INBOX (MESSAGES UIDNEXT)");
  hy_test_server_expect (server, "H2 STATUS &U,BTFw- (MESSAGES UIDNEXT)");
  hy_test_server_expect (server, "H3 NOOP");
  /* answers out of order, as a server may */
  hy_test_server_send (server,
                       "* STATUS &U,BTFw- (MESSAGES 2 UIDNEXT 3)\r\n"
                       "H3 OK noop\r\n"
                       "* STATUS inbox (MESSAGES 7 UIDNEXT 8)\r\n"
                       "H2 OK s2\r\nH1 OK s1\r\n");
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_NONE);
  do_connect (client, &error);
  g_assert_no_error (error);
  hy_imap_client_status_async (client, "INBOX", HY_IMAP_STATUS_MESSAGES | HY_IMAP_STATUS_UIDNEXT,
                               NULL, hy_test_store_result, &r1);
  hy_imap_client_status_async (client, "台北", HY_IMAP_STATUS_MESSAGES | HY_IMAP_STATUS_UIDNEXT,
                               NULL, hy_test_store_result, &r2);
  hy_imap_client_noop_async (client, NULL, hy_test_store_result, &r3);
  hy_test_wait_result (&r1);
  hy_test_wait_result (&r2);
  hy_test_wait_result (&r3);
  g_assert_true (hy_imap_client_noop_finish (client, r3, &error));
  s1 = hy_imap_client_status_finish (client, r1, &error);
  g_assert_no_error (error);
  s2 = hy_imap_client_status_finish (client, r2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (s1->messages, ==, 7);
  g_assert_cmpstr (s2->name, ==, "台北");
  g_assert_cmpuint (s2->messages, ==, 2);
  g_assert_true (hy_test_server_wait (server, &error));
}

/* FETCHes of disjoint UID sets are pipelined and their interleaved results
 * go to the right caller; an overlapping one waits. */
static void
test_pipelined_fetches (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) sel = NULL;
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GAsyncResult) r3 = NULL;
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(GPtrArray) f1 = NULL;
  g_autoptr(GPtrArray) f2 = NULL;
  g_autoptr(GPtrArray) f3 = NULL;

  hy_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
  hy_test_server_expect (server, "H1 SELECT INBOX");
  hy_test_server_send (server, "H1 OK done\r\n");
  hy_test_server_expect (server, "H2 UID FETCH 1:2 (UID FLAGS)");
  hy_test_server_expect (server, "H3 UID FETCH 3,4 (UID FLAGS)");
  hy_test_server_send (server,
                       "* 3 FETCH (UID 3 FLAGS ())\r\n"
                       "* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n"
                       "* 4 FETCH (UID 4 FLAGS ())\r\n"
                       "H3 OK done\r\n"
                       "* 2 FETCH (UID 2 FLAGS ())\r\n"
                       "H2 OK done\r\n");
  /* 2:3 overlaps both: it went out only after both were answered */
  hy_test_server_expect (server, "H4 UID FETCH 2:3 (UID FLAGS)");
  hy_test_server_send (server, "* 2 FETCH (UID 2 FLAGS ())\r\n* 3 FETCH (UID 3 FLAGS ())\r\nH4 OK done\r\n");
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_NONE);
  do_connect (client, &error);
  g_assert_no_error (error);
  hy_imap_client_select_async (client, "INBOX", FALSE, 0, 0, NULL, NULL, hy_test_store_result, &sel);
  hy_imap_client_fetch_async (client, "1:2", HY_IMAP_FETCH_FLAGS, NULL, 0, NULL, NULL, NULL, hy_test_store_result, &r1);
  hy_imap_client_fetch_async (client, "3,4", HY_IMAP_FETCH_FLAGS, NULL, 0, NULL, NULL, NULL, hy_test_store_result, &r2);
  hy_imap_client_fetch_async (client, "2:3", HY_IMAP_FETCH_FLAGS, NULL, 0, NULL, NULL, NULL, hy_test_store_result, &r3);
  hy_test_wait_result (&r1);
  hy_test_wait_result (&r2);
  hy_test_wait_result (&r3);
  hy_test_wait_result (&sel);
  selected = hy_imap_client_select_finish (client, sel, &error);
  g_assert_no_error (error);
  f1 = hy_imap_client_fetch_finish (client, r1, &error);
  g_assert_no_error (error);
  f2 = hy_imap_client_fetch_finish (client, r2, &error);
  g_assert_no_error (error);
  f3 = hy_imap_client_fetch_finish (client, r3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f1->len, ==, 2);
  g_assert_cmpuint (((HyImapFetch *) f1->pdata[0])->uid, ==, 1);
  g_assert_cmpuint (((HyImapFetch *) f1->pdata[1])->uid, ==, 2);
  g_assert_cmpuint (f2->len, ==, 2);
  g_assert_cmpuint (((HyImapFetch *) f2->pdata[0])->uid, ==, 3);
  g_assert_cmpuint (((HyImapFetch *) f2->pdata[1])->uid, ==, 4);
  g_assert_cmpuint (f3->len, ==, 2);
  g_assert_true (hy_test_server_wait (server, &error));
}

/* A password that cannot be quoted goes as a literal: the client waits for
 * "+" before sending it, since the server has no LITERAL+. */
static void
test_login_literal (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) trace = g_string_new (NULL);
  const char *password = "pa\"ss 密码";

  hy_test_server_send (server, "* OK [CAPABILITY IMAP4rev1] hi\r\n");
  hy_test_server_expect (server, "H1 LOGIN alice {12}");
  hy_test_server_send (server, "+ go ahead\r\n");
  hy_test_server_expect (server, "pa\"ss 密码");
  hy_test_server_send (server, "H1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_NONE);
  hy_connection_set_trace (hy_imap_client_get_connection (client), TRUE);
  g_signal_connect (hy_imap_client_get_connection (client), "trace", G_CALLBACK (collect_trace), trace);
  do_connect (client, &error);
  g_assert_no_error (error);
  g_assert_false (do_login (client, password, &error));
  g_assert_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_AUTH_FAILED);
  /* the trace shows the command, never the password */
  g_assert_nonnull (strstr (trace->str, "H1 LOGIN ***"));
  g_assert_null (strstr (trace->str, "pa\"ss"));
  g_assert_nonnull (strstr (error->message, "Authentication failed."));
  g_assert_cmpint (hy_imap_client_get_state (client), ==, HY_IMAP_STATE_NOT_AUTHENTICATED);
  g_assert_true (hy_test_server_wait (server, &error));
}

/* AUTHENTICATE PLAIN with SASL-IR, and the SASL payload is what PLAIN says. */
static void
test_authenticate (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ir = g_base64_encode ((const guchar *) "\0alice\0" PASSWORD, 7 + strlen (PASSWORD));
  g_autofree char *expect = g_strdup_printf ("H1 AUTHENTICATE PLAIN %s", ir);
  g_autoptr(GString) trace = g_string_new (NULL);

  hy_test_server_send (server, "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] hi\r\n");
  hy_test_server_expect (server, expect);
  hy_test_server_send (server, "H1 OK done\r\n");
  hy_test_server_expect (server, "H2 CAPABILITY");
  hy_test_server_send (server, "* CAPABILITY IMAP4rev1 ENABLE\r\nH2 OK\r\n");
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_NONE);
  hy_connection_set_trace (hy_imap_client_get_connection (client), TRUE);
  g_signal_connect (hy_imap_client_get_connection (client), "trace", G_CALLBACK (collect_trace), trace);
  do_connect (client, &error);
  g_assert_no_error (error);
  g_assert_true (do_login (client, PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_true (hy_imap_client_has_capability (client, "ENABLE"));
  g_assert_nonnull (strstr (trace->str, "H1 AUTHENTICATE PLAIN ***"));
  g_assert_null (strstr (trace->str, ir));
  g_assert_false (hy_imap_client_has_capability (client, "AUTH=PLAIN"));
  g_assert_true (hy_test_server_wait (server, &error));
}

static void
test_idle (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  HyImapResponse *r;

  hy_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1 IDLE] hi\r\n");
  hy_test_server_expect (server, "H1 SELECT INBOX");
  hy_test_server_send (server, "* 1 EXISTS\r\nH1 OK done\r\n");
  hy_test_server_expect (server, "H2 IDLE");
  hy_test_server_send (server, "+ idling\r\n");
  hy_test_server_sleep (server, 200);
  /* another client marked a message read: a FETCH without UID */
  hy_test_server_send (server, "* 1 FETCH (FLAGS (\\Seen))\r\n");
  hy_test_server_expect (server, "DONE");
  hy_test_server_send (server, "* 2 EXISTS\r\nH2 OK Idle completed.\r\n");
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_NONE);
  do_connect (client, &error);
  g_assert_no_error (error);
  selected = do_select (client, "INBOX", &error);
  g_assert_no_error (error);
  hy_imap_client_idle_async (client, 30, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  changes = hy_imap_client_idle_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (changes->len, ==, 2);
  r = changes->pdata[0];
  g_assert_cmpint (r->data, ==, HY_IMAP_DATA_FETCH);
  g_assert_cmpuint (r->fetch->seq, ==, 1);
  g_assert_true (hy_imap_fetch_has_flag (r->fetch, "\\Seen"));
  r = changes->pdata[1];
  g_assert_cmpint (r->data, ==, HY_IMAP_DATA_EXISTS);
  g_assert_cmpuint (r->number, ==, 2);
  g_assert_cmpuint (hy_imap_client_get_exists (client), ==, 2);
  g_assert_true (hy_test_server_wait (server, &error));
}

/* IDLE with a timeout and no changes ends with DONE after the timeout. */
static void
test_idle_timeout (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  gint64 start;

  hy_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1 IDLE] hi\r\n");
  hy_test_server_expect (server, "H1 IDLE");
  hy_test_server_send (server, "+ idling\r\n");
  hy_test_server_expect (server, "DONE");
  hy_test_server_send (server, "H1 OK Idle completed.\r\n");
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_NONE);
  do_connect (client, &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  hy_imap_client_idle_async (client, 1, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  changes = hy_imap_client_idle_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (changes->len, ==, 0);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC * 9 / 10);
  g_assert_true (hy_test_server_wait (server, &error));
}

static gboolean
cancel_later (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

/* Cancelling IDLE ends it cleanly with DONE (the caller gets CANCELLED),
 * and the session goes on. */
static void
test_idle_cancel (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) noop = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  hy_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1 IDLE] hi\r\n");
  hy_test_server_expect (server, "H1 IDLE");
  hy_test_server_send (server, "+ idling\r\n");
  hy_test_server_expect (server, "DONE");
  hy_test_server_send (server, "H1 OK Idle completed.\r\n");
  hy_test_server_expect (server, "H2 NOOP");
  hy_test_server_send (server, "H2 OK\r\n");
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_NONE);
  do_connect (client, &error);
  g_assert_no_error (error);
  hy_imap_client_idle_async (client, 0, cancellable, hy_test_store_result, &result);
  g_timeout_add (300, cancel_later, cancellable);
  hy_test_wait_result (&result);
  changes = hy_imap_client_idle_finish (client, result, &error);
  g_assert_null (changes);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  hy_imap_client_noop_async (client, NULL, hy_test_store_result, &noop);
  hy_test_wait_result (&noop);
  g_assert_true (hy_imap_client_noop_finish (client, noop, &error));
  g_assert_no_error (error);
  g_assert_true (hy_test_server_wait (server, &error));
}

static void
test_disconnect_mid_fetch (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) after = NULL;
  g_autoptr(GPtrArray) fetches = NULL;
  static const char * const sections[] = { "", NULL };

  hy_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
  hy_test_server_expect (server, "H1 SELECT INBOX");
  hy_test_server_send (server, "H1 OK done\r\n");
  hy_test_server_expect (server, "H2 UID FETCH 1 (UID BODY.PEEK[])");
  hy_test_server_send (server, "* 1 FETCH (UID 1 BODY[] {1000}\r\nFrom: cut short\r\n");
  hy_test_server_close (server);
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_NONE);
  do_connect (client, &error);
  g_assert_no_error (error);
  selected = do_select (client, "INBOX", &error);
  g_assert_no_error (error);
  hy_imap_client_fetch_async (client, "1", 0, sections, 0, NULL, NULL, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  fetches = hy_imap_client_fetch_finish (client, result, &error);
  g_assert_null (fetches);
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_cmpint (hy_imap_client_get_state (client), ==, HY_IMAP_STATE_DISCONNECTED);

  /* later commands fail at once, with a reason */
  hy_imap_client_noop_async (client, NULL, hy_test_store_result, &after);
  hy_test_wait_result (&after);
  g_assert_false (hy_imap_client_noop_finish (client, after, &error));
  g_assert_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_STATE);
  hy_test_server_wait (server, NULL);
}

static void
test_bye (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  hy_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
  hy_test_server_expect (server, "H1 NOOP");
  hy_test_server_send (server, "* BYE Server shutting down\r\n");
  hy_test_server_close (server);
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_NONE);
  do_connect (client, &error);
  g_assert_no_error (error);
  hy_imap_client_noop_async (client, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  g_assert_false (hy_imap_client_noop_finish (client, result, &error));
  g_assert_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_BYE);
  g_assert_nonnull (strstr (error->message, "Server shutting down"));
  hy_test_server_wait (server, NULL);
}

static void
test_unknown_tag (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  hy_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
  hy_test_server_expect (server, "H1 NOOP");
  hy_test_server_send (server, "X99 OK what\r\n");
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_NONE);
  do_connect (client, &error);
  g_assert_no_error (error);
  hy_imap_client_noop_async (client, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  g_assert_false (hy_imap_client_noop_finish (client, result, &error));
  g_assert_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_PROTOCOL);
  hy_test_server_wait (server, NULL);
}

static void
test_timeout (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  hy_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
  hy_test_server_expect (server, "H1 NOOP");
  hy_test_server_sleep (server, 2500);
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_NONE);
  hy_connection_set_timeout (hy_imap_client_get_connection (client), 1);
  do_connect (client, &error);
  g_assert_no_error (error);
  hy_imap_client_noop_async (client, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  g_assert_false (hy_imap_client_noop_finish (client, result, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_TIMEOUT);
  hy_test_server_wait (server, NULL);
}

static void
test_cancel_queued (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GAsyncResult) r3 = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(HyImapSelectResult) sel = NULL;

  hy_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
  hy_test_server_expect (server, "H1 SELECT INBOX");
  hy_test_server_sleep (server, 300);
  hy_test_server_send (server, "H1 OK done\r\n");
  hy_test_server_expect (server, "H3 NOOP");
  hy_test_server_send (server, "H3 OK done\r\n");
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_NONE);
  do_connect (client, &error);
  g_assert_no_error (error);
  /* SELECT is exclusive, so the EXPUNGE waits behind it and can still be
   * withdrawn. */
  hy_imap_client_select_async (client, "INBOX", FALSE, 0, 0, NULL, NULL, hy_test_store_result, &r1);
  hy_imap_client_expunge_async (client, NULL, cancellable, hy_test_store_result, &r2);
  hy_imap_client_noop_async (client, NULL, hy_test_store_result, &r3);
  g_cancellable_cancel (cancellable);
  hy_test_wait_result (&r2);
  g_assert_false (hy_imap_client_expunge_finish (client, r2, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  hy_test_wait_result (&r1);
  sel = hy_imap_client_select_finish (client, r1, &error);
  g_assert_no_error (error);
  hy_test_wait_result (&r3);
  hy_imap_client_noop_finish (client, r3, &error);
  g_assert_no_error (error);
  g_assert_true (hy_test_server_wait (server, &error));
  g_assert_null (strstr (hy_test_server_get_received (server), "EXPUNGE"));
}

/* A large APPEND without LITERAL+ waits for "+" and then sends the whole
 * message; APPENDUID comes back. */
static void
test_append_sync_literal (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GString) message = g_string_new ("Subject: big\r\n\r\n");
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *expect = NULL;
  guint32 uidvalidity = 0, uid = 0;
  static const char * const flags[] = { "\\Seen", NULL };

  for (guint i = 0; i < 200; i++)
    g_string_append_printf (message, "line %03u of a message that is long enough to need a literal\r\n", i);
  g_string_append (message, "END");
  bytes = g_bytes_new (message->str, message->len);
  expect = g_strdup_printf ("H1 APPEND &g0l6Pw- (\\Seen) {%" G_GSIZE_FORMAT "}", message->len);

  hy_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1 UIDPLUS] hi\r\n");
  hy_test_server_expect (server, expect);
  hy_test_server_send (server, "+ Ready for literal data\r\n");
  hy_test_server_expect_until (server, "END");
  hy_test_server_send (server, "H1 OK [APPENDUID 7 42] Append completed.\r\n");
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_NONE);
  do_connect (client, &error);
  g_assert_no_error (error);
  hy_imap_client_append_async (client, "草稿", bytes, flags, NULL, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  g_assert_true (hy_imap_client_append_finish (client, result, &uidvalidity, &uid, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (uidvalidity, ==, 7);
  g_assert_cmpuint (uid, ==, 42);
  g_assert_true (hy_test_server_wait (server, &error));
  g_assert_nonnull (strstr (hy_test_server_get_received (server), "line 199 of a message"));
}

/* With UTF8=ACCEPT enabled, mailbox names travel as UTF-8, both ways. */
static void
test_utf8_accept (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) mailboxes = NULL;
  g_autoptr(HyImapStatus) status = NULL;
  g_auto(GStrv) enabled = NULL;
  static const char * const want[] = { "UTF8=ACCEPT", "QRESYNC", NULL };
  HyImapMailbox *m;

  hy_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1 ENABLE UTF8=ACCEPT] hi\r\n");
  /* QRESYNC is not offered, so it is not asked for */
  hy_test_server_expect (server, "H1 ENABLE UTF8=ACCEPT");
  hy_test_server_send (server, "* ENABLED UTF8=ACCEPT\r\nH1 OK enabled\r\n");
  hy_test_server_expect (server, "H2 LIST \"\" *");
  hy_test_server_send (server, "* LIST () \"/\" \"日本語/台北\"\r\n* LIST () \"/\" \"A&B\"\r\nH2 OK\r\n");
  hy_test_server_expect (server, "H3 STATUS \"日本語/台北\" (MESSAGES)");
  hy_test_server_send (server, "* STATUS \"日本語/台北\" (MESSAGES 4)\r\nH3 OK\r\n");
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_NONE);
  do_connect (client, &error);
  g_assert_no_error (error);
  hy_imap_client_enable_async (client, want, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  enabled = hy_imap_client_enable_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (enabled[0], ==, "UTF8=ACCEPT");
  g_clear_object (&result);

  hy_imap_client_list_async (client, "", "*", 0, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  mailboxes = hy_imap_client_list_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mailboxes->len, ==, 2);
  m = mailboxes->pdata[0];
  g_assert_cmpstr (m->name, ==, "日本語/台北");
  m = mailboxes->pdata[1];
  /* "&" is not an escape any more */
  g_assert_cmpstr (m->name, ==, "A&B");
  g_clear_object (&result);

  hy_imap_client_status_async (client, "日本語/台北", HY_IMAP_STATUS_MESSAGES, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  status = hy_imap_client_status_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status->messages, ==, 4);
  g_assert_true (hy_test_server_wait (server, &error));
}

/* A FETCH with a callback hands over each message as it arrives. */
static void
count_fetch (HyImapFetch *fetch,
             gpointer     data)
{
  GArray *uids = data;

  g_array_append_val (uids, fetch->uid);
}

static void
test_fetch_streaming (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) sel = NULL;
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(GPtrArray) fetches = NULL;
  g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GString) answer = g_string_new (NULL);

  for (guint i = 1; i <= 500; i++)
    g_string_append_printf (answer, "* %u FETCH (UID %u FLAGS (\\Seen))\r\n", i, i * 2);
  g_string_append (answer, "H2 OK done\r\n");

  hy_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
  hy_test_server_expect (server, "H1 SELECT INBOX");
  hy_test_server_send (server, "H1 OK done\r\n");
  hy_test_server_expect (server, "H2 UID FETCH 1:* (UID FLAGS)");
  hy_test_server_send (server, answer->str);
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_NONE);
  do_connect (client, &error);
  g_assert_no_error (error);
  /* queued behind the SELECT without waiting for it */
  hy_imap_client_select_async (client, "INBOX", FALSE, 0, 0, NULL, NULL, hy_test_store_result, &sel);
  hy_imap_client_fetch_async (client, "1:*", HY_IMAP_FETCH_FLAGS, NULL, 0, count_fetch, uids,
                              NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  fetches = hy_imap_client_fetch_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fetches->len, ==, 0);
  g_assert_cmpuint (uids->len, ==, 500);
  g_assert_cmpuint (g_array_index (uids, guint32, 499), ==, 1000);
  hy_test_wait_result (&sel);
  selected = hy_imap_client_select_finish (client, sel, &error);
  g_assert_no_error (error);
  g_assert_true (hy_test_server_wait (server, &error));
}

/* The header sync's FETCH read in place: each result of the command goes
 * to the callback; a FETCH that is not the command's goes out as an
 * untagged response, as before; a malformed one fails the command. */
static void
keep_view_uid (const HyImapFetchView *view,
               gpointer               data)
{
  GString *seen = data;
  const HyImapSectionView *refs = hy_imap_fetch_view_get_section (view, "HEADER.FIELDS (REFERENCES)");

  g_string_append_printf (seen, "%u:%s:%.*s;", view->uid, view->subject != NULL ? view->subject : "-",
                          refs != NULL ? (int) refs->len : 0, refs != NULL ? (const char *) refs->data : "");
}

static void
count_untagged_fetch (HyImapClient   *client,
                      HyImapResponse *response,
                      gpointer        data)
{
  if (response->data == HY_IMAP_DATA_FETCH)
    (*(guint *) data)++;
}

static void
test_fetch_views (void)
{
  static const char * const sections[] = { "HEADER.FIELDS (REFERENCES)", NULL };
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) sel = NULL;
  g_autoptr(GAsyncResult) bad = NULL;
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(GPtrArray) fetches = NULL;
  g_autoptr(GString) seen = g_string_new (NULL);
  guint untagged = 0;

  hy_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
  hy_test_server_expect (server, "H1 SELECT INBOX");
  hy_test_server_send (server, "H1 OK done\r\n");
  hy_test_server_expect (server, "H2 UID FETCH 1:5 (UID ENVELOPE BODY.PEEK[HEADER.FIELDS (REFERENCES)])");
  hy_test_server_send (server,
                       "* 1 FETCH (UID 1 ENVELOPE (NIL \"one\" NIL NIL NIL NIL NIL NIL NIL NIL) "
                       "BODY[HEADER.FIELDS (REFERENCES)] {17}\r\nReferences: <a>\r\n)\r\n"
                       "* 9 FETCH (FLAGS (\\Deleted))\r\n"
                       "* 3 EXISTS\r\n"
                       "* 7 FETCH (UID 70 FLAGS ())\r\n"
                       "* 2 FETCH (BODY[HEADER.FIELDS (REFERENCES)] NIL ENVELOPE (NIL {3}\r\ntwo NIL NIL NIL NIL NIL NIL NIL NIL) UID 2)\r\n"
                       "H2 OK done\r\n");
  hy_test_server_expect (server, "H3 UID FETCH 1:5 (UID BODYSTRUCTURE)");
  hy_test_server_send (server, "* 1 FETCH (UID 1 BODYSTRUCTURE ())\r\nH3 OK done\r\n");
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_NONE);
  g_signal_connect (client, "untagged", G_CALLBACK (count_untagged_fetch), &untagged);
  do_connect (client, &error);
  g_assert_no_error (error);
  hy_imap_client_select_async (client, "INBOX", FALSE, 0, 0, NULL, NULL, hy_test_store_result, &sel);
  hy_imap_client_fetch_views_async (client, "1:5", HY_IMAP_FETCH_ENVELOPE, sections, 0, keep_view_uid, seen,
                                    NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  fetches = hy_imap_client_fetch_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fetches->len, ==, 0);
  g_assert_cmpstr (seen->str, ==, "1:one:References: <a>\r\n;2:two:;");
  /* without a UID, or outside the set: not the command's */
  g_assert_cmpuint (untagged, ==, 2);
  g_assert_cmpuint (hy_imap_client_get_exists (client), ==, 3);
  hy_test_wait_result (&sel);
  selected = hy_imap_client_select_finish (client, sel, &error);
  g_assert_no_error (error);

  hy_imap_client_fetch_views_async (client, "1:5", HY_IMAP_FETCH_BODYSTRUCTURE, NULL, 0, keep_view_uid, seen,
                                    NULL, hy_test_store_result, &bad);
  hy_test_wait_result (&bad);
  g_clear_pointer (&fetches, g_ptr_array_unref);
  fetches = hy_imap_client_fetch_finish (client, bad, &error);
  g_assert_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_PROTOCOL);
  g_assert_null (fetches);
  g_assert_cmpstr (seen->str, ==, "1:one:References: <a>\r\n;2:two:;");
  g_clear_error (&error);
  hy_test_server_wait (server, &error);
}

/* ---- STARTTLS ------------------------------------------------------------ */

static void
count_alert (HyImapClient *client,
             const char   *text,
             gpointer      data)
{
  (*(guint *) data)++;
}

static void
test_starttls_ok (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  guint alerts = 0;

  hy_test_server_send (server, "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED X-EVIL] hi\r\n");
  hy_test_server_expect (server, "H1 STARTTLS");
  hy_test_server_send (server, "* OK [ALERT] Untrusted alert\r\n* CAPABILITY IMAP4rev1 X-INJECTED\r\nH1 OK Begin TLS\r\n");
  hy_test_server_start_tls (server, "server");
  hy_test_server_expect (server, "H2 CAPABILITY");
  hy_test_server_send (server, "* OK [ALERT] Trusted alert\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR\r\nH2 OK\r\n");
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_STARTTLS);
  g_signal_connect (client, "alert", G_CALLBACK (count_alert), &alerts);
  do_connect (client, &error);
  g_assert_no_error (error);
  g_assert_true (hy_connection_is_encrypted (hy_imap_client_get_connection (client)));
  g_assert_true (hy_imap_client_has_capability (client, "AUTH=PLAIN"));
  g_assert_false (hy_imap_client_has_capability (client, "X-EVIL"));
  g_assert_false (hy_imap_client_has_capability (client, "X-INJECTED"));
  g_assert_false (hy_imap_client_has_capability (client, "LOGINDISABLED"));
  /* the alert sent before TLS is dropped, the one after it is shown */
  g_assert_cmpuint (alerts, ==, 1);
  g_assert_true (hy_test_server_wait (server, &error));
}

static void
test_starttls_stripped (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  hy_test_server_send (server, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n");
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_STARTTLS);
  g_assert_false (do_connect (client, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_STARTTLS_UNAVAILABLE);
  g_clear_error (&error);
  /* and a login attempt afterwards sends nothing either */
  hy_imap_client_login_async (client, "alice", PASSWORD, FALSE, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  g_assert_false (hy_imap_client_login_finish (client, result, &error));
  hy_test_server_wait (server, NULL);
  assert_no_credentials (server);
  g_assert_null (strstr (hy_test_server_get_received (server), "STARTTLS"));
}

static void
test_starttls_stripped_capability (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;

  /* no capabilities in the greeting: the client asks, and the answer lacks
   * STARTTLS */
  hy_test_server_send (server, "* OK hi\r\n");
  hy_test_server_expect (server, "H1 CAPABILITY");
  hy_test_server_send (server, "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nH1 OK\r\n");
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_STARTTLS);
  g_assert_false (do_connect (client, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_STARTTLS_UNAVAILABLE);
  hy_test_server_wait (server, NULL);
  assert_no_credentials (server);
}

static void
test_starttls_refused (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;

  hy_test_server_send (server, "* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n");
  hy_test_server_expect (server, "H1 STARTTLS");
  hy_test_server_send (server, "H1 NO TLS not available today\r\n");
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_STARTTLS);
  g_assert_false (do_connect (client, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_STARTTLS_REFUSED);
  hy_test_server_wait (server, NULL);
  assert_no_credentials (server);
}

static void
test_starttls_injection (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;

  hy_test_server_send (server, "* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n");
  hy_test_server_expect (server, "H1 STARTTLS");
  /* the tagged OK and an injected response in one segment */
  hy_test_server_send (server, "H1 OK Begin TLS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n");
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_STARTTLS);
  g_assert_false (do_connect (client, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_STARTTLS_INJECTION);
  hy_test_server_wait (server, NULL);
  assert_no_credentials (server);
}

static void
test_starttls_preauth (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;

  hy_test_server_send (server, "* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] logged in already\r\n");
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_STARTTLS);
  g_assert_false (do_connect (client, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_STARTTLS_UNAVAILABLE);
  g_assert_cmpint (hy_imap_client_get_state (client), ==, HY_IMAP_STATE_DISCONNECTED);
  hy_test_server_wait (server, NULL);
  g_assert_cmpuint (hy_test_server_get_received_length (server), ==, 0);
}

static void
test_starttls_bad_certificate (void)
{
  static const char * const certs[] = { "selfsigned", "wronghost", "expired" };

  for (guint i = 0; i < G_N_ELEMENTS (certs); i++)
    {
      g_autoptr(HyTestServer) server = hy_test_server_new ();
      g_autoptr(HyImapClient) client = NULL;
      g_autoptr(GError) error = NULL;

      hy_test_server_send (server, "* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] hi\r\n");
      hy_test_server_expect (server, "H1 STARTTLS");
      hy_test_server_send (server, "H1 OK Begin TLS\r\n");
      hy_test_server_start_tls (server, certs[i]);
      hy_test_server_run (server);

      client = client_for (server, HY_NET_SECURITY_STARTTLS);
      g_assert_false (do_connect (client, &error));
      g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_CERTIFICATE);
      hy_test_server_wait (server, NULL);
      assert_no_credentials (server);
    }
}

static void
test_plaintext_refused (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;

  hy_test_server_send (server, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n");
  hy_test_server_run (server);

  client = client_for (server, HY_NET_SECURITY_NONE);
  hy_connection_set_allow_plaintext_auth (hy_imap_client_get_connection (client), FALSE);
  do_connect (client, &error);
  g_assert_no_error (error);
  g_assert_false (do_login (client, PASSWORD, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_PLAINTEXT_AUTH);
  hy_test_server_wait (server, NULL);
  assert_no_credentials (server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/imap/client/session", test_session);
  g_test_add_func ("/engine/imap/client/fetch-literals", test_fetch_literals);
  g_test_add_func ("/engine/imap/client/pipelining", test_pipelining);
  g_test_add_func ("/engine/imap/client/pipelined-fetches", test_pipelined_fetches);
  g_test_add_func ("/engine/imap/client/login-literal", test_login_literal);
  g_test_add_func ("/engine/imap/client/authenticate", test_authenticate);
  g_test_add_func ("/engine/imap/client/idle", test_idle);
  g_test_add_func ("/engine/imap/client/idle-timeout", test_idle_timeout);
  g_test_add_func ("/engine/imap/client/idle-cancel", test_idle_cancel);
  g_test_add_func ("/engine/imap/client/disconnect-mid-fetch", test_disconnect_mid_fetch);
  g_test_add_func ("/engine/imap/client/bye", test_bye);
  g_test_add_func ("/engine/imap/client/unknown-tag", test_unknown_tag);
  g_test_add_func ("/engine/imap/client/timeout", test_timeout);
  g_test_add_func ("/engine/imap/client/cancel-queued", test_cancel_queued);
  g_test_add_func ("/engine/imap/client/append-sync-literal", test_append_sync_literal);
  g_test_add_func ("/engine/imap/client/utf8-accept", test_utf8_accept);
  g_test_add_func ("/engine/imap/client/fetch-streaming", test_fetch_streaming);
  g_test_add_func ("/engine/imap/client/fetch-views", test_fetch_views);
  g_test_add_func ("/engine/imap/client/starttls/ok", test_starttls_ok);
  g_test_add_func ("/engine/imap/client/starttls/stripped", test_starttls_stripped);
  g_test_add_func ("/engine/imap/client/starttls/stripped-capability", test_starttls_stripped_capability);
  g_test_add_func ("/engine/imap/client/starttls/refused", test_starttls_refused);
  g_test_add_func ("/engine/imap/client/starttls/injection", test_starttls_injection);
  g_test_add_func ("/engine/imap/client/starttls/preauth", test_starttls_preauth);
  g_test_add_func ("/engine/imap/client/starttls/bad-certificate", test_starttls_bad_certificate);
  g_test_add_func ("/engine/imap/client/plaintext-refused", test_plaintext_refused);

  return g_test_run ();
}
