/* test-html-view.c — hostile HTML mail must not reach the network or run code
 *
 * A local HTTP server records every request.  Each hostile message refers to
 * it in another way; after the message has loaded, the server must have seen
 * nothing and no script may have run.  Then "Show once" must load the remote
 * images, which proves that the server and the test can see a request at all.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <adwaita.h>
#include <webkit/webkit.h>

#include "hy-html-view.h"

/* A 1×1 transparent PNG. */
static const guint8 png_pixel[] = {
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
  0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
  0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
  0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x00, 0x02, 0x00,
  0x00, 0x05, 0x00, 0x01, 0x7a, 0x5e, 0xab, 0x3f, 0x00, 0x00, 0x00, 0x00,
  0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

typedef struct {
  GThreadedSocketService *service;
  guint16                 port;
  GMutex                  lock;
  GPtrArray              *requests;
} LogServer;

static gboolean
on_run (GThreadedSocketService *service,
        GSocketConnection      *connection,
        GObject                *source,
        gpointer                user_data)
{
  LogServer *server = user_data;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autoptr(GDataInputStream) data = g_data_input_stream_new (in);
  g_autofree char *first = NULL;
  g_autofree char *header = NULL;

  first = g_data_input_stream_read_line (data, NULL, NULL, NULL);
  if (first == NULL)
    return FALSE;
  g_strchomp (first);

  g_mutex_lock (&server->lock);
  g_ptr_array_add (server->requests, g_strdup (first));
  g_mutex_unlock (&server->lock);

  /* Read the rest of the header, then answer with an image. */
  while ((header = g_data_input_stream_read_line (data, NULL, NULL, NULL)) != NULL)
    {
      g_strchomp (header);
      if (*header == '\0')
        break;
      g_clear_pointer (&header, g_free);
    }
  {
    g_autofree char *reply = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                                              "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                                              sizeof png_pixel);

    g_output_stream_write_all (out, reply, strlen (reply), NULL, NULL, NULL);
    g_output_stream_write_all (out, png_pixel, sizeof png_pixel, NULL, NULL, NULL);
  }
  return FALSE;
}

static void
log_server_start (LogServer *server)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  g_mutex_init (&server->lock);
  server->requests = g_ptr_array_new_with_free_func (g_free);
  server->service = G_THREADED_SOCKET_SERVICE (g_threaded_socket_service_new (4));
  g_socket_listener_add_address (G_SOCKET_LISTENER (server->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (server->service, "run", G_CALLBACK (on_run), server);
  g_socket_service_start (G_SOCKET_SERVICE (server->service));
}

static guint
log_server_count (LogServer *server)
{
  guint n;

  g_mutex_lock (&server->lock);
  n = server->requests->len;
  g_mutex_unlock (&server->lock);
  return n;
}

static char *
log_server_dump (LogServer *server)
{
  GString *s = g_string_new (NULL);

  g_mutex_lock (&server->lock);
  for (guint i = 0; i < server->requests->len; i++)
    g_string_append_printf (s, "%s\n", (char *) g_ptr_array_index (server->requests, i));
  g_mutex_unlock (&server->lock);
  return g_string_free (s, FALSE);
}

static void
log_server_stop (LogServer *server)
{
  g_socket_service_stop (G_SOCKET_SERVICE (server->service));
  g_socket_listener_close (G_SOCKET_LISTENER (server->service));
  g_clear_object (&server->service);
  g_clear_pointer (&server->requests, g_ptr_array_unref);
  g_mutex_clear (&server->lock);
}

typedef struct {
  LogServer   server;
  GtkWindow  *window;
  HyHtmlView *view;
  guint       cid_calls;
} Fixture;

static GBytes *
serve_cid (const char  *content_id,
           char       **content_type,
           gpointer     user_data)
{
  Fixture *fixture = user_data;

  if (g_strcmp0 (content_id, "logo@hongyan.test") != 0)
    return NULL;
  fixture->cid_calls++;
  *content_type = g_strdup ("image/png");
  {
    /* A red square, so that the screenshot shows the inline image. */
    enum { SIDE = 48 };
    g_autofree guint8 *pixels = g_malloc (SIDE * SIDE * 4);
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(GdkTexture) texture = NULL;

    for (guint i = 0; i < SIDE * SIDE; i++)
      memcpy (pixels + i * 4, (guint8[]) { 0xe0, 0x1b, 0x24, 0xff }, 4);
    bytes = g_bytes_new (pixels, SIDE * SIDE * 4);
    texture = gdk_memory_texture_new (SIDE, SIDE, GDK_MEMORY_R8G8B8A8, bytes, SIDE * 4);
    return gdk_texture_save_to_png_bytes (texture);
  }
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  log_server_start (&fixture->server);
  fixture->view = hy_html_view_new ();
  hy_html_view_set_cid_func (fixture->view, serve_cid, fixture, NULL);
  fixture->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (fixture->window, 800, 600);
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->view));
  gtk_window_present (fixture->window);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  gtk_window_destroy (fixture->window);
  log_server_stop (&fixture->server);
}

