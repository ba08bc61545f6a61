/* hy-message-summary.c — one row of a message list: what a list shows, nothing more
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-api"

#include "config.h"

#include <string.h>

#include "api/hy-message-summary.h"

struct _HyMessageSummary {
  GObject  parent_instance;

  gint64   id;
  gint64   folder_id;
  gint64   thread_id;
  gint64   date;
  guint32  uid;
  guint32  flags;
  gboolean has_attachment;
  char    *subject;
  char    *sender;
  char    *sender_address;
  char    *recipients;
  char    *preview;
  guint    thread_count;    /* 0: not a conversation row */
  guint    thread_unread;
  char    *participants;
  GArray  *thread_members;  /* gint64, newest first, or NULL */
};

G_DEFINE_FINAL_TYPE (HyMessageSummary, hy_message_summary, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_FLAGS,
  PROP_UNREAD,
  PROP_FLAGGED,
  PROP_HAS_ATTACHMENT,
  PROP_DATE,
  PROP_SUBJECT,
  PROP_SENDER,
  PROP_SENDER_ADDRESS,
  PROP_RECIPIENTS,
  PROP_PREVIEW,
  PROP_THREAD_COUNT,
  PROP_THREAD_UNREAD,
  PROP_PARTICIPANTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
hy_message_summary_finalize (GObject *object)
{
  HyMessageSummary *self = HY_MESSAGE_SUMMARY (object);

  g_free (self->subject);
  g_free (self->sender);
  g_free (self->sender_address);
  g_free (self->recipients);
  g_free (self->preview);
  g_free (self->participants);
  g_clear_pointer (&self->thread_members, g_array_unref);

  G_OBJECT_CLASS (hy_message_summary_parent_class)->finalize (object);
}

static void
hy_message_summary_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  HyMessageSummary *self = HY_MESSAGE_SUMMARY (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_int64 (value, self->id); break;
    case PROP_FLAGS: g_value_set_uint (value, self->flags); break;
    case PROP_UNREAD: g_value_set_boolean (value, hy_message_summary_get_unread (self)); break;
    case PROP_FLAGGED: g_value_set_boolean (value, hy_message_summary_get_flagged (self)); break;
    case PROP_HAS_ATTACHMENT: g_value_set_boolean (value, self->has_attachment); break;
    case PROP_DATE: g_value_set_int64 (value, self->date); break;
    case PROP_SUBJECT: g_value_set_string (value, self->subject); break;
    case PROP_SENDER: g_value_set_string (value, self->sender); break;
    case PROP_SENDER_ADDRESS: g_value_set_string (value, self->sender_address); break;
    case PROP_RECIPIENTS: g_value_set_string (value, self->recipients); break;
    case PROP_PREVIEW: g_value_set_string (value, self->preview); break;
    case PROP_THREAD_COUNT: g_value_set_uint (value, self->thread_count); break;
    case PROP_THREAD_UNREAD: g_value_set_uint (value, self->thread_unread); break;
    case PROP_PARTICIPANTS: g_value_set_string (value, self->participants); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hy_message_summary_class_init (HyMessageSummaryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = hy_message_summary_finalize;
  object_class->get_property = hy_message_summary_get_property;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_FLAGS] = g_param_spec_uint ("flags", NULL, NULL, 0, G_MAXUINT32, 0, flags);
  properties[PROP_UNREAD] = g_param_spec_boolean ("unread", NULL, NULL, FALSE, flags);
  properties[PROP_FLAGGED] = g_param_spec_boolean ("flagged", NULL, NULL, FALSE, flags);
  properties[PROP_HAS_ATTACHMENT] = g_param_spec_boolean ("has-attachment", NULL, NULL, FALSE, flags);
  properties[PROP_DATE] = g_param_spec_int64 ("date", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);
  properties[PROP_SUBJECT] = g_param_spec_string ("subject", NULL, NULL, NULL, flags);
  properties[PROP_SENDER] = g_param_spec_string ("sender", NULL, NULL, NULL, flags);
  properties[PROP_SENDER_ADDRESS] = g_param_spec_string ("sender-address", NULL, NULL, NULL, flags);
  properties[PROP_RECIPIENTS] = g_param_spec_string ("recipients", NULL, NULL, NULL, flags);
  properties[PROP_PREVIEW] = g_param_spec_string ("preview", NULL, NULL, NULL, flags);
  properties[PROP_THREAD_COUNT] = g_param_spec_uint ("thread-count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_THREAD_UNREAD] = g_param_spec_uint ("thread-unread", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_PARTICIPANTS] = g_param_spec_string ("participants", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hy_message_summary_init (HyMessageSummary *self)
{
}

HyMessageSummary *
hy_message_summary_new_from_row (const HyStoreSummaryRow *row)
{
  HyMessageSummary *self;

  g_return_val_if_fail (row != NULL, NULL);

  self = g_object_new (HY_TYPE_MESSAGE_SUMMARY, NULL);
  self->id = row->id;
  self->folder_id = row->folder_id;
  self->thread_id = row->thread_id;
  self->date = row->date;
  self->uid = row->uid;
  self->flags = row->flags;
  self->has_attachment = row->has_attachment;
  self->subject = g_strdup (row->subject ? row->subject : "");
  self->sender = g_strdup (row->sender_name && *row->sender_name ? row->sender_name
                           : row->sender_address ? row->sender_address : "");
  self->sender_address = g_strdup (row->sender_address ? row->sender_address : "");
  self->recipients = g_strdup (row->recipients ? row->recipients : "");
  self->preview = g_strdup (row->preview ? row->preview : "");
  self->thread_count = row->thread_count;
  self->thread_unread = row->thread_unread;
  self->participants = g_strdup (row->participants);
  if (row->thread_members != NULL && row->thread_count > 0)
    {
      self->thread_members = g_array_sized_new (FALSE, FALSE, sizeof (gint64), row->thread_count);
      g_array_append_vals (self->thread_members, row->thread_members, row->thread_count);
    }
  return self;
}

static gboolean
same_members (GArray *a,
              GArray *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return a->len == b->len && memcmp (a->data, b->data, a->len * sizeof (gint64)) == 0;
}

void
hy_message_summary_update (HyMessageSummary *self,
                           HyMessageSummary *other)
{
  guint32 old_flags;

  g_return_if_fail (HY_IS_MESSAGE_SUMMARY (self));
  g_return_if_fail (HY_IS_MESSAGE_SUMMARY (other));
  g_return_if_fail (self->id == other->id);

  if (self->flags == other->flags && self->folder_id == other->folder_id
      && self->thread_id == other->thread_id && g_strcmp0 (self->preview, other->preview) == 0
      && self->thread_count == other->thread_count && self->thread_unread == other->thread_unread
      && g_strcmp0 (self->participants, other->participants) == 0
      && same_members (self->thread_members, other->thread_members))
    return;

  g_object_freeze_notify (G_OBJECT (self));
  old_flags = self->flags;
  self->flags = other->flags;
  self->folder_id = other->folder_id;
  self->uid = other->uid;
  self->thread_id = other->thread_id;
  if (old_flags != self->flags)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FLAGS]);
      if ((old_flags ^ self->flags) & HY_STORE_FLAG_SEEN)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
      if ((old_flags ^ self->flags) & HY_STORE_FLAG_FLAGGED)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FLAGGED]);
    }
  if (g_strcmp0 (self->preview, other->preview) != 0)
    {
      g_free (self->preview);
      self->preview = g_strdup (other->preview);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PREVIEW]);
    }
  g_clear_pointer (&self->thread_members, g_array_unref);
  if (other->thread_members != NULL)
    self->thread_members = g_array_ref (other->thread_members);
  if (self->thread_count != other->thread_count)
    {
      self->thread_count = other->thread_count;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THREAD_COUNT]);
    }
  if (self->thread_unread != other->thread_unread)
    {
      self->thread_unread = other->thread_unread;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THREAD_UNREAD]);
    }
  if (g_strcmp0 (self->participants, other->participants) != 0)
    {
      g_free (self->participants);
      self->participants = g_strdup (other->participants);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PARTICIPANTS]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

