/* hy-pop3-response.h — POP3 responses: pure parsers over bytes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * HyPop3Status:
 * @ok: %TRUE for "+OK", %FALSE for "-ERR"
 * @code: (nullable): the extended response code (RFC 2449), e.g. "IN-USE"
 * @text: the rest of the line, valid UTF-8
 */
typedef struct {
  gboolean  ok;
  char     *code;
  char     *text;
} HyPop3Status;

void          hy_pop3_status_free         (HyPop3Status *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyPop3Status, hy_pop3_status_free)

/**
 * HyPop3Listing:
 * @number: the message number
 * @size: its size in octets (LIST)
 * @uid: (nullable): its unique id (UIDL)
 */
typedef struct {
  guint    number;
  guint64  size;
  char    *uid;
} HyPop3Listing;

void          hy_pop3_listing_free        (HyPop3Listing *listing);

HyPop3Status *hy_pop3_parse_status        (const char  *line,
                                           gsize        length,
                                           GError     **error);
gboolean      hy_pop3_parse_stat          (const char  *text,
                                           guint       *count,
                                           guint64     *size,
                                           GError     **error);
HyPop3Listing *hy_pop3_parse_list_line    (const char  *line,
                                           GError     **error);
HyPop3Listing *hy_pop3_parse_uidl_line    (const char  *line,
                                           GError     **error);
GHashTable   *hy_pop3_parse_capa          (GPtrArray   *lines);
char         *hy_pop3_parse_apop_stamp    (const char  *greeting);
const char   *hy_pop3_unstuff             (const char  *line);

G_END_DECLS
