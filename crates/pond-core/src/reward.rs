//! What a qualifying referral earns, and when a pending reward may settle.

use crate::program::{ProgramSpec, RewardRule, STAGE_QUALIFIED, Side, milestone};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// The life of one reward: pending through its hold, then approved (and in
/// the ledger) or voided (refund, cancel, rejected review). Never both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RewardStatus {
    /// Waiting for its hold to pass and any review to clear.
    Pending,
    /// Posted to the ledger.
    Approved,
    /// Cancelled before approval.
    Voided,
}

impl RewardStatus {
    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            RewardStatus::Pending => "pending",
            RewardStatus::Approved => "approved",
            RewardStatus::Voided => "voided",
        }
    }

    /// Parses the database and API name back.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(RewardStatus::Pending),
            "approved" => Some(RewardStatus::Approved),
            "voided" => Some(RewardStatus::Voided),
            _ => None,
        }
    }
}

/// A reward to create for one side of a qualified referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Who receives it.
    pub side: Side,
    /// The stage that earned it; with program, referral and side, its identity.
    pub stage: String,
    /// How much.
    pub amount: i64,
    /// Of what.
    pub unit: String,
    /// The earliest instant it may be approved: qualification plus the hold.
    pub approve_after: Timestamp,
}

/// The rewards a referral earns when it qualifies at `at`.
///
/// `inviter_rewarded` is how many of this inviter's referrals in the program
/// already earned the inviter a (non-voided) reward: at the cap the inviter's
/// lines are dropped, while the friend still gets theirs, as at Dropbox.
pub fn on_qualified(spec: &ProgramSpec, inviter_rewarded: u32, at: Timestamp) -> Vec<Grant> {
    let capped = spec.inviter_cap.is_some_and(|cap| inviter_rewarded >= cap);
    grants(spec, at, |r| {
        r.stage == STAGE_QUALIFIED && !(capped && r.side == Side::Inviter)
    })
}

/// The direct-referral reward lines that `pays`, as grants held for the
/// program's hold from `at`.
fn grants(spec: &ProgramSpec, at: Timestamp, pays: impl Fn(&RewardRule) -> bool) -> Vec<Grant> {
    let approve_after = at
        .checked_add(SignedDuration::from_hours(24 * i64::from(spec.hold_days)))
        .unwrap_or(at);
    spec.rewards
        .iter()
        .filter(|r| r.depth == 1 && pays(r))
        .map(|r| Grant {
            side: r.side,
            stage: r.stage.clone(),
            amount: r.amount,
            unit: r.unit.clone(),
            approve_after,
        })
        .collect()
}

/// The milestone rewards an inviter has reached with `qualified` direct
/// referrals in the program, less those already `paid` (their stages).
/// Each pays once, on the referral that reaches it; the inviter cap does
/// not apply, since a milestone is a fixed reward, not a per-friend one.
pub fn milestones(
    spec: &ProgramSpec,
    qualified: u32,
    paid: &[String],
    at: Timestamp,
) -> Vec<Grant> {
    grants(spec, at, |r| {
        r.side == Side::Inviter
            && milestone(&r.stage).is_some_and(|n| n <= qualified)
            && !paid.contains(&r.stage)
    })
}

/// Whether a pending reward may be approved now: its hold has passed and its
/// referral is not waiting in (or rejected by) fraud review.
pub fn may_approve(approve_after: Timestamp, under_review: bool, now: Timestamp) -> bool {
    !under_review && approve_after <= now
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::tests::dropbox;

    #[test]
    fn both_sides_until_the_cap_then_only_the_friend() {
        let p = dropbox();
        let now = Timestamp::UNIX_EPOCH;
        let g = on_qualified(&p, 31, now);
        assert_eq!(g.len(), 2);
        let g = on_qualified(&p, 32, now);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].side, Side::Invitee);
    }

    #[test]
    fn milestones_pay_once_when_reached() {
        let mut p = dropbox();
        for (n, amount) in [(3, 1), (10, 1)] {
            p.rewards.push(RewardRule {
                side: Side::Inviter,
                depth: 1,
                amount,
                unit: format!("coupon:stage{n}"),
                basis: Default::default(),
                stage: format!("milestone:{n}"),
            });
        }
        assert_eq!(p.validate(), Ok(()));
        let now = Timestamp::UNIX_EPOCH;
        assert!(milestones(&p, 2, &[], now).is_empty());
        let third = milestones(&p, 3, &[], now);
        assert_eq!(third.len(), 1);
        assert_eq!(third[0].unit, "coupon:stage3");
        assert!(milestones(&p, 4, &["milestone:3".into()], now).is_empty());
        assert_eq!(
            milestones(&p, 10, &["milestone:3".into()], now)[0].stage,
            "milestone:10"
        );
        // The qualified-stage rewards never include milestones.
        assert!(
            on_qualified(&p, 0, now)
                .iter()
                .all(|g| g.stage == STAGE_QUALIFIED)
        );
        p.rewards[2].side = Side::Invitee;
        assert!(p.validate().is_err());
    }

    #[test]
    fn the_hold_delays_approval() {
        let mut p = dropbox();
        p.hold_days = 14;
        let now = Timestamp::UNIX_EPOCH;
        let g = on_qualified(&p, 0, now);
        let later = now + SignedDuration::from_hours(24 * 14);
        assert_eq!(g[0].approve_after, later);
        assert!(!may_approve(g[0].approve_after, false, now));
        assert!(may_approve(g[0].approve_after, false, later));
        assert!(!may_approve(g[0].approve_after, true, later));
    }
}
