/* hy-attachment-reminder.c — notices a body that promises an attachment
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-composer"

#include "config.h"

#include <string.h>

#include "hy-attachment-reminder.h"

/* Word stems that must start a word: "attach" matches "attached" and
 * "attachments" but not "reattach"-free text such as "detach". */
static const char * const english_stems[] = {
  "attach",     /* attach, attached, attaching, attachment(s) */
  "enclos",     /* enclose, enclosed, enclosing, enclosure */
  "pfa",        /* "please find attached" */
  NULL
};

/* Chinese has no word breaks; these are specific enough to match
 * anywhere ("附" alone would match 附近, nearby). */
static const char * const chinese_words[] = {
  "附件", "附上", "附带", "附帶", "附加", "随附", "隨附", "附檔", "附档", "附文",
  NULL
};

static gboolean
is_word_char (gunichar c)
{
  return g_unichar_isalnum (c) || c == '_';
}

static gboolean
line_mentions (const char *line)
{
  g_autofree char *folded = g_utf8_casefold (line, -1);

  for (guint i = 0; chinese_words[i] != NULL; i++)
    {
      if (strstr (folded, chinese_words[i]) != NULL)
        return TRUE;
    }

  for (guint i = 0; english_stems[i] != NULL; i++)
    {
      const char *hit = folded;
      gsize stem_len = strlen (english_stems[i]);

      while ((hit = strstr (hit, english_stems[i])) != NULL)
        {
          gboolean starts_word = TRUE;
          gboolean ok = TRUE;

          if (hit > folded)
            {
              const char *prev = g_utf8_find_prev_char (folded, hit);

              starts_word = prev == NULL || !is_word_char (g_utf8_get_char (prev));
            }
          /* "pfa" is a whole word, the others are stems. */
          if (g_str_equal (english_stems[i], "pfa"))
            ok = !is_word_char (g_utf8_get_char (hit + stem_len));
          if (starts_word && ok)
            return TRUE;
          hit += stem_len;
        }
    }

  return FALSE;
}

static gboolean
starts_quoted_original (const char *line)
{
  /* The separators clients put above a forwarded or inline-quoted
   * original; everything below is someone else's text. */
  return (g_str_has_prefix (line, "-----") &&
          (strstr (line, "Original Message") != NULL ||
           strstr (line, "Forwarded") != NULL ||
           strstr (line, "原始邮件") != NULL ||
           strstr (line, "转发") != NULL));
}

gboolean
hy_attachment_reminder_mentions (const char *body)
{
  g_auto(GStrv) lines = NULL;

  if (body == NULL)
    return FALSE;

  lines = g_strsplit (body, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *trimmed = line;

      g_strchomp (lines[i]);
      if (g_str_equal (line, "--"))
        break;           /* "-- " after chomping: the signature follows */
      while (*trimmed == ' ' || *trimmed == '\t')
        trimmed++;
      if (*trimmed == '>')
        continue;
      if (starts_quoted_original (trimmed))
        break;
      if (line_mentions (line))
        return TRUE;
    }

  return FALSE;
}
