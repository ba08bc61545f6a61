/* hy-account.c — one mail account's settings (no secrets), saved as a key file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-account"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "account/hy-account.h"
#include "account/hy-account-error.h"

#define DEFAULT_SYNC_WINDOW_DAYS 90

struct _HyAccount {
  GObject          parent_instance;

  char            *id;
  char            *display_name;
  GPtrArray       *identities;
  HyServerConfig  *incoming;
  HyServerConfig  *outgoing;
  char            *role_folders[HY_FOLDER_ROLE_LAST];
  gboolean         server_saves_sent;
  gboolean         pop3_leave_on_server;
  guint            pop3_delete_after_days;
  guint            sync_window_days;
};

G_DEFINE_FINAL_TYPE (HyAccount, hy_account, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_DISPLAY_NAME,
  N_PROPS
};

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
hy_account_finalize (GObject *object)
{
  HyAccount *self = HY_ACCOUNT (object);

  g_free (self->id);
  g_free (self->display_name);
  g_ptr_array_unref (self->identities);
  g_clear_pointer (&self->incoming, hy_server_config_free);
  g_clear_pointer (&self->outgoing, hy_server_config_free);
  for (guint i = 0; i < HY_FOLDER_ROLE_LAST; i++)
    g_free (self->role_folders[i]);

  G_OBJECT_CLASS (hy_account_parent_class)->finalize (object);
}

static void
hy_account_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  HyAccount *self = HY_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hy_account_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  HyAccount *self = HY_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_ID:
      self->id = g_value_dup_string (value);
      break;
    case PROP_DISPLAY_NAME:
      hy_account_set_display_name (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hy_account_class_init (HyAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hy_account_finalize;
  object_class->get_property = hy_account_get_property;
  object_class->set_property = hy_account_set_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DISPLAY_NAME] =
    g_param_spec_string ("display-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HyAccount::changed:
   *
   * Emitted after any setting changed, and by
   * hy_account_secrets_changed() when a password did.
   */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hy_account_init (HyAccount *self)
{
  self->identities = g_ptr_array_new_with_free_func ((GDestroyNotify) hy_identity_free);
  self->pop3_leave_on_server = TRUE;
  self->sync_window_days = DEFAULT_SYNC_WINDOW_DAYS;
}

/* Replaces *@field by a copy of @value; TRUE if it changed. */
static gboolean
set_string (char       **field,
            const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
changed (HyAccount *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

HyAccount *
hy_account_new (const char *id)
{
  g_return_val_if_fail (id != NULL && *id != '\0', NULL);

  return g_object_new (HY_TYPE_ACCOUNT, "id", id, NULL);
}

/* Key file layout:
 *
 *   [Account]      Name, ServerSavesSent, SyncWindowDays
 *   [Identity N]   Name, Address, Signature (N from 0)
 *   [Incoming]     Protocol, Host, Port, Security, User, Auth
 *   [Outgoing]     the same
 *   [POP3]         LeaveOnServer, DeleteAfterDays
 *   [Folders]      sent=…, drafts=…, trash=…, archive=…, junk=…
 */

static HyServerConfig *
server_from_key_file (GKeyFile    *key_file,
                      const char  *group,
                      GError     **error)
{
  g_autofree char *protocol = NULL;
  g_autofree char *security = NULL;
  g_autofree char *host = NULL;
  g_autofree char *user = NULL;
  HyServerProtocol proto;
  HyServerSecurity sec;
  HyServerConfig *config;
  int port;

  if (!g_key_file_has_group (key_file, group))
    return NULL;
  protocol = g_key_file_get_string (key_file, group, "Protocol", NULL);
  security = g_key_file_get_string (key_file, group, "Security", NULL);
  host = g_key_file_get_string (key_file, group, "Host", NULL);
  user = g_key_file_get_string (key_file, group, "User", NULL);
  port = g_key_file_get_integer (key_file, group, "Port", NULL);
  if (!hy_server_protocol_from_string (protocol, &proto))
    {
      g_set_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_INVALID,
                   _ ("[%s] has no valid Protocol (imap, pop3 or smtp)"), group);
      return NULL;
    }
  if (security == NULL)
    sec = HY_SERVER_SECURITY_TLS;
  else if (!hy_server_security_from_string (security, &sec))
    {
      g_set_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_INVALID,
                   _ ("[%s] has an unknown Security “%s” (use tls, starttls or none)"), group, security);
      return NULL;
    }
  if (port < 0 || port > 65535)
    {
      g_set_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_INVALID,
                   _ ("[%s] has an invalid Port %d"), group, port);
      return NULL;
    }
  config = hy_server_config_new (proto, host, port, sec, user);
  config->auth_mechanism = g_key_file_get_string (key_file, group, "Auth", NULL);
  return config;
}

