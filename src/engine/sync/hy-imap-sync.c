/* hy-imap-sync.c — the steps of an IMAP sync: replay, folder list, one folder, bodies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-sync"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>
#include <time.h>

#include "account/hy-folder-role.h"
#include "imap/hy-imap-error.h"
#include "imap/hy-imap-seqset.h"
#include "mime/hy-message.h"
#include "mime/hy-text-utils.h"
#include "store/hy-store-op.h"
#include "store/hy-store-transaction.h"
#include "sync/hy-imap-sync.h"

/* New messages are committed in batches so that lists fill while a big
 * folder syncs and a dropped connection loses little. */
#define COMMIT_EVERY 2000
/* Without CONDSTORE, flags are compared in batches of this many UIDs. */
#define FLAG_BATCH 5000
/* Bodies downloaded per FETCH in the background, and per round of
 * FETCH commands sent one after the other without waiting for the store;
 * the writer commits every BODY_COMMIT bodies on its own.  Each commit
 * writes the search index's new terms out as a segment, which the index
 * merges later: 2000 bodies (about 10 MB of text) cost a full sync about
 * 5 % less CPU than 500 did. */
#define BODY_BATCH 500
#define BODY_ROUND 5000
#define BODY_COMMIT 2000
/* New messages go to the store writer this many at a time: handing over
 * each one alone made the two threads wake each other for every message. */
#define MESSAGE_HANDOVER 256
/* Batches of new messages handed to the writer and not yet written: past
 * this the network thread waits for the writer.  The server keeps sending
 * meanwhile (into the socket's buffers), and the writer never falls far
 * behind, so that when the last response arrives little is left to write
 * (with two cores and three busy threads, a writer left to catch up alone
 * at the end kept a core idle for 0.05-0.2 s of a 20,000-message sync). */
#define MAX_BATCHES 2
/* Bytes of bodies the network may run ahead of the store writer. */
#define WRITER_MAX_QUEUED (32 * 1024 * 1024)
/* Threads that prepare bodies for the writer, at most. */
#define BODY_WORKERS 2
#define REFERENCES_SECTION "HEADER.FIELDS (REFERENCES)"

/* ---- flags ---------------------------------------------------------------- */

static const struct {
  const char *name;
  guint32     flag;
} flag_names[] = {
  { "\\Seen", HY_STORE_FLAG_SEEN },
  { "\\Answered", HY_STORE_FLAG_ANSWERED },
  { "\\Flagged", HY_STORE_FLAG_FLAGGED },
  { "\\Deleted", HY_STORE_FLAG_DELETED },
  { "\\Draft", HY_STORE_FLAG_DRAFT },
  { "$Forwarded", HY_STORE_FLAG_FORWARDED },
  { "$Junk", HY_STORE_FLAG_JUNK },
};

/* Splits the server's flags into HyStoreFlags bits and the other keywords
 * (space-separated, or NULL). */
static guint32
parse_flags (char * const  *flags,
             char         **keywords)
{
  g_autoptr(GString) other = NULL;
  guint32 bits = 0;

  for (guint i = 0; flags != NULL && flags[i] != NULL; i++)
    {
      gboolean known = FALSE;

      /* Every name starts with a backslash or "$": its first byte rules most out. */
      for (guint j = 0; j < G_N_ELEMENTS (flag_names); j++)
        if (flags[i][0] == flag_names[j].name[0] && g_ascii_strcasecmp (flags[i], flag_names[j].name) == 0)
          {
            bits |= flag_names[j].flag;
            known = TRUE;
            break;
          }
      if (known || g_ascii_strcasecmp (flags[i], "\\Recent") == 0)
        continue;
      if (other == NULL)
        other = g_string_new (NULL);
      else
        g_string_append_c (other, ' ');
      g_string_append (other, flags[i]);
    }
  *keywords = other != NULL ? g_string_free (g_steal_pointer (&other), FALSE) : NULL;
  return bits;
}

static GStrv
flags_to_names (guint32 bits)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint j = 0; j < G_N_ELEMENTS (flag_names); j++)
    if (bits & flag_names[j].flag)
      g_strv_builder_add (builder, flag_names[j].name);
  return g_strv_builder_end (builder);
}

/* ---- envelope to store message ------------------------------------------ */

/* The addresses of an envelope list as the store takes them, written into
 * @parts (room for @list's length; pointing into @list), or 0 when none has
 * a mailbox and host. */
static guint
address_parts (const HyImapAddressListView *list,
               HyStoreAddressParts         *parts)
{
  gboolean any = FALSE;

  for (guint i = 0; i < list->len; i++)
    {
      const HyImapAddressView *address = &list->items[i];

      parts[i] = (HyStoreAddressParts) { address->name, address->mailbox, address->host };
      any |= address->mailbox != NULL && address->host != NULL;
    }
  return any ? list->len : 0;
}

static char *
strip_angles (const char *msgid)
{
  const char *start, *end;

  if (msgid == NULL)
    return NULL;
  start = strchr (msgid, '<');
  end = start != NULL ? strchr (start, '>') : NULL;
  if (start != NULL && end != NULL && end > start + 1)
    return g_strndup (start + 1, end - start - 1);
  start = msgid;
  while (g_ascii_isspace (*start))
    start++;
  return *start != '\0' ? g_strstrip (g_strdup (start)) : NULL;
}

/* The value of the References field in a HEADER.FIELDS response, unfolded. */
static char *
references_from_header (const HyImapSectionView *section)
{
  const char *data, *end, *colon;
  char *value, *out;

  if (section == NULL || section->data == NULL)
    return NULL;
  data = (const char *) section->data;
  end = memchr (data, '\0', section->len);
  if (end == NULL)
    end = data + section->len;
  colon = memchr (data, ':', end - data);
  if (colon == NULL || g_ascii_strncasecmp (data, "references", colon - data) != 0)
    return NULL;
  /* Line breaks and tabs become spaces; white space at either end goes. */
  for (data = colon + 1; data < end && g_ascii_isspace (*data); data++)
    ;
  while (end > data && g_ascii_isspace (end[-1]))
    end--;
  if (data == end)
    return NULL;
  value = out = g_malloc (end - data + 1);
  for (; data < end; data++)
    *out++ = (*data == '\r' || *data == '\n' || *data == '\t') ? ' ' : *data;
  *out = '\0';
  return value;
}

/* Whether a part outside any enclosed message, and not a multipart with
 * parts, is an attachment: a file to open rather than text to read. */
static gboolean
has_attachment (const HyImapFetchView *view)
{
  for (guint i = 0; i < view->n_parts; i++)
    {
      const HyImapPartView *part = &view->parts[i];

      if (part->enclosed || part->children > 0)
        continue;
      if (g_strcmp0 (part->disposition, "attachment") == 0)
        return TRUE;
      if (strcmp (part->type, "message") == 0 && strcmp (part->subtype, "rfc822") == 0)
        return TRUE;
      /* A named part that is not text to read, such as an image sent with
       * a file name but no disposition. */
      if (g_strcmp0 (part->disposition, "inline") != 0 && strcmp (part->type, "text") != 0 &&
          strcmp (part->type, "multipart") != 0 && (part->name != NULL || part->filename != NULL))
        return TRUE;
    }
  return FALSE;
}

