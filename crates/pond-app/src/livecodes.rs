//! Live codes (活码): creating them, showing them to the operator, and the
//! visit that sends a visitor to one of the targets. The public door,
//! `/j/{code}`, is in `pond-server`'s `livecodes::page`.

use crate::error::{Error, Result};
use jiff::{SignedDuration, Timestamp};
use pond_core::code::ReferralCode;
use pond_core::livecode::{self as rules, MAX_CAPACITY, MAX_TARGETS, Strategy};
use pond_store::livecodes::{self as store, VisitCount};
pub use pond_store::livecodes::{LiveCode, Target};
use pond_store::time::ts;
use pond_store::{Tx, notices};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A repeat visit from the same visitor (hashed IP and user agent) within this window sees the
/// group it was given before without taking another place: refreshing the
/// page, or scanning twice, must not fill groups.
pub const REPEAT_WINDOW: SignedDuration = SignedDuration::from_mins(10);

/// The notice kind raised when a live code has no group left.
pub const EXHAUSTED: &str = "livecode.exhausted";

const MAX_NAME: usize = 80;

/// A live code to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLiveCode {
    /// The entry point, such as "Shop counter" (1 to 80 characters).
    #[schema(min_length = 1, max_length = 80, pattern = "\\S")]
    pub name: String,
    /// `fill_first` (default) or `round_robin`.
    #[schema(pattern = "^(fill_first|round_robin)$")]
    pub strategy: Option<String>,
    /// The `state` tag its visits carry (at most 30 letters, digits, `_`,
    /// `-`, `.`); made from the name or code when absent.
    #[schema(pattern = "^\\s*[A-Za-z0-9_.-]{1,30}\\s*$")]
    pub state: Option<String>,
    /// The groups to send visitors to, in order (1 to 50).
    #[schema(min_items = 1, max_items = 50)]
    pub targets: Vec<NewTarget>,
}

/// A target group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTarget {
    /// The group's name, shown to visitors (1 to 80 characters).
    #[schema(min_length = 1, max_length = 80, pattern = "\\S")]
    pub name: String,
    /// Visitors it may take, 1 to 10000 (a WeChat group admits about 200 by scan).
    #[schema(minimum = 1, maximum = 10000)]
    pub capacity: i64,
    /// On (default) or off.
    pub enabled: Option<bool>,
}

/// A live code as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LiveCodeView {
    /// Pond's id.
    pub id: i64,
    /// The code in its link.
    pub code: String,
    /// The entry point's name.
    pub name: String,
    /// `fill_first` or `round_robin`.
    pub strategy: String,
    /// The `state` tag of its visits.
    pub state: String,
    /// Off sends every visitor to the "full" page.
    pub enabled: bool,
    /// The stable link to print or share.
    pub url: String,
    /// Its QR code as PNG.
    pub qr_url: String,
    /// Its QR code as SVG.
    pub qr_svg: String,
    /// True when no target can take a visitor now.
    pub exhausted: bool,
    /// The groups behind it, in order.
    pub targets: Vec<TargetView>,
    /// Visits by state tag.
    #[schema(value_type = Vec<Object>)]
    pub visits: Vec<VisitCount>,
    /// Created (RFC 3339).
    pub created_at: String,
}

/// A target as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetView {
    /// Pond's id.
    pub id: i64,
    /// Its place in the order.
    pub position: i64,
    /// The group's name.
    pub name: String,
    /// Visitors it may take.
    pub capacity: i64,
    /// Visitors sent to it.
    pub assigned: i64,
    /// The operator's switch.
    pub enabled: bool,
    /// `open`, `full`, `expired`, `no_qr` or `off`.
    pub status: &'static str,
    /// When its QR image stops working (RFC 3339), if one was uploaded.
    pub qr_expires_at: Option<String>,
}

/// The stable link of a live code.
pub fn url(public_url: &str, code: &str) -> String {
    format!("{public_url}/j/{code}")
}

fn status(t: &Target, now: i64) -> &'static str {
    let core = t.to_core();
    if !t.enabled {
        "off"
    } else if t.qr_mime.is_none() {
        "no_qr"
    } else if !core.showable(now) {
        "expired"
    } else if !core.open(now) {
        "full"
    } else {
        "open"
    }
}

