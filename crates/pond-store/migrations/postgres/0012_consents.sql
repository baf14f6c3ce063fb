-- Consent to the privacy notice (PIPL art. 14, GDPR art. 7): who agreed
-- to which notice, when, and from where (a keyed hash, never the IP).
-- A shop must be able to show it; it is kept with the member.
CREATE TABLE consents (
    id         BIGSERIAL PRIMARY KEY,
    member_id  BIGINT NOT NULL REFERENCES members (id),
    notice     TEXT NOT NULL,
    at         BIGINT NOT NULL,
    ip_hash    TEXT
);
CREATE INDEX consents_member ON consents (member_id);
