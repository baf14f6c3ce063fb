//! The trust budget over HTTP: asks (refused with the reason when the
//! member or group has been asked enough), signals, accounts and the
//! per-program report.

use super::params::{Id, IdPath, IdempotencyKey, Q};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Caller, Write};
use crate::{App, write};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use pond_app::trust::{self, AskInput, AskView, ProgramTrust, SignalInput, SignalView, TrustView};
use pond_core::trust::{AskKind, Decision, Subject};
use serde::Deserialize;
use utoipa::IntoParams;

/// Record an ask: against a member (share, poster, vote, like) or a group
/// (broadcast). Refused with 409 `trust_exhausted` or `asked_too_often` and
/// the reason when `can_ask` says no; a refused ask writes nothing.
#[utoipa::path(post, path = "/api/v1/asks", operation_id = "trust_ask", tag = "trust", request_body = AskInput,
    params(IdempotencyKey),
    responses((status = 201, body = AskView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn ask(State(app): State<App>, w: Write<AskInput>) -> ApiResult<Response> {
    let now = app.now();
    write::run(&app, w.idempotency, StatusCode::CREATED, move |tx| {
        Box::pin(trust::ask(tx, w.body, now))
    })
    .await
}

/// A member's trust: score, what it was spent on and earned by, and whether
/// each kind of ask may be made now, with the reason.
#[utoipa::path(get, path = "/api/v1/members/{id}/trust", operation_id = "trust_member", params(IdPath), tag = "trust",
    responses((status = 200, body = TrustView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn member(State(app): State<App>, _: Caller, Id(id): Id) -> ApiResult<Json<TrustView>> {
    let now = app.now();
    Ok(Json(
        app.read(move |tx| Box::pin(trust::member_view(tx, id, now)))
            .await?,
    ))
}

/// Which ask.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct KindQuery {
    /// share, poster, vote or like.
    #[param(schema_with = super::params::member_ask_kinds)]
    pub kind: String,
}

/// May this member be asked now? Always 200: `allowed` with the reason
/// naming the rule and its numbers.
#[utoipa::path(get, path = "/api/v1/members/{id}/can-ask", operation_id = "trust_can_ask", tag = "trust", params(IdPath, KindQuery),
    responses((status = 200, body = Decision), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn can_ask(
    State(app): State<App>,
    _: Caller,
    Id(id): Id,
    Q(q): Q<KindQuery>,
) -> ApiResult<Json<Decision>> {
    let kind = AskKind::parse(&q.kind)
        .filter(|k| k.subject() == Subject::Member)
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                format!("kind `{}`: use share, poster, vote or like", q.kind),
            )
            .field("kind")
        })?;
    let now = app.now();
    let t = app
        .read(move |tx| Box::pin(trust::member(tx, id, now)))
        .await?;
    Ok(Json(pond_core::trust::can_ask(
        &trust::policy(),
        &t,
        kind,
        now,
    )))
}

/// Record what the shop learnt about a member: `mute`, `leave`, `block`
/// (cost extra within 7 days of an ask) or `useful_content` (earns trust back).
#[utoipa::path(post, path = "/api/v1/members/{id}/trust-signals", operation_id = "trust_member_signal", params(IdempotencyKey, IdPath), tag = "trust", request_body = SignalInput,
    responses((status = 201, body = SignalView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn member_signal(
    State(app): State<App>,
    Id(id): Id,
    w: Write<SignalInput>,
) -> ApiResult<Response> {
    signal(app, Subject::Member, id, w).await
}

/// A group's trust: broadcasts against leaves and useful content.
#[utoipa::path(get, path = "/api/v1/groups/{id}/trust", operation_id = "trust_group", params(IdPath), tag = "trust",
    responses((status = 200, body = TrustView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn group(State(app): State<App>, _: Caller, Id(id): Id) -> ApiResult<Json<TrustView>> {
    let now = app.now();
    Ok(Json(
        app.read(move |tx| Box::pin(trust::group_view(tx, id, now)))
            .await?,
    ))
}

/// Record a group signal: `useful_content`, or a `leave` the chat data did
/// not show.
#[utoipa::path(post, path = "/api/v1/groups/{id}/trust-signals", operation_id = "trust_group_signal", params(IdempotencyKey, IdPath), tag = "trust", request_body = SignalInput,
    responses((status = 201, body = SignalView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn group_signal(
    State(app): State<App>,
    Id(id): Id,
    w: Write<SignalInput>,
) -> ApiResult<Response> {
    signal(app, Subject::Group, id, w).await
}

async fn signal(app: App, subject: Subject, id: i64, w: Write<SignalInput>) -> ApiResult<Response> {
    let now = app.now();
    write::run(&app, w.idempotency, StatusCode::CREATED, move |tx| {
        Box::pin(trust::signal(tx, subject, id, w.body, now))
    })
    .await
}

/// A program's trust report: asks made and the trust they spent, rewards
/// delivered and the trust they returned, members now under the threshold,
/// and the program's value audit.
#[utoipa::path(get, path = "/api/v1/programs/{id}/trust", operation_id = "trust_program", params(IdPath), tag = "trust",
    responses((status = 200, body = ProgramTrust), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn program(
    State(app): State<App>,
    _: Caller,
    Id(id): Id,
) -> ApiResult<Json<ProgramTrust>> {
    let now = app.now();
    Ok(Json(
        app.read(move |tx| Box::pin(trust::program_report(tx, id, now)))
            .await?,
    ))
}
