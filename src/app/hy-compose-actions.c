/* hy-compose-actions.c — the application's actions that open a composer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-composer"

#include "config.h"

#include <glib/gi18n.h>

#include "account/hy-account-manager.h"
#include "hy-compose-actions.h"
#include "hy-password-prompter.h"
#include "hy-window.h"
#include "mime/hy-message.h"
#include "smtp/hy-smtp-error.h"
#include "sync/hy-drafts.h"
#include "sync/hy-outbox.h"

#define OUTBOXES_DATA "hy-compose-outboxes"
#define DRAFTS_DATA   "hy-compose-drafts"

typedef enum {
  KIND_REPLY,
  KIND_REPLY_ALL,
  KIND_FORWARD,
  KIND_FORWARD_AS_ATTACHMENT,
} Kind;

typedef struct
{
  HyApplication *app;
  char          *account_id;
  gint64         message_id;
  Kind           kind;
  HyMessage     *original;   /* forward as attachment: while its bytes load */
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_clear_object (&data->app);
  g_clear_object (&data->original);
  g_free (data->account_id);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpenData, open_data_free)

static void report_failure (OpenData   *data,
                            const char *detail);

static HyAccountManager *
get_account_manager (HyApplication *app)
{
  HyAccountManager *manager = hy_engine_get_account_manager (hy_application_get_engine (app));

  /* The main window loads the accounts; a composer opened on its own
   * (hongyan mailto:…) reads them itself. */
  if (g_list_model_get_n_items (hy_account_manager_get_accounts (manager)) == 0)
    {
      g_autoptr(GError) error = NULL;

      if (!hy_account_manager_load (manager, &error))
        g_warning ("Could not read the accounts: %s", error->message);
    }
  return manager;
}

static void
add_account_identities (HyComposer *composer,
                        HyAccount  *account,
                        const char *preferred)
{
  GPtrArray *identities = hy_account_get_identities (account);

  /* The preferred address first: the composer starts with the first. */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; identities != NULL && i < identities->len; i++)
      {
        const HyIdentity *identity = g_ptr_array_index (identities, i);
        gboolean match = preferred != NULL &&
                         g_ascii_strcasecmp (identity->address, preferred) == 0;

        if ((pass == 0) == match)
          hy_composer_add_identity (composer, hy_account_get_id (account), identity);
      }
}

static gboolean on_composer_send (HyComposer       *composer,
                                  HyMessageBuilder *builder,
                                  const char       *account_id,
                                  HyApplication    *app);
static void     on_save_draft    (HyComposer       *composer,
                                  HyMessageBuilder *builder,
                                  const char       *account_id,
                                  HyApplication    *app);
static void     on_discard_draft (HyComposer       *composer,
                                  const char       *account_id,
                                  gint64            draft_id,
                                  HyApplication    *app);
static gboolean on_size_limit_needed (HyComposer    *composer,
                                      const char    *account_id,
                                      HyApplication *app);

static HyComposer *
new_composer_for (HyApplication *app,
                  HyAccount     *first,
                  const char    *preferred)
{
  HyComposer *composer = hy_composer_new (app);
  GListModel *accounts = hy_account_manager_get_accounts (get_account_manager (app));
  GSettings *settings = hy_application_get_settings (app);

  if (first != NULL)
    add_account_identities (composer, first, preferred);
  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr(HyAccount) account = g_list_model_get_item (accounts, i);
      HyStore *store = hy_engine_get_store (hy_application_get_engine (app), account);

      if (account != first)
        add_account_identities (composer, account, NULL);
      if (store != NULL)
        hy_composer_add_address_store (composer, store);
    }

  if (settings != NULL)
    hy_composer_set_rich_text (composer, g_settings_get_boolean (settings, "compose-rich-text"));
  g_signal_connect_object (composer, "send", G_CALLBACK (on_composer_send), app, 0);
  g_signal_connect_object (composer, "save-draft", G_CALLBACK (on_save_draft), app, 0);
  g_signal_connect_object (composer, "discard-draft", G_CALLBACK (on_discard_draft), app, 0);
  g_signal_connect_object (composer, "size-limit-needed", G_CALLBACK (on_size_limit_needed), app, 0);
  return composer;
}


/* Sending: the message goes to the account's outbox at once; a toast
 * offers Undo while the outbox holds it back, and a notification says
 * when it has left or why the server refused it. */

typedef struct
{
  HyApplication *app;
  HyOutbox      *outbox;
  char          *account_id;
  GBytes        *bytes;
  guint          delay;
  gint64         id;
} SendData;

static void
send_data_free (SendData *data)
{
  g_clear_object (&data->app);
  g_clear_object (&data->outbox);
  g_free (data->account_id);
  g_clear_pointer (&data->bytes, g_bytes_unref);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SendData, send_data_free)

