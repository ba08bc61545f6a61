/* hy-cli-conn.h — connection options shared by hongyan-cli commands, and exit codes for errors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hy-cli.h"
#include "net/hy-connection.h"

G_BEGIN_DECLS

/*
 * Every command that talks to a server takes the same options:
 *   --host H --port P --security tls|starttls|none --user U
 *   (--password-env VAR | --password-file F) [--ca-file PEM] [--pin SHA256]
 *   [--allow-plaintext-auth] [--trace] [--timeout S] [--local-address IP]
 * Usage: hy_cli_conn_add_options() to a GOptionContext, parse, then
 * hy_cli_conn_create() for a HyConnection and hy_cli_conn_get_password().
 */

typedef struct {
  char     *host;
  int       port;
  char     *security;
  char     *user;
  char     *password_env;
  char     *password_file;
  char     *ca_file;
  char     *pin;
  gboolean  allow_plaintext_auth;
  gboolean  trace;
  int       timeout;
  char     *local_address;
} HyCliConn;

void          hy_cli_conn_add_options   (HyCliConn       *conn,
                                         GOptionContext  *context);
HyConnection *hy_cli_conn_create        (HyCliConn       *conn,
                                         const char      *protocol,
                                         int             *exit_code);
gboolean      hy_cli_conn_has_password  (HyCliConn       *conn);
char         *hy_cli_conn_get_password  (HyCliConn       *conn,
                                         int             *exit_code);
void          hy_cli_conn_clear         (HyCliConn       *conn);

int           hy_cli_exit_code_for_error (const GError   *error);
int           hy_cli_report_error       (const GError    *error);

/* Spins the default main context until *@result is set by hy_cli_store_result. */
GAsyncResult *hy_cli_wait               (GAsyncResult   **result);
void          hy_cli_store_result       (GObject         *source,
                                         GAsyncResult    *result,
                                         gpointer         user_data);

G_END_DECLS
