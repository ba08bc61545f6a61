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
  folder_id      INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
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

-- Message ids follow the Date: header (the store allocates them), so lists,
-- newest first, are in descending id order.  Both indexes keep that order and
-- cover the columns searches filter on, so that in:, is:, has:, before: and
-- after: are answered from an index alone, without a sort.
CREATE INDEX messages_folder ON messages (folder_id, id DESC, flags, has_attachment, date);
CREATE INDEX messages_order ON messages (id DESC, folder_id, flags, has_attachment, date);
CREATE INDEX messages_thread ON messages (thread_id);
CREATE INDEX messages_message_id ON messages (message_id);

-- Raw RFC 5322 bytes: zlib-compressed in the row, or a file beside the database.
CREATE TABLE bodies (
  message       INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  size          INTEGER NOT NULL,
  data          BLOB,
  file          TEXT
);

-- Every Message-ID a message carries or refers to, mapped to its thread.
CREATE TABLE thread_ids (
  msgid         TEXT PRIMARY KEY,
  thread_id     INTEGER NOT NULL
) WITHOUT ROWID;

-- Subject, names and addresses, and text of each message; rowid = messages.id.
-- No triggers anywhere: the store's code keeps this table, the folder counts
-- and the addresses in step, so that no write needs a statement journal (a
-- statement savepoint makes FTS5 flush its pending terms, which would make
-- bulk inserts many times slower).  Foreign keys are deferred for the same
-- reason.
CREATE VIRTUAL TABLE message_fts USING fts5 (
  subject, sender, recipients, body,
  tokenize = 'hongyan'
);

