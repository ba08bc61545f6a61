/* hy-engine.c — what a front end talks to: accounts, folders, messages, operations, sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-api"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "api/hy-engine.h"
#include "store/hy-store-op.h"
#include "store/hy-store-transaction.h"
#include "sync/hy-account-sync.h"

typedef struct {
  HyEngine      *engine;       /* not a reference */
  HyAccount     *account;
  HyStore       *store;
  GListStore    *folders;
  HyAccountSync *sync;
  gulong         folder_changed_id;
  GCancellable  *refresh;      /* the running folder refresh */
  gboolean       refresh_again;
} AccountState;

struct _HyEngine {
  GObject           parent_instance;

  HyAccountManager *manager;
  GHashTable       *accounts;  /* HyAccount -> AccountState */
  char             *ca_file;
  gboolean          started;
  gulong            items_changed_id;
};

G_DEFINE_FINAL_TYPE (HyEngine, hy_engine, G_TYPE_OBJECT)

enum {
  SIGNAL_SYNC_STATUS_CHANGED,
  SIGNAL_NEW_MAIL,
  SIGNAL_FOLDERS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void refresh_folders (AccountState *state);

static void
account_state_free (gpointer data)
{
  AccountState *state = data;

  if (state->refresh != NULL)
    g_cancellable_cancel (state->refresh);
  g_clear_object (&state->refresh);
  if (state->sync != NULL)
    {
      g_signal_handlers_disconnect_by_data (state->sync, state);
      hy_account_sync_stop (state->sync);
    }
  g_clear_object (&state->sync);
  if (state->store != NULL)
    g_clear_signal_handler (&state->folder_changed_id, state->store);
  g_clear_object (&state->store);
  g_clear_object (&state->folders);
  g_clear_object (&state->account);
  g_free (state);
}

static void
hy_engine_dispose (GObject *object)
{
  HyEngine *self = HY_ENGINE (object);

  if (self->manager != NULL)
    g_clear_signal_handler (&self->items_changed_id, hy_account_manager_get_accounts (self->manager));
  g_clear_pointer (&self->accounts, g_hash_table_unref);
  g_clear_object (&self->manager);

  G_OBJECT_CLASS (hy_engine_parent_class)->dispose (object);
}

static void
hy_engine_finalize (GObject *object)
{
  HyEngine *self = HY_ENGINE (object);

  g_free (self->ca_file);

  G_OBJECT_CLASS (hy_engine_parent_class)->finalize (object);
}

static void
hy_engine_class_init (HyEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hy_engine_dispose;
  object_class->finalize = hy_engine_finalize;

  signals[SIGNAL_SYNC_STATUS_CHANGED] =
    g_signal_new ("sync-status-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, HY_TYPE_ACCOUNT);
  signals[SIGNAL_NEW_MAIL] =
    g_signal_new ("new-mail", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3, HY_TYPE_ACCOUNT, HY_TYPE_FOLDER, G_TYPE_UINT);
  signals[SIGNAL_FOLDERS_CHANGED] =
    g_signal_new ("folders-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, HY_TYPE_ACCOUNT);
}

static void
hy_engine_init (HyEngine *self)
{
  self->accounts = g_hash_table_new_full (NULL, NULL, NULL, account_state_free);
}

HyEngine *
hy_engine_new (HyAccountManager *accounts)
{
  HyEngine *self;

  g_return_val_if_fail (HY_IS_ACCOUNT_MANAGER (accounts), NULL);

  self = g_object_new (HY_TYPE_ENGINE, NULL);
  self->manager = g_object_ref (accounts);
  return self;
}

HyAccountManager *
hy_engine_get_account_manager (HyEngine *self)
{
  g_return_val_if_fail (HY_IS_ENGINE (self), NULL);
  return self->manager;
}

void
hy_engine_set_ca_file (HyEngine   *self,
                       const char *ca_file)
{
  GHashTableIter iter;
  AccountState *state;

  g_return_if_fail (HY_IS_ENGINE (self));

  g_free (self->ca_file);
  self->ca_file = g_strdup (ca_file);
  g_hash_table_iter_init (&iter, self->accounts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &state))
    if (state->sync != NULL)
      hy_account_sync_set_ca_file (state->sync, ca_file);
}

static AccountState *
lookup_state (HyEngine  *self,
              HyAccount *account)
{
  return g_hash_table_lookup (self->accounts, account);
}

/* ---- folders ------------------------------------------------------------- */

static int
compare_folders (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  HyFolder *fa = (HyFolder *) a;
  HyFolder *fb = (HyFolder *) b;
  gboolean ia = hy_folder_get_role (fa) == HY_FOLDER_ROLE_INBOX;
  gboolean ib = hy_folder_get_role (fb) == HY_FOLDER_ROLE_INBOX;

  if (ia != ib)
    return ia ? -1 : 1;
  return g_strcmp0 (hy_folder_get_name (fa), hy_folder_get_name (fb));
}

static void
folders_listed (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  AccountState *state = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = hy_store_list_folders_finish (HY_STORE (source), result, &error);
  g_autoptr(GHashTable) by_id = NULL;
  gboolean structure_changed = FALSE;
  guint n;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&state->refresh);
  if (rows == NULL)
    {
      g_warning ("Cannot read the folders of %s: %s", hy_account_get_id (state->account), error->message);
      return;
    }

  by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  for (guint i = 0; i < rows->len; i++)
    {
      HyStoreFolder *row = g_ptr_array_index (rows, i);

      g_hash_table_insert (by_id, &row->id, row);
    }

  /* Update or drop the folders shown, then add the new ones. */
  n = g_list_model_get_n_items (G_LIST_MODEL (state->folders));
  for (guint i = n; i > 0; i--)
    {
      g_autoptr(HyFolder) folder = g_list_model_get_item (G_LIST_MODEL (state->folders), i - 1);
      gint64 id = hy_folder_get_id (folder);
      HyStoreFolder *row = g_hash_table_lookup (by_id, &id);

      if (row == NULL)
        {
          g_list_store_remove (state->folders, i - 1);
          structure_changed = TRUE;
          continue;
        }
      if (g_strcmp0 (row->name, hy_folder_get_name (folder)) != 0 || row->role != hy_folder_get_role (folder))
        {
          /* Renamed: its place in the list changes. */
          g_list_store_remove (state->folders, i - 1);
          structure_changed = TRUE;
          continue;
        }
      hy_folder_update (folder, row);
      g_hash_table_remove (by_id, &id);
    }
  for (guint i = 0; i < rows->len; i++)
    {
      HyStoreFolder *row = g_ptr_array_index (rows, i);
      g_autoptr(HyFolder) folder = NULL;

      if (!g_hash_table_contains (by_id, &row->id))
        continue;
      folder = hy_folder_new_from_store (state->account, row);
      g_list_store_insert_sorted (state->folders, folder, compare_folders, NULL);
      structure_changed = TRUE;
    }
  if (structure_changed)
    g_signal_emit (state->engine, signals[SIGNAL_FOLDERS_CHANGED], 0, state->account);
  if (state->refresh_again)
    {
      state->refresh_again = FALSE;
      refresh_folders (state);
    }
}

static void
refresh_folders (AccountState *state)
{
  if (state->store == NULL)
    return;
  if (state->refresh != NULL)
    {
      state->refresh_again = TRUE;
      return;
    }
  state->refresh = g_cancellable_new ();
  hy_store_list_folders_async (state->store, state->refresh, folders_listed, state);
}

static void
store_folder_changed (HyStore *store,
                      gint64   folder_id,
                      gpointer user_data)
{
  refresh_folders (user_data);
}

/* ---- sync ---------------------------------------------------------------- */

static void
sync_status_changed (HyAccountSync *sync,
                     gpointer       user_data)
{
  AccountState *state = user_data;

  g_signal_emit (state->engine, signals[SIGNAL_SYNC_STATUS_CHANGED], 0, state->account);
}

static void
sync_new_mail (HyAccountSync *sync,
               gint64         folder_id,
               guint          count,
               gpointer       user_data)
{
  AccountState *state = user_data;
  HyFolder *folder = hy_engine_find_folder (state->engine, state->account, folder_id);
  g_autoptr(HyFolder) made = NULL;

  if (folder == NULL)
    {
      /* The folder list has not caught up yet. */
      g_autoptr(HyStoreFolder) row = hy_store_get_folder (state->store, folder_id, NULL);

      if (row == NULL)
        return;
      folder = made = hy_folder_new_from_store (state->account, row);
    }
  g_signal_emit (state->engine, signals[SIGNAL_NEW_MAIL], 0, state->account, folder, count);
}

static void
sync_folders_changed (HyAccountSync *sync,
                      gpointer       user_data)
{
  refresh_folders (user_data);
}

static void
attach_store (HyEngine  *self,
              HyAccount *account,
              HyStore   *store)
{
  AccountState *state = lookup_state (self, account);

  if (state == NULL || state->store != NULL)
    return;
  state->store = g_object_ref (store);
  state->folder_changed_id = g_signal_connect (store, "folder-changed", G_CALLBACK (store_folder_changed), state);
  state->sync = hy_account_sync_new (account, store, hy_account_manager_get_credentials (self->manager));
  hy_account_sync_set_ca_file (state->sync, self->ca_file);
  g_signal_connect (state->sync, "status-changed", G_CALLBACK (sync_status_changed), state);
  g_signal_connect (state->sync, "new-mail", G_CALLBACK (sync_new_mail), state);
  g_signal_connect (state->sync, "folders-changed", G_CALLBACK (sync_folders_changed), state);
  refresh_folders (state);
  if (self->started)
    hy_account_sync_start (state->sync);
}

/* ---- loading ------------------------------------------------------------- */

typedef struct {
  HyEngine  *engine;
  HyAccount *account;
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_object_unref (data->engine);
  g_object_unref (data->account);
  g_free (data);
}

static void
store_opened (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;  /* owned */
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStore) store = hy_store_open_finish (result, &error);

