/* test-account-assistant.c — adds accounts through the assistant against the test mail stack
 *
 * The assistant gets only an address and a password. A local HTTP server
 * publishes the provider's autoconfig file, a test resolver answers DNS
 * (and SRV) queries, and the servers are the mail stack's Dovecot and
 * OpenSMTPD. The account must end up saved, its password in the keyring
 * and nowhere on disk; wrong passwords and untrusted certificates must be
 * explained without saving anything.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE  /* memmem */
#include "config.h"

#include <string.h>
#include <adwaita.h>
#include <glib/gstdio.h>

#include "account/hy-account-manager.h"
#include "account/hy-autoconfig.h"
#include "account/hy-certificate-pins.h"
#include "hy-account-assistant.h"
#include "hy-account-tester.h"
#include "hy-certificate-dialog.h"
#include "hy-password-dialog.h"
#include "hy-secret-credentials.h"
#include "net/hy-connection.h"
#include "net/hy-net-error.h"

static char *scratch_dir;
static struct _TestResolver *test_resolver;
static char *config_dir;
static char *data_dir;

/* ---- a resolver: every name is 127.0.0.1, SRV answers from a table ----- */

#define TEST_TYPE_RESOLVER (test_resolver_get_type ())
G_DECLARE_FINAL_TYPE (TestResolver, test_resolver, TEST, RESOLVER, GResolver)

struct _TestResolver
{
  GResolver   parent_instance;
  GHashTable *services;   /* "_imaps._tcp.example.org" -> "host:port" */
};

G_DEFINE_FINAL_TYPE (TestResolver, test_resolver, G_TYPE_RESOLVER)

static GList *
ipv4_loopback (void)
{
  return g_list_append (NULL, g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4));
}

static GList *
resolve_name (GResolver                 *resolver,
              const char                *hostname,
              GResolverNameLookupFlags   flags,
              GError                   **error)
{
  if (flags & G_RESOLVER_NAME_LOOKUP_FLAGS_IPV6_ONLY)
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "no IPv6 for %s", hostname);
      return NULL;
    }
  return ipv4_loopback ();
}

static GList *
lookup_by_name (GResolver     *resolver,
                const char    *hostname,
                GCancellable  *cancellable,
                GError       **error)
{
  return resolve_name (resolver, hostname, 0, error);
}

static GList *
lookup_by_name_with_flags (GResolver                 *resolver,
                           const char                *hostname,
                           GResolverNameLookupFlags   flags,
                           GCancellable              *cancellable,
                           GError                   **error)
{
  return resolve_name (resolver, hostname, flags, error);
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
  GError *error = NULL;
  GList *addresses = resolve_name (resolver, hostname, flags, &error);

  if (addresses == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, addresses, (GDestroyNotify) g_resolver_free_addresses);
}

static void
lookup_by_name_async (GResolver           *resolver,
                      const char          *hostname,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  lookup_by_name_with_flags_async (resolver, hostname, 0, cancellable, callback, user_data);
}

static GList *
lookup_finish (GResolver     *resolver,
               GAsyncResult  *result,
               GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GList *
resolve_service (TestResolver  *self,
                 const char    *rrname,
                 GError       **error)
{
  const char *entry = g_hash_table_lookup (self->services, rrname);
  g_auto(GStrv) parts = NULL;

  if (entry == NULL)
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "no record %s", rrname);
      return NULL;
    }
  parts = g_strsplit (entry, ":", 2);
  return g_list_append (NULL, g_srv_target_new (parts[0], (guint16) atoi (parts[1]), 0, 1));
}

static GList *
lookup_service (GResolver     *resolver,
                const char    *rrname,
                GCancellable  *cancellable,
                GError       **error)
{
  return resolve_service (TEST_RESOLVER (resolver), rrname, error);
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
  GList *targets = resolve_service (TEST_RESOLVER (resolver), rrname, &error);

  if (targets == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, targets, (GDestroyNotify) g_resolver_free_targets);
}

static void
test_resolver_finalize (GObject *object)
{
  g_hash_table_unref (TEST_RESOLVER (object)->services);
  G_OBJECT_CLASS (test_resolver_parent_class)->finalize (object);
}

