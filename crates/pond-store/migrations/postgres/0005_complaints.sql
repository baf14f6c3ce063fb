-- Complaints caught in chat groups, worked as a queue: open, acknowledged,
-- resolved. `audience` is how many people were in the group when it was
-- posted: how far it could spread.
CREATE TABLE complaint_alerts (
    id              BIGSERIAL PRIMARY KEY,
    group_id        BIGINT NOT NULL REFERENCES chat_groups (id),
    event_at        BIGINT NOT NULL,
    event_id        BIGINT NOT NULL,
    person_id       BIGINT REFERENCES chat_people (id),
    text            TEXT NOT NULL,
    score           DOUBLE PRECISION NOT NULL,
    audience        BIGINT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'open',
    created_at      BIGINT NOT NULL,
    acknowledged_at BIGINT,
    resolved_at     BIGINT,
    UNIQUE (group_id, event_at, event_id)
);
CREATE INDEX complaint_alerts_state ON complaint_alerts (state, id);

-- The shop's own complaint words, added to the built-in lexicons.
CREATE TABLE complaint_terms (
    term       TEXT PRIMARY KEY,
    weight     DOUBLE PRECISION NOT NULL,
    created_at BIGINT NOT NULL
);
