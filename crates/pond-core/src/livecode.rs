//! Live codes (活码): one stable link per entry point (the shop counter, a
//! flyer, a poster) that sends each visitor to one of several chat groups.
//!
//! A WeChat group's QR code expires after 7 days and stops admitting by
//! scan past about 200 members, so a printed group QR dies within a week.
//! A live code stays printed; behind it the shop swaps group QR images and
//! Pond skips the groups that are full, expired or switched off.

use crate::Invalid;
use serde::{Deserialize, Serialize};

/// Most targets behind one live code.
pub const MAX_TARGETS: usize = 50;
/// Largest capacity of one target: well past any chat group's size.
pub const MAX_CAPACITY: i64 = 10_000;
/// WeCom's limit on a `state` tag (企业微信 "联系我" state: at most 30 characters).
pub const MAX_STATE: usize = 30;

/// How a live code picks among its open targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The first open target in order until it is full: groups fill one at
    /// a time, so each reaches a lively size quickly.
    FillFirst,
    /// The open target after the one chosen last, wrapping around: groups
    /// grow evenly.
    RoundRobin,
}

impl Strategy {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::FillFirst => "fill_first",
            Strategy::RoundRobin => "round_robin",
        }
    }

    /// Parses a stored or requested name.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "fill_first" => Ok(Strategy::FillFirst),
            "round_robin" => Ok(Strategy::RoundRobin),
            other => Err(Invalid::new(
                "strategy",
                "invalid_strategy",
                format!("strategy `{other}`: use fill_first or round_robin"),
            )),
        }
    }
}

/// What the choice needs to know of a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Pond's id.
    pub id: i64,
    /// Its place in the live code's order.
    pub position: i64,
    /// Visitors it may take.
    pub capacity: i64,
    /// Visitors sent to it so far.
    pub assigned: i64,
    /// The operator's on/off switch.
    pub enabled: bool,
    /// When its uploaded group QR stops working (ms); `None` when no QR
    /// was uploaded, which leaves nothing to show a visitor.
    pub qr_expires_at: Option<i64>,
}

impl Target {
    /// Switched on, with a QR image that still works at `now` (ms).
    pub fn showable(&self, now: i64) -> bool {
        self.enabled && self.qr_expires_at.is_some_and(|e| e > now)
    }

    /// Showable and not yet full: it may take a new visitor.
    pub fn open(&self, now: i64) -> bool {
        self.showable(now) && self.assigned < self.capacity
    }
}

/// The index in `targets` (ordered by position) of the target a new
/// visitor goes to, or `None` when every target is full, expired or off.
/// `cursor` is the position chosen last (round robin).
pub fn choose(strategy: Strategy, targets: &[Target], cursor: i64, now: i64) -> Option<usize> {
    let open = |i: &usize| targets[*i].open(now);
    match strategy {
        Strategy::FillFirst => (0..targets.len()).find(open),
        Strategy::RoundRobin => {
            let after = targets
                .iter()
                .position(|t| t.position > cursor)
                .unwrap_or(targets.len());
            (after..targets.len()).chain(0..after).find(open)
        }
    }
}

/// Checks a `state` tag: 1 to 30 characters of letters, digits, `_`, `-`
/// and `.`, which pass through URLs and WeCom's `state` untouched.
pub fn state_tag(raw: &str) -> Result<String, Invalid> {
    let s = raw.trim();
    let bad = |m: String| Invalid::new("state", "invalid_state", m);
    if s.is_empty() || s.chars().count() > MAX_STATE {
        return Err(bad(format!(
            "a state tag is 1 to {MAX_STATE} characters (WeCom's limit); `{s}` is not"
        )));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        return Err(bad(format!(
            "a state tag holds letters, digits, `_`, `-` and `.`; `{c}` is not allowed"
        )));
    }
    Ok(s.to_string())
}

/// A state tag made from a live code's name (its ASCII letters and digits,
/// lower case, words joined by `-`), or from its code when the name has
/// none (a Chinese name, say).
pub fn default_state(name: &str, code: &str) -> String {
    let mut s = String::new();
    for word in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if s.len() + word.len() + usize::from(!s.is_empty()) > MAX_STATE {
            break;
        }
        if !s.is_empty() {
            s.push('-');
        }
        s.push_str(&word.to_ascii_lowercase());
    }
    if s.is_empty() {
        format!("lc-{}", code.to_ascii_lowercase())
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(id: i64, capacity: i64, assigned: i64) -> Target {
        Target {
            id,
            position: id,
            capacity,
            assigned,
            enabled: true,
            qr_expires_at: Some(1_000),
        }
    }

    #[test]
    fn fill_first_fills_in_order_and_skips_closed_targets() {
        let mut ts = vec![t(0, 2, 2), t(1, 2, 0), t(2, 2, 0)];
        assert_eq!(choose(Strategy::FillFirst, &ts, -1, 10), Some(1));
        ts[1].enabled = false;
        assert_eq!(choose(Strategy::FillFirst, &ts, -1, 10), Some(2));
        ts[2].qr_expires_at = Some(10);
        assert_eq!(choose(Strategy::FillFirst, &ts, -1, 10), None);
        ts[2].qr_expires_at = None;
        assert_eq!(choose(Strategy::FillFirst, &ts, -1, 5), None);
    }

    #[test]
    fn round_robin_takes_the_next_open_target_and_wraps() {
        let ts = vec![t(0, 9, 0), t(1, 9, 9), t(2, 9, 0)];
        assert_eq!(choose(Strategy::RoundRobin, &ts, -1, 10), Some(0));
        assert_eq!(choose(Strategy::RoundRobin, &ts, 0, 10), Some(2));
        assert_eq!(choose(Strategy::RoundRobin, &ts, 2, 10), Some(0));
        assert_eq!(choose(Strategy::RoundRobin, &[], 2, 10), None);
    }

    #[test]
    fn state_tags_are_checked_and_derived() {
        assert_eq!(state_tag(" counter-1 ").unwrap(), "counter-1");
        assert!(state_tag(&"x".repeat(31)).is_err());
        assert!(state_tag("").is_err());
        assert!(state_tag("柜台").is_err());
        assert!(state_tag("a b").is_err());
        assert_eq!(default_state("Shop Counter #1", "ABC"), "shop-counter-1");
        assert_eq!(default_state("门店柜台", "ABCDEFGHJK"), "lc-abcdefghjk");
        let long = default_state(&"word ".repeat(20), "X");
        assert!(
            long.len() <= MAX_STATE && state_tag(&long).is_ok(),
            "{long}"
        );
    }

    #[test]
    fn strategies_round_trip() {
        for s in [Strategy::FillFirst, Strategy::RoundRobin] {
            assert_eq!(Strategy::parse(s.as_str()).unwrap(), s);
        }
        assert_eq!(Strategy::parse("random").unwrap_err().field, "strategy");
    }
}
