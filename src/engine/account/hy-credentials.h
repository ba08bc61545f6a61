/* hy-credentials.h — where the engine asks for passwords and tokens (an interface)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HY_TYPE_CREDENTIALS (hy_credentials_get_type ())

G_DECLARE_INTERFACE (HyCredentials, hy_credentials, HY, CREDENTIALS, GObject)

/* A secret (password or OAuth token) is stored for one (account,
 * protocol, host, user).  The engine never writes secrets anywhere else:
 * the app and hongyan-cli implement this with libsecret, tests in memory.
 * @protocol is "imap", "pop3" or "smtp". */
struct _HyCredentialsInterface {
  GTypeInterface parent_iface;

  void     (*lookup_async)  (HyCredentials        *self,
                             const char           *account,
                             const char           *protocol,
                             const char           *host,
                             const char           *user,
                             GCancellable         *cancellable,
                             GAsyncReadyCallback   callback,
                             gpointer              user_data);
  char    *(*lookup_finish) (HyCredentials        *self,
                             GAsyncResult         *result,
                             GError              **error);
  void     (*store_async)   (HyCredentials        *self,
                             const char           *account,
                             const char           *protocol,
                             const char           *host,
                             const char           *user,
                             const char           *secret,
                             GCancellable         *cancellable,
                             GAsyncReadyCallback   callback,
                             gpointer              user_data);
  gboolean (*store_finish)  (HyCredentials        *self,
                             GAsyncResult         *result,
                             GError              **error);
  /* Deletes the secrets matching the arguments; NULL @protocol, @host or
   * @user match any (so deleting with only @account removes them all). */
  void     (*delete_async)  (HyCredentials        *self,
                             const char           *account,
                             const char           *protocol,
                             const char           *host,
                             const char           *user,
                             GCancellable         *cancellable,
                             GAsyncReadyCallback   callback,
                             gpointer              user_data);
  gboolean (*delete_finish) (HyCredentials        *self,
                             GAsyncResult         *result,
                             GError              **error);
};

/* Returns NULL without an error when no secret is stored. Free the
 * result with hy_credentials_secret_free(), which wipes it. */
void      hy_credentials_lookup_async  (HyCredentials        *self,
                                        const char           *account,
                                        const char           *protocol,
                                        const char           *host,
                                        const char           *user,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
char     *hy_credentials_lookup_finish (HyCredentials        *self,
                                        GAsyncResult         *result,
                                        GError              **error);
void      hy_credentials_store_async   (HyCredentials        *self,
                                        const char           *account,
                                        const char           *protocol,
                                        const char           *host,
                                        const char           *user,
                                        const char           *secret,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean  hy_credentials_store_finish  (HyCredentials        *self,
                                        GAsyncResult         *result,
                                        GError              **error);
void      hy_credentials_delete_async  (HyCredentials        *self,
                                        const char           *account,
                                        const char           *protocol,
                                        const char           *host,
                                        const char           *user,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean  hy_credentials_delete_finish (HyCredentials        *self,
                                        GAsyncResult         *result,
                                        GError              **error);

/* Overwrites and frees a secret. */
void      hy_credentials_secret_free   (char                 *secret);

G_END_DECLS
