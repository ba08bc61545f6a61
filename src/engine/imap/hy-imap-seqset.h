/* hy-imap-seqset.h — IMAP sequence sets and UID sets: parse, format, compress
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "*" in a set: the largest number in use. */
#define HY_IMAP_SEQ_STAR G_MAXUINT32

/**
 * HyImapRange:
 * @first: first number, at least 1
 * @last: last number, at least @first; %HY_IMAP_SEQ_STAR for "*"
 *
 * One element of a sequence set.  "5:3" is stored as 3..5, "*:4" as
 * 4..%HY_IMAP_SEQ_STAR.
 */
typedef struct {
  guint32 first;
  guint32 last;
} HyImapRange;

GArray  *hy_imap_seqset_parse      (const char     *text,
                                    gssize          len,
                                    GError        **error);
char    *hy_imap_seqset_format     (const HyImapRange *ranges,
                                    guint           n_ranges);
GArray  *hy_imap_seqset_compress   (const guint32  *numbers,
                                    guint           n_numbers);
char    *hy_imap_seqset_from_uids  (const guint32  *numbers,
                                    guint           n_numbers);
GArray  *hy_imap_seqset_expand     (const HyImapRange *ranges,
                                    guint           n_ranges,
                                    guint32         star,
                                    guint           max_count,
                                    GError        **error);
guint64  hy_imap_seqset_count      (const HyImapRange *ranges,
                                    guint           n_ranges,
                                    guint32         star);
gboolean hy_imap_seqset_contains   (const HyImapRange *ranges,
                                    guint           n_ranges,
                                    guint32         number);

G_END_DECLS
