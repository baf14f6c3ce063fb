//! Each lifecycle state reached by a constructed group, at its boundaries,
//! and the Declining transition behind the warning.

#![allow(clippy::unwrap_used)]

mod common;

use common::{AS_OF, Group, STAFF, back};
use pond_community::{Reason, State, Thresholds, classify, transitions, turned_declining};

fn state(first_seen_back: i64, g: &Group) -> (State, Reason) {
    classify(
        back(AS_OF, first_seen_back),
        &g.history(),
        AS_OF,
        &Thresholds::default(),
    )
}

/// Customers `1..=n` each post once on every day `from_back ..= to_back`.
fn customers(mut g: Group, n: u64, from_back: i64, to_back: i64) -> Group {
    for c in 1..=n {
        g = g.daily(c, from_back, to_back);
    }
    g
}

#[test]
fn new_until_day_13_then_judged_on_day_14() {
    // Silent since it opened: new on day 13, dormant (14 silent days) on day 14.
    let g = Group::new(10);
    let (s, r) = state(13, &g);
    assert_eq!(s, State::New);
    assert_eq!(
        r.to_string(),
        "new: first seen 13 days ago (groups are new for 14 days)"
    );
    assert_eq!(state(14, &g).0, State::Dormant);
    assert_eq!(state(0, &g).0, State::New);

    // A lively group is active once it stops being new.
    let lively = customers(Group::new(10), 3, 13, 0);
    assert_eq!(state(13, &lively).0, State::New);
    assert_eq!(state(14, &lively).0, State::Active);
}

#[test]
fn first_seen_after_the_first_row_is_moved_back() {
    // The store says "first seen 2 days ago" but has rows from 40 days ago.
    let g = customers(Group::new(10), 2, 40, 0);
    assert_eq!(state(2, &g).0, State::Active);
}

#[test]
fn active_at_six_silent_days_dormant_at_seven() {
    let g = |silent| customers(Group::new(10), 3, 60, silent);
    let (s, r) = state(90, &g(6));
    assert_eq!(s, State::Active, "{r}");
    let (s, r) = state(90, &g(7));
    assert_eq!(s, State::Dormant);
    assert_eq!(
        r,
        Reason::Dormant {
            silent_days: 7,
            last_non_staff_activity: Some(back(AS_OF, 7)),
            dormant_after_days: 7
        }
    );
    assert_eq!(
        r.to_string(),
        "dormant: no customer message for 7 days (last one on 2024-06-23; dormant from 7)"
    );
}

#[test]
fn dormant_at_29_silent_days_dead_at_30() {
    let g = |silent| customers(Group::new(10), 3, 90, silent);
    assert_eq!(state(120, &g(29)).0, State::Dormant);
    let (s, r) = state(120, &g(30));
    assert_eq!(s, State::Dead);
    assert_eq!(
        r.to_string(),
        "dead: no customer message for 30 days (last one on 2024-05-31; dead from 30)"
    );
}

#[test]
fn staff_talking_alone_does_not_keep_a_group_alive() {
    // Customers stopped 45 days ago; staff post every day since.
    let g = customers(Group::new(10), 3, 90, 45).daily(STAFF, 44, 0);
    let (s, r) = state(120, &g);
    assert_eq!(s, State::Dead);
    assert!(
        matches!(
            r,
            Reason::Dead {
                silent_days: 45,
                ..
            }
        ),
        "{r}"
    );

    // Never a customer: silent since first seen.
    let broadcast = Group::new(300).daily(STAFF, 20, 0);
    let (s, r) = state(20, &broadcast);
    assert_eq!(s, State::Dormant);
    assert_eq!(
        r.to_string(),
        "dormant: no customer message for 20 days (none ever; dormant from 7)"
    );
}

/// Ten customers a week for three weeks, then `last_week` customers (each
/// posting once) in the 7 days ending at `AS_OF`.
fn cooling(last_week: u64) -> Group {
    let mut g = Group::new(50);
    for week in 1..4 {
        for c in 1..=10 {
            g = g.post(back(AS_OF, 7 * week + i64::try_from(c % 7).unwrap()), c, 1);
        }
    }
    for c in 1..=last_week {
        g = g.post(back(AS_OF, i64::try_from(c % 7).unwrap()), c, 1);
    }
    g
}

#[test]
fn declining_below_half_of_the_weekly_average() {
    // Average over 4 weeks = (30 + x) / 4; declining when x < (30 + x) / 8,
    // i.e. x < 30 / 7 ≈ 4.29: 4 posters declining, 5 active.
    let (s, r) = state(100, &cooling(4));
    assert_eq!(s, State::Declining);
    assert_eq!(
        r,
        Reason::Declining {
            posters_7: 4,
            weekly_average: 8.5,
            ratio: 0.5
        }
    );
    assert_eq!(
        r.to_string(),
        "declining: 4 customers posted in the last 7 days, below 50% of the weekly average 8.5"
    );
    let (s, r) = state(100, &cooling(5));
    assert_eq!(s, State::Active, "{r}");
    assert!(matches!(r, Reason::Active { posters_7: 5, .. }));
    assert_eq!(state(100, &cooling(1)).0, State::Declining);
}

