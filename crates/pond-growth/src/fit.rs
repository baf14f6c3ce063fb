//! The simulator's two inputs, K and cycle time, estimated from the
//! referrals a shop actually recorded.
//!
//! The estimate must not flatter the shop, nor punish it for being young:
//! a member who joined last week has had no time to refer anyone, and
//! counting them would bias K low. So K is measured over **mature**
//! members only — those who joined at least one `window` before the data's
//! end — counting the successful referrals each made within that window of
//! joining. Everyone then had the same chance, and the figure is what one
//! member brings in one window: the `K` of DOMAIN.md §3.
//!
//! The cycle time is the median, over the same mature members who referred
//! anyone within the window, of the time from their joining to their first
//! such referral: Skok's "time from a member joining to the members they
//! bring joining". A median, because a few slow referrers would drag a mean.
//!
//! Unlike [`crate::analytics::ReferralForest`], the input need not be a
//! forest: real data holds checkout attributions of people who were
//! customers long before, so only the inviter's join and the referral's own
//! instant are used.

use serde::{Deserialize, Serialize};

use crate::error::GrowthError;

/// One referral as the fit sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedReferral {
    /// Index of the inviter in the join times given to [`fit`].
    pub inviter: u32,
    /// When the friend came through the referral (ms since the Unix epoch).
    pub at_ms: i64,
    /// Whether it succeeded (in Pond: qualified, e.g. a first paid order).
    /// Only successful referrals count toward K and cycle time.
    pub successful: bool,
}

/// How the fit reads the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FitOptions {
    /// The end of the data (ms): later joins and referrals are ignored.
    pub as_of_ms: i64,
    /// How long after joining a member's referrals count (ms), which is also
    /// how old a member must be to be mature. Pond uses 60 days, the longer
    /// of the usual attribution windows (DOMAIN.md §1).
    pub window_ms: i64,
    /// Width of the periods of [`Fit::k_by_period`] (ms).
    pub period_ms: i64,
}

/// K for the members who joined in one period (K over time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitPeriod {
    /// Start of the period (ms), inclusive; periods are counted from the
    /// first join.
    pub period_start_ms: i64,
    /// Members who joined in the period.
    pub members: u64,
    /// Successful referrals they made within the window of joining.
    pub successful_referrals: u64,
    /// `successful_referrals / members`.
    pub k: f64,
    /// Whether every member of the period had a full window by `as_of`;
    /// a period that is not mature understates its K.
    pub mature: bool,
}

/// What the fit found, and the counts it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fit {
    /// Successful referrals per mature member within the window; `None`
    /// when no member is mature yet.
    pub k: Option<f64>,
    /// Median ms from a mature member's joining to their first successful
    /// referral within the window; `None` when none referred anyone.
    pub cycle_time_ms: Option<f64>,
    /// Members who joined by `as_of`.
    pub members: u64,
    /// Members who joined at least one window before `as_of`.
    pub mature_members: u64,
    /// Successful referrals by `as_of`, whoever made them.
    pub successful_referrals: u64,
    /// The successful referrals K counts: by mature members, within the
    /// window of their joining.
    pub counted_referrals: u64,
    /// Mature members with at least one counted referral (the cycle time's
    /// sample).
    pub referrers: u64,
    /// K by join period, oldest first; periods without members are left out.
    pub k_by_period: Vec<FitPeriod>,
}

/// Fits K and cycle time; `joined_at_ms[i]` is member `i`'s join.
///
/// A referral dated before its inviter joined (possible only in hand-edited
/// data) is ignored, as is anything after `as_of_ms`.
///
/// # Errors
/// [`GrowthError::InvalidParameter`] naming `window_ms` or `period_ms` (not
/// positive) or `referrals` (an inviter index outside `joined_at_ms`).
pub fn fit(
    joined_at_ms: &[i64],
    referrals: &[ObservedReferral],
    options: FitOptions,
) -> Result<Fit, GrowthError> {
    let FitOptions {
        as_of_ms,
        window_ms,
        period_ms,
    } = options;
    if window_ms <= 0 {
        return Err(GrowthError::invalid("window_ms", "must be positive"));
    }
    if period_ms <= 0 {
        return Err(GrowthError::invalid("period_ms", "must be positive"));
    }
    // Per member: counted referrals and the earliest one's delay.
    let mut counted = vec![0_u32; joined_at_ms.len()];
    let mut first_delay: Vec<Option<i64>> = vec![None; joined_at_ms.len()];
    let mut successful_referrals = 0_u64;
    for r in referrals {
        let Some(&joined) = joined_at_ms.get(r.inviter as usize) else {
            return Err(GrowthError::invalid(
                "referrals",
                format!(
                    "inviter {} is not among the {} members",
                    r.inviter,
                    joined_at_ms.len()
                ),
            ));
        };
        if !r.successful || r.at_ms > as_of_ms {
            continue;
        }
        successful_referrals += 1;
        let delay = i128::from(r.at_ms) - i128::from(joined);
        if delay < 0 || delay > i128::from(window_ms) {
            continue;
        }
        let v = r.inviter as usize;
        counted[v] += 1;
        let delay = delay as i64;
        first_delay[v] = Some(first_delay[v].map_or(delay, |d| d.min(delay)));
    }

    let mature_before = i128::from(as_of_ms) - i128::from(window_ms);
    let (mut members, mut mature_members, mut counted_referrals) = (0_u64, 0_u64, 0_u64);
    let mut delays = Vec::new();
    for (v, &joined) in joined_at_ms.iter().enumerate() {
        if joined > as_of_ms {
            continue;
        }
        members += 1;
        if i128::from(joined) <= mature_before {
            mature_members += 1;
            counted_referrals += u64::from(counted[v]);
            delays.extend(first_delay[v]);
        }
    }
    let k_by_period = periods(joined_at_ms, &counted, as_of_ms, window_ms, period_ms);
    Ok(Fit {
        k: (mature_members > 0).then(|| counted_referrals as f64 / mature_members as f64),
        cycle_time_ms: median(&mut delays),
        members,
        mature_members,
        successful_referrals,
        counted_referrals,
        referrers: delays.len() as u64,
        k_by_period,
    })
}

