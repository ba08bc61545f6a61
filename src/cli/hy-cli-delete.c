/* hy-cli-delete.c — “hongyan-cli delete”: move messages to Trash, or delete them from Trash
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-cli"

#include "config.h"

#include "hy-cli-commands.h"
#include "hy-cli-conn.h"
#include "hy-cli-engine.h"

int
hy_cli_delete_run (int    argc,
                   char **argv)
{
  g_autofree char *account_key = NULL;
  g_autofree char *ca_file = NULL;
  gboolean offline = FALSE;
  const GOptionEntry entries[] = {
    { "account", 'a', 0, G_OPTION_ARG_STRING, &account_key, "The account (id, address or name)", "ACCOUNT" },
    { "offline", 0, 0, G_OPTION_ARG_NONE, &offline, "Only change the store and queue it; sync sends it later", NULL },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, "Also trust the CA certificates in this PEM file", "PEM" },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new ("MESSAGE-ID|ROWID… — move messages to Trash; those already there are deleted for good");
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HyCliEngine cli;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!hy_cli_parse_options (context, &argc, &argv))
    return HY_CLI_EXIT_USAGE;
  if (argc < 2)
    {
      hy_cli_error ("delete needs messages (see hongyan-cli delete --help)");
      return HY_CLI_EXIT_USAGE;
    }
  if (!hy_cli_engine_open (&cli, account_key, TRUE, ca_file) ||
      (ids = hy_cli_engine_resolve (&cli, argv + 1, argc - 1)) == NULL)
    {
      hy_cli_engine_clear (&cli);
      return HY_CLI_EXIT_FAILURE;
    }
  /* Which folder is Trash comes from the folder model. */
  {
    GListModel *folders = hy_engine_get_folders (cli.engine, cli.account);
    g_autoptr(GPtrArray) rows = hy_store_list_folders (hy_engine_get_store (cli.engine, cli.account), NULL);
    gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    while (rows != NULL && g_list_model_get_n_items (folders) < rows->len && g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, TRUE);
  }
  hy_engine_delete_async (cli.engine, cli.account, (const gint64 *) (void *) ids->data, ids->len,
                          NULL, hy_cli_store_result, &result);
  if (!hy_engine_operation_finish (cli.engine, hy_cli_wait (&result), &error))
    {
      hy_cli_error ("cannot delete the messages of account “%s”: %s", hy_account_get_display_name (cli.account),
                    error->message);
      hy_cli_engine_clear (&cli);
      return HY_CLI_EXIT_FAILURE;
    }
  status = offline ? HY_CLI_EXIT_OK : hy_cli_engine_push (&cli);
  hy_cli_engine_clear (&cli);
  return status;
}
