/* hy-smtp-stuffer.h — message bytes to SMTP DATA form, on the fly
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Transforms a message, chunk by chunk, into what goes on the wire: line ends
 * become CRLF (bare LF and bare CR included), lines starting with "." get a
 * second one (dot-stuffing, only when @dot_stuff), Bcc header fields (with
 * their continuation lines) are dropped when @strip_bcc, and finishing adds a
 * missing final CRLF.  Memory stays bounded by the chunk size plus the longest
 * header line (header lines are held until their end; a header line over
 * 64 KiB is passed through unexamined).
 */

typedef struct _HySmtpStuffer HySmtpStuffer;

HySmtpStuffer *hy_smtp_stuffer_new    (gboolean        dot_stuff,
                                       gboolean        strip_bcc);
void           hy_smtp_stuffer_free   (HySmtpStuffer  *stuffer);
void           hy_smtp_stuffer_feed   (HySmtpStuffer  *stuffer,
                                       const guint8   *data,
                                       gsize           length,
                                       GByteArray     *out);
void           hy_smtp_stuffer_finish (HySmtpStuffer  *stuffer,
                                       GByteArray     *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HySmtpStuffer, hy_smtp_stuffer_free)

G_END_DECLS
