/* test-compose-send.c — what the composer sends arrives right, through the outbox and the fixture's servers
 *
 * A composer is filled in this process as a person would fill it; its
 * message goes through the account's HyOutbox to the fixture's submission
 * server, and bob's and alice's mailboxes are then read over IMAP.  Needs
 * the mail stack (tests/fixtures/mailstack run); skips without it unless
 * HY_REQUIRE_MAILSTACK=1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <adwaita.h>
#include <glib/gstdio.h>

#include "account/hy-memory-credentials.h"
#include "hy-composer.h"
#include "hy-rich-text.h"
#include "mime/hy-message.h"
#include "mime/hy-mime-part.h"
#include "sync/hy-drafts.h"
#include "sync/hy-outbox.h"
#include "sync/hy-outbox-private.h"

typedef struct
{
  char             *dir;
  char             *tag;
  HyCredentials    *credentials;
  HyAccount        *alice;
  HyAccount        *bob;
  HyStore          *store;
  HyOutbox         *outbox;
  HyComposer       *composer;
  HyMessageBuilder *sent;
  guint             size_asked;
} Fixture;

static gboolean
skip_without_stack (void)
{
  if (g_getenv ("HY_TEST_HOST") != NULL)
    return FALSE;
  if (g_strcmp0 (g_getenv ("HY_REQUIRE_MAILSTACK"), "1") == 0)
    g_error ("HY_TEST_HOST is not set but HY_REQUIRE_MAILSTACK=1");
  g_test_skip ("no mail stack (run inside tests/fixtures/mailstack run)");
  return TRUE;
}

static void
store_secret (HyCredentials *credentials,
              const char    *account,
              const char    *protocol,
              const char    *user,
              const char    *password)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  hy_credentials_store_async (credentials, account, protocol, g_getenv ("HY_TEST_HOST"),
                              user, password, NULL, _hy_outbox_store_result, &result);
  g_assert_true (hy_credentials_store_finish (credentials, _hy_outbox_wait (&result), &error));
  g_assert_no_error (error);
}

static HyAccount *
make_account (HyCredentials *credentials,
              const char    *id,
              const char    *name,
              const char    *who)
{
  g_autofree char *user_var = g_strdup_printf ("HY_TEST_%s_USER", who);
  g_autofree char *password_var = g_strdup_printf ("HY_TEST_%s_PASSWORD", who);
  g_autofree char *address_var = g_strdup_printf ("HY_TEST_%s_ADDRESS", who);
  const char *user = g_getenv (user_var);
  g_autoptr(HyIdentity) identity = hy_identity_new (name, g_getenv (address_var), NULL);
  g_autoptr(HyServerConfig) imap = hy_server_config_new (HY_SERVER_PROTOCOL_IMAP, g_getenv ("HY_TEST_HOST"),
                                                          atoi (g_getenv ("HY_TEST_IMAPS_PORT")),
                                                          HY_SERVER_SECURITY_TLS, user);
  g_autoptr(HyServerConfig) smtp = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, g_getenv ("HY_TEST_HOST"),
                                                          atoi (g_getenv ("HY_TEST_SUBMISSIONS_PORT")),
                                                          HY_SERVER_SECURITY_TLS, user);
  HyAccount *account = hy_account_new (id);

  hy_account_add_identity (account, identity);
  hy_account_set_incoming (account, imap);
  hy_account_set_outgoing (account, smtp);
  store_secret (credentials, id, "imap", user, g_getenv (password_var));
  store_secret (credentials, id, "smtp", user, g_getenv (password_var));
  return account;
}

static gboolean
on_send (HyComposer       *composer,
         HyMessageBuilder *message,
         const char       *account_id,
         Fixture          *f)
{
  g_set_object (&f->sent, message);
  return TRUE;
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  GPtrArray *identities;

  if (g_getenv ("HY_TEST_HOST") == NULL)
    return;

  f->dir = g_dir_make_tmp ("hy-compose-send-XXXXXX", &error);
  g_assert_no_error (error);
  f->tag = g_strdup_printf ("%d%" G_GINT64_FORMAT, getpid (), g_get_real_time () % 1000000000);
  f->credentials = hy_memory_credentials_new ();
  f->alice = make_account (f->credentials, "alice-test", "Alice", "ALICE");
  f->bob = make_account (f->credentials, "bob-test", "Bob", "BOB");
  path = g_build_filename (f->dir, "store.db", NULL);
  f->store = hy_store_open (path, &error);
  g_assert_no_error (error);
  f->outbox = hy_outbox_new (f->alice, f->credentials, f->store);
  hy_outbox_set_ca_file (f->outbox, g_getenv ("HY_TEST_CA_FILE"));

  f->composer = g_object_ref_sink (hy_composer_new (NULL));
  identities = hy_account_get_identities (f->alice);
  hy_composer_add_identity (f->composer, "alice-test", g_ptr_array_index (identities, 0));
  g_signal_connect (f->composer, "send", G_CALLBACK (on_send), f);
  gtk_window_present (GTK_WINDOW (f->composer));
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  if (f->dir == NULL)
    return;
  if (f->sent == NULL)
    gtk_window_destroy (GTK_WINDOW (f->composer));
  g_clear_object (&f->composer);
  g_clear_object (&f->sent);
  g_clear_object (&f->outbox);
  g_clear_object (&f->store);
  g_clear_object (&f->alice);
  g_clear_object (&f->bob);
  g_clear_object (&f->credentials);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->tag);
}

static gpointer
child (Fixture    *f,
       const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (f->composer), HY_TYPE_COMPOSER, name);
}

static void
type_text (Fixture    *f,
           const char *text)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (child (f, "body_view"));

  gtk_text_buffer_begin_user_action (buffer);
  gtk_text_buffer_insert_at_cursor (buffer, text, -1);
  gtk_text_buffer_end_user_action (buffer);
}

static void
send_now (Fixture *f)
{
  gtk_widget_activate_action (GTK_WIDGET (f->composer), "composer.send", NULL);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_nonnull (f->sent);
}

static void
flush (Fixture *f,
       guint    expect_sent)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HyOutboxFlushResult counts = { 0 };

  hy_outbox_flush_async (f->outbox, NULL, _hy_outbox_store_result, &result);
  g_assert_true (hy_outbox_flush_finish (f->outbox, _hy_outbox_wait (&result), &counts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counts.n_failed, ==, 0);
  g_assert_cmpuint (counts.n_sent, ==, expect_sent);
}

/* The messages with @message_id in @account's folder for @role (INBOX
 * when @role is HY_FOLDER_ROLE_INBOX), as bytes. Delivery is quick but
 * not instant, so it waits up to ten seconds for @at_least of them (two
 * seconds for none to be there). */
