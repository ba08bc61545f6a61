/* hy-autoconfig.c — finds the servers of an e-mail address: ISP XML, SRV records, probing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-account"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>
#include <libsoup/soup.h>

#include "account/hy-account-error.h"
#include "account/hy-autoconfig.h"

/* Configuration files larger than this are not configuration files. */
#define MAX_XML_SIZE (256 * 1024)

G_DEFINE_BOXED_TYPE (HyAutoconfigResult, hy_autoconfig_result, hy_autoconfig_result_copy, hy_autoconfig_result_free)

static HyAutoconfigResult *
result_new (HyAutoconfigSource source)
{
  HyAutoconfigResult *result = g_new0 (HyAutoconfigResult, 1);

  result->source = source;
  result->incoming = g_ptr_array_new_with_free_func ((GDestroyNotify) hy_server_config_free);
  result->outgoing = g_ptr_array_new_with_free_func ((GDestroyNotify) hy_server_config_free);
  return result;
}

HyAutoconfigResult *
hy_autoconfig_result_copy (const HyAutoconfigResult *result)
{
  HyAutoconfigResult *copy;

  g_return_val_if_fail (result != NULL, NULL);

  copy = result_new (result->source);
  copy->display_name = g_strdup (result->display_name);
  for (guint i = 0; i < result->incoming->len; i++)
    g_ptr_array_add (copy->incoming, hy_server_config_copy (g_ptr_array_index (result->incoming, i)));
  for (guint i = 0; i < result->outgoing->len; i++)
    g_ptr_array_add (copy->outgoing, hy_server_config_copy (g_ptr_array_index (result->outgoing, i)));
  return copy;
}

void
hy_autoconfig_result_free (HyAutoconfigResult *result)
{
  if (result == NULL)
    return;
  g_free (result->display_name);
  g_ptr_array_unref (result->incoming);
  g_ptr_array_unref (result->outgoing);
  g_free (result);
}

const char *
hy_autoconfig_source_to_string (HyAutoconfigSource source)
{
  switch (source)
    {
    case HY_AUTOCONFIG_SOURCE_ISP: return "isp";
    case HY_AUTOCONFIG_SOURCE_WELL_KNOWN: return "well-known";
    case HY_AUTOCONFIG_SOURCE_SRV: return "srv";
    case HY_AUTOCONFIG_SOURCE_PROBE: return "probe";
    default: g_return_val_if_reached (NULL);
    }
}

/* Lower is better: implicit TLS, then STARTTLS, then plain; IMAP before POP3. */
static int
server_rank (const HyServerConfig *server)
{
  int rank = 0;

  switch (server->security)
    {
    case HY_SERVER_SECURITY_TLS: rank = 0; break;
    case HY_SERVER_SECURITY_STARTTLS: rank = 10; break;
    default: rank = 20; break;
    }
  if (server->protocol == HY_SERVER_PROTOCOL_POP3)
    rank += 100;
  return rank;
}

static void
sort_servers (GPtrArray *servers)
{
  /* A stable insertion sort keeps the provider's order within a rank. */
  for (guint i = 1; i < servers->len; i++)
    for (guint j = i; j > 0 && server_rank (servers->pdata[j]) < server_rank (servers->pdata[j - 1]); j--)
      {
        gpointer tmp = servers->pdata[j];

        servers->pdata[j] = servers->pdata[j - 1];
        servers->pdata[j - 1] = tmp;
      }
}

/* XML. */

typedef struct {
  const char *address;
  HyAutoconfigResult *result;
  GString *text;
  HyServerConfig *server;     /* being read */
  gboolean server_outgoing;
  gboolean server_usable;
  gboolean in_provider;
  gboolean seen_display_name;
} ParseState;

static char *
expand (const char *value,
        const char *address)
{
  const char *at = strrchr (address, '@');
  g_autofree char *local = at ? g_strndup (address, at - address) : g_strdup (address);
  const char *domain = at ? at + 1 : "";
  GString *out = g_string_new (NULL);

  for (const char *p = value; *p != '\0'; )
    {
      if (g_str_has_prefix (p, "%EMAILADDRESS%"))
        {
          g_string_append (out, address);
          p += strlen ("%EMAILADDRESS%");
        }
      else if (g_str_has_prefix (p, "%EMAILLOCALPART%"))
        {
          g_string_append (out, local);
          p += strlen ("%EMAILLOCALPART%");
        }
      else if (g_str_has_prefix (p, "%EMAILDOMAIN%"))
        {
          g_string_append (out, domain);
          p += strlen ("%EMAILDOMAIN%");
        }
      else
        g_string_append_c (out, *p++);
    }
  return g_strstrip (g_string_free (out, FALSE));
}

