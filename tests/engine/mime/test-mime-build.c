/* test-mime-build.c — tests of the outgoing-message builder: tree rules,
 * validation, wire format, round trip, replies and forwards
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "mime/hy-message.h"
#include "mime/hy-message-builder.h"
#include "mime/hy-mime-error.h"

static HyMessageBuilder *
new_builder (void)
{
  HyMessageBuilder *builder = hy_message_builder_new ();
  const char *to[] = { "Bob <bob@example.org>", NULL };
  g_autoptr(GError) error = NULL;

  g_assert_true (hy_message_builder_set_from (builder, "Alice <alice@example.com>", &error));
  g_assert_true (hy_message_builder_set_to (builder, to, &error));
  g_assert_no_error (error);
  hy_message_builder_set_subject (builder, "Test");
  return builder;
}

static char *
serialize (HyMessageBuilder *builder)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = hy_message_builder_to_bytes (builder, &error);

  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static HyMessage *
reparse (HyMessageBuilder *builder)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = hy_message_builder_to_bytes (builder, &error);

  g_assert_no_error (error);
  return hy_message_new_from_bytes (bytes);
}

/* The headers of the top level, up to the first empty line. */
static char *
top_headers (const char *wire)
{
  const char *end = strstr (wire, "\r\n\r\n");

  g_assert_nonnull (end);
  return g_strndup (wire, end - wire + 2);
}

static const char *
root_type (HyMessage *message)
{
  return hy_mime_part_get_content_type (hy_message_get_root_part (message));
}

static void
assert_wire_clean (const char *wire)
{
  const char *line = wire;

  while (*line != '\0')
    {
      const char *lf = strchr (line, '\n');

      g_assert_nonnull (lf);                 /* every line ends in a newline */
      g_assert_true (lf > line && lf[-1] == '\r');  /* which is CRLF */
      g_assert_cmpint (lf - line - 1, <=, 998);
      for (const char *p = line; p < lf - 1; p++)
        {
          g_assert_cmpint ((guchar) *p, <, 0x80);   /* 7-bit clean */
          g_assert_cmpint (*p, !=, '\r');
          g_assert_cmpint (*p, !=, '\0');
        }
      line = lf + 1;
    }
}

static void
test_tree_rules (void)
{
  g_autoptr(HyMessageBuilder) builder = new_builder ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = g_bytes_new_static ("x", 1);

  hy_message_builder_set_body (builder, "plain");
  {
    g_autoptr(HyMessage) m = reparse (builder);
    g_assert_cmpstr (root_type (m), ==, "text/plain");
  }

  g_assert_true (hy_message_builder_add_alternative (builder, "<p>html</p>", &error));
  g_assert_no_error (error);
  {
    g_autoptr(HyMessage) m = reparse (builder);
    GPtrArray *children = hy_mime_part_get_children (hy_message_get_root_part (m));

    g_assert_cmpstr (root_type (m), ==, "multipart/alternative");
    g_assert_cmpuint (children->len, ==, 2);
    g_assert_cmpstr (hy_mime_part_get_content_type (g_ptr_array_index (children, 0)), ==, "text/plain");
    g_assert_cmpstr (hy_mime_part_get_content_type (g_ptr_array_index (children, 1)), ==, "text/html");
  }

  g_assert_true (hy_message_builder_add_inline_bytes (builder, data, "image/png", "a.png", "img1@x", &error));
  g_assert_no_error (error);
  {
    g_autoptr(HyMessage) m = reparse (builder);
    GPtrArray *children = hy_mime_part_get_children (hy_message_get_root_part (m));
    HyMimePart *related = g_ptr_array_index (children, 1);

    g_assert_cmpstr (root_type (m), ==, "multipart/alternative");
    g_assert_cmpstr (hy_mime_part_get_content_type (related), ==, "multipart/related");
    g_assert_nonnull (hy_message_get_part_by_content_id (m, "cid:img1@x"));
  }

  g_assert_true (hy_message_builder_add_attachment_bytes (builder, data, "text/plain", "x.txt", &error));
  g_assert_no_error (error);
  {
    g_autoptr(HyMessage) m = reparse (builder);
    GPtrArray *children = hy_mime_part_get_children (hy_message_get_root_part (m));

    g_assert_cmpstr (root_type (m), ==, "multipart/mixed");
    g_assert_cmpstr (hy_mime_part_get_content_type (g_ptr_array_index (children, 0)), ==, "multipart/alternative");
    g_assert_cmpuint (hy_message_get_attachments (m)->len, ==, 1);
  }

  /* Like EmailMessage: no alternative once the message is mixed. */
  g_assert_false (hy_message_builder_add_alternative (builder, "<p>late</p>", &error));
  g_assert_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_STRUCTURE);
}

