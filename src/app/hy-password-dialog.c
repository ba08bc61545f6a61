/* hy-password-dialog.c — asks for an account's password, with "remember"
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>

#include "hy-password-dialog.h"

struct _HyPasswordDialog
{
  AdwMessageDialog  parent_instance;

  GtkWidget        *entry;
  GtkWidget        *remember;
};

G_DEFINE_FINAL_TYPE (HyPasswordDialog, hy_password_dialog, ADW_TYPE_MESSAGE_DIALOG)

static void
hy_password_dialog_class_init (HyPasswordDialogClass *klass)
{
}

static void
update_sign_in (HyPasswordDialog *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));

  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self),
                                           HY_PASSWORD_DIALOG_RESPONSE_SIGN_IN,
                                           text != NULL && *text != '\0');
}

static void
on_entry_activate (HyPasswordDialog *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));

  if (text != NULL && *text != '\0')
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (self), HY_PASSWORD_DIALOG_RESPONSE_SIGN_IN);
}

static void
hy_password_dialog_init (HyPasswordDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  self->entry = adw_password_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->entry), _("Password"));
  g_signal_connect_object (self->entry, "changed", G_CALLBACK (update_sign_in), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->entry, "entry-activated", G_CALLBACK (on_entry_activate), self,
                           G_CONNECT_SWAPPED);
  gtk_list_box_append (GTK_LIST_BOX (list), self->entry);
  gtk_box_append (GTK_BOX (box), list);

  self->remember = gtk_check_button_new_with_mnemonic (_("_Remember password"));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->remember), TRUE);
  gtk_box_append (GTK_BOX (box), self->remember);

  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (self), box);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (self),
                                    HY_PASSWORD_DIALOG_RESPONSE_CANCEL, _("_Cancel"),
                                    HY_PASSWORD_DIALOG_RESPONSE_SIGN_IN, _("_Sign In"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (self),
                                              HY_PASSWORD_DIALOG_RESPONSE_SIGN_IN,
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (self),
                                           HY_PASSWORD_DIALOG_RESPONSE_SIGN_IN);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (self),
                                         HY_PASSWORD_DIALOG_RESPONSE_CANCEL);
  update_sign_in (self);
}

HyPasswordDialog *
hy_password_dialog_new (GtkWindow  *parent,
                        const char *account_name,
                        const char *host,
                        const char *user,
                        const char *problem)
{
  HyPasswordDialog *self;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;

  g_return_val_if_fail (account_name != NULL, NULL);
  g_return_val_if_fail (host != NULL, NULL);

  self = g_object_new (HY_TYPE_PASSWORD_DIALOG,
                       "transient-for", parent,
                       "modal", parent != NULL,
                       NULL);
  heading = g_strdup_printf (_("Password for %s"), account_name);
  if (problem != NULL)
    /* Translators: the first %s says what went wrong; then user name and server */
    body = g_strdup_printf (_("%s\nEnter the password of %s on %s."), problem,
                            user != NULL ? user : account_name, host);
  else
    body = g_strdup_printf (_("Enter the password of %s on %s."),
                            user != NULL ? user : account_name, host);
  adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (self), heading);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), body);
  gtk_widget_grab_focus (self->entry);
  return self;
}

char *
hy_password_dialog_get_password (HyPasswordDialog *self)
{
  g_return_val_if_fail (HY_IS_PASSWORD_DIALOG (self), NULL);

  return g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry)));
}

gboolean
hy_password_dialog_get_remember (HyPasswordDialog *self)
{
  g_return_val_if_fail (HY_IS_PASSWORD_DIALOG (self), FALSE);

  return gtk_check_button_get_active (GTK_CHECK_BUTTON (self->remember));
}
