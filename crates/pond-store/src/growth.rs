//! What growth analytics read: every member's join, every successful
//! referral, the programs (to tell an incentive from word of mouth) and the
//! known invites. One query per table and no per-member lookups, so a shop
//! with a million members reads in seconds, not minutes.
//!
//! Everything is read "as of" an instant: members who joined before it,
//! referrals that qualified before it, clicks before it. A report for last
//! year therefore gives the same numbers next year.

use crate::programs::{self, Program};
use crate::{Result, Tx, on_conn};

/// One member's join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Join {
    /// The member.
    pub member: i64,
    /// When they joined (ms).
    pub joined_at: i64,
    /// They answered "a friend told me" (`heard_from = friend`).
    pub heard_from_friend: bool,
}

/// A successful referral: one that qualified (and was not rejected since).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Successful {
    /// Who referred.
    pub inviter: i64,
    /// Who came.
    pub invitee: i64,
    /// The program it was attributed in.
    pub program_id: i64,
    /// When it was attributed (ms): whether an incentive was on offer is
    /// judged at this instant.
    pub attributed_at: i64,
}

/// Everything the growth report needs, read in one snapshot.
#[derive(Debug, Clone)]
pub struct GrowthData {
    /// Members who joined before the instant, by id.
    pub joins: Vec<Join>,
    /// Referrals that qualified before the instant.
    pub referrals: Vec<Successful>,
    /// Every program with its spec.
    pub programs: Vec<Program>,
    /// Known invites per member: distinct visitors to the member's links
    /// before the instant (a visitor without a recorded IP counts per click).
    pub invites: Vec<(i64, i64)>,
}

/// Reads the growth data as of `until` (ms, exclusive).
pub async fn load(tx: &mut Tx, until: i64) -> Result<GrowthData> {
    let joins: Vec<(i64, i64, i64)> = on_conn!(tx, |c| {
        sqlx::query_as(
        "SELECT id, created_at, CAST(CASE WHEN heard_from = 'friend' THEN 1 ELSE 0 END AS BIGINT)
         FROM members WHERE created_at < $1 ORDER BY id"
    )
    .bind(until)
    .fetch_all(c)
    .await
    })?;
    let referrals: Vec<(i64, i64, i64, i64)> = on_conn!(tx, |c| sqlx::query_as(
        "SELECT inviter_id, invitee_id, program_id, attributed_at FROM referrals
         WHERE status = 'qualified' AND qualified_at < $1 ORDER BY id"
    )
    .bind(until)
    .fetch_all(c)
    .await)?;
    // An invite nobody opened leaves no trace; a click is the invite we
    // can see. Counting distinct visitors keeps one friend opening the
    // link five times from looking like five invitations.
    let invites: Vec<(i64, i64)> = on_conn!(tx, |c| sqlx::query_as(
        "SELECT l.member_id,
                CAST(COUNT(DISTINCT c.ip_hash)
                     + SUM(CASE WHEN c.ip_hash IS NULL THEN 1 ELSE 0 END) AS BIGINT)
         FROM clicks c JOIN links l ON l.id = c.link_id
         WHERE c.at < $1 GROUP BY l.member_id"
    )
    .bind(until)
    .fetch_all(c)
    .await)?;
    Ok(GrowthData {
        joins: joins
            .into_iter()
            .map(|(member, joined_at, friend)| Join {
                member,
                joined_at,
                heard_from_friend: friend == 1,
            })
            .collect(),
        referrals: referrals
            .into_iter()
            .map(|(inviter, invitee, program_id, attributed_at)| Successful {
                inviter,
                invitee,
                program_id,
                attributed_at,
            })
            .collect(),
        programs: programs::list(tx).await?,
        invites,
    })
}

/// Answers to "how did you hear about us?" from members who joined in
/// `[from, to)` (ms): `(answer, members)`, `None` for no answer.
pub async fn heard_from(tx: &mut Tx, from: i64, to: i64) -> Result<Vec<(Option<String>, i64)>> {
    Ok(on_conn!(tx, |c| sqlx::query_as(
        "SELECT heard_from, COUNT(*) FROM members
         WHERE created_at >= $1 AND created_at < $2 GROUP BY heard_from ORDER BY heard_from"
    )
    .bind(from)
    .bind(to)
    .fetch_all(c)
    .await)?)
}

/// Members who joined in `[from, to)` (ms) through a referral that had not
/// qualified by `to` and was not rejected: friends who came but have not
/// yet done what the program asks (their first order, say).
pub async fn pending_referrals(tx: &mut Tx, from: i64, to: i64) -> Result<i64> {
    Ok(on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM referrals r JOIN members m ON m.id = r.invitee_id
         WHERE m.created_at >= $1 AND m.created_at < $2 AND r.status <> 'rejected'
           AND (r.qualified_at IS NULL OR r.qualified_at >= $2)"
    )
    .bind(from)
    .bind(to)
    .fetch_one(c)
    .await)?)
}
