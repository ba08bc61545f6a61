/* test-store.c — tests of the offline store: schema, messages, threads, bodies, search
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test-store"

#include "config.h"

#include <glib/gstdio.h>
#include <zlib.h>
#include <gmime/gmime.h>

#include "store/hy-store.h"
#include "store/hy-store-private.h"
#include "store/hy-store-query.h"
#include "store/hy-store-op.h"
#include "store/hy-store-tokenizer.h"
#include "store/hy-store-transaction.h"

typedef struct {
  char *dir;
  char *path;
  HyStore *store;
  gint64 inbox;
  gint64 sent;
} Fixture;

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_dir_close (dir);
    }
  g_remove (path);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("hy-store-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "account", "store.db", NULL);
  f->store = hy_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->store);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->store);
  remove_tree (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static gint64
add_message (HyStoreTransaction *txn,
             gint64              folder,
             guint32             uid,
             const char         *message_id,
             const char         *references,
             const char         *from,
             const char         *to,
             const char         *subject,
             const char         *text,
             const char         *date,
             guint32             flags,
             gboolean            attachment)
{
  g_autoptr(HyStoreMessage) message = hy_store_message_new ();
  g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (date, NULL);
  g_autoptr(GError) error = NULL;
  gint64 id;

  g_assert_nonnull (dt);
  message->folder_id = folder;
  message->uid = uid;
  message->flags = flags;
  message->message_id = g_strdup (message_id);
  message->references = g_strdup (references);
  message->from = g_strdup (from);
  message->to = g_strdup (to);
  message->subject = g_strdup (subject);
  message->preview = g_strdup (text);
  message->date = g_date_time_to_unix (dt);
  message->has_attachment = attachment;
  id = hy_store_transaction_add_message (txn, message, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);

  if (text != NULL)
    {
      g_autofree char *raw = g_strdup_printf ("From: %s\r\nSubject: %s\r\n\r\n%s\r\n", from, subject, text);
      g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&raw), strlen (raw));

      g_assert_true (hy_store_transaction_set_body (txn, id, bytes, text, &error));
      g_assert_no_error (error);
    }
  return id;
}

static void
fill_mailbox (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStoreTransaction) txn = hy_store_begin (f->store, &error);

  g_assert_no_error (error);
  f->inbox = hy_store_transaction_add_folder (txn, "INBOX", HY_FOLDER_ROLE_INBOX, "/", &error);
  g_assert_no_error (error);
  f->sent = hy_store_transaction_add_folder (txn, "已发送", HY_FOLDER_ROLE_SENT, "/", &error);
  g_assert_no_error (error);

  add_message (txn, f->inbox, 1, "<a1@example.com>", NULL,
               "Alice Liddell <alice@example.com>", "Bob <bob@example.org>",
               "Quarterly report", "Please find the quarterly report attached. Café prices rose.",
               "2024-03-01T10:00:00Z", 0, TRUE);
  add_message (txn, f->inbox, 2, "<c1@example.cn>", NULL,
               "=?UTF-8?B?5p2O5Zub?= <lisi@example.cn>", "Bob <bob@example.org>",
               "=?UTF-8?B?5piO5aSp55qE5Lya6K6u?=", "我们明天下午三点开会议，请准时参加。",
               "2024-03-02T09:00:00Z", HY_STORE_FLAG_SEEN, FALSE);
  add_message (txn, f->inbox, 3, "<c2@example.cn>", NULL,
               "Wang Wu <wangwu@example.cn>", "Bob <bob@example.org>",
               "会场安排", "会场议程另行通知。",
               "2024-03-03T09:00:00Z", HY_STORE_FLAG_SEEN | HY_STORE_FLAG_FLAGGED, FALSE);
  add_message (txn, f->sent, 1, "<a2@example.org>", "<a1@example.com>",
               "Bob <bob@example.org>", "Alice Liddell <alice@example.com>",
               "Re: Quarterly report", "Thanks, the numbers look good.",
               "2024-03-04T12:00:00Z", HY_STORE_FLAG_SEEN, FALSE);
  g_assert_true (hy_store_transaction_commit (txn, &error));
  g_assert_no_error (error);
}

typedef struct {
  GPtrArray *tokens;
} Tokens;

static gboolean
collect_token (const char *token,
               gsize       length,
               gpointer    user_data)
{
  g_ptr_array_add (user_data, g_strndup (token, length));
  return TRUE;
}

static char *
tokens_in (const char *text,
           gboolean    query)
{
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);

  hy_store_tokenize (text, -1, query, collect_token, tokens);
  g_ptr_array_add (tokens, NULL);
  return g_strjoinv ("|", (char **) tokens->pdata);
}

static void
test_tokenizer (void)
{
  g_autofree char *latin = tokens_in ("Über CAFÉ naïve hello-world x2", FALSE);
  g_autofree char *cjk = tokens_in ("明天的会议，ｶﾀｶﾅ 한국어ok", FALSE);
  g_autofree char *cjk_query = tokens_in ("明天的会议，ｶﾀｶﾅ 한 国", TRUE);
  g_autofree char *room = tokens_in ("会议室", TRUE);
  g_autofree char *before_word = tokens_in ("开会Q3", TRUE);
  g_autofree char *mixed = tokens_in ("Hongyan鸿雁v2", FALSE);
  g_autofree char *junk = tokens_in ("\xff\xfe" "abc\xc3", FALSE);
  /* Overlong forms and surrogates are not UTF-8: each byte separates. */
  g_autofree char *not_utf8 = tokens_in ("ab\xe0\x80\x80" "cd\xed\xa0\x80" "ef\xc0\xaf" "gh", FALSE);
  g_autofree char *ascii_then_more = tokens_in ("Naïve CAFÉs abcé-déF", FALSE);
  g_autofree char *long_word = NULL;
  g_autofree char *astral = tokens_in ("\xf0\xa0\x80\x80\xf0\xa0\x80\x81 x", FALSE);
  g_autoptr(GString) long_text = g_string_new ("short ");

  for (guint i = 0; i < 97; i++)
    g_string_append_c (long_text, 'a');
  g_string_append (long_text, " end");
  long_word = tokens_in (long_text->str, FALSE);

  g_assert_cmpstr (latin, ==, "uber|cafe|naive|hello|world|x2");
  /* Documents: each pair, and the last character of each run. */
  g_assert_cmpstr (cjk, ==, "明天|天的|的会|会议|议|カタ|タカ|カナ|ナ|한국|국어|어|ok");
  /* Searches: the pairs of a run, its last character only when more
   * follows, or a lone character. */
  g_assert_cmpstr (cjk_query, ==, "明天|天的|的会|会议|议|カタ|タカ|カナ|ナ|한|国");
  g_assert_cmpstr (room, ==, "会议|议室");
  g_assert_cmpstr (before_word, ==, "开会|会|q3");
  g_assert_cmpstr (mixed, ==, "hongyan|鸿雁|雁|v2");
  g_assert_cmpstr (not_utf8, ==, "ab|cd|ef|gh");
  g_assert_cmpstr (ascii_then_more, ==, "naive|cafes|abce|def");
  /* Words longer than 96 bytes (base64, hashes) are left out. */
  g_assert_cmpstr (long_word, ==, "short|end");
  g_assert_cmpstr (astral, ==, "\xf0\xa0\x80\x80\xf0\xa0\x80\x81|\xf0\xa0\x80\x81|x");
  /* A lone character at the end of a search is looked up as a prefix. */
  g_assert_true (hy_store_tokenizer_ends_in_prefix ("会"));
  g_assert_true (hy_store_tokenizer_ends_in_prefix ("Q3会"));
  g_assert_true (hy_store_tokenizer_ends_in_prefix ("会议 室。"));
  g_assert_false (hy_store_tokenizer_ends_in_prefix ("会议"));
  g_assert_false (hy_store_tokenizer_ends_in_prefix ("会Q3"));
  g_assert_false (hy_store_tokenizer_ends_in_prefix ("meeting"));
  g_assert_false (hy_store_tokenizer_ends_in_prefix (""));
  g_assert_cmpstr (junk, ==, "abc");
}

