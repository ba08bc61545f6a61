/* hy-account-assistant.c — the Add Account assistant: address and password, or manual setup
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>

#include "account/hy-account-error.h"
#include "hy-account-assistant.h"
#include "hy-account-tester.h"
#include "hy-certificate-dialog.h"
#include "net/hy-net-error.h"

struct _HyAccountAssistant
{
  AdwWindow           parent_instance;

  HyAccountManager   *manager;
  HyCertificatePins  *pins;
  HyAutoconfig       *autoconfig;
  HyAccountTester    *tester;
  GCancellable       *cancellable;

  /* The servers found or entered, and the certificates the user trusted
   * while adding ("protocol:host:port" -> SHA-256). */
  HyServerConfig     *incoming;
  HyServerConfig     *outgoing;
  GHashTable         *trusted;
  char               *return_page;   /* where a failed test goes back to */
  HyAccount          *pending;       /* being saved */
  gboolean            testing_outgoing;
  gboolean            busy;

  /* Template children */
  GtkWidget          *back_button;
  GtkRevealer        *error_revealer;
  GtkLabel           *error_label;
  GtkStack           *stack;
  AdwEntryRow        *name_row;
  AdwEntryRow        *address_row;
  AdwEntryRow        *password_row;
  GtkWidget          *continue_button;
  GtkWidget          *manual_button;
  GtkSpinner         *lookup_spinner;
  GtkLabel           *lookup_label;
  GtkLabel           *summary_title;
  GtkLabel           *summary_source;
  AdwActionRow       *incoming_row;
  AdwActionRow       *outgoing_row;
  GtkImage           *incoming_status;
  GtkImage           *outgoing_status;
  GtkWidget          *add_button;
  GtkWidget          *edit_button;
  AdwComboRow        *in_protocol_row;
  AdwEntryRow        *in_host_row;
  AdwComboRow        *in_security_row;
  GtkSpinButton      *in_port_spin;
  AdwEntryRow        *in_user_row;
  AdwComboRow        *in_auth_row;
  AdwEntryRow        *out_host_row;
  AdwComboRow        *out_security_row;
  GtkSpinButton      *out_port_spin;
  AdwEntryRow        *out_user_row;
  AdwComboRow        *out_auth_row;
  GtkWidget          *insecure_warning;
  GtkWidget          *manual_add_button;
  AdwStatusPage      *done_page;
  GtkWidget          *test_box;
  GtkSpinner         *test_spinner;
  GtkLabel           *test_label;

  gboolean            have_sync_window;
  guint               sync_window_days;
};

G_DEFINE_FINAL_TYPE (HyAccountAssistant, hy_account_assistant, ADW_TYPE_WINDOW)

