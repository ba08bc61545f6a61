/* imap-fetch-bench.c — time a FETCH of every message's summary into typed
 * values against a raw read of the same response over the same TLS connection
 *
 * Usage (inside the mail stack, after imap-fill-mailbox.py):
 *   imap-fetch-bench [--mailbox bench] [--rounds 5] [--security tls|starttls]
 *
 * Logs in as alice, selects the mailbox and runs, in alternation, ROUNDS
 * times each:
 *   raw:   "UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE
 *          BODYSTRUCTURE)" written and read back line by line (literals by
 *          their length) until the tagged OK, without parsing: the limit
 *          for any client on this connection;
 *   typed: the same FETCH through hy_imap_client_fetch_async(), every
 *          response parsed into HyImapFetch values (envelope, body
 *          structure, flags, dates) and kept in memory.
 * A first untimed round warms the server's cache.  Prints the median of
 * each, the ratio typed / raw, and the client's own CPU time for each (the
 * wall-clock time includes the server's work, which a shared machine makes
 * noisy).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-bench"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "imap/hy-imap-client.h"
#include "net/hy-net-error.h"

#define ITEMS "UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE"

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
wait_result (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
}

static void
die (const char *what,
     GError     *error)
{
  fprintf (stderr, "imap-fetch-bench: %s: %s\n", what, error != NULL ? error->message : "failed");
  exit (1);
}

/* ---- raw read ------------------------------------------------------------ */

typedef struct {
  HyConnection *conn;
  const char   *tag;
  gsize         tag_len;
  guint64       bytes;
  guint         lines;
  gboolean      done;
  GError       *error;
} Raw;

static void raw_next (Raw *raw);

static void
raw_bytes_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Raw *raw = data;
  g_autoptr(GBytes) bytes = hy_connection_read_bytes_finish (raw->conn, result, &raw->error);

  if (bytes == NULL)
    {
      raw->done = TRUE;
      return;
    }
  raw->bytes += g_bytes_get_size (bytes);
  raw_next (raw);
}

/* Returns FALSE when it started an asynchronous read. */
static gboolean
raw_line (Raw        *raw,
          const char *line,
          gsize       len)
{
  guint64 literal;

  raw->bytes += len + 2;
  raw->lines++;
  if (hy_imap_line_literal ((const guint8 *) line, len, &literal) && literal > 0)
    {
      hy_connection_read_bytes_async (raw->conn, literal, NULL, raw_bytes_cb, raw);
      return FALSE;
    }
  if (len > raw->tag_len && strncmp (line, raw->tag, raw->tag_len) == 0 && line[raw->tag_len] == ' ')
    raw->done = TRUE;
  return TRUE;
}

static void
raw_line_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Raw *raw = data;
  gsize len = 0;
  g_autofree char *line = hy_connection_read_line_finish (raw->conn, result, &len, &raw->error);

  if (line == NULL)
    {
      raw->done = TRUE;
      return;
    }
  if (raw_line (raw, line, len) && !raw->done)
    raw_next (raw);
}

static void
raw_next (Raw *raw)
{
  for (;;)
    {
      gsize len = 0;
      g_autofree char *line = hy_connection_read_line_buffered (raw->conn, &len, &raw->error);

      if (line == NULL)
        {
          if (raw->error != NULL)
            raw->done = TRUE;
          else
            hy_connection_read_line_async (raw->conn, NULL, raw_line_cb, raw);
          return;
        }
      if (!raw_line (raw, line, len) || raw->done)
        return;
    }
}

static double
run_raw (HyConnection *conn,
         guint         round,
         guint64      *bytes)
{
  g_autofree char *tag = g_strdup_printf ("R%u", round);
  g_autofree char *command = g_strdup_printf ("%s UID FETCH 1:* (" ITEMS ")\r\n", tag);
  g_autoptr(GAsyncResult) written = NULL;
  g_autoptr(GError) error = NULL;
  Raw raw = { conn, tag, strlen (tag), 0, 0, FALSE, NULL };
  gint64 start = g_get_monotonic_time ();

  hy_connection_write_string_async (conn, command, NULL, NULL, store_result, &written);
  wait_result (&written);
  if (!hy_connection_write_finish (conn, written, &error))
    die ("raw write", error);
  raw_next (&raw);
  while (!raw.done)
    g_main_context_iteration (NULL, TRUE);
  if (raw.error != NULL)
    die ("raw read", raw.error);
  *bytes = raw.bytes;
  return (g_get_monotonic_time () - start) / 1e6;
}

/* ---- typed --------------------------------------------------------------- */

