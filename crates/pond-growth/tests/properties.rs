//! Invariants that must hold for every input, checked with proptest.

use pond_growth::analytics::{MemberJoin, ReferralEdge, ReferralForest};
use pond_growth::closed_form::{extinction_probability_poisson, skok_reiss_users};
use pond_growth::{CampaignParams, Graph, SimulationResult, simulate_campaign, simulate_on_graph};
use proptest::prelude::*;

/// Any float, including NaN and infinities, biased towards sensible values.
fn any_float(sensible: std::ops::Range<f64>) -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => sensible,
        1 => proptest::num::f64::ANY,
    ]
}

fn valid_params() -> impl Strategy<Value = CampaignParams> {
    (
        (
            1_u64..30,
            0.0..8.0_f64,
            0.0..=1.0_f64,
            proptest::option::of(0.0..3.0_f64),
        ),
        (0.0..=1.0_f64, any::<bool>(), proptest::option::of(0_u32..6)),
        (
            0.5..10.0_f64,
            proptest::option::of(30_u64..3_000),
            0.0..150.0_f64,
        ),
        (1_u32..40, any::<u64>()),
    )
        .prop_map(
            |(
                (seeds, ask_rate, conversion, k),
                (decay, two_sided, cap),
                (cycle, market, horizon),
                (runs, seed),
            )| {
                CampaignParams {
                    seeds,
                    // k must not exceed ask_rate: lift ask_rate when needed.
                    ask_rate: k.map_or(ask_rate, |k| ask_rate.max(k)),
                    conversion,
                    k,
                    trust_decay_per_ask: decay,
                    two_sided,
                    inviter_cap: cap,
                    cycle_days: cycle,
                    market_size: market.map(|m| m.max(seeds)),
                    horizon_days: horizon,
                    runs,
                    rng_seed: seed,
                }
            },
        )
}

