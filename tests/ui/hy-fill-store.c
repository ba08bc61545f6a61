/* hy-fill-store.c — fills an account's offline store with messages for UI tests and benchmarks
 *
 *   hy-fill-store STORE --manifest DIR    the messages of DIR/MANIFEST (tests/fixtures/demo)
 *   hy-fill-store STORE --generate N [FOLDER]   N generated messages in FOLDER (default "Large")
 *
 * The store is what a sync would have written: folders with roles, headers,
 * flags, previews and bodies (indexed for search).  UIDs follow file order.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-bench"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gmime/gmime.h>

#include "account/hy-folder-role.h"
#include "mime/hy-address.h"
#include "mime/hy-message.h"
#include "store/hy-store.h"
#include "store/hy-store-transaction.h"

static char *
join_addresses (GPtrArray *list)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      g_autofree char *one = hy_address_to_display (list->pdata[i]);

      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append (out, one);
    }
  return g_string_free (out, FALSE);
}

static guint32
parse_flags (const char *letters)
{
  guint32 flags = 0;

  for (const char *p = letters; *p != '\0'; p++)
    switch (*p)
      {
      case 'S': flags |= HY_STORE_FLAG_SEEN; break;
      case 'F': flags |= HY_STORE_FLAG_FLAGGED; break;
      case 'R': flags |= HY_STORE_FLAG_ANSWERED; break;
      default: break;
      }
  return flags;
}

static gint64
folder_for (HyStoreTransaction *txn,
            GHashTable         *folders,
            const char         *name)
{
  gpointer id = g_hash_table_lookup (folders, name);
  HyFolderRole role;
  gint64 new_id;

  if (id != NULL)
    return GPOINTER_TO_SIZE (id);
  role = g_ascii_strcasecmp (name, "INBOX") == 0 ? HY_FOLDER_ROLE_INBOX
         : hy_folder_role_guess_from_name (name, '/');
  new_id = hy_store_transaction_add_folder (txn, name, role, "/", NULL);
  g_assert_true (new_id > 0);
  hy_store_transaction_set_folder_state (txn, new_id, 1, 1, 0, NULL);
  g_hash_table_insert (folders, g_strdup (name), GSIZE_TO_POINTER (new_id));
  return new_id;
}

static int
fill_from_manifest (HyStore    *store,
                    const char *dir)
{
  g_autofree char *manifest_path = g_build_filename (dir, "MANIFEST", NULL);
  g_autofree char *manifest = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GHashTable) folders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) uids = g_hash_table_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  HyStoreTransaction *txn;
  guint count = 0;

  if (!g_file_get_contents (manifest_path, &manifest, NULL, &error))
    {
      fprintf (stderr, "hy-fill-store: %s\n", error->message);
      return 1;
    }
  txn = hy_store_begin (store, &error);
  g_assert_no_error (error);

  /* The standard folders exist even when empty. */
  folder_for (txn, folders, "INBOX");
  folder_for (txn, folders, "Drafts");
  folder_for (txn, folders, "Sent");
  folder_for (txn, folders, "Archive");
  folder_for (txn, folders, "Junk");
  folder_for (txn, folders, "Trash");

  lines = g_strsplit (manifest, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = NULL;
      g_autofree char *path = NULL;
      g_autofree char *raw = NULL;
      gsize raw_len;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(HyMessage) message = NULL;
      g_autoptr(HyStoreMessage) m = NULL;
      GDateTime *date;
      const char *text;
      gint64 folder_id;
      guint uid;

      g_strstrip (lines[i]);
      if (lines[i][0] == '\0' || lines[i][0] == '#')
        continue;
      fields = g_strsplit_set (lines[i], " \t", -1);
      {
        /* Drop the empty fields of repeated blanks. */
        guint k = 0;

        for (guint j = 0; fields[j] != NULL; j++)
          if (fields[j][0] != '\0')
            fields[k++] = fields[j];
          else
            g_free (fields[j]);
        fields[k] = NULL;
        if (k < 3)
          continue;
      }

      path = g_build_filename (dir, fields[0], NULL);
      if (!g_file_get_contents (path, &raw, &raw_len, &error))
        {
          fprintf (stderr, "hy-fill-store: %s\n", error->message);
          return 1;
        }
      bytes = g_bytes_new_take (g_steal_pointer (&raw), raw_len);
      message = hy_message_new_from_bytes (bytes);
      folder_id = folder_for (txn, folders, fields[1]);
      uid = GPOINTER_TO_UINT (g_hash_table_lookup (uids, GSIZE_TO_POINTER (folder_id))) + 1;
      g_hash_table_insert (uids, GSIZE_TO_POINTER (folder_id), GUINT_TO_POINTER (uid));

      m = hy_store_message_new ();
      m->folder_id = folder_id;
      m->uid = uid;
      m->flags = parse_flags (fields[2]);
      date = hy_message_get_date (message);
      m->date = date != NULL ? g_date_time_to_unix (date) : 0;
      m->received = m->date;
      m->size = raw_len;
      m->message_id = g_strdup (hy_message_get_message_id (message));
      m->in_reply_to = g_strdup (hy_message_get_in_reply_to (message));
      if (hy_message_get_references (message) != NULL)
        {
          g_autoptr(GString) refs = g_string_new (NULL);

          for (const char * const *r = hy_message_get_references (message); *r != NULL; r++)
            g_string_append_printf (refs, "%s<%s>", refs->len ? " " : "", *r);
          m->references = g_strdup (refs->str);
        }
      m->subject = g_strdup (hy_message_get_subject (message));
      m->from = join_addresses (hy_message_get_from (message));
      m->to = join_addresses (hy_message_get_to (message));
      m->cc = join_addresses (hy_message_get_cc (message));
      m->has_attachment = hy_message_get_attachments (message)->len > 0;
      text = hy_message_get_text (message);
      if (text != NULL)
        {
          g_autofree char *flat = g_strndup (text, 400);

          g_strdelimit (flat, "\r\n\t", ' ');
          m->preview = g_utf8_make_valid (flat, -1);
        }
      if (hy_store_transaction_add_message (txn, m, &error) == 0
          || !hy_store_transaction_set_body (txn, m->id, bytes, text, &error))
        {
          fprintf (stderr, "hy-fill-store: %s: %s\n", fields[0], error->message);
          return 1;
        }
      count++;
    }

  if (!hy_store_transaction_commit (txn, &error))
    {
      fprintf (stderr, "hy-fill-store: %s\n", error->message);
      return 1;
    }
  hy_store_transaction_free (txn);
  printf ("%u messages\n", count);
  return 0;
}

