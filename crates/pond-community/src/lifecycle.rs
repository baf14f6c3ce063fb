//! Lifecycle states of a group: New, Active, Declining, Dormant, Dead.
//!
//! No platform publishes a "dead group" threshold, so the defaults in
//! [`Thresholds`] are a documented starting point to calibrate on the shop's
//! own data (see the crate README for the reasoning and the published
//! neighbours). With the defaults, [`classify`] decides in this order:
//!
//! 1. **New** while fewer than 14 days have passed since the group was first
//!    seen (day 13 is new, day 14 is not): too young to judge.
//! 2. **Dead** after 30 or more days without a non-staff message.
//! 3. **Dormant** after 7 to 29 days without a non-staff message.
//! 4. **Declining** when the distinct non-staff posters of the last 7 days
//!    fall below half of the weekly average of the last 28 days (the average
//!    of the four weekly distinct-poster counts, the current week included;
//!    weeks that ended before the group was first seen are left out).
//! 5. **Active** otherwise.
//!
//! Silence counts whole days after the last non-staff message up to and
//! including `as_of`: a message yesterday means 1 silent day. A group where
//! no customer ever spoke is silent since it was first seen. Messages from
//! staff never count: a group kept talking only by the shop is not alive.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::health::distinct_non_staff;
use crate::rollup::day_number;
use crate::{CommunityError, GroupHistory};

/// Where a group stands in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Too young to judge.
    New,
    /// Customers are talking.
    Active,
    /// Customers still talk, but far fewer of them than of late.
    Declining,
    /// No customer has spoken for a while (default 7–29 days).
    Dormant,
    /// No customer has spoken for a long time (default 30 days or more).
    Dead,
}

impl State {
    /// Every state, in lifecycle order.
    pub const ALL: [State; 5] = [
        State::New,
        State::Active,
        State::Declining,
        State::Dormant,
        State::Dead,
    ];

    /// The state's lower-case name, as serialized.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            State::New => "new",
            State::Active => "active",
            State::Declining => "declining",
            State::Dormant => "dormant",
            State::Dead => "dead",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The limits [`classify`] applies. `Default` gives the suggested starting
/// point of the domain notes; every field can be overridden (and a partial
/// config deserializes with the rest defaulted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Thresholds {
    /// A group is New for this many days after it was first seen (14).
    pub new_for_days: u32,
    /// Dormant from this many days without a non-staff message (7).
    pub dormant_after_days: u32,
    /// Dead from this many days without a non-staff message (30). Also the
    /// silence that marks a death in [`crate::survival`].
    pub dead_after_days: u32,
    /// Declining when the last 7 days' distinct non-staff posters fall
    /// below this share of the weekly average (0.5).
    pub declining_ratio: f64,
    /// How many weeks, ending at the date classified, make the weekly
    /// average (4, i.e. 28 days). Sender rows are read this far back.
    pub baseline_weeks: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            new_for_days: 14,
            dormant_after_days: 7,
            dead_after_days: 30,
            declining_ratio: 0.5,
            baseline_weeks: 4,
        }
    }
}

impl Thresholds {
    /// Checks that the thresholds describe a sensible lifecycle. [`classify`]
    /// accepts any values (checks run in a fixed order), but a config file
    /// should be validated when it is loaded.
    ///
    /// # Errors
    ///
    /// [`CommunityError::InvalidThreshold`] naming the field.
    pub fn validate(&self) -> Result<(), CommunityError> {
        let invalid = |field, reason: &str| {
            Err(CommunityError::InvalidThreshold {
                field,
                reason: reason.to_owned(),
            })
        };
        if self.dormant_after_days == 0 {
            return invalid("dormant_after_days", "must be at least 1");
        }
        if self.dead_after_days <= self.dormant_after_days {
            return invalid("dead_after_days", "must be greater than dormant_after_days");
        }
        if !(self.declining_ratio > 0.0 && self.declining_ratio <= 1.0) {
            return invalid("declining_ratio", "must be in (0, 1]");
        }
        if !(1..=52).contains(&self.baseline_weeks) {
            return invalid("baseline_weeks", "must be between 1 and 52");
        }
        Ok(())
    }
}

