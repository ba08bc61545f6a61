/* hy-link-check.h — tell when a link's text shows another host than its target
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char     *hy_link_check_host_of       (const char *text);
gboolean  hy_link_check_is_deceptive  (const char *label,
                                       const char *uri);

G_END_DECLS