static void
test_resolver_class_init (TestResolverClass *klass)
{
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_resolver_finalize;
  resolver_class->lookup_by_name = lookup_by_name;
  resolver_class->lookup_by_name_async = lookup_by_name_async;
  resolver_class->lookup_by_name_finish = lookup_finish;
  resolver_class->lookup_by_name_with_flags = lookup_by_name_with_flags;
  resolver_class->lookup_by_name_with_flags_async = lookup_by_name_with_flags_async;
  resolver_class->lookup_by_name_with_flags_finish = lookup_finish;
  resolver_class->lookup_service = lookup_service;
  resolver_class->lookup_service_async = lookup_service_async;
  resolver_class->lookup_service_finish = lookup_finish;
}

static void
test_resolver_init (TestResolver *self)
{
  self->services = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* ---- the provider's web server ------------------------------------------ */

static char *autoconfig_xml;
static guint16 http_port;

static gboolean
on_http_request (GThreadedSocketService *service,
                 GSocketConnection      *connection,
                 GObject                *source,
                 gpointer                user_data)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autoptr(GDataInputStream) data = g_data_input_stream_new (in);
  g_autofree char *request = g_data_input_stream_read_line (data, NULL, NULL, NULL);
  g_autofree char *host = NULL;
  g_autofree char *reply = NULL;
  char *line;

  while ((line = g_data_input_stream_read_line (data, NULL, NULL, NULL)) != NULL)
    {
      g_strchomp (line);
      if (g_ascii_strncasecmp (line, "Host:", 5) == 0)
        host = g_strstrip (g_strdup (line + 5));
      if (*line == '\0')
        {
          g_free (line);
          break;
        }
      g_free (line);
    }

  /* Only the provider's autoconfig host publishes the file. */
  if (request != NULL && host != NULL && g_str_has_prefix (host, "autoconfig.example.org") &&
      strstr (request, "/mail/config-v1.1.xml") != NULL)
    reply = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %zu\r\n"
                             "Connection: close\r\n\r\n%s", strlen (autoconfig_xml), autoconfig_xml);
  else
    reply = g_strdup ("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  g_output_stream_write_all (out, reply, strlen (reply), NULL, NULL, NULL);
  return FALSE;
}

static void
start_http_server (void)
{
  static GSocketService *service;
  g_autoptr(GError) error = NULL;

  service = g_threaded_socket_service_new (2);
  http_port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "run", G_CALLBACK (on_http_request), NULL);
  g_socket_service_start (service);
}

/* A port on which nothing listens. */
static guint16
closed_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, NULL);

  g_socket_listener_close (listener);
  return port;
}

/* ---- helpers ------------------------------------------------------------- */

static const char *
env (const char *name)
{
  const char *value = g_getenv (name);

  g_assert_nonnull (value);
  return value;
}

static gboolean
have_mailstack (void)
{
  if (g_getenv ("HY_TEST_HOST") != NULL)
    return TRUE;
  if (g_strcmp0 (g_getenv ("HY_REQUIRE_MAILSTACK"), "1") == 0)
    g_error ("HY_REQUIRE_MAILSTACK=1 but the mail stack is not running");
  g_test_skip ("the test mail stack is not running (tests/fixtures/mailstack run -- …)");
  return FALSE;
}

