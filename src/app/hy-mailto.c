/* hy-mailto.c — parses mailto: URIs (RFC 6068) into composer fields
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-composer"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "hy-mailto.h"
#include "mime/hy-text-utils.h"

G_DEFINE_BOXED_TYPE (HyMailto, hy_mailto, hy_mailto_copy, hy_mailto_free)

void
hy_mailto_free (HyMailto *self)
{
  if (self == NULL)
    return;
  g_strfreev (self->to);
  g_strfreev (self->cc);
  g_strfreev (self->bcc);
  g_free (self->subject);
  g_free (self->body);
  g_free (self->in_reply_to);
  g_free (self);
}

HyMailto *
hy_mailto_copy (const HyMailto *self)
{
  HyMailto *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (HyMailto, 1);
  copy->to = g_strdupv (self->to);
  copy->cc = g_strdupv (self->cc);
  copy->bcc = g_strdupv (self->bcc);
  copy->subject = g_strdup (self->subject);
  copy->body = g_strdup (self->body);
  copy->in_reply_to = g_strdup (self->in_reply_to);
  return copy;
}

/* Percent-decodes @len bytes of @text; '+' stays a plus sign (RFC 6068
 * section 5). Returns NULL when the result is not UTF-8 or holds a NUL. */
static char *
decode (const char *text,
        gsize       len)
{
  g_autofree char *raw = g_strndup (text, len);
  g_autofree char *decoded = g_uri_unescape_string (raw, NULL);

  if (decoded == NULL || !g_utf8_validate (decoded, -1, NULL))
    return NULL;
  return g_steal_pointer (&decoded);
}

static void
add_nonempty (GPtrArray *array,
              char      *value)
{
  g_strstrip (value);
  if (*value != '\0')
    g_ptr_array_add (array, value);
  else
    g_free (value);
}

static GStrv
finish_list (GPtrArray *array)
{
  g_ptr_array_add (array, NULL);
  return (GStrv) g_ptr_array_free (array, FALSE);
}

static gboolean
set_error (GError    **error,
           const char *uri)
{
  g_set_error (error, G_URI_ERROR, G_URI_ERROR_FAILED,
               _("“%s” is not a valid mailto: link"), uri);
  return FALSE;
}

HyMailto *
hy_mailto_parse (const char  *uri,
                 GError     **error)
{
  g_autoptr(GPtrArray) to = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) cc = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) bcc = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(HyMailto) result = NULL;
  g_autofree char *fragmentless = NULL;
  const char *rest;
  const char *query;
  char *value;

  g_return_val_if_fail (uri != NULL, NULL);

  if (g_ascii_strncasecmp (uri, "mailto:", 7) != 0)
    {
      set_error (error, uri);
      return NULL;
    }

  /* A fragment has no meaning in mailto: and is dropped. */
  fragmentless = g_strdup (uri + 7);
  if (strchr (fragmentless, '#') != NULL)
    *strchr (fragmentless, '#') = '\0';
  rest = fragmentless;

  result = g_new0 (HyMailto, 1);

  query = strchr (rest, '?');
  value = decode (rest, query != NULL ? (gsize) (query - rest) : strlen (rest));
  if (value == NULL)
    {
      set_error (error, uri);
      return NULL;
    }
  add_nonempty (to, value);

  if (query != NULL)
    {
      g_auto(GStrv) fields = g_strsplit (query + 1, "&", -1);

      for (guint i = 0; fields[i] != NULL; i++)
        {
          const char *eq = strchr (fields[i], '=');
          g_autofree char *name = NULL;

          if (fields[i][0] == '\0')
            continue;
          name = decode (fields[i], eq != NULL ? (gsize) (eq - fields[i]) : strlen (fields[i]));
          value = decode (eq != NULL ? eq + 1 : "", eq != NULL ? strlen (eq + 1) : 0);
          if (name == NULL || value == NULL)
            {
              g_free (value);
              set_error (error, uri);
              return NULL;
            }

          if (g_ascii_strcasecmp (name, "to") == 0)
            add_nonempty (to, value);
          else if (g_ascii_strcasecmp (name, "cc") == 0)
            add_nonempty (cc, value);
          else if (g_ascii_strcasecmp (name, "bcc") == 0)
            add_nonempty (bcc, value);
          else if (g_ascii_strcasecmp (name, "subject") == 0)
            {
              /* A subject is one line. */
              g_strdelimit (value, "\r\n", ' ');
              g_free (result->subject);
              result->subject = value;
            }
          else if (g_ascii_strcasecmp (name, "body") == 0)
            {
              g_free (result->body);
              result->body = hy_text_normalize_newlines (value);
              g_free (value);
            }
          else if (g_ascii_strcasecmp (name, "in-reply-to") == 0)
            {
              g_strstrip (value);
              g_free (result->in_reply_to);
              result->in_reply_to = value;
            }
          else
            {
              /* "from", "attach", "X-…" and anything else a web page could
               * use to make the user send what they did not mean to. */
              g_debug ("Ignoring mailto: header field “%s”", name);
              g_free (value);
            }
        }
    }

  result->to = finish_list (g_steal_pointer (&to));
  result->cc = finish_list (g_steal_pointer (&cc));
  result->bcc = finish_list (g_steal_pointer (&bcc));
  return g_steal_pointer (&result);
}
