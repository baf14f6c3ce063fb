//! The ledger as stored: append-only (triggers refuse UPDATE and DELETE),
//! double-entry, each entry's key UNIQUE.

use crate::time::{ms, ts};
use crate::{Result, Tx, on_conn};
use jiff::Timestamp;
use pond_core::ledger::{Account, Posting};

/// One stored entry.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Entry {
    /// Pond's id (the append order).
    pub id: i64,
    /// The deterministic identity.
    pub entry_key: String,
    /// What it records.
    pub kind: String,
    /// Debited account.
    pub debit: String,
    /// Credited account.
    pub credit: String,
    /// How much.
    pub amount: i64,
    /// Of what.
    pub unit: String,
    /// The program, for rewards and grants.
    pub program_id: Option<i64>,
    /// The referral, for rewards.
    pub referral_id: Option<i64>,
    /// A note.
    pub memo: Option<String>,
    /// When (milliseconds; see [`Entry::at`]).
    pub created_at: i64,
}

impl Entry {
    /// When it was appended.
    pub fn at(&self) -> Timestamp {
        ts(self.created_at)
    }
}

/// Context kept with an entry for people reading the ledger.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    /// The program.
    pub program_id: Option<i64>,
    /// The referral.
    pub referral_id: Option<i64>,
    /// A note.
    pub memo: Option<&'a str>,
}

/// Appends a posting; `false` when an entry with its key exists, which is
/// how a retried reward becomes a no-op instead of a second payment.
pub async fn append(tx: &mut Tx, p: &Posting, cx: &Context<'_>, at: Timestamp) -> Result<bool> {
    let member = [p.debit, p.credit].into_iter().find_map(|a| match a {
        Account::Member(id) => Some(id),
        _ => None,
    });
    let done = on_conn!(tx, |c| sqlx::query(
        "INSERT INTO ledger_entries (entry_key, kind, debit, credit, amount, unit, member_id,
                                     program_id, referral_id, memo, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (entry_key) DO NOTHING"
    )
    .bind(p.key.as_str())
    .bind(p.kind.as_str())
    .bind(p.debit.to_string())
    .bind(p.credit.to_string())
    .bind(p.amount)
    .bind(&p.unit)
    .bind(member)
    .bind(cx.program_id)
    .bind(cx.referral_id)
    .bind(cx.memo)
    .bind(ms(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// An account's balance in one unit: credits minus debits over its entries.
pub async fn balance(tx: &mut Tx, account: Account, unit: &str) -> Result<i64> {
    let acct = account.to_string();
    Ok(on_conn!(tx, |c| {
        sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(CASE WHEN credit = $1 THEN amount ELSE -amount END), 0) AS BIGINT)
         FROM ledger_entries WHERE (credit = $1 OR debit = $1) AND unit = $2"
    )
    .bind(&acct)
    .bind(unit)
    .fetch_one(c)
    .await
    })?)
}

/// A member's balances in every unit they hold, by unit name.
pub async fn balances(tx: &mut Tx, member: i64) -> Result<Vec<(String, i64)>> {
    let acct = Account::Member(member).to_string();
    Ok(on_conn!(tx, |c| sqlx::query_as(
        "SELECT unit, CAST(SUM(CASE WHEN credit = $1 THEN amount ELSE -amount END) AS BIGINT)
         FROM ledger_entries WHERE member_id = $2 GROUP BY unit ORDER BY unit"
    )
    .bind(&acct)
    .bind(member)
    .fetch_all(c)
    .await)?)
}

/// A member's entries, newest first, before `before` when paging.
pub async fn entries_of(
    tx: &mut Tx,
    member: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Entry>> {
    Ok(on_conn!(tx, |c| {
        sqlx::query_as(
        "SELECT id, entry_key, kind, debit, credit, amount, unit, program_id, referral_id, memo, created_at
         FROM ledger_entries WHERE member_id = $1 AND ($2 IS NULL OR id < $2)
         ORDER BY id DESC LIMIT $3"
    )
    .bind(member)
    .bind(before)
    .bind(limit)
    .fetch_all(c)
    .await
    })?)
}

/// The entry with this key, if any (to answer a replayed redemption).
pub async fn by_key(tx: &mut Tx, key: &str) -> Result<Option<Entry>> {
    Ok(on_conn!(tx, |c| {
        sqlx::query_as(
        "SELECT id, entry_key, kind, debit, credit, amount, unit, program_id, referral_id, memo, created_at
         FROM ledger_entries WHERE entry_key = $1"
    )
    .bind(key)
    .fetch_optional(c)
    .await
    })?)
}

/// Sum over all entries of (credits − debits) across every account: zero
/// unless the double-entry invariant is broken. Used by checks and tests.
pub async fn imbalance(tx: &mut Tx) -> Result<i64> {
    // Each entry credits and debits the same amount, so the per-account
    // sums always cancel; recomputing them here guards against a bug that
    // wrote one side only.
    let rows: Vec<(String, i64)> = on_conn!(tx, |c| sqlx::query_as(
        "SELECT acct, CAST(SUM(v) AS BIGINT) FROM (
             SELECT credit AS acct, amount AS v FROM ledger_entries
             UNION ALL SELECT debit AS acct, -amount AS v FROM ledger_entries
         ) t GROUP BY acct"
    )
    .fetch_all(c)
    .await)?;
    Ok(rows.iter().map(|(_, v)| v).sum())
}
