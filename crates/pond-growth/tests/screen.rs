//! Screening recorded referrals: impossible edges are named and left out,
//! the rest always build a forest.

use pond_growth::GrowthError;
use pond_growth::analytics::{MemberJoin, ReferralEdge, ReferralForest};
use pond_growth::screen::screen;
use proptest::prelude::*;

fn join(member: u64, at: i64) -> MemberJoin {
    MemberJoin {
        member,
        joined_at_ms: at,
        cohort: None,
        declared_friend_referral: false,
    }
}

fn edge(inviter: u64, invitee: u64, at: i64) -> ReferralEdge {
    ReferralEdge {
        inviter,
        invitee,
        invitee_joined_at_ms: at,
        incentivised: true,
    }
}

#[test]
fn each_impossible_edge_is_dropped_with_its_reason() {
    let joins = vec![
        join(1, 0),
        join(2, 10),
        join(3, 20),
        join(4, 5),
        join(6, 7),
        join(7, 7),
    ];
    let edges = vec![
        edge(1, 2, 10), // kept
        edge(2, 3, 20), // kept
        edge(3, 3, 20), // self
        edge(1, 3, 20), // 3 already referred
        edge(3, 4, 5),  // 4 joined (5) before 3 (20)
        edge(9, 1, 0),  // 9 has no join record
        edge(6, 7, 7),  // kept: same instant is fine
        edge(7, 6, 7),  // closes 6 → 7 → 6
        edge(3, 8, 30), // 8 has no join record
        edge(1, 3, 20), // 3 named again
    ];
    let s = screen(&joins, edges);
    let kept: Vec<(u64, u64)> = s.kept.iter().map(|e| (e.inviter, e.invitee)).collect();
    assert_eq!(kept, vec![(1, 2), (2, 3), (6, 7)]);
    let dropped: Vec<GrowthError> = s.dropped.into_iter().map(|(_, e)| e).collect();
    assert_eq!(
        dropped,
        vec![
            GrowthError::SelfReferral { member: 3 },
            GrowthError::DuplicateInvitee { invitee: 3 },
            GrowthError::ReferralBeforeInviterJoined {
                inviter: 3,
                invitee: 4
            },
            GrowthError::MissingJoin { member: 9 },
            GrowthError::ReferralCycle { member: 7 },
            GrowthError::MissingJoin { member: 8 },
            GrowthError::DuplicateInvitee { invitee: 3 },
        ]
    );
    let forest = ReferralForest::build(&joins, &s.kept).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(forest.generation(3), Some(2));
    assert_eq!(forest.generation(4), Some(0));
}

proptest! {
    /// Whatever the records, what is kept builds, and nothing is lost.
    #[test]
    fn kept_edges_always_build(
        times in prop::collection::vec(0_i64..5, 1..12),
        raw in prop::collection::vec((0_u64..14, 0_u64..14), 0..30),
    ) {
        let joins: Vec<MemberJoin> = times.iter().enumerate()
            .map(|(i, &t)| join(i as u64, t)).collect();
        let edges: Vec<ReferralEdge> = raw.iter().map(|&(a, b)| edge(a, b, 3)).collect();
        let n = edges.len();
        let s = screen(&joins, edges);
        prop_assert_eq!(s.kept.len() + s.dropped.len(), n);
        prop_assert!(ReferralForest::build(&joins, &s.kept).is_ok());
    }
}
