/* hy-rich-text.c — formatting on a GtkTextBuffer and its HTML and plain-text renderings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-composer"

#include "config.h"

#include <string.h>

#include "hy-rich-text.h"

/* List items start with a marker ("• " or "3. ") that is text in the
 * buffer, so that the view shows it, tagged so that it is not exported
 * as text. */
#define MARKER_TAG "list-marker"
#define LINK_DATA  "hy-rich-text-href"
#define STATE_DATA "hy-rich-text-state"
#define IMAGE_CID_DATA "hy-rich-text-cid"
#define IMAGE_ALT_DATA "hy-rich-text-alt"

static const char * const inline_formats[] = {
  HY_RICH_TEXT_BOLD, HY_RICH_TEXT_ITALIC, HY_RICH_TEXT_UNDERLINE, HY_RICH_TEXT_STRIKETHROUGH,
};
static const char * const block_formats[] = {
  HY_RICH_TEXT_BULLET, HY_RICH_TEXT_NUMBER, HY_RICH_TEXT_QUOTE,
};

typedef struct
{
  /* What typing applies when the user toggled a format without a
   * selection; otherwise typed text takes the formats before it. */
  gboolean pending_valid;
  guint    pending;
  int      pending_offset;
  /* Text inserted during the current user action. */
  int      inserted_start;
  int      inserted_end;
  gboolean busy;
} State;

static State *
get_state (GtkTextBuffer *buffer)
{
  return g_object_get_data (G_OBJECT (buffer), STATE_DATA);
}

static GtkTextTag *
lookup (GtkTextBuffer *buffer,
        const char    *name)
{
  return gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), name);
}

static int
inline_index (const char *format)
{
  for (guint i = 0; i < G_N_ELEMENTS (inline_formats); i++)
    if (g_str_equal (inline_formats[i], format))
      return i;
  g_return_val_if_reached (-1);
}

static guint
inline_mask_at (GtkTextBuffer     *buffer,
                const GtkTextIter *iter)
{
  guint mask = 0;

  for (guint i = 0; i < G_N_ELEMENTS (inline_formats); i++)
    if (gtk_text_iter_has_tag (iter, lookup (buffer, inline_formats[i])))
      mask |= 1u << i;
  return mask;
}

static const char *
block_at (GtkTextBuffer     *buffer,
          const GtkTextIter *iter)
{
  GtkTextIter line = *iter;

  gtk_text_iter_set_line_offset (&line, 0);
  for (guint i = 0; i < G_N_ELEMENTS (block_formats); i++)
    if (gtk_text_iter_has_tag (&line, lookup (buffer, block_formats[i])))
      return block_formats[i];
  return NULL;
}

static void
line_bounds (GtkTextBuffer *buffer,
             int            line,
             GtkTextIter   *start,
             GtkTextIter   *end)
{
  gtk_text_buffer_get_iter_at_line (buffer, start, line);
  *end = *start;
  if (!gtk_text_iter_ends_line (end))
    gtk_text_iter_forward_to_line_end (end);
}

/* The end of the marker at the start of @line (the line start if none). */
static void
content_start (GtkTextBuffer *buffer,
               int            line,
               GtkTextIter   *iter)
{
  GtkTextTag *marker = lookup (buffer, MARKER_TAG);

  gtk_text_buffer_get_iter_at_line (buffer, iter, line);
  if (gtk_text_iter_has_tag (iter, marker))
    gtk_text_iter_forward_to_tag_toggle (iter, marker);
}

static void
remove_marker (GtkTextBuffer *buffer,
               int            line)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_iter_at_line (buffer, &start, line);
  content_start (buffer, line, &end);
  if (!gtk_text_iter_equal (&start, &end))
    gtk_text_buffer_delete (buffer, &start, &end);
}

static void
set_line_block (GtkTextBuffer *buffer,
                int            line,
                const char    *format)
{
  GtkTextIter start, end;

  remove_marker (buffer, line);
  line_bounds (buffer, line, &start, &end);
  for (guint i = 0; i < G_N_ELEMENTS (block_formats); i++)
    gtk_text_buffer_remove_tag_by_name (buffer, block_formats[i], &start, &end);

  if (format == NULL)
    return;

  if (g_str_equal (format, HY_RICH_TEXT_BULLET) || g_str_equal (format, HY_RICH_TEXT_NUMBER))
    {
      /* Numbers are filled in by renumber(). */
      gtk_text_buffer_insert_with_tags_by_name (buffer, &start,
                                                g_str_equal (format, HY_RICH_TEXT_BULLET) ? "• " : "1. ",
                                                -1, MARKER_TAG, NULL);
    }
  line_bounds (buffer, line, &start, &end);
  /* The tag covers the line break too, so that an empty item keeps it. */
  if (!gtk_text_iter_is_end (&end))
    gtk_text_iter_forward_char (&end);
  gtk_text_buffer_apply_tag_by_name (buffer, format, &start, &end);
}