static gboolean
timed_out (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Spins the main loop until @done returns TRUE, for at most @seconds. */
static gboolean
wait_until (gboolean (*done) (gpointer), gpointer data, guint seconds)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (seconds, timed_out, &expired);

  while (!done (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return !expired;
}

static GtkWidget *
find_child (GtkWidget  *widget,
            const char *id)
{
  if (GTK_IS_BUILDABLE (widget) &&
      g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (widget)), id) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_child (child, id);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
child (gpointer    window,
       const char *id)
{
  GtkWidget *widget = find_child (GTK_WIDGET (window), id);

  g_assert_nonnull (widget);
  return widget;
}

static void
set_text (gpointer    window,
          const char *id,
          const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (child (window, id)), text);
}

static void
click (gpointer    window,
       const char *id)
{
  GtkWidget *button = child (window, id);

  g_assert_true (gtk_widget_get_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

typedef struct {
  HyAccountAssistant *assistant;
  const char         *page;
} PageWait;

static gboolean
page_is (gpointer data)
{
  PageWait *wait = data;

  return g_strcmp0 (hy_account_assistant_get_page (wait->assistant), wait->page) == 0;
}

static void
wait_for_page (HyAccountAssistant *assistant,
               const char         *page)
{
  PageWait wait = { assistant, page };

  if (!wait_until (page_is, &wait, 60))
    g_error ("the assistant stayed on page “%s” instead of showing “%s”; error: %s",
             hy_account_assistant_get_page (assistant), page,
             gtk_label_get_text (GTK_LABEL (child (assistant, "error_label"))));
}

static gboolean
test_finished (gpointer data)
{
  /* The spinner row hides when nothing runs. */
  return !gtk_widget_get_visible (child (data, "test_box"));
}

static gboolean
error_shown (gpointer data)
{
  return gtk_revealer_get_child_revealed (GTK_REVEALER (child (data, "error_revealer"))) &&
         test_finished (data);
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
settle (guint milliseconds)
{
  gint64 end = g_get_monotonic_time () + milliseconds * 1000;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (10000);
    }
}

/* Saves what the X server shows as a PNG under meson-logs/screenshots. */
static void
screenshot (gpointer    window,
            const char *name)
{
  g_autofree char *dir = g_build_filename (env ("HONGYAN_BUILD_ROOT"), "meson-logs", "screenshots", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *quoted = g_shell_quote (path);
  g_autofree char *command = NULL;
  g_autoptr(GError) error = NULL;
  GtkWindow *parent;
  int status = 0;

  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window)));
  g_mkdir_with_parents (dir, 0755);
  settle (500);   /* let transitions end and the frame reach the server */
  /* Without a window manager a dialog may sit under its parent: hide the
   * parent while the picture is taken. */
  parent = gtk_window_get_transient_for (GTK_WINDOW (window));
  if (parent != NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (parent), FALSE);
      settle (300);
    }
  command = g_strdup_printf ("sh -c 'xwd -root -silent | xwdtopnm 2>/dev/null | pnmtopng > %s'", quoted);
  g_spawn_command_line_sync (command, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  if (parent != NULL)
    gtk_widget_set_visible (GTK_WIDGET (parent), TRUE);
}

/* TRUE if any file under @dir contains @needle. */
static gboolean
tree_contains (const char *dir,
               const char *needle)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return FALSE;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (tree_contains (path, needle))
            return TRUE;
          continue;
        }
      if (g_file_get_contents (path, &contents, &length, NULL) &&
          memmem (contents, length, needle, strlen (needle)) != NULL)
        return TRUE;
    }
  return FALSE;
}

/* ---- fixture: a fresh account manager and assistant -------------------- */

typedef struct {
  HyAccountManager   *manager;
  HyCertificatePins  *pins;
  HyAccountAssistant *assistant;
  HyAutoconfig       *autoconfig;
  TestResolver       *resolver;
  HyAccount          *added;
  char               *pins_path;
} Fixture;

static void
on_added (HyAccountAssistant *assistant,
          HyAccount          *account,
          Fixture            *fixture)
{
  g_set_object (&fixture->added, account);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(HyCredentials) credentials = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GError) error = NULL;

  if (g_getenv ("HY_TEST_HOST") == NULL)
    return;

  /* Each test starts without accounts. */
  g_assert_no_errno (g_mkdir_with_parents (config_dir, 0700));
  g_assert_no_errno (g_mkdir_with_parents (data_dir, 0700));

  credentials = hy_secret_credentials_new ();
  fixture->manager = hy_account_manager_new (credentials);
  fixture->pins_path = g_build_filename (config_dir, "hongyan", "pinned-certificates.conf", NULL);
  fixture->pins = hy_certificate_pins_new (fixture->pins_path);

  /* The default resolver (used for HTTP) stays for the whole program. */
  fixture->resolver = g_object_ref (test_resolver);
  g_hash_table_remove_all (test_resolver->services);

  database = g_tls_file_database_new (env ("HY_TEST_CA_FILE"), &error);
  g_assert_no_error (error);
  fixture->autoconfig = hy_autoconfig_new ();
  hy_autoconfig_set_resolver (fixture->autoconfig, G_RESOLVER (fixture->resolver));
  hy_autoconfig_set_tls_database (fixture->autoconfig, database);
  hy_autoconfig_set_http_port (fixture->autoconfig, http_port);
  hy_autoconfig_set_timeout (fixture->autoconfig, 5);
  /* No probing of imap.example.org and the like on real ports. */
  for (HyServerProtocol p = HY_SERVER_PROTOCOL_IMAP; p <= HY_SERVER_PROTOCOL_SMTP; p++)
    {
      hy_autoconfig_set_probe_port (fixture->autoconfig, p, HY_SERVER_SECURITY_TLS, closed_port ());
      hy_autoconfig_set_probe_port (fixture->autoconfig, p, HY_SERVER_SECURITY_STARTTLS, closed_port ());
    }

  fixture->assistant = hy_account_assistant_new (NULL, fixture->manager, fixture->pins);
  hy_account_assistant_set_autoconfig (fixture->assistant, fixture->autoconfig);
  g_signal_connect (fixture->assistant, "account-added", G_CALLBACK (on_added), fixture);
  gtk_window_present (GTK_WINDOW (fixture->assistant));
}

