/* hy-window.c — the main window: folders, message list and reader
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>
#include <sys/resource.h>

#include "hy-message-row.h"
#include "hy-password-prompter.h"
#include "hy-window-private.h"

G_DEFINE_FINAL_TYPE (HyWindow, hy_window, ADW_TYPE_APPLICATION_WINDOW)

static void
account_entry_free (HyWindowAccount *entry)
{
  g_clear_object (&entry->account);
  g_clear_object (&entry->folders);
  g_clear_object (&entry->unified_list);
  if (entry->outbox != NULL)
    g_clear_signal_handler (&entry->outbox_changed_id, entry->outbox);
  g_clear_object (&entry->outbox);
  g_free (entry);
}

static HyWindowAccount *find_entry     (HyWindow      *self,
                                        const char    *account_id);
static void             on_show_outbox (GSimpleAction *action,
                                        GVariant      *parameter,
                                        HyWindow      *self);

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
/* Accounts and sync status                                           */

static void
on_details_clicked (AdwToast *toast,
                    HyWindow *self)
{
  const char *title = g_object_get_data (G_OBJECT (toast), "hy-title");
  const char *details = g_object_get_data (G_OBJECT (toast), "hy-details");
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), title, details);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

void
_hy_window_update_sync_status (HyWindow *self)
{
  gboolean syncing = FALSE, offline = FALSE;

  for (guint i = 0; i < self->accounts->len; i++)
    {
      HyWindowAccount *entry = self->accounts->pdata[i];
      HySyncStatus status = hy_engine_get_sync_status (self->engine, entry->account);

      syncing |= status == HY_SYNC_STATUS_SYNCING;
      offline |= status == HY_SYNC_STATUS_OFFLINE;
    }

  if (syncing || !self->loaded)
    {
      gtk_spinner_start (self->status_spinner);
      gtk_stack_set_visible_child_name (self->status_stack, "busy");
    }
  else
    {
      gtk_spinner_stop (self->status_spinner);
      gtk_stack_set_visible_child_name (self->status_stack, offline ? "offline" : "idle");
    }
}

static void
on_sync_status_changed (HyEngine  *engine,
                        HyAccount *account,
                        HyWindow  *self)
{
  HySyncStatus status = hy_engine_get_sync_status (engine, account);
  const GError *error = hy_engine_get_sync_error (engine, account);
  g_autofree char *toast_key = g_strconcat ("hy-password-toast-", hy_account_get_id (account), NULL);
  AdwToast *old_toast = g_object_get_data (G_OBJECT (self), toast_key);

  _hy_window_update_sync_status (self);

  /* One "needs a password" message per account, gone once it syncs. */
  if (old_toast != NULL && status != HY_SYNC_STATUS_SYNCING)
    {
      adw_toast_dismiss (old_toast);
      g_object_set_data (G_OBJECT (self), toast_key, NULL);
    }

  if (status == HY_SYNC_STATUS_ERROR && hy_password_prompter_is_password_error (error))
    {
      /* The password prompt is up, or was cancelled: say so and offer to
       * ask again, rather than showing the server's words. */
      g_autofree char *title = g_strdup_printf (_("%s needs a password"),
                                                hy_account_get_address (account));
      AdwToast *toast = adw_toast_new (title);

      adw_toast_set_button_label (toast, _("_Sign In"));
      adw_toast_set_action_name (toast, "app.sign-in");
      adw_toast_set_action_target_value (toast, g_variant_new_string (hy_account_get_id (account)));
      adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
      adw_toast_set_timeout (toast, 0);
      g_object_set_data_full (G_OBJECT (self), toast_key, g_object_ref (toast), g_object_unref);
      hy_window_add_toast (self, toast);
    }
  else if (status == HY_SYNC_STATUS_ERROR && error != NULL)
    {
      g_autofree char *title = g_strdup_printf (_("Cannot get the mail of %s"),
                                                hy_account_get_address (account));
      AdwToast *toast = adw_toast_new (title);

      adw_toast_set_button_label (toast, _("_Details"));
      adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
      adw_toast_set_timeout (toast, 0);
      g_object_set_data_full (G_OBJECT (toast), "hy-title", g_steal_pointer (&title), g_free);
      g_object_set_data_full (G_OBJECT (toast), "hy-details", g_strdup (error->message), g_free);
      g_signal_connect_object (toast, "button-clicked", G_CALLBACK (on_details_clicked), self, 0);
      hy_window_add_toast (self, toast);
    }
}