static HyStoreMessage *
message_from_view (const HyImapFetchView *view,
                   gint64                 folder_id)
{
  g_autoptr(HyStoreMessage) message = hy_store_message_new ();

  message->folder_id = folder_id;
  message->uid = view->uid;
  message->flags = parse_flags ((char * const *) view->flags, &message->keywords);
  message->modseq = view->modseq;
  message->received = (view->items & HY_IMAP_FETCH_INTERNALDATE) ? view->internaldate : 0;
  message->size = view->size;
  if (view->items & HY_IMAP_FETCH_ENVELOPE)
    {
      message->date = hy_text_parse_date (view->date);
      message->subject = g_strdup (view->subject);
      message->message_id = strip_angles (view->message_id);
      message->in_reply_to = g_strdup (view->in_reply_to);
    }
  if (message->date == 0)
    message->date = message->received;
  message->references = references_from_header (hy_imap_fetch_view_get_section (view, REFERENCES_SECTION));
  message->has_attachment = has_attachment (view);
  return g_steal_pointer (&message);
}

/* @message with its addresses taken straight from @view's envelope: no
 * header text written out to be parsed again. */
static HyStorePreparedMessage *
prepare_message (HyStoreMessage        *message,
                 const HyImapFetchView *view)
{
  HyStoreAddressParts stack[32];
  HyStoreAddressParts *parts = stack;
  g_autofree HyStoreAddressParts *heap = NULL;
  guint need, n_from, n_to, n_cc;

  if ((view->items & HY_IMAP_FETCH_ENVELOPE) == 0)
    return hy_store_prepare_message (message);
  need = MAX (view->from.len, view->sender.len) + view->to.len + view->cc.len;
  if (need > G_N_ELEMENTS (stack))
    parts = heap = g_new (HyStoreAddressParts, need);
  n_from = address_parts (&view->from, parts);
  if (n_from == 0)
    n_from = address_parts (&view->sender, parts);
  n_to = address_parts (&view->to, parts + n_from);
  n_cc = address_parts (&view->cc, parts + n_from + n_to);
  return hy_store_prepare_message_with_addresses (message,
                                                  n_from > 0 ? parts : NULL, n_from,
                                                  n_to > 0 ? parts + n_from : NULL, n_to,
                                                  n_cc > 0 ? parts + n_from + n_to : NULL, n_cc);
}

/* ---- small helpers --------------------------------------------------------- */

static gboolean
select_folder (HyImapClient        *client,
               HySyncWait          *wait,
               const char          *name,
               gboolean             read_only,
               HyImapSelectResult **out,
               GCancellable        *cancellable,
               GError             **error)
{
  HyImapSelectResult *selected;

  hy_imap_client_select_async (client, name, read_only, 0, 0, NULL, cancellable, hy_sync_wait_cb, wait);
  selected = hy_imap_client_select_finish (client, hy_sync_wait (wait), error);
  if (selected == NULL)
    return FALSE;
  if (out != NULL)
    *out = selected;
  else
    hy_imap_select_result_free (selected);
  return TRUE;
}

