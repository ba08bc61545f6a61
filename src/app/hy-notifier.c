/* hy-notifier.c — desktop notifications for new mail in inboxes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>

#include "hy-notifier.h"
#include "hy-window-private.h"
#include "store/hy-store-message.h"

/* Messages named one by one in a grouped notification. */
#define MAX_LISTED 3
/* How far down the inbox to look for the new unread messages. */
#define MAX_SCANNED 200

struct _HyNotifier
{
  GObject         parent_instance;

  GtkApplication *application;  /* weak: the application owns the notifier */
  HyEngine       *engine;
  GSettings      *settings;
  GPtrArray      *pending;      /* Pending, lists still loading */
  GHashTable     *sent;         /* account ids with a notification out */
};

G_DEFINE_FINAL_TYPE (HyNotifier, hy_notifier, G_TYPE_OBJECT)

typedef struct {
  HyNotifier    *notifier;      /* weak: the notifier frees its pending lists */
  HyAccount     *account;
  HyMessageList *list;
  guint          count;
  gulong         loaded_id;
} Pending;

static void
pending_free (Pending *pending)
{
  g_clear_signal_handler (&pending->loaded_id, pending->list);
  g_clear_object (&pending->list);
  g_clear_object (&pending->account);
  g_free (pending);
}

static void
hy_notifier_dispose (GObject *object)
{
  HyNotifier *self = HY_NOTIFIER (object);

  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->sent, g_hash_table_unref);
  g_clear_object (&self->engine);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (hy_notifier_parent_class)->dispose (object);
}

static void
hy_notifier_class_init (HyNotifierClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hy_notifier_dispose;
}

static void
hy_notifier_init (HyNotifier *self)
{
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_free);
  self->sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static char *
notification_id (HyAccount *account)
{
  return g_strconcat ("new-mail-", hy_account_get_id (account), NULL);
}

static const char *
sender_of (HyMessageSummary *summary)
{
  const char *sender = hy_message_summary_get_sender (summary);

  if (sender == NULL || *sender == '\0')
    sender = hy_message_summary_get_sender_address (summary);
  if (sender == NULL || *sender == '\0')
    sender = _("Unknown sender");
  return sender;
}

static const char *
subject_of (HyMessageSummary *summary)
{
  const char *subject = hy_message_summary_get_subject (summary);

  return subject != NULL && *subject != '\0' ? subject : _("(No subject)");
}

/* @summaries are the newest of @total new messages (all of them unless
 * the inbox was too long to look through). */
static void
send_notification (HyNotifier *self,
                   HyAccount  *account,
                   GPtrArray  *summaries,  /* HyMessageSummary, newest first */
                   guint       total)
{
  g_autoptr(GNotification) notification = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *id = notification_id (account);
  const char *account_id = hy_account_get_id (account);
  HyMessageSummary *newest = g_ptr_array_index (summaries, 0);
  GVariant *open;

  for (guint i = 0; i < summaries->len; i++)
    {
      gint64 message_id = hy_message_summary_get_id (g_ptr_array_index (summaries, i));

      g_array_append_val (ids, message_id);
    }

  if (total == 1)
    {
      notification = g_notification_new (sender_of (newest));
      g_notification_set_body (notification, subject_of (newest));
    }
  else
    {
      g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u new message",
                                                             "%u new messages", total),
                                                total);
      g_autoptr(GString) body = g_string_new (NULL);

      notification = g_notification_new (title);
      for (guint i = 0; i < summaries->len && i < MAX_LISTED; i++)
        {
          HyMessageSummary *summary = g_ptr_array_index (summaries, i);

          if (body->len > 0)
            g_string_append_c (body, '\n');
          /* TRANSLATORS: one line of a notification: sender, then subject */
          g_string_append_printf (body, _("%s: %s"), sender_of (summary), subject_of (summary));
        }
      if (total > MIN (summaries->len, MAX_LISTED))
        {
          guint more = total - MIN (summaries->len, MAX_LISTED);

          g_string_append_c (body, '\n');
          g_string_append_printf (body, g_dngettext (GETTEXT_PACKAGE, "and %u more", "and %u more", more), more);
        }
      g_notification_set_body (notification, body->str);
    }
  g_notification_set_category (notification, "email.arrived");

  open = g_variant_new ("(sx)", account_id, hy_message_summary_get_id (newest));
  g_notification_set_default_action_and_target_value (notification, "app.show-message", open);
  g_notification_add_button_with_target_value (notification, _("Open"), "app.show-message",
                                               g_variant_new ("(sx)", account_id,
                                                              hy_message_summary_get_id (newest)));
  g_notification_add_button_with_target_value (notification, _("Mark as Read"), "app.mark-messages-read",
                                               g_variant_new ("(s@ax)", account_id,
                                                              g_variant_new_fixed_array (G_VARIANT_TYPE_INT64,
                                                                                         ids->data, ids->len,
                                                                                         sizeof (gint64))));
  g_application_send_notification (G_APPLICATION (self->application), id, notification);
  g_hash_table_add (self->sent, g_strdup (account_id));
}

/* With @always, also a notification this process may not have sent (one
 * left by an earlier run still has the same id on the desktop). */
static void
withdraw (HyNotifier *self,
          HyAccount  *account,
          gboolean    always)
{
  g_autofree char *id = NULL;

  if (!g_hash_table_remove (self->sent, hy_account_get_id (account)) && !always)
    return;
  id = notification_id (account);
  g_application_withdraw_notification (G_APPLICATION (self->application), id);
}

