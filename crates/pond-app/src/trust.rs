//! The trust budget's flows: record an ask only when `can_ask` says yes,
//! record signals, and show a member's, a group's or a program's account.
//!
//! Scores are replayed from the records inside the same transaction that
//! writes the ask, after locking the member (or group) on PostgreSQL, so two
//! concurrent asks cannot both slip under the frequency limit.

use crate::error::{Error, Result};
use jiff::Timestamp;
use pond_core::trust::{self, AskKind, Decision, Policy, Step, Subject, Trust, What};
use pond_core::value_audit::ValueAudit;
use pond_store::Tx;
use pond_store::trust::{self as store, AskCount, Delivered, NewAsk};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How many of the latest steps a view shows.
const RECENT: usize = 20;

/// The policy in force. The defaults for now (docs/trust.md explains them);
/// one place, so that a configured policy later changes only this.
pub fn policy() -> Policy {
    Policy::default()
}

/// A member's or group's trust account.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrustView {
    /// member or group.
    pub subject: Subject,
    /// The member's or group's id.
    pub id: i64,
    /// The score now.
    pub score: i64,
    /// The full budget.
    pub budget: i64,
    /// Under this nobody is asked.
    pub threshold: i64,
    /// Points spent on asks.
    pub spent_on_asks: i64,
    /// Extra points lost to mutes, leaves and blocks after asks.
    pub lost_to_reactions: i64,
    /// Points earned back by value received.
    pub earned: i64,
    /// Points recovered with time.
    pub recovered: i64,
    /// May each kind of ask be made now, and why.
    pub can_ask: Vec<Decision>,
    /// The latest events, newest first, with what each did to the score.
    pub recent: Vec<Step>,
}

fn view(id: i64, t: Trust, p: &Policy, now: Timestamp) -> TrustView {
    let kinds: &[AskKind] = match t.subject {
        Subject::Member => &AskKind::MEMBER,
        Subject::Group => &[AskKind::Broadcast],
    };
    let can_ask = kinds
        .iter()
        .map(|k| trust::can_ask(p, &t, *k, now))
        .collect();
    TrustView {
        subject: t.subject,
        id,
        score: t.score,
        budget: p.budget,
        threshold: p.threshold,
        spent_on_asks: t.spent_on_asks,
        lost_to_reactions: t.lost_to_reactions,
        earned: t.earned,
        recovered: t.recovered,
        can_ask,
        recent: t.steps.iter().rev().take(RECENT).cloned().collect(),
    }
}

/// A member's trust, replayed; 404 when there is no such member.
pub async fn member(tx: &mut Tx, id: i64, now: Timestamp) -> Result<Trust> {
    if pond_store::members::get(tx, id).await?.is_none() {
        return Err(Error::not_found("member"));
    }
    let events = store::member_events(tx, id).await?;
    Ok(trust::replay(&policy(), Subject::Member, &events, now))
}

/// A group's trust, replayed; 404 when there is no such group.
pub async fn group(tx: &mut Tx, id: i64, now: Timestamp) -> Result<Trust> {
    if pond_store::groups::get(tx, id).await?.is_none() {
        return Err(Error::not_found("group"));
    }
    let events = store::group_events(tx, id).await?;
    Ok(trust::replay(&policy(), Subject::Group, &events, now))
}

/// A member's account as the API shows it.
pub async fn member_view(tx: &mut Tx, id: i64, now: Timestamp) -> Result<TrustView> {
    let t = member(tx, id, now).await?;
    Ok(view(id, t, &policy(), now))
}

/// A group's account as the API shows it.
pub async fn group_view(tx: &mut Tx, id: i64, now: Timestamp) -> Result<TrustView> {
    let t = group(tx, id, now).await?;
    Ok(view(id, t, &policy(), now))
}

/// An ask to record.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskInput {
    /// The member asked to pass something on (share, poster, vote, like).
    pub member_id: Option<i64>,
    /// The group broadcast to (kind `broadcast`).
    pub group_id: Option<i64>,
    /// share, poster, vote, like or broadcast.
    pub kind: AskKind,
    /// The program the ask serves.
    pub program_id: Option<i64>,
    /// A note (what was asked), up to 500 characters.
    pub note: Option<String>,
}

