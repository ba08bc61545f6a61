/* hy-imap-client.h — an IMAP4rev1 client session on one connection
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "imap/hy-imap-response.h"
#include "net/hy-connection.h"

G_BEGIN_DECLS

/*
 * HyImapClient runs one IMAP session over a HyConnection:
 *
 *   client = hy_imap_client_new (hy_connection_new (host, 993, HY_NET_SECURITY_TLS));
 *   hy_imap_client_connect_async (…)     greeting, STARTTLS if required, CAPABILITY
 *   hy_imap_client_login_async (…)       SASL (SASL-IR) or LOGIN; capabilities refreshed
 *   hy_imap_client_enable_async (…)      CONDSTORE, QRESYNC, UTF8=ACCEPT as wanted
 *   hy_imap_client_select_async (…)      then fetch, search, store, move, idle…
 *   hy_imap_client_logout_async (…)
 *
 * Use it from one thread; results are delivered on the thread-default main
 * context of the caller.  Calls may be made without waiting for earlier
 * ones: commands are queued in order, and independent ones are pipelined.
 * A command that needs a selected mailbox may be queued right behind the
 * SELECT.  Cancelling a queued command withdraws it; cancelling one already
 * sent only stops waiting for it (the session stays in step with the
 * server); cancelling IDLE ends it cleanly with DONE, and the call then
 * returns G_IO_ERROR_CANCELLED.
 *
 * Errors: HY_NET_ERROR for the connection, TLS and STARTTLS (passed through
 * from the connection layer), HY_IMAP_ERROR for what the server answered or
 * broke, G_IO_ERROR_INVALID_ARGUMENT for arguments that cannot be sent
 * (a malformed UID set, a keyword that is not an atom), G_IO_ERROR_CANCELLED.
 * After a connection or protocol error every further call fails at once
 * with HY_IMAP_ERROR_STATE.
 */

#define HY_TYPE_IMAP_CLIENT (hy_imap_client_get_type ())
G_DECLARE_FINAL_TYPE (HyImapClient, hy_imap_client, HY, IMAP_CLIENT, GObject)

typedef enum {
  HY_IMAP_STATE_DISCONNECTED,
  HY_IMAP_STATE_NOT_AUTHENTICATED,
  HY_IMAP_STATE_AUTHENTICATED,
  HY_IMAP_STATE_SELECTED,
  HY_IMAP_STATE_LOGOUT,
} HyImapState;

/* ---- results ------------------------------------------------------------ */

/**
 * HyImapSelectResult:
 * @name: the mailbox (UTF-8)
 * @read_only: EXAMINE, or the server answered [READ-ONLY]
 * @exists: number of messages
 * @uidvalidity: 0 if the server did not say
 * @uidnext: 0 if the server did not say
 * @highestmodseq: 0 with [NOMODSEQ] or without CONDSTORE
 * @flags: (array zero-terminated=1): FLAGS
 * @permanent_flags: (array zero-terminated=1): PERMANENTFLAGS; never %NULL
 * @vanished: (element-type HyImapRange): QRESYNC: UIDs gone since the given
 *   MODSEQ; never %NULL
 * @changed: (element-type HyImapFetch): QRESYNC: messages changed since the
 *   given MODSEQ; never %NULL
 */
typedef struct {
  char      *name;
  gboolean   read_only;
  guint32    exists;
  guint32    recent;
  guint32    uidvalidity;
  guint32    uidnext;
  guint32    unseen;
  guint64    highestmodseq;
  char     **flags;
  char     **permanent_flags;
  GArray    *vanished;
  GPtrArray *changed;
} HyImapSelectResult;

void hy_imap_select_result_free (HyImapSelectResult *result);

/**
 * HyImapCopyResult:
 * @uidvalidity: of the destination; 0 if the server lacks UIDPLUS
 * @source: (element-type HyImapRange) (nullable): UIDs in the source
 * @dest: (element-type HyImapRange) (nullable): their new UIDs, in the same
 *   order
 */
typedef struct {
  guint32  uidvalidity;
  GArray  *source;
  GArray  *dest;
} HyImapCopyResult;

void hy_imap_copy_result_free (HyImapCopyResult *result);

