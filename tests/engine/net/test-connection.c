/* test-connection.c — the connection layer against scripted servers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <string.h>

#include "net/hy-connection.h"
#include "net/hy-net-error.h"
#include "hy-test-server.h"

static HyConnection *
connect_to (HyTestServer  *server,
            HyNetSecurity  security,
            const char    *ca,
            GError       **error)
{
  g_autoptr(HyConnection) conn = hy_connection_new ("127.0.0.1", hy_test_server_get_port (server),
                                                    security);
  g_autoptr(GAsyncResult) result = NULL;

  if (ca != NULL)
    {
      g_autofree char *path = hy_test_cert_path (ca);
      hy_connection_set_ca_file (conn, path);
    }
  hy_connection_set_timeout (conn, 20);
  hy_connection_connect_async (conn, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  if (!hy_connection_connect_finish (conn, result, error))
    return NULL;
  return g_steal_pointer (&conn);
}

static char *
read_line (HyConnection  *conn,
           GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hy_connection_read_line_async (conn, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  return hy_connection_read_line_finish (conn, result, NULL, error);
}

static gboolean
write_text (HyConnection  *conn,
            const char    *text,
            const char    *trace_as,
            GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hy_connection_write_string_async (conn, text, trace_as, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  return hy_connection_write_finish (conn, result, error);
}

static gboolean
start_tls (HyConnection  *conn,
           GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hy_connection_start_tls_async (conn, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  return hy_connection_start_tls_finish (conn, result, error);
}

static void
test_lines_and_literals (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autofree char *line1 = NULL;
  g_autofree char *line2 = NULL;
  g_autofree char *line3 = NULL;
  gsize len = 0;

  hy_test_server_send (server, "* OK hello\r\nbare LF line\n* 1 FETCH (BODY[] {11}\r\n");
  hy_test_server_send (server, "hello\r\nworl");
  hy_test_server_sleep (server, 50);
  hy_test_server_send (server, "d)\r\n+OK list\r\n1 100\r\n..stuffed\r\n.\r\n");
  hy_test_server_expect (server, "A1 NOOP");
  hy_test_server_run (server);

  conn = connect_to (server, HY_NET_SECURITY_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (hy_connection_is_encrypted (conn));

  line1 = read_line (conn, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line1, ==, "* OK hello");
  line2 = read_line (conn, &error);
  g_assert_cmpstr (line2, ==, "bare LF line");
  line3 = read_line (conn, &error);
  g_assert_cmpstr (line3, ==, "* 1 FETCH (BODY[] {11}");

  /* More than the buffer holds: nothing is taken, and no error. */
  {
    g_autoptr(GByteArray) taken = g_byte_array_new ();

    g_assert_false (hy_connection_read_bytes_buffered (conn, 1000, taken, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (taken->len, ==, 0);
  }
  hy_connection_read_bytes_async (conn, 11, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  bytes = hy_connection_read_bytes_finish (conn, result, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "hello\r\nworl", 11);

  g_free (line1);
  line1 = hy_connection_read_line_buffered (conn, &len, &error);
  if (line1 == NULL)
    line1 = read_line (conn, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line1, ==, "d)");
  g_free (line2);
  line2 = read_line (conn, &error);
  g_assert_cmpstr (line2, ==, "+OK list");

  hy_connection_read_lines_until_async (conn, ".", 100, NULL, hy_test_store_result, &result2);
  hy_test_wait_result (&result2);
  lines = hy_connection_read_lines_until_finish (conn, result2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lines->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (lines, 0), ==, "1 100");
  g_assert_cmpstr (g_ptr_array_index (lines, 1), ==, "..stuffed");

  write_text (conn, "A1 NOOP\r\n", NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&conn);
  hy_test_server_wait (server, &error);
  g_assert_no_error (error);
}

/* A line that has arrived, taken without a read operation. */
static char *
take_arrived_line (HyConnection  *conn,
                   GError       **error)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      gsize len = 0;
      char *line = hy_connection_read_line_buffered (conn, &len, error);

      if (line != NULL || (error != NULL && *error != NULL))
        return line;
      if (!hy_connection_read_available (conn))
        g_usleep (5000);
    }
  return NULL;
}

