/* hy-store-query.c — the search language of the store, parsed into SQL and FTS5
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <stdio.h>
#include <string.h>

#include "account/hy-folder-role.h"
#include "store/hy-store.h"
#include "store/hy-store-error.h"
#include "store/hy-store-query.h"
#include "store/hy-store-tokenizer.h"

typedef enum {
  PARAM_TEXT,
  PARAM_INT,
} ParamType;

typedef struct {
  ParamType type;
  char *text;
  gint64 value;
} Param;

struct _HyStoreQuery {
  GPtrArray *positive;   /* FTS5 sub-expressions */
  GPtrArray *negative;
  GPtrArray *conditions; /* SQL over "m" */
  GArray *params;
  char *match;
  char *sql;
};

static void
param_clear (gpointer data)
{
  Param *param = data;

  g_clear_pointer (&param->text, g_free);
}

void
hy_store_query_free (HyStoreQuery *query)
{
  if (query == NULL)
    return;
  g_ptr_array_unref (query->positive);
  g_ptr_array_unref (query->negative);
  g_ptr_array_unref (query->conditions);
  g_array_unref (query->params);
  g_free (query->match);
  g_free (query->sql);
  g_free (query);
}

static gboolean
count_token (const char *token,
             gsize       length,
             gpointer    user_data)
{
  (*(guint *) user_data)++;
  return FALSE;
}

static gboolean
has_tokens (const char *text)
{
  guint n = 0;

  hy_store_tokenize (text, -1, TRUE, count_token, &n);
  return n > 0;
}

/* A FTS5 string: double quotes inside are doubled; a lone CJK character
 * at the end is a prefix (see hy-store-tokenizer.h). */
static char *
fts_string (const char *column,
            const char *value)
{
  GString *out = g_string_new (NULL);

  if (column != NULL)
    g_string_append_printf (out, "%s : ", column);
  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
  if (hy_store_tokenizer_ends_in_prefix (value))
    g_string_append_c (out, '*');
  return g_string_free (out, FALSE);
}

static void
add_text (HyStoreQuery *query,
          const char   *column,
          const char   *value,
          gboolean      negate)
{
  if (!has_tokens (value))
    return;
  g_ptr_array_add (negate ? query->negative : query->positive, fts_string (column, value));
}

static void
add_condition (HyStoreQuery *query,
               gboolean      negate,
               const char   *sql)
{
  g_ptr_array_add (query->conditions,
                   negate ? g_strdup_printf ("NOT (%s)", sql) : g_strdup (sql));
}

static guint
add_text_param (HyStoreQuery *query,
                const char   *text)
{
  Param param = { PARAM_TEXT, g_strdup (text), 0 };

  g_array_append_val (query->params, param);
  return query->params->len;
}

static guint
add_int_param (HyStoreQuery *query,
               gint64        value)
{
  Param param = { PARAM_INT, NULL, value };

  g_array_append_val (query->params, param);
  return query->params->len;
}

/* The start of the local day written as YYYY-MM-DD, YYYY/MM/DD, YYYY-MM
 * or YYYY, as Unix time. */
static gboolean
parse_day (const char *text,
           gint64     *out)
{
  guint year = 0, month = 1, day = 1;
  int consumed = 0;
  g_autoptr(GDateTime) dt = NULL;

  if (sscanf (text, "%4u-%2u-%2u%n", &year, &month, &day, &consumed) == 3 && text[consumed] == '\0')
    ;
  else if (sscanf (text, "%4u/%2u/%2u%n", &year, &month, &day, &consumed) == 3 && text[consumed] == '\0')
    ;
  else if ((day = 1, sscanf (text, "%4u-%2u%n", &year, &month, &consumed) == 2) && text[consumed] == '\0')
    ;
  else if ((month = 1, day = 1, sscanf (text, "%4u%n", &year, &consumed) == 1)
           && text[consumed] == '\0' && consumed == 4)
    ;
  else
    return FALSE;

  if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1
      || day > g_date_get_days_in_month (month, year))
    return FALSE;
  dt = g_date_time_new_local (year, month, day, 0, 0, 0);
  if (dt == NULL)
    return FALSE;
  *out = g_date_time_to_unix (dt);
  return TRUE;
}