/**
 * HyImapStoreResult:
 * @fetches: (element-type HyImapFetch): the new flags the server reported
 * @modified: (element-type HyImapRange) (nullable): with UNCHANGEDSINCE, the
 *   UIDs that were not changed because they had been modified since
 */
typedef struct {
  GPtrArray *fetches;
  GArray    *modified;
} HyImapStoreResult;

void hy_imap_store_result_free (HyImapStoreResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyImapSelectResult, hy_imap_select_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyImapCopyResult, hy_imap_copy_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyImapStoreResult, hy_imap_store_result_free)

typedef enum {
  HY_IMAP_LIST_DEFAULT = 0,
  HY_IMAP_LIST_SUBSCRIBED = 1 << 0,   /* LSUB, or LIST (SUBSCRIBED) */
  HY_IMAP_LIST_STATUS = 1 << 1,       /* STATUS of each mailbox */
} HyImapListFlags;

typedef enum {
  HY_IMAP_STORE_ADD,
  HY_IMAP_STORE_REMOVE,
  HY_IMAP_STORE_REPLACE,
} HyImapStoreMode;

/* Called for every FETCH result as it arrives (streaming a large FETCH). */
typedef void (*HyImapFetchFunc) (HyImapFetch *fetch,
                                 gpointer     user_data);

/* ---- session ------------------------------------------------------------ */

HyImapClient *hy_imap_client_new              (HyConnection        *connection);
HyConnection *hy_imap_client_get_connection   (HyImapClient        *self);
HyImapState   hy_imap_client_get_state        (HyImapClient        *self);
const char * const *hy_imap_client_get_capabilities (HyImapClient  *self);
gboolean      hy_imap_client_has_capability   (HyImapClient        *self,
                                               const char          *capability);
const char   *hy_imap_client_get_selected     (HyImapClient        *self);
guint32       hy_imap_client_get_exists       (HyImapClient        *self);
void          hy_imap_client_set_idle_timeout (HyImapClient        *self,
                                               guint                seconds);

