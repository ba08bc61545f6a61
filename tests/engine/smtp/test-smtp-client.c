/* test-smtp-client.c — the SMTP client against scripted servers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <string.h>

#include "net/hy-net-error.h"
#include "smtp/hy-smtp-client.h"
#include "smtp/hy-smtp-error.h"
#include "hy-test-server.h"

#define PASSWORD "open-sesame-42"

static HySmtpClient *
make_client (HyTestServer  *server,
             HyNetSecurity  security)
{
  g_autoptr(HyConnection) conn = hy_connection_new ("127.0.0.1", hy_test_server_get_port (server),
                                                    security);
  g_autofree char *ca = hy_test_cert_path ("ca");

  hy_connection_set_ca_file (conn, ca);
  hy_connection_set_timeout (conn, 20);
  return hy_smtp_client_new (conn);
}

static gboolean
client_connect (HySmtpClient  *client,
                GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hy_smtp_client_connect_async (client, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  return hy_smtp_client_connect_finish (client, result, error);
}

static gboolean
client_auth (HySmtpClient  *client,
             GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hy_smtp_client_authenticate_async (client, "alice", PASSWORD, FALSE, NULL,
                                     hy_test_store_result, &result);
  hy_test_wait_result (&result);
  return hy_smtp_client_authenticate_finish (client, result, error);
}

static HySmtpSendResult *
client_send (HySmtpClient    *client,
             HySmtpEnvelope  *envelope,
             const char      *message,
             GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data (g_strdup (message), -1, g_free);

  hy_smtp_client_send_async (client, envelope, stream, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  return hy_smtp_client_send_finish (client, result, error);
}

static void
client_quit (HySmtpClient *client)
{
  g_autoptr(GAsyncResult) result = NULL;

  hy_smtp_client_quit_async (client, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  g_assert_true (hy_smtp_client_quit_finish (client, result, NULL));
}

/* Greeting, EHLO with @features, STARTTLS, EHLO again with @tls_features. */
static void
script_starttls (HyTestServer *server,
                 const char   *tls_features)
{
  hy_test_server_send (server, "220 fake.example ESMTP\r\n");
  hy_test_server_expect (server, "EHLO [127.0.0.1]");
  hy_test_server_send (server, "250-fake.example\r\n250-X-BEFORE-TLS\r\n250 STARTTLS\r\n");
  hy_test_server_expect (server, "STARTTLS");
  hy_test_server_send (server, "220 2.0.0 go ahead\r\n");
  hy_test_server_start_tls (server, "server");
  hy_test_server_expect (server, "EHLO [127.0.0.1]");
  hy_test_server_send (server, tls_features);
}

