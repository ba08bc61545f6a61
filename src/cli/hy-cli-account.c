/* hy-cli-account.c — “hongyan-cli account add|list|remove”: the accounts the app also sees
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "account/hy-account-error.h"
#include "account/hy-autoconfig.h"
#include "hy-cli-commands.h"
#include "hy-cli-store-util.h"

static gboolean
parse_security (const char       *text,
                const char       *option,
                HyServerSecurity *out)
{
  if (text == NULL)
    {
      *out = HY_SERVER_SECURITY_TLS;
      return TRUE;
    }
  if (hy_server_security_from_string (text, out))
    return TRUE;
  hy_cli_error ("%s must be tls, starttls or none, not “%s”", option, text);
  return FALSE;
}

static char *
read_password (const char *env,
               const char *file)
{
  if (env != NULL)
    {
      const char *value = g_getenv (env);

      if (value == NULL || *value == '\0')
        {
          hy_cli_error ("the environment variable %s named by --password-env is not set", env);
          return NULL;
        }
      return g_strdup (value);
    }
  if (file != NULL)
    {
      g_autoptr(GError) error = NULL;
      char *contents = NULL;
      gsize length;
      char *newline;

      if (!g_file_get_contents (file, &contents, &length, &error))
        {
          hy_cli_error ("cannot read the password file: %s", error->message);
          return NULL;
        }
      /* The first line, without its line ending. */
      if ((newline = strpbrk (contents, "\r\n")) != NULL)
        *newline = '\0';
      if (*contents == '\0')
        {
          hy_cli_error ("the password file %s is empty", file);
          g_free (contents);
          return NULL;
        }
      return contents;
    }
  return g_strdup ("");
}

