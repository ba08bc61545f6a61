/* hy-smtp-reply.c — SMTP replies: a pure parser and the parsed value
 *
 * A reply (RFC 5321 section 4.2) is one or more lines "CODE-text" ending with
 * "CODE text" (or a bare "CODE").  Each line's text may start with an enhanced
 * status code (RFC 3463) whose class matches the reply's; it is split off.
 * The parser works on bytes and never touches a socket, so it can be fuzzed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-smtp"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "hy-smtp-error.h"
#include "hy-smtp-reply.h"

struct _HySmtpReply
{
  gatomicrefcount  ref_count;
  guint            code;
  gboolean         complete;
  char            *enhanced;
  GPtrArray       *lines;
};

G_DEFINE_BOXED_TYPE (HySmtpReply, hy_smtp_reply, hy_smtp_reply_ref, hy_smtp_reply_unref)

HySmtpReply *
hy_smtp_reply_new (void)
{
  HySmtpReply *reply = g_new0 (HySmtpReply, 1);

  g_atomic_ref_count_init (&reply->ref_count);
  reply->lines = g_ptr_array_new_with_free_func (g_free);
  return reply;
}

HySmtpReply *
hy_smtp_reply_ref (HySmtpReply *reply)
{
  g_return_val_if_fail (reply != NULL, NULL);
  g_atomic_ref_count_inc (&reply->ref_count);
  return reply;
}

void
hy_smtp_reply_unref (HySmtpReply *reply)
{
  g_return_if_fail (reply != NULL);
  if (!g_atomic_ref_count_dec (&reply->ref_count))
    return;
  g_ptr_array_unref (reply->lines);
  g_free (reply->enhanced);
  g_free (reply);
}

/* Length of an enhanced status code "c.sss.ddd" at @text for class @klass, or 0. */
static gsize
enhanced_length (const char *text,
                 gsize       len,
                 char        klass)
{
  gsize i = 0, digits;

  if (len < 5 || text[0] != klass || text[1] != '.')
    return 0;
  i = 2;
  for (int part = 0; part < 2; part++)
    {
      digits = 0;
      while (i < len && g_ascii_isdigit (text[i]) && digits < 3)
        i++, digits++;
      if (digits == 0)
        return 0;
      if (part == 0)
        {
          if (i >= len || text[i] != '.')
            return 0;
          i++;
        }
    }
  if (i < len && text[i] != ' ')
    return 0;
  return i;
}

/**
 * hy_smtp_reply_add_line:
 * @reply: a reply being built
 * @line: one line without its CRLF
 * @length: its length
 * @complete: (out): set to %TRUE when this was the last line of the reply
 * @error: return location for a #GError (%HY_SMTP_ERROR_PROTOCOL)
 *
 * Returns: %FALSE if the line is malformed or does not belong to the reply
 */
gboolean
hy_smtp_reply_add_line (HySmtpReply  *reply,
                        const char   *line,
                        gsize         length,
                        gboolean     *complete,
                        GError      **error)
{
  guint code;
  const char *text;
  gsize text_len, enh;

  g_return_val_if_fail (reply != NULL, FALSE);
  g_return_val_if_fail (complete != NULL, FALSE);

  *complete = FALSE;
  if (reply->complete)
    {
      g_set_error_literal (error, HY_SMTP_ERROR, HY_SMTP_ERROR_PROTOCOL,
                           _ ("a line after the end of a reply"));
      return FALSE;
    }
  if (length < 3 || !g_ascii_isdigit (line[0]) || !g_ascii_isdigit (line[1]) ||
      !g_ascii_isdigit (line[2]) || line[0] < '2' || line[0] > '5' || line[1] > '5' ||
      (length > 3 && line[3] != ' ' && line[3] != '-'))
    {
      g_autofree char *shown = g_utf8_make_valid (line, MIN (length, 80));

      g_set_error (error, HY_SMTP_ERROR, HY_SMTP_ERROR_PROTOCOL,
                   _ ("malformed reply line “%s”"), shown);
      return FALSE;
    }
  code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (reply->lines->len > 0 && code != reply->code)
    {
      g_set_error (error, HY_SMTP_ERROR, HY_SMTP_ERROR_PROTOCOL,
                   _ ("reply code changed from %u to %u within one reply"), reply->code, code);
      return FALSE;
    }
  if (reply->lines->len >= HY_SMTP_REPLY_MAX_LINES)
    {
      g_set_error (error, HY_SMTP_ERROR, HY_SMTP_ERROR_PROTOCOL,
                   _ ("a reply of more than %d lines"), HY_SMTP_REPLY_MAX_LINES);
      return FALSE;
    }
  reply->code = code;

  text = length > 4 ? line + 4 : "";
  text_len = length > 4 ? length - 4 : 0;
  enh = enhanced_length (text, text_len, line[0]);
  if (enh > 0)
    {
      if (reply->enhanced == NULL)
        reply->enhanced = g_strndup (text, enh);
      text += enh;
      text_len -= enh;
      while (text_len > 0 && *text == ' ')
        text++, text_len--;
    }
  g_ptr_array_add (reply->lines, g_utf8_make_valid (text, text_len));

  if (length == 3 || line[3] == ' ')
    {
      reply->complete = TRUE;
      *complete = TRUE;
    }
  return TRUE;
}

