/* hy-charset.h — decoding text in any declared (or mislabelled) charset to UTF-8
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <gmime/gmime.h>

G_BEGIN_DECLS

/* The parser options every reader in the engine uses: loose RFC compliance,
 * and fallback charsets for raw 8-bit headers (UTF-8, GB18030, windows-1252).
 * Owned by the engine; never free it. */
GMimeParserOptions *hy_charset_get_parser_options (void);

/* The iconv name of the superset real mail means by @charset (GB18030 for
 * GB2312/GBK, CP949 for EUC-KR, CP932 for Shift_JIS, windows-1252 for
 * ISO-8859-1/US-ASCII, …), or NULL when @charset is unknown. */
const char *hy_charset_superset (const char *charset);

/* Decodes @len bytes of @data, declared as @declared (may be NULL), to valid
 * UTF-8. Never fails and never drops text: when the declared charset is wrong
 * or unknown it tries UTF-8, the declared charset's superset, the locale
 * charset, and finally replaces undecodable bytes with U+FFFD. When a
 * fallback was needed and @defect is not NULL, *@defect is set to a sentence
 * saying what happened (otherwise to NULL). */
char *hy_charset_decode (const char  *data,
                         gsize        len,
                         const char  *declared,
                         char       **defect);

/* Rewrites the charset names of RFC 2047 encoded-words to the supersets real
 * senders mean (=?gb2312?…  -> =?GB18030?…). Returns a new string. */
char *hy_charset_fix_encoded_words (const char *text);

/* Decodes an unstructured header value (RFC 2047, raw 8-bit) to UTF-8. */
char *hy_charset_decode_header (const char *raw);

/* Decodes @text when it is only RFC 2047 encoded-words in UTF-8 (B or Q)
 * separated by white space, which is how most mail programs write a
 * non-ASCII name or subject, without GMime's general decoder: the result
 * is the same, several times faster.  Returns NULL for anything else
 * (other charsets, plain words among them, a malformed word, bytes that
 * are not UTF-8), for the caller to decode in full. */
char *hy_charset_decode_utf8_words (const char *text);

/* Returns a copy of @text with invalid UTF-8 replaced by U+FFFD. */
char *hy_charset_make_valid (const char *text,
                             gssize      len);

G_END_DECLS
