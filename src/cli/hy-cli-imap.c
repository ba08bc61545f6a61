/* hy-cli-imap.c — "hongyan-cli imap": mailboxes and messages on an IMAP server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <gmime/gmime.h>

#include "hy-cli-commands.h"
#include "hy-cli-conn.h"
#include "mime/hy-json-writer.h"
#include "imap/hy-imap-client.h"
#include "imap/hy-imap-error.h"
#include "imap/hy-imap-seqset.h"

typedef struct {
  HyCliConn     conn;
  gboolean      json;
  char         *uids;
  gboolean      headers;
  gboolean      full;
  HyImapClient *client;
} ImapCli;

static const char usage_text[] =
  "Usage: hongyan-cli imap CONNECTION-OPTIONS… COMMAND [ARGS…]\n"
  "\n"
  "Commands:\n"
  "  list                              mailboxes with attributes and counts\n"
  "  status MBOX                       message counts of a mailbox\n"
  "  fetch MBOX [--uids SET] [--headers|--full]\n"
  "                                    message summaries, headers or whole messages\n"
  "  search MBOX QUERY                 UIDs of matching messages (IMAP search keys)\n"
  "  append MBOX FILE                  store a message file in a mailbox\n"
  "  store MBOX UIDSET (+|-)FLAGS      add or remove flags, e.g. +\\Seen or -\\Flagged,$Junk\n"
  "  move MBOX UIDSET DEST             move messages to another mailbox\n"
  "  expunge MBOX                      remove the messages marked \\Deleted\n"
  "  idle MBOX [--timeout S]           print changes as they happen, for S seconds\n"
  "  create MBOX | delete MBOX         make or remove a mailbox\n"
  "\n"
  "--json prints list, status, fetch and search as JSON.  For idle, --timeout is\n"
  "how long to wait for changes (default: until interrupted).\n";

static void
usage_error (const char *what)
{
  hy_cli_error ("%s (see hongyan-cli imap --help)", what);
}

/* ---- session ------------------------------------------------------------ */

static int
open_session (ImapCli *cli)
{
  g_autoptr(HyConnection) connection = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  int exit_code = HY_CLI_EXIT_OK;

  connection = hy_cli_conn_create (&cli->conn, "imap", &exit_code);
  if (connection == NULL)
    return exit_code;
  cli->client = hy_imap_client_new (connection);

  hy_imap_client_connect_async (cli->client, NULL, hy_cli_store_result, &result);
  hy_cli_wait (&result);
  if (!hy_imap_client_connect_finish (cli->client, result, &error))
    return hy_cli_report_error (error);
  g_clear_object (&result);

  if (hy_imap_client_get_state (cli->client) == HY_IMAP_STATE_NOT_AUTHENTICATED)
    {
      g_autofree char *password = NULL;

      if (cli->conn.user == NULL)
        {
          hy_cli_error ("the IMAP server %s wants a login: give --user and --password-env or --password-file",
                        cli->conn.host);
          return HY_CLI_EXIT_USAGE;
        }
      password = hy_cli_conn_get_password (&cli->conn, &exit_code);
      if (password == NULL)
        return exit_code != HY_CLI_EXIT_OK ? exit_code : HY_CLI_EXIT_USAGE;
      hy_imap_client_login_async (cli->client, cli->conn.user, password, FALSE, NULL,
                                  hy_cli_store_result, &result);
      hy_cli_wait (&result);
      if (!hy_imap_client_login_finish (cli->client, result, &error))
        {
          if (g_error_matches (error, HY_IMAP_ERROR, HY_IMAP_ERROR_AUTH_FAILED))
            hy_cli_error ("check the user name and password for %s on %s", cli->conn.user, cli->conn.host);
          return hy_cli_report_error (error);
        }
    }
  return HY_CLI_EXIT_OK;
}

static void
close_session (ImapCli *cli)
{
  g_autoptr(GAsyncResult) result = NULL;

  if (cli->client == NULL || hy_imap_client_get_state (cli->client) == HY_IMAP_STATE_DISCONNECTED)
    return;
  hy_imap_client_logout_async (cli->client, NULL, hy_cli_store_result, &result);
  hy_cli_wait (&result);
  hy_imap_client_logout_finish (cli->client, result, NULL);
}

