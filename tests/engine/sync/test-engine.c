/* test-engine.c — HyEngine over a store without a server: folders, messages, offline operations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <gmime/gmime.h>

#include "account/hy-account-manager.h"
#include "account/hy-memory-credentials.h"
#include "api/hy-engine.h"
#include "store/hy-store-op.h"
#include "store/hy-store-transaction.h"
#include "hy-test-util.h"

typedef struct {
  char             *dir;
  HyCredentials    *credentials;
  HyAccountManager *manager;
  HyEngine         *engine;
  HyAccount        *account;
  HyStore          *store;
  gint64            inbox;
  gint64            trash;
  gint64            work;
  gint64            ids[4];
} Fixture;

static void
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
}

#define CALL(call, result) G_STMT_START { g_clear_object (&(result)); call; wait_for (&(result)); } G_STMT_END

static gint64
add_message (HyStoreTransaction *txn,
             gint64              folder,
             guint32             uid,
             const char         *subject,
             guint32             flags)
{
  g_autoptr(HyStoreMessage) m = hy_store_message_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *raw_text = g_strdup_printf ("From: Bob <bob@example.org>\r\nTo: alice@example.org\r\n"
                                               "Subject: %s\r\nMessage-ID: <%u.%" G_GINT64_FORMAT "@example.org>\r\n"
                                               "\r\nBody of %s.\r\n", subject, uid, folder, subject);
  g_autoptr(GBytes) raw = g_bytes_new (raw_text, strlen (raw_text));

  m->folder_id = folder;
  m->uid = uid;
  m->flags = flags;
  m->modseq = 10 + uid;
  m->date = 1700000000 + uid;
  m->from = g_strdup ("Bob <bob@example.org>");
  m->subject = g_strdup (subject);
  hy_store_transaction_add_message (txn, m, &error);
  g_assert_no_error (error);
  hy_store_transaction_set_body (txn, m->id, raw, subject, &error);
  g_assert_no_error (error);
  return m->id;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *config_dir = NULL;
  g_autofree char *data_dir = NULL;
  g_autoptr(HyIdentity) identity = hy_identity_new ("Alice", "alice@example.org", NULL);
  g_autoptr(HyServerConfig) in = hy_server_config_new (HY_SERVER_PROTOCOL_IMAP, "127.0.0.1", 9,
                                                       HY_SERVER_SECURITY_TLS, "alice");
  g_autoptr(HyServerConfig) out = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, "127.0.0.1", 9,
                                                        HY_SERVER_SECURITY_TLS, "alice");
  g_autoptr(HyStoreTransaction) txn = NULL;

  f->dir = g_dir_make_tmp ("hy-engine-XXXXXX", &error);
  g_assert_no_error (error);
  config_dir = g_build_filename (f->dir, "config", NULL);
  data_dir = g_build_filename (f->dir, "data", NULL);
  f->credentials = hy_memory_credentials_new ();
  f->manager = hy_account_manager_new_for_dirs (f->credentials, config_dir, data_dir);
  f->account = hy_account_new ("alice");
  hy_account_add_identity (f->account, identity);
  hy_account_set_incoming (f->account, in);
  hy_account_set_outgoing (f->account, out);
  CALL (hy_account_manager_add_async (f->manager, f->account, "secret", NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_account_manager_add_finish (f->manager, result, &error));
  g_assert_no_error (error);

  f->engine = hy_engine_new (f->manager);
  CALL (hy_engine_load_async (f->engine, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_engine_load_finish (f->engine, result, &error));
  g_assert_no_error (error);
  f->store = g_object_ref (hy_engine_get_store (f->engine, f->account));
  g_assert_nonnull (f->store);

  txn = hy_store_begin (f->store, &error);
  g_assert_no_error (error);
  f->inbox = hy_store_transaction_add_folder (txn, "INBOX", HY_FOLDER_ROLE_INBOX, "/", &error);
  f->trash = hy_store_transaction_add_folder (txn, "已删除", HY_FOLDER_ROLE_TRASH, "/", &error);
  f->work = hy_store_transaction_add_folder (txn, "Projects/工作", HY_FOLDER_ROLE_NONE, "/", &error);
  g_assert_no_error (error);
  hy_store_transaction_set_folder_state (txn, f->inbox, 7, 5, 100, &error);
  hy_store_transaction_set_folder_state (txn, f->work, 8, 1, 100, &error);
  f->ids[0] = add_message (txn, f->inbox, 1, "One", 0);
  f->ids[1] = add_message (txn, f->inbox, 2, "Two", HY_STORE_FLAG_SEEN);
  f->ids[2] = add_message (txn, f->inbox, 3, "Three", 0);
  f->ids[3] = add_message (txn, f->inbox, 4, "Four", HY_STORE_FLAG_FLAGGED);
  g_assert_true (hy_store_transaction_commit (txn, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", f->dir);

  g_clear_object (&f->store);
  g_clear_object (&f->engine);
  g_clear_object (&f->account);
  g_clear_object (&f->manager);
  g_clear_object (&f->credentials);
  g_assert_cmpint (system (command), ==, 0);
  g_free (f->dir);
}

/* The folder named @name once the model caught up with @total messages. */
static HyFolder *
wait_folder (Fixture    *f,
             const char *name,
             guint       total)
{
  GListModel *folders = hy_engine_get_folders (f->engine, f->account);
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    {
      for (guint i = 0; i < g_list_model_get_n_items (folders); i++)
        {
          g_autoptr(HyFolder) folder = g_list_model_get_item (folders, i);

          if (g_strcmp0 (hy_folder_get_name (folder), name) == 0 && hy_folder_get_total (folder) == total)
            return folder;
        }
      hy_test_spin ();
    }
  g_assert_not_reached ();
  return NULL;
}

