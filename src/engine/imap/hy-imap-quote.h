/* hy-imap-quote.h — command arguments: choose atom, quoted string or literal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * HyImapArgKind:
 * @HY_IMAP_ARG_ATOM: can be sent as it is
 * @HY_IMAP_ARG_QUOTED: must be sent as a quoted string
 * @HY_IMAP_ARG_LITERAL: must be sent as a literal (CR, LF, NUL, 8-bit data
 *   the server does not accept in quoted strings, or very long)
 */
typedef enum {
  HY_IMAP_ARG_ATOM,
  HY_IMAP_ARG_QUOTED,
  HY_IMAP_ARG_LITERAL,
} HyImapArgKind;

/* Longer strings go as literals, whatever they hold. */
#define HY_IMAP_QUOTED_MAX 1000

HyImapArgKind hy_imap_arg_classify      (const char *data,
                                         gsize       len,
                                         gboolean    utf8_accepted);
void          hy_imap_append_quoted     (GString    *out,
                                         const char *data,
                                         gsize       len);
gboolean      hy_imap_is_atom_char      (guchar      c);

G_END_DECLS
