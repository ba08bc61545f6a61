/* hy-message-builder.h — builds an outgoing message exactly right for the wire
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <gmime/gmime.h>

#include "hy-gmime-autoptr.h"

#include "hy-address.h"
#include "hy-message.h"

G_BEGIN_DECLS

#define HY_TYPE_MESSAGE_BUILDER (hy_message_builder_get_type ())

G_DECLARE_FINAL_TYPE (HyMessageBuilder, hy_message_builder, HY, MESSAGE_BUILDER, GObject)

typedef enum {
  HY_FORWARD_INLINE,
  HY_FORWARD_AS_ATTACHMENT,
} HyForwardMode;

HyMessageBuilder *hy_message_builder_new (void);

/* Headers. Address setters take strings such as "Name <a@example.org>"
 * (each string may hold a comma-separated list) and reject anything that
 * is not a deliverable mailbox or that contains line breaks. */
void      hy_message_builder_set_subject    (HyMessageBuilder    *self,
                                             const char          *subject);
const char *hy_message_builder_get_subject  (HyMessageBuilder    *self);
gboolean  hy_message_builder_set_from       (HyMessageBuilder    *self,
                                             const char          *address,
                                             GError             **error);
gboolean  hy_message_builder_set_to         (HyMessageBuilder    *self,
                                             const char * const  *addresses,
                                             GError             **error);
gboolean  hy_message_builder_set_cc         (HyMessageBuilder    *self,
                                             const char * const  *addresses,
                                             GError             **error);
gboolean  hy_message_builder_set_bcc        (HyMessageBuilder    *self,
                                             const char * const  *addresses,
                                             GError             **error);
gboolean  hy_message_builder_set_reply_to   (HyMessageBuilder    *self,
                                             const char * const  *addresses,
                                             GError             **error);
/* The same from parsed addresses (GPtrArray of HyAddress); copied. */
void      hy_message_builder_set_from_address (HyMessageBuilder  *self,
                                               const HyAddress   *address);
void      hy_message_builder_set_to_addresses (HyMessageBuilder  *self,
                                               GPtrArray         *addresses);
void      hy_message_builder_set_cc_addresses (HyMessageBuilder  *self,
                                               GPtrArray         *addresses);
GPtrArray *hy_message_builder_get_to        (HyMessageBuilder    *self);
GPtrArray *hy_message_builder_get_cc        (HyMessageBuilder    *self);
GPtrArray *hy_message_builder_get_bcc       (HyMessageBuilder    *self);
const HyAddress *hy_message_builder_get_from (HyMessageBuilder   *self);
/* An extra header. The name must be printable ASCII without a colon and
 * the value must not contain CR or LF; Bcc and the MIME structure headers
 * are set by the builder itself and refused here. */
gboolean  hy_message_builder_add_header     (HyMessageBuilder    *self,
                                             const char          *name,
                                             const char          *value,
                                             GError             **error);
void      hy_message_builder_set_in_reply_to (HyMessageBuilder   *self,
                                              const char         *message_id);
void      hy_message_builder_set_references (HyMessageBuilder    *self,
                                             const char * const  *message_ids);
const char *hy_message_builder_get_in_reply_to (HyMessageBuilder *self);
const char * const *hy_message_builder_get_references (HyMessageBuilder *self);
/* Defaults: now in the local time zone, and a unique id in the sender's
 * domain, both fixed at the first serialization. */
void      hy_message_builder_set_date       (HyMessageBuilder    *self,
                                             GDateTime           *date);
void      hy_message_builder_set_message_id (HyMessageBuilder    *self,
                                             const char          *message_id);
const char *hy_message_builder_get_message_id (HyMessageBuilder  *self);

/* Content, with the tree rules of Python's email.message.EmailMessage:
 * the body is text/plain; an alternative turns it into
 * multipart/alternative; an attachment wraps a non-mixed message in
 * multipart/mixed; inline parts make the HTML (or text) part
 * multipart/related. */
void      hy_message_builder_set_body       (HyMessageBuilder    *self,
                                             const char          *text);
