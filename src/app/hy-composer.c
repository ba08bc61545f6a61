/* hy-composer.c — the window for writing a message
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-composer"

#include "config.h"

#include <glib/gi18n.h>

#include "hy-address-tokens.h"
#include "hy-attachment-reminder.h"
#include "hy-composer.h"
#include "hy-rich-text.h"
#include "mime/hy-mime-error.h"
#include "mime/hy-mime-part.h"
#include "mime/hy-text-utils.h"
#include "store/hy-store.h"

typedef struct
{
  char       *account_id;
  HyIdentity *identity;
} FromEntry;

typedef struct
{
  GdkTexture *texture;       /* what the body shows */
  GBytes     *bytes;         /* what the message carries */
  char       *content_type;
  char       *name;
  char       *content_id;
} InlineImage;

typedef struct
{
  GFile      *file;          /* or … */
  GBytes     *bytes;         /* … pasted data, or … */
  HyMessage  *message;       /* … a forwarded message */
  char       *name;
  char       *content_type;
  guint64     size;
  GtkWidget  *row;
  guint       serial;        /* names it in composer.attachment-inline */
} Attachment;

struct _HyComposer
{
  AdwWindow          parent_instance;

  AdwToastOverlay   *toast_overlay;
  GtkDropDown       *from_dropdown;
  GtkEntry          *to_entry;
  GtkEntry          *cc_entry;
  GtkEntry          *bcc_entry;
  GtkEntry          *reply_to_entry;
  GtkToggleButton   *cc_button;
  GtkToggleButton   *bcc_button;
  GtkToggleButton   *reply_to_button;
  GtkEntry          *subject_entry;
  GtkToggleButton   *rich_button;
  GtkToggleButton   *bold_button;
  GtkToggleButton   *italic_button;
  GtkToggleButton   *underline_button;
  GtkToggleButton   *strike_button;
  GtkTextView       *body_view;
  GtkListBox        *attachments_box;

  GtkTextBuffer     *buffer;
  GtkStringList     *from_model;
  GPtrArray         *from_entries;    /* FromEntry */
  GPtrArray         *attachments;     /* Attachment */
  GPtrArray         *inline_images;   /* InlineImage */
  guint              next_serial;
  GtkTextMark       *signature_mark;  /* start of "-- \n…", or NULL */
  char              *in_reply_to;
  GStrv              references;
  GCancellable      *cancellable;
  GHashTable        *size_limits;      /* account id -> gint64 * (SIZE_*, or bytes) */
  gboolean           send_pending;     /* Send waits for the server's size limit */
  GPtrArray         *address_stores;   /* HyStore, for completion */
  gboolean           completing;
  gboolean           modified;
  gboolean           draft_dirty;      /* changed since the draft was saved */
  gint64             draft_id;
  char              *draft_account;    /* the account the draft is saved in */
  guint              autosave_id;
  gboolean           updating_buttons;
  gboolean           reminder_confirmed;
  gboolean           size_confirmed;
};

G_DEFINE_FINAL_TYPE (HyComposer, hy_composer, ADW_TYPE_WINDOW)

enum {
  SIGNAL_SEND,
  SIGNAL_SAVE_DRAFT,
  SIGNAL_DISCARD_DRAFT,
  SIGNAL_SIZE_LIMIT_NEEDED,
  N_SIGNALS
};

/* Seconds without changes after which the draft is saved. */
#define AUTOSAVE_SECONDS 3

static guint signals[N_SIGNALS];

static void
from_entry_free (gpointer data)
{
  FromEntry *entry = data;

  g_free (entry->account_id);
  hy_identity_free (entry->identity);
  g_free (entry);
}

static void
inline_image_free (gpointer data)
{
  InlineImage *image = data;

  g_clear_object (&image->texture);
  g_clear_pointer (&image->bytes, g_bytes_unref);
  g_free (image->content_type);
  g_free (image->name);
  g_free (image->content_id);
  g_free (image);
}

static void
attachment_free (gpointer data)
{
  Attachment *attachment = data;

  g_clear_object (&attachment->file);
  g_clear_pointer (&attachment->bytes, g_bytes_unref);
  g_clear_object (&attachment->message);
  g_free (attachment->name);
  g_free (attachment->content_type);
  g_free (attachment);
}

static void
show_toast (HyComposer *self,
            const char *text)
{
  AdwToast *toast = adw_toast_new (text);

  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* Drafts */

static gboolean has_content (HyComposer *self);
static void look_up_addresses (HyComposer *self,
                               GtkEntry   *entry);
static void discard_draft (HyComposer *self);
static HyMessageBuilder *build (HyComposer *self, gboolean lenient, GError **error);

static void
save_draft_now (HyComposer *self)
{
  g_autoptr(HyMessageBuilder) builder = NULL;
  g_autoptr(GError) error = NULL;
  const char *account_id = hy_composer_get_account_id (self);

  g_clear_handle_id (&self->autosave_id, g_source_remove);
  if (!self->draft_dirty || account_id == NULL || !has_content (self))
    return;

  builder = build (self, TRUE, &error);
  if (builder == NULL)
    {
      g_debug ("Draft not saved: %s", error->message);
      return;
    }
  /* Sent from another account now: its draft moves there. */
  if (self->draft_id > 0 && g_strcmp0 (self->draft_account, account_id) != 0)
    discard_draft (self);
  self->draft_dirty = FALSE;
  g_signal_emit (self, signals[SIGNAL_SAVE_DRAFT], 0, builder, account_id);
}

static gboolean
autosave_cb (gpointer user_data)
{
  HyComposer *self = user_data;

  self->autosave_id = 0;
  save_draft_now (self);
  return G_SOURCE_REMOVE;
}

static void
mark_changed (HyComposer *self)
{
  self->modified = TRUE;
  self->draft_dirty = TRUE;
  /* Restarted on every change: saved once typing pauses. */
  g_clear_handle_id (&self->autosave_id, g_source_remove);
  self->autosave_id = g_timeout_add_seconds (AUTOSAVE_SECONDS, autosave_cb, self);
}

void
hy_composer_set_draft_id (HyComposer *self,
                          const char *account_id,
                          gint64      draft_id)
{
  g_return_if_fail (HY_IS_COMPOSER (self));

  self->draft_id = draft_id;
  g_free (self->draft_account);
  self->draft_account = g_strdup (account_id);
}

gint64
hy_composer_get_draft_id (HyComposer *self)
{
  g_return_val_if_fail (HY_IS_COMPOSER (self), 0);

  return self->draft_id;
}

static void
discard_draft (HyComposer *self)
{
  g_clear_handle_id (&self->autosave_id, g_source_remove);
  self->draft_dirty = FALSE;
  if (self->draft_id > 0)
    g_signal_emit (self, signals[SIGNAL_DISCARD_DRAFT], 0, self->draft_account, self->draft_id);
  self->draft_id = 0;
}

/* Identities and signatures */

static const FromEntry *
chosen_from (HyComposer *self)
{
  guint index = gtk_drop_down_get_selected (self->from_dropdown);

  if (index == GTK_INVALID_LIST_POSITION || index >= self->from_entries->len)
    return NULL;
  return g_ptr_array_index (self->from_entries, index);
}

static void
put_signature (HyComposer *self)
{
  const FromEntry *from = chosen_from (self);
  GtkTextIter start, end;
  gboolean modified = self->modified;
  int cursor;

  if (self->signature_mark != NULL)
    {
      gtk_text_buffer_get_iter_at_mark (self->buffer, &start, self->signature_mark);
      gtk_text_buffer_get_end_iter (self->buffer, &end);
      gtk_text_buffer_delete (self->buffer, &start, &end);
      gtk_text_buffer_delete_mark (self->buffer, self->signature_mark);
      self->signature_mark = NULL;
    }

  if (from == NULL || from->identity->signature == NULL || *from->identity->signature == '\0')
    return;

  gtk_text_buffer_get_iter_at_mark (self->buffer, &start, gtk_text_buffer_get_insert (self->buffer));
  cursor = gtk_text_iter_get_offset (&start);
  gtk_text_buffer_get_end_iter (self->buffer, &end);
  self->signature_mark = gtk_text_buffer_create_mark (self->buffer, NULL, &end, TRUE);
  {
    /* The standard separator "-- " on its own line (RFC 3676 4.3). */
    g_autofree char *text = g_strdup_printf ("\n\n-- \n%s", from->identity->signature);

    gtk_text_buffer_insert (self->buffer, &end, text, -1);
  }
  /* The person writes above the signature. */
  gtk_text_buffer_get_iter_at_offset (self->buffer, &start, cursor);
  gtk_text_buffer_place_cursor (self->buffer, &start);
  self->modified = modified;
}

static void
on_from_changed (HyComposer *self)
{
  put_signature (self);
}

void
hy_composer_add_identity (HyComposer       *self,
                          const char       *account_id,
                          const HyIdentity *identity)
{
  FromEntry *entry;
  g_autoptr(HyAddress) address = NULL;
  g_autofree char *label = NULL;

  g_return_if_fail (HY_IS_COMPOSER (self));
  g_return_if_fail (account_id != NULL && identity != NULL);

  entry = g_new0 (FromEntry, 1);
  entry->account_id = g_strdup (account_id);
  entry->identity = hy_identity_copy (identity);
  g_ptr_array_add (self->from_entries, entry);

  address = hy_address_new (identity->name, identity->address);
  label = hy_address_to_display (address);
  gtk_string_list_append (self->from_model, label);
  if (self->from_entries->len == 1)
    {
      gtk_drop_down_set_selected (self->from_dropdown, 0);
      put_signature (self);
    }
}

const char *
hy_composer_get_account_id (HyComposer *self)
{
  const FromEntry *from;

  g_return_val_if_fail (HY_IS_COMPOSER (self), NULL);

  from = chosen_from (self);
  return from != NULL ? from->account_id : NULL;
}

/* Address fields */

static gboolean
entry_is_valid (GtkEntry *entry)
{
  g_auto(GStrv) tokens = hy_address_tokens_split (gtk_editable_get_text (GTK_EDITABLE (entry)));

  for (guint i = 0; tokens[i] != NULL; i++)
    if (!hy_address_token_is_valid (tokens[i]))
      return FALSE;
  return TRUE;
}

static void
on_address_changed (GtkEntry   *entry,
                    HyComposer *self)
{
  mark_changed (self);
  /* Only while the person types there, not when the text is set. */
  {
    GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

    if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (entry)))
      look_up_addresses (self, entry);
  }
  if (entry_is_valid (entry))
    gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
}

