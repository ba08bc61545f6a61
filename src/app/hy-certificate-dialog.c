/* hy-certificate-dialog.c — explains a server certificate problem and offers to trust it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>

#include "hy-certificate-dialog.h"
#include "net/hy-connection.h"

struct _HyCertificateDialog
{
  AdwMessageDialog  parent_instance;

  char             *fingerprint;
};

G_DEFINE_FINAL_TYPE (HyCertificateDialog, hy_certificate_dialog, ADW_TYPE_MESSAGE_DIALOG)

static void
hy_certificate_dialog_finalize (GObject *object)
{
  HyCertificateDialog *self = HY_CERTIFICATE_DIALOG (object);

  g_clear_pointer (&self->fingerprint, g_free);

  G_OBJECT_CLASS (hy_certificate_dialog_parent_class)->finalize (object);
}

static void
hy_certificate_dialog_class_init (HyCertificateDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hy_certificate_dialog_finalize;
}

static void
hy_certificate_dialog_init (HyCertificateDialog *self)
{
}

char *
hy_certificate_dialog_describe_problems (GTlsCertificateFlags problems)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const struct {
    GTlsCertificateFlags flag;
    const char *text;
  } reasons[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA,
      N_("It is not signed by an authority your computer trusts; it may be self-signed.") },
    { G_TLS_CERTIFICATE_BAD_IDENTITY,
      N_("It was issued for a different server name.") },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED,
      N_("It is not valid yet (check your computer’s clock).") },
    { G_TLS_CERTIFICATE_EXPIRED, N_("It has expired.") },
    { G_TLS_CERTIFICATE_REVOKED, N_("It has been revoked by its issuer.") },
    { G_TLS_CERTIFICATE_INSECURE, N_("It uses insecure cryptography.") },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, N_("It could not be checked.") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    {
      if ((problems & reasons[i].flag) == 0)
        continue;
      if (out->len > 0)
        g_string_append_c (out, '\n');
      g_string_append_printf (out, "• %s", _(reasons[i].text));
    }
  if (out->len == 0)
    g_string_append_printf (out, "• %s", _("It was rejected."));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
format_date (GDateTime *date)
{
  g_autoptr(GDateTime) local = NULL;

  if (date == NULL)
    return g_strdup (_("Unknown"));
  local = g_date_time_to_local (date);
  /* Translators: a date as in "12 March 2027" */
  return g_date_time_format (local, _("%-d %B %Y"));
}

/* "AB:CD:…" in two lines of 16 bytes, easy to compare with another source. */
static char *
format_fingerprint (const char *hex)
{
  g_autoptr(GString) out = g_string_new (NULL);
  gsize len = strlen (hex);

  for (gsize i = 0; i + 1 < len; i += 2)
    {
      if (i > 0)
        g_string_append_c (out, i == len / 2 ? '\n' : ':');
      g_string_append_c (out, g_ascii_toupper (hex[i]));
      g_string_append_c (out, g_ascii_toupper (hex[i + 1]));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* A caption above its value, so that long names and the fingerprint keep
 * the whole width of the dialog. */
static GtkWidget *
detail_row (const char *title,
            const char *value,
            gboolean    monospace)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *caption = gtk_label_new (title);
  GtkWidget *label = gtk_label_new (value);

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  gtk_label_set_xalign (GTK_LABEL (caption), 0.0);
  gtk_widget_add_css_class (caption, "caption-heading");
  gtk_widget_add_css_class (caption, "dim-label");
  gtk_box_append (GTK_BOX (box), caption);

  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  if (monospace)
    gtk_widget_add_css_class (label, "monospace");
  gtk_accessible_update_relation (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  caption, NULL, -1);
  gtk_box_append (GTK_BOX (box), label);

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  return row;
}

HyCertificateDialog *
hy_certificate_dialog_new (GtkWindow            *parent,
                           const char           *host,
                           guint16               port,
                           GTlsCertificate      *certificate,
                           GTlsCertificateFlags  problems)
{
  HyCertificateDialog *self;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  g_autofree char *reasons = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *issuer = NULL;
  g_autoptr(GDateTime) not_before = NULL;
  g_autoptr(GDateTime) not_after = NULL;
  g_autofree char *valid_from = NULL;
  g_autofree char *valid_until = NULL;
  g_autofree char *validity = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *server = NULL;
  GtkWidget *box;
  GtkWidget *problems_label;
  GtkWidget *list;

  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  self = g_object_new (HY_TYPE_CERTIFICATE_DIALOG,
                       "transient-for", parent,
                       "modal", TRUE,
                       NULL);
  self->fingerprint = hy_certificate_get_sha256 (certificate);

  heading = g_strdup_printf (_("Cannot Verify %s"), host);
  body = g_strdup (_("Hongyan cannot confirm that this server is who it claims to be. "
                     "Someone may be trying to read your mail or your password. "
                     "Trust the certificate only if you know the server uses it, for example "
                     "because its administrator gave you the fingerprint below."));
  adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (self), heading);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), body);

  g_object_get (certificate,
                "subject-name", &subject,
                "issuer-name", &issuer,
                "not-valid-before", &not_before,
                "not-valid-after", &not_after,
                NULL);
  valid_from = format_date (not_before);
  valid_until = format_date (not_after);
  /* Translators: the validity of a certificate, "1 March 2026 to 31 March 2026" */
  validity = g_strdup_printf (_("%s to %s"), valid_from, valid_until);
  fingerprint = format_fingerprint (self->fingerprint != NULL ? self->fingerprint : "");
  server = g_strdup_printf ("%s:%u", host, port);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);

  reasons = hy_certificate_dialog_describe_problems (problems);
  problems_label = gtk_label_new (reasons);
  gtk_label_set_wrap (GTK_LABEL (problems_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (problems_label), 0.0);
  gtk_widget_add_css_class (problems_label, "error");
  gtk_box_append (GTK_BOX (box), problems_label);

  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_list_box_append (GTK_LIST_BOX (list), detail_row (_("Server"), server, FALSE));
  gtk_list_box_append (GTK_LIST_BOX (list),
                       detail_row (_("Issued to"), subject != NULL ? subject : _("Unknown"), FALSE));
  gtk_list_box_append (GTK_LIST_BOX (list),
                       detail_row (_("Issued by"), issuer != NULL ? issuer : _("Unknown"), FALSE));
  gtk_list_box_append (GTK_LIST_BOX (list), detail_row (_("Valid"), validity, FALSE));
  gtk_list_box_append (GTK_LIST_BOX (list), detail_row (_("SHA-256 Fingerprint"), fingerprint, TRUE));
  gtk_box_append (GTK_BOX (box), list);

  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (self), box);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (self),
                                    HY_CERTIFICATE_DIALOG_RESPONSE_CANCEL, _("_Cancel"),
                                    HY_CERTIFICATE_DIALOG_RESPONSE_TRUST, _("_Trust This Certificate"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (self),
                                              HY_CERTIFICATE_DIALOG_RESPONSE_TRUST,
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (self),
                                           HY_CERTIFICATE_DIALOG_RESPONSE_CANCEL);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (self),
                                         HY_CERTIFICATE_DIALOG_RESPONSE_CANCEL);
  return self;
}

const char *
hy_certificate_dialog_get_fingerprint (HyCertificateDialog *self)
{
  g_return_val_if_fail (HY_IS_CERTIFICATE_DIALOG (self), NULL);

  return self->fingerprint;
}
