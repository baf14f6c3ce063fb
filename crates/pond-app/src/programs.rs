//! Programs: validated, reviewed by the compliance guard on every save.

use crate::error::{Error, Result};
use jiff::Timestamp;
use pond_core::compliance;
use pond_core::program::ProgramSpec;
use pond_core::value_audit::{self, ValueAudit};
pub use pond_store::links::Link;
use pond_store::programs::{Program, StoredWarning};
use pond_store::{Tx, programs as store};
use serde::Serialize;
use utoipa::ToSchema;

/// A program as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramView {
    /// Pond's id.
    pub id: i64,
    /// The settings.
    #[serde(flatten)]
    pub spec: ProgramSpec,
    /// What the compliance guard said (empty when all is well).
    pub warnings: Vec<WarningView>,
    /// Value creator or extractor, with the reasons (docs/trust.md).
    pub value_audit: ValueAudit,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last changed (RFC 3339).
    pub updated_at: String,
}

/// A warning from the guard.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningView {
    /// Stable code, such as `one_sided`.
    pub code: String,
    /// A sentence.
    pub message: String,
}

impl From<Program> for ProgramView {
    fn from(p: Program) -> Self {
        ProgramView {
            id: p.id,
            value_audit: value_audit::audit(&p.spec, &crate::trust::policy()),
            spec: p.spec,
            warnings: p
                .warnings
                .into_iter()
                .map(|w| WarningView {
                    code: w.code,
                    message: w.message,
                })
                .collect(),
            created_at: p.created_at.to_string(),
            updated_at: p.updated_at.to_string(),
        }
    }
}

fn vet(spec: &ProgramSpec) -> Result<Vec<StoredWarning>> {
    spec.validate()?;
    let verdict = compliance::review(spec)?;
    Ok(verdict.warnings.iter().map(StoredWarning::from).collect())
}

/// Creates a program after validation and the compliance guard.
#[tracing::instrument(skip_all)]
pub async fn create(tx: &mut Tx, spec: ProgramSpec, now: Timestamp) -> Result<ProgramView> {
    let warnings = vet(&spec)?;
    let id = store::insert(tx, &spec, &warnings, now).await?;
    get(tx, id).await
}

/// Replaces fields of a program with those in `patch` (a JSON object), then
/// validates and reviews the result as a whole.
#[tracing::instrument(skip_all, fields(id = id))]
pub async fn update(
    tx: &mut Tx,
    id: i64,
    patch: serde_json::Value,
    now: Timestamp,
) -> Result<ProgramView> {
    let current = store::get(tx, id)
        .await?
        .ok_or_else(|| Error::not_found("program"))?;
    let serde_json::Value::Object(patch) = patch else {
        return Err(Error::invalid(
            "invalid_body",
            "send a JSON object of fields to change",
        ));
    };
    let mut merged = serde_json::to_value(&current.spec).map_err(|e| Error::internal(&e))?;
    if let serde_json::Value::Object(m) = &mut merged {
        m.extend(patch);
    }
    let spec: ProgramSpec = serde_json::from_value(merged)
        .map_err(|e| Error::invalid("invalid_body", e.to_string()))?;
    let warnings = vet(&spec)?;
    store::update(tx, id, &spec, &warnings, now).await?;
    get(tx, id).await
}

/// One program.
pub async fn get(tx: &mut Tx, id: i64) -> Result<ProgramView> {
    Ok(store::get(tx, id)
        .await?
        .ok_or_else(|| Error::not_found("program"))?
        .into())
}

/// All programs.
pub async fn list(tx: &mut Tx) -> Result<Vec<ProgramView>> {
    Ok(store::list(tx)
        .await?
        .into_iter()
        .map(ProgramView::from)
        .collect())
}

/// Every program, read on its own.
pub async fn all(pond: &crate::Pond) -> Result<Vec<ProgramView>> {
    let mut tx = pond.store.read().await?;
    list(&mut tx).await
}

/// One program, read on its own.
pub async fn one(pond: &crate::Pond, id: i64) -> Result<ProgramView> {
    let mut tx = pond.store.read().await?;
    get(&mut tx, id).await
}

/// A member's personal link in a program, created on first use.
#[tracing::instrument(skip_all, fields(id = id, member = member))]
pub async fn link(tx: &mut Tx, id: i64, member: i64, now: Timestamp) -> Result<Link> {
    if store::get(tx, id).await?.is_none() {
        return Err(Error::not_found("program"));
    }
    if pond_store::members::get(tx, member).await?.is_none() {
        return Err(Error::not_found("member").field("member_id"));
    }
    Ok(pond_store::links::get_or_create(tx, id, member, now).await?)
}

/// Creates a program in its own write (the console's form).
pub async fn add(pond: &crate::Pond, spec: ProgramSpec, now: Timestamp) -> Result<ProgramView> {
    pond.store
        .write(move |tx| Box::pin(create(tx, spec, now)))
        .await
}

/// Changes a program with a patch made from its current spec (the
/// console's form keeps the lines it does not show), in one write.
pub async fn update_from<F>(
    pond: &crate::Pond,
    id: i64,
    patch: F,
    now: Timestamp,
) -> Result<ProgramView>
where
    F: FnOnce(&ProgramSpec) -> serde_json::Value + Send + 'static,
{
    pond.store
        .write(move |tx| {
            Box::pin(async move {
                let current = store::get(tx, id)
                    .await?
                    .ok_or_else(|| Error::not_found("program"))?;
                update(tx, id, patch(&current.spec), now).await
            })
        })
        .await
}
