/* hy-account-error.c — error domain of accounts, credentials and autoconfiguration
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-account"

#include "config.h"

#include "account/hy-account-error.h"

G_DEFINE_QUARK (hy-account-error-quark, hy_account_error)