static const char * const senders[] = {
  "Ada Lovelace", "Grace Hopper", "Linus Pauling", "Marie Curie", "王小明", "李娜", "Zhang Wei",
  "Katherine Johnson", "Alan Turing", "Hedy Lamarr", "陈静", "Barbara Liskov",
};
static const char * const words[] = {
  "meeting", "report", "budget", "project", "review", "release", "invoice", "schedule", "draft",
  "会议", "报告", "项目", "季度", "预算", "travel", "lunch", "update", "question", "design",
};

static int
generate (HyStore    *store,
          guint       n,
          const char *folder)
{
  g_autoptr(GError) error = NULL;
  HyStoreTransaction *txn;
  g_autoptr(GHashTable) folders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 folder_id;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  GRand *rand = g_rand_new_with_seed (42);
  const guint batch = 5000;

  for (guint done = 0; done < n; done += batch)
    {
      txn = hy_store_begin (store, &error);
      g_assert_no_error (error);
      folder_id = folder_for (txn, folders, folder);
      for (guint i = done; i < MIN (n, done + batch); i++)
        {
          g_autoptr(HyStoreMessage) m = hy_store_message_new ();
          const char *sender = senders[g_rand_int_range (rand, 0, G_N_ELEMENTS (senders))];
          GString *subject = g_string_new (NULL);

          for (int w = 0; w < 5; w++)
            g_string_append_printf (subject, "%s%s", w ? " " : "",
                                    words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))]);
          m->folder_id = folder_id;
          m->uid = i + 1;
          m->flags = g_rand_int_range (rand, 0, 10) < 8 ? HY_STORE_FLAG_SEEN : 0;
          m->date = now - (gint64) (n - i) * 600;
          m->received = m->date;
          m->size = 4000;
          m->message_id = g_strdup_printf ("gen-%u@example.org", i);
          m->subject = g_string_free (subject, FALSE);
          m->from = g_strdup_printf ("\"%s\" <user%u@example.org>", sender, i % 97);
          m->to = g_strdup ("alice@example.org");
          m->has_attachment = i % 13 == 0;
          m->preview = g_strdup_printf ("Message number %u, written to fill a large folder.", i);
          if (hy_store_transaction_add_message (txn, m, &error) == 0)
            {
              fprintf (stderr, "hy-fill-store: %s\n", error->message);
              return 1;
            }
        }
      if (!hy_store_transaction_commit (txn, &error))
        {
          fprintf (stderr, "hy-fill-store: %s\n", error->message);
          return 1;
        }
      hy_store_transaction_free (txn);
    }
  g_rand_free (rand);
  printf ("%u messages\n", n);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(HyStore) store = NULL;
  g_autoptr(GError) error = NULL;

  if (argc < 4 || argc > 5 || (strcmp (argv[2], "--manifest") != 0 && strcmp (argv[2], "--generate") != 0)
      || (argc == 5 && strcmp (argv[2], "--generate") != 0))
    {
      fprintf (stderr, "usage: hy-fill-store STORE --manifest DIR | --generate N [FOLDER]\n");
      return 2;
    }

  g_mime_init ();
  store = hy_store_open (argv[1], &error);
  if (store == NULL)
    {
      fprintf (stderr, "hy-fill-store: %s\n", error->message);
      return 1;
    }
  if (strcmp (argv[2], "--manifest") == 0)
    return fill_from_manifest (store, argv[3]);
  return generate (store, (guint) strtoul (argv[3], NULL, 10), argc == 5 ? argv[4] : "Large");
}
