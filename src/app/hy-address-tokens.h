/* hy-address-tokens.h — splits what a person types into an address field
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Splits "Name <a@b>, c@d; e@f" into one string per recipient. Commas and
 * semicolons separate recipients unless they are inside a quoted display
 * name, angle brackets or a comment; each piece is trimmed and empty
 * pieces are dropped. Never returns NULL. */
GStrv    hy_address_tokens_split    (const char *text);

/* TRUE when @token is exactly one deliverable mailbox, for example
 * "Name <a@example.org>" or "a@example.org". */
gboolean hy_address_token_is_valid  (const char *token);

G_END_DECLS
