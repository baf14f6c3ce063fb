//! Measurements over the referrals a shop actually recorded.
//!
//! The input is the referral forest (who brought whom, each member at most
//! once: attribution has already picked one inviter) plus every member's
//! join. The outputs are the numbers the simulators take as input (K, cycle
//! time) and the ones a shop owner asks about (how much of our growth is
//! word of mouth?). Subtree sizes are reported for analysis only: Pond never
//! pays on anything but direct referrals (DOMAIN.md §2).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::error::GrowthError;

/// One successful referral: `inviter` brought `invitee`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralEdge {
    /// The member who referred.
    pub inviter: u64,
    /// The member who joined through the referral.
    pub invitee: u64,
    /// When the invitee joined (ms since the Unix epoch); used when the
    /// invitee has no [`MemberJoin`] record (the join record wins otherwise).
    pub invitee_joined_at_ms: i64,
    /// Whether a reward was on offer for this referral. `false` means the
    /// member came by word of mouth with no incentive running.
    pub incentivised: bool,
}

/// One member's join.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberJoin {
    /// The member.
    pub member: u64,
    /// When they joined (ms since the Unix epoch).
    pub joined_at_ms: i64,
    /// Optional cohort label (e.g. `"2024-05"` or a campaign name).
    pub cohort: Option<String>,
    /// The member said a friend told them, though no referral was recorded
    /// (e.g. a "how did you hear about us?" answer). Counts as organic.
    pub declared_friend_referral: bool,
}

/// K for one cohort: successful referrals per member of the cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortK {
    /// The cohort label; `None` groups members without one.
    pub cohort: Option<String>,
    /// Members in the cohort.
    pub members: u64,
    /// Referrals made by members of the cohort (whatever the invitees'
    /// cohorts).
    pub successful_referrals: u64,
    /// `successful_referrals / members`.
    pub k: f64,
    /// The invites × conversion decomposition, when invite counts were given.
    pub invites: Option<InviteBreakdown>,
}

/// K for the members who joined in one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodK {
    /// Start of the period (ms since the Unix epoch), inclusive.
    pub period_start_ms: i64,
    /// Members who joined in the period.
    pub members: u64,
    /// Referrals they made (within the window, if one was given).
    pub successful_referrals: u64,
    /// `successful_referrals / members`.
    pub k: f64,
}

/// K as invites per member × conversion per invite (DOMAIN.md §3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InviteBreakdown {
    /// Invites sent.
    pub invites_sent: u64,
    /// `invites_sent / members`.
    pub invites_per_member: f64,
    /// `successful referrals / invites_sent`; `None` without invites. Above
    /// 1 means referrals arrived through uncounted channels (a shared link).
    pub conversion: Option<f64>,
    /// `invites_per_member × conversion`; equals the plain K whenever
    /// invites were sent.
    pub k: Option<f64>,
}

/// How the members who joined in a window arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferralMix {
    /// Members who joined in the window.
    pub members: u64,
    /// Referred with no incentive running, or declared "a friend told me".
    pub organic: u64,
    /// Referred while an incentive was on offer.
    pub incentivised: u64,
    /// Neither: came on their own, or source unknown.
    pub unattributed: u64,
    /// `organic / members` (0 when there are no members). A flower studio
    /// reports 15 % (DOMAIN.md §1).
    pub organic_rate: f64,
    /// `incentivised / members` (0 when there are no members).
    pub incentivised_rate: f64,
}

/// Computes `invites × conversion` from raw counts.
///
/// # Errors
/// [`GrowthError::InvalidParameter`] naming `members` when it is 0.
pub fn k_from_invites(
    members: u64,
    invites_sent: u64,
    successful_referrals: u64,
) -> Result<InviteBreakdown, GrowthError> {
    if members == 0 {
        return Err(GrowthError::invalid("members", "must be at least 1"));
    }
    let invites_per_member = invites_sent as f64 / members as f64;
    let conversion = (invites_sent > 0).then(|| successful_referrals as f64 / invites_sent as f64);
    Ok(InviteBreakdown {
        invites_sent,
        invites_per_member,
        conversion,
        k: conversion.map(|c| invites_per_member * c),
    })
}

