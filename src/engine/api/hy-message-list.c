/* hy-message-list.c — a GListModel of a folder's messages or of a search, paged from the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-api"

#include "config.h"

#include "api/hy-message-list.h"

#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif

/* Rows read together when the view asks for one that is not in memory. */
#define PAGE_SIZE 50
/* Summaries kept in memory; the oldest are dropped past this. */
#define MAX_CACHED 2000
/* A load of this many ids or more gives its freed memory back. */
#define TRIM_AFTER 10000

typedef enum {
  MODE_FOLDER,
  MODE_SEARCH,
  MODE_THREADS,   /* the newest message of each thread of a folder */
  MODE_THREAD,    /* the messages of one thread, oldest first */
} Mode;

struct _HyMessageList {
  GObject       parent_instance;

  HyStore      *store;
  Mode          mode;
  gint64        folder_id;     /* 0 for a search, or a thread of every folder */
  gint64        thread_id;     /* MODE_THREAD */
  char         *query;
  GArray       *ids;           /* gint64, newest first */
  GHashTable   *cache;         /* id -> HyMessageSummary */
  GQueue        cache_order;   /* ids (as pointers to gint64 in the keys) */
  GCancellable *cancellable;
  GError       *error;
  gboolean      loaded;
  gboolean      reload_pending;
  guint         full_load_source;  /* the whole list, once the head is shown */
  GArray       *flag_ids;          /* HyStore::messages-changed before folder-changed */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HyMessageList, hy_message_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_LOADED,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void     start_load      (HyMessageList *self,
                                 guint          limit,
                                 GArray        *refresh);
static gboolean start_full_load (gpointer       user_data);

static void
cache_insert (HyMessageList    *self,
              HyMessageSummary *summary)
{
  gint64 *key = g_new (gint64, 1);

  *key = hy_message_summary_get_id (summary);
  g_hash_table_replace (self->cache, key, summary);
  g_queue_push_tail (&self->cache_order, key);
  while (g_queue_get_length (&self->cache_order) > MAX_CACHED)
    {
      gint64 *old = g_queue_pop_head (&self->cache_order);
      gpointer stored_key;

      /* Only drop it if this queue entry is the live key. */
      if (g_hash_table_lookup_extended (self->cache, old, &stored_key, NULL) && stored_key == old)
        g_hash_table_remove (self->cache, old);
    }
}

static void
cache_clear (HyMessageList *self)
{
  g_queue_clear (&self->cache_order);
  g_hash_table_remove_all (self->cache);
}

static void
add_to_cache (const HyStoreSummaryRow *row,
              gpointer                 user_data)
{
  HyMessageList *self = user_data;

  if (!g_hash_table_contains (self->cache, &row->id))
    cache_insert (self, hy_message_summary_new_from_row (row));
}

static gboolean
read_summaries (HyMessageList      *self,
                const gint64       *ids,
                guint               n_ids,
                HyStoreSummaryFunc  func,
                gpointer            user_data,
                GError            **error)
{
  if (self->mode == MODE_THREADS)
    return hy_store_foreach_thread_summary (self->store, self->folder_id, ids, n_ids,
                                            func, user_data, error);
  return hy_store_foreach_summary (self->store, ids, n_ids, func, user_data, error);
}

static GType
hy_message_list_get_item_type (GListModel *model)
{
  return HY_TYPE_MESSAGE_SUMMARY;
}

static guint
hy_message_list_get_n_items (GListModel *model)
{
  return HY_MESSAGE_LIST (model)->ids->len;
}

static gpointer
hy_message_list_get_item (GListModel *model,
                          guint       position)
{
  HyMessageList *self = HY_MESSAGE_LIST (model);
  HyMessageSummary *summary;
  gint64 id;

  if (position >= self->ids->len)
    return NULL;
  id = g_array_index (self->ids, gint64, position);
  summary = g_hash_table_lookup (self->cache, &id);
  if (summary == NULL)
    {
      g_autoptr(GError) error = NULL;
      guint start = position - position % PAGE_SIZE;
      guint n = MIN (PAGE_SIZE, self->ids->len - start);

      /* A page of primary-key lookups: well under a millisecond. */
      if (!read_summaries (self, &g_array_index (self->ids, gint64, start), n,
                           add_to_cache, self, &error))
        g_warning ("Cannot read messages from the mail cache: %s", error->message);
      summary = g_hash_table_lookup (self->cache, &id);
    }
  if (summary == NULL)
    {
      /* Removed since the ids were read; the reload that follows drops it. */
      HyStoreSummaryRow row = { .id = id };

      summary = hy_message_summary_new_from_row (&row);
      cache_insert (self, summary);
    }
  return g_object_ref (summary);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = hy_message_list_get_item_type;
  iface->get_n_items = hy_message_list_get_n_items;
  iface->get_item = hy_message_list_get_item;
}

static void
hy_message_list_dispose (GObject *object)
{
  HyMessageList *self = HY_MESSAGE_LIST (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->full_load_source, g_source_remove);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (hy_message_list_parent_class)->dispose (object);
}

static void
hy_message_list_finalize (GObject *object)
{
  HyMessageList *self = HY_MESSAGE_LIST (object);

  cache_clear (self);
  g_hash_table_destroy (self->cache);
  g_array_unref (self->ids);
  g_clear_pointer (&self->flag_ids, g_array_unref);
  g_free (self->query);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (hy_message_list_parent_class)->finalize (object);
}

static void
hy_message_list_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  HyMessageList *self = HY_MESSAGE_LIST (object);

