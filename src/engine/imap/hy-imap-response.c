/* hy-imap-response.c — IMAP server responses as typed values, parsed from bytes
 *
 * Two stages: a tokenizer turns the bytes into a small tree of values
 * (atoms, strings, NIL, lists), then each kind of response is read from the
 * tree.  The tree stage is where hostile input is contained: every length is
 * checked against the buffer, nesting is bounded, and nothing outside the
 * buffer is read.  The second stage is lenient about what real servers do
 * (NIL where a string belongs, lower-case keywords, extra spaces, numbers
 * sent as strings, 8-bit bytes in quoted strings).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-imap"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap/hy-imap-error.h"
#include "imap/hy-imap-response.h"
#include "imap/hy-imap-utf7.h"

/* Lists in an expanded SEARCH/VANISHED result are capped: a server may send
 * "1:4294967295". */
#define MAX_EXPANDED_NUMBERS (4u * 1024u * 1024u)

/* ---- tokenizer --------------------------------------------------------- */

typedef enum {
  V_ATOM,
  V_STRING,
  V_NIL,
  V_LIST,
} VType;

typedef struct _Value Value;
struct _Value {
  VType   type;
  guint   len;      /* string/atom length, or number of list items */
  char   *str;      /* nul-terminated copy for atoms and strings */
  Value **items;
};

/* The tree lives only while one response is read, so its nodes and
 * strings come from an arena freed in one go: a FETCH of a large mailbox
 * makes millions of them. */
#define ARENA_BLOCK 16384

typedef struct {
  GSList  *blocks;   /* shared blocks of ARENA_BLOCK bytes */
  GSList  *big;      /* one allocation each: large strings (message bodies) */
  guint8  *cur;
  gsize    left;
  /* The first block, on the stack of the one reading a response: most
   * responses fit in it, and taking a block from the heap and giving it
   * back for each of them cost more than reading the response. */
  guint8  *first;
  gboolean first_used;
} Arena;

/* A large allocation, or the first of a new block. */
static gpointer
arena_alloc_slow (Arena *arena,
                  gsize  size)
{
  guint8 *p;

  if (size > ARENA_BLOCK / 4)
    {
      p = g_malloc (size);
      arena->big = g_slist_prepend (arena->big, p);
      return p;
    }
  if (size > arena->left)
    {
      if (!arena->first_used)
        {
          p = arena->first;
          arena->first_used = TRUE;
        }
      else
        {
          p = g_malloc (ARENA_BLOCK);
          arena->blocks = g_slist_prepend (arena->blocks, p);
        }
      arena->cur = p;
      arena->left = ARENA_BLOCK;
    }
  p = arena->cur;
  arena->cur += size;
  arena->left -= size;
  return p;
}

static inline gpointer
arena_alloc (Arena *arena,
             gsize  size)
{
  guint8 *p;

  size = (size + 7) & ~(gsize) 7;
  if (G_UNLIKELY (size > arena->left || size > ARENA_BLOCK / 4))
    return arena_alloc_slow (arena, size);
  p = arena->cur;
  arena->cur += size;
  arena->left -= size;
  return p;
}

/* Takes a large allocation (a message body) out of the arena, so that it
 * can be handed on without another copy; %NULL if @p is not one. */
static gpointer
arena_steal (Arena   *arena,
             gpointer p)
{
  GSList *link = g_slist_find (arena->big, p);

  if (link == NULL)
    return NULL;
  arena->big = g_slist_delete_link (arena->big, link);
  return p;
}

static void
arena_clear (Arena *arena)
{
  g_slist_free_full (arena->blocks, g_free);
  g_slist_free_full (arena->big, g_free);
  arena->blocks = NULL;
  arena->big = NULL;
  arena->left = 0;
  arena->first_used = FALSE;
}

/* Items of the lists being read: a plain array that starts on the stack of
 * the one reading a response and moves to the heap only for long lists. */
#define STACK_FIRST 256

typedef struct {
  gpointer *pdata;
  guint     len;
  guint     size;
  gpointer *first;
} Stack;

static inline void
stack_push (Stack   *stack,
            gpointer item)
{
  if (G_UNLIKELY (stack->len == stack->size))
    {
      stack->size *= 2;
      if (stack->pdata == stack->first)
        stack->pdata = g_memdup2 (stack->first, sizeof (gpointer) * stack->len);
      stack->pdata = g_renew (gpointer, stack->pdata, stack->size);
    }
  stack->pdata[stack->len++] = item;
}

static void
stack_clear (Stack *stack)
{
  if (stack->pdata != stack->first)
    g_free (stack->pdata);
}

typedef struct {
  const guint8 *start;
  const guint8 *p;
  const guint8 *end;
  GError      **error;
  Arena         arena;
  Stack         stack;
} Lexer;

static gboolean G_GNUC_PRINTF (2, 3)
lex_fail (Lexer      *lx,
          const char *format,
          ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (lx->error == NULL || *lx->error != NULL)
    return FALSE;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (lx->error, HY_IMAP_ERROR, HY_IMAP_ERROR_PROTOCOL,
               _ ("The server sent a malformed IMAP response (%s at byte %zu)"),
               message, (gsize) (lx->p - lx->start));
  return FALSE;
}

static void
lex_skip_spaces (Lexer *lx)
{
  while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t'))
    lx->p++;
}

static gboolean
lex_at_line_end (Lexer *lx)
{
  return lx->p >= lx->end || *lx->p == '\r' || *lx->p == '\n';
}

static Value *
new_value (Lexer *lx,
           VType  type)
{
  Value *v = arena_alloc (&lx->arena, sizeof (Value));

  v->type = type;
  v->len = 0;
  v->str = NULL;
  v->items = NULL;
  return v;
}

static Value *
make_string (Lexer        *lx,
             VType         type,
             const guint8 *data,
             gsize         len)
{
  Value *v = new_value (lx, type);

  v->len = (guint) len;
  v->str = arena_alloc (&lx->arena, len + 1);
  memcpy (v->str, data, len);
  v->str[len] = '\0';
  return v;
}

static Value *lex_value (Lexer *lx, guint depth);

/* The bytes that end the plain run of a quoted string. */
static const guint8 quoted_special[256] = {
  ['"'] = 1, ['\\'] = 1, ['\r'] = 1, ['\n'] = 1,
};

static Value *
lex_quoted (Lexer *lx)
{
  const guint8 *q;
  gsize len = 0;
  Value *v;
  char *out;

  lx->p++;  /* opening quote */

  /* Most strings have no escapes: found in one pass and copied at once. */
  for (q = lx->p; q < lx->end && !quoted_special[*q]; q++)
    ;
  if (q < lx->end && *q == '"')
    {
      v = make_string (lx, V_STRING, lx->p, q - lx->p);
      lx->p = q + 1;
      return v;
    }

  /* measure first, then copy without the escapes */
  for (q = lx->p; ; q++)
    {
      if (q >= lx->end || *q == '\r' || *q == '\n')
        {
          lx->p = q;
          lex_fail (lx, "unterminated quoted string");
          return NULL;
        }
      if (*q == '"')
        break;
      if (*q == '\\' && q + 1 < lx->end && q[1] != '\r' && q[1] != '\n')
        q++;
      len++;
    }

  v = new_value (lx, V_STRING);
  v->len = (guint) len;
  v->str = out = arena_alloc (&lx->arena, len + 1);
  for (; lx->p < q; lx->p++)
    {
      if (*lx->p == '\\' && lx->p + 1 < q)
        lx->p++;
      else if (*lx->p == '\\')
        continue;
      *out++ = (char) *lx->p;
    }
  *out = '\0';
  lx->p = q + 1;
  return v;
}

