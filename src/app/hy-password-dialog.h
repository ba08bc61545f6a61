/* hy-password-dialog.h — asks for an account's password, with "remember"
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HY_TYPE_PASSWORD_DIALOG (hy_password_dialog_get_type ())

G_DECLARE_FINAL_TYPE (HyPasswordDialog, hy_password_dialog, HY, PASSWORD_DIALOG, AdwMessageDialog)

/* Responses: "cancel" (default on Escape) and "sign-in". The dialog is
 * modal only for @parent, so the rest of the app keeps working. Whoever
 * shows it must ask at most once per failure the user can see: after a
 * rejected password it is shown again only when the user asks (e.g. "Sign
 * In" on the account's error), never automatically in a loop. */
#define HY_PASSWORD_DIALOG_RESPONSE_CANCEL  "cancel"
#define HY_PASSWORD_DIALOG_RESPONSE_SIGN_IN "sign-in"

/* @problem: why the password is asked for (NULL: none stored), shown
 * above the entry. */
HyPasswordDialog *hy_password_dialog_new          (GtkWindow        *parent,
                                                   const char       *account_name,
                                                   const char       *host,
                                                   const char       *user,
                                                   const char       *problem);
/* The password typed (free it with hy_credentials_secret_free()). */
char             *hy_password_dialog_get_password (HyPasswordDialog *self);
gboolean          hy_password_dialog_get_remember (HyPasswordDialog *self);

G_END_DECLS
