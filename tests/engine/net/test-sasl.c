/* test-sasl.c — SASL mechanisms against published examples
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-test"

#include "config.h"

#include <string.h>

#include "net/hy-net-error.h"
#include "net/hy-sasl.h"

static char *
step_text (HySasl     *sasl,
           const char *challenge,
           GError    **error)
{
  g_autoptr(GBytes) in = challenge ? g_bytes_new (challenge, strlen (challenge)) : NULL;
  g_autoptr(GBytes) out = hy_sasl_step (sasl, in, error);
  gsize len;
  const char *data;

  if (out == NULL)
    return NULL;
  data = g_bytes_get_data (out, &len);
  return g_strndup (data ? data : "", len);
}

static void
test_choose (void)
{
  const char *all[] = { "PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "XOAUTH2", NULL };
  const char *weak[] = { "CRAM-MD5", "LOGIN", NULL };
  const char *only_cram[] = { "cram-md5", "GSSAPI", NULL };
  const char *none[] = { "GSSAPI", "NTLM", NULL };

  g_assert_cmpstr (hy_sasl_choose_mechanism (all, FALSE), ==, "SCRAM-SHA-256");
  g_assert_cmpstr (hy_sasl_choose_mechanism (all, TRUE), ==, "XOAUTH2");
  g_assert_cmpstr (hy_sasl_choose_mechanism (weak, FALSE), ==, "LOGIN");
  g_assert_cmpstr (hy_sasl_choose_mechanism (only_cram, FALSE), ==, "CRAM-MD5");
  g_assert_null (hy_sasl_choose_mechanism (none, FALSE));
  g_assert_null (hy_sasl_choose_mechanism (weak, TRUE));
  g_assert_null (hy_sasl_new ("GSSAPI", "u", "p"));
}

/* One more try with a password mechanism, only after a challenge-response
 * one failed. */
static void
test_fallback (void)
{
  const char *all[] = { "PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", NULL };
  const char *login_only[] = { "SCRAM-SHA-256", "login", NULL };
  const char *scram_only[] = { "SCRAM-SHA-1", "SCRAM-SHA-256", NULL };

  g_assert_cmpstr (hy_sasl_choose_fallback_mechanism (all, "SCRAM-SHA-256"), ==, "PLAIN");
  g_assert_cmpstr (hy_sasl_choose_fallback_mechanism (all, "scram-sha-1"), ==, "PLAIN");
  g_assert_cmpstr (hy_sasl_choose_fallback_mechanism (all, "CRAM-MD5"), ==, "PLAIN");
  g_assert_cmpstr (hy_sasl_choose_fallback_mechanism (login_only, "SCRAM-SHA-256"), ==, "LOGIN");
  /* A refused password mechanism means a wrong password. */
  g_assert_null (hy_sasl_choose_fallback_mechanism (all, "PLAIN"));
  g_assert_null (hy_sasl_choose_fallback_mechanism (all, "LOGIN"));
  g_assert_null (hy_sasl_choose_fallback_mechanism (all, "XOAUTH2"));
  g_assert_null (hy_sasl_choose_fallback_mechanism (scram_only, "SCRAM-SHA-256"));
  g_assert_null (hy_sasl_choose_fallback_mechanism (NULL, "SCRAM-SHA-256"));
  g_assert_true (hy_sasl_is_challenge_response ("scram-sha-256"));
  g_assert_false (hy_sasl_is_challenge_response ("PLAIN"));
  g_assert_false (hy_sasl_is_challenge_response (NULL));
}

static void
test_plain (void)
{
  g_autoptr(HySasl) sasl = hy_sasl_new ("plain", "alice", "wonder land");
  g_autoptr(GError) error = NULL;
  g_autofree char *b64 = NULL;

  g_assert_true (hy_sasl_has_initial_response (sasl));
  b64 = hy_sasl_step_base64 (sasl, NULL, &error);
  g_assert_no_error (error);
  /* base64 of "\0alice\0wonder land" */
  g_assert_cmpstr (b64, ==, "AGFsaWNlAHdvbmRlciBsYW5k");
  g_assert_true (hy_sasl_check_complete (sasl, &error));
}

static void
test_login (void)
{
  g_autoptr(HySasl) sasl = hy_sasl_new ("LOGIN", "alice", "pw");
  g_autoptr(GError) error = NULL;
  g_autofree char *user = NULL;
  g_autofree char *pass = NULL;
  g_autofree char *extra = NULL;

  g_assert_false (hy_sasl_has_initial_response (sasl));
  user = step_text (sasl, "Username:", &error);
  g_assert_cmpstr (user, ==, "alice");
  pass = step_text (sasl, "Password:", &error);
  g_assert_cmpstr (pass, ==, "pw");
  extra = step_text (sasl, "What?", &error);
  g_assert_null (extra);
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_PROTOCOL);
}

