//! Runs a change in one transaction, honouring an idempotency key with
//! Stripe's semantics: the first answer for a key is stored with the
//! change itself and replayed for the same request; the same key with a
//! different request is refused. Failed requests store nothing, so a retry
//! after a refusal or a fault runs afresh.

use crate::{Error, Pond, Result};
use pond_store::Tx;
use pond_store::idempotency::{self, Claim};
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;

/// A boxed future borrowing the transaction.
pub type TxFuture<'t, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 't>>;

/// A caller's idempotency key and the hash of the request it came with.
#[derive(Debug, Clone)]
pub struct Key {
    /// The key, scoped by the caller (its token's name).
    pub key: String,
    /// A hash of what was asked, which the key must keep matching.
    pub request_hash: String,
}

/// The answer to a change: its status and JSON, and whether it is the
/// stored answer of an earlier request with the same key.
#[derive(Debug)]
pub struct Answer {
    /// The status the first answer had (the door's number, e.g. 201).
    pub status: u16,
    /// The JSON body.
    pub body: String,
    /// Whether this answer is a replay.
    pub replayed: bool,
}

/// Runs `op` inside a write transaction and answers with its JSON, or
/// with the stored answer of the first request with the same `key`.
#[tracing::instrument(skip_all, fields(keyed = key.is_some()))]
pub async fn run<T, F>(pond: &Pond, key: Option<Key>, status: u16, op: F) -> Result<Answer>
where
    T: Serialize + Send + 'static,
    F: for<'t> FnOnce(&'t mut Tx) -> TxFuture<'t, T> + Send + 'static,
{
    let now = pond.now();
    pond.store
        .write(move |tx| {
            Box::pin(async move {
                if let Some(k) = &key
                    && let Claim::Stored {
                        request_hash,
                        status,
                        body,
                    } = idempotency::claim(tx, &k.key, &k.request_hash, now).await?
                {
                    if request_hash != k.request_hash {
                        return Err(Error::invalid(
                            "idempotency_key_reused",
                            "this Idempotency-Key was used with a different request; use a fresh key",
                        )
                        .field("Idempotency-Key"));
                    }
                    return Ok(Answer {
                        status,
                        body,
                        replayed: true,
                    });
                }
                let value = op(tx).await?;
                let body = serde_json::to_string(&value).map_err(|e| Error::internal(&e))?;
                if let Some(k) = &key {
                    idempotency::complete(tx, &k.key, status, &body).await?;
                }
                Ok(Answer {
                    status,
                    body,
                    replayed: false,
                })
            })
        })
        .await
}
