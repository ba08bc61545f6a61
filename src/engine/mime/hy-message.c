/* hy-message.c — a received message as the app reads it, over GMime
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-mime"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "hy-charset.h"
#include "hy-mime-error.h"
#include "hy-mime-private.h"
#include "hy-text-utils.h"

/* Larger input is refused rather than read into memory. */
#define HY_MESSAGE_MAX_SIZE ((gsize) 1024 * 1024 * 1024)

/* GMime's own defect checks cost time on every parse, so a message is
 * parsed without them; when a caller asks for the defects, the same bytes
 * are parsed once more with the checks on. Shared by a message and the
 * messages nested in it, which report into the same list. */
typedef struct {
  GMimeStream *source;         /* the bytes as parsed; NULL once scanned */
} HyDefectScan;

struct _HyMessage {
  GObject       parent_instance;

  GMimeMessage *message;
  GPtrArray    *defects;       /* of char*, shared with parts */
  HyDefectScan *scan;          /* NULL when GMime was not the parser */
  GPtrArray    *parts;         /* of HyMimePart, tree order */
  HyMimePart   *root;
  guint         depth;

  char         *subject;
  GPtrArray    *addresses[6];
  GDateTime    *date;
  char         *message_id;
  char         *in_reply_to;
  GStrv         references;
  char         *list_id;
  char         *list_unsubscribe;
  char         *authentication_results;
  GPtrArray    *headers;       /* of GMimeHeader, message and root part merged */
  gboolean      envelope_done; /* the fields above are read on first use */

  /* The body, worked out on first use; its text decoded only when asked for. */
  gboolean      body_done;
  gboolean      text_done;
  GPtrArray    *text_parts;    /* of HyMimePart, the plain-text body in order */
  char         *text;
  HyMimePart   *html_part;
  GPtrArray    *attachments;
  GPtrArray    *inline_parts;
  GHashTable   *by_cid;
};

G_DEFINE_FINAL_TYPE (HyMessage, hy_message, G_TYPE_OBJECT)

enum {
  ADDR_FROM,
  ADDR_SENDER,
  ADDR_REPLY_TO,
  ADDR_TO,
  ADDR_CC,
  ADDR_BCC,
};

static const char * const address_headers[] = {
  "From", "Sender", "Reply-To", "To", "Cc", "Bcc"
};

enum {
  PROP_0,
  PROP_SUBJECT,
  PROP_DATE,
  PROP_MESSAGE_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void ensure_envelope (HyMessage *self);
static void ensure_body     (HyMessage *self);
static void ensure_text     (HyMessage *self);

static void
defect_scan_clear (gpointer data)
{
  HyDefectScan *scan = data;

  g_clear_object (&scan->source);
}

static void
defect_scan_unref (HyDefectScan *scan)
{
  g_rc_box_release_full (scan, defect_scan_clear);
}

static void
hy_message_finalize (GObject *object)
{
  HyMessage *self = HY_MESSAGE (object);

  g_clear_pointer (&self->by_cid, g_hash_table_unref);
  g_clear_pointer (&self->text_parts, g_ptr_array_unref);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_clear_pointer (&self->inline_parts, g_ptr_array_unref);
  g_clear_object (&self->root);
  g_clear_pointer (&self->parts, g_ptr_array_unref);
  g_clear_pointer (&self->headers, g_ptr_array_unref);
  g_clear_pointer (&self->defects, g_ptr_array_unref);
  g_clear_pointer (&self->scan, defect_scan_unref);
  for (guint i = 0; i < G_N_ELEMENTS (self->addresses); i++)
    g_clear_pointer (&self->addresses[i], g_ptr_array_unref);
  g_clear_pointer (&self->date, g_date_time_unref);
  g_clear_object (&self->message);
  g_free (self->subject);
  g_free (self->message_id);
  g_free (self->in_reply_to);
  g_strfreev (self->references);
  g_free (self->list_id);
  g_free (self->list_unsubscribe);
  g_free (self->authentication_results);
  g_free (self->text);

  G_OBJECT_CLASS (hy_message_parent_class)->finalize (object);
}

static void
hy_message_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  HyMessage *self = HY_MESSAGE (object);

