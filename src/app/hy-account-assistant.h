/* hy-account-assistant.h — the Add Account assistant: address and password, or manual setup
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "account/hy-account-manager.h"
#include "account/hy-autoconfig.h"
#include "account/hy-certificate-pins.h"

G_BEGIN_DECLS

#define HY_TYPE_ACCOUNT_ASSISTANT (hy_account_assistant_get_type ())

G_DECLARE_FINAL_TYPE (HyAccountAssistant, hy_account_assistant, HY, ACCOUNT_ASSISTANT, AdwWindow)

/* Signals:
 *  "account-added" (HyAccount *account): the account was signed in to,
 *    saved and its password stored; its first sync can start. */

HyAccountAssistant *hy_account_assistant_new            (GtkWindow          *parent,
                                                         HyAccountManager   *manager,
                                                         HyCertificatePins  *pins);
/* Replaces the autoconfiguration (tests point it at a local server and
 * resolver). */
void                hy_account_assistant_set_autoconfig (HyAccountAssistant *self,
                                                         HyAutoconfig       *autoconfig);
/* Certificate authorities to trust instead of the system's (tests). */
void                hy_account_assistant_set_ca_file    (HyAccountAssistant *self,
                                                         const char         *ca_file);
/* Days of mail the new account keeps offline (the "offline-days"
 * preference); without a call, the account's default. */
void                hy_account_assistant_set_sync_window_days (HyAccountAssistant *self,
                                                               guint               days);
/* The name of the page shown: "start", "lookup", "summary", "manual" or "done". */
const char         *hy_account_assistant_get_page       (HyAccountAssistant *self);

G_END_DECLS
