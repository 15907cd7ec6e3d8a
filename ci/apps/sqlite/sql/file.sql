-- A file database: written, closed, reopened and read; a journal and a rollback.
-- open test.db
PRAGMA journal_mode = DELETE;
CREATE TABLE kv(k TEXT PRIMARY KEY, v BLOB);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
INSERT INTO kv SELECT 'key-' || i, zeroblob(i % 200) || 'value-' || i FROM n;
BEGIN; DELETE FROM kv; ROLLBACK;
SELECT count(*), sum(length(v)) FROM kv;
-- reopen
SELECT count(*), sum(length(v)), max(k) FROM kv;
PRAGMA integrity_check;
UPDATE kv SET v = 'short' WHERE k LIKE 'key-1%';
VACUUM;
-- reopen
SELECT count(*), sum(length(v)) FROM kv;
PRAGMA page_count;