static void
on_removed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  hy_account_manager_remove_finish (HY_ACCOUNT_MANAGER (source), result, &error);
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  if (fixture->manager == NULL)
    return;

  /* Remove what the test added, keyring items included. */
  if (fixture->added != NULL)
    {
      gboolean done = FALSE;

      hy_account_manager_remove_async (fixture->manager, fixture->added, NULL, on_removed, &done);
      g_assert_true (wait_until (flag_set, &done, 20));
    }
  gtk_window_destroy (GTK_WINDOW (fixture->assistant));
  g_clear_object (&fixture->added);
  g_clear_object (&fixture->autoconfig);
  g_clear_object (&fixture->manager);
  g_clear_object (&fixture->pins);
  g_clear_object (&fixture->resolver);
  g_unlink (fixture->pins_path);
  g_free (fixture->pins_path);
}

static void
publish_autoconfig (const char *imap_port,
                    const char *smtp_port)
{
  g_free (autoconfig_xml);
  autoconfig_xml = g_strdup_printf (
    "<?xml version=\"1.0\"?>\n"
    "<clientConfig version=\"1.1\">\n"
    "  <emailProvider id=\"example.org\">\n"
    "    <domain>example.org</domain>\n"
    "    <displayName>Example Mail</displayName>\n"
    "    <incomingServer type=\"imap\">\n"
    "      <hostname>localhost</hostname><port>%s</port><socketType>SSL</socketType>\n"
    "      <username>%%EMAILADDRESS%%</username><authentication>password-cleartext</authentication>\n"
    "    </incomingServer>\n"
    "    <outgoingServer type=\"smtp\">\n"
    "      <hostname>localhost</hostname><port>%s</port><socketType>SSL</socketType>\n"
    "      <username>%%EMAILADDRESS%%</username><authentication>password-cleartext</authentication>\n"
    "    </outgoingServer>\n"
    "  </emailProvider>\n"
    "</clientConfig>\n", imap_port, smtp_port);
}

static void
enter_address (Fixture    *fixture,
               const char *password)
{
  set_text (fixture->assistant, "name_row", "Alice Liddell");
  set_text (fixture->assistant, "address_row", env ("HY_TEST_ALICE_ADDRESS"));
  set_text (fixture->assistant, "password_row", password);
}

typedef struct {
  gboolean  done;
  char     *secret;
  GError   *error;
} Lookup;

static void
on_looked_up (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Lookup *lookup = user_data;

  lookup->secret = hy_credentials_lookup_finish (HY_CREDENTIALS (source), result, &lookup->error);
  lookup->done = TRUE;
}

static char *
lookup_password (HyAccountManager *manager,
                 HyAccount        *account)
{
  const HyServerConfig *incoming = hy_account_get_incoming (account);
  Lookup lookup = { 0 };

  hy_credentials_lookup_async (hy_account_manager_get_credentials (manager),
                               hy_account_get_id (account),
                               hy_server_protocol_to_string (incoming->protocol),
                               incoming->host, incoming->user, NULL,
                               on_looked_up, &lookup);
  g_assert_true (wait_until (flag_set, &lookup.done, 20));
  g_assert_no_error (lookup.error);
  return lookup.secret;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child_path = g_build_filename (path, name, NULL);

      if (g_file_test (child_path, G_FILE_TEST_IS_DIR) &&
          !g_file_test (child_path, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child_path);
      else
        g_unlink (child_path);
    }
  g_rmdir (path);
}

