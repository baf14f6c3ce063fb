//! A year of chat history for 10,000 groups, imported into SQLite, then the
//! groups report over it.
//!
//! The generator writes a Telegram Desktop whole-account export (one JSON
//! file holding every chat), the format a shop would hand Pond for many
//! groups at once. Groups are born through the year and fade the way the
//! domain notes describe: a burst, then an exponential decline with a
//! lifetime drawn per group, so the last weeks hold a realistic mix of a few
//! lively groups and many dead ones. Senders within a group follow a skewed
//! (Zipf-like) distribution; staff post about one message in ten.
//!
//! ```text
//! cargo bench -p pond-server --bench import_groups -- [OPTIONS]
//!   --messages N     messages in the history [10000000]
//!   --groups G       groups [10000]
//!   --file PATH      keep the export at PATH (reused when it exists)
//!   --dir PATH       where the database goes [$TMPDIR]
//!   --quick          100,000 messages in 200 groups (CI smoke run)
//! ```
//!
//! Timed: the import (parse, resolve, store, rollups; durable commits) and
//! the report, both through the same functions `pond import` and
//! `pond report groups` call.

#![allow(clippy::unwrap_used)] // a benchmark that cannot set up should stop loudly

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use pond_app::community::ingest::Settings;
use pond_app::community::{import_reader, report};
use pond_community::lifecycle::Thresholds;
use pond_import::ImportOptions;
use pond_store::Store;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// The allocator the `pond` binary uses, so the figures are its figures.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Throughput target of the issue: messages per second, rollups included.
const TARGET_MPS: f64 = 300_000.0;
/// The report must answer within this.
const TARGET_REPORT_S: f64 = 1.0;
/// The last day of the history.
const END: Date = Date::constant(2026, 10, 31);
const DAYS: i64 = 365;
const STAFF: &str = "花店小助手";

struct Opts {
    messages: u64,
    groups: u32,
    file: Option<PathBuf>,
    dir: Option<PathBuf>,
    db: Option<PathBuf>,
}

fn opts() -> Opts {
    let mut o = Opts {
        messages: 10_000_000,
        groups: 10_000,
        file: None,
        dir: None,
        db: None,
    };
    let mut args = std::env::args().skip(1);
    let quick = std::env::var("POND_BENCH_QUICK").is_ok_and(|v| v == "1");
    if quick {
        (o.messages, o.groups) = (100_000, 200);
    }
    while let Some(a) = args.next() {
        match a.as_str() {
            "--messages" => o.messages = args.next().unwrap().parse().unwrap(),
            "--groups" => o.groups = args.next().unwrap().parse().unwrap(),
            "--file" => o.file = args.next().map(PathBuf::from),
            "--dir" => o.dir = args.next().map(PathBuf::from),
            "--db" => o.db = args.next().map(PathBuf::from),
            "--quick" => (o.messages, o.groups) = (100_000, 200),
            // cargo bench passes --bench; ignore what is not ours.
            _ => {}
        }
    }
    o
}

fn main() {
    let o = opts();
    let tmp = tempfile::tempdir_in(o.dir.clone().unwrap_or_else(std::env::temp_dir)).unwrap();
    let file = o
        .file
        .clone()
        .unwrap_or_else(|| tmp.path().join("result.json"));
    if !file.exists() {
        let t = Instant::now();
        let n = generate(&file, o.messages, o.groups);
        let size = std::fs::metadata(&file).unwrap().len();
        println!(
            "generated  {n} messages in {} groups, {:.0} MB, in {:.1} s ({})",
            o.groups,
            size as f64 / 1e6,
            t.elapsed().as_secs_f64(),
            file.display()
        );
    }
    let db = o.db.clone().unwrap_or_else(|| tmp.path().join("pond.db"));
    let import = !db.exists();
    if import {
        parse_alone(&file);
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(run(&file, &db, import));
}

/// The parser alone, for the breakdown: how fast the file can be read.
fn parse_alone(file: &Path) {
    let t = Instant::now();
    let reader = BufReader::with_capacity(1 << 20, std::fs::File::open(file).unwrap());
    let options = ImportOptions::new("bench", TimeZone::get("Asia/Shanghai").unwrap());
    let mut n = 0u64;
    pond_import::import_telegram(reader, &options, |_| n += 1).unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "parse      {n} events in {secs:.1} s: {:.0} events/s (parser alone, one thread)",
        n as f64 / secs
    );
}

