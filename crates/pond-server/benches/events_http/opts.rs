//! Command-line options, each also read from a `POND_BENCH_*` variable.

use anyhow::{Result, anyhow, bail};
use std::path::PathBuf;

const USAGE: &str = "\
events_http: qualifying events per second through Pond's HTTP API on SQLite

USAGE: cargo bench -p pond-server --bench events_http -- [OPTIONS]

OPTIONS (each also read from the environment variable shown):
  --quick                 CI smoke run in a few seconds         POND_BENCH_QUICK=1
  --events N              events per phase-A run, 0 skips it [20000]
                                                                POND_BENCH_EVENTS
  --concurrency C[,C..]   phase-A client tasks [16,32,64]       POND_BENCH_CONCURRENCY
  --rate R                phase-B requests per second [500]     POND_BENCH_RATE
  --duration S            phase-B seconds, 0 skips it [10]      POND_BENCH_DURATION
  --warmup N              untimed events before phase A [1000]  POND_BENCH_WARMUP
  --per-inviter K         invitees per inviter [10]             POND_BENCH_PER_INVITER
  --breakdown             also time HTTP floor, direct events, one-row write
                                                                POND_BENCH_BREAKDOWN=1
  --breakdown-events N    events for the direct run [2000]      POND_BENCH_BREAKDOWN_EVENTS
  --client-threads N      load-generator runtime threads [1]    POND_BENCH_CLIENT_THREADS
  --server-threads N      server runtime threads [nproc]        POND_BENCH_SERVER_THREADS
  --dir PATH              where the database file goes [$TMPDIR] POND_BENCH_DIR
  --check-targets         exit 1 when a target is missed        POND_BENCH_CHECK_TARGETS=1

Correctness failures (a non-200, an event that did not qualify, a reward
count that is not 2 per event) always exit 1.";

#[derive(Debug, Clone)]
pub struct Opts {
    pub quick: bool,
    pub events: usize,
    pub concurrency: Vec<usize>,
    pub rate: f64,
    pub duration: f64,
    pub warmup: usize,
    pub per_inviter: usize,
    pub breakdown: bool,
    pub breakdown_events: usize,
    pub client_threads: usize,
    pub server_threads: usize,
    pub dir: Option<PathBuf>,
    pub check_targets: bool,
}

impl Opts {
    pub fn parse() -> Result<Self> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        if args.iter().any(|a| a == "--help" || a == "-h") {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let truthy = |k: &str| env(k).is_some_and(|v| v != "0" && v != "false");
        let quick = truthy("POND_BENCH_QUICK") || args.iter().any(|a| a == "--quick");
        let nproc = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mut o = if quick {
            Opts {
                quick,
                events: 400,
                concurrency: vec![16],
                rate: 100.0,
                duration: 2.0,
                warmup: 50,
                per_inviter: 10,
                breakdown: false,
                breakdown_events: 100,
                client_threads: 1,
                server_threads: nproc,
                dir: None,
                check_targets: false,
            }
        } else {
            Opts {
                quick,
                events: 20_000,
                concurrency: vec![16, 32, 64],
                rate: 500.0,
                duration: 10.0,
                warmup: 1_000,
                per_inviter: 10,
                breakdown: false,
                breakdown_events: 2_000,
                client_threads: 1,
                server_threads: nproc,
                dir: None,
                check_targets: false,
            }
        };
        // Environment first, then arguments on top.
        let mut set = |name: &str, value: &str| -> Result<()> {
            let bad = || anyhow!("bad value `{value}` for {name}");
            match name {
                "events" => o.events = value.parse().map_err(|_| bad())?,
                "concurrency" => {
                    o.concurrency = value
                        .split(',')
                        .map(|c| c.trim().parse::<usize>().ok().filter(|c| *c > 0))
                        .collect::<Option<Vec<_>>>()
                        .filter(|v| !v.is_empty())
                        .ok_or_else(bad)?;
                }
                "rate" => o.rate = value.parse().ok().filter(|r| *r > 0.0).ok_or_else(bad)?,
                "duration" => {
                    o.duration = value.parse().ok().filter(|d| *d >= 0.0).ok_or_else(bad)?;
                }
                "warmup" => o.warmup = value.parse().map_err(|_| bad())?,
                "per-inviter" => {
                    o.per_inviter = value.parse().ok().filter(|k| *k > 0).ok_or_else(bad)?;
                }
                "breakdown-events" => o.breakdown_events = value.parse().map_err(|_| bad())?,
                "client-threads" => {
                    o.client_threads = value.parse().ok().filter(|n| *n > 0).ok_or_else(bad)?;
                }
                "server-threads" => {
                    o.server_threads = value.parse().ok().filter(|n| *n > 0).ok_or_else(bad)?;
                }
                "dir" => o.dir = Some(PathBuf::from(value)),
                _ => bail!("unknown option --{name}\n\n{USAGE}"),
            }
            Ok(())
        };
        for name in [
            "events",
            "concurrency",
            "rate",
            "duration",
            "warmup",
            "per-inviter",
            "breakdown-events",
            "client-threads",
            "server-threads",
            "dir",
        ] {
            let var = format!("POND_BENCH_{}", name.replace('-', "_").to_uppercase());
            if let Some(v) = env(&var) {
                set(name, &v)?;
            }
        }
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                // `cargo bench` passes --bench to every bench binary.
                "--bench" | "--quick" => {}
                "--breakdown" => o.breakdown = true,
                "--check-targets" => o.check_targets = true,
                _ => {
                    let Some(rest) = a.strip_prefix("--") else {
                        bail!("unexpected argument `{a}`\n\n{USAGE}");
                    };
                    let (name, value) = match rest.split_once('=') {
                        Some((n, v)) => (n.to_string(), v.to_string()),
                        None => (
                            rest.to_string(),
                            it.next()
                                .ok_or_else(|| anyhow!("--{rest} needs a value"))?
                                .clone(),
                        ),
                    };
                    set(&name, &value)?;
                }
            }
        }
        o.breakdown |= truthy("POND_BENCH_BREAKDOWN");
        o.check_targets |= truthy("POND_BENCH_CHECK_TARGETS");
        Ok(o)
    }

    /// Events of phase B.
    pub fn open_loop_events(&self) -> usize {
        (self.rate * self.duration).round().max(1.0) as usize
    }
}