static void
on_folders_changed (HyWindow *self)
{
  _hy_window_sidebar_rebuild (self);
}

static void
rebuild_accounts (HyWindow *self)
{
  GListModel *accounts = hy_account_manager_get_accounts (hy_engine_get_account_manager (self->engine));
  guint n = g_list_model_get_n_items (accounts);

  g_ptr_array_set_size (self->accounts, 0);
  for (guint i = 0; i < n; i++)
    {
      HyWindowAccount *entry = g_new0 (HyWindowAccount, 1);

      entry->account = g_list_model_get_item (accounts, i);
      entry->folders = hy_engine_get_folders (self->engine, entry->account);
      if (entry->folders != NULL)
        {
          g_object_ref (entry->folders);
          g_signal_connect_object (entry->folders, "items-changed",
                                   G_CALLBACK (on_folders_changed), self, G_CONNECT_SWAPPED);
        }
      g_ptr_array_add (self->accounts, entry);
    }

  if (n == 0)
    {
      self->current = NULL;
      gtk_stack_set_visible_child_name (self->list_stack, "no-accounts");
    }
  _hy_window_sidebar_rebuild (self);
  _hy_window_update_sync_status (self);
}

static void hy_window_select_message (HyWindow   *self,
                                      const char *account_id,
                                      gint64      message_id);

/* Sync opens connections, loads GIO's TLS and proxy modules and reads
 * the store: it starts once the window has drawn its first frame. */
static void
start_engine_after_paint (GdkFrameClock *clock,
                          HyWindow      *self)
{
  g_signal_handlers_disconnect_by_func (clock, start_engine_after_paint, self);
  hy_engine_start (self->engine);
}

