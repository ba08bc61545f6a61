/* hy-outbox-error.h — error domain of the outbox and drafts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HY_OUTBOX_ERROR (hy_outbox_error_quark ())

/**
 * HyOutboxError:
 * @HY_OUTBOX_ERROR_NOT_FOUND: no queued message or draft has this id
 * @HY_OUTBOX_ERROR_TOO_LATE: the message is already on its way (or sent):
 *   it can no longer be cancelled
 * @HY_OUTBOX_ERROR_INVALID: the message cannot be sent as it is (no
 *   sender, no recipients, not a message)
 * @HY_OUTBOX_ERROR_NO_SERVER: the account has no server for this
 * @HY_OUTBOX_ERROR_STORAGE: the outbox could not be read or written
 * @HY_OUTBOX_ERROR_BUSY: another process is sending this account's outbox
 */
typedef enum {
  HY_OUTBOX_ERROR_NOT_FOUND = 1,
  HY_OUTBOX_ERROR_TOO_LATE,
  HY_OUTBOX_ERROR_INVALID,
  HY_OUTBOX_ERROR_NO_SERVER,
  HY_OUTBOX_ERROR_STORAGE,
  HY_OUTBOX_ERROR_BUSY,
} HyOutboxError;

GQuark hy_outbox_error_quark (void);

G_END_DECLS
