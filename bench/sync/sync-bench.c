/* sync-bench.c — header sync and full offline sync of a big mailbox, against raw FETCH and mbsync
 *
 * Usage (inside the mail stack, after bench/sync/gen-mailbox.py):
 *   tests/fixtures/mailstack run -- sh -c \
 *     'bench/sync/gen-mailbox.py && _build/bench/sync/sync-bench [--rounds 3] [--mbsync]'
 *
 * Times, in the same run and over the same connection kind (IMAPS):
 *  1. raw: "UID FETCH 1:* (…)" with exactly the items the header sync asks
 *     for, read off the socket (lines and literals) without parsing;
 *  2. header sync: hy_imap_sync_folder() of the mailbox into a fresh store
 *     (envelopes, flags, threads), until every row is committed.  The FTS
 *     rows of subjects and addresses are not in this time: the store writes
 *     them right after, in its indexing pass (a search waits for it, so
 *     results stay exact); that pass is timed on its own and printed;
 *  3. full offline sync: header sync plus every body downloaded, parsed
 *     and indexed for full-text search, into a fresh store;
 *  4. with --mbsync: "mbsync -a" of the same mailbox into a fresh Maildir,
 *     configured as a user would (mbsync's defaults, which fsync every
 *     message); with --mbsync-nofsync also once more with "FSync no", to
 *     show how much of its time the disk takes.
 * mbsync is a benchmark tool here, not a build or test dependency:
 * "apt-get install isync" before using --mbsync.
 * Each is repeated --rounds times; medians are printed.  With each figure
 * of ours go the CPU seconds each side used: the benchmark process (all
 * its threads) and the server's imap processes.  --skip-header times only
 * the full sync (and mbsync), --skip-full only the raw FETCH and header sync.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-bench"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "imap/hy-imap-client.h"
#include "store/hy-store.h"
#include "store/hy-store-transaction.h"
#include "sync/hy-imap-sync.h"
#include "sync/hy-sync-wait.h"

#define ITEMS "UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE MODSEQ " \
              "BODY.PEEK[HEADER.FIELDS (REFERENCES)]"

static HySyncWait wait;

G_NORETURN static void
die (const char   *what,
     const GError *error)
{
  fprintf (stderr, "sync-bench: %s: %s\n", what, error != NULL ? error->message : "failed");
  exit (1);
}

static HyImapClient *
open_client (const char *mailbox)
{
  g_autoptr(HyConnection) conn = NULL;
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_auto(GStrv) enabled = NULL;
  static const char * const qresync[] = { "QRESYNC", NULL };

  conn = hy_connection_new (g_getenv ("HY_TEST_HOST"), atoi (g_getenv ("HY_TEST_IMAPS_PORT")), HY_NET_SECURITY_TLS);
  hy_connection_set_ca_file (conn, g_getenv ("HY_TEST_CA_FILE"));
  hy_connection_set_timeout (conn, 300);
  hy_connection_set_max_line_length (conn, 16 * 1024 * 1024);
  client = hy_imap_client_new (conn);
  hy_imap_client_connect_async (client, NULL, hy_sync_wait_cb, &wait);
  if (!hy_imap_client_connect_finish (client, hy_sync_wait (&wait), &error))
    die ("connect", error);
  hy_imap_client_login_async (client, g_getenv ("HY_TEST_ALICE_USER"), g_getenv ("HY_TEST_ALICE_PASSWORD"),
                              FALSE, NULL, hy_sync_wait_cb, &wait);
  if (!hy_imap_client_login_finish (client, hy_sync_wait (&wait), &error))
    die ("login", error);
  hy_imap_client_enable_async (client, qresync, NULL, hy_sync_wait_cb, &wait);
  enabled = hy_imap_client_enable_finish (client, hy_sync_wait (&wait), &error);
  if (enabled == NULL)
    die ("enable", error);
  if (mailbox != NULL)
    {
      hy_imap_client_select_async (client, mailbox, TRUE, 0, 0, NULL, NULL, hy_sync_wait_cb, &wait);
      selected = hy_imap_client_select_finish (client, hy_sync_wait (&wait), &error);
      if (selected == NULL)
        die ("select", error);
    }
  return g_steal_pointer (&client);
}

/* ---- CPU of each side ----------------------------------------------------- */

