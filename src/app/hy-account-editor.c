/* hy-account-editor.c — every setting of one account, shown as a preferences subpage
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "hy-account-editor.h"
#include "hy-account-tester.h"
#include "hy-certificate-dialog.h"
#include "net/hy-net-error.h"
#include "account/hy-certificate-pins.h"

/* Saved this long after the last key stroke in a signature. */
#define SIGNATURE_SAVE_DELAY_MS 600

/* The order of the rows of the security and authentication combo rows. */
static const HyServerSecurity security_rows[] = {
  HY_SERVER_SECURITY_TLS, HY_SERVER_SECURITY_STARTTLS, HY_SERVER_SECURITY_NONE,
};
static const char * const auth_rows[] = { NULL, "SCRAM-SHA-256", "PLAIN", "LOGIN" };

/* Folders the user may choose, in the order shown. */
static const HyFolderRole chosen_roles[] = {
  HY_FOLDER_ROLE_SENT, HY_FOLDER_ROLE_DRAFTS, HY_FOLDER_ROLE_TRASH,
  HY_FOLDER_ROLE_ARCHIVE, HY_FOLDER_ROLE_JUNK,
};

/* The rows of one server (incoming or outgoing). */
typedef struct {
  HyAccountEditor      *editor;
  gboolean              outgoing;
  AdwPreferencesGroup  *group;
  AdwEntryRow          *host_row;
  GtkSpinButton        *port_spin;
  AdwComboRow          *security_row;
  AdwEntryRow          *user_row;
  AdwComboRow          *auth_row;
  AdwEntryRow          *password_row;
  AdwActionRow         *status_row;
  GtkSpinner           *spinner;
  GtkWidget            *save_button;
  gboolean              testing;
} Server;

struct _HyAccountEditor
{
  GtkBox                parent_instance;

  HyEngine             *engine;
  HyAccount            *account;
  HyAccountTester      *tester;
  GCancellable         *cancellable;
  AdwMessageDialog     *remove_dialog;
  GPtrArray            *identity_rows;   /* GtkWidget, in identities_group */
  GPtrArray            *folder_rows;     /* AdwComboRow, one per chosen_roles */
  GListModel           *folders;         /* HyFolder of the account, or NULL */
  gboolean              filling;
  Server                in;
  Server                out;

  /* Template children */
  AdwWindowTitle       *window_title;
  AdwToastOverlay      *toast_overlay;
  AdwEntryRow          *name_row;
  GtkSpinButton        *sync_spin;
  AdwPreferencesGroup  *identities_group;
  AdwPreferencesGroup  *in_group;
  AdwEntryRow          *in_host_row;
  GtkSpinButton        *in_port_spin;
  AdwComboRow          *in_security_row;
  AdwEntryRow          *in_user_row;
  AdwComboRow          *in_auth_row;
  AdwEntryRow          *in_password_row;
  AdwActionRow         *in_status_row;
  GtkSpinner           *in_spinner;
  GtkWidget            *in_save_button;
  AdwPreferencesGroup  *pop3_group;
  GtkSwitch            *leave_switch;
  GtkWidget            *delete_after_row;
  GtkSpinButton        *delete_after_spin;
  AdwPreferencesGroup  *out_group;
  AdwEntryRow          *out_host_row;
  GtkSpinButton        *out_port_spin;
  AdwComboRow          *out_security_row;
  AdwEntryRow          *out_user_row;
  AdwComboRow          *out_auth_row;
  AdwEntryRow          *out_password_row;
  AdwActionRow         *out_status_row;
  GtkSpinner           *out_spinner;
  GtkWidget            *out_save_button;
  AdwPreferencesGroup  *folders_group;
  GtkSwitch            *saves_sent_switch;
  GtkWidget            *remove_button;
};

G_DEFINE_FINAL_TYPE (HyAccountEditor, hy_account_editor, GTK_TYPE_BOX)

enum {
  SIGNAL_REMOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
show_toast (HyAccountEditor *self,
            const char      *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

static void
close_subpage (HyAccountEditor *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (ADW_IS_PREFERENCES_WINDOW (root))
    adw_preferences_window_close_subpage (ADW_PREFERENCES_WINDOW (root));
}

/* ------------------------------------------------------------------ */
/* Servers                                                            */

static const HyServerConfig *
server_config (Server *server)
{
  return server->outgoing ? hy_account_get_outgoing (server->editor->account)
                          : hy_account_get_incoming (server->editor->account);
}

static guint
security_position (HyServerSecurity security)
{
  for (guint i = 0; i < G_N_ELEMENTS (security_rows); i++)
    if (security_rows[i] == security)
      return i;
  return 0;
}

static guint
auth_position (const char *mechanism)
{
  for (guint i = 1; i < G_N_ELEMENTS (auth_rows); i++)
    if (mechanism != NULL && g_ascii_strcasecmp (mechanism, auth_rows[i]) == 0)
      return i;
  return 0;
}

/* The settings as the rows show them (not checked). */
static HyServerConfig *
config_from_rows (Server *server)
{
  const HyServerConfig *current = server_config (server);
  g_autofree char *host = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (server->host_row))));
  g_autofree char *user = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (server->user_row))));
  guint security = adw_combo_row_get_selected (server->security_row);
  guint auth = adw_combo_row_get_selected (server->auth_row);
  HyServerConfig *config;

  config = hy_server_config_new (current != NULL ? current->protocol
                                                 : server->outgoing ? HY_SERVER_PROTOCOL_SMTP : HY_SERVER_PROTOCOL_IMAP,
                                 host, (guint16) gtk_spin_button_get_value_as_int (server->port_spin),
                                 security < G_N_ELEMENTS (security_rows) ? security_rows[security] : HY_SERVER_SECURITY_TLS,
                                 user);
  if (auth > 0 && auth < G_N_ELEMENTS (auth_rows))
    config->auth_mechanism = g_strdup (auth_rows[auth]);
  return config;
}

