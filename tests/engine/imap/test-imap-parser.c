/* test-imap-parser.c — unit tests of the IMAP response parser, sequence sets,
 * modified UTF-7 and argument quoting, with output captured from real servers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-imap"

#include "config.h"

#include <string.h>

#include "imap/hy-imap-error.h"
#include "imap/hy-imap-quote.h"
#include "imap/hy-imap-response.h"
#include "imap/hy-imap-seqset.h"
#include "imap/hy-imap-utf7.h"

#include "hy-test-fetch-view.h"

static HyImapResponse *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  HyImapResponse *r = hy_imap_response_parse ((const guint8 *) text, strlen (text),
                                              HY_IMAP_PARSE_DEFAULT, &error);

  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

static void
parse_fails (const char *text,
             gsize       len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapResponse) r = hy_imap_response_parse ((const guint8 *) text, len,
                                                        HY_IMAP_PARSE_DEFAULT, &error);

  g_assert_null (r);
  g_assert_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_PROTOCOL);
}

static void
test_greeting (void)
{
  g_autoptr(HyImapResponse) r =
    parse_ok ("* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] Dovecot (Debian) ready.\r\n");

  g_assert_cmpint (r->kind, ==, HY_IMAP_RESPONSE_UNTAGGED);
  g_assert_cmpint (r->result, ==, HY_IMAP_RESULT_OK);
  g_assert_nonnull (r->code);
  g_assert_cmpint (r->code->kind, ==, HY_IMAP_CODE_CAPABILITY);
  g_assert_cmpuint (g_strv_length (r->code->strv), ==, 9);
  g_assert_true (g_strv_contains ((const char * const *) r->code->strv, "AUTH=PLAIN"));
  g_assert_cmpstr (r->text, ==, "Dovecot (Debian) ready.");
}

static void
test_preauth_bye (void)
{
  g_autoptr(HyImapResponse) pre = parse_ok ("* PREAUTH IMAP4rev1 server logged in as Smith\r\n");
  g_autoptr(HyImapResponse) bye = parse_ok ("* BYE Autologout; idle for too long\r\n");

  g_assert_cmpint (pre->result, ==, HY_IMAP_RESULT_PREAUTH);
  g_assert_cmpint (bye->result, ==, HY_IMAP_RESULT_BYE);
  g_assert_cmpstr (bye->text, ==, "Autologout; idle for too long");
  parse_fails ("a1 PREAUTH hi\r\n", 15);
}

static void
test_tagged (void)
{
  g_autoptr(HyImapResponse) ok = parse_ok ("A142 OK [READ-WRITE] SELECT completed\r\n");
  g_autoptr(HyImapResponse) no = parse_ok ("a2 no [AUTHENTICATIONFAILED] Authentication failed.\r\n");
  g_autoptr(HyImapResponse) bad = parse_ok ("a3 BAD Error in IMAP command FOO: Unknown command.\r\n");
  g_autoptr(HyImapResponse) plain = parse_ok ("a4 OK\r\n");

  g_assert_cmpint (ok->kind, ==, HY_IMAP_RESPONSE_TAGGED);
  g_assert_cmpstr (ok->tag, ==, "A142");
  g_assert_cmpint (ok->code->kind, ==, HY_IMAP_CODE_READ_WRITE);
  g_assert_cmpstr (ok->text, ==, "SELECT completed");
  /* lower-case status words, as some servers send them */
  g_assert_cmpint (no->result, ==, HY_IMAP_RESULT_NO);
  g_assert_cmpint (no->code->kind, ==, HY_IMAP_CODE_AUTHENTICATIONFAILED);
  g_assert_cmpint (bad->result, ==, HY_IMAP_RESULT_BAD);
  g_assert_null (bad->code);
  g_assert_cmpstr (plain->text, ==, "");
}

static void
test_codes (void)
{
  g_autoptr(HyImapResponse) uv = parse_ok ("* OK [UIDVALIDITY 3857529045] UIDs valid\r\n");
  g_autoptr(HyImapResponse) pf = parse_ok ("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n");
  g_autoptr(HyImapResponse) hm = parse_ok ("* OK [HIGHESTMODSEQ 715194045007] Highest\r\n");
  g_autoptr(HyImapResponse) au = parse_ok ("A003 OK [APPENDUID 38505 3955] APPEND completed\r\n");
  g_autoptr(HyImapResponse) cu = parse_ok ("A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n");
  g_autoptr(HyImapResponse) mod = parse_ok ("d105 OK [MODIFIED 7,9] Conditional STORE failed\r\n");
  g_autoptr(HyImapResponse) alert = parse_ok ("* NO [ALERT] System shutdown in 10 minutes\r\n");
  g_autoptr(HyImapResponse) other = parse_ok ("* OK [X-WEIRD (\"unbalanced] Still fine\r\n");
  g_autoptr(HyImapResponse) bc = parse_ok ("a5 NO [BADCHARSET (UTF-8 US-ASCII)] charset\r\n");

  g_assert_cmpint (uv->code->kind, ==, HY_IMAP_CODE_UIDVALIDITY);
  g_assert_cmpuint (uv->code->number, ==, 3857529045u);
  g_assert_cmpint (pf->code->kind, ==, HY_IMAP_CODE_PERMANENTFLAGS);
  g_assert_cmpuint (g_strv_length (pf->code->strv), ==, 3);
  g_assert_cmpstr (pf->code->strv[2], ==, "\\*");
  g_assert_cmpuint (hm->code->number, ==, G_GUINT64_CONSTANT (715194045007));
  g_assert_cmpint (au->code->kind, ==, HY_IMAP_CODE_APPENDUID);
  g_assert_cmpuint (au->code->uidvalidity, ==, 38505);
  g_assert_cmpuint (g_array_index (au->code->dest, HyImapRange, 0).first, ==, 3955);
  g_assert_cmpint (cu->code->kind, ==, HY_IMAP_CODE_COPYUID);
  g_assert_cmpuint (cu->code->source->len, ==, 2);
  g_assert_cmpuint (hy_imap_seqset_count ((HyImapRange *) cu->code->source->data, cu->code->source->len, 0), ==, 3);
  g_assert_cmpuint (g_array_index (cu->code->dest, HyImapRange, 0).last, ==, 3958);
  g_assert_cmpint (mod->code->kind, ==, HY_IMAP_CODE_MODIFIED);
  g_assert_true (hy_imap_seqset_contains ((HyImapRange *) mod->code->source->data, mod->code->source->len, 9));
  g_assert_cmpint (alert->code->kind, ==, HY_IMAP_CODE_ALERT);
  g_assert_cmpstr (alert->text, ==, "System shutdown in 10 minutes");
  g_assert_cmpint (other->code->kind, ==, HY_IMAP_CODE_OTHER);
  g_assert_cmpstr (other->code->name, ==, "X-WEIRD");
  g_assert_cmpstr (other->text, ==, "Still fine");
  g_assert_cmpstr (bc->code->strv[0], ==, "UTF-8");
}

