//! `/api/v1/members`.

use super::params::{Id, IdPath, IdempotencyKey, Q, limit};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Caller, Write};
use crate::{App, write};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use pond_app::members::{self, MemberInput, MemberView};
use pond_app::rewards::{self, Balance, EntryView, Redemption, RedemptionInput};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// Create a member, optionally referred by `referral_code`.
#[utoipa::path(post, path = "/api/v1/members", operation_id = "members_create", tag = "members", request_body = MemberInput,
    params(IdempotencyKey),
    responses((status = 201, body = MemberView), (status = 404, description = "No such referral code or program (`field`: `referral_code`)", body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(State(app): State<App>, w: Write<MemberInput>) -> ApiResult<Response> {
    let now = app.now();
    let a = app.clone();
    write::run(&app, w.idempotency, StatusCode::CREATED, move |tx| {
        Box::pin(async move { members::create(&a, tx, w.body, now).await })
    })
    .await
}

/// Paging and search.
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Part of a name or identity key.
    pub q: Option<String>,
    /// Only ids below this one (the last id of the previous page).
    pub before: Option<i64>,
    /// Page size (default 50); values outside 1 to 200 are taken as the nearest.
    pub limit: Option<i64>,
}

/// Search members, newest first.
#[utoipa::path(get, path = "/api/v1/members", operation_id = "members_list", tag = "members", params(ListQuery),
    responses((status = 200, body = Vec<MemberView>)), security(("bearer" = [])))]
pub async fn list(
    State(app): State<App>,
    _: Caller,
    Q(q): Q<ListQuery>,
) -> ApiResult<Json<Vec<MemberView>>> {
    Ok(Json(
        members::search(&app, q.q.as_deref(), q.before, limit(q.limit)).await?,
    ))
}

/// One member.
#[utoipa::path(get, path = "/api/v1/members/{id}", operation_id = "members_get_one", params(IdPath), tag = "members",
    responses((status = 200, body = MemberView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get_one(State(app): State<App>, _: Caller, Id(id): Id) -> ApiResult<Json<MemberView>> {
    Ok(Json(members::one(&app, id).await?))
}

/// A member's balances, one per unit: the sums of their ledger entries.
#[utoipa::path(get, path = "/api/v1/members/{id}/balances", operation_id = "members_balances", params(IdPath), tag = "members",
    responses((status = 200, body = Vec<Balance>), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn balances(
    State(app): State<App>,
    _: Caller,
    Id(id): Id,
) -> ApiResult<Json<Vec<Balance>>> {
    Ok(Json(rewards::balances_of(&app, id).await?))
}

/// Paging for the ledger.
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    /// Only entries below this id.
    pub before: Option<i64>,
    /// Page size (default 50); values outside 1 to 200 are taken as the nearest.
    pub limit: Option<i64>,
}

/// A member's ledger entries, newest first.
#[utoipa::path(get, path = "/api/v1/members/{id}/ledger", operation_id = "members_ledger", tag = "members", params(IdPath, LedgerQuery),
    responses((status = 200, body = Vec<EntryView>), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn ledger(
    State(app): State<App>,
    _: Caller,
    Id(id): Id,
    Q(q): Q<LedgerQuery>,
) -> ApiResult<Json<Vec<EntryView>>> {
    Ok(Json(
        rewards::ledger(&app, id, q.before, limit(q.limit)).await?,
    ))
}

/// Spend part of a member's balance; never below zero.
#[utoipa::path(post, path = "/api/v1/members/{id}/redemptions", operation_id = "members_redeem", params(IdempotencyKey, IdPath), tag = "members", request_body = RedemptionInput,
    responses((status = 201, body = Redemption), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn redeem(
    State(app): State<App>,
    Id(id): Id,
    w: Write<RedemptionInput>,
) -> ApiResult<Response> {
    let now = app.now();
    write::run(&app, w.idempotency, StatusCode::CREATED, move |tx| {
        Box::pin(async move {
            members::exists(tx, id).await?;
            rewards::redeem(tx, id, w.body, now).await
        })
    })
    .await
}