static void
set_status (Server     *server,
            const char *text,
            gboolean    error)
{
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (server->status_row), text);
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (server->status_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (server->status_row), "error");
}

static void
update_server_buttons (Server *server)
{
  g_autoptr(HyServerConfig) config = NULL;
  const char *password;
  gboolean changed;

  if (server->editor->filling || server->editor->account == NULL)
    return;
  config = config_from_rows (server);
  password = gtk_editable_get_text (GTK_EDITABLE (server->password_row));
  changed = !hy_server_config_equal (config, server_config (server)) || (password != NULL && *password != '\0');
  gtk_widget_set_sensitive (server->save_button, changed && !server->testing);
}

static void
fill_server (Server *server)
{
  const HyServerConfig *config = server_config (server);

  gtk_widget_set_visible (GTK_WIDGET (server->group), config != NULL);
  if (config == NULL)
    return;
  if (!server->outgoing)
    adw_preferences_group_set_description (server->group,
                                           config->protocol == HY_SERVER_PROTOCOL_POP3
                                           ? _("POP3: mail is downloaded from the inbox")
                                           : _("IMAP: folders are kept in step with the server"));
  gtk_editable_set_text (GTK_EDITABLE (server->host_row), config->host != NULL ? config->host : "");
  gtk_spin_button_set_value (server->port_spin, config->port);
  adw_combo_row_set_selected (server->security_row, security_position (config->security));
  gtk_editable_set_text (GTK_EDITABLE (server->user_row), config->user != NULL ? config->user : "");
  adw_combo_row_set_selected (server->auth_row, auth_position (config->auth_mechanism));
  gtk_editable_set_text (GTK_EDITABLE (server->password_row), "");
}

/* What a server save needs between its steps. */
typedef struct {
  HyAccountEditor *editor;
  Server          *server;
  HyServerConfig  *config;      /* the new settings */
  char            *password;    /* typed, or the stored one */
  gboolean         typed;       /* the user typed a new password */
  char            *trusted;     /* a fingerprint trusted just now, or NULL */
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_clear_object (&data->editor);
  g_clear_pointer (&data->config, hy_server_config_free);
  hy_credentials_secret_free (data->password);
  g_free (data->trusted);
  g_free (data);
}

static HyCredentials *
get_credentials (HyAccountEditor *self)
{
  return hy_account_manager_get_credentials (hy_engine_get_account_manager (self->engine));
}

static void
save_finished (SaveData   *data,
               const char *error_text)
{
  Server *server = data->server;

  /* The editor was closed meanwhile: its rows are gone. */
  if (g_cancellable_is_cancelled (data->editor->cancellable))
    {
      save_data_free (data);
      return;
    }
  server->testing = FALSE;
  gtk_spinner_stop (server->spinner);
  gtk_widget_set_sensitive (GTK_WIDGET (server->group), TRUE);
  if (error_text != NULL)
    set_status (server, error_text, TRUE);
  update_server_buttons (server);
  save_data_free (data);
}