static void
test_continuation (void)
{
  g_autoptr(HyImapResponse) c1 = parse_ok ("+ Ready for literal data\r\n");
  g_autoptr(HyImapResponse) c2 = parse_ok ("+\r\n");
  g_autoptr(HyImapResponse) c3 = parse_ok ("+ cj1zZXJ2ZXJub25jZQ==\r\n");

  g_assert_cmpint (c1->kind, ==, HY_IMAP_RESPONSE_CONTINUATION);
  g_assert_cmpstr (c1->text, ==, "Ready for literal data");
  g_assert_cmpstr (c2->text, ==, "");
  g_assert_cmpstr (c3->text, ==, "cj1zZXJ2ZXJub25jZQ==");
}

static void
test_simple_untagged (void)
{
  g_autoptr(HyImapResponse) ex = parse_ok ("* 172 EXISTS\r\n");
  g_autoptr(HyImapResponse) rc = parse_ok ("* 1 RECENT\r\n");
  g_autoptr(HyImapResponse) xp = parse_ok ("* 44 EXPUNGE\r\n");
  g_autoptr(HyImapResponse) fl = parse_ok ("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $label1)\r\n");
  g_autoptr(HyImapResponse) en = parse_ok ("* ENABLED CONDSTORE QRESYNC\r\n");
  g_autoptr(HyImapResponse) cap = parse_ok ("* CAPABILITY IMAP4rev1 LITERAL+ SASL-IR  ENABLE IDLE  \r\n");

  g_assert_cmpint (ex->data, ==, HY_IMAP_DATA_EXISTS);
  g_assert_cmpuint (ex->number, ==, 172);
  g_assert_cmpint (rc->data, ==, HY_IMAP_DATA_RECENT);
  g_assert_cmpint (xp->data, ==, HY_IMAP_DATA_EXPUNGE);
  g_assert_cmpuint (xp->number, ==, 44);
  g_assert_cmpint (fl->data, ==, HY_IMAP_DATA_FLAGS);
  g_assert_cmpuint (g_strv_length (fl->strv), ==, 7);
  g_assert_cmpint (en->data, ==, HY_IMAP_DATA_ENABLED);
  g_assert_cmpstr (en->strv[1], ==, "QRESYNC");
  g_assert_cmpuint (g_strv_length (cap->strv), ==, 5);
}

static void
test_list (void)
{
  g_autoptr(HyImapResponse) gm = parse_ok ("* LIST (\\HasNoChildren \\Sent) \"/\" \"[Gmail]/Sent Mail\"\r\n");
  g_autoptr(HyImapResponse) dv = parse_ok ("* LIST (\\HasNoChildren \\UnMarked \\Trash) \".\" Trash\r\n");
  g_autoptr(HyImapResponse) cn = parse_ok ("* LIST (\\HasNoChildren) \"/\" \"&U,BTFw-/&ZeVnLIqe-\"\r\n");
  g_autoptr(HyImapResponse) nil = parse_ok ("* LIST (\\Noselect) NIL \"\"\r\n");
  g_autoptr(HyImapResponse) lit = parse_ok ("* LIST () \"/\" {11}\r\nfoo \"bar\"\\x\r\n");
  g_autoptr(HyImapResponse) inbox = parse_ok ("* LSUB () \".\" inbox\r\n");
  g_autoptr(HyImapResponse) ext = parse_ok ("* LIST (\\Subscribed) \"/\" \"Foo\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n");

  g_assert_cmpint (gm->data, ==, HY_IMAP_DATA_LIST);
  g_assert_cmpstr (gm->mailbox->name, ==, "[Gmail]/Sent Mail");
  g_assert_cmpint (gm->mailbox->delimiter, ==, '/');
  g_assert_true (hy_imap_mailbox_has_attribute (gm->mailbox, "\\sent"));
  g_assert_cmpstr (dv->mailbox->name, ==, "Trash");
  g_assert_true (hy_imap_mailbox_has_attribute (dv->mailbox, "\\Trash"));
  g_assert_cmpint (dv->mailbox->delimiter, ==, '.');
  g_assert_cmpstr (cn->mailbox->name, ==, "台北/日本語");
  g_assert_cmpstr (cn->mailbox->raw_name, ==, "&U,BTFw-/&ZeVnLIqe-");
  g_assert_cmpint (nil->mailbox->delimiter, ==, 0);
  g_assert_cmpstr (lit->mailbox->raw_name, ==, "foo \"bar\"\\x");
  g_assert_cmpint (inbox->data, ==, HY_IMAP_DATA_LSUB);
  g_assert_cmpstr (inbox->mailbox->name, ==, "INBOX");
  g_assert_cmpstr (ext->mailbox->name, ==, "Foo");
}

static void
test_status (void)
{
  g_autoptr(HyImapResponse) r =
    parse_ok ("* STATUS \"&V4NXPpCuTvY-\" (MESSAGES 231 UIDNEXT 44292 UIDVALIDITY 1 UNSEEN 3 HIGHESTMODSEQ 7011231777)\r\n");
  g_autoptr(HyImapResponse) q = parse_ok ("* STATUS INBOX (MESSAGES \"12\")\r\n");

  g_assert_cmpint (r->data, ==, HY_IMAP_DATA_STATUS);
  g_assert_cmpstr (r->status->name, ==, "垃圾邮件");
  g_assert_cmpuint (r->status->messages, ==, 231);
  g_assert_cmpuint (r->status->uidnext, ==, 44292);
  g_assert_cmpuint (r->status->unseen, ==, 3);
  g_assert_cmpuint (r->status->highestmodseq, ==, G_GUINT64_CONSTANT (7011231777));
  g_assert_cmpint (r->status->items & HY_IMAP_STATUS_RECENT, ==, 0);
  g_assert_cmpint (r->status->items & HY_IMAP_STATUS_UIDVALIDITY, !=, 0);
  /* a number sent as a quoted string */
  g_assert_cmpuint (q->status->messages, ==, 12);
}

static void
test_search (void)
{
  g_autoptr(HyImapResponse) s = parse_ok ("* SEARCH 84 2 882\r\n");
  g_autoptr(HyImapResponse) empty = parse_ok ("* SEARCH\r\n");
  g_autoptr(HyImapResponse) ms = parse_ok ("* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)\r\n");
  g_autoptr(HyImapResponse) es = parse_ok ("* ESEARCH (TAG \"A282\") UID MIN 2 COUNT 3 ALL 2,10:11\r\n");
  g_autoptr(HyImapResponse) es0 = parse_ok ("* ESEARCH (TAG \"A283\") UID\r\n");

  g_assert_cmpint (s->data, ==, HY_IMAP_DATA_SEARCH);
  g_assert_cmpuint (s->search->numbers->len, ==, 3);
  g_assert_cmpuint (g_array_index (s->search->numbers, guint32, 0), ==, 2);
  g_assert_cmpuint (g_array_index (s->search->numbers, guint32, 2), ==, 882);
  g_assert_cmpuint (empty->search->numbers->len, ==, 0);
  g_assert_cmpuint (ms->search->numbers->len, ==, 10);
  g_assert_cmpuint (ms->search->modseq, ==, 917162500);
  g_assert_true (es->search->esearch);
  g_assert_cmpstr (es->search->tag, ==, "A282");
  g_assert_true (es->search->uid);
  g_assert_true (es->search->has_min);
  g_assert_cmpuint (es->search->min, ==, 2);
  g_assert_cmpuint (es->search->count, ==, 3);
  g_assert_false (es->search->has_max);
  g_assert_cmpuint (es->search->numbers->len, ==, 3);
  g_assert_cmpuint (g_array_index (es->search->numbers, guint32, 2), ==, 11);
  g_assert_cmpuint (es0->search->numbers->len, ==, 0);
}

