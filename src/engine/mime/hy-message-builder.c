/* hy-message-builder.c — builds an outgoing message exactly right for the wire
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-mime"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <fcntl.h>
#include <string.h>

#include "hy-charset.h"
#include "hy-message-builder.h"
#include "hy-mime-error.h"
#include "hy-text-utils.h"

struct _HyMessageBuilder {
  GObject      parent_instance;

  char        *subject;
  HyAddress   *from;
  GPtrArray   *to;
  GPtrArray   *cc;
  GPtrArray   *bcc;
  GPtrArray   *reply_to;
  GPtrArray   *headers;       /* name, value, name, value, … */
  char        *in_reply_to;
  GStrv        references;
  GDateTime   *date;
  char        *message_id;
  char        *body_text;

  GMimeObject *root;          /* the content tree */
  GMimeObject *body;          /* the text/plain part, in root */
  GMimeObject *html;          /* the last text/html alternative, in root */
  gboolean     foreign_root;  /* set with set_content() */
};

G_DEFINE_FINAL_TYPE (HyMessageBuilder, hy_message_builder, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SUBJECT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
hy_message_builder_dispose (GObject *object)
{
  HyMessageBuilder *self = HY_MESSAGE_BUILDER (object);

  g_clear_object (&self->root);
  g_clear_object (&self->body);
  g_clear_object (&self->html);

  G_OBJECT_CLASS (hy_message_builder_parent_class)->dispose (object);
}

static void
hy_message_builder_finalize (GObject *object)
{
  HyMessageBuilder *self = HY_MESSAGE_BUILDER (object);

  g_free (self->subject);
  g_clear_pointer (&self->from, hy_address_free);
  g_ptr_array_unref (self->to);
  g_ptr_array_unref (self->cc);
  g_ptr_array_unref (self->bcc);
  g_ptr_array_unref (self->reply_to);
  g_ptr_array_unref (self->headers);
  g_free (self->in_reply_to);
  g_strfreev (self->references);
  g_clear_pointer (&self->date, g_date_time_unref);
  g_free (self->message_id);
  g_free (self->body_text);

  G_OBJECT_CLASS (hy_message_builder_parent_class)->finalize (object);
}

static void
hy_message_builder_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  HyMessageBuilder *self = HY_MESSAGE_BUILDER (object);

  switch (prop_id)
    {
    case PROP_SUBJECT: g_value_set_string (value, self->subject); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hy_message_builder_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  HyMessageBuilder *self = HY_MESSAGE_BUILDER (object);

  switch (prop_id)
    {
    case PROP_SUBJECT: hy_message_builder_set_subject (self, g_value_get_string (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hy_message_builder_class_init (HyMessageBuilderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hy_message_builder_dispose;
  object_class->finalize = hy_message_builder_finalize;
  object_class->get_property = hy_message_builder_get_property;
  object_class->set_property = hy_message_builder_set_property;

  properties[PROP_SUBJECT] =
    g_param_spec_string ("subject", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hy_message_builder_init (HyMessageBuilder *self)
{
  self->to = hy_address_list_new ();
  self->cc = hy_address_list_new ();
  self->bcc = hy_address_list_new ();
  self->reply_to = hy_address_list_new ();
  self->headers = g_ptr_array_new_with_free_func (g_free);
}

HyMessageBuilder *
hy_message_builder_new (void)
{
  return g_object_new (HY_TYPE_MESSAGE_BUILDER, NULL);
}

/* Headers ----------------------------------------------------------------- */

static gboolean
has_line_break (const char *s)
{
  return s != NULL && strpbrk (s, "\r\n") != NULL;
}

void
hy_message_builder_set_subject (HyMessageBuilder *self,
                                const char       *subject)
{
  g_autofree char *clean = NULL;

  g_return_if_fail (HY_IS_MESSAGE_BUILDER (self));

  /* A subject is one line: fold any line breaks a caller let through. */
  if (subject != NULL)
    {
      clean = hy_charset_make_valid (subject, -1);
      g_strdelimit (clean, "\r\n\t", ' ');
    }
  if (g_strcmp0 (clean, self->subject) == 0)
    return;
  g_free (self->subject);
  self->subject = g_steal_pointer (&clean);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUBJECT]);
}

const char *
hy_message_builder_get_subject (HyMessageBuilder *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), NULL);
  return self->subject;
}

static gboolean
valid_addr_spec (const char *addr)
{
  const char *at;

  if (addr == NULL || *addr == '\0')
    return FALSE;
  for (const char *p = addr; *p != '\0'; p++)
    if ((guchar) *p < 0x21 || *p == 0x7f || *p == '<' || *p == '>' || *p == ',' || *p == ';')
      return FALSE;
  at = strrchr (addr, '@');
  return at != NULL && at != addr && at[1] != '\0' && at[1] != '.' &&
         g_utf8_validate (addr, -1, NULL);
}

/* Parses @addresses into @out; FALSE (and nothing added) on any bad one. */
static gboolean
parse_addresses (const char * const  *addresses,
                 const char          *field,
                 GPtrArray           *out,
                 GError             **error)
{
  g_autoptr(GPtrArray) parsed = hy_address_list_new ();

  for (guint i = 0; addresses != NULL && addresses[i] != NULL; i++)
    {
      g_autoptr(InternetAddressList) list = NULL;
      g_autoptr(GPtrArray) mailboxes = NULL;

      if (has_line_break (addresses[i]) || !g_utf8_validate (addresses[i], -1, NULL))
        {
          g_set_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_ADDRESS,
                       _ ("The %s address “%s” contains a line break or invalid text"), field, addresses[i]);
          return FALSE;
        }
      list = internet_address_list_parse (NULL, addresses[i]);
      mailboxes = hy_address_list_from_gmime (list);
      if (mailboxes->len == 0)
        {
          g_set_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_ADDRESS,
                       _ ("“%s” is not an email address (%s); write it as name@example.org"),
                       addresses[i], field);
          return FALSE;
        }
      for (guint j = 0; j < mailboxes->len; j++)
        {
          HyAddress *address = g_ptr_array_index (mailboxes, j);

          if (!valid_addr_spec (hy_address_get_address (address)))
            {
              g_set_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_ADDRESS,
                           _ ("“%s” is not an email address (%s); write it as name@example.org"),
                           hy_address_get_address (address), field);
              return FALSE;
            }
          g_ptr_array_add (parsed, hy_address_copy (address));
        }
    }

  g_ptr_array_set_size (out, 0);
  for (guint i = 0; i < parsed->len; i++)
    g_ptr_array_add (out, hy_address_copy (g_ptr_array_index (parsed, i)));
  return TRUE;
}

