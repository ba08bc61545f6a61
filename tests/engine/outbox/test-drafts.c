/* test-drafts.c — drafts saved locally first, then replaced and deleted on the fixture's Dovecot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <stdlib.h>
#include <glib/gstdio.h>

#include "account/hy-memory-credentials.h"
#include "sync/hy-drafts.h"
#include "sync/hy-outbox-private.h"

typedef struct {
  char          *dir;
  char          *path;
  HyCredentials *credentials;
  HyAccount     *account;
  HyStore       *store;
  HyDrafts      *drafts;
  char          *tag;
} Fixture;

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static HyAccount *
make_account (guint16 imap_port)
{
  g_autoptr(HyIdentity) identity = hy_identity_new ("Alice", g_getenv ("HY_TEST_ALICE_ADDRESS"), NULL);
  g_autoptr(HyServerConfig) imap = hy_server_config_new (HY_SERVER_PROTOCOL_IMAP, g_getenv ("HY_TEST_HOST"),
                                                          imap_port, HY_SERVER_SECURITY_TLS,
                                                          g_getenv ("HY_TEST_ALICE_USER"));
  HyAccount *account = hy_account_new ("drafts-test");

  hy_account_add_identity (account, identity);
  hy_account_set_incoming (account, imap);
  return account;
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  if (g_getenv ("HY_TEST_HOST") == NULL)
    return;  /* the test skips */
  f->dir = g_dir_make_tmp ("hy-drafts-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "store.db", NULL);
  f->tag = g_strdup_printf ("%d.%" G_GINT64_FORMAT, getpid (), g_get_real_time ());
  f->credentials = hy_memory_credentials_new ();
  hy_credentials_store_async (f->credentials, "drafts-test", "imap", g_getenv ("HY_TEST_HOST"),
                              g_getenv ("HY_TEST_ALICE_USER"), g_getenv ("HY_TEST_ALICE_PASSWORD"),
                              NULL, _hy_outbox_store_result, &result);
  g_assert_true (hy_credentials_store_finish (f->credentials, wait_for (&result), &error));
  g_assert_no_error (error);
  f->account = make_account (atoi (g_getenv ("HY_TEST_IMAPS_PORT")));
  f->store = hy_store_open (f->path, &error);
  g_assert_no_error (error);
  f->drafts = hy_drafts_new (f->account, f->credentials, f->store);
  hy_drafts_set_ca_file (f->drafts, g_getenv ("HY_TEST_CA_FILE"));
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *wal = f->path == NULL ? NULL : g_strconcat (f->path, "-wal", NULL);
  g_autofree char *shm = f->path == NULL ? NULL : g_strconcat (f->path, "-shm", NULL);
  g_autofree char *lock = f->path == NULL ? NULL : g_strconcat (f->path, ".drafts-lock", NULL);

  if (f->dir == NULL)
    return;
  g_clear_object (&f->drafts);
  g_clear_object (&f->store);
  g_clear_object (&f->account);
  g_clear_object (&f->credentials);
  g_unlink (f->path);
  g_unlink (wal);
  g_unlink (shm);
  g_unlink (lock);
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
  g_free (f->tag);
}

static GBytes *
draft (Fixture    *f,
       const char *id,
       const char *subject)
{
  char *text = g_strdup_printf ("From: Alice <%s>\r\nTo: bob@example.org\r\nSubject: %s\r\n"
                                "Message-ID: <%s.%s@example.org>\r\n\r\nNot finished yet.\r\n",
                                g_getenv ("HY_TEST_ALICE_ADDRESS"), subject, id, f->tag);

  return g_bytes_new_take (text, strlen (text));
}

static gboolean
sync_drafts (HyDrafts  *drafts,
             GError   **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hy_drafts_sync_async (drafts, NULL, _hy_outbox_store_result, &result);
  return hy_drafts_sync_finish (drafts, wait_for (&result), error);
}

/* Copies of <id.tag@example.org> in the server's Drafts. */
static guint
server_copies (Fixture    *f,
               const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapClient) client = _hy_outbox_imap_open (f->account, f->credentials,
                                                         g_getenv ("HY_TEST_CA_FILE"), NULL, &error);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(GArray) uids = NULL;
  g_autofree char *message_id = g_strdup_printf ("%s.%s@example.org", id, f->tag);
  g_autofree char *folder = NULL;

  g_assert_no_error (error);
  folder = _hy_outbox_imap_find_folder (client, f->account, NULL, HY_FOLDER_ROLE_DRAFTS, NULL, &error);
  g_assert_no_error (error);
  hy_imap_client_select_async (client, folder, TRUE, 0, 0, NULL, NULL, _hy_outbox_store_result, &result);
  selected = hy_imap_client_select_finish (client, wait_for (&result), &error);
  g_assert_no_error (error);
  uids = _hy_outbox_imap_find_message_id (client, message_id, NULL, &error);
  g_assert_no_error (error);
  _hy_outbox_imap_close (client);
  return uids->len;
}

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

/* Save, replace (same and new Message-ID) and delete: the server keeps
 * exactly the newest version, and nothing once deleted. */
