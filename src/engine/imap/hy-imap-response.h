/* hy-imap-response.h — IMAP server responses as typed values, parsed from bytes
 *
 * The parser is a pure function over the bytes of one complete response: the
 * first line, and for each literal "{n}" at the end of a line the n bytes
 * that follow it and the line that continues after them, exactly as they
 * came off the wire.  A reader collects them with hy_imap_line_literal(),
 * which says whether a line announces a literal and how long it is.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "imap/hy-imap-seqset.h"

G_BEGIN_DECLS

/* Nesting deeper than this (lists, body parts) is refused as hostile. */
#define HY_IMAP_MAX_DEPTH 48

#define HY_IMAP_TYPE_RESPONSE (hy_imap_response_get_type ())

typedef enum {
  HY_IMAP_PARSE_DEFAULT = 0,
  /* UTF8=ACCEPT is enabled: mailbox names are UTF-8, not modified UTF-7 */
  HY_IMAP_PARSE_UTF8 = 1 << 0,
} HyImapParseFlags;

/* ---- addresses, envelopes, body structures ---------------------------- */

/**
 * HyImapAddress:
 * @name: display name (may be RFC 2047 encoded), or %NULL
 * @adl: source route, or %NULL
 * @mailbox: local part; in group syntax, the group name when @host is %NULL,
 *   and %NULL at the end of a group
 * @host: domain, or %NULL for the start or end of a group
 */
typedef struct {
  char *name;
  char *adl;
  char *mailbox;
  char *host;
} HyImapAddress;

void hy_imap_address_free (HyImapAddress *address);
char *hy_imap_address_to_string (const HyImapAddress *address);

/**
 * HyImapEnvelope:
 *
 * The ENVELOPE fetch item.  Strings are as the server sent them (%NULL for
 * NIL); the address lists are never %NULL, but may be empty.
 */
typedef struct {
  char      *date;
  char      *subject;
  GPtrArray *from;      /* (element-type HyImapAddress) */
  GPtrArray *sender;
  GPtrArray *reply_to;
  GPtrArray *to;
  GPtrArray *cc;
  GPtrArray *bcc;
  char      *in_reply_to;
  char      *message_id;
} HyImapEnvelope;

void hy_imap_envelope_free (HyImapEnvelope *envelope);

typedef struct _HyImapBodyPart HyImapBodyPart;

/**
 * HyImapBodyPart:
 * @type: lower-case media type, "multipart" for a multipart
 * @subtype: lower-case subtype
 * @params: (array zero-terminated=1): name, value, name, value…; names in
 *   lower case.  Never %NULL.
 * @id: Content-ID or %NULL
 * @description: Content-Description or %NULL
 * @encoding: lower-case Content-Transfer-Encoding, or %NULL
 * @size: size in octets of the encoded body
 * @lines: lines of text (text/ and message/rfc822 parts), else 0
 * @md5: Content-MD5 or %NULL
 * @disposition: lower-case disposition type ("attachment") or %NULL
 * @disposition_params: like @params; never %NULL
 * @language: (array zero-terminated=1) (nullable): languages
 * @location: Content-Location or %NULL
 * @envelope: for message/rfc822, the envelope of the enclosed message
 * @message: for message/rfc822, the body of the enclosed message
 * @children: (element-type HyImapBodyPart): for multipart, the parts
 */
struct _HyImapBodyPart {
  char           *type;
  char           *subtype;
  char          **params;
  char           *id;
  char           *description;
  char           *encoding;
  guint64         size;
  guint64         lines;
  char           *md5;
  char           *disposition;
  char          **disposition_params;
  char          **language;
  char           *location;
  HyImapEnvelope *envelope;
  HyImapBodyPart *message;
  GPtrArray      *children;
};

void        hy_imap_body_part_free      (HyImapBodyPart       *part);
const char *hy_imap_body_part_get_param (const HyImapBodyPart *part,
                                         const char           *name);
const char *hy_imap_body_part_get_disposition_param (const HyImapBodyPart *part,
                                                     const char           *name);

