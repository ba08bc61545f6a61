/* hy-window-sidebar.c — the folder sidebar: a unified inbox, then each account's folders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>

#include "hy-application.h"
#include "hy-compose-actions.h"
#include "hy-window-private.h"

/* What a sidebar row stands for. */
typedef struct {
  HyWindowAccount *entry;      /* NULL for the unified inbox */
  HyFolder        *folder;     /* NULL for an account's title row */
  GtkLabel        *count;
  GtkLabel        *title;
  gboolean         outbox;     /* the account's Outbox */
} RowData;

static void
row_data_free (RowData *data)
{
  g_clear_object (&data->folder);
  g_free (data);
}

const char *
_hy_window_folder_icon (HyFolderRole role)
{
  switch (role)
    {
    case HY_FOLDER_ROLE_INBOX: return "mail-unread-symbolic";
    case HY_FOLDER_ROLE_SENT: return "mail-send-symbolic";
    case HY_FOLDER_ROLE_DRAFTS: return "document-edit-symbolic";
    case HY_FOLDER_ROLE_TRASH: return "user-trash-symbolic";
    case HY_FOLDER_ROLE_ARCHIVE: return "folder-documents-symbolic";
    case HY_FOLDER_ROLE_JUNK: return "mail-mark-junk-symbolic";
    case HY_FOLDER_ROLE_ALL: return "mail-read-symbolic";
    case HY_FOLDER_ROLE_FLAGGED: return "starred-symbolic";
    case HY_FOLDER_ROLE_NONE:
    case HY_FOLDER_ROLE_LAST:
    default:
      return "folder-symbolic";
    }
}

/* The name shown for a folder: the special folders in the user's
 * language, whatever the server calls them; the others as named. */
const char *
_hy_window_folder_name (HyFolder *folder)
{
  switch (hy_folder_get_role (folder))
    {
    case HY_FOLDER_ROLE_INBOX: return _("Inbox");
    case HY_FOLDER_ROLE_SENT: return C_("folder", "Sent");
    case HY_FOLDER_ROLE_DRAFTS: return C_("folder", "Drafts");
    case HY_FOLDER_ROLE_TRASH: return C_("folder", "Trash");
    case HY_FOLDER_ROLE_ARCHIVE: return C_("folder", "Archive");
    case HY_FOLDER_ROLE_JUNK: return C_("folder", "Junk");
    case HY_FOLDER_ROLE_ALL: return C_("folder", "All Mail");
    case HY_FOLDER_ROLE_FLAGGED: return C_("folder", "Flagged");
    case HY_FOLDER_ROLE_NONE:
    case HY_FOLDER_ROLE_LAST:
    default:
      return hy_folder_get_display_name (folder);
    }
}

/* Inbox, then the other special folders in a fixed order, then the
 * rest in the engine's order (by name, a child after its parent). */
static int
role_rank (HyFolderRole role)
{
  static const int rank[HY_FOLDER_ROLE_LAST] = {
    [HY_FOLDER_ROLE_INBOX] = 1, [HY_FOLDER_ROLE_FLAGGED] = 2, [HY_FOLDER_ROLE_DRAFTS] = 3,
    [HY_FOLDER_ROLE_SENT] = 4, [HY_FOLDER_ROLE_ARCHIVE] = 5, [HY_FOLDER_ROLE_ALL] = 6,
    [HY_FOLDER_ROLE_JUNK] = 7, [HY_FOLDER_ROLE_TRASH] = 8,
  };

  return role > HY_FOLDER_ROLE_NONE && role < HY_FOLDER_ROLE_LAST ? rank[role] : 100;
}

