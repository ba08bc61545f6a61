/* hy-window-actions.c — the main window's actions: flags, reply, print, navigation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>

#include "hy-move-dialog.h"
#include "hy-window-private.h"

/* ------------------------------------------------------------------ */
/* Flags, moves and deletions go through the engine: the store changes at
 * once (lists and counts follow by themselves) and the server later. */

typedef struct {
  HyWindow        *window;
  HyWindowAccount *entry;
  GArray          *ids;       /* gint64 */
  GArray          *origins;   /* gint64: the folder of each of ids (moves) */
  guint32          add;
  guint32          remove;
  gboolean         undoable;
  const char      *what;      /* "flags", "delete", "archive", "move", "move-back" */
  char            *target;    /* "move": the destination's name */
} Operation;

static void
operation_free (Operation *op)
{
  g_clear_object (&op->window);
  g_clear_pointer (&op->ids, g_array_unref);
  g_clear_pointer (&op->origins, g_array_unref);
  g_free (op->target);
  g_free (op);
}

static void on_operation_done (GObject      *object,
                               GAsyncResult *result,
                               gpointer      user_data);
static Operation *operation_new (HyWindow        *self,
                                 HyWindowAccount *entry,
                                 GArray          *ids,
                                 const char      *what);

/* Undo of a move, a deletion to Trash or an archiving: each message goes
 * back to the folder it came from (store ids survive moves, also once
 * the server has them). */
static void
move_back (Operation *op)
{
  g_autoptr(GHashTable) by_folder = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                                           (GDestroyNotify) g_array_unref);
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < op->ids->len; i++)
    {
      gint64 folder = g_array_index (op->origins, gint64, i);
      GArray *ids = g_hash_table_lookup (by_folder, &folder);

      if (ids == NULL)
        {
          ids = g_array_new (FALSE, FALSE, sizeof (gint64));
          g_hash_table_insert (by_folder, g_memdup2 (&folder, sizeof folder), ids);
        }
      g_array_append_val (ids, g_array_index (op->ids, gint64, i));
    }

  g_hash_table_iter_init (&iter, by_folder);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      HyFolder *folder = hy_engine_find_folder (op->window->engine, op->entry->account, *(gint64 *) key);
      GArray *ids = value;

      if (folder == NULL)
        continue;
      hy_engine_move_async (op->window->engine, op->entry->account, (const gint64 *) ids->data, ids->len,
                            folder, op->window->cancellable, on_operation_done,
                            operation_new (op->window, op->entry, ids, "move-back"));
    }
}

static gboolean
entry_is_alive (HyWindow        *self,
                HyWindowAccount *entry)
{
  return self->accounts != NULL && g_ptr_array_find (self->accounts, entry, NULL);
}

static void
on_undo (AdwToast  *toast,
         Operation *op)
{
  if (!entry_is_alive (op->window, op->entry))
    return;
  if (op->origins != NULL)
    move_back (op);
  else
    _hy_window_set_flags (op->window, op->entry, op->ids, op->remove, op->add, FALSE);
}

static void
on_operation_done (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Operation *op = user_data;
  HyWindow *self = op->window;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint n = op->ids->len;
  AdwToast *toast;

  if (!hy_engine_operation_finish (HY_ENGINE (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          text = g_strdup_printf (_("Could not change the messages: %s"), error->message);
          hy_window_add_toast (self, adw_toast_new (text));
        }
      operation_free (op);
      return;
    }

  if (g_strcmp0 (op->what, "move-back") == 0)
    {
      operation_free (op);
      return;
    }
  if (g_strcmp0 (op->what, "delete") == 0 && !op->undoable)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message deleted for good",
                                         "%u messages deleted for good", n), n);
  else if (g_strcmp0 (op->what, "delete") == 0)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message deleted",
                                         "%u messages deleted", n), n);
  else if (g_strcmp0 (op->what, "move") == 0)
    /* TRANSLATORS: %s is the name of a folder */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message moved to %s",
                                         "%u messages moved to %s", n), n, op->target);
  else if (g_strcmp0 (op->what, "archive") == 0)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message archived",
                                         "%u messages archived", n), n);
  else if (!op->undoable)
    {
      operation_free (op);
      return;
    }
  else if (op->add & HY_STORE_FLAG_SEEN)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message marked as read",
                                         "%u messages marked as read", n), n);
  else if (op->remove & HY_STORE_FLAG_SEEN)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message marked as unread",
                                         "%u messages marked as unread", n), n);
  else if (op->add & HY_STORE_FLAG_FLAGGED)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message flagged",
                                         "%u messages flagged", n), n);
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Flag removed from %u message",
                                         "Flag removed from %u messages", n), n);

  toast = adw_toast_new (text);
  if (op->undoable)
    {
      adw_toast_set_button_label (toast, _("_Undo"));
      g_signal_connect_data (toast, "button-clicked", G_CALLBACK (on_undo), op,
                             (GClosureNotify) operation_free, 0);
    }
  else
    operation_free (op);
  hy_window_add_toast (self, toast);
}

