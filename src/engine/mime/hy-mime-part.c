/* hy-mime-part.c — one node of a message's MIME tree, read-only, over GMime
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-mime"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "hy-charset.h"
#include "hy-mime-error.h"
#include "hy-mime-input-stream.h"
#include "hy-mime-private.h"
#include "hy-text-utils.h"

struct _HyMimePart {
  GObject      parent_instance;

  GMimeObject *object;
  GPtrArray   *defects;      /* shared with the whole message */
  GPtrArray   *children;     /* of HyMimePart */
  HyMessage   *message;      /* nested message/rfc822 */

  char        *path;
  char        *content_type;
  char        *media_type;
  char        *media_subtype;
  char        *charset;
  char        *disposition;
  char        *filename;
  char        *content_id;
  const char  *encoding;
  gint64       size;
  guint        depth;
  guint        is_body : 1;
  guint        is_root : 1;
};

G_DEFINE_FINAL_TYPE (HyMimePart, hy_mime_part, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PATH,
  PROP_CONTENT_TYPE,
  PROP_CHARSET,
  PROP_ENCODING,
  PROP_DISPOSITION,
  PROP_FILENAME,
  PROP_CONTENT_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
_hy_mime_add_defect (GPtrArray  *defects,
                     const char *format,
                     ...)
{
  g_autofree char *text = NULL;
  va_list args;

  if (defects == NULL || defects->len >= HY_MIME_MAX_DEFECTS)
    return;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  for (guint i = 0; i < defects->len; i++)
    if (strcmp (g_ptr_array_index (defects, i), text) == 0)
      return;
  g_ptr_array_add (defects, hy_charset_make_valid (text, -1));
}

static void
hy_mime_part_finalize (GObject *object)
{
  HyMimePart *self = HY_MIME_PART (object);

  g_clear_object (&self->object);
  g_clear_object (&self->message);
  g_clear_pointer (&self->children, g_ptr_array_unref);
  g_clear_pointer (&self->defects, g_ptr_array_unref);
  g_free (self->path);
  g_free (self->content_type);
  g_free (self->media_type);
  g_free (self->media_subtype);
  g_free (self->charset);
  g_free (self->disposition);
  g_free (self->filename);
  g_free (self->content_id);

  G_OBJECT_CLASS (hy_mime_part_parent_class)->finalize (object);
}

static void
hy_mime_part_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  HyMimePart *self = HY_MIME_PART (object);

  switch (prop_id)
    {
    case PROP_PATH: g_value_set_string (value, self->path); break;
    case PROP_CONTENT_TYPE: g_value_set_string (value, self->content_type); break;
    case PROP_CHARSET: g_value_set_string (value, self->charset); break;
    case PROP_ENCODING: g_value_set_string (value, self->encoding); break;
    case PROP_DISPOSITION: g_value_set_string (value, self->disposition); break;
    case PROP_FILENAME: g_value_set_string (value, self->filename); break;
    case PROP_CONTENT_ID: g_value_set_string (value, self->content_id); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hy_mime_part_class_init (HyMimePartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = hy_mime_part_finalize;
  object_class->get_property = hy_mime_part_get_property;

  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, flags);
  properties[PROP_CONTENT_TYPE] = g_param_spec_string ("content-type", NULL, NULL, NULL, flags);
  properties[PROP_CHARSET] = g_param_spec_string ("charset", NULL, NULL, NULL, flags);
  properties[PROP_ENCODING] = g_param_spec_string ("encoding", NULL, NULL, NULL, flags);
  properties[PROP_DISPOSITION] = g_param_spec_string ("disposition", NULL, NULL, NULL, flags);
  properties[PROP_FILENAME] = g_param_spec_string ("filename", NULL, NULL, NULL, flags);
  properties[PROP_CONTENT_ID] = g_param_spec_string ("content-id", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hy_mime_part_init (HyMimePart *self)
{
  self->size = -1;
  self->children = g_ptr_array_new_with_free_func (g_object_unref);
}

static char *
dup_lower (const char *s)
{
  return s != NULL && *s != '\0' ? g_ascii_strdown (s, -1) : NULL;
}

/* A file name as a user may save it: decoded, no directories, no controls. */
static char *
clean_filename (const char *raw)
{
  g_autofree char *decoded = NULL;
  const char *base;
  GString *out;

  if (raw == NULL || *raw == '\0')
    return NULL;

  if (strstr (raw, "=?") != NULL)
    decoded = hy_charset_decode_header (raw);
  else
    decoded = hy_charset_make_valid (raw, -1);

  base = decoded;
  for (const char *p = decoded; *p != '\0'; p++)
    if (*p == '/' || *p == '\\')
      base = p + 1;

  out = g_string_new (NULL);
  for (const char *p = base; *p != '\0'; p++)
    g_string_append_c (out, ((guchar) *p < 0x20 || *p == 0x7f) ? '_' : *p);
  g_strstrip (out->str);
  out->len = strlen (out->str);
  if (out->len == 0 || strcmp (out->str, ".") == 0 || strcmp (out->str, "..") == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

static char *
child_path (const char *parent,
            guint       index)
{
  char digits[16];
  char *number = digits + sizeof digits;
  gsize len = strlen (parent);
  guint value = index + 1;
  gsize n;
  char *path;

  /* Part numbers are made for every part of every message opened: no
   * printf machinery for them. */
  *--number = '\0';
  do
    *--number = '0' + value % 10;
  while ((value /= 10) > 0);
  n = digits + sizeof digits - 1 - number;
  /* "0" (a multipart at the top) and a trailing ".0" (a multipart inside
   * a message/rfc822) stand for the container itself, not a level. */
  if (strcmp (parent, "0") == 0)
    return g_strndup (number, n);
  if (len > 2 && g_str_has_suffix (parent, ".0"))
    len -= 2;
  path = g_malloc (len + 1 + n + 1);
  memcpy (path, parent, len);
  path[len] = '.';
  memcpy (path + len + 1, number, n + 1);
  return path;
}

HyMimePart *
_hy_mime_part_new (GMimeObject *object,
                   const char  *path,
                   guint        depth,
                   GPtrArray   *defects,
                   GPtrArray   *all_parts)
{
  HyMimePart *self;
  GMimeContentType *ct;

  self = g_object_new (HY_TYPE_MIME_PART, NULL);
  self->object = g_object_ref (object);
  self->defects = g_ptr_array_ref (defects);
  self->path = g_strdup (path);
  self->depth = depth;

  ct = g_mime_object_get_content_type (object);
  self->media_type = dup_lower (ct ? g_mime_content_type_get_media_type (ct) : NULL);
  self->media_subtype = dup_lower (ct ? g_mime_content_type_get_media_subtype (ct) : NULL);
  if (self->media_type == NULL)
    self->media_type = g_strdup (GMIME_IS_MULTIPART (object) ? "multipart" : "application");
  if (self->media_subtype == NULL)
    self->media_subtype = g_strdup (GMIME_IS_MULTIPART (object) ? "mixed" : "octet-stream");
  self->content_type = g_strconcat (self->media_type, "/", self->media_subtype, NULL);
  if (ct != NULL)
    {
      g_autofree char *cs = dup_lower (g_mime_content_type_get_parameter (ct, "charset"));

      if (cs != NULL)
        {
          g_strstrip (cs);
          self->charset = hy_charset_make_valid (cs, -1);
        }
    }
  self->disposition = dup_lower (g_mime_object_get_disposition (object));
  if (self->disposition != NULL)
    {
      char *valid = hy_charset_make_valid (self->disposition, -1);

      g_free (self->disposition);
      self->disposition = valid;
    }
  {
    const char *cid = g_mime_object_get_content_id (object);

    if (cid != NULL && *cid != '\0')
      self->content_id = hy_charset_make_valid (cid, -1);
  }

  if (GMIME_IS_PART (object))
    {
      GMimeContentEncoding enc = g_mime_part_get_content_encoding (GMIME_PART (object));

      self->filename = clean_filename (g_mime_part_get_filename (GMIME_PART (object)));
      if (enc != GMIME_CONTENT_ENCODING_DEFAULT)
        self->encoding = g_mime_content_encoding_to_string (enc);
    }
  else
    {
      self->filename = clean_filename (g_mime_object_get_content_disposition_parameter (object, "filename"));
      if (self->filename == NULL)
        self->filename = clean_filename (g_mime_object_get_content_type_parameter (object, "name"));
    }

  if (all_parts != NULL)
    g_ptr_array_add (all_parts, g_object_ref (self));

  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multipart = GMIME_MULTIPART (object);
      int n = g_mime_multipart_get_count (multipart);

      if (depth >= HY_MIME_MAX_DEPTH)
        {
          _hy_mime_add_defect (defects,
                               "MIME nesting deeper than %d levels at part %s; its content is kept as one part",
                               HY_MIME_MAX_DEPTH, path);
          return self;
        }
      for (int i = 0; i < n; i++)
        {
          g_autofree char *cpath = child_path (path, i);
          GMimeObject *child = g_mime_multipart_get_part (multipart, i);

          g_ptr_array_add (self->children,
                           _hy_mime_part_new (child, cpath, depth + 1, defects, all_parts));
        }
    }
  else if (GMIME_IS_MESSAGE_PART (object))
    {
      GMimeMessage *nested = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));

      if (nested != NULL && depth >= HY_MIME_MAX_DEPTH)
        _hy_mime_add_defect (defects,
                             "MIME nesting deeper than %d levels at part %s; its content is kept as one part",
                             HY_MIME_MAX_DEPTH, path);
      else if (nested != NULL)
        self->message = _hy_message_new_nested (nested, path, depth + 1, defects, all_parts);
    }

  return self;
}

gboolean
_hy_mime_part_is_body (HyMimePart *self)
{
  return self->is_body;
}

void
_hy_mime_part_set_body (HyMimePart *self)
{
  self->is_body = TRUE;
}

gboolean
_hy_mime_part_is_root (HyMimePart *self)
{
  return self->is_root;
}

void
_hy_mime_part_set_root (HyMimePart *self)
{
  self->is_root = TRUE;
}

const char *
hy_mime_part_get_path (HyMimePart *self)
{
  g_return_val_if_fail (HY_IS_MIME_PART (self), NULL);
  return self->path;
}

const char *
hy_mime_part_get_content_type (HyMimePart *self)
{
  g_return_val_if_fail (HY_IS_MIME_PART (self), NULL);
  return self->content_type;
}

const char *
hy_mime_part_get_media_type (HyMimePart *self)
{
  g_return_val_if_fail (HY_IS_MIME_PART (self), NULL);
  return self->media_type;
}

const char *
hy_mime_part_get_media_subtype (HyMimePart *self)
{
  g_return_val_if_fail (HY_IS_MIME_PART (self), NULL);
  return self->media_subtype;
}

const char *
hy_mime_part_get_parameter (HyMimePart *self,
                            const char *name)
{
  g_return_val_if_fail (HY_IS_MIME_PART (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return g_mime_object_get_content_type_parameter (self->object, name);
}

const char *
hy_mime_part_get_charset (HyMimePart *self)
{
  g_return_val_if_fail (HY_IS_MIME_PART (self), NULL);
  return self->charset;
}

const char *
hy_mime_part_get_encoding (HyMimePart *self)
{
  g_return_val_if_fail (HY_IS_MIME_PART (self), NULL);
  return self->encoding;
}

const char *
hy_mime_part_get_disposition (HyMimePart *self)
{
  g_return_val_if_fail (HY_IS_MIME_PART (self), NULL);
  return self->disposition;
}

const char *
hy_mime_part_get_filename (HyMimePart *self)
{
  g_return_val_if_fail (HY_IS_MIME_PART (self), NULL);
  return self->filename;
}

const char *
hy_mime_part_get_content_id (HyMimePart *self)
{
  g_return_val_if_fail (HY_IS_MIME_PART (self), NULL);
  return self->content_id;
}

gboolean
hy_mime_part_is_multipart (HyMimePart *self)
{
  g_return_val_if_fail (HY_IS_MIME_PART (self), FALSE);
  return GMIME_IS_MULTIPART (self->object);
}

gboolean
hy_mime_part_is_leaf (HyMimePart *self)
{
  g_return_val_if_fail (HY_IS_MIME_PART (self), FALSE);
  return GMIME_IS_PART (self->object);
}

GPtrArray *
hy_mime_part_get_children (HyMimePart *self)
{
  g_return_val_if_fail (HY_IS_MIME_PART (self), NULL);
  return self->children;
}

HyMessage *
hy_mime_part_get_message (HyMimePart *self)
{
  g_return_val_if_fail (HY_IS_MIME_PART (self), NULL);
  return self->message;
}

GMimeObject *
hy_mime_part_get_gmime_object (HyMimePart *self)
{
  g_return_val_if_fail (HY_IS_MIME_PART (self), NULL);
  return self->object;
}

/* An independent reader over the still-encoded content of a leaf, or NULL. */
static GMimeStream *
open_raw_stream (HyMimePart           *self,
                 GMimeContentEncoding *encoding)
{
  GMimeDataWrapper *wrapper;
  GMimeStream *stream;

  wrapper = g_mime_part_get_content (GMIME_PART (self->object));
  if (wrapper == NULL)
    return NULL;
  stream = g_mime_data_wrapper_get_stream (wrapper);
  if (stream == NULL)
    return NULL;
  *encoding = g_mime_data_wrapper_get_encoding (wrapper);
  return g_mime_stream_substream (stream, stream->bound_start, stream->bound_end);
}

/* The still-encoded content of a leaf when it is in memory (a message
 * parsed from bytes): a view into the parsed buffer, no copy. */
static gboolean
peek_raw (HyMimePart           *self,
          const guint8        **data,
          gsize                *len,
          GMimeContentEncoding *encoding)
{
  GMimeDataWrapper *wrapper;
  GMimeStream *stream;
  GByteArray *buffer;
  gint64 start, end;

  wrapper = g_mime_part_get_content (GMIME_PART (self->object));
  if (wrapper == NULL)
    return FALSE;
  stream = g_mime_data_wrapper_get_stream (wrapper);
  if (stream == NULL || !GMIME_IS_STREAM_MEM (stream))
    return FALSE;
  buffer = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  if (buffer == NULL)
    return FALSE;
  start = stream->bound_start;
  end = stream->bound_end < 0 ? (gint64) buffer->len : MIN (stream->bound_end, (gint64) buffer->len);
  if (start < 0 || start > end)
    return FALSE;
  /* An empty array may have no storage at all. */
  *data = start < end ? buffer->data + start : (const guint8 *) "";
  *len = end - start;
  *encoding = g_mime_data_wrapper_get_encoding (wrapper);
  return TRUE;
}

static gboolean
needs_decoding (GMimeContentEncoding encoding)
{
  return encoding == GMIME_CONTENT_ENCODING_BASE64 ||
         encoding == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
         encoding == GMIME_CONTENT_ENCODING_UUENCODE;
}

static gboolean
is_base64_char (guchar c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '/' || c == '=' ||
         c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

gint64
hy_mime_part_get_size (HyMimePart *self)
{
  g_return_val_if_fail (HY_IS_MIME_PART (self), -1);

  if (self->size >= 0)
    return self->size;

  if (GMIME_IS_PART (self->object))
    {
      g_autoptr(GMimeStream) raw = NULL;
      GMimeContentEncoding encoding = GMIME_CONTENT_ENCODING_DEFAULT;
      GMimeEncoding state;
      char inbuf[4096];
      char *outbuf;
      const guint8 *mem = NULL;
      gsize mem_len = 0, mem_pos = 0;
      gboolean in_memory;
      gint64 total = 0;
      guint64 bad = 0, data_chars = 0;
      ssize_t n;

      /* In memory, the encoded bytes are read where they are. */
      in_memory = peek_raw (self, &mem, &mem_len, &encoding);
      if (!in_memory && (raw = open_raw_stream (self, &encoding)) == NULL)
        return self->size = 0;

      if (!needs_decoding (encoding))
        {
          if (in_memory)
            return self->size = mem_len;
          while ((n = g_mime_stream_read (raw, inbuf, sizeof inbuf)) > 0)
            total += n;
          return self->size = total;
        }

      g_mime_encoding_init_decode (&state, encoding);
      outbuf = g_malloc (g_mime_encoding_outlen (&state, sizeof inbuf) + 16);
      for (;;)
        {
          const char *chunk;

          if (in_memory)
            {
              n = MIN (sizeof inbuf, mem_len - mem_pos);
              chunk = (const char *) mem + mem_pos;
              mem_pos += n;
            }
          else
            {
              n = g_mime_stream_read (raw, inbuf, sizeof inbuf);
              chunk = inbuf;
            }
          if (n <= 0)
            break;
          if (encoding == GMIME_CONTENT_ENCODING_BASE64)
            for (ssize_t i = 0; i < n; i++)
              {
                guchar c = (guchar) chunk[i];

                if (!is_base64_char (c))
                  bad++;
                else if (c != '=' && !g_ascii_isspace (c))
                  data_chars++;
              }
          total += g_mime_encoding_step (&state, chunk, n, outbuf);
        }
      total += g_mime_encoding_flush (&state, inbuf, 0, outbuf);
      g_free (outbuf);

      if (bad > 0)
        _hy_mime_add_defect (self->defects,
                             "part %s: %" G_GUINT64_FORMAT " bytes of invalid Base64 were skipped",
                             self->path, bad);
      if (encoding == GMIME_CONTENT_ENCODING_BASE64 && data_chars % 4 == 1)
        _hy_mime_add_defect (self->defects, "part %s: Base64 data ends in the middle of a byte", self->path);
      return self->size = total;
    }
  else
    {
      g_autoptr(GMimeStream) null = g_mime_stream_null_new ();
      ssize_t n;

      if (self->message != NULL || GMIME_IS_MESSAGE_PART (self->object))
        {
          GMimeMessage *nested = g_mime_message_part_get_message (GMIME_MESSAGE_PART (self->object));

          n = nested ? g_mime_object_write_to_stream (GMIME_OBJECT (nested), NULL, null) : 0;
        }
      else
        n = g_mime_object_write_content_to_stream (self->object, NULL, null);
      return self->size = MAX (n, 0);
    }
}

GMimeStream *
hy_mime_part_open_stream (HyMimePart *self)
{
  g_return_val_if_fail (HY_IS_MIME_PART (self), NULL);

  if (GMIME_IS_PART (self->object))
    {
      GMimeContentEncoding encoding = GMIME_CONTENT_ENCODING_DEFAULT;
      g_autoptr(GMimeStream) raw = open_raw_stream (self, &encoding);
      GMimeStream *filtered;
      g_autoptr(GMimeFilter) filter = NULL;

      if (raw == NULL)
        return g_mime_stream_mem_new ();
      if (!needs_decoding (encoding))
        return g_steal_pointer (&raw);

      filtered = g_mime_stream_filter_new (raw);
      filter = g_mime_filter_basic_new (encoding, FALSE);
      g_mime_stream_filter_add (GMIME_STREAM_FILTER (filtered), filter);
      return filtered;
    }
  else
    {
      GMimeStream *mem = g_mime_stream_mem_new ();

      if (GMIME_IS_MESSAGE_PART (self->object))
        {
          GMimeMessage *nested = g_mime_message_part_get_message (GMIME_MESSAGE_PART (self->object));

          if (nested != NULL)
            g_mime_object_write_to_stream (GMIME_OBJECT (nested), NULL, mem);
        }
      else
        g_mime_object_write_content_to_stream (self->object, NULL, mem);
      g_mime_stream_reset (mem);
      return mem;
    }
}

GInputStream *
hy_mime_part_open_input_stream (HyMimePart *self)
{
  g_autoptr(GMimeStream) stream = NULL;

  g_return_val_if_fail (HY_IS_MIME_PART (self), NULL);

  stream = hy_mime_part_open_stream (self);
  return hy_mime_input_stream_new (stream);
}

/* Decodes @len bytes of @data in @encoding onto the end of @array. */
static void
decode_append (GByteArray           *array,
               const guint8         *data,
               gsize                 len,
               GMimeContentEncoding  encoding)
{
  GMimeEncoding state;
  gsize before, used;

  g_mime_encoding_init_decode (&state, encoding);
  before = array->len;
  g_byte_array_set_size (array, before + g_mime_encoding_outlen (&state, len));
  used = g_mime_encoding_step (&state, (const char *) data, len, (char *) array->data + before);
  g_byte_array_set_size (array, before + used);

  before = array->len;
  g_byte_array_set_size (array, before + g_mime_encoding_outlen (&state, 0) + 16);
  used = g_mime_encoding_flush (&state, "", 0, (char *) array->data + before);
  g_byte_array_set_size (array, before + used);
}

/* The decoded content in one buffer, decoding straight from the parsed
 * bytes (no filter stream: this is the hot path of opening a message).
 * @extra bytes more are allocated for the caller to append. */
static GByteArray *
read_decoded (HyMimePart *self,
              gsize       extra)
{
  GByteArray *array;
  g_autoptr(GMimeStream) raw = NULL;
  GMimeContentEncoding encoding = GMIME_CONTENT_ENCODING_DEFAULT;
  const guint8 *data;
  gsize len;
  char inbuf[16384];
  ssize_t n;

  if (!GMIME_IS_PART (self->object))
    {
      g_autoptr(GMimeStream) stream = hy_mime_part_open_stream (self);

      array = g_byte_array_new ();
      while ((n = g_mime_stream_read (stream, inbuf, sizeof inbuf)) > 0)
        g_byte_array_append (array, (guint8 *) inbuf, n);
      return array;
    }

  if (peek_raw (self, &data, &len, &encoding))
    {
      if (!needs_decoding (encoding))
        {
          array = g_byte_array_sized_new (MIN (len + extra, G_MAXUINT));
          g_byte_array_append (array, data, len);
        }
      else
        {
          /* Decoded is never longer than encoded, plus a final flush. */
          array = g_byte_array_sized_new (MIN (len + 16 + extra, G_MAXUINT));
          decode_append (array, data, len, encoding);
        }
      return array;
    }

  raw = open_raw_stream (self, &encoding);
  if (raw == NULL)
    return g_byte_array_new ();

  {
    gint64 length = g_mime_stream_length (raw);

    array = g_byte_array_sized_new (length > 0 && length < G_MAXINT32 ? (guint) length + 16 + extra : 4096);
  }
  if (!needs_decoding (encoding))
    {
      while ((n = g_mime_stream_read (raw, inbuf, sizeof inbuf)) > 0)
        g_byte_array_append (array, (guint8 *) inbuf, n);
    }
  else
    {
      GMimeEncoding state;
      gsize used;

      g_mime_encoding_init_decode (&state, encoding);
      while ((n = g_mime_stream_read (raw, inbuf, sizeof inbuf)) > 0)
        {
          gsize before = array->len;

          g_byte_array_set_size (array, before + g_mime_encoding_outlen (&state, n));
          used = g_mime_encoding_step (&state, inbuf, n, (char *) array->data + before);
          g_byte_array_set_size (array, before + used);
        }
      {
        gsize before = array->len;

        g_byte_array_set_size (array, before + g_mime_encoding_outlen (&state, 0) + 16);
        used = g_mime_encoding_flush (&state, inbuf, 0, (char *) array->data + before);
        g_byte_array_set_size (array, before + used);
      }
    }
  return array;
}

GBytes *
hy_mime_part_get_content_bytes (HyMimePart *self)
{
  g_return_val_if_fail (HY_IS_MIME_PART (self), NULL);

  return g_byte_array_free_to_bytes (read_decoded (self, 0));
}

gboolean
hy_mime_part_save_to_file (HyMimePart    *self,
                           GFile         *file,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GFileOutputStream) out = NULL;
  char buf[16384];
  ssize_t n;

  g_return_val_if_fail (HY_IS_MIME_PART (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, cancellable, error);
  if (out == NULL)
    return FALSE;

  stream = hy_mime_part_open_stream (self);
  while ((n = g_mime_stream_read (stream, buf, sizeof buf)) > 0)
    if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), buf, n, NULL, cancellable, error))
      return FALSE;
  if (n < 0)
    {
      g_set_error (error, HY_MIME_ERROR, HY_MIME_ERROR_IO,
                   _ ("Could not read part %s of the message"), self->path);
      return FALSE;
    }
  return g_output_stream_close (G_OUTPUT_STREAM (out), cancellable, error);
}

/* <meta charset="…"> or http-equiv content="…; charset=…" near the top. */
static char *
sniff_html_charset (const char *data,
                    gsize       len)
{
  gsize n = MIN (len, 4096);
  g_autofree char *head = g_ascii_strdown (data, n);
  const char *p = strstr (head, "charset=");
  const char *end;

  if (p == NULL)
    return NULL;
  p += strlen ("charset=");
  while (*p == '"' || *p == '\'' || *p == ' ')
    p++;
  end = p;
  while (g_ascii_isalnum (*end) || *end == '-' || *end == '_' || *end == ':' || *end == '.')
    end++;
  if (end == p)
    return NULL;
  return g_strndup (p, end - p);
}

/* CRLF and lone CR to LF, in place; returns the new length. The text
 * between line breaks moves as whole blocks. */
static gsize
normalize_newlines_in_place (guint8 *data,
                             gsize   len)
{
  guint8 *out, *end;
  const guint8 *in, *cr;

  if (len == 0)
    return 0;
  cr = memchr (data, '\r', len);
  if (cr == NULL)
    return len;
  end = data + len;
  out = (guint8 *) cr;
  in = cr;
  while (cr != NULL)
    {
      gsize block = cr - in;

      if (out != in && block > 0)
        memmove (out, in, block);
      out += block;
      *out++ = '\n';
      in = cr + 1;
      if (in < end && *in == '\n')
        in++;
      cr = in < end ? memchr (in, '\r', end - in) : NULL;
    }
  if (in < end)
    {
      memmove (out, in, end - in);
      out += end - in;
    }
  return out - data;
}

/* Whether @data is UTF-8 without NUL bytes, as text must be. Mail is
 * mostly ASCII: that is checked a word at a time, and only the rest goes
 * through the full UTF-8 check. */
static gboolean
is_valid_text (const guint8 *data,
               gsize         len)
{
  const guint64 high = G_GUINT64_CONSTANT (0x8080808080808080);
  const guint64 ones = G_GUINT64_CONSTANT (0x0101010101010101);
  gsize i = 0;

  for (; i + 8 <= len; i += 8)
    {
      guint64 word;

      memcpy (&word, data + i, sizeof word);
      /* A byte >= 0x80, or a zero byte. */
      if ((word & high) != 0 || ((word - ones) & ~word & high) != 0)
        break;
    }
  return g_utf8_validate ((const char *) data + i, len - i, NULL);
}

static gboolean
is_utf8_label (const char *charset)
{
  return charset == NULL ||
         g_ascii_strcasecmp (charset, "utf-8") == 0 || g_ascii_strcasecmp (charset, "utf8") == 0 ||
         g_ascii_strcasecmp (charset, "us-ascii") == 0;
}

char *
hy_mime_part_get_text (HyMimePart *self)
{
  g_autoptr(GByteArray) array = NULL;
  g_autofree char *defect = NULL;
  g_autofree char *sniffed = NULL;
  g_autofree char *text = NULL;
  const char *charset;
  gboolean wide;

  g_return_val_if_fail (HY_IS_MIME_PART (self), NULL);

  if (!GMIME_IS_PART (self->object) || strcmp (self->media_type, "text") != 0)
    return NULL;

  array = read_decoded (self, 1);
  if (array->len == 0)
    return g_strdup ("");
  charset = self->charset;
  if (charset == NULL && strcmp (self->media_subtype, "html") == 0 && array->len > 0)
    charset = sniffed = sniff_html_charset ((const char *) array->data, array->len);

  /* Line breaks are ASCII in every charset mail uses but UTF-16/32. */
  wide = charset != NULL && (g_ascii_strncasecmp (charset, "utf-16", 6) == 0 ||
                             g_ascii_strncasecmp (charset, "utf-32", 6) == 0 ||
                             g_ascii_strncasecmp (charset, "ucs", 3) == 0);
  if (!wide)
    g_byte_array_set_size (array, normalize_newlines_in_place (array->data, array->len));

  if (is_utf8_label (charset) && is_valid_text (array->data, array->len))
    {
      /* The common case: already UTF-8, no copy. */
      g_byte_array_append (array, (const guint8 *) "", 1);
      text = (char *) g_byte_array_free (g_steal_pointer (&array), FALSE);
    }
  else
    {
      text = hy_charset_decode ((const char *) array->data, array->len, charset, &defect);
      if (defect != NULL)
        _hy_mime_add_defect (self->defects, "part %s: %s", self->path, defect);
      if (wide)
        {
          char *lf = hy_text_normalize_newlines (text);

          g_free (text);
          text = lf;
        }
    }

  if (strcmp (self->media_subtype, "plain") == 0)
    {
      const char *format = g_mime_object_get_content_type_parameter (self->object, "format");

      if (format != NULL && g_ascii_strcasecmp (format, "flowed") == 0)
        {
          const char *delsp = g_mime_object_get_content_type_parameter (self->object, "delsp");

          return hy_text_flowed_decode (text, delsp != NULL && g_ascii_strcasecmp (delsp, "yes") == 0);
        }
    }
  return g_steal_pointer (&text);
}
