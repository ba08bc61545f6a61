/* hy-imap-quote.c — command arguments: choose atom, quoted string or literal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-imap"

#include "config.h"

#include <string.h>

#include "imap/hy-imap-quote.h"

/**
 * hy_imap_is_atom_char:
 *
 * Returns: whether @c is an ATOM-CHAR of RFC 3501 (printable ASCII except
 *   atom-specials "(){ %*\"\\]")
 */
gboolean
hy_imap_is_atom_char (guchar c)
{
  if (c <= 0x20 || c >= 0x7f)
    return FALSE;
  return strchr ("(){%*\"\\]", c) == NULL;
}

/**
 * hy_imap_arg_classify:
 * @data: the argument's bytes
 * @len: their length
 * @utf8_accepted: whether UTF8=ACCEPT is enabled, so that valid UTF-8 may be
 *   sent in a quoted string
 *
 * Chooses the simplest form in which @data reaches the server unchanged.
 * An empty string and "NIL" are quoted so that they are never mistaken for
 * something else.
 */
HyImapArgKind
hy_imap_arg_classify (const char *data,
                      gsize       len,
                      gboolean    utf8_accepted)
{
  gboolean atom = len > 0;
  gboolean eight_bit = FALSE;

  if (len > HY_IMAP_QUOTED_MAX)
    return HY_IMAP_ARG_LITERAL;

  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) data[i];

      if (c == '\0' || c == '\r' || c == '\n')
        return HY_IMAP_ARG_LITERAL;
      if (c >= 0x80)
        eight_bit = TRUE;
      if (!hy_imap_is_atom_char (c))
        atom = FALSE;
    }

  if (eight_bit)
    {
      if (utf8_accepted && g_utf8_validate (data, len, NULL))
        return HY_IMAP_ARG_QUOTED;
      return HY_IMAP_ARG_LITERAL;
    }
  if (atom && !(len == 3 && g_ascii_strncasecmp (data, "NIL", 3) == 0))
    return HY_IMAP_ARG_ATOM;
  return HY_IMAP_ARG_QUOTED;
}

/**
 * hy_imap_append_quoted:
 *
 * Appends @data as a quoted string, escaping '"' and '\'.  The caller has
 * checked with hy_imap_arg_classify() that it may be quoted.
 */
void
hy_imap_append_quoted (GString    *out,
                       const char *data,
                       gsize       len)
{
  g_string_append_c (out, '"');
  for (gsize i = 0; i < len; i++)
    {
      if (data[i] == '"' || data[i] == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, data[i]);
    }
  g_string_append_c (out, '"');
}