static void
renumber (GtkTextBuffer *buffer)
{
  int lines = gtk_text_buffer_get_line_count (buffer);
  int n = 0;

  for (int line = 0; line < lines; line++)
    {
      GtkTextIter start, end;
      const char *block;

      gtk_text_buffer_get_iter_at_line (buffer, &start, line);
      block = block_at (buffer, &start);
      if (g_strcmp0 (block, HY_RICH_TEXT_NUMBER) != 0)
        {
          n = 0;
          continue;
        }
      n++;
      content_start (buffer, line, &end);
      {
        g_autofree char *want = g_strdup_printf ("%d. ", n);
        g_autofree char *have = gtk_text_buffer_get_text (buffer, &start, &end, TRUE);

        if (!g_str_equal (want, have))
          {
            if (!gtk_text_iter_equal (&start, &end))
              gtk_text_buffer_delete (buffer, &start, &end);
            gtk_text_buffer_insert_with_tags_by_name (buffer, &start, want, -1,
                                                      MARKER_TAG, HY_RICH_TEXT_NUMBER, NULL);
          }
      }
    }
}

static void
on_insert_text (GtkTextBuffer *buffer,
                GtkTextIter   *location,
                const char    *text,
                int            len,
                gpointer       user_data)
{
  State *state = get_state (buffer);
  int end = gtk_text_iter_get_offset (location);
  int start = end - (int) g_utf8_strlen (text, len);

  if (state->busy)
    return;
  if (state->inserted_start < 0 || start < state->inserted_start)
    state->inserted_start = start;
  state->inserted_end = MAX (state->inserted_end, end);
}

static void
on_end_user_action (GtkTextBuffer *buffer,
                    gpointer       user_data)
{
  State *state = get_state (buffer);
  GtkTextIter start, end, before;
  guint mask;
  gboolean newline;
  int first_line, last_line;

  if (state->busy || state->inserted_start < 0)
    return;

  state->busy = TRUE;
  gtk_text_buffer_get_iter_at_offset (buffer, &start, state->inserted_start);
  gtk_text_buffer_get_iter_at_offset (buffer, &end, state->inserted_end);
  state->inserted_start = state->inserted_end = -1;

  /* Inline formats: those chosen for typing, else those before. */
  before = start;
  if (state->pending_valid && state->pending_offset == gtk_text_iter_get_offset (&start))
    mask = state->pending;
  else if (gtk_text_iter_backward_char (&before) && !gtk_text_iter_ends_line (&before))
    mask = inline_mask_at (buffer, &before);
  else
    mask = 0;
  state->pending_valid = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (inline_formats); i++)
    {
      if (mask & (1u << i))
        gtk_text_buffer_apply_tag_by_name (buffer, inline_formats[i], &start, &end);
      else
        gtk_text_buffer_remove_tag_by_name (buffer, inline_formats[i], &start, &end);
    }

  /* Block formats: the lines typed into keep the block of the first. */
  first_line = gtk_text_iter_get_line (&start);
  last_line = gtk_text_iter_get_line (&end);
  newline = last_line > first_line;
  if (newline)
    {
      const char *block = block_at (buffer, &start);
      GtkTextIter content;
      GtkTextIter line_end;

      content_start (buffer, first_line, &content);
      line_bounds (buffer, first_line, &before, &line_end);
      if (block != NULL && gtk_text_iter_equal (&content, &line_end) && last_line == first_line + 1)
        {
          /* Enter on an empty item or quote line ends the block. */
          set_line_block (buffer, first_line, NULL);
          set_line_block (buffer, first_line + 1, NULL);
        }
      else
        {
          for (int line = first_line; line <= last_line; line++)
            set_line_block (buffer, line, block);
        }
      renumber (buffer);
    }

  state->busy = FALSE;
}

static void
on_mark_set (GtkTextBuffer     *buffer,
             const GtkTextIter *location,
             GtkTextMark       *mark,
             gpointer           user_data)
{
  State *state = get_state (buffer);

  if (mark == gtk_text_buffer_get_insert (buffer) &&
      gtk_text_iter_get_offset (location) != state->pending_offset)
    state->pending_valid = FALSE;
}

void
hy_rich_text_setup (GtkTextBuffer *buffer)
{
  State *state;

  g_return_if_fail (GTK_IS_TEXT_BUFFER (buffer));

  if (get_state (buffer) != NULL)
    return;

  state = g_new0 (State, 1);
  state->inserted_start = state->inserted_end = -1;
  state->pending_offset = -1;
  g_object_set_data_full (G_OBJECT (buffer), STATE_DATA, state, g_free);

  gtk_text_buffer_create_tag (buffer, HY_RICH_TEXT_BOLD, "weight", PANGO_WEIGHT_BOLD, NULL);
  gtk_text_buffer_create_tag (buffer, HY_RICH_TEXT_ITALIC, "style", PANGO_STYLE_ITALIC, NULL);
  gtk_text_buffer_create_tag (buffer, HY_RICH_TEXT_UNDERLINE, "underline", PANGO_UNDERLINE_SINGLE, NULL);
  gtk_text_buffer_create_tag (buffer, HY_RICH_TEXT_STRIKETHROUGH, "strikethrough", TRUE, NULL);
  gtk_text_buffer_create_tag (buffer, HY_RICH_TEXT_BULLET, "left-margin", 24, NULL);
  gtk_text_buffer_create_tag (buffer, HY_RICH_TEXT_NUMBER, "left-margin", 24, NULL);
  gtk_text_buffer_create_tag (buffer, HY_RICH_TEXT_QUOTE,
                              "left-margin", 24, "foreground", "#77767b", "style", PANGO_STYLE_ITALIC, NULL);
  gtk_text_buffer_create_tag (buffer, MARKER_TAG, NULL);

  g_signal_connect_after (buffer, "insert-text", G_CALLBACK (on_insert_text), NULL);
  g_signal_connect_after (buffer, "end-user-action", G_CALLBACK (on_end_user_action), NULL);
  g_signal_connect (buffer, "mark-set", G_CALLBACK (on_mark_set), NULL);
}

