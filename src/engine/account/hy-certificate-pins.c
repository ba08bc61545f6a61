/* hy-certificate-pins.c — certificates the user chose to trust, per account and server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-account"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <errno.h>
#include <glib/gstdio.h>

#include "account/hy-account-error.h"
#include "account/hy-certificate-pins.h"

struct _HyCertificatePins
{
  GObject   parent_instance;

  char     *path;
  GKeyFile *key_file;
};

G_DEFINE_FINAL_TYPE (HyCertificatePins, hy_certificate_pins, G_TYPE_OBJECT)

static void
hy_certificate_pins_finalize (GObject *object)
{
  HyCertificatePins *self = HY_CERTIFICATE_PINS (object);

  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->key_file, g_key_file_unref);

  G_OBJECT_CLASS (hy_certificate_pins_parent_class)->finalize (object);
}

static void
hy_certificate_pins_class_init (HyCertificatePinsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hy_certificate_pins_finalize;
}

static void
hy_certificate_pins_init (HyCertificatePins *self)
{
  self->key_file = g_key_file_new ();
}

HyCertificatePins *
hy_certificate_pins_new (const char *path)
{
  HyCertificatePins *self;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (HY_TYPE_CERTIFICATE_PINS, NULL);
  self->path = g_strdup (path);
  return self;
}

HyCertificatePins *
hy_certificate_pins_new_default (void)
{
  g_autofree char *path = g_build_filename (g_get_user_config_dir (), "hongyan",
                                            "pinned-certificates.conf", NULL);

  return hy_certificate_pins_new (path);
}

gboolean
hy_certificate_pins_load (HyCertificatePins  *self,
                          GError            **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (HY_IS_CERTIFICATE_PINS (self), FALSE);

  if (!g_key_file_load_from_file (key_file, self->path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_IO,
                   _ ("Cannot read the trusted certificates in %s: %s"),
                   self->path, local_error->message);
      return FALSE;
    }
  g_key_file_unref (self->key_file);
  self->key_file = g_steal_pointer (&key_file);
  return TRUE;
}

static char *
server_key (const HyServerConfig *server)
{
  g_autofree char *host = g_ascii_strdown (server->host, -1);

  return g_strdup_printf ("%s:%s:%u", hy_server_protocol_to_string (server->protocol),
                          host, server->port);
}

char *
hy_certificate_pins_lookup (HyCertificatePins    *self,
                            const char           *account_id,
                            const HyServerConfig *server)
{
  g_autofree char *key = NULL;
  g_autofree char *value = NULL;

  g_return_val_if_fail (HY_IS_CERTIFICATE_PINS (self), NULL);
  g_return_val_if_fail (account_id != NULL, NULL);
  g_return_val_if_fail (server != NULL && server->host != NULL, NULL);

  key = server_key (server);
  value = g_key_file_get_string (self->key_file, account_id, key, NULL);
  if (value == NULL || *value == '\0')
    return NULL;
  return g_steal_pointer (&value);
}

static gboolean
save (HyCertificatePins  *self,
      GError            **error)
{
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autoptr(GError) local_error = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_IO,
                   _ ("Cannot create %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }
  if (!g_key_file_save_to_file (self->key_file, self->path, &local_error))
    {
      g_set_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_IO,
                   _ ("Cannot save the trusted certificates in %s: %s"),
                   self->path, local_error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
hy_certificate_pins_set (HyCertificatePins     *self,
                         const char            *account_id,
                         const HyServerConfig  *server,
                         const char            *sha256,
                         GError               **error)
{
  g_autofree char *key = NULL;
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (HY_IS_CERTIFICATE_PINS (self), FALSE);
  g_return_val_if_fail (account_id != NULL, FALSE);
  g_return_val_if_fail (server != NULL && server->host != NULL, FALSE);
  g_return_val_if_fail (sha256 != NULL, FALSE);

  normalized = g_ascii_strdown (sha256, -1);
  for (const char *p = normalized; *p != '\0'; p++)
    {
      if (!g_ascii_isxdigit (*p) && *p != ':')
        {
          g_set_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_INVALID,
                       _ ("“%s” is not a SHA-256 fingerprint"), sha256);
          return FALSE;
        }
    }

  key = server_key (server);
  g_key_file_set_string (self->key_file, account_id, key, normalized);
  return save (self, error);
}

gboolean
hy_certificate_pins_remove_account (HyCertificatePins  *self,
                                    const char         *account_id,
                                    GError            **error)
{
  g_return_val_if_fail (HY_IS_CERTIFICATE_PINS (self), FALSE);
  g_return_val_if_fail (account_id != NULL, FALSE);

  if (!g_key_file_has_group (self->key_file, account_id))
    return TRUE;
  g_key_file_remove_group (self->key_file, account_id, NULL);
  return save (self, error);
}
