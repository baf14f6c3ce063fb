//! Background work in the server process: approving rewards whose hold has
//! ended, and forgetting idempotency keys after 24 hours.

use crate::App;
use jiff::SignedDuration;
use tokio::task::JoinHandle;

/// Starts the jobs; abort the handle to stop them.
pub fn spawn(app: App) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(app.config.approve_every);
        loop {
            tick.tick().await;
            run_once(&app).await;
        }
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
    if let Err(e) = prune.await {
        tracing::warn!(error = %e, "pruning idempotency keys failed");
    }
}
