/* hy-window-actions.c — the main window's actions: flags, reply, print, navigation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>

#include "hy-window-private.h"
#include "store/hy-store-transaction.h"

/* ------------------------------------------------------------------ */
/* Flags: written to the store in a thread; lists follow by themselves. */

typedef struct {
  HyStore  *store;
  GArray   *ids;        /* gint64 */
  GArray   *old_flags;  /* guint32, per id; filled by the thread */
  GArray   *new_flags;  /* guint32, per id, or NULL to compute from add/remove */
  guint32   add;
  guint32   remove;
  gboolean  undoable;
} FlagJob;

static void
flag_job_free (FlagJob *job)
{
  g_clear_object (&job->store);
  g_clear_pointer (&job->ids, g_array_unref);
  g_clear_pointer (&job->old_flags, g_array_unref);
  g_clear_pointer (&job->new_flags, g_array_unref);
  g_free (job);
}

static void
flag_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  FlagJob *job = task_data;
  HyStoreTransaction *transaction;
  GError *error = NULL;

  transaction = hy_store_begin (job->store, &error);
  if (transaction == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  for (guint i = 0; i < job->ids->len; i++)
    {
      gint64 id = g_array_index (job->ids, gint64, i);
      g_autoptr(HyStoreMessage) message = hy_store_get_message (job->store, id, NULL);
      guint32 flags;

      if (message == NULL)
        {
          guint32 none = 0;

          g_array_append_val (job->old_flags, none);
          continue;
        }
      g_array_append_val (job->old_flags, message->flags);
      flags = job->new_flags != NULL ? g_array_index (job->new_flags, guint32, i)
                                     : (message->flags | job->add) & ~job->remove;
      if (flags != message->flags
          && !hy_store_transaction_set_flags (transaction, id, flags, message->keywords,
                                              message->modseq, &error))
        {
          hy_store_transaction_free (transaction);
          g_task_return_error (task, error);
          return;
        }
    }

  if (!hy_store_transaction_commit (transaction, &error))
    {
      hy_store_transaction_free (transaction);
      g_task_return_error (task, error);
      return;
    }
  hy_store_transaction_free (transaction);
  g_task_return_boolean (task, TRUE);
}

static void start_flag_job (HyWindow *self, FlagJob *job);

static void
on_undo (AdwToast *toast,
         HyWindow *self)
{
  FlagJob *done = g_object_get_data (G_OBJECT (toast), "hy-job");
  FlagJob *job = g_new0 (FlagJob, 1);

  job->store = g_object_ref (done->store);
  job->ids = g_array_ref (done->ids);
  job->new_flags = g_array_ref (done->old_flags);
  start_flag_job (self, job);
}

static void
on_flags_set (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  HyWindow *self = HY_WINDOW (object);
  FlagJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  AdwToast *toast;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      text = g_strdup_printf (_("Could not change the messages: %s"), error->message);
      hy_window_add_toast (self, adw_toast_new (text));
      return;
    }

  if (!job->undoable)
    return;

  {
    g_autofree char *text = NULL;
    guint n = job->ids->len;

    if (job->add & HY_STORE_FLAG_SEEN)
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message marked as read",
                                           "%u messages marked as read", n), n);
    else if (job->remove & HY_STORE_FLAG_SEEN)
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message marked as unread",
                                           "%u messages marked as unread", n), n);
    else if (job->add & HY_STORE_FLAG_FLAGGED)
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message flagged",
                                           "%u messages flagged", n), n);
    else
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Flag removed from %u message",
                                           "Flag removed from %u messages", n), n);
    toast = adw_toast_new (text);
  }
  adw_toast_set_button_label (toast, _("_Undo"));
  g_object_set_data_full (G_OBJECT (toast), "hy-job", g_task_get_task_data (G_TASK (result)), NULL);
  /* The toast keeps the job alive for its undo. */
  g_object_set_data_full (G_OBJECT (toast), "hy-task", g_object_ref (result), g_object_unref);
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (on_undo), self, 0);
  hy_window_add_toast (self, toast);
}

static void
start_flag_job (HyWindow *self,
                FlagJob  *job)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, on_flags_set, NULL);

  job->old_flags = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_task_set_source_tag (task, start_flag_job);
  g_task_set_task_data (task, job, (GDestroyNotify) flag_job_free);
  g_task_run_in_thread (task, flag_thread);
}