enum {
  SIGNAL_ACCOUNT_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The rows of the security combo rows, and of the authentication ones. */
static const HyServerSecurity security_rows[] = {
  HY_SERVER_SECURITY_TLS, HY_SERVER_SECURITY_STARTTLS, HY_SERVER_SECURITY_NONE,
};
static const char * const auth_rows[] = { NULL, "SCRAM-SHA-256", "PLAIN", "LOGIN" };

static void start_test (HyAccountAssistant *self, gboolean outgoing);

/* ---- helpers ------------------------------------------------------------ */

static char *
server_key (const HyServerConfig *server)
{
  g_autofree char *host = g_ascii_strdown (server->host, -1);

  return g_strdup_printf ("%s:%s:%u", hy_server_protocol_to_string (server->protocol),
                          host, server->port);
}

static const char *
address_domain (const char *address)
{
  const char *at = address != NULL ? strrchr (address, '@') : NULL;

  return at != NULL ? at + 1 : NULL;
}

/* A plausible address: one local part, an @, a domain with a dot or
 * "localhost", no spaces. The server has the last word. */
static gboolean
address_is_valid (const char *address)
{
  const char *domain = address_domain (address);

  if (domain == NULL || domain == address + 1 || *domain == '\0')
    return FALSE;
  for (const char *p = address; *p != '\0'; p++)
    if (g_ascii_isspace (*p) || (unsigned char) *p < 0x20)
      return FALSE;
  if (domain[0] == '.' || domain[strlen (domain) - 1] == '.' || strchr (domain, '@') != NULL)
    return FALSE;
  return strchr (domain, '.') != NULL || g_ascii_strcasecmp (domain, "localhost") == 0;
}

static gboolean
host_is_valid (const char *host)
{
  if (host == NULL || *host == '\0' || strlen (host) > 253)
    return FALSE;
  if (g_hostname_is_ip_address (host))
    return TRUE;
  for (const char *p = host; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.' && (unsigned char) *p < 0x80)
        return FALSE;
    }
  return host[0] != '.' && host[0] != '-';
}

static const char *
security_label (HyServerSecurity security)
{
  switch (security)
    {
    case HY_SERVER_SECURITY_STARTTLS:
      return _("STARTTLS");
    case HY_SERVER_SECURITY_NONE:
      return _("unencrypted");
    case HY_SERVER_SECURITY_TLS:
    default:
      return _("TLS");
    }
}

static const char *
protocol_label (HyServerProtocol protocol)
{
  switch (protocol)
    {
    case HY_SERVER_PROTOCOL_POP3:
      return _("POP3");
    case HY_SERVER_PROTOCOL_SMTP:
      return _("SMTP");
    case HY_SERVER_PROTOCOL_IMAP:
    default:
      return _("IMAP");
    }
}

static void
show_error (HyAccountAssistant *self,
            const char         *message)
{
  if (message != NULL)
    gtk_label_set_text (self->error_label, message);
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL);
}

static void
set_page (HyAccountAssistant *self,
          const char         *page)
{
  gtk_stack_set_visible_child_name (self->stack, page);
}

static void
set_busy (HyAccountAssistant *self,
          const char         *status)
{
  self->busy = status != NULL;
  gtk_widget_set_visible (self->test_box, status != NULL);
  gtk_spinner_set_spinning (self->test_spinner, status != NULL);
  if (status != NULL)
    gtk_label_set_text (self->test_label, status);

  gtk_widget_set_sensitive (self->add_button, !self->busy);
  gtk_widget_set_sensitive (self->edit_button, !self->busy);
  gtk_widget_set_sensitive (self->back_button, !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->stack), !self->busy);
}

static void
on_page_changed (HyAccountAssistant *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  gtk_widget_set_visible (self->back_button,
                          g_strcmp0 (page, "summary") == 0 || g_strcmp0 (page, "manual") == 0);
  gtk_spinner_set_spinning (self->lookup_spinner, g_strcmp0 (page, "lookup") == 0);
}

static void
on_start_changed (HyAccountAssistant *self)
{
  const char *address = gtk_editable_get_text (GTK_EDITABLE (self->address_row));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  g_autofree char *trimmed = g_strstrip (g_strdup (address));
  gboolean ok = address_is_valid (trimmed) && password != NULL && *password != '\0';

  gtk_widget_set_sensitive (self->continue_button, ok);
  gtk_widget_set_sensitive (self->manual_button, ok);
  if (trimmed[0] != '\0' && !address_is_valid (trimmed) && strchr (trimmed, '@') != NULL &&
      address_domain (trimmed)[0] != '\0' && strchr (address_domain (trimmed), '.') != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->address_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->address_row), "error");
}

static char *
get_address (HyAccountAssistant *self)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->address_row))));
}

/* ---- the summary -------------------------------------------------------- */

static void
describe_server (AdwActionRow         *row,
                 const HyServerConfig *server)
{
  g_autofree char *subtitle = NULL;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), server->host);
  /* Translators: "IMAP, port 993, TLS, user alice@example.org" */
  subtitle = g_strdup_printf (_("%s, port %u, %s, user %s"),
                              protocol_label (server->protocol), server->port,
                              security_label (server->security),
                              server->user != NULL ? server->user : "");
  adw_action_row_set_subtitle (row, subtitle);
}

