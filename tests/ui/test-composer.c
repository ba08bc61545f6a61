/* test-composer.c — the composer turns what a person writes into the right message
 *
 * Drives a composer in this process, as a person would through its
 * widgets and actions, and checks the message it hands over for sending:
 * structure, recipients, rich text renderings, attachments byte for byte,
 * and the forgotten-attachment question.  Screenshots of the composer go
 * to meson-logs/screenshots/.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "hy-composer.h"
#include "hy-rich-text.h"
#include "hy-screenshot.h"
#include "mime/hy-message.h"
#include "mime/hy-mime-part.h"
#include "mime/hy-text-utils.h"
#include "store/hy-store.h"
#include "store/hy-store-message.h"
#include "store/hy-store-transaction.h"

typedef struct
{
  HyComposer       *composer;
  HyMessageBuilder *sent;
  char             *sent_account;
  char             *tmpdir;
} Fixture;

static gboolean
on_send (HyComposer       *composer,
         HyMessageBuilder *message,
         const char       *account_id,
         Fixture          *fixture)
{
  g_set_object (&fixture->sent, message);
  g_free (fixture->sent_account);
  fixture->sent_account = g_strdup (account_id);
  return TRUE;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(HyIdentity) identity = hy_identity_new ("Alice", "alice@example.org", "Alice\nExample Org");
  g_autoptr(GError) error = NULL;

  fixture->tmpdir = g_dir_make_tmp ("hy-composer-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->composer = hy_composer_new (NULL);
  g_object_ref_sink (fixture->composer);
  hy_composer_add_identity (fixture->composer, "alice-account", identity);
  g_signal_connect (fixture->composer, "send", G_CALLBACK (on_send), fixture);
  gtk_window_present (GTK_WINDOW (fixture->composer));
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  GList *toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data))
      gtk_window_destroy (l->data);
  g_list_free (toplevels);

  if (fixture->sent == NULL)
    gtk_window_destroy (GTK_WINDOW (fixture->composer));
  g_clear_object (&fixture->composer);
  g_clear_object (&fixture->sent);
  g_clear_pointer (&fixture->sent_account, g_free);
  remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
}

static gpointer
child (Fixture    *fixture,
       const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (fixture->composer), HY_TYPE_COMPOSER, name);
}

static GtkTextBuffer *
body (Fixture *fixture)
{
  return gtk_text_view_get_buffer (child (fixture, "body_view"));
}

static void
iterate (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      while (g_main_context_pending (NULL))
        g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

/* Types @text at the cursor the way key presses do: inside a user action. */
static void
type_text (GtkTextBuffer *buffer,
           const char    *text)
{
  gtk_text_buffer_begin_user_action (buffer);
  gtk_text_buffer_insert_at_cursor (buffer, text, -1);
  gtk_text_buffer_end_user_action (buffer);
}

static void
select_text (GtkTextBuffer *buffer,
             const char    *needle)
{
  GtkTextIter start, match_start, match_end;

  gtk_text_buffer_get_start_iter (buffer, &start);
  g_assert_true (gtk_text_iter_forward_search (&start, needle, 0, &match_start, &match_end, NULL));
  gtk_text_buffer_select_range (buffer, &match_start, &match_end);
}

static void
cursor_to_end_of_text (GtkTextBuffer *buffer,
                       const char    *needle)
{
  GtkTextIter start, match_start, match_end;

  gtk_text_buffer_get_start_iter (buffer, &start);
  g_assert_true (gtk_text_iter_forward_search (&start, needle, 0, &match_start, &match_end, NULL));
  gtk_text_buffer_place_cursor (buffer, &match_end);
}