static void
spin (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
}

static void
load_and_settle (Fixture    *fixture,
                 const char *html)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  if (html != NULL)
    hy_html_view_load_html (fixture->view, html, FALSE);
  while (hy_html_view_get_loading (fixture->view) ||
         !gtk_widget_get_mapped (GTK_WIDGET (fixture->view)))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  /* Subresources, refreshes and layout may still be on their way. */
  spin (1500);
}

static char *
expand (const char *template,
        guint16     port)
{
  g_autofree char *base = g_strdup_printf ("http://127.0.0.1:%u", port);
  g_auto(GStrv) pieces = g_strsplit (template, "@BASE@", -1);

  return g_strjoinv (base, pieces);
}

/* Every way we know for a message to make the reader fetch something. */
static const char * const hostile[] = {
  "<p>remote image</p><img src=\"@BASE@/img\">",
  "<div style=\"background-image:url('@BASE@/css-url')\">css url()</div>",
  "<style>body { background: url(@BASE@/style-url) }</style><p>style block</p>",
  "<style>@import url(\"@BASE@/import.css\");</style><p>@import</p>",
  "<link rel=\"stylesheet\" href=\"@BASE@/link.css\"><p>link stylesheet</p>",
  "<link rel=\"icon\" href=\"@BASE@/favicon\"><link rel=\"prefetch\" href=\"@BASE@/prefetch\">"
  "<link rel=\"preload\" as=\"image\" href=\"@BASE@/preload\"><p>link hints</p>",
  "<iframe src=\"@BASE@/iframe\"></iframe>",
  "<iframe srcdoc=\"&lt;img src='@BASE@/srcdoc'&gt;\"></iframe>",
  "<video poster=\"@BASE@/poster\" src=\"@BASE@/video\"></video><audio src=\"@BASE@/audio\" autoplay></audio>",
  "<object data=\"@BASE@/object\"></object><embed src=\"@BASE@/embed\">",
  "<meta http-equiv=\"refresh\" content=\"0; url=@BASE@/refresh\"><p>refresh</p>",
  "<form id=f action=\"@BASE@/form\" method=post><input name=a value=b></form>"
  "<script>document.getElementById('f').submit()</script>",
  "<script src=\"@BASE@/script.js\"></script><script>document.title='pwned';"
  "new Image().src='@BASE@/js-beacon'</script>",
  "<body onload=\"document.title='pwned'\"><img src=x onerror=\"document.title='pwned'\"></body>",
  "<img srcset=\"@BASE@/srcset-1x 1x, @BASE@/srcset-2x 2x\">"
  "<picture><source srcset=\"@BASE@/picture\"><img src=\"data:,\"></picture>",
  "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">"
  "<image xlink:href=\"@BASE@/svg-image\" width=10 height=10/>"
  "<use href=\"@BASE@/svg-use#x\"/></svg>",
  "<body background=\"@BASE@/body-background\"><table background=\"@BASE@/table-background\">"
  "<tr><td background=\"@BASE@/td-background\">background=</td></tr></table></body>",
  "<style>@font-face { font-family: x; src: url(@BASE@/font.woff) } p { font-family: x }</style><p>font</p>",
  "<input type=\"image\" src=\"@BASE@/input-image\">",
  "<base href=\"@BASE@/\"><img src=\"relative-after-base\">",
  "<img src=\"//127.0.0.1:@PORT@/protocol-relative\">",
};

static void
test_hostile (Fixture       *fixture,
              gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autofree char *with_base = expand (hostile[i], fixture->server.port);
      g_autofree char *port = g_strdup_printf ("%u", fixture->server.port);
      g_auto(GStrv) pieces = g_strsplit (with_base, "@PORT@", -1);
      g_autofree char *html = g_strjoinv (port, pieces);
      g_autofree char *log = NULL;
      const char *title;

      g_test_message ("hostile sample %u: %s", i, html);
      load_and_settle (fixture, html);

      log = log_server_dump (&fixture->server);
      if (*log != '\0')
        g_error ("sample %u reached the network:\n%s", i, log);

      title = webkit_web_view_get_title (WEBKIT_WEB_VIEW (hy_html_view_get_web_view (fixture->view)));
      g_assert_cmpstr (title != NULL ? title : "", !=, "pwned");
    }
}

