//! Outbound webhooks, signed per Standard Webhooks (docs/webhooks.md).
//!
//! The flows call [`emit`] inside their own transaction: the event's
//! message and one delivery per subscribed endpoint are written with the
//! change itself, so an event is sent exactly when its change commits and
//! never for a change that rolled back. The [`delivery`] worker sends them
//! afterwards, retrying on a schedule; [`group_states`] announces changes
//! of a group's lifecycle state.

pub mod delivery;
pub mod group_states;
pub mod guard;

use crate::error::{ApiError, ApiResult};
use jiff::Timestamp;
use pond_store::Tx;
use rand::Rng;
use rand::distr::Alphanumeric;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;
use std::time::Duration;
use tokio::sync::Notify;
use utoipa::ToSchema;

/// What a webhook announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum EventType {
    /// A referral was attributed.
    #[serde(rename = "referral.created")]
    ReferralCreated,
    /// A new referral was flagged for review by the fraud rules.
    #[serde(rename = "referral.flagged")]
    ReferralFlagged,
    /// A reward was approved and posted to the ledger.
    #[serde(rename = "reward.approved")]
    RewardApproved,
    /// A pending reward was voided (refund, cancellation, rejected referral).
    #[serde(rename = "reward.voided")]
    RewardVoided,
    /// A complaint was caught in a group.
    #[serde(rename = "complaint.opened")]
    ComplaintOpened,
    /// A group moved to another lifecycle state.
    #[serde(rename = "group.state_changed")]
    GroupStateChanged,
    /// A live code has no group left to send visitors to.
    #[serde(rename = "livecode.exhausted")]
    LivecodeExhausted,
}

impl EventType {
    /// Every event type.
    pub const ALL: [EventType; 7] = [
        EventType::ReferralCreated,
        EventType::ReferralFlagged,
        EventType::RewardApproved,
        EventType::RewardVoided,
        EventType::ComplaintOpened,
        EventType::GroupStateChanged,
        EventType::LivecodeExhausted,
    ];

    /// The dotted name, as sent in `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ReferralCreated => "referral.created",
            EventType::ReferralFlagged => "referral.flagged",
            EventType::RewardApproved => "reward.approved",
            EventType::RewardVoided => "reward.voided",
            EventType::ComplaintOpened => "complaint.opened",
            EventType::GroupStateChanged => "group.state_changed",
            EventType::LivecodeExhausted => "livecode.exhausted",
        }
    }

    /// Reads a dotted name.
    pub fn parse(name: &str) -> Option<Self> {
        EventType::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

/// Wakes the delivery worker when something may have been queued. The
/// flows emit inside transactions that have not committed yet, so a wake-up
/// can come early; the worker's regular poll catches what it missed.
static WAKE: LazyLock<Notify> = LazyLock::new(Notify::new);

/// Asks the delivery worker to look for due deliveries now.
pub fn wake() {
    WAKE.notify_waiters();
}

/// A new message id: `msg_` and 24 random alphanumerics (143 bits), the
/// `webhook-id` of every attempt and replay of this message.
fn message_id() -> String {
    let tail: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(24)
        .map(char::from)
        .collect();
    format!("msg_{tail}")
}

/// Queues an event for every active endpoint subscribed to it, inside the
/// caller's transaction. Answers the message id, or `None` when no endpoint
/// wants it (then nothing is written).
pub async fn emit(
    tx: &mut Tx,
    event: EventType,
    data: serde_json::Value,
    now: Timestamp,
) -> pond_store::Result<Option<String>> {
    let endpoints = pond_store::webhooks::subscribers(tx, event.as_str()).await?;
    if endpoints.is_empty() {
        return Ok(None);
    }
    let body = serde_json::json!({
        "type": event.as_str(),
        "timestamp": now.to_string(),
        "data": data,
    })
    .to_string();
    let id = message_id();
    pond_store::webhooks::enqueue(tx, &id, event.as_str(), &body, &endpoints, now).await?;
    wake();
    Ok(Some(id))
}

/// The retry schedule of Svix: after the first attempt, 5 s, 5 min, 30 min,
/// 2 h, 5 h, 10 h and 10 h (27.6 h in all), so a receiver down for a day
/// still gets every event.
pub fn default_retry() -> Vec<Duration> {
    [5, 300, 1800, 7200, 18_000, 36_000, 36_000]
        .into_iter()
        .map(Duration::from_secs)
        .collect()
}

/// Checks a URL given for an endpoint: absolute http(s) with a host.
pub fn check_url(url: &str) -> ApiResult<String> {
    let bad = |why: &str| {
        ApiError::unprocessable("invalid_url", format!("url `{url}` {why}")).field("url")
    };
    let parsed =
        reqwest::Url::parse(url.trim()).map_err(|e| bad(&format!("is not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("must start with http:// or https://"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    if url.len() > 2000 {
        return Err(bad("is over 2000 characters"));
    }
    Ok(parsed.to_string())
}

/// Checks event names: at least one, each known; answers them deduplicated
/// in the order given.
pub fn check_events(names: &[String]) -> ApiResult<Vec<EventType>> {
    if names.is_empty() {
        return Err(ApiError::unprocessable(
            "invalid_events",
            "give at least one event type in `events`",
        )
        .field("events"));
    }
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let e = EventType::parse(name.trim()).ok_or_else(|| {
            let known: Vec<&str> = EventType::ALL.iter().map(|e| e.as_str()).collect();
            ApiError::unprocessable(
                "unknown_event",
                format!("unknown event type `{name}`; known: {}", known.join(", ")),
            )
            .field(format!("events[{i}]"))
        })?;
        if !out.contains(&e) {
            out.push(e);
        }
    }
    Ok(out)
}

/// Registers an endpoint after checking its URL and events, in the
/// caller's transaction; answers it and its secret (`whsec_...`), which is
/// shown to the shop this once. The API and the CLI both come here.
pub async fn register(
    tx: &mut Tx,
    url: &str,
    events: &[String],
    now: Timestamp,
) -> ApiResult<(pond_store::webhooks::Endpoint, String)> {
    let url = check_url(url)?;
    let events = check_events(events)?;
    let names: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
    let secret = pond_core::webhook_signature::Secret::generate().expose();
    let id =
        pond_store::webhooks::create_endpoint(tx, &url, &names.join(","), &secret, now).await?;
    let endpoint = pond_store::webhooks::endpoint(tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("webhook endpoint"))?;
    Ok((endpoint, secret))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_round_trip() {
        for e in EventType::ALL {
            assert_eq!(EventType::parse(e.as_str()), Some(e));
            assert_eq!(
                serde_json::to_value(e).unwrap(),
                serde_json::json!(e.as_str())
            );
        }
        assert_eq!(EventType::parse("referral.deleted"), None);
    }

    #[test]
    fn urls_and_schedule() {
        assert!(check_url("https://shop.example/hooks").is_ok());
        assert!(check_url("ftp://shop.example/").is_err());
        assert!(check_url("not a url").is_err());
        let total: Duration = default_retry().iter().sum();
        assert!(total > Duration::from_secs(24 * 3600));
        assert!(message_id().starts_with("msg_"));
        assert_ne!(message_id(), message_id());
    }
}
