//! WeCom (企业微信) callback crypto: the scheme of Tencent's WXBizMsgCrypt.
//!
//! A callback carries `msg_signature`, `timestamp` and `nonce` in its query
//! and an `Encrypt` field (in the XML body, or `echostr` when WeCom verifies
//! the URL). The signature is the SHA-1 of the four strings token,
//! timestamp, nonce and ciphertext, sorted and concatenated. The ciphertext
//! is base64 of AES-256-CBC (key: the 43-character EncodingAESKey decoded
//! from base64, IV: the key's first 16 bytes, PKCS#7 padding to 32-byte
//! blocks) over `16 random bytes ‖ length (4 bytes, big-endian) ‖ message ‖
//! receive id`. The receive id is the corp id, and must match ours.
//!
//! Every check happens before a byte of the message is trusted: a bad
//! signature, ciphertext, padding, length or receive id is an [`Error`]
//! naming the problem, never a panic.

pub mod event;

pub use event::{Event, EventError, encrypted, parse};

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, block_padding::NoPadding};
use base64::Engine;
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use rand::RngCore;
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

type Decryptor = cbc::Decryptor<aes::Aes256>;
type Encryptor = cbc::Encryptor<aes::Aes256>;

/// WeCom pads to 32-byte blocks (PKCS#7 with k = 32), not AES's 16.
const PAD_BLOCK: usize = 32;

/// EncodingAESKeys carry stray bits after the 256th (43 characters hold
/// 258 bits); WeCom's own SDKs ignore them, so must we.
const KEY_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// What went wrong with a callback.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// The EncodingAESKey is not 43 characters of base64 for 32 bytes.
    #[error("the EncodingAESKey must be 43 characters of base64 (32 bytes)")]
    BadKey,
    /// `msg_signature` does not match.
    #[error("the signature does not match: wrong token, or a tampered message")]
    BadSignature,
    /// The ciphertext is not base64 of whole AES blocks.
    #[error("the ciphertext is not base64 of whole 16-byte blocks")]
    BadCiphertext,
    /// The decrypted bytes do not have valid padding or framing.
    #[error("the decrypted message is malformed ({0})")]
    Malformed(&'static str),
    /// The message was encrypted for another corp or app.
    #[error("the message is addressed to receive id {found:?}, not ours")]
    WrongReceiver {
        /// The receive id inside the message.
        found: String,
    },
}

/// A shop's callback settings: token, EncodingAESKey and corp id.
#[derive(Clone)]
pub struct Crypt {
    token: String,
    key: [u8; 32],
    receive_id: String,
}

impl std::fmt::Debug for Crypt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key is a secret: never in logs.
        f.debug_struct("Crypt")
            .field("receive_id", &self.receive_id)
            .finish_non_exhaustive()
    }
}

impl Crypt {
    /// Settings from the values WeCom's admin console shows.
    pub fn new(token: &str, encoding_aes_key: &str, receive_id: &str) -> Result<Self, Error> {
        if encoding_aes_key.len() != 43 {
            return Err(Error::BadKey);
        }
        let bytes = KEY_BASE64
            .decode(format!("{encoding_aes_key}="))
            .map_err(|_| Error::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| Error::BadKey)?;
        Ok(Crypt {
            token: token.to_owned(),
            key,
            receive_id: receive_id.to_owned(),
        })
    }

