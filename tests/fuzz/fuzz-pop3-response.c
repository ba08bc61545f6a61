/* fuzz-pop3-response.c — libFuzzer target for the POP3 response parsers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "pop3/hy-pop3-response.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(GPtrArray) block = g_ptr_array_new ();
  g_autoptr(GHashTable) caps = NULL;

  /* The first line is a status line; the others are a multi-line block. */
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      gsize len = strlen (line);
      g_autoptr(GError) error = NULL;
      HyPop3Status *status;
      HyPop3Listing *listing;
      guint count;
      guint64 octets;
      char *stamp;

      if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';
      status = hy_pop3_parse_status (line, len, &error);
      if (status != NULL)
        {
          g_assert_true (g_utf8_validate (status->text, -1, NULL));
          hy_pop3_parse_stat (status->text, &count, &octets, NULL);
          stamp = hy_pop3_parse_apop_stamp (status->text);
          g_free (stamp);
          hy_pop3_status_free (status);
        }
      listing = hy_pop3_parse_list_line (hy_pop3_unstuff (line), NULL);
      hy_pop3_listing_free (listing);
      listing = hy_pop3_parse_uidl_line (hy_pop3_unstuff (line), NULL);
      if (listing != NULL)
        g_assert_true (strlen (listing->uid) > 0 && strlen (listing->uid) <= 70);
      hy_pop3_listing_free (listing);
      if (i > 0)
        g_ptr_array_add (block, (char *) hy_pop3_unstuff (line));
    }
  caps = hy_pop3_parse_capa (block);
  return 0;
}
