//! `/api/v1/referrals` and `/api/v1/events`.

use super::params::{Id, IdPath, IdempotencyKey, Q, limit};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Caller, Write};
use crate::{App, write};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use pond_app::events::{self, EventInput, EventResult};
use pond_app::referrals::{self, AttributionResult, CheckoutAttribution, Decision, ReferralView};
use pond_core::referral::{Review, Status};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// Attribute a member at checkout by the inviter's code or phone. The first touch wins.
#[utoipa::path(post, path = "/api/v1/referrals", operation_id = "referrals_attribute", params(IdempotencyKey), tag = "referrals", request_body = CheckoutAttribution,
    responses((status = 200, body = AttributionResult), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn attribute(
    State(app): State<App>,
    w: Write<CheckoutAttribution>,
) -> ApiResult<Response> {
    let now = app.now();
    let a = app.clone();
    write::run(&app, w.idempotency, StatusCode::OK, move |tx| {
        Box::pin(async move { referrals::attribute_at_checkout(&a, tx, w.body, now).await })
    })
    .await
}

/// Filters for listing referrals.
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `flagged` (the review queue), `attributed`, `qualified` or `rejected`.
    #[param(schema_with = super::params::referral_filters)]
    pub status: Option<String>,
    /// Only this program.
    pub program_id: Option<i64>,
    /// Only this inviter.
    pub inviter_id: Option<i64>,
    /// Only ids below this one.
    pub before: Option<i64>,
    /// Page size (default 50); values outside 1 to 200 are taken as the nearest.
    pub limit: Option<i64>,
}

/// List referrals; `?status=flagged` is the review queue.
#[utoipa::path(get, path = "/api/v1/referrals", operation_id = "referrals_list", tag = "referrals", params(ListQuery),
    responses((status = 200, body = Vec<ReferralView>), (status = 400, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list(
    State(app): State<App>,
    _: Caller,
    Q(q): Q<ListQuery>,
) -> ApiResult<Json<Vec<ReferralView>>> {
    let mut filter = referrals::Filter {
        program_id: q.program_id,
        inviter_id: q.inviter_id,
        before: q.before,
        limit: limit(q.limit),
        ..Default::default()
    };
    match q.status.as_deref() {
        None => {}
        Some("flagged") => filter.review = Some(Review::Flagged),
        Some(s) => {
            filter.status = Some(Status::parse(s).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_query",
                    format!("unknown status `{s}`: use flagged, attributed, qualified or rejected"),
                )
                .field("status")
            })?)
        }
    }
    Ok(Json(referrals::list(&app, &filter).await?))
}

/// One referral with its rewards.
#[utoipa::path(get, path = "/api/v1/referrals/{id}", operation_id = "referrals_get_one", params(IdPath), tag = "referrals",
    responses((status = 200, body = ReferralView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get_one(
    State(app): State<App>,
    _: Caller,
    Id(id): Id,
) -> ApiResult<Json<ReferralView>> {
    Ok(Json(referrals::one(&app, id).await?))
}

async fn decide(app: App, id: i64, w: Write<Decision>, decision: Review) -> ApiResult<Response> {
    let now = app.now();
    write::run(&app, w.idempotency, StatusCode::OK, move |tx| {
        Box::pin(
            async move { referrals::review(tx, id, decision, w.body.note.as_deref(), now).await },
        )
    })
    .await
}

/// Approve a flagged referral: its rewards proceed.
#[utoipa::path(post, path = "/api/v1/referrals/{id}/approve", operation_id = "referrals_approve", params(IdempotencyKey, IdPath), tag = "referrals", request_body = Decision,
    responses((status = 200, body = ReferralView), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn approve(
    State(app): State<App>,
    Id(id): Id,
    w: Write<Decision>,
) -> ApiResult<Response> {
    decide(app, id, w, Review::Approved).await
}

/// Reject a flagged referral: its pending rewards are voided.
#[utoipa::path(post, path = "/api/v1/referrals/{id}/reject", operation_id = "referrals_reject", params(IdempotencyKey, IdPath), tag = "referrals", request_body = Decision,
    responses((status = 200, body = ReferralView), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn reject(State(app): State<App>, Id(id): Id, w: Write<Decision>) -> ApiResult<Response> {
    decide(app, id, w, Review::Rejected).await
}

/// Record an event: `signup`, `order.paid`, `order.refunded`, `order.cancelled` or custom.
#[utoipa::path(post, path = "/api/v1/events", operation_id = "referrals_event", tag = "events", request_body = EventInput,
    params(IdempotencyKey),
    responses((status = 200, body = EventResult), (status = 404, description = "No such member (`field`: `member_id`)", body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn event(State(app): State<App>, w: Write<EventInput>) -> ApiResult<Response> {
    let now = app.now();
    write::run(&app, w.idempotency, StatusCode::OK, move |tx| {
        Box::pin(events::apply(tx, w.body, now))
    })
    .await
}
