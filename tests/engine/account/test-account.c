/* test-account.c — tests of accounts, folder roles, the account manager and credentials
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test-account"

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "account/hy-account.h"
#include "account/hy-account-error.h"
#include "account/hy-account-manager.h"
#include "account/hy-memory-credentials.h"
#include "store/hy-store.h"

#define PASSWORD "S3cret-Pässwörd-会议-xyzzy"

static void
test_folder_roles (void)
{
  static const struct { const char *name; char delim; HyFolderRole role; } cases[] = {
    { "INBOX", '/', HY_FOLDER_ROLE_INBOX },
    { "inbox", '.', HY_FOLDER_ROLE_INBOX },
    { "Sent", '/', HY_FOLDER_ROLE_SENT },
    { "Sent Items", '/', HY_FOLDER_ROLE_SENT },
    { "[Gmail]/Sent Mail", '/', HY_FOLDER_ROLE_SENT },
    { "INBOX.Sent", '.', HY_FOLDER_ROLE_SENT },
    { "Gesendete Objekte", '/', HY_FOLDER_ROLE_SENT },
    { "Éléments envoyés", '/', HY_FOLDER_ROLE_SENT },
    { "已发送", '/', HY_FOLDER_ROLE_SENT },
    { "寄件備份", '/', HY_FOLDER_ROLE_SENT },
    { "送信済みアイテム", '/', HY_FOLDER_ROLE_SENT },
    { "草稿", '/', HY_FOLDER_ROLE_DRAFTS },
    { "草稿箱", '/', HY_FOLDER_ROLE_DRAFTS },
    { "Entwürfe", '/', HY_FOLDER_ROLE_DRAFTS },
    { "已删除", '/', HY_FOLDER_ROLE_TRASH },
    { "Deleted Items", '/', HY_FOLDER_ROLE_TRASH },
    { "Papierkorb", '/', HY_FOLDER_ROLE_TRASH },
    { "垃圾邮件", '/', HY_FOLDER_ROLE_JUNK },
    { "Junk E-mail", '/', HY_FOLDER_ROLE_JUNK },
    { "Spam", '/', HY_FOLDER_ROLE_JUNK },
    { "Archive", '/', HY_FOLDER_ROLE_ARCHIVE },
    { "归档", '/', HY_FOLDER_ROLE_ARCHIVE },
    { "[Gmail]/All Mail", '/', HY_FOLDER_ROLE_ALL },
    { "Sent/2019", '/', HY_FOLDER_ROLE_NONE },
    { "Projects", '/', HY_FOLDER_ROLE_NONE },
    { "会议", '/', HY_FOLDER_ROLE_NONE },
    { "Work/Inbox", '/', HY_FOLDER_ROLE_NONE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      HyFolderRole role = hy_folder_role_guess_from_name (cases[i].name, cases[i].delim);

      if (role != cases[i].role)
        g_test_message ("%s", cases[i].name);
      g_assert_cmpint (role, ==, cases[i].role);
    }

  g_assert_cmpint (hy_folder_role_from_special_use ("\\Sent"), ==, HY_FOLDER_ROLE_SENT);
  g_assert_cmpint (hy_folder_role_from_special_use ("\\junk"), ==, HY_FOLDER_ROLE_JUNK);
  g_assert_cmpint (hy_folder_role_from_special_use ("\\HasChildren"), ==, HY_FOLDER_ROLE_NONE);
  g_assert_cmpint (hy_folder_role_from_string ("Trash"), ==, HY_FOLDER_ROLE_TRASH);
  g_assert_cmpstr (hy_folder_role_to_string (HY_FOLDER_ROLE_ARCHIVE), ==, "archive");
}

static HyAccount *
make_account (const char *id)
{
  HyAccount *account = hy_account_new (id);
  g_autoptr(HyIdentity) identity = hy_identity_new ("Alice Liddell", "alice@example.com", "-- \nAlice");
  g_autoptr(HyIdentity) second = hy_identity_new ("Alice (work)", "alice@work.example", NULL);
  g_autoptr(HyServerConfig) incoming = hy_server_config_new (HY_SERVER_PROTOCOL_IMAP, "imap.example.com", 0,
                                                             HY_SERVER_SECURITY_TLS, "alice");
  g_autoptr(HyServerConfig) outgoing = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, "smtp.example.com", 587,
                                                             HY_SERVER_SECURITY_STARTTLS, "alice@example.com");

  hy_account_set_display_name (account, "Personal");
  hy_account_add_identity (account, identity);
  hy_account_add_identity (account, second);
  outgoing->auth_mechanism = g_strdup ("PLAIN");
  hy_account_set_incoming (account, incoming);
  hy_account_set_outgoing (account, outgoing);
  return account;
}

static void
test_key_file (void)
{
  g_autoptr(HyAccount) account = make_account ("alice-example-com");
  g_autoptr(HyAccount) copy = NULL;
  g_autoptr(GKeyFile) key_file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  HyIdentity *identity;

  hy_account_set_folder_for_role (account, HY_FOLDER_ROLE_SENT, "已发送");
  hy_account_set_server_saves_sent (account, TRUE);
  hy_account_set_sync_window_days (account, 30);

  key_file = hy_account_to_key_file (account);
  text = g_key_file_to_data (key_file, NULL, NULL);
  copy = hy_account_new_from_key_file ("alice-example-com", key_file, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (hy_account_get_display_name (copy), ==, "Personal");
  g_assert_cmpuint (hy_account_get_identities (copy)->len, ==, 2);
  identity = g_ptr_array_index (hy_account_get_identities (copy), 0);
  g_assert_cmpstr (identity->name, ==, "Alice Liddell");
  g_assert_cmpstr (identity->signature, ==, "-- \nAlice");
  g_assert_cmpstr (hy_account_get_address (copy), ==, "alice@example.com");
  g_assert_true (hy_server_config_equal (hy_account_get_incoming (copy), hy_account_get_incoming (account)));
  g_assert_true (hy_server_config_equal (hy_account_get_outgoing (copy), hy_account_get_outgoing (account)));
  g_assert_cmpuint (hy_account_get_incoming (copy)->port, ==, 993);
  g_assert_cmpstr (hy_account_get_outgoing (copy)->auth_mechanism, ==, "PLAIN");
  g_assert_cmpstr (hy_account_get_folder_for_role (copy, HY_FOLDER_ROLE_SENT), ==, "已发送");
  g_assert_null (hy_account_get_folder_for_role (copy, HY_FOLDER_ROLE_DRAFTS));
  g_assert_true (hy_account_get_server_saves_sent (copy));
  g_assert_cmpuint (hy_account_get_sync_window_days (copy), ==, 30);
  g_assert_true (hy_account_validate (copy, &error));
  g_assert_no_error (error);
}

static void
on_changed (HyAccount *account,
            guint     *count)
{
  (*count)++;
}

/* An identity edited in place stays where it was (the first is the
 * default) and says so only when something changed. */
