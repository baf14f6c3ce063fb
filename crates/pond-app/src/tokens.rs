//! API tokens: random, shown once, stored as a hash.

use base64::Engine;
use jiff::Timestamp;
use pond_core::privacy::sha256_hex;
use pond_store::{StoreError, Tx};
use rand::RngCore;

/// Creates a token named `name` and returns it; only its hash is kept.
pub async fn create(tx: &mut Tx, name: &str, now: Timestamp) -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!(
        "pond_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    pond_store::tokens::insert(tx, name, &sha256_hex(token.as_bytes()), now).await?;
    Ok(token)
}
