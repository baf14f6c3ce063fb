//! `GET/POST /hooks/wecom`: WeCom's callback (企业微信回调).
//!
//! WeCom first verifies the URL with a GET whose `echostr` must be
//! decrypted and echoed; afterwards it POSTs encrypted events. Every
//! request is signed (`msg_signature` over token, timestamp, nonce and
//! ciphertext) and its plaintext names the corp it is for; a bad signature
//! or another corp's message is refused before anything is read.
//!
//! Customer contact changes become acceptance and churn (`contact_events`);
//! customer-group changes become joins, leaves and notices in the group's
//! history. WeCom gives up on an answer after 5 seconds and retries, so the
//! work is one short write and a retry lands on the same rows.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use pond_wecom::{Crypt, Event};
use serde::Deserialize;

use crate::App;
use crate::community::ingest::Ingest;
use crate::error::{ApiError, ApiResult};

/// The query WeCom signs every callback with.
#[derive(Debug, Deserialize)]
pub struct Signed {
    msg_signature: String,
    timestamp: String,
    nonce: String,
    /// Only on URL verification.
    echostr: Option<String>,
}

fn crypt(app: &App) -> ApiResult<&Crypt> {
    app.config.wecom.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "wecom_not_configured",
            "the WeCom callback is off: set POND_WECOM_TOKEN, POND_WECOM_AES_KEY and POND_WECOM_CORP_ID",
        )
    })
}

fn refused(e: pond_wecom::Error) -> ApiError {
    match e {
        pond_wecom::Error::BadSignature | pond_wecom::Error::WrongReceiver { .. } => {
            ApiError::new(StatusCode::UNAUTHORIZED, "bad_signature", e.to_string())
        }
        _ => ApiError::bad_request("bad_ciphertext", e.to_string()),
    }
}

/// How far a callback's signed timestamp may be from our clock: a
/// captured callback replayed later is refused.
const MAX_SKEW_SECONDS: i64 = 300;

/// Refuses a callback whose (signed) timestamp is more than five minutes off.
fn fresh(app: &App, timestamp: &str) -> ApiResult<()> {
    let now = app.now().as_second();
    match timestamp.trim().parse::<i64>() {
        Ok(ts) if ts.abs_diff(now) <= MAX_SKEW_SECONDS.unsigned_abs() => Ok(()),
        _ => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "stale_timestamp",
            format!(
                "timestamp `{timestamp}` is more than 5 minutes from the server's clock ({now}); \
                 a replayed callback, or a clock to set right"
            ),
        )
        .field("timestamp")),
    }
}

/// `GET /hooks/wecom`: URL verification; answers the decrypted `echostr`.
pub async fn verify(State(app): State<App>, Query(q): Query<Signed>) -> ApiResult<String> {
    let crypt = crypt(&app)?;
    let echo = q.echostr.as_deref().ok_or_else(|| {
        ApiError::bad_request("missing_echostr", "URL verification needs echostr").field("echostr")
    })?;
    let plain = crypt
        .open(&q.msg_signature, &q.timestamp, &q.nonce, echo)
        .map_err(refused)?;
    fresh(&app, &q.timestamp)?;
    Ok(plain)
}

/// `POST /hooks/wecom`: one encrypted event.
pub async fn event(
    State(app): State<App>,
    Query(q): Query<Signed>,
    body: Bytes,
) -> ApiResult<&'static str> {
    let crypt = crypt(&app)?;
    let envelope = std::str::from_utf8(&body)
        .map_err(|_| ApiError::bad_request("invalid_callback", "the body is not UTF-8 XML"))?;
    let bad_xml =
        |e: pond_wecom::EventError| ApiError::bad_request("invalid_callback", e.to_string());
    let encrypted = pond_wecom::encrypted(envelope).map_err(bad_xml)?;
    let plain = crypt
        .open(&q.msg_signature, &q.timestamp, &q.nonce, &encrypted)
        .map_err(refused)?;
    fresh(&app, &q.timestamp)?;
    let event = pond_wecom::parse(&plain).map_err(bad_xml)?;
    match &event {
        Event::ContactAdded {
            staff,
            customer,
            state,
            at,
        } => {
            contact(&app, staff, customer, "added", state.as_deref(), *at).await?;
        }
        Event::ContactRemoved {
            staff,
            customer,
            at,
        } => {
            contact(&app, staff, customer, "removed", None, *at).await?;
        }
        Event::Other { kind } => tracing::debug!(kind, "WeCom callback ignored"),
        _ => {
            let events = pond_import::wecom_chat_events(&event);
            if !events.is_empty() {
                let mut ingest =
                    Ingest::new(app.store.clone(), app.ingest_settings(Timestamp::MIN));
                ingest.write(events).await?;
            }
        }
    }
    // WeCom reads any 200 within 5 s as received.
    Ok("success")
}

async fn contact(
    app: &App,
    staff: &str,
    customer: &str,
    kind: &'static str,
    state: Option<&str>,
    at: i64,
) -> ApiResult<()> {
    let at = Timestamp::from_second(at).unwrap_or_else(|_| app.now());
    let (staff, customer, state) = (
        staff.to_owned(),
        customer.to_owned(),
        state.map(str::to_owned),
    );
    app.store
        .write(move |tx| {
            Box::pin(async move {
                let e = pond_store::contacts::ContactEvent {
                    channel: "wecom",
                    staff: &staff,
                    customer: &customer,
                    kind,
                    state: state.as_deref(),
                    at,
                };
                pond_store::contacts::record(tx, &e).await
            })
        })
        .await?;
    Ok(())
}
