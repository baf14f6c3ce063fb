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
//! * Breakdown (`--breakdown`): an HTTP floor (`GET /healthz`), the same
//!   transaction script called directly without HTTP (rolled back, then
//!   committed), and a bare durable commit, to show where the time goes.
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

use anyhow::{Context, Result, anyhow, bail, ensure};
use axum::http::StatusCode;
use hdrhistogram::Histogram;
use jiff::Timestamp;
use pond_server::events::EventInput;
use pond_server::{App, Application, Config};
use pond_store::Store;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Throughput target, events per second (phase A).
const TARGET_EPS: f64 = 2_000.0;
/// Latency target at the fixed rate: p99 below this (phase B).
const TARGET_P99_MS: f64 = 20.0;

/// Reward per side, as in the program below.
const REWARD: i64 = 500;

const PROGRAM: &str = r#"{"name":"bench","rewards":[{"side":"inviter","depth":1,"amount":500,"unit":"MB"},{"side":"invitee","depth":1,"amount":500,"unit":"MB"}],"inviter_cap":1000000,"qualifying":{"type":"first_paid_order","min_amount":100},"hold_days":0}"#;

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
  --breakdown             also time HTTP floor, direct script, bare commit
                                                                POND_BENCH_BREAKDOWN=1
  --breakdown-events N    events for the direct runs [2000]     POND_BENCH_BREAKDOWN_EVENTS
  --client-threads N      load-generator runtime threads [1]    POND_BENCH_CLIENT_THREADS
  --server-threads N      server runtime threads [nproc]        POND_BENCH_SERVER_THREADS
  --dir PATH              where the database file goes [$TMPDIR] POND_BENCH_DIR
  --check-targets         exit 1 when a target is missed        POND_BENCH_CHECK_TARGETS=1

Correctness failures (a non-200, an event that did not qualify, a reward
count that is not 2 per event) always exit 1.";

#[derive(Debug, Clone)]
struct Opts {
    quick: bool,
    events: usize,
    concurrency: Vec<usize>,
    rate: f64,
    duration: f64,
    warmup: usize,
    per_inviter: usize,
    breakdown: bool,
    breakdown_events: usize,
    client_threads: usize,
    server_threads: usize,
    dir: Option<PathBuf>,
    check_targets: bool,
}

impl Opts {
    fn parse() -> Result<Self> {
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
    fn open_loop_events(&self) -> usize {
        (self.rate * self.duration).round().max(1.0) as usize
    }
}

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

// ---------------------------------------------------------------- server

/// The real server on its own runtime and thread.
struct Server {
    base: String,
    token: String,
    app: App,
    handle: tokio::runtime::Handle,
    stop: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<Result<()>>,
}

type Started = (u16, String, App, tokio::runtime::Handle);

impl Server {
    fn start(db: &Path, threads: usize) -> Result<Self> {
        let url = format!("sqlite://{}", db.display());
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<Started>>();
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("pond-server".into())
            .spawn(move || -> Result<()> {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(threads)
                    .thread_name("pond-srv")
                    .enable_all()
                    .build()?;
                rt.block_on(async move {
                    let built = async {
                        let store = Store::open(&url).await?;
                        let config = Config {
                            listen: ([127, 0, 0, 1], 0).into(),
                            ..Config::default()
                        };
                        let application = Application::build(store.clone(), config).await?;
                        let token = store
                            .write(|tx| {
                                Box::pin(pond_server::tokens::create(tx, "bench", Timestamp::now()))
                            })
                            .await?;
                        Ok::<_, anyhow::Error>((application, token))
                    }
                    .await;
                    match built {
                        Ok((application, token)) => {
                            let started = (
                                application.port(),
                                token,
                                application.app().clone(),
                                tokio::runtime::Handle::current(),
                            );
                            let _ = ready_tx.send(Ok(started));
                            application
                                .run_until(async {
                                    let _ = stop_rx.await;
                                })
                                .await
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            Ok(())
                        }
                    }
                })
            })?;
        let (port, token, app, handle) = ready_rx
            .recv()
            .map_err(|_| anyhow!("the server thread died while starting"))??;
        Ok(Server {
            base: format!("http://127.0.0.1:{port}"),
            token,
            app,
            handle,
            stop,
            thread,
        })
    }

    /// Runs `f` on the server's runtime (direct store work in the breakdown).
    async fn on_server<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Future<Output = Result<T>> + Send + 'static,
    {
        self.handle.spawn(f).await?
    }

