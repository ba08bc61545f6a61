/* hy-json-writer.h — a small streaming JSON builder that always emits valid JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _HyJsonWriter HyJsonWriter;

/* A writer for one JSON value; @pretty adds newlines and two-space indents. */
HyJsonWriter *hy_json_writer_new          (gboolean      pretty);
void          hy_json_writer_free         (HyJsonWriter *self);

void hy_json_append_string (GString    *out,
                            const char *text);

void hy_json_writer_begin_object (HyJsonWriter *self);
void hy_json_writer_end_object   (HyJsonWriter *self);
void hy_json_writer_begin_array  (HyJsonWriter *self);
void hy_json_writer_end_array    (HyJsonWriter *self);
/* The member name of the next value; only inside an object. */
void hy_json_writer_key          (HyJsonWriter *self,
                                  const char   *key);
/* Any bytes: invalid UTF-8 is replaced by U+FFFD, control characters and
 * the line/paragraph separators are \u-escaped. NULL writes null. */
void hy_json_writer_string       (HyJsonWriter *self,
                                  const char   *value);
void hy_json_writer_string_len   (HyJsonWriter *self,
                                  const char   *value,
                                  gssize        len);
void hy_json_writer_int          (HyJsonWriter *self,
                                  gint64        value);
void hy_json_writer_bool         (HyJsonWriter *self,
                                  gboolean      value);
void hy_json_writer_null         (HyJsonWriter *self);

/* Shorthands for "key": value. */
void hy_json_writer_member_string (HyJsonWriter *self,
                                   const char   *key,
                                   const char   *value);
void hy_json_writer_member_int    (HyJsonWriter *self,
                                   const char   *key,
                                   gint64        value);
void hy_json_writer_member_bool   (HyJsonWriter *self,
                                   const char   *key,
                                   gboolean      value);

/* Returns the text and frees the writer. All containers must be closed. */
char *hy_json_writer_free_to_string (HyJsonWriter *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyJsonWriter, hy_json_writer_free)

G_END_DECLS