static void
test_replace_identity (void)
{
  g_autoptr(HyAccount) account = make_account ("alice-example-com");
  g_autoptr(HyIdentity) edited = hy_identity_new ("Alice L.", "alice@example.com", "-- \nA.");
  guint changes = 0;
  HyIdentity *identity;

  g_signal_connect (account, "changed", G_CALLBACK (on_changed), &changes);
  hy_account_replace_identity (account, 0, edited);
  g_assert_cmpuint (changes, ==, 1);
  g_assert_cmpuint (hy_account_get_identities (account)->len, ==, 2);
  identity = g_ptr_array_index (hy_account_get_identities (account), 0);
  g_assert_cmpstr (identity->name, ==, "Alice L.");
  g_assert_cmpstr (identity->signature, ==, "-- \nA.");
  g_assert_cmpstr (hy_account_get_address (account), ==, "alice@example.com");
  identity = g_ptr_array_index (hy_account_get_identities (account), 1);
  g_assert_cmpstr (identity->address, ==, "alice@work.example");

  hy_account_replace_identity (account, 0, edited);
  g_assert_cmpuint (changes, ==, 1);
}

static void
test_pop3_and_invalid (void)
{
  g_autoptr(HyAccount) account = make_account ("pop");
  g_autoptr(HyServerConfig) pop = hy_server_config_new (HY_SERVER_PROTOCOL_POP3, "pop.example.com", 0,
                                                        HY_SERVER_SECURITY_TLS, "alice");
  g_autoptr(GKeyFile) key_file = NULL;
  g_autoptr(HyAccount) copy = NULL;
  g_autoptr(GError) error = NULL;

  hy_account_set_incoming (account, pop);
  hy_account_set_pop3_leave_on_server (account, TRUE);
  hy_account_set_pop3_delete_after_days (account, 14);
  key_file = hy_account_to_key_file (account);
  copy = hy_account_new_from_key_file ("pop", key_file, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hy_account_get_incoming (copy)->port, ==, 995);
  g_assert_true (hy_account_get_pop3_leave_on_server (copy));
  g_assert_cmpuint (hy_account_get_pop3_delete_after_days (copy), ==, 14);

  g_key_file_set_string (key_file, "Incoming", "Protocol", "gopher");
  g_clear_object (&copy);
  copy = hy_account_new_from_key_file ("pop", key_file, &error);
  g_assert_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_INVALID);
  g_assert_null (copy);
  g_clear_error (&error);

  /* SMTP cannot be the incoming server. */
  hy_account_set_incoming (account, hy_account_get_outgoing (account));
  g_assert_false (hy_account_validate (account, &error));
  g_assert_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_INVALID);
}