static void
xml_start (GMarkupParseContext  *context,
           const char           *element,
           const char          **names,
           const char          **values,
           gpointer              user_data,
           GError              **error)
{
  ParseState *state = user_data;

  g_string_truncate (state->text, 0);
  if (strcmp (element, "emailProvider") == 0)
    state->in_provider = TRUE;
  else if (state->in_provider && state->server == NULL
           && (strcmp (element, "incomingServer") == 0 || strcmp (element, "outgoingServer") == 0))
    {
      const char *type = NULL;
      HyServerProtocol protocol;

      for (guint i = 0; names[i] != NULL; i++)
        if (strcmp (names[i], "type") == 0)
          type = values[i];
      state->server_outgoing = element[0] == 'o';
      state->server = g_new0 (HyServerConfig, 1);
      state->server->security = HY_SERVER_SECURITY_TLS;
      state->server_usable = hy_server_protocol_from_string (type, &protocol)
                             && (protocol == HY_SERVER_PROTOCOL_SMTP) == state->server_outgoing;
      state->server->protocol = state->server_usable ? protocol : HY_SERVER_PROTOCOL_IMAP;
    }
}

static void
xml_text (GMarkupParseContext  *context,
          const char           *text,
          gsize                 length,
          gpointer              user_data,
          GError              **error)
{
  ParseState *state = user_data;

  if (state->text->len + length > 4096)
    {
      g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, _ ("element text too long"));
      return;
    }
  g_string_append_len (state->text, text, length);
}

static void
xml_end (GMarkupParseContext  *context,
         const char           *element,
         gpointer              user_data,
         GError              **error)
{
  ParseState *state = user_data;
  g_autofree char *value = expand (state->text->str, state->address);
  HyServerConfig *server = state->server;

  if (strcmp (element, "emailProvider") == 0)
    state->in_provider = FALSE;
  else if (server != NULL && (strcmp (element, "incomingServer") == 0 || strcmp (element, "outgoingServer") == 0))
    {
      if (state->server_usable && server->host != NULL && *server->host != '\0')
        {
          if (server->port == 0)
            server->port = hy_server_protocol_default_port (server->protocol, server->security);
          g_ptr_array_add (state->server_outgoing ? state->result->outgoing : state->result->incoming,
                           g_steal_pointer (&state->server));
        }
      g_clear_pointer (&state->server, hy_server_config_free);
    }
  else if (server != NULL && strcmp (element, "hostname") == 0)
    {
      g_free (server->host);
      server->host = g_ascii_strdown (value, -1);
      /* A host name, not a URL or a list. */
      if (strpbrk (server->host, " /:@\t") != NULL)
        state->server_usable = FALSE;
    }
  else if (server != NULL && strcmp (element, "port") == 0)
    {
      guint64 port = 0;

      if (!g_ascii_string_to_unsigned (value, 10, 1, 65535, &port, NULL))
        state->server_usable = FALSE;
      server->port = port;
    }
  else if (server != NULL && strcmp (element, "socketType") == 0)
    {
      if (g_ascii_strcasecmp (value, "SSL") == 0 || g_ascii_strcasecmp (value, "TLS") == 0)
        server->security = HY_SERVER_SECURITY_TLS;
      else if (g_ascii_strcasecmp (value, "STARTTLS") == 0)
        server->security = HY_SERVER_SECURITY_STARTTLS;
      else
        server->security = HY_SERVER_SECURITY_NONE;
    }
  else if (server != NULL && strcmp (element, "username") == 0)
    {
      g_free (server->user);
      server->user = g_steal_pointer (&value);
    }
  else if (server != NULL && strcmp (element, "authentication") == 0)
    {
      /* The first method listed is the provider's preference. */
      if (server->auth_mechanism == NULL)
        {
          if (g_ascii_strcasecmp (value, "OAuth2") == 0)
            server->auth_mechanism = g_strdup ("XOAUTH2");
          else if (g_ascii_strcasecmp (value, "password-encrypted") == 0)
            server->auth_mechanism = g_strdup ("CRAM-MD5");
          else if (g_ascii_strcasecmp (value, "client-IP-address") == 0
                   || g_ascii_strcasecmp (value, "none") == 0)
            server->auth_mechanism = g_strdup ("NONE");
          /* password-cleartext: the best mechanism the server offers */
        }
    }
  else if (state->in_provider && server == NULL && strcmp (element, "displayName") == 0
           && !state->seen_display_name)
    {
      state->result->display_name = g_steal_pointer (&value);
      state->seen_display_name = TRUE;
    }
  g_string_truncate (state->text, 0);
}

