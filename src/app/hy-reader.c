/* hy-reader.c — the reader pane: one message with its header, body and attachments
 *
 * The body is shown safely: HTML goes to HyHtmlView (no scripts, no
 * network, no navigation; remote content only when the user asks or
 * trusts the sender), plain text to a read-only text view whose links
 * open in the default browser and whose quoted lines are dimmed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-app"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hy-html-view.h"
#include "hy-reader.h"
#include "mime/hy-address.h"
#include "mime/hy-message.h"
#include "mime/hy-mime-part.h"

struct _HyReader
{
  AdwBin             parent_instance;

  GSettings         *settings;
  GCancellable      *cancellable;
  gint64             message_id;
  HyMessage         *message;
  char              *sender_address;
  GPtrArray         *attachments;   /* HyMimePart */

  /* Template children */
  GtkStack          *stack;
  GtkSpinner        *spinner;
  AdwStatusPage     *error_page;
  GtkLabel          *subject_label;
  AdwAvatar         *avatar;
  GtkLabel          *sender_label;
  GtkLabel          *date_label;
  GtkLabel          *recipients_label;
  GtkRevealer       *details_revealer;
  GtkLabel          *details_label;
  GtkToggleButton   *details_button;
  GtkRevealer       *remote_revealer;
  GtkStack          *body_stack;
  GtkTextView       *text_view;
  HyHtmlView        *html_view;     /* made on the first HTML message */
  GtkRevealer       *attachments_revealer;
  GtkLabel          *attachments_label;
  GtkFlowBox        *attachments_box;
};

G_DEFINE_FINAL_TYPE (HyReader, hy_reader, ADW_TYPE_BIN)

/* ------------------------------------------------------------------ */
/* Links                                                              */

static void
on_open_link_response (AdwMessageDialog *dialog,
                       const char       *response,
                       gpointer          user_data)
{
  const char *uri = g_object_get_data (G_OBJECT (dialog), "uri");
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (dialog));

  if (g_strcmp0 (response, "open") == 0)
    gtk_show_uri (parent, uri, GDK_CURRENT_TIME);
}

static void
open_link (HyReader   *self,
           const char *uri,
           const char *shown_text)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *scheme = g_uri_parse_scheme (uri);
  GtkWidget *dialog;

  /* Only what a browser or mail program should open; never file: or
   * custom schemes that could start programs from a message. */
  if (scheme == NULL
      || (g_ascii_strcasecmp (scheme, "http") != 0
          && g_ascii_strcasecmp (scheme, "https") != 0
          && g_ascii_strcasecmp (scheme, "mailto") != 0))
    return;

  if (shown_text == NULL)
    {
      gtk_show_uri (GTK_WINDOW (root), uri, GDK_CURRENT_TIME);
      return;
    }

  dialog = adw_message_dialog_new (GTK_WINDOW (root),
                                   _("Open a Different Address?"),
                                   NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("The link shows “%s” but leads to “%s”. "
                                    "Links like this are often used to trick people. "
                                    "Open it only if you trust the sender."),
                                  shown_text, uri);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "open", _("_Open Link"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "open",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "uri", g_strdup (uri), g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (on_open_link_response), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_html_open_link (HyReader   *self,
                   const char *uri,
                   const char *deceptive_label)
{
  open_link (self, uri, deceptive_label);
}

static void
on_text_view_released (GtkGestureClick *gesture,
                       int              n_press,
                       double           x,
                       double           y,
                       HyReader        *self)
{
  GtkTextView *view = self->text_view;
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end, iter;
  int bx, by;
  GSList *tags;

  if (gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture)) > 1)
    return;
  /* A drag that selected text is not a click on a link. */
  gtk_text_buffer_get_selection_bounds (buffer, &start, &end);
  if (gtk_text_iter_get_offset (&start) != gtk_text_iter_get_offset (&end))
    return;

  gtk_text_view_window_to_buffer_coords (view, GTK_TEXT_WINDOW_WIDGET, x, y, &bx, &by);
  if (!gtk_text_view_get_iter_at_location (view, &iter, bx, by))
    return;

  tags = gtk_text_iter_get_tags (&iter);
  for (GSList *l = tags; l != NULL; l = l->next)
    {
      const char *uri = g_object_get_data (l->data, "uri");
      GtkTextTag *block = g_object_get_data (l->data, "hy-toggle");

      if (uri != NULL)
        {
          open_link (self, uri, NULL);
          break;
        }
      if (block != NULL)
        {
          gboolean invisible;

          g_object_get (block, "invisible", &invisible, NULL);
          g_object_set (block, "invisible", !invisible, NULL);
          break;
        }
    }
  g_slist_free (tags);
}

