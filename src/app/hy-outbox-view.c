/* hy-outbox-view.c — the messages waiting in an account's outbox, with Retry, Edit and Delete
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>

#include "hy-message-row.h"
#include "hy-outbox-view.h"
#include "hy-window.h"

struct _HyOutboxView
{
  AdwBin        parent_instance;

  HyOutbox     *outbox;
  GCancellable *cancellable;
  GtkStack     *stack;
  GtkListBox   *list;
};

G_DEFINE_FINAL_TYPE (HyOutboxView, hy_outbox_view, ADW_TYPE_BIN)

static void reload (HyOutboxView *self);

static char *
describe_state (const HyOutboxEntry *entry)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *when = NULL;

  switch (entry->state)
    {
    case HY_OUTBOX_STATE_SENDING:
      return g_strdup (_("Sending…"));
    case HY_OUTBOX_STATE_SENT:
      return g_strdup (_("Sent; saving a copy in Sent"));
    case HY_OUTBOX_STATE_FAILED:
      return g_strdup_printf (_("Not sent: %s"), entry->last_error != NULL ? entry->last_error
                                                                           : _("the server refused it"));
    case HY_OUTBOX_STATE_QUEUED:
    case HY_OUTBOX_STATE_DONE:
    default:
      if (entry->last_error == NULL)
        return g_strdup (_("Waiting to be sent"));
      when = hy_message_row_format_date (entry->send_after, now);
      /* TRANSLATORS: the first %s is a time ("14:05"), the second why the
       * last attempt failed */
      return g_strdup_printf (_("Waiting; trying again at %s. %s"), when, entry->last_error);
    }
}

static void
on_cancelled (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(HyOutboxView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = hy_outbox_cancel_finish (HY_OUTBOX (object), result, &error);

  if (bytes == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      GtkWidget *window = gtk_widget_get_ancestor (GTK_WIDGET (self), HY_TYPE_WINDOW);
      g_autofree char *text = g_strdup_printf (_("Could not delete the message: %s"), error->message);

      if (window != NULL)
        hy_window_add_toast (HY_WINDOW (window), adw_toast_new (text));
    }
  reload (self);
}

static void
on_delete_clicked (GtkButton    *button,
                   HyOutboxView *self)
{
  gint64 id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (button), "hy-id"));

  if (self->outbox != NULL)
    hy_outbox_cancel_async (self->outbox, id, self->cancellable, on_cancelled, g_object_ref (self));
}

static GtkWidget *
make_button (const char *label,
             const char *action,
             const char *account_id,
             gint64      id)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  if (action != NULL)
    gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "(sx)", account_id, id);
  if (action != NULL)
    gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  g_object_set_data (G_OBJECT (button), "hy-id", GSIZE_TO_POINTER (id));
  return button;
}