/// Why [`classify`] chose a state, with the figures it compared. `Display`
/// gives the sentence shown to the operator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Reason {
    /// The group is younger than the New threshold.
    New {
        /// Days since the group was first seen.
        age_days: u32,
        /// [`Thresholds::new_for_days`].
        new_for_days: u32,
    },
    /// Active: enough distinct customers posted in the last 7 days.
    Active {
        /// Distinct non-staff posters in the 7 days ending at the date.
        posters_7: u32,
        /// Average weekly distinct non-staff posters over the baseline.
        weekly_average: f64,
        /// The last day with a non-staff message.
        last_non_staff_activity: Option<Date>,
    },
    /// Declining: the last 7 days' posters fell below the ratio.
    Declining {
        /// Distinct non-staff posters in the 7 days ending at the date.
        posters_7: u32,
        /// Average weekly distinct non-staff posters over the baseline.
        weekly_average: f64,
        /// [`Thresholds::declining_ratio`].
        ratio: f64,
    },
    /// Dormant: silent for at least the dormant threshold.
    Dormant {
        /// Days without a non-staff message, up to the date.
        silent_days: u32,
        /// The last day with a non-staff message (`None`: never).
        last_non_staff_activity: Option<Date>,
        /// [`Thresholds::dormant_after_days`].
        dormant_after_days: u32,
    },
    /// Dead: silent for at least the dead threshold.
    Dead {
        /// Days without a non-staff message, up to the date.
        silent_days: u32,
        /// The last day with a non-staff message (`None`: never).
        last_non_staff_activity: Option<Date>,
        /// [`Thresholds::dead_after_days`].
        dead_after_days: u32,
    },
}

impl Reason {
    /// The state this reason justifies.
    #[must_use]
    pub fn state(&self) -> State {
        match self {
            Reason::New { .. } => State::New,
            Reason::Active { .. } => State::Active,
            Reason::Declining { .. } => State::Declining,
            Reason::Dormant { .. } => State::Dormant,
            Reason::Dead { .. } => State::Dead,
        }
    }
}

/// "last on 2024-05-01" or "never".
struct LastActive(Option<Date>);

impl fmt::Display for LastActive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(day) => write!(f, "last one on {day}"),
            None => f.write_str("none ever"),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Reason::New {
                age_days,
                new_for_days,
            } => write!(
                f,
                "new: first seen {age_days} days ago (groups are new for {new_for_days} days)"
            ),
            Reason::Active {
                posters_7,
                weekly_average,
                last_non_staff_activity,
            } => {
                write!(
                    f,
                    "active: {posters_7} customers posted in the last 7 days \
                     (weekly average {weekly_average:.1})"
                )?;
                if let Some(day) = last_non_staff_activity {
                    write!(f, ", last customer message on {day}")?;
                }
                Ok(())
            }
            Reason::Declining {
                posters_7,
                weekly_average,
                ratio,
            } => write!(
                f,
                "declining: {posters_7} customers posted in the last 7 days, below {:.0}% of \
                 the weekly average {weekly_average:.1}",
                ratio * 100.0
            ),
            Reason::Dormant {
                silent_days,
                last_non_staff_activity,
                dormant_after_days,
            } => write!(
                f,
                "dormant: no customer message for {silent_days} days ({}; dormant from \
                 {dormant_after_days})",
                LastActive(last_non_staff_activity)
            ),
            Reason::Dead {
                silent_days,
                last_non_staff_activity,
                dead_after_days,
            } => write!(
                f,
                "dead: no customer message for {silent_days} days ({}; dead from \
                 {dead_after_days})",
                LastActive(last_non_staff_activity)
            ),
        }
    }
}

/// Classifies a group as of `as_of`.
///
/// `group_first_seen` is when the store first saw the group; if the history
/// has rows before it, the earliest row is taken instead (a group is never
/// younger than its data). A group not yet seen at `as_of` is New at age 0.
#[must_use]
pub fn classify(
    group_first_seen: Date,
    history: &GroupHistory,
    as_of: Date,
    thresholds: &Thresholds,
) -> (State, Reason) {
    let reason = reason(group_first_seen, history, as_of, thresholds);
    (reason.state(), reason)
}

