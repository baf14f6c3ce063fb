//! What a store keeps per group and day, and how it is built from events.
//!
//! A store never needs to keep messages to answer "is this group alive":
//! per group × day it keeps a [`DayRollup`] (counts of messages, senders,
//! joins, leaves, members at the end of the day) and per group × day × sender
//! a [`SenderDay`] (how many messages, and whether the sender is staff). The
//! per-sender rows are what distinct counts over a week or a month need; they
//! are only read for the 28 days before the date a metric is computed for, so
//! a store may prune older ones.
//!
//! A day is a civil day in the **shop's** time zone ([`day_of`]): a message
//! at 23:30 UTC belongs to the next day for a shop in Asia/Shanghai.
//!
//! [`Rollups`] builds both kinds of rows incrementally from events, in any
//! order; [`GroupHistory`] is the validated, sorted pair of row lists that
//! [`mod@crate::health`], [`crate::lifecycle`], [`mod@crate::census`] and
//! [`crate::survival`] read.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::CommunityError;

/// One group's figures for one day (in the shop's time zone).
///
/// Rows are sparse: a day without a row had no messages, joins or leaves,
/// and its member count is the previous row's `members_end_of_day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DayRollup {
    /// The civil day in the shop's time zone.
    pub day: Date,
    /// Messages posted that day, staff included.
    pub messages: u32,
    /// Distinct senders that day, staff included.
    pub senders: u32,
    /// Distinct senders that day who are not staff. A day is *active* when
    /// this is at least one.
    pub non_staff_senders: u32,
    /// Members who joined that day.
    pub joins: u32,
    /// Members who left (or were removed) that day.
    pub leaves: u32,
    /// Members in the group at the end of the day.
    pub members_end_of_day: u32,
}

impl DayRollup {
    /// An empty row for `day` with `members` at the end of it.
    #[must_use]
    pub fn quiet(day: Date, members: u32) -> Self {
        DayRollup {
            day,
            messages: 0,
            senders: 0,
            non_staff_senders: 0,
            joins: 0,
            leaves: 0,
            members_end_of_day: members,
        }
    }

    /// Whether at least one non-staff sender posted that day.
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.non_staff_senders > 0
    }
}

/// One sender's figures in one group on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SenderDay {
    /// The civil day in the shop's time zone.
    pub day: Date,
    /// The sender's identity as the store knows it.
    pub sender_id: u64,
    /// Messages the sender posted in the group that day.
    pub messages: u32,
    /// Whether the sender is the shop's staff. A sender flagged staff on any
    /// message of the day (or of a metric's window) counts as staff.
    pub staff: bool,
}

/// The civil day `instant` falls on in the shop's time zone `tz`.
///
/// ```
/// use jiff::{Timestamp, civil::date, tz::TimeZone};
/// let shanghai = TimeZone::get("Asia/Shanghai").unwrap();
/// let at: Timestamp = "2024-03-09T23:30:00Z".parse().unwrap();
/// assert_eq!(pond_community::day_of(at, &shanghai), date(2024, 3, 10));
/// assert_eq!(pond_community::day_of(at, &TimeZone::UTC), date(2024, 3, 9));
/// ```
#[must_use]
pub fn day_of(instant: Timestamp, tz: &TimeZone) -> Date {
    tz.to_datetime(instant).date()
}

/// Days since 1970-01-01 for a civil date (negative before it).
///
/// Civil dates have no time zone and no daylight saving, so differences of
/// day numbers are exact day counts. Integer arithmetic keeps the census
/// loops free of fallible date arithmetic.
pub fn day_number(d: Date) -> i32 {
    // Howard Hinnant's days_from_civil.
    let month = i32::from(d.month());
    let year = i32::from(d.year()) - i32::from(month <= 2);
    let era = if year >= 0 { year } else { year - 399 } / 400;
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + i32::from(d.day()) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The civil date of a day number (the inverse of [`day_number`]); `None`
/// outside the dates jiff can hold (years -9999 to 9999).
///
/// A report turns about a million rollup rows back into dates, and this
/// integer arithmetic is several times cheaper than adding a span to the
/// epoch.
#[must_use]
pub fn date_of_day(n: i32) -> Option<Date> {
    // Howard Hinnant's civil_from_days.
    let z = n.checked_add(719_468)?;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i32::from(month <= 2);
    Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()
}

/// A group's rollups, sorted and checked: the input of every metric.
///
/// Day rows are strictly increasing by day; sender rows strictly increasing
/// by (day, sender). Rows after the date a metric is computed for are
/// ignored, so one history can answer "as of" questions for any past date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupHistory {
    days: Vec<DayRollup>,
    senders: Vec<SenderDay>,
}

