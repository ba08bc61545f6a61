/* hy-test-util.h — scaffolding shared by the C tests
 *
 * Skipping without the test mail stack, ports from its environment, and
 * waiting on the main context for the result of an async call.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean      hy_test_skip_without_mailstack (void);
guint16       hy_test_env_port               (const char   *name);
void          hy_test_store_result           (GObject      *source,
                                              GAsyncResult *result,
                                              gpointer      user_data);
GAsyncResult *hy_test_wait_for               (GAsyncResult **result);
void          hy_test_spin                   (void);

/* Starts @call, which stores its result in @result through
 * hy_test_store_result(), and waits for it; a previous result is dropped. */
#define HY_TEST_CALL(call, result) G_STMT_START { g_clear_object (&(result)); call; hy_test_wait_for (&(result)); } G_STMT_END

G_END_DECLS
