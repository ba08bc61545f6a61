/* hy-drafts.h — one account's drafts: saved locally at once, then kept in step with the server's Drafts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "account/hy-account.h"
#include "account/hy-credentials.h"
#include "store/hy-store.h"
#include "sync/hy-outbox-error.h"

G_BEGIN_DECLS

/**
 * HyDraftInfo:
 * @id: the local id; a replaced draft keeps its id
 * @subject: (nullable): decoded Subject
 * @message_id: (nullable): Message-ID without angle brackets
 * @updated: when it was last saved (Unix time)
 * @on_server: the server's Drafts holds this version
 */
typedef struct {
  gint64    id;
  char     *subject;
  char     *message_id;
  gint64    updated;
  gboolean  on_server;
} HyDraftInfo;

#define HY_TYPE_DRAFT_INFO (hy_draft_info_get_type ())
GType        hy_draft_info_get_type (void) G_GNUC_CONST;
HyDraftInfo *hy_draft_info_copy     (const HyDraftInfo *info);
void         hy_draft_info_free     (HyDraftInfo       *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyDraftInfo, hy_draft_info_free)

#define HY_TYPE_DRAFTS (hy_drafts_get_type ())
G_DECLARE_FINAL_TYPE (HyDrafts, hy_drafts, HY, DRAFTS, GObject)

/*
 * Every change is committed to the store first (so a draft survives a
 * crash the moment save returns) and queued for the server: saving
 * APPENDs the new version to Drafts and then removes the older ones (by
 * their UIDs, and by Message-ID, so that a crash between the two leaves no
 * stale copy behind); deleting removes the server's copies.
 * hy_drafts_sync_async() pushes what is pending; call it when online.
 *
 * Signal "changed" () — drafts were saved, deleted or reached the server.
 */

HyDrafts    *hy_drafts_new            (HyAccount           *account,
                                       HyCredentials       *credentials,
                                       HyStore             *store);
void         hy_drafts_set_ca_file    (HyDrafts            *self,
                                       const char          *ca_file);

/* Saves @message as a new draft (@replaces 0) or as the new version of
 * draft @replaces.  Returns the draft's id, or 0.  Blocking (one commit). */
gint64       hy_drafts_save           (HyDrafts            *self,
                                       gint64               replaces,
                                       GBytes              *message,
                                       GError             **error);
void         hy_drafts_save_async     (HyDrafts            *self,
                                       gint64               replaces,
                                       GBytes              *message,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
gint64       hy_drafts_save_finish    (HyDrafts            *self,
                                       GAsyncResult        *result,
                                       GError             **error);

/* Keeps @message, a draft found in the server's Drafts (written
 * elsewhere, or before the local copy was lost), as a local draft that is
 * already on the server: saving a new version of it or deleting it then
 * removes the server's copy (found by its Message-ID).  Returns its id, or
 * 0 (also when it has no Message-ID).  Blocking (one commit). */
gint64       hy_drafts_adopt          (HyDrafts            *self,
                                       GBytes              *message,
                                       GError             **error);

gboolean     hy_drafts_delete         (HyDrafts            *self,
                                       gint64               id,
                                       GError             **error);
/* (element-type HyDraftInfo), newest first. */
GPtrArray   *hy_drafts_list           (HyDrafts            *self,
                                       GError             **error);
GBytes      *hy_drafts_get_message    (HyDrafts            *self,
                                       gint64               id,
                                       GError             **error);

/* Pushes pending saves and deletions to the server's Drafts folder. */
void         hy_drafts_sync_async     (HyDrafts            *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
gboolean     hy_drafts_sync_finish    (HyDrafts            *self,
                                       GAsyncResult        *result,
                                       GError             **error);

G_END_DECLS