void
hy_rich_text_toggle_inline (GtkTextBuffer *buffer,
                            const char    *format)
{
  State *state = get_state (buffer);
  GtkTextIter start, end;
  int index = inline_index (format);

  g_return_if_fail (state != NULL && index >= 0);

  if (gtk_text_buffer_get_selection_bounds (buffer, &start, &end))
    {
      GtkTextTag *tag = lookup (buffer, format);
      gboolean everywhere = TRUE;
      GtkTextIter iter = start;

      /* On when any selected character lacks it, as word processors do. */
      while (gtk_text_iter_compare (&iter, &end) < 0)
        {
          if (!gtk_text_iter_ends_line (&iter) && !gtk_text_iter_has_tag (&iter, tag))
            {
              everywhere = FALSE;
              break;
            }
          gtk_text_iter_forward_char (&iter);
        }
      if (everywhere)
        gtk_text_buffer_remove_tag (buffer, tag, &start, &end);
      else
        gtk_text_buffer_apply_tag (buffer, tag, &start, &end);
      return;
    }

  if (!state->pending_valid || state->pending_offset != gtk_text_iter_get_offset (&start))
    {
      GtkTextIter before = start;

      state->pending = 0;
      if (gtk_text_iter_backward_char (&before) && !gtk_text_iter_ends_line (&before))
        state->pending = inline_mask_at (buffer, &before);
    }
  state->pending ^= 1u << index;
  state->pending_valid = TRUE;
  state->pending_offset = gtk_text_iter_get_offset (&start);
}

gboolean
hy_rich_text_inline_active (GtkTextBuffer *buffer,
                            const char    *format)
{
  State *state = get_state (buffer);
  GtkTextIter start, end;
  int index = inline_index (format);

  g_return_val_if_fail (state != NULL && index >= 0, FALSE);

  if (gtk_text_buffer_get_selection_bounds (buffer, &start, &end))
    return gtk_text_iter_has_tag (&start, lookup (buffer, format));
  if (state->pending_valid && state->pending_offset == gtk_text_iter_get_offset (&start))
    return (state->pending & (1u << index)) != 0;
  if (gtk_text_iter_backward_char (&start) && !gtk_text_iter_ends_line (&start))
    return gtk_text_iter_has_tag (&start, lookup (buffer, format));
  return FALSE;
}

void
hy_rich_text_toggle_block (GtkTextBuffer *buffer,
                           const char    *format)
{
  State *state = get_state (buffer);
  GtkTextIter start, end;
  int first, last;
  gboolean all = TRUE;

  g_return_if_fail (state != NULL);

  gtk_text_buffer_get_selection_bounds (buffer, &start, &end);
  first = gtk_text_iter_get_line (&start);
  last = gtk_text_iter_get_line (&end);
  if (last > first && gtk_text_iter_starts_line (&end))
    last--;

  for (int line = first; line <= last; line++)
    {
      GtkTextIter iter;

      gtk_text_buffer_get_iter_at_line (buffer, &iter, line);
      if (g_strcmp0 (block_at (buffer, &iter), format) != 0)
        all = FALSE;
    }

  state->busy = TRUE;
  gtk_text_buffer_begin_user_action (buffer);
  for (int line = first; line <= last; line++)
    set_line_block (buffer, line, all ? NULL : format);
  renumber (buffer);
  gtk_text_buffer_end_user_action (buffer);
  state->busy = FALSE;
}

void
hy_rich_text_set_link (GtkTextBuffer *buffer,
                       GtkTextIter   *start,
                       GtkTextIter   *end,
                       const char    *href)
{
  GtkTextTagTable *table = gtk_text_buffer_get_tag_table (buffer);
  g_autoptr(GPtrArray) links = g_ptr_array_new ();
  GtkTextIter iter = *start;

  /* Drop the links already in the range. */
  while (gtk_text_iter_compare (&iter, end) < 0)
    {
      GSList *tags = gtk_text_iter_get_tags (&iter);

      for (GSList *l = tags; l != NULL; l = l->next)
        if (g_object_get_data (l->data, LINK_DATA) != NULL)
          g_ptr_array_add (links, l->data);
      g_slist_free (tags);
      gtk_text_iter_forward_char (&iter);
    }
  for (guint i = 0; i < links->len; i++)
    gtk_text_buffer_remove_tag (buffer, g_ptr_array_index (links, i), start, end);

  if (href != NULL && *href != '\0')
    {
      GtkTextTag *tag = gtk_text_tag_new (NULL);

      g_object_set (tag, "underline", PANGO_UNDERLINE_SINGLE, "foreground", "#3584e4", NULL);
      g_object_set_data_full (G_OBJECT (tag), LINK_DATA, g_strdup (href), g_free);
      gtk_text_tag_table_add (table, tag);
      gtk_text_buffer_apply_tag (buffer, tag, start, end);
      g_object_unref (tag);
    }
}

const char *
hy_rich_text_get_link (GtkTextBuffer     *buffer,
                       const GtkTextIter *iter)
{
  GSList *tags = gtk_text_iter_get_tags (iter);
  const char *href = NULL;

  for (GSList *l = tags; l != NULL && href == NULL; l = l->next)
    href = g_object_get_data (l->data, LINK_DATA);
  g_slist_free (tags);
  return href;
}