static HyImapSelectResult *
select_mailbox (ImapCli    *cli,
                const char *mailbox,
                gboolean    read_only,
                int        *exit_code)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HyImapSelectResult *selected;

  hy_imap_client_select_async (cli->client, mailbox, read_only, 0, 0, NULL, NULL,
                               hy_cli_store_result, &result);
  hy_cli_wait (&result);
  selected = hy_imap_client_select_finish (cli->client, result, &error);
  if (selected == NULL)
    *exit_code = hy_cli_report_error (error);
  return selected;
}

/* ---- output helpers ----------------------------------------------------- */

static void
json_strv (GString            *out,
           const char * const *strv)
{
  g_string_append_c (out, '[');
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      hy_json_append_string (out, strv[i]);
    }
  g_string_append_c (out, ']');
}

static void
json_nstring (GString    *out,
              const char *text)
{
  if (text == NULL)
    g_string_append (out, "null");
  else
    hy_json_append_string (out, text);
}

static char *
decode_header (const char *text)
{
  if (text == NULL)
    return g_strdup ("");
  return g_mime_utils_header_decode_text (NULL, text);
}

static const char * const special_uses[] = {
  "\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash", "\\Important", NULL
};

static const char *
special_use (const HyImapMailbox *mailbox)
{
  for (guint i = 0; special_uses[i] != NULL; i++)
    if (hy_imap_mailbox_has_attribute (mailbox, special_uses[i]))
      return special_uses[i];
  return NULL;
}

static void
json_status_items (GString            *out,
                   const HyImapStatus *status)
{
  g_string_append_printf (out, "\"messages\": %u, \"unseen\": %u, \"uidnext\": %u, \"uidvalidity\": %u",
                          status->messages, status->unseen, status->uidnext, status->uidvalidity);
  if (status->items & HY_IMAP_STATUS_RECENT)
    g_string_append_printf (out, ", \"recent\": %u", status->recent);
  if (status->items & HY_IMAP_STATUS_HIGHESTMODSEQ)
    g_string_append_printf (out, ", \"highestmodseq\": %" G_GUINT64_FORMAT, status->highestmodseq);
}

/* ---- list, status ------------------------------------------------------- */

static int
run_list (ImapCli *cli)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) mailboxes = NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  hy_imap_client_list_async (cli->client, "", "*", HY_IMAP_LIST_STATUS, NULL, hy_cli_store_result, &result);
  hy_cli_wait (&result);
  mailboxes = hy_imap_client_list_finish (cli->client, result, &error);
  if (mailboxes == NULL)
    return hy_cli_report_error (error);

  if (cli->json)
    g_string_append (out, "[");
  for (guint i = 0; i < mailboxes->len; i++)
    {
      HyImapMailbox *m = g_ptr_array_index (mailboxes, i);
      char delim[2] = { m->delimiter, '\0' };

      if (cli->json)
        {
          g_string_append (out, i > 0 ? ",\n {\"name\": " : "{\"name\": ");
          hy_json_append_string (out, m->name);
          g_string_append (out, ", \"delimiter\": ");
          json_nstring (out, m->delimiter != '\0' ? delim : NULL);
          g_string_append (out, ", \"attributes\": ");
          json_strv (out, (const char * const *) m->attributes);
          g_string_append (out, ", \"special_use\": ");
          json_nstring (out, special_use (m));
          if (m->status != NULL)
            {
              g_string_append (out, ", ");
              json_status_items (out, m->status);
            }
          g_string_append (out, "}");
        }
      else
        {
          g_autofree char *attrs = g_strjoinv (" ", m->attributes);

          g_string_append_printf (out, "%s\t(%s)", m->name, attrs);
          if (m->status != NULL)
            g_string_append_printf (out, "\t%u messages, %u unseen", m->status->messages, m->status->unseen);
          g_string_append_c (out, '\n');
        }
    }
  if (cli->json)
    g_string_append (out, "]\n");
  fputs (out->str, stdout);
  return HY_CLI_EXIT_OK;
}

