//! The shop's settings changed from the console: the group lifecycle
//! thresholds, saved in the database and put in force at once.

use crate::{Error, Pond, Result};
use pond_community::lifecycle::Thresholds;
use pond_store::Store;

/// The instance setting holding thresholds saved from the console (JSON).
const LIFECYCLE: &str = "lifecycle";

/// Thresholds saved from the console, if any: they win over the config.
pub async fn saved_lifecycle(store: &Store) -> Result<Option<Thresholds>> {
    let mut tx = store.read().await?;
    let saved = pond_store::instance::get(&mut tx, LIFECYCLE).await?;
    Ok(saved.and_then(|s| serde_json::from_str(&s).ok()))
}

/// Checks, saves and puts in force new lifecycle thresholds.
#[tracing::instrument(skip(pond))]
pub async fn save_lifecycle(pond: &Pond, t: Thresholds) -> Result<()> {
    t.validate()
        .map_err(|e| Error::invalid("lifecycle", e.to_string()))?;
    let json = serde_json::to_string(&t).map_err(|e| Error::internal(&e))?;
    pond.store
        .write(move |tx| {
            Box::pin(async move { pond_store::instance::set(tx, LIFECYCLE, &json).await })
        })
        .await?;
    pond.set_lifecycle(t);
    Ok(())
}
