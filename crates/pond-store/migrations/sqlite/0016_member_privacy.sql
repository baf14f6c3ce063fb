-- A customer's data (issue 21): erasure, tags and the audit of erasures.
--
-- An erased member keeps their row as a tombstone (id, join instant,
-- how they heard of the shop) with `erased_at` set: referrals, rewards and
-- the ledger keep pointing at it, so balances, totals and report counts
-- stay true while nothing names the person any more.
ALTER TABLE members ADD COLUMN erased_at BIGINT;

-- Labels the shop puts on members ("wedding client", "class student"),
-- set in the console, the API and the CSV import; searched and exported.
CREATE TABLE member_tags (
    member_id BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    tag       TEXT NOT NULL,
    PRIMARY KEY (member_id, tag)
);
CREATE INDEX member_tags_tag ON member_tags (tag);

-- Who erased a member, and when; never what was erased.
CREATE TABLE erasures (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id BIGINT NOT NULL REFERENCES members (id),
    erased_by TEXT NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX erasures_member ON erasures (member_id);

-- The ledger stays append-only for everything that counts (keys, accounts,
-- amounts, instants), but a memo, which is free text a person typed, may be
-- cleared when its member is erased. Nothing else may change.
DROP TRIGGER ledger_no_update;
CREATE TRIGGER ledger_no_update BEFORE UPDATE OF
    id, entry_key, kind, debit, credit, amount, unit, member_id, program_id, referral_id, created_at
    ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
CREATE TRIGGER ledger_memo_cleared_only BEFORE UPDATE OF memo ON ledger_entries
WHEN NEW.memo IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only: a memo can only be cleared'); END;
