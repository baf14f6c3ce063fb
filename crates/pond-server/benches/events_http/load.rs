//! The load itself: preparing the referrals (untimed), phase A (closed
//! loop), phase B (open loop) and the final read-back of every reward.

use crate::client::{Ctx, new_hist, parallel, us};
use crate::cpu::{CpuSnap, CpuUse};
use crate::server::Server;
use anyhow::{Context, Result, anyhow, ensure};
use hdrhistogram::Histogram;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

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

pub struct Prepared {
    pub program_id: i64,
    pub inviters: Vec<i64>,
    /// Referred members, each still waiting for their first paid order.
    pub invitees: Vec<i64>,
}

pub async fn prepare(ctx: &Ctx, invitees: usize, per_inviter: usize) -> Result<Prepared> {
    let program: Value = serde_json::from_str(crate::PROGRAM)?;
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

/// One timed run: its latencies, failures and who used the CPU meanwhile.
pub struct Run {
    pub label: String,
    pub concurrency: usize,
    /// Rewards already in the program when the run started.
    pub rewards_before: usize,
    pub n: usize,
    pub wall: Duration,
    pub hist: Histogram<u64>,
    /// Members whose event failed, with what happened.
    pub failures: Vec<(i64, String)>,
    pub cpu: CpuUse,
}

impl Run {
    pub fn rate(&self) -> f64 {
        self.n as f64 / self.wall.as_secs_f64()
    }

    /// Events that succeeded per second.
    pub fn good_rate(&self) -> f64 {
        (self.n - self.failures.len()) as f64 / self.wall.as_secs_f64()
    }
}

/// Phase A: `concurrency` clients, each sending its next event as soon as
/// the previous answer arrives.
pub async fn closed_loop(
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

pub struct OpenRun {
    pub run: Run,
    pub target_rate: f64,
    pub lag: Histogram<u64>,
    pub max_in_flight: usize,
}

/// Phase B: request `i` is due at `start + i / rate` whatever happened to
/// the earlier ones, each on its own task (new connections open when all
/// are busy). Latency counts from the due time, so a late send or a queue
/// in front of the writer shows up instead of being omitted.
pub async fn open_loop(
    ctx: &Ctx,
    ids: &[i64],
    rate: f64,
    rewards_before: usize,
) -> Result<OpenRun> {
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
pub async fn verify(ctx: &Ctx, server: &Server, p: &Prepared, fired: &HashSet<i64>) -> Result<()> {
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
    let expected = crate::REWARD * i64::try_from(fired.len())?;
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
