//! Fraud review: the patterns referral vendors flag, decided from signals the
//! store gathers. A flagged referral earns nothing until a person clears it.

use serde::{Deserialize, Serialize};

/// Why a referral was flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Inviter and invitee share an identity key (phone, email alias, WeChat id).
    SharedIdentity,
    /// The invitee signed up from the inviter's device.
    SameDevice,
    /// The invitee signed up from an IP the inviter used.
    SameIp,
    /// The invitee was a customer before this referral.
    ExistingCustomer,
    /// Too many referrals from one IP in a short time.
    IpBurst,
    /// The invitee is already upstream of the inviter (A→B→A).
    ClosedLoop,
}

impl Reason {
    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::SharedIdentity => "shared_identity",
            Reason::SameDevice => "same_device",
            Reason::SameIp => "same_ip",
            Reason::ExistingCustomer => "existing_customer",
            Reason::IpBurst => "ip_burst",
            Reason::ClosedLoop => "closed_loop",
        }
    }

    /// Parses the database and API name back.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Reason::SharedIdentity,
            Reason::SameDevice,
            Reason::SameIp,
            Reason::ExistingCustomer,
            Reason::IpBurst,
            Reason::ClosedLoop,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// Thresholds for the rate rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// More referrals than this from one IP within `burst_hours` is a burst.
    /// ReferralCandy flags more than 3 purchases from one IP.
    pub burst_max: u32,
    /// The burst window; track360 looks at 72 hours.
    pub burst_hours: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            burst_max: 3,
            burst_hours: 72,
        }
    }
}

/// What the store found about a new referral.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signals {
    /// An identity key of the invitee, canonicalised, equals one of the inviter's.
    pub shared_identity: bool,
    /// Both have the same hashed device id.
    pub same_device: bool,
    /// The invitee's hashed IP is one the inviter used.
    pub same_ip: bool,
    /// The invitee was a customer before (flagged by the shop, or had paid orders).
    pub existing_customer: bool,
    /// Earlier referrals whose invitee signed up from the same hashed IP within the window.
    pub referrals_from_ip: u32,
    /// Walking up from the inviter through who referred whom reaches the invitee.
    pub closed_loop: bool,
}

/// The reasons to hold a referral for review; empty means it is clean.
pub fn assess(s: &Signals, limits: Limits) -> Vec<Reason> {
    let checks = [
        (s.shared_identity, Reason::SharedIdentity),
        (s.same_device, Reason::SameDevice),
        (s.same_ip, Reason::SameIp),
        (s.existing_customer, Reason::ExistingCustomer),
        (s.referrals_from_ip >= limits.burst_max, Reason::IpBurst),
        (s.closed_loop, Reason::ClosedLoop),
    ];
    checks
        .into_iter()
        .filter_map(|(hit, reason)| hit.then_some(reason))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_signals_pass() {
        assert!(assess(&Signals::default(), Limits::default()).is_empty());
    }

    #[test]
    fn every_signal_has_its_reason() {
        let s = Signals {
            shared_identity: true,
            same_device: true,
            same_ip: true,
            existing_customer: true,
            referrals_from_ip: 3,
            closed_loop: true,
        };
        let r = assess(&s, Limits::default());
        assert_eq!(r.len(), 6);
        for reason in r {
            assert_eq!(Reason::parse(reason.as_str()), Some(reason));
        }
    }

    #[test]
    fn the_fourth_referral_from_an_ip_is_a_burst() {
        let mut s = Signals {
            referrals_from_ip: 2,
            ..Signals::default()
        };
        assert!(assess(&s, Limits::default()).is_empty());
        s.referrals_from_ip = 3;
        assert_eq!(assess(&s, Limits::default()), vec![Reason::IpBurst]);
    }
}