static Value *
lex_literal (Lexer *lx)
{
  guint64 n = 0;
  gboolean digits = FALSE;

  if (*lx->p == '~')  /* literal8 (BINARY) */
    lx->p++;
  if (lx->p >= lx->end || *lx->p != '{')
    {
      lex_fail (lx, "“~” without a literal");
      return NULL;
    }
  lx->p++;
  while (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9')
    {
      n = n * 10 + (guint64) (*lx->p - '0');
      if (n > G_MAXUINT32)
        {
          lex_fail (lx, "literal too large");
          return NULL;
        }
      digits = TRUE;
      lx->p++;
    }
  if (lx->p < lx->end && (*lx->p == '+' || *lx->p == '-'))
    lx->p++;
  if (!digits || lx->p >= lx->end || *lx->p != '}')
    {
      lex_fail (lx, "malformed literal length");
      return NULL;
    }
  lx->p++;
  if (lx->p < lx->end && *lx->p == '\r')
    lx->p++;
  if (lx->p >= lx->end || *lx->p != '\n')
    {
      lex_fail (lx, "literal length not at the end of a line");
      return NULL;
    }
  lx->p++;
  if ((guint64) (lx->end - lx->p) < n)
    {
      lex_fail (lx, "literal of %" G_GUINT64_FORMAT " bytes is cut short", n);
      return NULL;
    }
  lx->p += n;
  return make_string (lx, V_STRING, lx->p - n, (gsize) n);
}

/* The bytes that end an atom or change how it is read. */
static const guint8 atom_special[256] = {
  ['\r'] = 1, ['\n'] = 1, [' '] = 1, ['\t'] = 1, ['('] = 1, [')'] = 1, ['['] = 1, [']'] = 1,
};

static Value *
lex_atom (Lexer *lx)
{
  const guint8 *start = lx->p;
  guint brackets = 0;

  while (lx->p < lx->end)
    {
      guint8 c;

      while (lx->p < lx->end && !atom_special[*lx->p])
        lx->p++;
      if (lx->p >= lx->end)
        break;
      c = *lx->p;

      if (c == '\r' || c == '\n')
        break;
      if (brackets > 0)
        {
          if (c == ']')
            brackets--;
          else if (c == '[')
            brackets++;
          lx->p++;
          continue;
        }
      if (c == ' ' || c == '\t' || c == '(' || c == ')' || c == ']')
        break;
      if (c == '[')
        brackets++;
      lx->p++;
    }

  if (brackets > 0)
    {
      lex_fail (lx, "unterminated “[”");
      return NULL;
    }
  if (lx->p == start)
    {
      lex_fail (lx, "unexpected character “%c”", g_ascii_isprint (*lx->p) ? *lx->p : '?');
      return NULL;
    }
  if (lx->p - start == 3 && (start[0] | 0x20) == 'n' && (start[1] | 0x20) == 'i' && (start[2] | 0x20) == 'l')
    return new_value (lx, V_NIL);
  return make_string (lx, V_ATOM, start, lx->p - start);
}

static Value *
lex_list (Lexer *lx,
          guint  depth)
{
  guint first = lx->stack.len;
  Value *v;

  if (depth >= HY_IMAP_MAX_DEPTH)
    {
      lex_fail (lx, "lists nested too deeply");
      return NULL;
    }
  lx->p++;  /* ( */
  for (;;)
    {
      Value *item;

      lex_skip_spaces (lx);
      if (lx->p >= lx->end)
        {
          lex_fail (lx, "unterminated list");
          return NULL;
        }
      if (*lx->p == ')')
        {
          lx->p++;
          break;
        }
      item = lex_value (lx, depth + 1);
      if (item == NULL)
        return NULL;
      stack_push (&lx->stack, item);
    }

  v = new_value (lx, V_LIST);
  v->len = lx->stack.len - first;
  v->items = arena_alloc (&lx->arena, sizeof (Value *) * MAX (v->len, 1));
  if (v->len > 0)
    memcpy (v->items, lx->stack.pdata + first, sizeof (Value *) * v->len);
  lx->stack.len = first;
  return v;
}

static Value *
lex_value (Lexer *lx,
           guint  depth)
{
  lex_skip_spaces (lx);
  if (lex_at_line_end (lx))
    {
      lex_fail (lx, "response ends too early");
      return NULL;
    }
  switch (*lx->p)
    {
    case '(':
      return lex_list (lx, depth);
    case '"':
      return lex_quoted (lx);
    case '{':
      return lex_literal (lx);
    case '~':
      if (lx->p + 1 < lx->end && lx->p[1] == '{')
        return lex_literal (lx);
      return lex_atom (lx);
    case ')':
      lex_fail (lx, "unbalanced “)”");
      return NULL;
    default:
      return lex_atom (lx);
    }
}

/* Reads values up to the end of the line (or a "]" when @in_code).  Values
 * are appended to @out. */
static gboolean
lex_rest (Lexer     *lx,
          GPtrArray *out,
          gboolean   in_code)
{
  for (;;)
    {
      Value *v;

      lex_skip_spaces (lx);
      if (lex_at_line_end (lx))
        return !in_code || lex_fail (lx, "response code without “]”");
      if (in_code && *lx->p == ']')
        return TRUE;
      v = lex_value (lx, 0);
      if (v == NULL)
        return FALSE;
      g_ptr_array_add (out, v);
    }
}

/* ---- reading values ---------------------------------------------------- */

static gboolean
v_is_string (const Value *v)
{
  return v != NULL && (v->type == V_ATOM || v->type == V_STRING);
}

/* nstring / astring: NULL for NIL or anything that is not a string. */
static char *
v_dup (const Value *v)
{
  return v_is_string (v) ? g_strdup (v->str) : NULL;
}

static char *
v_dup_lower (const Value *v)
{
  return v_is_string (v) ? g_ascii_strdown (v->str, v->len) : NULL;
}

static gboolean
v_is_atom (const Value *v,
           const char  *word)
{
  return v != NULL && v->type == V_ATOM && g_ascii_strcasecmp (v->str, word) == 0;
}

static gboolean
parse_u64 (const char *s,
           guint64    *out)
{
  guint64 n = 0;

  if (s == NULL || *s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    {
      if (*s < '0' || *s > '9')
        return FALSE;
      if (n > (G_MAXUINT64 - 9) / 10)
        return FALSE;
      n = n * 10 + (guint64) (*s - '0');
    }
  *out = n;
  return TRUE;
}

/* Numbers: some servers quote them; accept that. */
static gboolean
v_u64 (const Value *v,
       guint64     *out)
{
  return v_is_string (v) && parse_u64 (v->str, out);
}

static gboolean
v_u32 (const Value *v,
       guint32     *out)
{
  guint64 n;

  if (!v_u64 (v, &n) || n > G_MAXUINT32)
    return FALSE;
  *out = (guint32) n;
  return TRUE;
}

static const Value *
v_item (const Value *list,
        guint        i)
{
  if (list == NULL || list->type != V_LIST || i >= list->len)
    return NULL;
  return list->items[i];
}

static char **
v_strv (const Value *list)
{
  GPtrArray *out = g_ptr_array_new ();

  if (list != NULL && list->type == V_LIST)
    for (guint i = 0; i < list->len; i++)
      if (v_is_string (list->items[i]))
        g_ptr_array_add (out, g_strdup (list->items[i]->str));
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

/* Parameter lists "(name value name value)": names in lower case. */
static char **
v_params (const Value *list)
{
  GPtrArray *out = g_ptr_array_new ();

  if (list != NULL && list->type == V_LIST)
    for (guint i = 0; i + 1 < list->len; i += 2)
      {
        if (!v_is_string (list->items[i]))
          continue;
        g_ptr_array_add (out, g_ascii_strdown (list->items[i]->str, -1));
        g_ptr_array_add (out, v_is_string (list->items[i + 1]) ? g_strdup (list->items[i + 1]->str) : g_strdup (""));
      }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

static gboolean G_GNUC_PRINTF (2, 3)
fail (GError    **error,
      const char *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, HY_IMAP_ERROR, HY_IMAP_ERROR_PROTOCOL,
               _ ("The server sent a malformed IMAP response (%s)"), message);
  return FALSE;
}

static char *
mailbox_name_to_utf8 (const char       *raw,
                      HyImapParseFlags  flags)
{
  char *name = NULL;

  if (g_ascii_strcasecmp (raw, "INBOX") == 0)
    return g_strdup ("INBOX");
  if ((flags & HY_IMAP_PARSE_UTF8) == 0)
    name = hy_imap_utf7_decode (raw, NULL);
  if (name == NULL)
    name = g_utf8_make_valid (raw, -1);
  return name;
}

/* ---- envelope and body structure --------------------------------------- */

void
hy_imap_address_free (HyImapAddress *address)
{
  if (address == NULL)
    return;
  g_free (address->name);
  g_free (address->adl);
  g_free (address->mailbox);
  g_free (address->host);
  g_free (address);
}

/**
 * hy_imap_address_to_string:
 *
 * Returns: (transfer full): "mailbox@host", or the group name, or "" at
 *   the end of a group
 */
char *
hy_imap_address_to_string (const HyImapAddress *address)
{
  g_return_val_if_fail (address != NULL, NULL);

  if (address->mailbox != NULL && address->host != NULL)
    return g_strdup_printf ("%s@%s", address->mailbox, address->host);
  return g_strdup (address->mailbox != NULL ? address->mailbox : "");
}

static GPtrArray *
parse_addresses (const Value *list)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) hy_imap_address_free);

  if (list == NULL || list->type != V_LIST)
    return out;
  for (guint i = 0; i < list->len; i++)
    {
      const Value *a = list->items[i];
      HyImapAddress *address;

      if (a->type != V_LIST)
        continue;
      address = g_new0 (HyImapAddress, 1);
      address->name = v_dup (v_item (a, 0));
      address->adl = v_dup (v_item (a, 1));
      address->mailbox = v_dup (v_item (a, 2));
      address->host = v_dup (v_item (a, 3));
      g_ptr_array_add (out, address);
    }
  return out;
}

void
hy_imap_envelope_free (HyImapEnvelope *envelope)
{
  if (envelope == NULL)
    return;
  g_free (envelope->date);
  g_free (envelope->subject);
  g_clear_pointer (&envelope->from, g_ptr_array_unref);
  g_clear_pointer (&envelope->sender, g_ptr_array_unref);
  g_clear_pointer (&envelope->reply_to, g_ptr_array_unref);
  g_clear_pointer (&envelope->to, g_ptr_array_unref);
  g_clear_pointer (&envelope->cc, g_ptr_array_unref);
  g_clear_pointer (&envelope->bcc, g_ptr_array_unref);
  g_free (envelope->in_reply_to);
  g_free (envelope->message_id);
  g_free (envelope);
}

static HyImapEnvelope *
parse_envelope (const Value *v,
                GError     **error)
{
  HyImapEnvelope *envelope;

  if (v == NULL || v->type != V_LIST)
    {
      fail (error, "ENVELOPE is not a list");
      return NULL;
    }
  envelope = g_new0 (HyImapEnvelope, 1);
  envelope->date = v_dup (v_item (v, 0));
  envelope->subject = v_dup (v_item (v, 1));
  envelope->from = parse_addresses (v_item (v, 2));
  envelope->sender = parse_addresses (v_item (v, 3));
  envelope->reply_to = parse_addresses (v_item (v, 4));
  envelope->to = parse_addresses (v_item (v, 5));
  envelope->cc = parse_addresses (v_item (v, 6));
  envelope->bcc = parse_addresses (v_item (v, 7));
  envelope->in_reply_to = v_dup (v_item (v, 8));
  envelope->message_id = v_dup (v_item (v, 9));
  return envelope;
}

void
hy_imap_body_part_free (HyImapBodyPart *part)
{
  if (part == NULL)
    return;
  g_free (part->type);
  g_free (part->subtype);
  g_strfreev (part->params);
  g_free (part->id);
  g_free (part->description);
  g_free (part->encoding);
  g_free (part->md5);
  g_free (part->disposition);
  g_strfreev (part->disposition_params);
  g_strfreev (part->language);
  g_free (part->location);
  hy_imap_envelope_free (part->envelope);
  hy_imap_body_part_free (part->message);
  g_clear_pointer (&part->children, g_ptr_array_unref);
  g_free (part);
}

static const char *
params_lookup (char       **params,
               const char  *name)
{
  for (guint i = 0; params != NULL && params[i] != NULL && params[i + 1] != NULL; i += 2)
    if (g_ascii_strcasecmp (params[i], name) == 0)
      return params[i + 1];
  return NULL;
}