static void
test_send_pipelined (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HySmtpClient) client = make_client (server, HY_NET_SECURITY_STARTTLS);
  g_autoptr(HySmtpEnvelope) env = hy_smtp_envelope_new ("alice@example.org");
  g_autoptr(HySmtpSendResult) sent = NULL;
  g_autoptr(HySmtpSendResult) sent2 = NULL;
  g_autoptr(GError) error = NULL;
  const char *received;
  HySmtpRecipientResult *r;

  script_starttls (server, "250-fake.example\r\n250-PIPELINING\r\n250-SIZE 100000\r\n"
                           "250-8BITMIME\r\n250 AUTH PLAIN LOGIN\r\n");
  hy_test_server_expect (server, "AUTH PLAIN AGFsaWNlAG9wZW4tc2VzYW1lLTQy");
  hy_test_server_send (server, "235 2.7.0 ok\r\n");
  hy_test_server_expect (server, "MAIL FROM:<alice@example.org> SIZE=*");
  hy_test_server_expect (server, "RCPT TO:<bob@example.org>");
  hy_test_server_expect (server, "RCPT TO:<nobody@example.org>");
  hy_test_server_expect (server, "RCPT TO:<carol@example.org>");
  hy_test_server_send (server, "250 2.1.0 ok\r\n250 2.1.5 ok\r\n"
                               "550 5.1.1 <nobody@example.org>: no such user\r\n250 2.1.5 ok\r\n");
  hy_test_server_expect (server, "DATA");
  hy_test_server_send (server, "354 go\r\n");
  hy_test_server_expect_until (server, ".");
  hy_test_server_send (server, "250 2.0.0 queued as 42\r\n");
  /* A second message on the same session, after RSET. */
  hy_test_server_expect (server, "RSET");
  hy_test_server_expect (server, "MAIL FROM:<alice@example.org>*");
  hy_test_server_expect (server, "RCPT TO:<bob@example.org>");
  hy_test_server_send (server, "250 ok\r\n250 ok\r\n250 ok\r\n");
  hy_test_server_expect (server, "DATA");
  hy_test_server_send (server, "354 go\r\n");
  hy_test_server_expect_until (server, ".");
  hy_test_server_send (server, "250 queued as 43\r\n");
  hy_test_server_expect (server, "QUIT");
  hy_test_server_send (server, "221 bye\r\n");
  hy_test_server_run (server);

  g_assert_true (client_connect (client, &error));
  g_assert_no_error (error);
  g_assert_false (hy_smtp_client_has_feature (client, "X-BEFORE-TLS"));
  g_assert_true (hy_smtp_client_has_feature (client, "pipelining"));
  g_assert_cmpuint (hy_smtp_client_get_max_size (client), ==, 100000);
  g_assert_null (hy_smtp_client_get_greeting (client));
  g_assert_true (client_auth (client, &error));

  hy_smtp_envelope_add_recipient (env, "bob@example.org");
  hy_smtp_envelope_add_recipient (env, "nobody@example.org");
  hy_smtp_envelope_add_recipient (env, "carol@example.org");
  env->strip_bcc = TRUE;
  env->size = 200;
  sent = client_send (client, env,
                      "From: alice@example.org\nBcc: hidden@example.org\nSubject: hi\n\n"
                      ".leading dot\nbody\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sent->n_accepted, ==, 2);
  g_assert_cmpuint (sent->recipients->len, ==, 3);
  r = g_ptr_array_index (sent->recipients, 1);
  g_assert_cmpstr (r->address, ==, "nobody@example.org");
  g_assert_false (r->accepted);
  g_assert_cmpuint (hy_smtp_reply_get_code (r->reply), ==, 550);
  g_assert_cmpstr (hy_smtp_reply_get_enhanced (r->reply), ==, "5.1.1");
  g_assert_cmpuint (hy_smtp_reply_get_code (sent->reply), ==, 250);

  g_ptr_array_set_size (env->recipients, 1);
  env->strip_bcc = FALSE;
  sent2 = client_send (client, env, "Subject: two\r\n\r\nsecond\r\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sent2->n_accepted, ==, 1);
  client_quit (client);

  g_assert_true (hy_test_server_wait (server, &error));
  received = hy_test_server_get_received (server);
  g_assert_nonnull (strstr (received, "From: alice@example.org\r\nSubject: hi\r\n\r\n"
                                      "..leading dot\r\nbody\r\n.\r\n"));
  g_assert_null (strstr (received, "hidden@example.org"));
  /* MAIL and all RCPTs went in one batch: the server got them before replying. */
  g_assert_nonnull (strstr (received, "RCPT TO:<nobody@example.org>\r\nRCPT TO:<carol@example.org>\r\n"));
}

static void
check_no_credentials (HyTestServer *server)
{
  const char *received = hy_test_server_get_received (server);

  g_assert_null (strstr (received, "AUTH"));
  g_assert_null (strstr (received, "AGFsaWNl"));
  g_assert_null (strstr (received, PASSWORD));
  g_assert_null (strstr (received, "MAIL FROM"));
}

static void
test_starttls_stripped (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HySmtpClient) client = make_client (server, HY_NET_SECURITY_STARTTLS);
  g_autoptr(GError) error = NULL;

  hy_test_server_send (server, "220 fake ESMTP\r\n");
  hy_test_server_expect (server, "EHLO *");
  hy_test_server_send (server, "250-fake\r\n250 AUTH PLAIN\r\n");
  hy_test_server_run (server);

  g_assert_false (client_connect (client, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_STARTTLS_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_false (client_auth (client, &error));
  g_clear_object (&client);
  hy_test_server_wait (server, NULL);
  check_no_credentials (server);
}

static void
test_starttls_refused (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HySmtpClient) client = make_client (server, HY_NET_SECURITY_STARTTLS);
  g_autoptr(GError) error = NULL;

  hy_test_server_send (server, "220 fake ESMTP\r\n");
  hy_test_server_expect (server, "EHLO *");
  hy_test_server_send (server, "250-fake\r\n250-AUTH PLAIN\r\n250 STARTTLS\r\n");
  hy_test_server_expect (server, "STARTTLS");
  hy_test_server_send (server, "454 4.7.0 TLS not available due to temporary reason\r\n");
  hy_test_server_run (server);

  g_assert_false (client_connect (client, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_STARTTLS_REFUSED);
  g_assert_nonnull (strstr (error->message, "TLS not available"));
  g_clear_object (&client);
  hy_test_server_wait (server, NULL);
  check_no_credentials (server);
}

static void
test_starttls_injection (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HySmtpClient) client = make_client (server, HY_NET_SECURITY_STARTTLS);
  g_autoptr(GError) error = NULL;

  hy_test_server_send (server, "220 fake ESMTP\r\n");
  hy_test_server_expect (server, "EHLO *");
  hy_test_server_send (server, "250-fake\r\n250 STARTTLS\r\n");
  hy_test_server_expect (server, "STARTTLS");
  hy_test_server_send (server, "220 go ahead\r\n250-injected\r\n250 AUTH PLAIN\r\n");
  hy_test_server_run (server);

  g_assert_false (client_connect (client, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_STARTTLS_INJECTION);
  g_clear_object (&client);
  hy_test_server_wait (server, NULL);
  check_no_credentials (server);
}

static void
test_bad_certificate (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HySmtpClient) client = make_client (server, HY_NET_SECURITY_STARTTLS);
  g_autoptr(GError) error = NULL;

  hy_test_server_send (server, "220 fake ESMTP\r\n");
  hy_test_server_expect (server, "EHLO *");
  hy_test_server_send (server, "250-fake\r\n250 STARTTLS\r\n");
  hy_test_server_expect (server, "STARTTLS");
  hy_test_server_send (server, "220 go ahead\r\n");
  hy_test_server_start_tls (server, "selfsigned");
  hy_test_server_run (server);

  g_assert_false (client_connect (client, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_CERTIFICATE);
  g_assert_nonnull (hy_net_error_get_certificate (error, NULL));
  g_clear_object (&client);
  hy_test_server_wait (server, NULL);
  check_no_credentials (server);
}

static void
test_plaintext_auth_refused (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HySmtpClient) client = make_client (server, HY_NET_SECURITY_NONE);
  g_autoptr(GError) error = NULL;

  hy_test_server_send (server, "220 fake ESMTP\r\n");
  hy_test_server_expect (server, "EHLO *");
  hy_test_server_send (server, "250-fake\r\n250 AUTH PLAIN LOGIN\r\n");
  hy_test_server_run (server);

  g_assert_true (client_connect (client, &error));
  g_assert_false (client_auth (client, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_PLAINTEXT_AUTH);
  g_clear_object (&client);
  hy_test_server_wait (server, NULL);
  check_no_credentials (server);
}

static void
test_auth_failed_and_helo (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HySmtpClient) client = make_client (server, HY_NET_SECURITY_NONE);
  g_autoptr(GError) error = NULL;

  hy_test_server_send (server, "220 old server\r\n");
  hy_test_server_expect (server, "EHLO *");
  hy_test_server_send (server, "502 5.5.1 what is EHLO\r\n");
  hy_test_server_expect (server, "HELO [127.0.0.1]");
  hy_test_server_send (server, "250 hello\r\n");
  hy_test_server_run (server);

  hy_connection_set_allow_plaintext_auth (hy_smtp_client_get_connection (client), TRUE);
  g_assert_true (client_connect (client, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (hy_smtp_client_get_features (client)), ==, 0);
  g_assert_false (client_auth (client, &error));
  g_assert_error (error, HY_SMTP_ERROR, HY_SMTP_ERROR_AUTH_UNAVAILABLE);
  g_clear_object (&client);
  hy_test_server_wait (server, NULL);
}

static void
test_auth_login_rejected (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HySmtpClient) client = make_client (server, HY_NET_SECURITY_TLS);
  g_autoptr(GError) error = NULL;

  hy_test_server_start_tls (server, "server");
  hy_test_server_send (server, "220 fake ESMTP\r\n");
  hy_test_server_expect (server, "EHLO *");
  hy_test_server_send (server, "250-fake\r\n250 AUTH LOGIN CRAM-MD5\r\n");
  hy_test_server_expect (server, "AUTH LOGIN");
  hy_test_server_send (server, "334 VXNlcm5hbWU6\r\n");
  hy_test_server_expect (server, "YWxpY2U=");
  hy_test_server_send (server, "334 UGFzc3dvcmQ6\r\n");
  hy_test_server_expect (server, "*");
  hy_test_server_send (server, "535 5.7.8 Authentication credentials invalid\r\n");
  hy_test_server_run (server);

  g_assert_true (client_connect (client, &error));
  g_assert_cmpstr (hy_smtp_client_get_greeting (client), ==, "220 fake ESMTP");
  g_assert_false (client_auth (client, &error));
  g_assert_error (error, HY_SMTP_ERROR, HY_SMTP_ERROR_AUTH_FAILED);
  g_assert_nonnull (strstr (error->message, "credentials invalid"));
  g_clear_object (&client);
  g_assert_true (hy_test_server_wait (server, NULL));
}

static void
test_too_large (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HySmtpClient) client = make_client (server, HY_NET_SECURITY_NONE);
  g_autoptr(HySmtpEnvelope) env = hy_smtp_envelope_new ("a@example.org");
  g_autoptr(HySmtpSendResult) sent = NULL;
  g_autoptr(GError) error = NULL;

  hy_test_server_send (server, "220 fake ESMTP\r\n");
  hy_test_server_expect (server, "EHLO *");
  hy_test_server_send (server, "250-fake\r\n250 SIZE 1000\r\n");
  hy_test_server_run (server);

  g_assert_true (client_connect (client, &error));
  hy_smtp_envelope_add_recipient (env, "b@example.org");
  env->size = 5000;
  sent = client_send (client, env, "Subject: big\r\n\r\n...\r\n", &error);
  g_assert_null (sent);
  g_assert_error (error, HY_SMTP_ERROR, HY_SMTP_ERROR_MESSAGE_TOO_LARGE);
  g_clear_object (&client);
  hy_test_server_wait (server, NULL);
  g_assert_null (strstr (hy_test_server_get_received (server), "MAIL"));
}

