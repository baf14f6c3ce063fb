//! The simulators must reproduce the closed forms of DOMAIN.md §3 where the
//! closed forms apply, and be deterministic.

use pond_growth::closed_form::{
    extinction_probability_poisson, gw_expected_total_progeny, skok_reiss_users,
};
use pond_growth::{CampaignParams, Graph, GrowthError, simulate_campaign, simulate_on_graph};

/// A frictionless Galton–Watson campaign: Poisson(`k`) offspring, no cap, no
/// decay, two-sided, unlimited market.
fn poisson_campaign(k: f64, seeds: u64, runs: u32, generations: u32) -> CampaignParams {
    CampaignParams {
        seeds,
        ask_rate: 5.0,
        conversion: 0.0,
        k: Some(k),
        trust_decay_per_ask: 0.0,
        two_sided: true,
        inviter_cap: None,
        cycle_days: 1.0,
        market_size: None,
        horizon_days: f64::from(generations),
        runs,
        rng_seed: 20_240_601,
    }
}

#[test]
fn subcritical_mean_total_per_seed_matches_one_over_one_minus_k() {
    for k in [0.5, 0.8] {
        // 10 seeds per run: the per-seed mean then has a relative standard
        // error of 0.1–0.2 % at 10^5 runs, well inside the 1 % tolerance.
        let result = simulate_campaign(&poisson_campaign(k, 10, 100_000, 400)).unwrap();
        let theory = gw_expected_total_progeny(k).unwrap();
        let rel = (result.mean_total_per_seed - theory).abs() / theory;
        assert!(
            rel < 0.01,
            "K = {k}: {} vs {theory} ({rel})",
            result.mean_total_per_seed
        );
        // Subcritical runs all die out well within 400 generations.
        assert_eq!(result.extinction_probability, 1.0);
    }
}

#[test]
fn supercritical_extinction_matches_poisson_theory() {
    for k in [1.5, 2.0] {
        let result = simulate_campaign(&poisson_campaign(k, 1, 100_000, 200)).unwrap();
        let theory = extinction_probability_poisson(k).unwrap();
        let err = (result.extinction_probability - theory).abs();
        assert!(
            err < 0.01,
            "K = {k}: {} vs {theory}",
            result.extinction_probability
        );
    }
}

#[test]
fn mean_generation_sizes_follow_k_to_the_n() {
    let result = simulate_campaign(&poisson_campaign(1.2, 50, 20_000, 10)).unwrap();
    for (n, &size) in result.generation_sizes.iter().enumerate() {
        let expected = 50.0 * 1.2_f64.powi(n as i32);
        assert!(
            (size - expected).abs() / expected < 0.03,
            "generation {n}: {size} vs {expected}"
        );
    }
}

#[test]
fn mean_growth_matches_skok_reiss() {
    // DOMAIN.md: U0 = 10, K = 2, ct = 2 days, t = 20 days → 20,470. The
    // Skok–Reiss formula is the expectation of the branching process.
    let mut params = poisson_campaign(2.0, 10, 20_000, 0);
    params.cycle_days = 2.0;
    params.horizon_days = 20.0;
    let result = simulate_campaign(&params).unwrap();
    let theory = skok_reiss_users(10.0, 2.0, 20.0, 2.0).unwrap();
    let last = result.growth_curve.last().unwrap();
    assert_eq!(last.day, 20.0);
    assert_eq!(result.growth_curve.len(), 11);
    assert!(
        (last.mean - theory).abs() / theory < 0.02,
        "{} vs {theory}",
        last.mean
    );
    assert_eq!(last.mean, result.mean_total);
}

#[test]
fn effective_k_accounts_for_frictions_and_matches_simulation() {
    let base = CampaignParams {
        seeds: 20,
        ask_rate: 6.0,
        conversion: 0.15,
        k: None,
        trust_decay_per_ask: 0.1,
        two_sided: true,
        inviter_cap: Some(2),
        cycle_days: 7.0,
        market_size: None,
        horizon_days: 7.0 * 300.0,
        runs: 20_000,
        rng_seed: 3,
    };
    let k = base.effective_k().unwrap();
    // Frictions take K well below the frictionless 6 × 0.15 = 0.9.
    assert!(k > 0.5 && k < 0.85, "{k}");
    let theory = 1.0 / (1.0 - k);
    // Member-by-member sampling (20 seeds) and the CLT path (5,000 seeds,
    // above EXACT_MEMBER_LIMIT) must agree with the exact K.
    for (seeds, runs) in [(20, 20_000), (5_000, 400)] {
        let params = CampaignParams {
            seeds,
            runs,
            ..base.clone()
        };
        let got = simulate_campaign(&params).unwrap().mean_total_per_seed;
        assert!(
            (got - theory).abs() / theory < 0.01,
            "seeds {seeds}: {got} vs {theory}"
        );
    }
    let one_sided = CampaignParams {
        two_sided: false,
        ..base.clone()
    };
    assert!(one_sided.effective_k().unwrap() < k);
}

