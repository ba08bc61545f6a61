-- 006-message-id-lookup.sql — find messages by Message-ID through thread_ids, without an index of their own
-- SPDX-License-Identifier: GPL-3.0-or-later

-- Every message's own Message-ID is in thread_ids, mapped to the message's
-- thread, so a look-up by Message-ID goes through thread_ids and then
-- messages_thread.  The index on messages (message_id) cost every message
-- written (a sync writes many) about a tenth of the row's own cost.
-- Rows a store may lack in thread_ids are added first.
INSERT OR IGNORE INTO thread_ids (msgid, thread_id)
  SELECT message_id, thread_id FROM messages WHERE message_id IS NOT NULL AND message_id <> '';

DROP INDEX messages_message_id;
