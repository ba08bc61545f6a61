/* hy-window.c — the main window: folders, message list and reader
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>

#include "hy-window.h"

struct _HyWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;

  /* Template children */
  AdwToastOverlay      *toast_overlay;
  AdwLeaflet           *leaflet;
  AdwStatusPage        *empty_page;
};

G_DEFINE_FINAL_TYPE (HyWindow, hy_window, ADW_TYPE_APPLICATION_WINDOW)

static void
restore_window_state (HyWindow *self)
{
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

HyWindow *
hy_window_new (HyApplication *application)
{
  HyWindow *self;

  g_return_val_if_fail (HY_IS_APPLICATION (application), NULL);

  self = g_object_new (HY_TYPE_WINDOW,
                       "application", application,
                       NULL);
  self->settings = g_object_ref (hy_application_get_settings (application));
  restore_window_state (self);

  return self;
}

void
hy_window_add_toast (HyWindow *self,
                     AdwToast *toast)
{
  g_return_if_fail (HY_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
hy_window_show_message (HyWindow   *self,
                        const char *account_id,
                        gint64      message_id)
{
  g_return_if_fail (HY_IS_WINDOW (self));
  g_return_if_fail (account_id != NULL);
  g_return_if_fail (message_id > 0);

  gtk_window_present (GTK_WINDOW (self));
}

static void
save_window_state (HyWindow *self)
{
  int width, height;

  if (self->settings == NULL)
    return;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
  if (!gtk_window_is_maximized (GTK_WINDOW (self)) && width > 0 && height > 0)
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
}

static gboolean
hy_window_close_request (GtkWindow *window)
{
  save_window_state (HY_WINDOW (window));

  return GTK_WINDOW_CLASS (hy_window_parent_class)->close_request (window);
}

static void
add_account (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  GtkWidget *dialog;

  /* The one-step account assistant is not written yet; say so honestly
   * instead of showing a form that cannot work. */
  dialog = adw_message_dialog_new (GTK_WINDOW (widget),
                                   _("Adding Accounts Is Not Ready Yet"),
                                   _("This version of Hongyan cannot set up an account from the "
                                     "window yet. Account setup will arrive in a coming "
                                     "version."));
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
hy_window_constructed (GObject *object)
{
  HyWindow *self = HY_WINDOW (object);

  G_OBJECT_CLASS (hy_window_parent_class)->constructed (object);

  if (g_strcmp0 (PROFILE, "Devel") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

static void
hy_window_dispose (GObject *object)
{
  HyWindow *self = HY_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HY_TYPE_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (hy_window_parent_class)->dispose (object);
}

static void
hy_window_class_init (HyWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = hy_window_constructed;
  object_class->dispose = hy_window_dispose;
  window_class->close_request = hy_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hongyan/Hongyan/ui/hy-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HyWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, HyWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, HyWindow, empty_page);

  gtk_widget_class_install_action (widget_class, "win.add-account", NULL, add_account);
}

static void
hy_window_init (HyWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
