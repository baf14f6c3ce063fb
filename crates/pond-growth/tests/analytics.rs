//! Referral-forest analytics on a hand-built tree with known answers.
//!
//! ```text
//! day 0  1 (2024-01, root) ─┬─ day 2  3 (2024-01, incentivised) ── day 4  5 (2024-02, inc.) ── day 10  6 (2024-02, inc.)
//!                           └─ day 5  4 (2024-02, organic)
//! day 1  2 (2024-01, root, "a friend told me") ── day 9  7 (2024-02, organic)
//! day 12 8 (no cohort, root)
//! ```

use std::collections::HashMap;

use pond_growth::GrowthError;
use pond_growth::analytics::{MemberJoin, ReferralEdge, ReferralForest, k_from_invites};

const DAY: i64 = 86_400_000;

fn join(member: u64, day: i64, cohort: Option<&str>, declared: bool) -> MemberJoin {
    MemberJoin {
        member,
        joined_at_ms: day * DAY,
        cohort: cohort.map(str::to_owned),
        declared_friend_referral: declared,
    }
}

fn edge(inviter: u64, invitee: u64, day: i64, incentivised: bool) -> ReferralEdge {
    ReferralEdge {
        inviter,
        invitee,
        invitee_joined_at_ms: day * DAY,
        incentivised,
    }
}

fn fixture() -> (Vec<MemberJoin>, Vec<ReferralEdge>) {
    let joins = vec![
        join(1, 0, Some("2024-01"), false),
        join(2, 1, Some("2024-01"), true),
        join(3, 2, Some("2024-01"), false),
        join(4, 5, Some("2024-02"), false),
        join(5, 4, Some("2024-02"), false),
        join(6, 10, Some("2024-02"), false),
        join(7, 9, Some("2024-02"), false),
        join(8, 12, None, false),
    ];
    // Deliberately out of order: 5 → 6 comes before 3 → 5.
    let edges = vec![
        edge(5, 6, 10, true),
        edge(1, 3, 2, true),
        edge(1, 4, 5, false),
        edge(3, 5, 4, true),
        edge(2, 7, 9, false),
    ];
    (joins, edges)
}

fn forest() -> ReferralForest {
    let (joins, edges) = fixture();
    ReferralForest::build(&joins, &edges).expect("the fixture is a valid forest")
}

#[test]
fn generations_referrals_and_subtrees() {
    let f = forest();
    assert_eq!(f.member_count(), 8);
    let generations: Vec<u32> = (1..=8).map(|m| f.generation(m).unwrap()).collect();
    assert_eq!(generations, [0, 0, 1, 1, 2, 3, 1, 0]);
    let direct: Vec<u64> = (1..=8).map(|m| f.direct_referrals(m).unwrap()).collect();
    assert_eq!(direct, [2, 1, 1, 0, 1, 0, 0, 0]);
    let subtree: Vec<u64> = (1..=8).map(|m| f.subtree_size(m).unwrap()).collect();
    assert_eq!(subtree, [5, 2, 3, 1, 2, 1, 1, 1]);
    assert_eq!(f.generation_counts(), [3, 3, 1, 1]);
    assert_eq!(f.inviter_of(6), Some(5));
    assert_eq!(f.inviter_of(1), None);
    assert_eq!(f.generation(99), None);
}

#[test]
fn k_per_cohort_with_and_without_invites() {
    let f = forest();
    let plain = f.k_by_cohort(None);
    let summary: Vec<(Option<&str>, u64, u64, f64)> = plain
        .iter()
        .map(|c| (c.cohort.as_deref(), c.members, c.successful_referrals, c.k))
        .collect();
    assert_eq!(
        summary,
        [
            (None, 1, 0, 0.0),
            (Some("2024-01"), 3, 4, 4.0 / 3.0),
            (Some("2024-02"), 4, 1, 0.25)
        ]
    );
    assert!(plain.iter().all(|c| c.invites.is_none()));

    let invites: HashMap<u64, u64> = [(1, 10), (2, 4), (3, 2), (5, 4)].into_iter().collect();
    let with = f.k_by_cohort(Some(&invites));
    let jan = with[1].invites.as_ref().unwrap();
    assert_eq!(jan.invites_sent, 16);
    assert!((jan.invites_per_member - 16.0 / 3.0).abs() < 1e-12);
    assert_eq!(jan.conversion, Some(0.25));
    assert!((jan.k.unwrap() - 4.0 / 3.0).abs() < 1e-12);
    let none = with[0].invites.as_ref().unwrap();
    assert_eq!(
        (none.invites_sent, none.conversion, none.k),
        (0, None, None)
    );

    let direct = k_from_invites(20, 60, 9).unwrap();
    assert!((direct.k.unwrap() - 0.45).abs() < 1e-12);
    assert!(matches!(
        k_from_invites(0, 1, 1),
        Err(GrowthError::InvalidParameter {
            field: "members",
            ..
        })
    ));
}

