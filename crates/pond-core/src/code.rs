//! Referral codes: short, unguessable, easy to read aloud and type.

use crate::Invalid;
use rand::Rng;
use std::fmt;

/// Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or
/// copied from a poster is not mistyped.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Length of a generated code: 10 symbols of 5 bits is 50 bits, far beyond
/// what guessing through a rate-limited redirect could enumerate.
pub const CODE_LEN: usize = 10;

/// A member's personal referral code within one program.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReferralCode(String);

impl ReferralCode {
    /// A fresh random code from the operating system's generator.
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        let s = (0..CODE_LEN)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect();
        ReferralCode(s)
    }

    /// Parses a code typed or pasted by a person: case-insensitive, and the
    /// look-alikes O, I and L read as 0, 1 and 1, as Crockford intends.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s: String = raw
            .trim()
            .chars()
            .filter(|c| *c != '-')
            .map(|c| match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            })
            .collect();
        if s.len() == CODE_LEN && s.bytes().all(|b| ALPHABET.contains(&b)) {
            Ok(ReferralCode(s))
        } else {
            Err(Invalid::new(
                "code",
                "invalid_code",
                format!("`{}` is not a referral code", raw.trim()),
            ))
        }
    }

    /// The canonical upper-case code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReferralCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn generated_codes_parse_back() {
        for _ in 0..100 {
            let c = ReferralCode::generate();
            assert_eq!(ReferralCode::parse(c.as_str()).unwrap(), c);
        }
    }

    #[test]
    fn look_alikes_and_case_are_forgiven() {
        let c = ReferralCode::parse("abcd-efgh-jo").unwrap();
        assert_eq!(c.as_str(), "ABCDEFGHJ0");
        assert!(ReferralCode::parse("SHORT").is_err());
        assert!(ReferralCode::parse("UUUUUUUUUU").is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in ".*") {
            let _ = ReferralCode::parse(&s);
        }
    }
}
