/* hy-cli-json.h — writing JSON output for hongyan-cli commands
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void hy_cli_json_append_string (GString    *out,
                                const char *text);

G_END_DECLS