/// A validated referral forest with per-member figures precomputed.
#[derive(Debug, Clone)]
pub struct ReferralForest {
    index: HashMap<u64, usize>,
    ids: Vec<u64>,
    joined_at: Vec<i64>,
    cohort: Vec<Option<String>>,
    declared: Vec<bool>,
    parent: Vec<Option<usize>>,
    /// The incoming referral's `incentivised` flag; `None` for roots.
    incentivised: Vec<Option<bool>>,
    children: Vec<Vec<usize>>,
    generation: Vec<u32>,
    subtree: Vec<u64>,
}

impl ReferralForest {
    /// Validates and indexes the referrals.
    ///
    /// Members named only as invitees get their join time from the edge.
    ///
    /// # Errors
    /// [`GrowthError::DuplicateMember`] (two join records for one member),
    /// [`GrowthError::SelfReferral`], [`GrowthError::DuplicateInvitee`]
    /// (a member referred twice), [`GrowthError::MissingJoin`] (an inviter
    /// nobody knows the join time of),
    /// [`GrowthError::ReferralBeforeInviterJoined`] and
    /// [`GrowthError::ReferralCycle`].
    pub fn build(joins: &[MemberJoin], edges: &[ReferralEdge]) -> Result<Self, GrowthError> {
        let mut forest = Self {
            index: HashMap::with_capacity(joins.len() + edges.len()),
            ids: Vec::new(),
            joined_at: Vec::new(),
            cohort: Vec::new(),
            declared: Vec::new(),
            parent: Vec::new(),
            incentivised: Vec::new(),
            children: Vec::new(),
            generation: Vec::new(),
            subtree: Vec::new(),
        };
        for j in joins {
            if forest.index.contains_key(&j.member) {
                return Err(GrowthError::DuplicateMember { member: j.member });
            }
            forest.push(
                j.member,
                j.joined_at_ms,
                j.cohort.clone(),
                j.declared_friend_referral,
            );
        }
        // Invitees first, so an inviter who is someone else's invitee is
        // known whatever the edge order.
        let mut referred = HashSet::with_capacity(edges.len());
        for e in edges {
            if e.inviter == e.invitee {
                return Err(GrowthError::SelfReferral { member: e.inviter });
            }
            if !referred.insert(e.invitee) {
                return Err(GrowthError::DuplicateInvitee { invitee: e.invitee });
            }
            if !forest.index.contains_key(&e.invitee) {
                forest.push(e.invitee, e.invitee_joined_at_ms, None, false);
            }
        }
        for e in edges {
            let (Some(&child), Some(&parent)) =
                (forest.index.get(&e.invitee), forest.index.get(&e.inviter))
            else {
                return Err(GrowthError::MissingJoin { member: e.inviter });
            };
            if forest.joined_at[child] < forest.joined_at[parent] {
                return Err(GrowthError::ReferralBeforeInviterJoined {
                    inviter: e.inviter,
                    invitee: e.invitee,
                });
            }
            forest.parent[child] = Some(parent);
            forest.incentivised[child] = Some(e.incentivised);
            forest.children[parent].push(child);
        }
        forest.compute_generations()?;
        forest.compute_subtrees();
        Ok(forest)
    }

    fn push(&mut self, id: u64, joined_at: i64, cohort: Option<String>, declared: bool) {
        self.index.insert(id, self.ids.len());
        self.ids.push(id);
        self.joined_at.push(joined_at);
        self.cohort.push(cohort);
        self.declared.push(declared);
        self.parent.push(None);
        self.incentivised.push(None);
        self.children.push(Vec::new());
    }

    /// Depth from the organic roots, iteratively (a long chain must not
    /// overflow the stack), detecting cycles on the way.
    fn compute_generations(&mut self) -> Result<(), GrowthError> {
        const UNSEEN: u8 = 0;
        const ON_PATH: u8 = 1;
        const DONE: u8 = 2;
        let n = self.ids.len();
        let mut state = vec![UNSEEN; n];
        let mut generation = vec![0_u32; n];
        let mut path = Vec::new();
        for start in 0..n {
            if state[start] == DONE {
                continue;
            }
            path.clear();
            let mut cur = start;
            // The generation of the last member pushed on the path.
            let base = loop {
                match state[cur] {
                    DONE => break generation[cur].saturating_add(1),
                    ON_PATH => {
                        return Err(GrowthError::ReferralCycle {
                            member: self.ids[cur],
                        });
                    }
                    _ => {
                        state[cur] = ON_PATH;
                        path.push(cur);
                        match self.parent[cur] {
                            Some(p) => cur = p,
                            None => break 0,
                        }
                    }
                }
            };
            for (depth, &member) in path.iter().rev().enumerate() {
                generation[member] = base.saturating_add(u32::try_from(depth).unwrap_or(u32::MAX));
                state[member] = DONE;
            }
        }
        self.generation = generation;
        Ok(())
    }

