/* hy-text-utils.h — text helpers for reading and replying: format=flowed,
 * HTML to plain text, quoting, subject prefixes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Replaces CRLF and lone CR with LF. */
char *hy_text_normalize_newlines (const char *text);

/* Decodes RFC 3676 format=flowed text (with DelSp when @delsp) into
 * paragraphs: soft line breaks joined, space-stuffing removed, quote
 * depth kept as "> " prefixes. */
char *hy_text_flowed_decode (const char *text,
                             gboolean    delsp);

/* A readable plain-text rendering of an HTML body: tags dropped, block
 * elements as line breaks, style/script/head skipped, entities decoded. */
char *hy_text_html_to_plain (const char *html);

/* Prefixes every line with "> " (">" for lines already quoted). */
char *hy_text_quote (const char *text);

/* The subject without any leading reply or forward prefixes, in any of
 * the forms clients use (Re:, RE[2]:, Fwd:, FW:, AW:, SV:, 回复:, 答复:, 转发:,
 * with half- or full-width colons). */
char *hy_subject_strip_prefixes (const char *subject);

/* "Re: " + the stripped subject (no "Re: Re:"). */
char *hy_subject_make_reply     (const char *subject);

/* "Fwd: " + the stripped subject. */
char *hy_subject_make_forward   (const char *subject);

/* The Unix time of an RFC 5322 date ("Fri, 27 Nov 2026 21:22:17 +0800"),
 * or 0 when it cannot be read.  The usual form is read directly (a big
 * sync reads one per message); any other goes through GMime's lenient
 * parser, with the same result. */
gint64 hy_text_parse_date (const char *value);

G_END_DECLS