static void
test_read_available (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *one = NULL;
  g_autofree char *two = NULL;
  g_autofree char *three = NULL;
  gsize len = 0;

  hy_test_server_send (server, "one\r\ntwo\r\n");
  hy_test_server_expect (server, "A1 NOOP");
  hy_test_server_send (server, "three\r\n");
  hy_test_server_run (server);

  conn = connect_to (server, HY_NET_SECURITY_NONE, NULL, &error);
  g_assert_no_error (error);

  /* What has arrived is moved into the buffer without waiting. */
  one = take_arrived_line (conn, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (one, ==, "one");
  two = take_arrived_line (conn, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (two, ==, "two");

  /* Nothing more has been sent: nothing to take, and no error. */
  g_assert_null (hy_connection_read_line_buffered (conn, &len, &error));
  g_assert_no_error (error);
  g_assert_false (hy_connection_read_available (conn));

  /* The connection still reads as usual afterwards. */
  write_text (conn, "A1 NOOP\r\n", NULL, &error);
  g_assert_no_error (error);
  three = read_line (conn, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (three, ==, "three");
  g_clear_object (&conn);
  hy_test_server_wait (server, &error);
  g_assert_no_error (error);
}

static void
test_line_too_long (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *huge = g_strnfill (5000, 'x');
  g_autofree char *line = NULL;

  hy_test_server_send (server, "short\r\n");
  hy_test_server_send (server, huge);
  hy_test_server_run (server);

  conn = connect_to (server, HY_NET_SECURITY_NONE, NULL, &error);
  g_assert_no_error (error);
  hy_connection_set_max_line_length (conn, 1000);
  line = read_line (conn, &error);
  g_assert_cmpstr (line, ==, "short");
  g_free (line);
  line = read_line (conn, &error);
  g_assert_null (line);
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_LINE_TOO_LONG);
  g_clear_error (&error);
  /* The connection stays unusable. */
  line = read_line (conn, &error);
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_LINE_TOO_LONG);
}

static void
test_timeout_keeps_data (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *line = NULL;
  gint64 start;

  hy_test_server_sleep (server, 1500);
  hy_test_server_send (server, "* late\r\n");
  hy_test_server_run (server);

  conn = connect_to (server, HY_NET_SECURITY_NONE, NULL, &error);
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  hy_connection_read_line_with_timeout_async (conn, 1, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  line = hy_connection_read_line_finish (conn, result, NULL, &error);
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 1400 * 1000);
  g_clear_error (&error);

  /* A timed-out read loses nothing: the late line still arrives. */
  line = read_line (conn, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "* late");
}

static void
test_closed (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) bytes = NULL;

  hy_test_server_send (server, "* 1 FETCH (BODY[] {100}\r\nonly part of it");
  hy_test_server_close (server);
  hy_test_server_run (server);

  conn = connect_to (server, HY_NET_SECURITY_NONE, NULL, &error);
  g_assert_no_error (error);
  g_free (read_line (conn, &error));
  g_assert_no_error (error);
  hy_connection_read_bytes_async (conn, 100, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  bytes = hy_connection_read_bytes_finish (conn, result, &error);
  g_assert_null (bytes);
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_CLOSED);
}

