//! Invariants over random histories and random lifetimes.

#![allow(clippy::unwrap_used)]

mod common;

use common::{AS_OF, Group, STAFF, back};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use pond_community::{Census, KaplanMeier, Lifetime, Rollups, State, Thresholds, classify, health};
use proptest::prelude::*;

/// A random group: first seen up to 120 days before `AS_OF`, posts on or
/// after that day by up to 6 customers and 2 staff, and the number of days
/// before `AS_OF` to look from (possibly before the group existed).
fn group() -> impl Strategy<Value = (i64, Group, i64)> {
    (
        0i64..120,
        prop::collection::vec((0i64..120, 0u64..8, 1u32..5), 0..150),
        1u32..60,
        0i64..130,
    )
        .prop_map(|(first_back, posts, members, look_back)| {
            let mut g = Group::new(members);
            for (n, sender, messages) in posts {
                let sender = if sender >= 6 { STAFF + sender } else { sender };
                g = g.post(back(AS_OF, n.min(first_back)), sender, messages);
            }
            (first_back, g, look_back)
        })
}

proptest! {
    #[test]
    fn health_stays_in_range((first_back, g, look_back) in group()) {
        let history = g.history();
        let as_of = back(AS_OF, look_back);
        let h = health(&history, as_of);
        // The streak never exceeds the days the group has existed, counting
        // the first day.
        let existed = (first_back - look_back + 1).max(0);
        prop_assert!(i64::from(h.streak_days) <= existed);
        prop_assert_eq!(h.active_every_day_last_7, h.streak_days >= 7);
        if let Some(s) = h.stickiness_28 {
            prop_assert!((0.0..=1.0).contains(&s), "stickiness {}", s);
            prop_assert!(s > 0.0);
        }
        if let Some(s) = h.posted_share_28 {
            prop_assert!((0.0..=1.0).contains(&s));
        }
        prop_assert!(h.bus_factor_28 <= h.senders_28);
        prop_assert_eq!(h.bus_factor_28 == 0, h.messages_28 == 0);
        prop_assert!(h.messages_7 <= h.messages_28);
        prop_assert!(h.senders_7 <= h.senders_28);
        prop_assert!(h.non_staff_senders_7 <= h.non_staff_senders_28);
        prop_assert!(h.non_staff_senders_28 <= h.senders_28);
        if let Some(last) = h.last_non_staff_activity {
            prop_assert!(last <= as_of);
        }
    }

    #[test]
    fn classification_agrees_with_health((first_back, g, look_back) in group()) {
        let history = g.history();
        let as_of = back(AS_OF, look_back);
        let first_seen = back(AS_OF, first_back);
        let t = Thresholds::default();
        let (state, reason) = classify(first_seen, &history, as_of, &t);
        prop_assert_eq!(reason.state(), state);
        let h = health(&history, as_of);
        let age = first_back - look_back;
        if age < 14 {
            prop_assert_eq!(state, State::New);
        } else {
            // Days since the last customer message, or since first seen.
            let silent = match h.last_non_staff_activity {
                Some(d) => i64::from(as_of.since(d).unwrap().get_days()),
                None => age,
            };
            match state {
                State::Dead => prop_assert!(silent >= 30),
                State::Dormant => prop_assert!((7..30).contains(&silent)),
                State::Active | State::Declining => {
                    prop_assert!(silent < 7);
                    prop_assert!(h.non_staff_senders_7 > 0);
                }
                State::New => prop_assert!(false, "not new at age {}", age),
            }
            if h.active_every_day_last_7 {
                prop_assert!(state == State::Active || state == State::Declining);
            }
        }
        let census = Census::tally([(first_seen, &history)], as_of, &t);
        prop_assert_eq!(census.states.get(state), 1);
        prop_assert_eq!(census.states.total(), 1);
        prop_assert_eq!(census.active_every_day_last_7_days, u32::from(h.active_every_day_last_7));
    }

    #[test]
    fn kaplan_meier_is_a_non_increasing_curve_in_the_unit_interval(
        sample in prop::collection::vec((0u32..200, any::<bool>()), 0..80)
    ) {
        let km = KaplanMeier::fit(sample.iter().map(|&(d, died)| Lifetime::new(d, died)));
        let mut previous = 1.0;
        let mut at_risk = u32::MAX;
        for p in &km.points {
            prop_assert!((0.0..=1.0).contains(&p.survival));
            prop_assert!(p.survival <= previous);
            prop_assert!(p.at_risk <= at_risk);
            previous = p.survival;
            at_risk = p.at_risk;
        }
        prop_assert!(km.points.windows(2).all(|w| w[0].days < w[1].days));
        let deaths = sample.iter().filter(|s| s.1).count();
        prop_assert_eq!(km.deaths as usize, deaths);
        // Without censoring, S is the empirical share still alive.
        if deaths == sample.len() && !sample.is_empty() {
            for p in &km.points {
                let alive = sample.iter().filter(|s| s.0 > p.days).count();
                prop_assert!((p.survival - alive as f64 / sample.len() as f64).abs() < 1e-9);
            }
        }
        if let Some(m) = km.median {
            prop_assert!(km.survival_at(m as u32) <= 0.5);
        }
    }

    #[test]
    fn rollups_do_not_depend_on_event_order(
        events in prop::collection::vec((0i64..(10 * 86_400), 0u64..5, any::<bool>(), 0u8..4), 0..60),
        rotate in 0usize..60,
    ) {
        let tz = TimeZone::get("Asia/Shanghai").unwrap();
        let feed = |events: &[(i64, u64, bool, u8)]| {
            let mut r = Rollups::with_members_at_start(tz.clone(), 5);
            for &(secs, sender, staff, kind) in events {
                let at = Timestamp::from_second(1_700_000_000 + secs).unwrap();
                match kind {
                    0 => { r.record_join(at); }
                    1 => { r.record_leave(at); }
                    _ => { r.record_message(at, sender, staff); }
                }
            }
            (r.day_rollups(), r.sender_days())
        };
        let mut shuffled = events.clone();
        if !shuffled.is_empty() {
            let k = rotate % shuffled.len();
            shuffled.rotate_left(k);
            shuffled.reverse();
        }
        let (days, senders) = feed(&events);
        prop_assert_eq!((days.clone(), senders.clone()), feed(&shuffled));
        for d in &days {
            prop_assert!(d.non_staff_senders <= d.senders && d.senders <= d.messages);
            let rows = senders.iter().filter(|s| s.day == d.day);
            prop_assert_eq!(rows.clone().count() as u32, d.senders);
            prop_assert_eq!(rows.map(|s| s.messages).sum::<u32>(), d.messages);
        }
    }
}
