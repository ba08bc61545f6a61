/* hy-account-manager.h — loads, adds, edits and removes accounts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "account/hy-account.h"
#include "account/hy-credentials.h"

G_BEGIN_DECLS

#define HY_TYPE_ACCOUNT_MANAGER (hy_account_manager_get_type ())

G_DECLARE_FINAL_TYPE (HyAccountManager, hy_account_manager, HY, ACCOUNT_MANAGER, GObject)

/* Accounts are key files "<id>.conf" in <config>/hongyan/accounts
 * (mode 0600, no secrets); each account's cache lives in
 * <data>/hongyan/accounts/<id>/.  Secrets go to @credentials. */
HyAccountManager *hy_account_manager_new            (HyCredentials     *credentials);
HyAccountManager *hy_account_manager_new_for_dirs   (HyCredentials     *credentials,
                                                     const char        *config_dir,
                                                     const char        *data_dir);

/* Reads every account file; a damaged one is skipped with a warning.
 * The blocking form is for tools; the app uses the async one. */
gboolean          hy_account_manager_load           (HyAccountManager  *self,
                                                     GError           **error);
void              hy_account_manager_load_async     (HyAccountManager  *self,
                                                     GCancellable      *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer           user_data);
gboolean          hy_account_manager_load_finish    (HyAccountManager  *self,
                                                     GAsyncResult      *result,
                                                     GError           **error);
/* A GListModel of HyAccount, in the order of their ids. */
GListModel       *hy_account_manager_get_accounts   (HyAccountManager  *self);
/* By id, address or display name (case-insensitive). */
HyAccount        *hy_account_manager_find           (HyAccountManager  *self,
                                                     const char        *key);
/* A new unused id made from @address ("alice-example-com"). */
char             *hy_account_manager_make_id        (HyAccountManager  *self,
                                                     const char        *address);
HyCredentials    *hy_account_manager_get_credentials (HyAccountManager *self);
/* The file of the account's offline store. */
char             *hy_account_manager_get_store_path (HyAccountManager  *self,
                                                     HyAccount         *account);
/* Writes the account's file now (changes are also saved by themselves). */
gboolean          hy_account_manager_save           (HyAccountManager  *self,
                                                     HyAccount         *account,
                                                     GError           **error);

/* Validates and saves @account and stores @password (may be NULL) for
 * its incoming and outgoing servers. */
void              hy_account_manager_add_async      (HyAccountManager  *self,
                                                     HyAccount         *account,
                                                     const char        *password,
                                                     GCancellable      *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer           user_data);
gboolean          hy_account_manager_add_finish     (HyAccountManager  *self,
                                                     GAsyncResult      *result,
                                                     GError           **error);
/* Removes the account's file, its secrets and its cache. */
void              hy_account_manager_remove_async   (HyAccountManager  *self,
                                                     HyAccount         *account,
                                                     GCancellable      *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer           user_data);
gboolean          hy_account_manager_remove_finish  (HyAccountManager  *self,
                                                     GAsyncResult      *result,
                                                     GError           **error);

G_END_DECLS