static void
old_secret_deleted (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!hy_credentials_delete_finish (HY_CREDENTIALS (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Could not remove an old password from the keyring: %s", error->message);
}

static gboolean
same_secret_key (const HyServerConfig *a,
                 const HyServerConfig *b)
{
  return a->protocol == b->protocol && g_ascii_strcasecmp (a->host, b->host) == 0 &&
         g_strcmp0 (a->user, b->user) == 0;
}

static void
resynced (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* Failures show in the sync status. */
  if (!hy_engine_sync_finish (HY_ENGINE (object), result, &error))
    g_debug ("Sync after new settings failed: %s", error->message);
}

static void
apply_config (SaveData *data)
{
  HyAccountEditor *self = data->editor;
  Server *server = data->server;
  gboolean same = hy_server_config_equal (data->config, server_config (server));

  /* A certificate the user trusted for the new settings is pinned for
   * this account and server only. */
  if (data->trusted != NULL)
    {
      g_autoptr(HyCertificatePins) pins = hy_certificate_pins_new_default ();
      g_autoptr(GError) error = NULL;

      if (!hy_certificate_pins_load (pins, &error) ||
          !hy_certificate_pins_set (pins, hy_account_get_id (self->account), data->config, data->trusted, &error))
        {
          g_autofree char *text = g_strdup_printf (_("The trusted certificate could not be saved: %s"),
                                                   error->message);

          save_finished (data, text);
          return;
        }
    }

  if (server->outgoing)
    hy_account_set_outgoing (self->account, data->config);
  else
    hy_account_set_incoming (self->account, data->config);
  /* Only the password changed: the engine's sessions still use the old one. */
  if (same && data->typed)
    hy_account_secrets_changed (self->account);
  /* An account that failed with the old settings gets its mail now. */
  if (!server->outgoing && hy_engine_get_sync_status (self->engine, self->account) != HY_SYNC_STATUS_IDLE)
    hy_engine_sync_async (self->engine, self->account, NULL, resynced, NULL);
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      save_data_free (data);
      return;
    }
  self->filling = TRUE;
  fill_server (server);
  self->filling = FALSE;
  set_status (server, _("Signed in; the settings are saved"), FALSE);
  save_finished (data, NULL);
}

static void
secret_stored (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  SaveData *data = user_data;
  g_autoptr(GError) error = NULL;
  const HyServerConfig *old;

  if (!hy_credentials_store_finish (HY_CREDENTIALS (object), result, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The password could not be saved in the keyring: %s"),
                                               error->message);

      save_finished (data, text);
      return;
    }
  old = server_config (data->server);
  if (old != NULL && old->host != NULL && !same_secret_key (old, data->config))
    hy_credentials_delete_async (get_credentials (data->editor), hy_account_get_id (data->editor->account),
                                 hy_server_protocol_to_string (old->protocol), old->host, old->user,
                                 NULL, old_secret_deleted, NULL);
  apply_config (data);
}

static void start_test (SaveData *data);

static void
on_certificate_response (AdwMessageDialog *dialog,
                         const char       *response,
                         SaveData         *data)
{
  if (g_strcmp0 (response, HY_CERTIFICATE_DIALOG_RESPONSE_TRUST) == 0 &&
      !g_cancellable_is_cancelled (data->editor->cancellable))
    {
      g_free (data->trusted);
      data->trusted = g_strdup (hy_certificate_dialog_get_fingerprint (HY_CERTIFICATE_DIALOG (dialog)));
      start_test (data);
      return;
    }
  save_finished (data, _("Not saved: the server’s certificate was not trusted."));
}

static void
server_tested (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  SaveData *data = user_data;
  g_autoptr(GError) error = NULL;
  const HyServerConfig *old;

  if (!hy_account_tester_test_finish (HY_ACCOUNT_TESTER (object), result, &error))
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          save_data_free (data);
          return;
        }
      /* Not trusted by the system: the user may trust it, as when the
       * account was added. */
      if (g_error_matches (error, HY_NET_ERROR, HY_NET_ERROR_CERTIFICATE) &&
          hy_net_error_get_certificate (error, NULL) != NULL && data->trusted == NULL)
        {
          GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (data->editor));
          GTlsCertificateFlags flags = 0;
          GTlsCertificate *certificate = hy_net_error_get_certificate (error, &flags);
          HyCertificateDialog *dialog;

          set_status (data->server, _("Waiting for your decision about the certificate…"), FALSE);
          dialog = hy_certificate_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                              data->config->host, data->config->port, certificate, flags);
          g_signal_connect (dialog, "response", G_CALLBACK (on_certificate_response), data);
          gtk_window_present (GTK_WINDOW (dialog));
          return;
        }
      text = hy_account_tester_describe_error (error, data->config);
      save_finished (data, text);
      return;
    }

  /* Works: the password goes to the keyring under the new server and
   * user, and only then are the settings saved. */
  old = server_config (data->server);
  if (data->typed || old == NULL || !same_secret_key (old, data->config))
    hy_credentials_store_async (get_credentials (data->editor), hy_account_get_id (data->editor->account),
                                hy_server_protocol_to_string (data->config->protocol),
                                data->config->host, data->config->user, data->password,
                                NULL, secret_stored, data);
  else
    apply_config (data);
}

static void
start_test (SaveData *data)
{
  HyAccountEditor *self = data->editor;
  g_autoptr(HyCertificatePins) pins = hy_certificate_pins_new_default ();
  g_autoptr(GError) error = NULL;
  g_autofree char *pin = g_strdup (data->trusted);

  if (pin == NULL && hy_certificate_pins_load (pins, &error))
    pin = hy_certificate_pins_lookup (pins, hy_account_get_id (self->account), data->config);
  set_status (data->server, _("Signing in with the new settings…"), FALSE);
  hy_account_tester_test_async (self->tester, data->config, data->password, pin, self->cancellable,
                                server_tested, data);
}

