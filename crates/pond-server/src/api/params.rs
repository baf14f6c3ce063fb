//! Path and query extractors that answer rejections in the API's error
//! shape, and the path parameters every route template declares in the
//! OpenAPI document (one struct per template shape, so no operation can
//! forget one: tests/openapi.rs walks the document).

use crate::error::{ApiError, ApiResult};
use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

/// A numeric id from the path.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::bad_request("invalid_path", e.body_text()))?;
        path_id(&raw, "id")
    }
}

/// A path segment that must be a positive id; anything else names no
/// resource, so it is a 404 naming the parameter (docs/api.md).
pub fn path_id(raw: &str, name: &str) -> ApiResult<Id> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(Id)
        .ok_or_else(|| ApiError::not_found("resource").field(name))
}

/// `{id}`: the resource's id.
// Describes the document only; the handlers read these with `Id`,
// `Path` and `Write`.
#[allow(dead_code)]
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct IdPath {
    /// Pond's id of the resource (a positive integer); another is a 404.
    #[param(minimum = 1)]
    pub id: i64,
}

/// `{id}` and `{delivery_id}`: one delivery of a webhook endpoint.
// Describes the document only; the handlers read these with `Id`,
// `Path` and `Write`.
#[allow(dead_code)]
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DeliveryIds {
    /// The endpoint's id.
    #[param(minimum = 1)]
    pub id: i64,
    /// The delivery's id.
    #[param(minimum = 1)]
    pub delivery_id: i64,
}

/// `{id}` and `{person}`: one person of a chat group.
// Describes the document only; the handlers read these with `Id`,
// `Path` and `Write`.
#[allow(dead_code)]
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PersonPath {
    /// The group's id.
    #[param(minimum = 1)]
    pub id: i64,
    /// The person's id (from `GET /groups/{id}/people`).
    #[param(minimum = 1)]
    pub person: i64,
}

/// `{code}`: a live code.
// Describes the document only; the handlers read these with `Id`,
// `Path` and `Write`.
#[allow(dead_code)]
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CodePath {
    /// The live code's code, as in its link `/j/{code}`.
    #[param(min_length = 1)]
    pub code: String,
}

/// `{code}` and `{target_id}`: one target of a live code.
// Describes the document only; the handlers read these with `Id`,
// `Path` and `Write`.
#[allow(dead_code)]
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TargetPath {
    /// The live code's code.
    #[param(min_length = 1)]
    pub code: String,
    /// The target's id.
    #[param(minimum = 1)]
    pub target_id: i64,
}

/// Query parameters. An unknown parameter is a 400; a known one whose
/// value cannot be read (a date that is not one, a word for a number) is a
/// 422 naming it, as docs/api.md says.
pub struct Q<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Q<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        query(parts.uri.query().unwrap_or_default()).map(Q)
    }
}

/// Reads a query string into `T` (the same parser axum's `Query` uses),
/// keeping the name of the parameter at fault.
pub fn query<T: DeserializeOwned>(raw: &str) -> ApiResult<T> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        // serde words an unknown field "unknown field `x`, expected ...".
        if let Some(rest) = inner.strip_prefix("unknown field `") {
            let name = rest.split('`').next().unwrap_or_default().to_string();
            return ApiError::bad_request(
                "invalid_query",
                format!("unknown query parameter `{name}`: {inner}"),
            )
            .field(name);
        }
        // A required parameter left out is named by serde the same way.
        let name = match inner.strip_prefix("missing field `") {
            Some(rest) => rest.split('`').next().unwrap_or_default().to_string(),
            None => path,
        };
        let err = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_query",
            format!("query parameter `{name}`: {inner}"),
        );
        if name == "." { err } else { err.field(name) }
    })
}

/// The page size asked for, clamped to 1..=200 (default 50).
pub fn limit(asked: Option<i64>) -> i64 {
    asked.unwrap_or(50).clamp(1, 200)
}

/// A `state` filter of a list: `all` is no filter, one of `known` is
/// itself, anything else a 400 naming the choices.
pub fn state_filter<'a>(
    asked: Option<&'a str>,
    default: &'a str,
    known: &[&'static str],
) -> ApiResult<Option<&'a str>> {
    match asked.unwrap_or(default) {
        "all" => Ok(None),
        s if known.contains(&s) => Ok(Some(s)),
        other => Err(ApiError::bad_request(
            "invalid_query",
            format!("state `{other}`: use {} or all", known.join(", ")),
        )
        .field("state")),
    }
}

/// The `Idempotency-Key` header every write through `extract::Write` honours.
// Describes the document only; the handlers read these with `Id`,
// `Path` and `Write`.
#[allow(dead_code)]
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKey {
    /// Replays the first response for the same request (Stripe's
    /// semantics); 1 to 255 visible ASCII characters (surrounding blanks
    /// are trimmed, as `extract::Write` reads it).
    #[param(
        rename = "Idempotency-Key",
        min_length = 1,
        max_length = 255,
        pattern = "^[\t -~]*[!-~][\t -~]*$"
    )]
    pub key: Option<String>,
}

/// A string schema with a fixed set of values, for query parameters the
/// handlers read as words (`state`, `status`, `format`, ...), so the
/// document lists the words the handler accepts.
fn words(values: &[&str]) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .build()
}

/// `GET /alerts?state=`.
pub fn alert_states() -> Object {
    words(&["open", "acknowledged", "resolved", "all"])
}

/// `GET /notices?state=`.
pub fn notice_states() -> Object {
    words(&["open", "resolved", "all"])
}

/// `GET /webhooks/{id}/deliveries?state=`.
pub fn delivery_states() -> Object {
    words(&["pending", "delivered", "failed", "all"])
}

/// `GET /referrals?status=`.
pub fn referral_filters() -> Object {
    words(&["flagged", "attributed", "qualified", "rejected"])
}

/// `POST /imports?format=`.
pub fn import_formats() -> Object {
    words(&[
        "auto",
        "whatsapp",
        "telegram",
        "discord-json",
        "discord-csv",
        "wechat-csv",
    ])
}

/// `POST /simulate/plot?format=`.
pub fn plot_formats() -> Object {
    words(&["svg", "png"])
}

/// `POST /simulate/plot?chart=`.
pub fn plot_charts() -> Object {
    words(&["growth", "generations", "k"])
}

/// `PUT /programs/{id}/poster?name_align=`.
pub fn name_aligns() -> Object {
    words(&["center", "left"])
}

/// `GET /members/{id}/can-ask?kind=`: the asks made of one member
/// (`broadcast` is a group's).
pub fn member_ask_kinds() -> Object {
    words(&["share", "poster", "vote", "like"])
}
