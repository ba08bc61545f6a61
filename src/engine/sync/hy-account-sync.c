/* hy-account-sync.c — keeps one account's store in step with its server
 *
 * One thread per account does the network work as a plain sequence of
 * steps (see hy-imap-sync.c and hy-pop3-sync.c), waiting on a main context
 * of its own.  It sleeps until asked for a pass (hy_account_sync_run_async,
 * a local change, a network change) or, once started, waits in IDLE on
 * the inbox on a connection of its own — or polls when the server has no
 * IDLE — and runs a pass when something changed.  After a network failure
 * it tries again with a growing delay; after a refusal the user has to act
 * on (password, certificate) it waits to be asked.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-sync"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "imap/hy-imap-error.h"
#include "net/hy-net-error.h"
#include "pop3/hy-pop3-error.h"
#include "store/hy-store-error.h"
#include "sync/hy-account-sync.h"
#include "sync/hy-connection-pool.h"
#include "sync/hy-imap-sync.h"
#include "sync/hy-pop3-sync.h"

/* Other folders are looked at this often while the inbox idles. */
#define POLL_SECONDS (5 * 60)
#define BACKOFF_MIN_SECONDS 2
#define BACKOFF_MAX_SECONDS (5 * 60)

struct _HyAccountSync {
  GObject              parent_instance;

  HyAccount           *account;
  HyStore             *store;
  HyCredentials       *credentials;
  HyConnectionPool    *pool;
  GMainContext        *owner;        /* signals are emitted here */
  GNetworkMonitor     *monitor;
  gulong               network_changed_id;

  GMutex               lock;
  GCond                cond;
  GThread             *thread;
  gboolean             quit;
  gboolean             continuous;
  gboolean             kick;
  GCancellable        *wake;         /* interrupts IDLE and waits */
  GCancellable        *cancel;       /* stops the work when the thread ends */
  GPtrArray           *waiters;      /* GTask, completed after the next pass */
  HyAccountSyncStatus  status;
  GError              *error;
  gboolean             synced_once;
};

G_DEFINE_FINAL_TYPE (HyAccountSync, hy_account_sync, G_TYPE_OBJECT)

