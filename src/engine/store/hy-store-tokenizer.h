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
 * ("Über" matches "uber"); every Han, kana and Hangul character is a token
 * of its own, so that a query string such as 会议 becomes the phrase
 * "会 议" and finds two-character words that a trigram index cannot. */
gboolean hy_store_tokenizer_register (sqlite3  *db,
                                      GError  **error);

/* Calls @func for each token of @text as the tokenizer sees it (for tests
 * and for the query parser); @func returns FALSE to stop. */
typedef gboolean (*HyStoreTokenFunc) (const char *token,
                                      gsize       length,
                                      gpointer    user_data);
void     hy_store_tokenize           (const char       *text,
                                      gssize            length,
                                      HyStoreTokenFunc  func,
                                      gpointer          user_data);

G_END_DECLS
