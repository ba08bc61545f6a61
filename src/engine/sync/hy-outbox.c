/* hy-outbox.c — one account's durable outbox: queued messages sent over SMTP and filed in Sent
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-outbox"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "net/hy-net-error.h"
#include "smtp/hy-smtp-error.h"
#include "sync/hy-outbox.h"
#include "sync/hy-outbox-private.h"

#define BACKOFF_FIRST 30        /* seconds */
#define BACKOFF_MAX   3600
#define SENT_RETRY    60        /* seconds before a failed Sent copy is tried again */
#define KEEP_DONE     (7 * 24 * 3600)  /* seconds a sent and filed row is kept */

struct _HyOutbox {
  GObject          parent_instance;

  HyAccount       *account;
  HyCredentials   *credentials;
  HyStore         *store;
  char            *ca_file;
  GMainContext    *context;

  GMutex           db_lock;
  sqlite3         *db;

  /* the background worker, on self->context */
  gboolean         running;
  gboolean         flushing;
  gboolean         flush_again;
  GSource         *timer;
  GCancellable    *worker_cancellable;
  GNetworkMonitor *monitor;
  GSource         *monitor_source;
  gulong           network_handler;

  /* The outgoing server's SIZE as last seen (0: none announced), or -1
   * before any connection; written from the worker threads. */
  gint64           size_limit;
};

G_DEFINE_FINAL_TYPE (HyOutbox, hy_outbox, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (HyOutboxEntry, hy_outbox_entry, hy_outbox_entry_copy, hy_outbox_entry_free)

enum {
  SIGNAL_CHANGED,
  SIGNAL_SENT,
  SIGNAL_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void reschedule (HyOutbox *self);

/* ---- entries ------------------------------------------------------------ */

const char *
hy_outbox_state_to_string (HyOutboxState state)
{
  switch (state)
    {
    case HY_OUTBOX_STATE_QUEUED:
      return "queued";
    case HY_OUTBOX_STATE_SENDING:
      return "sending";
    case HY_OUTBOX_STATE_SENT:
      return "sent";
    case HY_OUTBOX_STATE_DONE:
      return "done";
    case HY_OUTBOX_STATE_FAILED:
      return "failed";
    default:
      return "unknown";
    }
}

HyOutboxEntry *
hy_outbox_entry_copy (const HyOutboxEntry *entry)
{
  HyOutboxEntry *copy = g_new0 (HyOutboxEntry, 1);

  *copy = *entry;
  copy->sender = g_strdup (entry->sender);
  copy->recipients = g_strdupv (entry->recipients);
  copy->subject = g_strdup (entry->subject);
  copy->message_id = g_strdup (entry->message_id);
  copy->last_error = g_strdup (entry->last_error);
  return copy;
}

void
hy_outbox_entry_free (HyOutboxEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->sender);
  g_strfreev (entry->recipients);
  g_free (entry->subject);
  g_free (entry->message_id);
  g_free (entry->last_error);
  g_free (entry);
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* ---- signals from any thread -------------------------------------------- */

typedef struct {
  HyOutbox      *self;
  guint          signal;
  gint64         id;
  HyOutboxEntry *entry;
  GError        *error;
  gboolean       permanent;
} Emission;

static gboolean
emit_now (gpointer data)
{
  Emission *e = data;

  switch (e->signal)
    {
    case SIGNAL_SENT:
      g_signal_emit (e->self, signals[SIGNAL_SENT], 0, e->id, e->entry);
      break;
    case SIGNAL_FAILED:
      g_signal_emit (e->self, signals[SIGNAL_FAILED], 0, e->id, e->entry, e->error, e->permanent);
      break;
    case SIGNAL_CHANGED:
    default:
      g_signal_emit (e->self, signals[SIGNAL_CHANGED], 0);
      if (e->self->running)
        reschedule (e->self);
      break;
    }
  return G_SOURCE_REMOVE;
}

static void
emission_free (gpointer data)
{
  Emission *e = data;

  g_object_unref (e->self);
  hy_outbox_entry_free (e->entry);
  g_clear_error (&e->error);
  g_free (e);
}

static void
emit (HyOutbox      *self,
      guint          signal,
      gint64         id,
      HyOutboxEntry *entry,
      const GError  *error,
      gboolean       permanent)
{
  Emission *e = g_new0 (Emission, 1);

  e->self = g_object_ref (self);
  e->signal = signal;
  e->id = id;
  e->entry = entry;
  e->error = error != NULL ? g_error_copy (error) : NULL;
  e->permanent = permanent;
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_now, e, emission_free);
}

/* ---- database ----------------------------------------------------------- */

#define ENTRY_COLUMNS "id, state, queued, send_after, attempts, sender, recipients, subject, " \
                      "message_id, size, last_error, sent"

/* Call with db_lock held. */
static gboolean
ensure_db (HyOutbox  *self,
           GError   **error)
{
  if (self->db == NULL)
    self->db = _hy_outbox_open_db (self->store, error);
  return self->db != NULL;
}

static char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

static HyOutboxEntry *
entry_from_row (sqlite3_stmt *stmt)
{
  HyOutboxEntry *entry = g_new0 (HyOutboxEntry, 1);
  const char *recipients = (const char *) sqlite3_column_text (stmt, 6);

  entry->id = sqlite3_column_int64 (stmt, 0);
  entry->state = sqlite3_column_int (stmt, 1);
  entry->queued = sqlite3_column_int64 (stmt, 2);
  entry->send_after = sqlite3_column_int64 (stmt, 3);
  entry->attempts = sqlite3_column_int (stmt, 4);
  entry->sender = column_text (stmt, 5);
  entry->recipients = g_strsplit (recipients != NULL ? recipients : "", "\n", -1);
  entry->subject = column_text (stmt, 7);
  entry->message_id = column_text (stmt, 8);
  entry->size = sqlite3_column_int64 (stmt, 9);
  entry->last_error = column_text (stmt, 10);
  entry->sent = sqlite3_column_int64 (stmt, 11);
  if (entry->recipients[0] != NULL && entry->recipients[0][0] == '\0')
    {
      g_strfreev (entry->recipients);
      entry->recipients = g_new0 (char *, 1);
    }
  return entry;
}

/* Call with db_lock held. */
static HyOutboxEntry *
load_entry (HyOutbox  *self,
            gint64     id,
            GBytes   **raw,
            GError   **error)
{
  sqlite3_stmt *stmt = NULL;
  HyOutboxEntry *entry = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db, "SELECT " ENTRY_COLUMNS ", raw FROM outbox WHERE id = ?", -1,
                          &stmt, NULL) != SQLITE_OK)
    {
      _hy_outbox_db_error (error, self->db, _ ("Cannot read the outbox"));
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      entry = entry_from_row (stmt);
      if (raw != NULL)
        *raw = g_bytes_new (sqlite3_column_blob (stmt, 12), sqlite3_column_bytes (stmt, 12));
    }
  else if (rc == SQLITE_DONE)
    g_set_error (error, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_NOT_FOUND,
                 /* Translators: %lld is the message's number in the outbox */
                 _ ("There is no message %lld in the outbox"), (long long) id);
  else
    _hy_outbox_db_error (error, self->db, _ ("Cannot read the outbox"));
  sqlite3_finalize (stmt);
  return entry;
}