#[test]
fn finite_market_caps_totals() {
    let params = CampaignParams {
        market_size: Some(500),
        ..poisson_campaign(3.0, 5, 2_000, 40)
    };
    let result = simulate_campaign(&params).unwrap();
    assert!(result.mean_total <= 500.0);
    assert!(result.growth_curve.iter().all(|p| p.p95 <= 500.0));
    // Runs that take off saturate a large share of the small market, and
    // with K = 3 and 5 seeds almost none die out (q^5 ≈ 1e-6).
    assert!(result.mean_total > 300.0, "{}", result.mean_total);
    assert!(result.extinction_probability < 0.01);
}

#[test]
fn same_seed_same_result_and_thread_count_does_not_matter() {
    let params = CampaignParams {
        trust_decay_per_ask: 0.05,
        inviter_cap: Some(3),
        ..poisson_campaign(1.3, 3, 3_000, 30)
    };
    let run_with = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| simulate_campaign(&params).unwrap())
    };
    let one = run_with(1);
    assert_eq!(one, run_with(1));
    assert_eq!(one, run_with(2));
    assert_eq!(one, run_with(5));
    let other_seed = simulate_campaign(&CampaignParams {
        rng_seed: 1,
        ..params.clone()
    })
    .unwrap();
    assert_ne!(one, other_seed);

    let graph = Graph::synthetic(5_000, 6.0, 9).unwrap();
    let gparams = CampaignParams {
        ask_rate: 0.5,
        conversion: 0.4,
        k: None,
        inviter_cap: Some(4),
        ..params.clone()
    };
    let on_graph = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| simulate_on_graph(&graph, &gparams, None).unwrap())
    };
    let g1 = on_graph(1);
    assert_eq!(g1, on_graph(3));
    assert_eq!(g1, on_graph(1));
}

/// Exact expected spread σ(S) of an independent cascade by enumerating
/// every live-edge subgraph (each arc live with probability `p`).
fn exact_spread(graph: &Graph, seeds: &[u32], p: f64) -> f64 {
    let arcs: Vec<(u32, u32)> = (0..graph.node_count())
        .flat_map(|u| graph.neighbors(u).iter().map(move |&v| (u, v)))
        .collect();
    assert!(arcs.len() <= 20, "enumeration is 2^arcs");
    let n = graph.node_count() as usize;
    let mut expected = 0.0;
    for mask in 0_u32..(1 << arcs.len()) {
        let live = mask.count_ones() as i32;
        let weight = p.powi(live) * (1.0 - p).powi(arcs.len() as i32 - live);
        let mut reached = vec![false; n];
        let mut stack: Vec<u32> = seeds.to_vec();
        for &s in seeds {
            reached[s as usize] = true;
        }
        while let Some(u) = stack.pop() {
            for (i, &(a, b)) in arcs.iter().enumerate() {
                if a == u && mask & (1 << i) != 0 && !reached[b as usize] {
                    reached[b as usize] = true;
                    stack.push(b);
                }
            }
        }
        expected += weight * reached.iter().filter(|&&r| r).count() as f64;
    }
    expected
}

