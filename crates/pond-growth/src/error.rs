//! The crate's single error type.

use thiserror::Error;

/// Why a growth computation refused its input.
///
/// Every variant names what was wrong (a parameter field, or the member whose
/// record broke an invariant) so a caller can point the user at it.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum GrowthError {
    /// A numeric or structural parameter is outside its domain.
    #[error("invalid `{field}`: {reason}")]
    InvalidParameter {
        /// The parameter's name as it appears in the API (e.g. `conversion`).
        field: &'static str,
        /// What the value must satisfy.
        reason: String,
    },
    /// A fixed-point or root iteration ran out of its iteration budget.
    #[error("iteration did not converge within {iterations} steps (last estimate {last})")]
    NoConvergence {
        /// How many iterations were spent.
        iterations: u64,
        /// The last estimate, useful as a bound.
        last: f64,
    },
    /// The same member appears twice in the join records.
    #[error("member {member} has more than one join record")]
    DuplicateMember {
        /// The repeated member id.
        member: u64,
    },
    /// A member is the invitee of more than one referral edge, so the
    /// referrals do not form a forest (attribution should have kept one).
    #[error("member {invitee} is the invitee of more than one referral")]
    DuplicateInvitee {
        /// The member referred twice.
        invitee: u64,
    },
    /// A member referred themselves.
    #[error("member {member} is recorded as referring themselves")]
    SelfReferral {
        /// The member.
        member: u64,
    },
    /// Following inviters upwards from this member loops back (A→B→A).
    #[error("referral cycle through member {member}")]
    ReferralCycle {
        /// A member on the cycle.
        member: u64,
    },
    /// A member has no join record (and, for the forest, is nobody's
    /// invitee), so their join time (needed for cycle time and cohorts) is
    /// unknown.
    #[error("member {member} has no join record")]
    MissingJoin {
        /// The member without a join record.
        member: u64,
    },
    /// An invitee joined before their inviter did.
    #[error("invitee {invitee} joined before inviter {inviter}")]
    ReferralBeforeInviterJoined {
        /// The inviter.
        inviter: u64,
        /// The invitee.
        invitee: u64,
    },
}

impl GrowthError {
    /// Shorthand for [`GrowthError::InvalidParameter`].
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidParameter {
            field,
            reason: reason.into(),
        }
    }
}

/// Checks that `value` is finite and inside `[lo, hi]`.
pub(crate) fn check_range(
    field: &'static str,
    value: f64,
    lo: f64,
    hi: f64,
) -> Result<f64, GrowthError> {
    if !value.is_finite() {
        return Err(GrowthError::invalid(
            field,
            format!("must be a finite number, got {value}"),
        ));
    }
    if value < lo || value > hi {
        // An open-ended range reads better as a bound than as [0, 1.8e308].
        let expected = if hi == f64::MAX {
            format!("must be at least {lo}")
        } else {
            format!("must be in [{lo}, {hi}]")
        };
        return Err(GrowthError::invalid(
            field,
            format!("{expected}, got {value}"),
        ));
    }
    Ok(value)
}
