/* hy-memory-credentials.c — HyCredentials kept in memory only (tests, one-shot tools)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-account"

#include "config.h"

#include "account/hy-memory-credentials.h"

struct _HyMemoryCredentials {
  GObject     parent_instance;
  GMutex      lock;
  GHashTable *secrets;  /* "account\037protocol\037host\037user" -> secret */
};

static void credentials_iface_init (HyCredentialsInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HyMemoryCredentials, hy_memory_credentials, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (HY_TYPE_CREDENTIALS, credentials_iface_init))

static char *
make_key (const char *account,
          const char *protocol,
          const char *host,
          const char *user)
{
  g_autofree char *lower_host = g_ascii_strdown (host, -1);

  return g_strjoin ("\037", account, protocol, lower_host, user, NULL);
}

static void
lookup_async (HyCredentials       *credentials,
              const char          *account,
              const char          *protocol,
              const char          *host,
              const char          *user,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  HyMemoryCredentials *self = HY_MEMORY_CREDENTIALS (credentials);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *key = make_key (account, protocol, host, user);
  char *secret;

  g_task_set_source_tag (task, lookup_async);
  g_mutex_lock (&self->lock);
  secret = g_strdup (g_hash_table_lookup (self->secrets, key));
  g_mutex_unlock (&self->lock);
  g_task_return_pointer (task, secret, (GDestroyNotify) hy_credentials_secret_free);
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
store_async (HyCredentials       *credentials,
             const char          *account,
             const char          *protocol,
             const char          *host,
             const char          *user,
             const char          *secret,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  HyMemoryCredentials *self = HY_MEMORY_CREDENTIALS (credentials);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, store_async);
  g_mutex_lock (&self->lock);
  g_hash_table_replace (self->secrets, make_key (account, protocol, host, user), g_strdup (secret));
  g_mutex_unlock (&self->lock);
  g_task_return_boolean (task, TRUE);
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
delete_async (HyCredentials       *credentials,
              const char          *account,
              const char          *protocol,
              const char          *host,
              const char          *user,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  HyMemoryCredentials *self = HY_MEMORY_CREDENTIALS (credentials);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GHashTableIter iter;
  gpointer key;

  g_task_set_source_tag (task, delete_async);
  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->secrets);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_auto(GStrv) parts = g_strsplit (key, "\037", 4);

      if (g_strv_length (parts) == 4
          && g_strcmp0 (parts[0], account) == 0
          && (protocol == NULL || g_strcmp0 (parts[1], protocol) == 0)
          && (host == NULL || g_ascii_strcasecmp (parts[2], host) == 0)
          && (user == NULL || g_strcmp0 (parts[3], user) == 0))
        g_hash_table_iter_remove (&iter);
    }
  g_mutex_unlock (&self->lock);
  g_task_return_boolean (task, TRUE);
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
hy_memory_credentials_finalize (GObject *object)
{
  HyMemoryCredentials *self = HY_MEMORY_CREDENTIALS (object);

  g_hash_table_destroy (self->secrets);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (hy_memory_credentials_parent_class)->finalize (object);
}

static void
hy_memory_credentials_class_init (HyMemoryCredentialsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hy_memory_credentials_finalize;
}

static void
hy_memory_credentials_init (HyMemoryCredentials *self)
{
  g_mutex_init (&self->lock);
  self->secrets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) hy_credentials_secret_free);
}

HyCredentials *
hy_memory_credentials_new (void)
{
  return g_object_new (HY_TYPE_MEMORY_CREDENTIALS, NULL);
}

guint
hy_memory_credentials_get_count (HyMemoryCredentials *self)
{
  guint count;

  g_return_val_if_fail (HY_IS_MEMORY_CREDENTIALS (self), 0);

  g_mutex_lock (&self->lock);
  count = g_hash_table_size (self->secrets);
  g_mutex_unlock (&self->lock);
  return count;
}