const char *
hy_imap_body_part_get_param (const HyImapBodyPart *part,
                             const char           *name)
{
  g_return_val_if_fail (part != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return params_lookup (part->params, name);
}

const char *
hy_imap_body_part_get_disposition_param (const HyImapBodyPart *part,
                                         const char           *name)
{
  g_return_val_if_fail (part != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return params_lookup (part->disposition_params, name);
}

/* body-ext: disposition, language, location (after md5 / multipart params). */
static void
parse_body_ext (HyImapBodyPart *part,
                const Value    *v,
                guint           i)
{
  const Value *dsp = v_item (v, i);
  const Value *lang = v_item (v, i + 1);

  if (dsp != NULL && dsp->type == V_LIST)
    {
      part->disposition = v_dup_lower (v_item (dsp, 0));
      part->disposition_params = v_params (v_item (dsp, 1));
    }
  else if (v_is_string (dsp))  /* a quirk: the bare type without a list */
    part->disposition = v_dup_lower (dsp);

  if (lang != NULL && lang->type == V_LIST)
    part->language = v_strv (lang);
  else if (v_is_string (lang))
    {
      part->language = g_new0 (char *, 2);
      part->language[0] = g_strdup (lang->str);
    }
  part->location = v_dup (v_item (v, i + 2));
}

static HyImapBodyPart *
parse_body (const Value *v,
            guint        depth,
            GError     **error)
{
  g_autoptr(HyImapBodyPart) part = NULL;
  guint i;

  if (v == NULL || v->type != V_LIST || v->len == 0)
    {
      fail (error, "BODYSTRUCTURE is not a list");
      return NULL;
    }
  if (depth >= HY_IMAP_MAX_DEPTH)
    {
      fail (error, "BODYSTRUCTURE nested too deeply");
      return NULL;
    }

  part = g_new0 (HyImapBodyPart, 1);

  if (v->items[0]->type == V_LIST)
    {
      part->type = g_strdup ("multipart");
      part->children = g_ptr_array_new_with_free_func ((GDestroyNotify) hy_imap_body_part_free);
      for (i = 0; i < v->len && v->items[i]->type == V_LIST; i++)
        {
          HyImapBodyPart *child = parse_body (v->items[i], depth + 1, error);

          if (child == NULL)
            return NULL;
          g_ptr_array_add (part->children, child);
        }
      part->subtype = v_is_string (v_item (v, i)) ? v_dup_lower (v_item (v, i)) : g_strdup ("mixed");
      part->params = v_params (v_item (v, i + 1));
      parse_body_ext (part, v, i + 2);
    }
  else
    {
      part->type = v_is_string (v->items[0]) ? v_dup_lower (v->items[0]) : g_strdup ("application");
      part->subtype = v_is_string (v_item (v, 1)) ? v_dup_lower (v_item (v, 1)) : g_strdup ("octet-stream");
      part->params = v_params (v_item (v, 2));
      part->id = v_dup (v_item (v, 3));
      part->description = v_dup (v_item (v, 4));
      part->encoding = v_dup_lower (v_item (v, 5));
      if (!v_u64 (v_item (v, 6), &part->size))
        part->size = 0;
      i = 7;

      /* message/rfc822 (and message/global) carry envelope, body, lines;
       * some servers leave them out, so look before reading. */
      if (g_str_equal (part->type, "message") &&
          (g_str_equal (part->subtype, "rfc822") || g_str_equal (part->subtype, "global")) &&
          v_item (v, 7) != NULL && v_item (v, 7)->type == V_LIST &&
          v_item (v, 8) != NULL && v_item (v, 8)->type == V_LIST)
        {
          part->envelope = parse_envelope (v_item (v, 7), error);
          if (part->envelope == NULL)
            return NULL;
          part->message = parse_body (v_item (v, 8), depth + 1, error);
          if (part->message == NULL)
            return NULL;
          v_u64 (v_item (v, 9), &part->lines);
          i = 10;
        }
      else if (g_str_equal (part->type, "text"))
        {
          v_u64 (v_item (v, 7), &part->lines);
          i = 8;
        }
      part->md5 = v_dup (v_item (v, i));
      parse_body_ext (part, v, i + 1);
    }

  if (part->params == NULL)
    part->params = g_new0 (char *, 1);
  if (part->disposition_params == NULL)
    part->disposition_params = g_new0 (char *, 1);
  return g_steal_pointer (&part);
}

/* ---- FETCH ------------------------------------------------------------- */

static void
fetch_section_free (HyImapFetchSection *section)
{
  g_free (section->section);
  g_clear_pointer (&section->data, g_bytes_unref);
  g_free (section);
}

void
hy_imap_fetch_free (HyImapFetch *fetch)
{
  if (fetch == NULL)
    return;
  g_strfreev (fetch->flags);
  g_clear_pointer (&fetch->internaldate, g_date_time_unref);
  hy_imap_envelope_free (fetch->envelope);
  hy_imap_body_part_free (fetch->body);
  g_clear_pointer (&fetch->sections, g_ptr_array_unref);
  g_free (fetch);
}

/**
 * hy_imap_fetch_get_section:
 * @section: the section spec, e.g. "" or "HEADER" or "1.2" (case-insensitive)
 *
 * Returns: (nullable): the first BODY[@section] item of @fetch
 */
const HyImapFetchSection *
hy_imap_fetch_get_section (const HyImapFetch *fetch,
                           const char        *section)
{
  g_return_val_if_fail (fetch != NULL, NULL);
  g_return_val_if_fail (section != NULL, NULL);

  if (fetch->sections == NULL)
    return NULL;
  for (guint i = 0; i < fetch->sections->len; i++)
    {
      const HyImapFetchSection *s = g_ptr_array_index (fetch->sections, i);

      if (g_ascii_strcasecmp (s->section, section) == 0)
        return s;
    }
  return NULL;
}

gboolean
hy_imap_fetch_has_flag (const HyImapFetch *fetch,
                        const char        *flag)
{
  g_return_val_if_fail (fetch != NULL, FALSE);

  for (guint i = 0; fetch->flags != NULL && fetch->flags[i] != NULL; i++)
    if (g_ascii_strcasecmp (fetch->flags[i], flag) == 0)
      return TRUE;
  return FALSE;
}

static const char months[12][4] = {
  "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* One GTimeZone per UTC offset, made once: a FETCH of a large mailbox
 * would otherwise build one for every message. */
static GTimeZone *
zone_for_offset (int minutes)
{
  static GTimeZone *zones[2 * 24 * 60 + 1];
  GTimeZone **slot;
  GTimeZone *zone;

  g_assert (minutes >= -24 * 60 && minutes <= 24 * 60);
  slot = &zones[minutes + 24 * 60];
  zone = g_atomic_pointer_get (slot);
  if (zone != NULL)
    return zone;
  zone = g_time_zone_new_offset (minutes * 60);
  if (!g_atomic_pointer_compare_and_exchange (slot, NULL, zone))
    {
      g_time_zone_unref (zone);
      zone = g_atomic_pointer_get (slot);
    }
  return zone;
}

static gboolean
take_digits (const char **pp,
             int          count,
             int         *out)
{
  int v = 0;

  for (int i = 0; i < count; i++)
    {
      char c = (*pp)[i];

      if (c < '0' || c > '9')
        return FALSE;
      v = v * 10 + (c - '0');
    }
  *pp += count;
  *out = v;
  return TRUE;
}

/**
 * hy_imap_parse_internaldate:
 * @text: "17-Jul-1996 02:44:25 -0700" (the day may be padded with a space)
 * @out: (out): the date
 *
 * Returns: whether @text is a valid date-time
 */
typedef struct {
  int year, month, day, hour, minute, second;
  int offset;  /* minutes east of UTC */
} DateFields;

static gboolean
internaldate_fields (const char *text,
                     DateFields *out)
{
  int day, year, hour, minute, second, zone;
  int month = -1;
  int offset;
  const char *p = text;

  while (*p == ' ')
    p++;
  if (!take_digits (&p, 2, &day) && !take_digits (&p, 1, &day))
    return FALSE;
  if (*p++ != '-')
    return FALSE;
  for (int m = 0; m < 12; m++)
    if ((*p | 0x20) == (months[m][0] | 0x20) && g_ascii_strncasecmp (p, months[m], 3) == 0)
      month = m + 1;
  if (month < 0)
    return FALSE;
  p += 3;
  if (*p++ != '-' || !take_digits (&p, 4, &year) || *p++ != ' ' ||
      !take_digits (&p, 2, &hour) || *p++ != ':' || !take_digits (&p, 2, &minute) ||
      *p++ != ':' || !take_digits (&p, 2, &second) || *p++ != ' ')
    return FALSE;
  if ((*p != '+' && *p != '-') || (p++, !take_digits (&p, 4, &zone)) || *p != '\0')
    return FALSE;
  if (zone / 100 > 23 || zone % 100 > 59)
    return FALSE;
  offset = (zone / 100) * 60 + zone % 100;
  if (p[-5] == '-')
    offset = -offset;

  *out = (DateFields) { year, month, day, hour, minute, second, offset };
  return TRUE;
}

gboolean
hy_imap_parse_internaldate (const char  *text,
                            GDateTime  **out)
{
  DateFields f;

  g_return_val_if_fail (text != NULL, FALSE);

  if (!internaldate_fields (text, &f))
    return FALSE;
  *out = g_date_time_new (zone_for_offset (f.offset), f.year, f.month, f.day, f.hour, f.minute, f.second);
  return *out != NULL;
}

/* The same date as seconds since the epoch, without a GDateTime: what
 * g_date_time_new() accepts, computed by hand (the first and last years of
 * its range go through it). */
static gboolean
internaldate_unix (const char *text,
                   gint64     *out)
{
  static const guint8 month_days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  DateFields f;
  gint64 y, era, yoe, doy, doe;
  int days;

  if (!internaldate_fields (text, &f))
    return FALSE;
  if (f.year <= 1 || f.year >= 9999)
    {
      GDateTime *date = g_date_time_new (zone_for_offset (f.offset), f.year, f.month, f.day,
                                         f.hour, f.minute, f.second);

      if (date == NULL)
        return FALSE;
      *out = g_date_time_to_unix (date);
      g_date_time_unref (date);
      return TRUE;
    }
  days = month_days[f.month - 1];
  if (f.month == 2 && f.year % 4 == 0 && (f.year % 100 != 0 || f.year % 400 == 0))
    days = 29;
  if (f.day < 1 || f.day > days || f.hour > 23 || f.minute > 59 || f.second > 59)
    return FALSE;
  /* days from 1970-01-01 of a proleptic Gregorian date */
  y = f.year - (f.month <= 2);
  era = y / 400;
  yoe = y - era * 400;
  doy = (153 * (f.month + (f.month > 2 ? -3 : 9)) + 2) / 5 + f.day - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  *out = (era * 146097 + doe - 719468) * 86400 + f.hour * 3600 + f.minute * 60 + f.second -
         (gint64) f.offset * 60;
  return TRUE;
}

/**
 * hy_imap_format_internaldate:
 *
 * Returns: (transfer full): @date as an IMAP date-time, for APPEND
 */
char *
hy_imap_format_internaldate (GDateTime *date)
{
  int offset_min;
  char sign = '+';

  g_return_val_if_fail (date != NULL, NULL);

  offset_min = (int) (g_date_time_get_utc_offset (date) / G_TIME_SPAN_MINUTE);
  if (offset_min < 0)
    {
      sign = '-';
      offset_min = -offset_min;
    }
  return g_strdup_printf ("%02d-%s-%04d %02d:%02d:%02d %c%02d%02d",
                          g_date_time_get_day_of_month (date),
                          months[g_date_time_get_month (date) - 1],
                          g_date_time_get_year (date),
                          g_date_time_get_hour (date),
                          g_date_time_get_minute (date),
                          g_date_time_get_second (date),
                          sign, offset_min / 60, offset_min % 60);
}

/* "BODY[1.2]<10>" → section "1.2", origin 10. */
static gboolean
parse_section_key (const char          *key,
                   HyImapFetchSection  *section)
{
  const char *open = strchr (key, '[');
  const char *close = strrchr (key, ']');

  section->origin = -1;
  if (open == NULL || close == NULL || close < open)
    return FALSE;
  section->section = g_strndup (open + 1, close - open - 1);
  if (close[1] == '<')
    {
      guint64 origin;
      g_autofree char *digits = g_strndup (close + 2, strcspn (close + 2, ">"));

      if (parse_u64 (digits, &origin) && origin <= G_MAXINT64)
        section->origin = (gint64) origin;
    }
  return TRUE;
}

static HyImapFetch *
parse_fetch (Arena       *arena,
             guint32      seq,
             const Value *list,
             GError     **error)
{
  g_autoptr(HyImapFetch) fetch = g_new0 (HyImapFetch, 1);

  fetch->seq = seq;
  if (list == NULL || list->type != V_LIST)
    {
      fail (error, "FETCH data is not a list");
      return NULL;
    }

  for (guint i = 0; i < list->len; i += 2)
    {
      const Value *key = list->items[i];
      const Value *val = v_item (list, i + 1);

      if (key->type != V_ATOM)
        {
          fail (error, "FETCH item name is not an atom");
          return NULL;
        }
      if (val == NULL)
        {
          fail (error, "FETCH item %s has no value", key->str);
          return NULL;
        }

      if (g_ascii_strcasecmp (key->str, "UID") == 0)
        {
          if (!v_u32 (val, &fetch->uid) || fetch->uid == 0)
            {
              fail (error, "UID is not a valid number");
              return NULL;
            }
          fetch->items |= HY_IMAP_FETCH_UID;
        }
      else if (g_ascii_strcasecmp (key->str, "FLAGS") == 0)
        {
          g_strfreev (fetch->flags);
          fetch->flags = v_strv (val);
          fetch->items |= HY_IMAP_FETCH_FLAGS;
        }
      else if (g_ascii_strcasecmp (key->str, "INTERNALDATE") == 0)
        {
          g_clear_pointer (&fetch->internaldate, g_date_time_unref);
          fetch->items &= ~HY_IMAP_FETCH_INTERNALDATE;
          if (v_is_string (val) && hy_imap_parse_internaldate (val->str, &fetch->internaldate))
            fetch->items |= HY_IMAP_FETCH_INTERNALDATE;
        }
      else if (g_ascii_strcasecmp (key->str, "RFC822.SIZE") == 0)
        {
          if (v_u64 (val, &fetch->size))
            fetch->items |= HY_IMAP_FETCH_SIZE;
        }
      else if (g_ascii_strcasecmp (key->str, "MODSEQ") == 0)
        {
          /* MODSEQ (12345) */
          if (v_u64 (v_item (val, 0), &fetch->modseq) || v_u64 (val, &fetch->modseq))
            fetch->items |= HY_IMAP_FETCH_MODSEQ;
        }
      else if (g_ascii_strcasecmp (key->str, "ENVELOPE") == 0)
        {
          if (val->type == V_NIL)
            continue;
          hy_imap_envelope_free (fetch->envelope);
          fetch->envelope = parse_envelope (val, error);
          if (fetch->envelope == NULL)
            return NULL;
          fetch->items |= HY_IMAP_FETCH_ENVELOPE;
        }
      else if (g_ascii_strcasecmp (key->str, "BODYSTRUCTURE") == 0 ||
               (g_ascii_strcasecmp (key->str, "BODY") == 0 && val->type == V_LIST))
        {
          hy_imap_body_part_free (fetch->body);
          fetch->body = parse_body (val, 0, error);
          if (fetch->body == NULL)
            return NULL;
          fetch->items |= HY_IMAP_FETCH_BODYSTRUCTURE;
        }
      else if (g_ascii_strncasecmp (key->str, "BODY[", 5) == 0 ||
               g_ascii_strncasecmp (key->str, "BINARY[", 7) == 0 ||
               g_ascii_strcasecmp (key->str, "RFC822") == 0 ||
               g_ascii_strcasecmp (key->str, "RFC822.HEADER") == 0 ||
               g_ascii_strcasecmp (key->str, "RFC822.TEXT") == 0)
        {
          HyImapFetchSection *section = g_new0 (HyImapFetchSection, 1);

          section->binary = g_ascii_strncasecmp (key->str, "BINARY", 6) == 0;
          if (g_ascii_strncasecmp (key->str, "RFC822", 6) == 0)
            {
              section->origin = -1;
              section->section = g_strdup (key->str[6] == '\0' ? "" : key->str + 7);
            }
          else if (!parse_section_key (key->str, section))
            {
              fetch_section_free (section);
              fail (error, "malformed section in %s", key->str);
              return NULL;
            }

          if (val->type == V_LIST)
            {
              fetch_section_free (section);
              fail (error, "%s is a list, not a string", key->str);
              return NULL;
            }
          if (v_is_string (val) && arena_steal (arena, val->str) != NULL)
            section->data = g_bytes_new_take (val->str, val->len);
          else if (v_is_string (val))
            section->data = g_bytes_new (val->str, val->len);
          if (fetch->sections == NULL)
            fetch->sections = g_ptr_array_new_with_free_func ((GDestroyNotify) fetch_section_free);
          g_ptr_array_add (fetch->sections, section);
          fetch->items |= HY_IMAP_FETCH_SECTIONS;
        }
      /* Anything else (X-GM-MSGID, EMAILID, PREVIEW…) is skipped. */
    }

  if (fetch->flags == NULL)
    fetch->flags = g_new0 (char *, 1);
  return g_steal_pointer (&fetch);
}

/* ---- other data -------------------------------------------------------- */

void
hy_imap_mailbox_free (HyImapMailbox *mailbox)
{
  if (mailbox == NULL)
    return;
  g_free (mailbox->name);
  g_free (mailbox->raw_name);
  g_strfreev (mailbox->attributes);
  hy_imap_status_free (mailbox->status);
  g_free (mailbox);
}

gboolean
hy_imap_mailbox_has_attribute (const HyImapMailbox *mailbox,
                               const char          *attribute)
{
  g_return_val_if_fail (mailbox != NULL, FALSE);

  for (guint i = 0; mailbox->attributes[i] != NULL; i++)
    if (g_ascii_strcasecmp (mailbox->attributes[i], attribute) == 0)
      return TRUE;
  return FALSE;
}

void
hy_imap_status_free (HyImapStatus *status)
{
  if (status == NULL)
    return;
  g_free (status->name);
  g_free (status->raw_name);
  g_free (status);
}

void
hy_imap_search_free (HyImapSearch *search)
{
  if (search == NULL)
    return;
  g_free (search->tag);
  g_clear_pointer (&search->numbers, g_array_unref);
  g_clear_pointer (&search->all, g_array_unref);
  g_free (search);
}

static void
namespace_entry_free (HyImapNamespaceEntry *entry)
{
  g_free (entry->prefix);
  g_free (entry);
}

void
hy_imap_namespace_free (HyImapNamespace *ns)
{
  if (ns == NULL)
    return;
  g_clear_pointer (&ns->personal, g_ptr_array_unref);
  g_clear_pointer (&ns->other_users, g_ptr_array_unref);
  g_clear_pointer (&ns->shared, g_ptr_array_unref);
  g_free (ns);
}

void
hy_imap_response_code_free (HyImapResponseCode *code)
{
  if (code == NULL)
    return;
  g_free (code->name);
  g_free (code->arguments);
  g_strfreev (code->strv);
  g_clear_pointer (&code->source, g_array_unref);
  g_clear_pointer (&code->dest, g_array_unref);
  g_free (code);
}

static char
parse_delimiter (const Value *v)
{
  if (v_is_string (v) && v->len == 1)
    return v->str[0];
  return '\0';
}

static HyImapMailbox *
parse_list (GPtrArray        *values,
            HyImapParseFlags  flags,
            GError          **error)
{
  HyImapMailbox *mailbox;
  const Value *attrs = values->len > 0 ? values->pdata[0] : NULL;
  const Value *name = values->len > 2 ? values->pdata[2] : NULL;

  if (attrs == NULL || attrs->type != V_LIST || !v_is_string (name))
    {
      fail (error, "LIST response without attributes or name");
      return NULL;
    }
  mailbox = g_new0 (HyImapMailbox, 1);
  mailbox->attributes = v_strv (attrs);
  mailbox->delimiter = parse_delimiter (values->pdata[1]);
  mailbox->raw_name = g_strdup (name->str);
  mailbox->name = mailbox_name_to_utf8 (name->str, flags);
  return mailbox;
}

static HyImapStatus *
parse_status (GPtrArray        *values,
              HyImapParseFlags  flags,
              GError          **error)
{
  g_autoptr(HyImapStatus) status = NULL;
  const Value *name = values->len > 0 ? values->pdata[0] : NULL;
  const Value *items = values->len > 1 ? values->pdata[1] : NULL;

  if (!v_is_string (name) || items == NULL || items->type != V_LIST)
    {
      fail (error, "STATUS response without name or items");
      return NULL;
    }
  status = g_new0 (HyImapStatus, 1);
  status->raw_name = g_strdup (name->str);
  status->name = mailbox_name_to_utf8 (name->str, flags);

  for (guint i = 0; i + 1 < items->len; i += 2)
    {
      const char *key = v_is_string (items->items[i]) ? items->items[i]->str : "";
      const Value *val = items->items[i + 1];
      guint64 n;

      if (!v_u64 (val, &n))
        {
          fail (error, "STATUS item %s is not a number", key);
          return NULL;
        }
#define STATUS_ITEM(word, field, bit) \
      if (g_ascii_strcasecmp (key, word) == 0) { status->field = n; status->items |= bit; continue; }
      STATUS_ITEM ("MESSAGES", messages, HY_IMAP_STATUS_MESSAGES)
      STATUS_ITEM ("RECENT", recent, HY_IMAP_STATUS_RECENT)
      STATUS_ITEM ("UIDNEXT", uidnext, HY_IMAP_STATUS_UIDNEXT)
      STATUS_ITEM ("UIDVALIDITY", uidvalidity, HY_IMAP_STATUS_UIDVALIDITY)
      STATUS_ITEM ("UNSEEN", unseen, HY_IMAP_STATUS_UNSEEN)
      STATUS_ITEM ("HIGHESTMODSEQ", highestmodseq, HY_IMAP_STATUS_HIGHESTMODSEQ)
      STATUS_ITEM ("SIZE", size, HY_IMAP_STATUS_SIZE)
#undef STATUS_ITEM
    }
  return g_steal_pointer (&status);
}

static gboolean
v_seqset (const Value *v,
          GArray     **out,
          GError     **error)
{
  if (v == NULL || v->type != V_ATOM)
    return fail (error, "expected a sequence set");
  *out = hy_imap_seqset_parse (v->str, v->len, error);
  return *out != NULL;
}

static int
compare_u32 (gconstpointer a,
             gconstpointer b)
{
  guint32 x = *(const guint32 *) a;
  guint32 y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

static HyImapSearch *
parse_search (GPtrArray  *values,
              GError    **error)
{
  g_autoptr(HyImapSearch) search = g_new0 (HyImapSearch, 1);

  search->numbers = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < values->len; i++)
    {
      const Value *v = values->pdata[i];
      guint32 n;

      if (v->type == V_LIST)
        {
          /* (MODSEQ n) */
          if (v_is_atom (v_item (v, 0), "MODSEQ"))
            v_u64 (v_item (v, 1), &search->modseq);
          continue;
        }
      if (!v_u32 (v, &n) || n == 0)
        {
          fail (error, "SEARCH result is not a number");
          return NULL;
        }
      g_array_append_val (search->numbers, n);
    }
  g_array_sort (search->numbers, compare_u32);
  return g_steal_pointer (&search);
}

static HyImapSearch *
parse_esearch (GPtrArray  *values,
               GError    **error)
{
  g_autoptr(HyImapSearch) search = g_new0 (HyImapSearch, 1);
  guint i = 0;

  search->esearch = TRUE;
  if (i < values->len && ((Value *) values->pdata[i])->type == V_LIST)
    {
      const Value *corr = values->pdata[i];

      if (v_is_atom (v_item (corr, 0), "TAG"))
        search->tag = v_dup (v_item (corr, 1));
      i++;
    }
  if (i < values->len && v_is_atom (values->pdata[i], "UID"))
    {
      search->uid = TRUE;
      i++;
    }

  for (; i < values->len; i += 2)
    {
      const Value *key = values->pdata[i];
      const Value *val = i + 1 < values->len ? values->pdata[i + 1] : NULL;

      if (key->type != V_ATOM || val == NULL)
        {
          fail (error, "ESEARCH item without a value");
          return NULL;
        }
      if (g_ascii_strcasecmp (key->str, "MIN") == 0)
        search->has_min = v_u32 (val, &search->min);
      else if (g_ascii_strcasecmp (key->str, "MAX") == 0)
        search->has_max = v_u32 (val, &search->max);
      else if (g_ascii_strcasecmp (key->str, "COUNT") == 0)
        search->has_count = v_u32 (val, &search->count);
      else if (g_ascii_strcasecmp (key->str, "MODSEQ") == 0)
        v_u64 (val, &search->modseq);
      else if (g_ascii_strcasecmp (key->str, "ALL") == 0)
        {
          g_clear_pointer (&search->all, g_array_unref);
          if (!v_seqset (val, &search->all, error))
            return NULL;
        }
    }

  if (search->all != NULL)
    {
      search->numbers = hy_imap_seqset_expand ((const HyImapRange *) search->all->data,
                                               search->all->len, G_MAXUINT32 - 1,
                                               MAX_EXPANDED_NUMBERS, error);
      if (search->numbers == NULL)
        return NULL;
    }
  else
    search->numbers = g_array_new (FALSE, FALSE, sizeof (guint32));
  return g_steal_pointer (&search);
}

static GPtrArray *
parse_namespace_list (const Value *v)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) namespace_entry_free);

  if (v == NULL || v->type != V_LIST)
    return out;
  for (guint i = 0; i < v->len; i++)
    {
      const Value *d = v->items[i];
      HyImapNamespaceEntry *entry;

      if (d->type != V_LIST || !v_is_string (v_item (d, 0)))
        continue;
      entry = g_new0 (HyImapNamespaceEntry, 1);
      entry->prefix = v_dup (v_item (d, 0));
      entry->delimiter = parse_delimiter (v_item (d, 1));
      g_ptr_array_add (out, entry);
    }
  return out;
}

