/* hy-cli-conn.c — connection options shared by hongyan-cli commands, and exit codes for errors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-cli"

#include "config.h"

#include <string.h>

#include "hy-cli-conn.h"
#include "net/hy-net-error.h"
#include "pop3/hy-pop3-error.h"
#include "smtp/hy-smtp-error.h"

void
hy_cli_conn_add_options (HyCliConn      *conn,
                         GOptionContext *context)
{
  const GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &conn->host, "Server name or address", "HOST" },
    { "port", 0, 0, G_OPTION_ARG_INT, &conn->port, "Server port (default: the protocol's port for the security mode)", "PORT" },
    { "security", 0, 0, G_OPTION_ARG_STRING, &conn->security, "tls (default), starttls or none", "MODE" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &conn->user, "User name to log in with", "USER" },
    { "password-env", 0, 0, G_OPTION_ARG_STRING, &conn->password_env, "Read the password from this environment variable", "VAR" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &conn->password_file, "Read the password from the first line of this file", "FILE" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &conn->ca_file, "Also trust the certificate authorities in this PEM file", "PEM" },
    { "pin", 0, 0, G_OPTION_ARG_STRING, &conn->pin, "Trust the server certificate with this SHA-256 fingerprint", "SHA256" },
    { "allow-plaintext-auth", 0, 0, G_OPTION_ARG_NONE, &conn->allow_plaintext_auth, "Allow sending the password over an unencrypted connection", NULL },
    { "trace", 0, 0, G_OPTION_ARG_NONE, &conn->trace, "Print the protocol exchange to stderr (secrets hidden)", NULL },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &conn->timeout, "Seconds to wait for the server (default 60)", "S" },
    { "local-address", 0, 0, G_OPTION_ARG_STRING, &conn->local_address, "Connect from this local address", "IP" },
    { NULL }
  };
  GOptionGroup *group = g_option_group_new ("connection", "Connection options:",
                                            "Show the connection options", NULL, NULL);

  g_option_group_add_entries (group, entries);
  /* The main group, so that they show in --help; a command's own options are
   * added to it with g_option_context_add_main_entries(). */
  g_option_context_set_main_group (context, group);
}

static guint16
default_port (const char    *protocol,
              HyNetSecurity  security)
{
  gboolean tls = security == HY_NET_SECURITY_TLS;

  if (g_strcmp0 (protocol, "imap") == 0)
    return tls ? 993 : 143;
  if (g_strcmp0 (protocol, "pop3") == 0)
    return tls ? 995 : 110;
  return tls ? 465 : 587;
}

/**
 * hy_cli_conn_create:
 * @conn: parsed options
 * @protocol: "imap", "smtp" or "pop3" (for the default port)
 * @exit_code: (out): the exit status on failure
 *
 * Returns: (transfer full) (nullable): an unconnected connection, or %NULL
 *   after printing a usage error
 */
