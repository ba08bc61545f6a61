/* hy-connection-pool.c — logged-in IMAP sessions of one account, shared by its sync threads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-sync"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "account/hy-certificate-pins.h"
#include "imap/hy-imap-error.h"
#include "net/hy-net-error.h"
#include "sync/hy-connection-pool.h"

/* Idle sessions kept for reuse. */
#define MAX_IDLE 2
/* Reads of a big FETCH may take long on slow links. */
#define TIMEOUT_SECONDS 120
#define MAX_LINE (16 * 1024 * 1024)

struct _HyConnectionPool {
  GObject        parent_instance;

  HyAccount     *account;
  HyAccount     *snapshot;    /* a copy never changed: read by sync threads */
  HyCredentials *credentials;

  GMutex         lock;
  char          *ca_file;
  char          *secret;
  GPtrArray     *idle;        /* HyImapClient */
  gulong         changed_id;
};

G_DEFINE_FINAL_TYPE (HyConnectionPool, hy_connection_pool, G_TYPE_OBJECT)

static void
hy_connection_pool_finalize (GObject *object)
{
  HyConnectionPool *self = HY_CONNECTION_POOL (object);

  if (self->account != NULL)
    g_clear_signal_handler (&self->changed_id, self->account);
  g_clear_pointer (&self->idle, g_ptr_array_unref);
  g_clear_pointer (&self->secret, hy_credentials_secret_free);
  g_free (self->ca_file);
  g_clear_object (&self->account);
  g_clear_object (&self->snapshot);
  g_clear_object (&self->credentials);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (hy_connection_pool_parent_class)->finalize (object);
}

static void
hy_connection_pool_class_init (HyConnectionPoolClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hy_connection_pool_finalize;
}

static void
hy_connection_pool_init (HyConnectionPool *self)
{
  g_mutex_init (&self->lock);
  self->idle = g_ptr_array_new_with_free_func (g_object_unref);
}

/* New settings (server, user, password): sessions made with the old ones
 * are not reused. */
HyAccount *
hy_connection_pool_copy_account (HyAccount *account)
{
  g_autoptr(GKeyFile) key_file = hy_account_to_key_file (account);
  g_autoptr(GError) error = NULL;
  HyAccount *copy = hy_account_new_from_key_file (hy_account_get_id (account), key_file, &error);

  if (copy == NULL)
    {
      g_warning ("Cannot copy the settings of %s: %s", hy_account_get_id (account), error->message);
      copy = hy_account_new (hy_account_get_id (account));
    }
  return copy;
}

static HyAccount *
get_snapshot (HyConnectionPool *self)
{
  HyAccount *snapshot;

  g_mutex_lock (&self->lock);
  snapshot = g_object_ref (self->snapshot);
  g_mutex_unlock (&self->lock);
  return snapshot;
}

static void
account_changed (HyConnectionPool *self)
{
  HyAccount *snapshot = hy_connection_pool_copy_account (self->account);

  g_mutex_lock (&self->lock);
  g_clear_object (&self->snapshot);
  self->snapshot = snapshot;
  g_mutex_unlock (&self->lock);
  hy_connection_pool_clear (self);
  hy_connection_pool_forget_secret (self);
}

HyConnectionPool *
hy_connection_pool_new (HyAccount     *account,
                        HyCredentials *credentials)
{
  HyConnectionPool *self;

  g_return_val_if_fail (HY_IS_ACCOUNT (account), NULL);

  self = g_object_new (HY_TYPE_CONNECTION_POOL, NULL);
  self->account = g_object_ref (account);
  self->snapshot = hy_connection_pool_copy_account (account);
  self->credentials = credentials != NULL ? g_object_ref (credentials) : NULL;
  self->changed_id = g_signal_connect_swapped (account, "changed", G_CALLBACK (account_changed), self);
  return self;
}

void
hy_connection_pool_set_ca_file (HyConnectionPool *self,
                                const char       *ca_file)
{
  g_return_if_fail (HY_IS_CONNECTION_POOL (self));

  g_mutex_lock (&self->lock);
  g_free (self->ca_file);
  self->ca_file = g_strdup (ca_file);
  g_mutex_unlock (&self->lock);
  hy_connection_pool_clear (self);
}

HyAccount *
hy_connection_pool_get_account (HyConnectionPool *self)
{
  g_return_val_if_fail (HY_IS_CONNECTION_POOL (self), NULL);

  return get_snapshot (self);
}

