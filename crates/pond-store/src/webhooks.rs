//! Outbound webhooks: endpoints, the outbox of messages, one delivery per
//! endpoint and message, and the log of every attempt.
//!
//! Messages and deliveries are written inside the transaction of the change
//! they announce, so an event is queued exactly when its change commits.
//! The delivery worker claims due deliveries with a lease (a conditional
//! UPDATE, exact on both backends), sends them outside any transaction, and
//! writes each outcome afterwards.

use crate::time::ms;
use crate::{Result, Tx, on_conn};
use jiff::Timestamp;

/// A registered endpoint (its secret is only read by [`claim_due`]).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Endpoint {
    /// Pond's id.
    pub id: i64,
    /// Where deliveries are POSTed.
    pub url: String,
    /// Comma-separated event types it receives.
    pub events: String,
    /// active or disabled.
    pub state: String,
    /// Created (ms).
    pub created_at: i64,
    /// Disabled (ms), when it is.
    pub disabled_at: Option<i64>,
    /// The last 2xx it answered (ms).
    pub last_success_at: Option<i64>,
}

const ENDPOINT: &str = "SELECT id, url, events, state, created_at, disabled_at, last_success_at FROM webhook_endpoints";

/// Registers an endpoint; answers its id.
pub async fn create_endpoint(
    tx: &mut Tx,
    url: &str,
    events: &str,
    secret: &str,
    now: Timestamp,
) -> Result<i64> {
    Ok(on_conn!(tx, |c| sqlx::query_scalar(
        "INSERT INTO webhook_endpoints (url, events, secret, created_at)
         VALUES ($1, $2, $3, $4) RETURNING id"
    )
    .bind(url)
    .bind(events)
    .bind(secret)
    .bind(ms(now))
    .fetch_one(c)
    .await)?)
}

/// One endpoint.
pub async fn endpoint(tx: &mut Tx, id: i64) -> Result<Option<Endpoint>> {
    let sql = format!("{ENDPOINT} WHERE id = $1");
    Ok(on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

/// Every endpoint, oldest first.
pub async fn endpoints(tx: &mut Tx) -> Result<Vec<Endpoint>> {
    let sql = format!("{ENDPOINT} ORDER BY id");
    Ok(on_conn!(tx, |c| sqlx::query_as(&sql).fetch_all(c).await)?)
}

/// Disables an active endpoint; false if it was not active.
pub async fn disable(tx: &mut Tx, id: i64, now: Timestamp) -> Result<bool> {
    let n = on_conn!(tx, |c| sqlx::query(
        "UPDATE webhook_endpoints SET state = 'disabled', disabled_at = $2
         WHERE id = $1 AND state = 'active'"
    )
    .bind(id)
    .bind(ms(now))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Enables an endpoint and queues its failed deliveries again, now, with a
/// fresh retry schedule. Answers how many were requeued, or `None` when
/// there is no such endpoint.
pub async fn enable(tx: &mut Tx, id: i64, now: Timestamp) -> Result<Option<u64>> {
    let n = on_conn!(tx, |c| sqlx::query(
        "UPDATE webhook_endpoints SET state = 'active', disabled_at = NULL WHERE id = $1"
    )
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Ok(None);
    }
    let requeued = on_conn!(tx, |c| sqlx::query(
        "UPDATE webhook_deliveries
         SET state = 'pending', retry_index = 0, next_attempt_at = $2, queued_at = $2
         WHERE endpoint_id = $1 AND state = 'failed'"
    )
    .bind(id)
    .bind(ms(now))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(Some(requeued))
}

/// Active endpoints subscribed to an event type.
pub async fn subscribers(tx: &mut Tx, event_type: &str) -> Result<Vec<i64>> {
    Ok(on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM webhook_endpoints
         WHERE state = 'active' AND ',' || events || ',' LIKE '%,' || $1 || ',%'
         ORDER BY id"
    )
    .bind(event_type)
    .fetch_all(c)
    .await)?)
}

/// Queues a message for the given endpoints: one message row, one pending
/// delivery per endpoint, due now.
pub async fn enqueue(
    tx: &mut Tx,
    msg_id: &str,
    event_type: &str,
    body: &str,
    endpoints: &[i64],
    now: Timestamp,
) -> Result<i64> {
    let at = ms(now);
    let message: i64 = on_conn!(tx, |c| sqlx::query_scalar(
        "INSERT INTO webhook_messages (msg_id, event_type, body, created_at)
         VALUES ($1, $2, $3, $4) RETURNING id"
    )
    .bind(msg_id)
    .bind(event_type)
    .bind(body)
    .bind(at)
    .fetch_one(c)
    .await)?;
    for endpoint in endpoints {
        on_conn!(tx, |c| sqlx::query(
            "INSERT INTO webhook_deliveries
               (endpoint_id, message_id, next_attempt_at, queued_at, created_at)
             VALUES ($1, $2, $3, $3, $3)"
        )
        .bind(endpoint)
        .bind(message)
        .bind(at)
        .execute(c)
        .await
        .map(|_| ()))?;
    }
    Ok(message)
}

/// A delivery claimed for sending, with everything needed to send it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Due {
    /// The delivery.
    pub id: i64,
    /// Its endpoint.
    pub endpoint_id: i64,
    /// Where to send.
    pub url: String,
    /// The endpoint's `whsec_` secret.
    pub secret: String,
    /// The stable `webhook-id`.
    pub msg_id: String,
    /// The exact body.
    pub body: String,
    /// Position in the retry schedule.
    pub retry_index: i64,
    /// When this round of attempts began (ms).
    pub queued_at: i64,
}

/// Claims up to `limit` due deliveries of active endpoints, oldest message
/// first, by moving their next attempt to `lease_until`: a worker that dies
/// mid-send leaves them to be retried after the lease, and a second worker
/// (another process on PostgreSQL) cannot claim the same row, because the
/// UPDATE re-checks `next_attempt_at` under the row lock.
pub async fn claim_due(
    tx: &mut Tx,
    now: Timestamp,
    lease_until: Timestamp,
    limit: i64,
) -> Result<Vec<Due>> {
    let ids: Vec<i64> = on_conn!(tx, |c| sqlx::query_scalar(
        "UPDATE webhook_deliveries SET next_attempt_at = $2
         WHERE state = 'pending' AND next_attempt_at <= $1 AND id IN (
           SELECT d.id FROM webhook_deliveries d
           JOIN webhook_endpoints e ON e.id = d.endpoint_id
           WHERE d.state = 'pending' AND d.next_attempt_at <= $1 AND e.state = 'active'
           ORDER BY d.message_id, d.id LIMIT $3)
         RETURNING id"
    )
    .bind(ms(now))
    .bind(ms(lease_until))
    .bind(limit)
    .fetch_all(c)
    .await)?;
    let mut due = Vec::with_capacity(ids.len());
    for id in ids {
        let row: Due = on_conn!(tx, |c| sqlx::query_as(
            "SELECT d.id, d.endpoint_id, e.url, e.secret, m.msg_id, m.body, d.retry_index,
                    d.queued_at
             FROM webhook_deliveries d
             JOIN webhook_endpoints e ON e.id = d.endpoint_id
             JOIN webhook_messages m ON m.id = d.message_id
             WHERE d.id = $1"
        )
        .bind(id)
        .fetch_one(c)
        .await)?;
        due.push(row);
    }
    due.sort_by_key(|d| (d.endpoint_id, d.id));
    Ok(due)
}

/// Whether any delivery to an active endpoint is due: a read, so an idle
/// worker's poll costs the writer nothing.
pub async fn any_due(tx: &mut Tx, now: Timestamp) -> Result<bool> {
    let id: Option<i64> = on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT d.id FROM webhook_deliveries d
         JOIN webhook_endpoints e ON e.id = d.endpoint_id
         WHERE d.state = 'pending' AND d.next_attempt_at <= $1 AND e.state = 'active'
         LIMIT 1"
    )
    .bind(ms(now))
    .fetch_optional(c)
    .await)?;
    Ok(id.is_some())
}

