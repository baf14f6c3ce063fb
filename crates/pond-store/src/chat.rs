//! Chat events and the per-day rollups kept up to date as they arrive.
//!
//! A bulk import moves hundreds of thousands of messages a second, and one
//! round trip per row would cap it far below that, so rows go in multi-row
//! statements: on SQLite bound and stepped on the connection itself
//! ([`sqlite_direct`]), on PostgreSQL through sqlx.
//! Rollups grow by deltas computed from the events that were actually new,
//! so a repeated import changes nothing.

use crate::sql::values;
use crate::{Result, StoreError, Tx, on_conn, sqlite_direct};
use std::collections::{HashMap, HashSet};

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

/// Stores events and answers, for each, whether it was new. An event stored
/// before (or twice in `events`) is left alone.
///
/// Which events exist is read first, one key range per group, rather than
/// learnt from `RETURNING` or row counts row by row: on a first import the
/// ranges are empty, and the new rows go in many to a statement.
pub async fn insert(tx: &mut Tx, events: &[NewEvent]) -> Result<Vec<bool>> {
    let mut ranges: HashMap<i64, (i64, i64)> = HashMap::new();
    for e in events {
        let r = ranges.entry(e.group_id).or_insert((e.at, e.at));
        r.0 = r.0.min(e.at);
        r.1 = r.1.max(e.at);
    }
    let mut seen: HashSet<(i64, i64, i64)> = HashSet::new();
    for (group, (from, to)) in ranges {
        let rows: Vec<(i64, i64)> = on_conn!(tx, |c| sqlx::query_as(
            "SELECT at, id FROM chat_events WHERE group_id = $1 AND at BETWEEN $2 AND $3"
        )
        .bind(group)
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await)?;
        seen.extend(rows.into_iter().map(|(at, id)| (group, at, id)));
    }
    let fresh: Vec<bool> = events
        .iter()
        .map(|e| seen.insert((e.group_id, e.at, e.id)))
        .collect();
    let new: Vec<&NewEvent> = events
        .iter()
        .zip(&fresh)
        .filter(|(_, f)| **f)
        .map(|(e, _)| e)
        .collect();
    const INSERT: &str = "INSERT INTO chat_events (group_id, at, id, person_id, kind, text)
             VALUES {} ON CONFLICT (group_id, at, id) DO NOTHING";
    let stored = if let Tx::Sqlite(t) = tx {
        sqlite_direct::insert_rows(t, INSERT, 6, &new, |st, at, e| {
            st.raw_bind_parameter(at + 1, e.group_id)?;
            st.raw_bind_parameter(at + 2, e.at)?;
            st.raw_bind_parameter(at + 3, e.id)?;
            st.raw_bind_parameter(at + 4, e.person_id)?;
            st.raw_bind_parameter(at + 5, e.kind)?;
            st.raw_bind_parameter(at + 6, e.text.as_deref())
        })
        .await? as u64
    } else {
        let mut stored = 0;
        for chunk in new.chunks(CHUNK) {
            let sql = INSERT.replace("{}", &values(tx.backend(), chunk.len(), 6));
            stored += on_conn!(tx, |c| {
                let mut q = sqlx::query(&sql);
                for e in chunk {
                    q = q
                        .bind(e.group_id)
                        .bind(e.at)
                        .bind(e.id)
                        .bind(e.person_id)
                        .bind(e.kind)
                        .bind(&e.text);
                }
                q.execute(c).await.map(|r| r.rows_affected())
            })?;
        }
        stored
    };
    if stored != new.len() as u64 {
        // Only a concurrent writer (PostgreSQL) can get here: the rollups
        // would count its events twice, so start over.
        return Err(StoreError::Conflict(
            "chat_events: another import stored some of these events at the same time; retry"
                .into(),
        ));
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
    const UPSERT: &str =
        "INSERT INTO group_days (group_id, day, messages, non_staff_messages, joins, leaves)
             VALUES {} ON CONFLICT (group_id, day) DO UPDATE SET
               messages = group_days.messages + excluded.messages,
               non_staff_messages = group_days.non_staff_messages + excluded.non_staff_messages,
               joins = group_days.joins + excluded.joins,
               leaves = group_days.leaves + excluded.leaves";
    if let Tx::Sqlite(t) = tx {
        sqlite_direct::insert_rows(t, UPSERT, 6, deltas, |st, at, ((group, day), d)| {
            st.raw_bind_parameter(at + 1, group)?;
            st.raw_bind_parameter(at + 2, day)?;
            st.raw_bind_parameter(at + 3, d.messages)?;
            st.raw_bind_parameter(at + 4, d.non_staff_messages)?;
            st.raw_bind_parameter(at + 5, d.joins)?;
            st.raw_bind_parameter(at + 6, d.leaves)
        })
        .await?;
        return Ok(());
    }
    for chunk in deltas.chunks(CHUNK) {
        let sql = UPSERT.replace("{}", &values(tx.backend(), chunk.len(), 6));
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
    const UPSERT: &str =
        "INSERT INTO sender_days (group_id, day, person_id, staff, messages) VALUES {}
             ON CONFLICT (group_id, day, person_id) DO UPDATE SET
               messages = sender_days.messages + excluded.messages";
    if let Tx::Sqlite(t) = tx {
        sqlite_direct::insert_rows(
            t,
            UPSERT,
            5,
            deltas,
            |st, at, ((g, day, person), (staff, n))| {
                st.raw_bind_parameter(at + 1, g)?;
                st.raw_bind_parameter(at + 2, day)?;
                st.raw_bind_parameter(at + 3, person)?;
                st.raw_bind_parameter(at + 4, staff)?;
                st.raw_bind_parameter(at + 5, n)
            },
        )
        .await?;
        return Ok(());
    }
    for chunk in deltas.chunks(CHUNK) {
        let sql = UPSERT.replace("{}", &values(tx.backend(), chunk.len(), 5));
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

/// Forgets the text of messages sent in `[from, before)` (ms); answers how
/// many. Each group's rows in that span are one range of the key, so a
/// caller that moves `from` forward visits every row once.
pub async fn forget_text(tx: &mut Tx, from: i64, before: i64) -> Result<u64> {
    Ok(on_conn!(tx, |c| sqlx::query(
        "UPDATE chat_events SET text = NULL
         WHERE group_id IN (SELECT id FROM chat_groups) AND at >= $1 AND at < $2
           AND text IS NOT NULL"
    )
    .bind(from)
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
