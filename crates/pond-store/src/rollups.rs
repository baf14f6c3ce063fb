//! Reading the per-day rollups for a window of days: what a health report,
//! a census or a lifecycle verdict needs, in three queries for all groups.

use crate::{Result, StoreError, Tx, on_conn, sqlite_direct};

/// What a group's rows before the window say, summed up by the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct GroupFacts {
    /// The group.
    pub group_id: i64,
    /// Its first day with a message, on or before the window's end.
    pub first_day: Option<i64>,
    /// Its last day with a non-staff message before the window.
    pub last_active_before: Option<i64>,
    /// Members at the end of the day before the window.
    pub members_before: i64,
}

/// One group's day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRow {
    /// The group.
    pub group_id: i64,
    /// Days since 1970-01-01 in the shop's time zone.
    pub day: i64,
    /// Messages of every kind.
    pub messages: i64,
    /// Text and media from non-staff senders.
    pub non_staff_messages: i64,
    /// Joins.
    pub joins: i64,
    /// Leaves.
    pub leaves: i64,
}

/// One sender's day in a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderRow {
    /// The group.
    pub group_id: i64,
    /// The day.
    pub day: i64,
    /// The sender.
    pub person_id: i64,
    /// Whether the sender is the shop's staff.
    pub staff: bool,
    /// Messages that day.
    pub messages: i64,
}

/// Facts before the window `[from, to]` for every group (or one).
pub async fn facts(tx: &mut Tx, from: i64, to: i64, group: Option<i64>) -> Result<Vec<GroupFacts>> {
    const SQL: &str = "SELECT g.id AS group_id,
           (SELECT MIN(d.day) FROM group_days d
             WHERE d.group_id = g.id AND d.day <= $2 AND d.messages > 0) AS first_day,
           (SELECT MAX(d.day) FROM group_days d
             WHERE d.group_id = g.id AND d.day < $1 AND d.non_staff_messages > 0) AS last_active_before,
           -- CAST: PostgreSQL sums BIGINT into NUMERIC.
           CAST((SELECT COUNT(*) FROM chat_people p WHERE p.group_id = g.id AND p.joined_at IS NULL)
           + COALESCE((SELECT SUM(d.joins - d.leaves) FROM group_days d
             WHERE d.group_id = g.id AND d.day < $1 AND (d.joins > 0 OR d.leaves > 0)), 0)
             AS BIGINT) AS members_before
         FROM chat_groups g WHERE $3 IS NULL OR g.id = $3 ORDER BY g.id";
    if let Tx::Sqlite(t) = tx {
        // A row per group, stepped on the connection like [`days`].
        return sqlite_direct::query_rows(t, SQL, &[&from, &to, &group], |r| {
            Ok(GroupFacts {
                group_id: r.get(0)?,
                first_day: r.get(1)?,
                last_active_before: r.get(2)?,
                members_before: r.get(3)?,
            })
        })
        .await;
    }
    Ok(on_conn!(tx, |c| sqlx::query_as(SQL)
        .bind(from)
        .bind(to)
        .bind(group)
        .fetch_all(c)
        .await)?)
}

