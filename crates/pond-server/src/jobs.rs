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
    let prune = async {
        let mut tx = app.store.write().await?;
        let n =
            pond_store::idempotency::prune(&mut tx, now - SignedDuration::from_hours(24)).await?;
        tx.commit().await?;
        Ok::<_, pond_store::StoreError>(n)
    };
    if let Err(e) = prune.await {
        tracing::warn!(error = %e, "pruning idempotency keys failed");
    }
}