static GPtrArray *
fetch_by_message_id (Fixture      *f,
                     HyAccount    *account,
                     HyFolderRole  role,
                     const char   *message_id,
                     guint         at_least)
{
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (int attempt = 0; attempt < 50; attempt++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HyImapClient) client = _hy_outbox_imap_open (account, f->credentials,
                                                             g_getenv ("HY_TEST_CA_FILE"), NULL, &error);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(HyImapSelectResult) selected = NULL;
      g_autoptr(GArray) uids = NULL;
      g_autofree char *folder = NULL;

      g_assert_no_error (error);
      if (role == HY_FOLDER_ROLE_INBOX)
        folder = g_strdup ("INBOX");
      else
        folder = _hy_outbox_imap_find_folder (client, account, NULL, role, NULL, &error);
      g_assert_no_error (error);
      hy_imap_client_select_async (client, folder, TRUE, 0, 0, NULL, NULL, _hy_outbox_store_result, &result);
      selected = hy_imap_client_select_finish (client, _hy_outbox_wait (&result), &error);
      g_assert_no_error (error);
      uids = _hy_outbox_imap_find_message_id (client, message_id, NULL, &error);
      g_assert_no_error (error);

      if (at_least == 0 && uids->len == 0)
        {
          /* Nothing expected: looked at once the first attempts are over. */
          _hy_outbox_imap_close (client);
          if (attempt >= 10)
            return found;
          g_usleep (200 * 1000);
          continue;
        }
      if (uids->len >= at_least)
        {
          static const char * const sections[] = { "", NULL };
          g_autoptr(GString) set = g_string_new (NULL);
          g_autoptr(GPtrArray) fetches = NULL;

          for (guint i = 0; i < uids->len; i++)
            g_string_append_printf (set, "%s%u", i > 0 ? "," : "", g_array_index (uids, guint32, i));
          g_clear_object (&result);
          hy_imap_client_fetch_async (client, set->str, HY_IMAP_FETCH_UID, sections, 0, NULL, NULL,
                                      NULL, _hy_outbox_store_result, &result);
          fetches = hy_imap_client_fetch_finish (client, _hy_outbox_wait (&result), &error);
          g_assert_no_error (error);
          for (guint i = 0; i < fetches->len; i++)
            {
              const HyImapFetchSection *section = hy_imap_fetch_get_section (g_ptr_array_index (fetches, i), "");

              g_assert_nonnull (section);
              g_ptr_array_add (found, g_bytes_ref (section->data));
            }
          _hy_outbox_imap_close (client);
          return found;
        }
      _hy_outbox_imap_close (client);
      g_usleep (200 * 1000);
    }
  return found;
}