/* ---- FETCH ------------------------------------------------------------- */

/**
 * HyImapFetchSection:
 * @binary: a BINARY[] item rather than BODY[]
 * @section: the section spec between the brackets, e.g. "", "HEADER",
 *   "1.2", "HEADER.FIELDS (SUBJECT FROM)" (RFC822.HEADER becomes "HEADER")
 * @origin: the "<n>" origin of a partial fetch, or -1
 * @data: (nullable): the bytes; %NULL if the server sent NIL
 */
typedef struct {
  gboolean  binary;
  char     *section;
  gint64    origin;
  GBytes   *data;
} HyImapFetchSection;

typedef enum {
  HY_IMAP_FETCH_UID           = 1 << 0,
  HY_IMAP_FETCH_FLAGS         = 1 << 1,
  HY_IMAP_FETCH_INTERNALDATE  = 1 << 2,
  HY_IMAP_FETCH_SIZE          = 1 << 3,
  HY_IMAP_FETCH_ENVELOPE      = 1 << 4,
  HY_IMAP_FETCH_BODYSTRUCTURE = 1 << 5,
  HY_IMAP_FETCH_MODSEQ        = 1 << 6,
  HY_IMAP_FETCH_SECTIONS      = 1 << 7,
} HyImapFetchItems;

/**
 * HyImapFetch:
 * @seq: message sequence number
 * @items: which of the fields below the server sent
 * @flags: (array zero-terminated=1): flags and keywords as sent
 * @internaldate: (nullable): INTERNALDATE
 * @size: RFC822.SIZE
 * @body: BODYSTRUCTURE (or BODY without extension data)
 * @sections: (element-type HyImapFetchSection): BODY[…] items, in order
 */
typedef struct {
  guint32            seq;
  HyImapFetchItems   items;
  guint32            uid;
  char             **flags;
  GDateTime         *internaldate;
  guint64            size;
  guint64            modseq;
  HyImapEnvelope    *envelope;
  HyImapBodyPart    *body;
  GPtrArray         *sections;
} HyImapFetch;

void                      hy_imap_fetch_free        (HyImapFetch *fetch);
const HyImapFetchSection *hy_imap_fetch_get_section (const HyImapFetch *fetch,
                                                     const char        *section);
gboolean                  hy_imap_fetch_has_flag    (const HyImapFetch *fetch,
                                                     const char        *flag);

/* ---- FETCH read in place ----------------------------------------------- */

/**
 * HyImapAddressView:
 *
 * An address of a #HyImapFetchView: the same strings as #HyImapAddress,
 * borrowed.
 */
typedef struct {
  const char *name;
  const char *adl;
  const char *mailbox;
  const char *host;
} HyImapAddressView;

typedef struct {
  const HyImapAddressView *items;
  guint                    len;
} HyImapAddressListView;

/**
 * HyImapPartView:
 * @type: lower-case media type ("multipart" for a multipart)
 * @subtype: lower-case subtype
 * @disposition: lower-case disposition type, or %NULL
 * @name: the "name" parameter of the content type, or %NULL
 * @filename: the "filename" parameter of the disposition, or %NULL
 * @depth: 0 for the message's body, one more for each enclosing part
 * @enclosed: the part belongs to a message/rfc822 part's message
 * @children: for a multipart, how many parts it holds directly (they
 *   follow it, in order, each with their own parts)
 *
 * One part of a body structure, as a #HyImapFetchView lists them: in
 * document order, each part before its children.
 */
typedef struct {
  const char *type;
  const char *subtype;
  const char *disposition;
  const char *name;
  const char *filename;
  guint       depth;
  gboolean    enclosed;
  guint       children;
} HyImapPartView;

/**
 * HyImapSectionView:
 * @data: (nullable): the bytes, %NULL if the server sent NIL
 */
typedef struct {
  gboolean      binary;
  const char   *section;
  gint64        origin;
  const guint8 *data;
  gsize         len;
} HyImapSectionView;

