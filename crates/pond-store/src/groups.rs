//! Chat groups and the people in them.

use crate::time::ms;
use crate::{Result, StoreError, Tx, on_conn};
use jiff::Timestamp;

/// A stored chat group.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Group {
    /// Pond's id.
    pub id: i64,
    /// wechat, wecom, whatsapp, telegram, discord or other.
    pub channel: String,
    /// The platform's id for the group, when known.
    pub external_id: Option<String>,
    /// Display name.
    pub name: String,
    /// How many people the group can hold, when set.
    pub capacity: Option<i64>,
    /// When Pond first saw the group (ms).
    pub first_seen: i64,
}

const COLUMNS: &str = "id, channel, external_id, name, capacity, first_seen";

/// A group as an import or a client names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NewGroup {
    /// The channel's name.
    pub channel: String,
    /// The platform's id, if any.
    pub external_id: Option<String>,
    /// Display name.
    pub name: String,
}

impl NewGroup {
    /// How the group is found again: its platform id, else its name.
    pub fn key(&self) -> String {
        match &self.external_id {
            Some(id) => format!("{}:id:{id}", self.channel),
            None => format!("{}:name:{}", self.channel, self.name),
        }
    }
}

/// The group's id, creating it on first sight.
pub async fn get_or_create(tx: &mut Tx, g: &NewGroup, at: Timestamp) -> Result<i64> {
    let key = g.key();
    on_conn!(tx, |c| sqlx::query(
        "INSERT INTO chat_groups (channel, group_key, external_id, name, first_seen, created_at)
         VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (group_key) DO NOTHING"
    )
    .bind(&g.channel)
    .bind(&key)
    .bind(&g.external_id)
    .bind(&g.name)
    .bind(ms(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM chat_groups WHERE group_key = $1"
    )
    .bind(&key)
    .fetch_one(c)
    .await)?)
}

