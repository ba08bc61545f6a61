/* hy-identity.h — a name and address the user sends as, with a signature (boxed)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HY_TYPE_IDENTITY (hy_identity_get_type ())

typedef struct {
  char *name;        /* "Alice Liddell", may be NULL */
  char *address;     /* "alice@example.com" */
  char *signature;   /* plain text, may be NULL */
} HyIdentity;

GType       hy_identity_get_type (void) G_GNUC_CONST;
HyIdentity *hy_identity_new      (const char       *name,
                                  const char       *address,
                                  const char       *signature);
HyIdentity *hy_identity_copy     (const HyIdentity *identity);
void        hy_identity_free     (HyIdentity       *identity);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyIdentity, hy_identity_free)

G_END_DECLS
