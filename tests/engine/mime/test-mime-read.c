/* test-mime-read.c — tests of the message model: charsets, samples of real
 * and malformed mail, text helpers and the JSON writer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "mime/hy-charset.h"
#include "mime/hy-json-writer.h"
#include "mime/hy-message.h"
#include "mime/hy-message-json.h"
#include "mime/hy-text-utils.h"

static HyMessage *
load_sample (const char *name)
{
  g_autofree char *path = g_build_filename (HY_MIME_SAMPLES_DIR, name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  HyMessage *message = hy_message_new_from_file (file, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
}

static gboolean
has_defect (HyMessage  *message,
            const char *fragment)
{
  GPtrArray *defects = hy_message_get_defects (message);

  for (guint i = 0; i < defects->len; i++)
    if (strstr (g_ptr_array_index (defects, i), fragment) != NULL)
      return TRUE;
  return FALSE;
}

static HyMimePart *
find_attachment (HyMessage  *message,
                 const char *filename)
{
  GPtrArray *attachments = hy_message_get_attachments (message);

  for (guint i = 0; i < attachments->len; i++)
    if (g_strcmp0 (hy_mime_part_get_filename (g_ptr_array_index (attachments, i)), filename) == 0)
      return g_ptr_array_index (attachments, i);
  return NULL;
}

/* Charsets ------------------------------------------------------------------ */

static void
check_decode (const char *utf8,
              const char *charset)
{
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  g_autofree char *encoded = g_convert (utf8, -1, charset, "UTF-8", NULL, &len, &error);
  g_autofree char *decoded = NULL;
  g_autofree char *defect = NULL;

  g_assert_no_error (error);
  decoded = hy_charset_decode (encoded, len, charset, &defect);
  g_assert_cmpstr (decoded, ==, utf8);
  g_assert_null (defect);
}

static void
test_charset_declared (void)
{
  check_decode ("简体中文：你好，世界", "GB2312");
  check_decode ("陶喆 朱镕基", "GBK");
  check_decode ("𠀀 GB18030 四字节", "GB18030");
  check_decode ("繁體中文", "Big5");
  check_decode ("こんにちは", "ISO-2022-JP");
  check_decode ("テスト", "Shift_JIS");
  check_decode ("日本語", "EUC-JP");
  check_decode ("안녕하세요", "EUC-KR");
  check_decode ("Привет", "KOI8-R");
  check_decode ("Zażółć gęślą jaźń", "ISO-8859-2");
  check_decode ("Здравствуйте", "windows-1251");
  check_decode ("naïve café €", "windows-1252");
  check_decode ("Hi Mom -☺-!", "UTF-7");
  check_decode ("Ελληνικά", "ISO-8859-7");
}

static void
test_charset_mislabelled (void)
{
  g_autofree char *gbk = g_convert ("陶喆的新歌 𠀀", -1, "GB18030", "UTF-8", NULL, NULL, NULL);
  g_autofree char *defect = NULL;
  g_autofree char *text = NULL;
  g_autofree char *latin_defect = NULL;
  g_autofree char *latin = NULL;

  /* GB2312 that is really GBK or GB18030 (a four-byte character):
   * decoded through the GB18030 superset. */
  text = hy_charset_decode (gbk, strlen (gbk), "gb2312", &defect);
  g_assert_cmpstr (text, ==, "陶喆的新歌 𠀀");
  g_assert_nonnull (defect);
  g_assert_nonnull (strstr (defect, "GB18030"));

  /* UTF-8 labelled Latin-1: the UTF-8 wins. */
  latin = hy_charset_decode ("caf\xc3\xa9 \xe4\xb8\xad", 9, "iso-8859-1", &latin_defect);
  g_assert_cmpstr (latin, ==, "café 中");
  g_assert_nonnull (latin_defect);
}

static void
test_charset_unknown_and_broken (void)
{
  g_autofree char *defect = NULL;
  g_autofree char *text = hy_charset_decode ("h\xc3\xa9llo", 6, "x-no-such-charset", &defect);
  g_autofree char *broken_defect = NULL;
  g_autofree char *broken = NULL;
  g_autofree char *empty = hy_charset_decode (NULL, 0, "utf-8", NULL);

  g_assert_cmpstr (text, ==, "héllo");
  g_assert_nonnull (defect);

  /* Invalid UTF-8 declared as UTF-8 loses nothing but the bad bytes. */
  broken = hy_charset_decode ("ok \xff\xfe then more", 16, "utf-8", &broken_defect);
  g_assert_true (g_utf8_validate (broken, -1, NULL));
  g_assert_nonnull (strstr (broken, "then more"));
  g_assert_true (g_str_has_prefix (broken, "ok "));
  g_assert_nonnull (broken_defect);
  g_assert_cmpstr (empty, ==, "");
}