static void
test_all_refused_then_chunking (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HySmtpClient) client = make_client (server, HY_NET_SECURITY_NONE);
  g_autoptr(HySmtpEnvelope) env = hy_smtp_envelope_new ("a@example.org");
  g_autoptr(HySmtpSendResult) sent = NULL;
  g_autoptr(GError) error = NULL;

  hy_test_server_send (server, "220 fake ESMTP\r\n");
  hy_test_server_expect (server, "EHLO *");
  hy_test_server_send (server, "250-fake\r\n250 CHUNKING\r\n");
  hy_test_server_expect (server, "MAIL FROM:<a@example.org>");
  hy_test_server_send (server, "250 ok\r\n");
  hy_test_server_expect (server, "RCPT TO:<b@example.org>");
  hy_test_server_send (server, "550 5.1.1 unknown\r\n");
  hy_test_server_expect (server, "RSET");
  hy_test_server_send (server, "250 reset\r\n");
  hy_test_server_expect (server, "MAIL FROM:<a@example.org>");
  hy_test_server_send (server, "250 ok\r\n");
  hy_test_server_expect (server, "RCPT TO:<c@example.org>");
  hy_test_server_send (server, "250 ok\r\n");
  hy_test_server_expect (server, "BDAT 28 LAST");
  hy_test_server_expect (server, "Subject: x");
  hy_test_server_expect (server, "");
  hy_test_server_expect (server, ".no stuffing");
  hy_test_server_send (server, "250 2.0.0 accepted\r\n");
  hy_test_server_run (server);

  g_assert_true (client_connect (client, &error));
  hy_smtp_envelope_add_recipient (env, "b@example.org");
  sent = client_send (client, env, "Subject: x\n\n.no stuffing\n", &error);
  g_assert_null (sent);
  g_assert_error (error, HY_SMTP_ERROR, HY_SMTP_ERROR_ALL_RECIPIENTS_REFUSED);
  g_assert_nonnull (strstr (error->message, "b@example.org"));
  g_clear_error (&error);

  g_ptr_array_set_size (env->recipients, 0);
  hy_smtp_envelope_add_recipient (env, "c@example.org");
  sent = client_send (client, env, "Subject: x\n\n.no stuffing\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sent->n_accepted, ==, 1);
  g_clear_object (&client);
  g_assert_true (hy_test_server_wait (server, &error));
}