static void
store_result (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
save_screenshot (Fixture    *fixture,
                 const char *name)
{
  const char *build_root = g_getenv ("HONGYAN_BUILD_ROOT");
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (build_root == NULL)
    return;
  dir = g_build_filename (build_root, "meson-logs", "screenshots", NULL);
  g_mkdir_with_parents (dir, 0755);
  path = g_build_filename (dir, name, NULL);

  while (!gtk_widget_get_mapped (GTK_WIDGET (fixture->composer)))
    g_main_context_iteration (NULL, TRUE);
  iterate (300);

  /* The first frames of a new X window may come out empty under Xvfb;
   * the helper says so and a later try succeeds. */
  for (guint attempt = 0; attempt < 5; attempt++)
    {
      g_clear_object (&result);
      g_clear_error (&error);
      hy_screenshot_save_async (GTK_WIDGET (fixture->composer), path, NULL,
                                store_result, &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      if (hy_screenshot_save_finish (GTK_WIDGET (fixture->composer), result, &error))
        break;
      iterate (300);
    }
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
}

static HyMessage *
sent_message (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_assert_nonnull (fixture->sent);
  bytes = hy_message_builder_to_bytes (fixture->sent, &error);
  g_assert_no_error (error);
  return hy_message_new_from_bytes (bytes);
}

static void
send (Fixture *fixture)
{
  gtk_widget_activate_action (GTK_WIDGET (fixture->composer), "composer.send", NULL);
  iterate (50);
}

static AdwMessageDialog *
find_dialog (void)
{
  GList *toplevels = gtk_window_list_toplevels ();
  AdwMessageDialog *found = NULL;

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      found = l->data;
  g_list_free (toplevels);
  return found;
}

static void
test_plain (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(HyMessage) message = NULL;
  GMimeObject *root;
  g_auto(GStrv) recipients = NULL;
  GtkTextIter start;

  /* Pasted as people do: one string, three recipients, two separators. */
  gtk_editable_set_text (child (fixture, "to_entry"),
                         "Bob Example <bob@example.org>, carol@example.org; dave@example.org");
  gtk_editable_set_text (child (fixture, "subject_entry"), "Lunch 午饭");
  gtk_text_buffer_get_start_iter (body (fixture), &start);
  gtk_text_buffer_place_cursor (body (fixture), &start);
  type_text (body (fixture), "Shall we meet at noon?");
  save_screenshot (fixture, "composer-plain.png");

  send (fixture);
  g_assert_cmpstr (fixture->sent_account, ==, "alice-account");
  recipients = hy_message_builder_get_envelope_recipients (fixture->sent);
  g_assert_cmpuint (g_strv_length (recipients), ==, 3);
  g_assert_cmpstr (recipients[0], ==, "bob@example.org");
  g_assert_cmpstr (recipients[1], ==, "carol@example.org");
  g_assert_cmpstr (recipients[2], ==, "dave@example.org");

  message = sent_message (fixture);
  g_assert_cmpstr (hy_message_get_subject (message), ==, "Lunch 午饭");
  root = g_mime_message_get_mime_part (hy_message_get_gmime_message (message));
  g_assert_true (GMIME_IS_TEXT_PART (root));
  {
    g_autofree char *raw = g_mime_text_part_get_text (GMIME_TEXT_PART (root));
    g_autofree char *text = hy_text_normalize_newlines (raw);

    g_assert_true (g_str_has_prefix (text, "Shall we meet at noon?"));
    /* The identity's signature, under the standard separator. */
    g_assert_nonnull (strstr (text, "\n-- \nAlice\nExample Org"));
  }
}

static void
test_rich (Fixture       *fixture,
           gconstpointer  data)
{
  GtkTextBuffer *buffer = body (fixture);
  g_autoptr(HyMessage) message = NULL;
  GMimeObject *root;
  GMimeObject *plain_part;
  GMimeObject *html_part;
  g_autofree char *plain = NULL;
  g_autofree char *html = NULL;
  GtkTextIter start, end;

  hy_composer_set_rich_text (fixture->composer, TRUE);
  gtk_editable_set_text (child (fixture, "to_entry"), "bob@example.org");
  gtk_editable_set_text (child (fixture, "subject_entry"), "Plan");

  gtk_text_buffer_get_start_iter (buffer, &start);
  gtk_text_buffer_place_cursor (buffer, &start);
  type_text (buffer, "The plan is bold and safe & sound.\nfirst\nsecond\nQuoted <words>\nSee the site.");

  select_text (buffer, "bold");
  gtk_widget_activate_action (GTK_WIDGET (fixture->composer), "composer.format", "s", HY_RICH_TEXT_BOLD);
  select_text (buffer, "safe");
  gtk_widget_activate_action (GTK_WIDGET (fixture->composer), "composer.format", "s", HY_RICH_TEXT_ITALIC);
  select_text (buffer, "first\nsecond");
  gtk_widget_activate_action (GTK_WIDGET (fixture->composer), "composer.block", "s", HY_RICH_TEXT_NUMBER);
  select_text (buffer, "Quoted");
  gtk_widget_activate_action (GTK_WIDGET (fixture->composer), "composer.block", "s", HY_RICH_TEXT_QUOTE);
  select_text (buffer, "site");
  gtk_text_buffer_get_selection_bounds (buffer, &start, &end);
  hy_rich_text_set_link (buffer, &start, &end, "https://example.org/?a=1&b=2");

  /* Enter at the end of a list item continues the list. */
  cursor_to_end_of_text (buffer, "second");
  type_text (buffer, "\nthird");

  /* Typing after toggling underline with no selection underlines. */
  cursor_to_end_of_text (buffer, "sound.");
  gtk_widget_activate_action (GTK_WIDGET (fixture->composer), "composer.format", "s", HY_RICH_TEXT_UNDERLINE);
  type_text (buffer, " Really");

  save_screenshot (fixture, "composer-rich.png");
  send (fixture);

  message = sent_message (fixture);
  root = g_mime_message_get_mime_part (hy_message_get_gmime_message (message));
  g_assert_true (GMIME_IS_MULTIPART (root));
  g_assert_cmpstr (g_mime_content_type_get_media_subtype (g_mime_object_get_content_type (root)), ==, "alternative");
  g_assert_cmpint (g_mime_multipart_get_count (GMIME_MULTIPART (root)), ==, 2);
  plain_part = g_mime_multipart_get_part (GMIME_MULTIPART (root), 0);
  html_part = g_mime_multipart_get_part (GMIME_MULTIPART (root), 1);
  g_assert_true (g_mime_content_type_is_type (g_mime_object_get_content_type (plain_part), "text", "plain"));
  g_assert_true (g_mime_content_type_is_type (g_mime_object_get_content_type (html_part), "text", "html"));

  {
    g_autofree char *raw_plain = g_mime_text_part_get_text (GMIME_TEXT_PART (plain_part));
    g_autofree char *raw_html = g_mime_text_part_get_text (GMIME_TEXT_PART (html_part));

    plain = hy_text_normalize_newlines (raw_plain);
    html = hy_text_normalize_newlines (raw_html);
  }
  g_test_message ("plain:\n%s\nhtml:\n%s", plain, html);

  g_assert_nonnull (strstr (plain, "The plan is *bold* and /safe/ & sound._ Really_"));
  g_assert_nonnull (strstr (plain, "1. first"));
  g_assert_nonnull (strstr (plain, "2. second"));
  g_assert_nonnull (strstr (plain, "3. third"));
  g_assert_nonnull (strstr (plain, "> Quoted <words>"));
  g_assert_nonnull (strstr (plain, "See the site <https://example.org/?a=1&b=2>."));

  g_assert_nonnull (strstr (html, "The plan is <b>bold</b> and <i>safe</i> &amp; sound.<u> Really</u>"));
  g_assert_nonnull (strstr (html, "<ol>\n<li>first</li>\n<li>second</li>\n<li>third</li>\n</ol>"));
  g_assert_nonnull (strstr (html, "Quoted &lt;words&gt;</div>\n</blockquote>"));
  g_assert_nonnull (strstr (html, "<a href=\"https://example.org/?a=1&amp;b=2\">site</a>"));
  g_assert_null (strstr (html, "1. "));
}

static GFile *
write_file (Fixture    *fixture,
            const char *name,
            GBytes     *contents)
{
  g_autofree char *path = g_build_filename (fixture->tmpdir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (contents, NULL), g_bytes_get_size (contents), &error);
  g_assert_no_error (error);
  return g_file_new_for_path (path);
}

static GBytes *
part_content (GMimePart *part)
{
  GMimeDataWrapper *wrapper = g_mime_part_get_content (part);
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new ();
  GByteArray *array;

  g_mime_data_wrapper_write_to_stream (wrapper, stream);
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  return g_bytes_new (array->data, array->len);
}

static void
test_attachments (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GByteArray) binary = g_byte_array_new ();
  g_autoptr(GBytes) binary_bytes = NULL;
  g_autoptr(GBytes) text_bytes = g_bytes_new_static ("季度报告\n第二行\n", strlen ("季度报告\n第二行\n"));
  g_autoptr(GFile) binary_file = NULL;
  g_autoptr(GFile) text_file = NULL;
  g_autoptr(HyMessage) message = NULL;
  GMimeObject *root;
  guint found = 0;

  for (guint i = 0; i < 70000; i++)
    {
      guint8 byte = (guint8) ((i * 7919u) >> 3);

      g_byte_array_append (binary, &byte, 1);
    }
  binary_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&binary));
  binary_file = write_file (fixture, "data.bin", binary_bytes);
  text_file = write_file (fixture, "季度报告 2026.txt", text_bytes);

  gtk_editable_set_text (child (fixture, "to_entry"), "bob@example.org");
  gtk_editable_set_text (child (fixture, "subject_entry"), "报告");
  hy_composer_add_attachment (fixture->composer, binary_file);
  hy_composer_add_attachment (fixture->composer, text_file);
  g_assert_cmpuint (hy_composer_get_n_attachments (fixture->composer), ==, 2);
  type_text (body (fixture), "The report is attached.");
  save_screenshot (fixture, "composer-attachments.png");

  /* It mentions an attachment and has two: no question. */
  send (fixture);
  g_assert_null (find_dialog ());

  message = sent_message (fixture);
  g_assert_cmpstr (hy_message_get_subject (message), ==, "报告");
  root = g_mime_message_get_mime_part (hy_message_get_gmime_message (message));
  g_assert_true (GMIME_IS_MULTIPART (root));
  g_assert_cmpstr (g_mime_content_type_get_media_subtype (g_mime_object_get_content_type (root)), ==, "mixed");
  for (int i = 0; i < g_mime_multipart_get_count (GMIME_MULTIPART (root)); i++)
    {
      GMimeObject *part = g_mime_multipart_get_part (GMIME_MULTIPART (root), i);
      const char *name;
      g_autoptr(GBytes) content = NULL;

      if (!GMIME_IS_PART (part) || !g_mime_part_is_attachment (GMIME_PART (part)))
        continue;
      name = g_mime_part_get_filename (GMIME_PART (part));
      content = part_content (GMIME_PART (part));
      if (g_strcmp0 (name, "data.bin") == 0)
        {
          g_assert_true (g_bytes_equal (content, binary_bytes));
          found++;
        }
      else if (g_strcmp0 (name, "季度报告 2026.txt") == 0)
        {
          g_assert_true (g_bytes_equal (content, text_bytes));
          found++;
        }
      else
        g_assert_cmpstr (name, ==, "an expected attachment");
    }
  g_assert_cmpuint (found, ==, 2);
}