static gboolean
apply_field (HyStoreQuery  *query,
             const char    *field,
             const char    *value,
             gboolean       negate,
             GError       **error)
{
  if (g_ascii_strcasecmp (field, "from") == 0)
    add_text (query, "sender", value, negate);
  else if (g_ascii_strcasecmp (field, "to") == 0 || g_ascii_strcasecmp (field, "cc") == 0)
    add_text (query, "recipients", value, negate);
  else if (g_ascii_strcasecmp (field, "subject") == 0)
    add_text (query, "subject", value, negate);
  else if (g_ascii_strcasecmp (field, "body") == 0)
    add_text (query, "body", value, negate);
  else if (g_ascii_strcasecmp (field, "has") == 0)
    {
      if (g_ascii_strcasecmp (value, "attachment") == 0 || g_ascii_strcasecmp (value, "attachments") == 0)
        add_condition (query, negate, "m.has_attachment <> 0");
      else
        {
          g_set_error (error, HY_STORE_ERROR, HY_STORE_ERROR_BAD_QUERY,
                       _ ("“has:%s” is not a search term; use has:attachment"), value);
          return FALSE;
        }
    }
  else if (g_ascii_strcasecmp (field, "is") == 0)
    {
      static const struct { const char *name; const char *sql; } map[] = {
        { "unread", "(m.flags & 1) = 0" },
        { "read", "(m.flags & 1) <> 0" },
        { "seen", "(m.flags & 1) <> 0" },
        { "answered", "(m.flags & 2) <> 0" },
        { "replied", "(m.flags & 2) <> 0" },
        { "flagged", "(m.flags & 4) <> 0" },
        { "starred", "(m.flags & 4) <> 0" },
        { "unflagged", "(m.flags & 4) = 0" },
        { "draft", "(m.flags & 16) <> 0" },
      };
      guint i;

      for (i = 0; i < G_N_ELEMENTS (map); i++)
        if (g_ascii_strcasecmp (value, map[i].name) == 0)
          break;
      if (i == G_N_ELEMENTS (map))
        {
          g_set_error (error, HY_STORE_ERROR, HY_STORE_ERROR_BAD_QUERY,
                       _ ("“is:%s” is not a search term; use is:unread, is:read, is:flagged, "
                          "is:unflagged, is:answered or is:draft"), value);
          return FALSE;
        }
      add_condition (query, negate, map[i].sql);
    }
  else if (g_ascii_strcasecmp (field, "before") == 0 || g_ascii_strcasecmp (field, "after") == 0)
    {
      gboolean before = g_ascii_strcasecmp (field, "before") == 0;
      g_autofree char *sql = NULL;
      gint64 when;

      if (!parse_day (value, &when))
        {
          g_set_error (error, HY_STORE_ERROR, HY_STORE_ERROR_BAD_QUERY,
                       _ ("“%s:%s” has no date that can be understood; write it as YYYY-MM-DD"),
                       field, value);
          return FALSE;
        }
      sql = g_strdup_printf (before ? "m.date < ?%u" : "m.date >= ?%u", add_int_param (query, when));
      add_condition (query, negate, sql);
    }
  else if (g_ascii_strcasecmp (field, "in") == 0)
    {
      g_autofree char *sql = NULL;
      HyFolderRole role = hy_folder_role_from_string (value);
      guint name_param = add_text_param (query, value);
      guint role_param = add_int_param (query, role == HY_FOLDER_ROLE_NONE ? -1 : (gint64) role);

      /* One folder (an exact name first, then a role), so that the
       * folder's index gives its messages in order. */
      sql = g_strdup_printf ("m.folder_id = (SELECT id FROM folders WHERE name = ?%u COLLATE NOCASE "
                             "OR role = ?%u ORDER BY name = ?%u DESC, name LIMIT 1)",
                             name_param, role_param, name_param);
      add_condition (query, negate, sql);
    }
  else
    g_assert_not_reached ();

  return TRUE;
}

static gboolean
is_field (const char *name,
          gsize       length)
{
  static const char * const fields[] = {
    "from", "to", "cc", "subject", "body", "has", "is", "before", "after", "in", NULL
  };

  for (guint i = 0; fields[i] != NULL; i++)
    if (strlen (fields[i]) == length && g_ascii_strncasecmp (fields[i], name, length) == 0)
      return TRUE;
  return FALSE;
}

/* Reads a value at *@p: "quoted" (with "" for a quote), (parenthesised),
 * or up to the next space. */
static char *
read_value (const char **p)
{
  const char *s = *p;
  GString *out = g_string_new (NULL);

  if (*s == '"')
    {
      s++;
      while (*s != '\0')
        {
          if (*s == '"')
            {
              if (s[1] == '"')
                {
                  g_string_append_c (out, '"');
                  s += 2;
                  continue;
                }
              s++;
              break;
            }
          g_string_append_c (out, *s++);
        }
    }
  else if (*s == '(')
    {
      s++;
      while (*s != '\0' && *s != ')')
        g_string_append_c (out, *s++);
      if (*s == ')')
        s++;
    }
  else
    {
      while (*s != '\0' && !g_ascii_isspace (*s))
        g_string_append_c (out, *s++);
    }
  *p = s;
  return g_string_free (out, FALSE);
}

/* Message ids follow dates (see hy-store-private.h): newest first is
 * descending ids, which the full-text index yields in that order by
 * itself, so even a search with tens of thousands of hits needs no sort. */