static void
normalize_entry (GtkEntry *entry)
{
  g_auto(GStrv) tokens = hy_address_tokens_split (gtk_editable_get_text (GTK_EDITABLE (entry)));
  g_autofree char *joined = g_strjoinv (", ", tokens);

  /* One recipient per token, as the person will see them sent. */
  if (!g_str_equal (joined, gtk_editable_get_text (GTK_EDITABLE (entry))))
    gtk_editable_set_text (GTK_EDITABLE (entry), joined);
  if (entry_is_valid (entry))
    gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
}

static void
on_address_focus_leave (GtkEventControllerFocus *controller,
                        gpointer                 user_data)
{
  normalize_entry (GTK_ENTRY (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller))));
}

static void
append_to_entry (GtkEntry   *entry,
                 const char *text)
{
  const char *current = gtk_editable_get_text (GTK_EDITABLE (entry));
  g_autofree char *joined = NULL;

  if (text == NULL || *text == '\0')
    return;
  joined = *current != '\0' ? g_strconcat (current, ", ", text, NULL) : g_strdup (text);
  gtk_editable_set_text (GTK_EDITABLE (entry), joined);
  normalize_entry (entry);
}

static void
append_addresses (GtkEntry  *entry,
                  GPtrArray *addresses)
{
  for (guint i = 0; addresses != NULL && i < addresses->len; i++)
    {
      g_autofree char *text = hy_address_to_display (g_ptr_array_index (addresses, i));

      append_to_entry (entry, text);
    }
}

/* Completion from the addresses seen in mail */

#define COMPLETION_LIMIT 8

/* Where the recipient being typed starts: after the last separator. */
static const char *
last_token (const char *text)
{
  const char *start = text;

  for (const char *p = text; *p != '\0'; p++)
    if (*p == ',' || *p == ';')
      start = p + 1;
  while (*start == ' ')
    start++;
  return start;
}

static void
complete_in_thread (GTask        *task,
                    gpointer      source,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  GPtrArray *stores = g_object_get_data (G_OBJECT (task), "hy-stores");
  const char *prefix = task_data;
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < stores->len && found->len < COMPLETION_LIMIT; i++)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) matches = hy_store_complete_address (g_ptr_array_index (stores, i), prefix,
                                                         COMPLETION_LIMIT, &error);

      if (matches == NULL)
        {
          g_debug ("Address completion failed: %s", error->message);
          continue;
        }
      for (guint j = 0; matches[j] != NULL && found->len < COMPLETION_LIMIT; j++)
        if (!g_hash_table_contains (seen, matches[j]))
          {
            char *copy = g_strdup (matches[j]);

            g_ptr_array_add (found, copy);
            g_hash_table_add (seen, copy);
          }
    }
  g_ptr_array_add (found, NULL);
  g_task_return_pointer (task, g_ptr_array_free (g_steal_pointer (&found), FALSE),
                         (GDestroyNotify) g_strfreev);
}

static void
on_completed (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GtkEntry) entry = user_data;
  g_auto(GStrv) matches = g_task_propagate_pointer (G_TASK (result), NULL);
  const char *prefix = g_task_get_task_data (G_TASK (result));
  GtkEntryCompletion *completion = gtk_entry_get_completion (entry);
  GtkListStore *model;

  /* Only for what is still being typed. */
  if (matches == NULL || completion == NULL ||
      !g_str_equal (last_token (gtk_editable_get_text (GTK_EDITABLE (entry))), prefix))
    return;

  model = GTK_LIST_STORE (gtk_entry_completion_get_model (completion));
  gtk_list_store_clear (model);
  for (guint i = 0; matches[i] != NULL; i++)
    gtk_list_store_insert_with_values (model, NULL, -1, 0, matches[i], -1);
  gtk_entry_completion_complete (completion);
}

static void
look_up_addresses (HyComposer *self,
                   GtkEntry   *entry)
{
  const char *prefix = last_token (gtk_editable_get_text (GTK_EDITABLE (entry)));
  g_autoptr(GTask) task = NULL;

  if (self->address_stores->len == 0 || self->completing || g_utf8_strlen (prefix, -1) < 2)
    return;

  task = g_task_new (NULL, self->cancellable, on_completed, g_object_ref (entry));
  g_task_set_source_tag (task, look_up_addresses);
  g_task_set_task_data (task, g_strdup (prefix), g_free);
  g_object_set_data_full (G_OBJECT (task), "hy-stores",
                          g_ptr_array_copy (self->address_stores, (GCopyFunc) (void (*) (void)) g_object_ref, NULL),
                          (GDestroyNotify) g_ptr_array_unref);
  g_task_run_in_thread (task, complete_in_thread);
}

static gboolean
match_everything (GtkEntryCompletion *completion,
                  const char         *key,
                  GtkTreeIter        *iter,
                  gpointer            user_data)
{
  /* The store already matched names and addresses by prefix. */
  return TRUE;
}

static gboolean
on_match_selected (GtkEntryCompletion *completion,
                   GtkTreeModel       *model,
                   GtkTreeIter        *iter,
                   HyComposer         *self)
{
  GtkEntry *entry = GTK_ENTRY (gtk_entry_completion_get_entry (completion));
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
  g_autofree char *chosen = NULL;
  g_autofree char *head = NULL;
  g_autofree char *joined = NULL;

  gtk_tree_model_get (model, iter, 0, &chosen, -1);
  head = g_strndup (text, last_token (text) - text);
  joined = g_strconcat (head, chosen, ", ", NULL);
  self->completing = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (entry), joined);
  gtk_editable_set_position (GTK_EDITABLE (entry), -1);
  self->completing = FALSE;
  return TRUE;
}

static void
add_completion (HyComposer *self,
                GtkEntry   *entry)
{
  g_autoptr(GtkEntryCompletion) completion = gtk_entry_completion_new ();
  g_autoptr(GtkListStore) model = gtk_list_store_new (1, G_TYPE_STRING);

  gtk_entry_completion_set_model (completion, GTK_TREE_MODEL (model));
  gtk_entry_completion_set_text_column (completion, 0);
  gtk_entry_completion_set_match_func (completion, match_everything, NULL, NULL);
  gtk_entry_completion_set_inline_completion (completion, FALSE);
  gtk_entry_completion_set_popup_single_match (completion, TRUE);
  g_signal_connect_object (completion, "match-selected", G_CALLBACK (on_match_selected), self, 0);
  gtk_entry_set_completion (entry, completion);
}

