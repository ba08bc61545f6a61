/* hy-window-list.c — the message list: a folder, the unified inbox or a search
 *
 * The list view shows the engine's paged HyMessageList directly, so that
 * a folder of 100,000 messages costs a few dozen row objects.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>

#include "hy-message-row.h"
#include "hy-window-private.h"

HyWindowAccount *
_hy_window_account_of_summary (HyWindow         *self,
                               HyMessageSummary *summary)
{
  if (self->current != NULL)
    return self->current;

  /* The unified inbox: find the account whose inbox list holds this very
   * object (ids are only unique within one store). */
  for (guint i = 0; i < self->accounts->len; i++)
    {
      HyWindowAccount *entry = self->accounts->pdata[i];
      HyMessageList *list = entry->unified_list;
      int pos;

      if (list == NULL)
        continue;
      pos = hy_message_list_find (list, hy_message_summary_get_id (summary));
      if (pos >= 0)
        {
          g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (list), pos);

          if (item == (GObject *) summary)
            return entry;
        }
    }
  return NULL;
}

/* Rows */

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  gtk_list_item_set_child (item, hy_message_row_new ());
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  user_data)
{
  hy_message_row_set_summary (HY_MESSAGE_ROW (gtk_list_item_get_child (item)),
                              gtk_list_item_get_item (item));
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  user_data)
{
  hy_message_row_set_summary (HY_MESSAGE_ROW (gtk_list_item_get_child (item)), NULL);
}

/* Selection */

HyMessageSummary *
_hy_window_list_get_single (HyWindow *self)
{
  g_autoptr(GtkBitset) set = NULL;

  if (self->selection == NULL)
    return NULL;
  set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  if (gtk_bitset_get_size (set) != 1)
    return NULL;
  return g_list_model_get_item (G_LIST_MODEL (self->selection), gtk_bitset_get_nth (set, 0));
}

GPtrArray *
_hy_window_list_get_selected (HyWindow *self)
{
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GtkBitset) set = NULL;
  GtkBitsetIter iter;
  guint pos;

  if (self->selection == NULL)
    return items;
  set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, set, &pos); ok;
       ok = gtk_bitset_iter_next (&iter, &pos))
    g_ptr_array_add (items, g_list_model_get_item (G_LIST_MODEL (self->selection), pos));
  return items;
}

void
_hy_window_list_clear_reader (HyWindow *self)
{
  hy_reader_clear (self->reader);
  hy_conversation_view_clear (self->conversation);
  gtk_widget_set_visible (GTK_WIDGET (self->conversation), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->reader), TRUE);
}

static gboolean
conversation_mode (HyWindow *self)
{
  return g_settings_get_boolean (self->settings, "conversation-view");
}

static gboolean
mark_read_now (gpointer user_data)
{
  HyWindow *self = user_data;
  g_autoptr(HyMessageSummary) summary = _hy_window_list_get_single (self);

  self->mark_read_source = 0;
  if (summary != NULL && gtk_widget_get_visible (GTK_WIDGET (self->conversation)))
    {
      /* A conversation: what is open of it, not the collapsed ones. */
      HyWindowAccount *entry = _hy_window_account_of_summary (self, summary);
      g_autoptr(GArray) ids = hy_conversation_view_get_unread_shown (self->conversation);

      if (entry != NULL)
        _hy_window_set_flags (self, entry, ids, HY_STORE_FLAG_SEEN, 0, FALSE);
      return G_SOURCE_REMOVE;
    }
  if (summary != NULL && hy_message_summary_get_unread (summary)
      && hy_message_summary_get_id (summary) == hy_reader_get_message_id (self->reader))
    {
      HyWindowAccount *entry = _hy_window_account_of_summary (self, summary);
      g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
      gint64 id = hy_message_summary_get_id (summary);

      g_array_append_val (ids, id);
      if (entry != NULL)
        _hy_window_set_flags (self, entry, ids, HY_STORE_FLAG_SEEN, 0, FALSE);
    }
  return G_SOURCE_REMOVE;
}