static void
test_reminder (Fixture       *fixture,
               gconstpointer  data)
{
  AdwMessageDialog *dialog;

  gtk_editable_set_text (child (fixture, "to_entry"), "bob@example.org");
  type_text (body (fixture), "合同见附件。");

  send (fixture);
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  g_assert_null (fixture->sent);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (fixture->composer));

  /* "Send Anyway" sends. */
  adw_message_dialog_response (dialog, "send");
  iterate (50);
  g_assert_nonnull (fixture->sent);
}

static void
test_reminder_english (Fixture       *fixture,
                       gconstpointer  data)
{
  AdwMessageDialog *dialog;

  gtk_editable_set_text (child (fixture, "to_entry"), "bob@example.org");
  type_text (body (fixture), "I attached the slides.");
  send (fixture);
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "cancel");
  iterate (50);
  g_assert_null (fixture->sent);
}

static void
test_no_reminder_for_quote (Fixture       *fixture,
                            gconstpointer  data)
{
  gtk_editable_set_text (child (fixture, "to_entry"), "bob@example.org");
  type_text (body (fixture), "Thanks!\n\nOn Monday Bob wrote:\n> The file is attached.\n> 见附件\n");
  send (fixture);
  g_assert_null (find_dialog ());
  g_assert_nonnull (fixture->sent);
}

static void
test_invalid_address (Fixture       *fixture,
                      gconstpointer  data)
{
  GtkWidget *to = child (fixture, "to_entry");

  gtk_editable_set_text (GTK_EDITABLE (to), "bob@example.org, not an address");
  type_text (body (fixture), "Hello");
  send (fixture);
  g_assert_null (fixture->sent);
  g_assert_true (gtk_widget_has_css_class (to, "error"));

  /* No recipient at all is refused too. */
  gtk_editable_set_text (GTK_EDITABLE (to), "");
  send (fixture);
  g_assert_null (fixture->sent);
}

static void
test_mailto (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyMailto) mailto = hy_mailto_parse ("mailto:bob@example.org?cc=carol@example.org"
                                                "&bcc=dave@example.org&subject=%E4%BD%A0%E5%A5%BD"
                                                "&body=Hi%0D%0Athere", &error);
  g_autofree char *text = NULL;
  g_autoptr(HyMessage) message = NULL;
  GPtrArray *bcc;

  g_assert_no_error (error);
  hy_composer_apply_mailto (fixture->composer, mailto);
  g_assert_true (gtk_widget_get_visible (child (fixture, "cc_entry")));
  g_assert_true (gtk_widget_get_visible (child (fixture, "bcc_entry")));
  text = hy_composer_get_body_text (fixture->composer);
  g_assert_true (g_str_has_prefix (text, "Hi\nthere"));

  send (fixture);
  bcc = hy_message_builder_get_bcc (fixture->sent);
  g_assert_cmpuint (bcc->len, ==, 1);
  g_assert_cmpstr (hy_address_get_address (g_ptr_array_index (bcc, 0)), ==, "dave@example.org");
  message = sent_message (fixture);
  g_assert_cmpstr (hy_message_get_subject (message), ==, "你好");
  /* Bcc never goes into the message itself. */
  g_assert_cmpuint (hy_message_get_bcc (message)->len, ==, 0);
  g_assert_cmpuint (hy_message_get_cc (message)->len, ==, 1);
}

