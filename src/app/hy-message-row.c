/* hy-message-row.c — one row of the message list: sender, subject, date, preview, state
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>

#include "hy-message-row.h"

/* Characters of the preview put in its one-line label: more than a list
 * pane a thousand pixels wide shows. */
#define PREVIEW_SHOWN 160

struct _HyMessageRow
{
  GtkWidget         parent_instance;

  HyMessageSummary *summary;
  gulong            notify_id;

  /* Template children */
  GtkWidget        *box;
  GtkImage         *unread_dot;
  GtkLabel         *sender_label;
  GtkLabel         *count_label;
  GtkImage         *attachment_icon;
  GtkImage         *flag_icon;
  GtkLabel         *date_label;
  GtkLabel         *subject_label;
  GtkLabel         *preview_label;
};

G_DEFINE_FINAL_TYPE (HyMessageRow, hy_message_row, GTK_TYPE_WIDGET)

char *
hy_message_row_format_date (gint64     date,
                            GDateTime *now)
{
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) local = NULL;
  int days;

  if (date <= 0)
    return g_strdup ("");

  when = g_date_time_new_from_unix_local (date);
  if (when == NULL)
    return g_strdup ("");
  local = g_date_time_to_local (now);

  {
    g_autoptr(GDateTime) day_now = g_date_time_new_local (g_date_time_get_year (local),
                                                          g_date_time_get_month (local),
                                                          g_date_time_get_day_of_month (local),
                                                          0, 0, 0);
    g_autoptr(GDateTime) day_then = g_date_time_new_local (g_date_time_get_year (when),
                                                           g_date_time_get_month (when),
                                                           g_date_time_get_day_of_month (when),
                                                           0, 0, 0);

    days = (int) (g_date_time_difference (day_now, day_then) / G_TIME_SPAN_DAY);
  }

  if (days == 0)
    /* TRANSLATORS: time of a message received today, see strftime(3) */
    return g_date_time_format (when, _("%H:%M"));
  if (days == 1)
    return g_strdup (_("Yesterday"));
  if (days > 1 && days < 7)
    /* TRANSLATORS: weekday of a message received this week */
    return g_date_time_format (when, _("%a"));
  if (g_date_time_get_year (when) == g_date_time_get_year (local))
    /* TRANSLATORS: day and month of a message received this year */
    return g_date_time_format (when, _("%e %b"));
  /* TRANSLATORS: date of an older message */
  return g_date_time_format (when, _("%e %b %Y"));
}

static void
update (HyMessageRow *self)
{
  HyMessageSummary *s = self->summary;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *date = NULL;
  const char *subject, *sender, *preview, *preview_end;
  gboolean unread;
  guint count;

  if (s == NULL)
    return;

  now = g_date_time_new_now_local ();
  date = hy_message_row_format_date (hy_message_summary_get_date (s), now);
  subject = hy_message_summary_get_subject (s);
  sender = hy_message_summary_get_sender (s);
  preview = hy_message_summary_get_preview (s);
  unread = hy_message_summary_get_unread (s);
  count = hy_message_summary_get_thread_count (s);
  if (count > 0)
    {
      /* A conversation: who took part, unread if any message is. */
      const char *participants = hy_message_summary_get_participants (s);

      unread = hy_message_summary_get_thread_unread (s) > 0;
      if (count > 1 && participants != NULL && *participants != '\0')
        sender = participants;
    }

  gtk_label_set_label (self->sender_label, sender != NULL && *sender != '\0' ? sender : _("Unknown Sender"));
  gtk_label_set_label (self->subject_label, subject != NULL && *subject != '\0' ? subject : _("(No Subject)"));
  /* The label shapes all of its text before it ellipsizes it. */
  preview_end = preview;
  for (guint i = 0; preview_end != NULL && *preview_end != '\0' && i < PREVIEW_SHOWN; i++)
    preview_end = g_utf8_next_char (preview_end);
  if (preview_end != NULL && *preview_end != '\0')
    {
      g_autofree char *shown = g_strdup_printf ("%.*s…", (int) (preview_end - preview), preview);

      gtk_label_set_label (self->preview_label, shown);
    }
  else
    gtk_label_set_label (self->preview_label, preview != NULL ? preview : "");
  gtk_widget_set_visible (GTK_WIDGET (self->preview_label), preview != NULL && *preview != '\0');
  gtk_label_set_label (self->date_label, date);
  if (count > 1)
    {
      g_autofree char *text = g_strdup_printf ("%u", count);

      gtk_label_set_label (self->count_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->count_label), count > 1);

  gtk_widget_set_visible (GTK_WIDGET (self->attachment_icon), hy_message_summary_get_has_attachment (s));
  gtk_widget_set_visible (GTK_WIDGET (self->flag_icon), hy_message_summary_get_flagged (s));
  gtk_widget_set_visible (GTK_WIDGET (self->unread_dot), unread);
  if (unread)
    gtk_widget_add_css_class (GTK_WIDGET (self), "unread");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "unread");

  {
    /* What a screen reader says for the row. */
    g_autofree char *label = NULL;

    if (count > 1)
      label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s%s, %s, %s, %u messages",
                                            "%s%s, %s, %s, %u messages", count),
                               unread ? _("Unread, ") : "",
                               gtk_label_get_label (self->sender_label),
                               gtk_label_get_label (self->subject_label), date, count);
    else
      label = g_strdup_printf ("%s%s, %s, %s",
                               unread ? _("Unread, ") : "",
                               gtk_label_get_label (self->sender_label),
                               gtk_label_get_label (self->subject_label),
                               date);

    gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  }
}

