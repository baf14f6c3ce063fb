//! Operator notices: what the shop must act on that is not a complaint (a
//! live code with no group left, a disabled webhook endpoint).

use crate::{Error, Pond, Result, Tx};
use jiff::Timestamp;
pub use pond_store::notices::Notice;

/// Notices in `state` (`None`: all), newest first.
pub async fn list(pond: &Pond, state: Option<&str>, limit: i64) -> Result<Vec<Notice>> {
    let mut tx = pond.store.read().await?;
    Ok(pond_store::notices::list(&mut tx, state, limit).await?)
}

/// Resolves an open notice; a condition that comes back raises a new one.
#[tracing::instrument(skip_all, fields(id = id))]
pub async fn resolve(tx: &mut Tx, id: i64, now: Timestamp) -> Result<Notice> {
    if !pond_store::notices::resolve(tx, id, now).await? {
        return Err(Error::not_found("open notice"));
    }
    pond_store::notices::get(tx, id)
        .await?
        .ok_or_else(|| Error::not_found("notice"))
}