/// What one attempt got back.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// When it started.
    pub at: Timestamp,
    /// The HTTP status, when a response came.
    pub status: Option<i64>,
    /// Why no response came, or a short excerpt of a failed one.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
}

/// The delivery's next step after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Answered 2xx.
    Delivered,
    /// Failed; try again at this instant with this schedule position.
    Retry(Timestamp, i64),
    /// Failed and the schedule is spent.
    Failed,
}

/// Logs an attempt and moves its delivery on.
pub async fn record(tx: &mut Tx, delivery: i64, a: &Attempt, outcome: Outcome) -> Result<()> {
    on_conn!(tx, |c| sqlx::query(
        "INSERT INTO webhook_attempts (delivery_id, at, status, error, duration_ms)
         VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(delivery)
    .bind(ms(a.at))
    .bind(a.status)
    .bind(a.error.as_deref())
    .bind(a.duration_ms)
    .execute(c)
    .await
    .map(|_| ()))?;
    let (state, next, index, delivered) = match outcome {
        Outcome::Delivered => ("delivered", ms(a.at), None, Some(ms(a.at))),
        Outcome::Retry(at, index) => ("pending", ms(at), Some(index), None),
        Outcome::Failed => ("failed", ms(a.at), None, None),
    };
    on_conn!(tx, |c| sqlx::query(
        "UPDATE webhook_deliveries
         SET state = $2, next_attempt_at = $3, retry_index = COALESCE($4, retry_index),
             attempts = attempts + 1, last_status = $5, last_error = $6,
             delivered_at = COALESCE($7, delivered_at)
         WHERE id = $1"
    )
    .bind(delivery)
    .bind(state)
    .bind(next)
    .bind(index)
    .bind(a.status)
    .bind(a.error.as_deref())
    .bind(delivered)
    .execute(c)
    .await
    .map(|_| ()))?;
    if outcome == Outcome::Delivered {
        on_conn!(tx, |c| sqlx::query(
            "UPDATE webhook_endpoints SET last_success_at = $2
             WHERE id = (SELECT endpoint_id FROM webhook_deliveries WHERE id = $1)
               AND (last_success_at IS NULL OR last_success_at < $2)"
        )
        .bind(delivery)
        .bind(ms(a.at))
        .execute(c)
        .await
        .map(|_| ()))?;
    }
    Ok(())
}

/// Hands claimed deliveries back, due at `at`, without counting an attempt
/// (their endpoint just failed, so the rest wait for the next pass).
pub async fn release(tx: &mut Tx, deliveries: &[i64], at: Timestamp) -> Result<()> {
    for id in deliveries {
        on_conn!(tx, |c| sqlx::query(
            "UPDATE webhook_deliveries SET next_attempt_at = $2 WHERE id = $1 AND state = 'pending'"
        )
        .bind(id)
        .bind(ms(at))
        .execute(c)
        .await
        .map(|_| ()))?;
    }
    Ok(())
}

/// A delivery as its log shows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Delivery {
    /// Pond's id.
    pub id: i64,
    /// The endpoint.
    pub endpoint_id: i64,
    /// The stable `webhook-id`.
    pub msg_id: String,
    /// The event type.
    pub event_type: String,
    /// pending, delivered or failed.
    pub state: String,
    /// Attempts made, replays included.
    pub attempts: i64,
    /// The next attempt (ms), while pending.
    pub next_attempt_at: i64,
    /// The last HTTP status.
    pub last_status: Option<i64>,
    /// The last error.
    pub last_error: Option<String>,
    /// When it was delivered (ms).
    pub delivered_at: Option<i64>,
    /// Queued (ms).
    pub created_at: i64,
}

