/* hy-cli-outbox.c — “hongyan-cli outbox list|flush|retry|cancel”: look at and send the outbox
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-cli"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "hy-cli-commands.h"
#include "hy-cli-conn.h"
#include "hy-cli-store-util.h"
#include "sync/hy-outbox.h"

typedef struct {
  GError *last_error;   /* of the last failed attempt */
  gboolean permanent;
} FlushWatch;

static void
failed_cb (HyOutbox      *outbox,
           gint64         id,
           HyOutboxEntry *entry,
           GError        *error,
           gboolean       permanent,
           gpointer       user_data)
{
  FlushWatch *watch = user_data;

  hy_cli_error ("message %" G_GINT64_FORMAT " (“%s”) %s: %s", id,
                entry->subject != NULL ? entry->subject : "",
                permanent ? "was refused and stays in the outbox until you fix it"
                          : "could not be sent now and will be retried",
                error->message);
  g_clear_error (&watch->last_error);
  watch->last_error = g_error_copy (error);
  watch->permanent = permanent;
}

static void
json_string_or_null (GString    *out,
                     const char *text)
{
  if (text != NULL)
    hy_json_append_string (out, text);
  else
    g_string_append (out, "null");
}

static void
print_entry (const HyOutboxEntry *entry,
             gboolean             json)
{
  g_autofree char *recipients = g_strjoinv (", ", entry->recipients);

  if (json)
    {
      g_autoptr(GString) line = g_string_new (NULL);

      g_string_append_printf (line, "{\"id\":%" G_GINT64_FORMAT ",\"state\":\"%s\",\"queued\":%" G_GINT64_FORMAT
                              ",\"send_after\":%" G_GINT64_FORMAT ",\"attempts\":%u,\"sender\":",
                              entry->id, hy_outbox_state_to_string (entry->state), entry->queued,
                              entry->send_after, entry->attempts);
      hy_json_append_string (line, entry->sender);
      g_string_append (line, ",\"recipients\":[");
      for (guint i = 0; entry->recipients[i] != NULL; i++)
        {
          if (i > 0)
            g_string_append_c (line, ',');
          hy_json_append_string (line, entry->recipients[i]);
        }
      g_string_append (line, "],\"subject\":");
      json_string_or_null (line, entry->subject);
      g_string_append (line, ",\"message_id\":");
      json_string_or_null (line, entry->message_id);
      g_string_append_printf (line, ",\"size\":%" G_GINT64_FORMAT ",\"sent\":%" G_GINT64_FORMAT ",\"error\":",
                              entry->size, entry->sent);
      json_string_or_null (line, entry->last_error);
      g_string_append_c (line, '}');
      printf ("%s\n", line->str);
    }
  else
    {
      g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (entry->queued);
      g_autofree char *date = g_date_time_format (when, "%Y-%m-%d %H:%M");

      printf ("%-6" G_GINT64_FORMAT " %-8s %s  %-30s %s\n", entry->id,
              hy_outbox_state_to_string (entry->state), date,
              entry->subject != NULL ? entry->subject : "", recipients);
      if (entry->last_error != NULL)
        printf ("       %s\n", entry->last_error);
    }
}

static int
do_list (HyOutbox *outbox,
         gboolean  all,
         gboolean  json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = hy_outbox_list (outbox, all, &error);

  if (entries == NULL)
    {
      hy_cli_error ("%s", error->message);
      return HY_CLI_EXIT_FAILURE;
    }
  for (guint i = 0; i < entries->len; i++)
    print_entry (g_ptr_array_index (entries, i), json);
  return HY_CLI_EXIT_OK;
}

/* Seconds until the next waiting row is due, or -1 when none waits. */
static gint64
next_due (HyOutbox *outbox)
{
  g_autoptr(GPtrArray) entries = hy_outbox_list (outbox, FALSE, NULL);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 next = -1;

  for (guint i = 0; entries != NULL && i < entries->len; i++)
    {
      HyOutboxEntry *entry = g_ptr_array_index (entries, i);

      if (entry->state == HY_OUTBOX_STATE_QUEUED && (next < 0 || entry->send_after - now < next))
        next = MAX (entry->send_after - now, 0);
    }
  return next;
}

