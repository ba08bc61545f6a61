/* hy-imap-utf7.c — mailbox names: IMAP modified UTF-7 (RFC 3501 §5.1.3) and UTF-8
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-imap"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "imap/hy-imap-error.h"
#include "imap/hy-imap-utf7.h"

/* Modified BASE64: "," takes the place of "/", and there is no padding. */
static const char b64_chars[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int
b64_value (guchar c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == ',')
    return 63;
  return -1;
}

static void
flush_utf16 (GString        *out,
             const gunichar2 *units,
             gsize           n_units)
{
  guint32 bits = 0;
  guint n_bits = 0;

  g_string_append_c (out, '&');
  for (gsize i = 0; i < n_units; i++)
    {
      for (int shift = 8; shift >= 0; shift -= 8)
        {
          bits = (bits << 8) | ((units[i] >> shift) & 0xff);
          n_bits += 8;
          while (n_bits >= 6)
            {
              n_bits -= 6;
              g_string_append_c (out, b64_chars[(bits >> n_bits) & 0x3f]);
            }
        }
    }
  if (n_bits > 0)
    g_string_append_c (out, b64_chars[(bits << (6 - n_bits)) & 0x3f]);
  g_string_append_c (out, '-');
}

/**
 * hy_imap_utf7_encode:
 * @utf8: a mailbox name in UTF-8
 *
 * Returns: (transfer full): the name in modified UTF-7, as IMAP servers
 *   without UTF8=ACCEPT expect it, or %NULL if @utf8 is not valid UTF-8.
 */
char *
hy_imap_utf7_encode (const char *utf8)
{
  g_autoptr(GString) out = NULL;
  g_autoptr(GArray) run = NULL;
  const char *p;

  g_return_val_if_fail (utf8 != NULL, NULL);

  if (!g_utf8_validate (utf8, -1, NULL))
    return NULL;

  out = g_string_sized_new (strlen (utf8) + 8);
  run = g_array_new (FALSE, FALSE, sizeof (gunichar2));

  for (p = utf8; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c >= 0x20 && c <= 0x7e)
        {
          if (run->len > 0)
            {
              flush_utf16 (out, (const gunichar2 *) run->data, run->len);
              g_array_set_size (run, 0);
            }
          if (c == '&')
            g_string_append (out, "&-");
          else
            g_string_append_c (out, (char) c);
        }
      else if (c >= 0x10000)
        {
          gunichar2 pair[2];

          c -= 0x10000;
          pair[0] = 0xd800 + (c >> 10);
          pair[1] = 0xdc00 + (c & 0x3ff);
          g_array_append_vals (run, pair, 2);
        }
      else
        {
          gunichar2 unit = (gunichar2) c;

          g_array_append_val (run, unit);
        }
    }
  if (run->len > 0)
    flush_utf16 (out, (const gunichar2 *) run->data, run->len);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
decode_run (GString     *out,
            const char  *b64,
            gsize        len,
            const char  *name,
            GError     **error)
{
  guint32 bits = 0;
  guint n_bits = 0;
  gunichar2 high = 0;
  gboolean have_unit = FALSE;
  guint8 first_byte = 0;

  for (gsize i = 0; i < len; i++)
    {
      int v = b64_value ((guchar) b64[i]);

      if (v < 0)
        goto invalid;
      bits = (bits << 6) | (guint32) v;
      n_bits += 6;
      if (n_bits < 8)
        continue;

      n_bits -= 8;
      {
        guint8 byte = (bits >> n_bits) & 0xff;
        gunichar2 unit;

        if (!have_unit)
          {
            first_byte = byte;
            have_unit = TRUE;
            continue;
          }
        have_unit = FALSE;
        unit = (gunichar2) ((first_byte << 8) | byte);

        if (high != 0)
          {
            if (unit < 0xdc00 || unit > 0xdfff)
              goto invalid;
            g_string_append_unichar (out, 0x10000 + (((gunichar) high - 0xd800) << 10) + (unit - 0xdc00));
            high = 0;
          }
        else if (unit >= 0xd800 && unit <= 0xdbff)
          high = unit;
        else if (unit >= 0xdc00 && unit <= 0xdfff)
          goto invalid;
        else
          g_string_append_unichar (out, unit);
      }
    }

  /* What is left must be fewer than 6 zero bits, and no half unit. */
  if (have_unit || high != 0 || n_bits >= 6 || (bits & ((1u << n_bits) - 1)) != 0)
    goto invalid;
  return TRUE;

invalid:
  {
    g_autofree char *shown = g_utf8_make_valid (name, -1);

    g_set_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_PROTOCOL,
                 _ ("The mailbox name “%s” is not valid modified UTF-7"), shown);
  }
  return FALSE;
}

/**
 * hy_imap_utf7_decode:
 * @utf7: a mailbox name in modified UTF-7, as a server sent it
 * @error: return location for a #HY_IMAP_ERROR_PROTOCOL error
 *
 * Returns: (transfer full): the name in UTF-8, or %NULL if @utf7 is not
 *   valid modified UTF-7.
 */
char *
hy_imap_utf7_decode (const char  *utf7,
                     GError     **error)
{
  g_autoptr(GString) out = NULL;
  const char *p = utf7;

  g_return_val_if_fail (utf7 != NULL, NULL);

  out = g_string_sized_new (strlen (utf7));
  while (*p != '\0')
    {
      guchar c = (guchar) *p;

      if (c == '&')
        {
          const char *start = p + 1;
          const char *end = strchr (start, '-');

          if (end == NULL)
            goto invalid;
          if (end == start)
            g_string_append_c (out, '&');
          else if (!decode_run (out, start, end - start, utf7, error))
            return NULL;
          p = end + 1;
          continue;
        }
      if (c < 0x20 || c > 0x7e)
        goto invalid;
      g_string_append_c (out, (char) c);
      p++;
    }

  return g_string_free (g_steal_pointer (&out), FALSE);

invalid:
  {
    g_autofree char *shown = g_utf8_make_valid (utf7, -1);

    g_set_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_PROTOCOL,
                 _ ("The mailbox name “%s” is not valid modified UTF-7"), shown);
  }
  return NULL;
}