static char **
values_to_strv (GPtrArray *values,
                guint      from)
{
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = from; i < values->len; i++)
    if (v_is_string (values->pdata[i]))
      g_ptr_array_add (out, g_strdup (((Value *) values->pdata[i])->str));
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

/* ---- response codes and status responses ------------------------------ */

static const struct {
  const char     *name;
  HyImapCodeKind  kind;
} code_names[] = {
  { "ALERT", HY_IMAP_CODE_ALERT },
  { "BADCHARSET", HY_IMAP_CODE_BADCHARSET },
  { "CAPABILITY", HY_IMAP_CODE_CAPABILITY },
  { "PARSE", HY_IMAP_CODE_PARSE },
  { "PERMANENTFLAGS", HY_IMAP_CODE_PERMANENTFLAGS },
  { "READ-ONLY", HY_IMAP_CODE_READ_ONLY },
  { "READ-WRITE", HY_IMAP_CODE_READ_WRITE },
  { "TRYCREATE", HY_IMAP_CODE_TRYCREATE },
  { "UIDNEXT", HY_IMAP_CODE_UIDNEXT },
  { "UIDVALIDITY", HY_IMAP_CODE_UIDVALIDITY },
  { "UNSEEN", HY_IMAP_CODE_UNSEEN },
  { "HIGHESTMODSEQ", HY_IMAP_CODE_HIGHESTMODSEQ },
  { "NOMODSEQ", HY_IMAP_CODE_NOMODSEQ },
  { "MODIFIED", HY_IMAP_CODE_MODIFIED },
  { "APPENDUID", HY_IMAP_CODE_APPENDUID },
  { "COPYUID", HY_IMAP_CODE_COPYUID },
  { "UIDNOTSTICKY", HY_IMAP_CODE_UIDNOTSTICKY },
  { "CLOSED", HY_IMAP_CODE_CLOSED },
  { "AUTHENTICATIONFAILED", HY_IMAP_CODE_AUTHENTICATIONFAILED },
  { "AUTHORIZATIONFAILED", HY_IMAP_CODE_AUTHORIZATIONFAILED },
  { "EXPIRED", HY_IMAP_CODE_EXPIRED },
  { "UNAVAILABLE", HY_IMAP_CODE_UNAVAILABLE },
  { "PRIVACYREQUIRED", HY_IMAP_CODE_PRIVACYREQUIRED },
  { "NOPERM", HY_IMAP_CODE_NOPERM },
  { "INUSE", HY_IMAP_CODE_INUSE },
  { "OVERQUOTA", HY_IMAP_CODE_OVERQUOTA },
  { "ALREADYEXISTS", HY_IMAP_CODE_ALREADYEXISTS },
  { "NONEXISTENT", HY_IMAP_CODE_NONEXISTENT },
  { "COMPRESSIONACTIVE", HY_IMAP_CODE_COMPRESSIONACTIVE },
};

