/* hy-cli-send.c — "hongyan-cli send": send message files over one SMTP session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-cli"

#include "config.h"

#include <string.h>
#include <gmime/gmime.h>

#include "hy-cli-commands.h"
#include "hy-cli-conn.h"
#include "smtp/hy-smtp-client.h"

#define MAX_HEADER_BLOCK (1024 * 1024)

/* Reads the header block of @path (up to the first empty line). */
static GBytes *
read_header_block (GInputStream  *in,
                   GError       **error)
{
  g_autoptr(GByteArray) block = g_byte_array_new ();
  guint8 chunk[16 * 1024];

  while (block->len < MAX_HEADER_BLOCK)
    {
      gssize n = g_input_stream_read (in, chunk, sizeof chunk, NULL, error);
      guint scan_from;

      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      scan_from = block->len > 3 ? block->len - 3 : 0;
      g_byte_array_append (block, chunk, n);
      for (guint i = scan_from; i + 1 < block->len; i++)
        {
          if (block->data[i] == '\n' &&
              (block->data[i + 1] == '\n' ||
               (block->data[i + 1] == '\r' && i + 2 < block->len && block->data[i + 2] == '\n')))
            {
              g_byte_array_set_size (block, i + 1);
              return g_byte_array_free_to_bytes (g_steal_pointer (&block));
            }
        }
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&block));
}

static void
add_addresses (GPtrArray           *out,
               InternetAddressList *list)
{
  int n = list != NULL ? internet_address_list_length (list) : 0;

  for (int i = 0; i < n; i++)
    {
      InternetAddress *ia = internet_address_list_get_address (list, i);

      if (INTERNET_ADDRESS_IS_GROUP (ia))
        add_addresses (out, internet_address_group_get_members (INTERNET_ADDRESS_GROUP (ia)));
      else if (INTERNET_ADDRESS_IS_MAILBOX (ia))
        {
          const char *addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia));

          if (addr != NULL && *addr != '\0' && !g_ptr_array_find_with_equal_func (out, addr, g_str_equal, NULL))
            g_ptr_array_add (out, g_strdup (addr));
        }
    }
}

/* Sender and recipients from the message header.  GMime 3.2 has no autoptr
 * support, hence the explicit unrefs. */
static gboolean
addresses_from_header (GBytes     *header,
                       char      **from,
                       GPtrArray  *recipients)
{
  GByteArray *copy = g_byte_array_new ();
  GMimeStream *stream;
  GMimeParser *parser;
  GMimeMessage *message;
  InternetAddressList *list;
  gsize len;
  const guint8 *data = g_bytes_get_data (header, &len);

  g_byte_array_append (copy, data, len);
  g_byte_array_append (copy, (const guint8 *) "\n", 1);
  stream = g_mime_stream_mem_new_with_byte_array (copy);
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  g_object_unref (parser);
  g_object_unref (stream);
  if (message == NULL)
    return FALSE;

  list = g_mime_message_get_from (message);
  if (list != NULL && internet_address_list_length (list) > 0)
    {
      g_autoptr(GPtrArray) senders = g_ptr_array_new_with_free_func (g_free);

      add_addresses (senders, list);
      if (senders->len > 0)
        *from = g_strdup (g_ptr_array_index (senders, 0));
    }
  add_addresses (recipients, g_mime_message_get_addresses (message, GMIME_ADDRESS_TYPE_TO));
  add_addresses (recipients, g_mime_message_get_addresses (message, GMIME_ADDRESS_TYPE_CC));
  add_addresses (recipients, g_mime_message_get_addresses (message, GMIME_ADDRESS_TYPE_BCC));
  g_object_unref (message);
  return TRUE;
}

static void
print_result (const char       *file,
              HySmtpSendResult *result)
{
  g_autofree char *final = hy_smtp_reply_get_text (result->reply);

  for (guint i = 0; i < result->recipients->len; i++)
    {
      HySmtpRecipientResult *r = g_ptr_array_index (result->recipients, i);
      g_autofree char *text = hy_smtp_reply_get_text (r->reply);

      g_print ("%s\t%s\t%s\t%s\n", file, r->accepted ? "accepted" : "refused", r->address, text);
    }
  g_print ("%s\tsent\t%u\t%s\n", file, result->n_accepted, final);
}