void
hy_composer_add_address_store (HyComposer *self,
                               HyStore    *store)
{
  g_return_if_fail (HY_IS_COMPOSER (self));
  g_return_if_fail (HY_IS_STORE (store));

  g_ptr_array_add (self->address_stores, g_object_ref (store));
}

/* Attachments */

static void
update_attachments_visibility (HyComposer *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->attachments_box), self->attachments->len > 0);
}

static void
on_remove_attachment (GtkButton  *button,
                      HyComposer *self)
{
  GtkWidget *row = g_object_get_data (G_OBJECT (button), "hy-row");

  for (guint i = 0; i < self->attachments->len; i++)
    {
      Attachment *attachment = g_ptr_array_index (self->attachments, i);

      if (attachment->row == row)
        {
          gtk_list_box_remove (self->attachments_box, row);
          g_ptr_array_remove_index (self->attachments, i);
          break;
        }
    }
  mark_changed (self);
  update_attachments_visibility (self);
}

static gboolean
is_image_type (const char *content_type)
{
  g_autofree char *mime_type = g_content_type_get_mime_type (content_type);

  return mime_type != NULL && g_str_has_prefix (mime_type, "image/");
}

/* composer.attachment-inline (u): the attachment @serial, an image, goes
 * into the text at the cursor and leaves the list. */
static void
attachment_inline_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  HyComposer *self = HY_COMPOSER (widget);
  guint serial = g_variant_get_uint32 (parameter);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *mime_type = NULL;
  Attachment *attachment = NULL;
  guint index;

  for (index = 0; index < self->attachments->len; index++)
    {
      attachment = g_ptr_array_index (self->attachments, index);
      if (attachment->serial == serial)
        break;
    }
  if (index == self->attachments->len)
    return;

  if (attachment->bytes != NULL)
    bytes = g_bytes_ref (attachment->bytes);
  else if (attachment->file != NULL)
    bytes = g_file_load_bytes (attachment->file, NULL, NULL, &error);
  mime_type = g_content_type_get_mime_type (attachment->content_type);
  if (bytes == NULL ||
      !hy_composer_insert_inline_image (self, bytes, mime_type != NULL ? mime_type : "application/octet-stream",
                                        attachment->name, &error))
    {
      g_autofree char *text = g_strdup_printf (_("“%s” cannot be shown in the text: %s"),
                                               attachment->name,
                                               error != NULL ? error->message : "");

      show_toast (self, text);
      return;
    }
  gtk_list_box_remove (self->attachments_box, attachment->row);
  g_ptr_array_remove_index (self->attachments, index);
  update_attachments_visibility (self);
  mark_changed (self);
}

static void
add_attachment_row (HyComposer *self,
                    Attachment *attachment)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *remove = gtk_button_new_from_icon_name ("edit-delete-symbolic");
  g_autofree char *size = attachment->message != NULL ? g_strdup (_("Forwarded message"))
                                                      : g_format_size (attachment->size);
  g_autofree char *remove_label = g_strdup_printf (_("Remove “%s”"), attachment->name);
  g_autoptr(GIcon) icon = g_content_type_get_symbolic_icon (attachment->content_type);
  GtkWidget *image = gtk_image_new_from_gicon (icon);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), attachment->name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), size);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), image);
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_tooltip_text (remove, remove_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, remove_label, -1);
  g_object_set_data (G_OBJECT (remove), "hy-row", row);
  g_signal_connect_object (remove, "clicked", G_CALLBACK (on_remove_attachment), self, 0);

  /* An image may go into the text instead (multipart/related). */
  attachment->serial = ++self->next_serial;
  if (attachment->message == NULL && is_image_type (attachment->content_type))
    {
      GtkWidget *show = gtk_button_new_from_icon_name ("insert-image-symbolic");
      g_autofree char *show_label = g_strdup_printf (_("Show “%s” in the Message Text"), attachment->name);

      gtk_widget_set_valign (show, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (show, "flat");
      gtk_widget_set_tooltip_text (show, _("Show in the Message Text"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (show),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, show_label, -1);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (show), "composer.attachment-inline");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (show), "u", attachment->serial);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), show);
    }
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);

  attachment->row = row;
  gtk_list_box_append (self->attachments_box, row);
  update_attachments_visibility (self);
}

void
hy_composer_add_attachment (HyComposer *self,
                            GFile      *file)
{
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  Attachment *attachment;

  g_return_if_fail (HY_IS_COMPOSER (self));
  g_return_if_fail (G_IS_FILE (file));

  /* Only the file's description is read now; its content is streamed
   * into the message when it is written out. */
  info = g_file_query_info (file,
                            G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME ","
                            G_FILE_ATTRIBUTE_STANDARD_CONTENT_TYPE ","
                            G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                            G_FILE_ATTRIBUTE_STANDARD_TYPE,
                            G_FILE_QUERY_INFO_NONE, NULL, &error);
  if (info == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Could not attach a file: %s"), error->message);

      show_toast (self, text);
      return;
    }
  if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
    {
      g_autofree char *text = g_strdup_printf (_("“%s” is a folder; only files can be attached"),
                                               g_file_info_get_display_name (info));

      show_toast (self, text);
      return;
    }

  attachment = g_new0 (Attachment, 1);
  attachment->file = g_object_ref (file);
  attachment->name = g_strdup (g_file_info_get_display_name (info));
  attachment->content_type = g_strdup (g_file_info_get_content_type (info) != NULL
                                       ? g_file_info_get_content_type (info)
                                       : "application/octet-stream");
  attachment->size = g_file_info_get_size (info);
  g_ptr_array_add (self->attachments, attachment);
  add_attachment_row (self, attachment);
  mark_changed (self);
}

void
hy_composer_add_attachment_bytes (HyComposer *self,
                                  GBytes     *bytes,
                                  const char *content_type,
                                  const char *filename)
{
  Attachment *attachment;

  g_return_if_fail (HY_IS_COMPOSER (self));
  g_return_if_fail (bytes != NULL && content_type != NULL && filename != NULL);

  attachment = g_new0 (Attachment, 1);
  attachment->bytes = g_bytes_ref (bytes);
  attachment->name = g_strdup (filename);
  attachment->content_type = g_strdup (content_type);
  attachment->size = g_bytes_get_size (bytes);
  g_ptr_array_add (self->attachments, attachment);
  add_attachment_row (self, attachment);
  mark_changed (self);
}

/* Images wider than this are shown smaller in the text; the message
 * carries them as they are. */
#define INLINE_DISPLAY_WIDTH 560

static GdkTexture *
display_texture (GdkTexture *texture,
                 GBytes     *bytes)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GdkPixbuf) scaled = NULL;

  if (gdk_texture_get_width (texture) <= INLINE_DISPLAY_WIDTH)
    return g_object_ref (texture);
  stream = g_memory_input_stream_new_from_bytes (bytes);
  scaled = gdk_pixbuf_new_from_stream_at_scale (stream, INLINE_DISPLAY_WIDTH, -1, TRUE, NULL, NULL);
  if (scaled == NULL)
    return g_object_ref (texture);
  return gdk_texture_new_for_pixbuf (scaled);
}

gboolean
hy_composer_insert_inline_image (HyComposer *self,
                                 GBytes     *bytes,
                                 const char *content_type,
                                 const char *name,
                                 GError    **error)
{
  g_autoptr(GdkTexture) texture = NULL;
  InlineImage *image;
  GtkTextIter iter;

  g_return_val_if_fail (HY_IS_COMPOSER (self), FALSE);
  g_return_val_if_fail (bytes != NULL && content_type != NULL && name != NULL, FALSE);

  texture = gdk_texture_new_from_bytes (bytes, error);
  if (texture == NULL)
    return FALSE;

  if (!hy_composer_get_rich_text (self))
    hy_composer_set_rich_text (self, TRUE);

  image = g_new0 (InlineImage, 1);
  image->texture = g_object_ref (texture);
  image->bytes = g_bytes_ref (bytes);
  image->content_type = g_strdup (content_type);
  image->name = g_strdup (name);
  {
    g_autofree char *uuid = g_uuid_string_random ();

    image->content_id = g_strdup_printf ("%s@hongyan", uuid);
  }
  g_ptr_array_add (self->inline_images, image);

  gtk_text_buffer_get_iter_at_mark (self->buffer, &iter, gtk_text_buffer_get_insert (self->buffer));
  {
    g_autoptr(GdkTexture) shown = display_texture (texture, bytes);

    hy_rich_text_insert_image (self->buffer, &iter, GDK_PAINTABLE (shown), image->content_id, name);
  }
  mark_changed (self);
  return TRUE;
}

