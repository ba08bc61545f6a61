/* hy-folder-role.c — what a folder is for (Sent, Drafts, …) and how to recognise it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-account"

#include "config.h"

#include <string.h>

#include "account/hy-folder-role.h"

static const char * const role_names[HY_FOLDER_ROLE_LAST] = {
  NULL, "inbox", "sent", "drafts", "trash", "archive", "junk", "all", "flagged",
};

/* Names that servers and other clients give these folders, case-folded.
 * English, German, French, Spanish, Italian, Dutch, Portuguese, Russian,
 * Chinese (simplified and traditional), Japanese and Korean. */
static const char * const sent_names[] = {
  "sent", "sent items", "sent mail", "sent messages", "sent-mail", "outbox.sent",
  "gesendet", "gesendete objekte", "gesendete elemente", "gesendete nachrichten",
  "envoyés", "éléments envoyés", "messages envoyés", "envoyes",
  "enviados", "elementos enviados", "mensajes enviados", "itens enviados",
  "inviati", "posta inviata", "elementi inviati",
  "verzonden", "verzonden items", "verzonden berichten",
  "отправленные",
  "已发送", "已发送邮件", "已發送", "寄件備份", "已傳送郵件", "已寄出郵件",
  "送信済み", "送信済みアイテム", "送信済みメール",
  "보낸편지함", "보낸 편지함",
  NULL
};
static const char * const drafts_names[] = {
  "drafts", "draft", "entwürfe", "brouillons", "borradores", "rascunhos",
  "bozze", "concepten", "черновики",
  "草稿", "草稿箱", "草稿夹", "草稿匣", "下書き", "임시보관함", "임시 보관함",
  NULL
};
static const char * const trash_names[] = {
  "trash", "deleted items", "deleted messages", "deleted", "bin", "rubbish",
  "papierkorb", "gelöschte objekte", "gelöschte elemente",
  "corbeille", "éléments supprimés", "papelera", "elementos eliminados", "lixeira", "lixo",
  "cestino", "prullenbak", "verwijderde items", "корзина", "удаленные",
  "已删除", "已删除邮件", "已刪除", "已刪除郵件", "垃圾桶", "回收站", "ゴミ箱", "削除済みアイテム",
  "휴지통",
  NULL
};
static const char * const junk_names[] = {
  "junk", "spam", "junk e-mail", "junk email", "junk mail", "bulk mail",
  "spamverdacht", "junk-e-mail", "indésirables", "courrier indésirable", "pourriel",
  "correo no deseado", "posta indesiderata", "ongewenste e-mail", "спам",
  "垃圾邮件", "垃圾郵件", "广告邮件", "迷惑メール", "스팸편지함", "스팸",
  NULL
};
static const char * const archive_names[] = {
  "archive", "archives", "archiv", "archivo", "archivio", "archief", "arquivo",
  "архив", "归档", "存档", "封存", "アーカイブ", "보관함", "보관",
  NULL
};

const char *
hy_folder_role_to_string (HyFolderRole role)
{
  g_return_val_if_fail (role < HY_FOLDER_ROLE_LAST, NULL);

  return role_names[role];
}

HyFolderRole
hy_folder_role_from_string (const char *name)
{
  if (name == NULL)
    return HY_FOLDER_ROLE_NONE;
  for (guint i = 1; i < HY_FOLDER_ROLE_LAST; i++)
    if (g_ascii_strcasecmp (role_names[i], name) == 0)
      return (HyFolderRole) i;
  return HY_FOLDER_ROLE_NONE;
}

HyFolderRole
hy_folder_role_from_special_use (const char *attribute)
{
  static const struct { const char *attr; HyFolderRole role; } map[] = {
    { "\\Sent", HY_FOLDER_ROLE_SENT },
    { "\\Drafts", HY_FOLDER_ROLE_DRAFTS },
    { "\\Trash", HY_FOLDER_ROLE_TRASH },
    { "\\Archive", HY_FOLDER_ROLE_ARCHIVE },
    { "\\Junk", HY_FOLDER_ROLE_JUNK },
    { "\\All", HY_FOLDER_ROLE_ALL },
    { "\\Flagged", HY_FOLDER_ROLE_FLAGGED },
  };

  if (attribute == NULL)
    return HY_FOLDER_ROLE_NONE;
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_ascii_strcasecmp (map[i].attr, attribute) == 0)
      return map[i].role;
  return HY_FOLDER_ROLE_NONE;
}

static gboolean
name_in (const char         *folded,
         const char * const *names)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *candidate = g_utf8_casefold (names[i], -1);
      g_autofree char *normal = g_utf8_normalize (candidate, -1, G_NORMALIZE_NFC);

      if (g_strcmp0 (normal, folded) == 0)
        return TRUE;
    }
  return FALSE;
}

HyFolderRole
hy_folder_role_guess_from_name (const char *name,
                                gunichar    delimiter)
{
  const char *leaf = name;
  g_autofree char *stripped = NULL;
  g_autofree char *folded = NULL;
  g_autofree char *normal = NULL;

  if (name == NULL || !g_utf8_validate (name, -1, NULL))
    return HY_FOLDER_ROLE_NONE;

  /* RFC 3501: INBOX is case-insensitive, and only at the top level. */
  if (g_ascii_strcasecmp (name, "INBOX") == 0)
    return HY_FOLDER_ROLE_INBOX;

  if (delimiter != 0)
    {
      char delim[7] = { 0 };
      const char *last;

      g_unichar_to_utf8 (delimiter, delim);
      last = g_strrstr (name, delim);
      if (last != NULL)
        leaf = last + strlen (delim);
    }
  /* "INBOX.Sent" and "INBOX/Sent" are common on Courier and Cyrus. */

  stripped = g_strstrip (g_strdup (leaf));
  folded = g_utf8_casefold (stripped, -1);
  normal = g_utf8_normalize (folded, -1, G_NORMALIZE_NFC);
  if (normal == NULL || *normal == '\0')
    return HY_FOLDER_ROLE_NONE;

  if (name_in (normal, sent_names))
    return HY_FOLDER_ROLE_SENT;
  if (name_in (normal, drafts_names))
    return HY_FOLDER_ROLE_DRAFTS;
  if (name_in (normal, trash_names))
    return HY_FOLDER_ROLE_TRASH;
  if (name_in (normal, junk_names))
    return HY_FOLDER_ROLE_JUNK;
  if (name_in (normal, archive_names))
    return HY_FOLDER_ROLE_ARCHIVE;
  if (g_strcmp0 (normal, "all mail") == 0 || g_strcmp0 (normal, "所有邮件") == 0)
    return HY_FOLDER_ROLE_ALL;
  return HY_FOLDER_ROLE_NONE;
}
