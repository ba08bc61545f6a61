/* hy-sasl.c — SASL client mechanisms shared by IMAP, SMTP and POP3
 *
 * PLAIN (RFC 4616), LOGIN (draft-murchison-sasl-login), CRAM-MD5 (RFC 2195),
 * XOAUTH2 (Google/Microsoft), SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802, 7677)
 * without channel binding, with the server signature verified.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-net"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>
#include <sys/random.h>

#include "hy-net-error.h"
#include "hy-sasl.h"

#define SCRAM_MAX_ITERATIONS 1000000

typedef enum {
  MECH_PLAIN,
  MECH_LOGIN,
  MECH_CRAM_MD5,
  MECH_XOAUTH2,
  MECH_SCRAM_SHA_1,
  MECH_SCRAM_SHA_256,
} Mechanism;

static const struct {
  const char *name;
  Mechanism   mech;
} mechanisms[] = {
  { "SCRAM-SHA-256", MECH_SCRAM_SHA_256 },
  { "SCRAM-SHA-1", MECH_SCRAM_SHA_1 },
  { "PLAIN", MECH_PLAIN },
  { "LOGIN", MECH_LOGIN },
  { "CRAM-MD5", MECH_CRAM_MD5 },
  { "XOAUTH2", MECH_XOAUTH2 },
};

struct _HySasl
{
  GObject     parent_instance;

  Mechanism   mech;
  const char *name;
  char       *user;
  char       *secret;
  guint       step;
  gboolean    complete;

  /* SCRAM */
  char       *nonce;
  char       *client_first_bare;
  guint8      server_signature[32];
  gsize       digest_len;
  gboolean    server_verified;
};

G_DEFINE_FINAL_TYPE (HySasl, hy_sasl, G_TYPE_OBJECT)

static void
hy_sasl_finalize (GObject *object)
{
  HySasl *self = HY_SASL (object);

  g_free (self->user);
  hy_sasl_free_secret (self->secret);
  g_free (self->nonce);
  g_free (self->client_first_bare);

  G_OBJECT_CLASS (hy_sasl_parent_class)->finalize (object);
}

static void
hy_sasl_class_init (HySaslClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hy_sasl_finalize;
}

static void
hy_sasl_init (HySasl *self)
{
}