static Operation *
operation_new (HyWindow        *self,
               HyWindowAccount *entry,
               GArray          *ids,
               const char      *what)
{
  Operation *op = g_new0 (Operation, 1);

  op->window = g_object_ref (self);
  op->entry = entry;
  op->ids = g_array_ref (ids);
  op->what = what;
  return op;
}

void
_hy_window_set_flags (HyWindow        *self,
                      HyWindowAccount *entry,
                      GArray          *ids,
                      guint32          add,
                      guint32          remove,
                      gboolean         undoable)
{
  Operation *op;

  if (ids->len == 0)
    return;

  op = operation_new (self, entry, ids, "flags");
  op->add = add;
  op->remove = remove;
  op->undoable = undoable;
  hy_engine_set_flags_async (self->engine, entry->account, (const gint64 *) ids->data, ids->len,
                             add, remove, self->cancellable, on_operation_done, op);
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
      HyMessageSummary *summary = items->pdata[i];
      HyWindowAccount *entry = _hy_window_account_of_summary (self, summary);
      guint32 flags = hy_message_summary_get_flags (summary);
      GArray *ids;
      const gint64 *members;
      guint n_members;

      if (entry == NULL)
        continue;
      /* Only the messages that change, so that undo restores exactly; a
       * conversation row stands for all of its messages. */
      if (hy_message_summary_get_thread_count (summary) > 1)
        {
          if ((add & HY_STORE_FLAG_SEEN) && hy_message_summary_get_thread_unread (summary) == 0)
            continue;
        }
      else if (((flags | add) & ~remove) == flags)
        continue;
      ids = g_hash_table_lookup (by_account, entry);
      if (ids == NULL)
        {
          ids = g_array_new (FALSE, FALSE, sizeof (gint64));
          g_hash_table_insert (by_account, entry, ids);
        }
      members = hy_message_summary_get_thread_members (summary, &n_members);
      g_array_append_vals (ids, members, n_members);
    }

  g_hash_table_iter_init (&iter, by_account);
  while (g_hash_table_iter_next (&iter, &key, &value))
    _hy_window_set_flags (self, key, value, add, remove, TRUE);
}

/* Moves the selection (delete, archive, or move to @destination), one
 * job per account, each undoable by moving the messages back. */