/* ---- tests --------------------------------------------------------------- */

static void
check_added (Fixture *fixture)
{
  const char *password = env ("HY_TEST_ALICE_PASSWORD");
  HyAccount *account;
  g_autofree char *stored = NULL;

  g_assert_nonnull (fixture->added);
  account = hy_account_manager_find (fixture->manager, env ("HY_TEST_ALICE_ADDRESS"));
  g_assert_true (account == fixture->added);
  g_assert_cmpstr (hy_account_get_incoming (account)->host, ==, "localhost");
  g_assert_cmpint (hy_account_get_outgoing (account)->port, ==,
                   atoi (env ("HY_TEST_SUBMISSIONS_PORT")));

  /* The password is in the keyring… */
  stored = lookup_password (fixture->manager, account);
  g_assert_cmpstr (stored, ==, password);
  /* …and nowhere on disk. */
  g_assert_false (tree_contains (config_dir, password));
  g_assert_false (tree_contains (data_dir, password));
}

static void
test_autoconfig (Fixture       *fixture,
                 gconstpointer  data)
{
  if (!have_mailstack ())
    return;

  publish_autoconfig (env ("HY_TEST_IMAPS_PORT"), env ("HY_TEST_SUBMISSIONS_PORT"));
  hy_account_assistant_set_ca_file (fixture->assistant, env ("HY_TEST_CA_FILE"));
  /* The "offline-days" preference, as the application passes it on. */
  hy_account_assistant_set_sync_window_days (fixture->assistant, 30);

  g_assert_false (gtk_widget_get_sensitive (child (fixture->assistant, "continue_button")));
  screenshot (fixture->assistant, "account-assistant-empty.png");
  enter_address (fixture, env ("HY_TEST_ALICE_PASSWORD"));
  screenshot (fixture->assistant, "account-assistant-start.png");
  click (fixture->assistant, "continue_button");

  wait_for_page (fixture->assistant, "summary");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (child (fixture->assistant, "summary_title"))),
                   ==, "Settings for Example Mail");
  screenshot (fixture->assistant, "account-assistant-summary.png");
  click (fixture->assistant, "add_button");

  wait_for_page (fixture->assistant, "done");
  screenshot (fixture->assistant, "account-assistant-done.png");
  check_added (fixture);
  g_assert_cmpuint (hy_account_get_sync_window_days (fixture->added), ==, 30);
}

static void
test_srv (Fixture       *fixture,
          gconstpointer  data)
{
  g_autofree char *imaps = NULL;
  g_autofree char *submissions = NULL;

  if (!have_mailstack ())
    return;

  /* No autoconfig file anywhere: only DNS knows the servers. */
  hy_autoconfig_set_http_port (fixture->autoconfig, closed_port ());
  imaps = g_strdup_printf ("localhost:%s", env ("HY_TEST_IMAPS_PORT"));
  submissions = g_strdup_printf ("localhost:%s", env ("HY_TEST_SUBMISSIONS_PORT"));
  g_hash_table_insert (fixture->resolver->services, g_strdup ("_imaps._tcp.example.org"),
                       g_steal_pointer (&imaps));
  g_hash_table_insert (fixture->resolver->services, g_strdup ("_submissions._tcp.example.org"),
                       g_steal_pointer (&submissions));
  hy_account_assistant_set_ca_file (fixture->assistant, env ("HY_TEST_CA_FILE"));

  enter_address (fixture, env ("HY_TEST_ALICE_PASSWORD"));
  click (fixture->assistant, "continue_button");
  wait_for_page (fixture->assistant, "summary");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (child (fixture->assistant, "summary_source"))),
                   ==, "Found in your domain’s DNS records.");
  click (fixture->assistant, "add_button");
  wait_for_page (fixture->assistant, "done");
  check_added (fixture);
}

