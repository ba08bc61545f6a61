/* hy-store-tokenizer.c — the CJK-aware FTS5 tokenizer of the store ("hongyan")
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "store/hy-store-error.h"
#include "store/hy-store-tokenizer.h"

/* Words longer than this (base64 runs, hashes) are not worth indexing. */
#define MAX_WORD_BYTES 96

typedef enum {
  CLASS_SEPARATOR,
  CLASS_WORD,
  CLASS_CJK,
} CharClass;

static inline gboolean
is_cjk (gunichar c)
{
  if (c >= 0x4E00 && c <= 0x9FFF)         /* unified ideographs: most of it */
    return TRUE;
  if (c < 0x2E80)
    return FALSE;
  return (c >= 0x2E80 && c <= 0x2FDF)     /* CJK and Kangxi radicals */
      || (c >= 0x3005 && c <= 0x3007)     /* 々 〆 〇 */
      || (c >= 0x3040 && c <= 0x30FF)     /* hiragana, katakana */
      || (c >= 0x3100 && c <= 0x312F)     /* bopomofo */
      || (c >= 0x31A0 && c <= 0x31FF)     /* bopomofo ext., katakana ext. */
      || (c >= 0x3400 && c <= 0x4DBF)     /* ext. A */
      || (c >= 0xA960 && c <= 0xA97F)     /* Hangul jamo ext. A */
      || (c >= 0xAC00 && c <= 0xD7AF)     /* Hangul syllables */
      || (c >= 0xF900 && c <= 0xFAFF)     /* compatibility ideographs */
      || (c >= 0xFF66 && c <= 0xFF9D)     /* half-width katakana */
      || (c >= 0x20000 && c <= 0x3FFFF);  /* ext. B and later */
}

static CharClass
classify (gunichar c)
{
  if (c < 0x80)
    return g_ascii_isalnum (c) ? CLASS_WORD : CLASS_SEPARATOR;
  if (is_cjk (c))
    return CLASS_CJK;
  if (g_unichar_isalnum (c) || g_unichar_ismark (c))
    return CLASS_WORD;
  return CLASS_SEPARATOR;
}

/* Case-folds @word (with letters beyond ASCII; tokenize() lower-cases the
 * others itself) and removes diacritics; @out is reused between calls. */
static void
fold_word (const char *word,
           gsize       length,
           GString    *out)
{
  g_autofree char *decomposed = g_utf8_normalize (word, length, G_NORMALIZE_NFKD);
  g_autofree char *folded = NULL;
  g_autofree char *composed = NULL;
  GString *bare;

  g_string_truncate (out, 0);
  if (decomposed == NULL)
    return;
  bare = g_string_sized_new (length);
  for (const char *p = decomposed; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (!g_unichar_ismark (c))
        g_string_append_unichar (bare, c);
    }
  folded = g_utf8_casefold (bare->str, bare->len);
  g_string_free (bare, TRUE);
  composed = g_utf8_normalize (folded, -1, G_NORMALIZE_NFKC);
  if (composed != NULL)
    g_string_append (out, composed);
}

typedef int (*TokenCallback) (void       *ctx,
                              int         tflags,
                              const char *token,
                              int         n_token,
                              int         start,
                              int         end);

/* The character at @p (not ASCII, before @end), with *@next set after it;
 * (gunichar) -1 where the bytes are not UTF-8, as
 * g_utf8_get_char_validated() judges them (no overlong forms, surrogates
 * or code points past U+10FFFF).  Two- and three-byte forms, which are
 * nearly all the text mail has, are decoded here; others by GLib. */
static inline gunichar
next_char (const char  *p,
           const char  *end,
           const char **next)
{
  const guchar *u = (const guchar *) p;
  gunichar c;

  if (u[0] >= 0xC2 && u[0] <= 0xDF && end - p >= 2 && (u[1] & 0xC0) == 0x80)
    {
      *next = p + 2;
      return ((u[0] & 0x1F) << 6) | (u[1] & 0x3F);
    }
  if (u[0] >= 0xE0 && u[0] <= 0xEF && end - p >= 3
      && (u[1] & 0xC0) == 0x80 && (u[2] & 0xC0) == 0x80
      && (u[0] != 0xE0 || u[1] >= 0xA0)      /* not overlong */
      && (u[0] != 0xED || u[1] <= 0x9F))     /* not a surrogate */
    {
      *next = p + 3;
      return ((u[0] & 0x0F) << 12) | ((u[1] & 0x3F) << 6) | (u[2] & 0x3F);
    }
  c = g_utf8_get_char_validated (p, end - p);
  if (c == (gunichar) -1 || c == (gunichar) -2)
    return (gunichar) -1;
  *next = g_utf8_next_char (p);
  return c;
}