static void
test_disconnect_in_data (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HySmtpClient) client = make_client (server, HY_NET_SECURITY_NONE);
  g_autoptr(HySmtpEnvelope) env = hy_smtp_envelope_new ("a@example.org");
  g_autoptr(HySmtpSendResult) sent = NULL;
  g_autoptr(GError) error = NULL;

  hy_test_server_send (server, "220 fake ESMTP\r\n");
  hy_test_server_expect (server, "EHLO *");
  hy_test_server_send (server, "250 fake\r\n");
  hy_test_server_expect (server, "MAIL FROM:*");
  hy_test_server_send (server, "250 ok\r\n");
  hy_test_server_expect (server, "RCPT TO:*");
  hy_test_server_send (server, "250 ok\r\n");
  hy_test_server_expect (server, "DATA");
  hy_test_server_send (server, "354 go\r\n");
  hy_test_server_expect (server, "Subject: x");
  hy_test_server_close (server);
  hy_test_server_run (server);

  g_assert_true (client_connect (client, &error));
  hy_smtp_envelope_add_recipient (env, "b@example.org");
  sent = client_send (client, env, "Subject: x\r\n\r\nbody\r\n", &error);
  g_assert_null (sent);
  g_assert_true (g_error_matches (error, HY_NET_ERROR, HY_NET_ERROR_CLOSED) ||
                 g_error_matches (error, HY_NET_ERROR, HY_NET_ERROR_IO));
  hy_test_server_wait (server, NULL);
}