  ensure_envelope (self);
  switch (prop_id)
    {
    case PROP_SUBJECT: g_value_set_string (value, self->subject); break;
    case PROP_DATE: g_value_set_boxed (value, self->date); break;
    case PROP_MESSAGE_ID: g_value_set_string (value, self->message_id); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hy_message_class_init (HyMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = hy_message_finalize;
  object_class->get_property = hy_message_get_property;

  properties[PROP_SUBJECT] = g_param_spec_string ("subject", NULL, NULL, NULL, flags);
  properties[PROP_DATE] = g_param_spec_boxed ("date", NULL, NULL, G_TYPE_DATE_TIME, flags);
  properties[PROP_MESSAGE_ID] = g_param_spec_string ("message-id", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hy_message_init (HyMessage *self)
{
  self->parts = g_ptr_array_new_with_free_func (g_object_unref);
}

/* Headers --------------------------------------------------------------- */

static GMimeHeaderList *
header_list (HyMessage *self)
{
  return g_mime_object_get_header_list (GMIME_OBJECT (self->message));
}

static int
compare_offsets (gconstpointer a,
                 gconstpointer b)
{
  gint64 oa = g_mime_header_get_offset (*(GMimeHeader **) a);
  gint64 ob = g_mime_header_get_offset (*(GMimeHeader **) b);

  return oa < ob ? -1 : oa > ob ? 1 : 0;
}

/* GMime keeps the Content-* headers of the top level with the body part;
 * a reader wants the header block as it was received, in order. */
static void
collect_headers (HyMessage *self)
{
  GMimeHeaderList *lists[2];
  gboolean sortable = TRUE;

  if (self->headers != NULL)
    return;
  self->headers = g_ptr_array_new ();
  lists[0] = header_list (self);
  lists[1] = g_mime_message_get_mime_part (self->message) ?
             g_mime_object_get_header_list (g_mime_message_get_mime_part (self->message)) : NULL;
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    {
      int n = lists[l] ? g_mime_header_list_get_count (lists[l]) : 0;

      for (int i = 0; i < n && self->headers->len < HY_MIME_MAX_HEADERS; i++)
        {
          GMimeHeader *header = g_mime_header_list_get_header_at (lists[l], i);

          if (g_mime_header_get_offset (header) < 0)
            sortable = FALSE;
          g_ptr_array_add (self->headers, header);
        }
      if (n > HY_MIME_MAX_HEADERS || self->headers->len >= HY_MIME_MAX_HEADERS)
        _hy_mime_add_defect (self->defects, "more than %d headers; only the first %d are listed",
                             HY_MIME_MAX_HEADERS, HY_MIME_MAX_HEADERS);
    }
  if (sortable)
    g_ptr_array_sort (self->headers, compare_offsets);
}

const char *
hy_message_get_header (HyMessage  *self,
                       const char *name)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  /* Not limited like the listing: a Subject after a thousand junk
   * headers is still the subject. */
  {
    GMimeHeader *header = g_mime_header_list_get_header (header_list (self), name);
    GMimeObject *mime;

    if (header == NULL && (mime = g_mime_message_get_mime_part (self->message)) != NULL)
      header = g_mime_header_list_get_header (g_mime_object_get_header_list (mime), name);
    return header ? g_mime_header_get_raw_value (header) : NULL;
  }
}

/* Unfolded, trimmed, and no longer than the model allows; the bytes are
 * as received (possibly raw 8-bit). */
static char *
unfold (HyMessage  *self,
        const char *name,
        const char *raw)
{
  g_autofree char *limited = NULL;
  char *unfolded;

  if (raw == NULL)
    return NULL;
  if (strlen (raw) > HY_MIME_MAX_HEADER_TEXT)
    {
      _hy_mime_add_defect (self->defects, "header %s is longer than %d bytes; it was cut short",
                           name, HY_MIME_MAX_HEADER_TEXT);
      raw = limited = g_strndup (raw, HY_MIME_MAX_HEADER_TEXT);
    }
  unfolded = g_mime_utils_header_unfold (raw);
  if (unfolded != NULL)
    g_strstrip (unfolded);
  return unfolded;
}

/* The same as UTF-8 text, raw 8-bit decoded with the charset fallbacks. */
static char *
unfold_raw (HyMessage  *self,
            const char *name,
            const char *raw)
{
  g_autofree char *unfolded = unfold (self, name, raw);

  if (unfolded == NULL)
    return NULL;
  if (g_utf8_validate (unfolded, -1, NULL))
    return g_steal_pointer (&unfolded);
  return hy_charset_decode (unfolded, strlen (unfolded), NULL, NULL);
}

static char *
decode_header (HyMessage  *self,
               const char *name,
               const char *raw)
{
  g_autofree char *unfolded = unfold (self, name, raw);

  return unfolded ? hy_charset_decode_header (unfolded) : NULL;
}

guint
hy_message_get_header_count (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), 0);
  collect_headers (self);
  return self->headers->len;
}

const char *
hy_message_get_header_name (HyMessage *self,
                            guint      index)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  collect_headers (self);
  g_return_val_if_fail (index < self->headers->len, NULL);
  return g_mime_header_get_name (g_ptr_array_index (self->headers, index));
}

const char *
hy_message_get_header_raw_value (HyMessage *self,
                                 guint      index)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  collect_headers (self);
  g_return_val_if_fail (index < self->headers->len, NULL);
  return g_mime_header_get_raw_value (g_ptr_array_index (self->headers, index));
}