static void
test_tree_attachment_only_and_foreign (void)
{
  g_autoptr(HyMessageBuilder) builder = new_builder ();
  g_autoptr(HyMessageBuilder) signed_builder = new_builder ();
  g_autoptr(GMimeMultipart) signed_part = g_mime_multipart_new_with_subtype ("signed");
  g_autoptr(GBytes) data = g_bytes_new_static ("x", 1);
  g_autoptr(GError) error = NULL;

  g_assert_true (hy_message_builder_add_attachment_bytes (builder, data, NULL, "notes.txt", &error));
  g_assert_no_error (error);
  {
    g_autoptr(HyMessage) m = reparse (builder);

    g_assert_cmpstr (root_type (m), ==, "multipart/mixed");
    g_assert_cmpstr (hy_mime_part_get_content_type (g_ptr_array_index (hy_message_get_attachments (m), 0)), ==,
                     "text/plain");   /* guessed from the name */
  }

  hy_message_builder_set_content (signed_builder, GMIME_OBJECT (signed_part));
  g_assert_false (hy_message_builder_add_attachment_bytes (signed_builder, data, "text/plain", "x.txt", &error));
  g_assert_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_STRUCTURE);
  g_clear_error (&error);

  /* An inline part needs something to be shown in. */
  {
    g_autoptr(HyMessageBuilder) empty = new_builder ();

    g_assert_false (hy_message_builder_add_inline_bytes (empty, data, "image/png", "a.png", "c@x", &error));
    g_assert_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_STRUCTURE);
  }
}

static void
test_header_validation (void)
{
  g_autoptr(HyMessageBuilder) builder = new_builder ();
  static const char * const bad_names[] = { "X Bad", "X:Bad", "", "X-Ünicode", "X-Tab\t", NULL };
  static const char * const bad_values[] = { "a\r\nBcc: evil@example.org", "a\nb", "a\rb", NULL };
  g_autofree char *wire = NULL;

  for (guint i = 0; bad_names[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (hy_message_builder_add_header (builder, bad_names[i], "v", &error));
      g_assert_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_HEADER);
    }
  for (guint i = 0; bad_values[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (hy_message_builder_add_header (builder, "X-Test", bad_values[i], &error));
      g_assert_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_HEADER);
    }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (hy_message_builder_add_header (builder, "bcc", "x@example.org", &error));
    g_assert_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_HEADER);
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (hy_message_builder_add_header (builder, "X-Campaign", "春季 promo", &error));
    g_assert_no_error (error);
  }
  /* A subject cannot inject a header either. */
  hy_message_builder_set_subject (builder, "Hi\r\nBcc: evil@example.org");
  hy_message_builder_set_body (builder, "body");
  wire = serialize (builder);
  g_assert_nonnull (strstr (wire, "\r\nSubject: Hi  Bcc: evil@example.org\r\n"));
  g_assert_null (strstr (wire, "\r\nBcc:"));
  g_assert_nonnull (strstr (wire, "\r\nX-Campaign: =?UTF-8?"));
  assert_wire_clean (wire);
}

static void
test_address_validation (void)
{
  g_autoptr(HyMessageBuilder) builder = hy_message_builder_new ();
  static const char * const bad[] = {
    "not an address", "bob@example.org\r\nBcc: x@example.org", "@example.org", "bob@", "bob@.example.org", NULL
  };

  for (guint i = 0; bad[i] != NULL; i++)
    {
      const char *one[] = { bad[i], NULL };
      g_autoptr(GError) error = NULL;

      g_assert_false (hy_message_builder_set_to (builder, one, &error));
      g_assert_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_ADDRESS);
    }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (hy_message_builder_set_from (builder, "a@example.org, b@example.org", &error));
    g_assert_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_ADDRESS);
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) bytes = hy_message_builder_to_bytes (builder, &error);

    g_assert_null (bytes);
    g_assert_error (error, HY_MIME_ERROR, HY_MIME_ERROR_MISSING_FIELD);
  }
}

