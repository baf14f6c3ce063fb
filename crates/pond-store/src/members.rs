//! Members and their identity keys.

use crate::time::{ms, ts};
use crate::{Result, StoreError, Tx, on_conn};
use jiff::Timestamp;
use pond_core::heard_from::HeardFrom;
use pond_core::identity::{IdentityKey, KeyKind};

/// A member as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Pond's id.
    pub id: i64,
    /// A display name, if given.
    pub name: Option<String>,
    /// Whether the shop says this person bought before joining Pond.
    pub existing_customer: bool,
    /// Keyed hash of the IP they signed up from.
    pub ip_hash: Option<String>,
    /// Keyed hash of their device id.
    pub device_hash: Option<String>,
    /// When they joined.
    pub created_at: Timestamp,
    /// Their identity keys.
    pub keys: Vec<(KeyKind, String)>,
    /// Their answer to "how did you hear about us?", if asked.
    pub heard_from: Option<HeardFrom>,
    /// When they were erased: the row is then a tombstone that keeps the
    /// ledger and the counts true but names no one.
    pub erased_at: Option<Timestamp>,
}

/// A member to create.
#[derive(Debug, Clone, Default)]
pub struct NewMember {
    /// A display name.
    pub name: Option<String>,
    /// Whether the shop says this person bought before.
    pub existing_customer: bool,
    /// Keyed hash of the signup IP.
    pub ip_hash: Option<String>,
    /// Keyed hash of the device id.
    pub device_hash: Option<String>,
    /// Normalised identity keys.
    pub keys: Vec<IdentityKey>,
    /// Their answer to "how did you hear about us?".
    pub heard_from: Option<HeardFrom>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: Option<String>,
    existing_customer: bool,
    ip_hash: Option<String>,
    device_hash: Option<String>,
    created_at: i64,
    heard_from: Option<String>,
    erased_at: Option<i64>,
}

const COLUMNS: &str =
    "id, name, existing_customer, ip_hash, device_hash, created_at, heard_from, erased_at";

/// Inserts a member with their keys. A key that belongs to someone else
/// fails with [`StoreError::Conflict`] naming it; call [`owner_of`] first to
/// answer with the field.
pub async fn insert(tx: &mut Tx, m: &NewMember, at: Timestamp) -> Result<i64> {
    let id: i64 = on_conn!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO members (name, existing_customer, ip_hash, device_hash, created_at, updated_at, heard_from)
         VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id"
    )
    .bind(&m.name)
    .bind(m.existing_customer)
    .bind(&m.ip_hash)
    .bind(&m.device_hash)
    .bind(ms(at))
    .bind(m.heard_from.map(HeardFrom::as_str))
    .fetch_one(c)
    .await
    })?;
    for k in &m.keys {
        let r = on_conn!(tx, |c| {
            sqlx::query(
            "INSERT INTO member_keys (kind, value, canonical, member_id) VALUES ($1, $2, $3, $4)"
        )
        .bind(k.kind.as_str())
        .bind(&k.value)
        .bind(k.canonical())
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        });
        if let Err(e) = r {
            return Err(match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict(k.kind.as_str().to_string()),
                e => e,
            });
        }
    }
    Ok(id)
}

/// The member a key belongs to, if any.
pub async fn owner_of(tx: &mut Tx, kind: KeyKind, value: &str) -> Result<Option<i64>> {
    Ok(on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT member_id FROM member_keys WHERE kind = $1 AND value = $2"
    )
    .bind(kind.as_str())
    .bind(value)
    .fetch_optional(c)
    .await)?)
}

/// Whether a member exists (one cheap lookup where the row is not needed).
pub async fn exists(tx: &mut Tx, id: i64) -> Result<bool> {
    let n: i64 = on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM members WHERE id = $1"
    )
    .bind(id)
    .fetch_one(c)
    .await)?;
    Ok(n > 0)
}

/// One member with their keys.
pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<Member>> {
    let sql = format!("SELECT {COLUMNS} FROM members WHERE id = $1");
    let row: Option<Row> = on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)?;
    match row {
        None => Ok(None),
        Some(r) => {
            let keys = keys_of(tx, id).await?;
            Ok(Some(from_row(r, keys)?))
        }
    }
}

/// Members whose name, a key or a tag contains `q` (case-insensitive), newest
/// first, `limit` at most, before id `before` when paging.
pub async fn search(
    tx: &mut Tx,
    q: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Member>> {
    let pattern = q.map(|q| format!("%{}%", q.to_lowercase().replace(['%', '_'], "")));
    let sql = format!(
        "SELECT {COLUMNS} FROM members m
         WHERE ($1 IS NULL OR id < $1)
           AND ($2 IS NULL OR lower(coalesce(name, '')) LIKE $2
                OR EXISTS (SELECT 1 FROM member_keys k WHERE k.member_id = m.id AND lower(k.value) LIKE $2)
                OR EXISTS (SELECT 1 FROM member_tags t WHERE t.member_id = m.id AND lower(t.tag) LIKE $2))
         ORDER BY id DESC LIMIT $3"
    );
    let rows: Vec<Row> = on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(before)
        .bind(&pattern)
        .bind(limit)
        .fetch_all(c)
        .await)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let keys = keys_of(tx, r.id).await?;
        out.push(from_row(r, keys)?);
    }
    Ok(out)
}

/// A member's keys.
pub async fn keys_of(tx: &mut Tx, id: i64) -> Result<Vec<(KeyKind, String)>> {
    let rows: Vec<(String, String)> = on_conn!(tx, |c| sqlx::query_as(
        "SELECT kind, value FROM member_keys WHERE member_id = $1 ORDER BY kind"
    )
    .bind(id)
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|(k, v)| {
            KeyKind::parse(&k)
                .map(|k| (k, v))
                .ok_or_else(|| StoreError::Corrupt(format!("unknown key kind `{k}`")))
        })
        .collect()
}

/// Whether two members share a canonical identity key (an email alias, say).
pub async fn share_a_key(tx: &mut Tx, a: i64, b: i64) -> Result<bool> {
    let n: i64 = on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM member_keys x JOIN member_keys y
           ON x.canonical = y.canonical AND x.kind = y.kind
         WHERE x.member_id = $1 AND y.member_id = $2"
    )
    .bind(a)
    .bind(b)
    .fetch_one(c)
    .await)?;
    Ok(n > 0)
}

/// How many members there are.
pub async fn count(tx: &mut Tx) -> Result<i64> {
    Ok(on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM members"
    )
    .fetch_one(c)
    .await)?)
}

fn from_row(r: Row, keys: Vec<(KeyKind, String)>) -> Result<Member> {
    let heard_from = match r.heard_from.as_deref() {
        None => None,
        Some(h) => Some(
            HeardFrom::parse(h)
                .ok_or_else(|| StoreError::Corrupt(format!("member {}: heard_from `{h}`", r.id)))?,
        ),
    };
    Ok(Member {
        id: r.id,
        name: r.name,
        existing_customer: r.existing_customer,
        ip_hash: r.ip_hash,
        device_hash: r.device_hash,
        created_at: ts(r.created_at),
        keys,
        heard_from,
        erased_at: r.erased_at.map(ts),
    })
}
