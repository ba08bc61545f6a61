/* test-message-list.c — tests of the lazily paged message list model
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test-store"

#include "config.h"

#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include <sqlite3.h>

#include "api/hy-message-list.h"
#include "store/hy-store.h"
#include "store/hy-store-transaction.h"

#define N_MESSAGES 3000

typedef struct {
  char *dir;
  HyStore *store;
  gint64 inbox;
  gint64 other;
} Fixture;

static void
add (HyStoreTransaction *txn,
     gint64              folder,
     guint32             uid,
     guint32             flags)
{
  g_autoptr(HyStoreMessage) m = hy_store_message_new ();
  g_autoptr(GError) error = NULL;

  m->folder_id = folder;
  m->uid = uid;
  m->flags = flags;
  m->date = 1700000000 + uid * 60;
  m->subject = g_strdup_printf ("Message %u", uid);
  m->from = g_strdup_printf ("Sender %u <s%u@example.com>", uid % 7, uid % 7);
  m->to = g_strdup ("me@example.com");
  m->message_id = g_strdup_printf ("<%u@example.com>", uid);
  hy_store_transaction_add_message (txn, m, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(HyStoreTransaction) txn = NULL;

  f->dir = g_dir_make_tmp ("hy-list-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "store.db", NULL);
  f->store = hy_store_open (path, &error);
  g_assert_no_error (error);

  txn = hy_store_begin (f->store, &error);
  f->inbox = hy_store_transaction_add_folder (txn, "INBOX", HY_FOLDER_ROLE_INBOX, "/", &error);
  f->other = hy_store_transaction_add_folder (txn, "Other", HY_FOLDER_ROLE_NONE, "/", &error);
  for (guint uid = 1; uid <= N_MESSAGES; uid++)
    add (txn, f->inbox, uid, uid % 10 == 0 ? 0 : HY_STORE_FLAG_SEEN);
  add (txn, f->other, 1, 0);
  g_assert_true (hy_store_transaction_commit (txn, &error));
  g_assert_no_error (error);
  /* Let the change signals of the fill pass before a list exists. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *db = g_build_filename (f->dir, "store.db", NULL);
  g_autofree char *wal = g_build_filename (f->dir, "store.db-wal", NULL);
  g_autofree char *shm = g_build_filename (f->dir, "store.db-shm", NULL);

  g_clear_object (&f->store);
  g_remove (db);
  g_remove (wal);
  g_remove (shm);
  g_rmdir (f->dir);
  g_free (f->dir);
}

static void
wait_loaded (HyMessageList *list)
{
  while (!hy_message_list_get_loaded (list))
    g_main_context_iteration (NULL, TRUE);
}

typedef struct {
  guint position, removed, added, count, total_added;
} Change;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Change     *change)
{
  change->position = position;
  change->removed = removed;
  change->added = added;
  change->total_added += added;
  change->count++;
}

static guint alive;

static void
on_finalized (gpointer  data,
              GObject  *where)
{
  alive--;
}

static void
test_folder (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(HyMessageList) list = hy_message_list_new_for_folder (f->store, f->inbox);
  g_autoptr(HyMessageSummary) first = NULL;
  g_autoptr(HyMessageSummary) again = NULL;
  g_autoptr(HyMessageSummary) last = NULL;
  Change change = { 0 };

  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed), &change);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  /* The newest rows come before the whole folder. */
  while (change.count == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (hy_message_list_get_loaded (list));
  g_assert_cmpuint (change.position, ==, 0);
  g_assert_cmpuint (change.added, ==, 50);
  wait_loaded (list);
  g_assert_cmpuint (change.count, ==, 2);
  g_assert_cmpuint (change.position, ==, 50);
  g_assert_cmpuint (change.total_added, ==, N_MESSAGES);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, N_MESSAGES);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (list)) == HY_TYPE_MESSAGE_SUMMARY);

  /* Newest first; the same object while it is in memory. */
  first = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_cmpstr (hy_message_summary_get_subject (first), ==, "Message 3000");
  g_assert_cmpstr (hy_message_summary_get_sender (first), ==, "Sender 4");
  g_assert_cmpstr (hy_message_summary_get_sender_address (first), ==, "s4@example.com");
  g_assert_true (hy_message_summary_get_unread (first));
  again = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_true (first == again);
  last = g_list_model_get_item (G_LIST_MODEL (list), N_MESSAGES - 1);
  g_assert_cmpstr (hy_message_summary_get_subject (last), ==, "Message 1");
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), N_MESSAGES));
}

