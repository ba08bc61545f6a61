/* hy-test-util.c — scaffolding shared by the C tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <stdlib.h>

#include "hy-test-util.h"

/* Returns TRUE (and marks the test skipped) when the test mail stack is
 * not running; fails hard instead when HY_REQUIRE_MAILSTACK=1. */
gboolean
hy_test_skip_without_mailstack (void)
{
  if (g_getenv ("HY_TEST_HOST") != NULL)
    return FALSE;
  if (g_strcmp0 (g_getenv ("HY_REQUIRE_MAILSTACK"), "1") == 0)
    g_error ("HY_REQUIRE_MAILSTACK=1 but HY_TEST_HOST is not set: run under tests/fixtures/mailstack");
  g_test_skip ("no mail stack (run under tests/fixtures/mailstack run --)");
  return TRUE;
}

/* The port the mail stack exports in the environment variable @name. */
guint16
hy_test_env_port (const char *name)
{
  return (guint16) atoi (g_getenv (name));
}

/* A GAsyncReadyCallback: keeps a reference to @result in the
 * GAsyncResult * that @user_data points to, dropping what was there. */
void
hy_test_store_result (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_clear_object (out);
  *out = g_object_ref (result);
}

/* Iterates the default main context until *@result is set; fails the test
 * after 60 seconds. */
GAsyncResult *
hy_test_wait_for (GAsyncResult **result)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (*result == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_main_context_iteration (NULL, TRUE);
    }
  return *result;
}

/* Runs what is due on the default main context without blocking on it,
 * so that waits with a deadline end even when nothing happens. */
void
hy_test_spin (void)
{
  if (!g_main_context_iteration (NULL, FALSE))
    g_usleep (2000);
}
