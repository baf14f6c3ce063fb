-- Customers adding and deleting the shop's staff on WeCom
-- (change_external_contact callbacks): acceptance and churn, by the entry
-- point's `state` tag. One row per event; a retried callback is the same
-- (staff, customer, kind, at) and lands once.
CREATE TABLE contact_events (
    id       BIGSERIAL PRIMARY KEY,
    channel  TEXT NOT NULL,
    staff    TEXT NOT NULL,
    customer TEXT NOT NULL,
    kind     TEXT NOT NULL,
    state    TEXT,
    at       BIGINT NOT NULL,
    UNIQUE (channel, staff, customer, kind, at)
);
CREATE INDEX contact_events_at ON contact_events (at);