static void
on_text_view_motion (GtkEventControllerMotion *motion,
                     double                    x,
                     double                    y,
                     HyReader                 *self)
{
  GtkTextIter iter;
  gboolean over_link = FALSE;
  int bx, by;

  gtk_text_view_window_to_buffer_coords (self->text_view, GTK_TEXT_WINDOW_WIDGET,
                                         x, y, &bx, &by);
  if (gtk_text_view_get_iter_at_location (self->text_view, &iter, bx, by))
    {
      GSList *tags = gtk_text_iter_get_tags (&iter);

      for (GSList *l = tags; l != NULL && !over_link; l = l->next)
        over_link = g_object_get_data (l->data, "uri") != NULL
                    || g_object_get_data (l->data, "hy-toggle") != NULL;
      g_slist_free (tags);
    }
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self->text_view), over_link ? "pointer" : NULL);
}

/* ------------------------------------------------------------------ */
/* Plain text                                                         */

static GRegex *
get_url_regex (void)
{
  static GRegex *regex;

  if (g_once_init_enter (&regex))
    {
      GRegex *r = g_regex_new ("(?:https?://|mailto:|www\\.)[^\\s<>\"]*[^\\s<>\".,;:!?)\\]'’”]",
                               G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
      g_once_init_leave (&regex, r);
    }
  return regex;
}

static void
insert_line (HyReader      *self,
             GtkTextBuffer *buffer,
             const char    *line,
             gsize          len,
             GtkTextTag    *quote_tag)
{
  g_autoptr(GMatchInfo) match = NULL;
  GtkTextIter end;
  gsize done = 0;
  gboolean quoted = len > 0 && line[0] == '>';

  g_regex_match_full (get_url_regex (), line, len, 0, 0, &match, NULL);
  while (g_match_info_matches (match))
    {
      int s, e;
      g_autofree char *text = NULL;
      g_autofree char *uri = NULL;
      GtkTextTag *link_tag;

      g_match_info_fetch_pos (match, 0, &s, &e);
      gtk_text_buffer_get_end_iter (buffer, &end);
      if ((gsize) s > done)
        {
          if (quoted)
            gtk_text_buffer_insert_with_tags (buffer, &end, line + done, s - done, quote_tag, NULL);
          else
            gtk_text_buffer_insert (buffer, &end, line + done, s - done);
        }

      text = g_strndup (line + s, e - s);
      uri = g_ascii_strncasecmp (text, "www.", 4) == 0
            ? g_strconcat ("https://", text, NULL) : g_strdup (text);
      /* Each link has its own tag carrying its address. */
      link_tag = gtk_text_buffer_create_tag (buffer, NULL,
                                             "underline", PANGO_UNDERLINE_SINGLE,
                                             NULL);
      g_object_set_data_full (G_OBJECT (link_tag), "uri", g_steal_pointer (&uri), g_free);
      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_buffer_insert_with_tags_by_name (buffer, &end, text, -1, "link", NULL);
      {
        GtkTextIter a, b;

        gtk_text_buffer_get_end_iter (buffer, &b);
        a = b;
        gtk_text_iter_backward_chars (&a, g_utf8_strlen (text, -1));
        gtk_text_buffer_apply_tag (buffer, link_tag, &a, &b);
      }
      done = e;
      g_match_info_next (match, NULL);
    }

  gtk_text_buffer_get_end_iter (buffer, &end);
  if (done < len)
    {
      if (quoted)
        gtk_text_buffer_insert_with_tags (buffer, &end, line + done, len - done, quote_tag, NULL);
      else
        gtk_text_buffer_insert (buffer, &end, line + done, len - done);
    }
  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_insert (buffer, &end, "\n", 1);
}

/* Quotes of at least this many lines start folded. */
#define QUOTE_COLLAPSE_LINES 4

static void
collect_tag (GtkTextTag *tag,
             gpointer    data)
{
  g_ptr_array_add (data, tag);
}

static void
show_plain_text (HyReader   *self,
                 const char *text)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextTagTable *table = gtk_text_buffer_get_tag_table (buffer);
  GtkTextTag *quote_tag;
  const char *p = text != NULL ? text : "";
  g_auto(GStrv) lines = NULL;
  guint n_lines;

  gtk_text_buffer_set_text (buffer, "", 0);
  /* Link tags of the last message go with their text; drop them. */
  {
    g_autoptr(GPtrArray) old = g_ptr_array_new ();

    gtk_text_tag_table_foreach (table, collect_tag, old);
    for (guint i = 0; i < old->len; i++)
      if (g_object_get_data (old->pdata[i], "uri") != NULL
          || g_object_get_data (old->pdata[i], "hy-quote-block") != NULL
          || g_object_get_data (old->pdata[i], "hy-toggle") != NULL)
        gtk_text_tag_table_remove (table, old->pdata[i]);
  }
  quote_tag = gtk_text_tag_table_lookup (table, "quote");

  lines = g_strsplit (p, "\n", -1);
  n_lines = g_strv_length (lines);
  /* A trailing newline makes no extra line. */
  if (n_lines > 0 && lines[n_lines - 1][0] == '\0')
    n_lines--;
  for (guint i = 0; i < n_lines;)
    {
      guint run = 0;

      while (i + run < n_lines && lines[i + run][0] == '>')
        run++;

      if (run >= QUOTE_COLLAPSE_LINES)
        {
          /* A long quote starts folded behind a line that unfolds it. */
          g_autofree char *label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                                 "··· Show %u quoted line",
                                                                 "··· Show %u quoted lines", run), run);
          GtkTextTag *block = gtk_text_buffer_create_tag (buffer, NULL, "invisible", TRUE, NULL);
          GtkTextTag *toggle = gtk_text_buffer_create_tag (buffer, NULL, NULL, NULL);
          GtkTextIter start, end;
          int offset;

          g_object_set_data (G_OBJECT (block), "hy-quote-block", GINT_TO_POINTER (1));
          g_object_set_data (G_OBJECT (toggle), "hy-toggle", block);
          gtk_text_buffer_get_end_iter (buffer, &end);
          gtk_text_buffer_insert_with_tags (buffer, &end, label, -1, toggle,
                                            gtk_text_tag_table_lookup (table, "link"), NULL);
          gtk_text_buffer_get_end_iter (buffer, &end);
          gtk_text_buffer_insert (buffer, &end, "\n", 1);

          offset = gtk_text_buffer_get_char_count (buffer);
          for (guint k = 0; k < run; k++)
            insert_line (self, buffer, lines[i + k], strlen (lines[i + k]), quote_tag);
          gtk_text_buffer_get_iter_at_offset (buffer, &start, offset);
          gtk_text_buffer_get_end_iter (buffer, &end);
          gtk_text_buffer_apply_tag (buffer, block, &start, &end);
          i += run;
          continue;
        }

      for (guint k = 0; k < MAX (run, 1); k++)
        insert_line (self, buffer, lines[i + k], strlen (lines[i + k]), quote_tag);
      i += MAX (run, 1);
    }
  gtk_stack_set_visible_child_name (self->body_stack, "text");
}