static void
reopen_bytes (HyApplication *app,
              HyAccount     *account,
              GBytes        *bytes,
              const char    *problem)
{
  g_autoptr(HyMessage) message = hy_message_new_from_bytes (bytes);
  HyComposer *composer = new_composer_for (app, account, NULL);

  hy_composer_load_message (composer, message);
  gtk_window_present (GTK_WINDOW (composer));

  if (problem != NULL)
    {
      GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (composer), _("The Message Was Not Sent"),
                                                  problem);

      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
    }
}

#define HELD_DATA "hy-compose-held"

/* The application is held once for each message this process queued (or
 * retried) until the message has left or failed for good, so that it
 * keeps running to send it when the composer was its last window. */
static GHashTable *
held_ids (HyApplication *app)
{
  GHashTable *held = g_object_get_data (G_OBJECT (app), HELD_DATA);

  if (held == NULL)
    {
      held = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
      g_object_set_data_full (G_OBJECT (app), HELD_DATA, held, (GDestroyNotify) g_hash_table_unref);
    }
  return held;
}

/* Records that the hold already taken for a message belongs to @id. */
static void
keep_hold_for (HyApplication *app,
               gint64         id)
{
  if (g_hash_table_contains (held_ids (app), &id))
    g_application_release (G_APPLICATION (app));
  else
    g_hash_table_add (held_ids (app), g_memdup2 (&id, sizeof id));
}

static void
release_hold_for (HyApplication *app,
                  gint64         id)
{
  if (g_hash_table_remove (held_ids (app), &id))
    g_application_release (G_APPLICATION (app));
}

static void
withdraw_notifications (HyApplication *app,
                        gint64         id)
{
  g_autofree char *sent_id = g_strdup_printf ("outbox-%" G_GINT64_FORMAT, id);

  g_application_withdraw_notification (G_APPLICATION (app), sent_id);
}

/* Messages held back by a refused SMTP password, sent again as soon
 * as the user gives a new one. */
#define AUTH_WAITING_DATA "hy-auth-waiting"

static GArray *
auth_waiting (HyOutbox *outbox)
{
  GArray *ids = g_object_get_data (G_OBJECT (outbox), AUTH_WAITING_DATA);

  if (ids == NULL)
    {
      ids = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_object_set_data_full (G_OBJECT (outbox), AUTH_WAITING_DATA, ids, (GDestroyNotify) g_array_unref);
    }
  return ids;
}

static void
on_outbox_sent (HyOutbox      *outbox,
                gint64         id,
                HyOutboxEntry *entry,
                HyApplication *app)
{
  HyPasswordPrompter *prompter = hy_application_get_password_prompter (app);
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *notification_id = g_strdup_printf ("outbox-%" G_GINT64_FORMAT, id);

  if (prompter != NULL)
    hy_password_prompter_outgoing_accepted (prompter, hy_outbox_get_account (outbox));

  /* Some recipients refused for good: the others have it, and the person
   * learns who does not, in the server's words (recipients refused only
   * for now are tried again on their own). */
  if (entry->last_error != NULL && *entry->last_error != '\0')
    {
      g_autofree char *body = NULL;

      notification = g_notification_new (_("Message Not Sent to Everyone"));
      if (entry->subject != NULL && *entry->subject != '\0')
        body = g_strdup_printf ("%s\n%s", entry->subject, entry->last_error);
      else
        body = g_strdup (entry->last_error);
      g_notification_set_body (notification, body);
      g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
    }
  else
    {
      notification = g_notification_new (_("Message sent"));
      if (entry->subject != NULL && *entry->subject != '\0')
        g_notification_set_body (notification, entry->subject);
    }
  g_application_send_notification (G_APPLICATION (app), notification_id, notification);
  release_hold_for (app, id);
}

static void
on_outbox_failed (HyOutbox      *outbox,
                  gint64         id,
                  HyOutboxEntry *entry,
                  GError        *error,
                  gboolean       permanent,
                  HyApplication *app)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *notification_id = NULL;
  g_autofree char *body = NULL;
  HyAccount *account = hy_outbox_get_account (outbox);

  if (!permanent)
    {
      HyPasswordPrompter *prompter = hy_application_get_password_prompter (app);

      g_debug ("Sending message %" G_GINT64_FORMAT " failed for now, retried later: %s",
               id, error->message);
      if (prompter != NULL && g_error_matches (error, HY_SMTP_ERROR, HY_SMTP_ERROR_AUTH_FAILED))
        {
          GArray *ids = auth_waiting (outbox);
          gboolean known = FALSE;

          for (guint i = 0; i < ids->len; i++)
            known |= g_array_index (ids, gint64, i) == id;
          if (!known)
            g_array_append_val (ids, id);
          hy_password_prompter_outgoing_refused (prompter, account);
        }
      return;
    }

  notification = g_notification_new (_("Message not sent"));
  notification_id = g_strdup_printf ("outbox-%" G_GINT64_FORMAT, id);
  /* Translators: %s is the subject, then the server's words. */
  body = g_strdup_printf (_("“%s”: %s"), entry->subject != NULL ? entry->subject : "", error->message);
  g_notification_set_body (notification, body);
  g_notification_add_button_with_target (notification, _("Edit"), "app.outbox-edit", "(sx)",
                                         hy_account_get_id (account), id);
  g_notification_add_button_with_target (notification, _("Retry"), "app.outbox-retry", "(sx)",
                                         hy_account_get_id (account), id);
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
  g_application_send_notification (G_APPLICATION (app), notification_id, notification);
  release_hold_for (app, id);
}