/**
 * HyImapFetchView:
 * @items: which fields the server sent, as in #HyImapFetch
 * @flags: (array zero-terminated=1): flags and keywords, never %NULL
 * @internaldate: INTERNALDATE in seconds since the epoch
 * @date, @subject, @in_reply_to, @message_id, @from…@bcc: the ENVELOPE
 *   (empty lists and %NULL strings without one)
 * @parts: the BODYSTRUCTURE's parts (see #HyImapPartView)
 * @sections: BODY[…] items in order
 *
 * A FETCH response read without building a #HyImapFetch: everything is
 * borrowed from the parser and valid only while the #HyImapFetchViewFunc
 * that receives it runs.  It holds the same facts as the #HyImapFetch of
 * the same bytes.
 */
typedef struct {
  guint32                  seq;
  HyImapFetchItems         items;
  guint32                  uid;
  const char * const      *flags;
  gint64                   internaldate;
  guint64                  size;
  guint64                  modseq;
  const char              *date;
  const char              *subject;
  HyImapAddressListView    from;
  HyImapAddressListView    sender;
  HyImapAddressListView    reply_to;
  HyImapAddressListView    to;
  HyImapAddressListView    cc;
  HyImapAddressListView    bcc;
  const char              *in_reply_to;
  const char              *message_id;
  const HyImapPartView    *parts;
  guint                    n_parts;
  const HyImapSectionView *sections;
  guint                    n_sections;
} HyImapFetchView;

typedef void (*HyImapFetchViewFunc) (const HyImapFetchView *view,
                                     gpointer               user_data);

typedef enum {
  HY_IMAP_VIEW_NOT_FETCH,   /* another response: parse it with hy_imap_response_parse() */
  HY_IMAP_VIEW_DONE,        /* @func was called */
  HY_IMAP_VIEW_MALFORMED,   /* a malformed FETCH: @error is set */
} HyImapViewResult;

HyImapViewResult          hy_imap_fetch_view_parse (const guint8         *data,
                                                    gsize                 len,
                                                    HyImapFetchViewFunc   func,
                                                    gpointer              user_data,
                                                    GError              **error);
const HyImapSectionView  *hy_imap_fetch_view_get_section (const HyImapFetchView *view,
                                                          const char            *section);

/* ---- other untagged data ---------------------------------------------- */

/**
 * HyImapMailbox:
 * @name: the name in UTF-8, for people
 * @raw_name: the name as the server sent it (modified UTF-7 unless
 *   UTF8=ACCEPT is on); use it in commands
 * @delimiter: hierarchy delimiter, or 0 if the server has none (NIL)
 * @attributes: (array zero-terminated=1): attributes as sent, e.g. "\\Sent"
 * @status: (nullable): STATUS items, when the LIST asked for them
 */
typedef struct _HyImapStatus HyImapStatus;

typedef struct {
  char          *name;
  char          *raw_name;
  char           delimiter;
  char         **attributes;
  HyImapStatus  *status;
} HyImapMailbox;

void     hy_imap_mailbox_free          (HyImapMailbox *mailbox);
gboolean hy_imap_mailbox_has_attribute (const HyImapMailbox *mailbox,
                                        const char          *attribute);

typedef enum {
  HY_IMAP_STATUS_MESSAGES      = 1 << 0,
  HY_IMAP_STATUS_RECENT        = 1 << 1,
  HY_IMAP_STATUS_UIDNEXT       = 1 << 2,
  HY_IMAP_STATUS_UIDVALIDITY   = 1 << 3,
  HY_IMAP_STATUS_UNSEEN        = 1 << 4,
  HY_IMAP_STATUS_HIGHESTMODSEQ = 1 << 5,
  HY_IMAP_STATUS_SIZE          = 1 << 6,
} HyImapStatusItems;

struct _HyImapStatus {
  char              *name;
  char              *raw_name;
  HyImapStatusItems  items;
  guint32            messages;
  guint32            recent;
  guint32            uidnext;
  guint32            uidvalidity;
  guint32            unseen;
  guint64            highestmodseq;
  guint64            size;
};

void hy_imap_status_free (HyImapStatus *status);