static void
test_inline_image (Fixture       *fixture,
                   gconstpointer  data)
{
  static const guint8 pixels[16] = { 255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255 };
  g_autoptr(GBytes) pixel_bytes = g_bytes_new_static (pixels, sizeof pixels);
  g_autoptr(GdkTexture) texture = gdk_memory_texture_new (2, 2, GDK_MEMORY_R8G8B8A8, pixel_bytes, 8);
  g_autoptr(GBytes) png = gdk_texture_save_to_png_bytes (texture);
  g_autoptr(GError) error = NULL;
  g_autoptr(HyMessage) message = NULL;
  GMimeObject *root;
  GMimeObject *related;
  GMimeObject *image;
  g_autofree char *html = NULL;
  g_autofree char *reference = NULL;

  gtk_editable_set_text (child (fixture, "to_entry"), "bob@example.org");
  type_text (body (fixture), "Look: ");
  g_assert_true (hy_composer_insert_inline_image (fixture->composer, png, "image/png", "dot.png", &error));
  g_assert_no_error (error);
  g_assert_true (hy_composer_get_rich_text (fixture->composer));
  type_text (body (fixture), " nice.");
  send (fixture);

  message = sent_message (fixture);
  root = g_mime_message_get_mime_part (hy_message_get_gmime_message (message));
  g_assert_cmpstr (g_mime_content_type_get_media_subtype (g_mime_object_get_content_type (root)), ==, "alternative");
  related = g_mime_multipart_get_part (GMIME_MULTIPART (root), 1);
  g_assert_true (GMIME_IS_MULTIPART (related));
  g_assert_cmpstr (g_mime_content_type_get_media_subtype (g_mime_object_get_content_type (related)), ==, "related");
  html = g_mime_text_part_get_text (GMIME_TEXT_PART (g_mime_multipart_get_part (GMIME_MULTIPART (related), 0)));
  image = g_mime_multipart_get_part (GMIME_MULTIPART (related), 1);
  g_assert_true (g_mime_content_type_is_type (g_mime_object_get_content_type (image), "image", "png"));
  reference = g_strdup_printf ("<img src=\"cid:%s\" alt=\"dot.png\"", g_mime_object_get_content_id (image));
  g_assert_nonnull (strstr (html, reference));
  g_assert_nonnull (strstr (html, "Look: <img"));
  {
    g_autoptr(GMimeStream) stream = g_mime_stream_mem_new ();
    GByteArray *array;
    g_autoptr(GBytes) content = NULL;

    g_mime_data_wrapper_write_to_stream (g_mime_part_get_content (GMIME_PART (image)), stream);
    array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
    content = g_bytes_new (array->data, array->len);
    g_assert_true (g_bytes_equal (content, png));
  }
}

static const char original_text[] =
  "From: Bob <bob@example.org>\r\n"
  "To: Alice <alice@example.org>, Carol <carol@example.org>\r\n"
  "Cc: dave@example.org, ALICE@Example.org\r\n"
  "Subject: =?UTF-8?B?5Zue5aSNOiDorqHliJI=?=\r\n"
  "Date: Mon, 02 Nov 2026 10:00:00 +0800\r\n"
  "Message-ID: <orig.1@example.org>\r\n"
  "References: <root.0@example.org>\r\n"
  "In-Reply-To: <root.0@example.org>\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: text/plain; charset=utf-8\r\n"
  "Content-Transfer-Encoding: quoted-printable\r\n"
  "\r\n"
  "The plan is attached to the wiki.\r\n"
  "=E8=AE=A1=E5=88=92=E5=9C=A8=E7=BB=B4=E5=9F=BA=E4=B8=8A=E3=80=82\r\n";

static void
test_reply_all (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(HyMessage) original = hy_message_new_from_data (original_text, strlen (original_text));
  static const char * const own[] = { "alice@example.org", NULL };
  g_autoptr(HyMessageBuilder) reply = hy_message_builder_new_reply (original, TRUE, own);
  g_autoptr(HyMessage) message = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) recipients = NULL;
  const char * const *references;

  hy_composer_load_builder (fixture->composer, reply);
  text = hy_composer_get_body_text (fixture->composer);
  /* The quote is there; the reply is written above it. */
  g_assert_nonnull (strstr (text, "> The plan is attached to the wiki."));
  g_assert_true (g_str_has_prefix (text, "\n"));
  type_text (body (fixture), "Thanks!");

  /* Quoted text mentioning attachments does not ask. */
  send (fixture);
  g_assert_null (find_dialog ());
  g_assert_nonnull (fixture->sent);

  recipients = hy_message_builder_get_envelope_recipients (fixture->sent);
  for (guint i = 0; recipients[i] != NULL; i++)
    g_assert_cmpint (g_ascii_strcasecmp (recipients[i], "alice@example.org"), !=, 0);
  g_assert_cmpuint (g_strv_length (recipients), ==, 3);

  message = sent_message (fixture);
  /* "回复: 计划" is understood: one prefix, not "Re: 回复: 计划". */
  g_assert_cmpstr (hy_message_get_subject (message), ==, "Re: 计划");
  g_assert_cmpstr (hy_message_get_in_reply_to (message), ==, "orig.1@example.org");
  references = hy_message_get_references (message);
  g_assert_nonnull (references);
  g_assert_cmpstr (references[0], ==, "root.0@example.org");
  g_assert_cmpstr (references[1], ==, "orig.1@example.org");
  g_assert_true (g_str_has_prefix (hy_message_get_text (message), "Thanks!"));
}