  if (store == NULL)
    {
      g_warning ("Cannot open the mail cache of %s: %s", hy_account_get_id (data->account), error->message);
      g_task_return_error (task, g_steal_pointer (&error));
    }
  else
    {
      attach_store (data->engine, data->account, store);
      g_task_return_boolean (task, TRUE);
    }
  g_object_unref (task);
}

static void
open_account (HyEngine            *self,
              HyAccount           *account,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  AccountState *state = lookup_state (self, account);
  g_autofree char *path = NULL;
  OpenData *data;
  GTask *task;

  if (state == NULL)
    {
      state = g_new0 (AccountState, 1);
      state->engine = self;
      state->account = g_object_ref (account);
      state->folders = g_list_store_new (HY_TYPE_FOLDER);
      g_hash_table_insert (self->accounts, account, state);
    }
  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, open_account);
  data = g_new0 (OpenData, 1);
  data->engine = g_object_ref (self);
  data->account = g_object_ref (account);
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);
  if (state->store != NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  path = hy_account_manager_get_store_path (self->manager, account);
  hy_store_open_async (path, NULL, store_opened, task);
}

static void
accounts_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  HyEngine *self = user_data;
  g_autoptr(GHashTable) present = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  HyAccount *account;
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HyAccount) item = g_list_model_get_item (model, i);

      g_hash_table_add (present, item);
      if (lookup_state (self, item) == NULL)
        open_account (self, item, NULL, NULL);
    }
  g_hash_table_iter_init (&iter, self->accounts);
  while (g_hash_table_iter_next (&iter, (gpointer *) &account, NULL))
    if (!g_hash_table_contains (present, account))
      g_hash_table_iter_remove (&iter);
}