static void
server_to_key_file (GKeyFile             *key_file,
                    const char           *group,
                    const HyServerConfig *config)
{
  if (config == NULL)
    return;
  g_key_file_set_string (key_file, group, "Protocol", hy_server_protocol_to_string (config->protocol));
  g_key_file_set_string (key_file, group, "Host", config->host ? config->host : "");
  g_key_file_set_integer (key_file, group, "Port", config->port);
  g_key_file_set_string (key_file, group, "Security", hy_server_security_to_string (config->security));
  g_key_file_set_string (key_file, group, "User", config->user ? config->user : "");
  if (config->auth_mechanism != NULL)
    g_key_file_set_string (key_file, group, "Auth", config->auth_mechanism);
}

HyAccount *
hy_account_new_from_key_file (const char  *id,
                              GKeyFile    *key_file,
                              GError     **error)
{
  g_autoptr(HyAccount) self = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (key_file != NULL, NULL);

  if (!g_key_file_has_group (key_file, "Account"))
    {
      g_set_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_INVALID,
                   _ ("The settings of account “%s” have no [Account] group"), id);
      return NULL;
    }

  self = hy_account_new (id);
  self->display_name = g_key_file_get_string (key_file, "Account", "Name", NULL);
  self->server_saves_sent = g_key_file_get_boolean (key_file, "Account", "ServerSavesSent", NULL);
  if (g_key_file_has_key (key_file, "Account", "SyncWindowDays", NULL))
    self->sync_window_days = MAX (0, g_key_file_get_integer (key_file, "Account", "SyncWindowDays", NULL));

  for (guint i = 0; ; i++)
    {
      g_autofree char *group = g_strdup_printf ("Identity %u", i);
      g_autofree char *name = NULL;
      g_autofree char *address = NULL;
      g_autofree char *signature = NULL;

      if (!g_key_file_has_group (key_file, group))
        break;
      name = g_key_file_get_string (key_file, group, "Name", NULL);
      address = g_key_file_get_string (key_file, group, "Address", NULL);
      signature = g_key_file_get_string (key_file, group, "Signature", NULL);
      if (address == NULL || *address == '\0')
        continue;
      g_ptr_array_add (self->identities, hy_identity_new (name, address, signature));
    }

  self->incoming = server_from_key_file (key_file, "Incoming", &local_error);
  if (local_error == NULL)
    self->outgoing = server_from_key_file (key_file, "Outgoing", &local_error);
  if (local_error != NULL)
    {
      g_propagate_prefixed_error (error, local_error, _ ("Account “%s”: "), id);
      return NULL;
    }

  if (g_key_file_has_group (key_file, "POP3"))
    {
      if (g_key_file_has_key (key_file, "POP3", "LeaveOnServer", NULL))
        self->pop3_leave_on_server = g_key_file_get_boolean (key_file, "POP3", "LeaveOnServer", NULL);
      self->pop3_delete_after_days = MAX (0, g_key_file_get_integer (key_file, "POP3", "DeleteAfterDays", NULL));
    }

  for (guint role = 1; role < HY_FOLDER_ROLE_LAST; role++)
    self->role_folders[role] = g_key_file_get_string (key_file, "Folders",
                                                      hy_folder_role_to_string (role), NULL);

  return g_steal_pointer (&self);
}