static int
run_status (ImapCli    *cli,
            const char *mailbox)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapStatus) status = NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  hy_imap_client_status_async (cli->client, mailbox,
                               HY_IMAP_STATUS_MESSAGES | HY_IMAP_STATUS_UNSEEN | HY_IMAP_STATUS_UIDNEXT |
                               HY_IMAP_STATUS_UIDVALIDITY | HY_IMAP_STATUS_RECENT |
                               HY_IMAP_STATUS_HIGHESTMODSEQ,
                               NULL, hy_cli_store_result, &result);
  hy_cli_wait (&result);
  status = hy_imap_client_status_finish (cli->client, result, &error);
  if (status == NULL)
    return hy_cli_report_error (error);

  if (cli->json)
    {
      g_string_append (out, "{\"name\": ");
      hy_json_append_string (out, status->name);
      g_string_append (out, ", ");
      json_status_items (out, status);
      g_string_append (out, "}\n");
    }
  else
    {
      g_string_append_printf (out, "mailbox: %s\nmessages: %u\nunseen: %u\nrecent: %u\nuidnext: %u\nuidvalidity: %u\n",
                              status->name, status->messages, status->unseen, status->recent,
                              status->uidnext, status->uidvalidity);
      if (status->items & HY_IMAP_STATUS_HIGHESTMODSEQ)
        g_string_append_printf (out, "highestmodseq: %" G_GUINT64_FORMAT "\n", status->highestmodseq);
    }
  fputs (out->str, stdout);
  return HY_CLI_EXIT_OK;
}

/* ---- fetch -------------------------------------------------------------- */

static void
json_addresses (GString   *out,
                GPtrArray *addresses)
{
  gboolean first = TRUE;

  g_string_append_c (out, '[');
  for (guint i = 0; i < addresses->len; i++)
    {
      HyImapAddress *a = g_ptr_array_index (addresses, i);
      g_autofree char *name = a->name != NULL ? decode_header (a->name) : NULL;
      g_autofree char *address = NULL;

      if (a->host == NULL)  /* group markers */
        continue;
      address = hy_imap_address_to_string (a);
      g_string_append (out, first ? "{\"name\": " : ", {\"name\": ");
      json_nstring (out, name);
      g_string_append (out, ", \"address\": ");
      hy_json_append_string (out, address);
      g_string_append_c (out, '}');
      first = FALSE;
    }
  g_string_append_c (out, ']');
}

static void
json_envelope (GString        *out,
               HyImapEnvelope *e)
{
  g_autofree char *subject = e->subject != NULL ? decode_header (e->subject) : NULL;

  g_string_append (out, "{\"date\": ");
  json_nstring (out, e->date);
  g_string_append (out, ", \"subject\": ");
  json_nstring (out, subject);
  g_string_append (out, ", \"from\": ");
  json_addresses (out, e->from);
  g_string_append (out, ", \"sender\": ");
  json_addresses (out, e->sender);
  g_string_append (out, ", \"reply_to\": ");
  json_addresses (out, e->reply_to);
  g_string_append (out, ", \"to\": ");
  json_addresses (out, e->to);
  g_string_append (out, ", \"cc\": ");
  json_addresses (out, e->cc);
  g_string_append (out, ", \"bcc\": ");
  json_addresses (out, e->bcc);
  g_string_append (out, ", \"in_reply_to\": ");
  json_nstring (out, e->in_reply_to);
  g_string_append (out, ", \"message_id\": ");
  json_nstring (out, e->message_id);
  g_string_append_c (out, '}');
}

static void
json_body (GString        *out,
           HyImapBodyPart *part)
{
  g_string_append (out, "{\"type\": ");
  hy_json_append_string (out, part->type);
  g_string_append (out, ", \"subtype\": ");
  hy_json_append_string (out, part->subtype);
  g_string_append (out, ", \"params\": {");
  for (guint i = 0; part->params[i] != NULL && part->params[i + 1] != NULL; i += 2)
    {
      if (i > 0)
        g_string_append (out, ", ");
      hy_json_append_string (out, part->params[i]);
      g_string_append (out, ": ");
      hy_json_append_string (out, part->params[i + 1]);
    }
  g_string_append (out, "}");
  if (part->children != NULL)
    {
      g_string_append (out, ", \"parts\": [");
      for (guint i = 0; i < part->children->len; i++)
        {
          if (i > 0)
            g_string_append (out, ", ");
          json_body (out, g_ptr_array_index (part->children, i));
        }
      g_string_append (out, "]");
    }
  else
    {
      g_string_append (out, ", \"encoding\": ");
      json_nstring (out, part->encoding);
      g_string_append_printf (out, ", \"size\": %" G_GUINT64_FORMAT, part->size);
    }
  if (part->disposition != NULL)
    {
      const char *filename = hy_imap_body_part_get_disposition_param (part, "filename");

      g_string_append (out, ", \"disposition\": ");
      hy_json_append_string (out, part->disposition);
      if (filename != NULL)
        {
          g_autofree char *decoded = decode_header (filename);

          g_string_append (out, ", \"filename\": ");
          hy_json_append_string (out, decoded);
        }
    }
  if (part->message != NULL)
    {
      g_string_append (out, ", \"message\": ");
      json_body (out, part->message);
    }
  g_string_append (out, "}");
}

