//! Attribution, qualification and review of referrals: the heart of the
//! engine. Each function runs inside the caller's transaction.

use crate::Pond;
use crate::error::{Error, Result};
use crate::rewards::{self, RewardView};
use crate::webhooks::{self, EventType};
use jiff::{SignedDuration, Timestamp};
use pond_core::attribution::{self, Source};
use pond_core::fraud::{self, Signals};
use pond_core::program::ProgramSpec;
use pond_core::referral::{Review, Status};
use pond_core::reward::RewardStatus;
pub use pond_store::links::Link;
pub use pond_store::programs::Program;
pub use pond_store::referrals::Filter;
use pond_store::referrals::{NewReferral, Referral};
use pond_store::{Tx, links, lock_member, members, programs, referrals as store};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A referral as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralView {
    /// Pond's id.
    pub id: i64,
    /// The program.
    pub program_id: i64,
    /// Who shared.
    pub inviter_id: i64,
    /// Who came.
    pub invitee_id: i64,
    /// `signup`, `checkout_code` or `checkout_phone`.
    pub source: Source,
    /// `attributed`, `qualified` or `rejected`.
    pub status: Status,
    /// `clear`, `flagged`, `approved` or `rejected`.
    pub review: Review,
    /// Why it was flagged.
    pub reasons: Vec<fraud::Reason>,
    /// When it was attributed (RFC 3339).
    pub attributed_at: String,
    /// When it qualified.
    pub qualified_at: Option<String>,
    /// The reviewer's note.
    pub review_note: Option<String>,
    /// Its rewards.
    pub rewards: Vec<RewardView>,
}

/// Builds the view of a referral with its rewards.
pub async fn view(tx: &mut Tx, r: Referral) -> Result<ReferralView> {
    let rewards = rewards::of_referral(tx, r.id).await?;
    Ok(ReferralView {
        id: r.id,
        program_id: r.program_id,
        inviter_id: r.inviter_id,
        invitee_id: r.invitee_id,
        source: r.source,
        status: r.status,
        review: r.review,
        reasons: r.reasons,
        attributed_at: r.attributed_at.to_string(),
        qualified_at: r.qualified_at.map(|t| t.to_string()),
        review_note: r.review_note,
        rewards,
    })
}

/// Who the new customer says referred them, and how.
pub struct Touch {
    /// The program.
    pub program_id: i64,
    /// The inviter.
    pub inviter_id: i64,
    /// The link, when a code was used.
    pub link_id: Option<i64>,
    /// How.
    pub source: Source,
}

/// The outcome of an attribution attempt.
pub enum Attributed {
    /// A new referral was recorded.
    New(Referral),
    /// The member was already referred: the first touch stands.
    Existing(Referral),
}

/// Resolves a typed or scanned code to a touch in its program.
pub async fn touch_by_code(tx: &mut Tx, code: &str, source: Source) -> Result<Touch> {
    let unknown = || Error::not_found("referral code").field("referral_code");
    let code = pond_core::code::ReferralCode::parse(code).map_err(|_| unknown())?;
    let link = links::by_code(tx, code.as_str())
        .await?
        .ok_or_else(unknown)?;
    Ok(Touch {
        program_id: link.program_id,
        inviter_id: link.member_id,
        link_id: Some(link.id),
        source,
    })
}

