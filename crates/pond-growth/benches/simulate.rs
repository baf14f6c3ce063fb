//! Criterion benchmarks for the simulators.
//!
//! The headline workload (1,000 cascade runs over a 1,000,000-member graph)
//! takes seconds per iteration, so by default it is measured on 100 runs
//! per iteration (multiply by 10 for the 1,000-run figure); set
//! `POND_BENCH_FULL=1` to measure the full 1,000 runs per iteration (about
//! ten iterations of ~10 s each). `examples/bench_simulate.rs` times the
//! full workload once and is quicker for a single figure.
//!
//! `cargo bench -p pond-growth --bench simulate`

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use pond_growth::{CampaignParams, Graph, simulate_campaign, simulate_on_graph};

/// The cascade over the synthetic graph: 10 random seeds, each friend asked
/// with probability 0.5, conversion set so a member brings `k` friends on
/// average while the graph is fresh, weekly cycles over two years.
fn graph_params(k: f64, runs: u32) -> CampaignParams {
    CampaignParams {
        seeds: 10,
        ask_rate: 0.5,
        conversion: 0.0,
        k: Some(k),
        trust_decay_per_ask: 0.0,
        two_sided: true,
        inviter_cap: Some(32),
        cycle_days: 7.0,
        market_size: None,
        horizon_days: 730.0,
        runs,
        rng_seed: 7,
    }
}

fn cascade_on_million_member_graph(c: &mut Criterion) {
    let graph = Graph::synthetic(1_000_000, 10.0, 42).expect("valid synthetic graph");
    let full = std::env::var_os("POND_BENCH_FULL").is_some();
    let runs = if full { 1_000 } else { 100 };
    let mut group = c.benchmark_group(format!("graph_1m_deg10_{runs}_runs"));
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(if full { 120 } else { 20 }));
    for k in [0.8, 1.0, 1.2] {
        let params = graph_params(k, runs);
        group.bench_with_input(BenchmarkId::new("K", k), &params, |b, params| {
            b.iter(|| simulate_on_graph(black_box(&graph), black_box(params), None))
        });
    }
    group.finish();
}

fn build_million_member_graph(c: &mut Criterion) {
    let mut group = c.benchmark_group("graph_synthetic");
    group.sample_size(10);
    group.bench_function("1m_deg10", |b| {
        b.iter(|| Graph::synthetic(black_box(1_000_000), 10.0, 42))
    });
    group.finish();
}

fn branching_campaign(c: &mut Criterion) {
    let mut group = c.benchmark_group("campaign_10k_runs");
    group.sample_size(10);
    let frictionless = CampaignParams {
        seeds: 10,
        ask_rate: 4.0,
        conversion: 0.3,
        k: None,
        trust_decay_per_ask: 0.0,
        two_sided: true,
        inviter_cap: None,
        cycle_days: 7.0,
        market_size: Some(100_000),
        horizon_days: 365.0,
        runs: 10_000,
        rng_seed: 1,
    };
    let with_frictions = CampaignParams {
        trust_decay_per_ask: 0.05,
        inviter_cap: Some(5),
        ..frictionless.clone()
    };
    for (name, params) in [
        ("frictionless", frictionless),
        ("cap_and_decay", with_frictions),
    ] {
        group.bench_with_input(
            BenchmarkId::new("K1.2_market100k", name),
            &params,
            |b, params| b.iter(|| simulate_campaign(black_box(params))),
        );
    }
    group.finish();
}

criterion_group!(
    benches,
    cascade_on_million_member_graph,
    build_million_member_graph,
    branching_campaign
);
criterion_main!(benches);