static void
set_status (GtkImage *image,
            gboolean  ok)
{
  gtk_image_set_from_icon_name (image, ok ? "emblem-ok-symbolic" : "dialog-error-symbolic");
  gtk_widget_remove_css_class (GTK_WIDGET (image), ok ? "error" : "success");
  gtk_widget_add_css_class (GTK_WIDGET (image), ok ? "success" : "error");
  gtk_widget_set_visible (GTK_WIDGET (image), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (image), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  ok ? _("Signed in") : _("Failed"), -1);
}

static void
show_summary (HyAccountAssistant       *self,
              const HyAutoconfigResult *found)
{
  g_autofree char *address = get_address (self);
  g_autofree char *title = NULL;
  const char *source;

  title = g_strdup_printf (_("Settings for %s"), found->display_name != NULL
                                                 ? found->display_name
                                                 : address_domain (address));
  gtk_label_set_text (self->summary_title, title);

  switch (found->source)
    {
    case HY_AUTOCONFIG_SOURCE_ISP:
    case HY_AUTOCONFIG_SOURCE_WELL_KNOWN:
      source = _("Published by your email provider.");
      break;
    case HY_AUTOCONFIG_SOURCE_SRV:
      source = _("Found in your domain’s DNS records.");
      break;
    case HY_AUTOCONFIG_SOURCE_PROBE:
    default:
      source = _("Found by trying the usual server names. Check that they belong to your provider.");
      break;
    }
  gtk_label_set_text (self->summary_source, source);

  describe_server (self->incoming_row, self->incoming);
  describe_server (self->outgoing_row, self->outgoing);
  gtk_widget_set_visible (GTK_WIDGET (self->incoming_status), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->outgoing_status), FALSE);

  set_page (self, "summary");
}

/* ---- manual setup ------------------------------------------------------- */

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

static HyServerProtocol
manual_incoming_protocol (HyAccountAssistant *self)
{
  return adw_combo_row_get_selected (self->in_protocol_row) == 1
         ? HY_SERVER_PROTOCOL_POP3 : HY_SERVER_PROTOCOL_IMAP;
}

static HyServerSecurity
combo_security (AdwComboRow *row)
{
  guint position = adw_combo_row_get_selected (row);

  return position < G_N_ELEMENTS (security_rows) ? security_rows[position] : HY_SERVER_SECURITY_TLS;
}

static const char *
combo_auth (AdwComboRow *row)
{
  guint position = adw_combo_row_get_selected (row);

  return position < G_N_ELEMENTS (auth_rows) ? auth_rows[position] : NULL;
}

static gboolean
is_standard_port (guint port)
{
  return port == 993 || port == 143 || port == 995 || port == 110 ||
         port == 465 || port == 587 || port == 25;
}

static gboolean
manual_is_valid (HyAccountAssistant *self)
{
  const char *in_host = gtk_editable_get_text (GTK_EDITABLE (self->in_host_row));
  const char *out_host = gtk_editable_get_text (GTK_EDITABLE (self->out_host_row));
  const char *in_user = gtk_editable_get_text (GTK_EDITABLE (self->in_user_row));
  const char *out_user = gtk_editable_get_text (GTK_EDITABLE (self->out_user_row));
  gboolean in_ok = host_is_valid (in_host);
  gboolean out_ok = host_is_valid (out_host);

  if (in_ok || *in_host == '\0')
    gtk_widget_remove_css_class (GTK_WIDGET (self->in_host_row), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->in_host_row), "error");
  if (out_ok || *out_host == '\0')
    gtk_widget_remove_css_class (GTK_WIDGET (self->out_host_row), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->out_host_row), "error");

  return in_ok && out_ok && *in_user != '\0' && *out_user != '\0';
}

static void
on_manual_changed (HyAccountAssistant *self)
{
  gtk_widget_set_sensitive (self->manual_add_button, manual_is_valid (self));
}

