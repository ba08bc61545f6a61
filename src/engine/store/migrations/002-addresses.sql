-- 002-addresses.sql — addresses seen in mail, for completion in the composer
-- SPDX-License-Identifier: GPL-3.0-or-later

CREATE TABLE addresses (
  address       TEXT PRIMARY KEY COLLATE NOCASE,
  name          TEXT,
  seen          INTEGER NOT NULL DEFAULT 0,   -- how many messages carried it
  last_seen     INTEGER NOT NULL DEFAULT 0    -- Unix time of the newest of them
);

CREATE INDEX addresses_rank ON addresses (seen DESC);

-- Addresses of the messages cached before this version.
INSERT OR IGNORE INTO addresses (address, name, seen, last_seen)
  SELECT sender_address, max (sender_name), count (*), max (date)
    FROM messages
   WHERE sender_address IS NOT NULL AND sender_address <> ''
   GROUP BY sender_address COLLATE NOCASE;
