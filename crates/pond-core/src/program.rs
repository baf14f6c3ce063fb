//! A referral program: who gets what, when a referral counts, and for how long.

use crate::Invalid;
use crate::trust::AskKind;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Which side of a referral a reward goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The member who shared the link.
    Inviter,
    /// The friend who arrived through it.
    Invitee,
}

impl Side {
    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Inviter => "inviter",
            Side::Invitee => "invitee",
        }
    }

    /// Parses the database and API name back.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "inviter" => Some(Side::Inviter),
            "invitee" => Some(Side::Invitee),
            _ => None,
        }
    }
}

/// What a reward rule is paid on. Only `Referral` is lawful for an inviter;
/// the others exist so that a rule asking for them can be named and refused
/// by the compliance guard instead of being silently reinterpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The direct referral itself qualified (the friend signed up, or bought).
    #[default]
    Referral,
    /// The invitee's own recruiting (their referrals): a downline payment.
    InviteeRecruiting,
    /// The invitee's later sales or purchases: team commission.
    InviteeSales,
}

/// One reward line of a program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RewardRule {
    /// Who receives it.
    pub side: Side,
    /// Referral depth it pays on: 1 is a direct referral, the only lawful one.
    pub depth: u32,
    /// How much, in whole units (points, MB, yuan, coupons).
    pub amount: i64,
    /// The unit: `points`, a named unit such as `MB` or `yuan`, or `coupon:NAME`.
    pub unit: String,
    /// What it is paid on; a direct referral unless said otherwise.
    #[serde(default)]
    pub basis: Basis,
    /// The stage that triggers it. `qualified` (the default) pays when the
    /// referral qualifies; `milestone:N` pays the inviter once, when their
    /// Nth direct referral in the program qualifies (3 friends earn a
    /// bouquet coupon, 10 a class). Milestones count direct referrals only.
    #[serde(default = "default_stage")]
    pub stage: String,
}

fn default_stage() -> String {
    STAGE_QUALIFIED.to_string()
}

/// The stage at which a referral's qualifying event has happened.
pub const STAGE_QUALIFIED: &str = "qualified";

/// The largest milestone: more friends than any one customer brings.
pub const MAX_MILESTONE: u32 = 1000;

/// The number of qualified direct referrals a `milestone:N` stage waits
/// for, or `None` for any other stage.
pub fn milestone(stage: &str) -> Option<u32> {
    stage
        .strip_prefix("milestone:")
        .and_then(|n| n.parse().ok())
        .filter(|n| (1..=MAX_MILESTONE).contains(n))
}

/// A grant every new member of the program receives on joining, referred or not
/// (Dropbox's 2 GB base).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BaseGrant {
    /// How much.
    pub amount: i64,
    /// The unit, as in a reward rule.
    pub unit: String,
}

/// The event that makes a referral count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Qualifying {
    /// The friend signed up.
    Signup,
    /// The friend's first paid order reaching `min_amount` (in the shop's minor
    /// currency unit, e.g. fen). Paying on a real purchase is the single most
    /// effective anti-abuse rule.
    FirstPaidOrder {
        /// Smallest order total that qualifies.
        #[serde(default)]
        min_amount: i64,
    },
    /// A named event sent by the shop's systems (`activated`, `attended_class`).
    Custom {
        /// The event type to wait for.
        name: String,
    },
}

/// Where a program is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being prepared: links work, nothing is attributed.
    Draft,
    /// Running.
    #[default]
    Active,
    /// Temporarily stopped: no new referrals, pending rewards still settle.
    Paused,
    /// Over.
    Ended,
}

impl Status {
    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Active => "active",
            Status::Paused => "paused",
            Status::Ended => "ended",
        }
    }

    /// Parses the database and API name back.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(Status::Draft),
            "active" => Some(Status::Active),
            "paused" => Some(Status::Paused),
            "ended" => Some(Status::Ended),
            _ => None,
        }
    }
}

/// Everything a shop says about a program. It passes [`ProgramSpec::validate`]
/// and the compliance guard before it is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProgramSpec {
    /// A name for people.
    pub name: String,
    /// Where `/r/{code}` sends a visitor; the code is appended as `ref`.
    #[serde(default)]
    pub landing_url: Option<String>,
    /// Where Pond's hosted join page sends a friend once they have joined:
    /// the shop's group live code (`/j/CODE`) or any http(s) page.
    #[serde(default)]
    pub next_step_url: Option<String>,
    /// The reward lines.
    pub rewards: Vec<RewardRule>,
    /// A grant on joining, for every member.
    #[serde(default)]
    pub base_grant: Option<BaseGrant>,
    /// The most referrals an inviter is rewarded for. Required: an uncapped
    /// program is refused by the guard.
    #[serde(default)]
    pub inviter_cap: Option<u32>,
    /// What makes a referral count.
    pub qualifying: Qualifying,
    /// Days from attribution within which the qualifying event must happen.
    #[serde(default = "default_window")]
    pub attribution_window_days: u32,
    /// Days a reward stays pending (the return window) before approval.
    #[serde(default = "default_hold")]
    pub hold_days: u32,
    /// A fee a member must pay to get a referral link. Must be zero.
    #[serde(default)]
    pub referrer_fee: i64,
    /// Whether a purchase is required before a member may refer. Must be false:
    /// a purchase may qualify the invitee's reward, never the right to refer.
    #[serde(default)]
    pub purchase_required_to_refer: bool,
    /// When the program opens; none means now.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub starts_at: Option<Timestamp>,
    /// When it closes; none means open-ended.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub ends_at: Option<Timestamp>,
    /// Its status.
    #[serde(default)]
    pub status: Status,
    /// What each referral asks of the inviter (share, poster, vote, like);
    /// priced by the trust budget in the program's value audit.
    #[serde(default = "default_asks")]
    pub asks: Vec<AskKind>,
}