static void
stored_secret_found (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  SaveData *data = user_data;
  g_autoptr(GError) error = NULL;

  data->password = hy_credentials_lookup_finish (HY_CREDENTIALS (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      save_data_free (data);
      return;
    }
  if (data->password == NULL)
    {
      save_finished (data, _("No password is saved for this server: enter it above."));
      return;
    }
  start_test (data);
}

static void
save_server (Server *server)
{
  HyAccountEditor *self = server->editor;
  g_autoptr(HyServerConfig) config = config_from_rows (server);
  const HyServerConfig *old = server_config (server);
  const char *password = gtk_editable_get_text (GTK_EDITABLE (server->password_row));
  SaveData *data;

  if (config->host == NULL || *config->host == '\0' || strchr (config->host, ' ') != NULL)
    {
      set_status (server, _("Enter the name of the server, such as mail.example.com."), TRUE);
      return;
    }
  if (config->user == NULL || *config->user == '\0')
    {
      set_status (server, _("Enter your user name on the server."), TRUE);
      return;
    }

  server->testing = TRUE;
  gtk_widget_set_sensitive (server->save_button, FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (server->group), FALSE);
  gtk_spinner_start (server->spinner);
  data = g_new0 (SaveData, 1);
  data->editor = g_object_ref (self);
  data->server = server;
  data->config = g_steal_pointer (&config);
  if (password != NULL && *password != '\0')
    {
      data->password = g_strdup (password);
      data->typed = TRUE;
      start_test (data);
      return;
    }
  if (old == NULL || old->host == NULL)
    {
      save_finished (data, _("No password is saved for this server: enter it above."));
      return;
    }
  /* The password stays: the one in the keyring, kept under the old
   * server and user name. */
  set_status (server, _("Signing in with the new settings…"), FALSE);
  hy_credentials_lookup_async (get_credentials (self), hy_account_get_id (self->account),
                               hy_server_protocol_to_string (old->protocol), old->host, old->user,
                               self->cancellable, stored_secret_found, data);
}

static void
on_in_save_clicked (HyAccountEditor *self)
{
  save_server (&self->in);
}

static void
on_out_save_clicked (HyAccountEditor *self)
{
  save_server (&self->out);
}

static void
on_security_changed (Server *server)
{
  const HyServerConfig *config = server_config (server);
  HyServerSecurity security;
  guint16 port;
  guint position;

  if (server->editor->filling || config == NULL)
    return;
  /* A standard port follows the security choice. */
  position = adw_combo_row_get_selected (server->security_row);
  security = position < G_N_ELEMENTS (security_rows) ? security_rows[position] : HY_SERVER_SECURITY_TLS;
  port = (guint16) gtk_spin_button_get_value_as_int (server->port_spin);
  for (guint i = 0; i < G_N_ELEMENTS (security_rows); i++)
    if (port == hy_server_protocol_default_port (config->protocol, security_rows[i]))
      {
        gtk_spin_button_set_value (server->port_spin, hy_server_protocol_default_port (config->protocol, security));
        break;
      }
  if (security == HY_SERVER_SECURITY_NONE)
    set_status (server, _("Without encryption, your password and mail can be read on the network. "
                          "Use only for a server on this computer."), TRUE);
  update_server_buttons (server);
}

static void
setup_server (HyAccountEditor *self,
              Server          *server,
              gboolean         outgoing)
{
  server->editor = self;
  server->outgoing = outgoing;
  g_signal_connect_swapped (server->host_row, "changed", G_CALLBACK (update_server_buttons), server);
  g_signal_connect_swapped (server->user_row, "changed", G_CALLBACK (update_server_buttons), server);
  g_signal_connect_swapped (server->password_row, "changed", G_CALLBACK (update_server_buttons), server);
  g_signal_connect_swapped (server->port_spin, "value-changed", G_CALLBACK (update_server_buttons), server);
  g_signal_connect_swapped (server->auth_row, "notify::selected", G_CALLBACK (update_server_buttons), server);
  g_signal_connect_swapped (server->security_row, "notify::selected", G_CALLBACK (on_security_changed), server);
}

/* ------------------------------------------------------------------ */
/* Identities                                                         */

static void rebuild_identities (HyAccountEditor *self);

typedef struct {
  HyAccountEditor *editor;     /* weak: the row belongs to the editor */
  int              index;      /* in the account, -1 for a new one not saved yet */
  AdwExpanderRow  *row;
  AdwEntryRow     *name_row;
  AdwEntryRow     *address_row;
  GtkTextBuffer   *signature;
  guint            save_source;
} IdentityRow;

static void
identity_row_free (IdentityRow *data)
{
  g_clear_handle_id (&data->save_source, g_source_remove);
  g_free (data);
}

static char *
stripped_text (GtkEditable *editable)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (editable)));
}

static gboolean
valid_address (const char *address)
{
  const char *at = strchr (address, '@');

  return at != NULL && at != address && at[1] != '\0' && strchr (address, ' ') == NULL &&
         strchr (at + 1, '@') == NULL;
}

