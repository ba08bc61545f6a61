/* hy-imap-seqset.c — IMAP sequence sets and UID sets: parse, format, compress
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-imap"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <stdlib.h>
#include <string.h>

#include "imap/hy-imap-error.h"
#include "imap/hy-imap-seqset.h"

static gboolean
parse_number (const char **pp,
              const char  *end,
              guint32     *out)
{
  const char *p = *pp;
  guint64 v = 0;

  if (p < end && *p == '*')
    {
      *out = HY_IMAP_SEQ_STAR;
      *pp = p + 1;
      return TRUE;
    }
  if (p >= end || *p < '1' || *p > '9')
    return FALSE;
  while (p < end && *p >= '0' && *p <= '9')
    {
      v = v * 10 + (guint64) (*p - '0');
      if (v > G_MAXUINT32)
        return FALSE;
      p++;
    }
  *out = (guint32) v;
  *pp = p;
  return TRUE;
}

/**
 * hy_imap_seqset_parse:
 * @text: a sequence set such as "1:3,7,9:*"
 * @len: length of @text, or -1 if it is nul-terminated
 * @error: return location for a #HY_IMAP_ERROR_PROTOCOL error
 *
 * Returns: (transfer full) (element-type HyImapRange): the ranges in the
 *   order given, each with first <= last; %NULL on a malformed set.
 */
GArray *
hy_imap_seqset_parse (const char  *text,
                      gssize       len,
                      GError     **error)
{
  g_autoptr(GArray) ranges = NULL;
  const char *p = text;
  const char *end;

  g_return_val_if_fail (text != NULL, NULL);

  end = text + (len < 0 ? strlen (text) : (gsize) len);
  ranges = g_array_new (FALSE, FALSE, sizeof (HyImapRange));

  for (;;)
    {
      HyImapRange range;
      guint32 a, b;

      if (!parse_number (&p, end, &a))
        goto invalid;
      b = a;
      if (p < end && *p == ':')
        {
          p++;
          if (!parse_number (&p, end, &b))
            goto invalid;
        }
      range.first = MIN (a, b);
      range.last = MAX (a, b);
      g_array_append_val (ranges, range);

      if (p == end)
        break;
      if (*p != ',')
        goto invalid;
      p++;
    }

  return g_steal_pointer (&ranges);

invalid:
  {
    g_autofree char *shown = g_utf8_make_valid (text, end - text);

    g_set_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_PROTOCOL,
                 _ ("“%s” is not a valid IMAP sequence set"), shown);
  }
  return NULL;
}

static void
append_number (GString *out,
               guint32  n)
{
  if (n == HY_IMAP_SEQ_STAR)
    g_string_append_c (out, '*');
  else
    g_string_append_printf (out, "%u", n);
}

/**
 * hy_imap_seqset_format:
 * @ranges: (array length=n_ranges): ranges
 * @n_ranges: number of ranges, at least 1
 *
 * Returns: (transfer full): the set in IMAP syntax, e.g. "1:3,7"
 */
char *
hy_imap_seqset_format (const HyImapRange *ranges,
                       guint              n_ranges)
{
  GString *out;

  g_return_val_if_fail (ranges != NULL || n_ranges == 0, NULL);
  g_return_val_if_fail (n_ranges > 0, NULL);

  out = g_string_new (NULL);
  for (guint i = 0; i < n_ranges; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      append_number (out, ranges[i].first);
      if (ranges[i].last != ranges[i].first)
        {
          g_string_append_c (out, ':');
          append_number (out, ranges[i].last);
        }
    }
  return g_string_free (out, FALSE);
}

