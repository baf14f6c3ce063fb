//! CPU accounting: which threads of this process (server runtime, SQLite,
//! load generator) and how much of the machine each phase used.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

/// Per-thread CPU time of this process (from /proc/self/task/*/schedstat:
/// ns on a CPU, ns runnable but waiting for one) and the machine's totals
/// from /proc/stat, so each phase can say who used the two cores.
pub struct CpuSnap {
    at: Instant,
    threads: HashMap<u32, (String, u64, u64)>,
    machine: Option<(u64, u64, u64)>,
}

/// Cores used between two snapshots, per thread group: (on a CPU, runnable
/// but waiting for one); printed as the `CPU` line of each run.
#[derive(Default)]
pub struct CpuUse {
    groups: BTreeMap<&'static str, (f64, f64)>,
    busiest_sqlite: f64,
    machine_busy: Option<f64>,
    iowait: Option<f64>,
}

impl CpuSnap {
    pub fn take() -> Self {
        let mut threads = HashMap::new();
        if let Ok(dir) = std::fs::read_dir("/proc/self/task") {
            for e in dir.flatten() {
                let Some(tid) = e.file_name().to_str().and_then(|s| s.parse().ok()) else {
                    continue;
                };
                let comm = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
                let sched = std::fs::read_to_string(e.path().join("schedstat")).unwrap_or_default();
                let mut f = sched
                    .split_whitespace()
                    .map(|x| x.parse::<u64>().unwrap_or(0));
                let (run, wait) = (f.next().unwrap_or(0), f.next().unwrap_or(0));
                threads.insert(tid, (comm.trim().to_string(), run, wait));
            }
        }
        let machine = std::fs::read_to_string("/proc/stat").ok().and_then(|s| {
            let line = s.lines().next()?;
            let v: Vec<u64> = line
                .split_whitespace()
                .skip(1)
                .filter_map(|x| x.parse().ok())
                .collect();
            // user nice system idle iowait irq softirq steal
            let total: u64 = v.iter().take(8).sum();
            let idle = v.get(3)? + v.get(4)?;
            Some((total - idle, total, *v.get(4)?))
        });
        CpuSnap {
            at: Instant::now(),
            threads,
            machine,
        }
    }

    pub fn since(&self, before: &CpuSnap) -> CpuUse {
        let wall = self.at.duration_since(before.at).as_secs_f64() * 1e9;
        let mut u = CpuUse::default();
        for (tid, (comm, run, wait)) in &self.threads {
            let (r0, w0) = before.threads.get(tid).map_or((0, 0), |(_, r, w)| (*r, *w));
            let (run, wait) = (
                run.saturating_sub(r0) as f64 / wall,
                wait.saturating_sub(w0) as f64 / wall,
            );
            let group = if comm.starts_with("pond-srv") {
                "server"
            } else if comm.starts_with("sqlx-sqlite") {
                u.busiest_sqlite = u.busiest_sqlite.max(run);
                "sqlite"
            } else if comm.starts_with("pond-load") {
                "loadgen"
            } else {
                "other"
            };
            let g = u.groups.entry(group).or_default();
            g.0 += run;
            g.1 += wait;
        }
        if let (Some((b1, t1, io1)), Some((b0, t0, io0))) = (self.machine, before.machine) {
            let cpus = std::thread::available_parallelism().map_or(1.0, |n| n.get() as f64);
            let dt = (t1 - t0).max(1) as f64;
            u.machine_busy = Some((b1 - b0) as f64 / dt * cpus);
            u.iowait = Some((io1 - io0) as f64 / dt * cpus);
        }
        u
    }
}

impl std::fmt::Display for CpuUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let g = |k| self.groups.get(k).copied().unwrap_or_default();
        let ours: f64 = self.groups.values().map(|v| v.0).sum();
        let waiting: f64 = self.groups.values().map(|v| v.1).sum();
        write!(
            f,
            "(cores) server {:.2}, sqlite {:.2} (writer thread {:.2}), load generator {:.2}, other {:.2}; \
             runnable-but-waiting {:.2}",
            g("server").0,
            g("sqlite").0,
            self.busiest_sqlite,
            g("loadgen").0,
            g("other").0,
            waiting
        )?;
        if let (Some(m), Some(io)) = (self.machine_busy, self.iowait) {
            write!(
                f,
                "; machine busy {m:.2}, other processes {:.2}, iowait {io:.2}",
                (m - ours).max(0.0)
            )?;
        }
        Ok(())
    }
}