/// Attributes `invitee` to the touch's inviter, unless already referred
/// (the first touch wins). Fraud signals are gathered here and judged by
/// `pond-core`; a flagged referral is recorded, waiting for review.
#[tracing::instrument(skip_all, fields(invitee = invitee))]
pub async fn attribute(
    app: &Pond,
    tx: &mut Tx,
    invitee: i64,
    t: &Touch,
    now: Timestamp,
) -> Result<Attributed> {
    if let Some(r) = store::of_invitee(tx, invitee).await? {
        return Ok(Attributed::Existing(r));
    }
    if t.inviter_id == invitee {
        return Err(Error::invalid(
            "self_referral",
            "a member cannot refer themselves",
        ));
    }
    let program = programs::get(tx, t.program_id)
        .await?
        .ok_or_else(|| Error::not_found("program"))?;
    if !program.spec.is_open(now) {
        return Err(Error::invalid(
            "program_closed",
            format!(
                "program {} is not taking referrals ({})",
                program.id,
                program.spec.status.as_str()
            ),
        ));
    }
    let inviter = members::get(tx, t.inviter_id)
        .await?
        .ok_or_else(|| Error::not_found("inviter"))?;
    let member = members::get(tx, invitee)
        .await?
        .ok_or_else(|| Error::not_found("member"))?;

    let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
    let burst_since = now - SignedDuration::from_hours(i64::from(app.config.fraud.burst_hours));
    let signals = Signals {
        shared_identity: members::share_a_key(tx, inviter.id, member.id).await?,
        same_device: same(&inviter.device_hash, &member.device_hash),
        same_ip: same(&inviter.ip_hash, &member.ip_hash),
        existing_customer: member.existing_customer
            || pond_store::events::paid_before(tx, member.id, now).await?
            || attribution::checkout_allowed(
                member.created_at,
                now,
                program.spec.attribution_window_days,
            )
            .is_err(),
        referrals_from_ip: match &member.ip_hash {
            Some(ip) => store::count_from_ip(tx, ip, burst_since).await?,
            None => 0,
        },
        closed_loop: is_upstream(tx, member.id, inviter.id).await?,
    };
    let reasons = fraud::assess(&signals, app.config.fraud);
    let new = NewReferral {
        program_id: program.id,
        inviter_id: inviter.id,
        invitee_id: member.id,
        link_id: t.link_id,
        source: t.source,
        reasons,
        ip_hash: member.ip_hash.clone(),
    };
    match store::insert(tx, &new, now).await? {
        Some(id) => {
            let r = store::get(tx, id)
                .await?
                .ok_or_else(|| Error::not_found("referral"))?;
            announce(tx, &r, now).await?;
            Ok(Attributed::New(r))
        }
        // Raced with another attribution of the same member: theirs came first.
        None => {
            let r = store::of_invitee(tx, invitee)
                .await?
                .ok_or_else(|| Error::not_found("referral"))?;
            Ok(Attributed::Existing(r))
        }
    }
}

/// Announces a new referral (and its flag, when the fraud rules raised
/// one) to webhook endpoints, in the attribution's transaction.
async fn announce(tx: &mut Tx, r: &Referral, now: Timestamp) -> Result<()> {
    let data = serde_json::json!({
        "referral_id": r.id,
        "program_id": r.program_id,
        "inviter_id": r.inviter_id,
        "invitee_id": r.invitee_id,
        "source": r.source,
        "status": r.status,
        "review": r.review,
        "reasons": r.reasons,
        "attributed_at": r.attributed_at.to_string(),
    });
    if r.review == Review::Flagged {
        webhooks::emit(tx, EventType::ReferralFlagged, data.clone(), now).await?;
    }
    webhooks::emit(tx, EventType::ReferralCreated, data, now).await?;
    Ok(())
}

/// Whether `candidate` is `member` or upstream of it: walking from `member`
/// through who-referred-whom reaches `candidate`. Each member is referred
/// once, so the walk is a path; its length is bounded in case of bad data.
async fn is_upstream(tx: &mut Tx, candidate: i64, member: i64) -> Result<bool> {
    let mut at = member;
    for _ in 0..256 {
        match store::inviter_of(tx, at).await? {
            Some(up) if up == candidate => return Ok(true),
            Some(up) => at = up,
            None => return Ok(false),
        }
    }
    Ok(false)
}

