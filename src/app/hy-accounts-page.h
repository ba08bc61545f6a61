/* hy-accounts-page.h — the Accounts page of the preferences: the list, and an editor for each
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "api/hy-engine.h"
#include "hy-account-editor.h"

G_BEGIN_DECLS

#define HY_TYPE_ACCOUNTS_PAGE (hy_accounts_page_get_type ())

G_DECLARE_FINAL_TYPE (HyAccountsPage, hy_accounts_page, HY, ACCOUNTS_PAGE, AdwPreferencesPage)

/* Lists the accounts of @engine, kept current; activating one shows its
 * HyAccountEditor as a subpage of the preferences window the page is in.
 * "Add Account…" activates "app.add-account" (the assistant). */
HyAccountsPage  *hy_accounts_page_new         (HyEngine       *engine);
/* For a page made by a template: the engine whose accounts it lists (once). */
void             hy_accounts_page_set_engine  (HyAccountsPage *self,
                                               HyEngine       *engine);
/* Shows the editor of @account, as activating its row does; returns it. */
HyAccountEditor *hy_accounts_page_edit        (HyAccountsPage *self,
                                               HyAccount      *account);

G_END_DECLS
