//! Qualifying referral events per second, end to end through the HTTP API,
//! on a durable SQLite file (WAL, `synchronous=FULL`, as `pond-store` sets it).
//!
//! The real server (`Application::build` on 127.0.0.1:0) runs on its own
//! Tokio runtime in this process; the load generator runs on another and
//! talks to it over keep-alive TCP connections with `reqwest`. Each event is
//! an `order.paid` that qualifies a fresh referral in a Dropbox-style program
//! with `hold_days: 0`, so it writes 2 approved rewards and 2 ledger entries:
//! the worst case. Preparation (program, inviters, links, invitees) goes
//! through the API too but is not timed.
//!
//! * Phase A, throughput: closed loop, C concurrent clients, a fixed count.
//! * Phase B, latency at a fixed rate: open loop, requests scheduled by the
//!   clock and latency measured from the scheduled send time, so queueing
//!   is not hidden by coordinated omission.
//! * Breakdown (`--breakdown`), to show where the time goes: an HTTP floor
//!   (`GET /healthz`); the same events' change (`write::run` + `events::apply`)
//!   handed to `store.write` directly, serially, without HTTP, each timed
//!   until durable; a one-row durable write through `store.write`; and the
//!   inviter-cap count alone on the read pool.
//!
//! At the end every qualified referral is read back through the API: each
//! event must have left exactly 2 approved rewards, and the ledger must
//! hold the inviters' credits and balance to zero.
//!
//! ```text
//! cargo bench -p pond-server --bench events_http                # full run
//! cargo bench -p pond-server --bench events_http -- --quick     # CI smoke, seconds
//! cargo bench -p pond-server --bench events_http -- --help      # every option
//! ```

mod breakdown;
mod client;
mod cpu;
mod load;
mod opts;
mod report;
mod server;

use anyhow::{Context, Result};
use breakdown::breakdown;
use client::{Ctx, ms};
use load::{closed_loop, open_loop, prepare, verify};
use opts::Opts;
use report::{filesystem_of, machine, print_run, summary};
use server::Server;
use std::collections::{BTreeMap, HashSet};
use std::process::ExitCode;

/// Throughput target, events per second (phase A).
const TARGET_EPS: f64 = 2_000.0;
/// Latency target at the fixed rate: p99 below this (phase B).
const TARGET_P99_MS: f64 = 20.0;

/// Reward per side, as in the program below.
const REWARD: i64 = 500;

/// A Dropbox-style program: 500 MB each side on the first paid order, no hold.
const PROGRAM: &str = r#"{"name":"bench","rewards":[{"side":"inviter","depth":1,"amount":500,"unit":"MB"},{"side":"invitee","depth":1,"amount":500,"unit":"MB"}],"inviter_cap":1000000,"qualifying":{"type":"first_paid_order","min_amount":100},"hold_days":0}"#;

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("events_http: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<bool> {
    let opts = Opts::parse()?;
    let base = opts.dir.clone().unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::Builder::new()
        .prefix("pond-bench-")
        .tempdir_in(&base)
        .with_context(|| format!("creating a temp dir in {}", base.display()))?;
    let db = dir.path().join("pond.db");
    let fs = filesystem_of(dir.path());
    println!(
        "== Pond events_http benchmark{}",
        if opts.quick { " (quick)" } else { "" }
    );
    println!("machine    {}", machine());
    println!(
        "database   {} on {} (WAL, synchronous=FULL: every acknowledged commit is fsynced)",
        db.display(),
        fs.as_deref().unwrap_or("unknown filesystem")
    );
    if fs
        .as_deref()
        .is_some_and(|f| f.starts_with("tmpfs") || f.starts_with("ramfs"))
    {
        println!("WARNING    the database is in memory (tmpfs): fsync costs nothing; use --dir");
    }
    println!(
        "threads    server runtime {}, load generator runtime {}, SQLite: 1 writer + readers",
        opts.server_threads, opts.client_threads
    );

    let server = Server::start(&db, opts.server_threads)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(opts.client_threads)
        .thread_name("pond-load")
        .enable_all()
        .build()?;
    let outcome = rt.block_on(bench(&opts, &server));
    drop(rt);
    server.stop()?;
    outcome
}