/* The CJK character at @p, @length bytes of valid UTF-8, copied (and
 * folded) into @out; returns the length of the copy. */
static inline gsize
cjk_char (const char *p,
          gsize       length,
          char       *out)
{
  for (gsize i = 0; i < length; i++)
    out[i] = p[i];
  out[length] = '\0';
  /* Half-width katakana (U+FF66 to U+FF9D: EF BD A6 to EF BE 9D) fold to
   * their full-width forms. */
  if (length == 3 && (guchar) p[0] == 0xEF
      && (((guchar) p[1] == 0xBD && (guchar) p[2] >= 0xA6) || ((guchar) p[1] == 0xBE && (guchar) p[2] <= 0x9D)))
    {
      g_autofree char *normal = g_utf8_normalize (out, length, G_NORMALIZE_NFKC);

      if (normal != NULL && strlen (normal) < 8)
        {
          length = strlen (normal);
          memcpy (out, normal, length + 1);
        }
    }
  return length;
}

/* The length of the CJK character at @p, or 0 if there is none. */
static inline gsize
cjk_at (const char *p,
        const char *end)
{
  const char *next;
  gunichar c;

  if (p >= end || (guchar) *p < 0x80)
    return 0;
  c = next_char (p, end, &next);
  return c != (gunichar) -1 && is_cjk (c) ? (gsize) (next - p) : 0;
}

/* A run of Han, kana or Hangul characters.  A document indexes every
 * pair of neighbours, each at the position of its first character, and
 * the run's last character alone after them: 会议室 is 会议 议室 室.  A
 * query of two or more characters looks up its pairs as a phrase (会议 is
 * one look-up of a pair rather than a phrase of two very common
 * characters), followed by its last character when more text follows in
 * the query, where the document's run must end as well.  A query that
 * ends in a lone character looks it up as a prefix (会* finds 会议 and a
 * 会 ending a run; see hy_store_tokenizer_ends_in_prefix()), so that one
 * character is found wherever it is.  Indexing the pairs without every
 * single character halves what a Chinese text adds to the index.
 *
 * In a query, the last character of a run of two or more is returned in
 * @last instead of emitted: the caller emits it if another token follows. */
typedef struct {
  char   text[8];
  gsize  length;
  int    start;
  int    end;
} HeldChar;

static int
tokenize_cjk_run (const char     *text,
                  const char     *end,
                  const char     *start,
                  gsize           start_len,
                  gboolean        query,
                  TokenCallback   emit,
                  void           *ctx,
                  const char    **run_end,
                  HeldChar       *last)
{
  char current[8], second[8], pair[16];
  const char *p = start;
  const char *next = start + start_len;
  gsize current_len;
  gsize more;
  int rc = SQLITE_OK;

  current_len = cjk_char (p, start_len, current);
  more = cjk_at (next, end);

  while (more > 0 && rc == SQLITE_OK)
    {
      const char *after = next + more;
      gsize second_len = cjk_char (next, more, second);

      /* Characters are a few bytes: copied inline, not by memcpy(). */
      for (gsize i = 0; i < current_len; i++)
        pair[i] = current[i];
      for (gsize i = 0; i < second_len; i++)
        pair[current_len + i] = second[i];
      rc = emit (ctx, 0, pair, current_len + second_len, p - text, after - text);
      for (gsize i = 0; i <= second_len; i++)
        current[i] = second[i];
      current_len = second_len;
      p = next;
      next = after;
      more = cjk_at (next, end);
    }
  *run_end = next;
  if (rc != SQLITE_OK)
    return rc;
  if (query && p != start)
    {
      memcpy (last->text, current, current_len + 1);
      last->length = current_len;
      last->start = p - text;
      last->end = next - text;
      return SQLITE_OK;
    }
  return emit (ctx, 0, current, current_len, p - text, next - text);
}