#[test]
fn staff_posters_do_not_count_toward_the_weekly_posters() {
    let mut g = cooling(2);
    for s in 0..10 {
        g = g.post(back(AS_OF, 1), STAFF + s, 1);
    }
    assert_eq!(state(100, &g).0, State::Declining);
}

#[test]
fn weeks_before_the_group_existed_are_left_out_of_the_average() {
    // 16 days old: weeks ending at -0 and -7 and -14 overlap its life (the
    // one ending at -21 does not). 6 posters in each older week, 2 now:
    // average (2 + 6 + 6) / 3 = 4.67, half 2.33: declining. Over four weeks
    // the average would be 3.5 and the group active.
    let mut g = Group::new(20);
    for c in 1..=6 {
        g = g.post(back(AS_OF, 8), c, 1).post(back(AS_OF, 15), c, 1);
    }
    g = g.post(AS_OF, 1, 1).post(AS_OF, 2, 1);
    let (s, r) = state(16, &g);
    assert_eq!(s, State::Declining, "{r}");
}

#[test]
fn thresholds_are_configurable_and_validated() {
    let strict = Thresholds {
        new_for_days: 3,
        dormant_after_days: 2,
        dead_after_days: 5,
        declining_ratio: 0.9,
        baseline_weeks: 2,
    };
    strict.validate().unwrap();
    let g = customers(Group::new(10), 3, 30, 5);
    let history = g.history();
    assert_eq!(
        classify(back(AS_OF, 40), &history, AS_OF, &strict).0,
        State::Dead
    );
    let t = Thresholds {
        dead_after_days: 6,
        ..strict.clone()
    };
    assert_eq!(
        classify(back(AS_OF, 40), &history, AS_OF, &t).0,
        State::Dormant
    );

    assert!(
        Thresholds {
            dead_after_days: 7,
            ..Thresholds::default()
        }
        .validate()
        .is_err()
    );
    assert!(
        Thresholds {
            declining_ratio: 0.0,
            ..Thresholds::default()
        }
        .validate()
        .is_err()
    );
    assert!(
        Thresholds {
            declining_ratio: f64::NAN,
            ..Thresholds::default()
        }
        .validate()
        .is_err()
    );
    assert!(
        Thresholds {
            baseline_weeks: 0,
            ..Thresholds::default()
        }
        .validate()
        .is_err()
    );
    assert!(
        Thresholds {
            dormant_after_days: 0,
            ..Thresholds::default()
        }
        .validate()
        .is_err()
    );
    Thresholds::default().validate().unwrap();
}

#[test]
fn turning_declining_is_reported_on_the_day_it_happens() {
    // Ten customers daily until 8 days ago, then only customer 1. The last
    // 7 days drop to one poster on the day the window no longer reaches
    // back to -8: that is AS_OF - 1.
    let g = customers(Group::new(40), 10, 60, 8).daily(1, 7, 0);
    let history = g.history();
    let first_seen = back(AS_OF, 90);
    let t = Thresholds::default();

    let warning = turned_declining(first_seen, &history, back(AS_OF, 10), AS_OF, &t).unwrap();
    assert_eq!(warning.day, back(AS_OF, 1));
    assert_eq!(warning.from, State::Active);
    assert_eq!(warning.to, State::Declining);
    assert!(matches!(
        warning.reason,
        Reason::Declining { posters_7: 1, .. }
    ));

    // A nightly run over one day sees it only on that night.
    assert!(turned_declining(first_seen, &history, back(AS_OF, 2), back(AS_OF, 1), &t).is_some());
    assert!(turned_declining(first_seen, &history, back(AS_OF, 1), AS_OF, &t).is_none());
    assert!(turned_declining(first_seen, &history, back(AS_OF, 3), back(AS_OF, 2), &t).is_none());

    // Then it goes quiet: dormant 7 days after the last message, dead at 30.
    let quiet = customers(Group::new(40), 10, 60, 8).daily(1, 7, 3);
    let later = back(AS_OF, -40);
    let changes = transitions(first_seen, &quiet.history(), AS_OF, later, &t);
    let path: Vec<_> = changes.iter().map(|c| (c.day, c.to)).collect();
    assert_eq!(
        path,
        vec![
            (back(AS_OF, -4), State::Dormant),
            (back(AS_OF, -27), State::Dead)
        ]
    );
}
