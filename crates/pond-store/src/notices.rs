//! Operator notices: conditions the shop must act on that are not
//! complaints, such as a live code with no group left to send visitors to
//! or a webhook endpoint that was disabled after failing for a day.

use crate::time::ms;
use crate::{Result, Tx, on_conn};
use jiff::Timestamp;

/// A notice to the operator.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Notice {
    /// Pond's id.
    pub id: i64,
    /// What happened: `livecode.exhausted`, `webhook.disabled`, ...
    pub kind: String,
    /// What it is about, such as `livecode:counter`.
    pub subject: String,
    /// A sentence for the operator.
    pub message: String,
    /// open or resolved.
    pub state: String,
    /// When it was raised (ms).
    pub created_at: i64,
    /// When it was resolved (ms).
    pub resolved_at: Option<i64>,
}

/// Raises a notice unless one of the same kind and subject is still open.
/// Answers whether it was new.
pub async fn raise(
    tx: &mut Tx,
    kind: &str,
    subject: &str,
    message: &str,
    now: Timestamp,
) -> Result<bool> {
    let n = on_conn!(tx, |c| sqlx::query(
        "INSERT INTO notices (kind, subject, message, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (kind, subject) WHERE state = 'open' DO NOTHING"
    )
    .bind(kind)
    .bind(subject)
    .bind(message)
    .bind(ms(now))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

const SELECT: &str =
    "SELECT id, kind, subject, message, state, created_at, resolved_at FROM notices";

/// Notices in a state (or all), newest first.
pub async fn list(tx: &mut Tx, state: Option<&str>, limit: i64) -> Result<Vec<Notice>> {
    let sql = format!("{SELECT} WHERE ($1 IS NULL OR state = $1) ORDER BY id DESC LIMIT $2");
    Ok(on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(state)
        .bind(limit)
        .fetch_all(c)
        .await)?)
}

/// One notice.
pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<Notice>> {
    let sql = format!("{SELECT} WHERE id = $1");
    Ok(on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

/// Resolves an open notice; false if there was no open notice with that id.
pub async fn resolve(tx: &mut Tx, id: i64, at: Timestamp) -> Result<bool> {
    let n = on_conn!(tx, |c| {
        sqlx::query(
        "UPDATE notices SET state = 'resolved', resolved_at = $2 WHERE id = $1 AND state = 'open'"
    )
    .bind(id)
    .bind(ms(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// Resolves the open notice of this kind and subject, if any: the
/// condition went away by itself (a live code has a group again).
pub async fn resolve_open(tx: &mut Tx, kind: &str, subject: &str, at: Timestamp) -> Result<bool> {
    let n = on_conn!(tx, |c| sqlx::query(
        "UPDATE notices SET state = 'resolved', resolved_at = $3
         WHERE kind = $1 AND subject = $2 AND state = 'open'"
    )
    .bind(kind)
    .bind(subject)
    .bind(ms(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}
