/* test-pop3-client.c — the POP3 client against scripted servers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <string.h>

#include "net/hy-net-error.h"
#include "pop3/hy-pop3-client.h"
#include "pop3/hy-pop3-error.h"
#include "hy-test-server.h"

#define PASSWORD "tanstaaf"

static HyPop3Client *
make_client (HyTestServer  *server,
             HyNetSecurity  security)
{
  g_autoptr(HyConnection) conn = hy_connection_new ("127.0.0.1", hy_test_server_get_port (server),
                                                    security);
  g_autofree char *ca = hy_test_cert_path ("ca");

  hy_connection_set_ca_file (conn, ca);
  hy_connection_set_timeout (conn, 20);
  return hy_pop3_client_new (conn);
}

#define RUN(call, finish_expr)                                   \
  G_STMT_START {                                                 \
    g_autoptr(GAsyncResult) result = NULL;                       \
    call;                                                        \
    hy_test_wait_result (&result);                               \
    finish_expr;                                                 \
  } G_STMT_END

static gboolean
do_connect (HyPop3Client *client,
            GError      **error)
{
  gboolean ok = FALSE;

  RUN (hy_pop3_client_connect_async (client, NULL, hy_test_store_result, &result),
       ok = hy_pop3_client_connect_finish (client, result, error));
  return ok;
}

static gboolean
do_auth (HyPop3Client *client,
         GError      **error)
{
  gboolean ok = FALSE;

  RUN (hy_pop3_client_authenticate_async (client, "mrose", PASSWORD, FALSE, NULL,
                                          hy_test_store_result, &result),
       ok = hy_pop3_client_authenticate_finish (client, result, error));
  return ok;
}

static void
check_no_credentials (HyTestServer *server)
{
  const char *received = hy_test_server_get_received (server);

  g_assert_null (strstr (received, "USER"));
  g_assert_null (strstr (received, "PASS"));
  g_assert_null (strstr (received, "APOP"));
  g_assert_null (strstr (received, "AUTH"));
  g_assert_null (strstr (received, PASSWORD));
}

static void
test_session (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyPop3Client) client = make_client (server, HY_NET_SECURITY_STARTTLS);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GPtrArray) uidl = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) top = g_memory_output_stream_new_resizable ();
  const guint dele[] = { 1, 2 };
  guint count = 0;
  guint64 size = 0, got = 0;
  gboolean ok = FALSE;

  hy_test_server_send (server, "+OK POP3 ready <1896.697170952@dbc.mtview.ca.us>\r\n");
  hy_test_server_expect (server, "CAPA");
  hy_test_server_send (server, "+OK\r\nSTLS\r\nX-BEFORE-TLS\r\n.\r\n");
  hy_test_server_expect (server, "STLS");
  hy_test_server_send (server, "+OK begin TLS\r\n");
  hy_test_server_start_tls (server, "server");
  hy_test_server_expect (server, "CAPA");
  hy_test_server_send (server, "+OK\r\nUSER\r\nUIDL\r\nTOP\r\nPIPELINING\r\n.\r\n");
  hy_test_server_expect (server, "USER mrose");
  hy_test_server_send (server, "+OK\r\n");
  hy_test_server_expect (server, "PASS " PASSWORD);
  hy_test_server_send (server, "+OK maildrop has 2 messages\r\n");
  hy_test_server_expect (server, "STAT");
  hy_test_server_send (server, "+OK 2 320\r\n");
  hy_test_server_expect (server, "LIST");
  hy_test_server_send (server, "+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n");
  hy_test_server_expect (server, "UIDL");
  hy_test_server_send (server, "+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n.\r\n");
  hy_test_server_expect (server, "RETR 1");
  hy_test_server_send (server, "+OK 120 octets\r\nSubject: hi\r\n\r\n..leading dot\r\n...\r\nend\r\n.\r\n");
  hy_test_server_expect (server, "TOP 2 0");
  hy_test_server_send (server, "+OK\r\nSubject: two\r\n\r\n.\r\n");
  hy_test_server_expect (server, "NOOP");
  hy_test_server_send (server, "+OK\r\n");
  hy_test_server_expect (server, "RSET");
  hy_test_server_send (server, "-ERR [SYS/TEMP] try again\r\n");
  hy_test_server_expect (server, "DELE 1");
  hy_test_server_expect (server, "DELE 2");
  hy_test_server_send (server, "+OK deleted\r\n+OK deleted\r\n");
  hy_test_server_expect (server, "QUIT");
  hy_test_server_send (server, "+OK bye\r\n");
  hy_test_server_run (server);

  g_assert_true (do_connect (client, &error));
  g_assert_no_error (error);
  g_assert_true (hy_connection_is_encrypted (hy_pop3_client_get_connection (client)));
  g_assert_false (hy_pop3_client_has_capability (client, "X-BEFORE-TLS"));
  g_assert_false (hy_pop3_client_has_capability (client, "STLS"));
  g_assert_true (hy_pop3_client_has_capability (client, "uidl"));
  /* No APOP after STLS: the timestamp came before TLS. */
  g_assert_true (do_auth (client, &error));

  RUN (hy_pop3_client_stat_async (client, NULL, hy_test_store_result, &result),
       ok = hy_pop3_client_stat_finish (client, result, &count, &size, &error));
  g_assert_true (ok);
  g_assert_cmpuint (count, ==, 2);
  g_assert_cmpuint (size, ==, 320);

  RUN (hy_pop3_client_list_async (client, NULL, hy_test_store_result, &result),
       list = hy_pop3_client_list_finish (client, result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpuint (((HyPop3Listing *) g_ptr_array_index (list, 1))->size, ==, 200);

  RUN (hy_pop3_client_uidl_async (client, NULL, hy_test_store_result, &result),
       uidl = hy_pop3_client_uidl_finish (client, result, &error));
  g_assert_cmpstr (((HyPop3Listing *) g_ptr_array_index (uidl, 1))->uid, ==, "QhdPYR:00WBw1Ph7x7");

  RUN (hy_pop3_client_retr_async (client, 1, out, NULL, hy_test_store_result, &result),
       ok = hy_pop3_client_retr_finish (client, result, &got, &error));
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpmem (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                   g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                   "Subject: hi\r\n\r\n.leading dot\r\n..\r\nend\r\n", 38);
  g_assert_cmpuint (got, ==, 38);

  RUN (hy_pop3_client_top_async (client, 2, 0, top, NULL, hy_test_store_result, &result),
       ok = hy_pop3_client_retr_finish (client, result, NULL, &error));
  g_assert_true (ok);

  RUN (hy_pop3_client_noop_async (client, NULL, hy_test_store_result, &result),
       ok = hy_pop3_client_simple_finish (client, result, &error));
  g_assert_true (ok);
  RUN (hy_pop3_client_rset_async (client, NULL, hy_test_store_result, &result),
       ok = hy_pop3_client_simple_finish (client, result, &error));
  g_assert_false (ok);
  g_assert_error (error, HY_POP3_ERROR, HY_POP3_ERROR_TEMPORARY);
  g_clear_error (&error);
  RUN (hy_pop3_client_dele_async (client, dele, 2, NULL, hy_test_store_result, &result),
       ok = hy_pop3_client_dele_finish (client, result, &error));
  g_assert_no_error (error);
  RUN (hy_pop3_client_quit_async (client, NULL, hy_test_store_result, &result),
       ok = hy_pop3_client_quit_finish (client, result, &error));
  g_assert_no_error (error);

  g_assert_true (hy_test_server_wait (server, &error));
  g_assert_no_error (error);
  /* Pipelined: both DELE commands arrived together. */
  g_assert_nonnull (strstr (hy_test_server_get_received (server), "DELE 1\r\nDELE 2\r\n"));
}

static void
test_stls_stripped (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyPop3Client) client = make_client (server, HY_NET_SECURITY_STARTTLS);
  g_autoptr(GError) error = NULL;

  hy_test_server_send (server, "+OK ready <1.2@host>\r\n");
  hy_test_server_expect (server, "CAPA");
  hy_test_server_send (server, "+OK\r\nUSER\r\nSASL PLAIN\r\n.\r\n");
  hy_test_server_run (server);

  g_assert_false (do_connect (client, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_STARTTLS_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_false (do_auth (client, &error));
  g_clear_object (&client);
  hy_test_server_wait (server, NULL);
  check_no_credentials (server);
}

static void
test_stls_injection (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyPop3Client) client = make_client (server, HY_NET_SECURITY_STARTTLS);
  g_autoptr(GError) error = NULL;

  hy_test_server_send (server, "+OK ready\r\n");
  hy_test_server_expect (server, "CAPA");
  hy_test_server_send (server, "+OK\r\nSTLS\r\n.\r\n");
  hy_test_server_expect (server, "STLS");
  hy_test_server_send (server, "+OK go\r\n+OK injected\r\n");
  hy_test_server_run (server);

  g_assert_false (do_connect (client, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_STARTTLS_INJECTION);
  g_clear_object (&client);
  hy_test_server_wait (server, NULL);
  check_no_credentials (server);
}

static void
test_apop_and_in_use (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyPop3Client) client = make_client (server, HY_NET_SECURITY_NONE);
  g_autoptr(GError) error = NULL;

  /* RFC 1939 section 7 example; CAPA unsupported. */
  hy_test_server_send (server, "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n");
  hy_test_server_expect (server, "CAPA");
  hy_test_server_send (server, "-ERR unknown command\r\n");
  hy_test_server_expect (server, "APOP mrose c4c9334bac560ecc979e58001b3e22fb");
  hy_test_server_send (server, "-ERR [IN-USE] mailbox locked\r\n");
  hy_test_server_run (server);

  g_assert_true (do_connect (client, &error));
  g_assert_cmpuint (g_hash_table_size (hy_pop3_client_get_capabilities (client)), ==, 0);
  /* Not without explicit permission on a plain connection. */
  g_assert_false (do_auth (client, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_PLAINTEXT_AUTH);
  g_clear_error (&error);

  hy_connection_set_allow_plaintext_auth (hy_pop3_client_get_connection (client), TRUE);
  g_assert_false (do_auth (client, &error));
  g_assert_error (error, HY_POP3_ERROR, HY_POP3_ERROR_IN_USE);
  g_clear_object (&client);
  g_assert_true (hy_test_server_wait (server, NULL));
  g_assert_null (strstr (hy_test_server_get_received (server), PASSWORD));
}

static void
test_sasl_rejected (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyPop3Client) client = make_client (server, HY_NET_SECURITY_TLS);
  g_autoptr(GError) error = NULL;

  hy_test_server_start_tls (server, "server");
  hy_test_server_send (server, "+OK ready\r\n");
  hy_test_server_expect (server, "CAPA");
  hy_test_server_send (server, "+OK\r\nSASL LOGIN\r\nUSER\r\n.\r\n");
  hy_test_server_expect (server, "AUTH LOGIN");
  hy_test_server_send (server, "+ VXNlcm5hbWU6\r\n");
  hy_test_server_expect (server, "bXJvc2U=");
  hy_test_server_send (server, "+ UGFzc3dvcmQ6\r\n");
  hy_test_server_expect (server, "dGFuc3RhYWY=");
  hy_test_server_send (server, "-ERR [AUTH] invalid credentials\r\n");
  hy_test_server_run (server);

  g_assert_true (do_connect (client, &error));
  g_assert_false (do_auth (client, &error));
  g_assert_error (error, HY_POP3_ERROR, HY_POP3_ERROR_AUTH_FAILED);
  g_assert_nonnull (strstr (error->message, "invalid credentials"));
  g_clear_object (&client);
  g_assert_true (hy_test_server_wait (server, NULL));
}

static void
test_disconnect_in_retr (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyPop3Client) client = make_client (server, HY_NET_SECURITY_NONE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GPtrArray) list = NULL;
  gboolean ok = TRUE;

  hy_test_server_send (server, "+OK ready\r\n");
  hy_test_server_expect (server, "CAPA");
  hy_test_server_send (server, "-ERR no\r\n");
  hy_test_server_expect (server, "LIST");
  hy_test_server_send (server, "+OK\r\n1 120\r\nbogus line\r\n.\r\n");
  hy_test_server_expect (server, "RETR 1");
  hy_test_server_send (server, "+OK\r\nSubject: cut\r\n\r\nhalf a bo");
  hy_test_server_close (server);
  hy_test_server_run (server);

  g_assert_true (do_connect (client, &error));
  RUN (hy_pop3_client_list_async (client, NULL, hy_test_store_result, &result),
       list = hy_pop3_client_list_finish (client, result, &error));
  g_assert_null (list);
  g_assert_error (error, HY_POP3_ERROR, HY_POP3_ERROR_PROTOCOL);
  g_clear_error (&error);
  RUN (hy_pop3_client_retr_async (client, 1, out, NULL, hy_test_store_result, &result),
       ok = hy_pop3_client_retr_finish (client, result, NULL, &error));
  g_assert_false (ok);
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_CLOSED);
  hy_test_server_wait (server, NULL);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/pop3/client/session", test_session);
  g_test_add_func ("/engine/pop3/client/stls-stripped", test_stls_stripped);
  g_test_add_func ("/engine/pop3/client/stls-injection", test_stls_injection);
  g_test_add_func ("/engine/pop3/client/apop-in-use", test_apop_and_in_use);
  g_test_add_func ("/engine/pop3/client/sasl-rejected", test_sasl_rejected);
  g_test_add_func ("/engine/pop3/client/disconnect-in-retr", test_disconnect_in_retr);

  return g_test_run ();
}
