/* hy-cli-capabilities.c — "hongyan-cli capabilities": what a server offers, as JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-cli"

#include "config.h"

#include <string.h>

#include "hy-cli-commands.h"
#include "hy-cli-conn.h"
#include "mime/hy-json-writer.h"
#include "net/hy-net-error.h"
#include "pop3/hy-pop3-client.h"
#include "smtp/hy-smtp-client.h"

static int
compare_strings (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static void
append_table (GString    *out,
              GHashTable *table)
{
  g_autofree const char **keys = (const char **) g_hash_table_get_keys_as_array (table, NULL);
  guint n = g_strv_length ((char **) keys);

  g_qsort_with_data (keys, n, sizeof (char *), compare_strings, NULL);
  g_string_append_c (out, '{');
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      hy_json_append_string (out, keys[i]);
      g_string_append (out, ": ");
      hy_json_append_string (out, g_hash_table_lookup (table, keys[i]));
    }
  g_string_append_c (out, '}');
}

static void
append_header (GString      *out,
               const char   *protocol,
               HyConnection *conn)
{
  g_string_append (out, "{\"protocol\": ");
  hy_json_append_string (out, protocol);
  g_string_append (out, ", \"host\": ");
  hy_json_append_string (out, hy_connection_get_host (conn));
  g_string_append_printf (out, ", \"port\": %u, \"security\": ", hy_connection_get_port (conn));
  hy_json_append_string (out, hy_net_security_to_string (hy_connection_get_security (conn)));
  g_string_append_printf (out, ", \"encrypted\": %s",
                          hy_connection_is_encrypted (conn) ? "true" : "false");
  if (hy_connection_get_peer_certificate (conn) != NULL)
    {
      g_autofree char *sha = hy_certificate_get_sha256 (hy_connection_get_peer_certificate (conn));

      g_string_append (out, ", \"certificate_sha256\": ");
      hy_json_append_string (out, sha);
    }
}

static int
smtp_capabilities (HyConnection *conn)
{
  g_autoptr(HySmtpClient) client = hy_smtp_client_new (conn);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) quit = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  const char *auth;

  hy_smtp_client_connect_async (client, NULL, hy_cli_store_result, &result);
  hy_cli_wait (&result);
  if (!hy_smtp_client_connect_finish (client, result, &error))
    return hy_cli_report_error (error);

  append_header (out, "smtp", conn);
  g_string_append (out, ", \"features\": ");
  append_table (out, hy_smtp_client_get_features (client));
  g_string_append_printf (out, ", \"max_size\": %" G_GUINT64_FORMAT ", \"auth\": [",
                          hy_smtp_client_get_max_size (client));
  auth = g_hash_table_lookup (hy_smtp_client_get_features (client), "AUTH");
  if (auth != NULL)
    {
      g_auto(GStrv) mechs = g_strsplit (auth, " ", -1);
      gboolean first = TRUE;

      for (guint i = 0; mechs[i] != NULL; i++)
        {
          if (*mechs[i] == '\0')
            continue;
          if (!first)
            g_string_append (out, ", ");
          hy_json_append_string (out, mechs[i]);
          first = FALSE;
        }
    }
  g_string_append (out, "]}\n");
  g_print ("%s", out->str);

  hy_smtp_client_quit_async (client, NULL, hy_cli_store_result, &quit);
  hy_cli_wait (&quit);
  hy_smtp_client_quit_finish (client, quit, NULL);
  return HY_CLI_EXIT_OK;
}

static int
pop3_capabilities (HyConnection *conn)
{
  g_autoptr(HyPop3Client) client = hy_pop3_client_new (conn);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) quit = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  hy_pop3_client_connect_async (client, NULL, hy_cli_store_result, &result);
  hy_cli_wait (&result);
  if (!hy_pop3_client_connect_finish (client, result, &error))
    return hy_cli_report_error (error);

  append_header (out, "pop3", conn);
  g_string_append (out, ", \"capabilities\": ");
  append_table (out, hy_pop3_client_get_capabilities (client));
  g_string_append (out, "}\n");
  g_print ("%s", out->str);

  hy_pop3_client_quit_async (client, NULL, hy_cli_store_result, &quit);
  hy_cli_wait (&quit);
  hy_pop3_client_quit_finish (client, quit, NULL);
  return HY_CLI_EXIT_OK;
}

/* ---- IMAP: a minimal probe on the connection layer ---------------------------
 * Greeting, CAPABILITY, STARTTLS with the same rules as the clients (no PREAUTH
 * on a connection that needs STARTTLS, nothing kept from before TLS), LOGOUT. */

