//! Consent to the privacy notice, kept with the member so the shop can
//! show who agreed to what, and when (PIPL art. 14, GDPR art. 7).

use crate::time::{ms, ts};
use crate::{Result, Tx, on_conn};
use jiff::Timestamp;

/// Records that a member agreed to a notice (its version tag).
pub async fn record(
    tx: &mut Tx,
    member: i64,
    notice: &str,
    ip_hash: Option<&str>,
    at: Timestamp,
) -> Result<()> {
    on_conn!(tx, |c| sqlx::query(
        "INSERT INTO consents (member_id, notice, at, ip_hash) VALUES ($1, $2, $3, $4)"
    )
    .bind(member)
    .bind(notice)
    .bind(ms(at))
    .bind(ip_hash)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// A member's consents, oldest first: (notice, when).
pub async fn of_member(tx: &mut Tx, member: i64) -> Result<Vec<(String, Timestamp)>> {
    let rows: Vec<(String, i64)> = on_conn!(tx, |c| sqlx::query_as(
        "SELECT notice, at FROM consents WHERE member_id = $1 ORDER BY id"
    )
    .bind(member)
    .fetch_all(c)
    .await)?;
    Ok(rows.into_iter().map(|(n, at)| (n, ts(at))).collect())
}