    fn stop(self) -> Result<()> {
        let _ = self.stop.send(());
        self.thread
            .join()
            .map_err(|_| anyhow!("the server thread panicked"))?
    }
}

// ---------------------------------------------------------------- client

#[derive(Clone)]
struct Ctx {
    client: reqwest::Client,
    base: Arc<str>,
    events_url: Arc<str>,
}

impl Ctx {
    fn new(server: &Server) -> Result<Self> {
        let mut headers = HeaderMap::new();
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {}", server.token))?,
        );
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .pool_max_idle_per_host(usize::MAX)
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(600))
            .build()?;
        Ok(Ctx {
            client,
            base: server.base.clone().into(),
            events_url: format!("{}/api/v1/events", server.base).into(),
        })
    }

    async fn post(&self, path: &str, body: &Value, expect: u16) -> Result<Value> {
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await?;
        let status = resp.status().as_u16();
        let text = resp.text().await?;
        ensure!(
            status == expect,
            "POST {path}: HTTP {status}, expected {expect}: {text}"
        );
        Ok(serde_json::from_str(&text)?)
    }

    async fn get(&self, path: &str) -> Result<Value> {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await?;
        let status = resp.status().as_u16();
        let text = resp.text().await?;
        ensure!(status == 200, "GET {path}: HTTP {status}: {text}");
        Ok(serde_json::from_str(&text)?)
    }
}

/// Sends one qualifying event for `member` and checks the answer.
async fn fire_event(ctx: &Ctx, member: i64) -> Result<(), String> {
    let body = format!(
        r#"{{"type":"order.paid","member_id":{member},"order_id":"o-{member}","amount":1000}}"#
    );
    let resp = ctx
        .client
        .post(&*ctx.events_url)
        .header(CONTENT_TYPE, "application/json")
        .header("idempotency-key", format!("ev-{member}"))
        .body(body)
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = resp.status().as_u16();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| format!("reading the body: {e}"))?;
    check_event(status, &bytes)
}

/// A qualifying event answers 200, `qualified`, not a replay, with both
/// rewards approved at once (hold 0). Substring checks keep the load
/// generator's CPU off the server's two cores; the end checks read
/// everything back properly.
fn check_event(status: u16, body: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(body);
    let short = || text.chars().take(300).collect::<String>();
    if status != 200 {
        return Err(format!("HTTP {status}: {}", short()));
    }
    if !text.contains(r#""effect":"qualified""#) || !text.contains(r#""duplicate":false"#) {
        return Err(format!("did not qualify: {}", short()));
    }
    let approved = text.matches(r#""status":"approved""#).count();
    if approved != 2 {
        return Err(format!(
            "{approved} approved rewards, expected 2: {}",
            short()
        ));
    }
    Ok(())
}

/// Runs `f(i)` for `i in 0..n` on `concurrency` tasks pulling from a shared
/// counter; answers the results in order.
async fn parallel<T, F, Fut>(n: usize, concurrency: usize, f: F) -> Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<T>> + Send + 'static,
{
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency.min(n.max(1)) {
        let (next, f) = (next.clone(), f.clone());
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return Ok::<_, anyhow::Error>(out);
                }
                out.push((i, f(i).await?));
            }
        }));
    }
    let mut all = Vec::with_capacity(n);
    for t in tasks {
        all.extend(t.await??);
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, v)| v).collect())
}

fn new_hist() -> Histogram<u64> {
    // Microseconds, 1 µs to 10 min, 3 significant figures.
    Histogram::new_with_bounds(1, 600_000_000, 3).unwrap_or_else(|_| unreachable!())
}

