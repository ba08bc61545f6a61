/* hy-accounts-page.c — the Accounts page of the preferences: the list, and an editor for each
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>

#include "hy-accounts-page.h"

struct _HyAccountsPage
{
  AdwPreferencesPage    parent_instance;

  HyEngine             *engine;
  GListModel           *accounts;   /* HyAccount, the manager's */
  GPtrArray            *rows;       /* AdwActionRow, in accounts_group */

  /* Template children */
  AdwPreferencesGroup  *accounts_group;
  GtkWidget            *empty_row;
};

G_DEFINE_FINAL_TYPE (HyAccountsPage, hy_accounts_page, ADW_TYPE_PREFERENCES_PAGE)

static char *
describe_servers (HyAccount *account)
{
  const HyServerConfig *in = hy_account_get_incoming (account);
  const HyServerConfig *out = hy_account_get_outgoing (account);
  const char *address = hy_account_get_address (account);

  if (in == NULL || out == NULL)
    return g_strdup (address != NULL ? address : "");
  /* Translators: address, then incoming protocol and server, then outgoing server */
  return g_strdup_printf (_("%s · %s %s, SMTP %s"), address != NULL ? address : "",
                          in->protocol == HY_SERVER_PROTOCOL_POP3 ? "POP3" : "IMAP",
                          in->host, out->host);
}

static void
update_row (AdwActionRow *row,
            HyAccount    *account)
{
  const char *name = hy_account_get_display_name (account);
  g_autofree char *subtitle = describe_servers (account);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 name != NULL && *name != '\0' ? name : hy_account_get_address (account));
  adw_action_row_set_subtitle (row, subtitle);
}

HyAccountEditor *
hy_accounts_page_edit (HyAccountsPage *self,
                       HyAccount      *account)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  HyAccountEditor *editor;

  g_return_val_if_fail (HY_IS_ACCOUNTS_PAGE (self), NULL);
  g_return_val_if_fail (HY_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (ADW_IS_PREFERENCES_WINDOW (root), NULL);
  g_return_val_if_fail (self->engine != NULL, NULL);

  editor = hy_account_editor_new (self->engine, account);
  adw_preferences_window_present_subpage (ADW_PREFERENCES_WINDOW (root), GTK_WIDGET (editor));
  return editor;
}

static void
on_row_activated (AdwActionRow   *row,
                  HyAccountsPage *self)
{
  HyAccount *account = g_object_get_data (G_OBJECT (row), "hy-account");

  hy_accounts_page_edit (self, account);
}

static void
rebuild (HyAccountsPage *self)
{
  guint n = g_list_model_get_n_items (self->accounts);

  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (self->accounts_group, g_ptr_array_index (self->rows, i));
  g_ptr_array_set_size (self->rows, 0);

  gtk_widget_set_visible (self->empty_row, n == 0);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HyAccount) account = g_list_model_get_item (self->accounts, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *arrow = gtk_image_new_from_icon_name ("go-next-symbolic");

      g_object_set_data_full (G_OBJECT (row), "hy-account", g_object_ref (account), g_object_unref);
      update_row (ADW_ACTION_ROW (row), account);
      adw_action_row_set_icon_name (ADW_ACTION_ROW (row), "mail-unread-symbolic");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), arrow);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_signal_connect_object (row, "activated", G_CALLBACK (on_row_activated), self, 0);
      /* The name and servers change in the editor. */
      g_signal_connect_object (account, "changed", G_CALLBACK (update_row), row, G_CONNECT_SWAPPED);
      adw_preferences_group_add (self->accounts_group, row);
      g_ptr_array_add (self->rows, row);
    }
}

void
hy_accounts_page_set_engine (HyAccountsPage *self,
                             HyEngine       *engine)
{
  g_return_if_fail (HY_IS_ACCOUNTS_PAGE (self));
  g_return_if_fail (HY_IS_ENGINE (engine));
  g_return_if_fail (self->engine == NULL);

  self->engine = g_object_ref (engine);
  self->accounts = g_object_ref (hy_account_manager_get_accounts (hy_engine_get_account_manager (engine)));
  g_signal_connect_object (self->accounts, "items-changed", G_CALLBACK (rebuild), self, G_CONNECT_SWAPPED);
  rebuild (self);
}

HyAccountsPage *
hy_accounts_page_new (HyEngine *engine)
{
  HyAccountsPage *self;

  g_return_val_if_fail (HY_IS_ENGINE (engine), NULL);

  self = g_object_new (HY_TYPE_ACCOUNTS_PAGE, NULL);
  hy_accounts_page_set_engine (self, engine);
  return self;
}

static void
hy_accounts_page_dispose (GObject *object)
{
  HyAccountsPage *self = HY_ACCOUNTS_PAGE (object);

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), HY_TYPE_ACCOUNTS_PAGE);
  g_clear_object (&self->accounts);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (hy_accounts_page_parent_class)->dispose (object);
}

static void
hy_accounts_page_class_init (HyAccountsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hy_accounts_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hongyan/Hongyan/ui/hy-accounts-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HyAccountsPage, accounts_group);
  gtk_widget_class_bind_template_child (widget_class, HyAccountsPage, empty_row);
}

static void
hy_accounts_page_init (HyAccountsPage *self)
{
  self->rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}
