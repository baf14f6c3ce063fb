//! `--breakdown`: where an event's time goes, piece by piece.
//!
//! 1. The HTTP floor: `GET /healthz` at the phase-A concurrency (router,
//!    tracing, hyper and reqwest; no auth, no database).
//! 2. Direct events: what `write::run` does for `POST /api/v1/events`
//!    (claim the idempotency key, `events::apply`, store the response),
//!    handed to `store.write` on the server's runtime without HTTP, one at a
//!    time, each timed until its commit is durable.
//! 3. A one-row durable write: `store.write` of a single INSERT (a fresh
//!    idempotency key), serially: the floor of any acknowledged write.
//! 4. The inviter-cap count (`rewards::inviter_rewarded`) every
//!    qualification runs, alone on the read pool.

use crate::client::{Ctx, ms, new_hist, us};
use crate::cpu::CpuSnap;
use crate::load::{Prepared, Run};
use crate::server::Server;
use anyhow::{Result, anyhow, ensure};
use axum::http::StatusCode;
use hdrhistogram::Histogram;
use pond_app::events::{Effect, EventInput};
use pond_server::App;
use pond_store::idempotency::{self, Claim};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// One-row writes at most (fewer when there are fewer direct events).
const ONE_ROW_WRITES: usize = 1_000;
/// Inviters whose cap count is timed.
const CAP_CHECKS: usize = 200;

pub struct Breakdown {
    /// `GET /healthz` at the phase-A concurrency.
    pub healthz: Run,
    /// Per direct event: from handing the change to `store.write` until it
    /// is durable.
    pub direct: Histogram<u64>,
    /// Wall time of all the direct events, one after the other.
    pub direct_wall: Duration,
    pub direct_n: usize,
    /// Per one-row write, from `store.write` until durable.
    pub one_row: Histogram<u64>,
    /// `rewards::inviter_rewarded` alone, the cap check of every qualification.
    pub cap_check: Histogram<u64>,
    /// Approved rewards in the program before the direct events.
    pub rewards_in_program: usize,
}

/// `write::run`'s change for one qualifying `order.paid` with an
/// idempotency key, through `store.write` without HTTP; answers once the
/// change is durable.
async fn direct_event(app: &App, member: i64) -> Result<()> {
    let now = app.now();
    app.store
        .write(move |tx| {
            Box::pin(async move {
                let key = format!("bench:direct-{member}");
                let claim = idempotency::claim(tx, &key, "direct", now).await?;
                ensure!(claim == Claim::Fresh, "key {key} was already used");
                let input = EventInput {
                    id: None,
                    kind: "order.paid".into(),
                    member_id: member,
                    order_id: Some(format!("o-{member}")),
                    amount: Some(1000),
                    occurred_at: None,
                };
                let result = pond_app::events::apply(tx, input, now).await?;
                ensure!(
                    result.effect == Effect::Qualified,
                    "direct event for {member} did not qualify"
                );
                let body = serde_json::to_string(&result)?;
                idempotency::complete(tx, &key, StatusCode::OK.as_u16(), &body).await?;
                Ok(())
            })
        })
        .await
}

pub async fn breakdown(
    ctx: &Ctx,
    server: &Server,
    p: &Prepared,
    members: &[i64],
    concurrency: usize,
    healthz_n: usize,
    rewards_in_program: usize,
) -> Result<Breakdown> {
    let program_id = p.program_id;
    let inviters: Vec<i64> = p.inviters.iter().copied().take(CAP_CHECKS).collect();
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

    let app = server.app.clone();
    let ids: Vec<i64> = members.to_vec();
    let (direct, direct_wall, one_row, cap_check) = server
        .on_server(async move {
            // 2. Direct events, serially, on the server's runtime.
            let mut direct = new_hist();
            let started = Instant::now();
            for &m in &ids {
                let t = Instant::now();
                direct_event(&app, m).await?;
                direct.saturating_record(us(t.elapsed()));
            }
            let direct_wall = started.elapsed();
            // 3. One-row durable writes: a fresh idempotency key each.
            let mut one_row = new_hist();
            for i in 0..ids.len().min(ONE_ROW_WRITES) {
                let now = app.now();
                let t = Instant::now();
                let claim = app
                    .store
                    .write(move |tx| {
                        Box::pin(async move {
                            idempotency::claim(tx, &format!("bench:one-row-{i}"), "one-row", now)
                                .await
                        })
                    })
                    .await?;
                one_row.saturating_record(us(t.elapsed()));
                ensure!(claim == Claim::Fresh, "one-row write {i} wrote nothing");
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
            Ok((direct, direct_wall, one_row, cap))
        })
        .await?;
    Ok(Breakdown {
        healthz,
        direct,
        direct_wall,
        direct_n: members.len(),
        one_row,
        cap_check,
        rewards_in_program,
    })
}

impl Breakdown {
    /// The breakdown section of the summary.
    pub fn print(&self) {
        println!("== Breakdown (where the time goes)");
        let h = &self.healthz;
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
            "Direct, serial, {} events through store.write on the server runtime (write::run's change: \
             idempotency key + events::apply + stored response, no HTTP), {} rewards in the program before:",
            self.direct_n, self.rewards_in_program
        );
        line("  to durable", &self.direct);
        println!(
            "                {:.0} events/s serial (one change per commit: nothing to share the fsync with)",
            self.direct_n as f64 / self.direct_wall.as_secs_f64()
        );
        line("one-row write", &self.one_row);
        println!(
            "                ({} serial store.write calls of one INSERT, a fresh idempotency key, to durable: \
             writer hand-off, BEGIN, INSERT, COMMIT with fsync)",
            self.one_row.len()
        );
        line("cap check", &self.cap_check);
        println!(
            "                (rewards::inviter_rewarded alone on the read pool, {} rewards in the program; one per event)",
            self.rewards_in_program + 2 * self.direct_n
        );
    }
}