/* ------------------------------------------------------------------ */
/* Remote content                                                     */

static gboolean
sender_is_trusted (HyReader *self)
{
  g_auto(GStrv) trusted = NULL;

  if (self->sender_address == NULL)
    return FALSE;
  trusted = g_settings_get_strv (self->settings, "trusted-senders");
  for (guint i = 0; trusted[i] != NULL; i++)
    if (g_ascii_strcasecmp (trusted[i], self->sender_address) == 0)
      return TRUE;
  return FALSE;
}

static void
update_remote_bar (HyReader *self)
{
  gboolean show = self->html_view != NULL
                  && g_strcmp0 (gtk_stack_get_visible_child_name (self->body_stack), "html") == 0
                  && hy_html_view_get_has_remote_content (self->html_view)
                  && !hy_html_view_get_remote_allowed (self->html_view);

  gtk_revealer_set_reveal_child (self->remote_revealer, show);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reader.trust-sender",
                                 self->sender_address != NULL);
}

static void
show_remote (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  HyReader *self = HY_READER (widget);

  if (self->html_view == NULL)
    return;
  hy_html_view_allow_remote_content (self->html_view);
  update_remote_bar (self);
}

static void
trust_sender (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  HyReader *self = HY_READER (widget);
  g_auto(GStrv) trusted = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (self->sender_address == NULL)
    return;
  if (!sender_is_trusted (self))
    {
      trusted = g_settings_get_strv (self->settings, "trusted-senders");
      g_strv_builder_addv (builder, (const char **) trusted);
      g_strv_builder_add (builder, self->sender_address);
      g_strfreev (trusted);
      trusted = g_strv_builder_end (builder);
      g_settings_set_strv (self->settings, "trusted-senders", (const char * const *) trusted);
    }
  show_remote (widget, action_name, parameter);
}

/* ------------------------------------------------------------------ */
/* Attachments                                                        */

static char *
safe_file_name (HyMimePart *part)
{
  const char *name = hy_mime_part_get_filename (part);
  g_autofree char *base = NULL;
  GString *out;

  if (name == NULL || *name == '\0')
    {
      if (g_strcmp0 (hy_mime_part_get_media_type (part), "message") == 0)
        return g_strdup (_("message.eml"));
      return g_strdup (_("attachment"));
    }

  base = g_path_get_basename (name);
  out = g_string_new (NULL);
  for (const char *p = base; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f)
        g_string_append_c (out, '_');
      else
        g_string_append_unichar (out, c);
    }
  /* No hidden files, no "." or "..". */
  while (out->len > 0 && out->str[0] == '.')
    g_string_erase (out, 0, 1);
  if (out->len == 0)
    g_string_append (out, _("attachment"));
  return g_string_free (out, FALSE);
}

typedef struct {
  GPtrArray *parts;   /* HyMimePart */
  GPtrArray *files;   /* GFile */
  gboolean   read_only;
} SaveJob;

static void
save_job_free (SaveJob *job)
{
  g_ptr_array_unref (job->parts);
  g_ptr_array_unref (job->files);
  g_free (job);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveJob *job = task_data;

  for (guint i = 0; i < job->parts->len; i++)
    {
      g_autoptr(GError) error = NULL;
      GFile *file = job->files->pdata[i];

      if (!hy_mime_part_save_to_file (job->parts->pdata[i], file, cancellable, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      if (job->read_only)
        {
          g_autofree char *path = g_file_get_path (file);

          if (path != NULL)
            g_chmod (path, 0400);
        }
    }
  g_task_return_boolean (task, TRUE);
}

/* Shows @title in a toast over the window, where there is one. */
static void
show_toast (HyReader   *self,
             const char *title)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (title));
  else
    g_warning ("%s", title);
}

