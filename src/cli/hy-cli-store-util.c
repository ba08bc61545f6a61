/* hy-cli-store-util.c — helpers shared by the sub-commands that read accounts and stores
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-cli"

#include "config.h"

#include <stdio.h>

#include "hy-cli.h"
#include "hy-cli-store-util.h"
#include "hy-secret-credentials.h"

HyAccountManager *
hy_cli_open_accounts (void)
{
  g_autoptr(HyCredentials) credentials = hy_secret_credentials_new ();
  g_autoptr(HyAccountManager) manager = hy_account_manager_new (credentials);
  g_autoptr(GError) error = NULL;

  if (!hy_account_manager_load (manager, &error))
    {
      hy_cli_error ("%s", error->message);
      return NULL;
    }
  return g_steal_pointer (&manager);
}

HyAccount *
hy_cli_pick_account (HyAccountManager *manager,
                     const char       *key)
{
  GListModel *accounts = hy_account_manager_get_accounts (manager);
  guint n = g_list_model_get_n_items (accounts);
  HyAccount *account;

  if (key != NULL)
    {
      account = hy_account_manager_find (manager, key);
      if (account == NULL)
        hy_cli_error ("there is no account “%s” (see hongyan-cli account list)", key);
      return account;
    }
  if (n == 0)
    {
      hy_cli_error ("there is no account yet; add one with hongyan-cli account add");
      return NULL;
    }
  if (n > 1)
    {
      hy_cli_error ("there are %u accounts; say which one with --account (see hongyan-cli account list)", n);
      return NULL;
    }
  account = g_list_model_get_item (accounts, 0);
  g_object_unref (account);  /* the manager keeps it */
  return account;
}

HyStore *
hy_cli_open_store (HyAccountManager *manager,
                   HyAccount        *account)
{
  g_autofree char *path = hy_account_manager_get_store_path (manager, account);
  g_autoptr(GError) error = NULL;
  HyStore *store = hy_store_open (path, &error);

  if (store == NULL)
    hy_cli_error ("%s", error->message);
  return store;
}

static void
wait_loaded (HyMessageList *list)
{
  while (!hy_message_list_get_loaded (list))
    g_main_context_iteration (NULL, TRUE);
}

void
hy_cli_print_messages (HyMessageList *list,
                       HyStore       *store,
                       guint          limit,
                       gboolean       json)
{
  guint n;

  wait_loaded (list);
  n = g_list_model_get_n_items (G_LIST_MODEL (list));
  if (limit > 0)
    n = MIN (n, limit);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HyMessageSummary) summary = g_list_model_get_item (G_LIST_MODEL (list), i);
      g_autoptr(GDateTime) date = g_date_time_new_from_unix_local (hy_message_summary_get_date (summary));
      g_autofree char *when = date ? g_date_time_format (date, "%Y-%m-%d %H:%M") : g_strdup ("");

      if (json)
        {
          g_autoptr(GString) line = g_string_new ("{");
          g_autofree char *iso = date ? g_date_time_format_iso8601 (date) : NULL;
          g_autoptr(HyStoreFolder) folder = hy_store_get_folder (store, hy_message_summary_get_folder_id (summary), NULL);

          g_string_append_printf (line, "\"id\":%" G_GINT64_FORMAT ",\"folder\":",
                                  hy_message_summary_get_id (summary));
          hy_json_append_string (line, folder ? folder->name : "");
          g_string_append_printf (line, ",\"uid\":%u,\"thread\":%" G_GINT64_FORMAT ",\"date\":",
                                  hy_message_summary_get_uid (summary),
                                  hy_message_summary_get_thread_id (summary));
          hy_json_append_string (line, iso);
          g_string_append (line, ",\"from\":");
          hy_json_append_string (line, hy_message_summary_get_sender (summary));
          g_string_append (line, ",\"from_address\":");
          hy_json_append_string (line, hy_message_summary_get_sender_address (summary));
          g_string_append (line, ",\"to\":");
          hy_json_append_string (line, hy_message_summary_get_recipients (summary));
          g_string_append (line, ",\"subject\":");
          hy_json_append_string (line, hy_message_summary_get_subject (summary));
          g_string_append_printf (line, ",\"unread\":%s,\"flagged\":%s,\"attachment\":%s,\"preview\":",
                                  hy_message_summary_get_unread (summary) ? "true" : "false",
                                  hy_message_summary_get_flagged (summary) ? "true" : "false",
                                  hy_message_summary_get_has_attachment (summary) ? "true" : "false");
          hy_json_append_string (line, hy_message_summary_get_preview (summary));
          g_string_append_c (line, '}');
          printf ("%s\n", line->str);
        }
      else
        {
          g_autofree char *shown = hy_cli_fit_columns (hy_message_summary_get_sender (summary), 24);

          printf ("%-8" G_GINT64_FORMAT " %s %c%c %s %s\n",
                  hy_message_summary_get_id (summary), when,
                  hy_message_summary_get_unread (summary) ? 'N' : ' ',
                  hy_message_summary_get_flagged (summary) ? '*' : ' ',
                  shown, hy_message_summary_get_subject (summary));
        }
    }
}
