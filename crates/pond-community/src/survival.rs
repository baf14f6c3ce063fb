//! How long groups live: Kaplan–Meier survival curves with censoring.
//!
//! A group's **lifetime** runs from the day it was first seen to the day of
//! its last non-staff message. It has **died** when that message was
//! followed by at least `T` days of silence before the data ends (`T` is the
//! Dead threshold, [`crate::Thresholds::dead_after_days`], 30 by default):
//! the same rule that classifies a group as Dead. A group whose last message
//! is within `T` days of the data's end may still speak again: it is
//! **censored**, known to have lived at least that long. A group where no
//! customer ever spoke has a lifetime of 0 days.
//!
//! The estimator is S(t) = ∏ over death times t_j ≤ t of (1 − d_j / n_j),
//! with d_j the deaths at t_j and n_j the groups still at risk just before
//! it. Groups censored at t_j count as at risk at t_j (deaths are taken to
//! come first), the usual convention.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::GroupHistory;
use crate::rollup::day_number;

/// One group's observed lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Lifetime {
    /// Days from first seen to the last non-staff message (for a censored
    /// group: the days it is known to have lived so far).
    pub days: u32,
    /// Whether the death was observed (`false`: censored).
    pub died: bool,
}

impl Lifetime {
    /// A lifetime given directly (textbook data, or a store's own figures).
    #[must_use]
    pub fn new(days: u32, died: bool) -> Self {
        Lifetime { days, died }
    }

    /// A group's lifetime from the dates a store keeps: first seen, last
    /// non-staff message (`None`: never), the last day of the data, and the
    /// silence `dead_after_days` that marks a death. `None` when the group
    /// was first seen after `data_end`. A last message after `data_end` is
    /// taken as on `data_end`.
    #[must_use]
    pub fn from_last_activity(
        first_seen: Date,
        last_non_staff: Option<Date>,
        data_end: Date,
        dead_after_days: u32,
    ) -> Option<Self> {
        let last = last_non_staff.map(|d| d.min(data_end));
        let born = last.map_or(first_seen, |l| l.min(first_seen));
        if born > data_end {
            return None;
        }
        let last = last.unwrap_or(born);
        let days = u32::try_from(day_number(last) - day_number(born)).unwrap_or(0);
        let silent = i64::from(day_number(data_end)) - i64::from(day_number(last));
        Some(Lifetime {
            days,
            died: silent >= i64::from(dead_after_days),
        })
    }

    /// A group's lifetime read from its history up to `data_end` (see
    /// [`Lifetime::from_last_activity`]); rows before `first_seen` move the
    /// birth earlier.
    #[must_use]
    pub fn of(
        first_seen: Date,
        history: &GroupHistory,
        data_end: Date,
        dead_after_days: u32,
    ) -> Option<Self> {
        let born = history
            .first_day()
            .map_or(first_seen, |first| first.min(first_seen));
        Self::from_last_activity(
            born,
            history.last_non_staff_day(data_end),
            data_end,
            dead_after_days,
        )
    }
}

/// One step of a Kaplan–Meier curve: a day on which at least one group died
/// or was censored.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KmPoint {
    /// Days since first seen.
    pub days: u32,
    /// Estimated share of groups still alive after this day, S(days).
    pub survival: f64,
    /// Groups at risk just before this day (n_j).
    pub at_risk: u32,
    /// Deaths on this day (d_j).
    pub deaths: u32,
    /// Groups censored on this day.
    pub censored: u32,
}

/// A Kaplan–Meier survival curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KaplanMeier {
    /// One point per distinct lifetime, in increasing days; survival is
    /// non-increasing and stays in [0, 1].
    pub points: Vec<KmPoint>,
    /// The smallest day at which survival is at most 0.5; `None` when the
    /// curve never falls that low (too much censoring, or long lives).
    pub median: Option<f64>,
    /// Groups in the sample.
    pub groups: u32,
    /// Observed deaths.
    pub deaths: u32,
}

impl KaplanMeier {
    /// Fits the curve to a sample of lifetimes (any order).
    #[must_use]
    pub fn fit(lifetimes: impl IntoIterator<Item = Lifetime>) -> Self {
        let mut sample: Vec<Lifetime> = lifetimes.into_iter().collect();
        sample.sort_unstable_by_key(|l| l.days);
        let groups = u32::try_from(sample.len()).unwrap_or(u32::MAX);
        let mut at_risk = groups;
        let mut survival = 1.0_f64;
        let mut points = Vec::new();
        let mut total_deaths = 0u32;
        let mut i = 0;
        while i < sample.len() {
            let days = sample[i].days;
            let (mut deaths, mut censored) = (0u32, 0u32);
            while i < sample.len() && sample[i].days == days {
                if sample[i].died {
                    deaths += 1;
                } else {
                    censored += 1;
                }
                i += 1;
            }
            if deaths > 0 {
                survival *= 1.0 - f64::from(deaths) / f64::from(at_risk);
            }
            points.push(KmPoint {
                days,
                survival,
                at_risk,
                deaths,
                censored,
            });
            at_risk -= deaths + censored;
            total_deaths += deaths;
        }
        let median = points
            .iter()
            .find(|p| p.survival <= 0.5)
            .map(|p| f64::from(p.days));
        KaplanMeier {
            points,
            median,
            groups,
            deaths: total_deaths,
        }
    }

    /// One curve per key (a channel, a campaign, a month of creation).
    #[must_use]
    pub fn by_key<K: Ord>(items: impl IntoIterator<Item = (K, Lifetime)>) -> BTreeMap<K, Self> {
        let mut samples: BTreeMap<K, Vec<Lifetime>> = BTreeMap::new();
        for (key, lifetime) in items {
            samples.entry(key).or_default().push(lifetime);
        }
        samples
            .into_iter()
            .map(|(key, sample)| (key, KaplanMeier::fit(sample)))
            .collect()
    }

    /// S(days): the estimated share of groups alive after `days` days
    /// (1 before the first death).
    #[must_use]
    pub fn survival_at(&self, days: u32) -> f64 {
        let seen = self.points.partition_point(|p| p.days <= days);
        seen.checked_sub(1)
            .map_or(1.0, |last| self.points[last].survival)
    }
}