static void
on_saved (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  HyReader *self = HY_READER (object);
  g_autoptr(GError) error = NULL;
  gboolean open_after = GPOINTER_TO_INT (user_data);

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *title = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      title = g_strdup_printf (_("Could not save the attachment: %s"), error->message);
      show_toast (self, title);
      return;
    }

  if (open_after)
    {
      SaveJob *job = g_task_get_task_data (G_TASK (result));
      g_autofree char *uri = g_file_get_uri (job->files->pdata[0]);

      gtk_show_uri (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), uri, GDK_CURRENT_TIME);
    }
  else
    {
      SaveJob *job = g_task_get_task_data (G_TASK (result));

      show_toast (self, g_dngettext (GETTEXT_PACKAGE, "Attachment saved", "Attachments saved",
                                      job->files->len));
    }
}

static void
start_save (HyReader  *self,
            GPtrArray *parts,
            GPtrArray *files,
            gboolean   open_after)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, on_saved, GINT_TO_POINTER (open_after));
  SaveJob *job = g_new0 (SaveJob, 1);

  job->parts = g_ptr_array_ref (parts);
  job->files = g_ptr_array_ref (files);
  job->read_only = open_after;
  g_task_set_source_tag (task, start_save);
  g_task_set_task_data (task, job, (GDestroyNotify) save_job_free);
  g_task_run_in_thread (task, save_thread);
}

static GFile *
unique_file_in (GFile      *folder,
                const char *name)
{
  GFile *file = g_file_get_child (folder, name);
  g_autofree char *stem = NULL;
  const char *dot;

  if (!g_file_query_exists (file, NULL))
    return file;
  g_object_unref (file);

  dot = strrchr (name, '.');
  stem = dot != NULL && dot != name ? g_strndup (name, dot - name) : g_strdup (name);
  for (guint n = 2; ; n++)
    {
      g_autofree char *candidate = g_strdup_printf ("%s (%u)%s", stem, n,
                                                    dot != NULL && dot != name ? dot : "");

      file = g_file_get_child (folder, candidate);
      if (!g_file_query_exists (file, NULL))
        return file;
      g_object_unref (file);
    }
}

static void
open_attachment (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  HyReader *self = HY_READER (widget);
  guint index = g_variant_get_uint32 (parameter);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *dir = NULL;
  g_autofree char *tmpl = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GError) error = NULL;

  if (self->attachments == NULL || index >= self->attachments->len)
    return;

  /* A private directory per attachment: the default application gets a
   * file with the attachment's own name, which nobody else can replace. */
  tmpl = g_build_filename (g_get_user_cache_dir (), "hongyan", "attachments", NULL);
  g_mkdir_with_parents (tmpl, 0700);
  g_free (tmpl);
  tmpl = g_build_filename (g_get_user_cache_dir (), "hongyan", "attachments", "XXXXXX", NULL);
  dir = g_mkdtemp_full (g_steal_pointer (&tmpl), 0700);
  if (dir == NULL)
    {
      show_toast (self, _("Could not open the attachment: no room for a temporary file"));
      return;
    }

  name = safe_file_name (self->attachments->pdata[index]);
  g_ptr_array_add (parts, g_object_ref (self->attachments->pdata[index]));
  g_ptr_array_add (files, g_file_new_build_filename (dir, name, NULL));
  start_save (self, parts, files, TRUE);
}

static GFile *
get_last_folder (HyReader *self)
{
  g_autofree char *path = g_settings_get_string (self->settings, "attachment-folder");

  if (path[0] == '\0' || !g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      const char *downloads = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);

      return g_file_new_for_path (downloads != NULL ? downloads : g_get_home_dir ());
    }
  return g_file_new_for_path (path);
}

static void
remember_folder (HyReader *self,
                 GFile    *folder)
{
  g_autofree char *path = g_file_get_path (folder);

  if (path != NULL)
    g_settings_set_string (self->settings, "attachment-folder", path);
}

static void
on_save_response (GtkNativeDialog *chooser,
                  int              response,
                  HyReader        *self)
{
  g_autoptr(GFile) file = NULL;
  GPtrArray *parts = g_object_get_data (G_OBJECT (chooser), "parts");
  gboolean is_folder = gtk_file_chooser_get_action (GTK_FILE_CHOOSER (chooser))
                       == GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER;

  if (response == GTK_RESPONSE_ACCEPT
      && (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser))) != NULL)
    {
      g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);

      if (is_folder)
        {
          remember_folder (self, file);
          for (guint i = 0; i < parts->len; i++)
            {
              g_autofree char *name = safe_file_name (parts->pdata[i]);

              g_ptr_array_add (files, unique_file_in (file, name));
            }
        }
      else
        {
          g_autoptr(GFile) parent = g_file_get_parent (file);

          if (parent != NULL)
            remember_folder (self, parent);
          g_ptr_array_add (files, g_object_ref (file));
        }
      start_save (self, parts, files, FALSE);
    }

  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
  g_object_unref (self);
}