static void
test_folders (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  g_autoptr(HyStoreFolder) inbox = NULL;
  g_autoptr(HyStoreFolder) sent = NULL;

  fill_mailbox (f);
  folders = hy_store_list_folders (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (folders->len, ==, 2);
  inbox = hy_store_find_folder (f->store, "inbox", &error);
  g_assert_no_error (error);
  g_assert_cmpint (inbox->id, ==, f->inbox);
  g_assert_cmpuint (inbox->total, ==, 3);
  g_assert_cmpuint (inbox->unread, ==, 1);
  sent = hy_store_find_folder (f->store, "已发送", &error);
  g_assert_no_error (error);
  g_assert_cmpint (sent->role, ==, HY_FOLDER_ROLE_SENT);
  g_assert_null (hy_store_find_folder (f->store, "Nowhere", &error));
  g_assert_error (error, HY_STORE_ERROR, HY_STORE_ERROR_NOT_FOUND);
}

static void
test_flags_and_counts (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStoreTransaction) txn = NULL;
  g_autoptr(HyStoreFolder) inbox = NULL;
  g_autoptr(HyStoreMessage) message = NULL;
  gint64 id;

  fill_mailbox (f);
  id = hy_store_find_message (f->store, f->inbox, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);

  txn = hy_store_begin (f->store, &error);
  g_assert_no_error (error);
  g_assert_true (hy_store_transaction_set_flags (txn, id, HY_STORE_FLAG_SEEN | HY_STORE_FLAG_FLAGGED,
                                                 "$Important", 17, &error));
  g_assert_no_error (error);
  g_assert_true (hy_store_transaction_remove_message (txn, hy_store_find_message (f->store, f->inbox, 3, NULL), &error));
  g_assert_no_error (error);
  g_assert_true (hy_store_transaction_commit (txn, &error));
  g_assert_no_error (error);

  inbox = hy_store_get_folder (f->store, f->inbox, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (inbox->total, ==, 2);
  g_assert_cmpuint (inbox->unread, ==, 0);
  {
    g_autoptr(GArray) uids = hy_store_list_uids (f->store, f->inbox, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (uids->len, ==, 2);
    g_assert_cmpuint (g_array_index (uids, guint32, 0), ==, 1);
    g_assert_cmpuint (g_array_index (uids, guint32, 1), ==, 2);
  }

  message = hy_store_get_message (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (message->flags, ==, HY_STORE_FLAG_SEEN | HY_STORE_FLAG_FLAGGED);
  g_assert_cmpstr (message->keywords, ==, "$Important");
  g_assert_cmpuint (message->modseq, ==, 17);
  g_assert_cmpstr (message->subject, ==, "Quarterly report");
  g_assert_cmpint (hy_store_find_message (f->store, f->inbox, 3, &error), ==, 0);
  g_assert_no_error (error);
}

static void
test_rollback (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStoreFolder) inbox = NULL;

  fill_mailbox (f);
  {
    g_autoptr(HyStoreTransaction) txn = hy_store_begin (f->store, &error);

    g_assert_no_error (error);
    add_message (txn, f->inbox, 99, "<x@y>", NULL, "x@y", "z@y", "dropped", NULL,
                 "2024-01-01T00:00:00Z", 0, FALSE);
    /* freed without commit */
  }
  inbox = hy_store_get_folder (f->store, f->inbox, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (inbox->total, ==, 3);
  g_assert_cmpint (hy_store_find_message (f->store, f->inbox, 99, NULL), ==, 0);
}

static void
test_threads (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStoreTransaction) txn = NULL;
  g_autoptr(HyStoreMessage) root = NULL;
  g_autoptr(HyStoreMessage) reply = NULL;
  g_autoptr(HyStoreMessage) other = NULL;
  gint64 late_child, late_parent, bridge, a, b, q, early, known, c1, c2, back;
  g_autoptr(HyStoreMessage) m1 = NULL;
  g_autoptr(HyStoreMessage) m2 = NULL;
  g_autoptr(HyStoreMessage) m3 = NULL;

  fill_mailbox (f);
  root = hy_store_get_message (f->store, hy_store_find_message (f->store, f->inbox, 1, NULL), &error);
  g_assert_no_error (error);
  reply = hy_store_get_message (f->store, hy_store_find_message (f->store, f->sent, 1, NULL), &error);
  g_assert_no_error (error);
  other = hy_store_get_message (f->store, hy_store_find_message (f->store, f->inbox, 2, NULL), &error);
  g_assert_no_error (error);
  /* A reply in another folder is in the thread of its parent. */
  g_assert_cmpint (reply->thread_id, ==, root->thread_id);
  g_assert_cmpint (other->thread_id, !=, root->thread_id);

  txn = hy_store_begin (f->store, &error);
  g_assert_no_error (error);
  /* A child that arrives before its parent, then the parent. */
  late_child = add_message (txn, f->inbox, 10, "<t2@x>", "<t1@x>", "a@x", "b@x", "Re: t", NULL,
                            "2024-02-02T00:00:00Z", 0, FALSE);
  late_parent = add_message (txn, f->inbox, 11, "<t1@x>", NULL, "b@x", "a@x", "t", NULL,
                             "2024-02-01T00:00:00Z", 0, FALSE);
  /* Two separate threads joined by a message that refers to both. */
  a = add_message (txn, f->inbox, 12, "<j1@x>", NULL, "a@x", "b@x", "j1", NULL, "2024-02-03T00:00:00Z", 0, FALSE);
  b = add_message (txn, f->inbox, 13, "<k1@x>", NULL, "a@x", "b@x", "k1", NULL, "2024-02-04T00:00:00Z", 0, FALSE);
  bridge = add_message (txn, f->inbox, 14, "<jk@x>", "<j1@x> <k1@x>", "a@x", "b@x", "jk", NULL,
                        "2024-02-05T00:00:00Z", 0, FALSE);
  /* A message named by a reply that came first, itself a reply in another
   * thread: it joins the two. */
  q = add_message (txn, f->inbox, 15, "<q1@x>", NULL, "a@x", "b@x", "q", NULL, "2024-02-06T00:00:00Z", 0, FALSE);
  early = add_message (txn, f->inbox, 16, "<p2@x>", "<p1@x>", "a@x", "b@x", "Re: p", NULL,
                       "2024-02-08T00:00:00Z", 0, FALSE);
  known = add_message (txn, f->inbox, 17, "<p1@x>", "<q1@x>", "b@x", "a@x", "Re: q", NULL,
                       "2024-02-07T00:00:00Z", 0, FALSE);
  /* A message joining two threads that names the newer one first. */
  c1 = add_message (txn, f->inbox, 18, "<c1@x>", NULL, "a@x", "b@x", "c1", NULL, "2024-02-09T00:00:00Z", 0, FALSE);
  c2 = add_message (txn, f->inbox, 19, "<c2@x>", NULL, "a@x", "b@x", "c2", NULL, "2024-02-10T00:00:00Z", 0, FALSE);
  back = add_message (txn, f->inbox, 20, "<c3@x>", "<c2@x> <c1@x>", "a@x", "b@x", "c3", NULL,
                      "2024-02-11T00:00:00Z", 0, FALSE);
  g_assert_true (hy_store_transaction_commit (txn, &error));
  g_assert_no_error (error);

  m1 = hy_store_get_message (f->store, late_child, &error);
  m2 = hy_store_get_message (f->store, late_parent, &error);
  g_assert_cmpint (m1->thread_id, ==, m2->thread_id);
  g_clear_pointer (&m1, hy_store_message_free);
  g_clear_pointer (&m2, hy_store_message_free);
  m1 = hy_store_get_message (f->store, a, &error);
  m2 = hy_store_get_message (f->store, b, &error);
  m3 = hy_store_get_message (f->store, bridge, &error);
  g_assert_no_error (error);
  g_assert_cmpint (m1->thread_id, ==, m2->thread_id);
  g_assert_cmpint (m1->thread_id, ==, m3->thread_id);
  g_clear_pointer (&m1, hy_store_message_free);
  g_clear_pointer (&m2, hy_store_message_free);
  g_clear_pointer (&m3, hy_store_message_free);
  m1 = hy_store_get_message (f->store, q, &error);
  m2 = hy_store_get_message (f->store, early, &error);
  m3 = hy_store_get_message (f->store, known, &error);
  g_assert_no_error (error);
  g_assert_cmpint (m1->thread_id, ==, m2->thread_id);
  g_assert_cmpint (m1->thread_id, ==, m3->thread_id);
  g_assert_cmpint (m1->thread_id, !=, a);
  g_clear_pointer (&m1, hy_store_message_free);
  g_clear_pointer (&m2, hy_store_message_free);
  g_clear_pointer (&m3, hy_store_message_free);
  m1 = hy_store_get_message (f->store, c1, &error);
  m2 = hy_store_get_message (f->store, c2, &error);
  m3 = hy_store_get_message (f->store, back, &error);
  g_assert_no_error (error);
  g_assert_cmpint (m1->thread_id, ==, m2->thread_id);
  g_assert_cmpint (m1->thread_id, ==, m3->thread_id);
}

static char *
search_subjects (HyStore    *store,
                 const char *query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = hy_store_search (store, query, &error);
  g_autoptr(GPtrArray) subjects = g_ptr_array_new_with_free_func (g_free);

  g_assert_no_error (error);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(HyStoreMessage) m = hy_store_get_message (store, g_array_index (ids, gint64, i), &error);

      g_assert_no_error (error);
      g_ptr_array_add (subjects, g_strdup (m->subject));
    }
  g_ptr_array_add (subjects, NULL);
  return g_strjoinv ("|", (char **) subjects->pdata);
}

#define assert_search(store, query, expected) \
  G_STMT_START { \
    g_autofree char *_got = search_subjects (store, query); \
    g_assert_cmpstr (_got, ==, expected); \
  } G_STMT_END

static void
test_clear_folder (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStoreFolder) inbox = NULL;
  g_autoptr(GPtrArray) folders = NULL;

  fill_mailbox (f);
  {
    g_autoptr(HyStoreTransaction) txn = hy_store_begin (f->store, &error);

    /* UIDVALIDITY changed: the folder is emptied and its state reset. */
    g_assert_true (hy_store_transaction_clear_folder (txn, f->inbox, &error));
    g_assert_true (hy_store_transaction_set_folder_state (txn, f->inbox, 777, 1, 0, &error));
    g_assert_true (hy_store_transaction_commit (txn, &error));
    g_assert_no_error (error);
  }
  inbox = hy_store_get_folder (f->store, f->inbox, &error);
  g_assert_cmpuint (inbox->total, ==, 0);
  g_assert_cmpuint (inbox->unread, ==, 0);
  g_assert_cmpuint (inbox->uidvalidity, ==, 777);
  assert_search (f->store, "quarterly", "Re: Quarterly report");
  assert_search (f->store, "会议", "");

  {
    g_autoptr(HyStoreTransaction) txn = hy_store_begin (f->store, &error);

    g_assert_true (hy_store_transaction_remove_folder (txn, f->sent, &error));
    g_assert_true (hy_store_transaction_commit (txn, &error));
    g_assert_no_error (error);
  }
  folders = hy_store_list_folders (f->store, &error);
  g_assert_cmpuint (folders->len, ==, 1);
  assert_search (f->store, "quarterly", "");
}