HyAutoconfigResult *
hy_autoconfig_parse_xml (const char  *xml,
                         gssize       length,
                         const char  *address,
                         GError     **error)
{
  static const GMarkupParser parser = { xml_start, xml_end, xml_text, NULL, NULL };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(HyAutoconfigResult) result = result_new (HY_AUTOCONFIG_SOURCE_ISP);
  ParseState state = { 0 };
  GError *local_error = NULL;
  gboolean ok;

  g_return_val_if_fail (xml != NULL, NULL);
  g_return_val_if_fail (address != NULL, NULL);

  if (length < 0)
    length = strlen (xml);
  state.address = address;
  state.result = result;
  state.text = g_string_new (NULL);
  context = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, &state, NULL);
  ok = g_markup_parse_context_parse (context, xml, length, &local_error)
       && g_markup_parse_context_end_parse (context, &local_error);
  g_string_free (state.text, TRUE);
  hy_server_config_free (state.server);
  if (!ok)
    {
      g_set_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_AUTOCONFIG,
                   _ ("The mail settings file is not valid XML: %s"), local_error->message);
      g_error_free (local_error);
      return NULL;
    }
  if (result->incoming->len == 0 || result->outgoing->len == 0)
    {
      g_set_error (error, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_AUTOCONFIG,
                   _ ("The mail settings file lists no usable %s server"),
                   result->incoming->len == 0 ? "incoming" : "outgoing");
      return NULL;
    }
  sort_servers (result->incoming);
  sort_servers (result->outgoing);
  return g_steal_pointer (&result);
}

/* The object. */

typedef struct {
  HyServerProtocol protocol;
  HyServerSecurity security;
  guint16 port;
} PortOverride;

struct _HyAutoconfig {
  GObject       parent_instance;

  GResolver    *resolver;
  GTlsDatabase *tls_database;
  guint16       http_port;
  guint         timeout;
  GArray       *port_overrides;
};

G_DEFINE_FINAL_TYPE (HyAutoconfig, hy_autoconfig, G_TYPE_OBJECT)

static void
hy_autoconfig_finalize (GObject *object)
{
  HyAutoconfig *self = HY_AUTOCONFIG (object);

  g_clear_object (&self->resolver);
  g_clear_object (&self->tls_database);
  g_array_unref (self->port_overrides);

  G_OBJECT_CLASS (hy_autoconfig_parent_class)->finalize (object);
}

static void
hy_autoconfig_class_init (HyAutoconfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hy_autoconfig_finalize;
}

static void
hy_autoconfig_init (HyAutoconfig *self)
{
  self->timeout = 10;
  self->port_overrides = g_array_new (FALSE, FALSE, sizeof (PortOverride));
}

HyAutoconfig *
hy_autoconfig_new (void)
{
  return g_object_new (HY_TYPE_AUTOCONFIG, NULL);
}

void
hy_autoconfig_set_resolver (HyAutoconfig *self,
                            GResolver    *resolver)
{
  g_return_if_fail (HY_IS_AUTOCONFIG (self));

  g_set_object (&self->resolver, resolver);
}

void
hy_autoconfig_set_tls_database (HyAutoconfig *self,
                                GTlsDatabase *database)
{
  g_return_if_fail (HY_IS_AUTOCONFIG (self));

  g_set_object (&self->tls_database, database);
}

void
hy_autoconfig_set_http_port (HyAutoconfig *self,
                             guint16       port)
{
  g_return_if_fail (HY_IS_AUTOCONFIG (self));

  self->http_port = port;
}

void
hy_autoconfig_set_probe_port (HyAutoconfig     *self,
                              HyServerProtocol  protocol,
                              HyServerSecurity  security,
                              guint16           port)
{
  PortOverride entry = { protocol, security, port };

  g_return_if_fail (HY_IS_AUTOCONFIG (self));

  g_array_append_val (self->port_overrides, entry);
}

