/* hy-account-manager.c — loads, adds, edits and removes accounts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-account"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "account/hy-account-error.h"
#include "account/hy-account-manager.h"

struct _HyAccountManager {
  GObject        parent_instance;

  HyCredentials *credentials;
  char          *config_dir;
  char          *data_dir;
  GListStore    *accounts;
};

G_DEFINE_FINAL_TYPE (HyAccountManager, hy_account_manager, G_TYPE_OBJECT)

static void
hy_account_manager_dispose (GObject *object)
{
  HyAccountManager *self = HY_ACCOUNT_MANAGER (object);
  guint n = self->accounts ? g_list_model_get_n_items (G_LIST_MODEL (self->accounts)) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HyAccount) account = g_list_model_get_item (G_LIST_MODEL (self->accounts), i);

      g_signal_handlers_disconnect_by_data (account, self);
    }
  g_clear_object (&self->accounts);
  g_clear_object (&self->credentials);

  G_OBJECT_CLASS (hy_account_manager_parent_class)->dispose (object);
}

static void
hy_account_manager_finalize (GObject *object)
{
  HyAccountManager *self = HY_ACCOUNT_MANAGER (object);

  g_free (self->config_dir);
  g_free (self->data_dir);

  G_OBJECT_CLASS (hy_account_manager_parent_class)->finalize (object);
}

static void
hy_account_manager_class_init (HyAccountManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hy_account_manager_dispose;
  object_class->finalize = hy_account_manager_finalize;
}

static void
hy_account_manager_init (HyAccountManager *self)
{
  self->accounts = g_list_store_new (HY_TYPE_ACCOUNT);
}

HyAccountManager *
hy_account_manager_new_for_dirs (HyCredentials *credentials,
                                 const char    *config_dir,
                                 const char    *data_dir)
{
  HyAccountManager *self;

  g_return_val_if_fail (HY_IS_CREDENTIALS (credentials), NULL);
  g_return_val_if_fail (config_dir != NULL && data_dir != NULL, NULL);

  self = g_object_new (HY_TYPE_ACCOUNT_MANAGER, NULL);
  self->credentials = g_object_ref (credentials);
  self->config_dir = g_strdup (config_dir);
  self->data_dir = g_strdup (data_dir);
  return self;
}

HyAccountManager *
hy_account_manager_new (HyCredentials *credentials)
{
  g_autofree char *config_dir = g_build_filename (g_get_user_config_dir (), "hongyan", "accounts", NULL);
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "hongyan", "accounts", NULL);

  return hy_account_manager_new_for_dirs (credentials, config_dir, data_dir);
}

HyCredentials *
hy_account_manager_get_credentials (HyAccountManager *self)
{
  g_return_val_if_fail (HY_IS_ACCOUNT_MANAGER (self), NULL);

  return self->credentials;
}

GListModel *
hy_account_manager_get_accounts (HyAccountManager *self)
{
  g_return_val_if_fail (HY_IS_ACCOUNT_MANAGER (self), NULL);

  return G_LIST_MODEL (self->accounts);
}

static char *
account_file (HyAccountManager *self,
              const char       *id)
{
  g_autofree char *name = g_strconcat (id, ".conf", NULL);

  return g_build_filename (self->config_dir, name, NULL);
}

char *
hy_account_manager_get_store_path (HyAccountManager *self,
                                   HyAccount        *account)
{
  g_return_val_if_fail (HY_IS_ACCOUNT_MANAGER (self), NULL);
  g_return_val_if_fail (HY_IS_ACCOUNT (account), NULL);

  return g_build_filename (self->data_dir, hy_account_get_id (account), "store.db", NULL);
}

gboolean
hy_account_manager_save (HyAccountManager  *self,
                         HyAccount         *account,
                         GError           **error)
{
  g_autoptr(GKeyFile) key_file = NULL;
  g_autofree char *data = NULL;
  g_autofree char *path = NULL;
  GError *local_error = NULL;
  gsize length;

  g_return_val_if_fail (HY_IS_ACCOUNT_MANAGER (self), FALSE);
  g_return_val_if_fail (HY_IS_ACCOUNT (account), FALSE);

  if (g_mkdir_with_parents (self->config_dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_IO,
                   _ ("Cannot create the folder for account settings “%s”: %s"),
                   self->config_dir, g_strerror (saved));
      return FALSE;
    }
  key_file = hy_account_to_key_file (account);
  data = g_key_file_to_data (key_file, &length, NULL);
  path = account_file (self, hy_account_get_id (account));
  if (!g_file_set_contents_full (path, data, length, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local_error))
    {
      g_set_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_IO,
                   _ ("Cannot save the settings of account “%s”: %s"),
                   hy_account_get_display_name (account), local_error->message);
      g_error_free (local_error);
      return FALSE;
    }
  return TRUE;
}

static void
on_account_changed (HyAccount        *account,
                    HyAccountManager *self)
{
  g_autoptr(GError) error = NULL;

  if (!hy_account_manager_save (self, account, &error))
    g_warning ("%s", error->message);
}

static int
compare_accounts (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  return g_strcmp0 (hy_account_get_id ((HyAccount *) a), hy_account_get_id ((HyAccount *) b));
}

static void
track (HyAccountManager *self,
       HyAccount        *account)
{
  g_signal_connect (account, "changed", G_CALLBACK (on_account_changed), self);
  g_list_store_insert_sorted (self->accounts, account, compare_accounts, NULL);
}

static gboolean
valid_id (const char *id)
{
  if (id == NULL || *id == '\0' || *id == '.')
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      return FALSE;
  return TRUE;
}

/* Reads the account files; any thread. */
static GPtrArray *
read_accounts (const char  *config_dir,
               GError     **error)
{
  g_autoptr(GPtrArray) accounts = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GDir) dir = NULL;
  GError *local_error = NULL;
  const char *name;

  dir = g_dir_open (config_dir, 0, &local_error);
  if (dir == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_error_free (local_error);
          return g_steal_pointer (&accounts);
        }
      g_set_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_IO,
                   _ ("Cannot read the account settings in “%s”: %s"), config_dir, local_error->message);
      g_error_free (local_error);
      return NULL;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *id = NULL;
      g_autofree char *path = NULL;
      g_autoptr(GKeyFile) key_file = NULL;
      g_autoptr(GError) load_error = NULL;
      HyAccount *account;

      if (!g_str_has_suffix (name, ".conf"))
        continue;
      id = g_strndup (name, strlen (name) - strlen (".conf"));
      if (!valid_id (id))
        continue;
      path = g_build_filename (config_dir, name, NULL);
      key_file = g_key_file_new ();
      if (!g_key_file_load_from_file (key_file, path, G_KEY_FILE_KEEP_COMMENTS, &load_error)
          || (account = hy_account_new_from_key_file (id, key_file, &load_error)) == NULL)
        {
          g_warning ("Skipping the account settings in “%s”: %s", path, load_error->message);
          continue;
        }
      g_ptr_array_add (accounts, account);
    }
  return g_steal_pointer (&accounts);
}