/* The same as text/plain; format=flowed (RFC 3676, DelSp=no): long lines
 * are soft-wrapped so that every reader shows them well. */
void      hy_message_builder_set_body_flowed (HyMessageBuilder   *self,
                                              const char         *text);
const char *hy_message_builder_get_body     (HyMessageBuilder    *self);
gboolean  hy_message_builder_add_alternative (HyMessageBuilder   *self,
                                              const char         *html,
                                              GError            **error);
/* Replaces the whole content with a prepared MIME object (for example a
 * multipart/signed); attachments cannot be added to such content. */
void      hy_message_builder_set_content    (HyMessageBuilder    *self,
                                             GMimeObject         *content);
/* @content_type may be NULL (guessed); @filename may be NULL (the file's
 * name). The file is read when the message is serialized. */
gboolean  hy_message_builder_add_attachment_file  (HyMessageBuilder  *self,
                                                   GFile             *file,
                                                   const char        *content_type,
                                                   const char        *filename,
                                                   GError           **error);
gboolean  hy_message_builder_add_attachment_bytes (HyMessageBuilder  *self,
                                                   GBytes            *data,
                                                   const char        *content_type,
                                                   const char        *filename,
                                                   GError           **error);
/* Attaches a whole message as message/rfc822. */
gboolean  hy_message_builder_add_message_attachment (HyMessageBuilder *self,
                                                     GMimeMessage     *message,
                                                     GError          **error);
/* Attaches the message @raw (its bytes as received) as message/rfc822,
 * byte for byte: only line breaks become CRLF, as SMTP requires; the part
 * says 7bit or 8bit.  A message with binary content (a NUL byte, a line
 * over 998 bytes) cannot travel so and is attached as by
 * hy_message_builder_add_message_attachment(). */
gboolean  hy_message_builder_add_message_attachment_bytes (HyMessageBuilder *self,
                                                           GBytes           *raw,
                                                           GError          **error);
/* An inline part (an image the HTML shows as "cid:@content_id"). */
gboolean  hy_message_builder_add_inline_file      (HyMessageBuilder  *self,
                                                   GFile             *file,
                                                   const char        *content_type,
                                                   const char        *content_id,
                                                   GError           **error);
gboolean  hy_message_builder_add_inline_bytes     (HyMessageBuilder  *self,
                                                   GBytes            *data,
                                                   const char        *content_type,
                                                   const char        *filename,
                                                   const char        *content_id,
                                                   GError           **error);

/* The message as it goes on the wire (CRLF, 7-bit clean, no Bcc). */
GBytes   *hy_message_builder_to_bytes       (HyMessageBuilder    *self,
                                             GError             **error);
/* The same with the Bcc header kept: for the outbox, drafts and the Sent
 * copy, which must remember every recipient. Never hand these bytes to an
 * SMTP server as they are; the outbox removes Bcc before sending. */
GBytes   *hy_message_builder_to_bytes_with_bcc (HyMessageBuilder *self,
                                                GError          **error);
/* A draft: like hy_message_builder_to_bytes_with_bcc(), but a message
 * without recipients yet is fine. */
GBytes   *hy_message_builder_to_draft_bytes (HyMessageBuilder *self,
                                             GError          **error);
gboolean  hy_message_builder_write_to_file  (HyMessageBuilder    *self,
                                             GFile               *file,
                                             GCancellable        *cancellable,
                                             GError             **error);
/* To, Cc and Bcc addr-specs (IDN domains in ASCII), de-duplicated, in
 * order: what the SMTP client gives to RCPT TO. */
GStrv     hy_message_builder_get_envelope_recipients (HyMessageBuilder *self);

/* Replies and forwards. @own_addresses are the user's addr-specs: they are
 * left out of reply-all, and the first one the original was sent to
 * becomes the reply's From. */
HyMessageBuilder *hy_message_builder_new_reply   (HyMessage           *original,
                                                  gboolean             reply_all,
                                                  const char * const  *own_addresses);
HyMessageBuilder *hy_message_builder_new_forward (HyMessage           *original,
                                                  HyForwardMode        mode,
                                                  GError             **error);

G_END_DECLS