static void
run_save_dialog (HyReader  *self,
                 GPtrArray *parts,
                 gboolean   all)
{
  GtkWindow *parent = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self)));
  GtkFileChooserNative *chooser;
  g_autoptr(GFile) folder = get_last_folder (self);

  chooser = gtk_file_chooser_native_new (all ? _("Save All Attachments") : _("Save Attachment"),
                                         parent,
                                         all ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                             : GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL);
  if (!all)
    {
      g_autofree char *name = safe_file_name (parts->pdata[0]);

      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
    }
  g_object_set_data_full (G_OBJECT (chooser), "parts", g_ptr_array_ref (parts),
                          (GDestroyNotify) g_ptr_array_unref);
  g_signal_connect (chooser, "response", G_CALLBACK (on_save_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
save_attachment (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  HyReader *self = HY_READER (widget);
  guint index = g_variant_get_uint32 (parameter);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_object_unref);

  if (self->attachments == NULL || index >= self->attachments->len)
    return;
  g_ptr_array_add (parts, g_object_ref (self->attachments->pdata[index]));
  run_save_dialog (self, parts, FALSE);
}

static void
save_all (GtkWidget  *widget,
          const char *action_name,
          GVariant   *parameter)
{
  HyReader *self = HY_READER (widget);

  if (self->attachments == NULL || self->attachments->len == 0)
    return;
  run_save_dialog (self, self->attachments, TRUE);
}

static GtkWidget *
make_attachment_tile (HyMimePart *part,
                      guint       index)
{
  g_autofree char *name = safe_file_name (part);
  g_autofree char *size = g_format_size (hy_mime_part_get_size (part));
  g_autofree char *ctype = g_content_type_from_mime_type (hy_mime_part_get_content_type (part));
  g_autoptr(GIcon) icon = g_content_type_get_symbolic_icon (ctype != NULL ? ctype : "application/octet-stream");
  g_autofree char *open_label = g_strdup_printf (_("Open %s"), name);
  g_autofree char *save_label = g_strdup_printf (_("Save %s"), name);
  GtkWidget *box, *labels, *label, *button, *image;

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_add_css_class (box, "attachment");

  image = gtk_image_new_from_gicon (icon);
  gtk_image_set_icon_size (GTK_IMAGE (image), GTK_ICON_SIZE_LARGE);
  gtk_box_append (GTK_BOX (box), image);

  labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_widget_set_valign (labels, GTK_ALIGN_CENTER);
  label = gtk_label_new (name);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_tooltip_text (label, name);
  gtk_box_append (GTK_BOX (labels), label);
  label = gtk_label_new (size);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "caption");
  gtk_box_append (GTK_BOX (labels), label);
  gtk_box_append (GTK_BOX (box), labels);

  button = gtk_button_new_from_icon_name ("document-open-symbolic");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, _("Open"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, open_label, -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "reader.open-attachment");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "u", index);
  gtk_box_append (GTK_BOX (box), button);

  button = gtk_button_new_from_icon_name ("document-save-symbolic");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, _("Save…"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, save_label, -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "reader.save-attachment");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "u", index);
  gtk_box_append (GTK_BOX (box), button);

  return box;
}

static void
show_attachments (HyReader *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->attachments_box))) != NULL)
    gtk_flow_box_remove (self->attachments_box, child);

  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  if (self->message != NULL)
    self->attachments = g_ptr_array_ref (hy_message_get_attachments (self->message));

  if (self->attachments == NULL || self->attachments->len == 0)
    {
      gtk_revealer_set_reveal_child (self->attachments_revealer, FALSE);
      return;
    }

  for (guint i = 0; i < self->attachments->len; i++)
    gtk_flow_box_append (self->attachments_box, make_attachment_tile (self->attachments->pdata[i], i));

  {
    g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u Attachment",
                                                           "%u Attachments",
                                                           self->attachments->len),
                                              self->attachments->len);

    gtk_label_set_label (self->attachments_label, title);
  }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reader.save-all", self->attachments->len > 1);
  gtk_revealer_set_reveal_child (self->attachments_revealer, TRUE);
}

/* ------------------------------------------------------------------ */
/* Header                                                             */

static char *
join_addresses (GPtrArray *addresses)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; addresses != NULL && i < addresses->len; i++)
    {
      g_autofree char *one = hy_address_to_display (addresses->pdata[i]);

      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append (out, one);
    }
  return g_string_free (out, FALSE);
}

