/* hy-window-private.h — what the files of HyWindow share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "api/hy-engine.h"
#include "hy-conversation-view.h"
#include "hy-outbox-view.h"
#include "hy-reader.h"
#include "hy-window.h"

G_BEGIN_DECLS

/* One account of the sidebar. */
typedef struct {
  HyAccount     *account;
  GListModel    *folders;       /* HyFolder, kept current by the engine */
  HyMessageList *unified_list;  /* its inbox in "All Inboxes", or NULL */
  HyOutbox      *outbox;        /* NULL until its store is open */
  guint          outbox_count;  /* messages waiting in it */
  gulong         outbox_changed_id;
} HyWindowAccount;

struct _HyWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  GCancellable         *cancellable;
  HyEngine             *engine;
  GPtrArray            *accounts;         /* HyWindowAccount */
  gboolean              loaded;
  char                 *pending_account;  /* hy_window_show_message before loading */
  gint64                pending_message;

  /* What the message list shows. */
  HyWindowAccount      *current;          /* NULL for the unified inbox */
  HyFolder             *current_folder;   /* NULL for a search or all inboxes */
  GListModel           *model;
  GtkMultiSelection    *selection;
  gint64                select_when_loaded;
  gint64                select_thread_when_loaded; /* its thread, for a conversation list */
  gulong                loaded_id;
  guint                 mark_read_source;
  guint                 search_source;
  gint64                bench_switch_start; /* HONGYAN_BENCH: when a folder was chosen */

  /* Template children */
  AdwToastOverlay      *toast_overlay;
  AdwLeaflet           *leaflet;
  GtkWidget            *sidebar_pane;
  GtkWidget            *list_pane;
  GtkWidget            *reader_pane;
  GtkStack             *status_stack;
  GtkSpinner           *status_spinner;
  GtkListBox           *folder_list;
  AdwWindowTitle       *list_title;
  GtkToggleButton      *search_button;
  GtkSearchBar         *search_bar;
  GtkSearchEntry       *search_entry;
  GtkStack             *list_stack;
  GtkListView          *message_view;
  AdwStatusPage        *empty_folder_page;
  GtkSpinner           *list_spinner;
  GMenuModel           *message_menu;
  HyReader             *reader;
  HyConversationView   *conversation;     /* instead of the reader for a thread */
  HyOutboxView         *outbox_view;      /* a page of list_stack */
};

/* hy-window-sidebar.c */
void              _hy_window_sidebar_init          (HyWindow        *self);
void              _hy_window_sidebar_rebuild       (HyWindow        *self);
gboolean          _hy_window_sidebar_select        (HyWindow        *self,
                                                    HyWindowAccount *entry,
                                                    gint64           folder_id);
gboolean          _hy_window_sidebar_select_outbox (HyWindow        *self,
                                                    HyWindowAccount *entry);
const char       *_hy_window_folder_icon           (HyFolderRole     role);
/* HyOutbox::changed: recounts the outbox of the account (its sidebar row
 * shows while it holds messages). */
void              _hy_window_sidebar_outbox_changed (HyOutbox       *outbox,
                                                    HyWindow        *self);
/* @folders (HyFolder) in the sidebar's order: the inbox, the other
 * special folders, then the rest by name. */
GPtrArray        *_hy_window_sorted_folders        (GListModel      *folders);
const char       *_hy_window_folder_name           (HyFolder        *folder);

/* hy-window-list.c */
void              _hy_window_list_init             (HyWindow        *self);
void              _hy_window_list_show_folder      (HyWindow        *self,
                                                    HyWindowAccount *entry,
                                                    HyFolder        *folder,
                                                    const char      *title);
void              _hy_window_list_show_unified     (HyWindow        *self);
void              _hy_window_list_search           (HyWindow        *self,
                                                    const char      *query);
void              _hy_window_list_show_outbox      (HyWindow        *self,
                                                    HyWindowAccount *entry);
HyMessageSummary *_hy_window_list_get_single       (HyWindow        *self);
GPtrArray        *_hy_window_list_get_selected     (HyWindow        *self);
HyWindowAccount  *_hy_window_account_of_summary    (HyWindow        *self,
                                                    HyMessageSummary *summary);
/* Shows the current folder again, as a list of messages or of
 * conversations as the setting says. */
void              _hy_window_list_refresh_mode     (HyWindow        *self);
/* Empties the reader pane (message or conversation). */
void              _hy_window_list_clear_reader     (HyWindow        *self);

/* hy-window.c */
/* The list now shows an inbox (or All Inboxes) to the user: withdraws the
 * new-mail notifications it makes stale. */
void              _hy_window_inbox_seen            (HyWindow        *self);
/* Prints "hongyan-bench: EVENT MS cpu MS" on stderr: the monotonic clock
 * and the CPU time of the process, in milliseconds. */
void              _hy_window_bench_print           (const char      *event);
/* With HONGYAN_BENCH set, prints that mark after the next frame is drawn. */
void              _hy_window_bench_after_frame     (HyWindow        *self,
                                                    const char      *event);

/* hy-window-actions.c */
void              _hy_window_actions_class_init    (GtkWidgetClass  *widget_class);
void              _hy_window_actions_update        (HyWindow        *self);
void              _hy_window_set_flags             (HyWindow        *self,
                                                    HyWindowAccount *entry,
                                                    GArray          *ids,
                                                    guint32          add,
                                                    guint32          remove,
                                                    gboolean         undoable);
void              _hy_window_update_sync_status    (HyWindow        *self);

G_END_DECLS