GKeyFile *
hy_account_to_key_file (HyAccount *self)
{
  GKeyFile *key_file;

  g_return_val_if_fail (HY_IS_ACCOUNT (self), NULL);

  key_file = g_key_file_new ();
  g_key_file_set_string (key_file, "Account", "Name", self->display_name ? self->display_name : "");
  g_key_file_set_boolean (key_file, "Account", "ServerSavesSent", self->server_saves_sent);
  g_key_file_set_integer (key_file, "Account", "SyncWindowDays", self->sync_window_days);

  for (guint i = 0; i < self->identities->len; i++)
    {
      HyIdentity *identity = g_ptr_array_index (self->identities, i);
      g_autofree char *group = g_strdup_printf ("Identity %u", i);

      g_key_file_set_string (key_file, group, "Name", identity->name ? identity->name : "");
      g_key_file_set_string (key_file, group, "Address", identity->address);
      if (identity->signature != NULL)
        g_key_file_set_string (key_file, group, "Signature", identity->signature);
    }

  server_to_key_file (key_file, "Incoming", self->incoming);
  server_to_key_file (key_file, "Outgoing", self->outgoing);

  if (self->incoming != NULL && self->incoming->protocol == HY_SERVER_PROTOCOL_POP3)
    {
      g_key_file_set_boolean (key_file, "POP3", "LeaveOnServer", self->pop3_leave_on_server);
      g_key_file_set_integer (key_file, "POP3", "DeleteAfterDays", self->pop3_delete_after_days);
    }

  for (guint role = 1; role < HY_FOLDER_ROLE_LAST; role++)
    if (self->role_folders[role] != NULL)
      g_key_file_set_string (key_file, "Folders", hy_folder_role_to_string (role), self->role_folders[role]);

  return key_file;
}

static gboolean
validate_server (const HyServerConfig  *config,
                 const char            *what,
                 GError               **error)
{
  if (config == NULL)
    {
      g_set_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_INVALID, _ ("The account has no %s server"), what);
      return FALSE;
    }
  if (config->host == NULL || *config->host == '\0' || strpbrk (config->host, " \t/") != NULL)
    {
      g_set_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_INVALID,
                   _ ("The %s server needs a host name"), what);
      return FALSE;
    }
  if (config->port == 0)
    {
      g_set_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_INVALID,
                   _ ("The %s server %s needs a port"), what, config->host);
      return FALSE;
    }
  return TRUE;
}

gboolean
hy_account_validate (HyAccount  *self,
                     GError    **error)
{
  g_return_val_if_fail (HY_IS_ACCOUNT (self), FALSE);

  if (self->identities->len == 0)
    {
      g_set_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_INVALID,
                   _ ("The account has no address to send from"));
      return FALSE;
    }
  /* Translators: completes “The account has no %s server” */
  if (!validate_server (self->incoming, _ ("incoming"), error)
      /* Translators: completes “The account has no %s server” */
      || !validate_server (self->outgoing, _ ("outgoing"), error))
    return FALSE;
  if (self->incoming->protocol == HY_SERVER_PROTOCOL_SMTP)
    {
      g_set_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_INVALID,
                   _ ("The incoming server must be IMAP or POP3, not SMTP"));
      return FALSE;
    }
  if (self->outgoing->protocol != HY_SERVER_PROTOCOL_SMTP)
    {
      g_set_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_INVALID,
                   _ ("The outgoing server must be SMTP"));
      return FALSE;
    }
  return TRUE;
}

const char *
hy_account_get_id (HyAccount *self)
{
  g_return_val_if_fail (HY_IS_ACCOUNT (self), NULL);

  return self->id;
}

const char *
hy_account_get_display_name (HyAccount *self)
{
  g_return_val_if_fail (HY_IS_ACCOUNT (self), NULL);

  if (self->display_name != NULL && *self->display_name != '\0')
    return self->display_name;
  if (hy_account_get_address (self) != NULL)
    return hy_account_get_address (self);
  return self->id;
}

void
hy_account_set_display_name (HyAccount  *self,
                             const char *name)
{
  g_return_if_fail (HY_IS_ACCOUNT (self));

  if (set_string (&self->display_name, name))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);
      changed (self);
    }
}

GPtrArray *
hy_account_get_identities (HyAccount *self)
{
  g_return_val_if_fail (HY_IS_ACCOUNT (self), NULL);

  return self->identities;
}

void
hy_account_add_identity (HyAccount        *self,
                         const HyIdentity *identity)
{
  g_return_if_fail (HY_IS_ACCOUNT (self));
  g_return_if_fail (identity != NULL && identity->address != NULL);

  g_ptr_array_add (self->identities, hy_identity_copy (identity));
  changed (self);
}