static void
replace_accounts (HyAccountManager *self,
                  GPtrArray        *accounts)
{
  for (guint n = g_list_model_get_n_items (G_LIST_MODEL (self->accounts)); n > 0; n--)
    {
      g_autoptr(HyAccount) account = g_list_model_get_item (G_LIST_MODEL (self->accounts), n - 1);

      g_signal_handlers_disconnect_by_data (account, self);
    }
  g_list_store_remove_all (self->accounts);
  for (guint i = 0; i < accounts->len; i++)
    track (self, g_ptr_array_index (accounts, i));
}

gboolean
hy_account_manager_load (HyAccountManager  *self,
                         GError           **error)
{
  g_autoptr(GPtrArray) accounts = NULL;

  g_return_val_if_fail (HY_IS_ACCOUNT_MANAGER (self), FALSE);

  accounts = read_accounts (self->config_dir, error);
  if (accounts == NULL)
    return FALSE;
  replace_accounts (self, accounts);
  return TRUE;
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  GPtrArray *accounts = read_accounts (task_data, &error);

  if (accounts == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, accounts, (GDestroyNotify) g_ptr_array_unref);
}

void
hy_account_manager_load_async (HyAccountManager    *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HY_IS_ACCOUNT_MANAGER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_account_manager_load_async);
  g_task_set_task_data (task, g_strdup (self->config_dir), g_free);
  g_task_run_in_thread (task, load_thread);
}

gboolean
hy_account_manager_load_finish (HyAccountManager  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_autoptr(GPtrArray) accounts = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_account_manager_load_async, FALSE);

  accounts = g_task_propagate_pointer (G_TASK (result), error);
  if (accounts == NULL)
    return FALSE;
  /* The list changes here, on the caller's thread. */
  replace_accounts (self, accounts);
  return TRUE;
}

