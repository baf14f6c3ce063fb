//! The delivery worker: claims due deliveries, POSTs them signed, and
//! records every attempt. A failure is retried on the configured schedule;
//! when a delivery has spent the whole schedule and its endpoint answered
//! nothing successfully in all that time, the endpoint is disabled and the
//! operator gets a `webhook.disabled` notice.
//!
//! No transaction is open while a request is in flight: the SQLite writer
//! must never wait on a slow receiver.

use super::WAKE;
use crate::App;
use futures_util::future::join_all;
use jiff::{SignedDuration, Timestamp};
use pond_core::webhook_signature::Secret;
use pond_store::StoreError;
use pond_store::webhooks::{self as store, Attempt, Due, Outcome};
use std::time::{Duration, Instant};

/// Deliveries claimed per pass.
const BATCH: i64 = 100;

/// The most of a failed response's body kept in the log.
const ERROR_EXCERPT: usize = 200;

/// Runs until aborted.
pub async fn run(app: App) {
    let client = match client(&app) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook delivery cannot start: no HTTP client");
            return;
        }
    };
    loop {
        // Registered before the pass, so a wake-up during it is not lost.
        let woken = WAKE.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        match pass(&app, &client).await {
            Ok(0) => {}
            Ok(_) => continue,
            Err(e) => tracing::warn!(error = %e, "webhook delivery pass failed"),
        }
        tokio::select! {
            () = &mut woken => {}
            () = tokio::time::sleep(app.config.webhook_poll) => {}
        }
    }
}

