/* hy-account-tester.h — signs in to one mail server to check an account's settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "account/hy-server-config.h"

G_BEGIN_DECLS

#define HY_TYPE_ACCOUNT_TESTER (hy_account_tester_get_type ())

G_DECLARE_FINAL_TYPE (HyAccountTester, hy_account_tester, HY, ACCOUNT_TESTER, GObject)

HyAccountTester *hy_account_tester_new               (void);
/* Trust the certificate authorities in this PEM file instead of the
 * system's (test servers). */
void             hy_account_tester_set_ca_file       (HyAccountTester      *self,
                                                      const char           *ca_file);

/* Connects to @server, sets up TLS as configured, signs in with @password
 * and signs out again. @pin, if set, is a SHA-256 fingerprint of a
 * certificate the user accepted for this server. A certificate problem
 * fails with HY_NET_ERROR_CERTIFICATE, and the certificate can be read from
 * the error with hy_net_error_get_certificate(). */
void             hy_account_tester_test_async        (HyAccountTester      *self,
                                                      const HyServerConfig *server,
                                                      const char           *password,
                                                      const char           *pin,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
gboolean         hy_account_tester_test_finish       (HyAccountTester      *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* What went wrong, in words for the user (translated). */
char            *hy_account_tester_describe_error    (const GError         *error,
                                                      const HyServerConfig *server);
/* TRUE if @error means the server rejected the user name or password. */
gboolean         hy_account_tester_is_auth_error     (const GError         *error);

G_END_DECLS