gboolean
hy_rich_text_has_formatting (GtkTextBuffer *buffer)
{
  GtkTextIter iter;

  gtk_text_buffer_get_start_iter (buffer, &iter);
  do
    {
      GSList *tags = gtk_text_iter_get_tags (&iter);
      gboolean any = tags != NULL;

      g_slist_free (tags);
      if (any)
        return TRUE;
    }
  while (gtk_text_iter_forward_to_tag_toggle (&iter, NULL) && !gtk_text_iter_is_end (&iter));

  return FALSE;
}

void
hy_rich_text_clear_formatting (GtkTextBuffer *buffer)
{
  g_autofree char *plain = hy_rich_text_to_plain (buffer);
  State *state = get_state (buffer);

  state->busy = TRUE;
  gtk_text_buffer_set_text (buffer, plain, -1);
  state->busy = FALSE;
}

/* Export */

typedef struct
{
  guint       mask;
  const char *href;
} Style;

static const char * const html_open[] = { "<b>", "<i>", "<u>", "<s>" };
static const char * const html_close[] = { "</b>", "</i>", "</u>", "</s>" };
static const char * const plain_marks[] = { "*", "/", "_", "" };

static void
append_escaped (GString    *out,
                const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  g_string_append (out, escaped);
}

/* Appends @text (a slice starting at @start) escaped, with <img> for the
 * images inserted by hy_rich_text_insert_image(). */
static void
append_with_images (GtkTextBuffer     *buffer,
                    const GtkTextIter *start,
                    const char        *text,
                    GString           *out)
{
  const char *run = text;
  int offset = gtk_text_iter_get_offset (start);

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p), offset++)
    {
      GtkTextIter at;
      GdkPaintable *paintable;
      const char *cid;

      if (g_utf8_get_char (p) != 0xFFFC)
        continue;

      {
        g_autofree char *before = g_strndup (run, p - run);

        append_escaped (out, before);
      }
      run = g_utf8_next_char (p);

      gtk_text_buffer_get_iter_at_offset (buffer, &at, offset);
      paintable = gtk_text_iter_get_paintable (&at);
      cid = paintable != NULL ? g_object_get_data (G_OBJECT (paintable), IMAGE_CID_DATA) : NULL;
      if (cid != NULL)
        {
          g_autofree char *escaped_cid = g_markup_escape_text (cid, -1);
          g_autofree char *alt = g_markup_escape_text (g_object_get_data (G_OBJECT (paintable), IMAGE_ALT_DATA), -1);

          g_string_append_printf (out, "<img src=\"cid:%s\" alt=\"%s\" style=\"max-width:100%%\">",
                                  escaped_cid, alt);
        }
    }
  append_escaped (out, run);
}

void
hy_rich_text_insert_image (GtkTextBuffer *buffer,
                           GtkTextIter   *iter,
                           GdkPaintable  *image,
                           const char    *content_id,
                           const char    *alt)
{
  g_return_if_fail (GTK_IS_TEXT_BUFFER (buffer));
  g_return_if_fail (GDK_IS_PAINTABLE (image));
  g_return_if_fail (content_id != NULL);

  g_object_set_data_full (G_OBJECT (image), IMAGE_CID_DATA, g_strdup (content_id), g_free);
  g_object_set_data_full (G_OBJECT (image), IMAGE_ALT_DATA, g_strdup (alt != NULL ? alt : ""), g_free);
  gtk_text_buffer_insert_paintable (buffer, iter, image);
}

/* Appends the content of @line (without its marker) as runs of equal style. */
static void
export_line (GtkTextBuffer *buffer,
             int            line,
             gboolean       html,
             GString       *out)
{
  GtkTextIter iter, end;

  content_start (buffer, line, &iter);
  line_bounds (buffer, line, &end, &end);

  while (gtk_text_iter_compare (&iter, &end) < 0)
    {
      GtkTextIter next = iter;
      Style style = { inline_mask_at (buffer, &iter), hy_rich_text_get_link (buffer, &iter) };
      g_autofree char *text = NULL;

      if (!gtk_text_iter_forward_to_tag_toggle (&next, NULL) || gtk_text_iter_compare (&next, &end) > 0)
        next = end;
      /* Toggles of tags that change nothing here (block tags) are skipped. */
      while (gtk_text_iter_compare (&next, &end) < 0 &&
             inline_mask_at (buffer, &next) == style.mask &&
             hy_rich_text_get_link (buffer, &next) == style.href)
        {
          if (!gtk_text_iter_forward_to_tag_toggle (&next, NULL) || gtk_text_iter_compare (&next, &end) > 0)
            next = end;
        }

      /* The slice keeps U+FFFC where images are, the text drops them. */
      text = html ? gtk_text_buffer_get_slice (buffer, &iter, &next, FALSE)
                  : gtk_text_buffer_get_text (buffer, &iter, &next, FALSE);
      if (html)
        {
          if (style.href != NULL)
            {
              g_autofree char *href = g_markup_escape_text (style.href, -1);

              g_string_append_printf (out, "<a href=\"%s\">", href);
            }
          for (guint i = 0; i < G_N_ELEMENTS (inline_formats); i++)
            if (style.mask & (1u << i))
              g_string_append (out, html_open[i]);
          append_with_images (buffer, &iter, text, out);
          for (int i = G_N_ELEMENTS (inline_formats) - 1; i >= 0; i--)
            if (style.mask & (1u << i))
              g_string_append (out, html_close[i]);
          if (style.href != NULL)
            g_string_append (out, "</a>");
        }
      else
        {
          for (guint i = 0; i < G_N_ELEMENTS (inline_formats); i++)
            if (style.mask & (1u << i))
              g_string_append (out, plain_marks[i]);
          g_string_append (out, text);
          for (int i = G_N_ELEMENTS (inline_formats) - 1; i >= 0; i--)
            if (style.mask & (1u << i))
              g_string_append (out, plain_marks[i]);
          if (style.href != NULL && !g_str_equal (style.href, text) &&
              !g_str_equal (style.href + (g_str_has_prefix (style.href, "mailto:") ? 7 : 0), text))
            g_string_append_printf (out, " <%s>", style.href);
        }
      iter = next;
    }
}

