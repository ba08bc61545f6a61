/* test-auth-dovecot.c — the login method chosen for an account is the only one used
 *
 * Against the fixture's Dovecot (which offers PLAIN, LOGIN, SCRAM-SHA-1 and
 * SCRAM-SHA-256, but not CRAM-MD5): IMAP, POP3 and SMTP submission each log
 * in with exactly the configured mechanism, fall back to nothing when the
 * server does not offer it (no credentials go on the wire), and pick the
 * best one when none is configured.  An account set to a mechanism the
 * server lacks fails its sync with HY_NET_ERROR_AUTH_MECHANISM.  For carol,
 * whose password Dovecot keeps hashed, the SCRAM it offers fails: an
 * automatic choice then logs in with PLAIN at the second try, and a
 * configured SCRAM stays refused.
 *
 * Skips when HY_TEST_HOST is unset, unless HY_REQUIRE_MAILSTACK=1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <string.h>

#include "account/hy-account-manager.h"
#include "account/hy-memory-credentials.h"
#include "api/hy-engine.h"
#include "imap/hy-imap-client.h"
#include "net/hy-net-error.h"
#include "pop3/hy-pop3-client.h"
#include "smtp/hy-smtp-client.h"
#include "hy-test-util.h"

typedef enum {
  PROTO_IMAP,
  PROTO_POP3,
  PROTO_SMTP,
} Proto;

static void
on_trace (HyConnection *connection,
          const char   *direction,
          const char   *line,
          GString      *client_lines)
{
  if (g_strcmp0 (direction, "C") == 0)
    g_string_append_printf (client_lines, "%s\n", line);
}

/* Logs @who ("ALICE", "CAROL") in over implicit TLS with @required
 * (NULL: automatic); returns what the client sent, and the login's error.
 * carol's refused logins come from addresses of their own, so that
 * Dovecot's growing delay after failures does not slow other tests. */
static char *
log_in_as (const char  *who,
           Proto        proto,
           const char  *required,
           GError     **error)
{
  g_autoptr(HyConnection) conn = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GString *sent = g_string_new (NULL);
  g_autofree char *user_var = g_strdup_printf ("HY_TEST_%s_USER", who);
  g_autofree char *password_var = g_strdup_printf ("HY_TEST_%s_PASSWORD", who);
  const char *user = g_getenv (user_var);
  const char *password = g_getenv (password_var);
  const char *port_name = proto == PROTO_IMAP ? "HY_TEST_IMAPS_PORT"
                          : proto == PROTO_POP3 ? "HY_TEST_POP3S_PORT" : "HY_TEST_SUBMISSIONS_PORT";

  conn = hy_connection_new (g_getenv ("HY_TEST_HOST"), hy_test_env_port (port_name), HY_NET_SECURITY_TLS);
  hy_connection_set_ca_file (conn, g_getenv ("HY_TEST_CA_FILE"));
  hy_connection_set_timeout (conn, 30);
  hy_connection_set_auth_mechanism (conn, required);
  hy_connection_set_trace (conn, TRUE);
  if (g_strcmp0 (who, "CAROL") == 0)
    hy_connection_set_local_address (conn, proto == PROTO_IMAP ? "127.0.0.9"
                                           : proto == PROTO_POP3 ? "127.0.0.10" : "127.0.0.11");
  g_signal_connect (conn, "trace", G_CALLBACK (on_trace), sent);

  switch (proto)
    {
    case PROTO_IMAP:
      {
        g_autoptr(HyImapClient) client = hy_imap_client_new (conn);

        HY_TEST_CALL (hy_imap_client_connect_async (client, NULL, hy_test_store_result, &result), result);
        g_assert_true (hy_imap_client_connect_finish (client, result, NULL));
        HY_TEST_CALL (hy_imap_client_login_async (client, user, password, FALSE, NULL, hy_test_store_result, &result), result);
        hy_imap_client_login_finish (client, result, error);
      }
      break;
    case PROTO_POP3:
      {
        g_autoptr(HyPop3Client) client = hy_pop3_client_new (conn);

        HY_TEST_CALL (hy_pop3_client_connect_async (client, NULL, hy_test_store_result, &result), result);
        g_assert_true (hy_pop3_client_connect_finish (client, result, NULL));
        HY_TEST_CALL (hy_pop3_client_authenticate_async (client, user, password, FALSE, NULL, hy_test_store_result, &result), result);
        hy_pop3_client_authenticate_finish (client, result, error);
      }
      break;
    case PROTO_SMTP:
    default:
      {
        g_autoptr(HySmtpClient) client = hy_smtp_client_new (conn);

        HY_TEST_CALL (hy_smtp_client_connect_async (client, NULL, hy_test_store_result, &result), result);
        g_assert_true (hy_smtp_client_connect_finish (client, result, NULL));
        HY_TEST_CALL (hy_smtp_client_authenticate_async (client, user, password, FALSE, NULL, hy_test_store_result, &result), result);
        hy_smtp_client_authenticate_finish (client, result, error);
      }
      break;
    }
  g_signal_handlers_disconnect_by_data (conn, sent);
  HY_TEST_CALL (hy_connection_close_async (conn, NULL, hy_test_store_result, &result), result);
  hy_connection_close_finish (conn, result, NULL);
  return g_string_free (sent, FALSE);
}

