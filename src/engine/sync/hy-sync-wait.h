/* hy-sync-wait.h — waiting for an async call in a sync thread, on that thread's own main context
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The sync code runs in threads of its own and reads best as a sequence
 * of steps: each step starts an async call of a protocol client with
 * hy_sync_wait_cb and &wait->result, then hy_sync_wait() spins the
 * thread-default context (pushed by hy_sync_wait_init()) until the call
 * finished. */
typedef struct {
  GMainContext *context;
  GAsyncResult *result;
} HySyncWait;

static inline void
hy_sync_wait_init (HySyncWait *wait)
{
  wait->context = g_main_context_new ();
  wait->result = NULL;
  g_main_context_push_thread_default (wait->context);
}

static inline void
hy_sync_wait_clear (HySyncWait *wait)
{
  g_clear_object (&wait->result);
  if (wait->context != NULL)
    {
      /* Let finished operations drop what they hold. */
      while (g_main_context_iteration (wait->context, FALSE))
        ;
      g_main_context_pop_thread_default (wait->context);
      g_main_context_unref (wait->context);
      wait->context = NULL;
    }
}

static inline void
hy_sync_wait_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  HySyncWait *wait = user_data;

  g_clear_object (&wait->result);
  wait->result = g_object_ref (result);
}

/* Spins until the call finished; returns its result, valid until the
 * next call (or take it with g_steal_pointer(&wait->result)). */
static inline GAsyncResult *
hy_sync_wait (HySyncWait *wait)
{
  g_clear_object (&wait->result);
  while (wait->result == NULL)
    g_main_context_iteration (wait->context, TRUE);
  return wait->result;
}

G_END_DECLS