impl GroupHistory {
    /// Checks the ordering and builds the history. A store reading rows
    /// `ORDER BY day` and `ORDER BY day, sender_id` passes this check.
    ///
    /// # Errors
    ///
    /// [`CommunityError::DaysOutOfOrder`] or
    /// [`CommunityError::SendersOutOfOrder`] naming the first offending row.
    pub fn new(days: Vec<DayRollup>, senders: Vec<SenderDay>) -> Result<Self, CommunityError> {
        if let Some(pair) = days.windows(2).find(|w| w[0].day >= w[1].day) {
            return Err(CommunityError::DaysOutOfOrder {
                previous: pair[0].day,
                day: pair[1].day,
            });
        }
        if let Some(pair) = senders
            .windows(2)
            .find(|w| (w[0].day, w[0].sender_id) >= (w[1].day, w[1].sender_id))
        {
            return Err(CommunityError::SendersOutOfOrder {
                previous_day: pair[0].day,
                previous_sender_id: pair[0].sender_id,
                day: pair[1].day,
                sender_id: pair[1].sender_id,
            });
        }
        Ok(GroupHistory { days, senders })
    }

    /// The day rows, sorted by day.
    #[must_use]
    pub fn days(&self) -> &[DayRollup] {
        &self.days
    }

    /// The sender rows, sorted by (day, sender).
    #[must_use]
    pub fn senders(&self) -> &[SenderDay] {
        &self.senders
    }

    /// Gives the rows back.
    #[must_use]
    pub fn into_parts(self) -> (Vec<DayRollup>, Vec<SenderDay>) {
        (self.days, self.senders)
    }

    /// The earliest day with any row, of either kind.
    #[must_use]
    pub fn first_day(&self) -> Option<Date> {
        match (self.days.first(), self.senders.first()) {
            (Some(d), Some(s)) => Some(d.day.min(s.day)),
            (Some(d), None) => Some(d.day),
            (None, Some(s)) => Some(s.day),
            (None, None) => None,
        }
    }

    /// The last day on or before `as_of` with a non-staff message.
    #[must_use]
    pub fn last_non_staff_day(&self, as_of: Date) -> Option<Date> {
        self.days_until(as_of)
            .iter()
            .rev()
            .find(|r| r.is_active())
            .map(|r| r.day)
    }

    /// Whether anyone (staff included) posted on or before `as_of`.
    #[must_use]
    pub fn has_messages(&self, as_of: Date) -> bool {
        self.days_until(as_of).iter().any(|r| r.messages > 0)
    }

    /// Members at the end of `as_of`: the last row on or before it, if any.
    #[must_use]
    pub fn members_on(&self, as_of: Date) -> Option<u32> {
        self.days_until(as_of).last().map(|r| r.members_end_of_day)
    }

    /// Day rows on or before `as_of`.
    pub(crate) fn days_until(&self, as_of: Date) -> &[DayRollup] {
        let end = self.days.partition_point(|r| r.day <= as_of);
        &self.days[..end]
    }

    /// Sender rows whose day number lies in `first..=last`.
    pub(crate) fn senders_between(&self, first: i32, last: i32) -> &[SenderDay] {
        // Bounds as dates once, rather than every probed row as a number.
        let bound = |n: i32| date_of_day(n).unwrap_or(if n < 0 { Date::MIN } else { Date::MAX });
        let (first, last) = (bound(first), bound(last));
        let start = self.senders.partition_point(|r| r.day < first);
        let end = self.senders.partition_point(|r| r.day <= last);
        &self.senders[start..end.max(start)]
    }
}

/// Figures for one day while events are being added.
#[derive(Debug, Clone, Default)]
struct DayTally {
    messages: u32,
    joins: u32,
    leaves: u32,
    /// sender → (messages, staff)
    senders: BTreeMap<u64, (u32, bool)>,
}

/// Builds a group's [`DayRollup`]s and [`SenderDay`]s from events, without
/// keeping the messages.
///
/// Events may arrive in any order (an import, a late webhook): member counts
/// are derived at read time from the starting count plus each day's joins
/// minus leaves (never below zero). Each `record_*` method returns the day
/// the event was counted on, so a store can upsert just that row.
#[derive(Debug, Clone)]
pub struct Rollups {
    tz: TimeZone,
    members_at_start: u32,
    days: BTreeMap<Date, DayTally>,
}

impl Rollups {
    /// An empty accumulator for a group of a shop in time zone `tz`, with no
    /// members before its first event.
    #[must_use]
    pub fn new(tz: TimeZone) -> Self {
        Self::with_members_at_start(tz, 0)
    }

