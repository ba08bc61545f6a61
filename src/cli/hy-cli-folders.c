/* hy-cli-folders.c — “hongyan-cli folders”: the folders of an account's store with counts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-cli"

#include "config.h"

#include <stdio.h>

#include "hy-cli-commands.h"
#include "hy-cli-store-util.h"

int
hy_cli_folders_run (int    argc,
                    char **argv)
{
  g_autofree char *account_key = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "account", 'a', 0, G_OPTION_ARG_STRING, &account_key, "The account (id, address or name)", "ACCOUNT" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object per folder", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— list the folders of an account's offline store");
  g_autoptr(HyAccountManager) manager = NULL;
  g_autoptr(HyStore) store = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  g_autoptr(GError) error = NULL;
  HyAccount *account;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!hy_cli_parse_options (context, &argc, &argv))
    return HY_CLI_EXIT_USAGE;
  if (argc != 1)
    {
      hy_cli_error ("folders takes no arguments (see hongyan-cli folders --help)");
      return HY_CLI_EXIT_USAGE;
    }

  if ((manager = hy_cli_open_accounts ()) == NULL
      || (account = hy_cli_pick_account (manager, account_key)) == NULL
      || (store = hy_cli_open_store (manager, account)) == NULL)
    return HY_CLI_EXIT_FAILURE;

  folders = hy_store_list_folders (store, &error);
  if (folders == NULL)
    {
      hy_cli_error ("%s", error->message);
      return HY_CLI_EXIT_FAILURE;
    }
  for (guint i = 0; i < folders->len; i++)
    {
      HyStoreFolder *folder = g_ptr_array_index (folders, i);
      const char *role = hy_folder_role_to_string (folder->role);

      if (json)
        {
          g_autoptr(GString) line = g_string_new ("{\"name\":");

          hy_json_append_string (line, folder->name);
          g_string_append (line, ",\"role\":");
          if (role != NULL)
            hy_json_append_string (line, role);
          else
            g_string_append (line, "null");
          g_string_append_printf (line, ",\"total\":%u,\"unread\":%u}", folder->total, folder->unread);
          printf ("%s\n", line->str);
        }
      else
        {
          g_autofree char *name = hy_cli_pad_columns (folder->name, 32);

          printf ("%s %-8s %7u %7u\n", name, role ? role : "", folder->total, folder->unread);
        }
    }
  return HY_CLI_EXIT_OK;
}