static void
test_malformed_and_injection_addresses (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HySmtpClient) client = make_client (server, HY_NET_SECURITY_NONE);
  g_autoptr(HySmtpEnvelope) env = hy_smtp_envelope_new ("a@example.org");
  g_autoptr(HySmtpSendResult) sent = NULL;
  g_autoptr(GError) error = NULL;

  hy_test_server_send (server, "220 fake ESMTP\r\n");
  hy_test_server_expect (server, "EHLO *");
  hy_test_server_send (server, "250 fake\r\n");
  hy_test_server_expect (server, "NOOP-never");
  hy_test_server_run (server);

  g_assert_true (client_connect (client, &error));
  hy_smtp_envelope_add_recipient (env, "b@example.org>\r\nRCPT TO:<evil@example.org");
  sent = client_send (client, env, "x\r\n", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_object (&client);
  hy_test_server_wait (server, NULL);
  g_assert_null (strstr (hy_test_server_get_received (server), "evil"));
}

static void
test_malformed_greeting (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HySmtpClient) client = make_client (server, HY_NET_SECURITY_NONE);
  g_autoptr(GError) error = NULL;

  hy_test_server_send (server, "* OK IMAP4rev1 ready\r\n");
  hy_test_server_run (server);
  g_assert_false (client_connect (client, &error));
  g_assert_error (error, HY_SMTP_ERROR, HY_SMTP_ERROR_PROTOCOL);
  g_clear_object (&client);
  hy_test_server_wait (server, NULL);
}

