/* hy-move-dialog.c — "Move to…": pick one of an account's folders, by typing part of its name
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>

#include "hy-move-dialog.h"
#include "hy-window-private.h"

struct _HyMoveDialog
{
  AdwWindow       parent_instance;

  GtkSearchEntry *search_entry;
  GtkListBox     *list;
  GtkStack       *stack;
  char           *filter;   /* casefolded, or NULL */
};

G_DEFINE_FINAL_TYPE (HyMoveDialog, hy_move_dialog, ADW_TYPE_WINDOW)

enum {
  FOLDER_CHOSEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
choose (HyMoveDialog  *self,
        GtkListBoxRow *row)
{
  HyFolder *folder = g_object_get_data (G_OBJECT (row), "hy-folder");

  if (folder == NULL)
    return;
  g_object_ref (self);
  g_signal_emit (self, signals[FOLDER_CHOSEN], 0, folder);
  gtk_window_destroy (GTK_WINDOW (self));
  g_object_unref (self);
}

static gboolean
filter_row (GtkListBoxRow *row,
            gpointer       user_data)
{
  HyMoveDialog *self = user_data;
  HyFolder *folder = g_object_get_data (G_OBJECT (row), "hy-folder");
  g_autofree char *name = NULL;
  g_autofree char *full = NULL;

  if (self->filter == NULL)
    return TRUE;
  name = g_utf8_casefold (g_object_get_data (G_OBJECT (row), "hy-label"), -1);
  full = g_utf8_casefold (hy_folder_get_name (folder), -1);
  return strstr (name, self->filter) != NULL || strstr (full, self->filter) != NULL;
}

static GtkListBoxRow *
first_visible (HyMoveDialog *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_BOX_ROW (child) && gtk_widget_get_child_visible (child)
        && filter_row (GTK_LIST_BOX_ROW (child), self))
      return GTK_LIST_BOX_ROW (child);
  return NULL;
}

static void
on_search_changed (HyMoveDialog *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  GtkListBoxRow *first;

  g_clear_pointer (&self->filter, g_free);
  if (*text != '\0')
    self->filter = g_utf8_casefold (text, -1);
  gtk_list_box_invalidate_filter (self->list);
  first = first_visible (self);
  gtk_stack_set_visible_child_name (self->stack, first != NULL ? "list" : "empty");
  /* Enter takes the first match: show which. */
  if (first != NULL)
    gtk_list_box_select_row (self->list, first);
}

static void
on_search_activate (HyMoveDialog *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->list);

  if (row == NULL || !filter_row (row, self))
    row = first_visible (self);
  if (row != NULL)
    choose (self, row);
}

static void
on_row_activated (GtkListBox    *list,
                  GtkListBoxRow *row,
                  HyMoveDialog  *self)
{
  choose (self, row);
}

static void
on_stop_search (HyMoveDialog *self)
{
  gtk_window_destroy (GTK_WINDOW (self));
}

static GtkWidget *
make_row (HyFolder *folder)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *label = gtk_label_new (hy_folder_get_display_name (folder));
  /* Named as in the sidebar. */
  const char *name = _hy_window_folder_name (folder);

  gtk_label_set_label (GTK_LABEL (label), name);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_set_margin_start (box, 12 + 18 * (int) hy_folder_get_depth (folder));
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 9);
  gtk_widget_set_margin_bottom (box, 9);
  gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name (_hy_window_folder_icon (hy_folder_get_role (folder))));
  gtk_box_append (GTK_BOX (box), label);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_widget_set_tooltip_text (row, hy_folder_get_name (folder));
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  g_object_set_data_full (G_OBJECT (row), "hy-folder", g_object_ref (folder), g_object_unref);
  g_object_set_data_full (G_OBJECT (row), "hy-label", g_strdup (name), g_free);
  return row;
}

HyMoveDialog *
hy_move_dialog_new (GtkWindow  *parent,
                    GListModel *folders,
                    gint64      current)
{
  HyMoveDialog *self;
  g_autoptr(GPtrArray) sorted = NULL;

  g_return_val_if_fail (G_IS_LIST_MODEL (folders), NULL);

  self = g_object_new (HY_TYPE_MOVE_DIALOG,
                       "transient-for", parent,
                       "modal", TRUE,
                       "title", _("Move To"),
                       "default-width", 360,
                       "default-height", 460,
                       NULL);
  /* In the sidebar's order. */
  sorted = _hy_window_sorted_folders (folders);
  for (guint i = 0; i < sorted->len; i++)
    {
      HyFolder *folder = sorted->pdata[i];

      /* Not where they are, and nowhere a message cannot be moved to by
       * hand (Drafts holds what the composer saves). */
      if (hy_folder_get_id (folder) == current || hy_folder_get_role (folder) == HY_FOLDER_ROLE_DRAFTS)
        continue;
      gtk_list_box_append (self->list, make_row (folder));
    }
  on_search_changed (self);
  return self;
}

static void
hy_move_dialog_finalize (GObject *object)
{
  HyMoveDialog *self = HY_MOVE_DIALOG (object);

  g_free (self->filter);

  G_OBJECT_CLASS (hy_move_dialog_parent_class)->finalize (object);
}

static void
hy_move_dialog_class_init (HyMoveDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = hy_move_dialog_finalize;

  signals[FOLDER_CHOSEN] =
    g_signal_new ("folder-chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, HY_TYPE_FOLDER);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
hy_move_dialog_init (HyMoveDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *empty = adw_status_page_new ();
  GtkWidget *search_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_box_append (GTK_BOX (box), header);

  self->search_entry = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  g_object_set (self->search_entry, "placeholder-text", _("Find a folder"), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Find a folder"), -1);
  gtk_widget_set_margin_start (GTK_WIDGET (self->search_entry), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->search_entry), 12);
  gtk_widget_set_margin_top (GTK_WIDGET (self->search_entry), 6);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->search_entry), 6);
  gtk_box_append (GTK_BOX (search_box), GTK_WIDGET (self->search_entry));
  gtk_box_append (GTK_BOX (box), search_box);

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_SINGLE);
  gtk_list_box_set_activate_on_single_click (self->list, TRUE);
  gtk_list_box_set_filter_func (self->list, filter_row, self, NULL);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "navigation-sidebar");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Folders"), -1);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->list));
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (empty), "folder-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (empty), _("No Such Folder"));
  gtk_widget_add_css_class (empty, "compact");

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_stack_add_named (self->stack, scroller, "list");
  gtk_stack_add_named (self->stack, empty, "empty");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->stack));
  adw_window_set_content (ADW_WINDOW (self), box);

  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (on_search_changed), self);
  g_signal_connect_swapped (self->search_entry, "activate", G_CALLBACK (on_search_activate), self);
  g_signal_connect_swapped (self->search_entry, "stop-search", G_CALLBACK (on_stop_search), self);
  g_signal_connect (self->list, "row-activated", G_CALLBACK (on_row_activated), self);
  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->search_entry));
}
