-- 003-sync.sql — changes made in the client until the server has them; POP3 UIDLs
-- SPDX-License-Identifier: GPL-3.0-or-later

-- One row per message and operation, in the order they were made.  Folders
-- are named as the server knows them (ids change when a folder is rebuilt),
-- with the UIDVALIDITY the UID belongs to.  Messages moved offline wait in
-- their destination with uid = -id until the server assigns one.
CREATE TABLE offline_ops (
  id            INTEGER PRIMARY KEY,
  kind          INTEGER NOT NULL,              -- HyStoreOpKind
  folder        TEXT NOT NULL,
  uidvalidity   INTEGER NOT NULL,
  uid           INTEGER NOT NULL,
  modseq        INTEGER NOT NULL DEFAULT 0,    -- MODSEQ known when queued
  add_flags     INTEGER NOT NULL DEFAULT 0,    -- HyStoreFlags
  remove_flags  INTEGER NOT NULL DEFAULT 0,
  destination   TEXT,                          -- MOVE: the destination folder
  message       INTEGER NOT NULL DEFAULT 0,    -- MOVE: the local row, now in the destination
  created       INTEGER NOT NULL
);

CREATE INDEX offline_ops_folder ON offline_ops (folder, uid);

-- POP3: the messages already downloaded, by the server's UIDL, with the
-- time they were first seen (for "delete from the server after N days").
CREATE TABLE pop3_uidls (
  uidl          TEXT PRIMARY KEY,
  seen          INTEGER NOT NULL
) WITHOUT ROWID;