char *
hy_message_dup_header_value (HyMessage *self,
                             guint      index)
{
  GMimeHeader *header;

  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  collect_headers (self);
  g_return_val_if_fail (index < self->headers->len, NULL);

  header = g_ptr_array_index (self->headers, index);
  return decode_header (self, g_mime_header_get_name (header), g_mime_header_get_raw_value (header));
}

#define REPLACEMENT_CHARACTER "\xEF\xBF\xBD"

static gboolean
addresses_have_replacement (GPtrArray *list)
{
  for (guint i = 0; i < list->len; i++)
    {
      const char *name = hy_address_get_name (g_ptr_array_index (list, i));

      if (name != NULL && strstr (name, REPLACEMENT_CHARACTER) != NULL)
        return TRUE;
    }
  return FALSE;
}

static char *
read_subject (HyMessage *self)
{
  const char *decoded = g_mime_message_get_subject (self->message);
  const char *raw = hy_message_get_header (self, "Subject");

  if (raw == NULL)
    return NULL;
  if (decoded == NULL || strlen (raw) > HY_MIME_MAX_HEADER_TEXT ||
      (strstr (decoded, REPLACEMENT_CHARACTER) != NULL && strstr (raw, "=?") != NULL))
    return decode_header (self, "Subject", raw);
  {
    char *subject = hy_charset_make_valid (decoded, -1);

    return g_strstrip (subject);
  }
}

static GPtrArray *
read_addresses (HyMessage *self,
                guint      which)
{
  static const GMimeAddressType types[] = {
    GMIME_ADDRESS_TYPE_FROM, GMIME_ADDRESS_TYPE_SENDER, GMIME_ADDRESS_TYPE_REPLY_TO,
    GMIME_ADDRESS_TYPE_TO, GMIME_ADDRESS_TYPE_CC, GMIME_ADDRESS_TYPE_BCC,
  };
  const char *raw = hy_message_get_header (self, address_headers[which]);
  GPtrArray *list = hy_address_list_from_gmime (g_mime_message_get_addresses (self->message, types[which]));

  /* GMime decodes encoded-words by their declared charset; when that
   * left replacement characters, a mislabelled CJK charset may need its
   * superset: parse again with the labels fixed. */
  if (raw != NULL && strstr (raw, "=?") != NULL && addresses_have_replacement (list))
    {
      g_autofree char *fixed = hy_charset_fix_encoded_words (raw);

      if (strcmp (fixed, raw) != 0)
        {
          g_ptr_array_unref (list);
          return hy_address_list_parse (fixed);
        }
    }
  return list;
}

static GDateTime *
read_date (HyMessage *self)
{
  GDateTime *date = g_mime_message_get_date (self->message);
  const char *raw;
  GMimeHeaderList *headers;
  int n;

  if (date != NULL)
    return g_date_time_ref (date);

  raw = hy_message_get_header (self, "Date");
  if (raw != NULL)
    {
      g_autofree char *value = unfold_raw (self, "Date", raw);
      GTimeZone *utc = g_time_zone_new_utc ();

      date = value ? g_date_time_new_from_iso8601 (value, utc) : NULL;
      g_time_zone_unref (utc);
      if (date != NULL)
        return date;
      _hy_mime_add_defect (self->defects, "the Date header “%s” cannot be read", value ? value : "");
    }

  /* The newest Received header says when the message arrived. */
  headers = header_list (self);
  n = g_mime_header_list_get_count (headers);
  for (int i = 0; i < n; i++)
    {
      GMimeHeader *header = g_mime_header_list_get_header_at (headers, i);
      const char *value, *semi;

      if (g_ascii_strcasecmp (g_mime_header_get_name (header), "Received") != 0)
        continue;
      value = g_mime_header_get_raw_value (header);
      semi = value ? strrchr (value, ';') : NULL;
      if (semi != NULL && (date = g_mime_utils_header_decode_date (semi + 1)) != NULL)
        return date;
    }
  return NULL;
}

static char *
read_message_id (HyMessage  *self,
                 const char *name)
{
  const char *raw = hy_message_get_header (self, name);
  g_autofree char *value = NULL;
  char *id;

  if (raw == NULL)
    return NULL;
  value = unfold_raw (self, name, raw);
  if (value == NULL || *value == '\0')
    return NULL;
  id = g_mime_utils_decode_message_id (value);
  if (id == NULL || *id == '\0')
    {
      g_free (id);
      /* Keep what is there: a bare id without brackets. */
      id = g_strdup (value);
      g_strdelimit (id, "<>", ' ');
      g_strstrip (id);
    }
  {
    char *valid = hy_charset_make_valid (id, -1);

    g_free (id);
    return valid;
  }
}