static int
compare_uids (gconstpointer a,
              gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

static char *
uid_set (const guint32 *uids,
         guint          n)
{
  return hy_imap_seqset_from_uids (uids, n);
}

/* Network trouble (as opposed to the server refusing one thing). */
static gboolean
is_refusal (const GError *error)
{
  return g_error_matches (error, HY_IMAP_ERROR, HY_IMAP_ERROR_REFUSED) ||
         g_error_matches (error, HY_IMAP_ERROR, HY_IMAP_ERROR_BAD);
}

static gboolean
remove_ops (HyStore    *store,
            GPtrArray  *ops,
            GError    **error)
{
  g_autoptr(HyStoreTransaction) txn = hy_store_begin (store, error);

  if (txn == NULL)
    return FALSE;
  for (guint i = 0; i < ops->len; i++)
    if (!hy_store_transaction_remove_op (txn, ((HyStoreOp *) g_ptr_array_index (ops, i))->id, error))
      return FALSE;
  return hy_store_transaction_commit (txn, error);
}

/* ---- replay ---------------------------------------------------------------- */

static gboolean
same_group (const HyStoreOp *a,
            const HyStoreOp *b)
{
  return a->kind == b->kind && a->add_flags == b->add_flags && a->remove_flags == b->remove_flags &&
         g_strcmp0 (a->destination, b->destination) == 0;
}

static char *
ops_uid_set (GPtrArray *ops)
{
  g_autoptr(GArray) uids = g_array_sized_new (FALSE, FALSE, sizeof (guint32), ops->len);

  for (guint i = 0; i < ops->len; i++)
    g_array_append_val (uids, ((HyStoreOp *) g_ptr_array_index (ops, i))->uid);
  g_array_sort (uids, compare_uids);
  return uid_set ((guint32 *) (void *) uids->data, uids->len);
}

static gboolean
store_flags (HyImapClient  *client,
             HySyncWait    *wait,
             const char    *set,
             HyImapStoreMode mode,
             guint32        bits,
             guint64        unchanged_since,
             GCancellable  *cancellable,
             GError       **error)
{
  g_auto(GStrv) names = flags_to_names (bits);
  g_autoptr(HyImapStoreResult) result = NULL;

  if (names[0] == NULL)
    return TRUE;
  hy_imap_client_store_async (client, set, mode, (const char * const *) names, unchanged_since,
                              cancellable, hy_sync_wait_cb, wait);
  result = hy_imap_client_store_finish (client, hy_sync_wait (wait), error);
  if (result == NULL)
    return FALSE;
  if (result->modified != NULL && result->modified->len > 0)
    g_debug ("%u ranges changed on the server meanwhile; the server's flags win", result->modified->len);
  return TRUE;
}

/* Gives the messages waiting in the destination their new UIDs. */
static gboolean
assign_uids (HyStore           *store,
             GPtrArray         *ops,
             const char        *destination,
             HyImapCopyResult  *copied,
             GError           **error)
{
  g_autoptr(HyStoreTransaction) txn = NULL;
  g_autoptr(HyStoreFolder) folder = hy_store_find_folder (store, destination, NULL);
  g_autoptr(GArray) source = NULL;
  g_autoptr(GArray) dest = NULL;
  gboolean known;

  if (folder == NULL)
    return TRUE;
  known = copied != NULL && copied->source != NULL && copied->dest != NULL &&
          (folder->uidvalidity == 0 || copied->uidvalidity == folder->uidvalidity);
  if (known)
    {
      source = hy_imap_seqset_expand ((HyImapRange *) (void *) copied->source->data, copied->source->len,
                                      G_MAXUINT32, 1000000, NULL);
      dest = hy_imap_seqset_expand ((HyImapRange *) (void *) copied->dest->data, copied->dest->len,
                                    G_MAXUINT32, 1000000, NULL);
      known = source != NULL && dest != NULL && source->len == dest->len;
    }
  if ((txn = hy_store_begin (store, error)) == NULL)
    return FALSE;
  if (known)
    {
      for (guint i = 0; i < ops->len; i++)
        {
          HyStoreOp *op = g_ptr_array_index (ops, i);

          for (guint j = 0; j < source->len; j++)
            if (g_array_index (source, guint32, j) == op->uid && op->message_id != 0)
              {
                if (!hy_store_transaction_set_uid (txn, op->message_id, g_array_index (dest, guint32, j), error))
                  return FALSE;
                break;
              }
        }
    }
  /* Whatever still waits is fetched again by the next sync. */
  if (!hy_store_transaction_remove_pending (txn, folder->id, error))
    return FALSE;
  return hy_store_transaction_commit (txn, error);
}

static gboolean
replay_group (HyImapClient  *client,
              HySyncWait    *wait,
              HyStore       *store,
              GPtrArray     *group,
              guint64        unchanged_since,
              GCancellable  *cancellable,
              GError       **error)
{
  HyStoreOp *first = g_ptr_array_index (group, 0);
  g_autofree char *set = ops_uid_set (group);
  g_autoptr(GError) local_error = NULL;
  gboolean ok = TRUE;

  switch (first->kind)
    {
    case HY_STORE_OP_FLAGS:
      ok = store_flags (client, wait, set, HY_IMAP_STORE_ADD, first->add_flags, unchanged_since,
                        cancellable, &local_error) &&
           store_flags (client, wait, set, HY_IMAP_STORE_REMOVE, first->remove_flags, unchanged_since,
                        cancellable, &local_error);
      break;

    case HY_STORE_OP_MOVE:
      {
        g_autoptr(HyImapCopyResult) copied = NULL;

        hy_imap_client_move_async (client, set, first->destination, cancellable, hy_sync_wait_cb, wait);
        copied = hy_imap_client_copy_finish (client, hy_sync_wait (wait), &local_error);
        if (copied == NULL && is_refusal (local_error))
          {
            /* Perhaps the destination does not exist yet (made offline). */
            g_autoptr(GError) create_error = NULL;

            hy_imap_client_create_async (client, first->destination, cancellable, hy_sync_wait_cb, wait);
            if (hy_imap_client_mailbox_op_finish (client, hy_sync_wait (wait), &create_error))
              {
                g_clear_error (&local_error);
                hy_imap_client_move_async (client, set, first->destination, cancellable, hy_sync_wait_cb, wait);
                copied = hy_imap_client_copy_finish (client, hy_sync_wait (wait), &local_error);
              }
          }
        ok = copied != NULL;
        if (ok && !assign_uids (store, group, first->destination, copied, error))
          return FALSE;
        break;
      }

    case HY_STORE_OP_EXPUNGE:
      ok = store_flags (client, wait, set, HY_IMAP_STORE_ADD, HY_STORE_FLAG_DELETED, 0, cancellable, &local_error);
      if (ok)
        {
          hy_imap_client_expunge_async (client, hy_imap_client_has_capability (client, "UIDPLUS") ? set : NULL,
                                        cancellable, hy_sync_wait_cb, wait);
          ok = hy_imap_client_expunge_finish (client, hy_sync_wait (wait), &local_error);
        }
      break;

    default:
      g_warning ("Dropping an offline operation of unknown kind %d", first->kind);
      break;
    }

  if (!ok)
    {
      if (!is_refusal (local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_warning ("The server refused an offline change in %s, which is dropped: %s",
                 first->folder, local_error->message);
    }
  return remove_ops (store, group, error);
}

gboolean
hy_imap_sync_replay (HyImapClient  *client,
                     HySyncWait    *wait,
                     HyStore       *store,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autoptr(GPtrArray) ops = NULL;
  g_autoptr(GPtrArray) folders = g_ptr_array_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  {
    g_autoptr(HyStoreTransaction) txn = hy_store_begin (store, error);

    if (txn == NULL)
      return FALSE;
    ops = hy_store_transaction_list_ops (txn, error);
    if (ops == NULL)
      return FALSE;
    /* txn is rolled back: it only read */
  }
  if (ops->len == 0)
    return TRUE;

  for (guint i = 0; i < ops->len; i++)
    {
      HyStoreOp *op = g_ptr_array_index (ops, i);

      if (!g_hash_table_contains (seen, op->folder))
        {
          g_hash_table_add (seen, op->folder);
          g_ptr_array_add (folders, op->folder);
        }
    }

  for (guint f = 0; f < folders->len; f++)
    {
      const char *name = g_ptr_array_index (folders, f);
      g_autoptr(HyImapSelectResult) selected = NULL;
      g_autoptr(HyStoreFolder) stored = hy_store_find_folder (store, name, NULL);
      g_autoptr(GPtrArray) mine = g_ptr_array_new ();
      g_autoptr(GPtrArray) stale = g_ptr_array_new ();
      g_autoptr(GError) local_error = NULL;
      guint64 unchanged_since;
      const HyStoreOpKind order[] = { HY_STORE_OP_FLAGS, HY_STORE_OP_MOVE, HY_STORE_OP_EXPUNGE };

      if (!select_folder (client, wait, name, FALSE, &selected, cancellable, &local_error))
        {
          if (!is_refusal (local_error))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          /* The folder is gone on the server: so are the messages. */
          g_warning ("Dropping offline changes in %s: %s", name, local_error->message);
        }
      for (guint i = 0; i < ops->len; i++)
        {
          HyStoreOp *op = g_ptr_array_index (ops, i);

          if (g_strcmp0 (op->folder, name) != 0)
            continue;
          if (selected == NULL || (selected->uidvalidity != 0 && op->uidvalidity != selected->uidvalidity))
            g_ptr_array_add (stale, op);
          else
            g_ptr_array_add (mine, op);
        }
      if (stale->len > 0 && !remove_ops (store, stale, error))
        return FALSE;

      /* With CONDSTORE, flags changed on the server since the last sync
       * are left alone: the server wins. */
      unchanged_since = selected != NULL && selected->highestmodseq > 0 && stored != NULL ? stored->highestmodseq : 0;

      for (guint k = 0; k < G_N_ELEMENTS (order); k++)
        {
          while (TRUE)
            {
              g_autoptr(GPtrArray) group = g_ptr_array_new ();
              HyStoreOp *lead = NULL;

              for (guint i = 0; i < mine->len; i++)
                {
                  HyStoreOp *op = g_ptr_array_index (mine, i);

                  if (op == NULL || op->kind != order[k])
                    continue;
                  if (lead == NULL)
                    lead = op;
                  if (same_group (lead, op))
                    {
                      g_ptr_array_add (group, op);
                      mine->pdata[i] = NULL;
                    }
                }
              if (group->len == 0)
                break;
              if (!replay_group (client, wait, store, group, unchanged_since, cancellable, error))
                return FALSE;
            }
        }
    }
  return TRUE;
}

/* ---- folder list ----------------------------------------------------------- */

static HyFolderRole
role_of (HyAccount           *account,
         const HyImapMailbox *mailbox)
{
  HyFolderRole role = HY_FOLDER_ROLE_NONE;

  for (HyFolderRole r = HY_FOLDER_ROLE_INBOX; r < HY_FOLDER_ROLE_LAST; r++)
    if (g_strcmp0 (hy_account_get_folder_for_role (account, r), mailbox->name) == 0)
      return r;
  if (g_ascii_strcasecmp (mailbox->name, "INBOX") == 0)
    return HY_FOLDER_ROLE_INBOX;
  for (guint i = 0; mailbox->attributes != NULL && mailbox->attributes[i] != NULL; i++)
    if ((role = hy_folder_role_from_special_use (mailbox->attributes[i])) != HY_FOLDER_ROLE_NONE)
      return role;
  return HY_FOLDER_ROLE_NONE;
}

gboolean
hy_imap_sync_folder_list (HyImapClient  *client,
                          HySyncWait    *wait,
                          HyStore       *store,
                          HyAccount     *account,
                          gboolean      *changed,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr(GPtrArray) mailboxes = NULL;
  g_autoptr(GPtrArray) stored = NULL;
  g_autoptr(GHashTable) on_server = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) pending_destinations = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) ops = NULL;
  g_autoptr(HyStoreTransaction) txn = NULL;
  gboolean has_role[HY_FOLDER_ROLE_LAST] = { FALSE, };
  HyFolderRole *roles;

  *changed = FALSE;
  hy_imap_client_list_async (client, "", "*", HY_IMAP_LIST_DEFAULT, cancellable, hy_sync_wait_cb, wait);
  mailboxes = hy_imap_client_list_finish (client, hy_sync_wait (wait), error);
  if (mailboxes == NULL)
    return FALSE;
  stored = hy_store_list_folders (store, error);
  if (stored == NULL)
    return FALSE;

  /* Roles: the account's choice, SPECIAL-USE, then a guess from the name
   * for the roles still missing. */
  roles = g_new0 (HyFolderRole, mailboxes->len);
  for (guint i = 0; i < mailboxes->len; i++)
    {
      HyImapMailbox *mailbox = g_ptr_array_index (mailboxes, i);

      roles[i] = role_of (account, mailbox);
      has_role[roles[i]] = TRUE;
    }
  for (guint i = 0; i < mailboxes->len; i++)
    {
      HyImapMailbox *mailbox = g_ptr_array_index (mailboxes, i);
      HyFolderRole guess;

      if (roles[i] != HY_FOLDER_ROLE_NONE)
        continue;
      guess = hy_folder_role_guess_from_name (mailbox->name, (gunichar) (guchar) mailbox->delimiter);
      if (guess != HY_FOLDER_ROLE_NONE && !has_role[guess])
        {
          roles[i] = guess;
          has_role[guess] = TRUE;
        }
    }

  if ((txn = hy_store_begin (store, error)) == NULL)
    {
      g_free (roles);
      return FALSE;
    }
  for (guint i = 0; i < mailboxes->len; i++)
    {
      HyImapMailbox *mailbox = g_ptr_array_index (mailboxes, i);
      char delimiter[2] = { mailbox->delimiter, '\0' };
      HyStoreFolder *existing = NULL;

      if (hy_imap_mailbox_has_attribute (mailbox, "\\Noselect") ||
          hy_imap_mailbox_has_attribute (mailbox, "\\NonExistent"))
        continue;
      g_hash_table_add (on_server, mailbox->name);
      for (guint j = 0; j < stored->len; j++)
        if (g_strcmp0 (((HyStoreFolder *) g_ptr_array_index (stored, j))->name, mailbox->name) == 0)
          existing = g_ptr_array_index (stored, j);
      if (existing == NULL)
        *changed = TRUE;
      if (existing == NULL || existing->role != roles[i] ||
          g_strcmp0 (existing->delimiter, mailbox->delimiter ? delimiter : NULL) != 0)
        {
          if (hy_store_transaction_add_folder (txn, mailbox->name, roles[i],
                                               mailbox->delimiter ? delimiter : NULL, error) == 0)
            {
              g_free (roles);
              return FALSE;
            }
        }
    }
  g_free (roles);

  /* Folders gone from the server go, except one that offline moves still
   * need (made locally, created on the server when they are replayed). */
  ops = hy_store_transaction_list_ops (txn, error);
  if (ops == NULL)
    return FALSE;
  for (guint i = 0; i < ops->len; i++)
    {
      HyStoreOp *op = g_ptr_array_index (ops, i);

      if (op->destination != NULL)
        g_hash_table_add (pending_destinations, op->destination);
    }
  for (guint j = 0; j < stored->len; j++)
    {
      HyStoreFolder *folder = g_ptr_array_index (stored, j);

      if (g_hash_table_contains (on_server, folder->name) ||
          g_hash_table_contains (pending_destinations, folder->name))
        continue;
      if (!hy_store_transaction_remove_folder (txn, folder->id, error))
        return FALSE;
      *changed = TRUE;
    }
  return hy_store_transaction_commit (txn, error);
}

/* ---- the store writer ---------------------------------------------------- */

/* Writing to the store runs in a thread of its own while the sync thread
 * reads the next responses off the network, so that a big sync uses every
 * core: bodies are parsed, compressed (or written to their files) by a
 * small pool of workers, and the writer only stores and indexes them. */

typedef enum {
  ITEM_MESSAGES,
  ITEM_BODY,
  ITEM_FLUSH,
  ITEM_QUIT,
} ItemKind;

typedef struct {
  ItemKind             kind;
  GPtrArray           *messages;   /* HyStorePreparedMessage */
  gint64               id;
  GBytes              *raw;
  HyStorePreparedBody *body;       /* made by a worker from raw */
  GError              *error;      /* or why it could not be */
} WriterItem;

typedef struct {
  HyStore            *store;
  GAsyncQueue        *items;
  GAsyncQueue        *replies;   /* a GError * or a non-NULL sentinel per flush */
  GAsyncQueue        *written;   /* batches of messages written, freed by the network thread */
  GThread            *thread;
  HyStoreTransaction *txn;
  guint               pending;
  guint               commit_every;
  GError             *error;
  GMutex              lock;
  GCond               drained;
  gsize               queued_bytes;  /* of raw bodies pushed, not yet written */
  guint               queued_batches;  /* of messages pushed, not yet written */
  GThreadPool        *workers;       /* prepare bodies */
  guint               preparing;     /* bodies with the workers */
  GCond               prepared;
  double              writer_cpu;    /* seconds, for the debug log */
  double              workers_cpu;
} Writer;

static void
writer_item_free (WriterItem *item)
{
  g_clear_pointer (&item->messages, g_ptr_array_unref);
  g_clear_pointer (&item->raw, g_bytes_unref);
  g_clear_pointer (&item->body, hy_store_prepared_body_free);
  g_clear_error (&item->error);
  g_free (item);
}

static gboolean
writer_commit (Writer *w)
{
  if (w->txn != NULL && w->error == NULL)
    hy_store_transaction_commit (w->txn, &w->error);
  g_clear_pointer (&w->txn, hy_store_transaction_free);
  w->pending = 0;
  return w->error == NULL;
}

/* The CPU time of the calling thread, in seconds (for the debug log). */
static double
thread_cpu_seconds (void)
{
  struct timespec now;

  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now) != 0)
    return 0;
  return now.tv_sec + now.tv_nsec / 1e9;
}