fn client(app: &App) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(app.config.webhook_timeout)
        // A redirect could carry a signed event to a host nobody registered.
        .redirect(reqwest::redirect::Policy::none())
        // The guard judges the address connected to; a proxy would hide it.
        .no_proxy()
        .dns_resolver(std::sync::Arc::new(super::guard::GuardedResolver {
            allow_private: app.config.webhook_allow_private,
        }))
        .user_agent(concat!("Pond-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// One pass: claims what is due and sends it, endpoints in parallel and
/// each endpoint's deliveries in order. Answers how many were attempted.
pub async fn pass(app: &App, client: &reqwest::Client) -> Result<usize, StoreError> {
    let now = app.now();
    // Long enough for a whole batch of slow successes to one endpoint.
    let lease = Duration::from_secs(60).max(app.config.webhook_timeout * 2 * BATCH as u32);
    let lease_until = now
        .checked_add(SignedDuration::try_from(lease).unwrap_or(SignedDuration::MAX))
        .unwrap_or(Timestamp::MAX);
    let mut tx = app.store.read().await?;
    let any = store::any_due(&mut tx, now).await?;
    drop(tx);
    if !any {
        return Ok(0);
    }
    let due = app
        .store
        .write(move |tx| Box::pin(store::claim_due(tx, now, lease_until, BATCH)))
        .await?;
    let mut groups: Vec<Vec<Due>> = Vec::new();
    for d in due {
        match groups.last_mut() {
            Some(g) if g[0].endpoint_id == d.endpoint_id => g.push(d),
            _ => groups.push(vec![d]),
        }
    }
    let sent = join_all(groups.into_iter().map(|g| send_all(app, client, g))).await;
    Ok(sent.into_iter().sum())
}

/// Sends one endpoint's deliveries in order, stopping at its first failure:
/// the rest are handed back for the next pass rather than piling more
/// timeouts onto a receiver that is down.
async fn send_all(app: &App, client: &reqwest::Client, deliveries: Vec<Due>) -> usize {
    let mut sent = 0;
    let mut rest = deliveries.into_iter();
    while let Some(d) = rest.next() {
        let attempt = send(client, &d, app.config.webhook_allow_private).await;
        sent += 1;
        let ok = attempt.status.is_some_and(|s| (200..300).contains(&s));
        let outcome = if ok {
            Outcome::Delivered
        } else {
            let index = usize::try_from(d.retry_index).unwrap_or(usize::MAX);
            match app.config.webhook_retry.get(index) {
                Some(delay) => Outcome::Retry(
                    attempt
                        .at
                        .checked_add(
                            SignedDuration::try_from(*delay).unwrap_or(SignedDuration::MAX),
                        )
                        .unwrap_or(Timestamp::MAX),
                    d.retry_index + 1,
                ),
                None => Outcome::Failed,
            }
        };
        let released: Vec<i64> = if ok {
            Vec::new()
        } else {
            rest.by_ref().map(|r| r.id).collect()
        };
        let now = app.now();
        let (id, endpoint, queued_at) = (d.id, d.endpoint_id, d.queued_at);
        let written = app
            .store
            .write(move |tx| {
                Box::pin(async move {
                    store::record(tx, id, &attempt, outcome).await?;
                    store::release(tx, &released, now).await?;
                    if outcome == Outcome::Failed {
                        disable_if_dead(tx, endpoint, queued_at, &attempt, now).await?;
                    }
                    Ok::<_, StoreError>(())
                })
            })
            .await;
        if let Err(e) = written {
            // The lease runs out and the delivery is tried again: at least once.
            tracing::warn!(error = %e, delivery = id, "recording a webhook attempt failed");
            return sent;
        }
        if !ok {
            break;
        }
    }
    sent
}

/// POSTs one delivery, signed at the moment of sending.
async fn send(client: &reqwest::Client, d: &Due, allow_private: bool) -> Attempt {
    let at = Timestamp::now();
    let started = Instant::now();
    let allowed = super::guard::literal_allowed(&d.url, allow_private);
    let result = match (Secret::parse(&d.secret), allowed) {
        (Err(e), _) => Err(format!("the endpoint's secret is unusable: {e}")),
        (_, Err(refused)) => Err(refused),
        (Ok(secret), Ok(())) => {
            let ts = at.as_second();
            let signature = secret.sign(&d.msg_id, ts, d.body.as_bytes());
            let response = client
                .post(&d.url)
                .header("webhook-id", &d.msg_id)
                .header("webhook-timestamp", ts.to_string())
                .header("webhook-signature", signature)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(d.body.clone())
                .send()
                .await;
            match response {
                Ok(mut r) => {
                    let status = i64::from(r.status().as_u16());
                    let excerpt = if r.status().is_success() {
                        None
                    } else {
                        // One chunk is plenty to say why; never read a huge body.
                        let chunk = r.chunk().await.ok().flatten().unwrap_or_default();
                        let text = String::from_utf8_lossy(&chunk);
                        let text: String = text.chars().take(ERROR_EXCERPT).collect();
                        Some(format!("HTTP {status}: {}", text.trim()))
                    };
                    Ok((status, excerpt))
                }
                Err(e) => Err(describe(&e)),
            }
        }
    };
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    match result {
        Ok((status, error)) => Attempt {
            at,
            status: Some(status),
            error,
            duration_ms,
        },
        Err(error) => Attempt {
            at,
            status: None,
            error: Some(error),
            duration_ms,
        },
    }
}

/// An error with its causes ("error sending request: ...: Connection refused").
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text.chars().take(ERROR_EXCERPT * 2).collect()
}

/// Disables an endpoint that answered no delivery successfully since
/// `queued_at`, the start of a delivery that has just spent its whole
/// retry schedule, and tells the operator.
async fn disable_if_dead(
    tx: &mut pond_store::Tx,
    endpoint: i64,
    queued_at: i64,
    last: &Attempt,
    now: Timestamp,
) -> Result<(), StoreError> {
    let Some(e) = store::endpoint(tx, endpoint).await? else {
        return Ok(());
    };
    if e.last_success_at.is_some_and(|s| s >= queued_at)
        || !store::disable(tx, endpoint, now).await?
    {
        return Ok(());
    }
    let since = pond_store::time::ts(queued_at);
    let why = last.error.as_deref().unwrap_or("no answer");
    let message = format!(
        "webhook endpoint {endpoint} ({}) was disabled: every delivery since {since} failed \
         through the whole retry schedule (last: {why}). Fix the receiver, then enable it \
         with POST /api/v1/webhooks/{endpoint}/enable; its failed deliveries are sent again.",
        e.url
    );
    tracing::warn!(endpoint, url = %e.url, "webhook endpoint disabled");
    pond_store::notices::raise(
        tx,
        "webhook.disabled",
        &format!("webhook:{endpoint}"),
        &message,
        now,
    )
    .await?;
    Ok(())
}