static void
on_selection_changed (GtkSelectionModel *model,
                      guint              position,
                      guint              n_items,
                      HyWindow          *self)
{
  g_autoptr(HyMessageSummary) summary = _hy_window_list_get_single (self);
  HyWindowAccount *entry;
  int delay;

  g_clear_handle_id (&self->mark_read_source, g_source_remove);
  _hy_window_actions_update (self);

  if (summary == NULL)
    return;
  entry = _hy_window_account_of_summary (self, summary);
  if (entry == NULL)
    return;

  if (hy_message_summary_get_thread_count (summary) > 0)
    {
      /* Marked read once shown (see on_conversation_loaded). */
      g_autoptr(HyMessageList) thread = hy_engine_list_thread (self->engine, entry->account,
                                                               hy_message_summary_get_thread_id (summary),
                                                               self->current_folder);

      hy_reader_clear (self->reader);
      gtk_widget_set_visible (GTK_WIDGET (self->reader), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->conversation), TRUE);
      hy_conversation_view_show (self->conversation, self->engine, entry->account, thread);
      return;
    }
  else
    {
      hy_conversation_view_clear (self->conversation);
      gtk_widget_set_visible (GTK_WIDGET (self->conversation), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->reader), TRUE);
      hy_reader_show_message (self->reader, self->engine, entry->account,
                              hy_message_summary_get_id (summary));
    }

  delay = g_settings_get_int (self->settings, "mark-read-delay");
  if (delay >= 0 && hy_message_summary_get_unread (summary))
    {
      if (delay == 0)
        mark_read_now (self);
      else
        self->mark_read_source = g_timeout_add_seconds (delay, mark_read_now, self);
    }
}

static void
on_activate (GtkListView *view,
             guint        position,
             HyWindow    *self)
{
  g_autoptr(HyMessageSummary) summary = _hy_window_list_get_single (self);

  /* A draft opens in the composer, to go on writing it. */
  if (summary != NULL && self->current != NULL && self->current_folder != NULL
      && hy_folder_get_role (self->current_folder) == HY_FOLDER_ROLE_DRAFTS)
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "app.edit-draft", "(sx)",
                                  hy_account_get_id (self->current->account),
                                  hy_message_summary_get_id (summary));
      return;
    }
  adw_leaflet_set_visible_child (self->leaflet, self->reader_pane);
  gtk_widget_grab_focus (GTK_WIDGET (self->reader));
}

/* The model */

static void
update_list_page (HyWindow *self)
{
  guint n = self->model != NULL ? g_list_model_get_n_items (self->model) : 0;
  gboolean loaded = TRUE;

  if (HY_IS_MESSAGE_LIST (self->model))
    {
      const GError *error = hy_message_list_get_error (HY_MESSAGE_LIST (self->model));

      loaded = hy_message_list_get_loaded (HY_MESSAGE_LIST (self->model));
      if (error != NULL && n == 0)
        {
          adw_status_page_set_title (self->empty_folder_page, _("The Search Failed"));
          adw_status_page_set_description (self->empty_folder_page, error->message);
          gtk_stack_set_visible_child_name (self->list_stack, "empty-folder");
          return;
        }
    }

  if (n > 0)
    gtk_stack_set_visible_child_name (self->list_stack, "list");
  else if (!loaded)
    gtk_stack_set_visible_child_name (self->list_stack, "loading");
  else
    {
      gboolean searching = gtk_search_bar_get_search_mode (self->search_bar)
                           && *gtk_editable_get_text (GTK_EDITABLE (self->search_entry)) != '\0';

      adw_status_page_set_title (self->empty_folder_page,
                                 searching ? _("No Results") : _("No Messages"));
      adw_status_page_set_description (self->empty_folder_page,
                                       searching ? _("Try other words, or search by sender with from:name.")
                                                 : NULL);
      adw_status_page_set_icon_name (self->empty_folder_page,
                                     searching ? "system-search-symbolic" : "mail-unread-symbolic");
      gtk_stack_set_visible_child_name (self->list_stack, "empty-folder");
    }

  if (loaded)
    gtk_spinner_stop (self->list_spinner);
  else
    gtk_spinner_start (self->list_spinner);
}

/* In a conversation list, the row of thread @thread_id when it is among
 * the newest (where a message opened from a notification is): its row
 * stands for its newest message, not necessarily the one opened. */
static int
find_thread_row (GListModel *model,
                 gint64      thread_id)
{
  guint n = MIN (g_list_model_get_n_items (model), 200);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HyMessageSummary) summary = g_list_model_get_item (model, i);

      if (hy_message_summary_get_thread_count (summary) > 0
          && hy_message_summary_get_thread_id (summary) == thread_id)
        return i;
    }
  return -1;
}