static char *
bytes_to_text (GBytes *bytes)
{
  gsize size = 0;
  const char *data = bytes != NULL ? g_bytes_get_data (bytes, &size) : "";

  return g_strndup (data, size);
}

static void
print_fetch_json (GString     *out,
                  HyImapFetch *f,
                  ImapCli     *cli)
{
  g_string_append_printf (out, "{\"uid\": %u, \"flags\": ", f->uid);
  json_strv (out, (const char * const *) f->flags);
  if (f->internaldate != NULL)
    {
      g_autofree char *iso = g_date_time_format_iso8601 (f->internaldate);

      g_string_append (out, ", \"internaldate\": ");
      hy_json_append_string (out, iso);
    }
  g_string_append_printf (out, ", \"size\": %" G_GUINT64_FORMAT, f->size);
  if (f->items & HY_IMAP_FETCH_MODSEQ)
    g_string_append_printf (out, ", \"modseq\": %" G_GUINT64_FORMAT, f->modseq);
  if (f->envelope != NULL)
    {
      g_string_append (out, ", \"envelope\": ");
      json_envelope (out, f->envelope);
    }
  if (f->body != NULL)
    {
      g_string_append (out, ", \"bodystructure\": ");
      json_body (out, f->body);
    }
  if (cli->headers || cli->full)
    {
      const HyImapFetchSection *s = hy_imap_fetch_get_section (f, cli->full ? "" : "HEADER");
      g_autofree char *text = bytes_to_text (s != NULL ? s->data : NULL);

      g_string_append (out, cli->full ? ", \"message\": " : ", \"headers\": ");
      hy_json_append_string (out, text);
    }
  g_string_append_c (out, '}');
}

static void
print_fetch_human (GString     *out,
                   HyImapFetch *f)
{
  g_autofree char *flags = g_strjoinv (" ", f->flags);
  g_autofree char *date = f->internaldate != NULL ? g_date_time_format (f->internaldate, "%Y-%m-%d %H:%M") : g_strdup ("-");
  g_autofree char *from = NULL;
  g_autofree char *subject = NULL;

  if (f->envelope != NULL && f->envelope->from->len > 0)
    {
      HyImapAddress *a = g_ptr_array_index (f->envelope->from, 0);

      from = a->name != NULL ? decode_header (a->name) : hy_imap_address_to_string (a);
    }
  if (f->envelope != NULL)
    subject = decode_header (f->envelope->subject);
  g_string_append_printf (out, "%u\t(%s)\t%s\t%" G_GUINT64_FORMAT "\t%s\t%s\n",
                          f->uid, flags, date, f->size, from != NULL ? from : "", subject != NULL ? subject : "");
}

