/* hy-test-fetch-view.h — checks that a FETCH read in place says what its HyImapFetch says
 *
 * Header-only, for the parser tests and the fuzz target: both read the same
 * bytes with hy_imap_response_parse() and hy_imap_fetch_view_parse() and
 * compare every fact a view carries.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <string.h>

#include "imap/hy-imap-error.h"
#include "imap/hy-imap-response.h"

typedef struct {
  const HyImapFetch *fetch;
  const char        *difference;
  gboolean           called;
} HyTestViewCheck;

static void
hy_test_flatten_body (const HyImapBodyPart *part,
                      guint                 depth,
                      gboolean              enclosed,
                      GArray               *out)
{
  HyImapPartView v = {
    part->type, part->subtype, part->disposition,
    hy_imap_body_part_get_param (part, "name"),
    hy_imap_body_part_get_disposition_param (part, "filename"),
    depth, enclosed, part->children != NULL ? part->children->len : 0,
  };

  g_array_append_val (out, v);
  for (guint i = 0; part->children != NULL && i < part->children->len; i++)
    hy_test_flatten_body (part->children->pdata[i], depth + 1, enclosed, out);
  if (part->message != NULL)
    hy_test_flatten_body (part->message, depth + 1, TRUE, out);
}

static gboolean
hy_test_addresses_equal (GPtrArray                   *list,
                         const HyImapAddressListView *view)
{
  if (list->len != view->len)
    return FALSE;
  for (guint i = 0; i < list->len; i++)
    {
      const HyImapAddress *a = list->pdata[i];
      const HyImapAddressView *b = &view->items[i];

      if (g_strcmp0 (a->name, b->name) != 0 || g_strcmp0 (a->adl, b->adl) != 0 ||
          g_strcmp0 (a->mailbox, b->mailbox) != 0 || g_strcmp0 (a->host, b->host) != 0)
        return FALSE;
    }
  return TRUE;
}

static const char *
hy_test_view_difference (const HyImapFetch     *f,
                         const HyImapFetchView *v)
{
  g_autoptr(GArray) parts = g_array_new (FALSE, FALSE, sizeof (HyImapPartView));
  guint n = 0;

  if (f->seq != v->seq || f->uid != v->uid || f->items != v->items)
    return "seq, uid or items";
  if (v->flags == NULL)
    return "no flags";
  for (n = 0; f->flags[n] != NULL; n++)
    if (v->flags[n] == NULL || strcmp (f->flags[n], v->flags[n]) != 0)
      return "flags";
  if (v->flags[n] != NULL)
    return "flags";
  if ((f->internaldate != NULL) != ((v->items & HY_IMAP_FETCH_INTERNALDATE) != 0) ||
      (f->internaldate != NULL && g_date_time_to_unix (f->internaldate) != v->internaldate))
    return "internaldate";
  if (f->size != v->size || f->modseq != v->modseq)
    return "size or modseq";
  if (f->envelope != NULL)
    {
      const HyImapEnvelope *e = f->envelope;

      if (g_strcmp0 (e->date, v->date) != 0 || g_strcmp0 (e->subject, v->subject) != 0 ||
          g_strcmp0 (e->in_reply_to, v->in_reply_to) != 0 || g_strcmp0 (e->message_id, v->message_id) != 0)
        return "envelope strings";
      if (!hy_test_addresses_equal (e->from, &v->from) || !hy_test_addresses_equal (e->sender, &v->sender) ||
          !hy_test_addresses_equal (e->reply_to, &v->reply_to) || !hy_test_addresses_equal (e->to, &v->to) ||
          !hy_test_addresses_equal (e->cc, &v->cc) || !hy_test_addresses_equal (e->bcc, &v->bcc))
        return "envelope addresses";
    }
  if (f->body != NULL)
    hy_test_flatten_body (f->body, 0, FALSE, parts);
  if (parts->len != v->n_parts)
    return "number of parts";
  for (guint i = 0; i < parts->len; i++)
    {
      const HyImapPartView *a = &g_array_index (parts, HyImapPartView, i);
      const HyImapPartView *b = &v->parts[i];

      if (g_strcmp0 (a->type, b->type) != 0 || g_strcmp0 (a->subtype, b->subtype) != 0 ||
          g_strcmp0 (a->disposition, b->disposition) != 0 || g_strcmp0 (a->name, b->name) != 0 ||
          g_strcmp0 (a->filename, b->filename) != 0 || a->depth != b->depth || a->enclosed != b->enclosed ||
          a->children != b->children)
        return "body part";
    }
  if ((f->sections != NULL ? f->sections->len : 0) != v->n_sections)
    return "number of sections";
  for (guint i = 0; i < v->n_sections; i++)
    {
      const HyImapFetchSection *a = f->sections->pdata[i];
      const HyImapSectionView *b = &v->sections[i];

      if (a->binary != b->binary || g_strcmp0 (a->section, b->section) != 0 || a->origin != b->origin)
        return "section name";
      if ((a->data == NULL) != (b->data == NULL))
        return "section NIL";
      if (a->data != NULL &&
          (g_bytes_get_size (a->data) != b->len || memcmp (g_bytes_get_data (a->data, NULL), b->data, b->len) != 0))
        return "section data";
    }
  return NULL;
}

static void
hy_test_view_check_cb (const HyImapFetchView *view,
                       gpointer               user_data)
{
  HyTestViewCheck *check = user_data;

  check->called = TRUE;
  if (check->fetch == NULL)
    check->difference = "a view of what the parser refuses or does not call FETCH";
  else
    check->difference = hy_test_view_difference (check->fetch, view);
}

/* NULL when reading @data in place agrees with hy_imap_response_parse():
 * the same FETCH, or both refuse it, or the view leaves it to the parser;
 * otherwise what differs. */
static G_GNUC_UNUSED const char *
hy_test_fetch_view_disagreement (const guint8 *data,
                                 gsize         len)
{
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(GError) view_error = NULL;
  g_autoptr(HyImapResponse) r = hy_imap_response_parse (data, len, 0, &parse_error);
  HyTestViewCheck check = { NULL, NULL, FALSE };
  HyImapViewResult result;

  if (r != NULL && r->data == HY_IMAP_DATA_FETCH)
    check.fetch = r->fetch;
  result = hy_imap_fetch_view_parse (data, len, hy_test_view_check_cb, &check, &view_error);
  switch (result)
    {
    case HY_IMAP_VIEW_NOT_FETCH:
      return check.called || view_error != NULL ? "NOT_FETCH with a call or an error" : NULL;
    case HY_IMAP_VIEW_MALFORMED:
      if (check.called || view_error == NULL || view_error->domain != HY_IMAP_ERROR)
        return "MALFORMED without its error";
      return r != NULL ? "the view refuses what the parser accepts" : NULL;
    case HY_IMAP_VIEW_DONE:
    default:
      if (!check.called || view_error != NULL)
        return "DONE without a call";
      return check.difference;
    }
}
