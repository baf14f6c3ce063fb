-- Outbound webhooks (Standard Webhooks): endpoints the shop registers, one
-- message per event (its msg_ id is the webhook-id on every attempt), one
-- delivery per endpoint and message, and every attempt kept as a log.

CREATE TABLE webhook_endpoints (
    id              BIGSERIAL PRIMARY KEY,
    url             TEXT NOT NULL,
    -- Comma-separated event types, e.g. "referral.created,reward.approved".
    events          TEXT NOT NULL,
    -- whsec_... : kept readable because every delivery is signed with it.
    secret          TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'active',
    created_at      BIGINT NOT NULL,
    disabled_at     BIGINT,
    last_success_at BIGINT
);

CREATE TABLE webhook_messages (
    id          BIGSERIAL PRIMARY KEY,
    msg_id      TEXT NOT NULL UNIQUE,
    event_type  TEXT NOT NULL,
    -- The exact JSON body, so every attempt and replay sends the same bytes.
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id              BIGSERIAL PRIMARY KEY,
    endpoint_id     BIGINT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    message_id      BIGINT NOT NULL REFERENCES webhook_messages (id),
    -- pending, delivered or failed.
    state           TEXT NOT NULL DEFAULT 'pending',
    -- Attempts ever made, and the position in the retry schedule (reset by a replay).
    attempts        BIGINT NOT NULL DEFAULT 0,
    retry_index     BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    -- When this round of attempts began (created, replayed or requeued).
    queued_at       BIGINT NOT NULL,
    last_status     BIGINT,
    last_error      TEXT,
    delivered_at    BIGINT,
    created_at      BIGINT NOT NULL,
    UNIQUE (endpoint_id, message_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);

CREATE TABLE webhook_attempts (
    id          BIGSERIAL PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at          BIGINT NOT NULL,
    -- The HTTP status, or NULL with an error when no response came.
    status      BIGINT,
    error       TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

-- Each chat group's last classified lifecycle state, so a change can be
-- announced as group.state_changed.
CREATE TABLE group_states (
    group_id   BIGINT PRIMARY KEY REFERENCES chat_groups (id) ON DELETE CASCADE,
    state      TEXT NOT NULL,
    changed_at BIGINT NOT NULL
);