static void
test_lazy (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(HyMessageList) list = hy_message_list_new_for_folder (f->store, f->inbox);
  HyMessageList *weak = list;
  GObject *item;

  wait_loaded (list);
  /* Reading one row makes one page of objects, not a folder's worth. */
  item = g_list_model_get_item (G_LIST_MODEL (list), 120);
  g_object_unref (item);
  alive = 0;
  for (guint i = 100; i < 150; i++)
    {
      item = g_list_model_get_item (G_LIST_MODEL (list), i);
      g_object_weak_ref (item, on_finalized, NULL);
      alive++;
      g_object_unref (item);
    }
  g_assert_cmpuint (alive, ==, 50);
  /* A worker thread may hold the list a moment longer. */
  g_object_add_weak_pointer (G_OBJECT (list), (gpointer *) &weak);
  g_clear_object (&list);
  for (guint i = 0; weak != NULL && i < 2000; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_null (weak);
  /* All of them went with the list: at most one page was made. */
  g_assert_cmpuint (alive, ==, 0);
}

static gpointer
change_in_thread (gpointer data)
{
  Fixture *f = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStoreTransaction) txn = hy_store_begin (f->store, &error);
  gint64 newest = hy_store_find_message (f->store, f->inbox, N_MESSAGES, &error);

  add (txn, f->inbox, N_MESSAGES + 1, 0);
  hy_store_transaction_set_flags (txn, newest, HY_STORE_FLAG_SEEN, NULL, 0, &error);
  g_assert_no_error (error);
  hy_store_transaction_commit (txn, &error);
  g_assert_no_error (error);
  return NULL;
}

static void
test_follows_changes (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(HyMessageList) list = hy_message_list_new_for_folder (f->store, f->inbox);
  g_autoptr(HyMessageSummary) newest = NULL;
  g_autoptr(HyMessageSummary) added = NULL;
  Change change = { 0 };

  wait_loaded (list);
  newest = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_true (hy_message_summary_get_unread (newest));
  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed), &change);

  g_thread_join (g_thread_new ("sync", change_in_thread, f));
  while (change.count == 0)
    g_main_context_iteration (NULL, TRUE);

  /* One row inserted at the top, the rest untouched; the flag change
   * reaches the object the view already shows. */
  g_assert_cmpuint (change.position, ==, 0);
  g_assert_cmpuint (change.removed, ==, 0);
  g_assert_cmpuint (change.added, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, N_MESSAGES + 1);
  g_assert_false (hy_message_summary_get_unread (newest));
  added = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_cmpuint (hy_message_summary_get_uid (added), ==, N_MESSAGES + 1);
}

static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(HyMessageList) list = hy_message_list_new_for_search (f->store, "is:unread in:inbox");
  g_autoptr(HyMessageList) bad = hy_message_list_new_for_search (f->store, "is:nonsense");
  g_autoptr(HyMessageSummary) first = NULL;

  wait_loaded (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, N_MESSAGES / 10);
  first = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_cmpstr (hy_message_summary_get_subject (first), ==, "Message 3000");
  g_assert_null (hy_message_list_get_error (list));

  wait_loaded (bad);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (bad)), ==, 0);
  g_assert_error ((GError *) hy_message_list_get_error (bad), HY_STORE_ERROR, HY_STORE_ERROR_BAD_QUERY);
}

static void
add_reply (HyStoreTransaction *txn,
           gint64              folder,
           guint32             uid,
           const char         *from,
           const char         *parent,
           guint32             flags)
{
  g_autoptr(HyStoreMessage) m = hy_store_message_new ();
  g_autoptr(GError) error = NULL;

  m->folder_id = folder;
  m->uid = uid;
  m->flags = flags;
  m->date = 1700000000 + uid * 60;
  m->subject = g_strdup (parent != NULL ? "Re: Lunch" : "Lunch");
  m->from = g_strdup (from);
  m->to = g_strdup ("me@example.com");
  m->message_id = g_strdup_printf ("<lunch-%u@example.com>", uid);
  m->in_reply_to = g_strdup (parent);
  m->references = g_strdup (parent);
  hy_store_transaction_add_message (txn, m, &error);
  g_assert_no_error (error);
}