static void
test_slow_greeting (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HySmtpClient) client = make_client (server, HY_NET_SECURITY_NONE);
  g_autoptr(GError) error = NULL;

  hy_test_server_sleep (server, 2500);
  hy_test_server_send (server, "220 too late\r\n");
  hy_test_server_run (server);
  hy_connection_set_timeout (hy_smtp_client_get_connection (client), 1);
  g_assert_false (client_connect (client, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_TIMEOUT);
  g_clear_object (&client);
  hy_test_server_wait (server, NULL);
}


static void
test_extensions (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HySmtpClient) client = make_client (server, HY_NET_SECURITY_NONE);
  g_autoptr(HySmtpEnvelope) env = hy_smtp_envelope_new ("a@example.org");
  g_autoptr(HySmtpEnvelope) intl = hy_smtp_envelope_new ("a@example.org");
  g_autoptr(HySmtpSendResult) sent = NULL;
  g_autoptr(GError) error = NULL;

  hy_test_server_send (server, "220 fake ESMTP\r\n");
  hy_test_server_expect (server, "EHLO *");
  hy_test_server_send (server, "250-fake\r\n250-DSN\r\n250-8BITMIME\r\n250 SIZE\r\n");
  hy_test_server_expect (server, "MAIL FROM:<a@example.org> SIZE=42 BODY=8BITMIME RET=HDRS ENVID=id+2B1+20x");
  hy_test_server_send (server, "250 ok\r\n");
  hy_test_server_expect (server, "RCPT TO:<b@example.org> NOTIFY=FAILURE,DELAY");
  hy_test_server_send (server, "250 ok\r\n");
  hy_test_server_expect (server, "DATA");
  hy_test_server_send (server, "354 go\r\n");
  hy_test_server_expect_until (server, ".");
  hy_test_server_send (server, "250 ok\r\n");
  hy_test_server_run (server);

  g_assert_true (client_connect (client, &error));
  /* SIZE without a number announces no limit. */
  g_assert_cmpuint (hy_smtp_client_get_max_size (client), ==, 0);
  hy_smtp_envelope_add_recipient (env, "b@example.org");
  env->size = 42;
  env->eight_bit = TRUE;
  env->dsn_ret = g_strdup ("HDRS");
  env->dsn_notify = g_strdup ("FAILURE,DELAY");
  env->dsn_envid = g_strdup ("id+1 x");
  sent = client_send (client, env, "Subject: caf\xc3\xa9\r\n\r\n\xc3\xa9\r\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sent->n_accepted, ==, 1);
  g_clear_pointer (&sent, hy_smtp_send_result_free);

  /* An internationalised address needs SMTPUTF8, which this server lacks. */
  hy_smtp_envelope_add_recipient (intl, "\xe7\x8e\x8b@example.org");
  sent = client_send (client, intl, "x\r\n", &error);
  g_assert_null (sent);
  g_assert_error (error, HY_SMTP_ERROR, HY_SMTP_ERROR_UNSUPPORTED);
  g_clear_object (&client);
  g_assert_true (hy_test_server_wait (server, NULL));
}


/* Answers "AUTH SCRAM-SHA-256 <client-first>" with a well-formed server-first
 * message that extends the client's nonce. */
