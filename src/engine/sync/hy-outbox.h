/* hy-outbox.h — one account's durable outbox: queued messages sent over SMTP and filed in Sent
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "account/hy-account.h"
#include "account/hy-credentials.h"
#include "store/hy-store.h"
#include "sync/hy-outbox-error.h"

G_BEGIN_DECLS

/**
 * HyOutboxState:
 * @HY_OUTBOX_STATE_QUEUED: waiting for its send time (the undo delay, or
 *   the next retry after a temporary failure)
 * @HY_OUTBOX_STATE_SENDING: a worker has taken it and is talking to the
 *   SMTP server; it can no longer be cancelled
 * @HY_OUTBOX_STATE_SENT: the SMTP server accepted it; the copy in Sent is
 *   still to be made
 * @HY_OUTBOX_STATE_DONE: sent and filed
 * @HY_OUTBOX_STATE_FAILED: the server refused it for good; @last_error has
 *   the server's words.  The user edits and queues it again, retries it, or
 *   cancels it.
 *
 * A row goes QUEUED -> SENDING -> SENT -> DONE, each step one SQLite
 * commit.  After a crash, SENDING rows go back to QUEUED (nothing was
 * delivered unless the crash fell between the server's final 250 and the
 * commit of SENT: the only possible duplicate), and SENT rows get their
 * Sent copy (made at most once: a copy with the same Message-ID is looked
 * for first).
 */
typedef enum {
  HY_OUTBOX_STATE_QUEUED = 0,
  HY_OUTBOX_STATE_SENDING,
  HY_OUTBOX_STATE_SENT,
  HY_OUTBOX_STATE_DONE,
  HY_OUTBOX_STATE_FAILED,
} HyOutboxState;

const char *hy_outbox_state_to_string (HyOutboxState state);

/**
 * HyOutboxEntry:
 * @id: the row id, stable for the life of the message in the outbox
 * @state: see #HyOutboxState
 * @queued: when it was queued (Unix time)
 * @send_after: not sent before this time (Unix time): the undo delay, then
 *   the backoff after temporary failures
 * @attempts: how many times sending failed
 * @sender: the envelope sender (MAIL FROM)
 * @recipients: (array zero-terminated=1): the envelope recipients (RCPT TO),
 *   including Bcc
 * @subject: (nullable): decoded Subject
 * @message_id: (nullable): Message-ID without angle brackets
 * @size: size of the message in bytes
 * @last_error: (nullable): why the last attempt failed, in the server's
 *   words where it gave any
 * @sent: when the SMTP server accepted it (Unix time), or 0
 *
 * One queued message, without its bytes (hy_outbox_get_message()).
 */
typedef struct {
  gint64         id;
  HyOutboxState  state;
  gint64         queued;
  gint64         send_after;
  guint          attempts;
  char          *sender;
  char         **recipients;
  char          *subject;
  char          *message_id;
  gint64         size;
  char          *last_error;
  gint64         sent;
} HyOutboxEntry;

#define HY_TYPE_OUTBOX_ENTRY (hy_outbox_entry_get_type ())
GType          hy_outbox_entry_get_type (void) G_GNUC_CONST;
HyOutboxEntry *hy_outbox_entry_copy     (const HyOutboxEntry *entry);
void           hy_outbox_entry_free     (HyOutboxEntry       *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyOutboxEntry, hy_outbox_entry_free)

#define HY_TYPE_OUTBOX (hy_outbox_get_type ())
G_DECLARE_FINAL_TYPE (HyOutbox, hy_outbox, HY, OUTBOX, GObject)

/*
 * Use: one HyOutbox per account, over the account's store (the outbox rows
 * live in the same database).  hy_outbox_queue*() stores the finished
 * RFC 5322 bytes durably and returns; nothing goes on the wire before that
 * commit.  hy_outbox_flush_async() sends what is due now; hy_outbox_start()
 * keeps a worker that flushes when a message falls due, when the network
 * comes back, and retries temporary failures with exponential backoff
 * (30 s, 1, 2, 4 … min, at most 1 h).  Only one process sends an account's
 * outbox at a time (a lock file beside the database).
 *
 * Signals (emitted on the thread-default main context of the creator):
 * "changed" () — rows were added, removed or changed state;
 * "sent" (gint64 id, HyOutboxEntry *entry) — the SMTP server accepted the
 *   message (the Sent copy may still follow);
 * "failed" (gint64 id, HyOutboxEntry *entry, GError *error, gboolean permanent)
 *   — an attempt failed; when @permanent the row is FAILED and waits for
 *   the user, otherwise it is retried at entry->send_after.
 */

