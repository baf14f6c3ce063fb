//! Path and query extractors that answer rejections in the API's error shape.

use crate::error::{ApiError, ApiResult};
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A numeric id from the path.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::bad_request("invalid_path", e.body_text()))?;
        raw.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(Id)
            .ok_or_else(|| ApiError::not_found("resource").field("id"))
    }
}

/// Query parameters, refused with a 400 that names the problem.
pub struct Q<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Q<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| Q(q))
            .map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))
    }
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