/* Reads "[NAME args]" with the lexer at "[".  A code whose arguments do not
 * parse is kept as OTHER with its raw text: it must not make the response
 * (often a tagged OK) unreadable. */
static HyImapResponseCode *
parse_code (Lexer *lx)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  HyImapResponseCode *code = g_new0 (HyImapResponseCode, 1);
  const guint8 *name_start, *args_start;
  const guint8 *close;
  g_autoptr(GError) local_error = NULL;
  GError **saved = lx->error;

  lx->p++;  /* [ */
  name_start = lx->p;
  while (lx->p < lx->end && *lx->p != ' ' && *lx->p != ']' && *lx->p != '\r' && *lx->p != '\n')
    lx->p++;
  code->name = g_ascii_strup ((const char *) name_start, lx->p - name_start);
  code->kind = HY_IMAP_CODE_OTHER;
  for (guint i = 0; i < G_N_ELEMENTS (code_names); i++)
    if (strcmp (code->name, code_names[i].name) == 0)
      code->kind = code_names[i].kind;

  args_start = lx->p;
  lx->error = &local_error;
  if (!lex_rest (lx, args, TRUE))
    {
      /* Unparseable arguments: take everything up to the last "]" on the line. */
      const guint8 *q;

      close = NULL;
      for (q = args_start; q < lx->end && *q != '\r' && *q != '\n'; q++)
        if (*q == ']')
          close = q;
      g_ptr_array_set_size (args, 0);
      code->kind = HY_IMAP_CODE_OTHER;
      lx->p = close != NULL ? close : q;
    }
  lx->error = saved;

  {
    const guint8 *a = args_start;
    const guint8 *b = lx->p;

    while (a < b && *a == ' ')
      a++;
    if (a < b)
      code->arguments = g_strndup ((const char *) a, b - a);
  }
  if (lx->p < lx->end && *lx->p == ']')
    lx->p++;

  switch (code->kind)
    {
    case HY_IMAP_CODE_CAPABILITY:
    case HY_IMAP_CODE_BADCHARSET:
      code->strv = values_to_strv (args, 0);
      if (code->kind == HY_IMAP_CODE_BADCHARSET && args->len > 0)
        {
          g_strfreev (code->strv);
          code->strv = v_strv (args->pdata[0]);
        }
      break;
    case HY_IMAP_CODE_PERMANENTFLAGS:
      code->strv = v_strv (args->len > 0 ? args->pdata[0] : NULL);
      break;
    case HY_IMAP_CODE_UIDNEXT:
    case HY_IMAP_CODE_UIDVALIDITY:
    case HY_IMAP_CODE_UNSEEN:
    case HY_IMAP_CODE_HIGHESTMODSEQ:
      if (args->len < 1 || !v_u64 (args->pdata[0], &code->number))
        code->kind = HY_IMAP_CODE_OTHER;
      break;
    case HY_IMAP_CODE_MODIFIED:
      if (args->len < 1 || ((Value *) args->pdata[0])->type != V_ATOM ||
          (code->source = hy_imap_seqset_parse (((Value *) args->pdata[0])->str, -1, NULL)) == NULL)
        code->kind = HY_IMAP_CODE_OTHER;
      break;
    case HY_IMAP_CODE_APPENDUID:
      if (args->len < 2 || !v_u32 (args->pdata[0], &code->uidvalidity) ||
          ((Value *) args->pdata[1])->type != V_ATOM ||
          (code->dest = hy_imap_seqset_parse (((Value *) args->pdata[1])->str, -1, NULL)) == NULL)
        code->kind = HY_IMAP_CODE_OTHER;
      break;
    case HY_IMAP_CODE_COPYUID:
      if (args->len < 3 || !v_u32 (args->pdata[0], &code->uidvalidity) ||
          ((Value *) args->pdata[1])->type != V_ATOM ||
          ((Value *) args->pdata[2])->type != V_ATOM ||
          (code->source = hy_imap_seqset_parse (((Value *) args->pdata[1])->str, -1, NULL)) == NULL ||
          (code->dest = hy_imap_seqset_parse (((Value *) args->pdata[2])->str, -1, NULL)) == NULL)
        code->kind = HY_IMAP_CODE_OTHER;
      break;
    default:
      break;
    }
  return code;
}