static int
account_add (int    argc,
             char **argv)
{
  g_autofree char *id = NULL, *address = NULL, *name = NULL, *display_name = NULL, *signature = NULL;
  g_autofree char *imap_host = NULL, *pop3_host = NULL, *in_security = NULL, *user = NULL, *auth = NULL;
  g_autofree char *smtp_host = NULL, *smtp_security = NULL, *smtp_user = NULL, *smtp_auth = NULL;
  g_autofree char *password_env = NULL, *password_file = NULL;
  int in_port = 0, smtp_port = 0, sync_window = -1, delete_after = 0;
  gboolean server_saves_sent = FALSE, delete_from_server = FALSE;
  const GOptionEntry entries[] = {
    { "address", 0, 0, G_OPTION_ARG_STRING, &address, "The e-mail address (required)", "ADDRESS" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "Your name, as others see it", "NAME" },
    { "display-name", 0, 0, G_OPTION_ARG_STRING, &display_name, "The account's name in Hongyan", "TEXT" },
    { "signature", 0, 0, G_OPTION_ARG_STRING, &signature, "A signature for new messages", "TEXT" },
    { "id", 0, 0, G_OPTION_ARG_STRING, &id, "The account id (default: made from the address)", "ID" },
    { "imap-host", 0, 0, G_OPTION_ARG_STRING, &imap_host, "The IMAP server", "HOST" },
    { "pop3-host", 0, 0, G_OPTION_ARG_STRING, &pop3_host, "The POP3 server (instead of IMAP)", "HOST" },
    { "port", 0, 0, G_OPTION_ARG_INT, &in_port, "The incoming server's port (default: 993 or 995 with TLS)", "PORT" },
    { "security", 0, 0, G_OPTION_ARG_STRING, &in_security, "tls (default), starttls or none", "MODE" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, "The user name (default: the address)", "USER" },
    { "auth", 0, 0, G_OPTION_ARG_STRING, &auth, "A SASL mechanism to insist on (default: the best offered)", "MECH" },
    { "smtp-host", 0, 0, G_OPTION_ARG_STRING, &smtp_host, "The SMTP submission server (required)", "HOST" },
    { "smtp-port", 0, 0, G_OPTION_ARG_INT, &smtp_port, "Its port (default: 465 with TLS, 587 with STARTTLS)", "PORT" },
    { "smtp-security", 0, 0, G_OPTION_ARG_STRING, &smtp_security, "tls (default), starttls or none", "MODE" },
    { "smtp-user", 0, 0, G_OPTION_ARG_STRING, &smtp_user, "The SMTP user name (default: as incoming)", "USER" },
    { "smtp-auth", 0, 0, G_OPTION_ARG_STRING, &smtp_auth, "A SASL mechanism for SMTP", "MECH" },
    { "password-env", 0, 0, G_OPTION_ARG_STRING, &password_env, "Read the password from this environment variable", "VAR" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file, "Read the password from the first line of FILE", "FILE" },
    { "server-saves-sent", 0, 0, G_OPTION_ARG_NONE, &server_saves_sent, "The server files sent mail itself (Gmail)", NULL },
    { "sync-window", 0, 0, G_OPTION_ARG_INT, &sync_window, "Keep bodies of the last DAYS days offline (0: all)", "DAYS" },
    { "delete-from-server", 0, 0, G_OPTION_ARG_NONE, &delete_from_server, "POP3: do not leave messages on the server", NULL },
    { "delete-after", 0, 0, G_OPTION_ARG_INT, &delete_after, "POP3: delete from the server after DAYS days", "DAYS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— add an account");
  g_autoptr(HyAccountManager) manager = NULL;
  g_autoptr(HyAccount) account = NULL;
  g_autoptr(HyIdentity) identity = NULL;
  g_autoptr(HyServerConfig) incoming = NULL;
  g_autoptr(HyServerConfig) outgoing = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;
  HyServerSecurity security, out_security;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!hy_cli_parse_options (context, &argc, &argv))
    return HY_CLI_EXIT_USAGE;
  if (argc != 1 || address == NULL || strchr (address, '@') == NULL)
    {
      hy_cli_error ("account add needs --address ADDRESS (see hongyan-cli account add --help)");
      return HY_CLI_EXIT_USAGE;
    }
  if ((imap_host == NULL) == (pop3_host == NULL) || smtp_host == NULL)
    {
      hy_cli_error ("account add needs one of --imap-host or --pop3-host, and --smtp-host");
      return HY_CLI_EXIT_USAGE;
    }
  if (password_env != NULL && password_file != NULL)
    {
      hy_cli_error ("give the password with --password-env or --password-file, not both");
      return HY_CLI_EXIT_USAGE;
    }
  if (in_port < 0 || in_port > 65535 || smtp_port < 0 || smtp_port > 65535 || delete_after < 0)
    {
      hy_cli_error ("ports are 1 to 65535 and days are 0 or more");
      return HY_CLI_EXIT_USAGE;
    }
  if (!parse_security (in_security, "--security", &security)
      || !parse_security (smtp_security, "--smtp-security", &out_security))
    return HY_CLI_EXIT_USAGE;
  if (password_env != NULL || password_file != NULL)
    {
      if ((password = read_password (password_env, password_file)) == NULL)
        return HY_CLI_EXIT_USAGE;
    }

  if ((manager = hy_cli_open_accounts ()) == NULL)
    return HY_CLI_EXIT_FAILURE;
  if (id == NULL)
    id = hy_account_manager_make_id (manager, address);

  account = hy_account_new (id);
  identity = hy_identity_new (name, address, signature);
  hy_account_add_identity (account, identity);
  hy_account_set_display_name (account, display_name);
  incoming = hy_server_config_new (imap_host ? HY_SERVER_PROTOCOL_IMAP : HY_SERVER_PROTOCOL_POP3,
                                   imap_host ? imap_host : pop3_host, in_port, security,
                                   user ? user : address);
  incoming->auth_mechanism = g_strdup (auth);
  outgoing = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, smtp_host, smtp_port, out_security,
                                   smtp_user ? smtp_user : incoming->user);
  outgoing->auth_mechanism = g_strdup (smtp_auth);
  hy_account_set_incoming (account, incoming);
  hy_account_set_outgoing (account, outgoing);
  hy_account_set_server_saves_sent (account, server_saves_sent);
  if (sync_window >= 0)
    hy_account_set_sync_window_days (account, sync_window);
  hy_account_set_pop3_leave_on_server (account, !delete_from_server);
  hy_account_set_pop3_delete_after_days (account, delete_after);

  hy_account_manager_add_async (manager, account, password, NULL, hy_cli_store_result, &result);
  if (password != NULL)
    explicit_bzero (password, strlen (password));
  if (!hy_account_manager_add_finish (manager, hy_cli_wait (&result), &error))
    {
      hy_cli_error ("cannot add the account for %s: %s", address, error->message);
      return g_error_matches (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_INVALID)
             || g_error_matches (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_EXISTS)
             ? HY_CLI_EXIT_USAGE : HY_CLI_EXIT_FAILURE;
    }
  printf ("%s\n", id);
  return HY_CLI_EXIT_OK;
}