HyOutbox      *hy_outbox_new              (HyAccount           *account,
                                           HyCredentials       *credentials,
                                           HyStore             *store);
HyAccount     *hy_outbox_get_account      (HyOutbox            *self);
/* Certificate authorities trusted in addition to the system's (PEM), for
 * servers with a private CA. */
void           hy_outbox_set_ca_file      (HyOutbox            *self,
                                           const char          *ca_file);

/* Queues @message (the finished bytes, Bcc header included: it is removed
 * from what goes to the SMTP server and kept in the Sent copy) to be sent
 * in @delay_seconds (0: at once).  Sender and recipients come from the
 * header (From/Sender, To/Cc/Bcc).  Returns the new row id, or 0.
 * Blocking (one SQLite commit); the main thread uses the async version. */
gint64         hy_outbox_queue            (HyOutbox            *self,
                                           GBytes              *message,
                                           guint                delay_seconds,
                                           GError             **error);
void           hy_outbox_queue_async      (HyOutbox            *self,
                                           GBytes              *message,
                                           guint                delay_seconds,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gint64         hy_outbox_queue_finish     (HyOutbox            *self,
                                           GAsyncResult        *result,
                                           GError             **error);

/* The rows, oldest first (element-type HyOutboxEntry); DONE rows (kept
 * for a week after sending) only with @include_done. Blocking; short. */
GPtrArray     *hy_outbox_list             (HyOutbox            *self,
                                           gboolean             include_done,
                                           GError             **error);
void           hy_outbox_list_async       (HyOutbox            *self,
                                           gboolean             include_done,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
GPtrArray     *hy_outbox_list_finish      (HyOutbox            *self,
                                           GAsyncResult        *result,
                                           GError             **error);
HyOutboxEntry *hy_outbox_get_entry        (HyOutbox            *self,
                                           gint64               id,
                                           GError             **error);
/* The bytes of a queued message (to edit a failed one). */
GBytes        *hy_outbox_get_message      (HyOutbox            *self,
                                           gint64               id,
                                           GError             **error);

/* Undo send: removes a QUEUED or FAILED row and returns its bytes (to
 * reopen in the composer).  Fails with HY_OUTBOX_ERROR_TOO_LATE once a
 * worker has taken it. */
GBytes        *hy_outbox_cancel           (HyOutbox            *self,
                                           gint64               id,
                                           GError             **error);
void           hy_outbox_cancel_async     (HyOutbox            *self,
                                           gint64               id,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
GBytes        *hy_outbox_cancel_finish    (HyOutbox            *self,
                                           GAsyncResult        *result,
                                           GError             **error);

/* Makes a FAILED or waiting QUEUED row due now (the next flush sends it). */
gboolean       hy_outbox_retry            (HyOutbox            *self,
                                           gint64               id,
                                           GError             **error);

/**
 * HyOutboxFlushResult:
 * @n_sent: messages the SMTP server accepted in this flush
 * @n_failed: messages refused for good (now FAILED)
 * @n_deferred: messages that met a temporary failure (retried later)
 * @n_waiting: messages not yet due (undo delay or backoff)
 */
typedef struct {
  guint n_sent;
  guint n_failed;
  guint n_deferred;
  guint n_waiting;
} HyOutboxFlushResult;

/* Sends every due message over one SMTP session (RSET between them), files
 * them in Sent over IMAP, and marks them done.  Per-message failures are
 * counted in @result, not returned as an error; the error is for a
 * failure of the outbox itself (storage, or HY_OUTBOX_ERROR_BUSY). */
void           hy_outbox_flush_async      (HyOutbox            *self,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gboolean       hy_outbox_flush_finish     (HyOutbox            *self,
                                           GAsyncResult        *result,
                                           HyOutboxFlushResult *out_result,
                                           GError             **error);

/* The background worker: flushes when a row falls due, after queueing,
 * and when the network comes back. */
/* The largest message the outgoing server takes (its EHLO SIZE) as seen
 * on the last connection: bytes, 0 when it announces no limit, -1 when
 * no connection was made yet. */
gint64         hy_outbox_get_size_limit   (HyOutbox            *self);
/* Connects to the outgoing server (EHLO, authentication), only to learn
 * its SIZE, and quits; returns it as hy_outbox_get_size_limit() would
 * then, or -1 with the connection's error.  A cancelled probe returns at
 * once (its connection ends by itself). */
void           hy_outbox_probe_size_limit_async  (HyOutbox            *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gint64         hy_outbox_probe_size_limit_finish (HyOutbox            *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

void           hy_outbox_start            (HyOutbox            *self);
void           hy_outbox_stop             (HyOutbox            *self);

G_END_DECLS
