/* test-autoconfig.c — autoconfiguration against a local HTTP server, a test resolver and real TLS servers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test-account"

#include "config.h"

#include <string.h>

#include "account/hy-account-error.h"
#include "account/hy-autoconfig.h"

/* A resolver that maps every host name to 127.0.0.1 and answers SRV
 * queries from a table. */

#define TEST_TYPE_RESOLVER (test_resolver_get_type ())
G_DECLARE_FINAL_TYPE (TestResolver, test_resolver, TEST, RESOLVER, GResolver)

struct _TestResolver {
  GResolver parent_instance;
  GHashTable *services;  /* "_imaps._tcp.example.test" -> "host:port:priority" */
};

G_DEFINE_FINAL_TYPE (TestResolver, test_resolver, G_TYPE_RESOLVER)

static GList *
loopback (void)
{
  return g_list_append (NULL, g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4));
}

static GList *
lookup_by_name (GResolver     *resolver,
                const char    *hostname,
                GCancellable  *cancellable,
                GError       **error)
{
  return loopback ();
}

static void
lookup_by_name_async (GResolver           *resolver,
                      const char          *hostname,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);

  g_task_return_pointer (task, loopback (), (GDestroyNotify) g_resolver_free_addresses);
}

static void
lookup_by_name_with_flags_async (GResolver                 *resolver,
                                 const char                *hostname,
                                 GResolverNameLookupFlags   flags,
                                 GCancellable              *cancellable,
                                 GAsyncReadyCallback        callback,
                                 gpointer                   user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);

  if (flags & G_RESOLVER_NAME_LOOKUP_FLAGS_IPV6_ONLY)
    g_task_return_new_error (task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "no IPv6 here");
  else
    g_task_return_pointer (task, loopback (), (GDestroyNotify) g_resolver_free_addresses);
}

static GList *
lookup_by_name_finish (GResolver     *resolver,
                       GAsyncResult  *result,
                       GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GList *
lookup_by_name_with_flags (GResolver                 *resolver,
                           const char                *hostname,
                           GResolverNameLookupFlags   flags,
                           GCancellable              *cancellable,
                           GError                   **error)
{
  if (flags & G_RESOLVER_NAME_LOOKUP_FLAGS_IPV6_ONLY)
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "no IPv6 here");
      return NULL;
    }
  return loopback ();
}

static GList *
services_for (TestResolver  *self,
              const char    *rrname,
              GError       **error)
{
  const char *entry = g_hash_table_lookup (self->services, rrname);
  g_auto(GStrv) parts = NULL;

  if (entry == NULL)
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "no %s", rrname);
      return NULL;
    }
  parts = g_strsplit (entry, ":", 3);
  return g_list_append (NULL, g_srv_target_new (parts[0], atoi (parts[1]), atoi (parts[2]), 1));
}

static GList *
lookup_service (GResolver     *resolver,
                const char    *rrname,
                GCancellable  *cancellable,
                GError       **error)
{
  return services_for (TEST_RESOLVER (resolver), rrname, error);
}

static void
lookup_service_async (GResolver           *resolver,
                      const char          *rrname,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;
  GList *targets = services_for (TEST_RESOLVER (resolver), rrname, &error);

  if (targets == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, targets, NULL);
}

