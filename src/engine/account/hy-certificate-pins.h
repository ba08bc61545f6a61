/* hy-certificate-pins.h — certificates the user chose to trust, per account and server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "account/hy-server-config.h"

G_BEGIN_DECLS

#define HY_TYPE_CERTIFICATE_PINS (hy_certificate_pins_get_type ())

G_DECLARE_FINAL_TYPE (HyCertificatePins, hy_certificate_pins, HY, CERTIFICATE_PINS, GObject)

/* A pin is the SHA-256 fingerprint (lower-case hex, as returned by
 * hy_certificate_get_sha256()) of one server certificate that the user
 * accepted for one account and one server (protocol, host, port). It is
 * never shared between accounts or servers: a different certificate on the
 * same server, or the same certificate elsewhere, is not trusted by it.
 *
 * Pins are kept in a key file, one group per account id, one key
 * "<protocol>:<host>:<port>" per server. */
HyCertificatePins *hy_certificate_pins_new            (const char        *path);
/* <config>/hongyan/pinned-certificates.conf */
HyCertificatePins *hy_certificate_pins_new_default    (void);

/* Reads the file; a missing file means no pins. */
gboolean           hy_certificate_pins_load           (HyCertificatePins *self,
                                                       GError           **error);
/* The pinned fingerprint for @server of @account_id (free it), or NULL. */
char              *hy_certificate_pins_lookup         (HyCertificatePins *self,
                                                       const char        *account_id,
                                                       const HyServerConfig *server);
/* Pins @sha256 (replacing an older pin) and writes the file. */
gboolean           hy_certificate_pins_set            (HyCertificatePins *self,
                                                       const char        *account_id,
                                                       const HyServerConfig *server,
                                                       const char        *sha256,
                                                       GError           **error);
/* Forgets every pin of @account_id and writes the file. */
gboolean           hy_certificate_pins_remove_account (HyCertificatePins *self,
                                                       const char        *account_id,
                                                       GError           **error);

G_END_DECLS
