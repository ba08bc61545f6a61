/* hy-cli-commands.h — entry points of the hongyan-cli sub-commands
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hy-cli.h"

G_BEGIN_DECLS

/* One line per sub-command; the table in hongyan-cli.c lists them. */
int hy_cli_parse_run   (int argc, char **argv);
int hy_cli_compose_run (int argc, char **argv);
int hy_cli_capabilities_run (int argc, char **argv);
int hy_cli_send_run         (int argc, char **argv);
int hy_cli_pop3_run         (int argc, char **argv);
int hy_cli_imap_run         (int argc, char **argv);
int hy_cli_account_run (int argc, char **argv);
int hy_cli_folders_run (int argc, char **argv);
int hy_cli_list_run (int argc, char **argv);
int hy_cli_search_run (int argc, char **argv);
int hy_cli_queue_run (int argc, char **argv);
int hy_cli_outbox_run (int argc, char **argv);
int hy_cli_sync_run   (int argc, char **argv);
int hy_cli_show_run   (int argc, char **argv);
int hy_cli_mark_run   (int argc, char **argv);
int hy_cli_move_run   (int argc, char **argv);
int hy_cli_delete_run (int argc, char **argv);

G_END_DECLS