GPtrArray *
_hy_window_sorted_folders (GListModel *folders)
{
  guint n = folders != NULL ? g_list_model_get_n_items (folders) : 0;
  GPtrArray *sorted = g_ptr_array_new_full (n, g_object_unref);

  /* A stable sort: roles first, by rank; the others keep their order.
   * Only top-level folders with a role move, so children stay under
   * their parents. */
  for (int r = 1; r <= 8; r++)
    for (guint i = 0; i < n; i++)
      {
        g_autoptr(HyFolder) folder = g_list_model_get_item (folders, i);

        if (role_rank (hy_folder_get_role (folder)) == r && hy_folder_get_depth (folder) == 0)
          g_ptr_array_add (sorted, g_steal_pointer (&folder));
      }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HyFolder) folder = g_list_model_get_item (folders, i);

      if (role_rank (hy_folder_get_role (folder)) == 100 || hy_folder_get_depth (folder) > 0)
        g_ptr_array_add (sorted, g_steal_pointer (&folder));
    }
  return sorted;
}

static void
set_count (GtkLabel *label,
           guint     unread)
{
  g_autofree char *text = unread > 0 ? g_strdup_printf ("%u", unread) : NULL;

  gtk_label_set_label (label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), unread > 0);
}

static GtkWidget *
make_row (HyWindowAccount *entry,
          HyFolder        *folder,
          const char      *icon,
          const char      *title,
          guint            depth,
          guint            unread)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *label = gtk_label_new (title);
  GtkWidget *count = gtk_label_new (NULL);
  RowData *data = g_new0 (RowData, 1);

  gtk_widget_set_margin_start (box, 12 * depth);
  gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name (icon));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), label);
  gtk_widget_add_css_class (count, "unread-count");
  gtk_widget_add_css_class (count, "numeric");
  set_count (GTK_LABEL (count), unread);
  gtk_box_append (GTK_BOX (box), count);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);

  data->entry = entry;
  data->folder = folder != NULL ? g_object_ref (folder) : NULL;
  data->count = GTK_LABEL (count);
  data->title = GTK_LABEL (label);
  g_object_set_data_full (G_OBJECT (row), "hy-row", data, (GDestroyNotify) row_data_free);
  return row;
}

static GtkWidget *
make_account_title (HyWindowAccount *entry)
{
  GtkWidget *row = gtk_list_box_row_new ();
  const char *name = hy_account_get_display_name (entry->account);
  GtkWidget *label = gtk_label_new (name != NULL && *name != '\0'
                                    ? name : hy_account_get_address (entry->account));
  RowData *data = g_new0 (RowData, 1);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, "heading");
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_margin_top (label, 12);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
  gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  data->entry = entry;
  g_object_set_data_full (G_OBJECT (row), "hy-row", data, (GDestroyNotify) row_data_free);
  return row;
}

static guint
unified_unread (HyWindow *self)
{
  guint unread = 0;

  for (guint i = 0; i < self->accounts->len; i++)
    {
      HyWindowAccount *entry = self->accounts->pdata[i];
      HyFolder *inbox = hy_engine_find_folder_by_role (self->engine, entry->account,
                                                       HY_FOLDER_ROLE_INBOX);

      if (inbox != NULL)
        unread += hy_folder_get_unread (inbox);
    }
  return unread;
}

static void
update_counts (HyWindow *self)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->folder_list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      RowData *data = g_object_get_data (G_OBJECT (row), "hy-row");

      if (data == NULL || data->count == NULL)
        continue;
      if (data->outbox)
        set_count (data->count, data->entry->outbox_count);
      else if (data->entry == NULL)
        set_count (data->count, unified_unread (self));
      else if (data->folder != NULL)
        set_count (data->count, hy_folder_get_unread (data->folder));
    }
}

static void
on_folder_notify (HyFolder   *folder,
                  GParamSpec *pspec,
                  HyWindow   *self)
{
  update_counts (self);
}

typedef struct {
  HyWindow *window;
  HyOutbox *outbox;
} OutboxCount;

