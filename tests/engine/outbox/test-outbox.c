/* test-outbox.c — the outbox's queue without a server: durability, undo, backoff, recovery, one sender
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "sync/hy-outbox.h"
#include "../net/hy-test-server.h"

#define MESSAGE \
  "From: Alice <alice@example.org>\r\n" \
  "To: Bob <bob@example.org>, Carol <carol@example.org>\r\n" \
  "Bcc: dave@example.org\r\n" \
  "Subject: =?UTF-8?B?5Lya6K6u?= tomorrow\r\n" \
  "Message-ID: <outbox-test-1@example.org>\r\n" \
  "\r\n" \
  "See you at ten.\r\n"

typedef struct {
  char      *dir;
  char      *path;
  guint16    closed_port;
  HyAccount *account;
  HyStore   *store;
  HyOutbox  *outbox;
} Fixture;

static guint16
closed_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, NULL);

  g_socket_listener_close (listener);
  return port;
}

static void
open_outbox (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->store = hy_store_open (f->path, &error);
  g_assert_no_error (error);
  f->outbox = hy_outbox_new (f->account, NULL, f->store);
}

static void
close_outbox (Fixture *f)
{
  g_clear_object (&f->outbox);
  g_clear_object (&f->store);
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyIdentity) identity = hy_identity_new ("Alice", "alice@example.org", NULL);
  g_autoptr(HyServerConfig) smtp = NULL;

  f->dir = g_dir_make_tmp ("hy-outbox-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "store.db", NULL);
  f->closed_port = closed_port ();
  smtp = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, "127.0.0.1", f->closed_port,
                               HY_SERVER_SECURITY_NONE, NULL);
  f->account = hy_account_new ("test");
  hy_account_add_identity (f->account, identity);
  hy_account_set_outgoing (f->account, smtp);
  open_outbox (f);
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
  close_outbox (f);
  g_clear_object (&f->account);
  remove_tree (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static GBytes *
message_bytes (void)
{
  return g_bytes_new_static (MESSAGE, sizeof MESSAGE - 1);
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
flush (Fixture             *f,
       HyOutboxFlushResult *counts,
       GError             **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hy_outbox_flush_async (f->outbox, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return hy_outbox_flush_finish (f->outbox, result, counts, error);
}

static void
set_state (Fixture *f,
           gint64   id,
           int      state)
{
  sqlite3 *db = NULL;
  g_autofree char *sql = g_strdup_printf ("UPDATE outbox SET state = %d WHERE id = %" G_GINT64_FORMAT,
                                          state, id);

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* What was queued comes back as it was: envelope from the header (Bcc
 * included), decoded subject, the exact bytes. */
static void
test_queue_list (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = message_bytes ();
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GBytes) stored = NULL;
  HyOutboxEntry *entry;
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;
  gint64 id;

  id = hy_outbox_queue (f->outbox, message, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);

  entries = hy_outbox_list (f->outbox, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 1);
  entry = g_ptr_array_index (entries, 0);
  g_assert_cmpint (entry->id, ==, id);
  g_assert_cmpint (entry->state, ==, HY_OUTBOX_STATE_QUEUED);
  g_assert_cmpstr (entry->sender, ==, "alice@example.org");
  g_assert_cmpuint (g_strv_length (entry->recipients), ==, 3);
  g_assert_cmpstr (entry->recipients[0], ==, "bob@example.org");
  g_assert_cmpstr (entry->recipients[1], ==, "carol@example.org");
  g_assert_cmpstr (entry->recipients[2], ==, "dave@example.org");
  g_assert_cmpstr (entry->subject, ==, "会议 tomorrow");
  g_assert_cmpstr (entry->message_id, ==, "outbox-test-1@example.org");
  g_assert_cmpint (entry->send_after, >=, before + 10);
  g_assert_cmpint (entry->size, ==, sizeof MESSAGE - 1);

  stored = hy_outbox_get_message (f->outbox, id, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (stored, message));
}

/* A queued message is in the database when queue returns: a new process
 * (new store, new outbox) finds it. */
static void
test_durable (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = message_bytes ();
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  gint64 id = hy_outbox_queue (f->outbox, message, 0, &error);

  g_assert_no_error (error);
  close_outbox (f);
  open_outbox (f);
  entries = hy_outbox_list (f->outbox, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 1);
  stored = hy_outbox_get_message (f->outbox, id, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (stored, message));
}

