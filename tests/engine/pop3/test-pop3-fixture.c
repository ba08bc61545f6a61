/* test-pop3-fixture.c — the POP3 client against the fixture's Dovecot
 *
 * Delivers a message to bob over SMTP, finds it over POP3 with STLS, reads
 * and deletes it, and checks over POP3S that it is gone.  Skipped (exit 77)
 * when the mail stack is not running, unless HY_REQUIRE_MAILSTACK=1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "net/hy-net-error.h"
#include "pop3/hy-pop3-client.h"
#include "pop3/hy-pop3-error.h"
#include "smtp/hy-smtp-client.h"
#include "hy-test-server.h"

static void
deliver (const char *subject,
         const char *body)
{
  g_autoptr(HyConnection) conn = hy_connection_new (g_getenv ("HY_TEST_HOST"),
                                                    atoi (g_getenv ("HY_TEST_SUBMISSIONS_PORT")),
                                                    HY_NET_SECURITY_TLS);
  g_autoptr(HySmtpClient) client = NULL;
  g_autoptr(HySmtpEnvelope) env = hy_smtp_envelope_new (g_getenv ("HY_TEST_ALICE_ADDRESS"));
  g_autoptr(HySmtpSendResult) sent = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strdup_printf ("From: %s\r\nTo: %s\r\nSubject: %s\r\n\r\n%s",
                                           g_getenv ("HY_TEST_ALICE_ADDRESS"),
                                           g_getenv ("HY_TEST_BOB_ADDRESS"), subject, body);
  g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (g_steal_pointer (&text), -1, g_free);
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GAsyncResult) r3 = NULL;
  g_autoptr(GAsyncResult) r4 = NULL;

  hy_connection_set_ca_file (conn, g_getenv ("HY_TEST_CA_FILE"));
  client = hy_smtp_client_new (conn);
  hy_smtp_client_connect_async (client, NULL, hy_test_store_result, &r1);
  hy_test_wait_result (&r1);
  g_assert_true (hy_smtp_client_connect_finish (client, r1, &error));
  hy_smtp_client_authenticate_async (client, g_getenv ("HY_TEST_ALICE_USER"),
                                     g_getenv ("HY_TEST_ALICE_PASSWORD"), FALSE, NULL,
                                     hy_test_store_result, &r2);
  hy_test_wait_result (&r2);
  g_assert_true (hy_smtp_client_authenticate_finish (client, r2, &error));
  hy_smtp_envelope_add_recipient (env, g_getenv ("HY_TEST_BOB_ADDRESS"));
  hy_smtp_client_send_async (client, env, in, NULL, hy_test_store_result, &r3);
  hy_test_wait_result (&r3);
  sent = hy_smtp_client_send_finish (client, r3, &error);
  g_assert_no_error (error);
  hy_smtp_client_quit_async (client, NULL, hy_test_store_result, &r4);
  hy_test_wait_result (&r4);
}

static HyPop3Client *
pop3_login (const char    *port_var,
            HyNetSecurity  security)
{
  g_autoptr(HyConnection) conn = hy_connection_new (g_getenv ("HY_TEST_HOST"),
                                                    atoi (g_getenv (port_var)), security);
  g_autoptr(HyPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;

  hy_connection_set_ca_file (conn, g_getenv ("HY_TEST_CA_FILE"));
  hy_connection_set_timeout (conn, 30);
  client = hy_pop3_client_new (conn);
  hy_pop3_client_connect_async (client, NULL, hy_test_store_result, &r1);
  hy_test_wait_result (&r1);
  g_assert_true (hy_pop3_client_connect_finish (client, r1, &error));
  g_assert_no_error (error);
  g_assert_true (hy_connection_is_encrypted (conn));
  hy_pop3_client_authenticate_async (client, g_getenv ("HY_TEST_BOB_USER"),
                                     g_getenv ("HY_TEST_BOB_PASSWORD"), FALSE, NULL,
                                     hy_test_store_result, &r2);
  hy_test_wait_result (&r2);
  g_assert_true (hy_pop3_client_authenticate_finish (client, r2, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&client);
}

static void
pop3_quit (HyPop3Client *client)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  hy_pop3_client_quit_async (client, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  g_assert_true (hy_pop3_client_quit_finish (client, result, &error));
  g_assert_no_error (error);
}

/* Number and uid of the message whose header holds @subject, or 0. */
static guint
find_message (HyPop3Client *client,
              const char   *subject,
              char        **uid)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) uidl = NULL;
  g_autoptr(GError) error = NULL;

  hy_pop3_client_uidl_async (client, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  uidl = hy_pop3_client_uidl_finish (client, result, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < uidl->len; i++)
    {
      HyPop3Listing *l = g_ptr_array_index (uidl, i);
      g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
      g_autoptr(GAsyncResult) top = NULL;
      g_autofree char *header = NULL;

      hy_pop3_client_top_async (client, l->number, 0, out, NULL, hy_test_store_result, &top);
      hy_test_wait_result (&top);
      g_assert_true (hy_pop3_client_retr_finish (client, top, NULL, &error));
      g_output_stream_write_all (out, "", 1, NULL, NULL, NULL);
      g_output_stream_close (out, NULL, NULL);
      header = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
      if (strstr (header, subject) != NULL)
        {
          if (uid != NULL)
            *uid = g_strdup (l->uid);
          return l->number;
        }
    }
  return 0;
}

static void
test_retr_dele (void)
{
  g_autofree char *subject = g_strdup_printf ("pop3 fixture %u", g_random_int ());
  g_autoptr(HyPop3Client) client = NULL;
  g_autoptr(HyPop3Client) again = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  g_autofree char *uid = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GAsyncResult) retr = NULL;
  g_autoptr(GAsyncResult) dele = NULL;
  guint number = 0;
  guint64 size = 0;

  deliver (subject, "first line\r\n.dot line\r\n..two dots\r\n");

  /* Delivery through OpenSMTPD and LMTP takes a moment. */
  for (int attempt = 0; attempt < 40 && number == 0; attempt++)
    {
      g_clear_object (&client);
      client = pop3_login ("HY_TEST_POP3_PORT", HY_NET_SECURITY_STARTTLS);
      number = find_message (client, subject, &uid);
      if (number == 0)
        {
          pop3_quit (client);
          g_usleep (250 * 1000);
        }
    }
  g_assert_cmpuint (number, >, 0);

  hy_pop3_client_retr_async (client, number, out, NULL, hy_test_store_result, &retr);
  hy_test_wait_result (&retr);
  g_assert_true (hy_pop3_client_retr_finish (client, retr, &size, &error));
  g_assert_no_error (error);
  g_output_stream_write_all (out, "", 1, NULL, NULL, NULL);
  g_output_stream_close (out, NULL, NULL);
  message = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
  g_assert_nonnull (strstr (message, "\r\n\r\nfirst line\r\n.dot line\r\n..two dots\r\n"));
  g_assert_cmpuint (size, ==, strlen (message));

  hy_pop3_client_dele_async (client, &number, 1, NULL, hy_test_store_result, &dele);
  hy_test_wait_result (&dele);
  g_assert_true (hy_pop3_client_dele_finish (client, dele, &error));
  pop3_quit (client);

  again = pop3_login ("HY_TEST_POP3S_PORT", HY_NET_SECURITY_TLS);
  g_assert_cmpuint (find_message (again, subject, NULL), ==, 0);
  pop3_quit (again);
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

  g_test_add_func ("/engine/pop3/fixture/retr-dele", test_retr_dele);

  return g_test_run ();
}
