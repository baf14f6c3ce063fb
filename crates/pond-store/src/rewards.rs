//! Rewards: pending through their hold, then approved into the ledger or
//! voided. (program, referral, side, stage) is UNIQUE, so a reward exists once.

use crate::time::{ms, ts};
use crate::{Result, StoreError, Tx, on_conn};
use jiff::Timestamp;
use pond_core::program::Side;
use pond_core::reward::{Grant, RewardStatus};

/// A stored reward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reward {
    /// Pond's id.
    pub id: i64,
    /// The program.
    pub program_id: i64,
    /// The referral that earned it.
    pub referral_id: i64,
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
    /// Where it stands.
    pub status: RewardStatus,
    /// Earliest approval.
    pub approve_after: Timestamp,
    /// Created.
    pub created_at: Timestamp,
    /// Approved or voided.
    pub decided_at: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    program_id: i64,
    referral_id: i64,
    member_id: i64,
    side: String,
    stage: String,
    amount: i64,
    unit: String,
    status: String,
    approve_after: i64,
    created_at: i64,
    decided_at: Option<i64>,
}

const COLUMNS: &str = "id, program_id, referral_id, member_id, side, stage, amount, unit, status, \
                       approve_after, created_at, decided_at";

fn decode(r: Row) -> Result<Reward> {
    let bad = |what: &str, v: &str| StoreError::Corrupt(format!("reward {}: {what} `{v}`", r.id));
    Ok(Reward {
        id: r.id,
        program_id: r.program_id,
        referral_id: r.referral_id,
        member_id: r.member_id,
        side: Side::parse(&r.side).ok_or_else(|| bad("side", &r.side))?,
        status: RewardStatus::parse(&r.status).ok_or_else(|| bad("status", &r.status))?,
        stage: r.stage,
        amount: r.amount,
        unit: r.unit,
        approve_after: ts(r.approve_after),
        created_at: ts(r.created_at),
        decided_at: r.decided_at.map(ts),
    })
}

/// The reward a grant becomes for one member of a referral.
#[derive(Debug, Clone, Copy)]
pub struct For {
    /// The program.
    pub program: i64,
    /// The referral.
    pub referral: i64,
    /// Who receives it.
    pub member: i64,
}

/// Creates the reward for a grant, pending or (with no hold and no review)
/// approved at once; `None` when it already exists (a retried or raced
/// qualification), so the caller posts nothing twice.
pub async fn create(
    tx: &mut Tx,
    to: For,
    g: &Grant,
    status: RewardStatus,
    at: Timestamp,
) -> Result<Option<Reward>> {
    let decided = (status != RewardStatus::Pending).then_some(ms(at));
    let sql = format!(
        "INSERT INTO rewards (program_id, referral_id, member_id, side, stage, amount, unit, status,
                              approve_after, created_at, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (program_id, referral_id, side, stage) DO NOTHING RETURNING {COLUMNS}"
    );
    let row: Option<Row> = on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(to.program)
        .bind(to.referral)
        .bind(to.member)
        .bind(g.side.as_str())
        .bind(&g.stage)
        .bind(g.amount)
        .bind(&g.unit)
        .bind(status.as_str())
        .bind(ms(g.approve_after))
        .bind(ms(at))
        .bind(decided)
        .fetch_optional(c)
        .await)?;
    row.map(decode).transpose()
}

/// Moves a pending reward to `to` (approved or voided) and returns it;
/// `None` if it was no longer pending, so two racing approvals cannot both post.
pub async fn settle(
    tx: &mut Tx,
    id: i64,
    to: RewardStatus,
    at: Timestamp,
) -> Result<Option<Reward>> {
    let sql = format!(
        "UPDATE rewards SET status = $2, decided_at = $3 WHERE id = $1 AND status = 'pending'
         RETURNING {COLUMNS}"
    );
    let row: Option<Row> = on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .bind(to.as_str())
        .bind(ms(at))
        .fetch_optional(c)
        .await)?;
    row.map(decode).transpose()
}