#[test]
fn graph_cascade_matches_exact_live_edge_spread() {
    // 6 undirected edges = 12 arcs: a 4-cycle with a chord and a tail.
    let graph =
        Graph::from_undirected_edges(5, &[(0, 1), (1, 2), (2, 3), (3, 0), (0, 2), (3, 4)]).unwrap();
    assert_eq!(graph.arc_count(), 12);
    for (ask, conversion, seeds) in [(0.8, 0.5, vec![0_u32]), (1.0, 0.3, vec![1, 4])] {
        let params = CampaignParams {
            seeds: seeds.len() as u64,
            ask_rate: ask,
            conversion,
            k: None,
            trust_decay_per_ask: 0.0,
            two_sided: true,
            inviter_cap: None,
            cycle_days: 1.0,
            market_size: None,
            horizon_days: 10.0, // longer than any path in a 5-node graph
            runs: 200_000,
            rng_seed: 17,
        };
        let exact = exact_spread(&graph, &seeds, ask * conversion);
        let got = simulate_on_graph(&graph, &params, Some(&seeds)).unwrap();
        // Spread is bounded by 5, so its standard deviation is under 2.5 and
        // the standard error of the mean under 0.006.
        assert!(
            (got.mean_total - exact).abs() < 0.025,
            "{} vs {exact}",
            got.mean_total
        );
        assert!((got.mean_total_per_seed * seeds.len() as f64 - got.mean_total).abs() < 1e-9);
    }
}

#[test]
fn graph_cascade_extinction_matches_poisson_branching() {
    // On a sparse random graph a member's fresh friends are about
    // Poisson(degree), so with per-friend probability K / degree the early
    // cascade is a Galton–Watson process with Poisson(K) offspring.
    let graph = Graph::synthetic(50_000, 10.0, 3).unwrap();
    let params = CampaignParams {
        seeds: 1,
        ask_rate: 0.5,
        conversion: 0.0,
        k: Some(1.5),
        trust_decay_per_ask: 0.0,
        two_sided: true,
        inviter_cap: None,
        cycle_days: 1.0,
        market_size: None,
        horizon_days: 200.0,
        runs: 1_000,
        rng_seed: 5,
    };
    let result = simulate_on_graph(&graph, &params, None).unwrap();
    let theory = extinction_probability_poisson(1.5).unwrap();
    // Standard error 0.016 at 1,000 runs.
    assert!(
        (result.extinction_probability - theory).abs() < 0.05,
        "{} vs {theory}",
        result.extinction_probability
    );
}

#[test]
fn graph_sampling_shortcuts_match_ask_by_ask_sampling() {
    // With no decay and no binding cap, batches are sampled with shortcuts:
    // a branch-free loop, or jumps between conversions when they are rare.
    // A vanishing trust decay forces the ask-by-ask path, the same model.
    let graph = Graph::synthetic(2_000, 6.0, 11).unwrap();
    let params = |ask: f64, conversion: f64, decay: f64, runs: u32| CampaignParams {
        seeds: 5,
        ask_rate: ask,
        conversion,
        k: None,
        trust_decay_per_ask: decay,
        two_sided: true,
        inviter_cap: None,
        cycle_days: 1.0,
        market_size: None,
        horizon_days: 30.0,
        runs,
        rng_seed: 8,
    };
    // Rare conversions (ask × conversion = 0.05): jumps, so only the
    // distributions agree. Standard error of each mean is about 0.6 %;
    // 2.5 % is three standard errors of the difference.
    let jumps = simulate_on_graph(&graph, &params(0.5, 0.1, 0.0, 20_000), None).unwrap();
    let asks = simulate_on_graph(&graph, &params(0.5, 0.1, 1e-12, 20_000), None).unwrap();
    let close = |x: f64, y: f64| (x - y).abs() / y < 0.025;
    assert!(
        close(jumps.mean_total, asks.mean_total),
        "{} vs {}",
        jumps.mean_total,
        asks.mean_total
    );
    assert!(
        close(jumps.trust_spent, asks.trust_spent),
        "{} vs {}",
        jumps.trust_spent,
        asks.trust_spent
    );
    // Frequent conversions: the branch-free loop consumes the same draws as
    // the ask-by-ask path, so the results are identical.
    let flat = simulate_on_graph(&graph, &params(0.9, 0.5, 0.0, 500), None).unwrap();
    let slow = simulate_on_graph(&graph, &params(0.9, 0.5, 1e-12, 500), None).unwrap();
    assert_eq!(flat, slow);
}