static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  fill_mailbox (f);

  /* English words, diacritics and case folded; newest first. */
  assert_search (f->store, "quarterly", "Re: Quarterly report|Quarterly report");
  assert_search (f->store, "REPORT numbers", "Re: Quarterly report");
  assert_search (f->store, "cafe", "Quarterly report");
  assert_search (f->store, "\"report attached\"", "Quarterly report");
  assert_search (f->store, "\"attached report\"", "");
  assert_search (f->store, "quarterly -numbers", "Quarterly report");

  /* Chinese: a two-character word, also in a decoded subject; characters
   * that are only near each other do not match. */
  assert_search (f->store, "会议", "明天的会议");
  assert_search (f->store, "会场", "会场安排");
  assert_search (f->store, "议程", "会场安排");
  assert_search (f->store, "会", "会场安排|明天的会议");
  assert_search (f->store, "议", "会场安排|明天的会议");
  assert_search (f->store, "点开", "明天的会议");
  assert_search (f->store, "subject:议", "明天的会议");
  assert_search (f->store, "\"开会议，请\"", "明天的会议");
  assert_search (f->store, "三点开会", "明天的会议");
  assert_search (f->store, "会安", "");

  /* Fields. */
  assert_search (f->store, "from:alice", "Quarterly report");
  assert_search (f->store, "from:alice@example.com", "Quarterly report");
  assert_search (f->store, "from:李四", "明天的会议");
  assert_search (f->store, "to:alice", "Re: Quarterly report");
  assert_search (f->store, "subject:numbers", "");
  assert_search (f->store, "subject:\"quarterly report\"", "Re: Quarterly report|Quarterly report");
  assert_search (f->store, "has:attachment", "Quarterly report");
  assert_search (f->store, "is:unread", "Quarterly report");
  assert_search (f->store, "is:flagged", "会场安排");
  assert_search (f->store, "in:已发送", "Re: Quarterly report");
  assert_search (f->store, "in:sent", "Re: Quarterly report");
  assert_search (f->store, "in:inbox is:read", "会场安排|明天的会议");
  assert_search (f->store, "after:2024-03-02 before:2024-03-04", "会场安排|明天的会议");
  assert_search (f->store, "after:2024/03/04", "Re: Quarterly report");
  assert_search (f->store, "-from:bob", "会场安排|明天的会议|Quarterly report");
  assert_search (f->store, "!!!", "Re: Quarterly report|会场安排|明天的会议|Quarterly report");
}

