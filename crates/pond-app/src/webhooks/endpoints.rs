//! The shop's webhook endpoints and their delivery logs: listed, disabled,
//! enabled (requeuing what failed), and single deliveries sent again.

use super::views::{AttemptView, DeliveryView, EndpointView};
use crate::{Error, Pond, Result, Tx};
use jiff::Timestamp;
use pond_store::webhooks as store;

/// Every endpoint (without secrets).
pub async fn list(pond: &Pond) -> Result<Vec<EndpointView>> {
    let mut tx = pond.store.read().await?;
    let all = store::endpoints(&mut tx).await?;
    Ok(all.into_iter().map(EndpointView::from).collect())
}

/// One endpoint.
pub async fn one(pond: &Pond, id: i64) -> Result<EndpointView> {
    let mut tx = pond.store.read().await?;
    store::endpoint(&mut tx, id)
        .await?
        .map(EndpointView::from)
        .ok_or_else(|| Error::not_found("webhook endpoint"))
}

/// Stops sending to an endpoint; its deliveries wait, pending.
#[tracing::instrument(skip_all, fields(id = id))]
pub async fn disable(tx: &mut Tx, id: i64, now: Timestamp) -> Result<EndpointView> {
    store::disable(tx, id, now).await?;
    store::endpoint(tx, id)
        .await?
        .map(EndpointView::from)
        .ok_or_else(|| Error::not_found("webhook endpoint"))
}

/// Enables an endpoint again and requeues its failed deliveries; answers
/// the endpoint and how many were requeued.
#[tracing::instrument(skip_all, fields(id = id))]
pub async fn enable(tx: &mut Tx, id: i64, now: Timestamp) -> Result<(EndpointView, u64)> {
    let requeued = store::enable(tx, id, now)
        .await?
        .ok_or_else(|| Error::not_found("webhook endpoint"))?;
    let endpoint = store::endpoint(tx, id)
        .await?
        .ok_or_else(|| Error::not_found("webhook endpoint"))?;
    Ok((endpoint.into(), requeued))
}

/// An endpoint's deliveries in `state` (`None`: all), newest first.
pub async fn deliveries(
    pond: &Pond,
    id: i64,
    state: Option<&str>,
    limit: i64,
) -> Result<Vec<DeliveryView>> {
    let mut tx = pond.store.read().await?;
    if store::endpoint(&mut tx, id).await?.is_none() {
        return Err(Error::not_found("webhook endpoint"));
    }
    let rows = store::deliveries(&mut tx, id, state, limit).await?;
    Ok(rows.into_iter().map(DeliveryView::from).collect())
}

/// One delivery with every attempt.
pub async fn delivery(pond: &Pond, endpoint: i64, id: i64) -> Result<DeliveryView> {
    let mut tx = pond.store.read().await?;
    let d = store::delivery(&mut tx, endpoint, id)
        .await?
        .ok_or_else(|| Error::not_found("webhook delivery"))?;
    let log = store::attempts(&mut tx, id).await?;
    let mut view = DeliveryView::from(d);
    view.log = Some(log.into_iter().map(AttemptView::from).collect());
    Ok(view)
}

/// Sends a delivery again with a fresh retry schedule and the same
/// `webhook-id`; refused while its endpoint is disabled.
#[tracing::instrument(skip_all, fields(endpoint = endpoint, id = id))]
pub async fn replay(tx: &mut Tx, endpoint: i64, id: i64, now: Timestamp) -> Result<DeliveryView> {
    let e = store::endpoint(tx, endpoint)
        .await?
        .ok_or_else(|| Error::not_found("webhook endpoint"))?;
    if e.state != "active" {
        return Err(Error::conflict(
            "endpoint_disabled",
            format!(
                "webhook endpoint {endpoint} is disabled; enable it first (which also requeues its failed deliveries)"
            ),
        ));
    }
    if !store::replay(tx, endpoint, id, now).await? {
        return Err(Error::not_found("webhook delivery"));
    }
    store::delivery(tx, endpoint, id)
        .await?
        .map(DeliveryView::from)
        .ok_or_else(|| Error::not_found("webhook delivery"))
}
