-- 008-fts-pairs.sql — a leaner search index for Chinese, Japanese and Korean text
-- SPDX-License-Identifier: GPL-3.0-or-later

-- The tokenizer now indexes a run of Han, kana or Hangul characters as the
-- pairs of neighbours and the run's last character alone, no longer every
-- character alone as well (a lone character in a search is a prefix of
-- the pairs, see hy-store-tokenizer.h): rebuild the index from the text
-- the table keeps.  Also let the index gather 16 MiB of new terms in memory
-- (SQLite's default is 1 MiB) before writing them out: a full sync writes
-- fewer, larger segments and merges them less often.
INSERT INTO message_fts (message_fts, rank) VALUES ('hashsize', 16777216);
INSERT INTO message_fts (message_fts) VALUES ('rebuild');
