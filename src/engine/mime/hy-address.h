/* hy-address.h — a mailbox: display name and addr-spec, decoded for display
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>
#include <gmime/gmime.h>

#include "hy-gmime-autoptr.h"

G_BEGIN_DECLS

#define HY_TYPE_ADDRESS (hy_address_get_type ())

typedef struct _HyAddress HyAddress;

GType       hy_address_get_type    (void) G_GNUC_CONST;
HyAddress  *hy_address_new         (const char      *name,
                                    const char      *address);
HyAddress  *hy_address_copy        (const HyAddress *self);
void        hy_address_free        (HyAddress       *self);
/* The display name (UTF-8, RFC 2047 decoded) or NULL when there is none. */
const char *hy_address_get_name    (const HyAddress *self);
/* The addr-spec with an IDN domain shown in Unicode. */
const char *hy_address_get_address (const HyAddress *self);
/* TRUE when both addr-specs name the same mailbox (domain compared
 * case-insensitively and across IDN forms, local part as written). */
gboolean    hy_address_equal       (const HyAddress *a,
                                    const HyAddress *b);
/* "Name <addr>" (or just addr) in Unicode for display, not for the wire. */
char       *hy_address_to_display  (const HyAddress *self);

/* A GPtrArray of HyAddress, groups flattened, from a GMime address list. */
GPtrArray  *hy_address_list_from_gmime (InternetAddressList *list);
/* Parses a header value (raw or decoded) into a GPtrArray of HyAddress. */
GPtrArray  *hy_address_list_parse      (const char          *text);
/* A new, empty GPtrArray owning HyAddress elements. */
GPtrArray  *hy_address_list_new        (void);
/* The addr-spec with its domain in ASCII (punycode), for the wire. */
char       *hy_address_dup_ascii_address (const HyAddress *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyAddress, hy_address_free)

G_END_DECLS
