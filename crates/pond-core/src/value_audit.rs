//! The value audit: does a program give back more than its asks take?
//!
//! Every referral spends the inviter's credit with a friend (the asks the
//! program needs, priced by the trust budget's [`Policy`]). What earns it
//! back is value: the inviter's own reward and, above all, the friend's. The
//! audit prices one qualified referral on the trust scale, so its numbers
//! mean the same as a member's score: a program is a **value creator** when
//! both sides get something and the trust its rewards return covers the
//! trust its asks spend; otherwise it is a **value extractor**, and every
//! reason is named.
//!
//! The shop's side is weighed too (what a qualified referral brings it), but
//! it never makes a program an extractor: extraction is taking from the
//! customers, not the shop earning too little.

use crate::program::{ProgramSpec, Qualifying, Side};
use crate::trust::{AskKind, Policy};
use serde::Serialize;

/// The verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// Both sides gain and the rewards return the trust the asks spend.
    ValueCreator,
    /// A side gets nothing, or the asks cost more trust than comes back.
    ValueExtractor,
}

/// One ask the program needs, with its price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AskCost {
    /// The ask.
    pub kind: AskKind,
    /// Its cost in trust points.
    pub cost: i64,
}

/// A program weighed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValueAudit {
    /// value_creator or value_extractor.
    pub label: Label,
    /// Why, one sentence per finding.
    pub reasons: Vec<String>,
    /// Trust a qualified referral returns through the invitee's reward
    /// (the trust model's `friend_rewarded`; 0 when the friend gets nothing).
    pub invitee_value: i64,
    /// Trust it returns through the inviter's own reward (`reward_approved`).
    pub inviter_value: i64,
    /// What it brings the shop on the same scale: 20 a paid order with a
    /// minimum, 15 any first paid order, 10 a custom event, 5 a bare signup.
    pub shop_value: i64,
    /// The asks a referral needs, priced.
    pub asks: Vec<AskCost>,
    /// Their total: the trust one referral spends.
    pub trust_spent: i64,
    /// invitee_value + inviter_value: the trust one referral returns.
    pub trust_returned: i64,
}

/// Weighs `spec` under `policy`. Pure: the same spec and policy always get
/// the same audit, so it is computed when shown rather than stored.
pub fn audit(spec: &ProgramSpec, policy: &Policy) -> ValueAudit {
    let rewards_of = |side: Side| -> Vec<String> {
        spec.rewards
            .iter()
            .filter(|r| r.side == side)
            .map(|r| format!("{} {}", r.amount, r.unit))
            .collect()
    };
    let inviter = rewards_of(Side::Inviter);
    let invitee = rewards_of(Side::Invitee);
    let inviter_value = if inviter.is_empty() {
        0
    } else {
        policy.gains.reward_approved
    };
    let invitee_value = if invitee.is_empty() {
        0
    } else {
        policy.gains.friend_rewarded
    };
    let asks: Vec<AskCost> = spec
        .asks
        .iter()
        .map(|&kind| AskCost {
            kind,
            cost: policy.cost(kind),
        })
        .collect();
    let trust_spent: i64 = asks.iter().map(|a| a.cost).sum();
    let trust_returned = inviter_value + invitee_value;
    let priced = asks
        .iter()
        .map(|a| format!("{} {}", a.kind.as_str(), a.cost))
        .collect::<Vec<_>>()
        .join(" + ");

    let mut extract = Vec::new();
    if invitee.is_empty() {
        extract.push(
            "one-sided: the invitee gets nothing, so the friend is asked for the shop's sake \
             alone and the inviter's credit with them is spent"
                .to_string(),
        );
    }
    if inviter.is_empty() {
        extract.push(
            "one-sided: the inviter gets nothing back for spending their credit with friends"
                .to_string(),
        );
    }
    if trust_spent > trust_returned {
        extract.push(format!(
            "the asks cost {trust_spent} trust per referral ({priced}) and the rewards return only {trust_returned}"
        ));
    }
    let (shop_value, shop_reason) = shop(&spec.qualifying);
    let mut reasons = Vec::new();
    let label = if extract.is_empty() {
        reasons.push(format!(
            "both sides gain: the inviter gets {}, the invitee gets {}",
            inviter.join(" and "),
            invitee.join(" and ")
        ));
        reasons.push(format!(
            "the rewards return {trust_returned} trust per referral, covering the asks' {trust_spent} ({priced})"
        ));
        Label::ValueCreator
    } else {
        reasons.extend(extract);
        Label::ValueExtractor
    };
    reasons.push(shop_reason);
    ValueAudit {
        label,
        reasons,
        invitee_value,
        inviter_value,
        shop_value,
        asks,
        trust_spent,
        trust_returned,
    }
}

fn shop(q: &Qualifying) -> (i64, String) {
    match q {
        Qualifying::FirstPaidOrder { min_amount } if *min_amount > 0 => (
            20,
            format!("the shop gains a first paid order of at least {min_amount} per referral"),
        ),
        Qualifying::FirstPaidOrder { .. } => (
            15,
            "the shop gains a first paid order per referral (of any amount)".into(),
        ),
        Qualifying::Custom { name } => {
            (10, format!("the shop gains a `{name}` event per referral"))
        }
        Qualifying::Signup => (
            5,
            "the shop gains only a signup per referral; paying on a first paid order is worth \
             more and resists abuse"
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::tests::dropbox;

    #[test]
    fn dropbox_is_a_value_creator() {
        let a = audit(&dropbox(), &Policy::default());
        assert_eq!(a.label, Label::ValueCreator);
        assert_eq!((a.inviter_value, a.invitee_value), (15, 10));
        assert_eq!((a.trust_spent, a.trust_returned), (10, 25));
        assert_eq!(a.shop_value, 10);
        assert_eq!(
            a.reasons[0],
            "both sides gain: the inviter gets 500 MB, the invitee gets 500 MB"
        );
    }

    #[test]
    fn a_one_sided_program_is_a_value_extractor_naming_the_side() {
        let mut p = dropbox();
        p.rewards.retain(|r| r.side == Side::Inviter);
        let a = audit(&p, &Policy::default());
        assert_eq!(a.label, Label::ValueExtractor);
        assert_eq!(a.invitee_value, 0);
        assert!(a.reasons[0].starts_with("one-sided: the invitee gets nothing"));
        assert_eq!(a.reasons.len(), 2, "{:?}", a.reasons);

        let mut p = dropbox();
        p.rewards.retain(|r| r.side == Side::Invitee);
        let a = audit(&p, &Policy::default());
        assert_eq!(a.label, Label::ValueExtractor);
        assert!(a.reasons[0].starts_with("one-sided: the inviter gets nothing"));
    }

    #[test]
    fn too_many_asks_extract_even_from_a_two_sided_program() {
        let mut p = dropbox();
        p.asks = AskKind::MEMBER.to_vec();
        let a = audit(&p, &Policy::default());
        assert_eq!(a.label, Label::ValueExtractor);
        assert_eq!(
            a.reasons[0],
            "the asks cost 38 trust per referral (share 10 + poster 15 + vote 8 + like 5) \
             and the rewards return only 25"
        );
    }

    #[test]
    fn the_shops_side_is_weighed_but_never_the_label() {
        let mut p = dropbox();
        p.qualifying = Qualifying::Signup;
        let a = audit(&p, &Policy::default());
        assert_eq!((a.label, a.shop_value), (Label::ValueCreator, 5));
        assert!(
            a.reasons
                .last()
                .is_some_and(|r| r.contains("only a signup"))
        );
    }
}
