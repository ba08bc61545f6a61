/* hy-outbox-session.c — helpers shared by the outbox and the drafts: database, sessions, waiting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-outbox"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>
#include <gmime/gmime.h>

#include "imap/hy-imap-error.h"
#include "imap/hy-imap-quote.h"
#include "smtp/hy-smtp-error.h"
#include "sync/hy-connection-pool.h"
#include "sync/hy-outbox-error.h"
#include "sync/hy-outbox-private.h"

/* ---- database ----------------------------------------------------------- */

void
_hy_outbox_db_error (GError     **error,
                     sqlite3     *db,
                     const char  *what)
{
  /* Translators: what failed, then the database error */
  g_set_error (error, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_STORAGE,
               _ ("%s: %s"), what, db != NULL ? sqlite3_errmsg (db) : _ ("out of memory"));
}

gboolean
_hy_outbox_db_exec (sqlite3     *db,
                    const char  *sql,
                    GError     **error)
{
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      _hy_outbox_db_error (error, db, _ ("Cannot write the outbox"));
      return FALSE;
    }
  return TRUE;
}

sqlite3 *
_hy_outbox_open_db (HyStore  *store,
                    GError  **error)
{
  sqlite3 *db = NULL;
  int rc;

  rc = sqlite3_open_v2 (hy_store_get_path (store), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      _hy_outbox_db_error (error, db, _ ("Cannot open the outbox"));
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, 15000);
  /* The store opened the file first, so the schema is current and the
   * database is in WAL mode.  FULL: a commit is on the disk when it returns. */
  if (!_hy_outbox_db_exec (db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;", error))
    {
      sqlite3_close (db);
      return NULL;
    }
  return db;
}

/* ---- waiting in a worker thread ------------------------------------------ */

void
_hy_outbox_store_result (GObject      *source,
                         GAsyncResult *result,
                         gpointer      slot)
{
  *(GAsyncResult **) slot = g_object_ref (result);
}

GAsyncResult *
_hy_outbox_wait (GAsyncResult **slot)
{
  GMainContext *context = g_main_context_get_thread_default ();

  while (*slot == NULL)
    g_main_context_iteration (context, TRUE);
  return *slot;
}

/* ---- sessions ----------------------------------------------------------- */

HyConnection *
_hy_outbox_make_connection (const HyServerConfig *config,
                            const char           *ca_file)
{
  HyNetSecurity security;
  HyConnection *connection;

  switch (config->security)
    {
    case HY_SERVER_SECURITY_STARTTLS:
      security = HY_NET_SECURITY_STARTTLS;
      break;
    case HY_SERVER_SECURITY_NONE:
      security = HY_NET_SECURITY_NONE;
      break;
    case HY_SERVER_SECURITY_TLS:
    default:
      security = HY_NET_SECURITY_TLS;
      break;
    }
  connection = hy_connection_new (config->host, config->port, security);
  hy_connection_set_auth_mechanism (connection, config->auth_mechanism);
  if (ca_file != NULL)
    hy_connection_set_ca_file (connection, ca_file);
  return connection;
}

static char *
lookup_secret (HyAccount             *account,
               HyCredentials         *credentials,
               const HyServerConfig  *config,
               const char            *protocol,
               GCancellable          *cancellable,
               GError               **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  if (credentials == NULL || config->user == NULL || *config->user == '\0')
    return NULL;
  hy_credentials_lookup_async (credentials, hy_account_get_id (account), protocol,
                               config->host, config->user, cancellable,
                               _hy_outbox_store_result, &result);
  return hy_credentials_lookup_finish (credentials, _hy_outbox_wait (&result), error);
}

static gboolean
is_oauth (const HyServerConfig *config)
{
  return config->auth_mechanism != NULL && g_ascii_strcasecmp (config->auth_mechanism, "XOAUTH2") == 0;
}

HySmtpClient *
_hy_outbox_smtp_open (HyAccount     *account,
                      HyCredentials *credentials,
                      const char    *ca_file,
                      GCancellable  *cancellable,
                      GError       **error)
{
  const HyServerConfig *config = hy_account_get_outgoing (account);
  g_autoptr(HyConnection) connection = NULL;
  g_autoptr(HySmtpClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  char *secret;

  if (config == NULL || config->host == NULL)
    {
      g_set_error (error, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_NO_SERVER,
                   _ ("The account “%s” has no outgoing (SMTP) server; add one in its settings"),
                   hy_account_get_display_name (account));
      return NULL;
    }
  connection = _hy_outbox_make_connection (config, ca_file);
  if (!hy_connection_pool_apply_pinned_certificate (connection, account, config, error))
    return NULL;
  client = hy_smtp_client_new (connection);
  hy_smtp_client_connect_async (client, cancellable, _hy_outbox_store_result, &result);
  if (!hy_smtp_client_connect_finish (client, _hy_outbox_wait (&result), error))
    return NULL;
  g_clear_object (&result);

  secret = lookup_secret (account, credentials, config, "smtp", cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  /* A server that asks for a login without a password to give: said as a
   * refused login, so the user is asked for it and the message waits. */
  if (secret == NULL && config->user != NULL && *config->user != '\0' &&
      hy_smtp_client_has_feature (client, "AUTH"))
    {
      g_set_error (error, HY_SMTP_ERROR, HY_SMTP_ERROR_AUTH_FAILED,
                   _ ("No password is stored for %s on the outgoing server %s; enter it to send"),
                   config->user, config->host);
      return NULL;
    }
  if (secret != NULL)
    {
      gboolean ok;

      hy_smtp_client_authenticate_async (client, config->user, secret, is_oauth (config),
                                         cancellable, _hy_outbox_store_result, &result);
      ok = hy_smtp_client_authenticate_finish (client, _hy_outbox_wait (&result), error);
      hy_credentials_secret_free (secret);
      if (!ok)
        return NULL;
    }
  return g_steal_pointer (&client);
}

HyImapClient *
_hy_outbox_imap_open (HyAccount     *account,
                      HyCredentials *credentials,
                      const char    *ca_file,
                      GCancellable  *cancellable,
                      GError       **error)
{
  const HyServerConfig *config = hy_account_get_incoming (account);
  g_autoptr(HyConnection) connection = NULL;
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  char *secret;
  gboolean ok;

  if (config == NULL || config->protocol != HY_SERVER_PROTOCOL_IMAP || config->host == NULL)
    {
      g_set_error (error, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_NO_SERVER,
                   _ ("The account “%s” has no IMAP server to keep sent mail and drafts on"),
                   hy_account_get_display_name (account));
      return NULL;
    }
  connection = _hy_outbox_make_connection (config, ca_file);
  if (!hy_connection_pool_apply_pinned_certificate (connection, account, config, error))
    return NULL;
  client = hy_imap_client_new (connection);
  hy_imap_client_connect_async (client, cancellable, _hy_outbox_store_result, &result);
  if (!hy_imap_client_connect_finish (client, _hy_outbox_wait (&result), error))
    return NULL;
  g_clear_object (&result);

  secret = lookup_secret (account, credentials, config, "imap", cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (secret == NULL)
    {
      g_set_error (error, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_NO_SERVER,
                   _ ("No password is stored for %s on %s; sign in to the account again"),
                   config->user != NULL ? config->user : "(no user)", config->host);
      return NULL;
    }
  hy_imap_client_login_async (client, config->user, secret, is_oauth (config), cancellable,
                              _hy_outbox_store_result, &result);
  ok = hy_imap_client_login_finish (client, _hy_outbox_wait (&result), error);
  hy_credentials_secret_free (secret);
  if (!ok)
    return NULL;
  return g_steal_pointer (&client);
}

void
_hy_outbox_imap_close (HyImapClient *client)
{
  g_autoptr(GAsyncResult) result = NULL;

  if (client == NULL || hy_imap_client_get_state (client) == HY_IMAP_STATE_DISCONNECTED)
    return;
  hy_imap_client_logout_async (client, NULL, _hy_outbox_store_result, &result);
  hy_imap_client_logout_finish (client, _hy_outbox_wait (&result), NULL);
}

static const char *
default_folder_name (HyFolderRole role)
{
  switch (role)
    {
    case HY_FOLDER_ROLE_DRAFTS:
      return "Drafts";
    case HY_FOLDER_ROLE_SENT:
    default:
      return "Sent";
    }
}

/* Where the user's own folders live on the server: "" on most, "INBOX."
 * on servers such as Courier that keep them below INBOX (RFC 2342). */
static char *
personal_prefix (HyImapClient *client,
                 GCancellable *cancellable)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(HyImapNamespace) ns = NULL;
  const HyImapNamespaceEntry *entry;

  if (!hy_imap_client_has_capability (client, "NAMESPACE"))
    return g_strdup ("");
  hy_imap_client_namespace_async (client, cancellable, _hy_outbox_store_result, &result);
  ns = hy_imap_client_namespace_finish (client, _hy_outbox_wait (&result), NULL);
  if (ns == NULL || ns->personal->len == 0)
    return g_strdup ("");
  entry = g_ptr_array_index (ns->personal, 0);
  return g_strdup (entry->prefix != NULL ? entry->prefix : "");
}

char *
_hy_outbox_imap_find_folder (HyImapClient *client,
                             HyAccount    *account,
                             HyStore      *store,
                             HyFolderRole  role,
                             GCancellable *cancellable,
                             GError      **error)
{
  g_autoptr(GPtrArray) folders = NULL;
  g_autoptr(GPtrArray) mailboxes = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  const char *chosen = hy_account_get_folder_for_role (account, role);
  const char *guessed = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *name = NULL;

  if (chosen != NULL && *chosen != '\0')
    return g_strdup (chosen);

  if (store != NULL && (folders = hy_store_list_folders (store, NULL)) != NULL)
    for (guint i = 0; i < folders->len; i++)
      {
        HyStoreFolder *folder = g_ptr_array_index (folders, i);

        if (folder->role == role)
          return g_strdup (folder->name);
      }

  hy_imap_client_list_async (client, "", "*", HY_IMAP_LIST_DEFAULT, cancellable,
                             _hy_outbox_store_result, &result);
  mailboxes = hy_imap_client_list_finish (client, _hy_outbox_wait (&result), error);
  if (mailboxes == NULL)
    return NULL;
  g_clear_object (&result);
  for (guint i = 0; i < mailboxes->len; i++)
    {
      HyImapMailbox *mailbox = g_ptr_array_index (mailboxes, i);

      for (guint j = 0; mailbox->attributes != NULL && mailbox->attributes[j] != NULL; j++)
        if (hy_folder_role_from_special_use (mailbox->attributes[j]) == role)
          return g_strdup (mailbox->name);
      if (guessed == NULL && hy_folder_role_guess_from_name (mailbox->name, (guchar) mailbox->delimiter) == role)
        guessed = mailbox->name;
    }
  if (guessed != NULL)
    return g_strdup (guessed);

  prefix = personal_prefix (client, cancellable);
  name = g_strconcat (prefix, default_folder_name (role), NULL);
  g_debug ("creating the folder %s", name);
  g_clear_object (&result);
  hy_imap_client_create_async (client, name, cancellable, _hy_outbox_store_result, &result);
  if (!hy_imap_client_mailbox_op_finish (client, _hy_outbox_wait (&result), error))
    return NULL;
  return g_steal_pointer (&name);
}

HyImapSelectResult *
_hy_outbox_imap_select (HyImapClient *client,
                        const char   *folder,
                        GCancellable *cancellable,
                        GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  HyImapSelectResult *selected;

  hy_imap_client_select_async (client, folder, FALSE, 0, 0, NULL, cancellable,
                               _hy_outbox_store_result, &result);
  selected = hy_imap_client_select_finish (client, _hy_outbox_wait (&result), &local_error);
  if (selected != NULL)
    return selected;
  if (!g_error_matches (local_error, HY_IMAP_ERROR, HY_IMAP_ERROR_REFUSED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  g_clear_object (&result);
  hy_imap_client_create_async (client, folder, cancellable, _hy_outbox_store_result, &result);
  if (!hy_imap_client_mailbox_op_finish (client, _hy_outbox_wait (&result), NULL))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  g_debug ("created the folder %s", folder);
  g_clear_object (&result);
  hy_imap_client_select_async (client, folder, FALSE, 0, 0, NULL, cancellable,
                               _hy_outbox_store_result, &result);
  return hy_imap_client_select_finish (client, _hy_outbox_wait (&result), error);
}

GArray *
_hy_outbox_imap_find_message_id (HyImapClient *client,
                                 const char   *message_id,
                                 GCancellable *cancellable,
                                 GError      **error)
{
  g_autoptr(GString) criteria = g_string_new ("HEADER Message-ID ");
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *bracketed = g_strdup_printf ("<%s>", message_id);
  HyImapSearch *search;
  GArray *uids;

  hy_imap_append_quoted (criteria, bracketed, strlen (bracketed));
  hy_imap_client_search_async (client, criteria->str, cancellable, _hy_outbox_store_result, &result);
  search = hy_imap_client_search_finish (client, _hy_outbox_wait (&result), error);
  if (search == NULL)
    return NULL;
  uids = search->numbers != NULL ? g_array_ref (search->numbers) : g_array_new (FALSE, FALSE, sizeof (guint32));
  hy_imap_search_free (search);
  return uids;
}

/* ---- message header ----------------------------------------------------- */

static void
add_addresses (GPtrArray           *out,
               InternetAddressList *list)
{
  int n = list != NULL ? internet_address_list_length (list) : 0;

  for (int i = 0; i < n; i++)
    {
      InternetAddress *ia = internet_address_list_get_address (list, i);

      if (INTERNET_ADDRESS_IS_GROUP (ia))
        add_addresses (out, internet_address_group_get_members (INTERNET_ADDRESS_GROUP (ia)));
      else if (INTERNET_ADDRESS_IS_MAILBOX (ia))
        {
          const char *addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia));

          if (addr != NULL && *addr != '\0'
              && !g_ptr_array_find_with_equal_func (out, addr, (GEqualFunc) g_str_equal, NULL))
            g_ptr_array_add (out, g_strdup (addr));
        }
    }
}

static char *
first_mailbox (InternetAddressList *list)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_free);

  add_addresses (all, list);
  return all->len > 0 ? g_strdup (g_ptr_array_index (all, 0)) : NULL;
}

gboolean
_hy_outbox_parse_header (GBytes     *message,
                         char      **subject,
                         char      **message_id,
                         char      **sender,
                         GPtrArray  *recipients,
                         GError    **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (message, &size);
  GMimeStream *stream;
  GMimeParser *parser;
  GMimeMessage *parsed;
  char *from;

  /* Only the header block matters here: do not parse a large body. */
  for (gsize i = 0; i + 1 < size; i++)
    if (data[i] == '\n' && (data[i + 1] == '\n'
                            || (data[i + 1] == '\r' && i + 2 < size && data[i + 2] == '\n')))
      {
        size = i + 1;
        break;
      }
  stream = g_mime_stream_mem_new_with_buffer ((const char *) data, size);
  parser = g_mime_parser_new_with_stream (stream);
  parsed = g_mime_parser_construct_message (parser, NULL);
  g_object_unref (parser);
  g_object_unref (stream);
  if (parsed == NULL)
    {
      g_set_error_literal (error, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_INVALID,
                           _ ("This is not an e-mail message: it has no header"));
      return FALSE;
    }

  from = first_mailbox (g_mime_message_get_sender (parsed));
  if (from == NULL)
    from = first_mailbox (g_mime_message_get_from (parsed));
  if (recipients != NULL)
    {
      add_addresses (recipients, g_mime_message_get_addresses (parsed, GMIME_ADDRESS_TYPE_TO));
      add_addresses (recipients, g_mime_message_get_addresses (parsed, GMIME_ADDRESS_TYPE_CC));
      add_addresses (recipients, g_mime_message_get_addresses (parsed, GMIME_ADDRESS_TYPE_BCC));
    }
  if (subject != NULL)
    *subject = g_strdup (g_mime_message_get_subject (parsed));
  if (message_id != NULL)
    *message_id = g_strdup (g_mime_message_get_message_id (parsed));
  g_object_unref (parsed);

  if (sender != NULL)
    *sender = from;
  else
    g_free (from);
  return TRUE;
}
