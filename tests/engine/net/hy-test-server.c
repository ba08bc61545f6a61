/* hy-test-server.c — a scripted fake server for protocol tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <string.h>
#include <gio/gnetworking.h>

#include "hy-test-server.h"

#define IO_TIMEOUT 10
#define DRAIN_TIMEOUT 2

typedef enum {
  STEP_SEND,
  STEP_EXPECT,
  STEP_EXPECT_UNTIL,
  STEP_RESPOND,
  STEP_START_TLS,
  STEP_SLEEP,
  STEP_CLOSE,
} StepKind;

typedef struct {
  StepKind  kind;
  GBytes   *data;
  char     *text;
  guint     ms;
  HyTestServerRespondFunc func;
  gpointer  user_data;
} Step;

struct _HyTestServer
{
  GSocket     *listener;
  guint16      port;
  GPtrArray   *steps;
  GThread     *thread;

  GMutex       lock;
  GString     *received;
  GError      *error;

  /* thread only */
  GIOStream   *stream;
  GIOStream   *plain;
  GByteArray  *inbuf;
};

static void
step_free (gpointer data)
{
  Step *step = data;

  g_clear_pointer (&step->data, g_bytes_unref);
  g_free (step->text);
  g_free (step);
}

static Step *
add_step (HyTestServer *server,
          StepKind      kind)
{
  Step *step = g_new0 (Step, 1);

  step->kind = kind;
  g_ptr_array_add (server->steps, step);
  return step;
}

HyTestServer *
hy_test_server_new (void)
{
  HyTestServer *server = g_new0 (HyTestServer, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  server->steps = g_ptr_array_new_with_free_func (step_free);
  server->received = g_string_new (NULL);
  server->inbuf = g_byte_array_new ();
  g_mutex_init (&server->lock);

  server->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                   G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_set_option (server->listener, SOL_SOCKET, SO_REUSEADDR, 1, NULL);
  g_socket_bind (server->listener, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (server->listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (server->listener, &error);
  g_assert_no_error (error);
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return server;
}

void
hy_test_server_free (HyTestServer *server)
{
  if (server == NULL)
    return;
  if (server->thread != NULL)
    hy_test_server_wait (server, NULL);
  g_clear_object (&server->listener);
  g_ptr_array_unref (server->steps);
  g_string_free (server->received, TRUE);
  g_byte_array_unref (server->inbuf);
  g_clear_error (&server->error);
  g_mutex_clear (&server->lock);
  g_free (server);
}

guint16
hy_test_server_get_port (HyTestServer *server)
{
  return server->port;
}

void
hy_test_server_send (HyTestServer *server,
                     const char   *data)
{
  hy_test_server_send_bytes (server, data, strlen (data));
}

void
hy_test_server_send_bytes (HyTestServer *server,
                           const void   *data,
                           gsize         length)
{
  add_step (server, STEP_SEND)->data = g_bytes_new (data, length);
}

void
hy_test_server_expect (HyTestServer *server,
                       const char   *pattern)
{
  add_step (server, STEP_EXPECT)->text = g_strdup (pattern);
}

void
hy_test_server_expect_until (HyTestServer *server,
                             const char   *last_line)
{
  add_step (server, STEP_EXPECT_UNTIL)->text = g_strdup (last_line);
}

/* Reads one line and sends what @func computes from it (run in the server
 * thread). */
void
hy_test_server_respond (HyTestServer            *server,
                        HyTestServerRespondFunc  func,
                        gpointer                 user_data)
{
  Step *step = add_step (server, STEP_RESPOND);

  step->func = func;
  step->user_data = user_data;
}

void
hy_test_server_start_tls (HyTestServer *server,
                          const char   *certificate)
{
  add_step (server, STEP_START_TLS)->text = g_strdup (certificate);
}

void
hy_test_server_sleep (HyTestServer *server,
                      guint         milliseconds)
{
  add_step (server, STEP_SLEEP)->ms = milliseconds;
}

void
hy_test_server_close (HyTestServer *server)
{
  add_step (server, STEP_CLOSE);
}

char *
hy_test_cert_path (const char *name)
{
  g_autofree char *file = g_str_has_suffix (name, ".pem") || g_str_has_suffix (name, ".key")
                          ? g_strdup (name) : g_strconcat (name, ".pem", NULL);

  return g_build_filename (HY_TEST_CERTS_DIR, file, NULL);
}

static void
record (HyTestServer *server,
        const void   *data,
        gsize         length)
{
  g_mutex_lock (&server->lock);
  g_string_append_len (server->received, data, length);
  g_mutex_unlock (&server->lock);
}

/* Reads one line (with its terminator) in the server thread. */
static char *
read_line (HyTestServer  *server,
           GError       **error)
{
  GInputStream *in = g_io_stream_get_input_stream (server->stream);

  for (;;)
    {
      guint8 *nl = server->inbuf->len > 0 ? memchr (server->inbuf->data, '\n', server->inbuf->len) : NULL;
      guint8 chunk[4096];
      gssize n;

      if (nl != NULL)
        {
          gsize len = nl - server->inbuf->data + 1;
          char *line = g_strndup ((char *) server->inbuf->data, len);

          g_byte_array_remove_range (server->inbuf, 0, len);
          return line;
        }
      n = g_input_stream_read (in, chunk, sizeof chunk, NULL, error);
      if (n < 0)
        return NULL;
      if (n == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                       "the client closed the connection");
          return NULL;
        }
      record (server, chunk, n);
      g_byte_array_append (server->inbuf, chunk, n);
    }
}

static char *
strip_crlf (char *line)
{
  gsize len = strlen (line);

  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    line[--len] = '\0';
  return line;
}

static gboolean
run_step (HyTestServer  *server,
          Step          *step,
          GError       **error)
{
  switch (step->kind)
    {
    case STEP_SEND:
      {
        gsize len;
        const void *data = g_bytes_get_data (step->data, &len);

        return g_output_stream_write_all (g_io_stream_get_output_stream (server->stream),
                                          data, len, NULL, NULL, error);
      }

    case STEP_EXPECT:
      {
        g_autofree char *line = read_line (server, error);

        if (line == NULL)
          {
            g_prefix_error (error, "expecting “%s”: ", step->text);
            return FALSE;
          }
        strip_crlf (line);
        if (!g_pattern_match_simple (step->text, line))
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         "expected “%s”, got “%s”", step->text, line);
            return FALSE;
          }
        return TRUE;
      }

    case STEP_EXPECT_UNTIL:
      for (;;)
        {
          g_autofree char *line = read_line (server, error);

          if (line == NULL)
            {
              g_prefix_error (error, "expecting lines up to “%s”: ", step->text);
              return FALSE;
            }
          if (strcmp (strip_crlf (line), step->text) == 0)
            return TRUE;
        }

    case STEP_RESPOND:
      {
        g_autofree char *line = read_line (server, error);
        g_autofree char *answer = NULL;

        if (line == NULL)
          return FALSE;
        answer = step->func (strip_crlf (line), step->user_data);
        if (answer == NULL)
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "unexpected “%s”", line);
            return FALSE;
          }
        return g_output_stream_write_all (g_io_stream_get_output_stream (server->stream),
                                          answer, strlen (answer), NULL, NULL, error);
      }

    case STEP_START_TLS:
      {
        g_autofree char *cert_path = hy_test_cert_path (step->text);
        g_autofree char *key_path = hy_test_cert_path ("server.key");
        g_autoptr(GTlsCertificate) cert = g_tls_certificate_new_from_files (cert_path, key_path, error);
        GIOStream *tls;

        if (cert == NULL)
          return FALSE;
        if (server->inbuf->len > 0)
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         "the client sent data before the TLS handshake");
            return FALSE;
          }
        tls = g_tls_server_connection_new (server->stream, cert, error);
        if (tls == NULL)
          return FALSE;
        if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, error))
          {
            g_object_unref (tls);
            g_prefix_error (error, "TLS handshake: ");
            return FALSE;
          }
        g_set_object (&server->stream, tls);
        g_object_unref (tls);
        return TRUE;
      }

    case STEP_SLEEP:
      g_usleep (step->ms * 1000);
      return TRUE;

    case STEP_CLOSE:
      g_io_stream_close (server->stream, NULL, NULL);
      return TRUE;

    default:
      g_assert_not_reached ();
    }
}