static void
on_model_changed (HyWindow *self)
{
  update_list_page (self);

  if (self->bench_switch_start > 0 && self->model != NULL && g_list_model_get_n_items (self->model) > 0)
    {
      self->bench_switch_start = 0;
      _hy_window_bench_after_frame (self, "first-rows");
    }

  if (self->select_when_loaded > 0 && HY_IS_MESSAGE_LIST (self->model))
    {
      int pos = hy_message_list_find (HY_MESSAGE_LIST (self->model), self->select_when_loaded);

      if (pos < 0 && self->select_thread_when_loaded > 0)
        pos = find_thread_row (self->model, self->select_thread_when_loaded);
      if (pos >= 0)
        {
          self->select_when_loaded = 0;
          self->select_thread_when_loaded = 0;
          gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), pos, TRUE);
          gtk_widget_activate_action (GTK_WIDGET (self->message_view), "list.scroll-to-item", "u", pos);
        }
      else if (hy_message_list_get_loaded (HY_MESSAGE_LIST (self->model)))
        self->select_when_loaded = self->select_thread_when_loaded = 0;
    }
}

static void
set_model (HyWindow   *self,
           GListModel *model)
{
  if (self->model != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->model, self);
      if (self->selection != NULL)
        g_signal_handlers_disconnect_by_data (self->selection, self);
    }
  g_clear_object (&self->selection);
  g_set_object (&self->model, model);
  g_clear_handle_id (&self->mark_read_source, g_source_remove);

  if (model != NULL)
    {
      self->selection = gtk_multi_selection_new (g_object_ref (model));
      g_signal_connect (self->selection, "selection-changed", G_CALLBACK (on_selection_changed), self);
      g_signal_connect_swapped (model, "items-changed", G_CALLBACK (on_model_changed), self);
      if (HY_IS_MESSAGE_LIST (model))
        g_signal_connect_swapped (model, "notify::loaded", G_CALLBACK (on_model_changed), self);
    }
  gtk_list_view_set_model (self->message_view, GTK_SELECTION_MODEL (self->selection));
  _hy_window_list_clear_reader (self);
  update_list_page (self);
  _hy_window_actions_update (self);
}

void
_hy_window_list_show_folder (HyWindow        *self,
                             HyWindowAccount *entry,
                             HyFolder        *folder,
                             const char      *title)
{
  g_autoptr(HyMessageList) list = NULL;

  g_return_if_fail (entry != NULL && folder != NULL);

  self->current = entry;
  g_set_object (&self->current_folder, folder);
  adw_window_title_set_title (self->list_title, title);
  adw_window_title_set_subtitle (self->list_title,
                                 self->accounts->len > 1 ? hy_account_get_address (entry->account) : NULL);
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);

  if (g_getenv ("HONGYAN_BENCH") != NULL)
    {
      self->bench_switch_start = g_get_monotonic_time ();
      _hy_window_bench_print ("switch");
    }
  if (conversation_mode (self))
    list = hy_engine_list_folder_threads (self->engine, folder);
  else
    list = hy_engine_list_folder (self->engine, folder);
  set_model (self, G_LIST_MODEL (list));
  _hy_window_inbox_seen (self);
}

void
_hy_window_list_refresh_mode (HyWindow *self)
{
  g_autofree char *title = NULL;

  if (gtk_search_bar_get_search_mode (self->search_bar)
      && *gtk_editable_get_text (GTK_EDITABLE (self->search_entry)) != '\0')
    return;  /* search results stay one row per message */
  if (self->current_folder != NULL && self->current != NULL)
    {
      title = g_strdup (adw_window_title_get_title (self->list_title));
      _hy_window_list_show_folder (self, self->current, self->current_folder, title);
    }
  else if (self->current == NULL && self->accounts != NULL && self->accounts->len > 0)
    _hy_window_list_show_unified (self);
}

static int
compare_by_date (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  gint64 da = hy_message_summary_get_date ((HyMessageSummary *) a);
  gint64 db = hy_message_summary_get_date ((HyMessageSummary *) b);

  return da < db ? 1 : da > db ? -1 : 0;
}