/// A recorded ask.
#[derive(Debug, Serialize, ToSchema)]
pub struct AskView {
    /// Pond's id.
    pub id: i64,
    /// What was asked.
    pub kind: AskKind,
    /// The member asked.
    pub member_id: Option<i64>,
    /// The group broadcast to.
    pub group_id: Option<i64>,
    /// The program.
    pub program_id: Option<i64>,
    /// When (RFC 3339).
    pub at: String,
    /// What `can_ask` said before it was made.
    pub decision: Decision,
    /// The score after the ask.
    pub score: i64,
}

/// Records an ask when `can_ask` allows it; otherwise a 409 with the rule's
/// code (`trust_exhausted`, `asked_too_often`) and reason, writing nothing.
#[tracing::instrument(skip_all)]
pub async fn ask(tx: &mut Tx, a: AskInput, now: Timestamp) -> Result<AskView> {
    let note = a.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Err(Error::invalid("invalid", "at most 500 characters").field("note"));
    }
    let t = match (a.member_id, a.group_id, a.kind.subject()) {
        (Some(m), None, Subject::Member) => {
            pond_store::lock_member(tx, m).await?;
            member(tx, m, now).await.map_err(|e| e.field("member_id"))?
        }
        (None, Some(g), Subject::Group) => {
            store::lock_group(tx, g).await?;
            group(tx, g, now).await.map_err(|e| e.field("group_id"))?
        }
        (_, _, Subject::Member) => {
            return Err(Error::invalid(
                "invalid_subject",
                format!(
                    "a {} ask is recorded against a member: send member_id alone",
                    a.kind.as_str()
                ),
            )
            .field("member_id"));
        }
        (_, _, Subject::Group) => {
            return Err(Error::invalid(
                "invalid_subject",
                "a broadcast is recorded against a group: send group_id alone",
            )
            .field("group_id"));
        }
    };
    if let Some(p) = a.program_id
        && pond_store::programs::get(tx, p).await?.is_none()
    {
        return Err(Error::not_found("program").field("program_id"));
    }
    let p = policy();
    let decision = trust::can_ask(&p, &t, a.kind, now);
    if !decision.allowed {
        let code = decision.code.unwrap_or("ask_refused");
        return Err(Error::conflict(code, decision.reason).field("kind"));
    }
    let new = NewAsk {
        member: a.member_id,
        group: a.group_id,
        kind: a.kind,
        program: a.program_id,
        note: note.map(str::to_string),
    };
    let ask_id = store::record_ask(tx, &new, now).await?;
    Ok(AskView {
        id: ask_id,
        kind: a.kind,
        member_id: a.member_id,
        group_id: a.group_id,
        program_id: a.program_id,
        at: now.to_string(),
        score: (decision.score - decision.cost).max(0),
        decision,
    })
}

/// A signal about a member or group.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignalInput {
    /// mute, leave, block or useful_content (groups: leave or useful_content).
    #[schema(pattern = "^(mute|leave|block|useful_content)$")]
    pub kind: String,
    /// A note, up to 500 characters.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// A recorded signal and the score after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignalView {
    /// Pond's id.
    pub id: i64,
    /// The signal.
    pub kind: String,
    /// member or group.
    pub subject: Subject,
    /// Whose.
    pub subject_id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// What it did, as the replay explains it.
    pub step: Option<Step>,
    /// The score after it.
    pub score: i64,
}

/// Records a signal against a member or group.
#[tracing::instrument(skip_all, fields(id = id))]
pub async fn signal(
    tx: &mut Tx,
    subject: Subject,
    id: i64,
    s: SignalInput,
    now: Timestamp,
) -> Result<SignalView> {
    let allowed: &[&str] = match subject {
        Subject::Member => &What::SIGNALS,
        // A group cannot mute or block the shop; its members can leave.
        Subject::Group => &["leave", "useful_content"],
    };
    if !allowed.contains(&s.kind.as_str()) {
        return Err(Error::invalid(
            "invalid_signal",
            format!("`{}`: use {}", s.kind, allowed.join(", ")),
        )
        .field("kind"));
    }
    let note = s.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Err(Error::invalid("invalid", "at most 500 characters").field("note"));
    }
    let (member_id, group_id) = match subject {
        Subject::Member => (Some(id), None),
        Subject::Group => (None, Some(id)),
    };
    // Existence first: a 404 rather than a foreign-key failure.
    match subject {
        Subject::Member => member(tx, id, now).await?,
        Subject::Group => group(tx, id, now).await?,
    };
    let signal_id = store::record_signal(tx, member_id, group_id, &s.kind, note, now).await?;
    let after = match subject {
        Subject::Member => member(tx, id, now).await?,
        Subject::Group => group(tx, id, now).await?,
    };
    Ok(SignalView {
        id: signal_id,
        kind: s.kind,
        subject,
        subject_id: id,
        at: now.to_string(),
        step: after.steps.last().cloned(),
        score: after.score,
    })
}

