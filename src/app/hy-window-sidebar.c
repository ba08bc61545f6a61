/* hy-window-sidebar.c — the folder sidebar: a unified inbox, then each account's folders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>

#include "hy-window-private.h"

/* What a sidebar row stands for. */
typedef struct {
  HyWindowAccount *entry;      /* NULL for the unified inbox */
  gint64           folder_id;  /* 0 for an account's title row */
  GtkLabel        *count;
} RowData;

const char *
_hy_window_folder_icon (HyFolderRole role)
{
  switch (role)
    {
    case HY_FOLDER_ROLE_INBOX: return "mail-inbox-symbolic";
    case HY_FOLDER_ROLE_SENT: return "mail-send-symbolic";
    case HY_FOLDER_ROLE_DRAFTS: return "document-edit-symbolic";
    case HY_FOLDER_ROLE_TRASH: return "user-trash-symbolic";
    case HY_FOLDER_ROLE_ARCHIVE: return "folder-documents-symbolic";
    case HY_FOLDER_ROLE_JUNK: return "dialog-warning-symbolic";
    case HY_FOLDER_ROLE_ALL: return "mail-read-symbolic";
    case HY_FOLDER_ROLE_FLAGGED: return "starred-symbolic";
    case HY_FOLDER_ROLE_NONE:
    case HY_FOLDER_ROLE_LAST:
    default:
      return "folder-symbolic";
    }
}

static const char *
role_title (HyFolderRole role)
{
  switch (role)
    {
    case HY_FOLDER_ROLE_INBOX: return _("Inbox");
    case HY_FOLDER_ROLE_SENT: return _("Sent");
    case HY_FOLDER_ROLE_DRAFTS: return _("Drafts");
    case HY_FOLDER_ROLE_TRASH: return _("Trash");
    case HY_FOLDER_ROLE_ARCHIVE: return _("Archive");
    case HY_FOLDER_ROLE_JUNK: return _("Junk");
    case HY_FOLDER_ROLE_ALL: return _("All Mail");
    case HY_FOLDER_ROLE_FLAGGED: return _("Flagged");
    case HY_FOLDER_ROLE_NONE:
    case HY_FOLDER_ROLE_LAST:
    default:
      return NULL;
    }
}

/* Inbox, then the other special folders in a fixed order, then the
 * rest by name so that a child follows its parent. */
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

static int
compare_folders (gconstpointer a,
                 gconstpointer b)
{
  const HyStoreFolder *fa = *(HyStoreFolder * const *) a;
  const HyStoreFolder *fb = *(HyStoreFolder * const *) b;
  int ra = role_rank (fa->role), rb = role_rank (fb->role);

  if (ra != rb)
    return ra - rb;
  return g_utf8_collate (fa->name, fb->name);
}

static const char *
folder_display_name (const HyStoreFolder *folder,
                     guint               *depth)
{
  const char *name = folder->name;
  const char *title = role_title (folder->role);

  *depth = 0;
  if (folder->delimiter != NULL && folder->delimiter[0] != '\0' && folder->role == HY_FOLDER_ROLE_NONE)
    {
      const char *p;

      while ((p = strstr (name, folder->delimiter)) != NULL && p[strlen (folder->delimiter)] != '\0')
        {
          name = p + strlen (folder->delimiter);
          (*depth)++;
        }
    }
  if (title != NULL && (folder->role == HY_FOLDER_ROLE_INBOX || g_ascii_strcasecmp (folder->name, "INBOX") == 0))
    return title;
  return name;
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
          gint64           folder_id,
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
  data->folder_id = folder_id;
  data->count = GTK_LABEL (count);
  g_object_set_data_full (G_OBJECT (row), "hy-row", data, g_free);
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
  g_object_set_data_full (G_OBJECT (row), "hy-row", data, g_free);
  return row;
}

static guint
unified_unread (HyWindow *self)
{
  guint unread = 0;

  for (guint i = 0; i < self->accounts->len; i++)
    {
      HyWindowAccount *entry = self->accounts->pdata[i];

      for (guint j = 0; entry->folders != NULL && j < entry->folders->len; j++)
        {
          HyStoreFolder *folder = entry->folders->pdata[j];

          if (folder->role == HY_FOLDER_ROLE_INBOX)
            unread += folder->unread;
        }
    }
  return unread;
}

