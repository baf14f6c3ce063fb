//! Runs a change through [`pond_app::idempotency`] and answers with its
//! JSON: the stored first answer for a replayed `Idempotency-Key`, marked
//! `Idempotent-Replayed: true`.

use crate::App;
use crate::error::ApiResult;
use crate::extract::Idempotency;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
pub use pond_app::idempotency::TxFuture;
use pond_app::idempotency::{self, Key};
use serde::Serialize;

/// Runs `op` inside a write transaction and answers with its JSON.
pub async fn run<T, F>(
    app: &App,
    idem: Option<Idempotency>,
    status: StatusCode,
    op: F,
) -> ApiResult<Response>
where
    T: Serialize + Send + 'static,
    F: for<'t> FnOnce(&'t mut pond_app::Tx) -> TxFuture<'t, T> + Send + 'static,
{
    let key = idem.map(|k| Key {
        key: k.key,
        request_hash: k.request_hash,
    });
    let answer = idempotency::run(app, key, status.as_u16(), op).await?;
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    Ok(json(status, answer.body, answer.replayed))
}

fn json(status: StatusCode, body: String, replayed: bool) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if replayed {
        h.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    r
}
