/* hy-charset.c — decoding text in any declared (or mislabelled) charset to UTF-8
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-mime"

#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "hy-charset.h"

/* What senders declare -> what they mean. The right-hand side is a superset
 * of the left that glibc's iconv knows; mislabelled mail is then decoded
 * correctly without a guess. */
static const struct {
  const char *declared;
  const char *superset;
} supersets[] = {
  { "gb2312", "GB18030" }, { "gb_2312-80", "GB18030" }, { "euc-cn", "GB18030" },
  { "x-euc-cn", "GB18030" }, { "csgb2312", "GB18030" }, { "gbk", "GB18030" },
  { "x-gbk", "GB18030" }, { "cp936", "GB18030" }, { "ms936", "GB18030" },
  { "windows-936", "GB18030" }, { "gb18030", "GB18030" }, { "chinese", "GB18030" },
  { "big5", "BIG5-HKSCS" }, { "big-5", "BIG5-HKSCS" }, { "x-big5", "BIG5-HKSCS" },
  { "cn-big5", "BIG5-HKSCS" }, { "csbig5", "BIG5-HKSCS" }, { "big5-hkscs", "BIG5-HKSCS" },
  { "cp950", "BIG5-HKSCS" },
  { "euc-kr", "CP949" }, { "ks_c_5601-1987", "CP949" }, { "ks_c_5601", "CP949" },
  { "ksc5601", "CP949" }, { "cseuckr", "CP949" }, { "cp949", "CP949" },
  { "windows-949", "CP949" },
  { "shift_jis", "CP932" }, { "shift-jis", "CP932" }, { "sjis", "CP932" },
  { "x-sjis", "CP932" }, { "ms_kanji", "CP932" }, { "csshiftjis", "CP932" },
  { "windows-31j", "CP932" }, { "cp932", "CP932" },
  { "euc-jp", "EUC-JP-MS" }, { "x-euc-jp", "EUC-JP-MS" },
  { "iso-2022-jp", "ISO-2022-JP-2" }, { "csiso2022jp", "ISO-2022-JP-2" },
  { "iso-8859-1", "WINDOWS-1252" }, { "iso8859-1", "WINDOWS-1252" },
  { "latin1", "WINDOWS-1252" }, { "l1", "WINDOWS-1252" }, { "us-ascii", "WINDOWS-1252" },
  { "ascii", "WINDOWS-1252" }, { "ansi_x3.4-1968", "WINDOWS-1252" },
  { "iso-8859-9", "WINDOWS-1254" }, { "latin5", "WINDOWS-1254" },
  { "iso-8859-11", "CP874" }, { "tis-620", "CP874" }, { "windows-874", "CP874" },
  { "utf8", "UTF-8" }, { "utf-8", "UTF-8" }, { "unicode-1-1-utf-8", "UTF-8" },
  { "utf7", "UTF-7" }, { "utf-7", "UTF-7" },
  { "koi8-r", "KOI8-R" }, { "koi8-u", "KOI8-U" },
};

static GMimeParserOptions *parser_options;

GMimeParserOptions *
hy_charset_get_parser_options (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      static const char *fallback[] = { "UTF-8", "GB18030", "windows-1252", NULL };

      parser_options = g_mime_parser_options_new ();
      g_mime_parser_options_set_rfc2047_compliance_mode (parser_options, GMIME_RFC_COMPLIANCE_LOOSE);
      g_mime_parser_options_set_address_compliance_mode (parser_options, GMIME_RFC_COMPLIANCE_LOOSE);
      g_mime_parser_options_set_parameter_compliance_mode (parser_options, GMIME_RFC_COMPLIANCE_LOOSE);
      g_mime_parser_options_set_allow_addresses_without_domain (parser_options, TRUE);
      g_mime_parser_options_set_fallback_charsets (parser_options, fallback);
      g_once_init_leave (&once, 1);
    }
  return parser_options;
}

const char *
hy_charset_superset (const char *charset)
{
  g_autofree char *lower = NULL;
  const char *iconv_name;
  iconv_t cd;

  if (charset == NULL || *charset == '\0')
    return NULL;

  lower = g_ascii_strdown (charset, -1);
  g_strstrip (lower);
  for (gsize i = 0; i < G_N_ELEMENTS (supersets); i++)
    if (strcmp (lower, supersets[i].declared) == 0)
      return supersets[i].superset;

  /* Let GMime's alias table canonicalise the rest (iso_8859-2, latin2,
   * cp1251, …), then ask iconv whether it knows the result. */
  iconv_name = g_mime_charset_iconv_name (charset);
  if (iconv_name == NULL)
    return NULL;
  cd = g_mime_iconv_open ("UTF-8", iconv_name);
  if (cd == (iconv_t) -1)
    return NULL;
  g_mime_iconv_close (cd);
  return iconv_name;
}

