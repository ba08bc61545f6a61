/* hy-smtp-stuffer.c — message bytes to SMTP DATA form, on the fly
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-smtp"

#include "config.h"

#include <string.h>

#include "hy-smtp-stuffer.h"

#define MAX_HEADER_LINE (64 * 1024)

struct _HySmtpStuffer
{
  gboolean    dot_stuff;
  gboolean    strip_bcc;
  gboolean    in_headers;
  gboolean    dropping;      /* inside a dropped header field */
  gboolean    at_line_start;
  gboolean    pending_cr;
  gboolean    passthrough;   /* current header line too long to examine */
  GByteArray *line;          /* current header line, without terminator */
};

HySmtpStuffer *
hy_smtp_stuffer_new (gboolean dot_stuff,
                     gboolean strip_bcc)
{
  HySmtpStuffer *stuffer = g_new0 (HySmtpStuffer, 1);

  stuffer->dot_stuff = dot_stuff;
  stuffer->strip_bcc = strip_bcc;
  stuffer->in_headers = strip_bcc;
  stuffer->at_line_start = TRUE;
  stuffer->line = g_byte_array_new ();
  return stuffer;
}

void
hy_smtp_stuffer_free (HySmtpStuffer *stuffer)
{
  if (stuffer == NULL)
    return;
  g_byte_array_unref (stuffer->line);
  g_free (stuffer);
}

static void
emit_body_byte (HySmtpStuffer *s,
                guint8         c,
                GByteArray    *out)
{
  if (s->at_line_start && c == '.' && s->dot_stuff)
    g_byte_array_append (out, (const guint8 *) ".", 1);
  g_byte_array_append (out, &c, 1);
  s->at_line_start = FALSE;
}

static const guint8 crlf[] = { '\r', '\n' };

/* A complete header line (without terminator) is in s->line. */
static void
end_header_line (HySmtpStuffer *s,
                 GByteArray    *out)
{
  GByteArray *line = s->line;

  if (line->len == 0)
    {
      /* The blank line: the body starts. */
      s->in_headers = FALSE;
      s->dropping = FALSE;
      g_byte_array_append (out, crlf, 2);
      s->at_line_start = TRUE;
      return;
    }
  if (line->data[0] == ' ' || line->data[0] == '\t')
    {
      /* continuation: belongs to the field before */
    }
  else
    s->dropping = line->len >= 4 && g_ascii_strncasecmp ((char *) line->data, "bcc:", 4) == 0;

  if (!s->dropping)
    {
      s->at_line_start = TRUE;
      for (guint i = 0; i < line->len; i++)
        emit_body_byte (s, line->data[i], out);
      g_byte_array_append (out, crlf, 2);
    }
  s->at_line_start = TRUE;
  g_byte_array_set_size (line, 0);
}

static void
end_line (HySmtpStuffer *s,
          GByteArray    *out)
{
  if (s->in_headers && !s->passthrough)
    {
      end_header_line (s, out);
      return;
    }
  s->passthrough = FALSE;
  g_byte_array_append (out, crlf, 2);
  s->at_line_start = TRUE;
}

static void
content_byte (HySmtpStuffer *s,
              guint8         c,
              GByteArray    *out)
{
  if (s->in_headers && !s->passthrough)
    {
      g_byte_array_append (s->line, &c, 1);
      if (s->line->len > MAX_HEADER_LINE)
        {
          /* Too long to be a header we care about: flush it as it is. */
          GByteArray *line = s->line;

          s->passthrough = TRUE;
          if (!s->dropping)
            for (guint i = 0; i < line->len; i++)
              emit_body_byte (s, line->data[i], out);
          g_byte_array_set_size (line, 0);
        }
      return;
    }
  if (s->in_headers && s->dropping)
    return;
  emit_body_byte (s, c, out);
}

void
hy_smtp_stuffer_feed (HySmtpStuffer *s,
                      const guint8  *data,
                      gsize          length,
                      GByteArray    *out)
{
  for (gsize i = 0; i < length; i++)
    {
      guint8 c = data[i];

      if (s->pending_cr)
        {
          s->pending_cr = FALSE;
          end_line (s, out);
          if (c == '\n')
            continue;
        }
      if (c == '\r')
        {
          s->pending_cr = TRUE;
          continue;
        }
      if (c == '\n')
        {
          end_line (s, out);
          continue;
        }
      if (!s->in_headers && !s->at_line_start)
        {
          /* Fast path: the rest of a body line goes out as one run. */
          gsize j = i + 1;

          while (j < length && data[j] != '\r' && data[j] != '\n')
            j++;
          g_byte_array_append (out, data + i, j - i);
          i = j - 1;
          continue;
        }
      content_byte (s, c, out);
    }
}

void
hy_smtp_stuffer_finish (HySmtpStuffer *s,
                        GByteArray    *out)
{
  if (s->pending_cr)
    {
      s->pending_cr = FALSE;
      end_line (s, out);
    }
  if (s->in_headers && s->line->len > 0)
    end_line (s, out);
  if (!s->at_line_start)
    end_line (s, out);
}
