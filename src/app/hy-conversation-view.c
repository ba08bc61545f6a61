/* hy-conversation-view.c — the reader for a thread: every message, older ones collapsed
 *
 * Every message is a header button and, once expanded, its own HyReader
 * (and so its own safe HTML view): the reader's rules for remote content,
 * links and attachments hold for each message of a thread as for one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>

#include "hy-conversation-view.h"
#include "hy-message-row.h"
#include "hy-reader.h"

/* Height of an expanded message when the view is not laid out yet, and
 * the least it gets when many are expanded. */
#define MIN_READER_HEIGHT 360

typedef struct {
  HyConversationView *view;
  gint64              id;
  gboolean            unread;
  gboolean            expanded;
  GtkWidget          *box;
  GtkWidget          *header;
  GtkLabel           *sender_label;
  GtkLabel           *date_label;
  GtkLabel           *preview_label;
  GtkImage           *expander_icon;
  GtkRevealer        *revealer;
  HyReader           *reader;      /* made when first expanded */
} Item;

struct _HyConversationView
{
  AdwBin         parent_instance;

  HyEngine      *engine;
  HyAccount     *account;
  HyMessageList *thread;
  GPtrArray     *items;        /* Item, oldest first */
  GHashTable    *expanded_ids; /* gint64 ids the user expanded or collapsed -> GINT_TO_POINTER (state + 1) */
  gboolean       first_fill;

  GtkScrolledWindow *scroller;
  GtkBox            *list;
};

G_DEFINE_FINAL_TYPE (HyConversationView, hy_conversation_view, ADW_TYPE_BIN)

enum {
  MESSAGE_EXPANDED,
  LOADED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
item_free (Item *item)
{
  g_free (item);
}

static int
reader_height (HyConversationView *self)
{
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  guint n_expanded = 0;

  for (guint i = 0; i < self->items->len; i++)
    n_expanded += ((Item *) self->items->pdata[i])->expanded;
  if (height <= 0)
    return MIN_READER_HEIGHT * 3 / 2;
  /* One expanded message fills the view below the collapsed headers (a
   * few of them stay in sight); several share it, each a screenful at
   * most. */
  if (n_expanded <= 1)
    height -= 52 * MIN (self->items->len - 1, 4) + 52;
  return MAX (MIN_READER_HEIGHT, height);
}

static void
update_heights (HyConversationView *self)
{
  int height = reader_height (self);

  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = self->items->pdata[i];

      if (item->reader != NULL)
        gtk_widget_set_size_request (GTK_WIDGET (item->reader), -1, height);
    }
}

static void
set_expanded (Item     *item,
              gboolean  expanded)
{
  HyConversationView *self = item->view;

  item->expanded = expanded;
  if (expanded && item->reader == NULL)
    {
      item->reader = g_object_new (HY_TYPE_READER, NULL);
      gtk_revealer_set_child (item->revealer, GTK_WIDGET (item->reader));
      hy_reader_show_message (item->reader, self->engine, self->account, item->id);
    }
  gtk_revealer_set_reveal_child (item->revealer, expanded);
  gtk_image_set_from_icon_name (item->expander_icon,
                                expanded ? "pan-down-symbolic" : "pan-end-symbolic");
  gtk_accessible_update_state (GTK_ACCESSIBLE (item->header),
                               GTK_ACCESSIBLE_STATE_EXPANDED, expanded, -1);
  /* The preview says what a collapsed message is about; an open one
   * shows it in full. */
  gtk_widget_set_visible (GTK_WIDGET (item->preview_label),
                          !expanded && *gtk_label_get_label (item->preview_label) != '\0');
  if (expanded)
    gtk_widget_add_css_class (item->box, "expanded");
  else
    gtk_widget_remove_css_class (item->box, "expanded");
  update_heights (self);
}

static void
on_header_clicked (GtkButton *button,
                   Item      *item)
{
  HyConversationView *self = item->view;
  gboolean expand = !item->expanded;

  g_hash_table_insert (self->expanded_ids, g_memdup2 (&item->id, sizeof item->id),
                       GINT_TO_POINTER (expand + 1));
  set_expanded (item, expand);
  if (expand)
    g_signal_emit (self, signals[MESSAGE_EXPANDED], 0, item->id);
}