static void
parse_resp_text (Lexer          *lx,
                 HyImapResponse *response)
{
  const guint8 *start;

  lex_skip_spaces (lx);
  if (lx->p < lx->end && *lx->p == '[')
    {
      response->code = parse_code (lx);
      lex_skip_spaces (lx);
    }
  start = lx->p;
  while (lx->p < lx->end && *lx->p != '\r' && *lx->p != '\n')
    lx->p++;
  response->text = g_strndup ((const char *) start, lx->p - start);
}

/* ---- responses --------------------------------------------------------- */

G_DEFINE_BOXED_TYPE (HyImapResponse, hy_imap_response, hy_imap_response_ref, hy_imap_response_unref)

HyImapResponse *
hy_imap_response_ref (HyImapResponse *response)
{
  g_return_val_if_fail (response != NULL, NULL);
  g_atomic_int_inc (&response->ref_count);
  return response;
}

void
hy_imap_response_unref (HyImapResponse *response)
{
  if (response == NULL || !g_atomic_int_dec_and_test (&response->ref_count))
    return;
  g_free (response->tag);
  hy_imap_response_code_free (response->code);
  g_free (response->text);
  g_free (response->keyword);
  g_strfreev (response->strv);
  g_clear_pointer (&response->uids, g_array_unref);
  hy_imap_mailbox_free (response->mailbox);
  hy_imap_status_free (response->status);
  hy_imap_search_free (response->search);
  hy_imap_fetch_free (response->fetch);
  hy_imap_namespace_free (response->namespace_);
  g_free (response);
}

static HyImapResult
result_from_word (const char *word)
{
  if (g_ascii_strcasecmp (word, "OK") == 0)
    return HY_IMAP_RESULT_OK;
  if (g_ascii_strcasecmp (word, "NO") == 0)
    return HY_IMAP_RESULT_NO;
  if (g_ascii_strcasecmp (word, "BAD") == 0)
    return HY_IMAP_RESULT_BAD;
  if (g_ascii_strcasecmp (word, "PREAUTH") == 0)
    return HY_IMAP_RESULT_PREAUTH;
  if (g_ascii_strcasecmp (word, "BYE") == 0)
    return HY_IMAP_RESULT_BYE;
  return HY_IMAP_RESULT_NONE;
}

/* Reads a word (tag or keyword) up to a space or the line end. */
static char *
lex_word (Lexer *lx)
{
  const guint8 *start;

  lex_skip_spaces (lx);
  start = lx->p;
  while (lx->p < lx->end && *lx->p != ' ' && *lx->p != '\r' && *lx->p != '\n' &&
         *lx->p != '(' && *lx->p != '[')
    lx->p++;
  if (lx->p == start)
    return NULL;
  return g_strndup ((const char *) start, lx->p - start);
}

static gboolean
lex_expect_end (Lexer *lx)
{
  lex_skip_spaces (lx);
  if (lx->p < lx->end && *lx->p == '\r')
    lx->p++;
  if (lx->p < lx->end && *lx->p == '\n')
    lx->p++;
  if (lx->p != lx->end)
    return lex_fail (lx, "unexpected data after the end of the response");
  return TRUE;
}

static gboolean
parse_untagged_data (Lexer            *lx,
                     HyImapResponse   *response,
                     const char       *first,
                     HyImapParseFlags  flags,
                     GError          **error)
{
  g_autoptr(GPtrArray) values = g_ptr_array_new ();
  guint64 number;

  if (parse_u64 (first, &number))
    {
      g_autofree char *word = lex_word (lx);

      if (word == NULL || number > G_MAXUINT32)
        return fail (error, "number without a keyword");
      response->number = (guint32) number;
      response->keyword = g_ascii_strup (word, -1);
      if (strcmp (response->keyword, "EXISTS") == 0)
        response->data = HY_IMAP_DATA_EXISTS;
      else if (strcmp (response->keyword, "RECENT") == 0)
        response->data = HY_IMAP_DATA_RECENT;
      else if (strcmp (response->keyword, "EXPUNGE") == 0)
        response->data = HY_IMAP_DATA_EXPUNGE;
      else if (strcmp (response->keyword, "FETCH") == 0)
        {
          Value *list;

          response->data = HY_IMAP_DATA_FETCH;
          list = lex_value (lx, 0);
          if (list == NULL)
            return FALSE;
          g_ptr_array_add (values, list);
          if (number == 0)
            return fail (error, "FETCH for message number 0");
          response->fetch = parse_fetch (&lx->arena, (guint32) number, list, error);
          if (response->fetch == NULL)
            return FALSE;
          return lex_expect_end (lx);
        }
      else
        response->data = HY_IMAP_DATA_OTHER;
      if (!lex_rest (lx, values, FALSE))
        return FALSE;
      return lex_expect_end (lx);
    }

  response->keyword = g_ascii_strup (first, -1);
  if (!lex_rest (lx, values, FALSE))
    return FALSE;
  if (!lex_expect_end (lx))
    return FALSE;

  if (strcmp (response->keyword, "CAPABILITY") == 0)
    {
      response->data = HY_IMAP_DATA_CAPABILITY;
      response->strv = values_to_strv (values, 0);
    }
  else if (strcmp (response->keyword, "LIST") == 0 || strcmp (response->keyword, "LSUB") == 0 ||
           strcmp (response->keyword, "XLIST") == 0)
    {
      response->data = response->keyword[1] == 'S' ? HY_IMAP_DATA_LSUB : HY_IMAP_DATA_LIST;
      response->mailbox = parse_list (values, flags, error);
      if (response->mailbox == NULL)
        return FALSE;
    }
  else if (strcmp (response->keyword, "STATUS") == 0)
    {
      response->data = HY_IMAP_DATA_STATUS;
      response->status = parse_status (values, flags, error);
      if (response->status == NULL)
        return FALSE;
    }
  else if (strcmp (response->keyword, "SEARCH") == 0 || strcmp (response->keyword, "SORT") == 0)
    {
      response->data = HY_IMAP_DATA_SEARCH;
      response->search = parse_search (values, error);
      if (response->search == NULL)
        return FALSE;
    }
  else if (strcmp (response->keyword, "ESEARCH") == 0)
    {
      response->data = HY_IMAP_DATA_SEARCH;
      response->search = parse_esearch (values, error);
      if (response->search == NULL)
        return FALSE;
    }
  else if (strcmp (response->keyword, "FLAGS") == 0)
    {
      response->data = HY_IMAP_DATA_FLAGS;
      if (values->len < 1 || ((Value *) values->pdata[0])->type != V_LIST)
        return fail (error, "FLAGS without a list");
      response->strv = v_strv (values->pdata[0]);
    }
  else if (strcmp (response->keyword, "ENABLED") == 0)
    {
      response->data = HY_IMAP_DATA_ENABLED;
      response->strv = values_to_strv (values, 0);
    }
  else if (strcmp (response->keyword, "VANISHED") == 0)
    {
      guint i = 0;

      response->data = HY_IMAP_DATA_VANISHED;
      if (values->len > 0 && ((Value *) values->pdata[0])->type == V_LIST)
        {
          response->earlier = v_is_atom (v_item (values->pdata[0], 0), "EARLIER");
          i = 1;
        }
      if (!v_seqset (i < values->len ? values->pdata[i] : NULL, &response->uids, error))
        return FALSE;
    }
  else if (strcmp (response->keyword, "NAMESPACE") == 0)
    {
      response->data = HY_IMAP_DATA_NAMESPACE;
      response->namespace_ = g_new0 (HyImapNamespace, 1);
      response->namespace_->personal = parse_namespace_list (values->len > 0 ? values->pdata[0] : NULL);
      response->namespace_->other_users = parse_namespace_list (values->len > 1 ? values->pdata[1] : NULL);
      response->namespace_->shared = parse_namespace_list (values->len > 2 ? values->pdata[2] : NULL);
    }
  else if (strcmp (response->keyword, "ID") == 0)
    {
      response->data = HY_IMAP_DATA_ID;
      response->strv = v_params (values->len > 0 ? values->pdata[0] : NULL);
    }
  else
    response->data = HY_IMAP_DATA_OTHER;

  return TRUE;
}