typedef struct {
  guint   pending;
  GError *error;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_clear_error (&data->error);
  g_free (data);
}

static void
load_one_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LoadData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (data->error == NULL)
        data->error = error;
      else
        g_error_free (error);
    }
  if (--data->pending > 0)
    return;
  if (data->error != NULL)
    g_task_return_error (task, g_steal_pointer (&data->error));
  else
    g_task_return_boolean (task, TRUE);
}

void
hy_engine_load_async (HyEngine            *self,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GListModel *model;
  LoadData *data;
  GError *error = NULL;
  guint n;

  g_return_if_fail (HY_IS_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_engine_load_async);
  model = hy_account_manager_get_accounts (self->manager);
  if (g_list_model_get_n_items (model) == 0 && !hy_account_manager_load (self->manager, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (self->items_changed_id == 0)
    self->items_changed_id = g_signal_connect (model, "items-changed", G_CALLBACK (accounts_changed), self);

  n = g_list_model_get_n_items (model);
  if (n == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  data = g_new0 (LoadData, 1);
  data->pending = n;
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HyAccount) account = g_list_model_get_item (model, i);

      open_account (self, account, load_one_done, g_object_ref (task));
    }
}

gboolean
hy_engine_load_finish (HyEngine      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

HyStore *
hy_engine_get_store (HyEngine  *self,
                     HyAccount *account)
{
  AccountState *state;

  g_return_val_if_fail (HY_IS_ENGINE (self), NULL);

  state = lookup_state (self, account);
  return state != NULL ? state->store : NULL;
}

GListModel *
hy_engine_get_folders (HyEngine  *self,
                       HyAccount *account)
{
  AccountState *state;

  g_return_val_if_fail (HY_IS_ENGINE (self), NULL);
  g_return_val_if_fail (HY_IS_ACCOUNT (account), NULL);

  state = lookup_state (self, account);
  if (state == NULL)
    {
      /* Not loaded yet: the model fills once the store is open. */
      open_account (self, account, NULL, NULL);
      state = lookup_state (self, account);
    }
  return G_LIST_MODEL (state->folders);
}

HyFolder *
hy_engine_find_folder (HyEngine  *self,
                       HyAccount *account,
                       gint64     folder_id)
{
  AccountState *state;
  guint n;

  g_return_val_if_fail (HY_IS_ENGINE (self), NULL);

  state = lookup_state (self, account);
  if (state == NULL)
    return NULL;
  n = g_list_model_get_n_items (G_LIST_MODEL (state->folders));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HyFolder) folder = g_list_model_get_item (G_LIST_MODEL (state->folders), i);

      if (hy_folder_get_id (folder) == folder_id)
        return folder;  /* the store holds a reference */
    }
  return NULL;
}