/* Runs a one-row UPDATE; returns the number of rows changed, or -1.  Call
 * with db_lock held. */
static int
update_row (HyOutbox    *self,
            const char  *sql,
            gint64       id,
            gint64       number,
            const char  *text,
            GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int changed = -1;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      _hy_outbox_db_error (error, self->db, _ ("Cannot write the outbox"));
      return -1;
    }
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_bind_parameter_count (stmt) >= 2)
    sqlite3_bind_int64 (stmt, 2, number);
  if (sqlite3_bind_parameter_count (stmt) >= 3)
    sqlite3_bind_text (stmt, 3, text, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_DONE)
    changed = sqlite3_changes (self->db);
  else
    _hy_outbox_db_error (error, self->db, _ ("Cannot write the outbox"));
  sqlite3_finalize (stmt);
  return changed;
}

/* Ids of rows matching @where (with one optional number bound), ascending. */
static GArray *
select_ids (HyOutbox    *self,
            const char  *where,
            gint64       number,
            GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM outbox WHERE %s ORDER BY id", where);
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      _hy_outbox_db_error (error, self->db, _ ("Cannot read the outbox"));
      g_array_unref (ids);
      return NULL;
    }
  if (sqlite3_bind_parameter_count (stmt) >= 1)
    sqlite3_bind_int64 (stmt, 1, number);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      _hy_outbox_db_error (error, self->db, _ ("Cannot read the outbox"));
      g_array_unref (ids);
      return NULL;
    }
  return ids;
}

/* ---- object ------------------------------------------------------------- */

static void
hy_outbox_dispose (GObject *object)
{
  HyOutbox *self = HY_OUTBOX (object);

  hy_outbox_stop (self);
  g_clear_object (&self->account);
  g_clear_object (&self->credentials);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (hy_outbox_parent_class)->dispose (object);
}

static void
hy_outbox_finalize (GObject *object)
{
  HyOutbox *self = HY_OUTBOX (object);

  g_clear_pointer (&self->db, sqlite3_close);
  g_mutex_clear (&self->db_lock);
  g_free (self->ca_file);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (hy_outbox_parent_class)->finalize (object);
}

