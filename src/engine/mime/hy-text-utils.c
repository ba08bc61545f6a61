/* hy-text-utils.c — text helpers for reading and replying: format=flowed,
 * HTML to plain text, quoting, subject prefixes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-mime"

#include "config.h"

#include <string.h>
#include <gmime/gmime.h>

#include "hy-text-utils.h"

char *
hy_text_normalize_newlines (const char *text)
{
  GString *out;

  if (text == NULL)
    return NULL;
  if (strchr (text, '\r') == NULL)
    return g_strdup (text);

  out = g_string_sized_new (strlen (text));
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\r')
        {
          g_string_append_c (out, '\n');
          if (p[1] == '\n')
            p++;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

char *
hy_text_flowed_decode (const char *text,
                       gboolean    delsp)
{
  g_auto(GStrv) lines = NULL;
  GString *out;
  GString *para = NULL;
  int para_depth = -1;

  if (text == NULL)
    return NULL;

  lines = g_strsplit (text, "\n", -1);
  out = g_string_sized_new (strlen (text));

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      int depth = 0;
      gsize len;
      gboolean soft;

      /* The last element after a trailing newline is empty: not a line. */
      if (lines[i + 1] == NULL && *line == '\0')
        break;

      while (line[0] == '>')
        {
          depth++;
          line++;
        }
      if (line[0] == ' ')
        line++;   /* space-stuffing (or the space after the quote marks) */

      len = strlen (line);
      /* The signature separator is never a flowed line. */
      soft = len > 0 && line[len - 1] == ' ' && strcmp (line, "-- ") != 0;

      if (para != NULL && depth != para_depth)
        {
          /* A quote depth change ends a paragraph even after a soft break. */
          for (int d = 0; d < para_depth; d++)
            g_string_append_c (out, '>');
          if (para_depth > 0)
            g_string_append_c (out, ' ');
          g_string_append (out, para->str);
          g_string_append_c (out, '\n');
          g_string_free (para, TRUE);
          para = NULL;
        }
      if (para == NULL)
        {
          para = g_string_new (NULL);
          para_depth = depth;
        }

      if (soft && delsp)
        g_string_append_len (para, line, len - 1);
      else
        g_string_append_len (para, line, len);

      if (!soft)
        {
          for (int d = 0; d < para_depth; d++)
            g_string_append_c (out, '>');
          if (para_depth > 0)
            g_string_append_c (out, ' ');
          g_string_append (out, para->str);
          g_string_append_c (out, '\n');
          g_string_free (para, TRUE);
          para = NULL;
        }
    }
  if (para != NULL)
    {
      for (int d = 0; d < para_depth; d++)
        g_string_append_c (out, '>');
      if (para_depth > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, para->str);
      g_string_append_c (out, '\n');
      g_string_free (para, TRUE);
    }
  return g_string_free (out, FALSE);
}

static const struct {
  const char *name;
  const char *utf8;
} entities[] = {
  { "nbsp", " " }, { "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" },
  { "apos", "'" }, { "copy", "©" }, { "reg", "®" }, { "hellip", "…" }, { "mdash", "—" },
  { "ndash", "–" }, { "lsquo", "‘" }, { "rsquo", "’" }, { "ldquo", "“" }, { "rdquo", "”" },
  { "middot", "·" }, { "bull", "•" }, { "yen", "¥" }, { "euro", "€" }, { "times", "×" },
  { "laquo", "«" }, { "raquo", "»" }, { "zwnj", "" }, { "zwj", "" }, { "shy", "" },
};

/* Decodes the entity at @p (just after '&'); returns the bytes consumed
 * (0 when it is not an entity) and appends the text to @out. */
static gsize
decode_entity (const char *p,
               GString    *out)
{
  const char *semi = strchr (p, ';');
  gsize n;

  if (semi == NULL || semi - p > 10 || semi == p)
    return 0;
  n = semi - p;

  if (p[0] == '#')
    {
      gunichar c;
      char *end = NULL;

      if (p[1] == 'x' || p[1] == 'X')
        c = (gunichar) g_ascii_strtoull (p + 2, &end, 16);
      else
        c = (gunichar) g_ascii_strtoull (p + 1, &end, 10);
      if (end != semi)
        return 0;
      if (c == 0 || !g_unichar_validate (c))
        c = 0xFFFD;
      g_string_append_unichar (out, c);
      return n + 1;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (entities); i++)
    if (strlen (entities[i].name) == n && strncmp (p, entities[i].name, n) == 0)
      {
        g_string_append (out, entities[i].utf8);
        return n + 1;
      }
  return 0;
}

static gboolean
tag_is (const char *tag,
        gsize       len,
        const char *name)
{
  gsize n = strlen (name);

  return len == n && g_ascii_strncasecmp (tag, name, n) == 0;
}

/* The '>' that ends a tag, skipping quoted attribute values. */
static const char *
tag_end (const char *p)
{
  char quote = 0;

  for (; *p != '\0'; p++)
    {
      if (quote != 0)
        {
          if (*p == quote)
            quote = 0;
        }
      else if (*p == '"' || *p == '\'')
        quote = *p;
      else if (*p == '>')
        return p;
    }
  return NULL;
}

