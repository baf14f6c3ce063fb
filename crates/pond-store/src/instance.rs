//! Per-instance settings that must survive restarts, such as the secret
//! behind keyed hashes (created once, on first use).

use crate::{Result, StoreError, Tx, on_conn};
use rand::RngCore;

/// The instance's secret for keyed hashes of IPs and devices, created on
/// first call. It never leaves the database.
pub async fn hash_key(tx: &mut Tx) -> Result<Vec<u8>> {
    let mut fresh = [0u8; 32];
    rand::rng().fill_bytes(&mut fresh);
    let fresh: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
    // Insert-if-absent then read: two processes starting at once agree.
    set_if_absent(tx, "hash_key", &fresh).await?;
    let hexed = get(tx, "hash_key").await?.ok_or(StoreError::NotFound)?;
    Ok(hexed.into_bytes())
}

/// A stored setting.
pub async fn get(tx: &mut Tx, key: &str) -> Result<Option<String>> {
    Ok(on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT value FROM instance WHERE key = $1"
    )
    .bind(key)
    .fetch_optional(c)
    .await)?)
}

/// Stores a setting, replacing any earlier value.
pub async fn set(tx: &mut Tx, key: &str, value: &str) -> Result<()> {
    on_conn!(tx, |c| sqlx::query(
        "INSERT INTO instance (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    )
    .bind(key)
    .bind(value)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Stores a setting unless one is already there.
pub async fn set_if_absent(tx: &mut Tx, key: &str, value: &str) -> Result<()> {
    on_conn!(tx, |c| sqlx::query(
        "INSERT INTO instance (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING"
    )
    .bind(key)
    .bind(value)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}