static void
test_cannot_connect (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(HyConnection) conn = NULL;
  guint16 port;

  {
    /* A port that was free a moment ago and has no listener now. */
    g_autoptr(HyTestServer) server = hy_test_server_new ();
    port = hy_test_server_get_port (server);
  }
  conn = hy_connection_new ("127.0.0.1", port, HY_NET_SECURITY_TLS);
  hy_connection_connect_async (conn, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  g_assert_false (hy_connection_connect_finish (conn, result, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_CANNOT_CONNECT);
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
}

static void
test_tls_trusted (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  hy_test_server_start_tls (server, "server");
  hy_test_server_send (server, "* OK secure\r\n");
  hy_test_server_expect (server, "A1 LOGOUT");
  hy_test_server_run (server);

  conn = connect_to (server, HY_NET_SECURITY_TLS, "ca", &error);
  g_assert_no_error (error);
  g_assert_true (hy_connection_is_encrypted (conn));
  g_assert_cmpuint (hy_connection_get_tls_epoch (conn), ==, 1);
  g_assert_nonnull (hy_connection_get_peer_certificate (conn));
  line = read_line (conn, &error);
  g_assert_cmpstr (line, ==, "* OK secure");
  write_text (conn, "A1 LOGOUT\r\n", NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&conn);
  hy_test_server_wait (server, &error);
  g_assert_no_error (error);
}

static void
check_bad_certificate (const char           *cert,
                       const char           *ca,
                       GTlsCertificateFlags  expected)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) copy = NULL;
  GTlsCertificate *peer;
  GTlsCertificateFlags flags = 0;

  hy_test_server_start_tls (server, cert);
  hy_test_server_send (server, "* OK must never be read\r\n");
  hy_test_server_run (server);

  conn = connect_to (server, HY_NET_SECURITY_TLS, ca, &error);
  g_assert_null (conn);
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_CERTIFICATE);

  /* The certificate travels with the error, also through a copy. */
  copy = g_error_copy (error);
  g_clear_error (&error);
  peer = hy_net_error_get_certificate (copy, &flags);
  g_assert_nonnull (peer);
  g_assert_true (G_IS_TLS_CERTIFICATE (peer));
  g_assert_cmpint (flags & expected, ==, expected);
  hy_test_server_wait (server, NULL);
}

static void
test_tls_self_signed (void)
{
  check_bad_certificate ("selfsigned", NULL, G_TLS_CERTIFICATE_UNKNOWN_CA);
}

static void
test_tls_wrong_host (void)
{
  check_bad_certificate ("wronghost", "ca", G_TLS_CERTIFICATE_BAD_IDENTITY);
}

static void
test_tls_expired (void)
{
  check_bad_certificate ("expired", "ca", G_TLS_CERTIFICATE_EXPIRED);
}

static void
test_tls_pinned (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *path = hy_test_cert_path ("selfsigned");
  g_autoptr(GTlsCertificate) cert = g_tls_certificate_new_from_file (path, &error);
  g_autofree char *pin = hy_certificate_get_sha256 (cert);
  g_autofree char *line = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (strlen (pin), ==, 64);

  hy_test_server_start_tls (server, "selfsigned");
  hy_test_server_send (server, "* OK pinned\r\n");
  hy_test_server_run (server);

  conn = hy_connection_new ("127.0.0.1", hy_test_server_get_port (server), HY_NET_SECURITY_TLS);
  g_assert_false (hy_connection_set_pinned_certificate (conn, "not-a-fingerprint", &error));
  g_clear_error (&error);
  g_assert_true (hy_connection_set_pinned_certificate (conn, pin, &error));
  hy_connection_connect_async (conn, NULL, hy_test_store_result, &result);
  hy_test_wait_result (&result);
  g_assert_true (hy_connection_connect_finish (conn, result, &error));
  g_assert_no_error (error);
  line = read_line (conn, &error);
  g_assert_cmpstr (line, ==, "* OK pinned");
}

