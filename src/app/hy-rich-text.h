/* hy-rich-text.h — formatting on a GtkTextBuffer and its HTML and plain-text renderings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Inline formats, applied to characters. */
#define HY_RICH_TEXT_BOLD          "bold"
#define HY_RICH_TEXT_ITALIC        "italic"
#define HY_RICH_TEXT_UNDERLINE     "underline"
#define HY_RICH_TEXT_STRIKETHROUGH "strikethrough"
/* Block formats, applied to whole lines. */
#define HY_RICH_TEXT_BULLET        "bullet"
#define HY_RICH_TEXT_NUMBER        "number"
#define HY_RICH_TEXT_QUOTE         "quote"

/* Creates the formatting tags in @buffer's tag table, and keeps lists
 * going when a new line is started inside one. */
void      hy_rich_text_setup             (GtkTextBuffer *buffer);

/* Toggles an inline format on the selection; without a selection, the
 * format applies to what is typed next. */
void      hy_rich_text_toggle_inline     (GtkTextBuffer *buffer,
                                          const char    *format);
/* TRUE when an inline format is active at the cursor (or for typing). */
gboolean  hy_rich_text_inline_active     (GtkTextBuffer *buffer,
                                          const char    *format);
/* Turns the lines of the selection into a bulleted or numbered list or a
 * quote, or back into plain paragraphs when they already are one. */
void      hy_rich_text_toggle_block      (GtkTextBuffer *buffer,
                                          const char    *format);
/* Makes the selection a link to @href (NULL removes links). */
void      hy_rich_text_set_link          (GtkTextBuffer *buffer,
                                          GtkTextIter   *start,
                                          GtkTextIter   *end,
                                          const char    *href);
/* The link at @iter, or NULL. */
const char *hy_rich_text_get_link        (GtkTextBuffer *buffer,
                                          const GtkTextIter *iter);
/* Inserts @image at @iter; the HTML shows it as <img src="cid:@content_id">
 * (the caller puts the image itself in the message). */
void      hy_rich_text_insert_image      (GtkTextBuffer *buffer,
                                          GtkTextIter   *iter,
                                          GdkPaintable  *image,
                                          const char    *content_id,
                                          const char    *alt);
/* TRUE when any formatting is used anywhere in the buffer. */
gboolean  hy_rich_text_has_formatting    (GtkTextBuffer *buffer);
/* Removes all formatting, keeping the text (list markers become text). */
void      hy_rich_text_clear_formatting  (GtkTextBuffer *buffer);

/* A clean HTML document for the text/html part. */
char     *hy_rich_text_to_html           (GtkTextBuffer *buffer);
/* The faithful text/plain rendering: *bold*, /italic/, _underline_,
 * "* " and "1. " list items, "> " quotes and "text <url>" links. */
char     *hy_rich_text_to_plain          (GtkTextBuffer *buffer);

/* Returns the image a "cid:" URL names (@content_id without "cid:"), a
 * new reference, or NULL. */
typedef GdkPaintable *(*HyRichTextImageLookup) (const char *content_id,
                                                gpointer    user_data);

/* Replaces the text with @html, as hy_rich_text_to_html() writes it:
 * bold, italic, underline, strike-through, links (web and mail only),
 * lists, quotes and cid: images (through @lookup) come back as
 * formatting.  Any other HTML keeps its text; nothing in it is run or
 * loaded. */
void      hy_rich_text_set_html          (GtkTextBuffer         *buffer,
                                          const char            *html,
                                          HyRichTextImageLookup  lookup,
                                          gpointer               user_data);

G_END_DECLS