static void
test_forward_as_attachment (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(HyMessage) original = hy_message_new_from_data (original_text, strlen (original_text));
  g_autoptr(GError) error = NULL;
  g_autoptr(HyMessageBuilder) forward = hy_message_builder_new_forward (original, HY_FORWARD_AS_ATTACHMENT, &error);
  g_autoptr(HyMessage) message = NULL;
  GPtrArray *attachments;
  HyMimePart *part;

  g_assert_no_error (error);
  hy_composer_load_builder (fixture->composer, forward);
  hy_composer_add_message_attachment (fixture->composer, original);
  gtk_editable_set_text (child (fixture, "to_entry"), "erin@example.org");
  send (fixture);

  message = sent_message (fixture);
  g_assert_true (g_str_has_prefix (hy_message_get_subject (message), "Fwd: "));
  g_assert_true (g_str_has_suffix (hy_message_get_subject (message), "计划"));
  attachments = hy_message_get_attachments (message);
  g_assert_cmpuint (attachments->len, ==, 1);
  part = g_ptr_array_index (attachments, 0);
  g_assert_cmpstr (hy_mime_part_get_content_type (part), ==, "message/rfc822");
  /* The original travels byte for byte inside what goes on the wire. */
  {
    g_autoptr(GBytes) wire = hy_message_builder_to_bytes (fixture->sent, &error);
    gsize size;
    const char *data_ptr = g_bytes_get_data (wire, &size);

    g_assert_no_error (error);
    g_assert_nonnull (g_strstr_len (data_ptr, size, original_text));
  }
}

static gboolean
has_tag_on (GtkTextBuffer *buffer,
            const char    *needle,
            const char    *tag)
{
  GtkTextIter start, match_start, match_end;
  GtkTextTag *found = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), tag);

  gtk_text_buffer_get_start_iter (buffer, &start);
  g_assert_true (gtk_text_iter_forward_search (&start, needle, 0, &match_start, &match_end, NULL));
  for (GtkTextIter iter = match_start; gtk_text_iter_compare (&iter, &match_end) < 0;
       gtk_text_iter_forward_char (&iter))
    if (!gtk_text_iter_has_tag (&iter, found))
      return FALSE;
  return TRUE;
}

static const char *
link_on (GtkTextBuffer *buffer,
         const char    *needle)
{
  GtkTextIter start, match_start, match_end;

  gtk_text_buffer_get_start_iter (buffer, &start);
  g_assert_true (gtk_text_iter_forward_search (&start, needle, 0, &match_start, &match_end, NULL));
  return hy_rich_text_get_link (buffer, &match_start);
}

/* A rich draft written out and opened again keeps its formatting, its
 * links, lists and quote, and its inline image (still inline): the
 * reopened composer exports the very same HTML, and sends the image in
 * multipart/related under the same Content-ID. */
