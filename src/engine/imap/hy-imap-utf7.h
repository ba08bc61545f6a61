/* hy-imap-utf7.h — mailbox names: IMAP modified UTF-7 (RFC 3501 §5.1.3) and UTF-8
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *hy_imap_utf7_encode (const char  *utf8);
char *hy_imap_utf7_decode (const char  *utf7,
                           GError     **error);

G_END_DECLS
