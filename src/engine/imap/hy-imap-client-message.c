/* hy-imap-client-message.c — HyImapClient: UID FETCH, UID SEARCH, UID STORE,
 * UID COPY, UID MOVE (with a COPY + STORE + EXPUNGE fallback), APPEND and
 * EXPUNGE
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-imap"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "imap/hy-imap-client-private.h"
#include "imap/hy-imap-error.h"
#include "imap/hy-imap-quote.h"

/* A UID set from a caller goes on the wire as it is: check it first. */
static gboolean
check_set (const char  *set,
           GError     **error)
{
  g_autoptr(GArray) ranges = NULL;
  g_autoptr(GError) local = NULL;

  ranges = hy_imap_seqset_parse (set, -1, &local);
  if (ranges == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("“%s” is not a valid UID set (e.g. 1:5,9)."), set);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_flags (const char * const  *flags,
             GError             **error)
{
  for (guint i = 0; flags != NULL && flags[i] != NULL; i++)
    {
      const char *p = flags[i];

      if (*p == '\\')
        p++;
      if (*p == '\0' && strcmp (flags[i], "\\") == 0)
        goto bad;
      for (; *p != '\0'; p++)
        if (!hy_imap_is_atom_char ((guchar) *p) || *p == '[')
          goto bad;
      if (flags[i][0] == '\0')
        goto bad;
      continue;
    bad:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("“%s” is not a valid IMAP flag or keyword."), flags[i]);
      return FALSE;
    }
  return TRUE;
}

static void
add_flag_list (HyImapCommand      *cmd,
               const char * const *flags)
{
  _hy_imap_command_add (cmd, "(");
  for (guint i = 0; flags != NULL && flags[i] != NULL; i++)
    _hy_imap_command_add_printf (cmd, "%s%s", i > 0 ? " " : "", flags[i]);
  _hy_imap_command_add (cmd, ")");
}

static GPtrArray *
take_fetches (HyImapCommand *cmd)
{
  GPtrArray *fetches = g_ptr_array_new_with_free_func ((GDestroyNotify) hy_imap_fetch_free);

  for (guint i = 0; i < cmd->responses->len; i++)
    {
      HyImapResponse *r = g_ptr_array_index (cmd->responses, i);

      if (r->fetch != NULL)
        g_ptr_array_add (fetches, g_steal_pointer (&r->fetch));
    }
  return fetches;
}

/* ---- FETCH -------------------------------------------------------------- */

static void
fetch_done (HyImapClient  *self,
            HyImapCommand *cmd)
{
  _hy_imap_command_return_pointer (cmd, take_fetches (cmd), (GDestroyNotify) g_ptr_array_unref);
}

static gboolean
add_section (HyImapCommand  *cmd,
             const char     *section,
             GError        **error)
{
  const char *lt = strrchr (section, '<');
  gsize len = strlen (section);

  for (const char *p = section; *p != '\0'; p++)
    if (*p == '\r' || *p == '\n' || *p == ']' || *p == '[')
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     _ ("“%s” is not a valid body section."), section);
        return FALSE;
      }
  if (lt != NULL && len > 0 && section[len - 1] == '>')
    _hy_imap_command_add_printf (cmd, " BODY.PEEK[%.*s]%s", (int) (lt - section), section, lt);
  else
    _hy_imap_command_add_printf (cmd, " BODY.PEEK[%s]", section);
  return TRUE;
}

static void start_fetch (HyImapClient        *self,
                         const char          *uid_set,
                         HyImapFetchItems     items,
                         const char * const  *sections,
                         guint64              changed_since,
                         HyImapFetchFunc      each,
                         HyImapFetchViewFunc  each_view,
                         gpointer             each_data,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data);

/**
 * hy_imap_client_fetch_async:
 * @uid_set: the UIDs, e.g. "1:*" or "4,7:9"
 * @items: what to fetch (UID is always fetched; MODSEQ only with CONDSTORE)
 * @sections: (array zero-terminated=1) (nullable): body sections to fetch
 *   without setting \Seen: "" (whole message), "HEADER", "1.2", "TEXT",
 *   "HEADER.FIELDS (SUBJECT)", each optionally with a partial range such as
 *   "TEXT<0.2048>"
 * @changed_since: with CONDSTORE: only messages whose MODSEQ is higher (0:
 *   all)
 * @each: (nullable): called with each result as it arrives, instead of
 *   collecting them (for large mailboxes)
 */