char *
hy_rich_text_to_html (GtkTextBuffer *buffer)
{
  GString *out = g_string_new ("<!DOCTYPE html>\n<html>\n<head>\n"
                               "<meta charset=\"utf-8\">\n</head>\n<body>\n");
  int lines = gtk_text_buffer_get_line_count (buffer);
  const char *open_block = NULL;

  g_return_val_if_fail (get_state (buffer) != NULL, NULL);

  for (int line = 0; line < lines; line++)
    {
      GtkTextIter start, end;
      const char *block;

      line_bounds (buffer, line, &start, &end);
      /* The empty last line after a final line break is not a paragraph. */
      if (line == lines - 1 && line > 0 && gtk_text_iter_equal (&start, &end))
        break;
      block = block_at (buffer, &start);

      if (block != open_block)
        {
          if (g_strcmp0 (open_block, HY_RICH_TEXT_BULLET) == 0)
            g_string_append (out, "</ul>\n");
          else if (g_strcmp0 (open_block, HY_RICH_TEXT_NUMBER) == 0)
            g_string_append (out, "</ol>\n");
          else if (g_strcmp0 (open_block, HY_RICH_TEXT_QUOTE) == 0)
            g_string_append (out, "</blockquote>\n");

          if (g_strcmp0 (block, HY_RICH_TEXT_BULLET) == 0)
            g_string_append (out, "<ul>\n");
          else if (g_strcmp0 (block, HY_RICH_TEXT_NUMBER) == 0)
            g_string_append (out, "<ol>\n");
          else if (g_strcmp0 (block, HY_RICH_TEXT_QUOTE) == 0)
            g_string_append (out, "<blockquote type=\"cite\" style=\"margin:0 0 0 .8ex;"
                                  "border-left:2px solid #ccc;padding-left:1ex\">\n");
          open_block = block;
        }

      if (g_strcmp0 (block, HY_RICH_TEXT_BULLET) == 0 || g_strcmp0 (block, HY_RICH_TEXT_NUMBER) == 0)
        {
          g_string_append (out, "<li>");
          export_line (buffer, line, TRUE, out);
          g_string_append (out, "</li>\n");
        }
      else
        {
          gsize before;

          g_string_append (out, "<div>");
          before = out->len;
          export_line (buffer, line, TRUE, out);
          if (out->len == before)
            g_string_append (out, "<br>");
          g_string_append (out, "</div>\n");
        }
    }

  if (g_strcmp0 (open_block, HY_RICH_TEXT_BULLET) == 0)
    g_string_append (out, "</ul>\n");
  else if (g_strcmp0 (open_block, HY_RICH_TEXT_NUMBER) == 0)
    g_string_append (out, "</ol>\n");
  else if (g_strcmp0 (open_block, HY_RICH_TEXT_QUOTE) == 0)
    g_string_append (out, "</blockquote>\n");

  g_string_append (out, "</body>\n</html>\n");
  return g_string_free (out, FALSE);
}

char *
hy_rich_text_to_plain (GtkTextBuffer *buffer)
{
  GString *out = g_string_new (NULL);
  int lines = gtk_text_buffer_get_line_count (buffer);
  int number = 0;

  for (int line = 0; line < lines; line++)
    {
      GtkTextIter start, end;
      const char *block;

      line_bounds (buffer, line, &start, &end);
      block = get_state (buffer) != NULL ? block_at (buffer, &start) : NULL;

      if (g_strcmp0 (block, HY_RICH_TEXT_NUMBER) == 0)
        g_string_append_printf (out, "%d. ", ++number);
      else
        number = 0;
      if (g_strcmp0 (block, HY_RICH_TEXT_BULLET) == 0)
        g_string_append (out, "* ");
      else if (g_strcmp0 (block, HY_RICH_TEXT_QUOTE) == 0)
        g_string_append (out, gtk_text_iter_equal (&start, &end) ? ">" : "> ");

      if (get_state (buffer) != NULL)
        export_line (buffer, line, FALSE, out);
      else
        {
          g_autofree char *text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);

          g_string_append (out, text);
        }
      if (line < lines - 1)
        g_string_append_c (out, '\n');
    }

  return g_string_free (out, FALSE);
}

/* Import */

/* Reads back what hy_rich_text_to_html() writes, and copes with any other
 * HTML by keeping its text: tags it does not know are dropped, the text
 * of head, script, style and the like is skipped, and nothing is loaded.
 * Opened tags beyond this depth count but no longer format. */
#define IMPORT_MAX_DEPTH 64

typedef struct
{
  char *href;      /* NULL: a link the composer does not keep */
  int   start;
} OpenLink;

