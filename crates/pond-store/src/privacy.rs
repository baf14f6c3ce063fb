//! A member's data as stored: where it lives (one registry of tables), a
//! copy of all of it (export), and its erasure.
//!
//! [`MEMBER_TABLES`] names every table that can hold a member's data, with
//! the condition that selects their rows; [`OTHER_TABLES`] names every other
//! table with the reason it holds none. A test enumerates the schema of both
//! backends and fails on a table in neither list, so a new table cannot be
//! forgotten by the export or the erasure.

use crate::time::ms;
use crate::{Result, StoreError, Tx, on_conn};
use jiff::Timestamp;
use serde_json::{Map, Value};
use sqlx::{Column, Row, TypeInfo, ValueRef};

/// A table holding members' data and the condition (on `$1`, the member's
/// id) that selects one member's rows.
#[derive(Debug, Clone, Copy)]
pub struct MemberTable {
    /// The table.
    pub table: &'static str,
    /// A SQL condition on `$1`, portable across both backends.
    pub rows: &'static str,
}

/// The member's chat people, by group: the condition for rows keyed by
/// (group, person), which leads with the group so an index range is read
/// instead of the whole message table.
const PEOPLE: &str = "group_id IN (SELECT group_id FROM chat_people WHERE member_id = $1)
     AND person_id IN (SELECT id FROM chat_people WHERE member_id = $1)";

/// Every table that can hold a member's data, in the order the export lists
/// them.
pub const MEMBER_TABLES: &[MemberTable] = &[
    MemberTable {
        table: "members",
        rows: "id = $1",
    },
    MemberTable {
        table: "member_keys",
        rows: "member_id = $1",
    },
    MemberTable {
        table: "member_tags",
        rows: "member_id = $1",
    },
    MemberTable {
        table: "consents",
        rows: "member_id = $1",
    },
    MemberTable {
        table: "links",
        rows: "member_id = $1",
    },
    MemberTable {
        table: "clicks",
        rows: "link_id IN (SELECT id FROM links WHERE member_id = $1)",
    },
    MemberTable {
        table: "referrals",
        rows: "inviter_id = $1 OR invitee_id = $1",
    },
    MemberTable {
        table: "rewards",
        rows: "member_id = $1",
    },
    MemberTable {
        table: "ledger_entries",
        rows: "member_id = $1",
    },
    MemberTable {
        table: "events",
        rows: "member_id = $1",
    },
    MemberTable {
        table: "trust_asks",
        rows: "member_id = $1",
    },
    MemberTable {
        table: "trust_signals",
        rows: "member_id = $1",
    },
    MemberTable {
        table: "chat_people",
        rows: "member_id = $1",
    },
    MemberTable {
        table: "chat_events",
        rows: PEOPLE,
    },
    MemberTable {
        table: "sender_days",
        rows: PEOPLE,
    },
    MemberTable {
        table: "complaint_alerts",
        rows: "person_id IN (SELECT id FROM chat_people WHERE member_id = $1)",
    },
    MemberTable {
        table: "erasures",
        rows: "member_id = $1",
    },
];

/// Every other table, with why it holds no member's data.
pub const OTHER_TABLES: &[(&str, &str)] = &[
    ("_sqlx_migrations", "the schema's version"),
    ("instance", "the shop's settings and secret"),
    ("programs", "the shop's referral programs"),
    ("api_tokens", "the shop's API tokens"),
    (
        "idempotency_keys",
        "API responses replayed for 24 hours; erasure blanks the member's values in them",
    ),
    ("chat_groups", "groups, not people"),
    ("group_days", "counts per group and day"),
    ("complaint_terms", "the shop's complaint words"),
    ("notices", "notices about live codes and webhook endpoints"),
    ("webhook_endpoints", "the shop's endpoints"),
    (
        "webhook_messages",
        "event bodies by member id; erasure blanks the member's values (a complaint's sender and text)",
    ),
    ("webhook_deliveries", "delivery state"),
    ("webhook_attempts", "delivery attempts"),
    ("group_states", "a group's lifecycle state"),
    ("livecodes", "entry points"),
    ("livecode_targets", "groups behind entry points"),
    (
        "livecode_visits",
        "visitors as keyed hashes, never linked to a member",
    ),
    ("poster_templates", "the shop's poster images"),
    (
        "contact_events",
        "WeCom contact changes by external id, never linked to a member",
    ),
    ("users", "console accounts of the shop's staff"),
    ("console_sessions", "console sessions of the shop's staff"),
];