static HyImapResponse *
parse_response (Lexer            *lx,
                HyImapParseFlags  flags,
                GError          **error)
{
  g_autoptr(HyImapResponse) response = g_new0 (HyImapResponse, 1);
  g_autofree char *first = NULL;
  const guint8 *data = lx->start;
  gsize len = lx->end - lx->start;

  response->ref_count = 1;

  if (len > 0 && data[0] == '+')
    {
      response->kind = HY_IMAP_RESPONSE_CONTINUATION;
      lx->p++;
      if (lx->p < lx->end && *lx->p == ' ')
        lx->p++;
      {
        const guint8 *start = lx->p;

        while (lx->p < lx->end && *lx->p != '\r' && *lx->p != '\n')
          lx->p++;
        response->text = g_strndup ((const char *) start, lx->p - start);
      }
      if (!lex_expect_end (lx))
        return NULL;
      return g_steal_pointer (&response);
    }

  if (len > 0 && data[0] == '*')
    {
      response->kind = HY_IMAP_RESPONSE_UNTAGGED;
      lx->p++;
    }
  else
    {
      response->kind = HY_IMAP_RESPONSE_TAGGED;
      response->tag = lex_word (lx);
      if (response->tag == NULL)
        {
          fail (error, "response without a tag");
          return NULL;
        }
    }

  if (lx->p >= lx->end || *lx->p != ' ')
    {
      fail (error, "no space after the tag");
      return NULL;
    }
  first = lex_word (lx);
  if (first == NULL)
    {
      fail (error, "response without a keyword");
      return NULL;
    }

  response->result = result_from_word (first);
  if (response->result != HY_IMAP_RESULT_NONE)
    {
      if (response->kind == HY_IMAP_RESPONSE_TAGGED &&
          response->result != HY_IMAP_RESULT_OK && response->result != HY_IMAP_RESULT_NO &&
          response->result != HY_IMAP_RESULT_BAD)
        {
          fail (error, "tagged %s", first);
          return NULL;
        }
      response->keyword = g_ascii_strup (first, -1);
      parse_resp_text (lx, response);
      if (!lex_expect_end (lx))
        return NULL;
      return g_steal_pointer (&response);
    }

  if (response->kind == HY_IMAP_RESPONSE_TAGGED)
    {
      g_autofree char *shown = g_utf8_make_valid (first, -1);

      fail (error, "tagged response “%s” is not OK, NO or BAD", shown);
      return NULL;
    }

  if (!parse_untagged_data (lx, response, first, flags, error))
    return NULL;
  return g_steal_pointer (&response);
}

/**
 * hy_imap_response_parse:
 * @data: one complete response: its lines and literals as received
 * @len: length of @data
 * @flags: how to read mailbox names
 * @error: return location for a #HY_IMAP_ERROR_PROTOCOL error
 *
 * Returns: (transfer full): the response, or %NULL if @data is not a valid
 *   IMAP response
 */
HyImapResponse *
hy_imap_response_parse (const guint8      *data,
                        gsize              len,
                        HyImapParseFlags   flags,
                        GError           **error)
{
  guint64 first_block[ARENA_BLOCK / sizeof (guint64)];
  gpointer first_stack[STACK_FIRST];
  Lexer lx = { data, data, data + len, error, { NULL, NULL, NULL, 0, (guint8 *) first_block, FALSE },
               { first_stack, 0, STACK_FIRST, first_stack } };
  HyImapResponse *response;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  response = parse_response (&lx, flags, error);
  stack_clear (&lx.stack);
  arena_clear (&lx.arena);
  return response;
}

/**
 * hy_imap_line_literal:
 * @line: one line as read (with or without its CRLF)
 * @len: its length
 * @size: (out): the literal's length
 *
 * Returns: whether @line ends with a literal announcement "{n}" (or the
 *   "~{n}" of literal8), so that n bytes and another line follow
 */
gboolean
hy_imap_line_literal (const guint8 *line,
                      gsize         len,
                      guint64      *size)
{
  gsize end = len;
  gsize open;
  guint64 n = 0;

  while (end > 0 && (line[end - 1] == '\n' || line[end - 1] == '\r'))
    end--;
  if (end < 3 || line[end - 1] != '}')
    return FALSE;
  end--;
  if (line[end - 1] == '+' || line[end - 1] == '-')
    end--;
  open = end;
  while (open > 0 && line[open - 1] >= '0' && line[open - 1] <= '9')
    open--;
  if (open == end || open == 0 || line[open - 1] != '{' || end - open > 10)
    return FALSE;
  for (gsize i = open; i < end; i++)
    n = n * 10 + (guint64) (line[i] - '0');
  if (n > G_MAXUINT32)
    return FALSE;
  *size = n;
  return TRUE;
}

/* ---- FETCH read in place ----------------------------------------------- */

/* The header sync reads tens of thousands of FETCH responses: reading each
 * into a HyImapFetch cost more in allocating, copying and freeing its
 * strings, lists and parts than in reading the bytes.  A view takes the
 * same tree, with the same checks and the same leniency as parse_fetch()
 * and parse_body(), and points into it; its own arrays come from the
 * tree's arena, which goes in one piece after the caller has looked. */

static const char *
v_str (const Value *v)
{
  return v_is_string (v) ? v->str : NULL;
}

static const char *
v_lower_in_place (const Value *v)
{
  if (!v_is_string (v))
    return NULL;
  for (guint i = 0; i < v->len; i++)
    v->str[i] = g_ascii_tolower (v->str[i]);
  return v->str;
}

/* The value of parameter @name in "(name value name value)", "" when the
 * value is not a string, as v_params() and params_lookup() read it. */
static const char *
v_param (const Value *list,
         const char  *name)
{
  if (list == NULL || list->type != V_LIST)
    return NULL;
  for (guint i = 0; i + 1 < list->len; i += 2)
    if (v_is_string (list->items[i]) && g_ascii_strcasecmp (list->items[i]->str, name) == 0)
      return v_is_string (list->items[i + 1]) ? list->items[i + 1]->str : "";
  return NULL;
}

static void
view_addresses (Lexer                 *lx,
                const Value           *list,
                HyImapAddressListView *out)
{
  HyImapAddressView *items;
  guint n = 0;

  out->items = NULL;
  out->len = 0;
  if (list == NULL || list->type != V_LIST)
    return;
  for (guint i = 0; i < list->len; i++)
    n += list->items[i]->type == V_LIST;
  if (n == 0)
    return;
  items = arena_alloc (&lx->arena, sizeof (HyImapAddressView) * n);
  for (guint i = 0; i < list->len; i++)
    {
      const Value *a = list->items[i];

      if (a->type != V_LIST)
        continue;
      items[out->len++] = (HyImapAddressView) {
        v_str (v_item (a, 0)), v_str (v_item (a, 1)), v_str (v_item (a, 2)), v_str (v_item (a, 3)),
      };
    }
  out->items = items;
}

static gboolean
view_envelope (Lexer           *lx,
               const Value     *v,
               HyImapFetchView *view,
               GError         **error)
{
  if (v == NULL || v->type != V_LIST)
    return fail (error, "ENVELOPE is not a list");
  view->date = v_str (v_item (v, 0));
  view->subject = v_str (v_item (v, 1));
  view_addresses (lx, v_item (v, 2), &view->from);
  view_addresses (lx, v_item (v, 3), &view->sender);
  view_addresses (lx, v_item (v, 4), &view->reply_to);
  view_addresses (lx, v_item (v, 5), &view->to);
  view_addresses (lx, v_item (v, 6), &view->cc);
  view_addresses (lx, v_item (v, 7), &view->bcc);
  view->in_reply_to = v_str (v_item (v, 8));
  view->message_id = v_str (v_item (v, 9));
  return TRUE;
}

static void
view_body_ext (HyImapPartView *part,
               const Value    *v,
               guint           i)
{
  const Value *dsp = v_item (v, i);

  if (dsp != NULL && dsp->type == V_LIST)
    {
      part->disposition = v_lower_in_place (v_item (dsp, 0));
      part->filename = v_param (v_item (dsp, 1), "filename");
    }
  else if (v_is_string (dsp))
    part->disposition = v_lower_in_place (dsp);
}

/* Mirrors parse_body(): the same shapes are accepted and refused. */
static gboolean
view_body (Lexer       *lx,
           const Value *v,
           guint        depth,
           gboolean     enclosed,
           GError     **error)
{
  HyImapPartView *part;
  guint i;

  if (v == NULL || v->type != V_LIST || v->len == 0)
    return fail (error, "BODYSTRUCTURE is not a list");
  if (depth >= HY_IMAP_MAX_DEPTH)
    return fail (error, "BODYSTRUCTURE nested too deeply");

  part = arena_alloc (&lx->arena, sizeof (HyImapPartView));
  *part = (HyImapPartView) { NULL, NULL, NULL, NULL, NULL, depth, enclosed, 0 };
  stack_push (&lx->stack, part);

  if (v->items[0]->type == V_LIST)
    {
      part->type = "multipart";
      for (i = 0; i < v->len && v->items[i]->type == V_LIST; i++)
        {
          if (!view_body (lx, v->items[i], depth + 1, enclosed, error))
            return FALSE;
          part->children++;
        }
      part->subtype = v_is_string (v_item (v, i)) ? v_lower_in_place (v_item (v, i)) : "mixed";
      part->name = v_param (v_item (v, i + 1), "name");
      view_body_ext (part, v, i + 2);
    }
  else
    {
      part->type = v_is_string (v->items[0]) ? v_lower_in_place (v->items[0]) : "application";
      part->subtype = v_is_string (v_item (v, 1)) ? v_lower_in_place (v_item (v, 1)) : "octet-stream";
      part->name = v_param (v_item (v, 2), "name");
      i = 7;
      if (strcmp (part->type, "message") == 0 &&
          (strcmp (part->subtype, "rfc822") == 0 || strcmp (part->subtype, "global") == 0) &&
          v_item (v, 7) != NULL && v_item (v, 7)->type == V_LIST &&
          v_item (v, 8) != NULL && v_item (v, 8)->type == V_LIST)
        {
          if (!view_body (lx, v_item (v, 8), depth + 1, TRUE, error))
            return FALSE;
          i = 10;
        }
      else if (strcmp (part->type, "text") == 0)
        i = 8;
      view_body_ext (part, v, i + 1);
    }
  return TRUE;
}

