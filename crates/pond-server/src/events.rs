//! Events from the shop's systems and what they do to referrals: a
//! qualifying event creates rewards, a refund or cancel voids pending ones.

use crate::error::{ApiError, ApiResult};
use crate::referrals;
use crate::rewards::{self, RewardView};
use jiff::Timestamp;
use pond_core::program::{BUILTIN_EVENTS, Qualifying, is_event_name};
use pond_core::referral::Status;
use pond_store::events::NewEvent;
use pond_store::{Tx, programs};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The largest order amount taken, in minor units (10¹²: ten billion in
/// a currency of cents), so report sums stay far from `i64::MAX`.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

/// An event sent by the shop.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    /// The sender's id for this event: retries with the same id are recorded once.
    #[serde(default)]
    pub id: Option<String>,
    /// `signup`, `order.paid`, `order.refunded`, `order.cancelled`, or a custom name.
    #[serde(rename = "type")]
    pub kind: String,
    /// The member it is about.
    pub member_id: i64,
    /// The order, required for order events.
    #[serde(default)]
    pub order_id: Option<String>,
    /// The order total in minor units (fen, cents), required for `order.paid`.
    #[serde(default)]
    pub amount: Option<i64>,
    /// When it happened (RFC 3339); defaults to now.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub occurred_at: Option<Timestamp>,
}

/// What an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// It qualified the member's referral: rewards were created.
    Qualified,
    /// It voided pending rewards.
    Voided,
    /// It was recorded and changed nothing else.
    None,
}

/// The answer to an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventResult {
    /// Pond's id for the event (the first one's, for a duplicate).
    pub event_id: i64,
    /// True when the same event was recorded before; nothing happened again.
    pub duplicate: bool,
    /// What it did.
    pub effect: Effect,
    /// The member's referral, if they have one.
    pub referral_id: Option<i64>,
    /// That referral's rewards after the event.
    pub rewards: Vec<RewardView>,
}

fn check(e: &EventInput) -> ApiResult<()> {
    let bad = |field: &str, code: &str, msg: &str| {
        Err(ApiError::unprocessable(code.to_string(), msg.to_string()).field(field))
    };
    if !is_event_name(&e.kind) {
        return bad(
            "type",
            "invalid_event_type",
            "an event type is 1 to 64 of a-z, 0-9, `.`, `_`, `-`",
        );
    }
    if e.id
        .as_ref()
        .is_some_and(|id| id.is_empty() || id.len() > 128)
    {
        return bad("id", "invalid_id", "an event id is 1 to 128 characters");
    }
    let is_order = e.kind.starts_with("order.");
    if is_order && !BUILTIN_EVENTS.contains(&e.kind.as_str()) {
        return bad(
            "type",
            "invalid_event_type",
            "order events are order.paid, order.refunded and order.cancelled",
        );
    }
    match &e.order_id {
        None if is_order => return bad("order_id", "missing_field", "order events need order_id"),
        Some(o) if o.is_empty() || o.len() > 128 => {
            return bad(
                "order_id",
                "invalid_order_id",
                "an order id is 1 to 128 characters",
            );
        }
        _ => {}
    }
    match e.amount {
        None if e.kind == "order.paid" => {
            return bad("amount", "missing_field", "order.paid needs amount");
        }
        Some(a) if a < 0 => return bad("amount", "invalid_amount", "amount must not be negative"),
        // Bounded so that sums of a year of orders in reports cannot overflow.
        Some(a) if a > MAX_AMOUNT => {
            return bad(
                "amount",
                "invalid_amount",
                "amount must be at most 1000000000000 minor units",
            );
        }
        _ => {}
    }
    Ok(())
}

/// Records an event and applies it to the member's referral.
pub async fn apply(tx: &mut Tx, e: EventInput, now: Timestamp) -> ApiResult<EventResult> {
    check(&e)?;
    let at = e.occurred_at.unwrap_or(now);
    let new = NewEvent {
        external_id: e.id.as_deref(),
        kind: &e.kind,
        member_id: e.member_id,
        order_id: e.order_id.as_deref(),
        amount: e.amount,
        occurred_at: at,
    };
    // Recording first also checks the member: the foreign key refuses an
    // unknown one, which saves a lookup on every event.
    let recorded = match pond_store::events::record(tx, &new, now).await {
        Err(pond_store::StoreError::MissingReference(_)) => {
            return Err(ApiError::not_found("member").field("member_id"));
        }
        r => r?,
    };
    let referral = pond_store::referrals::of_invitee(tx, e.member_id).await?;
    let Some(event_id) = recorded else {
        let (first, _) =
            pond_store::events::existing(tx, e.id.as_deref(), &e.kind, e.order_id.as_deref())
                .await?
                .ok_or_else(|| ApiError::not_found("event"))?;
        return result(tx, first, true, Effect::None, referral.map(|r| r.id)).await;
    };
    let Some(r) = referral else {
        return result(tx, event_id, false, Effect::None, None).await;
    };
    let program = programs::get(tx, r.program_id)
        .await?
        .ok_or_else(|| ApiError::not_found("program"))?;
    let reference = e
        .order_id
        .clone()
        .unwrap_or_else(|| format!("event:{event_id}"));
    let qualifies = r.status == Status::Attributed
        && match &program.spec.qualifying {
            Qualifying::Signup => e.kind == "signup",
            Qualifying::FirstPaidOrder { min_amount } => {
                e.kind == "order.paid" && e.amount.unwrap_or(0) >= *min_amount
            }
            Qualifying::Custom { name } => &e.kind == name,
        };
    if qualifies {
        // The rewards just created are all the referral has: no re-read.
        if let Some(rewards) =
            referrals::qualify(tx, &r, &program.spec, &reference, at, now).await?
        {
            return Ok(EventResult {
                event_id,
                duplicate: false,
                effect: Effect::Qualified,
                referral_id: Some(r.id),
                rewards,
            });
        }
    }
    let effect = if matches!(e.kind.as_str(), "order.refunded" | "order.cancelled")
        && r.qualifying_ref.as_deref() == e.order_id.as_deref()
        && rewards::void_pending(tx, r.id, now).await? > 0
    {
        Effect::Voided
    } else {
        Effect::None
    };
    result(tx, event_id, false, effect, Some(r.id)).await
}

async fn result(
    tx: &mut Tx,
    event_id: i64,
    duplicate: bool,
    effect: Effect,
    referral_id: Option<i64>,
) -> ApiResult<EventResult> {
    let rewards = match referral_id {
        Some(id) => rewards::of_referral(tx, id).await?,
        None => Vec::new(),
    };
    Ok(EventResult {
        event_id,
        duplicate,
        effect,
        referral_id,
        rewards,
    })
}
