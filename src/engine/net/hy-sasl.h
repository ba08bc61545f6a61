/* hy-sasl.h — SASL client mechanisms shared by IMAP, SMTP and POP3
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HY_TYPE_SASL (hy_sasl_get_type ())
G_DECLARE_FINAL_TYPE (HySasl, hy_sasl, HY, SASL, GObject)

/*
 * A HySasl runs one authentication exchange.  The protocol client:
 *
 *  1. picks a mechanism with hy_sasl_choose_mechanism() from what the server
 *     offers (SCRAM-SHA-256 > SCRAM-SHA-1 > PLAIN > LOGIN > CRAM-MD5; XOAUTH2
 *     when the caller has an OAuth 2.0 token instead of a password);
 *  2. if hy_sasl_has_initial_response(), sends hy_sasl_step (sasl, NULL) with
 *     the command (SASL-IR) or as the answer to the first empty challenge;
 *  3. answers every server challenge with hy_sasl_step() (the _base64 variant
 *     takes and returns the wire form); responses are secrets: send them with a
 *     trace_as of "***";
 *  4. when the server reports success, calls hy_sasl_check_complete(), which
 *     fails if the server never proved it knows the password (SCRAM).
 */

const char *hy_sasl_choose_mechanism     (const char * const *offered,
                                          gboolean            have_oauth_token);
/* With @required set (the mechanism an account is configured for), only
 * that one is acceptable: NULL when the server does not offer it or it is
 * unknown, and the caller fails instead of falling back to another. */
const char *hy_sasl_choose_required_mechanism (const char * const *offered,
                                               const char         *required,
                                               gboolean            have_oauth_token);
gboolean    hy_sasl_is_supported         (const char         *mechanism);
/* After the server refused @failed (chosen automatically): PLAIN or LOGIN
 * when @failed was a challenge-response mechanism and the server offers
 * one, else NULL.  Try it once; its refusal means a wrong password. */
const char *hy_sasl_choose_fallback_mechanism (const char * const *offered,
                                               const char         *failed);
gboolean    hy_sasl_is_challenge_response (const char        *mechanism);

HySasl     *hy_sasl_new                  (const char         *mechanism,
                                          const char         *user,
                                          const char         *secret);
const char *hy_sasl_get_mechanism        (HySasl             *self);
gboolean    hy_sasl_has_initial_response (HySasl             *self);
GBytes     *hy_sasl_step                 (HySasl             *self,
                                          GBytes             *challenge,
                                          GError            **error);
char       *hy_sasl_step_base64          (HySasl             *self,
                                          const char         *challenge,
                                          GError            **error);
gboolean    hy_sasl_check_complete       (HySasl             *self,
                                          GError            **error);

/* Overwrites a password (or token) held in memory before freeing it. */
void        hy_sasl_free_secret          (char               *secret);

/* Only for tests against the published SCRAM examples. */
void        hy_sasl_set_client_nonce     (HySasl             *self,
                                          const char         *nonce);

G_END_DECLS
