/* test-compose-text.c — address tokens, mailto: links and the attachment reminder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>

#include "hy-address-tokens.h"
#include "hy-attachment-reminder.h"
#include "hy-mailto.h"
#include "mime/hy-message.h"
#include "mime/hy-message-builder.h"
#include "mime/hy-mime-part.h"
#include "mime/hy-text-utils.h"

static void
assert_strv (GStrv               actual,
             const char * const *expected)
{
  g_assert_cmpuint (g_strv_length (actual), ==, g_strv_length ((GStrv) expected));
  for (guint i = 0; expected[i] != NULL; i++)
    g_assert_cmpstr (actual[i], ==, expected[i]);
}

static void
test_tokens_separators (void)
{
  g_auto(GStrv) tokens = hy_address_tokens_split ("Name <a@b.example>, c@d.example; e@f.example");

  assert_strv (tokens, (const char *[]) { "Name <a@b.example>", "c@d.example", "e@f.example", NULL });
}

static void
test_tokens_quoted (void)
{
  g_auto(GStrv) tokens = hy_address_tokens_split ("\"Doe, John; Jr.\" <john@example.org>;;"
                                                  " 王小明 <wang@example.cn>,\n"
                                                  "x@example.org (Work, main) ,  ");

  assert_strv (tokens, (const char *[]) { "\"Doe, John; Jr.\" <john@example.org>",
                                          "王小明 <wang@example.cn>",
                                          "x@example.org (Work, main)", NULL });
}

static void
test_tokens_empty (void)
{
  g_auto(GStrv) none = hy_address_tokens_split (" , ; ");
  g_auto(GStrv) null = hy_address_tokens_split (NULL);

  g_assert_cmpuint (g_strv_length (none), ==, 0);
  g_assert_cmpuint (g_strv_length (null), ==, 0);
}

static void
test_tokens_valid (void)
{
  g_assert_true (hy_address_token_is_valid ("Name <a@b.example>"));
  g_assert_true (hy_address_token_is_valid ("a@b.example"));
  g_assert_true (hy_address_token_is_valid ("王小明 <wang@例子.中国>"));
  g_assert_false (hy_address_token_is_valid ("just a name"));
  g_assert_false (hy_address_token_is_valid ("a@"));
  g_assert_false (hy_address_token_is_valid ("@b.example"));
  g_assert_false (hy_address_token_is_valid ("a@b..example"));
  g_assert_false (hy_address_token_is_valid ("a@b.example, c@d.example"));
  g_assert_false (hy_address_token_is_valid (""));
}

static void
test_mailto_full (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyMailto) m =
    hy_mailto_parse ("mailto:bob@example.org,carol@example.org?cc=dave%40example.org"
                     "&BCC=eve@example.org&subject=%E4%BD%A0%E5%A5%BD%20a+b"
                     "&body=line%201%0D%0Aline%202&to=frank@example.org"
                     "&in-reply-to=%3Cid%40example.org%3E", &error);

  g_assert_no_error (error);
  assert_strv (m->to, (const char *[]) { "bob@example.org,carol@example.org",
                                         "frank@example.org", NULL });
  assert_strv (m->cc, (const char *[]) { "dave@example.org", NULL });
  assert_strv (m->bcc, (const char *[]) { "eve@example.org", NULL });
  g_assert_cmpstr (m->subject, ==, "你好 a+b");
  g_assert_cmpstr (m->body, ==, "line 1\nline 2");
  g_assert_cmpstr (m->in_reply_to, ==, "<id@example.org>");
}

static void
test_mailto_minimal (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyMailto) m = hy_mailto_parse ("MAILTO:?subject=Hi&attach=/etc/passwd&from=x@y#frag", &error);

  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (m->to), ==, 0);
  g_assert_cmpstr (m->subject, ==, "Hi");
  g_assert_null (m->body);
}

static void
test_mailto_invalid (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyMailto) bad_scheme = hy_mailto_parse ("http://example.org/", &error);
  g_autoptr(HyMailto) bad_utf8 = NULL;

  g_assert_null (bad_scheme);
  g_assert_error (error, G_URI_ERROR, G_URI_ERROR_FAILED);
  g_clear_error (&error);

  bad_utf8 = hy_mailto_parse ("mailto:a@b.example?subject=%FF%FE", &error);
  g_assert_null (bad_utf8);
  g_assert_error (error, G_URI_ERROR, G_URI_ERROR_FAILED);
}

static void
test_reminder_english (void)
{
  g_assert_true (hy_attachment_reminder_mentions ("Hi,\nthe report is attached.\n"));
  g_assert_true (hy_attachment_reminder_mentions ("See the ATTACHMENT for details"));
  g_assert_true (hy_attachment_reminder_mentions ("Please find enclosed the invoice."));
  g_assert_true (hy_attachment_reminder_mentions ("PFA, thanks"));
  g_assert_false (hy_attachment_reminder_mentions ("Detach the cable and restart."));
  g_assert_false (hy_attachment_reminder_mentions ("Lunch at noon?"));
  g_assert_false (hy_attachment_reminder_mentions (NULL));
}

static void
test_reminder_chinese (void)
{
  g_assert_true (hy_attachment_reminder_mentions ("王老师：\n报告见附件，请查收。"));
  g_assert_true (hy_attachment_reminder_mentions ("附上合同扫描件"));
  g_assert_true (hy_attachment_reminder_mentions ("詳見附檔"));
  g_assert_false (hy_attachment_reminder_mentions ("我住在学校附近。"));
}

static void
test_reminder_quoted (void)
{
  g_assert_false (hy_attachment_reminder_mentions ("Thanks, got it.\n\n"
                                                   "On Monday, Bob wrote:\n"
                                                   "> The file is attached.\n"
                                                   ">> 见附件\n"));
  g_assert_false (hy_attachment_reminder_mentions ("Sounds good.\n-- \n"
                                                   "Alice — attachments over 10 MB via the portal\n"));
  g_assert_false (hy_attachment_reminder_mentions ("FYI\n\n-------- Forwarded Message --------\n"
                                                   "Subject: report\n\nReport attached.\n"));
  g_assert_true (hy_attachment_reminder_mentions ("Here it is, attached.\n\n> Can you send the file?\n"));
}

static void
test_flowed (void)
{
  g_autoptr(HyMessageBuilder) builder = hy_message_builder_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(HyMessage) message = NULL;
  g_autoptr(GString) paragraph = g_string_new (NULL);
  g_autofree char *text = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *lf = NULL;
  g_autofree char *decoded = NULL;
  g_auto(GStrv) lines = NULL;
  HyMimePart *root;

  for (guint i = 0; i < 30; i++)
    g_string_append (paragraph, "flowing words ");
  g_string_append (paragraph, "end.");
  text = g_strdup_printf ("%s\nFrom the start\n> quoted stays\n\n-- \nAlice", paragraph->str);

  g_assert_true (hy_message_builder_set_from (builder, "alice@example.org", &error));
  g_assert_true (hy_message_builder_set_to (builder, (const char *[]) { "bob@example.org", NULL }, &error));
  hy_message_builder_set_body_flowed (builder, text);
  bytes = hy_message_builder_to_bytes (builder, &error);
  g_assert_no_error (error);
  message = hy_message_new_from_bytes (bytes);
  root = hy_message_get_root_part (message);
  g_assert_cmpstr (hy_mime_part_get_parameter (root, "format"), ==, "flowed");

  /* The body as it is on the wire (7-bit text, no transfer encoding). */
  raw = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  lf = hy_text_normalize_newlines (strstr (raw, "\r\n\r\n") + 4);
  lines = g_strsplit (lf, "\n", -1);
  /* Soft-wrapped near 76 characters, each soft break a trailing space. */
  g_assert_cmpuint (g_strv_length (lines), >, 6);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_assert_cmpuint (strlen (lines[i]), <=, 78);
      if (g_str_has_prefix (lines[i], "flowing") && !g_str_has_suffix (lines[i], "end."))
        g_assert_true (g_str_has_suffix (lines[i], " "));
    }
  g_assert_nonnull (strstr (lf, "\n From the start\n"));   /* space-stuffed */
  g_assert_nonnull (strstr (lf, "\n-- \nAlice"));

  /* A reader joins it back into the paragraph as written. */
  decoded = hy_text_flowed_decode (lf, FALSE);
  g_assert_nonnull (strstr (decoded, paragraph->str));
  g_assert_nonnull (strstr (decoded, "\nFrom the start\n"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/app/compose/tokens/separators", test_tokens_separators);
  g_test_add_func ("/app/compose/tokens/quoted", test_tokens_quoted);
  g_test_add_func ("/app/compose/tokens/empty", test_tokens_empty);
  g_test_add_func ("/app/compose/tokens/valid", test_tokens_valid);
  g_test_add_func ("/app/compose/mailto/full", test_mailto_full);
  g_test_add_func ("/app/compose/mailto/minimal", test_mailto_minimal);
  g_test_add_func ("/app/compose/mailto/invalid", test_mailto_invalid);
  g_test_add_func ("/app/compose/reminder/english", test_reminder_english);
  g_test_add_func ("/app/compose/reminder/chinese", test_reminder_chinese);
  g_test_add_func ("/app/compose/reminder/quoted", test_reminder_quoted);
  g_test_add_func ("/app/compose/flowed", test_flowed);

  return g_test_run ();
}
