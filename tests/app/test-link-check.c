/* test-link-check.c — links whose text shows another host than their target
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>

#include "hy-link-check.h"

static void
test_host_of (void)
{
  static const struct { const char *text; const char *host; } cases[] = {
    { "https://www.Example.com/login?x=1", "example.com" },
    { "www.bank.example", "bank.example" },
    { "bank.example/path", "bank.example" },
    { "http://user:pw@evil.example:8080/", "evil.example" },
    { "http://192.0.2.1/", "192.0.2.1" },
    { "https://例子.测试/", "例子.测试" },
    { "Click here", NULL },
    { "mailto:someone@example.com", NULL },
    { "example", NULL },
    { "", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *host = hy_link_check_host_of (cases[i].text);

      g_assert_cmpstr (host, ==, cases[i].host);
    }
}

static void
test_deceptive (void)
{
  /* Shown host differs from the target: flagged. */
  g_assert_true (hy_link_check_is_deceptive ("www.mybank.example", "https://phish.example/mybank"));
  g_assert_true (hy_link_check_is_deceptive ("https://paypal.example", "http://paypal.example.evil.test/"));
  g_assert_true (hy_link_check_is_deceptive ("http://mybank.example", "http://mybank.example@evil.test/"));
  /* Same host, a subdomain, or text that is no address: not flagged. */
  g_assert_false (hy_link_check_is_deceptive ("www.example.com", "https://example.com/a"));
  g_assert_false (hy_link_check_is_deceptive ("example.com", "https://news.example.com/"));
  g_assert_false (hy_link_check_is_deceptive ("Read more", "https://evil.test/"));
  g_assert_false (hy_link_check_is_deceptive (NULL, "https://evil.test/"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/app/link-check/host-of", test_host_of);
  g_test_add_func ("/app/link-check/deceptive", test_deceptive);

  return g_test_run ();
}