#define GETTER(type, name, field, fallback) \
  type \
  hy_message_summary_get_##name (HyMessageSummary *self) \
  { \
    g_return_val_if_fail (HY_IS_MESSAGE_SUMMARY (self), fallback); \
    return self->field; \
  }

GETTER (gint64, id, id, 0)
GETTER (gint64, folder_id, folder_id, 0)
GETTER (guint32, uid, uid, 0)
GETTER (gint64, thread_id, thread_id, 0)
GETTER (guint32, flags, flags, 0)
GETTER (gboolean, has_attachment, has_attachment, FALSE)
GETTER (gint64, date, date, 0)
GETTER (const char *, subject, subject, NULL)
GETTER (const char *, sender, sender, NULL)
GETTER (const char *, sender_address, sender_address, NULL)
GETTER (const char *, recipients, recipients, NULL)
GETTER (const char *, preview, preview, NULL)
GETTER (guint, thread_count, thread_count, 0)
GETTER (guint, thread_unread, thread_unread, 0)
GETTER (const char *, participants, participants, NULL)

#undef GETTER

gboolean
hy_message_summary_get_unread (HyMessageSummary *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE_SUMMARY (self), FALSE);

  return (self->flags & HY_STORE_FLAG_SEEN) == 0;
}

gboolean
hy_message_summary_get_flagged (HyMessageSummary *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE_SUMMARY (self), FALSE);

  return (self->flags & HY_STORE_FLAG_FLAGGED) != 0;
}

const gint64 *
hy_message_summary_get_thread_members (HyMessageSummary *self,
                                       guint            *n_members)
{
  g_return_val_if_fail (HY_IS_MESSAGE_SUMMARY (self), NULL);
  g_return_val_if_fail (n_members != NULL, NULL);

  if (self->thread_members == NULL || self->thread_members->len == 0)
    {
      *n_members = 1;
      return &self->id;
    }
  *n_members = self->thread_members->len;
  return (const gint64 *) (gpointer) self->thread_members->data;
}