void
hy_composer_add_message_attachment (HyComposer *self,
                                    HyMessage  *message)
{
  Attachment *attachment;
  const char *subject;

  g_return_if_fail (HY_IS_COMPOSER (self));
  g_return_if_fail (HY_IS_MESSAGE (message));

  subject = hy_message_get_subject (message);
  attachment = g_new0 (Attachment, 1);
  attachment->message = g_object_ref (message);
  attachment->name = g_strdup_printf ("%s.eml", subject != NULL && *subject != '\0'
                                                ? subject : _("Message"));
  attachment->content_type = g_strdup ("message/rfc822");
  attachment->size = 0;
  g_ptr_array_add (self->attachments, attachment);
  add_attachment_row (self, attachment);
}

void
hy_composer_add_forwarded_message (HyComposer *self,
                                   GBytes     *raw)
{
  g_autoptr(HyMessage) message = NULL;
  Attachment *attachment;

  g_return_if_fail (HY_IS_COMPOSER (self));
  g_return_if_fail (raw != NULL);

  message = hy_message_new_from_bytes (raw);
  hy_composer_add_message_attachment (self, message);
  attachment = g_ptr_array_index (self->attachments, self->attachments->len - 1);
  attachment->bytes = g_bytes_ref (raw);
  attachment->size = g_bytes_get_size (raw);
}

guint
hy_composer_get_n_attachments (HyComposer *self)
{
  g_return_val_if_fail (HY_IS_COMPOSER (self), 0);

  return self->attachments->len;
}

static void
on_files_chosen (GtkNativeDialog *dialog,
                 int              response,
                 gpointer         user_data)
{
  HyComposer *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));

      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr(GFile) file = g_list_model_get_item (files, i);

          hy_composer_add_attachment (self, file);
        }
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
attach_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  HyComposer *self = HY_COMPOSER (widget);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Attach Files"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Attach"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_files_chosen), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         HyComposer    *self)
{
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;

  files = g_value_get_boxed (value);
  for (GSList *l = files; l != NULL; l = l->next)
    hy_composer_add_attachment (self, l->data);
  return files != NULL;
}

static void
on_pasted_files (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(HyComposer) self = user_data;
  g_autoptr(GError) error = NULL;
  const GValue *value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (object), result, &error);

  if (value == NULL)
    {
      g_debug ("Could not paste files: %s", error->message);
      return;
    }
  for (GSList *l = g_value_get_boxed (value); l != NULL; l = l->next)
    hy_composer_add_attachment (self, l->data);
}

static void
on_pasted_texture (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(HyComposer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (object), result, &error);
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d %H.%M.%S");
  g_autofree char *name = NULL;

  if (texture == NULL)
    {
      g_debug ("Could not paste an image: %s", error->message);
      return;
    }
  png = gdk_texture_save_to_png_bytes (texture);
  /* Translators: the file name of a pasted image; %s is a date and time. */
  name = g_strdup_printf (_("Pasted image %s.png"), stamp);
  /* In rich text the image goes where it was pasted; plain text can
   * only carry it as an attachment. */
  if (!hy_composer_get_rich_text (self) ||
      !hy_composer_insert_inline_image (self, png, "image/png", name, &error))
    hy_composer_add_attachment_bytes (self, png, "image/png", name);
}

static void
on_paste (GtkTextView *view,
          HyComposer  *self)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (view));
  GdkContentFormats *formats = gdk_clipboard_get_formats (clipboard);

  /* Files copied in the file manager and images become attachments;
   * text is pasted as usual. */
  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST))
    {
      g_signal_stop_emission_by_name (view, "paste-clipboard");
      gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT,
                                      self->cancellable, on_pasted_files, g_object_ref (self));
    }
  else if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE) &&
           !gdk_content_formats_contain_mime_type (formats, "text/plain;charset=utf-8") &&
           !gdk_content_formats_contain_mime_type (formats, "text/plain"))
    {
      g_signal_stop_emission_by_name (view, "paste-clipboard");
      gdk_clipboard_read_texture_async (clipboard, self->cancellable,
                                        on_pasted_texture, g_object_ref (self));
    }
}

/* Rich text */

static void
update_format_buttons (HyComposer *self)
{
  self->updating_buttons = TRUE;
  gtk_toggle_button_set_active (self->bold_button, hy_rich_text_inline_active (self->buffer, HY_RICH_TEXT_BOLD));
  gtk_toggle_button_set_active (self->italic_button, hy_rich_text_inline_active (self->buffer, HY_RICH_TEXT_ITALIC));
  gtk_toggle_button_set_active (self->underline_button, hy_rich_text_inline_active (self->buffer, HY_RICH_TEXT_UNDERLINE));
  gtk_toggle_button_set_active (self->strike_button, hy_rich_text_inline_active (self->buffer, HY_RICH_TEXT_STRIKETHROUGH));
  self->updating_buttons = FALSE;
}

static void
on_mark_set (GtkTextBuffer     *buffer,
             const GtkTextIter *location,
             GtkTextMark       *mark,
             HyComposer        *self)
{
  if (mark == gtk_text_buffer_get_insert (buffer))
    update_format_buttons (self);
}

static void
toggle_format (HyComposer *self,
               const char *format)
{
  if (!hy_composer_get_rich_text (self))
    hy_composer_set_rich_text (self, TRUE);
  hy_rich_text_toggle_inline (self->buffer, format);
  mark_changed (self);
  update_format_buttons (self);
}

static void
on_format_toggled (GtkToggleButton *button,
                   HyComposer      *self)
{
  const char *format;

  if (self->updating_buttons)
    return;
  if (button == self->bold_button)
    format = HY_RICH_TEXT_BOLD;
  else if (button == self->italic_button)
    format = HY_RICH_TEXT_ITALIC;
  else if (button == self->underline_button)
    format = HY_RICH_TEXT_UNDERLINE;
  else
    format = HY_RICH_TEXT_STRIKETHROUGH;
  toggle_format (self, format);
  gtk_widget_grab_focus (GTK_WIDGET (self->body_view));
}

static void
format_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  toggle_format (HY_COMPOSER (widget), g_variant_get_string (parameter, NULL));
}

static void
block_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  HyComposer *self = HY_COMPOSER (widget);

  if (!hy_composer_get_rich_text (self))
    hy_composer_set_rich_text (self, TRUE);
  hy_rich_text_toggle_block (self->buffer, g_variant_get_string (parameter, NULL));
  mark_changed (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->body_view));
}

static void
on_link_response (AdwMessageDialog *dialog,
                  const char       *response,
                  HyComposer       *self)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "hy-entry");
  GtkTextMark *start_mark = g_object_get_data (G_OBJECT (dialog), "hy-start");
  GtkTextMark *end_mark = g_object_get_data (G_OBJECT (dialog), "hy-end");
  GtkTextIter start, end;
  g_autofree char *href = NULL;

  gtk_text_buffer_get_iter_at_mark (self->buffer, &start, start_mark);
  gtk_text_buffer_get_iter_at_mark (self->buffer, &end, end_mark);
  href = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  if (g_str_equal (response, "remove"))
    hy_rich_text_set_link (self->buffer, &start, &end, NULL);
  else if (g_str_equal (response, "apply") && *href != '\0')
    {
      /* "example.org" means the web site, "a@b" the address. */
      if (!g_uri_is_valid (href, G_URI_FLAGS_NONE, NULL))
        {
          char *fixed = strchr (href, '@') != NULL ? g_strconcat ("mailto:", href, NULL)
                                                   : g_strconcat ("https://", href, NULL);
          g_free (href);
          href = fixed;
        }
      if (gtk_text_iter_equal (&start, &end))
        {
          int offset = gtk_text_iter_get_offset (&start);

          gtk_text_buffer_insert (self->buffer, &start, href, -1);
          gtk_text_buffer_get_iter_at_offset (self->buffer, &start, offset);
          gtk_text_buffer_get_iter_at_mark (self->buffer, &end, end_mark);
          end = start;
          gtk_text_iter_forward_chars (&end, g_utf8_strlen (href, -1));
        }
      hy_rich_text_set_link (self->buffer, &start, &end, href);
      mark_changed (self);
    }

  gtk_text_buffer_delete_mark (self->buffer, start_mark);
  gtk_text_buffer_delete_mark (self->buffer, end_mark);
}