static int
do_flush (HyOutbox *outbox,
          gboolean  wait)
{
  FlushWatch watch = { NULL, FALSE };
  HyOutboxFlushResult total = { 0, 0, 0, 0 };
  gulong handler = g_signal_connect (outbox, "failed", G_CALLBACK (failed_cb), &watch);
  int status = HY_CLI_EXIT_OK;

  for (;;)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      HyOutboxFlushResult counts;
      gint64 delay;

      hy_outbox_flush_async (outbox, NULL, hy_cli_store_result, &result);
      if (!hy_outbox_flush_finish (outbox, hy_cli_wait (&result), &counts, &error))
        {
          hy_cli_error ("%s", error->message);
          status = HY_CLI_EXIT_FAILURE;
          break;
        }
      /* Let the signals of this flush arrive. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
      total.n_sent += counts.n_sent;
      total.n_failed += counts.n_failed;
      total.n_deferred += counts.n_deferred;
      total.n_waiting = counts.n_waiting;
      if (!wait || counts.n_waiting == 0 || (delay = next_due (outbox)) < 0)
        break;
      g_usleep ((delay + 1) * G_USEC_PER_SEC);
    }
  g_signal_handler_disconnect (outbox, handler);

  printf ("sent %u, refused %u, deferred %u, waiting %u\n",
          total.n_sent, total.n_failed, total.n_deferred, total.n_waiting);
  if (status == HY_CLI_EXIT_OK && watch.last_error != NULL)
    status = watch.permanent ? HY_CLI_EXIT_REFUSED : hy_cli_exit_code_for_error (watch.last_error);
  if (status == HY_CLI_EXIT_OK && (total.n_failed > 0 || total.n_deferred > 0))
    status = HY_CLI_EXIT_FAILURE;
  g_clear_error (&watch.last_error);
  return status;
}

static gboolean
parse_id (const char *text,
          gint64     *id)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, &value, NULL))
    {
      hy_cli_error ("“%s” is not an outbox id (see hongyan-cli outbox list)", text);
      return FALSE;
    }
  *id = (gint64) value;
  return TRUE;
}

int
hy_cli_outbox_run (int    argc,
                   char **argv)
{
  g_autofree char *account_key = NULL;
  g_autofree char *ca_file = NULL;
  gboolean all = FALSE, json = FALSE, wait = FALSE, no_flush = FALSE;
  const GOptionEntry entries[] = {
    { "account", 'a', 0, G_OPTION_ARG_STRING, &account_key, "The account (id, address or name)", "ACCOUNT" },
    { "all", 0, 0, G_OPTION_ARG_NONE, &all, "list: include messages already sent and filed", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "list: print one JSON object per message", NULL },
    { "wait", 0, 0, G_OPTION_ARG_NONE, &wait, "flush: wait for delayed messages to fall due and send them too", NULL },
    { "no-flush", 0, 0, G_OPTION_ARG_NONE, &no_flush, "retry: only make the message due, do not send now", NULL },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, "Also trust the certificate authorities in this PEM file", "PEM" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("list|flush|retry ID|cancel ID — the outbox");
  g_autoptr(HyAccountManager) manager = NULL;
  g_autoptr(HyStore) store = NULL;
  g_autoptr(HyOutbox) outbox = NULL;
  g_autoptr(GError) error = NULL;
  HyAccount *account;
  const char *action;
  gint64 id = 0;

  g_option_context_set_summary (context,
    "list      show queued, failed and unfiled messages\n"
    "flush     send every due message, file it in Sent, mark it done\n"
    "retry ID  make a failed or waiting message due now, then flush\n"
    "cancel ID take a message that is not yet on its way out of the outbox;\n"
    "          its bytes are written to standard output");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!hy_cli_parse_options (context, &argc, &argv))
    return HY_CLI_EXIT_USAGE;
  action = argc >= 2 ? argv[1] : NULL;
  if (action == NULL
      || ((g_str_equal (action, "list") || g_str_equal (action, "flush")) && argc != 2)
      || ((g_str_equal (action, "retry") || g_str_equal (action, "cancel")) && argc != 3)
      || !g_strv_contains ((const char *[]) { "list", "flush", "retry", "cancel", NULL }, action))
    {
      hy_cli_error ("usage: hongyan-cli outbox list|flush|retry ID|cancel ID (see --help)");
      return HY_CLI_EXIT_USAGE;
    }
  if (argc == 3 && !parse_id (argv[2], &id))
    return HY_CLI_EXIT_USAGE;

  if ((manager = hy_cli_open_accounts ()) == NULL
      || (account = hy_cli_pick_account (manager, account_key)) == NULL
      || (store = hy_cli_open_store (manager, account)) == NULL)
    return HY_CLI_EXIT_FAILURE;
  outbox = hy_outbox_new (account, hy_account_manager_get_credentials (manager), store);
  if (ca_file != NULL)
    hy_outbox_set_ca_file (outbox, ca_file);

  if (g_str_equal (action, "list"))
    return do_list (outbox, all, json);
  if (g_str_equal (action, "flush"))
    return do_flush (outbox, wait);
  if (g_str_equal (action, "retry"))
    {
      if (!hy_outbox_retry (outbox, id, &error))
        {
          hy_cli_error ("%s", error->message);
          return HY_CLI_EXIT_FAILURE;
        }
      return no_flush ? HY_CLI_EXIT_OK : do_flush (outbox, FALSE);
    }
  /* cancel */
  {
    g_autoptr(GBytes) raw = hy_outbox_cancel (outbox, id, &error);
    gsize size;
    const char *data;

    if (raw == NULL)
      {
        hy_cli_error ("%s", error->message);
        return HY_CLI_EXIT_FAILURE;
      }
    data = g_bytes_get_data (raw, &size);
    fwrite (data, 1, size, stdout);
    return HY_CLI_EXIT_OK;
  }
}