    fn compute_subtrees(&mut self) {
        let mut by_depth: Vec<usize> = (0..self.ids.len()).collect();
        by_depth.sort_unstable_by_key(|&v| std::cmp::Reverse(self.generation[v]));
        let mut subtree = vec![1_u64; self.ids.len()];
        for v in by_depth {
            if let Some(p) = self.parent[v] {
                subtree[p] += subtree[v];
            }
        }
        self.subtree = subtree;
    }

    /// Number of members known to the forest.
    pub fn member_count(&self) -> usize {
        self.ids.len()
    }

    /// Depth from the member's organic root (the root itself is generation
    /// 0); `None` for an unknown member.
    pub fn generation(&self, member: u64) -> Option<u32> {
        self.index.get(&member).map(|&v| self.generation[v])
    }

    /// Who referred `member`; `None` for roots and unknown members.
    pub fn inviter_of(&self, member: u64) -> Option<u64> {
        let v = *self.index.get(&member)?;
        self.parent[v].map(|p| self.ids[p])
    }

    /// Successful referrals made by `member`; `None` for an unknown member.
    pub fn direct_referrals(&self, member: u64) -> Option<u64> {
        self.index
            .get(&member)
            .map(|&v| self.children[v].len() as u64)
    }

    /// Members in `member`'s referral subtree, the member included; `None`
    /// for an unknown member. For analysis only: rewards never depend on it.
    pub fn subtree_size(&self, member: u64) -> Option<u64> {
        self.index.get(&member).map(|&v| self.subtree[v])
    }

    /// Members per generation (index 0 = roots): the observed counterpart
    /// of a simulation's `generation_sizes`.
    pub fn generation_counts(&self) -> Vec<u64> {
        let mut counts = Vec::new();
        for &g in &self.generation {
            let g = g as usize;
            if counts.len() <= g {
                counts.resize(g + 1, 0);
            }
            counts[g] += 1;
        }
        counts
    }

    /// K per cohort, ordered by cohort label (unlabelled first). When
    /// `invites_sent` (invites per member) is given, each cohort also gets
    /// its invites × conversion breakdown; members missing from the map
    /// sent none.
    pub fn k_by_cohort(&self, invites_sent: Option<&HashMap<u64, u64>>) -> Vec<CohortK> {
        let mut groups: BTreeMap<Option<&str>, (u64, u64, u64)> = BTreeMap::new();
        for v in 0..self.ids.len() {
            let entry = groups.entry(self.cohort[v].as_deref()).or_default();
            entry.0 += 1;
            entry.1 += self.children[v].len() as u64;
            entry.2 += invites_sent
                .and_then(|m| m.get(&self.ids[v]))
                .copied()
                .unwrap_or(0);
        }
        groups
            .into_iter()
            .map(|(cohort, (members, referrals, invites))| CohortK {
                cohort: cohort.map(str::to_owned),
                members,
                successful_referrals: referrals,
                k: referrals as f64 / members as f64,
                invites: invites_sent
                    .and_then(|_| k_from_invites(members, invites, referrals).ok()),
            })
            .collect()
    }

