//! Customers adding and deleting the shop's staff (WeCom external
//! contacts): acceptance and churn, by entry point.

use crate::time::ms;
use crate::{Result, Tx, on_conn};
use jiff::Timestamp;

/// A customer added (`added`) or deleted (`removed`) a staff member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactEvent<'a> {
    /// The platform (`wecom`).
    pub channel: &'a str,
    /// The staff member's id.
    pub staff: &'a str,
    /// The customer's id.
    pub customer: &'a str,
    /// `added` or `removed`.
    pub kind: &'a str,
    /// The entry point's `state` tag, for additions through a live code.
    pub state: Option<&'a str>,
    /// When.
    pub at: Timestamp,
}

/// Records an event once; answers whether it was new.
pub async fn record(tx: &mut Tx, e: &ContactEvent<'_>) -> Result<bool> {
    let n = on_conn!(tx, |c| sqlx::query(
        "INSERT INTO contact_events (channel, staff, customer, kind, state, at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (channel, staff, customer, kind, at) DO NOTHING"
    )
    .bind(e.channel)
    .bind(e.staff)
    .bind(e.customer)
    .bind(e.kind)
    .bind(e.state)
    .bind(ms(e.at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Additions and deletions for one entry point.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct ByState {
    /// The entry point's `state` tag (empty when the customer came another way).
    pub state: String,
    /// Customers who added staff.
    pub added: i64,
    /// Customers who deleted staff (or were deleted).
    pub removed: i64,
}

/// Acceptance and churn per entry point over `[from_ms, to_ms)`, most
/// additions first.
pub async fn by_state(tx: &mut Tx, from_ms: i64, to_ms: i64) -> Result<Vec<ByState>> {
    // A deletion is credited to the state the customer was added through.
    Ok(on_conn!(tx, |c| sqlx::query_as(
        "SELECT COALESCE(a.state, '') AS state,
                SUM(CASE WHEN e.kind = 'added' THEN 1 ELSE 0 END) AS added,
                SUM(CASE WHEN e.kind = 'removed' THEN 1 ELSE 0 END) AS removed
         FROM contact_events e
         LEFT JOIN contact_events a
           ON a.id = (SELECT MAX(f.id) FROM contact_events f
                      WHERE f.channel = e.channel AND f.staff = e.staff
                        AND f.customer = e.customer AND f.kind = 'added' AND f.at <= e.at)
         WHERE e.at >= $1 AND e.at < $2
         GROUP BY COALESCE(a.state, '')
         ORDER BY added DESC, state"
    )
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(c)
    .await)?)
}