static void
test_rich_draft_round_trip (Fixture       *fixture,
                            gconstpointer  data)
{
  static const guint8 pixels[16] = { 255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255 };
  g_autoptr(GBytes) pixel_bytes = g_bytes_new_static (pixels, sizeof pixels);
  g_autoptr(GdkTexture) texture = gdk_memory_texture_new (2, 2, GDK_MEMORY_R8G8B8A8, pixel_bytes, 8);
  g_autoptr(GBytes) png = gdk_texture_save_to_png_bytes (texture);
  g_autoptr(HyIdentity) identity = hy_identity_new ("Alice", "alice@example.org", "Alice\nExample Org");
  GtkTextBuffer *buffer = body (fixture);
  g_autoptr(GError) error = NULL;
  g_autoptr(HyMessageBuilder) draft = NULL;
  g_autoptr(GBytes) draft_bytes = NULL;
  g_autoptr(HyMessage) draft_message = NULL;
  g_autoptr(HyMessage) message = NULL;
  g_autofree char *html = NULL;
  g_autofree char *html_again = NULL;
  g_autofree char *first_cid = NULL;
  HyComposer *reopened;
  GtkTextBuffer *again;
  GtkTextIter start, end;
  GPtrArray *inline_parts;

  hy_composer_set_rich_text (fixture->composer, TRUE);
  gtk_editable_set_text (child (fixture, "to_entry"), "bob@example.org");
  gtk_editable_set_text (child (fixture, "subject_entry"), "Rich draft 草稿");
  gtk_text_buffer_get_start_iter (buffer, &start);
  gtk_text_buffer_place_cursor (buffer, &start);
  type_text (buffer, "Bold, italic, under, struck  and plain 中文 & <x>.\nalpha\nbeta\none\ntwo\n"
                     "Quoted line\nSee the site and write to me.\nPicture: ");
  g_assert_true (hy_composer_insert_inline_image (fixture->composer, png, "image/png", "dot.png", &error));
  g_assert_no_error (error);
  type_text (buffer, " end.");

  select_text (buffer, "Bold");
  hy_rich_text_toggle_inline (buffer, HY_RICH_TEXT_BOLD);
  select_text (buffer, "italic");
  hy_rich_text_toggle_inline (buffer, HY_RICH_TEXT_ITALIC);
  select_text (buffer, "under");
  hy_rich_text_toggle_inline (buffer, HY_RICH_TEXT_UNDERLINE);
  select_text (buffer, "struck");
  hy_rich_text_toggle_inline (buffer, HY_RICH_TEXT_STRIKETHROUGH);
  select_text (buffer, "中文");
  hy_rich_text_toggle_inline (buffer, HY_RICH_TEXT_BOLD);
  hy_rich_text_toggle_inline (buffer, HY_RICH_TEXT_ITALIC);
  select_text (buffer, "alpha\nbeta");
  hy_rich_text_toggle_block (buffer, HY_RICH_TEXT_BULLET);
  select_text (buffer, "one\ntwo");
  hy_rich_text_toggle_block (buffer, HY_RICH_TEXT_NUMBER);
  select_text (buffer, "Quoted line");
  hy_rich_text_toggle_block (buffer, HY_RICH_TEXT_QUOTE);
  select_text (buffer, "site");
  gtk_text_buffer_get_selection_bounds (buffer, &start, &end);
  hy_rich_text_set_link (buffer, &start, &end, "https://example.org/?a=1&b=2");
  select_text (buffer, "write to me");
  gtk_text_buffer_get_selection_bounds (buffer, &start, &end);
  hy_rich_text_set_link (buffer, &start, &end, "mailto:alice@example.org");
  html = hy_rich_text_to_html (buffer);

  /* What the app saves as the draft, opened again as the app does. */
  draft = hy_composer_build_message (fixture->composer, &error);
  g_assert_no_error (error);
  draft_bytes = hy_message_builder_to_draft_bytes (draft, &error);
  g_assert_no_error (error);
  draft_message = hy_message_new_from_bytes (draft_bytes);
  reopened = hy_composer_new (NULL);
  g_object_ref_sink (reopened);
  hy_composer_add_identity (reopened, "alice-account", identity);
  hy_composer_load_message (reopened, draft_message);
  gtk_window_present (GTK_WINDOW (reopened));
  again = gtk_text_view_get_buffer (GTK_TEXT_VIEW (gtk_widget_get_template_child (GTK_WIDGET (reopened), HY_TYPE_COMPOSER,
                                                                                  "body_view")));

  g_assert_true (hy_composer_get_rich_text (reopened));
  g_assert_true (has_tag_on (again, "Bold", HY_RICH_TEXT_BOLD));
  g_assert_false (has_tag_on (again, "Bold,", HY_RICH_TEXT_BOLD));
  g_assert_true (has_tag_on (again, "italic", HY_RICH_TEXT_ITALIC));
  g_assert_true (has_tag_on (again, "under", HY_RICH_TEXT_UNDERLINE));
  g_assert_true (has_tag_on (again, "struck", HY_RICH_TEXT_STRIKETHROUGH));
  g_assert_true (has_tag_on (again, "中文", HY_RICH_TEXT_BOLD));
  g_assert_true (has_tag_on (again, "中文", HY_RICH_TEXT_ITALIC));
  g_assert_false (has_tag_on (again, "plain", HY_RICH_TEXT_BOLD));
  g_assert_true (has_tag_on (again, "alpha", HY_RICH_TEXT_BULLET));
  g_assert_true (has_tag_on (again, "beta", HY_RICH_TEXT_BULLET));
  g_assert_true (has_tag_on (again, "two", HY_RICH_TEXT_NUMBER));
  g_assert_true (has_tag_on (again, "Quoted line", HY_RICH_TEXT_QUOTE));
  g_assert_false (has_tag_on (again, "See", HY_RICH_TEXT_QUOTE));
  g_assert_cmpstr (link_on (again, "site"), ==, "https://example.org/?a=1&b=2");
  g_assert_cmpstr (link_on (again, "write to me"), ==, "mailto:alice@example.org");
  g_assert_null (link_on (again, "See"));

  html_again = hy_rich_text_to_html (again);
  g_test_message ("exported:\n%s\nafter reopening:\n%s", html, html_again);
  g_assert_cmpstr (html_again, ==, html);
  {
    g_autofree char *plain = hy_rich_text_to_plain (buffer);
    g_autofree char *plain_again = hy_rich_text_to_plain (again);

    g_assert_cmpstr (plain_again, ==, plain);
  }

  /* Sent from the reopened draft, the image is still inline. */
  g_signal_connect (reopened, "send", G_CALLBACK (on_send), fixture);
  gtk_widget_activate_action (GTK_WIDGET (reopened), "composer.send", NULL);
  iterate (50);
  message = sent_message (fixture);
  inline_parts = hy_message_get_inline_parts (message);
  g_assert_cmpuint (inline_parts->len, ==, 1);
  g_assert_cmpuint (hy_message_get_attachments (message)->len, ==, 0);
  {
    HyMimePart *image = g_ptr_array_index (inline_parts, 0);
    g_autoptr(GBytes) content = hy_mime_part_get_content_bytes (image);
    GPtrArray *draft_inline = hy_message_get_inline_parts (draft_message);

    g_assert_true (g_bytes_equal (content, png));
    g_assert_cmpuint (draft_inline->len, ==, 1);
    first_cid = g_strdup (hy_mime_part_get_content_id (g_ptr_array_index (draft_inline, 0)));
    g_assert_cmpstr (hy_mime_part_get_content_id (image), ==, first_cid);
    g_assert_cmpstr (hy_mime_part_get_content_type (hy_message_get_html_part (message)), ==, "text/html");
  }
  g_object_unref (reopened);
  gtk_window_destroy (GTK_WINDOW (fixture->composer));
}

/* HTML from elsewhere keeps its text; nothing in it runs, loads or links
 * anywhere but the web and mail. */
static void
test_html_import_tolerant (Fixture       *fixture,
                           gconstpointer  data)
{
  GtkTextBuffer *buffer = body (fixture);
  g_autofree char *text = NULL;

  hy_composer_set_rich_text (fixture->composer, TRUE);
  hy_rich_text_set_html (buffer,
                         "<html><head><title>T</title><style>p { color: red }</style>"
                         "<script>alert(1)</script></head>\n<body onload=\"x()\">\n"
                         "<p>First <strong>strong</strong> &amp; <em>em</em>&#x4e2d;&#25991;</p>\n"
                         "<p>A <a href=\"javascript:alert(2)\">bad link</a>, "
                         "<a href=\"https://example.org\">good</a>, <a>none</a>"
                         "<img src=\"https://tracker.example/p.png\" alt=\"remote\"><img src=\"cid:missing\"></p>"
                         "<iframe src=\"https://example.org/\">frame text</iframe><svg/>"
                         "<ul><li>item <b>one\n  wrapped</b></li><li>two</li></ul>"
                         "<div>1 < 2 &bogus; &#0; <b>unclosed",
                         NULL, NULL);
  text = hy_rich_text_to_plain (buffer);
  g_test_message ("%s", text);
  g_assert_null (strstr (text, "alert"));
  g_assert_null (strstr (text, "color"));
  g_assert_null (strstr (text, "frame text"));
  g_assert_null (strstr (text, "remote"));
  g_assert_nonnull (strstr (text, "First *strong* & /em/中文\n"));
  g_assert_nonnull (strstr (text, "A bad link, good <https://example.org>, none\n"));
  g_assert_nonnull (strstr (text, "* item *one wrapped*\n* two\n"));
  g_assert_true (g_str_has_suffix (text, "1 < 2 &bogus; &#0; *unclosed*"));
  g_assert_true (g_str_has_prefix (text, "First"));
  g_assert_null (link_on (buffer, "bad link"));
  g_assert_true (has_tag_on (buffer, "strong", HY_RICH_TEXT_BOLD));
}

