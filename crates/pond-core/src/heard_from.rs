//! "How did you hear about us?": the member's own answer, kept beside the
//! referral records because word of mouth often leaves no link behind.
//!
//! A member who answers `friend` and has no recorded referral counts as an
//! organic referral in the growth report (DOMAIN.md §1: the studio's 15 %
//! spontaneous referral is exactly this kind of word of mouth).

use serde::{Deserialize, Serialize};

/// The member's answer to "how did you hear about us?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HeardFrom {
    /// A friend told them: word of mouth.
    Friend,
    /// One of the shop's chat groups.
    Group,
    /// An advertisement or a post.
    Ad,
    /// They walked past the shop.
    WalkIn,
    /// Something else.
    Other,
}

impl HeardFrom {
    /// Every answer, in the order forms list them.
    pub const ALL: [HeardFrom; 5] = [
        HeardFrom::Friend,
        HeardFrom::Group,
        HeardFrom::Ad,
        HeardFrom::WalkIn,
        HeardFrom::Other,
    ];

    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            HeardFrom::Friend => "friend",
            HeardFrom::Group => "group",
            HeardFrom::Ad => "ad",
            HeardFrom::WalkIn => "walk_in",
            HeardFrom::Other => "other",
        }
    }

    /// Parses the database and API name back.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|h| h.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for h in HeardFrom::ALL {
            assert_eq!(HeardFrom::parse(h.as_str()), Some(h));
            let json = serde_json::to_string(&h).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", h.as_str()));
        }
        assert_eq!(HeardFrom::parse("Friend"), None);
        assert_eq!(HeardFrom::parse("tv"), None);
    }
}
