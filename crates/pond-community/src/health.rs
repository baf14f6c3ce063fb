//! Health metrics of one group as of a date.
//!
//! Every figure is computed from a [`GroupHistory`] and a date `as_of`;
//! rows after `as_of` are ignored. Windows end at `as_of` inclusive: the
//! 7-day window is `as_of − 6 ..= as_of`, the 28-day window
//! `as_of − 27 ..= as_of`.
//!
//! "Non-staff" is the measure of life: a day is active when at least one
//! non-staff sender posted, and within a window a sender flagged staff on any
//! of its days counts as staff for the whole window.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::GroupHistory;
use crate::rollup::{SenderDay, day_number};

/// Length of the short window, in days.
pub const WEEK_DAYS: i32 = 7;
/// Length of the long window, in days (four weeks, so weekly figures divide
/// it evenly).
pub const MONTH_DAYS: i32 = 28;

/// A group's health as of a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    /// The date the figures are computed for (inclusive end of every window).
    pub as_of: Date,
    /// Consecutive active days ending at `as_of` (0 when `as_of` itself had
    /// no non-staff message). Pass yesterday as `as_of` to count only
    /// complete days.
    pub streak_days: u32,
    /// Whether each of the 7 days ending at `as_of` was active.
    pub active_every_day_last_7: bool,
    /// Messages in the 7-day window, staff included.
    pub messages_7: u64,
    /// Messages in the 28-day window, staff included.
    pub messages_28: u64,
    /// Distinct senders in the 7-day window, staff included.
    pub senders_7: u32,
    /// Distinct senders in the 28-day window, staff included.
    pub senders_28: u32,
    /// Distinct non-staff senders in the 7-day window.
    pub non_staff_senders_7: u32,
    /// Distinct non-staff senders in the 28-day window.
    pub non_staff_senders_28: u32,
    /// Average daily non-staff senders over the 28-day window divided by the
    /// distinct non-staff senders of the window (DAU/MAU style), in [0, 1].
    /// 1 means every poster posted every day; 1/28 that each posted once.
    /// For a group younger than 28 days the average is over the days since
    /// its first row. `None` when no non-staff sender posted in the window.
    pub stickiness_28: Option<f64>,
    /// Distinct non-staff senders of the 28-day window over the members at
    /// the end of `as_of`, capped at 1 (senders who left still count as
    /// posters). `None` when the member count is unknown or zero.
    pub posted_share_28: Option<f64>,
    /// Members at the end of `as_of` (the last day row on or before it).
    pub members: Option<u32>,
    /// Fewest senders (staff included) whose messages make at least half of
    /// the 28-day window's messages; 0 when there were none. A value of 1
    /// with a staff member on top means the group hangs on the shop.
    pub bus_factor_28: u32,
    /// The last day on or before `as_of` with a non-staff message.
    pub last_non_staff_activity: Option<Date>,
}

/// Computes a group's [`Health`] as of `as_of`.
#[must_use]
pub fn health(history: &GroupHistory, as_of: Date) -> Health {
    let today = day_number(as_of);
    let days = history.days_until(as_of);

    let mut messages_7 = 0u64;
    let mut messages_28 = 0u64;
    for row in days.iter().rev() {
        let age = today - day_number(row.day);
        if age >= MONTH_DAYS {
            break;
        }
        messages_28 += u64::from(row.messages);
        if age < WEEK_DAYS {
            messages_7 += u64::from(row.messages);
        }
    }

    let week = SenderTotals::of(history.senders_between(today - (WEEK_DAYS - 1), today));
    let month = SenderTotals::of(history.senders_between(today - (MONTH_DAYS - 1), today));

    let window_days = history.first_day().map_or(0, |first| {
        (today - day_number(first) + 1).clamp(0, MONTH_DAYS)
    });
    let stickiness_28 = (month.non_staff > 0 && window_days > 0).then(|| {
        let poster_days = month.non_staff_sender_days as f64;
        let possible = f64::from(window_days) * f64::from(month.non_staff);
        (poster_days / possible).clamp(0.0, 1.0)
    });

    let members = history.members_on(as_of);
    let posted_share_28 = members
        .filter(|&m| m > 0)
        .map(|m| (f64::from(month.non_staff) / f64::from(m)).min(1.0));

    let streak_days = streak(history, as_of);
    Health {
        as_of,
        streak_days,
        active_every_day_last_7: streak_days >= 7,
        messages_7,
        messages_28,
        senders_7: week.all,
        senders_28: month.all,
        non_staff_senders_7: week.non_staff,
        non_staff_senders_28: month.non_staff,
        stickiness_28,
        posted_share_28,
        members,
        bus_factor_28: bus_factor(month.messages_per_sender.iter().copied()),
        last_non_staff_activity: history.last_non_staff_day(as_of),
    }
}