void
hy_autoconfig_set_timeout (HyAutoconfig *self,
                           guint         seconds)
{
  g_return_if_fail (HY_IS_AUTOCONFIG (self));

  self->timeout = MAX (1, seconds);
}

static guint16
probe_port (HyAutoconfig     *self,
            HyServerProtocol  protocol,
            HyServerSecurity  security)
{
  for (guint i = 0; i < self->port_overrides->len; i++)
    {
      PortOverride *entry = &g_array_index (self->port_overrides, PortOverride, i);

      if (entry->protocol == protocol && entry->security == security)
        return entry->port;
    }
  return hy_server_protocol_default_port (protocol, security);
}

/* The lookup: steps tried in order until one gives both servers. */

typedef enum {
  STEP_ISP_HTTPS,
  STEP_ISP_HTTP,
  STEP_WELL_KNOWN,
  STEP_SRV,
  STEP_PROBE,
  STEP_DONE,
} Step;

typedef struct {
  char *address;
  char *domain;
  Step step;
  SoupSession *session;
  GPtrArray *errors;          /* what each step said, for the final message */
  /* SRV and probing run several lookups at once. */
  guint pending;
  HyAutoconfigResult *partial;
  GPtrArray *candidates;      /* Candidate, in order of preference */
} Lookup;

typedef struct {
  HyServerConfig *server;
  gboolean ok;
} Candidate;

static void
candidate_free (gpointer data)
{
  Candidate *candidate = data;

  hy_server_config_free (candidate->server);
  g_free (candidate);
}

static void
lookup_free (gpointer data)
{
  Lookup *lookup = data;

  g_free (lookup->address);
  g_free (lookup->domain);
  g_clear_object (&lookup->session);
  g_ptr_array_unref (lookup->errors);
  hy_autoconfig_result_free (lookup->partial);
  g_clear_pointer (&lookup->candidates, g_ptr_array_unref);
  g_free (lookup);
}

static void run_step (GTask *task);

static void
step_failed (GTask      *task,
             const char *what,
             const char *why)
{
  Lookup *lookup = g_task_get_task_data (task);

  g_debug ("autoconfig: %s: %s", what, why);
  g_ptr_array_add (lookup->errors, g_strdup_printf ("%s: %s", what, why));
  lookup->step++;
  run_step (task);
}

static void
fetched (GObject      *source,
         GAsyncResult *res,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Lookup *lookup = g_task_get_task_data (task);
  SoupMessage *message = soup_session_get_async_result_message (SOUP_SESSION (source), res);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(HyAutoconfigResult) result = NULL;
  g_autofree char *what = NULL;
  guint status;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), res, &error);
  what = g_uri_to_string (soup_message_get_uri (message));
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (body == NULL)
    {
      step_failed (task, what, error->message);
      return;
    }
  status = soup_message_get_status (message);
  if (status != SOUP_STATUS_OK)
    {
      g_autofree char *why = g_strdup_printf ("HTTP status %u", status);

      step_failed (task, what, why);
      return;
    }
  if (g_bytes_get_size (body) > MAX_XML_SIZE)
    {
      step_failed (task, what, "the file is too large");
      return;
    }
  result = hy_autoconfig_parse_xml (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                    lookup->address, &error);
  if (result == NULL)
    {
      step_failed (task, what, error->message);
      return;
    }
  result->source = lookup->step == STEP_WELL_KNOWN ? HY_AUTOCONFIG_SOURCE_WELL_KNOWN : HY_AUTOCONFIG_SOURCE_ISP;
  g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) hy_autoconfig_result_free);
}

static void
fetch (GTask      *task,
       const char *scheme,
       const char *host,
       const char *path)
{
  HyAutoconfig *self = g_task_get_source_object (task);
  Lookup *lookup = g_task_get_task_data (task);
  g_autofree char *escaped = g_uri_escape_string (lookup->address, NULL, FALSE);
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) message = NULL;

  if (self->http_port != 0)
    url = g_strdup_printf ("http://%s:%u%s?emailaddress=%s", host, self->http_port, path, escaped);
  else
    url = g_strdup_printf ("%s://%s%s?emailaddress=%s", scheme, host, path, escaped);

  message = soup_message_new (SOUP_METHOD_GET, url);
  if (message == NULL)
    {
      step_failed (task, url, "not a valid address");
      return;
    }
  soup_session_send_and_read_async (lookup->session, message, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), fetched, g_object_ref (task));
}

