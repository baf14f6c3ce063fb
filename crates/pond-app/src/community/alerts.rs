//! Complaint alerts: the classifier with the shop's own terms, and the
//! window of messages an import raises alerts for.

use crate::{Error, Pond, Result, Tx};
use jiff::{SignedDuration, Timestamp};
use pond_complaints::{Classifier, Term};
pub use pond_store::alerts::Alert;
use pond_store::{Store, StoreError};
use std::sync::Arc;

/// An import raises alerts only for messages this recent: a complaint from
/// last spring is history, not an alert.
pub const IMPORT_ALERT_WINDOW: SignedDuration = SignedDuration::from_hours(7 * 24);

/// The instant from which an import starting now raises alerts.
pub fn import_alerts_since(now: Timestamp) -> Timestamp {
    now.checked_sub(IMPORT_ALERT_WINDOW).unwrap_or(now)
}

/// The built-in classifier plus the shop's terms from the database.
pub async fn classifier(store: &Store) -> Result<Arc<Classifier>, StoreError> {
    let mut tx = store.read().await?;
    let terms: Vec<Term> = pond_store::alerts::terms(&mut tx)
        .await?
        .into_iter()
        .map(|(t, w)| Term::new(t, w))
        .collect();
    drop(tx);
    // Building loads jieba's dictionary: keep it off the async workers.
    tokio::task::spawn_blocking(move || Arc::new(Classifier::new().with_terms(&terms)))
        .await
        .map_err(|e| StoreError::Config(format!("building the complaint classifier: {e}")))
}

/// Complaint alerts in `state` (`None`: all), newest first.
pub async fn list(pond: &Pond, state: Option<&str>, limit: i64) -> Result<Vec<Alert>> {
    let mut tx = pond.store.read().await?;
    Ok(pond_store::alerts::list(&mut tx, state, limit).await?)
}

/// Moves an alert to `state` (`acknowledged`, `resolved`).
#[tracing::instrument(skip_all, fields(id = id, state = state))]
pub async fn decide(tx: &mut Tx, id: i64, state: &str, now: Timestamp) -> Result<Alert> {
    if !pond_store::alerts::set_state(tx, id, state, now).await? {
        return Err(Error::not_found("alert"));
    }
    pond_store::alerts::get(tx, id)
        .await?
        .ok_or_else(|| Error::not_found("alert"))
}

/// The shop's complaint words and their weights.
pub async fn terms(pond: &Pond) -> Result<Vec<(String, f64)>> {
    let mut tx = pond.store.read().await?;
    Ok(pond_store::alerts::terms(&mut tx).await?)
}

/// Adds one of the shop's complaint words; the classifier is built again
/// with it on its next use.
#[tracing::instrument(skip_all)]
pub async fn add_term(tx: &mut Tx, term: &str, weight: f64, now: Timestamp) -> Result<()> {
    Ok(pond_store::alerts::add_term(tx, term, weight, now).await?)
}
