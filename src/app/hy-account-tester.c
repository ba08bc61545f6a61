/* hy-account-tester.c — signs in to one mail server to check an account's settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>

#include "hy-account-tester.h"
#include "imap/hy-imap-client.h"
#include "imap/hy-imap-error.h"
#include "net/hy-connection.h"
#include "net/hy-net-error.h"
#include "pop3/hy-pop3-client.h"
#include "pop3/hy-pop3-error.h"
#include "smtp/hy-smtp-client.h"
#include "smtp/hy-smtp-error.h"

/* Seconds a server may take for one step of the test. */
#define TEST_TIMEOUT 30

struct _HyAccountTester
{
  GObject  parent_instance;

  char    *ca_file;
};

G_DEFINE_FINAL_TYPE (HyAccountTester, hy_account_tester, G_TYPE_OBJECT)

typedef struct {
  HyServerConfig *server;
  char           *password;
  HyConnection   *connection;
  GObject        *client;   /* HyImapClient, HyPop3Client or HySmtpClient */
} TestData;

static void
test_data_free (gpointer data)
{
  TestData *test = data;

  hy_server_config_free (test->server);
  if (test->password != NULL)
    {
      memset (test->password, 0, strlen (test->password));
      g_free (test->password);
    }
  g_clear_object (&test->client);
  g_clear_object (&test->connection);
  g_free (test);
}

static void
hy_account_tester_finalize (GObject *object)
{
  HyAccountTester *self = HY_ACCOUNT_TESTER (object);

  g_clear_pointer (&self->ca_file, g_free);

  G_OBJECT_CLASS (hy_account_tester_parent_class)->finalize (object);
}

static void
hy_account_tester_class_init (HyAccountTesterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hy_account_tester_finalize;
}

static void
hy_account_tester_init (HyAccountTester *self)
{
}

HyAccountTester *
hy_account_tester_new (void)
{
  return g_object_new (HY_TYPE_ACCOUNT_TESTER, NULL);
}

void
hy_account_tester_set_ca_file (HyAccountTester *self,
                               const char      *ca_file)
{
  g_return_if_fail (HY_IS_ACCOUNT_TESTER (self));

  g_free (self->ca_file);
  self->ca_file = g_strdup (ca_file);
}

/* ---- the last step: sign out, ignoring errors (the test has passed) ---- */

static void
on_signed_out (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TestData *test = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;

  switch (test->server->protocol)
    {
    case HY_SERVER_PROTOCOL_IMAP:
      ok = hy_imap_client_logout_finish (HY_IMAP_CLIENT (source), result, &error);
      break;
    case HY_SERVER_PROTOCOL_POP3:
      ok = hy_pop3_client_quit_finish (HY_POP3_CLIENT (source), result, &error);
      break;
    case HY_SERVER_PROTOCOL_SMTP:
    default:
      ok = hy_smtp_client_quit_finish (HY_SMTP_CLIENT (source), result, &error);
      break;
    }
  if (!ok)
    g_debug ("Signing out of %s after the test failed: %s", test->server->host, error->message);

  g_task_return_boolean (task, TRUE);
}