static void
show_header (HyReader *self)
{
  HyMessage *message = self->message;
  GPtrArray *from = hy_message_get_from (message);
  const HyAddress *sender = from != NULL && from->len > 0 ? from->pdata[0] : NULL;
  const char *name = sender != NULL ? hy_address_get_name (sender) : NULL;
  const char *address = sender != NULL ? hy_address_get_address (sender) : NULL;
  const char *subject = hy_message_get_subject (message);
  g_autofree char *to = join_addresses (hy_message_get_to (message));
  g_autofree char *cc = join_addresses (hy_message_get_cc (message));
  g_autofree char *recipients = NULL;
  g_autofree char *sender_text = NULL;
  GDateTime *date = hy_message_get_date (message);
  GString *details = g_string_new (NULL);

  g_free (self->sender_address);
  self->sender_address = g_strdup (address != NULL && *address != '\0' ? address : NULL);

  gtk_label_set_label (self->subject_label,
                       subject != NULL && *subject != '\0' ? subject : _("(No Subject)"));
  if (name != NULL && *name != '\0')
    sender_text = address != NULL ? g_strdup_printf ("%s <%s>", name, address) : g_strdup (name);
  else
    sender_text = g_strdup (address != NULL ? address : _("Unknown Sender"));
  gtk_label_set_label (self->sender_label, sender_text);
  adw_avatar_set_text (self->avatar, name != NULL && *name != '\0' ? name : address);

  if (*to != '\0')
    recipients = g_strdup_printf (_("To: %s"), to);
  else
    recipients = g_strdup (_("To: undisclosed recipients"));
  gtk_label_set_label (self->recipients_label, recipients);

  if (date != NULL)
    {
      g_autoptr(GDateTime) local = g_date_time_to_local (date);
      /* Translators: the date of an open message, see g_date_time_format();
       * e.g. "Sun 22 November 2026, 08:48" */
      g_autofree char *text = g_date_time_format (local, _("%a %-d %B %Y, %H:%M"));
      g_autofree char *full = g_date_time_format (local, "%c");

      gtk_label_set_label (self->date_label, text);
      g_string_append_printf (details, _("Date: %s"), full);
    }
  else
    gtk_label_set_label (self->date_label, "");

  if (*to != '\0')
    g_string_append_printf (details, "%s%s", details->len ? "\n" : "", recipients);
  if (*cc != '\0')
    {
      g_autofree char *line = g_strdup_printf (_("Cc: %s"), cc);

      g_string_append_printf (details, "%s%s", details->len ? "\n" : "", line);
    }
  {
    GPtrArray *reply_to = hy_message_get_reply_to (message);

    if (reply_to != NULL && reply_to->len > 0)
      {
        g_autofree char *list = join_addresses (reply_to);
        g_autofree char *line = g_strdup_printf (_("Reply-To: %s"), list);

        g_string_append_printf (details, "%s%s", details->len ? "\n" : "", line);
      }
  }
  gtk_label_set_label (self->details_label, details->str);
  g_string_free (details, TRUE);
  gtk_toggle_button_set_active (self->details_button, FALSE);
}

/* ------------------------------------------------------------------ */
/* Loading                                                            */

static GBytes *
find_cid (const char  *content_id,
          char       **content_type,
          gpointer     user_data)
{
  HyMessage *message = user_data;
  HyMimePart *part = hy_message_get_part_by_content_id (message, content_id);

  if (part == NULL || !hy_mime_part_is_leaf (part))
    return NULL;
  *content_type = g_strdup (hy_mime_part_get_content_type (part));
  return hy_mime_part_get_content_bytes (part);
}

static void on_html_open_link (HyReader *self, const char *uri, const char *deceptive_label);

/* WebKit is costly to start (and its view pulls in its processes), so
 * the HTML view is made when the first HTML message is shown. */
static void
ensure_html_view (HyReader *self)
{
  if (self->html_view != NULL)
    return;

  self->html_view = hy_html_view_new ();
  gtk_widget_add_css_class (GTK_WIDGET (self->html_view), "message-html");
  gtk_stack_add_named (self->body_stack, GTK_WIDGET (self->html_view), "html");
  g_signal_connect_object (self->html_view, "open-link", G_CALLBACK (on_html_open_link),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->html_view, "notify::has-remote-content",
                           G_CALLBACK (update_remote_bar), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->html_view, "notify::remote-allowed",
                           G_CALLBACK (update_remote_bar), self, G_CONNECT_SWAPPED);
}

static void
show_loaded_message (HyReader *self)
{
  g_autofree char *html = hy_message_dup_html (self->message);

  show_header (self);
  show_attachments (self);

  if (html != NULL)
    {
      ensure_html_view (self);
      hy_html_view_set_cid_func (self->html_view, find_cid,
                                 g_object_ref (self->message), g_object_unref);
      hy_html_view_load_html (self->html_view, html, sender_is_trusted (self));
      gtk_stack_set_visible_child_name (self->body_stack, "html");
    }
  else
    show_plain_text (self, hy_message_get_text (self->message));

  update_remote_bar (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reader.print", TRUE);
  gtk_stack_set_visible_child_name (self->stack, "message");
  gtk_spinner_stop (self->spinner);
}

typedef struct {
  HyReader *reader;
  gint64    id;
} Load;

static void
on_message_loaded (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Load *load = user_data;
  g_autoptr(HyReader) self = load->reader;
  gint64 id = load->id;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyMessage) message = hy_engine_get_message_finish (HY_ENGINE (object), result, &error);

  g_free (load);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || id != self->message_id)
    return;

  gtk_spinner_stop (self->spinner);
  if (message == NULL)
    {
      if (g_error_matches (error, HY_STORE_ERROR, HY_STORE_ERROR_NOT_FOUND))
        adw_status_page_set_description (self->error_page,
                                         _("The message is no longer on the server."));
      else
        adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }

  g_clear_object (&self->message);
  self->message = g_steal_pointer (&message);
  show_loaded_message (self);
}