static void
on_manual_security_changed (HyAccountAssistant *self)
{
  HyServerSecurity in_security = combo_security (self->in_security_row);
  HyServerSecurity out_security = combo_security (self->out_security_row);
  guint in_port = gtk_spin_button_get_value_as_int (self->in_port_spin);
  guint out_port = gtk_spin_button_get_value_as_int (self->out_port_spin);

  /* Follow the standard port unless the user typed another one. */
  if (is_standard_port (in_port))
    gtk_spin_button_set_value (self->in_port_spin,
                               hy_server_protocol_default_port (manual_incoming_protocol (self),
                                                                in_security));
  if (is_standard_port (out_port))
    gtk_spin_button_set_value (self->out_port_spin,
                               hy_server_protocol_default_port (HY_SERVER_PROTOCOL_SMTP, out_security));

  gtk_widget_set_visible (self->insecure_warning,
                          in_security == HY_SERVER_SECURITY_NONE ||
                          out_security == HY_SERVER_SECURITY_NONE);
  on_manual_changed (self);
}

static void
fill_manual (HyAccountAssistant   *self,
             const HyServerConfig *incoming,
             const HyServerConfig *outgoing)
{
  adw_combo_row_set_selected (self->in_protocol_row,
                              incoming->protocol == HY_SERVER_PROTOCOL_POP3 ? 1 : 0);
  gtk_editable_set_text (GTK_EDITABLE (self->in_host_row), incoming->host);
  adw_combo_row_set_selected (self->in_security_row, security_position (incoming->security));
  gtk_spin_button_set_value (self->in_port_spin, incoming->port);
  gtk_editable_set_text (GTK_EDITABLE (self->in_user_row), incoming->user != NULL ? incoming->user : "");
  adw_combo_row_set_selected (self->in_auth_row, auth_position (incoming->auth_mechanism));

  gtk_editable_set_text (GTK_EDITABLE (self->out_host_row), outgoing->host);
  adw_combo_row_set_selected (self->out_security_row, security_position (outgoing->security));
  gtk_spin_button_set_value (self->out_port_spin, outgoing->port);
  gtk_editable_set_text (GTK_EDITABLE (self->out_user_row), outgoing->user != NULL ? outgoing->user : "");
  adw_combo_row_set_selected (self->out_auth_row, auth_position (outgoing->auth_mechanism));
  /* The setters above may have moved the ports to the defaults. */
  gtk_spin_button_set_value (self->in_port_spin, incoming->port);
  gtk_spin_button_set_value (self->out_port_spin, outgoing->port);
  on_manual_changed (self);
}

static void
show_manual_with_guesses (HyAccountAssistant *self)
{
  g_autofree char *address = get_address (self);
  const char *domain = address_domain (address);
  g_autofree char *imap_host = g_strdup_printf ("imap.%s", domain);
  g_autofree char *smtp_host = g_strdup_printf ("smtp.%s", domain);
  g_autoptr(HyServerConfig) incoming = NULL;
  g_autoptr(HyServerConfig) outgoing = NULL;

  incoming = hy_server_config_new (HY_SERVER_PROTOCOL_IMAP, imap_host, 993,
                                   HY_SERVER_SECURITY_TLS, address);
  outgoing = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, smtp_host, 465,
                                   HY_SERVER_SECURITY_TLS, address);
  fill_manual (self, incoming, outgoing);
  set_page (self, "manual");
}

/* ---- adding ------------------------------------------------------------- */

static void
test_failed (HyAccountAssistant *self,
             const char         *message)
{
  set_busy (self, NULL);
  show_error (self, message);
  set_page (self, self->return_page);
}

