-- Operator notices: things the shop must act on that are not complaints
-- (a live code with no group left, a webhook endpoint that keeps failing).
-- One open notice per (kind, subject): a condition that persists is not
-- raised again until the open one is resolved.
CREATE TABLE notices (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    message     TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'open',
    created_at  BIGINT NOT NULL,
    resolved_at BIGINT
);
CREATE UNIQUE INDEX notices_open ON notices (kind, subject) WHERE state = 'open';
CREATE INDEX notices_state ON notices (state, id);