static void
on_password_saved (HyPasswordPrompter *prompter,
                   HyAccount          *account,
                   gboolean            outgoing,
                   HyOutbox           *outbox)
{
  g_autoptr(GArray) ids = NULL;

  if (!outgoing || account != hy_outbox_get_account (outbox))
    return;
  ids = g_object_steal_data (G_OBJECT (outbox), AUTH_WAITING_DATA);
  for (guint i = 0; ids != NULL && i < ids->len; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!hy_outbox_retry (outbox, g_array_index (ids, gint64, i), &error))
        g_debug ("Not sending message %" G_GINT64_FORMAT " again: %s",
                 g_array_index (ids, gint64, i), error->message);
    }
}

/* The account's outbox, made and started on first use; NULL while the
 * account's store is not open yet. */
static HyOutbox *
get_outbox (HyApplication *app,
            HyAccount     *account)
{
  GHashTable *outboxes = g_object_get_data (G_OBJECT (app), OUTBOXES_DATA);
  HyEngine *engine = hy_application_get_engine (app);
  HyOutbox *outbox;
  HyStore *store;
  const char *ca_file = g_getenv ("HONGYAN_CA_FILE");

  if (outboxes == NULL)
    {
      outboxes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
      g_object_set_data_full (G_OBJECT (app), OUTBOXES_DATA, outboxes,
                              (GDestroyNotify) g_hash_table_unref);
    }
  outbox = g_hash_table_lookup (outboxes, hy_account_get_id (account));
  if (outbox != NULL)
    return outbox;

  store = hy_engine_get_store (engine, account);
  if (store == NULL)
    return NULL;

  outbox = hy_outbox_new (account, hy_account_manager_get_credentials (get_account_manager (app)), store);
  if (ca_file != NULL && *ca_file != '\0')
    hy_outbox_set_ca_file (outbox, ca_file);
  g_signal_connect_object (outbox, "sent", G_CALLBACK (on_outbox_sent), app, 0);
  g_signal_connect_object (outbox, "failed", G_CALLBACK (on_outbox_failed), app, 0);
  if (hy_application_get_password_prompter (app) != NULL)
    g_signal_connect_object (hy_application_get_password_prompter (app), "password-saved",
                             G_CALLBACK (on_password_saved), outbox, 0);
  hy_outbox_start (outbox);
  g_hash_table_insert (outboxes, g_strdup (hy_account_get_id (account)), outbox);
  return outbox;
}

HyOutbox *
hy_compose_actions_get_outbox (HyApplication *app,
                               HyAccount     *account)
{
  g_return_val_if_fail (HY_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (HY_IS_ACCOUNT (account), NULL);

  return get_outbox (app, account);
}

static void
on_undo_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SendData) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = hy_outbox_cancel_finish (HY_OUTBOX (object), result, &error);

  if (bytes == NULL)
    {
      GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (data->app));

      if (HY_IS_WINDOW (window))
        {
          /* Too late: the server has it already. */
          AdwToast *toast = adw_toast_new (_("Too late to undo: the message is already on its way"));

          hy_window_add_toast (HY_WINDOW (window), toast);
        }
      g_debug ("Undo failed: %s", error->message);
      return;
    }

  release_hold_for (data->app, data->id);
  reopen_bytes (data->app, hy_outbox_get_account (data->outbox), bytes, NULL);
}

static void
on_undo_clicked (AdwToast *toast,
                 SendData *data)
{
  g_autoptr(SendData) copy = g_new0 (SendData, 1);

  copy->app = g_object_ref (data->app);
  copy->outbox = g_object_ref (data->outbox);
  copy->id = data->id;
  hy_outbox_cancel_async (data->outbox, data->id, NULL, on_undo_done, g_steal_pointer (&copy));
}

