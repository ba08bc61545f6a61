/* hy-server-config.h — how to reach one mail server: protocol, host, port, TLS, user (boxed)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HY_TYPE_SERVER_CONFIG (hy_server_config_get_type ())

typedef enum {
  HY_SERVER_PROTOCOL_IMAP = 1,
  HY_SERVER_PROTOCOL_POP3,
  HY_SERVER_PROTOCOL_SMTP,
} HyServerProtocol;

typedef enum {
  HY_SERVER_SECURITY_TLS = 1,    /* implicit TLS (RFC 8314), preferred */
  HY_SERVER_SECURITY_STARTTLS,   /* upgrade a plain connection; refuse if it cannot */
  HY_SERVER_SECURITY_NONE,       /* plain text: only for local test servers */
} HyServerSecurity;

typedef struct {
  HyServerProtocol  protocol;
  char             *host;
  guint16           port;
  HyServerSecurity  security;
  char             *user;
  char             *auth_mechanism;  /* a SASL name ("PLAIN", "XOAUTH2"), or NULL for the best offered */
} HyServerConfig;

GType             hy_server_config_get_type          (void) G_GNUC_CONST;
HyServerConfig   *hy_server_config_new               (HyServerProtocol       protocol,
                                                      const char            *host,
                                                      guint16                port,
                                                      HyServerSecurity       security,
                                                      const char            *user);
HyServerConfig   *hy_server_config_copy              (const HyServerConfig  *config);
void              hy_server_config_free              (HyServerConfig        *config);
gboolean          hy_server_config_equal             (const HyServerConfig  *a,
                                                      const HyServerConfig  *b);

/* "imap", "pop3", "smtp"; also the protocol attribute of stored secrets. */
const char       *hy_server_protocol_to_string       (HyServerProtocol       protocol);
gboolean          hy_server_protocol_from_string     (const char            *text,
                                                      HyServerProtocol      *out);
/* "tls", "starttls", "none". */
const char       *hy_server_security_to_string       (HyServerSecurity       security);
gboolean          hy_server_security_from_string     (const char            *text,
                                                      HyServerSecurity      *out);
/* The standard port of @protocol with @security (993, 143, 995, 110, 465, 587). */
guint16           hy_server_protocol_default_port    (HyServerProtocol       protocol,
                                                      HyServerSecurity       security);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyServerConfig, hy_server_config_free)

G_END_DECLS
