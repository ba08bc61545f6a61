/* hy-certificate-dialog.h — explains a server certificate problem and offers to trust it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HY_TYPE_CERTIFICATE_DIALOG (hy_certificate_dialog_get_type ())

G_DECLARE_FINAL_TYPE (HyCertificateDialog, hy_certificate_dialog, HY, CERTIFICATE_DIALOG, AdwMessageDialog)

/* Responses: "cancel" (the default, also on Escape) and "trust". */
#define HY_CERTIFICATE_DIALOG_RESPONSE_CANCEL "cancel"
#define HY_CERTIFICATE_DIALOG_RESPONSE_TRUST  "trust"

HyCertificateDialog *hy_certificate_dialog_new             (GtkWindow            *parent,
                                                            const char           *host,
                                                            guint16               port,
                                                            GTlsCertificate      *certificate,
                                                            GTlsCertificateFlags  problems);
/* The SHA-256 fingerprint of the certificate shown (64 hex digits). */
const char          *hy_certificate_dialog_get_fingerprint (HyCertificateDialog  *self);
/* The problems in words, one per line (translated). */
char                *hy_certificate_dialog_describe_problems (GTlsCertificateFlags problems);

G_END_DECLS