static gboolean
lookup (const char *name,
        Mechanism  *mech,
        const char **canonical)
{
  for (guint i = 0; i < G_N_ELEMENTS (mechanisms); i++)
    {
      if (g_ascii_strcasecmp (name, mechanisms[i].name) == 0)
        {
          *mech = mechanisms[i].mech;
          *canonical = mechanisms[i].name;
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * hy_sasl_is_supported:
 * @mechanism: a SASL mechanism name
 *
 * Returns: whether hy_sasl_new() knows @mechanism
 */
gboolean
hy_sasl_is_supported (const char *mechanism)
{
  Mechanism mech;
  const char *name;

  g_return_val_if_fail (mechanism != NULL, FALSE);
  return lookup (mechanism, &mech, &name);
}

/**
 * hy_sasl_choose_mechanism:
 * @offered: (array zero-terminated=1): mechanisms the server offers
 * @have_oauth_token: whether the secret is an OAuth 2.0 access token
 *
 * Returns: (nullable): the best mechanism both sides support, or %NULL
 */
const char *
hy_sasl_choose_mechanism (const char * const *offered,
                          gboolean            have_oauth_token)
{
  if (offered == NULL)
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (mechanisms); i++)
    {
      gboolean oauth = mechanisms[i].mech == MECH_XOAUTH2;

      if (oauth != !!have_oauth_token)
        continue;
      for (guint j = 0; offered[j] != NULL; j++)
        if (g_ascii_strcasecmp (offered[j], mechanisms[i].name) == 0)
          return mechanisms[i].name;
    }
  return NULL;
}

/**
 * hy_sasl_choose_required_mechanism:
 * @offered: (array zero-terminated=1) (nullable): mechanisms the server offers
 * @required: (nullable): the only mechanism the account allows, or %NULL for
 *   the best one (as hy_sasl_choose_mechanism())
 * @have_oauth_token: whether the secret is an OAuth 2.0 access token; only
 *   used when @required is %NULL
 *
 * Returns: (nullable): @required in its canonical spelling when both sides
 *   support it, the best mechanism when @required is %NULL, otherwise %NULL
 */
const char *
hy_sasl_choose_required_mechanism (const char * const *offered,
                                   const char         *required,
                                   gboolean            have_oauth_token)
{
  Mechanism mech;
  const char *name;

  if (required == NULL)
    return hy_sasl_choose_mechanism (offered, have_oauth_token);
  if (offered == NULL || !lookup (required, &mech, &name))
    return NULL;
  for (guint j = 0; offered[j] != NULL; j++)
    if (g_ascii_strcasecmp (offered[j], name) == 0)
      return name;
  return NULL;
}

/**
 * hy_sasl_free_secret:
 * @secret: (nullable) (transfer full): a password or token
 *
 * Overwrites @secret before freeing it, so that it does not linger in freed
 * memory.
 */
void
hy_sasl_free_secret (char *secret)
{
  if (secret == NULL)
    return;
  memset (secret, 0, strlen (secret));
  g_free (secret);
}

/**
 * hy_sasl_choose_fallback_mechanism:
 * @offered: (array zero-terminated=1) (nullable): mechanisms the server offers
 * @failed: the mechanism the server just refused
 *
 * Some servers offer challenge-response mechanisms they can only complete
 * for users whose password they keep in a suitable form (a SCRAM or
 * CRAM-MD5 offer over a password database of crypt hashes, GNU Mailutils
 * with system accounts).  When such a mechanism, chosen automatically, is
 * refused, one more try with a password mechanism over the same (already
 * approved) connection tells a wrong password from an unusable mechanism.
 *
 * Returns: (nullable): PLAIN or LOGIN when @failed is a challenge-response
 *   mechanism and the server offers one of them, otherwise %NULL
 */
const char *
hy_sasl_choose_fallback_mechanism (const char * const *offered,
                                   const char         *failed)
{
  static const char * const password_mechanisms[] = { "PLAIN", "LOGIN" };

  if (offered == NULL || !hy_sasl_is_challenge_response (failed))
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (password_mechanisms); i++)
    for (guint j = 0; offered[j] != NULL; j++)
      if (g_ascii_strcasecmp (offered[j], password_mechanisms[i]) == 0)
        return password_mechanisms[i];
  return NULL;
}

/**
 * hy_sasl_is_challenge_response:
 * @mechanism: (nullable): a SASL mechanism name
 *
 * Returns: whether @mechanism proves the password without sending it
 *   (SCRAM-SHA-1, SCRAM-SHA-256, CRAM-MD5)
 */
gboolean
hy_sasl_is_challenge_response (const char *mechanism)
{
  Mechanism mech;
  const char *name;

  if (mechanism == NULL || !lookup (mechanism, &mech, &name))
    return FALSE;
  return mech == MECH_SCRAM_SHA_1 || mech == MECH_SCRAM_SHA_256 || mech == MECH_CRAM_MD5;
}

/**
 * hy_sasl_new:
 * @mechanism: a mechanism name (case-insensitive)
 * @user: the user name
 * @secret: the password, or for XOAUTH2 the access token
 *
 * Returns: (transfer full) (nullable): the exchange, or %NULL if @mechanism is
 *   not supported
 */
HySasl *
hy_sasl_new (const char *mechanism,
             const char *user,
             const char *secret)
{
  HySasl *self;
  Mechanism mech;
  const char *name;

  g_return_val_if_fail (mechanism != NULL, NULL);
  g_return_val_if_fail (user != NULL, NULL);
  g_return_val_if_fail (secret != NULL, NULL);

  if (!lookup (mechanism, &mech, &name))
    return NULL;

  self = g_object_new (HY_TYPE_SASL, NULL);
  self->mech = mech;
  self->name = name;
  self->user = g_strdup (user);
  self->secret = g_strdup (secret);
  return self;
}

const char *
hy_sasl_get_mechanism (HySasl *self)
{
  g_return_val_if_fail (HY_IS_SASL (self), NULL);
  return self->name;
}

/**
 * hy_sasl_has_initial_response:
 * @self: an exchange
 *
 * Returns: %TRUE if the client speaks first (PLAIN, XOAUTH2, SCRAM)
 */
gboolean
hy_sasl_has_initial_response (HySasl *self)
{
  g_return_val_if_fail (HY_IS_SASL (self), FALSE);
  return self->mech == MECH_PLAIN || self->mech == MECH_XOAUTH2 ||
         self->mech == MECH_SCRAM_SHA_1 || self->mech == MECH_SCRAM_SHA_256;
}

void
hy_sasl_set_client_nonce (HySasl     *self,
                          const char *nonce)
{
  g_return_if_fail (HY_IS_SASL (self));
  g_free (self->nonce);
  self->nonce = g_strdup (nonce);
}

static GError *
protocol_error (HySasl     *self,
                const char *what)
{
  return g_error_new (HY_NET_ERROR, HY_NET_ERROR_PROTOCOL,
                      _ ("The server sent a malformed %s challenge (%s)."), self->name, what);
}

static GBytes *
bytes_from_string (GString *s)
{
  gsize len = s->len;

  return g_bytes_new_take (g_string_free (s, FALSE), len);
}

/* ---- SCRAM ------------------------------------------------------------------ */

static GChecksumType
scram_checksum (HySasl *self)
{
  return self->mech == MECH_SCRAM_SHA_256 ? G_CHECKSUM_SHA256 : G_CHECKSUM_SHA1;
}

static void
hmac (GChecksumType  type,
      const guint8  *key,
      gsize          key_len,
      const void    *data,
      gsize          data_len,
      guint8        *out,
      gsize         *out_len)
{
  g_autoptr(GHmac) h = g_hmac_new (type, key, key_len);

  g_hmac_update (h, data, data_len);
  g_hmac_get_digest (h, out, out_len);
}

/* PBKDF2 with one block, the Hi() of RFC 5802. */
static void
scram_hi (GChecksumType  type,
          const char    *password,
          const guint8  *salt,
          gsize          salt_len,
          guint          iterations,
          guint8        *out,
          gsize          len)
{
  g_autoptr(GHmac) keyed = g_hmac_new (type, (const guint8 *) password, strlen (password));
  g_autoptr(GHmac) first = g_hmac_copy (keyed);
  static const guint8 one[4] = { 0, 0, 0, 1 };
  guint8 u[32];
  gsize u_len = len;

  g_hmac_update (first, salt, salt_len);
  g_hmac_update (first, one, 4);
  g_hmac_get_digest (first, u, &u_len);
  memcpy (out, u, len);

  for (guint i = 1; i < iterations; i++)
    {
      g_autoptr(GHmac) next = g_hmac_copy (keyed);

      g_hmac_update (next, u, len);
      u_len = len;
      g_hmac_get_digest (next, u, &u_len);
      for (gsize k = 0; k < len; k++)
        out[k] ^= u[k];
    }
}

/* The SASLprep (RFC 4013) steps that matter for real passwords: non-ASCII
 * spaces become spaces, invisible characters go, then NFKC. */
static char *
saslprep (const char *text)
{
  g_autoptr(GString) mapped = g_string_new (NULL);

  if (!g_utf8_validate (text, -1, NULL))
    return g_strdup (text);

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == 0x00AD || c == 0x034F || c == 0x1806 || (c >= 0x180B && c <= 0x180D) ||
          (c >= 0x200B && c <= 0x200D) || c == 0x2060 || (c >= 0xFE00 && c <= 0xFE0F) ||
          c == 0xFEFF)
        continue;
      if (c > 0x7F && g_unichar_type (c) == G_UNICODE_SPACE_SEPARATOR)
        c = ' ';
      g_string_append_unichar (mapped, c);
    }
  return g_utf8_normalize (mapped->str, -1, G_NORMALIZE_NFKC);
}

