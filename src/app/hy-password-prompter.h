/* hy-password-prompter.h — asks for a password when an account's server needs one
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "api/hy-engine.h"
#include "hy-password-dialog.h"

G_BEGIN_DECLS

#define HY_TYPE_PASSWORD_PROMPTER (hy_password_prompter_get_type ())

G_DECLARE_FINAL_TYPE (HyPasswordPrompter, hy_password_prompter, HY, PASSWORD_PROMPTER, GObject)

/* Follows @engine's "sync-status-changed": when the keyring holds no
 * password for an account's incoming server, or the server rejects it,
 * shows one HyPasswordDialog for that account (over the active window of
 * @application, not modal, so the rest of the app keeps working).  "Sign
 * In" replaces the stored password — in the keyring with "Remember", else
 * only until the session ends (never on disk) — and syncs the account
 * again; a rejected password asks again, once per answer.  "Cancel" leaves
 * the account in its error state and it is not asked again until
 * hy_password_prompter_ask(), also reachable as the action "app.sign-in"
 * (s: account id) that the window's error message offers.
 *
 * Sending reports its own refusals: hy_password_prompter_outgoing_refused()
 * asks the same way for the SMTP server, and "password-saved" (HyAccount *,
 * gboolean outgoing) tells the sender to try again. */
HyPasswordPrompter *hy_password_prompter_new        (GtkApplication     *application,
                                                     HyEngine           *engine);
/* Asks now for @account's incoming password (the user chose to sign in). */
void                hy_password_prompter_ask        (HyPasswordPrompter *self,
                                                     HyAccount          *account);
/* The SMTP server of @account refused its password (or none is stored):
 * asks, unless a dialog is open or the user cancelled the last one. */
void                hy_password_prompter_outgoing_refused  (HyPasswordPrompter *self,
                                                            HyAccount          *account);
/* The SMTP server accepted the password: a later refusal may be asked about. */
void                hy_password_prompter_outgoing_accepted (HyPasswordPrompter *self,
                                                            HyAccount          *account);
/* The dialog open for @account's incoming or outgoing server, or NULL. */
HyPasswordDialog   *hy_password_prompter_get_dialog (HyPasswordPrompter *self,
                                                     HyAccount          *account,
                                                     gboolean            outgoing);
/* How many dialogs were opened since the prompter was made (tests). */
guint               hy_password_prompter_get_n_prompts (HyPasswordPrompter *self);

/* TRUE if @error (a sync error) means the server needs a password from
 * the user: none stored, or the stored one was refused. */
gboolean            hy_password_prompter_is_password_error (const GError *error);

G_END_DECLS
