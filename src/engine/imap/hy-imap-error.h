/* hy-imap-error.h — error domain of the IMAP client
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HY_IMAP_ERROR (hy_imap_error_quark ())

/**
 * HyImapError:
 * @HY_IMAP_ERROR_PROTOCOL: the server sent something that is not IMAP
 *   (malformed response, unexpected tag, literal too large)
 * @HY_IMAP_ERROR_REFUSED: the server answered NO; the message carries its text
 * @HY_IMAP_ERROR_BAD: the server answered BAD (it did not understand a command)
 * @HY_IMAP_ERROR_BYE: the server closed the session (BYE)
 * @HY_IMAP_ERROR_AUTH_FAILED: the server rejected the credentials
 * @HY_IMAP_ERROR_UNSUPPORTED: the server lacks a capability the operation needs
 * @HY_IMAP_ERROR_STATE: the operation is not possible in the session's state
 *   (not logged in, no mailbox selected, connection closed)
 */
typedef enum {
  HY_IMAP_ERROR_PROTOCOL = 1,
  HY_IMAP_ERROR_REFUSED,
  HY_IMAP_ERROR_BAD,
  HY_IMAP_ERROR_BYE,
  HY_IMAP_ERROR_AUTH_FAILED,
  HY_IMAP_ERROR_UNSUPPORTED,
  HY_IMAP_ERROR_STATE,
} HyImapError;

GQuark hy_imap_error_quark (void);

G_END_DECLS
