//! The guard that keeps a referral program from becoming a pyramid.
//!
//! China's Regulation on Prohibition of Pyramid Selling (禁止传销条例, Decree
//! 444, Art. 7) names three acts: paying by the number of people recruited
//! directly *or indirectly* (拉人头), charging to join or to gain the right to
//! recruit (入门费), and paying an upline on its downline's sales (团队计酬).
//! The FTC's Koscot test says much the same. Pond pays only the two levels of
//! a direct referral, never on a referral's own recruiting or sales, never
//! charges for the right to refer, and insists on a cap. Every refusal names
//! the criterion so the shop learns why.

use crate::Invalid;
use crate::program::{Basis, ProgramSpec, Side};
use serde::Serialize;

/// A criterion a program can break. Its code is stable and appears in API errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// A reward on a referral's referrals (depth > 1): 拉人头, indirect recruiting.
    IndirectReferral,
    /// A reward on the invitee's own recruiting or sales: 团队计酬.
    DownlineCompensation,
    /// A fee or purchase for the right to refer: 入门费.
    EntryFee,
    /// No limit on how many referrals an inviter is paid for.
    Uncapped,
}

impl Criterion {
    /// The stable code used in API errors.
    pub fn code(self) -> &'static str {
        match self {
            Criterion::IndirectReferral => "pyramid_indirect_referral",
            Criterion::DownlineCompensation => "pyramid_downline_compensation",
            Criterion::EntryFee => "pyramid_entry_fee",
            Criterion::Uncapped => "uncapped_inviter_rewards",
        }
    }
}

/// A program the guard accepted, with anything the shop should still hear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verdict {
    /// Lawful but worth a second look, such as a one-sided program.
    pub warnings: Vec<Warning>,
}

/// Something lawful but unwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Warning {
    /// A stable code (`one_sided`).
    pub code: &'static str,
    /// A sentence for the shop.
    pub message: String,
}

/// Refuses a program that breaks a criterion, naming it; accepts the rest,
/// with warnings. Run on create and on every update.
pub fn review(spec: &ProgramSpec) -> Result<Verdict, Invalid> {
    for (i, r) in spec.rewards.iter().enumerate() {
        if r.depth > 1 {
            return Err(refuse(
                format!("rewards[{i}].depth"),
                Criterion::IndirectReferral,
                format!(
                    "a reward at depth {} pays on a referral's own referrals; Pond pays direct referrals only \
                     (禁止传销条例 Art. 7(1), paying for indirect recruiting)",
                    r.depth
                ),
            ));
        }
        if r.basis != Basis::Referral {
            return Err(refuse(
                format!("rewards[{i}].basis"),
                Criterion::DownlineCompensation,
                "a reward may not depend on the invitee's own recruiting or sales \
                 (禁止传销条例 Art. 7(3), 团队计酬)",
            ));
        }
    }
    if spec.referrer_fee != 0 {
        return Err(refuse(
            "referrer_fee",
            Criterion::EntryFee,
            "members may not be charged for the right to refer (禁止传销条例 Art. 7(2), 入门费)",
        ));
    }
    if spec.purchase_required_to_refer {
        return Err(refuse(
            "purchase_required_to_refer",
            Criterion::EntryFee,
            "a purchase may qualify the invitee's reward, never the right to refer \
             (禁止传销条例 Art. 7(2), 入门费)",
        ));
    }
    match spec.inviter_cap {
        None | Some(0) => {
            return Err(refuse(
                "inviter_cap",
                Criterion::Uncapped,
                "set inviter_cap: the most referrals one inviter is rewarded for (Dropbox used 32)",
            ));
        }
        Some(_) => {}
    }

    let mut warnings = Vec::new();
    if !spec.rewards.iter().any(|r| r.side == Side::Invitee) {
        warnings.push(Warning {
            code: "one_sided",
            message:
                "the invitee gets nothing: fission lasts when both sides gain, and a one-sided \
                      ask spends the inviter's credit with friends"
                    .into(),
        });
    }
    Ok(Verdict { warnings })
}

fn refuse(field: impl Into<String>, c: Criterion, message: impl Into<String>) -> Invalid {
    Invalid::new(field, c.code(), message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::tests::dropbox;

    #[test]
    fn dropbox_passes_without_warnings() {
        assert!(review(&dropbox()).unwrap().warnings.is_empty());
    }

    #[test]
    fn depth_two_is_indirect_recruiting() {
        let mut p = dropbox();
        p.rewards[0].depth = 2;
        let e = review(&p).unwrap_err();
        assert_eq!(e.code, "pyramid_indirect_referral");
        assert_eq!(e.field, "rewards[0].depth");
        assert!(e.message.contains("Art. 7(1)"));
    }

    #[test]
    fn downline_sales_are_team_commission() {
        let mut p = dropbox();
        p.rewards[0].basis = Basis::InviteeSales;
        assert_eq!(
            review(&p).unwrap_err().code,
            "pyramid_downline_compensation"
        );
        p.rewards[0].basis = Basis::InviteeRecruiting;
        assert_eq!(
            review(&p).unwrap_err().code,
            "pyramid_downline_compensation"
        );
    }

    #[test]
    fn fees_and_purchases_to_refer_are_entry_fees() {
        let mut p = dropbox();
        p.referrer_fee = 99;
        assert_eq!(review(&p).unwrap_err().code, "pyramid_entry_fee");
        let mut p = dropbox();
        p.purchase_required_to_refer = true;
        assert_eq!(review(&p).unwrap_err().field, "purchase_required_to_refer");
    }

    #[test]
    fn a_cap_is_required() {
        let mut p = dropbox();
        p.inviter_cap = None;
        assert_eq!(review(&p).unwrap_err().code, "uncapped_inviter_rewards");
        p.inviter_cap = Some(0);
        assert_eq!(review(&p).unwrap_err().code, "uncapped_inviter_rewards");
    }

    #[test]
    fn one_sided_is_accepted_with_a_warning() {
        let mut p = dropbox();
        p.rewards.retain(|r| r.side == Side::Inviter);
        let v = review(&p).unwrap();
        assert_eq!(v.warnings[0].code, "one_sided");
    }
}