static char *
imap_read_line (HyConnection  *conn,
                GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hy_connection_read_line_async (conn, NULL, hy_cli_store_result, &result);
  hy_cli_wait (&result);
  return hy_connection_read_line_finish (conn, result, NULL, error);
}

static gboolean
imap_write (HyConnection  *conn,
            const char    *line,
            GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hy_connection_write_string_async (conn, line, NULL, NULL, hy_cli_store_result, &result);
  hy_cli_wait (&result);
  return hy_connection_write_finish (conn, result, error);
}

static void
imap_take_capabilities (GPtrArray  *caps,
                        const char *list)
{
  g_auto(GStrv) words = g_strsplit (list, " ", -1);

  g_ptr_array_set_size (caps, 0);
  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0')
      g_ptr_array_add (caps, g_strdup (words[i]));
}

static GError *
imap_protocol_error (HyConnection *conn,
                     const char   *line)
{
  return g_error_new (HY_NET_ERROR, HY_NET_ERROR_PROTOCOL,
                      "%s sent a malformed IMAP response (“%.80s”). It may not be an IMAP "
                      "server; check the port.", hy_connection_get_host (conn), line);
}

/* Sends "TAG COMMAND" and reads up to the tagged answer, collecting
 * CAPABILITY data; returns the tagged status line. */
static char *
imap_command (HyConnection  *conn,
              const char    *tag,
              const char    *command,
              GPtrArray     *caps,
              GError       **error)
{
  g_autofree char *line = g_strdup_printf ("%s %s\r\n", tag, command);
  gsize tag_len = strlen (tag);

  if (!imap_write (conn, line, error))
    return NULL;
  for (;;)
    {
      g_autofree char *response = imap_read_line (conn, error);

      if (response == NULL)
        return NULL;
      if (g_str_has_prefix (response, "* CAPABILITY "))
        imap_take_capabilities (caps, response + strlen ("* CAPABILITY "));
      else if (strncmp (response, tag, tag_len) == 0 && response[tag_len] == ' ')
        return g_strdup (response + tag_len + 1);
      else if (response[0] != '*')
        {
          g_propagate_error (error, imap_protocol_error (conn, response));
          return NULL;
        }
    }
}

static gboolean
imap_ok (const char *status)
{
  return g_ascii_strncasecmp (status, "OK", 2) == 0 && (status[2] == ' ' || status[2] == '\0');
}