static Item *
item_new (HyConversationView *self,
          HyMessageSummary   *summary)
{
  Item *item = g_new0 (Item, 1);
  GtkWidget *grid, *top;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = hy_message_row_format_date (hy_message_summary_get_date (summary), now);
  const char *sender = hy_message_summary_get_sender (summary);
  g_autofree char *label = NULL;

  item->view = self;
  item->id = hy_message_summary_get_id (summary);
  item->unread = hy_message_summary_get_unread (summary);

  item->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_add_css_class (item->box, "conversation-message");

  item->header = gtk_button_new ();
  gtk_widget_add_css_class (item->header, "flat");
  gtk_widget_add_css_class (item->header, "conversation-header");
  grid = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  item->expander_icon = GTK_IMAGE (gtk_image_new_from_icon_name ("pan-end-symbolic"));
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (item->expander_icon));
  item->sender_label = GTK_LABEL (gtk_label_new (sender != NULL && *sender != '\0'
                                                 ? sender : _("Unknown Sender")));
  gtk_label_set_xalign (item->sender_label, 0);
  gtk_label_set_ellipsize (item->sender_label, PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (GTK_WIDGET (item->sender_label), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (item->sender_label), "heading");
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (item->sender_label));
  item->date_label = GTK_LABEL (gtk_label_new (date));
  gtk_widget_add_css_class (GTK_WIDGET (item->date_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (item->date_label), "caption");
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (item->date_label));
  gtk_box_append (GTK_BOX (grid), top);
  item->preview_label = GTK_LABEL (gtk_label_new (hy_message_summary_get_preview (summary)));
  gtk_label_set_xalign (item->preview_label, 0);
  gtk_label_set_ellipsize (item->preview_label, PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (item->preview_label, TRUE);
  gtk_widget_set_margin_start (GTK_WIDGET (item->preview_label), 22);
  gtk_widget_add_css_class (GTK_WIDGET (item->preview_label), "dim-label");
  gtk_box_append (GTK_BOX (grid), GTK_WIDGET (item->preview_label));
  gtk_button_set_child (GTK_BUTTON (item->header), grid);
  if (item->unread)
    gtk_widget_add_css_class (item->box, "unread");

  /* What a screen reader says for the header. */
  label = g_strdup_printf ("%s%s, %s, %s", item->unread ? _("Unread, ") : "",
                           gtk_label_get_label (item->sender_label), date,
                           hy_message_summary_get_preview (summary));
  gtk_accessible_update_property (GTK_ACCESSIBLE (item->header),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_signal_connect (item->header, "clicked", G_CALLBACK (on_header_clicked), item);
  gtk_box_append (GTK_BOX (item->box), item->header);

  item->revealer = GTK_REVEALER (gtk_revealer_new ());
  gtk_revealer_set_transition_type (item->revealer, GTK_REVEALER_TRANSITION_TYPE_SLIDE_DOWN);
  gtk_box_append (GTK_BOX (item->box), GTK_WIDGET (item->revealer));
  return item;
}

static void
remove_items (HyConversationView *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_box_remove (self->list, child);
  g_ptr_array_set_size (self->items, 0);
}

/* Rebuilds the items from the thread's list, keeping the readers of the
 * messages still there (no reload, no flicker). */
static void
fill (HyConversationView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->thread));
  g_autoptr(GHashTable) old = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GPtrArray) old_items = g_steal_pointer (&self->items);
  gint64 first_unread = 0;

  /* Take the old widgets out (alive), put back those still in the thread
   * in the thread's order. */
  g_ptr_array_set_free_func (old_items, NULL);
  for (guint i = 0; i < old_items->len; i++)
    {
      Item *item = old_items->pdata[i];

      g_hash_table_insert (old, &item->id, item);
      g_object_ref (item->box);
      gtk_box_remove (self->list, item->box);
    }

  self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HyMessageSummary) summary = g_list_model_get_item (G_LIST_MODEL (self->thread), i);
      gint64 id = hy_message_summary_get_id (summary);
      Item *item = g_hash_table_lookup (old, &id);

      if (item != NULL)
        {
          g_hash_table_remove (old, &id);
          item->unread = hy_message_summary_get_unread (summary);
          /* The preview comes with the body, after the headers. */
          gtk_label_set_label (item->preview_label, hy_message_summary_get_preview (summary));
          gtk_widget_set_visible (GTK_WIDGET (item->preview_label),
                                  !item->expanded && *hy_message_summary_get_preview (summary) != '\0');
          if (item->unread)
            gtk_widget_add_css_class (item->box, "unread");
          else
            gtk_widget_remove_css_class (item->box, "unread");
        }
      else
        item = item_new (self, summary);
      g_ptr_array_add (self->items, item);
      gtk_box_append (self->list, item->box);
      if (first_unread == 0 && item->unread)
        first_unread = id;
    }

  for (guint i = 0; i < old_items->len; i++)
    {
      Item *item = old_items->pdata[i];
      gboolean gone = g_hash_table_contains (old, &item->id);

      g_object_unref (item->box);
      if (gone)
        item_free (item);
    }

  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = self->items->pdata[i];
      gpointer choice = g_hash_table_lookup (self->expanded_ids, &item->id);
      gboolean expand;

      if (choice != NULL)
        expand = GPOINTER_TO_INT (choice) - 1;
      else if (!self->first_fill && item->expanded)
        expand = TRUE;
      else
        /* Where the reading goes on: the first unread message, else the
         * newest. */
        expand = first_unread != 0 ? item->id == first_unread : i + 1 == self->items->len;
      if (expand != item->expanded || (expand && item->reader == NULL))
        set_expanded (item, expand);
    }
  update_heights (self);
  if (n > 0 && self->first_fill)
    {
      self->first_fill = FALSE;
      g_signal_emit (self, signals[LOADED], 0);
    }
}