static gpointer
writer_thread (gpointer user_data)
{
  Writer *w = user_data;
  double cpu_start = thread_cpu_seconds ();

  while (TRUE)
    {
      WriterItem *item = g_async_queue_pop (w->items);
      ItemKind kind = item->kind;

      if (kind == ITEM_FLUSH || kind == ITEM_QUIT)
        {
          writer_commit (w);
          writer_item_free (item);
          if (kind == ITEM_QUIT)
            {
              w->writer_cpu = thread_cpu_seconds () - cpu_start;
              return NULL;
            }
          g_async_queue_push (w->replies, w->error != NULL ? g_error_copy (w->error)
                                                          : g_error_new_literal (G_IO_ERROR, 0, ""));
          continue;
        }
      if (item->raw != NULL)
        {
          g_mutex_lock (&w->lock);
          w->queued_bytes -= g_bytes_get_size (item->raw);
          g_cond_signal (&w->drained);
          g_mutex_unlock (&w->lock);
        }
      if (kind == ITEM_MESSAGES)
        {
          for (guint i = 0; i < item->messages->len && w->error == NULL; i++)
            {
              if (w->txn == NULL && (w->txn = hy_store_begin (w->store, &w->error)) != NULL)
                hy_store_transaction_defer_index (w->txn);  /* written right after, off the sync */
              if (w->error == NULL)
                hy_store_transaction_add_prepared (w->txn, g_ptr_array_index (item->messages, i), &w->error);
              if (w->error == NULL && ++w->pending >= w->commit_every)
                writer_commit (w);
            }
          /* Freeing them is left to the thread that made them, which has
           * time to spare; the writer has none. */
          g_async_queue_push (w->written, g_steal_pointer (&item->messages));
          writer_item_free (item);
          g_mutex_lock (&w->lock);
          w->queued_batches--;
          g_cond_signal (&w->drained);
          g_mutex_unlock (&w->lock);
          continue;
        }
      if (w->error == NULL && item->error != NULL)
        w->error = g_steal_pointer (&item->error);
      if (w->error == NULL && w->txn == NULL)
        w->txn = hy_store_begin (w->store, &w->error);
      if (w->error == NULL)
        hy_store_transaction_set_prepared_body (w->txn, item->body, &w->error);
      writer_item_free (item);
      if (w->error == NULL && ++w->pending >= w->commit_every)
        writer_commit (w);
    }
}

