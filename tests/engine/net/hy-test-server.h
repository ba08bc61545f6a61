/* hy-test-server.h — a scripted fake server for protocol tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * A HyTestServer listens on 127.0.0.1 on a free port, accepts one connection
 * and plays a script in its own thread with blocking I/O, so the client under
 * test runs on the test's main context undisturbed:
 *
 *   g_autoptr(HyTestServer) server = hy_test_server_new ();
 *   hy_test_server_send (server, "220 fake ESMTP\r\n");
 *   hy_test_server_expect (server, "EHLO *");        // glob over one line
 *   hy_test_server_send (server, "250-fake\r\n250 STARTTLS\r\n");
 *   hy_test_server_expect (server, "STARTTLS");
 *   hy_test_server_send (server, "220 go ahead\r\n");
 *   hy_test_server_start_tls (server, "server");      // certs/server.pem
 *   hy_test_server_run (server);
 *   ... drive the client against hy_test_server_get_port (server) ...
 *   g_assert_true (hy_test_server_wait (server, &error));
 *   g_assert_null (strstr (hy_test_server_get_received (server), "secret"));
 *
 * After the last step the server keeps reading (and recording) whatever the
 * client sends until it closes the connection or 2 seconds pass, so a test can
 * assert that nothing (e.g. no credential) was sent after the script ended.
 * A step that fails (a line that does not match, a failed handshake) ends the
 * script; hy_test_server_wait() then reports it.
 */

typedef struct _HyTestServer HyTestServer;

/* Computes the answer to @line (without CRLF) for hy_test_server_respond();
 * returns a newly allocated string to send, or NULL to end the script. */
typedef char *(*HyTestServerRespondFunc) (const char *line,
                                          gpointer    user_data);

HyTestServer *hy_test_server_new           (void);
void          hy_test_server_free          (HyTestServer *server);
guint16       hy_test_server_get_port      (HyTestServer *server);

void          hy_test_server_send          (HyTestServer *server,
                                            const char   *data);
void          hy_test_server_send_bytes    (HyTestServer *server,
                                            const void   *data,
                                            gsize         length);
void          hy_test_server_expect        (HyTestServer *server,
                                            const char   *pattern);
void          hy_test_server_expect_until  (HyTestServer *server,
                                            const char   *last_line);
void          hy_test_server_respond       (HyTestServer            *server,
                                            HyTestServerRespondFunc  func,
                                            gpointer                 user_data);
void          hy_test_server_start_tls     (HyTestServer *server,
                                            const char   *certificate);
void          hy_test_server_sleep         (HyTestServer *server,
                                            guint         milliseconds);
void          hy_test_server_close         (HyTestServer *server);

void          hy_test_server_run           (HyTestServer *server);
gboolean      hy_test_server_wait          (HyTestServer *server,
                                            GError      **error);
const char   *hy_test_server_get_received  (HyTestServer *server);
gsize         hy_test_server_get_received_length (HyTestServer *server);

char         *hy_test_cert_path            (const char   *name);

/* Spins the thread-default main context until *@result is set. */
void          hy_test_wait_result          (GAsyncResult **result);
/* A GAsyncReadyCallback that stores a reference to the result in user_data
 * (a GAsyncResult **). */
void          hy_test_store_result         (GObject       *source,
                                            GAsyncResult  *result,
                                            gpointer       user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyTestServer, hy_test_server_free)

G_END_DECLS