static void
test_threads (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStoreTransaction) txn = hy_store_begin (f->store, &error);
  g_autoptr(HyMessageList) threads = NULL;
  g_autoptr(HyMessageList) thread = NULL;
  g_autoptr(HyMessageList) in_folder = NULL;
  g_autoptr(HyMessageSummary) head = NULL;
  g_autoptr(HyMessageSummary) single = NULL;
  g_autoptr(HyMessageSummary) first = NULL;
  g_autoptr(HyMessageSummary) last = NULL;
  const gint64 *members;
  guint n_members;

  /* A thread of three: two in the inbox (one unread), the reply in
   * another folder (as Sent would hold it). */
  add_reply (txn, f->inbox, 5001, "Ann <ann@example.com>", NULL, HY_STORE_FLAG_SEEN);
  add_reply (txn, f->inbox, 5002, "Bob <bob@example.com>", "<lunch-5001@example.com>", 0);
  add_reply (txn, f->other, 5003, "Me <me@example.com>", "<lunch-5002@example.com>", HY_STORE_FLAG_SEEN);
  g_assert_true (hy_store_transaction_commit (txn, &error));
  while (g_main_context_iteration (NULL, FALSE))
    ;

  threads = hy_message_list_new_for_threads (f->store, f->inbox);
  wait_loaded (threads);
  /* 3000 threads of one and the lunch thread. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (threads)), ==, N_MESSAGES + 1);
  head = g_list_model_get_item (G_LIST_MODEL (threads), 0);
  g_assert_cmpuint (hy_message_summary_get_uid (head), ==, 5002);
  g_assert_cmpuint (hy_message_summary_get_thread_count (head), ==, 2);
  g_assert_cmpuint (hy_message_summary_get_thread_unread (head), ==, 1);
  g_assert_cmpstr (hy_message_summary_get_participants (head), ==, "Ann, Bob");
  members = hy_message_summary_get_thread_members (head, &n_members);
  g_assert_cmpuint (n_members, ==, 2);
  g_assert_cmpint (members[0], ==, hy_message_summary_get_id (head));
  single = g_list_model_get_item (G_LIST_MODEL (threads), 1);
  g_assert_cmpuint (hy_message_summary_get_thread_count (single), ==, 1);
  g_assert_cmpstr (hy_message_summary_get_subject (single), ==, "Message 3000");

  /* The whole thread, oldest first, across folders; or one folder's. */
  thread = hy_message_list_new_for_thread (f->store, hy_message_summary_get_thread_id (head), 0);
  wait_loaded (thread);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (thread)), ==, 3);
  first = g_list_model_get_item (G_LIST_MODEL (thread), 0);
  last = g_list_model_get_item (G_LIST_MODEL (thread), 2);
  g_assert_cmpuint (hy_message_summary_get_uid (first), ==, 5001);
  g_assert_cmpuint (hy_message_summary_get_uid (last), ==, 5003);
  in_folder = hy_message_list_new_for_thread (f->store, hy_message_summary_get_thread_id (head), f->inbox);
  wait_loaded (in_folder);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (in_folder)), ==, 2);

  /* Reading the older message updates the row the view holds. */
  txn = hy_store_begin (f->store, &error);
  hy_store_transaction_set_flags (txn, members[0], HY_STORE_FLAG_SEEN, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_true (hy_store_transaction_commit (txn, &error));
  while (hy_message_summary_get_thread_unread (head) != 0)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_threads_use_index (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "store.db", NULL);
  g_autoptr(GString) plan = g_string_new (NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  /* The grouping of a large folder must come from the index, not from a
   * scan of the table and a temporary b-tree per group. */
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "EXPLAIN QUERY PLAN SELECT max(id) AS head FROM messages "
                                       "WHERE folder_id = 1 GROUP BY thread_id ORDER BY head DESC",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (plan, "%s\n", (const char *) sqlite3_column_text (stmt, 3));
  sqlite3_finalize (stmt);
  g_test_message ("%s", plan->str);
  g_assert_nonnull (strstr (plan->str, "COVERING INDEX messages_folder_thread"));
  g_assert_null (strstr (plan->str, "GROUP BY"));

  /* The first page walks the folder in order and seeks each thread. */
  g_string_truncate (plan, 0);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "EXPLAIN QUERY PLAN SELECT id FROM messages AS m WHERE folder_id = 1 "
                                       "AND NOT EXISTS (SELECT 1 FROM messages AS n WHERE n.folder_id = 1 "
                                       "AND n.thread_id = m.thread_id AND n.id > m.id) ORDER BY id DESC LIMIT 100",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (plan, "%s\n", (const char *) sqlite3_column_text (stmt, 3));
  sqlite3_finalize (stmt);
  g_test_message ("%s", plan->str);
  g_assert_nonnull (strstr (plan->str, "USING INDEX messages_folder"));
  g_assert_nonnull (strstr (plan->str, "COVERING INDEX messages_folder_thread (folder_id=? AND thread_id=? AND id>?)"));
  g_assert_null (strstr (plan->str, "TEMP B-TREE"));
  sqlite3_close (db);
}

typedef struct {
  gint64 folder_id;
  GArray *ids;
  guint   folder_changed;  /* folder-changed signals after messages-changed */
} FlagsSeen;

static void
on_store_messages_changed (HyStore   *store,
                           gint64     folder_id,
                           GArray    *ids,
                           FlagsSeen *seen)
{
  seen->folder_id = folder_id;
  g_clear_pointer (&seen->ids, g_array_unref);
  seen->ids = g_array_copy (ids);
  seen->folder_changed = 0;
}

static void
on_store_folder_changed (HyStore   *store,
                         gint64     folder_id,
                         FlagsSeen *seen)
{
  seen->folder_changed++;
}

static gpointer
mark_read_in_thread (gpointer data)
{
  Fixture *f = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStoreTransaction) txn = hy_store_begin (f->store, &error);
  gint64 newest = hy_store_find_message (f->store, f->inbox, N_MESSAGES, &error);

  hy_store_transaction_set_flags (txn, newest, HY_STORE_FLAG_SEEN, NULL, 0, &error);
  g_assert_no_error (error);
  hy_store_transaction_commit (txn, &error);
  g_assert_no_error (error);
  return NULL;
}