static void
on_signed_in (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TestData *test = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  switch (test->server->protocol)
    {
    case HY_SERVER_PROTOCOL_IMAP:
      ok = hy_imap_client_login_finish (HY_IMAP_CLIENT (source), result, &error);
      break;
    case HY_SERVER_PROTOCOL_POP3:
      ok = hy_pop3_client_authenticate_finish (HY_POP3_CLIENT (source), result, &error);
      break;
    case HY_SERVER_PROTOCOL_SMTP:
    default:
      ok = hy_smtp_client_authenticate_finish (HY_SMTP_CLIENT (source), result, &error);
      break;
    }
  if (!ok)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  switch (test->server->protocol)
    {
    case HY_SERVER_PROTOCOL_IMAP:
      hy_imap_client_logout_async (HY_IMAP_CLIENT (source), cancellable,
                                   on_signed_out, g_steal_pointer (&task));
      break;
    case HY_SERVER_PROTOCOL_POP3:
      hy_pop3_client_quit_async (HY_POP3_CLIENT (source), cancellable,
                                 on_signed_out, g_steal_pointer (&task));
      break;
    case HY_SERVER_PROTOCOL_SMTP:
    default:
      hy_smtp_client_quit_async (HY_SMTP_CLIENT (source), cancellable,
                                 on_signed_out, g_steal_pointer (&task));
      break;
    }
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TestData *test = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  const char *user = test->server->user;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  switch (test->server->protocol)
    {
    case HY_SERVER_PROTOCOL_IMAP:
      ok = hy_imap_client_connect_finish (HY_IMAP_CLIENT (source), result, &error);
      break;
    case HY_SERVER_PROTOCOL_POP3:
      ok = hy_pop3_client_connect_finish (HY_POP3_CLIENT (source), result, &error);
      break;
    case HY_SERVER_PROTOCOL_SMTP:
    default:
      ok = hy_smtp_client_connect_finish (HY_SMTP_CLIENT (source), result, &error);
      break;
    }
  if (!ok)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  switch (test->server->protocol)
    {
    case HY_SERVER_PROTOCOL_IMAP:
      hy_imap_client_login_async (HY_IMAP_CLIENT (source), user, test->password, FALSE,
                                  cancellable, on_signed_in, g_steal_pointer (&task));
      break;
    case HY_SERVER_PROTOCOL_POP3:
      hy_pop3_client_authenticate_async (HY_POP3_CLIENT (source), user, test->password, FALSE,
                                         cancellable, on_signed_in, g_steal_pointer (&task));
      break;
    case HY_SERVER_PROTOCOL_SMTP:
    default:
      hy_smtp_client_authenticate_async (HY_SMTP_CLIENT (source), user, test->password, FALSE,
                                         cancellable, on_signed_in, g_steal_pointer (&task));
      break;
    }
}

static HyNetSecurity
net_security (HyServerSecurity security)
{
  switch (security)
    {
    case HY_SERVER_SECURITY_STARTTLS:
      return HY_NET_SECURITY_STARTTLS;
    case HY_SERVER_SECURITY_NONE:
      return HY_NET_SECURITY_NONE;
    case HY_SERVER_SECURITY_TLS:
    default:
      return HY_NET_SECURITY_TLS;
    }
}