static void
test_query_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStoreQuery) query = NULL;

  query = hy_store_query_parse ("is:sleepy", &error);
  g_assert_error (error, HY_STORE_ERROR, HY_STORE_ERROR_BAD_QUERY);
  g_assert_null (query);
  g_clear_error (&error);
  query = hy_store_query_parse ("before:2024-02-30", &error);
  g_assert_error (error, HY_STORE_ERROR, HY_STORE_ERROR_BAD_QUERY);
  g_clear_error (&error);
  query = hy_store_query_parse ("has:pets", &error);
  g_assert_error (error, HY_STORE_ERROR, HY_STORE_ERROR_BAD_QUERY);
  g_clear_error (&error);

  /* Quotes in a word cannot break out of the FTS5 string. */
  query = hy_store_query_parse ("from:\"a\"\" OR b\" re:hello", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hy_store_query_get_match (query), ==, "sender : \"a\"\" OR b\" AND \"re:hello\"");
}

static void
test_bodies (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) small = NULL;
  g_autoptr(GBytes) large = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autofree char *bodies_dir = NULL;
  g_autofree char *base = NULL;
  GString *big;
  gint64 id1, id2;
  GDir *dir;
  guint files = 0;

  fill_mailbox (f);
  id1 = hy_store_find_message (f->store, f->inbox, 1, NULL);
  id2 = hy_store_find_message (f->store, f->inbox, 2, NULL);

  /* fill_mailbox() caches every body. */
  g_assert_cmpuint (hy_store_count_missing_bodies (f->store, 0, &error), ==, 0);
  g_assert_no_error (error);

  small = hy_store_get_body (f->store, id1, &error);
  g_assert_no_error (error);
  g_assert_true (g_strstr_len (g_bytes_get_data (small, NULL), g_bytes_get_size (small), "Café prices") != NULL);

  big = g_string_new ("Subject: big\r\n\r\n");
  while (big->len < 2 * HY_STORE_BODY_FILE_THRESHOLD)
    g_string_append_printf (big, "line %u of a large attachment\r\n", (guint) big->len);
  large = g_string_free_to_bytes (big);
  {
    g_autoptr(HyStoreTransaction) txn = hy_store_begin (f->store, &error);

    g_assert_true (hy_store_transaction_set_body (txn, id2, large, "big text", &error));
    g_assert_no_error (error);
    g_assert_true (hy_store_transaction_commit (txn, &error));
  }
  got = hy_store_get_body (f->store, id2, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (got, large));

  base = g_path_get_basename (f->path);
  bodies_dir = g_strdup_printf ("%s/account/%s.bodies", f->dir, base);
  dir = g_dir_open (bodies_dir, 0, &error);
  g_assert_no_error (error);
  while (g_dir_read_name (dir) != NULL)
    files++;
  g_dir_close (dir);
  g_assert_cmpuint (files, ==, 1);

  /* A copy of a server's message prepared without waiting for the disk
   * (as a sync does) that a crash cut short, or lost, reads as damaged,
   * which the engine answers by downloading it again. */
  {
    g_autoptr(HyStoreTransaction) txn = hy_store_begin (f->store, &error);
    g_autoptr(HyStorePreparedBody) prepared = hy_store_prepare_body (f->store, id1, large, "big text", FALSE, &error);
    g_autofree char *name = g_strdup_printf ("%" G_GINT64_FORMAT "-", id1);
    g_autofree char *path = NULL;

    g_assert_no_error (error);
    g_assert_true (hy_store_transaction_set_prepared_body (txn, prepared, &error));
    g_assert_true (hy_store_transaction_commit (txn, &error));
    g_assert_no_error (error);
    dir = g_dir_open (bodies_dir, 0, &error);
    g_assert_no_error (error);
    while ((path = g_strdup (g_dir_read_name (dir))) != NULL && !g_str_has_prefix (path, name))
      g_clear_pointer (&path, g_free);
    g_dir_close (dir);
    g_assert_nonnull (path);
    {
      g_autofree char *full = g_build_filename (bodies_dir, path, NULL);

      g_assert_true (g_file_set_contents (full, "Subject: cut", -1, &error));
      g_clear_pointer (&got, g_bytes_unref);
      got = hy_store_get_body (f->store, id1, &error);
      g_assert_error (error, HY_STORE_ERROR, HY_STORE_ERROR_DAMAGED);
      g_assert_null (got);
      g_clear_error (&error);
      g_assert_cmpint (g_unlink (full), ==, 0);
      got = hy_store_get_body (f->store, id1, &error);
      g_assert_error (error, HY_STORE_ERROR, HY_STORE_ERROR_DAMAGED);
      g_assert_null (got);
      g_clear_error (&error);
    }
  }

  /* Removing the message removes its file. */
  {
    g_autoptr(HyStoreTransaction) txn = hy_store_begin (f->store, &error);

    g_assert_true (hy_store_transaction_remove_message (txn, id2, &error));
    g_assert_true (hy_store_transaction_commit (txn, &error));
    g_assert_no_error (error);
  }
  dir = g_dir_open (bodies_dir, 0, &error);
  g_assert_no_error (error);
  g_assert_null (g_dir_read_name (dir));
  g_dir_close (dir);
  g_clear_pointer (&got, g_bytes_unref);
  got = hy_store_get_body (f->store, id2, &error);
  g_assert_error (error, HY_STORE_ERROR, HY_STORE_ERROR_NOT_FOUND);
  g_assert_null (got);
  g_clear_error (&error);
  /* A message synced without its body counts as missing one. */
  {
    g_autoptr(HyStoreTransaction) txn = hy_store_begin (f->store, &error);

    add_message (txn, f->sent, 7, "<nobody@x>", NULL, "a@x", "b@x", "headers only", NULL,
                 "2024-05-01T00:00:00Z", 0, FALSE);
    g_assert_true (hy_store_transaction_commit (txn, &error));
  }
  g_assert_cmpuint (hy_store_count_missing_bodies (f->store, f->sent, &error), ==, 1);
  g_assert_cmpuint (hy_store_count_missing_bodies (f->store, f->inbox, &error), ==, 0);
  g_assert_no_error (error);
  /* Its text is no longer found. */
  assert_search (f->store, "会议", "");
}

/* The index is written when the transaction commits: what the transaction
 * added, replaced, removed or rolled back is searched as it ends up. */