HyConnection *
hy_cli_conn_create (HyCliConn  *conn,
                    const char *protocol,
                    int        *exit_code)
{
  g_autoptr(HyConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  HyNetSecurity security = HY_NET_SECURITY_TLS;

  *exit_code = HY_CLI_EXIT_USAGE;
  if (conn->host == NULL || *conn->host == '\0')
    {
      hy_cli_error ("--host is required (see --help)");
      return NULL;
    }
  if (conn->security != NULL && !hy_net_security_from_string (conn->security, &security))
    {
      hy_cli_error ("--security must be tls, starttls or none, not “%s”", conn->security);
      return NULL;
    }
  if (conn->port < 0 || conn->port > 65535)
    {
      hy_cli_error ("--port must be between 1 and 65535");
      return NULL;
    }
  if (conn->timeout < 0)
    {
      hy_cli_error ("--timeout must not be negative");
      return NULL;
    }
  if (conn->password_env != NULL && conn->password_file != NULL)
    {
      hy_cli_error ("give either --password-env or --password-file, not both");
      return NULL;
    }
  if (conn->ca_file != NULL && !g_file_test (conn->ca_file, G_FILE_TEST_IS_REGULAR))
    {
      hy_cli_error ("the CA file “%s” does not exist", conn->ca_file);
      return NULL;
    }

  connection = hy_connection_new (conn->host,
                                  conn->port > 0 ? conn->port : default_port (protocol, security),
                                  security);
  if (conn->pin != NULL && !hy_connection_set_pinned_certificate (connection, conn->pin, &error))
    {
      hy_cli_error ("%s", error->message);
      return NULL;
    }
  hy_connection_set_ca_file (connection, conn->ca_file);
  hy_connection_set_allow_plaintext_auth (connection, conn->allow_plaintext_auth);
  hy_connection_set_local_address (connection, conn->local_address);
  if (conn->timeout > 0)
    hy_connection_set_timeout (connection, conn->timeout);
  if (conn->trace)
    hy_connection_set_trace (connection, TRUE);

  *exit_code = HY_CLI_EXIT_OK;
  return g_steal_pointer (&connection);
}

gboolean
hy_cli_conn_has_password (HyCliConn *conn)
{
  return conn->password_env != NULL || conn->password_file != NULL;
}

/**
 * hy_cli_conn_get_password:
 * @conn: parsed options
 * @exit_code: (out): the exit status on failure
 *
 * Returns: (transfer full) (nullable): the password, or %NULL after printing
 *   why it could not be read
 */
char *
hy_cli_conn_get_password (HyCliConn *conn,
                          int       *exit_code)
{
  *exit_code = HY_CLI_EXIT_USAGE;
  if (conn->user == NULL)
    {
      hy_cli_error ("--user is required to log in");
      return NULL;
    }
  if (conn->password_env != NULL)
    {
      const char *value = g_getenv (conn->password_env);

      if (value == NULL)
        {
          hy_cli_error ("the environment variable %s (from --password-env) is not set",
                        conn->password_env);
          return NULL;
        }
      *exit_code = HY_CLI_EXIT_OK;
      return g_strdup (value);
    }
  if (conn->password_file != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *contents = NULL;
      char *nl;

      if (!g_file_get_contents (conn->password_file, &contents, NULL, &error))
        {
          hy_cli_error ("cannot read the password file: %s", error->message);
          *exit_code = HY_CLI_EXIT_FAILURE;
          return NULL;
        }
      nl = strpbrk (contents, "\r\n");
      if (nl != NULL)
        *nl = '\0';
      *exit_code = HY_CLI_EXIT_OK;
      return g_steal_pointer (&contents);
    }
  hy_cli_error ("give the password with --password-env VAR or --password-file FILE");
  return NULL;
}

void
hy_cli_conn_clear (HyCliConn *conn)
{
  g_clear_pointer (&conn->host, g_free);
  g_clear_pointer (&conn->security, g_free);
  g_clear_pointer (&conn->user, g_free);
  g_clear_pointer (&conn->password_env, g_free);
  g_clear_pointer (&conn->password_file, g_free);
  g_clear_pointer (&conn->ca_file, g_free);
  g_clear_pointer (&conn->pin, g_free);
  g_clear_pointer (&conn->local_address, g_free);
}

/**
 * hy_cli_exit_code_for_error:
 * @error: an error from the engine
 *
 * Returns: the documented exit status for @error (see hy-cli.h)
 */
int
hy_cli_exit_code_for_error (const GError *error)
{
  const char *domain;

  if (error == NULL)
    return HY_CLI_EXIT_OK;

  if (error->domain == HY_NET_ERROR)
    {
      switch ((HyNetError) error->code)
        {
        case HY_NET_ERROR_CANNOT_CONNECT:
          return HY_CLI_EXIT_CANNOT_CONNECT;
        case HY_NET_ERROR_TLS:
        case HY_NET_ERROR_CERTIFICATE:
        case HY_NET_ERROR_STARTTLS_UNAVAILABLE:
        case HY_NET_ERROR_STARTTLS_REFUSED:
        case HY_NET_ERROR_STARTTLS_INJECTION:
        case HY_NET_ERROR_PLAINTEXT_AUTH:
        case HY_NET_ERROR_NO_TLS_BACKEND:
          return HY_CLI_EXIT_TLS;
        case HY_NET_ERROR_TIMEOUT:
          return HY_CLI_EXIT_TIMEOUT;
        case HY_NET_ERROR_CLOSED:
        case HY_NET_ERROR_LINE_TOO_LONG:
        case HY_NET_ERROR_PROTOCOL:
          return HY_CLI_EXIT_PROTOCOL;
        case HY_NET_ERROR_AUTH_MECHANISM:
        case HY_NET_ERROR_AUTH_SERVER:
          return HY_CLI_EXIT_AUTH;
        case HY_NET_ERROR_IO:
        default:
          return HY_CLI_EXIT_FAILURE;
        }
    }
  if (error->domain == HY_SMTP_ERROR)
    {
      switch ((HySmtpError) error->code)
        {
        case HY_SMTP_ERROR_AUTH_FAILED:
        case HY_SMTP_ERROR_AUTH_UNAVAILABLE:
          return HY_CLI_EXIT_AUTH;
        case HY_SMTP_ERROR_PROTOCOL:
          return HY_CLI_EXIT_PROTOCOL;
        default:
          return HY_CLI_EXIT_REFUSED;
        }
    }
  if (error->domain == HY_POP3_ERROR)
    {
      switch ((HyPop3Error) error->code)
        {
        case HY_POP3_ERROR_AUTH_FAILED:
        case HY_POP3_ERROR_AUTH_UNAVAILABLE:
          return HY_CLI_EXIT_AUTH;
        case HY_POP3_ERROR_PROTOCOL:
          return HY_CLI_EXIT_PROTOCOL;
        default:
          return HY_CLI_EXIT_REFUSED;
        }
    }

  /* The IMAP domain, matched by name so that this file does not depend on
   * the IMAP headers; codes as in hy-imap-error.h. */
  domain = g_quark_to_string (error->domain);
  if (g_strcmp0 (domain, "hy-imap-error-quark") == 0)
    {
      switch (error->code)
        {
        case 1: /* PROTOCOL */
          return HY_CLI_EXIT_PROTOCOL;
        case 5: /* AUTH_FAILED */
          return HY_CLI_EXIT_AUTH;
        case 7: /* STATE */
          return HY_CLI_EXIT_FAILURE;
        default: /* REFUSED, BAD, BYE, UNSUPPORTED, MODIFIED */
          return HY_CLI_EXIT_REFUSED;
        }
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return HY_CLI_EXIT_TIMEOUT;
  return HY_CLI_EXIT_FAILURE;
}

/**
 * hy_cli_report_error:
 * @error: an error from the engine
 *
 * Prints @error for a person (the engine's messages name the server and what
 * to do) with the certificate fingerprint when there is one.
 *
 * Returns: the exit status for @error
 */
int
hy_cli_report_error (const GError *error)
{
  GTlsCertificateFlags flags = 0;
  GTlsCertificate *cert = hy_net_error_get_certificate (error, &flags);

  hy_cli_error ("%s", error->message);
  if (cert != NULL)
    {
      g_autofree char *sha256 = hy_certificate_get_sha256 (cert);

      hy_cli_error ("the server's certificate has the SHA-256 fingerprint %s; if you have "
                    "checked that it is the server's own, trust it with --pin %s",
                    sha256, sha256);
    }
  return hy_cli_exit_code_for_error (error);
}

GAsyncResult *
hy_cli_wait (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

void
hy_cli_store_result (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}
