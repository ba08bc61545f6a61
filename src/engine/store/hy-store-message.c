/* hy-store-message.c — a message's headers and state as the store keeps them (boxed)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-store"

#include "config.h"

#include "store/hy-store-message.h"

G_DEFINE_BOXED_TYPE (HyStoreMessage, hy_store_message, hy_store_message_copy, hy_store_message_free)

HyStoreMessage *
hy_store_message_new (void)
{
  return g_new0 (HyStoreMessage, 1);
}

HyStoreMessage *
hy_store_message_copy (const HyStoreMessage *message)
{
  HyStoreMessage *copy;

  g_return_val_if_fail (message != NULL, NULL);

  copy = g_memdup2 (message, sizeof *message);
  copy->keywords = g_strdup (message->keywords);
  copy->message_id = g_strdup (message->message_id);
  copy->in_reply_to = g_strdup (message->in_reply_to);
  copy->references = g_strdup (message->references);
  copy->subject = g_strdup (message->subject);
  copy->from = g_strdup (message->from);
  copy->to = g_strdup (message->to);
  copy->cc = g_strdup (message->cc);
  copy->preview = g_strdup (message->preview);
  return copy;
}

void
hy_store_message_free (HyStoreMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->keywords);
  g_free (message->message_id);
  g_free (message->in_reply_to);
  g_free (message->references);
  g_free (message->subject);
  g_free (message->from);
  g_free (message->to);
  g_free (message->cc);
  g_free (message->preview);
  g_free (message);
}
