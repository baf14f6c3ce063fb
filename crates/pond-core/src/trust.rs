//! The trust budget: every ask spends some of a member's credit with their
//! friends, and value received earns it back.
//!
//! A member (or a chat group, for broadcasts) starts with a full budget. Each
//! ask costs points; a mute, leave or block soon after an ask costs extra,
//! because it is the ask's price showing; rewards to the member, rewards to
//! the friends they brought, and content the shop marks useful give points
//! back, and trust recovers slowly on its own. Below a threshold the member
//! is not asked, and however high the score, nobody is asked more than a few
//! times a week.
//!
//! The score is never stored: [`replay`] computes it from the recorded
//! events in time order, so it is deterministic, explains itself step by
//! step, and a change of policy applies to the whole history at once.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// One day in milliseconds.
const DAY_MS: i64 = 86_400_000;

/// What the shop asks someone to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AskKind {
    /// Pass a link or code on to friends.
    Share,
    /// Put up or post a poster (moments, a shop window).
    Poster,
    /// Vote for the shop somewhere.
    Vote,
    /// Like a post.
    Like,
    /// A message to a whole chat group: recorded against the group.
    Broadcast,
}

impl AskKind {
    /// The asks made of a member, in the order views list them.
    pub const MEMBER: [AskKind; 4] = [
        AskKind::Share,
        AskKind::Poster,
        AskKind::Vote,
        AskKind::Like,
    ];

    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            AskKind::Share => "share",
            AskKind::Poster => "poster",
            AskKind::Vote => "vote",
            AskKind::Like => "like",
            AskKind::Broadcast => "broadcast",
        }
    }

    /// Parses the API and database name back.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "share" => Some(AskKind::Share),
            "poster" => Some(AskKind::Poster),
            "vote" => Some(AskKind::Vote),
            "like" => Some(AskKind::Like),
            "broadcast" => Some(AskKind::Broadcast),
            _ => None,
        }
    }

    /// Whom the ask is recorded against.
    pub fn subject(self) -> Subject {
        match self {
            AskKind::Broadcast => Subject::Group,
            _ => Subject::Member,
        }
    }
}

/// Whose trust is spent: a member's with their friends, or a group's with
/// its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// A member, asked to pass something on.
    Member,
    /// A chat group, broadcast to.
    Group,
}

/// Value that reached the member (or group) and earns trust back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Gain {
    /// A reward to the member was approved.
    RewardApproved,
    /// A reward to a friend the member brought was approved: the ask was
    /// worth something to the people it reached.
    FriendRewarded,
    /// Content the shop sent was marked useful.
    UsefulContent,
}

/// A sign that an ask went too far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Reaction {
    /// Muted the shop or the group.
    Mute,
    /// Left the group.
    Leave,
    /// Blocked the shop.
    Block,
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", content = "kind", rename_all = "snake_case")]
pub enum What {
    /// An ask was made.
    Ask(AskKind),
    /// Value was received.
    Gain(Gain),
    /// A mute, leave or block.
    Reaction(Reaction),
}

impl What {
    /// The signals the shop records by hand, by their API name: `mute`,
    /// `leave`, `block` (reactions) and `useful_content` (value).
    pub const SIGNALS: [&'static str; 4] = ["mute", "leave", "block", "useful_content"];

    /// Parses a signal's API and database name.
    pub fn signal(name: &str) -> Option<Self> {
        match name {
            "mute" => Some(What::Reaction(Reaction::Mute)),
            "leave" => Some(What::Reaction(Reaction::Leave)),
            "block" => Some(What::Reaction(Reaction::Block)),
            "useful_content" => Some(What::Gain(Gain::UsefulContent)),
            _ => None,
        }
    }

    /// At one instant an ask comes first (a mute in the same millisecond
    /// answers it) and value last.
    fn rank(self) -> u8 {
        match self {
            What::Ask(_) => 0,
            What::Reaction(_) => 1,
            What::Gain(_) => 2,
        }
    }
}

/// A recorded event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// When.
    pub at: Timestamp,
    /// What.
    pub what: What,
    /// The program it belongs to, when known (asks and rewards).
    pub program: Option<i64>,
}

/// The numbers of the model. The defaults are explained in docs/trust.md.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// The full budget everyone starts with.
    pub budget: i64,
    /// Under this score nobody is asked.
    pub threshold: i64,
    /// Points each ask costs.
    pub costs: Costs,
    /// Points each kind of value gives back.
    pub gains: Gains,
    /// Extra points a reaction costs when it follows an ask.
    pub penalties: Penalties,
    /// Points recovered per full day, whatever happens.
    pub recovery_per_day: i64,
    /// The frequency window, in days.
    pub window_days: i64,
    /// The most asks of a member within the window.
    pub member_asks_per_window: usize,
    /// The most broadcasts to a group within the window.
    pub group_broadcasts_per_window: usize,
}

/// Cost of each ask.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Costs {
    /// Passing a link on.
    pub share: i64,
    /// Posting a poster.
    pub poster: i64,
    /// Voting.
    pub vote: i64,
    /// Liking.
    pub like: i64,
    /// A group broadcast, against the group.
    pub broadcast: i64,
}