static void
on_account_added (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(HyAccountAssistant) self = user_data;
  g_autoptr(HyAccount) account = g_steal_pointer (&self->pending);
  g_autoptr(GError) error = NULL;
  const HyServerConfig *servers[2];

  if (!hy_account_manager_add_finish (HY_ACCOUNT_MANAGER (source), result, &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (g_error_matches (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_CREDENTIALS))
        message = g_strdup_printf (_("The password could not be stored in the keyring: %s"),
                                   error->message);
      else
        message = g_strdup_printf (_("The account could not be saved: %s"), error->message);
      test_failed (self, message);
      return;
    }

  /* Keep the certificates the user trusted, for this account only. */
  servers[0] = hy_account_get_incoming (account);
  servers[1] = hy_account_get_outgoing (account);
  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    {
      g_autofree char *key = server_key (servers[i]);
      const char *fingerprint = g_hash_table_lookup (self->trusted, key);
      g_autoptr(GError) pin_error = NULL;

      if (fingerprint != NULL && self->pins != NULL &&
          !hy_certificate_pins_set (self->pins, hy_account_get_id (account), servers[i],
                                    fingerprint, &pin_error))
        g_warning ("Could not keep the trusted certificate of %s: %s",
                   servers[i]->host, pin_error->message);
    }

  set_busy (self, NULL);
  show_error (self, NULL);
  {
    g_autofree char *description =
      g_strdup_printf (_("%s is ready. Hongyan is downloading your mail."),
                       hy_account_get_address (account));

    adw_status_page_set_description (self->done_page, description);
  }
  set_page (self, "done");
  g_signal_emit (self, signals[SIGNAL_ACCOUNT_ADDED], 0, account);
}

static void
save_account (HyAccountAssistant *self)
{
  g_autofree char *address = get_address (self);
  g_autofree char *id = hy_account_manager_make_id (self->manager, address);
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  g_autoptr(HyAccount) account = hy_account_new (id);
  g_autoptr(HyIdentity) identity = NULL;

  identity = hy_identity_new (*name != '\0' ? name : NULL, address, NULL);
  hy_account_set_display_name (account, address);
  hy_account_add_identity (account, identity);
  hy_account_set_incoming (account, self->incoming);
  hy_account_set_outgoing (account, self->outgoing);
  if (self->have_sync_window)
    hy_account_set_sync_window_days (account, self->sync_window_days);

  set_busy (self, _("Saving the account…"));
  g_set_object (&self->pending, account);
  hy_account_manager_add_async (self->manager, account, password, self->cancellable,
                                on_account_added, g_object_ref (self));
}

static void
on_certificate_response (AdwMessageDialog *dialog,
                         const char       *response,
                         gpointer          user_data)
{
  g_autoptr(HyAccountAssistant) self = user_data;
  HyServerConfig *server = g_object_get_data (G_OBJECT (dialog), "hy-server");

  if (g_strcmp0 (response, HY_CERTIFICATE_DIALOG_RESPONSE_TRUST) == 0)
    {
      g_autofree char *key = server_key (server);

      g_hash_table_replace (self->trusted, g_steal_pointer (&key),
                            g_strdup (hy_certificate_dialog_get_fingerprint (HY_CERTIFICATE_DIALOG (dialog))));
      start_test (self, self->testing_outgoing);
      return;
    }

  {
    g_autofree char *message =
      g_strdup_printf (_("The account was not added: the certificate of %s was not trusted."),
                       server->host);

    test_failed (self, message);
  }
}

static void
ask_about_certificate (HyAccountAssistant   *self,
                       const HyServerConfig *server,
                       const GError         *error)
{
  GTlsCertificateFlags flags = 0;
  GTlsCertificate *certificate = hy_net_error_get_certificate (error, &flags);
  HyCertificateDialog *dialog;

  set_busy (self, _("Waiting for your decision about the certificate…"));
  dialog = hy_certificate_dialog_new (GTK_WINDOW (self), server->host, server->port,
                                      certificate, flags);
  g_object_set_data_full (G_OBJECT (dialog), "hy-server", hy_server_config_copy (server),
                          (GDestroyNotify) hy_server_config_free);
  g_signal_connect (dialog, "response", G_CALLBACK (on_certificate_response), g_object_ref (self));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_server_tested (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(HyAccountAssistant) self = user_data;
  gboolean incoming = !self->testing_outgoing;
  const HyServerConfig *server = incoming ? self->incoming : self->outgoing;
  g_autoptr(GError) error = NULL;
  if (!hy_account_tester_test_finish (HY_ACCOUNT_TESTER (source), result, &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_status (incoming ? self->incoming_status : self->outgoing_status, FALSE);
      if (g_error_matches (error, HY_NET_ERROR, HY_NET_ERROR_CERTIFICATE) &&
          hy_net_error_get_certificate (error, NULL) != NULL)
        {
          ask_about_certificate (self, server, error);
          return;
        }
      message = hy_account_tester_describe_error (error, server);
      test_failed (self, message);
      return;
    }

  set_status (incoming ? self->incoming_status : self->outgoing_status, TRUE);
  if (incoming)
    start_test (self, TRUE);
  else
    save_account (self);
}

static void
start_test (HyAccountAssistant *self,
            gboolean            outgoing)
{
  const HyServerConfig *server = outgoing ? self->outgoing : self->incoming;
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  g_autofree char *key = server_key (server);
  g_autofree char *status = NULL;

  if (server->protocol == HY_SERVER_PROTOCOL_SMTP)
    /* Translators: %s is a server name */
    status = g_strdup_printf (_("Signing in to %s to send…"), server->host);
  else
    status = g_strdup_printf (_("Signing in to %s to receive…"), server->host);
  set_busy (self, status);
  show_error (self, NULL);

  self->testing_outgoing = outgoing;
  hy_account_tester_test_async (self->tester, server, password,
                                g_hash_table_lookup (self->trusted, key),
                                self->cancellable, on_server_tested, g_object_ref (self));
}

static void
test_and_add (HyAccountAssistant *self)
{
  g_return_if_fail (self->incoming != NULL && self->outgoing != NULL);

  if (self->busy)
    return;
  gtk_widget_set_visible (GTK_WIDGET (self->incoming_status), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->outgoing_status), FALSE);
  start_test (self, FALSE);
}

static void
on_add_clicked (HyAccountAssistant *self)
{
  g_free (self->return_page);
  self->return_page = g_strdup ("summary");
  test_and_add (self);
}

static void
on_manual_add_clicked (HyAccountAssistant *self)
{
  g_autofree char *in_host = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->in_host_row))));
  g_autofree char *out_host = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->out_host_row))));
  g_autofree char *in_user = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->in_user_row))));
  g_autofree char *out_user = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->out_user_row))));

  if (!manual_is_valid (self))
    return;

  g_clear_pointer (&self->incoming, hy_server_config_free);
  g_clear_pointer (&self->outgoing, hy_server_config_free);
  self->incoming = hy_server_config_new (manual_incoming_protocol (self), in_host,
                                         gtk_spin_button_get_value_as_int (self->in_port_spin),
                                         combo_security (self->in_security_row), in_user);
  self->incoming->auth_mechanism = g_strdup (combo_auth (self->in_auth_row));
  self->outgoing = hy_server_config_new (HY_SERVER_PROTOCOL_SMTP, out_host,
                                         gtk_spin_button_get_value_as_int (self->out_port_spin),
                                         combo_security (self->out_security_row), out_user);
  self->outgoing->auth_mechanism = g_strdup (combo_auth (self->out_auth_row));

  /* The summary rows show the progress of the test. */
  describe_server (self->incoming_row, self->incoming);
  describe_server (self->outgoing_row, self->outgoing);
  g_free (self->return_page);
  self->return_page = g_strdup ("manual");
  test_and_add (self);
}