HyFolder *
hy_engine_find_folder_by_role (HyEngine     *self,
                               HyAccount    *account,
                               HyFolderRole  role)
{
  AccountState *state;
  const char *chosen;
  HyFolder *found = NULL;
  guint n;

  g_return_val_if_fail (HY_IS_ENGINE (self), NULL);

  state = lookup_state (self, account);
  if (state == NULL)
    return NULL;
  chosen = hy_account_get_folder_for_role (account, role);
  n = g_list_model_get_n_items (G_LIST_MODEL (state->folders));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HyFolder) folder = g_list_model_get_item (G_LIST_MODEL (state->folders), i);

      if (chosen != NULL && g_strcmp0 (hy_folder_get_name (folder), chosen) == 0)
        return folder;
      if (found == NULL && hy_folder_get_role (folder) == role)
        found = folder;
    }
  return found;
}

HyMessageList *
hy_engine_list_folder (HyEngine *self,
                       HyFolder *folder)
{
  AccountState *state;

  g_return_val_if_fail (HY_IS_ENGINE (self), NULL);
  g_return_val_if_fail (HY_IS_FOLDER (folder), NULL);

  state = lookup_state (self, hy_folder_get_account (folder));
  g_return_val_if_fail (state != NULL && state->store != NULL, NULL);
  return hy_message_list_new_for_folder (state->store, hy_folder_get_id (folder));
}

HyMessageList *
hy_engine_list_folder_threads (HyEngine *self,
                               HyFolder *folder)
{
  AccountState *state;

  g_return_val_if_fail (HY_IS_ENGINE (self), NULL);
  g_return_val_if_fail (HY_IS_FOLDER (folder), NULL);

  state = lookup_state (self, hy_folder_get_account (folder));
  g_return_val_if_fail (state != NULL && state->store != NULL, NULL);
  return hy_message_list_new_for_threads (state->store, hy_folder_get_id (folder));
}

