//! A referral's two independent states: how far it has come (attributed,
//! qualified) and where it stands in fraud review.

use serde::{Deserialize, Serialize};

/// How far a referral has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Named apart from the program's status in the OpenAPI document.
#[cfg_attr(feature = "openapi", schema(as = ReferralStatus))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Credited to an inviter, waiting for the qualifying event.
    Attributed,
    /// The qualifying event happened; rewards were created.
    Qualified,
    /// Rejected in review: it earns nothing.
    Rejected,
}

/// Where a referral stands in fraud review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Review {
    /// Nothing was found.
    Clear,
    /// Waiting for a person: its rewards stay pending.
    Flagged,
    /// A person approved it despite the flags.
    Approved,
    /// A person rejected it: its rewards are voided.
    Rejected,
}

macro_rules! names {
    ($t:ty { $($v:ident => $s:literal),* $(,)? }) => {
        impl $t {
            /// The name used in the API and the database.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }
            /// Parses the database and API name back.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(Self::$v),)* _ => None }
            }
        }
    };
}

names!(Status { Attributed => "attributed", Qualified => "qualified", Rejected => "rejected" });
names!(Review { Clear => "clear", Flagged => "flagged", Approved => "approved", Rejected => "rejected" });

impl Review {
    /// Whether rewards must wait for a person.
    pub fn holds_rewards(self) -> bool {
        matches!(self, Review::Flagged | Review::Rejected)
    }
}