/* A worker: parses a body for its text and prepares it for the writer. */
static void
prepare_body (gpointer data,
              gpointer user_data)
{
  WriterItem *item = data;
  Writer *w = user_data;
  double cpu_start = thread_cpu_seconds ();
  HyMessage *parsed = hy_message_new_from_bytes (item->raw);

  item->body = hy_store_prepare_body (w->store, item->id, item->raw,
                                      parsed != NULL ? hy_message_get_text (parsed) : NULL,
                                      FALSE, &item->error);
  g_clear_object (&parsed);
  g_async_queue_push (w->items, item);
  g_mutex_lock (&w->lock);
  w->workers_cpu += thread_cpu_seconds () - cpu_start;
  if (--w->preparing == 0)
    g_cond_signal (&w->prepared);
  g_mutex_unlock (&w->lock);
}

static Writer *
writer_new (HyStore *store,
            guint    commit_every)
{
  Writer *w = g_new0 (Writer, 1);

  w->store = store;
  w->commit_every = commit_every;
  w->items = g_async_queue_new ();
  w->replies = g_async_queue_new ();
  w->written = g_async_queue_new_full ((GDestroyNotify) g_ptr_array_unref);
  g_mutex_init (&w->lock);
  g_cond_init (&w->drained);
  g_cond_init (&w->prepared);
  /* Not exclusive: the threads are GLib's shared ones, started on demand. */
  w->workers = g_thread_pool_new (prepare_body, w, CLAMP (g_get_num_processors (), 1, BODY_WORKERS), FALSE, NULL);
  w->thread = g_thread_new ("hy-store-writer", writer_thread, w);
  return w;
}

static void
writer_push (Writer    *w,
             ItemKind   kind,
             GPtrArray *messages,
             gint64     id,
             GBytes    *raw)
{
  WriterItem *item = g_new0 (WriterItem, 1);

  item->kind = kind;
  item->messages = messages;
  item->id = id;
  item->raw = raw != NULL ? g_bytes_ref (raw) : NULL;
  g_mutex_lock (&w->lock);
  if (raw != NULL)
    {
      /* Past the limit the network waits for the store: memory stays
       * bounded however far the server is ahead. */
      while (w->queued_bytes > WRITER_MAX_QUEUED)
        g_cond_wait (&w->drained, &w->lock);
      w->queued_bytes += g_bytes_get_size (raw);
    }
  if (kind == ITEM_MESSAGES)
    {
      while (w->queued_batches >= MAX_BATCHES)
        g_cond_wait (&w->drained, &w->lock);
      w->queued_batches++;
    }
  if (kind == ITEM_BODY)
    {
      w->preparing++;
      g_mutex_unlock (&w->lock);
      g_thread_pool_push (w->workers, item, NULL);
      return;
    }
  /* What comes after the bodies waits until they are all with the writer. */
  while (w->preparing > 0)
    g_cond_wait (&w->prepared, &w->lock);
  g_mutex_unlock (&w->lock);
  g_async_queue_push (w->items, item);
}

/* Commits what was pushed; FALSE with the first error of the writer. */
static gboolean
writer_flush (Writer  *w,
              GError **error)
{
  GError *reply;

  writer_push (w, ITEM_FLUSH, NULL, 0, NULL);
  reply = g_async_queue_pop (w->replies);
  if (reply->domain == G_IO_ERROR && reply->code == 0 && *reply->message == '\0')
    {
      g_error_free (reply);
      return TRUE;
    }
  g_propagate_error (error, reply);
  return FALSE;
}

/* Commits what was pushed and ends the thread. */
static gboolean
writer_finish (Writer  *w,
               GError **error)
{
  gboolean ok;

  writer_push (w, ITEM_QUIT, NULL, 0, NULL);
  g_thread_join (w->thread);
  g_thread_pool_free (w->workers, FALSE, TRUE);
  g_debug ("CPU time of the store writer: %.2f s; of the body workers: %.2f s", w->writer_cpu, w->workers_cpu);
  ok = w->error == NULL;
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&w->error));
  g_async_queue_unref (w->items);
  g_async_queue_unref (w->replies);
  g_async_queue_unref (w->written);
  g_mutex_clear (&w->lock);
  g_cond_clear (&w->drained);
  g_cond_clear (&w->prepared);
  g_free (w);
  return ok;
}