static int
run_fetch (ImapCli    *cli,
           const char *mailbox)
{
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) fetches = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  const char *sections[2] = { NULL, NULL };
  HyImapFetchItems items = HY_IMAP_FETCH_FLAGS | HY_IMAP_FETCH_INTERNALDATE | HY_IMAP_FETCH_SIZE |
                           HY_IMAP_FETCH_ENVELOPE;
  int exit_code = HY_CLI_EXIT_OK;

  if (cli->headers && cli->full)
    {
      usage_error ("give either --headers or --full, not both");
      return HY_CLI_EXIT_USAGE;
    }
  if (cli->json)
    items |= HY_IMAP_FETCH_BODYSTRUCTURE | HY_IMAP_FETCH_MODSEQ;
  if (cli->headers)
    sections[0] = "HEADER";
  else if (cli->full)
    sections[0] = "";

  selected = select_mailbox (cli, mailbox, TRUE, &exit_code);
  if (selected == NULL)
    return exit_code;
  if (selected->exists == 0)
    {
      if (cli->json)
        fputs ("[]\n", stdout);
      return HY_CLI_EXIT_OK;
    }

  hy_imap_client_fetch_async (cli->client, cli->uids != NULL ? cli->uids : "1:*", items,
                              sections, 0, NULL, NULL, NULL, hy_cli_store_result, &result);
  hy_cli_wait (&result);
  fetches = hy_imap_client_fetch_finish (cli->client, result, &error);
  if (fetches == NULL)
    return hy_cli_report_error (error);

  if (cli->json)
    {
      g_string_append_c (out, '[');
      for (guint i = 0; i < fetches->len; i++)
        {
          if (i > 0)
            g_string_append (out, ",\n ");
          print_fetch_json (out, g_ptr_array_index (fetches, i), cli);
        }
      g_string_append (out, "]\n");
      fwrite (out->str, 1, out->len, stdout);
      return HY_CLI_EXIT_OK;
    }

  for (guint i = 0; i < fetches->len; i++)
    {
      HyImapFetch *f = g_ptr_array_index (fetches, i);

      if (sections[0] != NULL)
        {
          const HyImapFetchSection *s = hy_imap_fetch_get_section (f, sections[0]);
          gsize size = 0;
          const char *data = s != NULL && s->data != NULL ? g_bytes_get_data (s->data, &size) : NULL;

          if (fetches->len > 1)
            g_string_append_printf (out, "==> UID %u <==\n", f->uid);
          if (data != NULL)
            g_string_append_len (out, data, size);
        }
      else
        print_fetch_human (out, f);
    }
  fwrite (out->str, 1, out->len, stdout);
  return HY_CLI_EXIT_OK;
}

/* ---- search ------------------------------------------------------------- */

static int
run_search (ImapCli    *cli,
            const char *mailbox,
            const char *query)
{
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapSearch) search = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  int exit_code = HY_CLI_EXIT_OK;

  selected = select_mailbox (cli, mailbox, TRUE, &exit_code);
  if (selected == NULL)
    return exit_code;
  hy_imap_client_search_async (cli->client, query, NULL, hy_cli_store_result, &result);
  hy_cli_wait (&result);
  search = hy_imap_client_search_finish (cli->client, result, &error);
  if (search == NULL)
    return hy_cli_report_error (error);

  if (cli->json)
    g_string_append_c (out, '[');
  for (guint i = 0; i < search->numbers->len; i++)
    {
      guint32 uid = g_array_index (search->numbers, guint32, i);

      if (cli->json)
        g_string_append_printf (out, "%s%u", i > 0 ? ", " : "", uid);
      else
        g_string_append_printf (out, "%u\n", uid);
    }
  if (cli->json)
    g_string_append (out, "]\n");
  fputs (out->str, stdout);
  return HY_CLI_EXIT_OK;
}

/* ---- append, store, move, expunge, create, delete ---------------------- */

static int
run_append (ImapCli    *cli,
            const char *mailbox,
            const char *path)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = NULL;
  g_autoptr(GByteArray) crlf = g_byte_array_new ();
  g_autofree char *contents = NULL;
  gsize length = 0;
  guint32 uidvalidity = 0, uid = 0;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      hy_cli_error ("cannot read the message: %s", error->message);
      return HY_CLI_EXIT_FAILURE;
    }
  /* IMAP wants CRLF line ends; files on disk usually have LF. */
  for (gsize i = 0; i < length; i++)
    {
      if (contents[i] == '\n' && (i == 0 || contents[i - 1] != '\r'))
        g_byte_array_append (crlf, (const guint8 *) "\r", 1);
      g_byte_array_append (crlf, (const guint8 *) &contents[i], 1);
    }
  message = g_byte_array_free_to_bytes (g_steal_pointer (&crlf));

  hy_imap_client_append_async (cli->client, mailbox, message, NULL, NULL, NULL, hy_cli_store_result, &result);
  hy_cli_wait (&result);
  if (!hy_imap_client_append_finish (cli->client, result, &uidvalidity, &uid, &error))
    return hy_cli_report_error (error);
  if (uid != 0)
    printf ("%u\n", uid);
  return HY_CLI_EXIT_OK;
}

