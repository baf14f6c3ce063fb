//! Live codes (活码), their target groups and every visit. Choosing a
//! target happens in the server's visit transaction, under [`lock`].

use crate::time::ms;
use crate::{Backend, Result, StoreError, Tx, on_conn};
use jiff::Timestamp;
use pond_core::code::ReferralCode;

/// A stored live code.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LiveCode {
    /// Pond's id.
    pub id: i64,
    /// The random code in its link, `/j/{code}`.
    pub code: String,
    /// The operator's name for the entry point.
    pub name: String,
    /// `fill_first` or `round_robin`.
    pub strategy: String,
    /// The default `state` tag of its visits.
    pub state: String,
    /// The position of the target chosen last (round robin), -1 before any.
    pub last_position: i64,
    /// Off sends every visitor to the "full" page.
    pub enabled: bool,
    /// Created (ms).
    pub created_at: i64,
}

/// A target group, without its image bytes.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Target {
    /// Pond's id.
    pub id: i64,
    /// Its live code.
    pub livecode_id: i64,
    /// Its place in the order.
    pub position: i64,
    /// The group's name, shown to visitors.
    pub name: String,
    /// Visitors it may take.
    pub capacity: i64,
    /// Visitors sent to it.
    pub assigned: i64,
    /// The operator's switch.
    pub enabled: bool,
    /// The uploaded QR image's type, when there is one.
    pub qr_mime: Option<String>,
    /// When the uploaded QR stops working (ms).
    pub qr_expires_at: Option<i64>,
    /// Created (ms).
    pub created_at: i64,
}

impl Target {
    /// What the choice in `pond-core` needs.
    pub fn to_core(&self) -> pond_core::livecode::Target {
        pond_core::livecode::Target {
            id: self.id,
            position: self.position,
            capacity: self.capacity,
            assigned: self.assigned,
            enabled: self.enabled,
            qr_expires_at: self.qr_mime.as_ref().and(self.qr_expires_at),
        }
    }
}

/// Visits under one state tag.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct VisitCount {
    /// The entry point's tag.
    pub state: String,
    /// Every visit.
    pub visits: i64,
    /// Visits that took a new place in a group (repeats excluded).
    pub counted: i64,
    /// Visits that found no group left.
    pub turned_away: i64,
}

const CODE_COLUMNS: &str = "id, code, name, strategy, state, last_position, enabled, created_at";
const TARGET_COLUMNS: &str = "id, livecode_id, position, name, capacity, assigned, enabled, \
                              qr_mime, qr_expires_at, created_at";

/// Stores a new live code under a fresh random code; answers it.
pub async fn insert(
    tx: &mut Tx,
    name: &str,
    strategy: &str,
    state: Option<&str>,
    at: Timestamp,
) -> Result<LiveCode> {
    for _ in 0..5 {
        let code = ReferralCode::generate();
        let state = state.map_or_else(
            || pond_core::livecode::default_state(name, code.as_str()),
            str::to_string,
        );
        let sql = format!(
            "INSERT INTO livecodes (code, name, strategy, state, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO NOTHING RETURNING {CODE_COLUMNS}"
        );
        let row: Option<LiveCode> = on_conn!(tx, |c| sqlx::query_as(&sql)
            .bind(code.as_str())
            .bind(name)
            .bind(strategy)
            .bind(&state)
            .bind(ms(at))
            .fetch_optional(c)
            .await)?;
        if let Some(row) = row {
            return Ok(row);
        }
    }
    Err(StoreError::Conflict("livecodes.code".into()))
}

/// Adds a target at the end of a live code's order.
pub async fn add_target(
    tx: &mut Tx,
    livecode: i64,
    name: &str,
    capacity: i64,
    enabled: bool,
    at: Timestamp,
) -> Result<Target> {
    let sql = format!(
        "INSERT INTO livecode_targets (livecode_id, position, name, capacity, enabled, created_at)
         VALUES ($1, (SELECT COALESCE(MAX(position), -1) + 1 FROM livecode_targets
                      WHERE livecode_id = $1), $2, $3, $4, $5)
         RETURNING {TARGET_COLUMNS}"
    );
    Ok(on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(livecode)
        .bind(name)
        .bind(capacity)
        .bind(enabled)
        .bind(ms(at))
        .fetch_one(c)
        .await)?)
}

/// The live code with this code.
pub async fn by_code(tx: &mut Tx, code: &str) -> Result<Option<LiveCode>> {
    let sql = format!("SELECT {CODE_COLUMNS} FROM livecodes WHERE code = $1");
    Ok(on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(code)
        .fetch_optional(c)
        .await)?)
}

/// Every live code, newest first.
pub async fn list(tx: &mut Tx) -> Result<Vec<LiveCode>> {
    let sql = format!("SELECT {CODE_COLUMNS} FROM livecodes ORDER BY id DESC");
    Ok(on_conn!(tx, |c| sqlx::query_as(&sql).fetch_all(c).await)?)
}

/// A live code's targets in order.
pub async fn targets(tx: &mut Tx, livecode: i64) -> Result<Vec<Target>> {
    let sql = format!(
        "SELECT {TARGET_COLUMNS} FROM livecode_targets WHERE livecode_id = $1 ORDER BY position"
    );
    Ok(on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(livecode)
        .fetch_all(c)
        .await)?)
}

