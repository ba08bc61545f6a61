/* hy-preferences-window.c — the preferences window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>

#include "hy-accounts-page.h"
#include "hy-preferences-window.h"

struct _HyPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;

  /* Template children */
  AdwComboRow          *style_row;
  GtkWidget            *background_switch;
  GtkWidget            *notify_switch;
  GtkWidget            *offline_spin;
  AdwComboRow          *remote_content_row;
  GtkWidget            *mark_read_spin;
  GtkWidget            *conversation_switch;
  GtkWidget            *rich_text_switch;
  GtkWidget            *undo_send_spin;
  GtkWidget            *attachment_switch;
  HyAccountsPage       *accounts_page;
};

G_DEFINE_FINAL_TYPE (HyPreferencesWindow, hy_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* The order of the rows in the style combo row. */
static const char * const style_names[] = { "default", "light", "dark" };
/* The order of the rows in the remote content combo row. */
static const char * const remote_content_names[] = { "never", "trusted-senders", "always" };

static gboolean
remote_content_to_position (GValue   *value,
                            GVariant *variant,
                            gpointer  user_data)
{
  const char *name = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (remote_content_names); i++)
    {
      if (g_strcmp0 (name, remote_content_names[i]) == 0)
        {
          g_value_set_uint (value, i);
          return TRUE;
        }
    }
  g_value_set_uint (value, 0);
  return TRUE;
}

static GVariant *
position_to_remote_content (const GValue       *value,
                            const GVariantType *expected_type,
                            gpointer            user_data)
{
  guint position = g_value_get_uint (value);

  if (position >= G_N_ELEMENTS (remote_content_names))
    position = 0;
  return g_variant_new_string (remote_content_names[position]);
}

static gboolean
style_to_position (GValue   *value,
                   GVariant *variant,
                   gpointer  user_data)
{
  const char *style = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (style_names); i++)
    {
      if (g_strcmp0 (style, style_names[i]) == 0)
        {
          g_value_set_uint (value, i);
          return TRUE;
        }
    }
  g_value_set_uint (value, 0);
  return TRUE;
}

static GVariant *
position_to_style (const GValue       *value,
                   const GVariantType *expected_type,
                   gpointer            user_data)
{
  guint position = g_value_get_uint (value);

  if (position >= G_N_ELEMENTS (style_names))
    position = 0;
  return g_variant_new_string (style_names[position]);
}

HyPreferencesWindow *
hy_preferences_window_new (HyApplication *application)
{
  HyPreferencesWindow *self;

  g_return_val_if_fail (HY_IS_APPLICATION (application), NULL);

  self = g_object_new (HY_TYPE_PREFERENCES_WINDOW, NULL);
  self->settings = g_object_ref (hy_application_get_settings (application));
  g_settings_bind_with_mapping (self->settings, "style-variant",
                                self->style_row, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                style_to_position, position_to_style,
                                NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "remote-content",
                                self->remote_content_row, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                remote_content_to_position, position_to_remote_content,
                                NULL, NULL);
  g_settings_bind (self->settings, "run-in-background", self->background_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "notify-new-mail", self->notify_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "offline-days", self->offline_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "mark-read-delay", self->mark_read_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "conversation-view", self->conversation_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "compose-rich-text", self->rich_text_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "undo-send-delay", self->undo_send_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "attachment-reminder", self->attachment_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  hy_accounts_page_set_engine (self->accounts_page, hy_application_get_engine (application));
  return self;
}

static void
hy_preferences_window_dispose (GObject *object)
{
  HyPreferencesWindow *self = HY_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HY_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (hy_preferences_window_parent_class)->dispose (object);
}

static void
hy_preferences_window_class_init (HyPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hy_preferences_window_dispose;

  g_type_ensure (HY_TYPE_ACCOUNTS_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hongyan/Hongyan/ui/hy-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HyPreferencesWindow, style_row);
  gtk_widget_class_bind_template_child (widget_class, HyPreferencesWindow, background_switch);
  gtk_widget_class_bind_template_child (widget_class, HyPreferencesWindow, notify_switch);
  gtk_widget_class_bind_template_child (widget_class, HyPreferencesWindow, offline_spin);
  gtk_widget_class_bind_template_child (widget_class, HyPreferencesWindow, remote_content_row);
  gtk_widget_class_bind_template_child (widget_class, HyPreferencesWindow, mark_read_spin);
  gtk_widget_class_bind_template_child (widget_class, HyPreferencesWindow, conversation_switch);
  gtk_widget_class_bind_template_child (widget_class, HyPreferencesWindow, rich_text_switch);
  gtk_widget_class_bind_template_child (widget_class, HyPreferencesWindow, undo_send_spin);
  gtk_widget_class_bind_template_child (widget_class, HyPreferencesWindow, attachment_switch);
  gtk_widget_class_bind_template_child (widget_class, HyPreferencesWindow, accounts_page);
}

static void
hy_preferences_window_init (HyPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
