/* hy-address.c — a mailbox: display name and addr-spec, decoded for display
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-mime"

#include "config.h"

#include <string.h>
#include <gio/gio.h>

#include "hy-address.h"
#include "hy-charset.h"

struct _HyAddress {
  char *name;
  char *address;
};

G_DEFINE_BOXED_TYPE (HyAddress, hy_address, hy_address_copy, hy_address_free)

/* Shows an IDN (punycode) domain in Unicode; everything else as given. */
static char *
address_to_unicode (const char *address)
{
  const char *at;
  g_autofree char *domain = NULL;

  if (address == NULL)
    return g_strdup ("");

  at = strrchr (address, '@');
  if (at == NULL)
    return g_strdup (address);
  {
    g_autofree char *lower = g_ascii_strdown (at, -1);

    if (strstr (lower, "xn--") == NULL)
      return g_strdup (address);
  }

  domain = g_hostname_to_unicode (at + 1);
  if (domain == NULL)
    return g_strdup (address);

  return g_strdup_printf ("%.*s@%s", (int) (at - address), address, domain);
}

HyAddress *
hy_address_new (const char *name,
                const char *address)
{
  HyAddress *self = g_new0 (HyAddress, 1);

  if (name != NULL && *name != '\0')
    self->name = g_strdup (name);
  self->address = address_to_unicode (address);
  return self;
}

HyAddress *
hy_address_copy (const HyAddress *self)
{
  HyAddress *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (HyAddress, 1);
  copy->name = g_strdup (self->name);
  copy->address = g_strdup (self->address);
  return copy;
}

void
hy_address_free (HyAddress *self)
{
  if (self == NULL)
    return;
  g_free (self->name);
  g_free (self->address);
  g_free (self);
}

const char *
hy_address_get_name (const HyAddress *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

const char *
hy_address_get_address (const HyAddress *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->address;
}

char *
hy_address_dup_ascii_address (const HyAddress *self)
{
  const char *at;
  g_autofree char *domain = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  at = strrchr (self->address, '@');
  if (at == NULL || !g_hostname_is_non_ascii (at + 1))
    return g_strdup (self->address);

  domain = g_hostname_to_ascii (at + 1);
  if (domain == NULL)
    return g_strdup (self->address);
  return g_strdup_printf ("%.*s@%s", (int) (at - self->address), self->address, domain);
}

gboolean
hy_address_equal (const HyAddress *a,
                  const HyAddress *b)
{
  const char *at_a, *at_b;

  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  at_a = strrchr (a->address, '@');
  at_b = strrchr (b->address, '@');
  if (at_a == NULL || at_b == NULL)
    return g_ascii_strcasecmp (a->address, b->address) == 0;

  /* Local parts are case-sensitive in theory; in practice every server
   * treats them case-insensitively, and a reply-all that mails the user's
   * own address twice is worse than the theoretical collision. */
  if ((at_a - a->address) != (at_b - b->address) ||
      g_ascii_strncasecmp (a->address, b->address, at_a - a->address) != 0)
    return FALSE;

  {
    g_autofree char *da = g_utf8_casefold (at_a + 1, -1);
    g_autofree char *db = g_utf8_casefold (at_b + 1, -1);

    return g_strcmp0 (da, db) == 0;
  }
}

char *
hy_address_to_display (const HyAddress *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->name == NULL || g_strcmp0 (self->name, self->address) == 0)
    return g_strdup (self->address);
  return g_strdup_printf ("%s <%s>", self->name, self->address);
}

GPtrArray *
hy_address_list_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) hy_address_free);
}

static void
flatten (InternetAddressList *list,
         GPtrArray           *out,
         guint                depth)
{
  int n;

  if (list == NULL || depth > 8)
    return;

  n = internet_address_list_length (list);
  for (int i = 0; i < n; i++)
    {
      InternetAddress *ia = internet_address_list_get_address (list, i);

      if (INTERNET_ADDRESS_IS_MAILBOX (ia))
        {
          const char *addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia));
          const char *name = internet_address_get_name (ia);

          if ((addr == NULL || *addr == '\0') && (name == NULL || *name == '\0'))
            continue;
          g_ptr_array_add (out, hy_address_new (name, addr));
        }
      else if (INTERNET_ADDRESS_IS_GROUP (ia))
        {
          flatten (internet_address_group_get_members (INTERNET_ADDRESS_GROUP (ia)), out, depth + 1);
        }
    }
}

GPtrArray *
hy_address_list_from_gmime (InternetAddressList *list)
{
  GPtrArray *out = hy_address_list_new ();

  flatten (list, out, 0);
  return out;
}

GPtrArray *
hy_address_list_parse (const char *text)
{
  g_autofree char *fixed = NULL;
  g_autoptr(InternetAddressList) list = NULL;

  if (text == NULL)
    return hy_address_list_new ();

  fixed = hy_charset_fix_encoded_words (text);
  list = internet_address_list_parse (hy_charset_get_parser_options (), fixed);
  return hy_address_list_from_gmime (list);
}