typedef struct
{
  GtkTextBuffer          *buffer;
  HyRichTextImageLookup   lookup;
  gpointer                user_data;
  int                     inline_open[G_N_ELEMENTS (inline_formats)];
  GString                *lists;        /* 'u' or 'o' per open list */
  int                     quote_depth;
  int                     item_depth;
  GArray                 *links;        /* OpenLink */
  GPtrArray              *line_blocks;  /* const char * per line, or NULL */
  gboolean                pending_space; /* layout white space before more text */
} Import;

static void
open_link_clear (gpointer data)
{
  g_free (((OpenLink *) data)->href);
}

static void
import_end (Import      *import,
            GtkTextIter *iter)
{
  gtk_text_buffer_get_end_iter (import->buffer, iter);
}

static const char *
import_block (Import *import)
{
  if (import->item_depth > 0 && import->lists->len > 0)
    return import->lists->str[import->lists->len - 1] == 'o' ? HY_RICH_TEXT_NUMBER : HY_RICH_TEXT_BULLET;
  if (import->quote_depth > 0)
    return HY_RICH_TEXT_QUOTE;
  return NULL;
}

/* Notes the block of the last line when it has none yet. */
static void
import_note_line (Import *import)
{
  guint line = gtk_text_buffer_get_line_count (import->buffer) - 1;

  if (import->line_blocks->len <= line)
    g_ptr_array_set_size (import->line_blocks, line + 1);
  if (g_ptr_array_index (import->line_blocks, line) == NULL)
    g_ptr_array_index (import->line_blocks, line) = (gpointer) import_block (import);
}

static gboolean
import_line_empty (Import *import)
{
  GtkTextIter end;

  import_end (import, &end);
  return gtk_text_iter_starts_line (&end);
}

static void
import_newline (Import *import)
{
  GtkTextIter end;

  import_note_line (import);
  import_end (import, &end);
  gtk_text_buffer_insert (import->buffer, &end, "\n", 1);
  import->pending_space = FALSE;
}

/* A block starts or ends: what follows goes on a line of its own. */
static void
import_break (Import *import)
{
  if (!import_line_empty (import))
    import_newline (import);
}

static void
import_text (Import     *import,
             const char *text,
             gsize       len)
{
  GtkTextIter start, end;
  int offset;

  if (len == 0)
    return;
  import_note_line (import);
  import_end (import, &end);
  if (import->pending_space && !gtk_text_iter_starts_line (&end))
    gtk_text_buffer_insert (import->buffer, &end, " ", 1);
  import->pending_space = FALSE;
  offset = gtk_text_iter_get_offset (&end);
  gtk_text_buffer_insert (import->buffer, &end, text, len);
  gtk_text_buffer_get_iter_at_offset (import->buffer, &start, offset);
  import_end (import, &end);
  for (guint i = 0; i < G_N_ELEMENTS (inline_formats); i++)
    if (import->inline_open[i] > 0)
      gtk_text_buffer_apply_tag_by_name (import->buffer, inline_formats[i], &start, &end);
}

/* Decodes the character references of @text into @out. */
static void
append_decoded (GString    *out,
                const char *text,
                gsize       len)
{
  static const struct { const char *name; const char *value; } named[] = {
    { "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" }, { "apos", "'" },
    { "nbsp", "\xc2\xa0" },
  };
  const char *end = text + len;
  const char *p = text;

  while (p < end)
    {
      const char *semi;
      gboolean done = FALSE;

      if (*p != '&' || (semi = memchr (p, ';', MIN ((gsize) (end - p), 12))) == NULL)
        {
          g_string_append_c (out, *p++);
          continue;
        }
      if (p[1] == '#')
        {
          gboolean hex = p[2] == 'x' || p[2] == 'X';
          const char *digits = p + (hex ? 3 : 2);
          char *stop = NULL;
          guint64 value = g_ascii_strtoull (digits, &stop, hex ? 16 : 10);

          if (stop == semi && stop > digits && value > 0 && value <= 0x10FFFF &&
              g_unichar_validate ((gunichar) value))
            {
              g_string_append_unichar (out, (gunichar) value);
              done = TRUE;
            }
        }
      else
        for (guint i = 0; i < G_N_ELEMENTS (named); i++)
          if ((gsize) (semi - p - 1) == strlen (named[i].name) &&
              g_ascii_strncasecmp (p + 1, named[i].name, semi - p - 1) == 0)
            {
              g_string_append (out, named[i].value);
              done = TRUE;
              break;
            }
      if (done)
        p = semi + 1;
      else
        g_string_append_c (out, *p++);
    }
}

/* Text between tags: a run of white space with a line break in it is
 * the HTML's layout (one space between words, nothing at the start or
 * the end of a line); other text is kept as it is, so that spaces typed
 * in the composer come back. */
static void
import_text_run (Import     *import,
                 const char *text,
                 gsize       len)
{
  g_autoptr(GString) decoded = g_string_new (NULL);
  const char *end = text + len;
  const char *p = text;
  gboolean space_after = FALSE;

  while (p < end)
    {
      const char *run = p;
      gboolean has_break = FALSE;

      while (p < end && g_ascii_isspace (*p))
        has_break |= (*p++ == '\n');
      if (p > run)
        {
          if (!has_break)
            g_string_append_len (decoded, run, p - run);
          else if (p == end)
            space_after = TRUE;
          else if (decoded->len > 0 || (!import_line_empty (import) && !import->pending_space))
            g_string_append_c (decoded, ' ');
        }
      run = p;
      while (p < end && !g_ascii_isspace (*p))
        p++;
      append_decoded (decoded, run, p - run);
    }
  import_text (import, decoded->str, decoded->len);
  /* Kept only if more text follows on the line. */
  if (space_after && !import_line_empty (import))
    import->pending_space = TRUE;
}