/* RFC 6186 SRV records. */

static const struct {
  const char *service;
  HyServerProtocol protocol;
  HyServerSecurity security;
} srv_services[] = {
  { "imaps", HY_SERVER_PROTOCOL_IMAP, HY_SERVER_SECURITY_TLS },
  { "imap", HY_SERVER_PROTOCOL_IMAP, HY_SERVER_SECURITY_STARTTLS },
  { "pop3s", HY_SERVER_PROTOCOL_POP3, HY_SERVER_SECURITY_TLS },
  { "pop3", HY_SERVER_PROTOCOL_POP3, HY_SERVER_SECURITY_STARTTLS },
  { "submissions", HY_SERVER_PROTOCOL_SMTP, HY_SERVER_SECURITY_TLS },
  { "submission", HY_SERVER_PROTOCOL_SMTP, HY_SERVER_SECURITY_STARTTLS },
};

typedef struct {
  GTask *task;
  guint index;
} SrvQuery;

static void
finish_candidates (GTask              *task,
                   HyAutoconfigSource  source)
{
  Lookup *lookup = g_task_get_task_data (task);
  g_autoptr(HyAutoconfigResult) result = result_new (source);

  for (guint i = 0; i < lookup->candidates->len; i++)
    {
      Candidate *candidate = g_ptr_array_index (lookup->candidates, i);

      if (!candidate->ok)
        continue;
      g_ptr_array_add (candidate->server->protocol == HY_SERVER_PROTOCOL_SMTP ? result->outgoing : result->incoming,
                       hy_server_config_copy (candidate->server));
    }
  g_clear_pointer (&lookup->candidates, g_ptr_array_unref);
  if (result->incoming->len == 0 || result->outgoing->len == 0)
    {
      step_failed (task, source == HY_AUTOCONFIG_SOURCE_SRV ? "SRV records" : "probing usual servers",
                   result->incoming->len == 0 ? "no incoming server found" : "no outgoing server found");
      return;
    }
  sort_servers (result->incoming);
  sort_servers (result->outgoing);
  g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) hy_autoconfig_result_free);
}

static void
srv_done (GObject      *source,
          GAsyncResult *res,
          gpointer      user_data)
{
  SrvQuery *query = user_data;
  g_autoptr(GTask) task = query->task;
  Lookup *lookup = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GList *targets = g_resolver_lookup_service_finish (G_RESOLVER (source), res, &error);
  const char *user = lookup->address;

  for (GList *l = targets; l != NULL; l = l->next)
    {
      const char *host = g_srv_target_get_hostname (l->data);
      Candidate *candidate;

      /* "." means the service is decidedly not offered (RFC 2782). */
      if (host == NULL || strcmp (host, ".") == 0 || *host == '\0' || g_srv_target_get_port (l->data) == 0)
        continue;
      candidate = g_new0 (Candidate, 1);
      candidate->server = hy_server_config_new (srv_services[query->index].protocol, host,
                                                g_srv_target_get_port (l->data),
                                                srv_services[query->index].security, user);
      if (g_str_has_suffix (candidate->server->host, "."))
        candidate->server->host[strlen (candidate->server->host) - 1] = '\0';
      candidate->ok = TRUE;
      g_ptr_array_add (lookup->candidates, candidate);
    }
  g_resolver_free_targets (targets);
  g_free (query);

  if (--lookup->pending > 0)
    return;
  if (g_task_return_error_if_cancelled (task))
    return;
  finish_candidates (task, HY_AUTOCONFIG_SOURCE_SRV);
}

static void
lookup_srv (GTask *task)
{
  HyAutoconfig *self = g_task_get_source_object (task);
  Lookup *lookup = g_task_get_task_data (task);
  g_autoptr(GResolver) resolver = self->resolver ? g_object_ref (self->resolver) : g_resolver_get_default ();

  lookup->candidates = g_ptr_array_new_with_free_func (candidate_free);
  lookup->pending = G_N_ELEMENTS (srv_services);
  for (guint i = 0; i < G_N_ELEMENTS (srv_services); i++)
    {
      SrvQuery *query = g_new0 (SrvQuery, 1);

      query->task = g_object_ref (task);
      query->index = i;
      g_resolver_lookup_service_async (resolver, srv_services[i].service, "tcp", lookup->domain,
                                       g_task_get_cancellable (task), srv_done, query);
    }
}