/* Whether atom @v is @word, as g_ascii_strcasecmp (v->str, word) == 0
 * would say, without reading it when the lengths differ. */
static inline gboolean
atom_is (const Value *v,
         const char  *word,
         gsize        n)
{
  return (v->len == n || (v->len > n && v->str[n] == '\0')) && g_ascii_strncasecmp (v->str, word, n) == 0;
}
#define ATOM_IS(v, word) atom_is ((v), (word), sizeof (word) - 1)

/* Mirrors parse_fetch(). */
static gboolean
view_fetch (Lexer           *lx,
            const Value     *list,
            HyImapFetchView *view,
            GError         **error)
{
  guint sections_base = lx->stack.len;
  static const char *const no_flags[] = { NULL };

  view->flags = no_flags;
  if (list == NULL || list->type != V_LIST)
    return fail (error, "FETCH data is not a list");

  for (guint i = 0; i < list->len; i += 2)
    {
      const Value *key = list->items[i];
      const Value *val = v_item (list, i + 1);
      const char *k = key->str;
      char c;

      if (key->type != V_ATOM)
        return fail (error, "FETCH item name is not an atom");
      if (val == NULL)
        return fail (error, "FETCH item %s has no value", key->str);
      c = g_ascii_toupper (k[0]);

      /* the first letter saves most comparisons */
      if (c != 'U' && c != 'F' && c != 'I' && c != 'R' && c != 'M' && c != 'E' && c != 'B')
        continue;
      if (c == 'U' && ATOM_IS (key, "UID"))
        {
          if (!v_u32 (val, &view->uid) || view->uid == 0)
            return fail (error, "UID is not a valid number");
          view->items |= HY_IMAP_FETCH_UID;
        }
      else if (c == 'F' && ATOM_IS (key, "FLAGS"))
        {
          const char **flags;
          guint n = 0;

          if (val->type == V_LIST)
            for (guint j = 0; j < val->len; j++)
              n += v_is_string (val->items[j]);
          flags = arena_alloc (&lx->arena, sizeof (char *) * (n + 1));
          n = 0;
          if (val->type == V_LIST)
            for (guint j = 0; j < val->len; j++)
              if (v_is_string (val->items[j]))
                flags[n++] = val->items[j]->str;
          flags[n] = NULL;
          view->flags = flags;
          view->items |= HY_IMAP_FETCH_FLAGS;
        }
      else if (c == 'I' && ATOM_IS (key, "INTERNALDATE"))
        {
          view->items &= ~HY_IMAP_FETCH_INTERNALDATE;
          if (v_is_string (val) && internaldate_unix (val->str, &view->internaldate))
            view->items |= HY_IMAP_FETCH_INTERNALDATE;
          else
            view->internaldate = 0;
        }
      else if (c == 'R' && ATOM_IS (key, "RFC822.SIZE"))
        {
          if (v_u64 (val, &view->size))
            view->items |= HY_IMAP_FETCH_SIZE;
        }
      else if (c == 'M' && ATOM_IS (key, "MODSEQ"))
        {
          if (v_u64 (v_item (val, 0), &view->modseq) || v_u64 (val, &view->modseq))
            view->items |= HY_IMAP_FETCH_MODSEQ;
        }
      else if (c == 'E' && ATOM_IS (key, "ENVELOPE"))
        {
          if (val->type == V_NIL)
            continue;
          if (!view_envelope (lx, val, view, error))
            return FALSE;
          view->items |= HY_IMAP_FETCH_ENVELOPE;
        }
      else if (ATOM_IS (key, "BODYSTRUCTURE") ||
               (ATOM_IS (key, "BODY") && val->type == V_LIST))
        {
          guint base = lx->stack.len;
          HyImapPartView *parts;

          if (!view_body (lx, val, 0, FALSE, error))
            return FALSE;
          view->n_parts = lx->stack.len - base;
          view->parts = parts = arena_alloc (&lx->arena, sizeof (HyImapPartView) * view->n_parts);
          for (guint j = 0; j < view->n_parts; j++)
            parts[j] = *(HyImapPartView *) lx->stack.pdata[base + j];
          lx->stack.len = base;
          view->items |= HY_IMAP_FETCH_BODYSTRUCTURE;
        }
      else if (g_ascii_strncasecmp (k, "BODY[", 5) == 0 || g_ascii_strncasecmp (k, "BINARY[", 7) == 0 ||
               ATOM_IS (key, "RFC822") || ATOM_IS (key, "RFC822.HEADER") ||
               ATOM_IS (key, "RFC822.TEXT"))
        {
          HyImapSectionView *section;

          if (val->type == V_LIST)
            return fail (error, "%s is a list, not a string", key->str);
          section = arena_alloc (&lx->arena, sizeof (HyImapSectionView));
          *section = (HyImapSectionView) { g_ascii_strncasecmp (k, "BINARY", 6) == 0, NULL, -1, NULL, 0 };
          if (g_ascii_strncasecmp (k, "RFC822", 6) == 0)
            section->section = k[6] == '\0' ? "" : k + 7;
          else
            {
              /* "BODY[1.2]<10>" */
              char *open = strchr (k, '[');
              char *close = strrchr (k, ']');

              if (open == NULL || close == NULL || close < open)
                return fail (error, "malformed section in %s", k);
              if (close[1] == '<')
                {
                  guint64 origin = 0;
                  gsize n = strcspn (close + 2, ">");
                  char saved = close[2 + n];

                  close[2 + n] = '\0';
                  if (parse_u64 (close + 2, &origin) && origin <= G_MAXINT64)
                    section->origin = (gint64) origin;
                  close[2 + n] = saved;
                }
              *close = '\0';
              section->section = open + 1;
            }
          if (v_is_string (val))
            {
              section->data = (const guint8 *) val->str;
              section->len = val->len;
            }
          stack_push (&lx->stack, section);
          view->items |= HY_IMAP_FETCH_SECTIONS;
        }
    }

  view->n_sections = lx->stack.len - sections_base;
  if (view->n_sections > 0)
    {
      HyImapSectionView *sections = arena_alloc (&lx->arena, sizeof (HyImapSectionView) * view->n_sections);

      for (guint j = 0; j < view->n_sections; j++)
        sections[j] = *(HyImapSectionView *) lx->stack.pdata[sections_base + j];
      view->sections = sections;
    }
  lx->stack.len = sections_base;
  return TRUE;
}

/**
 * hy_imap_fetch_view_parse:
 * @data: one complete response, as for hy_imap_response_parse()
 * @func: called with the FETCH read from @data
 * @error: return location for a #HY_IMAP_ERROR_PROTOCOL error
 *
 * Reads an untagged FETCH response as a #HyImapFetchView, without making a
 * #HyImapResponse.  A FETCH that hy_imap_response_parse() accepts gives a
 * view of the same facts; one it refuses is refused here too.
 *
 * Returns: %HY_IMAP_VIEW_DONE once @func has run;
 *   %HY_IMAP_VIEW_NOT_FETCH (without looking further) if @data is not an
 *   untagged FETCH; %HY_IMAP_VIEW_MALFORMED with @error set if it is one
 *   and is malformed
 */
HyImapViewResult
hy_imap_fetch_view_parse (const guint8         *data,
                          gsize                 len,
                          HyImapFetchViewFunc   func,
                          gpointer              user_data,
                          GError              **error)
{
  guint64 first_block[ARENA_BLOCK / sizeof (guint64)];
  gpointer first_stack[STACK_FIRST];
  Lexer lx = { data, data, data + len, error, { NULL, NULL, NULL, 0, (guint8 *) first_block, FALSE },
               { first_stack, 0, STACK_FIRST, first_stack } };
  HyImapFetchView view = { 0 };
  HyImapViewResult result = HY_IMAP_VIEW_MALFORMED;
  const guint8 *word;
  guint64 number = 0;
  Value *list;

  g_return_val_if_fail (data != NULL || len == 0, HY_IMAP_VIEW_NOT_FETCH);
  g_return_val_if_fail (func != NULL, HY_IMAP_VIEW_NOT_FETCH);

  /* "* <number> FETCH", read as parse_response() reads it; anything else
   * is left to it. */
  if (len < 2 || data[0] != '*' || data[1] != ' ')
    return HY_IMAP_VIEW_NOT_FETCH;
  lx.p = data + 1;
  lex_skip_spaces (&lx);
  word = lx.p;
  while (lx.p < lx.end && *lx.p >= '0' && *lx.p <= '9' && lx.p - word < 10)
    number = number * 10 + (guint64) (*lx.p++ - '0');
  if (lx.p == word || number == 0 || number > G_MAXUINT32 || lx.p >= lx.end || *lx.p != ' ')
    return HY_IMAP_VIEW_NOT_FETCH;
  lex_skip_spaces (&lx);
  word = lx.p;
  while (lx.p < lx.end && *lx.p != ' ' && *lx.p != '\r' && *lx.p != '\n' && *lx.p != '(' && *lx.p != '[')
    lx.p++;
  if (lx.p - word != 5 || g_ascii_strncasecmp ((const char *) word, "FETCH", 5) != 0)
    return HY_IMAP_VIEW_NOT_FETCH;

  view.seq = (guint32) number;
  list = lex_value (&lx, 0);
  if (list != NULL && view_fetch (&lx, list, &view, error) && lex_expect_end (&lx))
    {
      func (&view, user_data);
      result = HY_IMAP_VIEW_DONE;
    }
  stack_clear (&lx.stack);
  arena_clear (&lx.arena);
  return result;
}

/**
 * hy_imap_fetch_view_get_section:
 * @section: the section spec, as for hy_imap_fetch_get_section()
 *
 * Returns: (nullable): the first BODY[@section] item of @view
 */
const HyImapSectionView *
hy_imap_fetch_view_get_section (const HyImapFetchView *view,
                                const char            *section)
{
  g_return_val_if_fail (view != NULL, NULL);
  g_return_val_if_fail (section != NULL, NULL);

  for (guint i = 0; i < view->n_sections; i++)
    if (g_ascii_strcasecmp (view->sections[i].section, section) == 0)
      return &view->sections[i];
  return NULL;
}