static void
test_charset_encoded_words (void)
{
  g_autofree char *gbk = g_convert ("陶喆", -1, "GB18030", "UTF-8", NULL, NULL, NULL);
  g_autofree char *b64 = g_base64_encode ((const guchar *) gbk, strlen (gbk));
  g_autofree char *header = g_strdup_printf ("=?gb2312?B?%s?= live", b64);
  g_autofree char *decoded = hy_charset_decode_header (header);
  g_autofree char *fixed = hy_charset_fix_encoded_words ("=?GB2312?Q?a?= =?utf-8?Q?b?=");

  g_assert_cmpstr (decoded, ==, "陶喆 live");
  g_assert_cmpstr (fixed, ==, "=?GB18030?Q?a?= =?utf-8?Q?b?=");
}

/* Text helpers --------------------------------------------------------------- */

static void
test_text_flowed (void)
{
  g_autofree char *plain = hy_text_flowed_decode ("This is \nsoft.\n> quoted \n> more\n-- \nsig\n", FALSE);
  g_autofree char *delsp = hy_text_flowed_decode ("Long wo\nrd here\n", FALSE);
  g_autofree char *delsp_yes = hy_text_flowed_decode ("日本語の \n文章\n", TRUE);
  g_autofree char *stuffed = hy_text_flowed_decode (" >not a quote\n", FALSE);

  g_assert_cmpstr (plain, ==, "This is soft.\n> quoted more\n-- \nsig\n");
  g_assert_cmpstr (delsp, ==, "Long wo\nrd here\n");
  g_assert_cmpstr (delsp_yes, ==, "日本語の文章\n");
  g_assert_cmpstr (stuffed, ==, ">not a quote\n");
}

static void
test_text_html_to_plain (void)
{
  g_autofree char *text = hy_text_html_to_plain (
    "<html><head><style>p{}</style><title>T</title></head><body>"
    "<p>Hello&nbsp;&amp; <b>world</b></p><script>alert(1)</script>"
    "<div>Line&#x4E2D;&#25991;<br>next</div><!-- hidden --><a title=\"a>b\" href='x'>link</a></body></html>");

  g_assert_cmpstr (text, ==, "Hello & world\nLine中文\nnext\nlink\n");
}

