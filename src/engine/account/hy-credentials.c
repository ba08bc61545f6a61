/* hy-credentials.c — where the engine asks for passwords and tokens (an interface)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-account"

#include "config.h"

#include <string.h>

#include "account/hy-credentials.h"

G_DEFINE_INTERFACE (HyCredentials, hy_credentials, G_TYPE_OBJECT)

static void
hy_credentials_default_init (HyCredentialsInterface *iface)
{
}

void
hy_credentials_lookup_async (HyCredentials       *self,
                             const char          *account,
                             const char          *protocol,
                             const char          *host,
                             const char          *user,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (HY_IS_CREDENTIALS (self));
  g_return_if_fail (account != NULL && protocol != NULL && host != NULL && user != NULL);

  HY_CREDENTIALS_GET_IFACE (self)->lookup_async (self, account, protocol, host, user,
                                                 cancellable, callback, user_data);
}

char *
hy_credentials_lookup_finish (HyCredentials  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (HY_IS_CREDENTIALS (self), NULL);

  return HY_CREDENTIALS_GET_IFACE (self)->lookup_finish (self, result, error);
}

void
hy_credentials_store_async (HyCredentials       *self,
                            const char          *account,
                            const char          *protocol,
                            const char          *host,
                            const char          *user,
                            const char          *secret,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (HY_IS_CREDENTIALS (self));
  g_return_if_fail (account != NULL && protocol != NULL && host != NULL && user != NULL);
  g_return_if_fail (secret != NULL);

  HY_CREDENTIALS_GET_IFACE (self)->store_async (self, account, protocol, host, user, secret,
                                                cancellable, callback, user_data);
}

gboolean
hy_credentials_store_finish (HyCredentials  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (HY_IS_CREDENTIALS (self), FALSE);

  return HY_CREDENTIALS_GET_IFACE (self)->store_finish (self, result, error);
}

void
hy_credentials_delete_async (HyCredentials       *self,
                             const char          *account,
                             const char          *protocol,
                             const char          *host,
                             const char          *user,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (HY_IS_CREDENTIALS (self));
  g_return_if_fail (account != NULL);

  HY_CREDENTIALS_GET_IFACE (self)->delete_async (self, account, protocol, host, user,
                                                 cancellable, callback, user_data);
}

gboolean
hy_credentials_delete_finish (HyCredentials  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (HY_IS_CREDENTIALS (self), FALSE);

  return HY_CREDENTIALS_GET_IFACE (self)->delete_finish (self, result, error);
}

void
hy_credentials_secret_free (char *secret)
{
  if (secret == NULL)
    return;
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}
