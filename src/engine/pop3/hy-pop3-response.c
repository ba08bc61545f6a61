/* hy-pop3-response.c — POP3 responses: pure parsers over bytes
 *
 * RFC 1939 (POP3), 2449 (CAPA, response codes), 5034 (SASL), 2595 (STLS).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-pop3"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "hy-pop3-error.h"
#include "hy-pop3-response.h"

#define MAX_UID_LENGTH 70  /* RFC 1939: 1 to 70 characters 0x21-0x7E */

void
hy_pop3_status_free (HyPop3Status *status)
{
  if (status == NULL)
    return;
  g_free (status->code);
  g_free (status->text);
  g_free (status);
}

void
hy_pop3_listing_free (HyPop3Listing *listing)
{
  if (listing == NULL)
    return;
  g_free (listing->uid);
  g_free (listing);
}

static GError *
malformed (const char *what,
           const char *line,
           gsize       length)
{
  g_autofree char *shown = g_utf8_make_valid (line, MIN (length, 80));

  return g_error_new (HY_POP3_ERROR, HY_POP3_ERROR_PROTOCOL, _ ("malformed %s “%s”"), what, shown);
}

/**
 * hy_pop3_parse_status:
 * @line: a status line without CRLF
 * @length: its length
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the status, or %NULL if the line is
 *   neither "+OK…" nor "-ERR…"
 */
HyPop3Status *
hy_pop3_parse_status (const char  *line,
                      gsize        length,
                      GError     **error)
{
  HyPop3Status *status;
  const char *text;
  gsize skip;

  if (length >= 3 && memcmp (line, "+OK", 3) == 0)
    skip = 3;
  else if (length >= 4 && memcmp (line, "-ERR", 4) == 0)
    skip = 4;
  else
    {
      g_propagate_error (error, malformed ("status line", line, length));
      return NULL;
    }
  if (length > skip && line[skip] != ' ')
    {
      g_propagate_error (error, malformed ("status line", line, length));
      return NULL;
    }

  status = g_new0 (HyPop3Status, 1);
  status->ok = skip == 3;
  text = line + skip;
  length -= skip;
  while (length > 0 && *text == ' ')
    text++, length--;

  /* "[CODE/SUB] text" */
  if (length > 2 && text[0] == '[')
    {
      const char *close = memchr (text, ']', length);

      if (close != NULL && close - text > 1)
        {
          gboolean valid = TRUE;

          for (const char *p = text + 1; p < close; p++)
            if (!g_ascii_isalnum (*p) && *p != '-' && *p != '/')
              valid = FALSE;
          if (valid)
            {
              status->code = g_ascii_strup (text + 1, close - text - 1);
              length -= close + 1 - text;
              text = close + 1;
              while (length > 0 && *text == ' ')
                text++, length--;
            }
        }
    }
  status->text = g_utf8_make_valid (text, length);
  return status;
}

static gboolean
parse_number (const char **p,
              guint64      max,
              guint64     *value)
{
  const char *start = *p;
  guint64 v = 0;

  while (g_ascii_isdigit (**p))
    {
      guint d = **p - '0';

      if (v > (max - d) / 10)
        return FALSE;
      v = v * 10 + d;
      (*p)++;
    }
  *value = v;
  return *p > start;
}

/**
 * hy_pop3_parse_stat:
 * @text: the text of a +OK answer to STAT: "count size …"
 * @count: (out): number of messages
 * @size: (out): size of the mailbox
 * @error: return location for a #GError
 *
 * Returns: %TRUE if @text is a STAT answer
 */
gboolean
hy_pop3_parse_stat (const char  *text,
                    guint       *count,
                    guint64     *size,
                    GError     **error)
{
  const char *p = text;
  guint64 n;

  if (!parse_number (&p, G_MAXUINT, &n) || *p != ' ')
    goto bad;
  while (*p == ' ')
    p++;
  if (!parse_number (&p, G_MAXUINT64, size) || (*p != '\0' && *p != ' '))
    goto bad;
  *count = (guint) n;
  return TRUE;

bad:
  g_propagate_error (error, malformed ("STAT answer", text, strlen (text)));
  return FALSE;
}