static void
test_bcc_and_envelope (void)
{
  g_autoptr(HyMessageBuilder) builder = new_builder ();
  const char *to[] = { "Bob <bob@example.org>", "carol@example.org", NULL };
  const char *cc[] = { "BOB@EXAMPLE.ORG", "dave@例子.中国", NULL };
  const char *bcc[] = { "hidden@example.net", "carol@example.org", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *wire = NULL;
  g_auto(GStrv) envelope = NULL;

  g_assert_true (hy_message_builder_set_to (builder, to, &error));
  g_assert_true (hy_message_builder_set_cc (builder, cc, &error));
  g_assert_true (hy_message_builder_set_bcc (builder, bcc, &error));
  g_assert_no_error (error);
  hy_message_builder_set_body (builder, "hi");
  wire = serialize (builder);

  g_assert_null (strstr (wire, "hidden@example.net"));
  g_assert_null (g_strstr_len (wire, -1, "Bcc"));
  envelope = hy_message_builder_get_envelope_recipients (builder);
  g_assert_cmpuint (g_strv_length (envelope), ==, 4);
  g_assert_cmpstr (envelope[0], ==, "bob@example.org");
  g_assert_cmpstr (envelope[1], ==, "carol@example.org");
  g_assert_cmpstr (envelope[2], ==, "dave@xn--fsqu00a.xn--fiqs8s");
  g_assert_cmpstr (envelope[3], ==, "hidden@example.net");
}

static void
test_wire_format (void)
{
  g_autoptr(HyMessageBuilder) builder = new_builder ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) long_line = g_string_new (NULL);
  g_autofree char *wire = NULL;
  g_autofree char *headers = NULL;
  g_autoptr(HyMessage) parsed = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  GPtrArray *attachments;
  guint8 binary[1024];
  g_autoptr(GBytes) binary_bytes = NULL;
  g_autoptr(GBytes) ascii_bytes = g_bytes_new_static ("id,name\r\n1,x\r\n", 14);
  g_autoptr(GBytes) latin_bytes = NULL;

  for (guint i = 0; i < sizeof binary; i++)
    binary[i] = (guint8) (i * 7 + 3);
  binary_bytes = g_bytes_new (binary, sizeof binary);
  for (guint i = 0; i < 300; i++)
    g_string_append (long_line, "word ");
  g_string_append (long_line, "end");
  latin_bytes = g_bytes_new_static ("Caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9" "e and a lot of plain ASCII text around it\n", 56);

  hy_message_builder_set_subject (builder,
                                  "季度报告：请在周五之前审阅并回复，谢谢大家的配合 — a long subject that must be folded properly");
  hy_message_builder_set_body (builder, long_line->str);
  g_assert_true (hy_message_builder_add_attachment_bytes (builder, binary_bytes, "application/octet-stream", "b.bin", &error));
  g_assert_true (hy_message_builder_add_attachment_bytes (builder, ascii_bytes, "text/csv", "a.csv", &error));
  g_assert_true (hy_message_builder_add_attachment_bytes (builder, latin_bytes, "text/plain", "l.txt", &error));
  g_assert_no_error (error);
  wire = serialize (builder);
  assert_wire_clean (wire);

  headers = top_headers (wire);
  g_assert_nonnull (strstr (headers, "\r\nMIME-Version: 1.0\r\n"));
  g_assert_nonnull (strstr (headers, "\r\nSubject: =?UTF-8?"));
  g_assert_true (g_str_has_prefix (headers, "Date: ") || strstr (headers, "\r\nDate: ") != NULL);
  g_assert_nonnull (strstr (headers, "@example.com>\r\n"));   /* Message-ID in the sender's domain */

  parsed = hy_message_new_from_data (wire, strlen (wire));
  g_assert_cmpstr (hy_message_get_subject (parsed), ==,
                   "季度报告：请在周五之前审阅并回复，谢谢大家的配合 — a long subject that must be folded properly");
  g_assert_true (g_str_has_suffix (hy_message_get_message_id (parsed), "@example.com"));
  g_assert_cmpint (g_date_time_get_utc_offset (hy_message_get_date (parsed)), ==, g_date_time_get_utc_offset (now));
  /* A text body always ends with a line break on the wire. */
  g_string_append_c (long_line, '\n');
  g_assert_cmpstr (hy_message_get_text (parsed), ==, long_line->str);

  /* Encodings chosen per part. */
  g_assert_cmpstr (hy_mime_part_get_encoding (g_ptr_array_index (hy_message_get_parts (parsed), 1)), ==,
                   "quoted-printable");  /* text over 998 octets a line */
  attachments = hy_message_get_attachments (parsed);
  g_assert_cmpstr (hy_mime_part_get_encoding (g_ptr_array_index (attachments, 0)), ==, "base64");
  /* 7bit is the default, which GMime leaves implicit. */
  g_assert_true (hy_mime_part_get_encoding (g_ptr_array_index (attachments, 1)) == NULL ||
                 g_strcmp0 (hy_mime_part_get_encoding (g_ptr_array_index (attachments, 1)), "7bit") == 0);
  g_assert_cmpstr (hy_mime_part_get_encoding (g_ptr_array_index (attachments, 2)), ==, "quoted-printable");
  g_assert_cmpuint (hy_message_get_defects (parsed)->len, ==, 0);
}