  switch (prop_id)
    {
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->ids->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hy_message_list_class_init (HyMessageListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hy_message_list_dispose;
  object_class->finalize = hy_message_list_finalize;
  object_class->get_property = hy_message_list_get_property;

  properties[PROP_LOADED] =
    g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hy_message_list_init (HyMessageList *self)
{
  self->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->cache = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  g_queue_init (&self->cache_order);
}

/* The ids whose summaries are in memory. */
static GArray *
cached_ids (HyMessageList *self)
{
  GArray *ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), g_hash_table_size (self->cache));
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->cache);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_array_append_val (ids, *(gint64 *) key);
  return ids;
}

static void
on_messages_changed (HyStore       *store,
                     gint64         folder_id,
                     GArray        *ids,
                     HyMessageList *self)
{
  /* Flags decide no folder's or thread's list of messages (a search's
   * may be by flag: it reads all again). */
  if (self->folder_id == 0 || self->folder_id != folder_id || self->mode == MODE_SEARCH)
    return;
  if (self->flag_ids == NULL)
    self->flag_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_array_append_vals (self->flag_ids, ids->data, ids->len);
}

static void
on_folder_changed (HyStore       *store,
                   gint64         folder_id,
                   HyMessageList *self)
{
  g_autoptr(GArray) flag_ids = NULL;

  /* A search (or a thread) may hold messages of any folder. */
  if (self->folder_id != 0 && self->folder_id != folder_id)
    return;
  flag_ids = g_steal_pointer (&self->flag_ids);
  if (flag_ids == NULL || self->cancellable != NULL)
    {
      hy_message_list_reload (self);
      return;
    }
  /* Only flags changed: the same rows, of which those in memory are read
   * again (a mark-read in a 100,000-message folder reads a few rows, not
   * the folder).  A load about to start reads them anyway. */
  if (self->full_load_source != 0)
    return;
  if (self->mode == MODE_FOLDER)
    {
      g_autoptr(GArray) cached = g_array_new (FALSE, FALSE, sizeof (gint64));

      for (guint i = 0; i < flag_ids->len; i++)
        if (g_hash_table_contains (self->cache, &g_array_index (flag_ids, gint64, i)))
          g_array_append_val (cached, g_array_index (flag_ids, gint64, i));
      if (cached->len > 0)
        start_load (self, 0, cached);
    }
  else
    {
      /* A thread's summary (its unread count) changes with any of its
       * messages, not only the one shown: all those in memory. */
      g_autoptr(GArray) cached = cached_ids (self);

      if (cached->len > 0)
        start_load (self, 0, cached);
    }
}

static HyMessageList *
create (HyStore    *store,
        Mode        mode,
        gint64      folder_id,
        gint64      thread_id,
        const char *query)
{
  HyMessageList *self = g_object_new (HY_TYPE_MESSAGE_LIST, NULL);

  self->store = g_object_ref (store);
  self->mode = mode;
  self->folder_id = folder_id;
  self->thread_id = thread_id;
  self->query = g_strdup (query);
  g_signal_connect (store, "messages-changed", G_CALLBACK (on_messages_changed), self);
  g_signal_connect (store, "folder-changed", G_CALLBACK (on_folder_changed), self);
  /* The newest page first, so that a large folder shows at once; the
   * rest follows.  A page fills a tall window: GTK 4.8's list view makes
   * a row widget for each item it has (up to 200) before it draws, so a
   * larger head only delays the first frame. */
  start_load (self, mode == MODE_FOLDER || mode == MODE_THREADS ? PAGE_SIZE : 0, NULL);
  return self;
}

