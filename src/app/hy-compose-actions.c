/* hy-compose-actions.c — the application's actions that open a composer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-composer"

#include "config.h"

#include <glib/gi18n.h>

#include "account/hy-account-manager.h"
#include "hy-compose-actions.h"
#include "hy-secret-credentials.h"
#include "mime/hy-message.h"
#include "store/hy-store.h"

#define MANAGER_DATA "hy-compose-account-manager"

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
  HyStore       *store;
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_clear_object (&data->app);
  g_clear_object (&data->store);
  g_free (data->account_id);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpenData, open_data_free)

static HyAccountManager *
get_account_manager (HyApplication *app)
{
  HyAccountManager *manager = g_object_get_data (G_OBJECT (app), MANAGER_DATA);
  g_autoptr(GError) error = NULL;

  if (manager != NULL)
    {
      /* Accounts may have been added since; reading the files is cheap. */
      if (!hy_account_manager_load (manager, &error))
        g_warning ("Could not read the accounts: %s", error->message);
      return manager;
    }

  {
    g_autoptr(HyCredentials) credentials = hy_secret_credentials_new ();

    manager = hy_account_manager_new (credentials);
  }
  if (!hy_account_manager_load (manager, &error))
    g_warning ("Could not read the accounts: %s", error->message);
  g_object_set_data_full (G_OBJECT (app), MANAGER_DATA, manager, g_object_unref);
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

      if (account != first)
        add_account_identities (composer, account, NULL);
    }

  if (settings != NULL)
    hy_composer_set_rich_text (composer, g_settings_get_boolean (settings, "compose-rich-text"));
  return composer;
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
                   HyMessage *original)
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
  if (data->kind == KIND_FORWARD_AS_ATTACHMENT)
    hy_composer_add_message_attachment (composer, original);
  gtk_window_present (GTK_WINDOW (composer));
}

static void
on_body_loaded (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(OpenData) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = hy_store_get_body_finish (HY_STORE (object), result, &error);
  g_autoptr(HyMessage) message = NULL;

  if (bytes == NULL)
    {
      report_failure (data, error->message);
      return;
    }
  message = hy_message_new_from_bytes (bytes);
  open_with_message (data, message);
}

static void
on_store_opened (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(OpenData) data = user_data;
  g_autoptr(GError) error = NULL;

  data->store = hy_store_open_finish (result, &error);
  if (data->store == NULL)
    {
      report_failure (data, error->message);
      return;
    }
  hy_store_get_body_async (data->store, data->message_id, NULL, on_body_loaded,
                           g_steal_pointer (&data));
}

static void
open_message (HyApplication *app,
              GVariant      *parameter,
              Kind           kind)
{
  g_autoptr(OpenData) data = g_new0 (OpenData, 1);
  HyAccountManager *manager = get_account_manager (app);
  HyAccount *account;
  g_autofree char *path = NULL;

  data->app = g_object_ref (app);
  data->kind = kind;
  g_variant_get (parameter, "(sx)", &data->account_id, &data->message_id);

  account = hy_account_manager_find (manager, data->account_id);
  if (account == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("there is no account “%s”"), data->account_id);

      report_failure (data, text);
      return;
    }
  path = hy_account_manager_get_store_path (manager, account);
  hy_store_open_async (path, NULL, on_store_opened, g_steal_pointer (&data));
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
};

void
hy_compose_actions_install (HyApplication *app)
{
  g_return_if_fail (HY_IS_APPLICATION (app));

  g_action_map_add_action_entries (G_ACTION_MAP (app), compose_actions,
                                   G_N_ELEMENTS (compose_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.compose",
                                         (const char *[]) { "<Control>n", NULL });
}
