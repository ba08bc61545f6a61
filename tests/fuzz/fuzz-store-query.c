/* fuzz-store-query.c — libFuzzer target: the store's search language and tokenizer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-fuzz"

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/hy-store-query.h"
#include "store/hy-store-tokenizer.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static gboolean
check_token (const char *token,
             gsize       length,
             gpointer    user_data)
{
  /* Tokens are non-empty UTF-8. */
  if (length == 0 || !g_utf8_validate (token, length, NULL))
    abort ();
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(HyStoreQuery) query = NULL;
  g_autoptr(GError) error = NULL;

  hy_store_tokenize ((const char *) data, size, FALSE, check_token, NULL);
  hy_store_tokenize ((const char *) data, size, TRUE, check_token, NULL);

  query = hy_store_query_parse (text, &error);
  if (query == NULL)
    {
      if (error == NULL)
        abort ();
      return 0;
    }
  if (hy_store_query_get_sql (query) == NULL || strncmp (hy_store_query_get_sql (query), "SELECT ", 7) != 0)
    abort ();
  return 0;
}
