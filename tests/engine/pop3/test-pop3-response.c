/* test-pop3-response.c — POP3 response parsers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <string.h>

#include "pop3/hy-pop3-error.h"
#include "pop3/hy-pop3-response.h"

static HyPop3Status *
status (const char *line,
        GError    **error)
{
  return hy_pop3_parse_status (line, strlen (line), error);
}

static void
test_status (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyPop3Status) ok = status ("+OK 2 messages (320 octets)", &error);
  g_autoptr(HyPop3Status) err = status ("-ERR [IN-USE] Do you have another POP session running?", &error);
  g_autoptr(HyPop3Status) bare = status ("+OK", &error);
  g_autoptr(HyPop3Status) bracket = status ("-ERR [not a code] sorry", &error);
  g_autofree char *stamp = hy_pop3_parse_apop_stamp ("POP3 server ready <1896.697170952@dbc.mtview.ca.us>");

  g_assert_no_error (error);
  g_assert_true (ok->ok);
  g_assert_null (ok->code);
  g_assert_cmpstr (ok->text, ==, "2 messages (320 octets)");
  g_assert_false (err->ok);
  g_assert_cmpstr (err->code, ==, "IN-USE");
  g_assert_cmpstr (err->text, ==, "Do you have another POP session running?");
  g_assert_true (bare->ok);
  g_assert_cmpstr (bare->text, ==, "");
  g_assert_null (bracket->code);
  g_assert_cmpstr (bracket->text, ==, "[not a code] sorry");
  g_assert_cmpstr (stamp, ==, "<1896.697170952@dbc.mtview.ca.us>");
  g_assert_null (hy_pop3_parse_apop_stamp ("ready <no at sign>"));

  g_assert_null (status ("+OKAY", &error));
  g_assert_error (error, HY_POP3_ERROR, HY_POP3_ERROR_PROTOCOL);
  g_clear_error (&error);
  g_assert_null (status ("* OK imap", &error));
  g_assert_error (error, HY_POP3_ERROR, HY_POP3_ERROR_PROTOCOL);
}

static void
test_listings (void)
{
  g_autoptr(GError) error = NULL;
  HyPop3Listing *l;
  guint count = 0;
  guint64 size = 0;

  g_assert_true (hy_pop3_parse_stat ("2 320", &count, &size, &error));
  g_assert_cmpuint (count, ==, 2);
  g_assert_cmpuint (size, ==, 320);
  g_assert_false (hy_pop3_parse_stat ("two 320", &count, &size, &error));
  g_clear_error (&error);
  g_assert_false (hy_pop3_parse_stat ("99999999999999 1", &count, &size, &error));
  g_clear_error (&error);

  l = hy_pop3_parse_list_line ("1 120", &error);
  g_assert_cmpuint (l->number, ==, 1);
  g_assert_cmpuint (l->size, ==, 120);
  hy_pop3_listing_free (l);
  l = hy_pop3_parse_uidl_line ("2 QhdPYR:00WBw1Ph7x7", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (l->uid, ==, "QhdPYR:00WBw1Ph7x7");
  hy_pop3_listing_free (l);

  g_assert_null (hy_pop3_parse_list_line ("0 12", &error));
  g_clear_error (&error);
  g_assert_null (hy_pop3_parse_uidl_line ("1 has space", &error));
  g_clear_error (&error);
  g_assert_null (hy_pop3_parse_uidl_line ("1", &error));
  g_assert_error (error, HY_POP3_ERROR, HY_POP3_ERROR_PROTOCOL);

  g_assert_cmpstr (hy_pop3_unstuff ("..dot"), ==, ".dot");
  g_assert_cmpstr (hy_pop3_unstuff ("plain"), ==, "plain");
}

static void
test_capa (void)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new ();
  g_autoptr(GHashTable) caps = NULL;

  g_ptr_array_add (lines, (char *) "TOP");
  g_ptr_array_add (lines, (char *) "sasl PLAIN SCRAM-SHA-256");
  g_ptr_array_add (lines, (char *) "RESP-CODES");
  g_ptr_array_add (lines, (char *) "");
  caps = hy_pop3_parse_capa (lines);
  g_assert_cmpuint (g_hash_table_size (caps), ==, 3);
  g_assert_cmpstr (g_hash_table_lookup (caps, "SASL"), ==, "PLAIN SCRAM-SHA-256");
  g_assert_cmpstr (g_hash_table_lookup (caps, "TOP"), ==, "");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/pop3/response/status", test_status);
  g_test_add_func ("/engine/pop3/response/listings", test_listings);
  g_test_add_func ("/engine/pop3/response/capa", test_capa);

  return g_test_run ();
}
