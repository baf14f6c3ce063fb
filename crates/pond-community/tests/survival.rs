//! Kaplan–Meier curves against hand-computed examples.

#![allow(clippy::unwrap_used)]

mod common;

use common::{AS_OF, Group, STAFF, back};
use pond_community::{KaplanMeier, Lifetime};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

/// Weeks of remission in the 6-MP arm of Freireich et al. (1963), as in
/// Gehan (1965) and most survival textbooks; `false` marks censoring.
fn six_mp() -> Vec<Lifetime> {
    [
        (6, true),
        (6, true),
        (6, true),
        (6, false),
        (7, true),
        (9, false),
        (10, true),
        (10, false),
        (11, false),
        (13, true),
        (16, true),
        (17, false),
        (19, false),
        (20, false),
        (22, true),
        (23, true),
        (25, false),
        (32, false),
        (32, false),
        (34, false),
        (35, false),
    ]
    .into_iter()
    .map(|(days, died)| Lifetime::new(days, died))
    .collect()
}

/// The placebo arm of the same trial: every patient relapsed.
fn placebo() -> Vec<Lifetime> {
    [
        1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23,
    ]
    .into_iter()
    .map(|days| Lifetime::new(days, true))
    .collect()
}

#[test]
fn six_mp_matches_the_textbook() {
    let km = KaplanMeier::fit(six_mp());
    assert_eq!((km.groups, km.deaths), (21, 9));
    // (days, n_j, d_j, S) with S as exact products of (1 - d/n).
    let s6 = 18.0 / 21.0;
    let s7 = s6 * 16.0 / 17.0;
    let s10 = s7 * 14.0 / 15.0;
    let s13 = s10 * 11.0 / 12.0;
    let s16 = s13 * 10.0 / 11.0;
    let s22 = s16 * 6.0 / 7.0;
    let s23 = s22 * 5.0 / 6.0;
    let deaths: Vec<_> = km.points.iter().filter(|p| p.deaths > 0).collect();
    let expected = [
        (6, 21, 3, s6),
        (7, 17, 1, s7),
        (10, 15, 1, s10),
        (13, 12, 1, s13),
        (16, 11, 1, s16),
        (22, 7, 1, s22),
        (23, 6, 1, s23),
    ];
    assert_eq!(deaths.len(), expected.len());
    for (p, (days, n, d, s)) in deaths.iter().zip(expected) {
        assert_eq!((p.days, p.at_risk, p.deaths), (days, n, d));
        assert!(close(p.survival, s), "S({days}) = {} ≠ {s}", p.survival);
    }
    // The rounded figures every textbook prints.
    let rounded: Vec<f64> = deaths
        .iter()
        .map(|p| (p.survival * 1000.0).round() / 1000.0)
        .collect();
    assert_eq!(rounded, [0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448]);
    assert_eq!(km.median, Some(23.0));
    // Censored-only times are points too, with survival unchanged.
    let at_9 = km.points.iter().find(|p| p.days == 9).unwrap();
    assert_eq!((at_9.at_risk, at_9.deaths, at_9.censored), (16, 0, 1));
    assert!(close(at_9.survival, s7));
    assert!(close(km.survival_at(5), 1.0));
    assert!(close(km.survival_at(12), s10));
    assert!(close(km.survival_at(100), s23));
}

#[test]
fn curves_by_key_separate_the_arms() {
    let items = six_mp()
        .into_iter()
        .map(|l| ("6-MP", l))
        .chain(placebo().into_iter().map(|l| ("placebo", l)));
    let curves = KaplanMeier::by_key(items);
    assert_eq!(curves.len(), 2);
    let p = &curves["placebo"];
    // No censoring: S(t) is the share still in remission, 8 of 21 after week 8.
    assert!(close(p.survival_at(5), 12.0 / 21.0));
    assert!(close(p.survival_at(8), 8.0 / 21.0));
    assert_eq!(p.median, Some(8.0));
    assert!(close(p.points.last().unwrap().survival, 0.0));
    assert_eq!(curves["6-MP"].median, Some(23.0));
}

#[test]
fn group_lifetimes_with_censoring() {
    // Data end AS_OF, dead after 30 silent days.
    let t = 30;
    let group = |first_back: i64, last_back: Option<i64>| {
        let g = match last_back {
            Some(n) => {
                Group::new(10)
                    .post(back(AS_OF, first_back), STAFF, 1)
                    .post(back(AS_OF, n), 1, 1)
            }
            None => Group::new(10).post(back(AS_OF, first_back), STAFF, 1),
        };
        Lifetime::of(back(AS_OF, first_back), &g.history(), AS_OF, t).unwrap()
    };
    let sample = [
        group(200, Some(150)), // died, 50 days
        group(200, Some(100)), // died, 100 days
        group(100, Some(10)),  // censored at 90: silent only 10 days
        group(120, Some(90)),  // died, 30 days
        group(60, None),       // no customer ever, silent 60 days: died at 0
        group(20, None),       // no customer yet, silent 20 days: censored at 0
        group(300, Some(30)),  // silent exactly 30 days: died, 270 days
        group(300, Some(29)),  // silent 29 days: censored at 271
    ];
    assert_eq!(sample[2], Lifetime::new(90, false));
    assert_eq!(sample[4], Lifetime::new(0, true));
    assert_eq!(sample[5], Lifetime::new(0, false));
    assert_eq!(sample[6], Lifetime::new(270, true));
    assert_eq!(sample[7], Lifetime::new(271, false));

    let km = KaplanMeier::fit(sample);
    let got: Vec<_> = km
        .points
        .iter()
        .map(|p| (p.days, p.at_risk, p.deaths, p.censored))
        .collect();
    assert_eq!(
        got,
        [
            (0, 8, 1, 1),
            (30, 6, 1, 0),
            (50, 5, 1, 0),
            (90, 4, 0, 1),
            (100, 3, 1, 0),
            (270, 2, 1, 0),
            (271, 1, 0, 1)
        ]
    );
    let s: Vec<f64> = km.points.iter().map(|p| p.survival).collect();
    let expected = [
        7.0 / 8.0,
        35.0 / 48.0,
        7.0 / 12.0,
        7.0 / 12.0,
        7.0 / 18.0,
        7.0 / 36.0,
        7.0 / 36.0,
    ];
    for (got, want) in s.iter().zip(expected) {
        assert!(close(*got, want), "{got} ≠ {want}");
    }
    assert_eq!(km.median, Some(100.0));
}

#[test]
fn lifetimes_from_dates() {
    // Not yet born at the data's end.
    assert_eq!(
        Lifetime::from_last_activity(back(AS_OF, -1), None, AS_OF, 30),
        None
    );
    // A last message after the data's end is read as on the end.
    assert_eq!(
        Lifetime::from_last_activity(back(AS_OF, 10), Some(back(AS_OF, -5)), AS_OF, 30),
        Some(Lifetime::new(10, false))
    );
    // Staff messages alone never extend a life.
    let g = Group::new(5)
        .post(back(AS_OF, 90), 1, 1)
        .daily(STAFF, 89, 0);
    assert_eq!(
        Lifetime::of(back(AS_OF, 100), &g.history(), AS_OF, 30),
        Some(Lifetime::new(10, true))
    );
}

#[test]
fn an_empty_sample_has_no_curve() {
    let km = KaplanMeier::fit([]);
    assert!(km.points.is_empty());
    assert_eq!(km.median, None);
    assert!(close(km.survival_at(10), 1.0));
}