static void
test_wrong_password (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *wrong = NULL;
  const char *message;

  if (!have_mailstack ())
    return;

  publish_autoconfig (env ("HY_TEST_IMAPS_PORT"), env ("HY_TEST_SUBMISSIONS_PORT"));
  hy_account_assistant_set_ca_file (fixture->assistant, env ("HY_TEST_CA_FILE"));
  wrong = g_strconcat (env ("HY_TEST_ALICE_PASSWORD"), "-wrong", NULL);

  enter_address (fixture, wrong);
  click (fixture->assistant, "continue_button");
  wait_for_page (fixture->assistant, "summary");
  click (fixture->assistant, "add_button");
  g_assert_true (wait_until (error_shown, fixture->assistant, 60));

  message = gtk_label_get_text (GTK_LABEL (child (fixture->assistant, "error_label")));
  g_assert_cmpstr (message, ==,
                   "localhost did not accept the user name or password. Check them and try again.");
  g_assert_cmpstr (hy_account_assistant_get_page (fixture->assistant), ==, "summary");
  screenshot (fixture->assistant, "account-assistant-wrong-password.png");

  /* Nothing was saved, and the user can go back and correct it. */
  g_assert_null (fixture->added);
  g_assert_cmpuint (g_list_model_get_n_items (hy_account_manager_get_accounts (fixture->manager)), ==, 0);
  g_assert_false (tree_contains (config_dir, wrong));
  click (fixture->assistant, "back_button");
  wait_for_page (fixture->assistant, "start");
  set_text (fixture->assistant, "password_row", env ("HY_TEST_ALICE_PASSWORD"));
  click (fixture->assistant, "continue_button");
  wait_for_page (fixture->assistant, "summary");
  click (fixture->assistant, "add_button");
  wait_for_page (fixture->assistant, "done");
  check_added (fixture);
}

static HyCertificateDialog *
find_certificate_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (HY_IS_CERTIFICATE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return HY_CERTIFICATE_DIALOG (window);
    }
  return NULL;
}

static gboolean
certificate_dialog_shown (gpointer data)
{
  return find_certificate_dialog () != NULL;
}

static gboolean
certificate_dialog_gone (gpointer data)
{
  return find_certificate_dialog () == NULL;
}

static void
test_certificate (Fixture       *fixture,
                  gconstpointer  data)
{
  HyCertificateDialog *dialog;
  g_autofree char *fingerprint = NULL;
  g_autofree char *pinned = NULL;
  g_autoptr(GKeyFile) pins = g_key_file_new ();

  if (!have_mailstack ())
    return;

  /* The assistant trusts only the system's authorities, which do not know
   * the stack's CA: the server looks self-signed. */
  publish_autoconfig (env ("HY_TEST_IMAPS_PORT"), env ("HY_TEST_SUBMISSIONS_PORT"));
  enter_address (fixture, env ("HY_TEST_ALICE_PASSWORD"));
  click (fixture->assistant, "continue_button");
  wait_for_page (fixture->assistant, "summary");
  click (fixture->assistant, "add_button");

  g_assert_true (wait_until (certificate_dialog_shown, NULL, 60));
  dialog = find_certificate_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_default_response (ADW_MESSAGE_DIALOG (dialog)), ==,
                   HY_CERTIFICATE_DIALOG_RESPONSE_CANCEL);
  g_assert_cmpstr (adw_message_dialog_get_close_response (ADW_MESSAGE_DIALOG (dialog)), ==,
                   HY_CERTIFICATE_DIALOG_RESPONSE_CANCEL);
  fingerprint = g_strdup (hy_certificate_dialog_get_fingerprint (dialog));
  g_assert_cmpuint (strlen (fingerprint), ==, 64);
  screenshot (dialog, "certificate-dialog.png");

  /* Cancel keeps nothing. */
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), HY_CERTIFICATE_DIALOG_RESPONSE_CANCEL);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_true (wait_until (error_shown, fixture->assistant, 30));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (child (fixture->assistant, "error_label"))), ==,
                   "The account was not added: the certificate of localhost was not trusted.");
  g_assert_null (fixture->added);
  g_assert_false (g_file_test (fixture->pins_path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (g_list_model_get_n_items (hy_account_manager_get_accounts (fixture->manager)), ==, 0);

  /* Trust pins the certificate and connects. */
  click (fixture->assistant, "add_button");
  g_assert_true (wait_until (certificate_dialog_shown, NULL, 60));
  dialog = find_certificate_dialog ();
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), HY_CERTIFICATE_DIALOG_RESPONSE_TRUST);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_true (wait_until (certificate_dialog_gone, NULL, 5));
  /* The outgoing server (another port) asks on its own. */
  g_assert_true (wait_until (certificate_dialog_shown, NULL, 60));
  dialog = find_certificate_dialog ();
  g_assert_cmpstr (hy_certificate_dialog_get_fingerprint (dialog), ==, fingerprint);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), HY_CERTIFICATE_DIALOG_RESPONSE_TRUST);
  gtk_window_destroy (GTK_WINDOW (dialog));
  wait_for_page (fixture->assistant, "done");
  g_assert_nonnull (fixture->added);

  /* The pin is for this account and these servers only. */
  pinned = hy_certificate_pins_lookup (fixture->pins, hy_account_get_id (fixture->added),
                                       hy_account_get_incoming (fixture->added));
  g_assert_cmpstr (pinned, ==, fingerprint);
  g_assert_true (g_key_file_load_from_file (pins, fixture->pins_path, G_KEY_FILE_NONE, NULL));
  g_assert_cmpuint (g_key_file_get_groups (pins, NULL) != NULL, ==, TRUE);
  {
    g_auto(GStrv) groups = g_key_file_get_groups (pins, NULL);
    g_auto(GStrv) keys = g_key_file_get_keys (pins, hy_account_get_id (fixture->added), NULL, NULL);

    g_assert_cmpuint (g_strv_length (groups), ==, 1);
    g_assert_cmpuint (g_strv_length (keys), ==, 2);
  }
}