static GStrv
read_references (HyMessage *self)
{
  const char *raw = hy_message_get_header (self, "References");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *value = NULL;
  GMimeReferences *refs;

  if (raw != NULL && (value = unfold_raw (self, "References", raw)) != NULL &&
      (refs = g_mime_references_parse (hy_charset_get_parser_options (), value)) != NULL)
    {
      int n = g_mime_references_length (refs);

      for (int i = 0; i < n; i++)
        {
          g_autofree char *id = hy_charset_make_valid (g_mime_references_get_message_id (refs, i), -1);

          g_strv_builder_add (builder, id);
        }
      g_mime_references_free (refs);
    }
  return g_strv_builder_end (builder);
}

/* Construction ----------------------------------------------------------- */

static void
warning_cb (gint64              offset,
            GMimeParserWarning  code,
            const char         *item,
            gpointer            user_data)
{
  GPtrArray *defects = user_data;
  g_autofree char *what = item ? hy_charset_make_valid (item, MIN (strlen (item), 200)) : NULL;
  const char *text;

  switch ((int) code)
    {
    case GMIME_WARN_DUPLICATED_HEADER: text = "duplicated header"; break;
    case GMIME_WARN_DUPLICATED_PARAMETER: text = "duplicated parameter"; break;
    case GMIME_WARN_UNENCODED_8BIT_HEADER: text = "raw 8-bit text in header"; break;
    case GMIME_WARN_INVALID_CONTENT_TYPE: text = "invalid Content-Type, read as application/octet-stream"; break;
    case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE: text = "invalid RFC 2047 encoded header"; break;
    case GMIME_WARN_INVALID_PARAMETER: text = "invalid header parameter"; break;
    case GMIME_WARN_MALFORMED_MULTIPART: text = "multipart without any parts"; break;
    case GMIME_WARN_TRUNCATED_MESSAGE: text = "message is truncated"; break;
    case GMIME_WARN_MALFORMED_MESSAGE: text = "message is malformed"; break;
    case GMIME_WARN_INVALID_ADDRESS_LIST: text = "invalid address list"; break;
    case GMIME_CRIT_INVALID_HEADER_NAME: text = "invalid header name"; break;
    case GMIME_CRIT_CONFLICTING_HEADER: text = "conflicting header"; break;
    case GMIME_CRIT_CONFLICTING_PARAMETER: text = "conflicting parameter"; break;
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: text = "multipart without a boundary"; break;
    case GMIME_CRIT_NESTING_OVERFLOW: text = "MIME nesting too deep"; break;
    case GMIME_WARN_PART_WITHOUT_CONTENT: text = "part without content"; break;
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT: text = "part without headers or content"; break;
    default: text = "malformed MIME"; break;
    }

  if (what != NULL && *what != '\0')
    _hy_mime_add_defect (defects, "%s: %s", text, what);
  else
    _hy_mime_add_defect (defects, "%s", text);
}

/* The header fields, read on first use: a message list that shows only
 * subjects never pays for References or Authentication-Results. */
static void
ensure_envelope (HyMessage *self)
{
  if (self->envelope_done)
    return;
  self->envelope_done = TRUE;

  self->subject = read_subject (self);
  for (guint i = 0; i < G_N_ELEMENTS (self->addresses); i++)
    self->addresses[i] = read_addresses (self, i);
  self->date = read_date (self);
  self->message_id = read_message_id (self, "Message-ID");
  self->in_reply_to = read_message_id (self, "In-Reply-To");
  self->references = read_references (self);
  self->list_id = decode_header (self, "List-Id", hy_message_get_header (self, "List-Id"));
  self->list_unsubscribe = unfold_raw (self, "List-Unsubscribe", hy_message_get_header (self, "List-Unsubscribe"));
  self->authentication_results = unfold_raw (self, "Authentication-Results",
                                             hy_message_get_header (self, "Authentication-Results"));
}

static void
init_from_gmime (HyMessage    *self,
                 GMimeMessage *message,
                 const char   *path,
                 guint         depth,
                 GPtrArray    *defects)
{
  GMimeObject *mime;

  self->message = g_object_ref (message);
  self->defects = g_ptr_array_ref (defects);
  self->depth = depth;

  mime = g_mime_message_get_mime_part (message);
  if (mime != NULL)
    {
      g_autofree char *root_path = NULL;
      const char *leaf = GMIME_IS_MULTIPART (mime) ? "0" : "1";

      if (path == NULL || *path == '\0')
        root_path = g_strdup (leaf);
      else
        root_path = g_strdup_printf ("%s.%s", path, leaf);
      self->root = _hy_mime_part_new (mime, root_path, depth, defects, self->parts);
      _hy_mime_part_set_root (self->root);
    }
}