static void
test_filenames (void)
{
  g_autoptr(HyMessageBuilder) builder = new_builder ();
  g_autoptr(GBytes) data = g_bytes_new_static ("%PDF", 4);
  g_autoptr(GError) error = NULL;
  g_autofree char *wire = NULL;
  g_autoptr(HyMessage) parsed = NULL;

  hy_message_builder_set_body (builder, "see attached");
  g_assert_true (hy_message_builder_add_attachment_bytes (builder, data, "application/pdf", "季度报告 2026.pdf", &error));
  g_assert_true (hy_message_builder_add_attachment_bytes (builder, data, "application/pdf", "../../etc/plain name.pdf", &error));
  g_assert_true (hy_message_builder_add_attachment_bytes (builder, data, "application/pdf",
                                                          "a_very_long_file_name_that_needs_more_than_one_header_line_in_every_header_2026.pdf",
                                                          &error));
  g_assert_no_error (error);
  wire = serialize (builder);
  /* Clients that read only name= do not understand RFC 2231 continuations. */
  g_assert_null (strstr (wire, " name*0"));
  g_assert_null (strstr (wire, "\tname*0"));

  g_assert_nonnull (strstr (wire, "filename*=UTF-8''%E5%AD%A3%E5%BA%A6%E6%8A%A5%E5%91%8A%202026.pdf"));
  g_assert_nonnull (strstr (wire, "name=\"=?UTF-8?"));
  g_assert_nonnull (strstr (wire, "filename=\"plain name.pdf\""));

  parsed = hy_message_new_from_data (wire, strlen (wire));
  g_assert_cmpstr (hy_mime_part_get_filename (g_ptr_array_index (hy_message_get_attachments (parsed), 0)), ==,
                   "季度报告 2026.pdf");
  g_assert_cmpstr (hy_mime_part_get_filename (g_ptr_array_index (hy_message_get_attachments (parsed), 1)), ==,
                   "plain name.pdf");
  g_assert_cmpstr (hy_mime_part_get_filename (g_ptr_array_index (hy_message_get_attachments (parsed), 2)), ==,
                   "a_very_long_file_name_that_needs_more_than_one_header_line_in_every_header_2026.pdf");
}