    /// K per join period: members who joined in
    /// `[origin_ms + i·period_ms, origin_ms + (i+1)·period_ms)` and the
    /// referrals they made. Periods without members are omitted; members
    /// who joined before `origin_ms` are ignored.
    ///
    /// Recent periods have had less time to refer, so their K is biased
    /// low; pass `within_ms` to count only referrals whose invitee joined
    /// within that long of the inviter, which makes periods comparable
    /// (as long as the newest period is at least `within_ms` old).
    ///
    /// # Errors
    /// [`GrowthError::InvalidParameter`] naming `period_ms` (not positive)
    /// or `within_ms` (negative).
    pub fn k_by_period(
        &self,
        origin_ms: i64,
        period_ms: i64,
        within_ms: Option<i64>,
    ) -> Result<Vec<PeriodK>, GrowthError> {
        if period_ms <= 0 {
            return Err(GrowthError::invalid("period_ms", "must be positive"));
        }
        if within_ms.is_some_and(|w| w < 0) {
            return Err(GrowthError::invalid("within_ms", "must not be negative"));
        }
        let mut periods: BTreeMap<i128, (u64, u64)> = BTreeMap::new();
        for v in 0..self.ids.len() {
            let since = i128::from(self.joined_at[v]) - i128::from(origin_ms);
            if since < 0 {
                continue;
            }
            let referrals = self.children[v]
                .iter()
                .filter(|&&c| {
                    within_ms.is_none_or(|w| {
                        i128::from(self.joined_at[c]) - i128::from(self.joined_at[v])
                            <= i128::from(w)
                    })
                })
                .count() as u64;
            let entry = periods.entry(since / i128::from(period_ms)).or_default();
            entry.0 += 1;
            entry.1 += referrals;
        }
        Ok(periods
            .into_iter()
            .map(|(i, (members, referrals))| PeriodK {
                // Within i64: it is at most the join time of a member.
                period_start_ms: i64::try_from(i128::from(origin_ms) + i * i128::from(period_ms))
                    .unwrap_or(i64::MAX),
                members,
                successful_referrals: referrals,
                k: referrals as f64 / members as f64,
            })
            .collect())
    }

    /// Viral cycle time: the median, over members who referred anyone, of
    /// the time from their joining to their first referral joining (ms).
    /// `None` when nobody has referred. An even count averages the middle
    /// two.
    pub fn viral_cycle_time_ms(&self) -> Option<f64> {
        let mut delays: Vec<i128> = (0..self.ids.len())
            .filter_map(|v| {
                let first = self.children[v].iter().map(|&c| self.joined_at[c]).min()?;
                Some(i128::from(first) - i128::from(self.joined_at[v]))
            })
            .collect();
        if delays.is_empty() {
            return None;
        }
        delays.sort_unstable();
        let mid = delays.len() / 2;
        Some(if delays.len() % 2 == 1 {
            delays[mid] as f64
        } else {
            (delays[mid - 1] + delays[mid]) as f64 / 2.0
        })
    }

    /// Members who joined at or before `to_ms` divided by those at or before
    /// `from_ms`; `None` when nobody had joined by `from_ms`.
    ///
    /// # Errors
    /// [`GrowthError::InvalidParameter`] naming `to_ms` when it is before
    /// `from_ms`.
    pub fn growth_multiple(&self, from_ms: i64, to_ms: i64) -> Result<Option<f64>, GrowthError> {
        if to_ms < from_ms {
            return Err(GrowthError::invalid("to_ms", "must not be before from_ms"));
        }
        let by = |t: i64| self.joined_at.iter().filter(|&&j| j <= t).count();
        let before = by(from_ms);
        Ok((before > 0).then(|| by(to_ms) as f64 / before as f64))
    }

    /// How the members who joined in `[from_ms, to_ms)` arrived: organic
    /// referral (a recorded referral with no incentive running, or a
    /// declared "a friend told me"), incentivised referral, or neither.
    ///
    /// # Errors
    /// [`GrowthError::InvalidParameter`] naming `to_ms` when it is before
    /// `from_ms`.
    pub fn referral_mix(&self, from_ms: i64, to_ms: i64) -> Result<ReferralMix, GrowthError> {
        if to_ms < from_ms {
            return Err(GrowthError::invalid("to_ms", "must not be before from_ms"));
        }
        let (mut members, mut organic, mut incentivised) = (0_u64, 0_u64, 0_u64);
        for v in 0..self.ids.len() {
            if !(from_ms..to_ms).contains(&self.joined_at[v]) {
                continue;
            }
            members += 1;
            match self.incentivised[v] {
                Some(true) => incentivised += 1,
                Some(false) => organic += 1,
                None if self.declared[v] => organic += 1,
                None => {}
            }
        }
        let rate = |x: u64| {
            if members == 0 {
                0.0
            } else {
                x as f64 / members as f64
            }
        };
        Ok(ReferralMix {
            members,
            organic,
            incentivised,
            unattributed: members - organic - incentivised,
            organic_rate: rate(organic),
            incentivised_rate: rate(incentivised),
        })
    }
}