/// Builds the view of a live code.
pub async fn view(
    tx: &mut Tx,
    public_url: &str,
    lc: LiveCode,
    now: Timestamp,
) -> Result<LiveCodeView> {
    let targets = store::targets(tx, lc.id).await?;
    let visits = store::visit_counts(tx, lc.id).await?;
    let now = now.as_millisecond();
    let link = url(public_url, &lc.code);
    Ok(LiveCodeView {
        exhausted: !lc.enabled || !targets.iter().any(|t| t.to_core().open(now)),
        targets: targets
            .iter()
            .map(|t| TargetView {
                id: t.id,
                position: t.position,
                name: t.name.clone(),
                capacity: t.capacity,
                assigned: t.assigned,
                enabled: t.enabled,
                status: status(t, now),
                qr_expires_at: t
                    .qr_mime
                    .as_ref()
                    .and(t.qr_expires_at)
                    .map(|e| ts(e).to_string()),
            })
            .collect(),
        visits,
        qr_url: format!("{link}/qr.png"),
        qr_svg: format!("{link}/qr.svg"),
        url: link,
        id: lc.id,
        code: lc.code,
        name: lc.name,
        strategy: lc.strategy,
        state: lc.state,
        enabled: lc.enabled,
        created_at: ts(lc.created_at).to_string(),
    })
}

/// Checks a live code's or a target's name.
pub fn name(raw: &str, field: &str) -> Result<String> {
    let n = raw.trim();
    if n.is_empty() || n.chars().count() > MAX_NAME {
        return Err(Error::invalid(
            "invalid_name",
            format!("a name is 1 to {MAX_NAME} characters"),
        )
        .field(field));
    }
    Ok(n.to_string())
}

/// Checks a capacity.
pub fn capacity(c: i64, field: &str) -> Result<i64> {
    if !(1..=MAX_CAPACITY).contains(&c) {
        return Err(Error::invalid(
            "invalid_capacity",
            format!("a capacity is 1 to {MAX_CAPACITY} visitors; {c} is not"),
        )
        .field(field));
    }
    Ok(c)
}

/// Checks a new live code before anything is written.
fn validate(input: &NewLiveCode) -> Result<()> {
    name(&input.name, "name")?;
    if let Some(s) = &input.strategy {
        Strategy::parse(s)?;
    }
    if let Some(s) = &input.state {
        rules::state_tag(s)?;
    }
    if input.targets.is_empty() || input.targets.len() > MAX_TARGETS {
        return Err(Error::invalid(
            "invalid_targets",
            format!(
                "a live code has 1 to {MAX_TARGETS} targets; {} were given",
                input.targets.len()
            ),
        )
        .field("targets"));
    }
    for (i, t) in input.targets.iter().enumerate() {
        name(&t.name, &format!("targets[{i}].name"))?;
        capacity(t.capacity, &format!("targets[{i}].capacity"))?;
    }
    Ok(())
}

/// Creates a live code and its targets in one transaction.
#[tracing::instrument(skip_all)]
pub async fn create(
    tx: &mut Tx,
    public_url: &str,
    input: NewLiveCode,
    now: Timestamp,
) -> Result<LiveCodeView> {
    validate(&input)?;
    let strategy = input
        .strategy
        .as_deref()
        .map_or(Ok(Strategy::FillFirst), Strategy::parse)?;
    let state = input.state.as_deref().map(rules::state_tag).transpose()?;
    let lc = store::insert(
        tx,
        input.name.trim(),
        strategy.as_str(),
        state.as_deref(),
        now,
    )
    .await?;
    for t in &input.targets {
        store::add_target(
            tx,
            lc.id,
            t.name.trim(),
            t.capacity,
            t.enabled.unwrap_or(true),
            now,
        )
        .await?;
    }
    view(tx, public_url, lc, now).await
}

/// The live code with this code, or a 404.
pub async fn find(tx: &mut Tx, code: &str) -> Result<LiveCode> {
    let unknown = || Error::not_found("live code");
    let code = ReferralCode::parse(code).map_err(|_| unknown())?;
    store::by_code(tx, code.as_str()).await?.ok_or_else(unknown)
}

