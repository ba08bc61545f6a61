/* hy-account-editor.h — every setting of one account, shown as a preferences subpage
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "api/hy-engine.h"

G_BEGIN_DECLS

#define HY_TYPE_ACCOUNT_EDITOR (hy_account_editor_get_type ())

G_DECLARE_FINAL_TYPE (HyAccountEditor, hy_account_editor, HY, ACCOUNT_EDITOR, GtkBox)

/* Shown with adw_preferences_window_present_subpage().  Simple settings
 * (name, offline days, identities, folders, POP3 options) are saved as
 * they change; a server's settings are saved with "Test and Save" only
 * after signing in with them works, the password going to the keyring.
 * "Remove Account…" asks first, then removes the account with its
 * password and cache and closes the subpage.
 *
 * Signals:
 *  - "removed": the account is gone. */
HyAccountEditor *hy_account_editor_new         (HyEngine        *engine,
                                                HyAccount       *account);
HyAccount       *hy_account_editor_get_account (HyAccountEditor *self);
/* Trust the certificate authorities in this PEM file as well (tests). */
void             hy_account_editor_set_ca_file (HyAccountEditor *self,
                                                const char      *ca_file);
/* The confirmation of "Remove Account…" while it is open, else NULL. */
AdwMessageDialog *hy_account_editor_get_remove_dialog (HyAccountEditor *self);

G_END_DECLS
