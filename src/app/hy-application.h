/* hy-application.h — the Hongyan application object
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "api/hy-engine.h"
#include "account/hy-account-manager.h"
#include "account/hy-certificate-pins.h"
#include "hy-notifier.h"
#include "hy-password-prompter.h"

G_BEGIN_DECLS

#define HY_TYPE_APPLICATION (hy_application_get_type ())

G_DECLARE_FINAL_TYPE (HyApplication, hy_application, HY, APPLICATION, AdwApplication)

HyApplication *hy_application_new          (void);
GSettings     *hy_application_get_settings (HyApplication *self);
/* The process's one HyEngine, made on first use over the accounts in the
 * desktop keyring; HONGYAN_CA_FILE names an extra CA (PEM) to trust. */
HyEngine      *hy_application_get_engine   (HyApplication *self);
/* The accounts, with passwords in the desktop keyring. */
HyAccountManager  *hy_application_get_account_manager (HyApplication *self);
/* The new-mail notifications (NULL before start-up). */
HyNotifier        *hy_application_get_notifier (HyApplication *self);
/* Asks for passwords the servers need (NULL before start-up). */
HyPasswordPrompter *hy_application_get_password_prompter (HyApplication *self);
/* Certificates the user trusted, per account and server. */
HyCertificatePins *hy_application_get_certificate_pins (HyApplication *self);

G_END_DECLS
