/* hy-imap-client-private.h — what the files of HyImapClient share: commands,
 * the queue that sends them, and the reader that matches responses to them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "imap/hy-imap-client.h"

G_BEGIN_DECLS

typedef struct _HyImapCommand HyImapCommand;

/* Called on the tagged OK, also when the caller has already stopped waiting
 * (cmd->task is then NULL), so that it can keep the session's state in step.
 * It returns the result with _hy_imap_command_return_*(), takes cmd->task
 * over, or leaves it to the default (TRUE). */
typedef void (*HyImapDoneFunc) (HyImapClient  *self,
                                HyImapCommand *cmd);
/* Called for a "+" continuation the command asked for (AUTHENTICATE, IDLE). */
typedef void (*HyImapContinueFunc) (HyImapClient   *self,
                                    HyImapCommand  *cmd,
                                    HyImapResponse *response);

#define HY_IMAP_COLLECT(kind) (1u << (kind))

struct _HyImapCommand {
  gint                ref_count;
  char               *tag;
  char               *name;            /* "SELECT", for messages */
  GPtrArray          *chunks;          /* of Chunk, see hy-imap-client.c */
  GString            *cur;
  guint               next_chunk;
  gboolean            waiting_continuation;
  gboolean            secret;          /* the trace shows "TAG NAME ***" */
  gboolean            exclusive;       /* nothing else in flight with it */
  gboolean            ignore_untagged; /* STARTTLS: nothing before TLS counts */
  guint32             collect;         /* HY_IMAP_COLLECT() bits */
  GPtrArray          *responses;       /* collected untagged responses */
  HyImapResponse     *tagged;
  GTask              *task;            /* NULL once returned (e.g. cancelled) */
  int                 no_code;         /* HyImapError for NO, default REFUSED */
  HyImapDoneFunc      done;
  HyImapContinueFunc  on_continue;
  HyImapFetchFunc     each;
  HyImapFetchViewFunc each_view;       /* instead of @each: FETCH read in place */
  gpointer            each_data;
  gpointer            op_data;
  GDestroyNotify      op_data_free;
  GCancellable       *cancellable;
  gulong              cancelled_id;
  gboolean            deselect_on_failure; /* SELECT/EXAMINE */
  char               *match;           /* STATUS: collect only this mailbox */
  gboolean            uid_fetch_only;  /* UID FETCH/STORE: only FETCH data with a UID */
  GArray             *uid_set;         /* UID FETCH/STORE: HyImapRange, only these UIDs */
};

HyImapCommand *_hy_imap_command_new        (HyImapClient  *self,
                                            const char    *name,
                                            GTask         *task);
HyImapCommand *_hy_imap_command_ref        (HyImapCommand *cmd);
void           _hy_imap_command_unref      (HyImapCommand *cmd);
void           _hy_imap_command_add        (HyImapCommand *cmd,
                                            const char    *text);
void           _hy_imap_command_add_printf (HyImapCommand *cmd,
                                            const char    *format,
                                            ...) G_GNUC_PRINTF (2, 3);
void           _hy_imap_command_add_string (HyImapClient  *self,
                                            HyImapCommand *cmd,
                                            const char    *data,
                                            gsize          len);
gboolean       _hy_imap_command_add_mailbox (HyImapClient *self,
                                            HyImapCommand *cmd,
                                            const char    *utf8,
                                            GError       **error);
void           _hy_imap_command_add_literal (HyImapClient *self,
                                            HyImapCommand *cmd,
                                            GBytes        *data);
void           _hy_imap_command_return_pointer (HyImapCommand *cmd,
                                            gpointer       result,
                                            GDestroyNotify result_free);
void           _hy_imap_command_return_error (HyImapCommand *cmd,
                                            GError        *error);
void           _hy_imap_client_submit      (HyImapClient  *self,
                                            HyImapCommand *cmd);
void           _hy_imap_client_send_raw    (HyImapClient  *self,
                                            const char    *text,
                                            const char    *trace_as);
gboolean       _hy_imap_client_check_state (HyImapClient  *self,
                                            HyImapState    least,
                                            const char    *what,
                                            GError       **error);
gboolean       _hy_imap_client_utf8_enabled (HyImapClient *self);
const char    *_hy_imap_client_host        (HyImapClient  *self);
GTask         *_hy_imap_client_start_task  (HyImapClient        *self,
                                            gpointer             tag,
                                            HyImapState          least,
                                            const char          *what,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean       _hy_imap_mailbox_names_equal (const char *a,
                                            const char *b);
gboolean       _hy_imap_client_qresync_enabled (HyImapClient *self);
void           _hy_imap_client_set_selected (HyImapClient *self,
                                            const char    *mailbox);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyImapCommand, _hy_imap_command_unref)

G_END_DECLS