static char *
log_in (Proto        proto,
        const char  *required,
        GError     **error)
{
  return log_in_as ("ALICE", proto, required, error);
}

/* The command that starts a SASL exchange with @mechanism. */
static char *
auth_command (Proto       proto,
              const char *mechanism)
{
  return g_strdup_printf ("%s %s", proto == PROTO_IMAP ? "AUTHENTICATE" : "AUTH", mechanism);
}

static void
test_required (gconstpointer data)
{
  Proto proto = GPOINTER_TO_INT (data);
  const char *mechanisms[] = { "PLAIN", "LOGIN", "SCRAM-SHA-1", "scram-sha-256" };

  if (hy_test_skip_without_mailstack ())
    return;
  for (guint i = 0; i < G_N_ELEMENTS (mechanisms); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *sent = log_in (proto, mechanisms[i], &error);
      g_autofree char *upper = g_ascii_strup (mechanisms[i], -1);
      g_autofree char *expected = auth_command (proto, upper);

      g_assert_no_error (error);
      g_assert_nonnull (strstr (sent, expected));
      /* Exactly one exchange, with that mechanism. */
      g_assert_true (strstr (sent, expected) == g_strrstr (sent, proto == PROTO_IMAP ? "AUTHENTICATE " : "AUTH "));
    }
}

static void
test_not_offered (gconstpointer data)
{
  Proto proto = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autofree char *sent = NULL;

  if (hy_test_skip_without_mailstack ())
    return;
  /* Supported by Hongyan, not offered by the fixture: no fallback. */
  sent = log_in (proto, "CRAM-MD5", &error);
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_AUTH_MECHANISM);
  g_assert_nonnull (strstr (error->message, "CRAM-MD5"));
  g_assert_null (strstr (sent, "AUTH"));
  g_assert_null (strstr (sent, "LOGIN"));
  g_assert_null (strstr (sent, "USER"));
  g_assert_null (strstr (sent, "APOP"));
}

static void
test_automatic (gconstpointer data)
{
  Proto proto = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autofree char *sent = NULL;
  g_autofree char *expected = auth_command (proto, "SCRAM-SHA-256");

  if (hy_test_skip_without_mailstack ())
    return;
  sent = log_in (proto, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (sent, expected));
}

/* A server that offers SCRAM but cannot complete it for this user: the
 * automatic choice tries PLAIN once more and gets in. */
static void
test_fallback (gconstpointer data)
{
  Proto proto = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autofree char *sent = NULL;
  g_autofree char *scram = auth_command (proto, "SCRAM-SHA-256");
  g_autofree char *plain = auth_command (proto, "PLAIN");
  const char *first;
  const char *second;

  if (hy_test_skip_without_mailstack ())
    return;
  g_assert_nonnull (g_getenv ("HY_TEST_CAROL_USER"));
  sent = log_in_as ("CAROL", proto, NULL, &error);
  g_assert_no_error (error);
  first = strstr (sent, scram);
  second = strstr (sent, plain);
  g_assert_nonnull (first);
  g_assert_nonnull (second);
  g_assert_true (first < second);
  /* Two exchanges, no more. */
  g_assert_true (second == g_strrstr (sent, proto == PROTO_IMAP ? "AUTHENTICATE " : "AUTH "));
}

/* A mechanism the account insists on is never swapped for another. */
static void
test_no_fallback_when_required (gconstpointer data)
{
  Proto proto = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autofree char *sent = NULL;
  g_autofree char *scram = auth_command (proto, "SCRAM-SHA-1");

  if (hy_test_skip_without_mailstack ())
    return;
  sent = log_in_as ("CAROL", proto, "SCRAM-SHA-1", &error);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (sent, scram));
  g_assert_true (strstr (sent, scram) == g_strrstr (sent, proto == PROTO_IMAP ? "AUTHENTICATE " : "AUTH "));
  g_assert_null (strstr (sent, "PLAIN"));
}

