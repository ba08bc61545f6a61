-- 009-ascending-indexes.sql — the two indexes in id order grow at their end
-- SPDX-License-Identifier: GPL-3.0-or-later

-- Ids follow the Date: header, so a sync mostly adds ids above every id of
-- the folder.  In descending id order each new entry went to the start of
-- its range, where SQLite splits a full page into two half-empty ones and
-- rebalances it with its neighbours; in ascending order it goes to the
-- end, where a full page is simply followed by a new one.  SQLite reads an
-- index backwards as fast as forwards, so lists and searches, newest first,
-- take the same plans.  About a tenth of the cost of writing a message's
-- row in a header sync.
DROP INDEX messages_folder;
CREATE INDEX messages_folder ON messages (folder_id, id, flags, has_attachment, date);
DROP INDEX messages_order;
CREATE INDEX messages_order ON messages (id, folder_id, flags, has_attachment, date);
