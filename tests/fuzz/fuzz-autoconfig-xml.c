/* fuzz-autoconfig-xml.c — libFuzzer target: the Thunderbird-style autoconfig XML parser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-fuzz"

#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "account/hy-autoconfig.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HyAutoconfigResult) result = NULL;

  result = hy_autoconfig_parse_xml ((const char *) data, size, "user@example.org", &error);
  if (result == NULL)
    {
      if (error == NULL)
        abort ();
      return 0;
    }
  /* Every server has a host and a port. */
  for (guint i = 0; i < result->incoming->len; i++)
    {
      HyServerConfig *server = g_ptr_array_index (result->incoming, i);

      if (server->host == NULL || server->port == 0 || server->protocol == HY_SERVER_PROTOCOL_SMTP)
        abort ();
    }
  for (guint i = 0; i < result->outgoing->len; i++)
    {
      HyServerConfig *server = g_ptr_array_index (result->outgoing, i);

      if (server->host == NULL || server->port == 0 || server->protocol != HY_SERVER_PROTOCOL_SMTP)
        abort ();
    }
  return 0;
}
