/* hy-window.c — the main window: folders, message list and reader
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>

#include "hy-message-row.h"
#include "hy-secret-credentials.h"
#include "hy-window-private.h"

G_DEFINE_FINAL_TYPE (HyWindow, hy_window, ADW_TYPE_APPLICATION_WINDOW)

static void
account_entry_free (HyWindowAccount *entry)
{
  if (entry->store != NULL)
    g_clear_signal_handler (&entry->changed_id, entry->store);
  g_clear_object (&entry->store);
  g_clear_object (&entry->account);
  g_clear_pointer (&entry->folders, g_ptr_array_unref);
  g_free (entry);
}

static void
restore_window_state (HyWindow *self)
{
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

/* ------------------------------------------------------------------ */
/* Accounts and their stores                                          */

static void
on_folder_changed (HyStore  *store,
                   gint64    folder_id,
                   HyWindow *self)
{
  HyWindowAccount *entry = _hy_window_find_account_for_store (self, store);

  /* Unread counts follow flag changes and new mail. */
  if (entry != NULL)
    _hy_window_reload_folders (self, entry);
}

static void
loading_done (HyWindow *self)
{
  if (self->loading > 0)
    self->loading--;
  if (self->loading == 0)
    {
      gtk_spinner_stop (self->status_spinner);
      gtk_stack_set_visible_child_name (self->status_stack, "idle");
    }
}

static void
on_store_opened (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(HyWindow) self = NULL;
  HyWindowAccount *entry = user_data;
  g_autoptr(GError) error = NULL;
  HyStore *store = hy_store_open_finish (result, &error);

  if (store == NULL)
    {
      g_autofree char *title = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self = g_object_ref (g_object_get_data (G_OBJECT (entry->account), "hy-window"));
      title = g_strdup_printf (_("Could not open the mail of %s: %s"),
                               hy_account_get_address (entry->account), error->message);
      hy_window_add_toast (self, adw_toast_new (title));
      loading_done (self);
      entry->folders = g_ptr_array_new_with_free_func ((GDestroyNotify) hy_store_folder_free);
      _hy_window_sidebar_rebuild (self);
      return;
    }

  self = g_object_ref (g_object_get_data (G_OBJECT (entry->account), "hy-window"));
  entry->store = store;
  entry->changed_id = g_signal_connect (store, "folder-changed", G_CALLBACK (on_folder_changed), self);
  /* The folder list's callback counts this account as loaded. */
  _hy_window_reload_folders (self, entry);
}

static void
load_accounts (HyWindow *self)
{
  g_autoptr(HyCredentials) credentials = hy_secret_credentials_new ();
  g_autoptr(GError) error = NULL;
  GListModel *accounts;
  guint n;

  self->manager = hy_account_manager_new (credentials);
  if (!hy_account_manager_load (self->manager, &error))
    {
      g_autofree char *title = g_strdup_printf (_("Could not read the accounts: %s"), error->message);

      hy_window_add_toast (self, adw_toast_new (title));
      return;
    }

  accounts = hy_account_manager_get_accounts (self->manager);
  n = g_list_model_get_n_items (accounts);
  if (n == 0)
    {
      gtk_stack_set_visible_child_name (self->list_stack, "no-accounts");
      return;
    }

  gtk_stack_set_visible_child_name (self->list_stack, "loading");
  gtk_stack_set_visible_child_name (self->status_stack, "busy");
  gtk_spinner_start (self->status_spinner);
  self->loading = n;
  for (guint i = 0; i < n; i++)
    {
      HyWindowAccount *entry = g_new0 (HyWindowAccount, 1);
      g_autofree char *path = NULL;

      entry->account = g_list_model_get_item (accounts, i);
      g_object_set_data (G_OBJECT (entry->account), "hy-window", self);
      g_ptr_array_add (self->accounts, entry);
      path = hy_account_manager_get_store_path (self->manager, entry->account);
      hy_store_open_async (path, self->cancellable, on_store_opened, entry);
    }
}

/* ------------------------------------------------------------------ */
/* Public API                                                         */