static void
on_queued (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(SendData) data = user_data;
  g_autoptr(GError) error = NULL;
  GtkWindow *window;

  data->id = hy_outbox_queue_finish (HY_OUTBOX (object), result, &error);
  if (data->id == 0)
    {
      g_autofree char *problem = g_strdup_printf (_("It could not be put in the outbox: %s"),
                                                  error->message);

      g_application_release (G_APPLICATION (data->app));
      reopen_bytes (data->app, hy_outbox_get_account (data->outbox), data->bytes, problem);
      return;
    }
  withdraw_notifications (data->app, data->id);
  keep_hold_for (data->app, data->id);

  window = NULL;
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (data->app)); l != NULL; l = l->next)
    if (HY_IS_WINDOW (l->data))
      {
        window = l->data;
        break;
      }
  if (window != NULL && data->delay > 0)
    {
      AdwToast *toast = adw_toast_new (_("Sending message…"));

      adw_toast_set_button_label (toast, _("_Undo"));
      adw_toast_set_timeout (toast, data->delay);
      g_signal_connect_data (toast, "button-clicked", G_CALLBACK (on_undo_clicked),
                             g_steal_pointer (&data), (GClosureNotify) send_data_free, 0);
      hy_window_add_toast (HY_WINDOW (window), toast);
    }
}

static void queue_message (SendData *data);

static void
on_engine_loaded (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SendData) data = user_data;
  g_autoptr(GError) error = NULL;
  HyAccount *account;

  if (!hy_engine_load_finish (HY_ENGINE (object), result, &error))
    g_warning ("Could not open the accounts: %s", error->message);

  account = hy_account_manager_find (get_account_manager (data->app), data->account_id);
  data->outbox = account != NULL ? get_outbox (data->app, account) : NULL;
  if (data->outbox != NULL)
    g_object_ref (data->outbox);
  else
    {
      g_application_release (G_APPLICATION (data->app));
      reopen_bytes (data->app, account, data->bytes,
                    _("The account’s mail store could not be opened; see the account’s settings."));
      return;
    }
  queue_message (g_steal_pointer (&data));
}

static void
queue_message (SendData *data)
{
  hy_outbox_queue_async (data->outbox, data->bytes, data->delay, NULL, on_queued, data);
}

static gboolean
on_composer_send (HyComposer       *composer,
                  HyMessageBuilder *builder,
                  const char       *account_id,
                  HyApplication    *app)
{
  g_autoptr(SendData) data = g_new0 (SendData, 1);
  g_autoptr(GError) error = NULL;
  HyAccount *account = hy_account_manager_find (get_account_manager (app), account_id);
  GSettings *settings = hy_application_get_settings (app);

  if (account == NULL)
    return FALSE;

  data->bytes = hy_message_builder_to_bytes_with_bcc (builder, &error);
  if (data->bytes == NULL)
    {
      g_warning ("Could not write the message: %s", error->message);
      return FALSE;
    }
  data->app = g_object_ref (app);
  data->account_id = g_strdup (account_id);
  data->delay = settings != NULL ? (guint) MAX (0, g_settings_get_int (settings, "undo-send-delay")) : 5;

  /* Keep running until the message has left, even with no window open. */
  g_application_hold (G_APPLICATION (app));

  data->outbox = get_outbox (app, account);
  if (data->outbox != NULL)
    {
      g_object_ref (data->outbox);
      queue_message (g_steal_pointer (&data));
    }
  else
    hy_engine_load_async (hy_application_get_engine (app), NULL, on_engine_loaded, g_steal_pointer (&data));
  return TRUE;
}

static HyOutbox *
outbox_for_parameter (HyApplication *app,
                      GVariant      *parameter,
                      gint64        *id)
{
  g_autofree char *account_id = NULL;
  HyAccount *account;

  g_variant_get (parameter, "(sx)", &account_id, id);
  account = hy_account_manager_find (get_account_manager (app), account_id);
  return account != NULL ? get_outbox (app, account) : NULL;
}

static void
outbox_retry_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  HyApplication *app = user_data;
  g_autoptr(GError) error = NULL;
  gint64 id;
  HyOutbox *outbox = outbox_for_parameter (app, parameter, &id);

  if (outbox == NULL)
    return;
  withdraw_notifications (app, id);
  if (!hy_outbox_retry (outbox, id, &error))
    {
      g_warning ("Could not retry message %" G_GINT64_FORMAT ": %s", id, error->message);
      return;
    }
  g_application_hold (G_APPLICATION (app));
  keep_hold_for (app, id);
  hy_outbox_start (outbox);
}

static void
outbox_edit_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  HyApplication *app = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gint64 id;
  HyOutbox *outbox = outbox_for_parameter (app, parameter, &id);

  if (outbox == NULL)
    return;
  withdraw_notifications (app, id);
  /* Taken out of the outbox; sending it again queues a new one. */
  bytes = hy_outbox_cancel (outbox, id, &error);
  if (bytes == NULL)
    {
      g_warning ("Could not take message %" G_GINT64_FORMAT " back: %s", id, error->message);
      return;
    }
  release_hold_for (app, id);
  reopen_bytes (app, hy_outbox_get_account (outbox), bytes, NULL);
}