static GPtrArray *
queued (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStoreTransaction) txn = hy_store_begin (f->store, &error);
  GPtrArray *ops;

  g_assert_no_error (error);
  ops = hy_store_transaction_list_ops (txn, &error);
  g_assert_no_error (error);
  return ops;
}

static void
test_folders (Fixture       *f,
              gconstpointer  data)
{
  GListModel *folders = hy_engine_get_folders (f->engine, f->account);
  g_autoptr(HyFolder) first = NULL;
  HyFolder *work;

  work = wait_folder (f, "Projects/工作", 0);
  g_assert_cmpstr (hy_folder_get_display_name (work), ==, "工作");
  g_assert_cmpuint (hy_folder_get_depth (work), ==, 1);
  wait_folder (f, "INBOX", 4);
  first = g_list_model_get_item (folders, 0);
  g_assert_cmpstr (hy_folder_get_name (first), ==, "INBOX");
  g_assert_cmpuint (hy_folder_get_unread (first), ==, 3);
  g_assert_true (hy_engine_find_folder_by_role (f->engine, f->account, HY_FOLDER_ROLE_TRASH) ==
                 hy_engine_find_folder (f->engine, f->account, f->trash));
  g_assert_null (hy_engine_find_folder_by_role (f->engine, f->account, HY_FOLDER_ROLE_ARCHIVE));
}

static void
test_message_from_store (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyMessage) message = NULL;
  g_autoptr(HyMessageList) list = NULL;
  HyFolder *inbox = wait_folder (f, "INBOX", 4);

  CALL (hy_engine_get_message_async (f->engine, f->account, f->ids[1], NULL, hy_test_store_result, &result), result);
  message = hy_engine_get_message_finish (f->engine, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hy_message_get_subject (message), ==, "Two");

  /* A message that is not there. */
  CALL (hy_engine_get_message_async (f->engine, f->account, 9999, NULL, hy_test_store_result, &result), result);
  g_assert_null (hy_engine_get_message_finish (f->engine, result, &error));
  g_assert_error (error, HY_STORE_ERROR, HY_STORE_ERROR_NOT_FOUND);

  list = hy_engine_list_folder (f->engine, inbox);
  while (!hy_message_list_get_loaded (list))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 4);
}

static void
test_flags_queued (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStoreMessage) one = NULL;
  g_autoptr(GPtrArray) ops = NULL;
  HyStoreOp *op;
  gint64 both[2] = { f->ids[0], f->ids[1] };

  /* One is unread and Two read already: only One changes. */
  CALL (hy_engine_set_flags_async (f->engine, f->account, both, 2, HY_STORE_FLAG_SEEN, 0, NULL,
                                   hy_test_store_result, &result), result);
  g_assert_true (hy_engine_operation_finish (f->engine, result, &error));
  g_assert_no_error (error);

  one = hy_store_get_message (f->store, f->ids[0], &error);
  g_assert_no_error (error);
  g_assert_cmpuint (one->flags, ==, HY_STORE_FLAG_SEEN);
  {
    HyFolder *inbox = wait_folder (f, "INBOX", 4);
    gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    /* The count follows once the model read the store again. */
    while (hy_folder_get_unread (inbox) != 2 && g_get_monotonic_time () < end)
      hy_test_spin ();
    g_assert_cmpuint (hy_folder_get_unread (inbox), ==, 2);
  }

  ops = queued (f);
  g_assert_cmpuint (ops->len, ==, 1);
  op = g_ptr_array_index (ops, 0);
  g_assert_cmpint (op->kind, ==, HY_STORE_OP_FLAGS);
  g_assert_cmpstr (op->folder, ==, "INBOX");
  g_assert_cmpuint (op->uidvalidity, ==, 7);
  g_assert_cmpuint (op->uid, ==, 1);
  g_assert_cmpuint (op->add_flags, ==, HY_STORE_FLAG_SEEN);
  g_assert_cmpuint (op->remove_flags, ==, 0);
}