/* Saves the row's identity; FALSE (and says why) when the address is not one. */
static gboolean
save_identity (IdentityRow *data)
{
  HyAccountEditor *self = data->editor;
  g_autofree char *name = stripped_text (GTK_EDITABLE (data->name_row));
  g_autofree char *address = stripped_text (GTK_EDITABLE (data->address_row));
  g_autofree char *signature = NULL;
  g_autoptr(HyIdentity) identity = NULL;
  GtkTextIter start, end;

  g_clear_handle_id (&data->save_source, g_source_remove);
  if (!valid_address (address))
    {
      show_toast (self, _("Enter an email address such as name@example.com."));
      return FALSE;
    }
  gtk_text_buffer_get_bounds (data->signature, &start, &end);
  signature = gtk_text_buffer_get_text (data->signature, &start, &end, FALSE);
  identity = hy_identity_new (*name != '\0' ? name : NULL, address,
                              *signature != '\0' ? signature : NULL);
  if (data->index < 0)
    {
      hy_account_add_identity (self->account, identity);
      rebuild_identities (self);
      return TRUE;
    }
  hy_account_replace_identity (self->account, (guint) data->index, identity);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (data->row), *name != '\0' ? name : address);
  adw_expander_row_set_subtitle (data->row, address);
  return TRUE;
}

static void
on_identity_apply (IdentityRow *data)
{
  save_identity (data);
}

static gboolean
save_signature_later (gpointer user_data)
{
  IdentityRow *data = user_data;

  data->save_source = 0;
  /* A new identity is saved with its address; a signature alone waits. */
  if (data->index >= 0)
    save_identity (data);
  return G_SOURCE_REMOVE;
}

static void
on_signature_changed (IdentityRow *data)
{
  if (data->editor->filling)
    return;
  g_clear_handle_id (&data->save_source, g_source_remove);
  data->save_source = g_timeout_add (SIGNATURE_SAVE_DELAY_MS, save_signature_later, data);
}

static void
on_remove_identity (GtkButton *button,
                    IdentityRow *data)
{
  HyAccountEditor *self = data->editor;

  if (data->index >= 0)
    hy_account_remove_identity (self->account, (guint) data->index);
  rebuild_identities (self);
}

static GtkWidget *
make_identity_row (HyAccountEditor  *self,
                   const HyIdentity *identity,
                   int               index,
                   gboolean          removable)
{
  IdentityRow *data = g_new0 (IdentityRow, 1);
  GtkWidget *row = adw_expander_row_new ();
  GtkWidget *signature_row = adw_preferences_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *label = gtk_label_new (_("Signature"));
  GtkWidget *frame = gtk_frame_new (NULL);
  GtkWidget *view = gtk_text_view_new ();
  GtkWidget *remove_row = adw_action_row_new ();
  GtkWidget *remove = gtk_button_new_with_mnemonic (_("_Remove Identity"));
  const char *address = identity != NULL ? identity->address : "";
  const char *name = identity != NULL && identity->name != NULL ? identity->name : "";

  data->editor = self;
  data->index = index;
  data->row = ADW_EXPANDER_ROW (row);
  g_object_set_data_full (G_OBJECT (row), "hy-identity", data, (GDestroyNotify) identity_row_free);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 *name != '\0' ? name : *address != '\0' ? address : _("New Identity"));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), address);
  if (index == 0)
    {
      GtkWidget *tag = gtk_label_new (_("Default"));

      gtk_widget_add_css_class (tag, "dim-label");
      adw_expander_row_add_action (ADW_EXPANDER_ROW (row), tag);
    }

  data->name_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (data->name_row), _("Your Name"));
  adw_entry_row_set_show_apply_button (data->name_row, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (data->name_row), name);
  g_signal_connect_swapped (data->name_row, "apply", G_CALLBACK (on_identity_apply), data);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row), GTK_WIDGET (data->name_row));

  data->address_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (data->address_row), _("Email Address"));
  adw_entry_row_set_show_apply_button (data->address_row, TRUE);
  adw_entry_row_set_input_purpose (data->address_row, GTK_INPUT_PURPOSE_EMAIL);
  gtk_editable_set_text (GTK_EDITABLE (data->address_row), address);
  g_signal_connect_swapped (data->address_row, "apply", G_CALLBACK (on_identity_apply), data);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row), GTK_WIDGET (data->address_row));

  gtk_widget_set_halign (label, GTK_ALIGN_START);
  gtk_widget_add_css_class (label, "caption");
  gtk_box_append (GTK_BOX (box), label);
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 6);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 6);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 6);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 6);
  gtk_widget_set_size_request (view, -1, 72);
  gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Signature"), -1);
  data->signature = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  if (identity != NULL && identity->signature != NULL)
    gtk_text_buffer_set_text (data->signature, identity->signature, -1);
  g_signal_connect_swapped (data->signature, "changed", G_CALLBACK (on_signature_changed), data);
  gtk_frame_set_child (GTK_FRAME (frame), view);
  gtk_box_append (GTK_BOX (box), frame);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (signature_row), FALSE);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (signature_row), box);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row), signature_row);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (remove_row),
                                 index < 0 ? _("Saved once its address is applied")
                                           : removable ? "" : _("An account needs at least one identity"));
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "destructive-action");
  gtk_widget_set_sensitive (remove, removable || index < 0);
  g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_identity), data);
  adw_action_row_add_suffix (ADW_ACTION_ROW (remove_row), remove);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row), remove_row);
  return row;
}