static void
append_server (GString              *line,
               const char           *key,
               const HyServerConfig *server)
{
  g_string_append_printf (line, ",\"%s\":", key);
  if (server == NULL)
    {
      g_string_append (line, "null");
      return;
    }
  g_string_append (line, "{\"protocol\":");
  hy_json_append_string (line, hy_server_protocol_to_string (server->protocol));
  g_string_append (line, ",\"host\":");
  hy_json_append_string (line, server->host);
  g_string_append_printf (line, ",\"port\":%u,\"security\":", server->port);
  hy_json_append_string (line, hy_server_security_to_string (server->security));
  g_string_append (line, ",\"user\":");
  hy_json_append_string (line, server->user);
  g_string_append_c (line, '}');
}

static int
account_list (int    argc,
              char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object per account", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— list the accounts");
  g_autoptr(HyAccountManager) manager = NULL;
  GListModel *accounts;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!hy_cli_parse_options (context, &argc, &argv))
    return HY_CLI_EXIT_USAGE;
  if (argc != 1)
    {
      hy_cli_error ("account list takes no arguments");
      return HY_CLI_EXIT_USAGE;
    }
  if ((manager = hy_cli_open_accounts ()) == NULL)
    return HY_CLI_EXIT_FAILURE;

  accounts = hy_account_manager_get_accounts (manager);
  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr(HyAccount) account = g_list_model_get_item (accounts, i);
      const HyServerConfig *in = hy_account_get_incoming (account);
      const HyServerConfig *out = hy_account_get_outgoing (account);

      if (json)
        {
          g_autoptr(GString) line = g_string_new ("{\"id\":");

          hy_json_append_string (line, hy_account_get_id (account));
          g_string_append (line, ",\"name\":");
          hy_json_append_string (line, hy_account_get_display_name (account));
          g_string_append (line, ",\"address\":");
          hy_json_append_string (line, hy_account_get_address (account));
          append_server (line, "incoming", in);
          append_server (line, "outgoing", out);
          g_string_append_c (line, '}');
          printf ("%s\n", line->str);
        }
      else
        printf ("%-24s %-32s %s://%s:%u %s://%s:%u\n",
                hy_account_get_id (account),
                hy_account_get_address (account) ? hy_account_get_address (account) : "",
                in ? hy_server_protocol_to_string (in->protocol) : "-", in ? in->host : "", in ? in->port : 0,
                out ? hy_server_protocol_to_string (out->protocol) : "-", out ? out->host : "", out ? out->port : 0);
    }
  return HY_CLI_EXIT_OK;
}

static int
account_remove (int    argc,
                char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("ACCOUNT — remove an account, its passwords and its offline mail");
  g_autoptr(HyAccountManager) manager = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HyAccount *account;

  if (!hy_cli_parse_options (context, &argc, &argv))
    return HY_CLI_EXIT_USAGE;
  if (argc != 2)
    {
      hy_cli_error ("account remove needs one ACCOUNT (see hongyan-cli account list)");
      return HY_CLI_EXIT_USAGE;
    }
  if ((manager = hy_cli_open_accounts ()) == NULL)
    return HY_CLI_EXIT_FAILURE;
  if ((account = hy_cli_pick_account (manager, argv[1])) == NULL)
    return HY_CLI_EXIT_FAILURE;

  hy_account_manager_remove_async (manager, account, NULL, hy_cli_store_result, &result);
  if (!hy_account_manager_remove_finish (manager, hy_cli_wait (&result), &error))
    {
      hy_cli_error ("%s", error->message);
      return HY_CLI_EXIT_FAILURE;
    }
  return HY_CLI_EXIT_OK;
}