static int
run_store (ImapCli    *cli,
           const char *mailbox,
           const char *uid_set,
           const char *change)
{
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapStoreResult) stored = NULL;
  g_auto(GStrv) flags = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  HyImapStoreMode mode;
  int exit_code = HY_CLI_EXIT_OK;

  if (change[0] == '+')
    mode = HY_IMAP_STORE_ADD;
  else if (change[0] == '-')
    mode = HY_IMAP_STORE_REMOVE;
  else
    {
      usage_error ("flags must start with + (add) or - (remove), e.g. +\\Seen");
      return HY_CLI_EXIT_USAGE;
    }
  flags = g_strsplit_set (change + 1, ", ", -1);
  {
    guint n = 0;

    for (guint i = 0; flags[i] != NULL; i++)
      if (*flags[i] != '\0')
        flags[n++] = flags[i];
      else
        g_free (flags[i]);
    flags[n] = NULL;
    if (n == 0)
      {
        usage_error ("no flags given");
        return HY_CLI_EXIT_USAGE;
      }
  }

  selected = select_mailbox (cli, mailbox, FALSE, &exit_code);
  if (selected == NULL)
    return exit_code;
  hy_imap_client_store_async (cli->client, uid_set, mode, (const char * const *) flags, 0, NULL,
                              hy_cli_store_result, &result);
  hy_cli_wait (&result);
  stored = hy_imap_client_store_finish (cli->client, result, &error);
  if (stored == NULL)
    {
      if (error->domain == G_IO_ERROR)
        {
          usage_error (error->message);
          return HY_CLI_EXIT_USAGE;
        }
      return hy_cli_report_error (error);
    }
  for (guint i = 0; i < stored->fetches->len; i++)
    {
      HyImapFetch *f = g_ptr_array_index (stored->fetches, i);
      g_autofree char *now = g_strjoinv (" ", f->flags);

      g_string_append_printf (out, "%u\t(%s)\n", f->uid, now);
    }
  fputs (out->str, stdout);
  return HY_CLI_EXIT_OK;
}

static int
run_move (ImapCli    *cli,
          const char *mailbox,
          const char *uid_set,
          const char *destination)
{
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HyImapCopyResult) moved = NULL;
  int exit_code = HY_CLI_EXIT_OK;

  selected = select_mailbox (cli, mailbox, FALSE, &exit_code);
  if (selected == NULL)
    return exit_code;
  hy_imap_client_move_async (cli->client, uid_set, destination, NULL, hy_cli_store_result, &result);
  hy_cli_wait (&result);
  moved = hy_imap_client_copy_finish (cli->client, result, &error);
  if (moved == NULL)
    {
      if (error->domain == G_IO_ERROR)
        {
          usage_error (error->message);
          return HY_CLI_EXIT_USAGE;
        }
      return hy_cli_report_error (error);
    }
  if (moved->source != NULL && moved->dest != NULL)
    {
      g_autoptr(GArray) src = hy_imap_seqset_expand ((HyImapRange *) moved->source->data, moved->source->len,
                                                     0, 1000000, NULL);
      g_autoptr(GArray) dst = hy_imap_seqset_expand ((HyImapRange *) moved->dest->data, moved->dest->len,
                                                     0, 1000000, NULL);

      /* COPYUID lists the UIDs in matching order; both sets are ascending
       * when the server assigns new UIDs in order, as servers do. */
      if (src != NULL && dst != NULL && src->len == dst->len)
        for (guint i = 0; i < src->len; i++)
          printf ("%u\t%u\n", g_array_index (src, guint32, i), g_array_index (dst, guint32, i));
    }
  return HY_CLI_EXIT_OK;
}

static int
run_expunge (ImapCli    *cli,
             const char *mailbox)
{
  g_autoptr(HyImapSelectResult) selected = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  int exit_code = HY_CLI_EXIT_OK;

  selected = select_mailbox (cli, mailbox, FALSE, &exit_code);
  if (selected == NULL)
    return exit_code;
  hy_imap_client_expunge_async (cli->client, NULL, NULL, hy_cli_store_result, &result);
  hy_cli_wait (&result);
  if (!hy_imap_client_expunge_finish (cli->client, result, &error))
    return hy_cli_report_error (error);
  return HY_CLI_EXIT_OK;
}