enum {
  SIGNAL_STATUS_CHANGED,
  SIGNAL_NEW_MAIL,
  SIGNAL_FOLDERS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gpointer sync_thread (gpointer data);

static void
stop_thread (HyAccountSync *self)
{
  GThread *thread;

  g_mutex_lock (&self->lock);
  self->quit = TRUE;
  if (self->wake != NULL)
    g_cancellable_cancel (self->wake);
  if (self->cancel != NULL)
    g_cancellable_cancel (self->cancel);
  g_cond_broadcast (&self->cond);
  thread = g_steal_pointer (&self->thread);
  g_mutex_unlock (&self->lock);
  if (thread != NULL)
    g_thread_join (thread);
}

static void
hy_account_sync_dispose (GObject *object)
{
  HyAccountSync *self = HY_ACCOUNT_SYNC (object);

  if (self->monitor != NULL)
    g_clear_signal_handler (&self->network_changed_id, self->monitor);
  g_clear_object (&self->monitor);
  stop_thread (self);

  G_OBJECT_CLASS (hy_account_sync_parent_class)->dispose (object);
}

static void
hy_account_sync_finalize (GObject *object)
{
  HyAccountSync *self = HY_ACCOUNT_SYNC (object);

  g_clear_pointer (&self->waiters, g_ptr_array_unref);
  g_clear_object (&self->wake);
  g_clear_object (&self->cancel);
  g_clear_object (&self->pool);
  g_clear_object (&self->account);
  g_clear_object (&self->store);
  g_clear_object (&self->credentials);
  g_clear_pointer (&self->owner, g_main_context_unref);
  g_clear_error (&self->error);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (hy_account_sync_parent_class)->finalize (object);
}

static void
hy_account_sync_class_init (HyAccountSyncClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hy_account_sync_dispose;
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
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
}

HyAccountSync *
hy_account_sync_new (HyAccount     *account,
                     HyStore       *store,
                     HyCredentials *credentials)
{
  HyAccountSync *self;

  g_return_val_if_fail (HY_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (HY_IS_STORE (store), NULL);

  self = g_object_new (HY_TYPE_ACCOUNT_SYNC, NULL);
  self->account = g_object_ref (account);
  self->store = g_object_ref (store);
  self->credentials = credentials != NULL ? g_object_ref (credentials) : NULL;
  self->pool = hy_connection_pool_new (account, credentials);
  self->owner = g_main_context_ref_thread_default ();
  return self;
}

void
hy_account_sync_set_ca_file (HyAccountSync *self,
                             const char    *ca_file)
{
  g_return_if_fail (HY_IS_ACCOUNT_SYNC (self));

  hy_connection_pool_set_ca_file (self->pool, ca_file);
}

static gboolean
is_pop3 (HyAccount *account)
{
  const HyServerConfig *incoming = hy_account_get_incoming (account);

  return incoming != NULL && incoming->protocol == HY_SERVER_PROTOCOL_POP3;
}

/* ---- reporting to the owner's context --------------------------------------- */

typedef struct {
  HyAccountSync *self;
  guint          signal;
  gint64         folder_id;
  guint          count;
} Emission;

static gboolean
emit_cb (gpointer user_data)
{
  Emission *e = user_data;

  if (e->signal == SIGNAL_NEW_MAIL)
    g_signal_emit (e->self, signals[SIGNAL_NEW_MAIL], 0, e->folder_id, e->count);
  else
    g_signal_emit (e->self, signals[e->signal], 0);
  return G_SOURCE_REMOVE;
}

static void
emission_free (gpointer user_data)
{
  Emission *e = user_data;

  g_object_unref (e->self);
  g_free (e);
}

static void
emit_later (HyAccountSync *self,
            guint          signal,
            gint64         folder_id,
            guint          count)
{
  Emission *e = g_new0 (Emission, 1);

  e->self = g_object_ref (self);
  e->signal = signal;
  e->folder_id = folder_id;
  e->count = count;
  g_main_context_invoke_full (self->owner, G_PRIORITY_DEFAULT, emit_cb, e, emission_free);
}

static void
set_status (HyAccountSync        *self,
            HyAccountSyncStatus   status,
            const GError         *error)
{
  gboolean changed;

  g_mutex_lock (&self->lock);
  changed = self->status != status || (self->error == NULL) != (error == NULL) ||
            (error != NULL && g_strcmp0 (error->message, self->error->message) != 0);
  self->status = status;
  g_clear_error (&self->error);
  if (error != NULL)
    self->error = g_error_copy (error);
  g_mutex_unlock (&self->lock);
  if (changed)
    emit_later (self, SIGNAL_STATUS_CHANGED, 0, 0);
}

HyAccountSyncStatus
hy_account_sync_get_status (HyAccountSync *self)
{
  HyAccountSyncStatus status;

  g_return_val_if_fail (HY_IS_ACCOUNT_SYNC (self), HY_ACCOUNT_SYNC_IDLE);

  g_mutex_lock (&self->lock);
  status = self->status;
  g_mutex_unlock (&self->lock);
  return status;
}

const GError *
hy_account_sync_get_error (HyAccountSync *self)
{
  g_return_val_if_fail (HY_IS_ACCOUNT_SYNC (self), NULL);

  /* Only changed by the sync thread under the lock and read on the
   * owner's thread after "status-changed"; the pointer stays valid until
   * the next status change is delivered there. */
  return self->error;
}

/* ---- requests ---------------------------------------------------------------- */

static void
ensure_thread (HyAccountSync *self)
{
  if (self->thread == NULL)
    {
      g_autofree char *name = g_strdup_printf ("hy-sync-%s", hy_account_get_id (self->account));

      self->quit = FALSE;
      g_clear_object (&self->cancel);
      self->cancel = g_cancellable_new ();
      self->thread = g_thread_new (name, sync_thread, g_object_ref (self));
    }
}

static void
kick_locked (HyAccountSync *self)
{
  self->kick = TRUE;
  if (self->wake != NULL)
    g_cancellable_cancel (self->wake);
  g_cond_broadcast (&self->cond);
}

void
hy_account_sync_run_async (HyAccountSync       *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (HY_IS_ACCOUNT_SYNC (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_account_sync_run_async);
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->waiters, task);
  kick_locked (self);
  ensure_thread (self);
  g_mutex_unlock (&self->lock);
}

gboolean
hy_account_sync_run_finish (HyAccountSync  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
hy_account_sync_poke (HyAccountSync *self)
{
  g_return_if_fail (HY_IS_ACCOUNT_SYNC (self));

  g_mutex_lock (&self->lock);
  kick_locked (self);
  ensure_thread (self);
  g_mutex_unlock (&self->lock);
}

static void
network_changed (GNetworkMonitor *monitor,
                 gboolean         available,
                 gpointer         user_data)
{
  HyAccountSync *self = user_data;

  /* Sessions made over the old route may be dead without knowing it. */
  hy_connection_pool_clear (self->pool);
  if (available)
    hy_account_sync_poke (self);
}

void
hy_account_sync_start (HyAccountSync *self)
{
  g_return_if_fail (HY_IS_ACCOUNT_SYNC (self));

  if (self->monitor == NULL)
    {
      self->monitor = g_object_ref (g_network_monitor_get_default ());
      self->network_changed_id = g_signal_connect (self->monitor, "network-changed",
                                                   G_CALLBACK (network_changed), self);
    }
  g_mutex_lock (&self->lock);
  self->continuous = TRUE;
  kick_locked (self);
  ensure_thread (self);
  g_mutex_unlock (&self->lock);
}

void
hy_account_sync_stop (HyAccountSync *self)
{
  g_return_if_fail (HY_IS_ACCOUNT_SYNC (self));

  if (self->monitor != NULL)
    g_clear_signal_handler (&self->network_changed_id, self->monitor);
  g_clear_object (&self->monitor);
  g_mutex_lock (&self->lock);
  self->continuous = FALSE;
  g_mutex_unlock (&self->lock);
  stop_thread (self);
}

/* ---- the thread ---------------------------------------------------------------- */

typedef enum {
  FAILURE_NONE,
  FAILURE_NETWORK,   /* try again later by itself */
  FAILURE_USER,      /* needs the user (password, certificate, settings) */
} Failure;

static Failure
classify (const GError *error)
{
  if (error == NULL)
    return FAILURE_NONE;
  if (g_error_matches (error, HY_IMAP_ERROR, HY_IMAP_ERROR_AUTH_FAILED) ||
      g_error_matches (error, HY_POP3_ERROR, HY_POP3_ERROR_AUTH_FAILED) ||
      g_error_matches (error, HY_NET_ERROR, HY_NET_ERROR_CERTIFICATE) ||
      g_error_matches (error, HY_NET_ERROR, HY_NET_ERROR_TLS) ||
      g_error_matches (error, HY_NET_ERROR, HY_NET_ERROR_STARTTLS_UNAVAILABLE) ||
      g_error_matches (error, HY_NET_ERROR, HY_NET_ERROR_STARTTLS_REFUSED) ||
      g_error_matches (error, HY_NET_ERROR, HY_NET_ERROR_STARTTLS_INJECTION) ||
      g_error_matches (error, HY_NET_ERROR, HY_NET_ERROR_PLAINTEXT_AUTH) ||
      g_error_matches (error, HY_NET_ERROR, HY_NET_ERROR_AUTH_MECHANISM) ||
      g_error_matches (error, HY_NET_ERROR, HY_NET_ERROR_NO_TLS_BACKEND) ||
      error->domain == HY_STORE_ERROR)
    return FAILURE_USER;
  return FAILURE_NETWORK;
}

/* @interrupt stops the background download of bodies (for a pass that
 * was asked for meanwhile), not the rest. */
static gboolean
imap_pass (HyAccountSync  *self,
           HyAccount      *account,
           HySyncWait     *wait,
           GCancellable   *interrupt,
           GError        **error)
{
  GCancellable *cancellable = self->cancel;
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  gboolean changed = FALSE;
  gboolean ok = FALSE;
  guint days;
  gint64 since;

  client = hy_connection_pool_acquire (self->pool, wait, cancellable, error);
  if (client == NULL)
    return FALSE;

  if (!hy_imap_sync_replay (client, wait, self->store, cancellable, error))
    goto out;
  if (!hy_imap_sync_folder_list (client, wait, self->store, account, &changed, cancellable, error))
    goto out;
  if (changed)
    emit_later (self, SIGNAL_FOLDERS_CHANGED, 0, 0);

  folders = hy_store_list_folders (self->store, error);
  if (folders == NULL)
    goto out;
  /* The inbox first: that is where people look. */
  for (int round = 0; round < 2; round++)
    for (guint i = 0; i < folders->len; i++)
      {
        HyStoreFolder *folder = g_ptr_array_index (folders, i);
        guint new_unread = 0;

        if ((folder->role == HY_FOLDER_ROLE_INBOX) != (round == 0))
          continue;
        if (!hy_imap_sync_folder (client, wait, self->store, folder->id, &new_unread, cancellable, error))
          goto out;
        if (new_unread > 0 && (folder->role == HY_FOLDER_ROLE_INBOX || folder->role == HY_FOLDER_ROLE_NONE))
          emit_later (self, SIGNAL_NEW_MAIL, folder->id, new_unread);
      }

  /* Then the bodies of the sync window, for reading offline. */
  days = hy_account_get_sync_window_days (account);
  since = days == 0 ? 0 : g_get_real_time () / G_USEC_PER_SEC - (gint64) days * 24 * 3600;
  for (guint i = 0; i < folders->len; i++)
    {
      HyStoreFolder *folder = g_ptr_array_index (folders, i);

      if (folder->role == HY_FOLDER_ROLE_JUNK || folder->role == HY_FOLDER_ROLE_TRASH)
        continue;
      g_autoptr(GError) local_error = NULL;

      if (!hy_imap_sync_download_bodies (client, wait, self->store, folder->id, since, interrupt, &local_error))
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            break;
          g_propagate_error (error, g_steal_pointer (&local_error));
          goto out;
        }
    }
  ok = TRUE;

out:
  hy_connection_pool_release (self->pool, g_steal_pointer (&client));
  return ok;
}

/* Waits in IDLE on the inbox until something changes, @seconds pass or
 * the wait is interrupted; FALSE when IDLE is not possible. */
static gboolean
idle_inbox (HyAccountSync  *self,
            HySyncWait     *wait,
            HyImapClient  **idle_client,
            guint           seconds,
            GCancellable   *wake)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStoreFolder) inbox = hy_store_find_folder (self->store, "INBOX", NULL);
  g_autoptr(GPtrArray) changes = NULL;

