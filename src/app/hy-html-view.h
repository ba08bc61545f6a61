/* hy-html-view.h — a WebKit view that shows HTML mail safely
 *
 * The view lives in a module of its own, loaded on first use (see
 * hy-html-view-loader.c), so that the app starts without WebKit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HY_TYPE_HTML_VIEW (hy_html_view_get_type ())

G_DECLARE_FINAL_TYPE (HyHtmlView, hy_html_view, HY, HTML_VIEW, AdwBin)

/**
 * HyHtmlViewCidFunc:
 * @content_id: the Content-ID asked for, without angle brackets
 * @content_type: (out): return location for the part's content type
 * @user_data: data given with the function
 *
 * Finds the body of a related part for a `cid:` URL.
 *
 * Returns: (transfer full) (nullable): the decoded part, or %NULL
 */
typedef GBytes *(*HyHtmlViewCidFunc) (const char  *content_id,
                                      char       **content_type,
                                      gpointer     user_data);

HyHtmlView *hy_html_view_new                   (void);
void        hy_html_view_set_cid_func          (HyHtmlView        *self,
                                                HyHtmlViewCidFunc  func,
                                                gpointer           user_data,
                                                GDestroyNotify     destroy);
void        hy_html_view_load_html             (HyHtmlView        *self,
                                                const char        *html,
                                                gboolean           allow_remote);
void        hy_html_view_allow_remote_content  (HyHtmlView        *self);
gboolean    hy_html_view_get_has_remote_content (HyHtmlView       *self);
gboolean    hy_html_view_get_remote_allowed    (HyHtmlView        *self);
gboolean    hy_html_view_get_loading           (HyHtmlView        *self);
GtkWidget  *hy_html_view_get_web_view          (HyHtmlView        *self);
void        hy_html_view_print                 (HyHtmlView        *self,
                                                GtkWindow         *parent);

gboolean    hy_html_find_remote_references     (const char        *html);
char       *hy_html_wrap_with_policy           (const char        *html,
                                                gboolean           allow_remote);

G_END_DECLS