    /// An empty accumulator for a group that already had `members` before
    /// its first recorded event (for instance when tracking starts on a
    /// group that existed before Pond).
    #[must_use]
    pub fn with_members_at_start(tz: TimeZone, members: u32) -> Self {
        Rollups {
            tz,
            members_at_start: members,
            days: BTreeMap::new(),
        }
    }

    /// The shop's time zone days are counted in.
    #[must_use]
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    fn tally(&mut self, at: Timestamp) -> (Date, &mut DayTally) {
        let day = day_of(at, &self.tz);
        (day, self.days.entry(day).or_default())
    }

    /// Counts one message from `sender_id` at `at`. `staff` marks the shop's
    /// own accounts; a sender flagged staff on any message of a day is staff
    /// for that day.
    pub fn record_message(&mut self, at: Timestamp, sender_id: u64, staff: bool) -> Date {
        let (day, tally) = self.tally(at);
        tally.messages = tally.messages.saturating_add(1);
        let entry = tally.senders.entry(sender_id).or_insert((0, false));
        entry.0 = entry.0.saturating_add(1);
        entry.1 |= staff;
        day
    }

    /// Counts one member joining at `at`.
    pub fn record_join(&mut self, at: Timestamp) -> Date {
        let (day, tally) = self.tally(at);
        tally.joins = tally.joins.saturating_add(1);
        day
    }

    /// Counts one member leaving (or being removed) at `at`.
    pub fn record_leave(&mut self, at: Timestamp) -> Date {
        let (day, tally) = self.tally(at);
        tally.leaves = tally.leaves.saturating_add(1);
        day
    }

    /// One row per day with any event, sorted by day.
    #[must_use]
    pub fn day_rollups(&self) -> Vec<DayRollup> {
        let mut members = self.members_at_start;
        self.days
            .iter()
            .map(|(&day, t)| {
                members = members.saturating_add(t.joins).saturating_sub(t.leaves);
                let staff = t.senders.values().filter(|(_, staff)| *staff).count();
                DayRollup {
                    day,
                    messages: t.messages,
                    senders: count_u32(t.senders.len()),
                    non_staff_senders: count_u32(t.senders.len() - staff),
                    joins: t.joins,
                    leaves: t.leaves,
                    members_end_of_day: members,
                }
            })
            .collect()
    }

    /// The row for one day (with the member count carried from earlier
    /// days), or `None` when nothing happened that day.
    #[must_use]
    pub fn day(&self, day: Date) -> Option<DayRollup> {
        self.days.get(&day)?;
        self.day_rollups().into_iter().find(|r| r.day == day)
    }

    /// One row per sender and day, sorted by (day, sender).
    #[must_use]
    pub fn sender_days(&self) -> Vec<SenderDay> {
        self.days
            .iter()
            .flat_map(|(&day, t)| {
                t.senders
                    .iter()
                    .map(move |(&sender_id, &(messages, staff))| SenderDay {
                        day,
                        sender_id,
                        messages,
                        staff,
                    })
            })
            .collect()
    }

    /// Both kinds of rows as a [`GroupHistory`] (sorted by construction).
    #[must_use]
    pub fn history(&self) -> GroupHistory {
        GroupHistory {
            days: self.day_rollups(),
            senders: self.sender_days(),
        }
    }
}

/// A count that does not fit in `u32` saturates (a day has far fewer
/// senders than that).
fn count_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn day_numbers_match_jiff() {
        let epoch = date(1970, 1, 1);
        for d in [
            date(1970, 1, 1),
            date(1969, 12, 31),
            date(2000, 2, 29),
            date(2024, 3, 1),
            date(1600, 3, 1),
            date(-9999, 1, 1),
            date(9999, 12, 31),
        ] {
            let expected = d.duration_since(epoch).as_secs() / 86_400;
            assert_eq!(i64::from(day_number(d)), expected, "{d}");
        }
    }

    #[test]
    fn day_numbers_turn_back_into_their_dates() {
        let mut d = date(-9999, 1, 1);
        // Every day of every year jiff holds, leap rules included.
        loop {
            assert_eq!(date_of_day(day_number(d)), Some(d));
            let Ok(next) = d.tomorrow() else { break };
            d = next;
        }
        let first = day_number(Date::MIN);
        let last = day_number(Date::MAX);
        assert_eq!(date_of_day(first - 1), None);
        assert_eq!(date_of_day(last + 1), None);
        assert_eq!(date_of_day(i32::MIN), None);
        assert_eq!(date_of_day(i32::MAX), None);
    }
}
