/* hy-cli-mark.c — “hongyan-cli mark”: mark messages read, unread, flagged or not
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-cli"

#include "config.h"

#include "hy-cli-commands.h"
#include "hy-cli-conn.h"
#include "hy-cli-engine.h"

int
hy_cli_mark_run (int    argc,
                 char **argv)
{
  g_autofree char *account_key = NULL;
  g_autofree char *ca_file = NULL;
  gboolean read = FALSE, unread = FALSE, flag = FALSE, unflag = FALSE, offline = FALSE;
  const GOptionEntry entries[] = {
    { "account", 'a', 0, G_OPTION_ARG_STRING, &account_key, "The account (id, address or name)", "ACCOUNT" },
    { "read", 0, 0, G_OPTION_ARG_NONE, &read, "Mark as read", NULL },
    { "unread", 0, 0, G_OPTION_ARG_NONE, &unread, "Mark as unread", NULL },
    { "flag", 0, 0, G_OPTION_ARG_NONE, &flag, "Flag (star)", NULL },
    { "unflag", 0, 0, G_OPTION_ARG_NONE, &unflag, "Remove the flag", NULL },
    { "offline", 0, 0, G_OPTION_ARG_NONE, &offline, "Only change the store and queue it; sync sends it later", NULL },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, "Also trust the CA certificates in this PEM file", "PEM" },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new ("MESSAGE-ID|ROWID… — mark messages read, unread, flagged or not flagged");
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint32 add = 0, remove = 0;
  HyCliEngine cli;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!hy_cli_parse_options (context, &argc, &argv))
    return HY_CLI_EXIT_USAGE;
  if (argc < 2 || (read && unread) || (flag && unflag) || !(read || unread || flag || unflag))
    {
      hy_cli_error ("mark needs messages and --read or --unread, --flag or --unflag (see hongyan-cli mark --help)");
      return HY_CLI_EXIT_USAGE;
    }
  add = (read ? HY_STORE_FLAG_SEEN : 0) | (flag ? HY_STORE_FLAG_FLAGGED : 0);
  remove = (unread ? HY_STORE_FLAG_SEEN : 0) | (unflag ? HY_STORE_FLAG_FLAGGED : 0);

  if (!hy_cli_engine_open (&cli, account_key, TRUE, ca_file) ||
      (ids = hy_cli_engine_resolve (&cli, argv + 1, argc - 1)) == NULL)
    {
      hy_cli_engine_clear (&cli);
      return HY_CLI_EXIT_FAILURE;
    }
  hy_engine_set_flags_async (cli.engine, cli.account, (const gint64 *) (void *) ids->data, ids->len, add, remove,
                             NULL, hy_cli_store_result, &result);
  if (!hy_engine_operation_finish (cli.engine, hy_cli_wait (&result), &error))
    {
      hy_cli_error ("cannot change the messages of account “%s”: %s", hy_account_get_display_name (cli.account),
                    error->message);
      hy_cli_engine_clear (&cli);
      return HY_CLI_EXIT_FAILURE;
    }
  status = offline ? HY_CLI_EXIT_OK : hy_cli_engine_push (&cli);
  hy_cli_engine_clear (&cli);
  return status;
}
