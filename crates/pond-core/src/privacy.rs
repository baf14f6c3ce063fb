//! Keyed hashes for the personal data Pond only needs to compare: IP
//! addresses, user agents and device fingerprints are stored as HMACs under
//! the instance's secret, never in the clear.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// HMAC-SHA256 of `value` under `key`, as 64 hex characters. Equal inputs
/// give equal hashes (so fraud rules can compare), but without the key a
/// stored hash cannot be reversed by enumerating the 2^32 IPv4 addresses.
pub fn keyed_hash(key: &[u8], value: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(value.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Plain SHA-256 as hex: for high-entropy secrets such as API tokens, where
/// a key adds nothing.
pub fn sha256_hex(value: &[u8]) -> String {
    hex::encode(Sha256::digest(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_hash_depends_on_key() {
        let a = keyed_hash(b"k1", "203.0.113.9");
        assert_eq!(a, keyed_hash(b"k1", "203.0.113.9"));
        assert_ne!(a, keyed_hash(b"k2", "203.0.113.9"));
        assert_eq!(a.len(), 64);
    }
}
