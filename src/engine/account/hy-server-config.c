/* hy-server-config.c — how to reach one mail server: protocol, host, port, TLS, user (boxed)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-account"

#include "config.h"

#include "account/hy-server-config.h"

G_DEFINE_BOXED_TYPE (HyServerConfig, hy_server_config, hy_server_config_copy, hy_server_config_free)

HyServerConfig *
hy_server_config_new (HyServerProtocol  protocol,
                      const char       *host,
                      guint16           port,
                      HyServerSecurity  security,
                      const char       *user)
{
  HyServerConfig *config = g_new0 (HyServerConfig, 1);

  config->protocol = protocol;
  config->host = g_strdup (host);
  config->port = port ? port : hy_server_protocol_default_port (protocol, security);
  config->security = security;
  config->user = g_strdup (user);
  return config;
}

HyServerConfig *
hy_server_config_copy (const HyServerConfig *config)
{
  HyServerConfig *copy;

  g_return_val_if_fail (config != NULL, NULL);

  copy = hy_server_config_new (config->protocol, config->host, config->port, config->security, config->user);
  copy->auth_mechanism = g_strdup (config->auth_mechanism);
  return copy;
}

void
hy_server_config_free (HyServerConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->host);
  g_free (config->user);
  g_free (config->auth_mechanism);
  g_free (config);
}

gboolean
hy_server_config_equal (const HyServerConfig *a,
                        const HyServerConfig *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return a->protocol == b->protocol
      && g_ascii_strcasecmp (a->host ? a->host : "", b->host ? b->host : "") == 0
      && a->port == b->port
      && a->security == b->security
      && g_strcmp0 (a->user, b->user) == 0
      && g_strcmp0 (a->auth_mechanism, b->auth_mechanism) == 0;
}

const char *
hy_server_protocol_to_string (HyServerProtocol protocol)
{
  switch (protocol)
    {
    case HY_SERVER_PROTOCOL_IMAP: return "imap";
    case HY_SERVER_PROTOCOL_POP3: return "pop3";
    case HY_SERVER_PROTOCOL_SMTP: return "smtp";
    default: g_return_val_if_reached (NULL);
    }
}

gboolean
hy_server_protocol_from_string (const char       *text,
                                HyServerProtocol *out)
{
  if (text == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (text, "imap") == 0)
    *out = HY_SERVER_PROTOCOL_IMAP;
  else if (g_ascii_strcasecmp (text, "pop3") == 0 || g_ascii_strcasecmp (text, "pop") == 0)
    *out = HY_SERVER_PROTOCOL_POP3;
  else if (g_ascii_strcasecmp (text, "smtp") == 0)
    *out = HY_SERVER_PROTOCOL_SMTP;
  else
    return FALSE;
  return TRUE;
}

const char *
hy_server_security_to_string (HyServerSecurity security)
{
  switch (security)
    {
    case HY_SERVER_SECURITY_TLS: return "tls";
    case HY_SERVER_SECURITY_STARTTLS: return "starttls";
    case HY_SERVER_SECURITY_NONE: return "none";
    default: g_return_val_if_reached (NULL);
    }
}

gboolean
hy_server_security_from_string (const char       *text,
                                HyServerSecurity *out)
{
  if (text == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (text, "tls") == 0 || g_ascii_strcasecmp (text, "ssl") == 0)
    *out = HY_SERVER_SECURITY_TLS;
  else if (g_ascii_strcasecmp (text, "starttls") == 0)
    *out = HY_SERVER_SECURITY_STARTTLS;
  else if (g_ascii_strcasecmp (text, "none") == 0 || g_ascii_strcasecmp (text, "plain") == 0)
    *out = HY_SERVER_SECURITY_NONE;
  else
    return FALSE;
  return TRUE;
}

guint16
hy_server_protocol_default_port (HyServerProtocol protocol,
                                 HyServerSecurity security)
{
  gboolean tls = security == HY_SERVER_SECURITY_TLS;

  switch (protocol)
    {
    case HY_SERVER_PROTOCOL_IMAP: return tls ? 993 : 143;
    case HY_SERVER_PROTOCOL_POP3: return tls ? 995 : 110;
    case HY_SERVER_PROTOCOL_SMTP: return tls ? 465 : 587;
    default: return 0;
    }
}
