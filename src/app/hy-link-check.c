/* hy-link-check.c — tell when a link's text shows another host than its target
 *
 * Phishing mail shows "www.bank.example" as the text of a link that leads
 * somewhere else.  When the text of a link looks like an address, its host is
 * compared with the host the link really goes to.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <string.h>

#include "hy-link-check.h"

static gboolean
looks_like_host (const char *host)
{
  gboolean has_dot = FALSE;

  if (host == NULL || *host == '\0' || *host == '.' || *host == '-')
    return FALSE;

  for (const char *p = host; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '.')
        has_dot = TRUE;
      else if (!(g_unichar_isalnum (c) || c == '-'))
        return FALSE;
    }
  /* A last label of letters only (or an IP address) makes it a host name. */
  return has_dot && host[strlen (host) - 1] != '.';
}

/**
 * hy_link_check_host_of:
 * @text: a URL, or text that may show one ("www.example.com/login")
 *
 * Returns: (transfer full) (nullable): the host @text names, lower-cased and
 *   without a leading "www.", or %NULL when @text does not look like an address
 */
char *
hy_link_check_host_of (const char *text)
{
  g_autofree char *trimmed = NULL;
  g_autofree char *host = NULL;
  const char *start;
  const char *end;
  const char *at;

  if (text == NULL)
    return NULL;

  trimmed = g_strstrip (g_strdup (text));
  if (*trimmed == '\0' || strpbrk (trimmed, " \t\r\n") != NULL)
    return NULL;

  start = strstr (trimmed, "://");
  if (start != NULL)
    start += 3;
  else if (g_ascii_strncasecmp (trimmed, "mailto:", 7) == 0)
    return NULL;
  else
    start = trimmed;

  end = start + strcspn (start, "/?#");
  /* user:password@host tricks: the host is what follows the last '@'. */
  at = g_strrstr_len (start, end - start, "@");
  if (at != NULL)
    start = at + 1;
  host = g_strndup (start, end - start);
  {
    char *colon = strrchr (host, ':');

    if (colon != NULL && strchr (host, ']') == NULL)
      *colon = '\0';
  }

  if (!looks_like_host (host))
    return NULL;

  {
    g_autofree char *lower = g_utf8_strdown (host, -1);

    if (g_str_has_prefix (lower, "www."))
      return g_strdup (lower + 4);
    return g_steal_pointer (&lower);
  }
}

/**
 * hy_link_check_is_deceptive:
 * @label: (nullable): the text a person sees
 * @uri: where the link really goes
 *
 * Returns: %TRUE when @label shows a host and @uri goes to another one
 *   (a subdomain of the shown host is not counted as another host)
 */
gboolean
hy_link_check_is_deceptive (const char *label,
                            const char *uri)
{
  g_autofree char *shown = hy_link_check_host_of (label);
  g_autofree char *real = NULL;

  if (shown == NULL)
    return FALSE;

  real = hy_link_check_host_of (uri);
  if (real == NULL)
    return TRUE;

  if (g_strcmp0 (shown, real) == 0)
    return FALSE;

  /* news.example.com for a link shown as example.com is the same site. */
  if (g_str_has_suffix (real, shown) &&
      real[strlen (real) - strlen (shown) - 1] == '.')
    return FALSE;

  return TRUE;
}
