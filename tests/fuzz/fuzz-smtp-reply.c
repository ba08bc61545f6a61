/* fuzz-smtp-reply.c — libFuzzer target for the SMTP reply parser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>

#include "smtp/hy-smtp-reply.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *p = (const char *) data;
  gsize left = size;

  /* Parse as many replies as the bytes hold, as the client would. */
  while (left > 0)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HySmtpReply) reply = NULL;
      g_autoptr(GHashTable) features = NULL;
      g_autofree char *text = NULL;
      gsize consumed = 0;

      reply = hy_smtp_reply_parse (p, left, &consumed, &error);
      if (reply == NULL)
        break;
      text = hy_smtp_reply_get_text (reply);
      features = hy_smtp_reply_parse_ehlo (reply);
      for (guint i = 0; i < hy_smtp_reply_get_n_lines (reply); i++)
        g_assert_true (g_utf8_validate (hy_smtp_reply_get_line (reply, i), -1, NULL));
      g_assert_true (consumed > 0 && consumed <= left);
      p += consumed;
      left -= consumed;
    }
  return 0;
}
