/* hy-message-json.c — the message model as JSON (hongyan-cli parse --json)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-mime"

#include "config.h"

#include "hy-json-writer.h"
#include "hy-message-json.h"

static void
write_addresses (HyJsonWriter *writer,
                 const char   *key,
                 GPtrArray    *addresses)
{
  hy_json_writer_key (writer, key);
  hy_json_writer_begin_array (writer);
  for (guint i = 0; i < addresses->len; i++)
    {
      HyAddress *address = g_ptr_array_index (addresses, i);

      hy_json_writer_begin_object (writer);
      hy_json_writer_member_string (writer, "name", hy_address_get_name (address));
      hy_json_writer_member_string (writer, "address", hy_address_get_address (address));
      hy_json_writer_end_object (writer);
    }
  hy_json_writer_end_array (writer);
}

char *
hy_message_to_json (HyMessage *message,
                    gboolean   pretty)
{
  HyJsonWriter *writer;
  GDateTime *date;
  const char * const *references;
  GPtrArray *parts, *attachments, *defects;

  g_return_val_if_fail (HY_IS_MESSAGE (message), NULL);

  writer = hy_json_writer_new (pretty);
  hy_json_writer_begin_object (writer);

  hy_json_writer_member_string (writer, "subject", hy_message_get_subject (message));
  write_addresses (writer, "from", hy_message_get_from (message));
  write_addresses (writer, "sender", hy_message_get_sender (message));
  write_addresses (writer, "reply_to", hy_message_get_reply_to (message));
  write_addresses (writer, "to", hy_message_get_to (message));
  write_addresses (writer, "cc", hy_message_get_cc (message));
  write_addresses (writer, "bcc", hy_message_get_bcc (message));

  date = hy_message_get_date (message);
  if (date != NULL)
    {
      g_autofree char *iso = g_date_time_format (date, "%Y-%m-%dT%H:%M:%S%:z");

      hy_json_writer_member_string (writer, "date", iso);
    }
  else
    hy_json_writer_member_string (writer, "date", NULL);

  hy_json_writer_member_string (writer, "message_id", hy_message_get_message_id (message));
  hy_json_writer_member_string (writer, "in_reply_to", hy_message_get_in_reply_to (message));
  hy_json_writer_key (writer, "references");
  hy_json_writer_begin_array (writer);
  references = hy_message_get_references (message);
  for (guint i = 0; references != NULL && references[i] != NULL; i++)
    hy_json_writer_string (writer, references[i]);
  hy_json_writer_end_array (writer);
  hy_json_writer_member_string (writer, "list_id", hy_message_get_list_id (message));
  hy_json_writer_member_string (writer, "list_unsubscribe", hy_message_get_list_unsubscribe (message));
  hy_json_writer_member_string (writer, "authentication_results",
                                hy_message_get_authentication_results (message));

  hy_json_writer_key (writer, "parts");
  hy_json_writer_begin_array (writer);
  parts = hy_message_get_parts (message);
  for (guint i = 0; i < parts->len; i++)
    {
      HyMimePart *part = g_ptr_array_index (parts, i);

      hy_json_writer_begin_object (writer);
      hy_json_writer_member_string (writer, "path", hy_mime_part_get_path (part));
      hy_json_writer_member_string (writer, "content_type", hy_mime_part_get_content_type (part));
      hy_json_writer_member_string (writer, "charset", hy_mime_part_get_charset (part));
      hy_json_writer_member_string (writer, "encoding", hy_mime_part_get_encoding (part));
      hy_json_writer_member_string (writer, "disposition", hy_mime_part_get_disposition (part));
      hy_json_writer_member_string (writer, "filename", hy_mime_part_get_filename (part));
      hy_json_writer_member_string (writer, "content_id", hy_mime_part_get_content_id (part));
      hy_json_writer_member_int (writer, "size", hy_mime_part_get_size (part));
      hy_json_writer_end_object (writer);
    }
  hy_json_writer_end_array (writer);

  hy_json_writer_member_string (writer, "text", hy_message_get_text (message));
  hy_json_writer_member_bool (writer, "has_html", hy_message_get_html_part (message) != NULL);

  hy_json_writer_key (writer, "attachments");
  hy_json_writer_begin_array (writer);
  attachments = hy_message_get_attachments (message);
  for (guint i = 0; i < attachments->len; i++)
    {
      HyMimePart *part = g_ptr_array_index (attachments, i);

      hy_json_writer_begin_object (writer);
      hy_json_writer_member_string (writer, "filename", hy_mime_part_get_filename (part));
      hy_json_writer_member_string (writer, "content_type", hy_mime_part_get_content_type (part));
      hy_json_writer_member_int (writer, "size", hy_mime_part_get_size (part));
      hy_json_writer_end_object (writer);
    }
  hy_json_writer_end_array (writer);

  /* Last, so that defects found while decoding the body are included. */
  hy_json_writer_key (writer, "defects");
  hy_json_writer_begin_array (writer);
  defects = hy_message_get_defects (message);
  for (guint i = 0; i < defects->len; i++)
    hy_json_writer_string (writer, g_ptr_array_index (defects, i));
  hy_json_writer_end_array (writer);

  hy_json_writer_end_object (writer);
  return hy_json_writer_free_to_string (writer);
}