/// Consecutive active days ending at `as_of` (0 if `as_of` was not active).
#[must_use]
pub fn streak(history: &GroupHistory, as_of: Date) -> u32 {
    streak_up_to(history, as_of, u32::MAX)
}

/// Like [`streak`] but stops counting at `limit` (the census only needs to
/// know whether the last 7 days were all active).
pub(crate) fn streak_up_to(history: &GroupHistory, as_of: Date, limit: u32) -> u32 {
    let mut expected = day_number(as_of);
    let mut streak = 0;
    for row in history.days_until(as_of).iter().rev() {
        if streak >= limit || day_number(row.day) != expected || !row.is_active() {
            break;
        }
        streak += 1;
        expected -= 1;
    }
    streak
}

/// The fewest senders whose messages make at least half of all messages
/// (CHAOSS's bus factor), given each sender's message count. 0 when there
/// are no messages.
///
/// ```
/// // 10 + 5 + 3 + 2 = 20 messages: the top sender alone has 10, half.
/// assert_eq!(pond_community::bus_factor([2, 10, 3, 5]), 1);
/// // 4 equal senders: two of them are needed for half.
/// assert_eq!(pond_community::bus_factor([5, 5, 5, 5]), 2);
/// ```
#[must_use]
pub fn bus_factor(messages_per_sender: impl IntoIterator<Item = u32>) -> u32 {
    let mut counts: Vec<u32> = messages_per_sender.into_iter().filter(|&m| m > 0).collect();
    let total: u64 = counts.iter().map(|&m| u64::from(m)).sum();
    if total == 0 {
        return 0;
    }
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let mut covered = 0u64;
    let mut needed = 0;
    for m in counts {
        covered += u64::from(m);
        needed += 1;
        if 2 * covered >= total {
            break;
        }
    }
    needed
}

/// Per-sender figures over a window of sender rows.
pub(crate) struct SenderTotals {
    /// Distinct senders.
    pub(crate) all: u32,
    /// Distinct senders never flagged staff in the window.
    pub(crate) non_staff: u32,
    /// Sum over non-staff senders of the days they posted on.
    pub(crate) non_staff_sender_days: u64,
    /// Each sender's messages in the window.
    pub(crate) messages_per_sender: Vec<u32>,
}

impl SenderTotals {
    pub(crate) fn of(rows: &[SenderDay]) -> Self {
        let mut by_sender: Vec<(u64, u32, bool)> = rows
            .iter()
            .map(|r| (r.sender_id, r.messages, r.staff))
            .collect();
        by_sender.sort_unstable_by_key(|&(sender, _, _)| sender);
        let mut totals = SenderTotals {
            all: 0,
            non_staff: 0,
            non_staff_sender_days: 0,
            messages_per_sender: Vec::new(),
        };
        let mut i = 0;
        while i < by_sender.len() {
            let sender = by_sender[i].0;
            let (mut messages, mut days, mut staff) = (0u32, 0u64, false);
            while i < by_sender.len() && by_sender[i].0 == sender {
                messages = messages.saturating_add(by_sender[i].1);
                days += 1;
                staff |= by_sender[i].2;
                i += 1;
            }
            totals.all += 1;
            if !staff {
                totals.non_staff += 1;
                totals.non_staff_sender_days += days;
            }
            totals.messages_per_sender.push(messages);
        }
        totals
    }
}

/// Distinct non-staff senders among `rows` (staff on any row means staff).
pub(crate) fn distinct_non_staff(rows: &[SenderDay]) -> u32 {
    let mut senders: Vec<(u64, bool)> = rows.iter().map(|r| (r.sender_id, r.staff)).collect();
    // Sorting puts a sender's `true` (staff) rows after its `false` ones.
    senders.sort_unstable();
    let mut count = 0;
    let mut i = 0;
    while i < senders.len() {
        let sender = senders[i].0;
        let mut staff = false;
        while i < senders.len() && senders[i].0 == sender {
            staff |= senders[i].1;
            i += 1;
        }
        count += u32::from(!staff);
    }
    count
}
