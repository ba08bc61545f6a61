/* hy-cli-search.c — “hongyan-cli search QUERY”: full-text and field search of the offline store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-cli"

#include "config.h"

#include "hy-cli-commands.h"
#include "hy-cli-store-util.h"

int
hy_cli_search_run (int    argc,
                   char **argv)
{
  g_autofree char *account_key = NULL;
  g_autofree char *query = NULL;
  gboolean json = FALSE;
  int limit = 0;
  const GOptionEntry entries[] = {
    { "account", 'a', 0, G_OPTION_ARG_STRING, &account_key, "The account (id, address or name)", "ACCOUNT" },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit, "Show at most N messages, newest first (default: all)", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object per message", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("QUERY… — search the offline store");
  g_autoptr(HyAccountManager) manager = NULL;
  g_autoptr(HyStore) store = NULL;
  g_autoptr(HyMessageList) list = NULL;
  HyAccount *account;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Words and \"phrases\" are searched in subjects, addresses and text; Chinese, Japanese\n"
    "and Korean words too. Terms:\n"
    "  from:WHO  to:WHO  cc:WHO  subject:WORDS  body:WORDS  -TERM (exclude)\n"
    "  has:attachment  is:unread  is:read  is:flagged  is:answered  is:draft\n"
    "  before:YYYY-MM-DD  after:YYYY-MM-DD  in:FOLDER (a name, or inbox, sent, drafts, …)\n");
  if (!hy_cli_parse_options (context, &argc, &argv))
    return HY_CLI_EXIT_USAGE;
  if (argc < 2 || limit < 0)
    {
      hy_cli_error ("search needs a QUERY (see hongyan-cli search --help)");
      return HY_CLI_EXIT_USAGE;
    }
  query = g_strjoinv (" ", argv + 1);

  if ((manager = hy_cli_open_accounts ()) == NULL
      || (account = hy_cli_pick_account (manager, account_key)) == NULL
      || (store = hy_cli_open_store (manager, account)) == NULL)
    return HY_CLI_EXIT_FAILURE;

  list = hy_message_list_new_for_search (store, query);
  hy_cli_print_messages (list, store, limit, json);
  if (hy_message_list_get_error (list) != NULL)
    {
      const GError *error = hy_message_list_get_error (list);

      hy_cli_error ("%s", error->message);
      return g_error_matches (error, HY_STORE_ERROR, HY_STORE_ERROR_BAD_QUERY)
             ? HY_CLI_EXIT_USAGE : HY_CLI_EXIT_FAILURE;
    }
  return HY_CLI_EXIT_OK;
}
