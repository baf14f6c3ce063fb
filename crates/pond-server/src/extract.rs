//! Extractors that turn raw requests into typed, authenticated input, with
//! every rejection answered in the API's error shape.

use crate::App;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use pond_core::privacy::sha256_hex;
use serde::de::DeserializeOwned;

/// A caller holding a valid API token.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's id: what idempotency keys are scoped by (two tokens may
    /// share a name, and a new token may take a revoked one's).
    pub token_id: i64,
    /// The token's name.
    pub token_name: String,
}

impl FromRequestParts<App> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let unauthorized =
            |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", m.to_string());
        let header = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            unauthorized(
                "send `Authorization: Bearer <token>`; create one with `pond token create`",
            )
        })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| unauthorized("the Authorization header must be `Bearer <token>`"))?;
        let name = app
            .token(&sha256_hex(token.as_bytes()))
            .await?
            .ok_or_else(|| unauthorized("unknown or revoked token"))?;
        Ok(Caller {
            token_id: name.0,
            token_name: name.1,
        })
    }
}

/// The most an `Idempotency-Key` may be: Stripe allows 255 characters.
const MAX_KEY: usize = 255;

/// A JSON body for a POST that changes things, with its `Idempotency-Key`
/// and a hash of the request that the key must keep matching.
#[derive(Debug)]
pub struct Write<T> {
    /// The parsed body.
    pub body: T,
    /// The key and request hash, when the client sent a key.
    pub idempotency: Option<Idempotency>,
}

/// An idempotency key and the hash of the request it was first used with.
#[derive(Debug, Clone)]
pub struct Idempotency {
    /// The client's key, scoped by the caller's token.
    pub key: String,
    /// SHA-256 of method, path and body.
    pub request_hash: String,
}

impl<T: DeserializeOwned> FromRequest<App> for Write<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, app: &App) -> Result<Self, ApiError> {
        let (mut parts, body) = req.into_parts();
        let caller = Caller::from_request_parts(&mut parts, app).await?;
        let key = match parts.headers.get("idempotency-key") {
            None => None,
            Some(v) => {
                let k = v
                    .to_str()
                    .ok()
                    .map(str::trim)
                    .filter(|k| !k.is_empty() && k.len() <= MAX_KEY);
                Some(
                    k.ok_or_else(|| {
                        ApiError::bad_request(
                            "invalid_idempotency_key",
                            "Idempotency-Key must be 1 to 255 visible ASCII characters",
                        )
                        .field("Idempotency-Key")
                    })?
                    .to_string(),
                )
            }
        };
        let req = Request::from_parts(parts, body);
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let bytes = read_body(req).await?;
        let body = parse_json(&bytes)?;
        let idempotency = key.map(|k| {
            let mut material = Vec::with_capacity(bytes.len() + path.len() + 8);
            material.extend_from_slice(method.as_str().as_bytes());
            material.push(b' ');
            material.extend_from_slice(path.as_bytes());
            material.push(b'\n');
            material.extend_from_slice(&bytes);
            Idempotency {
                key: format!("{}:{k}", caller.token_id),
                request_hash: sha256_hex(&material),
            }
        });
        Ok(Write { body, idempotency })
    }
}

/// A JSON body without idempotency (PATCH, which is naturally idempotent).
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned> FromRequest<App> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &App) -> Result<Self, ApiError> {
        let bytes = read_body(req).await?;
        Ok(Json(parse_json(&bytes)?))
    }
}

/// Reads the body within the limit. An empty body reads as `{}`, so that
/// actions whose fields are all optional (approve, reject) need none.
async fn read_body(req: Request) -> Result<Bytes, ApiError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
    let bytes = Bytes::from_request(req, &()).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the body is over the limit of {} bytes", crate::BODY_LIMIT),
            )
        } else {
            ApiError::bad_request("unreadable_body", e.body_text())
        }
    })?;
    if bytes.is_empty() {
        return Ok(Bytes::from_static(b"{}"));
    }
    if !is_json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with `Content-Type: application/json`",
        ));
    }
    Ok(bytes)
}

/// Parses JSON, telling syntax errors (400) from well-formed JSON of the
/// wrong shape (422, naming the field where serde knows it).
fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let field = (path != ".").then_some(path);
        let err = if inner.is_syntax() || inner.is_eof() {
            ApiError::bad_request(
                "malformed_json",
                format!("the body is not valid JSON: {inner}"),
            )
        } else {
            ApiError::unprocessable("invalid_body", inner.to_string())
        };
        match field {
            Some(f) => err.field(f),
            None => err,
        }
    })
}