void
_hy_window_set_flags (HyWindow        *self,
                      HyWindowAccount *entry,
                      GArray          *ids,
                      guint32          add,
                      guint32          remove,
                      gboolean         undoable)
{
  FlagJob *job;

  if (entry->store == NULL || ids->len == 0)
    return;

  job = g_new0 (FlagJob, 1);
  job->store = g_object_ref (entry->store);
  job->ids = g_array_ref (ids);
  job->add = add;
  job->remove = remove;
  job->undoable = undoable;
  start_flag_job (self, job);
}

/* Applies add/remove to the selection, one job per account. */
static void
change_selection (HyWindow *self,
                  guint32   add,
                  guint32   remove)
{
  g_autoptr(GPtrArray) items = _hy_window_list_get_selected (self);
  g_autoptr(GHashTable) by_account = g_hash_table_new_full (NULL, NULL, NULL,
                                                            (GDestroyNotify) g_array_unref);
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < items->len; i++)
    {
      HyWindowAccount *entry = _hy_window_account_of_summary (self, items->pdata[i]);
      GArray *ids;
      gint64 id = hy_message_summary_get_id (items->pdata[i]);

      if (entry == NULL)
        continue;
      ids = g_hash_table_lookup (by_account, entry);
      if (ids == NULL)
        {
          ids = g_array_new (FALSE, FALSE, sizeof (gint64));
          g_hash_table_insert (by_account, entry, ids);
        }
      g_array_append_val (ids, id);
    }

  g_hash_table_iter_init (&iter, by_account);
  while (g_hash_table_iter_next (&iter, &key, &value))
    _hy_window_set_flags (self, key, value, add, remove, TRUE);
}

static void
mark_read (GtkWidget *widget, const char *name, GVariant *parameter)
{
  change_selection (HY_WINDOW (widget), HY_STORE_FLAG_SEEN, 0);
}

static void
mark_unread (GtkWidget *widget, const char *name, GVariant *parameter)
{
  HyWindow *self = HY_WINDOW (widget);

  /* Do not mark it read again right away. */
  g_clear_handle_id (&self->mark_read_source, g_source_remove);
  change_selection (self, 0, HY_STORE_FLAG_SEEN);
}

static void
flag (GtkWidget *widget, const char *name, GVariant *parameter)
{
  change_selection (HY_WINDOW (widget), HY_STORE_FLAG_FLAGGED, 0);
}

static void
unflag (GtkWidget *widget, const char *name, GVariant *parameter)
{
  change_selection (HY_WINDOW (widget), 0, HY_STORE_FLAG_FLAGGED);
}

static void
toggle_flag (GtkWidget *widget, const char *name, GVariant *parameter)
{
  HyWindow *self = HY_WINDOW (widget);
  g_autoptr(GPtrArray) items = _hy_window_list_get_selected (self);
  gboolean all_flagged = items->len > 0;

  for (guint i = 0; i < items->len; i++)
    all_flagged &= hy_message_summary_get_flagged (items->pdata[i]);
  if (all_flagged)
    change_selection (self, 0, HY_STORE_FLAG_FLAGGED);
  else
    change_selection (self, HY_STORE_FLAG_FLAGGED, 0);
}

/* ------------------------------------------------------------------ */
/* Reply and forward: the composer's application actions take (sx). */

static void
activate_compose (HyWindow   *self,
                  const char *app_action)
{
  g_autoptr(HyMessageSummary) summary = _hy_window_list_get_single (self);
  HyWindowAccount *entry;

  if (summary == NULL)
    return;
  entry = _hy_window_account_of_summary (self, summary);
  if (entry == NULL)
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), app_action, "(sx)",
                              hy_account_get_id (entry->account),
                              hy_message_summary_get_id (summary));
}

static void
reply (GtkWidget *widget, const char *name, GVariant *parameter)
{
  activate_compose (HY_WINDOW (widget), "app.reply");
}

static void
reply_all (GtkWidget *widget, const char *name, GVariant *parameter)
{
  activate_compose (HY_WINDOW (widget), "app.reply-all");
}

static void
forward (GtkWidget *widget, const char *name, GVariant *parameter)
{
  activate_compose (HY_WINDOW (widget), "app.forward");
}

