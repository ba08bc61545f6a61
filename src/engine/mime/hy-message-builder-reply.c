/* hy-message-builder-reply.c — reply, reply-all and forward builders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-mime"

#include "config.h"

#include <string.h>

#include "hy-message-builder.h"
#include "hy-mime-error.h"
#include "hy-text-utils.h"

/* Long threads: keep the first id and the most recent ones (RFC 5322 3.6.4
 * allows trimming; the first anchors the thread). */
#define MAX_REFERENCES 20

static gboolean
is_own (const HyAddress    *address,
        const char * const *own)
{
  for (guint i = 0; own != NULL && own[i] != NULL; i++)
    {
      g_autoptr(HyAddress) mine = hy_address_new (NULL, own[i]);

      if (hy_address_equal (address, mine))
        return TRUE;
    }
  return FALSE;
}

static gboolean
contains (GPtrArray       *list,
          const HyAddress *address)
{
  for (guint i = 0; i < list->len; i++)
    if (hy_address_equal (g_ptr_array_index (list, i), address))
      return TRUE;
  return FALSE;
}

/* Appends the addresses of @src that are neither the user's nor already
 * in @a or @b. */
static void
add_others (GPtrArray          *dest,
            GPtrArray          *src,
            const char * const *own,
            GPtrArray          *other)
{
  for (guint i = 0; src != NULL && i < src->len; i++)
    {
      HyAddress *address = g_ptr_array_index (src, i);

      if (is_own (address, own) || contains (dest, address) || (other && contains (other, address)))
        continue;
      g_ptr_array_add (dest, hy_address_copy (address));
    }
}

static char *
display_name (GPtrArray *addresses)
{
  HyAddress *first;

  if (addresses == NULL || addresses->len == 0)
    return g_strdup ("(unknown sender)");
  first = g_ptr_array_index (addresses, 0);
  return g_strdup (hy_address_get_name (first) ? hy_address_get_name (first)
                                               : hy_address_get_address (first));
}

static char *
display_list (GPtrArray *addresses)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < addresses->len; i++)
    {
      g_autofree char *one = hy_address_to_display (g_ptr_array_index (addresses, i));

      if (i > 0)
        g_string_append (out, ", ");
      g_string_append (out, one);
    }
  return g_string_free (out, FALSE);
}

HyMessageBuilder *
hy_message_builder_new_reply (HyMessage          *original,
                              gboolean            reply_all,
                              const char * const *own_addresses)
{
  g_autoptr(HyMessageBuilder) self = NULL;
  g_autoptr(GPtrArray) to = hy_address_list_new ();
  g_autoptr(GPtrArray) cc = hy_address_list_new ();
  g_autoptr(GStrvBuilder) refs = g_strv_builder_new ();
  g_auto(GStrv) ref_list = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *who = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *attribution = NULL;
  g_autofree char *body = NULL;
  GPtrArray *from, *reply_to, *primary;
  const char * const *orig_refs;
  const char *orig_id;
  gboolean from_me;
  GDateTime *date;

  g_return_val_if_fail (HY_IS_MESSAGE (original), NULL);

  self = hy_message_builder_new ();

  subject = hy_subject_make_reply (hy_message_get_subject (original));
  hy_message_builder_set_subject (self, subject);

  from = hy_message_get_from (original);
  reply_to = hy_message_get_reply_to (original);
  primary = reply_to->len > 0 ? reply_to : from;
  from_me = from->len > 0 && is_own (g_ptr_array_index (from, 0), own_addresses);

  if (from_me)
    {
      /* Replying to one's own sent message goes to its recipients. */
      add_others (to, hy_message_get_to (original), own_addresses, NULL);
      if (reply_all)
        add_others (cc, hy_message_get_cc (original), own_addresses, to);
    }
  else
    {
      add_others (to, primary, own_addresses, NULL);
      if (reply_all)
        {
          add_others (to, hy_message_get_to (original), own_addresses, NULL);
          add_others (cc, hy_message_get_cc (original), own_addresses, to);
        }
    }
  if (to->len == 0 && cc->len > 0)
    {
      g_ptr_array_extend_and_steal (to, g_steal_pointer (&cc));
      cc = hy_address_list_new ();
    }
  if (to->len == 0)
    /* Only the user is left: a note to self is still a reply. */
    for (guint i = 0; i < primary->len; i++)
      g_ptr_array_add (to, hy_address_copy (g_ptr_array_index (primary, i)));
  hy_message_builder_set_to_addresses (self, to);
  hy_message_builder_set_cc_addresses (self, cc);

  /* Send as the address the original was sent to. */
  {
    GPtrArray *lists[] = { hy_message_get_to (original), hy_message_get_cc (original),
                           hy_message_get_bcc (original), from };

    for (guint l = 0; l < G_N_ELEMENTS (lists) && hy_message_builder_get_from (self) == NULL; l++)
      for (guint i = 0; i < lists[l]->len; i++)
        if (is_own (g_ptr_array_index (lists[l], i), own_addresses))
          {
            hy_message_builder_set_from_address (self, g_ptr_array_index (lists[l], i));
            break;
          }
  }

  /* Threading. */
  orig_id = hy_message_get_message_id (original);
  orig_refs = hy_message_get_references (original);
  if (orig_refs != NULL && orig_refs[0] != NULL)
    for (guint i = 0; orig_refs[i] != NULL; i++)
      g_strv_builder_add (refs, orig_refs[i]);
  else if (hy_message_get_in_reply_to (original) != NULL)
    g_strv_builder_add (refs, hy_message_get_in_reply_to (original));
  if (orig_id != NULL)
    {
      g_strv_builder_add (refs, orig_id);
      hy_message_builder_set_in_reply_to (self, orig_id);
    }
  ref_list = g_strv_builder_end (refs);
  {
    guint n = g_strv_length (ref_list);

    if (n > MAX_REFERENCES)
      {
        g_autoptr(GPtrArray) trimmed = g_ptr_array_new ();

        g_ptr_array_add (trimmed, ref_list[0]);
        for (guint i = n - (MAX_REFERENCES - 1); i < n; i++)
          g_ptr_array_add (trimmed, ref_list[i]);
        g_ptr_array_add (trimmed, NULL);
        hy_message_builder_set_references (self, (const char * const *) trimmed->pdata);
      }
    else
      hy_message_builder_set_references (self, (const char * const *) ref_list);
  }

  /* Attribution line and quoted text. */
  who = display_name (from);
  date = hy_message_get_date (original);
  if (date != NULL)
    {
      g_autofree char *when = g_date_time_format (date, "%Y-%m-%d %H:%M %:z");

      attribution = g_strdup_printf ("On %s, %s wrote:", when, who);
    }
  else
    attribution = g_strdup_printf ("%s wrote:", who);
  quoted = hy_text_quote (hy_message_get_text (original));
  body = g_strdup_printf ("\n\n%s\n%s", attribution, quoted);
  hy_message_builder_set_body (self, body);

  return g_steal_pointer (&self);
}