static void
link_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  HyComposer *self = HY_COMPOSER (widget);
  GtkTextIter start, end;
  GtkWidget *dialog;
  GtkWidget *entry = gtk_entry_new ();
  const char *current;

  if (!hy_composer_get_rich_text (self))
    hy_composer_set_rich_text (self, TRUE);

  gtk_text_buffer_get_selection_bounds (self->buffer, &start, &end);
  current = hy_rich_text_get_link (self->buffer, &start);

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Link"), NULL);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove Link"),
                                    "apply", _("_Apply"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "apply",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "remove", current != NULL);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "apply");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), "https://");
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Web address"), -1);
  if (current != NULL)
    gtk_editable_set_text (GTK_EDITABLE (entry), current);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);

  g_object_set_data (G_OBJECT (dialog), "hy-entry", entry);
  g_object_set_data (G_OBJECT (dialog), "hy-start",
                     gtk_text_buffer_create_mark (self->buffer, NULL, &start, TRUE));
  g_object_set_data (G_OBJECT (dialog), "hy-end",
                     gtk_text_buffer_create_mark (self->buffer, NULL, &end, FALSE));
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_link_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
hy_composer_set_rich_text (HyComposer *self,
                           gboolean    rich)
{
  g_return_if_fail (HY_IS_COMPOSER (self));

  gtk_toggle_button_set_active (self->rich_button, rich);
}

gboolean
hy_composer_get_rich_text (HyComposer *self)
{
  g_return_val_if_fail (HY_IS_COMPOSER (self), FALSE);

  return gtk_toggle_button_get_active (self->rich_button);
}

static void
on_rich_toggled (GtkToggleButton *button,
                 HyComposer      *self)
{
  /* Plain text keeps the words and turns lists and quotes into their
   * plain forms ("* ", "1. ", "> "). */
  if (!gtk_toggle_button_get_active (button) && hy_rich_text_has_formatting (self->buffer))
    {
      int offset;
      GtkTextIter iter;

      gtk_text_buffer_get_iter_at_mark (self->buffer, &iter, gtk_text_buffer_get_insert (self->buffer));
      offset = gtk_text_iter_get_offset (&iter);
      if (self->signature_mark != NULL)
        {
          gtk_text_buffer_delete_mark (self->buffer, self->signature_mark);
          self->signature_mark = NULL;
        }
      hy_rich_text_clear_formatting (self->buffer);
      gtk_text_buffer_get_iter_at_offset (self->buffer, &iter, offset);
      gtk_text_buffer_place_cursor (self->buffer, &iter);
      show_toast (self, _("The message is now plain text"));
    }
}

/* Fields */

void
hy_composer_apply_mailto (HyComposer     *self,
                          const HyMailto *mailto)
{
  GtkTextIter start;

  g_return_if_fail (HY_IS_COMPOSER (self));
  g_return_if_fail (mailto != NULL);

  for (guint i = 0; mailto->to[i] != NULL; i++)
    append_to_entry (self->to_entry, mailto->to[i]);
  for (guint i = 0; mailto->cc[i] != NULL; i++)
    append_to_entry (self->cc_entry, mailto->cc[i]);
  for (guint i = 0; mailto->bcc[i] != NULL; i++)
    append_to_entry (self->bcc_entry, mailto->bcc[i]);
  if (mailto->cc[0] != NULL)
    gtk_toggle_button_set_active (self->cc_button, TRUE);
  if (mailto->bcc[0] != NULL)
    gtk_toggle_button_set_active (self->bcc_button, TRUE);
  if (mailto->subject != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->subject_entry), mailto->subject);
  if (mailto->body != NULL)
    {
      gtk_text_buffer_get_start_iter (self->buffer, &start);
      gtk_text_buffer_insert (self->buffer, &start, mailto->body, -1);
    }
  if (mailto->in_reply_to != NULL)
    {
      g_free (self->in_reply_to);
      self->in_reply_to = g_strdup (mailto->in_reply_to);
    }

  if (mailto->to[0] == NULL)
    gtk_widget_grab_focus (GTK_WIDGET (self->to_entry));
  else if (mailto->subject == NULL)
    gtk_widget_grab_focus (GTK_WIDGET (self->subject_entry));
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->body_view));
}

void
hy_composer_load_builder (HyComposer       *self,
                          HyMessageBuilder *builder)
{
  const char * const *references;
  GtkTextIter start;
  const char *body;

  g_return_if_fail (HY_IS_COMPOSER (self));
  g_return_if_fail (HY_IS_MESSAGE_BUILDER (builder));

  append_addresses (self->to_entry, hy_message_builder_get_to (builder));
  append_addresses (self->cc_entry, hy_message_builder_get_cc (builder));
  if (hy_message_builder_get_cc (builder) != NULL && hy_message_builder_get_cc (builder)->len > 0)
    gtk_toggle_button_set_active (self->cc_button, TRUE);
  if (hy_message_builder_get_subject (builder) != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->subject_entry), hy_message_builder_get_subject (builder));

  body = hy_message_builder_get_body (builder);
  if (body != NULL)
    {
      /* The reply is written above the quote. */
      gtk_text_buffer_get_start_iter (self->buffer, &start);
      gtk_text_buffer_insert (self->buffer, &start, "\n\n", -1);
      gtk_text_buffer_insert (self->buffer, &start, body, -1);
      gtk_text_buffer_get_start_iter (self->buffer, &start);
      gtk_text_buffer_place_cursor (self->buffer, &start);
    }

  g_free (self->in_reply_to);
  self->in_reply_to = g_strdup (hy_message_builder_get_in_reply_to (builder));
  references = hy_message_builder_get_references (builder);
  g_strfreev (self->references);
  self->references = g_strdupv ((GStrv) references);

  gtk_widget_grab_focus (GTK_WIDGET (self->body_view));
  self->modified = FALSE;
}

gboolean
hy_composer_select_from (HyComposer *self,
                         const char *address)
{
  g_return_val_if_fail (HY_IS_COMPOSER (self), FALSE);

  for (guint i = 0; address != NULL && i < self->from_entries->len; i++)
    {
      FromEntry *entry = g_ptr_array_index (self->from_entries, i);

      if (g_ascii_strcasecmp (entry->identity->address, address) == 0)
        {
          gtk_drop_down_set_selected (self->from_dropdown, i);
          return TRUE;
        }
    }
  return FALSE;
}

typedef struct
{
  HyComposer *composer;
  HyMessage  *message;
} RestoreData;

/* An image of a message written before, shown again where its HTML had
 * it and sent again under the same Content-ID. */
static GdkPaintable *
restore_inline_image (const char *content_id,
                      gpointer    user_data)
{
  RestoreData *data = user_data;
  HyMimePart *part = hy_message_get_part_by_content_id (data->message, content_id);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  InlineImage *image;
  const char *name;

  if (part == NULL || g_strcmp0 (hy_mime_part_get_media_type (part), "image") != 0)
    return NULL;
  bytes = hy_mime_part_get_content_bytes (part);
  if (bytes == NULL)
    return NULL;
  texture = gdk_texture_new_from_bytes (bytes, &error);
  if (texture == NULL)
    {
      g_debug ("Cannot show the image %s again: %s", content_id, error->message);
      return NULL;
    }
  name = hy_mime_part_get_filename (part);
  image = g_new0 (InlineImage, 1);
  image->texture = g_object_ref (texture);
  image->bytes = g_bytes_ref (bytes);
  image->content_type = g_strdup_printf ("image/%s", hy_mime_part_get_media_subtype (part));
  image->name = g_strdup (name != NULL ? name : content_id);
  image->content_id = g_strdup (content_id);
  g_ptr_array_add (data->composer->inline_images, image);
  return GDK_PAINTABLE (display_texture (texture, bytes));
}