/* The outgoing server's size limit: what the account's outbox saw when
 * it last connected, else a quick EHLO, given up after a few seconds
 * (the message is then sent without the check; the server still refuses
 * what is too big, in its own words). */

#define SIZE_PROBE_SECONDS 10

typedef struct
{
  HyComposer   *composer;
  char         *account_id;
  GCancellable *cancellable;
  guint         timeout_id;
} ProbeData;

static void
probe_data_free (ProbeData *data)
{
  g_clear_handle_id (&data->timeout_id, g_source_remove);
  g_clear_object (&data->composer);
  g_clear_object (&data->cancellable);
  g_free (data->account_id);
  g_free (data);
}

static gboolean
probe_timed_out (gpointer user_data)
{
  ProbeData *data = user_data;

  data->timeout_id = 0;
  g_cancellable_cancel (data->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_size_probed (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  ProbeData *data = user_data;
  g_autoptr(GError) error = NULL;
  gint64 limit = hy_outbox_probe_size_limit_finish (HY_OUTBOX (object), result, &error);

  if (limit < 0)
    g_debug ("The size limit of the outgoing server is not known: %s", error->message);
  hy_composer_set_size_limit (data->composer, data->account_id, MAX (limit, 0));
  probe_data_free (data);
}

static gboolean
on_size_limit_needed (HyComposer    *composer,
                      const char    *account_id,
                      HyApplication *app)
{
  HyAccount *account = hy_account_manager_find (get_account_manager (app), account_id);
  HyOutbox *outbox = account != NULL ? get_outbox (app, account) : NULL;
  ProbeData *data;
  gint64 limit;

  if (outbox == NULL)
    return FALSE;
  limit = hy_outbox_get_size_limit (outbox);
  if (limit >= 0)
    {
      hy_composer_set_size_limit (composer, account_id, limit);
      return TRUE;
    }
  data = g_new0 (ProbeData, 1);
  data->composer = g_object_ref (composer);
  data->account_id = g_strdup (account_id);
  data->cancellable = g_cancellable_new ();
  data->timeout_id = g_timeout_add_seconds (SIZE_PROBE_SECONDS, probe_timed_out, data);
  hy_outbox_probe_size_limit_async (outbox, data->cancellable, on_size_probed, data);
  return TRUE;
}


/* Drafts: saved in the account's store at once, then pushed to the
 * server's Drafts folder. */

static HyDrafts *
get_drafts (HyApplication *app,
            HyAccount     *account)
{
  GHashTable *all = g_object_get_data (G_OBJECT (app), DRAFTS_DATA);
  HyDrafts *drafts;
  HyStore *store;
  const char *ca_file = g_getenv ("HONGYAN_CA_FILE");

  if (account == NULL)
    return NULL;
  if (all == NULL)
    {
      all = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
      g_object_set_data_full (G_OBJECT (app), DRAFTS_DATA, all, (GDestroyNotify) g_hash_table_unref);
    }
  drafts = g_hash_table_lookup (all, hy_account_get_id (account));
  if (drafts != NULL)
    return drafts;

  store = hy_engine_get_store (hy_application_get_engine (app), account);
  if (store == NULL)
    return NULL;
  drafts = hy_drafts_new (account, hy_account_manager_get_credentials (get_account_manager (app)), store);
  if (ca_file != NULL && *ca_file != '\0')
    hy_drafts_set_ca_file (drafts, ca_file);
  g_hash_table_insert (all, g_strdup (hy_account_get_id (account)), drafts);
  return drafts;
}

static void
on_drafts_synced (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* Kept locally either way; the next save or start tries again. */
  if (!hy_drafts_sync_finish (HY_DRAFTS (object), result, &error))
    g_debug ("Drafts not on the server yet: %s", error->message);
}

typedef struct
{
  HyComposer *composer;
  char       *account_id;
} DraftData;

static void
draft_data_free (DraftData *data)
{
  g_clear_object (&data->composer);
  g_free (data->account_id);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DraftData, draft_data_free)

static void
on_draft_saved (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(DraftData) data = user_data;
  g_autoptr(GError) error = NULL;
  gint64 id = hy_drafts_save_finish (HY_DRAFTS (object), result, &error);

  if (id == 0)
    {
      g_warning ("Could not save the draft: %s", error->message);
      return;
    }
  hy_composer_set_draft_id (data->composer, data->account_id, id);
  hy_drafts_sync_async (HY_DRAFTS (object), NULL, on_drafts_synced, NULL);
}

static void
on_save_draft (HyComposer       *composer,
               HyMessageBuilder *builder,
               const char       *account_id,
               HyApplication    *app)
{
  HyAccount *account = hy_account_manager_find (get_account_manager (app), account_id);
  HyDrafts *drafts = get_drafts (app, account);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  DraftData *data;

  if (drafts == NULL)
    {
      g_warning ("Could not save the draft: the store of “%s” is not open", account_id);
      return;
    }
  bytes = hy_message_builder_to_draft_bytes (builder, &error);
  if (bytes == NULL)
    {
      g_warning ("Could not save the draft: %s", error->message);
      return;
    }
  data = g_new0 (DraftData, 1);
  data->composer = g_object_ref (composer);
  data->account_id = g_strdup (account_id);
  hy_drafts_save_async (drafts, hy_composer_get_draft_id (composer), bytes, NULL,
                        on_draft_saved, data);
}

static void
on_discard_draft (HyComposer    *composer,
                  const char    *account_id,
                  gint64         draft_id,
                  HyApplication *app)
{
  HyAccount *account = hy_account_manager_find (get_account_manager (app), account_id);
  HyDrafts *drafts = get_drafts (app, account);
  g_autoptr(GError) error = NULL;

  if (drafts == NULL)
    return;
  if (!hy_drafts_delete (drafts, draft_id, &error))
    {
      g_warning ("Could not delete the draft: %s", error->message);
      return;
    }
  hy_drafts_sync_async (drafts, NULL, on_drafts_synced, NULL);
}

static void
open_draft_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  HyApplication *app = user_data;
  g_autofree char *account_id = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyMessage) message = NULL;
  HyAccount *account;
  HyDrafts *drafts;
  HyComposer *composer;
  gint64 id;

  g_variant_get (parameter, "(sx)", &account_id, &id);
  account = hy_account_manager_find (get_account_manager (app), account_id);
  drafts = get_drafts (app, account);
  if (drafts == NULL)
    return;
  bytes = hy_drafts_get_message (drafts, id, &error);
  if (bytes == NULL)
    {
      g_warning ("Could not open draft %" G_GINT64_FORMAT ": %s", id, error->message);
      return;
    }
  message = hy_message_new_from_bytes (bytes);
  composer = new_composer_for (app, account, NULL);
  hy_composer_load_message (composer, message);
  hy_composer_set_draft_id (composer, account_id, id);
  gtk_window_present (GTK_WINDOW (composer));
}