gboolean
hy_message_builder_set_from (HyMessageBuilder  *self,
                             const char        *address,
                             GError           **error)
{
  const char *one[] = { address, NULL };
  g_autoptr(GPtrArray) parsed = hy_address_list_new ();

  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  if (!parse_addresses (one, "From", parsed, error))
    return FALSE;
  if (parsed->len != 1)
    {
      g_set_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_ADDRESS,
                   _ ("From must be exactly one address, not “%s”"), address);
      return FALSE;
    }
  hy_message_builder_set_from_address (self, g_ptr_array_index (parsed, 0));
  return TRUE;
}

void
hy_message_builder_set_from_address (HyMessageBuilder *self,
                                     const HyAddress  *address)
{
  g_return_if_fail (HY_IS_MESSAGE_BUILDER (self));

  g_clear_pointer (&self->from, hy_address_free);
  if (address != NULL)
    self->from = hy_address_copy (address);
}

const HyAddress *
hy_message_builder_get_from (HyMessageBuilder *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), NULL);
  return self->from;
}

gboolean
hy_message_builder_set_to (HyMessageBuilder    *self,
                           const char * const  *addresses,
                           GError             **error)
{
  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), FALSE);
  return parse_addresses (addresses, "To", self->to, error);
}

gboolean
hy_message_builder_set_cc (HyMessageBuilder    *self,
                           const char * const  *addresses,
                           GError             **error)
{
  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), FALSE);
  return parse_addresses (addresses, "Cc", self->cc, error);
}

gboolean
hy_message_builder_set_bcc (HyMessageBuilder    *self,
                            const char * const  *addresses,
                            GError             **error)
{
  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), FALSE);
  return parse_addresses (addresses, "Bcc", self->bcc, error);
}

gboolean
hy_message_builder_set_reply_to (HyMessageBuilder    *self,
                                 const char * const  *addresses,
                                 GError             **error)
{
  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), FALSE);
  return parse_addresses (addresses, "Reply-To", self->reply_to, error);
}

static void
copy_addresses (GPtrArray *dest,
                GPtrArray *src)
{
  g_ptr_array_set_size (dest, 0);
  for (guint i = 0; src != NULL && i < src->len; i++)
    g_ptr_array_add (dest, hy_address_copy (g_ptr_array_index (src, i)));
}

void
hy_message_builder_set_to_addresses (HyMessageBuilder *self,
                                     GPtrArray        *addresses)
{
  g_return_if_fail (HY_IS_MESSAGE_BUILDER (self));
  copy_addresses (self->to, addresses);
}

void
hy_message_builder_set_cc_addresses (HyMessageBuilder *self,
                                     GPtrArray        *addresses)
{
  g_return_if_fail (HY_IS_MESSAGE_BUILDER (self));
  copy_addresses (self->cc, addresses);
}

GPtrArray *
hy_message_builder_get_to (HyMessageBuilder *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), NULL);
  return self->to;
}

GPtrArray *
hy_message_builder_get_cc (HyMessageBuilder *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), NULL);
  return self->cc;
}

GPtrArray *
hy_message_builder_get_bcc (HyMessageBuilder *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), NULL);
  return self->bcc;
}

gboolean
hy_message_builder_add_header (HyMessageBuilder  *self,
                               const char        *name,
                               const char        *value,
                               GError           **error)
{
  static const char * const reserved[] = {
    "Bcc", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
    "Content-Disposition", "Content-ID", NULL
  };

  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (*name == '\0')
    {
      g_set_error_literal (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_HEADER,
                           _ ("A header needs a name"));
      return FALSE;
    }
  for (const char *p = name; *p != '\0'; p++)
    if ((guchar) *p < 33 || (guchar) *p > 126 || *p == ':')
      {
        g_autofree char *shown = hy_charset_make_valid (name, -1);

        g_strdelimit (shown, "\r\n", ' ');
        g_set_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_HEADER,
                     _ ("“%s” is not a valid header name: use printable ASCII without spaces or colons"),
                     shown);
        return FALSE;
      }
  if (has_line_break (value))
    {
      g_set_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_HEADER,
                   _ ("The value of header %s contains a line break; a header value is one line"), name);
      return FALSE;
    }
  if (!g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_HEADER,
                   _ ("The value of header %s is not valid UTF-8 text"), name);
      return FALSE;
    }
  for (guint i = 0; reserved[i] != NULL; i++)
    if (g_ascii_strcasecmp (name, reserved[i]) == 0)
      {
        g_set_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_HEADER,
                     _ ("The %s header is written by the message builder and cannot be added by hand"),
                     reserved[i]);
        return FALSE;
      }
  {
    /* A word no folding can break would make a line over 998 octets. */
    gsize run = 0;

    for (const char *p = value; *p != '\0'; p++)
      {
        run = (*p == ' ' || *p == '\t') ? 0 : run + 1;
        if (run > 900)
          {
            g_set_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_HEADER,
                         _ ("The value of header %s has a word longer than 900 characters"), name);
            return FALSE;
          }
      }
  }

  g_ptr_array_add (self->headers, g_strdup (name));
  g_ptr_array_add (self->headers, g_strdup (value));
  return TRUE;
}

static char *
clean_message_id (const char *id)
{
  g_autofree char *decoded = NULL;

  if (id == NULL || *id == '\0' || has_line_break (id))
    return NULL;
  decoded = g_mime_utils_decode_message_id (id);
  if (decoded != NULL && *decoded != '\0')
    return g_steal_pointer (&decoded);
  return NULL;
}

void
hy_message_builder_set_in_reply_to (HyMessageBuilder *self,
                                    const char       *message_id)
{
  g_return_if_fail (HY_IS_MESSAGE_BUILDER (self));
  g_free (self->in_reply_to);
  self->in_reply_to = clean_message_id (message_id);
}

const char *
hy_message_builder_get_in_reply_to (HyMessageBuilder *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), NULL);
  return self->in_reply_to;
}

void
hy_message_builder_set_references (HyMessageBuilder   *self,
                                   const char * const *message_ids)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_if_fail (HY_IS_MESSAGE_BUILDER (self));

  for (guint i = 0; message_ids != NULL && message_ids[i] != NULL; i++)
    {
      g_autofree char *id = clean_message_id (message_ids[i]);

      if (id != NULL)
        g_strv_builder_add (builder, id);
    }
  g_strfreev (self->references);
  self->references = g_strv_builder_end (builder);
}

