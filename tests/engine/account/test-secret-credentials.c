/* test-secret-credentials.c — HySecretCredentials against a running gnome-keyring
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test-account"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "account/hy-account-manager.h"
#include "hy-secret-credentials.h"

#define PASSWORD "keyring-Pässwörd-鸿雁-plugh"

static gboolean
keyring_available (void)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (bus != NULL)
    reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                         "org.freedesktop.DBus", "NameHasOwner",
                                         g_variant_new ("(s)", "org.freedesktop.secrets"),
                                         G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

static gboolean
skip_without_keyring (void)
{
  if (keyring_available ())
    return FALSE;
  if (g_strcmp0 (g_getenv ("HY_REQUIRE_MAILSTACK"), "1") == 0)
    g_error ("no keyring (org.freedesktop.secrets) on the session bus, but HY_REQUIRE_MAILSTACK=1");
  g_test_skip ("no keyring (org.freedesktop.secrets) on the session bus");
  return TRUE;
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static char *
lookup (HyCredentials *credentials,
        const char    *account,
        const char    *protocol,
        const char    *host,
        const char    *user)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *secret;

  hy_credentials_lookup_async (credentials, account, protocol, host, user, NULL, on_done, &result);
  secret = hy_credentials_lookup_finish (credentials, wait_for (&result), &error);
  g_assert_no_error (error);
  return secret;
}

static void
store (HyCredentials *credentials,
       const char    *account,
       const char    *protocol,
       const char    *host,
       const char    *user,
       const char    *secret)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  hy_credentials_store_async (credentials, account, protocol, host, user, secret, NULL, on_done, &result);
  g_assert_true (hy_credentials_store_finish (credentials, wait_for (&result), &error));
  g_assert_no_error (error);
}

static void
delete (HyCredentials *credentials,
        const char    *account,
        const char    *protocol)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  hy_credentials_delete_async (credentials, account, protocol, NULL, NULL, NULL, on_done, &result);
  g_assert_true (hy_credentials_delete_finish (credentials, wait_for (&result), &error));
  g_assert_no_error (error);
}

static void
test_round_trip (void)
{
  g_autoptr(HyCredentials) credentials = NULL;
  g_autofree char *account = NULL;
  char *secret;

  if (skip_without_keyring ())
    return;

  credentials = hy_secret_credentials_new ();
  account = g_strdup_printf ("test-%08x", g_random_int ());

  store (credentials, account, "imap", "IMAP.Example.com", "alice", PASSWORD);
  store (credentials, account, "smtp", "smtp.example.com", "alice", "other");

  secret = lookup (credentials, account, "imap", "imap.example.com", "alice");
  g_assert_cmpstr (secret, ==, PASSWORD);
  hy_credentials_secret_free (secret);
  /* Each of the four attributes counts. */
  g_assert_null (lookup (credentials, account, "imap", "imap.example.com", "bob"));
  g_assert_null (lookup (credentials, account, "pop3", "imap.example.com", "alice"));
  g_assert_null (lookup (credentials, account, "imap", "imap.example.org", "alice"));
  g_assert_null (lookup (credentials, "another-account", "imap", "imap.example.com", "alice"));

  /* Storing again replaces. */
  store (credentials, account, "imap", "imap.example.com", "alice", "changed");
  secret = lookup (credentials, account, "imap", "imap.example.com", "alice");
  g_assert_cmpstr (secret, ==, "changed");
  hy_credentials_secret_free (secret);

  delete (credentials, account, "imap");
  g_assert_null (lookup (credentials, account, "imap", "imap.example.com", "alice"));
  secret = lookup (credentials, account, "smtp", "smtp.example.com", "alice");
  g_assert_cmpstr (secret, ==, "other");
  hy_credentials_secret_free (secret);
  /* Deleting by account alone removes the rest; deleting nothing is fine. */
  delete (credentials, account, NULL);
  g_assert_null (lookup (credentials, account, "smtp", "smtp.example.com", "alice"));
  delete (credentials, account, NULL);
}

static gboolean
found_in_tree (const char *path,
               const char *needle)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  gboolean found = FALSE;

  if (dir != NULL)
    {
      const char *name;

      while (!found && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          found = found_in_tree (child, needle);
        }
      g_dir_close (dir);
    }
  else
    {
      g_autofree char *contents = NULL;
      gsize length = 0, n = strlen (needle);

      if (g_file_get_contents (path, &contents, &length, NULL))
        for (gsize i = 0; !found && i + n <= length; i++)
          found = memcmp (contents + i, needle, n) == 0;
    }
  return found;
}

static void
test_account_manager (void)
{
  g_autoptr(HyCredentials) credentials = NULL;
  g_autoptr(HyAccountManager) manager = NULL;
  g_autoptr(HyAccount) account = NULL;
  g_autoptr(HyIdentity) identity = hy_identity_new ("Bob", "bob@example.org", NULL);
  g_autoptr(HyServerConfig) incoming = hy_server_config_new (HY_SERVER_PROTOCOL_IMAP, "imap.example.org", 0,
                                                             HY_SERVER_SECURITY_TLS, "bob");
  g_autoptr(HyServerConfig) outgoing = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, "smtp.example.org", 0,
                                                             HY_SERVER_SECURITY_TLS, "bob");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *config_dir = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *id = NULL;
  char *secret;

  if (skip_without_keyring ())
    return;

  dir = g_dir_make_tmp ("hy-keyring-XXXXXX", &error);
  g_assert_no_error (error);
  config_dir = g_build_filename (dir, "config", NULL);
  data_dir = g_build_filename (dir, "data", NULL);
  credentials = hy_secret_credentials_new ();
  manager = hy_account_manager_new_for_dirs (credentials, config_dir, data_dir);
  id = g_strdup_printf ("bob-%08x", g_random_int ());
  account = hy_account_new (id);
  hy_account_add_identity (account, identity);
  hy_account_set_incoming (account, incoming);
  hy_account_set_outgoing (account, outgoing);

  hy_account_manager_add_async (manager, account, PASSWORD, NULL, on_done, &result);
  g_assert_true (hy_account_manager_add_finish (manager, wait_for (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  secret = lookup (credentials, id, "smtp", "smtp.example.org", "bob");
  g_assert_cmpstr (secret, ==, PASSWORD);
  hy_credentials_secret_free (secret);
  g_assert_true (found_in_tree (config_dir, "imap.example.org"));
  g_assert_false (found_in_tree (config_dir, PASSWORD));

  hy_account_manager_remove_async (manager, account, NULL, on_done, &result);
  g_assert_true (hy_account_manager_remove_finish (manager, wait_for (&result), &error));
  g_assert_no_error (error);
  g_assert_null (lookup (credentials, id, "smtp", "smtp.example.org", "bob"));
  g_assert_null (lookup (credentials, id, "imap", "imap.example.org", "bob"));

  g_rmdir (config_dir);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/account/secret/round-trip", test_round_trip);
  g_test_add_func ("/engine/account/secret/account-manager", test_account_manager);

  return g_test_run ();
}
