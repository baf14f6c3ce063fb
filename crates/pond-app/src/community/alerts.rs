//! Complaint alerts: the classifier with the shop's own terms, and the
//! window of messages an import raises alerts for.

use jiff::{SignedDuration, Timestamp};
use pond_complaints::{Classifier, Term};
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