const char * const *
hy_message_builder_get_references (HyMessageBuilder *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), NULL);
  return (const char * const *) self->references;
}

void
hy_message_builder_set_date (HyMessageBuilder *self,
                             GDateTime        *date)
{
  g_return_if_fail (HY_IS_MESSAGE_BUILDER (self));
  g_clear_pointer (&self->date, g_date_time_unref);
  if (date != NULL)
    self->date = g_date_time_ref (date);
}

void
hy_message_builder_set_message_id (HyMessageBuilder *self,
                                   const char       *message_id)
{
  g_return_if_fail (HY_IS_MESSAGE_BUILDER (self));
  g_free (self->message_id);
  self->message_id = clean_message_id (message_id);
}

const char *
hy_message_builder_get_message_id (HyMessageBuilder *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), NULL);
  return self->message_id;
}

/* Content tree -------------------------------------------------------------- */

static gboolean
is_multipart (GMimeObject *object,
              const char  *subtype)
{
  GMimeContentType *ct;

  if (object == NULL || !GMIME_IS_MULTIPART (object))
    return FALSE;
  ct = g_mime_object_get_content_type (object);
  return subtype == NULL || g_ascii_strcasecmp (g_mime_content_type_get_media_subtype (ct), subtype) == 0;
}

/* The multipart that directly holds @target, and its index there. */
static GMimeMultipart *
find_parent (GMimeObject *node,
             GMimeObject *target,
             int         *index)
{
  int n;

  if (!GMIME_IS_MULTIPART (node))
    return NULL;
  n = g_mime_multipart_get_count (GMIME_MULTIPART (node));
  for (int i = 0; i < n; i++)
    {
      GMimeObject *child = g_mime_multipart_get_part (GMIME_MULTIPART (node), i);
      GMimeMultipart *found;

      if (child == target)
        {
          *index = i;
          return GMIME_MULTIPART (node);
        }
      if ((found = find_parent (child, target, index)) != NULL)
        return found;
    }
  return NULL;
}

/* Puts @replacement where @target is in the tree (or at the root). */
static void
replace_in_tree (HyMessageBuilder *self,
                 GMimeObject      *target,
                 GMimeObject      *replacement)
{
  int index = -1;
  GMimeMultipart *parent;

  if (self->root == target)
    {
      g_set_object (&self->root, replacement);
      return;
    }
  parent = find_parent (self->root, target, &index);
  g_assert (parent != NULL);
  {
    GMimeObject *old = g_mime_multipart_replace (parent, index, replacement);

    g_clear_object (&old);
  }
}

/* Text in canonical form: CRLF line endings, valid UTF-8. */
static GMimeObject *
new_text_part (const char *subtype,
               const char *text)
{
  g_autofree char *valid = hy_charset_make_valid (text ? text : "", -1);
  g_autofree char *lf = hy_text_normalize_newlines (valid);
  GString *crlf = g_string_sized_new (strlen (lf) + 64);
  GMimeTextPart *part = g_mime_text_part_new_with_subtype (subtype);
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeDataWrapper) wrapper = NULL;
  gboolean ascii = TRUE;

  for (const char *p = lf; *p != '\0'; p++)
    {
      if (*p == '\n')
        g_string_append_c (crlf, '\r');
      if ((guchar) *p >= 0x80)
        ascii = FALSE;
      g_string_append_c (crlf, *p);
    }
  if (crlf->len > 0 && crlf->str[crlf->len - 1] != '\n')
    g_string_append (crlf, "\r\n");

  stream = g_mime_stream_mem_new_with_buffer (crlf->str, crlf->len);
  g_string_free (crlf, TRUE);
  wrapper = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content (GMIME_PART (part), wrapper);
  g_mime_text_part_set_charset (part, ascii ? "us-ascii" : "utf-8");
  return GMIME_OBJECT (part);
}

#define FLOWED_WIDTH 76

/* Appends one line of @text (without its line break) as RFC 3676
 * format=flowed lines (DelSp=no): soft breaks after spaces keep lines
 * near FLOWED_WIDTH characters; quoted lines and the signature separator
 * are fixed lines. */
static void
append_flowed_line (GString    *out,
                    const char *line)
{
  g_autofree char *trimmed = NULL;
  const char *p;
  const char *mark;

  if (g_str_equal (line, "-- "))
    {
      g_string_append (out, "-- \n");
      return;
    }

  /* Trailing spaces would make the line flow into the next one. */
  trimmed = g_strdup (line);
  g_strchomp (trimmed);

  if (trimmed[0] == '>')
    {
      g_string_append (out, trimmed);
      g_string_append_c (out, '\n');
      return;
    }

  p = trimmed;
  do
    {
      const char *cut = NULL;
      glong width = 0;

      /* Space-stuffing (RFC 3676 4.4). */
      if (*p == ' ' || *p == '>' || g_str_has_prefix (p, "From "))
        g_string_append_c (out, ' ');

      for (mark = p; *mark != '\0'; mark = g_utf8_next_char (mark), width++)
        {
          if (*mark == ' ' && width < FLOWED_WIDTH)
            cut = mark;
          if (width >= FLOWED_WIDTH && cut != NULL)
            break;
        }
      if (*mark == '\0' || cut == NULL)
        {
          g_string_append (out, p);
          g_string_append_c (out, '\n');
          return;
        }
      /* The space stays at the end of the line: a soft break. */
      g_string_append_len (out, p, cut + 1 - p);
      g_string_append_c (out, '\n');
      p = cut + 1;
    }
  while (*p != '\0');
}

void
hy_message_builder_set_body_flowed (HyMessageBuilder *self,
                                    const char       *text)
{
  g_autofree char *lf = NULL;
  g_auto(GStrv) lines = NULL;
  GString *flowed = g_string_new (NULL);
  g_autofree char *encoded = NULL;

  g_return_if_fail (HY_IS_MESSAGE_BUILDER (self));

  lf = hy_text_normalize_newlines (text != NULL ? text : "");
  lines = g_strsplit (lf, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i + 1] == NULL && lines[i][0] == '\0')
        break;
      append_flowed_line (flowed, lines[i]);
    }
  encoded = g_string_free (flowed, FALSE);

  hy_message_builder_set_body (self, encoded);
  g_free (self->body_text);
  self->body_text = g_strdup (text);
  g_mime_object_set_content_type_parameter (self->body, "format", "flowed");
}