void
hy_imap_client_fetch_async (HyImapClient        *self,
                            const char          *uid_set,
                            HyImapFetchItems     items,
                            const char * const  *sections,
                            guint64              changed_since,
                            HyImapFetchFunc      each,
                            gpointer             each_data,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (HY_IS_IMAP_CLIENT (self));
  g_return_if_fail (uid_set != NULL);

  start_fetch (self, uid_set, items, sections, changed_since, each, NULL, each_data,
               cancellable, callback, user_data);
}

/**
 * hy_imap_client_fetch_views_async:
 * @each: called with each result as it arrives, read in place: the view
 *   is valid only during the call
 *
 * Like hy_imap_client_fetch_async() with @each, for the largest FETCHes
 * (the header sync): no #HyImapFetch is made for the results.  Finish with
 * hy_imap_client_fetch_finish().
 */
void
hy_imap_client_fetch_views_async (HyImapClient        *self,
                                  const char          *uid_set,
                                  HyImapFetchItems     items,
                                  const char * const  *sections,
                                  guint64              changed_since,
                                  HyImapFetchViewFunc  each,
                                  gpointer             each_data,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (HY_IS_IMAP_CLIENT (self));
  g_return_if_fail (uid_set != NULL);
  g_return_if_fail (each != NULL);

  start_fetch (self, uid_set, items, sections, changed_since, NULL, each, each_data,
               cancellable, callback, user_data);
}

