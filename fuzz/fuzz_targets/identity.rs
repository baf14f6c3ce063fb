//! Fuzz target: identity keys and referral codes typed by people parse or
//! fail with a named error, never panic; a parsed value parses to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pond_core::code::ReferralCode;
use pond_core::identity::{IdentityKey, KeyKind, Region};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    for kind in KeyKind::ALL {
        if let Ok(k) = IdentityKey::parse(kind, s, Region::default()) {
            let again = IdentityKey::parse(kind, &k.value, Region::default());
            assert_eq!(again.ok(), Some(k.clone()));
            let _ = k.canonical();
        }
    }
    if let Ok(c) = ReferralCode::parse(s) {
        assert_eq!(ReferralCode::parse(c.as_str()).ok(), Some(c));
    }
});