/// Every row a member has, table by table, each row as its columns' stored
/// values (instants are UTC milliseconds, as stored).
pub async fn rows_of(tx: &mut Tx, member: i64) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    for t in MEMBER_TABLES {
        let sql = format!("SELECT * FROM {} WHERE {} ORDER BY 1", t.table, t.rows);
        let rows: Vec<Value> = on_conn!(tx, |c| {
            let rows = sqlx::query(&sql).bind(member).fetch_all(c).await?;
            rows.iter().map(row_json).collect::<Result<Vec<_>>>()?
        });
        out.insert(t.table.to_string(), Value::Array(rows));
    }
    Ok(out)
}

/// One row as a JSON object, its values decoded by their stored type.
fn row_json<R>(row: &R) -> Result<Value>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database>,
    for<'r> i32: sqlx::Decode<'r, R::Database>,
    for<'r> f64: sqlx::Decode<'r, R::Database>,
    for<'r> f32: sqlx::Decode<'r, R::Database>,
    for<'r> bool: sqlx::Decode<'r, R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database>,
    for<'r> Vec<u8>: sqlx::Decode<'r, R::Database>,
{
    let mut obj = Map::new();
    for (i, col) in row.columns().iter().enumerate() {
        let raw = row.try_get_raw(i)?;
        let value = if raw.is_null() {
            Value::Null
        } else {
            // SQLite names the value's storage class; PostgreSQL the
            // column's type. Unchecked: SQLite's declared BOOLEAN holds an
            // INTEGER, which the checked decode of i64 would refuse.
            let kind = raw.type_info().name().to_ascii_uppercase();
            match kind.as_str() {
                "INTEGER" | "INT8" | "BIGINT" | "INT" => {
                    Value::from(row.try_get_unchecked::<i64, _>(i)?)
                }
                "INT4" | "INT2" => Value::from(row.try_get_unchecked::<i32, _>(i)?),
                "BOOL" | "BOOLEAN" => Value::from(row.try_get_unchecked::<bool, _>(i)?),
                "REAL" | "FLOAT8" => Value::from(row.try_get_unchecked::<f64, _>(i)?),
                "FLOAT4" => Value::from(row.try_get_unchecked::<f32, _>(i)?),
                "BLOB" | "BYTEA" => Value::from(hex(&row.try_get_unchecked::<Vec<u8>, _>(i)?)),
                _ => Value::from(row.try_get_unchecked::<String, _>(i)?),
            }
        };
        obj.insert(col.name().to_string(), value);
    }
    Ok(Value::Object(obj))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What an erasure did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erasure {
    /// The member was erased now.
    Erased,
    /// The member had been erased before: nothing was changed.
    AlreadyErased,
}

/// The tables an erasure rewrites: PostgreSQL vacuums them afterwards.
pub const REWRITTEN: &[&str] = &[
    "members",
    "member_keys",
    "member_tags",
    "consents",
    "links",
    "referrals",
    "ledger_entries",
    "trust_asks",
    "trust_signals",
    "chat_people",
    "chat_events",
    "complaint_alerts",
    "idempotency_keys",
    "webhook_messages",
];

/// Erases a member in the caller's transaction: removes what identifies
/// them and keeps what counts (see docs/architecture.md, "A customer's
/// data"). `by` is who asked (a console user or an API token), kept in the
/// audit line with the instant. A member erased before is left untouched.
///
/// On SQLite every connection runs with `secure_delete` on (`db.rs`), so
/// each cell and page this frees is overwritten with zeros; call
/// [`crate::Store::purge`] after the commit to clear the WAL of the old
/// page images (and, on PostgreSQL, vacuum the dead row versions).
pub async fn erase(tx: &mut Tx, member: i64, by: &str, now: Timestamp) -> Result<Erasure> {
    // Two erasures at once on PostgreSQL: the second waits here and then
    // finds the tombstone, so there is one audit line.
    crate::lock_member(tx, member).await?;
    let erased: Option<Option<i64>> = on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT erased_at FROM members WHERE id = $1"
    )
    .bind(member)
    .fetch_optional(c)
    .await)?;
    match erased {
        None => return Err(StoreError::NotFound),
        Some(Some(_)) => return Ok(Erasure::AlreadyErased),
        Some(None) => {}
    }
    let needles = needles(tx, member).await?;
    // The member row becomes a tombstone: id, join instant, how they heard
    // of the shop and whether they were a customer before stay for the
    // reports; nothing that names them.
    on_conn!(tx, |c| sqlx::query(
        "UPDATE members SET name = NULL, ip_hash = NULL, device_hash = NULL,
                erased_at = $2, updated_at = $2 WHERE id = $1"
    )
    .bind(member)
    .bind(ms(now))
    .execute(c)
    .await
    .map(|_| ()))?;
    for sql in [
        "DELETE FROM member_keys WHERE member_id = $1",
        "DELETE FROM member_tags WHERE member_id = $1",
        "UPDATE consents SET ip_hash = NULL WHERE member_id = $1",
        // A code that no parse can produce: /r/{code}, posters and
        // checkout codes stop finding the link, while its clicks stay
        // counted. The old code is gone from the database.
        "UPDATE links SET code = '~erased:' || CAST(id AS TEXT) WHERE member_id = $1",
        "UPDATE referrals SET ip_hash = NULL WHERE invitee_id = $1",
        "UPDATE referrals SET review_note = NULL WHERE (inviter_id = $1 OR invitee_id = $1)
            AND review_note IS NOT NULL",
        "UPDATE ledger_entries SET memo = NULL WHERE member_id = $1 AND memo IS NOT NULL",
        "UPDATE trust_asks SET note = NULL WHERE member_id = $1 AND note IS NOT NULL",
        "UPDATE trust_signals SET note = NULL WHERE member_id = $1 AND note IS NOT NULL",
        // Their messages keep their place and kind (the counts stay),
        // without the text; complaints raised on them lose the text too.
        "UPDATE chat_events SET text = NULL WHERE text IS NOT NULL AND group_id IN
            (SELECT group_id FROM chat_people WHERE member_id = $1)
            AND person_id IN (SELECT id FROM chat_people WHERE member_id = $1)",
        "UPDATE complaint_alerts SET text = '' WHERE person_id IN
            (SELECT id FROM chat_people WHERE member_id = $1)",
        // The person key held their name or platform id; a new key keeps
        // (group, key) unique without either.
        "UPDATE chat_people SET name = '', platform_id = NULL,
            person_key = 'erased:' || CAST(id AS TEXT) WHERE member_id = $1",
    ] {
        exec(tx, sql, member).await?;
    }
    for needle in &needles {
        blank(tx, "idempotency_keys", "body", needle).await?;
        blank(tx, "webhook_messages", "body", needle).await?;
    }
    on_conn!(tx, |c| sqlx::query(
        "INSERT INTO erasures (member_id, erased_by, at) VALUES ($1, $2, $3)"
    )
    .bind(member)
    .bind(by)
    .bind(ms(now))
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(Erasure::Erased)
}