HyMessage *
_hy_message_new_nested (GMimeMessage *message,
                        const char   *path,
                        guint         depth,
                        GPtrArray    *defects,
                        GPtrArray    *all_parts)
{
  HyMessage *self = g_object_new (HY_TYPE_MESSAGE, NULL);

  init_from_gmime (self, message, path, depth, defects);
  if (all_parts != NULL)
    for (guint i = 0; i < self->parts->len; i++)
      g_ptr_array_add (all_parts, g_object_ref (g_ptr_array_index (self->parts, i)));
  return self;
}

/* Moves the parser's findings in front of the defects found since: that
 * is the order they would have had if found while parsing. The list keeps
 * its limit and lists no sentence twice. */
static void
merge_parser_defects (GPtrArray *defects,
                      GPtrArray *found)
{
  guint n = 0;

  for (guint i = 0; i < found->len; i++)
    {
      const char *text = g_ptr_array_index (found, i);

      for (guint j = n; j < defects->len; j++)
        if (strcmp (g_ptr_array_index (defects, j), text) == 0)
          {
            g_ptr_array_remove_index (defects, j);
            break;
          }
      g_ptr_array_insert (defects, n++, g_steal_pointer (&found->pdata[i]));
    }
  if (defects->len > HY_MIME_MAX_DEFECTS)
    g_ptr_array_set_size (defects, HY_MIME_MAX_DEFECTS);
}

/* Parses the message's bytes again, this time with GMime's warnings on,
 * and adds what GMime found to the defect list (once per message tree). */
static void
ensure_parser_defects (HyMessage *self)
{
  g_autoptr(GMimeStream) source = NULL;
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GPtrArray) found = NULL;
  GMimeParserOptions *options;
  GMimeMessage *message;

  if (self->scan == NULL || self->scan->source == NULL)
    return;
  source = g_steal_pointer (&self->scan->source);

  found = g_ptr_array_new_with_free_func (g_free);
  options = g_mime_parser_options_clone (hy_charset_get_parser_options ());
  g_mime_parser_options_set_warning_callback (options, warning_cb, found);

  stream = g_mime_stream_substream (source, source->bound_start, source->bound_end);
  parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  message = g_mime_parser_construct_message (parser, options);
  /* The objects keep a pointer to the options: free them after. */
  g_clear_object (&message);
  g_clear_object (&parser);
  g_mime_parser_options_free (options);

  merge_parser_defects (self->defects, found);
}

static HyMessage *
new_from_stream (GMimeStream *stream)
{
  g_autoptr(GPtrArray) defects = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  HyDefectScan *scan;
  HyMessage *self;

  scan = g_rc_box_new0 (HyDefectScan);
  scan->source = g_object_ref (stream);

  /* Without a warning callback: see HyDefectScan. The engine's options
   * live as long as the process, as the parsed objects require. */
  parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  message = g_mime_parser_construct_message (parser, hy_charset_get_parser_options ());

  if (message == NULL)
    {
      g_autoptr(GMimeTextPart) part = g_mime_text_part_new_with_subtype ("plain");
      g_autoptr(GMimeStream) all = g_mime_stream_substream (stream, 0, -1);
      g_autoptr(GMimeDataWrapper) wrapper = NULL;

      _hy_mime_add_defect (defects, "not a MIME message; all of it is kept as the text");
      message = g_mime_message_new (FALSE);
      g_mime_stream_reset (all);
      wrapper = g_mime_data_wrapper_new_with_stream (all, GMIME_CONTENT_ENCODING_DEFAULT);
      g_mime_part_set_content (GMIME_PART (part), wrapper);
      g_mime_message_set_mime_part (message, GMIME_OBJECT (part));
    }

  self = g_object_new (HY_TYPE_MESSAGE, NULL);
  init_from_gmime (self, message, NULL, 0, defects);
  self->scan = scan;
  /* Every message in the tree reports into the same list. */
  for (guint i = 0; i < self->parts->len; i++)
    {
      HyMessage *nested = hy_mime_part_get_message (g_ptr_array_index (self->parts, i));

      if (nested != NULL && nested->scan == NULL)
        nested->scan = g_rc_box_acquire (scan);
    }
  return self;
}

HyMessage *
hy_message_new_from_data (const char *data,
                          gsize       len)
{
  g_autoptr(GMimeStream) stream = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  stream = g_mime_stream_mem_new_with_buffer (data ? data : "", len);
  return new_from_stream (stream);
}

HyMessage *
hy_message_new_from_bytes (GBytes *bytes)
{
  gsize len = 0;
  const char *data;

  g_return_val_if_fail (bytes != NULL, NULL);

  data = g_bytes_get_data (bytes, &len);
  return hy_message_new_from_data (data, len);
}