char *
hy_connection_pool_get_ca_file (HyConnectionPool *self)
{
  char *ca_file;

  g_return_val_if_fail (HY_IS_CONNECTION_POOL (self), NULL);

  g_mutex_lock (&self->lock);
  ca_file = g_strdup (self->ca_file);
  g_mutex_unlock (&self->lock);
  return ca_file;
}

void
hy_connection_pool_clear (HyConnectionPool *self)
{
  g_autoptr(GPtrArray) idle = NULL;

  g_return_if_fail (HY_IS_CONNECTION_POOL (self));

  g_mutex_lock (&self->lock);
  idle = g_steal_pointer (&self->idle);
  self->idle = g_ptr_array_new_with_free_func (g_object_unref);
  g_mutex_unlock (&self->lock);
}

void
hy_connection_pool_forget_secret (HyConnectionPool *self)
{
  g_return_if_fail (HY_IS_CONNECTION_POOL (self));

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->secret, hy_credentials_secret_free);
  g_mutex_unlock (&self->lock);
}

static gboolean
usable (HyImapClient *client)
{
  HyImapState state = hy_imap_client_get_state (client);

  return (state == HY_IMAP_STATE_AUTHENTICATED || state == HY_IMAP_STATE_SELECTED) &&
         hy_connection_is_connected (hy_imap_client_get_connection (client));
}

/* The secret, read from the keyring once; a copy for the caller. */
static char *
get_secret (HyConnectionPool  *self,
            HyAccount         *account,
            HySyncWait        *wait,
            const HyServerConfig *config,
            GCancellable      *cancellable,
            GError           **error)
{
  char *secret;

  g_mutex_lock (&self->lock);
  secret = g_strdup (self->secret);
  g_mutex_unlock (&self->lock);
  if (secret != NULL)
    return secret;

  if (self->credentials == NULL)
    {
      g_set_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_AUTH_FAILED,
                   _ ("No password is stored for %s on %s."), config->user, config->host);
      return NULL;
    }
  hy_credentials_lookup_async (self->credentials, hy_account_get_id (account), "imap",
                               config->host, config->user, cancellable, hy_sync_wait_cb, wait);
  secret = hy_credentials_lookup_finish (self->credentials, hy_sync_wait (wait), error);
  if (secret == NULL)
    {
      if (error == NULL || *error == NULL)
        g_set_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_AUTH_FAILED,
                     _ ("No password is stored for %s on %s; enter it in the account settings."),
                     config->user, config->host);
      return NULL;
    }
  g_mutex_lock (&self->lock);
  if (self->secret == NULL)
    self->secret = g_strdup (secret);
  g_mutex_unlock (&self->lock);
  return secret;
}

/* A certificate the user chose to trust for this account and server
 * ("Trust this certificate" in the assistant or after a certificate
 * error).  The pins file is read for every new session, so that a pin
 * made while the account is already syncing applies on the next
 * connection; it is small and sessions are kept for reuse. */
gboolean
hy_connection_pool_apply_pinned_certificate (HyConnection          *connection,
                                             HyAccount             *account,
                                             const HyServerConfig  *config,
                                             GError               **error)
{
  g_autoptr(HyCertificatePins) pins = hy_certificate_pins_new_default ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *sha256 = NULL;

  if (!hy_certificate_pins_load (pins, &local_error))
    {
      /* An unreadable file trusts nothing more than the system does. */
      g_warning ("Cannot read the trusted certificates: %s", local_error->message);
      return TRUE;
    }
  sha256 = hy_certificate_pins_lookup (pins, hy_account_get_id (account), config);
  if (sha256 == NULL)
    return TRUE;
  return hy_connection_set_pinned_certificate (connection, sha256, error);
}

