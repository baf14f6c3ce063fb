//! The trust budget's records: asks and signals. Value received is not
//! copied here: approved rewards (the member's own, and those of the friends
//! they brought) are read from `rewards` and `referrals`, and leaves from
//! `chat_people`, so the budget can never disagree with the ledger or the
//! chat history it is replayed from.

use crate::time::{ms, ts};
use crate::{Backend, Result, StoreError, Tx, on_conn};
use jiff::Timestamp;
use pond_core::trust::{AskKind, Event, Gain, What};
use std::collections::BTreeMap;

/// An ask to record, against a member or (a broadcast) a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAsk {
    /// The member asked to pass something on.
    pub member: Option<i64>,
    /// The group broadcast to.
    pub group: Option<i64>,
    /// What was asked.
    pub kind: AskKind,
    /// The program it serves, if any.
    pub program: Option<i64>,
    /// A note for people.
    pub note: Option<String>,
}

/// Records an ask and answers its id.
pub async fn record_ask(tx: &mut Tx, a: &NewAsk, at: Timestamp) -> Result<i64> {
    Ok(on_conn!(tx, |c| sqlx::query_scalar(
        "INSERT INTO trust_asks (member_id, group_id, kind, program_id, note, at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
    )
    .bind(a.member)
    .bind(a.group)
    .bind(a.kind.as_str())
    .bind(a.program)
    .bind(&a.note)
    .bind(ms(at))
    .fetch_one(c)
    .await)?)
}

/// Records a signal (`mute`, `leave`, `block`, `useful_content`) about a
/// member or a group and answers its id.
pub async fn record_signal(
    tx: &mut Tx,
    member: Option<i64>,
    group: Option<i64>,
    kind: &str,
    note: Option<&str>,
    at: Timestamp,
) -> Result<i64> {
    Ok(on_conn!(tx, |c| sqlx::query_scalar(
        "INSERT INTO trust_signals (member_id, group_id, kind, note, at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id"
    )
    .bind(member)
    .bind(group)
    .bind(kind)
    .bind(note)
    .bind(ms(at))
    .fetch_one(c)
    .await)?)
}

/// Every event of the members `filter` selects (`{filter}` follows each
/// branch's member column and may use `$1`): asks, signals, approved
/// rewards to them, approved rewards to the friends they brought, and
/// their leaves from chat groups.
fn member_events_sql(filter: &str) -> String {
    format!(
        "SELECT a.member_id AS who, a.at, 'ask' AS source, a.kind, a.program_id
           FROM trust_asks a WHERE a.member_id {filter}
         UNION ALL
         SELECT s.member_id, s.at, 'signal', s.kind, NULL
           FROM trust_signals s WHERE s.member_id {filter}
         UNION ALL
         SELECT r.member_id, COALESCE(r.decided_at, r.created_at), 'gain', 'reward_approved', r.program_id
           FROM rewards r WHERE r.status = 'approved' AND r.member_id {filter}
         UNION ALL
         SELECT f.inviter_id, COALESCE(r.decided_at, r.created_at), 'gain', 'friend_rewarded', r.program_id
           FROM rewards r JOIN referrals f ON f.id = r.referral_id
          WHERE r.status = 'approved' AND r.side = 'invitee' AND f.inviter_id {filter}
         UNION ALL
         SELECT p.member_id, p.left_at, 'signal', 'leave', NULL
           FROM chat_people p
          WHERE p.left_at IS NOT NULL AND (p.joined_at IS NULL OR p.left_at >= p.joined_at)
            AND p.member_id {filter}"
    )
}

type Row = (i64, i64, String, String, Option<i64>);

fn decode((who, at, source, kind, program): Row) -> Result<(i64, Event)> {
    let what = match (source.as_str(), kind.as_str()) {
        ("ask", k) => AskKind::parse(k).map(What::Ask),
        (_, "reward_approved") => Some(What::Gain(Gain::RewardApproved)),
        (_, "friend_rewarded") => Some(What::Gain(Gain::FriendRewarded)),
        (_, k) => What::signal(k),
    }
    .ok_or_else(|| StoreError::Corrupt(format!("trust event of {who}: {source} `{kind}`")))?;
    Ok((
        who,
        Event {
            at: ts(at),
            what,
            program,
        },
    ))
}

async fn fetch(tx: &mut Tx, sql: &str, id: i64) -> Result<Vec<(i64, Event)>> {
    let rows: Vec<Row> = on_conn!(tx, |c| sqlx::query_as(sql).bind(id).fetch_all(c).await)?;
    rows.into_iter().map(decode).collect()
}

