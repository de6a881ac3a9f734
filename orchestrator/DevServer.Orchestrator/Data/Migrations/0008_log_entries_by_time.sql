-- Retention deletes entries older than a cutoff every few minutes. Without an index on the time that delete reads
-- the whole table each run, and the log is the largest table a busy cluster has. (A plain CREATE INDEX: migrations
-- run in a transaction, where CONCURRENTLY cannot; it blocks the log's inserts only while it builds.)
CREATE INDEX log_entries_by_time ON log_entries (at);
