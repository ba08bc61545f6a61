/* hy-json-writer.c — a small streaming JSON builder that always emits valid JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-json"

#include "config.h"

#include <string.h>

#include "hy-json-writer.h"

typedef struct {
  gboolean is_object;
  guint    count;
} Level;

struct _HyJsonWriter {
  GString  *out;
  GArray   *stack;     /* of Level */
  gboolean  pretty;
  gboolean  after_key;
};

HyJsonWriter *
hy_json_writer_new (gboolean pretty)
{
  HyJsonWriter *self = g_new0 (HyJsonWriter, 1);

  self->out = g_string_sized_new (1024);
  self->stack = g_array_new (FALSE, FALSE, sizeof (Level));
  self->pretty = pretty;
  return self;
}

void
hy_json_writer_free (HyJsonWriter *self)
{
  if (self == NULL)
    return;
  g_string_free (self->out, TRUE);
  g_array_unref (self->stack);
  g_free (self);
}

static void
newline_indent (HyJsonWriter *self)
{
  if (!self->pretty)
    return;
  g_string_append_c (self->out, '\n');
  for (guint i = 0; i < self->stack->len; i++)
    g_string_append (self->out, "  ");
}

/* Emits the separator a new value needs at the current position. */
static void
before_value (HyJsonWriter *self)
{
  Level *top;

  if (self->after_key)
    {
      self->after_key = FALSE;
      return;
    }
  if (self->stack->len == 0)
    return;

  top = &g_array_index (self->stack, Level, self->stack->len - 1);
  g_return_if_fail (!top->is_object);
  if (top->count++ > 0)
    g_string_append_c (self->out, ',');
  newline_indent (self);
}

static void
begin (HyJsonWriter *self,
       gboolean      is_object)
{
  Level level = { is_object, 0 };

  before_value (self);
  g_string_append_c (self->out, is_object ? '{' : '[');
  g_array_append_val (self->stack, level);
}

static void
end (HyJsonWriter *self,
     gboolean      is_object)
{
  Level top;

  g_return_if_fail (self->stack->len > 0);
  top = g_array_index (self->stack, Level, self->stack->len - 1);
  g_return_if_fail (top.is_object == is_object);
  g_return_if_fail (!self->after_key);

  g_array_set_size (self->stack, self->stack->len - 1);
  if (top.count > 0)
    newline_indent (self);
  g_string_append_c (self->out, is_object ? '}' : ']');
}

void
hy_json_writer_begin_object (HyJsonWriter *self)
{
  begin (self, TRUE);
}

void
hy_json_writer_end_object (HyJsonWriter *self)
{
  end (self, TRUE);
}

void
hy_json_writer_begin_array (HyJsonWriter *self)
{
  begin (self, FALSE);
}

void
hy_json_writer_end_array (HyJsonWriter *self)
{
  end (self, FALSE);
}

static void
append_escaped (GString    *out,
                const char *s,
                gsize       len)
{
  const char *p = s;
  const char *end = s + len;

  g_string_append_c (out, '"');
  while (p < end)
    {
      guchar c = (guchar) *p;

      if (c < 0x80)
        {
          switch (c)
            {
            case '"': g_string_append (out, "\\\""); break;
            case '\\': g_string_append (out, "\\\\"); break;
            case '\n': g_string_append (out, "\\n"); break;
            case '\r': g_string_append (out, "\\r"); break;
            case '\t': g_string_append (out, "\\t"); break;
            case '\b': g_string_append (out, "\\b"); break;
            case '\f': g_string_append (out, "\\f"); break;
            default:
              if (c < 0x20 || c == 0x7f)
                g_string_append_printf (out, "\\u%04x", c);
              else
                g_string_append_c (out, (char) c);
            }
          p++;
          continue;
        }

      {
        gunichar u = g_utf8_get_char_validated (p, end - p);

        if (u == (gunichar) -1 || u == (gunichar) -2)
          {
            g_string_append (out, "\\ufffd");
            p++;
            continue;
          }
        if (u == 0x2028 || u == 0x2029)
          g_string_append_printf (out, "\\u%04x", u);
        else
          g_string_append_len (out, p, g_utf8_next_char (p) - p);
        p = g_utf8_next_char (p);
      }
    }
  g_string_append_c (out, '"');
}

/**
 * hy_json_append_string:
 * @out: where to append
 * @text: (nullable): UTF-8 text; invalid bytes become U+FFFD
 *
 * Appends @text as a JSON string literal, for callers that write JSON
 * lines without a #HyJsonWriter.
 */
void
hy_json_append_string (GString    *out,
                       const char *text)
{
  append_escaped (out, text != NULL ? text : "", text != NULL ? strlen (text) : 0);
}

void
hy_json_writer_key (HyJsonWriter *self,
                    const char   *key)
{
  Level *top;

  g_return_if_fail (self->stack->len > 0);
  top = &g_array_index (self->stack, Level, self->stack->len - 1);
  g_return_if_fail (top->is_object);
  g_return_if_fail (!self->after_key);

  if (top->count++ > 0)
    g_string_append_c (self->out, ',');
  newline_indent (self);
  append_escaped (self->out, key, strlen (key));
  g_string_append (self->out, self->pretty ? ": " : ":");
  self->after_key = TRUE;
}

void
hy_json_writer_string_len (HyJsonWriter *self,
                           const char   *value,
                           gssize        len)
{
  if (value == NULL)
    {
      hy_json_writer_null (self);
      return;
    }
  before_value (self);
  append_escaped (self->out, value, len < 0 ? strlen (value) : (gsize) len);
}

void
hy_json_writer_string (HyJsonWriter *self,
                       const char   *value)
{
  hy_json_writer_string_len (self, value, -1);
}

void
hy_json_writer_int (HyJsonWriter *self,
                    gint64        value)
{
  before_value (self);
  g_string_append_printf (self->out, "%" G_GINT64_FORMAT, value);
}

void
hy_json_writer_bool (HyJsonWriter *self,
                     gboolean      value)
{
  before_value (self);
  g_string_append (self->out, value ? "true" : "false");
}

void
hy_json_writer_null (HyJsonWriter *self)
{
  before_value (self);
  g_string_append (self->out, "null");
}

void
hy_json_writer_member_string (HyJsonWriter *self,
                              const char   *key,
                              const char   *value)
{
  hy_json_writer_key (self, key);
  hy_json_writer_string (self, value);
}

void
hy_json_writer_member_int (HyJsonWriter *self,
                           const char   *key,
                           gint64        value)
{
  hy_json_writer_key (self, key);
  hy_json_writer_int (self, value);
}

void
hy_json_writer_member_bool (HyJsonWriter *self,
                            const char   *key,
                            gboolean      value)
{
  hy_json_writer_key (self, key);
  hy_json_writer_bool (self, value);
}

char *
hy_json_writer_free_to_string (HyJsonWriter *self)
{
  char *text;

  g_return_val_if_fail (self != NULL, NULL);
  g_warn_if_fail (self->stack->len == 0);

  text = g_string_free (self->out, FALSE);
  self->out = NULL;
  g_array_unref (self->stack);
  g_free (self);
  return text;
}
