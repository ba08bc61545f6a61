/* hy-secret-credentials.c — HyCredentials in the desktop keyring, through libsecret
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-keyring"

#include "config.h"

#include <libsecret/secret.h>

#include "account/hy-account-error.h"
#include "hy-secret-credentials.h"

struct _HySecretCredentials {
  GObject parent_instance;
};

static void credentials_iface_init (HyCredentialsInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HySecretCredentials, hy_secret_credentials, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (HY_TYPE_CREDENTIALS, credentials_iface_init))

/* Named after the application (not the .Devel build), so that a
 * development build finds the passwords of the installed one. */
static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    "io.github.hongyan.Hongyan", SECRET_SCHEMA_NONE,
    {
      { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "protocol", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };

  return &schema;
}

static GHashTable *
make_attributes (const char *account,
                 const char *protocol,
                 const char *host,
                 const char *user)
{
  GHashTable *attributes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  g_hash_table_insert (attributes, (gpointer) "account", g_strdup (account));
  if (protocol != NULL)
    g_hash_table_insert (attributes, (gpointer) "protocol", g_strdup (protocol));
  if (host != NULL)
    g_hash_table_insert (attributes, (gpointer) "host", g_ascii_strdown (host, -1));
  if (user != NULL)
    g_hash_table_insert (attributes, (gpointer) "user", g_strdup (user));
  return attributes;
}

static void
wrap_error (GTask  *task,
            GError *error,
            const char *what)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, error);
  else
    {
      g_task_return_new_error (task, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_CREDENTIALS,
                               "%s: %s (is the keyring running and unlocked?)", what, error->message);
      g_error_free (error);
    }
}

static void
lookup_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *secret = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    wrap_error (task, error, "Cannot read a password from the keyring");
  else
    {
      char *copy = g_strdup (secret);

      secret_password_free (secret);
      g_task_return_pointer (task, copy, (GDestroyNotify) hy_credentials_secret_free);
    }
}

static void
lookup_async (HyCredentials       *self,
              const char          *account,
              const char          *protocol,
              const char          *host,
              const char          *user,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  g_autoptr(GHashTable) attributes = make_attributes (account, protocol, host, user);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, lookup_async);
  secret_password_lookupv (get_schema (), attributes, cancellable, lookup_done, task);
}

static char *
lookup_finish (HyCredentials  *self,
               GAsyncResult   *result,
               GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
store_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!secret_password_store_finish (result, &error))
    wrap_error (task, error, "Cannot save a password in the keyring");
  else
    g_task_return_boolean (task, TRUE);
}

static void
store_in (HyCredentials       *self,
          const char          *collection,
          const char          *account,
          const char          *protocol,
          const char          *host,
          const char          *user,
          const char          *secret,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  g_autoptr(GHashTable) attributes = make_attributes (account, protocol, host, user);
  g_autofree char *label = g_strdup_printf ("Hongyan: %s password of %s on %s", protocol, user, host);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  /* Both forms finish with hy_credentials_store_finish(). */
  g_task_set_source_tag (task, store_in);
  secret_password_storev (get_schema (), attributes, collection, label, secret,
                          cancellable, store_done, task);
}

static void
store_async (HyCredentials       *self,
             const char          *account,
             const char          *protocol,
             const char          *host,
             const char          *user,
             const char          *secret,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  store_in (self, SECRET_COLLECTION_DEFAULT, account, protocol, host, user, secret,
            cancellable, callback, user_data);
}

void
hy_secret_credentials_store_for_session_async (HySecretCredentials *self,
                                               const char          *account,
                                               const char          *protocol,
                                               const char          *host,
                                               const char          *user,
                                               const char          *secret,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data)
{
  g_return_if_fail (HY_IS_SECRET_CREDENTIALS (self));
  g_return_if_fail (account != NULL && protocol != NULL && host != NULL && secret != NULL);

  store_in (HY_CREDENTIALS (self), SECRET_COLLECTION_SESSION, account, protocol, host, user, secret,
            cancellable, callback, user_data);
}

static gboolean
boolean_finish (HyCredentials  *self,
                GAsyncResult   *result,
                GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
delete_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  /* FALSE without an error means there was nothing to delete. */
  secret_password_clear_finish (result, &error);
  if (error != NULL)
    wrap_error (task, error, "Cannot remove a password from the keyring");
  else
    g_task_return_boolean (task, TRUE);
}

static void
delete_async (HyCredentials       *self,
              const char          *account,
              const char          *protocol,
              const char          *host,
              const char          *user,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  g_autoptr(GHashTable) attributes = make_attributes (account, protocol, host, user);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, delete_async);
  secret_password_clearv (get_schema (), attributes, cancellable, delete_done, task);
}

static void
credentials_iface_init (HyCredentialsInterface *iface)
{
  iface->lookup_async = lookup_async;
  iface->lookup_finish = lookup_finish;
  iface->store_async = store_async;
  iface->store_finish = boolean_finish;
  iface->delete_async = delete_async;
  iface->delete_finish = boolean_finish;
}

static void
hy_secret_credentials_class_init (HySecretCredentialsClass *klass)
{
}

static void
hy_secret_credentials_init (HySecretCredentials *self)
{
}

HyCredentials *
hy_secret_credentials_new (void)
{
  return g_object_new (HY_TYPE_SECRET_CREDENTIALS, NULL);
}