typedef struct {
  double client;  /* this process, every thread */
  double server;  /* the imap processes of the mail stack's Dovecot */
} Cpu;

static double
self_cpu (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

/* The Dovecot master started with the mail stack's configuration. */
static int
dovecot_master (void)
{
  static int master = -1;
  const char *config = g_getenv ("HY_TEST_DOVECOT_CONFIG");
  g_autoptr(GDir) proc = NULL;
  const char *name;

  if (master != -1 || config == NULL || (proc = g_dir_open ("/proc", 0, NULL)) == NULL)
    return MAX (master, 0);
  master = 0;
  while ((name = g_dir_read_name (proc)) != NULL && master == 0)
    {
      g_autofree char *path = g_strdup_printf ("/proc/%s/cmdline", name);
      g_autofree char *text = NULL;
      gsize len;

      if (!g_ascii_isdigit (*name) || !g_file_get_contents (path, &text, &len, NULL))
        continue;
      for (gsize i = 0; i + 1 < len; i++)
        if (text[i] == '\0')
          text[i] = ' ';
      if (strstr (text, "dovecot") != NULL && strstr (text, config) != NULL)
        master = atoi (name);
    }
  return master;
}

/* CPU seconds of each live imap process (children of the master), by PID. */
static GHashTable *
server_cpu (void)
{
  GHashTable *by_pid = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  int master = dovecot_master ();
  g_autoptr(GDir) proc = NULL;
  const char *name;

  if (master == 0 || (proc = g_dir_open ("/proc", 0, NULL)) == NULL)
    return by_pid;
  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/%s/stat", name);
      g_autofree char *text = NULL;
      g_auto(GStrv) fields = NULL;
      const char *paren;
      double *seconds;

      if (!g_ascii_isdigit (*name) || !g_file_get_contents (path, &text, NULL, NULL))
        continue;
      /* "pid (comm) state ppid … utime stime": fields after the comm. */
      paren = strrchr (text, ')');
      if (paren == NULL || !g_str_has_prefix (strchr (text, '('), "(imap)"))
        continue;
      fields = g_strsplit (paren + 2, " ", 0);
      if (g_strv_length (fields) < 13 || atoi (fields[1]) != master)
        continue;
      seconds = g_new (double, 1);
      *seconds = (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) / sysconf (_SC_CLK_TCK);
      g_hash_table_insert (by_pid, GINT_TO_POINTER (atoi (name)), seconds);
    }
  return by_pid;
}

typedef struct {
  double      client;
  GHashTable *server;
} CpuMark;

static CpuMark
cpu_now (void)
{
  return (CpuMark) { self_cpu (), server_cpu () };
}

/* What each side used since the mark; a server process that ended
 * meanwhile (a previous connection going away) does not count. */
static Cpu
cpu_since (CpuMark mark)
{
  g_autoptr(GHashTable) now = server_cpu ();
  Cpu used = { self_cpu () - mark.client, 0 };
  GHashTableIter iter;
  gpointer pid, seconds;

  g_hash_table_iter_init (&iter, now);
  while (g_hash_table_iter_next (&iter, &pid, &seconds))
    {
      double *before = g_hash_table_lookup (mark.server, pid);

      used.server += *(double *) seconds - (before != NULL ? *before : 0);
    }
  g_hash_table_unref (mark.server);
  return used;
}

/* ---- raw ----------------------------------------------------------------- */

