//! `/api/v1/programs`.

use super::params::{Id, IdPath, IdempotencyKey};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Caller, Json, Write};
use crate::{App, redirect, write};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use pond_app::programs::{self, ProgramView};
use pond_core::program::ProgramSpec;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Create a program. The compliance guard refuses pyramids with a 422 naming the criterion.
#[utoipa::path(post, path = "/api/v1/programs", operation_id = "programs_create", tag = "programs", request_body = ProgramSpec,
    params(IdempotencyKey),
    responses((status = 201, body = ProgramView), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(State(app): State<App>, w: Write<ProgramSpec>) -> ApiResult<Response> {
    let now = app.now();
    write::run(&app, w.idempotency, StatusCode::CREATED, move |tx| {
        Box::pin(programs::create(tx, w.body, now))
    })
    .await
}

/// List programs.
#[utoipa::path(get, path = "/api/v1/programs", operation_id = "programs_list", tag = "programs",
    responses((status = 200, body = Vec<ProgramView>)), security(("bearer" = [])))]
pub async fn list(State(app): State<App>, _: Caller) -> ApiResult<axum::Json<Vec<ProgramView>>> {
    Ok(axum::Json(programs::all(&app).await?))
}

/// One program.
#[utoipa::path(get, path = "/api/v1/programs/{id}", operation_id = "programs_get_one", params(IdPath), tag = "programs",
    responses((status = 200, body = ProgramView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get_one(
    State(app): State<App>,
    _: Caller,
    Id(id): Id,
) -> ApiResult<axum::Json<ProgramView>> {
    Ok(axum::Json(programs::one(&app, id).await?))
}

/// Change fields of a program; the result is validated and reviewed again.
#[utoipa::path(patch, path = "/api/v1/programs/{id}", operation_id = "programs_patch", params(IdPath), tag = "programs", request_body = Object,
    responses((status = 200, body = ProgramView), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn patch(
    State(app): State<App>,
    _: Caller,
    Id(id): Id,
    Json(patch): Json<serde_json::Value>,
) -> ApiResult<Response> {
    let now = app.now();
    write::run(&app, None, StatusCode::OK, move |tx| {
        Box::pin(programs::update(tx, id, patch, now))
    })
    .await
}

/// Which member wants a link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkInput {
    /// The member who will share it.
    pub member_id: i64,
}

/// A member's personal link in a program.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkView {
    /// The code.
    pub code: String,
    /// The link to share.
    pub url: String,
    /// Its QR code as PNG.
    pub qr_png: String,
    /// Its QR code as SVG.
    pub qr_svg: String,
    /// The program.
    pub program_id: i64,
    /// The member.
    pub member_id: i64,
    /// How often it was opened.
    pub clicks: i64,
}

/// Get or create a member's link in a program.
#[utoipa::path(post, path = "/api/v1/programs/{id}/links", operation_id = "programs_link", params(IdempotencyKey, IdPath), tag = "programs", request_body = LinkInput,
    responses((status = 200, body = LinkView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn link(State(app): State<App>, Id(id): Id, w: Write<LinkInput>) -> ApiResult<Response> {
    let now = app.now();
    let a = app.clone();
    write::run(&app, w.idempotency, StatusCode::OK, move |tx| {
        Box::pin(async move {
            let l = programs::link(tx, id, w.body.member_id, now).await?;
            Ok(link_view(&a, l))
        })
    })
    .await
}

/// Builds the view of a link.
pub fn link_view(app: &App, l: programs::Link) -> LinkView {
    let url = redirect::link_url(app, &l.code);
    LinkView {
        qr_png: format!("{url}/qr.png"),
        qr_svg: format!("{url}/qr.svg"),
        url,
        code: l.code,
        program_id: l.program_id,
        member_id: l.member_id,
        clicks: l.clicks,
    }
}