static void
rebuild_identities (HyAccountEditor *self)
{
  GPtrArray *identities = hy_account_get_identities (self->account);

  for (guint i = 0; i < self->identity_rows->len; i++)
    adw_preferences_group_remove (self->identities_group, g_ptr_array_index (self->identity_rows, i));
  g_ptr_array_set_size (self->identity_rows, 0);

  self->filling = TRUE;
  for (guint i = 0; i < identities->len; i++)
    {
      GtkWidget *row = make_identity_row (self, g_ptr_array_index (identities, i), (int) i,
                                          identities->len > 1);

      adw_preferences_group_add (self->identities_group, row);
      g_ptr_array_add (self->identity_rows, row);
    }
  self->filling = FALSE;
}

static void
on_add_identity_clicked (HyAccountEditor *self)
{
  GtkWidget *row = make_identity_row (self, NULL, -1, FALSE);
  GPtrArray *identities = hy_account_get_identities (self->account);
  IdentityRow *data = g_object_get_data (G_OBJECT (row), "hy-identity");

  /* Same person, another address: start from the default name. */
  if (identities->len > 0 && ((HyIdentity *) g_ptr_array_index (identities, 0))->name != NULL)
    gtk_editable_set_text (GTK_EDITABLE (data->name_row),
                           ((HyIdentity *) g_ptr_array_index (identities, 0))->name);
  adw_preferences_group_add (self->identities_group, row);
  g_ptr_array_add (self->identity_rows, row);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (data->address_row));
}

/* ------------------------------------------------------------------ */
/* Folders                                                            */

static const char *
role_title (HyFolderRole role)
{
  switch (role)
    {
    case HY_FOLDER_ROLE_SENT: return _("Sent");
    case HY_FOLDER_ROLE_DRAFTS: return _("Drafts");
    case HY_FOLDER_ROLE_TRASH: return _("Trash");
    case HY_FOLDER_ROLE_ARCHIVE: return _("Archive");
    case HY_FOLDER_ROLE_JUNK: return _("Junk");
    case HY_FOLDER_ROLE_NONE:
    case HY_FOLDER_ROLE_INBOX:
    case HY_FOLDER_ROLE_ALL:
    case HY_FOLDER_ROLE_FLAGGED:
    case HY_FOLDER_ROLE_LAST:
    default: return NULL;
    }
}

static void
on_folder_selected (AdwComboRow     *row,
                    GParamSpec      *pspec,
                    HyAccountEditor *self)
{
  HyFolderRole role = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "hy-role"));
  GtkStringList *names = GTK_STRING_LIST (adw_combo_row_get_model (row));
  guint position = adw_combo_row_get_selected (row);

  if (self->filling || position == GTK_INVALID_LIST_POSITION)
    return;
  hy_account_set_folder_for_role (self->account, role,
                                  position == 0 ? NULL : gtk_string_list_get_string (names, position));
}

static void
fill_folders (HyAccountEditor *self)
{
  for (guint i = 0; i < self->folder_rows->len; i++)
    adw_preferences_group_remove (self->folders_group, g_ptr_array_index (self->folder_rows, i));
  g_ptr_array_set_size (self->folder_rows, 0);

  self->filling = TRUE;
  for (guint r = 0; r < G_N_ELEMENTS (chosen_roles); r++)
    {
      HyFolderRole role = chosen_roles[r];
      const char *chosen = hy_account_get_folder_for_role (self->account, role);
      GtkStringList *names = gtk_string_list_new (NULL);
      GtkWidget *row = adw_combo_row_new ();
      guint selected = 0;
      guint n = self->folders != NULL ? g_list_model_get_n_items (self->folders) : 0;

      gtk_string_list_append (names, _("Automatic"));
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(HyFolder) folder = g_list_model_get_item (self->folders, i);

          if (hy_folder_get_role (folder) == HY_FOLDER_ROLE_INBOX)
            continue;
          gtk_string_list_append (names, hy_folder_get_name (folder));
          if (g_strcmp0 (chosen, hy_folder_get_name (folder)) == 0)
            selected = g_list_model_get_n_items (G_LIST_MODEL (names)) - 1;
        }
      /* A choice whose folder is not synced (yet) stays visible. */
      if (chosen != NULL && selected == 0)
        {
          gtk_string_list_append (names, chosen);
          selected = g_list_model_get_n_items (G_LIST_MODEL (names)) - 1;
        }
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), role_title (role));
      adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (names));
      g_object_unref (names);
      adw_combo_row_set_selected (ADW_COMBO_ROW (row), selected);
      g_object_set_data (G_OBJECT (row), "hy-role", GINT_TO_POINTER (role));
      g_signal_connect (row, "notify::selected", G_CALLBACK (on_folder_selected), self);
      adw_preferences_group_add (self->folders_group, row);
      g_ptr_array_add (self->folder_rows, row);
    }
  self->filling = FALSE;
}

/* ------------------------------------------------------------------ */
/* Simple settings                                                    */

static void
on_name_apply (HyAccountEditor *self)
{
  g_autofree char *name = stripped_text (GTK_EDITABLE (self->name_row));

  hy_account_set_display_name (self->account, *name != '\0' ? name : NULL);
  adw_window_title_set_title (self->window_title, *name != '\0' ? name : hy_account_get_address (self->account));
}