/* The tooltips of the row's parts, made when asked for rather than set
 * on each bind: gtk_widget_set_tooltip_text() asks the display where the
 * pointer is, a round trip to the X server per call. */
static gboolean
on_query_tooltip (GtkWidget    *widget,
                  int           x,
                  int           y,
                  gboolean      keyboard_mode,
                  GtkTooltip   *tooltip,
                  HyMessageRow *self)
{
  g_autofree char *text = NULL;

  if (widget == GTK_WIDGET (self->unread_dot))
    text = g_strdup (_("Unread"));
  else if (widget == GTK_WIDGET (self->attachment_icon))
    text = g_strdup (_("Has attachments"));
  else if (widget == GTK_WIDGET (self->flag_icon))
    text = g_strdup (_("Flagged"));
  else if (self->summary == NULL)
    return FALSE;
  else if (widget == GTK_WIDGET (self->count_label))
    {
      guint count = hy_message_summary_get_thread_count (self->summary);

      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message in this conversation",
                                           "%u messages in this conversation", count),
                              count);
    }
  else if (widget == GTK_WIDGET (self->date_label) && hy_message_summary_get_date (self->summary) > 0)
    {
      g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (hy_message_summary_get_date (self->summary));

      if (when != NULL)
        text = g_date_time_format (when, "%c");
    }
  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

void
hy_message_row_set_summary (HyMessageRow     *self,
                            HyMessageSummary *summary)
{
  g_return_if_fail (HY_IS_MESSAGE_ROW (self));

  if (self->summary == summary)
    return;

  if (self->summary != NULL)
    {
      g_clear_signal_handler (&self->notify_id, self->summary);
      g_clear_object (&self->summary);
    }
  if (summary != NULL)
    {
      self->summary = g_object_ref (summary);
      self->notify_id = g_signal_connect_swapped (summary, "notify", G_CALLBACK (update), self);
      update (self);
    }
}

HyMessageSummary *
hy_message_row_get_summary (HyMessageRow *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE_ROW (self), NULL);

  return self->summary;
}

GtkWidget *
hy_message_row_new (void)
{
  return g_object_new (HY_TYPE_MESSAGE_ROW, NULL);
}

static void
hy_message_row_dispose (GObject *object)
{
  HyMessageRow *self = HY_MESSAGE_ROW (object);

  hy_message_row_set_summary (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), HY_TYPE_MESSAGE_ROW);

  G_OBJECT_CLASS (hy_message_row_parent_class)->dispose (object);
}

static void
hy_message_row_class_init (HyMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hy_message_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hongyan/Hongyan/ui/hy-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, HyMessageRow, box);
  gtk_widget_class_bind_template_child (widget_class, HyMessageRow, unread_dot);
  gtk_widget_class_bind_template_child (widget_class, HyMessageRow, sender_label);
  gtk_widget_class_bind_template_child (widget_class, HyMessageRow, count_label);
  gtk_widget_class_bind_template_child (widget_class, HyMessageRow, attachment_icon);
  gtk_widget_class_bind_template_child (widget_class, HyMessageRow, flag_icon);
  gtk_widget_class_bind_template_child (widget_class, HyMessageRow, date_label);
  gtk_widget_class_bind_template_child (widget_class, HyMessageRow, subject_label);
  gtk_widget_class_bind_template_child (widget_class, HyMessageRow, preview_label);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "hymessagerow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
hy_message_row_init (HyMessageRow *self)
{
  GtkWidget *with_tooltip[5];

  gtk_widget_init_template (GTK_WIDGET (self));
  with_tooltip[0] = GTK_WIDGET (self->unread_dot);
  with_tooltip[1] = GTK_WIDGET (self->attachment_icon);
  with_tooltip[2] = GTK_WIDGET (self->flag_icon);
  with_tooltip[3] = GTK_WIDGET (self->count_label);
  with_tooltip[4] = GTK_WIDGET (self->date_label);
  for (guint i = 0; i < G_N_ELEMENTS (with_tooltip); i++)
    g_signal_connect (with_tooltip[i], "query-tooltip", G_CALLBACK (on_query_tooltip), self);
}