void
hy_message_builder_set_body (HyMessageBuilder *self,
                             const char       *text)
{
  g_autoptr(GMimeObject) part = NULL;

  g_return_if_fail (HY_IS_MESSAGE_BUILDER (self));

  g_free (self->body_text);
  self->body_text = g_strdup (text);
  part = new_text_part ("plain", text);

  if (self->body != NULL && self->root != NULL)
    replace_in_tree (self, self->body, part);
  else if (self->root == NULL)
    g_set_object (&self->root, part);
  else if (is_multipart (self->root, "alternative"))
    g_mime_multipart_insert (GMIME_MULTIPART (self->root), 0, part);
  else if (is_multipart (self->root, "mixed"))
    g_mime_multipart_insert (GMIME_MULTIPART (self->root), 0, part);
  else
    {
      /* Text added under existing HTML-only content: text goes first. */
      g_autoptr(GMimeMultipart) alt = g_mime_multipart_new_with_subtype ("alternative");

      g_mime_multipart_add (alt, part);
      g_mime_multipart_add (alt, self->root);
      g_set_object (&self->root, GMIME_OBJECT (alt));
    }
  g_set_object (&self->body, part);
}

const char *
hy_message_builder_get_body (HyMessageBuilder *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), NULL);
  return self->body_text;
}

void
hy_message_builder_set_content (HyMessageBuilder *self,
                                GMimeObject      *content)
{
  g_return_if_fail (HY_IS_MESSAGE_BUILDER (self));
  g_return_if_fail (GMIME_IS_OBJECT (content));

  g_set_object (&self->root, content);
  g_clear_object (&self->body);
  g_clear_object (&self->html);
  self->foreign_root = TRUE;
}

gboolean
hy_message_builder_add_alternative (HyMessageBuilder  *self,
                                    const char        *html,
                                    GError           **error)
{
  g_autoptr(GMimeObject) part = NULL;

  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), FALSE);
  g_return_val_if_fail (html != NULL, FALSE);

  if (is_multipart (self->root, "mixed") || (self->foreign_root && GMIME_IS_MULTIPART (self->root) &&
                                               !is_multipart (self->root, "alternative")))
    {
      g_set_error_literal (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_STRUCTURE,
                           _ ("Cannot add an alternative to a message that already has attachments: add alternatives first"));
      return FALSE;
    }

  part = new_text_part ("html", html);
  if (self->root == NULL || !is_multipart (self->root, "alternative"))
    {
      g_autoptr(GMimeMultipart) alt = g_mime_multipart_new_with_subtype ("alternative");

      if (self->root != NULL)
        g_mime_multipart_add (alt, self->root);
      g_set_object (&self->root, GMIME_OBJECT (alt));
    }
  g_mime_multipart_add (GMIME_MULTIPART (self->root), part);
  g_set_object (&self->html, part);
  return TRUE;
}

static gboolean
split_content_type (const char  *content_type,
                    char       **type,
                    char       **subtype,
                    GError     **error)
{
  const char *slash;

  if (content_type == NULL || has_line_break (content_type) ||
      (slash = strchr (content_type, '/')) == NULL || slash == content_type || slash[1] == '\0')
    {
      g_set_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_HEADER,
                   _ ("“%s” is not a content type; write it as type/subtype, e.g. image/png"),
                   content_type ? content_type : "");
      return FALSE;
    }
  for (const char *p = content_type; *p != '\0'; p++)
    if ((guchar) *p <= 32 || (guchar) *p >= 127 || strchr ("()<>@,;:\\\"[]?=", *p) != NULL)
      {
        if (*p == '/' )
          continue;
        g_set_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_HEADER,
                     _ ("“%s” is not a content type; write it as type/subtype, e.g. image/png"), content_type);
        return FALSE;
      }
  *type = g_ascii_strdown (content_type, slash - content_type);
  *subtype = g_ascii_strdown (slash + 1, -1);
  return TRUE;
}

/* filename*= (RFC 2231) in Content-Disposition, and name="=?UTF-8?…?="
 * (RFC 2047 in quotes) in Content-Type for clients that only read that. */
static void
set_filename (GMimeObject *object,
              const char  *disposition,
              const char  *filename)
{
  GMimeContentDisposition *cd = g_mime_content_disposition_new ();

  g_mime_content_disposition_set_disposition (cd, disposition);
  if (filename != NULL && *filename != '\0')
    g_mime_param_list_set_parameter (g_mime_content_disposition_get_parameters (cd), "filename", filename);
  g_mime_object_set_content_disposition (object, cd);
  g_object_unref (cd);

  if (filename != NULL && *filename != '\0')
    {
      GMimeContentType *ct = g_mime_object_get_content_type (object);
      GMimeParamList *params = g_mime_content_type_get_parameters (ct);

      /* Always the RFC 2047 form here: clients that read name= do not
       * understand RFC 2231 continuations of long names either. */
      g_mime_param_list_set_parameter (params, "name", filename);
      g_mime_param_set_encoding_method (g_mime_param_list_get_parameter (params, "name"),
                                        GMIME_PARAM_ENCODING_METHOD_RFC2047);
      /* Re-set so that the header text follows the parameter change. */
      g_mime_object_set_content_type (object, ct);
    }
}

static char *
clean_attachment_name (const char *filename)
{
  g_autofree char *valid = NULL;
  const char *base;

  if (filename == NULL)
    return NULL;
  valid = hy_charset_make_valid (filename, -1);
  g_strdelimit (valid, "\r\n\t", ' ');
  base = valid;
  for (const char *p = valid; *p != '\0'; p++)
    if (*p == '/' || *p == '\\')
      base = p + 1;
  return *base ? g_strdup (base) : NULL;
}

/* Puts @part under a multipart/mixed root, wrapping the current content. */
static gboolean
attach_to_mixed (HyMessageBuilder  *self,
                 GMimeObject       *part,
                 GError           **error)
{
  if (self->root != NULL && GMIME_IS_MULTIPART (self->root) &&
      !is_multipart (self->root, "mixed") &&
      !is_multipart (self->root, "alternative") &&
      !is_multipart (self->root, "related"))
    {
      GMimeContentType *ct = g_mime_object_get_content_type (self->root);
      g_autofree char *type = g_mime_content_type_get_mime_type (ct);

      g_set_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_STRUCTURE,
                   _ ("Cannot add an attachment to %s content"), type);
      return FALSE;
    }
  if (!is_multipart (self->root, "mixed"))
    {
      g_autoptr(GMimeMultipart) mixed = g_mime_multipart_new_with_subtype ("mixed");

      if (self->root != NULL)
        g_mime_multipart_add (mixed, self->root);
      g_set_object (&self->root, GMIME_OBJECT (mixed));
    }
  g_mime_multipart_add (GMIME_MULTIPART (self->root), part);
  return TRUE;
}

