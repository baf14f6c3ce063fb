//! Complaint alerts and the shop's own complaint terms.

use crate::time::ms;
use crate::{Result, Tx, on_conn};
use jiff::Timestamp;

/// A complaint found in a group.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct Alert {
    /// Pond's id.
    pub id: i64,
    /// The group it was posted in.
    pub group_id: i64,
    /// The group's name.
    pub group_name: String,
    /// Who posted it.
    pub sender: Option<String>,
    /// When it was posted (ms).
    pub event_at: i64,
    /// The message.
    pub text: String,
    /// The classifier's score in [0, 1].
    pub score: f64,
    /// People in the group when it was posted.
    pub audience: i64,
    /// open, acknowledged or resolved.
    pub state: String,
    /// When the alert was raised (ms).
    pub created_at: i64,
    /// When someone took it on (ms).
    pub acknowledged_at: Option<i64>,
    /// When it was resolved (ms).
    pub resolved_at: Option<i64>,
}

/// A complaint to raise.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    /// The group.
    pub group_id: i64,
    /// The message's instant (ms) and 64-bit id.
    pub event_at: i64,
    /// The message's id.
    pub event_id: i64,
    /// Its sender.
    pub person_id: Option<i64>,
    /// Its text.
    pub text: String,
    /// The classifier's score.
    pub score: f64,
}

/// Raises an alert once per message, with the group's current size as its
/// audience. Answers whether it was new.
pub async fn raise(tx: &mut Tx, a: &NewAlert, now: Timestamp) -> Result<bool> {
    let n = on_conn!(tx, |c| sqlx::query(
        "INSERT INTO complaint_alerts
           (group_id, event_at, event_id, person_id, text, score, audience, created_at)
         SELECT $1, $2, $3, $4, $5, $6,
           (SELECT COUNT(*) FROM chat_people p
             WHERE p.group_id = $1 AND (p.left_at IS NULL OR p.joined_at > p.left_at)), $7
         ON CONFLICT (group_id, event_at, event_id) DO NOTHING"
    )
    .bind(a.group_id)
    .bind(a.event_at)
    .bind(a.event_id)
    .bind(a.person_id)
    .bind(&a.text)
    .bind(a.score)
    .bind(ms(now))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

const SELECT: &str = "SELECT a.id, a.group_id, g.name AS group_name, p.name AS sender, a.event_at,
    a.text, a.score, a.audience, a.state, a.created_at, a.acknowledged_at, a.resolved_at
    FROM complaint_alerts a JOIN chat_groups g ON g.id = a.group_id
    LEFT JOIN chat_people p ON p.id = a.person_id";

/// Alerts in a state (or all), newest first, the biggest audience first
/// among equals.
pub async fn list(tx: &mut Tx, state: Option<&str>, limit: i64) -> Result<Vec<Alert>> {
    let sql = format!("{SELECT} WHERE $1 IS NULL OR a.state = $1 ORDER BY a.id DESC LIMIT $2");
    Ok(on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(state)
        .bind(limit)
        .fetch_all(c)
        .await)?)
}

/// One alert.
pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<Alert>> {
    let sql = format!("{SELECT} WHERE a.id = $1");
    Ok(on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

/// Moves an alert to `acknowledged` or `resolved`, stamping the time the
/// first time it gets there. Answers false when there is no such alert.
pub async fn set_state(tx: &mut Tx, id: i64, state: &str, at: Timestamp) -> Result<bool> {
    let n = on_conn!(tx, |c| {
        sqlx::query(
        "UPDATE complaint_alerts SET state = $2,
           acknowledged_at = CASE WHEN acknowledged_at IS NULL THEN $3 ELSE acknowledged_at END,
           resolved_at = CASE WHEN $2 = 'resolved' AND resolved_at IS NULL THEN $3 ELSE resolved_at END
         WHERE id = $1"
    )
    .bind(id)
    .bind(state)
    .bind(ms(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// Adds or re-weights one of the shop's complaint terms.
pub async fn add_term(tx: &mut Tx, term: &str, weight: f64, at: Timestamp) -> Result<()> {
    on_conn!(tx, |c| sqlx::query(
        "INSERT INTO complaint_terms (term, weight, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (term) DO UPDATE SET weight = excluded.weight"
    )
    .bind(term)
    .bind(weight)
    .bind(ms(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The shop's complaint terms with their weights.
pub async fn terms(tx: &mut Tx) -> Result<Vec<(String, f64)>> {
    Ok(on_conn!(tx, |c| sqlx::query_as(
        "SELECT term, weight FROM complaint_terms ORDER BY term"
    )
    .fetch_all(c)
    .await)?)
}

/// The alert raised for one message, if any (to announce it as a webhook).
pub async fn of_message(
    tx: &mut Tx,
    group_id: i64,
    event_at: i64,
    event_id: i64,
) -> Result<Option<Alert>> {
    let sql = format!("{SELECT} WHERE a.group_id = $1 AND a.event_at = $2 AND a.event_id = $3");
    Ok(on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(group_id)
        .bind(event_at)
        .bind(event_id)
        .fetch_optional(c)
        .await)?)
}

/// How many alerts are in a state.
pub async fn count(tx: &mut Tx, state: &str) -> Result<i64> {
    Ok(on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM complaint_alerts WHERE state = $1"
    )
    .bind(state)
    .fetch_one(c)
    .await)?)
}