/* A message of the Drafts folder, opened to go on writing it: the local
 * draft with its Message-ID when there is one (it may be newer than the
 * server's copy), else the server's message as a new draft. */

typedef struct
{
  HyApplication *app;
  char          *account_id;
  gint64         message_id;
  HyMessage     *message;   /* the server's copy, while its bytes load */
} EditData;

static void
edit_data_free (EditData *data)
{
  g_clear_object (&data->app);
  g_clear_object (&data->message);
  g_free (data->account_id);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EditData, edit_data_free)

static gint64
find_local_draft (HyDrafts   *drafts,
                  const char *message_id)
{
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;

  if (message_id == NULL)
    return 0;
  list = hy_drafts_list (drafts, &error);
  if (list == NULL)
    {
      g_warning ("Could not read the drafts: %s", error->message);
      return 0;
    }
  for (guint i = 0; i < list->len; i++)
    {
      HyDraftInfo *info = g_ptr_array_index (list, i);

      if (g_strcmp0 (info->message_id, message_id) == 0)
        return info->id;
    }
  return 0;
}

static void
open_draft_composer (EditData  *data,
                     HyMessage *message,
                     gint64     draft_id)
{
  HyAccount *account = hy_account_manager_find (get_account_manager (data->app), data->account_id);
  HyComposer *composer = new_composer_for (data->app, account, NULL);

  hy_composer_load_message (composer, message);
  if (draft_id > 0)
    hy_composer_set_draft_id (composer, data->account_id, draft_id);
  gtk_window_present (GTK_WINDOW (composer));
}

/* A draft only the server has becomes a local draft already on the
 * server, so that saving or sending it replaces or removes that copy. */
static void
on_draft_raw_loaded (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(EditData) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = hy_engine_get_raw_finish (HY_ENGINE (object), result, &error);
  HyAccount *account = hy_account_manager_find (get_account_manager (data->app), data->account_id);
  HyDrafts *drafts = get_drafts (data->app, account);
  gint64 draft_id = 0;

  if (raw != NULL && drafts != NULL)
    draft_id = hy_drafts_adopt (drafts, raw, &error);
  if (draft_id == 0 && error != NULL)
    g_warning ("The draft is opened as a new one: %s", error->message);
  open_draft_composer (data, data->message, draft_id);
}

