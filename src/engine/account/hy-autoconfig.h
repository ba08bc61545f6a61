/* hy-autoconfig.h — finds the servers of an e-mail address: ISP XML, SRV records, probing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "account/hy-server-config.h"

G_BEGIN_DECLS

#define HY_TYPE_AUTOCONFIG (hy_autoconfig_get_type ())
#define HY_TYPE_AUTOCONFIG_RESULT (hy_autoconfig_result_get_type ())

G_DECLARE_FINAL_TYPE (HyAutoconfig, hy_autoconfig, HY, AUTOCONFIG, GObject)

typedef enum {
  HY_AUTOCONFIG_SOURCE_ISP = 1,       /* autoconfig.<domain>/mail/config-v1.1.xml */
  HY_AUTOCONFIG_SOURCE_WELL_KNOWN,    /* <domain>/.well-known/autoconfig/mail/config-v1.1.xml */
  HY_AUTOCONFIG_SOURCE_SRV,           /* RFC 6186 DNS SRV records */
  HY_AUTOCONFIG_SOURCE_PROBE,         /* usual host names that answered with valid TLS */
} HyAutoconfigSource;

/* What was found; servers best first (implicit TLS before STARTTLS,
 * IMAP before POP3, RFC 8314). */
typedef struct {
  HyAutoconfigSource  source;
  char               *display_name;   /* the provider's name, or NULL */
  GPtrArray          *incoming;       /* HyServerConfig */
  GPtrArray          *outgoing;       /* HyServerConfig */
} HyAutoconfigResult;

GType               hy_autoconfig_result_get_type   (void) G_GNUC_CONST;
HyAutoconfigResult *hy_autoconfig_result_copy       (const HyAutoconfigResult *result);
void                hy_autoconfig_result_free       (HyAutoconfigResult       *result);
const char         *hy_autoconfig_source_to_string  (HyAutoconfigSource        source);

/* Parses a Thunderbird-style config-v1.1.xml for @address (placeholders
 * such as %EMAILADDRESS% are filled in).  Pure; fuzzable. */
HyAutoconfigResult *hy_autoconfig_parse_xml         (const char               *xml,
                                                     gssize                    length,
                                                     const char               *address,
                                                     GError                  **error);

HyAutoconfig       *hy_autoconfig_new               (void);
/* The resolver for SRV records (default: g_resolver_get_default()). */
void                hy_autoconfig_set_resolver      (HyAutoconfig             *self,
                                                     GResolver                *resolver);
/* Certificate authorities to trust instead of the system's (tests). */
void                hy_autoconfig_set_tls_database  (HyAutoconfig             *self,
                                                     GTlsDatabase             *database);
/* Fetch the XML over plain HTTP on this port instead of HTTPS (tests
 * with a local HTTP server); 0 for normal operation. */
void                hy_autoconfig_set_http_port     (HyAutoconfig             *self,
                                                     guint16                   port);
/* Probe this port instead of the standard one (tests). */
void                hy_autoconfig_set_probe_port    (HyAutoconfig             *self,
                                                     HyServerProtocol          protocol,
                                                     HyServerSecurity          security,
                                                     guint16                   port);
/* Seconds each network step may take (default 10). */
void                hy_autoconfig_set_timeout       (HyAutoconfig             *self,
                                                     guint                     seconds);

void                hy_autoconfig_lookup_async      (HyAutoconfig             *self,
                                                     const char               *address,
                                                     GCancellable             *cancellable,
                                                     GAsyncReadyCallback       callback,
                                                     gpointer                  user_data);
HyAutoconfigResult *hy_autoconfig_lookup_finish     (HyAutoconfig             *self,
                                                     GAsyncResult             *result,
                                                     GError                  **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyAutoconfigResult, hy_autoconfig_result_free)

G_END_DECLS
