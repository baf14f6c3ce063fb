//! Personal referral links: one per member per program.

use crate::time::ms;
use crate::{Result, StoreError, Tx, on_conn};
use jiff::Timestamp;
use pond_core::code::ReferralCode;

/// A stored link.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Link {
    /// Pond's id.
    pub id: i64,
    /// The program it refers into.
    pub program_id: i64,
    /// The member who shares it.
    pub member_id: i64,
    /// Its code.
    pub code: String,
    /// How many times it was opened.
    pub clicks: i64,
}

const COLUMNS: &str = "id, program_id, member_id, code, clicks";

/// The member's link in the program, created on first ask. Creating is
/// race-safe: the UNIQUE (program, member) pair decides, and a collision of
/// random codes (50 bits) is retried.
pub async fn get_or_create(tx: &mut Tx, program: i64, member: i64, at: Timestamp) -> Result<Link> {
    if let Some(l) = of_member(tx, program, member).await? {
        return Ok(l);
    }
    for _ in 0..5 {
        let code = ReferralCode::generate();
        let inserted = on_conn!(tx, |c| {
            sqlx::query(
            "INSERT INTO links (program_id, member_id, code, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING"
        )
        .bind(program)
        .bind(member)
        .bind(code.as_str())
        .bind(ms(at))
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        if inserted == 1 {
            break;
        }
        if let Some(l) = of_member(tx, program, member).await? {
            return Ok(l);
        }
    }
    of_member(tx, program, member)
        .await?
        .ok_or_else(|| StoreError::Conflict("links.code".into()))
}

/// The member's link in a program, if made.
pub async fn of_member(tx: &mut Tx, program: i64, member: i64) -> Result<Option<Link>> {
    let sql = format!("SELECT {COLUMNS} FROM links WHERE program_id = $1 AND member_id = $2");
    Ok(on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(program)
        .bind(member)
        .fetch_optional(c)
        .await)?)
}

/// All of a member's links.
pub async fn all_of_member(tx: &mut Tx, member: i64) -> Result<Vec<Link>> {
    let sql = format!("SELECT {COLUMNS} FROM links WHERE member_id = $1 ORDER BY program_id");
    Ok(on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(member)
        .fetch_all(c)
        .await)?)
}

/// The link with this code.
pub async fn by_code(tx: &mut Tx, code: &str) -> Result<Option<Link>> {
    let sql = format!("SELECT {COLUMNS} FROM links WHERE code = $1");
    Ok(on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(code)
        .fetch_optional(c)
        .await)?)
}

/// Records one open of the link; IP and user agent arrive already hashed.
pub async fn record_click(
    tx: &mut Tx,
    link: i64,
    ip_hash: Option<&str>,
    ua_hash: Option<&str>,
    at: Timestamp,
) -> Result<()> {
    on_conn!(tx, |c| sqlx::query(
        "INSERT INTO clicks (link_id, ip_hash, ua_hash, at) VALUES ($1, $2, $3, $4)"
    )
    .bind(link)
    .bind(ip_hash)
    .bind(ua_hash)
    .bind(ms(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    on_conn!(tx, |c| sqlx::query(
        "UPDATE links SET clicks = clicks + 1 WHERE id = $1"
    )
    .bind(link)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Whether the link was opened from `ip_hash` at or after `since`: a
/// visitor's repeat opens within the window are one click.
pub async fn clicked_since(
    tx: &mut Tx,
    link: i64,
    ip_hash: &str,
    since: Timestamp,
) -> Result<bool> {
    let n: i64 = on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM clicks WHERE link_id = $1 AND at >= $2 AND ip_hash = $3"
    )
    .bind(link)
    .bind(ms(since))
    .bind(ip_hash)
    .fetch_one(c)
    .await)?;
    Ok(n > 0)
}