static GList *
lookup_service_finish (GResolver     *resolver,
                       GAsyncResult  *result,
                       GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_resolver_finalize (GObject *object)
{
  g_hash_table_destroy (TEST_RESOLVER (object)->services);
  G_OBJECT_CLASS (test_resolver_parent_class)->finalize (object);
}

static void
test_resolver_class_init (TestResolverClass *klass)
{
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_resolver_finalize;
  resolver_class->lookup_by_name = lookup_by_name;
  resolver_class->lookup_by_name_async = lookup_by_name_async;
  resolver_class->lookup_by_name_finish = lookup_by_name_finish;
  resolver_class->lookup_by_name_with_flags = lookup_by_name_with_flags;
  resolver_class->lookup_by_name_with_flags_async = lookup_by_name_with_flags_async;
  resolver_class->lookup_by_name_with_flags_finish = lookup_by_name_finish;
  resolver_class->lookup_service = lookup_service;
  resolver_class->lookup_service_async = lookup_service_async;
  resolver_class->lookup_service_finish = lookup_service_finish;
}

static void
test_resolver_init (TestResolver *self)
{
  self->services = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static TestResolver *resolver;

/* A small HTTP server: "host path" -> body, 404 otherwise. */

static GHashTable *pages;
static GMutex pages_lock;
static guint16 http_port;

static gboolean
serve (GThreadedSocketService *service,
       GSocketConnection      *connection,
       GObject                *source,
       gpointer                user_data)
{
  g_autoptr(GDataInputStream) in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autofree char *request = NULL;
  g_autofree char *host = NULL;
  g_autofree char *key = NULL;
  g_autofree char *response = NULL;
  const char *body;
  char *line;

  request = g_data_input_stream_read_line (in, NULL, NULL, NULL);
  while ((line = g_data_input_stream_read_line (in, NULL, NULL, NULL)) != NULL)
    {
      g_strchomp (line);
      if (*line == '\0')
        {
          g_free (line);
          break;
        }
      if (g_ascii_strncasecmp (line, "Host:", 5) == 0)
        {
          char *colon;

          host = g_strstrip (g_strdup (line + 5));
          if ((colon = strchr (host, ':')) != NULL)
            *colon = '\0';
        }
      g_free (line);
    }
  if (request == NULL || host == NULL)
    return TRUE;
  {
    g_auto(GStrv) parts = g_strsplit (request, " ", 3);
    char *query = parts[1] ? strchr (parts[1], '?') : NULL;

    if (query != NULL)
      *query = '\0';
    key = g_strdup_printf ("%s %s", host, parts[1] ? parts[1] : "");
  }
  g_mutex_lock (&pages_lock);
  body = g_hash_table_lookup (pages, key);
  if (body != NULL)
    response = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %zu\r\n"
                                "Connection: close\r\n\r\n%s", strlen (body), body);
  else
    response = g_strdup ("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  g_mutex_unlock (&pages_lock);
  g_output_stream_write_all (out, response, strlen (response), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static void
set_page (const char *host,
          const char *path,
          const char *body)
{
  g_mutex_lock (&pages_lock);
  g_hash_table_replace (pages, g_strdup_printf ("%s %s", host, path), g_strdup (body));
  g_mutex_unlock (&pages_lock);
}

static const char example_xml[] =
  "<?xml version=\"1.0\"?>\n"
  "<clientConfig version=\"1.1\">\n"
  "  <emailProvider id=\"example.test\">\n"
  "    <domain>example.test</domain>\n"
  "    <displayName>Example Mail</displayName>\n"
  "    <incomingServer type=\"pop3\">\n"
  "      <hostname>pop.example.test</hostname><port>995</port><socketType>SSL</socketType>\n"
  "      <username>%EMAILLOCALPART%</username><authentication>password-cleartext</authentication>\n"
  "    </incomingServer>\n"
  "    <incomingServer type=\"imap\">\n"
  "      <hostname>imap.example.test</hostname><port>143</port><socketType>STARTTLS</socketType>\n"
  "      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>\n"
  "    </incomingServer>\n"
  "    <incomingServer type=\"imap\">\n"
  "      <hostname>IMAP.example.test</hostname><port>993</port><socketType>SSL</socketType>\n"
  "      <username>%EMAILADDRESS%</username><authentication>OAuth2</authentication>\n"
  "      <authentication>password-cleartext</authentication>\n"
  "    </incomingServer>\n"
  "    <incomingServer type=\"exchange\"><hostname>ews.example.test</hostname></incomingServer>\n"
  "    <outgoingServer type=\"smtp\">\n"
  "      <hostname>smtp.%EMAILDOMAIN%</hostname><port>587</port><socketType>STARTTLS</socketType>\n"
  "      <username>%EMAILADDRESS%</username>\n"
  "    </outgoingServer>\n"
  "    <outgoingServer type=\"smtp\">\n"
  "      <hostname>smtp.example.test</hostname><port>465</port><socketType>SSL</socketType>\n"
  "      <username>%EMAILADDRESS%</username>\n"
  "    </outgoingServer>\n"
  "  </emailProvider>\n"
  "</clientConfig>\n";

static void
assert_server (GPtrArray        *servers,
               guint             index,
               HyServerProtocol  protocol,
               const char       *host,
               guint             port,
               HyServerSecurity  security,
               const char       *user)
{
  HyServerConfig *server;

  g_assert_cmpuint (index, <, servers->len);
  server = g_ptr_array_index (servers, index);
  g_assert_cmpint (server->protocol, ==, protocol);
  g_assert_cmpstr (server->host, ==, host);
  g_assert_cmpuint (server->port, ==, port);
  g_assert_cmpint (server->security, ==, security);
  g_assert_cmpstr (server->user, ==, user);
}

static void
test_parse_xml (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyAutoconfigResult) result = hy_autoconfig_parse_xml (example_xml, -1, "bob@example.test", &error);
  HyAutoconfigResult *bad;

  g_assert_no_error (error);
  g_assert_cmpstr (result->display_name, ==, "Example Mail");
  /* Implicit TLS first, IMAP before POP3 (RFC 8314); Exchange is skipped. */
  g_assert_cmpuint (result->incoming->len, ==, 3);
  assert_server (result->incoming, 0, HY_SERVER_PROTOCOL_IMAP, "imap.example.test", 993, HY_SERVER_SECURITY_TLS, "bob@example.test");
  g_assert_cmpstr (((HyServerConfig *) result->incoming->pdata[0])->auth_mechanism, ==, "XOAUTH2");
  assert_server (result->incoming, 1, HY_SERVER_PROTOCOL_IMAP, "imap.example.test", 143, HY_SERVER_SECURITY_STARTTLS, "bob@example.test");
  assert_server (result->incoming, 2, HY_SERVER_PROTOCOL_POP3, "pop.example.test", 995, HY_SERVER_SECURITY_TLS, "bob");
  g_assert_cmpuint (result->outgoing->len, ==, 2);
  assert_server (result->outgoing, 0, HY_SERVER_PROTOCOL_SMTP, "smtp.example.test", 465, HY_SERVER_SECURITY_TLS, "bob@example.test");
  assert_server (result->outgoing, 1, HY_SERVER_PROTOCOL_SMTP, "smtp.example.test", 587, HY_SERVER_SECURITY_STARTTLS, "bob@example.test");

  bad = hy_autoconfig_parse_xml ("<clientConfig><emailProvider>", -1, "bob@example.test", &error);
  g_assert_null (bad);
  g_assert_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_AUTOCONFIG);
  g_clear_error (&error);
  bad = hy_autoconfig_parse_xml ("<clientConfig><emailProvider><incomingServer type=\"imap\">"
                                 "<hostname>a.test</hostname></incomingServer></emailProvider></clientConfig>",
                                 -1, "bob@example.test", &error);
  g_assert_null (bad);
  g_assert_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_AUTOCONFIG);
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static guint16
closed_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) any = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (any, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_socket_bind (socket, address, TRUE, NULL);
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static HyAutoconfig *
make_autoconfig (gboolean probe_nowhere)
{
  HyAutoconfig *autoconfig = hy_autoconfig_new ();

  hy_autoconfig_set_http_port (autoconfig, http_port);
  hy_autoconfig_set_resolver (autoconfig, G_RESOLVER (resolver));
  hy_autoconfig_set_timeout (autoconfig, 3);
  if (probe_nowhere)
    {
      guint16 port = closed_port ();

      for (HyServerProtocol p = HY_SERVER_PROTOCOL_IMAP; p <= HY_SERVER_PROTOCOL_SMTP; p++)
        {
          hy_autoconfig_set_probe_port (autoconfig, p, HY_SERVER_SECURITY_TLS, port);
          hy_autoconfig_set_probe_port (autoconfig, p, HY_SERVER_SECURITY_STARTTLS, port);
        }
    }
  return autoconfig;
}

static HyAutoconfigResult *
run_lookup (HyAutoconfig  *autoconfig,
            const char    *address,
            GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hy_autoconfig_lookup_async (autoconfig, address, NULL, on_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return hy_autoconfig_lookup_finish (autoconfig, result, error);
}

static void
test_isp (void)
{
  g_autoptr(HyAutoconfig) autoconfig = make_autoconfig (TRUE);
  g_autoptr(HyAutoconfigResult) result = NULL;
  g_autoptr(GError) error = NULL;

  set_page ("autoconfig.isp.test", "/mail/config-v1.1.xml", example_xml);
  result = run_lookup (autoconfig, "carol@isp.test", &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->source, ==, HY_AUTOCONFIG_SOURCE_ISP);
  assert_server (result->incoming, 0, HY_SERVER_PROTOCOL_IMAP, "imap.example.test", 993, HY_SERVER_SECURITY_TLS, "carol@isp.test");
  assert_server (result->outgoing, 1, HY_SERVER_PROTOCOL_SMTP, "smtp.isp.test", 587, HY_SERVER_SECURITY_STARTTLS, "carol@isp.test");
}

static void
test_well_known (void)
{
  g_autoptr(HyAutoconfig) autoconfig = make_autoconfig (TRUE);
  g_autoptr(HyAutoconfigResult) result = NULL;
  g_autoptr(GError) error = NULL;

  set_page ("known.test", "/.well-known/autoconfig/mail/config-v1.1.xml", example_xml);
  /* A broken file at the first place does not stop the search. */
  set_page ("autoconfig.known.test", "/mail/config-v1.1.xml", "<html>not xml");
  result = run_lookup (autoconfig, "dave@known.test", &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->source, ==, HY_AUTOCONFIG_SOURCE_WELL_KNOWN);
  g_assert_cmpuint (result->incoming->len, ==, 3);
}

static void
test_srv (void)
{
  g_autoptr(HyAutoconfig) autoconfig = make_autoconfig (TRUE);
  g_autoptr(HyAutoconfigResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_hash_table_replace (resolver->services, g_strdup ("_imaps._tcp.srv.test"), g_strdup ("mail.srv.test.:993:0"));
  g_hash_table_replace (resolver->services, g_strdup ("_imap._tcp.srv.test"), g_strdup ("mail.srv.test:143:10"));
  g_hash_table_replace (resolver->services, g_strdup ("_pop3s._tcp.srv.test"), g_strdup (".:0:0"));
  g_hash_table_replace (resolver->services, g_strdup ("_submission._tcp.srv.test"), g_strdup ("out.srv.test:587:0"));
  result = run_lookup (autoconfig, "erin@srv.test", &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->source, ==, HY_AUTOCONFIG_SOURCE_SRV);
  g_assert_cmpuint (result->incoming->len, ==, 2);
  assert_server (result->incoming, 0, HY_SERVER_PROTOCOL_IMAP, "mail.srv.test", 993, HY_SERVER_SECURITY_TLS, "erin@srv.test");
  assert_server (result->incoming, 1, HY_SERVER_PROTOCOL_IMAP, "mail.srv.test", 143, HY_SERVER_SECURITY_STARTTLS, "erin@srv.test");
  g_assert_cmpuint (result->outgoing->len, ==, 1);
  assert_server (result->outgoing, 0, HY_SERVER_PROTOCOL_SMTP, "out.srv.test", 587, HY_SERVER_SECURITY_STARTTLS, "erin@srv.test");
}

static void
test_nothing (void)
{
  g_autoptr(HyAutoconfig) autoconfig = make_autoconfig (TRUE);
  g_autoptr(HyAutoconfigResult) result = NULL;
  g_autoptr(GError) error = NULL;

  result = run_lookup (autoconfig, "frank@nowhere.test", &error);
  g_assert_null (result);
  g_assert_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_AUTOCONFIG);
  g_clear_error (&error);
  result = run_lookup (autoconfig, "not an address", &error);
  g_assert_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_INVALID);
}

/* Probing real TLS servers: the mail stack's, whose certificate names
 * localhost.  imap.localhost and the others reach the same server (the
 * test resolver says so) but fail the certificate check. */
static void
test_probe (void)
{
  const char *host = g_getenv ("HY_TEST_HOST");
  g_autoptr(HyAutoconfig) autoconfig = NULL;
  g_autoptr(HyAutoconfigResult) result = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GError) error = NULL;

  if (host == NULL)
    {
      if (g_strcmp0 (g_getenv ("HY_REQUIRE_MAILSTACK"), "1") == 0)
        g_error ("HY_TEST_HOST is not set, but HY_REQUIRE_MAILSTACK=1");
      g_test_skip ("no test mail stack (HY_TEST_HOST is not set)");
      return;
    }
  database = g_tls_file_database_new (g_getenv ("HY_TEST_CA_FILE"), &error);
  g_assert_no_error (error);

  autoconfig = make_autoconfig (FALSE);
  hy_autoconfig_set_http_port (autoconfig, closed_port ());
  hy_autoconfig_set_tls_database (autoconfig, database);
#define PORT(var) ((guint16) atoi (g_getenv (var)))
  hy_autoconfig_set_probe_port (autoconfig, HY_SERVER_PROTOCOL_IMAP, HY_SERVER_SECURITY_TLS, PORT ("HY_TEST_IMAPS_PORT"));
  hy_autoconfig_set_probe_port (autoconfig, HY_SERVER_PROTOCOL_IMAP, HY_SERVER_SECURITY_STARTTLS, PORT ("HY_TEST_IMAP_PORT"));
  hy_autoconfig_set_probe_port (autoconfig, HY_SERVER_PROTOCOL_POP3, HY_SERVER_SECURITY_TLS, PORT ("HY_TEST_POP3S_PORT"));
  hy_autoconfig_set_probe_port (autoconfig, HY_SERVER_PROTOCOL_POP3, HY_SERVER_SECURITY_STARTTLS, PORT ("HY_TEST_POP3_PORT"));
  hy_autoconfig_set_probe_port (autoconfig, HY_SERVER_PROTOCOL_SMTP, HY_SERVER_SECURITY_TLS, PORT ("HY_TEST_SUBMISSIONS_PORT"));
  hy_autoconfig_set_probe_port (autoconfig, HY_SERVER_PROTOCOL_SMTP, HY_SERVER_SECURITY_STARTTLS, PORT ("HY_TEST_SUBMISSION_PORT"));
#undef PORT

  result = run_lookup (autoconfig, "alice@localhost", &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->source, ==, HY_AUTOCONFIG_SOURCE_PROBE);
  g_assert_cmpuint (result->incoming->len, ==, 4);
  assert_server (result->incoming, 0, HY_SERVER_PROTOCOL_IMAP, "localhost", atoi (g_getenv ("HY_TEST_IMAPS_PORT")),
                 HY_SERVER_SECURITY_TLS, "alice@localhost");
  assert_server (result->incoming, 1, HY_SERVER_PROTOCOL_IMAP, "localhost", atoi (g_getenv ("HY_TEST_IMAP_PORT")),
                 HY_SERVER_SECURITY_STARTTLS, "alice@localhost");
  assert_server (result->incoming, 2, HY_SERVER_PROTOCOL_POP3, "localhost", atoi (g_getenv ("HY_TEST_POP3S_PORT")),
                 HY_SERVER_SECURITY_TLS, "alice@localhost");
  g_assert_cmpuint (result->outgoing->len, ==, 2);
  assert_server (result->outgoing, 0, HY_SERVER_PROTOCOL_SMTP, "localhost", atoi (g_getenv ("HY_TEST_SUBMISSIONS_PORT")),
                 HY_SERVER_SECURITY_TLS, "alice@localhost");
  assert_server (result->outgoing, 1, HY_SERVER_PROTOCOL_SMTP, "localhost", atoi (g_getenv ("HY_TEST_SUBMISSION_PORT")),
                 HY_SERVER_SECURITY_STARTTLS, "alice@localhost");
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback_address = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback_address, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_setenv ("no_proxy", "*", TRUE);
  g_unsetenv ("http_proxy");
  g_unsetenv ("https_proxy");
  g_test_init (&argc, &argv, NULL);

  resolver = g_object_new (TEST_TYPE_RESOLVER, NULL);
  g_resolver_set_default (G_RESOLVER (resolver));

  pages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  service = g_threaded_socket_service_new (4);
  g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  http_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (service, "run", G_CALLBACK (serve), NULL);
  g_socket_service_start (service);

  g_test_add_func ("/engine/account/autoconfig/parse-xml", test_parse_xml);
  g_test_add_func ("/engine/account/autoconfig/isp", test_isp);
  g_test_add_func ("/engine/account/autoconfig/well-known", test_well_known);
  g_test_add_func ("/engine/account/autoconfig/srv", test_srv);
  g_test_add_func ("/engine/account/autoconfig/nothing-found", test_nothing);
  g_test_add_func ("/engine/account/autoconfig/probe", test_probe);

  return g_test_run ();
}