void
_hy_window_sidebar_rebuild (HyWindow *self)
{
  GtkListBoxRow *selected = gtk_list_box_get_selected_row (self->folder_list);
  RowData *was = selected != NULL ? g_object_get_data (G_OBJECT (selected), "hy-row") : NULL;
  HyWindowAccount *was_entry = was != NULL ? was->entry : NULL;
  gint64 was_folder = was != NULL ? was->folder_id : -1;
  gboolean had_selection = was != NULL;
  GtkWidget *child;
  GtkWidget *reselect = NULL;

  g_signal_handlers_block_matched (self->folder_list, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->folder_list))) != NULL)
    gtk_list_box_remove (self->folder_list, child);

  if (self->accounts->len > 1)
    {
      GtkWidget *row = make_row (NULL, 0, "mail-inbox-symbolic", _("All Inboxes"), 0,
                                 unified_unread (self));

      gtk_list_box_append (self->folder_list, row);
      if (had_selection && was_entry == NULL)
        reselect = row;
    }

  for (guint i = 0; i < self->accounts->len; i++)
    {
      HyWindowAccount *entry = self->accounts->pdata[i];

      gtk_list_box_append (self->folder_list, make_account_title (entry));
      for (guint j = 0; entry->folders != NULL && j < entry->folders->len; j++)
        {
          HyStoreFolder *folder = entry->folders->pdata[j];
          guint depth;
          const char *name = folder_display_name (folder, &depth);
          GtkWidget *row = make_row (entry, folder->id, _hy_window_folder_icon (folder->role),
                                     name, depth, folder->unread);

          gtk_widget_set_tooltip_text (row, folder->name);
          gtk_list_box_append (self->folder_list, row);
          if (had_selection && entry == was_entry && folder->id == was_folder)
            reselect = row;
        }
    }

  if (reselect != NULL)
    gtk_list_box_select_row (self->folder_list, GTK_LIST_BOX_ROW (reselect));
  g_signal_handlers_unblock_matched (self->folder_list, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);

  /* Open on the (unified) inbox the first time folders are known. */
  if (!had_selection && self->loading == 0)
    {
      if (self->accounts->len > 1)
        _hy_window_sidebar_select (self, NULL, 0);
      else if (self->accounts->len == 1)
        {
          HyWindowAccount *entry = self->accounts->pdata[0];

          if (entry->folders != NULL && entry->folders->len > 0)
            _hy_window_sidebar_select (self, entry, ((HyStoreFolder *) entry->folders->pdata[0])->id);
        }
    }
}

void
_hy_window_sidebar_update_counts (HyWindow        *self,
                                  HyWindowAccount *entry)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->folder_list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      RowData *data = g_object_get_data (G_OBJECT (row), "hy-row");

      if (data == NULL || data->count == NULL)
        continue;
      if (data->entry == NULL)
        set_count (data->count, unified_unread (self));
      else if (data->entry == entry)
        for (guint j = 0; entry->folders != NULL && j < entry->folders->len; j++)
          {
            HyStoreFolder *folder = entry->folders->pdata[j];

            if (folder->id == data->folder_id)
              set_count (data->count, folder->unread);
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

      if (data != NULL && data->entry == entry && data->folder_id == folder_id
          && (entry == NULL || folder_id != 0))
        {
          if (gtk_list_box_get_selected_row (self->folder_list) == GTK_LIST_BOX_ROW (row))
            return TRUE;
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

  if (data->entry == NULL)
    _hy_window_list_show_unified (self);
  else
    {
      GtkWidget *box_child = gtk_list_box_row_get_child (row);
      GtkWidget *label = gtk_widget_get_next_sibling (gtk_widget_get_first_child (box_child));

      _hy_window_list_show_folder (self, data->entry, data->folder_id,
                                   gtk_label_get_label (GTK_LABEL (label)));
    }
}

static void
on_row_activated (GtkListBox    *box,
                  GtkListBoxRow *row,
                  HyWindow      *self)
{
  adw_leaflet_set_visible_child (self->leaflet, self->list_pane);
}

/* Folders, in a thread, then the sidebar again. */

static void
on_folders_listed (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  HyWindow *self = user_data;
  HyStore *store = HY_STORE (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) folders = hy_store_list_folders_finish (store, result, &error);
  HyWindowAccount *entry;
  gboolean first;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (self);
      return;
    }

  entry = _hy_window_find_account_for_store (self, store);
  if (entry == NULL)
    {
      g_object_unref (self);
      return;
    }
  first = entry->folders == NULL;

  if (folders == NULL)
    {
      g_autofree char *title = g_strdup_printf (_("Could not read the folders of %s: %s"),
                                                hy_account_get_address (entry->account),
                                                error->message);

      hy_window_add_toast (self, adw_toast_new (title));
      if (first)
        entry->folders = g_ptr_array_new_with_free_func ((GDestroyNotify) hy_store_folder_free);
    }
  else
    {
      gboolean same_set;

      g_ptr_array_sort (folders, compare_folders);
      same_set = !first && folders->len == entry->folders->len;
      for (guint i = 0; same_set && i < folders->len; i++)
        {
          HyStoreFolder *a = folders->pdata[i], *b = entry->folders->pdata[i];

          same_set = a->id == b->id && g_strcmp0 (a->name, b->name) == 0;
        }
      g_clear_pointer (&entry->folders, g_ptr_array_unref);
      entry->folders = g_steal_pointer (&folders);

      if (same_set)
        {
          _hy_window_sidebar_update_counts (self, entry);
          g_object_unref (self);
          return;
        }
    }

  if (first && self->loading > 0)
    self->loading--;
  if (self->loading == 0)
    gtk_stack_set_visible_child_name (self->status_stack, "idle");
  _hy_window_sidebar_rebuild (self);
  g_object_unref (self);
}

void
_hy_window_reload_folders (HyWindow        *self,
                           HyWindowAccount *entry)
{
  if (entry->store == NULL)
    return;
  hy_store_list_folders_async (entry->store, self->cancellable, on_folders_listed,
                               g_object_ref (self));
}

void
_hy_window_sidebar_init (HyWindow *self)
{
  g_signal_connect (self->folder_list, "row-selected", G_CALLBACK (on_row_selected), self);
  g_signal_connect (self->folder_list, "row-activated", G_CALLBACK (on_row_activated), self);
}