static void
test_index_at_commit (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 kept, removed;

  fill_mailbox (f);
  {
    g_autoptr(HyStoreTransaction) txn = hy_store_begin (f->store, &error);

    kept = add_message (txn, f->inbox, 100, "<kept@x>", NULL, "a@x", "b@x", "Kept", "zebrafish swim",
                        "2024-06-01T00:00:00Z", 0, FALSE);
    removed = add_message (txn, f->inbox, 101, "<gone@x>", NULL, "a@x", "b@x", "Gone", "okapi grazing",
                           "2024-06-02T00:00:00Z", 0, FALSE);
    g_assert_true (hy_store_transaction_remove_message (txn, removed, &error));
    add_message (txn, f->sent, 102, "<cleared@x>", NULL, "a@x", "b@x", "Cleared", "narwhal tusk",
                 "2024-06-03T00:00:00Z", 0, FALSE);
    g_assert_true (hy_store_transaction_clear_folder (txn, f->sent, &error));
    g_assert_no_error (error);
    /* Not visible to readers before the commit. */
    assert_search (f->store, "zebrafish", "");
    g_assert_true (hy_store_transaction_commit (txn, &error));
    g_assert_no_error (error);
  }
  assert_search (f->store, "zebrafish", "Kept");
  assert_search (f->store, "okapi", "");
  assert_search (f->store, "narwhal", "");

  /* A new body replaces the indexed text; subject and sender stay. */
  {
    g_autoptr(HyStoreTransaction) txn = hy_store_begin (f->store, &error);
    static const char mail[] = "Subject: Kept\r\n\r\naxolotl\r\n";
    g_autoptr(GBytes) raw = g_bytes_new_static (mail, strlen (mail));

    g_assert_true (hy_store_transaction_set_body (txn, kept, raw, "axolotl", &error));
    g_assert_true (hy_store_transaction_commit (txn, &error));
    g_assert_no_error (error);
  }
  assert_search (f->store, "axolotl", "Kept");
  assert_search (f->store, "zebrafish", "");
  assert_search (f->store, "subject:kept", "Kept");

  /* A rolled back transaction leaves no trace in the index. */
  {
    g_autoptr(HyStoreTransaction) txn = hy_store_begin (f->store, &error);

    add_message (txn, f->inbox, 103, "<rolled@x>", NULL, "a@x", "b@x", "Rolled back", "quokka smiles",
                 "2024-06-04T00:00:00Z", 0, FALSE);
  }
  assert_search (f->store, "quokka", "");
}

/* A message said to be new whose UID the folder has after all (another
 * process synced it meanwhile) updates that row instead of failing or
 * adding a second one. */
static void
test_new_uid_already_there (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStoreMessage) stored = NULL;
  g_autoptr(HyStoreFolder) folder = NULL;
  HyStoreMessage *message = hy_store_message_new ();
  g_autoptr(HyStorePreparedMessage) prepared = NULL;
  gint64 id1, id;

  fill_mailbox (f);
  id1 = hy_store_find_message (f->store, f->inbox, 1, NULL);
  message->folder_id = f->inbox;
  message->uid = 1;
  message->flags = HY_STORE_FLAG_SEEN | HY_STORE_FLAG_FLAGGED;
  message->message_id = g_strdup ("<a1@example.com>");
  message->subject = g_strdup ("Quarterly report");
  message->date = 1709287200;
  prepared = hy_store_prepare_message (message);
  hy_store_prepared_message_set_new (prepared);
  {
    g_autoptr(HyStoreTransaction) txn = hy_store_begin (f->store, &error);

    id = hy_store_transaction_add_prepared (txn, prepared, &error);
    g_assert_no_error (error);
    g_assert_cmpint (id, ==, id1);
    g_assert_true (hy_store_transaction_commit (txn, &error));
  }
  stored = hy_store_get_message (f->store, id1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->flags, ==, HY_STORE_FLAG_SEEN | HY_STORE_FLAG_FLAGGED);
  folder = hy_store_get_folder (f->store, f->inbox, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (folder->total, ==, 3);
}

/* Bodies that compression would barely shrink (base64 attachments) are
 * kept as they are; both kinds read back unchanged. */
static void
test_body_compression (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(GString) text = g_string_new ("Subject: report\r\n\r\n");
  g_autoptr(GString) attached = g_string_new ("Subject: photo\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
                                              "--b\r\nContent-Type: image/jpeg\r\n"
                                              "Content-Transfer-Encoding: base64\r\n\r\n");
  g_autoptr(GBytes) text_bytes = NULL;
  g_autoptr(GBytes) attached_bytes = NULL;
  guint8 noise[57];
  gint64 id1, id2;

  fill_mailbox (f);
  id1 = hy_store_find_message (f->store, f->inbox, 1, NULL);
  id2 = hy_store_find_message (f->store, f->inbox, 2, NULL);
  while (text->len < 64 * 1024)
    g_string_append_printf (text, "Line %u of the quarterly numbers, as discussed.\r\n", (guint) text->len);
  while (attached->len < 64 * 1024)
    {
      g_autofree char *line = NULL;

      for (guint i = 0; i < sizeof noise; i++)
        noise[i] = g_rand_int_range (rand, 0, 256);
      line = g_base64_encode (noise, sizeof noise);
      g_string_append_printf (attached, "%s\r\n", line);
    }
  g_string_append (attached, "--b--\r\n");
  text_bytes = g_bytes_new (text->str, text->len);
  attached_bytes = g_bytes_new (attached->str, attached->len);
  {
    g_autoptr(HyStoreTransaction) txn = hy_store_begin (f->store, &error);

    g_assert_true (hy_store_transaction_set_body (txn, id1, text_bytes, NULL, &error));
    g_assert_true (hy_store_transaction_set_body (txn, id2, attached_bytes, NULL, &error));
    g_assert_true (hy_store_transaction_commit (txn, &error));
    g_assert_no_error (error);
  }
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GBytes) got = hy_store_get_body (f->store, i == 0 ? id1 : id2, &error);

      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (got, i == 0 ? text_bytes : attached_bytes));
    }

  /* A body that an earlier version compressed with zlib still reads. */
  {
    uLongf length = compressBound (text->len);
    g_autofree guint8 *deflated = g_malloc (length);
    g_autoptr(GBytes) got = NULL;
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (compress2 (deflated, &length, (const guint8 *) text->str, text->len, 1), ==, Z_OK);
    g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "UPDATE bodies SET data = ?1 WHERE message = ?2", -1, &stmt, NULL), ==, SQLITE_OK);
    sqlite3_bind_blob (stmt, 1, deflated, length, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, id1);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
    g_assert_cmpint (sqlite3_changes (db), ==, 1);
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    got = hy_store_get_body (f->store, id1, &error);
    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (got, text_bytes));
  }
}

static void
test_addresses (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) found = NULL;

  fill_mailbox (f);
  found = hy_store_complete_address (f->store, "ali", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (found), ==, 1);
  g_assert_cmpstr (found[0], ==, "Alice Liddell <alice@example.com>");
  g_strfreev (found);
  /* bob is on every message and comes first. */
  found = hy_store_complete_address (f->store, "b", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found[0], ==, "Bob <bob@example.org>");
  g_strfreev (found);
  found = hy_store_complete_address (f->store, "李", 10, &error);
  g_assert_cmpstr (found[0], ==, "李四 <lisi@example.cn>");
}