static GtkWidget *
make_row (HyOutboxView        *self,
          const HyOutboxEntry *entry)
{
  HyAccount *account = hy_outbox_get_account (self->outbox);
  const char *account_id = hy_account_get_id (account);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  g_autofree char *to = g_strjoinv (", ", entry->recipients);
  g_autofree char *state = describe_state (entry);
  g_autofree char *to_line = g_strdup_printf (_("To %s"), to);
  g_autofree char *label = NULL;
  GtkWidget *to_label = gtk_label_new (to_line);
  GtkWidget *subject = gtk_label_new (entry->subject != NULL && *entry->subject != '\0'
                                      ? entry->subject : _("(No Subject)"));
  GtkWidget *state_label = gtk_label_new (state);
  gboolean busy = entry->state == HY_OUTBOX_STATE_SENDING || entry->state == HY_OUTBOX_STATE_SENT;

  gtk_widget_add_css_class (box, "outbox-entry");
  gtk_label_set_xalign (GTK_LABEL (to_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (to_label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (to_label, "heading");
  gtk_label_set_xalign (GTK_LABEL (subject), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subject), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (state_label), 0);
  gtk_label_set_wrap (GTK_LABEL (state_label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (state_label), PANGO_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (state_label, "caption");
  gtk_widget_add_css_class (state_label, entry->state == HY_OUTBOX_STATE_FAILED ? "error" : "dim-label");
  gtk_box_append (GTK_BOX (box), to_label);
  gtk_box_append (GTK_BOX (box), subject);
  gtk_box_append (GTK_BOX (box), state_label);

  if (!busy)
    {
      GtkWidget *retry = make_button (_("_Retry"), "app.outbox-retry", account_id, entry->id);
      GtkWidget *edit = make_button (_("_Edit"), "app.outbox-edit", account_id, entry->id);
      GtkWidget *delete = make_button (_("_Delete"), NULL, account_id, entry->id);

      gtk_widget_add_css_class (retry, "suggested-action");
      gtk_widget_add_css_class (delete, "destructive-action");
      g_signal_connect (delete, "clicked", G_CALLBACK (on_delete_clicked), self);
      gtk_box_append (GTK_BOX (buttons), retry);
      gtk_box_append (GTK_BOX (buttons), edit);
      gtk_box_append (GTK_BOX (buttons), delete);
      gtk_widget_set_margin_top (buttons, 6);
      gtk_box_append (GTK_BOX (box), buttons);
    }
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  label = g_strdup_printf ("%s, %s, %s", to_line, gtk_label_get_label (GTK_LABEL (subject)), state);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  return row;
}

static void
on_listed (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HyOutboxView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = hy_outbox_list_finish (HY_OUTBOX (object), result, &error);
  GtkWidget *child;

  if (entries == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Cannot list the outbox: %s", error->message);
      return;
    }
  if (HY_OUTBOX (object) != self->outbox)
    return;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  for (guint i = 0; i < entries->len; i++)
    gtk_list_box_append (self->list, make_row (self, entries->pdata[i]));
  gtk_stack_set_visible_child_name (self->stack, entries->len > 0 ? "list" : "empty");
}

static void
reload (HyOutboxView *self)
{
  if (self->outbox == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  hy_outbox_list_async (self->outbox, FALSE, self->cancellable, on_listed, g_object_ref (self));
}

void
hy_outbox_view_set_outbox (HyOutboxView *self,
                           HyOutbox     *outbox)
{
  g_return_if_fail (HY_IS_OUTBOX_VIEW (self));
  g_return_if_fail (outbox == NULL || HY_IS_OUTBOX (outbox));

  if (self->outbox == outbox)
    {
      reload (self);
      return;
    }
  if (self->outbox != NULL)
    g_signal_handlers_disconnect_by_data (self->outbox, self);
  g_set_object (&self->outbox, outbox);
  if (outbox != NULL)
    g_signal_connect_swapped (outbox, "changed", G_CALLBACK (reload), self);
  reload (self);
}

GtkWidget *
hy_outbox_view_new (void)
{
  return g_object_new (HY_TYPE_OUTBOX_VIEW, NULL);
}

static void
hy_outbox_view_dispose (GObject *object)
{
  HyOutboxView *self = HY_OUTBOX_VIEW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->outbox != NULL)
    g_signal_handlers_disconnect_by_data (self->outbox, self);
  g_clear_object (&self->outbox);

  G_OBJECT_CLASS (hy_outbox_view_parent_class)->dispose (object);
}

static void
hy_outbox_view_class_init (HyOutboxViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hy_outbox_view_dispose;
}

static void
hy_outbox_view_init (HyOutboxView *self)
{
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *empty = adw_status_page_new ();

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "outbox-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Outbox"), -1);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->list));

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (empty), "mail-send-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (empty), _("Everything Was Sent"));
  gtk_widget_add_css_class (empty, "compact");

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_add_named (self->stack, scroller, "list");
  gtk_stack_add_named (self->stack, empty, "empty");
  gtk_stack_set_visible_child_name (self->stack, "empty");
  adw_bin_set_child (ADW_BIN (self), GTK_WIDGET (self->stack));
}
