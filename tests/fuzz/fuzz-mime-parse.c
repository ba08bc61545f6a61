/* fuzz-mime-parse.c — libFuzzer target: arbitrary bytes through the message
 * model (tree, body, attachments, headers, nested messages) into JSON, and
 * a reply built from the result
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-fuzz"

#include "config.h"

#include <stdint.h>
#include <stddef.h>
#include <gmime/gmime.h>

#include "mime/hy-message.h"
#include "mime/hy-message-builder.h"
#include "mime/hy-message-json.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
walk (HyMessage *message,
      guint      depth)
{
  GPtrArray *attachments = hy_message_get_attachments (message);
  GPtrArray *parts = hy_message_get_parts (message);
  g_autofree char *html = hy_message_dup_html (message);

  if (html != NULL)
    g_assert (g_utf8_validate (html, -1, NULL));

  for (guint i = 0; i < hy_message_get_header_count (message); i++)
    {
      g_autofree char *value = hy_message_dup_header_value (message, i);

      g_assert (g_utf8_validate (value, -1, NULL));
    }
  for (guint i = 0; i < parts->len; i++)
    {
      HyMimePart *part = g_ptr_array_index (parts, i);
      g_autofree char *text = hy_mime_part_get_text (part);

      if (text != NULL)
        g_assert (g_utf8_validate (text, -1, NULL));
      if (hy_mime_part_get_content_id (part) != NULL)
        g_assert (hy_message_get_part_by_content_id (message, hy_mime_part_get_content_id (part)) != NULL ||
                  depth > 0);
    }
  for (guint i = 0; i < attachments->len; i++)
    {
      HyMimePart *part = g_ptr_array_index (attachments, i);
      g_autoptr(GBytes) bytes = hy_mime_part_get_content_bytes (part);

      if (hy_mime_part_is_leaf (part))
        g_assert (g_bytes_get_size (bytes) == (gsize) hy_mime_part_get_size (part));
      if (hy_mime_part_get_message (part) != NULL && depth < 4)
        walk (hy_mime_part_get_message (part), depth + 1);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static gboolean initialized = FALSE;
  g_autoptr(HyMessage) message = NULL;
  g_autoptr(HyMessageBuilder) reply = NULL;
  g_autofree char *json = NULL;
  const char *own[] = { "me@example.org", NULL };

  if (!initialized)
    {
      g_mime_init ();
      g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
      initialized = TRUE;
    }

  message = hy_message_new_from_data ((const char *) data, size);
  json = hy_message_to_json (message, FALSE);
  g_assert (json != NULL && g_utf8_validate (json, -1, NULL));
  walk (message, 0);

  reply = hy_message_builder_new_reply (message, TRUE, own);
  g_assert (reply != NULL);
  if (hy_message_builder_get_to (reply)->len > 0)
    {
      g_autoptr(GBytes) bytes = NULL;

      hy_message_builder_set_from_address (reply, NULL);
      g_assert (hy_message_builder_set_from (reply, "me@example.org", NULL));
      bytes = hy_message_builder_to_bytes (reply, NULL);
    }
  return 0;
}
