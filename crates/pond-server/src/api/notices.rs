//! `/api/v1/notices`: what the operator must act on that is not a
//! complaint (a live code with no group left, a disabled webhook endpoint).

use super::params::{Id, IdPath, IdempotencyKey, Q, limit, state_filter};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Caller, Write};
use crate::{App, write};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use pond_app::notices::{self, Notice};
use serde::Deserialize;
use utoipa::IntoParams;

/// Which notices.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// open (default), resolved or all.
    #[param(schema_with = super::params::notice_states)]
    pub state: Option<String>,
    /// Page size (default 50); values outside 1 to 200 are taken as the nearest.
    pub limit: Option<i64>,
}

/// Operator notices, newest first.
#[utoipa::path(get, path = "/api/v1/notices", operation_id = "notices_list", tag = "notices", params(ListQuery),
    responses((status = 200, body = Vec<Object>), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<App>,
    _: Caller,
    Q(q): Q<ListQuery>,
) -> ApiResult<Json<Vec<Notice>>> {
    let state = state_filter(q.state.as_deref(), "open", &["open", "resolved"])?;
    Ok(Json(notices::list(&app, state, limit(q.limit)).await?))
}

/// Resolve a notice: the condition was dealt with. If it comes back, a new
/// notice is raised.
#[utoipa::path(post, path = "/api/v1/notices/{id}/resolve", operation_id = "notices_resolve", params(IdempotencyKey, IdPath), tag = "notices", request_body = super::alerts::Decision,
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn resolve(
    State(app): State<App>,
    Id(id): Id,
    w: Write<super::alerts::Decision>,
) -> ApiResult<Response> {
    let now = app.now();
    write::run(&app, w.idempotency, StatusCode::OK, move |tx| {
        Box::pin(notices::resolve(tx, id, now))
    })
    .await
}
