//! Background work in the server process: approving rewards whose hold has
//! ended, forgetting idempotency keys after 24 hours, forgetting chat
//! text past its retention, delivering webhooks and announcing groups'
//! lifecycle changes.

use crate::Pond;
use crate::webhooks::delivery::Sender;
use jiff::SignedDuration;
use std::sync::Arc;
use tokio::task::JoinHandle;
use tracing::Instrument;

/// Starts the jobs; abort the handle to stop them (all of them: they run
/// as one task, so aborting it drops every loop). Webhooks leave through
/// `sender`, the door's HTTP client.
pub fn spawn(app: Pond, sender: Arc<dyn Sender>) -> JoinHandle<()> {
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
                match crate::webhooks::group_states::check(&app)
                    .instrument(tracing::info_span!("job", name = "group_states"))
                    .await
                {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(groups = n, "groups changed lifecycle state"),
                    Err(e) => tracing::warn!(error = %e, "classifying groups failed"),
                }
            }
        };
        tokio::join!(
            periodic,
            group_states,
            crate::webhooks::delivery::run(app.clone(), sender)
                .instrument(tracing::info_span!("job", name = "webhook_delivery"))
        );
    })
}

/// One pass of every job; errors are logged and retried on the next pass.
#[tracing::instrument(name = "job", skip_all, fields(name = "periodic"))]
pub async fn run_once(app: &Pond) {
    let now = app.now();
    match crate::rewards::approve_due(&app.store, now).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(approved = n, "approved rewards past their hold"),
        Err(e) => tracing::warn!(error = %e, "approving rewards failed"),
    }
    let cutoff = now - SignedDuration::from_hours(24);
    let prune = app
        .store
        .write(move |tx| Box::pin(pond_store::idempotency::prune(tx, cutoff)));
    if let Some(days) = app.config.text_retention_days {
        let before = pond_store::time::ms(now - SignedDuration::from_hours(24 * i64::from(days)));
        match app
            .store
            .write(move |tx| Box::pin(forget_text(tx, before)))
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(messages = n, days, "forgot chat text past its retention"),
            Err(e) => tracing::warn!(error = %e, "forgetting old chat text failed"),
        }
    }
    if let Err(e) = prune.await {
        tracing::warn!(error = %e, "pruning idempotency keys failed");
    }
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