HyMessageList *
hy_engine_list_thread (HyEngine  *self,
                       HyAccount *account,
                       gint64     thread_id,
                       HyFolder  *folder)
{
  AccountState *state;
  gint64 folder_id = 0;

  g_return_val_if_fail (HY_IS_ENGINE (self), NULL);
  g_return_val_if_fail (HY_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (folder == NULL || HY_IS_FOLDER (folder), NULL);

  state = lookup_state (self, account);
  g_return_val_if_fail (state != NULL && state->store != NULL, NULL);
  /* In Trash and Junk a thread is what is there; elsewhere it is every
   * message of it that was not thrown away (replies in Sent too). */
  if (folder != NULL && (hy_folder_get_role (folder) == HY_FOLDER_ROLE_TRASH
                         || hy_folder_get_role (folder) == HY_FOLDER_ROLE_JUNK))
    folder_id = hy_folder_get_id (folder);
  return hy_message_list_new_for_thread (state->store, thread_id, folder_id);
}

HyMessageList *
hy_engine_search (HyEngine   *self,
                  HyAccount  *account,
                  const char *query)
{
  AccountState *state;

  g_return_val_if_fail (HY_IS_ENGINE (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  state = lookup_state (self, account);
  g_return_val_if_fail (state != NULL && state->store != NULL, NULL);
  return hy_message_list_new_for_search (state->store, query);
}

/* ---- messages ------------------------------------------------------------ */

typedef struct {
  HyStore       *store;
  HyAccountSync *sync;
  gint64         message_id;
  gboolean       parse;
} GetData;

static void
get_data_free (GetData *data)
{
  g_clear_object (&data->store);
  g_clear_object (&data->sync);
  g_free (data);
}

static void
get_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  GetData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = hy_store_get_body (data->store, data->message_id, &error);

  /* Not cached, or damaged (a crash can cost a cached copy): the server has it. */
  if (raw == NULL && data->sync != NULL &&
      (g_error_matches (error, HY_STORE_ERROR, HY_STORE_ERROR_NOT_FOUND) ||
       g_error_matches (error, HY_STORE_ERROR, HY_STORE_ERROR_DAMAGED)))
    {
      g_autoptr(HyStoreMessage) message = NULL;

      /* Is the message there, only without its body? */
      g_clear_error (&error);
      message = hy_store_get_message (data->store, data->message_id, &error);
      if (message == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      raw = hy_account_sync_fetch_body (data->sync, data->message_id, cancellable, &error);
    }
  if (raw == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (data->parse)
    g_task_return_pointer (task, hy_message_new_from_bytes (raw), g_object_unref);
  else
    g_task_return_pointer (task, g_steal_pointer (&raw), (GDestroyNotify) g_bytes_unref);
}

static void
get_body (HyEngine            *self,
          HyAccount           *account,
          gint64               message_id,
          gboolean             parse,
          gpointer             source_tag,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  AccountState *state = lookup_state (self, account);
  GetData *data;

  g_task_set_source_tag (task, source_tag);
  if (state == NULL || state->store == NULL)
    {
      g_task_return_new_error (task, HY_STORE_ERROR, HY_STORE_ERROR_NOT_FOUND,
                               _ ("The mail cache of this account is not open yet."));
      return;
    }
  data = g_new0 (GetData, 1);
  data->store = g_object_ref (state->store);
  data->sync = state->sync != NULL ? g_object_ref (state->sync) : NULL;
  data->message_id = message_id;
  data->parse = parse;
  g_task_set_task_data (task, data, (GDestroyNotify) get_data_free);
  g_task_run_in_thread (task, get_thread);
}

void
hy_engine_get_message_async (HyEngine            *self,
                             HyAccount           *account,
                             gint64               message_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (HY_IS_ENGINE (self));
  g_return_if_fail (HY_IS_ACCOUNT (account));

  get_body (self, account, message_id, TRUE, hy_engine_get_message_async, cancellable, callback, user_data);
}

HyMessage *
hy_engine_get_message_finish (HyEngine      *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
hy_engine_get_raw_async (HyEngine            *self,
                         HyAccount           *account,
                         gint64               message_id,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (HY_IS_ENGINE (self));
  g_return_if_fail (HY_IS_ACCOUNT (account));

  get_body (self, account, message_id, FALSE, hy_engine_get_raw_async, cancellable, callback, user_data);
}

GBytes *
hy_engine_get_raw_finish (HyEngine      *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- operations ---------------------------------------------------------- */

typedef enum {
  OP_FLAGS,
  OP_MOVE,
  OP_DELETE,
  OP_ARCHIVE,
  OP_EMPTY,
} OpKind;

typedef struct {
  OpKind     kind;
  HyStore   *store;
  gboolean   queue;          /* the server is told (IMAP), or not (POP3) */
  GArray    *ids;
  guint32    add;
  guint32    remove;
  gint64     destination;    /* MOVE: folder id */
  gint64     trash;          /* DELETE: folder id or 0 */
  gint64     archive;        /* ARCHIVE: folder id or 0 */
  gint64     folder;         /* EMPTY */
} OpData;

static void
op_data_free (OpData *data)
{
  g_clear_object (&data->store);
  g_clear_pointer (&data->ids, g_array_unref);
  g_free (data);
}

/* Folders by id, read once per operation. */
static HyStoreFolder *
cached_folder (HyStore     *store,
               GHashTable  *cache,
               gint64       folder_id,
               GError     **error)
{
  HyStoreFolder *folder = g_hash_table_lookup (cache, &folder_id);

  if (folder != NULL)
    return folder;
  folder = hy_store_get_folder (store, folder_id, error);
  if (folder != NULL)
    g_hash_table_insert (cache, &folder->id, folder);
  return folder;
}

static gboolean
queue (OpData              *data,
       HyStoreTransaction  *txn,
       HyStoreOpKind        kind,
       const HyStoreFolder *folder,
       HyStoreMessage      *message,
       const char          *destination,
       GError             **error)
{
  HyStoreOp op = {
    .kind = kind,
    .folder = folder->name,
    .uidvalidity = folder->uidvalidity,
    .uid = message->uid,
    .modseq = message->modseq,
    .add_flags = data->add,
    .remove_flags = data->remove,
    .destination = (char *) destination,
    .message_id = message->id,
  };
  g_autoptr(HyStoreOp) move = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!data->queue)
    return TRUE;
  if ((gint32) message->uid > 0)
    return hy_store_transaction_queue_op (txn, &op, error);

  /* The message was moved here offline and the server does not know
   * yet: the change applies to the queued move. */
  move = hy_store_transaction_find_move (txn, message->id, &local_error);
  if (move == NULL)
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      return TRUE;
    }
  switch (kind)
    {
    case HY_STORE_OP_FLAGS:
      /* Changed where it still is on the server, before the move. */
      op.folder = move->folder;
      op.uidvalidity = move->uidvalidity;
      op.uid = move->uid;
      op.message_id = 0;
      return hy_store_transaction_queue_op (txn, &op, error);
    case HY_STORE_OP_MOVE:
      g_free (move->destination);
      move->destination = g_strdup (destination);
      return hy_store_transaction_update_op (txn, move, error);
    case HY_STORE_OP_EXPUNGE:
    default:
      move->kind = HY_STORE_OP_EXPUNGE;
      g_clear_pointer (&move->destination, g_free);
      return hy_store_transaction_update_op (txn, move, error);
    }
}

static gboolean
apply_one (OpData              *data,
           HyStoreTransaction  *txn,
           GHashTable          *folders,
           gint64               id,
           GError             **error)
{
  g_autoptr(HyStoreMessage) message = NULL;
  g_autoptr(GError) local_error = NULL;
  HyStoreFolder *folder;
  gint64 destination = 0;

  message = hy_store_get_message (data->store, id, &local_error);
  if (message == NULL)
    {
      /* Gone meanwhile (a sync removed it): nothing to do. */
      if (g_error_matches (local_error, HY_STORE_ERROR, HY_STORE_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  folder = cached_folder (data->store, folders, message->folder_id, error);
  if (folder == NULL)
    return FALSE;

  switch (data->kind)
    {
    case OP_FLAGS:
      {
        guint32 flags = (message->flags | data->add) & ~data->remove;

        if (flags == message->flags)
          return TRUE;
        if (!hy_store_transaction_set_flags (txn, id, flags, message->keywords, 0, error))
          return FALSE;
        return queue (data, txn, HY_STORE_OP_FLAGS, folder, message, NULL, error);
      }
    case OP_MOVE:
      destination = data->destination;
      break;
    case OP_ARCHIVE:
      destination = data->archive;
      break;
    case OP_DELETE:
      if (data->trash != 0 && message->folder_id != data->trash)
        destination = data->trash;
      break;
    case OP_EMPTY:
    default:
      break;
    }

  if (destination == message->folder_id)
    return TRUE;
  if (destination != 0)
    {
      HyStoreFolder *target = cached_folder (data->store, folders, destination, error);

      if (target == NULL)
        return FALSE;
      if (!queue (data, txn, HY_STORE_OP_MOVE, folder, message, target->name, error))
        return FALSE;
      return hy_store_transaction_move_message (txn, id, destination, error);
    }
  if (!queue (data, txn, HY_STORE_OP_EXPUNGE, folder, message, NULL, error))
    return FALSE;
  return hy_store_transaction_remove_message (txn, id, error);
}

static void
op_thread (GTask        *task,
           gpointer      source,
           gpointer      task_data,
           GCancellable *cancellable)
{
  OpData *data = task_data;
  g_autoptr(GHashTable) folders = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                                         (GDestroyNotify) hy_store_folder_free);
  g_autoptr(HyStoreTransaction) txn = NULL;
  GError *error = NULL;

  if (data->kind == OP_EMPTY)
    {
      g_clear_pointer (&data->ids, g_array_unref);
      data->ids = hy_store_list_message_ids (data->store, data->folder, &error);
      if (data->ids == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
    }
  if ((txn = hy_store_begin (data->store, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < data->ids->len; i++)
    if (!apply_one (data, txn, folders, g_array_index (data->ids, gint64, i), &error))
      {
        g_task_return_error (task, error);
        return;
      }
  if (!hy_store_transaction_commit (txn, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
op_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) outer = user_data;
  GError *error = NULL;
  HyEngine *self = HY_ENGINE (source);
  HyAccount *account = g_task_get_task_data (outer);
  AccountState *state = lookup_state (self, account);

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (outer, error);
      return;
    }
  if (state != NULL && state->sync != NULL)
    hy_account_sync_poke (state->sync);
  g_task_return_boolean (outer, TRUE);
}

static void
run_operation (HyEngine            *self,
               HyAccount           *account,
               OpData              *data,
               gpointer             source_tag,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  GTask *outer = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GTask) inner = NULL;
  AccountState *state = lookup_state (self, account);
  const HyServerConfig *incoming = hy_account_get_incoming (account);

  g_task_set_source_tag (outer, source_tag);
  g_task_set_task_data (outer, g_object_ref (account), g_object_unref);
  if (state == NULL || state->store == NULL)
    {
      op_data_free (data);
      g_task_return_new_error (outer, HY_STORE_ERROR, HY_STORE_ERROR_NOT_FOUND,
                               _ ("The mail cache of this account is not open yet."));
      g_object_unref (outer);
      return;
    }
  data->store = g_object_ref (state->store);
  data->queue = incoming == NULL || incoming->protocol != HY_SERVER_PROTOCOL_POP3;
  inner = g_task_new (self, cancellable, op_done, outer);
  g_task_set_source_tag (inner, run_operation);
  g_task_set_task_data (inner, data, (GDestroyNotify) op_data_free);
  g_task_run_in_thread (inner, op_thread);
}

static OpData *
op_data_new (OpKind        kind,
             const gint64 *ids,
             guint         n_ids)
{
  OpData *data = g_new0 (OpData, 1);

  data->kind = kind;
  data->ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n_ids);
  if (n_ids > 0)
    g_array_append_vals (data->ids, ids, n_ids);
  return data;
}

void
hy_engine_set_flags_async (HyEngine            *self,
                           HyAccount           *account,
                           const gint64        *ids,
                           guint                n_ids,
                           guint32              add,
                           guint32              remove,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  OpData *data;

  g_return_if_fail (HY_IS_ENGINE (self));
  g_return_if_fail (HY_IS_ACCOUNT (account));
  g_return_if_fail (ids != NULL || n_ids == 0);

  data = op_data_new (OP_FLAGS, ids, n_ids);
  data->add = add;
  data->remove = remove & ~add;
  run_operation (self, account, data, hy_engine_set_flags_async, cancellable, callback, user_data);
}

void
hy_engine_move_async (HyEngine            *self,
                      HyAccount           *account,
                      const gint64        *ids,
                      guint                n_ids,
                      HyFolder            *destination,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  OpData *data;

  g_return_if_fail (HY_IS_ENGINE (self));
  g_return_if_fail (HY_IS_ACCOUNT (account));
  g_return_if_fail (HY_IS_FOLDER (destination));

  data = op_data_new (OP_MOVE, ids, n_ids);
  data->destination = hy_folder_get_id (destination);
  run_operation (self, account, data, hy_engine_move_async, cancellable, callback, user_data);
}

/* The name for a new folder of the user's: "INBOX.Trash" rather than
 * "Trash" when the server keeps every folder below INBOX (Courier and
 * other servers whose personal namespace is "INBOX."). */
static char *
new_folder_name (AccountState *state,
                 const char   *base)
{
  GListModel *folders = G_LIST_MODEL (state->folders);
  guint n = g_list_model_get_n_items (folders);
  g_autofree char *prefix = NULL;
  guint below_inbox = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HyFolder) folder = g_list_model_get_item (folders, i);
      const char *name = hy_folder_get_name (folder);
      const char *delimiter = hy_folder_get_delimiter (folder);

      if (g_ascii_strcasecmp (name, "INBOX") == 0)
        continue;
      if (delimiter == NULL || *delimiter == '\0' ||
          g_ascii_strncasecmp (name, "INBOX", 5) != 0 || strncmp (name + 5, delimiter, strlen (delimiter)) != 0)
        return g_strdup (base);
      if (prefix == NULL)
        prefix = g_strndup (name, 5 + strlen (delimiter));
      below_inbox++;
    }
  return below_inbox > 0 ? g_strconcat (prefix, base, NULL) : g_strdup (base);
}

/* The folder of @role, made in the store when the account has none yet;
 * it is made on the server when the first move into it is replayed (a MOVE
 * refused with TRYCREATE creates it).  Returns 0 with @error set on failure. */
static gint64
ensure_role_folder (HyEngine     *self,
                    HyAccount    *account,
                    HyFolderRole  role,
                    const char   *default_name,
                    GError      **error)
{
  HyFolder *folder = hy_engine_find_folder_by_role (self, account, role);
  AccountState *state = lookup_state (self, account);
  g_autoptr(HyStoreTransaction) txn = NULL;
  g_autofree char *made_name = NULL;
  const char *name;
  gint64 id;

  if (folder != NULL)
    return hy_folder_get_id (folder);
  if (state == NULL || state->store == NULL)
    {
      g_set_error_literal (error, HY_STORE_ERROR, HY_STORE_ERROR_NOT_FOUND,
                           _ ("The mail cache of this account is not open yet."));
      return 0;
    }
  txn = hy_store_begin (state->store, error);
  if (txn == NULL)
    return 0;
  name = hy_account_get_folder_for_role (account, role);
  made_name = name != NULL ? g_strdup (name) : new_folder_name (state, default_name);
  id = hy_store_transaction_add_folder (txn, made_name, role, NULL, error);
  if (id == 0 || !hy_store_transaction_commit (txn, error))
    return 0;
  return id;
}

void
hy_engine_delete_async (HyEngine            *self,
                        HyAccount           *account,
                        const gint64        *ids,
                        guint                n_ids,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  OpData *data;
  gint64 trash;

  g_return_if_fail (HY_IS_ENGINE (self));
  g_return_if_fail (HY_IS_ACCOUNT (account));

  /* Deleting moves to Trash, which is made when the server has none:
   * a message leaves for good only when it is deleted from Trash. */
  trash = ensure_role_folder (self, account, HY_FOLDER_ROLE_TRASH, "Trash", &error);
  if (trash == 0)
    {
      g_task_report_error (self, callback, user_data, hy_engine_delete_async,
                           g_steal_pointer (&error));
      return;
    }
  data = op_data_new (OP_DELETE, ids, n_ids);
  data->trash = trash;
  run_operation (self, account, data, hy_engine_delete_async, cancellable, callback, user_data);
}

void
hy_engine_archive_async (HyEngine            *self,
                         HyAccount           *account,
                         const gint64        *ids,
                         guint                n_ids,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  OpData *data;
  gint64 archive;

  g_return_if_fail (HY_IS_ENGINE (self));
  g_return_if_fail (HY_IS_ACCOUNT (account));

  archive = ensure_role_folder (self, account, HY_FOLDER_ROLE_ARCHIVE, "Archive", &error);
  if (archive == 0)
    {
      g_task_report_error (self, callback, user_data, hy_engine_archive_async,
                           g_steal_pointer (&error));
      return;
    }
  data = op_data_new (OP_ARCHIVE, ids, n_ids);
  data->archive = archive;
  run_operation (self, account, data, hy_engine_archive_async, cancellable, callback, user_data);
}

void
hy_engine_empty_folder_async (HyEngine            *self,
                              HyFolder            *folder,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  OpData *data;

  g_return_if_fail (HY_IS_ENGINE (self));
  g_return_if_fail (HY_IS_FOLDER (folder));

  data = op_data_new (OP_EMPTY, NULL, 0);
  data->folder = hy_folder_get_id (folder);
  run_operation (self, hy_folder_get_account (folder), data, hy_engine_empty_folder_async,
                 cancellable, callback, user_data);
}

gboolean
hy_engine_operation_finish (HyEngine      *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- sync ---------------------------------------------------------------- */

typedef struct {
  guint   pending;
  GError *error;
} SyncData;

static void
sync_data_free (SyncData *data)
{
  g_clear_error (&data->error);
  g_free (data);
}

static void
sync_one_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyncData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!hy_account_sync_run_finish (HY_ACCOUNT_SYNC (source), result, &error))
    {
      if (data->error == NULL)
        data->error = error;
      else
        g_error_free (error);
    }
  if (--data->pending > 0)
    return;
  if (data->error != NULL)
    g_task_return_error (task, g_steal_pointer (&data->error));
  else
    g_task_return_boolean (task, TRUE);
}

void
hy_engine_sync_async (HyEngine            *self,
                      HyAccount           *account,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) syncs = g_ptr_array_new ();
  GHashTableIter iter;
  AccountState *state;
  SyncData *data;

  g_return_if_fail (HY_IS_ENGINE (self));
  g_return_if_fail (account == NULL || HY_IS_ACCOUNT (account));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_engine_sync_async);
  g_hash_table_iter_init (&iter, self->accounts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &state))
    if ((account == NULL || state->account == account) && state->sync != NULL)
      g_ptr_array_add (syncs, state->sync);
  if (syncs->len == 0)
    {
      if (account != NULL)
        g_task_return_new_error (task, HY_STORE_ERROR, HY_STORE_ERROR_NOT_FOUND,
                                 _ ("The mail cache of this account is not open yet."));
      else
        g_task_return_boolean (task, TRUE);
      return;
    }
  data = g_new0 (SyncData, 1);
  data->pending = syncs->len;
  g_task_set_task_data (task, data, (GDestroyNotify) sync_data_free);
  for (guint i = 0; i < syncs->len; i++)
    hy_account_sync_run_async (g_ptr_array_index (syncs, i), cancellable, sync_one_done, g_object_ref (task));
}

gboolean
hy_engine_sync_finish (HyEngine      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
hy_engine_start (HyEngine *self)
{
  GHashTableIter iter;
  AccountState *state;

  g_return_if_fail (HY_IS_ENGINE (self));

  self->started = TRUE;
  g_hash_table_iter_init (&iter, self->accounts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &state))
    if (state->sync != NULL)
      hy_account_sync_start (state->sync);
}

void
hy_engine_stop (HyEngine *self)
{
  GHashTableIter iter;
  AccountState *state;

  g_return_if_fail (HY_IS_ENGINE (self));

  self->started = FALSE;
  g_hash_table_iter_init (&iter, self->accounts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &state))
    if (state->sync != NULL)
      hy_account_sync_stop (state->sync);
}

HySyncStatus
hy_engine_get_sync_status (HyEngine  *self,
                           HyAccount *account)
{
  AccountState *state;

  g_return_val_if_fail (HY_IS_ENGINE (self), HY_SYNC_STATUS_IDLE);

  state = lookup_state (self, account);
  if (state == NULL || state->sync == NULL)
    return HY_SYNC_STATUS_IDLE;
  return (HySyncStatus) hy_account_sync_get_status (state->sync);
}

const GError *
hy_engine_get_sync_error (HyEngine  *self,
                          HyAccount *account)
{
  AccountState *state;

  g_return_val_if_fail (HY_IS_ENGINE (self), NULL);

  state = lookup_state (self, account);
  if (state == NULL || state->sync == NULL)
    return NULL;
  return hy_account_sync_get_error (state->sync);
}