/**
 * hy_pop3_parse_list_line:
 * @line: "number size" (a LIST line or the text of a LIST n answer)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the listing
 */
HyPop3Listing *
hy_pop3_parse_list_line (const char  *line,
                         GError     **error)
{
  const char *p = line;
  guint64 number, size;
  HyPop3Listing *listing;

  if (!parse_number (&p, G_MAXUINT, &number) || number == 0 || *p != ' ')
    goto bad;
  while (*p == ' ')
    p++;
  if (!parse_number (&p, G_MAXUINT64, &size) || (*p != '\0' && *p != ' '))
    goto bad;

  listing = g_new0 (HyPop3Listing, 1);
  listing->number = (guint) number;
  listing->size = size;
  return listing;

bad:
  g_propagate_error (error, malformed ("LIST line", line, strlen (line)));
  return NULL;
}

/**
 * hy_pop3_parse_uidl_line:
 * @line: "number uid"
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the listing with its uid
 */
HyPop3Listing *
hy_pop3_parse_uidl_line (const char  *line,
                         GError     **error)
{
  const char *p = line;
  const char *uid;
  guint64 number;
  gsize len;
  HyPop3Listing *listing;

  if (!parse_number (&p, G_MAXUINT, &number) || number == 0 || *p != ' ')
    goto bad;
  while (*p == ' ')
    p++;
  uid = p;
  while (*p > 0x20 && *p < 0x7f)
    p++;
  len = p - uid;
  while (*p == ' ')
    p++;
  if (len == 0 || len > MAX_UID_LENGTH || *p != '\0')
    goto bad;

  listing = g_new0 (HyPop3Listing, 1);
  listing->number = (guint) number;
  listing->uid = g_strndup (uid, len);
  return listing;

bad:
  g_propagate_error (error, malformed ("UIDL line", line, strlen (line)));
  return NULL;
}

/**
 * hy_pop3_parse_capa:
 * @lines: (element-type utf8): the lines of a CAPA answer, unstuffed
 *
 * Returns: (transfer full) (element-type utf8 utf8): capability (upper case)
 *   -> its arguments ("" when none)
 */
GHashTable *
hy_pop3_parse_capa (GPtrArray *lines)
{
  GHashTable *caps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; lines != NULL && i < lines->len; i++)
    {
      const char *line = g_ptr_array_index (lines, i);
      const char *end = line;
      const char *args;

      while (*end != '\0' && *end != ' ')
        end++;
      if (end == line)
        continue;
      args = end;
      while (*args == ' ')
        args++;
      g_hash_table_insert (caps, g_ascii_strup (line, end - line), g_utf8_make_valid (args, -1));
    }
  return caps;
}

/**
 * hy_pop3_parse_apop_stamp:
 * @greeting: the text of the server greeting
 *
 * Returns: (transfer full) (nullable): the APOP timestamp "<…@…>", or %NULL
 */
char *
hy_pop3_parse_apop_stamp (const char *greeting)
{
  const char *open = strchr (greeting, '<');
  const char *close;

  if (open == NULL)
    return NULL;
  close = strchr (open, '>');
  if (close == NULL || memchr (open, '@', close - open) == NULL)
    return NULL;
  for (const char *p = open; p <= close; p++)
    if ((guchar) *p < 0x21 || (guchar) *p > 0x7e)
      return NULL;
  return g_strndup (open, close - open + 1);
}

/**
 * hy_pop3_unstuff:
 * @line: a line of a multi-line answer
 *
 * Returns: (transfer none): @line without its byte-stuffed leading dot
 */
const char *
hy_pop3_unstuff (const char *line)
{
  return line[0] == '.' ? line + 1 : line;
}