/* The mechanism stored in the account reaches the sync's connections. */
static void
test_account_sync (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *config_dir = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *command = NULL;
  g_autoptr(HyCredentials) credentials = NULL;
  g_autoptr(HyAccountManager) manager = NULL;
  g_autoptr(HyAccount) account = NULL;
  g_autoptr(HyEngine) engine = NULL;
  g_autoptr(HyIdentity) identity = NULL;
  g_autoptr(HyServerConfig) in = NULL;
  g_autoptr(HyServerConfig) out = NULL;
  const char *user = g_getenv ("HY_TEST_ALICE_USER");
  const GError *sync_error;

  if (hy_test_skip_without_mailstack ())
    return;
  dir = g_dir_make_tmp ("hy-auth-XXXXXX", &error);
  g_assert_no_error (error);
  config_dir = g_build_filename (dir, "config", NULL);
  data_dir = g_build_filename (dir, "data", NULL);
  credentials = hy_memory_credentials_new ();
  manager = hy_account_manager_new_for_dirs (credentials, config_dir, data_dir);
  account = hy_account_new ("alice-mech");
  identity = hy_identity_new ("Alice", g_getenv ("HY_TEST_ALICE_ADDRESS"), NULL);
  hy_account_add_identity (account, identity);
  in = hy_server_config_new (HY_SERVER_PROTOCOL_IMAP, g_getenv ("HY_TEST_HOST"),
                             hy_test_env_port ("HY_TEST_IMAPS_PORT"), HY_SERVER_SECURITY_TLS, user);
  in->auth_mechanism = g_strdup ("CRAM-MD5");
  out = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, g_getenv ("HY_TEST_HOST"),
                              hy_test_env_port ("HY_TEST_SUBMISSIONS_PORT"), HY_SERVER_SECURITY_TLS, user);
  hy_account_set_incoming (account, in);
  hy_account_set_outgoing (account, out);
  HY_TEST_CALL (hy_account_manager_add_async (manager, account, g_getenv ("HY_TEST_ALICE_PASSWORD"), NULL,
                                              hy_test_store_result, &result), result);
  g_assert_true (hy_account_manager_add_finish (manager, result, &error));
  g_assert_no_error (error);

  engine = hy_engine_new (manager);
  hy_engine_set_ca_file (engine, g_getenv ("HY_TEST_CA_FILE"));
  HY_TEST_CALL (hy_engine_load_async (engine, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_engine_load_finish (engine, result, &error));
  g_assert_no_error (error);

  HY_TEST_CALL (hy_engine_sync_async (engine, account, NULL, hy_test_store_result, &result), result);
  g_assert_false (hy_engine_sync_finish (engine, result, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_AUTH_MECHANISM);
  g_assert_cmpint (hy_engine_get_sync_status (engine, account), ==, HY_SYNC_STATUS_ERROR);
  sync_error = hy_engine_get_sync_error (engine, account);
  g_assert_nonnull (sync_error);
  g_assert_true (g_error_matches (sync_error, HY_NET_ERROR, HY_NET_ERROR_AUTH_MECHANISM));
  g_clear_error (&error);

  /* Back to a method the server offers: the next sync works. */
  g_clear_pointer (&in->auth_mechanism, g_free);
  in->auth_mechanism = g_strdup ("SCRAM-SHA-1");
  hy_account_set_incoming (account, in);
  HY_TEST_CALL (hy_engine_sync_async (engine, account, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_engine_sync_finish (engine, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (hy_engine_get_sync_status (engine, account), ==, HY_SYNC_STATUS_IDLE);

  hy_engine_stop (engine);
  command = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (command), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  static const struct { const char *name; Proto proto; } protos[] = {
    { "imap", PROTO_IMAP }, { "pop3", PROTO_POP3 }, { "smtp", PROTO_SMTP },
  };

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (protos); i++)
    {
      g_autofree char *required = g_strdup_printf ("/engine/net/auth/%s/required", protos[i].name);
      g_autofree char *not_offered = g_strdup_printf ("/engine/net/auth/%s/not-offered", protos[i].name);
      g_autofree char *automatic = g_strdup_printf ("/engine/net/auth/%s/automatic", protos[i].name);

      g_test_add_data_func (required, GINT_TO_POINTER (protos[i].proto), test_required);
      g_test_add_data_func (not_offered, GINT_TO_POINTER (protos[i].proto), test_not_offered);
      g_autofree char *fallback = g_strdup_printf ("/engine/net/auth/%s/fallback", protos[i].name);
      g_autofree char *no_fallback = g_strdup_printf ("/engine/net/auth/%s/no-fallback-when-required",
                                                      protos[i].name);

      g_test_add_data_func (automatic, GINT_TO_POINTER (protos[i].proto), test_automatic);
      g_test_add_data_func (fallback, GINT_TO_POINTER (protos[i].proto), test_fallback);
      g_test_add_data_func (no_fallback, GINT_TO_POINTER (protos[i].proto), test_no_fallback_when_required);
    }
  g_test_add_func ("/engine/net/auth/account-sync", test_account_sync);
  return g_test_run ();
}