void
hy_reader_show_message (HyReader  *self,
                        HyEngine  *engine,
                        HyAccount *account,
                        gint64     message_id)
{
  g_return_if_fail (HY_IS_READER (self));
  g_return_if_fail (HY_IS_ENGINE (engine));
  g_return_if_fail (HY_IS_ACCOUNT (account));

  if (message_id == self->message_id)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->message_id = message_id;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reader.print", FALSE);
  gtk_stack_set_visible_child_name (self->stack, "loading");
  gtk_spinner_start (self->spinner);

  {
    Load *load = g_new0 (Load, 1);

    load->reader = g_object_ref (self);
    load->id = message_id;
    hy_engine_get_message_async (engine, account, message_id, self->cancellable,
                                 on_message_loaded, load);
  }
}

void
hy_reader_clear (HyReader *self)
{
  g_return_if_fail (HY_IS_READER (self));

  g_cancellable_cancel (self->cancellable);
  self->message_id = 0;
  g_clear_object (&self->message);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  gtk_spinner_stop (self->spinner);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reader.print", FALSE);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

gint64
hy_reader_get_message_id (HyReader *self)
{
  g_return_val_if_fail (HY_IS_READER (self), 0);

  return self->message_id;
}

/* ------------------------------------------------------------------ */
/* Printing                                                           */

typedef struct {
  PangoLayout *layout;
  GArray      *page_starts;   /* int line index */
} TextPrint;

static void
text_print_free (TextPrint *print)
{
  g_clear_object (&print->layout);
  g_array_unref (print->page_starts);
  g_free (print);
}

static void
on_begin_print (GtkPrintOperation *operation,
                GtkPrintContext   *context,
                TextPrint         *print)
{
  HyReader *self = g_object_get_data (G_OBJECT (operation), "reader");
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  g_autofree char *body = NULL;
  g_autofree char *text = NULL;
  g_autoptr(PangoFontDescription) font = pango_font_description_from_string ("Sans 10");
  double height = gtk_print_context_get_height (context);
  double used = 0;
  int n_lines;

  g_object_get (buffer, "text", &body, NULL);
  text = g_strdup_printf ("%s\n%s\n%s\n%s\n\n%s",
                          gtk_label_get_label (self->subject_label),
                          gtk_label_get_label (self->sender_label),
                          gtk_label_get_label (self->recipients_label),
                          gtk_label_get_label (self->date_label),
                          body);

  print->layout = gtk_print_context_create_pango_layout (context);
  pango_layout_set_font_description (print->layout, font);
  pango_layout_set_width (print->layout, gtk_print_context_get_width (context) * PANGO_SCALE);
  pango_layout_set_wrap (print->layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text (print->layout, text, -1);

  n_lines = pango_layout_get_line_count (print->layout);
  g_array_append_val (print->page_starts, (int) { 0 });
  for (int i = 0; i < n_lines; i++)
    {
      PangoRectangle logical;

      pango_layout_line_get_pixel_extents (pango_layout_get_line_readonly (print->layout, i),
                                           NULL, &logical);
      if (used + logical.height > height && i > 0)
        {
          g_array_append_val (print->page_starts, i);
          used = 0;
        }
      used += logical.height;
    }
  gtk_print_operation_set_n_pages (operation, print->page_starts->len);
}

static void
on_draw_page (GtkPrintOperation *operation,
              GtkPrintContext   *context,
              int                page_nr,
              TextPrint         *print)
{
  cairo_t *cr = gtk_print_context_get_cairo_context (context);
  int first = g_array_index (print->page_starts, int, page_nr);
  int last = (guint) page_nr + 1 < print->page_starts->len
             ? g_array_index (print->page_starts, int, page_nr + 1)
             : pango_layout_get_line_count (print->layout);
  double y = 0;

  cairo_set_source_rgb (cr, 0, 0, 0);
  for (int i = first; i < last; i++)
    {
      PangoLayoutLine *line = pango_layout_get_line_readonly (print->layout, i);
      PangoRectangle logical;

      pango_layout_line_get_pixel_extents (line, NULL, &logical);
      cairo_move_to (cr, 0, y - logical.y);
      pango_cairo_show_layout_line (cr, line);
      y += logical.height;
    }
}

static void
print_message (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  hy_reader_print (HY_READER (widget));
}

void
hy_reader_print (HyReader *self)
{
  GtkWindow *parent;

  g_return_if_fail (HY_IS_READER (self));

  if (self->message == NULL)
    return;
  parent = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self)));

  if (self->html_view != NULL
      && g_strcmp0 (gtk_stack_get_visible_child_name (self->body_stack), "html") == 0)
    {
      hy_html_view_print (self->html_view, parent);
    }
  else
    {
      g_autoptr(GtkPrintOperation) operation = gtk_print_operation_new ();
      TextPrint *print = g_new0 (TextPrint, 1);
      g_autoptr(GError) error = NULL;

      print->page_starts = g_array_new (FALSE, FALSE, sizeof (int));
      g_object_set_data (G_OBJECT (operation), "reader", self);
      g_object_set_data_full (G_OBJECT (operation), "print", print, (GDestroyNotify) text_print_free);
      gtk_print_operation_set_job_name (operation, gtk_label_get_label (self->subject_label));
      g_signal_connect (operation, "begin-print", G_CALLBACK (on_begin_print), print);
      g_signal_connect (operation, "draw-page", G_CALLBACK (on_draw_page), print);
      if (gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG,
                                   parent, &error) == GTK_PRINT_OPERATION_RESULT_ERROR)
        show_toast (self, error->message);
    }
}

