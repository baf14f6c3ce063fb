//! Settling rewards into the ledger, balances and redemptions.

use crate::error::{Error, Result};
use crate::webhooks::{self, EventType};
use jiff::Timestamp;
use pond_core::ledger::{self, Account, EntryKey, Kind, Posting};
use pond_core::program::Side;
use pond_core::reward::RewardStatus;
use pond_store::ledger::{Context, Entry};
use pond_store::rewards::Reward;
use pond_store::{Tx, lock_member};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A reward as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RewardView {
    /// Pond's id.
    pub id: i64,
    /// Who receives it.
    pub member_id: i64,
    /// Which side.
    pub side: Side,
    /// The stage that earned it.
    pub stage: String,
    /// How much.
    pub amount: i64,
    /// Of what.
    pub unit: String,
    /// `pending`, `approved` or `voided`.
    pub status: RewardStatus,
    /// Earliest approval (RFC 3339).
    pub approve_after: String,
}

impl From<pond_store::rewards::Reward> for RewardView {
    fn from(r: pond_store::rewards::Reward) -> Self {
        RewardView {
            id: r.id,
            member_id: r.member_id,
            side: r.side,
            stage: r.stage,
            amount: r.amount,
            unit: r.unit,
            status: r.status,
            approve_after: r.approve_after.to_string(),
        }
    }
}

/// A referral's rewards.
pub async fn of_referral(tx: &mut Tx, referral: i64) -> Result<Vec<RewardView>> {
    Ok(pond_store::rewards::of_referral(tx, referral)
        .await?
        .into_iter()
        .map(RewardView::from)
        .collect())
}

/// Approves a pending reward and posts it to the ledger, in the caller's
/// transaction. The status change and the entry's UNIQUE key each make it
/// happen once: a second approval finds nothing pending and posts nothing.
#[tracing::instrument(skip_all, fields(reward_id = reward_id))]
pub async fn approve(tx: &mut Tx, reward_id: i64, now: Timestamp) -> Result<()> {
    if let Some(r) = pond_store::rewards::settle(tx, reward_id, RewardStatus::Approved, now).await?
    {
        post(tx, &r, now).await?;
        announce(tx, &r, EventType::RewardApproved, now).await?;
    }
    Ok(())
}

/// Voids a pending reward, in the caller's transaction; a reward no longer
/// pending is left as it is.
#[tracing::instrument(skip_all, fields(reward_id = reward_id))]
pub async fn void(tx: &mut Tx, reward_id: i64, now: Timestamp) -> Result<bool> {
    match pond_store::rewards::settle(tx, reward_id, RewardStatus::Voided, now).await? {
        Some(r) => {
            announce(tx, &r, EventType::RewardVoided, now).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Announces a reward's approval or voiding to webhook endpoints.
pub async fn announce(tx: &mut Tx, r: &Reward, event: EventType, now: Timestamp) -> Result<()> {
    let data = serde_json::json!({
        "reward_id": r.id,
        "referral_id": r.referral_id,
        "program_id": r.program_id,
        "member_id": r.member_id,
        "side": r.side,
        "stage": r.stage,
        "amount": r.amount,
        "unit": r.unit,
        "status": r.status,
    });
    webhooks::emit(tx, event, data, now).await?;
    Ok(())
}

/// Posts an approved reward to the ledger under its deterministic key.
pub async fn post(tx: &mut Tx, r: &Reward, now: Timestamp) -> Result<()> {
    let posting = Posting::grant(
        EntryKey::reward(r.program_id, r.referral_id, r.side, &r.stage),
        Kind::Reward,
        r.member_id,
        r.amount,
        &r.unit,
    );
    let cx = Context {
        program_id: Some(r.program_id),
        referral_id: Some(r.referral_id),
        memo: None,
    };
    pond_store::ledger::append(tx, &posting, &cx, now).await?;
    Ok(())
}

/// Voids a referral's pending rewards (refund, cancel); approved ones stand,
/// since the hold was the return window.
#[tracing::instrument(skip_all, fields(referral = referral))]
pub async fn void_pending(tx: &mut Tx, referral: i64, now: Timestamp) -> Result<u32> {
    let mut n = 0;
    for r in pond_store::rewards::of_referral(tx, referral).await? {
        if r.status == RewardStatus::Pending && void(tx, r.id, now).await? {
            n += 1;
        }
    }
    Ok(n)
}

/// A member's balance in one unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct Balance {
    /// The unit.
    pub unit: String,
    /// The amount: the sum of the member's ledger entries in it.
    pub amount: i64,
}

/// A ledger entry as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryView {
    /// Pond's id.
    pub id: i64,
    /// Its deterministic identity.
    pub entry_key: String,
    /// `reward`, `base_grant` or `redemption`.
    pub kind: String,
    /// Debited account.
    pub debit: String,
    /// Credited account.
    pub credit: String,
    /// How much.
    pub amount: i64,
    /// Of what.
    pub unit: String,
    /// The program, if any.
    pub program_id: Option<i64>,
    /// The referral, if any.
    pub referral_id: Option<i64>,
    /// A note.
    pub memo: Option<String>,
    /// When (RFC 3339).
    pub created_at: String,
}

impl From<Entry> for EntryView {
    fn from(e: Entry) -> Self {
        let created_at = e.at().to_string();
        EntryView {
            id: e.id,
            entry_key: e.entry_key,
            kind: e.kind,
            debit: e.debit,
            credit: e.credit,
            amount: e.amount,
            unit: e.unit,
            program_id: e.program_id,
            referral_id: e.referral_id,
            memo: e.memo,
            created_at,
        }
    }
}

/// A member's balances.
pub async fn balances(tx: &mut Tx, member: i64) -> Result<Vec<Balance>> {
    Ok(pond_store::ledger::balances(tx, member)
        .await?
        .into_iter()
        .map(|(unit, amount)| Balance { unit, amount })
        .collect())
}

/// A redemption request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedemptionInput {
    /// How much to spend.
    pub amount: i64,
    /// Of what.
    pub unit: String,
    /// The shop's id for this redemption: the same reference never spends twice.
    pub reference: String,
    /// A note for the ledger.
    #[serde(default)]
    pub memo: Option<String>,
}

