/* hy-cli-sync.c — “hongyan-cli sync”: bring the offline store in step with the server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-cli"

#include "config.h"

#include <stdio.h>
#include <glib-unix.h>

#include "hy-cli-commands.h"
#include "hy-cli-conn.h"
#include "hy-cli-engine.h"

static void
print_summary (HyEngine  *engine,
               HyAccount *account)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) folders = hy_store_list_folders (hy_engine_get_store (engine, account), &error);
  guint total = 0, unread = 0;

  if (folders == NULL)
    return;
  for (guint i = 0; i < folders->len; i++)
    {
      HyStoreFolder *folder = g_ptr_array_index (folders, i);

      total += folder->total;
      unread += folder->unread;
    }
  printf ("%s: %u folders, %u messages, %u unread\n", hy_account_get_id (account), folders->len, total, unread);
  fflush (stdout);
}

static void
on_new_mail (HyEngine  *engine,
             HyAccount *account,
             HyFolder  *folder,
             guint      count,
             gpointer   user_data)
{
  printf ("new mail: %s %s %u\n", hy_account_get_id (account), hy_folder_get_name (folder), count);
  fflush (stdout);
}

static void
on_status (HyEngine  *engine,
           HyAccount *account,
           gpointer   user_data)
{
  const GError *error = hy_engine_get_sync_error (engine, account);

  switch (hy_engine_get_sync_status (engine, account))
    {
    case HY_SYNC_STATUS_IDLE:
      print_summary (engine, account);
      break;
    case HY_SYNC_STATUS_OFFLINE:
    case HY_SYNC_STATUS_ERROR:
      if (error != NULL)
        hy_cli_engine_report_sync_error (account, error);
      break;
    case HY_SYNC_STATUS_SYNCING:
    default:
      break;
    }
}

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

int
hy_cli_sync_run (int    argc,
                 char **argv)
{
  g_autofree char *account_key = NULL;
  g_autofree char *ca_file = NULL;
  gboolean once = FALSE;
  const GOptionEntry entries[] = {
    { "account", 'a', 0, G_OPTION_ARG_STRING, &account_key, "Only this account (id, address or name)", "ACCOUNT" },
    { "once", 0, 0, G_OPTION_ARG_NONE, &once, "Sync once and exit, instead of staying in step until interrupted", NULL },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, "Also trust the CA certificates in this PEM file", "PEM" },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new ("— bring the offline store in step with the server: folders, messages, flags, "
                          "queued changes");
  HyCliEngine cli;
  int status = HY_CLI_EXIT_OK;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!hy_cli_parse_options (context, &argc, &argv))
    return HY_CLI_EXIT_USAGE;
  if (argc != 1)
    {
      hy_cli_error ("sync takes no arguments (see hongyan-cli sync --help)");
      return HY_CLI_EXIT_USAGE;
    }
  if (!hy_cli_engine_open (&cli, account_key, FALSE, ca_file))
    {
      hy_cli_engine_clear (&cli);
      return HY_CLI_EXIT_FAILURE;
    }

  if (once)
    {
      GListModel *accounts = hy_account_manager_get_accounts (cli.manager);

      for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
        {
          g_autoptr(HyAccount) account = g_list_model_get_item (accounts, i);
          g_autoptr(GAsyncResult) result = NULL;
          g_autoptr(GError) error = NULL;

          if (cli.account != NULL && account != cli.account)
            continue;
          hy_engine_sync_async (cli.engine, account, NULL, hy_cli_store_result, &result);
          if (hy_engine_sync_finish (cli.engine, hy_cli_wait (&result), &error))
            print_summary (cli.engine, account);
          else if (status == HY_CLI_EXIT_OK)
            status = hy_cli_engine_report_sync_error (account, error);
          else
            hy_cli_engine_report_sync_error (account, error);
        }
    }
  else
    {
      g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
      guint sigint = g_unix_signal_add (SIGINT, on_signal, loop);
      guint sigterm = g_unix_signal_add (SIGTERM, on_signal, loop);

      g_signal_connect (cli.engine, "new-mail", G_CALLBACK (on_new_mail), NULL);
      g_signal_connect (cli.engine, "sync-status-changed", G_CALLBACK (on_status), NULL);
      hy_engine_start (cli.engine);
      g_main_loop_run (loop);
      g_source_remove (sigint);
      g_source_remove (sigterm);
    }
  hy_cli_engine_clear (&cli);
  return status;
}
