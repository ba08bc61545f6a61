/* hy-cli-list.c — “hongyan-cli list FOLDER”: a folder's messages from the offline store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-cli"

#include "config.h"

#include "hy-cli-commands.h"
#include "hy-cli-store-util.h"

int
hy_cli_list_run (int    argc,
                 char **argv)
{
  g_autofree char *account_key = NULL;
  gboolean json = FALSE;
  int limit = 50;
  const GOptionEntry entries[] = {
    { "account", 'a', 0, G_OPTION_ARG_STRING, &account_key, "The account (id, address or name)", "ACCOUNT" },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit, "Show at most N messages, newest first (0: all; default 50)", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object per message", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("FOLDER — list a folder's messages from the offline store");
  g_autoptr(HyAccountManager) manager = NULL;
  g_autoptr(HyStore) store = NULL;
  g_autoptr(HyStoreFolder) folder = NULL;
  g_autoptr(HyMessageList) list = NULL;
  g_autoptr(GError) error = NULL;
  HyAccount *account;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!hy_cli_parse_options (context, &argc, &argv))
    return HY_CLI_EXIT_USAGE;
  if (argc != 2 || limit < 0)
    {
      hy_cli_error ("list needs one FOLDER and a --limit of 0 or more (see hongyan-cli list --help)");
      return HY_CLI_EXIT_USAGE;
    }

  if ((manager = hy_cli_open_accounts ()) == NULL
      || (account = hy_cli_pick_account (manager, account_key)) == NULL
      || (store = hy_cli_open_store (manager, account)) == NULL)
    return HY_CLI_EXIT_FAILURE;

  folder = hy_store_find_folder (store, argv[1], &error);
  if (folder == NULL)
    {
      hy_cli_error ("%s of account “%s” (see hongyan-cli folders)", error->message,
                    hy_account_get_display_name (account));
      return HY_CLI_EXIT_FAILURE;
    }
  list = hy_message_list_new_for_folder (store, folder->id);
  hy_cli_print_messages (list, store, limit, json);
  if (hy_message_list_get_error (list) != NULL)
    {
      hy_cli_error ("%s", hy_message_list_get_error (list)->message);
      return HY_CLI_EXIT_FAILURE;
    }
  return HY_CLI_EXIT_OK;
}