static gboolean
is_plain_ascii (const char *data,
                gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if ((guchar) data[i] >= 0x80)
      return FALSE;
  return TRUE;
}

/* Converts with GMime's cache of iconv descriptors (opening one per call
 * costs more than decoding a typical body). With @strict, NULL on any
 * illegal or incomplete sequence; otherwise each undecodable byte becomes
 * U+FFFD. NULL when iconv does not know @charset. */
static char *
convert (const char *data,
         gsize       len,
         const char *charset,
         gboolean    strict)
{
  iconv_t cd;
  GString *out;
  char buf[8192];
  char *in = (char *) data;
  size_t inleft = len;
  gboolean failed = FALSE;

  cd = g_mime_iconv_open ("UTF-8", charset);
  if (cd == (iconv_t) -1)
    return NULL;
  iconv (cd, NULL, NULL, NULL, NULL);

  out = g_string_sized_new (len + len / 2 + 16);
  while (inleft > 0)
    {
      char *outp = buf;
      size_t outleft = sizeof buf;
      size_t r = iconv (cd, &in, &inleft, &outp, &outleft);

      g_string_append_len (out, buf, outp - buf);
      if (r == (size_t) -1 && errno != E2BIG)
        {
          /* EILSEQ, or EINVAL for a sequence cut short at the end. */
          if (strict)
            {
              failed = TRUE;
              break;
            }
          g_string_append (out, "\xEF\xBF\xBD");
          in++;
          inleft--;
          iconv (cd, NULL, NULL, NULL, NULL);
        }
    }
  if (!failed)
    {
      char *outp = buf;
      size_t outleft = sizeof buf;

      iconv (cd, NULL, NULL, &outp, &outleft);
      g_string_append_len (out, buf, outp - buf);
    }
  g_mime_iconv_close (cd);

  if (failed || (strict && (!g_utf8_validate (out->str, out->len, NULL) ||
                            memchr (out->str, '\0', out->len) != NULL)))
    {
      /* A NUL in strict output would cut the text short: let the lossy
       * path keep what follows instead. */
      g_string_free (out, TRUE);
      return NULL;
    }
  /* Strict output was checked just above. */
  if (strict)
    return g_string_free (out, FALSE);
  for (gsize i = 0; i < out->len; i++)
    if (out->str[i] == '\0')
      out->str[i] = ' ';
  if (!g_utf8_validate (out->str, out->len, NULL))
    {
      char *valid = hy_charset_make_valid (out->str, out->len);

      g_string_free (out, TRUE);
      return valid;
    }
  return g_string_free (out, FALSE);
}

static char *
convert_strict (const char *data,
                gsize       len,
                const char *charset)
{
  return convert (data, len, charset, TRUE);
}

static char *
convert_lossy (const char *data,
               gsize       len,
               const char *charset)
{
  char *out = convert (data, len, charset, FALSE);

  return out != NULL ? out : hy_charset_make_valid (data, len);
}

static int
hex_value (char c)
{
  return g_ascii_isxdigit (c) ? g_ascii_xdigit_value (c) : -1;
}

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Writes the decoded bytes of one B or Q payload at @out + *@n (never more
 * bytes than the payload has); FALSE if malformed. */
static gboolean
decode_word_payload (char        encoding,
                     const char *payload,
                     gsize       len,
                     char       *out,
                     gsize      *n)
{
  if (encoding == 'B')
    {
      gsize pad = 0;
      gint state = 0;
      guint save = 0;

      /* GLib's decoder skips what is not base64: check first, so that a
       * malformed word goes to the full decoder. */
      if (len == 0 || len % 4 != 0)
        return FALSE;
      while (pad < 2 && payload[len - 1 - pad] == '=')
        pad++;
      for (gsize i = 0; i < len - pad; i++)
        if (!g_ascii_isalnum (payload[i]) && payload[i] != '+' && payload[i] != '/')
          return FALSE;
      *n += g_base64_decode_step (payload, len, (guchar *) out + *n, &state, &save);
      return TRUE;
    }

  for (gsize i = 0; i < len; i++)
    {
      char c = payload[i];

      if (c == '_')
        out[(*n)++] = ' ';
      else if (c == '=')
        {
          int hi = i + 2 < len ? hex_value (payload[i + 1]) : -1;
          int lo = hi >= 0 ? hex_value (payload[i + 2]) : -1;

          if (lo < 0)
            return FALSE;
          out[(*n)++] = (char) (hi * 16 + lo);
          i += 2;
        }
      else if ((guchar) c > 0x20 && (guchar) c < 0x7f)
        out[(*n)++] = c;
      else
        return FALSE;
    }
  return TRUE;
}