/// Asks of one kind made for a program.
#[derive(Debug, Serialize, ToSchema)]
pub struct AskLine {
    /// The ask.
    pub kind: String,
    /// How many.
    pub asks: i64,
    /// Of how many members.
    pub members: i64,
    /// Trust they spent (asks × cost).
    pub trust_spent: i64,
}

/// Rewards a program has delivered, per side and unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveredLine {
    /// inviter or invitee.
    pub side: String,
    /// The unit.
    pub unit: String,
    /// How many approved rewards.
    pub rewards: i64,
    /// Their total.
    pub amount: i64,
}

/// A member asked for a program who is now under the threshold.
#[derive(Debug, Serialize, ToSchema)]
pub struct Worn {
    /// The member.
    pub member_id: i64,
    /// Their score now.
    pub score: i64,
}

/// A program's trust report: trust spent against value created.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramTrust {
    /// The program.
    pub program_id: i64,
    /// Its value audit, from its settings.
    pub value_audit: ValueAudit,
    /// Asks made for it, per kind.
    pub asks: Vec<AskLine>,
    /// Trust its asks spent.
    pub trust_spent: i64,
    /// Extra trust lost to mutes, leaves and blocks answering its asks.
    pub trust_lost_to_reactions: i64,
    /// Approved rewards, per side and unit.
    pub delivered: Vec<DeliveredLine>,
    /// Trust the delivered rewards earned back for the inviters
    /// (own rewards and their friends' rewards, priced by the policy).
    pub trust_returned: i64,
    /// trust_returned − trust_spent − trust_lost_to_reactions.
    pub balance: i64,
    /// Members asked for it.
    pub members_asked: i64,
    /// Those of them now under the threshold.
    pub members_under_threshold: Vec<Worn>,
}

/// The trust report of a program; 404 when there is no such program.
#[tracing::instrument(skip_all, fields(id = id))]
pub async fn program_report(tx: &mut Tx, id: i64, now: Timestamp) -> Result<ProgramTrust> {
    let program = pond_store::programs::get(tx, id)
        .await?
        .ok_or_else(|| Error::not_found("program"))?;
    let p = policy();
    let asks: Vec<AskLine> = store::program_asks(tx, id)
        .await?
        .into_iter()
        .map(
            |AskCount {
                 kind,
                 asks,
                 members,
             }| AskLine {
                trust_spent: asks * AskKind::parse(&kind).map_or(0, |k| p.cost(k)),
                kind,
                asks,
                members,
            },
        )
        .collect();
    let delivered: Vec<DeliveredLine> = store::program_delivered(tx, id)
        .await?
        .into_iter()
        .map(|d: Delivered| DeliveredLine {
            side: d.side,
            unit: d.unit,
            rewards: d.rewards,
            amount: d.amount,
        })
        .collect();
    let (inviter, invitee) = store::program_rewarded_referrals(tx, id).await?;
    let trust_returned = inviter * p.gains.reward_approved + invitee * p.gains.friend_rewarded;
    let mut lost = 0;
    let mut worn = Vec::new();
    let by_member = store::program_member_events(tx, id).await?;
    for (member_id, events) in &by_member {
        let t = trust::replay(&p, Subject::Member, events, now);
        lost -= t
            .steps
            .iter()
            .filter(|s| matches!(s.what, What::Reaction(_)) && s.program == Some(id))
            .map(|s| s.delta)
            .sum::<i64>();
        if t.score < p.threshold {
            worn.push(Worn {
                member_id: *member_id,
                score: t.score,
            });
        }
    }
    let trust_spent = asks.iter().map(|a| a.trust_spent).sum();
    Ok(ProgramTrust {
        program_id: id,
        value_audit: pond_core::value_audit::audit(&program.spec, &p),
        asks,
        trust_spent,
        trust_lost_to_reactions: lost,
        delivered,
        trust_returned,
        balance: trust_returned - trust_spent - lost,
        members_asked: i64::try_from(by_member.len()).unwrap_or(i64::MAX),
        members_under_threshold: worn,
    })
}