HyMessageList *
hy_message_list_new_for_folder (HyStore *store,
                                gint64   folder_id)
{
  g_return_val_if_fail (HY_IS_STORE (store), NULL);
  g_return_val_if_fail (folder_id > 0, NULL);

  return create (store, MODE_FOLDER, folder_id, 0, NULL);
}

HyMessageList *
hy_message_list_new_for_search (HyStore    *store,
                                const char *query)
{
  g_return_val_if_fail (HY_IS_STORE (store), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  return create (store, MODE_SEARCH, 0, 0, query);
}

HyMessageList *
hy_message_list_new_for_threads (HyStore *store,
                                 gint64   folder_id)
{
  g_return_val_if_fail (HY_IS_STORE (store), NULL);
  g_return_val_if_fail (folder_id > 0, NULL);

  return create (store, MODE_THREADS, folder_id, 0, NULL);
}

HyMessageList *
hy_message_list_new_for_thread (HyStore *store,
                                gint64   thread_id,
                                gint64   folder_id)
{
  g_return_val_if_fail (HY_IS_STORE (store), NULL);
  g_return_val_if_fail (folder_id >= 0, NULL);

  return create (store, MODE_THREAD, folder_id, thread_id, NULL);
}

/* Loading, in a thread. */

typedef struct {
  Mode       mode;
  gint64     folder_id;
  gint64     thread_id;
  guint      limit;     /* only the newest ones, or 0 for all */
  gboolean   keep_ids;  /* the same ids: only read the summaries of cached */
  char      *query;
  GArray    *cached;  /* ids whose summaries are in memory */
  GArray    *ids;
  GPtrArray *fresh;   /* new summaries of the cached ids */
} LoadData;

static void
load_data_free (gpointer data)
{
  LoadData *load = data;

  g_free (load->query);
  g_clear_pointer (&load->cached, g_array_unref);
  g_clear_pointer (&load->ids, g_array_unref);
  g_clear_pointer (&load->fresh, g_ptr_array_unref);
  g_free (load);
}

static void
collect_fresh (const HyStoreSummaryRow *row,
               gpointer                 user_data)
{
  g_ptr_array_add (user_data, hy_message_summary_new_from_row (row));
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  HyMessageList *self = source_object;
  LoadData *load = task_data;
  GError *error = NULL;

  if (load->keep_ids)
    load->ids = g_array_new (FALSE, FALSE, sizeof (gint64));  /* unused */
  else if (load->mode == MODE_THREADS)
    load->ids = hy_store_list_thread_heads (self->store, load->folder_id, load->limit, &error);
  else if (load->mode == MODE_THREAD)
    load->ids = hy_store_list_thread_messages (self->store, load->thread_id, load->folder_id, &error);
  else if (load->query != NULL)
    load->ids = hy_store_search (self->store, load->query, &error);
  else if (load->limit > 0)
    load->ids = hy_store_list_recent_message_ids (self->store, load->folder_id, load->limit, &error);
  else
    load->ids = hy_store_list_message_ids (self->store, load->folder_id, &error);
  if (load->ids == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  load->fresh = g_ptr_array_new_with_free_func (g_object_unref);
  if (load->cached->len > 0
      && !read_summaries (self, (gint64 *) (gpointer) load->cached->data, load->cached->len,
                          collect_fresh, load->fresh, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
load_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  HyMessageList *self = HY_MESSAGE_LIST (source);
  GTask *task = G_TASK (result);
  LoadData *load = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) old = NULL;
  guint prefix = 0, suffix = 0;
  gboolean was_loaded;

  if (!g_task_propagate_boolean (task, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* A search the user mistyped is theirs to see, not a warning. */
      if (g_error_matches (error, HY_STORE_ERROR, HY_STORE_ERROR_BAD_QUERY))
        g_debug ("Cannot search: %s", error->message);
      else
        g_warning ("Cannot list messages: %s", error->message);
      g_clear_error (&self->error);
      self->error = g_steal_pointer (&error);
      g_clear_pointer (&load->ids, g_array_unref);
      g_clear_pointer (&load->fresh, g_ptr_array_unref);
      load->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
      load->fresh = g_ptr_array_new ();
    }
  else
    g_clear_error (&self->error);

  g_clear_object (&self->cancellable);

  /* Fresh state of the summaries in memory; gone ones are dropped. */
  for (guint i = 0; i < load->fresh->len; i++)
    {
      HyMessageSummary *fresh = g_ptr_array_index (load->fresh, i);
      gint64 id = hy_message_summary_get_id (fresh);
      HyMessageSummary *cached = g_hash_table_lookup (self->cache, &id);

      if (cached != NULL)
        hy_message_summary_update (cached, fresh);
    }

  /* Tell the view only about the part that changed. */
  if (load->keep_ids)
    {
      /* Only summaries were read: the rows stay, even if that failed. */
      g_array_unref (load->ids);
      load->ids = g_array_ref (self->ids);
    }
  old = g_steal_pointer (&self->ids);
  self->ids = g_steal_pointer (&load->ids);
  while (prefix < old->len && prefix < self->ids->len
         && g_array_index (old, gint64, prefix) == g_array_index (self->ids, gint64, prefix))
    prefix++;
  while (suffix < old->len - prefix && suffix < self->ids->len - prefix
         && g_array_index (old, gint64, old->len - 1 - suffix)
            == g_array_index (self->ids, gint64, self->ids->len - 1 - suffix))
    suffix++;

  was_loaded = self->loaded;
  /* Loaded means complete: a head of newest rows is not. */
  self->loaded = self->loaded || load->limit == 0 || self->error != NULL;
  if (old->len - prefix - suffix > 0 || self->ids->len - prefix - suffix > 0)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), prefix,
                                  old->len - prefix - suffix, self->ids->len - prefix - suffix);
      if (old->len != self->ids->len)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
  if (!was_loaded && self->loaded)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);

#ifdef HAVE_MALLOC_TRIM
  /* Listing a large folder's conversations sorts its 100,000 messages in
   * SQLite's memory, in the worker thread's malloc arena, which keeps the
   * freed pages (4 to 7 MB) in the process's RSS for good: return them. */
  if (load->limit == 0 && !load->keep_ids && self->ids->len >= TRIM_AFTER)
    malloc_trim (0);
#endif

  if (load->limit > 0 && self->error == NULL)
    {
      /* The head is shown; now all of it, once the main loop has nothing
       * more urgent: the view draws the head's rows first (GTK's layout
       * and frames run at higher priorities), without the load competing
       * for the CPU or its 100,000 items reaching the view before. */
      self->reload_pending = FALSE;
      self->full_load_source = g_idle_add_full (G_PRIORITY_LOW, start_full_load, self, NULL);
    }
  else if (self->reload_pending)
    {
      self->reload_pending = FALSE;
      start_load (self, 0, NULL);
    }
}

static gboolean
start_full_load (gpointer user_data)
{
  HyMessageList *self = user_data;

  self->full_load_source = 0;
  start_load (self, 0, NULL);
  return G_SOURCE_REMOVE;
}

/* @refresh: NULL to read the list, or ids in memory whose summaries
 * alone are read again, the list staying as it is. */
static void
start_load (HyMessageList *self,
            guint          limit,
            GArray        *refresh)
{
  g_autoptr(GTask) task = NULL;
  LoadData *load;

  load = g_new0 (LoadData, 1);
  load->mode = self->mode;
  load->folder_id = self->folder_id;
  load->thread_id = self->thread_id;
  load->limit = limit;
  load->query = g_strdup (self->query);
  load->keep_ids = refresh != NULL;
  load->cached = refresh != NULL ? g_array_ref (refresh) : cached_ids (self);

  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, load_done, NULL);
  g_task_set_source_tag (task, start_load);
  g_task_set_task_data (task, load, load_data_free);
  g_task_run_in_thread (task, load_thread);
}

void
hy_message_list_reload (HyMessageList *self)
{
  g_return_if_fail (HY_IS_MESSAGE_LIST (self));

  if (self->cancellable != NULL)
    {
      /* One load at a time; the newest state is read after this one. */
      self->reload_pending = TRUE;
      return;
    }
  /* The whole list is about to be read anyway. */
  if (self->full_load_source != 0)
    return;
  start_load (self, 0, NULL);
}

gboolean
hy_message_list_get_loaded (HyMessageList *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE_LIST (self), FALSE);

  return self->loaded;
}

const GError *
hy_message_list_get_error (HyMessageList *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE_LIST (self), NULL);

  return self->error;
}

int
hy_message_list_find (HyMessageList *self,
                      gint64         id)
{
  g_return_val_if_fail (HY_IS_MESSAGE_LIST (self), -1);

  for (guint i = 0; i < self->ids->len; i++)
    if (g_array_index (self->ids, gint64, i) == id)
      return i;
  return -1;
}