static void
test_move_delete_archive (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ops = NULL;
  g_autoptr(HyStoreMessage) moved = NULL;
  g_autoptr(GArray) uids = NULL;
  HyFolder *work = wait_folder (f, "Projects/工作", 0);
  HyFolder *trash;
  HyFolder *archive;

  CALL (hy_engine_move_async (f->engine, f->account, &f->ids[0], 1, work, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_engine_operation_finish (f->engine, result, &error));
  g_assert_no_error (error);
  wait_folder (f, "Projects/工作", 1);
  wait_folder (f, "INBOX", 3);
  moved = hy_store_get_message (f->store, f->ids[0], &error);
  g_assert_no_error (error);
  g_assert_cmpint (moved->folder_id, ==, f->work);
  /* It waits for its new UID from the server. */
  uids = hy_store_list_uids (f->store, f->work, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uids->len, ==, 0);

  /* Deleting moves to Trash, and from Trash deletes for good. */
  CALL (hy_engine_delete_async (f->engine, f->account, &f->ids[1], 1, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_engine_operation_finish (f->engine, result, &error));
  g_assert_no_error (error);
  trash = wait_folder (f, "已删除", 1);
  CALL (hy_engine_empty_folder_async (f->engine, trash, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_engine_operation_finish (f->engine, result, &error));
  g_assert_no_error (error);
  wait_folder (f, "已删除", 0);

  /* Archiving makes the Archive folder when there is none. */
  CALL (hy_engine_archive_async (f->engine, f->account, &f->ids[2], 1, NULL, hy_test_store_result, &result), result);
  g_assert_true (hy_engine_operation_finish (f->engine, result, &error));
  g_assert_no_error (error);
  archive = wait_folder (f, "Archive", 1);
  g_assert_cmpint (hy_folder_get_role (archive), ==, HY_FOLDER_ROLE_ARCHIVE);
  wait_folder (f, "INBOX", 1);

  ops = queued (f);
  g_assert_cmpuint (ops->len, ==, 3);
  g_assert_cmpint (((HyStoreOp *) ops->pdata[0])->kind, ==, HY_STORE_OP_MOVE);
  g_assert_cmpstr (((HyStoreOp *) ops->pdata[0])->destination, ==, "Projects/工作");
  g_assert_cmpuint (((HyStoreOp *) ops->pdata[0])->uid, ==, 1);
  /* Message Two was in Trash without a UID yet when Trash was emptied:
   * its queued move became a deletion from the inbox. */
  g_assert_cmpint (((HyStoreOp *) ops->pdata[1])->kind, ==, HY_STORE_OP_EXPUNGE);
  g_assert_cmpstr (((HyStoreOp *) ops->pdata[1])->folder, ==, "INBOX");
  g_assert_cmpuint (((HyStoreOp *) ops->pdata[1])->uid, ==, 2);
  g_assert_null (((HyStoreOp *) ops->pdata[1])->destination);
  g_assert_cmpint (((HyStoreOp *) ops->pdata[2])->kind, ==, HY_STORE_OP_MOVE);
  g_assert_cmpstr (((HyStoreOp *) ops->pdata[2])->destination, ==, "Archive");
}

static void
test_offline_sync_fails (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  /* Nothing listens on the discard port: the account is offline, and
   * the queue stays for later. */
  CALL (hy_engine_set_flags_async (f->engine, f->account, &f->ids[3], 1, 0, HY_STORE_FLAG_FLAGGED, NULL,
                                   hy_test_store_result, &result), result);
  g_assert_true (hy_engine_operation_finish (f->engine, result, &error));
  CALL (hy_engine_sync_async (f->engine, f->account, NULL, hy_test_store_result, &result), result);
  g_assert_false (hy_engine_sync_finish (f->engine, result, &error));
  g_assert_nonnull (error);
  g_assert_cmpint (hy_engine_get_sync_status (f->engine, f->account), ==, HY_SYNC_STATUS_OFFLINE);
  g_assert_nonnull (hy_engine_get_sync_error (f->engine, f->account));
  {
    g_autoptr(GPtrArray) ops = queued (f);

    g_assert_cmpuint (ops->len, ==, 1);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/engine/sync/engine/folders", test_folders);
  ADD ("/engine/sync/engine/message-from-store", test_message_from_store);
  ADD ("/engine/sync/engine/flags-queued", test_flags_queued);
  ADD ("/engine/sync/engine/move-delete-archive", test_move_delete_archive);
  ADD ("/engine/sync/engine/offline-sync-fails", test_offline_sync_fails);
  return g_test_run ();
}