/* Sends one file; returns an exit status. */
static int
send_file (HySmtpClient  *client,
           const char    *path,
           const char    *from_option,
           char         **rcpt_option)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GBytes) header = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HySmtpEnvelope) envelope = NULL;
  g_autoptr(GPtrArray) recipients = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(HySmtpSendResult) sent = NULL;
  g_autofree char *from = NULL;

  in = g_file_read (file, NULL, &error);
  if (in == NULL)
    {
      hy_cli_error ("cannot read the message file: %s", error->message);
      return HY_CLI_EXIT_FAILURE;
    }
  info = g_file_input_stream_query_info (in, G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, NULL);
  header = read_header_block (G_INPUT_STREAM (in), &error);
  if (header == NULL || !g_seekable_seek (G_SEEKABLE (in), 0, G_SEEK_SET, NULL, &error))
    {
      hy_cli_error ("cannot read the message file %s: %s", path, error->message);
      return HY_CLI_EXIT_FAILURE;
    }
  addresses_from_header (header, &from, recipients);

  if (from_option != NULL)
    {
      g_free (from);
      from = g_strdup (from_option);
    }
  if (from == NULL)
    {
      hy_cli_error ("%s has no From address; give the sender with --from", path);
      return HY_CLI_EXIT_USAGE;
    }
  if (rcpt_option != NULL)
    {
      g_ptr_array_set_size (recipients, 0);
      for (guint i = 0; rcpt_option[i] != NULL; i++)
        g_ptr_array_add (recipients, g_strdup (rcpt_option[i]));
    }
  if (recipients->len == 0)
    {
      hy_cli_error ("%s has no To, Cc or Bcc recipients; give them with --rcpt", path);
      return HY_CLI_EXIT_USAGE;
    }

  envelope = hy_smtp_envelope_new (from);
  for (guint i = 0; i < recipients->len; i++)
    hy_smtp_envelope_add_recipient (envelope, g_ptr_array_index (recipients, i));
  envelope->strip_bcc = TRUE;
  envelope->size = info != NULL ? g_file_info_get_size (info) : -1;
  /* Declaring 8BITMIME for 7-bit content is harmless, and spares reading the
   * whole file twice to find out. */
  envelope->eight_bit = hy_smtp_client_has_feature (client, "8BITMIME");

  hy_smtp_client_send_async (client, envelope, G_INPUT_STREAM (in), NULL,
                             hy_cli_store_result, &result);
  hy_cli_wait (&result);
  sent = hy_smtp_client_send_finish (client, result, &error);
  if (sent == NULL)
    {
      hy_cli_error ("%s was not sent:", path);
      return hy_cli_report_error (error);
    }
  print_result (path, sent);
  if (sent->n_accepted < sent->recipients->len)
    {
      hy_cli_error ("%s was sent to %u of %u recipients; the server refused the others "
                    "(see above)", path, sent->n_accepted, sent->recipients->len);
      return HY_CLI_EXIT_REFUSED;
    }
  return HY_CLI_EXIT_OK;
}

int
hy_cli_send_run (int    argc,
                 char **argv)
{
  HyCliConn conn = { 0 };
  g_autofree char *from = NULL;
  g_auto(GStrv) rcpts = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new ("FILE… — send messages over one SMTP session");
  g_autoptr(HyConnection) connection = NULL;
  g_autoptr(HySmtpClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  int status = HY_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_STRING, &from, "Envelope sender (default: the From of each file)", "ADDR" },
    { "rcpt", 0, 0, G_OPTION_ARG_STRING_ARRAY, &rcpts, "Envelope recipient, may be repeated (default: To, Cc and Bcc of each file)", "ADDR" },
    { NULL }
  };

  g_option_context_set_description (context,
    "Each file is an RFC 5322 message. Bcc header fields are never sent. Results go to\n"
    "stdout as tab-separated lines: FILE accepted|refused ADDRESS REPLY, then FILE sent N REPLY.");
  hy_cli_conn_add_options (&conn, context);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!hy_cli_parse_options (context, &argc, &argv))
    {
      hy_cli_conn_clear (&conn);
      return HY_CLI_EXIT_USAGE;
    }
  if (argc < 2)
    {
      hy_cli_error ("give at least one message file (see --help)");
      hy_cli_conn_clear (&conn);
      return HY_CLI_EXIT_USAGE;
    }

  connection = hy_cli_conn_create (&conn, "smtp", &status);
  if (connection == NULL)
    goto out;
  client = hy_smtp_client_new (connection);

  hy_smtp_client_connect_async (client, NULL, hy_cli_store_result, &result);
  hy_cli_wait (&result);
  if (!hy_smtp_client_connect_finish (client, result, &error))
    {
      status = hy_cli_report_error (error);
      goto out;
    }
  g_clear_object (&result);

  if (hy_cli_conn_has_password (&conn) || conn.user != NULL)
    {
      g_autofree char *password = hy_cli_conn_get_password (&conn, &status);

      if (password == NULL)
        goto out;
      hy_smtp_client_authenticate_async (client, conn.user, password, FALSE, NULL,
                                         hy_cli_store_result, &result);
      hy_cli_wait (&result);
      if (!hy_smtp_client_authenticate_finish (client, result, &error))
        {
          status = hy_cli_report_error (error);
          goto out;
        }
      g_clear_object (&result);
    }

  for (int i = 1; i < argc; i++)
    {
      int file_status = send_file (client, argv[i], from, rcpts);

      if (status == HY_CLI_EXIT_OK)
        status = file_status;
      if (!hy_connection_is_connected (connection))
        {
          if (i + 1 < argc)
            hy_cli_error ("the connection was lost; %d message(s) were not sent", argc - i - 1);
          goto out;
        }
    }

  hy_smtp_client_quit_async (client, NULL, hy_cli_store_result, &result);
  hy_cli_wait (&result);
  hy_smtp_client_quit_finish (client, result, NULL);

out:
  hy_cli_conn_clear (&conn);
  return status;
}
