/* hy-account-error.h — error domain of accounts, credentials and autoconfiguration
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HY_ACCOUNT_ERROR (hy_account_error_quark ())

typedef enum {
  HY_ACCOUNT_ERROR_NOT_FOUND = 1,   /* no account with that id */
  HY_ACCOUNT_ERROR_INVALID,         /* a setting is missing or wrong */
  HY_ACCOUNT_ERROR_EXISTS,          /* an account with that id exists */
  HY_ACCOUNT_ERROR_IO,              /* the account file cannot be read or written */
  HY_ACCOUNT_ERROR_CREDENTIALS,     /* the keyring failed (locked, not running, …) */
  HY_ACCOUNT_ERROR_AUTOCONFIG,      /* no settings could be found for an address */
} HyAccountError;

GQuark hy_account_error_quark (void);

G_END_DECLS
