//! Server render time of every console page on the demo data: starts the
//! real `pond demo` (six months of referrals, hundreds of groups), logs in
//! as the demo owner and times each page's full response over loopback.
//! The target (issue #5) is under 300 ms per page.
//!
//! `cargo bench -p pond --bench console_pages [-- --rounds N]`; with
//! `POND_BENCH_QUICK=1` (CI's smoke run) three rounds. See docs/benchmarks.md.

#![allow(clippy::unwrap_used)] // a bench that cannot run should stop loudly

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PAGES: &[&str] = &[
    "/console",
    "/console?days=365",
    "/console/programs",
    "/console/programs/1",
    "/console/review",
    "/console/members",
    "/console/members?q=王",
    "/console/members/1",
    "/console/groups",
    "/console/groups?sort=activity",
    "/console/groups/1",
    "/console/complaints",
    "/console/imports",
    "/console/simulator",
    "/console/simulator?run=1&k=0.8&seeds=10&cycle_days=7&days=180&two_sided=1",
    "/console/settings",
];

/// The target from issue #5.
const TARGET: Duration = Duration::from_millis(300);

struct Demo(std::process::Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = std::env::var_os("POND_BENCH_QUICK").is_some();
    let rounds: usize = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(if quick { 3 } else { 20 });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.db");
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pond"))
        .args(["demo", "--listen", "127.0.0.1:0", "--file"])
        .arg(&file)
        .env("POND_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let demo = Demo(child);
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("pond demo stopped before serving")
            .unwrap();
        if let Some(u) = line.strip_prefix("Pond is running at ") {
            break u.trim().to_string();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    println!(
        "demo filled and serving in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = http
        .get(format!("{url}/console/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = login
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let r = http
        .post(format!("{url}/console/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "demo"),
            ("password", "pond-demo"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "demo login");

    // The customer page of member 1, by the private link its console page shows.
    let member = http
        .get(format!("{url}/console/members/1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let me = member
        .split("/me/")
        .nth(1)
        .and_then(|s| s.split(['"', '<', '?']).next())
        .map(|token| format!("/me/{token}"))
        .expect("the member page shows the customer link");
    let pages: Vec<String> = PAGES.iter().map(|p| p.to_string()).chain([me]).collect();

    println!("{rounds} rounds per page (after one warm-up)");
    println!(
        "{:<32} {:>8} {:>8} {:>8} {:>9}",
        "page", "p50 ms", "p95 ms", "max ms", "bytes"
    );
    let mut worst = Duration::ZERO;
    for page in &pages {
        let get = |http: &reqwest::Client| {
            let u = format!("{url}{page}");
            let http = http.clone();
            async move {
                let t = Instant::now();
                let r = http.get(u).send().await.unwrap();
                let status = r.status();
                let body = r.bytes().await.unwrap();
                assert_eq!(status, 200, "{page}");
                (t.elapsed(), body.len())
            }
        };
        get(&http).await;
        let mut times = Vec::with_capacity(rounds);
        let mut bytes = 0;
        for _ in 0..rounds {
            let (t, b) = get(&http).await;
            times.push(t);
            bytes = b;
        }
        times.sort();
        let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        let max = *times.last().unwrap();
        worst = worst.max(at(0.95));
        println!(
            "{:<32} {:>8.1} {:>8.1} {:>8.1} {:>9}",
            page.chars().take(32).collect::<String>(),
            ms(at(0.5)),
            ms(at(0.95)),
            ms(max),
            bytes
        );
    }
    println!(
        "worst p95 {:.1} ms: {} the {} ms target",
        ms(worst),
        if worst < TARGET { "meets" } else { "MISSES" },
        TARGET.as_millis()
    );
    drop(demo);
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