fn default_asks() -> Vec<AskKind> {
    vec![AskKind::Share]
}

/// The most asks one referral may need: beyond that nobody passes it on.
pub const MAX_ASKS: usize = 8;

fn default_window() -> u32 {
    30
}

fn default_hold() -> u32 {
    14
}

/// Longest attribution window or hold accepted, in days: beyond a year a
/// "referral" is no longer word of mouth.
pub const MAX_DAYS: u32 = 365;

impl ProgramSpec {
    /// Checks the shape of the spec: names, amounts, units, dates. The legal
    /// criteria are the compliance guard's job ([`crate::compliance::review`]).
    pub fn validate(&self) -> Result<(), Invalid> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(Invalid::new(
                "name",
                "invalid_name",
                "must be 1 to 200 characters",
            ));
        }
        if let Some(url) = &self.landing_url
            && (!(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2000)
        {
            return Err(Invalid::new(
                "landing_url",
                "invalid_url",
                "must be an http(s) URL of at most 2000 characters",
            ));
        }
        // Browsers read `\` as `/`, so `/\evil.example` would leave the site
        // like `//evil.example`: refused anywhere in the URL.
        if let Some(url) = &self.next_step_url
            && (!(url.starts_with("https://")
                || url.starts_with("http://")
                || url.starts_with('/'))
                || url.starts_with("//")
                || url.contains('\\')
                || url.chars().any(char::is_control)
                || url.len() > 2000)
        {
            return Err(Invalid::new(
                "next_step_url",
                "invalid_url",
                "must be an http(s) URL or a path on this server such as /j/CODE, at most 2000 characters, without backslashes",
            ));
        }
        if self.rewards.is_empty() {
            return Err(Invalid::new(
                "rewards",
                "no_rewards",
                "a program needs at least one reward",
            ));
        }
        for (i, r) in self.rewards.iter().enumerate() {
            if r.depth == 0 {
                return Err(Invalid::new(
                    format!("rewards[{i}].depth"),
                    "invalid_depth",
                    "depth counts referral levels and starts at 1 (a direct referral)",
                ));
            }
            check_amount(&format!("rewards[{i}]"), r.amount, &r.unit)?;
            if r.stage != STAGE_QUALIFIED && milestone(&r.stage).is_none() {
                return Err(Invalid::new(
                    format!("rewards[{i}].stage"),
                    "invalid_stage",
                    format!(
                        "unknown stage `{}`; use `{STAGE_QUALIFIED}` or `milestone:N` (N from 1 to {MAX_MILESTONE})",
                        r.stage
                    ),
                ));
            }
            if milestone(&r.stage).is_some() && (r.side != Side::Inviter || r.depth != 1) {
                return Err(Invalid::new(
                    format!("rewards[{i}].stage"),
                    "invalid_stage",
                    "a milestone rewards the inviter for their own direct referrals: side `inviter`, depth 1",
                ));
            }
        }
        if let Some(g) = &self.base_grant {
            check_amount("base_grant", g.amount, &g.unit)?;
        }
        if let Qualifying::FirstPaidOrder { min_amount } = self.qualifying
            && min_amount < 0
        {
            return Err(Invalid::new(
                "qualifying.min_amount",
                "invalid_amount",
                "must not be negative",
            ));
        }
        if let Qualifying::Custom { name } = &self.qualifying
            && (!is_event_name(name) || is_builtin_event(name))
        {
            return Err(Invalid::new(
                "qualifying.name",
                "invalid_event_name",
                "a custom event name is 1 to 64 of a-z, 0-9, `.`, `_`, `-` and not a built-in type",
            ));
        }
        for (field, days) in [
            ("attribution_window_days", self.attribution_window_days),
            ("hold_days", self.hold_days),
        ] {
            if days > MAX_DAYS {
                return Err(Invalid::new(
                    field,
                    "invalid_days",
                    format!("must be at most {MAX_DAYS}"),
                ));
            }
        }
        if self.attribution_window_days == 0 {
            return Err(Invalid::new(
                "attribution_window_days",
                "invalid_days",
                "must be at least 1",
            ));
        }
        if self.asks.is_empty() || self.asks.len() > MAX_ASKS {
            return Err(Invalid::new(
                "asks",
                "invalid_asks",
                format!("a referral needs 1 to {MAX_ASKS} asks of the inviter (at least `share`)"),
            ));
        }
        if let Some(i) = self.asks.iter().position(|a| *a == AskKind::Broadcast) {
            return Err(Invalid::new(
                format!("asks[{i}]"),
                "invalid_asks",
                "a broadcast is asked of a group, not of the inviter; use share, poster, vote or like",
            ));
        }
        if let (Some(s), Some(e)) = (self.starts_at, self.ends_at)
            && e <= s
        {
            return Err(Invalid::new(
                "ends_at",
                "invalid_dates",
                "must be after starts_at",
            ));
        }
        Ok(())
    }

    /// Whether the program takes new referrals at `now`.
    pub fn is_open(&self, now: Timestamp) -> bool {
        self.status == Status::Active
            && self.starts_at.is_none_or(|s| s <= now)
            && self.ends_at.is_none_or(|e| now < e)
    }
}