/* Emits a query's held character, if any: a token follows it. */
static int
emit_held (HeldChar      *held,
           TokenCallback  emit,
           void          *ctx)
{
  int rc = SQLITE_OK;

  if (held->length > 0)
    rc = emit (ctx, 0, held->text, held->length, held->start, held->end);
  held->length = 0;
  return rc;
}

/* Emits the ASCII word @word of @n bytes (at most MAX_WORD_BYTES),
 * lower-cased in @buffer: no allocation. */
static int
emit_ascii_word (const char    *text,
                 const char    *word,
                 gsize          n,
                 char          *buffer,
                 TokenCallback  emit,
                 void          *ctx)
{
  for (gsize i = 0; i < n; i++)
    buffer[i] = word[i] >= 'A' && word[i] <= 'Z' ? word[i] + ('a' - 'A') : word[i];
  return emit (ctx, 0, buffer, n, word - text, word + n - text);
}

static int
tokenize (const char    *text,
          gsize          length,
          gboolean       query,
          TokenCallback  emit,
          void          *ctx)
{
  g_autoptr(GString) folded = NULL;   /* for words with non-ASCII letters */
  char ascii_word[MAX_WORD_BYTES];
  const char *end = text + length;
  const char *p = text;
  const char *word_start = NULL;
  gboolean word_ascii = TRUE;
  HeldChar held = { { 0 }, 0, 0, 0 };  /* a query's lone character, emitted if a token follows */
  int rc = SQLITE_OK;

  for (;;)
    {
      gunichar c;
      const char *next;
      CharClass klass;

      /* Most text is ASCII: its separators are skipped and its words
       * taken whole here, unless a word goes on past ASCII, which the
       * general path below takes character by character. */
      if (word_start == NULL && p < end && (guchar) *p < 0x80)
        {
          const char *w = p;

          if (!g_ascii_isalnum (*p))
            {
              do
                p++;
              while (p < end && (guchar) *p < 0x80 && !g_ascii_isalnum (*p));
              continue;
            }
          while (p < end && (guchar) *p < 0x80 && g_ascii_isalnum (*p))
            p++;
          if (p == end || (guchar) *p < 0x80)
            {
              rc = emit_held (&held, emit, ctx);
              if (rc == SQLITE_OK && (gsize) (p - w) <= MAX_WORD_BYTES)
                rc = emit_ascii_word (text, w, p - w, ascii_word, emit, ctx);
              if (rc != SQLITE_OK)
                break;
              continue;
            }
          p = w;
        }

      if (p == end)
        {
          c = 0;
          next = end;
          klass = CLASS_SEPARATOR;
        }
      else if ((guchar) *p < 0x80)
        {
          c = (guchar) *p;
          next = p + 1;
          klass = classify (c);
        }
      else
        {
          c = next_char (p, end, &next);
          if (c == (gunichar) -1)
            {
              /* Not UTF-8: treat the byte as a separator. */
              c = 0;
              next = p + 1;
              klass = CLASS_SEPARATOR;
            }
          else
            klass = classify (c);
        }

      if (klass == CLASS_WORD)
        {
          if (word_start == NULL)
            {
              word_start = p;
              word_ascii = TRUE;
            }
          if (c >= 0x80)
            word_ascii = FALSE;
        }
      else
        {
          if (word_start != NULL)
            {
              gsize n = p - word_start;

              rc = emit_held (&held, emit, ctx);
              if (rc != SQLITE_OK)
                break;

              if (n <= MAX_WORD_BYTES && word_ascii)
                rc = emit_ascii_word (text, word_start, n, ascii_word, emit, ctx);
              else if (n <= MAX_WORD_BYTES)
                {
                  if (folded == NULL)
                    folded = g_string_sized_new (64);
                  fold_word (word_start, n, folded);
                  if (folded->len > 0)
                    rc = emit (ctx, 0, folded->str, folded->len,
                               word_start - text, p - text);
                }
              word_start = NULL;
            }
          if (klass == CLASS_CJK && rc == SQLITE_OK)
            rc = emit_held (&held, emit, ctx);
          if (klass == CLASS_CJK && rc == SQLITE_OK)
            rc = tokenize_cjk_run (text, end, p, next - p, query, emit, ctx, &next, &held);
        }
      if (p == end || rc != SQLITE_OK)
        break;
      p = next;
    }

  return rc;
}