static void
test_text_subjects (void)
{
  static const struct { const char *in, *reply, *forward, *stripped; } cases[] = {
    { "Hello", "Re: Hello", "Fwd: Hello", "Hello" },
    { "Re: Hello", "Re: Hello", "Fwd: Re: Hello", "Hello" },
    { "RE: Re: re: Hello", "Re: Hello", "Fwd: RE: Re: re: Hello", "Hello" },
    { "Re[2]: Hello", "Re: Hello", "Fwd: Re[2]: Hello", "Hello" },
    { "回复: 会议", "Re: 会议", "Fwd: 回复: 会议", "会议" },
    { "答复：会议", "Re: 会议", "Fwd: 答复：会议", "会议" },
    { "转发：回复：会议", "Re: 转发：回复：会议", "Fwd: 回复：会议", "会议" },
    { "Fwd: FW: Report", "Re: Fwd: FW: Report", "Fwd: Report", "Report" },
    { "AW: SV: Hei", "Re: Hei", "Fwd: AW: SV: Hei", "Hei" },
    { "Reply needed", "Re: Reply needed", "Fwd: Reply needed", "Reply needed" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *reply = hy_subject_make_reply (cases[i].in);
      g_autofree char *forward = hy_subject_make_forward (cases[i].in);
      g_autofree char *stripped = hy_subject_strip_prefixes (cases[i].in);

      g_assert_cmpstr (reply, ==, cases[i].reply);
      g_assert_cmpstr (forward, ==, cases[i].forward);
      g_assert_cmpstr (stripped, ==, cases[i].stripped);
    }
}

static void
test_text_quote (void)
{
  g_autofree char *quoted = hy_text_quote ("one\n\n> two\n");

  g_assert_cmpstr (quoted, ==, "> one\n>\n>> two\n");
}

/* JSON writer ------------------------------------------------------------------ */

static void
test_json_writer (void)
{
  g_autoptr(HyJsonWriter) writer = hy_json_writer_new (FALSE);
  g_autofree char *text = NULL;

  hy_json_writer_begin_object (writer);
  hy_json_writer_member_string (writer, "s", "a\"b\\c\n\t\x01 中\xff\xe2\x80\xa8");
  hy_json_writer_member_int (writer, "n", -42);
  hy_json_writer_member_bool (writer, "b", TRUE);
  hy_json_writer_member_string (writer, "null", NULL);
  hy_json_writer_key (writer, "a");
  hy_json_writer_begin_array (writer);
  hy_json_writer_int (writer, 1);
  hy_json_writer_begin_object (writer);
  hy_json_writer_end_object (writer);
  hy_json_writer_begin_array (writer);
  hy_json_writer_end_array (writer);
  hy_json_writer_end_array (writer);
  hy_json_writer_end_object (writer);
  text = hy_json_writer_free_to_string (g_steal_pointer (&writer));

  g_assert_cmpstr (text, ==,
                   "{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001 中\\ufffd\\u2028\",\"n\":-42,\"b\":true,"
                   "\"null\":null,\"a\":[1,{},[]]}");
}

/* Samples of real-world mail ---------------------------------------------------------- */

static void
test_sample_chinese_newsletter (void)
{
  g_autoptr(HyMessage) message = load_sample ("chinese-newsletter.eml");
  g_autofree char *html = NULL;
  GPtrArray *from = hy_message_get_from (message);
  HyMimePart *banner;

  g_assert_cmpstr (hy_message_get_subject (message), ==, "本周精选：朱镕基与陶喆");
  g_assert_cmpuint (from->len, ==, 1);
  g_assert_cmpstr (hy_address_get_name (g_ptr_array_index (from, 0)), ==, "新闻周刊");
  g_assert_cmpstr (hy_address_get_address (g_ptr_array_index (from, 0)), ==, "news@news.example.cn");
  g_assert_cmpstr (hy_message_get_message_id (message), ==, "20261127090000.12345@news.example.cn");
  g_assert_cmpstr (hy_message_get_list_id (message), ==, "新闻周刊 <weekly.news.example.cn>");
  g_assert_nonnull (strstr (hy_message_get_list_unsubscribe (message), "https://news.example.cn/unsubscribe"));
  g_assert_true (g_str_has_prefix (hy_message_get_authentication_results (message), "mail.example.org; dkim=pass"));
  /* GBK-only characters in text labelled GB2312. */
  g_assert_nonnull (strstr (hy_message_get_text (message), "朱镕基与陶喆的新闻"));

  /* The HTML alternative and the image it shows by cid. */
  html = hy_message_dup_html (message);
  g_assert_nonnull (strstr (html, "陶喆的新闻"));
  banner = hy_message_get_part_by_content_id (message, "cid:banner001");
  g_assert_nonnull (banner);
  g_assert_cmpstr (hy_mime_part_get_content_type (banner), ==, "image/png");
  g_assert_cmpint (hy_mime_part_get_size (banner), ==, 8 + 256);
  g_assert_true (hy_message_get_part_by_content_id (message, "<banner001>") == banner);
  g_assert_true (hy_message_get_part_by_content_id (message, "cid:banner%30%30%31") == banner);
  g_assert_null (hy_message_get_part_by_content_id (message, "cid:nothing"));
  g_assert_cmpuint (g_hash_table_size (hy_message_get_content_ids (message)), ==, 1);
  g_assert_cmpuint (hy_message_get_inline_parts (message)->len, ==, 1);
  g_assert_cmpuint (hy_message_get_attachments (message)->len, ==, 0);

  /* Date with its offset. */
  g_assert_cmpint (g_date_time_get_utc_offset (hy_message_get_date (message)) / G_TIME_SPAN_HOUR, ==, 8);
  g_assert_cmpint (g_date_time_get_hour (hy_message_get_date (message)), ==, 9);
}

static void
test_sample_mislabelled (void)
{
  g_autoptr(HyMessage) message = load_sample ("mislabelled-gb2312.eml");

  g_assert_cmpstr (hy_message_get_text (message), ==,
                   "会议纪要：陶喆、朱镕基（GBK 字符），𠀀（GB18030 四字节）\n第二行。\n");
  g_assert_true (has_defect (message, "GB18030"));
}

static void
test_sample_outlook_names (void)
{
  g_autoptr(HyMessage) message = load_sample ("outlook-attachment-names.eml");
  GPtrArray *attachments = hy_message_get_attachments (message);
  HyMimePart *pdf, *csv, *zip;
  g_autoptr(GBytes) csv_bytes = NULL;

  g_assert_cmpuint (attachments->len, ==, 3);
  pdf = find_attachment (message, "季度报告.pdf");     /* RFC 2047 in quotes */
  csv = find_attachment (message, "数据表.csv");       /* RFC 2231 */
  zip = find_attachment (message, "项目资料压缩包.zip"); /* RFC 2231 continuation */
  g_assert_nonnull (pdf);
  g_assert_nonnull (csv);
  g_assert_nonnull (zip);
  g_assert_cmpint (hy_mime_part_get_size (pdf), ==, 9 + 200);
  csv_bytes = hy_mime_part_get_content_bytes (csv);
  g_assert_cmpmem (g_bytes_get_data (csv_bytes, NULL), g_bytes_get_size (csv_bytes), "a,b,c\n1,2,3\n", 12);
  g_assert_cmpstr (hy_message_get_text (message), ==, "Please see the attached files.\n请查收。\n");
}

static void
test_sample_apple_nested (void)
{
  g_autoptr(HyMessage) message = load_sample ("apple-mail-nested.eml");
  GPtrArray *inline_parts = hy_message_get_inline_parts (message);
  GPtrArray *attachments = hy_message_get_attachments (message);
  HyMimePart *photo;

  /* format=flowed; delsp=yes joined into one paragraph. */
  g_assert_nonnull (strstr (hy_message_get_text (message),
                            "it was a wonderful day and we should go back next summer.\n"));
  g_assert_nonnull (hy_message_get_html_part (message));
  photo = hy_message_get_part_by_content_id (message, "photo1@apple");
  g_assert_nonnull (photo);
  g_assert_cmpuint (inline_parts->len, ==, 1);
  g_assert_true (g_ptr_array_index (inline_parts, 0) == photo);
  g_assert_cmpuint (attachments->len, ==, 1);
  g_assert_cmpstr (hy_mime_part_get_filename (g_ptr_array_index (attachments, 0)), ==, "itinerary.pdf");
  g_assert_cmpstr (hy_mime_part_get_path (photo), ==, "1.2.2");
  g_assert_cmpuint (hy_message_get_defects (message)->len, ==, 0);
}

static void
test_sample_apple_inline_attachments (void)
{
  g_autoptr(HyMessage) message = load_sample ("apple-inline-attachments.eml");
  GPtrArray *attachments = hy_message_get_attachments (message);
  GPtrArray *inline_parts = hy_message_get_inline_parts (message);

  /* Both body fragments, in order; the named text file is an attachment. */
  g_assert_cmpstr (hy_message_get_text (message), ==, "Here are my notes:\nSee you soon.");
  g_assert_cmpuint (attachments->len, ==, 2);
  g_assert_cmpstr (hy_mime_part_get_filename (g_ptr_array_index (attachments, 0)), ==, "photo.jpg");
  g_assert_cmpstr (hy_mime_part_get_filename (g_ptr_array_index (attachments, 1)), ==, "notes.txt");
  g_assert_cmpuint (inline_parts->len, ==, 1);
  g_assert_cmpstr (hy_mime_part_get_filename (g_ptr_array_index (inline_parts, 0)), ==, "photo.jpg");
}

static void
test_sample_truncated (void)
{
  g_autoptr(HyMessage) message = load_sample ("truncated-multipart.eml");
  HyMimePart *bin = find_attachment (message, "big.bin");
  g_autoptr(GBytes) bytes = NULL;
  const guint8 *data;

  g_assert_cmpstr (hy_message_get_text (message), ==, "The text part survives.\n");
  g_assert_nonnull (bin);
  /* Everything before the cut is kept: 700 Base64 characters minus line
   * breaks decode to the first bytes of the original. */
  bytes = hy_mime_part_get_content_bytes (bin);
  g_assert_cmpuint (g_bytes_get_size (bytes), >, 400);
  data = g_bytes_get_data (bytes, NULL);
  for (guint i = 0; i < 256; i++)
    g_assert_cmpuint (data[i], ==, i);
  g_assert_true (has_defect (message, "truncated"));
}

static void
test_sample_bad_base64 (void)
{
  g_autoptr(HyMessage) message = load_sample ("bad-base64.eml");
  HyMimePart *gif;

  g_assert_cmpstr (hy_message_get_text (message), ==, "Hello, world!");
  gif = g_ptr_array_index (hy_message_get_attachments (message), 0);
  g_assert_cmpint (hy_mime_part_get_size (gif), >=, 40);
  g_assert_true (has_defect (message, "invalid Base64"));
}

static void
test_sample_8bit_headers (void)
{
  g_autoptr(HyMessage) message = load_sample ("8bit-headers.eml");
  GPtrArray *from = hy_message_get_from (message);
  GPtrArray *to = hy_message_get_to (message);

  g_assert_cmpstr (hy_message_get_subject (message), ==, "关于下周的会议安排");   /* raw GBK */
  g_assert_cmpstr (hy_address_get_name (g_ptr_array_index (from, 0)), ==, "王小明"); /* raw UTF-8 */
  g_assert_cmpstr (hy_address_get_name (g_ptr_array_index (to, 0)), ==, "Zoë Müller");
  g_assert_cmpstr (hy_message_get_text (message), ==, "正文是 UTF-8 但没有声明字符集。\n");
  g_assert_true (has_defect (message, "8-bit"));
}

/* GMime's findings come first, whenever the list is first asked for, and
 * a message nested in another reports into the same list. */
static void
test_defects_on_demand (void)
{
  static const char raw[] =
    "From: a@example.org\r\n"
    "Subject: caf\xe9 raw\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b\"\r\n"
    "\r\n"
    "--b\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "aGVsbG8*!\r\n"
    "--b\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: inner\r\n"
    "To: \xe7\x8e\x8b <w@example.org>\r\n"
    "\r\n"
    "inner body\r\n"
    "--b--\r\n";
  g_autoptr(HyMessage) message = hy_message_new_from_data (raw, sizeof raw - 1);
  g_autoptr(HyMessage) again = hy_message_new_from_data (raw, sizeof raw - 1);
  GPtrArray *parts = hy_message_get_parts (message);
  GPtrArray *defects;
  HyMessage *nested = NULL;
  guint n;

  /* A defect found by reading a part before the list is asked for. */
  for (guint i = 0; i < parts->len; i++)
    if (g_strcmp0 (hy_mime_part_get_content_type (g_ptr_array_index (parts, i)),
                   "application/octet-stream") == 0)
      g_assert_cmpint (hy_mime_part_get_size (g_ptr_array_index (parts, i)), >, 0);
  for (guint i = 0; i < parts->len && nested == NULL; i++)
    nested = hy_mime_part_get_message (g_ptr_array_index (parts, i));
  g_assert_nonnull (nested);

  defects = hy_message_get_defects (message);
  n = defects->len;
  g_assert_cmpuint (n, >=, 2);
  g_assert_nonnull (strstr (g_ptr_array_index (defects, 0), "8-bit"));
  g_assert_nonnull (strstr (g_ptr_array_index (defects, n - 1), "invalid Base64"));
  /* Asking again, or through the nested message, adds nothing twice. */
  g_assert_true (hy_message_get_defects (message) == defects);
  g_assert_true (hy_message_get_defects (nested) == defects);
  g_assert_cmpuint (defects->len, ==, n);

  /* Asked first through the nested message: the whole message is scanned. */
  parts = hy_message_get_parts (again);
  nested = NULL;
  for (guint i = 0; i < parts->len && nested == NULL; i++)
    nested = hy_mime_part_get_message (g_ptr_array_index (parts, i));
  g_assert_nonnull (nested);
  defects = hy_message_get_defects (nested);
  g_assert_nonnull (strstr (g_ptr_array_index (defects, 0), "8-bit"));
  g_assert_true (hy_message_get_defects (again) == defects);
}

static void
test_sample_deep_nesting (void)
{
  g_autoptr(HyMessage) message = load_sample ("deep-nesting.eml");
  GPtrArray *attachments = hy_message_get_attachments (message);
  g_autofree char *json = NULL;

  g_assert_true (has_defect (message, "nesting"));
  /* The part beyond the limit is kept whole, so it can still be saved. */
  g_assert_cmpuint (attachments->len, ==, 1);
  g_assert_cmpint (hy_mime_part_get_size (g_ptr_array_index (attachments, 0)), >, 0);
  json = hy_message_to_json (message, FALSE);
  g_assert_nonnull (json);
}

static void
test_sample_forwarded (void)
{
  g_autoptr(HyMessage) message = load_sample ("forwarded-rfc822.eml");
  GPtrArray *attachments = hy_message_get_attachments (message);
  GPtrArray *cc = hy_message_get_cc (message);
  const char * const *refs = hy_message_get_references (message);
  HyMimePart *rfc822;
  HyMessage *nested;

  g_assert_cmpuint (hy_message_get_to (message)->len, ==, 0);       /* empty group */
  g_assert_cmpuint (cc->len, ==, 2);                                /* group flattened */
  g_assert_cmpstr (hy_address_get_name (g_ptr_array_index (cc, 1)), ==, "Eve E.");
  g_assert_cmpstr (hy_address_get_address (g_ptr_array_index (hy_message_get_from (message), 0)), ==,
                   "carol@müller.example");                         /* IDN in Unicode */
  g_assert_cmpstr (hy_message_get_in_reply_to (message), ==, "orig-2@example.org");
  g_assert_cmpstr (refs[0], ==, "orig-1@example.org");
  g_assert_cmpstr (refs[1], ==, "orig-2@example.org");
  g_assert_null (refs[2]);
  g_assert_nonnull (hy_message_get_date (message));                 /* "27/11/2026 10:00" */

  g_assert_cmpuint (attachments->len, ==, 1);
  rfc822 = g_ptr_array_index (attachments, 0);
  g_assert_cmpstr (hy_mime_part_get_content_type (rfc822), ==, "message/rfc822");
  nested = hy_mime_part_get_message (rfc822);
  g_assert_nonnull (nested);
  g_assert_cmpstr (hy_message_get_subject (nested), ==, "Budget");
  g_assert_cmpstr (hy_message_get_text (nested), ==, "Numbers attached.");
  g_assert_cmpuint (hy_message_get_attachments (nested)->len, ==, 1);
  g_assert_cmpstr (hy_mime_part_get_path (g_ptr_array_index (hy_message_get_attachments (nested), 0)), ==, "2.2");
}

static void
test_sample_garbage (void)
{
  g_autoptr(HyMessage) message = load_sample ("garbage.eml");
  const char *text = hy_message_get_text (message);

  g_assert_nonnull (text);
  g_assert_nonnull (strstr (text, "binary"));
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_cmpuint (hy_message_get_defects (message)->len, >, 0);
}

static void
test_sample_multi_charset (void)
{
  g_autoptr(HyMessage) message = load_sample ("multi-charset.eml");
  const char *text = hy_message_get_text (message);

  g_assert_nonnull (strstr (text, "こんにちは、世界\n"));
  g_assert_nonnull (strstr (text, "繁體中文測試\n"));
  g_assert_nonnull (strstr (text, "안녕하세요\n"));
  g_assert_nonnull (strstr (text, "Привет, мир\n"));
  g_assert_nonnull (strstr (text, "テスト\n"));
  g_assert_nonnull (strstr (text, "Zażółć gęślą\n"));
  g_assert_nonnull (strstr (text, "Здравствуйте\n"));
  g_assert_nonnull (strstr (text, "Hi Mom -☺-!"));
}

static void
test_sample_html_only (void)
{
  g_autoptr(HyMessage) message = load_sample ("html-only.eml");

  g_assert_cmpstr (hy_message_get_subject (message), ==, "促销");
  g_assert_cmpstr (hy_message_get_text (message), ==, "双十一促销\n全场 5折\n快来抢购！\n");
  g_assert_nonnull (hy_message_get_html_part (message));
}

static void
test_headers_in_order (void)
{
  g_autoptr(HyMessage) message = load_sample ("chinese-newsletter.eml");
  g_autofree char *subject = NULL;
  guint n = hy_message_get_header_count (message);
  guint subject_index = G_MAXUINT;

  g_assert_cmpuint (n, ==, 12);
  g_assert_cmpstr (hy_message_get_header_name (message, 0), ==, "Return-Path");
  g_assert_cmpstr (hy_message_get_header_name (message, n - 1), ==, "Content-Type");
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (hy_message_get_header_name (message, i), "Subject") == 0)
      subject_index = i;
  g_assert_cmpuint (subject_index, ==, 5);
  {
    g_autofree char *raw = g_strdup (hy_message_get_header_raw_value (message, subject_index));

    g_assert_true (g_str_has_prefix (g_strchug (raw), "=?gb2312?B?"));
  }
  subject = hy_message_dup_header_value (message, subject_index);
  g_assert_cmpstr (subject, ==, "本周精选：朱镕基与陶喆");
}

