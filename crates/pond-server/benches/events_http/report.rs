//! What the bench prints: each run, the summary table with the targets, and
//! the machine and filesystem the figures come from.

use crate::breakdown::Breakdown;
use crate::client::ms;
use crate::load::{OpenRun, Run};
use crate::opts::Opts;
use crate::{TARGET_EPS, TARGET_P99_MS};
use std::path::Path;

pub fn print_run(r: &Run) {
    println!(
        "{:<22} {:>6} events in {:>6.2} s: {:>7.0} events/s, latency p50 {:>6.2} / p99 {:>6.2} / max {:>7.2} ms",
        r.label,
        r.n,
        r.wall.as_secs_f64(),
        r.rate(),
        ms(r.hist.value_at_quantile(0.5)),
        ms(r.hist.value_at_quantile(0.99)),
        ms(r.hist.max()),
    );
    if !r.failures.is_empty() {
        println!(
            "           {} FAILED ({:.0} successful events/s); latency includes the failures",
            r.failures.len(),
            r.good_rate()
        );
    }
    println!(
        "           program held {} approved rewards before this run",
        r.rewards_before
    );
    println!("           CPU {}", r.cpu);
}

pub fn summary(opts: &Opts, runs: &[Run], b: Option<&OpenRun>, bd: Option<&Breakdown>) -> bool {
    let best = runs.iter().map(Run::good_rate).fold(0.0, f64::max);
    println!();
    println!(
        "== Summary: qualifying order.paid events (2 rewards + 2 ledger entries each), durable SQLite"
    );
    println!(
        "| run | clients | rewards before | events | failed | events/s | p50 ms | p99 ms | max ms |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let open = b.map(|o| &o.run);
    for r in runs.iter().chain(open) {
        let clients = match b {
            Some(o) if std::ptr::eq(r, &o.run) => {
                format!("open loop, max {} in flight", o.max_in_flight)
            }
            _ => r.concurrency.to_string(),
        };
        println!(
            "| {} | {} | {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} |",
            r.label,
            clients,
            r.rewards_before,
            r.n,
            r.failures.len(),
            r.good_rate(),
            ms(r.hist.value_at_quantile(0.5)),
            ms(r.hist.value_at_quantile(0.99)),
            ms(r.hist.max())
        );
    }
    if let Some(d) = bd {
        println!();
        d.print();
    }
    println!();
    let mut met = true;
    if !runs.is_empty() {
        let eps_ok = best >= TARGET_EPS;
        met &= eps_ok;
        println!(
            "target     >= {TARGET_EPS:.0} events/s: best {best:.0} successful events/s -> {}",
            if eps_ok { "MET" } else { "MISSED" }
        );
    }
    if let Some(o) = b {
        let p99 = ms(o.run.hist.value_at_quantile(0.99));
        let p99_ok = p99 < TARGET_P99_MS
            && o.run.failures.is_empty()
            && o.run.good_rate() >= 0.95 * o.target_rate;
        met &= p99_ok;
        println!(
            "target     p99 < {TARGET_P99_MS:.0} ms at {:.0} req/s: p99 {p99:.2} ms, {:.0} successful events/s, {} failed -> {}",
            o.target_rate,
            o.run.good_rate(),
            o.run.failures.len(),
            if p99_ok { "MET" } else { "MISSED" }
        );
    }
    if opts.quick {
        println!("(quick run: a smoke test, not a measurement)");
    }
    met
}

pub fn machine() -> String {
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            let l = s.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kb: f64 = l.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.1} GiB", kb / 1024.0 / 1024.0))
        })
        .unwrap_or_else(|| "? GiB".into());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_default();
    format!("{nproc} CPUs ({cpu}), {mem} RAM")
}

/// The filesystem holding `path`, from /proc/self/mountinfo (longest mount
/// point that prefixes it): `ext4 /dev/vda`.
pub fn filesystem_of(path: &Path) -> Option<String> {
    let path = path.canonicalize().ok()?;
    let info = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let mut best: Option<(usize, String)> = None;
    for line in info.lines() {
        let (left, right) = line.split_once(" - ")?;
        let mount = left.split_whitespace().nth(4)?;
        if path.starts_with(mount) && best.as_ref().is_none_or(|(l, _)| mount.len() >= *l) {
            let mut r = right.split_whitespace();
            let fs = format!("{} {}", r.next()?, r.next()?);
            best = Some((mount.len(), fs));
        }
    }
    best.map(|(_, fs)| fs)
}
