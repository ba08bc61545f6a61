/* hy-cli-compose.c — hongyan-cli compose: build a message file ready to send
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <gio/gio.h>

#include "hy-cli-commands.h"
#include "mime/hy-charset.h"
#include "mime/hy-message-builder.h"

/* Reads a text file as UTF-8 (converting it when it is in another charset). */
static char *
read_text_file (const char  *path,
                GError     **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, error))
    return NULL;
  return hy_charset_decode (data, len, NULL, NULL);
}

/* "PATH:TYPE" -> path and type, when the suffix looks like type/subtype. */
static void
split_attach (const char  *arg,
              char       **path,
              char       **type)
{
  const char *colon = strrchr (arg, ':');

  if (colon != NULL && colon != arg && strchr (colon + 1, '/') != NULL &&
      strchr (colon + 1, '/') != colon + 1)
    {
      *path = g_strndup (arg, colon - arg);
      *type = g_strdup (colon + 1);
    }
  else
    {
      *path = g_strdup (arg);
      *type = NULL;
    }
}

int
hy_cli_compose_run (int    argc,
                    char **argv)
{
  g_autofree char *from = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  g_autofree char *body_file = NULL;
  g_autofree char *html_file = NULL;
  g_autofree char *output = NULL;
  g_auto(GStrv) to = NULL;
  g_auto(GStrv) cc = NULL;
  g_auto(GStrv) bcc = NULL;
  g_auto(GStrv) reply_to = NULL;
  g_auto(GStrv) attach = NULL;
  g_auto(GStrv) inline_parts = NULL;
  g_auto(GStrv) headers = NULL;
  const GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_STRING, &from, "Sender address", "ADDR" },
    { "to", 0, 0, G_OPTION_ARG_STRING_ARRAY, &to, "Recipient (repeatable; a comma-separated list also works)", "ADDR" },
    { "cc", 0, 0, G_OPTION_ARG_STRING_ARRAY, &cc, "Copy recipient (repeatable)", "ADDR" },
    { "bcc", 0, 0, G_OPTION_ARG_STRING_ARRAY, &bcc, "Blind copy recipient (repeatable; never written into the message)", "ADDR" },
    { "reply-to", 0, 0, G_OPTION_ARG_STRING_ARRAY, &reply_to, "Reply-To address (repeatable)", "ADDR" },
    { "subject", 0, 0, G_OPTION_ARG_STRING, &subject, "Subject", "S" },
    { "body", 0, 0, G_OPTION_ARG_STRING, &body, "Plain-text body", "TEXT" },
    { "body-file", 0, 0, G_OPTION_ARG_FILENAME, &body_file, "Read the plain-text body from F", "F" },
    { "html-file", 0, 0, G_OPTION_ARG_FILENAME, &html_file, "Add an HTML alternative read from F", "F" },
    { "attach", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &attach, "Attach a file, optionally with its type (repeatable)", "PATH[:TYPE]" },
    { "inline", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &inline_parts, "Add an inline image the HTML shows as cid:CID (repeatable)", "PATH:CID" },
    { "header", 0, 0, G_OPTION_ARG_STRING_ARRAY, &headers, "Add a header (repeatable)", "\"Name: value\"" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write the message to OUT", "OUT.eml" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(HyMessageBuilder) builder = hy_message_builder_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) out_file = NULL;
  g_auto(GStrv) envelope = NULL;

  g_option_context_set_summary (context,
                                "Build a message exactly as it goes on the wire and print its envelope recipients.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!hy_cli_parse_options (context, &argc, &argv))
    return HY_CLI_EXIT_USAGE;

  if (argc > 1)
    {
      hy_cli_error ("unexpected argument “%s” (see hongyan-cli compose --help)", argv[1]);
      return HY_CLI_EXIT_USAGE;
    }
  if (from == NULL || subject == NULL || output == NULL ||
      (to == NULL && cc == NULL && bcc == NULL))
    {
      hy_cli_error ("compose needs --from, --to (or --cc/--bcc), --subject and -o OUT.eml (see hongyan-cli compose --help)");
      return HY_CLI_EXIT_USAGE;
    }
  if ((body == NULL) == (body_file == NULL))
    {
      hy_cli_error ("give the body with exactly one of --body TEXT or --body-file F");
      return HY_CLI_EXIT_USAGE;
    }

  if (!hy_message_builder_set_from (builder, from, &error) ||
      !hy_message_builder_set_to (builder, (const char * const *) to, &error) ||
      !hy_message_builder_set_cc (builder, (const char * const *) cc, &error) ||
      !hy_message_builder_set_bcc (builder, (const char * const *) bcc, &error) ||
      !hy_message_builder_set_reply_to (builder, (const char * const *) reply_to, &error))
    {
      hy_cli_error ("%s", error->message);
      return HY_CLI_EXIT_USAGE;
    }
  hy_message_builder_set_subject (builder, subject);

  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    {
      const char *colon = strchr (headers[i], ':');
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (colon == NULL)
        {
          hy_cli_error ("--header “%s” is not of the form \"Name: value\"", headers[i]);
          return HY_CLI_EXIT_USAGE;
        }
      name = g_strndup (headers[i], colon - headers[i]);
      value = g_strdup (colon + 1);
      g_strstrip (name);
      g_strchug (value);
      if (!hy_message_builder_add_header (builder, name, value, &error))
        {
          hy_cli_error ("%s", error->message);
          return HY_CLI_EXIT_USAGE;
        }
    }

  if (body_file != NULL)
    {
      g_autofree char *text = read_text_file (body_file, &error);

      if (text == NULL)
        {
          hy_cli_error ("cannot read the body file: %s", error->message);
          return HY_CLI_EXIT_FAILURE;
        }
      hy_message_builder_set_body (builder, text);
    }
  else
    hy_message_builder_set_body (builder, body);

  if (html_file != NULL)
    {
      g_autofree char *html = read_text_file (html_file, &error);

      if (html == NULL)
        {
          hy_cli_error ("cannot read the HTML file: %s", error->message);
          return HY_CLI_EXIT_FAILURE;
        }
      if (!hy_message_builder_add_alternative (builder, html, &error))
        {
          hy_cli_error ("%s", error->message);
          return HY_CLI_EXIT_FAILURE;
        }
    }

  for (guint i = 0; inline_parts != NULL && inline_parts[i] != NULL; i++)
    {
      const char *colon = strrchr (inline_parts[i], ':');
      g_autofree char *path = NULL;
      g_autoptr(GFile) file = NULL;

      if (colon == NULL || colon == inline_parts[i] || colon[1] == '\0')
        {
          hy_cli_error ("--inline “%s” is not of the form PATH:CID", inline_parts[i]);
          return HY_CLI_EXIT_USAGE;
        }
      path = g_strndup (inline_parts[i], colon - inline_parts[i]);
      file = g_file_new_for_commandline_arg (path);
      if (!hy_message_builder_add_inline_file (builder, file, NULL, colon + 1, &error))
        {
          hy_cli_error ("cannot add inline part %s: %s", path, error->message);
          return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ? HY_CLI_EXIT_FAILURE
                                                                            : HY_CLI_EXIT_USAGE;
        }
    }

  for (guint i = 0; attach != NULL && attach[i] != NULL; i++)
    {
      g_autofree char *path = NULL;
      g_autofree char *type = NULL;
      g_autoptr(GFile) file = NULL;

      split_attach (attach[i], &path, &type);
      file = g_file_new_for_commandline_arg (path);
      if (!hy_message_builder_add_attachment_file (builder, file, type, NULL, &error))
        {
          hy_cli_error ("cannot attach %s: %s", path, error->message);
          return error->domain == G_IO_ERROR ? HY_CLI_EXIT_FAILURE : HY_CLI_EXIT_USAGE;
        }
    }

  out_file = g_file_new_for_commandline_arg (output);
  if (!hy_message_builder_write_to_file (builder, out_file, NULL, &error))
    {
      hy_cli_error ("cannot write %s: %s", output, error->message);
      return HY_CLI_EXIT_FAILURE;
    }

  envelope = hy_message_builder_get_envelope_recipients (builder);
  for (guint i = 0; envelope[i] != NULL; i++)
    printf ("%s\n", envelope[i]);
  if (fflush (stdout) != 0)
    {
      hy_cli_error ("cannot write the result to standard output");
      return HY_CLI_EXIT_FAILURE;
    }
  return HY_CLI_EXIT_OK;
}
