//! Days in the shop's time zone, and the incremental accumulator.

#![allow(clippy::unwrap_used)]

use jiff::Timestamp;
use jiff::civil::date;
use jiff::tz::TimeZone;
use pond_community::{CommunityError, DayRollup, GroupHistory, Rollups, SenderDay, day_of, health};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn a_message_at_23_30_utc_counts_on_the_next_day_in_shanghai() {
    let shanghai = TimeZone::get("Asia/Shanghai").unwrap();
    let late = at("2024-03-09T23:30:00Z");
    assert_eq!(day_of(late, &shanghai), date(2024, 3, 10));
    assert_eq!(day_of(late, &TimeZone::UTC), date(2024, 3, 9));
    // 15:59:59 UTC is 23:59:59 in Shanghai, still the same day there.
    assert_eq!(
        day_of(at("2024-03-09T15:59:59Z"), &shanghai),
        date(2024, 3, 9)
    );
    assert_eq!(
        day_of(at("2024-03-09T16:00:00Z"), &shanghai),
        date(2024, 3, 10)
    );

    let mut rollups = Rollups::new(shanghai);
    assert_eq!(rollups.record_message(late, 7, false), date(2024, 3, 10));
    let days = rollups.day_rollups();
    assert_eq!(days.len(), 1);
    assert_eq!(days[0].day, date(2024, 3, 10));

    // Seen from Shanghai the group was active on the 10th, not the 9th.
    let history = rollups.history();
    assert_eq!(health(&history, date(2024, 3, 10)).streak_days, 1);
    assert_eq!(health(&history, date(2024, 3, 9)).streak_days, 0);
}

#[test]
fn a_week_of_late_evening_messages_shifts_with_the_time_zone() {
    // A customer posts at 23:30 UTC from March 3 to March 9 (UTC): seven
    // UTC days, and seven Shanghai days from March 4 to March 10.
    let shanghai = TimeZone::get("Asia/Shanghai").unwrap();
    let mut in_utc = Rollups::new(TimeZone::UTC);
    let mut in_shanghai = Rollups::new(shanghai);
    for d in 3..=9 {
        let t = date(2024, 3, d)
            .at(23, 30, 0, 0)
            .to_zoned(TimeZone::UTC)
            .unwrap()
            .timestamp();
        in_utc.record_message(t, 1, false);
        in_shanghai.record_message(t, 1, false);
    }
    assert!(health(&in_utc.history(), date(2024, 3, 9)).active_every_day_last_7);
    assert!(!health(&in_utc.history(), date(2024, 3, 10)).active_every_day_last_7);
    assert!(!health(&in_shanghai.history(), date(2024, 3, 9)).active_every_day_last_7);
    assert!(health(&in_shanghai.history(), date(2024, 3, 10)).active_every_day_last_7);
}

#[test]
fn rollups_count_distinct_senders_staff_and_members() {
    let mut r = Rollups::with_members_at_start(TimeZone::UTC, 10);
    // Day 1: two customers (one twice), one staff; two joins.
    r.record_message(at("2024-05-01T08:00:00Z"), 1, false);
    r.record_message(at("2024-05-01T09:00:00Z"), 1, false);
    r.record_message(at("2024-05-01T10:00:00Z"), 2, false);
    r.record_message(at("2024-05-01T11:00:00Z"), 900, true);
    r.record_join(at("2024-05-01T12:00:00Z"));
    r.record_join(at("2024-05-01T13:00:00Z"));
    // Day 3 (recorded before day 2): a sender once flagged staff is staff.
    r.record_message(at("2024-05-03T08:00:00Z"), 3, false);
    r.record_message(at("2024-05-03T09:00:00Z"), 3, true);
    r.record_leave(at("2024-05-03T10:00:00Z"));
    // Day 2: one leave only.
    r.record_leave(at("2024-05-02T10:00:00Z"));

    let days = r.day_rollups();
    assert_eq!(
        days,
        vec![
            DayRollup {
                day: date(2024, 5, 1),
                messages: 4,
                senders: 3,
                non_staff_senders: 2,
                joins: 2,
                leaves: 0,
                members_end_of_day: 12,
            },
            DayRollup {
                day: date(2024, 5, 2),
                messages: 0,
                senders: 0,
                non_staff_senders: 0,
                joins: 0,
                leaves: 1,
                members_end_of_day: 11,
            },
            DayRollup {
                day: date(2024, 5, 3),
                messages: 2,
                senders: 1,
                non_staff_senders: 0,
                joins: 0,
                leaves: 1,
                members_end_of_day: 10,
            },
        ]
    );
    assert_eq!(r.day(date(2024, 5, 2)), Some(days[1]));
    assert_eq!(r.day(date(2024, 5, 4)), None);
    assert_eq!(
        r.sender_days(),
        vec![
            SenderDay {
                day: date(2024, 5, 1),
                sender_id: 1,
                messages: 2,
                staff: false
            },
            SenderDay {
                day: date(2024, 5, 1),
                sender_id: 2,
                messages: 1,
                staff: false
            },
            SenderDay {
                day: date(2024, 5, 1),
                sender_id: 900,
                messages: 1,
                staff: true
            },
            SenderDay {
                day: date(2024, 5, 3),
                sender_id: 3,
                messages: 2,
                staff: true
            },
        ]
    );
}

#[test]
fn members_never_go_below_zero() {
    let mut r = Rollups::new(TimeZone::UTC);
    r.record_leave(at("2024-05-01T08:00:00Z"));
    r.record_join(at("2024-05-02T08:00:00Z"));
    let members: Vec<u32> = r
        .day_rollups()
        .iter()
        .map(|d| d.members_end_of_day)
        .collect();
    assert_eq!(members, vec![0, 1]);
}

#[test]
fn history_rejects_unsorted_or_duplicated_rows() {
    let a = DayRollup::quiet(date(2024, 5, 1), 3);
    let b = DayRollup::quiet(date(2024, 5, 2), 3);
    assert!(GroupHistory::new(vec![a, b], vec![]).is_ok());
    assert_eq!(
        GroupHistory::new(vec![b, a], vec![]),
        Err(CommunityError::DaysOutOfOrder {
            previous: b.day,
            day: a.day
        })
    );
    assert!(GroupHistory::new(vec![a, a], vec![]).is_err());

    let s = |day, sender_id| SenderDay {
        day,
        sender_id,
        messages: 1,
        staff: false,
    };
    assert!(GroupHistory::new(vec![], vec![s(a.day, 1), s(a.day, 2), s(b.day, 1)]).is_ok());
    let err = GroupHistory::new(vec![], vec![s(a.day, 2), s(a.day, 1)]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "sender days out of order or duplicated: (2024-05-01, 1) follows (2024-05-01, 2)"
    );
    assert!(GroupHistory::new(vec![], vec![s(a.day, 1), s(a.day, 1)]).is_err());
}