void
hy_account_tester_test_async (HyAccountTester      *self,
                              const HyServerConfig *server,
                              const char           *password,
                              const char           *pin,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  TestData *test;

  g_return_if_fail (HY_IS_ACCOUNT_TESTER (self));
  g_return_if_fail (server != NULL && server->host != NULL);
  g_return_if_fail (password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_account_tester_test_async);

  test = g_new0 (TestData, 1);
  test->server = hy_server_config_copy (server);
  test->password = g_strdup (password);
  g_task_set_task_data (task, test, test_data_free);

  test->connection = hy_connection_new (server->host, server->port, net_security (server->security));
  hy_connection_set_timeout (test->connection, TEST_TIMEOUT);
  hy_connection_set_auth_mechanism (test->connection, server->auth_mechanism);
  if (self->ca_file != NULL)
    hy_connection_set_ca_file (test->connection, self->ca_file);
  /* The user chose an unencrypted connection behind a warning. */
  if (server->security == HY_SERVER_SECURITY_NONE)
    hy_connection_set_allow_plaintext_auth (test->connection, TRUE);
  if (pin != NULL && !hy_connection_set_pinned_certificate (test->connection, pin, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  switch (server->protocol)
    {
    case HY_SERVER_PROTOCOL_IMAP:
      test->client = G_OBJECT (hy_imap_client_new (test->connection));
      hy_imap_client_connect_async (HY_IMAP_CLIENT (test->client), cancellable,
                                    on_connected, g_steal_pointer (&task));
      break;
    case HY_SERVER_PROTOCOL_POP3:
      test->client = G_OBJECT (hy_pop3_client_new (test->connection));
      hy_pop3_client_connect_async (HY_POP3_CLIENT (test->client), cancellable,
                                    on_connected, g_steal_pointer (&task));
      break;
    case HY_SERVER_PROTOCOL_SMTP:
    default:
      test->client = G_OBJECT (hy_smtp_client_new (test->connection));
      hy_smtp_client_connect_async (HY_SMTP_CLIENT (test->client), cancellable,
                                    on_connected, g_steal_pointer (&task));
      break;
    }
}

gboolean
hy_account_tester_test_finish (HyAccountTester  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_account_tester_test_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
hy_account_tester_is_auth_error (const GError *error)
{
  return g_error_matches (error, HY_IMAP_ERROR, HY_IMAP_ERROR_AUTH_FAILED) ||
         g_error_matches (error, HY_POP3_ERROR, HY_POP3_ERROR_AUTH_FAILED) ||
         g_error_matches (error, HY_SMTP_ERROR, HY_SMTP_ERROR_AUTH_FAILED);
}

char *
hy_account_tester_describe_error (const GError         *error,
                                  const HyServerConfig *server)
{
  const char *host = server->host;

  g_return_val_if_fail (error != NULL, NULL);

  if (hy_account_tester_is_auth_error (error))
    return g_strdup_printf (_("%s did not accept the user name or password. Check them and try again."), host);

  if (g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND) ||
      g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_TEMPORARY_FAILURE))
    return g_strdup_printf (_("The server %s was not found. Check its name and your internet connection."), host);

  if (error->domain == HY_NET_ERROR)
    {
      switch ((HyNetError) error->code)
        {
        case HY_NET_ERROR_CANNOT_CONNECT:
          return g_strdup_printf (_("Could not connect to %s on port %u. Check the server name and port, and your internet connection."),
                                  host, server->port);
        case HY_NET_ERROR_CERTIFICATE:
          return g_strdup_printf (_("The identity of %s could not be verified, so Hongyan did not connect."), host);
        case HY_NET_ERROR_STARTTLS_UNAVAILABLE:
        case HY_NET_ERROR_STARTTLS_REFUSED:
        case HY_NET_ERROR_STARTTLS_INJECTION:
          return g_strdup_printf (_("%s does not offer an encrypted connection (STARTTLS) on port %u. Try the TLS setting or another port."),
                                  host, server->port);
        case HY_NET_ERROR_TLS:
        case HY_NET_ERROR_NO_TLS_BACKEND:
          return g_strdup_printf (_("An encrypted connection to %s on port %u could not be set up. Check the port and security settings."),
                                  host, server->port);
        case HY_NET_ERROR_PLAINTEXT_AUTH:
          return g_strdup_printf (_("%s would receive your password unencrypted. Choose TLS or STARTTLS."), host);
        case HY_NET_ERROR_TIMEOUT:
          return g_strdup_printf (_("%s did not answer in time. Try again later."), host);
        case HY_NET_ERROR_AUTH_MECHANISM:
          if (server->auth_mechanism != NULL)
            /* Translators: the first %s is a server, the second a method such as SCRAM-SHA-256 */
            return g_strdup_printf (_("%s does not offer the sign-in method %s. Choose another method, or Automatic."),
                                    host, server->auth_mechanism);
          return g_strdup_printf (_("%s offers no sign-in method that Hongyan supports."), host);
        case HY_NET_ERROR_CLOSED:
        case HY_NET_ERROR_LINE_TOO_LONG:
        case HY_NET_ERROR_PROTOCOL:
        case HY_NET_ERROR_AUTH_SERVER:
        case HY_NET_ERROR_IO:
        default:
          break;
        }
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_strdup (_("The connection test was cancelled."));

  if (g_error_matches (error, HY_SMTP_ERROR, HY_SMTP_ERROR_AUTH_UNAVAILABLE) ||
      g_error_matches (error, HY_POP3_ERROR, HY_POP3_ERROR_AUTH_UNAVAILABLE))
    return g_strdup_printf (_("%s offers no sign-in method that Hongyan supports."), host);

  /* Say who failed and keep the server's own words for the details. */
  return g_strdup_printf (_("The connection to %s failed: %s"), host, error->message);
}