/* ---- one folder ------------------------------------------------------------ */

typedef struct {
  Writer    *writer;
  gint64     folder_id;
  guint32    start;       /* lowest UID wanted */
  guint      added;
  guint      unread;
  GPtrArray *batch;       /* prepared, not yet handed to the writer */
} NewData;

/* Hands the messages prepared so far to the writer, and frees those it
 * has written. */
static void
new_handover (NewData *data)
{
  GPtrArray *written;

  while ((written = g_async_queue_try_pop (data->writer->written)) != NULL)
    g_ptr_array_unref (written);
  if (data->batch == NULL || data->batch->len == 0)
    return;
  writer_push (data->writer, ITEM_MESSAGES, g_steal_pointer (&data->batch), 0, NULL);
}

static void
new_each (const HyImapFetchView *view,
          gpointer               user_data)
{
  NewData *data = user_data;
  HyStoreMessage *message;

  /* "UID n:*" also returns the last message when it is below n. */
  if (view->uid < data->start)
    return;
  message = message_from_view (view, data->folder_id);
  data->added++;
  if ((message->flags & (HY_STORE_FLAG_SEEN | HY_STORE_FLAG_DELETED)) == 0)
    data->unread++;
  /* Decoding and parsing the headers happens here, so that the writer
   * thread only writes. */
  if (data->batch == NULL)
    data->batch = g_ptr_array_new_full (MESSAGE_HANDOVER, (GDestroyNotify) hy_store_prepared_message_free);
  /* Above every UID stored for the folder: no need to look for it. */
  g_ptr_array_add (data->batch, prepare_message (message, view));
  hy_store_prepared_message_set_new (g_ptr_array_index (data->batch, data->batch->len - 1));
  if (data->batch->len >= MESSAGE_HANDOVER)
    new_handover (data);
}

typedef struct {
  HyStoreTransaction *txn;
  GHashTable         *by_uid;    /* uid -> HyStoreMessageState * */
  GHashTable         *pending;   /* uids with queued operations */
  GError             *error;
} FlagData;

static void
flag_each (HyImapFetch *fetch,
           gpointer     user_data)
{
  FlagData *data = user_data;
  HyStoreMessageState *state;
  g_autofree char *keywords = NULL;
  guint32 flags;

  if (data->error != NULL || !(fetch->items & HY_IMAP_FETCH_FLAGS))
    return;
  state = g_hash_table_lookup (data->by_uid, GUINT_TO_POINTER (fetch->uid));
  if (state == NULL || g_hash_table_contains (data->pending, GUINT_TO_POINTER (fetch->uid)))
    return;
  flags = parse_flags (fetch->flags, &keywords);
  /* set_flags writes only when something differs. */
  hy_store_transaction_set_flags (data->txn, state->id, flags, keywords, fetch->modseq, &data->error);
}

static gboolean
fetch_flags (HyImapClient  *client,
             HySyncWait    *wait,
             const char    *set,
             guint64        changed_since,
             FlagData      *data,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GPtrArray) unused = NULL;
  HyImapFetchItems items = HY_IMAP_FETCH_FLAGS;

  if (changed_since > 0)
    items |= HY_IMAP_FETCH_MODSEQ;
  hy_imap_client_fetch_async (client, set, items, NULL, changed_since, flag_each, data,
                              cancellable, hy_sync_wait_cb, wait);
  unused = hy_imap_client_fetch_finish (client, hy_sync_wait (wait), error);
  if (unused == NULL)
    return FALSE;
  if (data->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&data->error));
      return FALSE;
    }
  return TRUE;
}