HyMessage *
hy_message_new_from_stream (GInputStream  *stream,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_autoptr(GByteArray) array = g_byte_array_new ();
  g_autoptr(GMimeStream) mem = NULL;
  guint8 buf[65536];

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  for (;;)
    {
      gssize n = g_input_stream_read (stream, buf, sizeof buf, cancellable, error);

      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      if (array->len + (gsize) n > HY_MESSAGE_MAX_SIZE)
        {
          g_set_error (error, HY_MIME_ERROR, HY_MIME_ERROR_TOO_LARGE,
                       _ ("The message is larger than %zu MiB and was not opened"),
                       HY_MESSAGE_MAX_SIZE / (1024 * 1024));
          return NULL;
        }
      g_byte_array_append (array, buf, n);
    }

  mem = g_mime_stream_mem_new_with_byte_array (g_steal_pointer (&array));
  return new_from_stream (mem);
}

HyMessage *
hy_message_new_from_file (GFile         *file,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr(GFileInputStream) in = NULL;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  in = g_file_read (file, cancellable, error);
  if (in == NULL)
    return NULL;
  return hy_message_new_from_stream (G_INPUT_STREAM (in), cancellable, error);
}

static void
new_from_file_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  GError *error = NULL;
  HyMessage *message = hy_message_new_from_file (task_data, cancellable, &error);

  if (message == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, message, g_object_unref);
}

void
hy_message_new_from_file_async (GFile               *file,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_message_new_from_file_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, new_from_file_thread);
}

HyMessage *
hy_message_new_from_file_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_message_new_from_file_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Simple accessors -------------------------------------------------------- */

const char *
hy_message_get_subject (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  ensure_envelope (self);
  return self->subject;
}

GPtrArray *
hy_message_get_from (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  ensure_envelope (self);
  return self->addresses[ADDR_FROM];
}

GPtrArray *
hy_message_get_sender (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  ensure_envelope (self);
  return self->addresses[ADDR_SENDER];
}

GPtrArray *
hy_message_get_reply_to (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  ensure_envelope (self);
  return self->addresses[ADDR_REPLY_TO];
}

GPtrArray *
hy_message_get_to (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  ensure_envelope (self);
  return self->addresses[ADDR_TO];
}

GPtrArray *
hy_message_get_cc (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  ensure_envelope (self);
  return self->addresses[ADDR_CC];
}

GPtrArray *
hy_message_get_bcc (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  ensure_envelope (self);
  return self->addresses[ADDR_BCC];
}

GDateTime *
hy_message_get_date (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  ensure_envelope (self);
  return self->date;
}

const char *
hy_message_get_message_id (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  ensure_envelope (self);
  return self->message_id;
}

const char *
hy_message_get_in_reply_to (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  ensure_envelope (self);
  return self->in_reply_to;
}

const char * const *
hy_message_get_references (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  ensure_envelope (self);
  return (const char * const *) self->references;
}

const char *
hy_message_get_list_id (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  ensure_envelope (self);
  return self->list_id;
}

const char *
hy_message_get_list_unsubscribe (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  ensure_envelope (self);
  return self->list_unsubscribe;
}

const char *
hy_message_get_authentication_results (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  ensure_envelope (self);
  return self->authentication_results;
}

HyMimePart *
hy_message_get_root_part (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  return self->root;
}

GPtrArray *
hy_message_get_parts (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  return self->parts;
}

GPtrArray *
hy_message_get_defects (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  /* Everything that can find a defect without reading attachments. */
  ensure_parser_defects (self);
  collect_headers (self);
  ensure_envelope (self);
  ensure_body (self);
  ensure_text (self);
  return self->defects;
}

GMimeMessage *
hy_message_get_gmime_message (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  return self->message;
}

/* The body ------------------------------------------------------------------ */

static gboolean
is_subtype (HyMimePart *part,
            const char *type,
            const char *subtype)
{
  return strcmp (hy_mime_part_get_media_type (part), type) == 0 &&
         (subtype == NULL || strcmp (hy_mime_part_get_media_subtype (part), subtype) == 0);
}

static gboolean
is_attachment_disposition (HyMimePart *part)
{
  return g_strcmp0 (hy_mime_part_get_disposition (part), "attachment") == 0;
}

/* A text leaf that is meant to be read as (part of) the body. */
static gboolean
is_body_text (HyMimePart *part,
              const char *subtype)
{
  const char *disposition = hy_mime_part_get_disposition (part);

  if (!hy_mime_part_is_leaf (part) || !is_subtype (part, "text", subtype))
    return FALSE;
  if (g_strcmp0 (disposition, "attachment") == 0)
    return FALSE;
  /* A named text part is a file, even inline (Apple Mail sends attached
   * files inline; Outlook marks them with only a name= parameter) —
   * unless it is all the message has. */
  if (hy_mime_part_get_filename (part) != NULL && !_hy_mime_part_is_root (part))
    return FALSE;
  return TRUE;
}