static void
on_outbox_listed (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  OutboxCount *job = user_data;
  g_autoptr(HyWindow) self = job->window;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = hy_outbox_list_finish (HY_OUTBOX (object), result, &error);

  g_free (job);
  if (entries == NULL)
    {
      g_debug ("Cannot count the outbox: %s", error->message);
      return;
    }
  for (guint i = 0; self->accounts != NULL && i < self->accounts->len; i++)
    {
      HyWindowAccount *entry = self->accounts->pdata[i];
      gboolean was_shown = entry->outbox_count > 0;

      if (entry->outbox != HY_OUTBOX (object))
        continue;
      entry->outbox_count = entries->len;
      /* The row comes and goes with the messages. */
      if (was_shown != (entries->len > 0))
        _hy_window_sidebar_rebuild (self);
      else
        update_counts (self);
    }
}

void
_hy_window_sidebar_outbox_changed (HyOutbox *outbox,
                                   HyWindow *self)
{
  OutboxCount *job = g_new0 (OutboxCount, 1);

  job->window = g_object_ref (self);
  job->outbox = outbox;
  hy_outbox_list_async (outbox, FALSE, self->cancellable, on_outbox_listed, job);
}

/* Each account's outbox (the one the composer sends through), watched
 * for the Outbox row; made once the account's store is open. */
static void
watch_outboxes (HyWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  if (!HY_IS_APPLICATION (app))
    return;
  for (guint i = 0; i < self->accounts->len; i++)
    {
      HyWindowAccount *entry = self->accounts->pdata[i];

      if (entry->outbox != NULL || hy_engine_get_store (self->engine, entry->account) == NULL)
        continue;
      entry->outbox = hy_compose_actions_get_outbox (HY_APPLICATION (app), entry->account);
      if (entry->outbox == NULL)
        continue;
      g_object_ref (entry->outbox);
      entry->outbox_changed_id = g_signal_connect (entry->outbox, "changed",
                                                   G_CALLBACK (_hy_window_sidebar_outbox_changed), self);
      _hy_window_sidebar_outbox_changed (entry->outbox, self);
    }
}

void
_hy_window_sidebar_rebuild (HyWindow *self)
{
  GtkListBoxRow *selected = gtk_list_box_get_selected_row (self->folder_list);
  RowData *was = selected != NULL ? g_object_get_data (G_OBJECT (selected), "hy-row") : NULL;
  HyWindowAccount *was_entry = was != NULL ? was->entry : NULL;
  gint64 was_folder = was != NULL && was->folder != NULL ? hy_folder_get_id (was->folder) : 0;
  gboolean had_selection = was != NULL;
  gboolean was_outbox = was != NULL && was->outbox;
  GtkWidget *child;
  GtkWidget *reselect = NULL;

  g_signal_handlers_block_matched (self->folder_list, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->folder_list))) != NULL)
    gtk_list_box_remove (self->folder_list, child);

  if (self->accounts->len > 1)
    {
      GtkWidget *row = make_row (NULL, NULL, "mail-unread-symbolic", _("All Inboxes"), 0,
                                 unified_unread (self));

      gtk_list_box_append (self->folder_list, row);
      if (had_selection && was_entry == NULL)
        reselect = row;
    }

  for (guint i = 0; i < self->accounts->len; i++)
    {
      HyWindowAccount *entry = self->accounts->pdata[i];
      g_autoptr(GPtrArray) folders = _hy_window_sorted_folders (entry->folders);

      gtk_list_box_append (self->folder_list, make_account_title (entry));
      for (guint j = 0; j < folders->len; j++)
        {
          HyFolder *folder = folders->pdata[j];
          HyFolderRole role = hy_folder_get_role (folder);
          const char *name = _hy_window_folder_name (folder);
          GtkWidget *row = make_row (entry, folder, _hy_window_folder_icon (role), name,
                                     hy_folder_get_depth (folder), hy_folder_get_unread (folder));

          gtk_widget_set_tooltip_text (row, hy_folder_get_name (folder));
          gtk_list_box_append (self->folder_list, row);
          g_signal_connect_object (folder, "notify::unread", G_CALLBACK (on_folder_notify), self, 0);
          if (had_selection && entry == was_entry && hy_folder_get_id (folder) == was_folder)
            reselect = row;
        }
      if (entry->outbox_count > 0)
        {
          GtkWidget *row = make_row (entry, NULL, "mail-send-symbolic", _("Outbox"), 0, entry->outbox_count);
          RowData *data = g_object_get_data (G_OBJECT (row), "hy-row");

          data->outbox = TRUE;
          gtk_list_box_append (self->folder_list, row);
          if (was_outbox && entry == was_entry)
            reselect = row;
        }
    }

  if (reselect != NULL)
    gtk_list_box_select_row (self->folder_list, GTK_LIST_BOX_ROW (reselect));
  g_signal_handlers_unblock_matched (self->folder_list, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);

  watch_outboxes (self);

  /* Open on the (unified) inbox the first time folders are known, or
   * when the outbox shown has emptied. */
  if (was_outbox && reselect == NULL)
    had_selection = FALSE;
  if (!had_selection && self->loaded)
    {
      if (self->accounts->len > 1)
        _hy_window_sidebar_select (self, NULL, 0);
      else if (self->accounts->len == 1)
        {
          HyWindowAccount *entry = self->accounts->pdata[0];
          /* The engine keeps the folder: no reference of our own. */
          HyFolder *inbox = hy_engine_find_folder_by_role (self->engine, entry->account,
                                                           HY_FOLDER_ROLE_INBOX);
          g_autoptr(HyFolder) first = NULL;

          if (inbox == NULL && entry->folders != NULL && g_list_model_get_n_items (entry->folders) > 0)
            inbox = first = g_list_model_get_item (entry->folders, 0);
          if (inbox != NULL)
            _hy_window_sidebar_select (self, entry, hy_folder_get_id (inbox));
        }
    }
}

