/* hy-window-private.h — what the files of HyWindow share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "account/hy-account-manager.h"
#include "api/hy-message-list.h"
#include "hy-reader.h"
#include "hy-window.h"
#include "store/hy-store.h"

G_BEGIN_DECLS

/* One account of the sidebar with its offline store. */
typedef struct {
  HyAccount *account;
  HyStore   *store;      /* NULL until opened */
  GPtrArray *folders;    /* HyStoreFolder, in sidebar order */
  gulong     changed_id;
} HyWindowAccount;

struct _HyWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  GCancellable         *cancellable;
  HyAccountManager     *manager;
  GPtrArray            *accounts;         /* HyWindowAccount */
  guint                 loading;          /* stores and folder lists still loading */

  /* What the message list shows. */
  HyWindowAccount      *current;          /* NULL for the unified inbox */
  gint64                current_folder;
  GListModel           *model;
  GtkMultiSelection    *selection;
  gint64                select_when_loaded;
  gulong                loaded_id;
  guint                 mark_read_source;
  guint                 search_source;

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
};

/* hy-window-sidebar.c */
void              _hy_window_sidebar_init          (HyWindow        *self);
void              _hy_window_sidebar_rebuild       (HyWindow        *self);
void              _hy_window_sidebar_update_counts (HyWindow        *self,
                                                    HyWindowAccount *entry);
gboolean          _hy_window_sidebar_select        (HyWindow        *self,
                                                    HyWindowAccount *entry,
                                                    gint64           folder_id);
void              _hy_window_reload_folders        (HyWindow        *self,
                                                    HyWindowAccount *entry);
const char       *_hy_window_folder_icon           (HyFolderRole     role);

/* hy-window-list.c */
void              _hy_window_list_init             (HyWindow        *self);
void              _hy_window_list_show_folder      (HyWindow        *self,
                                                    HyWindowAccount *entry,
                                                    gint64           folder_id,
                                                    const char      *title);
void              _hy_window_list_show_unified     (HyWindow        *self);
void              _hy_window_list_search           (HyWindow        *self,
                                                    const char      *query);
HyMessageSummary *_hy_window_list_get_single       (HyWindow        *self);
GPtrArray        *_hy_window_list_get_selected     (HyWindow        *self);
HyWindowAccount  *_hy_window_find_account_for_store (HyWindow       *self,
                                                    HyStore         *store);
HyWindowAccount  *_hy_window_account_of_summary    (HyWindow        *self,
                                                    HyMessageSummary *summary);

/* hy-window-actions.c */
void              _hy_window_actions_class_init    (GtkWidgetClass  *widget_class);
void              _hy_window_actions_update        (HyWindow        *self);
void              _hy_window_set_flags             (HyWindow        *self,
                                                    HyWindowAccount *entry,
                                                    GArray          *ids,
                                                    guint32          add,
                                                    guint32          remove,
                                                    gboolean         undoable);

G_END_DECLS