static void
hy_outbox_class_init (HyOutboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hy_outbox_dispose;
  object_class->finalize = hy_outbox_finalize;

  g_mime_init ();

  /**
   * HyOutbox::changed:
   *
   * Rows were queued, removed or changed state.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * HyOutbox::sent:
   * @id: the row
   * @entry: the row as it is now (state SENT)
   *
   * The SMTP server accepted the message.
   */
  signals[SIGNAL_SENT] = g_signal_new ("sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                       G_TYPE_INT64, HY_TYPE_OUTBOX_ENTRY);
  /**
   * HyOutbox::failed:
   * @id: the row
   * @entry: the row as it is now
   * @error: what went wrong, in words for the user
   * @permanent: the server refused the message for good (the row is FAILED);
   *   otherwise it is retried at @entry->send_after
   */
  signals[SIGNAL_FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                                         G_TYPE_INT64, HY_TYPE_OUTBOX_ENTRY, G_TYPE_ERROR,
                                         G_TYPE_BOOLEAN);
}

static void
hy_outbox_init (HyOutbox *self)
{
  self->size_limit = -1;
  g_mutex_init (&self->db_lock);
  self->context = g_main_context_ref_thread_default ();
}

/**
 * hy_outbox_new:
 * @account: the account whose messages are sent
 * @credentials: (nullable): where the SMTP and IMAP secrets are
 * @store: the account's store (its database holds the outbox)
 *
 * Returns: (transfer full): the account's outbox; signals are emitted on
 *   the caller's thread-default main context.
 */
HyOutbox *
hy_outbox_new (HyAccount     *account,
               HyCredentials *credentials,
               HyStore       *store)
{
  HyOutbox *self;

  g_return_val_if_fail (HY_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (credentials == NULL || HY_IS_CREDENTIALS (credentials), NULL);
  g_return_val_if_fail (HY_IS_STORE (store), NULL);

  self = g_object_new (HY_TYPE_OUTBOX, NULL);
  self->account = g_object_ref (account);
  self->credentials = credentials != NULL ? g_object_ref (credentials) : NULL;
  self->store = g_object_ref (store);
  return self;
}

HyAccount *
hy_outbox_get_account (HyOutbox *self)
{
  g_return_val_if_fail (HY_IS_OUTBOX (self), NULL);
  return self->account;
}

void
hy_outbox_set_ca_file (HyOutbox   *self,
                       const char *ca_file)
{
  g_return_if_fail (HY_IS_OUTBOX (self));
  g_free (self->ca_file);
  self->ca_file = g_strdup (ca_file);
}

/* ---- queue, list, cancel, retry ------------------------------------------ */

gint64
hy_outbox_queue (HyOutbox  *self,
                 GBytes    *message,
                 guint      delay_seconds,
                 GError   **error)
{
  g_autoptr(GPtrArray) recipients = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *subject = NULL;
  g_autofree char *message_id = NULL;
  g_autofree char *sender = NULL;
  g_autofree char *joined = NULL;
  g_autoptr(GMutexLocker) locker = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 now = now_seconds ();
  gint64 id = 0;

  g_return_val_if_fail (HY_IS_OUTBOX (self), 0);
  g_return_val_if_fail (message != NULL, 0);

  if (!_hy_outbox_parse_header (message, &subject, &message_id, &sender, recipients, error))
    return 0;
  if (sender == NULL)
    sender = g_strdup (hy_account_get_address (self->account));
  if (sender == NULL)
    {
      g_set_error_literal (error, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_INVALID,
                           _ ("The message has no From address; choose who it is from"));
      return 0;
    }
  if (recipients->len == 0)
    {
      g_set_error_literal (error, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_INVALID,
                           _ ("The message has no recipients; add one in To, Cc or Bcc"));
      return 0;
    }
  g_ptr_array_add (recipients, NULL);
  joined = g_strjoinv ("\n", (char **) recipients->pdata);

  locker = g_mutex_locker_new (&self->db_lock);
  if (!ensure_db (self, error))
    return 0;
  if (sqlite3_prepare_v2 (self->db,
                          "INSERT INTO outbox (state, queued, send_after, sender, recipients, "
                          "subject, message_id, size, raw) VALUES (0, ?, ?, ?, ?, ?, ?, ?, ?)",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      _hy_outbox_db_error (error, self->db, _ ("Cannot put the message in the outbox"));
      return 0;
    }
  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_int64 (stmt, 2, now + delay_seconds);
  sqlite3_bind_text (stmt, 3, sender, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, joined, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, subject, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, message_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 7, g_bytes_get_size (message));
  sqlite3_bind_blob64 (stmt, 8, g_bytes_get_data (message, NULL), g_bytes_get_size (message),
                       SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_DONE)
    id = sqlite3_last_insert_rowid (self->db);
  else
    _hy_outbox_db_error (error, self->db, _ ("Cannot put the message in the outbox"));
  sqlite3_finalize (stmt);
  g_clear_pointer (&locker, g_mutex_locker_free);

  if (id > 0)
    {
      g_debug ("queued message %" G_GINT64_FORMAT " to be sent in %u s", id, delay_seconds);
      emit (self, SIGNAL_CHANGED, id, NULL, NULL, FALSE);
    }
  return id;
}

typedef struct {
  GBytes *message;
  guint   delay;
  gint64  id;
  gboolean include_done;
} CallData;

static void
call_data_free (gpointer data)
{
  CallData *call = data;

  g_clear_pointer (&call->message, g_bytes_unref);
  g_free (call);
}

static void
queue_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CallData *call = task_data;
  GError *error = NULL;
  gint64 id = hy_outbox_queue (source, call->message, call->delay, &error);

  if (id > 0)
    g_task_return_int (task, id);
  else
    g_task_return_error (task, error);
}

void
hy_outbox_queue_async (HyOutbox            *self,
                       GBytes              *message,
                       guint                delay_seconds,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CallData *call = g_new0 (CallData, 1);

  g_return_if_fail (HY_IS_OUTBOX (self));
  g_return_if_fail (message != NULL);

  call->message = g_bytes_ref (message);
  call->delay = delay_seconds;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_outbox_queue_async);
  g_task_set_task_data (task, call, call_data_free);
  g_task_run_in_thread (task, queue_thread);
}

gint64
hy_outbox_queue_finish (HyOutbox      *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  return g_task_propagate_int (G_TASK (result), error);
}

GPtrArray *
hy_outbox_list (HyOutbox  *self,
                gboolean   include_done,
                GError   **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) hy_outbox_entry_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (HY_IS_OUTBOX (self), NULL);

  locker = g_mutex_locker_new (&self->db_lock);
  if (!ensure_db (self, error))
    return NULL;
  if (sqlite3_prepare_v2 (self->db,
                          include_done
                            ? "SELECT " ENTRY_COLUMNS " FROM outbox ORDER BY id"
                            : "SELECT " ENTRY_COLUMNS " FROM outbox WHERE state <> 3 ORDER BY id",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      _hy_outbox_db_error (error, self->db, _ ("Cannot read the outbox"));
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (entries, entry_from_row (stmt));
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      _hy_outbox_db_error (error, self->db, _ ("Cannot read the outbox"));
      return NULL;
    }
  return g_steal_pointer (&entries);
}

static void
list_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  CallData *call = task_data;
  GError *error = NULL;
  GPtrArray *entries = hy_outbox_list (source, call->include_done, &error);

  if (entries != NULL)
    g_task_return_pointer (task, entries, (GDestroyNotify) g_ptr_array_unref);
  else
    g_task_return_error (task, error);
}

void
hy_outbox_list_async (HyOutbox            *self,
                      gboolean             include_done,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CallData *call = g_new0 (CallData, 1);

  g_return_if_fail (HY_IS_OUTBOX (self));

  call->include_done = include_done;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_outbox_list_async);
  g_task_set_task_data (task, call, call_data_free);
  g_task_run_in_thread (task, list_thread);
}