static GMimeObject *
new_leaf (const char   *type,
          const char   *subtype,
          GMimeStream  *stream)
{
  GMimePart *part = g_mime_part_new_with_type (type, subtype);
  g_autoptr(GMimeDataWrapper) wrapper = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);

  g_mime_part_set_content (part, wrapper);
  return GMIME_OBJECT (part);
}

/* A leaf reading @file lazily, with its type guessed when not given. */
static GMimeObject *
leaf_from_file (GFile       *file,
                const char  *content_type,
                char       **basename,
                GError     **error)
{
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GMimeStream) stream = NULL;
  g_autofree char *type = NULL;
  g_autofree char *subtype = NULL;
  g_autofree char *guessed = NULL;

  info = g_file_query_info (file,
                            G_FILE_ATTRIBUTE_STANDARD_CONTENT_TYPE ","
                            G_FILE_ATTRIBUTE_STANDARD_TYPE ","
                            G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME ","
                            G_FILE_ATTRIBUTE_STANDARD_NAME,
                            G_FILE_QUERY_INFO_NONE, NULL, error);
  if (info == NULL)
    return NULL;
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      g_autofree char *name = g_file_get_parse_name (file);

      g_set_error (error, HY_MIME_ERROR, HY_MIME_ERROR_IO,
                   _ ("Cannot attach “%s”: it is not a regular file"), name);
      return NULL;
    }

  if (content_type == NULL)
    {
      const char *gio_type = g_file_info_get_content_type (info);

      guessed = gio_type ? g_content_type_get_mime_type (gio_type) : NULL;
      if (guessed == NULL || strcmp (guessed, "application/x-zerosize") == 0)
        {
          g_free (guessed);
          guessed = g_strdup ("application/octet-stream");
        }
      content_type = guessed;
    }
  if (!split_content_type (content_type, &type, &subtype, error))
    return NULL;

  if (basename != NULL)
    {
      const char *display = g_file_info_get_display_name (info);

      *basename = g_strdup (display ? display : g_file_info_get_name (info));
    }
  if (g_file_peek_path (file) != NULL)
    {
      /* Read when the message is written, never held in memory whole. */
      stream = g_mime_stream_fs_open (g_file_peek_path (file), O_RDONLY, 0, error);
      if (stream == NULL)
        return NULL;
    }
  else
    {
      g_autofree char *data = NULL;
      gsize len = 0;

      if (!g_file_load_contents (file, NULL, &data, &len, NULL, error))
        return NULL;
      stream = g_mime_stream_mem_new_with_buffer (data, len);
    }
  return new_leaf (type, subtype, stream);
}

static GMimeObject *
leaf_from_bytes (GBytes      *data,
                 const char  *content_type,
                 const char  *filename,
                 GError     **error)
{
  g_autoptr(GMimeStream) stream = NULL;
  g_autofree char *type = NULL;
  g_autofree char *subtype = NULL;
  g_autofree char *guessed = NULL;
  gsize len = 0;
  const guchar *bytes = g_bytes_get_data (data, &len);

  if (content_type == NULL)
    {
      g_autofree char *gio_type = g_content_type_guess (filename, bytes, len, NULL);

      guessed = gio_type ? g_content_type_get_mime_type (gio_type) : NULL;
      if (guessed == NULL || strcmp (guessed, "application/x-zerosize") == 0)
        {
          g_free (guessed);
          guessed = g_strdup ("application/octet-stream");
        }
      content_type = guessed;
    }
  if (!split_content_type (content_type, &type, &subtype, error))
    return NULL;

  stream = g_mime_stream_mem_new_with_buffer ((const char *) bytes, len);
  return new_leaf (type, subtype, stream);
}

gboolean
hy_message_builder_add_attachment_file (HyMessageBuilder  *self,
                                        GFile             *file,
                                        const char        *content_type,
                                        const char        *filename,
                                        GError           **error)
{
  g_autoptr(GMimeObject) part = NULL;
  g_autofree char *basename = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  part = leaf_from_file (file, content_type, &basename, error);
  if (part == NULL)
    return FALSE;
  name = clean_attachment_name (filename ? filename : basename);
  set_filename (part, "attachment", name);
  return attach_to_mixed (self, part, error);
}

gboolean
hy_message_builder_add_attachment_bytes (HyMessageBuilder  *self,
                                         GBytes            *data,
                                         const char        *content_type,
                                         const char        *filename,
                                         GError           **error)
{
  g_autoptr(GMimeObject) part = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);

  name = clean_attachment_name (filename);
  part = leaf_from_bytes (data, content_type, name, error);
  if (part == NULL)
    return FALSE;
  set_filename (part, "attachment", name);
  return attach_to_mixed (self, part, error);
}

gboolean
hy_message_builder_add_message_attachment (HyMessageBuilder  *self,
                                           GMimeMessage      *message,
                                           GError           **error)
{
  g_autoptr(GMimeMessagePart) part = NULL;
  g_autofree char *name = NULL;
  const char *subject;

  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), FALSE);
  g_return_val_if_fail (GMIME_IS_MESSAGE (message), FALSE);

  /* Attach a copy: choosing wire encodings later must not change the
   * caller's message (an open message in a reader window). */
  {
    g_autoptr(GMimeStream) copy = g_mime_stream_mem_new ();
    g_autoptr(GMimeParser) parser = NULL;
    g_autoptr(GMimeMessage) duplicate = NULL;

    g_mime_object_write_to_stream (GMIME_OBJECT (message), NULL, copy);
    g_mime_stream_reset (copy);
    parser = g_mime_parser_new_with_stream (copy);
    duplicate = g_mime_parser_construct_message (parser, hy_charset_get_parser_options ());
    part = g_mime_message_part_new_with_message ("rfc822", duplicate ? duplicate : message);
  }
  subject = g_mime_message_get_subject (message);
  if (subject != NULL && *subject != '\0')
    {
      g_autofree char *base = clean_attachment_name (subject);

      if (base != NULL)
        name = g_strconcat (base, ".eml", NULL);
    }
  set_filename (GMIME_OBJECT (part), "attachment", name ? name : "message.eml");
  /* Only the disposition carries the name: message/rfc822 has no name=. */
  {
    GMimeContentType *ct = g_mime_object_get_content_type (GMIME_OBJECT (part));

    g_mime_param_list_remove (g_mime_content_type_get_parameters (ct), "name");
    g_mime_object_set_content_type (GMIME_OBJECT (part), ct);
  }
  return attach_to_mixed (self, GMIME_OBJECT (part), error);
}

