-- Console accounts and their sessions. Passwords are argon2id PHC strings;
-- a session is known by the SHA-256 of its cookie (256 random bits need no
-- slow hash), and carries its own CSRF token for the forms it renders.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'operator', 'viewer')),
    created_at    BIGINT NOT NULL,
    disabled_at   BIGINT
);

CREATE TABLE console_sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);