HyWindow *
hy_window_new (HyApplication *application)
{
  static const struct {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "win.reply", { "<Control>r", NULL } },
    { "win.reply-all", { "<Control><Shift>r", NULL } },
    { "win.forward", { "<Control>l", NULL } },
    { "app.compose", { "<Control>n", NULL } },
    { "win.search", { "<Control>f", NULL } },
    { "win.refresh", { "F5", NULL } },
    { "win.print", { "<Control>p", NULL } },
    { "win.toggle-flag", { "<Control>g", NULL } },
    { "win.mark-read", { "<Control>i", NULL } },
    { "win.mark-unread", { "<Control><Shift>i", NULL } },
    { "win.show-folders", { "<Alt>1", NULL } },
    { "win.show-list", { "<Alt>2", NULL } },
    { "win.show-reader", { "<Alt>3", NULL } },
  };
  HyWindow *self;

  g_return_val_if_fail (HY_IS_APPLICATION (application), NULL);

  self = g_object_new (HY_TYPE_WINDOW,
                       "application", application,
                       NULL);
  self->settings = g_object_ref (hy_application_get_settings (application));
  restore_window_state (self);

  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (application),
                                           accels[i].action, accels[i].accels);

  load_accounts (self);
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
  HyWindowAccount *entry = NULL;
  g_autoptr(HyStoreMessage) message = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (HY_IS_WINDOW (self));
  g_return_if_fail (account_id != NULL);
  g_return_if_fail (message_id > 0);

  gtk_window_present (GTK_WINDOW (self));

  for (guint i = 0; i < self->accounts->len && entry == NULL; i++)
    {
      HyWindowAccount *e = self->accounts->pdata[i];

      if (g_strcmp0 (hy_account_get_id (e->account), account_id) == 0)
        entry = e;
    }
  if (entry == NULL || entry->store == NULL)
    return;

  /* One row by its key: quick enough for the main thread. */
  message = hy_store_get_message (entry->store, message_id, &error);
  if (message == NULL)
    {
      g_debug ("Cannot show message %" G_GINT64_FORMAT ": %s", message_id, error->message);
      return;
    }

  self->select_when_loaded = message_id;
  if (self->current != entry || self->current_folder != message->folder_id
      || gtk_search_bar_get_search_mode (self->search_bar))
    _hy_window_sidebar_select (self, entry, message->folder_id);
  else if (HY_IS_MESSAGE_LIST (self->model))
    g_signal_emit_by_name (self->model, "items-changed", 0, 0, 0);

  hy_reader_show_message (self->reader, entry->store, message_id);
  adw_leaflet_set_visible_child (self->leaflet, self->reader_pane);
}

/* ------------------------------------------------------------------ */

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
  HyWindow *self = HY_WINDOW (window);

  save_window_state (self);
  g_cancellable_cancel (self->cancellable);

  return GTK_WINDOW_CLASS (hy_window_parent_class)->close_request (window);
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

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->mark_read_source, g_source_remove);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), HY_TYPE_WINDOW);
  g_clear_object (&self->selection);
  g_clear_object (&self->model);
  g_clear_pointer (&self->accounts, g_ptr_array_unref);
  g_clear_object (&self->manager);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);

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

  g_type_ensure (HY_TYPE_READER);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hongyan/Hongyan/ui/hy-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HyWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, HyWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, HyWindow, sidebar_pane);
  gtk_widget_class_bind_template_child (widget_class, HyWindow, list_pane);
  gtk_widget_class_bind_template_child (widget_class, HyWindow, reader_pane);
  gtk_widget_class_bind_template_child (widget_class, HyWindow, status_stack);
  gtk_widget_class_bind_template_child (widget_class, HyWindow, status_spinner);
  gtk_widget_class_bind_template_child (widget_class, HyWindow, folder_list);
  gtk_widget_class_bind_template_child (widget_class, HyWindow, list_title);
  gtk_widget_class_bind_template_child (widget_class, HyWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, HyWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, HyWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, HyWindow, list_stack);
  gtk_widget_class_bind_template_child (widget_class, HyWindow, message_view);
  gtk_widget_class_bind_template_child (widget_class, HyWindow, empty_folder_page);
  gtk_widget_class_bind_template_child (widget_class, HyWindow, list_spinner);
  gtk_widget_class_bind_template_child (widget_class, HyWindow, message_menu);
  gtk_widget_class_bind_template_child (widget_class, HyWindow, reader);

  _hy_window_actions_class_init (widget_class);
}

static void
hy_window_init (HyWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->accounts = g_ptr_array_new_with_free_func ((GDestroyNotify) account_entry_free);

  _hy_window_sidebar_init (self);
  _hy_window_list_init (self);
  _hy_window_actions_update (self);
}