static void
count_changed (HyOutbox *outbox,
               guint    *n)
{
  (*n)++;
}

/* Undo send: the bytes come back, the outbox is empty, a second undo says so. */
static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = message_bytes ();
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  guint changed = 0;
  gint64 id;

  g_signal_connect (f->outbox, "changed", G_CALLBACK (count_changed), &changed);
  id = hy_outbox_queue (f->outbox, message, 5, &error);
  g_assert_no_error (error);
  back = hy_outbox_cancel (f->outbox, id, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (back, message));
  entries = hy_outbox_list (f->outbox, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 0);

  again = hy_outbox_cancel (f->outbox, id, &error);
  g_assert_error (error, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_NOT_FOUND);
  g_assert_null (again);

  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (changed, ==, 2);
}

/* Once a worker has taken a message, undo is too late; and a message left
 * "sending" by a dead process is sent again, not lost. */
static void
test_sending_recovered (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = message_bytes ();
  g_autoptr(GBytes) back = NULL;
  g_autoptr(HyOutboxEntry) entry = NULL;
  HyOutboxFlushResult counts;
  gint64 id = hy_outbox_queue (f->outbox, message, 0, &error);

  g_assert_no_error (error);
  set_state (f, id, HY_OUTBOX_STATE_SENDING);
  back = hy_outbox_cancel (f->outbox, id, &error);
  g_assert_error (error, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_TOO_LATE);
  g_assert_null (back);
  g_clear_error (&error);

  /* The "dead" sender held no lock: this flush takes the row back, tries
   * it (the server is down) and keeps it queued. */
  g_assert_true (flush (f, &counts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counts.n_deferred, ==, 1);
  entry = hy_outbox_get_entry (f->outbox, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (entry->state, ==, HY_OUTBOX_STATE_QUEUED);
}

typedef struct {
  guint    n_failed;
  gboolean permanent;
  char    *message;
} Failures;

static void
on_failed (HyOutbox      *outbox,
           gint64         id,
           HyOutboxEntry *entry,
           GError        *error,
           gboolean       permanent,
           Failures      *failures)
{
  failures->n_failed++;
  failures->permanent = permanent;
  g_free (failures->message);
  failures->message = g_strdup (error->message);
}

/* A server that cannot be reached is a temporary failure: the message
 * stays queued, retried after a backoff; retry makes it due at once. */
static void
test_unreachable_backoff (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = message_bytes ();
  g_autoptr(HyOutboxEntry) entry = NULL;
  g_autoptr(HyOutboxEntry) retried = NULL;
  Failures failures = { 0, TRUE, NULL };
  HyOutboxFlushResult counts;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 id = hy_outbox_queue (f->outbox, message, 0, &error);
  gint64 waiting = hy_outbox_queue (f->outbox, message, 3600, &error);

  g_assert_no_error (error);
  g_signal_connect (f->outbox, "failed", G_CALLBACK (on_failed), &failures);

  g_assert_true (flush (f, &counts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counts.n_sent, ==, 0);
  g_assert_cmpuint (counts.n_deferred, ==, 1);
  g_assert_cmpuint (counts.n_waiting, ==, 1);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (failures.n_failed, ==, 1);
  g_assert_false (failures.permanent);
  g_assert_nonnull (strstr (failures.message, "127.0.0.1"));

  entry = hy_outbox_get_entry (f->outbox, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (entry->state, ==, HY_OUTBOX_STATE_QUEUED);
  g_assert_cmpuint (entry->attempts, ==, 1);
  g_assert_cmpint (entry->send_after, >=, now + 30);
  g_assert_nonnull (entry->last_error);

  /* Not due yet: a flush leaves both alone. */
  g_assert_true (flush (f, &counts, &error));
  g_assert_cmpuint (counts.n_deferred, ==, 0);
  g_assert_cmpuint (counts.n_waiting, ==, 2);

  g_assert_true (hy_outbox_retry (f->outbox, id, &error));
  g_assert_no_error (error);
  retried = hy_outbox_get_entry (f->outbox, id, &error);
  g_assert_cmpint (retried->send_after, <=, g_get_real_time () / G_USEC_PER_SEC);
  g_assert_cmpuint (retried->attempts, ==, 0);

  g_assert_true (hy_outbox_retry (f->outbox, waiting, &error));
  g_assert_true (flush (f, &counts, &error));
  g_assert_cmpuint (counts.n_deferred, ==, 2);
  g_free (failures.message);
}

/* A message without recipients is refused at once, and nothing is queued. */
static void
test_invalid (Fixture       *f,
              gconstpointer  data)
{
  static const char text[] = "From: alice@example.org\r\nSubject: nobody\r\n\r\nhi\r\n";
  g_autoptr(GBytes) message = g_bytes_new_static (text, sizeof text - 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;

  g_assert_cmpint (hy_outbox_queue (f->outbox, message, 0, &error), ==, 0);
  g_assert_error (error, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_INVALID);
  g_clear_error (&error);
  entries = hy_outbox_list (f->outbox, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 0);
}

/* Only one process sends an account's outbox: while another holds the
 * lock, a flush sends nothing and says why. */
static void
test_one_sender (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = message_bytes ();
  g_autofree char *lock_path = g_strconcat (f->path, ".outbox-lock", NULL);
  g_autoptr(HyOutboxEntry) entry = NULL;
  HyOutboxFlushResult counts;
  gint64 id = hy_outbox_queue (f->outbox, message, 0, &error);
  int fd;

  g_assert_no_error (error);
  fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  /* flock locks belong to the open file description: a second open, even
   * in this process, conflicts like another process would. */
  g_assert_cmpint (flock (fd, LOCK_EX), ==, 0);
  g_assert_false (flush (f, &counts, &error));
  g_assert_error (error, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_BUSY);
  close (fd);
  entry = hy_outbox_get_entry (f->outbox, id, NULL);
  g_assert_cmpuint (entry->attempts, ==, 0);
}

/* The async calls deliver on the caller's context. */
static void
test_async (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = message_bytes ();
  g_autoptr(GAsyncResult) queued = NULL;
  g_autoptr(GAsyncResult) listed = NULL;
  g_autoptr(GAsyncResult) cancelled = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GBytes) back = NULL;
  gint64 id;

  hy_outbox_queue_async (f->outbox, message, 30, NULL, store_result, &queued);
  while (queued == NULL)
    g_main_context_iteration (NULL, TRUE);
  id = hy_outbox_queue_finish (f->outbox, queued, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);

  hy_outbox_list_async (f->outbox, FALSE, NULL, store_result, &listed);
  while (listed == NULL)
    g_main_context_iteration (NULL, TRUE);
  entries = hy_outbox_list_finish (f->outbox, listed, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 1);

  hy_outbox_cancel_async (f->outbox, id, NULL, store_result, &cancelled);
  while (cancelled == NULL)
    g_main_context_iteration (NULL, TRUE);
  back = hy_outbox_cancel_finish (f->outbox, cancelled, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (back, message));
}

/* One recipient refused for now (450), one for good (550): the message
 * goes to the third, the 550 is reported in the server's words, and the
 * 450 recipient gets a queued row of its own to be retried. */
static void
test_partly_refused (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = message_bytes ();
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyServerConfig) smtp = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  HyOutboxEntry *first, *retry;
  HyOutboxFlushResult counts;
  gint64 id;

  hy_test_server_send (server, "220 fake ESMTP\r\n");
  hy_test_server_expect (server, "EHLO *");
  hy_test_server_send (server, "250-fake\r\n250 8BITMIME\r\n");
  hy_test_server_expect (server, "MAIL FROM:<alice@example.org>*");
  hy_test_server_send (server, "250 2.1.0 ok\r\n");
  hy_test_server_expect (server, "RCPT TO:<bob@example.org>*");
  hy_test_server_send (server, "250 2.1.5 ok\r\n");
  hy_test_server_expect (server, "RCPT TO:<carol@example.org>*");
  hy_test_server_send (server, "450 4.2.1 Mailbox busy, try later\r\n");
  hy_test_server_expect (server, "RCPT TO:<dave@example.org>*");
  hy_test_server_send (server, "550 5.1.1 No such user dave\r\n");
  hy_test_server_expect (server, "DATA");
  hy_test_server_send (server, "354 go ahead\r\n");
  hy_test_server_expect_until (server, ".");
  hy_test_server_send (server, "250 2.0.0 queued as 1234\r\n");
  hy_test_server_expect (server, "QUIT");
  hy_test_server_send (server, "221 bye\r\n");
  hy_test_server_run (server);

  smtp = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, "127.0.0.1", hy_test_server_get_port (server),
                               HY_SERVER_SECURITY_NONE, NULL);
  hy_account_set_outgoing (f->account, smtp);
  id = hy_outbox_queue (f->outbox, message, 0, &error);
  g_assert_no_error (error);
  g_assert_true (flush (f, &counts, &error));
  g_assert_no_error (error);
  g_assert_true (hy_test_server_wait (server, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counts.n_sent, ==, 1);

  /* No Bcc header on the wire, though dave was a recipient. */
  g_assert_null (strstr (hy_test_server_get_received (server), "Bcc:"));

  entries = hy_outbox_list (f->outbox, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 2);
  first = g_ptr_array_index (entries, 0);
  retry = g_ptr_array_index (entries, 1);
  g_assert_cmpint (first->id, ==, id);
  /* No IMAP server in this account: nothing to file, so it is done. */
  g_assert_cmpint (first->state, ==, HY_OUTBOX_STATE_DONE);
  g_assert_nonnull (strstr (first->last_error, "dave@example.org"));
  g_assert_nonnull (strstr (first->last_error, "No such user dave"));
  g_assert_null (strstr (first->last_error, "carol"));
  g_assert_cmpint (retry->state, ==, HY_OUTBOX_STATE_QUEUED);
  g_assert_cmpuint (g_strv_length (retry->recipients), ==, 1);
  g_assert_cmpstr (retry->recipients[0], ==, "carol@example.org");
  g_assert_cmpstr (retry->message_id, ==, "outbox-test-1@example.org");
  g_assert_cmpint (retry->send_after, >, g_get_real_time () / G_USEC_PER_SEC);
}

/* The server's SIZE, as the last connection saw it, and by a probe that
 * only says EHLO and QUIT. */
static void
test_size_limit (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = message_bytes ();
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyTestServer) prober = hy_test_server_new ();
  g_autoptr(HyServerConfig) smtp = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  HyOutboxFlushResult counts;

  g_assert_cmpint (hy_outbox_get_size_limit (f->outbox), ==, -1);

  hy_test_server_send (prober, "220 fake ESMTP\r\n");
  hy_test_server_expect (prober, "EHLO *");
  hy_test_server_send (prober, "250-fake\r\n250-PIPELINING\r\n250 SIZE 52428800\r\n");
  hy_test_server_expect (prober, "QUIT");
  hy_test_server_send (prober, "221 bye\r\n");
  hy_test_server_run (prober);
  smtp = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, "127.0.0.1", hy_test_server_get_port (prober),
                               HY_SERVER_SECURITY_NONE, NULL);
  hy_account_set_outgoing (f->account, smtp);
  hy_outbox_probe_size_limit_async (f->outbox, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (hy_outbox_probe_size_limit_finish (f->outbox, result, &error), ==, 52428800);
  g_assert_no_error (error);
  g_assert_true (hy_test_server_wait (prober, &error));
  g_assert_no_error (error);
  g_assert_cmpint (hy_outbox_get_size_limit (f->outbox), ==, 52428800);

  /* Sending learns it too: this server announces a smaller one. */
  hy_test_server_send (server, "220 fake ESMTP\r\n");
  hy_test_server_expect (server, "EHLO *");
  hy_test_server_send (server, "250-fake\r\n250 SIZE 1000000\r\n");
  hy_test_server_expect (server, "MAIL FROM:<alice@example.org> SIZE=*");
  hy_test_server_send (server, "250 ok\r\n");
  for (guint i = 0; i < 3; i++)
    {
      hy_test_server_expect (server, "RCPT TO:*");
      hy_test_server_send (server, "250 ok\r\n");
    }
  hy_test_server_expect (server, "DATA");
  hy_test_server_send (server, "354 go ahead\r\n");
  hy_test_server_expect_until (server, ".");
  hy_test_server_send (server, "250 queued\r\n");
  hy_test_server_expect (server, "QUIT");
  hy_test_server_send (server, "221 bye\r\n");
  hy_test_server_run (server);
  g_clear_pointer (&smtp, hy_server_config_free);
  smtp = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, "127.0.0.1", hy_test_server_get_port (server),
                               HY_SERVER_SECURITY_NONE, NULL);
  hy_account_set_outgoing (f->account, smtp);
  g_assert_cmpint (hy_outbox_queue (f->outbox, message, 0, &error), >, 0);
  g_assert_true (flush (f, &counts, &error));
  g_assert_no_error (error);
  g_assert_true (hy_test_server_wait (server, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counts.n_sent, ==, 1);
  g_assert_cmpint (hy_outbox_get_size_limit (f->outbox), ==, 1000000);
}

/* A probe of a server that cannot be reached fails, and leaves the limit unknown. */
static void
test_size_limit_unreachable (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  hy_outbox_probe_size_limit_async (f->outbox, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (hy_outbox_probe_size_limit_finish (f->outbox, result, &error), ==, -1);
  g_assert_nonnull (error);
  g_assert_cmpint (hy_outbox_get_size_limit (f->outbox), ==, -1);
}

/* Where a scripted server refuses a message, and how. */
typedef enum {
  AT_MAIL,
  AT_RCPT,
  AT_DATA,
  AT_END_OF_DATA,
} RefusalStep;

typedef struct {
  RefusalStep  step;
  const char  *reply;       /* for RCPT: one line per recipient, '|'-separated */
  const char  *words;       /* what the reported failure must quote */
  gboolean     permanent;
} Refusal;

/* 4xx at MAIL, RCPT (every recipient, or some for now and the others for
 * good) or DATA leaves the message queued with backoff and the server's
 * words; 5xx makes it failed for good.  A 4xx never becomes permanent. */
static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  const Refusal *refusal = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = message_bytes ();
  g_autoptr(HyTestServer) server = hy_test_server_new ();
  g_autoptr(HyServerConfig) smtp = NULL;
  g_autoptr(HyOutboxEntry) entry = NULL;
  g_auto(GStrv) replies = g_strsplit (refusal->reply, "|", -1);
  const char *recipients[] = { "bob", "carol", "dave" };
  Failures failures = { 0, FALSE, NULL };
  HyOutboxFlushResult counts;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 id;

  hy_test_server_send (server, "220 fake ESMTP\r\n");
  hy_test_server_expect (server, "EHLO *");
  hy_test_server_send (server, "250-fake\r\n250 8BITMIME\r\n");
  hy_test_server_expect (server, "MAIL FROM:<alice@example.org>*");
  if (refusal->step == AT_MAIL)
    hy_test_server_send (server, replies[0]);
  else
    {
      hy_test_server_send (server, "250 2.1.0 ok\r\n");
      for (guint i = 0; i < G_N_ELEMENTS (recipients); i++)
        {
          g_autofree char *pattern = g_strdup_printf ("RCPT TO:<%s@example.org>*", recipients[i]);

          hy_test_server_expect (server, pattern);
          if (refusal->step == AT_RCPT)
            hy_test_server_send (server, replies[MIN (i, g_strv_length (replies) - 1)]);
          else
            hy_test_server_send (server, "250 2.1.5 ok\r\n");
        }
      if (refusal->step == AT_DATA)
        {
          hy_test_server_expect (server, "DATA");
          hy_test_server_send (server, replies[0]);
        }
      else if (refusal->step == AT_END_OF_DATA)
        {
          hy_test_server_expect (server, "DATA");
          hy_test_server_send (server, "354 go ahead\r\n");
          hy_test_server_expect_until (server, ".");
          hy_test_server_send (server, replies[0]);
        }
    }
  /* A refused envelope is reset; a refused message ends with the
   * transaction; either way the session is still good for the next. */
  if (refusal->step != AT_END_OF_DATA)
    {
      hy_test_server_expect (server, "RSET");
      hy_test_server_send (server, "250 2.0.0 reset\r\n");
    }
  hy_test_server_expect (server, "QUIT");
  hy_test_server_send (server, "221 2.0.0 bye\r\n");
  hy_test_server_run (server);

  smtp = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, "127.0.0.1", hy_test_server_get_port (server),
                               HY_SERVER_SECURITY_NONE, NULL);
  hy_account_set_outgoing (f->account, smtp);
  id = hy_outbox_queue (f->outbox, message, 0, &error);
  g_assert_no_error (error);
  g_signal_connect (f->outbox, "failed", G_CALLBACK (on_failed), &failures);
  g_assert_true (flush (f, &counts, &error));
  g_assert_no_error (error);
  g_assert_true (hy_test_server_wait (server, &error));
  g_assert_no_error (error);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_assert_cmpuint (counts.n_sent, ==, 0);
  g_assert_cmpuint (counts.n_failed, ==, refusal->permanent ? 1 : 0);
  g_assert_cmpuint (counts.n_deferred, ==, refusal->permanent ? 0 : 1);
  g_assert_cmpuint (failures.n_failed, ==, 1);
  g_assert_cmpint (failures.permanent, ==, refusal->permanent);
  g_assert_nonnull (strstr (failures.message, refusal->words));

  entry = hy_outbox_get_entry (f->outbox, id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (entry->last_error, refusal->words));
  g_assert_cmpuint (entry->attempts, ==, 1);
  if (refusal->permanent)
    g_assert_cmpint (entry->state, ==, HY_OUTBOX_STATE_FAILED);
  else
    {
      g_assert_cmpint (entry->state, ==, HY_OUTBOX_STATE_QUEUED);
      g_assert_cmpint (entry->send_after, >=, now + 30);
      /* Every recipient is still there for the next try. */
      g_assert_cmpuint (g_strv_length (entry->recipients), ==, 3);
    }
  g_free (failures.message);
}

static const Refusal mail_for_now = { AT_MAIL, "451 4.3.0 Greylisted, come back later\r\n", "Greylisted", FALSE };
static const Refusal mail_for_good = { AT_MAIL, "553 5.7.1 Sender not allowed\r\n", "Sender not allowed", TRUE };
static const Refusal rcpt_all_for_now = { AT_RCPT, "450 4.2.1 Mailbox busy\r\n", "Mailbox busy", FALSE };
static const Refusal rcpt_some_for_now = {
  AT_RCPT, "550 5.1.1 No such user\r\n|452 4.2.2 Over quota for now\r\n|550 5.1.1 No such user\r\n",
  "Over quota for now", FALSE
};
static const Refusal rcpt_all_for_good = { AT_RCPT, "550 5.1.1 No such user\r\n", "No such user", TRUE };
static const Refusal data_for_now = { AT_DATA, "451 4.3.2 Not accepting messages now\r\n", "Not accepting", FALSE };
static const Refusal end_for_now = { AT_END_OF_DATA, "452 4.3.1 Insufficient system storage\r\n", "Insufficient system storage", FALSE };
static const Refusal end_for_good = { AT_END_OF_DATA, "554 5.7.1 Message rejected as spam\r\n", "rejected as spam", TRUE };

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, setup, func, teardown)
  ADD ("/engine/outbox/queue-list", test_queue_list);
  ADD ("/engine/outbox/durable", test_durable);
  ADD ("/engine/outbox/cancel", test_cancel);
  ADD ("/engine/outbox/sending-recovered", test_sending_recovered);
  ADD ("/engine/outbox/unreachable-backoff", test_unreachable_backoff);
  ADD ("/engine/outbox/invalid", test_invalid);
  ADD ("/engine/outbox/one-sender", test_one_sender);
  ADD ("/engine/outbox/async", test_async);
  ADD ("/engine/outbox/partly-refused", test_partly_refused);
  ADD ("/engine/outbox/size-limit", test_size_limit);
  ADD ("/engine/outbox/size-limit-unreachable", test_size_limit_unreachable);
#undef ADD
#define ADD_REFUSAL(path, refusal) g_test_add (path, Fixture, &refusal, setup, test_refused, teardown)
  ADD_REFUSAL ("/engine/outbox/refused/mail-for-now", mail_for_now);
  ADD_REFUSAL ("/engine/outbox/refused/mail-for-good", mail_for_good);
  ADD_REFUSAL ("/engine/outbox/refused/rcpt-all-for-now", rcpt_all_for_now);
  ADD_REFUSAL ("/engine/outbox/refused/rcpt-some-for-now", rcpt_some_for_now);
  ADD_REFUSAL ("/engine/outbox/refused/rcpt-all-for-good", rcpt_all_for_good);
  ADD_REFUSAL ("/engine/outbox/refused/data-for-now", data_for_now);
  ADD_REFUSAL ("/engine/outbox/refused/end-of-data-for-now", end_for_now);
  ADD_REFUSAL ("/engine/outbox/refused/end-of-data-for-good", end_for_good);
#undef ADD_REFUSAL

  return g_test_run ();
}