static gboolean
reattach (HyMessageBuilder  *self,
          HyMimePart        *part,
          GError           **error)
{
  g_autoptr(GBytes) bytes = NULL;
  HyMessage *nested = hy_mime_part_get_message (part);

  if (nested != NULL)
    return hy_message_builder_add_message_attachment (self, hy_message_get_gmime_message (nested), error);

  bytes = hy_mime_part_get_content_bytes (part);
  return hy_message_builder_add_attachment_bytes (self, bytes, hy_mime_part_get_content_type (part),
                                                  hy_mime_part_get_filename (part), error);
}

HyMessageBuilder *
hy_message_builder_new_forward (HyMessage      *original,
                                HyForwardMode   mode,
                                GError        **error)
{
  g_autoptr(HyMessageBuilder) self = NULL;
  g_autofree char *subject = NULL;

  g_return_val_if_fail (HY_IS_MESSAGE (original), NULL);

  self = hy_message_builder_new ();
  subject = hy_subject_make_forward (hy_message_get_subject (original));
  hy_message_builder_set_subject (self, subject);

  if (mode == HY_FORWARD_AS_ATTACHMENT)
    {
      hy_message_builder_set_body (self, "");
      if (!hy_message_builder_add_message_attachment (self, hy_message_get_gmime_message (original), error))
        return NULL;
    }
  else
    {
      GString *body = g_string_new ("\n\n---------- Forwarded message ----------\n");
      g_autofree char *from = display_list (hy_message_get_from (original));
      g_autofree char *to = display_list (hy_message_get_to (original));
      g_autofree char *cc = display_list (hy_message_get_cc (original));
      GDateTime *date = hy_message_get_date (original);
      GPtrArray *attachments = hy_message_get_attachments (original);
      GPtrArray *inline_parts = hy_message_get_inline_parts (original);
      const char *text = hy_message_get_text (original);

      g_string_append_printf (body, "From: %s\n", from);
      if (date != NULL)
        {
          g_autofree char *when = g_date_time_format (date, "%a, %d %b %Y %H:%M:%S %z");

          g_string_append_printf (body, "Date: %s\n", when);
        }
      g_string_append_printf (body, "Subject: %s\n", hy_message_get_subject (original) ?
                              hy_message_get_subject (original) : "");
      g_string_append_printf (body, "To: %s\n", to);
      if (*cc != '\0')
        g_string_append_printf (body, "Cc: %s\n", cc);
      g_string_append_c (body, '\n');
      if (text != NULL)
        g_string_append (body, text);
      hy_message_builder_set_body (self, body->str);
      g_string_free (body, TRUE);

      /* Everything the user could save from the original goes along;
       * inline images too, since the HTML that showed them does not. */
      for (guint i = 0; i < attachments->len; i++)
        if (!reattach (self, g_ptr_array_index (attachments, i), error))
          return NULL;
      for (guint i = 0; i < inline_parts->len; i++)
        {
          HyMimePart *part = g_ptr_array_index (inline_parts, i);
          gboolean already = FALSE;

          for (guint j = 0; j < attachments->len && !already; j++)
            already = g_ptr_array_index (attachments, j) == part;
          if (!already && !reattach (self, part, error))
            return NULL;
        }
    }
  return g_steal_pointer (&self);
}