static GtkWidget *
find_actionable (GtkWidget  *widget,
                 const char *action_name)
{
  if (GTK_IS_ACTIONABLE (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action_name) == 0)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_actionable (c, action_name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* An image attached as a file can go into the text instead: its row's
 * "Show in the Message Text" button puts it at the cursor, and it is then
 * sent inline (multipart/related beside the HTML, referenced by cid:)
 * while the other attachment stays in multipart/mixed. */
static void
test_image_attachment_inline (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GByteArray) pixels = g_byte_array_new ();
  g_autoptr(GBytes) pixel_bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GBytes) notes = g_bytes_new_static ("notes\n", 6);
  g_autoptr(GFile) image_file = NULL;
  g_autoptr(GFile) notes_file = NULL;
  g_autoptr(HyMessage) message = NULL;
  GtkWidget *show;
  GMimeObject *root, *alternative, *related, *html_part, *image;
  g_autofree char *html = NULL;
  g_autofree char *reference = NULL;

  /* A 160x100 gradient, big enough to be seen in the screenshot. */
  for (guint y = 0; y < 100; y++)
    for (guint x = 0; x < 160; x++)
      {
        guint8 pixel[4] = { (guint8) (x * 255 / 159), (guint8) (y * 255 / 99), 200, 255 };

        g_byte_array_append (pixels, pixel, 4);
      }
  pixel_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&pixels));
  texture = gdk_memory_texture_new (160, 100, GDK_MEMORY_R8G8B8A8, pixel_bytes, 160 * 4);
  png = gdk_texture_save_to_png_bytes (texture);
  image_file = write_file (fixture, "sunset 日落.png", png);
  notes_file = write_file (fixture, "notes.txt", notes);

  gtk_editable_set_text (child (fixture, "to_entry"), "bob@example.org");
  gtk_editable_set_text (child (fixture, "subject_entry"), "Photo 照片");
  type_text (body (fixture), "Here is the view:\n");
  hy_composer_add_attachment (fixture->composer, image_file);
  hy_composer_add_attachment (fixture->composer, notes_file);
  g_assert_cmpuint (hy_composer_get_n_attachments (fixture->composer), ==, 2);
  /* Only the image offers to go into the text. */
  show = find_actionable (child (fixture, "attachments_box"), "composer.attachment-inline");
  g_assert_nonnull (show);
  g_signal_emit_by_name (show, "clicked");
  g_assert_null (find_actionable (child (fixture, "attachments_box"), "composer.attachment-inline"));
  g_assert_cmpuint (hy_composer_get_n_attachments (fixture->composer), ==, 1);
  g_assert_true (hy_composer_get_rich_text (fixture->composer));
  type_text (body (fixture), "\nNice, isn't it?");
  save_screenshot (fixture, "composer-inline-image.png");
  send (fixture);

  message = sent_message (fixture);
  root = g_mime_message_get_mime_part (hy_message_get_gmime_message (message));
  g_assert_cmpstr (g_mime_content_type_get_media_subtype (g_mime_object_get_content_type (root)), ==, "mixed");
  g_assert_cmpint (g_mime_multipart_get_count (GMIME_MULTIPART (root)), ==, 2);
  alternative = g_mime_multipart_get_part (GMIME_MULTIPART (root), 0);
  g_assert_cmpstr (g_mime_content_type_get_media_subtype (g_mime_object_get_content_type (alternative)), ==, "alternative");
  g_assert_true (g_mime_content_type_is_type (g_mime_object_get_content_type (g_mime_multipart_get_part (GMIME_MULTIPART (root), 1)),
                                              "text", "plain"));
  g_assert_cmpstr (g_mime_part_get_filename (GMIME_PART (g_mime_multipart_get_part (GMIME_MULTIPART (root), 1))), ==, "notes.txt");
  related = g_mime_multipart_get_part (GMIME_MULTIPART (alternative), 1);
  g_assert_cmpstr (g_mime_content_type_get_media_subtype (g_mime_object_get_content_type (related)), ==, "related");
  g_assert_cmpint (g_mime_multipart_get_count (GMIME_MULTIPART (related)), ==, 2);
  html_part = g_mime_multipart_get_part (GMIME_MULTIPART (related), 0);
  image = g_mime_multipart_get_part (GMIME_MULTIPART (related), 1);
  g_assert_true (g_mime_content_type_is_type (g_mime_object_get_content_type (image), "image", "png"));
  g_assert_cmpstr (g_mime_object_get_disposition (image), ==, "inline");
  html = g_mime_text_part_get_text (GMIME_TEXT_PART (html_part));
  reference = g_strdup_printf ("<img src=\"cid:%s\"", g_mime_object_get_content_id (image));
  g_assert_nonnull (strstr (html, reference));
  {
    g_autoptr(GBytes) content = part_content (GMIME_PART (image));

    g_assert_true (g_bytes_equal (content, png));
  }
}

/* A wide photo is shown at a width that fits the window, and sent as it is. */
static void
test_wide_inline_image (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GBytes) pixel_bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyMessage) message = NULL;
  guint8 *pixels = g_malloc0 (1600 * 40 * 4);
  GtkTextIter iter;
  GdkPaintable *shown = NULL;
  GPtrArray *inline_parts;

  for (guint i = 0; i < 1600 * 40; i++)
    {
      pixels[i * 4] = (guint8) (i % 251);
      pixels[i * 4 + 3] = 255;
    }
  pixel_bytes = g_bytes_new_take (pixels, 1600 * 40 * 4);
  texture = gdk_memory_texture_new (1600, 40, GDK_MEMORY_R8G8B8A8, pixel_bytes, 1600 * 4);
  png = gdk_texture_save_to_png_bytes (texture);

  gtk_editable_set_text (child (fixture, "to_entry"), "bob@example.org");
  g_assert_true (hy_composer_insert_inline_image (fixture->composer, png, "image/png", "wide.png", &error));
  g_assert_no_error (error);
  gtk_text_buffer_get_start_iter (body (fixture), &iter);
  do
    shown = gtk_text_iter_get_paintable (&iter);
  while (shown == NULL && gtk_text_iter_forward_char (&iter));
  g_assert_nonnull (shown);
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (shown), <=, 600);
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (shown), >, 0);
  send (fixture);

  message = sent_message (fixture);
  inline_parts = hy_message_get_inline_parts (message);
  g_assert_cmpuint (inline_parts->len, ==, 1);
  {
    g_autoptr(GBytes) content = hy_mime_part_get_content_bytes (g_ptr_array_index (inline_parts, 0));

    g_assert_true (g_bytes_equal (content, png));
  }
}