static GBytes *
part_bytes (HyMimePart *part)
{
  GBytes *bytes = hy_mime_part_get_content_bytes (part);

  g_assert_nonnull (bytes);
  return bytes;
}

/* Every file in @dir whose content contains @needle, read whole. */
static GPtrArray *
rawlogs_with (const char *dir,
              const char *needle)
{
  GPtrArray *found = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;

      if (g_file_get_contents (path, &contents, NULL, NULL) && strstr (contents, needle) != NULL)
        g_ptr_array_add (found, g_steal_pointer (&contents));
    }
  return found;
}

static void
test_rich_with_attachments (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *cc = NULL;
  g_autofree char *bcc = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *text_name = NULL;
  g_autofree char *text_path = NULL;
  g_autofree char *bin_path = NULL;
  g_autoptr(GBytes) bin = NULL;
  g_autoptr(GBytes) text = NULL;
  g_autoptr(GFile) bin_file = NULL;
  g_autoptr(GFile) text_file = NULL;
  g_autoptr(GBytes) queued = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) at_bob = NULL;
  g_autoptr(GPtrArray) at_alice = NULL;
  g_autoptr(GPtrArray) in_sent = NULL;
  g_autoptr(GPtrArray) wire = NULL;
  g_autoptr(HyMessage) received = NULL;
  const char *message_id;
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  GPtrArray *attachments;
  HyMimePart *root;
  GPtrArray *children;
  guint matched = 0;
  guint submissions = 0;

  if (skip_without_stack ())
    return;

  /* Two attachments: binary data (every byte value) and a text file
   * with a Chinese name. */
  {
    g_autoptr(GByteArray) array = g_byte_array_new ();

    for (guint i = 0; i < 300000; i++)
      {
        guint8 byte = (guint8) (i * 31 + (i >> 8));

        g_byte_array_append (array, &byte, 1);
      }
    bin = g_byte_array_free_to_bytes (g_steal_pointer (&array));
  }
  text = g_bytes_new_static ("第一行\r\n第二行\n", strlen ("第一行\r\n第二行\n"));
  bin_path = g_build_filename (f->dir, "figures.bin", NULL);
  text_name = g_strdup_printf ("季度报告 %s.txt", f->tag);
  text_path = g_build_filename (f->dir, text_name, NULL);
  g_assert_true (g_file_set_contents (bin_path, g_bytes_get_data (bin, NULL), g_bytes_get_size (bin), NULL));
  g_assert_true (g_file_set_contents (text_path, g_bytes_get_data (text, NULL), g_bytes_get_size (text), NULL));
  bin_file = g_file_new_for_path (bin_path);
  text_file = g_file_new_for_path (text_path);

  cc = g_strdup_printf ("Alice Cc <alice+cc%s@example.org>", f->tag);
  bcc = g_strdup_printf ("alice+bcc%s@example.org", f->tag);
  subject = g_strdup_printf ("季度报告 %s", f->tag);

  gtk_editable_set_text (child (f, "to_entry"), g_getenv ("HY_TEST_BOB_ADDRESS"));
  gtk_editable_set_text (child (f, "cc_entry"), cc);
  gtk_editable_set_text (child (f, "bcc_entry"), bcc);
  gtk_editable_set_text (child (f, "subject_entry"), subject);
  hy_composer_set_rich_text (f->composer, TRUE);
  type_text (f, "Hello Bob, the figures are attached.");
  buffer = gtk_text_view_get_buffer (child (f, "body_view"));
  gtk_text_buffer_get_start_iter (buffer, &start);
  g_assert_true (gtk_text_iter_forward_search (&start, "figures", 0, &start, &end, NULL));
  gtk_text_buffer_select_range (buffer, &start, &end);
  hy_rich_text_toggle_inline (buffer, HY_RICH_TEXT_BOLD);
  hy_composer_add_attachment (f->composer, bin_file);
  hy_composer_add_attachment (f->composer, text_file);
  send_now (f);

  /* What the app does on Send: the message with its Bcc into the outbox. */
  queued = hy_message_builder_to_bytes_with_bcc (f->sent, &error);
  g_assert_no_error (error);
  message_id = hy_message_builder_get_message_id (f->sent);
  g_assert_cmpint (hy_outbox_queue (f->outbox, queued, 0, &error), >, 0);
  g_assert_no_error (error);
  flush (f, 1);

  /* Bob's copy: structure, decoded subject and names, identical bytes. */
  at_bob = fetch_by_message_id (f, f->bob, HY_FOLDER_ROLE_INBOX, message_id, 1);
  g_assert_cmpuint (at_bob->len, ==, 1);
  received = hy_message_new_from_bytes (g_ptr_array_index (at_bob, 0));
  g_assert_cmpstr (hy_message_get_subject (received), ==, subject);
  g_assert_null (hy_message_get_header (received, "Bcc"));
  root = hy_message_get_root_part (received);
  g_assert_cmpstr (hy_mime_part_get_content_type (root), ==, "multipart/mixed");
  children = hy_mime_part_get_children (root);
  g_assert_cmpuint (children->len, ==, 3);
  g_assert_cmpstr (hy_mime_part_get_content_type (g_ptr_array_index (children, 0)), ==, "multipart/alternative");
  {
    GPtrArray *alternatives = hy_mime_part_get_children (g_ptr_array_index (children, 0));
    g_autofree char *plain = NULL;
    g_autofree char *html = NULL;

    g_assert_cmpuint (alternatives->len, ==, 2);
    g_assert_cmpstr (hy_mime_part_get_content_type (g_ptr_array_index (alternatives, 0)), ==, "text/plain");
    g_assert_cmpstr (hy_mime_part_get_content_type (g_ptr_array_index (alternatives, 1)), ==, "text/html");
    plain = hy_mime_part_get_text (g_ptr_array_index (alternatives, 0));
    html = hy_mime_part_get_text (g_ptr_array_index (alternatives, 1));
    g_assert_nonnull (strstr (plain, "the *figures* are attached."));
    g_assert_nonnull (strstr (html, "the <b>figures</b> are attached."));
  }
  attachments = hy_message_get_attachments (received);
  g_assert_cmpuint (attachments->len, ==, 2);
  for (guint i = 0; i < attachments->len; i++)
    {
      HyMimePart *part = g_ptr_array_index (attachments, i);
      g_autoptr(GBytes) content = part_bytes (part);

      if (g_strcmp0 (hy_mime_part_get_filename (part), "figures.bin") == 0)
        {
          g_assert_true (g_bytes_equal (content, bin));
          matched++;
        }
      else
        {
          g_assert_cmpstr (hy_mime_part_get_filename (part), ==, text_name);
          g_assert_true (g_bytes_equal (content, text));
          matched++;
        }
    }
  g_assert_cmpuint (matched, ==, 2);

  /* Alice got two copies: one as Cc, one as Bcc. */
  at_alice = fetch_by_message_id (f, f->alice, HY_FOLDER_ROLE_INBOX, message_id, 2);
  g_assert_cmpuint (at_alice->len, ==, 2);

  /* What the client put on the wire at submission carried no Bcc. */
  wire = rawlogs_with (g_getenv ("HY_TEST_ALICE_RAWLOG_DIR"), message_id);
  g_assert_cmpuint (wire->len, >=, 1);
  for (guint i = 0; i < wire->len; i++)
    {
      const char *log = g_ptr_array_index (wire, i);
      const char *header_end = strstr (log, "\r\n\r\n");
      g_autofree char *headers = g_strndup (log, header_end != NULL ? (gsize) (header_end - log) : strlen (log));

      if (strstr (headers, "MAIL FROM") == NULL)
        continue;   /* an IMAP session (the Sent copy), not the submission */
      g_assert_null (strstr (headers, "\r\nBcc:"));
      g_assert_nonnull (strstr (log, "RCPT TO:<alice+bcc"));
      submissions++;
    }
  g_assert_cmpuint (submissions, ==, 1);

  /* And a copy in alice's Sent. */
  in_sent = fetch_by_message_id (f, f->alice, HY_FOLDER_ROLE_SENT, message_id, 1);
  g_assert_cmpuint (in_sent->len, ==, 1);
}