/// What a member's trust is replayed from.
pub async fn member_events(tx: &mut Tx, member: i64) -> Result<Vec<Event>> {
    let rows = fetch(tx, &member_events_sql("= $1"), member).await?;
    Ok(rows.into_iter().map(|(_, e)| e).collect())
}

/// The events of every member asked in a program, by member: one read for
/// the program's report however many members it asked.
pub async fn program_member_events(tx: &mut Tx, program: i64) -> Result<BTreeMap<i64, Vec<Event>>> {
    let sql = member_events_sql(
        "IN (SELECT q.member_id FROM trust_asks q WHERE q.program_id = $1 AND q.member_id IS NOT NULL)",
    );
    let mut by_member: BTreeMap<i64, Vec<Event>> = BTreeMap::new();
    for (who, e) in fetch(tx, &sql, program).await? {
        by_member.entry(who).or_default().push(e);
    }
    Ok(by_member)
}

/// What a group's trust is replayed from: broadcasts, signals, and the
/// latest leave of each customer (staff leaving is not the group's answer).
pub async fn group_events(tx: &mut Tx, group: i64) -> Result<Vec<Event>> {
    let sql = "SELECT a.group_id AS who, a.at, 'ask' AS source, a.kind, a.program_id
                 FROM trust_asks a WHERE a.group_id = $1
               UNION ALL
               SELECT s.group_id, s.at, 'signal', s.kind, NULL
                 FROM trust_signals s WHERE s.group_id = $1
               UNION ALL
               SELECT p.group_id, p.left_at, 'signal', 'leave', NULL
                 FROM chat_people p
                WHERE p.group_id = $1 AND p.left_at IS NOT NULL AND NOT p.staff
                  AND (p.joined_at IS NULL OR p.left_at >= p.joined_at)";
    let rows = fetch(tx, sql, group).await?;
    Ok(rows.into_iter().map(|(_, e)| e).collect())
}

/// Asks made for a program, per kind.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AskCount {
    /// The ask's name.
    pub kind: String,
    /// How many were made.
    pub asks: i64,
    /// Of how many members (0 for broadcasts).
    pub members: i64,
}

/// Asks made for a program, per kind, by name.
pub async fn program_asks(tx: &mut Tx, program: i64) -> Result<Vec<AskCount>> {
    Ok(on_conn!(tx, |c| sqlx::query_as(
        "SELECT kind, COUNT(*) AS asks, COUNT(DISTINCT member_id) AS members
           FROM trust_asks WHERE program_id = $1 GROUP BY kind ORDER BY kind"
    )
    .bind(program)
    .fetch_all(c)
    .await)?)
}

/// Approved rewards of a program, per side and unit.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Delivered {
    /// inviter or invitee.
    pub side: String,
    /// The unit.
    pub unit: String,
    /// How many rewards.
    pub rewards: i64,
    /// Their total.
    pub amount: i64,
}

/// What a program has delivered: approved rewards per side and unit.
pub async fn program_delivered(tx: &mut Tx, program: i64) -> Result<Vec<Delivered>> {
    Ok(on_conn!(tx, |c| sqlx::query_as(
        "SELECT side, unit, COUNT(*) AS rewards, CAST(SUM(amount) AS BIGINT) AS amount
           FROM rewards WHERE program_id = $1 AND status = 'approved'
          GROUP BY side, unit ORDER BY side, unit"
    )
    .bind(program)
    .fetch_all(c)
    .await)?)
}

/// Locks a group's row until the transaction ends, so two broadcasts cannot
/// both pass the frequency rule (as [`crate::lock_member`] does for members).
pub async fn lock_group(tx: &mut Tx, group: i64) -> Result<()> {
    if tx.backend() == Backend::Sqlite {
        // The single writer already serialises write transactions.
        return Ok(());
    }
    on_conn!(tx, |c| sqlx::query(
        "UPDATE chat_groups SET first_seen = first_seen WHERE id = $1"
    )
    .bind(group)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// How many referrals of a program earned an approved reward, for the
/// inviter and for the invitee: (inviter, invitee).
pub async fn program_rewarded_referrals(tx: &mut Tx, program: i64) -> Result<(i64, i64)> {
    let rows: Vec<(String, i64)> = on_conn!(tx, |c| sqlx::query_as(
        "SELECT side, COUNT(DISTINCT referral_id) FROM rewards
          WHERE program_id = $1 AND status = 'approved' GROUP BY side"
    )
    .bind(program)
    .fetch_all(c)
    .await)?;
    let count = |side: &str| rows.iter().find(|(s, _)| s == side).map_or(0, |(_, n)| *n);
    Ok((count("inviter"), count("invitee")))
}
