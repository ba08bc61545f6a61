/* hy-folder.c — a folder of an account as front ends see it: name, role and counts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-api"

#include "config.h"

#include <string.h>

#include "api/hy-folder.h"

struct _HyFolder {
  GObject       parent_instance;

  HyAccount    *account;
  gint64        id;
  char         *name;
  char         *display_name;
  char         *delimiter;
  guint         depth;
  HyFolderRole  role;
  guint         total;
  guint         unread;
};

G_DEFINE_FINAL_TYPE (HyFolder, hy_folder, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ACCOUNT,
  PROP_ID,
  PROP_NAME,
  PROP_DISPLAY_NAME,
  PROP_DEPTH,
  PROP_ROLE,
  PROP_TOTAL,
  PROP_UNREAD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
hy_folder_finalize (GObject *object)
{
  HyFolder *self = HY_FOLDER (object);

  g_clear_object (&self->account);
  g_free (self->name);
  g_free (self->display_name);
  g_free (self->delimiter);

  G_OBJECT_CLASS (hy_folder_parent_class)->finalize (object);
}

static void
hy_folder_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  HyFolder *self = HY_FOLDER (object);

  switch (prop_id)
    {
    case PROP_ACCOUNT: g_value_set_object (value, self->account); break;
    case PROP_ID: g_value_set_int64 (value, self->id); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_DISPLAY_NAME: g_value_set_string (value, self->display_name); break;
    case PROP_DEPTH: g_value_set_uint (value, self->depth); break;
    case PROP_ROLE: g_value_set_int (value, self->role); break;
    case PROP_TOTAL: g_value_set_uint (value, self->total); break;
    case PROP_UNREAD: g_value_set_uint (value, self->unread); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hy_folder_class_init (HyFolderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = hy_folder_finalize;
  object_class->get_property = hy_folder_get_property;

  properties[PROP_ACCOUNT] = g_param_spec_object ("account", NULL, NULL, HY_TYPE_ACCOUNT, flags);
  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, flags);
  properties[PROP_DEPTH] = g_param_spec_uint ("depth", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_ROLE] = g_param_spec_int ("role", NULL, NULL, 0, HY_FOLDER_ROLE_LAST, 0, flags);
  properties[PROP_TOTAL] = g_param_spec_uint ("total", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_UNREAD] = g_param_spec_uint ("unread", NULL, NULL, 0, G_MAXUINT, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hy_folder_init (HyFolder *self)
{
}

static void
set_name (HyFolder   *self,
          const char *name,
          const char *delimiter)
{
  const char *last = name;

  g_free (self->name);
  g_free (self->delimiter);
  g_free (self->display_name);
  self->name = g_strdup (name);
  self->delimiter = g_strdup (delimiter != NULL && *delimiter != '\0' ? delimiter : NULL);
  self->depth = 0;
  if (self->delimiter != NULL)
    {
      size_t len = strlen (self->delimiter);

      for (const char *p = strstr (name, self->delimiter); p != NULL; p = strstr (p + len, self->delimiter))
        {
          /* A trailing delimiter names no further level. */
          if (p[len] == '\0')
            break;
          last = p + len;
          self->depth++;
        }
    }
  self->display_name = g_strdup (last);
}

HyFolder *
hy_folder_new_from_store (HyAccount           *account,
                          const HyStoreFolder *folder)
{
  HyFolder *self;

  g_return_val_if_fail (HY_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (folder != NULL, NULL);

  self = g_object_new (HY_TYPE_FOLDER, NULL);
  self->account = g_object_ref (account);
  self->id = folder->id;
  set_name (self, folder->name, folder->delimiter);
  self->role = folder->role;
  self->total = folder->total;
  self->unread = folder->unread;
  return self;
}

void
hy_folder_update (HyFolder            *self,
                  const HyStoreFolder *folder)
{
  g_return_if_fail (HY_IS_FOLDER (self));
  g_return_if_fail (folder != NULL);

  g_object_freeze_notify (G_OBJECT (self));
  if (g_strcmp0 (self->name, folder->name) != 0 || g_strcmp0 (self->delimiter, folder->delimiter) != 0)
    {
      guint depth = self->depth;

      set_name (self, folder->name, folder->delimiter);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);
      if (depth != self->depth)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEPTH]);
    }
  if (self->role != folder->role)
    {
      self->role = folder->role;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROLE]);
    }
  if (self->total != folder->total)
    {
      self->total = folder->total;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL]);
    }
  if (self->unread != folder->unread)
    {
      self->unread = folder->unread;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

HyAccount *
hy_folder_get_account (HyFolder *self)
{
  g_return_val_if_fail (HY_IS_FOLDER (self), NULL);
  return self->account;
}

gint64
hy_folder_get_id (HyFolder *self)
{
  g_return_val_if_fail (HY_IS_FOLDER (self), 0);
  return self->id;
}

const char *
hy_folder_get_name (HyFolder *self)
{
  g_return_val_if_fail (HY_IS_FOLDER (self), NULL);
  return self->name;
}

const char *
hy_folder_get_display_name (HyFolder *self)
{
  g_return_val_if_fail (HY_IS_FOLDER (self), NULL);
  return self->display_name;
}

const char *
hy_folder_get_delimiter (HyFolder *self)
{
  g_return_val_if_fail (HY_IS_FOLDER (self), NULL);
  return self->delimiter;
}

guint
hy_folder_get_depth (HyFolder *self)
{
  g_return_val_if_fail (HY_IS_FOLDER (self), 0);
  return self->depth;
}

HyFolderRole
hy_folder_get_role (HyFolder *self)
{
  g_return_val_if_fail (HY_IS_FOLDER (self), HY_FOLDER_ROLE_NONE);
  return self->role;
}

guint
hy_folder_get_total (HyFolder *self)
{
  g_return_val_if_fail (HY_IS_FOLDER (self), 0);
  return self->total;
}

guint
hy_folder_get_unread (HyFolder *self)
{
  g_return_val_if_fail (HY_IS_FOLDER (self), 0);
  return self->unread;
}