static void
start_fetch (HyImapClient        *self,
             const char          *uid_set,
             HyImapFetchItems     items,
             const char * const  *sections,
             guint64              changed_since,
             HyImapFetchFunc      each,
             HyImapFetchViewFunc  each_view,
             gpointer             each_data,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  HyImapCommand *cmd;
  GError *error = NULL;

  task = _hy_imap_client_start_task (self, hy_imap_client_fetch_async, HY_IMAP_STATE_SELECTED,
                     _ ("fetch messages"), cancellable, callback, user_data);
  if (task == NULL)
    return;
  if (!check_set (uid_set, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  cmd = _hy_imap_command_new (self, "UID FETCH", task);
  cmd->collect = HY_IMAP_COLLECT (HY_IMAP_DATA_FETCH);
  cmd->uid_fetch_only = TRUE;
  cmd->uid_set = hy_imap_seqset_parse (uid_set, -1, NULL);
  cmd->done = fetch_done;
  cmd->each = each;
  cmd->each_view = each_view;
  cmd->each_data = each_data;
  _hy_imap_command_add_printf (cmd, " %s (UID", uid_set);
  if (items & HY_IMAP_FETCH_FLAGS)
    _hy_imap_command_add (cmd, " FLAGS");
  if (items & HY_IMAP_FETCH_INTERNALDATE)
    _hy_imap_command_add (cmd, " INTERNALDATE");
  if (items & HY_IMAP_FETCH_SIZE)
    _hy_imap_command_add (cmd, " RFC822.SIZE");
  if (items & HY_IMAP_FETCH_ENVELOPE)
    _hy_imap_command_add (cmd, " ENVELOPE");
  if (items & HY_IMAP_FETCH_BODYSTRUCTURE)
    _hy_imap_command_add (cmd, " BODYSTRUCTURE");
  if ((items & HY_IMAP_FETCH_MODSEQ) && hy_imap_client_has_capability (self, "CONDSTORE"))
    _hy_imap_command_add (cmd, " MODSEQ");
  for (guint i = 0; sections != NULL && sections[i] != NULL; i++)
    if (!add_section (cmd, sections[i], &error))
      {
        _hy_imap_command_return_error (cmd, error);
        _hy_imap_command_unref (cmd);
        return;
      }
  _hy_imap_command_add (cmd, ")");
  if (changed_since > 0 && hy_imap_client_has_capability (self, "CONDSTORE"))
    _hy_imap_command_add_printf (cmd, " (CHANGEDSINCE %" G_GUINT64_FORMAT ")", changed_since);
  _hy_imap_client_submit (self, cmd);
}

/**
 * hy_imap_client_fetch_finish:
 *
 * Returns: (transfer full) (element-type HyImapFetch): the results in the
 *   order the server sent them (empty when they went to @each)
 */
GPtrArray *
hy_imap_client_fetch_finish (HyImapClient  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_imap_client_fetch_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- SEARCH ------------------------------------------------------------- */

static void
search_done (HyImapClient  *self,
             HyImapCommand *cmd)
{
  HyImapSearch *search = NULL;

  for (guint i = 0; i < cmd->responses->len; i++)
    {
      HyImapResponse *r = g_ptr_array_index (cmd->responses, i);

      if (r->search == NULL)
        continue;
      /* ESEARCH names the command it answers. */
      if (r->search->tag != NULL && strcmp (r->search->tag, cmd->tag) != 0)
        continue;
      if (search == NULL)
        search = g_steal_pointer (&r->search);
      else
        g_array_append_vals (search->numbers, r->search->numbers->data, r->search->numbers->len);
    }
  if (search == NULL)
    {
      /* ESEARCH may say nothing when nothing matched */
      search = g_new0 (HyImapSearch, 1);
      search->numbers = g_array_new (FALSE, FALSE, sizeof (guint32));
    }
  search->uid = TRUE;
  _hy_imap_command_return_pointer (cmd, search, (GDestroyNotify) hy_imap_search_free);
}

/* Copies the criteria token by token; strings with 8-bit bytes become
 * literals, since a quoted string may only hold them with UTF8=ACCEPT. */
static gboolean
add_criteria (HyImapClient  *self,
              HyImapCommand *cmd,
              const char    *criteria,
              GError       **error)
{
  const char *p = criteria;

  while (*p != '\0')
    {
      if (*p == ' ' || *p == '(' || *p == ')')
        {
          g_string_append_c (cmd->cur, *p++);
          continue;
        }
      if (*p == '"')
        {
          g_autoptr(GString) value = g_string_new (NULL);

          p++;
          while (*p != '\0' && *p != '"')
            {
              if (*p == '\\' && p[1] != '\0')
                p++;
              g_string_append_c (value, *p++);
            }
          if (*p != '"')
            goto bad;
          p++;
          if (value->len == 0)
            g_string_append (cmd->cur, "\"\"");
          else
            _hy_imap_command_add_string (self, cmd, value->str, value->len);
          continue;
        }
      {
        const char *start = p;
        gboolean eight_bit = FALSE;

        while (*p != '\0' && *p != ' ' && *p != '(' && *p != ')' && *p != '"')
          {
            if ((guchar) *p >= 0x80)
              eight_bit = TRUE;
            if (*p == '{' || (guchar) *p < 0x20 || *p == 0x7f)
              goto bad;
            p++;
          }
        if (eight_bit)
          _hy_imap_command_add_string (self, cmd, start, p - start);
        else
          g_string_append_len (cmd->cur, start, p - start);
      }
    }
  return TRUE;

bad:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _ ("“%s” is not a valid IMAP search (e.g. UNSEEN SUBJECT \"report\")."), criteria);
  return FALSE;
}

/**
 * hy_imap_client_search_async:
 * @criteria: IMAP search keys, e.g. "UNSEEN FROM \"alice\"" or
 *   "SUBJECT 报告"; non-ASCII text is sent with CHARSET UTF-8
 *
 * Runs UID SEARCH (as ESEARCH with RETURN (ALL) when offered).
 */
void
hy_imap_client_search_async (HyImapClient        *self,
                             const char          *criteria,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  HyImapCommand *cmd;
  GError *error = NULL;
  gboolean eight_bit = FALSE;

  g_return_if_fail (HY_IS_IMAP_CLIENT (self));
  g_return_if_fail (criteria != NULL);

  task = _hy_imap_client_start_task (self, hy_imap_client_search_async, HY_IMAP_STATE_SELECTED,
                     _ ("search messages"), cancellable, callback, user_data);
  if (task == NULL)
    return;
  if (!g_utf8_validate (criteria, -1, NULL) || criteria[strspn (criteria, " ")] == '\0')
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _ ("The search is empty or not valid UTF-8."));
      return;
    }
  for (const char *p = criteria; *p != '\0'; p++)
    if ((guchar) *p >= 0x80)
      eight_bit = TRUE;

  cmd = _hy_imap_command_new (self, "UID SEARCH", task);
  cmd->collect = HY_IMAP_COLLECT (HY_IMAP_DATA_SEARCH);
  cmd->done = search_done;
  if (hy_imap_client_has_capability (self, "ESEARCH"))
    _hy_imap_command_add (cmd, " RETURN (ALL)");
  if (eight_bit && !_hy_imap_client_utf8_enabled (self))
    _hy_imap_command_add (cmd, " CHARSET UTF-8");
  _hy_imap_command_add (cmd, " ");
  if (!add_criteria (self, cmd, criteria, &error))
    {
      _hy_imap_command_return_error (cmd, error);
      _hy_imap_command_unref (cmd);
      return;
    }
  _hy_imap_client_submit (self, cmd);
}

