/* hy-html-view.c — a WebKit view that shows HTML mail safely
 *
 * Safe by construction, in layers that each hold on their own:
 *  - one ephemeral network session for all mail views (no cookies, no
 *    cache on disk), JavaScript and plug-in style features off;
 *  - a content filter that blocks every http(s), ws(s) and ftp request,
 *    installed before anything is loaded, and lifted per view only when the
 *    person asks for remote content;
 *  - a Content-Security-Policy <meta> placed first in the document;
 *  - no navigation inside the view: links go to the "open-link" signal;
 *  - cid: images served from the message's own related parts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <webkit/webkit.h>

#include "hy-html-view.h"
#include "hy-link-check.h"

#define FILTER_ID "hongyan-block-remote"

/* One rule per scheme: the content blocker does not support disjunctions. */
static const char filter_rules[] =
  "["
  "{\"trigger\":{\"url-filter\":\"^https?://\"},\"action\":{\"type\":\"block\"}},"
  "{\"trigger\":{\"url-filter\":\"^wss?://\"},\"action\":{\"type\":\"block\"}},"
  "{\"trigger\":{\"url-filter\":\"^ftp://\"},\"action\":{\"type\":\"block\"}},"
  "{\"trigger\":{\"url-filter\":\"^file:\"},\"action\":{\"type\":\"block\"}}"
  "]";

#define CSP_BLOCKED \
  "default-src 'none'; style-src 'unsafe-inline'; img-src data: cid:; font-src data:"
#define CSP_ALLOWED \
  "default-src 'none'; style-src 'unsafe-inline' http: https:; " \
  "img-src data: cid: http: https:; font-src data: http: https:"

struct _HyHtmlView
{
  AdwBin                    parent_instance;

  WebKitWebView            *web_view;
  WebKitUserContentManager *content_manager;

  char                     *html;
  HyHtmlViewCidFunc         cid_func;
  gpointer                  cid_data;
  GDestroyNotify            cid_destroy;

  char                     *hovered_label;
  char                     *hovered_uri;

  guint                     has_remote_content : 1;
  guint                     remote_allowed : 1;
  guint                     filter_installed : 1;
  guint                     waiting_for_filter : 1;
  guint                     expect_own_load : 1;
  guint                     loading : 1;
};

G_DEFINE_FINAL_TYPE (HyHtmlView, hy_html_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_HAS_REMOTE_CONTENT,
  PROP_REMOTE_ALLOWED,
  PROP_LOADING,
  N_PROPS
};