/* Address fields in the shapes a sync writes them (encoded words, quoted
 * names with escapes) and in the others (groups, comments, IDN), which
 * take the full parser: names decoded, every address found. */
static void
test_address_shapes (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStoreTransaction) txn = NULL;
  g_autoptr(HyStoreMessage) m = hy_store_message_new ();
  g_auto(GStrv) found = NULL;

  fill_mailbox (f);
  txn = hy_store_begin (f->store, &error);
  m->folder_id = f->inbox;
  m->uid = 200;
  m->date = 1717200000;
  m->subject = g_strdup ("Shapes");
  m->from = g_strdup ("=?UTF-8?B?546L6Iqz?= <wang.fang@example.cn>");
  m->to = g_strdup ("\"O\\\"Brien, Tom \" <tom@example.net>, Team: carol@example.net, dave@example.net;");
  m->cc = g_strdup ("erin@example.net (Erin), frank@xn--fiqs8s.cn");
  g_assert_cmpint (hy_store_transaction_add_message (txn, m, &error), >, 0);
  g_assert_true (hy_store_transaction_commit (txn, &error));
  g_assert_no_error (error);

  assert_search (f->store, "from:王芳", "Shapes");
  assert_search (f->store, "from:wang.fang@example.cn", "Shapes");
  assert_search (f->store, "to:brien", "Shapes");
  assert_search (f->store, "to:dave", "Shapes");
  assert_search (f->store, "to:erin", "Shapes");

  found = hy_store_complete_address (f->store, "wang", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found[0], ==, "王芳 <wang.fang@example.cn>");
  g_clear_pointer (&found, g_strfreev);
  found = hy_store_complete_address (f->store, "tom@", 10, &error);
  /* Quoted, so that the composer reads it as one recipient. */
  g_assert_true (g_str_has_prefix (found[0], "\"O\\\"Brien, Tom"));
  g_assert_nonnull (strstr (found[0], "<tom@example.net>"));
  g_clear_pointer (&found, g_strfreev);
  found = hy_store_complete_address (f->store, "carol", 10, &error);
  g_assert_cmpuint (g_strv_length (found), ==, 1);
  g_clear_pointer (&found, g_strfreev);
  found = hy_store_complete_address (f->store, "frank", 10, &error);
  g_assert_cmpuint (g_strv_length (found), ==, 1);
  g_assert_nonnull (strstr (found[0], "frank@中国.cn"));
}

/* Every row of a query, one string per row ("a|b|…"), NULL as "∅". */
static char *
dump_rows (const char *path,
           const char *sql)
{
  g_autoptr(GString) out = g_string_new (NULL);
  sqlite3 *db;
  sqlite3_stmt *stmt;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      for (int c = 0; c < sqlite3_column_count (stmt); c++)
        {
          const char *text = (const char *) sqlite3_column_text (stmt, c);

          g_string_append_printf (out, "%s%s", c > 0 ? "|" : "", text != NULL ? text : "∅");
        }
      g_string_append_c (out, '\n');
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The recipients a list shows, and the words the index gets for them. */
static void
test_recipients_text (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStoreTransaction) txn = NULL;
  g_autofree char *rows = NULL;

  fill_mailbox (f);
  txn = hy_store_begin (f->store, &error);
  g_assert_no_error (error);
  add_message (txn, f->inbox, 50, "<r1@x>", NULL, "Alice Wang <alice@x>",
               "Bob Chen <bob@x>, carol@x, team: d@x, e@x;, \"\" <frank@x>", "Recipients", NULL,
               "2024-03-01T00:00:00Z", 0, FALSE);
  g_assert_true (hy_store_transaction_commit (txn, &error));
  rows = dump_rows (f->path, "SELECT sender_name, sender_address, recipients FROM messages WHERE uid = 50");
  g_assert_cmpstr (rows, ==, "Alice Wang|alice@x|Bob Chen, carol@x, team, frank@x\n");
  assert_search (f->store, "to:carol", "Recipients");
  assert_search (f->store, "to:Chen", "Recipients");
  assert_search (f->store, "from:alice@x", "Recipients");
}

/* The count a query returns, read as the store reads (with its tokenizer). */
static gint64
count_rows (const char *path,
            const char *sql)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db = _hy_store_open_connection (path, FALSE, &error);
  sqlite3_stmt *stmt;
  gint64 n;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

/* Messages added as a header sync adds them get their search index rows
 * after the commit, yet every search finds them at once: before the
 * background pass, after it, with a body, after removal, and after a
 * crash left them pending. */