static int
imap_capabilities (HyConnection *conn)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) caps = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *greeting = NULL;
  g_autofree char *status = NULL;
  const char *host = hy_connection_get_host (conn);

  hy_connection_connect_async (conn, NULL, hy_cli_store_result, &result);
  hy_cli_wait (&result);
  if (!hy_connection_connect_finish (conn, result, &error))
    return hy_cli_report_error (error);

  greeting = imap_read_line (conn, &error);
  if (greeting == NULL)
    return hy_cli_report_error (error);
  if (g_str_has_prefix (greeting, "* PREAUTH"))
    {
      if (hy_connection_get_security (conn) == HY_NET_SECURITY_STARTTLS)
        {
          g_autoptr(GError) preauth = g_error_new (HY_NET_ERROR, HY_NET_ERROR_STARTTLS_UNAVAILABLE,
            "%s greeted with PREAUTH on a connection that must be encrypted with STARTTLS "
            "first; a logged-in session cannot be upgraded safely, so it was closed.", host);
          return hy_cli_report_error (preauth);
        }
    }
  else if (g_str_has_prefix (greeting, "* BYE"))
    {
      hy_cli_error ("%s refused the connection: %s", host, greeting + 2);
      return HY_CLI_EXIT_REFUSED;
    }
  else if (!g_str_has_prefix (greeting, "* OK"))
    {
      g_autoptr(GError) bad = imap_protocol_error (conn, greeting);
      return hy_cli_report_error (bad);
    }

  status = imap_command (conn, "A1", "CAPABILITY", caps, &error);
  if (status == NULL)
    return hy_cli_report_error (error);

  if (hy_connection_get_security (conn) == HY_NET_SECURITY_STARTTLS)
    {
      g_autoptr(GAsyncResult) tls = NULL;
      g_autofree char *starttls = NULL;

      if (!g_ptr_array_find_with_equal_func (caps, "STARTTLS", (GEqualFunc) g_str_equal, NULL))
        {
          g_autoptr(GError) missing = g_error_new (HY_NET_ERROR, HY_NET_ERROR_STARTTLS_UNAVAILABLE,
            "%s does not offer STARTTLS, so the connection cannot be encrypted. Someone may "
            "be removing it on the way; check the security settings (try implicit TLS, "
            "port 993).", host);
          return hy_cli_report_error (missing);
        }
      starttls = imap_command (conn, "A2", "STARTTLS", caps, &error);
      if (starttls == NULL)
        return hy_cli_report_error (error);
      if (!imap_ok (starttls))
        {
          g_autoptr(GError) refused = g_error_new (HY_NET_ERROR, HY_NET_ERROR_STARTTLS_REFUSED,
            "%s refused to start encryption (“%s”).", host, starttls);
          return hy_cli_report_error (refused);
        }
      hy_connection_start_tls_async (conn, NULL, hy_cli_store_result, &tls);
      hy_cli_wait (&tls);
      if (!hy_connection_start_tls_finish (conn, tls, &error))
        return hy_cli_report_error (error);
      /* Forget what was said before TLS and ask again. */
      g_ptr_array_set_size (caps, 0);
      g_free (status);
      status = imap_command (conn, "A3", "CAPABILITY", caps, &error);
      if (status == NULL)
        return hy_cli_report_error (error);
    }

  append_header (out, "imap", conn);
  g_string_append (out, ", \"capabilities\": [");
  for (guint i = 0; i < caps->len; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      hy_json_append_string (out, g_ptr_array_index (caps, i));
    }
  g_string_append (out, "]}\n");
  g_print ("%s", out->str);

  g_free (status);
  status = imap_command (conn, "A9", "LOGOUT", caps, NULL);
  {
    g_autoptr(GAsyncResult) closed = NULL;

    hy_connection_close_async (conn, NULL, hy_cli_store_result, &closed);
    hy_cli_wait (&closed);
  }
  return HY_CLI_EXIT_OK;
}

int
hy_cli_capabilities_run (int    argc,
                         char **argv)
{
  HyCliConn conn = { 0 };
  g_autoptr(GOptionContext) context =
    g_option_context_new ("imap|smtp|pop3 — print what a server offers, as JSON");
  g_autoptr(HyConnection) connection = NULL;
  static const char * const protocols[] = { "imap", "smtp", "pop3", NULL };
  int status = HY_CLI_EXIT_OK;

  g_option_context_set_description (context,
    "The capabilities are those offered before login, after STARTTLS when the\n"
    "security mode is starttls (what was offered before TLS is not shown).");
  hy_cli_conn_add_options (&conn, context);
  if (!hy_cli_parse_options (context, &argc, &argv))
    {
      hy_cli_conn_clear (&conn);
      return HY_CLI_EXIT_USAGE;
    }
  if (argc != 2 || !g_strv_contains (protocols, argv[1]))
    {
      hy_cli_error ("give the protocol: imap, smtp or pop3 (see --help)");
      hy_cli_conn_clear (&conn);
      return HY_CLI_EXIT_USAGE;
    }

  connection = hy_cli_conn_create (&conn, argv[1], &status);
  if (connection != NULL)
    {
      if (strcmp (argv[1], "smtp") == 0)
        status = smtp_capabilities (connection);
      else if (strcmp (argv[1], "pop3") == 0)
        status = pop3_capabilities (connection);
      else
        status = imap_capabilities (connection);
    }
  hy_cli_conn_clear (&conn);
  return status;
}
