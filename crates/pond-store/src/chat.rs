//! Chat events and the per-day rollups kept up to date as they arrive.
//!
//! Events are written in multi-row statements: a bulk import moves hundreds
//! of thousands of messages a second, and one round trip per row would cap
//! it far below that. Rollups grow by deltas computed from the events that
//! were actually new, so a repeated import changes nothing.

use crate::sql::values;
use crate::{Result, Tx, on_conn};

/// Rows per multi-row statement: 1,000 × 6 parameters stays well under
/// SQLite's 32,766 and PostgreSQL's 65,535.
const CHUNK: usize = 1000;

/// A message, join or leave to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The first 64 bits of the event's SHA-256 id.
    pub id: i64,
    /// Its group.
    pub group_id: i64,
    /// Who sent it, joined or left; `None` for platform notices.
    pub person_id: Option<i64>,
    /// When (ms since the epoch, UTC).
    pub at: i64,
    /// text, media, system, join or leave.
    pub kind: &'static str,
    /// The text, when kept.
    pub text: Option<String>,
}

/// Stores events and answers the ids of those that were not stored before.
pub async fn insert(tx: &mut Tx, events: &[NewEvent]) -> Result<Vec<i64>> {
    let mut fresh = Vec::with_capacity(events.len());
    for chunk in events.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO chat_events (id, group_id, person_id, at, kind, text) VALUES {}
             ON CONFLICT (id) DO NOTHING RETURNING id",
            values(chunk.len(), 6)
        );
        let ids: Vec<i64> = on_conn!(tx, |c| {
            let mut q = sqlx::query_scalar(&sql);
            for e in chunk {
                q = q
                    .bind(e.id)
                    .bind(e.group_id)
                    .bind(e.person_id)
                    .bind(e.at)
                    .bind(e.kind)
                    .bind(&e.text);
            }
            q.fetch_all(c).await
        })?;
        fresh.extend(ids);
    }
    Ok(fresh)
}

/// What a batch adds to one group's day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayDelta {
    /// Messages of every kind.
    pub messages: i64,
    /// Text and media from senders who are not staff.
    pub non_staff_messages: i64,
    /// Joins.
    pub joins: i64,
    /// Leaves.
    pub leaves: i64,
}

/// Adds deltas to the rollups of (group, day).
pub async fn add_days(tx: &mut Tx, deltas: &[((i64, i64), DayDelta)]) -> Result<()> {
    for chunk in deltas.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO group_days (group_id, day, messages, non_staff_messages, joins, leaves)
             VALUES {} ON CONFLICT (group_id, day) DO UPDATE SET
               messages = group_days.messages + excluded.messages,
               non_staff_messages = group_days.non_staff_messages + excluded.non_staff_messages,
               joins = group_days.joins + excluded.joins,
               leaves = group_days.leaves + excluded.leaves",
            values(chunk.len(), 6)
        );
        on_conn!(tx, |c| {
            let mut q = sqlx::query(&sql);
            for ((group, day), d) in chunk {
                q = q
                    .bind(group)
                    .bind(day)
                    .bind(d.messages)
                    .bind(d.non_staff_messages)
                    .bind(d.joins)
                    .bind(d.leaves);
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// (group, day, sender) → (the sender is staff, messages to add).
pub type SenderDelta = ((i64, i64, i64), (bool, i64));

/// Adds messages to the rollups of (group, day, sender).
pub async fn add_sender_days(tx: &mut Tx, deltas: &[SenderDelta]) -> Result<()> {
    for chunk in deltas.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO sender_days (group_id, day, person_id, staff, messages) VALUES {}
             ON CONFLICT (group_id, day, person_id) DO UPDATE SET
               messages = sender_days.messages + excluded.messages",
            values(chunk.len(), 5)
        );
        on_conn!(tx, |c| {
            let mut q = sqlx::query(&sql);
            for ((group, day, person), (staff, n)) in chunk {
                q = q.bind(group).bind(day).bind(person).bind(staff).bind(n);
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// Re-derives a group's rollups after a person's staff standing changed.
pub(crate) async fn restaff(tx: &mut Tx, group: i64, person: i64, staff: bool) -> Result<()> {
    on_conn!(tx, |c| sqlx::query(
        "UPDATE sender_days SET staff = $3 WHERE group_id = $1 AND person_id = $2"
    )
    .bind(group)
    .bind(person)
    .bind(staff)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    on_conn!(tx, |c| sqlx::query(
        "UPDATE group_days SET non_staff_messages = COALESCE((
           SELECT SUM(s.messages) FROM sender_days s
           WHERE s.group_id = group_days.group_id AND s.day = group_days.day AND NOT s.staff), 0)
         WHERE group_id = $1"
    )
    .bind(group)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Forgets the text of messages sent before `before` (ms); answers how many.
pub async fn forget_text(tx: &mut Tx, before: i64) -> Result<u64> {
    Ok(on_conn!(tx, |c| sqlx::query(
        "UPDATE chat_events SET text = NULL WHERE at < $1 AND text IS NOT NULL"
    )
    .bind(before)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?)
}

/// A stored message, for listings.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Message {
    /// Event id (64-bit).
    pub id: i64,
    /// Sender's person id.
    pub person_id: Option<i64>,
    /// Sender's name.
    pub sender: Option<String>,
    /// When (ms).
    pub at: i64,
    /// text, media, system, join or leave.
    pub kind: String,
    /// Text, if kept.
    pub text: Option<String>,
}

/// A group's latest events, newest first.
pub async fn recent(tx: &mut Tx, group: i64, limit: i64) -> Result<Vec<Message>> {
    Ok(on_conn!(tx, |c| sqlx::query_as(
        "SELECT e.id, e.person_id, p.name AS sender, e.at, e.kind, e.text
         FROM chat_events e LEFT JOIN chat_people p ON p.id = e.person_id
         WHERE e.group_id = $1 ORDER BY e.at DESC, e.id DESC LIMIT $2"
    )
    .bind(group)
    .bind(limit)
    .fetch_all(c)
    .await)?)
}
