//! Events from the shop's systems: signups, paid and refunded orders, custom
//! milestones. Each is recorded once: by its external id when it has one,
//! and a paid or refunded order once per order id.

use crate::time::ms;
use crate::{Result, Tx, on_conn};
use jiff::Timestamp;

/// An event to record.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// The sender's id for it, if any: the dedupe key for retries.
    pub external_id: Option<&'a str>,
    /// `signup`, `order.paid`, `order.refunded`, `order.cancelled` or custom.
    pub kind: &'a str,
    /// The member it is about.
    pub member_id: i64,
    /// The order, for order events.
    pub order_id: Option<&'a str>,
    /// The order total in minor units, for order events.
    pub amount: Option<i64>,
    /// When it happened.
    pub occurred_at: Timestamp,
}

/// Records an event; `None` when the same event (external id, or order id
/// for its type) was recorded before.
pub async fn record(tx: &mut Tx, e: &NewEvent<'_>, at: Timestamp) -> Result<Option<i64>> {
    Ok(on_conn!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO events (external_id, type, member_id, order_id, amount, occurred_at, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT DO NOTHING RETURNING id"
    )
    .bind(e.external_id)
    .bind(e.kind)
    .bind(e.member_id)
    .bind(e.order_id)
    .bind(e.amount)
    .bind(ms(e.occurred_at))
    .bind(ms(at))
    .fetch_optional(c)
    .await
    })?)
}

/// The id of the event recorded earlier under this external id or order.
pub async fn existing(
    tx: &mut Tx,
    external_id: Option<&str>,
    kind: &str,
    order_id: Option<&str>,
) -> Result<Option<(i64, i64)>> {
    Ok(on_conn!(tx, |c| {
        sqlx::query_as(
        "SELECT id, member_id FROM events
         WHERE ($1 IS NOT NULL AND external_id = $1) OR ($3 IS NOT NULL AND type = $2 AND order_id = $3)
         LIMIT 1"
    )
    .bind(external_id)
    .bind(kind)
    .bind(order_id)
    .fetch_optional(c)
    .await
    })?)
}

/// Whether the member had a paid order before `before`: a returning
/// customer rather than one a friend brought.
pub async fn paid_before(tx: &mut Tx, member: i64, before: Timestamp) -> Result<bool> {
    let n: i64 = on_conn!(tx, |c| {
        sqlx::query_scalar(
        "SELECT COUNT(*) FROM events WHERE member_id = $1 AND type = 'order.paid' AND occurred_at < $2"
    )
    .bind(member)
    .bind(ms(before))
    .fetch_one(c)
    .await
    })?;
    Ok(n > 0)
}
