-- Community health: chat groups, the people in them, their events, and the
-- per-day rollups every report reads. Days are civil days in the shop's time
-- zone, stored as days since 1970-01-01.

CREATE TABLE chat_groups (
    id           BIGSERIAL PRIMARY KEY,
    channel      TEXT NOT NULL,
    -- How an import finds the group again: the platform's id when the
    -- export has one, else the name.
    group_key    TEXT NOT NULL UNIQUE,
    external_id  TEXT,
    name         TEXT NOT NULL,
    capacity     BIGINT,
    first_seen   BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);

-- A person as one group knows them; membership over time from join and
-- leave events, linked to a Pond member when an identity matches. Someone
-- with no join on record (seen posting, or leaving) was a member from the
-- start: members on a day = those + joins - leaves up to that day.
CREATE TABLE chat_people (
    id          BIGSERIAL PRIMARY KEY,
    group_id    BIGINT NOT NULL REFERENCES chat_groups (id),
    person_key  TEXT NOT NULL,
    name        TEXT NOT NULL,
    platform_id TEXT,
    staff       BOOLEAN NOT NULL DEFAULT FALSE,
    bot         BOOLEAN NOT NULL DEFAULT FALSE,
    member_id   BIGINT REFERENCES members (id),
    joined_at   BIGINT,
    left_at     BIGINT,
    UNIQUE (group_id, person_key)
);
-- Members from the start, counted per group by every report.
CREATE INDEX chat_people_from_start ON chat_people (group_id) WHERE joined_at IS NULL;

-- Messages, joins and leaves. id is the first 64 bits of the event's
-- SHA-256 id; the key leads with (group, instant) so that an import, which
-- arrives group by group in time order, appends instead of scattering
-- writes over the whole table. Importing the same export twice inserts
-- nothing: the same event always has the same group, instant and id.
CREATE TABLE chat_events (
    group_id  BIGINT NOT NULL REFERENCES chat_groups (id),
    at        BIGINT NOT NULL,
    id        BIGINT NOT NULL,
    person_id BIGINT REFERENCES chat_people (id),
    kind      TEXT NOT NULL,
    text      TEXT,
    PRIMARY KEY (group_id, at, id)
);

-- Per group and day. non_staff_messages > 0 marks an active day. No index
-- on day alone: every import would scatter writes over it, while a report
-- scans the table once.
CREATE TABLE group_days (
    group_id           BIGINT NOT NULL REFERENCES chat_groups (id),
    day                BIGINT NOT NULL,
    messages           BIGINT NOT NULL,
    non_staff_messages BIGINT NOT NULL,
    joins              BIGINT NOT NULL,
    leaves             BIGINT NOT NULL,
    PRIMARY KEY (group_id, day)
);
-- Days with joins or leaves: a member count as of a date sums only these.
CREATE INDEX group_days_moves ON group_days (group_id, day) WHERE joins > 0 OR leaves > 0;

-- Per group, day and sender: what distinct counts over a window need.
CREATE TABLE sender_days (
    group_id  BIGINT NOT NULL,
    day       BIGINT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES chat_people (id),
    staff     BOOLEAN NOT NULL,
    messages  BIGINT NOT NULL,
    PRIMARY KEY (group_id, day, person_id)
);