fn reason(first_seen: Date, history: &GroupHistory, as_of: Date, t: &Thresholds) -> Reason {
    let today = day_number(as_of);
    let born = history
        .first_day()
        .map_or(first_seen, |first| first.min(first_seen));
    let born = day_number(born);
    let age = non_negative(today - born);
    if age < t.new_for_days {
        return Reason::New {
            age_days: age,
            new_for_days: t.new_for_days,
        };
    }

    let last = history.last_non_staff_day(as_of);
    let silent_days = non_negative(today - last.map_or(born, day_number));
    if silent_days >= t.dead_after_days {
        return Reason::Dead {
            silent_days,
            last_non_staff_activity: last,
            dead_after_days: t.dead_after_days,
        };
    }
    if silent_days >= t.dormant_after_days {
        return Reason::Dormant {
            silent_days,
            last_non_staff_activity: last,
            dormant_after_days: t.dormant_after_days,
        };
    }

    let (posters_7, weekly_average) = weekly_posters(history, today, born, t.baseline_weeks);
    if f64::from(posters_7) < t.declining_ratio * weekly_average {
        Reason::Declining {
            posters_7,
            weekly_average,
            ratio: t.declining_ratio,
        }
    } else {
        Reason::Active {
            posters_7,
            weekly_average,
            last_non_staff_activity: last,
        }
    }
}

/// Distinct non-staff posters of the week ending at `today`, and the
/// average over `weeks` weeks (at least one) of the weekly distinct counts,
/// leaving out weeks that ended before the group was born.
fn weekly_posters(history: &GroupHistory, today: i32, born: i32, weeks: u32) -> (u32, f64) {
    let mut this_week = 0;
    let mut sum = 0u64;
    let mut counted = 0u32;
    for k in 0..weeks.max(1) {
        let Some(end) = i32::try_from(k)
            .ok()
            .and_then(|k| k.checked_mul(7))
            .and_then(|back| today.checked_sub(back))
        else {
            break;
        };
        if k > 0 && end < born {
            break;
        }
        let posters = distinct_non_staff(history.senders_between(end - 6, end));
        if k == 0 {
            this_week = posters;
        }
        sum += u64::from(posters);
        counted += 1;
    }
    (this_week, sum as f64 / f64::from(counted.max(1)))
}

fn non_negative(days: i32) -> u32 {
    u32::try_from(days).unwrap_or(0)
}

/// A change of state from one day to the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    /// The first day in the new state.
    pub day: Date,
    /// The state the day before.
    pub from: State,
    /// The state on `day`.
    pub to: State,
    /// Why the group is in `to` on `day`.
    pub reason: Reason,
}

/// Every change of state on the days after `from` up to and including
/// `to`, classifying each day in turn. Empty when `to <= from`.
#[must_use]
pub fn transitions(
    group_first_seen: Date,
    history: &GroupHistory,
    from: Date,
    to: Date,
    thresholds: &Thresholds,
) -> Vec<Transition> {
    let mut found = Vec::new();
    let mut previous = classify(group_first_seen, history, from, thresholds).0;
    let mut day = from;
    while day < to {
        let Ok(next) = day.tomorrow() else { break };
        day = next;
        let (state, reason) = classify(group_first_seen, history, day, thresholds);
        if state != previous {
            found.push(Transition {
                day,
                from: previous,
                to: state,
                reason,
            });
            previous = state;
        }
    }
    found
}

/// The first day after `from`, up to and including `to`, on which the group
/// turned Declining (from any other state), for the "this group is cooling
/// down" warning. A nightly job passes yesterday and today. The returned
/// [`Transition::from`] lets the caller warn only about groups that were
/// Active.
#[must_use]
pub fn turned_declining(
    group_first_seen: Date,
    history: &GroupHistory,
    from: Date,
    to: Date,
    thresholds: &Thresholds,
) -> Option<Transition> {
    transitions(group_first_seen, history, from, to, thresholds)
        .into_iter()
        .find(|t| t.to == State::Declining)
}
