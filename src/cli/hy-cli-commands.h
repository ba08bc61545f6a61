/* hy-cli-commands.h — entry points of the hongyan-cli sub-commands
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hy-cli.h"

G_BEGIN_DECLS

/* One line per sub-command; the table in hongyan-cli.c lists them. */

G_END_DECLS
