//! `/api/v1/webhooks`: endpoints that receive Pond's events, their delivery
//! log, and replays (docs/webhooks.md).

use super::params::{Id, Q, limit, state_filter};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Caller, Write};
use crate::webhooks::{self, EventType};
use crate::{App, write};
use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use pond_store::time::ts;
use pond_store::webhooks::{self as store, AttemptRow, Delivery, Endpoint};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A new endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEndpoint {
    /// Where to POST events (http or https).
    pub url: String,
    /// Which events it receives, e.g. `["referral.created", "reward.approved"]`.
    pub events: Vec<String>,
}

/// An endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointView {
    /// Pond's id.
    pub id: i64,
    /// Where events go.
    pub url: String,
    /// What it receives.
    pub events: Vec<EventType>,
    /// `active` or `disabled`.
    pub state: String,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Disabled, when it is.
    pub disabled_at: Option<String>,
    /// Its last successful delivery.
    pub last_success_at: Option<String>,
}

impl From<Endpoint> for EndpointView {
    fn from(e: Endpoint) -> Self {
        EndpointView {
            id: e.id,
            url: e.url,
            events: e.events.split(',').filter_map(EventType::parse).collect(),
            state: e.state,
            created_at: ts(e.created_at).to_string(),
            disabled_at: e.disabled_at.map(|t| ts(t).to_string()),
            last_success_at: e.last_success_at.map(|t| ts(t).to_string()),
        }
    }
}

/// A new endpoint with its signing secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedEndpoint {
    /// The endpoint.
    #[serde(flatten)]
    pub endpoint: EndpointView,
    /// `whsec_...`: verify deliveries with it (Standard Webhooks). Shown only here.
    pub secret: String,
}

/// Register an endpoint. The answer carries its secret, shown only once.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = NewEndpoint,
    responses((status = 201, body = CreatedEndpoint), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(State(app): State<App>, w: Write<NewEndpoint>) -> ApiResult<Response> {
    // Checked before the write too, so bad input never queues behind it.
    webhooks::check_url(&w.body.url)?;
    webhooks::check_events(&w.body.events)?;
    webhooks::guard::check_target(&w.body.url, app.config.webhook_allow_private).await?;
    let now = app.now();
    let NewEndpoint { url, events } = w.body;
    write::run(&app, w.idempotency, StatusCode::CREATED, move |tx| {
        Box::pin(async move {
            let (endpoint, secret) = webhooks::register(tx, &url, &events, now).await?;
            Ok(CreatedEndpoint {
                endpoint: endpoint.into(),
                secret,
            })
        })
    })
    .await
}

/// Every endpoint (without secrets).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = Vec<EndpointView>)), security(("bearer" = [])))]
pub async fn list(State(app): State<App>, _: Caller) -> ApiResult<Json<Vec<EndpointView>>> {
    let mut tx = app.store.read().await?;
    let all = store::endpoints(&mut tx).await?;
    Ok(Json(all.into_iter().map(EndpointView::from).collect()))
}

/// One endpoint.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    responses((status = 200, body = EndpointView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_one(
    State(app): State<App>,
    _: Caller,
    Id(id): Id,
) -> ApiResult<Json<EndpointView>> {
    let mut tx = app.store.read().await?;
    store::endpoint(&mut tx, id)
        .await?
        .map(|e| Json(e.into()))
        .ok_or_else(|| ApiError::not_found("webhook endpoint"))
}

/// Stop sending to an endpoint. Its deliveries wait, pending, until it is
/// enabled again.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/disable", tag = "webhooks",
    responses((status = 200, body = EndpointView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn disable(
    State(app): State<App>,
    Id(id): Id,
    w: Write<super::alerts::Decision>,
) -> ApiResult<Response> {
    let now = app.now();
    write::run(&app, w.idempotency, StatusCode::OK, move |tx| {
        Box::pin(async move {
            store::disable(tx, id, now).await?;
            store::endpoint(tx, id)
                .await?
                .map(EndpointView::from)
                .ok_or_else(|| ApiError::not_found("webhook endpoint"))
        })
    })
    .await
}

/// An endpoint enabled again, with how many failed deliveries were requeued.
#[derive(Debug, Serialize, ToSchema)]
pub struct Enabled {
    /// The endpoint.
    #[serde(flatten)]
    pub endpoint: EndpointView,
    /// Failed deliveries queued again (with their original `webhook-id`).
    pub requeued: u64,
}

/// Enable an endpoint: its failed deliveries are queued again, now.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/enable", tag = "webhooks",
    responses((status = 200, body = Enabled), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn enable(
    State(app): State<App>,
    Id(id): Id,
    w: Write<super::alerts::Decision>,
) -> ApiResult<Response> {
    let now = app.now();
    let r = write::run(&app, w.idempotency, StatusCode::OK, move |tx| {
        Box::pin(async move {
            let requeued = store::enable(tx, id, now)
                .await?
                .ok_or_else(|| ApiError::not_found("webhook endpoint"))?;
            let endpoint = store::endpoint(tx, id)
                .await?
                .ok_or_else(|| ApiError::not_found("webhook endpoint"))?;
            Ok(Enabled {
                endpoint: endpoint.into(),
                requeued,
            })
        })
    })
    .await?;
    webhooks::wake();
    Ok(r)
}

/// One delivery of a message to an endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Pond's id.
    pub id: i64,
    /// The message's `webhook-id`, the same on every attempt and replay.
    pub message_id: String,
    /// The event type.
    pub event_type: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    /// Attempts made so far.
    pub attempts: i64,
    /// The next attempt, while pending (RFC 3339).
    pub next_attempt_at: Option<String>,
    /// The last HTTP status.
    pub last_status: Option<i64>,
    /// The last error.
    pub last_error: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<String>,
    /// When it was queued.
    pub created_at: String,
    /// Every attempt (on the single-delivery route only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<Vec<AttemptView>>,
}

/// One attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    /// When it started (RFC 3339).
    pub at: String,
    /// The HTTP status, when the receiver answered.
    pub status: Option<i64>,
    /// What went wrong, when something did.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
}

impl From<AttemptRow> for AttemptView {
    fn from(a: AttemptRow) -> Self {
        AttemptView {
            at: ts(a.at).to_string(),
            status: a.status,
            error: a.error,
            duration_ms: a.duration_ms,
        }
    }
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        DeliveryView {
            id: d.id,
            next_attempt_at: (d.state == "pending").then(|| ts(d.next_attempt_at).to_string()),
            message_id: d.msg_id,
            event_type: d.event_type,
            state: d.state,
            attempts: d.attempts,
            last_status: d.last_status,
            last_error: d.last_error,
            delivered_at: d.delivered_at.map(|t| ts(t).to_string()),
            created_at: ts(d.created_at).to_string(),
            log: None,
        }
    }
}