static void
test_undo (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *subject = NULL;
  g_autoptr(GBytes) queued = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyMessage) message = NULL;
  g_autoptr(HyComposer) reopened = NULL;
  g_autoptr(GPtrArray) at_bob = NULL;
  g_autofree char *body = NULL;
  gint64 id;

  if (skip_without_stack ())
    return;

  subject = g_strdup_printf ("Undo %s", f->tag);
  gtk_editable_set_text (child (f, "to_entry"), g_getenv ("HY_TEST_BOB_ADDRESS"));
  gtk_editable_set_text (child (f, "bcc_entry"), "alice@example.org");
  gtk_editable_set_text (child (f, "subject_entry"), subject);
  type_text (f, "Never mind.");
  {
    g_autoptr(GBytes) note = g_bytes_new_static ("x", 1);

    hy_composer_add_attachment_bytes (f->composer, note, "text/plain", "note.txt");
  }
  send_now (f);

  queued = hy_message_builder_to_bytes_with_bcc (f->sent, &error);
  g_assert_no_error (error);
  id = hy_outbox_queue (f->outbox, queued, 30, &error);
  g_assert_no_error (error);

  /* Undo within the delay: nothing is due, nothing goes out. */
  back = hy_outbox_cancel (f->outbox, id, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (back, queued));
  flush (f, 0);
  at_bob = fetch_by_message_id (f, f->bob, HY_FOLDER_ROLE_INBOX,
                                hy_message_builder_get_message_id (f->sent), 0);
  g_assert_cmpuint (at_bob->len, ==, 0);

  /* The composer comes back with everything, Bcc included. */
  message = hy_message_new_from_bytes (back);
  reopened = g_object_ref_sink (hy_composer_new (NULL));
  hy_composer_add_identity (reopened, "alice-test", g_ptr_array_index (hy_account_get_identities (f->alice), 0));
  hy_composer_load_message (reopened, message);
  body = hy_composer_get_body_text (reopened);
  g_assert_true (g_str_has_prefix (body, "Never mind."));
  g_assert_cmpuint (hy_composer_get_n_attachments (reopened), ==, 1);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (gtk_widget_get_template_child (GTK_WIDGET (reopened), HY_TYPE_COMPOSER, "bcc_entry"))),
                   ==, "alice@example.org");
  gtk_window_destroy (GTK_WINDOW (reopened));
}