static HyMimePart *
related_root (HyMimePart *related)
{
  GPtrArray *children = hy_mime_part_get_children (related);
  const char *start = hy_mime_part_get_parameter (related, "start");

  if (children->len == 0)
    return NULL;
  if (start != NULL)
    {
      g_autofree char *id = g_mime_utils_decode_message_id (start);

      for (guint i = 0; id != NULL && i < children->len; i++)
        if (g_strcmp0 (hy_mime_part_get_content_id (g_ptr_array_index (children, i)), id) == 0)
          return g_ptr_array_index (children, i);
    }
  return g_ptr_array_index (children, 0);
}

static gboolean
subtree_has_text (HyMimePart *part,
                  const char *subtype)
{
  GPtrArray *children;

  if (hy_mime_part_is_leaf (part))
    return is_body_text (part, subtype);
  children = hy_mime_part_get_children (part);
  for (guint i = 0; i < children->len; i++)
    if (subtree_has_text (g_ptr_array_index (children, i), subtype))
      return TRUE;
  return FALSE;
}

static void
collect_text (HyMimePart *part,
              GPtrArray  *out)
{
  GPtrArray *children = hy_mime_part_get_children (part);

  if (hy_mime_part_is_leaf (part))
    {
      if (is_body_text (part, "plain"))
        g_ptr_array_add (out, part);
      return;
    }
  if (!hy_mime_part_is_multipart (part) || children->len == 0)
    return;

  if (is_subtype (part, "multipart", "alternative"))
    {
      for (guint i = children->len; i > 0; i--)
        if (subtree_has_text (g_ptr_array_index (children, i - 1), "plain"))
          {
            collect_text (g_ptr_array_index (children, i - 1), out);
            return;
          }
    }
  else if (is_subtype (part, "multipart", "related"))
    collect_text (related_root (part), out);
  else if (is_subtype (part, "multipart", "signed"))
    collect_text (g_ptr_array_index (children, 0), out);
  else if (!is_subtype (part, "multipart", "encrypted"))
    for (guint i = 0; i < children->len; i++)
      collect_text (g_ptr_array_index (children, i), out);
}

