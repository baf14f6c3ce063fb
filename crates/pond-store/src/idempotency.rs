//! Stored responses for `Idempotency-Key`, with Stripe's semantics.
//!
//! The key row is claimed inside the request's own transaction, before the
//! work. On PostgreSQL a concurrent request with the same key blocks on the
//! primary key until the first commits, then finds its response; on SQLite
//! the single writer serialises them. A failed request rolls back its
//! claim, so a retry runs afresh.

use crate::time::ms;
use crate::{Result, Tx, on_conn};
use jiff::Timestamp;

/// What a key already holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new and now claimed by this transaction.
    Fresh,
    /// The key was used before with this request hash and response.
    Stored {
        /// Hash of the first request (method, path, body).
        request_hash: String,
        /// Its status code.
        status: u16,
        /// Its JSON body.
        body: String,
    },
}

/// Claims `key` for a request, or returns what it stored before.
pub async fn claim(tx: &mut Tx, key: &str, request_hash: &str, at: Timestamp) -> Result<Claim> {
    let fresh = on_conn!(tx, |c| sqlx::query(
        "INSERT INTO idempotency_keys (key, request_hash, status, body, created_at)
         VALUES ($1, $2, 0, '', $3) ON CONFLICT (key) DO NOTHING"
    )
    .bind(key)
    .bind(request_hash)
    .bind(ms(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if fresh == 1 {
        return Ok(Claim::Fresh);
    }
    let (request_hash, status, body): (String, i32, String) = on_conn!(tx, |c| sqlx::query_as(
        "SELECT request_hash, status, body FROM idempotency_keys WHERE key = $1"
    )
    .bind(key)
    .fetch_one(c)
    .await)?;
    Ok(Claim::Stored {
        request_hash,
        status: u16::try_from(status).unwrap_or(500),
        body,
    })
}

/// Stores the response for a claimed key, in the same transaction as the work.
pub async fn complete(tx: &mut Tx, key: &str, status: u16, body: &str) -> Result<()> {
    on_conn!(tx, |c| sqlx::query(
        "UPDATE idempotency_keys SET status = $2, body = $3 WHERE key = $1"
    )
    .bind(key)
    .bind(i32::from(status))
    .bind(body)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Forgets keys older than `before` (Stripe keeps them 24 hours).
pub async fn prune(tx: &mut Tx, before: Timestamp) -> Result<u64> {
    let done = on_conn!(tx, |c| sqlx::query(
        "DELETE FROM idempotency_keys WHERE created_at < $1"
    )
    .bind(ms(before))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(done)
}
