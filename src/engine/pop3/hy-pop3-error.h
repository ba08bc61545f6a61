/* hy-pop3-error.h — error domain of the POP3 client
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HY_POP3_ERROR (hy_pop3_error_quark ())

/**
 * HyPop3Error:
 * @HY_POP3_ERROR_AUTH_FAILED: the server rejected the user name or password
 * @HY_POP3_ERROR_AUTH_UNAVAILABLE: no login method both sides support
 * @HY_POP3_ERROR_IN_USE: the mailbox is locked by another session ([IN-USE])
 * @HY_POP3_ERROR_TEMPORARY: the server has a temporary problem ([SYS/TEMP])
 * @HY_POP3_ERROR_REFUSED: the server answered -ERR; the message holds its text
 * @HY_POP3_ERROR_UNSUPPORTED: the server lacks a needed command (UIDL, TOP)
 * @HY_POP3_ERROR_PROTOCOL: the server's response was malformed
 *
 * Network, TLS and STLS failures come in the %HY_NET_ERROR domain.
 */
typedef enum {
  HY_POP3_ERROR_AUTH_FAILED = 1,
  HY_POP3_ERROR_AUTH_UNAVAILABLE,
  HY_POP3_ERROR_IN_USE,
  HY_POP3_ERROR_TEMPORARY,
  HY_POP3_ERROR_REFUSED,
  HY_POP3_ERROR_UNSUPPORTED,
  HY_POP3_ERROR_PROTOCOL,
} HyPop3Error;

GQuark hy_pop3_error_quark (void);

G_END_DECLS