static gpointer
server_thread (gpointer data)
{
  HyTestServer *server = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  gboolean closed = FALSE;

  g_socket_set_timeout (server->listener, IO_TIMEOUT);
  socket = g_socket_accept (server->listener, NULL, &error);
  if (socket == NULL)
    goto out;
  g_socket_set_timeout (socket, IO_TIMEOUT);
  server->plain = G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
  server->stream = g_object_ref (server->plain);

  for (guint i = 0; i < server->steps->len; i++)
    {
      Step *step = g_ptr_array_index (server->steps, i);

      if (!run_step (server, step, &error))
        goto out;
      if (step->kind == STEP_CLOSE)
        {
          closed = TRUE;
          break;
        }
    }

  if (!closed)
    {
      /* Record whatever else the client sends, until it hangs up. */
      GInputStream *in = g_io_stream_get_input_stream (server->stream);
      guint8 chunk[4096];
      gssize n;

      g_socket_set_timeout (socket, DRAIN_TIMEOUT);
      while ((n = g_input_stream_read (in, chunk, sizeof chunk, NULL, NULL)) > 0)
        record (server, chunk, n);
      g_io_stream_close (server->stream, NULL, NULL);
    }

out:
  if (error != NULL)
    {
      g_debug ("test server: %s", error->message);
      g_mutex_lock (&server->lock);
      server->error = g_steal_pointer (&error);
      g_mutex_unlock (&server->lock);
      if (server->stream != NULL)
        g_io_stream_close (server->plain, NULL, NULL);
    }
  g_clear_object (&server->stream);
  g_clear_object (&server->plain);
  return NULL;
}

void
hy_test_server_run (HyTestServer *server)
{
  g_assert_null (server->thread);
  server->thread = g_thread_new ("hy-test-server", server_thread, server);
}

gboolean
hy_test_server_wait (HyTestServer  *server,
                     GError       **error)
{
  if (server->thread != NULL)
    {
      g_thread_join (server->thread);
      server->thread = NULL;
    }
  if (server->error != NULL)
    {
      g_propagate_error (error, g_error_copy (server->error));
      return FALSE;
    }
  return TRUE;
}

const char *
hy_test_server_get_received (HyTestServer *server)
{
  return server->received->str;
}

gsize
hy_test_server_get_received_length (HyTestServer *server)
{
  return server->received->len;
}

void
hy_test_wait_result (GAsyncResult **result)
{
  GMainContext *context = g_main_context_get_thread_default ();

  while (*result == NULL)
    g_main_context_iteration (context, TRUE);
}

void
hy_test_store_result (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}