static int
compare_u32 (const void *a,
             const void *b)
{
  guint32 x = *(const guint32 *) a;
  guint32 y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

/**
 * hy_imap_seqset_compress:
 * @numbers: (array length=n_numbers): numbers in any order, duplicates allowed;
 *   zero is ignored
 * @n_numbers: how many
 *
 * Returns: (transfer full) (element-type HyImapRange): the fewest ascending
 *   ranges that hold exactly @numbers
 */
GArray *
hy_imap_seqset_compress (const guint32 *numbers,
                         guint          n_numbers)
{
  g_autofree guint32 *sorted = NULL;
  GArray *ranges;

  ranges = g_array_new (FALSE, FALSE, sizeof (HyImapRange));
  if (n_numbers == 0)
    return ranges;

  sorted = g_memdup2 (numbers, sizeof (guint32) * n_numbers);
  qsort (sorted, n_numbers, sizeof (guint32), compare_u32);

  for (guint i = 0; i < n_numbers; i++)
    {
      HyImapRange *last = ranges->len > 0 ? &g_array_index (ranges, HyImapRange, ranges->len - 1) : NULL;

      if (sorted[i] == 0)
        continue;
      if (last != NULL && (sorted[i] == last->last || sorted[i] == last->last + 1))
        last->last = sorted[i];
      else
        {
          HyImapRange r = { sorted[i], sorted[i] };

          g_array_append_val (ranges, r);
        }
    }
  return ranges;
}

/**
 * hy_imap_seqset_from_uids:
 * @numbers: (array length=n_numbers): UIDs in any order
 * @n_numbers: how many, at least one non-zero
 *
 * Returns: (transfer full): the compressed set in IMAP syntax, e.g. "1:5,9",
 *   or %NULL when there is no non-zero number.
 */
char *
hy_imap_seqset_from_uids (const guint32 *numbers,
                          guint          n_numbers)
{
  g_autoptr(GArray) ranges = hy_imap_seqset_compress (numbers, n_numbers);

  if (ranges->len == 0)
    return NULL;
  return hy_imap_seqset_format ((const HyImapRange *) ranges->data, ranges->len);
}

/**
 * hy_imap_seqset_count:
 * @star: the value "*" stands for
 *
 * Returns: how many numbers the ranges cover, counting overlaps twice
 */
guint64
hy_imap_seqset_count (const HyImapRange *ranges,
                      guint              n_ranges,
                      guint32            star)
{
  guint64 count = 0;

  for (guint i = 0; i < n_ranges; i++)
    {
      guint32 a = ranges[i].first == HY_IMAP_SEQ_STAR ? star : ranges[i].first;
      guint32 b = ranges[i].last == HY_IMAP_SEQ_STAR ? star : ranges[i].last;

      count += (guint64) MAX (a, b) - MIN (a, b) + 1;
    }
  return count;
}

/**
 * hy_imap_seqset_expand:
 * @ranges: (array length=n_ranges): ranges
 * @star: the value "*" stands for (the highest UID or message number)
 * @max_count: refuse sets that cover more numbers than this: a hostile
 *   server could otherwise make us allocate 2^32 numbers
 * @error: return location for a #HY_IMAP_ERROR_PROTOCOL error
 *
 * Returns: (transfer full) (element-type guint32): the numbers, ascending
 *   and without duplicates
 */
GArray *
hy_imap_seqset_expand (const HyImapRange *ranges,
                       guint              n_ranges,
                       guint32            star,
                       guint              max_count,
                       GError           **error)
{
  g_autoptr(GArray) numbers = NULL;
  guint64 count = hy_imap_seqset_count (ranges, n_ranges, star);

  if (count > max_count)
    {
      g_set_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_PROTOCOL,
                   _ ("A sequence set from the server covers %llu numbers, "
                      "more than the %u allowed"),
                   (unsigned long long) count, max_count);
      return NULL;
    }

  numbers = g_array_sized_new (FALSE, FALSE, sizeof (guint32), (guint) count);
  for (guint i = 0; i < n_ranges; i++)
    {
      guint32 a = ranges[i].first == HY_IMAP_SEQ_STAR ? star : ranges[i].first;
      guint32 b = ranges[i].last == HY_IMAP_SEQ_STAR ? star : ranges[i].last;
      guint64 lo = MIN (a, b), hi = MAX (a, b);

      for (guint64 n = lo; n <= hi; n++)
        {
          guint32 v = (guint32) n;

          g_array_append_val (numbers, v);
        }
    }
  g_array_sort (numbers, compare_u32);
  if (numbers->len > 1)
    {
      guint out = 1;

      for (guint i = 1; i < numbers->len; i++)
        if (g_array_index (numbers, guint32, i) != g_array_index (numbers, guint32, out - 1))
          g_array_index (numbers, guint32, out++) = g_array_index (numbers, guint32, i);
      g_array_set_size (numbers, out);
    }
  return g_steal_pointer (&numbers);
}

/**
 * hy_imap_seqset_contains:
 *
 * Returns: whether @number lies in one of the ranges ("*" is taken literally
 *   as the largest possible number)
 */
gboolean
hy_imap_seqset_contains (const HyImapRange *ranges,
                         guint              n_ranges,
                         guint32            number)
{
  for (guint i = 0; i < n_ranges; i++)
    if (number >= ranges[i].first && number <= ranges[i].last)
      return TRUE;
  return FALSE;
}
