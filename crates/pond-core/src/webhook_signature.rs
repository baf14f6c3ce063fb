//! Signatures of outbound webhooks, per Standard Webhooks (the convention of
//! Svix and others, with reference verifiers in many languages).
//!
//! A delivery carries `webhook-id`, `webhook-timestamp` (unix seconds) and
//! `webhook-signature`: space-separated `v1,<base64 HMAC-SHA256>` over
//! `"{id}.{timestamp}.{body}"`, keyed by the endpoint's secret, which is
//! shown to the shop once as `whsec_<base64>`. A receiver refuses
//! timestamps outside a tolerance, so a captured delivery cannot be
//! replayed later.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The prefix of a secret as shown to people.
const PREFIX: &str = "whsec_";

/// How far a receiver lets a timestamp stray from its clock by default.
pub const DEFAULT_TOLERANCE_SECONDS: i64 = 5 * 60;

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The secret is not `whsec_` followed by base64.
    #[error("a webhook secret is `whsec_` followed by base64")]
    BadSecret,
    /// The timestamp is not a number of seconds.
    #[error("webhook-timestamp is not unix seconds")]
    BadTimestamp,
    /// The timestamp is too far from now.
    #[error("webhook-timestamp is {0} s from now, outside the tolerance")]
    Stale(i64),
    /// No `v1` signature matches.
    #[error("no v1 signature in webhook-signature matches")]
    Mismatch,
}

/// An endpoint's signing secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// A new random secret of 24 bytes (192 bits).
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; 24];
        rand::rng().fill_bytes(&mut bytes);
        Secret(bytes)
    }

    /// Reads `whsec_<base64>` (the prefix may be left out).
    pub fn parse(text: &str) -> Result<Self, SignatureError> {
        let b64 = text.trim().strip_prefix(PREFIX).unwrap_or(text.trim());
        let bytes = STANDARD
            .decode(b64)
            .map_err(|_| SignatureError::BadSecret)?;
        if bytes.is_empty() {
            return Err(SignatureError::BadSecret);
        }
        Ok(Secret(bytes))
    }

    /// The secret as shown to the shop: `whsec_<base64>`.
    pub fn expose(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.0))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
        // HMAC takes a key of any length: this cannot fail.
        let mut mac = match HmacSha256::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of every length"),
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The `webhook-signature` header value for one delivery.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self.mac(id, timestamp, body).finalize().into_bytes();
        format!("v1,{}", STANDARD.encode(tag))
    }

    /// Verifies a delivery as a receiver would: the timestamp within
    /// `tolerance` seconds of `now`, and one `v1` signature matching
    /// (compared in constant time).
    pub fn verify(
        &self,
        id: &str,
        timestamp: &str,
        signatures: &str,
        body: &[u8],
        now: i64,
        tolerance: i64,
    ) -> Result<(), SignatureError> {
        let ts: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| SignatureError::BadTimestamp)?;
        let skew = now.saturating_sub(ts);
        if skew.abs() > tolerance {
            return Err(SignatureError::Stale(skew));
        }
        let matches = signatures.split_whitespace().any(|candidate| {
            let Some(b64) = candidate.strip_prefix("v1,") else {
                return false;
            };
            let Ok(tag) = STANDARD.decode(b64) else {
                return false;
            };
            self.mac(id, ts, body).verify_slice(&tag).is_ok()
        });
        if matches {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The vector of the Standard Webhooks reference libraries' tests.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn the_reference_vector() {
        let secret = Secret::parse(SECRET).unwrap();
        assert_eq!(secret.sign(ID, TS, BODY), SIGNATURE);
        assert_eq!(secret.expose(), SECRET);
        let ok = secret.verify(
            ID,
            "1614265330",
            &format!("v1,bad {SIGNATURE}"),
            BODY,
            TS,
            300,
        );
        assert_eq!(ok, Ok(()));
    }

    #[test]
    fn tampering_and_replays_are_refused() {
        let secret = Secret::parse(SECRET).unwrap();
        let ts = TS.to_string();
        let body = br#"{"test": 2432232315}"#;
        assert_eq!(
            secret.verify(ID, &ts, SIGNATURE, body, TS, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            secret.verify("msg_other", &ts, SIGNATURE, BODY, TS, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            secret.verify(ID, &ts, SIGNATURE, BODY, TS + 301, 300),
            Err(SignatureError::Stale(301))
        );
        assert_eq!(
            secret.verify(ID, "soon", SIGNATURE, BODY, TS, 300),
            Err(SignatureError::BadTimestamp)
        );
        let other = Secret::generate();
        assert_ne!(other, secret);
        assert_eq!(
            other.verify(ID, &ts, SIGNATURE, BODY, TS, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(Secret::parse("whsec_!!"), Err(SignatureError::BadSecret));
        let round = Secret::parse(&other.expose()).unwrap();
        assert_eq!(round, other);
    }
}