void
hy_account_remove_identity (HyAccount *self,
                            guint      index)
{
  g_return_if_fail (HY_IS_ACCOUNT (self));
  g_return_if_fail (index < self->identities->len);

  g_ptr_array_remove_index (self->identities, index);
  changed (self);
}

void
hy_account_secrets_changed (HyAccount *self)
{
  g_return_if_fail (HY_IS_ACCOUNT (self));

  /* Sessions and secrets kept from the old password go on ::changed. */
  changed (self);
}

void
hy_account_replace_identity (HyAccount        *self,
                             guint             index,
                             const HyIdentity *identity)
{
  HyIdentity *old;

  g_return_if_fail (HY_IS_ACCOUNT (self));
  g_return_if_fail (index < self->identities->len);
  g_return_if_fail (identity != NULL && identity->address != NULL);

  old = g_ptr_array_index (self->identities, index);
  if (g_strcmp0 (old->name, identity->name) == 0 &&
      g_strcmp0 (old->address, identity->address) == 0 &&
      g_strcmp0 (old->signature, identity->signature) == 0)
    return;
  self->identities->pdata[index] = hy_identity_copy (identity);
  hy_identity_free (old);
  changed (self);
}

const char *
hy_account_get_address (HyAccount *self)
{
  g_return_val_if_fail (HY_IS_ACCOUNT (self), NULL);

  if (self->identities->len == 0)
    return NULL;
  return ((HyIdentity *) g_ptr_array_index (self->identities, 0))->address;
}

const HyServerConfig *
hy_account_get_incoming (HyAccount *self)
{
  g_return_val_if_fail (HY_IS_ACCOUNT (self), NULL);

  return self->incoming;
}

void
hy_account_set_incoming (HyAccount            *self,
                         const HyServerConfig *config)
{
  g_return_if_fail (HY_IS_ACCOUNT (self));

  if (hy_server_config_equal (self->incoming, config))
    return;
  g_clear_pointer (&self->incoming, hy_server_config_free);
  if (config != NULL)
    self->incoming = hy_server_config_copy (config);
  changed (self);
}

const HyServerConfig *
hy_account_get_outgoing (HyAccount *self)
{
  g_return_val_if_fail (HY_IS_ACCOUNT (self), NULL);

  return self->outgoing;
}

void
hy_account_set_outgoing (HyAccount            *self,
                         const HyServerConfig *config)
{
  g_return_if_fail (HY_IS_ACCOUNT (self));

  if (hy_server_config_equal (self->outgoing, config))
    return;
  g_clear_pointer (&self->outgoing, hy_server_config_free);
  if (config != NULL)
    self->outgoing = hy_server_config_copy (config);
  changed (self);
}

const char *
hy_account_get_folder_for_role (HyAccount    *self,
                                HyFolderRole  role)
{
  g_return_val_if_fail (HY_IS_ACCOUNT (self), NULL);
  g_return_val_if_fail (role < HY_FOLDER_ROLE_LAST, NULL);

  return self->role_folders[role];
}

void
hy_account_set_folder_for_role (HyAccount    *self,
                                HyFolderRole  role,
                                const char   *folder)
{
  g_return_if_fail (HY_IS_ACCOUNT (self));
  g_return_if_fail (role > HY_FOLDER_ROLE_NONE && role < HY_FOLDER_ROLE_LAST);

  if (set_string (&self->role_folders[role], folder))
    changed (self);
}

#define BOOL_OR_UINT_ACCESSORS(type, name, field) \
  type \
  hy_account_get_##name (HyAccount *self) \
  { \
    g_return_val_if_fail (HY_IS_ACCOUNT (self), 0); \
    return self->field; \
  } \
  void \
  hy_account_set_##name (HyAccount *self, \
                         type       value) \
  { \
    g_return_if_fail (HY_IS_ACCOUNT (self)); \
    if (self->field == value) \
      return; \
    self->field = value; \
    changed (self); \
  }

BOOL_OR_UINT_ACCESSORS (gboolean, server_saves_sent, server_saves_sent)
BOOL_OR_UINT_ACCESSORS (gboolean, pop3_leave_on_server, pop3_leave_on_server)
BOOL_OR_UINT_ACCESSORS (guint, pop3_delete_after_days, pop3_delete_after_days)
BOOL_OR_UINT_ACCESSORS (guint, sync_window_days, sync_window_days)

#undef BOOL_OR_UINT_ACCESSORS
