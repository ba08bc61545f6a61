/* hy-cli.h — shared definitions of the hongyan-cli sub-commands
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit statuses are an interface: scripts outside the tree depend on them. */
typedef enum {
  HY_CLI_EXIT_OK = 0,
  HY_CLI_EXIT_FAILURE = 1,
  HY_CLI_EXIT_USAGE = 2,
  HY_CLI_EXIT_CANNOT_CONNECT = 3,
  HY_CLI_EXIT_TLS = 4,
  HY_CLI_EXIT_AUTH = 5,
  HY_CLI_EXIT_REFUSED = 6,
  HY_CLI_EXIT_PROTOCOL = 7,
  HY_CLI_EXIT_TIMEOUT = 8,
} HyCliExit;

/* A sub-command gets its own name as argv[0]. */
typedef int (*HyCliRunFunc) (int    argc,
                             char **argv);

typedef struct {
  const char   *name;
  const char   *summary;
  HyCliRunFunc  run;
} HyCliCommand;

/* Prints "hongyan-cli: MESSAGE" to stderr. */
void hy_cli_error (const char *format,
                   ...) G_GNUC_PRINTF (1, 2);

/* Parses @context over argc/argv, reporting a usage error on failure. */
gboolean hy_cli_parse_options (GOptionContext  *context,
                               int             *argc,
                               char          ***argv);

/* @text cut and padded to @columns terminal columns (East Asian wide
 * characters take two, combining marks none). */
char *hy_cli_fit_columns (const char *text,
                          guint       columns);
/* The same without cutting: longer text is kept whole. */
char *hy_cli_pad_columns (const char *text,
                          guint       columns);

G_END_DECLS