static void
on_sync_days_changed (HyAccountEditor *self)
{
  if (!self->filling)
    hy_account_set_sync_window_days (self->account, (guint) gtk_spin_button_get_value_as_int (self->sync_spin));
}

static void
on_leave_changed (HyAccountEditor *self)
{
  gboolean leave = gtk_switch_get_active (self->leave_switch);

  gtk_widget_set_sensitive (self->delete_after_row, leave);
  if (!self->filling)
    hy_account_set_pop3_leave_on_server (self->account, leave);
}

static void
on_delete_after_changed (HyAccountEditor *self)
{
  if (!self->filling)
    hy_account_set_pop3_delete_after_days (self->account,
                                           (guint) gtk_spin_button_get_value_as_int (self->delete_after_spin));
}

static void
on_saves_sent_changed (HyAccountEditor *self)
{
  if (!self->filling)
    hy_account_set_server_saves_sent (self->account, gtk_switch_get_active (self->saves_sent_switch));
}

static void
fill (HyAccountEditor *self)
{
  const HyServerConfig *incoming = hy_account_get_incoming (self->account);
  gboolean pop3 = incoming != NULL && incoming->protocol == HY_SERVER_PROTOCOL_POP3;
  const char *name = hy_account_get_display_name (self->account);

  self->filling = TRUE;
  adw_window_title_set_title (self->window_title,
                              name != NULL && *name != '\0' ? name : hy_account_get_address (self->account));
  adw_window_title_set_subtitle (self->window_title, hy_account_get_address (self->account));
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name != NULL ? name : "");
  gtk_spin_button_set_value (self->sync_spin, hy_account_get_sync_window_days (self->account));
  fill_server (&self->in);
  fill_server (&self->out);
  gtk_widget_set_visible (GTK_WIDGET (self->pop3_group), pop3);
  gtk_switch_set_active (self->leave_switch, hy_account_get_pop3_leave_on_server (self->account));
  gtk_widget_set_sensitive (self->delete_after_row, hy_account_get_pop3_leave_on_server (self->account));
  gtk_spin_button_set_value (self->delete_after_spin, hy_account_get_pop3_delete_after_days (self->account));
  /* POP3 has only an inbox. */
  gtk_widget_set_visible (GTK_WIDGET (self->folders_group), !pop3);
  gtk_switch_set_active (self->saves_sent_switch, hy_account_get_server_saves_sent (self->account));
  self->filling = FALSE;
  rebuild_identities (self);
  fill_folders (self);
  update_server_buttons (&self->in);
  update_server_buttons (&self->out);
}

/* ------------------------------------------------------------------ */
/* Removing                                                           */

static void
account_removed (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(HyAccountEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyCertificatePins) pins = NULL;

  if (!hy_account_manager_remove_finish (HY_ACCOUNT_MANAGER (object), result, &error))
    {
      if (g_cancellable_is_cancelled (self->cancellable))
        {
          g_warning ("Could not remove the account %s: %s", hy_account_get_id (self->account), error->message);
          return;
        }
      gtk_widget_set_sensitive (self->remove_button, TRUE);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_toast (self, error->message);
      return;
    }
  /* Certificates trusted for it go as well. */
  pins = hy_certificate_pins_new_default ();
  g_clear_error (&error);
  if (!hy_certificate_pins_load (pins, &error) ||
      !hy_certificate_pins_remove_account (pins, hy_account_get_id (self->account), &error))
    g_warning ("Could not forget the certificates trusted for %s: %s",
               hy_account_get_id (self->account), error->message);
  g_signal_emit (self, signals[SIGNAL_REMOVED], 0);
  if (!g_cancellable_is_cancelled (self->cancellable))
    close_subpage (self);
}

static void
on_remove_response (AdwMessageDialog *dialog,
                    const char       *response,
                    HyAccountEditor  *self)
{
  self->remove_dialog = NULL;
  if (g_strcmp0 (response, "remove") != 0)
    return;
  gtk_widget_set_sensitive (self->remove_button, FALSE);
  hy_account_manager_remove_async (hy_engine_get_account_manager (self->engine), self->account,
                                   NULL, account_removed, g_object_ref (self));
}

static void
on_remove_clicked (HyAccountEditor *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  const char *name = hy_account_get_display_name (self->account);
  g_autofree char *heading = NULL;
  GtkWidget *dialog;

  if (name == NULL || *name == '\0')
    name = hy_account_get_address (self->account);
  heading = g_strdup_printf (_("Remove %s?"), name);
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading,
                                   _("Its settings, password and the mail downloaded to this computer "
                                     "are deleted. The mail on the server is kept."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_response), self, 0);
  self->remove_dialog = ADW_MESSAGE_DIALOG (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

AdwMessageDialog *
hy_account_editor_get_remove_dialog (HyAccountEditor *self)
{
  g_return_val_if_fail (HY_IS_ACCOUNT_EDITOR (self), NULL);

  return self->remove_dialog;
}

/* ------------------------------------------------------------------ */

static void
back_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  close_subpage (HY_ACCOUNT_EDITOR (widget));
}