/// The result of a redemption.
#[derive(Debug, Serialize, ToSchema)]
pub struct Redemption {
    /// The ledger entry.
    pub entry: EntryView,
    /// The balance after it.
    pub balance: Balance,
}

/// Spends part of a member's balance. The member's row is locked while the
/// balance is checked and the entry appended, so concurrent redemptions
/// cannot overdraw.
#[tracing::instrument(skip_all, fields(member = member))]
pub async fn redeem(
    tx: &mut Tx,
    member: i64,
    input: RedemptionInput,
    now: Timestamp,
) -> Result<Redemption> {
    if input.reference.trim().is_empty() || input.reference.len() > 128 {
        return Err(
            Error::invalid("invalid_reference", "reference must be 1 to 128 characters")
                .field("reference"),
        );
    }
    if input.memo.as_ref().is_some_and(|m| m.len() > 500) {
        return Err(Error::invalid("invalid_memo", "memo is at most 500 characters").field("memo"));
    }
    lock_member(tx, member).await?;
    let key = EntryKey::redemption(member, input.reference.trim());
    if let Some(e) = pond_store::ledger::by_key(tx, key.as_str()).await? {
        // The same reference again: answer with what it did the first time.
        let amount = pond_store::ledger::balance(tx, Account::Member(member), &e.unit).await?;
        let unit = e.unit.clone();
        return Ok(Redemption {
            entry: e.into(),
            balance: Balance { unit, amount },
        });
    }
    let posting = Posting::redemption(key, member, input.amount, &input.unit);
    let available = pond_store::ledger::balance(tx, Account::Member(member), &input.unit).await?;
    ledger::check(&posting, available).map_err(|e| match e {
        ledger::Refused::NonPositive => {
            Error::invalid("invalid_amount", e.to_string()).field("amount")
        }
        e => Error::invalid("insufficient_balance", e.to_string()).field("amount"),
    })?;
    let cx = Context {
        memo: input.memo.as_deref(),
        ..Context::default()
    };
    pond_store::ledger::append(tx, &posting, &cx, now).await?;
    let e = pond_store::ledger::by_key(tx, posting.key.as_str())
        .await?
        .ok_or_else(|| Error::not_found("ledger entry"))?;
    Ok(Redemption {
        entry: e.into(),
        balance: Balance {
            unit: input.unit,
            amount: available - input.amount,
        },
    })
}

/// Approves every reward whose hold has ended, in batches of one
/// transaction each; answers how many were approved.
#[tracing::instrument(skip_all)]
pub async fn approve_due(store: &pond_store::Store, now: Timestamp) -> Result<u64> {
    let mut total = 0;
    loop {
        let n = store
            .write(move |tx| {
                Box::pin(async move {
                    let due = pond_store::rewards::due(tx, now, 200).await?;
                    for r in &due {
                        approve(tx, r.id, now).await?;
                    }
                    Ok::<_, Error>(due.len())
                })
            })
            .await?;
        total += n as u64;
        if n < 200 {
            return Ok(total);
        }
    }
}

/// A member's balances, read on their own; refuses an unknown member.
pub async fn balances_of(pond: &crate::Pond, member: i64) -> Result<Vec<Balance>> {
    let mut tx = pond.store.read().await?;
    crate::members::exists(&mut tx, member).await?;
    balances(&mut tx, member).await
}

/// A member's ledger entries, newest first, below id `before`.
pub async fn ledger(
    pond: &crate::Pond,
    member: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<EntryView>> {
    let mut tx = pond.store.read().await?;
    crate::members::exists(&mut tx, member).await?;
    let entries = pond_store::ledger::entries_of(&mut tx, member, before, limit).await?;
    Ok(entries.into_iter().map(EntryView::from).collect())
}