/// K per join period, counted from the first join up to `as_of`.
fn periods(
    joined_at_ms: &[i64],
    counted: &[u32],
    as_of_ms: i64,
    window_ms: i64,
    period_ms: i64,
) -> Vec<FitPeriod> {
    let Some(origin) = joined_at_ms
        .iter()
        .copied()
        .filter(|&j| j <= as_of_ms)
        .min()
    else {
        return Vec::new();
    };
    let mut buckets: std::collections::BTreeMap<i128, (u64, u64)> = Default::default();
    for (&joined, &n) in joined_at_ms.iter().zip(counted) {
        if joined <= as_of_ms {
            let i = (i128::from(joined) - i128::from(origin)) / i128::from(period_ms);
            let b = buckets.entry(i).or_default();
            b.0 += 1;
            b.1 += u64::from(n);
        }
    }
    buckets
        .into_iter()
        .map(|(i, (members, referrals))| {
            let start = i128::from(origin) + i * i128::from(period_ms);
            // The period's last joiner has a full window once
            // start + period + window ≤ as_of.
            let end = start + i128::from(period_ms) + i128::from(window_ms);
            FitPeriod {
                // Within i64: it is at most the join time of a member.
                period_start_ms: i64::try_from(start).unwrap_or(i64::MAX),
                members,
                successful_referrals: referrals,
                k: referrals as f64 / members as f64,
                mature: end <= i128::from(as_of_ms),
            }
        })
        .collect()
}

/// The median (the mean of the middle two for an even count).
fn median(values: &mut [i64]) -> Option<f64> {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2] as f64),
        _ => Some((values[n / 2 - 1] as f64 + values[n / 2] as f64) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    fn r(inviter: u32, day: i64, successful: bool) -> ObservedReferral {
        ObservedReferral {
            inviter,
            at_ms: day * DAY,
            successful,
        }
    }

    /// Members join on days 0, 10, 20, 150 and 190; as of day 200 with a
    /// 60-day window the first three are mature. Member 0 refers on days 4
    /// and 30 (counted) and 90 (outside its window); member 1 on day 16 and
    /// an unsuccessful one on day 11; member 2 on day 20 + 8 = 28; member 3
    /// (not mature) on day 151. K = 4 / 3; first delays 4, 6, 8 → median 6.
    #[test]
    fn mature_members_only_and_the_median_first_delay() {
        let joins = [0, 10 * DAY, 20 * DAY, 150 * DAY, 190 * DAY];
        let refs = [
            r(0, 4, true),
            r(0, 30, true),
            r(0, 90, true),
            r(1, 11, false),
            r(1, 16, true),
            r(2, 28, true),
            r(3, 151, true),
            r(3, 250, true),
        ];
        let opts = FitOptions {
            as_of_ms: 200 * DAY,
            window_ms: 60 * DAY,
            period_ms: 30 * DAY,
        };
        let f = fit(&joins, &refs, opts).unwrap();
        assert_eq!(f.members, 5);
        assert_eq!(f.mature_members, 3);
        assert_eq!(f.counted_referrals, 4);
        assert_eq!(f.successful_referrals, 6, "all successful by as_of");
        assert_eq!(f.k, Some(4.0 / 3.0));
        assert_eq!(f.cycle_time_ms, Some(6.0 * DAY as f64));
        assert_eq!(f.referrers, 3);
        let ks: Vec<(i64, u64, u64, bool)> = f
            .k_by_period
            .iter()
            .map(|p| {
                (
                    p.period_start_ms / DAY,
                    p.members,
                    p.successful_referrals,
                    p.mature,
                )
            })
            .collect();
        assert_eq!(
            ks,
            [(0, 3, 4, true), (150, 1, 1, false), (180, 1, 0, false)]
        );
    }

    #[test]
    fn empty_history_and_bad_input() {
        let opts = FitOptions {
            as_of_ms: 0,
            window_ms: DAY,
            period_ms: DAY,
        };
        let f = fit(&[], &[], opts).unwrap();
        assert_eq!((f.k, f.cycle_time_ms, f.members), (None, None, 0));
        assert!(f.k_by_period.is_empty());
        let err = fit(&[0], &[r(3, 0, true)], opts).unwrap_err();
        assert!(matches!(
            err,
            GrowthError::InvalidParameter {
                field: "referrals",
                ..
            }
        ));
        let bad = FitOptions {
            window_ms: 0,
            ..opts
        };
        assert!(fit(&[], &[], bad).is_err());
        // An even sample averages the middle two.
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2.5));
    }
}