/* @raw with every line break CRLF; NULL when it cannot travel as 7bit or
 * 8bit (a NUL byte, or a line longer than SMTP allows). */
static GBytes *
canonical_message_bytes (GBytes   *raw,
                         gboolean *eight_bit)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (raw, &size);
  GByteArray *out = g_byte_array_sized_new (size + size / 50 + 2);
  gsize line_length = 0;

  *eight_bit = FALSE;
  for (gsize i = 0; i < size; i++)
    {
      guint8 c = data[i];

      if (c == '\n')
        line_length = 0;
      else if (c != '\r')
        line_length++;
      if (c == 0 || line_length > 998)
        {
          g_byte_array_unref (out);
          return NULL;
        }
      if (c & 0x80)
        *eight_bit = TRUE;
      if (c == '\n' && (i == 0 || data[i - 1] != '\r'))
        g_byte_array_append (out, (const guint8 *) "\r", 1);
      g_byte_array_append (out, &c, 1);
    }
  if (out->len > 0 && out->data[out->len - 1] != '\n')
    g_byte_array_append (out, (const guint8 *) "\r\n", 2);
  return g_byte_array_free_to_bytes (out);
}

gboolean
hy_message_builder_add_message_attachment_bytes (HyMessageBuilder  *self,
                                                 GBytes            *raw,
                                                 GError           **error)
{
  g_autoptr(GBytes) canonical = NULL;
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeDataWrapper) wrapper = NULL;
  g_autoptr(GMimePart) part = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autofree char *name = NULL;
  GMimeContentEncoding encoding;
  const char *subject;
  gboolean eight_bit;

  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), FALSE);
  g_return_val_if_fail (raw != NULL, FALSE);

  stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, hy_charset_get_parser_options ());
  if (message == NULL)
    {
      g_set_error_literal (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_STRUCTURE,
                           _ ("The message to attach is not a message"));
      return FALSE;
    }

  canonical = canonical_message_bytes (raw, &eight_bit);
  /* Binary content has no encoding message/rfc822 may use on the way
   * (RFC 2046, 5.2.1): GMime writes the parsed message again. */
  if (canonical == NULL)
    return hy_message_builder_add_message_attachment (self, message, error);

  encoding = eight_bit ? GMIME_CONTENT_ENCODING_8BIT : GMIME_CONTENT_ENCODING_7BIT;
  g_clear_object (&stream);
  stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (canonical, NULL), g_bytes_get_size (canonical));
  wrapper = g_mime_data_wrapper_new_with_stream (stream, encoding);
  part = g_mime_part_new_with_type ("message", "rfc822");
  g_mime_part_set_content (part, wrapper);
  g_mime_part_set_content_encoding (part, encoding);

  subject = g_mime_message_get_subject (message);
  if (subject != NULL && *subject != '\0')
    {
      g_autofree char *base = clean_attachment_name (subject);

      if (base != NULL)
        name = g_strconcat (base, ".eml", NULL);
    }
  /* Only the disposition carries the name: message/rfc822 has no name=. */
  {
    GMimeContentDisposition *cd = g_mime_content_disposition_new ();

    g_mime_content_disposition_set_disposition (cd, "attachment");
    g_mime_param_list_set_parameter (g_mime_content_disposition_get_parameters (cd), "filename",
                                     name ? name : "message.eml");
    g_mime_object_set_content_disposition (GMIME_OBJECT (part), cd);
    g_object_unref (cd);
  }
  return attach_to_mixed (self, GMIME_OBJECT (part), error);
}

static char *
clean_content_id (const char  *content_id,
                  GError     **error)
{
  g_autofree char *id = NULL;
  gsize len;

  if (content_id == NULL)
    goto bad;
  id = g_strstrip (g_strdup (content_id));
  if (g_ascii_strncasecmp (id, "cid:", 4) == 0)
    memmove (id, id + 4, strlen (id) - 3);
  len = strlen (id);
  if (len >= 2 && id[0] == '<' && id[len - 1] == '>')
    {
      memmove (id, id + 1, len - 2);
      id[len - 2] = '\0';
    }
  if (*id == '\0')
    goto bad;
  for (const char *p = id; *p != '\0'; p++)
    if ((guchar) *p <= 32 || (guchar) *p >= 127 || *p == '<' || *p == '>' || *p == '"')
      goto bad;
  return g_steal_pointer (&id);

bad:
  g_set_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_HEADER,
               _ ("“%s” is not a usable Content-ID: use printable ASCII without spaces, e.g. logo@example.org"),
               content_id ? content_id : "");
  return NULL;
}

/* Puts @part next to the HTML (or else the text) in a multipart/related. */
static gboolean
attach_related (HyMessageBuilder  *self,
                GMimeObject       *part,
                GError           **error)
{
  GMimeObject *target = self->html ? self->html : self->body;
  GMimeMultipart *parent;
  int index = -1;

  if (target == NULL)
    {
      g_set_error_literal (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_STRUCTURE,
                           _ ("An inline part needs a body (or HTML alternative) to be shown in; set the body first"));
      return FALSE;
    }

  parent = self->root == target ? NULL : find_parent (self->root, target, &index);
  if (parent != NULL && is_multipart (GMIME_OBJECT (parent), "related"))
    {
      g_mime_multipart_add (parent, part);
      return TRUE;
    }
  {
    g_autoptr(GMimeMultipart) related = g_mime_multipart_new_with_subtype ("related");
    g_autoptr(GMimeObject) keep = g_object_ref (target);

    g_mime_object_set_content_type_parameter (GMIME_OBJECT (related), "type",
                                              self->html == target ? "text/html" : "text/plain");
    replace_in_tree (self, target, GMIME_OBJECT (related));
    g_mime_multipart_add (related, keep);
    g_mime_multipart_add (related, part);
  }
  return TRUE;
}