/* The submission server cannot be reached: the message waits in the
 * outbox, and leaves once the server answers again. */
static void
test_server_down (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GBytes) queued = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) waiting = NULL;
  g_autoptr(GPtrArray) at_bob = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GSocketListener) closed = g_socket_listener_new ();
  HyOutboxFlushResult counts = { 0 };
  const HyServerConfig *real;
  g_autoptr(HyServerConfig) down = NULL;
  g_autofree char *subject = NULL;
  guint16 dead_port;
  gint64 id;

  if (skip_without_stack ())
    return;

  /* A port nobody listens on: bind one, then let it go. */
  dead_port = g_socket_listener_add_any_inet_port (closed, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (closed);

  real = hy_account_get_outgoing (f->alice);
  down = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, g_getenv ("HY_TEST_HOST"), dead_port,
                               HY_SERVER_SECURITY_TLS, g_getenv ("HY_TEST_ALICE_USER"));
  {
    g_autoptr(HyServerConfig) saved = hy_server_config_copy (real);

    hy_account_set_outgoing (f->alice, down);

    subject = g_strdup_printf ("Offline %s", f->tag);
    gtk_editable_set_text (child (f, "to_entry"), g_getenv ("HY_TEST_BOB_ADDRESS"));
    gtk_editable_set_text (child (f, "subject_entry"), subject);
    type_text (f, "Written on a train.");
    send_now (f);
    queued = hy_message_builder_to_bytes_with_bcc (f->sent, &error);
    g_assert_no_error (error);
    id = hy_outbox_queue (f->outbox, queued, 0, &error);
    g_assert_no_error (error);

    hy_outbox_flush_async (f->outbox, NULL, _hy_outbox_store_result, &result);
    g_assert_true (hy_outbox_flush_finish (f->outbox, _hy_outbox_wait (&result), &counts, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (counts.n_sent, ==, 0);
    g_assert_cmpuint (counts.n_failed, ==, 0);
    waiting = hy_outbox_list (f->outbox, FALSE, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (waiting->len, ==, 1);
    g_assert_cmpint (((HyOutboxEntry *) g_ptr_array_index (waiting, 0))->state, ==, HY_OUTBOX_STATE_QUEUED);
    g_assert_nonnull (((HyOutboxEntry *) g_ptr_array_index (waiting, 0))->last_error);

    /* The server is back. */
    hy_account_set_outgoing (f->alice, saved);
  }
  g_assert_true (hy_outbox_retry (f->outbox, id, &error));
  g_assert_no_error (error);
  flush (f, 1);
  at_bob = fetch_by_message_id (f, f->bob, HY_FOLDER_ROLE_INBOX,
                                hy_message_builder_get_message_id (f->sent), 1);
  g_assert_cmpuint (at_bob->len, ==, 1);
}

static void
on_save_draft (HyComposer       *composer,
               HyMessageBuilder *builder,
               const char       *account_id,
               gpointer          user_data)
{
  GBytes **slot = user_data;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (slot, g_bytes_unref);
  *slot = hy_message_builder_to_draft_bytes (builder, &error);
  g_assert_no_error (error);
}

/* The composer saves by itself once typing pauses; what it saved comes
 * back whole from a store opened anew, as after the app was killed. */
static void
test_draft_restores (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GBytes) saved = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyDrafts) drafts = NULL;
  g_autoptr(HyStore) store = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(HyMessage) message = NULL;
  g_autoptr(HyComposer) reopened = NULL;
  g_autoptr(GBytes) photo = g_bytes_new_static ("\x89PNG\r\n\x1a\n\0\1\2\3", 12);
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  gint64 id;
  gint64 deadline;

  if (skip_without_stack ())
    return;

  g_signal_connect (f->composer, "save-draft", G_CALLBACK (on_save_draft), &saved);
  gtk_editable_set_text (child (f, "subject_entry"), "Half written 草稿");
  type_text (f, "Dear Bob, more to come.");
  hy_composer_add_attachment_bytes (f->composer, photo, "image/png", "照片.png");

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (saved == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (saved);

  /* What the app does with it: into the store at once. */
  drafts = hy_drafts_new (f->alice, f->credentials, f->store);
  id = hy_drafts_save (drafts, 0, saved, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  g_clear_object (&drafts);

  path = g_strdup (hy_store_get_path (f->store));
  store = hy_store_open (path, &error);
  g_assert_no_error (error);
  drafts = hy_drafts_new (f->alice, f->credentials, store);
  list = hy_drafts_list (drafts, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  back = hy_drafts_get_message (drafts, id, &error);
  g_assert_no_error (error);

  message = hy_message_new_from_bytes (back);
  reopened = g_object_ref_sink (hy_composer_new (NULL));
  hy_composer_add_identity (reopened, "alice-test", g_ptr_array_index (hy_account_get_identities (f->alice), 0));
  hy_composer_load_message (reopened, message);
  text = hy_composer_get_body_text (reopened);
  g_assert_true (g_str_has_prefix (text, "Dear Bob, more to come."));
  g_assert_cmpuint (hy_composer_get_n_attachments (reopened), ==, 1);
  g_assert_cmpstr (hy_message_get_subject (message), ==, "Half written 草稿");
  {
    GPtrArray *attachments = hy_message_get_attachments (message);
    g_autoptr(GBytes) content = hy_mime_part_get_content_bytes (g_ptr_array_index (attachments, 0));

    g_assert_cmpstr (hy_mime_part_get_filename (g_ptr_array_index (attachments, 0)), ==, "照片.png");
    g_assert_true (g_bytes_equal (content, photo));
  }
  gtk_window_destroy (GTK_WINDOW (reopened));
}

/* Forward as attachment carries the original byte for byte: an 8-bit
 * GB18030 original with odd header spacing is put in alice's INBOX, read
 * back as the store would have it, forwarded to bob from a composer, and
 * the message/rfc822 part bob receives over IMAP is those very bytes. */
static void
test_forward_8bit (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) original = g_string_new (NULL);
  g_autoptr(GBytes) original_bytes = NULL;
  g_autoptr(GPtrArray) stored = NULL;
  g_autoptr(GPtrArray) at_bob = NULL;
  g_autoptr(HyMessage) stored_message = NULL;
  g_autoptr(HyMessageBuilder) forward = NULL;
  g_autoptr(GBytes) queued = NULL;
  g_autoptr(HyMessage) received = NULL;
  g_autofree char *original_id = NULL;
  const char *message_id;
  GBytes *raw;
  HyMimePart *part;

  if (skip_without_stack ())
    return;

  original_id = g_strdup_printf ("gb18030.%s@example.cn", f->tag);
  g_string_append_printf (original,
                          "From: =?GB18030?B?1cXI/Q==?= <zhang@example.cn>\r\n"
                          "To: %s\r\n"
                          "Subject: =?GB18030?B?1tzA/bvh?= %s\r\n"
                          "Date: Thu, 19 Nov 2026 09:30:00 +0800\r\n"
                          "Message-ID: <%s>\r\n"
                          "MIME-Version: 1.0\r\n"
                          "Content-Type: text/plain; charset=GB18030\r\n"
                          "Content-Transfer-Encoding: 8bit\r\n"
                          "X-Spacing:   kept   as it   was\r\n"
                          "\r\n"
                          "\xd6\xdc\xc0\xfd\xbb\xe1\xd4\xda\xc8\xfd\xba\xc5\xbb\xe1\xd2\xe9\xca\xd2\xa1\xa3\r\n"
                          ".a line starting with a dot\r\n"
                          "From the start of a line, and a tab\there\r\n",
                          g_getenv ("HY_TEST_ALICE_ADDRESS"), f->tag, original_id);
  original_bytes = g_bytes_new (original->str, original->len);
  {
    g_autoptr(HyImapClient) client = _hy_outbox_imap_open (f->alice, f->credentials,
                                                           g_getenv ("HY_TEST_CA_FILE"), NULL, &error);
    g_autoptr(GAsyncResult) result = NULL;

    g_assert_no_error (error);
    hy_imap_client_append_async (client, "INBOX", original_bytes, NULL, NULL, NULL,
                                 _hy_outbox_store_result, &result);
    g_assert_true (hy_imap_client_append_finish (client, _hy_outbox_wait (&result), NULL, NULL, &error));
    g_assert_no_error (error);
    _hy_outbox_imap_close (client);
  }
  /* What a sync stores: the server's BODY[]. */
  stored = fetch_by_message_id (f, f->alice, HY_FOLDER_ROLE_INBOX, original_id, 1);
  g_assert_cmpuint (stored->len, ==, 1);
  raw = g_ptr_array_index (stored, 0);
  g_assert_true (g_bytes_equal (raw, original_bytes));

  stored_message = hy_message_new_from_bytes (raw);
  forward = hy_message_builder_new_forward (stored_message, HY_FORWARD_AS_ATTACHMENT, &error);
  g_assert_no_error (error);
  hy_composer_load_builder (f->composer, forward);
  hy_composer_add_forwarded_message (f->composer, raw);
  gtk_editable_set_text (child (f, "to_entry"), g_getenv ("HY_TEST_BOB_ADDRESS"));
  send_now (f);

  queued = hy_message_builder_to_bytes_with_bcc (f->sent, &error);
  g_assert_no_error (error);
  message_id = hy_message_builder_get_message_id (f->sent);
  g_assert_cmpint (hy_outbox_queue (f->outbox, queued, 0, &error), >, 0);
  g_assert_no_error (error);
  flush (f, 1);

  at_bob = fetch_by_message_id (f, f->bob, HY_FOLDER_ROLE_INBOX, message_id, 1);
  g_assert_cmpuint (at_bob->len, ==, 1);
  received = hy_message_new_from_bytes (g_ptr_array_index (at_bob, 0));
  g_assert_cmpuint (hy_message_get_attachments (received)->len, ==, 1);
  part = g_ptr_array_index (hy_message_get_attachments (received), 0);
  g_assert_cmpstr (hy_mime_part_get_content_type (part), ==, "message/rfc822");
  g_assert_cmpstr (hy_message_get_message_id (hy_mime_part_get_message (part)), ==, original_id);
  /* On the wire of bob's copy, the part's content is the original. */
  {
    gsize size;
    const char *wire = g_bytes_get_data (g_ptr_array_index (at_bob, 0), &size);
    const char *type = g_strstr_len (wire, size, "Content-Type: message/rfc822");
    const char *start, *end;

    g_assert_nonnull (type);
    start = g_strstr_len (type, size - (type - wire), "\r\n\r\n");
    g_assert_nonnull (start);
    start += 4;
    end = g_strstr_len (start, size - (start - wire), "\r\n--");
    g_assert_nonnull (end);
    g_assert_cmpmem (start, end - start, original->str, original->len);
  }
}

/* What the app does when Send needs the size limit: ask the outbox, which
 * asks the server with a quick EHLO when it has not connected yet. */
static void
on_size_probed (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;
  gint64 limit = hy_outbox_probe_size_limit_finish (HY_OUTBOX (object), result, &error);

  g_assert_no_error (error);
  hy_composer_set_size_limit (f->composer, "alice-test", limit);
}

static gboolean
on_size_limit_needed (HyComposer *composer,
                      const char *account_id,
                      Fixture    *f)
{
  g_assert_cmpstr (account_id, ==, "alice-test");
  f->size_asked++;
  hy_outbox_probe_size_limit_async (f->outbox, NULL, on_size_probed, f);
  return TRUE;
}

static AdwMessageDialog *
wait_for_dialog (void)
{
  for (int i = 0; i < 1000; i++)
    {
      GList *toplevels = gtk_window_list_toplevels ();
      AdwMessageDialog *found = NULL;

      for (GList *l = toplevels; l != NULL; l = l->next)
        if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data))
          found = l->data;
      g_list_free (toplevels);
      if (found != NULL)
        return found;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
  return NULL;
}

/* A message larger than the submission server's SIZE (Dovecot's
 * submission_max_mail_size, 200 MB in the fixture) asks before it is
 * sent: the limit comes from the server by a probe at the first Send;
 * Cancel keeps the message, Send Anyway sends it.  The attachment is a
 * sparse file: the composer only reads its size. */
static void
test_size_warning (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *limit_text = g_format_size (209715200);
  g_autoptr(GFile) file = NULL;
  AdwMessageDialog *dialog;
  int fd;

  if (skip_without_stack ())
    return;

  path = g_build_filename (f->dir, "video.mkv", NULL);
  fd = g_open (path, O_CREAT | O_WRONLY, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 210 * 1000 * 1000), ==, 0);
  close (fd);
  file = g_file_new_for_path (path);

  g_signal_connect (f->composer, "size-limit-needed", G_CALLBACK (on_size_limit_needed), f);
  subject = g_strdup_printf ("Big %s", f->tag);
  gtk_editable_set_text (child (f, "to_entry"), g_getenv ("HY_TEST_BOB_ADDRESS"));
  gtk_editable_set_text (child (f, "subject_entry"), subject);
  type_text (f, "The video of the party.");
  hy_composer_add_attachment (f->composer, file);
  g_assert_cmpint (hy_outbox_get_size_limit (f->outbox), ==, -1);

  gtk_widget_activate_action (GTK_WIDGET (f->composer), "composer.send", NULL);
  dialog = wait_for_dialog ();
  g_assert_nonnull (dialog);
  g_assert_cmpuint (f->size_asked, ==, 1);
  g_assert_cmpint (hy_outbox_get_size_limit (f->outbox), ==, 209715200);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Message Too Big");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), limit_text));
  adw_message_dialog_response (dialog, "cancel");
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_null (f->sent);

  /* Known now: asked at once, and sent when the person insists. */
  gtk_widget_activate_action (GTK_WIDGET (f->composer), "composer.send", NULL);
  dialog = wait_for_dialog ();
  g_assert_nonnull (dialog);
  g_assert_cmpuint (f->size_asked, ==, 1);
  adw_message_dialog_response (dialog, "send");
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_nonnull (f->sent);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_mime_init ();

  g_test_add ("/ui/compose-send/rich-with-attachments", Fixture, NULL, setup, test_rich_with_attachments, teardown);
  g_test_add ("/ui/compose-send/undo", Fixture, NULL, setup, test_undo, teardown);
  g_test_add ("/ui/compose-send/server-down", Fixture, NULL, setup, test_server_down, teardown);
  g_test_add ("/ui/compose-send/draft-restores", Fixture, NULL, setup, test_draft_restores, teardown);
  g_test_add ("/ui/compose-send/forward-8bit", Fixture, NULL, setup, test_forward_8bit, teardown);
  g_test_add ("/ui/compose-send/size-warning", Fixture, NULL, setup, test_size_warning, teardown);

  return g_test_run ();
}
