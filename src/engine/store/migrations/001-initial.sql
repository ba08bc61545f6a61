-- 001-initial.sql — folders, messages, raw bodies, threading and full-text search
-- SPDX-License-Identifier: GPL-3.0-or-later

CREATE TABLE folders (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,          -- the server's name (IMAP mailbox name, UTF-8)
  role          INTEGER NOT NULL DEFAULT 0,    -- HyFolderRole
  delimiter     TEXT,
  uidvalidity   INTEGER NOT NULL DEFAULT 0,
  uidnext       INTEGER NOT NULL DEFAULT 0,
  highestmodseq INTEGER NOT NULL DEFAULT 0,
  total         INTEGER NOT NULL DEFAULT 0,
  unread        INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE messages (
  id             INTEGER PRIMARY KEY,
  folder_id      INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,
  uid            INTEGER NOT NULL,
  flags          INTEGER NOT NULL DEFAULT 0,   -- HyStoreFlags
  keywords       TEXT,
  modseq         INTEGER NOT NULL DEFAULT 0,
  date           INTEGER NOT NULL DEFAULT 0,   -- Date: header, Unix time
  received       INTEGER NOT NULL DEFAULT 0,   -- INTERNALDATE, Unix time
  size           INTEGER NOT NULL DEFAULT 0,
  message_id     TEXT,
  in_reply_to    TEXT,
  refs           TEXT,
  subject        TEXT,
  sender_name    TEXT,
  sender_address TEXT,
  recipients     TEXT,                         -- To and Cc, as written in the headers
  thread_id      INTEGER NOT NULL DEFAULT 0,
  has_attachment INTEGER NOT NULL DEFAULT 0,
  preview        TEXT,
  UNIQUE (folder_id, uid)
);

CREATE INDEX messages_folder_date ON messages (folder_id, date DESC);
CREATE INDEX messages_thread ON messages (thread_id);
CREATE INDEX messages_message_id ON messages (message_id);

-- Raw RFC 5322 bytes: zlib-compressed in the row, or a file beside the database.
CREATE TABLE bodies (
  message       INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
  size          INTEGER NOT NULL,
  data          BLOB,
  file          TEXT
);

-- Every Message-ID a message carries or refers to, mapped to its thread.
CREATE TABLE thread_ids (
  msgid         TEXT PRIMARY KEY,
  thread_id     INTEGER NOT NULL
) WITHOUT ROWID;

CREATE VIRTUAL TABLE message_fts USING fts5 (
  subject, sender, recipients, body,
  tokenize = 'hongyan'
);

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  DELETE FROM message_fts WHERE rowid = old.id;
END;

CREATE TRIGGER messages_count_insert AFTER INSERT ON messages BEGIN
  UPDATE folders SET total = total + 1,
                     unread = unread + ((new.flags & 1) = 0)
   WHERE id = new.folder_id;
END;

CREATE TRIGGER messages_count_delete AFTER DELETE ON messages BEGIN
  UPDATE folders SET total = total - 1,
                     unread = unread - ((old.flags & 1) = 0)
   WHERE id = old.folder_id;
END;

CREATE TRIGGER messages_count_flags AFTER UPDATE OF flags, folder_id ON messages BEGIN
  UPDATE folders SET total = total - 1,
                     unread = unread - ((old.flags & 1) = 0)
   WHERE id = old.folder_id;
  UPDATE folders SET total = total + 1,
                     unread = unread + ((new.flags & 1) = 0)
   WHERE id = new.folder_id;
END;