static void
on_items_changed (HyConversationView *self)
{
  fill (self);
}

void
hy_conversation_view_show (HyConversationView *self,
                           HyEngine           *engine,
                           HyAccount          *account,
                           HyMessageList      *thread)
{
  g_return_if_fail (HY_IS_CONVERSATION_VIEW (self));
  g_return_if_fail (HY_IS_ENGINE (engine));
  g_return_if_fail (HY_IS_ACCOUNT (account));
  g_return_if_fail (HY_IS_MESSAGE_LIST (thread));

  hy_conversation_view_clear (self);
  g_set_object (&self->engine, engine);
  g_set_object (&self->account, account);
  self->thread = g_object_ref (thread);
  self->first_fill = TRUE;
  g_signal_connect_swapped (thread, "items-changed", G_CALLBACK (on_items_changed), self);
  fill (self);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);
}

void
hy_conversation_view_clear (HyConversationView *self)
{
  g_return_if_fail (HY_IS_CONVERSATION_VIEW (self));

  if (self->thread != NULL)
    g_signal_handlers_disconnect_by_data (self->thread, self);
  g_clear_object (&self->thread);
  g_hash_table_remove_all (self->expanded_ids);
  remove_items (self);
}

GArray *
hy_conversation_view_get_unread_shown (HyConversationView *self)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_return_val_if_fail (HY_IS_CONVERSATION_VIEW (self), ids);

  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = self->items->pdata[i];

      if (item->expanded && item->unread)
        g_array_append_val (ids, item->id);
    }
  return ids;
}

guint
hy_conversation_view_get_n_messages (HyConversationView *self)
{
  g_return_val_if_fail (HY_IS_CONVERSATION_VIEW (self), 0);

  return self->items->len;
}

void
hy_conversation_view_print (HyConversationView *self)
{
  g_return_if_fail (HY_IS_CONVERSATION_VIEW (self));

  for (guint i = self->items->len; i > 0; i--)
    {
      Item *item = self->items->pdata[i - 1];

      if (item->expanded && item->reader != NULL)
        {
          hy_reader_print (item->reader);
          return;
        }
    }
}

static void
hy_conversation_view_dispose (GObject *object)
{
  HyConversationView *self = HY_CONVERSATION_VIEW (object);

  if (self->thread != NULL)
    g_signal_handlers_disconnect_by_data (self->thread, self);
  g_clear_object (&self->thread);
  g_clear_object (&self->engine);
  g_clear_object (&self->account);
  if (self->items != NULL)
    g_ptr_array_set_size (self->items, 0);

  G_OBJECT_CLASS (hy_conversation_view_parent_class)->dispose (object);
}

static void
hy_conversation_view_finalize (GObject *object)
{
  HyConversationView *self = HY_CONVERSATION_VIEW (object);

  g_ptr_array_unref (self->items);
  g_hash_table_destroy (self->expanded_ids);

  G_OBJECT_CLASS (hy_conversation_view_parent_class)->finalize (object);
}

static void
hy_conversation_view_class_init (HyConversationViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hy_conversation_view_dispose;
  object_class->finalize = hy_conversation_view_finalize;

  signals[MESSAGE_EXPANDED] =
    g_signal_new ("message-expanded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[LOADED] =
    g_signal_new ("loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_css_name (widget_class, "hyconversationview");
}

static void
hy_conversation_view_init (HyConversationView *self)
{
  self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  self->expanded_ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  self->scroller = GTK_SCROLLED_WINDOW (gtk_scrolled_window_new ());
  gtk_scrolled_window_set_policy (self->scroller, GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (GTK_WIDGET (self->scroller), TRUE);
  self->list = GTK_BOX (gtk_box_new (GTK_ORIENTATION_VERTICAL, 0));
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "conversation");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Conversation"), -1);
  gtk_scrolled_window_set_child (self->scroller, GTK_WIDGET (self->list));
  adw_bin_set_child (ADW_BIN (self), GTK_WIDGET (self->scroller));
}