async fn run(file: &Path, db: &Path, import: bool) {
    let store = Store::open(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let tz = TimeZone::get("Asia/Shanghai").unwrap();
    let settings = Settings {
        time_zone: tz.clone(),
        staff: Arc::new(HashSet::from([STAFF.to_string()])),
        keep_text: true,
        text_since: Timestamp::MIN,
        // As `pond import` does: alerts for the last week's messages only.
        complaints: Some(
            pond_app::community::alerts::classifier(&store)
                .await
                .unwrap(),
        ),
        alerts_since: pond_app::community::alerts::import_alerts_since(Timestamp::now()),
    };
    let mut mps = f64::INFINITY;
    if import {
        mps = import_file(&store, file, &tz, settings).await;
    }
    report_and_check(&store, &tz, db, mps).await;
    store.close().await;
}

async fn import_file(store: &Store, file: &Path, tz: &TimeZone, settings: Settings) -> f64 {
    let reader = BufReader::with_capacity(1 << 20, std::fs::File::open(file).unwrap());
    let t = Instant::now();
    let imported = import_reader(
        store,
        reader,
        None,
        None,
        ImportOptions::new("bench", tz.clone()),
        settings,
    )
    .await
    .unwrap();
    let secs = t.elapsed().as_secs_f64();
    let mps = imported.added.messages as f64 / secs;
    println!(
        "import     {} messages, {} senders, {} groups, {} joins in {secs:.1} s: {mps:.0} messages/s \
         (durable SQLite, rollups included)",
        imported.added.messages, imported.senders, imported.groups, imported.added.joins
    );
    assert_eq!(
        imported.added.messages, imported.messages,
        "every message stored"
    );
    assert_eq!(imported.skipped, 0);
    mps
}

async fn report_and_check(store: &Store, tz: &TimeZone, db: &Path, mps: f64) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..3 {
        let t = Instant::now();
        let mut tx = store.read().await.unwrap();
        let r = report::groups(&mut tx, tz, END, &Thresholds::default(), None)
            .await
            .unwrap();
        times.push(t.elapsed().as_secs_f64());
        last = Some(r);
    }
    let r = last.unwrap();
    times.sort_by(f64::total_cmp);
    let c = &r.census;
    println!(
        "report     {} groups as of {END}: {} with history, {} active every day of the last 7, \
         states {:?}; median lifetime {:?} days",
        c.groups,
        c.groups_with_history,
        c.active_every_day_last_7_days,
        c.states,
        r.survival.median_days.map(|m| m.round())
    );
    println!(
        "report     best {:.3} s, median {:.3} s of 3 runs (all groups, census, survival)",
        times[0], times[1]
    );
    let size = std::fs::metadata(db).map(|m| m.len()).unwrap_or(0);
    println!("database   {:.0} MB", size as f64 / 1e6);
    let ok_import = mps >= TARGET_MPS;
    let ok_report = times[1] < TARGET_REPORT_S;
    println!(
        "target     >= {TARGET_MPS:.0} messages/s: {mps:.0} -> {}",
        if ok_import { "MET" } else { "MISSED" }
    );
    println!(
        "target     report < {TARGET_REPORT_S} s: {:.3} s -> {}",
        times[1],
        if ok_report { "MET" } else { "MISSED" }
    );
}

/// Writes the export and answers how many messages it holds.
fn generate(path: &Path, messages: u64, groups: u32) -> u64 {
    let mut rng = StdRng::seed_from_u64(300);
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    let end = END
        .at(23, 59, 59, 0)
        .to_zoned(TimeZone::get("Asia/Shanghai").unwrap())
        .unwrap()
        .timestamp()
        .as_second();
    let start = end - DAYS * 86_400;
    // Sizes vary about tenfold between groups, around the mean.
    let weights: Vec<f64> = (0..groups).map(|_| rng.random_range(0.2..2.0)).collect();
    let total: f64 = weights.iter().sum();
    write!(
        out,
        "{{\"about\":\"synthetic\",\"chats\":{{\"about\":\"\",\"list\":["
    )
    .unwrap();
    let mut written = 0;
    for g in 0..groups {
        let n = (messages as f64 * weights[g as usize] / total).round() as u64;
        let born = start + rng.random_range(0..DAYS * 86_400);
        let tau = 86_400.0 * rng.random_range(3.0..60.0);
        let people = rng.random_range(20..300u32);
        let mut times: Vec<i64> = (0..n)
            .map(|_| {
                // Decay from birth; what would fall after the end is drawn
                // again (and spread evenly after a few misses).
                for _ in 0..20 {
                    let u: f64 = rng.random_range(f64::EPSILON..1.0);
                    let t = born + (-u.ln() * tau) as i64;
                    if t <= end {
                        return t;
                    }
                }
                rng.random_range(born..=end)
            })
            .collect();
        times.sort_unstable();
        if g > 0 {
            out.write_all(b",").unwrap();
        }
        write!(
            out,
            "{{\"name\":\"花友群 {g}\",\"type\":\"private_supergroup\",\"id\":{},\"messages\":[",
            1_000_000 + g
        )
        .unwrap();
        for (i, t) in times.iter().enumerate() {
            if i > 0 {
                out.write_all(b",").unwrap();
            }
            let (from, from_id) = if rng.random_bool(0.1) {
                (STAFF.to_string(), 1)
            } else {
                // Zipf-like: a few people write most messages.
                let r: f64 = rng.random_range(0.0..1.0);
                let k = ((people as f64).powf(r) as u32).max(1);
                (format!("顾客{k}"), 100 + k)
            };
            let ts = Timestamp::from_second(*t).unwrap();
            write!(
                out,
                "{{\"id\":{},\"type\":\"message\",\"date\":\"{}\",\"date_unixtime\":\"{t}\",\
                 \"from\":\"{from}\",\"from_id\":\"user{}{from_id}\",\"text\":\"今天的玫瑰很新鲜 {i}\"}}",
                i + 1,
                ts.strftime("%Y-%m-%dT%H:%M:%S"),
                g
            )
            .unwrap();
        }
        out.write_all(b"]}").unwrap();
        written += n;
    }
    out.write_all(b"]}}").unwrap();
    out.flush().unwrap();
    written
}