char *
hy_text_html_to_plain (const char *html)
{
  static const char * const block[] = {
    "p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table",
    "blockquote", "pre", "hr", "ul", "ol", "section", "article", "header", "footer",
    NULL
  };
  GString *out;
  const char *p;
  gboolean space = FALSE;

  if (html == NULL)
    return NULL;

  out = g_string_sized_new (strlen (html) / 2);
  p = html;
  while (*p != '\0')
    {
      if (*p == '<')
        {
          const char *name = p + 1;
          const char *name_end;
          const char *close;
          gboolean closing = FALSE;

          if (strncmp (p, "<!--", 4) == 0)
            {
              const char *end = strstr (p + 4, "-->");
              p = end ? end + 3 : p + strlen (p);
              continue;
            }
          if (*name == '/')
            {
              closing = TRUE;
              name++;
            }
          name_end = name;
          while (g_ascii_isalnum (*name_end))
            name_end++;
          close = tag_end (name_end);
          if (close == NULL)
            break;

          if (!closing && (tag_is (name, name_end - name, "style") ||
                           tag_is (name, name_end - name, "script") ||
                           tag_is (name, name_end - name, "head") ||
                           tag_is (name, name_end - name, "title")))
            {
              g_autofree char *end_tag = g_strdup_printf ("</%.*s", (int) (name_end - name), name);
              const char *q = close + 1;
              const char *found = NULL;

              for (; *q != '\0'; q++)
                if (*q == '<' && g_ascii_strncasecmp (q, end_tag, strlen (end_tag)) == 0)
                  {
                    found = q;
                    break;
                  }
              if (found == NULL)
                break;
              close = tag_end (found);
              if (close == NULL)
                break;
              p = close + 1;
              continue;
            }

          for (guint i = 0; block[i] != NULL; i++)
            if (tag_is (name, name_end - name, block[i]))
              {
                if (out->len > 0 && out->str[out->len - 1] != '\n')
                  g_string_append_c (out, '\n');
                else if (tag_is (name, name_end - name, "br"))
                  g_string_append_c (out, '\n');
                space = FALSE;
                break;
              }
          if (!closing && tag_is (name, name_end - name, "td") && out->len > 0 &&
              out->str[out->len - 1] != '\n')
            g_string_append_c (out, '\t');
          p = close + 1;
          continue;
        }

      if (*p == '&')
        {
          gsize used = decode_entity (p + 1, out);

          if (used > 0)
            {
              p += used + 1;
              space = FALSE;
              continue;
            }
        }

      if (g_ascii_isspace (*p))
        {
          if (!space && out->len > 0 && out->str[out->len - 1] != '\n')
            g_string_append_c (out, ' ');
          space = TRUE;
          p++;
          continue;
        }
      space = FALSE;
      g_string_append_c (out, *p);
      p++;
    }

  /* Trim trailing blank lines and spaces. */
  while (out->len > 0 && g_ascii_isspace (out->str[out->len - 1]))
    g_string_truncate (out, out->len - 1);
  if (out->len > 0)
    g_string_append_c (out, '\n');
  return g_string_free (out, FALSE);
}

