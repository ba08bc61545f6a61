/* fuzz-imap-response.c — libFuzzer target: the IMAP response parser, the
 * FETCH reader that works in place (it must agree with the parser), and the
 * helpers that read server bytes (sequence sets, modified UTF-7, literals)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-fuzz"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "imap/hy-imap-response.h"
#include "imap/hy-imap-seqset.h"
#include "imap/hy-imap-utf7.h"

#include "hy-test-fetch-view.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Invariants hold in every build, with or without G_DISABLE_ASSERT. */
#define CHECK(cond) do { if (!(cond)) __builtin_trap (); } while (0)

static void
walk_body (const HyImapBodyPart *part)
{
  CHECK (part->type != NULL && part->subtype != NULL && part->params != NULL);
  (void) hy_imap_body_part_get_param (part, "charset");
  if (part->children != NULL)
    for (guint i = 0; i < part->children->len; i++)
      walk_body (part->children->pdata[i]);
  if (part->message != NULL)
    walk_body (part->message);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapResponse) r = NULL;
  guint64 literal;

  (void) hy_imap_line_literal (data, size, &literal);

  /* The header sync reads FETCH in place: never a different answer. */
  CHECK (hy_test_fetch_view_disagreement (data, size) == NULL);

  for (int utf8 = 0; utf8 < 2; utf8++)
    {
      g_clear_pointer (&r, hy_imap_response_unref);
      g_clear_error (&error);
      r = hy_imap_response_parse (data, size, utf8 ? HY_IMAP_PARSE_UTF8 : 0, &error);
      CHECK ((r == NULL) == (error != NULL));
    }

  if (r != NULL && r->fetch != NULL)
    {
      if (r->fetch->body != NULL)
        walk_body (r->fetch->body);
      if (r->fetch->envelope != NULL)
        for (guint i = 0; i < r->fetch->envelope->from->len; i++)
          g_free (hy_imap_address_to_string (r->fetch->envelope->from->pdata[i]));
    }
  if (r != NULL && r->mailbox != NULL)
    CHECK (g_utf8_validate (r->mailbox->name, -1, NULL));

  if (size < 256 && memchr (data, '\0', size) == NULL)
    {
      g_autofree char *text = g_strndup ((const char *) data, size);
      g_autofree char *decoded = hy_imap_utf7_decode (text, NULL);
      g_autoptr(GArray) set = hy_imap_seqset_parse (text, -1, NULL);

      if (decoded != NULL)
        {
          /* Whatever decodes must encode to something that decodes the same. */
          g_autofree char *again = hy_imap_utf7_encode (decoded);
          g_autofree char *back = hy_imap_utf7_decode (again, NULL);

          CHECK (back != NULL && strcmp (back, decoded) == 0);
        }
      if (set != NULL)
        {
          /* A formatted set parses back to the same ranges. */
          g_autofree char *formatted = hy_imap_seqset_format ((HyImapRange *) set->data, set->len);
          g_autoptr(GArray) again = hy_imap_seqset_parse (formatted, -1, NULL);
          g_autoptr(GArray) expanded = hy_imap_seqset_expand ((HyImapRange *) set->data, set->len,
                                                              1000, 100000, NULL);

          CHECK (again != NULL && again->len == set->len);
          CHECK (memcmp (again->data, set->data, set->len * sizeof (HyImapRange)) == 0);
          CHECK (expanded == NULL || expanded->len <= 100000);
        }
    }
  return 0;
}