static int
run_mailbox_op (ImapCli    *cli,
                const char *op,
                const char *mailbox)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (strcmp (op, "create") == 0)
    hy_imap_client_create_async (cli->client, mailbox, NULL, hy_cli_store_result, &result);
  else
    hy_imap_client_delete_async (cli->client, mailbox, NULL, hy_cli_store_result, &result);
  hy_cli_wait (&result);
  if (!hy_imap_client_mailbox_op_finish (cli->client, result, &error))
    return hy_cli_report_error (error);
  return HY_CLI_EXIT_OK;
}

/* ---- idle --------------------------------------------------------------- */

static void
print_change (HyImapResponse *r)
{
  switch (r->data)
    {
    case HY_IMAP_DATA_EXISTS:
      printf ("EXISTS %u\n", r->number);
      break;
    case HY_IMAP_DATA_RECENT:
      printf ("RECENT %u\n", r->number);
      break;
    case HY_IMAP_DATA_EXPUNGE:
      printf ("EXPUNGE %u\n", r->number);
      break;
    case HY_IMAP_DATA_VANISHED:
      {
        g_autofree char *set = hy_imap_seqset_format ((HyImapRange *) r->uids->data, r->uids->len);

        printf ("VANISHED %s\n", set);
      }
      break;
    case HY_IMAP_DATA_FETCH:
      {
        g_autofree char *flags = g_strjoinv (" ", r->fetch->flags);

        if (r->fetch->items & HY_IMAP_FETCH_UID)
          printf ("FETCH %u UID %u FLAGS (%s)\n", r->fetch->seq, r->fetch->uid, flags);
        else
          printf ("FETCH %u FLAGS (%s)\n", r->fetch->seq, flags);
      }
      break;
    default:
      break;
    }
  fflush (stdout);
}

static void
on_untagged (HyImapClient   *client,
             HyImapResponse *response,
             gpointer        user_data)
{
  print_change (response);
}

static int
run_idle (ImapCli    *cli,
          const char *mailbox,
          int         seconds)
{
  g_autoptr(HyImapSelectResult) selected = NULL;
  int exit_code = HY_CLI_EXIT_OK;
  gint64 deadline = seconds > 0 ? g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC : 0;

  selected = select_mailbox (cli, mailbox, TRUE, &exit_code);
  if (selected == NULL)
    return exit_code;
  g_signal_connect (cli->client, "untagged", G_CALLBACK (on_untagged), NULL);

  for (;;)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) changes = NULL;
      guint wait = 0;

      if (deadline != 0)
        {
          gint64 left = deadline - g_get_monotonic_time ();

          if (left <= 0)
            break;
          wait = MAX (1, (guint) (left / G_USEC_PER_SEC));
        }
      else
        wait = 25 * 60;  /* renew IDLE before servers drop it */

      hy_imap_client_idle_async (cli->client, wait, NULL, hy_cli_store_result, &result);
      hy_cli_wait (&result);
      changes = hy_imap_client_idle_finish (cli->client, result, &error);
      if (changes == NULL)
        return hy_cli_report_error (error);
      for (guint i = 0; i < changes->len; i++)
        print_change (g_ptr_array_index (changes, i));
    }
  return HY_CLI_EXIT_OK;
}

/* ---- entry point -------------------------------------------------------- */

typedef struct {
  const char *name;
  int         n_args;
} SubCommand;

static const SubCommand subcommands[] = {
  { "list", 0 }, { "status", 1 }, { "fetch", 1 }, { "search", 2 }, { "append", 2 },
  { "store", 3 }, { "move", 3 }, { "expunge", 1 }, { "idle", 1 }, { "create", 1 },
  { "delete", 1 },
};

/* Flags to remove ("-\Seen") look like options: hide them from the
 * option parser by the "--" it knows. */