fn us(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

fn ms(v: u64) -> f64 {
    v as f64 / 1000.0
}

// ---------------------------------------------------------------- phases

struct Prepared {
    program_id: i64,
    inviters: Vec<i64>,
    /// Referred members, each still waiting for their first paid order.
    invitees: Vec<i64>,
}

async fn prepare(ctx: &Ctx, invitees: usize, per_inviter: usize) -> Result<Prepared> {
    let program: Value = serde_json::from_str(PROGRAM)?;
    let p = ctx.post("/api/v1/programs", &program, 201).await?;
    let program_id = p["id"].as_i64().context("program id")?;
    let n_inviters = invitees.div_ceil(per_inviter).max(1);
    let started = Instant::now();
    let c = ctx.clone();
    let inviters = parallel(n_inviters, 32, move |i| {
        let c = c.clone();
        async move {
            let m = c
                .post(
                    "/api/v1/members",
                    &json!({"external_id": format!("inviter-{i}")}),
                    201,
                )
                .await?;
            let id = m["id"].as_i64().context("member id")?;
            let l = c
                .post(
                    &format!("/api/v1/programs/{program_id}/links"),
                    &json!({"member_id": id}),
                    200,
                )
                .await?;
            let code = l["code"].as_str().context("link code")?.to_string();
            Ok((id, code))
        }
    })
    .await?;
    let codes: Arc<Vec<String>> = Arc::new(inviters.iter().map(|(_, c)| c.clone()).collect());
    let c = ctx.clone();
    let friends = parallel(invitees, 32, move |j| {
        let (c, codes) = (c.clone(), codes.clone());
        async move {
            // Consecutive invitees go to different inviters.
            let code = &codes[j % codes.len()];
            let m = c
                .post(
                    "/api/v1/members",
                    &json!({"external_id": format!("friend-{j}"), "referral_code": code}),
                    201,
                )
                .await?;
            let r = &m["referral"];
            ensure!(
                m["attribution_error"].is_null()
                    && r["status"] == "attributed"
                    && r["review"] == "clear",
                "invitee {j} was not cleanly attributed: {m}"
            );
            m["id"].as_i64().context("member id")
        }
    })
    .await?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "prepared   program {program_id}, {} inviters with links, {} referred invitees \
         ({} writes in {secs:.1} s, {:.0} writes/s, untimed)",
        inviters.len(),
        friends.len(),
        inviters.len() * 2 + friends.len(),
        (inviters.len() * 2 + friends.len()) as f64 / secs
    );
    Ok(Prepared {
        program_id,
        inviters: inviters.into_iter().map(|(id, _)| id).collect(),
        invitees: friends,
    })
}

struct Run {
    label: String,
    concurrency: usize,
    /// Rewards already in the program when the run started.
    rewards_before: usize,
    n: usize,
    wall: Duration,
    hist: Histogram<u64>,
    /// Members whose event failed, with what happened.
    failures: Vec<(i64, String)>,
    cpu: CpuUse,
}

impl Run {
    fn rate(&self) -> f64 {
        self.n as f64 / self.wall.as_secs_f64()
    }

    /// Events that succeeded per second.
    fn good_rate(&self) -> f64 {
        (self.n - self.failures.len()) as f64 / self.wall.as_secs_f64()
    }
}

/// Phase A: `concurrency` clients, each sending its next event as soon as
/// the previous answer arrives.
async fn closed_loop(
    ctx: &Ctx,
    ids: &[i64],
    concurrency: usize,
    label: &str,
    rewards_before: usize,
) -> Result<Run> {
    let ids: Arc<[i64]> = ids.into();
    let n = ids.len();
    let next = Arc::new(AtomicUsize::new(0));
    let before = CpuSnap::take();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (ctx, ids, next) = (ctx.clone(), ids.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut hist = new_hist();
            let mut failures = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= ids.len() {
                    return (hist, failures);
                }
                let t = Instant::now();
                let r = fire_event(&ctx, ids[i]).await;
                hist.saturating_record(us(t.elapsed()));
                if let Err(e) = r {
                    failures.push((ids[i], e));
                }
            }
        }));
    }
    let mut hist = new_hist();
    let mut failures = Vec::new();
    for t in tasks {
        let (h, f) = t.await?;
        hist.add(&h).map_err(|e| anyhow!("{e:?}"))?;
        failures.extend(f);
    }
    let wall = started.elapsed();
    let cpu = CpuSnap::take().since(&before);
    Ok(Run {
        label: label.to_string(),
        concurrency,
        rewards_before,
        n,
        wall,
        hist,
        failures,
        cpu,
    })
}

struct OpenRun {
    run: Run,
    target_rate: f64,
    lag: Histogram<u64>,
    max_in_flight: usize,
}

