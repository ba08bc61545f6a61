/* hy-store-query.h — the search language of the store, parsed into SQL and FTS5
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* A parsed search such as
 *
 *   from:alice "quarterly report" 会议 -draft has:attachment is:unread
 *   after:2024-01-01 before:2024/06/30 in:INBOX subject:(budget) to:bob
 *
 * Words and "phrases" search subject, addresses and body text; a leading
 * "-" excludes; from: to: cc: subject: body: limit to one field;
 * has:attachment, is:unread/read/flagged/unflagged/answered/draft,
 * before:DATE (earlier than that day) and after:DATE (that day or later)
 * with DATE as YYYY-MM-DD, YYYY/MM/DD or YYYY-MM, and in:FOLDER (a folder
 * name or a role such as in:sent) filter.  Words are ANDed. */
typedef struct _HyStoreQuery HyStoreQuery;

HyStoreQuery *hy_store_query_parse     (const char    *text,
                                        GError       **error);
void          hy_store_query_free      (HyStoreQuery  *query);

/* The FTS5 MATCH expression, or NULL when the query has no text terms. */
const char   *hy_store_query_get_match (HyStoreQuery  *query);
/* A full SELECT of the matching message ids, newest first, and its
 * parameters bound to @stmt prepared from it. */
const char   *hy_store_query_get_sql   (HyStoreQuery  *query);
gboolean      hy_store_query_bind      (HyStoreQuery  *query,
                                        sqlite3_stmt  *stmt);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyStoreQuery, hy_store_query_free)

G_END_DECLS