static char **
protect_flag_arguments (int    argc,
                        char **argv,
                        int   *new_argc)
{
  GPtrArray *out = g_ptr_array_new ();
  gboolean seen_store = FALSE;
  GPtrArray *tail = g_ptr_array_new ();

  for (int i = 0; i < argc; i++)
    {
      if (strcmp (argv[i], "store") == 0)
        seen_store = TRUE;
      if (seen_store && argv[i][0] == '-' && argv[i][1] != '-' && argv[i][1] != '\0')
        g_ptr_array_add (tail, argv[i]);
      else
        g_ptr_array_add (out, argv[i]);
    }
  if (tail->len > 0)
    {
      g_ptr_array_add (out, (gpointer) "--");
      for (guint i = 0; i < tail->len; i++)
        g_ptr_array_add (out, tail->pdata[i]);
    }
  g_ptr_array_free (tail, TRUE);
  *new_argc = (int) out->len;
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

int
hy_cli_imap_run (int    argc,
                 char **argv)
{
  ImapCli cli = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char **args = NULL;
  const SubCommand *sub = NULL;
  int idle_seconds = 0;
  int n_args = 0;
  int exit_code;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &cli.json, "Print list, status, fetch and search as JSON", NULL },
    { "uids", 0, 0, G_OPTION_ARG_STRING, &cli.uids, "fetch: only these UIDs, e.g. 1:10,15", "SET" },
    { "headers", 0, 0, G_OPTION_ARG_NONE, &cli.headers, "fetch: the header of each message", NULL },
    { "full", 0, 0, G_OPTION_ARG_NONE, &cli.full, "fetch: whole messages", NULL },
    { NULL }
  };

  context = g_option_context_new ("COMMAND [ARGS…] — mailboxes and messages on an IMAP server");
  g_option_context_set_description (context, usage_text);
  hy_cli_conn_add_options (&cli.conn, context);
  g_option_context_add_main_entries (context, entries, NULL);

  args = protect_flag_arguments (argc, argv, &n_args);
  if (!hy_cli_parse_options (context, &n_args, &args))
    {
      hy_cli_conn_clear (&cli.conn);
      return HY_CLI_EXIT_USAGE;
    }

  /* The parser leaves the "--" added above in place. */
  for (int i = 0; i < n_args; i++)
    if (strcmp (args[i], "--") == 0)
      {
        memmove (&args[i], &args[i + 1], sizeof (char *) * (n_args - i));
        n_args--;
        break;
      }

  /* args[0] is "imap" */
  if (n_args < 2)
    {
      usage_error ("no IMAP command given");
      hy_cli_conn_clear (&cli.conn);
      return HY_CLI_EXIT_USAGE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    if (strcmp (args[1], subcommands[i].name) == 0)
      sub = &subcommands[i];
  if (sub == NULL || n_args - 2 != sub->n_args)
    {
      g_autofree char *what = sub == NULL ? g_strdup_printf ("unknown IMAP command “%s”", args[1])
                                          : g_strdup_printf ("“%s” takes %d argument%s", sub->name,
                                                             sub->n_args, sub->n_args == 1 ? "" : "s");
      usage_error (what);
      hy_cli_conn_clear (&cli.conn);
      g_free (cli.uids);
      return HY_CLI_EXIT_USAGE;
    }

  /* "idle --timeout S" is how long to wait for changes; the connection
   * keeps its usual timeout for everything else. */
  if (strcmp (sub->name, "idle") == 0)
    {
      idle_seconds = cli.conn.timeout;
      cli.conn.timeout = 0;
    }

  exit_code = open_session (&cli);
  if (exit_code == HY_CLI_EXIT_OK)
    {
      if (strcmp (sub->name, "list") == 0)
        exit_code = run_list (&cli);
      else if (strcmp (sub->name, "status") == 0)
        exit_code = run_status (&cli, args[2]);
      else if (strcmp (sub->name, "fetch") == 0)
        exit_code = run_fetch (&cli, args[2]);
      else if (strcmp (sub->name, "search") == 0)
        exit_code = run_search (&cli, args[2], args[3]);
      else if (strcmp (sub->name, "append") == 0)
        exit_code = run_append (&cli, args[2], args[3]);
      else if (strcmp (sub->name, "store") == 0)
        exit_code = run_store (&cli, args[2], args[3], args[4]);
      else if (strcmp (sub->name, "move") == 0)
        exit_code = run_move (&cli, args[2], args[3], args[4]);
      else if (strcmp (sub->name, "expunge") == 0)
        exit_code = run_expunge (&cli, args[2]);
      else if (strcmp (sub->name, "idle") == 0)
        exit_code = run_idle (&cli, args[2], idle_seconds);
      else
        exit_code = run_mailbox_op (&cli, sub->name, args[2]);
      close_session (&cli);
    }

  g_clear_object (&cli.client);
  g_free (cli.uids);
  hy_cli_conn_clear (&cli.conn);
  return exit_code;
}