/// Holds the live code's row until the transaction ends, so that two
/// visitors on PostgreSQL cannot both take a group's last place. SQLite's
/// single writer already serialises visits.
pub async fn lock(tx: &mut Tx, livecode: i64) -> Result<()> {
    if tx.backend() == Backend::Sqlite {
        return Ok(());
    }
    on_conn!(tx, |c| sqlx::query(
        "UPDATE livecodes SET last_position = last_position WHERE id = $1"
    )
    .bind(livecode)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Gives a target's next place to a visitor and moves the round-robin
/// cursor to it.
pub async fn assign(tx: &mut Tx, target: &Target) -> Result<()> {
    on_conn!(tx, |c| sqlx::query(
        "UPDATE livecode_targets SET assigned = assigned + 1 WHERE id = $1"
    )
    .bind(target.id)
    .execute(c)
    .await
    .map(|_| ()))?;
    on_conn!(tx, |c| sqlx::query(
        "UPDATE livecodes SET last_position = $2 WHERE id = $1"
    )
    .bind(target.livecode_id)
    .bind(target.position)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// The target this visitor (a keyed hash of IP and user agent) was last
/// sent to since `since`.
pub async fn recent_target(
    tx: &mut Tx,
    livecode: i64,
    visitor: &str,
    since: Timestamp,
) -> Result<Option<i64>> {
    Ok(on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT target_id FROM livecode_visits
         WHERE livecode_id = $1 AND visitor = $2 AND at >= $3 AND target_id IS NOT NULL
         ORDER BY at DESC, id DESC LIMIT 1"
    )
    .bind(livecode)
    .bind(visitor)
    .bind(ms(since))
    .fetch_optional(c)
    .await)?)
}

/// Records a visit.
pub async fn record_visit(
    tx: &mut Tx,
    livecode: i64,
    target: Option<i64>,
    state: &str,
    visitor: Option<&str>,
    counted: bool,
    at: Timestamp,
) -> Result<()> {
    on_conn!(tx, |c| sqlx::query(
        "INSERT INTO livecode_visits (livecode_id, target_id, state, visitor, counted, at)
         VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(livecode)
    .bind(target)
    .bind(state)
    .bind(visitor)
    .bind(counted)
    .bind(ms(at))
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Visits of a live code by state tag.
pub async fn visit_counts(tx: &mut Tx, livecode: i64) -> Result<Vec<VisitCount>> {
    Ok(on_conn!(tx, |c| sqlx::query_as(
        "SELECT state, COUNT(*) AS visits,
                SUM(CASE WHEN counted THEN 1 ELSE 0 END) AS counted,
                SUM(CASE WHEN target_id IS NULL THEN 1 ELSE 0 END) AS turned_away
         FROM livecode_visits WHERE livecode_id = $1 GROUP BY state ORDER BY state"
    )
    .bind(livecode)
    .fetch_all(c)
    .await)?)
}

/// Changes a live code's settings; `None` keeps a field.
pub async fn update(
    tx: &mut Tx,
    livecode: i64,
    name: Option<&str>,
    strategy: Option<&str>,
    enabled: Option<bool>,
) -> Result<()> {
    on_conn!(tx, |c| sqlx::query(
        "UPDATE livecodes SET name = COALESCE($2, name), strategy = COALESCE($3, strategy),
                enabled = COALESCE($4, enabled) WHERE id = $1"
    )
    .bind(livecode)
    .bind(name)
    .bind(strategy)
    .bind(enabled)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Changes a target's settings; false when the live code has no such target.
pub async fn update_target(
    tx: &mut Tx,
    livecode: i64,
    target: i64,
    name: Option<&str>,
    capacity: Option<i64>,
    enabled: Option<bool>,
) -> Result<bool> {
    let n = on_conn!(tx, |c| sqlx::query(
        "UPDATE livecode_targets SET name = COALESCE($3, name),
                capacity = COALESCE($4, capacity), enabled = COALESCE($5, enabled)
         WHERE id = $1 AND livecode_id = $2"
    )
    .bind(target)
    .bind(livecode)
    .bind(name)
    .bind(capacity)
    .bind(enabled)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Stores a target's group QR image; false when there is no such target.
pub async fn set_qr(
    tx: &mut Tx,
    livecode: i64,
    target: i64,
    image: &[u8],
    mime: &str,
    expires_at: Timestamp,
) -> Result<bool> {
    let n = on_conn!(tx, |c| sqlx::query(
        "UPDATE livecode_targets SET qr_image = $3, qr_mime = $4, qr_expires_at = $5
         WHERE id = $1 AND livecode_id = $2"
    )
    .bind(target)
    .bind(livecode)
    .bind(image)
    .bind(mime)
    .bind(ms(expires_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A target's QR image and its type.
pub async fn qr_image(
    tx: &mut Tx,
    livecode: i64,
    target: i64,
) -> Result<Option<(Vec<u8>, String)>> {
    Ok(on_conn!(tx, |c| sqlx::query_as(
        "SELECT qr_image, qr_mime FROM livecode_targets
         WHERE id = $1 AND livecode_id = $2 AND qr_image IS NOT NULL AND qr_mime IS NOT NULL"
    )
    .bind(target)
    .bind(livecode)
    .fetch_optional(c)
    .await)?)
}