static void
test_show_once (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *html = expand ("<p>newsletter</p><img src=\"@BASE@/shown-once.png\">",
                                  fixture->server.port);
  gint64 deadline;

  load_and_settle (fixture, html);
  g_assert_true (hy_html_view_get_has_remote_content (fixture->view));
  g_assert_cmpuint (log_server_count (&fixture->server), ==, 0);

  hy_html_view_allow_remote_content (fixture->view);
  g_assert_true (hy_html_view_get_remote_allowed (fixture->view));
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (log_server_count (&fixture->server) == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  {
    g_autofree char *log = log_server_dump (&fixture->server);

    g_assert_nonnull (strstr (log, "GET /shown-once.png"));
  }

  /* The next message is blocked again. */
  {
    g_autofree char *next = expand ("<img src=\"@BASE@/next-message\">", fixture->server.port);
    guint before = log_server_count (&fixture->server);

    load_and_settle (fixture, next);
    g_assert_false (hy_html_view_get_remote_allowed (fixture->view));
    g_assert_cmpuint (log_server_count (&fixture->server), ==, before);
  }
}

static void
test_cid (Fixture       *fixture,
          gconstpointer  data)
{
  const char *html =
    "<html><body style=\"font-family: sans-serif\">"
    "<h1>Hongyan Weekly 鸿雁周刊</h1>"
    "<p><img src=\"cid:logo@hongyan.test\" width=48 height=48 alt=logo> An inline image from the "
    "message itself is shown; nothing else is fetched.</p>"
    "<p>会议安排见下表。</p>"
    "<table border=1><tr><th>Time</th><th>Topic</th></tr><tr><td>10:00</td><td>Release</td></tr></table>"
    "</body></html>";
  const char *build_root = g_getenv ("HONGYAN_BUILD_ROOT");

  load_and_settle (fixture, html);
  g_assert_false (hy_html_view_get_has_remote_content (fixture->view));
  g_assert_cmpuint (fixture->cid_calls, >=, 1);
  g_assert_cmpuint (log_server_count (&fixture->server), ==, 0);

  if (build_root != NULL)
    {
      g_autofree char *dir = g_build_filename (build_root, "meson-logs", "screenshots", NULL);
      g_autofree char *path = g_build_filename (dir, "html-message.png", NULL);
      g_autofree char *quoted = g_shell_quote (path);
      g_autofree char *command = NULL;
      g_autoptr(GError) error = NULL;
      int status = 0;

      /* WebKit draws images in layers of its own that a widget snapshot
       * does not see, so take the picture the X server shows. */
      g_mkdir_with_parents (dir, 0755);
      spin (2000);
      command = g_strdup_printf ("sh -c 'xwd -root -silent | xwdtopnm 2>/dev/null | pnmtopng > %s'", quoted);
      g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, &status, &error));
      g_assert_no_error (error);
      g_assert_cmpint (status, ==, 0);
    }
}

static void
test_remote_detection (void)
{
  g_assert_true (hy_html_find_remote_references ("<img src=\"https://x.test/a.png\">"));
  g_assert_true (hy_html_find_remote_references ("<div style='background:url( \"//x.test/a\")'>"));
  g_assert_true (hy_html_find_remote_references ("<img SRCSET='http://x.test/a 2x'>"));
  g_assert_false (hy_html_find_remote_references ("<a href=\"https://x.test/\">a link</a>"));
  g_assert_false (hy_html_find_remote_references ("<img src=\"cid:a@b\"><p>https://x.test</p>"));
}

static void
test_policy_first (void)
{
  g_autofree char *doc = hy_html_wrap_with_policy ("<html><head></head></html>", FALSE);

  g_assert_true (g_str_has_prefix (doc, "<meta http-equiv=\"Content-Security-Policy\" "
                                        "content=\"default-src 'none'; style-src 'unsafe-inline'; "
                                        "img-src data: cid:"));
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/app/html-view/remote-detection", test_remote_detection);
  g_test_add_func ("/app/html-view/policy-first", test_policy_first);
  g_test_add ("/app/html-view/hostile", Fixture, NULL, fixture_setup, test_hostile, fixture_teardown);
  g_test_add ("/app/html-view/show-once", Fixture, NULL, fixture_setup, test_show_once, fixture_teardown);
  g_test_add ("/app/html-view/cid", Fixture, NULL, fixture_setup, test_cid, fixture_teardown);

  return g_test_run ();
}
