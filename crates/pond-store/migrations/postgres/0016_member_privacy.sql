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
    id        BIGSERIAL PRIMARY KEY,
    member_id BIGINT NOT NULL REFERENCES members (id),
    erased_by TEXT NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX erasures_member ON erasures (member_id);

-- The ledger stays append-only for everything that counts (keys, accounts,
-- amounts, instants), but a memo, which is free text a person typed, may be
-- cleared when its member is erased. Nothing else may change.
CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.memo IS NULL
       AND (NEW.id, NEW.entry_key, NEW.kind, NEW.debit, NEW.credit, NEW.amount, NEW.unit,
            NEW.member_id, NEW.program_id, NEW.referral_id, NEW.created_at)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.entry_key, OLD.kind, OLD.debit, OLD.credit, OLD.amount, OLD.unit,
            OLD.member_id, OLD.program_id, OLD.referral_id, OLD.created_at)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ledger_entries is append-only';
END;
$$ LANGUAGE plpgsql;
