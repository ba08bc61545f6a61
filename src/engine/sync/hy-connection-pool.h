/* hy-connection-pool.h — logged-in IMAP sessions of one account, shared by its sync threads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "account/hy-account.h"
#include "account/hy-credentials.h"
#include "imap/hy-imap-client.h"
#include "sync/hy-sync-wait.h"

G_BEGIN_DECLS

#define HY_TYPE_CONNECTION_POOL (hy_connection_pool_get_type ())

G_DECLARE_FINAL_TYPE (HyConnectionPool, hy_connection_pool, HY, CONNECTION_POOL, GObject)

/* Sessions are made on demand (connect, TLS, login with the secret from
 * HyCredentials, ENABLE QRESYNC or CONDSTORE) and kept for reuse when
 * released in a usable state; one of them is usually held for IDLE by
 * the account's sync thread, the others serve passes and bodies opened
 * by the user.  Thread-safe; the blocking calls run on the context of
 * @wait, which the calling thread pushed. */
HyConnectionPool *hy_connection_pool_new         (HyAccount         *account,
                                                  HyCredentials     *credentials);
void              hy_connection_pool_set_ca_file (HyConnectionPool  *self,
                                                  const char        *ca_file);
/* The account's settings as they are now, in an object that never
 * changes (safe to read from any thread); unref it when done. */
HyAccount        *hy_connection_pool_get_account (HyConnectionPool  *self);
/* A copy of @account that is never changed. */
HyAccount        *hy_connection_pool_copy_account (HyAccount        *account);
/* A copy of the extra CA file, or NULL. */
char             *hy_connection_pool_get_ca_file (HyConnectionPool  *self);
HyImapClient     *hy_connection_pool_acquire     (HyConnectionPool  *self,
                                                  HySyncWait        *wait,
                                                  GCancellable      *cancellable,
                                                  GError           **error);
/* Gives @client back; it is kept when still logged in and idle (up to a
 * few), else closed. */
void              hy_connection_pool_release     (HyConnectionPool  *self,
                                                  HyImapClient      *client);
/* Drops the idle sessions (after a network change or a failure). */
void              hy_connection_pool_clear       (HyConnectionPool  *self);
/* Forgets the secret read from HyCredentials (after it was refused). */
void              hy_connection_pool_forget_secret (HyConnectionPool *self);

/* Trusts on @connection the certificate that the user pinned for @config
 * of @account (see account/hy-certificate-pins.h), if any; the pins are
 * read from the user's file each time.  Used for every connection an
 * account makes (IMAP, POP3, SMTP). */
gboolean          hy_connection_pool_apply_pinned_certificate (HyConnection         *connection,
                                                               HyAccount            *account,
                                                               const HyServerConfig *config,
                                                               GError              **error);

G_END_DECLS
