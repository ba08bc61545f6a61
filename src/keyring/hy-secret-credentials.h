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
/* Like hy_credentials_store_async() (finish with hy_credentials_store_finish()),
 * but in the keyring's session collection: kept in memory until the user
 * logs out, never written to disk ("Remember password" off). */
void           hy_secret_credentials_store_for_session_async (HySecretCredentials *self,
                                                              const char          *account,
                                                              const char          *protocol,
                                                              const char          *host,
                                                              const char          *user,
                                                              const char          *secret,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);

G_END_DECLS