static void
test_vanished_namespace_id (void)
{
  g_autoptr(HyImapResponse) v = parse_ok ("* VANISHED (EARLIER) 300:310,405,411\r\n");
  g_autoptr(HyImapResponse) v2 = parse_ok ("* VANISHED 505\r\n");
  g_autoptr(HyImapResponse) ns = parse_ok ("* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) ((\"#shared/\" \"/\")(\"#public/\" \"/\"))\r\n");
  g_autoptr(HyImapResponse) ns2 = parse_ok ("* NAMESPACE ((\"INBOX.\" \".\")) NIL NIL\r\n");
  g_autoptr(HyImapResponse) id = parse_ok ("* ID (\"name\" \"Dovecot\" \"version\" NIL)\r\n");
  g_autoptr(HyImapResponse) idnil = parse_ok ("* ID NIL\r\n");

  g_assert_cmpint (v->data, ==, HY_IMAP_DATA_VANISHED);
  g_assert_true (v->earlier);
  g_assert_cmpuint (hy_imap_seqset_count ((HyImapRange *) v->uids->data, v->uids->len, 0), ==, 13);
  g_assert_false (v2->earlier);
  g_assert_cmpuint (ns->namespace_->personal->len, ==, 1);
  g_assert_cmpuint (ns->namespace_->shared->len, ==, 2);
  g_assert_cmpstr (((HyImapNamespaceEntry *) ns->namespace_->shared->pdata[1])->prefix, ==, "#public/");
  g_assert_cmpint (((HyImapNamespaceEntry *) ns2->namespace_->personal->pdata[0])->delimiter, ==, '.');
  g_assert_cmpuint (ns2->namespace_->other_users->len, ==, 0);
  g_assert_cmpint (id->data, ==, HY_IMAP_DATA_ID);
  g_assert_cmpstr (id->strv[1], ==, "Dovecot");
  g_assert_cmpstr (id->strv[3], ==, "");
  g_assert_null (idnil->strv[0]);
}

static void
test_fetch_basic (void)
{
  g_autoptr(HyImapResponse) r =
    parse_ok ("* 12 FETCH (FLAGS (\\Seen $label1) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
              "RFC822.SIZE 4286 UID 1201 MODSEQ (624140003))\r\n");
  g_autoptr(HyImapResponse) pad = parse_ok ("* 1 FETCH (UID 3 INTERNALDATE \" 7-Feb-2024 23:05:00 +0800\")\r\n");
  HyImapFetch *f = r->fetch;

  g_assert_cmpint (r->data, ==, HY_IMAP_DATA_FETCH);
  g_assert_cmpuint (f->seq, ==, 12);
  g_assert_cmpuint (f->uid, ==, 1201);
  g_assert_cmpuint (f->size, ==, 4286);
  g_assert_cmpuint (f->modseq, ==, 624140003);
  g_assert_true (hy_imap_fetch_has_flag (f, "\\seen"));
  g_assert_true (hy_imap_fetch_has_flag (f, "$label1"));
  g_assert_false (hy_imap_fetch_has_flag (f, "\\Flagged"));
  g_assert_cmpint (f->items & HY_IMAP_FETCH_ENVELOPE, ==, 0);
  g_assert_nonnull (f->internaldate);
  g_assert_cmpint (g_date_time_to_unix (f->internaldate), ==, 837596665);
  g_assert_cmpint (g_date_time_to_unix (pad->fetch->internaldate), ==, 1707318300);
  {
    g_autofree char *back = hy_imap_format_internaldate (f->internaldate);

    g_assert_cmpstr (back, ==, "17-Jul-1996 02:44:25 -0700");
  }
}

static void
test_fetch_envelope (void)
{
  /* Dovecot output with group syntax, NIL fields and an 8-bit subject in a
   * quoted string. */
  const char *text =
    "* 3 FETCH (UID 7 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
    "\"IMAP4rev1 WG mtg summary and minutes\" "
    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
    "((NIL NIL \"imap\" \"cac.washington.edu\")) "
    "((NIL NIL \"minutes\" NIL)(NIL NIL \"kino\" \"example.net\")(NIL NIL NIL NIL)) "
    "NIL NIL \"<B27397-0100000@cac.washington.edu>\"))\r\n";
  g_autoptr(HyImapResponse) r = parse_ok (text);
  g_autoptr(HyImapResponse) u8 = parse_ok ("* 4 FETCH (ENVELOPE (NIL \"\xe4\xbd\xa0\xe5\xa5\xbd\" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n");
  HyImapEnvelope *e = r->fetch->envelope;
  HyImapAddress *a;
  g_autofree char *from = NULL;

  g_assert_nonnull (e);
  g_assert_cmpstr (e->subject, ==, "IMAP4rev1 WG mtg summary and minutes");
  g_assert_cmpuint (e->from->len, ==, 1);
  a = e->from->pdata[0];
  g_assert_cmpstr (a->name, ==, "Terry Gray");
  from = hy_imap_address_to_string (a);
  g_assert_cmpstr (from, ==, "gray@cac.washington.edu");
  g_assert_cmpuint (e->cc->len, ==, 3);
  a = e->cc->pdata[0];
  g_assert_null (a->host);                 /* group start */
  g_assert_cmpstr (a->mailbox, ==, "minutes");
  a = e->cc->pdata[2];
  g_assert_null (a->mailbox);              /* group end */
  g_assert_cmpuint (e->bcc->len, ==, 0);
  g_assert_null (e->in_reply_to);
  g_assert_cmpstr (e->message_id, ==, "<B27397-0100000@cac.washington.edu>");
  g_assert_cmpstr (u8->fetch->envelope->subject, ==, "你好");
  g_assert_null (u8->fetch->envelope->date);
}

