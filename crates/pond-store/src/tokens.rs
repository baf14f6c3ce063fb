//! API tokens, stored as SHA-256 hashes: a leaked database does not leak
//! working tokens, and 256 random bits need no slow hash.

use crate::time::{ms, ts};
use crate::{Result, Tx, on_conn};
use jiff::Timestamp;

/// A token's record (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Pond's id.
    pub id: i64,
    /// Who or what it is for.
    pub name: String,
    /// Created.
    pub created_at: Timestamp,
    /// Revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

type Row = (i64, String, i64, Option<i64>);

fn decode((id, name, created_at, revoked_at): Row) -> Token {
    Token {
        id,
        name,
        created_at: ts(created_at),
        revoked_at: revoked_at.map(ts),
    }
}

/// Stores a token's hash under a name.
pub async fn insert(tx: &mut Tx, name: &str, hash: &str, at: Timestamp) -> Result<i64> {
    Ok(on_conn!(tx, |c| sqlx::query_scalar(
        "INSERT INTO api_tokens (name, token_hash, created_at) VALUES ($1, $2, $3) RETURNING id"
    )
    .bind(name)
    .bind(hash)
    .bind(ms(at))
    .fetch_one(c)
    .await)?)
}

/// The live token with this hash, if any.
pub async fn by_hash(tx: &mut Tx, hash: &str) -> Result<Option<Token>> {
    let row: Option<Row> = on_conn!(tx, |c| sqlx::query_as(
        "SELECT id, name, created_at, revoked_at FROM api_tokens
         WHERE token_hash = $1 AND revoked_at IS NULL"
    )
    .bind(hash)
    .fetch_optional(c)
    .await)?;
    Ok(row.map(decode))
}

/// Every token, newest first.
pub async fn list(tx: &mut Tx) -> Result<Vec<Token>> {
    let rows: Vec<Row> = on_conn!(tx, |c| sqlx::query_as(
        "SELECT id, name, created_at, revoked_at FROM api_tokens ORDER BY id DESC"
    )
    .fetch_all(c)
    .await)?;
    Ok(rows.into_iter().map(decode).collect())
}

/// Revokes a token; false if there was no live token with that id.
pub async fn revoke(tx: &mut Tx, id: i64, at: Timestamp) -> Result<bool> {
    let done = on_conn!(tx, |c| sqlx::query(
        "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL"
    )
    .bind(id)
    .bind(ms(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}