static gboolean
remove_uids (HyStoreTransaction  *txn,
             GArray              *states,
             const guint32       *server_uids,
             guint                n_server,
             const GArray        *vanished,
             GError             **error)
{
  guint j = 0;

  for (guint i = 0; i < states->len; i++)
    {
      HyStoreMessageState *state = &g_array_index (states, HyStoreMessageState, i);
      gboolean gone;

      if (vanished != NULL)
        gone = hy_imap_seqset_contains ((HyImapRange *) (void *) vanished->data, vanished->len, state->uid);
      else
        {
          /* Both lists ascend. */
          while (j < n_server && server_uids[j] < state->uid)
            j++;
          gone = j >= n_server || server_uids[j] != state->uid;
        }
      if (gone && !hy_store_transaction_remove_message (txn, state->id, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
hy_imap_sync_folder (HyImapClient  *client,
                     HySyncWait    *wait,
                     HyStore       *store,
                     gint64         folder_id,
                     guint         *new_unread,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autoptr(HyStoreFolder) folder = NULL;
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(HyStoreTransaction) txn = NULL;
  g_autoptr(GArray) states = NULL;
  g_autoptr(GHashTable) pending = NULL;
  g_autoptr(GHashTable) by_uid = NULL;
  gboolean qresync = hy_imap_client_has_capability (client, "QRESYNC");
  gboolean condstore = qresync || hy_imap_client_has_capability (client, "CONDSTORE");
  gboolean first;
  guint32 start;
  g_autofree char *known_set = NULL;

  *new_unread = 0;
  folder = hy_store_get_folder (store, folder_id, error);
  if (folder == NULL)
    return FALSE;

  /* What the store knows of the folder. */
  if ((txn = hy_store_begin (store, error)) == NULL)
    return FALSE;
  states = hy_store_transaction_list_states (txn, folder_id, error);
  pending = states != NULL ? hy_store_transaction_pending_uids (txn, folder->name, error) : NULL;
  g_clear_pointer (&txn, hy_store_transaction_free);
  if (pending == NULL)
    return FALSE;

  if (qresync && folder->uidvalidity != 0 && folder->highestmodseq != 0 && states->len > 0)
    {
      g_autoptr(GArray) uids = g_array_sized_new (FALSE, FALSE, sizeof (guint32), states->len);

      for (guint i = 0; i < states->len; i++)
        g_array_append_val (uids, g_array_index (states, HyStoreMessageState, i).uid);
      known_set = uid_set ((guint32 *) (void *) uids->data, uids->len);
      hy_imap_client_select_async (client, folder->name, FALSE, folder->uidvalidity, folder->highestmodseq,
                                   known_set, cancellable, hy_sync_wait_cb, wait);
    }
  else
    hy_imap_client_select_async (client, folder->name, FALSE, 0, 0, NULL, cancellable, hy_sync_wait_cb, wait);
  selected = hy_imap_client_select_finish (client, hy_sync_wait (wait), error);
  if (selected == NULL)
    return FALSE;
  if (selected->highestmodseq == 0)
    qresync = condstore = FALSE;  /* NOMODSEQ */

  if ((txn = hy_store_begin (store, error)) == NULL)
    return FALSE;

  /* A new UIDVALIDITY: every UID the store knows means nothing now. */
  if (folder->uidvalidity != 0 && selected->uidvalidity != folder->uidvalidity)
    {
      g_message ("UIDVALIDITY of %s changed (%u -> %u): rebuilding it", folder->name,
                 folder->uidvalidity, selected->uidvalidity);
      if (!hy_store_transaction_clear_folder (txn, folder_id, error))
        return FALSE;
      folder->uidvalidity = 0;
      folder->uidnext = 0;
      folder->highestmodseq = 0;
      g_array_set_size (states, 0);
      qresync = FALSE;
    }
  first = folder->uidvalidity == 0;

  by_uid = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < states->len; i++)
    {
      HyStoreMessageState *state = &g_array_index (states, HyStoreMessageState, i);

      g_hash_table_insert (by_uid, GUINT_TO_POINTER (state->uid), state);
    }

  /* Expunges. */
  if (states->len > 0)
    {
      if (qresync && known_set != NULL)
        {
          if (selected->vanished->len > 0 &&
              !remove_uids (txn, states, NULL, 0, selected->vanished, error))
            return FALSE;
        }
      else if (!(selected->uidnext == folder->uidnext && selected->exists == states->len))
        {
          g_autoptr(HyImapSearch) search = NULL;
          guint32 last = g_array_index (states, HyStoreMessageState, states->len - 1).uid;
          g_autofree char *criteria = g_strdup_printf ("UID 1:%u", last);

          hy_imap_client_search_async (client, criteria, cancellable, hy_sync_wait_cb, wait);
          search = hy_imap_client_search_finish (client, hy_sync_wait (wait), error);
          if (search == NULL)
            return FALSE;
          if (!remove_uids (txn, states, (guint32 *) (void *) search->numbers->data, search->numbers->len,
                            NULL, error))
            return FALSE;
        }
    }

  /* Flags of the messages the store has. */
  if (states->len > 0)
    {
      FlagData flag_data = { txn, by_uid, pending, NULL };

      if (qresync && known_set != NULL)
        {
          for (guint i = 0; i < selected->changed->len; i++)
            {
              flag_each (g_ptr_array_index (selected->changed, i), &flag_data);
              if (flag_data.error != NULL)
                {
                  g_propagate_error (error, flag_data.error);
                  return FALSE;
                }
            }
        }
      else if (condstore && folder->highestmodseq != 0)
        {
          if (selected->highestmodseq != folder->highestmodseq)
            {
              guint32 last = g_array_index (states, HyStoreMessageState, states->len - 1).uid;
              g_autofree char *set = g_strdup_printf ("1:%u", last);

              if (!fetch_flags (client, wait, set, folder->highestmodseq, &flag_data, cancellable, error))
                return FALSE;
            }
        }
      else
        {
          for (guint i = 0; i < states->len; i += FLAG_BATCH)
            {
              guint32 low = g_array_index (states, HyStoreMessageState, i).uid;
              guint32 high = g_array_index (states, HyStoreMessageState, MIN (i + FLAG_BATCH, states->len) - 1).uid;
              g_autofree char *set = g_strdup_printf ("%u:%u", low, high);

              if (!fetch_flags (client, wait, set, 0, &flag_data, cancellable, error))
                return FALSE;
            }
        }
    }
  if (!hy_store_transaction_commit (txn, error))
    return FALSE;
  g_clear_pointer (&txn, hy_store_transaction_free);

  /* New messages. */
  start = MAX (folder->uidnext, 1);
  if (states->len > 0)
    start = MAX (start, g_array_index (states, HyStoreMessageState, states->len - 1).uid + 1);
  if (selected->exists > 0 && (selected->uidnext == 0 || selected->uidnext > start))
    {
      static const char * const sections[] = { REFERENCES_SECTION, NULL };
      g_autofree char *set = g_strdup_printf ("%u:*", start);
      g_autoptr(GPtrArray) unused = NULL;
      NewData data = { writer_new (store, COMMIT_EVERY), folder_id, start, 0, 0, NULL };
      HyImapFetchItems items = HY_IMAP_FETCH_FLAGS | HY_IMAP_FETCH_INTERNALDATE | HY_IMAP_FETCH_SIZE |
                               HY_IMAP_FETCH_ENVELOPE | HY_IMAP_FETCH_BODYSTRUCTURE | HY_IMAP_FETCH_SECTIONS;
      g_autoptr(GError) write_error = NULL;

      if (condstore)
        items |= HY_IMAP_FETCH_MODSEQ;
      hy_imap_client_fetch_views_async (client, set, items, sections, 0, new_each, &data,
                                        cancellable, hy_sync_wait_cb, wait);
      unused = hy_imap_client_fetch_finish (client, hy_sync_wait (wait), error);
      /* What arrived is kept, also after a dropped connection: the next
       * sync continues after it. */
      new_handover (&data);
      if (!writer_finish (data.writer, &write_error))
        {
          if (unused != NULL)
            g_propagate_error (error, g_steal_pointer (&write_error));
          return FALSE;
        }
      if (unused == NULL)
        return FALSE;
      if (!first)
        *new_unread = data.unread;
    }

  if (txn == NULL && (txn = hy_store_begin (store, error)) == NULL)
    return FALSE;
  if (!hy_store_transaction_set_folder_state (txn, folder_id, selected->uidvalidity,
                                              selected->uidnext, selected->highestmodseq, error))
    return FALSE;
  return hy_store_transaction_commit (txn, error);
}

/* ---- bodies ---------------------------------------------------------------- */

gboolean
hy_imap_sync_store_body (HyStore  *store,
                         gint64    message_id,
                         GBytes   *raw,
                         GError  **error)
{
  g_autoptr(HyMessage) parsed = hy_message_new_from_bytes (raw);
  g_autoptr(HyStoreTransaction) txn = hy_store_begin (store, error);

  if (txn == NULL)
    return FALSE;
  if (!hy_store_transaction_set_body (txn, message_id, raw, parsed != NULL ? hy_message_get_text (parsed) : NULL,
                                      error))
    return FALSE;
  return hy_store_transaction_commit (txn, error);
}

typedef struct {
  Writer     *writer;
  GHashTable *ids;      /* uid -> message id */
} BodyData;

/* A body read in place from the response: the one copy made of it goes
 * to the workers and the writer. */
static void
body_each (const HyImapFetchView *view,
           gpointer               user_data)
{
  BodyData *data = user_data;
  gpointer id;

  if (!g_hash_table_lookup_extended (data->ids, GUINT_TO_POINTER (view->uid), NULL, &id))
    return;
  for (guint i = 0; i < view->n_sections; i++)
    {
      const HyImapSectionView *section = &view->sections[i];
      g_autoptr(GBytes) raw = NULL;

      if (section->binary || section->origin >= 0 || *section->section != '\0' || section->data == NULL)
        continue;
      raw = g_bytes_new (section->data, section->len);
      writer_push (data->writer, ITEM_BODY, NULL, *(gint64 *) id, raw);
      return;
    }
}

static gboolean download_batches (HyImapClient *client, HySyncWait *wait, HyStore *store, HyStoreFolder *folder,
                                  Writer *writer, gint64 since, gboolean *selected_once_p,
                                  GCancellable *cancellable, GError **error);

gboolean
hy_imap_sync_download_bodies (HyImapClient  *client,
                              HySyncWait    *wait,
                              HyStore       *store,
                              gint64         folder_id,
                              gint64         since,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_autoptr(HyStoreFolder) folder = hy_store_get_folder (store, folder_id, error);
  gboolean selected_once = FALSE;
  Writer *writer;
  gboolean ok;

  if (folder == NULL)
    return FALSE;
  writer = writer_new (store, BODY_COMMIT);
  ok = download_batches (client, wait, store, folder, writer, since, &selected_once, cancellable, error);
  if (!writer_finish (writer, ok ? error : NULL))
    return FALSE;
  return ok;
}

static gboolean
download_batches (HyImapClient   *client,
                  HySyncWait     *wait,
                  HyStore        *store,
                  HyStoreFolder  *folder,
                  Writer         *writer,
                  gint64          since,
                  gboolean       *selected_once_p,
                  GCancellable   *cancellable,
                  GError        **error)
{
  static const char * const sections[] = { "", NULL };
  gint64 folder_id = folder->id;
  gboolean selected_once = *selected_once_p;

  while (TRUE)
    {
      g_autoptr(GArray) missing = NULL;
      g_autoptr(GHashTable) ids = NULL;
      BodyData data = { writer, NULL };

      {
        g_autoptr(HyStoreTransaction) txn = hy_store_begin (store, error);

        if (txn == NULL)
          return FALSE;
        missing = hy_store_transaction_list_missing_bodies (txn, folder_id, since, BODY_ROUND, error);
        if (missing == NULL)
          return FALSE;
      }
      if (missing->len == 0)
        return TRUE;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (!selected_once || g_strcmp0 (hy_imap_client_get_selected (client), folder->name) != 0)
        {
          g_autoptr(HyImapSelectResult) selected = NULL;

          if (!select_folder (client, wait, folder->name, TRUE, &selected, cancellable, error))
            return FALSE;
          if (selected->uidvalidity != folder->uidvalidity)
            return TRUE;  /* the next sync rebuilds the folder first */
          selected_once = TRUE;
          *selected_once_p = TRUE;
        }
      ids = g_hash_table_new (NULL, NULL);
      for (guint i = 0; i < missing->len; i++)
        {
          HyStoreMessageState *state = &g_array_index (missing, HyStoreMessageState, i);

          g_hash_table_insert (ids, GUINT_TO_POINTER (state->uid), &state->id);
        }
      data.ids = ids;

      /* Newest first, BODY_BATCH at a time; the writer stores one batch
       * while the next arrives, and is only waited for at the end. */
      for (guint first = 0; first < missing->len; first += BODY_BATCH)
        {
          guint n = MIN (BODY_BATCH, missing->len - first);
          g_autoptr(GArray) uids = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n);
          g_autoptr(GPtrArray) unused = NULL;
          g_autofree char *set = NULL;

          for (guint i = first; i < first + n; i++)
            g_array_append_val (uids, g_array_index (missing, HyStoreMessageState, i).uid);
          g_array_sort (uids, compare_uids);
          set = uid_set ((guint32 *) (void *) uids->data, uids->len);
          hy_imap_client_fetch_views_async (client, set, 0, sections, 0, body_each, &data,
                                            cancellable, hy_sync_wait_cb, wait);
          unused = hy_imap_client_fetch_finish (client, hy_sync_wait (wait), error);
          /* Keep what arrived, also when the connection dropped midway. */
          if (unused == NULL)
            {
              writer_flush (writer, NULL);
              return FALSE;
            }
        }
      if (!writer_flush (writer, error))
        return FALSE;

      /* Messages expunged meanwhile return nothing: drop them from the
       * next round by checking that progress was made. */
      {
        g_autoptr(HyStoreTransaction) txn = hy_store_begin (store, error);
        g_autoptr(GArray) again = NULL;

        if (txn == NULL)
          return FALSE;
        again = hy_store_transaction_list_missing_bodies (txn, folder_id, since, BODY_ROUND, error);
        if (again == NULL)
          return FALSE;
        if (again->len == 0)
          return TRUE;
        if (again->len == missing->len &&
            g_array_index (again, HyStoreMessageState, 0).id == g_array_index (missing, HyStoreMessageState, 0).id)
          return TRUE;
      }
    }
}

GBytes *
hy_imap_sync_fetch_body (HyImapClient  *client,
                         HySyncWait    *wait,
                         HyStore       *store,
                         gint64         message_id,
                         GCancellable  *cancellable,
                         GError       **error)
{
  static const char * const sections[] = { "", NULL };
  g_autoptr(HyStoreMessage) message = hy_store_get_message (store, message_id, error);
  g_autoptr(HyStoreFolder) folder = NULL;
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(GPtrArray) fetches = NULL;
  g_autofree char *set = NULL;
  const HyImapFetchSection *section;
  GBytes *raw;

  if (message == NULL)
    return NULL;
  if ((gint32) message->uid <= 0)
    {
      g_set_error (error, HY_STORE_ERROR, HY_STORE_ERROR_NOT_FOUND,
                   _ ("This message was moved offline; it can be read once the server has it."));
      return NULL;
    }
  folder = hy_store_get_folder (store, message->folder_id, error);
  if (folder == NULL)
    return NULL;
  if (!select_folder (client, wait, folder->name, TRUE, &selected, cancellable, error))
    return NULL;
  if (selected->uidvalidity != folder->uidvalidity)
    {
      g_set_error (error, HY_STORE_ERROR, HY_STORE_ERROR_NOT_FOUND,
                   _ ("The folder %s changed on the server; the message is no longer there."), folder->name);
      return NULL;
    }
  set = g_strdup_printf ("%u", message->uid);
  hy_imap_client_fetch_async (client, set, 0, sections, 0, NULL, NULL, cancellable, hy_sync_wait_cb, wait);
  fetches = hy_imap_client_fetch_finish (client, hy_sync_wait (wait), error);
  if (fetches == NULL)
    return NULL;
  section = NULL;
  for (guint i = 0; i < fetches->len && section == NULL; i++)
    {
      HyImapFetch *fetch = g_ptr_array_index (fetches, i);

      if (fetch->uid == message->uid)
        section = hy_imap_fetch_get_section (fetch, "");
    }
  if (section == NULL || section->data == NULL)
    {
      g_set_error (error, HY_STORE_ERROR, HY_STORE_ERROR_NOT_FOUND,
                   _ ("The message is no longer in %s on the server."), folder->name);
      return NULL;
    }
  raw = g_bytes_ref (section->data);
  if (!hy_imap_sync_store_body (store, message_id, raw, error))
    {
      g_bytes_unref (raw);
      return NULL;
    }
  return raw;
}