fn check_result(r: &SimulationResult, p: &CampaignParams, limit: Option<f64>) {
    assert_eq!(r.runs, p.runs);
    assert!(r.mean_total_per_seed >= 1.0 - 1e-12, "{r:?}");
    assert!(r.mean_total >= p.seeds as f64 - 1e-9);
    assert!((0.0..=1.0).contains(&r.extinction_probability));
    assert!(r.trust_spent >= 0.0);
    assert_eq!(r.generation_sizes.first().copied(), Some(p.seeds as f64));
    assert!(!r.growth_curve.is_empty());
    for w in r.growth_curve.windows(2) {
        assert!(w[0].day < w[1].day);
        assert!(w[0].mean <= w[1].mean, "mean curve decreases: {w:?}");
        assert!(w[0].p05 <= w[1].p05 && w[0].p95 <= w[1].p95);
    }
    for point in &r.growth_curve {
        assert!(point.p05 <= point.p95);
        assert!(point.p05 >= p.seeds as f64 - 1e-9);
        if let Some(limit) = limit {
            assert!(point.p95 <= limit && point.mean <= limit);
        }
    }
    let last = r.growth_curve.last().map(|c| c.mean);
    assert_eq!(last, Some(r.mean_total));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn campaign_invariants(p in valid_params()) {
        let r = simulate_campaign(&p).unwrap();
        check_result(&r, &p, p.market_size.map(|m| m as f64));
        // The mean per-generation sizes add up to the mean total.
        let sum: f64 = r.generation_sizes.iter().sum();
        prop_assert!((sum - r.mean_total).abs() <= 1e-6 * r.mean_total.max(1.0));
    }

    #[test]
    fn graph_invariants(
        p in valid_params(),
        nodes in 30_u32..300,
        degree in 0.0..6.0_f64,
        ask in 0.0..=1.0_f64,
        graph_seed in any::<u64>(),
    ) {
        let graph = Graph::synthetic(nodes, degree, graph_seed).unwrap();
        let p = CampaignParams { ask_rate: ask, k: None, ..p };
        let r = simulate_on_graph(&graph, &p, None).unwrap();
        check_result(&r, &p, Some(f64::from(nodes)));
    }

    #[test]
    fn arbitrary_params_never_panic(
        seeds in 0_u64..5,
        ask_rate in any_float(0.0..5.0),
        conversion in any_float(-0.5..1.5),
        k in proptest::option::of(any_float(-1.0..5.0)),
        decay in any_float(-0.5..1.5),
        cap in proptest::option::of(0_u32..4),
        cycle in any_float(-1.0..5.0),
        market in proptest::option::of(0_u64..20),
        horizon in any_float(-5.0..40.0),
        runs in 0_u32..4,
    ) {
        let p = CampaignParams {
            seeds, ask_rate, conversion, k, trust_decay_per_ask: decay, two_sided: true,
            inviter_cap: cap, cycle_days: cycle, market_size: market, horizon_days: horizon,
            runs, rng_seed: 1,
        };
        if let Ok(r) = simulate_campaign(&p) {
            check_result(&r, &p, p.market_size.map(|m| m as f64));
        }
        let graph = Graph::synthetic(20, 3.0, 5).unwrap();
        let _ = simulate_on_graph(&graph, &p, None);
        let _ = simulate_on_graph(&graph, &p, Some(&[0, 1]));
        let _ = p.effective_k();
    }

    #[test]
    fn poisson_extinction_is_a_probability_and_a_root(m in 0.0..20.0_f64) {
        let q = extinction_probability_poisson(m).unwrap();
        prop_assert!((0.0..=1.0).contains(&q));
        prop_assert!((q - (m * (q - 1.0)).exp()).abs() < 1e-9);
        if m > 1.0 { prop_assert!(q < 1.0); }
    }

    #[test]
    fn skok_reiss_grows_with_time(u0 in 0.0..100.0_f64, k in 0.0..3.0_f64, t in 0.0..50.0_f64, ct in 0.1..10.0_f64) {
        let now = skok_reiss_users(u0, k, t, ct).unwrap();
        let later = skok_reiss_users(u0, k, t + 1.0, ct).unwrap();
        prop_assert!(now >= u0 * (1.0 - 1e-12));
        prop_assert!(later >= now * (1.0 - 1e-12));
    }

    #[test]
    fn forest_invariants(parents in proptest::collection::vec(any::<prop::sample::Index>(), 1..200), organic in proptest::collection::vec(any::<bool>(), 200)) {
        // Member 0 is a root; member i > 0 is referred by an earlier member
        // or (every fifth) is a root too.
        let n = parents.len() + 1;
        let joins: Vec<MemberJoin> = (0..n as u64)
            .map(|m| MemberJoin { member: m, joined_at_ms: m as i64 * 1_000, cohort: Some(format!("c{}", m % 3)), declared_friend_referral: m % 7 == 0 })
            .collect();
        let edges: Vec<ReferralEdge> = parents.iter().enumerate()
            .filter(|(i, _)| (i + 1) % 5 != 0)
            .map(|(i, idx)| {
                let child = i as u64 + 1;
                ReferralEdge { inviter: idx.index(child as usize) as u64, invitee: child, invitee_joined_at_ms: child as i64 * 1_000, incentivised: organic[i] }
            })
            .collect();
        let f = ReferralForest::build(&joins, &edges).unwrap();
        let roots: Vec<u64> = (0..n as u64).filter(|&m| f.inviter_of(m).is_none()).collect();
        // Roots' subtrees partition the members.
        let covered: u64 = roots.iter().map(|&r| f.subtree_size(r).unwrap()).sum();
        prop_assert_eq!(covered, n as u64);
        let referrals: u64 = (0..n as u64).map(|m| f.direct_referrals(m).unwrap()).sum();
        prop_assert_eq!(referrals, edges.len() as u64);
        for m in 0..n as u64 {
            match f.inviter_of(m) {
                Some(p) => prop_assert_eq!(f.generation(m), f.generation(p).map(|g| g + 1)),
                None => prop_assert_eq!(f.generation(m), Some(0)),
            }
        }
        prop_assert_eq!(f.generation_counts().iter().sum::<u64>(), n as u64);
        let cohort_members: u64 = f.k_by_cohort(None).iter().map(|c| c.members).sum();
        prop_assert_eq!(cohort_members, n as u64);
        let mix = f.referral_mix(i64::MIN, i64::MAX).unwrap();
        prop_assert_eq!(mix.organic + mix.incentivised + mix.unattributed, n as u64);
        prop_assert_eq!(mix.incentivised, edges.iter().filter(|e| e.incentivised).count() as u64);
        if let Some(ct) = f.viral_cycle_time_ms() { prop_assert!(ct >= 0.0); }
    }
}