void
_hy_window_list_show_unified (HyWindow *self)
{
  GListStore *lists = g_list_store_new (G_TYPE_LIST_MODEL);
  GtkFlattenListModel *flat;
  GtkSortListModel *sorted;

  self->current = NULL;
  g_clear_object (&self->current_folder);
  adw_window_title_set_title (self->list_title, _("All Inboxes"));
  adw_window_title_set_subtitle (self->list_title, NULL);
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);

  for (guint i = 0; i < self->accounts->len; i++)
    {
      HyWindowAccount *entry = self->accounts->pdata[i];

      HyFolder *inbox = hy_engine_find_folder_by_role (self->engine, entry->account,
                                                       HY_FOLDER_ROLE_INBOX);

      g_clear_object (&entry->unified_list);
      if (inbox == NULL)
        continue;
      entry->unified_list = conversation_mode (self)
                            ? hy_engine_list_folder_threads (self->engine, inbox)
                            : hy_engine_list_folder (self->engine, inbox);
      g_list_store_append (lists, entry->unified_list);
    }

  flat = gtk_flatten_list_model_new (G_LIST_MODEL (lists));
  sorted = gtk_sort_list_model_new (G_LIST_MODEL (flat),
                                    GTK_SORTER (gtk_custom_sorter_new (compare_by_date, NULL, NULL)));
  gtk_sort_list_model_set_incremental (sorted, TRUE);
  set_model (self, G_LIST_MODEL (sorted));
  g_object_unref (sorted);
  _hy_window_inbox_seen (self);
}

void
_hy_window_list_search (HyWindow   *self,
                        const char *query)
{
  g_autoptr(HyMessageList) list = NULL;
  HyWindowAccount *entry = self->current;

  if (entry == NULL && self->accounts->len > 0)
    entry = self->accounts->pdata[0];
  if (entry == NULL)
    return;

  if (query == NULL || *query == '\0')
    {
      GtkListBoxRow *row = gtk_list_box_get_selected_row (self->folder_list);

      if (row != NULL)
        g_signal_emit_by_name (self->folder_list, "row-selected", row);
      return;
    }

  self->current = entry;
  g_clear_object (&self->current_folder);
  adw_window_title_set_title (self->list_title, _("Search Results"));
  adw_window_title_set_subtitle (self->list_title, query);
  list = hy_engine_search (self->engine, entry->account, query);
  set_model (self, G_LIST_MODEL (list));
}

void
_hy_window_list_show_outbox (HyWindow        *self,
                             HyWindowAccount *entry)
{
  g_return_if_fail (entry != NULL);

  self->current = entry;
  g_clear_object (&self->current_folder);
  adw_window_title_set_title (self->list_title, _("Outbox"));
  adw_window_title_set_subtitle (self->list_title,
                                 self->accounts->len > 1 ? hy_account_get_address (entry->account) : NULL);
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
  set_model (self, NULL);
  hy_outbox_view_set_outbox (self->outbox_view, entry->outbox);
  gtk_stack_set_visible_child_name (self->list_stack, "outbox");
}