typedef struct {
  gboolean  done;
  GError   *error;
} TestResult;

static void
on_tested (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  TestResult *outcome = user_data;

  hy_account_tester_test_finish (HY_ACCOUNT_TESTER (source), result, &outcome->error);
  outcome->done = TRUE;
}

/* A pinned certificate connects; when the server shows a different one, the
 * connection fails with the certificate attached, which is what raises the
 * dialog again. */
static void
test_pin_mismatch (void)
{
  g_autoptr(HyAccountTester) tester = hy_account_tester_new ();
  g_autoptr(HyServerConfig) server = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *other = NULL;
  g_autoptr(GError) error = NULL;
  TestResult outcome = { 0 };
  GTlsCertificateFlags flags = 0;

  if (!have_mailstack ())
    return;

  server = hy_server_config_new (HY_SERVER_PROTOCOL_IMAP, "localhost",
                                 atoi (env ("HY_TEST_IMAPS_PORT")), HY_SERVER_SECURITY_TLS,
                                 env ("HY_TEST_ALICE_USER"));
  certificate = g_tls_certificate_new_from_file (env ("HY_TEST_SERVER_CERT_FILE"), &error);
  g_assert_no_error (error);
  fingerprint = hy_certificate_get_sha256 (certificate);

  hy_account_tester_test_async (tester, server, env ("HY_TEST_ALICE_PASSWORD"), fingerprint,
                                NULL, on_tested, &outcome);
  g_assert_true (wait_until (flag_set, &outcome.done, 60));
  g_assert_no_error (outcome.error);

  /* The same server with a pin of another certificate. */
  other = g_strnfill (64, 'a');
  outcome.done = FALSE;
  hy_account_tester_test_async (tester, server, env ("HY_TEST_ALICE_PASSWORD"), other,
                                NULL, on_tested, &outcome);
  g_assert_true (wait_until (flag_set, &outcome.done, 60));
  g_assert_error (outcome.error, HY_NET_ERROR, HY_NET_ERROR_CERTIFICATE);
  g_assert_nonnull (hy_net_error_get_certificate (outcome.error, &flags));
  g_assert_true (flags & G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_clear_error (&outcome.error);
}

static void
test_manual (Fixture       *fixture,
             gconstpointer  data)
{
  if (!have_mailstack ())
    return;

  enter_address (fixture, env ("HY_TEST_ALICE_PASSWORD"));
  click (fixture->assistant, "manual_button");
  wait_for_page (fixture->assistant, "manual");
  /* Guesses from the domain, the address as user name. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (child (fixture->assistant, "in_host_row"))),
                   ==, "imap.example.org");

  /* A host name with a space is refused before anything connects. */
  set_text (fixture->assistant, "in_host_row", "mail server");
  g_assert_false (gtk_widget_get_sensitive (child (fixture->assistant, "manual_add_button")));

  /* "None" shows the warning. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (child (fixture->assistant, "in_security_row")), 2);
  g_assert_true (gtk_widget_get_visible (child (fixture->assistant, "insecure_warning")));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (child (fixture->assistant, "in_port_spin"))),
                   ==, 143);
  screenshot (fixture->assistant, "account-assistant-manual.png");

  /* STARTTLS on the stack's IMAP and submission ports. */
  set_text (fixture->assistant, "in_host_row", "localhost");
  adw_combo_row_set_selected (ADW_COMBO_ROW (child (fixture->assistant, "in_security_row")), 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (fixture->assistant, "in_port_spin")),
                             atoi (env ("HY_TEST_IMAP_PORT")));
  set_text (fixture->assistant, "out_host_row", "localhost");
  adw_combo_row_set_selected (ADW_COMBO_ROW (child (fixture->assistant, "out_security_row")), 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (fixture->assistant, "out_port_spin")),
                             atoi (env ("HY_TEST_SUBMISSION_PORT")));
  g_assert_false (gtk_widget_get_visible (child (fixture->assistant, "insecure_warning")));
  hy_account_assistant_set_ca_file (fixture->assistant, env ("HY_TEST_CA_FILE"));
  click (fixture->assistant, "manual_add_button");
  wait_for_page (fixture->assistant, "done");
  g_assert_nonnull (fixture->added);
  g_assert_cmpint (hy_account_get_incoming (fixture->added)->security, ==, HY_SERVER_SECURITY_STARTTLS);
  g_assert_cmpint (hy_account_get_outgoing (fixture->added)->port, ==,
                   atoi (env ("HY_TEST_SUBMISSION_PORT")));
}

