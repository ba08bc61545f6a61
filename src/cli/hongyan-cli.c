/* hongyan-cli.c — the Hongyan engine from a shell: entry point and dispatch
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-cli"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>
#include <gmime/gmime.h>

#include "hy-cli-commands.h"
#include "net/hy-tls-backend.h"

static const HyCliCommand commands[] = {
  { "parse", "Parse a message file and print what a reader sees", hy_cli_parse_run },
  { "compose", "Build a message file ready to send", hy_cli_compose_run },
  { "capabilities", "Print what an IMAP, SMTP or POP3 server offers, as JSON", hy_cli_capabilities_run },
  { "imap", "Use IMAP mailboxes: list, status, fetch, search, append, store, move, expunge, idle", hy_cli_imap_run },
  { "pop3", "Use a POP3 mailbox: stat, list, uidl, retr, top, dele", hy_cli_pop3_run },
  { "send", "Send message files over one SMTP session", hy_cli_send_run },
  { "account", "Add, list and remove accounts; find an address's settings", hy_cli_account_run },
  { "folders", "List the folders of an account's offline store", hy_cli_folders_run },
  { "list", "List a folder's messages from the offline store", hy_cli_list_run },
  { "search", "Search the offline store", hy_cli_search_run },
  { "queue", "Put message files in an account's outbox", hy_cli_queue_run },
  { "outbox", "List, send, retry or cancel the messages in the outbox", hy_cli_outbox_run },
  { "sync", "Bring the offline store in step with the server, once or continuously", hy_cli_sync_run },
  { "show", "Show a message, fetching it from the server if it is not cached", hy_cli_show_run },
  { "mark", "Mark messages read, unread, flagged or not flagged", hy_cli_mark_run },
  { "move", "Move messages to another folder", hy_cli_move_run },
  { "delete", "Move messages to Trash, or delete them from Trash", hy_cli_delete_run },
  { NULL, NULL, NULL }
};

void
hy_cli_error (const char *format,
              ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "hongyan-cli: %s\n", message);
}

static char *
fit_columns (const char *text,
             guint       columns,
             gboolean    cut)
{
  GString *out = g_string_new (NULL);
  guint used = 0;

  for (const char *p = text != NULL ? text : ""; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char_validated (p, -1);
      guint width;

      if (c == (gunichar) -1 || c == (gunichar) -2)
        break;
      if (g_unichar_iszerowidth (c))
        width = 0;
      else if (g_unichar_iswide (c))
        width = 2;
      else if (g_unichar_iscntrl (c))
        continue;
      else
        width = 1;
      if (cut && used + width > columns)
        break;
      g_string_append_unichar (out, c);
      used += width;
    }
  for (; used < columns; used++)
    g_string_append_c (out, ' ');
  return g_string_free (out, FALSE);
}

char *
hy_cli_fit_columns (const char *text,
                    guint       columns)
{
  return fit_columns (text, columns, TRUE);
}

char *
hy_cli_pad_columns (const char *text,
                    guint       columns)
{
  return fit_columns (text, columns, FALSE);
}

gboolean
hy_cli_parse_options (GOptionContext  *context,
                      int             *argc,
                      char          ***argv)
{
  g_autoptr(GError) error = NULL;

  g_option_context_set_help_enabled (context, TRUE);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      hy_cli_error ("%s (see --help)", error->message);
      return FALSE;
    }
  return TRUE;
}

static void
print_usage (FILE *out)
{
  fprintf (out, "Usage: hongyan-cli COMMAND [OPTION…]\n\n");
  fprintf (out, "The Hongyan mail engine from a shell.\n\nCommands:\n");
  for (guint i = 0; commands[i].name != NULL; i++)
    fprintf (out, "  %-14s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nRun “hongyan-cli COMMAND --help” for the options of a command.\n");
  fprintf (out, "Options:\n  --help         Show this help\n  --version      Show the version\n");
}

/* Commands that never touch the network can run without a TLS backend. */
static gboolean
command_needs_tls (const char *name)
{
  static const char * const offline[] = { "parse", "compose", "folders", "list", "search", NULL };

  return !g_strv_contains (offline, name);
}

int
main (int    argc,
      char **argv)
{
  const char *name;
  const char *localedir = g_getenv ("HONGYAN_LOCALEDIR");

  /* HONGYAN_LOCALEDIR lets an uninstalled build find its own catalogues,
   * as it does for the app. */
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2)
    {
      print_usage (stderr);
      return HY_CLI_EXIT_USAGE;
    }

  name = argv[1];
  if (strcmp (name, "--help") == 0 || strcmp (name, "-h") == 0 || strcmp (name, "help") == 0)
    {
      print_usage (stdout);
      return HY_CLI_EXIT_OK;
    }
  if (strcmp (name, "--version") == 0)
    {
      printf ("hongyan-cli %s\n", PACKAGE_VERSION);
      return HY_CLI_EXIT_OK;
    }

  for (guint i = 0; commands[i].name != NULL; i++)
    {
      if (strcmp (commands[i].name, name) != 0)
        continue;

      if (command_needs_tls (name))
        {
          g_autoptr(GError) error = NULL;

          if (!hy_tls_backend_check (&error))
            {
              hy_cli_error ("%s", error->message);
              return HY_CLI_EXIT_FAILURE;
            }
        }

      g_mime_init ();
      return commands[i].run (argc - 1, argv + 1);
    }

  hy_cli_error ("unknown command “%s” (see hongyan-cli --help)", name);
  return HY_CLI_EXIT_USAGE;
}