/// Moves a group's first sighting earlier, when history older than it arrives.
pub async fn seen_since(tx: &mut Tx, group: i64, at: Timestamp) -> Result<()> {
    on_conn!(tx, |c| sqlx::query(
        "UPDATE chat_groups SET first_seen = $2 WHERE id = $1 AND first_seen > $2"
    )
    .bind(group)
    .bind(ms(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// One group.
pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<Group>> {
    let sql = format!("SELECT {COLUMNS} FROM chat_groups WHERE id = $1");
    Ok(on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

/// Every group, by id.
pub async fn list(tx: &mut Tx) -> Result<Vec<Group>> {
    let sql = format!("SELECT {COLUMNS} FROM chat_groups ORDER BY id");
    if let Tx::Sqlite(t) = tx {
        // Thousands of groups: stepped on the connection, not handed over
        // from sqlx's worker row by row (see `sqlite_direct`).
        return crate::sqlite_direct::query_rows(t, &sql, &[], |r| {
            Ok(Group {
                id: r.get(0)?,
                channel: r.get(1)?,
                external_id: r.get(2)?,
                name: r.get(3)?,
                capacity: r.get(4)?,
                first_seen: r.get(5)?,
            })
        })
        .await;
    }
    Ok(on_conn!(tx, |c| sqlx::query_as(&sql).fetch_all(c).await)?)
}

/// A person as a group knows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct NewPerson {
    /// The platform's id, else the display name, prefixed by which.
    pub key: String,
    /// Display name.
    pub name: String,
    /// The platform's id, if any.
    pub platform_id: Option<String>,
    /// A bot account.
    pub bot: bool,
}

impl NewPerson {
    /// A person keyed by platform id when there is one, else by name.
    pub fn new(name: &str, platform_id: Option<&str>, bot: bool) -> Self {
        let key = match platform_id {
            Some(id) => format!("id:{id}"),
            None => format!("name:{name}"),
        };
        NewPerson {
            key,
            name: name.to_string(),
            platform_id: platform_id.map(str::to_string),
            bot,
        }
    }
}

/// A stored person: their id and whether they are the shop's staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct PersonId {
    /// Pond's id.
    pub id: i64,
    /// The shop's staff: their messages do not keep a group alive.
    pub staff: bool,
}

/// Rows per multi-row statement; well under both backends' parameter limits.
const CHUNK: usize = 500;

/// Ids of these people in `group`, in the order given, creating the
/// missing ones; `staff` says whether a new person is the shop's staff
/// (existing people keep theirs). Keys must be distinct.
pub async fn people(
    tx: &mut Tx,
    group: i64,
    people: &[NewPerson],
    staff: &(dyn Fn(&NewPerson) -> bool + Sync),
) -> Result<Vec<PersonId>> {
    if let Tx::Sqlite(t) = tx {
        // A row per step on the connection itself (see chat::insert). No
        // RETURNING: SQLite gathers it in a temporary table per statement.
        let out = crate::sqlite_direct::with(t, |db| {
            let mut insert = db.prepare_cached(
                "INSERT INTO chat_people (group_id, person_key, name, platform_id, bot, staff)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (group_id, person_key) DO NOTHING",
            )?;
            let mut existing = db.prepare_cached(
                "SELECT id, staff FROM chat_people WHERE group_id = ?1 AND person_key = ?2",
            )?;
            people
                .iter()
                .map(|p| {
                    let staff = staff(p);
                    let values =
                        rusqlite::params![group, p.key, p.name, p.platform_id, p.bot, staff];
                    if insert.execute(values)? == 1 {
                        let id = db.last_insert_rowid();
                        return Ok(PersonId { id, staff });
                    }
                    existing.query_row(rusqlite::params![group, p.key], |r| {
                        Ok(PersonId {
                            id: r.get(0)?,
                            staff: r.get(1)?,
                        })
                    })
                })
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .await?;
        for chunk in out.chunks(CHUNK) {
            let ids: Vec<i64> = chunk.iter().map(|p| p.id).collect();
            link_members(tx, &ids).await?;
        }
        return Ok(out);
    }
    let mut out = Vec::with_capacity(people.len());
    for chunk in people.chunks(CHUNK) {
        // DO UPDATE with a no-op, so RETURNING gives existing rows too.
        let sql = format!(
            "INSERT INTO chat_people (group_id, person_key, name, platform_id, bot, staff)
             VALUES {} ON CONFLICT (group_id, person_key) DO UPDATE SET name = chat_people.name
             RETURNING person_key, id, staff",
            crate::sql::values(tx.backend(), chunk.len(), 6)
        );
        let rows: Vec<(String, i64, bool)> = on_conn!(tx, |c| {
            let mut q = sqlx::query_as(&sql);
            for p in chunk {
                q = q
                    .bind(group)
                    .bind(&p.key)
                    .bind(&p.name)
                    .bind(&p.platform_id)
                    .bind(p.bot)
                    .bind(staff(p));
            }
            q.fetch_all(c).await
        })?;
        let ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
        link_members(tx, &ids).await?;
        // RETURNING promises no order: match the rows back to the keys.
        let mut by_key: std::collections::HashMap<String, PersonId> = rows
            .into_iter()
            .map(|(key, id, staff)| (key, PersonId { id, staff }))
            .collect();
        for p in chunk {
            let id = by_key.remove(&p.key).ok_or_else(|| {
                StoreError::Corrupt(format!("chat_people: no row came back for {}", p.key))
            })?;
            out.push(id);
        }
    }
    Ok(out)
}

/// Links people of a group to Pond members whose phone, WeChat id or
/// external id is the person's platform id (spaces and dashes ignored, as
/// WhatsApp writes numbers `+41 79 123 45 67`).
/// Only the people just met are looked at, and only a match is written.
async fn link_members(tx: &mut Tx, people: &[i64]) -> Result<()> {
    if people.is_empty() {
        return Ok(());
    }
    const MATCH: &str = "FROM member_keys k
        WHERE k.kind IN ('phone', 'wechat_unionid', 'wechat_openid', 'external_id')
          AND k.value = REPLACE(REPLACE(chat_people.platform_id, ' ', ''), '-', '')";
    let sql = format!(
        "UPDATE chat_people SET member_id = (SELECT k.member_id {MATCH} LIMIT 1)
         WHERE id IN {} AND member_id IS NULL AND platform_id IS NOT NULL
           AND EXISTS (SELECT 1 {MATCH})",
        crate::sql::values(tx.backend(), 1, people.len())
    );
    on_conn!(tx, |c| {
        let mut q = sqlx::query(&sql);
        for id in people {
            q = q.bind(id);
        }
        q.execute(c).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// A person in a group, as listed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Person {
    /// Pond's id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// The platform's id, if known.
    pub platform_id: Option<String>,
    /// The shop's staff.
    pub staff: bool,
    /// A bot account.
    pub bot: bool,
    /// The Pond member with the same phone or WeChat id, if any.
    pub member_id: Option<i64>,
    /// Their latest join (ms), if any was seen.
    pub joined_at: Option<i64>,
    /// Their latest leave (ms), if any was seen.
    pub left_at: Option<i64>,
}

/// The people of a group, by id.
pub async fn people_of(tx: &mut Tx, group: i64) -> Result<Vec<Person>> {
    Ok(on_conn!(tx, |c| sqlx::query_as(
        "SELECT id, name, platform_id, staff, bot, member_id, joined_at, left_at
         FROM chat_people WHERE group_id = $1 ORDER BY id"
    )
    .bind(group)
    .fetch_all(c)
    .await)?)
}

/// Records the latest join and leave instants (ms) seen for a person.
pub async fn membership(
    tx: &mut Tx,
    person: i64,
    joined: Option<i64>,
    left: Option<i64>,
) -> Result<()> {
    on_conn!(tx, |c| {
        sqlx::query(
        "UPDATE chat_people SET
           joined_at = CASE WHEN $2 IS NOT NULL AND (joined_at IS NULL OR joined_at < $2) THEN $2 ELSE joined_at END,
           left_at = CASE WHEN $3 IS NOT NULL AND (left_at IS NULL OR left_at < $3) THEN $3 ELSE left_at END
         WHERE id = $1"
    )
    .bind(person)
    .bind(joined)
    .bind(left)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Marks a person as staff or not, and re-derives the rollups that depend
/// on it. Answers false when there is no such person in the group.
pub async fn set_staff(tx: &mut Tx, group: i64, person: i64, staff: bool) -> Result<bool> {
    let n = on_conn!(tx, |c| sqlx::query(
        "UPDATE chat_people SET staff = $3 WHERE id = $2 AND group_id = $1"
    )
    .bind(group)
    .bind(person)
    .bind(staff)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Ok(false);
    }
    crate::chat::restaff(tx, group, person, staff).await?;
    Ok(true)
}
