//! `/api/v1/alerts` and `/api/v1/complaint-terms`: complaints caught in
//! groups, worked as a queue, and the shop's own complaint words.

use super::params::{Id, IdPath, IdempotencyKey, Q, limit, state_filter};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Caller, Write};
use crate::{App, write};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use pond_app::community::alerts::{self, Alert};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Which alerts.
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// open (default), acknowledged, resolved or all.
    #[param(schema_with = super::params::alert_states)]
    pub state: Option<String>,
    /// Page size (default 50); values outside 1 to 200 are taken as the nearest.
    pub limit: Option<i64>,
}

/// Complaints caught in groups, newest first, with the group's size when
/// each was posted (`audience`).
#[utoipa::path(get, path = "/api/v1/alerts", operation_id = "alerts_list", tag = "groups", params(ListQuery),
    responses((status = 200, body = Vec<Object>), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<App>,
    _: Caller,
    Q(q): Q<ListQuery>,
) -> ApiResult<Json<Vec<Alert>>> {
    let state = state_filter(
        q.state.as_deref(),
        "open",
        &["open", "acknowledged", "resolved"],
    )?;
    Ok(Json(alerts::list(&app, state, limit(q.limit)).await?))
}

/// An optional note (kept in the log only).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(as = WorkNote)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// What was done.
    pub note: Option<String>,
}

/// Take an alert on: it leaves the open queue.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/acknowledge", operation_id = "alerts_acknowledge", params(IdempotencyKey, IdPath), tag = "groups", request_body = Decision,
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn acknowledge(
    State(app): State<App>,
    Id(id): Id,
    w: Write<Decision>,
) -> ApiResult<Response> {
    decide(app, id, w, "acknowledged").await
}

/// Resolve an alert; its time to resolve is kept.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/resolve", operation_id = "alerts_resolve", params(IdempotencyKey, IdPath), tag = "groups", request_body = Decision,
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn resolve(
    State(app): State<App>,
    Id(id): Id,
    w: Write<Decision>,
) -> ApiResult<Response> {
    decide(app, id, w, "resolved").await
}

async fn decide(app: App, id: i64, w: Write<Decision>, state: &'static str) -> ApiResult<Response> {
    let now = app.now();
    if let Some(note) = &w.body.note {
        tracing::info!(alert = id, state, note = %note, "alert decided");
    }
    write::run(&app, w.idempotency, StatusCode::OK, move |tx| {
        Box::pin(alerts::decide(tx, id, state, now))
    })
    .await
}

/// One of the shop's complaint words.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermInput {
    /// A word or phrase (Chinese or English; `wilt*` matches any word starting with `wilt`).
    #[schema(min_length = 1, max_length = 40, pattern = "\\S")]
    pub term: String,
    /// Evidence weight, 0.1 to 3 (default 1.5); negative to mark praise.
    #[schema(minimum = -3.0, maximum = 3.0)]
    pub weight: Option<f64>,
}

/// The shop's complaint words.
#[utoipa::path(get, path = "/api/v1/complaint-terms", operation_id = "alerts_terms", tag = "groups",
    responses((status = 200, body = Vec<TermInput>)), security(("bearer" = [])))]
pub async fn terms(State(app): State<App>, _: Caller) -> ApiResult<Json<Vec<TermInput>>> {
    let terms = alerts::terms(&app).await?;
    Ok(Json(
        terms
            .into_iter()
            .map(|(term, weight)| TermInput {
                term,
                weight: Some(weight),
            })
            .collect(),
    ))
}

/// Add (or re-weight) a complaint word; it applies to messages from now on.
#[utoipa::path(post, path = "/api/v1/complaint-terms", operation_id = "alerts_add_term", params(IdempotencyKey), tag = "groups", request_body = TermInput,
    responses((status = 201, body = TermInput), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn add_term(State(app): State<App>, w: Write<TermInput>) -> ApiResult<Response> {
    let term = w.body.term.trim().to_string();
    let weight = w.body.weight.unwrap_or(1.5);
    if term.is_empty() || term.chars().count() > 40 {
        return Err(
            ApiError::unprocessable("invalid", "a term is 1 to 40 characters").field("term"),
        );
    }
    if !(weight.is_finite() && (0.1..=3.0).contains(&weight.abs())) {
        return Err(ApiError::unprocessable(
            "invalid",
            "the weight is between 0.1 and 3 (or -3 and -0.1 for praise)",
        )
        .field("weight"));
    }
    let now = app.now();
    let stored = term.clone();
    let response = write::run(&app, w.idempotency, StatusCode::CREATED, move |tx| {
        Box::pin(async move {
            alerts::add_term(tx, &stored, weight, now).await?;
            Ok(TermInput {
                term: stored,
                weight: Some(weight),
            })
        })
    })
    .await?;
    app.terms_changed().await;
    Ok(response)
}