void
hy_notifier_inbox_shown (HyNotifier *self,
                         HyAccount  *account)
{
  GListModel *accounts;

  g_return_if_fail (HY_IS_NOTIFIER (self));
  g_return_if_fail (account == NULL || HY_IS_ACCOUNT (account));

  if (account != NULL)
    {
      withdraw (self, account, FALSE);
      return;
    }
  accounts = hy_account_manager_get_accounts (hy_engine_get_account_manager (self->engine));
  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr(HyAccount) each = g_list_model_get_item (accounts, i);

      withdraw (self, each, FALSE);
    }
}

static void
notify_from_list (HyNotifier *self,
                  Pending    *pending)
{
  g_autoptr(GPtrArray) summaries = g_ptr_array_new_with_free_func (g_object_unref);
  GListModel *model = G_LIST_MODEL (pending->list);
  guint n = MIN (g_list_model_get_n_items (model), MAX_SCANNED);

  /* The list is newest first: the new messages are the first unread ones
   * (some may have been read on another device meanwhile). */
  for (guint i = 0; i < n && summaries->len < pending->count; i++)
    {
      g_autoptr(HyMessageSummary) summary = g_list_model_get_item (model, i);

      if (hy_message_summary_get_unread (summary))
        g_ptr_array_add (summaries, g_steal_pointer (&summary));
    }
  if (summaries->len == 0)
    return;
  /* Past the part of the inbox looked through, trust the engine's count. */
  send_notification (self, pending->account, summaries,
                     n == MAX_SCANNED ? MAX (summaries->len, pending->count) : summaries->len);
}

static void
list_loaded (HyMessageList *list,
             GParamSpec    *pspec,
             Pending       *pending)
{
  HyNotifier *self = pending->notifier;

  if (!hy_message_list_get_loaded (list))
    return;
  notify_from_list (self, pending);
  g_ptr_array_remove (self->pending, pending);
}

/* Whether the user is looking at @folder now: no notification then. */
static gboolean
folder_on_screen (HyNotifier *self,
                  HyFolder   *folder)
{
  GtkWindow *window = gtk_application_get_active_window (self->application);
  HyWindow *main_window;

  if (window == NULL || !HY_IS_WINDOW (window) || !gtk_window_is_active (window) ||
      !gtk_widget_get_visible (GTK_WIDGET (window)))
    return FALSE;
  main_window = HY_WINDOW (window);
  return main_window->current_folder != NULL &&
         hy_folder_get_account (main_window->current_folder) == hy_folder_get_account (folder) &&
         hy_folder_get_id (main_window->current_folder) == hy_folder_get_id (folder);
}

static void
on_new_mail (HyEngine   *engine,
             HyAccount  *account,
             HyFolder   *folder,
             guint       count,
             HyNotifier *self)
{
  Pending *pending;

  if (count == 0 || !g_settings_get_boolean (self->settings, "notify-new-mail"))
    return;
  if (hy_folder_get_role (folder) != HY_FOLDER_ROLE_INBOX)
    return;
  if (folder_on_screen (self, folder))
    return;

  pending = g_new0 (Pending, 1);
  pending->notifier = self;
  pending->account = g_object_ref (account);
  pending->count = count;
  pending->list = hy_engine_list_folder (engine, folder);
  g_ptr_array_add (self->pending, pending);
  if (hy_message_list_get_loaded (pending->list))
    list_loaded (pending->list, NULL, pending);
  else
    pending->loaded_id = g_signal_connect (pending->list, "notify::loaded", G_CALLBACK (list_loaded), pending);
}

static void
marked_read (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!hy_engine_operation_finish (HY_ENGINE (object), result, &error))
    g_warning ("Could not mark the new messages as read: %s", error->message);
}

static void
mark_messages_read (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  HyNotifier *self = user_data;
  g_autoptr(GVariant) ids_variant = NULL;
  const char *account_id;
  const gint64 *ids;
  HyAccount *account;
  gsize n_ids;

  g_variant_get (parameter, "(&s@ax)", &account_id, &ids_variant);
  account = hy_account_manager_find (hy_engine_get_account_manager (self->engine), account_id);
  if (account == NULL)
    return;
  ids = g_variant_get_fixed_array (ids_variant, &n_ids, sizeof (gint64));
  if (n_ids > 0)
    hy_engine_set_flags_async (self->engine, account, ids, (guint) n_ids, HY_STORE_FLAG_SEEN, 0,
                               NULL, marked_read, NULL);
  withdraw (self, account, TRUE);
}

HyNotifier *
hy_notifier_new (GtkApplication *application,
                 HyEngine       *engine,
                 GSettings      *settings)
{
  g_autoptr(GSimpleAction) action = NULL;
  HyNotifier *self;

  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (HY_IS_ENGINE (engine), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (HY_TYPE_NOTIFIER, NULL);
  self->application = application;
  self->engine = g_object_ref (engine);
  self->settings = g_object_ref (settings);
  g_signal_connect (engine, "new-mail", G_CALLBACK (on_new_mail), self);

  action = g_simple_action_new ("mark-messages-read", G_VARIANT_TYPE ("(sax)"));
  g_signal_connect_object (action, "activate", G_CALLBACK (mark_messages_read), self, 0);
  g_action_map_add_action (G_ACTION_MAP (application), G_ACTION (action));
  return self;
}