static void
test_deferred_index (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStoreTransaction) txn = NULL;
  g_autoptr(GBytes) raw = g_bytes_new_static ("Subject: x\r\n\r\nglockenspiel\r\n", 28);
  g_autoptr(GByteArray) entry = g_byte_array_new ();
  g_autofree char *fts_count = NULL;
  gint64 budget, late, same, gone, quiet;
  sqlite3 *db;
  sqlite3_stmt *stmt;

  txn = hy_store_begin (f->store, &error);
  g_assert_no_error (error);
  f->inbox = hy_store_transaction_add_folder (txn, "INBOX", HY_FOLDER_ROLE_INBOX, "/", &error);
  g_assert_no_error (error);
  hy_store_transaction_defer_index (txn);
  budget = add_message (txn, f->inbox, 1, "<d1@example.net>", NULL, "Dora Marquez <dora@example.net>",
                        "Bob <bob@example.org>", "Budget meeting", NULL, "2024-05-01T10:00:00Z", 0, FALSE);
  add_message (txn, f->inbox, 2, "<d2@example.cn>", NULL, "=?UTF-8?B?5p2O5Zub?= <lisi@example.cn>",
               "Erin <erin@example.org>", "项目进度汇报", NULL, "2024-05-02T10:00:00Z", 0, FALSE);
  g_assert_true (hy_store_transaction_commit (txn, &error));
  g_assert_no_error (error);
  g_clear_pointer (&txn, hy_store_transaction_free);
  /* Committed without their index rows, recorded as pending instead. */
  g_assert_cmpint (count_rows (f->path, "SELECT count(*) FROM message_fts"), ==, 0);
  g_assert_cmpint (count_rows (f->path, "SELECT count(*) FROM fts_pending"), ==, 1);

  /* A search right away finds them: it indexes what is pending first. */
  assert_search (f->store, "budget", "Budget meeting");
  assert_search (f->store, "from:dora@example.net", "Budget meeting");
  assert_search (f->store, "to:erin", "项目进度汇报");
  assert_search (f->store, "进度", "项目进度汇报");
  assert_search (f->store, "from:李四", "项目进度汇报");
  g_assert_cmpint (count_rows (f->path, "SELECT count(*) FROM fts_pending"), ==, 0);
  g_assert_cmpint (count_rows (f->path, "SELECT count(*) FROM message_fts"), ==, 2);

  /* A body for a message still pending keeps its header fields, in one row;
   * also when it comes in the same transaction. */
  txn = hy_store_begin (f->store, &error);
  hy_store_transaction_defer_index (txn);
  late = add_message (txn, f->inbox, 3, "<d3@example.net>", NULL, "Frank <frank@example.net>",
                      "Bob <bob@example.org>", "Xylophone lessons", NULL, "2024-05-03T10:00:00Z", 0, FALSE);
  g_assert_true (hy_store_transaction_commit (txn, &error));
  g_clear_pointer (&txn, hy_store_transaction_free);
  txn = hy_store_begin (f->store, &error);
  g_assert_true (hy_store_transaction_set_body (txn, late, raw, "glockenspiel", &error));
  g_assert_no_error (error);
  g_assert_true (hy_store_transaction_commit (txn, &error));
  g_clear_pointer (&txn, hy_store_transaction_free);
  txn = hy_store_begin (f->store, &error);
  hy_store_transaction_defer_index (txn);
  same = add_message (txn, f->inbox, 4, "<d4@example.net>", NULL, "Grace <grace@example.net>",
                      "Bob <bob@example.org>", "Marimba notes", "vibraphone", "2024-05-04T10:00:00Z", 0, FALSE);
  g_assert_true (hy_store_transaction_commit (txn, &error));
  g_assert_no_error (error);
  g_clear_pointer (&txn, hy_store_transaction_free);
  assert_search (f->store, "glockenspiel", "Xylophone lessons");
  assert_search (f->store, "xylophone from:frank", "Xylophone lessons");
  assert_search (f->store, "vibraphone from:grace marimba", "Marimba notes");
  fts_count = g_strdup_printf ("SELECT count(*) FROM message_fts WHERE rowid IN (%" G_GINT64_FORMAT ", %"
                               G_GINT64_FORMAT ")", late, same);
  g_assert_cmpint (count_rows (f->path, fts_count), ==, 2);

  /* Removed before it was indexed: not found, and nothing fails. */
  txn = hy_store_begin (f->store, &error);
  hy_store_transaction_defer_index (txn);
  gone = add_message (txn, f->inbox, 5, "<d5@example.net>", NULL, "Hal <hal@example.net>",
                      "Bob <bob@example.org>", "Vanishing subject", NULL, "2024-05-05T10:00:00Z", 0, FALSE);
  g_assert_true (hy_store_transaction_commit (txn, &error));
  g_clear_pointer (&txn, hy_store_transaction_free);
  txn = hy_store_begin (f->store, &error);
  g_assert_true (hy_store_transaction_remove_message (txn, gone, &error));
  g_assert_true (hy_store_transaction_commit (txn, &error));
  g_assert_no_error (error);
  g_clear_pointer (&txn, hy_store_transaction_free);
  assert_search (f->store, "vanishing", "");

  /* Without a search, the store's own pass indexes them shortly after. */
  txn = hy_store_begin (f->store, &error);
  hy_store_transaction_defer_index (txn);
  quiet = add_message (txn, f->inbox, 6, "<d6@example.net>", NULL, "Ivy <ivy@example.net>",
                       "Bob <bob@example.org>", "Quiet indexing", NULL, "2024-05-06T10:00:00Z", 0, FALSE);
  g_assert_true (hy_store_transaction_commit (txn, &error));
  g_clear_pointer (&txn, hy_store_transaction_free);
  for (int i = 0; i < 500 && count_rows (f->path, "SELECT count(*) FROM fts_pending") > 0; i++)
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (count_rows (f->path, "SELECT count(*) FROM fts_pending"), ==, 0);
  g_assert_cmpint (count_rows (f->path, "SELECT count(*) FROM message_fts WHERE message_fts MATCH 'quiet'"), ==, 1);
  g_assert_cmpint (quiet, >, 0);

  /* A crash after the commit, before the index rows were written: the
   * next open writes them. */
  g_clear_object (&f->store);
  g_byte_array_append (entry, (const guint8 *) &budget, sizeof budget);
  g_byte_array_append (entry, (const guint8 *) "Dora Marquez dora@example.net ", 31);
  g_byte_array_append (entry, (const guint8 *) "Bob bob@example.org ", 21);
  db = _hy_store_open_connection (f->path, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "DELETE FROM message_fts WHERE rowid = ?1", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_int64 (stmt, 1, budget);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO fts_pending (entries) VALUES (?1)", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  sqlite3_bind_blob (stmt, 1, entry->data, entry->len, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_assert_cmpint (count_rows (f->path, "SELECT count(*) FROM message_fts WHERE message_fts MATCH 'budget'"), ==, 0);
  f->store = hy_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (count_rows (f->path, "SELECT count(*) FROM fts_pending"), ==, 0);
  g_assert_cmpint (count_rows (f->path, "SELECT count(*) FROM message_fts WHERE message_fts MATCH 'budget'"), ==, 1);
  assert_search (f->store, "from:dora budget", "Budget meeting");
}

/* Addresses given in parts, as a sync takes them from an IMAP envelope,
 * are stored exactly as the header text a sync wrote before would have
 * been: names, addresses, recipients, index words and addresses seen,
 * also for the shapes that need the full parser. */