enum {
  OPEN_LINK,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Shared by every view: one ephemeral session and one compiled filter. */
static WebKitNetworkSession *shared_session;
static WebKitUserContentFilter *shared_filter;
static GError *shared_filter_error;
static GPtrArray *views_waiting_for_filter;
static gboolean filter_compiling;

static void start_load (HyHtmlView *self);

/**
 * hy_html_wrap_with_policy:
 * @html: the HTML of a message
 * @allow_remote: whether remote images and styles may load
 *
 * Returns: (transfer full): @html with a Content-Security-Policy <meta> in
 *   front of everything else, so that it governs the whole document
 */
char *
hy_html_wrap_with_policy (const char *html,
                          gboolean    allow_remote)
{
  return g_strdup_printf ("<meta http-equiv=\"Content-Security-Policy\" content=\"%s\">"
                          "<meta name=\"color-scheme\" content=\"light\">"
                          "%s",
                          allow_remote ? CSP_ALLOWED : CSP_BLOCKED,
                          html != NULL ? html : "");
}

/**
 * hy_html_find_remote_references:
 * @html: the HTML of a message
 *
 * Looks for anything that would be fetched from the network were it
 * allowed: used to offer the "remote content is blocked" bar.  It errs on
 * the side of saying yes; what is blocked does not depend on it.
 *
 * Returns: %TRUE if @html refers to remote resources
 */
gboolean
hy_html_find_remote_references (const char *html)
{
  static GRegex *regex;

  if (html == NULL)
    return FALSE;

  if (g_once_init_enter (&regex))
    {
      GRegex *r = g_regex_new ("(?:src|srcset|background|poster|data|href|action|content|xlink:href)"
                               "\\s*=\\s*[\"']?\\s*(?:https?:|wss?:|ftp:|//)"
                               "|url\\s*\\(\\s*[\"']?\\s*(?:https?:|//)"
                               "|@import\\s+[\"']?\\s*(?:url\\s*\\(\\s*[\"']?)?\\s*(?:https?:|//)",
                               G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
      g_once_init_leave (&regex, r);
    }

  /* Plain links (<a href>) are not remote content: skip them. */
  {
    g_autoptr(GMatchInfo) info = NULL;

    g_regex_match (regex, html, 0, &info);
    while (g_match_info_matches (info))
      {
        int start = 0;
        const char *tag;
        gboolean is_anchor = FALSE;

        g_match_info_fetch_pos (info, 0, &start, NULL);
        for (tag = html + start; tag > html && *tag != '<' && *tag != '>'; tag--)
          ;
        if (*tag == '<')
          {
            tag++;
            is_anchor = (g_ascii_tolower (tag[0]) == 'a' &&
                         (g_ascii_isspace (tag[1]) || tag[1] == '/'));
          }
        if (!is_anchor || g_ascii_strncasecmp (html + start, "href", 4) != 0)
          return TRUE;
        g_match_info_next (info, NULL);
      }
  }
  return FALSE;
}

static void
set_loading (HyHtmlView *self,
             gboolean    loading)
{
  if (self->loading == !!loading)
    return;
  self->loading = !!loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
install_filter (HyHtmlView *self)
{
  if (self->filter_installed || self->remote_allowed || shared_filter == NULL)
    return;
  webkit_user_content_manager_add_filter (self->content_manager, shared_filter);
  self->filter_installed = TRUE;
}

static void
remove_filter (HyHtmlView *self)
{
  if (!self->filter_installed)
    return;
  webkit_user_content_manager_remove_filter (self->content_manager, shared_filter);
  self->filter_installed = FALSE;
}

static void
on_filter_saved (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GPtrArray) waiting = g_steal_pointer (&views_waiting_for_filter);
  g_autoptr(GError) error = NULL;

  filter_compiling = FALSE;
  shared_filter = webkit_user_content_filter_store_save_finish (WEBKIT_USER_CONTENT_FILTER_STORE (object),
                                                                result, &error);
  if (shared_filter == NULL)
    {
      /* Fail closed: without the filter no mail is shown at all. */
      g_warning ("Could not prepare the remote content filter: %s", error->message);
      shared_filter_error = g_steal_pointer (&error);
    }

  for (guint i = 0; waiting != NULL && i < waiting->len; i++)
    {
      HyHtmlView *view = g_ptr_array_index (waiting, i);

      view->waiting_for_filter = FALSE;
      start_load (view);
    }
}

static void
ensure_filter (HyHtmlView *self)
{
  g_autoptr(WebKitUserContentFilterStore) store = NULL;
  g_autoptr(GBytes) rules = NULL;
  g_autofree char *path = NULL;

  if (self->waiting_for_filter)
    return;

  if (views_waiting_for_filter == NULL)
    views_waiting_for_filter = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (views_waiting_for_filter, g_object_ref (self));
  self->waiting_for_filter = TRUE;

  if (filter_compiling)
    return;
  filter_compiling = TRUE;

  path = g_build_filename (g_get_user_cache_dir (), "hongyan", "content-filters", NULL);
  store = webkit_user_content_filter_store_new (path);
  rules = g_bytes_new_static (filter_rules, sizeof filter_rules - 1);
  webkit_user_content_filter_store_save (store, FILTER_ID, rules, NULL, on_filter_saved, NULL);
}

static void
start_load (HyHtmlView *self)
{
  g_autofree char *document = NULL;

  if (self->html == NULL)
    return;

  if (shared_filter == NULL && shared_filter_error == NULL)
    {
      ensure_filter (self);
      return;
    }

  if (shared_filter == NULL)
    {
      document = g_markup_printf_escaped ("<p>%s</p>",
                                          _("This message cannot be shown safely: the content filter is unavailable."));
      self->remote_allowed = FALSE;
    }
  else
    {
      if (self->remote_allowed)
        remove_filter (self);
      else
        install_filter (self);
      document = hy_html_wrap_with_policy (self->html, self->remote_allowed);
    }

  self->expect_own_load = TRUE;
  set_loading (self, TRUE);
  webkit_web_view_load_html (self->web_view, document, "about:blank");
}

static gboolean
on_decide_policy (WebKitWebView            *web_view,
                  WebKitPolicyDecision     *decision,
                  WebKitPolicyDecisionType  type,
                  HyHtmlView               *self)
{
  WebKitNavigationAction *action;
  WebKitURIRequest *request;
  const char *uri;

  if (type == WEBKIT_POLICY_DECISION_TYPE_RESPONSE)
    {
      webkit_policy_decision_use (decision);
      return TRUE;
    }

  action = webkit_navigation_policy_decision_get_navigation_action (WEBKIT_NAVIGATION_POLICY_DECISION (decision));
  request = webkit_navigation_action_get_request (action);
  uri = webkit_uri_request_get_uri (request);

  /* Our own document is the only thing that may load in the main frame. */
  if (type == WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION &&
      self->expect_own_load && g_strcmp0 (uri, "about:blank") == 0)
    {
      self->expect_own_load = FALSE;
      webkit_policy_decision_use (decision);
      return TRUE;
    }

  webkit_policy_decision_ignore (decision);

  /* A link the person clicked opens outside, in the default browser. */
  if (webkit_navigation_action_is_user_gesture (action) &&
      webkit_navigation_action_get_navigation_type (action) == WEBKIT_NAVIGATION_TYPE_LINK_CLICKED &&
      uri != NULL && !g_str_has_prefix (uri, "about:") && !g_str_has_prefix (uri, "cid:"))
    {
      const char *label = NULL;

      if (g_strcmp0 (self->hovered_uri, uri) == 0)
        label = self->hovered_label;
      g_signal_emit (self, signals[OPEN_LINK], 0, uri,
                     hy_link_check_is_deceptive (label, uri) ? label : NULL);
    }
  return TRUE;
}

static void
on_mouse_target_changed (WebKitWebView       *web_view,
                         WebKitHitTestResult *hit,
                         guint                modifiers,
                         HyHtmlView          *self)
{
  g_clear_pointer (&self->hovered_uri, g_free);
  g_clear_pointer (&self->hovered_label, g_free);
  if (webkit_hit_test_result_context_is_link (hit))
    {
      self->hovered_uri = g_strdup (webkit_hit_test_result_get_link_uri (hit));
      self->hovered_label = g_strdup (webkit_hit_test_result_get_link_label (hit));
    }
}

static void
on_load_changed (WebKitWebView   *web_view,
                 WebKitLoadEvent  event,
                 HyHtmlView      *self)
{
  if (event == WEBKIT_LOAD_FINISHED)
    set_loading (self, FALSE);
}

static gboolean
on_context_menu (WebKitWebView       *web_view,
                 WebKitContextMenu   *menu,
                 WebKitHitTestResult *hit,
                 HyHtmlView          *self)
{
  GList *items = g_list_copy (webkit_context_menu_get_items (menu));

  /* Keep copying; drop everything that would navigate, reload or inspect. */
  for (GList *l = items; l != NULL; l = l->next)
    {
      WebKitContextMenuItem *item = l->data;

      switch (webkit_context_menu_item_get_stock_action (item))
        {
        case WEBKIT_CONTEXT_MENU_ACTION_COPY:
        case WEBKIT_CONTEXT_MENU_ACTION_COPY_LINK_TO_CLIPBOARD:
        case WEBKIT_CONTEXT_MENU_ACTION_COPY_IMAGE_TO_CLIPBOARD:
        case WEBKIT_CONTEXT_MENU_ACTION_SELECT_ALL:
          break;
        default:
          webkit_context_menu_remove (menu, item);
          break;
        }
    }
  g_list_free (items);
  return webkit_context_menu_get_n_items (menu) == 0;
}

static gboolean
on_permission_request (WebKitWebView           *web_view,
                       WebKitPermissionRequest *request,
                       HyHtmlView              *self)
{
  webkit_permission_request_deny (request);
  return TRUE;
}

static void
serve_cid (WebKitURISchemeRequest *request,
           gpointer                user_data)
{
  WebKitWebView *web_view = webkit_uri_scheme_request_get_web_view (request);
  HyHtmlView *self = web_view != NULL ? g_object_get_data (G_OBJECT (web_view), "hy-html-view") : NULL;
  g_autofree char *content_id = NULL;
  g_autofree char *content_type = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  content_id = g_uri_unescape_string (webkit_uri_scheme_request_get_path (request), NULL);
  if (self != NULL && self->cid_func != NULL && content_id != NULL)
    bytes = self->cid_func (content_id, &content_type, self->cid_data);

  if (bytes == NULL)
    {
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "The message has no part with Content-ID %s", content_id);
      webkit_uri_scheme_request_finish_error (request, error);
      return;
    }

  stream = g_memory_input_stream_new_from_bytes (bytes);
  webkit_uri_scheme_request_finish (request, stream, g_bytes_get_size (bytes),
                                    content_type != NULL ? content_type : "application/octet-stream");
}

static void
register_cid_scheme (void)
{
  static gsize registered;

  if (g_once_init_enter (&registered))
    {
      WebKitWebContext *context = webkit_web_context_get_default ();
      WebKitSecurityManager *security = webkit_web_context_get_security_manager (context);

      webkit_web_context_register_uri_scheme (context, "cid", serve_cid, NULL, NULL);
      webkit_security_manager_register_uri_scheme_as_secure (security, "cid");
      webkit_security_manager_register_uri_scheme_as_cors_enabled (security, "cid");
      g_once_init_leave (&registered, 1);
    }
}

HyHtmlView *
hy_html_view_new (void)
{
  return g_object_new (HY_TYPE_HTML_VIEW, NULL);
}

void
hy_html_view_set_cid_func (HyHtmlView        *self,
                           HyHtmlViewCidFunc  func,
                           gpointer           user_data,
                           GDestroyNotify     destroy)
{
  g_return_if_fail (HY_IS_HTML_VIEW (self));

  if (self->cid_destroy != NULL)
    self->cid_destroy (self->cid_data);
  self->cid_func = func;
  self->cid_data = user_data;
  self->cid_destroy = destroy;
}

/**
 * hy_html_view_load_html:
 * @self: a #HyHtmlView
 * @html: the HTML part of a message, as UTF-8
 * @allow_remote: whether remote content may load (a trusted sender)
 *
 * Shows @html.  Nothing is loaded before the remote content filter is in
 * place.
 */
void
hy_html_view_load_html (HyHtmlView *self,
                        const char *html,
                        gboolean    allow_remote)
{
  gboolean has_remote;

  g_return_if_fail (HY_IS_HTML_VIEW (self));

  g_free (self->html);
  self->html = g_strdup (html != NULL ? html : "");

  has_remote = hy_html_find_remote_references (self->html);
  if (self->has_remote_content != has_remote)
    {
      self->has_remote_content = has_remote;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_REMOTE_CONTENT]);
    }
  if (self->remote_allowed != !!allow_remote)
    {
      self->remote_allowed = !!allow_remote;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOTE_ALLOWED]);
    }

  start_load (self);
}