/* Probing: a real connection, with TLS and a valid certificate. */

typedef struct {
  GTask *task;
  Candidate *candidate;
  GSocketConnection *connection;
  GIOStream *tls;
  GDataInputStream *input;
  GCancellable *cancellable;
  guint timeout_id;
  int stage;
} Probe;

static void
probe_finish (Probe    *probe,
              gboolean  ok)
{
  GTask *task = probe->task;
  Lookup *lookup = g_task_get_task_data (task);

  g_debug ("autoconfig: probe %s:%u %s: %s", probe->candidate->server->host, probe->candidate->server->port,
           hy_server_security_to_string (probe->candidate->server->security), ok ? "works" : "failed");
  probe->candidate->ok = ok;
  if (probe->timeout_id != 0)
    g_source_remove (probe->timeout_id);
  if (probe->tls != NULL)
    g_io_stream_close (probe->tls, NULL, NULL);
  if (probe->connection != NULL)
    g_io_stream_close (G_IO_STREAM (probe->connection), NULL, NULL);
  g_clear_object (&probe->tls);
  g_clear_object (&probe->input);
  g_clear_object (&probe->connection);
  g_clear_object (&probe->cancellable);
  g_free (probe);

  if (--lookup->pending == 0)
    {
      if (!g_task_return_error_if_cancelled (task))
        finish_candidates (task, HY_AUTOCONFIG_SOURCE_PROBE);
    }
  g_object_unref (task);
}

static gboolean
probe_timeout (gpointer user_data)
{
  Probe *probe = user_data;

  probe->timeout_id = 0;
  g_cancellable_cancel (probe->cancellable);
  return G_SOURCE_REMOVE;
}

static void
probe_handshake_done (GObject      *source,
                      GAsyncResult *res,
                      gpointer      user_data)
{
  Probe *probe = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), res, &error);

  if (!ok)
    g_debug ("autoconfig: TLS with %s failed: %s", probe->candidate->server->host, error->message);
  probe_finish (probe, ok);
}

static void
probe_start_tls (Probe     *probe,
                 GIOStream *base)
{
  HyAutoconfig *self = g_task_get_source_object (probe->task);
  g_autoptr(GSocketConnectable) identity = g_network_address_new (probe->candidate->server->host,
                                                                 probe->candidate->server->port);
  g_autoptr(GError) error = NULL;

  probe->tls = g_tls_client_connection_new (base, identity, &error);
  if (probe->tls == NULL)
    {
      probe_finish (probe, FALSE);
      return;
    }
  if (self->tls_database != NULL)
    g_tls_connection_set_database (G_TLS_CONNECTION (probe->tls), self->tls_database);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (probe->tls), G_PRIORITY_DEFAULT, probe->cancellable,
                                    probe_handshake_done, probe);
}

static void probe_read_line (Probe *probe);

static void
probe_write_done (GObject      *source,
                  GAsyncResult *res,
                  gpointer      user_data)
{
  Probe *probe = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), res, NULL, NULL))
    probe_finish (probe, FALSE);
  else
    probe_read_line (probe);
}

static void
probe_send (Probe      *probe,
            const char *line)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (probe->connection));

  g_output_stream_write_all_async (out, line, strlen (line), G_PRIORITY_DEFAULT, probe->cancellable,
                                   probe_write_done, probe);
}

/* STARTTLS dialogue: IMAP "a STARTTLS" -> "a OK"; SMTP EHLO then
 * STARTTLS -> 220; POP3 STLS -> +OK.  Stage 0 reads the greeting. */