#[test]
fn k_per_period_with_and_without_window() {
    let f = forest();
    let weekly = f.k_by_period(0, 7 * DAY, None).unwrap();
    let summary: Vec<(i64, u64, u64, f64)> = weekly
        .iter()
        .map(|p| (p.period_start_ms, p.members, p.successful_referrals, p.k))
        .collect();
    assert_eq!(summary, [(0, 5, 5, 1.0), (7 * DAY, 3, 0, 0.0)]);
    // Within 3 days of joining only 1 → 3 (2 days) and 3 → 5 (2 days) count.
    let windowed = f.k_by_period(0, 7 * DAY, Some(3 * DAY)).unwrap();
    assert_eq!((windowed[0].successful_referrals, windowed[0].k), (2, 0.4));
    // Members before the origin are ignored.
    let late = f.k_by_period(5 * DAY, 7 * DAY, None).unwrap();
    assert_eq!(late[0].members, 3); // 4 (day 5), 7 (day 9), 6 (day 10)
    assert!(f.k_by_period(0, 0, None).is_err());
    assert!(f.k_by_period(0, DAY, Some(-1)).is_err());
}

#[test]
fn viral_cycle_time_is_the_median_delay_to_first_referral() {
    // Delays: 1 → 2 days, 2 → 8 days, 3 → 2 days, 5 → 6 days; median of
    // [2, 2, 6, 8] is 4 days.
    assert_eq!(forest().viral_cycle_time_ms(), Some(4.0 * DAY as f64));
    let alone = ReferralForest::build(&[join(1, 0, None, false)], &[]).unwrap();
    assert_eq!(alone.viral_cycle_time_ms(), None);
}

#[test]
fn growth_multiple_between_instants() {
    let f = forest();
    // By day 2: members 1, 2, 3. By day 10: all but 8.
    assert_eq!(
        f.growth_multiple(2 * DAY, 10 * DAY).unwrap(),
        Some(7.0 / 3.0)
    );
    assert_eq!(f.growth_multiple(-DAY, 10 * DAY).unwrap(), None);
    assert!(f.growth_multiple(2, 1).is_err());
}

#[test]
fn organic_versus_incentivised() {
    let f = forest();
    let all = f.referral_mix(i64::MIN, i64::MAX).unwrap();
    // Organic: 4 and 7 (no incentive), 2 (declared). Incentivised: 3, 5, 6.
    assert_eq!(
        (all.members, all.organic, all.incentivised, all.unattributed),
        (8, 3, 3, 2)
    );
    assert_eq!((all.organic_rate, all.incentivised_rate), (0.375, 0.375));
    // Second week only: 7 organic, 6 incentivised, 8 neither.
    let week2 = f.referral_mix(7 * DAY, 14 * DAY).unwrap();
    assert_eq!(
        (week2.members, week2.organic, week2.incentivised),
        (3, 1, 1)
    );
    let empty = f.referral_mix(100 * DAY, 101 * DAY).unwrap();
    assert_eq!((empty.members, empty.organic_rate), (0, 0.0));
}

#[test]
fn invitees_without_join_records_take_the_edge_time() {
    let joins = [join(1, 0, None, false)];
    let f = ReferralForest::build(&joins, &[edge(1, 2, 3, false), edge(2, 3, 5, true)]).unwrap();
    assert_eq!(f.generation(3), Some(2));
    assert_eq!(f.viral_cycle_time_ms(), Some(2.5 * DAY as f64));
}

#[test]
fn broken_forests_are_refused() {
    let (joins, edges) = fixture();
    let with = |extra: ReferralEdge| {
        let mut e = edges.clone();
        e.push(extra);
        ReferralForest::build(&joins, &e).unwrap_err()
    };
    assert_eq!(
        with(edge(4, 4, 5, false)),
        GrowthError::SelfReferral { member: 4 }
    );
    assert_eq!(
        with(edge(2, 3, 2, false)),
        GrowthError::DuplicateInvitee { invitee: 3 }
    );
    assert_eq!(
        with(edge(42, 8, 12, false)),
        GrowthError::MissingJoin { member: 42 }
    );
    assert_eq!(
        with(edge(8, 1, 0, false)),
        GrowthError::ReferralBeforeInviterJoined {
            inviter: 8,
            invitee: 1
        }
    );
    let mut dup = joins.clone();
    dup.push(join(3, 7, None, false));
    assert_eq!(
        ReferralForest::build(&dup, &edges).unwrap_err(),
        GrowthError::DuplicateMember { member: 3 }
    );
    // A closed loop A → B → A (same instant, so the time check passes).
    let loop_joins = [join(10, 1, None, false), join(11, 1, None, false)];
    let err = ReferralForest::build(&loop_joins, &[edge(10, 11, 1, true), edge(11, 10, 1, true)])
        .unwrap_err();
    assert!(matches!(err, GrowthError::ReferralCycle { .. }));
}