static double
run_raw (HyConnection *conn,
         guint         round,
         guint        *count,
         guint64      *bytes,
         Cpu          *cpu)
{
  g_autofree char *tag = g_strdup_printf ("R%u", round);
  g_autofree char *command = g_strdup_printf ("%s UID FETCH 1:* (" ITEMS ")\r\n", tag);
  g_autofree char *done = g_strdup_printf ("%s OK", tag);
  g_autoptr(GError) error = NULL;
  CpuMark cpu_start = cpu_now ();
  gint64 start = g_get_monotonic_time ();

  *count = 0;
  *bytes = 0;
  hy_connection_write_string_async (conn, command, NULL, NULL, hy_sync_wait_cb, &wait);
  if (!hy_connection_write_finish (conn, hy_sync_wait (&wait), &error))
    die ("raw write", error);
  while (TRUE)
    {
      g_autofree char *line = NULL;
      const char *brace;
      gsize len;

      hy_connection_read_line_async (conn, NULL, hy_sync_wait_cb, &wait);
      line = hy_connection_read_line_finish (conn, hy_sync_wait (&wait), &len, &error);
      if (line == NULL)
        die ("raw read", error);
      *bytes += len + 2;
      if (g_str_has_prefix (line, "* ") && strstr (line, " FETCH (") != NULL)
        (*count)++;
      if (g_str_has_prefix (line, done))
        break;
      if (g_str_has_prefix (line, tag))
        die (line, NULL);
      /* A literal ends the line: read it, then the rest of the response. */
      while (len > 0 && line[len - 1] == '}' && (brace = strrchr (line, '{')) != NULL)
        {
          g_autoptr(GBytes) literal = NULL;
          guint64 size = g_ascii_strtoull (brace + 1, NULL, 10);

          hy_connection_read_bytes_async (conn, size, NULL, hy_sync_wait_cb, &wait);
          literal = hy_connection_read_bytes_finish (conn, hy_sync_wait (&wait), &error);
          if (literal == NULL)
            die ("raw literal", error);
          *bytes += size;
          g_free (line);
          hy_connection_read_line_async (conn, NULL, hy_sync_wait_cb, &wait);
          line = hy_connection_read_line_finish (conn, hy_sync_wait (&wait), &len, &error);
          if (line == NULL)
            die ("raw read", error);
          *bytes += len + 2;
        }
    }
  start = g_get_monotonic_time () - start;
  *cpu = cpu_since (cpu_start);
  return start / 1e6;
}

/* ---- the engine's sync ----------------------------------------------------- */

static HyStore *
fresh_store (const char *dir,
             const char *mailbox,
             gint64     *folder_id)
{
  g_autofree char *path = g_build_filename (dir, "store.db", NULL);
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'/store.db* '%s'/bodies", dir, dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStore) store = NULL;
  g_autoptr(HyStoreTransaction) txn = NULL;

  if (system (command) != 0)
    die ("cannot clear the store", NULL);
  store = hy_store_open (path, &error);
  if (store == NULL)
    die ("open the store", error);
  txn = hy_store_begin (store, &error);
  *folder_id = txn != NULL ? hy_store_transaction_add_folder (txn, mailbox, HY_FOLDER_ROLE_NONE, ".", &error) : 0;
  if (*folder_id == 0 || !hy_store_transaction_commit (txn, &error))
    die ("add the folder", error);
  return g_steal_pointer (&store);
}