static void
test_empty_and_header_only (void)
{
  g_autoptr(HyMessage) empty = hy_message_new_from_data ("", 0);
  g_autoptr(HyMessage) headers = hy_message_new_from_data ("Subject: only\r\n\r\n", 17);
  g_autofree char *json = hy_message_to_json (empty, TRUE);

  g_assert_nonnull (json);
  g_assert_cmpstr (hy_message_get_subject (headers), ==, "only");
  g_assert_null (hy_message_get_date (headers));
  g_assert_cmpuint (hy_message_get_attachments (headers)->len, ==, 0);
}

static void
test_save_and_stream (void)
{
  g_autoptr(HyMessage) message = load_sample ("apple-mail-nested.eml");
  HyMimePart *pdf = g_ptr_array_index (hy_message_get_attachments (message), 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("hy-mime-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "saved.pdf", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *saved = NULL;
  gsize saved_len = 0;
  g_autoptr(GInputStream) in = NULL;
  guint8 buf[512];
  gsize got = 0;

  g_assert_no_error (error);
  g_assert_true (hy_mime_part_save_to_file (pdf, file, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &saved, &saved_len, NULL));
  g_assert_cmpuint (saved_len, ==, 209);
  g_assert_true (g_str_has_prefix (saved, "%PDF-1.4\n"));

  in = hy_mime_part_open_input_stream (pdf);
  g_assert_true (g_input_stream_read_all (in, buf, sizeof buf, &got, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (buf, got, saved, saved_len);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_hostile_headers (void)
{
  GString *raw = g_string_new (NULL);
  g_autoptr(HyMessage) message = NULL;

  for (guint i = 0; i < 1500; i++)
    g_string_append_printf (raw, "X-Spam-%u: %u\r\n", i, i);
  g_string_append (raw, "Subject: ");
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (raw, 'a' + i % 26);
  g_string_append (raw, "\r\n\r\nbody\r\n");

  message = hy_message_new_from_data (raw->str, raw->len);
  g_assert_cmpuint (hy_message_get_header_count (message), ==, 1000);
  g_assert_true (has_defect (message, "headers"));
  g_assert_cmpuint (strlen (hy_message_get_subject (message)), <=, 64 * 1024);
  g_assert_true (has_defect (message, "Subject"));
  g_assert_cmpstr (hy_message_get_text (message), ==, "body\n");
  g_string_free (raw, TRUE);
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  HyMessage **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = hy_message_new_from_file_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_load_async (void)
{
  g_autofree char *path = g_build_filename (HY_MIME_SAMPLES_DIR, "apple-mail-nested.eml", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) missing = g_file_new_for_path ("/nonexistent/message.eml");
  g_autoptr(GError) error = NULL;
  g_autoptr(HyMessage) missing_message = NULL;
  HyMessage *message = NULL;

  hy_message_new_from_file_async (file, NULL, on_loaded, &message);
  while (message == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (hy_message_get_subject (message), ==, "Photos from the trip");
  g_object_unref (message);

  missing_message = hy_message_new_from_file (missing, NULL, &error);
  g_assert_null (missing_message);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

/* The direct reading of the usual date form gives what GMime gives, and
 * other forms still go through GMime. */
static void
test_parse_date (void)
{
  static const char * const dates[] = {
    "Fri, 27 Nov 2026 21:22:17 +0800",
    "27 Nov 2026 21:22:17 +0800",
    "Thu, 1 Jan 1970 00:00:00 +0000",
    "Mon, 29 Feb 2016 23:59:59 -0930",
    "Tue, 31 Dec 2030 12:00 +0100",
    "Wed, 02 Jun 2021 08:09:10 +0200 (CEST)",
    "sat, 05 mar 2022 01:02:03 -0000",
    "Fri, 27 Nov 2026 21:22:17 GMT",
    "Fri, 27 Nov 26 21:22:17 +0800",
    "27 Nov 2026 21:22:17 EST",
    "Fri,27 Nov 2026 21:22:17 +0800",
    "Fri, 27 November 2026 21:22:17 +0800",
    "Fri, 27 Nov 2026 21:22:60 +0800",
    "Fri, 31 Feb 2026 10:00:00 +0000",
    "Fri, 27 Nov 1969 21:22:17 +0800",
    "2026-11-27T21:22:17Z",
  };

  for (guint i = 0; i < G_N_ELEMENTS (dates); i++)
    {
      g_autoptr(GDateTime) expected = g_mime_utils_header_decode_date (dates[i]);

      g_test_message ("%s", dates[i]);
      g_assert_cmpint (hy_text_parse_date (dates[i]), ==, expected != NULL ? g_date_time_to_unix (expected) : 0);
    }
  g_assert_cmpint (hy_text_parse_date ("Fri, 27 Nov 2026 21:22:17 +0800"), ==, 1795785737);
  g_assert_cmpint (hy_text_parse_date ("Mon, 29 Feb 2016 23:59:59 -0930"), ==, 1456824599);
  g_assert_cmpint (hy_text_parse_date ("no date at all"), ==, 0);
  g_assert_cmpint (hy_text_parse_date (NULL), ==, 0);
}

/* The fast decoder of UTF-8 encoded-words gives what GMime's full
 * decoder gives, for names and subjects, or leaves the text to it. */
static void
test_utf8_words (void)
{
  static const struct {
    const char *text;
    gboolean    fast;
  } cases[] = {
    { "=?UTF-8?B?546L6Iqz?=", TRUE },
    { "=?utf-8?b?546L6Iqz?=", TRUE },
    { "=?UTF-8?Q?Mar=C3=ADa_Garc=C3=ADa?=", TRUE },
    { "=?UTF-8?B?5YWz5LqO5LiL5ZGo?= =?UTF-8?B?5Lya6K6u55qE5a6J5o6S?=", TRUE },
    { "=?UTF-8?B?5YWz5LqO?=\r\n =?UTF-8?Q?=E4=B8=8B_a?=", TRUE },
    { "=?UTF-8?B?SGk=?=", TRUE },
    { "=?UTF-8?B?SGk?=", FALSE },
    { "=?UTF-8?B?5piO?= tail", FALSE },
    { "head =?UTF-8?B?5piO?=", FALSE },
    { "=?UTF-8?B?5piO?= ", FALSE },
    { "=?GB2312?B?w/fM7A==?=", FALSE },
    { "=?UTF-8?B?/w==?=", FALSE },
    { "=?UTF-8?Q?a=ZZ?=", FALSE },
    { "=?UTF-8?Q?a b?=", FALSE },
    { "=?UTF-8?X?abc?=", FALSE },
    { "=?UTF-8?B?5piO", FALSE },
    { "=?UTF-8*zh?B?5piO?=", FALSE },
    { "=?Utf-8?q?=E6=98=8E?=", TRUE },
    { "=?UTF-7?B?5piO?=", FALSE },
    { "=?UTF-16?B?5piO?=", FALSE },
    { "=?UTF-8?B?AA==?=", FALSE },
    { "=?UTF-8?Q?a=00b?=", FALSE },
    { "=?", FALSE },
    { "plain text", FALSE },
    { "", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *fast = hy_charset_decode_utf8_words (cases[i].text);

      if (!cases[i].fast)
        {
          g_assert_null (fast);
          continue;
        }
      g_assert_nonnull (fast);
      {
        g_autofree char *phrase = g_mime_utils_header_decode_phrase (NULL, cases[i].text);
        g_autofree char *text = g_mime_utils_header_decode_text (NULL, cases[i].text);

        g_assert_cmpstr (fast, ==, phrase);
        g_assert_cmpstr (fast, ==, text);
      }
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/engine/mime/charset/declared", test_charset_declared);
  g_test_add_func ("/engine/mime/charset/mislabelled", test_charset_mislabelled);
  g_test_add_func ("/engine/mime/charset/unknown-and-broken", test_charset_unknown_and_broken);
  g_test_add_func ("/engine/mime/charset/encoded-words", test_charset_encoded_words);
  g_test_add_func ("/engine/mime/text/flowed", test_text_flowed);
  g_test_add_func ("/engine/mime/text/html-to-plain", test_text_html_to_plain);
  g_test_add_func ("/engine/mime/text/subjects", test_text_subjects);
  g_test_add_func ("/engine/mime/text/quote", test_text_quote);
  g_test_add_func ("/engine/mime/json/writer", test_json_writer);
  g_test_add_func ("/engine/mime/read/chinese-newsletter", test_sample_chinese_newsletter);
  g_test_add_func ("/engine/mime/read/mislabelled-gb2312", test_sample_mislabelled);
  g_test_add_func ("/engine/mime/read/outlook-attachment-names", test_sample_outlook_names);
  g_test_add_func ("/engine/mime/read/apple-mail-nested", test_sample_apple_nested);
  g_test_add_func ("/engine/mime/read/apple-inline-attachments", test_sample_apple_inline_attachments);
  g_test_add_func ("/engine/mime/read/truncated-multipart", test_sample_truncated);
  g_test_add_func ("/engine/mime/read/bad-base64", test_sample_bad_base64);
  g_test_add_func ("/engine/mime/read/8bit-headers", test_sample_8bit_headers);
  g_test_add_func ("/engine/mime/read/deep-nesting", test_sample_deep_nesting);
  g_test_add_func ("/engine/mime/read/forwarded-rfc822", test_sample_forwarded);
  g_test_add_func ("/engine/mime/read/garbage", test_sample_garbage);
  g_test_add_func ("/engine/mime/read/multi-charset", test_sample_multi_charset);
  g_test_add_func ("/engine/mime/read/html-only", test_sample_html_only);
  g_test_add_func ("/engine/mime/read/headers-in-order", test_headers_in_order);
  g_test_add_func ("/engine/mime/read/empty", test_empty_and_header_only);
  g_test_add_func ("/engine/mime/read/save-and-stream", test_save_and_stream);
  g_test_add_func ("/engine/mime/read/load-async", test_load_async);
  g_test_add_func ("/engine/mime/read/hostile-headers", test_hostile_headers);
  g_test_add_func ("/engine/mime/read/defects-on-demand", test_defects_on_demand);
  g_test_add_func ("/engine/mime/read/parse-date", test_parse_date);
  g_test_add_func ("/engine/mime/read/utf8-words", test_utf8_words);

  return g_test_run ();
}