static HyImapClient *
open_session (HyConnectionPool  *self,
              HySyncWait        *wait,
              GCancellable      *cancellable,
              GError           **error)
{
  g_autoptr(HyAccount) account = get_snapshot (self);
  const HyServerConfig *config = hy_account_get_incoming (account);
  g_autoptr(HyConnection) connection = NULL;
  g_autoptr(HyImapClient) client = NULL;
  g_autofree char *ca_file = NULL;
  char *secret;
  gboolean ok;
  HyNetSecurity security;

  if (config == NULL || config->protocol != HY_SERVER_PROTOCOL_IMAP || config->host == NULL)
    {
      g_set_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_STATE,
                   _ ("The account %s has no IMAP server."), hy_account_get_id (account));
      return NULL;
    }
  switch (config->security)
    {
    case HY_SERVER_SECURITY_STARTTLS: security = HY_NET_SECURITY_STARTTLS; break;
    case HY_SERVER_SECURITY_NONE: security = HY_NET_SECURITY_NONE; break;
    case HY_SERVER_SECURITY_TLS:
    default: security = HY_NET_SECURITY_TLS; break;
    }
  connection = hy_connection_new (config->host, config->port, security);
  hy_connection_set_auth_mechanism (connection, config->auth_mechanism);
  g_mutex_lock (&self->lock);
  ca_file = g_strdup (self->ca_file);
  g_mutex_unlock (&self->lock);
  if (ca_file != NULL)
    hy_connection_set_ca_file (connection, ca_file);
  if (!hy_connection_pool_apply_pinned_certificate (connection, account, config, error))
    return NULL;
  /* Plain text is only ever configured for a local test server. */
  if (security == HY_NET_SECURITY_NONE)
    hy_connection_set_allow_plaintext_auth (connection, TRUE);
  hy_connection_set_timeout (connection, TIMEOUT_SECONDS);
  hy_connection_set_max_line_length (connection, MAX_LINE);
  client = hy_imap_client_new (connection);

  hy_imap_client_connect_async (client, cancellable, hy_sync_wait_cb, wait);
  if (!hy_imap_client_connect_finish (client, hy_sync_wait (wait), error))
    return NULL;

  secret = get_secret (self, account, wait, config, cancellable, error);
  if (secret == NULL)
    return NULL;
  hy_imap_client_login_async (client, config->user, secret,
                              g_strcmp0 (config->auth_mechanism, "XOAUTH2") == 0,
                              cancellable, hy_sync_wait_cb, wait);
  hy_credentials_secret_free (secret);
  if (!hy_imap_client_login_finish (client, hy_sync_wait (wait), error))
    return NULL;

  if (hy_imap_client_has_capability (client, "ENABLE") &&
      (hy_imap_client_has_capability (client, "QRESYNC") || hy_imap_client_has_capability (client, "CONDSTORE")))
    {
      const char *qresync[] = { "QRESYNC", NULL };
      const char *condstore[] = { "CONDSTORE", NULL };
      g_auto(GStrv) enabled = NULL;

      hy_imap_client_enable_async (client,
                                   hy_imap_client_has_capability (client, "QRESYNC") ? qresync : condstore,
                                   cancellable, hy_sync_wait_cb, wait);
      enabled = hy_imap_client_enable_finish (client, hy_sync_wait (wait), error);
      if (enabled == NULL)
        return NULL;
    }
  ok = usable (client);
  if (!ok)
    {
      g_set_error (error, HY_NET_ERROR, HY_NET_ERROR_CLOSED,
                   _ ("The IMAP server %s closed the connection after login."), config->host);
      return NULL;
    }
  return g_steal_pointer (&client);
}

HyImapClient *
hy_connection_pool_acquire (HyConnectionPool  *self,
                            HySyncWait        *wait,
                            GCancellable      *cancellable,
                            GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  HyImapClient *client = NULL;

  g_return_val_if_fail (HY_IS_CONNECTION_POOL (self), NULL);

  g_mutex_lock (&self->lock);
  while (client == NULL && self->idle->len > 0)
    {
      client = g_ptr_array_steal_index (self->idle, self->idle->len - 1);
      if (!usable (client))
        g_clear_object (&client);
    }
  g_mutex_unlock (&self->lock);
  if (client != NULL)
    return client;

  client = open_session (self, wait, cancellable, &local_error);
  if (client == NULL)
    {
      if (g_error_matches (local_error, HY_IMAP_ERROR, HY_IMAP_ERROR_AUTH_FAILED))
        hy_connection_pool_forget_secret (self);
      g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return client;
}

void
hy_connection_pool_release (HyConnectionPool *self,
                            HyImapClient     *client)
{
  g_return_if_fail (HY_IS_CONNECTION_POOL (self));

  if (client == NULL)
    return;
  g_mutex_lock (&self->lock);
  if (usable (client) && self->idle->len < MAX_IDLE)
    client = (g_ptr_array_add (self->idle, client), NULL);
  g_mutex_unlock (&self->lock);
  g_clear_object (&client);
}