/* ------------------------------------------------------------------ */

static void
hy_reader_dispose (GObject *object)
{
  HyReader *self = HY_READER (object);

  g_cancellable_cancel (self->cancellable);
  /* AdwBin unparents its child itself; let it go before the template
   * would unparent it a second time. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), HY_TYPE_READER);
  self->html_view = NULL;
  g_clear_object (&self->cancellable);
  g_clear_object (&self->message);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);

  G_OBJECT_CLASS (hy_reader_parent_class)->dispose (object);
}

static void
hy_reader_finalize (GObject *object)
{
  HyReader *self = HY_READER (object);

  g_free (self->sender_address);

  G_OBJECT_CLASS (hy_reader_parent_class)->finalize (object);
}

static void
hy_reader_class_init (HyReaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hy_reader_dispose;
  object_class->finalize = hy_reader_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hongyan/Hongyan/ui/hy-reader.ui");
  gtk_widget_class_bind_template_child (widget_class, HyReader, stack);
  gtk_widget_class_bind_template_child (widget_class, HyReader, spinner);
  gtk_widget_class_bind_template_child (widget_class, HyReader, error_page);
  gtk_widget_class_bind_template_child (widget_class, HyReader, subject_label);
  gtk_widget_class_bind_template_child (widget_class, HyReader, avatar);
  gtk_widget_class_bind_template_child (widget_class, HyReader, sender_label);
  gtk_widget_class_bind_template_child (widget_class, HyReader, date_label);
  gtk_widget_class_bind_template_child (widget_class, HyReader, recipients_label);
  gtk_widget_class_bind_template_child (widget_class, HyReader, details_revealer);
  gtk_widget_class_bind_template_child (widget_class, HyReader, details_label);
  gtk_widget_class_bind_template_child (widget_class, HyReader, details_button);
  gtk_widget_class_bind_template_child (widget_class, HyReader, remote_revealer);
  gtk_widget_class_bind_template_child (widget_class, HyReader, body_stack);
  gtk_widget_class_bind_template_child (widget_class, HyReader, text_view);
  gtk_widget_class_bind_template_child (widget_class, HyReader, attachments_revealer);
  gtk_widget_class_bind_template_child (widget_class, HyReader, attachments_label);
  gtk_widget_class_bind_template_child (widget_class, HyReader, attachments_box);

  gtk_widget_class_install_action (widget_class, "reader.show-remote", NULL, show_remote);
  gtk_widget_class_install_action (widget_class, "reader.trust-sender", NULL, trust_sender);
  gtk_widget_class_install_action (widget_class, "reader.open-attachment", "u", open_attachment);
  gtk_widget_class_install_action (widget_class, "reader.save-attachment", "u", save_attachment);
  gtk_widget_class_install_action (widget_class, "reader.save-all", NULL, save_all);
  gtk_widget_class_install_action (widget_class, "reader.print", NULL, print_message);

  gtk_widget_class_set_css_name (widget_class, "hyreader");
}

static void
hy_reader_init (HyReader *self)
{
  GtkTextBuffer *buffer;
  GtkGesture *click;
  GtkEventController *motion;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new ("io.github.hongyan.Hongyan");
  self->cancellable = g_cancellable_new ();

  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_create_tag (buffer, "quote", "foreground-rgba", &(GdkRGBA) { 0.5, 0.5, 0.5, 1 }, NULL);
  gtk_text_buffer_create_tag (buffer, "link", "foreground-rgba", &(GdkRGBA) { 0.11, 0.44, 0.85, 1 }, NULL);

  click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (on_text_view_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), GTK_EVENT_CONTROLLER (click));
  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_text_view_motion), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), motion);

  g_object_bind_property (self->details_button, "active",
                          self->details_revealer, "reveal-child", G_BINDING_SYNC_CREATE);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reader.print", FALSE);
}
