//! The operator's headline over all groups: how many have history, how many
//! were active every day of the last week, how many are in each state.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::health::streak_up_to;
use crate::{GroupHistory, Reason, State, Thresholds, classify};

/// How many groups are in each [`State`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StateCounts {
    /// Groups in [`State::New`].
    pub new: u32,
    /// Groups in [`State::Active`].
    pub active: u32,
    /// Groups in [`State::Declining`].
    pub declining: u32,
    /// Groups in [`State::Dormant`].
    pub dormant: u32,
    /// Groups in [`State::Dead`].
    pub dead: u32,
}

impl StateCounts {
    /// The count for one state.
    #[must_use]
    pub fn get(&self, state: State) -> u32 {
        match state {
            State::New => self.new,
            State::Active => self.active,
            State::Declining => self.declining,
            State::Dormant => self.dormant,
            State::Dead => self.dead,
        }
    }

    /// Counts one more group in `state`.
    pub fn add(&mut self, state: State) {
        let slot = match state {
            State::New => &mut self.new,
            State::Active => &mut self.active,
            State::Declining => &mut self.declining,
            State::Dormant => &mut self.dormant,
            State::Dead => &mut self.dead,
        };
        *slot = slot.saturating_add(1);
    }

    /// All groups counted.
    #[must_use]
    pub fn total(&self) -> u32 {
        State::ALL
            .iter()
            .fold(0u32, |sum, &s| sum.saturating_add(self.get(s)))
    }
}

/// A census of a shop's groups as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Census {
    /// The date the census describes (inclusive end of every window).
    pub as_of: Date,
    /// Groups counted, with or without history.
    pub groups: u32,
    /// Groups with at least one message (anyone's, staff included) on or
    /// before `as_of`: the operator's "groups with chat history".
    pub groups_with_history: u32,
    /// Groups where a non-staff sender posted on each of the 7 days ending
    /// at `as_of` (a day only staff posted on breaks the run).
    pub active_every_day_last_7_days: u32,
    /// Groups per lifecycle state; sums to `groups`.
    pub states: StateCounts,
}

impl Census {
    /// An empty census as of `as_of`.
    #[must_use]
    pub fn new(as_of: Date) -> Self {
        Census {
            as_of,
            groups: 0,
            groups_with_history: 0,
            active_every_day_last_7_days: 0,
            states: StateCounts::default(),
        }
    }

    /// Counts one group (first seen on `group_first_seen`) and returns its
    /// classification, so a report can list groups while it counts them.
    pub fn add(
        &mut self,
        group_first_seen: Date,
        history: &GroupHistory,
        thresholds: &Thresholds,
    ) -> (State, Reason) {
        let (state, reason) = classify(group_first_seen, history, self.as_of, thresholds);
        self.groups = self.groups.saturating_add(1);
        if history.has_messages(self.as_of) {
            self.groups_with_history = self.groups_with_history.saturating_add(1);
        }
        if streak_up_to(history, self.as_of, 7) >= 7 {
            self.active_every_day_last_7_days = self.active_every_day_last_7_days.saturating_add(1);
        }
        self.states.add(state);
        (state, reason)
    }

    /// A census of many groups, each given as (first seen, history).
    #[must_use]
    pub fn tally<'a>(
        groups: impl IntoIterator<Item = (Date, &'a GroupHistory)>,
        as_of: Date,
        thresholds: &Thresholds,
    ) -> Self {
        let mut census = Census::new(as_of);
        for (first_seen, history) in groups {
            census.add(first_seen, history, thresholds);
        }
        census
    }
}