/// Phase B: request `i` is due at `start + i / rate` whatever happened to
/// the earlier ones, each on its own task (new connections open when all
/// are busy). Latency counts from the due time, so a late send or a queue
/// in front of the writer shows up instead of being omitted.
async fn open_loop(ctx: &Ctx, ids: &[i64], rate: f64, rewards_before: usize) -> Result<OpenRun> {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let max_in_flight = Arc::new(AtomicUsize::new(0));
    let before = CpuSnap::take();
    let start = Instant::now() + Duration::from_millis(20);
    let mut tasks = Vec::with_capacity(ids.len());
    for (i, &member) in ids.iter().enumerate() {
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(due.into()).await;
        let (ctx, in_flight, max_in_flight) =
            (ctx.clone(), in_flight.clone(), max_in_flight.clone());
        tasks.push(tokio::spawn(async move {
            let lag = Instant::now().saturating_duration_since(due);
            let now_in = in_flight.fetch_add(1, Ordering::Relaxed) + 1;
            max_in_flight.fetch_max(now_in, Ordering::Relaxed);
            let r = fire_event(&ctx, member).await;
            in_flight.fetch_sub(1, Ordering::Relaxed);
            let done = Instant::now();
            let failure = r.err().map(|e| (member, e));
            (done.saturating_duration_since(due), lag, done, failure)
        }));
    }
    let mut hist = new_hist();
    let mut lag = new_hist();
    let mut failures = Vec::new();
    let mut last = start;
    for t in tasks {
        let (latency, l, done, err) = t.await?;
        hist.saturating_record(us(latency));
        lag.saturating_record(us(l));
        last = last.max(done);
        failures.extend(err);
    }
    let cpu = CpuSnap::take().since(&before);
    Ok(OpenRun {
        run: Run {
            label: format!("B open loop {rate:.0}/s"),
            concurrency: max_in_flight.load(Ordering::Relaxed),
            rewards_before,
            n: ids.len(),
            wall: last.saturating_duration_since(start),
            hist,
            failures,
            cpu,
        },
        target_rate: rate,
        lag,
        max_in_flight: max_in_flight.load(Ordering::Relaxed),
    })
}