/// Prepares, runs the phases and the breakdown, verifies, and summarises;
/// answers whether everything passed (and met the targets if asked to).
async fn bench(opts: &Opts, server: &Server) -> Result<bool> {
    let ctx = Ctx::new(server)?;
    let b_n = if opts.duration > 0.0 {
        opts.open_loop_events()
    } else {
        0
    };
    let direct_n = if opts.breakdown {
        opts.breakdown_events
    } else {
        0
    };
    let total = opts.warmup + opts.events * opts.concurrency.len() + b_n + direct_n;
    let p = prepare(&ctx, total, opts.per_inviter).await?;
    let mut pool = p.invitees.as_slice();
    let mut take = |n: usize| {
        let (a, b) = pool.split_at(n);
        pool = b;
        a
    };
    let mut fired: HashSet<i64> = HashSet::new();
    let mut failures: Vec<(i64, String)> = Vec::new();
    // Approved rewards in the program so far: 2 per successful event.
    let approved =
        |fired: &HashSet<i64>, failures: &[(i64, String)]| 2 * (fired.len() - failures.len());

    if opts.warmup > 0 {
        let ids = take(opts.warmup);
        let w = closed_loop(&ctx, ids, 16, "warmup", 0).await?;
        fired.extend(ids);
        failures.extend(w.failures.iter().cloned());
        println!(
            "warmup     {} events at C=16, {:.0} events/s (not reported)",
            w.n,
            w.rate()
        );
    }

    let mut runs = Vec::new();
    if opts.events > 0 {
        for &c in &opts.concurrency {
            let ids = take(opts.events);
            let label = format!("A closed loop C={c}");
            let before = approved(&fired, &failures);
            let r = closed_loop(&ctx, ids, c, &label, before).await?;
            fired.extend(ids);
            print_run(&r);
            failures.extend(r.failures.iter().cloned());
            runs.push(r);
        }
    }

    let mut b = None;
    if b_n > 0 {
        let ids = take(b_n);
        let before = approved(&fired, &failures);
        let o = open_loop(&ctx, ids, opts.rate, before).await?;
        fired.extend(ids);
        print_run(&o.run);
        println!(
            "           send lag behind schedule p50 {:.2} / p99 {:.2} / max {:.2} ms; \
             at most {} requests in flight",
            ms(o.lag.value_at_quantile(0.5)),
            ms(o.lag.value_at_quantile(0.99)),
            ms(o.lag.max()),
            o.max_in_flight
        );
        failures.extend(o.run.failures.iter().cloned());
        b = Some(o);
    }

    let mut bd = None;
    if opts.breakdown {
        let ids = take(direct_n);
        let c = opts.concurrency.iter().copied().max().unwrap_or(32);
        let healthz_n = if opts.quick { 2_000 } else { 20_000 };
        let before = approved(&fired, &failures);
        let d = breakdown(&ctx, server, &p, ids, c, healthz_n, before).await?;
        fired.extend(ids);
        bd = Some(d);
    }

    // Failed events must have left nothing behind; the others exactly 2 rewards.
    let failed: HashSet<i64> = failures.iter().map(|(m, _)| *m).collect();
    let ok: HashSet<i64> = fired.difference(&failed).copied().collect();
    let verified = verify(&ctx, server, &p, &ok).await;

    let met = summary(opts, &runs, b.as_ref(), bd.as_ref());
    if !failures.is_empty() {
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        for (_, e) in &failures {
            *kinds.entry(e.chars().take(160).collect()).or_default() += 1;
        }
        println!(
            "FAILED     {} of {} events failed:",
            failures.len(),
            fired.len()
        );
        for (k, n) in kinds {
            println!("           {n} x {k}");
        }
    }
    if let Err(e) = &verified {
        println!("FAILED     verification: {e:#}");
    }
    Ok(failures.is_empty() && verified.is_ok() && (met || !opts.check_targets))
}