GPtrArray *
hy_outbox_list_finish (HyOutbox      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

HyOutboxEntry *
hy_outbox_get_entry (HyOutbox  *self,
                     gint64     id,
                     GError   **error)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (HY_IS_OUTBOX (self), NULL);

  locker = g_mutex_locker_new (&self->db_lock);
  if (!ensure_db (self, error))
    return NULL;
  return load_entry (self, id, NULL, error);
}

GBytes *
hy_outbox_get_message (HyOutbox  *self,
                       gint64     id,
                       GError   **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(HyOutboxEntry) entry = NULL;
  GBytes *raw = NULL;

  g_return_val_if_fail (HY_IS_OUTBOX (self), NULL);

  locker = g_mutex_locker_new (&self->db_lock);
  if (!ensure_db (self, error))
    return NULL;
  entry = load_entry (self, id, &raw, error);
  return entry != NULL ? raw : NULL;
}

GBytes *
hy_outbox_cancel (HyOutbox  *self,
                  gint64     id,
                  GError   **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(HyOutboxEntry) entry = NULL;
  g_autoptr(GBytes) raw = NULL;

  g_return_val_if_fail (HY_IS_OUTBOX (self), NULL);

  locker = g_mutex_locker_new (&self->db_lock);
  if (!ensure_db (self, error))
    return NULL;
  /* One statement decides: a worker claims a row with an UPDATE of the
   * same row, so either it claimed it first or this removes it first. */
  entry = load_entry (self, id, &raw, error);
  if (entry == NULL)
    return NULL;
  switch (update_row (self, "DELETE FROM outbox WHERE id = ? AND state IN (0, 4)", id, 0, NULL, error))
    {
    case -1:
      return NULL;
    case 0:
      g_set_error (error, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_TOO_LATE,
                   _ ("“%s” is already on its way and can no longer be cancelled"),
                   entry->subject != NULL ? entry->subject : _ ("The message"));
      return NULL;
    default:
      break;
    }
  g_clear_pointer (&locker, g_mutex_locker_free);
  g_debug ("cancelled message %" G_GINT64_FORMAT, id);
  emit (self, SIGNAL_CHANGED, id, NULL, NULL, FALSE);
  return g_steal_pointer (&raw);
}

static void
cancel_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  CallData *call = task_data;
  GError *error = NULL;
  GBytes *raw = hy_outbox_cancel (source, call->id, &error);

  if (raw != NULL)
    g_task_return_pointer (task, raw, (GDestroyNotify) g_bytes_unref);
  else
    g_task_return_error (task, error);
}

void
hy_outbox_cancel_async (HyOutbox            *self,
                        gint64               id,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CallData *call = g_new0 (CallData, 1);

  g_return_if_fail (HY_IS_OUTBOX (self));

  call->id = id;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_outbox_cancel_async);
  g_task_set_task_data (task, call, call_data_free);
  g_task_run_in_thread (task, cancel_thread);
}

GBytes *
hy_outbox_cancel_finish (HyOutbox      *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
hy_outbox_retry (HyOutbox  *self,
                 gint64     id,
                 GError   **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(HyOutboxEntry) entry = NULL;
  int changed;

  g_return_val_if_fail (HY_IS_OUTBOX (self), FALSE);

  locker = g_mutex_locker_new (&self->db_lock);
  if (!ensure_db (self, error))
    return FALSE;
  changed = update_row (self, "UPDATE outbox SET state = 0, attempts = 0, send_after = ?2 "
                              "WHERE id = ?1 AND state IN (0, 4)",
                        id, now_seconds (), NULL, error);
  if (changed < 0)
    return FALSE;
  if (changed == 0)
    {
      entry = load_entry (self, id, NULL, error);
      if (entry == NULL)
        return FALSE;
      if (entry->state != HY_OUTBOX_STATE_SENT)
        {
          g_set_error (error, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_TOO_LATE,
                       /* Translators: %lld is the message's number in the outbox */
                       _ ("Message %lld has already been sent"), (long long) id);
          return FALSE;
        }
      /* Sent, waiting for its copy in Sent: the next flush makes it. */
    }
  g_clear_pointer (&locker, g_mutex_locker_free);
  emit (self, SIGNAL_CHANGED, id, NULL, NULL, FALSE);
  return TRUE;
}

/* ---- sending ------------------------------------------------------------ */

/* A lock file beside the database: one sender per account at a time,
 * released by the kernel when the process dies. */
static int
take_send_lock (HyOutbox  *self,
                GError   **error)
{
  g_autofree char *path = g_strconcat (hy_store_get_path (self->store), ".outbox-lock", NULL);
  int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_STORAGE,
                   _ ("Cannot open %s: %s"), path, g_strerror (saved));
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      close (fd);
      g_set_error_literal (error, HY_OUTBOX_ERROR, HY_OUTBOX_ERROR_BUSY,
                           _ ("Another Hongyan process is sending this account's outbox; "
                              "the messages go out when it is done"));
      return -1;
    }
  return fd;
}

static gboolean
is_permanent (const GError *error)
{
  if (error->domain == HY_SMTP_ERROR)
    switch (error->code)
      {
      case HY_SMTP_ERROR_REFUSED:
      case HY_SMTP_ERROR_ALL_RECIPIENTS_REFUSED:
      case HY_SMTP_ERROR_MESSAGE_TOO_LARGE:
      case HY_SMTP_ERROR_UNSUPPORTED:
        return TRUE;
      default:
        return FALSE;
      }
  return FALSE;
}

/* After these the SMTP session can carry the next message. */
static gboolean
session_survives (const GError *error)
{
  return error->domain == HY_SMTP_ERROR
         && (is_permanent (error) || error->code == HY_SMTP_ERROR_TEMPORARY);
}

static gboolean
has_8bit (GBytes *bytes)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  for (gsize i = 0; i < size; i++)
    if (data[i] & 0x80)
      return TRUE;
  return FALSE;
}