/**
 * HyImapSearch:
 * @tag: (nullable): the ESEARCH correlator tag
 * @uid: whether the numbers are UIDs (ESEARCH "UID")
 * @numbers: (element-type guint32): SEARCH results, ascending; for ESEARCH
 *   the expansion of ALL
 * @all: (element-type HyImapRange) (nullable): ESEARCH ALL as sent
 * @has_min, @min, @has_max, @max, @has_count, @count: ESEARCH items
 * @modseq: the highest MODSEQ of the results (CONDSTORE), or 0
 */
typedef struct {
  char    *tag;
  gboolean esearch;
  gboolean uid;
  GArray  *numbers;
  GArray  *all;
  gboolean has_min;
  guint32  min;
  gboolean has_max;
  guint32  max;
  gboolean has_count;
  guint32  count;
  guint64  modseq;
} HyImapSearch;

void hy_imap_search_free (HyImapSearch *search);

typedef struct {
  char *prefix;
  char  delimiter;
} HyImapNamespaceEntry;

/* Each list holds HyImapNamespaceEntry and is never NULL. */
typedef struct {
  GPtrArray *personal;
  GPtrArray *other_users;
  GPtrArray *shared;
} HyImapNamespace;

void hy_imap_namespace_free (HyImapNamespace *ns);

/* ---- response codes --------------------------------------------------- */

typedef enum {
  HY_IMAP_CODE_NONE = 0,
  HY_IMAP_CODE_OTHER,
  HY_IMAP_CODE_ALERT,
  HY_IMAP_CODE_BADCHARSET,
  HY_IMAP_CODE_CAPABILITY,
  HY_IMAP_CODE_PARSE,
  HY_IMAP_CODE_PERMANENTFLAGS,
  HY_IMAP_CODE_READ_ONLY,
  HY_IMAP_CODE_READ_WRITE,
  HY_IMAP_CODE_TRYCREATE,
  HY_IMAP_CODE_UIDNEXT,
  HY_IMAP_CODE_UIDVALIDITY,
  HY_IMAP_CODE_UNSEEN,
  HY_IMAP_CODE_HIGHESTMODSEQ,
  HY_IMAP_CODE_NOMODSEQ,
  HY_IMAP_CODE_MODIFIED,
  HY_IMAP_CODE_APPENDUID,
  HY_IMAP_CODE_COPYUID,
  HY_IMAP_CODE_UIDNOTSTICKY,
  HY_IMAP_CODE_CLOSED,
  HY_IMAP_CODE_AUTHENTICATIONFAILED,
  HY_IMAP_CODE_AUTHORIZATIONFAILED,
  HY_IMAP_CODE_EXPIRED,
  HY_IMAP_CODE_UNAVAILABLE,
  HY_IMAP_CODE_PRIVACYREQUIRED,
  HY_IMAP_CODE_NOPERM,
  HY_IMAP_CODE_INUSE,
  HY_IMAP_CODE_OVERQUOTA,
  HY_IMAP_CODE_ALREADYEXISTS,
  HY_IMAP_CODE_NONEXISTENT,
  HY_IMAP_CODE_COMPRESSIONACTIVE,
} HyImapCodeKind;

/**
 * HyImapResponseCode:
 * @kind: which code
 * @name: the code's name in upper case
 * @arguments: (nullable): the raw text after the name, up to "]"
 * @number: UIDNEXT, UIDVALIDITY, UNSEEN, HIGHESTMODSEQ
 * @strv: (array zero-terminated=1) (nullable): CAPABILITY, PERMANENTFLAGS,
 *   BADCHARSET
 * @uidvalidity: APPENDUID, COPYUID
 * @source: (element-type HyImapRange) (nullable): COPYUID source UIDs;
 *   MODIFIED set
 * @dest: (element-type HyImapRange) (nullable): APPENDUID / COPYUID new UIDs
 */
typedef struct {
  HyImapCodeKind  kind;
  char           *name;
  char           *arguments;
  guint64         number;
  char          **strv;
  guint32         uidvalidity;
  GArray         *source;
  GArray         *dest;
} HyImapResponseCode;

