-- The three tables a chat import writes for every message lose their
-- foreign-key clauses on SQLite. Each clause made SQLite look the parent
-- row up for every row written: about a million probes per million
-- messages, 28-38% of a bulk import's time (docs/benchmarks.md, session 7).
-- The ingest resolves every group and person id in the same transaction
-- that writes these rows, the API looks a group up before writing to it,
-- and nothing deletes groups or people. PostgreSQL keeps its clauses (it has
-- no migration 0014).
--
-- SQLite cannot drop a constraint, so each table is rebuilt: created anew,
-- filled, the old one dropped and the new one renamed (the procedure of
-- https://www.sqlite.org/lang_altertable.html#otheralter). No other table
-- refers to these three.

CREATE TABLE chat_events_new (
    group_id  BIGINT NOT NULL,
    at        BIGINT NOT NULL,
    id        BIGINT NOT NULL,
    person_id BIGINT,
    kind      TEXT NOT NULL,
    text      TEXT,
    PRIMARY KEY (group_id, at, id)
) WITHOUT ROWID;
INSERT INTO chat_events_new (group_id, at, id, person_id, kind, text)
    SELECT group_id, at, id, person_id, kind, text FROM chat_events;
DROP TABLE chat_events;
ALTER TABLE chat_events_new RENAME TO chat_events;

CREATE TABLE group_days_new (
    group_id           BIGINT NOT NULL,
    day                INTEGER NOT NULL,
    messages           INTEGER NOT NULL,
    non_staff_messages INTEGER NOT NULL,
    joins              INTEGER NOT NULL,
    leaves             INTEGER NOT NULL,
    PRIMARY KEY (group_id, day)
) WITHOUT ROWID;
INSERT INTO group_days_new (group_id, day, messages, non_staff_messages, joins, leaves)
    SELECT group_id, day, messages, non_staff_messages, joins, leaves FROM group_days;
DROP TABLE group_days;
ALTER TABLE group_days_new RENAME TO group_days;
CREATE INDEX group_days_moves ON group_days (group_id, day) WHERE joins > 0 OR leaves > 0;

CREATE TABLE sender_days_new (
    group_id  BIGINT NOT NULL,
    day       INTEGER NOT NULL,
    person_id BIGINT NOT NULL,
    staff     BOOLEAN NOT NULL,
    messages  INTEGER NOT NULL,
    PRIMARY KEY (group_id, day, person_id)
) WITHOUT ROWID;
INSERT INTO sender_days_new (group_id, day, person_id, staff, messages)
    SELECT group_id, day, person_id, staff, messages FROM sender_days;
DROP TABLE sender_days;
ALTER TABLE sender_days_new RENAME TO sender_days;