static double
run_typed (HyImapClient *client,
           guint        *count)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) fetches = NULL;
  gint64 start = g_get_monotonic_time ();
  double seconds;

  hy_imap_client_fetch_async (client, "1:*",
                              HY_IMAP_FETCH_FLAGS | HY_IMAP_FETCH_INTERNALDATE | HY_IMAP_FETCH_SIZE |
                              HY_IMAP_FETCH_ENVELOPE | HY_IMAP_FETCH_BODYSTRUCTURE,
                              NULL, 0, NULL, NULL, NULL, store_result, &result);
  wait_result (&result);
  fetches = hy_imap_client_fetch_finish (client, result, &error);
  if (fetches == NULL)
    die ("typed fetch", error);
  seconds = (g_get_monotonic_time () - start) / 1e6;

  /* every message really was parsed into typed values */
  for (guint i = 0; i < fetches->len; i++)
    {
      HyImapFetch *f = fetches->pdata[i];

      if (f->envelope == NULL || f->body == NULL || f->internaldate == NULL || f->uid == 0)
        die ("typed fetch: a message without envelope, body structure, date or UID", NULL);
    }
  *count = fetches->len;
  return seconds;
}

/* CPU time of this process (user + system), in seconds */
static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
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
        guint   n)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *mailbox = g_strdup ("bench");
  g_autofree char *security_name = g_strdup ("tls");
  int rounds = 5;
  GOptionEntry entries[] = {
    { "mailbox", 0, 0, G_OPTION_ARG_STRING, &mailbox, "Mailbox to fetch", "MBOX" },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Timed rounds of each kind", "N" },
    { "security", 0, 0, G_OPTION_ARG_STRING, &security_name, "tls or starttls", "MODE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— IMAP FETCH benchmark");
  g_autoptr(GError) error = NULL;
  g_autoptr(HyConnection) conn = NULL;
  g_autoptr(HyImapClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autofree double *raw_times = NULL;
  g_autofree double *typed_times = NULL;
  g_autofree double *raw_cpu = NULL;
  g_autofree double *typed_cpu = NULL;
  HyNetSecurity security;
  guint64 bytes = 0;
  guint count = 0;
  double raw_median, typed_median;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    die ("options", error);
  if (g_getenv ("HY_TEST_HOST") == NULL)
    {
      fprintf (stderr, "imap-fetch-bench: run inside the mail stack (tests/fixtures/mailstack run -- …)\n");
      return 2;
    }
  if (!hy_net_security_from_string (security_name, &security) || security == HY_NET_SECURITY_NONE)
    {
      fprintf (stderr, "imap-fetch-bench: --security must be tls or starttls\n");
      return 2;
    }
  rounds = CLAMP (rounds, 1, 100);

  conn = hy_connection_new (g_getenv ("HY_TEST_HOST"),
                            atoi (g_getenv (security == HY_NET_SECURITY_TLS ? "HY_TEST_IMAPS_PORT" : "HY_TEST_IMAP_PORT")),
                            security);
  hy_connection_set_ca_file (conn, g_getenv ("HY_TEST_CA_FILE"));
  hy_connection_set_timeout (conn, 300);
  hy_connection_set_max_line_length (conn, 16 * 1024 * 1024);
  client = hy_imap_client_new (conn);

  hy_imap_client_connect_async (client, NULL, store_result, &result);
  wait_result (&result);
  if (!hy_imap_client_connect_finish (client, result, &error))
    die ("connect", error);
  g_clear_object (&result);
  hy_imap_client_login_async (client, g_getenv ("HY_TEST_ALICE_USER"), g_getenv ("HY_TEST_ALICE_PASSWORD"),
                              FALSE, NULL, store_result, &result);
  wait_result (&result);
  if (!hy_imap_client_login_finish (client, result, &error))
    die ("login", error);
  g_clear_object (&result);
  hy_imap_client_select_async (client, mailbox, TRUE, 0, 0, NULL, NULL, store_result, &result);
  wait_result (&result);
  selected = hy_imap_client_select_finish (client, result, &error);
  if (selected == NULL)
    die ("select", error);

  /* warm the server's cache */
  run_typed (client, &count);

  raw_times = g_new0 (double, rounds);
  typed_times = g_new0 (double, rounds);
  raw_cpu = g_new0 (double, rounds);
  typed_cpu = g_new0 (double, rounds);
  for (int i = 0; i < rounds; i++)
    {
      double cpu = cpu_seconds ();

      raw_times[i] = run_raw (conn, i, &bytes);
      raw_cpu[i] = cpu_seconds () - cpu;
      cpu = cpu_seconds ();
      typed_times[i] = run_typed (client, &count);
      typed_cpu[i] = cpu_seconds () - cpu;
      fprintf (stderr, "round %d: raw %.3f s (cpu %.3f s), typed %.3f s (cpu %.3f s)\n",
               i + 1, raw_times[i], raw_cpu[i], typed_times[i], typed_cpu[i]);
    }
  raw_median = median (raw_times, rounds);
  typed_median = median (typed_times, rounds);

  printf ("messages: %u\nresponse bytes: %" G_GUINT64_FORMAT "\n", count, bytes);
  printf ("raw read (median of %d): %.3f s\n", rounds, raw_median);
  printf ("typed FETCH (median of %d): %.3f s\n", rounds, typed_median);
  printf ("ratio typed/raw: %.2f\n", typed_median / raw_median);
  printf ("client CPU (median): raw %.3f s, typed %.3f s\n", median (raw_cpu, rounds), median (typed_cpu, rounds));
  return 0;
}