void hy_imap_response_code_free (HyImapResponseCode *code);

/* ---- responses -------------------------------------------------------- */

typedef enum {
  HY_IMAP_RESPONSE_TAGGED,
  HY_IMAP_RESPONSE_UNTAGGED,
  HY_IMAP_RESPONSE_CONTINUATION,
} HyImapResponseKind;

typedef enum {
  HY_IMAP_RESULT_NONE = 0,
  HY_IMAP_RESULT_OK,
  HY_IMAP_RESULT_NO,
  HY_IMAP_RESULT_BAD,
  HY_IMAP_RESULT_PREAUTH,
  HY_IMAP_RESULT_BYE,
} HyImapResult;

typedef enum {
  HY_IMAP_DATA_NONE = 0,     /* tagged, continuation, or untagged status */
  HY_IMAP_DATA_CAPABILITY,
  HY_IMAP_DATA_LIST,
  HY_IMAP_DATA_LSUB,
  HY_IMAP_DATA_STATUS,
  HY_IMAP_DATA_SEARCH,       /* SEARCH and ESEARCH */
  HY_IMAP_DATA_FLAGS,
  HY_IMAP_DATA_EXISTS,
  HY_IMAP_DATA_RECENT,
  HY_IMAP_DATA_EXPUNGE,
  HY_IMAP_DATA_FETCH,
  HY_IMAP_DATA_VANISHED,
  HY_IMAP_DATA_ENABLED,
  HY_IMAP_DATA_NAMESPACE,
  HY_IMAP_DATA_ID,
  HY_IMAP_DATA_OTHER,
} HyImapDataKind;

/**
 * HyImapResponse:
 * @kind: tagged, untagged or continuation
 * @tag: the tag of a tagged response
 * @result: OK/NO/BAD/PREAUTH/BYE for a status response, else NONE
 * @code: (nullable): the response code in brackets
 * @text: (nullable): human-readable text of a status response or of a
 *   continuation request, as sent
 * @data: what the untagged response carries
 * @keyword: the untagged keyword in upper case ("FETCH", "X-FOO"…)
 * @number: the number of EXISTS, RECENT, EXPUNGE
 * @strv: CAPABILITY, FLAGS, ENABLED; ID as name, value pairs
 * @earlier: VANISHED (EARLIER)
 * @uids: (element-type HyImapRange): VANISHED UIDs
 */
typedef struct {
  gint                ref_count;
  HyImapResponseKind  kind;
  char               *tag;
  HyImapResult        result;
  HyImapResponseCode *code;
  char               *text;
  HyImapDataKind      data;
  char               *keyword;
  guint32             number;
  char              **strv;
  gboolean            earlier;
  GArray             *uids;
  HyImapMailbox      *mailbox;
  HyImapStatus       *status;
  HyImapSearch       *search;
  HyImapFetch        *fetch;
  HyImapNamespace    *namespace_;
} HyImapResponse;

HyImapResponse *hy_imap_response_parse (const guint8      *data,
                                        gsize              len,
                                        HyImapParseFlags   flags,
                                        GError           **error);
GType           hy_imap_response_get_type (void) G_GNUC_CONST;
HyImapResponse *hy_imap_response_ref   (HyImapResponse    *response);
void            hy_imap_response_unref (HyImapResponse    *response);

gboolean        hy_imap_line_literal   (const guint8      *line,
                                        gsize              len,
                                        guint64           *size);

gboolean        hy_imap_parse_internaldate (const char    *text,
                                            GDateTime    **out);
char           *hy_imap_format_internaldate (GDateTime    *date);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyImapResponse, hy_imap_response_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyImapFetch, hy_imap_fetch_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyImapBodyPart, hy_imap_body_part_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyImapEnvelope, hy_imap_envelope_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyImapMailbox, hy_imap_mailbox_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyImapStatus, hy_imap_status_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyImapSearch, hy_imap_search_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HyImapNamespace, hy_imap_namespace_free)

G_END_DECLS
