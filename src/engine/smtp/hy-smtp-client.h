/* hy-smtp-client.h — SMTP submission client: EHLO, STARTTLS, AUTH, streamed sending
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "net/hy-connection.h"
#include "smtp/hy-smtp-reply.h"

G_BEGIN_DECLS

/**
 * HySmtpEnvelope:
 * @from: reverse path (MAIL FROM), may be "" for a bounce
 * @recipients: (element-type utf8): forward paths (RCPT TO)
 * @size: size of the message in bytes if known, else -1 (for SIZE)
 * @eight_bit: the body has 8-bit content (BODY=8BITMIME)
 * @smtputf8: addresses or headers are UTF-8 (SMTPUTF8)
 * @strip_bcc: drop Bcc header fields from what goes on the wire
 * @dsn_notify: (nullable): DSN NOTIFY value for every recipient, e.g. "FAILURE,DELAY"
 * @dsn_ret: (nullable): DSN RET value, "FULL" or "HDRS"
 * @dsn_envid: (nullable): DSN ENVID (xtext-encoded by the client)
 *
 * What one message is sent with.
 */
typedef struct {
  char      *from;
  GPtrArray *recipients;
  gint64     size;
  gboolean   eight_bit;
  gboolean   smtputf8;
  gboolean   strip_bcc;
  char      *dsn_notify;
  char      *dsn_ret;
  char      *dsn_envid;
} HySmtpEnvelope;

HySmtpEnvelope *hy_smtp_envelope_new           (const char     *from);
void            hy_smtp_envelope_add_recipient (HySmtpEnvelope *envelope,
                                                const char     *address);
void            hy_smtp_envelope_free          (HySmtpEnvelope *envelope);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HySmtpEnvelope, hy_smtp_envelope_free)

/**
 * HySmtpRecipientResult:
 * @address: the recipient
 * @reply: the server's reply to its RCPT TO
 * @accepted: whether the server accepted it
 */
typedef struct {
  char        *address;
  HySmtpReply *reply;
  gboolean     accepted;
} HySmtpRecipientResult;

/**
 * HySmtpSendResult:
 * @recipients: (element-type HySmtpRecipientResult): one per recipient, in order
 * @n_accepted: how many were accepted (the message went to those)
 * @reply: the server's final reply to the message
 */
typedef struct {
  GPtrArray   *recipients;
  guint        n_accepted;
  HySmtpReply *reply;
} HySmtpSendResult;

void            hy_smtp_send_result_free       (HySmtpSendResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HySmtpSendResult, hy_smtp_send_result_free)

#define HY_TYPE_SMTP_CLIENT (hy_smtp_client_get_type ())
G_DECLARE_FINAL_TYPE (HySmtpClient, hy_smtp_client, HY, SMTP_CLIENT, GObject)

/*
 * Use: hy_smtp_client_new() over an unconnected HyConnection; connect (greeting,
 * EHLO, STARTTLS if the connection asks for it, EHLO again); authenticate if the
 * account has credentials; send one or more messages; quit.  One operation at a
 * time.  In STARTTLS mode, a server that does not offer STARTTLS, refuses it, or
 * injects data before the handshake ends the session with a HY_NET_ERROR, and
 * nothing learned before TLS is kept.
 */

HySmtpClient   *hy_smtp_client_new             (HyConnection   *connection);
HyConnection   *hy_smtp_client_get_connection  (HySmtpClient   *self);
void            hy_smtp_client_set_helo_name   (HySmtpClient   *self,
                                                const char     *name);
GHashTable     *hy_smtp_client_get_features    (HySmtpClient   *self);
gboolean        hy_smtp_client_has_feature     (HySmtpClient   *self,
                                                const char     *name);
guint64         hy_smtp_client_get_max_size    (HySmtpClient   *self);
const char     *hy_smtp_client_get_greeting    (HySmtpClient   *self);

void            hy_smtp_client_connect_async   (HySmtpClient        *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean        hy_smtp_client_connect_finish  (HySmtpClient        *self,
                                                GAsyncResult        *result,
                                                GError             **error);

void            hy_smtp_client_authenticate_async  (HySmtpClient        *self,
                                                    const char          *user,
                                                    const char          *secret,
                                                    gboolean             secret_is_oauth_token,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean        hy_smtp_client_authenticate_finish (HySmtpClient        *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

void            hy_smtp_client_send_async      (HySmtpClient        *self,
                                                const HySmtpEnvelope *envelope,
                                                GInputStream        *message,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
HySmtpSendResult *hy_smtp_client_send_finish   (HySmtpClient        *self,
                                                GAsyncResult        *result,
                                                GError             **error);

void            hy_smtp_client_quit_async      (HySmtpClient        *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean        hy_smtp_client_quit_finish     (HySmtpClient        *self,
                                                GAsyncResult        *result,
                                                GError             **error);

G_END_DECLS