static void
test_save_replace_delete (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) v1 = NULL, v2 = NULL, v3 = NULL, local = NULL;
  g_autoptr(GPtrArray) list = NULL;
  gint64 id;

  if (skip_without_stack ())
    return;
  v1 = draft (f, "a", "First words");
  v2 = draft (f, "a", "More words");
  v3 = draft (f, "b", "Other words");

  id = hy_drafts_save (f->drafts, 0, v1, &error);
  g_assert_no_error (error);
  list = hy_drafts_list (f->drafts, &error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_false (((HyDraftInfo *) g_ptr_array_index (list, 0))->on_server);
  g_clear_pointer (&list, g_ptr_array_unref);

  g_assert_true (sync_drafts (f->drafts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (server_copies (f, "a"), ==, 1);
  list = hy_drafts_list (f->drafts, &error);
  g_assert_true (((HyDraftInfo *) g_ptr_array_index (list, 0))->on_server);

  g_assert_cmpint (hy_drafts_save (f->drafts, id, v2, &error), ==, id);
  g_assert_no_error (error);
  local = hy_drafts_get_message (f->drafts, id, &error);
  g_assert_true (g_bytes_equal (local, v2));
  g_assert_true (sync_drafts (f->drafts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (server_copies (f, "a"), ==, 1);

  g_assert_cmpint (hy_drafts_save (f->drafts, id, v3, &error), ==, id);
  g_assert_true (sync_drafts (f->drafts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (server_copies (f, "a"), ==, 0);
  g_assert_cmpuint (server_copies (f, "b"), ==, 1);

  g_assert_true (hy_drafts_delete (f->drafts, id, &error));
  g_assert_no_error (error);
  g_assert_true (sync_drafts (f->drafts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (server_copies (f, "b"), ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = hy_drafts_list (f->drafts, &error);
  g_assert_cmpuint (list->len, ==, 0);
}

/* Offline: saving works and keeps the draft; the server gets it once it
 * can be reached. */
static void
test_offline (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) v1 = NULL;
  g_autoptr(HyAccount) offline = NULL;
  g_autoptr(HyDrafts) drafts = NULL;
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GPtrArray) list = NULL;
  guint16 port;

  if (skip_without_stack ())
    return;
  port = g_socket_listener_add_any_inet_port (listener, NULL, NULL);
  g_socket_listener_close (listener);
  offline = make_account (port);
  drafts = hy_drafts_new (offline, f->credentials, f->store);
  v1 = draft (f, "c", "Written on a train");

  g_assert_cmpint (hy_drafts_save (drafts, 0, v1, &error), >, 0);
  g_assert_no_error (error);
  g_assert_false (sync_drafts (drafts, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  list = hy_drafts_list (drafts, &error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_false (((HyDraftInfo *) g_ptr_array_index (list, 0))->on_server);

  /* Back online (the same store, the reachable server). */
  g_assert_true (sync_drafts (f->drafts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (server_copies (f, "c"), ==, 1);
  g_assert_true (hy_drafts_delete (f->drafts, ((HyDraftInfo *) g_ptr_array_index (list, 0))->id, &error));
  g_assert_true (sync_drafts (f->drafts, &error));
  g_assert_cmpuint (server_copies (f, "c"), ==, 0);
}

/* A draft only the server had (written by another client) is adopted:
 * nothing is pushed for it, a new version replaces the server's copy,
 * and deleting it (the message was sent) leaves nothing in Drafts. */
static void
test_adopt (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) theirs = NULL, mine = NULL, nameless = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *folder = NULL;
  gint64 id;

  if (skip_without_stack ())
    return;
  theirs = draft (f, "d", "Started on the phone");
  mine = draft (f, "e", "Finished here");
  {
    g_autoptr(HyImapClient) client = _hy_outbox_imap_open (f->account, f->credentials,
                                                           g_getenv ("HY_TEST_CA_FILE"), NULL, &error);
    g_autoptr(GAsyncResult) result = NULL;
    static const char * const flags[] = { "\\Draft", NULL };

    g_assert_no_error (error);
    folder = _hy_outbox_imap_find_folder (client, f->account, NULL, HY_FOLDER_ROLE_DRAFTS, NULL, &error);
    g_assert_no_error (error);
    hy_imap_client_append_async (client, folder, theirs, flags, NULL, NULL, _hy_outbox_store_result, &result);
    g_assert_true (hy_imap_client_append_finish (client, wait_for (&result), NULL, NULL, &error));
    g_assert_no_error (error);
    _hy_outbox_imap_close (client);
  }
  g_assert_cmpuint (server_copies (f, "d"), ==, 1);

  id = hy_drafts_adopt (f->drafts, theirs, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  list = hy_drafts_list (f->drafts, &error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_true (((HyDraftInfo *) g_ptr_array_index (list, 0))->on_server);
  g_assert_true (sync_drafts (f->drafts, &error));
  g_assert_cmpuint (server_copies (f, "d"), ==, 1);

  g_assert_cmpint (hy_drafts_save (f->drafts, id, mine, &error), ==, id);
  g_assert_true (sync_drafts (f->drafts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (server_copies (f, "d"), ==, 0);
  g_assert_cmpuint (server_copies (f, "e"), ==, 1);

  g_assert_true (hy_drafts_delete (f->drafts, id, &error));
  g_assert_true (sync_drafts (f->drafts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (server_copies (f, "e"), ==, 0);

  /* Without a Message-ID its server copy could not be found again. */
  nameless = g_bytes_new_static ("Subject: x\r\n\r\nbody\r\n", 20);
  g_assert_cmpint (hy_drafts_adopt (f->drafts, nameless, &error), ==, 0);
  g_assert_error (error, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_INVALID);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/engine/outbox/drafts/save-replace-delete", Fixture, NULL, setup,
              test_save_replace_delete, teardown);
  g_test_add ("/engine/outbox/drafts/offline", Fixture, NULL, setup, test_offline, teardown);
  g_test_add ("/engine/outbox/drafts/adopt", Fixture, NULL, setup, test_adopt, teardown);
  return g_test_run ();
}