static void
build (HyStoreQuery *query)
{
  GString *match = NULL;
  GString *sql = g_string_new (NULL);
  gboolean where = FALSE;

  if (query->positive->len > 0)
    {
      guint param;

      match = g_string_new (NULL);
      for (guint i = 0; i < query->positive->len; i++)
        g_string_append_printf (match, "%s%s", i > 0 ? " AND " : "",
                                (char *) g_ptr_array_index (query->positive, i));
      if (query->negative->len > 0)
        {
          g_string_append (match, " NOT (");
          for (guint i = 0; i < query->negative->len; i++)
            g_string_append_printf (match, "%s%s", i > 0 ? " OR " : "",
                                    (char *) g_ptr_array_index (query->negative, i));
          g_string_append_c (match, ')');
        }
      param = add_text_param (query, match->str);
      if (query->conditions->len == 0)
        {
          g_string_append_printf (sql, "SELECT rowid FROM message_fts WHERE message_fts MATCH ?%u "
                                  "ORDER BY rowid DESC", param);
          query->match = g_string_free (match, FALSE);
          query->sql = g_string_free (sql, FALSE);
          return;
        }
      g_string_append_printf (sql, "SELECT m.id FROM message_fts f JOIN messages m ON m.id = f.rowid "
                              "WHERE message_fts MATCH ?%u", param);
      where = TRUE;
    }
  else if (query->negative->len > 0)
    {
      match = g_string_new (NULL);
      for (guint i = 0; i < query->negative->len; i++)
        g_string_append_printf (match, "%s%s", i > 0 ? " OR " : "",
                                (char *) g_ptr_array_index (query->negative, i));
      g_string_append_printf (sql, "SELECT m.id FROM messages m WHERE m.id NOT IN (SELECT rowid FROM message_fts "
                              "WHERE message_fts MATCH ?%u)", add_text_param (query, match->str));
      where = TRUE;
    }
  else
    g_string_append (sql, "SELECT m.id FROM messages m");

  for (guint i = 0; i < query->conditions->len; i++)
    {
      g_string_append_printf (sql, " %s %s", where ? "AND" : "WHERE",
                              (char *) g_ptr_array_index (query->conditions, i));
      where = TRUE;
    }
  /* In a join the order is the full-text index's own. */
  g_string_append (sql, query->positive->len > 0 ? " ORDER BY f.rowid DESC" : " ORDER BY m.id DESC");

  query->match = match ? g_string_free (match, FALSE) : NULL;
  query->sql = g_string_free (sql, FALSE);
}

HyStoreQuery *
hy_store_query_parse (const char  *text,
                      GError     **error)
{
  g_autoptr(HyStoreQuery) query = NULL;
  const char *p;

  g_return_val_if_fail (text != NULL, NULL);

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, HY_STORE_ERROR, HY_STORE_ERROR_BAD_QUERY,
                   _ ("The search text is not valid UTF-8"));
      return NULL;
    }

  query = g_new0 (HyStoreQuery, 1);
  query->positive = g_ptr_array_new_with_free_func (g_free);
  query->negative = g_ptr_array_new_with_free_func (g_free);
  query->conditions = g_ptr_array_new_with_free_func (g_free);
  query->params = g_array_new (FALSE, TRUE, sizeof (Param));
  g_array_set_clear_func (query->params, param_clear);

  p = text;
  for (;;)
    {
      gboolean negate = FALSE;
      const char *start;
      const char *colon;

      while (g_ascii_isspace (*p))
        p++;
      if (*p == '\0')
        break;

      if (*p == '-' && p[1] != '\0' && !g_ascii_isspace (p[1]))
        {
          negate = TRUE;
          p++;
        }

      if (*p == '"')
        {
          g_autofree char *phrase = read_value (&p);

          add_text (query, NULL, phrase, negate);
          continue;
        }

      start = p;
      while (*p != '\0' && !g_ascii_isspace (*p) && *p != ':' && *p != '"')
        p++;
      colon = p;
      if (*colon == ':' && is_field (start, colon - start) && colon[1] != '\0' && !g_ascii_isspace (colon[1]))
        {
          g_autofree char *field = g_strndup (start, colon - start);
          g_autofree char *value = NULL;

          p = colon + 1;
          value = read_value (&p);
          if (!apply_field (query, field, value, negate, error))
            return NULL;
          continue;
        }

      /* A plain word, which may contain ':' ("re:", URLs). */
      while (*p != '\0' && !g_ascii_isspace (*p))
        p++;
      {
        g_autofree char *word = g_strndup (start, p - start);

        if (!negate && (strcmp (word, "AND") == 0))
          continue;
        add_text (query, NULL, word, negate);
      }
    }

  build (query);
  return g_steal_pointer (&query);
}

const char *
hy_store_query_get_match (HyStoreQuery *query)
{
  g_return_val_if_fail (query != NULL, NULL);

  return query->match;
}

const char *
hy_store_query_get_sql (HyStoreQuery *query)
{
  g_return_val_if_fail (query != NULL, NULL);

  return query->sql;
}

gboolean
hy_store_query_bind (HyStoreQuery *query,
                     sqlite3_stmt *stmt)
{
  g_return_val_if_fail (query != NULL, FALSE);
  g_return_val_if_fail (stmt != NULL, FALSE);

  for (guint i = 0; i < query->params->len; i++)
    {
      Param *param = &g_array_index (query->params, Param, i);
      int rc;

      if (param->type == PARAM_TEXT)
        rc = sqlite3_bind_text (stmt, i + 1, param->text, -1, SQLITE_TRANSIENT);
      else
        rc = sqlite3_bind_int64 (stmt, i + 1, param->value);
      if (rc != SQLITE_OK)
        return FALSE;
    }
  return TRUE;
}