async fn exec(tx: &mut Tx, sql: &'static str, member: i64) -> Result<()> {
    on_conn!(tx, |c| sqlx::query(sql)
        .bind(member)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The member's values as they appear in stored JSON bodies (API responses
/// kept for replay, webhook messages): each a whole JSON string, quotes
/// included, so blanking one never cuts into another value.
async fn needles(tx: &mut Tx, member: i64) -> Result<Vec<String>> {
    let mut values: Vec<String> = on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT value FROM member_keys WHERE member_id = $1
         UNION SELECT name FROM members WHERE id = $1 AND name IS NOT NULL
         UNION SELECT name FROM chat_people WHERE member_id = $1
         UNION SELECT platform_id FROM chat_people WHERE member_id = $1 AND platform_id IS NOT NULL
         UNION SELECT text FROM complaint_alerts WHERE person_id IN
             (SELECT id FROM chat_people WHERE member_id = $1)"
    )
    .bind(member)
    .fetch_all(c)
    .await)?;
    values.retain(|v| !v.is_empty());
    Ok(values
        .iter()
        .filter_map(|v| serde_json::to_string(v).ok())
        .collect())
}

/// Replaces `needle` (a JSON string) by `""` in one text column.
async fn blank(tx: &mut Tx, table: &'static str, column: &'static str, needle: &str) -> Result<()> {
    let pattern = format!(
        "%{}%",
        needle
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let sql = format!(
        "UPDATE {table} SET {column} = replace({column}, $1, '\"\"')
         WHERE {column} LIKE $2 ESCAPE '\\'"
    );
    on_conn!(tx, |c| sqlx::query(&sql)
        .bind(needle)
        .bind(&pattern)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// An erasure's audit line: who, when.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditLine {
    /// The member erased.
    pub member_id: i64,
    /// Who erased them: `user:NAME` or `token:NAME`.
    pub erased_by: String,
    /// When (UTC milliseconds).
    pub at: i64,
}

/// A member's erasure, if any.
pub async fn erasure_of(tx: &mut Tx, member: i64) -> Result<Option<AuditLine>> {
    Ok(on_conn!(tx, |c| sqlx::query_as(
        "SELECT member_id, erased_by, at FROM erasures WHERE member_id = $1 ORDER BY id LIMIT 1"
    )
    .bind(member)
    .fetch_optional(c)
    .await)?)
}