static gboolean
add_inline (HyMessageBuilder  *self,
            GMimeObject       *part,
            const char        *filename,
            const char        *content_id,
            GError           **error)
{
  g_autofree char *cid = clean_content_id (content_id, error);
  g_autofree char *name = clean_attachment_name (filename);

  if (cid == NULL)
    return FALSE;
  set_filename (part, "inline", name);
  g_mime_object_set_content_id (part, cid);
  return attach_related (self, part, error);
}

gboolean
hy_message_builder_add_inline_file (HyMessageBuilder  *self,
                                    GFile             *file,
                                    const char        *content_type,
                                    const char        *content_id,
                                    GError           **error)
{
  g_autoptr(GMimeObject) part = NULL;
  g_autofree char *basename = NULL;

  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  part = leaf_from_file (file, content_type, &basename, error);
  if (part == NULL)
    return FALSE;
  return add_inline (self, part, basename, content_id, error);
}

gboolean
hy_message_builder_add_inline_bytes (HyMessageBuilder  *self,
                                     GBytes            *data,
                                     const char        *content_type,
                                     const char        *filename,
                                     const char        *content_id,
                                     GError           **error)
{
  g_autoptr(GMimeObject) part = NULL;

  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);

  part = leaf_from_bytes (data, content_type, filename, error);
  if (part == NULL)
    return FALSE;
  return add_inline (self, part, filename, content_id, error);
}

/* Serialization ---------------------------------------------------------------- */

/* TRUE when every line break in the content is CRLF, so that a line-based
 * encoding (7bit, quoted-printable) gives the receiver the same bytes. */
static gboolean
has_canonical_newlines (GMimePart *part)
{
  GMimeDataWrapper *wrapper = g_mime_part_get_content (part);
  GMimeStream *stream;
  g_autoptr(GMimeStream) reader = NULL;
  char buf[8192];
  gboolean after_cr = FALSE;
  ssize_t n;

  if (wrapper == NULL || (stream = g_mime_data_wrapper_get_stream (wrapper)) == NULL)
    return TRUE;
  reader = g_mime_stream_substream (stream, stream->bound_start, stream->bound_end);
  while ((n = g_mime_stream_read (reader, buf, sizeof buf)) > 0)
    for (ssize_t i = 0; i < n; i++)
      {
        if (buf[i] == '\n' && !after_cr)
          return FALSE;
        if (after_cr && buf[i] != '\n')
          return FALSE;
        after_cr = buf[i] == '\r';
      }
  return !after_cr;
}

/* 7bit when the data is, quoted-printable for mostly-ASCII text, Base64
 * for everything else; decided from the content itself. Content whose
 * line breaks are not CRLF goes in Base64, so that attachments arrive
 * byte for byte. */
static void
choose_encodings (GMimeObject *object)
{
  if (GMIME_IS_MULTIPART (object))
    {
      int n = g_mime_multipart_get_count (GMIME_MULTIPART (object));

      for (int i = 0; i < n; i++)
        choose_encodings (g_mime_multipart_get_part (GMIME_MULTIPART (object), i));
    }
  else if (GMIME_IS_MESSAGE_PART (object))
    {
      GMimeMessage *message = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));

      if (message != NULL && g_mime_message_get_mime_part (message) != NULL)
        choose_encodings (g_mime_message_get_mime_part (message));
    }
  else if (GMIME_IS_PART (object))
    {
      GMimePart *part = GMIME_PART (object);
      GMimeContentType *ct = g_mime_object_get_content_type (object);
      GMimeContentEncoding encoding;
      GMimeDataWrapper *wrapper = g_mime_part_get_content (part);

      /* A message attached as received travels as it is (7bit or 8bit,
       * RFC 2046 allows nothing else for message/rfc822). */
      if (g_mime_content_type_is_type (ct, "message", "*"))
        return;
      /* Content that arrives already encoded (a forwarded part) keeps it
       * when it is wire-safe. */
      if (wrapper != NULL)
        {
          GMimeContentEncoding current = g_mime_data_wrapper_get_encoding (wrapper);

          if (current == GMIME_CONTENT_ENCODING_BASE64 ||
              current == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE)
            {
              g_mime_part_set_content_encoding (part, current);
              return;
            }
        }

      encoding = g_mime_part_get_best_content_encoding (part, GMIME_ENCODING_CONSTRAINT_7BIT);
      if (encoding == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE &&
          !g_mime_content_type_is_type (ct, "text", "*"))
        encoding = GMIME_CONTENT_ENCODING_BASE64;
      if (encoding != GMIME_CONTENT_ENCODING_BASE64 && !has_canonical_newlines (part))
        encoding = GMIME_CONTENT_ENCODING_BASE64;
      g_mime_part_set_content_encoding (part, encoding);
    }
}

static const char *
sender_domain (HyMessageBuilder *self)
{
  const char *at;

  if (self->from == NULL)
    return NULL;
  at = strrchr (hy_address_get_address (self->from), '@');
  return at ? at + 1 : NULL;
}

static void
add_mailboxes (GMimeMessage     *message,
               GMimeAddressType  type,
               GPtrArray        *addresses)
{
  InternetAddressList *list = g_mime_message_get_addresses (message, type);

  for (guint i = 0; i < addresses->len; i++)
    {
      HyAddress *address = g_ptr_array_index (addresses, i);
      g_autofree char *ascii = hy_address_dup_ascii_address (address);
      g_autoptr(InternetAddress) mailbox = internet_address_mailbox_new (hy_address_get_name (address), ascii);

      internet_address_list_add (list, mailbox);
    }
}

static GMimeFormatOptions *
wire_format (void)
{
  GMimeFormatOptions *options = g_mime_format_options_new ();

  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  g_mime_format_options_set_param_encoding_method (options, GMIME_PARAM_ENCODING_METHOD_RFC2231);
  /* A second guard: Bcc is never written, whatever the tree holds. */
  g_mime_format_options_add_hidden_header (options, "Bcc");
  return options;
}

