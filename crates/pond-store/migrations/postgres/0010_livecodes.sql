-- Live codes (活码): one stable link per entry point that sends each visitor
-- to one of several chat groups (targets), skipping full, expired and
-- switched-off ones. `last_position` is the position chosen last (round robin).
CREATE TABLE livecodes (
    id         BIGSERIAL PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    strategy   TEXT NOT NULL CHECK (strategy IN ('fill_first', 'round_robin')),
    state      TEXT NOT NULL,
    last_position BIGINT NOT NULL DEFAULT -1,
    enabled    BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL
);

-- A group behind a live code, with its uploaded group QR image. `assigned`
-- counts visitors sent to it; it is full at `capacity`.
CREATE TABLE livecode_targets (
    id            BIGSERIAL PRIMARY KEY,
    livecode_id   BIGINT NOT NULL REFERENCES livecodes (id),
    position      BIGINT NOT NULL,
    name          TEXT NOT NULL,
    capacity      BIGINT NOT NULL CHECK (capacity > 0),
    assigned      BIGINT NOT NULL DEFAULT 0,
    enabled       BOOLEAN NOT NULL DEFAULT TRUE,
    qr_image      BYTEA,
    qr_mime       TEXT,
    qr_expires_at BIGINT,
    created_at    BIGINT NOT NULL,
    UNIQUE (livecode_id, position)
);

-- Every visit, attributed to its entry point's state tag. `target_id` is
-- NULL when nothing was left; `counted` is false for a repeat visit that
-- reused an earlier assignment (refreshes must not fill groups). `visitor`
-- is a keyed hash of the IP and user agent: the IP alone would merge
-- everyone on the shop's Wi-Fi into one visitor.
CREATE TABLE livecode_visits (
    id          BIGSERIAL PRIMARY KEY,
    livecode_id BIGINT NOT NULL REFERENCES livecodes (id),
    target_id   BIGINT REFERENCES livecode_targets (id),
    state       TEXT NOT NULL,
    visitor     TEXT,
    counted     BOOLEAN NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX livecode_visits_repeat ON livecode_visits (livecode_id, visitor, at);

-- A program's member poster (任务宝): the shop's template image and where
-- the member's QR code and name go on it.
CREATE TABLE poster_templates (
    program_id BIGINT PRIMARY KEY REFERENCES programs (id),
    image      BYTEA NOT NULL,
    width      BIGINT NOT NULL,
    height     BIGINT NOT NULL,
    qr_x       BIGINT NOT NULL,
    qr_y       BIGINT NOT NULL,
    qr_size    BIGINT NOT NULL,
    name_x     BIGINT NOT NULL,
    name_y     BIGINT NOT NULL,
    name_size  BIGINT NOT NULL,
    name_color TEXT NOT NULL,
    name_align TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