const DELIVERY: &str = "SELECT d.id, d.endpoint_id, m.msg_id, m.event_type, d.state, d.attempts,
    d.next_attempt_at, d.last_status, d.last_error, d.delivered_at, d.created_at
    FROM webhook_deliveries d JOIN webhook_messages m ON m.id = d.message_id";

/// An endpoint's deliveries, newest first, optionally in one state.
pub async fn deliveries(
    tx: &mut Tx,
    endpoint: i64,
    state: Option<&str>,
    limit: i64,
) -> Result<Vec<Delivery>> {
    let sql = format!(
        "{DELIVERY} WHERE d.endpoint_id = $1 AND ($2 IS NULL OR d.state = $2)
         ORDER BY d.id DESC LIMIT $3"
    );
    Ok(on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(endpoint)
        .bind(state)
        .bind(limit)
        .fetch_all(c)
        .await)?)
}

/// One delivery of an endpoint.
pub async fn delivery(tx: &mut Tx, endpoint: i64, id: i64) -> Result<Option<Delivery>> {
    let sql = format!("{DELIVERY} WHERE d.endpoint_id = $1 AND d.id = $2");
    Ok(on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(endpoint)
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

/// One logged attempt.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct AttemptRow {
    /// When it started (ms).
    pub at: i64,
    /// The HTTP status, when a response came.
    pub status: Option<i64>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
}

/// A delivery's attempts, oldest first.
pub async fn attempts(tx: &mut Tx, delivery: i64) -> Result<Vec<AttemptRow>> {
    Ok(on_conn!(tx, |c| sqlx::query_as(
        "SELECT at, status, error, duration_ms FROM webhook_attempts
         WHERE delivery_id = $1 ORDER BY id"
    )
    .bind(delivery)
    .fetch_all(c)
    .await)?)
}

/// Queues a delivery again, due now, with a fresh retry schedule and the
/// same message (so the same `webhook-id`); false if there is no such
/// delivery of that endpoint.
pub async fn replay(tx: &mut Tx, endpoint: i64, id: i64, now: Timestamp) -> Result<bool> {
    let n = on_conn!(tx, |c| sqlx::query(
        "UPDATE webhook_deliveries
         SET state = 'pending', retry_index = 0, next_attempt_at = $3, queued_at = $3
         WHERE id = $2 AND endpoint_id = $1"
    )
    .bind(endpoint)
    .bind(id)
    .bind(ms(now))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Each group's last classified lifecycle state.
pub async fn group_states(tx: &mut Tx) -> Result<Vec<(i64, String)>> {
    Ok(on_conn!(tx, |c| sqlx::query_as(
        "SELECT group_id, state FROM group_states"
    )
    .fetch_all(c)
    .await)?)
}

/// Stores a group's state.
pub async fn set_group_state(tx: &mut Tx, group: i64, state: &str, now: Timestamp) -> Result<()> {
    on_conn!(tx, |c| {
        sqlx::query(
        "INSERT INTO group_states (group_id, state, changed_at) VALUES ($1, $2, $3)
         ON CONFLICT (group_id) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at"
    )
    .bind(group)
    .bind(state)
    .bind(ms(now))
    .execute(c)
    .await
    .map(|_| ())
    })?;
    Ok(())
}