static char *
scram_server_first (const char *line,
                    gpointer    user_data)
{
  const char *b64 = line + strlen ("AUTH SCRAM-SHA-256 ");
  g_autofree guchar *raw = NULL;
  g_autofree char *client_first = NULL;
  g_autofree char *server_first = NULL;
  g_autofree char *encoded = NULL;
  const char *nonce;
  gsize len = 0;

  if (!g_str_has_prefix (line, "AUTH SCRAM-SHA-256 "))
    return NULL;
  raw = g_base64_decode (b64, &len);
  client_first = g_strndup ((char *) raw, len);
  nonce = strstr (client_first, ",r=");
  if (!g_str_has_prefix (client_first, "n,,n=alice,") || nonce == NULL)
    return NULL;
  server_first = g_strdup_printf ("r=%sSERVERPART,s=QSXCR+Q6sek8bf92,i=4096", nonce + 3);
  encoded = g_base64_encode ((const guchar *) server_first, strlen (server_first));
  return g_strdup_printf ("334 %s\r\n", encoded);
}

static void
test_scram_impostor (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HySmtpClient) client = make_client (server, HY_NET_SECURITY_TLS);
  g_autoptr(GError) error = NULL;
  g_autofree char *bad_final = g_base64_encode ((const guchar *) "v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 46);
  g_autofree char *bad_reply = g_strdup_printf ("334 %s\r\n", bad_final);

  hy_test_server_start_tls (server, "server");
  hy_test_server_send (server, "220 fake ESMTP\r\n");
  hy_test_server_expect (server, "EHLO *");
  hy_test_server_send (server, "250-fake\r\n250 AUTH PLAIN SCRAM-SHA-256\r\n");
  hy_test_server_respond (server, scram_server_first, NULL);
  hy_test_server_expect (server, "Yz1iaXdzLHI9*");   /* base64 of "c=biws,r=" */
  /* A server that does not know the password cannot sign the exchange. */
  hy_test_server_send (server, bad_reply);
  hy_test_server_expect (server, "*");
  hy_test_server_send (server, "501 5.7.0 cancelled\r\n");
  hy_test_server_run (server);

  g_assert_true (client_connect (client, &error));
  g_assert_false (client_auth (client, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_AUTH_SERVER);
  g_clear_object (&client);
  g_assert_true (hy_test_server_wait (server, NULL));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/smtp/client/send-pipelined", test_send_pipelined);
  g_test_add_func ("/engine/smtp/client/starttls-stripped", test_starttls_stripped);
  g_test_add_func ("/engine/smtp/client/starttls-refused", test_starttls_refused);
  g_test_add_func ("/engine/smtp/client/starttls-injection", test_starttls_injection);
  g_test_add_func ("/engine/smtp/client/bad-certificate", test_bad_certificate);
  g_test_add_func ("/engine/smtp/client/plaintext-auth-refused", test_plaintext_auth_refused);
  g_test_add_func ("/engine/smtp/client/helo-fallback", test_auth_failed_and_helo);
  g_test_add_func ("/engine/smtp/client/auth-login-rejected", test_auth_login_rejected);
  g_test_add_func ("/engine/smtp/client/too-large", test_too_large);
  g_test_add_func ("/engine/smtp/client/all-refused-then-chunking", test_all_refused_then_chunking);
  g_test_add_func ("/engine/smtp/client/disconnect-in-data", test_disconnect_in_data);
  g_test_add_func ("/engine/smtp/client/address-injection", test_malformed_and_injection_addresses);
  g_test_add_func ("/engine/smtp/client/malformed-greeting", test_malformed_greeting);
  g_test_add_func ("/engine/smtp/client/slow-greeting", test_slow_greeting);
  g_test_add_func ("/engine/smtp/client/extensions", test_extensions);
  g_test_add_func ("/engine/smtp/client/scram-impostor", test_scram_impostor);

  return g_test_run ();
}