static void
on_search_changed (GtkSearchEntry *entry,
                   HyWindow       *self)
{
  _hy_window_list_search (self, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
on_search_mode (HyWindow *self)
{
  if (!gtk_search_bar_get_search_mode (self->search_bar)
      && *gtk_editable_get_text (GTK_EDITABLE (self->search_entry)) != '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

/* Context menu on a row: select it first, like file managers do. */
static void
on_list_pressed (GtkGestureClick *gesture,
                 int              n_press,
                 double           x,
                 double           y,
                 HyWindow        *self)
{
  GtkWidget *picked = gtk_widget_pick (GTK_WIDGET (self->message_view), x, y, GTK_PICK_DEFAULT);
  GtkWidget *popover;
  GMenuModel *menu;

  while (picked != NULL && !HY_IS_MESSAGE_ROW (picked))
    picked = gtk_widget_get_parent (picked);
  if (picked != NULL && self->model != NULL)
    {
      HyMessageSummary *summary = hy_message_row_get_summary (HY_MESSAGE_ROW (picked));
      g_autoptr(GtkBitset) set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
      gboolean in_selection = FALSE;
      GtkBitsetIter iter;
      guint pos;

      for (gboolean ok = gtk_bitset_iter_init_first (&iter, set, &pos); ok && !in_selection;
           ok = gtk_bitset_iter_next (&iter, &pos))
        {
          g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (self->selection), pos);

          in_selection = item == (GObject *) summary;
        }
      if (!in_selection && HY_IS_MESSAGE_LIST (self->model))
        {
          int p = hy_message_list_find (HY_MESSAGE_LIST (self->model),
                                        hy_message_summary_get_id (summary));

          if (p >= 0)
            gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), p, TRUE);
        }
    }

  menu = self->message_menu;
  popover = gtk_popover_menu_new_from_model (menu);
  gtk_widget_set_parent (popover, GTK_WIDGET (self->message_view));
  gtk_popover_set_pointing_to (GTK_POPOVER (popover), &(GdkRectangle) { x, y, 1, 1 });
  gtk_popover_set_has_arrow (GTK_POPOVER (popover), FALSE);
  gtk_widget_set_halign (popover, GTK_ALIGN_START);
  g_signal_connect (popover, "closed", G_CALLBACK (gtk_widget_unparent), NULL);
  gtk_popover_popup (GTK_POPOVER (popover));
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

/* A conversation is shown: what is open of it is read after the delay. */
static void
on_conversation_loaded (HyConversationView *conversation,
                        HyWindow           *self)
{
  g_autoptr(GArray) unread = hy_conversation_view_get_unread_shown (conversation);
  int delay = g_settings_get_int (self->settings, "mark-read-delay");

  g_clear_handle_id (&self->mark_read_source, g_source_remove);
  if (delay < 0 || unread->len == 0)
    return;
  if (delay == 0)
    mark_read_now (self);
  else
    self->mark_read_source = g_timeout_add_seconds (delay, mark_read_now, self);
}

/* A collapsed message of a conversation was opened: it is read now. */
static void
on_conversation_expanded (HyConversationView *conversation,
                          gint64              id,
                          HyWindow           *self)
{
  g_autoptr(HyMessageSummary) summary = _hy_window_list_get_single (self);
  g_autoptr(GArray) unread = NULL;
  HyWindowAccount *entry;

  if (summary == NULL || g_settings_get_int (self->settings, "mark-read-delay") < 0)
    return;
  entry = _hy_window_account_of_summary (self, summary);
  unread = hy_conversation_view_get_unread_shown (conversation);
  for (guint i = 0; entry != NULL && i < unread->len; i++)
    if (g_array_index (unread, gint64, i) == id)
      {
        g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

        g_array_append_val (ids, id);
        _hy_window_set_flags (self, entry, ids, HY_STORE_FLAG_SEEN, 0, FALSE);
        break;
      }
}

static gboolean
on_delete_key (GtkWidget *widget,
               GVariant  *args,
               gpointer   user_data)
{
  HyWindow *self = user_data;
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  if (focus != NULL && (focus == self->sidebar_pane || gtk_widget_is_ancestor (focus, self->sidebar_pane)))
    return FALSE;
  if (focus != NULL && GTK_IS_EDITABLE (focus))
    return FALSE;
  return gtk_widget_activate_action (GTK_WIDGET (self), "win.delete", NULL);
}

void
_hy_window_list_init (HyWindow *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), self);
  gtk_list_view_set_factory (self->message_view, factory);
  g_object_unref (factory);
  g_signal_connect (self->message_view, "activate", G_CALLBACK (on_activate), self);
  g_signal_connect (self->conversation, "message-expanded", G_CALLBACK (on_conversation_expanded), self);
  g_signal_connect (self->conversation, "loaded", G_CALLBACK (on_conversation_loaded), self);

  self->outbox_view = HY_OUTBOX_VIEW (hy_outbox_view_new ());
  gtk_stack_add_named (self->list_stack, GTK_WIDGET (self->outbox_view), "outbox");

  /* Delete deletes the selection wherever the focus is in the list or
   * the reader; an entry that has the focus takes the key first (this
   * runs in the bubble phase), and the sidebar keeps it. */
  {
    GtkEventController *shortcuts = gtk_shortcut_controller_new ();

    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                          gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Delete, 0),
                                                            gtk_callback_action_new (on_delete_key, self, NULL)));
    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                          gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_KP_Delete, 0),
                                                            gtk_callback_action_new (on_delete_key, self, NULL)));
    gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);
  }

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_list_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->message_view), GTK_EVENT_CONTROLLER (click));

  g_signal_connect (self->search_entry, "search-changed", G_CALLBACK (on_search_changed), self);
  g_signal_connect_swapped (self->search_bar, "notify::search-mode-enabled",
                            G_CALLBACK (on_search_mode), self);
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self->list_pane));
}
