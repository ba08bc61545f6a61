/* hy-composer.h — the window for writing a message
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "account/hy-identity.h"
#include "hy-application.h"
#include "hy-mailto.h"
#include "mime/hy-message.h"
#include "mime/hy-message-builder.h"
#include "store/hy-store.h"

G_BEGIN_DECLS

#define HY_TYPE_COMPOSER (hy_composer_get_type ())

G_DECLARE_FINAL_TYPE (HyComposer, hy_composer, HY, COMPOSER, AdwWindow)

/* Signals:
 *  gboolean send (HyComposer *composer, HyMessageBuilder *message,
 *                 const char *account_id)
 *    The person asked to send @message (checked: recipients, forgotten
 *    attachment, size) from @account_id. A handler that takes the message
 *    (queues it) returns TRUE and the composer closes; when no handler
 *    does, the composer stays open with what was written.
 *  void save-draft (HyComposer *composer, HyMessageBuilder *message,
 *                   const char *account_id)
 *    Typing paused for a few seconds, or the person chose Save on closing:
 *    keep @message as a draft (replacing hy_composer_get_draft_id()) and
 *    give the new id back with hy_composer_set_draft_id().
 *  void discard-draft (HyComposer *composer, const char *account_id,
 *                      gint64 draft_id)
 *    The message was sent or discarded: delete the draft.
 *  gboolean size-limit-needed (HyComposer *composer, const char *account_id)
 *    Send needs @account_id's size limit; a handler that will give it
 *    (hy_composer_set_size_limit()) returns TRUE and Send waits for it. */

/* @application may be NULL for a composer outside a running application. */
HyComposer       *hy_composer_new              (HyApplication     *application);

/* Offers @identity of account @account_id in the From chooser; the first
 * one added is chosen. Its signature is put under the body. */
void              hy_composer_add_identity     (HyComposer        *self,
                                                const char        *account_id,
                                                const HyIdentity  *identity);
/* The account of the chosen identity, or NULL when there is none. */
const char       *hy_composer_get_account_id   (HyComposer        *self);

/* Fills in what a mailto: link asks for. */
void              hy_composer_apply_mailto     (HyComposer        *self,
                                                const HyMailto    *mailto);
/* Fills the fields from a reply or forward made by the engine's
 * builders; its threading headers are kept for the message sent. */
void              hy_composer_load_builder     (HyComposer        *self,
                                                HyMessageBuilder  *builder);

/* Chooses the identity with @address; FALSE when there is none. */
gboolean          hy_composer_select_from      (HyComposer        *self,
                                                const char        *address);
/* Fills everything from a message written before (a draft, an unsent
 * message taken back): recipients including Bcc, subject, text,
 * attachments and threading headers. */
void              hy_composer_load_message     (HyComposer        *self,
                                                HyMessage         *message);

void              hy_composer_set_rich_text    (HyComposer        *self,
                                                gboolean           rich);
gboolean          hy_composer_get_rich_text    (HyComposer        *self);

/* Adds a file as an attachment; it is read only when the message is
 * written out. */
void              hy_composer_add_attachment   (HyComposer        *self,
                                                GFile             *file);
/* Adds data (a pasted image) as an attachment. */
void              hy_composer_add_attachment_bytes (HyComposer    *self,
                                                    GBytes        *bytes,
                                                    const char    *content_type,
                                                    const char    *filename);
/* Attaches a whole message (forward as attachment) as message/rfc822. */
void              hy_composer_add_message_attachment (HyComposer  *self,
                                                      HyMessage   *message);
/* Puts an image (PNG, JPEG, …) into the text at the cursor, switching to
 * rich text; it is sent inline (multipart/related) while the text shows it. */
gboolean          hy_composer_insert_inline_image (HyComposer     *self,
                                                   GBytes         *bytes,
                                                   const char     *content_type,
                                                   const char     *name,
                                                   GError        **error);
/* Attaches a whole message (forward as attachment) from its bytes as
 * received: it travels byte for byte (line breaks made CRLF). */
void              hy_composer_add_forwarded_message (HyComposer   *self,
                                                     GBytes       *raw);
guint             hy_composer_get_n_attachments (HyComposer       *self);

/* The body as the person wrote it, as plain text. */
char             *hy_composer_get_body_text    (HyComposer        *self);

/* The message as it would be sent now. Fails (HY_MIME_ERROR) with a
 * message for the person when a field is not valid. */
HyMessageBuilder *hy_composer_build_message    (HyComposer        *self,
                                                GError           **error);

/* Recipient fields complete from the addresses seen in @store's mail. */
void              hy_composer_add_address_store (HyComposer       *self,
                                                 HyStore          *store);

/* The draft this composer saves into (0: none yet) and its account. */
void              hy_composer_set_draft_id     (HyComposer        *self,
                                                const char        *account_id,
                                                gint64             draft_id);
gint64            hy_composer_get_draft_id     (HyComposer        *self);

/* The largest message @account_id's outgoing server accepts (its SIZE),
 * 0 when it has none or it cannot be known; sending something larger
 * asks first.  Answers size-limit-needed, and sends if Send waited. */
void              hy_composer_set_size_limit   (HyComposer        *self,
                                                const char        *account_id,
                                                gint64             size_limit);

G_END_DECLS
