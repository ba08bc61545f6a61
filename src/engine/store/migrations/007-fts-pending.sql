-- 007-fts-pending.sql — messages whose search index row is still to be written
-- SPDX-License-Identifier: GPL-3.0-or-later

-- A header sync commits its messages without their rows in message_fts and
-- records them here, in the same transaction; the store writes those rows
-- right after, in batches, on its own.  One row per batch of up to a
-- thousand messages (a row per message cost as much as a secondary index):
-- entries is, for each message, its id (8 bytes, host order), then the text
-- of the sender and recipients columns, each ended by a NUL byte.  Subject
-- and body come from the message's row.  Searches index what is left here
-- before they run, and opening the store finishes what a crash left.
CREATE TABLE fts_pending (
  id            INTEGER PRIMARY KEY,
  entries       BLOB NOT NULL
);
