-- The trust budget. Asks and signals are recorded; the score is replayed
-- from them (plus approved rewards and chat leaves) on every read, never
-- stored. An ask or signal belongs to a member or, for broadcasts, a group.
CREATE TABLE trust_asks (
    id         BIGSERIAL PRIMARY KEY,
    member_id  BIGINT REFERENCES members (id) ON DELETE CASCADE,
    group_id   BIGINT REFERENCES chat_groups (id),
    kind       TEXT NOT NULL,
    program_id BIGINT REFERENCES programs (id),
    note       TEXT,
    at         BIGINT NOT NULL,
    CHECK ((member_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX trust_asks_member ON trust_asks (member_id, at) WHERE member_id IS NOT NULL;
CREATE INDEX trust_asks_group ON trust_asks (group_id, at) WHERE group_id IS NOT NULL;
CREATE INDEX trust_asks_program ON trust_asks (program_id, member_id) WHERE program_id IS NOT NULL;

-- mute, leave, block, useful_content: what the shop learnt about how an
-- ask landed, or value it delivered.
CREATE TABLE trust_signals (
    id        BIGSERIAL PRIMARY KEY,
    member_id BIGINT REFERENCES members (id) ON DELETE CASCADE,
    group_id  BIGINT REFERENCES chat_groups (id),
    kind      TEXT NOT NULL,
    note      TEXT,
    at        BIGINT NOT NULL,
    CHECK ((member_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX trust_signals_member ON trust_signals (member_id, at) WHERE member_id IS NOT NULL;
CREATE INDEX trust_signals_group ON trust_signals (group_id, at) WHERE group_id IS NOT NULL;

-- A member's leaves from chat groups are read by member.
CREATE INDEX chat_people_member ON chat_people (member_id) WHERE member_id IS NOT NULL;
-- Value to the friends a member brought: rewards by referral, referrals by inviter.
CREATE INDEX referrals_inviter_any ON referrals (inviter_id);