/* ---- looking up the settings ------------------------------------------- */

static void
on_lookup_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(HyAccountAssistant) self = user_data;
  g_autoptr(HyAutoconfigResult) found = NULL;
  g_autoptr(GError) error = NULL;

  found = hy_autoconfig_lookup_finish (HY_AUTOCONFIG (source), result, &error);
  if (found == NULL)
    {
      g_autofree char *address = NULL;
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      address = get_address (self);
      g_debug ("No settings for %s: %s", address, error->message);
      message = g_strdup_printf (_("Hongyan could not find the server settings for %s. "
                                   "Enter them below; your provider’s help pages list them."),
                                 address_domain (address));
      show_error (self, message);
      g_free (self->return_page);
      self->return_page = g_strdup ("manual");
      show_manual_with_guesses (self);
      return;
    }

  if (found->incoming->len == 0 || found->outgoing->len == 0)
    {
      g_autofree char *address = get_address (self);
      g_autofree char *message =
        g_strdup_printf (_("Hongyan found only part of the settings for %s. Complete them below."),
                         address_domain (address));

      show_manual_with_guesses (self);
      if (found->incoming->len > 0)
        fill_manual (self, g_ptr_array_index (found->incoming, 0),
                     g_ptr_array_index (found->outgoing->len > 0 ? found->outgoing : found->incoming, 0));
      show_error (self, message);
      return;
    }

  g_clear_pointer (&self->incoming, hy_server_config_free);
  g_clear_pointer (&self->outgoing, hy_server_config_free);
  self->incoming = hy_server_config_copy (g_ptr_array_index (found->incoming, 0));
  self->outgoing = hy_server_config_copy (g_ptr_array_index (found->outgoing, 0));
  show_summary (self, found);
}

