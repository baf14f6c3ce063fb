//! Referral programs. The spec is stored as JSON: it is read whole, validated
//! whole, and evolves with the domain without a migration per field.

use crate::time::{ms, ts};
use crate::{Result, StoreError, Tx, on_conn};
use jiff::Timestamp;
use pond_core::compliance::Warning;
use pond_core::program::ProgramSpec;

/// A stored program.
#[derive(Debug, Clone)]
pub struct Program {
    /// Pond's id.
    pub id: i64,
    /// The shop's settings, as validated.
    pub spec: ProgramSpec,
    /// The guard's warnings when last saved.
    pub warnings: Vec<StoredWarning>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// A warning as kept with the program.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredWarning {
    /// Stable code.
    pub code: String,
    /// Sentence.
    pub message: String,
}

impl From<&Warning> for StoredWarning {
    fn from(w: &Warning) -> Self {
        StoredWarning {
            code: w.code.to_string(),
            message: w.message.clone(),
        }
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    spec: String,
    warnings: String,
    created_at: i64,
    updated_at: i64,
}

fn decode(r: Row) -> Result<Program> {
    let spec = serde_json::from_str(&r.spec)
        .map_err(|e| StoreError::Corrupt(format!("program {} spec: {e}", r.id)))?;
    let warnings = serde_json::from_str(&r.warnings)
        .map_err(|e| StoreError::Corrupt(format!("program {} warnings: {e}", r.id)))?;
    Ok(Program {
        id: r.id,
        spec,
        warnings,
        created_at: ts(r.created_at),
        updated_at: ts(r.updated_at),
    })
}

fn encode(spec: &ProgramSpec, warnings: &[StoredWarning]) -> Result<(String, String)> {
    let enc = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
    Ok((
        serde_json::to_string(spec).map_err(enc)?,
        serde_json::to_string(warnings).map_err(enc)?,
    ))
}

/// Stores a new program (already validated and reviewed).
pub async fn insert(
    tx: &mut Tx,
    spec: &ProgramSpec,
    warnings: &[StoredWarning],
    at: Timestamp,
) -> Result<i64> {
    let (s, w) = encode(spec, warnings)?;
    Ok(on_conn!(tx, |c| sqlx::query_scalar(
        "INSERT INTO programs (name, status, spec, warnings, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id"
    )
    .bind(&spec.name)
    .bind(spec.status.as_str())
    .bind(&s)
    .bind(&w)
    .bind(ms(at))
    .fetch_one(c)
    .await)?)
}

/// Replaces a program's spec (already validated and reviewed).
pub async fn update(
    tx: &mut Tx,
    id: i64,
    spec: &ProgramSpec,
    warnings: &[StoredWarning],
    at: Timestamp,
) -> Result<()> {
    let (s, w) = encode(spec, warnings)?;
    let done = on_conn!(tx, |c| sqlx::query(
        "UPDATE programs SET name = $2, status = $3, spec = $4, warnings = $5, updated_at = $6
         WHERE id = $1"
    )
    .bind(id)
    .bind(&spec.name)
    .bind(spec.status.as_str())
    .bind(&s)
    .bind(&w)
    .bind(ms(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// One program.
pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<Program>> {
    let row: Option<Row> = on_conn!(tx, |c| sqlx::query_as(
        "SELECT id, spec, warnings, created_at, updated_at FROM programs WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(c)
    .await)?;
    row.map(decode).transpose()
}

/// All programs, newest first.
pub async fn list(tx: &mut Tx) -> Result<Vec<Program>> {
    let rows: Vec<Row> = on_conn!(tx, |c| sqlx::query_as(
        "SELECT id, spec, warnings, created_at, updated_at FROM programs ORDER BY id DESC"
    )
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(decode).collect()
}

/// Active programs with a base grant: the ones a new member joins.
pub async fn active(tx: &mut Tx) -> Result<Vec<Program>> {
    let rows: Vec<Row> = on_conn!(tx, |c| sqlx::query_as(
        "SELECT id, spec, warnings, created_at, updated_at FROM programs
         WHERE status = 'active' ORDER BY id"
    )
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(decode).collect()
}