  if (inbox == NULL)
    return FALSE;
  if (*idle_client == NULL)
    {
      g_autoptr(HyImapSelectResult) selected = NULL;

      *idle_client = hy_connection_pool_acquire (self->pool, wait, wake, &error);
      if (*idle_client == NULL)
        return FALSE;
      if (!hy_imap_client_has_capability (*idle_client, "IDLE"))
        {
          hy_connection_pool_release (self->pool, g_steal_pointer (idle_client));
          return FALSE;
        }
      hy_imap_client_select_async (*idle_client, inbox->name, TRUE, 0, 0, NULL, wake, hy_sync_wait_cb, wait);
      selected = hy_imap_client_select_finish (*idle_client, hy_sync_wait (wait), &error);
      if (selected == NULL)
        {
          g_clear_object (idle_client);
          return FALSE;
        }
    }
  hy_imap_client_idle_async (*idle_client, seconds, wake, hy_sync_wait_cb, wait);
  changes = hy_imap_client_idle_finish (*idle_client, hy_sync_wait (wait), &error);
  if (changes == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_debug ("IDLE on %s ended: %s", hy_account_get_id (self->account), error->message);
      g_clear_object (idle_client);
      return FALSE;
    }
  if (changes == NULL && *idle_client != NULL &&
      hy_imap_client_get_state (*idle_client) != HY_IMAP_STATE_SELECTED)
    g_clear_object (idle_client);
  return TRUE;
}