/// Reads every qualified referral of the program back through the API and
/// checks 2 approved rewards each, for exactly the members that were sent
/// an event; then the inviters' balances and the ledger's balance.
async fn verify(ctx: &Ctx, server: &Server, p: &Prepared, fired: &HashSet<i64>) -> Result<()> {
    let started = Instant::now();
    let mut before: Option<i64> = None;
    let (mut qualified, mut approved) = (0usize, 0usize);
    let mut seen = HashSet::new();
    loop {
        let mut path = format!(
            "/api/v1/referrals?program_id={}&status=qualified&limit=200",
            p.program_id
        );
        if let Some(b) = before {
            let _ = write!(path, "&before={b}");
        }
        let page = ctx.get(&path).await?;
        let rows = page.as_array().context("referrals page")?;
        if rows.is_empty() {
            break;
        }
        for r in rows {
            let invitee = r["invitee_id"].as_i64().context("invitee_id")?;
            ensure!(
                fired.contains(&invitee),
                "referral of member {invitee} qualified without an event"
            );
            ensure!(seen.insert(invitee), "member {invitee} listed twice");
            qualified += 1;
            let rewards = r["rewards"].as_array().context("rewards")?;
            let ok = rewards.iter().filter(|w| w["status"] == "approved").count();
            ensure!(
                ok == 2 && rewards.len() == 2,
                "referral {} has {ok} approved of {} rewards, expected 2 of 2",
                r["id"],
                rewards.len()
            );
            approved += ok;
        }
        before = rows.last().and_then(|r| r["id"].as_i64());
    }
    ensure!(
        qualified == fired.len() && approved == 2 * fired.len(),
        "{qualified} qualified referrals and {approved} approved rewards for {} events",
        fired.len()
    );
    let c = ctx.clone();
    let inviters = p.inviters.clone();
    let sums = parallel(inviters.len(), 16, move |i| {
        let (c, id) = (c.clone(), inviters[i]);
        async move {
            let b = c.get(&format!("/api/v1/members/{id}/balances")).await?;
            Ok(b.as_array()
                .into_iter()
                .flatten()
                .filter(|x| x["unit"] == "MB")
                .filter_map(|x| x["amount"].as_i64())
                .sum::<i64>())
        }
    })
    .await?;
    let credited: i64 = sums.iter().sum();
    let expected = REWARD * i64::try_from(fired.len())?;
    ensure!(
        credited == expected,
        "inviters hold {credited} MB, expected {expected}"
    );
    let store = server.app.store.clone();
    let imbalance = server
        .on_server(async move {
            let mut tx = store.read().await?;
            Ok(pond_store::ledger::imbalance(&mut tx).await?)
        })
        .await?;
    ensure!(imbalance == 0, "the ledger is off by {imbalance}");
    println!(
        "verified   {qualified} qualified referrals with {approved} approved rewards (2 x {} events), \
         inviters credited {credited} MB, ledger balances to 0 ({:.1} s, via the API)",
        fired.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

// ---------------------------------------------------------------- breakdown

struct Breakdown {
    healthz: Run,
    /// Per event: the event's statements, rolled back (no fsync).
    work_rolled_back: Histogram<u64>,
    /// Per event, committed: the statements, then the commit.
    work: Histogram<u64>,
    commit: Histogram<u64>,
    committed_wall: Duration,
    /// A write transaction of one no-op UPDATE, committed.
    bare_commit: Histogram<u64>,
    /// `rewards::inviter_rewarded` alone, the cap check of every qualification.
    cap_check: Histogram<u64>,
    rewards_in_program: usize,
    direct_n: usize,
}

/// The statements `write::run` + `events::apply` run for one event, on the
/// server's runtime, without HTTP. Rolled back unless `commit`; answers
/// (time of the statements, time of the commit).
async fn direct_event(app: &App, member: i64, commit: bool) -> Result<(Duration, Duration)> {
    let api = |e: pond_server::error::ApiError| anyhow!("{} {}: {}", e.status, e.code, e.message);
    let t0 = Instant::now();
    let now = app.now();
    let r = app
        .store
        .write(move |tx| {
            Box::pin(async move {
                let key = format!("bench:direct-{member}");
                pond_store::idempotency::claim(tx, &key, "direct", now).await?;
                let input = EventInput {
                    id: None,
                    kind: "order.paid".into(),
                    member_id: member,
                    order_id: Some(format!("o-{member}")),
                    amount: Some(1000),
                    occurred_at: None,
                };
                let result = pond_server::events::apply(tx, input, now)
                    .await
                    .map_err(api)?;
                ensure!(
                    result.effect == pond_server::events::Effect::Qualified,
                    "direct event for {member} did not qualify"
                );
                let body = serde_json::to_string(&result)?;
                pond_store::idempotency::complete(tx, &key, StatusCode::OK.as_u16(), &body).await?;
                if !commit {
                    bail!("rollback")
                }
                Ok(())
            })
        })
        .await;
    if commit {
        r?;
    }
    Ok((t0.elapsed(), Duration::ZERO))
}

async fn breakdown(
    ctx: &Ctx,
    server: &Server,
    p: &Prepared,
    members: &[i64],
    concurrency: usize,
    healthz_n: usize,
    rewards_in_program: usize,
) -> Result<Breakdown> {
    let touch = p.inviters[0];
    let program_id = p.program_id;
    let inviters: Vec<i64> = p.inviters.iter().copied().take(200).collect();
    // 1. The HTTP floor: router, TraceLayer, hyper and reqwest, no auth, no DB.
    let url: Arc<str> = format!("{}/healthz", ctx.base).into();
    let next = Arc::new(AtomicUsize::new(0));
    let before = CpuSnap::take();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (c, url, next) = (ctx.client.clone(), url.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut h = new_hist();
            while next.fetch_add(1, Ordering::Relaxed) < healthz_n {
                let t = Instant::now();
                let r = c.get(&*url).send().await?;
                ensure!(r.status() == 200, "healthz: {}", r.status());
                r.bytes().await?;
                h.saturating_record(us(t.elapsed()));
            }
            Ok::<_, anyhow::Error>(h)
        }));
    }
    let mut hist = new_hist();
    for t in tasks {
        hist.add(&t.await??).map_err(|e| anyhow!("{e:?}"))?;
    }
    let healthz = Run {
        label: format!("GET /healthz C={concurrency}"),
        concurrency,
        rewards_before: 0,
        n: healthz_n,
        wall: started.elapsed(),
        hist,
        failures: Vec::new(),
        cpu: CpuSnap::take().since(&before),
    };

    // 2. The transaction script alone, serially, on the server's runtime.
    let app = server.app.clone();
    let ids: Vec<i64> = members.to_vec();
    let (work_rolled_back, work, commit, committed_wall, bare_commit, cap_check) = server
        .on_server(async move {
            let mut rolled = new_hist();
            for &m in &ids {
                let (w, _) = direct_event(&app, m, false).await?;
                rolled.saturating_record(us(w));
            }
            let (mut work, mut commit) = (new_hist(), new_hist());
            let t = Instant::now();
            for &m in &ids {
                let (w, c) = direct_event(&app, m, true).await?;
                work.saturating_record(us(w));
                commit.saturating_record(us(c));
            }
            let committed_wall = t.elapsed();
            // 3. A bare durable commit: BEGIN, one no-op UPDATE, COMMIT.
            let mut bare = new_hist();
            for _ in 0..ids.len().min(1000) {
                let t = Instant::now();
                app.store
                    .write(move |tx| Box::pin(pond_store::lock_member(tx, touch)))
                    .await?;
                bare.saturating_record(us(t.elapsed()));
            }
            // 4. The inviter-cap count that every qualification runs.
            let mut cap = new_hist();
            let mut tx = app.store.read().await?;
            for &inviter in &inviters {
                let t = Instant::now();
                pond_store::rewards::inviter_rewarded(&mut tx, program_id, inviter).await?;
                cap.saturating_record(us(t.elapsed()));
            }
            drop(tx);
            Ok((rolled, work, commit, committed_wall, bare, cap))
        })
        .await?;
    Ok(Breakdown {
        healthz,
        work_rolled_back,
        work,
        commit,
        committed_wall,
        bare_commit,
        cap_check,
        rewards_in_program,
        direct_n: members.len(),
    })
}