static void
test_fetch_bodystructure (void)
{
  /* multipart/mixed with text, html alternative and a message/rfc822,
   * with extension data; Exchange-style upper-case values */
  const char *text =
    "* 9 FETCH (UID 99 BODYSTRUCTURE ("
      "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 1315 42 NIL NIL NIL NIL)"
       "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 6250 87 NIL NIL NIL NIL) "
       "\"alternative\" (\"boundary\" \"b2\") NIL NIL NIL)"
      "(\"application\" \"pdf\" (\"name\" \"=?UTF-8?B?5oql5ZGKLnBkZg==?=\") \"<id1@x>\" NIL \"base64\" 40000 NIL "
       "(\"attachment\" (\"filename\" \"report.pdf\")) NIL NIL)"
      "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 1200 "
       "(NIL \"fwd\" NIL NIL NIL NIL NIL NIL NIL NIL) "
       "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 20 1 NIL NIL NIL NIL) 30 NIL NIL NIL NIL)"
      " \"mixed\" (\"boundary\" \"b1\") NIL (\"en\" \"zh\") NIL))\r\n";
  g_autoptr(HyImapResponse) r = parse_ok (text);
  HyImapBodyPart *b = r->fetch->body;
  HyImapBodyPart *alt, *plain, *pdf, *msg;

  g_assert_nonnull (b);
  g_assert_cmpstr (b->type, ==, "multipart");
  g_assert_cmpstr (b->subtype, ==, "mixed");
  g_assert_cmpstr (hy_imap_body_part_get_param (b, "BOUNDARY"), ==, "b1");
  g_assert_cmpuint (g_strv_length (b->language), ==, 2);
  g_assert_cmpuint (b->children->len, ==, 3);

  alt = b->children->pdata[0];
  g_assert_cmpstr (alt->subtype, ==, "alternative");
  plain = alt->children->pdata[0];
  g_assert_cmpstr (plain->type, ==, "text");
  g_assert_cmpstr (plain->subtype, ==, "plain");
  g_assert_cmpstr (plain->encoding, ==, "quoted-printable");
  g_assert_cmpstr (hy_imap_body_part_get_param (plain, "charset"), ==, "utf-8");
  g_assert_cmpuint (plain->size, ==, 1315);
  g_assert_cmpuint (plain->lines, ==, 42);

  pdf = b->children->pdata[1];
  g_assert_cmpstr (pdf->id, ==, "<id1@x>");
  g_assert_cmpstr (pdf->disposition, ==, "attachment");
  g_assert_cmpstr (hy_imap_body_part_get_disposition_param (pdf, "filename"), ==, "report.pdf");
  g_assert_cmpuint (pdf->size, ==, 40000);

  msg = b->children->pdata[2];
  g_assert_cmpstr (msg->type, ==, "message");
  g_assert_nonnull (msg->envelope);
  g_assert_cmpstr (msg->envelope->subject, ==, "fwd");
  g_assert_nonnull (msg->message);
  g_assert_cmpstr (msg->message->subtype, ==, "plain");
  g_assert_cmpuint (msg->lines, ==, 30);
}

static void
test_fetch_body_quirks (void)
{
  /* non-extensible BODY, NIL params, empty param list, bare disposition */
  g_autoptr(HyImapResponse) a =
    parse_ok ("* 1 FETCH (BODY (\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0))\r\n");
  g_autoptr(HyImapResponse) b =
    parse_ok ("* 2 FETCH (BODYSTRUCTURE (\"image\" \"png\" () NIL NIL \"base64\" \"512\" NIL \"inline\" NIL))\r\n");
  g_autoptr(HyImapResponse) c =
    parse_ok ("* 3 FETCH (BODYSTRUCTURE (\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 100 NIL NIL NIL NIL))\r\n");

  g_assert_cmpstr (a->fetch->body->subtype, ==, "plain");
  g_assert_null (a->fetch->body->params[0]);
  g_assert_cmpuint (b->fetch->body->size, ==, 512);
  g_assert_cmpstr (b->fetch->body->disposition, ==, "inline");
  g_assert_cmpstr (c->fetch->body->type, ==, "message");
  g_assert_null (c->fetch->body->envelope);
}

static void
test_fetch_sections (void)
{
  const char text[] =
    "* 5 FETCH (UID 20 BODY[HEADER.FIELDS (SUBJECT FROM)] {26}\r\n"
    "Subject: hi\r\nFrom: a@b\r\n\r\n"
    " BODY[1.2]<100> {5}\r\nab\0cd BODY[TEXT] NIL BINARY[1] ~{3}\r\nxyz RFC822.HEADER \"H: v\")\r\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapResponse) r = hy_imap_response_parse ((const guint8 *) text, sizeof text - 1,
                                                        HY_IMAP_PARSE_DEFAULT, &error);
  const HyImapFetchSection *s;

  g_assert_no_error (error);
  g_assert_cmpuint (r->fetch->sections->len, ==, 5);
  s = hy_imap_fetch_get_section (r->fetch, "header.fields (subject from)");
  g_assert_nonnull (s);
  g_assert_cmpuint (g_bytes_get_size (s->data), ==, 26);
  g_assert_cmpint (s->origin, ==, -1);
  s = hy_imap_fetch_get_section (r->fetch, "1.2");
  g_assert_cmpint (s->origin, ==, 100);
  g_assert_cmpuint (g_bytes_get_size (s->data), ==, 5);
  g_assert_cmpint (((const char *) g_bytes_get_data (s->data, NULL))[2], ==, '\0');
  s = hy_imap_fetch_get_section (r->fetch, "TEXT");
  g_assert_null (s->data);
  s = r->fetch->sections->pdata[3];
  g_assert_true (s->binary);
  g_assert_cmpstr (s->section, ==, "1");
  s = r->fetch->sections->pdata[4];
  g_assert_cmpstr (s->section, ==, "HEADER");
}

/* A large body is handed over as it is, and survives the parser's
 * temporary memory. */
