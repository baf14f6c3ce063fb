//! `/api/v1/members/{id}/export`, `/erase` and `/tags`: a customer's data.

use super::params::Id;
use crate::App;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Caller, Write};
use crate::privacy::{self, ErasureView, MemberExport};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Everything Pond holds about one member, as one JSON document (PIPL
/// art. 45, GDPR art. 15 and 20). An erased member's export shows the
/// tombstone that is left.
#[utoipa::path(get, path = "/api/v1/members/{id}/export", tag = "members",
    responses((status = 200, body = MemberExport), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn export(
    State(app): State<App>,
    _: Caller,
    Id(id): Id,
) -> ApiResult<Json<MemberExport>> {
    let mut tx = app.store.read().await?;
    Ok(Json(privacy::export(&mut tx, id, app.now()).await?))
}

/// Erase a member (PIPL art. 47, GDPR art. 17): names, phones, emails,
/// WeChat ids, tags, the personal fields of consents, the text of their
/// chat messages and their names in chat groups are removed; ledger
/// amounts, referrals and report counts stay under a tombstone; their
/// links stop working. Idempotent: a second call answers
/// `already_erased` and changes nothing. The audit line keeps the token's
/// name and the instant.
#[utoipa::path(post, path = "/api/v1/members/{id}/erase", tag = "members",
    responses((status = 200, body = ErasureView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn erase(
    State(app): State<App>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Json<ErasureView>> {
    let by = format!("token:{}", caller.token_name);
    Ok(Json(privacy::erase(&app.store, id, by, app.now()).await?))
}

/// A member's tags, replaced whole.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Tags {
    /// Tags such as `wedding client`; each 1 to 32 characters, at most 20.
    pub tags: Vec<String>,
}

/// Set a member's tags (the whole set; `[]` clears them).
#[utoipa::path(put, path = "/api/v1/members/{id}/tags", tag = "members", request_body = Tags,
    responses((status = 200, body = Tags), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_tags(State(app): State<App>, Id(id): Id, w: Write<Tags>) -> ApiResult<Json<Tags>> {
    let tags = app
        .store
        .write(move |tx| {
            Box::pin(async move { crate::roster::set_tags(tx, id, &w.body.tags).await })
        })
        .await?;
    Ok(Json(Tags { tags }))
}
