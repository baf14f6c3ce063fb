//! Console accounts and login sessions. The password hash and the session
//! secrets are made by the server; this module only keeps them.

use crate::time::{ms, ts};
use crate::{Result, Tx, on_conn};
use jiff::Timestamp;

/// A console account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Pond's id.
    pub id: i64,
    /// The login name.
    pub username: String,
    /// The argon2 PHC string.
    pub password_hash: String,
    /// owner, operator or viewer.
    pub role: String,
    /// Created.
    pub created_at: Timestamp,
    /// Disabled accounts cannot log in.
    pub disabled_at: Option<Timestamp>,
}

type Row = (i64, String, String, String, i64, Option<i64>);

fn decode((id, username, password_hash, role, created_at, disabled_at): Row) -> User {
    User {
        id,
        username,
        password_hash,
        role,
        created_at: ts(created_at),
        disabled_at: disabled_at.map(ts),
    }
}

const SELECT: &str = "SELECT id, username, password_hash, role, created_at, disabled_at FROM users";

/// Adds an account; a taken username is a [`crate::StoreError::Conflict`].
pub async fn insert(
    tx: &mut Tx,
    username: &str,
    password_hash: &str,
    role: &str,
    at: Timestamp,
) -> Result<i64> {
    Ok(on_conn!(tx, |c| sqlx::query_scalar(
        "INSERT INTO users (username, password_hash, role, created_at)
         VALUES ($1, $2, $3, $4) RETURNING id"
    )
    .bind(username)
    .bind(password_hash)
    .bind(role)
    .bind(ms(at))
    .fetch_one(c)
    .await)?)
}

/// How many accounts exist (the first-run setup page shows only at zero).
pub async fn count(tx: &mut Tx) -> Result<i64> {
    Ok(on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM users"
    )
    .fetch_one(c)
    .await)?)
}

/// The account with this username.
pub async fn by_username(tx: &mut Tx, username: &str) -> Result<Option<User>> {
    let sql = format!("{SELECT} WHERE username = $1");
    let row: Option<Row> = on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(username)
        .fetch_optional(c)
        .await)?;
    Ok(row.map(decode))
}

/// Every account, oldest first.
pub async fn list(tx: &mut Tx) -> Result<Vec<User>> {
    let sql = format!("{SELECT} ORDER BY id");
    let rows: Vec<Row> = on_conn!(tx, |c| sqlx::query_as(&sql).fetch_all(c).await)?;
    Ok(rows.into_iter().map(decode).collect())
}

/// Replaces an account's password hash and ends its sessions.
pub async fn set_password(tx: &mut Tx, username: &str, password_hash: &str) -> Result<bool> {
    let n = on_conn!(tx, |c| sqlx::query(
        "UPDATE users SET password_hash = $2 WHERE username = $1"
    )
    .bind(username)
    .bind(password_hash)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    on_conn!(tx, |c| sqlx::query(
        "DELETE FROM console_sessions
         WHERE user_id IN (SELECT id FROM users WHERE username = $1)"
    )
    .bind(username)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A user's row followed by the session's CSRF token and expiry.
type SessionRow = (i64, String, String, String, i64, Option<i64>, String, i64);

/// A live session and its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The account.
    pub user: User,
    /// The CSRF token its forms carry.
    pub csrf: String,
    /// When it ends.
    pub expires_at: Timestamp,
}

/// Opens a session for `user_id` until `expires_at`.
pub async fn open_session(
    tx: &mut Tx,
    token_hash: &str,
    user_id: i64,
    csrf: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<()> {
    on_conn!(tx, |c| sqlx::query(
        "INSERT INTO console_sessions (token_hash, user_id, csrf, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(csrf)
    .bind(ms(now))
    .bind(ms(expires_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The live session with this hash, if it has not expired and its account
/// is enabled.
pub async fn session(tx: &mut Tx, token_hash: &str, now: Timestamp) -> Result<Option<Session>> {
    let row: Option<SessionRow> = on_conn!(tx, |c| sqlx::query_as(
        "SELECT u.id, u.username, u.password_hash, u.role, u.created_at, u.disabled_at,
                    s.csrf, s.expires_at
             FROM console_sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL"
    )
    .bind(token_hash)
    .bind(ms(now))
    .fetch_optional(c)
    .await)?;
    Ok(row.map(|(id, un, ph, role, ca, da, csrf, exp)| Session {
        user: decode((id, un, ph, role, ca, da)),
        csrf,
        expires_at: ts(exp),
    }))
}

/// Ends a session (logout). Expired ones are swept at the same time.
pub async fn close_session(tx: &mut Tx, token_hash: &str, now: Timestamp) -> Result<()> {
    on_conn!(tx, |c| sqlx::query(
        "DELETE FROM console_sessions WHERE token_hash = $1 OR expires_at <= $2"
    )
    .bind(token_hash)
    .bind(ms(now))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Disables or re-enables an account; disabling ends its sessions.
/// Answers false when there is no such account.
pub async fn set_disabled(tx: &mut Tx, id: i64, disabled: bool, now: Timestamp) -> Result<bool> {
    let at = disabled.then(|| ms(now));
    let n = on_conn!(tx, |c| sqlx::query(
        "UPDATE users SET disabled_at = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if disabled {
        on_conn!(tx, |c| sqlx::query(
            "DELETE FROM console_sessions WHERE user_id = $1"
        )
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(n == 1)
}