static void
move_selection (HyWindow   *self,
                const char *what,
                HyFolder   *destination)
{
  g_autoptr(GPtrArray) items = _hy_window_list_get_selected (self);
  g_autoptr(GHashTable) by_account = g_hash_table_new_full (NULL, NULL, NULL,
                                                            (GDestroyNotify) operation_free);
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < items->len; i++)
    {
      HyMessageSummary *summary = items->pdata[i];
      HyWindowAccount *entry = _hy_window_account_of_summary (self, summary);
      gint64 origin = hy_message_summary_get_folder_id (summary);
      const gint64 *members;
      guint n_members;
      Operation *op;

      if (entry == NULL)
        continue;
      if (destination != NULL && hy_folder_get_account (destination) != entry->account)
        continue;
      op = g_hash_table_lookup (by_account, entry);
      if (op == NULL)
        {
          g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

          op = operation_new (self, entry, ids, what);
          op->origins = g_array_new (FALSE, FALSE, sizeof (gint64));
          op->undoable = TRUE;
          g_hash_table_insert (by_account, entry, op);
        }
      /* A conversation row moves all of its messages in the folder. */
      members = hy_message_summary_get_thread_members (summary, &n_members);
      g_array_append_vals (op->ids, members, n_members);
      for (guint j = 0; j < n_members; j++)
        g_array_append_val (op->origins, origin);
    }

  _hy_window_list_clear_reader (self);
  g_hash_table_iter_init (&iter, by_account);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      HyWindowAccount *entry = key;
      Operation *op = value;
      const gint64 *ids = (const gint64 *) (gpointer) op->ids->data;

      g_hash_table_iter_steal (&iter);
      if (g_strcmp0 (what, "delete") == 0)
        {
          HyFolder *trash = hy_engine_find_folder_by_role (self->engine, entry->account,
                                                           HY_FOLDER_ROLE_TRASH);

          /* Out of Trash (or without one) a deletion is for good. */
          for (guint i = 0; i < op->origins->len; i++)
            if (trash == NULL || g_array_index (op->origins, gint64, i) == hy_folder_get_id (trash))
              op->undoable = FALSE;
          hy_engine_delete_async (self->engine, entry->account, ids, op->ids->len,
                                  self->cancellable, on_operation_done, op);
        }
      else if (g_strcmp0 (what, "archive") == 0)
        hy_engine_archive_async (self->engine, entry->account, ids, op->ids->len,
                                 self->cancellable, on_operation_done, op);
      else
        {
          op->target = g_strdup (_hy_window_folder_name (destination));
          hy_engine_move_async (self->engine, entry->account, ids, op->ids->len, destination,
                                self->cancellable, on_operation_done, op);
        }
    }
}

static void
on_folder_chosen (HyMoveDialog *dialog,
                  HyFolder     *folder,
                  HyWindow     *self)
{
  move_selection (self, "move", folder);
}

static void
move_to (GtkWidget *widget, const char *name, GVariant *parameter)
{
  HyWindow *self = HY_WINDOW (widget);
  g_autoptr(GPtrArray) items = _hy_window_list_get_selected (self);
  HyWindowAccount *entry = NULL;
  HyMoveDialog *dialog;

  for (guint i = 0; i < items->len; i++)
    {
      HyWindowAccount *other = _hy_window_account_of_summary (self, items->pdata[i]);

      if (entry != NULL && other != entry)
        {
          hy_window_add_toast (self, adw_toast_new (_("Messages of different accounts cannot be moved together.")));
          return;
        }
      entry = other;
    }
  if (entry == NULL || entry->folders == NULL)
    return;

  dialog = hy_move_dialog_new (GTK_WINDOW (self), entry->folders,
                               self->current_folder != NULL ? hy_folder_get_id (self->current_folder) : 0);
  g_signal_connect_object (dialog, "folder-chosen", G_CALLBACK (on_folder_chosen), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
delete (GtkWidget *widget, const char *name, GVariant *parameter)
{
  move_selection (HY_WINDOW (widget), "delete", NULL);
}

static void
archive (GtkWidget *widget, const char *name, GVariant *parameter)
{
  move_selection (HY_WINDOW (widget), "archive", NULL);
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
  HyWindow *self = HY_WINDOW (widget);

  if (gtk_widget_get_visible (GTK_WIDGET (self->conversation)))
    hy_conversation_view_print (self->conversation);
  else
    hy_reader_print (self->reader);
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
on_synced (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HyWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  /* Failures show through the sync status (a toast with details). */
  if (!hy_engine_sync_finish (HY_ENGINE (object), result, &error))
    g_debug ("Sync failed: %s", error->message);
  _hy_window_update_sync_status (self);
}

static void
refresh (GtkWidget *widget, const char *name, GVariant *parameter)
{
  HyWindow *self = HY_WINDOW (widget);

  gtk_stack_set_visible_child_name (self->status_stack, "busy");
  gtk_spinner_start (self->status_spinner);
  hy_engine_sync_async (self->engine, NULL, self->cancellable, on_synced, g_object_ref (self));
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
  gtk_widget_action_set_enabled (widget, "win.delete", n > 0);
  gtk_widget_action_set_enabled (widget, "win.archive", n > 0);
  gtk_widget_action_set_enabled (widget, "win.move-to", n > 0);
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
  gtk_widget_class_install_action (widget_class, "win.delete", NULL, delete);
  gtk_widget_class_install_action (widget_class, "win.archive", NULL, archive);
  gtk_widget_class_install_action (widget_class, "win.move-to", NULL, move_to);
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
