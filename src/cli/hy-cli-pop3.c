/* hy-cli-pop3.c — "hongyan-cli pop3": STAT, LIST, UIDL, RETR, TOP and DELE from a shell
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-cli"

#include "config.h"

#include <gio/gunixoutputstream.h>

#include "hy-cli-commands.h"
#include "hy-cli-conn.h"
#include "pop3/hy-pop3-client.h"

static gboolean
parse_number (const char *text,
              const char *what,
              guint      *value)
{
  guint64 v;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT, &v, NULL))
    {
      hy_cli_error ("%s must be a number, not “%s”", what, text ? text : "");
      return FALSE;
    }
  *value = (guint) v;
  return TRUE;
}

static int
run_action (HyPop3Client  *client,
            int            argc,
            char         **argv)
{
  const char *action = argv[1];
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (action, "stat") == 0)
    {
      guint count = 0;
      guint64 size = 0;

      hy_pop3_client_stat_async (client, NULL, hy_cli_store_result, &result);
      hy_cli_wait (&result);
      if (!hy_pop3_client_stat_finish (client, result, &count, &size, &error))
        return hy_cli_report_error (error);
      g_print ("%u %" G_GUINT64_FORMAT "\n", count, size);
      return HY_CLI_EXIT_OK;
    }

  if (g_strcmp0 (action, "list") == 0 || g_strcmp0 (action, "uidl") == 0)
    {
      gboolean uidl = action[0] == 'u';
      g_autoptr(GPtrArray) listing = NULL;

      if (uidl)
        hy_pop3_client_uidl_async (client, NULL, hy_cli_store_result, &result);
      else
        hy_pop3_client_list_async (client, NULL, hy_cli_store_result, &result);
      hy_cli_wait (&result);
      listing = uidl ? hy_pop3_client_uidl_finish (client, result, &error)
                     : hy_pop3_client_list_finish (client, result, &error);
      if (listing == NULL)
        return hy_cli_report_error (error);
      for (guint i = 0; i < listing->len; i++)
        {
          HyPop3Listing *l = g_ptr_array_index (listing, i);

          if (uidl)
            g_print ("%u %s\n", l->number, l->uid);
          else
            g_print ("%u %" G_GUINT64_FORMAT "\n", l->number, l->size);
        }
      return HY_CLI_EXIT_OK;
    }

  if (g_strcmp0 (action, "retr") == 0 || g_strcmp0 (action, "top") == 0)
    {
      g_autoptr(GOutputStream) out = g_unix_output_stream_new (1, FALSE);
      gboolean top = action[0] == 't';
      guint number, lines = 0;

      if (argc != (top ? 4 : 3))
        {
          hy_cli_error (top ? "usage: pop3 … top N LINES" : "usage: pop3 … retr N");
          return HY_CLI_EXIT_USAGE;
        }
      if (!parse_number (argv[2], "the message number", &number) ||
          (top && !parse_number (argv[3], "the number of lines", &lines)))
        return HY_CLI_EXIT_USAGE;
      if (top)
        hy_pop3_client_top_async (client, number, lines, out, NULL, hy_cli_store_result, &result);
      else
        hy_pop3_client_retr_async (client, number, out, NULL, hy_cli_store_result, &result);
      hy_cli_wait (&result);
      if (!hy_pop3_client_retr_finish (client, result, NULL, &error))
        return hy_cli_report_error (error);
      return HY_CLI_EXIT_OK;
    }

  if (g_strcmp0 (action, "dele") == 0)
    {
      g_autoptr(GArray) numbers = g_array_new (FALSE, FALSE, sizeof (guint));

      if (argc < 3)
        {
          hy_cli_error ("usage: pop3 … dele N…");
          return HY_CLI_EXIT_USAGE;
        }
      for (int i = 2; i < argc; i++)
        {
          guint n;

          if (!parse_number (argv[i], "the message number", &n))
            return HY_CLI_EXIT_USAGE;
          g_array_append_val (numbers, n);
        }
      hy_pop3_client_dele_async (client, (const guint *) numbers->data, numbers->len, NULL,
                                 hy_cli_store_result, &result);
      hy_cli_wait (&result);
      if (!hy_pop3_client_dele_finish (client, result, &error))
        return hy_cli_report_error (error);
      return HY_CLI_EXIT_OK;
    }

  hy_cli_error ("unknown pop3 action “%s”: use stat, list, uidl, retr N, top N LINES or dele N",
                action);
  return HY_CLI_EXIT_USAGE;
}

int
hy_cli_pop3_run (int    argc,
                 char **argv)
{
  HyCliConn conn = { 0 };
  g_autoptr(GOptionContext) context =
    g_option_context_new ("stat | list | uidl | retr N | top N LINES | dele N… — use a POP3 mailbox");
  g_autoptr(HyConnection) connection = NULL;
  g_autoptr(HyPop3Client) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;
  int status = HY_CLI_EXIT_OK;
  static const char * const actions[] = { "stat", "list", "uidl", "retr", "top", "dele", NULL };

  g_option_context_set_description (context,
    "retr and top write the message to stdout with CRLF line ends. dele marks the\n"
    "messages and ends the session, which deletes them.");
  hy_cli_conn_add_options (&conn, context);
  if (!hy_cli_parse_options (context, &argc, &argv))
    {
      hy_cli_conn_clear (&conn);
      return HY_CLI_EXIT_USAGE;
    }
  if (argc < 2 || !g_strv_contains (actions, argv[1]))
    {
      hy_cli_error ("give an action: stat, list, uidl, retr N, top N LINES or dele N (see --help)");
      hy_cli_conn_clear (&conn);
      return HY_CLI_EXIT_USAGE;
    }

  connection = hy_cli_conn_create (&conn, "pop3", &status);
  if (connection == NULL)
    goto out;
  password = hy_cli_conn_get_password (&conn, &status);
  if (password == NULL)
    goto out;
  client = hy_pop3_client_new (connection);

  hy_pop3_client_connect_async (client, NULL, hy_cli_store_result, &result);
  hy_cli_wait (&result);
  if (!hy_pop3_client_connect_finish (client, result, &error))
    {
      status = hy_cli_report_error (error);
      goto out;
    }
  g_clear_object (&result);

  hy_pop3_client_authenticate_async (client, conn.user, password, FALSE, NULL,
                                     hy_cli_store_result, &result);
  hy_cli_wait (&result);
  if (!hy_pop3_client_authenticate_finish (client, result, &error))
    {
      status = hy_cli_report_error (error);
      goto out;
    }
  g_clear_object (&result);

  status = run_action (client, argc, argv);

  if (hy_connection_is_connected (connection))
    {
      hy_pop3_client_quit_async (client, NULL, hy_cli_store_result, &result);
      hy_cli_wait (&result);
      if (!hy_pop3_client_quit_finish (client, result, &error) && status == HY_CLI_EXIT_OK)
        status = hy_cli_report_error (error);
    }

out:
  hy_cli_conn_clear (&conn);
  return status;
}