static GMimeMessage *
build_message (HyMessageBuilder  *self,
               gboolean           draft,
               GError           **error)
{
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GMimeFormatOptions) options = NULL;
  g_autofree char *headers = NULL;

  if (self->from == NULL)
    {
      g_set_error_literal (error, HY_MIME_ERROR, HY_MIME_ERROR_MISSING_FIELD,
                           _ ("The message has no sender: set a From address"));
      return NULL;
    }
  if (!draft && self->to->len + self->cc->len + self->bcc->len == 0)
    {
      g_set_error_literal (error, HY_MIME_ERROR, HY_MIME_ERROR_MISSING_FIELD,
                           _ ("The message has no recipients: add a To, Cc or Bcc address"));
      return NULL;
    }

  if (self->date == NULL)
    self->date = g_date_time_new_now_local ();
  if (self->message_id == NULL)
    {
      const char *domain = sender_domain (self);
      g_autofree char *ascii_domain = domain ? g_hostname_to_ascii (domain) : NULL;

      self->message_id = g_mime_utils_generate_message_id (ascii_domain ? ascii_domain : "localhost.localdomain");
    }
  if (self->root == NULL)
    {
      GMimeObject *empty = new_text_part ("plain", "");

      self->root = empty;
      self->body = g_object_ref (empty);
    }

  message = g_mime_message_new (FALSE);
  g_mime_message_set_date (message, self->date);
  {
    g_autoptr(GPtrArray) from = hy_address_list_new ();

    g_ptr_array_add (from, hy_address_copy (self->from));
    add_mailboxes (message, GMIME_ADDRESS_TYPE_FROM, from);
  }
  if (self->reply_to->len > 0)
    add_mailboxes (message, GMIME_ADDRESS_TYPE_REPLY_TO, self->reply_to);
  if (self->to->len > 0)
    add_mailboxes (message, GMIME_ADDRESS_TYPE_TO, self->to);
  if (self->cc->len > 0)
    add_mailboxes (message, GMIME_ADDRESS_TYPE_CC, self->cc);
  g_mime_message_set_subject (message, self->subject ? self->subject : "", "utf-8");
  g_mime_message_set_message_id (message, self->message_id);
  if (self->in_reply_to != NULL)
    {
      g_autofree char *value = g_strdup_printf ("<%s>", self->in_reply_to);

      g_mime_object_set_header (GMIME_OBJECT (message), "In-Reply-To", value, NULL);
    }
  if (self->references != NULL && self->references[0] != NULL)
    {
      GString *value = g_string_new (NULL);

      for (guint i = 0; self->references[i] != NULL; i++)
        g_string_append_printf (value, "%s<%s>", i > 0 ? " " : "", self->references[i]);
      g_mime_object_set_header (GMIME_OBJECT (message), "References", value->str, NULL);
      g_string_free (value, TRUE);
    }
  g_mime_object_set_header (GMIME_OBJECT (message), "MIME-Version", "1.0", NULL);
  for (guint i = 0; i + 1 < self->headers->len; i += 2)
    g_mime_object_append_header (GMIME_OBJECT (message),
                                 g_ptr_array_index (self->headers, i),
                                 g_ptr_array_index (self->headers, i + 1),
                                 "utf-8");

  choose_encodings (self->root);
  g_mime_message_set_mime_part (message, self->root);

  /* Header lines are folded by GMime; refuse to emit one that could not be. */
  options = wire_format ();
  headers = g_mime_object_get_headers (GMIME_OBJECT (message), options);
  {
    const char *line = headers;

    while (line != NULL && *line != '\0')
      {
        const char *end = strchr (line, '\n');
        gsize len = end ? (gsize) (end - line) : strlen (line);

        if (len > 998 + 1)
          {
            g_set_error_literal (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_HEADER,
                                 _ ("A header line would be longer than 998 octets; shorten the subject or header values"));
            return NULL;
          }
        line = end ? end + 1 : NULL;
      }
  }
  return g_steal_pointer (&message);
}

static GBytes *
serialize (HyMessageBuilder  *self,
           gboolean           with_bcc,
           gboolean           draft,
           GError           **error)
{
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GMimeFormatOptions) options = NULL;
  g_autoptr(GMimeStream) stream = NULL;
  GByteArray *array;

  message = build_message (self, draft, error);
  if (message == NULL)
    return NULL;

  if (with_bcc)
    {
      if (self->bcc->len > 0)
        add_mailboxes (message, GMIME_ADDRESS_TYPE_BCC, self->bcc);
      options = g_mime_format_options_new ();
      g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
      g_mime_format_options_set_param_encoding_method (options, GMIME_PARAM_ENCODING_METHOD_RFC2231);
    }
  else
    options = wire_format ();

  stream = g_mime_stream_mem_new ();
  if (g_mime_object_write_to_stream (GMIME_OBJECT (message), options, stream) < 0)
    {
      g_set_error_literal (error, HY_MIME_ERROR, HY_MIME_ERROR_IO,
                           _ ("Could not write the message: an attachment could not be read"));
      return NULL;
    }
  /* Take the buffer over rather than copying a message that may carry
   * large attachments. */
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (stream), FALSE);
  return g_byte_array_free_to_bytes (array);
}

GBytes *
hy_message_builder_to_bytes (HyMessageBuilder  *self,
                             GError           **error)
{
  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), NULL);

  return serialize (self, FALSE, FALSE, error);
}

GBytes *
hy_message_builder_to_bytes_with_bcc (HyMessageBuilder  *self,
                                      GError           **error)
{
  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), NULL);

  return serialize (self, TRUE, FALSE, error);
}

GBytes *
hy_message_builder_to_draft_bytes (HyMessageBuilder  *self,
                                   GError           **error)
{
  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), NULL);

  return serialize (self, TRUE, TRUE, error);
}

gboolean
hy_message_builder_write_to_file (HyMessageBuilder  *self,
                                  GFile             *file,
                                  GCancellable      *cancellable,
                                  GError           **error)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  bytes = hy_message_builder_to_bytes (self, error);
  if (bytes == NULL)
    return FALSE;
  return g_file_replace_contents (file, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                  NULL, FALSE, G_FILE_CREATE_NONE, NULL, cancellable, error);
}

GStrv
hy_message_builder_get_envelope_recipients (HyMessageBuilder *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *lists[3];

  g_return_val_if_fail (HY_IS_MESSAGE_BUILDER (self), NULL);

  lists[0] = self->to;
  lists[1] = self->cc;
  lists[2] = self->bcc;
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      {
        HyAddress *address = g_ptr_array_index (lists[l], i);
        g_autofree char *ascii = hy_address_dup_ascii_address (address);
        /* The same mailbox however its case or IDN form is written. */
        char *key = g_utf8_casefold (ascii, -1);

        if (!g_hash_table_add (seen, key))
          continue;
        g_strv_builder_add (builder, ascii);
      }
  return g_strv_builder_end (builder);
}