/**
 * hy_imap_client_search_finish:
 *
 * Returns: (transfer full): the matching UIDs in @numbers, ascending
 */
HyImapSearch *
hy_imap_client_search_finish (HyImapClient  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_imap_client_search_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- STORE -------------------------------------------------------------- */

void
hy_imap_store_result_free (HyImapStoreResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->fetches, g_ptr_array_unref);
  g_clear_pointer (&result->modified, g_array_unref);
  g_free (result);
}

static void
store_done (HyImapClient  *self,
            HyImapCommand *cmd)
{
  HyImapStoreResult *result = g_new0 (HyImapStoreResult, 1);
  HyImapResponseCode *code = cmd->tagged->code;

  result->fetches = take_fetches (cmd);
  if (code != NULL && code->kind == HY_IMAP_CODE_MODIFIED)
    result->modified = g_array_ref (code->source);
  _hy_imap_command_return_pointer (cmd, result, (GDestroyNotify) hy_imap_store_result_free);
}

/**
 * hy_imap_client_store_async:
 * @uid_set: the UIDs
 * @mode: add, remove or replace the flags
 * @flags: (array zero-terminated=1): flags and keywords, e.g. "\\Seen", "$Junk"
 * @unchanged_since: with CONDSTORE and non-zero: change only messages whose
 *   MODSEQ is not higher; the others come back in the result's @modified
 */