/// Trust each kind of value gives back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Gains {
    /// A reward to the member.
    pub reward_approved: i64,
    /// A reward to a friend they brought.
    pub friend_rewarded: i64,
    /// Content marked useful.
    pub useful_content: i64,
}

/// Extra cost of a reaction within `window_days` after an ask.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Penalties {
    /// A member mutes the shop.
    pub mute: i64,
    /// A member leaves a group.
    pub leave: i64,
    /// A member blocks the shop.
    pub block: i64,
    /// Each person leaving a group after a broadcast, against the group.
    pub group_leave: i64,
    /// How soon after an ask a reaction counts as its answer.
    pub window_days: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            budget: 100,
            threshold: 40,
            costs: Costs {
                share: 10,
                poster: 15,
                vote: 8,
                like: 5,
                broadcast: 10,
            },
            gains: Gains {
                reward_approved: 15,
                friend_rewarded: 10,
                useful_content: 5,
            },
            penalties: Penalties {
                mute: 20,
                leave: 20,
                block: 40,
                group_leave: 5,
                window_days: 7,
            },
            recovery_per_day: 1,
            window_days: 7,
            member_asks_per_window: 2,
            group_broadcasts_per_window: 3,
        }
    }
}

impl Policy {
    /// What an ask costs.
    pub fn cost(&self, kind: AskKind) -> i64 {
        match kind {
            AskKind::Share => self.costs.share,
            AskKind::Poster => self.costs.poster,
            AskKind::Vote => self.costs.vote,
            AskKind::Like => self.costs.like,
            AskKind::Broadcast => self.costs.broadcast,
        }
    }

    /// What a kind of value gives back.
    pub fn gain(&self, g: Gain) -> i64 {
        match g {
            Gain::RewardApproved => self.gains.reward_approved,
            Gain::FriendRewarded => self.gains.friend_rewarded,
            Gain::UsefulContent => self.gains.useful_content,
        }
    }

    fn penalty(&self, subject: Subject, r: Reaction) -> i64 {
        match (subject, r) {
            (_, Reaction::Mute) => self.penalties.mute,
            (Subject::Member, Reaction::Leave) => self.penalties.leave,
            (Subject::Group, Reaction::Leave) => self.penalties.group_leave,
            (_, Reaction::Block) => self.penalties.block,
        }
    }

    fn asks_per_window(&self, subject: Subject) -> usize {
        match subject {
            Subject::Member => self.member_asks_per_window,
            Subject::Group => self.group_broadcasts_per_window,
        }
    }
}

/// One event's effect on the score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Step {
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// What happened.
    pub what: What,
    /// The program, when known; for a reaction, the program of the ask it
    /// answers.
    pub program: Option<i64>,
    /// The change it made (after the budget's bounds), recovery excluded.
    pub delta: i64,
    /// The score after it.
    pub score: i64,
    /// Why it cost or gave what it did.
    pub note: String,
}

/// A replayed budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Trust {
    /// Whose.
    pub subject: Subject,
    /// The score now, 0 to the budget.
    pub score: i64,
    /// Points spent on asks.
    pub spent_on_asks: i64,
    /// Extra points lost to reactions after asks.
    pub lost_to_reactions: i64,
    /// Points earned back by value received.
    pub earned: i64,
    /// Points recovered with time.
    pub recovered: i64,
    /// Every event, oldest first, with its effect.
    pub steps: Vec<Step>,
    /// When the asks were made, oldest first (for the frequency rule).
    #[serde(skip)]
    asks: Vec<Timestamp>,
}

