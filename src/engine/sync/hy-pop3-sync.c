/* hy-pop3-sync.c — a POP3 account's pass: new messages by UIDL into the local inbox
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-sync"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "mime/hy-message.h"
#include "mime/hy-mime-part.h"
#include "pop3/hy-pop3-client.h"
#include "pop3/hy-pop3-error.h"
#include "pop3/hy-pop3-response.h"
#include "store/hy-store-op.h"
#include "store/hy-store-transaction.h"
#include "sync/hy-connection-pool.h"
#include "sync/hy-pop3-sync.h"

#define DAY_SECONDS (24 * 3600)

/* A header's raw value without the folding and the blanks around it. */
static char *
header (HyMessage  *parsed,
        const char *name)
{
  const char *raw = hy_message_get_header (parsed, name);
  char *value;

  if (raw == NULL)
    return NULL;
  value = g_strdelimit (g_strdup (raw), "\r\n", ' ');
  return g_strstrip (value);
}

static HyStoreMessage *
message_from_raw (HyMessage *parsed,
                  GBytes    *raw,
                  gint64     folder_id,
                  guint32    uid,
                  gint64     now)
{
  g_autoptr(HyStoreMessage) message = hy_store_message_new ();
  GDateTime *date = hy_message_get_date (parsed);
  const char *msgid = hy_message_get_message_id (parsed);

  message->folder_id = folder_id;
  message->uid = uid;
  message->received = now;
  message->date = date != NULL ? g_date_time_to_unix (date) : now;
  message->size = g_bytes_get_size (raw);
  message->message_id = g_strdup (msgid);
  message->in_reply_to = header (parsed, "In-Reply-To");
  message->references = header (parsed, "References");
  message->subject = g_strdup (hy_message_get_subject (parsed));
  message->from = header (parsed, "From");
  message->to = header (parsed, "To");
  message->cc = header (parsed, "Cc");
  message->has_attachment = hy_message_get_attachments (parsed)->len > 0;
  message->preview = g_strdup (hy_message_get_text (parsed));
  return g_steal_pointer (&message);
}

static HyPop3Client *
open_session (HyAccount      *account,
              HyCredentials  *credentials,
              const char     *ca_file,
              HySyncWait     *wait,
              GCancellable   *cancellable,
              GError        **error)
{
  const HyServerConfig *config = hy_account_get_incoming (account);
  g_autoptr(HyConnection) connection = NULL;
  g_autoptr(HyPop3Client) client = NULL;
  HyNetSecurity security;
  char *secret = NULL;
  gboolean ok;

  switch (config->security)
    {
    case HY_SERVER_SECURITY_STARTTLS: security = HY_NET_SECURITY_STARTTLS; break;
    case HY_SERVER_SECURITY_NONE: security = HY_NET_SECURITY_NONE; break;
    case HY_SERVER_SECURITY_TLS:
    default: security = HY_NET_SECURITY_TLS; break;
    }
  connection = hy_connection_new (config->host, config->port, security);
  hy_connection_set_auth_mechanism (connection, config->auth_mechanism);
  if (ca_file != NULL)
    hy_connection_set_ca_file (connection, ca_file);
  if (!hy_connection_pool_apply_pinned_certificate (connection, account, config, error))
    return NULL;
  if (security == HY_NET_SECURITY_NONE)
    hy_connection_set_allow_plaintext_auth (connection, TRUE);
  hy_connection_set_timeout (connection, 120);
  client = hy_pop3_client_new (connection);
  hy_pop3_client_connect_async (client, cancellable, hy_sync_wait_cb, wait);
  if (!hy_pop3_client_connect_finish (client, hy_sync_wait (wait), error))
    return NULL;

  if (credentials != NULL)
    {
      hy_credentials_lookup_async (credentials, hy_account_get_id (account), "pop3", config->host,
                                   config->user, cancellable, hy_sync_wait_cb, wait);
      secret = hy_credentials_lookup_finish (credentials, hy_sync_wait (wait), error);
      if (secret == NULL && error != NULL && *error != NULL)
        return NULL;
    }
  if (secret == NULL)
    {
      g_set_error (error, HY_POP3_ERROR, HY_POP3_ERROR_AUTH_FAILED,
                   _ ("No password is stored for %s on %s; enter it in the account settings."),
                   config->user, config->host);
      return NULL;
    }
  hy_pop3_client_authenticate_async (client, config->user, secret,
                                     g_strcmp0 (config->auth_mechanism, "XOAUTH2") == 0,
                                     cancellable, hy_sync_wait_cb, wait);
  hy_credentials_secret_free (secret);
  ok = hy_pop3_client_authenticate_finish (client, hy_sync_wait (wait), error);
  return ok ? g_steal_pointer (&client) : NULL;
}

static gint64
ensure_inbox (HyStore  *store,
              GError  **error)
{
  g_autoptr(HyStoreFolder) inbox = hy_store_find_folder (store, "INBOX", NULL);
  g_autoptr(HyStoreTransaction) txn = NULL;
  gint64 id;

  if (inbox != NULL)
    return inbox->id;
  if ((txn = hy_store_begin (store, error)) == NULL)
    return 0;
  id = hy_store_transaction_add_folder (txn, "INBOX", HY_FOLDER_ROLE_INBOX, NULL, error);
  /* Local UIDs count up from 1; UIDVALIDITY 1 marks the folder in use. */
  if (id == 0 || !hy_store_transaction_set_folder_state (txn, id, 1, 1, 0, error) ||
      !hy_store_transaction_commit (txn, error))
    return 0;
  return id;
}