/* An attribute's value from the inside of a tag (after its name). */
static char *
tag_attribute (const char *attrs,
               gsize       len,
               const char *name)
{
  const char *end = attrs + len;
  const char *p = attrs;
  gsize name_len = strlen (name);

  while (p < end)
    {
      const char *key, *value;
      gsize key_len, value_len;

      while (p < end && (g_ascii_isspace (*p) || *p == '/'))
        p++;
      key = p;
      while (p < end && !g_ascii_isspace (*p) && *p != '=' && *p != '/')
        p++;
      key_len = p - key;
      if (key_len == 0)
        break;
      while (p < end && g_ascii_isspace (*p))
        p++;
      value = NULL;
      value_len = 0;
      if (p < end && *p == '=')
        {
          p++;
          while (p < end && g_ascii_isspace (*p))
            p++;
          if (p < end && (*p == '"' || *p == '\''))
            {
              char quote = *p++;

              value = p;
              while (p < end && *p != quote)
                p++;
              value_len = p - value;
              if (p < end)
                p++;
            }
          else
            {
              value = p;
              while (p < end && !g_ascii_isspace (*p))
                p++;
              value_len = p - value;
            }
        }
      if (key_len == name_len && g_ascii_strncasecmp (key, name, name_len) == 0)
        {
          GString *decoded = g_string_new (NULL);

          if (value != NULL)
            append_decoded (decoded, value, value_len);
          return g_string_free (decoded, FALSE);
        }
    }
  return NULL;
}

/* The links a composed message may carry; anything else (javascript:,
 * data:, file:) keeps its text without the link. */
static gboolean
link_allowed (const char *href)
{
  static const char * const schemes[] = { "http:", "https:", "mailto:", "ftp:", "tel:", "xmpp:" };

  for (guint i = 0; i < G_N_ELEMENTS (schemes); i++)
    if (g_ascii_strncasecmp (href, schemes[i], strlen (schemes[i])) == 0)
      return TRUE;
  return FALSE;
}

static void
import_close_link (Import *import)
{
  OpenLink *link;

  if (import->links->len == 0)
    return;
  link = &g_array_index (import->links, OpenLink, import->links->len - 1);
  if (link->href != NULL)
    {
      GtkTextIter start, end;

      gtk_text_buffer_get_iter_at_offset (import->buffer, &start, link->start);
      import_end (import, &end);
      if (!gtk_text_iter_equal (&start, &end))
        hy_rich_text_set_link (import->buffer, &start, &end, link->href);
    }
  g_array_set_size (import->links, import->links->len - 1);
}

static void
import_image (Import     *import,
              const char *attrs,
              gsize       len)
{
  g_autofree char *src = tag_attribute (attrs, len, "src");
  g_autofree char *alt = tag_attribute (attrs, len, "alt");
  g_autoptr(GdkPaintable) image = NULL;
  GtkTextIter end;

  /* Only images of the message itself; nothing is ever fetched. */
  if (src == NULL || g_ascii_strncasecmp (src, "cid:", 4) != 0 || src[4] == '\0' ||
      import->lookup == NULL)
    return;
  image = import->lookup (src + 4, import->user_data);
  if (image == NULL)
    return;
  import_note_line (import);
  import_end (import, &end);
  hy_rich_text_insert_image (import->buffer, &end, image, src + 4, alt);
}

