/* hy-address-tokens.c — splits what a person types into an address field
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-composer"

#include "config.h"

#include "hy-address-tokens.h"
#include "mime/hy-address.h"

static void
push_token (GPtrArray  *tokens,
            const char *start,
            const char *end)
{
  g_autofree char *piece = g_strndup (start, end - start);

  g_strstrip (piece);
  if (*piece != '\0')
    g_ptr_array_add (tokens, g_steal_pointer (&piece));
}

GStrv
hy_address_tokens_split (const char *text)
{
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  gboolean quoted = FALSE;
  int angle = 0;
  int comment = 0;
  const char *start;
  const char *p;

  if (text == NULL)
    text = "";

  start = text;
  for (p = text; *p != '\0'; p++)
    {
      if (quoted)
        {
          if (*p == '\\' && p[1] != '\0')
            p++;
          else if (*p == '"')
            quoted = FALSE;
          continue;
        }

      switch (*p)
        {
        case '"':
          quoted = TRUE;
          break;
        case '\\':
          if (p[1] != '\0')
            p++;
          break;
        case '(':
          comment++;
          break;
        case ')':
          if (comment > 0)
            comment--;
          break;
        case '<':
          if (comment == 0)
            angle++;
          break;
        case '>':
          if (comment == 0 && angle > 0)
            angle--;
          break;
        case ',':
        case ';':
        case '\n':
        case '\r':
          /* Line breaks separate too: a pasted column of addresses. */
          if (angle == 0 && comment == 0)
            {
              push_token (tokens, start, p);
              start = p + 1;
            }
          break;
        default:
          break;
        }
    }
  push_token (tokens, start, p);

  g_ptr_array_add (tokens, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&tokens), FALSE);
}

static gboolean
domain_is_plausible (const char *domain)
{
  const char *p;

  if (*domain == '\0' || *domain == '.' || g_str_has_suffix (domain, "."))
    return FALSE;
  if (strstr (domain, "..") != NULL)
    return FALSE;
  /* An address literal such as [192.0.2.1] is deliverable as it is. */
  if (domain[0] == '[')
    return g_str_has_suffix (domain, "]");
  for (p = domain; *p != '\0'; p++)
    {
      if ((guchar) *p <= ' ' || strchr ("()<>,;:\\\"[]@", *p) != NULL)
        return FALSE;
    }
  return TRUE;
}

gboolean
hy_address_token_is_valid (const char *token)
{
  g_autoptr(GPtrArray) list = NULL;
  const char *spec;
  const char *at;

  if (token == NULL || *token == '\0')
    return FALSE;
  if (strpbrk (token, "\r\n") != NULL)
    return FALSE;

  list = hy_address_list_parse (token);
  if (list->len != 1)
    return FALSE;

  spec = hy_address_get_address (g_ptr_array_index (list, 0));
  if (spec == NULL)
    return FALSE;
  at = strrchr (spec, '@');
  if (at == NULL || at == spec)
    return FALSE;
  for (const char *p = spec; p < at; p++)
    {
      if ((guchar) *p <= ' ')
        return FALSE;
    }
  return domain_is_plausible (at + 1);
}