/// Which deliveries.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// pending, delivered, failed or all (default).
    pub state: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
}

/// An endpoint's delivery log, newest first.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", params(DeliveryQuery),
    responses((status = 200, body = Vec<DeliveryView>), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn deliveries(
    State(app): State<App>,
    _: Caller,
    Id(id): Id,
    Q(q): Q<DeliveryQuery>,
) -> ApiResult<Json<Vec<DeliveryView>>> {
    let state = state_filter(
        q.state.as_deref(),
        "all",
        &["pending", "delivered", "failed"],
    )?;
    let mut tx = app.store.read().await?;
    if store::endpoint(&mut tx, id).await?.is_none() {
        return Err(ApiError::not_found("webhook endpoint"));
    }
    let rows = store::deliveries(&mut tx, id, state, limit(q.limit)).await?;
    Ok(Json(rows.into_iter().map(DeliveryView::from).collect()))
}

/// An endpoint id and one of its deliveries' ids, from the path.
pub struct DeliveryPath(i64, i64);

impl<S: Send + Sync> FromRequestParts<S> for DeliveryPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path((a, b)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::bad_request("invalid_path", e.body_text()))?;
        let id = |raw: &str| raw.parse::<i64>().ok().filter(|id| *id > 0);
        match (id(&a), id(&b)) {
            (Some(a), Some(b)) => Ok(DeliveryPath(a, b)),
            _ => Err(ApiError::not_found("webhook delivery")),
        }
    }
}

/// One delivery with every attempt.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}", tag = "webhooks",
    responses((status = 200, body = DeliveryView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delivery(
    State(app): State<App>,
    _: Caller,
    DeliveryPath(endpoint, id): DeliveryPath,
) -> ApiResult<Json<DeliveryView>> {
    let mut tx = app.store.read().await?;
    let d = store::delivery(&mut tx, endpoint, id)
        .await?
        .ok_or_else(|| ApiError::not_found("webhook delivery"))?;
    let log = store::attempts(&mut tx, id).await?;
    let mut view = DeliveryView::from(d);
    view.log = Some(log.into_iter().map(AttemptView::from).collect());
    Ok(Json(view))
}

/// Send a delivery again, now, with a fresh retry schedule and the same
/// `webhook-id` (receivers that dedupe by it see a repeat).
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/replay", tag = "webhooks",
    responses((status = 200, body = DeliveryView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn replay(
    State(app): State<App>,
    DeliveryPath(endpoint, id): DeliveryPath,
    w: Write<super::alerts::Decision>,
) -> ApiResult<Response> {
    let now = app.now();
    let r = write::run(&app, w.idempotency, StatusCode::OK, move |tx| {
        Box::pin(async move {
            let e = store::endpoint(tx, endpoint)
                .await?
                .ok_or_else(|| ApiError::not_found("webhook endpoint"))?;
            if e.state != "active" {
                return Err(ApiError::conflict(
                    "endpoint_disabled",
                    format!("webhook endpoint {endpoint} is disabled; enable it first (which also requeues its failed deliveries)"),
                ));
            }
            if !store::replay(tx, endpoint, id, now).await? {
                return Err(ApiError::not_found("webhook delivery"));
            }
            store::delivery(tx, endpoint, id)
                .await?
                .map(DeliveryView::from)
                .ok_or_else(|| ApiError::not_found("webhook delivery"))
        })
    })
    .await?;
    webhooks::wake();
    Ok(r)
}