void
hy_composer_load_message (HyComposer *self,
                          HyMessage  *message)
{
  GPtrArray *from = hy_message_get_from (message);
  GPtrArray *attachments = hy_message_get_attachments (message);
  const char *text = hy_message_get_text (message);
  const char * const *references = hy_message_get_references (message);
  g_autofree char *html = NULL;

  g_return_if_fail (HY_IS_COMPOSER (self));
  g_return_if_fail (HY_IS_MESSAGE (message));

  if (from != NULL && from->len > 0)
    hy_composer_select_from (self, hy_address_get_address (g_ptr_array_index (from, 0)));

  /* The body already holds its signature. */
  if (self->signature_mark != NULL)
    {
      gtk_text_buffer_delete_mark (self->buffer, self->signature_mark);
      self->signature_mark = NULL;
    }
  gtk_text_buffer_set_text (self->buffer, "", -1);

  append_addresses (self->to_entry, hy_message_get_to (message));
  append_addresses (self->cc_entry, hy_message_get_cc (message));
  append_addresses (self->bcc_entry, hy_message_get_bcc (message));
  append_addresses (self->reply_to_entry, hy_message_get_reply_to (message));
  gtk_toggle_button_set_active (self->cc_button, hy_message_get_cc (message)->len > 0);
  gtk_toggle_button_set_active (self->bcc_button, hy_message_get_bcc (message)->len > 0);
  gtk_toggle_button_set_active (self->reply_to_button, hy_message_get_reply_to (message)->len > 0);
  if (hy_message_get_subject (message) != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->subject_entry), hy_message_get_subject (message));

  /* A rich message comes back as rich text, its formatting and inline
   * images read from its HTML. */
  hy_composer_set_rich_text (self, hy_message_get_html_part (message) != NULL);
  if (hy_message_get_html_part (message) != NULL && (html = hy_message_dup_html (message)) != NULL)
    {
      GtkTextIter start;

      hy_rich_text_set_html (self->buffer, html, restore_inline_image,
                             &(RestoreData) { self, message });
      gtk_text_buffer_get_start_iter (self->buffer, &start);
      gtk_text_buffer_place_cursor (self->buffer, &start);
    }
  else if (text != NULL)
    {
      g_autofree char *normalized = hy_text_normalize_newlines (text);
      GtkTextIter start;

      g_strchomp (normalized);
      gtk_text_buffer_set_text (self->buffer, normalized, -1);
      gtk_text_buffer_get_start_iter (self->buffer, &start);
      gtk_text_buffer_place_cursor (self->buffer, &start);
    }

  for (guint i = 0; attachments != NULL && i < attachments->len; i++)
    {
      HyMimePart *part = g_ptr_array_index (attachments, i);
      g_autoptr(GBytes) bytes = hy_mime_part_get_content_bytes (part);
      const char *name = hy_mime_part_get_filename (part);
      g_autofree char *content_type = g_strdup_printf ("%s/%s", hy_mime_part_get_media_type (part),
                                                       hy_mime_part_get_media_subtype (part));

      if (bytes == NULL)
        continue;
      if (hy_mime_part_get_message (part) != NULL)
        {
          hy_composer_add_forwarded_message (self, bytes);
          continue;
        }
      hy_composer_add_attachment_bytes (self, bytes, content_type,
                                        name != NULL ? name : _("Attachment"));
    }

  g_free (self->in_reply_to);
  self->in_reply_to = g_strdup (hy_message_get_in_reply_to (message));
  g_strfreev (self->references);
  self->references = g_strdupv ((GStrv) references);

  /* Writing goes on where it most likely stopped. */
  if (hy_message_get_to (message)->len > 0 && hy_message_get_subject (message) != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (self->body_view));

  mark_changed (self);
}

char *
hy_composer_get_body_text (HyComposer *self)
{
  g_return_val_if_fail (HY_IS_COMPOSER (self), NULL);

  return hy_rich_text_to_plain (self->buffer);
}

static gboolean
set_addresses (HyComposer  *self,
               GtkEntry    *entry,
               gboolean   (*setter) (HyMessageBuilder *, const char * const *, GError **),
               HyMessageBuilder *builder,
               const char  *field,
               gboolean     lenient,
               GError     **error)
{
  g_auto(GStrv) all = hy_address_tokens_split (gtk_editable_get_text (GTK_EDITABLE (entry)));
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();
  const char * const *tokens;

  /* A draft keeps what is valid so far; sending needs all of it. */
  for (guint i = 0; all[i] != NULL; i++)
    if (!lenient || hy_address_token_is_valid (all[i]))
      g_ptr_array_add (kept, all[i]);
  g_ptr_array_add (kept, NULL);
  tokens = (const char * const *) kept->pdata;

  for (guint i = 0; tokens[i] != NULL; i++)
    {
      if (!hy_address_token_is_valid (tokens[i]))
        {
          gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
          /* Translators: the first %s is an address as typed, the second a
           * field name such as "To" or "Cc". */
          g_set_error (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_ADDRESS,
                       _("“%s” in %s is not an email address; correct it or remove it"),
                       tokens[i], field);
          return FALSE;
        }
    }
  if (tokens[0] == NULL)
    return TRUE;
  if (!setter (builder, tokens, error))
    {
      gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
      return FALSE;
    }
  return TRUE;
}

HyMessageBuilder *
hy_composer_build_message (HyComposer  *self,
                           GError     **error)
{
  g_return_val_if_fail (HY_IS_COMPOSER (self), NULL);

  return build (self, FALSE, error);
}

static HyMessageBuilder *
build (HyComposer  *self,
       gboolean     lenient,
       GError     **error)
{
  g_autoptr(HyMessageBuilder) builder = NULL;
  const FromEntry *from;
  g_autofree char *plain = NULL;

  builder = hy_message_builder_new ();

  from = chosen_from (self);
  if (from == NULL)
    {
      g_set_error_literal (error, HY_MIME_ERROR, HY_MIME_ERROR_INVALID_ADDRESS,
                           _("There is no account to send from; add one in Preferences"));
      return NULL;
    }
  {
    g_autoptr(HyAddress) address = hy_address_new (from->identity->name, from->identity->address);

    hy_message_builder_set_from_address (builder, address);
  }

  if (!set_addresses (self, self->to_entry, hy_message_builder_set_to, builder, _("To"), lenient, error) ||
      !set_addresses (self, self->cc_entry, hy_message_builder_set_cc, builder, _("Cc"), lenient, error) ||
      !set_addresses (self, self->bcc_entry, hy_message_builder_set_bcc, builder, _("Bcc"), lenient, error) ||
      !set_addresses (self, self->reply_to_entry, hy_message_builder_set_reply_to, builder, _("Reply-To"), lenient, error))
    return NULL;

  hy_message_builder_set_subject (builder, gtk_editable_get_text (GTK_EDITABLE (self->subject_entry)));
  if (self->in_reply_to != NULL)
    hy_message_builder_set_in_reply_to (builder, self->in_reply_to);
  if (self->references != NULL)
    hy_message_builder_set_references (builder, (const char * const *) self->references);

  plain = hy_rich_text_to_plain (self->buffer);
  /* Plain text flows (RFC 3676); the plain rendering of rich text is an
   * alternative that keeps its line breaks as they are. */
  if (hy_composer_get_rich_text (self))
    hy_message_builder_set_body (builder, plain);
  else
    hy_message_builder_set_body_flowed (builder, plain);
  if (hy_composer_get_rich_text (self))
    {
      g_autofree char *html = hy_rich_text_to_html (self->buffer);

      if (!hy_message_builder_add_alternative (builder, html, error))
        return NULL;

      /* The images still in the text go with the HTML (multipart/related). */
      for (guint i = 0; i < self->inline_images->len; i++)
        {
          InlineImage *image = g_ptr_array_index (self->inline_images, i);
          g_autofree char *reference = g_strdup_printf ("cid:%s\"", image->content_id);

          if (strstr (html, reference) == NULL)
            continue;
          if (!hy_message_builder_add_inline_bytes (builder, image->bytes, image->content_type,
                                                    image->name, image->content_id, error))
            return NULL;
        }
    }

  for (guint i = 0; i < self->attachments->len; i++)
    {
      Attachment *attachment = g_ptr_array_index (self->attachments, i);
      g_autofree char *mime_type = g_content_type_get_mime_type (attachment->content_type);
      gboolean ok;

      if (attachment->message != NULL && attachment->bytes != NULL)
        ok = hy_message_builder_add_message_attachment_bytes (builder, attachment->bytes, error);
      else if (attachment->message != NULL)
        ok = hy_message_builder_add_message_attachment (builder,
                                                        hy_message_get_gmime_message (attachment->message),
                                                        error);
      else if (attachment->file != NULL)
        ok = hy_message_builder_add_attachment_file (builder, attachment->file, mime_type,
                                                     attachment->name, error);
      else
        ok = hy_message_builder_add_attachment_bytes (builder, attachment->bytes, mime_type,
                                                      attachment->name, error);
      if (!ok)
        return NULL;
    }

  return g_steal_pointer (&builder);
}

/* Values of size_limits besides a limit in bytes. */
#define SIZE_NONE    0    /* no limit, or it cannot be known */
#define SIZE_ASKED (-1)   /* a size-limit-needed handler is finding out */

static void send_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter);

