//! A customer's data (PIPL art. 45 and 47, GDPR art. 15, 17 and 20):
//! everything Pond holds about one member as one JSON document, and their
//! erasure. Doors: `GET /api/v1/members/{id}/export`,
//! `POST /api/v1/members/{id}/erase`, the console member page, and
//! `pond member export|erase`.

use crate::error::{ApiError, ApiResult};
use crate::rewards::{self, Balance};
use jiff::Timestamp;
use pond_store::privacy::{self as store, Erasure};
use pond_store::{Store, StoreError, Tx};
use serde::Serialize;
use utoipa::ToSchema;

/// The export's format name, so a reader knows what it holds.
pub const FORMAT: &str = "pond.member-export.v1";

/// Everything Pond holds about one member.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberExport {
    /// `pond.member-export.v1`.
    pub format: &'static str,
    /// Pond's id of the member.
    pub member_id: i64,
    /// When this export was made (RFC 3339).
    pub exported_at: String,
    /// When the member was erased (RFC 3339), if they were.
    pub erased_at: Option<String>,
    /// Their balances, one per unit: the sums of their ledger entries.
    pub balances: Vec<Balance>,
    /// Every stored row about them, by table: identity keys, tags,
    /// consents, links and their clicks, referrals both ways, rewards,
    /// ledger entries, events, trust records, chat people, the messages
    /// still kept and complaints raised on them. Each row is its columns'
    /// stored values; instants are UTC milliseconds.
    #[schema(value_type = Object)]
    pub tables: serde_json::Map<String, serde_json::Value>,
}

/// One member's export, read in one snapshot.
pub async fn export(tx: &mut Tx, member: i64, now: Timestamp) -> ApiResult<MemberExport> {
    let m = pond_store::members::get(tx, member)
        .await?
        .ok_or_else(|| ApiError::not_found("member"))?;
    Ok(MemberExport {
        format: FORMAT,
        member_id: member,
        exported_at: now.to_string(),
        erased_at: m.erased_at.map(|t| t.to_string()),
        balances: rewards::balances(tx, member).await?,
        tables: store::rows_of(tx, member).await?,
    })
}

/// What an erasure request did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureView {
    /// The member.
    pub member_id: i64,
    /// `erased` now, or `already_erased` (nothing was changed).
    pub outcome: &'static str,
    /// When the member was erased (RFC 3339).
    pub erased_at: String,
    /// Who erased them: `user:NAME`, `token:NAME` or `cli:NAME`.
    pub erased_by: String,
    /// Whether the old bytes are gone from the database files too (the
    /// SQLite WAL checkpointed, or PostgreSQL's tables vacuumed). `false`
    /// when a long read kept the WAL busy: the next erasure finishes it.
    pub purged: bool,
}

/// Erases a member in one transaction, then purges the old bytes (see
/// `pond_store::privacy::erase`). A second erasure changes nothing and
/// answers `already_erased`.
pub async fn erase(
    store: &Store,
    member: i64,
    by: String,
    now: Timestamp,
) -> ApiResult<ErasureView> {
    let (outcome, line) = store
        .write(move |tx| {
            Box::pin(async move {
                let outcome = store::erase(tx, member, &by, now)
                    .await
                    .map_err(|e| match e {
                        StoreError::NotFound => ApiError::not_found("member"),
                        e => ApiError::from(e),
                    })?;
                let line = store::erasure_of(tx, member).await?;
                Ok::<_, ApiError>((outcome, line))
            })
        })
        .await?;
    let line = line.ok_or_else(|| ApiError::internal(&"an erased member has no audit line"))?;
    let purged = match outcome {
        Erasure::Erased => store.purge(store::REWRITTEN).await?,
        // Purge again anyway: it is cheap and finishes a purge a busy WAL
        // stopped last time.
        Erasure::AlreadyErased => store.purge(&[]).await?,
    };
    tracing::info!(member, by = %line.erased_by, "member erased");
    Ok(ErasureView {
        member_id: member,
        outcome: match outcome {
            Erasure::Erased => "erased",
            Erasure::AlreadyErased => "already_erased",
        },
        erased_at: pond_store::time::ts(line.at).to_string(),
        erased_by: line.erased_by,
        purged,
    })
}
