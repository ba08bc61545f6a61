-- 005-threads.sql — an index for listing a folder by conversation
-- SPDX-License-Identifier: GPL-3.0-or-later

-- The conversation list groups a folder's messages by thread: newest message,
-- count and unread state of each.  This index answers that grouping without a
-- sort of the folder's rows or a look at the table (flags are covered).
CREATE INDEX messages_folder_thread ON messages (folder_id, thread_id, id, flags);