static double
run_sync (const char *dir,
          const char *mailbox,
          gboolean    bodies,
          guint      *count,
          Cpu        *cpu,
          double     *index_time)
{
  g_autoptr(HyImapClient) client = open_client (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStore) store = NULL;
  g_autoptr(HyStoreFolder) folder = NULL;
  gint64 folder_id;
  guint new_unread;
  gint64 start;
  CpuMark cpu_start;

  store = fresh_store (dir, mailbox, &folder_id);
  cpu_start = cpu_now ();
  start = g_get_monotonic_time ();
  if (!hy_imap_sync_folder (client, &wait, store, folder_id, &new_unread, NULL, &error))
    die ("header sync", error);
  if (bodies && !hy_imap_sync_download_bodies (client, &wait, store, folder_id, 0, NULL, &error))
    die ("body download", error);
  start = g_get_monotonic_time () - start;
  *cpu = cpu_since (cpu_start);  /* while the server's process still lives */
  folder = hy_store_get_folder (store, folder_id, &error);
  *count = folder != NULL ? folder->total : 0;
  if (bodies)
    {
      /* The text was indexed: words only in bodies are found. */
      static const char * const words[] = { "migration", "报告", "附件", "quarter", NULL };

      for (guint i = 0; words[i] != NULL; i++)
        {
          g_autoptr(GArray) found = hy_store_search (store, words[i], &error);

          if (found == NULL)
            die ("search", error);
          if (found->len < *count / 4)
            {
              fprintf (stderr, "sync-bench: a search for %s found %u of %u messages\n", words[i], found->len, *count);
              exit (1);
            }
        }
    }
  if (index_time != NULL)
    {
      gint64 index_start = g_get_monotonic_time ();
      guint indexed;

      /* What a search would wait for if it came at once. */
      if (!hy_store_index_pending (store, &indexed, &error))
        die ("search index", error);
      *index_time = (g_get_monotonic_time () - index_start) / 1e6;
    }
  return start / 1e6;
}

/* ---- mbsync ---------------------------------------------------------------- */

static double
rusage_seconds (const struct rusage *usage)
{
  return usage->ru_utime.tv_sec + usage->ru_utime.tv_usec / 1e6
         + usage->ru_stime.tv_sec + usage->ru_stime.tv_usec / 1e6;
}