fn check_amount(field: &str, amount: i64, unit: &str) -> Result<(), Invalid> {
    if !(1..=1_000_000_000).contains(&amount) {
        return Err(Invalid::new(
            format!("{field}.amount"),
            "invalid_amount",
            "must be a whole number from 1 to 1,000,000,000",
        ));
    }
    if !is_unit(unit) {
        return Err(Invalid::new(
            format!("{field}.unit"),
            "invalid_unit",
            "a unit is `points`, a name such as `MB` or `yuan`, or `coupon:NAME` (1 to 64 characters)",
        ));
    }
    Ok(())
}

fn is_unit(unit: &str) -> bool {
    let name = unit.strip_prefix("coupon:").unwrap_or(unit);
    !name.is_empty()
        && unit.len() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Whether `s` may name an event type: 1 to 64 of `a-z 0-9 . _ -`.
pub fn is_event_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
}

/// The event types Pond itself understands.
pub const BUILTIN_EVENTS: [&str; 4] = ["signup", "order.paid", "order.refunded", "order.cancelled"];

fn is_builtin_event(s: &str) -> bool {
    BUILTIN_EVENTS.contains(&s)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Dropbox's program: 500 MB to each side, 32 referrals, on activation.
    pub fn dropbox() -> ProgramSpec {
        serde_json::from_value(serde_json::json!({
            "name": "Space race",
            "rewards": [
                {"side": "inviter", "depth": 1, "amount": 500, "unit": "MB"},
                {"side": "invitee", "depth": 1, "amount": 500, "unit": "MB"}
            ],
            "base_grant": {"amount": 2048, "unit": "MB"},
            "inviter_cap": 32,
            "qualifying": {"type": "custom", "name": "activated"},
            "hold_days": 0
        }))
        .unwrap()
    }

    #[test]
    fn dropbox_is_valid() {
        dropbox().validate().unwrap();
    }

    #[test]
    fn shape_errors_name_the_field() {
        let mut p = dropbox();
        p.rewards[1].amount = 0;
        assert_eq!(p.validate().unwrap_err().field, "rewards[1].amount");
        let mut p = dropbox();
        p.rewards[0].unit = "coupon:".into();
        assert_eq!(p.validate().unwrap_err().field, "rewards[0].unit");
        let mut p = dropbox();
        p.qualifying = Qualifying::Custom {
            name: "signup".into(),
        };
        assert_eq!(p.validate().unwrap_err().field, "qualifying.name");
        let mut p = dropbox();
        p.hold_days = 400;
        assert_eq!(p.validate().unwrap_err().field, "hold_days");
        let mut p = dropbox();
        p.asks = vec![AskKind::Share, AskKind::Broadcast];
        assert_eq!(p.validate().unwrap_err().field, "asks[1]");
        p.asks.clear();
        assert_eq!(p.validate().unwrap_err().field, "asks");
    }

    #[test]
    fn next_step_url_stays_on_a_safe_road() {
        for bad in [
            "/\\evil.example",
            "/\\/evil.example",
            "//evil.example",
            "javascript:x",
            "/a\nb",
        ] {
            let mut p = dropbox();
            p.next_step_url = Some(bad.into());
            assert_eq!(p.validate().unwrap_err().field, "next_step_url", "{bad}");
        }
        for good in ["/j/shopgroup", "https://shop.example/next?a=1"] {
            let mut p = dropbox();
            p.next_step_url = Some(good.into());
            p.validate().unwrap();
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        let r = serde_json::from_str::<RewardRule>(
            r#"{"side":"inviter","depth":1,"amount":1,"unit":"points","levels":3}"#,
        );
        assert!(r.is_err());
    }
}
