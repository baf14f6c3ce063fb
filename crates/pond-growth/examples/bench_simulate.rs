//! Times the headline workload once: 1,000 cascade runs over a synthetic
//! 1,000,000-member friendship graph (mean degree 10), for K = 0.8, 1.0 and
//! 1.2, and prints the figures.
//!
//! Run with `cargo run --release -p pond-growth --example bench_simulate`.
//! Optional arguments: `[members] [runs] [k,k,...]`.

use std::time::Instant;

use pond_growth::{CampaignParams, Graph, GrowthError, simulate_on_graph};

fn main() -> Result<(), GrowthError> {
    let mut args = std::env::args().skip(1);
    let members: u32 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let runs: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let ks: Vec<f64> = args
        .next()
        .map(|a| a.split(',').filter_map(|k| k.parse().ok()).collect())
        .unwrap_or_else(|| vec![0.8, 1.0, 1.2]);
    println!("rayon threads: {}", rayon::current_num_threads());

    let started = Instant::now();
    let graph = Graph::synthetic(members, 10.0, 42)?;
    println!(
        "graph: {} members, {} arcs (mean degree {:.2}) built in {:.2} s",
        graph.node_count(),
        graph.arc_count(),
        graph.mean_out_degree(),
        started.elapsed().as_secs_f64()
    );

    for k in ks {
        let params = bench_params(k, runs);
        let cpu_before = process_cpu_seconds();
        let started = Instant::now();
        let result = simulate_on_graph(&graph, &params, None)?;
        let seconds = started.elapsed().as_secs_f64();
        let cpu = match (cpu_before, process_cpu_seconds()) {
            (Some(a), Some(b)) => format!("{:.2} CPU-s", b - a),
            _ => "CPU time n/a".to_owned(),
        };
        println!(
            "K = {k:.1}: {runs} runs in {seconds:.2} s wall, {cpu} ({:.1} ms/run wall); \
             mean members {:.0} (p95 {:.0}), take-off share {:.3}, mean asks {:.0}",
            seconds * 1e3 / f64::from(runs),
            result.mean_total,
            result.growth_curve.last().map_or(0.0, |p| p.p95),
            1.0 - result.extinction_probability,
            result.trust_spent,
        );
    }
    Ok(())
}

/// User + system CPU time of this process so far, from `/proc/self/stat`
/// (Linux only): wall time alone is misleading on a shared machine.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields overall, in clock ticks (100 per second on Linux).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// 10 random seeds, each member asks each friend with probability 0.5, and
/// conversion is set so that members bring `k` friends on average while the
/// graph is fresh; weekly cycles over two years, so big cascades finish.
fn bench_params(k: f64, runs: u32) -> CampaignParams {
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