char *
hy_charset_decode_utf8_words (const char *text)
{
  g_autofree char *out = NULL;
  const char *p = text;
  gsize n = 0;

  if (text == NULL || p[0] != '=' || p[1] != '?')
    return NULL;
  /* Decoded words are never longer than their encoding. */
  out = g_malloc (strlen (text) + 1);
  while (*p != '\0')
    {
      const char *q, *payload, *close;
      char encoding;

      /* "=?UTF-8?B?…?=" */
      if (p[0] != '=' || p[1] != '?' || (p[2] | 0x20) != 'u' || (p[3] | 0x20) != 't' ||
          (p[4] | 0x20) != 'f' || p[5] != '-' || p[6] != '8' || p[7] != '?')
        return NULL;
      q = p + 8;
      encoding = g_ascii_toupper (q[0]);
      if ((encoding != 'B' && encoding != 'Q') || q[1] != '?')
        return NULL;
      payload = q + 2;
      close = strstr (payload, "?=");
      if (close == NULL || memchr (payload, '?', close - payload) != NULL)
        return NULL;
      if (!decode_word_payload (encoding, payload, close - payload, out, &n))
        return NULL;
      p = close + 2;
      /* White space between encoded-words is not part of the text; at
       * the end it is, and is left to the full decoder. */
      while (is_space (*p))
        p++;
      if (*p == '\0' && is_space (p[-1]))
        return NULL;
    }
  out[n] = '\0';
  if (memchr (out, '\0', n) != NULL || !g_utf8_validate (out, n, NULL))
    return NULL;
  return g_steal_pointer (&out);
}

char *
hy_charset_make_valid (const char *text,
                       gssize      len)
{
  GString *out;
  const char *p, *end, *bad;

  if (text == NULL)
    return g_strdup ("");
  if (len < 0)
    len = strlen (text);

  if (g_utf8_validate (text, len, NULL))
    {
      char *copy = g_strndup (text, len);

      /* g_strndup stops at NUL: that is the C-string contract here. */
      return copy;
    }

  out = g_string_sized_new (len + 16);
  p = text;
  end = text + len;
  while (p < end)
    {
      if (g_utf8_validate (p, end - p, &bad))
        {
          g_string_append_len (out, p, end - p);
          break;
        }
      g_string_append_len (out, p, bad - p);
      if (*bad == '\0')
        g_string_append_c (out, ' ');
      else
        g_string_append (out, "\xEF\xBF\xBD");
      p = bad + 1;
    }
  for (gsize i = 0; i < out->len; i++)
    if (out->str[i] == '\0')
      out->str[i] = ' ';
  return g_string_free (out, FALSE);
}

static gboolean
is_single_byte_western (const char *superset)
{
  return superset != NULL &&
         (g_ascii_strncasecmp (superset, "WINDOWS-125", 11) == 0 ||
          g_ascii_strncasecmp (superset, "ISO-8859-", 9) == 0 ||
          g_ascii_strncasecmp (superset, "ISO8859-", 8) == 0);
}

static gboolean
is_ascii_compatible (const char *superset)
{
  /* Encodings in which a pure-ASCII byte string may still mean
   * something else (shift sequences). */
  return superset == NULL ||
         (g_ascii_strcasecmp (superset, "UTF-7") != 0 &&
          g_ascii_strncasecmp (superset, "ISO-2022", 8) != 0 &&
          g_ascii_strcasecmp (superset, "HZ") != 0);
}

static gboolean
has_multibyte_utf8 (const char *data,
                    gsize       len)
{
  return !is_plain_ascii (data, len) && g_utf8_validate (data, len, NULL);
}

