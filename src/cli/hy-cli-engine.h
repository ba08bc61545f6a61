/* hy-cli-engine.h — what the sub-commands that sync and change mail share: the engine, message ids
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "api/hy-engine.h"

G_BEGIN_DECLS

typedef struct {
  HyAccountManager *manager;
  HyEngine         *engine;
  HyAccount        *account;   /* the account picked, or NULL for all */
} HyCliEngine;

/* Loads the accounts and their stores; picks the account named by @key
 * (or the only one when @need_account).  FALSE after printing an error. */
gboolean hy_cli_engine_open    (HyCliEngine  *cli,
                                const char   *key,
                                gboolean      need_account,
                                const char   *ca_file);
void     hy_cli_engine_clear   (HyCliEngine  *cli);
/* The store ids of @keys (ROWIDs, or Message-IDs with or without angle
 * brackets); NULL after printing which one is unknown. */
GArray  *hy_cli_engine_resolve (HyCliEngine  *cli,
                                char * const *keys,
                                int           n_keys);
/* Hands the queued changes to the server with one sync pass.  When the
 * server cannot be reached they stay queued: says so on stderr and
 * returns success. */
int      hy_cli_engine_push    (HyCliEngine  *cli);
/* The exit status and message for a failed sync of @account. */
int      hy_cli_engine_report_sync_error (HyAccount    *account,
                                          const GError *error);

G_END_DECLS
