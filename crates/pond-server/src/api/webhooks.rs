//! `/api/v1/webhooks`: endpoints that receive Pond's events, their delivery
//! log, and replays (docs/webhooks.md).

use super::params::{DeliveryIds, Id, IdPath, IdempotencyKey, Q, limit, path_id, state_filter};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Caller, Write};
use crate::{App, write};
use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use pond_app::webhooks::views::{DeliveryView, EndpointView};
use pond_app::webhooks::{self, endpoints};
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
#[utoipa::path(post, path = "/api/v1/webhooks", operation_id = "webhooks_create", params(IdempotencyKey), tag = "webhooks", request_body = NewEndpoint,
    responses((status = 201, body = CreatedEndpoint), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(State(app): State<App>, w: Write<NewEndpoint>) -> ApiResult<Response> {
    // Checked before the write too, so bad input never queues behind it.
    webhooks::check_url(&w.body.url)?;
    webhooks::check_events(&w.body.events)?;
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
#[utoipa::path(get, path = "/api/v1/webhooks", operation_id = "webhooks_list", tag = "webhooks",
    responses((status = 200, body = Vec<EndpointView>)), security(("bearer" = [])))]
pub async fn list(State(app): State<App>, _: Caller) -> ApiResult<Json<Vec<EndpointView>>> {
    Ok(Json(endpoints::list(&app).await?))
}

/// One endpoint.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", operation_id = "webhooks_get_one", params(IdPath), tag = "webhooks",
    responses((status = 200, body = EndpointView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_one(
    State(app): State<App>,
    _: Caller,
    Id(id): Id,
) -> ApiResult<Json<EndpointView>> {
    Ok(Json(endpoints::one(&app, id).await?))
}

/// Stop sending to an endpoint. Its deliveries wait, pending, until it is
/// enabled again.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/disable", operation_id = "webhooks_disable", request_body = super::alerts::Decision, params(IdempotencyKey, IdPath), tag = "webhooks",
    responses((status = 200, body = EndpointView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn disable(
    State(app): State<App>,
    Id(id): Id,
    w: Write<super::alerts::Decision>,
) -> ApiResult<Response> {
    let now = app.now();
    write::run(&app, w.idempotency, StatusCode::OK, move |tx| {
        Box::pin(endpoints::disable(tx, id, now))
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
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/enable", operation_id = "webhooks_enable", request_body = super::alerts::Decision, params(IdempotencyKey, IdPath), tag = "webhooks",
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
            let (endpoint, requeued) = endpoints::enable(tx, id, now).await?;
            Ok(Enabled { endpoint, requeued })
        })
    })
    .await?;
    webhooks::wake();
    Ok(r)
}

/// Which deliveries.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// pending, delivered, failed or all (default).
    #[param(schema_with = super::params::delivery_states)]
    pub state: Option<String>,
    /// Page size (default 50); values outside 1 to 200 are taken as the nearest.
    pub limit: Option<i64>,
}

/// An endpoint's delivery log, newest first.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", operation_id = "webhooks_deliveries", tag = "webhooks", params(IdPath, DeliveryQuery),
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
    Ok(Json(
        endpoints::deliveries(&app, id, state, limit(q.limit)).await?,
    ))
}

/// An endpoint id and one of its deliveries' ids, from the path.
pub struct DeliveryPath(i64, i64);

impl<S: Send + Sync> FromRequestParts<S> for DeliveryPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path((a, b)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::bad_request("invalid_path", e.body_text()))?;
        let (Id(a), Id(b)) = (path_id(&a, "id")?, path_id(&b, "delivery_id")?);
        Ok(DeliveryPath(a, b))
    }
}

/// One delivery with every attempt.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}", operation_id = "webhooks_delivery", params(DeliveryIds), tag = "webhooks",
    responses((status = 200, body = DeliveryView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delivery(
    State(app): State<App>,
    _: Caller,
    DeliveryPath(endpoint, id): DeliveryPath,
) -> ApiResult<Json<DeliveryView>> {
    Ok(Json(endpoints::delivery(&app, endpoint, id).await?))
}

/// Send a delivery again, now, with a fresh retry schedule and the same
/// `webhook-id` (receivers that dedupe by it see a repeat).
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/replay", operation_id = "webhooks_replay", request_body = super::alerts::Decision, params(DeliveryIds, IdempotencyKey), tag = "webhooks",
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
        Box::pin(endpoints::replay(tx, endpoint, id, now))
    })
    .await?;
    webhooks::wake();
    Ok(r)
}