static void
forward_as_attachment (GtkWidget *widget, const char *name, GVariant *parameter)
{
  activate_compose (HY_WINDOW (widget), "app.forward-as-attachment");
}

static void
print (GtkWidget *widget, const char *name, GVariant *parameter)
{
  hy_reader_print (HY_WINDOW (widget)->reader);
}

/* ------------------------------------------------------------------ */
/* Navigation */

static void
search (GtkWidget *widget, const char *name, GVariant *parameter)
{
  HyWindow *self = HY_WINDOW (widget);

  adw_leaflet_set_visible_child (self->leaflet, self->list_pane);
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
show_folders (GtkWidget *widget, const char *name, GVariant *parameter)
{
  HyWindow *self = HY_WINDOW (widget);

  adw_leaflet_set_visible_child (self->leaflet, self->sidebar_pane);
  gtk_widget_grab_focus (GTK_WIDGET (self->folder_list));
}

static void
show_list (GtkWidget *widget, const char *name, GVariant *parameter)
{
  HyWindow *self = HY_WINDOW (widget);

  adw_leaflet_set_visible_child (self->leaflet, self->list_pane);
  gtk_widget_grab_focus (GTK_WIDGET (self->message_view));
}

static void
show_reader (GtkWidget *widget, const char *name, GVariant *parameter)
{
  HyWindow *self = HY_WINDOW (widget);

  adw_leaflet_set_visible_child (self->leaflet, self->reader_pane);
  gtk_widget_child_focus (GTK_WIDGET (self->reader), GTK_DIR_TAB_FORWARD);
}

static void
refresh (GtkWidget *widget, const char *name, GVariant *parameter)
{
  HyWindow *self = HY_WINDOW (widget);

  for (guint i = 0; i < self->accounts->len; i++)
    _hy_window_reload_folders (self, self->accounts->pdata[i]);
  if (HY_IS_MESSAGE_LIST (self->model))
    hy_message_list_reload (HY_MESSAGE_LIST (self->model));
  else if (self->model != NULL)
    _hy_window_list_show_unified (self);
}

void
_hy_window_actions_update (HyWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  g_autoptr(GtkBitset) set = self->selection != NULL
    ? gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection)) : NULL;
  guint64 n = set != NULL ? gtk_bitset_get_size (set) : 0;

  gtk_widget_action_set_enabled (widget, "win.mark-read", n > 0);
  gtk_widget_action_set_enabled (widget, "win.mark-unread", n > 0);
  gtk_widget_action_set_enabled (widget, "win.flag", n > 0);
  gtk_widget_action_set_enabled (widget, "win.unflag", n > 0);
  gtk_widget_action_set_enabled (widget, "win.toggle-flag", n > 0);
  gtk_widget_action_set_enabled (widget, "win.reply", n == 1);
  gtk_widget_action_set_enabled (widget, "win.reply-all", n == 1);
  gtk_widget_action_set_enabled (widget, "win.forward", n == 1);
  gtk_widget_action_set_enabled (widget, "win.forward-as-attachment", n == 1);
  gtk_widget_action_set_enabled (widget, "win.print", n == 1);
}

void
_hy_window_actions_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.mark-read", NULL, mark_read);
  gtk_widget_class_install_action (widget_class, "win.mark-unread", NULL, mark_unread);
  gtk_widget_class_install_action (widget_class, "win.flag", NULL, flag);
  gtk_widget_class_install_action (widget_class, "win.unflag", NULL, unflag);
  gtk_widget_class_install_action (widget_class, "win.toggle-flag", NULL, toggle_flag);
  gtk_widget_class_install_action (widget_class, "win.reply", NULL, reply);
  gtk_widget_class_install_action (widget_class, "win.reply-all", NULL, reply_all);
  gtk_widget_class_install_action (widget_class, "win.forward", NULL, forward);
  gtk_widget_class_install_action (widget_class, "win.forward-as-attachment", NULL, forward_as_attachment);
  gtk_widget_class_install_action (widget_class, "win.print", NULL, print);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search);
  gtk_widget_class_install_action (widget_class, "win.show-folders", NULL, show_folders);
  gtk_widget_class_install_action (widget_class, "win.show-list", NULL, show_list);
  gtk_widget_class_install_action (widget_class, "win.show-reader", NULL, show_reader);
  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, refresh);
}
