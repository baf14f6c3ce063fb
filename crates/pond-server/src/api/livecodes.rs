//! `/api/v1/livecodes`: live codes (活码), their target groups and the
//! groups' QR images.

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Caller, Json, Write};
use crate::{App, uploads, write};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::{SignedDuration, Timestamp};
use pond_app::livecodes::{self, LiveCodeView, NewLiveCode, NewTarget};
use pond_core::livecode::Strategy;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::params::{CodePath, IdempotencyKey, Q, TargetPath};

/// Largest group QR image accepted, in bytes.
pub const QR_LIMIT: usize = 2 << 20;

/// A WeChat group's QR code works for 7 days from when it was made.
const QR_LIFETIME: SignedDuration = SignedDuration::from_hours(7 * 24);

/// Create a live code: one stable link (and QR) that sends each visitor to
/// one of its target groups.
#[utoipa::path(post, path = "/api/v1/livecodes", operation_id = "livecodes_create", tag = "livecodes", request_body = NewLiveCode,
    params(IdempotencyKey),
    responses((status = 201, body = LiveCodeView), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(State(app): State<App>, w: Write<NewLiveCode>) -> ApiResult<Response> {
    let now = app.now();
    let base = app.public_url.to_string();
    write::run(&app, w.idempotency, StatusCode::CREATED, move |tx| {
        Box::pin(async move { livecodes::create(tx, &base, w.body, now).await })
    })
    .await
}

/// Every live code, newest first, with its targets and visits.
#[utoipa::path(get, path = "/api/v1/livecodes", operation_id = "livecodes_list", tag = "livecodes",
    responses((status = 200, body = Vec<LiveCodeView>)), security(("bearer" = [])))]
pub async fn list(State(app): State<App>, _: Caller) -> ApiResult<axum::Json<Vec<LiveCodeView>>> {
    Ok(axum::Json(livecodes::list(&app).await?))
}