static char *
scram_escape_name (const char *user)
{
  GString *out = g_string_new (NULL);

  for (const char *p = user; *p != '\0'; p++)
    {
      if (*p == '=')
        g_string_append (out, "=3D");
      else if (*p == ',')
        g_string_append (out, "=2C");
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static char *
make_nonce (void)
{
  guint8 raw[24];

  if (getrandom (raw, sizeof raw, 0) != (ssize_t) sizeof raw)
    {
      for (guint i = 0; i < sizeof raw; i++)
        raw[i] = g_random_int_range (0, 256);
    }
  return g_base64_encode (raw, sizeof raw);
}

/* Value of attribute @key in a SCRAM message, or NULL. */
static char *
scram_attribute (const char *message,
                 char        key)
{
  g_auto(GStrv) parts = g_strsplit (message, ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] == key && parts[i][1] == '=')
      return g_strdup (parts[i] + 2);
  return NULL;
}

static GBytes *
scram_client_first (HySasl *self)
{
  g_autofree char *name = scram_escape_name (self->user);
  GString *out;

  if (self->nonce == NULL)
    self->nonce = make_nonce ();
  self->client_first_bare = g_strdup_printf ("n=%s,r=%s", name, self->nonce);
  out = g_string_new ("n,,");
  g_string_append (out, self->client_first_bare);
  return bytes_from_string (out);
}

static GBytes *
scram_client_final (HySasl      *self,
                    const char  *server_first,
                    GError     **error)
{
  GChecksumType type = scram_checksum (self);
  gsize dlen = g_checksum_type_get_length (type);
  g_autofree char *nonce = scram_attribute (server_first, 'r');
  g_autofree char *salt64 = scram_attribute (server_first, 's');
  g_autofree char *iter_text = scram_attribute (server_first, 'i');
  g_autofree char *mandatory = scram_attribute (server_first, 'm');
  g_autofree guint8 *salt = NULL;
  g_autofree char *password = NULL;
  g_autofree char *without_proof = NULL;
  g_autofree char *auth_message = NULL;
  g_autofree char *proof64 = NULL;
  guint8 salted[32], client_key[32], stored_key[32], client_sig[32], proof[32], server_key[32];
  gsize salt_len = 0, len;
  guint64 iterations = 0;
  GString *out;

  if (nonce == NULL || salt64 == NULL || iter_text == NULL)
    {
      *error = protocol_error (self, "missing nonce, salt or iteration count");
      return NULL;
    }
  if (mandatory != NULL)
    {
      *error = protocol_error (self, "unsupported mandatory extension");
      return NULL;
    }
  if (!g_str_has_prefix (nonce, self->nonce) || strlen (nonce) <= strlen (self->nonce))
    {
      *error = protocol_error (self, "the server nonce does not extend ours");
      return NULL;
    }
  if (!g_ascii_string_to_unsigned (iter_text, 10, 1, SCRAM_MAX_ITERATIONS, &iterations, NULL))
    {
      *error = protocol_error (self, "bad iteration count");
      return NULL;
    }
  salt = g_base64_decode (salt64, &salt_len);
  if (salt_len == 0)
    {
      *error = protocol_error (self, "empty salt");
      return NULL;
    }

  password = saslprep (self->secret);
  scram_hi (type, password, salt, salt_len, (guint) iterations, salted, dlen);

  len = dlen;
  hmac (type, salted, dlen, "Client Key", 10, client_key, &len);
  {
    g_autoptr(GChecksum) sum = g_checksum_new (type);

    g_checksum_update (sum, client_key, dlen);
    len = dlen;
    g_checksum_get_digest (sum, stored_key, &len);
  }
  without_proof = g_strdup_printf ("c=biws,r=%s", nonce);
  auth_message = g_strdup_printf ("%s,%s,%s", self->client_first_bare, server_first, without_proof);
  len = dlen;
  hmac (type, stored_key, dlen, auth_message, strlen (auth_message), client_sig, &len);
  for (gsize i = 0; i < dlen; i++)
    proof[i] = client_key[i] ^ client_sig[i];

  len = dlen;
  hmac (type, salted, dlen, "Server Key", 10, server_key, &len);
  len = dlen;
  hmac (type, server_key, dlen, auth_message, strlen (auth_message), self->server_signature, &len);
  self->digest_len = dlen;

  memset (salted, 0, sizeof salted);
  memset (client_key, 0, sizeof client_key);

  proof64 = g_base64_encode (proof, dlen);
  out = g_string_new (without_proof);
  g_string_append_printf (out, ",p=%s", proof64);
  return bytes_from_string (out);
}

static gboolean
scram_verify_server (HySasl      *self,
                     const char  *server_final,
                     GError     **error)
{
  g_autofree char *failure = scram_attribute (server_final, 'e');
  g_autofree char *verifier = scram_attribute (server_final, 'v');
  g_autofree guint8 *signature = NULL;
  gsize len = 0;
  guint8 diff = 0;

  if (failure != NULL)
    {
      g_set_error (error, HY_NET_ERROR, HY_NET_ERROR_AUTH_SERVER,
                   _ ("The server rejected the %s exchange (%s)."), self->name, failure);
      return FALSE;
    }
  if (verifier == NULL)
    {
      *error = protocol_error (self, "no server signature");
      return FALSE;
    }
  signature = g_base64_decode (verifier, &len);
  if (len != self->digest_len)
    diff = 1;
  else
    for (gsize i = 0; i < len; i++)
      diff |= signature[i] ^ self->server_signature[i];
  if (diff != 0)
    {
      g_set_error (error, HY_NET_ERROR, HY_NET_ERROR_AUTH_SERVER,
                   _ ("The server could not prove that it knows your password (%s "
                      "signature mismatch). It may be an impostor; the session was ended."),
                   self->name);
      return FALSE;
    }
  self->server_verified = TRUE;
  return TRUE;
}

/* ---- steps ------------------------------------------------------------------ */

/**
 * hy_sasl_step:
 * @self: an exchange
 * @challenge: (nullable): the decoded server challenge, or %NULL for the
 *   initial response
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the response to send (may be empty), or
 *   %NULL on error
 */
GBytes *
hy_sasl_step (HySasl   *self,
              GBytes   *challenge,
              GError  **error)
{
  g_autofree char *text = NULL;
  guint step;

  g_return_val_if_fail (HY_IS_SASL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (challenge != NULL)
    {
      gsize len;
      const char *data = g_bytes_get_data (challenge, &len);

      text = g_strndup (data != NULL ? data : "", len);
    }
  /* A mechanism with an initial response starts at step 0 on NULL; one
   * without starts with the first challenge. */
  step = self->step++;
  if (!hy_sasl_has_initial_response (self) && challenge == NULL && step == 0)
    {
      self->step = 0;
      return g_bytes_new (NULL, 0);
    }

  switch (self->mech)
    {
    case MECH_PLAIN:
      if (step == 0)
        {
          GString *out = g_string_new (NULL);

          g_string_append_c (out, '\0');
          g_string_append (out, self->user);
          g_string_append_c (out, '\0');
          g_string_append (out, self->secret);
          return bytes_from_string (out);
        }
      break;

    case MECH_LOGIN:
      if (step == 0)
        return g_bytes_new (self->user, strlen (self->user));
      if (step == 1)
        return g_bytes_new (self->secret, strlen (self->secret));
      break;

    case MECH_CRAM_MD5:
      if (step == 0)
        {
          g_autofree char *digest = NULL;

          if (text == NULL || *text == '\0')
            {
              *error = protocol_error (self, "empty challenge");
              return NULL;
            }
          digest = g_compute_hmac_for_string (G_CHECKSUM_MD5,
                                              (const guchar *) self->secret,
                                              strlen (self->secret), text, -1);
          {
            GString *out = g_string_new (self->user);

            g_string_append_printf (out, " %s", digest);
            return bytes_from_string (out);
          }
        }
      break;

    case MECH_XOAUTH2:
      if (step == 0)
        {
          GString *out = g_string_new (NULL);

          g_string_append_printf (out, "user=%s\001auth=Bearer %s\001\001",
                                  self->user, self->secret);
          return bytes_from_string (out);
        }
      /* A challenge after the initial response carries the error as JSON; the
       * client answers with an empty response and the server then fails. */
      return g_bytes_new (NULL, 0);

    case MECH_SCRAM_SHA_1:
    case MECH_SCRAM_SHA_256:
      if (step == 0)
        return scram_client_first (self);
      if (step == 1)
        return scram_client_final (self, text != NULL ? text : "", error);
      if (step == 2)
        {
          if (!scram_verify_server (self, text != NULL ? text : "", error))
            return NULL;
          return g_bytes_new (NULL, 0);
        }
      break;

    default:
      g_assert_not_reached ();
    }

  *error = protocol_error (self, "more challenges than the mechanism has");
  return NULL;
}

/**
 * hy_sasl_step_base64:
 * @self: an exchange
 * @challenge: (nullable): the challenge as base64 text from the wire, or %NULL
 *   for the initial response
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the response as base64 text (empty for an
 *   empty response), or %NULL on error
 */
char *
hy_sasl_step_base64 (HySasl      *self,
                     const char  *challenge,
                     GError     **error)
{
  g_autoptr(GBytes) decoded = NULL;
  g_autoptr(GBytes) response = NULL;
  const guint8 *data;
  gsize len;

  g_return_val_if_fail (HY_IS_SASL (self), NULL);

  if (challenge != NULL)
    {
      gsize dlen = 0;
      guchar *raw;

      for (const char *p = challenge; *p != '\0'; p++)
        {
          if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '=')
            {
              *error = protocol_error (self, "not base64");
              return NULL;
            }
        }
      raw = g_base64_decode (challenge, &dlen);
      decoded = g_bytes_new_take (raw, dlen);
    }

  response = hy_sasl_step (self, decoded, error);
  if (response == NULL)
    return NULL;
  data = g_bytes_get_data (response, &len);
  if (len == 0)
    return g_strdup ("");
  return g_base64_encode (data, len);
}

/**
 * hy_sasl_check_complete:
 * @self: an exchange
 * @error: return location for a #GError
 *
 * Called when the server reports success.  For SCRAM the server must have
 * proved knowledge of the password; the server signature may also come with
 * the success (@self then needs it via hy_sasl_step() first).
 *
 * Returns: %TRUE if the exchange is complete and the server authentic
 */
gboolean
hy_sasl_check_complete (HySasl  *self,
                        GError **error)
{
  g_return_val_if_fail (HY_IS_SASL (self), FALSE);

  if ((self->mech == MECH_SCRAM_SHA_1 || self->mech == MECH_SCRAM_SHA_256) &&
      !self->server_verified)
    {
      g_set_error (error, HY_NET_ERROR, HY_NET_ERROR_AUTH_SERVER,
                   _ ("The server accepted the login without proving that it knows your "
                      "password (%s). It may be an impostor; the session was ended."),
                   self->name);
      return FALSE;
    }
  self->complete = TRUE;
  return TRUE;
}
