/* hy-pop3-client.h — POP3 client: CAPA, STLS, login, listing, streamed retrieval
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "net/hy-connection.h"
#include "pop3/hy-pop3-response.h"

G_BEGIN_DECLS

#define HY_TYPE_POP3_CLIENT (hy_pop3_client_get_type ())
G_DECLARE_FINAL_TYPE (HyPop3Client, hy_pop3_client, HY, POP3_CLIENT, GObject)

/*
 * Use: hy_pop3_client_new() over an unconnected HyConnection; connect (greeting,
 * CAPA, and on a STARTTLS connection STLS and CAPA again: nothing learned before
 * TLS is kept, not even the APOP timestamp); authenticate; then STAT, LIST, UIDL,
 * RETR, TOP, DELE, RSET, NOOP; QUIT commits deletions.  One operation at a time.
 *
 * Login order: SASL (best mechanism from the SASL capability), then APOP on an
 * unencrypted connection whose greeting offers it, then USER/PASS.  No secret is
 * sent on an unencrypted connection unless plaintext authentication was allowed.
 */

HyPop3Client *hy_pop3_client_new               (HyConnection        *connection);
HyConnection *hy_pop3_client_get_connection    (HyPop3Client        *self);
GHashTable   *hy_pop3_client_get_capabilities  (HyPop3Client        *self);
gboolean      hy_pop3_client_has_capability    (HyPop3Client        *self,
                                                const char          *name);

void          hy_pop3_client_connect_async     (HyPop3Client        *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean      hy_pop3_client_connect_finish    (HyPop3Client        *self,
                                                GAsyncResult        *result,
                                                GError             **error);

void          hy_pop3_client_authenticate_async  (HyPop3Client        *self,
                                                  const char          *user,
                                                  const char          *secret,
                                                  gboolean             secret_is_oauth_token,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean      hy_pop3_client_authenticate_finish (HyPop3Client        *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

void          hy_pop3_client_stat_async        (HyPop3Client        *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean      hy_pop3_client_stat_finish       (HyPop3Client        *self,
                                                GAsyncResult        *result,
                                                guint               *count,
                                                guint64             *size,
                                                GError             **error);

void          hy_pop3_client_list_async        (HyPop3Client        *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
GPtrArray    *hy_pop3_client_list_finish       (HyPop3Client        *self,
                                                GAsyncResult        *result,
                                                GError             **error);
void          hy_pop3_client_uidl_async        (HyPop3Client        *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
GPtrArray    *hy_pop3_client_uidl_finish       (HyPop3Client        *self,
                                                GAsyncResult        *result,
                                                GError             **error);

void          hy_pop3_client_retr_async        (HyPop3Client        *self,
                                                guint                number,
                                                GOutputStream       *output,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
void          hy_pop3_client_top_async         (HyPop3Client        *self,
                                                guint                number,
                                                guint                lines,
                                                GOutputStream       *output,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean      hy_pop3_client_retr_finish       (HyPop3Client        *self,
                                                GAsyncResult        *result,
                                                guint64             *size,
                                                GError             **error);

void          hy_pop3_client_dele_async        (HyPop3Client        *self,
                                                const guint         *numbers,
                                                guint                n_numbers,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean      hy_pop3_client_dele_finish       (HyPop3Client        *self,
                                                GAsyncResult        *result,
                                                GError             **error);

void          hy_pop3_client_rset_async        (HyPop3Client        *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
void          hy_pop3_client_noop_async        (HyPop3Client        *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean      hy_pop3_client_simple_finish     (HyPop3Client        *self,
                                                GAsyncResult        *result,
                                                GError             **error);

void          hy_pop3_client_quit_async        (HyPop3Client        *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean      hy_pop3_client_quit_finish       (HyPop3Client        *self,
                                                GAsyncResult        *result,
                                                GError             **error);

G_END_DECLS