static void
on_continue_clicked (HyAccountAssistant *self)
{
  g_autofree char *address = get_address (self);
  g_autofree char *label = NULL;

  if (!gtk_widget_get_sensitive (self->continue_button) || self->busy)
    return;

  show_error (self, NULL);
  label = g_strdup_printf (_("Looking up the settings for %s…"), address_domain (address));
  gtk_label_set_text (self->lookup_label, label);
  set_page (self, "lookup");

  if (self->autoconfig == NULL)
    self->autoconfig = hy_autoconfig_new ();
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  hy_autoconfig_lookup_async (self->autoconfig, address, self->cancellable,
                              on_lookup_done, g_object_ref (self));
}

static void
on_cancel_lookup_clicked (HyAccountAssistant *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_page (self, "start");
}

static void
on_manual_clicked (HyAccountAssistant *self)
{
  show_error (self, NULL);
  g_free (self->return_page);
  self->return_page = g_strdup ("manual");
  show_manual_with_guesses (self);
}

static void
on_edit_clicked (HyAccountAssistant *self)
{
  show_error (self, NULL);
  g_free (self->return_page);
  self->return_page = g_strdup ("manual");
  fill_manual (self, self->incoming, self->outgoing);
  set_page (self, "manual");
}

static void
on_back_clicked (HyAccountAssistant *self)
{
  if (self->busy)
    return;
  show_error (self, NULL);
  set_page (self, "start");
}