static gboolean
needs_smtputf8 (const HyOutboxEntry *entry)
{
  if (!g_str_is_ascii (entry->sender))
    return TRUE;
  for (guint i = 0; entry->recipients[i] != NULL; i++)
    if (!g_str_is_ascii (entry->recipients[i]))
      return TRUE;
  return FALSE;
}

static guint
backoff_seconds (guint attempts)
{
  guint delay = BACKOFF_FIRST;

  for (guint i = 1; i < attempts && delay < BACKOFF_MAX; i++)
    delay *= 2;
  return MIN (delay, BACKOFF_MAX);
}

/* Records a failed attempt: FAILED for good, or QUEUED with backoff. */
static void
record_failure (HyOutbox     *self,
                gint64        id,
                const GError *failure,
                gboolean      permanent)
{
  g_autoptr(GError) error = NULL;
  HyOutboxEntry *entry;

  g_mutex_lock (&self->db_lock);
  if (permanent)
    update_row (self, "UPDATE outbox SET state = 4, attempts = attempts + 1, last_error = ?3, "
                      "send_after = ?2 WHERE id = ?1",
                id, now_seconds (), failure->message, &error);
  else
    {
      entry = load_entry (self, id, NULL, NULL);
      if (entry != NULL)
        {
          guint delay = backoff_seconds (entry->attempts + 1);

          update_row (self, "UPDATE outbox SET state = 0, attempts = attempts + 1, last_error = ?3, "
                            "send_after = ?2 WHERE id = ?1",
                      id, now_seconds () + delay, failure->message, &error);
          hy_outbox_entry_free (entry);
        }
    }
  entry = load_entry (self, id, NULL, NULL);
  g_mutex_unlock (&self->db_lock);
  if (error != NULL)
    g_warning ("Cannot record the failure of message %" G_GINT64_FORMAT ": %s", id, error->message);
  g_debug ("message %" G_GINT64_FORMAT " failed (%s): %s", id,
           permanent ? "permanently" : "will retry", failure->message);
  if (entry != NULL)
    emit (self, SIGNAL_FAILED, id, entry, failure, permanent);
}

/* The recipients the server refused for good, in its words; and those it
 * refused for now (4xx), to try again in a row of their own. */
static char *
describe_refused (HySmtpSendResult *result,
                  GPtrArray        *later)
{
  g_autoptr(GString) text = NULL;

  for (guint i = 0; i < result->recipients->len; i++)
    {
      HySmtpRecipientResult *r = g_ptr_array_index (result->recipients, i);
      g_autofree char *reply = NULL;

      if (r->accepted)
        continue;
      if (r->reply != NULL && hy_smtp_reply_is_temporary (r->reply))
        {
          g_ptr_array_add (later, r->address);
          continue;
        }
      reply = r->reply != NULL ? hy_smtp_reply_get_text (r->reply) : g_strdup ("");
      if (text == NULL)
        text = g_string_new (_ ("Not delivered to: "));
      else
        g_string_append (text, "; ");
      g_string_append_printf (text, "%s (“%s”)", r->address, reply);
    }
  return text != NULL ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}

/* Commits that @id was sent and, in the same transaction, queues a copy
 * for the recipients the server refused for now.  Call with db_lock held. */
static gboolean
commit_sent (HyOutbox    *self,
             gint64       id,
             const char  *refused,
             GPtrArray   *later,
             GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 now = now_seconds ();
  gboolean ok;

  if (later->len == 0)
    return update_row (self, "UPDATE outbox SET state = 2, sent = ?2, last_error = ?3 WHERE id = ?1",
                       id, now, refused, error) >= 0;

  if (!_hy_outbox_db_exec (self->db, "BEGIN IMMEDIATE", error))
    return FALSE;
  ok = update_row (self, "UPDATE outbox SET state = 2, sent = ?2, last_error = ?3 WHERE id = ?1",
                   id, now, refused, error) >= 0;
  if (ok && sqlite3_prepare_v2 (self->db,
        "INSERT INTO outbox (state, queued, send_after, attempts, sender, recipients, subject, "
        "  message_id, size, raw, last_error) "
        "SELECT 0, queued, ?2, 1, sender, ?3, subject, message_id, size, raw, ?4 "
        "  FROM outbox WHERE id = ?1", -1, &stmt, NULL) == SQLITE_OK)
    {
      g_autofree char *joined = NULL;
      g_autofree char *why = NULL;

      g_ptr_array_add (later, NULL);
      joined = g_strjoinv ("\n", (char **) later->pdata);
      /* Translators: %s is a list of addresses */
      why = g_strdup_printf (_ ("The server could not take %s for now; trying again"),
                             joined);
      g_ptr_array_remove_index (later, later->len - 1);
      g_strdelimit (why, "\n", ',');
      sqlite3_bind_int64 (stmt, 1, id);
      sqlite3_bind_int64 (stmt, 2, now + backoff_seconds (1));
      sqlite3_bind_text (stmt, 3, joined, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 4, why, -1, SQLITE_TRANSIENT);
      ok = sqlite3_step (stmt) == SQLITE_DONE;
      sqlite3_finalize (stmt);
      if (!ok)
        _hy_outbox_db_error (error, self->db, _ ("Cannot write the outbox"));
    }
  else if (ok)
    {
      _hy_outbox_db_error (error, self->db, _ ("Cannot write the outbox"));
      ok = FALSE;
    }
  if (ok && !_hy_outbox_db_exec (self->db, "COMMIT", error))
    ok = FALSE;
  if (!ok)
    {
      /* Keep at least the fact that it was sent. */
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      update_row (self, "UPDATE outbox SET state = 2, sent = ?2, last_error = ?3 WHERE id = ?1",
                  id, now, refused, NULL);
    }
  return ok;
}