/// One live code: its targets (assigned, capacity, expiry, status) and its
/// visits by state tag.
#[utoipa::path(get, path = "/api/v1/livecodes/{code}", operation_id = "livecodes_get_one", params(CodePath), tag = "livecodes",
    responses((status = 200, body = LiveCodeView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get_one(
    State(app): State<App>,
    _: Caller,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<LiveCodeView>> {
    Ok(axum::Json(livecodes::one(&app, &code).await?))
}

/// Fields of a live code to change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiveCodePatch {
    /// A new name (1 to 80 characters).
    #[schema(min_length = 1, max_length = 80, pattern = "\\S")]
    pub name: Option<String>,
    /// `fill_first` or `round_robin`.
    #[schema(pattern = "^(fill_first|round_robin)$")]
    pub strategy: Option<String>,
    /// Off sends every visitor to the "full" page (without a notice).
    pub enabled: Option<bool>,
}

/// Change a live code's name, strategy or switch.
#[utoipa::path(patch, path = "/api/v1/livecodes/{code}", operation_id = "livecodes_patch", params(CodePath), tag = "livecodes", request_body = LiveCodePatch,
    responses((status = 200, body = LiveCodeView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn patch(
    State(app): State<App>,
    _: Caller,
    Path(code): Path<String>,
    Json(p): Json<LiveCodePatch>,
) -> ApiResult<Response> {
    let name = p
        .name
        .as_deref()
        .map(|n| livecodes::name(n, "name"))
        .transpose()?;
    let strategy = p.strategy.as_deref().map(Strategy::parse).transpose()?;
    let (now, base) = (app.now(), app.public_url.to_string());
    write::run(&app, None, StatusCode::OK, move |tx| {
        Box::pin(async move {
            livecodes::update(tx, &base, &code, name.as_deref(), strategy, p.enabled, now).await
        })
    })
    .await
}

/// Add a target group at the end of a live code's order.
#[utoipa::path(post, path = "/api/v1/livecodes/{code}/targets", operation_id = "livecodes_add_target", params(IdempotencyKey, CodePath), tag = "livecodes", request_body = NewTarget,
    responses((status = 201, body = LiveCodeView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_target(
    State(app): State<App>,
    Path(code): Path<String>,
    w: Write<NewTarget>,
) -> ApiResult<Response> {
    let name = livecodes::name(&w.body.name, "name")?;
    let capacity = livecodes::capacity(w.body.capacity, "capacity")?;
    let enabled = w.body.enabled.unwrap_or(true);
    let (now, base) = (app.now(), app.public_url.to_string());
    write::run(&app, w.idempotency, StatusCode::CREATED, move |tx| {
        Box::pin(async move {
            livecodes::add_target(tx, &base, &code, &name, capacity, enabled, now).await
        })
    })
    .await
}

/// Fields of a target to change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetPatch {
    /// A new name (1 to 80 characters).
    #[schema(min_length = 1, max_length = 80, pattern = "\\S")]
    pub name: Option<String>,
    /// A new capacity, 1 to 10000 (it may be below what was assigned: the target is then full).
    #[schema(minimum = 1, maximum = 10000)]
    pub capacity: Option<i64>,
    /// On or off.
    pub enabled: Option<bool>,
}

fn target_path(raw: (String, String)) -> ApiResult<(String, i64)> {
    let (code, target) = raw;
    let id = target
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::not_found("target").field("target_id"))?;
    Ok((code, id))
}

/// Change a target's name, capacity or switch.
#[utoipa::path(patch, path = "/api/v1/livecodes/{code}/targets/{target_id}", operation_id = "livecodes_patch_target", params(TargetPath), tag = "livecodes",
    request_body = TargetPatch,
    responses((status = 200, body = LiveCodeView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn patch_target(
    State(app): State<App>,
    _: Caller,
    Path(raw): Path<(String, String)>,
    Json(p): Json<TargetPatch>,
) -> ApiResult<Response> {
    let (code, target) = target_path(raw)?;
    let name = p
        .name
        .as_deref()
        .map(|n| livecodes::name(n, "name"))
        .transpose()?;
    let capacity = p
        .capacity
        .map(|c| livecodes::capacity(c, "capacity"))
        .transpose()?;
    let (now, base) = (app.now(), app.public_url.to_string());
    write::run(&app, None, StatusCode::OK, move |tx| {
        Box::pin(async move {
            livecodes::update_target(
                tx,
                &base,
                &code,
                target,
                name.as_deref(),
                capacity,
                p.enabled,
                now,
            )
            .await
        })
    })
    .await
}

/// When the uploaded QR stops working.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QrQuery {
    /// RFC 3339 instant; 7 days from now when absent (a WeChat group QR's life).
    pub expires_at: Option<String>,
}

/// Upload a target's group QR image: the raw PNG or JPEG as the body (at
/// most 2 MB). It is decoded before it is stored.
#[utoipa::path(put, path = "/api/v1/livecodes/{code}/targets/{target_id}/qr", operation_id = "livecodes_put_qr", tag = "livecodes",
    params(TargetPath, QrQuery),
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 200, body = LiveCodeView), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_qr(
    State(app): State<App>,
    _: Caller,
    Path(raw): Path<(String, String)>,
    Q(q): Q<QrQuery>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let (code, target) = target_path(raw)?;
    let now = app.now();
    let expires_at = match q.expires_at.as_deref() {
        None => now
            .checked_add(QR_LIFETIME)
            .map_err(|e| ApiError::internal(&e))?,
        Some(raw) => raw
            .parse::<Timestamp>()
            .ok()
            .filter(|t| *t > now)
            .ok_or_else(|| {
                ApiError::unprocessable(
                    "invalid_expiry",
                    format!("expires_at `{raw}` is not an RFC 3339 instant in the future"),
                )
                .field("expires_at")
            })?,
    };
    let bytes = uploads::body(body, QR_LIMIT)?;
    let (_, mime) = uploads::decode(&bytes)?;
    let base = app.public_url.to_string();
    write::run(&app, None, StatusCode::OK, move |tx| {
        Box::pin(async move {
            livecodes::set_qr(tx, &base, &code, target, &bytes, mime, expires_at, now).await
        })
    })
    .await
}