/// Qualifies a referral: creates each side's pending reward exactly once
/// and approves at once when there is no hold and no review. `reference`
/// names what qualified it (an order id), so a refund can find it.
/// Answers the rewards created, or `None` when it did not qualify now
/// (outside the window, or qualified before).
#[tracing::instrument(skip_all)]
pub async fn qualify(
    tx: &mut Tx,
    r: &Referral,
    spec: &ProgramSpec,
    reference: &str,
    at: Timestamp,
    now: Timestamp,
) -> Result<Option<Vec<RewardView>>> {
    if !attribution::within_window(r.attributed_at, at, spec.attribution_window_days) {
        return Ok(None);
    }
    if !store::mark_qualified(tx, r.id, reference, at).await? {
        return Ok(None);
    }
    // The cap counts this inviter's rewards: lock them so that two of their
    // friends qualifying at once cannot both slip under it.
    lock_member(tx, r.inviter_id).await?;
    let rewarded = pond_store::rewards::inviter_rewarded(tx, r.program_id, r.inviter_id).await?;
    // Milestones (`milestone:N`) ride on the referral that reaches them;
    // the lock above keeps two friends qualifying at once from paying one twice.
    let (qualified, paid) =
        pond_store::rewards::milestone_progress(tx, r.program_id, r.inviter_id).await?;
    let grants = pond_core::reward::on_qualified(spec, rewarded, at)
        .into_iter()
        .chain(pond_core::reward::milestones(spec, qualified, &paid, at));
    let mut created = Vec::new();
    for g in grants {
        let member = match g.side {
            pond_core::program::Side::Inviter => r.inviter_id,
            pond_core::program::Side::Invitee => r.invitee_id,
        };
        // With no hold and no review, the reward is born approved: one
        // write instead of an insert and an update.
        let status =
            if pond_core::reward::may_approve(g.approve_after, r.review.holds_rewards(), now) {
                RewardStatus::Approved
            } else {
                RewardStatus::Pending
            };
        let to = pond_store::rewards::For {
            program: r.program_id,
            referral: r.id,
            member,
        };
        if let Some(reward) = pond_store::rewards::create(tx, to, &g, status, now).await? {
            if reward.status == RewardStatus::Approved {
                rewards::post(tx, &reward, now).await?;
                rewards::announce(tx, &reward, EventType::RewardApproved, now).await?;
            }
            created.push(reward.into());
        }
    }
    Ok(Some(created))
}

/// A reviewer's decision.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = ReviewNote)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Why, for the record (at most 1000 characters).
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// Approves or rejects a flagged referral. Approval releases its rewards
/// whose hold has passed; rejection voids its pending rewards.
#[tracing::instrument(skip_all, fields(id = id))]
pub async fn review(
    tx: &mut Tx,
    id: i64,
    decision: Review,
    note: Option<&str>,
    now: Timestamp,
) -> Result<ReferralView> {
    if note.is_some_and(|n| n.chars().count() > 1000) {
        return Err(
            Error::invalid("invalid_note", "a note is at most 1000 characters").field("note"),
        );
    }
    let r = store::get(tx, id)
        .await?
        .ok_or_else(|| Error::not_found("referral"))?;
    if !store::decide_review(tx, id, decision, note, now).await? {
        return Err(Error::conflict(
            "not_flagged",
            format!(
                "referral {id} is not waiting for review (review is `{}`)",
                r.review.as_str()
            ),
        ));
    }
    for reward in pond_store::rewards::of_referral(tx, id).await? {
        if reward.status != RewardStatus::Pending {
            continue;
        }
        match decision {
            Review::Rejected => {
                rewards::void(tx, reward.id, now).await?;
            }
            _ if reward.approve_after <= now => rewards::approve(tx, reward.id, now).await?,
            _ => {}
        }
    }
    let r = store::get(tx, id)
        .await?
        .ok_or_else(|| Error::not_found("referral"))?;
    view(tx, r).await
}

/// Attribution at checkout: the friend names their inviter by code or phone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutAttribution {
    /// The new customer.
    pub member_id: i64,
    /// The inviter's referral code, if given.
    #[serde(default)]
    pub code: Option<String>,
    /// The inviter's phone, if given instead ("who referred you?").
    #[serde(default)]
    pub inviter_phone: Option<String>,
    /// The program, required with `inviter_phone`.
    #[serde(default)]
    pub program_id: Option<i64>,
}

/// Result of an attribution request.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttributionResult {
    /// False when the member was already referred (first touch wins).
    pub created: bool,
    /// The referral that stands.
    pub referral: ReferralView,
}