// ---------------------------------------------------------------- driver

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

fn print_run(r: &Run) {
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

fn summary(opts: &Opts, runs: &[Run], b: Option<&OpenRun>, bd: Option<&Breakdown>) -> bool {
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
        println!("== Breakdown (where the time goes)");
        let h = &d.healthz;
        println!(
            "HTTP floor      GET /healthz at C={}: {:.0} req/s, p50 {:.2} / p99 {:.2} ms (no auth, no database)",
            h.concurrency,
            h.rate(),
            ms(h.hist.value_at_quantile(0.5)),
            ms(h.hist.value_at_quantile(0.99))
        );
        println!("                CPU {}", h.cpu);
        let line = |name: &str, x: &Histogram<u64>| {
            println!(
                "{name:<15} mean {:.3} / p50 {:.3} / p99 {:.3} / max {:.3} ms",
                x.mean() / 1000.0,
                ms(x.value_at_quantile(0.5)),
                ms(x.value_at_quantile(0.99)),
                ms(x.max())
            );
        };
        println!(
            "Direct, serial, {} events on the server runtime (write::run + events::apply, no HTTP), {} rewards in the program:",
            d.direct_n, d.rewards_in_program
        );
        line("  statements", &d.work_rolled_back);
        println!("                (19 statements + BEGIN, rolled back: no fsync)");
        line("  statements", &d.work);
        line("  COMMIT", &d.commit);
        println!(
            "                committed: {:.0} events/s serial",
            d.direct_n as f64 / d.committed_wall.as_secs_f64()
        );
        line("bare commit", &d.bare_commit);
        println!(
            "                (BEGIN + 1 no-op UPDATE + COMMIT: the cost of one durable commit)"
        );
        line("cap check", &d.cap_check);
        println!(
            "                (rewards::inviter_rewarded alone, {} rewards in the program; one per event)",
            d.rewards_in_program + 2 * d.direct_n
        );
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

// ---------------------------------------------------------------- CPU accounting

/// Per-thread CPU time of this process (from /proc/self/task/*/schedstat:
/// ns on a CPU, ns runnable but waiting for one) and the machine's totals
/// from /proc/stat, so each phase can say who used the two cores.
struct CpuSnap {
    at: Instant,
    threads: HashMap<u32, (String, u64, u64)>,
    machine: Option<(u64, u64, u64)>,
}

#[derive(Default)]
struct CpuUse {
    groups: BTreeMap<&'static str, (f64, f64)>,
    busiest_sqlite: f64,
    machine_busy: Option<f64>,
    iowait: Option<f64>,
}

impl CpuSnap {
    fn take() -> Self {
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

    fn since(&self, before: &CpuSnap) -> CpuUse {
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

// ---------------------------------------------------------------- environment

fn machine() -> String {
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
fn filesystem_of(path: &Path) -> Option<String> {
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