static void
test_cram_md5 (void)
{
  /* RFC 2195, section 2 */
  g_autoptr(HySasl) sasl = hy_sasl_new ("CRAM-MD5", "tim", "tanstaaftanstaaf");
  g_autoptr(GError) error = NULL;
  g_autofree char *out = step_text (sasl, "<1896.697170952@postoffice.reston.mci.net>", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "tim b913a602c7eda7a495b4e6e7334d3890");
}

static void
test_xoauth2 (void)
{
  g_autoptr(HySasl) sasl = hy_sasl_new ("XOAUTH2", "someone@example.com", "ya29.token");
  g_autoptr(GError) error = NULL;
  g_autofree char *out = step_text (sasl, NULL, &error);
  g_autofree char *after_error = NULL;

  g_assert_cmpstr (out, ==, "user=someone@example.com\001auth=Bearer ya29.token\001\001");
  after_error = step_text (sasl, "{\"status\":\"401\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (after_error, ==, "");
}

typedef struct {
  const char *mech;
  const char *nonce;
  const char *client_first;
  const char *server_first;
  const char *client_final;
  const char *server_final;
} ScramVector;

/* RFC 5802 section 5 and RFC 7677 section 3 */
static const ScramVector scram_sha1 = {
  "SCRAM-SHA-1", "fyko+d2lbbFgONRv9qkxdawL",
  "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
  "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
  "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
  "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
};

static const ScramVector scram_sha256 = {
  "SCRAM-SHA-256", "rOprNGfwEbeRWgbNEkqO",
  "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
  "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
  "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
  "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
  "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
};

static void
run_scram (gconstpointer data)
{
  const ScramVector *v = data;
  g_autoptr(HySasl) sasl = hy_sasl_new (v->mech, "user", "pencil");
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *final = NULL;
  g_autofree char *last = NULL;

  hy_sasl_set_client_nonce (sasl, v->nonce);
  first = step_text (sasl, NULL, &error);
  g_assert_cmpstr (first, ==, v->client_first);
  final = step_text (sasl, v->server_first, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (final, ==, v->client_final);

  /* Success without the server's proof is not accepted. */
  g_assert_false (hy_sasl_check_complete (sasl, &error));
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_AUTH_SERVER);
  g_clear_error (&error);

  last = step_text (sasl, v->server_final, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (last, ==, "");
  g_assert_true (hy_sasl_check_complete (sasl, &error));
}

static void
test_scram_impostor (void)
{
  g_autoptr(HySasl) sasl = hy_sasl_new ("SCRAM-SHA-256", "user", "pencil");
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *final = NULL;
  g_autofree char *last = NULL;

  hy_sasl_set_client_nonce (sasl, scram_sha256.nonce);
  first = step_text (sasl, NULL, &error);
  final = step_text (sasl, scram_sha256.server_first, &error);
  last = step_text (sasl, "v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", &error);
  g_assert_null (last);
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_AUTH_SERVER);
  g_clear_error (&error);
  g_assert_false (hy_sasl_check_complete (sasl, &error));
}

static void
test_scram_bad_nonce (void)
{
  g_autoptr(HySasl) sasl = hy_sasl_new ("SCRAM-SHA-1", "user", "pencil");
  g_autoptr(GError) error = NULL;
  g_autofree char *first = step_text (sasl, NULL, &error);
  g_autofree char *final = NULL;

  g_assert_true (g_str_has_prefix (first, "n,,n=user,r="));
  g_assert_cmpuint (strlen (first), >, strlen ("n,,n=user,r=") + 16);
  /* A server that does not extend our nonce (a replay) is refused. */
  final = step_text (sasl, "r=someoneelse,s=QSXCR+Q6sek8bf92,i=4096", &error);
  g_assert_null (final);
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_PROTOCOL);
}

static void
test_base64_garbage (void)
{
  g_autoptr(HySasl) sasl = hy_sasl_new ("LOGIN", "u", "p");
  g_autoptr(GError) error = NULL;
  g_autofree char *out = hy_sasl_step_base64 (sasl, "not base64!", &error);

  g_assert_null (out);
  g_assert_error (error, HY_NET_ERROR, HY_NET_ERROR_PROTOCOL);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/net/sasl/choose", test_choose);
  g_test_add_func ("/engine/net/sasl/fallback", test_fallback);
  g_test_add_func ("/engine/net/sasl/plain", test_plain);
  g_test_add_func ("/engine/net/sasl/login", test_login);
  g_test_add_func ("/engine/net/sasl/cram-md5", test_cram_md5);
  g_test_add_func ("/engine/net/sasl/xoauth2", test_xoauth2);
  g_test_add_data_func ("/engine/net/sasl/scram-sha-1", &scram_sha1, run_scram);
  g_test_add_data_func ("/engine/net/sasl/scram-sha-256", &scram_sha256, run_scram);
  g_test_add_func ("/engine/net/sasl/scram-impostor", test_scram_impostor);
  g_test_add_func ("/engine/net/sasl/scram-bad-nonce", test_scram_bad_nonce);
  g_test_add_func ("/engine/net/sasl/base64-garbage", test_base64_garbage);

  return g_test_run ();
}
