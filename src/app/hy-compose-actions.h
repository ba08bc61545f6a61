/* hy-compose-actions.h — the application's actions that open a composer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hy-application.h"
#include "hy-composer.h"
#include "sync/hy-outbox.h"

G_BEGIN_DECLS

/* Adds app.compose, app.reply, app.reply-all, app.forward and
 * app.forward-as-attachment (the latter four take "(sx)": account id and
 * message id), app.outbox-retry and app.outbox-edit ("(sx)": account id
 * and outbox row id), app.open-draft ("(sx)": account id and draft id)
 * and app.edit-draft ("(sx)": account id and the id of a message in the
 * Drafts folder) to @app, with Ctrl+N for app.compose.  Drafts saved
 * locally go to the server whenever a sync of their account succeeds. */
void        hy_compose_actions_install      (HyApplication *app);

/* A new composer offering every identity of every account. */
HyComposer *hy_compose_actions_new_composer (HyApplication *app);

/* Opens a composer filled from a mailto: URI, or says what is wrong
 * with it in a dialog. */
void        hy_compose_actions_open_mailto  (HyApplication *app,
                                             const char    *uri);

/* The account's outbox, the one the composer sends through (made and
 * started on first use), or NULL while the account's store is not open. */
HyOutbox   *hy_compose_actions_get_outbox   (HyApplication *app,
                                             HyAccount     *account);

G_END_DECLS
