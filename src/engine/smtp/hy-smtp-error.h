/* hy-smtp-error.h — error domain of the SMTP client
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HY_SMTP_ERROR (hy_smtp_error_quark ())

/**
 * HySmtpError:
 * @HY_SMTP_ERROR_AUTH_FAILED: the server rejected the user name or password
 * @HY_SMTP_ERROR_AUTH_UNAVAILABLE: the server offers no authentication at all
 * @HY_SMTP_ERROR_REFUSED: the server refused a command permanently (5xx); the
 *   message holds the server's text
 * @HY_SMTP_ERROR_TEMPORARY: the server refused a command for now (4xx): try later
 * @HY_SMTP_ERROR_MESSAGE_TOO_LARGE: the message exceeds the server's SIZE limit;
 *   nothing was sent
 * @HY_SMTP_ERROR_ALL_RECIPIENTS_REFUSED: no recipient was accepted, all for good
 *   (5xx); the message was not sent
 * @HY_SMTP_ERROR_UNSUPPORTED: the message needs an extension the server lacks
 *   (8BITMIME, SMTPUTF8)
 * @HY_SMTP_ERROR_PROTOCOL: the server's reply was malformed
 *
 * Network, TLS and STARTTLS failures come in the %HY_NET_ERROR domain.
 */
typedef enum {
  HY_SMTP_ERROR_AUTH_FAILED = 1,
  HY_SMTP_ERROR_AUTH_UNAVAILABLE,
  HY_SMTP_ERROR_REFUSED,
  HY_SMTP_ERROR_TEMPORARY,
  HY_SMTP_ERROR_MESSAGE_TOO_LARGE,
  HY_SMTP_ERROR_ALL_RECIPIENTS_REFUSED,
  HY_SMTP_ERROR_UNSUPPORTED,
  HY_SMTP_ERROR_PROTOCOL,
} HySmtpError;

GQuark hy_smtp_error_quark (void);

G_END_DECLS
