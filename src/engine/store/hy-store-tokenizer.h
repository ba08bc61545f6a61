/* hy-store-tokenizer.h — the CJK-aware FTS5 tokenizer of the store ("hongyan")
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* Registers the tokenizer "hongyan" on @db.  Latin and other alphabetic
 * text is split into words, case-folded and stripped of diacritics
 * ("Über" matches "uber").  Han, kana and Hangul are indexed as pairs of
 * neighbours, and each run's last character alone; a query such as 会议
 * looks up the pair, 项目进度 the phrase of pairs "项目 目进 进度", and 会
 * the prefix 会*, so that one- and two-character words are found, which a
 * trigram index cannot do. */
gboolean hy_store_tokenizer_register (sqlite3  *db,
                                      GError  **error);

/* Calls @func for each token of @text as the tokenizer sees it in a
 * document or, with @query, in a search (for tests and for the query
 * parser); @func returns FALSE to stop. */
typedef gboolean (*HyStoreTokenFunc) (const char *token,
                                      gsize       length,
                                      gpointer    user_data);
void     hy_store_tokenize           (const char       *text,
                                      gssize            length,
                                      gboolean          query,
                                      HyStoreTokenFunc  func,
                                      gpointer          user_data);

/* Whether the last token of the search text @text is a lone Han, kana or
 * Hangul character, which must be looked up as a prefix ("会" *): the
 * index has it alone only where a run of them ends. */
gboolean hy_store_tokenizer_ends_in_prefix (const char *text);

G_END_DECLS
