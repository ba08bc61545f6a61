/* hy-secret-credentials.h — HyCredentials in the desktop keyring, through libsecret
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "account/hy-credentials.h"

G_BEGIN_DECLS

#define HY_TYPE_SECRET_CREDENTIALS (hy_secret_credentials_get_type ())

G_DECLARE_FINAL_TYPE (HySecretCredentials, hy_secret_credentials, HY, SECRET_CREDENTIALS, GObject)

/* Secrets are items of the schema "io.github.hongyan.Hongyan" with the
 * string attributes account, protocol, host and user, in the default
 * collection (the login keyring). */
HyCredentials *hy_secret_credentials_new (void);

G_END_DECLS
