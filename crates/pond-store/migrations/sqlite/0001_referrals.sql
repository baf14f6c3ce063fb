-- Pond's referral engine. Instants are UTC milliseconds (BIGINT).

CREATE TABLE instance (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE members (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    name              TEXT,
    existing_customer BOOLEAN NOT NULL DEFAULT FALSE,
    ip_hash           TEXT,
    device_hash       TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX members_created ON members (created_at);

-- A key (kind, value) belongs to one member.
CREATE TABLE member_keys (
    kind      TEXT NOT NULL,
    value     TEXT NOT NULL,
    canonical TEXT NOT NULL,
    member_id BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    PRIMARY KEY (kind, value)
);
CREATE INDEX member_keys_member ON member_keys (member_id);
CREATE INDEX member_keys_canonical ON member_keys (canonical);

CREATE TABLE programs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    status     TEXT NOT NULL,
    spec       TEXT NOT NULL,
    warnings   TEXT NOT NULL DEFAULT '[]',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE links (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    program_id BIGINT NOT NULL REFERENCES programs (id),
    member_id  BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    code       TEXT NOT NULL UNIQUE,
    clicks     BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (program_id, member_id)
);

CREATE TABLE clicks (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    link_id BIGINT NOT NULL REFERENCES links (id) ON DELETE CASCADE,
    ip_hash TEXT,
    ua_hash TEXT,
    at      BIGINT NOT NULL
);
CREATE INDEX clicks_link ON clicks (link_id, at);

-- A member can be referred once: invitee_id is UNIQUE.
CREATE TABLE referrals (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    program_id      BIGINT NOT NULL REFERENCES programs (id),
    inviter_id      BIGINT NOT NULL REFERENCES members (id),
    invitee_id      BIGINT NOT NULL UNIQUE REFERENCES members (id),
    link_id         BIGINT REFERENCES links (id),
    source          TEXT NOT NULL,
    status          TEXT NOT NULL,
    review          TEXT NOT NULL,
    reasons         TEXT NOT NULL DEFAULT '',
    ip_hash         TEXT,
    attributed_at   BIGINT NOT NULL,
    qualified_at    BIGINT,
    qualifying_ref  TEXT,
    reviewed_at     BIGINT,
    review_note     TEXT
);
CREATE INDEX referrals_inviter ON referrals (program_id, inviter_id);
CREATE INDEX referrals_review ON referrals (review, attributed_at);
CREATE INDEX referrals_ip ON referrals (ip_hash, attributed_at);

-- The identity of a reward: (program, referral, side, stage).
CREATE TABLE rewards (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    program_id    BIGINT NOT NULL REFERENCES programs (id),
    referral_id   BIGINT NOT NULL REFERENCES referrals (id),
    member_id     BIGINT NOT NULL REFERENCES members (id),
    side          TEXT NOT NULL,
    stage         TEXT NOT NULL,
    amount        BIGINT NOT NULL CHECK (amount > 0),
    unit          TEXT NOT NULL,
    status        TEXT NOT NULL,
    approve_after BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    decided_at    BIGINT,
    UNIQUE (program_id, referral_id, side, stage)
);
CREATE INDEX rewards_due ON rewards (status, approve_after);
CREATE INDEX rewards_member ON rewards (member_id);
CREATE INDEX rewards_referral ON rewards (referral_id);

-- Append-only, double-entry. entry_key is the deterministic identity.
CREATE TABLE ledger_entries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_key   TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    debit       TEXT NOT NULL,
    credit      TEXT NOT NULL,
    amount      BIGINT NOT NULL CHECK (amount > 0),
    unit        TEXT NOT NULL,
    member_id   BIGINT,
    program_id  BIGINT,
    referral_id BIGINT,
    memo        TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX ledger_debit ON ledger_entries (debit, unit);
CREATE INDEX ledger_credit ON ledger_entries (credit, unit);
CREATE INDEX ledger_member ON ledger_entries (member_id, id);

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;

CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    external_id TEXT UNIQUE,
    type        TEXT NOT NULL,
    member_id   BIGINT NOT NULL REFERENCES members (id),
    order_id    TEXT,
    amount      BIGINT,
    occurred_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);
-- An order is paid (or refunded) once, whatever is retried.
CREATE UNIQUE INDEX events_order ON events (type, order_id) WHERE order_id IS NOT NULL;
CREATE INDEX events_member ON events (member_id, type);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);

CREATE TABLE idempotency_keys (
    key          TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX idempotency_created ON idempotency_keys (created_at);