    /// The signature of a ciphertext, as WeCom computes it.
    pub fn signature(&self, timestamp: &str, nonce: &str, encrypted: &str) -> String {
        let mut parts = [self.token.as_str(), timestamp, nonce, encrypted];
        parts.sort_unstable();
        let digest = Sha1::digest(parts.concat().as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Checks the signature, then decrypts: the message, once it is known
    /// to come from WeCom and to be addressed to us.
    pub fn open(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypted: &str,
    ) -> Result<String, Error> {
        let expected = self.signature(timestamp, nonce, encrypted);
        if !bool::from(expected.as_bytes().ct_eq(msg_signature.trim().as_bytes())) {
            return Err(Error::BadSignature);
        }
        self.decrypt(encrypted)
    }

    /// Decrypts a ciphertext without checking a signature (use [`Crypt::open`]).
    pub fn decrypt(&self, encrypted: &str) -> Result<String, Error> {
        let mut buf = STANDARD
            .decode(encrypted.trim())
            .map_err(|_| Error::BadCiphertext)?;
        if buf.is_empty() || buf.len() % 16 != 0 {
            return Err(Error::BadCiphertext);
        }
        let iv = self.iv();
        let plain = Decryptor::new(&self.key.into(), &iv.into())
            .decrypt_padded_mut::<NoPadding>(&mut buf)
            .map_err(|_| Error::BadCiphertext)?;
        let pad = usize::from(*plain.last().ok_or(Error::Malformed("empty"))?);
        if pad == 0 || pad > PAD_BLOCK || pad > plain.len() {
            return Err(Error::Malformed("bad padding"));
        }
        let body = &plain[..plain.len() - pad];
        let len_bytes: [u8; 4] = body
            .get(16..20)
            .and_then(|s| s.try_into().ok())
            .ok_or(Error::Malformed("too short"))?;
        let len = u32::from_be_bytes(len_bytes) as usize;
        let message = body
            .get(20..20usize.saturating_add(len))
            .ok_or(Error::Malformed("length past the end"))?;
        let receiver = &body[20 + len..];
        if receiver != self.receive_id.as_bytes() {
            return Err(Error::WrongReceiver {
                found: String::from_utf8_lossy(receiver).into_owned(),
            });
        }
        String::from_utf8(message.to_vec()).map_err(|_| Error::Malformed("not UTF-8"))
    }

    /// Encrypts a message as WeCom would (for replies, and for tests that
    /// play WeCom with a key that is not in the repository).
    pub fn encrypt(&self, message: &str) -> String {
        let mut random = [0u8; 16];
        rand::rng().fill_bytes(&mut random);
        self.encrypt_with(random, message)
    }

    fn encrypt_with(&self, random: [u8; 16], message: &str) -> String {
        let mut plain = Vec::with_capacity(message.len() + self.receive_id.len() + 52);
        plain.extend_from_slice(&random);
        let len = u32::try_from(message.len()).unwrap_or(u32::MAX);
        plain.extend_from_slice(&len.to_be_bytes());
        plain.extend_from_slice(message.as_bytes());
        plain.extend_from_slice(self.receive_id.as_bytes());
        let pad = PAD_BLOCK - plain.len() % PAD_BLOCK;
        plain.resize(plain.len() + pad, pad as u8);
        let len = plain.len();
        let iv = self.iv();
        let cipher = Encryptor::new(&self.key.into(), &iv.into())
            .encrypt_padded_mut::<NoPadding>(&mut plain, len)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        STANDARD.encode(cipher)
    }

    fn iv(&self) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&self.key[..16]);
        iv
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trip_and_framing_errors() {
        let c = Crypt::new("t", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "corp").unwrap();
        for msg in ["", "x", &"花".repeat(100)] {
            let enc = c.encrypt(msg);
            let sig = c.signature("1", "2", &enc);
            assert_eq!(c.open(&sig, "1", "2", &enc).unwrap(), msg);
        }
        let other =
            Crypt::new("t", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "other").unwrap();
        let enc = other.encrypt("hi");
        assert_eq!(
            c.decrypt(&enc),
            Err(Error::WrongReceiver {
                found: "other".into()
            })
        );
        assert_eq!(c.decrypt("not base64!"), Err(Error::BadCiphertext));
        assert_eq!(c.decrypt("AAAA"), Err(Error::BadCiphertext));
        assert!(Crypt::new("t", "short", "corp").is_err());
    }
}
