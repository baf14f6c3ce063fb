//! Runs a change in one transaction, honouring `Idempotency-Key` with
//! Stripe's semantics: the first response for a key is stored with the
//! change itself and replayed for the same request; the same key with a
//! different request is refused with a 422. Failed requests store nothing,
//! so a retry after a 4xx or 5xx runs afresh.

use crate::App;
use crate::error::{ApiError, ApiResult};
use crate::extract::Idempotency;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pond_store::Tx;
use pond_store::idempotency::{self, Claim};
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;

/// A boxed future borrowing the transaction.
pub type TxFuture<'t, T> = Pin<Box<dyn Future<Output = ApiResult<T>> + Send + 't>>;

/// Runs `op` inside a write transaction and answers with its JSON.
pub async fn run<T, F>(
    app: &App,
    idem: Option<Idempotency>,
    status: StatusCode,
    op: F,
) -> ApiResult<Response>
where
    T: Serialize + Send + 'static,
    F: for<'t> FnOnce(&'t mut Tx) -> TxFuture<'t, T> + Send + 'static,
{
    let now = app.now();
    let (status, body, replayed) = app
        .store
        .write(move |tx| {
            Box::pin(async move {
                if let Some(k) = &idem
                    && let Claim::Stored {
                        request_hash,
                        status,
                        body,
                    } = idempotency::claim(tx, &k.key, &k.request_hash, now).await?
                {
                    if request_hash != k.request_hash {
                        return Err(ApiError::unprocessable(
                            "idempotency_key_reused",
                            "this Idempotency-Key was used with a different request; use a fresh key",
                        )
                        .field("Idempotency-Key"));
                    }
                    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
                    return Ok((status, body, true));
                }
                let value = op(tx).await?;
                let body = serde_json::to_string(&value).map_err(|e| ApiError::internal(&e))?;
                if let Some(k) = &idem {
                    idempotency::complete(tx, &k.key, status.as_u16(), &body).await?;
                }
                Ok((status, body, false))
            })
        })
        .await?;
    Ok(json(status, body, replayed))
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
