//! Health metrics on small examples worked by hand.

#![allow(clippy::unwrap_used)]

mod common;

use common::{AS_OF, Group, STAFF, back};
use pond_community::{bus_factor, health};

#[test]
fn bus_factor_is_the_fewest_senders_making_half_the_messages() {
    assert_eq!(bus_factor([]), 0);
    assert_eq!(bus_factor([0, 0]), 0);
    assert_eq!(bus_factor([7]), 1);
    // 40 of 100 is not half; 40 + 30 is.
    assert_eq!(bus_factor([10, 40, 20, 30]), 2);
    // Exactly half counts: 50 of 100.
    assert_eq!(bus_factor([50, 25, 25]), 1);
    // Ten equal senders: five needed.
    assert_eq!(bus_factor([3; 10]), 5);
    // Eleven equal senders: 5 × 3 = 15 < 16.5, six needed.
    assert_eq!(bus_factor([3; 11]), 6);
}

/// Over the 28 days ending at `AS_OF`, in a group with 20 members:
/// - customer 1 posts 1 message on every day (28 days, 28 messages),
/// - customer 2 posts 3 messages on every other day (14 days, 42 messages),
/// - customer 3 posts 2 messages on each of the last 7 days (14 messages),
/// - customer 4 posts 16 messages on one day, 20 days ago,
/// - staff posts 20 messages on one day, 3 days ago;
///
/// and customer 5 posted 40 days ago (outside the window).
fn worked_example() -> Group {
    let mut g = Group::new(20).post(back(AS_OF, 40), 5, 9);
    for n in 0..28 {
        g = g.post(back(AS_OF, n), 1, 1);
        if n % 2 == 0 {
            g = g.post(back(AS_OF, n), 2, 3);
        }
        if n < 7 {
            g = g.post(back(AS_OF, n), 3, 2);
        }
    }
    g.post(back(AS_OF, 20), 4, 16)
        .post(back(AS_OF, 3), STAFF, 20)
}

#[test]
fn worked_example_totals() {
    let h = health(&worked_example().history(), AS_OF);
    assert_eq!(h.as_of, AS_OF);
    // Last 7 days: 7 (c1) + 4 × 3 (c2 on days 0, 2, 4, 6) + 14 (c3) + 20 (staff).
    assert_eq!(h.messages_7, 7 + 12 + 14 + 20);
    assert_eq!(h.messages_28, 28 + 42 + 14 + 16 + 20);
    assert_eq!((h.senders_7, h.non_staff_senders_7), (4, 3));
    assert_eq!((h.senders_28, h.non_staff_senders_28), (5, 4));
    assert_eq!(h.streak_days, 28);
    assert!(h.active_every_day_last_7);
    assert_eq!(h.last_non_staff_activity, Some(AS_OF));
    assert_eq!(h.members, Some(20));
}

#[test]
fn worked_example_bus_factor() {
    // 120 messages: c2 42 + c1 28 = 70 ≥ 60, and no single sender has 60.
    assert_eq!(health(&worked_example().history(), AS_OF).bus_factor_28, 2);

    // A group the shop carries: staff 30 of 50 messages.
    let carried = Group::new(9)
        .post(AS_OF, STAFF, 30)
        .post(AS_OF, 1, 10)
        .post(back(AS_OF, 1), 2, 10);
    assert_eq!(health(&carried.history(), AS_OF).bus_factor_28, 1);
    assert_eq!(health(&Group::new(9).history(), AS_OF).bus_factor_28, 0);
}

#[test]
fn worked_example_stickiness_and_share() {
    let h = health(&worked_example().history(), AS_OF);
    // Customer-days: 28 + 14 + 7 + 1 = 50 over 28 days → 50/28 a day, among
    // 4 distinct customers: 50 / (28 × 4) = 25/56. Staff are left out.
    let stickiness = h.stickiness_28.unwrap();
    assert!((stickiness - 25.0 / 56.0).abs() < 1e-12, "{stickiness}");
    // 4 of 20 members posted.
    assert!((h.posted_share_28.unwrap() - 0.2).abs() < 1e-12);
}

#[test]
fn stickiness_extremes() {
    // Two customers every day: everyone who posts, posts daily.
    let daily = Group::new(5).daily(1, 27, 0).daily(2, 27, 0);
    assert_eq!(health(&daily.history(), AS_OF).stickiness_28, Some(1.0));
    // 28 customers, one per day: 1/28.
    let mut once = Group::new(40);
    for n in 0..28 {
        once = once.post(back(AS_OF, n), 1 + n.unsigned_abs(), 1);
    }
    let s = health(&once.history(), AS_OF).stickiness_28.unwrap();
    assert!((s - 1.0 / 28.0).abs() < 1e-12);
    // A 7-day-old group with one customer posting daily is fully sticky:
    // the average is over the days it existed.
    let young = Group::new(3).daily(1, 6, 0);
    assert_eq!(health(&young.history(), AS_OF).stickiness_28, Some(1.0));
    // Staff alone: no stickiness to speak of.
    let staff = Group::new(3).daily(STAFF, 27, 0);
    let h = health(&staff.history(), AS_OF);
    assert_eq!(h.stickiness_28, None);
    assert_eq!(h.posted_share_28, Some(0.0));
    assert_eq!(h.streak_days, 0);
    assert_eq!(h.last_non_staff_activity, None);
}

#[test]
fn share_is_capped_and_unknown_without_members() {
    // Three posters, one member left at the end: capped at 1.
    let g = Group::new(1)
        .post(AS_OF, 1, 1)
        .post(AS_OF, 2, 1)
        .post(AS_OF, 3, 1);
    assert_eq!(health(&g.history(), AS_OF).posted_share_28, Some(1.0));
    let g = Group::new(0).post(AS_OF, 1, 1);
    assert_eq!(health(&g.history(), AS_OF).posted_share_28, None);
}

#[test]
fn rows_after_as_of_are_ignored() {
    let g = Group::new(10).daily(1, 10, 0);
    let earlier = back(AS_OF, 5);
    let h = health(&g.history(), earlier);
    assert_eq!(h.streak_days, 6);
    assert_eq!(h.messages_7, 6);
    assert_eq!(h.last_non_staff_activity, Some(earlier));
}