void
hy_imap_client_store_async (HyImapClient        *self,
                            const char          *uid_set,
                            HyImapStoreMode      mode,
                            const char * const  *flags,
                            guint64              unchanged_since,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  static const char * const prefixes[] = { "+", "-", "" };
  g_autoptr(GTask) task = NULL;
  HyImapCommand *cmd;
  GError *error = NULL;

  g_return_if_fail (HY_IS_IMAP_CLIENT (self));
  g_return_if_fail (uid_set != NULL);
  g_return_if_fail (mode <= HY_IMAP_STORE_REPLACE);

  task = _hy_imap_client_start_task (self, hy_imap_client_store_async, HY_IMAP_STATE_SELECTED,
                     _ ("change flags"), cancellable, callback, user_data);
  if (task == NULL)
    return;
  if (!check_set (uid_set, &error) || !check_flags (flags, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (unchanged_since > 0 && !hy_imap_client_has_capability (self, "CONDSTORE"))
    {
      g_task_return_new_error (task, HY_IMAP_ERROR, HY_IMAP_ERROR_UNSUPPORTED,
                               _ ("The IMAP server %s does not support CONDSTORE, needed for a "
                                  "conditional flag change."), _hy_imap_client_host (self));
      return;
    }

  cmd = _hy_imap_command_new (self, "UID STORE", task);
  cmd->collect = HY_IMAP_COLLECT (HY_IMAP_DATA_FETCH);
  cmd->uid_fetch_only = TRUE;
  cmd->uid_set = hy_imap_seqset_parse (uid_set, -1, NULL);
  cmd->done = store_done;
  _hy_imap_command_add_printf (cmd, " %s", uid_set);
  if (unchanged_since > 0)
    _hy_imap_command_add_printf (cmd, " (UNCHANGEDSINCE %" G_GUINT64_FORMAT ")", unchanged_since);
  _hy_imap_command_add_printf (cmd, " %sFLAGS ", prefixes[mode]);
  add_flag_list (cmd, flags);
  _hy_imap_client_submit (self, cmd);
}

/**
 * hy_imap_client_store_finish:
 *
 * Returns: (transfer full): the flags as the server now has them, and what
 *   UNCHANGEDSINCE left alone
 */
HyImapStoreResult *
hy_imap_client_store_finish (HyImapClient  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_imap_client_store_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- COPY and MOVE ------------------------------------------------------ */

void
hy_imap_copy_result_free (HyImapCopyResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->source, g_array_unref);
  g_clear_pointer (&result->dest, g_array_unref);
  g_free (result);
}

static HyImapCopyResult *
copy_result_from (HyImapCommand *cmd)
{
  HyImapCopyResult *result = g_new0 (HyImapCopyResult, 1);
  HyImapResponseCode *code = NULL;

  /* MOVE reports COPYUID in an untagged OK before the expunges; COPY in
   * its tagged OK. */
  if (cmd->tagged->code != NULL && cmd->tagged->code->kind == HY_IMAP_CODE_COPYUID)
    code = cmd->tagged->code;
  for (guint i = 0; code == NULL && i < cmd->responses->len; i++)
    {
      HyImapResponse *r = g_ptr_array_index (cmd->responses, i);

      if (r->code != NULL && r->code->kind == HY_IMAP_CODE_COPYUID)
        code = r->code;
    }
  if (code != NULL)
    {
      result->uidvalidity = code->uidvalidity;
      result->source = g_array_ref (code->source);
      result->dest = g_array_ref (code->dest);
    }
  return result;
}

static void
copy_done (HyImapClient  *self,
           HyImapCommand *cmd)
{
  _hy_imap_command_return_pointer (cmd, copy_result_from (cmd), (GDestroyNotify) hy_imap_copy_result_free);
}

static HyImapCommand *
copy_command (HyImapClient  *self,
              const char    *name,
              const char    *uid_set,
              const char    *destination,
              GTask         *task,
              GError       **error)
{
  HyImapCommand *cmd;

  if (!check_set (uid_set, error))
    return NULL;
  cmd = _hy_imap_command_new (self, name, task);
  cmd->collect = HY_IMAP_COLLECT (HY_IMAP_DATA_NONE);
  cmd->done = copy_done;
  _hy_imap_command_add_printf (cmd, " %s ", uid_set);
  if (!_hy_imap_command_add_mailbox (self, cmd, destination, error))
    {
      _hy_imap_command_unref (cmd);
      return NULL;
    }
  return cmd;
}

void
hy_imap_client_copy_async (HyImapClient        *self,
                           const char          *uid_set,
                           const char          *destination,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  HyImapCommand *cmd;
  GError *error = NULL;

  g_return_if_fail (HY_IS_IMAP_CLIENT (self));
  g_return_if_fail (uid_set != NULL);
  g_return_if_fail (destination != NULL);

  task = _hy_imap_client_start_task (self, hy_imap_client_copy_finish, HY_IMAP_STATE_SELECTED,
                     _ ("copy messages"), cancellable, callback, user_data);
  if (task == NULL)
    return;
  cmd = copy_command (self, "UID COPY", uid_set, destination, task, &error);
  if (cmd == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  _hy_imap_client_submit (self, cmd);
}

typedef struct {
  char             *uid_set;
  HyImapCopyResult *copied;
} MoveData;

static void
move_data_free (MoveData *data)
{
  g_free (data->uid_set);
  hy_imap_copy_result_free (data->copied);
  g_free (data);
}

static void
move_expunge_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  MoveData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!hy_imap_client_expunge_finish (HY_IMAP_CLIENT (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&data->copied), (GDestroyNotify) hy_imap_copy_result_free);
}

static void
move_store_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HyImapClient *self = HY_IMAP_CLIENT (source);
  MoveData *data = g_task_get_task_data (task);
  g_autoptr(HyImapStoreResult) stored = NULL;
  GError *error = NULL;

  stored = hy_imap_client_store_finish (self, result, &error);
  if (stored == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  hy_imap_client_expunge_async (self, hy_imap_client_has_capability (self, "UIDPLUS") ? data->uid_set : NULL,
                                g_task_get_cancellable (task), move_expunge_cb, g_object_ref (task));
}

static void
move_copy_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HyImapClient *self = HY_IMAP_CLIENT (source);
  MoveData *data = g_task_get_task_data (task);
  static const char * const deleted[] = { "\\Deleted", NULL };
  GError *error = NULL;

  data->copied = g_task_propagate_pointer (G_TASK (result), &error);
  if (data->copied == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  hy_imap_client_store_async (self, data->uid_set, HY_IMAP_STORE_ADD, deleted, 0,
                              g_task_get_cancellable (task), move_store_cb, g_object_ref (task));
}

/**
 * hy_imap_client_move_async:
 *
 * Moves messages with UID MOVE (RFC 6851), or where the server lacks it with
 * UID COPY, then \Deleted, then UID EXPUNGE of just those messages (plain
 * EXPUNGE without UIDPLUS, which also removes other messages already marked
 * \Deleted).
 */
void
hy_imap_client_move_async (HyImapClient        *self,
                           const char          *uid_set,
                           const char          *destination,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  HyImapCommand *cmd;
  GError *error = NULL;
  MoveData *data;
  GTask *inner;

  g_return_if_fail (HY_IS_IMAP_CLIENT (self));
  g_return_if_fail (uid_set != NULL);
  g_return_if_fail (destination != NULL);

  task = _hy_imap_client_start_task (self, hy_imap_client_copy_finish, HY_IMAP_STATE_SELECTED,
                     _ ("move messages"), cancellable, callback, user_data);
  if (task == NULL)
    return;

  if (hy_imap_client_has_capability (self, "MOVE"))
    {
      cmd = copy_command (self, "UID MOVE", uid_set, destination, task, &error);
      if (cmd == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      _hy_imap_client_submit (self, cmd);
      return;
    }

  data = g_new0 (MoveData, 1);
  data->uid_set = g_strdup (uid_set);
  g_task_set_task_data (task, data, (GDestroyNotify) move_data_free);
  inner = g_task_new (self, cancellable, move_copy_cb, g_object_ref (task));
  g_task_set_source_tag (inner, hy_imap_client_copy_finish);
  cmd = copy_command (self, "UID COPY", uid_set, destination, inner, &error);
  if (cmd == NULL)
    {
      g_task_return_error (inner, error);
      g_object_unref (inner);
      return;
    }
  _hy_imap_client_submit (self, cmd);
  g_object_unref (inner);
}

/**
 * hy_imap_client_copy_finish:
 *
 * Finishes hy_imap_client_copy_async() and hy_imap_client_move_async().
 *
 * Returns: (transfer full): the new UIDs, when the server has UIDPLUS
 */
HyImapCopyResult *
hy_imap_client_copy_finish (HyImapClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_imap_client_copy_finish, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- APPEND ------------------------------------------------------------- */

typedef struct {
  guint32 uidvalidity;
  guint32 uid;
} AppendResult;

static void
append_done (HyImapClient  *self,
             HyImapCommand *cmd)
{
  AppendResult *result = g_new0 (AppendResult, 1);
  HyImapResponseCode *code = cmd->tagged->code;

  if (code != NULL && code->kind == HY_IMAP_CODE_APPENDUID && code->dest->len == 1 &&
      g_array_index (code->dest, HyImapRange, 0).first == g_array_index (code->dest, HyImapRange, 0).last)
    {
      result->uidvalidity = code->uidvalidity;
      result->uid = g_array_index (code->dest, HyImapRange, 0).first;
    }
  _hy_imap_command_return_pointer (cmd, result, g_free);
}

/**
 * hy_imap_client_append_async:
 * @mailbox: the destination (UTF-8)
 * @message: the raw RFC 5322 message with CRLF line ends
 * @flags: (array zero-terminated=1) (nullable): initial flags
 * @internal_date: (nullable): the INTERNALDATE to give it
 */
void
hy_imap_client_append_async (HyImapClient        *self,
                             const char          *mailbox,
                             GBytes              *message,
                             const char * const  *flags,
                             GDateTime           *internal_date,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  HyImapCommand *cmd;
  GError *error = NULL;

  g_return_if_fail (HY_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);
  g_return_if_fail (message != NULL);

  task = _hy_imap_client_start_task (self, hy_imap_client_append_async, HY_IMAP_STATE_AUTHENTICATED,
                     _ ("store a message"), cancellable, callback, user_data);
  if (task == NULL)
    return;
  if (!check_flags (flags, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  cmd = _hy_imap_command_new (self, "APPEND", task);
  cmd->done = append_done;
  _hy_imap_command_add (cmd, " ");
  if (!_hy_imap_command_add_mailbox (self, cmd, mailbox, &error))
    {
      _hy_imap_command_return_error (cmd, error);
      _hy_imap_command_unref (cmd);
      return;
    }
  if (flags != NULL && flags[0] != NULL)
    {
      _hy_imap_command_add (cmd, " ");
      add_flag_list (cmd, flags);
    }
  if (internal_date != NULL)
    {
      g_autofree char *date = hy_imap_format_internaldate (internal_date);

      _hy_imap_command_add_printf (cmd, " \"%s\"", date);
    }
  _hy_imap_command_add (cmd, " ");
  _hy_imap_command_add_literal (self, cmd, message);
  _hy_imap_client_submit (self, cmd);
}

/**
 * hy_imap_client_append_finish:
 * @uidvalidity: (out) (optional): the mailbox's UIDVALIDITY, 0 without UIDPLUS
 * @uid: (out) (optional): the new message's UID, 0 without UIDPLUS
 */
gboolean
hy_imap_client_append_finish (HyImapClient  *self,
                              GAsyncResult  *result,
                              guint32       *uidvalidity,
                              guint32       *uid,
                              GError       **error)
{
  g_autofree AppendResult *r = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_imap_client_append_async, FALSE);

  r = g_task_propagate_pointer (G_TASK (result), error);
  if (r == NULL)
    return FALSE;
  if (uidvalidity != NULL)
    *uidvalidity = r->uidvalidity;
  if (uid != NULL)
    *uid = r->uid;
  return TRUE;
}

/* ---- EXPUNGE ------------------------------------------------------------ */

/**
 * hy_imap_client_expunge_async:
 * @uid_set: (nullable): expunge only these UIDs (UID EXPUNGE, needs
 *   UIDPLUS), or %NULL for every message marked \Deleted
 */
void
hy_imap_client_expunge_async (HyImapClient        *self,
                              const char          *uid_set,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  HyImapCommand *cmd;
  GError *error = NULL;

  g_return_if_fail (HY_IS_IMAP_CLIENT (self));

  task = _hy_imap_client_start_task (self, hy_imap_client_expunge_async, HY_IMAP_STATE_SELECTED,
                     _ ("expunge messages"), cancellable, callback, user_data);
  if (task == NULL)
    return;
  if (uid_set != NULL && !check_set (uid_set, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (uid_set != NULL && !hy_imap_client_has_capability (self, "UIDPLUS"))
    {
      g_task_return_new_error (task, HY_IMAP_ERROR, HY_IMAP_ERROR_UNSUPPORTED,
                               _ ("The IMAP server %s does not support UIDPLUS, needed to expunge "
                                  "single messages."), _hy_imap_client_host (self));
      return;
    }
  cmd = _hy_imap_command_new (self, uid_set != NULL ? "UID EXPUNGE" : "EXPUNGE", task);
  /* Expunges renumber messages: nothing may run beside it. */
  cmd->exclusive = TRUE;
  if (uid_set != NULL)
    _hy_imap_command_add_printf (cmd, " %s", uid_set);
  _hy_imap_client_submit (self, cmd);
}

gboolean
hy_imap_client_expunge_finish (HyImapClient  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_imap_client_expunge_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