/* Addresses seen in mail are offered while typing in To: the suggestions
 * come from a real store, for the recipient being typed after a comma,
 * and choosing one completes that recipient only. */
static void
test_address_completion (Fixture       *fixture,
                         gconstpointer  data)
{
  static const struct { const char *from, *to, *cc; } seen[] = {
    { "李四 <lisi@example.cn>", "Alice <alice@example.org>", NULL },
    { "李四 <lisi@example.cn>", "Alice <alice@example.org>", "Bob Builder <bob@example.org>" },
    { "Li Lei <lilei@example.com>", "Alice <alice@example.org>", NULL },
    { "Carol <carol@example.org>", "Alice <alice@example.org>", NULL },
  };
  g_autofree char *path = g_build_filename (fixture->tmpdir, "store.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStore) store = hy_store_open (path, &error);
  HyStoreTransaction *txn;
  GtkEntry *to = child (fixture, "to_entry");
  GtkEntryCompletion *completion;
  GtkTreeModel *model;
  GtkTreeIter iter;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_auto(GStrv) recipients = NULL;
  gboolean handled = FALSE;
  gint64 folder;

  g_assert_no_error (error);
  txn = hy_store_begin (store, &error);
  g_assert_no_error (error);
  folder = hy_store_transaction_add_folder (txn, "INBOX", HY_FOLDER_ROLE_INBOX, "/", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (seen); i++)
    {
      g_autoptr(HyStoreMessage) m = hy_store_message_new ();

      m->folder_id = folder;
      m->uid = i + 1;
      m->date = m->received = 1790000000 + i;
      m->message_id = g_strdup_printf ("seen.%u@example.org", i);
      m->subject = g_strdup ("Hello");
      m->from = g_strdup (seen[i].from);
      m->to = g_strdup (seen[i].to);
      m->cc = g_strdup (seen[i].cc);
      g_assert_cmpint (hy_store_transaction_add_message (txn, m, &error), >, 0);
      g_assert_no_error (error);
    }
  g_assert_true (hy_store_transaction_commit (txn, &error));
  hy_store_transaction_free (txn);
  hy_composer_add_address_store (fixture->composer, store);

  /* One recipient typed, then the start of a second one. */
  gtk_widget_grab_focus (GTK_WIDGET (to));
  iterate (100);
  gtk_editable_set_text (GTK_EDITABLE (to), "Dave <dave@example.net>, 李");
  iterate (100);
  completion = gtk_entry_get_completion (to);
  g_assert_nonnull (completion);
  model = gtk_entry_completion_get_model (completion);
  /* One character is not enough to ask; two are. */
  g_assert_cmpint (gtk_tree_model_iter_n_children (model, NULL), ==, 0);
  gtk_editable_set_text (GTK_EDITABLE (to), "Dave <dave@example.net>, 李四");
  for (int i = 0; i < 500 && gtk_tree_model_iter_n_children (model, NULL) == 0; i++)
    iterate (10);
  g_assert_cmpint (gtk_tree_model_iter_n_children (model, NULL), ==, 1);
  g_assert_true (gtk_tree_model_get_iter_first (model, &iter));
  gtk_tree_model_get (model, &iter, 0, &first, -1);
  g_assert_cmpstr (first, ==, "李四 <lisi@example.cn>");

  /* By the start of an address or a name: "li" finds both Lis, the one
   * seen more often first. */
  gtk_editable_set_text (GTK_EDITABLE (to), "Dave <dave@example.net>, li");
  for (int i = 0; i < 500; i++)
    {
      if (gtk_tree_model_iter_n_children (model, NULL) == 2)
        break;
      iterate (10);
    }
  g_assert_cmpint (gtk_tree_model_iter_n_children (model, NULL), ==, 2);
  g_assert_true (gtk_tree_model_get_iter_first (model, &iter));
  g_free (first);
  gtk_tree_model_get (model, &iter, 0, &first, -1);
  g_assert_true (gtk_tree_model_iter_next (model, &iter));
  gtk_tree_model_get (model, &iter, 0, &second, -1);
  g_assert_cmpstr (first, ==, "李四 <lisi@example.cn>");
  g_assert_cmpstr (second, ==, "Li Lei <lilei@example.com>");

  /* Choosing completes the second recipient and keeps the first. */
  g_signal_emit_by_name (completion, "match-selected", model, &iter, &handled);
  g_assert_true (handled);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (to)), ==,
                   "Dave <dave@example.net>, Li Lei <lilei@example.com>, ");
  send (fixture);
  g_assert_nonnull (fixture->sent);
  recipients = hy_message_builder_get_envelope_recipients (fixture->sent);
  g_assert_cmpuint (g_strv_length (recipients), ==, 2);
  g_assert_cmpstr (recipients[0], ==, "dave@example.net");
  g_assert_cmpstr (recipients[1], ==, "lilei@example.com");
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_mime_init ();

#define ADD(path, func) \
  g_test_add ("/ui/composer/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("plain", test_plain);
  ADD ("rich", test_rich);
  ADD ("attachments", test_attachments);
  ADD ("reminder/chinese", test_reminder);
  ADD ("reminder/english", test_reminder_english);
  ADD ("reminder/quoted", test_no_reminder_for_quote);
  ADD ("invalid-address", test_invalid_address);
  ADD ("mailto", test_mailto);
  ADD ("reply-all", test_reply_all);
  ADD ("inline-image", test_inline_image);
  ADD ("forward-as-attachment", test_forward_as_attachment);
  ADD ("rich-draft-round-trip", test_rich_draft_round_trip);
  ADD ("html-import-tolerant", test_html_import_tolerant);
  ADD ("image-attachment-inline", test_image_attachment_inline);
  ADD ("wide-inline-image", test_wide_inline_image);
  ADD ("address-completion", test_address_completion);
#undef ADD

  return g_test_run ();
}