static void
on_engine_loaded (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(HyWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!hy_engine_load_finish (HY_ENGINE (object), result, &error))
    {
      g_autofree char *title = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      title = g_strdup_printf (_("Could not read the accounts: %s"), error->message);
      hy_window_add_toast (self, adw_toast_new (title));
    }

  self->loaded = TRUE;
  rebuild_accounts (self);
  g_signal_connect_object (hy_account_manager_get_accounts (hy_engine_get_account_manager (self->engine)),
                           "items-changed", G_CALLBACK (rebuild_accounts), self, G_CONNECT_SWAPPED);
  if (gtk_widget_get_frame_clock (GTK_WIDGET (self)) != NULL)
    {
      g_signal_connect_object (gtk_widget_get_frame_clock (GTK_WIDGET (self)), "after-paint",
                               G_CALLBACK (start_engine_after_paint), self, 0);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  else
    hy_engine_start (self->engine);

  if (self->pending_account != NULL)
    {
      g_autofree char *account_id = g_steal_pointer (&self->pending_account);

      hy_window_select_message (self, account_id, self->pending_message);
    }
}

static void
load_accounts (HyWindow *self)
{
  gtk_stack_set_visible_child_name (self->list_stack, "loading");
  gtk_spinner_start (self->list_spinner);
  _hy_window_update_sync_status (self);
  g_signal_connect_object (self->engine, "sync-status-changed",
                           G_CALLBACK (on_sync_status_changed), self, 0);
  g_signal_connect_object (self->engine, "folders-changed",
                           G_CALLBACK (on_folders_changed), self, G_CONNECT_SWAPPED);
  hy_engine_load_async (self->engine, self->cancellable, on_engine_loaded, g_object_ref (self));
}

/* ------------------------------------------------------------------ */
/* Benchmark hooks (bench/ui)                                         */

typedef struct {
  char   *event;
  gulong  handler;
  GdkFrameClock *clock;
} BenchFrame;

void
_hy_window_bench_print (const char *event)
{
  struct rusage usage;

  /* The process's CPU time too: on a busy machine it says more than
   * the wall clock. */
  getrusage (RUSAGE_SELF, &usage);
  g_printerr ("hongyan-bench: %s %.1f cpu %.1f\n", event, g_get_monotonic_time () / 1000.0,
              (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0
              + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0);
}

static void
on_bench_after_paint (GdkFrameClock *clock,
                      BenchFrame    *bench)
{
  _hy_window_bench_print (bench->event);
  g_signal_handler_disconnect (clock, bench->handler);
  g_free (bench->event);
  g_free (bench);
}

void
_hy_window_bench_after_frame (HyWindow   *self,
                              const char *event)
{
  static int enabled = -1;
  GdkFrameClock *clock;
  BenchFrame *bench;

  if (enabled < 0)
    enabled = g_getenv ("HONGYAN_BENCH") != NULL;
  if (!enabled)
    return;
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));
  if (clock == NULL)
    return;
  bench = g_new0 (BenchFrame, 1);
  bench->event = g_strdup (event);
  bench->handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_bench_after_paint), bench);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_first_map (HyWindow *self)
{
  _hy_window_bench_after_frame (self, "first-frame");
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
    { "win.move-to", { "<Control><Shift>m", NULL } },
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
  self->engine = g_object_ref (hy_application_get_engine (application));
  restore_window_state (self);
  {
    /* The list's menu switches conversations on and off, live. */
    g_autoptr(GAction) conversations = g_settings_create_action (self->settings, "conversation-view");

    g_action_map_add_action (G_ACTION_MAP (self), conversations);
    g_signal_connect_object (self->settings, "changed::conversation-view",
                             G_CALLBACK (_hy_window_list_refresh_mode), self, G_CONNECT_SWAPPED);
    /* GSettings only reports changes of keys read since connecting. */
    (void) g_settings_get_boolean (self->settings, "conversation-view");
  }
  {
    /* win.show-outbox (s): an account's outbox, for notifications and
     * tests (exported on D-Bus with the window). */
    g_autoptr(GSimpleAction) show_outbox = g_simple_action_new ("show-outbox", G_VARIANT_TYPE_STRING);

    g_signal_connect_object (show_outbox, "activate", G_CALLBACK (on_show_outbox), self, 0);
    g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (show_outbox));
  }

  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (application),
                                           accels[i].action, accels[i].accels);

  load_accounts (self);
  return self;
}

static void
on_show_outbox (GSimpleAction *action,
                GVariant      *parameter,
                HyWindow      *self)
{
  HyWindowAccount *entry = find_entry (self, g_variant_get_string (parameter, NULL));

  if (entry != NULL && entry->outbox != NULL && !_hy_window_sidebar_select_outbox (self, entry))
    _hy_window_list_show_outbox (self, entry);
}

void
hy_window_add_toast (HyWindow *self,
                     AdwToast *toast)
{
  g_return_if_fail (HY_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

typedef struct {
  HyWindow *window;
  char     *account_id;
  gint64    message_id;
} ShowRequest;

static void
show_request_free (ShowRequest *request)
{
  g_clear_object (&request->window);
  g_free (request->account_id);
  g_free (request);
}

static HyWindowAccount *
find_entry (HyWindow   *self,
            const char *account_id)
{
  for (guint i = 0; self->accounts != NULL && i < self->accounts->len; i++)
    {
      HyWindowAccount *entry = self->accounts->pdata[i];

      if (g_strcmp0 (hy_account_get_id (entry->account), account_id) == 0)
        return entry;
    }
  return NULL;
}

/* The folder and the thread of the message, read in a thread from the
 * account's store. */
static void
find_folder_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  HyStore *store = task_data;
  gint64 id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (task), "hy-id"));
  GError *error = NULL;
  HyStoreMessage *message = hy_store_get_message (store, id, &error);

  if (message == NULL)
    g_task_return_error (task, error);
  else
    {
      gint64 *found = g_new (gint64, 2);

      found[0] = message->folder_id;
      found[1] = message->thread_id;
      hy_store_message_free (message);
      g_task_return_pointer (task, found, g_free);
    }
}

