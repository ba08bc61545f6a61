/* hy-folder-role.h — what a folder is for (Sent, Drafts, …) and how to recognise it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Values are stored in the database and in key files: append only. */
typedef enum {
  HY_FOLDER_ROLE_NONE = 0,
  HY_FOLDER_ROLE_INBOX,
  HY_FOLDER_ROLE_SENT,
  HY_FOLDER_ROLE_DRAFTS,
  HY_FOLDER_ROLE_TRASH,
  HY_FOLDER_ROLE_ARCHIVE,
  HY_FOLDER_ROLE_JUNK,
  HY_FOLDER_ROLE_ALL,
  HY_FOLDER_ROLE_FLAGGED,
  HY_FOLDER_ROLE_LAST
} HyFolderRole;

/* "inbox", "sent", … or NULL for HY_FOLDER_ROLE_NONE. */
const char   *hy_folder_role_to_string          (HyFolderRole  role);
/* The inverse of hy_folder_role_to_string(), case-insensitive; NONE if unknown. */
HyFolderRole  hy_folder_role_from_string        (const char   *name);
/* An RFC 6154 attribute such as "\\Sent"; NONE if it names no role. */
HyFolderRole  hy_folder_role_from_special_use   (const char   *attribute);
/* Guesses from a folder's name in several languages ("Sent Items",
 * "Gesendet", "已发送", "[Gmail]/Sent Mail", …); @delimiter separates
 * hierarchy levels (0 when the server has none). */
HyFolderRole  hy_folder_role_guess_from_name    (const char   *name,
                                                 gunichar      delimiter);

G_END_DECLS
