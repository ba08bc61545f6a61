/* test-pinned-sync.c — HyEngine syncs an account whose server certificate the user pinned
 *
 * The engine is given no extra CA, so the test server's certificate is
 * not trusted: the first sync fails with a certificate error that
 * carries the certificate.  Once the user trusts it ("Trust this
 * certificate" writes a pin), the next sync of the same account succeeds
 * without restarting anything.  A pin made for another account or port
 * does not help.  An account added (with its pin) to an engine that
 * already runs is opened and synced by itself.
 *
 * Skips when HY_TEST_HOST is unset, unless HY_REQUIRE_MAILSTACK=1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <gmime/gmime.h>

#include "account/hy-account-manager.h"
#include "account/hy-certificate-pins.h"
#include "account/hy-memory-credentials.h"
#include "api/hy-engine.h"
#include "net/hy-connection.h"
#include "net/hy-net-error.h"
#include "hy-test-util.h"

static char *config_home;

static gboolean
sync_account (HyEngine   *engine,
              HyAccount  *account,
              GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  HY_TEST_CALL (hy_engine_sync_async (engine, account, NULL, hy_test_store_result, &result), result);
  return hy_engine_sync_finish (engine, result, error);
}

static void
test_pinned_certificate (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *config_dir = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *command = NULL;
  g_autofree char *sha256 = NULL;
  g_autoptr(HyCredentials) credentials = NULL;
  g_autoptr(HyAccountManager) manager = NULL;
  g_autoptr(HyAccount) account = NULL;
  g_autoptr(HyIdentity) identity = NULL;
  g_autoptr(HyServerConfig) in = NULL;
  g_autoptr(HyServerConfig) out = NULL;
  g_autoptr(HyServerConfig) other_port = NULL;
  g_autoptr(HyEngine) engine = NULL;
  g_autoptr(HyCertificatePins) pins = NULL;
  const GError *sync_error;
  GTlsCertificate *certificate;
  const char *user;

  if (hy_test_skip_without_mailstack ())
    return;

  user = g_getenv ("HY_TEST_ALICE_USER");
  dir = g_dir_make_tmp ("hy-pinned-XXXXXX", &error);
  g_assert_no_error (error);
  config_dir = g_build_filename (dir, "config", NULL);
  data_dir = g_build_filename (dir, "data", NULL);
  credentials = hy_memory_credentials_new ();
  manager = hy_account_manager_new_for_dirs (credentials, config_dir, data_dir);
  account = hy_account_new ("pinned");
  identity = hy_identity_new ("Alice", g_getenv ("HY_TEST_ALICE_ADDRESS"), NULL);
  hy_account_add_identity (account, identity);
  in = hy_server_config_new (HY_SERVER_PROTOCOL_IMAP, g_getenv ("HY_TEST_HOST"),
                             hy_test_env_port ("HY_TEST_IMAP_PORT"),
                             HY_SERVER_SECURITY_STARTTLS, user);
  hy_account_set_incoming (account, in);
  out = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, g_getenv ("HY_TEST_HOST"),
                              hy_test_env_port ("HY_TEST_SUBMISSION_PORT"),
                              HY_SERVER_SECURITY_STARTTLS, user);
  hy_account_set_outgoing (account, out);
  hy_account_set_sync_window_days (account, 1);
  HY_TEST_CALL (hy_account_manager_add_async (manager, account, g_getenv ("HY_TEST_ALICE_PASSWORD"),
                                              NULL, hy_test_store_result, &result), result);
  hy_account_manager_add_finish (manager, result, &error);
  g_assert_no_error (error);

  /* No CA file: the system does not trust the test server. */
  engine = hy_engine_new (manager);
  HY_TEST_CALL (hy_engine_load_async (engine, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_engine_load_finish (engine, result, &error));
  g_assert_no_error (error);

  g_assert_false (sync_account (engine, account, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_CERTIFICATE);
  g_assert_cmpint (hy_engine_get_sync_status (engine, account), ==, HY_SYNC_STATUS_ERROR);
  sync_error = hy_engine_get_sync_error (engine, account);
  g_assert_nonnull (sync_error);
  certificate = hy_net_error_get_certificate (sync_error, NULL);
  g_assert_nonnull (certificate);
  sha256 = hy_certificate_get_sha256 (certificate);
  g_clear_error (&error);

  /* A pin for the same certificate on another port of the server is not
   * one for this server. */
  pins = hy_certificate_pins_new_default ();
  g_assert_true (hy_certificate_pins_load (pins, &error));
  g_assert_no_error (error);
  other_port = hy_server_config_new (HY_SERVER_PROTOCOL_IMAP, g_getenv ("HY_TEST_HOST"),
                                     hy_test_env_port ("HY_TEST_IMAPS_PORT"),
                                     HY_SERVER_SECURITY_TLS, user);
  g_assert_true (hy_certificate_pins_set (pins, "pinned", other_port, sha256, &error));
  g_assert_no_error (error);
  g_assert_false (sync_account (engine, account, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_CERTIFICATE);
  g_clear_error (&error);

  /* "Trust this certificate": the next sync connects and logs in. */
  g_assert_true (hy_certificate_pins_set (pins, "pinned", in, sha256, &error));
  g_assert_no_error (error);
  g_assert_true (sync_account (engine, account, &error));
  g_assert_no_error (error);
  g_assert_cmpint (hy_engine_get_sync_status (engine, account), ==, HY_SYNC_STATUS_IDLE);
  g_assert_nonnull (hy_engine_find_folder_by_role (engine, account, HY_FOLDER_ROLE_INBOX));

  hy_engine_stop (engine);
  g_clear_object (&engine);
  command = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (command), ==, 0);
}

/* What the app does after "Trust this certificate" in the assistant: the
 * pin is written, then the account is added to the manager of an engine
 * that is already loaded and started.  The engine opens the account and
 * its first sync succeeds by itself. */
static void
test_added_after_trust (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *config_dir = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *command = NULL;
  g_autofree char *sha256 = NULL;
  g_autoptr(HyCredentials) credentials = NULL;
  g_autoptr(HyAccountManager) manager = NULL;
  g_autoptr(HyAccount) account = NULL;
  g_autoptr(HyIdentity) identity = NULL;
  g_autoptr(HyServerConfig) in = NULL;
  g_autoptr(HyServerConfig) out = NULL;
  g_autoptr(HyEngine) engine = NULL;
  g_autoptr(HyCertificatePins) pins = NULL;
  g_autoptr(HyConnection) probe = NULL;
  GTlsCertificate *certificate;
  const char *user;
  gint64 end;

  if (hy_test_skip_without_mailstack ())
    return;

  user = g_getenv ("HY_TEST_ALICE_USER");
  in = hy_server_config_new (HY_SERVER_PROTOCOL_IMAP, g_getenv ("HY_TEST_HOST"),
                             hy_test_env_port ("HY_TEST_IMAPS_PORT"),
                             HY_SERVER_SECURITY_TLS, user);
  out = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, g_getenv ("HY_TEST_HOST"),
                              hy_test_env_port ("HY_TEST_SUBMISSION_PORT"),
                              HY_SERVER_SECURITY_STARTTLS, user);

  /* The certificate the assistant showed: the one the server presents. */
  probe = hy_connection_new (in->host, in->port, HY_NET_SECURITY_TLS);
  HY_TEST_CALL (hy_connection_connect_async (probe, NULL, hy_test_store_result, &result), result);
  g_assert_false (hy_connection_connect_finish (probe, result, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_CERTIFICATE);
  certificate = hy_net_error_get_certificate (error, NULL);
  g_assert_nonnull (certificate);
  sha256 = hy_certificate_get_sha256 (certificate);
  g_clear_error (&error);

  dir = g_dir_make_tmp ("hy-pinned-XXXXXX", &error);
  g_assert_no_error (error);
  config_dir = g_build_filename (dir, "config", NULL);
  data_dir = g_build_filename (dir, "data", NULL);
  credentials = hy_memory_credentials_new ();
  manager = hy_account_manager_new_for_dirs (credentials, config_dir, data_dir);
  engine = hy_engine_new (manager);
  HY_TEST_CALL (hy_engine_load_async (engine, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_engine_load_finish (engine, result, &error));
  g_assert_no_error (error);
  hy_engine_start (engine);

  pins = hy_certificate_pins_new_default ();
  g_assert_true (hy_certificate_pins_load (pins, &error));
  g_assert_no_error (error);
  g_assert_true (hy_certificate_pins_set (pins, "trusted", in, sha256, &error));
  g_assert_no_error (error);

  account = hy_account_new ("trusted");
  identity = hy_identity_new ("Alice", g_getenv ("HY_TEST_ALICE_ADDRESS"), NULL);
  hy_account_add_identity (account, identity);
  hy_account_set_incoming (account, in);
  hy_account_set_outgoing (account, out);
  hy_account_set_sync_window_days (account, 1);
  HY_TEST_CALL (hy_account_manager_add_async (manager, account, g_getenv ("HY_TEST_ALICE_PASSWORD"),
                                              NULL, hy_test_store_result, &result), result);
  hy_account_manager_add_finish (manager, result, &error);
  g_assert_no_error (error);

  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while ((hy_engine_find_folder_by_role (engine, account, HY_FOLDER_ROLE_INBOX) == NULL ||
          hy_engine_get_sync_status (engine, account) != HY_SYNC_STATUS_IDLE) &&
         hy_engine_get_sync_status (engine, account) != HY_SYNC_STATUS_ERROR &&
         g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10000);
  g_assert_null (hy_engine_get_sync_error (engine, account));
  g_assert_cmpint (hy_engine_get_sync_status (engine, account), ==, HY_SYNC_STATUS_IDLE);
  g_assert_nonnull (hy_engine_find_folder_by_role (engine, account, HY_FOLDER_ROLE_INBOX));

  hy_engine_stop (engine);
  g_clear_object (&engine);
  command = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (command), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *command = NULL;
  int status;

  /* The pins live in the user's configuration: give this test its own,
   * before GLib reads the variable. */
  config_home = g_dir_make_tmp ("hy-pinned-config-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("XDG_CONFIG_HOME", config_home, TRUE);

  g_test_init (&argc, &argv, NULL);
  g_mime_init ();
  g_test_add_func ("/engine/sync/pinned-certificate", test_pinned_certificate);
  g_test_add_func ("/engine/sync/pinned-certificate/added-after-trust", test_added_after_trust);
  status = g_test_run ();

  command = g_strdup_printf ("rm -rf '%s'", config_home);
  if (system (command) != 0)
    g_warning ("Could not remove %s", config_home);
  g_free (config_home);
  return status;
}
