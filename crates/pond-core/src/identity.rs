//! Identity keys: the ways a shop knows a customer. Each parses at the edge
//! into a normalised form, so two spellings of one phone or email are one key.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which kind of identity a key is. A key (kind, value) belongs to one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    /// The shop's own customer id (POS, web shop).
    ExternalId,
    /// A phone number in E.164.
    Phone,
    /// An email address, lower-cased.
    Email,
    /// A WeChat unionid (stable across the shop's official accounts).
    WechatUnionid,
    /// A WeChat openid (per official account or mini-program).
    WechatOpenid,
}

impl KeyKind {
    /// Every kind, in the order the API lists them.
    pub const ALL: [KeyKind; 5] = [
        KeyKind::ExternalId,
        KeyKind::Phone,
        KeyKind::Email,
        KeyKind::WechatUnionid,
        KeyKind::WechatOpenid,
    ];

    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::ExternalId => "external_id",
            KeyKind::Phone => "phone",
            KeyKind::Email => "email",
            KeyKind::WechatUnionid => "wechat_unionid",
            KeyKind::WechatOpenid => "wechat_openid",
        }
    }

    /// Parses the database and API name back.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One normalised identity key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdentityKey {
    /// The kind of key.
    pub kind: KeyKind,
    /// The normalised value (E.164 for phones, lower case for email).
    pub value: String,
}

impl IdentityKey {
    /// Parses a raw value of `kind`; `region` is the ISO country used for
    /// phone numbers written without a leading `+` (the shop's country).
    pub fn parse(kind: KeyKind, raw: &str, region: Region) -> Result<Self, Invalid> {
        let value = match kind {
            KeyKind::Phone => Phone::parse(raw, region)?.0,
            KeyKind::Email => Email::parse(raw)?.0,
            KeyKind::ExternalId | KeyKind::WechatUnionid | KeyKind::WechatOpenid => {
                opaque_id(kind.as_str(), raw)?
            }
        };
        Ok(Self { kind, value })
    }

    /// The form compared by the self-referral rule: an email without its
    /// `+tag` (and without dots for Gmail), so aliases of one inbox collide.
    pub fn canonical(&self) -> String {
        match self.kind {
            KeyKind::Email => canonical_email(&self.value),
            _ => self.value.clone(),
        }
    }
}

fn opaque_id(field: &str, raw: &str) -> Result<String, Invalid> {
    let v = raw.trim();
    if v.is_empty() || v.len() > 128 || v.chars().any(char::is_control) {
        return Err(Invalid::new(
            field,
            "invalid_id",
            "must be 1 to 128 printable characters",
        ));
    }
    Ok(v.to_string())
}

/// The shop's country for phone numbers written without a country code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region(phonenumber::country::Id);

impl Region {
    /// Parses an ISO 3166 alpha-2 code such as `CN` or `US`.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        s.trim()
            .to_ascii_uppercase()
            .parse::<phonenumber::country::Id>()
            .map(Region)
            .map_err(|_| {
                Invalid::new(
                    "region",
                    "invalid_region",
                    format!("`{s}` is not an ISO 3166 country code such as CN or US"),
                )
            })
    }
}

impl Default for Region {
    fn default() -> Self {
        Region(phonenumber::country::Id::CN)
    }
}

/// A phone number normalised to E.164 (`+8613812345678`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Parses and validates a phone number; numbers without `+` are read in `region`.
    pub fn parse(raw: &str, region: Region) -> Result<Self, Invalid> {
        let bad = || {
            Invalid::new(
                "phone",
                "invalid_phone",
                format!("`{}` is not a valid phone number", raw.trim()),
            )
        };
        // People type digits, spaces, `+`, `-`, dots and brackets. Letters
        // (vanity numbers) and anything else are refused rather than guessed:
        // libphonenumber reads `A` as 2 and skips stray symbols, which turned
        // fuzzed garbage into someone else's valid-looking number.
        let allowed =
            |c: char| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.');
        if raw.len() > 40 || !raw.trim().chars().all(allowed) {
            return Err(bad());
        }
        // The stored form must read back as itself: libphonenumber's
        // handling of international prefixes (`00...`) is not always
        // stable, and a key that changes when re-read would break lookups.
        match e164(raw, region) {
            Some(n) if e164(&n, region).as_deref() == Some(n.as_str()) => Ok(Phone(n)),
            _ => Err(bad()),
        }
    }

    /// The E.164 string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A valid number in E.164, or `None`.
fn e164(raw: &str, region: Region) -> Option<String> {
    let number = phonenumber::parse(Some(region.0), raw).ok()?;
    phonenumber::is_valid(&number)
        .then(|| number.format().mode(phonenumber::Mode::E164).to_string())
}

/// An email address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Parses an address per RFC 5322 (through `email_address`) and lower-cases it.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let v = raw.trim().to_lowercase();
        let ok = v.len() <= 254
            && email_address::EmailAddress::parse_with_options(
                &v,
                email_address::Options::default().with_required_tld(),
            )
            .is_ok();
        if ok {
            Ok(Email(v))
        } else {
            Err(Invalid::new(
                "email",
                "invalid_email",
                format!("`{}` is not a valid email address", raw.trim()),
            ))
        }
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Strips `+tag` from the local part, and dots for Gmail, so that
/// `Ann.Lee+flowers@gmail.com` and `annlee@gmail.com` compare equal.
pub fn canonical_email(email: &str) -> String {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return email.to_string();
    };
    let local = local.split('+').next().unwrap_or(local);
    let local = if domain == "gmail.com" || domain == "googlemail.com" {
        local.replace('.', "")
    } else {
        local.to_string()
    };
    format!("{local}@{domain}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_normalise_to_e164() {
        let cn = Region::default();
        for raw in ["13812345678", "+86 138 1234 5678", "+86-138-1234-5678"] {
            assert_eq!(Phone::parse(raw, cn).unwrap().as_str(), "+8613812345678");
        }
        let us = Region::parse("us").unwrap();
        assert_eq!(
            Phone::parse("(415) 555-2671", us).unwrap().as_str(),
            "+14155552671"
        );
    }

    #[test]
    fn bad_phones_are_named() {
        // The last one was found by the fuzzer: letters and brackets once
        // parsed as a Serbian number that did not parse back.
        for raw in [
            "",
            "12",
            "not a phone",
            "+999999999999999999999",
            "003810[[1[[[A78TT67A",
            "1-800-FLOWERS",
        ] {
            let err = Phone::parse(raw, Region::default()).unwrap_err();
            assert_eq!(err.code, "invalid_phone");
        }
    }

    #[test]
    fn emails_lowercase_and_canonicalise() {
        let e = Email::parse("  Ann.Lee+Roses@GMail.com ").unwrap();
        assert_eq!(e.as_str(), "ann.lee+roses@gmail.com");
        assert_eq!(canonical_email(e.as_str()), "annlee@gmail.com");
        assert_eq!(canonical_email("bo+x@shop.cn"), "bo@shop.cn");
        assert!(Email::parse("nope").is_err());
        assert!(Email::parse("a@b").is_err());
    }

    #[test]
    fn opaque_ids_are_bounded() {
        let r = Region::default();
        assert!(IdentityKey::parse(KeyKind::ExternalId, "pos-42", r).is_ok());
        assert!(IdentityKey::parse(KeyKind::ExternalId, "  ", r).is_err());
        assert!(IdentityKey::parse(KeyKind::WechatOpenid, &"x".repeat(129), r).is_err());
    }
}