/// Attributes at checkout by code or by the inviter's phone.
#[tracing::instrument(skip_all)]
pub async fn attribute_at_checkout(
    app: &Pond,
    tx: &mut Tx,
    input: CheckoutAttribution,
    now: Timestamp,
) -> Result<AttributionResult> {
    if members::get(tx, input.member_id).await?.is_none() {
        return Err(Error::not_found("member").field("member_id"));
    }
    let touch = match (&input.code, &input.inviter_phone) {
        (Some(code), None) => touch_by_code(tx, code, Source::CheckoutCode).await?,
        (None, Some(phone)) => {
            let program_id = input.program_id.ok_or_else(|| {
                Error::invalid("missing_field", "program_id is required with inviter_phone")
                    .field("program_id")
            })?;
            let phone = pond_core::identity::Phone::parse(phone, app.config.region)
                .map_err(|e| Error::from(e).field("inviter_phone"))?;
            let inviter =
                members::owner_of(tx, pond_core::identity::KeyKind::Phone, phone.as_str())
                    .await?
                    .ok_or_else(|| {
                        Error::not_found("member with that phone").field("inviter_phone")
                    })?;
            Touch {
                program_id,
                inviter_id: inviter,
                link_id: None,
                source: Source::CheckoutPhone,
            }
        }
        _ => {
            return Err(Error::invalid(
                "missing_field",
                "give exactly one of `code` or `inviter_phone`",
            )
            .field("code"));
        }
    };
    let (created, r) = match attribute(app, tx, input.member_id, &touch, now).await? {
        Attributed::New(r) => (true, r),
        Attributed::Existing(r) => (false, r),
    };
    Ok(AttributionResult {
        created,
        referral: view(tx, r).await?,
    })
}

/// Referrals matching `filter`, with their rewards.
pub async fn list(pond: &Pond, filter: &Filter) -> Result<Vec<ReferralView>> {
    let mut tx = pond.store.read().await?;
    let mut out = Vec::new();
    for r in store::list(&mut tx, filter).await? {
        out.push(view(&mut tx, r).await?);
    }
    Ok(out)
}

/// One referral with its rewards.
pub async fn one(pond: &Pond, id: i64) -> Result<ReferralView> {
    let mut tx = pond.store.read().await?;
    let r = store::get(&mut tx, id)
        .await?
        .ok_or_else(|| Error::not_found("referral"))?;
    view(&mut tx, r).await
}

/// The link with this referral code.
pub async fn link_by_code(pond: &Pond, code: &str) -> Result<Link> {
    let unknown = || Error::not_found("referral code");
    let code = pond_core::code::ReferralCode::parse(code).map_err(|_| unknown())?;
    let mut tx = pond.store.read().await?;
    links::by_code(&mut tx, code.as_str())
        .await?
        .ok_or_else(unknown)
}

/// Counts a click on a link (the visitor's IP and user agent hashed) and
/// answers the link's program, whose landing page the visitor goes to.
#[tracing::instrument(skip_all, fields(link = link.id))]
pub async fn click(
    pond: &Pond,
    link: &Link,
    ip_hash: String,
    ua_hash: Option<String>,
    now: Timestamp,
) -> Result<Program> {
    let (link_id, program_id) = (link.id, link.program_id);
    pond.store
        .write(move |tx| {
            Box::pin(async move {
                links::record_click(tx, link_id, Some(&ip_hash), ua_hash.as_deref(), now).await?;
                programs::get(tx, program_id)
                    .await?
                    .ok_or_else(|| Error::not_found("program"))
            })
        })
        .await
}

/// Who invited a friend arriving with `code`, and to which program.
pub struct Invite {
    /// The inviter's name, when known.
    pub inviter: Option<String>,
    /// The program of the link.
    pub program: Program,
}

/// The invitation behind a referral code, if the code names a link.
pub async fn invite(pond: &Pond, code: &str) -> Result<Option<Invite>> {
    let mut tx = pond.store.read().await?;
    let Some(link) = links::by_code(&mut tx, code).await? else {
        return Ok(None);
    };
    let inviter = members::get(&mut tx, link.member_id).await?;
    let program = programs::get(&mut tx, link.program_id).await?;
    Ok(program.map(|program| Invite {
        inviter: inviter.and_then(|m| m.name),
        program,
    }))
}
