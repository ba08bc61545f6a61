/* test-smtp-reply.c — SMTP reply parser and DATA stuffer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <string.h>

#include "smtp/hy-smtp-error.h"
#include "smtp/hy-smtp-reply.h"
#include "smtp/hy-smtp-stuffer.h"

static HySmtpReply *
parse (const char  *text,
       gsize       *consumed,
       GError     **error)
{
  return hy_smtp_reply_parse (text, strlen (text), consumed, error);
}

static void
test_multiline (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HySmtpReply) reply = NULL;
  g_autoptr(GHashTable) features = NULL;
  gsize consumed = 0;
  const char *ehlo = "250-mail.example.org at your service\r\n"
                     "250-SIZE 35882577\r\n"
                     "250-8BITMIME\r\n"
                     "250-AUTH=LOGIN\r\n"
                     "250-auth PLAIN SCRAM-SHA-256\r\n"
                     "250-ENHANCEDSTATUSCODES\r\n"
                     "250 PIPELINING\r\n"
                     "220 next reply\r\n";

  reply = parse (ehlo, &consumed, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
  g_assert_cmpuint (consumed, ==, strlen (ehlo) - strlen ("220 next reply\r\n"));
  g_assert_cmpuint (hy_smtp_reply_get_code (reply), ==, 250);
  g_assert_cmpuint (hy_smtp_reply_get_n_lines (reply), ==, 7);
  g_assert_true (hy_smtp_reply_is_positive (reply));

  features = hy_smtp_reply_parse_ehlo (reply);
  g_assert_cmpstr (g_hash_table_lookup (features, "SIZE"), ==, "35882577");
  g_assert_cmpstr (g_hash_table_lookup (features, "8BITMIME"), ==, "");
  g_assert_cmpstr (g_hash_table_lookup (features, "AUTH"), ==, "PLAIN SCRAM-SHA-256");
  g_assert_true (g_hash_table_contains (features, "PIPELINING"));
  g_assert_false (g_hash_table_contains (features, "MAIL.EXAMPLE.ORG"));
}

static void
test_enhanced (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HySmtpReply) reply = NULL;
  g_autoptr(HySmtpReply) odd = NULL;
  g_autofree char *text = NULL;
  gsize consumed;

  reply = parse ("550-5.1.1 <bob@example.org>: Recipient\r\n550 5.1.1 address rejected\r\n",
                 &consumed, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hy_smtp_reply_get_code (reply), ==, 550);
  g_assert_cmpstr (hy_smtp_reply_get_enhanced (reply), ==, "5.1.1");
  g_assert_cmpstr (hy_smtp_reply_get_line (reply, 1), ==, "address rejected");
  g_assert_true (hy_smtp_reply_is_permanent (reply));
  text = hy_smtp_reply_get_text (reply);
  g_assert_cmpstr (text, ==, "550 5.1.1 <bob@example.org>: Recipient address rejected");

  /* A class that does not match the code is text, not a status code. */
  odd = parse ("451 5.1.1 odd\r\n", &consumed, &error);
  g_assert_null (hy_smtp_reply_get_enhanced (odd));
  g_assert_true (hy_smtp_reply_is_temporary (odd));

  g_clear_pointer (&reply, hy_smtp_reply_unref);
  reply = parse ("354\r\n", &consumed, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hy_smtp_reply_get_code (reply), ==, 354);
}

static void
test_incomplete_and_malformed (void)
{
  g_autoptr(GError) error = NULL;
  gsize consumed = 99;
  const char *bad[] = {
    "250-first\r\n251 second\r\n",
    "25\r\n",
    "abc hello\r\n",
    "250xhello\r\n",
    "650 out of range\r\n",
    "* OK imap\r\n",
  };

  g_assert_null (parse ("250-more to come\r\n250 and", &consumed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (consumed, ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_null (parse (bad[i], &consumed, &error));
      g_assert_error (error, HY_SMTP_ERROR, HY_SMTP_ERROR_PROTOCOL);
      g_clear_error (&error);
    }
}

static char *
stuff (const char *input,
       gboolean    dot_stuff,
       gboolean    strip_bcc,
       gsize       piece)
{
  g_autoptr(HySmtpStuffer) s = hy_smtp_stuffer_new (dot_stuff, strip_bcc);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize len = strlen (input);

  /* Feed in small pieces so that every state crosses a chunk boundary. */
  for (gsize i = 0; i < len; i += piece)
    hy_smtp_stuffer_feed (s, (const guint8 *) input + i, MIN (piece, len - i), out);
  hy_smtp_stuffer_finish (s, out);
  g_byte_array_append (out, (const guint8 *) "", 1);
  return g_strdup ((char *) out->data);
}

static void
test_stuffer (void)
{
  for (gsize piece = 1; piece <= 7; piece += 3)
    {
      g_autofree char *a = stuff ("Subject: x\n\n.hidden\nline\r\n..two\r\n.", TRUE, FALSE, piece);
      g_autofree char *b = stuff ("To: a@example.org\r\nBcc: secret@example.org,\r\n"
                                  " other@example.org\r\nbcc:x@y\nSubject: hi\r\n\r\n"
                                  "Bcc: in the body stays\r\n", TRUE, TRUE, piece);
      g_autofree char *c = stuff ("no final newline", FALSE, FALSE, piece);
      g_autofree char *d = stuff ("bare\rcr\r\n.", FALSE, FALSE, piece);

      g_assert_cmpstr (a, ==, "Subject: x\r\n\r\n..hidden\r\nline\r\n...two\r\n..\r\n");
      g_assert_cmpstr (b, ==, "To: a@example.org\r\nSubject: hi\r\n\r\nBcc: in the body stays\r\n");
      g_assert_cmpstr (c, ==, "no final newline\r\n");
      g_assert_cmpstr (d, ==, "bare\r\ncr\r\n.\r\n");
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/smtp/reply/multiline-ehlo", test_multiline);
  g_test_add_func ("/engine/smtp/reply/enhanced", test_enhanced);
  g_test_add_func ("/engine/smtp/reply/incomplete-and-malformed", test_incomplete_and_malformed);
  g_test_add_func ("/engine/smtp/stuffer", test_stuffer);

  return g_test_run ();
}