gboolean
hy_store_tokenizer_ends_in_prefix (const char *text)
{
  const char *end;
  guint run = 0;              /* CJK characters in a row so far */
  guint last_run = 0;         /* in the last run */
  gboolean word_after = FALSE;

  g_return_val_if_fail (text != NULL, FALSE);

  end = text + strlen (text);
  for (const char *p = text; p < end;)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);
      CharClass klass = CLASS_SEPARATOR;

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          p++;
        }
      else
        {
          klass = classify (c);
          p = g_utf8_next_char (p);
        }
      if (klass == CLASS_CJK)
        {
          last_run = ++run;
          word_after = FALSE;
          continue;
        }
      run = 0;
      if (klass == CLASS_WORD)
        word_after = TRUE;
    }
  return last_run == 1 && !word_after;
}

/* FTS5 glue. */

typedef struct {
  int unused;
} HyTokenizer;

static int
tokenizer_create (void                  *user_data,
                  const char           **args,
                  int                    n_args,
                  Fts5Tokenizer        **out)
{
  HyTokenizer *self = g_new0 (HyTokenizer, 1);

  *out = (Fts5Tokenizer *) self;
  return SQLITE_OK;
}

static void
tokenizer_delete (Fts5Tokenizer *tokenizer)
{
  g_free (tokenizer);
}

static int
tokenizer_tokenize (Fts5Tokenizer *tokenizer,
                    void          *ctx,
                    int            flags,
                    const char    *text,
                    int            n_text,
                    TokenCallback  emit)
{
  if (text == NULL || n_text <= 0)
    return SQLITE_OK;
  return tokenize (text, n_text, (flags & FTS5_TOKENIZE_QUERY) != 0, emit, ctx);
}

static fts5_api *
get_fts5_api (sqlite3 *db)
{
  fts5_api *api = NULL;
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, "SELECT fts5(?1)", -1, &stmt, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_pointer (stmt, 1, (void *) &api, "fts5_api_ptr", NULL);
  sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  return api;
}

gboolean
hy_store_tokenizer_register (sqlite3  *db,
                             GError  **error)
{
  static fts5_tokenizer tokenizer = {
    tokenizer_create,
    tokenizer_delete,
    tokenizer_tokenize,
  };
  fts5_api *api;

  g_return_val_if_fail (db != NULL, FALSE);

  api = get_fts5_api (db);
  if (api == NULL || api->iVersion < 2)
    {
      g_set_error (error, HY_STORE_ERROR, HY_STORE_ERROR_OPEN,
                   _ ("This SQLite library has no FTS5 full-text search; "
                      "install an SQLite built with FTS5 (Debian's libsqlite3-0 is)"));
      return FALSE;
    }
  if (api->xCreateTokenizer (api, "hongyan", NULL, &tokenizer, NULL) != SQLITE_OK)
    {
      g_set_error (error, HY_STORE_ERROR, HY_STORE_ERROR_OPEN,
                   _ ("Cannot register the full-text tokenizer: %s"), sqlite3_errmsg (db));
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  HyStoreTokenFunc func;
  gpointer user_data;
} ForeachData;

static int
foreach_emit (void       *ctx,
              int         tflags,
              const char *token,
              int         n_token,
              int         start,
              int         end)
{
  ForeachData *data = ctx;
  g_autofree char *copy = g_strndup (token, n_token);

  return data->func (copy, n_token, data->user_data) ? SQLITE_OK : SQLITE_DONE;
}

void
hy_store_tokenize (const char       *text,
                   gssize            length,
                   gboolean          query,
                   HyStoreTokenFunc  func,
                   gpointer          user_data)
{
  ForeachData data = { func, user_data };

  g_return_if_fail (func != NULL);

  if (text == NULL)
    return;
  if (length < 0)
    length = strlen (text);
  tokenize (text, length, query, foreach_emit, &data);
}
