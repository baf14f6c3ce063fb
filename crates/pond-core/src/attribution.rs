//! Who gets credit for a new customer: the first touch within the window.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// How a referral was attributed, recorded on the referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The friend signed up carrying the inviter's code (link or QR).
    Signup,
    /// The friend gave the inviter's code at checkout.
    CheckoutCode,
    /// The friend gave the inviter's phone at checkout ("who referred you?").
    CheckoutPhone,
}

impl Source {
    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Signup => "signup",
            Source::CheckoutCode => "checkout_code",
            Source::CheckoutPhone => "checkout_phone",
        }
    }

    /// Parses the database and API name back.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "signup" => Some(Source::Signup),
            "checkout_code" => Some(Source::CheckoutCode),
            "checkout_phone" => Some(Source::CheckoutPhone),
            _ => None,
        }
    }
}

/// Whether `at` falls within `window_days` after `touch`.
pub fn within_window(touch: Timestamp, at: Timestamp, window_days: u32) -> bool {
    let window = SignedDuration::from_hours(24 * i64::from(window_days));
    touch <= at && at.duration_since(touch) <= window
}

/// Why an attribution was not made. The first touch wins, so a member already
/// referred keeps their referral; these are answers, not failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Inviter and invitee are the same member.
    SelfReferral,
    /// The program is not taking referrals (draft, paused, ended or outside its dates).
    ProgramClosed,
    /// The member joined longer ago than the window: not a new customer brought by a friend.
    OutsideWindow,
}

/// Decides whether an existing member may be attributed at checkout: they
/// must have joined within the program's window, since a long-standing
/// customer was not brought by the friend whose code they type in today.
pub fn checkout_allowed(
    member_joined: Timestamp,
    now: Timestamp,
    window_days: u32,
) -> Result<(), Refusal> {
    if within_window(member_joined, now, window_days) {
        Ok(())
    } else {
        Err(Refusal::OutsideWindow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_inclusive_and_forward_only() {
        let t0 = Timestamp::from_second(1_700_000_000).unwrap();
        let day = SignedDuration::from_hours(24);
        assert!(within_window(t0, t0, 30));
        assert!(within_window(t0, t0 + day * 30, 30));
        assert!(!within_window(t0, t0 + day * 31, 30));
        assert!(!within_window(t0, t0 - day, 30));
        assert_eq!(
            checkout_allowed(t0, t0 + day * 40, 30),
            Err(Refusal::OutsideWindow)
        );
    }
}
