//! Background work in the server process: approving rewards whose hold has
//! ended, forgetting idempotency keys after 24 hours, forgetting chat
//! text past its retention, delivering webhooks and announcing groups'
//! lifecycle changes.

use crate::App;
use jiff::SignedDuration;
use tokio::task::JoinHandle;

/// Starts the jobs; abort the handle to stop them (all of them: they run
/// as one task, so aborting it drops every loop).
pub fn spawn(app: App) -> JoinHandle<()> {
    tokio::spawn(async move {
        let periodic = async {
            let mut tick = tokio::time::interval(app.config.approve_every);
            loop {
                tick.tick().await;
                run_once(&app).await;
            }
        };
        let group_states = async {
            let mut tick = tokio::time::interval(app.config.group_states_every);
            loop {
                tick.tick().await;
                match crate::webhooks::group_states::check(&app).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(groups = n, "groups changed lifecycle state"),
                    Err(e) => tracing::warn!(error = e.message, "classifying groups failed"),
                }
            }
        };
        tokio::join!(
            periodic,
            group_states,
            crate::webhooks::delivery::run(app.clone())
        );
    })
}

/// One pass of every job; errors are logged and retried on the next pass.
pub async fn run_once(app: &App) {
    let now = app.now();
    match crate::rewards::approve_due(&app.store, now).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(approved = n, "approved rewards past their hold"),
        Err(e) => tracing::warn!(error = e.message, "approving rewards failed"),
    }
    let cutoff = now - SignedDuration::from_hours(24);
    let prune = app
        .store
        .write(move |tx| Box::pin(pond_store::idempotency::prune(tx, cutoff)));
    app.prune_limiters();
    if let Some(days) = app.config.text_retention_days {
        let before = pond_store::time::ms(crate::retention_cutoff(now, days));
        match app
            .store
            .write(move |tx| Box::pin(forget_text(tx, before)))
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(messages = n, days, "forgot chat text past its retention"),
            Err(e) => tracing::warn!(error = %e, "forgetting old chat text failed"),
        }
        match forget_copies(app, before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(copies = n, days, "forgot copies of chat text"),
            Err(e) => tracing::warn!(error = %e, "forgetting copies of chat text failed"),
        }
    }
    let log_cutoff = pond_store::time::ms(now - SignedDuration::from_hours(24 * DELIVERY_LOG_DAYS));
    match app
        .store
        .write(move |tx| Box::pin(pond_store::retention::prune_deliveries(tx, log_cutoff)))
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::info!(deliveries = n, "pruned the webhook delivery log"),
        Err(e) => tracing::warn!(error = %e, "pruning the webhook delivery log failed"),
    }
    if let Err(e) = prune.await {
        tracing::warn!(error = %e, "pruning idempotency keys failed");
    }
}

/// Days the webhook delivery log is kept.
const DELIVERY_LOG_DAYS: i64 = 30;

/// Forgets the chat text copied into complaint alerts and into stored
/// webhook message bodies before `before` (ms); answers how many copies.
async fn forget_copies(app: &crate::App, before: i64) -> pond_store::Result<u64> {
    let mut n = app
        .store
        .write(move |tx| Box::pin(pond_store::retention::forget_alert_text(tx, before)))
        .await?;
    // Bounded: a pass never spins, whatever a body holds.
    for _ in 0..100 {
        let rewritten = app
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let batch = pond_store::retention::messages_with_text(tx, before).await?;
                    let mut done = 0u64;
                    for (id, body) in batch {
                        let body = without_text(&body);
                        pond_store::retention::set_message_body(tx, id, &body).await?;
                        done += 1;
                    }
                    Ok::<_, pond_store::StoreError>(done)
                })
            })
            .await?;
        n += rewritten;
        if rewritten == 0 {
            break;
        }
    }
    Ok(n)
}

/// A webhook body with every `"text"` string in its `data` set to null;
/// a body that is not JSON is replaced by `{}`, never kept as it was.
fn without_text(body: &str) -> String {
    let Ok(mut v) = serde_json::from_str::<serde_json::Value>(body) else {
        return "{}".into();
    };
    fn scrub(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, field) in map.iter_mut() {
                    if k == "text" && field.is_string() {
                        *field = serde_json::Value::Null;
                    } else {
                        scrub(field);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(scrub),
            _ => {}
        }
    }
    scrub(&mut v);
    v.to_string()
}

/// Where text retention got to, so each message is visited once.
const FORGOTTEN_BEFORE: &str = "text_forgotten_before";

/// Forgets chat text older than `before` (ms), at most once an hour.
async fn forget_text(tx: &mut pond_store::Tx, before: i64) -> pond_store::Result<u64> {
    let from = pond_store::instance::get(tx, FORGOTTEN_BEFORE)
        .await?
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(i64::MIN);
    if before.saturating_sub(from) < 3_600_000 {
        return Ok(0);
    }
    let n = pond_store::chat::forget_text(tx, from, before).await?;
    pond_store::instance::set(tx, FORGOTTEN_BEFORE, &before.to_string()).await?;
    Ok(n)
}