HyAccount *
hy_account_manager_find (HyAccountManager *self,
                         const char       *key)
{
  GListModel *model;
  guint n;

  g_return_val_if_fail (HY_IS_ACCOUNT_MANAGER (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  model = G_LIST_MODEL (self->accounts);
  n = g_list_model_get_n_items (model);
  /* Ids first, so that an id never loses to another account's name. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n; i++)
      {
        g_autoptr(HyAccount) account = g_list_model_get_item (model, i);
        const char *address = hy_account_get_address (account);

        if (pass == 0 && g_strcmp0 (hy_account_get_id (account), key) == 0)
          return account;
        if (pass == 1 && ((address != NULL && g_ascii_strcasecmp (address, key) == 0)
                          || g_utf8_collate (hy_account_get_display_name (account), key) == 0))
          return account;
      }
  return NULL;
}

char *
hy_account_manager_make_id (HyAccountManager *self,
                            const char       *address)
{
  GString *base = g_string_new (NULL);
  g_autofree char *candidate = NULL;

  g_return_val_if_fail (HY_IS_ACCOUNT_MANAGER (self), NULL);

  for (const char *p = address ? address : ""; *p != '\0' && base->len < 48; p++)
    {
      if (g_ascii_isalnum (*p))
        g_string_append_c (base, g_ascii_tolower (*p));
      else if (base->len > 0 && base->str[base->len - 1] != '-')
        g_string_append_c (base, '-');
    }
  while (base->len > 0 && base->str[base->len - 1] == '-')
    g_string_truncate (base, base->len - 1);
  if (base->len == 0)
    g_string_append (base, "account");

  candidate = g_strdup (base->str);
  for (guint i = 2; ; i++)
    {
      g_autofree char *path = account_file (self, candidate);

      if (hy_account_manager_find (self, candidate) == NULL && !g_file_test (path, G_FILE_TEST_EXISTS))
        break;
      g_free (candidate);
      candidate = g_strdup_printf ("%s-%u", base->str, i);
    }
  g_string_free (base, TRUE);
  return g_steal_pointer (&candidate);
}

/* Adding. */

typedef struct {
  HyAccount *account;
  char *password;
  guint pending;
  GError *error;
} AddData;

static void
add_data_free (gpointer data)
{
  AddData *add = data;

  g_clear_object (&add->account);
  hy_credentials_secret_free (add->password);
  g_clear_error (&add->error);
  g_free (add);
}

static void
add_stored (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HyAccountManager *self = g_task_get_source_object (task);
  AddData *add = g_task_get_task_data (task);
  GError *error = NULL;

  if (!hy_credentials_store_finish (HY_CREDENTIALS (source), result, &error))
    {
      if (add->error == NULL)
        add->error = error;
      else
        g_error_free (error);
    }
  if (--add->pending > 0)
    return;

  if (add->error != NULL)
    {
      g_autofree char *path = account_file (self, hy_account_get_id (add->account));

      /* An account without its password is no account: undo. */
      g_unlink (path);
      hy_credentials_delete_async (self->credentials, hy_account_get_id (add->account),
                                   NULL, NULL, NULL, NULL, NULL, NULL);
      g_task_return_new_error (task, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_CREDENTIALS,
                               _ ("Cannot keep the password of account “%s” in the keyring: %s"),
                               hy_account_get_display_name (add->account), add->error->message);
      return;
    }
  track (self, add->account);
  g_task_return_boolean (task, TRUE);
}

void
hy_account_manager_add_async (HyAccountManager    *self,
                              HyAccount           *account,
                              const char          *password,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  AddData *add;

  g_return_if_fail (HY_IS_ACCOUNT_MANAGER (self));
  g_return_if_fail (HY_IS_ACCOUNT (account));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_account_manager_add_async);

  if (!valid_id (hy_account_get_id (account)))
    {
      g_task_return_new_error (task, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_INVALID,
                               _ ("“%s” cannot be an account id: use letters, digits, “-”, “_” and “.”"),
                               hy_account_get_id (account));
      return;
    }
  if (hy_account_manager_find (self, hy_account_get_id (account)) != NULL)
    {
      g_task_return_new_error (task, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_EXISTS,
                               _ ("There is already an account “%s”"), hy_account_get_id (account));
      return;
    }
  if (!hy_account_validate (account, &error) || !hy_account_manager_save (self, account, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  add = g_new0 (AddData, 1);
  add->account = g_object_ref (account);
  add->password = g_strdup (password);
  g_task_set_task_data (task, add, add_data_free);

  if (password == NULL)
    {
      track (self, account);
      g_task_return_boolean (task, TRUE);
      return;
    }

  add->pending = 2;
  for (guint i = 0; i < 2; i++)
    {
      const HyServerConfig *server = i == 0 ? hy_account_get_incoming (account) : hy_account_get_outgoing (account);

      hy_credentials_store_async (self->credentials, hy_account_get_id (account),
                                  hy_server_protocol_to_string (server->protocol),
                                  server->host, server->user ? server->user : "",
                                  password, cancellable, add_stored, g_object_ref (task));
    }
}

gboolean
hy_account_manager_add_finish (HyAccountManager  *self,
                               GAsyncResult      *result,
                               GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_account_manager_add_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Removing. */

static gboolean
remove_tree (GFile         *file,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GFileEnumerator) children = NULL;
  GError *local_error = NULL;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, cancellable, &local_error);
  if (children != NULL)
    {
      for (;;)
        {
          GFileInfo *info;
          GFile *child;

          if (!g_file_enumerator_iterate (children, &info, &child, cancellable, error))
            return FALSE;
          if (info == NULL)
            break;
          if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
            {
              if (!remove_tree (child, cancellable, error))
                return FALSE;
            }
          else if (!g_file_delete (child, cancellable, error))
            return FALSE;
        }
    }
  else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_error_free (local_error);
      return TRUE;
    }
  else
    g_clear_error (&local_error);  /* not a folder: deleted below */

  if (!g_file_delete (file, cancellable, &local_error)
      && !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  g_clear_error (&local_error);
  return TRUE;
}

static void
remove_files_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  HyAccountManager *self = source_object;
  HyAccount *account = task_data;
  g_autofree char *path = account_file (self, hy_account_get_id (account));
  g_autofree char *cache_path = g_build_filename (self->data_dir, hy_account_get_id (account), NULL);
  g_autoptr(GFile) cache = g_file_new_for_path (cache_path);
  GError *error = NULL;

  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int saved = errno;

      g_task_return_new_error (task, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_IO,
                               _ ("Cannot remove the settings file “%s”: %s"), path, g_strerror (saved));
      return;
    }
  if (!remove_tree (cache, NULL, &error))
    {
      g_task_return_new_error (task, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_IO,
                               _ ("Cannot remove the mail cache of account “%s”: %s"),
                               hy_account_get_display_name (account), error->message);
      g_error_free (error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
remove_files_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
remove_secrets_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HyAccountManager *self = g_task_get_source_object (task);
  HyAccount *account = g_task_get_task_data (task);
  g_autoptr(GTask) files = NULL;
  GError *error = NULL;
  guint position;

  if (!hy_credentials_delete_finish (HY_CREDENTIALS (source), result, &error))
    {
      g_task_return_new_error (task, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_CREDENTIALS,
                               _ ("Cannot remove the password of account “%s” from the keyring: %s; "
                                  "unlock the keyring and try again"),
                               hy_account_get_display_name (account), error->message);
      g_error_free (error);
      return;
    }

  g_signal_handlers_disconnect_by_data (account, self);
  if (g_list_store_find (self->accounts, account, &position))
    g_list_store_remove (self->accounts, position);

  files = g_task_new (self, g_task_get_cancellable (task), remove_files_done, g_object_ref (task));
  g_task_set_source_tag (files, remove_files_thread);
  g_task_set_task_data (files, g_object_ref (account), g_object_unref);
  g_task_run_in_thread (files, remove_files_thread);
}

void
hy_account_manager_remove_async (HyAccountManager    *self,
                                 HyAccount           *account,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HY_IS_ACCOUNT_MANAGER (self));
  g_return_if_fail (HY_IS_ACCOUNT (account));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_account_manager_remove_async);
  g_task_set_task_data (task, g_object_ref (account), g_object_unref);
  /* Secrets first: a failure there leaves the account whole. */
  hy_credentials_delete_async (self->credentials, hy_account_get_id (account), NULL, NULL, NULL,
                               cancellable, remove_secrets_done, g_object_ref (task));
}

gboolean
hy_account_manager_remove_finish (HyAccountManager  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_account_manager_remove_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