/* Sends one claimed row; returns FALSE when the session is gone. */
static gboolean
send_one (HyOutbox            *self,
          HySmtpClient        *client,
          gint64               id,
          HyOutboxFlushResult *counts,
          GCancellable        *cancellable)
{
  g_autoptr(HyOutboxEntry) entry = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(HySmtpEnvelope) envelope = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(HySmtpSendResult) sent = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *refused = NULL;
  g_autoptr(GPtrArray) later = NULL;
  int claimed;

  g_mutex_lock (&self->db_lock);
  /* The claim is a commit of its own: from here on, cancel says too late. */
  claimed = update_row (self, "UPDATE outbox SET state = 1 WHERE id = ? AND state = 0", id, 0, NULL, &error);
  if (claimed == 1)
    entry = load_entry (self, id, &raw, &error);
  g_mutex_unlock (&self->db_lock);
  if (claimed != 1 || entry == NULL)
    {
      if (error != NULL)
        g_warning ("Cannot take message %" G_GINT64_FORMAT " from the outbox: %s", id, error->message);
      return TRUE;
    }
  emit (self, SIGNAL_CHANGED, id, NULL, NULL, FALSE);

  envelope = hy_smtp_envelope_new (entry->sender);
  for (guint i = 0; entry->recipients[i] != NULL; i++)
    hy_smtp_envelope_add_recipient (envelope, entry->recipients[i]);
  envelope->size = g_bytes_get_size (raw);
  envelope->strip_bcc = TRUE;
  envelope->eight_bit = has_8bit (raw) && hy_smtp_client_has_feature (client, "8BITMIME");
  envelope->smtputf8 = needs_smtputf8 (entry);
  in = g_memory_input_stream_new_from_bytes (raw);

  hy_smtp_client_send_async (client, envelope, in, cancellable, _hy_outbox_store_result, &result);
  sent = hy_smtp_client_send_finish (client, _hy_outbox_wait (&result), &error);
  if (sent == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Stopped, not failed: back in the queue, no attempt counted.  (If
       * the server had already taken it, this is the documented window.) */
      g_mutex_lock (&self->db_lock);
      update_row (self, "UPDATE outbox SET state = 0 WHERE id = ? AND state = 1", id, 0, NULL, NULL);
      g_mutex_unlock (&self->db_lock);
      return FALSE;
    }
  if (sent == NULL)
    {
      gboolean permanent = is_permanent (error);

      record_failure (self, id, error, permanent);
      if (permanent)
        counts->n_failed++;
      else
        counts->n_deferred++;
      return session_survives (error);
    }

  /* The server said 250: this commit is the whole duplicate window. */
  later = g_ptr_array_new ();
  refused = describe_refused (sent, later);
  g_mutex_lock (&self->db_lock);
  g_clear_error (&error);
  commit_sent (self, id, refused, later, &error);
  g_clear_pointer (&entry, hy_outbox_entry_free);
  entry = load_entry (self, id, NULL, NULL);
  g_mutex_unlock (&self->db_lock);
  if (error != NULL)
    g_warning ("Message %" G_GINT64_FORMAT " was sent but cannot be marked so: %s", id, error->message);
  g_debug ("message %" G_GINT64_FORMAT " accepted by the server", id);
  counts->n_sent++;
  if (entry != NULL)
    emit (self, SIGNAL_SENT, id, g_steal_pointer (&entry), NULL, FALSE);
  return TRUE;
}

static void
smtp_quit (HySmtpClient *client)
{
  g_autoptr(GAsyncResult) result = NULL;

  hy_smtp_client_quit_async (client, NULL, _hy_outbox_store_result, &result);
  hy_smtp_client_quit_finish (client, _hy_outbox_wait (&result), NULL);
}

static void
remember_size_limit (HyOutbox     *self,
                     HySmtpClient *client)
{
  gint64 limit = (gint64) MIN (hy_smtp_client_get_max_size (client), (guint64) G_MAXINT64);

  g_mutex_lock (&self->db_lock);
  self->size_limit = limit;
  g_mutex_unlock (&self->db_lock);
}