static void
test_starttls_upgrade (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  hy_test_server_send (server, "220 plain\r\n");
  hy_test_server_expect (server, "STARTTLS");
  hy_test_server_send (server, "220 go ahead\r\n");
  hy_test_server_start_tls (server, "server");
  hy_test_server_expect (server, "EHLO again");
  hy_test_server_send (server, "250 secure\r\n");
  hy_test_server_run (server);

  conn = connect_to (server, HY_NET_SECURITY_STARTTLS, "ca", &error);
  g_assert_no_error (error);
  g_assert_false (hy_connection_check_credentials_allowed (conn, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_PLAINTEXT_AUTH);
  g_clear_error (&error);
  g_assert_cmpuint (hy_connection_get_tls_epoch (conn), ==, 0);
  g_free (read_line (conn, &error));
  write_text (conn, "STARTTLS\r\n", NULL, &error);
  line = read_line (conn, &error);
  g_assert_cmpstr (line, ==, "220 go ahead");
  g_assert_true (start_tls (conn, &error));
  g_assert_no_error (error);
  g_assert_true (hy_connection_is_encrypted (conn));
  g_assert_cmpuint (hy_connection_get_tls_epoch (conn), ==, 1);
  g_assert_true (hy_connection_check_credentials_allowed (conn, &error));
  write_text (conn, "EHLO again\r\n", NULL, &error);
  g_free (line);
  line = read_line (conn, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "250 secure");
  g_clear_object (&conn);
  hy_test_server_wait (server, &error);
  g_assert_no_error (error);
}

static void
test_starttls_injection (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  hy_test_server_expect (server, "STARTTLS");
  /* "Go ahead" and an injected answer in one packet, before any TLS. */
  hy_test_server_send (server, "220 go ahead\r\n250 AUTH PLAIN\r\n");
  hy_test_server_run (server);

  conn = connect_to (server, HY_NET_SECURITY_STARTTLS, "ca", &error);
  g_assert_no_error (error);
  write_text (conn, "STARTTLS\r\n", NULL, &error);
  g_usleep (100 * 1000);
  line = read_line (conn, &error);
  g_assert_cmpstr (line, ==, "220 go ahead");
  g_assert_false (start_tls (conn, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_STARTTLS_INJECTION);
  g_assert_false (hy_connection_is_connected (conn));
  g_assert_false (hy_connection_is_encrypted (conn));
}

static void
test_starttls_injection_late (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  /* The injected line comes in its own packet after the "go ahead" line. */
  hy_test_server_expect (server, "STARTTLS");
  hy_test_server_send (server, "220 go ahead\r\n");
  hy_test_server_sleep (server, 100);
  hy_test_server_send (server, "250 AUTH PLAIN\r\n");
  hy_test_server_run (server);

  conn = connect_to (server, HY_NET_SECURITY_STARTTLS, "ca", &error);
  write_text (conn, "STARTTLS\r\n", NULL, &error);
  line = read_line (conn, &error);
  g_assert_cmpstr (line, ==, "220 go ahead");
  g_usleep (300 * 1000);
  g_assert_false (start_tls (conn, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_STARTTLS_INJECTION);
}

static void
on_trace (HyConnection *conn,
          const char   *direction,
          const char   *line,
          gpointer      user_data)
{
  g_string_append_printf (user_data, "%s: %s\n", direction, line);
}

static void
test_trace_redacts (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) trace = g_string_new (NULL);
  g_autofree char *line = NULL;

  hy_test_server_expect (server, "A1 LOGIN alice s3cret-pass");
  hy_test_server_send (server, "A1 OK welcome\r\n");
  hy_test_server_run (server);

  conn = connect_to (server, HY_NET_SECURITY_NONE, NULL, &error);
  g_assert_no_error (error);
  hy_connection_set_trace (conn, TRUE);
  g_signal_connect (conn, "trace", G_CALLBACK (on_trace), trace);
  write_text (conn, "A1 LOGIN alice s3cret-pass\r\n", "A1 LOGIN alice ***", &error);
  line = read_line (conn, &error);
  g_assert_cmpstr (line, ==, "A1 OK welcome");

  g_assert_nonnull (strstr (trace->str, "C: A1 LOGIN alice ***\n"));
  g_assert_nonnull (strstr (trace->str, "S: A1 OK welcome\n"));
  g_assert_null (strstr (trace->str, "s3cret"));
  g_clear_object (&conn);
  hy_test_server_wait (server, &error);
  g_assert_no_error (error);
}


/* One conversion step; the test data is small enough for one call. */
static GBytes *
convert_all (GConverter   *converter,
             const void   *data,
             gsize         length,
             gboolean      flush)
{
  g_autoptr(GError) error = NULL;
  guint8 buf[4096];
  gsize read = 0, written = 0;

  g_converter_convert (converter, data, length, buf, sizeof buf,
                       flush ? G_CONVERTER_FLUSH : G_CONVERTER_NO_FLAGS,
                       &read, &written, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (read, ==, length);
  return g_bytes_new (buf, written);
}

static void
test_compression (void)
{
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GZlibCompressor) server_deflate = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW, -1);
  g_autoptr(GZlibDecompressor) server_inflate = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW);
  g_autoptr(GZlibDecompressor) inflate = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW);
  g_autoptr(GZlibCompressor) deflate = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW, -1);
  g_autoptr(GBytes) packed = NULL;
  g_autoptr(GBytes) sent = NULL;
  g_autofree char *line = NULL;
  g_autofree char *second = NULL;
  const char *received;
  const char *text = "* 1 EXISTS\r\nA2 OK compressed\r\n";

  packed = convert_all (G_CONVERTER (server_deflate), text, strlen (text), TRUE);
  hy_test_server_send (server, "A1 OK DEFLATE active\r\n");
  hy_test_server_sleep (server, 300);
  hy_test_server_send_bytes (server, g_bytes_get_data (packed, NULL), g_bytes_get_size (packed));
  hy_test_server_run (server);

  conn = connect_to (server, HY_NET_SECURITY_NONE, NULL, &error);
  g_assert_no_error (error);
  line = read_line (conn, &error);
  g_assert_cmpstr (line, ==, "A1 OK DEFLATE active");
  g_assert_true (hy_connection_start_compression (conn, G_CONVERTER (inflate),
                                                  G_CONVERTER (deflate), &error));
  /* The server script does not inflate: it sees the compressed bytes, which
   * never start with the plain command. */
  write_text (conn, "A2 NOOP\r\n", NULL, &error);
  g_assert_no_error (error);
  g_free (line);
  line = read_line (conn, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "* 1 EXISTS");
  second = read_line (conn, &error);
  g_assert_cmpstr (second, ==, "A2 OK compressed");
  g_clear_object (&conn);
  hy_test_server_wait (server, NULL);

  /* What the client sent after compression inflates back to the command. */
  received = hy_test_server_get_received (server);
  g_assert_null (strstr (received, "A2 NOOP"));
  sent = convert_all (G_CONVERTER (server_inflate), received,
                      hy_test_server_get_received_length (server), FALSE);
  g_assert_cmpmem (g_bytes_get_data (sent, NULL), g_bytes_get_size (sent), "A2 NOOP\r\n", 9);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/net/connection/lines-and-literals", test_lines_and_literals);
  g_test_add_func ("/engine/net/connection/line-too-long", test_line_too_long);
  g_test_add_func ("/engine/net/connection/read-available", test_read_available);
  g_test_add_func ("/engine/net/connection/timeout-keeps-data", test_timeout_keeps_data);
  g_test_add_func ("/engine/net/connection/closed-mid-literal", test_closed);
  g_test_add_func ("/engine/net/connection/cannot-connect", test_cannot_connect);
  g_test_add_func ("/engine/net/connection/trace-redacts", test_trace_redacts);
  g_test_add_func ("/engine/net/connection/compression", test_compression);
  g_test_add_func ("/engine/net/tls/trusted-ca", test_tls_trusted);
  g_test_add_func ("/engine/net/tls/self-signed", test_tls_self_signed);
  g_test_add_func ("/engine/net/tls/wrong-host", test_tls_wrong_host);
  g_test_add_func ("/engine/net/tls/expired", test_tls_expired);
  g_test_add_func ("/engine/net/tls/pinned", test_tls_pinned);
  g_test_add_func ("/engine/net/starttls/upgrade", test_starttls_upgrade);
  g_test_add_func ("/engine/net/starttls/injection", test_starttls_injection);
  g_test_add_func ("/engine/net/starttls/injection-late", test_starttls_injection_late);

  return g_test_run ();
}
