/* hy-cli-show.c — “hongyan-cli show”: one message, fetched from the server when it is not cached
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-cli"

#include "config.h"

#include <stdio.h>

#include "hy-cli-commands.h"
#include "hy-cli-conn.h"
#include "hy-cli-engine.h"
#include "mime/hy-address.h"
#include "mime/hy-message-json.h"
#include "mime/hy-mime-part.h"

static void
print_addresses (const char *label,
                 GPtrArray  *addresses)
{
  if (addresses->len == 0)
    return;
  printf ("%s:", label);
  for (guint i = 0; i < addresses->len; i++)
    {
      g_autofree char *shown = hy_address_to_display (g_ptr_array_index (addresses, i));

      printf ("%s %s", i > 0 ? "," : "", shown);
    }
  printf ("\n");
}

static void
print_message (HyMessage *message)
{
  GDateTime *date = hy_message_get_date (message);
  GPtrArray *attachments = hy_message_get_attachments (message);
  const char *text = hy_message_get_text (message);

  print_addresses ("From", hy_message_get_from (message));
  print_addresses ("To", hy_message_get_to (message));
  print_addresses ("Cc", hy_message_get_cc (message));
  if (date != NULL)
    {
      g_autofree char *shown = g_date_time_format (date, "%Y-%m-%d %H:%M:%S %z");

      printf ("Date: %s\n", shown);
    }
  printf ("Subject: %s\n", hy_message_get_subject (message) != NULL ? hy_message_get_subject (message) : "");
  for (guint i = 0; i < attachments->len; i++)
    {
      HyMimePart *part = g_ptr_array_index (attachments, i);

      printf ("Attachment: %s (%s, %" G_GINT64_FORMAT " bytes)\n",
              hy_mime_part_get_filename (part) != NULL ? hy_mime_part_get_filename (part) : "(no name)",
              hy_mime_part_get_content_type (part), hy_mime_part_get_size (part));
    }
  if (text != NULL)
    printf ("\n%s%s", text, g_str_has_suffix (text, "\n") ? "" : "\n");
}

int
hy_cli_show_run (int    argc,
                 char **argv)
{
  g_autofree char *account_key = NULL;
  g_autofree char *ca_file = NULL;
  gboolean json = FALSE;
  gboolean raw = FALSE;
  const GOptionEntry entries[] = {
    { "account", 'a', 0, G_OPTION_ARG_STRING, &account_key, "The account (id, address or name)", "ACCOUNT" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the message as one JSON object", NULL },
    { "raw", 0, 0, G_OPTION_ARG_NONE, &raw, "Print the message's bytes as they came", NULL },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, "Also trust the CA certificates in this PEM file", "PEM" },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new ("MESSAGE-ID|ROWID — show a message (fetched from the server if not cached)");
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HyCliEngine cli;
  int status = HY_CLI_EXIT_OK;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!hy_cli_parse_options (context, &argc, &argv))
    return HY_CLI_EXIT_USAGE;
  if (argc != 2 || (json && raw))
    {
      hy_cli_error ("show needs one MESSAGE-ID or ROWID, and at most one of --json and --raw "
                    "(see hongyan-cli show --help)");
      return HY_CLI_EXIT_USAGE;
    }
  if (!hy_cli_engine_open (&cli, account_key, TRUE, ca_file) ||
      (ids = hy_cli_engine_resolve (&cli, argv + 1, 1)) == NULL)
    {
      hy_cli_engine_clear (&cli);
      return HY_CLI_EXIT_FAILURE;
    }

  if (raw)
    {
      g_autoptr(GBytes) bytes = NULL;

      hy_engine_get_raw_async (cli.engine, cli.account, g_array_index (ids, gint64, 0), NULL,
                               hy_cli_store_result, &result);
      bytes = hy_engine_get_raw_finish (cli.engine, hy_cli_wait (&result), &error);
      if (bytes != NULL)
        fwrite (g_bytes_get_data (bytes, NULL), 1, g_bytes_get_size (bytes), stdout);
    }
  else
    {
      g_autoptr(HyMessage) message = NULL;

      hy_engine_get_message_async (cli.engine, cli.account, g_array_index (ids, gint64, 0), NULL,
                                   hy_cli_store_result, &result);
      message = hy_engine_get_message_finish (cli.engine, hy_cli_wait (&result), &error);
      if (message != NULL && json)
        {
          g_autofree char *text = hy_message_to_json (message, TRUE);

          printf ("%s\n", text);
        }
      else if (message != NULL)
        print_message (message);
    }
  if (error != NULL)
    {
      hy_cli_error ("cannot show message %s of account “%s”: %s", argv[1],
                    hy_account_get_display_name (cli.account), error->message);
      status = hy_cli_exit_code_for_error (error);
    }
  hy_cli_engine_clear (&cli);
  return status;
}