static void
send_due (HyOutbox            *self,
          GArray              *due,
          HyOutboxFlushResult *counts,
          GCancellable        *cancellable)
{
  g_autoptr(HySmtpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  guint i = 0;

  client = _hy_outbox_smtp_open (self->account, self->credentials, self->ca_file, cancellable, &error);
  if (client != NULL)
    {
      remember_size_limit (self, client);
      for (; i < due->len; i++)
        {
          if (g_cancellable_is_cancelled (cancellable))
            return;
          if (!send_one (self, client, g_array_index (due, gint64, i), counts, cancellable))
            {
              i++;
              break;
            }
        }
      if (i >= due->len)
        {
          smtp_quit (client);
          return;
        }
      g_set_error (&error, HY_NET_ERROR, HY_NET_ERROR_CLOSED,
                   _ ("The connection to %s broke off while sending"),
                   hy_account_get_outgoing (self->account)->host);
    }
  if (g_cancellable_is_cancelled (cancellable))
    return;
  /* Could not connect (or the session broke): the rest waits, with backoff. */
  for (; i < due->len; i++)
    {
      record_failure (self, g_array_index (due, gint64, i), error, FALSE);
      counts->n_deferred++;
    }
}

/* Files the SENT rows in the Sent folder (once: a copy with the same
 * Message-ID counts as made) and marks them DONE. */
static void
file_sent (HyOutbox     *self,
           GArray       *ids,
           GCancellable *cancellable)
{
  const HyServerConfig *incoming = hy_account_get_incoming (self->account);
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(HyImapSelectResult) selected = NULL;

  if (hy_account_get_server_saves_sent (self->account)
      || incoming == NULL || incoming->protocol != HY_SERVER_PROTOCOL_IMAP)
    {
      for (guint i = 0; i < ids->len; i++)
        {
          g_mutex_lock (&self->db_lock);
          update_row (self, "UPDATE outbox SET state = 3 WHERE id = ? AND state = 2",
                      g_array_index (ids, gint64, i), 0, NULL, NULL);
          g_mutex_unlock (&self->db_lock);
        }
      emit (self, SIGNAL_CHANGED, 0, NULL, NULL, FALSE);
      return;
    }

  client = _hy_outbox_imap_open (self->account, self->credentials, self->ca_file, cancellable, &error);
  if (client != NULL)
    folder = _hy_outbox_imap_find_folder (client, self->account, self->store, HY_FOLDER_ROLE_SENT,
                                          cancellable, &error);
  if (folder != NULL)
    {
      selected = _hy_outbox_imap_select (client, folder, cancellable, &error);
    }

  for (guint i = 0; selected != NULL && i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);
      g_autoptr(HyOutboxEntry) entry = NULL;
      g_autoptr(GBytes) raw = NULL;
      g_autoptr(GArray) found = NULL;
      const char *seen[] = { "\\Seen", NULL };

      g_mutex_lock (&self->db_lock);
      entry = load_entry (self, id, &raw, NULL);
      g_mutex_unlock (&self->db_lock);
      if (entry == NULL || entry->state != HY_OUTBOX_STATE_SENT)
        continue;

      if (entry->message_id != NULL)
        {
          found = _hy_outbox_imap_find_message_id (client, entry->message_id, cancellable, &error);
          if (found == NULL)
            break;
        }
      if (found == NULL || found->len == 0)
        {
          g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (entry->sent > 0 ? entry->sent : now_seconds ());

          hy_imap_client_append_async (client, folder, raw, seen, when, cancellable,
                                       _hy_outbox_store_result, &result);
          if (!hy_imap_client_append_finish (client, _hy_outbox_wait (&result), NULL, NULL, &error))
            break;
          g_clear_object (&result);
        }
      else
        g_debug ("message %" G_GINT64_FORMAT " is already in %s", id, folder);

      g_mutex_lock (&self->db_lock);
      update_row (self, "UPDATE outbox SET state = 3 WHERE id = ? AND state = 2", id, 0, NULL, NULL);
      g_mutex_unlock (&self->db_lock);
      emit (self, SIGNAL_CHANGED, id, NULL, NULL, FALSE);
    }

  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = g_strdup_printf (_ ("Sent, but not yet copied to the Sent folder: %s"),
                                               error->message);

      g_debug ("%s", text);
      for (guint i = 0; i < ids->len; i++)
        {
          g_mutex_lock (&self->db_lock);
          update_row (self, "UPDATE outbox SET last_error = ?3 WHERE id = ?1 AND state = 2",
                      g_array_index (ids, gint64, i), 0, text, NULL);
          g_mutex_unlock (&self->db_lock);
        }
    }
  _hy_outbox_imap_close (client);
}

static gboolean
flush_locked (HyOutbox            *self,
              HyOutboxFlushResult *counts,
              GCancellable        *cancellable,
              GError             **error)
{
  g_autoptr(GArray) due = NULL;
  g_autoptr(GArray) waiting = NULL;
  g_autoptr(GArray) sent = NULL;
  int recovered;

  g_mutex_lock (&self->db_lock);
  if (!ensure_db (self, error))
    {
      g_mutex_unlock (&self->db_lock);
      return FALSE;
    }
  /* We hold the send lock: a row left SENDING belongs to a process that
   * died before the server's final reply was committed.  Nothing reached
   * the recipients unless it died in that one commit, so send it again. */
  recovered = update_row (self, "UPDATE outbox SET state = 0 WHERE state = 1 AND id > ?", 0, 0, NULL, error);
  if (recovered > 0)
    g_message ("%d message(s) were interrupted while being sent; sending them again", recovered);
  /* Sent and filed a week ago: the bytes are in Sent, the row can go. */
  if (recovered >= 0)
    update_row (self, "DELETE FROM outbox WHERE state = 3 AND sent < ? AND sent > 0",
                now_seconds () - KEEP_DONE, 0, NULL, NULL);
  if (recovered >= 0)
    due = select_ids (self, "state = 0 AND send_after <= ?", now_seconds (), error);
  if (due != NULL)
    waiting = select_ids (self, "state = 0 AND send_after > ?", now_seconds (), error);
  g_mutex_unlock (&self->db_lock);
  if (waiting == NULL)
    return FALSE;
  counts->n_waiting = waiting->len;

  if (due->len > 0)
    send_due (self, due, counts, cancellable);

  g_mutex_lock (&self->db_lock);
  sent = select_ids (self, "state = 2", 0, error);
  g_mutex_unlock (&self->db_lock);
  if (sent == NULL)
    return FALSE;
  if (sent->len > 0 && !g_cancellable_is_cancelled (cancellable))
    file_sent (self, sent, cancellable);
  return TRUE;
}

static void
flush_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  HyOutbox *self = source;
  g_autoptr(GMainContext) context = g_main_context_new ();
  HyOutboxFlushResult *counts = g_new0 (HyOutboxFlushResult, 1);
  GError *error = NULL;
  gboolean ok = FALSE;
  int lock;

  g_main_context_push_thread_default (context);
  lock = take_send_lock (self, &error);
  if (lock >= 0)
    {
      ok = flush_locked (self, counts, cancellable, &error);
      close (lock);
    }
  g_main_context_pop_thread_default (context);

  if (ok)
    g_task_return_pointer (task, counts, g_free);
  else
    {
      g_free (counts);
      g_task_return_error (task, error);
    }
}

void
hy_outbox_flush_async (HyOutbox            *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HY_IS_OUTBOX (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_outbox_flush_async);
  g_task_run_in_thread (task, flush_thread);
}