/// Day rows in `[from, to]`, in order of group (not of day within one).
///
/// Groups drive the join (CROSS JOIN fixes the order in SQLite), so each
/// group's rows are one range of the (group, day) key: no index on day is
/// needed, and imports need not maintain one.
///
/// On SQLite the rows are stepped on the connection itself
/// ([`sqlite_direct::query_rows`]): sqlx would hand each from its worker
/// thread to the caller on its own, and at a million rows those hand-offs
/// were most of a report's time. On PostgreSQL each group's rows come
/// packed into one string (`day:messages:...,...`), one result row per
/// group instead of one per day.
pub async fn days(tx: &mut Tx, from: i64, to: i64, group: Option<i64>) -> Result<Vec<DayRow>> {
    if let Tx::Sqlite(t) = tx {
        const SQL: &str = "SELECT g.id, d.day, d.messages, d.non_staff_messages, d.joins, d.leaves
             FROM chat_groups g CROSS JOIN group_days d
             WHERE d.group_id = g.id AND d.day BETWEEN $1 AND $2 AND ($3 IS NULL OR g.id = $3)
             ORDER BY g.id";
        return sqlite_direct::query_rows(t, SQL, &[&from, &to, &group], |r| {
            Ok(DayRow {
                group_id: r.get(0)?,
                day: r.get(1)?,
                messages: r.get(2)?,
                non_staff_messages: r.get(3)?,
                joins: r.get(4)?,
                leaves: r.get(5)?,
            })
        })
        .await;
    }
    const SQL: &str = "SELECT g.id, string_agg(day || ':' || messages || ':' || non_staff_messages
                                 || ':' || joins || ':' || leaves, ',')
         FROM chat_groups g CROSS JOIN group_days d
         WHERE d.group_id = g.id AND d.day BETWEEN $1 AND $2 AND ($3 IS NULL OR g.id = $3)
         GROUP BY g.id ORDER BY g.id";
    unpack(tx, SQL, (from, to, group), |group_id, row| {
        let [day, messages, non_staff_messages, joins, leaves] = fields(row)?;
        Ok(DayRow {
            group_id,
            day,
            messages,
            non_staff_messages,
            joins,
            leaves,
        })
    })
    .await
}

/// Sender rows in `[from, to]`, read like [`days`].
pub async fn senders(
    tx: &mut Tx,
    from: i64,
    to: i64,
    group: Option<i64>,
) -> Result<Vec<SenderRow>> {
    if let Tx::Sqlite(t) = tx {
        const SQL: &str = "SELECT g.id, s.day, s.person_id, s.staff, s.messages
             FROM chat_groups g CROSS JOIN sender_days s
             WHERE s.group_id = g.id AND s.day BETWEEN $1 AND $2 AND ($3 IS NULL OR g.id = $3)
             ORDER BY g.id";
        return sqlite_direct::query_rows(t, SQL, &[&from, &to, &group], |r| {
            Ok(SenderRow {
                group_id: r.get(0)?,
                day: r.get(1)?,
                person_id: r.get(2)?,
                staff: r.get(3)?,
                messages: r.get(4)?,
            })
        })
        .await;
    }
    const SQL: &str =
        "SELECT g.id, string_agg(day || ':' || person_id || ':' || CAST(staff AS INTEGER)
                                 || ':' || messages, ',')
         FROM chat_groups g CROSS JOIN sender_days s
         WHERE s.group_id = g.id AND s.day BETWEEN $1 AND $2 AND ($3 IS NULL OR g.id = $3)
         GROUP BY g.id ORDER BY g.id";
    unpack(tx, SQL, (from, to, group), |group_id, row| {
        let [day, person_id, staff, messages] = fields(row)?;
        Ok(SenderRow {
            group_id,
            day,
            person_id,
            staff: staff != 0,
            messages,
        })
    })
    .await
}

/// Runs a window query that answers `(group_id, packed rows)` and turns
/// each packed row into a `T`.
async fn unpack<T>(
    tx: &mut Tx,
    sql: &str,
    (from, to, group): (i64, i64, Option<i64>),
    row: impl Fn(i64, &str) -> Result<T>,
) -> Result<Vec<T>> {
    let packed: Vec<(i64, String)> = on_conn!(tx, |c| sqlx::query_as(sql)
        .bind(from)
        .bind(to)
        .bind(group)
        .fetch_all(c)
        .await)?;
    let mut out = Vec::new();
    for (group_id, rows) in packed {
        for r in rows.split(',') {
            out.push(row(group_id, r)?);
        }
    }
    Ok(out)
}

/// The integers of one packed row.
fn fields<const N: usize>(row: &str) -> Result<[i64; N]> {
    let mut out = [0; N];
    let mut parts = row.split(':');
    for slot in &mut out {
        *slot = parts
            .next()
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| StoreError::Corrupt(format!("packed rollup row `{row}`")))?;
    }
    Ok(out)
}
