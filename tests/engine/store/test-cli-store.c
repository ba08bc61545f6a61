/* test-cli-store.c — hongyan-cli folders, list and search over an account's store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test-store"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "account/hy-account-manager.h"
#include "account/hy-memory-credentials.h"
#include "store/hy-store.h"
#include "store/hy-store-transaction.h"

static char *dir;
static char *cli;

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
add (HyStoreTransaction *txn,
     gint64              folder,
     guint32             uid,
     const char         *from,
     const char         *subject,
     const char         *text,
     gint64              date,
     guint32             flags)
{
  g_autoptr(HyStoreMessage) m = hy_store_message_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = g_bytes_new (text, strlen (text));

  m->folder_id = folder;
  m->uid = uid;
  m->flags = flags;
  m->date = date;
  m->from = g_strdup (from);
  m->to = g_strdup ("Alice <alice@example.org>");
  m->subject = g_strdup (subject);
  m->preview = g_strdup (text);
  hy_store_transaction_add_message (txn, m, &error);
  g_assert_no_error (error);
  hy_store_transaction_set_body (txn, m->id, raw, text, &error);
  g_assert_no_error (error);
}

static void
set_up_account (void)
{
  g_autofree char *config_dir = g_build_filename (dir, "config", "hongyan", "accounts", NULL);
  g_autofree char *data_dir = g_build_filename (dir, "data", "hongyan", "accounts", NULL);
  g_autoptr(HyCredentials) credentials = hy_memory_credentials_new ();
  g_autoptr(HyAccountManager) manager = hy_account_manager_new_for_dirs (credentials, config_dir, data_dir);
  g_autoptr(HyAccount) account = hy_account_new ("alice");
  g_autoptr(HyIdentity) identity = hy_identity_new ("Alice", "alice@example.org", NULL);
  g_autoptr(HyServerConfig) in = hy_server_config_new (HY_SERVER_PROTOCOL_IMAP, "imap.example.org", 0, HY_SERVER_SECURITY_TLS, "alice");
  g_autoptr(HyServerConfig) out = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, "smtp.example.org", 0, HY_SERVER_SECURITY_TLS, "alice");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStore) store = NULL;
  g_autoptr(HyStoreTransaction) txn = NULL;
  g_autofree char *path = NULL;
  gint64 inbox, sent;

  hy_account_add_identity (account, identity);
  hy_account_set_incoming (account, in);
  hy_account_set_outgoing (account, out);
  hy_account_manager_add_async (manager, account, NULL, NULL, on_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (hy_account_manager_add_finish (manager, result, &error));

  path = hy_account_manager_get_store_path (manager, account);
  store = hy_store_open (path, &error);
  g_assert_no_error (error);
  txn = hy_store_begin (store, &error);
  inbox = hy_store_transaction_add_folder (txn, "INBOX", HY_FOLDER_ROLE_INBOX, "/", &error);
  sent = hy_store_transaction_add_folder (txn, "已发送", HY_FOLDER_ROLE_SENT, "/", &error);
  add (txn, inbox, 1, "Bob <bob@example.org>", "Budget \"draft\"", "The budget draft is attached.", 1700000000, HY_STORE_FLAG_SEEN);
  add (txn, inbox, 2, "王芳 <wangfang@example.cn>", "周五会议", "周五下午开会议，讨论预算。", 1700100000, 0);
  add (txn, sent, 1, "Alice <alice@example.org>", "Re: Budget", "Thanks Bob.", 1700200000, HY_STORE_FLAG_SEEN);
  g_assert_true (hy_store_transaction_commit (txn, &error));
  g_assert_no_error (error);
}

static char *
run_cli (int         *status,
         const char  *first,
         ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *config = g_build_filename (dir, "config", NULL);
  g_autofree char *data = g_build_filename (dir, "data", NULL);
  g_auto(GStrv) env = g_get_environ ();
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  va_list ap;

  g_ptr_array_add (args, cli);
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  env = g_environ_setenv (env, "XDG_CONFIG_HOME", config, TRUE);
  env = g_environ_setenv (env, "XDG_DATA_HOME", data, TRUE);
  env = g_environ_setenv (env, "LC_ALL", "C.UTF-8", TRUE);

  g_spawn_sync (NULL, (char **) args->pdata, env, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                &out, NULL, status, &error);
  g_assert_no_error (error);
  return out;
}

static void
test_folders (void)
{
  int status;
  g_autofree char *out = run_cli (&status, "folders", "--json", NULL);

  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (out, ==,
                   "{\"name\":\"INBOX\",\"role\":\"inbox\",\"total\":2,\"unread\":1}\n"
                   "{\"name\":\"已发送\",\"role\":\"sent\",\"total\":1,\"unread\":0}\n");
}

static void
test_list (void)
{
  int status;
  g_autofree char *out = run_cli (&status, "list", "INBOX", "--json", "--limit", "1", NULL);

  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_true (g_str_has_prefix (out, "{\"id\":"));
  g_assert_nonnull (strstr (out, "\"subject\":\"周五会议\""));
  g_assert_nonnull (strstr (out, "\"from\":\"王芳\""));
  g_assert_nonnull (strstr (out, "\"unread\":true"));
  g_assert_null (strstr (out, "Budget"));
  g_free (out);

  out = run_cli (&status, "list", "Nowhere", NULL);
  g_assert_cmpint (WEXITSTATUS (status), ==, 1);
}

static void
test_search (void)
{
  int status;
  g_autofree char *out = run_cli (&status, "search", "--json", "budget", NULL);

  g_assert_true (g_spawn_check_wait_status (status, NULL));
  /* Newest first, across folders; quotes are escaped. */
  g_assert_nonnull (strstr (out, "\"subject\":\"Re: Budget\""));
  g_assert_nonnull (strstr (out, "\"subject\":\"Budget \\\"draft\\\"\""));
  g_assert_true (strstr (out, "Re: Budget") < strstr (out, "Budget \\\"draft"));
  g_free (out);

  out = run_cli (&status, "search", "--json", "会议", NULL);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "周五会议"));
  g_assert_null (strstr (out, "Budget"));
  g_free (out);

  out = run_cli (&status, "search", "from:bob", "in:inbox", NULL);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "Budget \"draft\""));
  g_assert_null (strstr (out, "Re: Budget"));
  g_free (out);

  out = run_cli (&status, "search", "is:sleepy", NULL);
  g_assert_cmpint (WEXITSTATUS (status), ==, 2);
}

static void
remove_tree (const char *path)
{
  GDir *d = g_dir_open (path, 0, NULL);
  const char *name;

  if (d != NULL)
    {
      while ((name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_dir_close (d);
    }
  g_remove (path);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  cli = g_build_filename (g_getenv ("HONGYAN_BUILD_ROOT") ? g_getenv ("HONGYAN_BUILD_ROOT") : ".",
                          "src", "cli", "hongyan-cli", NULL);
  dir = g_dir_make_tmp ("hy-cli-XXXXXX", &error);
  g_assert_no_error (error);
  set_up_account ();

  g_test_add_func ("/engine/store/cli/folders", test_folders);
  g_test_add_func ("/engine/store/cli/list", test_list);
  g_test_add_func ("/engine/store/cli/search", test_search);

  status = g_test_run ();
  remove_tree (dir);
  g_free (dir);
  g_free (cli);
  return status;
}
