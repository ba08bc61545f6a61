/* hy-cli-parse.c — hongyan-cli parse: print the message model of a file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-cli"

#include "config.h"

#include <stdio.h>
#include <gio/gio.h>

#include "hy-cli-commands.h"
#include "mime/hy-message.h"
#include "mime/hy-message-json.h"

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
print_text (HyMessage *message)
{
  GDateTime *date = hy_message_get_date (message);
  GPtrArray *parts = hy_message_get_parts (message);
  GPtrArray *attachments = hy_message_get_attachments (message);
  GPtrArray *defects = hy_message_get_defects (message);
  const char *text = hy_message_get_text (message);

  printf ("Subject: %s\n", hy_message_get_subject (message) ? hy_message_get_subject (message) : "");
  print_addresses ("From", hy_message_get_from (message));
  print_addresses ("Sender", hy_message_get_sender (message));
  print_addresses ("Reply-To", hy_message_get_reply_to (message));
  print_addresses ("To", hy_message_get_to (message));
  print_addresses ("Cc", hy_message_get_cc (message));
  print_addresses ("Bcc", hy_message_get_bcc (message));
  if (date != NULL)
    {
      g_autofree char *iso = g_date_time_format (date, "%Y-%m-%dT%H:%M:%S%:z");

      printf ("Date: %s\n", iso);
    }
  if (hy_message_get_message_id (message) != NULL)
    printf ("Message-ID: %s\n", hy_message_get_message_id (message));

  printf ("\nParts:\n");
  for (guint i = 0; i < parts->len; i++)
    {
      HyMimePart *part = g_ptr_array_index (parts, i);

      printf ("  %-8s %-28s %8" G_GINT64_FORMAT " bytes%s%s\n",
              hy_mime_part_get_path (part), hy_mime_part_get_content_type (part),
              hy_mime_part_get_size (part),
              hy_mime_part_get_filename (part) ? "  " : "",
              hy_mime_part_get_filename (part) ? hy_mime_part_get_filename (part) : "");
    }
  if (attachments->len > 0)
    {
      printf ("\nAttachments:\n");
      for (guint i = 0; i < attachments->len; i++)
        {
          HyMimePart *part = g_ptr_array_index (attachments, i);

          printf ("  %s (%s, %" G_GINT64_FORMAT " bytes)\n",
                  hy_mime_part_get_filename (part) ? hy_mime_part_get_filename (part) : "(no name)",
                  hy_mime_part_get_content_type (part), hy_mime_part_get_size (part));
        }
    }
  if (text != NULL)
    printf ("\n%s%s", text, g_str_has_suffix (text, "\n") ? "" : "\n");
  if (defects->len > 0)
    {
      printf ("\nDefects:\n");
      for (guint i = 0; i < defects->len; i++)
        printf ("  %s\n", (const char *) g_ptr_array_index (defects, i));
    }
}

int
hy_cli_parse_run (int    argc,
                  char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the model as one JSON object", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("FILE");
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyMessage) message = NULL;

  g_option_context_set_summary (context, "Parse a message (RFC 5322 / MIME) and print what a reader sees.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!hy_cli_parse_options (context, &argc, &argv))
    return HY_CLI_EXIT_USAGE;
  if (argc != 2)
    {
      hy_cli_error ("parse needs exactly one FILE (see hongyan-cli parse --help)");
      return HY_CLI_EXIT_USAGE;
    }

  file = g_file_new_for_commandline_arg (argv[1]);
  message = hy_message_new_from_file (file, NULL, &error);
  if (message == NULL)
    {
      hy_cli_error ("cannot read %s: %s", argv[1], error->message);
      return HY_CLI_EXIT_FAILURE;
    }

  if (json)
    {
      g_autofree char *text = hy_message_to_json (message, FALSE);

      printf ("%s\n", text);
    }
  else
    print_text (message);

  if (fflush (stdout) != 0)
    {
      hy_cli_error ("cannot write the result to standard output");
      return HY_CLI_EXIT_FAILURE;
    }
  return HY_CLI_EXIT_OK;
}
