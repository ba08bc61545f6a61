/* test-smtp-fixture.c — the SMTP client against the fixture's Dovecot submission service
 *
 * Skipped (exit 77) when the mail stack is not running, unless
 * HY_REQUIRE_MAILSTACK=1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "net/hy-net-error.h"
#include "smtp/hy-smtp-client.h"
#include "smtp/hy-smtp-error.h"
#include "hy-test-server.h"

static HySmtpClient *
connect_client (const char    *port_var,
                HyNetSecurity  security,
                const char    *local_address,
                GError       **error)
{
  g_autoptr(HyConnection) conn = hy_connection_new (g_getenv ("HY_TEST_HOST"),
                                                    atoi (g_getenv (port_var)), security);
  g_autoptr(HySmtpClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  hy_connection_set_ca_file (conn, g_getenv ("HY_TEST_CA_FILE"));
  hy_connection_set_timeout (conn, 30);
  hy_connection_set_local_address (conn, local_address);
  client = hy_smtp_client_new (conn);
  hy_smtp_client_connect_async (client, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  if (!hy_smtp_client_connect_finish (client, result, error))
    return NULL;
  return g_steal_pointer (&client);
}

static gboolean
login (HySmtpClient  *client,
       const char    *password,
       GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hy_smtp_client_authenticate_async (client, g_getenv ("HY_TEST_ALICE_USER"), password, FALSE,
                                     NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  return hy_smtp_client_authenticate_finish (client, result, error);
}

static HySmtpSendResult *
send_text (HySmtpClient   *client,
           HySmtpEnvelope *envelope,
           const char     *text,
           GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (g_strdup (text), -1, g_free);

  hy_smtp_client_send_async (client, envelope, in, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  return hy_smtp_client_send_finish (client, result, error);
}

static void
quit (HySmtpClient *client)
{
  g_autoptr(GAsyncResult) result = NULL;

  hy_smtp_client_quit_async (client, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  g_assert_true (hy_smtp_client_quit_finish (client, result, NULL));
}

static void
run_send (const char    *port_var,
          HyNetSecurity  security)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HySmtpClient) client = connect_client (port_var, security, NULL, &error);
  g_autoptr(HySmtpEnvelope) env = hy_smtp_envelope_new (g_getenv ("HY_TEST_ALICE_ADDRESS"));
  g_autoptr(HySmtpSendResult) first = NULL;
  g_autoptr(HySmtpSendResult) second = NULL;
  g_autofree char *message = NULL;
  HySmtpRecipientResult *refused;

  g_assert_no_error (error);
  g_assert_true (hy_connection_is_encrypted (hy_smtp_client_get_connection (client)));
  g_assert_true (hy_smtp_client_has_feature (client, "AUTH"));
  g_assert_true (login (client, g_getenv ("HY_TEST_ALICE_PASSWORD"), &error));
  g_assert_no_error (error);

  hy_smtp_envelope_add_recipient (env, g_getenv ("HY_TEST_BOB_ADDRESS"));
  hy_smtp_envelope_add_recipient (env, "nobody@elsewhere.invalid");
  hy_smtp_envelope_add_recipient (env, g_getenv ("HY_TEST_ALICE_ADDRESS"));
  env->strip_bcc = TRUE;
  message = g_strdup_printf ("From: %s\r\nTo: %s\r\nBcc: nobody@elsewhere.invalid\r\n"
                             "Subject: fixture %s\r\nMessage-ID: <%s-%d@hongyan.test>\r\n\r\n"
                             "Hello.\r\n.a dot line\r\n",
                             g_getenv ("HY_TEST_ALICE_ADDRESS"), g_getenv ("HY_TEST_BOB_ADDRESS"),
                             port_var, port_var, g_random_int_range (0, 1 << 30));
  first = send_text (client, env, message, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->n_accepted, ==, 2);
  refused = g_ptr_array_index (first->recipients, 1);
  g_assert_false (refused->accepted);
  g_assert_true (hy_smtp_reply_is_permanent (refused->reply));
  g_assert_true (((HySmtpRecipientResult *) g_ptr_array_index (first->recipients, 0))->accepted);

  /* A second message over the same session. */
  g_ptr_array_set_size (env->recipients, 1);
  second = send_text (client, env, message, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->n_accepted, ==, 1);
  quit (client);
}

static void
test_send_starttls (void)
{
  run_send ("HY_TEST_SUBMISSION_PORT", HY_NET_SECURITY_STARTTLS);
}

static void
test_send_tls (void)
{
  run_send ("HY_TEST_SUBMISSIONS_PORT", HY_NET_SECURITY_TLS);
}

static void
test_auth_failed (void)
{
  g_autoptr(GError) error = NULL;
  /* A source address of its own, so the login delay hits no other test. */
  g_autoptr(HySmtpClient) client = connect_client ("HY_TEST_SUBMISSIONS_PORT", HY_NET_SECURITY_TLS,
                                                   "127.0.0.7", &error);

  g_assert_no_error (error);
  g_assert_false (login (client, "wrong-password", &error));
  g_assert_error (error, HY_SMTP_ERROR, HY_SMTP_ERROR_AUTH_FAILED);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("HY_TEST_HOST") == NULL)
    {
      if (g_strcmp0 (g_getenv ("HY_REQUIRE_MAILSTACK"), "1") == 0)
        {
          g_printerr ("HY_REQUIRE_MAILSTACK=1 but the mail stack is not running\n");
          return 1;
        }
      g_printerr ("skipped: no mail stack (run under tests/fixtures/mailstack run)\n");
      return 77;
    }

  g_test_add_func ("/engine/smtp/fixture/send-starttls", test_send_starttls);
  g_test_add_func ("/engine/smtp/fixture/send-tls", test_send_tls);
  g_test_add_func ("/engine/smtp/fixture/auth-failed", test_auth_failed);

  return g_test_run ();
}