static void
test_address_parts (Fixture       *f,
                    gconstpointer  data)
{
  static const struct {
    guint               n;
    HyStoreAddressParts parts[3];
    const char         *header;
  } cases[] = {
    { 1, { { "=?UTF-8?B?546L6Iqz?=", "wang.fang", "example.cn" } }, "=?UTF-8?B?546L6Iqz?= <wang.fang@example.cn>" },
    { 1, { { "O\"Brien, Tom ", "tom", "example.net" } }, "\"O\\\"Brien, Tom \" <tom@example.net>" },
    { 2, { { NULL, "bare", "example.org" }, { "", "Empty", "Example.org" } }, "bare@example.org, Empty@Example.org" },
    { 3, { { NULL, "Team", NULL }, { "Carol", "carol", "example.net" }, { NULL, NULL, NULL } },
      "\"Carol\" <carol@example.net>" },
    { 1, { { "Frank", "frank", "xn--fiqs8s.cn" } }, "\"Frank\" <frank@xn--fiqs8s.cn>" },
    { 1, { { "=?UTF-8?Q?a,b?=", "x", "example.org" } }, "=?UTF-8?Q?a,b?= <x@example.org>" },
    { 1, { { "Line\r\n Two", "l2", "example.org" } }, "\"Line Two\" <l2@example.org>" },
    { 1, { { "  ", "sp", "example.org" } }, "\"  \" <sp@example.org>" },
    { 1, { { "Caf\xe9", "cafe", "example.org" } }, "\"Caf\xe9\" <cafe@example.org>" },
    { 2, { { "a\\b", "ab", "example.org" }, { "=?GB2312?B?1dTA9g==?=", "zhao.li", "example.cn" } },
      "\"a\\\\b\" <ab@example.org>, =?GB2312?B?1dTA9g==?= <zhao.li@example.cn>" },
    { 1, { { "bad", "a b", "example.org" } }, "\"bad\" <a b@example.org>" },
  };
  g_autofree char *other_path = g_build_filename (f->dir, "other", "store.db", NULL);
  g_autoptr(HyStore) other = NULL;
  g_autoptr(GError) error = NULL;
  static const char * const queries[] = {
    "SELECT uid, sender_name, sender_address, recipients FROM messages ORDER BY uid",
    "SELECT address, name, seen FROM addresses ORDER BY address",
  };

  other = hy_store_open (other_path, &error);
  g_assert_no_error (error);
  for (int side = 0; side < 2; side++)
    {
      HyStore *store = side == 0 ? f->store : other;
      g_autoptr(HyStoreTransaction) txn = hy_store_begin (store, &error);
      gint64 folder;

      g_assert_no_error (error);
      folder = hy_store_transaction_add_folder (txn, "INBOX", HY_FOLDER_ROLE_INBOX, "/", &error);
      g_assert_no_error (error);
      for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
        {
          HyStoreMessage *m = hy_store_message_new ();
          g_autoptr(HyStorePreparedMessage) prepared = NULL;
          guint last = G_N_ELEMENTS (cases) - 1 - i;

          m->folder_id = folder;
          m->uid = i + 1;
          m->date = 1717200000 + i;
          m->subject = g_strdup_printf ("Case %u", i);
          if (side == 0)
            {
              /* From, To and Cc alike: the first and the last case. */
              prepared = hy_store_prepare_message_with_addresses (m, cases[i].parts, cases[i].n,
                                                                  cases[0].parts, cases[0].n,
                                                                  cases[last].parts, cases[last].n);
            }
          else
            {
              m->from = g_strdup (cases[i].header);
              m->to = g_strdup (cases[0].header);
              m->cc = g_strdup (cases[last].header);
              prepared = hy_store_prepare_message (m);
            }
          g_assert_cmpint (hy_store_transaction_add_prepared (txn, prepared, &error), >, 0);
          g_assert_no_error (error);
        }
      g_assert_true (hy_store_transaction_commit (txn, &error));
      g_assert_no_error (error);
    }
  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      g_autofree char *parts = dump_rows (f->path, queries[q]);
      g_autofree char *header = dump_rows (other_path, queries[q]);

      g_assert_cmpstr (parts, ==, header);
    }
  /* The index words come from the same parsed addresses. */
  assert_search (f->store, "from:王芳", "Case 0");
  assert_search (f->store, "from:赵丽", "Case 9");
  assert_search (f->store, "to:brien", "Case 9");
}

static void
test_upgrade (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("hy-store-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "old.db", NULL);
  g_autoptr(HyStore) store = NULL;
  g_autoptr(GArray) ids = NULL;
  g_auto(GStrv) found = NULL;
  sqlite3 *db;

  /* A database as the first version of the schema left it. */
  db = _hy_store_open_connection (path, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (_hy_store_migrate (db, 1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_exec (db,
    "INSERT INTO folders (id, name, role) VALUES (1, 'INBOX', 1);"
    "INSERT INTO messages (id, folder_id, uid, date, subject, sender_name, sender_address, thread_id, message_id) "
    "  VALUES (1, 1, 7, 1700000000, 'Old mail', 'Carol', 'carol@example.net', 1, 'old@example.net');"
    "INSERT INTO message_fts (rowid, subject, sender, recipients, body) "
    "  VALUES (1, 'Old mail', 'Carol carol@example.net', '', 'kept across upgrades');"
    "CREATE TABLE probe AS SELECT * FROM sqlite_master WHERE name = 'addresses';",
    NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = hy_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (hy_store_get_schema_version (store), ==, 9);
  ids = hy_store_search (store, "upgrades", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 1);
  g_clear_pointer (&ids, g_array_unref);
  /* Found by its Message-ID, which the old database had only in the row;
   * and the lookup no longer has an index on messages of its own. */
  {
    g_autoptr(HyStoreTransaction) txn = hy_store_begin (store, &error);
    g_autofree char *plan = NULL;

    ids = hy_store_transaction_find_message_id (txn, "old@example.net", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (ids->len, ==, 1);
    g_assert_cmpint (g_array_index (ids, gint64, 0), ==, 1);
    g_clear_pointer (&ids, g_array_unref);
    plan = dump_rows (path, "SELECT name FROM sqlite_master WHERE name = 'messages_message_id'");
    g_assert_cmpstr (plan, ==, "");
  }
  found = hy_store_complete_address (store, "car", 5, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found[0], ==, "Carol <carol@example.net>");
  g_clear_object (&store);

  /* A database from a newer version is refused, not damaged. */
  db = _hy_store_open_connection (path, TRUE, &error);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 999", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  store = hy_store_open (path, &error);
  g_assert_error (error, HY_STORE_ERROR, HY_STORE_ERROR_SCHEMA);
  g_assert_null (store);

  remove_tree (dir);
}

static void
on_folder_changed (HyStore *store,
                   gint64   folder_id,
                   gpointer user_data)
{
  g_array_append_val ((GArray *) user_data, folder_id);
}

static void
on_search_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GArray **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = hy_store_search_finish (HY_STORE (source), result, &error);
  g_assert_no_error (error);
}

static gpointer
write_in_thread (gpointer data)
{
  Fixture *f = data;

  fill_mailbox (f);
  return NULL;
}

static void
test_async (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GArray) changed = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) ids = NULL;
  GThread *thread;

  g_signal_connect (f->store, "folder-changed", G_CALLBACK (on_folder_changed), changed);
  /* The writer runs in another thread; the signal comes on this one. */
  thread = g_thread_new ("writer", write_in_thread, f);
  g_thread_join (thread);
  g_assert_cmpuint (changed->len, ==, 0);
  while (changed->len < 2)
    g_main_context_iteration (NULL, TRUE);

  hy_store_search_async (f->store, "会议 OR nothing", NULL, on_search_done, &ids);
  while (ids == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (ids->len, ==, 0);
  g_clear_pointer (&ids, g_array_unref);
  hy_store_search_async (f->store, "is:unread", NULL, on_search_done, &ids);
  while (ids == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (ids->len, ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/engine/store/tokenizer", test_tokenizer);
  g_test_add_func ("/engine/store/query/errors", test_query_errors);
  g_test_add_func ("/engine/store/schema/upgrade", test_upgrade);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/engine/store/folders", test_folders);
  ADD ("/engine/store/flags-and-counts", test_flags_and_counts);
  ADD ("/engine/store/rollback", test_rollback);
  ADD ("/engine/store/clear-folder", test_clear_folder);
  ADD ("/engine/store/threads", test_threads);
  ADD ("/engine/store/search", test_search);
  ADD ("/engine/store/bodies", test_bodies);
  ADD ("/engine/store/new-uid-already-there", test_new_uid_already_there);
  ADD ("/engine/store/bodies/compression", test_body_compression);
  ADD ("/engine/store/search/index-at-commit", test_index_at_commit);
  ADD ("/engine/store/search/deferred-index", test_deferred_index);
  ADD ("/engine/store/addresses", test_addresses);
  ADD ("/engine/store/addresses/shapes", test_address_shapes);
  ADD ("/engine/store/addresses/parts", test_address_parts);
  ADD ("/engine/store/addresses/recipients", test_recipients_text);
  ADD ("/engine/store/async", test_async);
#undef ADD

  return g_test_run ();
}