/**
 * hy_smtp_reply_parse:
 * @data: bytes from the server
 * @length: their number
 * @consumed: (out): bytes used by the reply
 * @error: return location for a #GError
 *
 * Parses one complete reply from the start of @data.
 *
 * Returns: (transfer full) (nullable): the reply; %NULL with @error unset if
 *   @data holds no complete reply yet
 */
HySmtpReply *
hy_smtp_reply_parse (const char  *data,
                     gsize        length,
                     gsize       *consumed,
                     GError     **error)
{
  g_autoptr(HySmtpReply) reply = hy_smtp_reply_new ();
  gsize pos = 0;

  *consumed = 0;
  while (pos < length)
    {
      const char *nl = memchr (data + pos, '\n', length - pos);
      gsize len;
      gboolean complete;

      if (nl == NULL)
        return NULL;
      len = nl - (data + pos);
      if (len > 0 && data[pos + len - 1] == '\r')
        len--;
      if (!hy_smtp_reply_add_line (reply, data + pos, len, &complete, error))
        return NULL;
      pos = nl - data + 1;
      if (complete)
        {
          *consumed = pos;
          return g_steal_pointer (&reply);
        }
    }
  return NULL;
}

guint
hy_smtp_reply_get_code (const HySmtpReply *reply)
{
  g_return_val_if_fail (reply != NULL, 0);
  return reply->code;
}

/**
 * hy_smtp_reply_get_enhanced:
 * @reply: a reply
 *
 * Returns: (nullable): the enhanced status code, e.g. "5.1.1"
 */
const char *
hy_smtp_reply_get_enhanced (const HySmtpReply *reply)
{
  g_return_val_if_fail (reply != NULL, NULL);
  return reply->enhanced;
}

guint
hy_smtp_reply_get_n_lines (const HySmtpReply *reply)
{
  g_return_val_if_fail (reply != NULL, 0);
  return reply->lines->len;
}

/**
 * hy_smtp_reply_get_line:
 * @reply: a reply
 * @index: line number from 0
 *
 * Returns: the text of the line, without code and enhanced code, valid UTF-8
 */
const char *
hy_smtp_reply_get_line (const HySmtpReply *reply,
                        guint              index)
{
  g_return_val_if_fail (reply != NULL, NULL);
  g_return_val_if_fail (index < reply->lines->len, NULL);
  return g_ptr_array_index (reply->lines, index);
}

/**
 * hy_smtp_reply_get_text:
 * @reply: a reply
 *
 * Returns: (transfer full): "CODE [ENHANCED] text text…" for messages
 */
char *
hy_smtp_reply_get_text (const HySmtpReply *reply)
{
  GString *out;

  g_return_val_if_fail (reply != NULL, NULL);

  out = g_string_new (NULL);
  g_string_append_printf (out, "%u", reply->code);
  if (reply->enhanced != NULL)
    g_string_append_printf (out, " %s", reply->enhanced);
  for (guint i = 0; i < reply->lines->len; i++)
    {
      const char *line = g_ptr_array_index (reply->lines, i);

      if (*line != '\0')
        g_string_append_printf (out, " %s", line);
    }
  return g_string_free (out, FALSE);
}

gboolean
hy_smtp_reply_is_positive (const HySmtpReply *reply)
{
  return reply->code >= 200 && reply->code < 400;
}

gboolean
hy_smtp_reply_is_temporary (const HySmtpReply *reply)
{
  return reply->code >= 400 && reply->code < 500;
}

gboolean
hy_smtp_reply_is_permanent (const HySmtpReply *reply)
{
  return reply->code >= 500;
}

/**
 * hy_smtp_reply_parse_ehlo:
 * @reply: the 250 reply to EHLO
 *
 * Returns: (transfer full) (element-type utf8 utf8): extension keyword in upper
 *   case -> its parameters ("" when it has none), like smtplib's esmtp_features.
 *   "AUTH=LOGIN PLAIN" lines of old servers count as AUTH.
 */
GHashTable *
hy_smtp_reply_parse_ehlo (const HySmtpReply *reply)
{
  GHashTable *features = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_return_val_if_fail (reply != NULL, features);

  /* The first line greets with the server's name.  Old servers also send
   * "AUTH=x y"; it only counts when no standard "AUTH x y" line exists. */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 1; i < reply->lines->len; i++)
      {
        const char *line = g_ptr_array_index (reply->lines, i);
        const char *end = line;
        g_autofree char *name = NULL;
        const char *params;
        const char *old;

        while (*end != '\0' && *end != ' ' && *end != '=')
          end++;
        if (end == line || (pass == 0) != (*end != '='))
          continue;
        name = g_ascii_strup (line, end - line);
        params = *end != '\0' ? end + 1 : "";
        while (*params == ' ')
          params++;
        old = g_hash_table_lookup (features, name);
        if (pass == 1 && old != NULL)
          continue;
        if (old != NULL && strcmp (name, "AUTH") == 0)
          {
            /* Several AUTH lines add up. */
            char *merged = g_strconcat (old, " ", params, NULL);

            g_hash_table_insert (features, g_steal_pointer (&name), merged);
            continue;
          }
        g_hash_table_insert (features, g_steal_pointer (&name), g_strdup (params));
      }
  return features;
}