static void
append_servers (GString   *out,
                GPtrArray *servers)
{
  g_string_append_c (out, '[');
  for (guint i = 0; i < servers->len; i++)
    {
      HyServerConfig *server = g_ptr_array_index (servers, i);

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, "{\"protocol\":");
      hy_json_append_string (out, hy_server_protocol_to_string (server->protocol));
      g_string_append (out, ",\"host\":");
      hy_json_append_string (out, server->host);
      g_string_append_printf (out, ",\"port\":%u,\"security\":", server->port);
      hy_json_append_string (out, hy_server_security_to_string (server->security));
      g_string_append (out, ",\"user\":");
      hy_json_append_string (out, server->user);
      g_string_append (out, ",\"auth\":");
      if (server->auth_mechanism != NULL)
        hy_json_append_string (out, server->auth_mechanism);
      else
        g_string_append (out, "null");
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, ']');
}

static int
account_autoconfig (int    argc,
                    char **argv)
{
  int timeout = 10;
  const GOptionEntry entries[] = {
    { "timeout", 't', 0, G_OPTION_ARG_INT, &timeout, "Seconds each step may take (default 10)", "SECONDS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("ADDRESS — find the mail servers of an address");
  g_autoptr(HyAutoconfig) autoconfig = NULL;
  g_autoptr(HyAutoconfigResult) found = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) out = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Looks in the provider's autoconfig file (autoconfig.DOMAIN and DOMAIN/.well-known),\n"
    "then in DNS SRV records (RFC 6186), then tries the usual server names with TLS.\n"
    "Prints what it found as one JSON object.\n");
  if (!hy_cli_parse_options (context, &argc, &argv))
    return HY_CLI_EXIT_USAGE;
  if (argc != 2 || timeout <= 0)
    {
      hy_cli_error ("account autoconfig needs one ADDRESS (see hongyan-cli account autoconfig --help)");
      return HY_CLI_EXIT_USAGE;
    }

  autoconfig = hy_autoconfig_new ();
  hy_autoconfig_set_timeout (autoconfig, timeout);
  hy_autoconfig_lookup_async (autoconfig, argv[1], NULL, hy_cli_store_result, &result);
  found = hy_autoconfig_lookup_finish (autoconfig, hy_cli_wait (&result), &error);
  if (found == NULL)
    {
      hy_cli_error ("%s", error->message);
      return g_error_matches (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_INVALID)
             ? HY_CLI_EXIT_USAGE : HY_CLI_EXIT_FAILURE;
    }

  out = g_string_new ("{\"address\":");
  hy_json_append_string (out, argv[1]);
  g_string_append (out, ",\"source\":");
  hy_json_append_string (out, hy_autoconfig_source_to_string (found->source));
  g_string_append (out, ",\"name\":");
  if (found->display_name != NULL)
    hy_json_append_string (out, found->display_name);
  else
    g_string_append (out, "null");
  g_string_append (out, ",\"incoming\":");
  append_servers (out, found->incoming);
  g_string_append (out, ",\"outgoing\":");
  append_servers (out, found->outgoing);
  g_string_append_c (out, '}');
  printf ("%s\n", out->str);
  return HY_CLI_EXIT_OK;
}

int
hy_cli_account_run (int    argc,
                    char **argv)
{
  static const HyCliCommand subcommands[] = {
    { "add", "Add an account", account_add },
    { "list", "List the accounts", account_list },
    { "remove", "Remove an account with its passwords and offline mail", account_remove },
    { "autoconfig", "Find the server settings of an address (JSON)", account_autoconfig },
    { NULL, NULL, NULL }
  };

  if (argc >= 2)
    for (guint i = 0; subcommands[i].name != NULL; i++)
      if (strcmp (subcommands[i].name, argv[1]) == 0)
        {
          g_autofree char *name = g_strdup_printf ("account %s", argv[1]);
          char *saved = argv[1];
          int status;

          /* The sub-command sees "account add" as its name. */
          argv[1] = name;
          status = subcommands[i].run (argc - 1, argv + 1);
          argv[1] = saved;
          return status;
        }

  if (argc >= 2 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0))
    {
      printf ("Usage: hongyan-cli account COMMAND [OPTION…]\n\nCommands:\n");
      for (guint i = 0; subcommands[i].name != NULL; i++)
        printf ("  %-12s %s\n", subcommands[i].name, subcommands[i].summary);
      return HY_CLI_EXIT_OK;
    }
  hy_cli_error ("account needs a command: add, list, remove or autoconfig (see hongyan-cli account --help)");
  return HY_CLI_EXIT_USAGE;
}