/// Where a visit was sent.
#[derive(Debug)]
pub struct Visit {
    /// The live code.
    pub livecode: LiveCode,
    /// The target, or `None` when nothing was left.
    pub target: Option<Target>,
}

/// A visitor arrives: picks a target (or none), counts the visit, and
/// raises the notice when nothing is left; all in the caller's write
/// transaction, under the live code's lock.
#[tracing::instrument(skip_all)]
pub async fn visit(
    tx: &mut Tx,
    code: &str,
    state: Option<String>,
    visitor: Option<&str>,
    now: Timestamp,
) -> Result<Visit> {
    let first = find(tx, code).await?;
    store::lock(tx, first.id).await?;
    // Read again under the lock: the round-robin cursor may have moved.
    let lc = find(tx, code).await?;
    let state = state.unwrap_or_else(|| lc.state.clone());
    let targets = store::targets(tx, lc.id).await?;
    let at = now.as_millisecond();
    if !lc.enabled {
        store::record_visit(tx, lc.id, None, &state, visitor, false, now).await?;
        return Ok(Visit {
            livecode: lc,
            target: None,
        });
    }
    if let Some(who) = visitor
        && let Some(before) = store::recent_target(tx, lc.id, who, since(now)).await?
        && let Some(t) = targets
            .iter()
            .find(|t| t.id == before && t.to_core().showable(at))
    {
        store::record_visit(tx, lc.id, Some(t.id), &state, visitor, false, now).await?;
        let target = Some(t.clone());
        return Ok(Visit {
            livecode: lc,
            target,
        });
    }
    let core: Vec<_> = targets.iter().map(Target::to_core).collect();
    let strategy = Strategy::parse(&lc.strategy).map_err(|e| Error::internal(&e))?;
    let subject = format!("livecode:{}", lc.code);
    match rules::choose(strategy, &core, lc.last_position, at) {
        Some(i) => {
            let t = targets[i].clone();
            store::assign(tx, &t).await?;
            store::record_visit(tx, lc.id, Some(t.id), &state, visitor, true, now).await?;
            // The condition went away (a new group, more room): the next
            // time the code runs dry deserves a fresh notice.
            notices::resolve_open(tx, EXHAUSTED, &subject, now).await?;
            Ok(Visit {
                livecode: lc,
                target: Some(t),
            })
        }
        None => {
            store::record_visit(tx, lc.id, None, &state, visitor, false, now).await?;
            let message = format!(
                "Live code “{}” ({}) has no group left: every target is full, expired or switched off. \
                 Upload a fresh group QR, raise a capacity or add a target.",
                lc.name, lc.code
            );
            if notices::raise(tx, EXHAUSTED, &subject, &message, now).await? {
                exhausted(tx, &lc, now).await?;
            }
            Ok(Visit {
                livecode: lc,
                target: None,
            })
        }
    }
}

/// The start of the repeat window before `now`.
fn since(now: Timestamp) -> Timestamp {
    now.checked_sub(REPEAT_WINDOW).unwrap_or(Timestamp::MIN)
}

/// Called once each time a live code becomes exhausted (when its notice is
/// raised), inside the visit's transaction: the shop's systems hear of it
/// (`livecode.exhausted`) exactly when the notice exists.
async fn exhausted(tx: &mut Tx, lc: &LiveCode, now: Timestamp) -> Result<()> {
    tracing::warn!(code = %lc.code, name = %lc.name, "live code exhausted");
    let data = serde_json::json!({
        "livecode_id": lc.id,
        "code": lc.code,
        "name": lc.name,
        "state": lc.state,
    });
    crate::webhooks::emit(tx, crate::webhooks::EventType::LivecodeExhausted, data, now).await?;
    Ok(())
}

/// Every live code, newest first, with its targets and visits.
pub async fn list(pond: &crate::Pond) -> Result<Vec<LiveCodeView>> {
    let mut tx = pond.store.read().await?;
    let now = pond.now();
    let mut out = Vec::new();
    for lc in store::list(&mut tx).await? {
        out.push(view(&mut tx, &pond.public_url, lc, now).await?);
    }
    Ok(out)
}