static void
put_size_limit (HyComposer *self,
                const char *account_id,
                gint64      limit)
{
  g_hash_table_insert (self->size_limits, g_strdup (account_id), g_memdup2 (&limit, sizeof limit));
}

void
hy_composer_set_size_limit (HyComposer *self,
                            const char *account_id,
                            gint64      size_limit)
{
  g_return_if_fail (HY_IS_COMPOSER (self));
  g_return_if_fail (account_id != NULL);

  put_size_limit (self, account_id, MAX (size_limit, SIZE_NONE));
  if (self->send_pending && g_strcmp0 (account_id, hy_composer_get_account_id (self)) == 0)
    {
      self->send_pending = FALSE;
      send_action (GTK_WIDGET (self), "composer.send", NULL);
    }
}

/* The chosen account's limit: bytes, SIZE_NONE, or SIZE_ASKED while the
 * app finds it out (asked here the first time). */
static gint64
size_limit_for_send (HyComposer *self)
{
  const char *account_id = hy_composer_get_account_id (self);
  const gint64 *known;
  gboolean asked = FALSE;

  if (account_id == NULL)
    return SIZE_NONE;
  known = g_hash_table_lookup (self->size_limits, account_id);
  if (known != NULL)
    return *known;
  put_size_limit (self, account_id, SIZE_ASKED);
  g_signal_emit (self, signals[SIGNAL_SIZE_LIMIT_NEEDED], 0, account_id, &asked);
  known = g_hash_table_lookup (self->size_limits, account_id);
  if (!asked && *known == SIZE_ASKED)
    put_size_limit (self, account_id, SIZE_NONE);
  return *(const gint64 *) g_hash_table_lookup (self->size_limits, account_id);
}

/* Sending */

static guint64
estimated_size (HyComposer *self)
{
  GtkTextIter start, end;
  guint64 size = 4096;   /* headers and MIME structure */

  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  size += (guint64) gtk_text_iter_get_offset (&end) * (hy_composer_get_rich_text (self) ? 6 : 3);
  /* Base64 makes 4 bytes of every 3, plus line breaks. */
  for (guint i = 0; i < self->attachments->len; i++)
    size += ((Attachment *) g_ptr_array_index (self->attachments, i))->size * 4 / 3 * 78 / 76 + 512;
  for (guint i = 0; i < self->inline_images->len; i++)
    size += g_bytes_get_size (((InlineImage *) g_ptr_array_index (self->inline_images, i))->bytes) * 4 / 3 * 78 / 76 + 512;
  return size;
}

static void
on_reminder_response (AdwMessageDialog *dialog,
                      const char       *response,
                      HyComposer       *self)
{
  if (g_str_equal (response, "attach"))
    gtk_widget_activate_action (GTK_WIDGET (self), "composer.attach", NULL);
  else if (g_str_equal (response, "send"))
    {
      self->reminder_confirmed = TRUE;
      send_action (GTK_WIDGET (self), "composer.send", NULL);
    }
}

static void
on_size_response (AdwMessageDialog *dialog,
                  const char       *response,
                  HyComposer       *self)
{
  if (g_str_equal (response, "send"))
    {
      self->size_confirmed = TRUE;
      send_action (GTK_WIDGET (self), "composer.send", NULL);
    }
}

static gboolean
reminder_enabled (HyComposer *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  GSettings *settings = HY_IS_APPLICATION (app) ? hy_application_get_settings (HY_APPLICATION (app)) : NULL;

  return settings == NULL || g_settings_get_boolean (settings, "attachment-reminder");
}

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  HyComposer *self = HY_COMPOSER (widget);
  g_autoptr(HyMessageBuilder) builder = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) recipients = NULL;
  g_autofree char *body = NULL;
  gboolean taken = FALSE;
  gint64 size_limit = SIZE_NONE;

  normalize_entry (self->to_entry);
  normalize_entry (self->cc_entry);
  normalize_entry (self->bcc_entry);
  normalize_entry (self->reply_to_entry);

  builder = hy_composer_build_message (self, &error);
  if (builder == NULL)
    {
      show_toast (self, error->message);
      return;
    }

  recipients = hy_message_builder_get_envelope_recipients (builder);
  if (recipients == NULL || recipients[0] == NULL)
    {
      show_toast (self, _("Add at least one recipient in To, Cc or Bcc"));
      gtk_widget_grab_focus (GTK_WIDGET (self->to_entry));
      return;
    }

  body = hy_rich_text_to_plain (self->buffer);
  if (!self->reminder_confirmed && self->attachments->len == 0 && reminder_enabled (self) &&
      hy_attachment_reminder_mentions (body))
    {
      GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Send Without Attachment?"),
                                                  _("The message mentions an attachment, but nothing is attached."));

      adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                        "cancel", _("_Cancel"),
                                        "send", _("_Send Anyway"),
                                        "attach", _("_Attach Files…"),
                                        NULL);
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "attach",
                                                  ADW_RESPONSE_SUGGESTED);
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "attach");
      adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
      g_signal_connect_object (dialog, "response", G_CALLBACK (on_reminder_response), self, 0);
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }

  if (!self->size_confirmed && (size_limit = size_limit_for_send (self)) == SIZE_ASKED)
    {
      /* Sent when the app has the answer (it asks the server, briefly). */
      self->send_pending = TRUE;
      show_toast (self, _("Checking the largest message the server accepts…"));
      return;
    }
  if (!self->size_confirmed && size_limit > 0 && estimated_size (self) > (guint64) size_limit)
    {
      g_autofree char *limit = g_format_size (size_limit);
      g_autofree char *size = g_format_size (estimated_size (self));
      g_autofree char *text = g_strdup_printf (_("The message is about %s, but the outgoing server "
                                                 "accepts at most %s. It will probably be refused; "
                                                 "consider sharing big files by a link."),
                                               size, limit);
      GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Message Too Big"), text);

      adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                        "cancel", _("_Cancel"),
                                        "send", _("_Send Anyway"),
                                        NULL);
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "send",
                                                  ADW_RESPONSE_DESTRUCTIVE);
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
      adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
      g_signal_connect_object (dialog, "response", G_CALLBACK (on_size_response), self, 0);
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }

  self->reminder_confirmed = FALSE;
  self->size_confirmed = FALSE;

  g_signal_emit (self, signals[SIGNAL_SEND], 0, builder, hy_composer_get_account_id (self), &taken);
  if (taken)
    {
      /* Sent: the draft has served its purpose. */
      discard_draft (self);
      self->modified = FALSE;
      gtk_window_destroy (GTK_WINDOW (self));
    }
  else
    show_toast (self, _("The message could not be queued for sending; it is still here"));
}

/* Closing */

static void
on_close_response (AdwMessageDialog *dialog,
                   const char       *response,
                   HyComposer       *self)
{
  if (g_str_equal (response, "save"))
    {
      self->draft_dirty = TRUE;
      save_draft_now (self);
    }
  else if (g_str_equal (response, "discard"))
    discard_draft (self);
  else
    return;

  self->modified = FALSE;
  self->draft_dirty = FALSE;
  gtk_window_destroy (GTK_WINDOW (self));
}

static gboolean
has_content (HyComposer *self)
{
  GtkTextIter start, end;
  g_autofree char *body = NULL;

  /* The signature alone is no content. */
  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  if (self->signature_mark != NULL)
    gtk_text_buffer_get_iter_at_mark (self->buffer, &end, self->signature_mark);
  body = gtk_text_buffer_get_text (self->buffer, &start, &end, FALSE);
  g_strstrip (body);
  return *body != '\0' || self->attachments->len > 0 ||
         *gtk_editable_get_text (GTK_EDITABLE (self->subject_entry)) != '\0' ||
         *gtk_editable_get_text (GTK_EDITABLE (self->to_entry)) != '\0';
}