char *
hy_charset_decode (const char  *data,
                   gsize        len,
                   const char  *declared,
                   char       **defect)
{
  const char *superset;
  const char *locale = NULL;
  char *out;

  if (defect != NULL)
    *defect = NULL;
  if (data == NULL || len == 0)
    return g_strdup ("");

  superset = hy_charset_superset (declared);

  if (is_ascii_compatible (superset) && is_plain_ascii (data, len))
    {
      if (memchr (data, '\0', len) == NULL)
        return g_strndup (data, len);
      return hy_charset_make_valid (data, len);
    }

  /* 1. What the sender declared, taken at its word. Single-byte western
   *    charsets accept any byte, so UTF-8 mislabelled as Latin-1 (very
   *    common) is caught first: Latin-1 text almost never forms valid
   *    multi-byte UTF-8 sequences. */
  if (superset != NULL)
    {
      if (is_single_byte_western (superset) && has_multibyte_utf8 (data, len) &&
          memchr (data, '\0', len) == NULL)
        {
          if (defect != NULL)
            *defect = g_strdup_printf ("text declared as %s is UTF-8; decoded as UTF-8", declared);
          return g_strndup (data, len);
        }

      if (g_ascii_strcasecmp (superset, declared) != 0)
        {
          out = convert_strict (data, len, declared);
          if (out != NULL)
            return out;
        }
      else
        {
          out = convert_strict (data, len, superset);
          if (out != NULL)
            return out;
        }
    }

  /* 2. UTF-8, the most common truth behind a wrong or missing label. */
  if (g_utf8_validate (data, len, NULL) && memchr (data, '\0', len) == NULL)
    {
      if (defect != NULL && superset != NULL && g_ascii_strcasecmp (superset, "UTF-8") != 0)
        *defect = g_strdup_printf ("text declared as %s is UTF-8; decoded as UTF-8", declared);
      else if (defect != NULL && declared != NULL && superset == NULL)
        *defect = g_strdup_printf ("unknown charset “%s”; decoded as UTF-8", declared);
      return g_strndup (data, len);
    }

  /* 3. The superset of the declared charset (GB18030 for GB2312, …). */
  if (superset != NULL && g_ascii_strcasecmp (superset, declared) != 0)
    {
      out = convert_strict (data, len, superset);
      if (out != NULL)
        {
          if (defect != NULL)
            *defect = g_strdup_printf ("text declared as %s decoded as %s", declared, superset);
          return out;
        }
    }

  /* 4. The locale's charset, then the charsets of the mail we see most. */
  if (!g_get_charset (&locale) && locale != NULL)
    {
      out = convert_strict (data, len, locale);
      if (out != NULL)
        {
          if (defect != NULL)
            *defect = g_strdup_printf ("text declared as %s decoded as %s", declared ? declared : "(none)", locale);
          return out;
        }
    }
  if (superset == NULL || g_ascii_strcasecmp (superset, "GB18030") != 0)
    {
      out = convert_strict (data, len, "GB18030");
      if (out != NULL)
        {
          if (defect != NULL)
            *defect = g_strdup_printf ("text declared as %s decoded as GB18030", declared ? declared : "(none)");
          return out;
        }
    }

  /* 5. Keep everything: undecodable bytes become U+FFFD. */
  if (defect != NULL)
    *defect = g_strdup_printf ("text declared as %s has invalid bytes; replaced them", declared ? declared : "(none)");
  return convert_lossy (data, len, superset != NULL ? superset : "WINDOWS-1252");
}

char *
hy_charset_fix_encoded_words (const char *text)
{
  GString *out;
  const char *p;

  if (text == NULL)
    return NULL;
  if (strstr (text, "=?") == NULL)
    return g_strdup (text);

  out = g_string_sized_new (strlen (text) + 16);
  p = text;
  while (*p != '\0')
    {
      const char *start = strstr (p, "=?");
      const char *cs, *cs_end;

      if (start == NULL)
        {
          g_string_append (out, p);
          break;
        }
      g_string_append_len (out, p, start + 2 - p);
      cs = start + 2;
      cs_end = cs;
      while (*cs_end != '\0' && *cs_end != '?' && *cs_end != '*' && cs_end - cs < 40)
        cs_end++;
      if (*cs_end == '?' || *cs_end == '*')
        {
          g_autofree char *name = g_strndup (cs, cs_end - cs);
          const char *superset = hy_charset_superset (name);

          /* Only the CJK supersets: Latin-1 words are already right. */
          if (superset != NULL &&
              (strcmp (superset, "GB18030") == 0 || strcmp (superset, "CP949") == 0 ||
               strcmp (superset, "CP932") == 0 || strcmp (superset, "BIG5-HKSCS") == 0))
            g_string_append (out, superset);
          else
            g_string_append (out, name);
          p = cs_end;
        }
      else
        p = cs;
    }
  return g_string_free (out, FALSE);
}

char *
hy_charset_decode_header (const char *raw)
{
  g_autofree char *fixed = NULL;
  g_autofree char *decoded = NULL;

  if (raw == NULL)
    return NULL;

  decoded = hy_charset_decode_utf8_words (raw);
  if (decoded != NULL)
    return g_strdup (g_strstrip (decoded));
  fixed = hy_charset_fix_encoded_words (raw);
  decoded = g_mime_utils_header_decode_text (hy_charset_get_parser_options (), fixed);
  if (decoded == NULL)
    return hy_charset_make_valid (raw, -1);
  g_strstrip (decoded);
  return hy_charset_make_valid (decoded, -1);
}