/// One live code by its code.
pub async fn one(pond: &crate::Pond, code: &str) -> Result<LiveCodeView> {
    let mut tx = pond.store.read().await?;
    let lc = find(&mut tx, code).await?;
    view(&mut tx, &pond.public_url, lc, pond.now()).await
}

/// Changes a live code's name, strategy or switch (already checked).
#[tracing::instrument(skip_all)]
pub async fn update(
    tx: &mut Tx,
    base: &str,
    code: &str,
    name: Option<&str>,
    strategy: Option<Strategy>,
    enabled: Option<bool>,
    now: Timestamp,
) -> Result<LiveCodeView> {
    let lc = find(tx, code).await?;
    store::update(tx, lc.id, name, strategy.map(Strategy::as_str), enabled).await?;
    let lc = find(tx, code).await?;
    view(tx, base, lc, now).await
}

/// Adds a target group at the end of a live code's order.
#[tracing::instrument(skip_all)]
pub async fn add_target(
    tx: &mut Tx,
    base: &str,
    code: &str,
    name: &str,
    capacity: i64,
    enabled: bool,
    now: Timestamp,
) -> Result<LiveCodeView> {
    let lc = find(tx, code).await?;
    // Under the live code's lock, so two additions cannot both pass the count.
    store::lock(tx, lc.id).await?;
    if store::targets(tx, lc.id).await?.len() >= MAX_TARGETS {
        return Err(Error::invalid(
            "invalid_targets",
            format!("a live code has at most {MAX_TARGETS} targets"),
        )
        .field("targets"));
    }
    store::add_target(tx, lc.id, name, capacity, enabled, now).await?;
    view(tx, base, lc, now).await
}

/// Changes a target's name, capacity or switch (already checked).
#[tracing::instrument(skip_all, fields(target = target))]
#[allow(clippy::too_many_arguments)]
pub async fn update_target(
    tx: &mut Tx,
    base: &str,
    code: &str,
    target: i64,
    name: Option<&str>,
    capacity: Option<i64>,
    enabled: Option<bool>,
    now: Timestamp,
) -> Result<LiveCodeView> {
    let lc = find(tx, code).await?;
    if !store::update_target(tx, lc.id, target, name, capacity, enabled).await? {
        return Err(Error::not_found("target").field("target_id"));
    }
    view(tx, base, lc, now).await
}

/// Stores a target's group QR image (already decoded and checked).
#[tracing::instrument(skip_all, fields(target = target))]
#[allow(clippy::too_many_arguments)]
pub async fn set_qr(
    tx: &mut Tx,
    base: &str,
    code: &str,
    target: i64,
    image: &[u8],
    mime: &str,
    expires_at: Timestamp,
    now: Timestamp,
) -> Result<LiveCodeView> {
    let lc = find(tx, code).await?;
    if !store::set_qr(tx, lc.id, target, image, mime, expires_at).await? {
        return Err(Error::not_found("target").field("target_id"));
    }
    view(tx, base, lc, now).await
}

/// A visit through the public door, in its own write.
pub async fn visit_now(
    pond: &crate::Pond,
    code: String,
    state: Option<String>,
    visitor: String,
    now: Timestamp,
) -> Result<Visit> {
    pond.store
        .write(move |tx| {
            Box::pin(async move { visit(tx, &code, state, Some(&visitor), now).await })
        })
        .await
}

/// A target's uploaded group QR image and its MIME type.
pub async fn qr_image(pond: &crate::Pond, code: &str, target: i64) -> Result<(Vec<u8>, String)> {
    let mut tx = pond.store.read().await?;
    let lc = find(&mut tx, code).await?;
    store::qr_image(&mut tx, lc.id, target)
        .await?
        .ok_or_else(|| Error::not_found("group QR image"))
}

/// The public link of a live code.
pub async fn link(pond: &crate::Pond, code: &str) -> Result<String> {
    let mut tx = pond.store.read().await?;
    let lc = find(&mut tx, code).await?;
    Ok(url(&pond.public_url, &lc.code))
}