static gboolean
hy_composer_close_request (GtkWindow *window)
{
  HyComposer *self = HY_COMPOSER (window);
  GtkWidget *dialog;

  if (!self->modified || !has_content (self))
    {
      /* Emptied: no draft to keep. */
      if (!has_content (self))
        discard_draft (self);
      g_clear_handle_id (&self->autosave_id, g_source_remove);
      return GTK_WINDOW_CLASS (hy_composer_parent_class)->close_request (window);
    }

  dialog = adw_message_dialog_new (window, _("Save This Message as a Draft?"),
                                   _("A draft can be finished and sent later; discarded, "
                                     "what you wrote is lost."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save Draft"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_close_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

static void
on_buffer_changed (HyComposer *self)
{
  mark_changed (self);
}

static void
on_subject_changed (HyComposer *self)
{
  const char *subject = gtk_editable_get_text (GTK_EDITABLE (self->subject_entry));

  mark_changed (self);
  gtk_window_set_title (GTK_WINDOW (self), *subject != '\0' ? subject : _("New Message"));
}

HyComposer *
hy_composer_new (HyApplication *application)
{
  g_return_val_if_fail (application == NULL || HY_IS_APPLICATION (application), NULL);

  return g_object_new (HY_TYPE_COMPOSER, "application", application, NULL);
}

static void
watch_address_entry (HyComposer *self,
                     GtkEntry   *entry)
{
  GtkEventController *focus = gtk_event_controller_focus_new ();

  g_signal_connect (focus, "leave", G_CALLBACK (on_address_focus_leave), NULL);
  gtk_widget_add_controller (GTK_WIDGET (entry), focus);
  g_signal_connect_object (entry, "changed", G_CALLBACK (on_address_changed), self, 0);
  add_completion (self, entry);
}

static void
hy_composer_dispose (GObject *object)
{
  HyComposer *self = HY_COMPOSER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->autosave_id, g_source_remove);
  /* A size limit that arrives after closing sends nothing. */
  self->send_pending = FALSE;
  gtk_widget_dispose_template (GTK_WIDGET (self), HY_TYPE_COMPOSER);

  G_OBJECT_CLASS (hy_composer_parent_class)->dispose (object);
}

static void
hy_composer_finalize (GObject *object)
{
  HyComposer *self = HY_COMPOSER (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->from_model);
  g_clear_pointer (&self->from_entries, g_ptr_array_unref);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_clear_pointer (&self->inline_images, g_ptr_array_unref);
  g_clear_pointer (&self->in_reply_to, g_free);
  g_clear_pointer (&self->references, g_strfreev);
  g_clear_pointer (&self->draft_account, g_free);
  g_clear_pointer (&self->address_stores, g_ptr_array_unref);
  g_clear_pointer (&self->size_limits, g_hash_table_unref);

  G_OBJECT_CLASS (hy_composer_parent_class)->finalize (object);
}

static void
hy_composer_init (HyComposer *self)
{
  GtkDropTarget *drop;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->from_entries = g_ptr_array_new_with_free_func (from_entry_free);
  self->attachments = g_ptr_array_new_with_free_func (attachment_free);
  self->inline_images = g_ptr_array_new_with_free_func (inline_image_free);
  self->address_stores = g_ptr_array_new_with_free_func (g_object_unref);
  self->size_limits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->from_model = gtk_string_list_new (NULL);
  gtk_drop_down_set_model (self->from_dropdown, G_LIST_MODEL (self->from_model));

  self->buffer = gtk_text_view_get_buffer (self->body_view);
  hy_rich_text_setup (self->buffer);
  g_signal_connect_object (self->buffer, "changed", G_CALLBACK (on_buffer_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->buffer, "mark-set", G_CALLBACK (on_mark_set), self, 0);
  g_signal_connect_object (self->body_view, "paste-clipboard", G_CALLBACK (on_paste), self, 0);
  g_signal_connect_object (self->subject_entry, "changed", G_CALLBACK (on_subject_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->from_dropdown, "notify::selected", G_CALLBACK (on_from_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->rich_button, "toggled", G_CALLBACK (on_rich_toggled), self, 0);
  g_signal_connect_object (self->bold_button, "toggled", G_CALLBACK (on_format_toggled), self, 0);
  g_signal_connect_object (self->italic_button, "toggled", G_CALLBACK (on_format_toggled), self, 0);
  g_signal_connect_object (self->underline_button, "toggled", G_CALLBACK (on_format_toggled), self, 0);
  g_signal_connect_object (self->strike_button, "toggled", G_CALLBACK (on_format_toggled), self, 0);

  watch_address_entry (self, self->to_entry);
  watch_address_entry (self, self->cc_entry);
  watch_address_entry (self, self->bcc_entry);
  watch_address_entry (self, self->reply_to_entry);

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect_object (drop, "drop", G_CALLBACK (on_drop), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  gtk_widget_grab_focus (GTK_WIDGET (self->to_entry));
  self->modified = FALSE;
  self->draft_dirty = FALSE;
  g_clear_handle_id (&self->autosave_id, g_source_remove);
}

static void
hy_composer_class_init (HyComposerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = hy_composer_dispose;
  object_class->finalize = hy_composer_finalize;
  window_class->close_request = hy_composer_close_request;

  /**
   * HyComposer::send:
   * @composer: the composer
   * @message: the checked message
   * @account_id: the account it is sent from
   *
   * The person asked to send; a handler that takes the message returns
   * %TRUE and the composer closes.
   */
  signals[SIGNAL_SEND] =
    g_signal_new ("send", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 2, HY_TYPE_MESSAGE_BUILDER, G_TYPE_STRING);

  /**
   * HyComposer::save-draft:
   * @composer: the composer
   * @message: the message as written so far
   * @account_id: the account to keep the draft in
   *
   * Typing paused, or the person chose to keep the message: save it as
   * a draft and tell the composer its id with hy_composer_set_draft_id().
   */
  signals[SIGNAL_SAVE_DRAFT] =
    g_signal_new ("save-draft", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, HY_TYPE_MESSAGE_BUILDER, G_TYPE_STRING);

  /**
   * HyComposer::discard-draft:
   * @composer: the composer
   * @account_id: the account the draft is in
   * @draft_id: the draft's id
   *
   * The message was sent or discarded: its draft is no longer wanted.
   */
  signals[SIGNAL_DISCARD_DRAFT] =
    g_signal_new ("discard-draft", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT64);

  /**
   * HyComposer::size-limit-needed:
   * @composer: the composer
   * @account_id: the account that sends
   *
   * Sending needs the largest message @account_id's outgoing server
   * takes, and it is not known yet.  A handler that finds it out (at once
   * or later) returns %TRUE and gives it with hy_composer_set_size_limit();
   * Send waits until then.
   */
  signals[SIGNAL_SIZE_LIMIT_NEEDED] =
    g_signal_new ("size-limit-needed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/hongyan/Hongyan/ui/hy-composer.ui");
  gtk_widget_class_bind_template_child (widget_class, HyComposer, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, HyComposer, from_dropdown);
  gtk_widget_class_bind_template_child (widget_class, HyComposer, to_entry);
  gtk_widget_class_bind_template_child (widget_class, HyComposer, cc_entry);
  gtk_widget_class_bind_template_child (widget_class, HyComposer, bcc_entry);
  gtk_widget_class_bind_template_child (widget_class, HyComposer, reply_to_entry);
  gtk_widget_class_bind_template_child (widget_class, HyComposer, cc_button);
  gtk_widget_class_bind_template_child (widget_class, HyComposer, bcc_button);
  gtk_widget_class_bind_template_child (widget_class, HyComposer, reply_to_button);
  gtk_widget_class_bind_template_child (widget_class, HyComposer, subject_entry);
  gtk_widget_class_bind_template_child (widget_class, HyComposer, rich_button);
  gtk_widget_class_bind_template_child (widget_class, HyComposer, bold_button);
  gtk_widget_class_bind_template_child (widget_class, HyComposer, italic_button);
  gtk_widget_class_bind_template_child (widget_class, HyComposer, underline_button);
  gtk_widget_class_bind_template_child (widget_class, HyComposer, strike_button);
  gtk_widget_class_bind_template_child (widget_class, HyComposer, body_view);
  gtk_widget_class_bind_template_child (widget_class, HyComposer, attachments_box);

  gtk_widget_class_install_action (widget_class, "composer.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "composer.attach", NULL, attach_action);
  gtk_widget_class_install_action (widget_class, "composer.attachment-inline", "u", attachment_inline_action);
  gtk_widget_class_install_action (widget_class, "composer.link", NULL, link_action);
  gtk_widget_class_install_action (widget_class, "composer.format", "s", format_action);
  gtk_widget_class_install_action (widget_class, "composer.block", "s", block_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "composer.send", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK, "composer.send", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_b, GDK_CONTROL_MASK, "composer.format", "s", HY_RICH_TEXT_BOLD);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_i, GDK_CONTROL_MASK, "composer.format", "s", HY_RICH_TEXT_ITALIC);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_u, GDK_CONTROL_MASK, "composer.format", "s", HY_RICH_TEXT_UNDERLINE);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_k, GDK_CONTROL_MASK, "composer.link", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}