static int
inline_of_tag (const char *name)
{
  static const struct { const char *tag; int format; } tags[] = {
    { "b", 0 }, { "strong", 0 }, { "i", 1 }, { "em", 1 }, { "u", 2 }, { "ins", 2 },
    { "s", 3 }, { "strike", 3 }, { "del", 3 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (tags); i++)
    if (g_str_equal (name, tags[i].tag))
      return tags[i].format;
  return -1;
}

static gboolean
is_block_tag (const char *name)
{
  static const char * const blocks[] = {
    "div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table", "tr", "hr", "dl", "dt", "dd",
    "section", "article", "header", "footer", "address", "center", "figure", "body",
  };

  for (guint i = 0; i < G_N_ELEMENTS (blocks); i++)
    if (g_str_equal (name, blocks[i]))
      return TRUE;
  return FALSE;
}

/* Elements whose content is not text for the body. */
static gboolean
is_skipped_tag (const char *name)
{
  static const char * const skipped[] = {
    "head", "script", "style", "title", "template", "textarea", "iframe", "object", "svg", "math",
    "noscript", "select",
  };

  for (guint i = 0; i < G_N_ELEMENTS (skipped); i++)
    if (g_str_equal (name, skipped[i]))
      return TRUE;
  return FALSE;
}

static void
import_tag (Import     *import,
            const char *name,
            gboolean    closing,
            const char *attrs,
            gsize       attrs_len)
{
  int format = inline_of_tag (name);

  if (format >= 0)
    {
      if (closing)
        import->inline_open[format] = MAX (0, import->inline_open[format] - 1);
      else
        import->inline_open[format]++;
    }
  else if (g_str_equal (name, "a"))
    {
      if (closing)
        import_close_link (import);
      else if (import->links->len < IMPORT_MAX_DEPTH)
        {
          OpenLink link = { tag_attribute (attrs, attrs_len, "href"), 0 };
          GtkTextIter end;

          if (link.href != NULL && !link_allowed (link.href))
            g_clear_pointer (&link.href, g_free);
          import_end (import, &end);
          link.start = gtk_text_iter_get_offset (&end);
          g_array_append_val (import->links, link);
        }
    }
  else if (g_str_equal (name, "br"))
    {
      if (!closing)
        import_newline (import);
    }
  else if (g_str_equal (name, "img"))
    {
      if (!closing)
        import_image (import, attrs, attrs_len);
    }
  else if (g_str_equal (name, "li"))
    {
      import_break (import);
      import->item_depth = MAX (0, import->item_depth + (closing ? -1 : 1));
    }
  else if (g_str_equal (name, "ul") || g_str_equal (name, "ol"))
    {
      import_break (import);
      if (!closing && import->lists->len < IMPORT_MAX_DEPTH)
        g_string_append_c (import->lists, name[0]);
      else if (closing && import->lists->len > 0)
        g_string_truncate (import->lists, import->lists->len - 1);
    }
  else if (g_str_equal (name, "blockquote"))
    {
      import_break (import);
      import->quote_depth = MAX (0, import->quote_depth + (closing ? -1 : 1));
    }
  else if (is_block_tag (name))
    import_break (import);
}

/* Skips the content of @name (after its start tag) up to its end tag. */
static const char *
skip_element (const char *p,
              const char *end,
              const char *name)
{
  gsize name_len = strlen (name);

  while (p < end)
    {
      const char *lt = memchr (p, '<', end - p);

      if (lt == NULL)
        return end;
      if (lt + 2 + name_len <= end && lt[1] == '/' && g_ascii_strncasecmp (lt + 2, name, name_len) == 0 &&
          (lt + 2 + name_len == end || !g_ascii_isalnum (lt[2 + name_len])))
        {
          const char *gt = memchr (lt, '>', end - lt);

          return gt != NULL ? gt + 1 : end;
        }
      p = lt + 1;
    }
  return end;
}

/* The end of a tag starting at @p ('<'), quotes respected; NULL if none. */
static const char *
tag_end (const char *p,
         const char *end)
{
  char quote = 0;

  for (p++; p < end; p++)
    {
      if (quote != 0)
        {
          if (*p == quote)
            quote = 0;
        }
      else if (*p == '"' || *p == '\'')
        quote = *p;
      else if (*p == '>')
        return p;
    }
  return NULL;
}

/* Drops the line break that ends the last block. */
static void
import_trim (Import *import)
{
  GtkTextIter start, end;

  import_end (import, &end);
  start = end;
  if (gtk_text_iter_backward_char (&start) && gtk_text_iter_get_char (&start) == '\n')
    gtk_text_buffer_delete (import->buffer, &start, &end);
}

void
hy_rich_text_set_html (GtkTextBuffer         *buffer,
                       const char            *html,
                       HyRichTextImageLookup  image_lookup,
                       gpointer               user_data)
{
  State *state = get_state (buffer);
  Import import = { 0 };
  const char *p, *end;

  g_return_if_fail (state != NULL);
  g_return_if_fail (html != NULL);

  import.buffer = buffer;
  import.lookup = image_lookup;
  import.user_data = user_data;
  import.lists = g_string_new (NULL);
  import.links = g_array_new (FALSE, TRUE, sizeof (OpenLink));
  g_array_set_clear_func (import.links, open_link_clear);
  import.line_blocks = g_ptr_array_new ();

  state->busy = TRUE;
  gtk_text_buffer_set_text (buffer, "", 0);

  p = html;
  end = html + strlen (html);
  while (p < end)
    {
      const char *lt = memchr (p, '<', end - p);
      const char *gt, *name, *name_end;
      gboolean closing;

      if (lt == NULL)
        lt = end;
      /* A '<' that starts no tag is text. */
      while (lt < end && !(g_ascii_isalpha (lt[1]) || lt[1] == '/' || lt[1] == '!' || lt[1] == '?'))
        {
          const char *next = lt + 1 < end ? memchr (lt + 1, '<', end - lt - 1) : NULL;

          lt = next != NULL ? next : end;
        }
      import_text_run (&import, p, lt - p);
      if (lt >= end)
        break;

      if (g_str_has_prefix (lt, "<!--"))
        {
          const char *close = strstr (lt + 4, "-->");

          p = close != NULL ? close + 3 : end;
          continue;
        }
      gt = tag_end (lt, end);
      if (gt == NULL)
        break;
      p = gt + 1;
      if (lt[1] == '!' || lt[1] == '?')
        continue;

      closing = lt[1] == '/';
      name = lt + (closing ? 2 : 1);
      name_end = name;
      while (name_end < gt && (g_ascii_isalnum (*name_end) || *name_end == '-' || *name_end == ':'))
        name_end++;
      {
        g_autofree char *tag = g_ascii_strdown (name, name_end - name);

        if (!closing && is_skipped_tag (tag) && gt[-1] != '/')
          {
            p = skip_element (p, end, tag);
            continue;
          }
        import_tag (&import, tag, closing, name_end, gt - name_end);
      }
    }

  while (import.links->len > 0)
    import_close_link (&import);
  import_trim (&import);

  for (guint line = 0; line < import.line_blocks->len; line++)
    {
      const char *block = g_ptr_array_index (import.line_blocks, line);

      if (block != NULL && (int) line < gtk_text_buffer_get_line_count (buffer))
        set_line_block (buffer, line, block);
    }
  renumber (buffer);
  state->busy = FALSE;

  g_string_free (import.lists, TRUE);
  g_array_unref (import.links);
  g_ptr_array_unref (import.line_blocks);
}