HyAccountEditor *
hy_account_editor_new (HyEngine  *engine,
                       HyAccount *account)
{
  HyAccountEditor *self;
  const char *ca_file = g_getenv ("HONGYAN_CA_FILE");

  g_return_val_if_fail (HY_IS_ENGINE (engine), NULL);
  g_return_val_if_fail (HY_IS_ACCOUNT (account), NULL);

  self = g_object_new (HY_TYPE_ACCOUNT_EDITOR, NULL);
  self->engine = g_object_ref (engine);
  self->account = g_object_ref (account);
  if (ca_file != NULL && *ca_file != '\0')
    hy_account_tester_set_ca_file (self->tester, ca_file);
  self->folders = hy_engine_get_folders (engine, account);
  if (self->folders != NULL)
    {
      g_object_ref (self->folders);
      g_signal_connect_object (self->folders, "items-changed", G_CALLBACK (fill_folders), self,
                               G_CONNECT_SWAPPED);
    }
  fill (self);
  return self;
}

HyAccount *
hy_account_editor_get_account (HyAccountEditor *self)
{
  g_return_val_if_fail (HY_IS_ACCOUNT_EDITOR (self), NULL);

  return self->account;
}

void
hy_account_editor_set_ca_file (HyAccountEditor *self,
                               const char      *ca_file)
{
  g_return_if_fail (HY_IS_ACCOUNT_EDITOR (self));

  hy_account_tester_set_ca_file (self->tester, ca_file);
}

static void
hy_account_editor_dispose (GObject *object)
{
  HyAccountEditor *self = HY_ACCOUNT_EDITOR (object);

  g_cancellable_cancel (self->cancellable);
  if (self->remove_dialog != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->remove_dialog, self);
      gtk_window_destroy (GTK_WINDOW (self->remove_dialog));
      self->remove_dialog = NULL;
    }
  g_clear_pointer (&self->identity_rows, g_ptr_array_unref);
  g_clear_pointer (&self->folder_rows, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), HY_TYPE_ACCOUNT_EDITOR);
  g_clear_object (&self->folders);
  g_clear_object (&self->tester);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->account);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (hy_account_editor_parent_class)->dispose (object);
}

static void
hy_account_editor_class_init (HyAccountEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hy_account_editor_dispose;

  /**
   * HyAccountEditor::removed:
   *
   * The account was removed with its password and cache.
   */
  signals[SIGNAL_REMOVED] =
    g_signal_new ("removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hongyan/Hongyan/ui/hy-account-editor.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, HyAccountEditor, name)
  BIND (window_title);
  BIND (toast_overlay);
  BIND (name_row);
  BIND (sync_spin);
  BIND (identities_group);
  BIND (in_group);
  BIND (in_host_row);
  BIND (in_port_spin);
  BIND (in_security_row);
  BIND (in_user_row);
  BIND (in_auth_row);
  BIND (in_password_row);
  BIND (in_status_row);
  BIND (in_spinner);
  BIND (in_save_button);
  BIND (pop3_group);
  BIND (leave_switch);
  BIND (delete_after_row);
  BIND (delete_after_spin);
  BIND (out_group);
  BIND (out_host_row);
  BIND (out_port_spin);
  BIND (out_security_row);
  BIND (out_user_row);
  BIND (out_auth_row);
  BIND (out_password_row);
  BIND (out_status_row);
  BIND (out_spinner);
  BIND (out_save_button);
  BIND (folders_group);
  BIND (saves_sent_switch);
  BIND (remove_button);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_name_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_add_identity_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_in_save_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_out_save_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_clicked);
  gtk_widget_class_install_action (widget_class, "editor.back", NULL, back_activated);
}

static void
hy_account_editor_init (HyAccountEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->tester = hy_account_tester_new ();
  self->cancellable = g_cancellable_new ();
  self->identity_rows = g_ptr_array_new ();
  self->folder_rows = g_ptr_array_new ();
  self->in = (Server) {
    .group = self->in_group, .host_row = self->in_host_row, .port_spin = self->in_port_spin,
    .security_row = self->in_security_row, .user_row = self->in_user_row, .auth_row = self->in_auth_row,
    .password_row = self->in_password_row, .status_row = self->in_status_row,
    .spinner = self->in_spinner, .save_button = self->in_save_button,
  };
  self->out = (Server) {
    .group = self->out_group, .host_row = self->out_host_row, .port_spin = self->out_port_spin,
    .security_row = self->out_security_row, .user_row = self->out_user_row, .auth_row = self->out_auth_row,
    .password_row = self->out_password_row, .status_row = self->out_status_row,
    .spinner = self->out_spinner, .save_button = self->out_save_button,
  };
  setup_server (self, &self->in, FALSE);
  setup_server (self, &self->out, TRUE);
  g_signal_connect_swapped (self->sync_spin, "value-changed", G_CALLBACK (on_sync_days_changed), self);
  g_signal_connect_swapped (self->leave_switch, "notify::active", G_CALLBACK (on_leave_changed), self);
  g_signal_connect_swapped (self->delete_after_spin, "value-changed", G_CALLBACK (on_delete_after_changed), self);
  g_signal_connect_swapped (self->saves_sent_switch, "notify::active", G_CALLBACK (on_saves_sent_changed), self);
}