/**
 * hy_html_view_allow_remote_content:
 * @self: a #HyHtmlView
 *
 * Loads the current message again with remote content allowed, for this
 * view and this message only ("Show once").
 */
void
hy_html_view_allow_remote_content (HyHtmlView *self)
{
  g_return_if_fail (HY_IS_HTML_VIEW (self));

  if (self->remote_allowed)
    return;
  self->remote_allowed = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOTE_ALLOWED]);
  start_load (self);
}

gboolean
hy_html_view_get_has_remote_content (HyHtmlView *self)
{
  g_return_val_if_fail (HY_IS_HTML_VIEW (self), FALSE);
  return self->has_remote_content;
}

gboolean
hy_html_view_get_remote_allowed (HyHtmlView *self)
{
  g_return_val_if_fail (HY_IS_HTML_VIEW (self), FALSE);
  return self->remote_allowed;
}

gboolean
hy_html_view_get_loading (HyHtmlView *self)
{
  g_return_val_if_fail (HY_IS_HTML_VIEW (self), FALSE);
  return self->loading;
}

GtkWidget *
hy_html_view_get_web_view (HyHtmlView *self)
{
  g_return_val_if_fail (HY_IS_HTML_VIEW (self), NULL);
  return GTK_WIDGET (self->web_view);
}