gboolean
hy_outbox_flush_finish (HyOutbox             *self,
                        GAsyncResult         *result,
                        HyOutboxFlushResult  *out_result,
                        GError              **error)
{
  g_autofree HyOutboxFlushResult *counts = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  counts = g_task_propagate_pointer (G_TASK (result), error);
  if (counts == NULL)
    return FALSE;
  if (out_result != NULL)
    *out_result = *counts;
  return TRUE;
}

/* ---- the server's size limit --------------------------------------------- */

gint64
hy_outbox_get_size_limit (HyOutbox *self)
{
  gint64 limit;

  g_return_val_if_fail (HY_IS_OUTBOX (self), -1);

  g_mutex_lock (&self->db_lock);
  limit = self->size_limit;
  g_mutex_unlock (&self->db_lock);
  return limit;
}

static void
probe_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  HyOutbox *self = source;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(HySmtpClient) client = NULL;
  GError *error = NULL;

  g_main_context_push_thread_default (context);
  client = _hy_outbox_smtp_open (self->account, self->credentials, self->ca_file, cancellable, &error);
  if (client != NULL)
    {
      remember_size_limit (self, client);
      smtp_quit (client);
    }
  g_main_context_pop_thread_default (context);

  if (client != NULL)
    g_task_return_int (task, hy_outbox_get_size_limit (self));
  else
    g_task_return_error (task, error);
}

void
hy_outbox_probe_size_limit_async (HyOutbox            *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HY_IS_OUTBOX (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_outbox_probe_size_limit_async);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, probe_thread);
}

gint64
hy_outbox_probe_size_limit_finish (HyOutbox      *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);

  return g_task_propagate_int (G_TASK (result), error);
}

/* ---- background worker -------------------------------------------------- */

static void worker_flush (HyOutbox *self);

static gboolean
timer_fired (gpointer data)
{
  HyOutbox *self = data;

  g_clear_pointer (&self->timer, g_source_unref);
  worker_flush (self);
  return G_SOURCE_REMOVE;
}

static void
arm_timer (HyOutbox *self,
           guint     seconds)
{
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  self->timer = g_timeout_source_new_seconds (seconds);
  g_source_set_callback (self->timer, timer_fired, self, NULL);
  g_source_set_name (self->timer, "[hongyan] outbox timer");
  g_source_attach (self->timer, self->context);
}

/* Sets the timer for the next row to fall due. */
static void
reschedule (HyOutbox *self)
{
  g_autoptr(GPtrArray) entries = NULL;
  gint64 next = G_MAXINT64;
  gint64 now = now_seconds ();

  if (!self->running || self->flushing)
    return;
  entries = hy_outbox_list (self, FALSE, NULL);
  if (entries == NULL)
    return;
  for (guint i = 0; i < entries->len; i++)
    {
      HyOutboxEntry *entry = g_ptr_array_index (entries, i);

      if (entry->state == HY_OUTBOX_STATE_QUEUED || entry->state == HY_OUTBOX_STATE_SENDING)
        next = MIN (next, entry->send_after);
      else if (entry->state == HY_OUTBOX_STATE_SENT)
        next = MIN (next, now + SENT_RETRY);
    }
  if (next == G_MAXINT64)
    return;
  arm_timer (self, next <= now ? 0 : (guint) MIN (next - now, BACKOFF_MAX));
}

static void
worker_flush_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(HyOutbox) self = user_data;
  g_autoptr(GError) error = NULL;
  HyOutboxFlushResult counts;

  self->flushing = FALSE;
  if (!hy_outbox_flush_finish (self, result, &counts, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_debug ("outbox flush: %s", error->message);
      if (self->running)
        arm_timer (self, BACKOFF_FIRST);
      return;
    }
  if (self->flush_again)
    {
      self->flush_again = FALSE;
      worker_flush (self);
      return;
    }
  reschedule (self);
}

static void
worker_flush (HyOutbox *self)
{
  if (!self->running)
    return;
  if (self->flushing)
    {
      self->flush_again = TRUE;
      return;
    }
  self->flushing = TRUE;
  hy_outbox_flush_async (self, self->worker_cancellable, worker_flush_cb, g_object_ref (self));
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    gpointer         user_data)
{
  HyOutbox *self = user_data;

  if (available)
    worker_flush (self);
}

/* The default network monitor may ask the system bus (NetworkManager, the
 * portal) synchronously when first made: do it once the caller's loop is
 * idle, not while the app draws its first frame. */
static gboolean
watch_network_cb (gpointer user_data)
{
  HyOutbox *self = user_data;

  g_clear_pointer (&self->monitor_source, g_source_unref);
  self->monitor = g_object_ref (g_network_monitor_get_default ());
  self->network_handler = g_signal_connect_object (self->monitor, "network-changed",
                                                   G_CALLBACK (network_changed_cb), self, 0);
  return G_SOURCE_REMOVE;
}

void
hy_outbox_start (HyOutbox *self)
{
  g_return_if_fail (HY_IS_OUTBOX (self));

  if (self->running)
    return;
  self->running = TRUE;
  self->worker_cancellable = g_cancellable_new ();
  self->monitor_source = g_idle_source_new ();
  g_source_set_priority (self->monitor_source, G_PRIORITY_LOW);
  g_source_set_callback (self->monitor_source, watch_network_cb, self, NULL);
  g_source_attach (self->monitor_source, self->context);
  worker_flush (self);
}

void
hy_outbox_stop (HyOutbox *self)
{
  g_return_if_fail (HY_IS_OUTBOX (self));

  if (!self->running)
    return;
  self->running = FALSE;
  self->flush_again = FALSE;
  g_cancellable_cancel (self->worker_cancellable);
  g_clear_object (&self->worker_cancellable);
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  if (self->monitor_source != NULL)
    {
      g_source_destroy (self->monitor_source);
      g_clear_pointer (&self->monitor_source, g_source_unref);
    }
  g_clear_signal_handler (&self->network_handler, self->monitor);
  g_clear_object (&self->monitor);
}