#[test]
fn graph_cascade_respects_cap_and_counts_asks() {
    // A star: the centre can ask 20 friends but stops after 3 converts.
    let edges: Vec<(u32, u32)> = (1..=20).map(|v| (0, v)).collect();
    let graph = Graph::from_undirected_edges(21, &edges).unwrap();
    let params = CampaignParams {
        seeds: 1,
        ask_rate: 1.0,
        conversion: 1.0,
        k: None,
        trust_decay_per_ask: 0.0,
        two_sided: true,
        inviter_cap: Some(3),
        cycle_days: 1.0,
        market_size: None,
        horizon_days: 5.0,
        runs: 10,
        rng_seed: 0,
    };
    let result = simulate_on_graph(&graph, &params, Some(&[0])).unwrap();
    assert_eq!(result.mean_total, 4.0);
    // 3 asks by the centre; the leaves' only friend is already a member.
    assert_eq!(result.trust_spent, 3.0);
    assert_eq!(result.generation_sizes[..3], [1.0, 3.0, 0.0]);
}

#[test]
fn invalid_parameters_name_the_field() {
    let ok = poisson_campaign(0.5, 1, 10, 10);
    let field = |p: CampaignParams| match simulate_campaign(&p) {
        Err(GrowthError::InvalidParameter { field, .. }) => field,
        other => panic!("expected an error, got {other:?}"),
    };
    assert_eq!(
        field(CampaignParams {
            conversion: 1.5,
            k: None,
            ..ok.clone()
        }),
        "conversion"
    );
    assert_eq!(
        field(CampaignParams {
            conversion: f64::NAN,
            ..ok.clone()
        }),
        "conversion"
    );
    assert_eq!(
        field(CampaignParams {
            runs: 0,
            ..ok.clone()
        }),
        "runs"
    );
    assert_eq!(
        field(CampaignParams {
            seeds: 0,
            ..ok.clone()
        }),
        "seeds"
    );
    assert_eq!(
        field(CampaignParams {
            k: Some(6.0),
            ..ok.clone()
        }),
        "k"
    );
    assert_eq!(
        field(CampaignParams {
            ask_rate: 0.0,
            ..ok.clone()
        }),
        "ask_rate"
    );
    assert_eq!(
        field(CampaignParams {
            ask_rate: -1.0,
            ..ok.clone()
        }),
        "ask_rate"
    );
    assert_eq!(
        field(CampaignParams {
            trust_decay_per_ask: 2.0,
            ..ok.clone()
        }),
        "trust_decay_per_ask"
    );
    assert_eq!(
        field(CampaignParams {
            cycle_days: 0.0,
            ..ok.clone()
        }),
        "cycle_days"
    );
    assert_eq!(
        field(CampaignParams {
            horizon_days: f64::INFINITY,
            ..ok.clone()
        }),
        "horizon_days"
    );
    assert_eq!(
        field(CampaignParams {
            horizon_days: 1e9,
            ..ok.clone()
        }),
        "horizon_days"
    );
    assert_eq!(
        field(CampaignParams {
            market_size: Some(0),
            ..ok.clone()
        }),
        "market_size"
    );
    assert_eq!(
        field(CampaignParams {
            seeds: 5,
            market_size: Some(4),
            ..ok.clone()
        }),
        "seeds"
    );

    let graph = Graph::synthetic(10, 2.0, 1).unwrap();
    let on_graph =
        |p: &CampaignParams, seeds: Option<&[u32]>| match simulate_on_graph(&graph, p, seeds) {
            Err(GrowthError::InvalidParameter { field, .. }) => field,
            other => panic!("expected an error, got {other:?}"),
        };
    let g = CampaignParams {
        ask_rate: 0.5,
        k: None,
        conversion: 0.5,
        ..ok.clone()
    };
    assert_eq!(
        on_graph(
            &CampaignParams {
                ask_rate: 1.5,
                ..g.clone()
            },
            None
        ),
        "ask_rate"
    );
    assert_eq!(
        on_graph(
            &CampaignParams {
                seeds: 11,
                ..g.clone()
            },
            None
        ),
        "seeds"
    );
    assert_eq!(on_graph(&g, Some(&[10])), "seed_members");
    assert_eq!(
        on_graph(
            &CampaignParams {
                seeds: 2,
                ..g.clone()
            },
            Some(&[3, 3])
        ),
        "seed_members"
    );
    assert_eq!(
        on_graph(
            &CampaignParams {
                seeds: 2,
                ..g.clone()
            },
            Some(&[3])
        ),
        "seeds"
    );
    assert_eq!(
        on_graph(
            &CampaignParams {
                k: Some(5.0),
                ..g.clone()
            },
            None
        ),
        "k"
    );
}
