/* hy-password-prompter.c — asks for a password when an account's server needs one
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>

#include "hy-password-prompter.h"
#include "hy-secret-credentials.h"
#include "imap/hy-imap-error.h"
#include "pop3/hy-pop3-error.h"

struct _HyPasswordPrompter
{
  GObject         parent_instance;

  GtkApplication *application;  /* weak: the application owns the prompter */
  HyEngine       *engine;
  GHashTable     *prompts;      /* account id -> Prompt */
  guint           n_prompts;
};

G_DEFINE_FINAL_TYPE (HyPasswordPrompter, hy_password_prompter, G_TYPE_OBJECT)

enum {
  SIGNAL_PASSWORD_SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* What is going on with the password of one server of an account. */
typedef struct {
  HyPasswordPrompter *prompter;  /* weak: it owns the prompts */
  HyAccount          *account;
  gboolean            outgoing;
  HyPasswordDialog   *dialog;    /* open, or NULL */
  GCancellable       *cancellable;
  gboolean            asking;    /* looking up the keyring before showing */
  gboolean            declined;  /* the user cancelled: wait to be asked */
} Prompt;

static void
prompt_free (Prompt *prompt)
{
  g_cancellable_cancel (prompt->cancellable);
  g_clear_object (&prompt->cancellable);
  if (prompt->dialog != NULL)
    {
      g_signal_handlers_disconnect_by_data (prompt->dialog, prompt);
      gtk_window_destroy (GTK_WINDOW (prompt->dialog));
      prompt->dialog = NULL;
    }
  g_clear_object (&prompt->account);
  g_free (prompt);
}

static char *
prompt_key (HyAccount *account,
            gboolean   outgoing)
{
  return g_strconcat (hy_account_get_id (account), outgoing ? "\n/smtp" : "\n/in", NULL);
}

static Prompt *
find_prompt (HyPasswordPrompter *self,
             HyAccount          *account,
             gboolean            outgoing)
{
  g_autofree char *key = prompt_key (account, outgoing);

  return g_hash_table_lookup (self->prompts, key);
}

static Prompt *
get_prompt (HyPasswordPrompter *self,
            HyAccount          *account,
            gboolean            outgoing)
{
  Prompt *prompt = find_prompt (self, account, outgoing);

  if (prompt == NULL)
    {
      prompt = g_new0 (Prompt, 1);
      prompt->prompter = self;
      prompt->account = g_object_ref (account);
      prompt->outgoing = outgoing;
      prompt->cancellable = g_cancellable_new ();
      g_hash_table_insert (self->prompts, prompt_key (account, outgoing), prompt);
    }
  return prompt;
}

static const HyServerConfig *
prompt_server (Prompt *prompt)
{
  return prompt->outgoing ? hy_account_get_outgoing (prompt->account)
                          : hy_account_get_incoming (prompt->account);
}

gboolean
hy_password_prompter_is_password_error (const GError *error)
{
  return g_error_matches (error, HY_IMAP_ERROR, HY_IMAP_ERROR_AUTH_FAILED) ||
         g_error_matches (error, HY_POP3_ERROR, HY_POP3_ERROR_AUTH_FAILED);
}

static HyCredentials *
get_credentials (HyPasswordPrompter *self)
{
  return hy_account_manager_get_credentials (hy_engine_get_account_manager (self->engine));
}

static void
synced (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* A refused password comes back through the sync status. */
  if (!hy_engine_sync_finish (HY_ENGINE (object), result, &error))
    g_debug ("Sync after a new password failed: %s", error->message);
}

typedef struct {
  HyPasswordPrompter *prompter;
  HyAccount          *account;
  gboolean            outgoing;
  char               *password;
  gboolean            remember;
} Saving;

static void
saving_free (Saving *saving)
{
  g_clear_object (&saving->prompter);
  g_clear_object (&saving->account);
  hy_credentials_secret_free (saving->password);
  g_free (saving);
}

static void
password_stored (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Saving *saving = user_data;
  g_autoptr(GError) error = NULL;

  if (!hy_credentials_store_finish (HY_CREDENTIALS (object), result, &error))
    g_warning ("Could not keep the password of %s: %s", hy_account_get_id (saving->account), error->message);
  else
    {
      if (!saving->outgoing)
        hy_engine_sync_async (saving->prompter->engine, saving->account, NULL, synced, NULL);
      g_signal_emit (saving->prompter, signals[SIGNAL_PASSWORD_SAVED], 0, saving->account, saving->outgoing);
    }
  saving_free (saving);
}

static void
old_password_deleted (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Saving *saving = user_data;
  HyCredentials *credentials = HY_CREDENTIALS (object);
  const HyServerConfig *config = saving->outgoing ? hy_account_get_outgoing (saving->account)
                                                  : hy_account_get_incoming (saving->account);
  const char *protocol = hy_server_protocol_to_string (config->protocol);
  g_autoptr(GError) error = NULL;

  if (!hy_credentials_delete_finish (credentials, result, &error))
    g_warning ("Could not remove the old password of %s: %s", hy_account_get_id (saving->account), error->message);

  /* Not remembered: the keyring's session collection holds it in memory
   * until the user logs out.  Other stores (tests) are memory anyway. */
  if (!saving->remember && HY_IS_SECRET_CREDENTIALS (credentials))
    hy_secret_credentials_store_for_session_async (HY_SECRET_CREDENTIALS (credentials),
                                                   hy_account_get_id (saving->account), protocol,
                                                   config->host, config->user, saving->password,
                                                   NULL, password_stored, saving);
  else
    hy_credentials_store_async (credentials, hy_account_get_id (saving->account), protocol,
                                config->host, config->user, saving->password,
                                NULL, password_stored, saving);
}

static void
on_response (HyPasswordDialog *dialog,
             const char       *response,
             Prompt           *prompt)
{
  HyPasswordPrompter *self = prompt->prompter;
  const HyServerConfig *config = prompt_server (prompt);

  g_signal_handlers_disconnect_by_data (dialog, prompt);
  prompt->dialog = NULL;

  if (g_strcmp0 (response, HY_PASSWORD_DIALOG_RESPONSE_SIGN_IN) == 0 && config != NULL)
    {
      Saving *saving = g_new0 (Saving, 1);

      saving->prompter = g_object_ref (self);
      saving->account = g_object_ref (prompt->account);
      saving->outgoing = prompt->outgoing;
      saving->password = hy_password_dialog_get_password (dialog);
      saving->remember = hy_password_dialog_get_remember (dialog);
      prompt->declined = FALSE;
      /* The refused password goes, wherever it was kept. */
      hy_credentials_delete_async (get_credentials (self), hy_account_get_id (prompt->account),
                                   hy_server_protocol_to_string (config->protocol),
                                   config->host, config->user, NULL, old_password_deleted, saving);
    }
  else
    prompt->declined = TRUE;
}

static void
show_dialog (Prompt     *prompt,
             const char *problem)
{
  HyPasswordPrompter *self = prompt->prompter;
  const HyServerConfig *config = prompt_server (prompt);
  GtkWindow *parent = gtk_application_get_active_window (self->application);
  const char *name = hy_account_get_display_name (prompt->account);

  if (name == NULL || *name == '\0')
    name = hy_account_get_address (prompt->account);
  if (name == NULL)
    name = hy_account_get_id (prompt->account);
  prompt->dialog = hy_password_dialog_new (parent, name, config->host, config->user, problem);
  /* Over the window, but the window stays usable. */
  gtk_window_set_modal (GTK_WINDOW (prompt->dialog), FALSE);
  g_signal_connect (prompt->dialog, "response", G_CALLBACK (on_response), prompt);
  self->n_prompts++;
  gtk_window_present (GTK_WINDOW (prompt->dialog));
}

static void
stored_looked_up (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Prompt *prompt = user_data;
  g_autoptr(GError) error = NULL;
  char *secret = hy_credentials_lookup_finish (HY_CREDENTIALS (object), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;  /* the prompter is gone */
  prompt->asking = FALSE;
  /* No password at all needs no excuse; a refused one does. */
  show_dialog (prompt, secret != NULL ? _("The server did not accept the password.") : NULL);
  hy_credentials_secret_free (secret);
}

static void
start_asking (HyPasswordPrompter *self,
              Prompt             *prompt)
{
  const HyServerConfig *config = prompt_server (prompt);

  if (prompt->dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (prompt->dialog));
      return;
    }
  if (prompt->asking || config == NULL || config->host == NULL)
    return;
  prompt->asking = TRUE;
  hy_credentials_lookup_async (get_credentials (self), hy_account_get_id (prompt->account),
                               hy_server_protocol_to_string (config->protocol),
                               config->host, config->user, prompt->cancellable,
                               stored_looked_up, prompt);
}

static void
on_sync_status_changed (HyEngine           *engine,
                        HyAccount          *account,
                        HyPasswordPrompter *self)
{
  HySyncStatus status = hy_engine_get_sync_status (engine, account);
  Prompt *prompt;

  if (status == HY_SYNC_STATUS_IDLE)
    {
      /* Signed in: a later refusal is news and may be asked about. */
      prompt = find_prompt (self, account, FALSE);
      if (prompt != NULL)
        prompt->declined = FALSE;
      return;
    }
  if (status != HY_SYNC_STATUS_ERROR ||
      !hy_password_prompter_is_password_error (hy_engine_get_sync_error (engine, account)))
    return;

  prompt = get_prompt (self, account, FALSE);
  /* One question at a time, and none after the user said no. */
  if (prompt->declined)
    return;
  start_asking (self, prompt);
}

void
hy_password_prompter_ask (HyPasswordPrompter *self,
                          HyAccount          *account)
{
  Prompt *prompt;

  g_return_if_fail (HY_IS_PASSWORD_PROMPTER (self));
  g_return_if_fail (HY_IS_ACCOUNT (account));

  prompt = get_prompt (self, account, FALSE);
  prompt->declined = FALSE;
  start_asking (self, prompt);
}

void
hy_password_prompter_outgoing_refused (HyPasswordPrompter *self,
                                       HyAccount          *account)
{
  Prompt *prompt;

  g_return_if_fail (HY_IS_PASSWORD_PROMPTER (self));
  g_return_if_fail (HY_IS_ACCOUNT (account));

  prompt = get_prompt (self, account, TRUE);
  if (!prompt->declined)
    start_asking (self, prompt);
}

void
hy_password_prompter_outgoing_accepted (HyPasswordPrompter *self,
                                        HyAccount          *account)
{
  Prompt *prompt;

  g_return_if_fail (HY_IS_PASSWORD_PROMPTER (self));
  g_return_if_fail (HY_IS_ACCOUNT (account));

  prompt = find_prompt (self, account, TRUE);
  if (prompt != NULL)
    prompt->declined = FALSE;
}

HyPasswordDialog *
hy_password_prompter_get_dialog (HyPasswordPrompter *self,
                                 HyAccount          *account,
                                 gboolean            outgoing)
{
  Prompt *prompt;

  g_return_val_if_fail (HY_IS_PASSWORD_PROMPTER (self), NULL);
  g_return_val_if_fail (HY_IS_ACCOUNT (account), NULL);

  prompt = find_prompt (self, account, outgoing);
  return prompt != NULL ? prompt->dialog : NULL;
}

guint
hy_password_prompter_get_n_prompts (HyPasswordPrompter *self)
{
  g_return_val_if_fail (HY_IS_PASSWORD_PROMPTER (self), 0);

  return self->n_prompts;
}

static void
sign_in (GSimpleAction *action,
         GVariant      *parameter,
         gpointer       user_data)
{
  HyPasswordPrompter *self = user_data;
  HyAccount *account = hy_account_manager_find (hy_engine_get_account_manager (self->engine),
                                                g_variant_get_string (parameter, NULL));

  if (account != NULL)
    hy_password_prompter_ask (self, account);
}

static void
hy_password_prompter_dispose (GObject *object)
{
  HyPasswordPrompter *self = HY_PASSWORD_PROMPTER (object);

  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_pointer (&self->prompts, g_hash_table_unref);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (hy_password_prompter_parent_class)->dispose (object);
}

static void
hy_password_prompter_class_init (HyPasswordPrompterClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hy_password_prompter_dispose;

  /**
   * HyPasswordPrompter::password-saved:
   * @account: the account
   * @outgoing: whether it is the outgoing (SMTP) server's password
   *
   * The user typed a new password and it is stored; an incoming server is
   * synced again by the prompter itself.
   */
  signals[SIGNAL_PASSWORD_SAVED] =
    g_signal_new ("password-saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, HY_TYPE_ACCOUNT, G_TYPE_BOOLEAN);
}

static void
hy_password_prompter_init (HyPasswordPrompter *self)
{
  self->prompts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) prompt_free);
}

HyPasswordPrompter *
hy_password_prompter_new (GtkApplication *application,
                          HyEngine       *engine)
{
  g_autoptr(GSimpleAction) action = NULL;
  HyPasswordPrompter *self;

  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (HY_IS_ENGINE (engine), NULL);

  self = g_object_new (HY_TYPE_PASSWORD_PROMPTER, NULL);
  self->application = application;
  self->engine = g_object_ref (engine);
  g_signal_connect (engine, "sync-status-changed", G_CALLBACK (on_sync_status_changed), self);

  action = g_simple_action_new ("sign-in", G_VARIANT_TYPE_STRING);
  g_signal_connect_object (action, "activate", G_CALLBACK (sign_in), self, 0);
  g_action_map_add_action (G_ACTION_MAP (application), G_ACTION (action));
  return self;
}