static void
test_fetch_large_body (void)
{
  g_autoptr(GString) text = g_string_new ("* 9 FETCH (UID 90 BODY[] {100000}\r\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapResponse) r = NULL;
  const HyImapFetchSection *s;
  const guint8 *data;
  gsize size;

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (text, (char) ('a' + i % 26));
  g_string_append (text, " FLAGS (\\Seen))\r\n");
  r = hy_imap_response_parse ((const guint8 *) text->str, text->len, HY_IMAP_PARSE_DEFAULT, &error);
  g_assert_no_error (error);
  s = hy_imap_fetch_get_section (r->fetch, "");
  data = g_bytes_get_data (s->data, &size);
  g_assert_cmpuint (size, ==, 100000);
  g_assert_cmpint (data[0], ==, 'a');
  g_assert_cmpint (data[99999], ==, 'a' + 99999 % 26);
  g_assert_true (hy_imap_fetch_has_flag (r->fetch, "\\Seen"));
}

static void
test_fetch_quirks (void)
{
  /* extra spaces, lower-case item names, unknown Gmail items */
  g_autoptr(HyImapResponse) r =
    parse_ok ("* 7 fetch ( uid 70  X-GM-MSGID 1278455344230334865 X-GM-LABELS (\"\\\\Important\" foo) flags ()  )\r\n");
  g_autoptr(HyImapResponse) nostar = parse_ok ("* 8 FETCH (FLAGS (\\Seen) UID 9)");

  g_assert_cmpuint (r->fetch->uid, ==, 70);
  g_assert_cmpint (r->fetch->items & HY_IMAP_FETCH_FLAGS, !=, 0);
  g_assert_null (r->fetch->flags[0]);
  g_assert_cmpuint (nostar->fetch->uid, ==, 9);
}

/* Literals where servers put them: mailbox names, envelope fields, empty
 * literals, a literal inside a response code, literal8 */
static void
test_odd_literals (void)
{
  g_autoptr(HyImapResponse) st = parse_ok ("* STATUS {11}\r\nSent \"Mail\" (MESSAGES 3)\r\n");
  g_autoptr(HyImapResponse) env =
    parse_ok ("* 2 FETCH (ENVELOPE ({30}\r\nThu, 1 Jan 2026 00:00:00 +0000 {0}\r\n"
              " ((\"A\" NIL {3}\r\nbob {11}\r\nexample.org)) NIL NIL NIL NIL NIL NIL {5}\r\n<a@b>))\r\n");
  g_autoptr(HyImapResponse) code = parse_ok ("* OK [X-LIT {3}\r\na]b] done\r\n");
  g_autoptr(HyImapResponse) bin = parse_ok ("* 3 FETCH (UID 1 BINARY[2] ~{4}\r\n\x01\x02\x03\x04)\r\n");

  g_assert_cmpstr (st->status->name, ==, "Sent \"Mail\"");
  g_assert_cmpuint (st->status->messages, ==, 3);
  g_assert_cmpstr (env->fetch->envelope->date, ==, "Thu, 1 Jan 2026 00:00:00 +0000");
  g_assert_cmpstr (env->fetch->envelope->subject, ==, "");
  g_assert_cmpstr (((HyImapAddress *) env->fetch->envelope->from->pdata[0])->host, ==, "example.org");
  g_assert_cmpstr (env->fetch->envelope->message_id, ==, "<a@b>");
  g_assert_cmpstr (code->code->name, ==, "X-LIT");
  g_assert_cmpstr (code->text, ==, "done");
  g_assert_cmpuint (g_bytes_get_size (((HyImapFetchSection *) bin->fetch->sections->pdata[0])->data), ==, 4);
}

static void
test_malformed (void)
{
  static const char * const bad[] = {
    "",
    "*",
    "* ",
    "a1",
    "a1 OK",    /* no space after tag word is fine, but this is "a1" + " OK"… see below */
    "* 3 FETCH (UID 1",
    "* 3 FETCH (UID 1))",
    "* 3 FETCH (BODY[1] {10}\r\nabc)\r\n",
    "* 3 FETCH (BODY[1] {99999999999}\r\n",
    "* 3 FETCH (UID x)",
    "* 0 FETCH (UID 1)",
    "* LIST (\\Noselect) \"/\"",
    "* STATUS foo (MESSAGES x)",
    "* SEARCH 1 two",
    "* VANISHED 0:3",
    "* 3 FETCH (BODY[1 \"x\")",
    "* 3 FETCH (\"UID\" 1)",
    "a1 FETCH (UID 1)",
    "* 3 FETCH (ENVELOPE \"x\")",
    "* 3 FETCH (BODYSTRUCTURE ())",
    "* 3 FETCH (UID \"unterminated)",
    "* ESEARCH ALL 1:*x",
    /* a line break inside a quoted string, though a quote follows */
    "* LIST () \"/\" \"a\r\nb\"\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HyImapResponse) r = NULL;

      if (i == 4)
        continue;
      r = hy_imap_response_parse ((const guint8 *) bad[i], strlen (bad[i]), 0, &error);
      if (r != NULL)
        g_error ("“%s” parsed", bad[i]);
      g_assert_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_PROTOCOL);
    }
}

static void
test_deep_nesting (void)
{
  GString *s = g_string_new ("* 1 FETCH (BODYSTRUCTURE ");

  for (guint i = 0; i < 10000; i++)
    g_string_append_c (s, '(');
  parse_fails (s->str, s->len);
  g_string_free (s, TRUE);
}

static void
test_line_literal (void)
{
  guint64 n = 0;

  g_assert_true (hy_imap_line_literal ((const guint8 *) "* 1 FETCH (BODY[] {42}\r\n", 24, &n));
  g_assert_cmpuint (n, ==, 42);
  g_assert_true (hy_imap_line_literal ((const guint8 *) "a APPEND x {0+}", 15, &n));
  g_assert_cmpuint (n, ==, 0);
  g_assert_true (hy_imap_line_literal ((const guint8 *) "~{7}\n", 5, &n));
  g_assert_cmpuint (n, ==, 7);
  g_assert_false (hy_imap_line_literal ((const guint8 *) "* OK {x}\r\n", 10, &n));
  g_assert_false (hy_imap_line_literal ((const guint8 *) "* OK }\r\n", 8, &n));
  g_assert_false (hy_imap_line_literal ((const guint8 *) "{}", 2, &n));
  g_assert_false (hy_imap_line_literal ((const guint8 *) "x {99999999999}", 15, &n));
  g_assert_false (hy_imap_line_literal ((const guint8 *) "* OK done\r\n", 11, &n));
}

static void
test_seqset (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) r = hy_imap_seqset_parse ("5:3,7,9:*,*:20", -1, &error);
  g_autoptr(GArray) expanded = NULL;
  g_autoptr(GArray) compressed = NULL;
  g_autofree char *formatted = NULL;
  g_autofree char *uids = NULL;
  guint32 nums[] = { 9, 1, 2, 3, 3, 5, 6, 7, 0, 100 };

  g_assert_no_error (error);
  g_assert_cmpuint (r->len, ==, 4);
  g_assert_cmpuint (g_array_index (r, HyImapRange, 0).first, ==, 3);
  g_assert_cmpuint (g_array_index (r, HyImapRange, 0).last, ==, 5);
  g_assert_cmpuint (g_array_index (r, HyImapRange, 2).last, ==, HY_IMAP_SEQ_STAR);
  g_assert_cmpuint (g_array_index (r, HyImapRange, 3).first, ==, 20);
  formatted = hy_imap_seqset_format ((HyImapRange *) r->data, r->len);
  g_assert_cmpstr (formatted, ==, "3:5,7,9:*,20:*");

  expanded = hy_imap_seqset_expand ((HyImapRange *) r->data, r->len, 22, 1000, &error);
  g_assert_no_error (error);
  /* 3 4 5 7 9..22 = 4 + 14 */
  g_assert_cmpuint (expanded->len, ==, 18);

  uids = hy_imap_seqset_from_uids (nums, G_N_ELEMENTS (nums));
  g_assert_cmpstr (uids, ==, "1:3,5:7,9,100");
  compressed = hy_imap_seqset_compress (nums, 0);
  g_assert_cmpuint (compressed->len, ==, 0);
  g_assert_null (hy_imap_seqset_from_uids (nums + 8, 1));

  g_clear_pointer (&expanded, g_array_unref);
  g_clear_pointer (&r, g_array_unref);
  r = hy_imap_seqset_parse ("1:4000000000", -1, &error);
  g_assert_no_error (error);
  expanded = hy_imap_seqset_expand ((HyImapRange *) r->data, r->len, 10, 1000, &error);
  g_assert_null (expanded);
  g_assert_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_PROTOCOL);
  g_clear_error (&error);

  static const char * const bad[] = { "", "0", "1:", ",1", "1,", "1::2", "4294967296", "a", "1 2" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GArray) b = hy_imap_seqset_parse (bad[i], -1, &error);

      g_assert_null (b);
      g_assert_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_PROTOCOL);
      g_clear_error (&error);
    }
}