gboolean
hy_pop3_sync_run (HyAccount      *account,
                  HyStore        *store,
                  HyCredentials  *credentials,
                  const char     *ca_file,
                  HySyncWait     *wait,
                  gint64         *inbox_id,
                  guint          *new_messages,
                  GCancellable   *cancellable,
                  GError        **error)
{
  g_autoptr(HyPop3Client) client = NULL;
  g_autoptr(GPtrArray) listing = NULL;
  g_autoptr(GHashTable) known = NULL;
  g_autoptr(GHashTable) on_server = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GArray) doomed = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GPtrArray) doomed_uidls = g_ptr_array_new ();
  gboolean leave = hy_account_get_pop3_leave_on_server (account);
  guint days = hy_account_get_pop3_delete_after_days (account);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr(HyStoreFolder) inbox = NULL;
  guint32 next_uid;

  *new_messages = 0;
  *inbox_id = ensure_inbox (store, error);
  if (*inbox_id == 0)
    return FALSE;
  inbox = hy_store_get_folder (store, *inbox_id, error);
  if (inbox == NULL)
    return FALSE;
  next_uid = MAX (inbox->uidnext, 1);

  client = open_session (account, credentials, ca_file, wait, cancellable, error);
  if (client == NULL)
    return FALSE;
  hy_pop3_client_uidl_async (client, cancellable, hy_sync_wait_cb, wait);
  listing = hy_pop3_client_uidl_finish (client, hy_sync_wait (wait), error);
  if (listing == NULL)
    return FALSE;

  {
    g_autoptr(HyStoreTransaction) txn = hy_store_begin (store, error);

    if (txn == NULL)
      return FALSE;
    known = hy_store_transaction_list_pop3_uidls (txn, error);
    if (known == NULL)
      return FALSE;
  }

  for (guint i = 0; i < listing->len; i++)
    {
      HyPop3Listing *item = g_ptr_array_index (listing, i);
      gint64 *seen;

      if (item->uid == NULL)
        continue;
      g_hash_table_add (on_server, item->uid);
      seen = g_hash_table_lookup (known, item->uid);
      if (seen == NULL)
        {
          g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
          g_autoptr(GBytes) raw = NULL;
          g_autoptr(HyMessage) parsed = NULL;
          g_autoptr(HyStoreMessage) message = NULL;
          g_autoptr(HyStoreTransaction) txn = NULL;
          guint64 size = 0;

          hy_pop3_client_retr_async (client, item->number, out, cancellable, hy_sync_wait_cb, wait);
          if (!hy_pop3_client_retr_finish (client, hy_sync_wait (wait), &size, error))
            return FALSE;
          if (!g_output_stream_close (out, NULL, error))
            return FALSE;
          raw = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
          parsed = hy_message_new_from_bytes (raw);
          message = message_from_raw (parsed, raw, *inbox_id, next_uid, now);

          /* The message, its body and its UIDL in one commit. */
          if ((txn = hy_store_begin (store, error)) == NULL)
            return FALSE;
          if (hy_store_transaction_add_message (txn, message, error) == 0 ||
              !hy_store_transaction_set_body (txn, message->id, raw, hy_message_get_text (parsed), error) ||
              !hy_store_transaction_add_pop3_uidl (txn, item->uid, now, error) ||
              !hy_store_transaction_set_folder_state (txn, *inbox_id, 1, next_uid + 1, 0, error) ||
              !hy_store_transaction_commit (txn, error))
            return FALSE;
          next_uid++;
          (*new_messages)++;
          if (!leave)
            {
              g_array_append_val (doomed, item->number);
              g_ptr_array_add (doomed_uidls, item->uid);
            }
        }
      else if (!leave || (days > 0 && *seen < now - (gint64) days * DAY_SECONDS))
        {
          g_array_append_val (doomed, item->number);
          g_ptr_array_add (doomed_uidls, item->uid);
        }
    }

  if (doomed->len > 0)
    {
      hy_pop3_client_dele_async (client, (guint *) (void *) doomed->data, doomed->len,
                                 cancellable, hy_sync_wait_cb, wait);
      if (!hy_pop3_client_dele_finish (client, hy_sync_wait (wait), error))
        return FALSE;
    }
  /* QUIT makes the deletions happen. */
  hy_pop3_client_quit_async (client, cancellable, hy_sync_wait_cb, wait);
  if (!hy_pop3_client_quit_finish (client, hy_sync_wait (wait), error))
    return FALSE;

  /* Forget the UIDLs the server no longer has. */
  {
    g_autoptr(HyStoreTransaction) txn = hy_store_begin (store, error);
    GHashTableIter iter;
    const char *uidl;

    if (txn == NULL)
      return FALSE;
    for (guint i = 0; i < doomed_uidls->len; i++)
      g_hash_table_remove (on_server, g_ptr_array_index (doomed_uidls, i));
    g_hash_table_iter_init (&iter, known);
    while (g_hash_table_iter_next (&iter, (gpointer *) &uidl, NULL))
      if (!g_hash_table_contains (on_server, uidl) &&
          !hy_store_transaction_remove_pop3_uidl (txn, uidl, error))
        return FALSE;
    return hy_store_transaction_commit (txn, error);
  }
}