/* A change of flags alone is announced with the messages it touched, and
 * a list showing them updates their summaries without reading the folder
 * again: a row deleted behind the store's back stays listed until the
 * next real change. */
static void
test_flags_only (Fixture       *f,
                 gconstpointer  data)
{
  for (int threads = 0; threads < 2; threads++)
    {
      g_autoptr(HyMessageList) list = threads ? hy_message_list_new_for_threads (f->store, f->inbox)
                                              : hy_message_list_new_for_folder (f->store, f->inbox);
      g_autoptr(HyMessageSummary) newest = NULL;
      g_autofree char *path = g_build_filename (f->dir, "store.db", NULL);
      g_autofree char *sql = NULL;
      FlagsSeen seen = { 0 };
      Change change = { 0 };
      sqlite3 *db;
      gint64 oldest;

      wait_loaded (list);
      newest = g_list_model_get_item (G_LIST_MODEL (list), 0);
      g_assert_true (threads ? hy_message_summary_get_thread_unread (newest) == 1
                             : hy_message_summary_get_unread (newest));
      g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed), &change);
      g_signal_connect (f->store, "messages-changed", G_CALLBACK (on_store_messages_changed), &seen);
      g_signal_connect (f->store, "folder-changed", G_CALLBACK (on_store_folder_changed), &seen);

      /* Behind the store's back: only a reading of the folder sees it. */
      oldest = hy_store_find_message (f->store, f->inbox, 1 + threads, NULL);
      g_assert_cmpint (oldest, >, 0);
      g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
      sql = g_strdup_printf ("DELETE FROM messages WHERE id = %" G_GINT64_FORMAT, oldest);
      g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
      sqlite3_close (db);

      g_thread_join (g_thread_new ("sync", mark_read_in_thread, f));
      while (threads ? hy_message_summary_get_thread_unread (newest) != 0
                     : hy_message_summary_get_unread (newest))
        g_main_context_iteration (NULL, TRUE);

      g_assert_cmpint (seen.folder_id, ==, f->inbox);
      g_assert_nonnull (seen.ids);
      g_assert_cmpuint (seen.ids->len, ==, 1);
      g_assert_cmpint (g_array_index (seen.ids, gint64, 0), ==, hy_message_summary_get_id (newest));
      g_assert_cmpuint (seen.folder_changed, ==, 1);
      g_assert_cmpuint (change.count, ==, 0);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, N_MESSAGES - threads);
      g_assert_true (hy_message_list_get_loaded (list));

      /* A real change reads the folder: the deleted row goes. */
      hy_message_list_reload (list);
      while (change.count == 0)
        g_main_context_iteration (NULL, TRUE);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, N_MESSAGES - threads - 1);

      g_signal_handlers_disconnect_by_data (f->store, &seen);
      g_clear_pointer (&seen.ids, g_array_unref);
      if (!threads)
        {
          /* The next round starts from an unread newest message. */
          g_autoptr(GError) error = NULL;
          g_autoptr(HyStoreTransaction) txn = hy_store_begin (f->store, &error);

          hy_store_transaction_set_flags (txn, hy_message_summary_get_id (newest), 0, NULL, 0, &error);
          g_assert_no_error (error);
          hy_store_transaction_commit (txn, &error);
          g_assert_no_error (error);
          while (g_main_context_iteration (NULL, FALSE))
            ;
        }
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/engine/api/message-list/folder", test_folder);
  ADD ("/engine/api/message-list/lazy", test_lazy);
  ADD ("/engine/api/message-list/follows-changes", test_follows_changes);
  ADD ("/engine/api/message-list/flags-only", test_flags_only);
  ADD ("/engine/api/message-list/search", test_search);
  ADD ("/engine/api/message-list/threads", test_threads);
  ADD ("/engine/api/message-list/threads-use-index", test_threads_use_index);
#undef ADD

  return g_test_run ();
}
