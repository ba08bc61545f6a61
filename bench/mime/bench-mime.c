/* bench-mime.c — parse throughput of the message model against GMime alone
 *
 * Usage: bench-mime CORPUS_DIR [ROUNDS [gmime|model|defects]]
 *
 * Loads every file of CORPUS_DIR into memory, then times, over the same
 * bytes, (a) GMime alone: a parser over a memory stream constructing the
 * message, and (b) the model: HyMessage from the same bytes, plus the
 * reader's body text (decoded to UTF-8) and the attachment list (names and
 * types). Each is run ROUNDS times (default 5), alternating; the best round
 * counts. Times are the process's CPU time, so that other work on a shared
 * machine disturbs the figures less. Prints MB/s and messages/s for both
 * and the model's overhead. With a third argument only one side runs;
 * "defects" runs the model and also asks each message for its defect list,
 * which parses the message a second time with GMime's checks on (the
 * model skips them until a caller asks).
 *
 * On a busy machine CPU time still swings by tens of percent; instruction
 * counts do not. To compare those:
 *   valgrind --tool=callgrind --callgrind-out-file=cg.out bench-mime DIR 1
 *   callgrind_annotate --inclusive=yes cg.out | grep -E 'run_(gmime|model)' 
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-bench"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gmime/gmime.h>

#include "mime/hy-message.h"

static double
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static GPtrArray *
load_corpus (const char *path,
             gsize      *total)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (path, 0, &error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *corpus = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  const char *name;

  if (dir == NULL)
    {
      fprintf (stderr, "bench-mime: cannot open the corpus: %s\n", error->message);
      exit (1);
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);

  *total = 0;
  for (guint i = 0; i < names->len; i++)
    {
      char *data = NULL;
      gsize len = 0;

      if (!g_file_get_contents (g_ptr_array_index (names, i), &data, &len, NULL))
        continue;
      g_ptr_array_add (corpus, g_bytes_new_take (data, len));
      *total += len;
    }
  return corpus;
}

static double
run_gmime (GPtrArray *corpus)
{
  double start = cpu_seconds ();

  for (guint i = 0; i < corpus->len; i++)
    {
      GBytes *bytes = g_ptr_array_index (corpus, i);
      gsize len = 0;
      const char *data = g_bytes_get_data (bytes, &len);
      GMimeStream *stream = g_mime_stream_mem_new_with_buffer (data, len);
      GMimeParser *parser = g_mime_parser_new_with_stream (stream);
      GMimeMessage *message = g_mime_parser_construct_message (parser, NULL);

      g_clear_object (&message);
      g_object_unref (parser);
      g_object_unref (stream);
    }
  return cpu_seconds () - start;
}

static double
run_model (GPtrArray *corpus,
           gboolean   defects,
           guint     *n_attachments,
           gsize     *text_bytes)
{
  double start = cpu_seconds ();

  *n_attachments = 0;
  *text_bytes = 0;
  for (guint i = 0; i < corpus->len; i++)
    {
      GBytes *bytes = g_ptr_array_index (corpus, i);
      gsize len = 0;
      const char *data = g_bytes_get_data (bytes, &len);
      HyMessage *message = hy_message_new_from_data (data, len);
      const char *text = hy_message_get_text (message);
      GPtrArray *attachments = hy_message_get_attachments (message);

      for (guint j = 0; j < attachments->len; j++)
        {
          HyMimePart *part = g_ptr_array_index (attachments, j);

          if (hy_mime_part_get_filename (part) != NULL || hy_mime_part_get_content_type (part) != NULL)
            (*n_attachments)++;
        }
      if (text != NULL)
        *text_bytes += strlen (text);
      if (defects)
        hy_message_get_defects (message);
      g_object_unref (message);
    }
  return cpu_seconds () - start;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GPtrArray) corpus = NULL;
  gsize total = 0, text_bytes = 0;
  guint rounds = 5, n_attachments = 0;
  double best_gmime = G_MAXDOUBLE, best_model = G_MAXDOUBLE;
  double mb;
  const char *only = NULL;
  gboolean defects;

  if (argc < 2)
    {
      fprintf (stderr, "Usage: bench-mime CORPUS_DIR [ROUNDS [gmime|model|defects]]\n"
                       "Make a corpus with: bench/mime/gen-corpus.py CORPUS_DIR 3000\n");
      return 2;
    }
  if (argc > 2)
    rounds = MAX (1, atoi (argv[2]));
  if (argc > 3)
    only = argv[3];
  defects = g_strcmp0 (only, "defects") == 0;

  g_mime_init ();
  corpus = load_corpus (argv[1], &total);
  if (corpus->len == 0)
    {
      fprintf (stderr, "bench-mime: no messages in %s\n", argv[1]);
      return 1;
    }
  mb = total / 1e6;

  /* Warm caches and lazily initialised tables once for both. */
  if (only == NULL || g_strcmp0 (only, "gmime") == 0)
    run_gmime (corpus);
  if (g_strcmp0 (only, "gmime") != 0)
    run_model (corpus, defects, &n_attachments, &text_bytes);

  for (guint r = 0; r < rounds; r++)
    {
      if (only == NULL || g_strcmp0 (only, "gmime") == 0)
        best_gmime = MIN (best_gmime, run_gmime (corpus));
      if (g_strcmp0 (only, "gmime") != 0)
        best_model = MIN (best_model, run_model (corpus, defects, &n_attachments, &text_bytes));
    }
  if (only != NULL)
    {
      double best = MIN (best_gmime, best_model);

      printf ("%s: %u messages, %.1f MB: %.1f MB/s, %.0f messages/s (best of %u: %.3f s)\n",
              only, corpus->len, mb, mb / best, corpus->len / best, rounds, best);
      return 0;
    }

  printf ("corpus: %u messages, %.1f MB; model found %u attachments and %.1f MB of body text\n",
          corpus->len, mb, n_attachments, text_bytes / 1e6);
  printf ("gmime parse only:            %8.1f MB/s %9.0f messages/s (best of %u: %.3f s)\n",
          mb / best_gmime, corpus->len / best_gmime, rounds, best_gmime);
  printf ("model (parse+body+attachments): %5.1f MB/s %9.0f messages/s (best of %u: %.3f s)\n",
          mb / best_model, corpus->len / best_model, rounds, best_model);
  printf ("model overhead over gmime:   %+.1f %%\n", (best_model / best_gmime - 1.0) * 100.0);
  return 0;
}