static void
test_round_trip (void)
{
  g_autoptr(HyMessageBuilder) builder = hy_message_builder_new ();
  const char *to[] = { "\"Wang, Fang\" <wangfang@example.cn>", "李雷 <lilei@example.cn>", NULL };
  const char *cc[] = { "Zoë <zoe@müller.example>", NULL };
  const char *reply_to[] = { "list@example.org", NULL };
  const char *refs[] = { "<a@example.org>", "b@example.org", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("hy-mime-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "照片.jpg", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GByteArray) big = g_byte_array_new ();
  g_autoptr(GBytes) img = g_bytes_new_static ("\x89PNG\r\n\x1a\nimage", 13);
  g_autoptr(GBytes) doc = g_bytes_new_static ("plain\nnotes\n", 12);
  g_autoptr(HyMessage) parsed = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autofree char *html = NULL;
  GPtrArray *attachments;
  const char * const *parsed_refs;
  const char *text = "你好，\n\n这是一封测试邮件。\nLine with trailing space \n> not a quote\n";

  g_assert_no_error (error);
  for (guint i = 0; i < 200 * 1024; i++)
    {
      guint8 b = (guint8) g_rand_int (rand);

      g_byte_array_append (big, &b, 1);
    }
  g_assert_true (g_file_set_contents (path, (const char *) big->data, big->len, &error));

  g_assert_true (hy_message_builder_set_from (builder, "张三 <zhangsan@example.cn>", &error));
  g_assert_true (hy_message_builder_set_to (builder, to, &error));
  g_assert_true (hy_message_builder_set_cc (builder, cc, &error));
  g_assert_true (hy_message_builder_set_reply_to (builder, reply_to, &error));
  g_assert_true (hy_message_builder_add_header (builder, "X-Priority", "1", &error));
  g_assert_no_error (error);
  hy_message_builder_set_subject (builder, "回复：项目进度 (第 3 周)");
  hy_message_builder_set_in_reply_to (builder, "<b@example.org>");
  hy_message_builder_set_references (builder, refs);
  hy_message_builder_set_body (builder, text);
  g_assert_true (hy_message_builder_add_alternative (builder, "<p>你好 <img src=\"cid:logo@example.cn\"></p>", &error));
  g_assert_true (hy_message_builder_add_inline_bytes (builder, img, "image/png", "logo.png", "<logo@example.cn>", &error));
  g_assert_true (hy_message_builder_add_attachment_file (builder, file, NULL, NULL, &error));
  g_assert_true (hy_message_builder_add_attachment_bytes (builder, doc, "text/plain", "说明.txt", &error));
  g_assert_no_error (error);

  parsed = reparse (builder);
  g_assert_cmpstr (hy_message_get_subject (parsed), ==, "回复：项目进度 (第 3 周)");
  g_assert_cmpstr (hy_address_get_name (g_ptr_array_index (hy_message_get_from (parsed), 0)), ==, "张三");
  g_assert_cmpstr (hy_address_get_name (g_ptr_array_index (hy_message_get_to (parsed), 0)), ==, "Wang, Fang");
  g_assert_cmpstr (hy_address_get_name (g_ptr_array_index (hy_message_get_to (parsed), 1)), ==, "李雷");
  g_assert_cmpstr (hy_address_get_address (g_ptr_array_index (hy_message_get_cc (parsed), 0)), ==, "zoe@müller.example");
  g_assert_cmpstr (hy_address_get_address (g_ptr_array_index (hy_message_get_reply_to (parsed), 0)), ==, "list@example.org");
  g_assert_cmpuint (hy_message_get_bcc (parsed)->len, ==, 0);
  g_assert_cmpstr (hy_message_get_in_reply_to (parsed), ==, "b@example.org");
  parsed_refs = hy_message_get_references (parsed);
  g_assert_cmpstr (parsed_refs[0], ==, "a@example.org");
  g_assert_cmpstr (parsed_refs[1], ==, "b@example.org");
  g_assert_cmpstr (hy_message_get_message_id (parsed), ==, hy_message_builder_get_message_id (builder));
  {
    g_autofree char *priority = g_strdup (hy_message_get_header (parsed, "X-Priority"));

    g_assert_cmpstr (g_strstrip (priority), ==, "1");
  }
  g_assert_cmpstr (hy_message_get_text (parsed), ==, text);
  html = hy_message_dup_html (parsed);
  g_assert_cmpstr (html, ==, "<p>你好 <img src=\"cid:logo@example.cn\"></p>\n");
  {
    HyMimePart *logo = hy_message_get_part_by_content_id (parsed, "cid:logo@example.cn");
    g_autoptr(GBytes) logo_bytes = NULL;

    g_assert_nonnull (logo);
    logo_bytes = hy_mime_part_get_content_bytes (logo);
    g_assert_true (g_bytes_equal (logo_bytes, img));
  }

  attachments = hy_message_get_attachments (parsed);
  g_assert_cmpuint (attachments->len, ==, 2);
  {
    HyMimePart *photo = g_ptr_array_index (attachments, 0);
    HyMimePart *notes = g_ptr_array_index (attachments, 1);
    g_autoptr(GBytes) photo_bytes = hy_mime_part_get_content_bytes (photo);
    g_autoptr(GBytes) notes_bytes = hy_mime_part_get_content_bytes (notes);

    g_assert_cmpstr (hy_mime_part_get_filename (photo), ==, "照片.jpg");
    g_assert_cmpstr (hy_mime_part_get_content_type (photo), ==, "image/jpeg");  /* guessed */
    g_assert_cmpmem (g_bytes_get_data (photo_bytes, NULL), g_bytes_get_size (photo_bytes), big->data, big->len);
    g_assert_cmpint (hy_mime_part_get_size (photo), ==, big->len);
    g_assert_cmpstr (hy_mime_part_get_filename (notes), ==, "说明.txt");
    g_assert_true (g_bytes_equal (notes_bytes, doc));   /* no newline conversion in attachments */
  }
  g_assert_cmpuint (hy_message_get_defects (parsed)->len, ==, 0);

  g_unlink (path);
  g_rmdir (dir);
}

static HyMessage *
original_message (void)
{
  static const char original[] =
    "From: \"Frank\" <frank@example.org>\r\n"
    "To: me@example.com, Grace <grace@example.org>, team@example.org\r\n"
    "Cc: Me Again <ME@example.com>, frank@example.org, heidi@example.org\r\n"
    "Subject: =?utf-8?B?5Zue5aSNOiBSZTog6aG555uu6L+b5bqm?=\r\n"
    "Date: Thu, 19 Nov 2026 09:30:00 +0800\r\n"
    "Message-ID: <m3@example.org>\r\n"
    "In-Reply-To: <m2@example.org>\r\n"
    "References: <m1@example.org> <m2@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"X\"\r\n"
    "\r\n"
    "--X\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Numbers are in.\r\n"
    "> earlier\r\n"
    "--X\r\n"
    "Content-Type: text/csv; name=\"q.csv\"\r\n"
    "Content-Disposition: attachment; filename=\"q.csv\"\r\n"
    "\r\n"
    "q1,100\r\n"
    "--X--\r\n";

  return hy_message_new_from_data (original, sizeof original - 1);
}

static void
test_reply (void)
{
  g_autoptr(HyMessage) original = original_message ();
  const char *own[] = { "me@example.com", NULL };
  g_autoptr(HyMessageBuilder) reply = hy_message_builder_new_reply (original, FALSE, own);
  g_autoptr(HyMessage) parsed = NULL;
  const char * const *refs = hy_message_builder_get_references (reply);
  const char *body = hy_message_builder_get_body (reply);

  g_assert_cmpstr (hy_message_builder_get_subject (reply), ==, "Re: 项目进度");
  g_assert_cmpuint (hy_message_builder_get_to (reply)->len, ==, 1);
  g_assert_cmpstr (hy_address_get_address (g_ptr_array_index (hy_message_builder_get_to (reply), 0)), ==,
                   "frank@example.org");
  g_assert_cmpuint (hy_message_builder_get_cc (reply)->len, ==, 0);
  g_assert_cmpstr (hy_address_get_address (hy_message_builder_get_from (reply)), ==, "me@example.com");
  g_assert_cmpstr (hy_message_builder_get_in_reply_to (reply), ==, "m3@example.org");
  g_assert_cmpstr (refs[0], ==, "m1@example.org");
  g_assert_cmpstr (refs[1], ==, "m2@example.org");
  g_assert_cmpstr (refs[2], ==, "m3@example.org");
  g_assert_null (refs[3]);
  g_assert_nonnull (strstr (body, "On 2026-11-19 09:30 +08:00, Frank wrote:\n> Numbers are in.\n>> earlier\n"));

  parsed = reparse (reply);
  g_assert_cmpstr (hy_message_get_in_reply_to (parsed), ==, "m3@example.org");
  g_assert_cmpuint (g_strv_length ((GStrv) hy_message_get_references (parsed)), ==, 3);
}

static void
test_reply_all (void)
{
  g_autoptr(HyMessage) original = original_message ();
  const char *own[] = { "me@example.com", "me@other.example", NULL };
  g_autoptr(HyMessageBuilder) reply = hy_message_builder_new_reply (original, TRUE, own);
  GPtrArray *to = hy_message_builder_get_to (reply);
  GPtrArray *cc = hy_message_builder_get_cc (reply);

  /* Frank, then the other To recipients; the user and duplicates left out. */
  g_assert_cmpuint (to->len, ==, 3);
  g_assert_cmpstr (hy_address_get_address (g_ptr_array_index (to, 0)), ==, "frank@example.org");
  g_assert_cmpstr (hy_address_get_address (g_ptr_array_index (to, 1)), ==, "grace@example.org");
  g_assert_cmpstr (hy_address_get_address (g_ptr_array_index (to, 2)), ==, "team@example.org");
  g_assert_cmpuint (cc->len, ==, 1);
  g_assert_cmpstr (hy_address_get_address (g_ptr_array_index (cc, 0)), ==, "heidi@example.org");
}

static void
test_reply_to_own_message (void)
{
  static const char sent[] =
    "From: Me <me@example.com>\r\n"
    "To: Grace <grace@example.org>\r\n"
    "Cc: heidi@example.org\r\n"
    "Reply-To: me@example.com\r\n"
    "Subject: Plans\r\n"
    "Message-ID: <s1@example.com>\r\n"
    "\r\n"
    "Shall we?\r\n";
  g_autoptr(HyMessage) original = hy_message_new_from_data (sent, sizeof sent - 1);
  const char *own[] = { "me@example.com", NULL };
  g_autoptr(HyMessageBuilder) reply = hy_message_builder_new_reply (original, FALSE, own);
  g_autoptr(HyMessageBuilder) reply_all = hy_message_builder_new_reply (original, TRUE, own);

  /* A follow-up to one's own message goes to its recipients. */
  g_assert_cmpuint (hy_message_builder_get_to (reply)->len, ==, 1);
  g_assert_cmpstr (hy_address_get_address (g_ptr_array_index (hy_message_builder_get_to (reply), 0)), ==,
                   "grace@example.org");
  g_assert_cmpuint (hy_message_builder_get_cc (reply)->len, ==, 0);
  g_assert_cmpuint (hy_message_builder_get_cc (reply_all)->len, ==, 1);
  g_assert_cmpstr (hy_address_get_address (hy_message_builder_get_from (reply)), ==, "me@example.com");
  g_assert_cmpstr (hy_message_builder_get_in_reply_to (reply), ==, "s1@example.com");
}

static void
test_forward (void)
{
  g_autoptr(HyMessage) original = original_message ();
  g_autoptr(GError) error = NULL;
  g_autoptr(HyMessageBuilder) inline_fwd = hy_message_builder_new_forward (original, HY_FORWARD_INLINE, &error);
  g_autoptr(HyMessageBuilder) attached = NULL;
  const char *to[] = { "ivan@example.org", NULL };
  g_autoptr(HyMessage) parsed = NULL;
  g_autoptr(HyMessage) parsed_attached = NULL;
  HyMimePart *rfc822;

  g_assert_no_error (error);
  g_assert_cmpstr (hy_message_builder_get_subject (inline_fwd), ==, "Fwd: 回复: Re: 项目进度");
  g_assert_nonnull (strstr (hy_message_builder_get_body (inline_fwd), "Forwarded message"));
  g_assert_nonnull (strstr (hy_message_builder_get_body (inline_fwd), "From: Frank <frank@example.org>\n"));
  g_assert_nonnull (strstr (hy_message_builder_get_body (inline_fwd), "Numbers are in."));
  g_assert_true (hy_message_builder_set_from (inline_fwd, "me@example.com", &error));
  g_assert_true (hy_message_builder_set_to (inline_fwd, to, &error));
  parsed = reparse (inline_fwd);
  g_assert_cmpuint (hy_message_get_attachments (parsed)->len, ==, 1);
  g_assert_cmpstr (hy_mime_part_get_filename (g_ptr_array_index (hy_message_get_attachments (parsed), 0)), ==, "q.csv");

  attached = hy_message_builder_new_forward (original, HY_FORWARD_AS_ATTACHMENT, &error);
  g_assert_no_error (error);
  g_assert_true (hy_message_builder_set_from (attached, "me@example.com", &error));
  g_assert_true (hy_message_builder_set_to (attached, to, &error));
  parsed_attached = reparse (attached);
  g_assert_cmpuint (hy_message_get_attachments (parsed_attached)->len, ==, 1);
  rfc822 = g_ptr_array_index (hy_message_get_attachments (parsed_attached), 0);
  g_assert_cmpstr (hy_mime_part_get_content_type (rfc822), ==, "message/rfc822");
  g_assert_nonnull (hy_mime_part_get_message (rfc822));
  g_assert_cmpstr (hy_message_get_message_id (hy_mime_part_get_message (rfc822)), ==, "m3@example.org");
  g_assert_cmpstr (hy_message_get_text (hy_mime_part_get_message (rfc822)), ==, "Numbers are in.\n> earlier");
}

/* The content of the first message/rfc822 part of @wire, as on the wire:
 * from after its header block to the CRLF before the next boundary. */
static GBytes *
rfc822_part_on_wire (GBytes *wire)
{
  gsize size;
  const char *data = g_bytes_get_data (wire, &size);
  const char *type = g_strstr_len (data, size, "Content-Type: message/rfc822");
  const char *start, *end;

  g_assert_nonnull (type);
  start = g_strstr_len (type, size - (type - data), "\r\n\r\n");
  g_assert_nonnull (start);
  start += 4;
  end = g_strstr_len (start, size - (start - data), "\r\n--");
  g_assert_nonnull (end);
  /* The CRLF before the boundary belongs to the boundary (RFC 2046). */
  return g_bytes_new (start, end - start);
}

/* Forward as attachment with the original's bytes: an 8-bit body (in
 * GB18030 and in UTF-8) travels unchanged, with Content-Transfer-Encoding
 * 8bit; LF line breaks become CRLF and nothing else changes; a message with
 * a NUL byte is attached as GMime writes it. */
static void
test_forward_raw (void)
{
  static const char gb18030[] =
    "From: =?GB18030?B?1cXI/Q==?= <zhang@example.cn>\r\n"
    "To: me@example.com\r\n"
    "Subject: =?GB18030?B?1tzA/bvh?=\r\n"
    "Date: Thu, 19 Nov 2026 09:30:00 +0800\r\n"
    "Message-ID: <gb@example.cn>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=GB18030\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "X-Odd-Header:   kept   as it   was  \r\n"
    "\r\n"
    "\xd6\xdc\xc0\xfd\xbb\xe1\xd4\xda\xc8\xfd\xba\xc5\xbb\xe1\xd2\xe9\xca\xd2\xa1\xa3\r\n"
    ".a line starting with a dot\r\n"
    "From the start of a line\r\n";
  static const char utf8_lf[] =
    "From: Li <li@example.cn>\n"
    "To: me@example.com\n"
    "Subject: LF only\n"
    "Message-ID: <lf@example.cn>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "周会在三号会议室。\n";
  const char *to[] = { "ivan@example.org", NULL };
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(GBytes) raw = g_bytes_new_static (gb18030, sizeof gb18030 - 1);
    g_autoptr(HyMessageBuilder) builder = hy_message_builder_new ();
    g_autoptr(GBytes) wire = NULL;
    g_autoptr(GBytes) part = NULL;
    g_autoptr(HyMessage) parsed = NULL;
    HyMimePart *rfc822;

    g_assert_true (hy_message_builder_set_from (builder, "me@example.com", &error));
    g_assert_true (hy_message_builder_set_to (builder, to, &error));
    hy_message_builder_set_subject (builder, "Fwd: 周例会");
    hy_message_builder_set_body (builder, "See below.");
    g_assert_true (hy_message_builder_add_message_attachment_bytes (builder, raw, &error));
    g_assert_no_error (error);
    wire = hy_message_builder_to_bytes (builder, &error);
    g_assert_no_error (error);
    part = rfc822_part_on_wire (wire);
    g_assert_cmpmem (g_bytes_get_data (part, NULL), g_bytes_get_size (part),
                     gb18030, sizeof gb18030 - 1);
    {
      const char *data = g_bytes_get_data (wire, NULL);
      const char *type = strstr (data, "Content-Type: message/rfc822");
      g_autofree char *headers = g_strndup (type, (const char *) g_bytes_get_data (part, NULL) - type);

      g_assert_nonnull (strstr (headers, "\r\nContent-Transfer-Encoding: 8bit\r\n"));
      g_assert_null (strstr (headers, "name="));
    }
    parsed = hy_message_new_from_bytes (wire);
    rfc822 = g_ptr_array_index (hy_message_get_attachments (parsed), 0);
    g_assert_cmpstr (hy_mime_part_get_content_type (rfc822), ==, "message/rfc822");
    g_assert_cmpstr (hy_mime_part_get_filename (rfc822), ==, "周例会.eml");
    g_assert_cmpstr (hy_message_get_subject (hy_mime_part_get_message (rfc822)), ==, "周例会");
    g_assert_cmpstr (hy_message_get_text (hy_mime_part_get_message (rfc822)), ==,
                     "周例会在三号会议室。\n.a line starting with a dot\nFrom the start of a line\n");
  }
  {
    g_autoptr(GBytes) raw = g_bytes_new_static (utf8_lf, sizeof utf8_lf - 1);
    g_autoptr(HyMessageBuilder) builder = hy_message_builder_new ();
    g_autoptr(GBytes) wire = NULL;
    g_autoptr(GBytes) part = NULL;
    g_autoptr(GString) crlf = g_string_new (NULL);

    for (const char *p = utf8_lf; *p != '\0'; p++)
      {
        if (*p == '\n')
          g_string_append_c (crlf, '\r');
        g_string_append_c (crlf, *p);
      }
    g_assert_true (hy_message_builder_set_from (builder, "me@example.com", &error));
    g_assert_true (hy_message_builder_set_to (builder, to, &error));
    hy_message_builder_set_body (builder, "");
    g_assert_true (hy_message_builder_add_message_attachment_bytes (builder, raw, &error));
    wire = hy_message_builder_to_bytes (builder, &error);
    g_assert_no_error (error);
    part = rfc822_part_on_wire (wire);
    g_assert_cmpmem (g_bytes_get_data (part, NULL), g_bytes_get_size (part), crlf->str, crlf->len);
  }
  {
    static const char with_nul[] = "Subject: nul\r\n\r\na\0b\r\n";
    g_autoptr(GBytes) raw = g_bytes_new_static (with_nul, sizeof with_nul - 1);
    g_autoptr(HyMessageBuilder) builder = hy_message_builder_new ();
    g_autoptr(HyMessage) parsed = NULL;

    g_assert_true (hy_message_builder_set_from (builder, "me@example.com", &error));
    g_assert_true (hy_message_builder_set_to (builder, to, &error));
    hy_message_builder_set_body (builder, "");
    g_assert_true (hy_message_builder_add_message_attachment_bytes (builder, raw, &error));
    g_assert_no_error (error);
    parsed = reparse (builder);
    g_assert_cmpuint (hy_message_get_attachments (parsed)->len, ==, 1);
    g_assert_cmpstr (hy_mime_part_get_content_type (g_ptr_array_index (hy_message_get_attachments (parsed), 0)),
                     ==, "message/rfc822");
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/engine/mime/build/tree-rules", test_tree_rules);
  g_test_add_func ("/engine/mime/build/tree-attachment-only-and-foreign", test_tree_attachment_only_and_foreign);
  g_test_add_func ("/engine/mime/build/header-validation", test_header_validation);
  g_test_add_func ("/engine/mime/build/address-validation", test_address_validation);
  g_test_add_func ("/engine/mime/build/bcc-and-envelope", test_bcc_and_envelope);
  g_test_add_func ("/engine/mime/build/wire-format", test_wire_format);
  g_test_add_func ("/engine/mime/build/filenames", test_filenames);
  g_test_add_func ("/engine/mime/build/round-trip", test_round_trip);
  g_test_add_func ("/engine/mime/build/reply", test_reply);
  g_test_add_func ("/engine/mime/build/reply-all", test_reply_all);
  g_test_add_func ("/engine/mime/build/reply-to-own-message", test_reply_to_own_message);
  g_test_add_func ("/engine/mime/build/forward", test_forward);
  g_test_add_func ("/engine/mime/build/forward-raw", test_forward_raw);

  return g_test_run ();
}
