//! What the doors show of webhook endpoints and deliveries: the API's
//! JSON and the CLI's listings are the same views.

use super::EventType;
use pond_store::time::ts;
use pond_store::webhooks::{AttemptRow, Delivery, Endpoint};
use serde::Serialize;
use utoipa::ToSchema;

/// An endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointView {
    /// Pond's id.
    pub id: i64,
    /// Where events go.
    pub url: String,
    /// What it receives.
    pub events: Vec<EventType>,
    /// `active` or `disabled`.
    pub state: String,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Disabled, when it is.
    pub disabled_at: Option<String>,
    /// Its last successful delivery.
    pub last_success_at: Option<String>,
}

impl From<Endpoint> for EndpointView {
    fn from(e: Endpoint) -> Self {
        EndpointView {
            id: e.id,
            url: e.url,
            events: e.events.split(',').filter_map(EventType::parse).collect(),
            state: e.state,
            created_at: ts(e.created_at).to_string(),
            disabled_at: e.disabled_at.map(|t| ts(t).to_string()),
            last_success_at: e.last_success_at.map(|t| ts(t).to_string()),
        }
    }
}

/// One delivery of a message to an endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Pond's id.
    pub id: i64,
    /// The message's `webhook-id`, the same on every attempt and replay.
    pub message_id: String,
    /// The event type.
    pub event_type: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    /// Attempts made so far.
    pub attempts: i64,
    /// The next attempt, while pending (RFC 3339).
    pub next_attempt_at: Option<String>,
    /// The last HTTP status.
    pub last_status: Option<i64>,
    /// The last error.
    pub last_error: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<String>,
    /// When it was queued.
    pub created_at: String,
    /// Every attempt (on the single-delivery route only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<Vec<AttemptView>>,
}

/// One attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    /// When it started (RFC 3339).
    pub at: String,
    /// The HTTP status, when the receiver answered.
    pub status: Option<i64>,
    /// What went wrong, when something did.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
}

impl From<AttemptRow> for AttemptView {
    fn from(a: AttemptRow) -> Self {
        AttemptView {
            at: ts(a.at).to_string(),
            status: a.status,
            error: a.error,
            duration_ms: a.duration_ms,
        }
    }
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        DeliveryView {
            id: d.id,
            next_attempt_at: (d.state == "pending").then(|| ts(d.next_attempt_at).to_string()),
            message_id: d.msg_id,
            event_type: d.event_type,
            state: d.state,
            attempts: d.attempts,
            last_status: d.last_status,
            last_error: d.last_error,
            delivered_at: d.delivered_at.map(|t| ts(t).to_string()),
            created_at: ts(d.created_at).to_string(),
            log: None,
        }
    }
}
