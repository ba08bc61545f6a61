/* hy-cli-queue.c — “hongyan-cli queue”: put message files in an account's outbox
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-cli"

#include "config.h"

#include <stdio.h>

#include "hy-cli-commands.h"
#include "hy-cli-store-util.h"
#include "sync/hy-outbox.h"

int
hy_cli_queue_run (int    argc,
                  char **argv)
{
  g_autofree char *account_key = NULL;
  int delay = 0;
  const GOptionEntry entries[] = {
    { "account", 'a', 0, G_OPTION_ARG_STRING, &account_key, "The account (id, address or name)", "ACCOUNT" },
    { "delay", 0, 0, G_OPTION_ARG_INT, &delay, "Send no sooner than SECONDS from now (undo send)", "SECONDS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("FILE.eml… — put messages in the outbox");
  g_autoptr(HyAccountManager) manager = NULL;
  g_autoptr(HyStore) store = NULL;
  g_autoptr(HyOutbox) outbox = NULL;
  HyAccount *account;

  g_option_context_set_summary (context,
    "Each file is stored in the outbox before anything is sent; prints the id of each.\n"
    "Send them with hongyan-cli outbox flush (or let Hongyan send them).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!hy_cli_parse_options (context, &argc, &argv))
    return HY_CLI_EXIT_USAGE;
  if (argc < 2)
    {
      hy_cli_error ("queue needs at least one message file (see hongyan-cli queue --help)");
      return HY_CLI_EXIT_USAGE;
    }
  if (delay < 0)
    {
      hy_cli_error ("--delay must not be negative");
      return HY_CLI_EXIT_USAGE;
    }

  if ((manager = hy_cli_open_accounts ()) == NULL
      || (account = hy_cli_pick_account (manager, account_key)) == NULL
      || (store = hy_cli_open_store (manager, account)) == NULL)
    return HY_CLI_EXIT_FAILURE;
  outbox = hy_outbox_new (account, hy_account_manager_get_credentials (manager), store);

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *data = NULL;
      g_autoptr(GBytes) bytes = NULL;
      gsize size;
      gint64 id;

      if (!g_file_get_contents (argv[i], &data, &size, &error))
        {
          hy_cli_error ("cannot read %s: %s", argv[i], error->message);
          return HY_CLI_EXIT_FAILURE;
        }
      bytes = g_bytes_new_take (g_steal_pointer (&data), size);
      id = hy_outbox_queue (outbox, bytes, (guint) delay, &error);
      if (id == 0)
        {
          hy_cli_error ("%s was not queued: %s", argv[i], error->message);
          return HY_CLI_EXIT_FAILURE;
        }
      printf ("%" G_GINT64_FORMAT "\n", id);
    }
  return HY_CLI_EXIT_OK;
}