/* Times mbsync; its CPU seconds (user and system) go to @cpu. */
static double
run_mbsync (const char *dir,
            const char *mailbox,
            gboolean    fsync,
            double     *cpu)
{
  struct rusage before, after;
  g_autofree char *maildir = g_build_filename (dir, "mbsync", NULL);
  g_autofree char *config = g_build_filename (dir, "mbsyncrc", NULL);
  g_autofree char *clear = g_strdup_printf ("rm -rf '%s' && mkdir -p '%s'", maildir, maildir);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = { "mbsync", "-q", "-c", config, "-a", NULL };
  int status;
  gint64 start;

  text = g_strdup_printf ("%sIMAPAccount bench\nHost %s\nPort %s\nUser %s\nPass %s\nSSLType IMAPS\n"
                          "CertificateFile %s\n\n"
                          "IMAPStore remote\nAccount bench\n\n"
                          "MaildirStore local\nPath %s/\nInbox %s/INBOX\nSubFolders Verbatim\n\n"
                          "Channel bench\nFar :remote:\nNear :local:\nPatterns \"%s\"\nCreate Near\nSync Pull\n"
                          "SyncState *\n",
                          fsync ? "" : "FSync no\n\n", "localhost", g_getenv ("HY_TEST_IMAPS_PORT"), g_getenv ("HY_TEST_ALICE_USER"),
                          g_getenv ("HY_TEST_ALICE_PASSWORD"), g_getenv ("HY_TEST_CA_FILE"), maildir, maildir, mailbox);
  if (!g_file_set_contents (config, text, -1, &error))
    die ("write the mbsync configuration", error);
  if (system (clear) != 0)
    die ("cannot clear the Maildir", NULL);
  getrusage (RUSAGE_CHILDREN, &before);
  start = g_get_monotonic_time ();
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, &err, &status, &error))
    die ("run mbsync (apt-get install isync)", error);
  if (!g_spawn_check_wait_status (status, &error))
    {
      fprintf (stderr, "%s", err != NULL ? err : "");
      die ("mbsync", error);
    }
  start = g_get_monotonic_time () - start;
  getrusage (RUSAGE_CHILDREN, &after);
  *cpu = rusage_seconds (&after) - rusage_seconds (&before);
  return start / 1e6;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *values,
        int     n)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *mailbox = g_strdup ("bench");
  g_autofree char *dir = NULL;
  gboolean mbsync = FALSE;
  gboolean mbsync_nofsync = FALSE;
  gboolean skip_header = FALSE;
  gboolean skip_full = FALSE;
  int rounds = 3;
  GOptionEntry entries[] = {
    { "mailbox", 0, 0, G_OPTION_ARG_STRING, &mailbox, "Mailbox to sync (default bench)", "MBOX" },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Timed rounds of each kind (default 3)", "N" },
    { "mbsync", 0, 0, G_OPTION_ARG_NONE, &mbsync, "Also time mbsync's full sync", NULL },
    { "mbsync-nofsync", 0, 0, G_OPTION_ARG_NONE, &mbsync_nofsync, "With --mbsync, also time it with FSync no", NULL },
    { "skip-full", 0, 0, G_OPTION_ARG_NONE, &skip_full, "Only the header sync", NULL },
    { "skip-header", 0, 0, G_OPTION_ARG_NONE, &skip_header, "Only the full sync", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— sync benchmark");
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapClient) raw_client = NULL;
  g_autofree double *raw = NULL;
  g_autofree double *headers = NULL;
  g_autofree double *indexing = NULL;
  g_autofree double *full = NULL;
  g_autofree double *mb = NULL;
  g_autofree double *mb_nofsync = NULL;
  g_autofree double *mb_cpu = NULL, *mb_nofsync_cpu = NULL;
  guint count = 0, synced = 0;
  guint64 bytes = 0;
  Cpu cpu;
  g_autofree double *raw_client_cpu = NULL, *raw_server_cpu = NULL;
  g_autofree double *sync_client_cpu = NULL, *sync_server_cpu = NULL;
  g_autofree double *full_client_cpu = NULL, *full_server_cpu = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    die ("options", error);
  if (g_getenv ("HY_TEST_HOST") == NULL)
    {
      fprintf (stderr, "sync-bench: run inside the mail stack (tests/fixtures/mailstack run -- …)\n");
      return 2;
    }
  rounds = CLAMP (rounds, 1, 20);
  g_mime_init ();
  hy_sync_wait_init (&wait);
  dir = g_dir_make_tmp ("hy-sync-bench-XXXXXX", &error);
  if (dir == NULL)
    die ("temporary directory", error);

  raw_client = open_client (mailbox);
  raw = g_new0 (double, rounds);
  headers = g_new0 (double, rounds);
  indexing = g_new0 (double, rounds);
  full = g_new0 (double, rounds);
  mb = g_new0 (double, rounds);
  mb_nofsync = g_new0 (double, rounds);
  mb_cpu = g_new0 (double, rounds);
  mb_nofsync_cpu = g_new0 (double, rounds);
  raw_client_cpu = g_new0 (double, rounds);
  raw_server_cpu = g_new0 (double, rounds);
  sync_client_cpu = g_new0 (double, rounds);
  sync_server_cpu = g_new0 (double, rounds);
  full_client_cpu = g_new0 (double, rounds);
  full_server_cpu = g_new0 (double, rounds);
  mbsync_nofsync = mbsync && mbsync_nofsync;

  /* Warm the server's caches once. */
  run_raw (hy_imap_client_get_connection (raw_client), 0, &count, &bytes, &cpu);
  for (int i = 0; i < rounds && !skip_header; i++)
    {
      raw[i] = run_raw (hy_imap_client_get_connection (raw_client), i + 1, &count, &bytes, &cpu);
      raw_client_cpu[i] = cpu.client;
      raw_server_cpu[i] = cpu.server;
      headers[i] = run_sync (dir, mailbox, FALSE, &synced, &cpu, &indexing[i]);
      sync_client_cpu[i] = cpu.client;
      sync_server_cpu[i] = cpu.server;
      fprintf (stderr, "round %d: raw FETCH %.3f s (CPU client %.2f s, server %.2f s), "
               "header sync %.3f s (CPU client %.2f s, server %.2f s) (%u messages), "
               "then search index %.3f s\n",
               i + 1, raw[i], raw_client_cpu[i], raw_server_cpu[i],
               headers[i], sync_client_cpu[i], sync_server_cpu[i], synced, indexing[i]);
    }
  printf ("messages: %u (raw response %.1f MB)\n", count, bytes / 1e6);
  if (!skip_header)
    {
      printf ("raw FETCH of the header items (median of %d): %.3f s\n", rounds, median (raw, rounds));
      printf ("header sync into the store (median of %d): %.3f s\n", rounds, median (headers, rounds));
      printf ("ratio header sync / raw FETCH: %.2f\n", median (headers, rounds) / median (raw, rounds));
      printf ("CPU of raw FETCH (median): client %.2f s, server %.2f s\n",
              median (raw_client_cpu, rounds), median (raw_server_cpu, rounds));
      printf ("CPU of header sync (median): client %.2f s, server %.2f s\n",
              median (sync_client_cpu, rounds), median (sync_server_cpu, rounds));
      printf ("search index of subjects and addresses, written after the header sync (median of %d): %.3f s\n",
              rounds, median (indexing, rounds));
    }

  if (!skip_full)
    {
      for (int i = 0; i < rounds; i++)
        {
          full[i] = run_sync (dir, mailbox, TRUE, &synced, &cpu, NULL);
          full_client_cpu[i] = cpu.client;
          full_server_cpu[i] = cpu.server;
          if (mbsync)
            mb[i] = run_mbsync (dir, mailbox, TRUE, &mb_cpu[i]);
          if (mbsync_nofsync)
            mb_nofsync[i] = run_mbsync (dir, mailbox, FALSE, &mb_nofsync_cpu[i]);
          fprintf (stderr, "round %d: full offline sync %.3f s (CPU client %.2f s, server %.2f s)%s",
                   i + 1, full[i], full_client_cpu[i], full_server_cpu[i], mbsync ? "" : "\n");
          if (mbsync)
            fprintf (stderr, ", mbsync %.3f s (CPU %.2f s)", mb[i], mb_cpu[i]);
          if (mbsync_nofsync)
            fprintf (stderr, ", mbsync with FSync no %.3f s (CPU %.2f s)", mb_nofsync[i], mb_nofsync_cpu[i]);
          if (mbsync)
            fprintf (stderr, "\n");
        }
      printf ("full offline sync, bodies and index (median of %d): %.3f s\n", rounds, median (full, rounds));
      printf ("CPU of full offline sync (median): client %.2f s, server %.2f s\n",
              median (full_client_cpu, rounds), median (full_server_cpu, rounds));
      if (mbsync)
        {
          printf ("mbsync -a of the same mailbox (median of %d): %.3f s (CPU %.2f s)\n",
                  rounds, median (mb, rounds), median (mb_cpu, rounds));
          printf ("ratio full sync / mbsync: %.2f\n", median (full, rounds) / median (mb, rounds));
        }
      if (mbsync_nofsync)
        {
          printf ("mbsync -a with FSync no (median of %d): %.3f s (CPU %.2f s)\n",
                  rounds, median (mb_nofsync, rounds), median (mb_nofsync_cpu, rounds));
          printf ("ratio full sync / mbsync with FSync no: %.2f\n",
                  median (full, rounds) / median (mb_nofsync, rounds));
        }
    }

  {
    g_autofree char *command = g_strdup_printf ("rm -rf '%s'", dir);

    if (system (command) != 0)
      fprintf (stderr, "sync-bench: could not remove %s\n", dir);
  }
  return 0;
}