/**
 * hy_html_view_print:
 * @self: a #HyHtmlView
 * @parent: (nullable): the window the print dialog belongs to
 *
 * Prints the message shown, through WebKit's print dialog.
 */
void
hy_html_view_print (HyHtmlView *self,
                    GtkWindow  *parent)
{
  g_autoptr(WebKitPrintOperation) operation = NULL;

  g_return_if_fail (HY_IS_HTML_VIEW (self));

  operation = webkit_print_operation_new (self->web_view);
  webkit_print_operation_run_dialog (operation, parent);
}

static void
hy_html_view_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  HyHtmlView *self = HY_HTML_VIEW (object);

  switch (prop_id)
    {
    case PROP_HAS_REMOTE_CONTENT:
      g_value_set_boolean (value, self->has_remote_content);
      break;
    case PROP_REMOTE_ALLOWED:
      g_value_set_boolean (value, self->remote_allowed);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hy_html_view_dispose (GObject *object)
{
  HyHtmlView *self = HY_HTML_VIEW (object);

  if (self->web_view != NULL)
    g_object_set_data (G_OBJECT (self->web_view), "hy-html-view", NULL);
  adw_bin_set_child (ADW_BIN (self), NULL);
  self->web_view = NULL;
  g_clear_object (&self->content_manager);
  hy_html_view_set_cid_func (self, NULL, NULL, NULL);

  G_OBJECT_CLASS (hy_html_view_parent_class)->dispose (object);
}

static void
hy_html_view_finalize (GObject *object)
{
  HyHtmlView *self = HY_HTML_VIEW (object);

  g_free (self->html);
  g_free (self->hovered_uri);
  g_free (self->hovered_label);

  G_OBJECT_CLASS (hy_html_view_parent_class)->finalize (object);
}

static void
hy_html_view_class_init (HyHtmlViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = hy_html_view_get_property;
  object_class->dispose = hy_html_view_dispose;
  object_class->finalize = hy_html_view_finalize;

  properties[PROP_HAS_REMOTE_CONTENT] =
    g_param_spec_boolean ("has-remote-content", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_REMOTE_ALLOWED] =
    g_param_spec_boolean ("remote-allowed", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HyHtmlView::open-link:
   * @self: the view
   * @uri: where the link goes
   * @shown_host: (nullable): the text of the link when it shows another
   *   host than @uri goes to (a likely phishing link), else %NULL
   *
   * The person clicked a link.  The view never follows links itself.
   */
  signals[OPEN_LINK] =
    g_signal_new ("open-link", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "hyhtmlview");
}

static void
hy_html_view_init (HyHtmlView *self)
{
  g_autoptr(WebKitSettings) settings = NULL;
  GdkRGBA white = { 1, 1, 1, 1 };

  register_cid_scheme ();
  if (shared_session == NULL)
    shared_session = webkit_network_session_new_ephemeral ();

  settings = webkit_settings_new ();
  webkit_settings_set_enable_javascript (settings, FALSE);
  webkit_settings_set_enable_javascript_markup (settings, FALSE);
  webkit_settings_set_javascript_can_open_windows_automatically (settings, FALSE);
  webkit_settings_set_javascript_can_access_clipboard (settings, FALSE);
  webkit_settings_set_auto_load_images (settings, TRUE);
  webkit_settings_set_enable_html5_local_storage (settings, FALSE);
  webkit_settings_set_enable_html5_database (settings, FALSE);
  webkit_settings_set_enable_developer_extras (settings, FALSE);
  webkit_settings_set_enable_page_cache (settings, FALSE);
  webkit_settings_set_enable_webaudio (settings, FALSE);
  webkit_settings_set_enable_webgl (settings, FALSE);
  webkit_settings_set_enable_media (settings, FALSE);
  webkit_settings_set_media_playback_requires_user_gesture (settings, TRUE);
  webkit_settings_set_allow_file_access_from_file_urls (settings, FALSE);
  webkit_settings_set_allow_universal_access_from_file_urls (settings, FALSE);
  webkit_settings_set_enable_back_forward_navigation_gestures (settings, FALSE);
  webkit_settings_set_enable_fullscreen (settings, FALSE);

  self->content_manager = webkit_user_content_manager_new ();
  self->web_view = g_object_new (WEBKIT_TYPE_WEB_VIEW,
                                 "network-session", shared_session,
                                 "user-content-manager", self->content_manager,
                                 "settings", settings,
                                 "hexpand", TRUE,
                                 "vexpand", TRUE,
                                 NULL);
  g_object_set_data (G_OBJECT (self->web_view), "hy-html-view", self);
  webkit_web_view_set_background_color (self->web_view, &white);
  gtk_widget_add_css_class (GTK_WIDGET (self->web_view), "message-html");

  g_signal_connect_object (self->web_view, "decide-policy", G_CALLBACK (on_decide_policy), self, 0);
  g_signal_connect_object (self->web_view, "mouse-target-changed",
                           G_CALLBACK (on_mouse_target_changed), self, 0);
  g_signal_connect_object (self->web_view, "load-changed", G_CALLBACK (on_load_changed), self, 0);
  g_signal_connect_object (self->web_view, "context-menu", G_CALLBACK (on_context_menu), self, 0);
  g_signal_connect_object (self->web_view, "permission-request",
                           G_CALLBACK (on_permission_request), self, 0);

  adw_bin_set_child (ADW_BIN (self), GTK_WIDGET (self->web_view));
}
