-- 004-outbox.sql — the durable outbox and locally saved drafts
-- SPDX-License-Identifier: GPL-3.0-or-later

-- A message the user sent, kept until the SMTP server has it and Sent has
-- a copy.  state: 0 queued, 1 sending, 2 sent (Sent copy pending), 3 done,
-- 4 failed (refused for good; last_error has the server's words).
CREATE TABLE outbox (
  id            INTEGER PRIMARY KEY,
  state         INTEGER NOT NULL DEFAULT 0,
  queued        INTEGER NOT NULL,              -- Unix time
  send_after    INTEGER NOT NULL,              -- undo delay, then retry backoff
  attempts      INTEGER NOT NULL DEFAULT 0,
  sender        TEXT NOT NULL,                 -- MAIL FROM
  recipients    TEXT NOT NULL,                 -- RCPT TO, one per line
  subject       TEXT,
  message_id    TEXT,
  size          INTEGER NOT NULL,
  raw           BLOB NOT NULL,                 -- the finished RFC 5322 bytes
  last_error    TEXT,
  sent          INTEGER NOT NULL DEFAULT 0     -- Unix time the server accepted it
);

CREATE INDEX outbox_due ON outbox (state, send_after);

-- Drafts: the newest version of each, and where the server holds it.
-- pending: 0 in step, 1 this version is still to be uploaded, 2 deleted
-- locally (the server's copies are still to be removed).
CREATE TABLE drafts (
  id            INTEGER PRIMARY KEY,
  updated       INTEGER NOT NULL,
  subject       TEXT,
  message_id    TEXT,
  raw           BLOB,
  pending       INTEGER NOT NULL DEFAULT 1,
  server_folder TEXT,
  server_uidvalidity INTEGER NOT NULL DEFAULT 0,
  server_uid    INTEGER NOT NULL DEFAULT 0
);

-- Older server copies of drafts, to be removed once the new one is there.
CREATE TABLE draft_removals (
  id            INTEGER PRIMARY KEY,
  folder        TEXT NOT NULL,
  uidvalidity   INTEGER NOT NULL,
  uid           INTEGER NOT NULL,
  message_id    TEXT
);
