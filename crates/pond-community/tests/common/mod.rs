//! Builders shared by the integration tests: group histories written as
//! "who posted on which day", turned into rows the way a store would keep
//! them, independently of the crate's own accumulator.

#![allow(dead_code)]

use std::collections::BTreeMap;

use jiff::ToSpan;
use jiff::civil::{Date, date};
use pond_community::{DayRollup, GroupHistory, SenderDay};

/// The date most tests look back from: a Sunday.
pub const AS_OF: Date = date(2024, 6, 30);

/// `n` days before `day` (negative `n`: after).
pub fn back(day: Date, n: i64) -> Date {
    day.checked_sub(n.days()).unwrap()
}

/// Sender ids below this are customers, at or above it staff.
pub const STAFF: u64 = 1_000_000;

/// A group written post by post.
#[derive(Debug, Clone, Default)]
pub struct Group {
    members: u32,
    posts: BTreeMap<(Date, u64), u32>,
    extra_days: BTreeMap<Date, ()>,
}

impl Group {
    /// A group with `members` members on every day.
    pub fn new(members: u32) -> Self {
        Group {
            members,
            ..Group::default()
        }
    }

    /// `sender` posts `messages` messages on `day`; senders at or above
    /// [`STAFF`] are staff.
    pub fn post(mut self, day: Date, sender: u64, messages: u32) -> Self {
        *self.posts.entry((day, sender)).or_default() += messages;
        self
    }

    /// `sender` posts one message on each of the days `from_back ..= to_back`
    /// days before [`AS_OF`] (from_back ≥ to_back).
    pub fn daily(mut self, sender: u64, from_back: i64, to_back: i64) -> Self {
        for n in to_back..=from_back {
            self = self.post(back(AS_OF, n), sender, 1);
        }
        self
    }

    /// A row with no messages on `day` (a store that writes a row per day).
    pub fn quiet(mut self, day: Date) -> Self {
        self.extra_days.insert(day, ());
        self
    }

    /// The rows, sorted as a store would return them.
    pub fn history(&self) -> GroupHistory {
        let mut days: BTreeMap<Date, DayRollup> = self
            .extra_days
            .keys()
            .map(|&d| (d, DayRollup::quiet(d, self.members)))
            .collect();
        let mut senders = Vec::new();
        for (&(day, sender), &messages) in &self.posts {
            let staff = sender >= STAFF;
            let row = days
                .entry(day)
                .or_insert_with(|| DayRollup::quiet(day, self.members));
            row.messages += messages;
            row.senders += 1;
            row.non_staff_senders += u32::from(!staff);
            senders.push(SenderDay {
                day,
                sender_id: sender,
                messages,
                staff,
            });
        }
        GroupHistory::new(days.into_values().collect(), senders).unwrap()
    }
}