/* Sleeps until kicked, quit, or @seconds (0: forever) passed. */
static void
sleep_locked (HyAccountSync *self,
              guint          seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (!self->quit && !self->kick)
    {
      if (seconds == 0)
        g_cond_wait (&self->cond, &self->lock);
      else if (!g_cond_wait_until (&self->cond, &self->lock, end))
        break;
    }
}

static gpointer
sync_thread (gpointer data)
{
  g_autoptr(HyAccountSync) self = data;
  g_autoptr(HyImapClient) idle_client = NULL;
  HySyncWait wait;
  guint backoff = 0;

  hy_sync_wait_init (&wait);
  g_mutex_lock (&self->lock);
  while (!self->quit)
    {
      g_autoptr(GPtrArray) waiters = NULL;
      g_autoptr(GCancellable) wake = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(HyAccount) account = NULL;
      Failure failure;
      gboolean ok;

      if (!self->kick)
        {
          sleep_locked (self, 0);
          continue;
        }
      self->kick = FALSE;
      waiters = g_steal_pointer (&self->waiters);
      self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
      g_clear_object (&self->wake);
      self->wake = g_cancellable_new ();
      wake = g_object_ref (self->wake);
      g_mutex_unlock (&self->lock);

      set_status (self, HY_ACCOUNT_SYNC_SYNCING, NULL);
      account = hy_connection_pool_get_account (self->pool);
      if (is_pop3 (account))
        {
          guint new_messages = 0;
          gint64 inbox = 0;

          g_autofree char *ca_file = hy_connection_pool_get_ca_file (self->pool);

          ok = hy_pop3_sync_run (account, self->store, self->credentials, ca_file, &wait,
                                 &inbox, &new_messages, self->cancel, &error);
          if (ok && new_messages > 0 && self->synced_once)
            emit_later (self, SIGNAL_NEW_MAIL, inbox, new_messages);
          if (ok && inbox != 0 && !self->synced_once)
            emit_later (self, SIGNAL_FOLDERS_CHANGED, 0, 0);
        }
      else
        ok = imap_pass (self, account, &wait, wake, &error);

      failure = ok ? FAILURE_NONE : classify (error);
      if (ok)
        {
          backoff = 0;
          self->synced_once = TRUE;
          set_status (self, HY_ACCOUNT_SYNC_IDLE, NULL);
        }
      else
        {
          g_message ("Sync of %s failed: %s", hy_account_get_id (self->account), error->message);
          hy_connection_pool_clear (self->pool);
          g_clear_object (&idle_client);
          set_status (self, failure == FAILURE_NETWORK ? HY_ACCOUNT_SYNC_OFFLINE : HY_ACCOUNT_SYNC_ERROR, error);
        }
      for (guint i = 0; i < waiters->len; i++)
        {
          GTask *task = g_ptr_array_index (waiters, i);

          if (ok)
            g_task_return_boolean (task, TRUE);
          else
            g_task_return_error (task, g_error_copy (error));
        }

      g_mutex_lock (&self->lock);
      if (self->quit || self->kick || !self->continuous)
        continue;
      if (failure == FAILURE_USER)
        {
          sleep_locked (self, 0);
          continue;
        }
      if (failure == FAILURE_NETWORK)
        {
          backoff = CLAMP (backoff * 2, BACKOFF_MIN_SECONDS, BACKOFF_MAX_SECONDS);
          sleep_locked (self, backoff);
          self->kick = self->kick || self->continuous;
          continue;
        }

      /* In step: wait for the inbox to change, or poll. */
      g_mutex_unlock (&self->lock);
      if (is_pop3 (account) || !idle_inbox (self, &wait, &idle_client, POLL_SECONDS, wake))
        {
          g_mutex_lock (&self->lock);
          sleep_locked (self, POLL_SECONDS);
        }
      else
        g_mutex_lock (&self->lock);
      self->kick = self->kick || self->continuous;
    }
  g_mutex_unlock (&self->lock);

  /* Whoever still waits learns that no pass will come. */
  for (guint i = 0; i < self->waiters->len; i++)
    g_task_return_new_error (g_ptr_array_index (self->waiters, i), G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             _ ("Syncing %s was stopped."), hy_account_get_id (self->account));
  g_ptr_array_set_size (self->waiters, 0);
  g_clear_object (&idle_client);
  hy_sync_wait_clear (&wait);
  return NULL;
}

/* ---- bodies on demand ------------------------------------------------------------ */

GBytes *
hy_account_sync_fetch_body (HyAccountSync  *self,
                            gint64          message_id,
                            GCancellable   *cancellable,
                            GError        **error)
{
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(HyAccount) account = NULL;
  HySyncWait wait;
  GBytes *raw = NULL;

  g_return_val_if_fail (HY_IS_ACCOUNT_SYNC (self), NULL);

  account = hy_connection_pool_get_account (self->pool);
  if (is_pop3 (account))
    {
      /* POP3 messages are stored whole when they arrive. */
      g_set_error (error, HY_STORE_ERROR, HY_STORE_ERROR_NOT_FOUND,
                   _ ("This message is not in the local mail store."));
      return NULL;
    }
  hy_sync_wait_init (&wait);
  client = hy_connection_pool_acquire (self->pool, &wait, cancellable, error);
  if (client != NULL)
    {
      raw = hy_imap_sync_fetch_body (client, &wait, self->store, message_id, cancellable, error);
      hy_connection_pool_release (self->pool, g_steal_pointer (&client));
    }
  hy_sync_wait_clear (&wait);
  return raw;
}
