/* hy-account.h — one mail account's settings (no secrets), saved as a key file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "account/hy-folder-role.h"
#include "account/hy-identity.h"
#include "account/hy-server-config.h"

G_BEGIN_DECLS

#define HY_TYPE_ACCOUNT (hy_account_get_type ())

G_DECLARE_FINAL_TYPE (HyAccount, hy_account, HY, ACCOUNT, GObject)

/* Everything but passwords and tokens, which live in the keyring
 * (HyCredentials).  Setters emit HyAccount::changed; HyAccountManager
 * saves a changed account. */
HyAccount            *hy_account_new                        (const char       *id);
/* Reads the settings of account @id from @key_file. */
HyAccount            *hy_account_new_from_key_file          (const char       *id,
                                                             GKeyFile         *key_file,
                                                             GError          **error);
GKeyFile             *hy_account_to_key_file                (HyAccount        *self);
/* Checks that the account can be used: an identity, an incoming and an
 * outgoing server with host and user. */
gboolean              hy_account_validate                   (HyAccount        *self,
                                                             GError          **error);

const char           *hy_account_get_id                     (HyAccount        *self);
const char           *hy_account_get_display_name           (HyAccount        *self);
void                  hy_account_set_display_name           (HyAccount        *self,
                                                             const char       *name);

/* The first identity is the default one. */
GPtrArray            *hy_account_get_identities             (HyAccount        *self);
void                  hy_account_add_identity               (HyAccount        *self,
                                                             const HyIdentity *identity);
void                  hy_account_remove_identity            (HyAccount        *self,
                                                             guint             index);
/* Whoever stored a new password for the account's servers says so:
 * emits ::changed, so that sessions and secrets read before are dropped
 * (the settings themselves are the same). */
void                  hy_account_secrets_changed            (HyAccount        *self);
/* Changes the identity at @index in place (the first stays the default). */
void                  hy_account_replace_identity           (HyAccount        *self,
                                                             guint             index,
                                                             const HyIdentity *identity);
/* The address of the first identity, or NULL. */
const char           *hy_account_get_address                (HyAccount        *self);

const HyServerConfig *hy_account_get_incoming               (HyAccount        *self);
void                  hy_account_set_incoming               (HyAccount        *self,
                                                             const HyServerConfig *config);
const HyServerConfig *hy_account_get_outgoing               (HyAccount        *self);
void                  hy_account_set_outgoing               (HyAccount        *self,
                                                             const HyServerConfig *config);

/* The folder the user picked for @role, or NULL to find it from
 * SPECIAL-USE or by name (see hy-folder-role.h). */
const char           *hy_account_get_folder_for_role        (HyAccount        *self,
                                                             HyFolderRole      role);
void                  hy_account_set_folder_for_role        (HyAccount        *self,
                                                             HyFolderRole      role,
                                                             const char       *folder);

/* TRUE when the server files sent mail itself (Gmail): no APPEND to Sent. */
gboolean              hy_account_get_server_saves_sent      (HyAccount        *self);
void                  hy_account_set_server_saves_sent      (HyAccount        *self,
                                                             gboolean          saves);

/* POP3: keep messages on the server, and delete them after this many
 * days (0: never). */
gboolean              hy_account_get_pop3_leave_on_server   (HyAccount        *self);
void                  hy_account_set_pop3_leave_on_server   (HyAccount        *self,
                                                             gboolean          leave);
guint                 hy_account_get_pop3_delete_after_days (HyAccount        *self);
void                  hy_account_set_pop3_delete_after_days (HyAccount        *self,
                                                             guint             days);

/* Bodies of messages younger than this many days are downloaded for
 * offline reading; 0 means all of them. */
guint                 hy_account_get_sync_window_days       (HyAccount        *self);
void                  hy_account_set_sync_window_days       (HyAccount        *self,
                                                             guint             days);

G_END_DECLS
