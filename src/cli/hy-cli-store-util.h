/* hy-cli-store-util.h — helpers shared by the sub-commands that read accounts and stores
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "account/hy-account-manager.h"
#include "api/hy-message-list.h"
#include "store/hy-store.h"

#include "hy-cli-conn.h"
#include "mime/hy-json-writer.h"

G_BEGIN_DECLS

/* The accounts of this user, with the keyring for secrets; NULL after
 * printing an error. */
HyAccountManager *hy_cli_open_accounts    (void);
/* The account named by @key (id, address or name), or the only one when
 * @key is NULL; NULL after printing an error. */
HyAccount        *hy_cli_pick_account     (HyAccountManager  *manager,
                                           const char        *key);
/* The account's store; NULL after printing an error. */
HyStore          *hy_cli_open_store       (HyAccountManager  *manager,
                                           HyAccount         *account);
/* Waits until @result is set by an async callback. */
/* An async callback that stores the result in *user_data. */
/* Appends @text as a JSON string (quoted, escaped). */
/* Prints up to @limit rows of @list (0: all), as JSON lines or a table. */
void              hy_cli_print_messages   (HyMessageList     *list,
                                           HyStore           *store,
                                           guint              limit,
                                           gboolean           json);

G_END_DECLS