static void
probe_line_done (GObject      *source,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  Probe *probe = user_data;
  g_autofree char *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), res, NULL, NULL);
  HyServerProtocol protocol = probe->candidate->server->protocol;

  if (line == NULL)
    {
      probe_finish (probe, FALSE);
      return;
    }
  g_strchomp (line);

  switch (protocol)
    {
    case HY_SERVER_PROTOCOL_IMAP:
      if (probe->stage == 0)
        {
          if (!g_str_has_prefix (line, "* OK") && !g_str_has_prefix (line, "* PREAUTH"))
            break;
          probe->stage = 1;
          probe_send (probe, "a STARTTLS\r\n");
          return;
        }
      if (g_str_has_prefix (line, "* "))
        {
          probe_read_line (probe);
          return;
        }
      if (g_str_has_prefix (line, "a OK"))
        {
          probe_start_tls (probe, G_IO_STREAM (probe->connection));
          return;
        }
      break;
    case HY_SERVER_PROTOCOL_POP3:
      if (!g_str_has_prefix (line, "+OK"))
        break;
      if (probe->stage == 0)
        {
          probe->stage = 1;
          probe_send (probe, "STLS\r\n");
          return;
        }
      probe_start_tls (probe, G_IO_STREAM (probe->connection));
      return;
    case HY_SERVER_PROTOCOL_SMTP:
      /* Continuation lines ("250-…", "220-…") are read past. */
      if (strlen (line) >= 4 && line[3] == '-')
        {
          probe_read_line (probe);
          return;
        }
      if (probe->stage == 0 && g_str_has_prefix (line, "220"))
        {
          probe->stage = 1;
          probe_send (probe, "EHLO hongyan.invalid\r\n");
          return;
        }
      if (probe->stage == 1 && g_str_has_prefix (line, "250"))
        {
          probe->stage = 2;
          probe_send (probe, "STARTTLS\r\n");
          return;
        }
      if (probe->stage == 2 && g_str_has_prefix (line, "220"))
        {
          probe_start_tls (probe, G_IO_STREAM (probe->connection));
          return;
        }
      break;
    default:
      break;
    }
  probe_finish (probe, FALSE);
}

static void
probe_read_line (Probe *probe)
{
  g_data_input_stream_read_line_async (probe->input, G_PRIORITY_DEFAULT, probe->cancellable,
                                       probe_line_done, probe);
}

static void
probe_connected (GObject      *source,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  Probe *probe = user_data;
  g_autoptr(GError) error = NULL;

  probe->connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), res, &error);
  if (probe->connection == NULL)
    {
      g_debug ("autoconfig: cannot connect to %s:%u: %s", probe->candidate->server->host,
               probe->candidate->server->port, error->message);
      probe_finish (probe, FALSE);
      return;
    }
  if (probe->candidate->server->security == HY_SERVER_SECURITY_TLS)
    {
      probe_start_tls (probe, G_IO_STREAM (probe->connection));
      return;
    }
  probe->input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (probe->connection)));
  g_data_input_stream_set_newline_type (probe->input, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (probe->input), FALSE);
  probe_read_line (probe);
}

static void
on_task_cancelled (GCancellable *cancellable,
                   GCancellable *probe_cancellable)
{
  g_cancellable_cancel (probe_cancellable);
}

static void
add_probe (GTask            *task,
           GSocketClient    *client,
           const char       *host,
           HyServerProtocol  protocol,
           HyServerSecurity  security)
{
  HyAutoconfig *self = g_task_get_source_object (task);
  Lookup *lookup = g_task_get_task_data (task);
  Probe *probe = g_new0 (Probe, 1);

  probe->task = g_object_ref (task);
  probe->candidate = g_new0 (Candidate, 1);
  probe->candidate->server = hy_server_config_new (protocol, host, probe_port (self, protocol, security),
                                                   security, lookup->address);
  g_ptr_array_add (lookup->candidates, probe->candidate);
  probe->cancellable = g_cancellable_new ();
  if (g_task_get_cancellable (task) != NULL)
    g_cancellable_connect (g_task_get_cancellable (task), G_CALLBACK (on_task_cancelled),
                           g_object_ref (probe->cancellable), g_object_unref);
  probe->timeout_id = g_timeout_add_seconds (self->timeout, probe_timeout, probe);
  lookup->pending++;
  g_socket_client_connect_to_host_async (client, host, probe->candidate->server->port, probe->cancellable,
                                         probe_connected, probe);
}