static HyMimePart *
find_html (HyMimePart *part)
{
  GPtrArray *children = hy_mime_part_get_children (part);

  if (hy_mime_part_is_leaf (part))
    return is_body_text (part, "html") ? part : NULL;
  if (!hy_mime_part_is_multipart (part) || children->len == 0)
    return NULL;

  if (is_subtype (part, "multipart", "alternative"))
    {
      for (guint i = children->len; i > 0; i--)
        {
          HyMimePart *found = find_html (g_ptr_array_index (children, i - 1));

          if (found != NULL)
            return found;
        }
      return NULL;
    }
  if (is_subtype (part, "multipart", "related"))
    return find_html (related_root (part));
  if (is_subtype (part, "multipart", "signed"))
    return find_html (g_ptr_array_index (children, 0));
  if (is_subtype (part, "multipart", "encrypted"))
    return NULL;
  for (guint i = 0; i < children->len; i++)
    {
      HyMimePart *found = find_html (g_ptr_array_index (children, i));

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Every readable text alternative is body, even the ones not chosen. */
static void
mark_alternatives (HyMimePart *part,
                   gboolean    inside)
{
  GPtrArray *children = hy_mime_part_get_children (part);

  if (hy_mime_part_is_leaf (part))
    {
      if (inside && is_body_text (part, NULL))
        _hy_mime_part_set_body (part);
      return;
    }
  inside = inside || is_subtype (part, "multipart", "alternative");
  for (guint i = 0; i < children->len; i++)
    mark_alternatives (g_ptr_array_index (children, i), inside);
}

static void
classify (HyMessage  *self,
          HyMimePart *part,
          HyMimePart *related,
          HyMimePart *root)
{
  GPtrArray *children = hy_mime_part_get_children (part);

  if (hy_mime_part_is_multipart (part) && children->len > 0)
    {
      if (is_subtype (part, "multipart", "related"))
        {
          HyMimePart *rroot = related_root (part);

          for (guint i = 0; i < children->len; i++)
            classify (self, g_ptr_array_index (children, i), part, rroot);
        }
      else if (is_subtype (part, "multipart", "signed"))
        classify (self, g_ptr_array_index (children, 0), NULL, NULL);
      else
        for (guint i = 0; i < children->len; i++)
          classify (self, g_ptr_array_index (children, i), NULL, NULL);
      return;
    }
  if (hy_mime_part_is_multipart (part))
    {
      /* Beyond the nesting limit: kept whole so that nothing is lost. */
      if (g_mime_multipart_get_count (GMIME_MULTIPART (hy_mime_part_get_gmime_object (part))) > 0)
        g_ptr_array_add (self->attachments, g_object_ref (part));
      return;
    }
  if (!hy_mime_part_is_leaf (part))
    {
      /* message/rfc822 and other message types */
      g_ptr_array_add (self->attachments, g_object_ref (part));
      return;
    }
  if (_hy_mime_part_is_body (part))
    return;

  if (related != NULL && part != root &&
      (hy_mime_part_get_content_id (part) != NULL ||
       g_mime_object_get_header (hy_mime_part_get_gmime_object (part), "Content-Location") != NULL))
    {
      g_ptr_array_add (self->inline_parts, g_object_ref (part));
      if (is_attachment_disposition (part))
        g_ptr_array_add (self->attachments, g_object_ref (part));
      return;
    }
  if (g_strcmp0 (hy_mime_part_get_disposition (part), "inline") == 0 && is_subtype (part, "image", NULL))
    g_ptr_array_add (self->inline_parts, g_object_ref (part));
  g_ptr_array_add (self->attachments, g_object_ref (part));
}

static void
ensure_body (HyMessage *self)
{
  g_autoptr(GPtrArray) texts = NULL;

  if (self->body_done)
    return;
  self->body_done = TRUE;

  self->attachments = g_ptr_array_new_with_free_func (g_object_unref);
  self->inline_parts = g_ptr_array_new_with_free_func (g_object_unref);

  if (self->root == NULL)
    return;

  texts = g_ptr_array_new ();
  collect_text (self->root, texts);
  self->html_part = find_html (self->root);
  mark_alternatives (self->root, FALSE);
  for (guint i = 0; i < texts->len; i++)
    _hy_mime_part_set_body (g_ptr_array_index (texts, i));
  if (self->html_part != NULL)
    _hy_mime_part_set_body (self->html_part);
  self->text_parts = g_steal_pointer (&texts);

  classify (self, self->root, NULL, NULL);
}

static void
ensure_text (HyMessage *self)
{
  GPtrArray *texts;

  ensure_body (self);
  if (self->text_done)
    return;
  self->text_done = TRUE;

  texts = self->text_parts;
  if (texts != NULL && texts->len == 1)
    {
      /* The common case: the part's text is the message's, no copy. */
      self->text = hy_mime_part_get_text (g_ptr_array_index (texts, 0));
    }
  else if (texts != NULL && texts->len > 1)
    {
      GString *text = g_string_new (NULL);

      for (guint i = 0; i < texts->len; i++)
        {
          g_autofree char *part_text = hy_mime_part_get_text (g_ptr_array_index (texts, i));

          if (text->len > 0 && text->str[text->len - 1] != '\n')
            g_string_append_c (text, '\n');
          g_string_append (text, part_text);
        }
      self->text = g_string_free (text, FALSE);
    }
  else if (self->html_part != NULL)
    {
      g_autofree char *html = hy_mime_part_get_text (self->html_part);

      self->text = hy_text_html_to_plain (html);
    }
}

const char *
hy_message_get_text (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  ensure_text (self);
  return self->text;
}

HyMimePart *
hy_message_get_html_part (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  ensure_body (self);
  return self->html_part;
}

char *
hy_message_dup_html (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  ensure_body (self);
  return self->html_part ? hy_mime_part_get_text (self->html_part) : NULL;
}

HyMimePart *
hy_message_get_part_by_content_id (HyMessage  *self,
                                   const char *cid)
{
  g_autofree char *unescaped = NULL;
  g_autofree char *id = NULL;

  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  g_return_val_if_fail (cid != NULL, NULL);

  ensure_body (self);
  if (g_ascii_strncasecmp (cid, "cid:", 4) == 0)
    cid += 4;
  /* RFC 2392: a cid URL is URL-encoded. */
  unescaped = g_uri_unescape_string (cid, NULL);
  id = g_strdup (unescaped ? unescaped : cid);
  g_strstrip (id);
  if (id[0] == '<')
    {
      gsize len = strlen (id);

      memmove (id, id + 1, len);
      if (len > 1 && id[len - 2] == '>')
        id[len - 2] = '\0';
    }
  return g_hash_table_lookup (hy_message_get_content_ids (self), id);
}

GHashTable *
hy_message_get_content_ids (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);

  if (self->by_cid == NULL)
    {
      self->by_cid = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < self->parts->len; i++)
        {
          HyMimePart *part = g_ptr_array_index (self->parts, i);
          const char *content_id = hy_mime_part_get_content_id (part);

          /* The first part wins, as in every mail client. */
          if (content_id != NULL && !g_hash_table_contains (self->by_cid, content_id))
            g_hash_table_insert (self->by_cid, (gpointer) content_id, part);
        }
    }
  return self->by_cid;
}

GPtrArray *
hy_message_get_attachments (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  ensure_body (self);
  return self->attachments;
}

GPtrArray *
hy_message_get_inline_parts (HyMessage *self)
{
  g_return_val_if_fail (HY_IS_MESSAGE (self), NULL);
  ensure_body (self);
  return self->inline_parts;
}
