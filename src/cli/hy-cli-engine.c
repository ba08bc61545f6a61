/* hy-cli-engine.c — what the sub-commands that sync and change mail share: the engine, message ids
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-cli"

#include "config.h"

#include <string.h>

#include "hy-cli.h"
#include "hy-cli-conn.h"
#include "hy-cli-engine.h"
#include "hy-cli-store-util.h"
#include "imap/hy-imap-error.h"
#include "net/hy-net-error.h"
#include "store/hy-store-op.h"
#include "store/hy-store-transaction.h"

gboolean
hy_cli_engine_open (HyCliEngine *cli,
                    const char  *key,
                    gboolean     need_account,
                    const char  *ca_file)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  memset (cli, 0, sizeof *cli);
  if ((cli->manager = hy_cli_open_accounts ()) == NULL)
    return FALSE;
  if (key != NULL || need_account)
    {
      HyAccount *account = hy_cli_pick_account (cli->manager, key);

      if (account == NULL)
        return FALSE;
      cli->account = g_object_ref (account);
    }
  cli->engine = hy_engine_new (cli->manager);
  if (ca_file != NULL)
    hy_engine_set_ca_file (cli->engine, ca_file);
  hy_engine_load_async (cli->engine, NULL, hy_cli_store_result, &result);
  if (!hy_engine_load_finish (cli->engine, hy_cli_wait (&result), &error))
    {
      hy_cli_error ("cannot open the mail cache: %s", error->message);
      return FALSE;
    }
  return TRUE;
}

void
hy_cli_engine_clear (HyCliEngine *cli)
{
  if (cli->engine != NULL)
    hy_engine_stop (cli->engine);
  g_clear_object (&cli->engine);
  g_clear_object (&cli->account);
  g_clear_object (&cli->manager);
}

static gboolean
is_rowid (const char *key)
{
  if (*key == '\0')
    return FALSE;
  for (const char *p = key; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

GArray *
hy_cli_engine_resolve (HyCliEngine  *cli,
                       char * const *keys,
                       int           n_keys)
{
  HyStore *store = hy_engine_get_store (cli->engine, cli->account);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (int i = 0; i < n_keys; i++)
    {
      g_autoptr(GError) error = NULL;

      if (is_rowid (keys[i]))
        {
          gint64 id = g_ascii_strtoll (keys[i], NULL, 10);
          g_autoptr(HyStoreMessage) message = hy_store_get_message (store, id, &error);

          if (message == NULL)
            {
              hy_cli_error ("there is no message %s in account “%s” (see hongyan-cli list)", keys[i],
                            hy_account_get_display_name (cli->account));
              return NULL;
            }
          g_array_append_val (ids, id);
        }
      else
        {
          g_autoptr(HyStoreTransaction) txn = hy_store_begin (store, &error);
          g_autoptr(GArray) found = NULL;
          g_autofree char *msgid = g_strdup (keys[i][0] == '<' ? keys[i] + 1 : keys[i]);

          if (g_str_has_suffix (msgid, ">"))
            msgid[strlen (msgid) - 1] = '\0';
          if (txn != NULL)
            found = hy_store_transaction_find_message_id (txn, msgid, &error);
          if (found == NULL)
            {
              hy_cli_error ("cannot read the mail cache: %s", error->message);
              return NULL;
            }
          if (found->len == 0)
            {
              hy_cli_error ("no message with Message-ID <%s> in account “%s” (see hongyan-cli search)", msgid,
                            hy_account_get_display_name (cli->account));
              return NULL;
            }
          g_array_append_vals (ids, found->data, found->len);
        }
    }
  return g_steal_pointer (&ids);
}

static gboolean
is_unreachable (const GError *error)
{
  return g_error_matches (error, HY_NET_ERROR, HY_NET_ERROR_CANNOT_CONNECT) ||
         g_error_matches (error, HY_NET_ERROR, HY_NET_ERROR_TIMEOUT) ||
         g_error_matches (error, HY_NET_ERROR, HY_NET_ERROR_CLOSED) ||
         g_error_matches (error, HY_NET_ERROR, HY_NET_ERROR_IO) ||
         error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR;
}

int
hy_cli_engine_report_sync_error (HyAccount    *account,
                                 const GError *error)
{
  const HyServerConfig *incoming = hy_account_get_incoming (account);
  const char *host = incoming != NULL && incoming->host != NULL ? incoming->host : "?";

  if (g_error_matches (error, HY_IMAP_ERROR, HY_IMAP_ERROR_AUTH_FAILED))
    hy_cli_error ("%s refused the login of account “%s”: %s (check the password with hongyan-cli account)",
                  host, hy_account_get_display_name (account), error->message);
  else if (is_unreachable (error))
    hy_cli_error ("cannot reach %s for account “%s”: %s (check the network and the server settings)",
                  host, hy_account_get_display_name (account), error->message);
  else
    hy_cli_error ("syncing account “%s” with %s failed: %s", hy_account_get_display_name (account), host,
                  error->message);
  return hy_cli_exit_code_for_error (error);
}

int
hy_cli_engine_push (HyCliEngine *cli)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  hy_engine_sync_async (cli->engine, cli->account, NULL, hy_cli_store_result, &result);
  if (hy_engine_sync_finish (cli->engine, hy_cli_wait (&result), &error))
    return HY_CLI_EXIT_OK;
  if (is_unreachable (error))
    {
      hy_cli_error ("the change is saved and waits for %s, which cannot be reached now (%s); "
                    "hongyan-cli sync sends it later",
                    hy_account_get_incoming (cli->account)->host, error->message);
      return HY_CLI_EXIT_OK;
    }
  return hy_cli_engine_report_sync_error (cli->account, error);
}