static void
test_utf7 (void)
{
  static const struct { const char *utf8; const char *utf7; } cases[] = {
    { "INBOX", "INBOX" },
    { "台北", "&U,BTFw-" },
    { "~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-" },
    { "垃圾邮件", "&V4NXPpCuTvY-" },
    { "Tom & Jerry", "Tom &- Jerry" },
    { "A&B", "A&-B" },
    { "Entwürfe", "Entw&APw-rfe" },
    { "emoji 😀", "emoji &2D3eAA-" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *enc = hy_imap_utf7_encode (cases[i].utf8);
      g_autofree char *dec = hy_imap_utf7_decode (cases[i].utf7, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (enc, ==, cases[i].utf7);
      g_assert_cmpstr (dec, ==, cases[i].utf8);
    }

  /* a round trip of every Chinese character in the basic CJK block */
  {
    GString *all = g_string_new (NULL);
    g_autofree char *enc = NULL;
    g_autofree char *dec = NULL;

    for (gunichar c = 0x4e00; c <= 0x9fff; c++)
      {
        g_string_append_unichar (all, c);
        if (c % 97 == 0)
          g_string_append_c (all, '/');
      }
    enc = hy_imap_utf7_encode (all->str);
    for (const char *p = enc; *p; p++)
      g_assert_true (*p >= 0x20 && *p <= 0x7e);
    dec = hy_imap_utf7_decode (enc, NULL);
    g_assert_cmpstr (dec, ==, all->str);
    g_string_free (all, TRUE);
  }

  static const char * const bad[] = { "&", "&U,BTFw", "&Jjo!-", "caf\xc3\xa9", "&2D0-", "&AGE", "&U,BTF-" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dec = hy_imap_utf7_decode (bad[i], &error);

      if (dec != NULL)
        g_error ("“%s” decoded to “%s”", bad[i], dec);
      g_assert_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_PROTOCOL);
    }
  g_assert_null (hy_imap_utf7_encode ("\xff"));
}

static void
test_quote (void)
{
  g_autoptr(GString) s = g_string_new (NULL);

  g_assert_cmpint (hy_imap_arg_classify ("INBOX", 5, FALSE), ==, HY_IMAP_ARG_ATOM);
  g_assert_cmpint (hy_imap_arg_classify ("Sent Items", 10, FALSE), ==, HY_IMAP_ARG_QUOTED);
  g_assert_cmpint (hy_imap_arg_classify ("", 0, FALSE), ==, HY_IMAP_ARG_QUOTED);
  g_assert_cmpint (hy_imap_arg_classify ("nil", 3, FALSE), ==, HY_IMAP_ARG_QUOTED);
  g_assert_cmpint (hy_imap_arg_classify ("a\"b", 3, FALSE), ==, HY_IMAP_ARG_QUOTED);
  g_assert_cmpint (hy_imap_arg_classify ("a*", 2, FALSE), ==, HY_IMAP_ARG_QUOTED);
  g_assert_cmpint (hy_imap_arg_classify ("a\r\nb", 4, FALSE), ==, HY_IMAP_ARG_LITERAL);
  g_assert_cmpint (hy_imap_arg_classify ("密码", strlen ("密码"), FALSE), ==, HY_IMAP_ARG_LITERAL);
  g_assert_cmpint (hy_imap_arg_classify ("密码", strlen ("密码"), TRUE), ==, HY_IMAP_ARG_QUOTED);
  g_assert_cmpint (hy_imap_arg_classify ("\xff", 1, TRUE), ==, HY_IMAP_ARG_LITERAL);

  hy_imap_append_quoted (s, "say \"hi\" \\o/", 12);
  g_assert_cmpstr (s->str, ==, "\"say \\\"hi\\\" \\\\o/\"");

  /* what we quote, the parser reads back unchanged */
  {
    g_autoptr(GString) line = g_string_new ("* LIST () \"/\" ");
    g_autoptr(HyImapResponse) r = NULL;

    hy_imap_append_quoted (line, "a \"b\" \\c", 8);
    g_string_append (line, "\r\n");
    r = parse_ok (line->str);
    g_assert_cmpstr (r->mailbox->raw_name, ==, "a \"b\" \\c");
  }
}

/* ---- FETCH read in place ------------------------------------------------ */

static void
assert_view_agrees (const char *text,
                    gsize       len)
{
  const char *difference = hy_test_fetch_view_disagreement ((const guint8 *) text, len);

  if (difference != NULL)
    g_error ("view and parser disagree (%s) on “%.*s”", difference, (int) MIN (len, 300), text);
}

static void
keep_view (const HyImapFetchView *view,
           gpointer               user_data)
{
  HyImapFetchView *out = user_data;
  const HyImapSectionView *refs = hy_imap_fetch_view_get_section (view, "header.fields (references)");
  gboolean attachment = FALSE;

  /* only the plain fields outlive the call */
  *out = *view;
  out->flags = NULL;
  out->parts = NULL;
  out->sections = NULL;
  out->date = out->subject = out->in_reply_to = out->message_id = NULL;
  out->from.items = out->sender.items = out->reply_to.items = out->to.items = out->cc.items = out->bcc.items = NULL;
  g_assert_cmpstr (view->flags[0], ==, "\\Seen");
  g_assert_null (view->flags[2]);
  g_assert_cmpstr (view->subject, ==, "=?UTF-8?B?5L2g5aW9?= report");
  g_assert_cmpstr (view->date, ==, "Thu, 01 Jan 2026 00:00:00 +0800");
  g_assert_cmpstr (view->message_id, ==, "<m2@example.org>");
  g_assert_cmpstr (view->in_reply_to, ==, "<m1@example.org>");
  g_assert_cmpuint (view->from.len, ==, 1);
  g_assert_cmpstr (view->from.items[0].name, ==, "=?UTF-8?B?546L6Iqz?=");
  g_assert_cmpstr (view->from.items[0].mailbox, ==, "wang.fang");
  g_assert_cmpstr (view->from.items[0].host, ==, "example.org");
  g_assert_cmpuint (view->to.len, ==, 4);   /* a group: start, member, end; and one more */
  g_assert_cmpstr (view->to.items[0].mailbox, ==, "team");
  g_assert_null (view->to.items[0].host);
  g_assert_null (view->to.items[2].mailbox);
  g_assert_cmpuint (view->cc.len, ==, 0);
  g_assert_nonnull (refs);
  g_assert_cmpmem (refs->data, refs->len, "References: <m0@example.org>\r\n <m1@example.org>\r\n\r\n", 51);
  g_assert_cmpuint (view->n_parts, ==, 6);
  g_assert_cmpstr (view->parts[0].type, ==, "multipart");
  g_assert_cmpstr (view->parts[0].subtype, ==, "mixed");
  g_assert_cmpuint (view->parts[0].children, ==, 2);
  g_assert_cmpstr (view->parts[1].type, ==, "text");
  g_assert_cmpstr (view->parts[2].type, ==, "message");
  g_assert_cmpstr (view->parts[2].disposition, ==, "inline");
  g_assert_false (view->parts[2].enclosed);
  g_assert_true (view->parts[3].enclosed);
  g_assert_cmpuint (view->parts[3].depth, ==, 2);
  g_assert_cmpuint (view->parts[3].children, ==, 2);
  g_assert_cmpstr (view->parts[5].type, ==, "application");
  g_assert_cmpstr (view->parts[5].disposition, ==, "attachment");
  g_assert_cmpstr (view->parts[5].filename, ==, "x.pdf");
  g_assert_cmpstr (view->parts[5].name, ==, "x.pdf");
  g_assert_true (view->parts[5].enclosed);
  for (guint i = 0; i < view->n_parts; i++)
    attachment |= g_strcmp0 (view->parts[i].disposition, "attachment") == 0 && !view->parts[i].enclosed;
  g_assert_false (attachment);
}

static void
test_fetch_view (void)
{
  /* The header sync's items in another order than Dovecot's, with a
   * literal in the envelope, a group, and a message/rfc822 part whose own
   * attachment does not count as the outer message's. */
  static const char text[] =
    "* 7 FETCH (MODSEQ (55) UID 42 BODY[HEADER.FIELDS (REFERENCES)] {51}\r\n"
    "References: <m0@example.org>\r\n <m1@example.org>\r\n\r\n"
    " FLAGS (\\Seen $Label1) RFC822.SIZE 9000 INTERNALDATE \"01-Jan-2026 00:00:00 +0000\" "
    "ENVELOPE (\"Thu, 01 Jan 2026 00:00:00 +0800\" {27}\r\n=?UTF-8?B?5L2g5aW9?= report "
    "((\"=?UTF-8?B?546L6Iqz?=\" NIL \"wang.fang\" \"example.org\")) NIL NIL "
    "((NIL NIL \"team\" NIL)(NIL NIL \"a\" \"example.org\")(NIL NIL NIL NIL)(\"B\" NIL \"b\" \"example.org\")) "
    "NIL NIL \"<m1@example.org>\" \"<m2@example.org>\") X-GM-MSGID 123 "
    "BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 10 1 NIL NIL NIL NIL)"
    "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 300 (NIL \"fwd\" NIL NIL NIL NIL NIL NIL NIL NIL) "
    "((\"text\" \"plain\" NIL NIL NIL \"7bit\" 20 1)(\"application\" \"pdf\" (\"name\" \"x.pdf\") NIL NIL "
    "\"base64\" 100 NIL (\"ATTACHMENT\" (\"FILENAME\" \"x.pdf\")) NIL NIL) \"mixed\") 30 NIL (\"inline\" NIL) NIL NIL) "
    "\"MIXED\" (\"boundary\" \"b1\") NIL NIL NIL))\r\n";
  HyImapFetchView view;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (hy_imap_fetch_view_parse ((const guint8 *) text, sizeof text - 1, keep_view, &view, &error),
                   ==, HY_IMAP_VIEW_DONE);
  g_assert_no_error (error);
  g_assert_cmpuint (view.seq, ==, 7);
  g_assert_cmpuint (view.uid, ==, 42);
  g_assert_cmpuint (view.modseq, ==, 55);
  g_assert_cmpuint (view.size, ==, 9000);
  g_assert_cmpint (view.internaldate, ==, 1767225600);
  g_assert_cmpint (view.items, ==, HY_IMAP_FETCH_UID | HY_IMAP_FETCH_FLAGS | HY_IMAP_FETCH_INTERNALDATE |
                                   HY_IMAP_FETCH_SIZE | HY_IMAP_FETCH_ENVELOPE | HY_IMAP_FETCH_BODYSTRUCTURE |
                                   HY_IMAP_FETCH_MODSEQ | HY_IMAP_FETCH_SECTIONS);
  assert_view_agrees (text, sizeof text - 1);
}

/* Every shape the parser reads, and every one it refuses: the view agrees. */
static void
test_fetch_view_agrees (void)
{
  static const char * const cases[] = {
    "* 1 FETCH (UID 3 FLAGS () INTERNALDATE \" 7-Feb-2024 23:05:00 +0800\")\r\n",
    "* 1 fetch (uid 3 flags (\\Seen) rfc822.size \"12\" modseq 7)\r\n",
    "* 1   FETCH (UID 3)",
    "* 2 FETCH (FLAGS (\\Seen) UID 9)",
    "* 3 FETCH (UID 4 ENVELOPE NIL BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0))\r\n",
    "* 3 FETCH (UID 4 ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL))\r\n",
    "* 3 FETCH (UID 4 ENVELOPE (\"d\" \"s\" NIL NIL NIL NIL NIL NIL NIL NIL) ENVELOPE (NIL \"t\" ((\"n\" \"adl\" \"m\" \"h\")) NIL NIL NIL NIL NIL NIL NIL))\r\n",
    "* 3 FETCH (UID 4 ENVELOPE (\"d\" \"s\" (NIL \"x\" ((NIL NIL \"m\" \"h\"))) NIL NIL NIL NIL NIL NIL))\r\n",
    "* 3 FETCH (UID 4 ENVELOPE ({3}\r\nabc {0}\r\n ((\"a\\\"b\" NIL \"c\" \"d\")) NIL NIL NIL NIL NIL NIL \"<x>\"))\r\n",
    "* 3 FETCH (BODY (\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0))\r\n",
    "* 3 FETCH (BODYSTRUCTURE (\"image\" \"png\" () NIL NIL \"base64\" \"512\" NIL \"inline\" NIL))\r\n",
    "* 3 FETCH (BODYSTRUCTURE (\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 100 NIL NIL NIL NIL))\r\n",
    "* 3 FETCH (BODYSTRUCTURE (\"message\" \"global\" NIL NIL NIL \"7bit\" 100 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1) 2))\r\n",
    "* 3 FETCH (BODYSTRUCTURE (\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 100 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) () 2))\r\n",
    "* 3 FETCH (BODYSTRUCTURE (NIL NIL (\"NAME\" NIL \"x\") NIL NIL NIL NIL))\r\n",
    "* 3 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1)(\"image\" \"gif\" (\"name\" \"a.gif\") \"<id>\" NIL \"base64\" 10 NIL NIL NIL NIL)))\r\n",
    "* 3 FETCH (BODYSTRUCTURE (((\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1)(\"text\" \"html\" NIL NIL NIL \"7bit\" 1 1) \"alternative\" (\"boundary\" \"x\") NIL NIL)"
    "(\"application\" \"pdf\" NIL NIL NIL \"base64\" 10 NIL (\"attachment\" (\"filename\" \"b.pdf\" \"size\" \"10\")) (\"en\" \"de\") \"loc\" (\"future\" 1)) \"mixed\" (\"boundary\" \"y\") (\"inline\" NIL) \"en\" NIL))\r\n",
    "* 4 FETCH (UID 20 BODY[HEADER.FIELDS (SUBJECT FROM)] {26}\r\nSubject: hi\r\nFrom: a@b\r\n\r\n BODY[1]<10> \"abc\" BINARY[2] ~{4}\r\n\x01\x02\x03\x04 RFC822.HEADER NIL RFC822 {0}\r\n RFC822.TEXT \"t\")\r\n",
    "* 4 FETCH (UID 20 BODY[] {3}\r\nabc X-GM-LABELS (\\Inbox) EMAILID (M1) PREVIEW \"hello\" SAVEDATE NIL)\r\n",
    "* 4 FETCH (UID 20 INTERNALDATE \"30-Feb-2024 00:00:00 +0000\")\r\n",
    "* 4 FETCH (UID 20 INTERNALDATE \"01-Jan-0001 00:30:00 +0100\")\r\n",
    "* 4 FETCH (UID 20 INTERNALDATE \"31-Dec-9999 23:59:59 -2359\")\r\n",
    "* 4 FETCH (UID 20 INTERNALDATE \"29-Feb-2000 12:00:60 +0000\")\r\n",
    "* 4 FETCH (UID 20 INTERNALDATE \"29-Feb-2100 12:00:00 +0000\")\r\n",
    "* 4 FETCH (UID 20 INTERNALDATE \"29-Feb-2000 23:59:59 -1200\" INTERNALDATE \"x\")\r\n",
    "* 4 FETCH (UID 20 MODSEQ (x) RFC822.SIZE y)\r\n",
    "* 4 FETCH (FLAGS (\\Seen))\r\n",
    /* refused */
    "* 3 FETCH (UID 1",
    "* 3 FETCH (UID 1))",
    "* 3 FETCH (BODY[1] {10}\r\nabc)\r\n",
    "* 3 FETCH (UID x)",
    "* 3 FETCH (UID 0)",
    "* 3 FETCH (UID 4294967296)",
    "* 0 FETCH (UID 1)",
    "* 3 FETCH (BODY[1 \"x\")",
    "* 3 FETCH (\"UID\" 1)",
    "* 3 FETCH ((UID) 1)",
    "* 3 FETCH (NIL 1)",
    "* 3 FETCH (UID)",
    "* 3 FETCH UID 1",
    "* 3 FETCH (ENVELOPE \"x\")",
    "* 3 FETCH (BODYSTRUCTURE ())",
    "* 3 FETCH (BODYSTRUCTURE NIL)",
    "* 3 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1)()))",
    "* 3 FETCH (BODY[] (1 2))",
    "* 3 FETCH (UID \"unterminated)",
    "* 3 FETCH (UID 1) extra",
    /* not FETCH: left to the parser */
    "* 3 EXISTS\r\n",
    "* 99999999999 FETCH (UID 1)",
    "* 00000000003 FETCH (UID 1)",
    "* OK [UIDNEXT 4] x\r\n",
    "a1 OK done\r\n",
    "+ go on\r\n",
    "* 3 FETCHES (UID 1)",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_view_agrees (cases[i], strlen (cases[i]));

  /* nesting past the limit is refused the same way */
  {
    g_autoptr(GString) s = g_string_new ("* 1 FETCH (BODYSTRUCTURE ");

    for (guint i = 0; i < HY_IMAP_MAX_DEPTH + 2; i++)
      g_string_append_c (s, '(');
    g_string_append (s, "\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1");
    for (guint i = 0; i < HY_IMAP_MAX_DEPTH + 2; i++)
      g_string_append (s, " \"mixed\")");
    g_string_append (s, ")\r\n");
    assert_view_agrees (s->str, s->len);
  }
}

/* A header sync's FETCH as Dovecot sent it, response by response; and the
 * fuzz target's seeds. */
static void
test_fetch_view_dovecot (void)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;
  gsize start = 0, pos = 0;
  guint responses = 0;

  g_assert_true (g_file_get_contents (HY_TEST_DATA_DIR "/dovecot-header-fetch.txt", &contents, &length, &error));
  while (pos < length)
    {
      const char *eol = memchr (contents + pos, '\n', length - pos);
      gsize line_end = eol != NULL ? (gsize) (eol - contents) + 1 : length;
      guint64 literal;

      if (hy_imap_line_literal ((const guint8 *) contents + pos, line_end - pos, &literal))
        {
          pos = MIN (line_end + literal, length);
          continue;
        }
      assert_view_agrees (contents + start, line_end - start);
      responses++;
      start = pos = line_end;
    }
  g_assert_cmpuint (responses, >=, 80);

  dir = g_dir_open (HY_TEST_FUZZ_CORPUS, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (HY_TEST_FUZZ_CORPUS, name, NULL);
      g_autofree char *seed = NULL;
      gsize seed_len;

      g_assert_true (g_file_get_contents (path, &seed, &seed_len, NULL));
      assert_view_agrees (seed, seed_len);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/imap/parser/greeting", test_greeting);
  g_test_add_func ("/engine/imap/parser/preauth-bye", test_preauth_bye);
  g_test_add_func ("/engine/imap/parser/tagged", test_tagged);
  g_test_add_func ("/engine/imap/parser/codes", test_codes);
  g_test_add_func ("/engine/imap/parser/continuation", test_continuation);
  g_test_add_func ("/engine/imap/parser/simple-untagged", test_simple_untagged);
  g_test_add_func ("/engine/imap/parser/list", test_list);
  g_test_add_func ("/engine/imap/parser/status", test_status);
  g_test_add_func ("/engine/imap/parser/search", test_search);
  g_test_add_func ("/engine/imap/parser/vanished-namespace-id", test_vanished_namespace_id);
  g_test_add_func ("/engine/imap/parser/fetch/basic", test_fetch_basic);
  g_test_add_func ("/engine/imap/parser/fetch/envelope", test_fetch_envelope);
  g_test_add_func ("/engine/imap/parser/fetch/bodystructure", test_fetch_bodystructure);
  g_test_add_func ("/engine/imap/parser/fetch/body-quirks", test_fetch_body_quirks);
  g_test_add_func ("/engine/imap/parser/fetch/sections", test_fetch_sections);
  g_test_add_func ("/engine/imap/parser/fetch/large-body", test_fetch_large_body);
  g_test_add_func ("/engine/imap/parser/fetch/quirks", test_fetch_quirks);
  g_test_add_func ("/engine/imap/parser/fetch/view", test_fetch_view);
  g_test_add_func ("/engine/imap/parser/fetch/view-agrees", test_fetch_view_agrees);
  g_test_add_func ("/engine/imap/parser/fetch/view-dovecot", test_fetch_view_dovecot);
  g_test_add_func ("/engine/imap/parser/odd-literals", test_odd_literals);
  g_test_add_func ("/engine/imap/parser/malformed", test_malformed);
  g_test_add_func ("/engine/imap/parser/deep-nesting", test_deep_nesting);
  g_test_add_func ("/engine/imap/parser/line-literal", test_line_literal);
  g_test_add_func ("/engine/imap/seqset", test_seqset);
  g_test_add_func ("/engine/imap/utf7", test_utf7);
  g_test_add_func ("/engine/imap/quote", test_quote);

  return g_test_run ();
}
