/* hy-identity.c — a name and address the user sends as, with a signature (boxed)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-account"

#include "config.h"

#include "account/hy-identity.h"

G_DEFINE_BOXED_TYPE (HyIdentity, hy_identity, hy_identity_copy, hy_identity_free)

HyIdentity *
hy_identity_new (const char *name,
                 const char *address,
                 const char *signature)
{
  HyIdentity *identity = g_new0 (HyIdentity, 1);

  identity->name = g_strdup (name);
  identity->address = g_strdup (address);
  identity->signature = g_strdup (signature);
  return identity;
}

HyIdentity *
hy_identity_copy (const HyIdentity *identity)
{
  g_return_val_if_fail (identity != NULL, NULL);

  return hy_identity_new (identity->name, identity->address, identity->signature);
}

void
hy_identity_free (HyIdentity *identity)
{
  if (identity == NULL)
    return;
  g_free (identity->name);
  g_free (identity->address);
  g_free (identity->signature);
  g_free (identity);
}