static void
probe_servers (GTask *task)
{
  Lookup *lookup = g_task_get_task_data (task);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autofree char *imap = g_strconcat ("imap.", lookup->domain, NULL);
  g_autofree char *mail = g_strconcat ("mail.", lookup->domain, NULL);
  g_autofree char *pop = g_strconcat ("pop.", lookup->domain, NULL);
  g_autofree char *pop3 = g_strconcat ("pop3.", lookup->domain, NULL);
  g_autofree char *smtp = g_strconcat ("smtp.", lookup->domain, NULL);
  const char *imap_hosts[] = { imap, mail, lookup->domain };
  const char *pop_hosts[] = { pop, pop3, mail, lookup->domain };
  const char *smtp_hosts[] = { smtp, mail, lookup->domain };

  lookup->candidates = g_ptr_array_new_with_free_func (candidate_free);
  g_socket_client_set_timeout (client, HY_AUTOCONFIG (g_task_get_source_object (task))->timeout);
  /* All at once; the order of candidates is the order of preference. */
  lookup->pending = 1;
  for (guint s = 0; s < 2; s++)
    {
      HyServerSecurity security = s == 0 ? HY_SERVER_SECURITY_TLS : HY_SERVER_SECURITY_STARTTLS;

      for (guint i = 0; i < G_N_ELEMENTS (imap_hosts); i++)
        add_probe (task, client, imap_hosts[i], HY_SERVER_PROTOCOL_IMAP, security);
      for (guint i = 0; i < G_N_ELEMENTS (pop_hosts); i++)
        add_probe (task, client, pop_hosts[i], HY_SERVER_PROTOCOL_POP3, security);
      for (guint i = 0; i < G_N_ELEMENTS (smtp_hosts); i++)
        add_probe (task, client, smtp_hosts[i], HY_SERVER_PROTOCOL_SMTP, security);
    }
  /* Drop the guard taken above. */
  if (--lookup->pending == 0)
    finish_candidates (task, HY_AUTOCONFIG_SOURCE_PROBE);
}

static void
run_step (GTask *task)
{
  HyAutoconfig *self = g_task_get_source_object (task);
  Lookup *lookup = g_task_get_task_data (task);
  g_autofree char *host = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;

  switch (lookup->step)
    {
    case STEP_ISP_HTTPS:
    case STEP_ISP_HTTP:
      if (lookup->step == STEP_ISP_HTTP && self->http_port != 0)
        {
          lookup->step++;
          run_step (task);
          return;
        }
      /* Plain HTTP is what most providers' autoconfig hosts offer; the
       * result is shown to the user before it is used. */
      host = g_strconcat ("autoconfig.", lookup->domain, NULL);
      fetch (task, lookup->step == STEP_ISP_HTTPS ? "https" : "http", host, "/mail/config-v1.1.xml");
      return;
    case STEP_WELL_KNOWN:
      fetch (task, "https", lookup->domain, "/.well-known/autoconfig/mail/config-v1.1.xml");
      return;
    case STEP_SRV:
      lookup_srv (task);
      return;
    case STEP_PROBE:
      probe_servers (task);
      return;
    case STEP_DONE:
    default:
      {
        g_autofree char *details = NULL;

        g_ptr_array_add (lookup->errors, NULL);
        details = g_strjoinv ("; ", (char **) lookup->errors->pdata);
        g_task_return_new_error (task, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_AUTOCONFIG,
                                 _ ("No mail settings were found for %s; enter the servers by hand "
                                    "(ask your provider for them). Tried: %s"), lookup->address, details);
      }
      return;
    }
}

void
hy_autoconfig_lookup_async (HyAutoconfig        *self,
                            const char          *address,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Lookup *lookup;
  const char *at;

  g_return_if_fail (HY_IS_AUTOCONFIG (self));
  g_return_if_fail (address != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hy_autoconfig_lookup_async);

  at = strrchr (address, '@');
  if (at == NULL || at == address || at[1] == '\0' || at[1] == '.'
      || strpbrk (address, " \t\r\n/\\?#") != NULL || !g_utf8_validate (address, -1, NULL))
    {
      g_task_return_new_error (task, HY_ACCOUNT_ERROR, HY_ACCOUNT_ERROR_INVALID,
                               _ ("“%s” is not an e-mail address"), address);
      return;
    }

  lookup = g_new0 (Lookup, 1);
  lookup->address = g_strdup (address);
  lookup->domain = g_ascii_strdown (at + 1, -1);
  lookup->errors = g_ptr_array_new_with_free_func (g_free);
  lookup->session = soup_session_new_with_options ("timeout", self->timeout,
                                                   "idle-timeout", self->timeout,
                                                   "user-agent", "Hongyan/" PACKAGE_VERSION,
                                                   NULL);
  if (self->tls_database != NULL)
    soup_session_set_tls_database (lookup->session, self->tls_database);
  g_task_set_task_data (task, lookup, lookup_free);
  run_step (task);
}

HyAutoconfigResult *
hy_autoconfig_lookup_finish (HyAutoconfig  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hy_autoconfig_lookup_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