static void
test_password_dialog (void)
{
  GtkWidget *parent = adw_window_new ();
  HyPasswordDialog *dialog;
  g_autofree char *password = NULL;

  gtk_window_set_default_size (GTK_WINDOW (parent), 800, 600);
  gtk_window_present (GTK_WINDOW (parent));
  dialog = hy_password_dialog_new (GTK_WINDOW (parent), "alice@example.org", "imap.example.org",
                                   "alice@example.org",
                                   "imap.example.org did not accept the password.");
  gtk_window_present (GTK_WINDOW (dialog));

  /* Sign In needs a password. */
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog),
                                                           HY_PASSWORD_DIALOG_RESPONSE_SIGN_IN));
  screenshot (dialog, "password-dialog.png");
  g_assert_true (hy_password_dialog_get_remember (dialog));
  password = hy_password_dialog_get_password (dialog);
  g_assert_cmpstr (password, ==, "");
  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (GTK_WINDOW (parent));
}

int
main (int    argc,
      char **argv)
{
  int rc;

  /* Our own configuration and data directories, to scan for the password. */
  scratch_dir = g_dir_make_tmp ("hongyan-account-test-XXXXXX", NULL);
  config_dir = g_build_filename (scratch_dir, "config", NULL);
  data_dir = g_build_filename (scratch_dir, "data", NULL);
  g_setenv ("XDG_CONFIG_HOME", config_dir, TRUE);
  g_setenv ("XDG_DATA_HOME", data_dir, TRUE);

  /* Mesa's software GL can stall under Xvfb; cairo draws the same. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  start_http_server ();
  test_resolver = g_object_new (TEST_TYPE_RESOLVER, NULL);
  g_resolver_set_default (G_RESOLVER (test_resolver));

  g_test_add ("/app/account-assistant/autoconfig", Fixture, NULL, fixture_setup, test_autoconfig, fixture_teardown);
  g_test_add ("/app/account-assistant/srv", Fixture, NULL, fixture_setup, test_srv, fixture_teardown);
  g_test_add ("/app/account-assistant/wrong-password", Fixture, NULL, fixture_setup, test_wrong_password, fixture_teardown);
  g_test_add ("/app/account-assistant/certificate", Fixture, NULL, fixture_setup, test_certificate, fixture_teardown);
  g_test_add ("/app/account-assistant/manual", Fixture, NULL, fixture_setup, test_manual, fixture_teardown);
  g_test_add_func ("/app/account-assistant/pin-mismatch", test_pin_mismatch);
  g_test_add_func ("/app/password-dialog", test_password_dialog);

  rc = g_test_run ();
  remove_tree (scratch_dir);
  return rc;
}
