//! The customer list in bulk: who owns which key (to match a file's rows
//! to members), and every member with keys and tags (to write a file).

use crate::time::ts;
use crate::{Result, StoreError, Tx, on_conn};
use jiff::Timestamp;
use pond_core::heard_from::HeardFrom;
use pond_core::identity::KeyKind;
use std::collections::HashMap;

/// Owner of every key of the given kinds, by (kind, normalised value): one
/// query for a whole file instead of one per cell.
pub async fn owners(tx: &mut Tx, kinds: &[KeyKind]) -> Result<HashMap<(KeyKind, String), i64>> {
    let mut out = HashMap::new();
    for kind in kinds {
        let rows: Vec<(String, i64)> = on_conn!(tx, |c| sqlx::query_as(
            "SELECT value, member_id FROM member_keys WHERE kind = $1"
        )
        .bind(kind.as_str())
        .fetch_all(c)
        .await)?;
        out.extend(rows.into_iter().map(|(v, m)| ((*kind, v), m)));
    }
    Ok(out)
}

/// Gives a member a name when they have none; whether it did.
pub async fn fill_name(tx: &mut Tx, member: i64, name: &str) -> Result<bool> {
    let n = on_conn!(tx, |c| sqlx::query(
        "UPDATE members SET name = $2 WHERE id = $1 AND name IS NULL AND erased_at IS NULL"
    )
    .bind(member)
    .bind(name)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Members without a name (erased ones left out), whom a file may name.
pub async fn nameless(tx: &mut Tx) -> Result<std::collections::HashSet<i64>> {
    let ids: Vec<i64> = on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM members WHERE name IS NULL AND erased_at IS NULL"
    )
    .fetch_all(c)
    .await)?;
    Ok(ids.into_iter().collect())
}

/// A member as a row of the exported file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Pond's id.
    pub id: i64,
    /// Display name.
    pub name: Option<String>,
    /// Identity keys.
    pub keys: Vec<(KeyKind, String)>,
    /// When they joined.
    pub joined: Timestamp,
    /// How they heard of the shop.
    pub heard_from: Option<HeardFrom>,
}

/// Every member not erased, by id, with their keys (two queries).
pub async fn everyone(tx: &mut Tx) -> Result<Vec<Listed>> {
    let rows: Vec<(i64, Option<String>, i64, Option<String>)> = on_conn!(tx, |c| {
        sqlx::query_as(
        "SELECT id, name, created_at, heard_from FROM members WHERE erased_at IS NULL ORDER BY id"
    )
    .fetch_all(c)
    .await
    })?;
    let keys: Vec<(i64, String, String)> = on_conn!(tx, |c| sqlx::query_as(
        "SELECT member_id, kind, value FROM member_keys ORDER BY member_id, kind"
    )
    .fetch_all(c)
    .await)?;
    let mut by_member: HashMap<i64, Vec<(KeyKind, String)>> = HashMap::new();
    for (m, k, v) in keys {
        let kind = KeyKind::parse(&k)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown key kind `{k}`")))?;
        by_member.entry(m).or_default().push((kind, v));
    }
    rows.into_iter()
        .map(|(id, name, at, heard)| {
            let heard_from = match heard.as_deref() {
                None => None,
                Some(h) => Some(HeardFrom::parse(h).ok_or_else(|| {
                    StoreError::Corrupt(format!("member {id}: heard_from `{h}`"))
                })?),
            };
            Ok(Listed {
                id,
                name,
                keys: by_member.remove(&id).unwrap_or_default(),
                joined: ts(at),
                heard_from,
            })
        })
        .collect()
}