gboolean
_hy_window_sidebar_select (HyWindow        *self,
                           HyWindowAccount *entry,
                           gint64           folder_id)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->folder_list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      RowData *data = g_object_get_data (G_OBJECT (row), "hy-row");

      if (data != NULL && data->entry == entry
          && (entry == NULL || (data->folder != NULL && hy_folder_get_id (data->folder) == folder_id)))
        {
          if (gtk_list_box_get_selected_row (self->folder_list) == GTK_LIST_BOX_ROW (row))
            return TRUE;
          gtk_list_box_select_row (self->folder_list, GTK_LIST_BOX_ROW (row));
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
_hy_window_sidebar_select_outbox (HyWindow        *self,
                                  HyWindowAccount *entry)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->folder_list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      RowData *data = g_object_get_data (G_OBJECT (row), "hy-row");

      if (data != NULL && data->outbox && data->entry == entry)
        {
          gtk_list_box_select_row (self->folder_list, GTK_LIST_BOX_ROW (row));
          return TRUE;
        }
    }
  return FALSE;
}

static void
on_row_selected (GtkListBox    *box,
                 GtkListBoxRow *row,
                 HyWindow      *self)
{
  RowData *data;

  if (row == NULL)
    return;
  data = g_object_get_data (G_OBJECT (row), "hy-row");
  if (data == NULL)
    return;

  if (data->outbox)
    _hy_window_list_show_outbox (self, data->entry);
  else if (data->entry == NULL)
    _hy_window_list_show_unified (self);
  else if (data->folder != NULL)
    _hy_window_list_show_folder (self, data->entry, data->folder,
                                 gtk_label_get_label (data->title));
}

static void
on_row_activated (GtkListBox    *box,
                  GtkListBoxRow *row,
                  HyWindow      *self)
{
  adw_leaflet_set_visible_child (self->leaflet, self->list_pane);
}

void
_hy_window_sidebar_init (HyWindow *self)
{
  g_signal_connect (self->folder_list, "row-selected", G_CALLBACK (on_row_selected), self);
  g_signal_connect (self->folder_list, "row-activated", G_CALLBACK (on_row_activated), self);
}