void     hy_imap_client_connect_async    (HyImapClient        *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean hy_imap_client_connect_finish   (HyImapClient        *self,
                                          GAsyncResult        *result,
                                          GError             **error);

void     hy_imap_client_login_async      (HyImapClient        *self,
                                          const char          *user,
                                          const char          *secret,
                                          gboolean             oauth2,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean hy_imap_client_login_finish     (HyImapClient        *self,
                                          GAsyncResult        *result,
                                          GError             **error);

void     hy_imap_client_capability_async (HyImapClient        *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean hy_imap_client_capability_finish (HyImapClient       *self,
                                          GAsyncResult        *result,
                                          GError             **error);

void     hy_imap_client_enable_async     (HyImapClient        *self,
                                          const char * const  *extensions,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
char   **hy_imap_client_enable_finish    (HyImapClient        *self,
                                          GAsyncResult        *result,
                                          GError             **error);

void     hy_imap_client_id_async         (HyImapClient        *self,
                                          const char * const  *client_id,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
char   **hy_imap_client_id_finish        (HyImapClient        *self,
                                          GAsyncResult        *result,
                                          GError             **error);

void     hy_imap_client_namespace_async  (HyImapClient        *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
HyImapNamespace *hy_imap_client_namespace_finish (HyImapClient *self,
                                          GAsyncResult        *result,
                                          GError             **error);

void     hy_imap_client_compress_async   (HyImapClient        *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean hy_imap_client_compress_finish  (HyImapClient        *self,
                                          GAsyncResult        *result,
                                          GError             **error);

void     hy_imap_client_noop_async       (HyImapClient        *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean hy_imap_client_noop_finish      (HyImapClient        *self,
                                          GAsyncResult        *result,
                                          GError             **error);

void     hy_imap_client_logout_async     (HyImapClient        *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean hy_imap_client_logout_finish    (HyImapClient        *self,
                                          GAsyncResult        *result,
                                          GError             **error);

/* ---- mailboxes ---------------------------------------------------------- */

void       hy_imap_client_list_async     (HyImapClient        *self,
                                          const char          *reference,
                                          const char          *pattern,
                                          HyImapListFlags      flags,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
GPtrArray *hy_imap_client_list_finish    (HyImapClient        *self,
                                          GAsyncResult        *result,
                                          GError             **error);

void       hy_imap_client_status_async   (HyImapClient        *self,
                                          const char          *mailbox,
                                          HyImapStatusItems    items,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
HyImapStatus *hy_imap_client_status_finish (HyImapClient      *self,
                                          GAsyncResult        *result,
                                          GError             **error);

void     hy_imap_client_create_async     (HyImapClient        *self,
                                          const char          *mailbox,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
void     hy_imap_client_delete_async     (HyImapClient        *self,
                                          const char          *mailbox,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
void     hy_imap_client_rename_async     (HyImapClient        *self,
                                          const char          *mailbox,
                                          const char          *new_name,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
void     hy_imap_client_subscribe_async  (HyImapClient        *self,
                                          const char          *mailbox,
                                          gboolean             subscribe,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
/* Finishes create, delete, rename and subscribe. */
gboolean hy_imap_client_mailbox_op_finish (HyImapClient       *self,
                                          GAsyncResult        *result,
                                          GError             **error);

void     hy_imap_client_select_async     (HyImapClient        *self,
                                          const char          *mailbox,
                                          gboolean             read_only,
                                          guint32              qresync_uidvalidity,
                                          guint64              qresync_modseq,
                                          const char          *qresync_known_uids,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
HyImapSelectResult *hy_imap_client_select_finish (HyImapClient *self,
                                          GAsyncResult        *result,
                                          GError             **error);

/* ---- messages ----------------------------------------------------------- */

void       hy_imap_client_fetch_async    (HyImapClient        *self,
                                          const char          *uid_set,
                                          HyImapFetchItems     items,
                                          const char * const  *sections,
                                          guint64              changed_since,
                                          HyImapFetchFunc      each,
                                          gpointer             each_data,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
void       hy_imap_client_fetch_views_async (HyImapClient        *self,
                                             const char          *uid_set,
                                             HyImapFetchItems     items,
                                             const char * const  *sections,
                                             guint64              changed_since,
                                             HyImapFetchViewFunc  each,
                                             gpointer             each_data,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
GPtrArray *hy_imap_client_fetch_finish   (HyImapClient        *self,
                                          GAsyncResult        *result,
                                          GError             **error);

void          hy_imap_client_search_async  (HyImapClient      *self,
                                            const char        *criteria,
                                            GCancellable      *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer           user_data);
HyImapSearch *hy_imap_client_search_finish (HyImapClient      *self,
                                            GAsyncResult      *result,
                                            GError           **error);

void     hy_imap_client_store_async      (HyImapClient        *self,
                                          const char          *uid_set,
                                          HyImapStoreMode      mode,
                                          const char * const  *flags,
                                          guint64              unchanged_since,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
HyImapStoreResult *hy_imap_client_store_finish (HyImapClient  *self,
                                          GAsyncResult        *result,
                                          GError             **error);

void     hy_imap_client_copy_async       (HyImapClient        *self,
                                          const char          *uid_set,
                                          const char          *destination,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
void     hy_imap_client_move_async       (HyImapClient        *self,
                                          const char          *uid_set,
                                          const char          *destination,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
/* Finishes copy and move. */
HyImapCopyResult *hy_imap_client_copy_finish (HyImapClient    *self,
                                          GAsyncResult        *result,
                                          GError             **error);

void     hy_imap_client_append_async     (HyImapClient        *self,
                                          const char          *mailbox,
                                          GBytes              *message,
                                          const char * const  *flags,
                                          GDateTime           *internal_date,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean hy_imap_client_append_finish    (HyImapClient        *self,
                                          GAsyncResult        *result,
                                          guint32             *uidvalidity,
                                          guint32             *uid,
                                          GError             **error);

void     hy_imap_client_expunge_async    (HyImapClient        *self,
                                          const char          *uid_set,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean hy_imap_client_expunge_finish   (HyImapClient        *self,
                                          GAsyncResult        *result,
                                          GError             **error);

void       hy_imap_client_idle_async     (HyImapClient        *self,
                                          guint                timeout_seconds,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
GPtrArray *hy_imap_client_idle_finish    (HyImapClient        *self,
                                          GAsyncResult        *result,
                                          GError             **error);
void       hy_imap_client_idle_stop      (HyImapClient        *self);

G_END_DECLS