/// Replays `events` (any order; sorted here) as of `now` under `policy`.
/// Events after `now` are ignored. The score starts full, stays within
/// 0..=budget, and recovers `recovery_per_day` points for each full day since
/// the first event: counted on day boundaries from that event, so the total
/// recovered does not depend on how many events fall in between.
pub fn replay(policy: &Policy, subject: Subject, events: &[Event], now: Timestamp) -> Trust {
    let mut events: Vec<Event> = events.iter().copied().filter(|e| e.at <= now).collect();
    events.sort_by_key(|e| (e.at, e.what.rank()));
    let mut t = Trust {
        subject,
        score: policy.budget,
        spent_on_asks: 0,
        lost_to_reactions: 0,
        earned: 0,
        recovered: 0,
        steps: Vec::with_capacity(events.len()),
        asks: Vec::new(),
    };
    let origin = events.first().map(|e| e.at);
    let days =
        |at: Timestamp| origin.map_or(0, |o| (at.as_millisecond() - o.as_millisecond()) / DAY_MS);
    let mut last_day = 0;
    let mut last_ask: Option<(Timestamp, AskKind, Option<i64>)> = None;
    let mut recover = |t: &mut Trust, at: Timestamp| {
        let d = days(at);
        let before = t.score;
        t.score = (t.score + policy.recovery_per_day * (d - last_day)).min(policy.budget);
        t.recovered += t.score - before;
        last_day = d;
    };
    for e in events {
        recover(&mut t, e.at);
        // A reaction is charged to the ask it answers, and so to its program.
        let mut program = e.program;
        let (wanted, note) = match e.what {
            What::Ask(kind) => {
                t.asks.push(e.at);
                last_ask = Some((e.at, kind, e.program));
                let c = policy.cost(kind);
                (-c, format!("a {} ask costs {c}", kind.as_str()))
            }
            What::Gain(g) => {
                let v = policy.gain(g);
                (v, format!("{} gives back {v}", gain_name(g)))
            }
            What::Reaction(r) => match last_ask {
                Some((a, kind, asked_for))
                    if e.at.duration_since(a) <= days_span(policy.penalties.window_days) =>
                {
                    program = asked_for;
                    let p = policy.penalty(subject, r);
                    (
                        -p,
                        format!(
                            "{} within {} days of a {} ask costs {p}",
                            reaction_name(r),
                            policy.penalties.window_days,
                            kind.as_str()
                        ),
                    )
                }
                _ => (
                    0,
                    format!(
                        "{} not within {} days of an ask: recorded, no cost",
                        reaction_name(r),
                        policy.penalties.window_days
                    ),
                ),
            },
        };
        let before = t.score;
        t.score = (t.score + wanted).clamp(0, policy.budget);
        let delta = t.score - before;
        match e.what {
            What::Ask(_) => t.spent_on_asks -= delta,
            What::Reaction(_) => t.lost_to_reactions -= delta,
            What::Gain(_) => t.earned += delta,
        }
        t.steps.push(Step {
            at: e.at,
            what: e.what,
            program,
            delta,
            score: t.score,
            note,
        });
    }
    recover(&mut t, now);
    t
}

fn days_span(days: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * days)
}

fn gain_name(g: Gain) -> &'static str {
    match g {
        Gain::RewardApproved => "a reward to the member",
        Gain::FriendRewarded => "a reward to a friend they brought",
        Gain::UsefulContent => "content marked useful",
    }
}

fn reaction_name(r: Reaction) -> &'static str {
    match r {
        Reaction::Mute => "a mute",
        Reaction::Leave => "a leave",
        Reaction::Block => "a block",
    }
}

/// Why an ask may or may not be made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = AskDecision))]
pub struct Decision {
    /// The ask.
    pub kind: AskKind,
    /// Yes or no.
    pub allowed: bool,
    /// When refused: `trust_exhausted`, `asked_too_often` or `wrong_subject`.
    pub code: Option<&'static str>,
    /// A sentence naming the rule and its numbers.
    pub reason: String,
    /// The score now.
    pub score: i64,
    /// What the ask would cost.
    pub cost: i64,
    /// When refused for frequency: the first instant the ask is possible.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub next_possible_at: Option<Timestamp>,
}

/// Whether `kind` may be asked now of the subject `trust` was replayed for.
/// The threshold is checked first (a worn-out member is not asked at all),
/// then the frequency rule (even a trusting member is not asked every day).
pub fn can_ask(policy: &Policy, trust: &Trust, kind: AskKind, now: Timestamp) -> Decision {
    let cost = policy.cost(kind);
    let refuse = |code, reason, next| Decision {
        kind,
        allowed: false,
        code: Some(code),
        reason,
        score: trust.score,
        cost,
        next_possible_at: next,
    };
    if kind.subject() != trust.subject {
        let whom = match trust.subject {
            Subject::Member => "a member; broadcasts are asked of a group",
            Subject::Group => "a group; only broadcasts are",
        };
        return refuse(
            "wrong_subject",
            format!("a {} ask is not made of {whom}", kind.as_str()),
            None,
        );
    }
    if trust.score < policy.threshold {
        return refuse(
            "trust_exhausted",
            format!(
                "trust {} is under the threshold {}; it comes back as value is delivered \
                 (a reward, a friend's reward, useful content) and by {} a day",
                trust.score, policy.threshold, policy.recovery_per_day
            ),
            None,
        );
    }
    let window = days_span(policy.window_days);
    let recent: Vec<Timestamp> = trust
        .asks
        .iter()
        .copied()
        .filter(|a| *a <= now && now.duration_since(*a) < window)
        .collect();
    let limit = policy.asks_per_window(trust.subject);
    if recent.len() >= limit {
        // The oldest ask still counted leaves the window first.
        let next = recent.first().and_then(|a| a.checked_add(window).ok());
        return refuse(
            "asked_too_often",
            format!(
                "{} asks in the last {} days (limit {limit})",
                recent.len(),
                policy.window_days
            ),
            next,
        );
    }
    Decision {
        kind,
        allowed: true,
        code: None,
        reason: format!(
            "trust {} is at or above the threshold {} and {} asks in the last {} days are under the limit {limit}; this {} costs {cost}",
            trust.score,
            policy.threshold,
            recent.len(),
            policy.window_days,
            kind.as_str()
        ),
        score: trust.score,
        cost,
        next_possible_at: None,
    }
}

#[cfg(test)]
mod tests;
