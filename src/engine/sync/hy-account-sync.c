/* hy-account-sync.c — keeps one account's store in step with its server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-sync"

#include "config.h"

#include "sync/hy-account-sync.h"

struct _HyAccountSync {
  GObject        parent_instance;

  HyAccount     *account;
  HyStore       *store;
  HyCredentials *credentials;
  char          *ca_file;
  HyAccountSyncStatus status;
  GError        *error;
};

G_DEFINE_FINAL_TYPE (HyAccountSync, hy_account_sync, G_TYPE_OBJECT)

enum {
  SIGNAL_STATUS_CHANGED,
  SIGNAL_NEW_MAIL,
  SIGNAL_FOLDERS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
hy_account_sync_finalize (GObject *object)
{
  HyAccountSync *self = HY_ACCOUNT_SYNC (object);

  g_clear_object (&self->account);
  g_clear_object (&self->store);
  g_clear_object (&self->credentials);
  g_free (self->ca_file);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (hy_account_sync_parent_class)->finalize (object);
}

static void
hy_account_sync_class_init (HyAccountSyncClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hy_account_sync_finalize;

  signals[SIGNAL_STATUS_CHANGED] =
    g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_NEW_MAIL] =
    g_signal_new ("new-mail", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_UINT);
  signals[SIGNAL_FOLDERS_CHANGED] =
    g_signal_new ("folders-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hy_account_sync_init (HyAccountSync *self)
{
}

HyAccountSync *
hy_account_sync_new (HyAccount     *account,
                     HyStore       *store,
                     HyCredentials *credentials)
{
  HyAccountSync *self = g_object_new (HY_TYPE_ACCOUNT_SYNC, NULL);

  self->account = g_object_ref (account);
  self->store = g_object_ref (store);
  self->credentials = credentials != NULL ? g_object_ref (credentials) : NULL;
  return self;
}

void
hy_account_sync_set_ca_file (HyAccountSync *self,
                             const char    *ca_file)
{
  g_free (self->ca_file);
  self->ca_file = g_strdup (ca_file);
}

void
hy_account_sync_run_async (HyAccountSync       *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, hy_account_sync_run_async);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "Sync is not available yet.");
}

gboolean
hy_account_sync_run_finish (HyAccountSync  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
hy_account_sync_poke (HyAccountSync *self)
{
}

void
hy_account_sync_start (HyAccountSync *self)
{
}

void
hy_account_sync_stop (HyAccountSync *self)
{
}

HyAccountSyncStatus
hy_account_sync_get_status (HyAccountSync *self)
{
  return self->status;
}

const GError *
hy_account_sync_get_error (HyAccountSync *self)
{
  return self->error;
}

GBytes *
hy_account_sync_fetch_body (HyAccountSync  *self,
                            gint64          message_id,
                            GCancellable   *cancellable,
                            GError        **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "Sync is not available yet.");
  return NULL;
}