char *
hy_text_quote (const char *text)
{
  g_auto(GStrv) lines = NULL;
  GString *out;
  guint n;

  if (text == NULL)
    return g_strdup ("");

  lines = g_strsplit (text, "\n", -1);
  n = g_strv_length (lines);
  if (n > 0 && *lines[n - 1] == '\0')
    n--;

  out = g_string_new (NULL);
  for (guint i = 0; i < n; i++)
    {
      if (lines[i][0] == '>')
        g_string_append (out, ">");
      else if (lines[i][0] != '\0')
        g_string_append (out, "> ");
      else
        g_string_append (out, ">");
      g_string_append (out, lines[i]);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

static const char * const reply_prefixes[] = {
  "re", "aw", "sv", "antw", "vs", "rif", "回复", "答复", "回覆", "覆", "答覆", NULL
};
static const char * const forward_prefixes[] = {
  "fwd", "fw", "wg", "tr", "enc", "rv", "转发", "轉寄", "转寄", "轉發", NULL
};

/* If @s starts with one of @prefixes followed by an optional "[n]" or
 * "(n)" counter and a colon (half- or full-width), returns the text after
 * it (spaces skipped); otherwise NULL. */
static const char *
skip_prefix (const char         *s,
             const char * const *prefixes)
{
  for (guint i = 0; prefixes[i] != NULL; i++)
    {
      gsize n = strlen (prefixes[i]);
      const char *p;

      if (g_ascii_strncasecmp (s, prefixes[i], n) != 0)
        continue;
      p = s + n;
      if (*p == '[' || *p == '(')
        {
          char closer = *p == '[' ? ']' : ')';

          p++;
          while (g_ascii_isdigit (*p))
            p++;
          if (*p != closer)
            continue;
          p++;
        }
      while (*p == ' ')
        p++;
      if (*p == ':')
        p++;
      else if (strncmp (p, "：", strlen ("：")) == 0)
        p += strlen ("：");
      else
        continue;
      while (*p == ' ' || *p == '\t' || strncmp (p, "\xE3\x80\x80", 3) == 0)
        p += (*p == ' ' || *p == '\t') ? 1 : 3;
      return p;
    }
  return NULL;
}

char *
hy_subject_strip_prefixes (const char *subject)
{
  const char *p;

  if (subject == NULL)
    return g_strdup ("");

  p = subject;
  while (*p == ' ' || *p == '\t')
    p++;
  for (;;)
    {
      const char *next = skip_prefix (p, reply_prefixes);

      if (next == NULL)
        next = skip_prefix (p, forward_prefixes);
      if (next == NULL)
        break;
      p = next;
    }
  return g_strstrip (g_strdup (p));
}

static char *
strip_only (const char         *subject,
            const char * const *prefixes)
{
  const char *p;

  if (subject == NULL)
    return g_strdup ("");
  p = subject;
  while (*p == ' ' || *p == '\t')
    p++;
  for (;;)
    {
      const char *next = skip_prefix (p, prefixes);

      if (next == NULL)
        break;
      p = next;
    }
  return g_strstrip (g_strdup (p));
}

char *
hy_subject_make_reply (const char *subject)
{
  g_autofree char *base = strip_only (subject, reply_prefixes);

  return g_strconcat ("Re: ", base, NULL);
}

char *
hy_subject_make_forward (const char *subject)
{
  g_autofree char *base = strip_only (subject, forward_prefixes);

  return g_strconcat ("Fwd: ", base, NULL);
}

/* ---- dates ----------------------------------------------------------------- */

static gboolean
take_number (const char **pp,
             guint        min_digits,
             guint        max_digits,
             int         *out)
{
  const char *p = *pp;
  guint n = 0;
  int value = 0;

  while (n < max_digits && g_ascii_isdigit (p[n]))
    value = value * 10 + (p[n++] - '0');
  if (n < min_digits || g_ascii_isdigit (p[n]))
    return FALSE;
  *pp = p + n;
  *out = value;
  return TRUE;
}

/* Days from 1970-01-01 to the given (proleptic Gregorian) date. */
static gint64
days_from_civil (int year,
                 int month,
                 int day)
{
  int era, yoe, doy, doe;

  year -= month <= 2;
  era = (year >= 0 ? year : year - 399) / 400;
  yoe = year - era * 400;
  doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (gint64) era * 146097 + doe - 719468;
}

/* "[Day, ]D Mon YYYY HH:MM[:SS] +ZZZZ[ (comment)]"; FALSE for anything else. */
static gboolean
parse_usual_date (const char *p,
                  gint64     *out)
{
  static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
  static const int month_days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  int day, month = -1, year, hour, minute, second = 0, zone_hours, zone_minutes, sign;
  gboolean leap;

  while (*p == ' ' || *p == '\t')
    p++;
  if (g_ascii_isalpha (p[0]) && g_ascii_isalpha (p[1]) && g_ascii_isalpha (p[2]) && p[3] == ',')
    {
      p += 4;
      while (*p == ' ' || *p == '\t')
        p++;
    }
  if (!take_number (&p, 1, 2, &day) || *p++ != ' ')
    return FALSE;
  for (int i = 0; i < 12; i++)
    if ((*p | 0x20) == months[3 * i] && g_ascii_strncasecmp (p, months + 3 * i, 3) == 0)
      month = i + 1;
  if (month < 0 || p[3] != ' ')
    return FALSE;
  p += 4;
  if (!take_number (&p, 4, 4, &year) || *p++ != ' ')
    return FALSE;
  if (!take_number (&p, 2, 2, &hour) || *p++ != ':' || !take_number (&p, 2, 2, &minute))
    return FALSE;
  if (*p == ':' && (p++, !take_number (&p, 2, 2, &second)))
    return FALSE;
  if (*p++ != ' ' || (*p != '+' && *p != '-'))
    return FALSE;
  sign = *p++ == '-' ? -1 : 1;
  if (!take_number (&p, 4, 4, &zone_hours))
    return FALSE;
  zone_minutes = zone_hours % 100;
  zone_hours /= 100;
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p == '(')
    {
      const char *close = strchr (p, ')');

      if (close == NULL || strchr (p + 1, '(') != NULL)
        return FALSE;
      p = close + 1;
      while (*p == ' ' || *p == '\t')
        p++;
    }
  if (*p != '\0')
    return FALSE;

  leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (year < 1970 || day < 1 || day > month_days[month - 1] || (month == 2 && day == 29 && !leap) ||
      hour > 23 || minute > 59 || second > 59 || zone_hours > 23 || zone_minutes > 59)
    return FALSE;
  *out = days_from_civil (year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
         sign * (zone_hours * 3600 + zone_minutes * 60);
  return TRUE;
}

gint64
hy_text_parse_date (const char *value)
{
  g_autoptr(GDateTime) date = NULL;
  gint64 seconds;

  if (value == NULL)
    return 0;
  if (parse_usual_date (value, &seconds))
    return seconds;
  date = g_mime_utils_header_decode_date (value);
  return date != NULL ? g_date_time_to_unix (date) : 0;
}
