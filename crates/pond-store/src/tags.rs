//! Tags on members ("wedding client", "class student"): the shop's own
//! labels, searched by the member search and written to exports.

use crate::{Result, Tx, on_conn};
use std::collections::HashMap;

/// Replaces a member's tags with `tags`.
pub async fn set(tx: &mut Tx, member: i64, tags: &[String]) -> Result<()> {
    on_conn!(tx, |c| sqlx::query(
        "DELETE FROM member_tags WHERE member_id = $1"
    )
    .bind(member)
    .execute(c)
    .await
    .map(|_| ()))?;
    add(tx, member, tags).await?;
    Ok(())
}

/// Adds tags a member does not have yet; how many were new.
pub async fn add(tx: &mut Tx, member: i64, tags: &[String]) -> Result<u64> {
    let mut added = 0;
    for t in tags {
        added += on_conn!(tx, |c| sqlx::query(
            "INSERT INTO member_tags (member_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        )
        .bind(member)
        .bind(t)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(added)
}

/// A member's tags, in alphabetical order.
pub async fn of(tx: &mut Tx, member: i64) -> Result<Vec<String>> {
    Ok(on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT tag FROM member_tags WHERE member_id = $1 ORDER BY tag"
    )
    .bind(member)
    .fetch_all(c)
    .await)?)
}

/// Every member's tags, for exports: one query instead of one per member.
pub async fn all(tx: &mut Tx) -> Result<HashMap<i64, Vec<String>>> {
    let rows: Vec<(i64, String)> = on_conn!(tx, |c| sqlx::query_as(
        "SELECT member_id, tag FROM member_tags ORDER BY member_id, tag"
    )
    .fetch_all(c)
    .await)?;
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for (m, t) in rows {
        out.entry(m).or_default().push(t);
    }
    Ok(out)
}

/// Every tag in use with how many members carry it, most used first.
pub async fn in_use(tx: &mut Tx) -> Result<Vec<(String, i64)>> {
    Ok(on_conn!(tx, |c| sqlx::query_as(
        "SELECT tag, COUNT(*) FROM member_tags GROUP BY tag ORDER BY COUNT(*) DESC, tag"
    )
    .fetch_all(c)
    .await)?)
}