typedef struct {
  char *dir;
  char *config_dir;
  char *data_dir;
  HyCredentials *credentials;
  HyAccountManager *manager;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("hy-account-XXXXXX", &error);
  g_assert_no_error (error);
  f->config_dir = g_build_filename (f->dir, "config", "hongyan", "accounts", NULL);
  f->data_dir = g_build_filename (f->dir, "data", "hongyan", "accounts", NULL);
  f->credentials = hy_memory_credentials_new ();
  f->manager = hy_account_manager_new_for_dirs (f->credentials, f->config_dir, f->data_dir);
  g_assert_true (hy_account_manager_load (f->manager, &error));
  g_assert_no_error (error);
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_dir_close (dir);
    }
  g_remove (path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->manager);
  g_clear_object (&f->credentials);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->config_dir);
  g_free (f->data_dir);
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

static void
add_account (HyAccountManager *manager,
             HyAccount        *account,
             const char       *password)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  hy_account_manager_add_async (manager, account, password, NULL, on_done, &result);
  hy_account_manager_add_finish (manager, wait_for (&result), &error);
  g_assert_no_error (error);
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
test_manager (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(HyAccount) account = NULL;
  g_autoptr(HyAccountManager) again = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStore) store = NULL;
  g_autofree char *id = NULL;
  g_autofree char *path = NULL;
  g_autofree char *store_path = NULL;
  g_autofree char *cache_dir = NULL;
  g_autofree char *secret = NULL;
  HyAccount *found;
  GStatBuf st;

  id = hy_account_manager_make_id (f->manager, "Alice@Example.com");
  g_assert_cmpstr (id, ==, "alice-example-com");
  account = make_account (id);
  add_account (f->manager, account, PASSWORD);

  /* The file is private; the password is in the credentials. */
  path = g_build_filename (f->config_dir, "alice-example-com.conf", NULL);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpuint (hy_memory_credentials_get_count (HY_MEMORY_CREDENTIALS (f->credentials)), ==, 2);
  secret = lookup (f->credentials, id, "smtp", "SMTP.example.com", "alice@example.com");
  g_assert_cmpstr (secret, ==, PASSWORD);

  /* A second account of the same address gets its own id. */
  g_free (id);
  id = hy_account_manager_make_id (f->manager, "alice@example.com");
  g_assert_cmpstr (id, ==, "alice-example-com-2");
  {
    g_autoptr(HyAccount) duplicate = make_account ("alice-example-com");

    hy_account_manager_add_async (f->manager, duplicate, NULL, NULL, on_done, &result);
    g_assert_false (hy_account_manager_add_finish (f->manager, wait_for (&result), &error));
    g_assert_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_EXISTS);
    g_clear_error (&error);
    g_clear_object (&result);
  }

  /* Edits are saved by themselves and seen by another manager. */
  hy_account_set_display_name (account, "Home mail");
  hy_account_set_folder_for_role (account, HY_FOLDER_ROLE_TRASH, "已删除");
  again = hy_account_manager_new_for_dirs (f->credentials, f->config_dir, f->data_dir);
  hy_account_manager_load_async (again, NULL, on_done, &result);
  g_assert_true (hy_account_manager_load_finish (again, wait_for (&result), &error));
  g_clear_object (&result);
  g_assert_cmpuint (g_list_model_get_n_items (hy_account_manager_get_accounts (again)), ==, 1);
  found = hy_account_manager_find (again, "ALICE@example.com");
  g_assert_nonnull (found);
  g_assert_cmpstr (hy_account_get_display_name (found), ==, "Home mail");
  g_assert_cmpstr (hy_account_get_folder_for_role (found, HY_FOLDER_ROLE_TRASH), ==, "已删除");
  g_assert_true (hy_account_manager_find (again, "Home mail") == found);
  g_assert_null (hy_account_manager_find (again, "nobody"));

  /* Removal takes the secrets and the cache with it. */
  store_path = hy_account_manager_get_store_path (f->manager, account);
  store = hy_store_open (store_path, &error);
  g_assert_no_error (error);
  g_clear_object (&store);
  cache_dir = g_path_get_dirname (store_path);
  g_assert_true (g_file_test (cache_dir, G_FILE_TEST_IS_DIR));

  hy_account_manager_remove_async (f->manager, account, NULL, on_done, &result);
  g_assert_true (hy_account_manager_remove_finish (f->manager, wait_for (&result), &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (cache_dir, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (hy_memory_credentials_get_count (HY_MEMORY_CREDENTIALS (f->credentials)), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (hy_account_manager_get_accounts (f->manager)), ==, 0);
}

static gboolean
contains (const char *haystack,
          gsize       length,
          const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; i + n <= length; i++)
    if (haystack[i] == needle[0] && memcmp (haystack + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

/* Whether @needle is in any file under @path. */
static gboolean
found_on_disk (const char *path,
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

          found = found_on_disk (child, needle);
        }
      g_dir_close (dir);
    }
  else
    {
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (g_file_get_contents (path, &contents, &length, NULL))
        found = contains (contents, length, needle);
    }
  return found;
}

static void
test_no_password_on_disk (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(HyAccount) account = make_account ("secretive");
  g_autoptr(HyStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *store_path = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *config_root = g_build_filename (f->dir, "config", NULL);
  g_autofree char *data_root = g_build_filename (f->dir, "data", NULL);

  add_account (f->manager, account, PASSWORD);
  store_path = hy_account_manager_get_store_path (f->manager, account);
  store = hy_store_open (store_path, &error);
  g_assert_no_error (error);
  secret = lookup (f->credentials, "secretive", "imap", "imap.example.com", "alice");
  g_assert_cmpstr (secret, ==, PASSWORD);

  g_assert_false (found_on_disk (config_root, PASSWORD));
  g_assert_false (found_on_disk (data_root, PASSWORD));
  /* The scan does see the files: the settings are there. */
  g_assert_true (found_on_disk (config_root, "imap.example.com"));
  g_assert_true (found_on_disk (data_root, "SQLite format 3"));
}

static void
test_damaged_file (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(HyAccount) account = make_account ("good");
  g_autoptr(HyAccountManager) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bad = NULL;

  add_account (f->manager, account, NULL);
  bad = g_build_filename (f->config_dir, "bad.conf", NULL);
  g_assert_true (g_file_set_contents (bad, "[Account\nName=oops", -1, NULL));

  /* One damaged file does not cost the other accounts. */
  again = hy_account_manager_new_for_dirs (f->credentials, f->config_dir, f->data_dir);
  g_test_expect_message ("hy-account", G_LOG_LEVEL_WARNING, "*bad.conf*");
  g_assert_true (hy_account_manager_load (again, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (hy_account_manager_get_accounts (again)), ==, 1);
  g_assert_nonnull (hy_account_manager_find (again, "good"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/account/folder-role/names", test_folder_roles);
  g_test_add_func ("/engine/account/key-file/round-trip", test_key_file);
  g_test_add_func ("/engine/account/key-file/pop3-and-invalid", test_pop3_and_invalid);
  g_test_add_func ("/engine/account/identity/replace", test_replace_identity);
  g_test_add ("/engine/account/manager/add-edit-remove", Fixture, NULL,
              fixture_set_up, test_manager, fixture_tear_down);
  g_test_add ("/engine/account/manager/damaged-file", Fixture, NULL,
              fixture_set_up, test_damaged_file, fixture_tear_down);
  g_test_add ("/engine/account/manager/no-password-on-disk", Fixture, NULL,
              fixture_set_up, test_no_password_on_disk, fixture_tear_down);

  return g_test_run ();
}