/// A referral's rewards.
pub async fn of_referral(tx: &mut Tx, referral: i64) -> Result<Vec<Reward>> {
    let sql = format!("SELECT {COLUMNS} FROM rewards WHERE referral_id = $1 ORDER BY id");
    let rows: Vec<Row> = on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(referral)
        .fetch_all(c)
        .await)?;
    rows.into_iter().map(decode).collect()
}

/// A member's rewards, newest first.
pub async fn of_member(tx: &mut Tx, member: i64, limit: i64) -> Result<Vec<Reward>> {
    let sql =
        format!("SELECT {COLUMNS} FROM rewards WHERE member_id = $1 ORDER BY id DESC LIMIT $2");
    let rows: Vec<Row> = on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(member)
        .bind(limit)
        .fetch_all(c)
        .await)?;
    rows.into_iter().map(decode).collect()
}

/// Pending rewards whose hold ended by `now` and whose referral is not held
/// by review: the approval job's work list, oldest first.
pub async fn due(tx: &mut Tx, now: Timestamp, limit: i64) -> Result<Vec<Reward>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM rewards WHERE status = 'pending' AND approve_after <= $1
           AND referral_id IN (SELECT id FROM referrals WHERE review IN ('clear', 'approved'))
         ORDER BY approve_after LIMIT $2"
    );
    let rows: Vec<Row> = on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(ms(now))
        .bind(limit)
        .fetch_all(c)
        .await)?;
    rows.into_iter().map(decode).collect()
}

/// How many of an inviter's referrals in a program earned them a reward
/// that was not voided: the count the cap applies to.
pub async fn inviter_rewarded(tx: &mut Tx, program: i64, inviter: i64) -> Result<u32> {
    let n: i64 = on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(DISTINCT referral_id) FROM rewards
         WHERE program_id = $1 AND member_id = $2 AND side = 'inviter' AND status <> 'voided'"
    )
    .bind(program)
    .bind(inviter)
    .fetch_one(c)
    .await)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// How many of this inviter's direct referrals in the program have
/// qualified (milestones count these), and the milestone stages already
/// paid to them (not voided).
pub async fn milestone_progress(
    tx: &mut Tx,
    program: i64,
    inviter: i64,
) -> Result<(u32, Vec<String>)> {
    let qualified: i64 = on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM referrals
         WHERE program_id = $1 AND inviter_id = $2 AND qualified_at IS NOT NULL"
    )
    .bind(program)
    .bind(inviter)
    .fetch_one(c)
    .await)?;
    let paid: Vec<String> = on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT DISTINCT stage FROM rewards
         WHERE program_id = $1 AND member_id = $2 AND side = 'inviter'
           AND stage LIKE 'milestone:%' AND status <> 'voided'"
    )
    .bind(program)
    .bind(inviter)
    .fetch_all(c)
    .await)?;
    Ok((u32::try_from(qualified).unwrap_or(u32::MAX), paid))
}

/// Rewards created in `[from, to)`, per status and unit: how many and how
/// much (for the console's overview).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Totals {
    /// pending, approved, voided, ...
    pub status: String,
    /// The reward's unit.
    pub unit: String,
    /// How many rewards.
    pub count: i64,
    /// Their sum.
    pub amount: i64,
}

/// See [`Totals`].
pub async fn totals(tx: &mut Tx, from: Timestamp, to: Timestamp) -> Result<Vec<Totals>> {
    Ok(on_conn!(tx, |c| sqlx::query_as(
        "SELECT status, unit, COUNT(*) AS count, CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS amount
         FROM rewards WHERE created_at >= $1 AND created_at < $2
         GROUP BY status, unit ORDER BY status, unit"
    )
    .bind(crate::time::ms(from))
    .bind(crate::time::ms(to))
    .fetch_all(c)
    .await)?)
}
