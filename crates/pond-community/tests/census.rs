//! The operator's census: 300 groups with history, exactly 4 of them
//! active (customers posting) every day of the last 7 days, surrounded by
//! near misses that must not be counted.

#![allow(clippy::unwrap_used)]

mod common;

use common::{AS_OF, Group, STAFF, back};
use pond_community::{Census, State, StateCounts, Thresholds, classify, health};

/// A group (first seen `age` days before `AS_OF`) and the state it must be
/// in, plus whether it was active every day of the last 7.
struct Case {
    name: String,
    first_seen_back: i64,
    group: Group,
    state: State,
    every_day: bool,
}

fn case(
    name: impl Into<String>,
    first_seen_back: i64,
    group: Group,
    state: State,
    every_day: bool,
) -> Case {
    Case {
        name: name.into(),
        first_seen_back,
        group,
        state,
        every_day,
    }
}

/// Three customers (`base`, `base + 1`, `base + 2`) posting every day from
/// `from_back` to `to_back` days before `AS_OF`.
fn chatty(mut g: Group, base: u64, from_back: i64, to_back: i64) -> Group {
    for c in base..base + 3 {
        g = g.daily(c, from_back, to_back);
    }
    g
}

fn three_hundred_groups() -> Vec<Case> {
    let mut cases = Vec::new();

    // The 4: customers every day of the last 7 days.
    cases.push(case(
        "daily for 90 days",
        120,
        chatty(Group::new(80), 1, 89, 0),
        State::Active,
        true,
    ));
    cases.push(case(
        "daily, with staff too",
        120,
        chatty(Group::new(150), 10, 60, 0).daily(STAFF, 60, 0),
        State::Active,
        true,
    ));
    cases.push(case(
        "exactly the last 7 days, one customer a day (a different one each day)",
        200,
        (0..7).fold(chatty(Group::new(40), 20, 120, 60), |g, n| {
            g.post(back(AS_OF, n), 100 + n.unsigned_abs(), 2)
        }),
        State::Active,
        true,
    ));
    cases.push(case(
        "a new group, daily since it opened 9 days ago",
        9,
        chatty(Group::new(30), 30, 9, 0),
        State::New,
        true,
    ));

    // Near misses: one day of the 7 without any message.
    for k in 0..7 {
        let g = chatty_except(Group::new(60), 60, k);
        cases.push(case(
            format!("missing day -{k}"),
            120,
            g,
            State::Active,
            false,
        ));
    }
    // Near misses: one of the 7 days only staff posted.
    for k in 0..7 {
        let g = chatty_except(Group::new(60), 60, k).post(back(AS_OF, k), STAFF, 5);
        cases.push(case(
            format!("staff only on day -{k}"),
            120,
            g,
            State::Active,
            false,
        ));
    }
    // Near misses: active 6 of the 7 days.
    for i in 0..3 {
        // Daily until yesterday, silent today: the run ends one day early.
        let g = chatty(Group::new(50), 1 + i, 89, 1);
        cases.push(case(
            format!("daily until yesterday #{i}"),
            120,
            g,
            State::Active,
            false,
        ));
    }
    for i in 0..3 {
        // Back after a long silence, daily for the last 6 days only.
        let g = chatty(Group::new(50), 1 + i, 80, 40);
        let g = chatty(g, 50, 5, 0);
        cases.push(case(
            format!("daily for the last 6 days #{i}"),
            120,
            g,
            State::Active,
            false,
        ));
    }

    // Broadcast groups: staff every day, no customer ever.
    for i in 0..20 {
        let g = Group::new(200).daily(STAFF + i, 89, 0);
        cases.push(case(
            format!("staff broadcast #{i}"),
            90,
            g,
            State::Dead,
            false,
        ));
    }
    // Dormant: last customer message 7..=29 days ago (cycling).
    for i in 0..30 {
        let silent = 7 + i % 23;
        let g = chatty(Group::new(70), 1, silent + 40, silent);
        cases.push(case(
            format!("dormant {silent} days"),
            150,
            g,
            State::Dormant,
            false,
        ));
    }
    // Declining: ten customers a week for three weeks, then two customers
    // on three days of the last week.
    for i in 0..20 {
        let mut g = Group::new(90);
        for week in 1..4 {
            for c in 0..10 {
                g = g.post(back(AS_OF, 7 * week + c % 7), 1 + c.unsigned_abs(), 1);
            }
        }
        for n in [0, 2, 4 + i % 3] {
            g = g.post(back(AS_OF, n), 1, 1).post(back(AS_OF, n), 2, 1);
        }
        cases.push(case(
            format!("declining #{i}"),
            100,
            g,
            State::Declining,
            false,
        ));
    }
    // Dead: silent 30 days or more (one exactly at 30), most for months.
    for i in 0..206 {
        let silent = 30 + i;
        let g = chatty(Group::new(120), 1, silent + 20, silent).daily(STAFF, silent + 20, 0);
        cases.push(case(
            format!("dead {silent} days"),
            silent + 60,
            g,
            State::Dead,
            false,
        ));
    }
    cases
}

/// Customers 1, 2 and 3 posting every day from `from_back` days before
/// `AS_OF` to `AS_OF`, except on the day `skip` days before it.
fn chatty_except(mut g: Group, from_back: i64, skip: i64) -> Group {
    for n in 0..=from_back {
        if n != skip {
            for c in 1..4 {
                g = g.post(back(AS_OF, n), c, 1);
            }
        }
    }
    g
}

#[test]
fn exactly_four_of_three_hundred_are_active_every_day_of_the_last_week() {
    let cases = three_hundred_groups();
    assert_eq!(cases.len(), 300);
    let thresholds = Thresholds::default();
    let histories: Vec<_> = cases
        .iter()
        .map(|c| (back(AS_OF, c.first_seen_back), c.group.history()))
        .collect();

    for (c, (first_seen, history)) in cases.iter().zip(&histories) {
        let (state, reason) = classify(*first_seen, history, AS_OF, &thresholds);
        assert_eq!(state, c.state, "{}: {reason}", c.name);
        let h = health(history, AS_OF);
        assert_eq!(
            h.active_every_day_last_7, c.every_day,
            "{}: streak {}",
            c.name, h.streak_days
        );
    }

    let census = Census::tally(histories.iter().map(|(f, h)| (*f, h)), AS_OF, &thresholds);
    assert_eq!(census.groups, 300);
    assert_eq!(census.groups_with_history, 300);
    assert_eq!(census.active_every_day_last_7_days, 4);
    assert_eq!(
        census.states,
        StateCounts {
            new: 1,
            active: 3 + 7 + 7 + 6,
            declining: 20,
            dormant: 30,
            dead: 20 + 206,
        }
    );
    assert_eq!(census.states.total(), census.groups);
}

#[test]
fn groups_without_history_are_counted_but_not_as_having_history() {
    let empty = Group::new(12).history();
    let staff_only = Group::new(12).post(back(AS_OF, 3), STAFF, 1).history();
    let future = Group::new(12).post(back(AS_OF, -1), 1, 1).history();
    let first_seen = back(AS_OF, 40);
    let census = Census::tally(
        [
            (first_seen, &empty),
            (first_seen, &staff_only),
            (first_seen, &future),
        ],
        AS_OF,
        &Thresholds::default(),
    );
    assert_eq!(census.groups, 3);
    // A staff message is chat history; a message after the census date is not.
    assert_eq!(census.groups_with_history, 1);
    assert_eq!(census.active_every_day_last_7_days, 0);
    assert_eq!(census.states.dead, 3);
}