static void
on_folder_found (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ShowRequest *request = user_data;
  HyWindow *self = request->window;
  g_autoptr(GError) error = NULL;
  g_autofree gint64 *folder_id = g_task_propagate_pointer (G_TASK (result), &error);
  HyWindowAccount *entry = find_entry (self, request->account_id);

  if (folder_id == NULL || entry == NULL)
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Cannot show message %" G_GINT64_FORMAT ": %s", request->message_id, error->message);
      show_request_free (request);
      return;
    }

  self->select_when_loaded = request->message_id;
  self->select_thread_when_loaded = folder_id[1];
  if (self->current != entry || self->current_folder == NULL
      || hy_folder_get_id (self->current_folder) != folder_id[0])
    _hy_window_sidebar_select (self, entry, folder_id[0]);
  else if (HY_IS_MESSAGE_LIST (self->model))
    g_signal_emit_by_name (self->model, "items-changed", 0, 0, 0);

  hy_reader_show_message (self->reader, self->engine, entry->account, request->message_id);
  adw_leaflet_set_visible_child (self->leaflet, self->reader_pane);
  /* The keys (Delete, arrows) act on the message shown, not on the
   * sidebar. */
  gtk_widget_grab_focus (GTK_WIDGET (self->message_view));
  show_request_free (request);
}

static void
hy_window_select_message (HyWindow   *self,
                          const char *account_id,
                          gint64      message_id)
{
  HyWindowAccount *entry = find_entry (self, account_id);
  HyStore *store = entry != NULL ? hy_engine_get_store (self->engine, entry->account) : NULL;
  g_autoptr(GTask) task = NULL;
  ShowRequest *request;

  if (store == NULL)
    return;

  request = g_new0 (ShowRequest, 1);
  request->window = g_object_ref (self);
  request->account_id = g_strdup (account_id);
  request->message_id = message_id;
  task = g_task_new (NULL, self->cancellable, on_folder_found, request);
  g_task_set_source_tag (task, hy_window_select_message);
  g_task_set_task_data (task, g_object_ref (store), g_object_unref);
  g_object_set_data (G_OBJECT (task), "hy-id", GSIZE_TO_POINTER (message_id));
  g_task_run_in_thread (task, find_folder_thread);
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
  if (!self->loaded)
    {
      g_free (self->pending_account);
      self->pending_account = g_strdup (account_id);
      self->pending_message = message_id;
      return;
    }
  hy_window_select_message (self, account_id, message_id);
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
  g_clear_object (&self->current_folder);
  g_clear_pointer (&self->accounts, g_ptr_array_unref);
  g_clear_object (&self->engine);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->pending_account, g_free);

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
  g_type_ensure (HY_TYPE_CONVERSATION_VIEW);

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
  gtk_widget_class_bind_template_child (widget_class, HyWindow, conversation);

  _hy_window_actions_class_init (widget_class);
}

void
_hy_window_inbox_seen (HyWindow *self)
{
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));
  HyNotifier *notifier;

  if (!HY_IS_APPLICATION (application) || !gtk_widget_get_visible (GTK_WIDGET (self)))
    return;
  notifier = hy_application_get_notifier (HY_APPLICATION (application));
  if (notifier == NULL)
    return;
  if (self->current_folder != NULL)
    {
      if (hy_folder_get_role (self->current_folder) == HY_FOLDER_ROLE_INBOX)
        hy_notifier_inbox_shown (notifier, hy_folder_get_account (self->current_folder));
    }
  else if (self->current == NULL && self->loaded && !gtk_search_bar_get_search_mode (self->search_bar))
    hy_notifier_inbox_shown (notifier, NULL);  /* All Inboxes */
}

static void
on_active_changed (HyWindow *self)
{
  /* Mail announced while the window showed the inbox in the background
   * has been seen once the window is in front. */
  if (gtk_window_is_active (GTK_WINDOW (self)))
    _hy_window_inbox_seen (self);
}

static void
hy_window_init (HyWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->accounts = g_ptr_array_new_with_free_func ((GDestroyNotify) account_entry_free);

  g_signal_connect (self, "map", G_CALLBACK (on_first_map), NULL);
  g_signal_connect (self, "notify::is-active", G_CALLBACK (on_active_changed), NULL);
  _hy_window_sidebar_init (self);
  _hy_window_list_init (self);
  _hy_window_actions_update (self);
}
