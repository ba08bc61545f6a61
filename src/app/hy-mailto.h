/* hy-mailto.h — parses mailto: URIs (RFC 6068) into composer fields
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HY_TYPE_MAILTO (hy_mailto_get_type ())

typedef struct
{
  /* Each entry as written in the URI; an entry may hold several
   * addresses separated by commas. Never NULL, possibly empty. */
  GStrv  to;
  GStrv  cc;
  GStrv  bcc;
  char  *subject;      /* NULL when absent */
  char  *body;         /* NULL when absent; line breaks as LF */
  char  *in_reply_to;  /* NULL when absent */
} HyMailto;

GType     hy_mailto_get_type (void) G_GNUC_CONST;
/* Returns NULL and sets @error (G_URI_ERROR) when @uri is not a mailto:
 * URI or is not valid UTF-8 once decoded. Header fields other than to,
 * cc, bcc, subject, body and in-reply-to are ignored, as RFC 6068
 * advises for safety. */
HyMailto *hy_mailto_parse    (const char     *uri,
                              GError        **error);
HyMailto *hy_mailto_copy     (const HyMailto *self);
void      hy_mailto_free     (HyMailto       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyMailto, hy_mailto_free)

G_END_DECLS