static void
on_draft_message_loaded (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(EditData) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyMessage) message = hy_engine_get_message_finish (HY_ENGINE (object), result, &error);
  g_autoptr(HyMessage) local = NULL;
  HyAccount *account = hy_account_manager_find (get_account_manager (data->app), data->account_id);
  HyDrafts *drafts = get_drafts (data->app, account);
  gint64 draft_id = 0;

  if (message == NULL)
    {
      OpenData report = { .app = data->app };

      report_failure (&report, error->message);
      return;
    }
  if (drafts != NULL)
    draft_id = find_local_draft (drafts, hy_message_get_message_id (message));
  if (draft_id > 0)
    {
      g_autoptr(GBytes) bytes = hy_drafts_get_message (drafts, draft_id, &error);

      if (bytes != NULL)
        local = hy_message_new_from_bytes (bytes);
      else
        {
          g_warning ("Could not open draft %" G_GINT64_FORMAT ": %s", draft_id, error->message);
          draft_id = 0;
        }
    }

  if (local == NULL && drafts != NULL && account != NULL)
    {
      data->message = g_steal_pointer (&message);
      hy_engine_get_raw_async (HY_ENGINE (object), account, data->message_id, NULL,
                               on_draft_raw_loaded, g_steal_pointer (&data));
      return;
    }
  open_draft_composer (data, local != NULL ? local : message, draft_id);
}

static void
edit_draft_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  HyApplication *app = user_data;
  g_autoptr(EditData) data = g_new0 (EditData, 1);
  HyAccount *account;
  gint64 message_id;

  data->app = g_object_ref (app);
  g_variant_get (parameter, "(sx)", &data->account_id, &message_id);
  data->message_id = message_id;
  account = hy_account_manager_find (get_account_manager (app), data->account_id);
  if (account == NULL)
    {
      g_warning ("Cannot open a draft of the unknown account “%s”", data->account_id);
      return;
    }
  hy_engine_get_message_async (hy_application_get_engine (app), account, message_id, NULL,
                               on_draft_message_loaded, g_steal_pointer (&data));
}

/* Drafts saved while offline (or just before the app stopped) reach the
 * server once a sync of their account succeeds. */
static void
on_sync_status_changed (HyEngine      *engine,
                        HyAccount     *account,
                        HyApplication *app)
{
  HyDrafts *drafts;

  if (hy_engine_get_sync_status (engine, account) != HY_SYNC_STATUS_IDLE)
    return;
  drafts = get_drafts (app, account);
  if (drafts != NULL)
    hy_drafts_sync_async (drafts, NULL, on_drafts_synced, NULL);
}

HyComposer *
hy_compose_actions_new_composer (HyApplication *app)
{
  g_return_val_if_fail (HY_IS_APPLICATION (app), NULL);

  return new_composer_for (app, NULL, NULL);
}

void
hy_compose_actions_open_mailto (HyApplication *app,
                                const char    *uri)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyMailto) mailto = hy_mailto_parse (uri, &error);
  HyComposer *composer;

  g_return_if_fail (HY_IS_APPLICATION (app));

  if (mailto == NULL)
    {
      GtkWidget *dialog = adw_message_dialog_new (gtk_application_get_active_window (GTK_APPLICATION (app)),
                                                  _("Cannot Write This Message"), error->message);

      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_set_application (GTK_WINDOW (dialog), GTK_APPLICATION (app));
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }

  composer = hy_compose_actions_new_composer (app);
  hy_composer_apply_mailto (composer, mailto);
  gtk_window_present (GTK_WINDOW (composer));
}

static void
compose_activated (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  HyComposer *composer = hy_compose_actions_new_composer (user_data);

  gtk_window_present (GTK_WINDOW (composer));
}