static void
on_done_clicked (HyAccountAssistant *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

/* ---- GObject ------------------------------------------------------------ */

HyAccountAssistant *
hy_account_assistant_new (GtkWindow         *parent,
                          HyAccountManager  *manager,
                          HyCertificatePins *pins)
{
  HyAccountAssistant *self;

  g_return_val_if_fail (HY_IS_ACCOUNT_MANAGER (manager), NULL);
  g_return_val_if_fail (pins == NULL || HY_IS_CERTIFICATE_PINS (pins), NULL);

  self = g_object_new (HY_TYPE_ACCOUNT_ASSISTANT,
                       "transient-for", parent,
                       NULL);
  self->manager = g_object_ref (manager);
  self->pins = pins != NULL ? g_object_ref (pins) : NULL;
  return self;
}

void
hy_account_assistant_set_autoconfig (HyAccountAssistant *self,
                                     HyAutoconfig       *autoconfig)
{
  g_return_if_fail (HY_IS_ACCOUNT_ASSISTANT (self));
  g_return_if_fail (HY_IS_AUTOCONFIG (autoconfig));

  g_set_object (&self->autoconfig, autoconfig);
}

void
hy_account_assistant_set_ca_file (HyAccountAssistant *self,
                                  const char         *ca_file)
{
  g_return_if_fail (HY_IS_ACCOUNT_ASSISTANT (self));

  hy_account_tester_set_ca_file (self->tester, ca_file);
}

void
hy_account_assistant_set_sync_window_days (HyAccountAssistant *self,
                                           guint               days)
{
  g_return_if_fail (HY_IS_ACCOUNT_ASSISTANT (self));

  self->have_sync_window = TRUE;
  self->sync_window_days = days;
}

const char *
hy_account_assistant_get_page (HyAccountAssistant *self)
{
  g_return_val_if_fail (HY_IS_ACCOUNT_ASSISTANT (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

static gboolean
hy_account_assistant_close_request (GtkWindow *window)
{
  HyAccountAssistant *self = HY_ACCOUNT_ASSISTANT (window);

  /* Stop what runs; nothing is saved unless the test passed. */
  g_cancellable_cancel (self->cancellable);
  return GTK_WINDOW_CLASS (hy_account_assistant_parent_class)->close_request (window);
}

static void
hy_account_assistant_dispose (GObject *object)
{
  HyAccountAssistant *self = HY_ACCOUNT_ASSISTANT (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), HY_TYPE_ACCOUNT_ASSISTANT);
  g_clear_object (&self->manager);
  g_clear_object (&self->pins);
  g_clear_object (&self->autoconfig);
  g_clear_object (&self->tester);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->pending);

  G_OBJECT_CLASS (hy_account_assistant_parent_class)->dispose (object);
}

static void
hy_account_assistant_finalize (GObject *object)
{
  HyAccountAssistant *self = HY_ACCOUNT_ASSISTANT (object);

  g_clear_pointer (&self->incoming, hy_server_config_free);
  g_clear_pointer (&self->outgoing, hy_server_config_free);
  g_clear_pointer (&self->trusted, g_hash_table_unref);
  g_clear_pointer (&self->return_page, g_free);

  G_OBJECT_CLASS (hy_account_assistant_parent_class)->finalize (object);
}

static void
hy_account_assistant_class_init (HyAccountAssistantClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = hy_account_assistant_dispose;
  object_class->finalize = hy_account_assistant_finalize;
  window_class->close_request = hy_account_assistant_close_request;

  /**
   * HyAccountAssistant::account-added:
   * @account: the new account
   *
   * The servers accepted the user's sign-in, the account is saved and its
   * password is in the keyring: its first sync can start.
   */
  signals[SIGNAL_ACCOUNT_ADDED] =
    g_signal_new ("account-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, HY_TYPE_ACCOUNT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hongyan/Hongyan/ui/hy-account-assistant.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, HyAccountAssistant, name)
  CHILD (back_button);
  CHILD (error_revealer);
  CHILD (error_label);
  CHILD (stack);
  CHILD (name_row);
  CHILD (address_row);
  CHILD (password_row);
  CHILD (continue_button);
  CHILD (manual_button);
  CHILD (lookup_spinner);
  CHILD (lookup_label);
  CHILD (summary_title);
  CHILD (summary_source);
  CHILD (incoming_row);
  CHILD (outgoing_row);
  CHILD (incoming_status);
  CHILD (outgoing_status);
  CHILD (add_button);
  CHILD (edit_button);
  CHILD (in_protocol_row);
  CHILD (in_host_row);
  CHILD (in_security_row);
  CHILD (in_port_spin);
  CHILD (in_user_row);
  CHILD (in_auth_row);
  CHILD (out_host_row);
  CHILD (out_security_row);
  CHILD (out_port_spin);
  CHILD (out_user_row);
  CHILD (out_auth_row);
  CHILD (insecure_warning);
  CHILD (manual_add_button);
  CHILD (done_page);
  CHILD (test_box);
  CHILD (test_spinner);
  CHILD (test_label);
#undef CHILD
  gtk_widget_class_bind_template_callback (widget_class, on_page_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_start_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_continue_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_manual_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_lookup_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_add_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_edit_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_manual_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_manual_security_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_manual_add_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_done_clicked);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
hy_account_assistant_init (HyAccountAssistant *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->tester = hy_account_tester_new ();
  self->cancellable = g_cancellable_new ();
  self->trusted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->return_page = g_strdup ("start");
  on_start_changed (self);
  on_page_changed (self);
}