static void
report_failure (OpenData   *data,
                const char *detail)
{
  g_autofree char *text = g_strdup_printf (_("The message could not be opened for replying or "
                                             "forwarding: %s"), detail);
  GtkWidget *dialog = adw_message_dialog_new (gtk_application_get_active_window (GTK_APPLICATION (data->app)),
                                              _("Cannot Open the Message"), text);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_set_application (GTK_WINDOW (dialog), GTK_APPLICATION (data->app));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
open_with_message (OpenData  *data,
                   HyMessage *original,
                   GBytes    *raw)
{
  HyAccount *account = hy_account_manager_find (get_account_manager (data->app), data->account_id);
  g_autoptr(GPtrArray) own = g_ptr_array_new ();
  g_autoptr(HyMessageBuilder) builder = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *identities;
  HyComposer *composer;
  const char *preferred = NULL;

  identities = account != NULL ? hy_account_get_identities (account) : NULL;
  for (guint i = 0; identities != NULL && i < identities->len; i++)
    g_ptr_array_add (own, ((HyIdentity *) g_ptr_array_index (identities, i))->address);
  g_ptr_array_add (own, NULL);

  switch (data->kind)
    {
    case KIND_REPLY:
    case KIND_REPLY_ALL:
      builder = hy_message_builder_new_reply (original, data->kind == KIND_REPLY_ALL,
                                              (const char * const *) own->pdata);
      break;
    case KIND_FORWARD:
      builder = hy_message_builder_new_forward (original, HY_FORWARD_INLINE, &error);
      break;
    case KIND_FORWARD_AS_ATTACHMENT:
    default:
      builder = hy_message_builder_new_forward (original, HY_FORWARD_AS_ATTACHMENT, &error);
      break;
    }
  if (builder == NULL)
    {
      report_failure (data, error->message);
      return;
    }

  if (hy_message_builder_get_from (builder) != NULL)
    preferred = hy_address_get_address (hy_message_builder_get_from (builder));
  composer = new_composer_for (data->app, account, preferred);
  hy_composer_load_builder (composer, builder);
  /* The original goes as the store has it, byte for byte. */
  if (data->kind == KIND_FORWARD_AS_ATTACHMENT && raw != NULL)
    hy_composer_add_forwarded_message (composer, raw);
  else if (data->kind == KIND_FORWARD_AS_ATTACHMENT)
    hy_composer_add_message_attachment (composer, original);
  gtk_window_present (GTK_WINDOW (composer));
}

static void
on_raw_loaded (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(OpenData) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = hy_engine_get_raw_finish (HY_ENGINE (object), result, &error);

  if (raw == NULL)
    {
      report_failure (data, error->message);
      return;
    }
  open_with_message (data, data->original, raw);
}

static void
on_message_loaded (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(OpenData) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyMessage) message = hy_engine_get_message_finish (HY_ENGINE (object), result, &error);

  if (message == NULL)
    {
      report_failure (data, error->message);
      return;
    }
  if (data->kind == KIND_FORWARD_AS_ATTACHMENT)
    {
      HyAccount *account = hy_account_manager_find (get_account_manager (data->app), data->account_id);

      if (account != NULL)
        {
          data->original = g_steal_pointer (&message);
          hy_engine_get_raw_async (HY_ENGINE (object), account, data->message_id, NULL,
                                   on_raw_loaded, g_steal_pointer (&data));
          return;
        }
    }
  open_with_message (data, message, NULL);
}

static void
open_message (HyApplication *app,
              GVariant      *parameter,
              Kind           kind)
{
  g_autoptr(OpenData) data = g_new0 (OpenData, 1);
  HyEngine *engine = hy_application_get_engine (app);
  HyAccount *account;

  data->app = g_object_ref (app);
  data->kind = kind;
  g_variant_get (parameter, "(sx)", &data->account_id, &data->message_id);

  account = hy_account_manager_find (get_account_manager (app), data->account_id);
  if (account == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("there is no account “%s”"), data->account_id);

      report_failure (data, text);
      return;
    }
  hy_engine_get_message_async (engine, account, data->message_id, NULL,
                               on_message_loaded, g_steal_pointer (&data));
}

static void
reply_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  open_message (user_data, parameter, KIND_REPLY);
}

static void
reply_all_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  open_message (user_data, parameter, KIND_REPLY_ALL);
}

static void
forward_activated (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  open_message (user_data, parameter, KIND_FORWARD);
}

static void
forward_as_attachment_activated (GSimpleAction *action,
                                 GVariant      *parameter,
                                 gpointer       user_data)
{
  open_message (user_data, parameter, KIND_FORWARD_AS_ATTACHMENT);
}

static const GActionEntry compose_actions[] = {
  { .name = "compose", .activate = compose_activated },
  { .name = "reply", .activate = reply_activated, .parameter_type = "(sx)" },
  { .name = "reply-all", .activate = reply_all_activated, .parameter_type = "(sx)" },
  { .name = "forward", .activate = forward_activated, .parameter_type = "(sx)" },
  { .name = "forward-as-attachment", .activate = forward_as_attachment_activated, .parameter_type = "(sx)" },
  { .name = "outbox-retry", .activate = outbox_retry_activated, .parameter_type = "(sx)" },
  { .name = "outbox-edit", .activate = outbox_edit_activated, .parameter_type = "(sx)" },
  { .name = "open-draft", .activate = open_draft_activated, .parameter_type = "(sx)" },
  { .name = "edit-draft", .activate = edit_draft_activated, .parameter_type = "(sx)" },
};

void
hy_compose_actions_install (HyApplication *app)
{
  g_return_if_fail (HY_IS_APPLICATION (app));

  g_action_map_add_action_entries (G_ACTION_MAP (app), compose_actions,
                                   G_N_ELEMENTS (compose_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.compose",
                                         (const char *[]) { "<Control>n", NULL });
  g_signal_connect_object (hy_application_get_engine (app), "sync-status-changed",
                           G_CALLBACK (on_sync_status_changed), app, 0);
}
